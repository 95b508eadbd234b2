// How the particle's heating is computed and reported: the declare/parse
// pairs of the Time, Mesh and Output subsections.
#include "stream_thermal/parameters.h"

namespace xray
{
  namespace stream_thermal
  {
    void
    Parameters::declare_time(ParameterHandler &prm)
    {
      prm.enter_subsection("Time");
      {
        prm.declare_entry("Steps across spot",
                          "100",
                          Patterns::Integer(4, 100000),
                          "Time steps (TR-BDF2) while the particle crosses the "
                          "spot.");
        prm.declare_entry("Time after exit",
                          "0",
                          Patterns::Double(),
                          "Follow the particle this long after it leaves the "
                          "spot, s (cooling by radiation and conduction).");
      }
      prm.leave_subsection();
    }


    void
    Parameters::parse_time(ParameterHandler &prm)
    {
      const std::string where = "Time/";
      prm.enter_subsection("Time");
      {
        steps_across_spot = prm.get_integer("Steps across spot");
        time_after_exit   = positive(prm, "Time after exit", where, true);
      }
      prm.leave_subsection();
    }


    void
    Parameters::declare_mesh(ParameterHandler &prm)
    {
      prm.enter_subsection("Mesh");
      {
        prm.declare_entry("Refinements",
                          "2",
                          Patterns::Integer(0, 8),
                          "Global refinements of the coarse sphere (or slab).");
        prm.declare_entry("Finite element degree",
                          "2",
                          Patterns::Integer(1, 4),
                          "Polynomial degree of the finite elements. Formerly "
                          "Degree, which is still read.");
        // An old name, deprecated: run_solver() says so once, on rank 0 and
        // in log.txt, so deal.II's own warning (every rank) stays off.
        prm.declare_alias("Finite element degree", "Degree", false);
      }
      prm.leave_subsection();
    }


    void
    Parameters::parse_mesh(ParameterHandler &prm)
    {
      prm.enter_subsection("Mesh");
      {
        refinements = prm.get_integer("Refinements");
        degree      = prm.get_integer("Finite element degree");
      }
      prm.leave_subsection();
    }


    void
    Parameters::declare_output(ParameterHandler &prm)
    {
      prm.enter_subsection("Output");
      {
        prm.declare_entry("Write fields",
                          "true",
                          Patterns::Bool(),
                          "Write the particle's temperature field (VTU).");
        prm.declare_entry("Field interval",
                          "10",
                          Patterns::Integer(1),
                          "Write the field every this many time steps (and at "
                          "the spot exit and the end).");
      }
      prm.leave_subsection();
    }


    void
    Parameters::parse_output(ParameterHandler &prm)
    {
      prm.enter_subsection("Output");
      {
        write_fields   = prm.get_bool("Write fields");
        field_interval = prm.get_integer("Field interval");
      }
      prm.leave_subsection();
    }
  } // namespace stream_thermal
} // namespace xray

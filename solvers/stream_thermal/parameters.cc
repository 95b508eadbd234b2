// Parameters::declare() and Parameters::parse(): the stream-thermal input,
// one subsection after the other, and the entries of its top level. Each
// subsection's entries are declared beside the code that reads them (the
// declare_X()/parse_X() pairs in parameters_particle.cc,
// parameters_beam.cc, parameters_anode.cc and parameters_numerics.cc);
// doc/parameters.md is generated from the declarations by
// scripts/parameter_reference.py. Every entry is checked as it is read: a
// malformed or inconsistent value is an InputError that names the entry.
#include "stream_thermal/parameters.h"

#include "common/errors.h"

#include <deal.II/base/utilities.h>

#include <cmath>

namespace xray
{
  namespace stream_thermal
  {
    void
    Parameters::declare(ParameterHandler &prm)
    {
      declare_top_level(prm);
      MaterialLibrary::declare_parameters(prm);
      declare_particle(prm);
      declare_limit(prm);
      declare_stream(prm);
      declare_beam(prm);
      declare_energy_split(prm);
      declare_anode(prm);
      declare_limit_curves(prm);
      declare_time(prm);
      declare_mesh(prm);
      declare_output(prm);
    }


    void
    Parameters::parse(ParameterHandler &prm)
    {
      // The order matters: a section's checks may use the sections read
      // before it (the limit the particle's material, the limit curves the
      // energy split and the temperature limit).
      parse_top_level(prm);
      library.parse_parameters(prm);
      parse_particle(prm);
      parse_limit(prm);
      parse_stream(prm);
      parse_beam(prm);
      parse_energy_split(prm);
      parse_anode(prm);
      parse_limit_curves(prm);
      parse_time(prm);
      parse_mesh(prm);
      parse_output(prm);
    }


    void
    Parameters::declare_top_level(ParameterHandler &prm)
    {
      prm.declare_entry("Output directory",
                        "output/stream-thermal",
                        Patterns::DirectoryName(),
                        "Where log.txt, parameters.prm, history.csv, "
                        "solution.pvd and summary.json are written.");
      prm.declare_entry(
        "Model",
        "axisymmetric",
        Patterns::Selection("axisymmetric|3d|slab"),
        "axisymmetric: the sphere in (r, z), exact since the beam heats it "
        "symmetrically about its direction z; 3d: the whole sphere; slab: "
        "half of a plane slab 2 r_p thick heated through one face "
        "(verification of the melting model against the Stefan problem).");
      prm.declare_entry(
        "Task",
        "particle heating",
        Patterns::Selection("particle heating|maximum power|limit curves"),
        "particle heating: one particle crossing the spot at the Beam power; "
        "maximum power: the stream limit P_max,uP by root search over the "
        "beam power, and the hybrid limit; limit curves: the stream, anode "
        "and hybrid limits for every tube voltage, speed and inlet "
        "temperature of subsection Limit curves (curves.csv).");
    }


    void
    Parameters::parse_top_level(ParameterHandler &prm)
    {
      output_directory    = prm.get("Output directory");
      const std::string m = prm.get("Model");
      model               = m == "slab" ? Model::slab :
                            m == "3d"   ? Model::three_d :
                                          Model::axisymmetric;
      const std::string t = prm.get("Task");
      task                = t == "maximum power" ? Task::maximum_power :
                            t == "limit curves"  ? Task::limit_curves :
                                                   Task::particle_heating;
    }


    double
    Parameters::positive(ParameterHandler  &prm,
                         const std::string &entry,
                         const std::string &where,
                         const bool         zero_allowed)
    {
      const double value = prm.get_double(entry);
      if (!std::isfinite(value) || value < 0 || (!zero_allowed && value == 0))
        throw InputError(
          where + entry + " = " + prm.get(entry) +
          (zero_allowed ? " must not be negative" : " must be positive"));
      return value;
    }


    std::vector<double>
    Parameters::number_list(ParameterHandler  &prm,
                            const std::string &entry,
                            const std::string &where,
                            const bool         zero_allowed)
    {
      std::vector<double> values;
      for (const auto &text : Utilities::split_string_list(prm.get(entry)))
        {
          double value;
          try
            {
              value = Utilities::string_to_double(text);
            }
          catch (const ExceptionBase &)
            {
              throw InputError(where + entry + ": \"" + text +
                               "\" is not a number");
            }
          if (!std::isfinite(value) || value < 0 ||
              (!zero_allowed && value == 0))
            throw InputError(
              where + entry + ": " + text +
              (zero_allowed ? " must not be negative" : " must be positive"));
          values.push_back(value);
        }
      return values;
    }
  } // namespace stream_thermal
} // namespace xray

// Parameters::declare() and Parameters::parse(): the anode-thermal input,
// one subsection after the other, and the entries of its top level. Each
// subsection's entries are declared beside the code that reads them (the
// declare_X()/parse_X() pairs in parameters_geometry.cc, parameters_beam.cc
// and parameters_numerics.cc); doc/parameters.md is generated from the
// declarations by scripts/parameter_reference.py. Every entry is checked
// as it is read: a malformed or inconsistent value is an InputError that
// names the entry.
#include "anode_thermal/parameters.h"

#include "common/command_line.h"

namespace xray
{
  namespace anode_thermal
  {
    void
    Parameters::declare(ParameterHandler &prm)
    {
      declare_top_level(prm);
      declare_geometry(prm);
      declare_heat_source(prm);
      declare_motion(prm);
      declare_time(prm);
      declare_reference_design(prm);
      declare_cooling(prm);
      declare_mesh(prm);
      declare_output(prm);
      declare_solver(prm);
      MaterialLibrary::declare_parameters(prm);
    }


    void
    Parameters::parse(ParameterHandler &prm, const MaterialLibrary &materials)
    {
      // The order matters: a section's checks may use the sections read
      // before it (the heat source the layers, the cooling the motion).
      parse_top_level(prm);
      parse_geometry(prm, materials);
      parse_heat_source(prm);
      parse_motion(prm);
      parse_time(prm);
      // (Only a transient run writes or reads a checkpoint.)
      if (task == Task::transient)
        entries = parameter_values(prm);
      parse_reference_design(prm);
      parse_cooling(prm);
      check_conductances();
      parse_mesh(prm);
      check_mesh_scale();
      parse_output(prm);
      parse_solver(prm);
      check_heat_capacities();
      check_symmetry();
    }


    void
    Parameters::declare_top_level(ParameterHandler &prm)
    {
      prm.declare_entry("Output directory",
                        "output/anode-thermal",
                        Patterns::DirectoryName(),
                        "Directory for solution.pvd, the .pvtu/.vtu pieces, "
                        "parameters.prm, summary.json and log.txt.");
      prm.declare_entry(
        "Model",
        "axisymmetric",
        Patterns::Selection("axisymmetric|3d"),
        "axisymmetric: the (r, z) section of a body of revolution, weak form "
        "weighted by 2 pi r (circular spots only); 3d: the full body.");
      prm.declare_entry(
        "Task",
        "temperature",
        Patterns::Selection("temperature|maximum power|transient"),
        "temperature: the steady field at the given incident power. maximum "
        "power: the incident power at which the first layer reaches its "
        "temperature limit (the field is reported at that power). "
        "transient: the field in time from T = T0 at t = 0 under the beam's "
        "Time profile, up to Time/End time (history.csv, a time series in "
        "solution.pvd); stops with exit status 4 when a layer passes its "
        "limit.");
    }


    void
    Parameters::parse_top_level(ParameterHandler &prm)
    {
      output_directory = prm.get("Output directory");
      model            = prm.get("Model") == "3d" ? Model::three_dimensional :
                                                    Model::axisymmetric;
      const std::string task_name = prm.get("Task");
      task = task_name == "maximum power" ? Task::maximum_power :
             task_name == "transient"     ? Task::transient :
                                            Task::temperature;
    }
  } // namespace anode_thermal
} // namespace xray

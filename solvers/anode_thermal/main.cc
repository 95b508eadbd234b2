// anode-thermal: steady temperature and maximum permissible power of an
// X-ray anode under an electron spot. See doc/anode-thermal.md.
#include "anode_thermal/anode_thermal.h"
#include "common/command_line.h"
#include "common/linear_algebra.h"

#include <deal.II/base/conditional_ostream.h>

#include <iostream>
#include <memory>

using namespace xray;
using namespace xray::anode_thermal;

namespace
{
  /// The solver for the parameters' model and linear algebra.
  std::unique_ptr<Solver>
  make_solver(const Parameters &parameters, RunOutput &output)
  {
    const bool petsc = parameters.linear_algebra == "PETSc";
    if (parameters.model == Model::axisymmetric)
      return petsc ?
               std::unique_ptr<Solver>(
                 new AnodeThermal<2, PETScAlgebra>(parameters, output)) :
               std::unique_ptr<Solver>(
                 new AnodeThermal<2, TrilinosAlgebra>(parameters, output));
    return petsc ? std::unique_ptr<Solver>(
                     new AnodeThermal<3, PETScAlgebra>(parameters, output)) :
                   std::unique_ptr<Solver>(
                     new AnodeThermal<3, TrilinosAlgebra>(parameters, output));
  }

  nlohmann::json
  run_reference_design(const CommandLine &command_line,
                       const Parameters  &parameters);

  /// The reference design's summary, or null without one.
  nlohmann::json
  reference_of(const CommandLine &command_line, const Parameters &parameters)
  {
    return parameters.reference_changes.empty() ?
             nlohmann::json() :
             run_reference_design(command_line, parameters);
  }

  /// Runs one after the other: a run, or the points of a sweep. A point
  /// whose mesh_key() equals the previous point's is solved by the previous
  /// point's solver on its adapted mesh, Newton starting from its field (no
  /// mesh generation, no adaptive cycles); any other point starts afresh.
  class RunSession
  {
  public:
    int
    run_point(ParameterHandler &prm, const CommandLine &command_line)
    {
      // Open the output directory first: it removes the earlier run's
      // outputs, so an input rejected below leaves none behind. A
      // continuation keeps the checkpoint it continues from, and the
      // solution series it continues if it writes fields.
      prm.enter_subsection("Time");
      const bool continuation = !prm.get("Restart from").empty();
      prm.leave_subsection();
      prm.enter_subsection("Output");
      const bool write_fields = prm.get_bool("Write fields");
      prm.leave_subsection();
      auto output =
        std::make_unique<RunOutput>(prm.get("Output directory"),
                                    MPI_COMM_WORLD,
                                    !continuation ?
                                      EarlierOutputs::remove :
                                    write_fields ?
                                      EarlierOutputs::keep_solution_series :
                                      EarlierOutputs::keep_checkpoint);
      MaterialLibrary materials;
      materials.parse_parameters(prm);
      Parameters parameters;
      parameters.parse(prm, materials);
      const nlohmann::json reference = reference_of(command_line, parameters);
      output->write_parameters(prm);
      try
        {
          if (solver && mesh_key(parameters) == key)
            solver->reuse_for(parameters, *output);
          else
            solver = make_solver(parameters, *output);
          key = mesh_key(parameters);
          // The solver holds on to it until the next point.
          current_output = std::move(output);
          solver->set_reference_design(reference);
          return solver->run();
        }
      catch (...)
        {
          // A failed solve leaves no mesh to trust, and no results: the
          // output, closed now, removes what the run wrote (RunOutput).
          solver.reset();
          current_output.reset();
          throw;
        }
    }

    /// What the last run_point() wrote to summary.json.
    const nlohmann::json &
    results() const
    {
      return solver->results();
    }

  private:
    std::unique_ptr<Solver>    solver;
    std::string                key;
    std::unique_ptr<RunOutput> current_output;
  };

  /// The reference design of the brightness gain: this run's input with
  /// the changes of Reference design/Parameter changes, in the maximum-
  /// power task, written to OUTPUT/reference. Returns what the gain needs.
  nlohmann::json
  run_reference_design(const CommandLine &command_line,
                       const Parameters  &parameters)
  {
    ParameterHandler prm;
    Parameters::declare(prm);
    read_parameters(prm, command_line);
    for (const auto &change : parameters.reference_changes)
      try
        {
          apply_override(prm, change);
        }
      catch (const InputError &error)
        {
          throw InputError("Reference design/Parameter changes: " +
                           std::string(error.what()));
        }
    const std::string directory = parameters.output_directory + "/reference";
    prm.set("Output directory", directory);
    prm.set("Task", "maximum power");
    prm.enter_subsection("Reference design");
    prm.set("Parameter changes", "");
    prm.leave_subsection();

    ConditionalOStream(std::cout,
                       Utilities::MPI::this_mpi_process(MPI_COMM_WORLD) == 0)
      << "Reference design (" << directory << ")" << std::endl;
    RunSession session;
    try
      {
        session.run_point(prm, command_line);
      }
    catch (const InputError &error)
      {
        throw InputError("Reference design: " + std::string(error.what()));
      }
    const nlohmann::json &results = session.results();
    nlohmann::json        summary;
    summary["output_directory"] = directory;
    for (const char *key : {"max_permissible_power_W",
                            "max_permissible_apparent_power_density_W_per_m2",
                            "apparent_spot_area_m2",
                            "apparent_spot_fwhm_m",
                            "take_off_angle_deg",
                            "limiting_layer",
                            "peak_temperature_K"})
      summary[key] = results[key];
    for (const auto &layer : results["layers"])
      summary["layers"].push_back({{"material", layer["material"]},
                                   {"thickness_m", layer["thickness_m"]}});
    return summary;
  }
} // namespace

int
main(int argc, char **argv)
{
  SolverDescription solver;
  solver.name = "anode-thermal";
  solver.description =
    "Steady temperature field of a layered X-ray anode (metal, or metal on "
    "diamond) heated by an electron spot (Gaussian or line focus; surface "
    "flux or depth-dose heating), axisymmetric or 3D, with k(T), interface "
    "conductances, the maximum permissible power and the brightness gain "
    "over a reference design.";
  solver.declare_parameters = &Parameters::declare;
  solver.check_parameters   = [](ParameterHandler &prm) {
    MaterialLibrary materials;
    materials.parse_parameters(prm);
    Parameters parameters;
    parameters.parse(prm, materials);
  };
  solver.sweep_columns = {"peak_temperature_K",
                          "max_permissible_power_W",
                          "max_permissible_power_density_W_per_m2",
                          "max_permissible_apparent_power_density_W_per_m2",
                          "brightness_gain",
                          "limiting_layer",
                          "n_dofs",
                          "/error_estimate/estimated_relative_error",
                          "wall_time_s"};
  // One run is a session of one point.
  solver.run = [](ParameterHandler &prm, const CommandLine &command_line) {
    return RunSession().run_point(prm, command_line);
  };
  solver.make_sweep_runner = [] {
    auto session = std::make_shared<RunSession>();
    return [session](ParameterHandler &prm, const CommandLine &command_line) {
      return session->run_point(prm, command_line);
    };
  };
  return run_solver(argc, argv, solver);
}

// stream-potential: electric potential and field of a stream of charged
// microparticles over an anode, with field-emission-limited charges. See
// doc/stream-potential.md.
#include "common/command_line.h"
#include "common/linear_algebra.h"
#include "stream_potential/stream_potential.h"

using namespace xray;
using namespace xray::stream_potential;

namespace
{
  template <int dim>
  int
  run_model(const Parameters &parameters, RunOutput &output)
  {
    if (parameters.linear_algebra == "PETSc")
      return StreamPotential<dim, PETScAlgebra>(parameters, output).run();
    return StreamPotential<dim, TrilinosAlgebra>(parameters, output).run();
  }
} // namespace

int
main(int argc, char **argv)
{
  SolverDescription solver;
  solver.name = "stream-potential";
  solver.description =
    "Electric potential and field of a stream of charged tungsten "
    "microparticles over a grounded anode: every particle a floating "
    "conductor (3D), charged by the electron beam and limited by field "
    "emission, or a 2D continuum cross-section of the stream.";
  solver.declare_parameters = &Parameters::declare;
  solver.check_parameters   = [](ParameterHandler &prm) {
    Parameters parameters;
    parameters.parse(prm);
  };
  solver.sweep_columns = {"total_charge_C",
                          "min_particle_potential_V",
                          "max_particle_potential_V",
                          "max_surface_field_V_per_m",
                          "max_emitting_field_V_per_m",
                          "n_limited",
                          "net_charge_per_primary",
                          "n_dofs",
                          "wall_time_s"};
  solver.run           = [](ParameterHandler &prm, const CommandLine &) {
    // Open the output directory first: it removes the earlier run's
    // outputs, so an input rejected below leaves none behind.
    RunOutput  output(prm.get("Output directory"), MPI_COMM_WORLD);
    Parameters parameters;
    parameters.parse(prm);
    output.write_parameters(prm);
    return parameters.model == Model::particles ?
                       run_model<3>(parameters, output) :
                       run_model<2>(parameters, output);
  };
  return run_solver(argc, argv, solver);
}

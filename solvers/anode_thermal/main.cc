// anode-thermal: steady temperature and maximum permissible power of an
// X-ray anode under a Gaussian electron spot. See doc/anode-thermal.md.
#include "anode_thermal/anode_thermal.h"
#include "common/command_line.h"
#include "common/linear_algebra.h"

using namespace xray;
using namespace xray::anode_thermal;

namespace
{
  template <int dim>
  int
  run_model(const Parameters &parameters, RunOutput &output)
  {
    if (parameters.linear_algebra == "PETSc")
      return AnodeThermal<dim, PETScAlgebra>(parameters, output).run();
    return AnodeThermal<dim, TrilinosAlgebra>(parameters, output).run();
  }
} // namespace

int
main(int argc, char **argv)
{
  SolverDescription solver;
  solver.name = "anode-thermal";
  solver.description =
    "Steady temperature field of a layered X-ray anode (metal, or metal on "
    "diamond) heated by a Gaussian electron spot, axisymmetric or 3D, with "
    "k(T), interface conductances and the maximum permissible power.";
  solver.declare_parameters = &Parameters::declare;
  solver.run = [](ParameterHandler &prm, const CommandLine &) {
    // Open the output directory first: it removes the summary of an
    // earlier run, so an input rejected below leaves none behind.
    RunOutput output(prm.get("Output directory"), MPI_COMM_WORLD);
    MaterialLibrary materials;
    materials.parse_parameters(prm);
    Parameters parameters;
    parameters.parse(prm, materials);
    output.write_parameters(prm);
    return parameters.model == Model::axisymmetric ?
             run_model<2>(parameters, output) :
             run_model<3>(parameters, output);
  };
  return run_solver(argc, argv, solver);
}

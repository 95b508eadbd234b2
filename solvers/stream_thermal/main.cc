// stream-thermal: how hot microparticles get crossing the electron spot,
// and so the power a microparticle stream and a hybrid target can take.
// See doc/stream-thermal.md.
#include "common/command_line.h"
#include "stream_thermal/stream_thermal.h"

using namespace xray;
using namespace xray::stream_thermal;

int
main(int argc, char **argv)
{
  SolverDescription solver;
  solver.name = "stream-thermal";
  solver.description =
    "Heating of a microparticle (W by default) crossing the electron spot, "
    "by finite elements: depth-dose heating, k(T), c_p(T), radiation and "
    "melting; the stream limit P_max,uP by root search over the beam power, "
    "the hybrid-target limit min(P_max,anode / S_anode, P_max,uP / S_uP) and "
    "its curves versus tube voltage and stream speed.";
  solver.declare_parameters = &Parameters::declare;
  solver.check_parameters   = [](ParameterHandler &prm) {
    Parameters parameters;
    parameters.parse(prm);
  };
  solver.sweep_columns = {"stream_limit_W",
                          "lumped_stream_limit_W",
                          "hybrid_limit_W",
                          "gain_over_reference",
                          "limited_by",
                          "exit_peak_temperature_K",
                          "max_spread_K",
                          "energy_balance",
                          "wall_time_s"};
  solver.run           = [](ParameterHandler &prm, const CommandLine &) {
    // Open the output directory first: it removes the earlier run's
    // outputs, so an input rejected below leaves none behind.
    RunOutput  output(prm.get("Output directory"), MPI_COMM_WORLD);
    Parameters parameters;
    parameters.parse(prm);
    output.write_parameters(prm);
    return run(parameters, output);
  };
  return run_solver(argc, argv, solver);
}

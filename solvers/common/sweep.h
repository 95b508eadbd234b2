// Parameter sweeps shared by the solvers:
//
//   SOLVER FILE.prm --sweep "Section/Name=v1; v2; v3" [--sweep "..."]
//
// One or two swept parameters (values separated by ';', since a value may
// itself be a comma-separated list); two make a grid. Each point is a full
// run with its own output directory OUTPUT/point-NNN (parameters.prm,
// summary.json, solution, log), and OUTPUT/sweep.csv gets one row per
// point: the swept values, the point's exit status and the summary.json
// entries the solver names. sweep.csv is written once, when every point
// has run. Every point's parameters are checked before the first point
// runs, so bad input at any point ends the sweep before it computes.
#ifndef XRAY_COMMON_SWEEP_H
#define XRAY_COMMON_SWEEP_H

#include "common/command_line.h"

#include <string>
#include <vector>

namespace xray
{
  struct SweepAxis
  {
    std::string              parameter; // "Section/Name"
    std::vector<std::string> values;
  };

  /// "Section/Name=v1; v2; v3" -> axis. Throws InputError.
  SweepAxis
  parse_sweep(const std::string &text);

  /// Reads and checks every point of the sweep (SolverDescription::
  /// check_parameters) without running any; returns the number of points.
  /// Throws InputError naming the first bad point.
  unsigned int
  check_sweep(const CommandLine &command_line, const SolverDescription &solver);

  /// Checks every point (check_sweep), then runs every point of the sweep;
  /// returns the exit status: success, or the worst point's (solver failure
  /// before limit exceeded).
  int
  run_sweep(const CommandLine &command_line, const SolverDescription &solver);
} // namespace xray

#endif

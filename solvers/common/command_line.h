// The command line and parameter-file layer shared by every solver:
//
//   SOLVER [--help] [--version] [--print-parameters] [--check] [--set
//   "Section/Name=value"]... FILE.prm
//
// Parameters are deal.II ParameterHandler entries; every declaration names
// its unit in its documentation. Any bad input (unknown option, missing or
// malformed file, unknown entry, value outside its pattern) ends the run
// before any work with a one-line message and a non-zero exit status.
#ifndef XRAY_COMMON_COMMAND_LINE_H
#define XRAY_COMMON_COMMAND_LINE_H

#include "common/errors.h"

#include <deal.II/base/mpi.h>
#include <deal.II/base/parameter_handler.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace xray
{
  using namespace dealii;

  struct CommandLine
  {
    std::string              parameter_file;
    std::vector<std::string> overrides; // "Section/Sub/Name=value"
    std::vector<std::string> sweeps;    // "Section/Name=v1; v2; ..."
    bool                     help             = false;
    bool                     version          = false;
    bool                     print_parameters = false;
    bool                     check            = false;
  };

  /// Parse argv; throws InputError on anything malformed.
  CommandLine
  parse_command_line(int argc, char **argv);

  /// Read the parameter file, then apply the --set overrides in order.
  /// Throws InputError naming file, line and entry (a .json or .xml file:
  /// file and entry, or the line of a syntax error); also for an entry
  /// that one .prm file sets twice, by one name or by its old and its new
  /// name, and for a --sweep of an entry that is not declared. A name that
  /// is not declared is refused with the declared name it most likely
  /// misspells.
  void
  read_parameters(ParameterHandler &prm, const CommandLine &command_line);

  /// One line for each old name of an entry (see parameter_aliases()) that
  /// the input of @p command_line uses: the parameter file and the files
  /// it includes, the --set overrides and the --sweep axes. Each names the
  /// place of the first use ("FILE:LINE" or the option), the old and the
  /// new name. Call it after read_parameters() has accepted the input.
  std::vector<std::string>
  deprecated_spellings(const ParameterHandler &prm,
                       const CommandLine      &command_line);

  /// Apply one "Section/Sub/Name=value" override (full name: @p prm at its
  /// top level). Throws InputError naming the assignment; for a name that
  /// is not declared, also the declared name it most likely misspells.
  void
  apply_override(ParameterHandler &prm, const std::string &assignment);

  /// Every entry's value by its full name ("Section/Sub/Name"): what a
  /// checkpoint compares to tell whether a continuation is the same case.
  std::map<std::string, std::string>
  parameter_values(const ParameterHandler &prm);

  /// Every old name of an entry that a parameter file may still use
  /// (declared with ParameterHandler::declare_alias()), by its full name,
  /// with the full name of the entry it stands for: "Mesh/Degree" ->
  /// "Mesh/Finite element degree".
  std::map<std::string, std::string>
  parameter_aliases(const ParameterHandler &prm);

  /// Collapse a (possibly multi-line) message into a single line.
  std::string
  one_line(const std::string &message);

  /// What a solver tells the shared runner about itself.
  struct SolverDescription
  {
    std::string name;        // executable name, e.g. "anode-thermal"
    std::string description; // one paragraph for --help
    std::function<void(ParameterHandler &)> declare_parameters;
    /// Parses and checks parsed parameters exactly as run() would before
    /// any work, and does nothing else (no output, no mesh). Throws
    /// InputError naming the entry. Used by --check, and by a sweep to
    /// check every point before the first one runs.
    std::function<void(ParameterHandler &)> check_parameters;
    /// Runs the solver on parsed parameters; returns the exit status.
    std::function<int(ParameterHandler &, const CommandLine &)> run;
    /// summary.json entries that a sweep writes to sweep.csv per point:
    /// top-level keys, or JSON pointers ("/a/b", column "b") into nested
    /// entries; a point without the entry leaves its cell empty.
    std::vector<std::string> sweep_columns;
    /// Optional: a stateful runner for the points of one sweep (a solver
    /// may keep its mesh between points); without it every point is run().
    std::function<std::function<int(ParameterHandler &, const CommandLine &)>()>
      make_sweep_runner;
  };

  /// The whole life of a solver executable: MPI, command line, parameter
  /// file, error reporting. Returns the process exit status.
  int
  run_solver(int argc, char **argv, const SolverDescription &solver);
} // namespace xray

#endif

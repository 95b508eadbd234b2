// parameter_fuzzer: the solvers under test, and the checks one input goes
// through as `SOLVER --check` would: parse_command_line(), then
// read_parameters() and the solver's parameter check, or check_sweep().
#include "anode_thermal/parameters.h"
#include "common/materials.h"
#include "common/sweep.h"
#include "fuzzer.h"
#include "stream_potential/parameters.h"
#include "stream_thermal/parameters.h"

#include <sstream>

namespace parameter_fuzzer
{
  std::vector<SolverDescription>
  solvers_under_test()
  {
    SolverDescription anode;
    anode.name               = "anode-thermal";
    anode.declare_parameters = &anode_thermal::Parameters::declare;
    anode.check_parameters   = [](ParameterHandler &prm) {
      MaterialLibrary materials;
      materials.parse_parameters(prm);
      anode_thermal::Parameters parameters;
      parameters.parse(prm, materials);
    };

    SolverDescription potential;
    potential.name               = "stream-potential";
    potential.declare_parameters = &stream_potential::Parameters::declare;
    potential.check_parameters   = [](ParameterHandler &prm) {
      stream_potential::Parameters parameters;
      parameters.parse(prm);
    };

    SolverDescription thermal;
    thermal.name               = "stream-thermal";
    thermal.declare_parameters = &stream_thermal::Parameters::declare;
    thermal.check_parameters   = [](ParameterHandler &prm) {
      stream_thermal::Parameters parameters;
      parameters.parse(prm);
    };
    return {anode, potential, thermal};
  }


  void
  replace_all(std::string &text, const std::string &from, const std::string &to)
  {
    if (from.empty())
      return;
    for (std::size_t at = text.find(from); at != std::string::npos;
         at             = text.find(from, at + to.size()))
      text.replace(at, from.size(), to);
  }


  Outcome
  check_case(const Case              &c,
             const SolverDescription &solver,
             const std::string       &input)
  {
    std::vector<std::string> arguments = {solver.name};
    for (std::string argument : c.arguments)
      {
        replace_all(argument, input_placeholder, input);
        arguments.push_back(argument);
      }
    std::vector<char *> argv;
    for (auto &argument : arguments)
      argv.push_back(argument.data());
    argv.push_back(nullptr);

    Outcome outcome;
    try
      {
        const CommandLine command_line =
          parse_command_line(static_cast<int>(arguments.size()), argv.data());
        // As run_solver(): --help and --version read nothing;
        // --print-parameters applies the overrides to the defaults.
        if (command_line.help || command_line.version)
          return outcome;
        ParameterHandler prm;
        solver.declare_parameters(prm);
        if (command_line.print_parameters)
          {
            outcome.stage = Stage::file;
            for (const auto &assignment : command_line.overrides)
              apply_override(prm, assignment);
            std::ostringstream ignored;
            prm.print_parameters(ignored, ParameterHandler::PRM);
            return outcome;
          }
        if (!command_line.sweeps.empty())
          {
            outcome.stage = Stage::sweep;
            check_sweep(command_line, solver);
            return outcome;
          }
        outcome.stage = Stage::file;
        read_parameters(prm, command_line);
        // As run_solver(), which then names the entries' old names in use.
        deprecated_spellings(prm, command_line);
        outcome.stage = Stage::check;
        solver.check_parameters(prm);
      }
    catch (const InputError &error)
      {
        outcome.valid   = false;
        outcome.message = error.what();
      }
    return outcome;
  }

} // namespace parameter_fuzzer

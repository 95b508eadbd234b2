// parameter_fuzzer: a seeded random-mutation fuzzer of the parameter layer
// of anode-thermal, stream-potential and stream-thermal (README.md here).
//
// Every iteration takes a seed input (a parameter file of params/ or of
// tests/fuzz/corpus/), mutates it (lines deleted, duplicated, swapped or
// spliced from other seeds, values replaced by awkward ones, stray
// subsection/end/include lines, flipped bytes, truncation), draws a command
// line (--set overrides, --sweep, --check, malformed options) and checks the
// input as `SOLVER --check` does: parse_command_line(), then
// read_parameters() and the solver's parameter check, or check_sweep().
//
// Bad input must end in xray::InputError. Anything else is a finding: any
// other exception, a signal (SIGSEGV, SIGABRT, SIGFPE, ...), or an
// iteration longer than the time-out. A finding is saved to the findings
// directory (the input as FILE.prm, its solver and command line as
// FILE.prm.args), one line says how to reproduce it, and the exit status
// is 1.
//
// This file is the driver: its options, the loop over the inputs and
// main(); fuzzer.h lists the other parts.
#include "fuzzer.h"

#include <deal.II/base/mpi.h>
#include <deal.II/base/utilities.h>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <stdexcept>

using namespace parameter_fuzzer;

namespace
{
  void
  print_usage()
  {
    std::cout
      << "Usage: parameter_fuzzer [--seconds S] [--iterations N] [--seed K]\n"
         "                        [--corpus DIR...] [--work DIR] [--findings DIR]\n"
         "                        [--timeout S] [--memory-mb M] [--log FILE]\n"
         "       parameter_fuzzer --replay FILE.prm...\n\n"
         "Mutates the seed inputs of the corpus (default: params/ and\n"
         "tests/fuzz/corpus/ of the source tree) and checks each as\n"
         "`SOLVER --check` would, until S seconds or N iterations (default:\n"
         "60 s). Bad input must end in an input error; any other exception,\n"
         "a signal or an iteration longer than the time-out (5 s) is a\n"
         "finding: saved to the findings directory (default:\n"
         "tests/fuzz/findings/), reported in one line, exit status 1.\n"
         "--replay checks saved cases (FILE.prm with FILE.prm.args) once each.\n"
         "--log writes each input's outcome, one line each (what the\n"
         "mutations reach).\n"
         "Relative paths are taken from the working directory; the fuzzer\n"
         "then works in the source tree, where the corpus names its files.\n";
  }

  /// Throws std::invalid_argument on a malformed command line.
  Options
  parse_options(const int argc, char **argv)
  {
    Options options;
    auto    absolute = [](const std::string &path) {
      return fs::absolute(path).lexically_normal().string();
    };
    for (int i = 1; i < argc; ++i)
      {
        const std::string option = argv[i];
        auto              next   = [&]() -> std::string {
          if (i + 1 >= argc)
            throw std::invalid_argument(option + " needs a value");
          return argv[++i];
        };
        // Options that take every following argument up to the next option.
        auto rest = [&]() {
          std::vector<std::string> items;
          while (i + 1 < argc && std::string(argv[i + 1]).rfind("--", 0) != 0)
            items.push_back(absolute(argv[++i]));
          if (items.empty())
            throw std::invalid_argument(option + " needs at least one path");
          return items;
        };
        if (option == "--seconds")
          options.seconds = std::stod(next());
        else if (option == "--iterations")
          options.iterations = std::stoll(next());
        else if (option == "--seed")
          options.seed = std::stoull(next());
        else if (option == "--corpus")
          options.corpus = rest();
        else if (option == "--work")
          options.work = absolute(next());
        else if (option == "--findings")
          options.findings = absolute(next());
        else if (option == "--timeout")
          options.timeout = static_cast<unsigned int>(std::stoul(next()));
        else if (option == "--memory-mb")
          options.memory_mb = std::stoul(next());
        else if (option == "--replay")
          options.replay = rest();
        else if (option == "--log")
          options.log = absolute(next());
        else if (option == "--help" || option == "-h")
          throw std::invalid_argument("");
        else
          throw std::invalid_argument("unknown option " + option);
      }
    const std::string source = XRAY_SOURCE_DIR;
    if (options.corpus.empty())
      options.corpus = {source + "/params", source + "/tests/fuzz/corpus"};
    if (options.findings.empty())
      options.findings = source + "/tests/fuzz/findings";
    if (options.work.empty())
      options.work = (fs::temp_directory_path() /
                      ("parameter-fuzzer-" + std::to_string(::getpid())))
                       .string();
    if (options.seconds < 0 && options.iterations < 0)
      options.seconds = 60;
    return options;
  }

  /// A runaway allocation must end as std::bad_alloc (a finding), not
  /// take the machine's memory: limit the address space to what the
  /// process has after start-up plus @p megabytes.
  void
  limit_memory(const unsigned long megabytes)
  {
    std::ifstream statm("/proc/self/statm");
    unsigned long pages = 0;
    statm >> pages;
    rlimit limit{};
    limit.rlim_cur = limit.rlim_max =
      pages * static_cast<unsigned long>(::sysconf(_SC_PAGESIZE)) +
      megabytes * (1ul << 20);
    setrlimit(RLIMIT_AS, &limit);
  }

  struct Counts
  {
    long long valid = 0, input_errors = 0;
    long long by_stage[static_cast<int>(Stage::n_stages)] = {};

    void
    add(const Outcome &outcome)
    {
      if (outcome.valid)
        ++valid;
      else
        {
          ++input_errors;
          ++by_stage[static_cast<int>(outcome.stage)];
        }
    }
  };

  int
  replay(const Options &options, const std::vector<SolverDescription> &solvers)
  {
    for (const auto &path : options.replay)
      {
        const Seed seed = load_seed(path, solvers);
        for (const unsigned int s : seed.solvers)
          {
            Case c;
            c.solver    = s;
            c.text      = seed.text;
            c.arguments = seed.arguments;
            if (c.arguments.empty())
              c.arguments = {"--check", input_placeholder};
            Outcome outcome;
            // A replay reports in the findings directory too.
            if (!run_guarded(c,
                             path,
                             "replay-" + fs::path(path).stem().string(),
                             options,
                             solvers,
                             outcome))
              return 1;
            std::cout << path << " (" << solvers[s].name << "): "
                      << (outcome.valid ?
                            std::string("valid") :
                            "input error: " + one_line(outcome.message))
                      << std::endl;
          }
      }
    return 0;
  }

  int
  fuzz(const Options &options, const std::vector<SolverDescription> &solvers)
  {
    const std::vector<Seed> seeds = load_corpus(options.corpus, solvers);
    if (seeds.empty())
      {
        std::cerr << "parameter_fuzzer: no seed inputs (*.prm, *.json, "
                     "*.xml) in the corpus"
                  << std::endl;
        return 2;
      }

    fs::create_directories(options.work);
    const std::string input = options.work + "/input.prm";

    Ingredients ingredients;
    ingredients.dictionary = interesting_values();
    for (const auto &seed : seeds)
      for (const auto &line : split_lines(seed.text))
        {
          ingredients.seed_lines.push_back(line);
          if (const auto start = value_start(line); start != std::string::npos)
            ingredients.seed_values.push_back(Utilities::trim(
              line.substr(start, line.find('#', start) - start)));
        }
    ingredients.file_names = {input,
                              options.work,
                              options.work + "/missing.prm",
                              "/dev/null",
                              "/dev/zero",
                              "",
                              "/"};
    for (const auto &seed : seeds)
      ingredients.file_names.push_back(seed.path);
    for (const auto &solver : solvers)
      {
        ParameterHandler prm;
        solver.declare_parameters(prm);
        const auto values = parameter_values(prm);
        ingredients.entries.emplace_back(values.begin(), values.end());
      }

    // Every seed as its solvers print it in JSON and XML ("" for a seed
    // that does not parse), by solver and seed.
    std::vector<std::vector<std::array<std::string, 2>>> tree_forms(
      solvers.size(), std::vector<std::array<std::string, 2>>(seeds.size()));
    for (unsigned int k = 0; k < seeds.size(); ++k)
      for (const unsigned int s : seeds[k].solvers)
        tree_forms[s][k] = {{tree_form(seeds[k].path, solvers[s], true),
                             tree_form(seeds[k].path, solvers[s], false)}};

    // Every pair (seed, solver), drawn uniformly.
    std::vector<std::pair<unsigned int, unsigned int>> pairs;
    for (unsigned int k = 0; k < seeds.size(); ++k)
      for (const unsigned int s : seeds[k].solvers)
        pairs.emplace_back(k, s);

    std::cout << "parameter_fuzzer: seed " << options.seed << ", "
              << seeds.size() << " seed inputs (" << pairs.size()
              << " with their solvers), budget "
              << (options.seconds >= 0 ?
                    std::to_string(options.seconds) + " s" :
                    std::string("-"))
              << " / "
              << (options.iterations >= 0 ?
                    std::to_string(options.iterations) + " iterations" :
                    std::string("-"))
              << ", time-out " << options.timeout << " s" << std::endl;

    std::ofstream log;
    if (!options.log.empty())
      log.open(options.log);
    Random                 random(options.seed);
    Mutator                mutator(random, ingredients);
    Counts                 total;
    std::vector<Counts>    per_solver(solvers.size());
    std::vector<long long> iterations_per_solver(solvers.size(), 0);
    const auto             start   = std::chrono::steady_clock::now();
    auto                   elapsed = [&]() {
      return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                           start)
        .count();
    };
    double    next_progress = 60;
    long long iteration     = 0;
    for (;; ++iteration)
      {
        if (options.iterations >= 0 && iteration >= options.iterations)
          break;
        if (options.seconds >= 0 && elapsed() >= options.seconds)
          break;
        if (elapsed() >= next_progress)
          {
            std::cout << "  " << std::fixed << std::setprecision(0) << elapsed()
                      << " s: " << iteration << " inputs, " << total.valid
                      << " valid, " << total.input_errors << " input errors"
                      << std::endl;
            next_progress += 60;
          }

        // The first pass checks every seed as it is (a regression test of
        // the corpus); then every input is a mutated seed.
        const bool first_pass =
          iteration < static_cast<long long>(pairs.size());
        const auto [k, s] = first_pass ? pairs[iteration] : random.pick(pairs);
        const Seed &seed  = seeds[k];
        Case        c;
        c.solver         = s;
        std::string file = input;
        if (first_pass)
          {
            c.text = seed.text;
            c.arguments =
              seed.arguments.empty() ?
                std::vector<std::string>{"--check", input_placeholder} :
                seed.arguments;
            file = seed.path; // as it is, where it is
          }
        else
          {
            // Now and then the seed in deal.II's JSON or XML form, which
            // ParameterHandler::parse_input() picks by the file's extension.
            const unsigned int form =
              random.chance(0.05) ? 1 + random.below(2) : 0;
            const std::string &tree      = tree_forms[s][k][form == 2];
            const std::string  extension = fs::path(seed.path).extension();
            if (form > 0 && !tree.empty())
              {
                file =
                  options.work + (form == 1 ? "/input.json" : "/input.xml");
                c.text = mutator.mutate(tree, s, file, true);
              }
            else if (extension != ".prm") // a seed in JSON or XML form
              {
                file   = options.work + "/input" + extension;
                c.text = mutator.mutate(seed.text, s, file, true);
              }
            else
              c.text = mutator.mutate(seed.text, s, input);
            c.arguments = !seed.arguments.empty() && random.chance(0.3) ?
                            seed.arguments :
                            draw_arguments(random, mutator, ingredients, s);
            std::ofstream(file, std::ios::binary) << c.text;
          }

        std::ostringstream name;
        name << solvers[s].name << "-seed" << options.seed << "-"
             << std::setw(8) << std::setfill('0') << iteration;
        Outcome outcome;
        if (!run_guarded(c, file, name.str(), options, solvers, outcome))
          return 1;
        total.add(outcome);
        per_solver[s].add(outcome);
        if (log)
          log << iteration << '\t' << solvers[s].name << '\t'
              << (outcome.valid ? "valid" :
                                  stage_names[static_cast<int>(outcome.stage)])
              << '\t' << one_line(outcome.message).substr(0, 160) << '\n';
        ++iterations_per_solver[s];
      }

    const double seconds = elapsed();
    std::cout << std::fixed << std::setprecision(1) << "iterations   "
              << iteration << "\n"
              << "seconds      " << seconds << "\n"
              << "inputs/s     " << iteration / std::max(seconds, 1e-9) << "\n"
              << "outcomes     valid " << total.valid << ", input error "
              << total.input_errors << " (";
    for (int stage = 0; stage < static_cast<int>(Stage::n_stages); ++stage)
      std::cout << (stage ? ", " : "") << stage_names[stage] << " "
                << total.by_stage[stage];
    std::cout << ")\n";
    for (unsigned int s = 0; s < solvers.size(); ++s)
      std::cout << std::left << std::setw(17) << solvers[s].name << std::right
                << "iterations " << iterations_per_solver[s] << ", valid "
                << per_solver[s].valid << ", input error "
                << per_solver[s].input_errors << "\n";
    std::cout << "findings     0" << std::endl;
    fs::remove_all(options.work);
    return 0;
  }
} // namespace

int
main(int argc, char **argv)
{
  Utilities::MPI::MPI_InitFinalize mpi(argc, argv, 1);
  program = fs::absolute(argv[0]).lexically_normal().string();
  Options options;
  try
    {
      options = parse_options(argc, argv);
    }
  catch (const std::exception &error)
    {
      if (*error.what() != '\0')
        std::cerr << "parameter_fuzzer: " << error.what() << "\n\n";
      print_usage();
      return *error.what() != '\0' ? 2 : 0;
    }
  // Files named by the corpus (power tables, summaries) are relative to
  // the source tree, as the solvers' examples are run from there.
  fs::current_path(XRAY_SOURCE_DIR);
  fs::create_directories(options.findings);
  install_signal_handlers();
  limit_memory(options.memory_mb);

  const std::vector<SolverDescription> solvers = solvers_under_test();
  return options.replay.empty() ? fuzz(options, solvers) :
                                  replay(options, solvers);
}

// The parts of parameter_fuzzer (README.md here) and what they share:
//
//   cases.cc            the solvers under test and the checks one input
//                       goes through, as `SOLVER --check` would
//   corpus.cc           the seed inputs and the .args files beside them
//   findings.cc         what is saved when an input crashes, hangs or ends
//                       in anything but an input error
//   dictionary.cc       the awkward values the mutations draw from
//   mutator.cc          the mutations of a seed's text
//   arguments.cc        the command lines drawn for an input
//   parameter_fuzzer.cc the options, the loop over the inputs, main()
#ifndef XRAY_TESTS_FUZZ_FUZZER_H
#define XRAY_TESTS_FUZZ_FUZZER_H

#include "common/command_line.h"

#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace parameter_fuzzer
{
  namespace fs = std::filesystem;
  using namespace xray;

  // -----------------------------------------------------------------------
  // A case: one input file and the command line that reads it.
  // -----------------------------------------------------------------------

  /// Stands for the input file's path in a case's arguments.
  inline const std::string input_placeholder = "@INPUT@";

  struct Case
  {
    unsigned int             solver = 0;
    std::string              text;      // the parameter file, byte for byte
    std::vector<std::string> arguments; // the command line after argv[0]
  };

  /// Every occurrence of @p from in @p text replaced by @p to.
  void
  replace_all(std::string       &text,
              const std::string &from,
              const std::string &to);

  /// The solvers under test: their declarations, and the check that each
  /// main.cc installs as SolverDescription::check_parameters.
  std::vector<SolverDescription>
  solvers_under_test();


  // -----------------------------------------------------------------------
  // Running a case as `SOLVER --check` would (cases.cc).
  // -----------------------------------------------------------------------

  enum class Stage
  {
    command_line,
    file,  // read_parameters()
    check, // the solver's parameter check
    sweep, // check_sweep(): both, at every point
    n_stages
  };
  const char *const stage_names[] = {"command line",
                                     "parameter file",
                                     "parameter check",
                                     "sweep"};

  struct Outcome
  {
    bool        valid = true;
    Stage       stage = Stage::command_line; // where an InputError came from
    std::string message;
  };

  /// Runs @p c on the file @p input. Returns the outcome for valid input
  /// and for an InputError; every other exception propagates.
  Outcome
  check_case(const Case              &c,
             const SolverDescription &solver,
             const std::string       &input);


  // -----------------------------------------------------------------------
  // Seeds: the corpus, each file with the solvers that read it
  // (corpus.cc).
  // -----------------------------------------------------------------------
  struct Seed
  {
    std::string               path;
    std::string               text;
    std::vector<unsigned int> solvers;
    std::vector<std::string>  arguments; // from FILE.prm.args, or empty
  };

  /// Reads the file at @p path into @p prm, declared by @p solver, as
  /// `SOLVER --check FILE` reads it: read_parameters() without overrides.
  /// Throws as read_parameters() does.
  void
  read_seed(const SolverDescription &solver,
            const std::string       &path,
            ParameterHandler        &prm);

  /// A seed's solvers: the `solver` line of FILE.prm.args, else a first
  /// line "# solver: NAME", else every solver whose entries accept the
  /// file, else (a file no solver reads) all of them.
  Seed
  load_seed(const std::string                    &path,
            const std::vector<SolverDescription> &solvers);

  /// Every parameter file of @p directories, in sorted order.
  std::vector<Seed>
  load_corpus(const std::vector<std::string>       &directories,
              const std::vector<SolverDescription> &solvers);

  /// The file at @p path as @p solver prints it in deal.II's JSON (or
  /// XML) form, or "" if it does not parse.
  std::string
  tree_form(const std::string       &path,
            const SolverDescription &solver,
            const bool               json);

  /// The .args file beside FILE.prm: the solver and the arguments, one a
  /// line, FILE.prm itself written as @INPUT@.
  std::string
  args_file_text(const Case &c, const std::vector<SolverDescription> &solvers);


  // -----------------------------------------------------------------------
  // The fuzzer's options (parameter_fuzzer.cc).
  // -----------------------------------------------------------------------
  struct Options
  {
    double                   seconds    = -1; // < 0: no time budget
    long long                iterations = -1; // < 0: no iteration budget
    std::uint64_t            seed       = 1;
    std::vector<std::string> corpus;
    std::string              work;
    std::string              findings;
    unsigned int             timeout   = 5;    // s per iteration
    unsigned long            memory_mb = 4096; // address space beyond start-up
    std::vector<std::string> replay;
    std::string              log; // one line per input: its outcome
  };


  // -----------------------------------------------------------------------
  // Findings (findings.cc).
  // -----------------------------------------------------------------------

  /// This executable, as the reproduce command of a finding names it.
  extern std::string program;

  /// A crash or a time-out during an iteration saves its input and says so
  /// in one line.
  void
  install_signal_handlers();

  /// Runs one case under the time-out, with a finding prepared for the
  /// signal handler. Returns false on a finding (after reporting it).
  bool
  run_guarded(const Case                           &c,
              const std::string                    &input,
              const std::string                    &finding_name,
              const Options                        &options,
              const std::vector<SolverDescription> &solvers,
              Outcome                              &outcome);


  // -----------------------------------------------------------------------
  // Random choices: one engine, seeded once, so that a seed and an
  // iteration count give the same inputs on every run.
  // -----------------------------------------------------------------------
  class Random
  {
  public:
    explicit Random(const std::uint64_t seed)
      : engine(seed)
    {}

    /// Uniform in [0, n).
    std::size_t
    below(const std::size_t n)
    {
      return n == 0 ?
               0 :
               std::uniform_int_distribution<std::size_t>(0, n - 1)(engine);
    }
    bool
    chance(const double p)
    {
      return std::uniform_real_distribution<double>(0, 1)(engine) < p;
    }
    template <typename T>
    const T &
    pick(const std::vector<T> &items)
    {
      return items[below(items.size())];
    }

  private:
    std::mt19937_64 engine;
  };


  // -----------------------------------------------------------------------
  // Mutations (dictionary.cc, mutator.cc, arguments.cc).
  // -----------------------------------------------------------------------

  /// Values that have broken parsers before (dictionary.cc).
  std::vector<std::string>
  interesting_values();

  /// What the mutations draw from.
  struct Ingredients
  {
    std::vector<std::string> dictionary;  // interesting_values()
    std::vector<std::string> seed_values; // every value set in a seed
    std::vector<std::string> seed_lines;  // every line of every seed
    std::vector<std::string> file_names;  // for include and table entries
    /// Per solver: every entry's full name ("Section/Sub/Name") and default.
    std::vector<std::vector<std::pair<std::string, std::string>>> entries;
  };

  std::vector<std::string>
  split_lines(const std::string &text);

  /// Where the value of a `set Name = value` line starts, or npos.
  std::size_t
  value_start(const std::string &line);

  class Mutator
  {
  public:
    Mutator(Random &random, const Ingredients &ingredients)
      : random(random)
      , ingredients(ingredients)
    {}

    /// A value for an entry: mostly awkward, sometimes a real one.
    std::string
    value();

    /// @p text with 1 to 4 mutations; @p self is the file's own path.
    /// Most inputs only have values changed: a file whose structure is
    /// broken stops at ParameterHandler, and the checks of the solvers
    /// behind it would rarely be reached.
    /// A file in deal.II's JSON or XML form (@p structure_only) has no
    /// `set` lines: its bytes and lines are changed instead.
    std::string
    mutate(std::string        text,
           const unsigned int solver,
           const std::string &self,
           const bool         structure_only = false);

  private:
    Random            &random;
    const Ingredients &ingredients;

    std::string
    mutate_value(const std::string &text);

    std::string
    replace_tree_value(std::string text);

    std::string
    mutate_once(const std::string &text,
                const unsigned int solver,
                const std::string &self);

    template <typename Change>
    void
    replace_value(std::vector<std::string> &lines, const Change &change);

    std::string
    tweak_number(std::string text);

    std::string
    change_list(const std::string &text);

    void
    insert_entry(std::vector<std::string> &lines, const unsigned int solver);

    void
    mangle_line(std::string &line);

    std::string
    change_bytes(std::string text);
  };

  /// A command line: overrides of real and mangled entries, sometimes a
  /// sweep, --check, another option or a malformed argument (arguments.cc).
  std::vector<std::string>
  draw_arguments(Random            &random,
                 Mutator           &mutator,
                 const Ingredients &ingredients,
                 const unsigned int solver);
} // namespace parameter_fuzzer

#endif

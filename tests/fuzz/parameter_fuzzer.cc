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
#include "anode_thermal/parameters.h"
#include "common/command_line.h"
#include "common/materials.h"
#include "common/sweep.h"
#include "stream_potential/parameters.h"
#include "stream_thermal/parameters.h"

#include <deal.II/base/exceptions.h>
#include <deal.II/base/mpi.h>
#include <deal.II/base/utilities.h>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace xray;

namespace
{
  // -----------------------------------------------------------------------
  // The solvers under test: their declarations, and the check that each
  // main.cc installs as SolverDescription::check_parameters.
  // -----------------------------------------------------------------------
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


  // -----------------------------------------------------------------------
  // A case: one input file and the command line that reads it.
  // -----------------------------------------------------------------------

  /// Stands for the input file's path in a case's arguments.
  const std::string input_placeholder = "@INPUT@";

  struct Case
  {
    unsigned int             solver = 0;
    std::string              text;      // the parameter file, byte for byte
    std::vector<std::string> arguments; // the command line after argv[0]
  };

  void
  replace_all(std::string &text, const std::string &from, const std::string &to)
  {
    if (from.empty())
      return;
    for (std::size_t at = text.find(from); at != std::string::npos;
         at             = text.find(from, at + to.size()))
      text.replace(at, from.size(), to);
  }

  /// Arguments may hold any byte; the .args file is text: a backslash and
  /// every byte outside printable ASCII are written as \xNN.
  std::string
  escape(const std::string &bytes)
  {
    std::ostringstream text;
    for (const char c : bytes)
      {
        const auto byte = static_cast<unsigned char>(c);
        if (byte == '\\' || byte < 0x20 || byte >= 0x7f)
          text << "\\x" << std::hex << std::setw(2) << std::setfill('0')
               << static_cast<unsigned int>(byte) << std::dec;
        else
          text << c;
      }
    return text.str();
  }

  std::string
  unescape(const std::string &text)
  {
    std::string bytes;
    for (std::size_t i = 0; i < text.size(); ++i)
      if (text[i] == '\\' && i + 3 < text.size() && text[i + 1] == 'x')
        {
          bytes +=
            static_cast<char>(std::stoi(text.substr(i + 2, 2), nullptr, 16));
          i += 3;
        }
      else
        bytes += text[i];
    return bytes;
  }

  /// The .args file beside FILE.prm: the solver and the arguments, one a
  /// line, FILE.prm itself written as @INPUT@.
  std::string
  args_file_text(const Case &c, const std::vector<SolverDescription> &solvers)
  {
    std::string text = "# parameter_fuzzer case: solver and command line of "
                       "the file beside this one\n";
    text += "solver " + solvers[c.solver].name + "\n";
    for (const auto &argument : c.arguments)
      text += "arg " + escape(argument) + "\n";
    return text;
  }

  std::string
  read_bytes(const std::string &path)
  {
    std::ifstream      file(path, std::ios::binary);
    std::ostringstream bytes;
    bytes << file.rdbuf();
    return bytes.str();
  }

  int
  solver_index(const std::vector<SolverDescription> &solvers,
               const std::string                    &name)
  {
    for (unsigned int s = 0; s < solvers.size(); ++s)
      if (solvers[s].name == name)
        return static_cast<int>(s);
    return -1;
  }


  // -----------------------------------------------------------------------
  // Running a case as `SOLVER --check` would.
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


  // -----------------------------------------------------------------------
  // Findings: what is saved, and what a signal handler needs for it.
  // -----------------------------------------------------------------------

  /// Prepared before every iteration: a signal handler may only call
  /// async-signal-safe functions (open, write, close, _exit, raise), so
  /// it finds every byte it writes ready here.
  struct PendingFinding
  {
    std::string prm_path, args_path;   // where the finding goes
    std::string prm_bytes, args_bytes; // what it holds
    std::string where;                 // "; input ...; reproduce: ...\n"
  };
  PendingFinding             pending;
  volatile std::sig_atomic_t iteration_running = 0;
  /// This executable, as the reproduce command names it.
  std::string program = "parameter_fuzzer";

  void
  write_all(const int fd, const char *data, std::size_t size)
  {
    while (size > 0)
      {
        const ssize_t written = ::write(fd, data, size);
        if (written <= 0)
          return;
        data += written;
        size -= static_cast<std::size_t>(written);
      }
  }

  void
  write_all(const int fd, const char *text)
  {
    write_all(fd, text, std::strlen(text));
  }

  void
  save_file(const std::string &path, const std::string &bytes)
  {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
      return;
    write_all(fd, bytes.data(), bytes.size());
    ::close(fd);
  }

  void
  save_pending_finding()
  {
    save_file(pending.prm_path, pending.prm_bytes);
    save_file(pending.args_path, pending.args_bytes);
  }

  const char *
  signal_name(const int signal)
  {
    switch (signal)
      {
        case SIGSEGV:
          return "signal SIGSEGV";
        case SIGABRT:
          return "signal SIGABRT";
        case SIGFPE:
          return "signal SIGFPE";
        case SIGBUS:
          return "signal SIGBUS";
        case SIGILL:
          return "signal SIGILL";
        case SIGALRM:
          return "time-out: the iteration did not end within the time limit";
        default:
          return "signal";
      }
  }

  /// A crash or a time-out: save the input, say so in one line, then
  /// die of the signal (a time-out exits with status 1).
  extern "C" void
  on_fatal_signal(const int signal)
  {
    if (iteration_running)
      {
        save_pending_finding();
        write_all(STDERR_FILENO, "parameter_fuzzer: finding: ");
        write_all(STDERR_FILENO, signal_name(signal));
        write_all(STDERR_FILENO, pending.where.data(), pending.where.size());
      }
    if (signal == SIGALRM)
      ::_exit(1);
    std::signal(signal, SIG_DFL);
    std::raise(signal);
  }

  void
  install_signal_handlers()
  {
    // A stack overflow (unbounded recursion) must still reach the handler:
    // give it a stack of its own.
    static std::vector<char> alternate_stack(1 << 16);
    stack_t                  stack{};
    stack.ss_sp   = alternate_stack.data();
    stack.ss_size = alternate_stack.size();
    sigaltstack(&stack, nullptr);

    struct sigaction action
    {};
    action.sa_handler = on_fatal_signal;
    action.sa_flags   = SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    for (const int signal : {SIGSEGV, SIGABRT, SIGFPE, SIGBUS, SIGILL, SIGALRM})
      sigaction(signal, &action, nullptr);
  }


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


  /// Values that have broken parsers before: empty, signed zeros, the ends
  /// of double and of the integer types, NaN and infinities in every
  /// spelling, what strtod and istream disagree on, malformed lists,
  /// expressions, file names, keywords of the file format, very long and
  /// non-UTF-8 strings.
  std::vector<std::string>
  interesting_values()
  {
    std::vector<std::string> values = {
      "",
      " ",
      "0",
      "-0",
      "+0",
      "0.0",
      "-0.0",
      "1",
      "-1",
      "2",
      "0.5",
      "1.",
      ".5",
      "+1",
      "--1",
      "1e",
      "1e+",
      "e5",
      "0e0",
      "1e308",
      "-1e308",
      "1.7976931348623157e308",
      "1e309",
      "1e-300",
      "-1e-300",
      "1e-310",
      "4.9e-324",
      "1e-400",
      "1e400",
      "nan",
      "NaN",
      "-nan",
      "nan(1)",
      "inf",
      "-inf",
      "+inf",
      "infinity",
      "Infinity",
      "0x10",
      "0x1p3",
      "1d3",
      "1,5",
      "1 2",
      "2147483647",
      "2147483648",
      "-2147483648",
      "-2147483649",
      "4294967295",
      "4294967296",
      "9223372036854775807",
      "9223372036854775808",
      "18446744073709551616",
      "99999999999999999999999999999",
      "MAX_DOUBLE",
      "MIN_DOUBLE",
      "MAX_INT",
      "MIN_INT",
      "true",
      "false",
      "yes",
      "none",
      "default",
      "perfect",
      "unknown",
      "material",
      "formula",
      "melting point",
      "hottest",
      ",",
      ",,",
      ";",
      ";;",
      ", 1",
      "1,",
      "1, 2",
      "1; 2",
      "1, , 2",
      "1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13",
      "5e-6, 0.5e-3, 1e-3",
      "300:401",
      "300:401, 600:379",
      "300:401, 300:5",
      "300:",
      ":",
      ":5",
      "1:2:3",
      "300:-1, 600:1",
      "300:nan",
      "0:0",
      "30e3:0.2, 132e3:0.3",
      "132e3:0.3, 30e3:0.2",
      "400*x",
      "400*T",
      "T",
      "-T",
      "0*T",
      "1/(T-300)",
      "1/0",
      "T/0",
      "sqrt(T-5000)",
      "sqrt(-T)",
      "log(T-10)",
      "exp(T)",
      "T^1000",
      "1e308*T*T",
      "if(T<500, 400, -1)",
      "if(T<500, 400)",
      "400+undefined",
      "rand()",
      "sin(",
      "((((((((((T))))))))))",
      "pi",
      "2200*(T/300)^-1.2",
      std::string(20000, '(') + "T" + std::string(20000, ')'),
      std::string(20000, '-') + "T",
      "W",
      "Cu",
      "Mo",
      "diamond-cvd",
      "Cu, diamond-cvd",
      "W, W, W",
      "User",
      "/",
      ".",
      "..",
      "/tmp",
      "/dev/null",
      "/dev/zero",
      "/nonexistent/file.csv",
      "=",
      "a=b",
      "#",
      "\\",
      "x\\",
      "subsection",
      "end",
      "set",
      "include",
      "Geometry/Radius=1",
      "\t1\t",
      "\xff\xfe",
      "\xc3\x28",
      "caf\xc3\xa9",
      "\xed\xa0\x80",
      "\xef\xbb\xbf"
      "1",
      std::string("1\0"
                  "2",
                  3),
      std::string(300, '9'),
      std::string(4096, 'x'),
      std::string(200000, 'y'),
      []() {
        std::string list;
        for (int i = 0; i < 2000; ++i)
          list += (i ? ", " : "") + std::to_string(i);
        return list;
      }(),
      []() {
        std::string sum = "T";
        for (int i = 0; i < 20000; ++i)
          sum += "+T";
        return sum;
      }(),
      []() {
        std::string table;
        for (int i = 0; i < 20000; ++i)
          table += (i ? ", " : "") + std::to_string(10 + i) + ":" +
                   std::to_string(400 - i % 7);
        return table;
      }()};
    return values;
  }


  // -----------------------------------------------------------------------
  // Seeds: the corpus, each file with the solvers that read it.
  // -----------------------------------------------------------------------
  struct Seed
  {
    std::string               path;
    std::string               text;
    std::vector<unsigned int> solvers;
    std::vector<std::string>  arguments; // from FILE.prm.args, or empty
  };

  /// Whether @p solver's declared entries accept the file: the file is
  /// read without error (its values are not checked).
  bool
  accepts(const SolverDescription &solver, const std::string &path)
  {
    try
      {
        ParameterHandler prm;
        solver.declare_parameters(prm);
        CommandLine command_line;
        command_line.parameter_file = path;
        read_parameters(prm, command_line);
        return true;
      }
    catch (const std::exception &)
      {
        return false;
      }
  }

  /// A seed's solvers: the `solver` line of FILE.prm.args, else a first
  /// line "# solver: NAME", else every solver whose entries accept the
  /// file, else (a file no solver reads) all of them.
  Seed
  load_seed(const std::string                    &path,
            const std::vector<SolverDescription> &solvers)
  {
    Seed seed;
    seed.path = path;
    seed.text = read_bytes(path);

    std::ifstream args(path + ".args");
    std::string   line;
    while (std::getline(args, line))
      if (line.rfind("solver ", 0) == 0)
        {
          const int s = solver_index(solvers, line.substr(7));
          if (s < 0)
            throw std::runtime_error(path + ".args: unknown solver '" +
                                     line.substr(7) + "'");
          seed.solvers = {static_cast<unsigned int>(s)};
        }
      else if (line.rfind("arg ", 0) == 0)
        seed.arguments.push_back(unescape(line.substr(4)));

    const std::string marker = "# solver:";
    if (seed.solvers.empty() && seed.text.rfind(marker, 0) == 0)
      {
        const std::string name = Utilities::trim(
          seed.text.substr(marker.size(),
                           seed.text.find('\n') - marker.size()));
        const int s = solver_index(solvers, name);
        if (s < 0)
          throw std::runtime_error(path + ": unknown solver '" + name + "'");
        seed.solvers = {static_cast<unsigned int>(s)};
      }
    if (seed.solvers.empty())
      for (unsigned int s = 0; s < solvers.size(); ++s)
        if (accepts(solvers[s], path))
          seed.solvers.push_back(s);
    if (seed.solvers.empty())
      for (unsigned int s = 0; s < solvers.size(); ++s)
        seed.solvers.push_back(s);
    return seed;
  }

  /// The file at @p path as @p solver prints it in deal.II's JSON (or
  /// XML) form, or "" if it does not parse.
  std::string
  tree_form(const std::string       &path,
            const SolverDescription &solver,
            const bool               json)
  {
    try
      {
        ParameterHandler prm;
        solver.declare_parameters(prm);
        CommandLine command_line;
        command_line.parameter_file = path;
        read_parameters(prm, command_line);
        std::ostringstream text;
        prm.print_parameters(text,
                             json ? ParameterHandler::JSON :
                                    ParameterHandler::XML);
        return text.str();
      }
    catch (const std::exception &)
      {
        return "";
      }
  }

  /// A parameter file by its extension, as ParameterHandler::parse_input()
  /// tells the forms apart.
  bool
  is_parameter_file(const fs::path &path)
  {
    const std::string extension = path.extension().string();
    return extension == ".prm" || extension == ".json" || extension == ".xml";
  }

  std::vector<Seed>
  load_corpus(const std::vector<std::string>       &directories,
              const std::vector<SolverDescription> &solvers)
  {
    std::vector<std::string> paths;
    for (const auto &directory : directories)
      for (const auto &entry : fs::directory_iterator(directory))
        if (entry.is_regular_file() && is_parameter_file(entry.path()))
          paths.push_back(entry.path().string());
    std::sort(paths.begin(), paths.end()); // the same order on every run
    std::vector<Seed> seeds;
    for (const auto &path : paths)
      seeds.push_back(load_seed(path, solvers));
    return seeds;
  }


  // -----------------------------------------------------------------------
  // Mutations.
  // -----------------------------------------------------------------------

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
  split_lines(const std::string &text)
  {
    std::vector<std::string> lines;
    std::istringstream       input(text);
    std::string              line;
    while (std::getline(input, line))
      lines.push_back(line);
    return lines;
  }

  std::string
  join_lines(const std::vector<std::string> &lines)
  {
    std::string text;
    for (const auto &line : lines)
      text += line + '\n';
    return text;
  }

  /// Where the value of a `set Name = value` line starts, or npos.
  std::size_t
  value_start(const std::string &line)
  {
    std::istringstream words(line);
    std::string        keyword;
    words >> keyword;
    std::transform(keyword.begin(), keyword.end(), keyword.begin(), [](char c) {
      return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    });
    const std::size_t equals = line.find('=');
    if (keyword != "set" || equals == std::string::npos)
      return std::string::npos;
    return equals + 1;
  }

  /// The indices of the `set` lines of @p lines.
  std::vector<std::size_t>
  set_lines(const std::vector<std::string> &lines)
  {
    std::vector<std::size_t> indices;
    for (std::size_t i = 0; i < lines.size(); ++i)
      if (value_start(lines[i]) != std::string::npos)
        indices.push_back(i);
    return indices;
  }

  std::string
  format_number(const double x)
  {
    std::ostringstream text;
    text << std::setprecision(17) << x;
    return text.str();
  }

  class Mutator
  {
  public:
    Mutator(Random &random, const Ingredients &ingredients)
      : random(random)
      , ingredients(ingredients)
    {}

    /// A value for an entry: mostly awkward, sometimes a real one.
    std::string
    value()
    {
      if (random.chance(0.3) && !ingredients.seed_values.empty())
        return random.pick(ingredients.seed_values);
      if (random.chance(0.1))
        return random.pick(ingredients.file_names);
      return random.pick(ingredients.dictionary);
    }

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
           const bool         structure_only = false)
    {
      const bool         values_only = random.chance(0.6);
      const unsigned int n           = 1 + random.below(4);
      for (unsigned int k = 0; k < n; ++k)
        text = !values_only   ? mutate_once(text, solver, self) :
               structure_only ? replace_tree_value(text) :
                                mutate_value(text);
      return text;
    }

  private:
    Random            &random;
    const Ingredients &ingredients;

    /// One value of @p text replaced, a number in it changed, or a list
    /// made longer or shorter.
    std::string
    mutate_value(const std::string &text)
    {
      std::vector<std::string> lines = split_lines(text);
      const std::size_t        kind  = random.below(10);
      if (kind < 5)
        replace_value(lines, [this](const std::string &) { return value(); });
      else if (kind < 8)
        replace_value(lines, [this](const std::string &old) {
          return tweak_number(old);
        });
      else
        replace_value(lines, [this](const std::string &old) {
          return change_list(old);
        });
      return join_lines(lines);
    }

    /// In deal.II's JSON or XML form: one entry's value replaced, escaped
    /// as the form needs, so that the file still parses.
    std::string
    replace_tree_value(std::string text)
    {
      const bool        json = text.find("\"value\": \"") != std::string::npos;
      const std::string open = json ? "\"value\": \"" : "<value>";
      std::vector<std::size_t> starts;
      for (std::size_t at = text.find(open); at != std::string::npos;
           at             = text.find(open, at + 1))
        starts.push_back(at + open.size());
      if (starts.empty())
        return text;
      const std::size_t start = random.pick(starts);
      std::size_t       end   = start;
      if (json)
        while (end < text.size() && text[end] != '"')
          end += text[end] == '\\' ? 2 : 1;
      else
        end = text.find("</value>", start);
      if (end == std::string::npos || end > text.size())
        return text;
      std::string escaped;
      for (const char c : value())
        if (json && (c == '"' || c == '\\'))
          escaped += std::string("\\") + c;
        else if (json && static_cast<unsigned char>(c) < 0x20)
          {
            std::ostringstream code;
            code << "\\u" << std::hex << std::setw(4) << std::setfill('0')
                 << static_cast<unsigned int>(static_cast<unsigned char>(c));
            escaped += code.str();
          }
        else if (!json && c == '&')
          escaped += "&amp;";
        else if (!json && c == '<')
          escaped += "&lt;";
        else if (!json && c == '>')
          escaped += "&gt;";
        else
          escaped += c;
      text.replace(start, end - start, escaped);
      return text;
    }

    std::string
    mutate_once(const std::string &text,
                const unsigned int solver,
                const std::string &self)
    {
      std::vector<std::string> lines = split_lines(text);
      const std::size_t        n     = lines.size();
      const std::size_t        i     = random.below(n);
      const std::size_t        j     = random.below(n);
      switch (random.below(15))
        {
          case 0: // delete a line
            if (n > 0)
              lines.erase(lines.begin() + i);
            break;
          case 1: // duplicate a line
            if (n > 0)
              lines.insert(lines.begin() + i, lines[i]);
            break;
          case 2: // swap two lines
            if (n > 0)
              std::swap(lines[i], lines[j]);
            break;
          case 3: // replace a value
          case 4:
            replace_value(lines,
                          [this](const std::string &) { return value(); });
            break;
          case 5: // change a number in a value
            replace_value(lines, [this](const std::string &old) {
              return tweak_number(old);
            });
            break;
          case 6: // change the length of a list
            replace_value(lines, [this](const std::string &old) {
              return change_list(old);
            });
            break;
          case 7: // a line of another seed
            lines.insert(lines.begin() + random.below(n + 1),
                         random.pick(ingredients.seed_lines));
            break;
          case 8: // an entry of this solver, set where it belongs
            insert_entry(lines, solver);
            break;
          case 9: // include itself, a missing file, another seed, ...
            {
              // Every spelling ParameterHandler might take for `include`.
              static const std::vector<std::string> keyword = {"include ",
                                                               "include ",
                                                               "include ",
                                                               "INCLUDE ",
                                                               "Include ",
                                                               "include\t",
                                                               "  include ",
                                                               "include"};
              lines.insert(lines.begin() + random.below(n + 1),
                           random.pick(keyword) +
                             (random.chance(0.4) ?
                                self :
                                random.pick(ingredients.file_names)));
              break;
            }
          case 10: // a stray subsection or end
            {
              static const std::vector<std::string> stray = {
                "subsection Geometry",
                "subsection Materials",
                "subsection User material 1",
                "subsection Nowhere",
                "subsection",
                "subsection  ",
                "end",
                "END",
                "end end",
                "subsection Heat source\nsubsection Heat source"};
              lines.insert(lines.begin() + random.below(n + 1),
                           random.pick(stray));
              break;
            }
          case 11: // the keyword, the '=' or the line's end mangled
            if (n > 0)
              mangle_line(lines[i]);
            break;
          case 12: // flip, set or insert bytes
          case 13:
            return change_bytes(text);
          case 14: // truncate
            return text.substr(0, random.below(text.size() + 1));
        }
      return join_lines(lines);
    }

    template <typename Change>
    void
    replace_value(std::vector<std::string> &lines, const Change &change)
    {
      const auto candidates = set_lines(lines);
      if (candidates.empty())
        return;
      std::string      &line  = lines[random.pick(candidates)];
      const std::size_t start = value_start(line);
      const std::string old = line.substr(start, line.find('#', start) - start);
      line = line.substr(0, start) + " " + change(Utilities::trim(old));
    }

    /// A number in @p text negated, scaled far, zeroed or shifted by one.
    std::string
    tweak_number(std::string text)
    {
      std::vector<std::size_t> starts;
      for (std::size_t k = 0; k < text.size(); ++k)
        if (std::isdigit(static_cast<unsigned char>(text[k])) &&
            (k == 0 || !std::isalnum(static_cast<unsigned char>(text[k - 1]))))
          starts.push_back(k);
      if (starts.empty())
        return value();
      const std::size_t start = random.pick(starts);
      char             *end   = nullptr;
      const double      x     = std::strtod(text.c_str() + start, &end);
      const std::size_t length =
        static_cast<std::size_t>(end - (text.c_str() + start));
      static const std::vector<double> factors = {
        -1, 0, 0.5, 2, 10, 0.1, 1e10, 1e-10, 1e300, 1e-300, -1e300};
      const double y = random.chance(0.2) ? x + (random.chance(0.5) ? 1 : -1) :
                                            x * random.pick(factors);
      text.replace(start, std::max<std::size_t>(length, 1), format_number(y));
      return text;
    }

    /// A list with an item dropped, repeated or emptied.
    std::string
    change_list(const std::string &text)
    {
      const char delimiter = text.find(';') != std::string::npos ? ';' : ',';
      std::vector<std::string> items;
      std::istringstream       input(text);
      std::string              item;
      while (std::getline(input, item, delimiter))
        items.push_back(item);
      const std::size_t k = random.below(items.size());
      switch (random.below(3))
        {
          case 0:
            if (!items.empty())
              items.erase(items.begin() + k);
            break;
          case 1:
            items.insert(items.begin() + k, items.empty() ? value() : items[k]);
            break;
          default:
            items.insert(items.begin() + k, random.chance(0.5) ? "" : value());
        }
      std::string list;
      for (std::size_t m = 0; m < items.size(); ++m)
        list += (m ? std::string(1, delimiter) : "") + items[m];
      return list;
    }

    /// `set Name = value` of a declared entry inside its subsections.
    void
    insert_entry(std::vector<std::string> &lines, const unsigned int solver)
    {
      const auto &[path, default_value] =
        random.pick(ingredients.entries[solver]);
      const auto  sections = Utilities::split_string_list(path, '/');
      std::string block;
      for (std::size_t k = 0; k + 1 < sections.size(); ++k)
        block += "subsection " + sections[k] + "\n";
      block += "set " + sections.back() + " = " +
               (random.chance(0.2) ? default_value : value());
      for (std::size_t k = 0; k + 1 < sections.size(); ++k)
        block += "\nend";
      // At the end the block is at the top level, as it should be;
      // elsewhere it may land inside another subsection.
      const std::size_t at =
        random.chance(0.7) ? lines.size() : random.below(lines.size() + 1);
      lines.insert(lines.begin() + at, block);
    }

    void
    mangle_line(std::string &line)
    {
      switch (random.below(7))
        {
          case 0: // SET, Set, Subsection, END
            for (char &c : line)
              if (std::isalpha(static_cast<unsigned char>(c)))
                {
                  c = static_cast<char>(
                    std::toupper(static_cast<unsigned char>(c)));
                  break;
                }
            break;
          case 1:
            if (const auto at = line.find('='); at != std::string::npos)
              line.erase(at, 1);
            break;
          case 2:
            if (const auto at = line.find("set"); at != std::string::npos)
              line.erase(at, 3);
            break;
          case 3: // a Windows line end
            line += '\r';
            break;
          case 4: // a continuation line
            line += '\\';
            break;
          case 5: // a second '='
            line += " = " + value();
            break;
          default: // a comment in the middle
            line.insert(random.below(line.size() + 1), "#");
        }
    }

    std::string
    change_bytes(std::string text)
    {
      static const std::vector<char> bytes = {'\0',
                                              '\n',
                                              '\r',
                                              '\t',
                                              '#',
                                              '=',
                                              '\\',
                                              ',',
                                              ';',
                                              ':',
                                              '/',
                                              static_cast<char>(0x80),
                                              static_cast<char>(0xc3),
                                              static_cast<char>(0xff)};
      const unsigned int             n     = 1 + random.below(8);
      for (unsigned int k = 0; k < n; ++k)
        {
          const std::size_t at   = random.below(text.size() + 1);
          const char        byte = random.chance(0.5) ?
                                     random.pick(bytes) :
                                     static_cast<char>(random.below(256));
          if (at == text.size() || random.chance(0.3))
            text.insert(text.begin() + at, byte);
          else if (random.chance(0.5))
            text[at] = byte;
          else
            text[at] = static_cast<char>(text[at] ^ (1 << random.below(8)));
        }
      return text;
    }
  };


  /// A command line: overrides of real and mangled entries, sometimes a
  /// sweep, --check, another option or a malformed argument.
  std::vector<std::string>
  draw_arguments(Random            &random,
                 Mutator           &mutator,
                 const Ingredients &ingredients,
                 const unsigned int solver)
  {
    const auto &entries    = ingredients.entries[solver];
    auto        entry_name = [&]() {
      std::string name = random.pick(entries).first;
      switch (random.below(12))
        {
          case 0: // a typo
            if (!name.empty())
              name[random.below(name.size())] =
                static_cast<char>('a' + random.below(26));
            break;
          case 1: // without its section
            name = name.substr(name.rfind('/') + 1);
            break;
          case 2:
            name = "/" + name;
            break;
          case 3:
            name += "/";
            break;
          case 4:
            replace_all(name, "/", " / ");
            break;
          case 5:
            replace_all(name, "/", "//");
            break;
          default: // as declared
            break;
        }
      return name;
    };
    auto assignment = [&]() {
      switch (random.below(10))
        {
          case 0:
            return mutator.value(); // no '=', or anything
          case 1:
            return "=" + mutator.value();
          default:
            return entry_name() + "=" + mutator.value();
        }
    };

    std::vector<std::string> arguments;
    const unsigned int       n_sets =
      random.chance(0.5) ? 0 : 1 + random.below(random.chance(0.7) ? 1 : 4);
    for (unsigned int k = 0; k < n_sets; ++k)
      if (random.chance(0.8))
        {
          arguments.push_back("--set");
          arguments.push_back(assignment());
        }
      else
        arguments.push_back("--set=" + assignment());
    if (random.chance(0.5))
      arguments.push_back("--check");
    if (random.chance(0.1))
      {
        const unsigned int n_axes =
          random.chance(0.8) ? 1 : 2 + random.below(2);
        for (unsigned int a = 0; a < n_axes; ++a)
          {
            std::string        values;
            const unsigned int n_values = 1 + random.below(4);
            for (unsigned int v = 0; v < n_values; ++v)
              values += (v ? "; " : "") + mutator.value();
            arguments.push_back("--sweep");
            arguments.push_back(
              (random.chance(0.9) ? entry_name() : mutator.value()) + "=" +
              values);
          }
      }
    if (random.chance(0.05))
      {
        static const std::vector<std::string> odd = {"--help",
                                                     "-h",
                                                     "--version",
                                                     "--print-parameters",
                                                     "--bogus",
                                                     "-x",
                                                     "-",
                                                     "--",
                                                     "",
                                                     "--set",
                                                     "--sweep",
                                                     "--check=1",
                                                     "--set=",
                                                     "second.prm",
                                                     "\xff"};
        arguments.insert(arguments.begin() + random.below(arguments.size() + 1),
                         random.pick(odd));
      }
    // The parameter file: mostly the input, at any place among the options.
    const std::string file = random.chance(0.97) ?
                               input_placeholder :
                               random.pick(ingredients.file_names);
    if (random.chance(0.99))
      {
        // Not between an option and its value, where it would be the value.
        std::vector<std::size_t> places;
        for (std::size_t k = 0; k <= arguments.size(); ++k)
          if (k == 0 ||
              (arguments[k - 1] != "--set" && arguments[k - 1] != "--sweep"))
            places.push_back(k);
        arguments.insert(arguments.begin() + random.pick(places), file);
      }
    // A dangling --set or --sweep swallows the file name: keep it last
    // mostly, so that the input is read.
    if (!arguments.empty() && random.chance(0.7) &&
        (arguments.back() == "--set" || arguments.back() == "--sweep"))
      arguments.pop_back();
    return arguments;
  }


  // -----------------------------------------------------------------------
  // The driver.
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

  /// Runs one case under the time-out, with a finding prepared for the
  /// signal handler. Returns false on a finding (after reporting it).
  bool
  run_guarded(const Case                           &c,
              const std::string                    &input,
              const std::string                    &finding_name,
              const Options                        &options,
              const std::vector<SolverDescription> &solvers,
              Outcome                              &outcome)
  {
    // (The extension too: ParameterHandler reads FILE.json as JSON.)
    const std::string prm_path = options.findings + "/" + finding_name +
                                 fs::path(input).extension().string();
    pending.prm_path  = prm_path;
    pending.args_path = prm_path + ".args";
    pending.prm_bytes = c.text;
    // An `include` of the input itself names the saved copy instead.
    replace_all(pending.prm_bytes, input, prm_path);
    pending.args_bytes = args_file_text(c, solvers);
    pending.where = " (" + solvers[c.solver].name + "); input " + prm_path +
                    "; reproduce: " + program + " --replay " + prm_path + "\n";

    std::string failure;
    iteration_running = 1;
    ::alarm(options.timeout);
    try
      {
        outcome = check_case(c, solvers[c.solver], input);
      }
    catch (const ExceptionBase &exception)
      {
        std::ostringstream what;
        exception.print_info(what);
        failure =
          "deal.II exception (not an input error): " + one_line(what.str());
      }
    catch (const std::exception &exception)
      {
        failure =
          "exception (not an input error): " + one_line(exception.what());
      }
    catch (...)
      {
        failure = "exception of unknown type";
      }
    ::alarm(0);
    iteration_running = 0;
    if (failure.empty())
      return true;
    save_pending_finding();
    std::cerr << "parameter_fuzzer: finding: " << failure << pending.where
              << std::flush;
    return false;
  }

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

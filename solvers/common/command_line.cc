// The command line and the parameter layer every solver shares
// (command_line.h): options, --set overrides, reading a parameter file
// (which parameter_file_scan.cc checks first), the entries' values
// and old names, and run_solver(), the life of a solver executable.
#include "common/command_line.h"

#include "common/build_info.h"
#include "common/file_checks.h"
#include "common/output.h"
#include "common/parameter_file_scan.h"
#include "common/sweep.h"

#include <deal.II/base/exceptions.h>
#include <deal.II/base/utilities.h>

#include <boost/program_options.hpp>

#include <nlohmann/json.hpp>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

namespace xray
{
  namespace po = boost::program_options;
  using internal::check_utf8;
  using internal::check_value_length;
  using internal::DeclaredNames;
  using internal::first_invalid_utf8;
  using internal::IncludeScan;
  using internal::scan_parameter_file;

  std::string
  one_line(const std::string &message)
  {
    std::string result;
    bool        pending_space = false;
    for (const char c : message)
      {
        if (std::isspace(static_cast<unsigned char>(c)))
          pending_space = !result.empty();
        else
          {
            if (pending_space)
              result += ' ';
            result += c;
            pending_space = false;
          }
      }
    return result;
  }

  namespace
  {
    /// deal.II exceptions carry a banner (file, line and function of the
    /// library) before the part meant for the user; keep only the latter.
    std::string
    user_message(const ExceptionBase &exception)
    {
      std::ostringstream info;
      exception.print_info(info);
      return one_line(info.str());
    }

    /// The first item of @p value (a number or a comma-separated list)
    /// that is a number below the smallest normal double (1e-400, or a
    /// subnormal such as 1e-310), or "" if there is none. Patterns::Double
    /// reads such a number as an istream does, as 0 or the subnormal, but
    /// ParameterHandler::get_double() refuses it (strtod reports ERANGE)
    /// with an exception that is not an input error, and only when a
    /// solver reads the entry.
    std::string
    underflowing_number(const std::string &value)
    {
      for (const auto &item : Utilities::split_string_list(value, ','))
        {
          char *end           = nullptr;
          errno               = 0;
          const double number = std::strtod(item.c_str(), &end);
          if (!item.empty() && *end == '\0' && errno == ERANGE &&
              std::abs(number) < 1)
            return item;
        }
      return "";
    }

    /// Throws InputError if @p value holds an underflowing number (above).
    void
    check_underflow(const std::string &where, const std::string &value)
    {
      const std::string number = underflowing_number(value);
      if (!number.empty())
        throw InputError(where + ": " + number +
                         " is below the smallest double (2.2e-308); write 0 "
                         "or a larger number");
    }

    po::options_description
    visible_options()
    {
      po::options_description options("Options");
      options.add_options()("help,h", "print this help and exit")(
        "version",
        "print the version, the git revision and the library versions, and "
        "exit")(
        "print-parameters",
        "print every parameter with its default, unit and documentation as "
        "a valid .prm file, and exit")(
        "check",
        "read FILE.prm with the --set overrides (and every point of the "
        "--sweep values), check every parameter as a run would, say whether "
        "they are valid, and exit without computing or writing anything")(
        "set",
        po::value<std::vector<std::string>>()->composing(),
        "override one parameter after reading FILE.prm; repeatable. Form: "
        "\"Section/Subsection/Name=value\"")(
        "sweep",
        po::value<std::vector<std::string>>()->composing(),
        "run once per value of a parameter, \"Section/Name=v1; v2; ...\" "
        "(values separated by ';'); given twice, a grid. Each point writes "
        "OUTPUT/point-NNN/, and OUTPUT/sweep.csv collects one row per point");
      return options;
    }
  } // namespace

  namespace
  {
    /// Calls @p visit(path, name, alias_of) for every entry of @p prm, and
    /// for every other name of an entry (ParameterHandler::declare_alias(),
    /// an old name kept for older parameter files) with alias_of the name
    /// it stands for ("" for an entry itself).
    ///
    /// The names come from the JSON form (ShortJSON: sections are objects,
    /// entries strings, an alias an object {"alias", "deprecation_status"}).
    /// Its values are the input's bytes, which in a .json or .xml input
    /// need not be UTF-8, and the JSON reader would refuse them: they are
    /// masked for the reading (a caller takes a value from the handler).
    void
    for_each_entry(const ParameterHandler                         &prm,
                   const std::function<void(const std::vector<std::string> &,
                                            const std::string &,
                                            const std::string &)> &visit)
    {
      // (In declaration order: sorting the printed tree, which the callers
      // do not need, took two thirds of the time.)
      std::ostringstream json;
      prm.print_parameters(json,
                           ParameterHandler::OutputStyle(
                             ParameterHandler::ShortJSON |
                             ParameterHandler::KeepDeclarationOrder));
      std::string text = json.str();
      for (std::size_t bad = first_invalid_utf8(text); bad != std::string::npos;
           bad             = first_invalid_utf8(text, bad + 1))
        text[bad] = '?';

      const auto is_alias = [](const nlohmann::json &item) {
        return item.size() == 2 && item.contains("alias") &&
               item["alias"].is_string() && item.contains("deprecation_status");
      };
      std::vector<std::string>                    path;
      std::function<void(const nlohmann::json &)> walk =
        [&](const nlohmann::json &section) {
          for (const auto &[name, item] : section.items())
            if (item.is_object() && is_alias(item))
              visit(path, name, item["alias"].get<std::string>());
            else if (item.is_object())
              {
                path.push_back(name);
                walk(item);
                path.pop_back();
              }
            else
              visit(path, name, "");
        };
      walk(nlohmann::json::parse(text));
    }

    /// "Section/Sub/" for @p path.
    std::string
    section_prefix(const std::vector<std::string> &path)
    {
      std::string prefix;
      for (const auto &section_name : path)
        prefix += section_name + "/";
      return prefix;
    }

    /// Every name that @p prm declares: its entries, their old names and
    /// the subsections that hold them.
    DeclaredNames
    declared_names(const ParameterHandler &prm)
    {
      DeclaredNames names;
      for_each_entry(prm,
                     [&](const std::vector<std::string> &path,
                         const std::string              &name,
                         const std::string              &alias_of) {
                       const std::string prefix = section_prefix(path);
                       if (alias_of.empty())
                         names.entries.insert(prefix + name);
                       else
                         names.aliases[prefix + name] = prefix + alias_of;
                       std::string section;
                       for (const auto &section_name : path)
                         {
                           section +=
                             (section.empty() ? "" : "/") + section_name;
                           names.sections.insert(section);
                         }
                     });
      return names;
    }

    /// Whether @p full_name is an entry of @p names or an old name of one.
    bool
    is_declared_entry(const std::string &full_name, const DeclaredNames &names)
    {
      return names.entries.count(full_name) > 0 ||
             names.aliases.count(full_name) > 0;
    }

    /// The full name ("Section/Name") that a --set or --sweep assignment
    /// sets, its parts trimmed as apply_override() trims them.
    std::string
    assigned_entry(const std::string &assignment)
    {
      std::string name;
      for (const auto &part : Utilities::split_string_list(
             Utilities::trim(assignment.substr(0, assignment.find('='))), '/'))
        name += (name.empty() ? "" : "/") + part;
      return name;
    }
  } // namespace


  std::map<std::string, std::string>
  parameter_values(const ParameterHandler &prm)
  {
    std::map<std::string, std::string> values;
    for_each_entry(prm,
                   [&](const std::vector<std::string> &path,
                       const std::string              &name,
                       const std::string              &alias_of) {
                     if (alias_of.empty())
                       values[section_prefix(path) + name] =
                         prm.get(path, name);
                   });
    return values;
  }


  std::map<std::string, std::string>
  parameter_aliases(const ParameterHandler &prm)
  {
    return declared_names(prm).aliases;
  }

  CommandLine
  parse_command_line(int argc, char **argv)
  {
    po::options_description all = visible_options();
    all.add_options()("parameter-file", po::value<std::string>());
    po::positional_options_description positional;
    positional.add("parameter-file", 1);

    po::variables_map variables;
    try
      {
        po::store(po::command_line_parser(argc, argv)
                    .options(all)
                    .positional(positional)
                    .run(),
                  variables);
        po::notify(variables);
      }
    catch (const po::error &error)
      {
        throw InputError(std::string("command line: ") + error.what());
      }

    CommandLine command_line;
    command_line.help             = variables.count("help") > 0;
    command_line.version          = variables.count("version") > 0;
    command_line.print_parameters = variables.count("print-parameters") > 0;
    command_line.check            = variables.count("check") > 0;
    if (variables.count("set"))
      command_line.overrides = variables["set"].as<std::vector<std::string>>();
    if (variables.count("sweep"))
      command_line.sweeps = variables["sweep"].as<std::vector<std::string>>();
    if (variables.count("parameter-file"))
      command_line.parameter_file =
        variables["parameter-file"].as<std::string>();

    if (!command_line.help && !command_line.version &&
        !command_line.print_parameters && command_line.parameter_file.empty())
      throw InputError("command line: no parameter file given (try --help)");
    return command_line;
  }

  namespace
  {
    /// Sets the declared entry @p full_name ("Section/Sub/Name") to
    /// @p value, and leaves @p prm at its top level, also when the entry's
    /// pattern refuses the value (ParameterHandler::set() throws).
    void
    set_entry(ParameterHandler  &prm,
              const std::string &full_name,
              const std::string &value)
    {
      check_value_length("", full_name, value);
      std::vector<std::string> sections =
        Utilities::split_string_list(full_name, '/');
      const std::string name = sections.back();
      sections.pop_back();
      unsigned int depth = 0;
      try
        {
          for (const auto &section : sections)
            {
              prm.enter_subsection(section);
              ++depth;
            }
          prm.set(name, value);
        }
      catch (...)
        {
          for (; depth > 0; --depth)
            prm.leave_subsection();
          throw;
        }
      for (; depth > 0; --depth)
        prm.leave_subsection();
    }

    /// apply_override() with the names @p prm declares, which setting a
    /// value does not change: the overrides of one reading share them.
    void
    apply_assignment(ParameterHandler    &prm,
                     const std::string   &assignment,
                     const DeclaredNames &names)
    {
      const auto equals = assignment.find('=');
      if (equals == std::string::npos)
        throw InputError("--set \"" + assignment +
                         "\": expected \"Section/Name=value\"");
      // (The message must not repeat the bytes that are not UTF-8.)
      const std::string entry = assignment.substr(0, assignment.find('='));
      check_utf8(assignment,
                 first_invalid_utf8(entry) == std::string::npos ?
                   "--set \"" + entry + "=...\"" :
                   std::string("--set"));
      const std::string path  = Utilities::trim(assignment.substr(0, equals));
      const std::string value = Utilities::trim(assignment.substr(equals + 1));

      const std::vector<std::string> parts =
        Utilities::split_string_list(path, '/');
      if (parts.empty() || parts.back().empty())
        throw InputError("--set \"" + assignment + "\": no parameter name");
      // ParameterHandler::enter_subsection() creates a subsection it does
      // not know (deal.II 9.4), and set() refuses an unknown entry naming
      // only its last part: check the whole name before entering anything.
      const std::string full_name = assigned_entry(assignment);
      if (!is_declared_entry(full_name, names))
        throw InputError("--set \"" + assignment +
                         "\": " + internal::not_declared(full_name, names));
      try
        {
          set_entry(prm, full_name, value);
        }
      catch (const ExceptionBase &exception)
        {
          throw InputError("--set \"" + assignment +
                           "\": " + user_message(exception));
        }
      check_underflow("--set \"" + path + "=...\"", value);
    }

    /// Sets the entries that a .json or .xml parameter file sets
    /// (IncludeScan::settings) before ParameterHandler reads the file. Its
    /// reading sets the same values in the same order, but when a value
    /// does not match its entry's pattern it names only the value and the
    /// pattern; here the entry is named too.
    void
    set_tree_settings(ParameterHandler  &prm,
                      const std::string &file,
                      const IncludeScan &scan)
    {
      for (const auto &[entry, value] : scan.settings)
        try
          {
            set_entry(prm, entry, value);
          }
        catch (const ExceptionBase &exception)
          {
            throw InputError(file + ": " + entry + ": " +
                             user_message(exception));
          }
    }
  } // namespace


  void
  apply_override(ParameterHandler &prm, const std::string &assignment)
  {
    apply_assignment(prm, assignment, declared_names(prm));
  }

  void
  read_parameters(ParameterHandler &prm, const CommandLine &command_line)
  {
    const std::string &file = command_line.parameter_file;
    const FileKind     kind = file_kind(file);
    if (kind == FileKind::missing)
      throw InputError(file + ": parameter file not found");
    if (kind == FileKind::directory)
      throw InputError(file + ": is a directory, not a parameter file");
    if (kind == FileKind::special)
      throw InputError(file + ": is not a regular file (a parameter file "
                              "is read twice, so it cannot be a pipe)");
    if (!std::ifstream(file))
      throw InputError(
        file + ": cannot read the parameter file: " + std::strerror(errno));
    const DeclaredNames names = declared_names(prm);
    IncludeScan         scan{names, {}, {}, {}, {}};
    scan_parameter_file(file, scan);
    set_tree_settings(prm, file, scan);
    try
      {
        prm.parse_input(file);
      }
    catch (const ExceptionBase &exception)
      {
        throw InputError(file + ": " + user_message(exception));
      }
    catch (const std::exception &exception)
      {
        throw InputError(file + ": " + one_line(exception.what()));
      }
    for (const auto &[entry, value] : parameter_values(prm))
      {
        // (A .prm file is checked line by line above; a .json or .xml one
        // may also bring bytes in through escapes.)
        check_utf8(value, file + ": " + entry, "; save the file as UTF-8");
        check_underflow(file + ": " + entry, value);
        // A .json or .xml value stands as written, but get_double() and
        // get_integer() strip only spaces around a number, not the tabs or
        // line ends that Patterns::Double and Integer accept there: trim
        // the value as ParameterHandler trims the lines of a .prm file.
        if (Utilities::trim(value) != value)
          apply_assignment(prm, entry + "=" + value, names); // (which trims)
      }
    for (const auto &assignment : command_line.overrides)
      apply_assignment(prm, assignment, names);
    // Every point of a sweep sets its values as overrides (sweep.cc); a
    // name that is not declared is named here by its own option. (A
    // malformed --sweep, or one that is not UTF-8, is left to them.)
    for (const auto &sweep : command_line.sweeps)
      if (const std::string name = assigned_entry(sweep);
          sweep.find('=') != std::string::npos && !name.empty() &&
          first_invalid_utf8(sweep) == std::string::npos &&
          !is_declared_entry(name, names))
        throw InputError("--sweep \"" + sweep +
                         "\": " + internal::not_declared(name, names));
  }


  std::vector<std::string>
  deprecated_spellings(const ParameterHandler &prm,
                       const CommandLine      &command_line)
  {
    const DeclaredNames                       names   = declared_names(prm);
    const std::map<std::string, std::string> &aliases = names.aliases;
    std::vector<std::string>                  lines;
    if (aliases.empty())
      return lines;
    std::set<std::string> said;

    // Each old name once, where it is first used: the change it asks for
    // is the same everywhere.
    auto say = [&](const std::string &where, const std::string &old_name) {
      if (said.insert(old_name).second)
        lines.push_back(where + ": " + old_name + " is the old name of " +
                        aliases.at(old_name) +
                        " and may stop being read; write the new name");
    };

    IncludeScan scan{names, {}, {}, {}, {}};
    scan_parameter_file(command_line.parameter_file, scan);
    for (const auto &[where, old_name] : scan.old_names)
      say(where, old_name);
    auto say_option = [&](const std::string &option,
                          const std::string &assignment) {
      const std::string name = assigned_entry(assignment);
      if (aliases.count(name) > 0)
        say(option + " \"" + name + "=...\"", name);
    };
    for (const auto &assignment : command_line.overrides)
      say_option("--set", assignment);
    for (const auto &assignment : command_line.sweeps)
      say_option("--sweep", assignment);
    return lines;
  }

  namespace
  {
    void
    print_help(const SolverDescription &solver)
    {
      std::cout << "Usage: " << solver.name << " [options] FILE.prm\n"
                << "       mpirun -np N " << solver.name
                << " [options] FILE.prm\n\n"
                << solver.description << "\n\n"
                << visible_options() << "\nExit status: 0 success, "
                << exit_status::input_error << " bad input, "
                << exit_status::solver_failure << " solver did not converge, "
                << exit_status::limit_exceeded
                << " a temperature limit is exceeded (results written), "
                << exit_status::internal_error << " internal error.\n";
    }
  } // namespace

  namespace
  {
    /// The output directory a command line names, read without the
    /// parameter handler (whose input may be what failed): the last
    /// --set "Output directory=...", else the last top-level
    /// "set Output directory = ..." line of the parameter file; "" if
    /// neither (then a failed run leaves files alone).
    std::string
    named_output_directory(int argc, char **argv)
    {
      std::string       directory, file;
      const std::string key = "Output directory";
      for (int i = 1; i < argc; ++i)
        {
          std::string word = argv[i];
          if (word == "--set" && i + 1 < argc)
            word = argv[++i];
          else if (word.rfind("--set=", 0) == 0)
            word = word.substr(6);
          else
            {
              if (word.rfind("-", 0) != 0)
                file = word;
              else if (word == "--sweep")
                ++i;
              continue;
            }
          const auto equals = word.find('=');
          if (equals != std::string::npos &&
              Utilities::trim(word.substr(0, equals)) == key)
            return Utilities::trim(word.substr(equals + 1));
        }
      std::ifstream input(file);
      std::string   line;
      int           depth = 0;
      while (std::getline(input, line))
        {
          std::istringstream words(line.substr(0, line.find('#')));
          std::string        keyword;
          if (!(words >> keyword))
            continue;
          if (keyword == "subsection")
            ++depth;
          else if (keyword == "end")
            --depth;
          else if (keyword == "set" && depth == 0)
            {
              std::string rest;
              std::getline(words, rest);
              const auto equals = rest.find('=');
              if (equals != std::string::npos &&
                  Utilities::trim(rest.substr(0, equals)) == key)
                directory = Utilities::trim(rest.substr(equals + 1));
            }
        }
      return directory;
    }
  } // namespace


  namespace
  {
    /// The rank a launcher (mpirun, srun) gave this process, read from its
    /// environment without starting MPI; nullptr if none started it (an
    /// MPI singleton).
    const char *
    launcher_rank()
    {
      for (const char *variable :
           {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"})
        if (const char *rank = std::getenv(variable))
          return rank;
      return nullptr;
    }

    /// Whether this process is the first rank of its launcher (or was not
    /// started by one): what the answers below need without starting MPI.
    bool
    first_rank_by_environment()
    {
      const char *rank = launcher_rank();
      return rank == nullptr || std::string(rank) == "0";
    }

    /// --help, --version and --print-parameters are answered without
    /// starting MPI (a single process's start takes about a quarter of a
    /// second: --check of the W1 half-ball 0.75 s, --help 0.48 s): the exit
    /// status, or -1 if the command line asks for a run (or is malformed,
    /// which the run's path reports).
    int
    answer_without_mpi(int argc, char **argv, const SolverDescription &solver)
    {
      CommandLine command_line;
      try
        {
          command_line = parse_command_line(argc, argv);
        }
      catch (const InputError &)
        {
          return -1;
        }
      if (!command_line.help && !command_line.version &&
          !command_line.print_parameters)
        return -1;
      const bool print = first_rank_by_environment();
      if (command_line.help)
        {
          if (print)
            print_help(solver);
        }
      else if (command_line.version)
        {
          if (print)
            std::cout << solver.name << ' ' << build_description() << '\n';
        }
      else
        {
          ParameterHandler prm;
          solver.declare_parameters(prm);
          try
            {
              for (const auto &assignment : command_line.overrides)
                apply_override(prm, assignment);
            }
          catch (const InputError &error)
            {
              if (print)
                std::cerr << solver.name
                          << ": error: " << one_line(error.what()) << std::endl;
              return exit_status::input_error;
            }
          if (print)
            prm.print_parameters(std::cout, ParameterHandler::PRM);
        }
      return exit_status::success;
    }
  } // namespace


  namespace
  {
    /// Says each of @p spellings (deprecated_spellings()) on rank 0, and
    /// has the log.txt of every run of this process hold them too. The
    /// entries' old names are declared without deal.II's deprecation flag:
    /// its own warning would come from every rank, at every reading of
    /// the file (a sweep reads it once per point and more), and not reach
    /// the log.
    void
    warn_about_old_names(const SolverDescription        &solver,
                         const std::vector<std::string> &spellings,
                         const bool                      is_root)
    {
      std::vector<std::string> lines;
      for (const auto &spelling : spellings)
        lines.push_back(solver.name + ": warning: " + spelling);
      if (is_root)
        for (const auto &line : lines)
          std::cerr << line << std::endl;
      RunOutput::set_input_warnings(lines);
    }

    /// Whether every process of this run is on this node: an MPI singleton
    /// (started without a launcher such as mpirun or srun), or Open MPI's
    /// launcher with all of its world's ranks local (which it says in the
    /// environment before MPI starts).
    bool
    all_ranks_on_this_node()
    {
      if (launcher_rank() == nullptr)
        return true;
      const char *local = std::getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
      const char *world = std::getenv("OMPI_COMM_WORLD_SIZE");
      return local != nullptr && world != nullptr &&
             std::string(local) == world;
    }

    /// On one node the processes talk through shared memory, yet Open MPI
    /// would still open its network transports, some of whose libraries
    /// calibrate a clock by sleeping for 0.2 s in MPI_Init
    /// (benchmarks/README.md, "Peer comparison"). Such a run uses the
    /// point-to-point layer ob1 (shared memory between its ranks), which
    /// loads none of them, unless the user chose a layer. A run across
    /// nodes, or from another launcher, is left as it is: it may need those
    /// transports.
    void
    start_on_one_node_lightly()
    {
      if (all_ranks_on_this_node())
        ::setenv("OMPI_MCA_pml", "ob1", /*overwrite=*/0);
    }

    /// The session directory of a single process started without mpirun
    /// (doc/install.md, "Running"); empty if it has none of its own.
    char private_session_base[4096] = "";

    void
    remove_private_session_base()
    {
      std::error_code ignored;
      std::filesystem::remove_all(private_session_base, ignored);
    }

    /// Removes the session directories in TMP that processes of this user
    /// left behind when they were killed (xray-mpi-<pid>-XXXXXX, whose
    /// process no longer runs).
    void
    remove_stale_session_bases(const std::string &tmp)
    {
      namespace fs = std::filesystem;
      std::error_code  error;
      const std::regex pattern("xray-mpi-([0-9]{1,9})-[A-Za-z0-9]{6}");
      for (fs::directory_iterator entry(tmp, error), end;
           !error && entry != end;
           entry.increment(error))
        {
          std::smatch       match;
          const std::string name = entry->path().filename().string();
          struct stat       status;
          if (!std::regex_match(name, match, pattern) ||
              ::lstat(entry->path().c_str(), &status) != 0 ||
              !S_ISDIR(status.st_mode) || status.st_uid != ::getuid())
            continue;
          const pid_t     pid = static_cast<pid_t>(std::stol(match[1].str()));
          std::error_code ignored;
          if (::kill(pid, 0) != 0 && errno == ESRCH)
            fs::remove_all(entry->path(), ignored);
        }
    }

    /// A single process started without a launcher would have Open MPI's
    /// MPI_Init fork its daemon (orted) first: about 0.1 s of a small
    /// run's time. Open MPI's daemon-less singleton
    /// (ess_singleton_isolated) starts without it, but every such process
    /// puts its session directory at the same path
    /// (<tmpdir>/ompi.<host>.<uid>/jf.0/1/0), and two of them running at
    /// once can fail in MPI_Init when one removes the directory the other
    /// is creating. So such a process gets a directory of its own for its
    /// session (orte_tmpdir_base: xray-mpi-<pid>-XXXXXX in TMPDIR or /tmp),
    /// removed at exit, or by a later start if the process was killed. A
    /// process whose user set either parameter, or that cannot make the
    /// directory, starts as Open MPI would.
    void
    start_single_process_without_daemon()
    {
      if (launcher_rank() != nullptr ||
          std::getenv("OMPI_MCA_ess_singleton_isolated") != nullptr ||
          std::getenv("OMPI_MCA_orte_tmpdir_base") != nullptr)
        return;
      const char       *tmpdir = std::getenv("TMPDIR");
      const std::string tmp =
        tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp";
      remove_stale_session_bases(tmp);
      const std::string base =
        tmp + "/xray-mpi-" + std::to_string(::getpid()) + "-XXXXXX";
      if (base.size() >= sizeof(private_session_base))
        return;
      std::strcpy(private_session_base, base.c_str());
      if (::mkdtemp(private_session_base) == nullptr)
        {
          private_session_base[0] = '\0';
          return;
        }
      std::atexit(remove_private_session_base);
      ::setenv("OMPI_MCA_orte_tmpdir_base", private_session_base, 1);
      ::setenv("OMPI_MCA_ess_singleton_isolated", "1", 1);
    }
  } // namespace


  int
  run_solver(int argc, char **argv, const SolverDescription &solver)
  {
    if (const int status = answer_without_mpi(argc, argv, solver); status >= 0)
      return status;
    start_on_one_node_lightly();
    start_single_process_without_daemon();
    Utilities::MPI::MPI_InitFinalize mpi(argc, argv, 1);
    const bool is_root = Utilities::MPI::this_mpi_process(MPI_COMM_WORLD) == 0;
    // Every rank parses the same input, so every rank fails in the same
    // place: no rank is left waiting in a collective call.
    // The error goes to stderr and into the log.txt of the run it ended
    // (or, if it ended the run before its output was opened, into a fresh
    // log.txt of the output directory the input names, with the earlier
    // run's outputs removed: nothing stale is left looking like a result).
    // --check writes nothing, its errors included.
    bool check_only = false;
    auto report     = [&](const std::string &kind, const std::string &message) {
      if (!is_root)
        return;
      const std::string line = solver.name + ": " + kind + message;
      std::cerr << line << std::endl;
      if (!RunOutput::record_error(line) && !check_only)
        record_failed_run(named_output_directory(argc, argv), line);
    };
    try
      {
        const CommandLine command_line = parse_command_line(argc, argv);
        check_only                     = command_line.check;
        ParameterHandler prm;
        solver.declare_parameters(prm);
        // The input as given (a sweep's without the swept values, which
        // every point reads again): a bad one ends here, and an old name
        // of an entry that it uses is said once.
        read_parameters(prm, command_line);
        warn_about_old_names(solver,
                             deprecated_spellings(prm, command_line),
                             is_root);
        if (command_line.check)
          {
            std::string what = "parameters are valid";
            if (!command_line.sweeps.empty())
              what += " at all " +
                      std::to_string(check_sweep(command_line, solver)) +
                      " sweep points";
            else if (solver.check_parameters)
              solver.check_parameters(prm);
            if (is_root)
              std::cout << solver.name << ": " << command_line.parameter_file
                        << ": " << what << std::endl;
            return exit_status::success;
          }
        if (!command_line.sweeps.empty())
          return run_sweep(command_line, solver);
        return solver.run(prm, command_line);
      }
    catch (const InputError &error)
      {
        report("error: ", one_line(error.what()));
        return exit_status::input_error;
      }
    catch (const SolverError &error)
      {
        report("solver failure: ", one_line(error.what()));
        return exit_status::solver_failure;
      }
    catch (const ExceptionBase &exception)
      {
        report("internal error: ", user_message(exception));
        return exit_status::internal_error;
      }
    catch (const std::exception &exception)
      {
        report("internal error: ", one_line(exception.what()));
        return exit_status::internal_error;
      }
  }
} // namespace xray

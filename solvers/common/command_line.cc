#include "common/command_line.h"

#include "common/build_info.h"
#include "common/output.h"
#include "common/sweep.h"

#include <deal.II/base/exceptions.h>
#include <deal.II/base/utilities.h>

#include <boost/algorithm/string/case_conv.hpp>
#include <boost/program_options.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

namespace xray
{
  namespace po = boost::program_options;

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
    /// The position of the first byte of @p text (from @p from on) that
    /// does not belong to well-formed UTF-8 (RFC 3629: no overlong forms,
    /// no surrogates, nothing above U+10FFFF), or npos if all of it is.
    std::size_t
    first_invalid_utf8(const std::string &text, const std::size_t from = 0)
    {
      const auto byte = [&](std::size_t i) {
        return static_cast<unsigned char>(text[i]);
      };
      for (std::size_t i = from; i < text.size();)
        {
          const unsigned char lead = byte(i);
          std::size_t         length;
          unsigned int        low = 0x80, high = 0xBF; // second byte's range
          if (lead < 0x80)
            length = 1;
          else if (lead >= 0xC2 && lead <= 0xDF)
            length = 2;
          else if (lead >= 0xE0 && lead <= 0xEF)
            {
              length = 3;
              low    = lead == 0xE0 ? 0xA0 : 0x80;
              high   = lead == 0xED ? 0x9F : 0xBF;
            }
          else if (lead >= 0xF0 && lead <= 0xF4)
            {
              length = 4;
              low    = lead == 0xF0 ? 0x90 : 0x80;
              high   = lead == 0xF4 ? 0x8F : 0xBF;
            }
          else
            return i;
          if (i + length > text.size())
            return i;
          for (std::size_t k = 1; k < length; ++k)
            {
              const unsigned int b = byte(i + k);
              if (k == 1 ? (b < low || b > high) : (b < 0x80 || b > 0xBF))
                return i;
            }
          i += length;
        }
      return std::string::npos;
    }

    /// Throws InputError if @p text is not UTF-8: the results (log.txt,
    /// summary.json, the VTU files) are UTF-8, and a name that is not
    /// would only fail when they are written, after the whole run.
    void
    check_utf8(const std::string &text,
               const std::string &where,
               const std::string &advice = "")
    {
      const std::size_t bad = first_invalid_utf8(text);
      if (bad == std::string::npos)
        return;
      std::ostringstream byte;
      byte << std::hex << std::uppercase
           << static_cast<unsigned int>(static_cast<unsigned char>(text[bad]));
      throw InputError(where + ": not UTF-8 text (byte 0x" + byte.str() +
                       " at column " + std::to_string(bad + 1) + ")" + advice);
    }

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
      std::ostringstream json;
      prm.print_parameters(json, ParameterHandler::ShortJSON);
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
    std::map<std::string, std::string> aliases;
    for_each_entry(prm,
                   [&](const std::vector<std::string> &path,
                       const std::string              &name,
                       const std::string              &alias_of) {
                     if (!alias_of.empty())
                       aliases[section_prefix(path) + name] =
                         section_prefix(path) + alias_of;
                   });
    return aliases;
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

  void
  apply_override(ParameterHandler &prm, const std::string &assignment)
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

    std::vector<std::string> parts = Utilities::split_string_list(path, '/');
    if (parts.empty() || parts.back().empty())
      throw InputError("--set \"" + assignment + "\": no parameter name");
    const std::string name = parts.back();
    parts.pop_back();

    unsigned int depth = 0;
    try
      {
        for (const auto &section : parts)
          {
            prm.enter_subsection(section);
            ++depth;
          }
        prm.set(name, value);
        check_underflow("--set \"" + path + "=...\"", value);
      }
    catch (const InputError &)
      {
        for (; depth > 0; --depth)
          prm.leave_subsection();
        throw;
      }
    catch (const ExceptionBase &exception)
      {
        for (; depth > 0; --depth)
          prm.leave_subsection();
        throw InputError("--set \"" + assignment +
                         "\": " + user_message(exception));
      }
    for (; depth > 0; --depth)
      prm.leave_subsection();
  }

  namespace
  {
    /// What the scan of a parameter file and of the files it includes
    /// carries from file to file.
    struct IncludeScan
    {
      /// The entries' old names: the full names of parameter_aliases().
      const std::map<std::string, std::string> &aliases;
      /// The files being read, the parameter file first.
      std::vector<std::filesystem::path> chain;
      /// Every `set` of an entry by its old name, in the order read:
      /// ("FILE:LINE", the old full name).
      std::vector<std::pair<std::string, std::string>> old_names;
    };


    // ParameterHandler keeps the last of two `set` lines of one entry, so a
    // second one in the same file silently replaces the first: a mistake
    // (an edit in the wrong place) more often than an intent. Refuse it,
    // naming both lines; an entry's old name (an alias) counts as the
    // entry. A file may still override what it includes.
    class EntryLedger
    {
    public:
      explicit EntryLedger(IncludeScan &scan)
        : scan(scan)
      {}

      void
      record(const std::string &keyword,
             const std::string &rest,
             const std::string &file,
             const unsigned int line_number)
      {
        const std::string word = boost::algorithm::to_lower_copy(keyword);
        if (word == "subsection")
          sections.push_back(Utilities::trim(rest));
        else if (word == "end" && !sections.empty())
          sections.pop_back();
        else if (word == "set" && rest.find('=') != std::string::npos)
          {
            std::string entry;
            for (const auto &section : sections)
              entry += section + "/";
            entry += Utilities::trim(rest.substr(0, rest.find('=')));
            const auto  alias = scan.aliases.find(entry);
            const auto &target =
              alias != scan.aliases.end() ? alias->second : entry;
            if (alias != scan.aliases.end())
              scan.old_names.emplace_back(file + ":" +
                                            std::to_string(line_number),
                                          entry);
            const auto [first, is_new] =
              first_setting.emplace(target, Setting{line_number, entry});
            if (!is_new)
              throw InputError(
                set_twice(file, target, first->second, {line_number, entry}));
          }
      }

    private:
      /// Where an entry was set, and by which of its names.
      struct Setting
      {
        unsigned int line;
        std::string  name;
      };

      IncludeScan                   &scan;
      std::vector<std::string>       sections;
      std::map<std::string, Setting> first_setting; // by the entry's name

      /// The error for @p target set at @p first and again at @p second,
      /// placed at the first of the two when they spell it differently
      /// (one by its old name): that one is not a forgotten edit but two
      /// names of one entry, and either line may be the one to drop.
      std::string
      set_twice(const std::string &file,
                const std::string &target,
                const Setting     &first,
                const Setting     &second) const
      {
        if (first.name == second.name)
          return file + ":" + std::to_string(second.line) + ": " + second.name +
                 " is set a second time (first at line " +
                 std::to_string(first.line) + "); only the last would count";
        const std::string where = file + ":" + std::to_string(first.line);
        if (first.name != target)
          return where + ": " + first.name + " is the old name of " + target +
                 ", which is also set (line " + std::to_string(second.line) +
                 "); keep one";
        return where + ": " + target + " is also set by its old name " +
               second.name + " (line " + std::to_string(second.line) +
               "); keep one";
      }
    };


    // ParameterHandler follows `include FILE` lines without a limit, so a
    // file that includes itself (directly or through others) would recurse
    // until the stack overflows. Follow the chain first and refuse a cycle.
    // Included names are taken as ParameterHandler takes them (relative to
    // the working directory); one that does not open is left to it.
    void
    check_include_chain(const std::string &file, IncludeScan &scan);

    /// One logical line of @p file (see check_include_chain()): an include
    /// is followed, any other statement goes to the ledger. ParameterHandler
    /// drops the comment, reads a tab as a space and takes `include ` and
    /// `INCLUDE ` (deal.II 9.4, ParameterHandler::scan_line()).
    void
    scan_logical_line(std::string        line,
                      const std::string &file,
                      const unsigned int line_number,
                      EntryLedger       &entries,
                      IncludeScan       &scan)
    {
      const std::string where = file + ":" + std::to_string(line_number);
      line                    = line.substr(0, line.find('#'));
      std::replace(line.begin(), line.end(), '\t', ' ');
      line = Utilities::trim(line);
      if (line.rfind("include ", 0) == 0 || line.rfind("INCLUDE ", 0) == 0)
        {
          const std::string name = Utilities::trim(line.substr(7));
          // A device never ends (/dev/zero) and a pipe may never deliver:
          // like the parameter file, an included one must be a regular
          // file (one that does not exist is left to ParameterHandler,
          // which names it).
          std::error_code error;
          const auto      status = std::filesystem::status(name, error);
          if (std::filesystem::exists(status) &&
              !std::filesystem::is_regular_file(status))
            throw InputError(where + ": `include " + name +
                             "`: not a regular file (a directory, a device "
                             "or a pipe)");
          if (!name.empty())
            check_include_chain(name, scan);
          return;
        }
      std::istringstream words(line);
      std::string        keyword, rest;
      if (words >> keyword)
        {
          std::getline(words, rest);
          entries.record(keyword, rest, file, line_number);
        }
    }

    void
    check_include_chain(const std::string &file, IncludeScan &scan)
    {
      std::error_code             error;
      const std::filesystem::path path =
        std::filesystem::weakly_canonical(file, error);
      for (const auto &earlier : scan.chain)
        if (!error && earlier == path)
          throw InputError(scan.chain.front().string() + ": `include " + file +
                           "` includes a file that is already being read "
                           "(an include cycle)");
      std::ifstream input(file);
      if (!input)
        return;
      scan.chain.push_back(path);
      EntryLedger entries(scan);
      // The lines as ParameterHandler::parse_input() joins them: each one
      // trimmed, and one that then ends in a backslash continued by the
      // next (so `include`, a backslash and a file name on the next line
      // make an include).
      std::string  physical_line, logical_line;
      bool         continued   = false;
      unsigned int line_number = 0, logical_line_number = 0;
      while (std::getline(input, physical_line))
        {
          ++line_number;
          const std::string where = file + ":" + std::to_string(line_number);
          if (line_number == 1 && physical_line.rfind("\xEF\xBB\xBF", 0) == 0)
            throw InputError(where + ": the file starts with a UTF-8 byte "
                                     "order mark (invisible in editors); "
                                     "save it without one");
          // Comments may hold any bytes; what is read must be UTF-8.
          check_utf8(physical_line.substr(0, physical_line.find('#')),
                     where,
                     "; save the file as UTF-8");
          std::string piece = Utilities::trim(physical_line);
          if (!continued)
            {
              logical_line.clear();
              logical_line_number = line_number;
            }
          continued = !piece.empty() && piece.back() == '\\';
          if (continued)
            piece.pop_back();
          logical_line += piece;
          if (!continued)
            scan_logical_line(
              logical_line, file, logical_line_number, entries, scan);
        }
      if (continued) // the last line may end in a backslash
        scan_logical_line(
          logical_line, file, logical_line_number, entries, scan);
      scan.chain.pop_back();
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

  void
  read_parameters(ParameterHandler &prm, const CommandLine &command_line)
  {
    const std::string &file = command_line.parameter_file;
    std::error_code    error;
    const auto         status = std::filesystem::status(file, error);
    if (!std::filesystem::exists(status))
      throw InputError(file + ": parameter file not found");
    if (std::filesystem::is_directory(status))
      throw InputError(file + ": is a directory, not a parameter file");
    if (!std::filesystem::is_regular_file(status))
      throw InputError(file + ": is not a regular file (a parameter file "
                              "is read twice, so it cannot be a pipe)");
    if (!std::ifstream(file))
      throw InputError(
        file + ": cannot read the parameter file: " + std::strerror(errno));
    const std::map<std::string, std::string> aliases = parameter_aliases(prm);
    IncludeScan                              scan{aliases, {}, {}};
    check_include_chain(file, scan);
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
          apply_override(prm, entry + "=" + value); // (which trims it)
      }
    for (const auto &assignment : command_line.overrides)
      apply_override(prm, assignment);
  }


  std::vector<std::string>
  deprecated_spellings(const ParameterHandler &prm,
                       const CommandLine      &command_line)
  {
    const std::map<std::string, std::string> aliases = parameter_aliases(prm);
    std::vector<std::string>                 lines;
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

    IncludeScan scan{aliases, {}, {}};
    check_include_chain(command_line.parameter_file, scan);
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
    /// Whether this process is the first rank of its launcher (or was not
    /// started by one), read from the launcher's environment: what the
    /// answers below need without starting MPI.
    bool
    first_rank_by_environment()
    {
      for (const char *variable :
           {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"})
        if (const char *rank = std::getenv(variable))
          return std::string(rank) == "0";
      return true;
    }

    /// --help, --version and --print-parameters are answered without
    /// starting MPI (its start alone takes about half a second): the exit
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
  } // namespace


  int
  run_solver(int argc, char **argv, const SolverDescription &solver)
  {
    if (const int status = answer_without_mpi(argc, argv, solver); status >= 0)
      return status;
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

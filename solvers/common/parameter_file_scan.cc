// The scan of a parameter file and of the files it includes
// (parameter_file_scan.h): the include chain, the text of every line, the
// names each file uses and the ledger of the entries each file sets; the
// walk of the tree of a .json or .xml file; and the nearest declared name
// to a misspelt one.
#include "common/parameter_file_scan.h"

#include "common/errors.h"
#include "common/file_checks.h"

#include <deal.II/base/utilities.h>

#include <boost/algorithm/string/case_conv.hpp>
// (boost 1.74's JSON reader includes <boost/bind.hpp>, which otherwise
// prints a deprecation note at every build; nothing here uses it.)
#define BOOST_BIND_GLOBAL_PLACEHOLDERS
#include <boost/property_tree/detail/rapidxml.hpp>
#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>
#include <sstream>
#include <utility>

namespace xray
{
  namespace internal
  {
    using namespace dealii;

    namespace
    {
      /// The number of single-character insertions, deletions and
      /// substitutions that turn @p a into @p b, letters compared without
      /// their case: the Levenshtein distance, by the dynamic programme of
      /// Wagner and Fischer (J. ACM 21, 168 (1974)) one row at a time.
      std::size_t
      edit_distance(const std::string &a, const std::string &b)
      {
        const auto same = [](const char x, const char y) {
          return std::tolower(static_cast<unsigned char>(x)) ==
                 std::tolower(static_cast<unsigned char>(y));
        };
        // row[j]: the distance of the first i characters of a to the first
        // j of b.
        std::vector<std::size_t> row(b.size() + 1);
        for (std::size_t j = 0; j <= b.size(); ++j)
          row[j] = j;
        for (std::size_t i = 1; i <= a.size(); ++i)
          {
            std::size_t diagonal = row[0]; // (i-1, j-1)
            row[0]               = i;
            for (std::size_t j = 1; j <= b.size(); ++j)
              {
                const std::size_t above = row[j]; // (i-1, j)
                row[j] =
                  std::min({above + 1,
                            row[j - 1] + 1,
                            diagonal + (same(a[i - 1], b[j - 1]) ? 0 : 1)});
                diagonal = above;
              }
          }
        return row[b.size()];
      }

      /// The first subsection on the path of @p full_name that @p names
      /// does not hold ("Section", "Section/Sub"), or "" if there is none.
      std::string
      missing_section(const std::string &full_name, const DeclaredNames &names)
      {
        std::size_t slash = full_name.find('/');
        while (slash != std::string::npos &&
               names.sections.count(full_name.substr(0, slash)) > 0)
          slash = full_name.find('/', slash + 1);
        return slash == std::string::npos ? "" : full_name.substr(0, slash);
      }

      /// Whether @p name is @p declared without its first subsections
      /// ("Spot HWHM" of "Heat source/Spot HWHM"), letters compared
      /// without their case.
      bool
      is_tail_of(const std::string &name, const std::string &declared)
      {
        return declared.size() > name.size() &&
               declared[declared.size() - name.size() - 1] == '/' &&
               edit_distance(declared.substr(declared.size() - name.size()),
                             name) == 0;
      }


      /// Whether @p names holds @p name: a subsection if @p is_section,
      /// else an entry or an entry's old name.
      bool
      is_declared(const std::string   &name,
                  const DeclaredNames &names,
                  const bool           is_section)
      {
        return is_section ?
                 names.sections.count(name) > 0 :
                 names.entries.count(name) > 0 || names.aliases.count(name) > 0;
      }


      /// The declared name that @p name most likely misspells, or "" if
      /// none is close. An entry's old name counts, but the entry's own
      /// name is the one returned.
      std::string
      closest_name(const std::string   &name,
                   const DeclaredNames &names,
                   const bool           is_section)
      {
        // Each spelling a name may have, with the name to suggest for it:
        // an old name stands for its entry.
        std::map<std::string, std::string> spellings;
        if (is_section)
          for (const auto &section : names.sections)
            spellings.emplace(section, section);
        else
          {
            for (const auto &entry : names.entries)
              spellings.emplace(entry, entry);
            spellings.insert(names.aliases.begin(), names.aliases.end());
          }

        // A misspelling: the nearest name, if it is within a third of the
        // length (farther, a suggestion would be a guess); the first in
        // alphabetical order among equally near ones.
        std::string best;
        std::size_t best_distance = name.size() / 3 + 1;
        for (const auto &[spelling, suggestion] : spellings)
          if (const std::size_t distance = edit_distance(name, spelling);
              distance < best_distance)
            {
              best          = suggestion;
              best_distance = distance;
            }
        if (!best.empty())
          return best;

        // A name given without its subsections: the one declared name that
        // ends in it.
        std::set<std::string> ending_in_name;
        for (const auto &[spelling, suggestion] : spellings)
          if (is_tail_of(name, spelling))
            ending_in_name.insert(suggestion);
        return ending_in_name.size() == 1 ? *ending_in_name.begin() : "";
      }


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
          , sections(scan.sections)
        {}

        /// The subsections open at the line read last.
        const std::vector<std::string> &
        open_sections() const
        {
          return sections;
        }

        void
        record(const std::string &keyword,
               const std::string &rest,
               const std::string &file,
               const unsigned int line_number)
        {
          const std::string word = boost::algorithm::to_lower_copy(keyword);
          // ParameterHandler takes these keywords in lower or in upper case
          // only (deal.II 9.4, ParameterHandler::scan_line()); another
          // spelling is an error it names itself.
          const bool keyword_is_read =
            keyword == word || keyword == boost::algorithm::to_upper_copy(word);
          if (word == "subsection")
            {
              sections.push_back(Utilities::trim(rest));
              if (keyword_is_read && !sections.back().empty())
                require_declared(open_path(), true, file, line_number);
            }
          else if (word == "end" && !sections.empty())
            sections.pop_back();
          else if (word == "set" && rest.find('=') != std::string::npos)
            {
              const std::string entry =
                full_name(Utilities::trim(rest.substr(0, rest.find('='))));
              check_value_length(file + ": line " + std::to_string(line_number),
                                 entry,
                                 Utilities::trim(
                                   rest.substr(rest.find('=') + 1)));
              if (keyword_is_read)
                require_declared(entry, false, file, line_number);
              const auto  alias = scan.names.aliases.find(entry);
              const auto &target =
                alias != scan.names.aliases.end() ? alias->second : entry;
              if (alias != scan.names.aliases.end())
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

        /// The open subsections as one name: "Section/Sub".
        std::string
        open_path() const
        {
          std::string path;
          for (const auto &section : sections)
            path += (path.empty() ? "" : "/") + section;
          return path;
        }

        /// The full name of the entry @p name in the open subsections.
        std::string
        full_name(const std::string &name) const
        {
          return sections.empty() ? name : open_path() + "/" + name;
        }

        /// ParameterHandler refuses a name it does not know with a message
        /// that names neither the subsection it looked in nor what was
        /// meant; refuse it first, naming both.
        void
        require_declared(const std::string &name,
                         const bool         is_section,
                         const std::string &file,
                         const unsigned int line_number) const
        {
          if (!is_declared(name, scan.names, is_section))
            throw InputError(file + ": line " + std::to_string(line_number) +
                             ": " + not_declared(name, scan.names, is_section));
        }

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
            return file + ":" + std::to_string(second.line) + ": " +
                   second.name + " is set a second time (first at line " +
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
            check_regular_if_present(name, where + ": `include " + name + "`");
            if (!name.empty())
              {
                const std::vector<std::string> outer =
                  std::exchange(scan.sections, entries.open_sections());
                check_include_chain(name, scan);
                scan.sections = outer;
              }
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
    } // namespace


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


    namespace
    {
      using Tree = boost::property_tree::ptree;

      /// The ending by which ParameterHandler::parse_input() picks the form
      /// of @p file: what follows its last dot, in lower case (deal.II 9.4).
      std::string
      file_ending(const std::string &file)
      {
        return boost::algorithm::to_lower_copy(
          file.substr(file.find_last_of('.') + 1));
      }

      /// Throws InputError at the first line of @p text, the text of
      /// @p file, that is not UTF-8 (as the lines of a .prm file; the XML
      /// reader does not check it).
      void
      check_utf8_lines(const std::string &text, const std::string &file)
      {
        std::istringstream lines(text);
        std::string        line;
        for (unsigned int number = 1; std::getline(lines, line); ++number)
          check_utf8(line,
                     file + ":" + std::to_string(number),
                     "; save the file as UTF-8");
      }

      /// boost's read_xml() parses without rapidxml's check that a closing
      /// tag names the element it closes, so "<a>1</b>" would be read as
      /// "<a>1</a>". Parse @p text once with that check, and otherwise as
      /// read_xml() does (comments kept); a syntax error is thrown as
      /// read_xml() throws its own, with the line.
      void
      check_closing_tags(const std::string &text, const std::string &file)
      {
        namespace rapidxml = boost::property_tree::detail::rapidxml;
        std::vector<char> buffer(text.begin(), text.end());
        buffer.push_back('\0');
        rapidxml::xml_document<char> document;
        try
          {
            document.parse<rapidxml::parse_validate_closing_tags |
                           rapidxml::parse_comment_nodes>(buffer.data());
          }
        catch (const rapidxml::parse_error &error)
          {
            // (The parse rewrites the buffer in place but moves nothing:
            // the offset is the text's.)
            const auto offset = error.where<char>() - buffer.data();
            const auto line =
              std::count(text.begin(), text.begin() + offset, '\n') + 1;
            throw boost::property_tree::xml_parser_error(error.what(),
                                                         file,
                                                         line);
          }
      }

      /// @p text, the text of @p file, parsed as ParameterHandler parses it
      /// (read_json(), or read_xml() with its default flags); a syntax
      /// error is an InputError naming the line.
      Tree
      parsed_tree(const std::string &text,
                  const std::string &file,
                  const bool         json)
      {
        Tree               tree;
        std::istringstream stream(text);
        try
          {
            if (json)
              boost::property_tree::read_json(stream, tree);
            else
              {
                check_closing_tags(text, file);
                boost::property_tree::read_xml(stream, tree);
              }
          }
        catch (const boost::property_tree::file_parser_error &error)
          {
            throw InputError(file + ": line " + std::to_string(error.line()) +
                             ": not valid " + (json ? "JSON" : "XML") + ": " +
                             error.message());
          }
        return tree;
      }

      /// @p name as ParameterHandler reads it from a tree: "_" and two
      /// lower-case hexadecimal digits stand for that byte, as XML tags
      /// cannot hold a space ("Heat_20source" is "Heat source"; deal.II
      /// 9.4, demangle()); any other character stands for itself.
      std::string
      demangled(const std::string &name)
      {
        const auto digit = [](const char c) {
          return c >= '0' && c <= '9' ? c - '0' :
                 c >= 'a' && c <= 'f' ? c - 'a' + 10 :
                                        -1;
        };
        std::string result;
        for (std::size_t i = 0; i < name.size(); ++i)
          if (name[i] == '_' && i + 2 < name.size() &&
              digit(name[i + 1]) >= 0 && digit(name[i + 2]) >= 0)
            {
              result +=
                static_cast<char>(16 * digit(name[i + 1]) + digit(name[i + 2]));
              i += 2;
            }
          else
            result += name[i];
        return result;
      }

      /// Whether @p node is a JSON array: read_json() gives its items empty
      /// names.
      bool
      is_array(const Tree &node)
      {
        return !node.empty() && node.front().first.empty();
      }


      // The walk of the tree of a .json or .xml file (check_parameter_tree()),
      // node by node as ParameterHandler reads it (deal.II 9.4,
      // read_xml_recursively()): a node without children is an entry whose
      // value is the node's text; one with a child "value" is an entry in
      // the long form that print_parameters() writes; one with a child
      // "alias" is an entry's old name in that form, which sets nothing; any
      // other node is a subsection.
      class TreeWalk
      {
      public:
        TreeWalk(const std::string &file, IncludeScan &scan)
          : file(file)
          , scan(scan)
        {}

        /// The nodes of the subsection @p path ("": the top level).
        void
        walk(const Tree &section, const std::string &path)
        {
          for (const auto &[key, node] : section)
            {
              const std::string name =
                (path.empty() ? "" : path + "/") + demangled(key);
              refuse_unreadable(key, node, name, path);
              if (node.empty())
                set(name, node.data());
              else if (node.get_child_optional("value"))
                set(name, node.get<std::string>("value"));
              else if (node.get_child_optional("alias"))
                require_declared(name, false);
              else
                {
                  require_declared(name, true);
                  walk(node, name);
                }
            }
        }

      private:
        const std::string &file;
        IncludeScan       &scan;

        /// Refuses what a tree can hold but ParameterHandler cannot read:
        /// an XML comment or attribute (it would take either for an entry),
        /// a JSON array, and a "/" in a name (which does not reach the
        /// subsection it names).
        void
        refuse_unreadable(const std::string &key,
                          const Tree        &node,
                          const std::string &name,
                          const std::string &path) const
        {
          namespace xml = boost::property_tree::xml_parser;
          // (Only XML has comments and attributes; its top level is the
          // element <ParameterHandler>.)
          const auto where = [&] {
            return path.empty() ? std::string("<ParameterHandler>") :
                                  "\"" + path + "\"";
          };
          std::string what;
          if (key == xml::xmlcomment<std::string>())
            what = "an XML comment in " + where() +
                   ": a parameter file cannot hold comments; remove it";
          else if (key == xml::xmlattr<std::string>())
            what = "an XML attribute of " + where() +
                   ": a parameter file cannot hold attributes; remove it";
          else if (is_array(node))
            what = "\"" + name +
                   "\" is a JSON array: give its value as one string (a "
                   "list as \"a, b\")";
          else if (demangled(key).find('/') != std::string::npos)
            what = "\"" + name +
                   "\": subsections are nested objects (JSON) or elements "
                   "(XML), not parts of a name";
          if (!what.empty())
            throw InputError(file + ": " + what);
        }

        /// ParameterHandler refuses a name it does not know naming only its
        /// last part; refuse it first, naming all of it.
        void
        require_declared(const std::string &name, const bool is_section) const
        {
          if (!is_declared(name, scan.names, is_section))
            throw InputError(file + ": " +
                             not_declared(name, scan.names, is_section));
        }

        /// The entry @p name, set to @p value: ParameterHandler will set
        /// it (with set(), in this order).
        void
        set(const std::string &name, const std::string &value)
        {
          require_declared(name, false);
          if (scan.names.aliases.count(name) > 0)
            scan.old_names.emplace_back(file, name);
          scan.settings.emplace_back(name, value);
        }
      };
    } // namespace


    void
    check_parameter_tree(const std::string &file, IncludeScan &scan)
    {
      std::ifstream     input(file);
      const std::string text{std::istreambuf_iterator<char>(input),
                             std::istreambuf_iterator<char>()};
      check_utf8_lines(text, file);
      const bool json = file_ending(file) == "json";
      const Tree tree = parsed_tree(text, file, json);
      TreeWalk   walk(file, scan);
      if (json)
        {
          if (tree.empty() ? !tree.data().empty() : is_array(tree))
            throw InputError(file + ": the top level is not a JSON object");
          walk.walk(tree, "");
        }
      // (An XML file holds its entries in one top-level element
      // <ParameterHandler>; ParameterHandler refuses any other, naming it.)
      else if (const auto entries = tree.get_child_optional("ParameterHandler"))
        walk.walk(*entries, "");
    }


    void
    scan_parameter_file(const std::string &file, IncludeScan &scan)
    {
      const std::string ending = file_ending(file);
      if (ending == "json" || ending == "xml")
        check_parameter_tree(file, scan);
      else
        check_include_chain(file, scan);
    }



    std::string
    not_declared(const std::string   &full_name,
                 const DeclaredNames &names,
                 const bool           is_section)
    {
      std::string message =
        (is_section ? "no subsection \"" : "no parameter \"") + full_name +
        "\"";

      // Which part of the name is wrong: a subsection on its path, or the
      // kind of name it is.
      if (const std::string section = missing_section(full_name, names);
          !section.empty())
        message += " (no subsection \"" + section + "\")";
      if (!is_section && names.sections.count(full_name) > 0)
        message += " (a subsection, not a parameter)";
      if (is_section && (names.entries.count(full_name) > 0 ||
                         names.aliases.count(full_name) > 0))
        message += " (a parameter, not a subsection)";

      const std::string meant = closest_name(full_name, names, is_section);
      if (!meant.empty() && meant != full_name)
        message += "; did you mean \"" + meant + "\"?";
      return message + " (every parameter: --print-parameters)";
    }


    std::size_t
    first_invalid_utf8(const std::string &text, const std::size_t from)
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


    void
    check_utf8(const std::string &text,
               const std::string &where,
               const std::string &advice)
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


    void
    check_value_length(const std::string &where,
                       const std::string &entry,
                       const std::string &value)
    {
      constexpr std::size_t max_length = 100000;
      if (value.size() > max_length)
        throw InputError((where.empty() ? "" : where + ": ") + "the value of " +
                         entry + " is " + std::to_string(value.size()) +
                         " characters long; a value may have at most " +
                         std::to_string(max_length));
    }
  } // namespace internal
} // namespace xray

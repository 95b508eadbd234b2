// parameter_fuzzer: the mutations of a seed's text. Most change only
// values (so that the input gets past ParameterHandler to the solvers'
// checks); the others change lines, keywords, bytes and the file's length.
#include "fuzzer.h"

#include <deal.II/base/utilities.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <iomanip>
#include <sstream>

namespace parameter_fuzzer
{
  namespace
  {
    std::string
    join_lines(const std::vector<std::string> &lines)
    {
      std::string text;
      for (const auto &line : lines)
        text += line + '\n';
      return text;
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
  } // namespace


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


  std::string
  Mutator::value()
  {
    if (random.chance(0.3) && !ingredients.seed_values.empty())
      return random.pick(ingredients.seed_values);
    if (random.chance(0.1))
      return random.pick(ingredients.file_names);
    return random.pick(ingredients.dictionary);
  }


  std::string
  Mutator::mutate(std::string        text,
                  const unsigned int solver,
                  const std::string &self,
                  const bool         structure_only)
  {
    const bool         values_only = random.chance(0.6);
    const unsigned int n           = 1 + random.below(4);
    for (unsigned int k = 0; k < n; ++k)
      text = !values_only   ? mutate_once(text, solver, self) :
             structure_only ? replace_tree_value(text) :
                              mutate_value(text);
    return text;
  }


  template <typename Change>
  void
  Mutator::replace_value(std::vector<std::string> &lines, const Change &change)
  {
    const auto candidates = set_lines(lines);
    if (candidates.empty())
      return;
    std::string      &line  = lines[random.pick(candidates)];
    const std::size_t start = value_start(line);
    const std::string old   = line.substr(start, line.find('#', start) - start);
    line = line.substr(0, start) + " " + change(Utilities::trim(old));
  }


  /// One value of @p text replaced, a number in it changed, or a list
  /// made longer or shorter.
  std::string
  Mutator::mutate_value(const std::string &text)
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
  Mutator::replace_tree_value(std::string text)
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
  Mutator::mutate_once(const std::string &text,
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
          replace_value(lines, [this](const std::string &) { return value(); });
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


  /// A number in @p text negated, scaled far, zeroed or shifted by one.
  std::string
  Mutator::tweak_number(std::string text)
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
  Mutator::change_list(const std::string &text)
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
  Mutator::insert_entry(std::vector<std::string> &lines,
                        const unsigned int        solver)
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
  Mutator::mangle_line(std::string &line)
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
  Mutator::change_bytes(std::string text)
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
} // namespace parameter_fuzzer

// The scan of a parameter file and of the files it includes, before
// ParameterHandler reads them (command_line.cc, read_parameters()): the
// include chain (no cycles, only regular files), the text (UTF-8, no byte
// order mark), the names each file uses (declared ones only, with the
// nearest declared name when one is misspelt) and a ledger of the entries
// each file sets (none twice, and where an old name is used). A .json or
// .xml file is a tree instead: its syntax and its names are checked node
// by node. Internal to the shared parameter layer; the solvers use
// command_line.h.
#ifndef XRAY_COMMON_PARAMETER_FILE_SCAN_H
#define XRAY_COMMON_PARAMETER_FILE_SCAN_H

#include <cstddef>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace xray
{
  namespace internal
  {
    /// The names a ParameterHandler declares, each by its full name
    /// ("Section/Sub/Name"): what a name in a parameter file or on the
    /// command line is checked against.
    struct DeclaredNames
    {
      std::set<std::string> entries;
      /// The entries' old names (ParameterHandler::declare_alias()), each
      /// with the full name of the entry it stands for: parameter_aliases().
      std::map<std::string, std::string> aliases;
      /// Every subsection that holds an entry: "Section", "Section/Sub".
      std::set<std::string> sections;
    };

    /// What is wrong with @p full_name, an entry (or with @p is_section a
    /// subsection) that @p names does not hold, in one line: the name, the
    /// first subsection on its path that does not exist, and the declared
    /// name it most likely misspells if one is close.
    std::string
    not_declared(const std::string   &full_name,
                 const DeclaredNames &names,
                 const bool           is_section = false);

    /// What the scan of a parameter file and of the files it includes
    /// carries from file to file.
    struct IncludeScan
    {
      /// What the files may name.
      const DeclaredNames &names;
      /// The files being read, the parameter file first.
      std::vector<std::filesystem::path> chain;
      /// The subsections open at the `include` line of the file being
      /// read: ParameterHandler reads an included file inside them.
      std::vector<std::string> sections;
      /// Every `set` of an entry by its old name, in the order read:
      /// ("FILE:LINE", the old full name; "FILE" in a .json or .xml file,
      /// whose tree has no lines).
      std::vector<std::pair<std::string, std::string>> old_names;
      /// The entries a .json or .xml file sets, in the order in which
      /// ParameterHandler sets them: (full name, value as written).
      std::vector<std::pair<std::string, std::string>> settings;
    };


    /// Scans the parameter file @p file: check_parameter_tree() if
    /// ParameterHandler::parse_input() reads it as a tree (a name ending in
    /// .json or .xml, in any case), else check_include_chain().
    void
    scan_parameter_file(const std::string &file, IncludeScan &scan);


    // ParameterHandler follows `include FILE` lines without a limit, so a
    // file that includes itself (directly or through others) would recurse
    // until the stack overflows. Follow the chain first and refuse a cycle.
    // Included names are taken as ParameterHandler takes them (relative to
    // the working directory); one that does not open is left to it.
    //
    // Throws InputError naming the file and line of what it refuses (a
    // `subsection` or `set` of a name that scan.names does not hold among
    // them); every `set` of an old name is added to scan.old_names.
    void
    check_include_chain(const std::string &file, IncludeScan &scan);

    // ParameterHandler reads a .json or .xml file with boost's read_json()
    // or read_xml() and sets each entry it finds, but refuses a name it does
    // not know naming only its last part, takes an XML comment for an entry,
    // and reads "<a>1</b>" as "<a>1</a>" (deal.II 9.4). Check the file's
    // text (UTF-8, well-formed JSON or XML), then walk its tree as
    // ParameterHandler will.
    //
    // Throws InputError naming the file (and the line of a syntax error)
    // for what it refuses: a name that scan.names does not hold, or what a
    // tree can hold but ParameterHandler cannot read. Adds every entry the
    // file sets to scan.settings, and every old name among them to
    // scan.old_names.
    void
    check_parameter_tree(const std::string &file, IncludeScan &scan);

    /// The position of the first byte of @p text (from @p from on) that
    /// does not belong to well-formed UTF-8 (RFC 3629: no overlong forms,
    /// no surrogates, nothing above U+10FFFF), or npos if all of it is.
    std::size_t
    first_invalid_utf8(const std::string &text, const std::size_t from = 0);

    /// Throws InputError if @p text is not UTF-8: the results (log.txt,
    /// summary.json, the VTU files) are UTF-8, and a name that is not
    /// would only fail when they are written, after the whole run.
    void
    check_utf8(const std::string &text,
               const std::string &where,
               const std::string &advice = "");

    /// Throws InputError if @p value, the value of @p entry set at
    /// @p where (a file and line, or empty), is longer than any parameter
    /// needs (100,000 characters): deal.II 9.4 splits a list in time
    /// quadratic in its length (20,000 layer materials: 0.45 s, 40,000:
    /// 1.7 s, before any check could name what is wrong).
    void
    check_value_length(const std::string &where,
                       const std::string &entry,
                       const std::string &value);
  } // namespace internal
} // namespace xray

#endif

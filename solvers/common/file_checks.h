// What a file named in the input is, looked at before it is read: only a
// regular file is read, since a device (/dev/zero) would be read without
// end and a pipe may block. Used for the parameter file (command_line.cc),
// the files it includes (parameter_file_scan.cc) and the tables a solver
// reads (anode-thermal's Heat source/Depth-dose table and Power table).
#ifndef XRAY_COMMON_FILE_CHECKS_H
#define XRAY_COMMON_FILE_CHECKS_H

#include <string>

namespace xray
{
  /// What a path names.
  enum class FileKind
  {
    /// Nothing, or nothing whose status can be read (left to the reader,
    /// which names the file).
    missing,
    regular,
    directory,
    /// A device, a pipe, a socket, ...
    special
  };

  /// What @p path names (std::filesystem::status(), symbolic links
  /// followed).
  FileKind
  file_kind(const std::string &path);

  /// Throws InputError "@p where: not a regular file (a directory, a device
  /// or a pipe)" if @p path names a directory or a special file. A missing
  /// file passes: its reader reports it.
  void
  check_regular_if_present(const std::string &path, const std::string &where);
} // namespace xray

#endif

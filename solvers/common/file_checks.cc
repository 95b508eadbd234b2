// What a file named in the input is (file_checks.h).
#include "common/file_checks.h"

#include "common/errors.h"

#include <filesystem>
#include <system_error>

namespace xray
{
  FileKind
  file_kind(const std::string &path)
  {
    std::error_code error;
    const auto      status = std::filesystem::status(path, error);
    if (!std::filesystem::exists(status))
      return FileKind::missing;
    if (std::filesystem::is_regular_file(status))
      return FileKind::regular;
    if (std::filesystem::is_directory(status))
      return FileKind::directory;
    return FileKind::special;
  }


  void
  check_regular_if_present(const std::string &path, const std::string &where)
  {
    const FileKind kind = file_kind(path);
    if (kind == FileKind::directory || kind == FileKind::special)
      throw InputError(where + ": not a regular file (a directory, a device "
                               "or a pipe)");
  }
} // namespace xray

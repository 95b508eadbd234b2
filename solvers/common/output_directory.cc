#include "common/output_directory.h"

#include "common/errors.h"

#include <deal.II/base/mpi.templates.h>
#include <deal.II/base/utilities.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>

namespace xray
{
  namespace fs = std::filesystem;
  using namespace dealii;

  namespace
  {
    const std::string lock_name = ".lock";

    std::string
    system_reason(const int error)
    {
      return std::strerror(error);
    }

    /// Takes the directory's lock without waiting: the descriptor, or -1
    /// with @p problem saying why.
    int
    take_lock(const std::string &directory, std::string &problem)
    {
      const std::string file = directory + "/" + lock_name;
      const int         descriptor =
        ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
      if (descriptor < 0)
        {
          problem = "cannot write to the output directory '" + directory +
                    "': " + system_reason(errno);
          return -1;
        }
      if (::flock(descriptor, LOCK_EX | LOCK_NB) != 0)
        {
          const int   error = errno;
          std::string holder;
          std::ifstream(file) >> holder;
          ::close(descriptor);
          problem = error == EWOULDBLOCK ?
                      "the output directory '" + directory +
                        "' is in use by another run" +
                        (holder.empty() ? "" : " (process " + holder + ")") +
                        "; wait for it or choose another Output directory" :
                      "cannot lock the output directory '" + directory +
                        "': " + system_reason(error);
          return -1;
        }
      // The holder's process id, for the message above.
      const std::string pid = std::to_string(::getpid()) + "\n";
      if (::ftruncate(descriptor, 0) == 0)
        {
          [[maybe_unused]] const auto written =
            ::pwrite(descriptor, pid.data(), pid.size(), 0);
        }
      return descriptor;
    }

    /// A directory of the suite's names is removed only if the suite wrote
    /// it (a run's log, a checkpoint's state, the pictures' state file) or
    /// it is empty: an Output directory such as "." must not take a user's
    /// own folder named "pictures" with it.
    bool
    written_by_a_run(const fs::path &path)
    {
      std::error_code error;
      if (!fs::is_directory(path, error))
        return true;
      if (fs::is_empty(path, error))
        return true;
      for (const char *marker :
           {"log.txt", "state.json", "views.pvsm", ".lock"})
        if (fs::exists(path / marker, error))
          return true;
      return false;
    }

    /// Removes what an earlier run wrote; returns a problem or "".
    std::string
    remove_earlier_outputs(const std::string   &directory,
                           const EarlierOutputs earlier)
    {
      std::error_code error;
      for (fs::directory_iterator entry(directory, error), end;
           !error && entry != end;
           entry.increment(error))
        {
          const std::string name = entry->path().filename().string();
          if (!is_run_output(name, earlier) || !written_by_a_run(entry->path()))
            continue;
          std::error_code removal;
          fs::remove_all(entry->path(), removal);
          if (removal)
            return "cannot remove '" + entry->path().string() +
                   "' of an earlier run: " + removal.message();
        }
      if (error)
        return "cannot read the output directory '" + directory +
               "': " + error.message();
      return "";
    }
  } // namespace


  bool
  is_run_output(const std::string &name, const EarlierOutputs earlier)
  {
    static const std::regex solution_piece(
      "solution_[0-9]+(\\.[0-9]+)?\\.(vtu|pvtu)");
    static const std::regex sweep_point("point-[0-9]+");
    const bool              solution_series =
      name == "solution.pvd" || std::regex_match(name, solution_piece);
    const bool checkpoint = name == "checkpoint" || name == "checkpoint.old";
    if (solution_series)
      return earlier != EarlierOutputs::keep_solution_series;
    if (checkpoint)
      return earlier == EarlierOutputs::remove;
    for (const char *file : {"summary.json",
                             "log.txt",
                             "parameters.prm",
                             "particles.csv",
                             "profile.csv",
                             "history.csv",
                             "curves.csv",
                             "plane_average.csv",
                             "sweep.csv",
                             "reference",
                             "pictures"})
      if (name == file)
        return true;
    const std::string partial = ".partial";
    return std::regex_match(name, sweep_point) ||
           (name.size() > partial.size() &&
            name.compare(name.size() - partial.size(),
                         partial.size(),
                         partial) == 0);
  }


  OutputDirectoryClaim::OutputDirectoryClaim(const std::string   &directory,
                                             const MPI_Comm       communicator,
                                             const EarlierOutputs earlier)
  {
    std::string problem;
    if (Utilities::MPI::this_mpi_process(communicator) == 0)
      {
        std::error_code error;
        fs::create_directories(directory, error);
        if (error)
          problem = "cannot create the output directory '" + directory +
                    "': " + error.message();
        else
          lock_descriptor = take_lock(directory, problem);
        if (problem.empty())
          problem = remove_earlier_outputs(directory, earlier);
      }
    problem = Utilities::MPI::broadcast(communicator, problem, 0);
    if (!problem.empty())
      {
        if (lock_descriptor >= 0)
          ::close(lock_descriptor);
        throw InputError(problem);
      }
  }


  OutputDirectoryClaim::~OutputDirectoryClaim()
  {
    if (lock_descriptor >= 0)
      ::close(lock_descriptor); // drops the lock
  }


  void
  record_failed_run(const std::string &directory, const std::string &line)
  {
    std::error_code error;
    if (directory.empty() || !fs::is_directory(directory, error))
      return;
    std::string problem;
    const int   descriptor = take_lock(directory, problem);
    if (descriptor < 0)
      return; // another run's directory: not ours to touch
    if (remove_earlier_outputs(directory, EarlierOutputs::remove).empty())
      std::ofstream(directory + "/log.txt") << line << '\n';
    ::close(descriptor);
  }


  void
  write_file_atomically(const std::string &file_name, const std::string &text)
  {
    const std::string temporary = file_name + ".partial";
    auto              fail = [&](const std::string &what, const int error) {
      ::unlink(temporary.c_str());
      throw InputError("cannot " + what + " " + file_name + ": " +
                       system_reason(error));
    };
    const int descriptor =
      ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (descriptor < 0)
      throw InputError("cannot write " + file_name + ": " +
                       system_reason(errno));
    for (std::size_t done = 0; done < text.size();)
      {
        const ssize_t n =
          ::write(descriptor, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR)
          continue;
        if (n < 0)
          {
            const int error = errno;
            ::close(descriptor);
            fail("write", error);
          }
        done += static_cast<std::size_t>(n);
      }
    // The data must be on the disk before the name points at it, or a
    // crash could leave an empty file under the final name.
    if (::fsync(descriptor) != 0)
      {
        const int error = errno;
        ::close(descriptor);
        fail("write", error);
      }
    if (::close(descriptor) != 0)
      fail("write", errno);
    if (::rename(temporary.c_str(), file_name.c_str()) != 0)
      fail("rename into place", errno);
  }


  void
  throw_if_any_rank_failed(const MPI_Comm     communicator,
                           const std::string &problem)
  {
    const unsigned int n_ranks = Utilities::MPI::n_mpi_processes(communicator);
    const unsigned int rank    = Utilities::MPI::this_mpi_process(communicator);
    const unsigned int first_failed =
      Utilities::MPI::min(problem.empty() ? n_ranks : rank, communicator);
    if (first_failed == n_ranks)
      return;
    throw InputError(
      Utilities::MPI::broadcast(communicator, problem, first_failed));
  }
} // namespace xray

// A run owns its output directory (doc/outputs.md):
//
// * one run at a time: the run's rank 0 holds an advisory lock on
//   DIR/.lock (flock) for as long as it runs; the kernel drops it when the
//   process ends, however it ends, so a killed run leaves no stale lock. A
//   second run into the same directory is refused with one line;
// * nothing of an earlier run survives next to the new one: before it
//   writes anything the run removes every file and directory the suite
//   writes there (summary.json, the solution series, the CSV tables,
//   parameters.prm, log.txt, point-NNN/, reference/, checkpoint/,
//   pictures/, *.partial); anything else in the directory is left alone;
// * every file is written whole or not at all: through a temporary file,
//   flushed to the disk (fsync) and renamed into place; a failed write
//   names the file.
#ifndef XRAY_COMMON_OUTPUT_DIRECTORY_H
#define XRAY_COMMON_OUTPUT_DIRECTORY_H

#include <deal.II/base/mpi.h>

#include <string>

namespace xray
{
  /// What a new run replaces of an earlier one in its directory.
  enum class EarlierOutputs
  {
    /// Everything the suite writes.
    remove,
    /// A continuation (anode-thermal's Time/Restart from): keep the
    /// solution series and the checkpoint it continues from.
    keep_solution_series,
    /// A continuation that writes no fields: keep the checkpoint it
    /// continues from, remove the solution series it would not extend.
    keep_checkpoint
  };

  /// Whether @p name (a file or directory directly in an output directory)
  /// is something the suite writes there, and so goes when a run starts.
  bool
  is_run_output(const std::string &name, EarlierOutputs earlier);

  /// Rank 0's hold on an output directory for the life of this object:
  /// creates the directory, takes its lock and removes the earlier run's
  /// outputs. Collective; throws InputError on every rank, naming the
  /// directory, if it cannot (not writable, in use by another run).
  class OutputDirectoryClaim
  {
  public:
    OutputDirectoryClaim(const std::string &directory,
                         MPI_Comm           communicator,
                         EarlierOutputs     earlier = EarlierOutputs::remove);
    ~OutputDirectoryClaim();

    OutputDirectoryClaim(const OutputDirectoryClaim &) = delete;
    OutputDirectoryClaim &
    operator=(const OutputDirectoryClaim &) = delete;

  private:
    /// The lock file's descriptor (rank 0), -1 elsewhere.
    int lock_descriptor = -1;
  };

  /// A run that failed before or while it wrote: on the calling process
  /// alone (no communication, safe in an error handler), if @p directory
  /// exists and no other run holds it, remove the earlier run's outputs
  /// and leave log.txt with @p line. Failing that, do nothing.
  void
  record_failed_run(const std::string &directory, const std::string &line);

  /// Write @p text to @p file_name through a temporary file that is
  /// flushed to the disk and renamed into place: a reader sees the whole
  /// file or none. Call on one process. Throws InputError naming the file
  /// and the system's reason (disk full, permission, ...).
  void
  write_file_atomically(const std::string &file_name, const std::string &text);

  /// Every rank learns whether any rank met a problem (a non-empty
  /// message): collective; throws InputError with the message of the
  /// lowest such rank on every rank, so no rank is left waiting.
  void
  throw_if_any_rank_failed(MPI_Comm communicator, const std::string &problem);
} // namespace xray

#endif

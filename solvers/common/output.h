// What every run leaves in its output directory: the log, the effective
// parameters, the VTU/PVTU/PVD solution and summary.json. The run owns the
// directory (common/output_directory.h): no other run may write there while
// it runs, the earlier run's outputs are removed when it starts, and every
// file is written whole or not at all, summary.json last, so a run that
// fails leaves none.
#ifndef XRAY_COMMON_OUTPUT_H
#define XRAY_COMMON_OUTPUT_H

#include "common/output_directory.h"

#include <deal.II/base/conditional_ostream.h>
#include <deal.II/base/data_out_base.h>
#include <deal.II/base/mpi.h>
#include <deal.II/base/parameter_handler.h>
#include <deal.II/numerics/data_out.h>

#include <boost/iostreams/stream.hpp>
#include <boost/iostreams/tee.hpp>

#include <nlohmann/json.hpp>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace xray
{
  using namespace dealii;

  class RunOutput
  {
  public:
    /// Claims @p directory (creates it, locks it against other runs and
    /// removes the earlier run's outputs, see OutputDirectoryClaim) and
    /// opens log.txt (rank 0). Throws InputError if it cannot.
    RunOutput(const std::string &directory,
              MPI_Comm           communicator,
              EarlierOutputs     earlier = EarlierOutputs::remove);

    /// A run that ends before its summary.json is written has failed: on
    /// rank 0, removes every result this run wrote (solution pieces and
    /// records, tables; the effective parameters and the log stay, and a
    /// continued solution series keeps its earlier fields), so a failed
    /// run leaves no half-written result; its log is then one of those
    /// record_error() writes to.
    ~RunOutput();

    /// Appends @p line (the error that ended the runs) to the log.txt of
    /// every run left by an exception since the last call (rank 0).
    /// Returns whether there was one.
    static bool
    record_error(const std::string &line);

    /// Lines that every log.txt this process opens from now on holds after
    /// the line naming the code: the warnings about the input (an entry
    /// set by its old name) that the terminal showed before any run opened
    /// its output.
    static void
    set_input_warnings(const std::vector<std::string> &lines);

    /// Prints on rank 0 to the terminal and to log.txt.
    ConditionalOStream &
    log()
    {
      return *log_stream;
    }

    std::string
    path(const std::string &file_name) const
    {
      return directory + "/" + file_name;
    }

    /// The parameters in force, as a .prm file that reproduces the run.
    void
    write_parameters(const ParameterHandler &prm) const;

    /// solution.pvd -> solution_NNN.pvtu -> one .vtu piece per rank. Each
    /// call adds the field at @p time to the series of solution.pvd
    /// (NNN counts the calls from 000).
    template <int dim>
    void
    write_solution(DataOut<dim> &data_out, double time = 0) const;

    /// (time, .pvtu file name relative to the directory) of every field
    /// written so far.
    const std::vector<std::pair<double, std::string>> &
    solution_series() const
    {
      return time_series;
    }

    /// A continued run: the series starts with these earlier fields (file
    /// names relative to the directory) and counts on from their number.
    void
    continue_solution_series(
      const std::vector<std::pair<double, std::string>> &earlier) const
    {
      time_series      = earlier;
      n_earlier_fields = earlier.size();
    }

    /// Atomic: a reader sees the whole file or none. Collective. Adds the
    /// key "build" (build_json(): version, git revision, libraries).
    void
    write_summary(const nlohmann::json &summary) const;

    /// The summary (with its "build" key) that the last write_summary() on
    /// this process wrote, and forgets it: null if none since the last
    /// call. What a sweep puts in its sweep.csv, without reading the file
    /// back.
    static nlohmann::json
    take_last_summary();

    /// Writes @p text (rank 0's; the others' is ignored) to @p file_name in
    /// the directory, atomically. Collective: a failure ends every rank.
    void
    write_table(const std::string &file_name, const std::string &text) const;

  private:
    using TeeDevice = boost::iostreams::tee_device<std::ostream, std::ofstream>;

    const std::string                                    directory;
    const MPI_Comm                                       communicator;
    const bool                                           is_root;
    OutputDirectoryClaim                                 claim;
    std::ofstream                                        log_file;
    std::unique_ptr<boost::iostreams::stream<TeeDevice>> tee;
    std::unique_ptr<ConditionalOStream>                  log_stream;
    /// (time, .pvtu file) of every field written so far.
    mutable std::vector<std::pair<double, std::string>> time_series;
    /// How many fields of time_series an earlier run wrote.
    mutable std::size_t n_earlier_fields = 0;
    /// Files (relative to the directory) this run has written, on rank 0:
    /// what a failed run removes.
    mutable std::vector<std::string> written;
    /// Whether summary.json has been written: the run is complete.
    mutable bool complete = false;

    /// Removes what this run wrote but parameters.prm and the log.
    void
    remove_results() const noexcept;
  };


  template <int dim>
  void
  RunOutput::write_solution(DataOut<dim> &data_out, const double time) const
  {
    // Each rank writes its piece whole or not at all; rank 0 the record
    // that lists them. A failure on any rank ends every rank.
    const unsigned int n_ranks = Utilities::MPI::n_mpi_processes(communicator);
    const std::string  stem =
      "solution_" + Utilities::int_to_string(time_series.size(), 3);
    std::string problem;
    try
      {
        std::ostringstream piece;
        data_out.write_vtu(piece);
        write_file_atomically(
          path(stem + "." +
               std::to_string(Utilities::MPI::this_mpi_process(communicator)) +
               ".vtu"),
          piece.str());
      }
    catch (const std::exception &error)
      {
        problem = error.what();
      }
    std::vector<std::string> pieces;
    for (unsigned int rank = 0; rank < n_ranks; ++rank)
      pieces.push_back(stem + "." + std::to_string(rank) + ".vtu");
    if (is_root)
      written.insert(written.end(), pieces.begin(), pieces.end());
    throw_if_any_rank_failed(communicator, problem);

    time_series.emplace_back(time, stem + ".pvtu");
    if (is_root)
      try
        {
          written.push_back(stem + ".pvtu");
          written.push_back("solution.pvd");
          std::ostringstream record;
          data_out.write_pvtu_record(record, pieces);
          write_file_atomically(path(stem + ".pvtu"), record.str());
          std::ostringstream pvd;
          DataOutBase::write_pvd_record(pvd, time_series);
          write_file_atomically(path("solution.pvd"), pvd.str());
        }
      catch (const std::exception &error)
        {
          problem = error.what();
        }
    throw_if_any_rank_failed(communicator, problem);
  }
} // namespace xray

#endif

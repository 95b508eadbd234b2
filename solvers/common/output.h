// What every run leaves in its output directory: the log, the effective
// parameters, the VTU/PVTU/PVD solution and summary.json. summary.json is
// written last and atomically (a temporary file renamed into place), and a
// stale one is removed when a run starts, so a run that fails leaves none.
#ifndef XRAY_COMMON_OUTPUT_H
#define XRAY_COMMON_OUTPUT_H

#include <deal.II/base/conditional_ostream.h>
#include <deal.II/base/data_out_base.h>
#include <deal.II/base/mpi.h>
#include <deal.II/base/parameter_handler.h>
#include <deal.II/numerics/data_out.h>

#include <boost/iostreams/stream.hpp>
#include <boost/iostreams/tee.hpp>

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace xray
{
  using namespace dealii;

  /// Write @p text to @p file_name through a temporary file renamed into
  /// place: a reader sees the whole file or none. Call on one rank.
  void
  write_file_atomically(const std::string &file_name, const std::string &text);

  class RunOutput
  {
  public:
    /// Creates @p directory, removes a stale summary.json and solution.pvd
    /// and opens log.txt (rank 0). Throws InputError if it cannot.
    RunOutput(const std::string &directory, MPI_Comm communicator);

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
      time_series = earlier;
    }

    /// Atomic: a reader sees the whole file or none.
    void
    write_summary(const nlohmann::json &summary) const;

  private:
    using TeeDevice = boost::iostreams::tee_device<std::ostream, std::ofstream>;

    const std::string                         directory;
    const MPI_Comm                            communicator;
    const bool                                is_root;
    std::ofstream                             log_file;
    std::unique_ptr<boost::iostreams::stream<TeeDevice>> tee;
    std::unique_ptr<ConditionalOStream>       log_stream;
    /// (time, .pvtu file) of every field written so far.
    mutable std::vector<std::pair<double, std::string>> time_series;
  };


  template <int dim>
  void
  RunOutput::write_solution(DataOut<dim> &data_out, const double time) const
  {
    const std::string pvtu = data_out.write_vtu_with_pvtu_record(
      directory + "/", "solution", time_series.size(), communicator, 3, 0);
    time_series.emplace_back(time, pvtu);
    if (is_root)
      {
        std::ostringstream pvd;
        DataOutBase::write_pvd_record(pvd, time_series);
        write_file_atomically(path("solution.pvd"), pvd.str());
      }
  }
} // namespace xray

#endif

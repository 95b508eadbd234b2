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
#include <memory>
#include <string>

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

    /// solution.pvd -> solution_000.pvtu -> one .vtu piece per rank.
    template <int dim>
    void
    write_solution(DataOut<dim> &data_out) const;

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
  };


  template <int dim>
  void
  RunOutput::write_solution(DataOut<dim> &data_out) const
  {
    const std::string pvtu = data_out.write_vtu_with_pvtu_record(
      directory + "/", "solution", 0, communicator, 3, 0);
    if (is_root)
      {
        std::ofstream pvd(path("solution.pvd"));
        DataOutBase::write_pvd_record(pvd, {{0., pvtu}});
      }
  }
} // namespace xray

#endif

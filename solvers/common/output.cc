#include "common/output.h"

#include "common/build_info.h"
#include "common/errors.h"

#include <filesystem>
#include <system_error>

namespace xray
{
  namespace
  {

    /// Logs of the runs left by an exception (rank 0), for record_error().
    std::vector<std::string> failed_run_logs;
    /// What the last write_summary() wrote, for take_last_summary().
    nlohmann::json last_summary;
    /// For set_input_warnings().
    std::vector<std::string> input_warnings;
  } // namespace


  RunOutput::RunOutput(const std::string   &directory_,
                       MPI_Comm             communicator_,
                       const EarlierOutputs earlier)
    : directory(directory_.empty() ? std::string(".") : directory_)
    , communicator(communicator_)
    , is_root(Utilities::MPI::this_mpi_process(communicator_) == 0)
    , claim(directory, communicator_, earlier)
  {
    std::string problem;
    if (is_root)
      {
        log_file.open(path("log.txt"));
        if (!log_file)
          problem = "cannot write " + path("log.txt");
      }
    problem = Utilities::MPI::broadcast(communicator, problem, 0);
    if (!problem.empty())
      throw InputError(problem);

    if (is_root)
      {
        tee = std::make_unique<boost::iostreams::stream<TeeDevice>>(
          TeeDevice(std::cout, log_file));
        log_stream = std::make_unique<ConditionalOStream>(*tee, true);
      }
    else
      log_stream = std::make_unique<ConditionalOStream>(std::cout, false);
    // Every log names the code that wrote it, then what the terminal said
    // about the input before the run began.
    if (is_root)
      {
        log_file << "X-ray target suite " << build_description() << '\n';
        for (const std::string &line : input_warnings)
          log_file << line << '\n';
      }
  }


  void
  RunOutput::set_input_warnings(const std::vector<std::string> &lines)
  {
    input_warnings = lines;
  }


  RunOutput::~RunOutput()
  {
    if (!is_root || complete)
      return;
    remove_results();
    if (log_file.is_open())
      failed_run_logs.push_back(path("log.txt"));
  }


  void
  RunOutput::remove_results() const noexcept
  {
    try
      {
        std::error_code ignored;
        for (const std::string &file : written)
          if (file != "parameters.prm")
            {
              std::filesystem::remove(path(file), ignored);
              std::filesystem::remove(path(file + ".partial"), ignored);
            }
        // A continuation's solution.pvd lists the earlier run's fields
        // again, which stay.
        if (n_earlier_fields > 0)
          {
            std::ostringstream pvd;
            DataOutBase::write_pvd_record(
              pvd,
              std::vector<std::pair<double, std::string>>(time_series.begin(),
                                                          time_series.begin() +
                                                            n_earlier_fields));
            write_file_atomically(path("solution.pvd"), pvd.str());
          }
      }
    catch (...)
      {
        // Best effort: the run is failing already and says why.
      }
  }


  bool
  RunOutput::record_error(const std::string &line)
  {
    bool any = false;
    for (const std::string &log : failed_run_logs)
      {
        std::ofstream file(log, std::ios::app);
        file << line << std::endl;
        any = any || bool(file);
      }
    failed_run_logs.clear();
    return any;
  }


  void
  RunOutput::write_parameters(const ParameterHandler &prm) const
  {
    std::ostringstream file;
    if (is_root)
      {
        file << "# Effective parameters of this run (defaults, the input "
                "file and --set overrides).\n";
        // (In declaration order: sorting the tree for the print took about
        // two thirds of its time, and a sweep writes one per point.)
        prm.print_parameters(file,
                             ParameterHandler::OutputStyle(
                               ParameterHandler::ShortPRM |
                               ParameterHandler::KeepDeclarationOrder));
      }
    write_table("parameters.prm", file.str());
  }


  void
  RunOutput::write_summary(const nlohmann::json &summary) const
  {
    nlohmann::json with_build = summary;
    with_build["build"]       = build_json();
    std::string text;
    if (is_root)
      try
        {
          text = with_build.dump(2) + "\n";
        }
      catch (const nlohmann::json::exception &error)
        {
          // Only text that is not UTF-8 makes dump() fail; the input
          // checks refuse it, so this is the code's fault.
          throw std::logic_error("summary.json: " + std::string(error.what()));
        }
    write_table("summary.json", text);
    complete     = true;
    last_summary = std::move(with_build);
  }


  nlohmann::json
  RunOutput::take_last_summary()
  {
    nlohmann::json summary;
    std::swap(summary, last_summary);
    return summary;
  }


  void
  RunOutput::write_table(const std::string &file_name,
                         const std::string &text) const
  {
    std::string problem;
    if (is_root)
      try
        {
          written.push_back(file_name);
          write_file_atomically(path(file_name), text);
        }
      catch (const std::exception &error)
        {
          problem = error.what();
        }
    throw_if_any_rank_failed(communicator, problem);
  }
} // namespace xray

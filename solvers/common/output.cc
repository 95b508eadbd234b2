#include "common/output.h"

#include "common/command_line.h"

#include <filesystem>

namespace xray
{
  namespace fs = std::filesystem;

  RunOutput::RunOutput(const std::string &directory_, MPI_Comm communicator_)
    : directory(directory_.empty() ? std::string(".") : directory_)
    , communicator(communicator_)
    , is_root(Utilities::MPI::this_mpi_process(communicator_) == 0)
  {
    std::string problem;
    if (is_root)
      {
        std::error_code error;
        fs::create_directories(directory, error);
        if (error)
          problem = "cannot create the output directory '" + directory +
                    "': " + error.message();
        else
          {
            fs::remove(path("summary.json"), error);
            fs::remove(path("solution.pvd"), error);
            log_file.open(path("log.txt"));
            if (!log_file)
              problem = "cannot write to the output directory '" + directory + "'";
          }
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
  }

  void
  RunOutput::write_parameters(const ParameterHandler &prm) const
  {
    if (!is_root)
      return;
    std::ofstream file(path("parameters.prm"));
    file << "# Effective parameters of this run (defaults, the input file and "
            "--set overrides).\n";
    prm.print_parameters(file, ParameterHandler::ShortPRM);
  }

  void
  RunOutput::write_summary(const nlohmann::json &summary) const
  {
    if (is_root)
      write_file_atomically(path("summary.json"), summary.dump(2) + "\n");
  }


  void
  write_file_atomically(const std::string &file_name, const std::string &text)
  {
    const std::string temporary = file_name + ".partial";
    {
      std::ofstream file(temporary);
      file << text;
      if (!file)
        throw std::runtime_error("cannot write " + temporary);
    }
    fs::rename(temporary, file_name);
  }
} // namespace xray

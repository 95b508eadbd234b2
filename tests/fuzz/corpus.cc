// parameter_fuzzer: the seed inputs (every parameter file of the corpus,
// each with the solvers that read it and its command line) and the .args
// files that hold a case's solver and command line.
#include "fuzzer.h"

#include <deal.II/base/utilities.h>

#include <algorithm>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <stdexcept>

namespace parameter_fuzzer
{
  namespace
  {
    /// Arguments may hold any byte; the .args file is text: a backslash and
    /// every byte outside printable ASCII are written as \xNN.
    std::string
    escape(const std::string &bytes)
    {
      std::ostringstream text;
      for (const char c : bytes)
        {
          const auto byte = static_cast<unsigned char>(c);
          if (byte == '\\' || byte < 0x20 || byte >= 0x7f)
            text << "\\x" << std::hex << std::setw(2) << std::setfill('0')
                 << static_cast<unsigned int>(byte) << std::dec;
          else
            text << c;
        }
      return text.str();
    }

    std::string
    unescape(const std::string &text)
    {
      std::string bytes;
      for (std::size_t i = 0; i < text.size(); ++i)
        if (text[i] == '\\' && i + 3 < text.size() && text[i + 1] == 'x')
          {
            bytes +=
              static_cast<char>(std::stoi(text.substr(i + 2, 2), nullptr, 16));
            i += 3;
          }
        else
          bytes += text[i];
      return bytes;
    }


    std::string
    read_bytes(const std::string &path)
    {
      std::ifstream      file(path, std::ios::binary);
      std::ostringstream bytes;
      bytes << file.rdbuf();
      return bytes.str();
    }

    int
    solver_index(const std::vector<SolverDescription> &solvers,
                 const std::string                    &name)
    {
      for (unsigned int s = 0; s < solvers.size(); ++s)
        if (solvers[s].name == name)
          return static_cast<int>(s);
      return -1;
    }


    /// Whether @p solver's declared entries accept the file: the file is
    /// read without error (its values are not checked).
    bool
    accepts(const SolverDescription &solver, const std::string &path)
    {
      try
        {
          ParameterHandler prm;
          read_seed(solver, path, prm);
          return true;
        }
      catch (const std::exception &)
        {
          return false;
        }
    }


    /// A parameter file by its extension, as ParameterHandler::parse_input()
    /// tells the forms apart.
    bool
    is_parameter_file(const fs::path &path)
    {
      const std::string extension = path.extension().string();
      return extension == ".prm" || extension == ".json" || extension == ".xml";
    }
  } // namespace


  std::string
  args_file_text(const Case &c, const std::vector<SolverDescription> &solvers)
  {
    std::string text = "# parameter_fuzzer case: solver and command line of "
                       "the file beside this one\n";
    text += "solver " + solvers[c.solver].name + "\n";
    for (const auto &argument : c.arguments)
      text += "arg " + escape(argument) + "\n";
    return text;
  }


  void
  read_seed(const SolverDescription &solver,
            const std::string       &path,
            ParameterHandler        &prm)
  {
    solver.declare_parameters(prm);
    CommandLine command_line;
    command_line.parameter_file = path;
    read_parameters(prm, command_line);
  }


  Seed
  load_seed(const std::string                    &path,
            const std::vector<SolverDescription> &solvers)
  {
    Seed seed;
    seed.path = path;
    seed.text = read_bytes(path);

    std::ifstream args(path + ".args");
    std::string   line;
    while (std::getline(args, line))
      if (line.rfind("solver ", 0) == 0)
        {
          const int s = solver_index(solvers, line.substr(7));
          if (s < 0)
            throw std::runtime_error(path + ".args: unknown solver '" +
                                     line.substr(7) + "'");
          seed.solvers = {static_cast<unsigned int>(s)};
        }
      else if (line.rfind("arg ", 0) == 0)
        seed.arguments.push_back(unescape(line.substr(4)));

    const std::string marker = "# solver:";
    if (seed.solvers.empty() && seed.text.rfind(marker, 0) == 0)
      {
        const std::string name = Utilities::trim(
          seed.text.substr(marker.size(),
                           seed.text.find('\n') - marker.size()));
        const int s = solver_index(solvers, name);
        if (s < 0)
          throw std::runtime_error(path + ": unknown solver '" + name + "'");
        seed.solvers = {static_cast<unsigned int>(s)};
      }
    if (seed.solvers.empty())
      for (unsigned int s = 0; s < solvers.size(); ++s)
        if (accepts(solvers[s], path))
          seed.solvers.push_back(s);
    if (seed.solvers.empty())
      for (unsigned int s = 0; s < solvers.size(); ++s)
        seed.solvers.push_back(s);
    return seed;
  }


  std::vector<Seed>
  load_corpus(const std::vector<std::string>       &directories,
              const std::vector<SolverDescription> &solvers)
  {
    std::vector<std::string> paths;
    for (const auto &directory : directories)
      for (const auto &entry : fs::directory_iterator(directory))
        if (entry.is_regular_file() && is_parameter_file(entry.path()))
          paths.push_back(entry.path().string());
    std::sort(paths.begin(), paths.end()); // the same order on every run
    std::vector<Seed> seeds;
    for (const auto &path : paths)
      seeds.push_back(load_seed(path, solvers));
    return seeds;
  }


  std::string
  tree_form(const std::string       &path,
            const SolverDescription &solver,
            const bool               json)
  {
    try
      {
        ParameterHandler prm;
        read_seed(solver, path, prm);
        std::ostringstream text;
        prm.print_parameters(text,
                             json ? ParameterHandler::JSON :
                                    ParameterHandler::XML);
        return text.str();
      }
    catch (const std::exception &)
      {
        return "";
      }
  }
} // namespace parameter_fuzzer

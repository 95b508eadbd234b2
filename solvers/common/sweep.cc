#include "common/sweep.h"

#include "common/output.h"

#include <deal.II/base/mpi.h>
#include <deal.II/base/timer.h>
#include <deal.II/base/utilities.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>
#include <utility>
#include <vector>

namespace xray
{
  namespace
  {
    /// A CSV field, quoted when it holds a comma, quote or newline.
    std::string
    csv_field(const std::string &text)
    {
      if (text.find_first_of(",\"\n") == std::string::npos)
        return text;
      std::string quoted = "\"";
      for (const char c : text)
        quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
      return quoted + "\"";
    }

    std::string
    csv_value(const nlohmann::json &value)
    {
      if (value.is_null())
        return "";
      if (value.is_string())
        return csv_field(value.get<std::string>());
      if (value.is_number_float())
        {
          std::ostringstream text;
          text << std::setprecision(10) << value.get<double>();
          return text.str();
        }
      return csv_field(value.dump());
    }

    std::string
    status_name(const int status)
    {
      switch (status)
        {
          case exit_status::success:
            return "ok";
          case exit_status::limit_exceeded:
            return "limit exceeded";
          case exit_status::solver_failure:
            return "solver failure";
          default:
            return "error";
        }
    }
  } // namespace


  SweepAxis
  parse_sweep(const std::string &text)
  {
    const auto equals = text.find('=');
    if (equals == std::string::npos)
      throw InputError("--sweep \"" + text +
                       "\": expected \"Section/Name=value; value; ...\"");
    SweepAxis axis;
    axis.parameter = Utilities::trim(text.substr(0, equals));
    for (const auto &value :
         Utilities::split_string_list(text.substr(equals + 1), ';'))
      if (!value.empty())
        axis.values.push_back(value);
    if (axis.parameter.empty() || axis.values.empty())
      throw InputError("--sweep \"" + text +
                       "\": needs a parameter and at least one value");
    return axis;
  }


  namespace
  {
    /// The swept axes of a command line, checked for what cannot be swept.
    std::vector<SweepAxis>
    sweep_axes(const CommandLine &command_line)
    {
      std::vector<SweepAxis> axes;
      for (const auto &text : command_line.sweeps)
        axes.push_back(parse_sweep(text));
      if (axes.size() > 2)
        throw InputError("--sweep: at most two swept parameters");
      // The second axis would overwrite the first, and sweep.csv would
      // label the points with values that were not used.
      if (axes.size() == 2 && axes[0].parameter == axes[1].parameter)
        throw InputError("--sweep: \"" + axes[0].parameter +
                         "\" is swept twice; give all its values to one "
                         "--sweep");
      // Each point writes into point-NNN of the run's output directory.
      for (const SweepAxis &axis : axes)
        if (axis.parameter == "Output directory")
          throw InputError("--sweep: \"Output directory\" cannot be swept "
                           "(each point writes into point-NNN of it); set it "
                           "with --set");
      return axes;
    }

    /// One point of the grid: its assignments, a label for messages and
    /// the command line that runs it into DIRECTORY/point-NNN.
    struct SweepPoint
    {
      std::vector<std::string> assignments;
      std::string              label;
      std::string              directory;
      CommandLine              command_line;
    };

    unsigned int
    n_sweep_points(const std::vector<SweepAxis> &axes)
    {
      return axes[0].values.size() *
             (axes.size() > 1 ? axes[1].values.size() : 1);
    }

    SweepPoint
    sweep_point(const CommandLine            &command_line,
                const std::vector<SweepAxis> &axes,
                const std::string            &directory,
                const unsigned int            point)
    {
      const unsigned int n_second = axes.size() > 1 ? axes[1].values.size() : 1;
      SweepPoint         result;
      result.assignments.push_back(axes[0].parameter + "=" +
                                   axes[0].values[point / n_second]);
      if (axes.size() > 1)
        result.assignments.push_back(axes[1].parameter + "=" +
                                     axes[1].values[point % n_second]);
      std::ostringstream name;
      name << "point-" << std::setw(3) << std::setfill('0') << point;
      result.directory = directory + "/" + name.str();
      for (const auto &assignment : result.assignments)
        result.label += (result.label.empty() ? "" : ", ") + assignment;

      result.command_line = command_line;
      result.command_line.sweeps.clear();
      for (const auto &assignment : result.assignments)
        result.command_line.overrides.push_back(assignment);
      result.command_line.overrides.push_back("Output directory=" +
                                              result.directory);
      return result;
    }

    /// The sweep's output directory, from the file and the --set overrides.
    std::string
    sweep_directory(const CommandLine       &command_line,
                    const SolverDescription &solver)
    {
      ParameterHandler base;
      solver.declare_parameters(base);
      read_parameters(base, command_line);
      return base.get("Output directory");
    }

    /// An input error of one point, named by the point.
    InputError
    point_error(const unsigned int    point,
                const SweepPoint     &sweep,
                const std::exception &error)
    {
      return InputError("sweep point " + std::to_string(point) + " (" +
                        sweep.label + "): " + error.what());
    }

    /// sweep.csv's header: the point, each swept parameter, the status and
    /// the solver's summary columns.
    std::string
    sweep_csv_header(const std::vector<SweepAxis> &axes,
                     const SolverDescription      &solver)
    {
      std::ostringstream csv;
      csv << "point";
      for (const auto &axis : axes)
        csv << ',' << csv_field(axis.parameter);
      csv << ",status";
      // (A JSON pointer's column is named by its last key.)
      for (const auto &column : solver.sweep_columns)
        csv << ',' << column.substr(column.rfind('/') + 1);
      csv << '\n';
      return csv.str();
    }

    /// One point's row of sweep.csv: its values, status and summary.json
    /// entries as written (empty if the point failed).
    std::string
    sweep_csv_row(const unsigned int       point,
                  const SweepPoint        &sweep,
                  const int                status,
                  const nlohmann::json    &summary,
                  const SolverDescription &solver)
    {
      std::ostringstream csv;
      csv << point;
      for (const auto &assignment : sweep.assignments)
        csv << ','
            << csv_field(
                 Utilities::trim(assignment.substr(assignment.find('=') + 1)));
      csv << ',' << status_name(status);
      for (const auto &column : solver.sweep_columns)
        {
          const nlohmann::json::json_pointer entry(
            column.front() == '/' ? column : '/' + column);
          csv << ','
              << (summary.contains(entry) ? csv_value(summary[entry]) : "");
        }
      csv << '\n';
      return csv.str();
    }

    /// Runs one point from its checked parameters PRM; its exit status.
    /// An input error ends the sweep (named by the point); a solver failure
    /// is the point's status, and its one line goes to the terminal and the
    /// error record.
    int
    run_sweep_point(
      const unsigned int                                                 point,
      const SweepPoint                                                  &sweep,
      ParameterHandler                                                  &prm,
      const SolverDescription                                           &solver,
      const std::function<int(ParameterHandler &, const CommandLine &)> &run,
      const bool is_root)
    {
      try
        {
          return run(prm, sweep.command_line);
        }
      catch (const InputError &error)
        {
          throw point_error(point, sweep, error);
        }
      catch (const SolverError &error)
        {
          if (is_root)
            {
              const std::string line =
                solver.name + ": sweep point " + std::to_string(point) + " (" +
                sweep.label + "): solver failure: " + one_line(error.what());
              std::cerr << line << std::endl;
              RunOutput::record_error(line);
            }
          return exit_status::solver_failure;
        }
    }

    /// Every point of the sweep in DIRECTORY, its parameters read and
    /// checked (SolverDescription::check_parameters); throws InputError
    /// naming the first bad point. A run takes each point's parameters
    /// from here rather than reading them again.
    std::vector<std::pair<SweepPoint, std::unique_ptr<ParameterHandler>>>
    read_sweep_points(const CommandLine            &command_line,
                      const SolverDescription      &solver,
                      const std::vector<SweepAxis> &axes,
                      const std::string            &directory)
    {
      std::vector<std::pair<SweepPoint, std::unique_ptr<ParameterHandler>>>
                         points;
      const unsigned int n_points = n_sweep_points(axes);
      for (unsigned int point = 0; point < n_points; ++point)
        {
          SweepPoint sweep = sweep_point(command_line, axes, directory, point);
          auto       prm   = std::make_unique<ParameterHandler>();
          try
            {
              solver.declare_parameters(*prm);
              read_parameters(*prm, sweep.command_line);
              if (solver.check_parameters)
                solver.check_parameters(*prm);
            }
          catch (const InputError &error)
            {
              throw point_error(point, sweep, error);
            }
          points.emplace_back(std::move(sweep), std::move(prm));
        }
      return points;
    }
  } // namespace


  unsigned int
  check_sweep(const CommandLine &command_line, const SolverDescription &solver)
  {
    const std::vector<SweepAxis> axes = sweep_axes(command_line);
    return read_sweep_points(command_line,
                             solver,
                             axes,
                             sweep_directory(command_line, solver))
      .size();
  }


  int
  run_sweep(const CommandLine &command_line, const SolverDescription &solver)
  {
    const MPI_Comm communicator = MPI_COMM_WORLD;
    const bool is_root = Utilities::MPI::this_mpi_process(communicator) == 0;

    // Check every point before any work: a bad value at the last point
    // must not leave the first points' results behind.
    const std::vector<SweepAxis> axes = sweep_axes(command_line);
    const std::string directory       = sweep_directory(command_line, solver);
    const auto        points =
      read_sweep_points(command_line, solver, axes, directory);
    const unsigned int n_points = points.size();
    const std::string  csv_name = directory + "/sweep.csv";
    // The sweep owns its directory while it runs: no other run may write
    // there, and the earlier sweep's sweep.csv and point-NNN are gone
    // (every rank learns if that fails).
    const OutputDirectoryClaim claim(directory, communicator);

    std::string csv = sweep_csv_header(axes, solver);

    const auto run_point =
      solver.make_sweep_runner ? solver.make_sweep_runner() : solver.run;
    int worst = exit_status::success;
    RunOutput::take_last_summary(); // none of an earlier run
    Timer sweep_clock;              // wall time since the first point
    for (unsigned int point = 0; point < n_points; ++point)
      {
        const double      point_start = sweep_clock.wall_time();
        const SweepPoint &sweep       = points[point].first;
        if (is_root)
          std::cout << "Sweep point " << point + 1 << " of " << n_points << ": "
                    << sweep.label << std::endl;
        const int status = run_sweep_point(
          point, sweep, *points[point].second, solver, run_point, is_root);
        if (status == exit_status::solver_failure ||
            (status == exit_status::limit_exceeded &&
             worst == exit_status::success))
          worst = status;
        csv += sweep_csv_row(
          point, sweep, status, RunOutput::take_last_summary(), solver);

        // Progress: the point's time, and what is left estimated by the
        // mean time per point so far (points that reuse a mesh are faster).
        const double elapsed = sweep_clock.wall_time();
        if (is_root)
          std::cout << "Sweep point " << point + 1 << " of " << n_points
                    << " done (" << status_name(status) << ") in " << std::fixed
                    << std::setprecision(1) << elapsed - point_start
                    << " s; about "
                    << elapsed / (point + 1) * (n_points - point - 1)
                    << " s left" << std::defaultfloat << std::setprecision(6)
                    << std::endl;
      }
    std::string problem;
    if (is_root)
      try
        {
          write_file_atomically(csv_name, csv);
          std::cout << "Sweep of " << n_points << " points written to "
                    << csv_name << std::endl;
        }
      catch (const std::exception &error)
        {
          problem = error.what();
        }
    throw_if_any_rank_failed(communicator, problem);
    return worst;
  }
} // namespace xray

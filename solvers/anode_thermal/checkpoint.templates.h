// Checkpoint and restart of Task = transient (doc/anode-thermal.md,
// "Checkpoint and restart").
//
// A checkpoint is a directory OUTPUT/checkpoint holding
//   mesh, mesh.info, mesh_*.data  the refinement of the coarse mesh and, on
//                                 its cells, T, m(T) and f(T) of the last
//                                 accepted step and T at the start of the
//                                 last pulse period (deal.II's distributed
//                                 triangulation save with SolutionTransfer);
//   state.json                    the time, the next step, the energy
//                                 account, the history so far, the fields
//                                 written so far and every parameter value.
// It is written into checkpoint.partial and renamed into place, the previous
// checkpoint moved aside to checkpoint.old until the new one is in place, so
// a run killed or failing while writing leaves the previous checkpoint whole
// (as checkpoint.old if it was killed between the two renames). A restart
// rebuilds the coarse mesh from the (unchanged) parameters, loads the
// refinement and the vectors, and continues the time loop where it stood:
// same step, same state, a fresh algebraic multigrid as at every checkpoint
// of the uninterrupted run; with the unknowns and cells in an order of the
// mesh alone (setup_system()) both give the same history, bit for bit, on
// the same number of ranks.
#ifndef XRAY_ANODE_THERMAL_CHECKPOINT_TEMPLATES_H
#define XRAY_ANODE_THERMAL_CHECKPOINT_TEMPLATES_H

#include "anode_thermal/anode_thermal.h"
#include "common/command_line.h"

#include <filesystem>
#include <fstream>
#include <set>

namespace xray
{
  namespace anode_thermal
  {
    namespace checkpoint
    {
      namespace fs = std::filesystem;

      constexpr int     format_version = 2;
      const std::string directory_name = "checkpoint";
      const std::string mesh_name      = "mesh";
      const std::string state_name     = "state.json";

      /// Entries a continuation may change: when and where it writes, how
      /// far it goes, and the linear algebra (round-off only).
      const std::set<std::string> free_entries{"Output directory",
                                               "Time/End time",
                                               "Time/Output interval",
                                               "Time/Output times",
                                               "Time/Checkpoint interval",
                                               "Time/Stop after steps",
                                               "Time/Restart from",
                                               "Solver/Linear algebra",
                                               "Output/Write fields"};

      /// The files of the saved mesh with their sizes (bytes).
      inline std::map<std::string, std::uintmax_t>
      mesh_files(const fs::path &directory)
      {
        std::map<std::string, std::uintmax_t> files;
        for (const auto &entry : fs::directory_iterator(directory))
          {
            const std::string name = entry.path().filename().string();
            if (name.rfind(mesh_name, 0) == 0)
              files[name] = entry.file_size();
          }
        return files;
      }

      /// PATH made absolute and normal, without a trailing separator.
      inline fs::path
      absolute_directory(const fs::path &path)
      {
        fs::path normal = fs::absolute(path).lexically_normal();
        return normal.has_filename() ? normal : normal.parent_path();
      }

      /// Moves the complete checkpoint PARTIAL to FINAL_DIRECTORY. The
      /// previous checkpoint stays whole until the new one is in place: it
      /// is moved aside to FINAL_DIRECTORY.old, PARTIAL renamed into place,
      /// and only then the old one removed; if PARTIAL cannot be moved into
      /// place, the previous one is moved back. Returns what went wrong,
      /// naming the checkpoint that could not be written, or "".
      inline std::string
      move_into_place(const fs::path &partial, const fs::path &final_directory)
      {
        const fs::path    old = final_directory.string() + ".old";
        const std::string cannot =
          "cannot write the checkpoint " + final_directory.string() + ": ";
        std::error_code error;
        // Without a checkpoint in place, an old one (left by a run stopped
        // between the two renames) is the last complete one: it stays
        // until the new one is in place.
        const bool previous =
          fs::exists(fs::symlink_status(final_directory, error));
        if (previous)
          {
            fs::remove_all(old, error); // older than the one in place
            fs::rename(final_directory, old, error);
            if (error)
              return cannot + "the previous one cannot be moved aside to " +
                     old.string() + " (" + error.message() + "); it is kept";
          }

        fs::rename(partial, final_directory, error);
        if (error)
          {
            std::string problem = cannot + "the new one, " + partial.string() +
                                  ", cannot be moved there (" +
                                  error.message() + ")";
            if (previous)
              {
                fs::rename(old, final_directory, error);
                problem += error ? "; the previous one is in " + old.string() :
                                   "; the previous one is kept";
              }
            return problem;
          }
        fs::remove_all(old, error);
        return "";
      }

      /// STATE as PARTIAL/state.json, then PARTIAL moved to
      /// FINAL_DIRECTORY (move_into_place()). Returns what went wrong, or
      /// "". On rank 0 only.
      inline std::string
      publish(const nlohmann::json &state,
              const fs::path       &partial,
              const fs::path       &final_directory)
      {
        try
          {
            write_file_atomically((partial / state_name).string(),
                                  state.dump(1) + "\n");
          }
        catch (const InputError &error)
          {
            return error.what();
          }
        return move_into_place(partial, final_directory);
      }
    } // namespace checkpoint


    template <int dim, typename LA>
    bool
    AnodeThermal<dim, LA>::restarting() const
    {
      return parameters.task == Task::transient &&
             !parameters.time.restart_from.empty();
    }


    template <int dim, typename LA>
    nlohmann::json
    AnodeThermal<dim, LA>::read_checkpoint_state() const
    {
      namespace fs                 = std::filesystem;
      const std::string entry      = "Time/Restart from";
      const fs::path    directory  = parameters.time.restart_from;
      const fs::path    state_file = directory / checkpoint::state_name;
      const std::string where      = "'" + directory.string() + "'";

      std::ifstream file(state_file);
      if (!file)
        throw InputError(entry + ": no checkpoint in " + where + " (" +
                         checkpoint::state_name + " missing)");
      nlohmann::json state;
      try
        {
          state = nlohmann::json::parse(file);
        }
      catch (const nlohmann::json::exception &)
        {
          throw InputError(entry + ": " + state_file.string() +
                           " is not a checkpoint state (unreadable JSON)");
        }
      if (!state.is_object() || state.value("solver", "") != "anode-thermal" ||
          state.value("format", 0) != checkpoint::format_version)
        throw InputError(
          entry + ": " + where +
          " is not an anode-thermal transient checkpoint (format " +
          std::to_string(checkpoint::format_version) + ")");
      for (const char *key : {"parameters",
                              "time",
                              "outflow_W",
                              "largest_rise_K",
                              "newton_iterations",
                              "progress",
                              "period_start",
                              "history",
                              "solution_series",
                              "mesh_files",
                              "active_cells"})
        if (!state.contains(key))
          throw InputError(entry + ": " + state_file.string() +
                           " is incomplete (no \"" + std::string(key) + "\")");

      // The same case: every entry but the free ones as when it was written.
      const auto saved =
        state.at("parameters").get<std::map<std::string, std::string>>();
      std::set<std::string> names;
      for (const auto &[name, value] : saved)
        names.insert(name);
      for (const auto &[name, value] : parameters.entries)
        names.insert(name);
      for (const auto &name : names)
        {
          if (checkpoint::free_entries.count(name))
            continue;
          const auto        old_value = saved.find(name);
          const auto        new_value = parameters.entries.find(name);
          const std::string before    = old_value == saved.end() ?
                                          "(absent)" :
                                          "\"" + old_value->second + "\"";
          const std::string now       = new_value == parameters.entries.end() ?
                                          "(absent)" :
                                          "\"" + new_value->second + "\"";
          if (before != now)
            throw InputError(entry + ": the checkpoint in " + where +
                             " is of another case: " + name + " was " + before +
                             ", now " + now +
                             " (a continuation may change only the end time, "
                             "output, checkpoint and linear algebra entries)");
        }

      const double time = state.at("time").get<double>();
      if (!(time < parameters.time.end_time * (1 - 1e-12)))
        throw InputError(entry + ": the checkpoint in " + where +
                         " is at t = " + Utilities::to_string(time) +
                         " s, not before Time/End time (" +
                         Utilities::to_string(parameters.time.end_time) +
                         " s)");

      // The mesh files as they were written (a truncated or missing file
      // would abort inside the mesh library).
      const auto expected =
        state.at("mesh_files").get<std::map<std::string, std::uintmax_t>>();
      if (checkpoint::mesh_files(directory) != expected)
        throw InputError(entry + ": the mesh files in " + where +
                         " are missing or not those the checkpoint wrote");
      return state;
    }


    // Into OUTPUT/checkpoint.partial, then renamed to OUTPUT/checkpoint. The
    // algebraic multigrid is dropped: the next solve builds it afresh, as a
    // restart from here does.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::write_checkpoint(const TransientProgress &progress,
                                            const TimeState         &now)
    {
      namespace fs = std::filesystem;
      TimerOutput::Scope t(*timer, "checkpoint");
      const bool root = Utilities::MPI::this_mpi_process(mpi_communicator) == 0;
      const fs::path final_directory = output->path(checkpoint::directory_name);
      const fs::path partial         = final_directory.string() + ".partial";

      make_partial_checkpoint(partial);
      save_mesh_and_fields(now, partial);
      std::string problem;
      if (root)
        problem = checkpoint::publish(checkpoint_state(progress, now, partial),
                                      partial,
                                      final_directory);
      problem = Utilities::MPI::broadcast(mpi_communicator, problem, 0);
      if (!problem.empty())
        throw InputError(problem);

      preconditioner.reset();
      factorization.reset();
      assembled_matrix_key.clear();
    }


    // An empty directory PARTIAL (made on rank 0, every rank told of a
    // failure): a previous partial checkpoint, from a run killed while
    // writing, goes.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::make_partial_checkpoint(
      const std::filesystem::path &partial) const
    {
      namespace fs = std::filesystem;
      std::string problem;
      if (Utilities::MPI::this_mpi_process(mpi_communicator) == 0)
        {
          std::error_code error;
          fs::remove_all(partial, error);
          fs::create_directories(partial, error);
          if (error)
            problem = "cannot write the checkpoint " + partial.string() + ": " +
                      error.message();
        }
      problem = Utilities::MPI::broadcast(mpi_communicator, problem, 0);
      if (!problem.empty())
        throw InputError(problem);
    }


    // The refinement of the coarse mesh into PARTIAL/mesh with, on its
    // cells, T, m(T) and f(T) of NOW and T at the start of the last pulse
    // period (deal.II's distributed triangulation save with
    // SolutionTransfer, which reads the vectors' ghost entries).
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::save_mesh_and_fields(
      const TimeState             &now,
      const std::filesystem::path &partial)
    {
      std::vector<Vector> ghosted;
      // (Without a period start yet, the field stands in for its field.)
      const Vector &period_field =
        period_start.valid ? period_start.solution : now.solution;
      for (const Vector *v :
           {&now.solution, &now.rate, &now.stored, &period_field})
        {
          ghosted.emplace_back(locally_owned_dofs,
                               locally_relevant_dofs,
                               mpi_communicator);
          ghosted.back() = *v;
        }
      parallel::distributed::SolutionTransfer<dim, Vector> transfer(
        dof_handler);
      transfer.prepare_for_serialization(std::vector<const Vector *>{
        &ghosted[0], &ghosted[1], &ghosted[2], &ghosted[3]});
      triangulation.save((partial / checkpoint::mesh_name).string());
    }


    // state.json (rank 0): what the mesh and the run are, the time, the
    // energy account, the history so far, the fields written so far, every
    // parameter value and the mesh files as saved in PARTIAL.
    template <int dim, typename LA>
    nlohmann::json
    AnodeThermal<dim, LA>::checkpoint_state(
      const TransientProgress     &progress,
      const TimeState             &now,
      const std::filesystem::path &partial) const
    {
      nlohmann::json state;
      state["solver"]       = "anode-thermal";
      state["format"]       = checkpoint::format_version;
      state["dimension"]    = dim;
      state["mpi_ranks"]    = Utilities::MPI::n_mpi_processes(mpi_communicator);
      state["active_cells"] = triangulation.n_global_active_cells();
      state["dofs"]         = dof_handler.n_dofs();
      state["time"]         = now.time;
      state["outflow_W"]    = now.outflow;
      state["largest_rise_K"]    = largest_rise;
      state["newton_iterations"] = transient_newton_iterations;
      state["progress"]          = progress_state(progress);
      state["period_start"]      = {{"valid", period_start.valid},
                                    {"time", period_start.time},
                                    {"history_row", period_start.history_row},
                                    {"heat_in", period_start.heat_in},
                                    {"heat_out", period_start.heat_out}};
      state["history"]           = history;
      state["solution_series"]   = output->solution_series();
      state["parameters"]        = parameters.entries;
      state["mesh_files"]        = checkpoint::mesh_files(partial);
      return state;
    }


    // Every entry of PROGRESS, by name (restored_progress() reads them).
    template <int dim, typename LA>
    nlohmann::json
    AnodeThermal<dim, LA>::progress_state(
      const TransientProgress &progress) const
    {
      return {{"heat_in", progress.heat_in},
              {"heat_out", progress.heat_out},
              {"worst_balance", progress.worst_balance},
              {"initial_heat", progress.initial_heat},
              {"heat_capacity", progress.heat_capacity},
              {"max_peak", progress.max_peak},
              {"time_of_max_peak", progress.time_of_max_peak},
              {"accepted", progress.accepted},
              {"rejected", progress.rejected},
              {"largest_step", progress.largest_step},
              {"smallest_step", progress.smallest_step},
              {"next_step", progress.next_step},
              {"steps_since_output", progress.steps_since_output},
              {"last_output_time", progress.last_output_time},
              {"step_after_rise", progress.step_after_rise},
              {"step_after_fall", progress.step_after_fall},
              {"repeated_periods", progress.repeated_periods},
              {"repeated_steps", progress.repeated_steps}};
    }


    // The checkpoint's mesh, field and progress: the coarse mesh of these
    // parameters refined as saved, T, m(T) and f(T) transferred onto it.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::restore_checkpoint(TransientProgress &progress,
                                              TimeState         &now)
    {
      namespace fs                   = std::filesystem;
      const nlohmann::json state     = read_checkpoint_state();
      const fs::path       directory = parameters.time.restart_from;
      load_checkpoint_mesh(directory, state);
      load_checkpoint_fields(now);
      // (A state.json with the right keys but values of the wrong kind.)
      try
        {
          restore_transient_state(state, progress, now);
          continue_solution_series(state, directory);
        }
      catch (const nlohmann::json::exception &error)
        {
          throw InputError("Time/Restart from: " +
                           (directory / checkpoint::state_name).string() +
                           " is damaged (" + one_line(error.what()) + ")");
        }

      log() << "   Restart from " << directory.string() << ": t = " << now.time
            << " s after " << progress.accepted << " steps, "
            << triangulation.n_global_active_cells() << " cells, "
            << dof_handler.n_dofs() << " unknowns" << std::endl;
    }


    // The coarse mesh of these parameters refined as saved in DIRECTORY,
    // and the unknowns on it; its cell count must be the checkpoint's
    // (STATE), else the geometry has changed.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::load_checkpoint_mesh(
      const std::filesystem::path &directory,
      const nlohmann::json        &state)
    {
      {
        TimerOutput::Scope t(*timer, "setup");
        // (A sweep point after another holds that point's mesh.)
        if (triangulation.n_levels() > 0)
          {
            dof_handler.clear();
            triangulation.clear();
          }
        make_coarse_grid();
        triangulation.load((directory / checkpoint::mesh_name).string());
        mark_inflow_faces();
      }
      if (triangulation.n_global_active_cells() !=
          state.at("active_cells").get<types::global_cell_index>())
        throw InputError("Time/Restart from: the mesh in '" +
                         directory.string() +
                         "' does not fit the geometry of this input");
      solution_transfer.reset();
      setup_system();
    }


    // T, m(T) and f(T) into NOW and T at the start of the last pulse
    // period, as save_mesh_and_fields() wrote them; T is the present
    // solution.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::load_checkpoint_fields(TimeState &now)
    {
      for (Vector *v :
           {&now.solution, &now.rate, &now.stored, &period_start.solution})
        v->reinit(locally_owned_dofs, mpi_communicator);
      parallel::distributed::SolutionTransfer<dim, Vector> transfer(
        dof_handler);
      std::vector<Vector *> vectors{&now.solution,
                                    &now.rate,
                                    &now.stored,
                                    &period_start.solution};
      transfer.deserialize(vectors);
      present_solution = now.solution;
      temperature      = present_solution;
    }


    // The time, energy account, history and period start of STATE into
    // NOW, PROGRESS and this object, as checkpoint_state() wrote them.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::restore_transient_state(const nlohmann::json &state,
                                                   TransientProgress &progress,
                                                   TimeState         &now)
    {
      now.time               = state.at("time").get<double>();
      now.outflow            = state.at("outflow_W").get<double>();
      current_incident_power = parameters.beam.power_after(now.time);
      solution_on_this_mesh  = true;

      progress                 = restored_progress(state.at("progress"));
      const auto &start        = state.at("period_start");
      period_start.valid       = start.at("valid");
      period_start.time        = start.at("time");
      period_start.history_row = start.at("history_row");
      period_start.heat_in     = start.at("heat_in");
      period_start.heat_out    = start.at("heat_out");
      history = state.at("history").get<std::vector<std::vector<double>>>();
      largest_rise                = state.at("largest_rise_K");
      transient_newton_iterations = state.at("newton_iterations");
    }


    // The progress progress_state() wrote into P.
    template <int dim, typename LA>
    typename AnodeThermal<dim, LA>::TransientProgress
    AnodeThermal<dim, LA>::restored_progress(const nlohmann::json &p) const
    {
      TransientProgress progress;
      progress.heat_in            = p.at("heat_in");
      progress.heat_out           = p.at("heat_out");
      progress.worst_balance      = p.at("worst_balance");
      progress.initial_heat       = p.at("initial_heat");
      progress.heat_capacity      = p.at("heat_capacity");
      progress.max_peak           = p.at("max_peak");
      progress.time_of_max_peak   = p.at("time_of_max_peak");
      progress.accepted           = p.at("accepted");
      progress.rejected           = p.at("rejected");
      progress.largest_step       = p.at("largest_step");
      progress.smallest_step      = p.at("smallest_step");
      progress.next_step          = p.at("next_step");
      progress.steps_since_output = p.at("steps_since_output");
      progress.last_output_time   = p.at("last_output_time");
      progress.step_after_rise    = p.at("step_after_rise");
      progress.step_after_fall    = p.at("step_after_fall");
      progress.repeated_periods   = p.at("repeated_periods");
      progress.repeated_steps     = p.at("repeated_steps");
      return progress;
    }


    // The fields written before the checkpoint in DIRECTORY, as seen from
    // this run's output directory: the solution series continues them.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::continue_solution_series(
      const nlohmann::json        &state,
      const std::filesystem::path &directory)
    {
      namespace fs = std::filesystem;
      const fs::path written_in =
        checkpoint::absolute_directory(directory).parent_path();
      const fs::path output_directory =
        checkpoint::absolute_directory(output->path("."));
      std::vector<std::pair<double, std::string>> series;
      for (const auto &[time, file] :
           state.at("solution_series")
             .get<std::vector<std::pair<double, std::string>>>())
        series.emplace_back(
          time,
          (written_in / file).lexically_relative(output_directory).string());
      output->continue_solution_series(series);
    }
  } // namespace anode_thermal
} // namespace xray

#endif

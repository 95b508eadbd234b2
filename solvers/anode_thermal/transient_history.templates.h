// The record of a transient run of AnodeThermal (transient.templates.h):
// the rows of history.csv, the energy balance of the steps, the time a
// layer reaches its limit, and the account in the log and summary.json.
#ifndef XRAY_ANODE_THERMAL_TRANSIENT_HISTORY_TEMPLATES_H
#define XRAY_ANODE_THERMAL_TRANSIENT_HISTORY_TEMPLATES_H

#include "anode_thermal/anode_thermal.h"
#include "common/command_line.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace xray
{
  namespace anode_thermal
  {
    template <int dim, typename LA>
    std::string
    AnodeThermal<dim, LA>::history_header() const
    {
      std::string header =
        "time_s,time_step_s,incident_power_W,peak_temperature_K";
      for (const auto &layer : parameters.layers)
        header += ",peak_temperature_" + layer.name + "_K";
      return header +
             ",energy_stored_J,energy_in_J,energy_out_J,energy_balance_error";
    }


    // One row of history.csv at NOW after a step of STEP (0 at the start),
    // and the running maxima and energy balance.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::record_history(
      TransientProgress              &progress,
      const TimeState                &now,
      const double                    step,
      const std::vector<LayerResult> &maxima)
    {
      double peak = maxima[0].max_temperature;
      for (const auto &m : maxima)
        peak = std::max(peak, m.max_temperature);
      if (peak > progress.max_peak)
        {
          progress.max_peak         = peak;
          progress.time_of_max_peak = now.time;
        }
      const double        stored  = sum_of(now.stored) - progress.initial_heat;
      const double        balance = energy_balance(progress, stored, peak);
      std::vector<double> row{now.time,
                              step,
                              parameters.beam.power_before(now.time),
                              peak};
      for (const auto &m : maxima)
        row.push_back(m.max_temperature);
      row.insert(row.end(),
                 {stored, progress.heat_in, progress.heat_out, balance});
      history.push_back(row);
      largest_rise =
        std::max(largest_rise, peak - parameters.coolant_temperature);
    }


    // (stored + out - in) / heat moved, with the heat in and out so far and
    // STORED above T0 at the peak temperature PEAK; the worst so far kept.
    // Relative to the heat moved, but not below what the temperature's own
    // round-off can hold (a rise of 1e-9 K sits on T0).
    template <int dim, typename LA>
    double
    AnodeThermal<dim, LA>::energy_balance(TransientProgress &progress,
                                          const double       stored,
                                          const double       peak) const
    {
      const double resolvable = 64 * std::numeric_limits<double>::epsilon() *
                                peak * progress.heat_capacity;
      const double scale = std::max(
        {progress.heat_in, progress.heat_out, std::abs(stored), resolvable});
      const double balance =
        scale > 0 ? (stored + progress.heat_out - progress.heat_in) / scale :
                    0.;
      progress.worst_balance =
        std::max(progress.worst_balance, std::abs(balance));
      return balance;
    }


    // A layer over its limit after the step from TIME - STEP to TIME: the
    // time it got there, interpolated linearly in the layer's peak.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::check_limits(
      TransientProgress              &progress,
      const double                    time,
      const double                    step,
      const std::vector<LayerResult> &before,
      const std::vector<LayerResult> &after) const
    {
      for (unsigned int i = 0; i < after.size(); ++i)
        {
          const double limit = parameters.layers[i].temperature_limit;
          const double T     = after[i].max_temperature;
          if (T > limit)
            {
              const double s = std::clamp((limit - before[i].max_temperature) /
                                            (T - before[i].max_temperature),
                                          0.,
                                          1.);
              const double t_limit = time - step + s * step;
              if (std::isnan(progress.time_to_limit) ||
                  t_limit < progress.time_to_limit)
                {
                  progress.time_to_limit = t_limit;
                  progress.limit_layer   = parameters.layers[i].name;
                }
            }
        }
    }


    // The log's account of the run: steps, Newton iterations, the peak,
    // and the heat in, out and stored with the worst balance error.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::log_transient_totals(
      const TransientProgress &progress,
      const TimeState         &now) const
    {
      log() << "   " << progress.accepted << " time steps ("
            << progress.rejected << " rejected), "
            << transient_newton_iterations
            << " Newton iterations; t = " << now.time << " s, peak "
            << history.back()[3] << " K (max " << progress.max_peak
            << " K at t = " << progress.time_of_max_peak << " s)" << std::endl;
      log() << "   Heat in " << progress.heat_in << " J, out "
            << progress.heat_out << " J, stored "
            << history.back()[history.back().size() - 4]
            << " J; largest balance error " << progress.worst_balance
            << " (relative)" << std::endl;
    }


    // Success, or a layer over its limit (exit 4, with its message).
    template <int dim, typename LA>
    int
    AnodeThermal<dim, LA>::transient_exit_status(
      const TransientProgress &progress,
      const TimeState         &now)
    {
      if (!std::isnan(progress.time_to_limit))
        {
          limit_message =
            "temperature limit of layer '" + progress.limit_layer +
            "' reached at t = " + Utilities::to_string(progress.time_to_limit) +
            " s (run stopped at t = " + Utilities::to_string(now.time) +
            " s, peak " + Utilities::to_string(history.back()[3]) + " K)";
          return exit_status::limit_exceeded;
        }
      return exit_status::success;
    }


    // history.csv, whole or not at all.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::write_history() const
    {
      std::ostringstream csv;
      if (Utilities::MPI::this_mpi_process(mpi_communicator) == 0)
        {
          csv << history_header() << '\n' << std::setprecision(12);
          for (const auto &row : history)
            {
              for (unsigned int i = 0; i < row.size(); ++i)
                csv << (i ? "," : "") << row[i];
              csv << '\n';
            }
        }
      output->write_table("history.csv", csv.str());
    }


    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::summarize_transient(
      const TransientProgress &progress,
      const TimeState         &now,
      nlohmann::json          &entries) const
    {
      const bool limited                  = !std::isnan(progress.time_to_limit);
      entries["final_time_s"]             = now.time;
      entries["final_peak_temperature_K"] = history.back()[3];
      entries["max_peak_temperature_K"]   = progress.max_peak;
      entries["time_of_max_peak_s"]       = progress.time_of_max_peak;
      entries["time_to_limit_s"] =
        limited ? nlohmann::json(progress.time_to_limit) : nlohmann::json();
      entries["time_steps"]           = progress.accepted;
      entries["rejected_time_steps"]  = progress.rejected;
      entries["smallest_time_step_s"] = progress.smallest_step;
      entries["largest_time_step_s"]  = progress.largest_step;
      entries["energy_in_J"]          = progress.heat_in;
      entries["energy_out_J"]         = progress.heat_out;
      entries["energy_stored_J"] = history.back()[history.back().size() - 4];
      entries["max_energy_balance_error"] = progress.worst_balance;
      entries["time_newton_iterations"]   = transient_newton_iterations;
      entries["limit_exceeded"]           = limited;
      entries["layers_over_limit"] =
        limited ? std::vector<std::string>{progress.limit_layer} :
                  std::vector<std::string>();
      entries["repeated_periods"]    = progress.repeated_periods;
      entries["repeated_time_steps"] = progress.repeated_steps;
      entries["stopped_after_steps"] =
        std::isnan(progress.time_to_limit) &&
        now.time < parameters.time.end_time * (1 - 1e-12);
      entries["restarted_from"] =
        restarting() ? nlohmann::json(parameters.time.restart_from) :
                       nlohmann::json();
    }
  } // namespace anode_thermal
} // namespace xray

#endif

// The time loop of Task = transient (transient.templates.h): from
// T = T0 or a checkpoint to the end time, accepting steps, writing the
// fields when due, repeating the periods of a periodic pulse train, and
// the end of a run.
#ifndef XRAY_ANODE_THERMAL_TRANSIENT_TIME_LOOP_TEMPLATES_H
#define XRAY_ANODE_THERMAL_TRANSIENT_TIME_LOOP_TEMPLATES_H

#include "anode_thermal/anode_thermal.h"
#include "anode_thermal/checkpoint.templates.h"
#include "common/command_line.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace xray
{
  namespace anode_thermal
  {
    // From T = T0 at t = 0: the state, the first history row, and the field
    // at t = 0 if it is an output time.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::start_transient(TransientProgress &progress,
                                           TimeState         &now)
    {
      const double T0 = parameters.coolant_temperature;
      history.clear();
      largest_rise                = 0;
      transient_newton_iterations = 0;

      present_solution = T0;
      temperature_constraints.distribute(present_solution);
      temperature  = present_solution;
      now.solution = present_solution;
      now.time     = 0;
      evaluate_rates(now.solution,
                     parameters.beam.power_after(0),
                     now.rate,
                     now.stored);
      now.outflow = boundary_outflow;

      period_start           = PeriodStart();
      progress               = TransientProgress();
      progress.initial_heat  = sum_of(now.stored);
      progress.heat_capacity = heat_capacity_at_T0();
      progress.max_peak      = T0;
      progress.smallest_step = parameters.time.end_time;
      progress.next_step     = parameters.time.initial_step;
      record_history(progress, now, 0, layer_maxima());
      // t = 0 starts the first period of a pulse train.
      period_start.valid       = true;
      period_start.solution    = now.solution;
      period_start.history_row = 0;
      const auto &output_times = parameters.time.output_times;
      if (!output_times.empty() && output_times.front() == 0)
        output_results(0);
    }


    // The time loop: steps chosen by the error estimate (or fixed), landing
    // on every jump of the beam power, every output time and the end; the
    // layer limits checked after every step; checkpoints every Checkpoint
    // interval steps and at the end. From t = 0, or from a checkpoint.
    // Returns the exit status.
    template <int dim, typename LA>
    int
    AnodeThermal<dim, LA>::run_transient(nlohmann::json &summary_entries)
    {
      const TimeStepping &time = parameters.time;
      quiet_newton             = true;
      stage_mass_factor        = 0;
      supg_time_step           = 0;
      TransientProgress progress;
      TimeState         now;
      if (restarting())
        restore_checkpoint(progress, now);
      else
        start_transient(progress, now);
      log() << "   Transient: " << now.time << " to " << time.end_time << " s, "
            << (time.adaptive ? "adaptive" : "fixed") << " TR-BDF2 steps"
            << std::endl;

      const unsigned int last_checkpoint = step_to_end(progress, now);
      quiet_newton                       = false;
      stage_mass_factor                  = 0;
      supg_time_step                     = 0;
      finish_transient(progress, now, last_checkpoint);
      log_transient_totals(progress, now);
      write_history();
      summarize_transient(progress, now, summary_entries);
      return transient_exit_status(progress, now);
    }


    // The steps from NOW to the end time, until a layer reaches its limit
    // or after Time/Stop after steps. Returns the step count at the last
    // checkpoint written (that of NOW on entry if none).
    template <int dim, typename LA>
    unsigned int
    AnodeThermal<dim, LA>::step_to_end(TransientProgress &progress,
                                       TimeState         &now)
    {
      const TimeStepping &time          = parameters.time;
      const auto         &beam          = parameters.beam;
      const double        end_tolerance = 1e-12 * time.end_time;
      OutputTime          next_output   = time.output_times.begin();
      while (next_output != time.output_times.end() &&
             *next_output <= now.time + end_tolerance)
        ++next_output;
      std::vector<LayerResult> maxima          = layer_maxima();
      unsigned int             last_checkpoint = progress.accepted;
      TimeState                next;

      double dt = progress.next_step;
      while (now.time < time.end_time * (1 - 1e-12))
        {
          const double jump = beam.next_break(now.time);
          const double step = landing_step(now.time, dt, jump, next_output);
          const double jump_at_start =
            beam.power_after(now.time) - beam.power_before(now.time);

          const TimeStepResult result = take_time_step(now, step, next);
          if (time.adaptive && result.error_ratio > 1)
            {
              dt = step_after_rejection(progress,
                                        now.time,
                                        step,
                                        result.error_ratio);
              continue;
            }
          accept_step(progress, now, next, step, result, maxima);
          write_field_when_due(progress, now.time, end_tolerance, next_output);
          if (!std::isnan(progress.time_to_limit))
            break;
          if (progress.accepted % 100 == 0)
            log() << "      t = " << now.time << " s: " << progress.accepted
                  << " steps, peak " << history.back()[3] << " K" << std::endl;

          dt = step_after_acceptance(
            progress, now.time, step, result.error_ratio, jump, end_tolerance);
          remember_step_after_jump(progress, step, jump_at_start);
          const double repeat_step =
            repeat_to_next_output(progress, now, end_tolerance, next_output);
          if (repeat_step > 0)
            dt = repeat_step;
          progress.next_step = dt;

          // (The last step's checkpoint follows the last field:
          // finish_transient().)
          const bool stopping = time.stop_after_steps > 0 &&
                                progress.accepted >= time.stop_after_steps;
          const bool last_step =
            stopping || now.time >= time.end_time * (1 - 1e-12);
          if (time.checkpoint_interval > 0 && !last_step &&
              progress.accepted % time.checkpoint_interval == 0)
            {
              write_checkpoint(progress, now);
              last_checkpoint = progress.accepted;
            }
          if (stopping)
            break;
        }
      return last_checkpoint;
    }


    // An accepted STEP: NEXT becomes NOW (and the present solution), its
    // heat joins the energy account, and the history row and the layer
    // limits follow from the new layer maxima. MAXIMA holds those of the
    // step's start on entry, of its end on return.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::accept_step(TransientProgress        &progress,
                                       TimeState                &now,
                                       TimeState                &next,
                                       const double              step,
                                       const TimeStepResult     &result,
                                       std::vector<LayerResult> &maxima)
    {
      const std::vector<LayerResult> previous_maxima = maxima;
      std::swap(now, next);
      present_solution = now.solution;
      temperature      = present_solution;
      progress.heat_in += result.heat_in;
      progress.heat_out += result.heat_out;
      ++progress.accepted;
      progress.largest_step  = std::max(progress.largest_step, step);
      progress.smallest_step = std::min(progress.smallest_step, step);
      maxima                 = layer_maxima();
      record_history(progress, now, step, maxima);
      check_limits(progress, now.time, step, previous_maxima, maxima);
    }


    // The field at TIME_NOW if it is the next output time (then moving
    // NEXT_OUTPUT on) or Time/Output interval steps have passed since the
    // last field.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::write_field_when_due(TransientProgress &progress,
                                                const double       time_now,
                                                const double end_tolerance,
                                                OutputTime  &next_output)
    {
      const TimeStepping &time = parameters.time;
      ++progress.steps_since_output;
      const bool at_output_time =
        next_output != time.output_times.end() &&
        std::abs(time_now - *next_output) <= end_tolerance;
      if (at_output_time ||
          (time.output_interval > 0 &&
           progress.steps_since_output >= time.output_interval))
        write_transient_field(progress, time_now);
      if (at_output_time)
        ++next_output;
    }


    // The field at TIME_NOW; the output interval counts from here.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::write_transient_field(TransientProgress &progress,
                                                 const double       time_now)
    {
      output_results(time_now);
      progress.last_output_time   = time_now;
      progress.steps_since_output = 0;
    }


    // A pulse train whose field has become periodic: at the start of a
    // period whose field equals that one period earlier within the time
    // error tolerance of the largest rise (maximum norm), the solution from
    // here on is the last period again (the same initial value problem
    // shifted by the period; the heat equation does not amplify the small
    // mismatch). The periods up to LIMIT_TIME (the next output time or the
    // end) are then repeated: their history rows copied, shifted in time and
    // in the heat in and out. Returns the step to go on with (the one the
    // last period started with), or 0 if nothing was repeated.
    template <int dim, typename LA>
    double
    AnodeThermal<dim, LA>::repeat_periods(TransientProgress &progress,
                                          TimeState         &now,
                                          const double       limit_time)
    {
      const double period = parameters.beam.repeat_period();
      if (!(period > 0) || !parameters.time.repeat_periodic_state)
        return 0;
      const double n = std::round(now.time / period);
      if (n < 1 || std::abs(now.time - n * period) > 1e-12 * period)
        return 0;

      double next_step = 0;
      if (period_start.valid &&
          std::abs(period_start.time - (n - 1) * period) <= 1e-12 * period)
        {
          Vector difference = now.solution;
          difference.add(-1., period_start.solution);
          const double mismatch = difference.linfty_norm();
          const double periods =
            std::floor((limit_time - now.time) / period + 1e-9);
          if (mismatch <= parameters.time.tolerance * largest_rise &&
              periods >= 1)
            {
              const unsigned int first = period_start.history_row + 1;
              const unsigned int last  = history.size();
              const double       d_in = progress.heat_in - period_start.heat_in;
              const double d_out = progress.heat_out - period_start.heat_out;
              for (unsigned int r = 1; r <= periods; ++r)
                for (unsigned int i = first; i < last; ++i)
                  {
                    std::vector<double> row     = history[i];
                    const std::size_t   columns = row.size();
                    row[0] += r * period;
                    row[columns - 3] += r * d_in;
                    row[columns - 2] += r * d_out;
                    progress.heat_in  = row[columns - 3];
                    progress.heat_out = row[columns - 2];
                    row[columns - 1] =
                      energy_balance(progress, row[columns - 4], row[3]);
                    history.push_back(row);
                  }
              now.time = (n + periods) * period;
              progress.repeated_periods += periods;
              progress.repeated_steps += periods * (last - first);
              next_step = history[first][1];
              log() << "      Periodic at t = " << n * period
                    << " s (field within " << mismatch
                    << " K of one period earlier): " << periods
                    << " period(s) repeated, to t = " << now.time << " s"
                    << std::endl;
            }
        }
      period_start.valid       = true;
      period_start.time        = now.time;
      period_start.solution    = now.solution;
      period_start.history_row = history.size() - 1;
      period_start.heat_in     = progress.heat_in;
      period_start.heat_out    = progress.heat_out;
      return next_step;
    }


    // repeat_periods() up to the next output time or the end. Repeated up
    // to an output time, the field there is the present one: written, and
    // NEXT_OUTPUT moved on. Returns the step to go on with, or 0.
    template <int dim, typename LA>
    double
    AnodeThermal<dim, LA>::repeat_to_next_output(TransientProgress &progress,
                                                 TimeState         &now,
                                                 const double end_tolerance,
                                                 OutputTime  &next_output)
    {
      const TimeStepping &time = parameters.time;
      const double        repeat_step =
        repeat_periods(progress,
                       now,
                       next_output != time.output_times.end() ?
                         std::min(*next_output, time.end_time) :
                         time.end_time);
      if (repeat_step > 0 && next_output != time.output_times.end() &&
          std::abs(now.time - *next_output) <= end_tolerance)
        {
          write_transient_field(progress, now.time);
          ++next_output;
        }
      return repeat_step;
    }


    // After the last step: the last field, unless just written; the
    // checkpoint to continue from; the beam power at the end (for the
    // summary); and, for a run stopped before its end, how to continue.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::finish_transient(const TransientProgress &progress,
                                            const TimeState         &now,
                                            const unsigned int last_checkpoint)
    {
      const TimeStepping &time = parameters.time;
      if (progress.last_output_time != now.time || progress.accepted == 0)
        output_results(now.time);
      // A run that reached its end, or stopped after its steps, can be
      // continued from here (not one stopped at a limit). The field just
      // written is in the checkpoint's series; the output interval counts
      // on as if it had not been.
      if (time.checkpoint_interval > 0 && std::isnan(progress.time_to_limit) &&
          last_checkpoint != progress.accepted)
        write_checkpoint(progress, now);
      current_incident_power   = parameters.beam.power_before(now.time);
      const bool stopped_early = std::isnan(progress.time_to_limit) &&
                                 now.time < time.end_time * (1 - 1e-12);
      if (stopped_early)
        log() << "   Stopped after " << progress.accepted
              << " steps (Time/Stop after steps) at t = " << now.time
              << " s, before End time"
              << (time.checkpoint_interval > 0 ?
                    "; continue with Time/Restart from = " +
                      output->path(checkpoint::directory_name) :
                    std::string())
              << std::endl;
    }
  } // namespace anode_thermal
} // namespace xray

#endif

// Step size control of Task = transient (transient.templates.h): the
// error ratio of a step, the next step after a rejection or an
// acceptance, safety (1/r)^(1/3) within limits, and steps that land on
// the jumps of the beam power and on the output times.
#ifndef XRAY_ANODE_THERMAL_TRANSIENT_STEP_CONTROL_TEMPLATES_H
#define XRAY_ANODE_THERMAL_TRANSIENT_STEP_CONTROL_TEMPLATES_H

#include "anode_thermal/anode_thermal.h"
#include "common/command_line.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace xray
{
  namespace anode_thermal
  {
    // The step size control: the next step is the last one times
    // safety (1/r)^(1/3) for the error ratio r, within these factors.
    namespace step_control
    {
      constexpr double growth_limit = 2, shrink_limit = 0.2, safety = 0.9;
    } // namespace step_control


    // ERROR over what the step may make: the time error tolerance relative to
    // the largest rise so far (an anode cooling after a pulse keeps the
    // accuracy the pulse needed), and never below what the temperature's
    // round-off can resolve. Before the first step there is no rise: the
    // first step's scale is the steady rise at peak power (else, as the
    // rise of a spot switched on grows like sqrt(t), its relative error
    // does not shrink with the step, which would be cut down to round-off).
    template <int dim, typename LA>
    double
    AnodeThermal<dim, LA>::step_error_ratio(const TimeState &now,
                                            const TimeState &next,
                                            const double     error) const
    {
      const double T0 = parameters.coolant_temperature;
      const double peak =
        std::max(now.solution.linfty_norm(), next.solution.linfty_norm());
      const double scale = std::max(
        {largest_rise, peak - T0, largest_rise > 0 ? 0. : steady_peak_rise});
      const double allowed =
        parameters.time.tolerance * scale +
        1024 * std::numeric_limits<double>::epsilon() * peak;
      return error == 0  ? 0. :
             allowed > 0 ? error / allowed :
                           std::numeric_limits<double>::infinity();
    }


    // The step from TIME_NOW of at most DT that lands on the next jump JUMP
    // of the beam power, the next output time and the end: steps never
    // cross a jump of P(t) (the error estimate assumes f smooth in time),
    // and fields are written at their times exactly.
    template <int dim, typename LA>
    double
    AnodeThermal<dim, LA>::landing_step(const double     time_now,
                                        const double     dt,
                                        const double     jump,
                                        const OutputTime next_output) const
    {
      const TimeStepping &time        = parameters.time;
      double              end_of_step = std::min(time_now + dt, time.end_time);
      end_of_step                     = std::min(end_of_step, jump);
      if (next_output != time.output_times.end())
        end_of_step = std::min(end_of_step, *next_output);
      return end_of_step - time_now;
    }


    // A rejected STEP from TIME_NOW, counted; the step to try instead:
    // STEP safety (1/r)^(1/3) for the error ratio r (TR-BDF2's local error
    // goes like dt^3), cut at most to shrink_limit STEP. Throws below
    // Time/Minimum time step.
    template <int dim, typename LA>
    double
    AnodeThermal<dim, LA>::step_after_rejection(TransientProgress &progress,
                                                const double       time_now,
                                                const double       step,
                                                const double error_ratio) const
    {
      using namespace step_control;
      const TimeStepping &time = parameters.time;
      ++progress.rejected;
      const double dt =
        step * std::max(shrink_limit, safety * std::cbrt(1 / error_ratio));
      if (dt < time.min_step)
        throw SolverError("the time step fell below Time/Minimum time step (" +
                          Utilities::to_string(time.min_step) + " s) at t = " +
                          Utilities::to_string(time_now) + " s");
      return dt;
    }


    // The step after an accepted STEP ending at TIME_NOW: from the error
    // ratio r as after a rejection, STEP safety (1/r)^(1/3), but within
    // [shrink_limit, growth_limit] STEP; or the fixed step; at most
    // Time/Maximum time step. At a jump of P (JUMP, the step's landing
    // point) the steps start small again: with the first step accepted
    // after the last jump the same way (rise or fall), else the initial
    // step, as the field changes there as fast as at t = 0.
    template <int dim, typename LA>
    double
    AnodeThermal<dim, LA>::step_after_acceptance(
      const TransientProgress &progress,
      const double             time_now,
      const double             step,
      const double             error_ratio,
      const double             jump,
      const double             end_tolerance) const
    {
      using namespace step_control;
      const TimeStepping &time = parameters.time;
      const auto         &beam = parameters.beam;
      double              dt =
        time.adaptive ?
                       step *
            std::clamp(safety * std::cbrt(1 / std::max(error_ratio, 1e-12)),
                       shrink_limit,
                       growth_limit) :
                       time.initial_step;
      dt                    = std::min(dt, time.max_step);
      const double P_before = beam.power_before(time_now);
      const double P_after  = beam.power_after(time_now);
      if (std::abs(time_now - jump) <= end_tolerance)
        {
          const double remembered =
            P_after > P_before ? progress.step_after_rise :
            P_after < P_before ? progress.step_after_fall :
                                 0.;
          dt = std::min(dt, remembered > 0 ? remembered : time.initial_step);
        }
      return dt;
    }


    // The accepted STEP began at a jump of P by JUMP_AT_START (W): the
    // first step after the next jump the same way starts with it
    // (step_after_acceptance()).
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::remember_step_after_jump(
      TransientProgress &progress,
      const double       step,
      const double       jump_at_start) const
    {
      if (jump_at_start > 0)
        progress.step_after_rise = step;
      else if (jump_at_start < 0)
        progress.step_after_fall = step;
    }
  } // namespace anode_thermal
} // namespace xray

#endif

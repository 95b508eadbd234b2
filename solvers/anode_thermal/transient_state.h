// What a transient run of AnodeThermal carries from step to step: the
// state at one time, one step's result, the run's progress (all of it
// checkpointed) and the start of a pulse train's period
// (transient*.templates.h).
#ifndef XRAY_ANODE_THERMAL_TRANSIENT_STATE_H
#define XRAY_ANODE_THERMAL_TRANSIENT_STATE_H

#include <limits>
#include <string>

namespace xray
{
  namespace anode_thermal
  {
    /// The state at one time: the temperature, m(T) and f(T) on every
    /// row, and the heat leaving by convection and motion (W).
    template <typename Vector>
    struct TimeState
    {
      double time = 0;
      Vector solution, stored, rate;
      double outflow = 0;
    };
    struct TimeStepResult
    {
      double error_ratio = 0; // estimated local error / allowed
      double heat_in     = 0; // J over the step
      double heat_out    = 0; // J over the step
    };
    /// Where a transient run stands after an accepted step: what its
    /// history, summary and next step depend on besides the field (all
    /// of it goes into a checkpoint).
    struct TransientProgress
    {
      double heat_in = 0, heat_out = 0; // J since t = 0
      double worst_balance = 0;         // relative
      double initial_heat  = 0;         // int rho H(T0), J
      double heat_capacity = 0;         // int rho c_p(T0), J/K
      double max_peak = 0, time_of_max_peak = 0;
      /// NaN while no layer has reached its limit.
      double       time_to_limit = std::numeric_limits<double>::quiet_NaN();
      std::string  limit_layer;
      unsigned int accepted = 0, rejected = 0;
      double       largest_step = 0, smallest_step = 0;
      /// The step the error control proposes next.
      double       next_step          = 0;
      unsigned int steps_since_output = 0;
      double       last_output_time   = 0;
      /// The first step accepted after the latest rise and fall of the
      /// power (0 before any): where the steps start after the next one.
      double step_after_rise = 0, step_after_fall = 0;
      /// Periods of a pulse train repeated instead of computed, and the
      /// history rows they added.
      unsigned int repeated_periods = 0, repeated_steps = 0;
    };
    /// The start of the latest period of a pulse train: its field, its
    /// row of the history and the energy account then.
    template <typename Vector>
    struct PeriodStart
    {
      bool         valid = false;
      double       time  = 0;
      Vector       solution;
      unsigned int history_row = 0;
      double       heat_in = 0, heat_out = 0;
    };
  } // namespace anode_thermal
} // namespace xray

#endif

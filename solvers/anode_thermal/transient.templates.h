// Task = transient of AnodeThermal (doc/theory.md, "Transient heating"):
//
//   d(rho H(T))/dt + rho c_p(T) u . grad T = div(k(T) grad T) + s(x, t),
//
// H(T) = int_{T0}^{T} c_p the specific enthalpy (conservation form: the
// stored heat is exactly int rho H), u the motion of the anode in the
// spot's frame (motion.h), s the beam's heat at the power P(t) of the time
// profile (time_profile.h). From T = T0 at t = 0.
//
// Semi-discrete: d m(T)/dt = f(T, t), m_i = int rho H(T) phi_i w, f the
// conduction, cooling, motion and source terms. Time integration by
// TR-BDF2 (Bank et al., IEEE Trans. Electron Devices 32 (1985) 1992), as
// the L-stable, stiffly accurate ESDIRK method of Hosea & Shampine (Appl.
// Numer. Math. 20 (1996) 21) with gamma = 2 - sqrt 2, d = gamma/2,
// w = sqrt(2)/4:
//   stage 2 at t + gamma dt: m(U2) = m(T_n) + dt (d f1 + d f2),
//   stage 3 at t + dt:       m(U3) = m(T_n) + dt (w f1 + w f2 + d f3),
// T_{n+1} = U3, each stage a Newton solve. The embedded third-order
// weights b^ = ((1 - w)/3, (3w + 1)/3, d/3) give the local error
// dt sum (b - b^)_j f_j in heat per node; as a temperature it is filtered
// through the stage matrix (M + dt d K)^-1 (Shampine's filter for stiff
// problems). Steps never cross a jump of P(t).
//
// The energy balance of a step uses the method's own weights: heat in
// dt sum b_j P_dep(t_j), heat out through convective faces and with the
// motion dt sum b_j Q_j, and through fixed-temperature faces the consistent
// reaction: the sum over their rows of m(T_{n+1}) - m(T_n) - dt sum b_j f_j,
// which those rows would need and do not get. Stored heat int rho H(T).
#ifndef XRAY_ANODE_THERMAL_TRANSIENT_TEMPLATES_H
#define XRAY_ANODE_THERMAL_TRANSIENT_TEMPLATES_H

#include "anode_thermal/anode_thermal.h"
#include "common/command_line.h"

#include <deal.II/hp/fe_values.h>

#include <cmath>
#include <iomanip>
#include <limits>
#include <sstream>

namespace xray
{
  namespace anode_thermal
  {
    namespace tr_bdf2
    {
      const double gamma = 2 - std::sqrt(2.);
      const double d     = gamma / 2;
      const double w     = std::sqrt(2.) / 4;
      // b - b^: the error weights of the embedded pair.
      const double e1 = w - (1 - w) / 3;
      const double e2 = w - (3 * w + 1) / 3;
      const double e3 = d - d / 3;
    } // namespace tr_bdf2

    // The step size control: the next step is the last one times
    // safety (1/r)^(1/3) for the error ratio r, within these factors.
    namespace step_control
    {
      constexpr double growth_limit = 2, shrink_limit = 0.2, safety = 0.9;
    } // namespace step_control


    // m_i(T) = int rho H(T) (phi_i + tau u . grad phi_i) w on every row
    // (hanging nodes condensed); its sum is the stored heat int rho H(T).
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::assemble_stored_heat(const Vector &T, Vector &stored)
    {
      TimerOutput::Scope t(*timer, "assembly");
      stored.reinit(locally_owned_dofs, mpi_communicator);
      const bool             moving = parameters.motion.is_moving();
      hp::FEValues<dim>      fe_values(mapping,
                                  fe,
                                  quadrature,
                                  update_values | update_quadrature_points |
                                    update_JxW_values |
                                    (moving ? update_gradients |
                                                update_inverse_jacobians :
                                                   update_default));
      dealii::Vector<double> cell_stored;
      std::vector<types::global_dof_index> dofs;
      std::vector<double>                  T_values;
      for (const auto &cell : owned_cells)
        if (cell->is_locally_owned())
          {
            fe_values.reinit(cell);
            const auto        &values = fe_values.get_present_fe_values();
            const unsigned int layer  = cell->material_id();
            const FEValuesExtractors::Scalar field(layer_component[layer]);
            const double rho = parameters.layers[layer].material.density;
            cell_stored.reinit(values.dofs_per_cell);
            T_values.resize(values.n_quadrature_points);
            values[field].get_function_values(T, T_values);
            for (const unsigned int q : values.quadrature_point_indices())
              {
                const double heat = rho * enthalpy[layer].value(T_values[q]) *
                                    weight(values.quadrature_point(q)) *
                                    values.JxW(q);
                // The SUPG test function, as in add_stored_heat().
                const auto [u, tau] =
                  streamline_diffusion(values.quadrature_point(q),
                                       moving ? Tensor<2, dim>(
                                                  values.inverse_jacobian(q)) :
                                                Tensor<2, dim>(),
                                       layer);
                for (unsigned int i = 0; i < values.dofs_per_cell; ++i)
                  cell_stored(i) +=
                    heat *
                    (values[field].value(i, q) +
                     (moving ? tau * (u * values[field].gradient(i, q)) : 0.));
              }
            dofs.resize(values.dofs_per_cell);
            cell->get_dof_indices(dofs);
            hanging_constraints.distribute_local_to_global(cell_stored,
                                                           dofs,
                                                           stored);
          }
      stored.compress(VectorOperation::add);
    }


    // int rho c_p(T0) over the anode, J/K.
    template <int dim, typename LA>
    double
    AnodeThermal<dim, LA>::heat_capacity_at_T0() const
    {
      const double      T0 = parameters.coolant_temperature;
      hp::FEValues<dim> fe_values(mapping,
                                  fe,
                                  quadrature,
                                  update_quadrature_points | update_JxW_values);
      double            capacity = 0;
      for (const auto &cell : owned_cells)
        if (cell->is_locally_owned())
          {
            fe_values.reinit(cell);
            const auto     &values = fe_values.get_present_fe_values();
            const Material &material =
              parameters.layers[cell->material_id()].material;
            for (const unsigned int q : values.quadrature_point_indices())
              capacity += material.density * material.heat_capacity.value(T0) *
                          weight(values.quadrature_point(q)) * values.JxW(q);
          }
      return Utilities::MPI::sum(capacity, mpi_communicator);
    }


    // f(T) at incident power P on every row, and m(T); boundary_outflow
    // then holds the heat leaving by convection and motion at T (W).
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::evaluate_rates(const Vector &T,
                                          const double  incident_power,
                                          Vector       &rate,
                                          Vector       &stored)
    {
      current_incident_power = incident_power;
      temperature            = T;
      rates_only             = true;
      assemble(temperature, false, true);
      rates_only = false;
      rate       = system_rhs;
      assemble_stored_heat(temperature, stored);
    }


    template <int dim, typename LA>
    double
    AnodeThermal<dim, LA>::sum_of(const Vector &vector) const
    {
      return vector.mean_value() * vector.size();
    }


    // Sum over the fixed-temperature rows of a vector with every row.
    template <int dim, typename LA>
    double
    AnodeThermal<dim, LA>::sum_of_fixed_rows(const Vector &vector) const
    {
      Vector free_rows = vector;
      update_constraints.set_zero(free_rows);
      return sum_of(vector) - sum_of(free_rows);
    }


    // One Newton solve of a stage at incident power P, from
    // present_solution; REFERENCE is the scale of the stage equation.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::solve_stage(const double power,
                                       const double reference)
    {
      current_incident_power  = power;
      const double load       = deposited_power() * unit_source_norm;
      const auto   statistics = solve_newton(std::max(reference, load));
      transient_newton_iterations += statistics.newton_iterations;
    }


    // One TR-BDF2 step from NOW over DT into NEXT (above). Returns the error
    // ratio (estimated local error / allowed) and the step's heat balance.
    template <int dim, typename LA>
    typename AnodeThermal<dim, LA>::TimeStepResult
    AnodeThermal<dim, LA>::take_time_step(const TimeState &now,
                                          const double     dt,
                                          TimeState       &next)
    {
      using namespace tr_bdf2;
      const auto  &beam = parameters.beam;
      const double t    = now.time;
      const double P1   = beam.power_after(t);
      const double P2   = beam.power_after(t + gamma * dt);
      const double P3   = beam.power_before(t + dt);

      // With motion, SUPG's parameter depends on the step (streamline_
      // diffusion()): m and f at the start are taken with this step's.
      TimeState start;
      if (parameters.motion.is_moving())
        {
          supg_time_step = dt;
          start.time     = now.time;
          start.solution = now.solution;
          evaluate_rates(now.solution, P1, start.rate, start.stored);
          start.outflow = boundary_outflow;
        }
      const TimeState &begin = parameters.motion.is_moving() ? start : now;
      return take_time_step_from(begin, dt, P1, P2, P3, next);
    }


    // The TR-BDF2 step of take_time_step() from NOW (m and f taken with
    // this step's SUPG parameter) at the powers P1, P2, P3 of its stages:
    // the two stage solves, the step's heat balance and its error ratio.
    template <int dim, typename LA>
    typename AnodeThermal<dim, LA>::TimeStepResult
    AnodeThermal<dim, LA>::take_time_step_from(const TimeState &now,
                                               const double     dt,
                                               const double     P1,
                                               const double     P2,
                                               const double     P3,
                                               TimeState       &next)
    {
      using namespace tr_bdf2;
      // Deposited power per incident watt.
      const double per_watt = (1 - parameters.energy_backscatter_fraction) *
                              parameters.depth_profile.deposited_fraction();
      const double reference = stage_equation_scale(now);

      stage_mass_factor      = 1 / (dt * d);
      const TimeState stage2 = trapezoidal_stage(now, dt, P2, reference);
      bdf2_stage(now, stage2, dt, P3, reference, next);

      // Heat in with the method's weights b = (w, w, d): dt sum b_j P_dep(t_j).
      TimeStepResult result;
      result.heat_in =
        dt * (w * P1 + w * P2 + d * P3) * per_watt * unit_source_sum;
      result.heat_out = heat_out_over_step(now, stage2, next, dt);
      result.error_ratio =
        step_error_ratio(now,
                         next,
                         local_temperature_error(now, stage2, next, dt));

      // The next step starts with the power after the step's end.
      next.rate.add((parameters.beam.power_after(now.time + dt) - P3) *
                      per_watt,
                    unit_source);
      return result;
    }


    // The present rate of change |f(T_n)| over the unknowns' rows: with
    // the heat input, whichever is larger, the stage equations' scale
    // (solve_stage(); a cooling anode has no input).
    template <int dim, typename LA>
    double
    AnodeThermal<dim, LA>::stage_equation_scale(const TimeState &now) const
    {
      Vector rate_of_unknowns = now.rate;
      update_constraints.set_zero(rate_of_unknowns);
      return rate_of_unknowns.l2_norm();
    }


    // Stage 2, the trapezoidal rule from t to t + gamma dt:
    //   m(U2) = m(T_n) + dt (d f1 + d f2),
    // the implicit part d dt f2 through stage_mass_factor = 1/(dt d) (set by
    // the caller). Newton from T_n; returns U2 with f2 = f(U2) and m(U2) at
    // the power P2, and the heat leaving at U2 (its time, t + gamma dt, is
    // not needed).
    template <int dim, typename LA>
    typename AnodeThermal<dim, LA>::TimeState
    AnodeThermal<dim, LA>::trapezoidal_stage(const TimeState &now,
                                             const double     dt,
                                             const double     P2,
                                             const double     reference)
    {
      using namespace tr_bdf2;
      stage_known_mass = now.stored;
      stage_known_mass.add(dt * d, now.rate);
      present_solution = now.solution;
      solve_stage(P2, reference);
      TimeState stage2;
      stage2.solution = present_solution;
      evaluate_rates(stage2.solution, P2, stage2.rate, stage2.stored);
      stage2.outflow = boundary_outflow;
      return stage2;
    }


    // Stage 3, BDF2-like, from t to t + dt:
    //   m(U3) = m(T_n) + dt (w f1 + w f2 + d f3),
    // Newton from the line through T_n and U2 extrapolated to t + dt,
    // T_n + (U2 - T_n) / gamma. NEXT = U3 = T_{n+1} with f3 and m(U3) at the
    // power P3, and the heat leaving at U3.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::bdf2_stage(const TimeState &now,
                                      const TimeState &stage2,
                                      const double     dt,
                                      const double     P3,
                                      const double     reference,
                                      TimeState       &next)
    {
      using namespace tr_bdf2;
      stage_known_mass = now.stored;
      stage_known_mass.add(dt * w, now.rate);
      stage_known_mass.add(dt * w, stage2.rate);
      present_solution = now.solution;
      present_solution.add(1 / gamma, stage2.solution);
      present_solution.add(-1 / gamma, now.solution);
      solve_stage(P3, reference);
      next.solution = present_solution;
      evaluate_rates(next.solution, P3, next.rate, next.stored);
      next.outflow = boundary_outflow;
      next.time    = now.time + dt;
    }


    // The heat out over the step, J: through convective faces and with the
    // motion dt sum b_j Q_j, and through the fixed-temperature faces the
    // consistent reaction, the sum over their rows of
    // m(T_{n+1}) - m(T_n) - dt sum b_j f_j: what those rows would need to
    // hold their equations and do not get.
    template <int dim, typename LA>
    double
    AnodeThermal<dim, LA>::heat_out_over_step(const TimeState &now,
                                              const TimeState &stage2,
                                              const TimeState &next,
                                              const double     dt) const
    {
      using namespace tr_bdf2;
      Vector missing = next.stored;
      missing.add(-1., now.stored);
      missing.add(-dt * w, now.rate);
      missing.add(-dt * w, stage2.rate);
      missing.add(-dt * d, next.rate);
      return dt * (w * now.outflow + w * stage2.outflow + d * next.outflow) -
             sum_of_fixed_rows(missing);
    }


    // The local error dt sum (b - b^)_j f_j in heat per node, as a
    // temperature through the stage matrix (dt d (c M + K) = M + dt d K,
    // c = 1/(dt d); Shampine's filter for stiff problems): its maximum
    // over the nodes, K.
    template <int dim, typename LA>
    double
    AnodeThermal<dim, LA>::local_temperature_error(const TimeState &now,
                                                   const TimeState &stage2,
                                                   const TimeState &next,
                                                   const double     dt)
    {
      using namespace tr_bdf2;
      system_rhs = now.rate;
      system_rhs *= e1 * dt * stage_mass_factor;
      system_rhs.add(e2 * dt * stage_mass_factor, stage2.rate);
      system_rhs.add(e3 * dt * stage_mass_factor, next.rate);
      drop_fixed_rows();
      double error = 0;
      if (system_rhs.l2_norm() > 0)
        {
          Vector temperature_error(locally_owned_dofs, mpi_communicator);
          solve_linear(temperature_error, 0);
          error = temperature_error.linfty_norm();
        }
      return error;
    }


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

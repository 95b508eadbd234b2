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
//
// This file holds the TR-BDF2 step itself: the stored heat m(T), the
// rates f(T), the two stage solves, the heat out over a step and its
// local error. The rest of Task = transient, by topic:
//   transient_step_control.templates.h  the next step from the error
//                                       ratio, landing on jumps of P(t)
//                                       and on output times
//   transient_history.templates.h       history.csv, the energy balance,
//                                       the layer limits, the totals
//   transient_time_loop.templates.h     the time loop, from T = T0 or a
//                                       checkpoint to the end
#ifndef XRAY_ANODE_THERMAL_TRANSIENT_TEMPLATES_H
#define XRAY_ANODE_THERMAL_TRANSIENT_TEMPLATES_H

#include "anode_thermal/anode_thermal.h"
#include "anode_thermal/transient_history.templates.h"
#include "anode_thermal/transient_step_control.templates.h"
#include "anode_thermal/transient_time_loop.templates.h"
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
  } // namespace anode_thermal
} // namespace xray

#endif

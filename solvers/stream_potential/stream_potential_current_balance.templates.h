// StreamPotential<dim, LA>: the current balance, semismooth Newton on
// the emitted and the charging current (doc/stream-potential.md,
// "Charging models").
#ifndef XRAY_STREAM_POTENTIAL_CURRENT_BALANCE_TEMPLATES_H
#define XRAY_STREAM_POTENTIAL_CURRENT_BALANCE_TEMPLATES_H

#include "stream_potential/stream_potential_internal.h"

#include <deal.II/fe/fe_values.h>
#include <deal.II/lac/solver_control.h>
#include <deal.II/lac/solver_gmres.h>

#include <boost/math/constants/constants.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

namespace xray
{
  namespace stream_potential
  {
    template <int dim, typename LA>
    EmitterSurface
    StreamPotential<dim, LA>::emitter_of(const unsigned int particle) const
    {
      // The retarding barrier of a surface field F < 0 is |F| r_p, the
      // potential of an isolated sphere with that surface field
      // (doc/theory.md section 2, "Retarding field").
      EmitterSurface emitter     = parameters.emitter;
      emitter.retarding_length_m = particles[particle].geometry.radius;
      return emitter;
    }


    template <int dim, typename LA>
    std::vector<double>
    StreamPotential<dim, LA>::log_emitted_currents(
      const std::vector<std::vector<double>> &fields) const
    {
      // ln I_i = ln sum_k w_k J(F_k) over the vertices of all ranks, as a
      // log-sum-exp: each rank's sum relative to the largest term of all.
      const unsigned int n        = particles.size();
      const double minus_infinity = -std::numeric_limits<double>::infinity();
      std::vector<std::vector<double>> terms(n);
      std::vector<double>              largest(n, minus_infinity);
      for (unsigned int i = 0; i < n; ++i)
        {
          const EmitterSurface emitter = emitter_of(i);
          for (unsigned int k = 0; k < fields[i].size(); ++k)
            {
              const double term =
                std::log(vertex_areas(sample_dofs[i][k])) +
                log_emission_current_density(fields[i][k], emitter);
              terms[i].push_back(term);
              largest[i] = std::max(largest[i], term);
            }
        }
      internal::all_max(largest, communicator);
      std::vector<double> sum(n, 0.);
      for (unsigned int i = 0; i < n; ++i)
        if (largest[i] > minus_infinity)
          for (const double term : terms[i])
            sum[i] += std::exp(term - largest[i]);
      internal::all_sum(sum, communicator);
      for (unsigned int i = 0; i < n; ++i)
        if (largest[i] > minus_infinity)
          sum[i] = largest[i] + std::log(sum[i]);
        else
          sum[i] = minus_infinity;
      return sum;
    }


    // Current balance, for every particle i that the beam charges
    // negatively (I_c,i = q_uP j pi r_i^2 > 0; Q_b,i its beam charge,
    // I_i(Q) its emitted current, h_i = ln I_c,i - ln I_i):
    //   Q_i >= Q_b,i,   h_i(Q) >= 0,   (Q_i - Q_b,i) h_i = 0:
    // the particle keeps the beam charge unless that would emit more
    // than the charging current, and then holds the charge at which
    // it emits exactly that (near zero or positive where zero-field
    // thermionic emission alone exceeds it). Semismooth Newton on
    // min(s_i (Q_i - Q_b,i), h_i) = 0, s_i = D_i / c_i the rise of
    // ln I_i per unit charge of an isolated sphere (D_i = d ln I_i / dF,
    // c_i = 4 pi eps0 r_i^2), as in solve_field_emission_cap(): the
    // surface fields are affine in the charges (and guard potentials),
    // so each Newton step is one linear system for the balanced
    // particles, solved by GMRES with one PDE solve per product. Its
    // Jacobian is sum_k w_k J'(F_k) dF_k / I_i over every surface vertex
    // k. As the fields are affine, the step's own field is one more
    // solve, after which a backtracking line search on the residual
    // costs no solves.
    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::solve_current_balance()
    {
      BalanceState              balance     = current_balance_targets();
      const std::vector<Vector> guard_basis = guard_basis_potentials();
      balance.n_guards                      = guard_basis.size();

      for (charge_iterations = 1;
           charge_iterations <= parameters.max_charge_iterations;
           ++charge_iterations)
        {
          solve_and_evaluate();
          if (charge_iterations == 1)
            for (const Vector &basis : guard_basis)
              {
                balance.guard_fields.push_back(vertex_emitting_fields(basis));
                balance.guard_potentials.push_back(particle_potentials(basis));
              }
          BalancePoint state;
          state.fields = vertex_emitting_fields(ghosted_solution);
          const std::vector<double> log_current =
            log_emitted_currents(state.fields);
          for (const ParticleState &particle : particles)
            state.potential.push_back(particle.potential);
          linearise_current_balance(state.fields, log_current, balance);
          for (const ParticleState &particle : particles)
            state.charges.push_back(particle.charge);
          state.layers = layer_potentials;
          const std::vector<double> residual =
            balance_residuals(balance, state);

          std::vector<double> step =
            find_balanced_set(balance, log_current, state.charges);
          if (balance_converged(balance, residual))
            break;

          BalancePoint released;
          released_response(state, step, released);
          dealii::Vector<double>    rhs;
          internal::DiagonalScaling scaling;
          make_balance_newton_system(
            balance, state, log_current, released, rhs, scaling);
          dealii::Vector<double> unknowns(rhs.size());
          solve_balance_newton_system(balance, rhs, scaling, unknowns);

          const BalancePoint change =
            balance_step_response(balance, unknowns, released, step);
          const double t = balance_step_length(
            balance, state, change, internal::largest_magnitude(residual));
          apply_balance_step(change, t);
        }
      mark_limited_particles();
      if (!converged)
        throw SolverError("current balance (Newton) did not converge in " +
                          std::to_string(parameters.max_charge_iterations) +
                          " iterations (current residual " +
                          Utilities::to_string(charge_residual) +
                          " > Charging/Relative tolerance " +
                          Utilities::to_string(parameters.charge_tolerance) +
                          "; raise Charging/Maximum iterations)");
    }


    template <int dim, typename LA>
    typename StreamPotential<dim, LA>::BalanceState
    StreamPotential<dim, LA>::current_balance_targets()
    {
      // The charging current I_c,i of every particle and its logarithm,
      // the target of ln I_i; a particle whose zero-field thermionic
      // current alone exceeds it starts on the retarding branch.
      const unsigned int n  = particles.size();
      const double       pi = boost::math::constants::pi<double>();
      BalanceState       balance;
      balance.capacity.resize(n);
      balance.log_target.assign(n, -std::numeric_limits<double>::infinity());
      balance.emits.assign(n, false);
      for (unsigned int i = 0; i < n; ++i)
        {
          ParticleState &particle   = particles[i];
          const double   r          = particle.geometry.radius;
          balance.capacity[i]       = 4 * pi * vacuum_permittivity * r * r;
          particle.charging_current = parameters.beam.charging_current(r);
          balance.emits[i]          = particle.charging_current > 0;
          if (!balance.emits[i])
            continue;
          balance.log_target[i] = std::log(particle.charging_current);
          // Zero-field thermionic current of the whole surface.
          const EmitterSurface emitter = emitter_of(i);
          const double         log_thermionic =
            std::log(4 * pi * r * r) +
            log_retarded_thermionic_current_density(0., emitter);
          particle.thermionically_limited =
            log_thermionic > balance.log_target[i];
          if (particle.thermionically_limited)
            {
              // Start from the isolated sphere on the retarding branch:
              // potential V with e V / k_B T ~ ln(I_th / I_c).
              const double thermal_voltage =
                emission_constants::boltzmann_eV_per_K * emitter.temperature_K;
              const double potential =
                thermal_voltage * (log_thermionic - balance.log_target[i]);
              particle.charge =
                std::max(particle.beam_charge,
                         4 * pi * vacuum_permittivity * r * potential);
            }
        }
      return balance;
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::linearise_current_balance(
      const std::vector<std::vector<double>> &fields,
      const std::vector<double>              &log_current,
      BalanceState                           &balance) const
    {
      // Slope weights omega_k = w_k J_k (d ln J / dF)_k / I_i, so that
      // d ln I_i = sum_k omega_k dF_k, and D_i = sum_k omega_k.
      const unsigned int n        = particles.size();
      const double minus_infinity = -std::numeric_limits<double>::infinity();
      // One e-fold of current per GV/m: the least slope s_i is scaled with.
      constexpr double least_log_slope = 1e-9; // m/V
      balance.omega.assign(n, {});
      std::vector<double> slope(n, 0.);
      for (unsigned int i = 0; i < n; ++i)
        if (balance.emits[i] && log_current[i] > minus_infinity)
          {
            const EmitterSurface emitter = emitter_of(i);
            for (unsigned int k = 0; k < fields[i].size(); ++k)
              {
                const double F     = fields[i][k];
                const double w     = vertex_areas(sample_dofs[i][k]);
                const double log_J = log_emission_current_density(F, emitter);
                balance.omega[i].push_back(
                  log_J == minus_infinity ?
                    0. :
                    std::exp(std::log(w) + log_J - log_current[i]) *
                      log_emission_current_density_slope(F, emitter));
                slope[i] += balance.omega[i].back();
              }
          }
      internal::all_sum(slope, communicator);
      balance.charge_slope.resize(n);
      for (unsigned int i = 0; i < n; ++i)
        balance.charge_slope[i] =
          std::max(slope[i], least_log_slope) / balance.capacity[i];
    }


    template <int dim, typename LA>
    std::vector<double>
    StreamPotential<dim, LA>::balance_residuals(const BalanceState &balance,
                                                const BalancePoint &trial) const
    {
      // The residual min(s_i (Q_i - Q_b,i), h_i) of every free particle,
      // and each guard against its layer's mean potential.
      const unsigned int        n = particles.size();
      const std::vector<double> trial_log_current =
        log_emitted_currents(trial.fields);
      std::vector<double> result(n + balance.n_guards, 0.);
      for (unsigned int i = 0; i < n; ++i)
        if (balance.emits[i])
          {
            const double h = balance.log_target[i] - trial_log_current[i];
            const double s = balance.charge_slope[i] *
                             (trial.charges[i] - particles[i].beam_charge);
            result[i] = std::min(s, h);
          }
      const std::vector<double> mean         = layer_means(trial.potential);
      double                    largest_mean = 0;
      for (unsigned int l = 0; l < balance.n_guards; ++l)
        largest_mean = std::max(largest_mean, std::abs(mean[l]));
      for (unsigned int l = 0; l < balance.n_guards; ++l)
        result[n + l] =
          largest_mean > 0 ? (mean[l] - trial.layers[l]) / largest_mean : 0.;
      return result;
    }


    template <int dim, typename LA>
    std::vector<double>
    StreamPotential<dim, LA>::find_balanced_set(
      BalanceState              &balance,
      const std::vector<double> &log_current,
      const std::vector<double> &charges) const
    {
      // Balanced set: where the current constraint binds. The others
      // step back to their beam charge.
      const unsigned int  n = particles.size();
      std::vector<double> step(n, 0.);
      balance.balanced.clear();
      for (unsigned int i = 0; i < n; ++i)
        if (balance.emits[i])
          {
            const double h = balance.log_target[i] - log_current[i];
            const double s =
              balance.charge_slope[i] * (charges[i] - particles[i].beam_charge);
            if (h < s)
              balance.balanced.push_back(i);
            else
              step[i] = particles[i].beam_charge - charges[i];
          }
      return step;
    }


    template <int dim, typename LA>
    bool
    StreamPotential<dim, LA>::balance_converged(
      const BalanceState        &balance,
      const std::vector<double> &residual)
    {
      // Logs the step's residuals; done when both are below the tolerance.
      const unsigned int n         = particles.size();
      const double       tolerance = parameters.charge_tolerance;
      charge_residual              = 0;
      double guard_residual        = 0;
      for (unsigned int i = 0; i < n; ++i)
        charge_residual = std::max(charge_residual, std::abs(residual[i]));
      for (unsigned int l = 0; l < balance.n_guards; ++l)
        guard_residual = std::max(guard_residual, std::abs(residual[n + l]));
      output.log() << "Newton step " << charge_iterations << ": "
                   << linear_iterations.back() << " CG iterations, "
                   << balance.balanced.size() << " of " << n
                   << " particles balanced, current residual "
                   << charge_residual;
      if (balance.n_guards > 0)
        output.log() << ", guard residual " << guard_residual;
      if (charge_residual <= tolerance && guard_residual <= tolerance)
        {
          output.log() << std::endl;
          converged = true;
        }
      return converged;
    }


    template <int dim, typename LA>
    std::vector<double>
    StreamPotential<dim, LA>::log_current_change(
      const BalanceState                     &balance,
      const std::vector<std::vector<double>> &field_change) const
    {
      // Linearised change of ln I for a field change dF (all vertices).
      std::vector<double> change(particles.size(), 0.);
      for (unsigned int i = 0; i < particles.size(); ++i)
        for (unsigned int k = 0; k < balance.omega[i].size(); ++k)
          change[i] += balance.omega[i][k] * field_change[i][k];
      internal::all_sum(change, communicator);
      return change;
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::add_guard_response(
      const BalanceState               &balance,
      std::vector<std::vector<double>> &field_change,
      std::vector<double>              &potential_change,
      const std::vector<double>        &guard_change) const
    {
      // The guards' share of a field and particle potential change.
      for (unsigned int l = 0; l < balance.n_guards; ++l)
        for (unsigned int i = 0; i < particles.size(); ++i)
          {
            for (unsigned int k = 0; k < field_change[i].size(); ++k)
              field_change[i][k] +=
                guard_change[l] * balance.guard_fields[l][i][k];
            potential_change[i] +=
              guard_change[l] * balance.guard_potentials[l][i];
          }
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::released_response(const BalancePoint &state,
                                                const std::vector<double> &step,
                                                BalancePoint &released)
    {
      // The fields and potentials of the released particles' return to
      // their beam charge (zero if none is released).
      const unsigned int n = particles.size();
      released.fields.resize(n);
      released.potential.assign(n, 0.);
      for (unsigned int i = 0; i < n; ++i)
        released.fields[i].assign(state.fields[i].size(), 0.);
      if (std::any_of(step.begin(), step.end(), [](const double q) {
            return q != 0;
          }))
        {
          const Vector potential = potential_of_charges(step);
          released.fields        = vertex_emitting_fields(potential);
          released.potential     = particle_potentials(potential);
        }
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::make_balance_newton_system(
      BalanceState              &balance,
      const BalancePoint        &state,
      const std::vector<double> &log_current,
      const BalancePoint        &released,
      dealii::Vector<double>    &rhs,
      internal::DiagonalScaling &scaling) const
    {
      // Right-hand side, with the released particles' response.
      const std::vector<double> released_log_current =
        log_current_change(balance, released.fields);
      const std::vector<double> released_mean = layer_means(released.potential);
      const std::vector<double> mean          = layer_means(state.potential);
      // Guard rows relative to the largest layer mean, as their
      // residual: dimensionless like the log-current rows.
      double largest_mean = 0;
      for (unsigned int l = 0; l < balance.n_guards; ++l)
        largest_mean = std::max(largest_mean, std::abs(mean[l]));
      balance.guard_weight = largest_mean > 0 ? 1. / largest_mean : 1.; // 1/V

      const unsigned int n_balanced = balance.balanced.size();
      const unsigned int size       = n_balanced + balance.n_guards;
      rhs.reinit(size);
      scaling.diagonal.reinit(size);
      for (unsigned int a = 0; a < n_balanced; ++a)
        {
          const unsigned int i = balance.balanced[a];
          rhs[a] =
            balance.log_target[i] - log_current[i] - released_log_current[i];
          // d ln I_i / dQ_i of an isolated sphere is -D_i / c_i.
          scaling.diagonal[a] = -1. / balance.charge_slope[i];
        }
      for (unsigned int l = 0; l < balance.n_guards; ++l)
        {
          rhs[n_balanced + l] =
            (mean[l] - layer_potentials[l] + released_mean[l]) *
            balance.guard_weight;
          scaling.diagonal[n_balanced + l] = 1. / balance.guard_weight;
        }
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::balance_response(
      const BalanceState               &balance,
      const dealii::Vector<double>     &src,
      std::vector<std::vector<double>> &field_change,
      std::vector<double>              &potential_change)
    {
      // The step's response: fields and potentials of the balanced
      // charges and guard changes in src (one PDE solve).
      const unsigned int  n_balanced = balance.balanced.size();
      std::vector<double> charge_change(particles.size(), 0.);
      for (unsigned int a = 0; a < n_balanced; ++a)
        charge_change[balance.balanced[a]] = src[a];
      const Vector change = potential_of_charges(charge_change);
      field_change        = vertex_emitting_fields(change);
      potential_change    = particle_potentials(change);
      std::vector<double> guard_change(balance.n_guards);
      for (unsigned int l = 0; l < balance.n_guards; ++l)
        guard_change[l] = src[n_balanced + l];
      add_guard_response(balance, field_change, potential_change, guard_change);
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::solve_balance_newton_system(
      const BalanceState              &balance,
      const dealii::Vector<double>    &rhs,
      const internal::DiagonalScaling &scaling,
      dealii::Vector<double>          &unknowns)
    {
      // GMRES, right-preconditioned by the isolated spheres' diagonal;
      // each product is one PDE solve.
      const unsigned int       n_balanced = balance.balanced.size();
      const unsigned int       size       = rhs.size();
      internal::ChargeOperator jacobian;
      jacobian.product = [&](dealii::Vector<double>       &dst,
                             const dealii::Vector<double> &src) {
        std::vector<std::vector<double>> field_change;
        std::vector<double>              potential_change;
        balance_response(balance, src, field_change, potential_change);
        const std::vector<double> change =
          log_current_change(balance, field_change);
        for (unsigned int a = 0; a < n_balanced; ++a)
          dst[a] = change[balance.balanced[a]];
        const std::vector<double> change_mean = layer_means(potential_change);
        for (unsigned int l = 0; l < balance.n_guards; ++l)
          dst[n_balanced + l] =
            (src[n_balanced + l] - change_mean[l]) * balance.guard_weight;
      };
      // Inexact Newton: reduce the residual 1000-fold, no further than a
      // tenth of the tolerance.
      SolverControl                       control(std::max(100u, 2 * size),
                            std::max(1e-3 * rhs.l2_norm(),
                                     0.1 * parameters.charge_tolerance));
      SolverGMRES<dealii::Vector<double>> gmres(
        control,
        SolverGMRES<dealii::Vector<double>>::AdditionalData(
          std::min(size + 2, 200u), /*right_preconditioning=*/true));
      try
        {
          if (size > 0)
            gmres.solve(jacobian, unknowns, rhs, scaling);
        }
      catch (const SolverControl::NoConvergence &failure)
        {
          throw SolverError(
            "the current balance's linear solve (GMRES) did not "
            "converge in " +
            std::to_string(failure.last_step) + " iterations (residual " +
            Utilities::to_string(failure.last_residual) + ")");
        }
      gmres_iterations.push_back(size > 0 ? control.last_step() : 0);
    }


    template <int dim, typename LA>
    typename StreamPotential<dim, LA>::BalancePoint
    StreamPotential<dim, LA>::balance_step_response(
      const BalanceState           &balance,
      const dealii::Vector<double> &unknowns,
      const BalancePoint           &released,
      const std::vector<double>    &step)
    {
      // The full Newton step: the balanced charges and guard potentials
      // from the solve, the released ones back to their beam charge, and
      // the fields and potentials they make (one more solve).
      const unsigned int n_balanced = balance.balanced.size();
      BalancePoint       change;
      change.charges = step;
      for (unsigned int a = 0; a < n_balanced; ++a)
        change.charges[balance.balanced[a]] = unknowns[a];
      change.layers.resize(balance.n_guards);
      for (unsigned int l = 0; l < balance.n_guards; ++l)
        change.layers[l] = unknowns[n_balanced + l];
      dealii::Vector<double> balanced_step(unknowns.size());
      balanced_step = unknowns;
      balance_response(balance, balanced_step, change.fields, change.potential);
      for (unsigned int i = 0; i < particles.size(); ++i)
        {
          for (unsigned int k = 0; k < change.fields[i].size(); ++k)
            change.fields[i][k] += released.fields[i][k];
          change.potential[i] += released.potential[i];
        }
      return change;
    }


    template <int dim, typename LA>
    double
    StreamPotential<dim, LA>::balance_step_length(const BalanceState &balance,
                                                  const BalancePoint &state,
                                                  const BalancePoint &change,
                                                  const double start) const
    {
      // Backtracking on the largest residual: ln J is far from linear in
      // the field (Fowler-Nordheim, Schottky, the retarding barrier). The
      // first of t = 1, 1/2, ... that lowers the residual, else the full
      // step; the fields are affine in t, so a trial costs no solve.
      double t = 1;
      for (unsigned int trial = 0;; ++trial, t *= 0.5)
        {
          if (trial == 30)
            return 1;
          BalancePoint trial_point = state;
          for (unsigned int i = 0; i < particles.size(); ++i)
            {
              for (unsigned int k = 0; k < state.fields[i].size(); ++k)
                trial_point.fields[i][k] += t * change.fields[i][k];
              trial_point.charges[i] += t * change.charges[i];
              trial_point.potential[i] += t * change.potential[i];
            }
          for (unsigned int l = 0; l < balance.n_guards; ++l)
            trial_point.layers[l] += t * change.layers[l];
          if (internal::largest_magnitude(
                balance_residuals(balance, trial_point)) <
              (1 - 1e-4 * t) * start)
            return t;
        }
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::apply_balance_step(const BalancePoint &change,
                                                 const double        t)
    {
      // Moves the charges and guard potentials by t times the step.
      double largest_charge = 0;
      charge_change         = 0;
      for (unsigned int i = 0; i < particles.size(); ++i)
        {
          particles[i].charge += t * change.charges[i];
          largest_charge =
            std::max(largest_charge, std::abs(particles[i].charge));
          charge_change =
            std::max(charge_change, std::abs(t * change.charges[i]));
        }
      charge_change = largest_charge > 0 ? charge_change / largest_charge : 0.;
      if (!change.layers.empty())
        {
          for (unsigned int l = 0; l < change.layers.size(); ++l)
            layer_potentials[l] += t * change.layers[l];
          make_constraints(constraints,
                           parameters.anode_potential,
                           layer_potentials,
                           false);
        }
      output.log() << ", GMRES " << gmres_iterations.back()
                   << " iterations, step length " << t
                   << ", relative charge change " << charge_change << std::endl;
    }
  } // namespace stream_potential
} // namespace xray

#endif

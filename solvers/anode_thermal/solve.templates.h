// Solution of AnodeThermal's steady equation: Newton with line search and
// an inexact-Newton forcing term, the Krylov solvers (CG, GMRES) and the
// algebraic multigrid kept while it suits the matrix, or the sparse LU.
#ifndef XRAY_ANODE_THERMAL_SOLVE_TEMPLATES_H
#define XRAY_ANODE_THERMAL_SOLVE_TEMPLATES_H

#include "anode_thermal/anode_thermal.h"
#include "common/command_line.h"

#include <deal.II/lac/solver_cg.h>
#include <deal.II/lac/solver_control.h>
#include <deal.II/lac/solver_gmres.h>

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <sstream>
#include <string>

namespace xray
{
  namespace anode_thermal
  {
    // What the system matrix depends on besides the mesh when k is constant:
    // the conductivities, the interface conductances h_b and the convective
    // faces' h_c. On one sparsity pattern, equal keys mean equal matrices.
    // Empty when k depends on T: then the Newton matrix changes with T.
    template <int dim, typename LA>
    std::string
    AnodeThermal<dim, LA>::matrix_key() const
    {
      if (!all_conductivities_constant())
        return "";
      const bool stored = stage_mass_factor > 0;
      const bool moving = parameters.motion.is_moving();
      if ((stored || moving) && !all_heat_capacities_constant())
        return "";
      std::ostringstream key;
      key << std::setprecision(17) << "mass " << stage_mass_factor << " motion "
          << static_cast<int>(parameters.motion.kind) << ' '
          << parameters.motion.speed() << " k";
      for (unsigned int layer = 0; layer < parameters.layers.size(); ++layer)
        key << ' ' << conductivity(layer, parameters.coolant_temperature);
      key << " h_b";
      for (const double h : parameters.interface_conductances)
        key << ' ' << h;
      for (const FaceCondition *face :
           {&parameters.back_face, &parameters.side_face})
        key << " face " << static_cast<int>(face->type) << ' '
            << face->heat_transfer_coefficient;
      return key.str();
    }


    // Whether the algebraic multigrid built earlier may precondition the
    // present matrix. Constant k: only if it was built for this very matrix
    // (equal keys). k(T): the AMG of an earlier Newton matrix on this mesh
    // is a lagged preconditioner, good while GMRES needs at most twice the
    // iterations of its first solve.
    template <int dim, typename LA>
    bool
    AnodeThermal<dim, LA>::preconditioner_suits_matrix() const
    {
      if (!preconditioner || !parameters.reuse_preconditioner)
        return false;
      if (preconditioner_key != assembled_matrix_key)
        return false;
      return !assembled_matrix_key.empty() || !preconditioner_degraded;
    }


    // CG when the matrix is symmetric (constant k), GMRES for the Newton
    // matrix of k(T); algebraic multigrid in both, built anew only when the
    // one at hand does not suit the matrix. A lagged AMG that fails is
    // replaced by a fresh one and the solve repeated. Where the matrix-free
    // multigrid applies (uses_matrix_free()), CG with it instead, with no
    // matrix and no AMG (solve_matrix_free()). The residual is
    // reduced by RELATIVE_TOLERANCE (at least the linear tolerance), but not
    // below ABSOLUTE_FLOOR.
    template <int dim, typename LA>
    unsigned int
    AnodeThermal<dim, LA>::solve_linear(Vector      &update,
                                        const double absolute_floor,
                                        const double relative_tolerance)
    {
      TimerOutput::Scope t(*timer, "solve");
      // A load beyond double precision (an absurd power) makes the
      // tolerance infinite, and any iterate would pass it.
      if (!std::isfinite(system_rhs.l2_norm()))
        throw SolverError(
          "the heat load is beyond double precision (the linear system's "
          "right-hand side is not finite; check Heat source/Incident power)");
      if (parameters.direct_linear_solver)
        {
          solve_direct(update);
          update_constraints.distribute(update);
          return 0;
        }
      const bool    symmetric = matrix_is_symmetric();
      SolverControl control(parameters.max_linear_iterations,
                            std::max(std::max(relative_tolerance,
                                              parameters.linear_tolerance) *
                                       system_rhs.l2_norm(),
                                     absolute_floor));
      const bool    matrix_free = uses_matrix_free();
      bool          fresh = !matrix_free && !preconditioner_suits_matrix();
      if (fresh)
        build_preconditioner(symmetric);
      try
        {
          if (matrix_free)
            solve_matrix_free(control, update);
          else
            try
              {
                run_krylov_solver(control, symmetric, update);
              }
            catch (const SolverControl::NoConvergence &failure)
              {
                if (fresh)
                  throw;
                total_linear_iterations += failure.last_step;
                update = 0;
                build_preconditioner(symmetric);
                fresh = true;
                run_krylov_solver(control, symmetric, update);
              }
        }
      catch (const SolverControl::NoConvergence &failure)
        {
          throw SolverError(
            std::string(symmetric ? "CG" : "GMRES") + " with " +
            (matrix_free ? "matrix-free multigrid" : "AMG") +
            " did not converge in " + std::to_string(failure.last_step) +
            " iterations (residual " +
            Utilities::to_string(failure.last_residual) + ", target " +
            Utilities::to_string(control.tolerance()) +
            "; see Solver/Maximum linear iterations)");
        }
      const unsigned int iterations = control.last_step();
      if (!matrix_free)
        track_preconditioner_rate(control);
      update_constraints.distribute(update);
      total_linear_iterations += iterations;
      return iterations;
    }


    // Solver/Linear solver = direct: UPDATE = A^{-1} system_rhs from the
    // sparse LU of system_matrix. PETSc factorizes anew only when the matrix
    // changed since the last solve (a constant-k matrix kept across a power
    // search, a sweep or time steps is factorized once); Trilinos at every
    // solve.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::solve_direct(Vector &update)
    {
      if (!factorization)
        factorization = std::make_unique<typename LA::SparseLU>();
      try
        {
          factorization->factorize(system_matrix);
          factorization->solve(update, system_rhs);
        }
      catch (const std::exception &failure)
        {
          throw SolverError(std::string("Solver/Linear solver = direct: ") +
                            failure.what());
        }
    }


    // A fresh algebraic multigrid of system_matrix (SYMMETRIC: for CG),
    // which forgets the convergence rate of the one it replaces.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::build_preconditioner(const bool symmetric)
    {
      TimerOutput::Scope tp(*timer, "preconditioner");
      preconditioner.reset();
      preconditioner = std::make_unique<typename LA::AMG>();
      LA::initialize_amg(*preconditioner,
                         system_matrix,
                         symmetric,
                         parameters.fe_degree > 1);
      preconditioner_key        = assembled_matrix_key;
      preconditioner_first_rate = 0;
      preconditioner_degraded   = false;
      ++total_preconditioner_setups;
    }


    // One Krylov solve of system_matrix UPDATE = system_rhs under CONTROL:
    // CG if SYMMETRIC, else GMRES (restart 100), right-preconditioned so
    // that it stops on the true residual (the one Newton sees), not the
    // preconditioned one.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::run_krylov_solver(SolverControl &control,
                                             const bool     symmetric,
                                             Vector        &update)
    {
      if (symmetric)
        {
          SolverCG<Vector> cg(control);
          cg.solve(system_matrix, update, system_rhs, *preconditioner);
        }
      else
        {
          SolverGMRES<Vector> gmres(
            control, typename SolverGMRES<Vector>::AdditionalData(100, true));
          gmres.solve(system_matrix, update, system_rhs, *preconditioner);
        }
    }


    // Digits of residual reduction per iteration, log10(r_0 / r_n) / n: solves
    // to different tolerances (the forcing term) compare by their rate, not
    // their iteration count. The first solve with a preconditioner sets its
    // rate; a later one at less than half of it marks it degraded
    // (preconditioner_suits_matrix()).
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::track_preconditioner_rate(
      const SolverControl &control)
    {
      const unsigned int iterations = control.last_step();
      const double       rate =
        iterations > 0 && control.initial_value() > 0 &&
            control.last_value() > 0 ?
                std::log10(control.initial_value() / control.last_value()) /
            iterations :
                0.;
      if (preconditioner_first_rate == 0)
        preconditioner_first_rate = rate;
      else if (rate < 0.5 * preconditioner_first_rate)
        preconditioner_degraded = true;
    }


    // The residual norm at T, with the Newton matrix at T as well if
    // WITH_MATRIX (one pass over the cells for both).
    template <int dim, typename LA>
    double
    AnodeThermal<dim, LA>::residual_norm(const Vector &T,
                                         const bool    with_matrix)
    {
      assemble(T, with_matrix);
      return system_rhs.l2_norm();
    }


    // Whether the Newton step from relative residual RHO is expected to
    // leave Newton unconverged: then the first trial of the line search
    // assembles the next Newton matrix along with its residual, and a full
    // step needs no assembly of its own. Only for a steady Newton matrix
    // that changes with T (k(T), or c_p(T) in a moving anode): a constant
    // matrix is kept anyway, and a time step's stages start close to their
    // answer and often converge in one step. The expectation is Newton's
    // quadratic rate, rho -> rho^2: a logged search point went 5.3e-2 ->
    // 3.0e-4 -> 1.2e-8 -> 8e-11, each step below rho^2 until the round-off
    // floor, which lies below the tolerance. Where chord steps apply
    // (chord_steps_apply()), a step from rho <= chord_start leaves the
    // next one to the kept factorization instead.
    template <int dim, typename LA>
    bool
    AnodeThermal<dim, LA>::next_matrix_with_trial(const double rho) const
    {
      if (chord_steps_apply() && rho <= chord_start)
        return false;
      return steady_matrix_changes_with_T() &&
             rho * rho > parameters.newton_tolerance;
    }


    // Whether the Newton system has an assembled steady matrix that changes
    // with T: k(T), or c_p(T) in a moving anode (an empty matrix_key()),
    // outside the stages of a time step and the matrix-free path.
    template <int dim, typename LA>
    bool
    AnodeThermal<dim, LA>::steady_matrix_changes_with_T() const
    {
      return matrix_key().empty() && stage_mass_factor == 0 &&
             !uses_matrix_free();
    }


    // Chord steps (Solver/Chord steps with Linear solver = direct, a steady
    // Newton matrix that changes with T): near the root a step solves with the
    // kept factorization of the Newton matrix at an earlier iterate T_m,
    //   J(T_m) dT = -R(T_k),
    // instead of assembling and factorizing J(T_k) (the chord method:
    // C. T. Kelley, Iterative Methods for Linear and Nonlinear Equations,
    // SIAM 1995, ch. 5). The fixed point is the same, R(T) = 0; the rate
    // is linear, the residual shrinking by about the relative distance
    // between T_m and T_k, which after a Newton step from rho is of order
    // rho. A chord step costs an assembly of the residual and a
    // substitution, a Newton step the matrix's assembly and a numeric
    // factorization besides. A power search's next evaluation starts with
    // one too, from the last evaluation's factorization on this mesh.
    // Chord steps go on while each shrinks the residual by chord_rate at
    // least; a weaker one is kept but the next step is Newton's, and one
    // that does not reduce the residual is undone.
    template <int dim, typename LA>
    bool
    AnodeThermal<dim, LA>::chord_steps_apply() const
    {
      return parameters.direct_linear_solver && parameters.chord_steps &&
             steady_matrix_changes_with_T();
    }


    // Newton with backtracking line search (step-15, step-77): halve the step
    // until the residual norm decreases. Constant k: one step solves it.
    template <int dim, typename LA>
    SolveStatistics
    AnodeThermal<dim, LA>::solve_steady_state(const double incident_power)
    {
      current_incident_power       = incident_power;
      solution_coolant_temperature = parameters.coolant_temperature;
      if (!solution_on_this_mesh)
        {
          present_solution      = parameters.coolant_temperature;
          solution_on_this_mesh = true;
        }

      // The residual of the uniform state T = T0 is the heat input alone
      // (no gradient, no convective or interface flux): the load. Newton is
      // converged relative to that scale, which does not shrink when a
      // solve starts from a nearby solution. By the partition of unity the
      // entries of the heat input add up to the heat the assembled system
      // receives (hanging-node constraints keep the sum).
      const double load    = deposited_power() * unit_source_norm;
      assembled_heat_input = deposited_power() * unit_source_sum;
      return solve_newton(load);
    }


    // Newton from present_solution: converged when the residual is below
    // the Newton tolerance times REFERENCE (the scale of the equation).
    // Inexact Newton: the linearised residual left by a step becomes the
    // residual after it, so a step need not leave less than a tenth of
    // Newton's target, nor (forcing_term()) much less than the residual the
    // step's own linearisation error leaves.
    // Linear tolerance of a Newton step at relative residual RHO: with a
    // nonlinear equation the step leaves a residual of order rho^2 from the
    // linearisation anyway, and reducing the linear residual by
    // eta = min(rho, 1e-2) keeps Newton's quadratic rate (Dembo, Eisenstat &
    // Steihaug, SIAM J. Numer. Anal. 19 (1982) 400, eta_k = O(|F_k|)) at a
    // fraction of the iterations. A linear equation (constant k, and
    // constant c_p where heat is stored or advected) is solved in one step
    // to the linear tolerance. So are the stages of a time step: they start
    // from a close prediction, and a looser solve would only add Newton
    // steps, each with an assembly (the larger cost on the small meshes of
    // transient runs).
    template <int dim, typename LA>
    double
    AnodeThermal<dim, LA>::forcing_term(const double rho) const
    {
      if (!matrix_key().empty() || stage_mass_factor > 0)
        return parameters.linear_tolerance;
      return std::min(rho, 1e-2);
    }


    // What to check when the temperatures run away: the heat put in, and
    // the ways out of the anode.
    template <int dim, typename LA>
    const std::string AnodeThermal<dim, LA>::heat_escape_hint =
      "check Heat source/Incident power, and that the heat can leave: the "
      "Cooling faces and their heat transfer coefficients, Geometry/"
      "Interface conductances";


    // For a Newton run that did not converge at an iterate whose largest
    // |T| is LARGEST_TEMPERATURE: where that is above every layer's
    // temperature limit, the likely causes (heat_escape_hint) rather than
    // too few steps (a conductance of 1e-300 W/(m^2 K) between the layers
    // of params/mo-on-diamond.prm ran out of steps so).
    template <int dim, typename LA>
    std::string
    AnodeThermal<dim, LA>::runaway_hint(const double largest_temperature) const
    {
      for (const auto &layer : parameters.layers)
        if (!(largest_temperature > layer.temperature_limit))
          return "";
      return "; the last iterate reaches " +
             Utilities::to_string(largest_temperature) +
             " K, above every layer's temperature limit: " + heat_escape_hint;
    }


    template <int dim, typename LA>
    SolveStatistics
    AnodeThermal<dim, LA>::solve_newton(const double reference)
    {
      const double target       = parameters.newton_tolerance * reference;
      const double linear_floor = 0.1 * target;
      temperature_constraints.distribute(present_solution);
      temperature = present_solution;

      SolveStatistics statistics;
      // A chord step first if an earlier Newton matrix's factorization is
      // at hand (chord_steps_apply()): the residual alone is assembled.
      bool chord =
        chord_steps_apply() && factorization && newton_factorization_kept;
      if (chord)
        assemble(temperature, false);
      else
        assemble_newton_system(temperature);
      statistics.reference_residual = reference;
      double residual               = system_rhs.l2_norm();

      Vector update(locally_owned_dofs, mpi_communicator);
      Vector trial(locally_owned_dofs, mpi_communicator);
      while (residual > target)
        {
          if (statistics.newton_iterations == parameters.max_newton_iterations)
            throw SolverError(
              "Newton did not converge in " +
              std::to_string(statistics.newton_iterations) +
              " iterations: relative residual " +
              Utilities::to_string(residual / statistics.reference_residual) +
              " > " + Utilities::to_string(parameters.newton_tolerance) +
              " (see Solver/Maximum Newton iterations)" +
              runaway_hint(present_solution.linfty_norm()));
          update = 0;
          const unsigned int linear_iterations =
            solve_linear(update,
                         linear_floor,
                         forcing_term(residual / reference));
          newton_factorization_kept = chord_steps_apply();
          statistics.linear_iterations += linear_iterations;

          double step = 1;
          double trial_residual;
          bool   with_matrix = false;
          if (chord)
            {
              trial = present_solution;
              trial.add(1., update);
              temperature    = trial;
              trial_residual = residual_norm(temperature);
              if (!(trial_residual < residual))
                {
                  // Undone: Newton's step from the present iterate instead.
                  temperature = present_solution;
                  assemble_newton_system(temperature);
                  chord = false;
                  continue;
                }
              ++total_chord_steps;
            }
          else
            {
              with_matrix = next_matrix_with_trial(residual / reference);
              for (;;)
                {
                  trial = present_solution;
                  trial.add(step, update);
                  temperature = trial;
                  trial_residual =
                    residual_norm(temperature, with_matrix && step == 1);
                  if (trial_residual < (1 - 1e-4 * step) * residual ||
                      step < 1. / 64)
                    break;
                  step /= 2;
                }
            }
          // (A residual that is not finite would end the loop as if
          // converged: NaN > target is false.)
          if (!std::isfinite(trial_residual))
            throw SolverError("Newton's residual is not finite after a step "
                              "at " +
                              Utilities::to_string(current_incident_power) +
                              " W incident (temperatures far outside the "
                              "materials' data; " +
                              heat_escape_hint + ")");
          // The next step: a chord step after a chord step that shrank the
          // residual by chord_rate, or after a full Newton step that
          // assembled no matrix with its trial (next_matrix_with_trial());
          // else Newton's.
          const bool next_chord =
            chord ? trial_residual <= chord_rate * residual :
                    chord_steps_apply() && !with_matrix && step == 1;
          present_solution = trial;
          residual         = trial_residual;
          ++statistics.newton_iterations;
          // A residual floor set by round-off (large interface conductances
          // make large matrix entries, a tiny rise sits on an absolute
          // temperature) can sit above the target; an update below the
          // tolerance times the temperature rise, or at the round-off of
          // the temperature itself, is converged too.
          const double change = step * update.linfty_norm();
          const double peak   = present_solution.linfty_norm();
          const double rise   = peak - parameters.coolant_temperature;
          const bool   stagnated =
            change <=
            std::max(parameters.newton_tolerance * rise,
                     64 * std::numeric_limits<double>::epsilon() * peak);
          if (!quiet_newton)
            log() << "      Newton " << statistics.newton_iterations
                  << ": residual " << residual / statistics.reference_residual
                  << " (relative), step " << step << ", "
                  << (chord ? std::string("chord step, earlier sparse LU") :
                      parameters.direct_linear_solver ?
                              std::string("sparse LU") :
                              std::to_string(linear_iterations) +
                                (matrix_is_symmetric() ? " CG" : " GMRES") +
                                " iterations")
                  << std::endl;
          if (stagnated)
            break;
          chord = next_chord;
          if (residual > target && !chord && !(with_matrix && step == 1))
            assemble_newton_system(temperature);
        }
      statistics.final_residual = residual;
      total_newton_iterations += statistics.newton_iterations;
      return statistics;
    }
  } // namespace anode_thermal
} // namespace xray

#endif

// StreamPotential<dim, LA>: the linear solves (CG with AMG, the matrix
// and the preconditioner reused by every right-hand side).
#ifndef XRAY_STREAM_POTENTIAL_SOLVE_TEMPLATES_H
#define XRAY_STREAM_POTENTIAL_SOLVE_TEMPLATES_H

#include "stream_potential/stream_potential_internal.h"

#include <deal.II/lac/solver_cg.h>
#include <deal.II/lac/solver_control.h>

namespace xray
{
  namespace stream_potential
  {
    template <int dim, typename LA>
    unsigned int
    StreamPotential<dim, LA>::solve(const double tolerance)
    {
      const unsigned int iterations =
        solve(constraints, system_rhs, solution, tolerance);
      ghosted_solution = solution;
      return iterations;
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::build_preconditioner()
    {
      TimerOutput::Scope scope(timer, "preconditioner setup");
      if constexpr (std::is_same_v<LA, PETScAlgebra>)
        if (uses_two_level_preconditioner())
          {
            two_level = std::make_unique<TwoLevelPreconditioner>();
            two_level->initialize(system_matrix,
                                  dof_handler,
                                  FE_SimplexP<dim>(1));
            output.log() << "Preconditioner: two-level (Gauss-Seidel on P"
                         << fe.degree << ", BoomerAMG on P1)" << std::endl;
            return;
          }
      preconditioner = std::make_unique<typename LA::AMG>();
      LA::initialize_amg(*preconditioner, system_matrix, true, fe.degree > 1);
      output.log() << "Preconditioner: AMG (" << LA::name << ")" << std::endl;
    }


    template <int dim, typename LA>
    bool
    StreamPotential<dim, LA>::uses_two_level_preconditioner() const
    {
      // PETSc only (TwoLevelPreconditioner), and a linear element below
      // the potential's.
      return parameters.preconditioner == "two-level" &&
             std::is_same_v<LA, PETScAlgebra> && fe.degree > 1;
    }


    template <int dim, typename LA>
    unsigned int
    StreamPotential<dim, LA>::solve(
      const AffineConstraints<double> &boundary_constraints,
      const Vector                    &rhs,
      Vector                          &potential,
      const double                     tolerance)
    {
      if (!preconditioner && !two_level)
        build_preconditioner();
      TimerOutput::Scope scope(timer, "solve");
      unsigned int       iterations = 0;
      const double       rhs_norm   = rhs.l2_norm();
      if (rhs_norm > 0)
        {
          SolverControl    control(parameters.max_linear_iterations,
                                tolerance * rhs_norm);
          SolverCG<Vector> cg(control);
          try
            {
              const auto cg_with = [&](const auto &preconditioner_used) {
                cg.solve(system_matrix, potential, rhs, preconditioner_used);
              };
              if constexpr (std::is_same_v<LA, PETScAlgebra>)
                if (two_level)
                  cg_with(*two_level);
                else
                  cg_with(*preconditioner);
              else
                cg_with(*preconditioner);
            }
          catch (const SolverControl::NoConvergence &failure)
            {
              throw SolverError(
                "CG did not converge in " + std::to_string(failure.last_step) +
                " iterations (residual " +
                Utilities::to_string(failure.last_residual / rhs_norm) +
                " of the right-hand side, tolerance " +
                Utilities::to_string(tolerance) +
                "); raise Solver/Maximum linear iterations or check the mesh");
            }
          iterations = control.last_step();
        }
      else
        potential = 0;
      boundary_constraints.distribute(potential);
      return iterations;
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::solve_and_evaluate()
    {
      // The field of the current charges and boundary potentials, and
      // each particle's potential and surface fields.
      assemble_rhs();
      linear_iterations.push_back(solve(parameters.linear_tolerance));
      evaluate_particles();
    }


    template <int dim, typename LA>
    typename StreamPotential<dim, LA>::Vector
    StreamPotential<dim, LA>::potential_of_charges(
      const std::vector<double> &charges)
    {
      Vector rhs(locally_owned_dofs, communicator);
      Vector potential(locally_owned_dofs, communicator);
      assemble_rhs(homogeneous_constraints, charges, rhs);
      response_cg_iterations += solve(homogeneous_constraints,
                                      rhs,
                                      potential,
                                      parameters.linear_tolerance);
      ++response_solves;
      Vector ghosted(locally_owned_dofs, locally_relevant_dofs, communicator);
      ghosted = potential;
      return ghosted;
    }


    template <int dim, typename LA>
    std::vector<typename StreamPotential<dim, LA>::Vector>
    StreamPotential<dim, LA>::guard_basis_potentials()
    {
      // Guard potential 1 V at layer l, linear to 0 V at the neighbouring
      // layers, the anode and the top. The basis enters only the charge
      // iterations' Jacobians (the guard columns), never a result: every
      // iterate is a full solve with the guard potentials imposed. So it
      // is solved as exactly as a Jacobian product (relative 1e-6, or the
      // linear tolerance if that is looser), not to the linear tolerance.
      const double tolerance =
        std::max(parameters.linear_tolerance, jacobian_product_tolerance);
      const unsigned int n_guards =
        parameters.guard_electrodes ? layer_heights.size() : 0;
      std::vector<Vector> basis(n_guards);
      for (unsigned int l = 0; l < n_guards; ++l)
        {
          std::vector<double> unit(n_guards, 0.);
          unit[l] = 1.;
          AffineConstraints<double> guard_constraints;
          make_constraints(guard_constraints, 0., unit, true);
          Vector rhs(locally_owned_dofs, communicator);
          Vector potential(locally_owned_dofs, communicator);
          assemble_rhs(guard_constraints, {}, rhs);
          response_cg_iterations +=
            solve(guard_constraints, rhs, potential, tolerance);
          ++response_solves;
          basis[l].reinit(locally_owned_dofs,
                          locally_relevant_dofs,
                          communicator);
          basis[l] = potential;
        }
      return basis;
    }
  } // namespace stream_potential
} // namespace xray

#endif

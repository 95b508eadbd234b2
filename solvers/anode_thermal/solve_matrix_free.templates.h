// AnodeThermal's linear solves without a matrix (Solver/Preconditioner =
// matrix-free multigrid): where the option applies, the Newton system's
// residual is assembled as always and J u = -R is solved with the
// conduction operator (constant k: CG) or the Newton matrix of k(T)
// (GMRES) applied cell by cell, preconditioned by a geometric multigrid
// (conduction_multigrid.h). The unknowns are those of the hp
// DoFHandler's first element (FE_Q beside FE_Nothing) on every cell, so
// vectors pass between the two numberings entry by entry.
#ifndef XRAY_ANODE_THERMAL_SOLVE_MATRIX_FREE_TEMPLATES_H
#define XRAY_ANODE_THERMAL_SOLVE_MATRIX_FREE_TEMPLATES_H

#include "anode_thermal/anode_thermal.h"
#include "common/errors.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace xray
{
  namespace anode_thermal
  {
    // The operator is -div(k grad .) with one constant k per layer, or the
    // Newton matrix of k(T), -div(k(T) grad . + k'(T) grad T .), on a single
    // field, held at T0 on faces (Dirichlet), cooled by convection or
    // insulated; what else the Newton matrix can hold is named here.
    template <int dim, typename LA>
    std::string
    AnodeThermal<dim, LA>::matrix_free_obstacle() const
    {
      if (parameters.task == Task::transient)
        return "the transient task stores heat";
      if (parameters.motion.is_moving())
        return "a moving anode carries heat";
      for (const double h : parameters.interface_conductances)
        if (std::isfinite(h))
          return "an interface conductance joins two layers";
      return "";
    }


    template <int dim, typename LA>
    bool
    AnodeThermal<dim, LA>::uses_matrix_free() const
    {
      return parameters.matrix_free_multigrid && matrix_free_obstacle().empty();
    }


    // The multigrid of the present mesh and coefficients, and the map from
    // the owned unknowns to its finest vector.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::setup_matrix_free_multigrid()
    {
      TimerOutput::Scope t(*timer, "preconditioner");
      multigrid.reset();
      typename ConductionMultigrid<dim>::Problem problem;
      // (On degree + 1 Gauss points per direction, the assembly's rule at
      // rest: the same operator as its matrix.)
      problem.degree = parameters.fe_degree;
      for (const auto &layer : parameters.layers)
        problem.conductivity.push_back(layer.material.conductivity);
      problem.fixed_faces = fixed_temperature_faces();
      for (const types::boundary_id face :
           {meshes::boundary::back_face, meshes::boundary::side_face})
        if (const FaceCondition *convective = convective_condition(face))
          problem.convective_faces[face] =
            convective->heat_transfer_coefficient;
      problem.weight = [this](const Point<dim> &x) { return weight(x); };
      problem.weight_is_constant = dim == 3;
      multigrid     = std::make_unique<ConductionMultigrid<dim>>(triangulation,
                                                             mapping[0],
                                                             problem);
      multigrid_key = matrix_key();

      // FESystem(FE_Q, FE_Nothing) numbers a cell's unknowns as FE_Q does.
      const DoFHandler<dim> &finest = multigrid->dof_handler();
      if (&finest.get_triangulation() != &triangulation)
        throw std::logic_error("the multigrid's finest level is not on the "
                               "solver's mesh");
      for (unsigned int i = 0; i < fe[0].n_dofs_per_cell(); ++i)
        if (fe[0].system_to_base_index(i).first.first != 0 ||
            fe[0].system_to_base_index(i).second != i)
          throw std::logic_error("the hp element does not number its "
                                 "unknowns as FE_Q does");
      const IndexSet &finest_owned = finest.locally_owned_dofs();
      multigrid_owned_dofs.assign(locally_owned_dofs.begin(),
                                  locally_owned_dofs.end());
      multigrid_local_index.assign(multigrid_owned_dofs.size(),
                                   numbers::invalid_unsigned_int);
      std::vector<types::global_dof_index> own, theirs;
      for (const auto &cell : owned_cells)
        {
          const typename DoFHandler<dim>::active_cell_iterator other(
            &triangulation, cell->level(), cell->index(), &finest);
          own.resize(cell->get_fe().n_dofs_per_cell());
          theirs.resize(other->get_fe().n_dofs_per_cell());
          cell->get_dof_indices(own);
          other->get_dof_indices(theirs);
          for (unsigned int i = 0; i < own.size(); ++i)
            if (locally_owned_dofs.is_element(own[i]))
              {
                if (!finest_owned.is_element(theirs[i]))
                  throw std::logic_error("an owned unknown of the solver is "
                                         "not owned in the multigrid");
                multigrid_local_index[locally_owned_dofs.index_within_set(
                  own[i])] = finest_owned.index_within_set(theirs[i]);
              }
        }
      for (const unsigned int index : multigrid_local_index)
        if (index == numbers::invalid_unsigned_int)
          throw std::logic_error("an owned unknown has no multigrid twin");
      log() << "   Linear solver: "
            << (multigrid->depends_on_temperature() ? "GMRES" : "CG")
            << " with matrix-free geometric multigrid, "
            << multigrid->n_levels() << " levels, "
            << multigrid->n_coarse_dofs()
            << " unknowns on the coarse mesh (algebraic multigrid there)"
            << std::endl;
    }


    // The Newton system through the multigrid (with k(T) linearised at
    // present_solution, where solve_newton() assembled the residual),
    // UPDATE the initial guess and the result (its constrained entries are
    // distributed by the caller).
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::solve_matrix_free(SolverControl &control,
                                             Vector        &update)
    {
      if (!multigrid || multigrid_key != matrix_key() ||
          !parameters.reuse_preconditioner)
        {
          setup_matrix_free_multigrid();
          ++total_preconditioner_setups;
        }
      using MultigridVector = typename ConductionMultigrid<dim>::VectorType;
      std::vector<double> values(multigrid_owned_dofs.size());
      const auto          to_multigrid = [&](const Vector &from) {
        MultigridVector to;
        multigrid->initialize_dof_vector(to);
        from.extract_subvector_to(multigrid_owned_dofs, values);
        for (unsigned int i = 0; i < values.size(); ++i)
          to.local_element(multigrid_local_index[i]) = values[i];
        return to;
      };
      if (multigrid->depends_on_temperature())
        multigrid->linearise(to_multigrid(present_solution));
      const MultigridVector b = to_multigrid(system_rhs);
      MultigridVector       x = to_multigrid(update);

      multigrid->solve(control, x, b);

      for (unsigned int i = 0; i < values.size(); ++i)
        values[i] = x.local_element(multigrid_local_index[i]);
      update.set(multigrid_owned_dofs, values);
      update.compress(VectorOperation::insert);
    }
  } // namespace anode_thermal
} // namespace xray

#endif

// AnodeThermal's linear solves without a matrix (Solver/Preconditioner =
// matrix-free multigrid): where the option applies, the Newton system's
// residual is assembled as always and J u = -R is solved with the
// conduction operator (constant k: CG) or the Newton matrix of k(T)
// (GMRES) applied cell by cell, preconditioned by a geometric multigrid
// (conduction_multigrid.h). Each layer's unknowns are its field's
// component there (one FE_Q, or FESystem of two where interface
// conductances split the layers into two fields, as the hp elements of
// FE_Q beside FE_Nothing do), so vectors pass between the two numberings
// entry by entry.
#ifndef XRAY_ANODE_THERMAL_SOLVE_MATRIX_FREE_TEMPLATES_H
#define XRAY_ANODE_THERMAL_SOLVE_MATRIX_FREE_TEMPLATES_H

#include "anode_thermal/anode_thermal.h"
#include "common/errors.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace xray
{
  namespace anode_thermal
  {
    // The operator is -div(k grad .) with one constant k per layer, or the
    // Newton matrix of k(T), -div(k(T) grad . + k'(T) grad T .), with the
    // flux h_b [T] across resistive interfaces, held at T0 on faces
    // (Dirichlet), cooled by convection or insulated; what else the Newton
    // matrix can hold is named here.
    template <int dim, typename LA>
    std::string
    AnodeThermal<dim, LA>::matrix_free_obstacle() const
    {
      if (parameters.task == Task::transient)
        return "the transient task stores heat";
      if (parameters.motion.is_moving())
        return "a moving anode carries heat";
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
      problem.field                 = layer_component;
      problem.interface_conductance = parameters.interface_conductances;
      problem.weight = [this](const Point<dim> &x) { return weight(x); };
      problem.weight_is_constant = dim == 3;
      multigrid     = std::make_unique<ConductionMultigrid<dim>>(triangulation,
                                                             mapping[0],
                                                             problem);
      multigrid_key = matrix_key();

      // A cell's unknown i is shape function `index` of its field's FE_Q
      // (`component`); the multigrid's is that of the same component.
      const DoFHandler<dim> &finest = multigrid->dof_handler();
      if (&finest.get_triangulation() != &triangulation)
        throw std::logic_error("the multigrid's finest level is not on the "
                               "solver's mesh");
      const FiniteElement<dim> &system       = finest.get_fe();
      const IndexSet           &finest_owned = finest.locally_owned_dofs();
      multigrid_owned_dofs.assign(locally_owned_dofs.begin(),
                                  locally_owned_dofs.end());
      multigrid_twin.assign(multigrid_owned_dofs.size(),
                            numbers::invalid_dof_index);
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
                const auto [component, index] =
                  cell->get_fe().system_to_component_index(i);
                if (component >= system.n_components())
                  throw std::logic_error("a layer's field has no component "
                                         "in the multigrid");
                multigrid_twin[locally_owned_dofs.index_within_set(own[i])] =
                  theirs[system.component_to_system_index(component, index)];
              }
        }
      std::vector<types::global_dof_index> twins = multigrid_twin;
      std::sort(twins.begin(), twins.end());
      if (!twins.empty() && twins.back() == numbers::invalid_dof_index)
        throw std::logic_error("an owned unknown has no multigrid twin");
      twins.erase(std::unique(twins.begin(), twins.end()), twins.end());
      IndexSet relevant(finest.n_dofs());
      relevant.add_indices(twins.begin(), twins.end());
      relevant.add_indices(finest_owned);
      multigrid_exchange.reinit(finest_owned, relevant, mpi_communicator);
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
      // (Each twin is written by the one rank that owns its unknown.)
      const auto to_multigrid = [&](const Vector &from) {
        from.extract_subvector_to(multigrid_owned_dofs, values);
        multigrid_exchange = 0.;
        for (unsigned int i = 0; i < values.size(); ++i)
          multigrid_exchange(multigrid_twin[i]) = values[i];
        multigrid_exchange.compress(VectorOperation::add);
        MultigridVector to;
        multigrid->initialize_dof_vector(to);
        to.copy_locally_owned_data_from(multigrid_exchange);
        return to;
      };
      if (multigrid->depends_on_temperature())
        multigrid->linearise(to_multigrid(present_solution));
      const MultigridVector b = to_multigrid(system_rhs);
      MultigridVector       x = to_multigrid(update);

      multigrid->solve(control, x, b);

      multigrid_exchange.copy_locally_owned_data_from(x);
      multigrid_exchange.update_ghost_values();
      for (unsigned int i = 0; i < values.size(); ++i)
        values[i] = multigrid_exchange(multigrid_twin[i]);
      multigrid_exchange.zero_out_ghost_values();
      update.set(multigrid_owned_dofs, values);
      update.compress(VectorOperation::insert);
    }
  } // namespace anode_thermal
} // namespace xray

#endif

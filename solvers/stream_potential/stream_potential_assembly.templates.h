// StreamPotential<dim, LA>: the matrix int eps0 grad phi_i . grad phi_j
// and the right-hand sides (space charge, boundary potentials, the
// charges of the floating conductors).
#ifndef XRAY_STREAM_POTENTIAL_ASSEMBLY_TEMPLATES_H
#define XRAY_STREAM_POTENTIAL_ASSEMBLY_TEMPLATES_H

#include "stream_potential/stream_potential_internal.h"

#include <deal.II/fe/fe_values.h>

#include <algorithm>

namespace xray
{
  namespace stream_potential
  {
    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::assemble_matrix()
    {
      TimerOutput::Scope scope(timer, "assembly");
      FEValues<dim>      fe_values(mapping,
                              fe,
                              quadrature,
                              update_gradients | update_JxW_values);
      const unsigned int dofs_per_cell = fe.n_dofs_per_cell();
      FullMatrix<double> cell_matrix(dofs_per_cell, dofs_per_cell);
      std::vector<types::global_dof_index> dof_indices(dofs_per_cell);

      system_matrix = 0;
      for (const auto &cell : dof_handler.active_cell_iterators())
        if (cell->is_locally_owned())
          {
            fe_values.reinit(cell);
            // The curved (quadratic) geometry folds a tetrahedron when a
            // surface edge bulges across a gap narrower than its sagitta.
            for (const unsigned int q : fe_values.quadrature_point_indices())
              if (!(fe_values.JxW(q) > 0))
                throw SolverError(
                  "the curved mesh folds a cell near " +
                  Utilities::to_string(cell->center()[0]) + ", " +
                  Utilities::to_string(cell->center()[1]) + ", " +
                  Utilities::to_string(cell->center()[2 % dim]) +
                  " m (particles too close for the element size): lower "
                  "Mesh/Surface element size or widen the gaps");
            cell_matrix = 0;
            // int eps0 grad phi_i . grad phi_j
            for (const unsigned int q : fe_values.quadrature_point_indices())
              for (const unsigned int i : fe_values.dof_indices())
                for (const unsigned int j : fe_values.dof_indices())
                  cell_matrix(i, j) +=
                    vacuum_permittivity * fe_values.shape_grad(i, q) *
                    fe_values.shape_grad(j, q) * fe_values.JxW(q);
            cell->get_dof_indices(dof_indices);
            constraints.distribute_local_to_global(cell_matrix,
                                                   dof_indices,
                                                   system_matrix);
          }
      system_matrix.compress(VectorOperation::add);
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::assemble_rhs()
    {
      std::vector<double> charges;
      if (parameters.charging_model != ChargingModel::prescribed_potential)
        for (const auto &particle : particles)
          charges.push_back(particle.charge);
      assemble_rhs(constraints, charges, system_rhs);
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::assemble_rhs(
      const AffineConstraints<double> &boundary_constraints,
      const std::vector<double>       &charges,
      Vector                          &rhs)
    {
      TimerOutput::Scope     scope(timer, "assembly");
      FEValues<dim>          fe_values(mapping,
                              fe,
                              quadrature,
                              update_values | update_gradients |
                                update_quadrature_points | update_JxW_values);
      const unsigned int     dofs_per_cell = fe.n_dofs_per_cell();
      FullMatrix<double>     cell_matrix(dofs_per_cell, dofs_per_cell);
      dealii::Vector<double> cell_rhs(dofs_per_cell);
      std::vector<types::global_dof_index> dof_indices(dofs_per_cell);

      rhs = 0;
      for (const auto &cell : dof_handler.active_cell_iterators())
        if (cell->is_locally_owned())
          {
            cell->get_dof_indices(dof_indices);
            const bool inhomogeneous = std::any_of(
              dof_indices.begin(),
              dof_indices.end(),
              [&](const types::global_dof_index k) {
                return boundary_constraints.is_inhomogeneously_constrained(k);
              });
            if (!inhomogeneous && !has_space_charge)
              continue; // nothing to add: no space charge, no known potential
            fe_values.reinit(cell);
            cell_rhs    = 0;
            cell_matrix = 0;
            for (const unsigned int q : fe_values.quadrature_point_indices())
              {
                const double rho =
                  has_space_charge ?
                    space_charge_density(fe_values.quadrature_point(q)) :
                    0.;
                for (const unsigned int i : fe_values.dof_indices())
                  {
                    cell_rhs(i) +=
                      rho * fe_values.shape_value(i, q) * fe_values.JxW(q);
                    if (inhomogeneous)
                      for (const unsigned int j : fe_values.dof_indices())
                        cell_matrix(i, j) +=
                          vacuum_permittivity * fe_values.shape_grad(i, q) *
                          fe_values.shape_grad(j, q) * fe_values.JxW(q);
                  }
              }
            // With the cell matrix, the constraints move the known
            // potentials (anode bias, guards, fixed particles) to the
            // right-hand side; the global matrix is untouched.
            boundary_constraints.distribute_local_to_global(cell_rhs,
                                                            dof_indices,
                                                            rhs,
                                                            cell_matrix);
          }

      // Gauss's law of each floating particle: its charge is the
      // right-hand side of its master row.
      for (unsigned int i = 0; i < charges.size(); ++i)
        if (locally_owned_dofs.is_element(master_dofs[i]))
          rhs(master_dofs[i]) += charges[i];
      rhs.compress(VectorOperation::add);
    }
  } // namespace stream_potential
} // namespace xray

#endif

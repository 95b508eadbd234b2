// Assembly of AnodeThermal's Newton system: the system at T (assemble()),
// cell by cell with the shape functions at the quadrature points (from the
// reference cell's and the inverse Jacobians, cached up to
// max_point_cache_bytes), the residual and Jacobian of conduction
// with k(T) and of convective cooling. Its other parts, by topic:
//   assembly_heat_input.templates.h       the heat input for 1 W
//   assembly_interfaces.templates.h       resistive interfaces
//   assembly_time_and_motion.templates.h  heat stored in a time stage
//                                         and carried by a moving
//                                         anode (with SUPG)
#ifndef XRAY_ANODE_THERMAL_ASSEMBLY_TEMPLATES_H
#define XRAY_ANODE_THERMAL_ASSEMBLY_TEMPLATES_H

#include "anode_thermal/anode_thermal.h"
#include "anode_thermal/assembly_heat_input.templates.h"
#include "anode_thermal/assembly_interfaces.templates.h"
#include "anode_thermal/assembly_time_and_motion.templates.h"
#include "common/command_line.h"
#include "meshes/anode_mesh.h"

#include <deal.II/hp/fe_values.h>
#include <deal.II/lac/full_matrix.h>

#include <string>
#include <vector>

namespace xray
{
  namespace anode_thermal
  {
    // The shape values and reference-cell gradients of the temperature
    // component of each FE index (component i of FE index i, the FE_Q of
    // its FESystem) at the quadrature points: the same on every cell.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::make_reference_shapes()
    {
      reference_shapes.resize(fe.size());
      for (unsigned int i = 0; i < fe.size(); ++i)
        {
          const unsigned int n      = fe[i].n_dofs_per_cell();
          const unsigned int n_q    = quadrature[i].size();
          ReferenceShapes   &shapes = reference_shapes[i];
          shapes.value.resize(n_q * n);
          shapes.gradient.resize(n_q * n);
          for (unsigned int q = 0; q < n_q; ++q)
            for (unsigned int j = 0; j < n; ++j)
              {
                const Point<dim> &x     = quadrature[i].point(q);
                shapes.value[q * n + j] = fe[i].shape_value_component(j, x, i);
                shapes.gradient[q * n + j] =
                  fe[i].shape_grad_component(j, x, i);
              }
        }
    }


    // The CellPoints of one cell from VALUES (reinit on it), for the field
    // of LAYER; with LAPLACIANS the shape Laplacians (SUPG).
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::read_cell_points(const FEValues<dim> &values,
                                            const unsigned int   layer,
                                            const bool           laplacians,
                                            CellPoints &cell_points) const
    {
      const unsigned int n_q = values.n_quadrature_points;
      cell_points.point.resize(n_q);
      cell_points.w.resize(n_q);
      cell_points.inverse_jacobian.resize(n_q);
      for (const unsigned int q : values.quadrature_point_indices())
        {
          cell_points.point[q] = values.quadrature_point(q);
          cell_points.w[q]     = weight(cell_points.point[q]) * values.JxW(q);
          cell_points.inverse_jacobian[q] =
            Tensor<2, dim>(values.inverse_jacobian(q));
        }
      cell_points.laplacian.clear();
      if (!laplacians)
        return;
      const FEValuesExtractors::Scalar field(layer_component[layer]);
      const unsigned int               n = values.dofs_per_cell;
      cell_points.laplacian.resize(n_q * n);
      for (const unsigned int q : values.quadrature_point_indices())
        for (unsigned int j = 0; j < n; ++j)
          cell_points.laplacian[q * n + j] = trace(values[field].hessian(j, q));
    }


    // The PointData of a cell of FE_INDEX from its CELL_POINTS: the
    // reference shapes mapped by the covariant transformation
    // grad phi_j = J^{-T} grad_ref phi_j, i.e. (grad_ref phi_j)_e
    // (J^{-1})_{ed}, as deal.II's FEValues maps them.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::unpack_point_data(
      const CellPoints       &cell_points,
      const unsigned int      fe_index,
      std::vector<PointData> &points) const
    {
      const ReferenceShapes &shapes = reference_shapes[fe_index];
      const unsigned int     n_q    = cell_points.point.size();
      const unsigned int     n      = shapes.value.size() / n_q;
      points.resize(n_q);
      for (unsigned int q = 0; q < n_q; ++q)
        {
          PointData &point       = points[q];
          point.point            = cell_points.point[q];
          point.w                = cell_points.w[q];
          point.inverse_jacobian = cell_points.inverse_jacobian[q];
          point.value.assign(shapes.value.begin() + q * n,
                             shapes.value.begin() + (q + 1) * n);
          point.gradient.resize(n);
          for (unsigned int j = 0; j < n; ++j)
            point.gradient[j] =
              shapes.gradient[q * n + j] * point.inverse_jacobian;
          if (cell_points.laplacian.empty())
            point.laplacian.clear();
          else
            point.laplacian.assign(cell_points.laplacian.begin() + q * n,
                                   cell_points.laplacian.begin() + (q + 1) * n);
        }
    }


    // The PointData of owned_cells[INDEX] in POINTS, from its CellPoints in
    // point_cache when it is kept, else read through FE_VALUES into
    // SCRATCH_CELL. The cache is filled on the first call on a mesh if its
    // estimated size fits max_point_cache_bytes.
    template <int dim, typename LA>
    const std::vector<typename AnodeThermal<dim, LA>::PointData> &
    AnodeThermal<dim, LA>::cell_point_data(const unsigned int      index,
                                           hp::FEValues<dim>      &fe_values,
                                           CellPoints             &scratch_cell,
                                           std::vector<PointData> &points)
    {
      const bool laplacians = parameters.motion.is_moving();
      if (reference_shapes.empty())
        make_reference_shapes();
      // (A sweep may switch the motion on over the same mesh.)
      if (!point_cache_tried || (laplacians && !point_cache_laplacians))
        {
          point_cache.clear();
          point_cache_tried      = true;
          point_cache_laplacians = laplacians;
          const double n         = fe[0].n_dofs_per_cell();
          const double n_q       = quadrature[0].size();
          const double per_point = sizeof(Point<dim>) + sizeof(double) +
                                   sizeof(Tensor<2, dim>) +
                                   (laplacians ? n * sizeof(double) : 0);
          if (owned_cells.size() * n_q * per_point < max_point_cache_bytes)
            {
              point_cache.resize(owned_cells.size());
              for (unsigned int c = 0; c < owned_cells.size(); ++c)
                if (owned_cells[c]->is_locally_owned())
                  {
                    fe_values.reinit(owned_cells[c]);
                    read_cell_points(fe_values.get_present_fe_values(),
                                     owned_cells[c]->material_id(),
                                     laplacians,
                                     point_cache[c]);
                  }
            }
        }
      const auto &cell = owned_cells[index];
      if (point_cache.empty())
        {
          fe_values.reinit(cell);
          read_cell_points(fe_values.get_present_fe_values(),
                           cell->material_id(),
                           laplacians,
                           scratch_cell);
        }
      unpack_point_data(point_cache.empty() ? scratch_cell : point_cache[index],
                        cell->active_fe_index(),
                        points);
      return points;
    }


    // Newton residual R(T) and, optionally, its Jacobian; system_rhs = -R.
    //   R_i = int k(T) grad T . grad phi_i w - P_dep b_i
    //       + int_convective h_c (T - T0) phi_i w
    //       + int_interfaces h_b [T] [phi_i] w
    //       + int rho c_p(T) (u . grad T) phi_i w + SUPG     (moving anode)
    //       + c int rho H(T) phi_i w - c m_known_i           (time stage)
    //   J_ij = int (k grad phi_j + k'(T) phi_j grad T) . grad phi_i w + ...
    // The cells' terms come first (assemble_cells()), then the interfaces'
    // (assemble_interfaces()), then the heat input and the stage's known
    // stored heat. The rows of fixed-temperature unknowns are zeroed unless
    // KEEP_FIXED_ROWS (then system_rhs holds -R on every row).
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::assemble(const Vector &T,
                                    const bool    with_matrix,
                                    const bool    keep_fixed_rows)
    {
      TimerOutput::Scope t(*timer, "assembly");
      if (with_matrix)
        {
          system_matrix             = 0;
          newton_factorization_kept = false;
        }
      system_rhs = 0;

      const bool transient = stage_mass_factor > 0;
      double     outflow = 0, advected = 0;
      assemble_cells(T, with_matrix, outflow, advected);
      assemble_interfaces(T, with_matrix);

      if (with_matrix)
        system_matrix.compress(VectorOperation::add);
      system_rhs.compress(VectorOperation::add);
      // The heat input (assembled once per mesh, for 1 W deposited).
      system_rhs.add(deposited_power(), unit_source);
      if (transient && !rates_only)
        system_rhs.add(stage_mass_factor, stage_known_mass);
      advective_outflow = Utilities::MPI::sum(advected, mpi_communicator);
      boundary_outflow =
        Utilities::MPI::sum(outflow, mpi_communicator) + advective_outflow;
      if (!keep_fixed_rows)
        drop_fixed_rows();
    }


    // Local contributions into the global system: the matrix (its
    // transpose for the error estimate's dual problem) through the
    // hanging-node and Dirichlet constraints of the Newton update, the
    // residual through the hanging nodes only (drop_fixed_rows()).
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::add_to_system(
      const FullMatrix<double>                   &cell_matrix,
      const dealii::Vector<double>               &cell_rhs,
      const std::vector<types::global_dof_index> &dofs,
      const bool                                  with_matrix)
    {
      if (with_matrix && transpose_local_matrices)
        {
          FullMatrix<double> transposed(cell_matrix.n(), cell_matrix.m());
          transposed.copy_transposed(cell_matrix);
          update_constraints.distribute_local_to_global(transposed,
                                                        dofs,
                                                        system_matrix);
        }
      else if (with_matrix)
        update_constraints.distribute_local_to_global(cell_matrix,
                                                      dofs,
                                                      system_matrix);
      hanging_constraints.distribute_local_to_global(cell_rhs,
                                                     dofs,
                                                     system_rhs);
    }


    // The cells' part of R(T) and J (assemble()), cell by cell in the order
    // of owned_cells: conduction, stored heat and motion at every quadrature
    // point (add_point_terms()), then convective cooling on the cell's
    // boundary faces (add_convective_faces()). Adds the heat leaving through
    // convective faces to OUTFLOW and the heat the motion carries to
    // ADVECTED (W), point by point.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::assemble_cells(const Vector &T,
                                          const bool    with_matrix,
                                          double       &outflow,
                                          double       &advected)
    {
      const bool moving = parameters.motion.is_moving();
      // Inverse Jacobians map the reference shape gradients; the Hessians
      // give the SUPG term of a moving anode its shape Laplacians.
      hp::FEValues<dim>                    fe_values(mapping,
                                  fe,
                                  quadrature,
                                  update_quadrature_points | update_JxW_values |
                                    update_inverse_jacobians |
                                    (moving ? update_hessians :
                                                                 update_default));
      hp::FEFaceValues<dim>                face_values(mapping,
                                        fe,
                                        face_quadrature,
                                        update_values |
                                          update_quadrature_points |
                                          update_JxW_values);
      FullMatrix<double>                   cell_matrix;
      dealii::Vector<double>               cell_rhs;
      std::vector<types::global_dof_index> dofs;
      dealii::Vector<double>               T_local;
      CellPoints                           scratch_cell;
      std::vector<PointData>               scratch_points;
      for (unsigned int index = 0; index < owned_cells.size(); ++index)
        {
          const auto &cell = owned_cells[index];
          if (!cell->is_locally_owned())
            continue;
          const std::vector<PointData> &points =
            cell_point_data(index, fe_values, scratch_cell, scratch_points);
          const unsigned int layer = cell->material_id();
          const unsigned int n     = cell->get_fe().n_dofs_per_cell();
          cell_matrix.reinit(n, n);
          cell_rhs.reinit(n);
          T_local.reinit(n);
          cell->get_dof_values(T, T_local);
          for (const PointData &point : points)
            add_point_terms(point,
                            layer,
                            T_local,
                            with_matrix,
                            cell_matrix,
                            cell_rhs,
                            advected);
          add_convective_faces(
            cell, T, with_matrix, face_values, cell_matrix, cell_rhs, outflow);
          dofs.resize(n);
          cell->get_dof_indices(dofs);
          add_to_system(cell_matrix, cell_rhs, dofs, with_matrix);
        }
    }


    // Every term of R and J at one quadrature point of a cell of LAYER,
    // from the cell's nodal temperatures T_LOCAL: conduction
    // (add_conduction()), the stored heat of a time stage
    // (add_stored_heat()) and the heat carried by a moving anode
    // (add_advection(), which adds rho c_p (u . grad T) w to ADVECTED).
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::add_point_terms(
      const PointData              &point,
      const unsigned int            layer,
      const dealii::Vector<double> &T_local,
      const bool                    with_matrix,
      FullMatrix<double>           &cell_matrix,
      dealii::Vector<double>       &cell_rhs,
      double                       &advected) const
    {
      const bool         moving    = parameters.motion.is_moving();
      const bool         transient = stage_mass_factor > 0;
      const unsigned int n         = T_local.size();
      const auto        &k_law = parameters.layers[layer].material.conductivity;

      // T, grad T and lap T from the cell's nodal values.
      double         T_q = 0, laplacian_T = 0;
      Tensor<1, dim> grad_T;
      for (unsigned int j = 0; j < n; ++j)
        {
          T_q += T_local[j] * point.value[j];
          grad_T += T_local[j] * point.gradient[j];
        }
      if (moving)
        for (unsigned int j = 0; j < n; ++j)
          laplacian_T += T_local[j] * point.laplacian[j];
      const double k  = k_law.value(T_q);
      const double dk = k_law.derivative(T_q);
      add_conduction(point, grad_T, k, dk, with_matrix, cell_matrix, cell_rhs);
      if (transient && !rates_only)
        add_stored_heat(point, layer, T_q, with_matrix, cell_matrix, cell_rhs);
      if (moving)
        advected += add_advection(point,
                                  layer,
                                  T_q,
                                  grad_T,
                                  laplacian_T,
                                  k,
                                  dk,
                                  with_matrix,
                                  cell_matrix,
                                  cell_rhs);
    }


    // Conduction at one quadrature point, K = k(T) and DK = k'(T):
    //   R_i += k(T) grad T . grad phi_i w,
    //   J_ij += (k grad phi_j + k'(T) phi_j grad T) . grad phi_i w,
    // the second part of J the derivative of k(T) (Newton for k(T)).
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::add_conduction(
      const PointData        &point,
      const Tensor<1, dim>   &grad_T,
      const double            k,
      const double            dk,
      const bool              with_matrix,
      FullMatrix<double>     &cell_matrix,
      dealii::Vector<double> &cell_rhs) const
    {
      // The factors of row i leave the j loop: with a_i = w k grad phi_i
      // and b_i = w k'(T) grad T . grad phi_i, J_ij += a_i . grad phi_j
      // + b_i phi_j (the n^2 loop of every Newton assembly). The j loop
      // runs over the gradients' components held apart, in SIMD lanes
      // (-fopenmp-simd); each entry is summed in the same order as
      // a_i . grad phi_j, so the matrix is the same to the bit.
      const double       w              = point.w;
      const unsigned int n              = point.value.size();
      const double      *component[dim] = {};
      if (with_matrix)
        for (unsigned int d = 0; d < dim; ++d)
          {
            gradient_components[d].resize(n);
            for (unsigned int j = 0; j < n; ++j)
              gradient_components[d][j] = point.gradient[j][d];
            component[d] = gradient_components[d].data();
          }
      const double *value = point.value.data();
      for (unsigned int i = 0; i < n; ++i)
        {
          const Tensor<1, dim> &grad_i       = point.gradient[i];
          const double          grad_T_dot_i = grad_T * grad_i;
          cell_rhs(i) -= k * grad_T_dot_i * w;
          if (!with_matrix)
            continue;
          const Tensor<1, dim> a_i = (w * k) * grad_i;
          const double         b_i = w * dk * grad_T_dot_i;
          double              *row = &cell_matrix(i, 0);
#pragma omp simd
          for (unsigned int j = 0; j < n; ++j)
            {
              double a_i_dot_grad_j = a_i[0] * component[0][j];
              for (unsigned int d = 1; d < dim; ++d)
                a_i_dot_grad_j += a_i[d] * component[d][j];
              row[j] += a_i_dot_grad_j + b_i * value[j];
            }
        }
    }


    // The condition of a boundary face with id ID if it cools by
    // convection, -k dT/dn = h_c (T - T0); nullptr otherwise.
    template <int dim, typename LA>
    const FaceCondition *
    AnodeThermal<dim, LA>::convective_condition(
      const types::boundary_id id) const
    {
      if (id == meshes::boundary::back_face &&
          parameters.back_face.type == FaceCondition::Type::convection)
        return &parameters.back_face;
      if (id == meshes::boundary::side_face &&
          parameters.side_face.type == FaceCondition::Type::convection)
        return &parameters.side_face;
      return nullptr;
    }


    // Convective cooling on the boundary faces of CELL:
    //   R_i += int h_c (T - T0) phi_i w,   J_ij += int h_c phi_j phi_i w,
    // and the heat leaving there, int h_c (T - T0) w, added to OUTFLOW.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::add_convective_faces(
      const typename DoFHandler<dim>::active_cell_iterator &cell,
      const Vector                                         &T,
      const bool                                            with_matrix,
      hp::FEFaceValues<dim>                                &face_values,
      FullMatrix<double>                                   &cell_matrix,
      dealii::Vector<double>                               &cell_rhs,
      double                                               &outflow) const
    {
      const double                     T0 = parameters.coolant_temperature;
      const unsigned int               n  = cell->get_fe().n_dofs_per_cell();
      const FEValuesExtractors::Scalar field(
        layer_component[cell->material_id()]);
      std::vector<double> T_values;
      for (const unsigned int f : cell->face_indices())
        {
          if (!cell->at_boundary(f))
            continue;
          const FaceCondition *convective =
            convective_condition(cell->face(f)->boundary_id());
          if (!convective)
            continue;
          face_values.reinit(cell, f);
          const auto &face = face_values.get_present_fe_values();
          T_values.resize(face.n_quadrature_points);
          face[field].get_function_values(T, T_values);
          for (const unsigned int q : face.quadrature_point_indices())
            {
              const double w = weight(face.quadrature_point(q)) * face.JxW(q);
              const double flux =
                -convective->heat_transfer_coefficient * (T_values[q] - T0);
              outflow -= flux * w;
              for (unsigned int i = 0; i < n; ++i)
                {
                  cell_rhs(i) += flux * face[field].value(i, q) * w;
                  if (with_matrix)
                    for (unsigned int j = 0; j < n; ++j)
                      cell_matrix(i, j) +=
                        convective->heat_transfer_coefficient *
                        face[field].value(i, q) * face[field].value(j, q) * w;
                }
            }
        }
    }


    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::drop_fixed_rows()
    {
      update_constraints.set_zero(system_rhs);
    }


    // The Newton system at T: the residual always; the matrix unless it is
    // the constant-k matrix already assembled for these coefficients
    // (matrix_key()), as in a power search or a sweep over the power, the
    // coolant temperature or the heat source.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::assemble_newton_system(const Vector &T)
    {
      // (A sweep point may leave the matrix-free path: the matrix is made
      // then.)
      if (!uses_matrix_free() && system_matrix.m() == 0)
        make_system_matrix();
      const std::string key = matrix_key();
      const bool        matrix_is_current =
        (!key.empty() && key == assembled_matrix_key) || uses_matrix_free();
      assemble(T, !matrix_is_current);
      assembled_matrix_key = key;
    }
  } // namespace anode_thermal
} // namespace xray

#endif

// Assembly of AnodeThermal's Newton system: the heat input for 1 W
// deposited, and the residual and Jacobian of conduction, convective
// cooling, resistive interfaces, heat stored in a time stage and heat
// carried by a moving anode (with SUPG).
#ifndef XRAY_ANODE_THERMAL_ASSEMBLY_TEMPLATES_H
#define XRAY_ANODE_THERMAL_ASSEMBLY_TEMPLATES_H

#include "anode_thermal/anode_thermal.h"
#include "common/command_line.h"
#include "meshes/anode_mesh.h"

#include <deal.II/base/quadrature_lib.h>
#include <deal.II/hp/fe_values.h>
#include <deal.II/lac/full_matrix.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <iomanip>
#include <limits>
#include <map>
#include <memory>
#include <sstream>
#include <tuple>

namespace xray
{
  namespace anode_thermal
  {
    // The heat input for 1 W deposited, assembled once per mesh:
    //   b_i = int source_shape phi_i w / int source_shape w,
    // over the volume, or over the heated face for a surface flux. Dividing
    // by the discrete integral makes the source carry exactly the deposited
    // power; the exact integral is the deposited fraction (1 for a surface
    // flux), and the ratio is reported as the quadrature error (the spot's
    // tail beyond R, exp(-R^2/a^2), is below round-off for R >= 10 HWHM).
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::assemble_heat_source()
    {
      TimerOutput::Scope t(*timer, "assembly");
      unit_source.reinit(locally_owned_dofs, mpi_communicator);
      const double integral = integrate_source_shape();
      unit_source.compress(VectorOperation::add);
      shape_integral = Utilities::MPI::sum(integral, mpi_communicator);
      source_quadrature_error =
        shape_integral / parameters.depth_profile.deposited_fraction() - 1;
      check_source_resolved();
      unit_source /= shape_integral;
      unit_source_norm = unit_source.l2_norm();
      unit_source_sum  = unit_source.mean_value() * unit_source.size();
    }


    // The numerator of b_i, int source_shape phi_i w, into unit_source: on
    // the cells the deposition reaches (their top above its end), or on the
    // heated face for a surface flux. Returns this rank's part of the
    // denominator int source_shape w.
    template <int dim, typename LA>
    double
    AnodeThermal<dim, LA>::integrate_source_shape()
    {
      const auto            &depth_profile  = parameters.depth_profile;
      const bool             volumetric     = depth_profile.is_volumetric();
      const double           deposition_end = depth_profile.deposition_end();
      hp::FEFaceValues<dim>  face_values(mapping,
                                        fe,
                                        face_quadrature,
                                        update_values |
                                          update_quadrature_points |
                                          update_JxW_values);
      DepositionValues       cell_values;
      dealii::Vector<double> cell_source;
      std::vector<types::global_dof_index> dofs;
      double                               integral = 0;
      for (const auto &cell : owned_cells)
        {
          if (!cell->is_locally_owned())
            continue;
          if (volumetric)
            {
              double top_depth = std::numeric_limits<double>::max();
              for (const unsigned int v : cell->vertex_indices())
                top_depth = std::min(top_depth, -cell->vertex(v)[dim - 1]);
              if (top_depth < deposition_end)
                add_source_shape(cell,
                                 deposition_values(cell, cell_values),
                                 cell_source,
                                 dofs,
                                 integral);
            }
          else
            for (const unsigned int f : cell->face_indices())
              if (cell->at_boundary(f) &&
                  cell->face(f)->boundary_id() == meshes::boundary::heated_face)
                {
                  face_values.reinit(cell, f);
                  add_source_shape(cell,
                                   face_values.get_present_fe_values(),
                                   cell_source,
                                   dofs,
                                   integral);
                }
        }
      return integral;
    }


    // The FEValues of CELL for a volumetric source, from CACHE (one per
    // finite element, depth direction and number of sub-intervals). A
    // deposition far thinner than a cell (low tube voltage, cells graded
    // away from the spot) is integrated with a quadrature iterated along
    // the cell direction closest to the depth, so that every sub-interval
    // is at most 1/8 of the deposition depth (at most 256 of them).
    template <int dim, typename LA>
    FEValues<dim> &
    AnodeThermal<dim, LA>::deposition_values(
      const typename DoFHandler<dim>::active_cell_iterator &cell,
      DepositionValues                                     &cache) const
    {
      double       longest   = -1;
      unsigned int direction = 0;
      for (unsigned int d = 0; d < dim; ++d)
        {
          const double extent =
            std::abs(cell->face(2 * d + 1)->center()[dim - 1] -
                     cell->face(2 * d)->center()[dim - 1]);
          if (extent > longest)
            {
              longest   = extent;
              direction = d;
            }
        }
      const unsigned int pieces = static_cast<unsigned int>(std::clamp(
        std::ceil(8 * longest / parameters.depth_profile.deposition_end()),
        1.,
        256.));
      auto &values = cache[{cell->active_fe_index(), direction, pieces}];
      if (!values)
        {
          const QGauss<1>              gauss(parameters.fe_degree + 2);
          const QIterated<1>           iterated(gauss, pieces);
          std::array<Quadrature<1>, 3> axes{{gauss, gauss, gauss}};
          axes[direction] = iterated;
          Quadrature<dim> rule;
          if constexpr (dim == 2)
            rule = QAnisotropic<2>(axes[0], axes[1]);
          else
            rule = QAnisotropic<3>(axes[0], axes[1], axes[2]);
          values = std::make_unique<FEValues<dim>>(mapping[0],
                                                   cell->get_fe(),
                                                   rule,
                                                   update_values |
                                                     update_quadrature_points |
                                                     update_JxW_values);
        }
      values->reinit(cell);
      return *values;
    }


    // One cell's (or heated face's) int source_shape phi_i w, through
    // VALUES, into unit_source; its int source_shape w added to INTEGRAL.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::add_source_shape(
      const typename DoFHandler<dim>::active_cell_iterator &cell,
      const FEValuesBase<dim>                              &values,
      dealii::Vector<double>                               &cell_source,
      std::vector<types::global_dof_index>                 &dofs,
      double                                               &integral)
    {
      const FEValuesExtractors::Scalar field(
        layer_component[cell->material_id()]);
      cell_source.reinit(values.dofs_per_cell);
      for (const unsigned int q : values.quadrature_point_indices())
        {
          const double w = source_shape(values.quadrature_point(q)) *
                           weight(values.quadrature_point(q)) * values.JxW(q);
          integral += w;
          for (unsigned int i = 0; i < values.dofs_per_cell; ++i)
            cell_source(i) += w * values[field].value(i, q);
        }
      dofs.resize(values.dofs_per_cell);
      cell->get_dof_indices(dofs);
      update_constraints.distribute_local_to_global(cell_source,
                                                    dofs,
                                                    unit_source);
    }


    // A mesh that does not see the source cannot carry it: its integral
    // would be scaled up from almost nothing. Throws SolverError when the
    // discrete integral is off by 10 % or more.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::check_source_resolved() const
    {
      if (std::abs(source_quadrature_error) < 0.1)
        return;
      std::ostringstream message;
      message << std::setprecision(2)
              << "the mesh does not resolve the heat source: its discrete "
                 "integral is off by "
              << 100 * source_quadrature_error << " %";
      if (parameters.depth_profile.is_volumetric())
        message << " (deposition depth "
                << parameters.depth_profile.deposition_end()
                << " m); for a deposition this much thinner than the "
                   "cells use Heat source/Deposition = surface, or refine "
                   "the spot (Mesh/Spot cell size)";
      else
        message << "; refine the spot (Mesh/Spot cell size)";
      throw SolverError(message.str());
    }


    // The PointData of one cell from VALUES (reinit on it), for the field
    // of LAYER: position, weight() JxW, and the shape functions; with
    // LAPLACIANS the inverse Jacobian and the shape Laplacians (SUPG).
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::read_point_data(const FEValues<dim>    &values,
                                           const unsigned int      layer,
                                           const bool              laplacians,
                                           std::vector<PointData> &points) const
    {
      const FEValuesExtractors::Scalar field(layer_component[layer]);
      const unsigned int               n = values.dofs_per_cell;
      points.resize(values.n_quadrature_points);
      for (const unsigned int q : values.quadrature_point_indices())
        {
          PointData &point = points[q];
          point.point      = values.quadrature_point(q);
          point.w          = weight(point.point) * values.JxW(q);
          point.value.resize(n);
          point.gradient.resize(n);
          for (unsigned int j = 0; j < n; ++j)
            {
              point.value[j]    = values[field].value(j, q);
              point.gradient[j] = values[field].gradient(j, q);
            }
          if (!laplacians)
            continue;
          point.inverse_jacobian = Tensor<2, dim>(values.inverse_jacobian(q));
          point.laplacian.resize(n);
          for (unsigned int j = 0; j < n; ++j)
            point.laplacian[j] = trace(values[field].hessian(j, q));
        }
    }


    // The PointData of owned_cells[INDEX]: from point_cache when it is kept,
    // else read through FE_VALUES into SCRATCH. The cache is filled on the
    // first call on a mesh if its estimated size fits max_point_cache_bytes.
    template <int dim, typename LA>
    const std::vector<typename AnodeThermal<dim, LA>::PointData> &
    AnodeThermal<dim, LA>::cell_point_data(const unsigned int      index,
                                           hp::FEValues<dim>      &fe_values,
                                           std::vector<PointData> &scratch)
    {
      const bool laplacians = parameters.motion.is_moving();
      // (A sweep may switch the motion on over the same mesh.)
      if (!point_cache_tried || (laplacians && !point_cache_laplacians))
        {
          point_cache.clear();
          point_cache_tried      = true;
          point_cache_laplacians = laplacians;
          const double n         = fe[0].n_dofs_per_cell();
          const double n_q       = quadrature[0].size();
          const double per_point =
            sizeof(PointData) + n * (sizeof(double) + sizeof(Tensor<1, dim>) +
                                     (laplacians ? sizeof(double) : 0));
          if (owned_cells.size() * n_q * per_point < max_point_cache_bytes)
            {
              point_cache.resize(owned_cells.size());
              for (unsigned int c = 0; c < owned_cells.size(); ++c)
                if (owned_cells[c]->is_locally_owned())
                  {
                    fe_values.reinit(owned_cells[c]);
                    read_point_data(fe_values.get_present_fe_values(),
                                    owned_cells[c]->material_id(),
                                    laplacians,
                                    point_cache[c]);
                  }
            }
        }
      if (!point_cache.empty())
        return point_cache[index];
      const auto &cell = owned_cells[index];
      fe_values.reinit(cell);
      read_point_data(fe_values.get_present_fe_values(),
                      cell->material_id(),
                      laplacians,
                      scratch);
      return scratch;
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
        system_matrix = 0;
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


    // Local contributions into the global system: the matrix through the
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
      if (with_matrix)
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
      // Hessians and inverse Jacobians for the SUPG term of a moving anode.
      hp::FEValues<dim>                    fe_values(mapping,
                                  fe,
                                  quadrature,
                                  update_values | update_gradients |
                                    update_quadrature_points |
                                    update_JxW_values |
                                    (moving ? update_hessians |
                                                update_inverse_jacobians :
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
      std::vector<PointData>               scratch_points;
      for (unsigned int index = 0; index < owned_cells.size(); ++index)
        {
          const auto &cell = owned_cells[index];
          if (!cell->is_locally_owned())
            continue;
          const std::vector<PointData> &points =
            cell_point_data(index, fe_values, scratch_points);
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
      const double       w = point.w;
      const unsigned int n = point.value.size();
      for (unsigned int i = 0; i < n; ++i)
        {
          const Tensor<1, dim> &grad_i = point.gradient[i];
          cell_rhs(i) -= k * (grad_T * grad_i) * w;
          if (with_matrix)
            for (unsigned int j = 0; j < n; ++j)
              cell_matrix(i, j) +=
                (k * point.gradient[j] + dk * point.value[j] * grad_T) *
                grad_i * w;
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


    namespace detail
    {
      // The values on one side of a resistive interface piece: on the whole
      // face FACE of CELL, or on its subface SUBFACE where the other side is
      // finer (numbers::invalid_unsigned_int for matching faces).
      template <int dim, typename CellIterator>
      const FEFaceValuesBase<dim> &
      interface_side_values(hp::FEFaceValues<dim>    &face_values,
                            hp::FESubfaceValues<dim> &subface_values,
                            const CellIterator       &cell,
                            const unsigned int        face,
                            const unsigned int        subface)
      {
        if (subface == numbers::invalid_unsigned_int)
          {
            face_values.reinit(cell, face);
            return face_values.get_present_fe_values();
          }
        subface_values.reinit(cell, face, subface);
        return subface_values.get_present_fe_values();
      }
    } // namespace detail


    // The resistive interfaces' part of R(T) and J (assemble()): the flux
    // h_b (T_upper - T_lower) across every face piece (add_interface_terms()),
    // coupling the unknowns of the two sides.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::assemble_interfaces(const Vector &T,
                                               const bool    with_matrix)
    {
      const UpdateFlags upper_flags =
        update_values | update_quadrature_points | update_JxW_values;
      const UpdateFlags lower_flags = update_values | update_quadrature_points;
      hp::FEFaceValues<dim>                upper_face(mapping,
                                       fe,
                                       face_quadrature,
                                       upper_flags);
      hp::FEFaceValues<dim>                lower_face(mapping,
                                       fe,
                                       face_quadrature,
                                       lower_flags);
      hp::FESubfaceValues<dim>             upper_subface(mapping,
                                             fe,
                                             face_quadrature,
                                             upper_flags);
      hp::FESubfaceValues<dim>             lower_subface(mapping,
                                             fe,
                                             face_quadrature,
                                             lower_flags);
      FullMatrix<double>                   cell_matrix;
      dealii::Vector<double>               cell_rhs;
      std::vector<types::global_dof_index> dofs, lower_dofs;
      for (const auto &piece : interface_faces)
        {
          const FEFaceValuesBase<dim> &upper =
            detail::interface_side_values(upper_face,
                                          upper_subface,
                                          piece.upper,
                                          piece.upper_face,
                                          piece.upper_subface);
          const FEFaceValuesBase<dim> &lower =
            detail::interface_side_values(lower_face,
                                          lower_subface,
                                          piece.lower,
                                          piece.lower_face,
                                          piece.lower_subface);
          const unsigned int n_upper = upper.dofs_per_cell;
          const unsigned int n_lower = lower.dofs_per_cell;
          cell_matrix.reinit(n_upper + n_lower, n_upper + n_lower);
          cell_rhs.reinit(n_upper + n_lower);
          add_interface_terms(
            piece, upper, lower, T, with_matrix, cell_matrix, cell_rhs);
          dofs.resize(n_upper);
          lower_dofs.resize(n_lower);
          piece.upper->get_dof_indices(dofs);
          piece.lower->get_dof_indices(lower_dofs);
          dofs.insert(dofs.end(), lower_dofs.begin(), lower_dofs.end());
          add_to_system(cell_matrix, cell_rhs, dofs, with_matrix);
        }
    }


    // One resistive interface piece, on the jump basis [phi_i] (+phi on the
    // upper side's shape functions, -phi on the lower side's):
    //   R_i += int h_b (T_upper - T_lower) [phi_i] w,
    //   J_ij += int h_b [phi_i] [phi_j] w.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::add_interface_terms(
      const InterfaceFace         &piece,
      const FEFaceValuesBase<dim> &upper,
      const FEFaceValuesBase<dim> &lower,
      const Vector                &T,
      const bool                   with_matrix,
      FullMatrix<double>          &cell_matrix,
      dealii::Vector<double>      &cell_rhs) const
    {
      const FEValuesExtractors::Scalar upper_field(
        layer_component[piece.upper->material_id()]);
      const FEValuesExtractors::Scalar lower_field(
        layer_component[piece.lower->material_id()]);
      const unsigned int  n_upper = upper.dofs_per_cell;
      const unsigned int  n       = n_upper + lower.dofs_per_cell;
      std::vector<double> upper_T(upper.n_quadrature_points);
      std::vector<double> lower_T(upper.n_quadrature_points);
      upper[upper_field].get_function_values(T, upper_T);
      lower[lower_field].get_function_values(T, lower_T);

      for (const unsigned int q : upper.quadrature_point_indices())
        {
          AssertThrow(upper.quadrature_point(q).distance(lower.quadrature_point(
                        q)) < 1e-8 * piece.upper->diameter(),
                      ExcMessage("interface quadrature points differ"));
          const double w = piece.conductance *
                           weight(upper.quadrature_point(q)) * upper.JxW(q);
          auto jump = [&](unsigned int i) {
            return i < n_upper ? upper[upper_field].value(i, q) :
                                 -lower[lower_field].value(i - n_upper, q);
          };
          const double T_jump = upper_T[q] - lower_T[q];
          for (unsigned int i = 0; i < n; ++i)
            {
              cell_rhs(i) -= T_jump * jump(i) * w;
              if (with_matrix)
                for (unsigned int j = 0; j < n; ++j)
                  cell_matrix(i, j) += jump(i) * jump(j) * w;
            }
        }
    }


    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::drop_fixed_rows()
    {
      update_constraints.set_zero(system_rhs);
    }


    // Stored heat of a time stage at one quadrature point, tested with the
    // SUPG test function phi_i + tau u . grad phi_i (add_advection()):
    //   R_i += c rho H(T) (phi_i + tau u . grad phi_i) w,
    //   J_ij += c rho c_p(T) phi_j (phi_i + tau u . grad phi_i) w,
    // H the specific enthalpy above T0 (Enthalpy), c = 1/(dt d). Keeping
    // the time derivative inside the stored heat m(T) keeps SUPG consistent
    // through the Runge-Kutta stages.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::add_stored_heat(
      const PointData        &point,
      const unsigned int      layer,
      const double            T,
      const bool              with_matrix,
      FullMatrix<double>     &cell_matrix,
      dealii::Vector<double> &cell_rhs) const
    {
      const double rho    = parameters.layers[layer].material.density;
      const double stored = stage_mass_factor * rho * enthalpy[layer].value(T);
      const double capacity =
        stage_mass_factor * rho * enthalpy[layer].heat_capacity(T);
      const auto [u, tau] =
        streamline_diffusion(point.point, point.inverse_jacobian, layer);
      const double       w = point.w;
      const unsigned int n = point.value.size();
      for (unsigned int i = 0; i < n; ++i)
        {
          const double test = point.value[i] + tau * (u * point.gradient[i]);
          cell_rhs(i) -= stored * test * w;
          if (with_matrix)
            for (unsigned int j = 0; j < n; ++j)
              cell_matrix(i, j) += capacity * point.value[j] * test * w;
        }
    }


    // The material velocity u at a quadrature point and the SUPG parameter
    // (Brooks & Hughes, Comput. Methods Appl. Mech. Eng. 32 (1982) 199)
    //   tau = h / (2 |u|) (coth Pe - 1/Pe),  Pe = rho c_p |u| h / (2 k),
    // with k and c_p at T0 (so that tau does not depend on T), h the cell's
    // length along u over the polynomial degree. In a time step dt it is
    // limited by the step, tau = (tau_steady^-2 + (2/dt)^2)^-1/2 (Shakib,
    // Hughes & Johan, Comput. Methods Appl. Mech. Eng. 89 (1991) 141): the
    // Petrov-Galerkin part of the stored heat stays of the size of the
    // advection term. Zero without motion.
    template <int dim, typename LA>
    std::pair<Tensor<1, dim>, double>
    AnodeThermal<dim, LA>::streamline_diffusion(
      const Point<dim>     &point,
      const Tensor<2, dim> &inverse_jacobian,
      const unsigned int    layer) const
    {
      const Tensor<1, dim> u     = parameters.motion.velocity(point);
      const double         speed = u.norm();
      if (speed == 0)
        return {u, 0.};
      // Cell length along u: the unit cell spans 1 in every reference
      // coordinate, and a unit step along u moves J^-1 u/|u| in them.
      double reference_step = 0;
      for (unsigned int d = 0; d < dim; ++d)
        {
          double component = 0;
          for (unsigned int e = 0; e < dim; ++e)
            component += inverse_jacobian[d][e] * u[e] / speed;
          reference_step = std::max(reference_step, std::abs(component));
        }
      const Material &material = parameters.layers[layer].material;
      const double    T0       = parameters.coolant_temperature;
      const double    h        = 1. / (reference_step * parameters.fe_degree);
      const double    peclet   = material.density *
                            material.heat_capacity.value(T0) * speed * h /
                            (2 * material.conductivity.value(T0));
      if (peclet < 1e-8)
        return {u, 0.};
      const double tau = h / (2 * speed) * (1 / std::tanh(peclet) - 1 / peclet);
      if (supg_time_step > 0)
        return {u,
                1 / std::sqrt(1 / (tau * tau) +
                              4 / (supg_time_step * supg_time_step))};
      return {u, tau};
    }


    // k''(T) for the Jacobian of the SUPG term: the central difference of
    // k' over +-0.5 K (exact for the quadratic part of a conductivity fit,
    // O(0.25 K^2 k'''') otherwise). It enters the Jacobian only, so it sets
    // Newton's rate, not the solution.
    template <int dim, typename LA>
    double
    AnodeThermal<dim, LA>::conductivity_curvature(const Material &material,
                                                  const double    T)
    {
      return material.conductivity.derivative(T + 0.5) -
             material.conductivity.derivative(T - 0.5);
    }


    // Heat carried by the moving anode at one quadrature point, in the
    // spot's frame (motion.h):
    //   R_i += rho c_p(T) (u . grad T) phi_i w + tau (u . grad phi_i) r w,
    // the second term the streamline-upwind Petrov-Galerkin stabilisation
    // (streamline_diffusion()) with the steady part of the strong residual
    //   r = rho c_p (u . grad T) - k lap T - k'(T) |grad T|^2 - s
    // (the time derivative's part is in add_stored_heat()). Its Jacobian
    // holds every term, k'' |grad T|^2 phi_j included: near a focal spot
    // |grad T|^2 is large enough that leaving it out costs Newton its
    // quadratic rate (one more step per solve). Summed over i the SUPG term
    // vanishes (sum_i grad phi_i = 0): it moves no heat.
    // Returns rho c_p (u . grad T) w: summed over the mesh the heat the
    // motion carries out of it (div u = 0).
    template <int dim, typename LA>
    double
    AnodeThermal<dim, LA>::add_advection(const PointData        &point,
                                         const unsigned int      layer,
                                         const double            T,
                                         const Tensor<1, dim>   &grad_T,
                                         const double            laplacian_T,
                                         const double            k,
                                         const double            dk,
                                         const bool              with_matrix,
                                         FullMatrix<double>     &cell_matrix,
                                         dealii::Vector<double> &cell_rhs) const
    {
      const Material   &material = parameters.layers[layer].material;
      const Point<dim> &x        = point.point;
      const double      w        = point.w;
      const auto [u, tau] =
        streamline_diffusion(x, point.inverse_jacobian, layer);
      if (u.norm() == 0)
        return 0;
      const double rho      = material.density;
      const double c_p      = enthalpy[layer].heat_capacity(T);
      const double dc_p     = material.heat_capacity.derivative(T);
      const double advected = rho * c_p * (u * grad_T);

      double source = 0;
      if (parameters.depth_profile.is_volumetric())
        source = deposited_power() * source_shape(x) / shape_integral;
      const double strong =
        advected - k * laplacian_T - dk * (grad_T * grad_T) - source;

      const unsigned int n = point.value.size();
      // Per shape function j: its advection term and d(strong residual)/dT_j.
      std::vector<double> &advection_j = advection_scratch;
      std::vector<double> &strong_j    = strong_scratch;
      if (with_matrix)
        {
          const double d2k = conductivity_curvature(material, T);
          advection_j.resize(n);
          strong_j.resize(n);
          for (unsigned int j = 0; j < n; ++j)
            {
              const double phi_j        = point.value[j];
              const double streamline_j = u * point.gradient[j];
              advection_j[j] =
                rho * (c_p * streamline_j + dc_p * phi_j * (u * grad_T));
              strong_j[j] = advection_j[j] - k * point.laplacian[j] -
                            dk * phi_j * laplacian_T -
                            d2k * phi_j * (grad_T * grad_T) -
                            2 * dk * (grad_T * point.gradient[j]);
            }
        }
      for (unsigned int i = 0; i < n; ++i)
        {
          const double phi_i        = point.value[i];
          const double streamline_i = u * point.gradient[i];
          cell_rhs(i) -= (advected * phi_i + tau * streamline_i * strong) * w;
          if (with_matrix)
            for (unsigned int j = 0; j < n; ++j)
              cell_matrix(i, j) +=
                (advection_j[j] * phi_i + tau * streamline_i * strong_j[j]) * w;
        }
      return advected * w;
    }


    // The Newton system at T: the residual always; the matrix unless it is
    // the constant-k matrix already assembled for these coefficients
    // (matrix_key()), as in a power search or a sweep over the power, the
    // coolant temperature or the heat source.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::assemble_newton_system(const Vector &T)
    {
      const std::string key = matrix_key();
      const bool        matrix_is_current =
        !key.empty() && key == assembled_matrix_key;
      assemble(T, !matrix_is_current);
      assembled_matrix_key = key;
    }
  } // namespace anode_thermal
} // namespace xray

#endif

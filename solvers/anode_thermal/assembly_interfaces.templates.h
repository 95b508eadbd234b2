// The resistive interfaces in AnodeThermal's Newton system
// (assembly.templates.h): the flux h_b [T] across every face piece
// between two layers, matching or hanging, coupling the unknowns of the
// two sides.
#ifndef XRAY_ANODE_THERMAL_ASSEMBLY_INTERFACES_TEMPLATES_H
#define XRAY_ANODE_THERMAL_ASSEMBLY_INTERFACES_TEMPLATES_H

#include "anode_thermal/anode_thermal.h"

#include <deal.II/base/quadrature.h>
#include <deal.II/fe/fe_values.h>
#include <deal.II/hp/fe_values.h>
#include <deal.II/lac/full_matrix.h>

#include <memory>
#include <vector>

namespace xray
{
  namespace anode_thermal
  {
    // The resistive interfaces' part of R(T) and J (assemble()): the flux
    // h_b (T_upper - T_lower) across every face piece (add_interface_terms()),
    // coupling the unknowns of the two sides. A matching piece is one face
    // seen from both cells. A hanging piece is the finer cell's face, and
    // the coarser cell is evaluated at the same points in space, mapped back
    // into it: where cells are curved (at the cylinder's side) the coarser
    // cell's subface is not exactly the finer cell's face, so its own
    // subface quadrature would pair points a little apart.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::assemble_interfaces(const Vector &T,
                                               const bool    with_matrix)
    {
      const UpdateFlags flags =
        update_values | update_quadrature_points | update_JxW_values;
      hp::FEFaceValues<dim>  upper_face(mapping, fe, face_quadrature, flags);
      hp::FEFaceValues<dim>  lower_face(mapping, fe, face_quadrature, flags);
      FullMatrix<double>     cell_matrix;
      dealii::Vector<double> cell_rhs;
      std::vector<types::global_dof_index> dofs, lower_dofs;
      for (const auto &piece : interface_faces)
        {
          const bool upper_is_coarser =
            piece.upper_subface != numbers::invalid_unsigned_int;
          const bool lower_is_coarser =
            piece.lower_subface != numbers::invalid_unsigned_int;
          if (!upper_is_coarser)
            upper_face.reinit(piece.upper, piece.upper_face);
          if (!lower_is_coarser)
            lower_face.reinit(piece.lower, piece.lower_face);
          const FEValuesBase<dim> &finer =
            upper_is_coarser ? lower_face.get_present_fe_values() :
                               upper_face.get_present_fe_values();
          std::unique_ptr<FEValues<dim>> coarser;
          if (upper_is_coarser || lower_is_coarser)
            coarser =
              coarser_side_values(upper_is_coarser ? piece.upper : piece.lower,
                                  finer);
          const FEValuesBase<dim> &upper =
            upper_is_coarser ?
              static_cast<const FEValuesBase<dim> &>(*coarser) :
              upper_face.get_present_fe_values();
          const FEValuesBase<dim> &lower =
            lower_is_coarser ?
              static_cast<const FEValuesBase<dim> &>(*coarser) :
              lower_face.get_present_fe_values();

          const unsigned int n_upper = upper.dofs_per_cell;
          const unsigned int n_lower = lower.dofs_per_cell;
          cell_matrix.reinit(n_upper + n_lower, n_upper + n_lower);
          cell_rhs.reinit(n_upper + n_lower);
          add_interface_terms(
            piece, upper, lower, finer, T, with_matrix, cell_matrix, cell_rhs);
          dofs.resize(n_upper);
          lower_dofs.resize(n_lower);
          piece.upper->get_dof_indices(dofs);
          piece.lower->get_dof_indices(lower_dofs);
          dofs.insert(dofs.end(), lower_dofs.begin(), lower_dofs.end());
          add_to_system(cell_matrix, cell_rhs, dofs, with_matrix);
        }
    }


    // The shape functions of the coarser CELL of a hanging interface piece
    // at the quadrature points in space of the finer side's face (FINER),
    // mapped into CELL's reference cell.
    template <int dim, typename LA>
    std::unique_ptr<FEValues<dim>>
    AnodeThermal<dim, LA>::coarser_side_values(
      const typename DoFHandler<dim>::active_cell_iterator &cell,
      const FEValuesBase<dim>                              &finer) const
    {
      // (Point by point, by Newton's method: the batched version's
      // quadratic first guess fails on the thin layer's flat cells.)
      std::vector<Point<dim>> unit_points;
      for (const Point<dim> &p : finer.get_quadrature_points())
        unit_points.push_back(mapping[0].transform_real_to_unit_cell(cell, p));
      auto values =
        std::make_unique<FEValues<dim>>(mapping[0],
                                        fe[cell->active_fe_index()],
                                        Quadrature<dim>(unit_points),
                                        update_values |
                                          update_quadrature_points);
      values->reinit(cell);
      return values;
    }


    // One resistive interface piece, on the jump basis [phi_i] (+phi on the
    // upper side's shape functions, -phi on the lower side's), integrated
    // over the finer side's face (FINER; either side of a matching piece):
    //   R_i += int h_b (T_upper - T_lower) [phi_i] w,
    //   J_ij += int h_b [phi_i] [phi_j] w.
    // [phi_i] is tabulated once per point, and the sums run over the shape
    // functions that do not vanish on the piece (those of the two faces: a
    // third of each cell's for Q2), the others adding exact zeros.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::add_interface_terms(
      const InterfaceFace     &piece,
      const FEValuesBase<dim> &upper,
      const FEValuesBase<dim> &lower,
      const FEValuesBase<dim> &finer,
      const Vector            &T,
      const bool               with_matrix,
      FullMatrix<double>      &cell_matrix,
      dealii::Vector<double>  &cell_rhs) const
    {
      const FEValuesExtractors::Scalar upper_field(
        layer_component[piece.upper->material_id()]);
      const FEValuesExtractors::Scalar lower_field(
        layer_component[piece.lower->material_id()]);
      const unsigned int  n_upper = upper.dofs_per_cell;
      const unsigned int  n       = n_upper + lower.dofs_per_cell;
      const unsigned int  n_q     = upper.n_quadrature_points;
      std::vector<double> upper_T(n_q);
      std::vector<double> lower_T(n_q);
      upper[upper_field].get_function_values(T, upper_T);
      lower[lower_field].get_function_values(T, lower_T);

      std::vector<double>       jump(n_q * n); // [phi_i] at point q
      std::vector<unsigned int> on_piece;
      for (unsigned int i = 0; i < n; ++i)
        {
          bool nonzero = false;
          for (unsigned int q = 0; q < n_q; ++q)
            {
              jump[q * n + i] = i < n_upper ?
                                  upper[upper_field].value(i, q) :
                                  -lower[lower_field].value(i - n_upper, q);
              nonzero         = nonzero || jump[q * n + i] != 0;
            }
          if (nonzero)
            on_piece.push_back(i);
        }

      for (unsigned int q = 0; q < n_q; ++q)
        {
          AssertThrow(upper.quadrature_point(q).distance(lower.quadrature_point(
                        q)) < 1e-8 * piece.upper->diameter(),
                      ExcMessage("interface quadrature points differ"));
          const double w = piece.conductance *
                           weight(finer.quadrature_point(q)) * finer.JxW(q);
          const double *jump_q = &jump[q * n];
          const double  T_jump = upper_T[q] - lower_T[q];
          for (const unsigned int i : on_piece)
            {
              cell_rhs(i) -= T_jump * jump_q[i] * w;
              if (with_matrix)
                for (const unsigned int j : on_piece)
                  cell_matrix(i, j) += jump_q[i] * jump_q[j] * w;
            }
        }
    }
  } // namespace anode_thermal
} // namespace xray

#endif

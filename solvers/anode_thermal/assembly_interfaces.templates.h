// The resistive interfaces in AnodeThermal's Newton system
// (assembly.templates.h): the flux h_b [T] across every face piece
// between two layers, matching or hanging, coupling the unknowns of the
// two sides.
#ifndef XRAY_ANODE_THERMAL_ASSEMBLY_INTERFACES_TEMPLATES_H
#define XRAY_ANODE_THERMAL_ASSEMBLY_INTERFACES_TEMPLATES_H

#include "anode_thermal/anode_thermal.h"

#include <deal.II/hp/fe_values.h>
#include <deal.II/lac/full_matrix.h>

#include <vector>

namespace xray
{
  namespace anode_thermal
  {
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
  } // namespace anode_thermal
} // namespace xray

#endif

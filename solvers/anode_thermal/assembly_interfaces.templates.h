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
    // coupling the unknowns of the two sides, from the pieces' tables
    // (made at the first assembly on a mesh) and the temperatures of their
    // unknowns, read in one pass.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::assemble_interfaces(const Vector &T,
                                               const bool    with_matrix)
    {
      if (interface_pieces.size() != interface_faces.size())
        make_interface_pieces();
      std::vector<double> T_pieces;
      LA::extract_values(T, interface_dofs, T_pieces);
      FullMatrix<double>     piece_matrix;
      dealii::Vector<double> piece_rhs;
      for (const InterfacePiece &piece : interface_pieces)
        {
          const unsigned int n = piece.dofs.size();
          piece_matrix.reinit(n, n);
          piece_rhs.reinit(n);
          add_interface_terms(piece,
                              T_pieces.data() + piece.first,
                              with_matrix,
                              piece_matrix,
                              piece_rhs);
          add_to_system(piece_matrix, piece_rhs, piece.dofs, with_matrix);
        }
    }


    // The tables of every interface piece (tabulate_interface_piece()). A
    // matching piece is one face seen from both cells. A hanging piece is
    // the finer cell's face, and the coarser cell is evaluated at the same
    // points in space, mapped back into it: where cells are curved (at the
    // cylinder's side) the coarser cell's subface is not exactly the finer
    // cell's face, so its own subface quadrature would pair points a little
    // apart.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::make_interface_pieces()
    {
      const UpdateFlags flags =
        update_values | update_quadrature_points | update_JxW_values;
      hp::FEFaceValues<dim> upper_face(mapping, fe, face_quadrature, flags);
      hp::FEFaceValues<dim> lower_face(mapping, fe, face_quadrature, flags);
      interface_pieces.clear();
      interface_dofs.clear();
      for (const auto &face : interface_faces)
        {
          const bool upper_is_coarser =
            face.upper_subface != numbers::invalid_unsigned_int;
          const bool lower_is_coarser =
            face.lower_subface != numbers::invalid_unsigned_int;
          if (!upper_is_coarser)
            upper_face.reinit(face.upper, face.upper_face);
          if (!lower_is_coarser)
            lower_face.reinit(face.lower, face.lower_face);
          const FEValuesBase<dim> &finer =
            upper_is_coarser ? lower_face.get_present_fe_values() :
                               upper_face.get_present_fe_values();
          std::unique_ptr<FEValues<dim>> coarser;
          if (upper_is_coarser || lower_is_coarser)
            coarser =
              coarser_side_values(upper_is_coarser ? face.upper : face.lower,
                                  finer);
          const FEValuesBase<dim> &upper =
            upper_is_coarser ?
              static_cast<const FEValuesBase<dim> &>(*coarser) :
              upper_face.get_present_fe_values();
          const FEValuesBase<dim> &lower =
            lower_is_coarser ?
              static_cast<const FEValuesBase<dim> &>(*coarser) :
              lower_face.get_present_fe_values();
          interface_pieces.push_back(
            tabulate_interface_piece(face, upper, lower, finer));
          interface_pieces.back().first = interface_dofs.size();
          interface_dofs.insert(interface_dofs.end(),
                                interface_pieces.back().dofs.begin(),
                                interface_pieces.back().dofs.end());
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


    // The table of one interface piece FACE on the jump basis [phi_i]
    // (+phi on the upper side's shape functions, -phi on the lower side's),
    // at the quadrature points of the finer side's face (FINER; either side
    // of a matching piece), with the shape functions that do not vanish on
    // the piece (those of the two faces: a third of each cell's for Q2; the
    // others would add exact zeros).
    template <int dim, typename LA>
    typename AnodeThermal<dim, LA>::InterfacePiece
    AnodeThermal<dim, LA>::tabulate_interface_piece(
      const InterfaceFace     &face,
      const FEValuesBase<dim> &upper,
      const FEValuesBase<dim> &lower,
      const FEValuesBase<dim> &finer) const
    {
      const FEValuesExtractors::Scalar upper_field(
        layer_component[face.upper->material_id()]);
      const FEValuesExtractors::Scalar lower_field(
        layer_component[face.lower->material_id()]);
      const unsigned int                   n_upper = upper.dofs_per_cell;
      const unsigned int                   n   = n_upper + lower.dofs_per_cell;
      const unsigned int                   n_q = upper.n_quadrature_points;
      std::vector<types::global_dof_index> dofs(n_upper);
      std::vector<types::global_dof_index> lower_dofs(n - n_upper);
      face.upper->get_dof_indices(dofs);
      face.lower->get_dof_indices(lower_dofs);
      dofs.insert(dofs.end(), lower_dofs.begin(), lower_dofs.end());

      const auto jump = [&](const unsigned int i, const unsigned int q) {
        return i < n_upper ? upper[upper_field].value(i, q) :
                             -lower[lower_field].value(i - n_upper, q);
      };
      std::vector<unsigned int> on_piece;
      for (unsigned int i = 0; i < n; ++i)
        for (unsigned int q = 0; q < n_q; ++q)
          if (jump(i, q) != 0)
            {
              on_piece.push_back(i);
              break;
            }
      InterfacePiece piece;
      for (const unsigned int i : on_piece)
        piece.dofs.push_back(dofs[i]);
      for (unsigned int q = 0; q < n_q; ++q)
        {
          AssertThrow(upper.quadrature_point(q).distance(lower.quadrature_point(
                        q)) < 1e-8 * face.upper->diameter(),
                      ExcMessage("interface quadrature points differ"));
          for (const unsigned int i : on_piece)
            piece.jump.push_back(jump(i, q));
          piece.weight.push_back(face.conductance *
                                 weight(finer.quadrature_point(q)) *
                                 finer.JxW(q));
        }
      return piece;
    }


    // One interface piece's terms, from the temperatures T_PIECE of its
    // unknowns (piece.dofs):
    //   R_i += int h_b (T_upper - T_lower) [phi_i] w,
    //   J_ij += int h_b [phi_i] [phi_j] w,
    // where T_upper - T_lower = sum_j [phi_j] T_j.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::add_interface_terms(
      const InterfacePiece   &piece,
      const double           *T_piece,
      const bool              with_matrix,
      FullMatrix<double>     &piece_matrix,
      dealii::Vector<double> &piece_rhs) const
    {
      const unsigned int n = piece.dofs.size();
      for (unsigned int q = 0; q < piece.weight.size(); ++q)
        {
          const double *jump_q = &piece.jump[q * n];
          double        T_jump = 0;
          for (unsigned int i = 0; i < n; ++i)
            T_jump += jump_q[i] * T_piece[i];
          const double w = piece.weight[q];
          for (unsigned int i = 0; i < n; ++i)
            {
              piece_rhs(i) -= T_jump * jump_q[i] * w;
              if (with_matrix)
                for (unsigned int j = 0; j < n; ++j)
                  piece_matrix(i, j) += jump_q[i] * jump_q[j] * w;
            }
        }
    }
  } // namespace anode_thermal
} // namespace xray

#endif

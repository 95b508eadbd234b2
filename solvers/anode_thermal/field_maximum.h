// The largest value of a finite element field in one cell, not only at its
// nodes (doc/anode-thermal.md, "Peak temperature"). On the reference cell
// the field of a Lagrange element is
//   T(xi) = sum_i u_i phi_i(xi),   xi in [0, 1]^dim,
// whatever the mapping, so its maximum over a cell is found in reference
// coordinates: a bound on how far the field can rise above its nodal values
// picks the cells worth searching, and an ascent from the best node finds
// the maximum in each.
#ifndef XRAY_ANODE_THERMAL_FIELD_MAXIMUM_H
#define XRAY_ANODE_THERMAL_FIELD_MAXIMUM_H

#include <deal.II/base/point.h>
#include <deal.II/fe/fe.h>

#include <vector>

namespace xray
{
  namespace anode_thermal
  {
    using namespace dealii;

    /// How far a field of the scalar tensor-product Lagrange element FE can
    /// rise above its nodal values within a cell, per unit of their range:
    /// with Lambda = max over the cell of sum_i |phi_i| (the Lebesgue
    /// constant of the support points) and c the middle of the range,
    ///   |T - c| <= Lambda (max u - min u) / 2,
    /// so T <= max u + (Lambda - 1) / 2 (max u - min u). Returned:
    /// (Lambda - 1) / 2, with Lambda the one-dimensional constant (taken
    /// along an edge, where only the edge's nodes are non-zero) to the power
    /// dim. 0 for linear elements.
    template <int dim>
    double
    nodal_overshoot_factor(const FiniteElement<dim> &fe);

    template <int dim>
    struct CellMaximum
    {
      double     value;
      Point<dim> unit_point;
      /// Ascent steps taken.
      unsigned int steps;
    };

    /// The maximum of T = sum_i u_i phi_i (FE scalar, U its nodal values in
    /// FE's numbering) over the reference cell, from START: projected Newton
    /// steps on the coordinates not held at a face by the gradient (steepest
    /// ascent where the Hessian is not negative definite), each accepted only
    /// if T rises, until the free gradient vanishes to 1e-12 of the nodal
    /// range. It finds the local maximum uphill of START, never a value
    /// below T(START).
    template <int dim>
    CellMaximum<dim>
    maximise_in_reference_cell(const FiniteElement<dim>  &fe,
                               const std::vector<double> &u,
                               const Point<dim>          &start);
  } // namespace anode_thermal
} // namespace xray

#endif

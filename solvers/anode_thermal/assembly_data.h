// What AnodeThermal's assembly keeps of the mesh between assemblies: the
// data of each quadrature point and cell, the reference cell's shape
// functions, and the pieces of the resistive interfaces
// (assembly.templates.h, assembly_interfaces.templates.h).
#ifndef XRAY_ANODE_THERMAL_ASSEMBLY_DATA_H
#define XRAY_ANODE_THERMAL_ASSEMBLY_DATA_H

#include <deal.II/base/point.h>
#include <deal.II/base/tensor.h>
#include <deal.II/base/types.h>
#include <deal.II/dofs/dof_handler.h>

#include <cstddef>
#include <vector>

namespace xray
{
  namespace anode_thermal
  {
    using namespace dealii;

    /// What the cell terms of the Newton system need at one quadrature
    /// point: its position, weighted JxW (weight() JxW), the inverse
    /// Jacobian (for the SUPG length) and the shape functions of the
    /// cell's layer: values, gradients and, for motion, Laplacians.
    /// Unpacked per cell from its CellPoints (a view per access is
    /// costly in the n^2 loops).
    template <int dim>
    struct PointData
    {
      Point<dim>                  point;
      double                      w = 0;
      Tensor<2, dim>              inverse_jacobian;
      std::vector<double>         value;
      std::vector<Tensor<1, dim>> gradient;
      std::vector<double>         laplacian;
    };
    /// What a cell's quadrature points need from the mapping: positions,
    /// weighted JxW, inverse Jacobians and, for motion, the shape
    /// Laplacians ([q n + j]). Kept for a fixed mesh (point_cache): 13
    /// numbers per point in 3D, where the shape gradients themselves
    /// would be 3n = 81 (Q2), since the gradients follow from the
    /// reference cell's by grad phi = J^{-T} grad_ref phi.
    template <int dim>
    struct CellPoints
    {
      std::vector<Point<dim>>     point;
      std::vector<double>         w;
      std::vector<Tensor<2, dim>> inverse_jacobian;
      std::vector<double>         laplacian;
    };
    /// Shape values and reference-cell gradients of the temperature
    /// component of one FE index at its quadrature points, [q n + j].
    template <int dim>
    struct ReferenceShapes
    {
      std::vector<double>         value;
      std::vector<Tensor<1, dim>> gradient;
    };

    /// One matching pair of face pieces across a resistive interface.
    template <int dim>
    struct InterfaceFace
    {
      typename DoFHandler<dim>::active_cell_iterator upper, lower;
      unsigned int                                   upper_face, lower_face;
      /// Subface of the coarser side, or invalid for matching faces.
      unsigned int upper_subface, lower_subface;
      double       conductance; // h_b in W/(m^2 K)
    };

    /// What the flux h_b [T] across one face piece needs of the mesh,
    /// tabulated once per mesh (make_interface_pieces()): the unknowns
    /// whose shape functions do not vanish on it (both sides'), the jump
    /// [phi_i] of each at each quadrature point, and h_b times the
    /// quadrature weight (times 2 pi r in the axisymmetric model).
    struct InterfacePiece
    {
      std::vector<types::global_dof_index> dofs;
      std::vector<double>                  jump; // [q * dofs.size() + i]
      std::vector<double>                  weight;
      /// Where this piece's unknowns start in interface_dofs.
      std::size_t first;
    };
  } // namespace anode_thermal
} // namespace xray

#endif

// The steady conduction operator of an anode, applied matrix-free, and its
// Krylov solve preconditioned by a geometric multigrid (doc/anode-thermal.md,
// "Linear solver"). With constant conductivities the operator is
//   A_ij = sum_cells int_cell k_layer grad phi_j . grad phi_i w dx,
// solved by CG; with k(T) it is the Newton matrix at a temperature T,
//   J_ij = sum_cells int_cell (k(T) grad phi_j + k'(T) phi_j grad T)
//          . grad phi_i w dx,
// solved by GMRES (J is not symmetric), the multigrid being built on its
// symmetric part k(T) grad phi_j . grad phi_i. w = 2 pi r (axisymmetric) or
// the symmetry factor (3D); on faces cooled by convection both add the
// integral of h_c w phi_j phi_i, and across a resistive interface between
// two layers (conductance h_b, the two sides on two fields) the integral
// of h_b w [phi_j] [phi_i], [phi] the jump across it. These are the
// integrals the matrix-based assembly computes (same elements, mapping and
// quadrature: degree + 1 Gauss points per direction in cells at rest,
// degree + 2 on faces), so both solve one linear system.
//
// The multigrid levels are the mesh coarsened globally down to the coarse
// mesh (linear elements), and on the finest mesh the element's own degree
// over linear elements (deal.II's global-coarsening transfer, as in
// step-75), on Gauss points of degree + 1; Chebyshev smoothing with the
// inverse diagonal on each level (step-37); on the coarse mesh one V-cycle
// of algebraic multigrid. With k(T), T is interpolated to every level and
// k(T) tabulated at each level's quadrature points (step-75's way with a
// solution-dependent coefficient).
//
// The implementation (pimpl) keeps deal.II's matrix-free headers in one
// translation unit.
#ifndef XRAY_ANODE_THERMAL_CONDUCTION_MULTIGRID_H
#define XRAY_ANODE_THERMAL_CONDUCTION_MULTIGRID_H

#include "common/materials.h"

#include <deal.II/base/point.h>
#include <deal.II/base/types.h>
#include <deal.II/dofs/dof_handler.h>
#include <deal.II/fe/mapping.h>
#include <deal.II/grid/tria.h>
#include <deal.II/lac/la_parallel_vector.h>
#include <deal.II/lac/solver_control.h>

#include <functional>
#include <map>
#include <memory>
#include <vector>

namespace xray
{
  namespace anode_thermal
  {
    using namespace dealii;

    template <int dim>
    class ConductionMultigrid
    {
    public:
      using VectorType = LinearAlgebra::distributed::Vector<double>;

      /// What defines the operator besides the mesh.
      struct Problem
      {
        /// Degree of the Lagrange elements of the finest level; every level
        /// is integrated on Gauss points of its degree + 1 per direction,
        /// the finest level's being the operator CG solves with.
        unsigned int degree = 2;
        /// k(T) of each material id, W/(m K). If any depends on T, the
        /// operator is the Newton matrix at the temperature given to
        /// linearise().
        std::vector<TemperatureFunction> conductivity;
        /// Faces held at T0: the Newton update vanishes there.
        std::vector<types::boundary_id> fixed_faces;
        /// Faces cooled by convection: h_c of each, W/(m^2 K); the operator
        /// holds the integral of h_c w u v over them.
        std::map<types::boundary_id, double> convective_faces;
        /// The field (0 or 1) of each material id; none given: all on
        /// field 0. Layers joined by an interface conductance are on
        /// different fields, each a continuous temperature of its own.
        /// With two fields the unknowns are FESystem(FE_Q, 2), component f
        /// carrying field f on the cells of field f (held at zero where no
        /// such cell is), and on every face between the fields the
        /// operator adds the integral of h_b w [u] [v], [u] the jump of the
        /// temperature across the face.
        std::vector<unsigned int> field;
        /// h_b between material ids m and m + 1, W/(m^2 K); infinite where
        /// the two are joined without resistance (on one field).
        std::vector<double> interface_conductance;
        /// The integrals' weight w at a point.
        std::function<double(const Point<dim> &)> weight;
        /// Whether w is the same everywhere (3D): then one coefficient per
        /// cell is stored instead of one per quadrature point.
        bool weight_is_constant = true;
      };

      /// Levels from TRIANGULATION (coarsened copies of it; it is not
      /// changed) with MAPPING on every level.
      ConductionMultigrid(const Triangulation<dim> &triangulation,
                          const Mapping<dim>       &mapping,
                          const Problem            &problem);
      ~ConductionMultigrid();

      /// The finest level's unknowns: FE_Q of Problem::degree, or
      /// FESystem of two of them with two fields.
      const DoFHandler<dim> &
      dof_handler() const;
      void
      initialize_dof_vector(VectorType &vector) const;
      /// Whether k depends on T: then the operator is the Newton matrix at
      /// the temperature of the last linearise(), and solve() needs one.
      bool
      depends_on_temperature() const;
      /// The Newton matrix and the multigrid at TEMPERATURE (the finest
      /// level's vector, every owned entry set, hanging nodes included):
      /// k(T) and k'(T) grad T tabulated at the finest level's quadrature
      /// points, T interpolated to the coarser levels and k(T) tabulated
      /// there, the smoothers and the coarse AMG built anew.
      void
      linearise(const VectorType &temperature);
      /// A x = b from x under CONTROL: CG for constant k, GMRES (right-
      /// preconditioned, so it stops on the true residual) for the Newton
      /// matrix of k(T); throws SolverControl::NoConvergence. B must
      /// vanish on the held faces' unknowns and on hanging nodes; x's
      /// hanging-node entries are left unresolved (the caller distributes
      /// its constraints).
      void
      solve(SolverControl &control, VectorType &x, const VectorType &b) const;

      unsigned int
      n_levels() const;
      types::global_dof_index
      n_coarse_dofs() const;

    private:
      struct Implementation;
      std::unique_ptr<Implementation> implementation;
    };
  } // namespace anode_thermal
} // namespace xray

#endif

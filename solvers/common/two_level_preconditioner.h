// A two-level (p-multigrid) preconditioner for the matrix of a higher-order
// finite element, PETSc only: the coarse level is the linear elements'
// space on the same mesh, solved by one BoomerAMG V-cycle.
#ifndef XRAY_COMMON_TWO_LEVEL_PRECONDITIONER_H
#define XRAY_COMMON_TWO_LEVEL_PRECONDITIONER_H

#include <deal.II/dofs/dof_handler.h>
#include <deal.II/fe/fe.h>
#include <deal.II/lac/petsc_sparse_matrix.h>
#include <deal.II/lac/petsc_vector.h>

#include <petscksp.h>

namespace xray
{
  using namespace dealii;

  /// One application to a residual r (the two-grid correction scheme with
  /// the Galerkin coarse matrix: Briggs, Henson and McCormick, "A Multigrid
  /// Tutorial", 2nd ed., SIAM 2000, ch. 3 and 5; the coarse level a lower
  /// polynomial degree on the same mesh: Ronquist and Patera, J. Sci.
  /// Comput. 2 (1987) 389):
  ///   x  = S_f r                      one Gauss-Seidel sweep, forward
  ///   x += P B P^T (r - A x)          coarse correction
  ///   x += S_b (r - A x)              one Gauss-Seidel sweep, backward
  /// P interpolates the linear elements' nodal values to the higher-order
  /// unknowns (exact: the linear functions lie in the higher-order space
  /// on every cell); B is one BoomerAMG V-cycle on the Galerkin product
  /// A_1 = P^T A P. A row of A with nothing but its diagonal is a
  /// constrained unknown (deal.II condenses constraints so); its row of P
  /// is zero, so that the coarse space holds the functions the constraints
  /// allow and nothing else. The sweeps are local to each rank (block
  /// Jacobi between ranks); the backward sweep is the adjoint of the
  /// forward one and B is symmetric for a symmetric A, so the
  /// preconditioner is symmetric, as CG needs.
  class TwoLevelPreconditioner
  {
  public:
    TwoLevelPreconditioner()                               = default;
    TwoLevelPreconditioner(const TwoLevelPreconditioner &) = delete;
    TwoLevelPreconditioner &
    operator=(const TwoLevelPreconditioner &) = delete;
    ~TwoLevelPreconditioner();

    /// @p matrix: the condensed system matrix on @p dof_handler's unknowns;
    /// @p linear_element: the linear element of the same cell shape, whose
    /// unknowns are numbered on @p dof_handler's mesh for the coarse level.
    /// @p matrix must outlive this object and keep its values.
    template <int dim>
    void
    initialize(const PETScWrappers::MPI::SparseMatrix &matrix,
               const DoFHandler<dim>                  &dof_handler,
               const FiniteElement<dim>               &linear_element);

    void
    vmult(PETScWrappers::MPI::Vector       &dst,
          const PETScWrappers::MPI::Vector &src) const;

  private:
    void
    build_coarse_amg();

    void
    clear();

    Mat fine_matrix   = nullptr; // A (not owned)
    Mat interpolation = nullptr; // P
    Mat coarse_matrix = nullptr; // A_1 = P^T A P
    PC  coarse_amg    = nullptr; // B
    Vec residual      = nullptr; // work vectors
    Vec coarse_rhs    = nullptr;
    Vec coarse_update = nullptr;
  };
} // namespace xray

#endif

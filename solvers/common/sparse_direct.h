// Sparse LU factorization of an assembled matrix, for systems small enough
// that one factorization costs about what one Krylov solve with algebraic
// multigrid does (the 2D axisymmetric model's few thousand unknowns), and
// every Newton step is then exact. The factorization is kept between solves:
// a solve with an unchanged matrix only substitutes, and a matrix changed in
// its values on the same sparsity pattern repeats only the numeric part.
#ifndef XRAY_COMMON_SPARSE_DIRECT_H
#define XRAY_COMMON_SPARSE_DIRECT_H

#include <deal.II/lac/petsc_sparse_matrix.h>
#include <deal.II/lac/petsc_vector.h>
#include <deal.II/lac/solver_control.h>
#include <deal.II/lac/trilinos_solver.h>
#include <deal.II/lac/trilinos_sparse_matrix.h>
#include <deal.II/lac/trilinos_vector.h>

#include <petscksp.h>

#include <memory>

namespace xray
{
  using namespace dealii;

  /// PETSc's KSPPREONLY with PCLU. One rank: PETSc's own sparse LU of the
  /// rank's sequential block (all of the matrix) in approximate minimum
  /// degree order (Amestoy, Davis and Duff, SIAM J. Matrix Anal. Appl. 17
  /// (1996) 886), which fills in far less than nested dissection or reverse
  /// Cuthill-McKee on the graded Q2 meshes of the anode (measured per solve:
  /// doc/measurement-log.md, "Sparse LU for the axisymmetric model").
  /// Several ranks: MUMPS on the distributed matrix. PETSc keeps the
  /// ordering and symbolic factorization while the matrix object and its
  /// nonzero pattern stay, and refactorizes only when the matrix changed
  /// since (it tracks each matrix's state).
  class PETScSparseLU
  {
  public:
    PETScSparseLU() = default;
    ~PETScSparseLU();
    PETScSparseLU(const PETScSparseLU &) = delete;
    PETScSparseLU &
    operator=(const PETScSparseLU &) = delete;

    /// Factorizes @p matrix unless the kept factorization is of this very
    /// matrix, unchanged. Throws std::runtime_error if the factorization
    /// fails (a zero pivot: a singular matrix).
    void
    factorize(const PETScWrappers::MPI::SparseMatrix &matrix);

    /// x = A^{-1} b with the last factorized A.
    void
    solve(PETScWrappers::MPI::Vector       &x,
          const PETScWrappers::MPI::Vector &b) const;

  private:
    KSP ksp = nullptr;
    /// The operator factorized: the matrix, or on one rank its sequential
    /// block (the KSP holds a reference, so it lives as long as the KSP).
    Mat factored = nullptr;
    /// Whether the operator is the sequential block of one rank.
    bool sequential = false;
  };


  /// Trilinos: Amesos's KLU (Davis and Palamadai Natarajan, ACM TOMS 37
  /// (2010) 36) through deal.II, factorized anew at every call.
  class TrilinosSparseLU
  {
  public:
    void
    factorize(const TrilinosWrappers::SparseMatrix &matrix);

    void
    solve(TrilinosWrappers::MPI::Vector       &x,
          const TrilinosWrappers::MPI::Vector &b);

  private:
    SolverControl                                   control;
    std::unique_ptr<TrilinosWrappers::SolverDirect> solver;
  };
} // namespace xray

#endif

#include "common/sparse_direct.h"

#include <stdexcept>
#include <string>

namespace xray
{
  namespace
  {
    /// A PETSc call's error code: anything but 0 throws, naming @p call.
    void
    check(const PetscErrorCode error, const char *call)
    {
      if (error != 0)
        throw std::runtime_error(std::string("sparse LU: ") + call +
                                 " failed (PETSc error " +
                                 std::to_string(error) + ")");
    }


    /// A sequential vector on the local entries of @p v (one rank: all of
    /// them), sharing its storage; destroyed by the caller.
    Vec
    sequential_view(const Vec v, const PetscScalar *entries)
    {
      PetscInt n = 0;
      check(VecGetLocalSize(v, &n), "VecGetLocalSize");
      Vec view = nullptr;
      check(VecCreateSeqWithArray(PETSC_COMM_SELF, 1, n, entries, &view),
            "VecCreateSeqWithArray");
      return view;
    }
  } // namespace


  PETScSparseLU::~PETScSparseLU()
  {
    if (ksp != nullptr)
      KSPDestroy(&ksp);
  }


  void
  PETScSparseLU::factorize(const PETScWrappers::MPI::SparseMatrix &matrix)
  {
    const Mat   A = static_cast<Mat>(matrix);
    PetscMPIInt ranks;
    check(MPI_Comm_size(matrix.get_mpi_communicator(), &ranks),
          "MPI_Comm_size");
    Mat operator_matrix = A;
    if (ranks == 1)
      {
        PetscBool distributed = PETSC_FALSE;
        check(PetscObjectTypeCompare(reinterpret_cast<PetscObject>(A),
                                     MATMPIAIJ,
                                     &distributed),
              "PetscObjectTypeCompare");
        if (distributed)
          {
            Mat             off_diagonal;
            const PetscInt *column_map;
            check(MatMPIAIJGetSeqAIJ(
                    A, &operator_matrix, &off_diagonal, &column_map),
                  "MatMPIAIJGetSeqAIJ");
          }
      }
    // A new matrix object (a new mesh): a new KSP. The old one holds a
    // reference to its operator, so no new matrix can have its address.
    if (operator_matrix != factored)
      {
        if (ksp != nullptr)
          check(KSPDestroy(&ksp), "KSPDestroy");
        sequential = ranks == 1;
        check(KSPCreate(sequential ? PETSC_COMM_SELF :
                                     matrix.get_mpi_communicator(),
                        &ksp),
              "KSPCreate");
        check(KSPSetType(ksp, KSPPREONLY), "KSPSetType");
        PC pc;
        check(KSPGetPC(ksp, &pc), "KSPGetPC");
        check(PCSetType(pc, PCLU), "PCSetType");
        if (sequential)
          check(PCFactorSetMatOrderingType(pc, MATORDERINGAMD),
                "PCFactorSetMatOrderingType");
        else
          check(PCFactorSetMatSolverType(pc, MATSOLVERMUMPS),
                "PCFactorSetMatSolverType");
        factored = operator_matrix;
      }
    check(KSPSetOperators(ksp, operator_matrix, operator_matrix),
          "KSPSetOperators");
    check(KSPSetUp(ksp), "KSPSetUp");
    PC pc;
    check(KSPGetPC(ksp, &pc), "KSPGetPC");
    PCFailedReason reason;
    check(PCGetFailedReason(pc, &reason), "PCGetFailedReason");
    if (reason != PC_NOERROR)
      throw std::runtime_error(
        "the sparse LU factorization failed (" +
        std::string(reason == PC_FACTOR_NUMERIC_ZEROPIVOT ||
                        reason == PC_FACTOR_STRUCT_ZEROPIVOT ?
                      "zero pivot: the matrix is singular" :
                      PCFailedReasons[reason]) +
        ")");
  }


  void
  PETScSparseLU::solve(PETScWrappers::MPI::Vector       &x,
                       const PETScWrappers::MPI::Vector &b) const
  {
    if (!sequential)
      {
        check(KSPSolve(ksp, b, x), "KSPSolve");
        return;
      }
    const PetscScalar *b_entries = nullptr;
    PetscScalar       *x_entries = nullptr;
    check(VecGetArrayRead(b, &b_entries), "VecGetArrayRead");
    check(VecGetArray(x, &x_entries), "VecGetArray");
    Vec                  b_view = sequential_view(b, b_entries);
    Vec                  x_view = sequential_view(x, x_entries);
    const PetscErrorCode error  = KSPSolve(ksp, b_view, x_view);
    VecDestroy(&b_view);
    VecDestroy(&x_view);
    check(VecRestoreArray(x, &x_entries), "VecRestoreArray");
    check(VecRestoreArrayRead(b, &b_entries), "VecRestoreArrayRead");
    check(error, "KSPSolve");
  }


  void
  TrilinosSparseLU::factorize(const TrilinosWrappers::SparseMatrix &matrix)
  {
    solver = std::make_unique<TrilinosWrappers::SolverDirect>(control);
    solver->initialize(matrix);
  }


  void
  TrilinosSparseLU::solve(TrilinosWrappers::MPI::Vector       &x,
                          const TrilinosWrappers::MPI::Vector &b)
  {
    solver->solve(x, b);
  }
} // namespace xray

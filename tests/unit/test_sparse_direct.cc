// Unit tests of the sparse LU (solvers/common/sparse_direct.h) on the
// matrix of -u'' = f by second differences on n points (tridiagonal, 2 on
// the diagonal, -1 beside it), against a manufactured solution: b = A x
// for a known x, then x = A^{-1} b must come back to round-off.
#include "common/sparse_direct.h"

#include <deal.II/base/index_set.h>
#include <deal.II/base/mpi.h>
#include <deal.II/lac/dynamic_sparsity_pattern.h>

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>

namespace
{
  using namespace dealii;

  constexpr unsigned int n = 60;

  template <typename Matrix>
  void
  fill_second_differences(Matrix &A, const double scale)
  {
    for (unsigned int i = 0; i < n; ++i)
      {
        A.set(i, i, 2 * scale);
        if (i > 0)
          A.set(i, i - 1, -scale);
        if (i + 1 < n)
          A.set(i, i + 1, -scale);
      }
    A.compress(VectorOperation::insert);
  }

  DynamicSparsityPattern
  tridiagonal_pattern()
  {
    DynamicSparsityPattern pattern(n, n);
    for (unsigned int i = 0; i < n; ++i)
      for (unsigned int j = (i > 0 ? i - 1 : 0); j <= std::min(i + 1, n - 1);
           ++j)
        pattern.add(i, j);
    return pattern;
  }

  /// The largest |x_i - sin(0.3 i + 0.1)| after solving A x = A x_exact.
  template <typename LU, typename Matrix, typename Vector>
  double
  solve_error(LU &lu, Matrix &A, const IndexSet &all)
  {
    Vector exact(all, MPI_COMM_WORLD), b(all, MPI_COMM_WORLD),
      x(all, MPI_COMM_WORLD);
    for (unsigned int i = 0; i < n; ++i)
      exact(i) = std::sin(0.3 * i + 0.1);
    exact.compress(VectorOperation::insert);
    A.vmult(b, exact);
    lu.factorize(A);
    lu.solve(x, b);
    x -= exact;
    return x.linfty_norm();
  }


  TEST(PETScSparseLU, SolvesAndRefactorizesChangedValues)
  {
    const IndexSet                   all = complete_index_set(n);
    PETScWrappers::MPI::SparseMatrix A;
    A.reinit(all, all, tridiagonal_pattern(), MPI_COMM_WORLD);
    fill_second_differences(A, 1.);
    xray::PETScSparseLU lu;
    EXPECT_LT((solve_error<xray::PETScSparseLU,
                           PETScWrappers::MPI::SparseMatrix,
                           PETScWrappers::MPI::Vector>(lu, A, all)),
              1e-11);
    // New values on the same pattern: the kept factorization would give
    // x / 3; a fresh one gives x.
    fill_second_differences(A, 3.);
    EXPECT_LT((solve_error<xray::PETScSparseLU,
                           PETScWrappers::MPI::SparseMatrix,
                           PETScWrappers::MPI::Vector>(lu, A, all)),
              1e-11);
    // The same matrix again: the kept factorization serves.
    EXPECT_LT((solve_error<xray::PETScSparseLU,
                           PETScWrappers::MPI::SparseMatrix,
                           PETScWrappers::MPI::Vector>(lu, A, all)),
              1e-11);
    // A new matrix object (as on a new mesh).
    PETScWrappers::MPI::SparseMatrix B;
    B.reinit(all, all, tridiagonal_pattern(), MPI_COMM_WORLD);
    fill_second_differences(B, 0.5);
    EXPECT_LT((solve_error<xray::PETScSparseLU,
                           PETScWrappers::MPI::SparseMatrix,
                           PETScWrappers::MPI::Vector>(lu, B, all)),
              1e-11);
  }


  TEST(PETScSparseLU, SingularMatrixIsAnError)
  {
    const IndexSet                   all = complete_index_set(n);
    PETScWrappers::MPI::SparseMatrix A;
    A.reinit(all, all, tridiagonal_pattern(), MPI_COMM_WORLD);
    fill_second_differences(A, 1.);
    // Row and column 7 zero: no pivot can be found for it.
    for (unsigned int j = 6; j <= 8; ++j)
      {
        A.set(7, j, 0.);
        A.set(j, 7, 0.);
      }
    A.compress(VectorOperation::insert);
    xray::PETScSparseLU lu;
    try
      {
        lu.factorize(A);
        FAIL() << "a singular matrix was factorized";
      }
    catch (const std::runtime_error &error)
      {
        EXPECT_NE(std::string(error.what()).find("zero pivot"),
                  std::string::npos)
          << error.what();
      }
  }


  TEST(TrilinosSparseLU, Solves)
  {
    const IndexSet                 all = complete_index_set(n);
    TrilinosWrappers::SparseMatrix A;
    A.reinit(all, all, tridiagonal_pattern(), MPI_COMM_WORLD);
    fill_second_differences(A, 1.);
    xray::TrilinosSparseLU lu;
    EXPECT_LT((solve_error<xray::TrilinosSparseLU,
                           TrilinosWrappers::SparseMatrix,
                           TrilinosWrappers::MPI::Vector>(lu, A, all)),
              1e-11);
    fill_second_differences(A, 3.);
    EXPECT_LT((solve_error<xray::TrilinosSparseLU,
                           TrilinosWrappers::SparseMatrix,
                           TrilinosWrappers::MPI::Vector>(lu, A, all)),
              1e-11);
  }
} // namespace

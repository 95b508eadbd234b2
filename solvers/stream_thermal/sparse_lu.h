// A direct solver for Jacobians that keep their sparsity pattern: UMFPACK's
// symbolic analysis (the fill-reducing ordering, costlier than it looks for a
// few hundred unknowns) is done once per pattern, and each new Jacobian only
// repeats the numeric factorization. deal.II's SparseDirectUMFPACK redoes
// both, and refines every solution iteratively, which a Newton step does not
// need (its Jacobian is an approximation anyway).
#ifndef XRAY_STREAM_THERMAL_SPARSE_LU_H
#define XRAY_STREAM_THERMAL_SPARSE_LU_H

#include <deal.II/lac/sparse_matrix.h>
#include <deal.II/lac/vector.h>

#include <umfpack.h>

#include <vector>

namespace xray
{
  namespace stream_thermal
  {
    using namespace dealii;

    class SparseLU
    {
    public:
      SparseLU();
      ~SparseLU();
      SparseLU(const SparseLU &) = delete;
      SparseLU &
      operator=(const SparseLU &) = delete;

      /// Factorizes @p matrix, A = LU; the symbolic analysis of the first
      /// call serves every later matrix on the same sparsity pattern. The
      /// pattern is recognised by its address: it must not be rebuilt in
      /// place while this object is in use (ParticleHeating builds it once,
      /// in its constructor).
      void
      factorize(const SparseMatrix<double> &matrix);

      /// x = A^{-1} x.
      void
      solve(Vector<double> &x) const;

    private:
      /// Compressed rows of A with sorted columns (UMFPACK reads them as
      /// the compressed columns of A^T and solves with its transpose).
      std::vector<SuiteSparse_long> row_start, column;
      std::vector<double>           value;
      /// position[k]: where the k-th stored entry of the matrix (deal.II
      /// keeps the diagonal first in each row) goes in the sorted arrays.
      std::vector<std::size_t> position;
      const SparsityPattern   *pattern = nullptr;

      std::vector<double>    control;
      void                  *symbolic = nullptr, *numeric = nullptr;
      mutable Vector<double> rhs;

      /// The sorted layout of @p sparsity; forgets the analysis.
      void
      sort_pattern(const SparsityPattern &sparsity);
      void
      free_numeric();
    };
  } // namespace stream_thermal
} // namespace xray

#endif

#include "stream_thermal/sparse_lu.h"

#include <deal.II/base/exceptions.h>

#include <algorithm>
#include <numeric>

namespace xray
{
  namespace stream_thermal
  {
    SparseLU::SparseLU()
      : control(UMFPACK_CONTROL)
    {
      umfpack_dl_defaults(control.data());
      control[UMFPACK_IRSTEP] = 0; // no iterative refinement
    }


    SparseLU::~SparseLU()
    {
      free_numeric();
      if (symbolic != nullptr)
        umfpack_dl_free_symbolic(&symbolic);
    }


    void
    SparseLU::free_numeric()
    {
      if (numeric != nullptr)
        umfpack_dl_free_numeric(&numeric);
    }


    void
    SparseLU::sort_pattern(const SparsityPattern &sparsity)
    {
      pattern             = &sparsity;
      const std::size_t n = sparsity.n_rows();
      row_start.assign(n + 1, 0);
      column.clear();
      position.clear();
      for (std::size_t row = 0; row < n; ++row)
        {
          // deal.II stores the diagonal first, UMFPACK wants the columns
          // in ascending order.
          std::vector<SuiteSparse_long> columns;
          for (auto entry = sparsity.begin(row); entry != sparsity.end(row);
               ++entry)
            columns.push_back(entry->column());
          std::vector<std::size_t> order(columns.size());
          std::iota(order.begin(), order.end(), 0);
          std::sort(order.begin(),
                    order.end(),
                    [&](const auto a, const auto b) {
                      return columns[a] < columns[b];
                    });
          row_start[row + 1] = row_start[row] + columns.size();
          std::vector<std::size_t> sorted_position(columns.size());
          for (std::size_t k = 0; k < order.size(); ++k)
            {
              sorted_position[order[k]] = row_start[row] + k;
              column.push_back(columns[order[k]]);
            }
          position.insert(position.end(),
                          sorted_position.begin(),
                          sorted_position.end());
        }
      value.assign(column.size(), 0.);
      free_numeric();
      if (symbolic != nullptr)
        umfpack_dl_free_symbolic(&symbolic);
    }


    void
    SparseLU::factorize(const SparseMatrix<double> &matrix)
    {
      if (pattern != &matrix.get_sparsity_pattern())
        sort_pattern(matrix.get_sparsity_pattern());
      std::size_t k = 0;
      for (std::size_t row = 0; row < matrix.m(); ++row)
        for (auto entry = matrix.begin(row); entry != matrix.end(row); ++entry)
          value[position[k++]] = entry->value();

      const SuiteSparse_long n = matrix.m();
      if (symbolic == nullptr)
        {
          const auto status = umfpack_dl_symbolic(n,
                                                  n,
                                                  row_start.data(),
                                                  column.data(),
                                                  value.data(),
                                                  &symbolic,
                                                  control.data(),
                                                  nullptr);
          AssertThrow(status == UMFPACK_OK,
                      ExcMessage("UMFPACK's symbolic analysis failed (status " +
                                 std::to_string(status) + ")"));
        }
      free_numeric();
      const auto status = umfpack_dl_numeric(row_start.data(),
                                             column.data(),
                                             value.data(),
                                             symbolic,
                                             &numeric,
                                             control.data(),
                                             nullptr);
      AssertThrow(status == UMFPACK_OK,
                  ExcMessage("UMFPACK's numeric factorization failed (status " +
                             std::to_string(status) + ")"));
    }


    void
    SparseLU::solve(Vector<double> &x) const
    {
      // The arrays hold A^T column by column: solve with its transpose.
      rhs               = x;
      const auto status = umfpack_dl_solve(UMFPACK_At,
                                           row_start.data(),
                                           column.data(),
                                           value.data(),
                                           x.begin(),
                                           rhs.begin(),
                                           numeric,
                                           control.data(),
                                           nullptr);
      AssertThrow(status == UMFPACK_OK,
                  ExcMessage("UMFPACK's solve failed (status " +
                             std::to_string(status) + ")"));
    }
  } // namespace stream_thermal
} // namespace xray

// Helpers of StreamPotential<dim, LA> that do not depend on its state:
// the vacuum permittivity, element-wise MPI reductions, the vertex hat
// functions of the surface recovery, and the small dense Krylov tools of
// the charging models (doc/stream-potential.md).
#ifndef XRAY_STREAM_POTENTIAL_INTERNAL_H
#define XRAY_STREAM_POTENTIAL_INTERNAL_H

#include "stream_potential/stream_potential.h"

#include <deal.II/base/mpi.templates.h>
#include <deal.II/base/utilities.h>
#include <deal.II/fe/fe.h>
#include <deal.II/lac/full_matrix.h>
#include <deal.II/lac/vector.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

namespace xray
{
  namespace stream_potential
  {
    /// Vacuum permittivity, F/m (CODATA 2018).
    constexpr double vacuum_permittivity = 8.8541878128e-12;

    namespace internal
    {
      /// Element-wise reductions of a vector over all ranks, in place.
      template <typename T>
      void
      all_min(std::vector<T> &values, const MPI_Comm communicator)
      {
        Utilities::MPI::min(ArrayView<const T>(values),
                            communicator,
                            ArrayView<T>(values));
      }
      template <typename T>
      void
      all_max(std::vector<T> &values, const MPI_Comm communicator)
      {
        Utilities::MPI::max(ArrayView<const T>(values),
                            communicator,
                            ArrayView<T>(values));
      }
      template <typename T>
      void
      all_sum(std::vector<T> &values, const MPI_Comm communicator)
      {
        Utilities::MPI::sum(ArrayView<const T>(values),
                            communicator,
                            ArrayView<T>(values));
      }

      /// max_k |v_k| (0 for an empty vector).
      inline double
      largest_magnitude(const std::vector<double> &values)
      {
        double result = 0;
        for (const double v : values)
          result = std::max(result, std::abs(v));
        return result;
      }

      /// The linear hat function of each vertex v of a simplex in the
      /// basis of @p fe: psi_v = sum_j lambda_v(x_j) phi_j, the barycentric
      /// coordinate interpolated at the support points (exact for P >= 1).
      template <int dim>
      FullMatrix<double>
      vertex_hat_functions(const FiniteElement<dim> &fe)
      {
        FullMatrix<double> hat(dim + 1, fe.n_dofs_per_cell());
        for (unsigned int j = 0; j < fe.n_dofs_per_cell(); ++j)
          {
            const Point<dim> &x   = fe.get_unit_support_points()[j];
            double            sum = 0;
            for (unsigned int d = 0; d < dim; ++d)
              hat(d + 1, j) = x[d], sum += x[d];
            hat(0, j) = 1 - sum;
          }
        return hat;
      }

      /// The generalized conjugate residual method (GCR) for the cap's
      /// Newton system J x = b: directions p_k kept with their images
      /// w_k = J p_k, the images orthonormal (modified Gram-Schmidt, two
      /// passes), so that x = sum_k (w_k . b) p_k minimises |b - J x| over
      /// the directions' span. Unlike GMRES, a direction may come from
      /// anywhere: the responses of earlier Newton steps enter as they are.
      struct ConjugateResidualSpace
      {
        std::vector<dealii::Vector<double>> directions, images;

        /// Adds (p, J p), orthogonalised against the images so far; false
        /// (and nothing added) if less than @p threshold of |J p| is new.
        bool
        add(dealii::Vector<double> p,
            dealii::Vector<double> w,
            const double           threshold)
        {
          const double norm = w.l2_norm();
          if (!(norm > 0))
            return false;
          for (unsigned int pass = 0; pass < 2; ++pass)
            for (unsigned int k = 0; k < images.size(); ++k)
              {
                const double overlap = images[k] * w;
                w.add(-overlap, images[k]);
                p.add(-overlap, directions[k]);
              }
          const double remaining = w.l2_norm();
          if (!(remaining > threshold * norm))
            return false;
          w /= remaining;
          p /= remaining;
          directions.push_back(std::move(p));
          images.push_back(std::move(w));
          return true;
        }

        /// The newest direction's share: x += a p, r -= a w, a = w . r.
        void
        project_newest(dealii::Vector<double> &x,
                       dealii::Vector<double> &residual) const
        {
          const double share = images.back() * residual;
          x.add(share, directions.back());
          residual.add(-share, images.back());
        }
      };

      /// A dense operator on the charges of the limited particles whose
      /// product is a function (one PDE solve), for SolverGMRES (current
      /// balance).
      struct ChargeOperator
      {
        std::function<void(dealii::Vector<double> &,
                           const dealii::Vector<double> &)>
          product;
        void
        vmult(dealii::Vector<double>       &dst,
              const dealii::Vector<double> &src) const
        {
          product(dst, src);
        }
      };

      /// Diagonal scaling dst = d .* src (GMRES preconditioner).
      struct DiagonalScaling
      {
        dealii::Vector<double> diagonal;
        void
        vmult(dealii::Vector<double>       &dst,
              const dealii::Vector<double> &src) const
        {
          dst = src;
          dst.scale(diagonal);
        }
      };
    } // namespace internal
  }   // namespace stream_potential
} // namespace xray

#endif

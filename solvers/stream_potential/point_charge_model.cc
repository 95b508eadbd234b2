#include "stream_potential/point_charge_model.h"

#include <deal.II/base/exceptions.h>
#include <deal.II/base/utilities.h>
#include <deal.II/lac/lapack_full_matrix.h>
#include <deal.II/lac/vector.h>

#include <boost/math/constants/constants.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

namespace xray
{
  namespace stream_potential
  {
    namespace
    {
      /// Vacuum permittivity, F/m (CODATA 2018).
      constexpr double eps0 = 8.8541878128e-12;
      const double     four_pi_eps0 =
        4 * boost::math::constants::pi<double>() * eps0;

      /// The mirror point of @p p in the anode plane z = 0.
      Point<3>
      image_of(const Point<3> &p)
      {
        return Point<3>(p[0], p[1], -p[2]);
      }

      /// The field at x of a unit point charge at s (Coulomb).
      Tensor<1, 3>
      coulomb_field(const Point<3> &x, const Point<3> &s)
      {
        const Tensor<1, 3> d = x - s;
        return d / (four_pi_eps0 * Utilities::fixed_power<3>(d.norm()));
      }
    } // namespace


    PointChargeModel::PointChargeModel(std::vector<Point<3>> centres,
                                       std::vector<double>   radii)
      : centres(std::move(centres))
      , radii(std::move(radii))
    {
      AssertDimension(this->centres.size(), this->radii.size());
      for (const double r : this->radii)
        capacity.push_back(four_pi_eps0 * r * r);
    }


    unsigned int
    PointChargeModel::size() const
    {
      return centres.size();
    }


    Tensor<1, 3>
    PointChargeModel::unit_field(const unsigned int i,
                                 const unsigned int j) const
    {
      const Tensor<1, 3> image =
        -coulomb_field(centres[i], image_of(centres[j]));
      return i == j ? image : coulomb_field(centres[i], centres[j]) + image;
    }


    FullMatrix<double>
    PointChargeModel::potential_coupling() const
    {
      // 1 / (4 pi eps0) (1/|c_i - c_j| - 1/|c_i - c_j'|), with r_i in
      // place of the first distance for j = i.
      const unsigned int n = size();
      FullMatrix<double> coupling(n, n);
      for (unsigned int i = 0; i < n; ++i)
        for (unsigned int j = 0; j < n; ++j)
          {
            const double direct =
              i == j ? radii[i] : centres[i].distance(centres[j]);
            coupling(i, j) =
              (1 / direct - 1 / centres[i].distance(image_of(centres[j]))) /
              four_pi_eps0;
          }
      return coupling;
    }


    FullMatrix<double>
    PointChargeModel::field_coupling(
      const std::vector<Tensor<1, 3>> &normals) const
    {
      const unsigned int n = size();
      AssertDimension(normals.size(), n);
      FullMatrix<double> coupling(n, n);
      for (unsigned int i = 0; i < n; ++i)
        {
          for (unsigned int j = 0; j < n; ++j)
            coupling(i, j) = -3 * (normals[i] * unit_field(i, j));
          coupling(i, i) -= 1 / capacity[i];
        }
      return coupling;
    }


    std::vector<Tensor<1, 3>>
    PointChargeModel::external_fields(const std::vector<double> &charges) const
    {
      const unsigned int n = size();
      AssertDimension(charges.size(), n);
      std::vector<Tensor<1, 3>> fields(n);
      for (unsigned int i = 0; i < n; ++i)
        for (unsigned int j = 0; j < n; ++j)
          fields[i] += charges[j] * unit_field(i, j);
      return fields;
    }


    std::vector<Tensor<1, 3>>
    PointChargeModel::peak_normals(const std::vector<double> &charges) const
    {
      std::vector<Tensor<1, 3>> normals = external_fields(charges);
      for (Tensor<1, 3> &n : normals)
        {
          const double magnitude = n.norm();
          if (magnitude > 0)
            n /= -magnitude;
          else
            n = Tensor<1, 3>({0., 0., -1.});
        }
      return normals;
    }


    std::vector<double>
    PointChargeModel::peak_fields(const std::vector<double> &charges) const
    {
      const std::vector<Tensor<1, 3>> external = external_fields(charges);
      std::vector<double>             fields(size());
      for (unsigned int i = 0; i < size(); ++i)
        fields[i] = -charges[i] / capacity[i] + 3 * external[i].norm();
      return fields;
    }


    namespace
    {
      /// One semismooth Newton step of the cap on the model at the charges
      /// Q (fields F): released particles back to their beam charge, the
      /// limited ones solving J_AA dQ_A = E_lim - F_A - J_AI dQ_I.
      std::vector<double>
      cap_newton_step(const PointChargeModel    &model,
                      const std::vector<double> &charges,
                      const std::vector<double> &fields,
                      const std::vector<double> &beam_charges,
                      const std::vector<double> &capacity,
                      const double               field_limit)
      {
        const unsigned int        n = model.size();
        std::vector<unsigned int> limited;
        std::vector<double>       step(n, 0.);
        for (unsigned int i = 0; i < n; ++i)
          {
            const double slack  = charges[i] - beam_charges[i];
            const double margin = capacity[i] * (field_limit - fields[i]);
            if (margin < slack)
              limited.push_back(i);
            else
              step[i] = -slack;
          }
        if (limited.empty())
          return step;

        const FullMatrix<double> jacobian =
          model.field_coupling(model.peak_normals(charges));
        LAPACKFullMatrix<double> block(limited.size(), limited.size());
        Vector<double>           rhs(limited.size());
        for (unsigned int a = 0; a < limited.size(); ++a)
          {
            const unsigned int i = limited[a];
            rhs[a]               = field_limit - fields[i];
            for (unsigned int j = 0; j < n; ++j)
              rhs[a] -= jacobian(i, j) * step[j];
            for (unsigned int b = 0; b < limited.size(); ++b)
              block(a, b) = jacobian(i, limited[b]);
          }
        block.compute_lu_factorization();
        block.solve(rhs);
        for (unsigned int a = 0; a < limited.size(); ++a)
          step[limited[a]] = rhs[a];
        return step;
      }
    } // namespace


    std::pair<std::vector<double>, double>
    solve_point_charge_cap(const PointChargeModel    &model,
                           const std::vector<double> &beam_charges,
                           const std::vector<double> &radii,
                           const double               field_limit,
                           const double               tolerance,
                           const unsigned int         max_steps)
    {
      const unsigned int  n = model.size();
      std::vector<double> capacity(n), charges(n);
      for (unsigned int i = 0; i < n; ++i)
        {
          // The isolated sphere at the field limit, as the PDE cap starts.
          capacity[i] = four_pi_eps0 * radii[i] * radii[i];
          charges[i] =
            beam_charges[i] < 0 ?
              -std::min(-beam_charges[i], capacity[i] * field_limit) :
              beam_charges[i];
        }

      std::vector<double> best          = charges;
      double              best_residual = std::numeric_limits<double>::max();
      for (unsigned int k = 0; k <= max_steps; ++k)
        {
          const std::vector<double> fields   = model.peak_fields(charges);
          double                    residual = 0;
          for (unsigned int i = 0; i < n; ++i)
            residual = std::max(residual,
                                std::abs(std::min(charges[i] - beam_charges[i],
                                                  capacity[i] * (field_limit -
                                                                 fields[i]))) /
                                  (capacity[i] * field_limit));
          if (residual < best_residual)
            best = charges, best_residual = residual;
          if (residual <= tolerance || k == max_steps)
            break;
          const std::vector<double> step = cap_newton_step(
            model, charges, fields, beam_charges, capacity, field_limit);
          for (unsigned int i = 0; i < n; ++i)
            charges[i] += step[i];
        }
      return {best, best_residual};
    }
  } // namespace stream_potential
} // namespace xray

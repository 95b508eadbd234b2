#include "anode_thermal/field_maximum.h"

#include <deal.II/base/tensor.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <string>

namespace xray
{
  namespace anode_thermal
  {
    template <int dim>
    double
    nodal_overshoot_factor(const FiniteElement<dim> &fe)
    {
      // Once per element (a transient run asks after every time step).
      static std::map<std::string, double> known;
      const auto [entry, is_new] = known.try_emplace(fe.get_name(), 0.);
      if (!is_new)
        return entry->second;

      // Lambda_1 = max over the edge xi_1 in [0, 1] (other coordinates 0)
      // of sum_i |phi_i|, sampled finely enough for degrees up to 4.
      const unsigned int samples  = 400;
      double             lebesgue = 1;
      for (unsigned int s = 0; s <= samples; ++s)
        {
          Point<dim> xi;
          xi[0]      = static_cast<double>(s) / samples;
          double sum = 0;
          for (unsigned int i = 0; i < fe.n_dofs_per_cell(); ++i)
            sum += std::abs(fe.shape_value(i, xi));
          lebesgue = std::max(lebesgue, sum);
        }
      entry->second = (std::pow(lebesgue, dim) - 1) / 2;
      return entry->second;
    }


    namespace
    {
      // T, grad T and the Hessian of T in reference coordinates.
      template <int dim>
      struct Taylor
      {
        double         value = 0;
        Tensor<1, dim> gradient;
        Tensor<2, dim> hessian;
      };

      template <int dim>
      double
      value_at(const FiniteElement<dim>  &fe,
               const std::vector<double> &u,
               const Point<dim>          &xi)
      {
        double T = 0;
        for (unsigned int i = 0; i < u.size(); ++i)
          T += u[i] * fe.shape_value(i, xi);
        return T;
      }

      template <int dim>
      Taylor<dim>
      taylor_at(const FiniteElement<dim>  &fe,
                const std::vector<double> &u,
                const Point<dim>          &xi)
      {
        Taylor<dim> t;
        for (unsigned int i = 0; i < u.size(); ++i)
          {
            t.value += u[i] * fe.shape_value(i, xi);
            t.gradient += u[i] * fe.shape_grad(i, xi);
            t.hessian += u[i] * fe.shape_grad_grad(i, xi);
          }
        return t;
      }

      // The step S on the FREE coordinates: Newton's, -H_FF S = g_F, where
      // -H_FF is positive definite (Cholesky succeeds), else the gradient
      // scaled to a quarter of the cell.
      template <int dim>
      Tensor<1, dim>
      ascent_step(const Taylor<dim> &t, const std::array<bool, dim> &free)
      {
        std::array<unsigned int, dim> index{};
        unsigned int                  n = 0;
        for (unsigned int d = 0; d < dim; ++d)
          if (free[d])
            index[n++] = d;

        // Cholesky factor L of A = -H_FF, then A s = g_F.
        double L[dim][dim] = {};
        bool   definite    = true;
        for (unsigned int a = 0; a < n && definite; ++a)
          for (unsigned int b = 0; b <= a; ++b)
            {
              double sum = -t.hessian[index[a]][index[b]];
              for (unsigned int c = 0; c < b; ++c)
                sum -= L[a][c] * L[b][c];
              if (a == b)
                {
                  if (!(sum > 0))
                    {
                      definite = false;
                      break;
                    }
                  L[a][a] = std::sqrt(sum);
                }
              else
                L[a][b] = sum / L[b][b];
            }

        Tensor<1, dim> step;
        if (definite)
          {
            double y[dim] = {};
            for (unsigned int a = 0; a < n; ++a)
              {
                double sum = t.gradient[index[a]];
                for (unsigned int c = 0; c < a; ++c)
                  sum -= L[a][c] * y[c];
                y[a] = sum / L[a][a];
              }
            for (unsigned int a = n; a-- > 0;)
              {
                double sum = y[a];
                for (unsigned int c = a + 1; c < n; ++c)
                  sum -= L[c][a] * step[index[c]];
                step[index[a]] = sum / L[a][a];
              }
          }
        else
          {
            for (unsigned int a = 0; a < n; ++a)
              step[index[a]] = t.gradient[index[a]];
            const double length = step.norm();
            if (length > 0)
              step *= 0.25 / length;
          }
        // No step longer than the cell.
        const double length = step.norm();
        if (length > 1)
          step /= length;
        return step;
      }

      template <int dim>
      Point<dim>
      clamped_to_cell(const Point<dim> &xi)
      {
        Point<dim> clamped;
        for (unsigned int d = 0; d < dim; ++d)
          clamped[d] = std::clamp(xi[d], 0., 1.);
        return clamped;
      }
    } // namespace


    template <int dim>
    CellMaximum<dim>
    maximise_in_reference_cell(const FiniteElement<dim>  &fe,
                               const std::vector<double> &u,
                               const Point<dim>          &start)
    {
      const auto [lowest, highest] = std::minmax_element(u.begin(), u.end());
      const double range           = *highest - *lowest;
      // Since sum_i phi_i = 1, T = top + sum_i (u_i - top) phi_i: the sums
      // then carry the variation in the cell, not the size of T.
      const double        top = *highest;
      std::vector<double> v(u.size());
      for (unsigned int i = 0; i < u.size(); ++i)
        v[i] = u[i] - top;

      CellMaximum<dim> best{value_at(fe, v, start), start, 0};
      if (!(range > 0))
        {
          best.value += top;
          return best;
        }

      const unsigned int max_steps = 50;
      for (; best.steps < max_steps; ++best.steps)
        {
          const Taylor<dim> t = taylor_at(fe, v, best.unit_point);
          // A coordinate on a face of the cell is held there while the
          // gradient points out of the cell.
          std::array<bool, dim> free;
          double                free_gradient = 0;
          for (unsigned int d = 0; d < dim; ++d)
            {
              const double xi = best.unit_point[d], g = t.gradient[d];
              free[d] = !((xi <= 0 && g < 0) || (xi >= 1 && g > 0));
              if (free[d])
                free_gradient = std::max(free_gradient, std::abs(g));
            }
          if (free_gradient <= 1e-12 * range)
            break;

          const Tensor<1, dim> step = ascent_step<dim>(t, free);
          bool                 rose = false;
          for (double fraction = 1; fraction > 1e-6; fraction /= 2)
            {
              const Point<dim> trial =
                clamped_to_cell(Point<dim>(best.unit_point + fraction * step));
              const double value = value_at(fe, v, trial);
              if (value > best.value)
                {
                  best.value      = value;
                  best.unit_point = trial;
                  rose            = true;
                  break;
                }
            }
          if (!rose)
            break;
        }
      best.value += top;
      return best;
    }


    template double
    nodal_overshoot_factor(const FiniteElement<2> &);
    template double
    nodal_overshoot_factor(const FiniteElement<3> &);
    template CellMaximum<2>
    maximise_in_reference_cell(const FiniteElement<2> &,
                               const std::vector<double> &,
                               const Point<2> &);
    template CellMaximum<3>
    maximise_in_reference_cell(const FiniteElement<3> &,
                               const std::vector<double> &,
                               const Point<3> &);
  } // namespace anode_thermal
} // namespace xray

#include "stream_potential/field_emission.h"

#include "common/errors.h"

#include <boost/math/constants/constants.hpp>
#include <boost/math/tools/toms748_solve.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>

namespace xray
{
  namespace stream_potential
  {
    namespace
    {
      using namespace emission_constants;

      constexpr double minus_infinity =
        -std::numeric_limits<double>::infinity();

      std::string
      number(const double value)
      {
        std::ostringstream text;
        text.precision(6);
        text << value;
        return text.str();
      }

      /// ln of exp(a) + exp(b), either or both possibly -infinity.
      double
      log_add(const double a, const double b)
      {
        if (a == minus_infinity)
          return b;
        if (b == minus_infinity)
          return a;
        const double high = std::max(a, b);
        return high + std::log1p(std::exp(std::min(a, b) - high));
      }

      void
      check_samples(const std::vector<double> &surface_field,
                    const std::vector<double> &area_weight)
      {
        if (surface_field.size() != area_weight.size())
          throw std::invalid_argument(
            "field emission: " + std::to_string(surface_field.size()) +
            " surface field samples but " + std::to_string(area_weight.size()) +
            " area weights");
        for (unsigned int k = 0; k < surface_field.size(); ++k)
          {
            if (!std::isfinite(surface_field[k]))
              throw std::invalid_argument(
                "field emission: non-finite surface field sample " +
                number(surface_field[k]) + " V/m");
            if (!std::isfinite(area_weight[k]) || area_weight[k] < 0)
              throw std::invalid_argument("field emission: area weight " +
                                          number(area_weight[k]) +
                                          " m^2 is negative or not finite");
          }
      }

      /// ln sum_k w_k J(scale F_k), summed as logarithms (log-sum-exp), so
      /// that current densities of 1e-300 A/m^2 and less still count.
      double
      log_emitted_current(const std::vector<double> &surface_field,
                          const std::vector<double> &area_weight,
                          const double               scale,
                          const EmitterSurface      &surface)
      {
        double result = minus_infinity;
        for (unsigned int k = 0; k < surface_field.size(); ++k)
          if (area_weight[k] > 0)
            result =
              log_add(result,
                      std::log(area_weight[k]) +
                        log_emission_current_density(scale * surface_field[k],
                                                     surface));
        return result;
      }
    } // namespace



    void
    EmitterSurface::check() const
    {
      if (!std::isfinite(work_function_eV) || !(work_function_eV > 0))
        throw InputError("emitter work function must be a positive, finite "
                         "number of eV, not " +
                         number(work_function_eV));
      if (!std::isfinite(field_enhancement_factor) ||
          !(field_enhancement_factor >= 1))
        throw InputError(
          "field enhancement factor must be finite and at least 1, not " +
          number(field_enhancement_factor));
      if (!std::isfinite(retarding_length_m) || !(retarding_length_m >= 0))
        throw InputError("retarding length must be finite and not negative, "
                         "not " +
                         number(retarding_length_m) + " m");
      if (!std::isfinite(temperature_K) || !(temperature_K >= 0))
        throw InputError("emitter temperature must be finite and not "
                         "negative, not " +
                         number(temperature_K) + " K");
    }



    double
    scaled_barrier_field(const double local_field_V_per_m,
                         const double work_function_eV)
    {
      // Forbes (2006): f = c_S^2 F / phi^2, the barrier lowering c_S sqrt(F)
      // over phi, squared.
      return schottky_nordheim_constant * local_field_V_per_m /
             (work_function_eV * work_function_eV);
    }



    double
    barrier_function_v(const double f)
    {
      // Forbes (2006): v(f) ~ 1 - f + (f/6) ln f.
      if (!(f > 0))
        return 1.;
      if (f >= 1)
        return 0.;
      return 1. - f + f / 6. * std::log(f);
    }



    double
    barrier_function_t(const double f)
    {
      // Forbes (2006): t(f) ~ 1 + f/9 - (f/18) ln f.
      if (!(f > 0))
        return 1.;
      if (f >= 1)
        return 10. / 9.;
      return 1. + f / 9. - f / 18. * std::log(f);
    }



    double
    log_murphy_good_current_density(const double local_field_V_per_m,
                                    const double work_function_eV)
    {
      // ln J = ln(a_FN / (t_f^2 phi)) + 2 ln F - v_f b_FN phi^3/2 / F
      // (Murphy-Good equation in Forbes' 2006 form).
      const double F = local_field_V_per_m;
      if (!(F > 0))
        return minus_infinity;
      const double phi = work_function_eV;
      const double f   = scaled_barrier_field(F, phi);
      const double v   = barrier_function_v(f);
      const double t   = barrier_function_t(f);
      return std::log(first_fn_constant / (t * t * phi)) + 2. * std::log(F) -
             v * second_fn_constant * phi * std::sqrt(phi) / F;
    }



    double
    murphy_good_current_density(const double local_field_V_per_m,
                                const double work_function_eV)
    {
      return std::exp(
        log_murphy_good_current_density(local_field_V_per_m, work_function_eV));
    }



    double
    decay_width_eV(const double local_field_V_per_m,
                   const double work_function_eV)
    {
      // Forbes & Deane (2007): d_F = e hbar F / (2 sqrt(2 m_e phi) t_f);
      // with b_FN = 4 sqrt(2 m_e) / (3 e hbar) this is
      // d_F = 2 F / (3 b_FN sqrt(phi) t_f), in eV for phi in eV.
      if (!(local_field_V_per_m > 0))
        throw std::invalid_argument(
          "field emission: the decay width needs a positive field, not " +
          number(local_field_V_per_m) + " V/m");
      const double t = barrier_function_t(
        scaled_barrier_field(local_field_V_per_m, work_function_eV));
      return 2. * local_field_V_per_m /
             (3. * second_fn_constant * std::sqrt(work_function_eV) * t);
    }



    double
    thermal_field_factor(const double local_field_V_per_m,
                         const double work_function_eV,
                         const double temperature_K)
    {
      // Murphy & Good (1956): J(F, T) = J(F, 0) (pi p) / sin(pi p),
      // p = k_B T / d_F; p held at max_thermal_energy_ratio (see header).
      if (!(temperature_K > 0) || !(local_field_V_per_m > 0))
        return 1.;
      const double p =
        std::min(boltzmann_eV_per_K * temperature_K /
                   decay_width_eV(local_field_V_per_m, work_function_eV),
                 max_thermal_energy_ratio);
      const double x = boost::math::constants::pi<double>() * p;
      return x / std::sin(x);
    }



    double
    log_richardson_schottky_current_density(const double local_field_V_per_m,
                                            const double work_function_eV,
                                            const double temperature_K)
    {
      // Richardson-Dushman with Schottky lowering:
      // ln J = ln(A_R T^2) - (phi - c_S sqrt(F)) / (k_B T).
      if (!(temperature_K > 0))
        return minus_infinity;
      const double lowering =
        std::min(schottky_lowering_coefficient *
                   std::sqrt(std::max(local_field_V_per_m, 0.)),
                 work_function_eV);
      return std::log(richardson_constant * temperature_K * temperature_K) -
             (work_function_eV - lowering) /
               (boltzmann_eV_per_K * temperature_K);
    }



    double
    richardson_schottky_current_density(const double local_field_V_per_m,
                                        const double work_function_eV,
                                        const double temperature_K)
    {
      return std::exp(log_richardson_schottky_current_density(
        local_field_V_per_m, work_function_eV, temperature_K));
    }



    double
    log_retarded_thermionic_fraction(const double barrier_eV,
                                     const double temperature_K)
    {
      // Half-Maxwellian flux E exp(-E/kT) dE, escaping for E > barrier:
      // int_B^inf E e^(-E/kT) dE / int_0^inf E e^(-E/kT) dE = (1 + x) e^-x.
      if (!(temperature_K > 0))
        throw std::invalid_argument(
          "field emission: the retarded thermionic fraction needs T > 0, "
          "not " +
          number(temperature_K) + " K");
      const double x =
        std::max(barrier_eV, 0.) / (boltzmann_eV_per_K * temperature_K);
      return std::log1p(x) - x;
    }



    double
    retarded_thermionic_fraction(const double barrier_eV,
                                 const double temperature_K)
    {
      return std::exp(
        log_retarded_thermionic_fraction(barrier_eV, temperature_K));
    }



    double
    log_retarded_thermionic_current_density(
      const double          retarding_field_V_per_m,
      const EmitterSurface &surface)
    {
      // J = A_R T^2 exp(-phi/kT) (1 + x) exp(-x), x = |F| L / (kT/e)
      // (doc/theory.md section 2, "Retarding field").
      const double T = surface.temperature_K;
      if (!surface.thermally_assisted || !(T > 0) ||
          !(surface.retarding_length_m > 0))
        return minus_infinity;
      const double barrier_eV =
        std::max(-retarding_field_V_per_m, 0.) * surface.retarding_length_m;
      return log_richardson_schottky_current_density(0.,
                                                     surface.work_function_eV,
                                                     T) +
             log_retarded_thermionic_fraction(barrier_eV, T);
    }



    double
    log_emission_current_density(const double          surface_field_V_per_m,
                                 const EmitterSurface &surface)
    {
      surface.check();
      if (std::isnan(surface_field_V_per_m))
        throw std::invalid_argument("field emission: surface field is NaN");
      if (!(surface_field_V_per_m > 0))
        return log_retarded_thermionic_current_density(surface_field_V_per_m,
                                                       surface);

      const double F = surface.field_enhancement_factor * surface_field_V_per_m;
      const double phi      = surface.work_function_eV;
      const double log_cold = log_murphy_good_current_density(F, phi);
      if (!surface.thermally_assisted)
        return log_cold;

      // Engineering interpolation between the two regimes (see header).
      const double T = surface.temperature_K;
      return std::max(log_cold + std::log(thermal_field_factor(F, phi, T)),
                      log_richardson_schottky_current_density(F, phi, T));
    }



    double
    emission_current_density(const double          surface_field_V_per_m,
                             const EmitterSurface &surface)
    {
      return std::exp(
        log_emission_current_density(surface_field_V_per_m, surface));
    }



    double
    log_emission_current_density_slope(const double surface_field_V_per_m,
                                       const EmitterSurface &surface)
    {
      // Central difference of ln J; where one side has J = 0 (cold
      // emission at F <= 0), the one-sided difference from the other.
      // At least 100 V/m wide: the Schottky slope c_S / (2 sqrt(F) k_B T)
      // diverges at F = 0+, where the image-force barrier lies beyond a
      // micrometre (farther than a particle radius) and the lowering,
      // 4e-4 eV at 100 V/m, is negligible anyway.
      const double F     = surface_field_V_per_m;
      const double width = 1e-6 * std::abs(F) + 100.; // V/m
      const double high  = log_emission_current_density(F + width, surface);
      const double low   = log_emission_current_density(F - width, surface);
      const double here  = log_emission_current_density(F, surface);
      if (high == minus_infinity)
        return 0.;
      if (low != minus_infinity)
        return (high - low) / (2 * width);
      return here == minus_infinity ? 0. : (high - here) / width;
    }



    double
    emitted_current(const std::vector<double> &surface_field,
                    const std::vector<double> &area_weight,
                    const EmitterSurface      &surface)
    {
      surface.check();
      check_samples(surface_field, area_weight);
      return std::exp(
        log_emitted_current(surface_field, area_weight, 1., surface));
    }



    double
    current_balance_scale(const std::vector<double> &surface_field,
                          const std::vector<double> &area_weight,
                          const double               target_current_A,
                          const EmitterSurface      &surface)
    {
      surface.check();
      check_samples(surface_field, area_weight);
      if (!std::isfinite(target_current_A) || !(target_current_A > 0))
        throw std::invalid_argument(
          "field emission: the target current must be positive and finite, "
          "not " +
          number(target_current_A) + " A");

      // g(u) = ln I(e^u) - ln I_target, non-decreasing in u = ln s.
      const double log_target = std::log(target_current_A);
      const auto   g          = [&](const double u) {
        return log_emitted_current(surface_field,
                                   area_weight,
                                   std::exp(u),
                                   surface) -
               log_target;
      };

      double     u_low   = std::log(min_balance_scale);
      double     u_high  = std::log(max_balance_scale);
      double     g_low   = g(u_low);
      double     g_high  = g(u_high);
      const auto current = [&](const double g_value) {
        return number(target_current_A * std::exp(g_value));
      };
      if (g_high == minus_infinity)
        throw SolverError("field-emission current balance: no surface point "
                          "with a field that extracts electrons");
      if (g_high < 0)
        throw SolverError(
          "field-emission current balance: even " + number(max_balance_scale) +
          " times the surface field emits only " + current(g_high) +
          " A, less than the target " + number(target_current_A) + " A");
      if (g_low > 0)
        throw SolverError("field-emission current balance: already " +
                          number(min_balance_scale) +
                          " times the surface field emits " + current(g_low) +
                          " A, more than the target " +
                          number(target_current_A) + " A");
      if (g_low == 0)
        return min_balance_scale;
      if (g_high == 0)
        return max_balance_scale;

      // TOMS 748 interpolates with the function values, so the lower end
      // must be finite: ln J underflows to -infinity only for fields so small
      // that b_FN phi^3/2 / F overflows. Bisect until it is finite.
      while (!std::isfinite(g_low))
        {
          const double u_middle = 0.5 * (u_low + u_high);
          const double g_middle = g(u_middle);
          if (g_middle == 0)
            return std::exp(u_middle);
          if (g_middle > 0)
            {
              u_high = u_middle;
              g_high = g_middle;
            }
          else
            {
              u_low = u_middle;
              g_low = g_middle;
            }
        }

      // Stop when the bracket on ln s is a few rounding errors wide: the
      // emitted current then matches the target to (d ln I / d ln s) times
      // that, 1e-10 relative or better.
      const auto tolerance = [](const double a, const double b) {
        return std::abs(b - a) <= 8. * std::numeric_limits<double>::epsilon() *
                                    std::max({1., std::abs(a), std::abs(b)});
      };
      std::uintmax_t       iterations     = 200;
      const std::uintmax_t max_iterations = iterations;
      const auto [u_a, u_b]               = boost::math::tools::toms748_solve(
        g, u_low, u_high, g_low, g_high, tolerance, iterations);
      if (iterations >= max_iterations && std::abs(u_b - u_a) > 1e-10)
        throw SolverError("field-emission current balance did not converge "
                          "in " +
                          std::to_string(max_iterations) + " iterations");
      return std::exp(0.5 * (u_a + u_b));
    }
  } // namespace stream_potential
} // namespace xray

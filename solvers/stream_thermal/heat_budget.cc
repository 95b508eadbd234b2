#include "stream_thermal/heat_budget.h"

#include "common/errors.h"

#include <deal.II/base/numbers.h>
#include <deal.II/base/utilities.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace xray
{
  namespace stream_thermal
  {
    namespace
    {
      const auto number = [](const double x) {
        return Utilities::to_string(x);
      };
    } // namespace


    EnergySplit::EnergySplit(std::vector<double> voltages_,
                             std::vector<double> stream_fractions,
                             std::vector<double> anode_fractions,
                             std::vector<double> absorbed_fractions,
                             const std::string  &what_)
      : voltages(std::move(voltages_))
      , stream(std::move(stream_fractions))
      , anode(std::move(anode_fractions))
      , absorbed(std::move(absorbed_fractions))
      , what(what_)
    {
      const std::size_t n = voltages.size();
      if (n == 0)
        throw InputError(what + ": the split table has no rows");
      if (stream.size() != n || anode.size() != n || absorbed.size() != n)
        throw InputError(what + ": " + std::to_string(n) +
                         " tube voltages but " + std::to_string(stream.size()) +
                         " stream, " + std::to_string(anode.size()) +
                         " anode and " + std::to_string(absorbed.size()) +
                         " absorbed fractions");
      // Each error names the entry of @p what at fault (its parameter
      // subsection) and the row.
      for (std::size_t i = 0; i < n; ++i)
        {
          const std::string row = ": row " + std::to_string(i + 1) + " (" +
                                  number(voltages[i]) + " V)";
          if (!(voltages[i] > 0) || !std::isfinite(voltages[i]))
            throw InputError(what + "/Tube voltages" + row +
                             ": the tube voltage must be positive");
          if (i > 0 && !(voltages[i] > voltages[i - 1]))
            throw InputError(what +
                             "/Tube voltages: the tube voltages must "
                             "increase (" +
                             number(voltages[i - 1]) + " then " +
                             number(voltages[i]) + ")");
          for (const auto &[entry, f] :
               {std::pair<const char *, double>{"Stream fractions", stream[i]},
                {"Anode fractions", anode[i]},
                {"Absorbed fractions", absorbed[i]}})
            if (!(f >= 0 && f <= 1))
              throw InputError(what + "/" + entry + row + ": fraction " +
                               number(f) + " outside [0, 1]");
          // The study's 80 and 100 kV rows list a 1 - eta_E 0.9-1.3 points
          // below S_uP + S_anode (doc/theory.md section 4): the fractions
          // are checked against 1, not against each other.
          if (stream[i] + anode[i] > 1)
            throw InputError(what + "/Stream fractions + Anode fractions" +
                             row + ": S_uP + S_anode = " +
                             number(stream[i] + anode[i]) + " exceeds 1");
        }
    }


    EnergySplit
    EnergySplit::hybrid_target_study()
    {
      // 5 um W monolayer on compact W (Monte Carlo of the hybrid-target
      // study, doc/theory.md section 4).
      return EnergySplit(
        {30e3, 80e3, 100e3, 120e3, 150e3, 200e3, 250e3, 300e3},
        {0.566, 0.533, 0.449, 0.366, 0.213, 0.143, 0.095, 0.067},
        {0.119, 0.137, 0.208, 0.282, 0.426, 0.489, 0.502, 0.477},
        {0.685, 0.657, 0.648, 0.649, 0.640, 0.632, 0.597, 0.544},
        "Energy split");
    }


    EnergySplit::Fractions
    EnergySplit::at(const double U) const
    {
      if (!(U >= voltages.front() && U <= voltages.back()))
        throw InputError("Beam/Tube voltage = " + number(U) +
                         " V lies outside " + what + " (" +
                         number(voltages.front()) + " to " +
                         number(voltages.back()) + " V)");
      const std::size_t i = std::min<std::size_t>(
        std::upper_bound(voltages.begin(), voltages.end(), U) -
          voltages.begin(),
        voltages.size() - 1);
      if (i == 0)
        return {stream[0], anode[0], absorbed[0]};
      const double s = (U - voltages[i - 1]) / (voltages[i] - voltages[i - 1]);
      const auto   lerp = [s, i](const std::vector<double> &f) {
        return (1 - s) * f[i - 1] + s * f[i];
      };
      return {lerp(stream), lerp(anode), lerp(absorbed)};
    }


    double
    areal_density(const double radius, const double packing)
    {
      return packing / (2 * std::sqrt(3.) * radius * radius);
    }


    double
    specific_heat_to_limit(const Material &material,
                           const double    inlet_temperature,
                           const double    limit_temperature,
                           const double    molten_fraction)
    {
      double heat =
        material.heat_capacity.integral(inlet_temperature, limit_temperature);
      if (molten_fraction > 0)
        heat += molten_fraction * material.latent_heat;
      return heat;
    }


    double
    lumped_stream_limit(const Material &material,
                        const double    radius,
                        const double    packing,
                        const double    spot_length,
                        const double    speed,
                        const double    heat_to_limit)
    {
      // Mass flow through the spot per unit length of it: n_A (4/3 pi r^3)
      // rho v = packing rho (pi / (3 sqrt 3)) 2 r v.
      return packing * material.density * numbers::PI / (3 * std::sqrt(3.)) *
             2 * radius * spot_length * speed * heat_to_limit;
    }


    HybridLimit
    hybrid_limit(const double                  stream_absorbed_limit,
                 const double                  anode_absorbed_limit,
                 const EnergySplit::Fractions &split)
    {
      HybridLimit  limit;
      const double infinity = std::numeric_limits<double>::infinity();
      limit.stream_limit =
        split.stream > 0 ? stream_absorbed_limit / split.stream : infinity;
      limit.anode_limit =
        split.anode > 0 ? anode_absorbed_limit / split.anode : infinity;
      limit.hybrid_limit = std::min(limit.stream_limit, limit.anode_limit);
      limit.limited_by =
        limit.stream_limit <= limit.anode_limit ? "stream" : "anode";
      return limit;
    }
  } // namespace stream_thermal
} // namespace xray

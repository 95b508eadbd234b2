#include "anode_thermal/time_profile.h"

#include "common/command_line.h"

#include <deal.II/base/utilities.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

namespace xray
{
  namespace anode_thermal
  {
    BeamTimeProfile
    BeamTimeProfile::constant(const double power)
    {
      BeamTimeProfile profile;
      profile.profile_kind = Kind::constant;
      profile.power        = power;
      return profile;
    }


    BeamTimeProfile
    BeamTimeProfile::pulsed(const double power,
                            const double period,
                            const double duty_cycle)
    {
      if (!(period > 0 && std::isfinite(period)))
        throw InputError("Heat source/Pulse period must be positive");
      if (!(duty_cycle > 0 && duty_cycle <= 1))
        throw InputError("Heat source/Pulse duty cycle must lie in (0, 1]");
      BeamTimeProfile profile;
      profile.profile_kind = duty_cycle == 1 ? Kind::constant : Kind::pulsed;
      profile.power        = power;
      profile.period       = period;
      profile.duty_cycle   = duty_cycle;
      return profile;
    }


    BeamTimeProfile
    BeamTimeProfile::table(std::vector<std::pair<double, double>> rows,
                           const std::string                     &what)
    {
      if (rows.empty())
        throw InputError(what + ": no (time, power) rows");
      bool any_power = false;
      for (unsigned int i = 0; i < rows.size(); ++i)
        {
          const auto [t, p] = rows[i];
          if (!(t >= 0 && std::isfinite(t)))
            throw InputError(what + ": time " +
                             dealii::Utilities::to_string(t) +
                             " s is negative or not finite");
          if (i > 0 && !(t > rows[i - 1].first))
            throw InputError(what + ": times must increase strictly (" +
                             dealii::Utilities::to_string(rows[i - 1].first) +
                             " s is followed by " +
                             dealii::Utilities::to_string(t) + " s)");
          if (!(p >= 0 && std::isfinite(p)))
            throw InputError(what + ": power " +
                             dealii::Utilities::to_string(p) +
                             " W at t = " + dealii::Utilities::to_string(t) +
                             " s is negative or not finite");
          any_power = any_power || p > 0;
        }
      if (!any_power)
        throw InputError(what + ": every power is zero");
      BeamTimeProfile profile;
      profile.profile_kind = Kind::table;
      profile.rows         = std::move(rows);
      return profile;
    }


    BeamTimeProfile
    BeamTimeProfile::read_table(const std::string &file_name)
    {
      std::ifstream file(file_name);
      if (!file)
        throw InputError("Heat source/Power table: cannot read '" + file_name +
                         "'");
      std::vector<std::pair<double, double>> rows;
      std::string                            line;
      for (unsigned int number = 1; std::getline(file, line); ++number)
        {
          line = line.substr(0, line.find('#'));
          std::replace(line.begin(), line.end(), ',', ' ');
          std::istringstream columns(line);
          double             t, p;
          std::string        rest;
          if (!(columns >> t))
            {
              if (dealii::Utilities::trim(line).empty())
                continue;
              throw InputError(
                file_name + ":" + std::to_string(number) +
                ": expected two numbers, time (s) and power (W)");
            }
          if (!(columns >> p) || (columns >> rest))
            throw InputError(file_name + ":" + std::to_string(number) +
                             ": expected two numbers, time (s) and power (W)");
          rows.emplace_back(t, p);
        }
      return table(std::move(rows), file_name);
    }


    double
    BeamTimeProfile::interpolate(const double t) const
    {
      if (t <= rows.front().first)
        return rows.front().second;
      if (t >= rows.back().first)
        return rows.back().second;
      const auto   upper = std::upper_bound(rows.begin(),
                                          rows.end(),
                                          t,
                                          [](double value, const auto &row) {
                                            return value < row.first;
                                          });
      const auto   lower = upper - 1;
      const double s     = (t - lower->first) / (upper->first - lower->first);
      return (1 - s) * lower->second + s * upper->second;
    }


    double
    BeamTimeProfile::power_after(const double t) const
    {
      switch (profile_kind)
        {
          case Kind::constant:
            return power;
          case Kind::pulsed:
            {
              // Phase in [0, 1): "on" for phase < D. A time a rounding error
              // short of a period boundary counts as the boundary.
              double phase = t / period - std::floor(t / period);
              if (1 - phase < 1e-12)
                phase = 0;
              return phase < duty_cycle * (1 - 1e-12) ? power : 0.;
            }
          default:
            return interpolate(t);
        }
    }


    double
    BeamTimeProfile::power_before(const double t) const
    {
      if (profile_kind != Kind::pulsed)
        return power_after(t);
      if (t <= 0)
        return power_after(0);
      double phase = t / period - std::floor(t / period);
      if (phase < 1e-12)
        phase = 1; // the end of the previous period
      return phase <= duty_cycle * (1 + 1e-12) ? power : 0.;
    }


    double
    BeamTimeProfile::peak_power() const
    {
      if (profile_kind != Kind::table)
        return power;
      double peak = 0;
      for (const auto &row : rows)
        peak = std::max(peak, row.second);
      return peak;
    }


    double
    BeamTimeProfile::next_break(const double t) const
    {
      constexpr double never = std::numeric_limits<double>::infinity();
      switch (profile_kind)
        {
          case Kind::constant:
            return never;
          case Kind::pulsed:
            {
              // Edges at n tau and (n + D) tau; a break within a rounding
              // error of t is t itself, so the next one is taken.
              const double slack = 1e-12 * period;
              const double n     = std::floor((t + slack) / period);
              const double off   = (n + duty_cycle) * period;
              return off > t + slack ? off : (n + 1) * period;
            }
          default:
            for (const auto &row : rows)
              if (row.first > t * (1 + 1e-14) + 1e-300)
                return row.first;
            return never;
        }
    }
  } // namespace anode_thermal
} // namespace xray

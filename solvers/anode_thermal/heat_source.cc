#include "anode_thermal/heat_source.h"

#include "common/command_line.h"

#include <deal.II/base/utilities.h>

#include <boost/math/tools/roots.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <fstream>
#include <limits>
#include <sstream>

namespace xray
{
  namespace anode_thermal
  {
    namespace
    {
      constexpr double pi = 3.14159265358979323846;
    } // namespace



    SpotProfile::SpotProfile(const Kind   kind,
                             const double hwhm_x,
                             const double hwhm_y,
                             const double line_length)
      : spot_kind(kind)
      , given_hwhm_x(hwhm_x)
      , given_hwhm_y(hwhm_y)
      , a_x(hwhm_x / std::sqrt(std::log(2.)))
      , a_y(hwhm_y / std::sqrt(std::log(2.)))
      , length(line_length)
    {}


    double
    SpotProfile::value(const double x, const double y) const
    {
      const double across = std::exp(-x * x / (a_x * a_x));
      if (spot_kind == Kind::gaussian)
        return across * std::exp(-y * y / (a_y * a_y)) / (pi * a_x * a_y);
      const double along =
        std::erf((y + length / 2) / a_y) - std::erf((y - length / 2) / a_y);
      return across * along / (2 * std::sqrt(pi) * a_x * length);
    }


    double
    SpotProfile::fwhm_x() const
    {
      return 2 * a_x * std::sqrt(std::log(2.));
    }


    double
    SpotProfile::fwhm_y() const
    {
      if (spot_kind == Kind::gaussian)
        return 2 * a_y * std::sqrt(std::log(2.));
      // Half maximum of the flat top with Gaussian edges, by bracketing.
      const double half = value(0, 0) / 2;
      auto         f    = [&](const double y) { return value(0, y) - half; };
      boost::math::tools::eps_tolerance<double> tolerance(50);
      std::uintmax_t                            iterations = 200;
      const auto [low, high] = boost::math::tools::toms748_solve(
        f, 0., length / 2 + 5 * a_y, tolerance, iterations);
      return low + high;
    }


    std::array<double, 2>
    SpotProfile::core_half_lengths() const
    {
      if (spot_kind == Kind::line)
        return {{0., length / 2}};
      const double hwhm = std::sqrt(std::log(2.));
      return {{std::max(0., a_x - a_y) * hwhm, std::max(0., a_y - a_x) * hwhm}};
    }


    double
    SpotProfile::extent() const
    {
      const double tail = std::sqrt(10.);
      return std::max(tail * a_x,
                      (spot_kind == Kind::line ? length / 2 : 0) + tail * a_y);
    }


  } // namespace anode_thermal
} // namespace xray

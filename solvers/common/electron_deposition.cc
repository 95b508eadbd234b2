// Electron deposition laws shared by the solvers: range, backscatter and
// depth-dose profiles (doc/theory.md section 2).
#include "common/electron_deposition.h"

#include "common/errors.h"

#include <deal.II/base/utilities.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

namespace xray
{
  namespace
  {
    constexpr double pi = 3.14159265358979323846;

    /// Everhart-Hoff lambda(y) and its antiderivative.
    double
    everhart_hoff(const double y)
    {
      return 0.60 + y * (6.21 + y * (-12.40 + y * 5.69));
    }
    double
    everhart_hoff_integral(const double y)
    {
      return y * (0.60 + y * (6.21 / 2 + y * (-12.40 / 3 + y * 5.69 / 4)));
    }
    /// The curve ends at y = 1.1 (lambda(1.1) = 5e-4, its first zero).
    constexpr double y_end = 1.1;

    std::string
    number(const double x)
    {
      return Utilities::to_string(x);
    }
  } // namespace
  double
  kanaya_okayama_range(const Material &material, const double tube_voltage)
  {
    if (!(material.atomic_number > 0) || !(material.atomic_mass > 0) ||
        !(material.density > 0))
      throw InputError("material '" + material.name +
                       "' needs an atomic number, atomic mass and density "
                       "for the electron range (Materials/User material N)");
    const double energy_keV   = tube_voltage / 1e3;
    const double density_gcm3 = material.density / 1e3;
    const double range_um =
      0.0276 * material.atomic_mass * std::pow(energy_keV, 1.67) /
      (std::pow(material.atomic_number, 0.889) * density_gcm3);
    return range_um * 1e-6;
  }


  double
  backscatter_coefficient(const double atomic_number, const double tube_voltage)
  {
    const double L = std::log(atomic_number);
    const double m = 0.1382 - 0.9211 / std::sqrt(atomic_number);
    const double C = 0.1904 - 0.2236 * L + 0.1292 * L * L - 0.01491 * L * L * L;
    return std::pow(tube_voltage / 1e3, m) * C;
  }


  double
  energy_backscatter_fraction(const double atomic_number,
                              const double tube_voltage)
  {
    const double eta = backscatter_coefficient(atomic_number, tube_voltage);
    const double mean_energy_fraction = 0.595 + eta / 3.7 + std::pow(eta, 4.55);
    return eta * mean_energy_fraction;
  }


  double
  DepthProfile::universal_profile(const double u)
  {
    if (u < 0 || u > 1)
      return 0;
    return y_end * everhart_hoff(y_end * u) / everhart_hoff_integral(y_end);
  }


  double
  DepthProfile::universal_integral(const double u)
  {
    return everhart_hoff_integral(y_end * std::clamp(u, 0., 1.)) /
           everhart_hoff_integral(y_end);
  }


  DepthProfile
  DepthProfile::depth_dose(const std::vector<double> &layer_thicknesses,
                           const std::vector<double> &electron_ranges)
  {
    DepthProfile profile;
    profile.profile_kind = Kind::depth_dose;
    double top = 0, u = 0;
    for (unsigned int i = 0; i < layer_thicknesses.size(); ++i)
      {
        profile.layer_tops.push_back(top);
        profile.layer_u.push_back(u);
        profile.ranges.push_back(electron_ranges[i]);
        top += layer_thicknesses[i];
        u += layer_thicknesses[i] / electron_ranges[i];
      }
    profile.thickness = top;
    profile.deposited = universal_integral(u);
    return profile;
  }


  DepthProfile
  DepthProfile::table(std::vector<std::pair<double, double>> points,
                      const double                           anode_thickness)
  {
    if (points.size() < 2)
      throw InputError("depth-dose table: " + std::to_string(points.size()) +
                       " point(s); at least 2 are needed");
    double total = 0;
    for (unsigned int i = 0; i < points.size(); ++i)
      {
        const auto [depth, deposition] = points[i];
        if (!(depth >= 0) || !std::isfinite(depth))
          throw InputError("depth-dose table: depth " + number(depth) +
                           " m at point " + std::to_string(i + 1) +
                           " is not a finite number >= 0");
        if (!(deposition >= 0) || !std::isfinite(deposition))
          throw InputError("depth-dose table: deposition " +
                           number(deposition) + " at point " +
                           std::to_string(i + 1) +
                           " is not a finite number >= 0");
        if (i > 0)
          {
            if (!(depth > points[i - 1].first))
              throw InputError("depth-dose table: depths must increase (" +
                               number(points[i - 1].first) + " m then " +
                               number(depth) + " m at point " +
                               std::to_string(i + 1) + ")");
            total += (depth - points[i - 1].first) *
                     (deposition + points[i - 1].second) / 2;
          }
      }
    if (!(total > 0))
      throw InputError("depth-dose table: the deposition is zero everywhere");

    DepthProfile profile;
    profile.profile_kind = Kind::table;
    profile.thickness    = anode_thickness;
    for (auto &[depth, deposition] : points)
      deposition /= total;
    profile.points      = std::move(points);
    const double inside = profile.cumulative(anode_thickness);
    if (!(inside > 0))
      throw InputError("depth-dose table: no deposition within the anode "
                       "(thickness " +
                       number(anode_thickness) + " m)");
    profile.deposited = inside;
    return profile;
  }


  DepthProfile
  DepthProfile::read_table(const std::string &file_name,
                           const double       anode_thickness)
  {
    std::error_code error;
    if (std::filesystem::is_directory(file_name, error))
      throw InputError("Heat source/Depth-dose table: '" + file_name +
                       "' is a directory, not a table");
    std::ifstream file(file_name);
    if (!file)
      throw InputError("Heat source/Depth-dose table: cannot open '" +
                       file_name + "': " + std::strerror(errno));
    std::vector<std::pair<double, double>> points;
    std::string                            line;
    for (unsigned int line_number = 1; std::getline(file, line); ++line_number)
      {
        line = line.substr(0, line.find('#'));
        for (char &c : line)
          if (c == ',' || c == ';' || c == '\t')
            c = ' ';
        if (Utilities::trim(line).empty())
          continue;
        std::istringstream fields(line);
        double             depth, deposition;
        std::string        rest;
        if (!(fields >> depth >> deposition) || (fields >> rest))
          throw InputError(file_name + ":" + std::to_string(line_number) +
                           ": expected two numbers (depth in m, relative "
                           "deposition), found '" +
                           Utilities::trim(line) + "'");
        points.emplace_back(depth, deposition);
      }
    try
      {
        return table(std::move(points), anode_thickness);
      }
    catch (const InputError &error)
      {
        throw InputError(file_name + ": " + error.what());
      }
  }


  unsigned int
  DepthProfile::layer_at(const double depth) const
  {
    unsigned int i = layer_tops.size() - 1;
    while (i > 0 && depth < layer_tops[i])
      --i;
    return i;
  }


  double
  DepthProfile::range_scaled_depth(const double depth) const
  {
    const unsigned int i = layer_at(depth);
    return layer_u[i] + (depth - layer_tops[i]) / ranges[i];
  }


  double
  DepthProfile::value(const double depth) const
  {
    if (depth < 0 || depth > thickness)
      return 0;
    switch (profile_kind)
      {
        case Kind::surface:
          return 0;
        case Kind::depth_dose:
          {
            const unsigned int i = layer_at(depth);
            return universal_profile(range_scaled_depth(depth)) / ranges[i];
          }
        case Kind::table:
          {
            if (depth < points.front().first || depth > points.back().first)
              return 0;
            // The first point at or below the depth (points are sorted).
            const unsigned int i = std::max<std::ptrdiff_t>(
              1,
              std::lower_bound(points.begin(),
                               points.end(),
                               depth,
                               [](const auto &point, const double d) {
                                 return point.first < d;
                               }) -
                points.begin());
            const auto [d0, h0] = points[i - 1];
            const auto [d1, h1] = points[i];
            return h0 + (h1 - h0) * (depth - d0) / (d1 - d0);
          }
      }
    return 0;
  }


  double
  DepthProfile::cumulative(const double depth) const
  {
    const double d = std::clamp(depth, 0., thickness);
    switch (profile_kind)
      {
        case Kind::surface:
          return 1;
        case Kind::depth_dose:
          return universal_integral(range_scaled_depth(d));
        case Kind::table:
          {
            // Trapezoids of the piecewise-linear profile up to d.
            double sum = 0;
            for (unsigned int i = 1; i < points.size(); ++i)
              {
                const double d0 = points[i - 1].first;
                const double d1 = std::min(points[i].first, d);
                if (d1 <= d0)
                  break;
                sum += (d1 - d0) * (value(d0) + value(d1)) / 2;
              }
            return sum;
          }
      }
    return 0;
  }


  double
  DepthProfile::depth_of_fraction(const double fraction) const
  {
    if (profile_kind == Kind::surface)
      return 0;
    double low = 0, high = deposition_end();
    for (unsigned int i = 0; i < 100 && high - low > 1e-12 * high; ++i)
      {
        const double middle = (low + high) / 2;
        (cumulative(middle) < fraction * deposited ? low : high) = middle;
      }
    return high;
  }


  double
  DepthProfile::deposition_end() const
  {
    switch (profile_kind)
      {
        case Kind::surface:
          return 0;
        case Kind::depth_dose:
          {
            // The depth at which u reaches 1, or the anode's bottom.
            for (unsigned int i = 0; i < layer_tops.size(); ++i)
              {
                const double bottom =
                  i + 1 < layer_tops.size() ? layer_tops[i + 1] : thickness;
                const double u_bottom =
                  layer_u[i] + (bottom - layer_tops[i]) / ranges[i];
                if (u_bottom >= 1)
                  return layer_tops[i] + (1 - layer_u[i]) * ranges[i];
              }
            return thickness;
          }
        case Kind::table:
          return std::min(points.back().first, thickness);
      }
    return 0;
  }
} // namespace xray

// The electron-beam heat source of the anode (doc/theory.md section 2):
//
//   s(x, y, depth) = P_dep g(x, y) h(depth)    (volumetric, W/m^3), or
//   q(x, y)        = P_abs g(x, y)             (surface flux, W/m^2),
//
// with g the lateral spot profile (1/m^2, integral 1) and h the depth
// profile of the deposited energy (1/m, integral = the fraction of the
// absorbed power that stays in the anode). Both are pure functions of the
// parameters; the solver normalises their discrete integral on its mesh.
#ifndef XRAY_ANODE_THERMAL_HEAT_SOURCE_H
#define XRAY_ANODE_THERMAL_HEAT_SOURCE_H

#include "common/electron_deposition.h"
#include "common/materials.h"

#include <algorithm>
#include <array>
#include <string>
#include <utility>
#include <vector>

namespace xray
{
  namespace anode_thermal
  {
    /// Lateral profile g(x, y) of the spot, integral 1 over the plane.
    ///  * gaussian: exp(-x^2/a_x^2 - y^2/a_y^2) / (pi a_x a_y),
    ///    a = HWHM / sqrt(ln 2) (circular when a_x = a_y);
    ///  * line: a line focus, Gaussian across (x) and a flat top of length L
    ///    along y with Gaussian edges, the rectangle convolved with the
    ///    Gaussian of a_y: exp(-x^2/a_x^2) [erf((y + L/2)/a_y)
    ///    - erf((y - L/2)/a_y)] / (2 sqrt(pi) a_x L).
    class SpotProfile
    {
    public:
      enum class Kind
      {
        gaussian,
        line
      };

      SpotProfile() = default;
      SpotProfile(Kind kind, double hwhm_x, double hwhm_y, double length);

      double
      value(double x, double y) const;
      /// g at the spot centre (its maximum), 1/m^2.
      double
      peak() const
      {
        return value(0, 0);
      }
      /// P / (peak power density): the area of a uniform spot with the same
      /// power and peak, m^2.
      double
      effective_area() const
      {
        return 1 / peak();
      }
      /// Full widths at half maximum along x and y, m.
      double
      fwhm_x() const;
      double
      fwhm_y() const;
      /// Half lengths along x and y of the segment around which the spot is
      /// drawn (the mesh is graded by the distance from it), m: along the
      /// longer axis of an ellipse, the flat top of a line focus.
      std::array<double, 2>
      core_half_lengths() const;
      /// Distance from the centre beyond which the spot carries less than
      /// exp(-10) of its peak density along x or y, m.
      double
      extent() const;
      Kind
      kind() const
      {
        return spot_kind;
      }
      /// The HWHMs as given (across, along; along a line focus: the
      /// width of its Gaussian edges), m.
      double
      hwhm_x() const
      {
        return given_hwhm_x;
      }
      double
      hwhm_y() const
      {
        return given_hwhm_y;
      }
      /// Length L of a line focus's flat top (0 for a Gaussian spot), m.
      double
      line_length() const
      {
        return length;
      }
      /// The length the mesh resolves at the spot: the HWHM across a line
      /// focus (along it the flat top varies only at its ends), the
      /// smaller HWHM of a Gaussian spot, m.
      double
      resolution_scale() const
      {
        return spot_kind == Kind::line ? given_hwhm_x :
                                         std::min(given_hwhm_x, given_hwhm_y);
      }
      /// A circular Gaussian spot (equal HWHMs).
      bool
      circular() const
      {
        return spot_kind == Kind::gaussian && given_hwhm_x == given_hwhm_y;
      }

    private:
      Kind   spot_kind    = Kind::gaussian;
      double given_hwhm_x = 1;
      double given_hwhm_y = 1;
      double a_x          = 1;
      double a_y          = 1;
      double length       = 0;
    };

  } // namespace anode_thermal
} // namespace xray

#endif

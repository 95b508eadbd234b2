// Motion of the anode under a fixed electron spot, seen in the spot's frame
// (doc/theory.md, "Moving spots and rotating anodes"). The spot sits at the
// origin of the heated face z = 0; the anode material moves through the
// mesh with the velocity u(x), and the heat equation gains the advection
// term rho c_p(T) u . grad T:
//
//  * linear scan: the spot moves along +x at speed v over the anode, so
//    the material moves at u = (-v, 0, 0);
//  * rotating anode: the anode turns at f revolutions per second about an
//    axis parallel to z through (0, -R_t, 0), R_t the focal-track radius;
//    a line focus lies radially (along y) and the track moves across it:
//    u = omega (-(y + R_t), x, 0), omega = 2 pi f, |u| = omega R_t at the
//    spot. The modelled piece (Geometry/Radius) must lie inside R_t.
//
// Rigid motion: div u = 0.
#ifndef XRAY_ANODE_THERMAL_MOTION_H
#define XRAY_ANODE_THERMAL_MOTION_H

#include <deal.II/base/point.h>
#include <deal.II/base/tensor.h>

#include <cmath>

namespace xray
{
  namespace anode_thermal
  {
    struct Motion
    {
      enum class Kind
      {
        none,
        linear_scan,
        rotating_anode
      } kind                    = Kind::none;
      double scan_speed         = 0; // m/s, linear scan
      double track_radius       = 0; // m, rotating anode
      double rotation_frequency = 0; // Hz, rotating anode

      bool
      is_moving() const
      {
        return kind != Kind::none && speed() > 0;
      }

      /// Speed of the anode surface under the spot centre, m/s.
      double
      speed() const
      {
        return kind == Kind::linear_scan ?
                 scan_speed :
               kind == Kind::rotating_anode ?
                 2 * M_PI * rotation_frequency * track_radius :
                 0.;
      }

      /// Material velocity u(x) in the spot's frame, m/s (zero in 2D: the
      /// axisymmetric model has no motion).
      template <int dim>
      dealii::Tensor<1, dim>
      velocity(const dealii::Point<dim> &p) const
      {
        dealii::Tensor<1, dim> u;
        if constexpr (dim == 3)
          {
            if (kind == Kind::linear_scan)
              u[0] = -scan_speed;
            else if (kind == Kind::rotating_anode)
              {
                const double omega = 2 * M_PI * rotation_frequency;
                u[0]               = -omega * (p[1] + track_radius);
                u[1]               = omega * p[0];
              }
          }
        return u;
      }
    };
  } // namespace anode_thermal
} // namespace xray

#endif

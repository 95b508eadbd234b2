// StreamPotential<dim, LA>, the 2D continuum model: the slab
// cross-section, its mesh and its space charge.
#ifndef XRAY_STREAM_POTENTIAL_CONTINUUM_TEMPLATES_H
#define XRAY_STREAM_POTENTIAL_CONTINUUM_TEMPLATES_H

#include "stream_potential/stream_potential_internal.h"

#include <cmath>

namespace xray
{
  namespace stream_potential
  {
    template <int dim, typename LA>
    double
    StreamPotential<dim, LA>::space_charge_density(const Point<dim> &p) const
    {
      if constexpr (particle_model)
        {
          (void)p;
          return 0.;
        }
      else
        {
          // A slab of N layers of hexagonal lattice (areal density
          // 2 / (sqrt 3 p^2) each) spread over the stream thickness H.
          const auto  &layout    = parameters.layout;
          const double thickness = layout.stream_thickness > 0 ?
                                     layout.stream_thickness :
                                     2 * layout.particle_radius;
          const double bottom    = layout.anode_gap;
          if (p[1] < bottom || p[1] > bottom + thickness ||
              std::abs(p[0]) > parameters.slab_half_width)
            return 0.;
          const double number_density =
            layout.n_layers * 2. /
            (std::sqrt(3.) * layout.lattice_pitch * layout.lattice_pitch) /
            thickness;
          double charge = parameters.particle_charge;
          if (parameters.charging_model == ChargingModel::beam)
            // The slab spans the spot: the dwell length grows from 0 at the
            // entry x = -W/2 to W_CS at the exit.
            charge = parameters.beam.deposited_charge(
              layout.particle_radius, p[0] + 0.5 * parameters.beam.spot_width);
          return number_density * charge;
        }
    }


    template <int dim, typename LA>
    typename StreamPotential<dim, LA>::ProfileLine
    StreamPotential<dim, LA>::continuum_profile_line() const
    {
      // At the evaluation position across the spot, from the anode to the
      // top.
      ProfileLine line;
      line.z_start = 0;
      line.z_end   = domain_top;
      line.base[0] =
        -parameters.slab_half_width +
        parameters.beam.position_in_spot * 2 * parameters.slab_half_width;
      return line;
    }
  } // namespace stream_potential
} // namespace xray

#endif

// The coefficients of the model as AnodeThermal evaluates them: the weight
// of the integrals (axisymmetry, mirror symmetry), the heat-source shape
// and the deposited power, the conductivities, the enthalpies and the
// Peclet number of a moving anode.
#ifndef XRAY_ANODE_THERMAL_COEFFICIENTS_TEMPLATES_H
#define XRAY_ANODE_THERMAL_COEFFICIENTS_TEMPLATES_H

#include "anode_thermal/anode_thermal.h"

#include <cmath>

namespace xray
{
  namespace anode_thermal
  {
    // The weight that makes every integral over the mesh the full anode's:
    // 2 pi r in the axisymmetric model; in 3D the symmetry factor 2^m of a
    // part bounded by m mirror planes (Geometry/Symmetry), 1 for the full
    // body. On a mirror-symmetric field the integral over the full body is
    // 2^m times that over the part, and the weak form on the part, weighted
    // by 2^m, is the full one restricted to the part: the mirror planes
    // carry its natural condition k dT/dn = 0. The heat input, normalised by
    // the weighted integral of the source (assemble_heat_source()), is then
    // the full beam's power, of which the part receives 1/2^m, its share of
    // the Gaussian.
    template <int dim, typename LA>
    double
    AnodeThermal<dim, LA>::weight(const Point<dim> &point) const
    {
      return dim == 2 ? 2 * numbers::PI * point[0] :
                        parameters.symmetry_factor();
    }


    // Heat-source shape per watt deposited (heat_source.h): g(x, y) h(depth)
    // in 1/m^3 for volumetric deposition, g(x, y) in 1/m^2 for a surface
    // flux. The heated face is z = 0, the anode below it; in 2D the first
    // coordinate is r.
    template <int dim, typename LA>
    double
    AnodeThermal<dim, LA>::source_shape(const Point<dim> &point) const
    {
      const double x       = point[0];
      const double y       = dim == 3 ? point[1] : 0.;
      const double lateral = parameters.spot.value(x, y);
      if (!parameters.depth_profile.is_volumetric())
        return lateral;
      return lateral * parameters.depth_profile.value(-point[dim - 1]);
    }


    template <int dim, typename LA>
    double
    AnodeThermal<dim, LA>::deposited_power() const
    {
      return (1 - parameters.energy_backscatter_fraction) *
             current_incident_power *
             parameters.depth_profile.deposited_fraction();
    }


    template <int dim, typename LA>
    double
    AnodeThermal<dim, LA>::conductivity(const unsigned int layer,
                                        const double       temperature) const
    {
      return parameters.layers[layer].material.conductivity.value(temperature);
    }


    template <int dim, typename LA>
    bool
    AnodeThermal<dim, LA>::all_conductivities_constant() const
    {
      for (const auto &layer : parameters.layers)
        if (!layer.material.conductivity.is_constant())
          return false;
      return true;
    }


    template <int dim, typename LA>
    bool
    AnodeThermal<dim, LA>::all_heat_capacities_constant() const
    {
      for (const auto &layer : parameters.layers)
        if (!layer.material.heat_capacity.is_constant())
          return false;
      return true;
    }


    // CG for the symmetric matrix of constant k without motion; the
    // Newton matrix of k(T) and the advection term are not symmetric.
    template <int dim, typename LA>
    bool
    AnodeThermal<dim, LA>::matrix_is_symmetric() const
    {
      return all_conductivities_constant() && !parameters.motion.is_moving();
    }


    // H(T) of each layer above T0, where heat is stored (transient) or
    // carried (motion).
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::make_enthalpy()
    {
      enthalpy.assign(parameters.layers.size(), Enthalpy());
      if (parameters.task != Task::transient &&
          parameters.motion.kind == Motion::Kind::none)
        return;
      for (unsigned int i = 0; i < parameters.layers.size(); ++i)
        enthalpy[i] = Enthalpy(parameters.layers[i].material.heat_capacity,
                               parameters.coolant_temperature);
    }


    // Pe = v HWHM / alpha, alpha = k / (rho c_p) of the heated layer at T0:
    // above ~1 the heat is carried away faster than it diffuses across the
    // spot.
    template <int dim, typename LA>
    double
    AnodeThermal<dim, LA>::peclet_number() const
    {
      const Material &material = parameters.layers[0].material;
      const double    T0       = parameters.coolant_temperature;
      const double    diffusivity =
        material.conductivity.value(T0) /
        (material.density * material.heat_capacity.value(T0));
      return parameters.motion.speed() * parameters.spot.hwhm_x() / diffusivity;
    }
  } // namespace anode_thermal
} // namespace xray

#endif

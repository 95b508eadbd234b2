// StreamPotential<dim, LA>: which charging model sets the charges (the
// model's choice), and the charging models that need no Newton iteration
// (prescribed charge or potential, beam charging), with the guard
// electrodes following their layers.
#ifndef XRAY_STREAM_POTENTIAL_CHARGING_TEMPLATES_H
#define XRAY_STREAM_POTENTIAL_CHARGING_TEMPLATES_H

#include "stream_potential/stream_potential_internal.h"

#include <algorithm>
#include <cmath>

namespace xray
{
  namespace stream_potential
  {
    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::solve_charges()
    {
      // The particle model takes every charging model; the continuum's
      // space charge is prescribed or the beam's, one fixed-point pass.
      if constexpr (particle_model)
        solve_particle_charges();
      else
        solve_charge_fixed_point();
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::solve_charge_fixed_point()
    {
      // Prescribed charges and beam charging need one solve (more with
      // guard electrodes, whose potentials follow the layers).
      for (charge_iterations = 1;
           charge_iterations <= parameters.max_charge_iterations;
           ++charge_iterations)
        {
          solve_and_evaluate();
          charge_change = update_guard_potentials();
          output.log() << "Charge iteration " << charge_iterations << ": "
                       << linear_iterations.back() << " CG iterations, "
                       << "relative charge change " << charge_change
                       << std::endl;
          if (charge_change <= parameters.charge_tolerance)
            {
              converged = true;
              break;
            }
        }
      if (!converged)
        throw SolverError("charge iteration did not converge in " +
                          std::to_string(parameters.max_charge_iterations) +
                          " iterations (relative change " +
                          Utilities::to_string(charge_change) +
                          " > Charging/Relative tolerance " +
                          Utilities::to_string(parameters.charge_tolerance) +
                          ")");
    }


    template <int dim, typename LA>
    double
    StreamPotential<dim, LA>::update_guard_potentials()
    {
      if (!has_guard_electrodes())
        return 0.;
      std::vector<double>       mean(layer_potentials.size(), 0.);
      std::vector<unsigned int> count(layer_potentials.size(), 0);
      for (const auto &p : particles)
        {
          mean[p.geometry.layer] += p.potential;
          ++count[p.geometry.layer];
        }
      double change = 0, largest = 0;
      for (unsigned int l = 0; l < mean.size(); ++l)
        {
          mean[l] /= std::max(count[l], 1u);
          change  = std::max(change, std::abs(mean[l] - layer_potentials[l]));
          largest = std::max(largest, std::abs(mean[l]));
        }
      change = largest > 0 ? change / largest : 0.;
      if (change > parameters.charge_tolerance)
        {
          layer_potentials = mean;
          make_constraints(constraints,
                           parameters.anode_potential,
                           layer_potentials,
                           false);
        }
      return change;
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::mark_limited_particles()
    {
      // (Relative to the beam charge: the Newton iterations end within
      // their tolerance of it, not on it.)
      for (auto &particle : particles)
        particle.limited =
          particle.charge >
          particle.beam_charge + 1e-9 * std::abs(particle.beam_charge);
    }
  } // namespace stream_potential
} // namespace xray

#endif

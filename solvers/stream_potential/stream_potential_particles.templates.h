// StreamPotential<dim, LA>, the 3D particle model: the particles of the
// patch or periodic cell, their first charges, their mesh, and what
// only the particle model reports.
#ifndef XRAY_STREAM_POTENTIAL_PARTICLES_TEMPLATES_H
#define XRAY_STREAM_POTENTIAL_PARTICLES_TEMPLATES_H

#include "stream_potential/stream_potential_internal.h"

#include <boost/math/constants/constants.hpp>

#include <algorithm>
#include <cmath>

namespace xray
{
  namespace stream_potential
  {
    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::setup_particles()
    {
      std::vector<meshes::Particle> geometry =
        meshes::make_particle_stream(parameters.layout);
      if (periodic())
        periodic_cell =
          meshes::make_periodic_cell(geometry, parameters.layout.lattice_pitch);
      if (parameters.enclosure_shape == meshes::EnclosureShape::sphere)
        centre_particles(geometry);

      // The patch is centred at the evaluation position across the spot:
      // each particle has flown x_spot + (x - x_centre) into it. The
      // periodic cell is the stream at x_spot, locally uniform: every
      // particle has flown x_spot.
      double x_centre = 0;
      for (const auto &p : geometry)
        x_centre += p.center[0] / double(geometry.size());
      const double x_spot =
        parameters.beam.position_in_spot * parameters.beam.spot_width;

      // Prescribed potentials: one for all particles, or one each.
      const std::vector<double> &potentials = parameters.particle_potentials;
      if (parameters.charging_model == ChargingModel::prescribed_potential &&
          potentials.size() != 1 && potentials.size() != geometry.size())
        throw InputError("Charging/Particle potential lists " +
                         std::to_string(potentials.size()) + " values for " +
                         std::to_string(geometry.size()) +
                         " particles (give one value for all, or one per "
                         "particle)");

      particles.resize(geometry.size());
      for (unsigned int i = 0; i < geometry.size(); ++i)
        {
          ParticleState &particle = particles[i];
          particle.geometry       = geometry[i];
          particle.beam_charge    = parameters.beam.deposited_charge(
            geometry[i].radius,
            x_spot + (periodic() ? 0. : geometry[i].center[0] - x_centre));
          set_first_charge(particle, i);
        }
      compute_layer_heights();
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::centre_particles(
      std::vector<meshes::Particle> &geometry)
    {
      // The sphere enclosure is centred on the origin, so the particles'
      // bounding box (of their centres) is moved there.
      Point<3> low = geometry[0].center, high = low;
      for (const auto &p : geometry)
        for (unsigned int d = 0; d < 3; ++d)
          {
            low[d]  = std::min(low[d], p.center[d]);
            high[d] = std::max(high[d], p.center[d]);
          }
      const Tensor<1, 3> shift = -0.5 * (low + high);
      for (auto &p : geometry)
        p.center += shift;
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::set_first_charge(ParticleState     &particle,
                                               const unsigned int i) const
    {
      const std::vector<double> &potentials = parameters.particle_potentials;
      const double               r          = particle.geometry.radius;
      switch (parameters.charging_model)
        {
          case ChargingModel::prescribed_charge:
            particle.charge = parameters.particle_charge;
            break;
          case ChargingModel::prescribed_potential:
            particle.potential = potentials[potentials.size() == 1 ? 0 : i];
            break;
          case ChargingModel::beam:
            particle.charge = particle.beam_charge;
            break;
          case ChargingModel::field_emission_cap:
          case ChargingModel::current_balance:
            {
              // Start from the isolated sphere at the field limit,
              // Q = 4 pi eps0 r^2 E_lim: the self-field dominates, so
              // the iteration starts close to its answer.
              const double pi = boost::math::constants::pi<double>();
              const double isolated_limit =
                4 * pi * vacuum_permittivity * r * r * parameters.field_limit;
              particle.charge =
                particle.beam_charge < 0 ?
                  -std::min(-particle.beam_charge, isolated_limit) :
                  particle.beam_charge;
              break;
            }
        }
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::compute_layer_heights()
    {
      // Guard electrodes follow each layer's mean height and potential.
      const unsigned int n_layers = parameters.layout.n_layers;
      layer_heights.assign(n_layers, 0.);
      layer_potentials.assign(n_layers, 0.);
      std::vector<unsigned int> count(n_layers, 0);
      for (const auto &p : particles)
        {
          layer_heights[p.geometry.layer] += p.geometry.center[2];
          ++count[p.geometry.layer];
        }
      for (unsigned int l = 0; l < n_layers; ++l)
        layer_heights[l] /= std::max(count[l], 1u);
    }


    template <int dim, typename LA>
    unsigned int
    StreamPotential<dim, LA>::particle_containing(
      const Point<3> &p,
      const double    relative_margin) const
    {
      for (unsigned int i = 0; i < particles.size(); ++i)
        {
          Tensor<1, 3> d = p - particles[i].geometry.center;
          // In a periodic cell: to the nearest image.
          if (periodic())
            for (unsigned int a = 0; a < 2; ++a)
              {
                const double L = periodic_cell.high[a] - periodic_cell.low[a];
                d[a] -= L * std::round(d[a] / L);
              }
          if (d.norm() <= particles[i].geometry.radius * (1 + relative_margin))
            return i;
        }
      return numbers::invalid_unsigned_int;
    }


    template <int dim, typename LA>
    typename StreamPotential<dim, LA>::ProfileLine
    StreamPotential<dim, LA>::particle_profile_line() const
    {
      // Through the particle closest to the patch centre, from the anode
      // to the top (or across the sphere enclosure).
      ProfileLine line;
      line.z_start = 0;
      line.z_end   = domain_top;
      Point<3> centre;
      for (const auto &p : particles)
        centre += p.geometry.center / double(particles.size());
      unsigned int closest = 0;
      double       best    = std::numeric_limits<double>::max();
      for (unsigned int i = 0; i < particles.size(); ++i)
        {
          const Point<3> &c = particles[i].geometry.center;
          const double    d = std::hypot(c[0] - centre[0], c[1] - centre[1]);
          if (d < best - 1e-12 * particles[i].geometry.radius)
            best = d, closest = i;
        }
      line.base[0] = particles[closest].geometry.center[0];
      line.base[1] = particles[closest].geometry.center[1];
      if (parameters.enclosure_shape == meshes::EnclosureShape::sphere)
        line.z_start = -parameters.enclosure_size,
        line.z_end   = parameters.enclosure_size;
      return line;
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::summarize_particles(nlohmann::json &summary) const
    {
      // The particle model's entries of summary.json: charges, fields and
      // potentials over all particles, and the charging model's work.
      double total = 0, max_field = 0, max_emitting = 0, flux_error = 0,
             galerkin_error = 0, min_potential = 0, max_potential = 0;
      unsigned int n_limited = 0, n_thermionically_limited = 0;
      double       largest_charge = 0;
      min_potential = max_potential = particles[0].potential;
      for (const auto &p : particles)
        {
          total += p.charge;
          max_field    = std::max(max_field, p.max_surface_field);
          max_emitting = std::max(max_emitting, p.max_emitting_field);
          flux_error = std::max(flux_error, std::abs(p.flux_charge - p.charge));
          galerkin_error =
            std::max(galerkin_error, std::abs(p.galerkin_charge - p.charge));
          largest_charge = std::max(largest_charge, std::abs(p.charge));
          min_potential  = std::min(min_potential, p.potential);
          max_potential  = std::max(max_potential, p.potential);
          n_limited += p.limited;
          n_thermionically_limited += p.thermionically_limited;
        }
      summary["total_charge_C"]             = total;
      summary["max_surface_field_V_per_m"]  = max_field;
      summary["max_emitting_field_V_per_m"] = max_emitting;
      summary["n_limited"]                  = n_limited;
      if (parameters.charging_model == ChargingModel::current_balance)
        {
          // Particles whose zero-field thermionic current alone exceeds
          // the charging current (balanced in a retarding field), and
          // each one's charging current and status.
          summary["n_thermionically_limited"] = n_thermionically_limited;
          nlohmann::json status               = nlohmann::json::array();
          for (const auto &p : particles)
            status.push_back(!p.limited ? "beam charge" :
                             p.thermionically_limited ?
                                          "thermionically limited" :
                                          "emission limited");
          summary["particle_status"] = status;
        }
      summary["min_particle_potential_V"] = min_potential;
      summary["max_particle_potential_V"] = max_potential;
      // Relative to the largest charge: a particle near zero charge
      // (possible under the field-emission cap) has no relative error.
      summary["max_flux_charge_relative_difference"] =
        largest_charge > 0 ? flux_error / largest_charge : 0.;
      // Floating conductors: the imposed charge against the residual
      // of the solved system (solver tolerance, not discretisation).
      summary["max_galerkin_charge_relative_difference"] =
        largest_charge > 0 ? galerkin_error / largest_charge : 0.;
      if (!gmres_iterations.empty())
        {
          summary["gmres_iterations"]       = gmres_iterations;
          summary["recycled_directions"]    = recycled_directions;
          summary["response_solves"]        = response_solves;
          summary["response_cg_iterations"] = response_cg_iterations;
        }
      if (parameters.uses_beam())
        {
          summary["beam_current_density_A_per_m2"] =
            parameters.beam.current_density();
          summary["beam_charge_C"] = particles[0].beam_charge;
        }
    }
  } // namespace stream_potential
} // namespace xray

#endif

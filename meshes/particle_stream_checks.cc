// Checks of a particle-stream geometry before it is meshed: particles apart
// from each other, above the anode, inside the enclosure; and the message
// helpers every part of the mesher uses.
#include "meshes/particle_stream.h"
#include "meshes/particle_stream_internal.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace xray
{
  namespace meshes
  {
    namespace stream_internal
    {
      std::string
      length(const double value)
      {
        std::ostringstream out;
        out.precision(3);
        out << value << " m";
        return out.str();
      }


      std::string
      point(const Point<3> &p)
      {
        std::ostringstream out;
        out.precision(4);
        out << '(' << p[0] << ", " << p[1] << ", " << p[2] << ") m";
        return out.str();
      }


      void
      check_particles(const std::vector<Particle> &particles,
                      const std::string           &hint)
      {
        require(!particles.empty(), "the particle stream has no particles");
        double largest_radius = 0;
        for (unsigned int i = 0; i < particles.size(); ++i)
          {
            const Particle &particle = particles[i];
            require(positive_finite(particle.radius),
                    "particle " + std::to_string(i) +
                      " has a non-positive or non-finite radius");
            for (unsigned int d = 0; d < 3; ++d)
              require(std::isfinite(particle.center[d]),
                      "particle " + std::to_string(i) +
                        " has a non-finite centre coordinate");
            largest_radius = std::max(largest_radius, particle.radius);
          }

        // Worst pair: smallest gap relative to the gap it needs.
        double       worst_margin = std::numeric_limits<double>::infinity();
        unsigned int worst_a = 0, worst_b = 0;
        double       worst_gap = 0, worst_required = 0;
        for_each_close_pair(
          particles,
          minimum_relative_gap * largest_radius,
          [&](const unsigned int i, const unsigned int j, const double gap) {
            const double required =
              minimum_relative_gap *
              std::min(particles[i].radius, particles[j].radius);
            const double margin = (gap - required) / required;
            if (margin < worst_margin)
              {
                worst_margin   = margin;
                worst_a        = i;
                worst_b        = j;
                worst_gap      = gap;
                worst_required = required;
              }
          });
        if (worst_margin < 0)
          {
            const Particle &a = particles[worst_a];
            const Particle &b = particles[worst_b];
            throw InputError(
              "particles " + std::to_string(worst_a) + " (layer " +
              std::to_string(a.layer) + ") and " + std::to_string(worst_b) +
              " (layer " + std::to_string(b.layer) + ") " +
              (worst_gap <= 0 ? "overlap or touch (surface gap " :
                                "are too close (surface gap ") +
              length(worst_gap) + ", minimum " + length(worst_required) + ")" +
              (hint.empty() ? "" : "; " + hint));
          }
      }
    } // namespace stream_internal


    namespace
    {
      using namespace stream_internal;

      /// A periodic cell lies on the anode in a box, its periods are
      /// positive and it holds every particle centre; the particles'
      /// neighbours across the lateral faces are their periodic images,
      /// so those are checked for closeness with them.
      void
      check_periodic_cell(const StreamDomain &domain)
      {
        require(domain.enclosure_shape == EnclosureShape::box,
                "a periodic cell needs the box enclosure");
        require(positive_finite(domain.cell.high[0] - domain.cell.low[0]) &&
                  positive_finite(domain.cell.high[1] - domain.cell.low[1]),
                "the periodic cell must have positive periods");
        for (const Particle &particle : domain.particles)
          for (unsigned int d = 0; d < 2; ++d)
            require(particle.center[d] >= domain.cell.low[d] &&
                      particle.center[d] < domain.cell.high[d],
                    "particle centre " + point(particle.center) +
                      " lies outside the periodic cell");
        std::vector<unsigned int> particle_of;
        check_particles(
          periodic_spheres(domain.particles, domain.cell, particle_of), "");
      }


      /// Particle @p i against the conductor around it: the box walls are
      /// enclosure_size away from the particles' bounding box, so only the
      /// anode below can be too close; in a sphere, the sphere.
      void
      check_clearance_from_enclosure(const StreamDomain &domain,
                                     const unsigned int  i)
      {
        const Particle &particle = domain.particles[i];
        const double    min_gap  = minimum_relative_gap * particle.radius;
        if (domain.enclosure_shape == EnclosureShape::box)
          {
            const double gap = particle.center[2] - particle.radius;
            require(gap > 0,
                    "particle " + std::to_string(i) + " at " +
                      point(particle.center) +
                      " touches or lies below the anode (gap <= 0)");
            require(gap >= min_gap,
                    "particle " + std::to_string(i) + " at " +
                      point(particle.center) + " is " + length(gap) +
                      " above the anode, less than the minimum gap " +
                      length(min_gap));
          }
        else
          {
            const double gap =
              domain.enclosure_size - particle.center.norm() - particle.radius;
            require(
              gap >= min_gap,
              "particle " + std::to_string(i) + " at " +
                point(particle.center) +
                " lies outside or touches the enclosure sphere of radius " +
                length(domain.enclosure_size) + " (gap " + length(gap) +
                ", minimum " + length(min_gap) + ")");
          }
      }
    } // namespace


    void
    check_domain(const StreamDomain &domain)
    {
      require(positive_finite(domain.enclosure_size),
              "enclosure size must be positive and finite (got " +
                length(domain.enclosure_size) + ")");
      if (domain.periodic)
        check_periodic_cell(domain);
      else
        check_particles(domain.particles, "");

      for (unsigned int i = 0; i < domain.particles.size(); ++i)
        check_clearance_from_enclosure(domain, i);
    }
  } // namespace meshes
} // namespace xray

// Pieces of the particle-stream mesher that its source files share, not
// part of the interface (meshes/particle_stream.h):
//
//  * particle_stream_checks.cc: messages and the checks of a geometry
//    (particles apart, above the anode, inside the enclosure);
//  * particle_stream_layout.cc: the particle positions (patch, layers,
//    periodic cell);
//  * particle_stream_manifold.cc: SphereSurfaceManifold;
//  * particle_stream_gmsh.cc: the gmsh model (enclosure minus spheres,
//    periodic faces, size fields) and its tetrahedra;
//  * particle_stream_repair.cc: what makes gmsh's straight tetrahedra fit
//    for a quadratic mapping (slivers inside particles removed, folding
//    cells left straight);
//  * particle_stream.cc: make_stream_mesh() from these, and the partition;
//  * particle_stream_slab.cc: the 2D section of the continuum mode.
#ifndef XRAY_MESHES_PARTICLE_STREAM_INTERNAL_H
#define XRAY_MESHES_PARTICLE_STREAM_INTERNAL_H

#include "common/errors.h" // InputError
#include "meshes/particle_stream.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

namespace xray
{
  namespace meshes
  {
    namespace stream_internal
    {
      // ------------------------------------------------------- messages

      /// Lengths in messages: metres, three significant digits.
      std::string
      length(double value);

      /// Points in messages: metres, four significant digits.
      std::string
      point(const Point<3> &p);

      inline void
      require(const bool condition, const std::string &message)
      {
        if (!condition)
          throw InputError(message);
      }

      inline bool
      positive_finite(const double x)
      {
        return std::isfinite(x) && x > 0;
      }

      // ----------------------------------------------------- particles

      /// Call @p action(i, j, gap) (i < j) for every pair of particles whose
      /// surfaces are less than @p max_gap apart (and some farther). A
      /// sweep along x over the particles sorted by their leftmost point:
      /// a pair is only examined if the particles' x extents, widened by
      /// @p max_gap, intersect; O(N log N) for a stream.
      template <typename Action>
      void
      for_each_close_pair(const std::vector<Particle> &particles,
                          const double                 max_gap,
                          const Action                &action)
      {
        std::vector<unsigned int> order(particles.size());
        std::iota(order.begin(), order.end(), 0u);
        const auto left = [&](const unsigned int i) {
          return particles[i].center[0] - particles[i].radius;
        };
        std::sort(order.begin(), order.end(), [&](unsigned int a, unsigned b) {
          return left(a) < left(b);
        });
        for (unsigned int m = 0; m < order.size(); ++m)
          {
            const Particle &a     = particles[order[m]];
            const double    right = a.center[0] + a.radius + max_gap;
            for (unsigned int n = m + 1;
                 n < order.size() && left(order[n]) < right;
                 ++n)
              {
                const Particle &b = particles[order[n]];
                action(std::min(order[m], order[n]),
                       std::max(order[m], order[n]),
                       a.center.distance(b.center) - a.radius - b.radius);
              }
          }
      }

      /// Radius, overlap and closeness of the particles alone. The pair
      /// with the worst violation of the minimum gap is reported, with
      /// @p hint (what the user can change).
      void
      check_particles(const std::vector<Particle> &particles,
                      const std::string           &hint);

      // ---------------------------------------------------------- gmsh

      /// The raw mesh as gmsh hands it over, in SI units: node coordinates
      /// (x, y, z per node) and tetrahedra (4 node indices each).
      struct RawMesh
      {
        std::vector<double>       coordinates;
        std::vector<unsigned int> tetrahedra;
      };

      /// Outer box: the particles' bounding box widened by the enclosure
      /// size laterally and above (or the periodic cell laterally); the
      /// bottom is the anode plane z = 0.
      std::pair<Point<3>, Point<3>>
      enclosure_box(const StreamDomain &domain);

      /// The spheres cut out of the enclosure: the particles, and in a
      /// periodic cell also their images reaching into it; @p particle_of
      /// gives each sphere's particle.
      std::vector<Particle>
      meshed_spheres(const StreamDomain        &domain,
                     std::vector<unsigned int> &particle_of);

      /// Mesh the vacuum of @p domain with gmsh (serial; call on one rank).
      RawMesh
      run_gmsh(const StreamDomain &domain, const StreamMeshSizes &sizes);

      // -------------------------------------------------------- repair

      /// Remove the tetrahedra whose four vertices lie on one particle's
      /// sphere (slivers inside the particle); spheres with index below
      /// @p n_particles in @p manifold are particles.
      void
      remove_tetrahedra_inside_particles(RawMesh                     &mesh,
                                         const SphereSurfaceManifold &manifold,
                                         unsigned int n_particles);

      /// Declare the curved edges of cells that a quadratic mapping would
      /// fold interior chords; returns the number of such edges.
      unsigned int
      flatten_folding_cells(const Triangulation<3> &triangulation,
                            SphereSurfaceManifold  &manifold);

      /// In a periodic cell (lateral faces of @p box), straighten the
      /// translates of straightened edges of the periodic faces; returns
      /// the number of edges straightened.
      unsigned int
      straighten_translates_of_chords(const Triangulation<3> &triangulation,
                                      SphereSurfaceManifold  &manifold,
                                      const std::pair<Point<3>, Point<3>> &box);
    } // namespace stream_internal
  }   // namespace meshes
} // namespace xray

#endif

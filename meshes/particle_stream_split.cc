// The vacuum of a large stream in two halves. gmsh's volume mesher is
// serial (its threads, and the HXT mesher, give a different mesh on every
// run), so a large stream keeps one core busy while the others wait. Cut by
// a plane x = x_c between particle columns, the vacuum is two volumes
// sharing one face; each is meshed in a gmsh session of its own, both at
// once on two ranks, and the two meshes are joined along that face.
//
// Why one session per half: gmsh's 3D Delaunay meshes all the volumes of
// one generate(3) together, so the same half meshed beside the other or
// alone would differ. Each session builds the whole model and its surface
// mesh (serial gmsh is deterministic: the same surface mesh, with the same
// node tags, in both sessions), then removes the other half's volume and
// meshes the volume that is left. Whatever the number of ranks, each half
// is meshed the same way, so the mesh does not depend on it.
#include "common/errors.h" // SolverError
#include "meshes/particle_stream_internal.h"

#include <gmsh.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace xray
{
  namespace meshes
  {
    namespace
    {
      using namespace stream_internal;

      /// The x intervals no cut plane may enter: each sphere's extent
      /// widened by @p margin, sorted and merged where they overlap.
      std::vector<std::pair<double, double>>
      blocked_intervals(const std::vector<Particle> &particles,
                        const double                 margin)
      {
        std::vector<std::pair<double, double>> intervals;
        for (const Particle &particle : particles)
          intervals.emplace_back(particle.center[0] - particle.radius - margin,
                                 particle.center[0] + particle.radius + margin);
        std::sort(intervals.begin(), intervals.end());
        std::vector<std::pair<double, double>> merged;
        for (const auto &interval : intervals)
          if (!merged.empty() && interval.first <= merged.back().second)
            merged.back().second =
              std::max(merged.back().second, interval.second);
          else
            merged.push_back(interval);
        return merged;
      }
    } // namespace


    namespace stream_internal
    {
      std::optional<double>
      split_plane(const StreamDomain &domain)
      {
        const std::vector<Particle> &particles = domain.particles;
        if (domain.enclosure_shape != EnclosureShape::box || domain.periodic ||
            particles.size() < min_particles_to_split)
          return {};

        double r_min = std::numeric_limits<double>::infinity();
        for (const Particle &particle : particles)
          r_min = std::min(r_min, particle.radius);
        const auto blocked =
          blocked_intervals(particles, min_plane_clearance * r_min);

        std::vector<double> centres;
        for (const Particle &particle : particles)
          centres.push_back(particle.center[0]);
        std::sort(centres.begin(), centres.end());

        // Candidates: the middles of the free gaps between blocked
        // intervals; the one whose sides hold the most equal numbers of
        // particles (the first of equals, so every rank picks the same).
        const std::size_t     n = particles.size();
        std::optional<double> best;
        std::size_t           best_imbalance = n;
        for (std::size_t k = 0; k + 1 < blocked.size(); ++k)
          {
            const double x = (blocked[k].second + blocked[k + 1].first) / 2;
            const std::size_t below =
              std::lower_bound(centres.begin(), centres.end(), x) -
              centres.begin();
            const std::size_t imbalance =
              std::max(below, n - below) - std::min(below, n - below);
            if (imbalance < best_imbalance)
              {
                best           = x;
                best_imbalance = imbalance;
              }
          }
        // A side of less than a quarter of the particles saves little
        // time: one volume then.
        if (best && n - best_imbalance < n / 2)
          return {};
        return best;
      }


      DimTags
      split_vacuum(const DimTags                       &vacuum,
                   const std::pair<Point<3>, Point<3>> &box,
                   const double                         x,
                   const double                         scale)
      {
        // The rectangle x = x spanning the box, its corners on the box's
        // edges (the same model coordinates as the box's), so that the
        // fragment leaves no piece of it outside the vacuum.
        const Point<3>   low = box.first / scale, high = box.second / scale;
        const double     xs      = x / scale;
        std::vector<int> corners = {
          gmsh::model::occ::addPoint(xs, low[1], low[2]),
          gmsh::model::occ::addPoint(xs, high[1], low[2]),
          gmsh::model::occ::addPoint(xs, high[1], high[2]),
          gmsh::model::occ::addPoint(xs, low[1], high[2])};
        std::vector<int> sides;
        for (unsigned int i = 0; i < 4; ++i)
          sides.push_back(
            gmsh::model::occ::addLine(corners[i], corners[(i + 1) % 4]));
        const int face = gmsh::model::occ::addPlaneSurface(
          {gmsh::model::occ::addCurveLoop(sides)});

        DimTags              pieces;
        std::vector<DimTags> origin;
        gmsh::model::occ::fragment(vacuum, {{2, face}}, pieces, origin);
        gmsh::model::occ::synchronize();

        DimTags volumes;
        for (const auto &piece : pieces)
          if (piece.first == 3)
            volumes.push_back(piece);
        if (volumes.size() != 2)
          throw SolverError("cutting the vacuum at x = " + length(x) +
                            " gave " + std::to_string(volumes.size()) +
                            " volumes instead of two");
        // Low x first: compare the volumes' bounding boxes.
        const auto x_min = [](const std::pair<int, int> &volume) {
          double x0, y0, z0, x1, y1, z1;
          gmsh::model::getBoundingBox(
            volume.first, volume.second, x0, y0, z0, x1, y1, z1);
          return x0;
        };
        if (x_min(volumes[1]) < x_min(volumes[0]))
          std::swap(volumes[0], volumes[1]);
        return volumes;
      }


      /// The largest node tag in the model.
      std::uint64_t
      max_node_tag()
      {
        std::vector<std::size_t> tags;
        std::vector<double>      coordinates, parametric;
        gmsh::model::mesh::getNodes(tags, coordinates, parametric);
        return tags.empty() ? 0 : *std::max_element(tags.begin(), tags.end());
      }


      /// Hide the surfaces that bound only the volume @p other, so that
      /// a generate(2) with Mesh.MeshOnlyVisible meshes the surfaces of
      /// the volume @p own (the cut plane among them) and no others.
      void
      hide_surfaces_of_other_half(const std::pair<int, int> &own,
                                  const std::pair<int, int> &other)
      {
        DimTags own_surfaces, other_surfaces;
        gmsh::model::getBoundary({own}, own_surfaces, false, false, false);
        gmsh::model::getBoundary({other}, other_surfaces, false, false, false);
        std::vector<int> own_tags;
        for (const auto &surface : own_surfaces)
          own_tags.push_back(std::abs(surface.second));
        std::sort(own_tags.begin(), own_tags.end());
        DimTags hidden;
        for (const auto &surface : other_surfaces)
          if (!std::binary_search(own_tags.begin(),
                                  own_tags.end(),
                                  std::abs(surface.second)))
            hidden.emplace_back(2, std::abs(surface.second));
        gmsh::model::setVisibility(hidden, 0, /*recursive=*/false);
        gmsh::option::setNumber("Mesh.MeshOnlyVisible", 1);
      }


      MeshPart
      run_gmsh_part(const StreamDomain    &domain,
                    const StreamMeshSizes &sizes,
                    const double           split_x,
                    const unsigned int     part)
      {
        GmshSession  session;
        DimTags      volumes;
        const double scale = build_gmsh_model(domain, sizes, split_x, volumes);
        set_mesh_algorithms();
        // Only this half's surfaces: the cut plane and the curves are
        // meshed alike in both sessions (serial gmsh is deterministic),
        // but their node tags differ, so the halves are joined by the
        // plane's node coordinates.
        hide_surfaces_of_other_half(volumes[part], volumes[1 - part]);
        gmsh::model::mesh::generate(2);

        MeshPart result;
        result.max_surface_tag = max_node_tag();
        gmsh::model::removeEntities({volumes[1 - part]}, /*recursive=*/false);
        gmsh::model::mesh::generate(3);
        result.mesh = extract_tetrahedra(scale, &result.node_tags);
        return result;
      }


      RawMesh
      merge_parts(const std::array<MeshPart, 2> &parts,
                  const double                   split_x,
                  const double                   tolerance)
      {
        // The nodes of the cut plane (surface nodes at x = split_x) are
        // shared: matched by their coordinates, which must agree to the
        // bit; every other node belongs to its half.
        using Key = std::array<std::uint64_t, 3>;
        struct KeyHash
        {
          std::size_t
          operator()(const Key &k) const
          {
            return std::hash<std::uint64_t>()(k[0] * 0x9E3779B97F4A7C15ull ^
                                              k[1] * 0xC2B2AE3D27D4EB4Full ^
                                              k[2]);
          }
        };
        const auto key_of = [](const double *x) {
          Key key;
          std::memcpy(key.data(), x, sizeof(key));
          return key;
        };
        RawMesh                                        merged;
        std::unordered_map<Key, unsigned int, KeyHash> plane_nodes;
        std::array<std::size_t, 2>                     n_plane_nodes{};
        for (unsigned int p = 0; p < 2; ++p)
          {
            const MeshPart           &part    = parts[p];
            const std::size_t         n_nodes = part.node_tags.size();
            std::vector<unsigned int> index(n_nodes);
            for (std::size_t i = 0; i < n_nodes; ++i)
              {
                const double      *x    = &part.mesh.coordinates[3 * i];
                const unsigned int next = merged.coordinates.size() / 3;
                index[i]                = next;
                if (part.node_tags[i] <= part.max_surface_tag &&
                    std::abs(x[0] - split_x) <= tolerance)
                  {
                    ++n_plane_nodes[p];
                    const auto [it, added] =
                      plane_nodes.emplace(key_of(x), next);
                    if (!added)
                      {
                        index[i] = it->second;
                        continue;
                      }
                    if (p == 1)
                      throw SolverError(
                        "the cut plane of the vacuum has a node at " +
                        point(Point<3>(x[0], x[1], x[2])) +
                        " in one half only");
                  }
                merged.coordinates.insert(merged.coordinates.end(), x, x + 3);
              }
            for (const unsigned int v : part.mesh.tetrahedra)
              merged.tetrahedra.push_back(index[v]);
          }
        if (n_plane_nodes[0] != n_plane_nodes[1])
          throw SolverError("the two halves of the vacuum have different "
                            "meshes of their common face (" +
                            std::to_string(n_plane_nodes[0]) + " and " +
                            std::to_string(n_plane_nodes[1]) + " nodes)");
        return merged;
      }
    } // namespace stream_internal
  }   // namespace meshes
} // namespace xray

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
        gmsh::model::mesh::generate(2);

        MeshPart result;
        result.max_surface_tag = max_node_tag();
        // Not recursive: the other half's surfaces (with the common face)
        // keep their mesh; only its volume goes.
        gmsh::model::removeEntities({volumes[1 - part]}, /*recursive=*/false);
        gmsh::model::mesh::generate(3);
        result.mesh = extract_tetrahedra(scale, &result.node_tags);
        return result;
      }


      RawMesh
      merge_parts(const std::array<MeshPart, 2> &parts)
      {
        if (parts[0].max_surface_tag != parts[1].max_surface_tag)
          throw SolverError(
            "the two halves of the vacuum have different surface meshes (" +
            std::to_string(parts[0].max_surface_tag) + " and " +
            std::to_string(parts[1].max_surface_tag) + " surface nodes)");
        RawMesh                                     merged;
        std::unordered_map<std::uint64_t, unsigned> shared; // tag -> node
        for (const MeshPart &part : parts)
          {
            const std::size_t         n_nodes = part.node_tags.size();
            std::vector<unsigned int> index(n_nodes);
            for (std::size_t i = 0; i < n_nodes; ++i)
              {
                const double      *x    = &part.mesh.coordinates[3 * i];
                const unsigned int next = merged.coordinates.size() / 3;
                if (part.node_tags[i] <= part.max_surface_tag)
                  {
                    const auto [it, added] =
                      shared.emplace(part.node_tags[i], next);
                    if (!added)
                      {
                        const double *y = &merged.coordinates[3 * it->second];
                        if (std::memcmp(x, y, 3 * sizeof(double)) != 0)
                          throw SolverError(
                            "the node with gmsh tag " +
                            std::to_string(part.node_tags[i]) + " lies at " +
                            point(Point<3>(x[0], x[1], x[2])) +
                            " in one half of the vacuum and at " +
                            point(Point<3>(y[0], y[1], y[2])) +
                            " in the other");
                        index[i] = it->second;
                        continue;
                      }
                  }
                index[i] = next;
                merged.coordinates.insert(merged.coordinates.end(), x, x + 3);
              }
            for (const unsigned int v : part.mesh.tetrahedra)
              merged.tetrahedra.push_back(index[v]);
          }
        return merged;
      }
    } // namespace stream_internal
  }   // namespace meshes
} // namespace xray

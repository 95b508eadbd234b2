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
//  * particle_stream_split.cc: the vacuum of a large stream in two halves,
//    each meshed in its own gmsh session (on two ranks at once), and the
//    halves merged;
//  * particle_stream_topology.cc: the tetrahedra's faces, the partition
//    and each rank's share of the distributed triangulation;
//  * particle_stream.cc: make_stream_mesh() from these;
//  * particle_stream_slab.cc: the 2D section of the continuum mode.
#ifndef XRAY_MESHES_PARTICLE_STREAM_INTERNAL_H
#define XRAY_MESHES_PARTICLE_STREAM_INTERNAL_H

#include "common/errors.h" // InputError
#include "meshes/particle_stream.h"

#include <deal.II/grid/tria_description.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <optional>
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

      /// gmsh keeps global state: one session initialises it without
      /// reading the user's configuration files (a gmshrc could change
      /// meshing options) and silences it; finalize on every path out,
      /// exceptions included.
      class GmshSession
      {
      public:
        GmshSession();
        ~GmshSession();
        GmshSession(const GmshSession &) = delete;
        GmshSession &
        operator=(const GmshSession &) = delete;
      };

      /// gmsh (dimension, tag) pairs, as gmsh::vectorpair.
      using DimTags = std::vector<std::pair<int, int>>;

      /// The gmsh model of the vacuum in the current session, with its
      /// size fields: one volume, or with @p split_x the two volumes on
      /// either side of the plane x = split_x (@p volumes, low x first).
      /// Returns the model unit (m).
      double
      build_gmsh_model(const StreamDomain          &domain,
                       const StreamMeshSizes       &sizes,
                       const std::optional<double> &split_x,
                       DimTags                     &volumes);

      /// Surface algorithm Frontal-Delaunay, volume Delaunay, optimised,
      /// straight (first-order) elements: the curvature comes from the
      /// manifold afterwards.
      void
      set_mesh_algorithms();

      /// The tetrahedra of the current gmsh model, in SI units (@p scale
      /// m per model unit); only the nodes of tetrahedra, numbered in order
      /// of first use. With @p node_tags, also the gmsh tag of each node.
      RawMesh
      extract_tetrahedra(double                      scale,
                         std::vector<std::uint64_t> *node_tags = nullptr);

      // --------------------------------------------------- two volumes

      /// A stream of fewer particles is meshed as one volume: its mesh (and
      /// every result computed on it) stays as it was before the vacuum
      /// could be split, and the gmsh time saved is small there.
      constexpr unsigned int min_particles_to_split = 100;

      /// Smallest distance from the cut plane to a sphere, relative to the
      /// smallest radius: a plane grazing a sphere would leave slivers
      /// between the common face and the sphere. Not more: the study
      /// lattices (pitch p = 2 r sqrt(5), particle centres on multiples of
      /// p / 2 in x) leave p / 2 - 2 r = 0.236 r between neighbouring
      /// columns, whose middle plane is 0.118 r clear of both.
      constexpr double min_plane_clearance = 0.1;

      /// The plane x = x_c that cuts the vacuum in two, or nothing (one
      /// volume): for a box enclosure that is not periodic, with at least
      /// min_particles_to_split particles, a plane min_plane_clearance
      /// r_min clear of every sphere (the middle of a free gap between
      /// them), as near to halving the particles as such planes come (each
      /// side at least a quarter).
      std::optional<double>
      split_plane(const StreamDomain &domain);

      /// Cut the vacuum (one volume, model units @p scale) by the plane
      /// x = @p x (OpenCASCADE fragment with the rectangle spanning the box
      /// there): two volumes sharing that face, low x first.
      DimTags
      split_vacuum(const DimTags                       &vacuum,
                   const std::pair<Point<3>, Point<3>> &box,
                   double                               x,
                   double                               scale);

      /// The tetrahedra of one half of the split vacuum and the gmsh tags
      /// of their nodes. Nodes with a tag up to @p max_surface_tag lie on
      /// points, curves or surfaces of this half; those on the cut plane
      /// are the same points in both halves' sessions (not the same tags).
      struct MeshPart
      {
        RawMesh                    mesh;
        std::vector<std::uint64_t> node_tags;
        std::uint64_t              max_surface_tag = 0;
      };

      /// Mesh half @p part (0: x < @p split_x, 1: x > @p split_x) of the
      /// vacuum in a gmsh session of its own (serial).
      MeshPart
      run_gmsh_part(const StreamDomain    &domain,
                    const StreamMeshSizes &sizes,
                    double                 split_x,
                    unsigned int           part);

      /// One mesh of the two halves: the surface nodes on the cut plane
      /// x = @p split_x (within @p tolerance, in metres) shared, matched by
      /// their coordinates to the bit (SolverError if a node of the plane
      /// is in one half only), every other node its half's own.
      RawMesh
      merge_parts(const std::array<MeshPart, 2> &parts,
                  double                         split_x,
                  double                         tolerance);

      // ------------------------------------------------------ topology

      /// The vacuum's tetrahedra as deal.II wants them (vertex 3 on the
      /// side of the normal (v1 - v0) x (v2 - v0)), with their faces in
      /// deal.II's face numbering of a tetrahedron.
      struct Tetrahedra
      {
        std::vector<Point<3>>                    vertices;
        std::vector<std::array<unsigned int, 4>> cells;
        /// Per cell and face: the cell across it, or
        /// numbers::invalid_unsigned_int on the boundary.
        std::vector<std::array<unsigned int, 4>> neighbors;
        /// Per cell and face: numbers::internal_face_boundary_id inside,
        /// on the boundary its id (stream_boundary), until classified
        /// numbers::invalid_boundary_id.
        std::vector<std::array<types::boundary_id, 4>> boundary_ids;

        /// The vertices of face @p f of cell @p c.
        std::array<unsigned int, 3>
        face_vertices(unsigned int c, unsigned int f) const;
      };

      /// @p mesh's tetrahedra in the order of their centroids along a
      /// Morton (Z-order) curve, and its vertices in the order the cells
      /// first reach them (a vertex of no cell is dropped). deal.II numbers the
      /// unknowns cell by cell, so neighbouring unknowns then lie close in
      /// memory (gmsh hands the cells over in the order its refinement made
      /// them). Deterministic: ties keep gmsh's order, so every rank gets the
      /// same mesh.
      void
      order_along_space_filling_curve(RawMesh &mesh);

      /// @p mesh's tetrahedra, oriented, with their neighbours (@p mesh is
      /// emptied); SolverError for a tetrahedron of zero volume.
      Tetrahedra
      oriented_tetrahedra(RawMesh &mesh);

      /// Fill @p tets.neighbors and mark the boundary faces (SolverError
      /// for a face of more than two cells).
      void
      find_neighbors(Tetrahedra &tets);

      /// The part (0 .. @p n_parts - 1) of each cell: METIS on the graph
      /// GridTools::partition_triangulation() would build, so the same
      /// partition.
      std::vector<unsigned int>
      partition_cells(const Tetrahedra &tets, unsigned int n_parts);

      /// Rank @p rank's share of the fully distributed triangulation: the
      /// cells of part @p rank and those sharing a vertex with them (what
      /// create_description_from_triangulation() gives for a serial
      /// triangulation of @p tets with manifold id 0 everywhere).
      TriangulationDescription::Description<3, 3>
      describe_cells(const Tetrahedra                &tets,
                     const std::vector<unsigned int> &part,
                     unsigned int                     rank,
                     MPI_Comm                         comm);

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
      flatten_folding_cells(const Tetrahedra      &tets,
                            SphereSurfaceManifold &manifold);

      /// In a periodic cell (lateral faces of @p box), straighten the
      /// translates of straightened edges of the periodic faces; returns
      /// the number of edges straightened.
      unsigned int
      straighten_translates_of_chords(const Tetrahedra      &tets,
                                      SphereSurfaceManifold &manifold,
                                      const std::pair<Point<3>, Point<3>> &box);
    } // namespace stream_internal
  }   // namespace meshes
} // namespace xray

#endif

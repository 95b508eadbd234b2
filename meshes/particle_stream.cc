// The tetrahedral mesh of a particle stream (doc/theory.md section 2):
// gmsh meshes the vacuum on rank 0 (particle_stream_gmsh.cc), or a large
// stream's vacuum in two halves on ranks 0 and 1 at once
// (particle_stream_split.cc), the mesh is
// repaired for a quadratic mapping (particle_stream_repair.cc), broadcast,
// given its boundary ids and the sphere manifold
// (particle_stream_manifold.cc), and partitioned: each rank builds its own
// cells and their ghosts only (particle_stream_topology.cc).
#include "meshes/particle_stream.h"

#include "common/errors.h" // InputError, SolverError
#include "meshes/particle_stream_internal.h"

#include <deal.II/base/exceptions.h>
#include <deal.II/grid/grid_tools.h>
#include <deal.II/grid/tria_accessor.h>
#include <deal.II/grid/tria_description.h>
#include <deal.II/grid/tria_iterator.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace xray
{
  namespace meshes
  {
    namespace
    {
      using namespace stream_internal;

      using Box = std::pair<Point<3>, Point<3>>;

      // ----------------------------------------------------------- MPI

      /// Every rank waits here until all have arrived, the waiting ones
      /// asleep rather than spinning in MPI: the meshing ranks (gmsh,
      /// serial) get the cores that busy-waiting ranks would take from them
      /// on a machine with as many cores as ranks. (gmsh's own threads,
      /// General.NumThreads, would use an idle core, but they change the
      /// mesh: 755,282 instead of 755,077 tetrahedra on the 385-particle
      /// case.)
      void
      wait_for_all_ranks(const MPI_Comm comm)
      {
        MPI_Request request;
        MPI_Ibarrier(comm, &request);
        for (int done = 0;;)
          {
            MPI_Test(&request, &done, MPI_STATUS_IGNORE);
            if (done)
              return;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
          }
      }


      /// Same data on every rank: rank @p root's vector is sent to the
      /// others.
      template <typename T>
      void
      broadcast_vector(std::vector<T>    &data,
                       const MPI_Comm     comm,
                       MPI_Datatype       type,
                       const unsigned int root = 0)
      {
        std::uint64_t size = data.size();
        int           ierr = MPI_Bcast(&size, 1, MPI_UINT64_T, root, comm);
        AssertThrowMPI(ierr);
        data.resize(size);
        // In chunks: MPI counts are ints.
        const std::uint64_t chunk = std::uint64_t(1) << 30;
        for (std::uint64_t start = 0; start < size; start += chunk)
          {
            ierr = MPI_Bcast(data.data() + start,
                             static_cast<int>(std::min(chunk, size - start)),
                             type,
                             root,
                             comm);
            AssertThrowMPI(ierr);
          }
      }


      // --------------------------------------------------------- steps

      /// The mesh sizes make sense: every rank checks the same input and
      /// fails the same way.
      void
      check_mesh_sizes(const StreamMeshSizes &sizes)
      {
        require(positive_finite(sizes.surface_size),
                "mesh surface size must be positive and finite");
        require(std::isfinite(sizes.far_size) &&
                  sizes.far_size >= sizes.surface_size,
                "mesh far size must be finite and at least the surface size");
        require(positive_finite(sizes.growth_distance),
                "mesh growth distance must be positive and finite");
      }


      /// The manifold knows every sphere: the cut spheres first (index s
      /// is @p cut_spheres[s]: the particles, in a periodic cell each
      /// followed by its images), then the enclosure sphere. The lateral
      /// faces of a periodic cell are cutting planes: they cut spheres and
      /// must stay plane.
      SphereSurfaceManifold
      make_manifold(const StreamDomain          &domain,
                    const std::vector<Particle> &cut_spheres,
                    const Box                   &box)
      {
        std::vector<SphereSurfaceManifold::Sphere> spheres;
        for (const Particle &particle : cut_spheres)
          spheres.push_back({particle.center, particle.radius});
        if (domain.enclosure_shape == EnclosureShape::sphere)
          spheres.push_back({Point<3>(), domain.enclosure_size});
        SphereSurfaceManifold manifold(spheres);
        if (domain.periodic)
          for (unsigned int d = 0; d < 2; ++d)
            for (const double x : {box.first[d], box.second[d]})
              manifold.add_cutting_plane(d, x);
        return manifold;
      }


      /// What @p action throws, as a message; empty if it returns. gmsh
      /// throws strings as well as exceptions.
      template <typename Action>
      std::string
      error_of(const Action &action)
      {
        try
          {
            action();
          }
        catch (const std::exception &e)
          {
            return e.what();
          }
        catch (const std::string &e)
          {
            return e;
          }
        catch (...)
          {
            return "unknown exception";
          }
        return "";
      }


      /// gmsh on rank 0 only, then the slivers inside the particles
      /// removed; the result on every rank. gmsh's failure must reach every
      /// rank, else the others would wait forever for the mesh. Every rank
      /// times gmsh (the others wait for it): a timer's statistics over the
      /// ranks need the same sections on each.
      RawMesh
      mesh_on_rank_zero(const StreamDomain          &domain,
                        const StreamMeshSizes       &sizes,
                        const SphereSurfaceManifold &manifold,
                        const unsigned int           n_cut_spheres,
                        const MPI_Comm               comm,
                        TimerOutput                 *timer)
      {
        RawMesh                           mesh;
        std::string                       error;
        std::optional<TimerOutput::Scope> gmsh_scope;
        if (timer != nullptr)
          gmsh_scope.emplace(*timer, "mesh: gmsh");
        if (Utilities::MPI::this_mpi_process(comm) == 0)
          error = error_of([&] {
            mesh = run_gmsh(domain, sizes);
            remove_tetrahedra_inside_particles(mesh, manifold, n_cut_spheres);
          });
        wait_for_all_ranks(comm);
        error = Utilities::MPI::broadcast(comm, error, 0);
        gmsh_scope.reset();
        if (!error.empty())
          throw SolverError("gmsh could not mesh the particle stream: " +
                            error);
        broadcast_vector(mesh.coordinates, comm, MPI_DOUBLE);
        broadcast_vector(mesh.tetrahedra, comm, MPI_UNSIGNED);
        return mesh;
      }


      /// The rank that meshes half @p part of the vacuum: rank 0 the one,
      /// rank 1 the other; on one rank, rank 0 both.
      unsigned int
      owner_of_part(const unsigned int part, const MPI_Comm comm)
      {
        return std::min(part, Utilities::MPI::n_mpi_processes(comm) - 1);
      }


      /// The first non-empty message of any rank's @p error, on every rank.
      std::string
      first_error(const std::string &error, const MPI_Comm comm)
      {
        for (const std::string &e : Utilities::MPI::all_gather(comm, error))
          if (!e.empty())
            return e;
        return "";
      }


      /// Half @p part of the vacuum, from its owner to every rank.
      void
      broadcast_part(MeshPart          &part,
                     const unsigned int owner,
                     const MPI_Comm     comm)
      {
        broadcast_vector(part.mesh.coordinates, comm, MPI_DOUBLE, owner);
        broadcast_vector(part.mesh.tetrahedra, comm, MPI_UNSIGNED, owner);
        broadcast_vector(part.node_tags, comm, MPI_UINT64_T, owner);
        part.max_surface_tag =
          Utilities::MPI::broadcast(comm, part.max_surface_tag, owner);
      }


      /// The vacuum cut at x = @p split_x, its halves meshed at once on
      /// ranks 0 and 1 (one after the other on one rank), then merged and
      /// the slivers inside the particles removed on every rank: the same
      /// data on each, so each gets the same mesh or the same error. A gmsh
      /// failure on either meshing rank reaches every rank.
      RawMesh
      mesh_in_two_parts(const StreamDomain          &domain,
                        const StreamMeshSizes       &sizes,
                        const double                 split_x,
                        const SphereSurfaceManifold &manifold,
                        const unsigned int           n_cut_spheres,
                        const MPI_Comm               comm,
                        TimerOutput                 *timer)
      {
        std::optional<TimerOutput::Scope> gmsh_scope;
        if (timer != nullptr)
          gmsh_scope.emplace(*timer, "mesh: gmsh");
        std::array<MeshPart, 2> parts;
        std::string             error;
        for (const unsigned int part : {0u, 1u})
          if (Utilities::MPI::this_mpi_process(comm) ==
                owner_of_part(part, comm) &&
              error.empty())
            error = error_of([&] {
              parts[part] = run_gmsh_part(domain, sizes, split_x, part);
            });
        wait_for_all_ranks(comm);
        error = first_error(error, comm);

        RawMesh mesh;
        if (error.empty())
          {
            for (const unsigned int part : {0u, 1u})
              broadcast_part(parts[part], owner_of_part(part, comm), comm);
            // On the plane: within round-off of the particle size.
            double r_max = 0;
            for (const Particle &particle : domain.particles)
              r_max = std::max(r_max, particle.radius);
            error = error_of([&] {
              mesh = merge_parts(parts, split_x, 1e-9 * r_max);
              remove_tetrahedra_inside_particles(mesh, manifold, n_cut_spheres);
            });
          }
        gmsh_scope.reset();
        if (!error.empty())
          throw SolverError("gmsh could not mesh the particle stream: " +
                            error);
        return mesh;
      }


      /// Boundary ids from geometry. The vertices of a boundary face lie
      /// on its surface to round-off (gmsh evaluates the CAD surface), so
      /// a face belongs to a sphere when its three vertices do, and to a
      /// wall when its three vertices lie in the wall's plane.
      class BoundaryClassifier
      {
      public:
        BoundaryClassifier(const StreamDomain              &domain,
                           const Box                       &box,
                           const std::vector<Particle>     &cut_spheres,
                           const std::vector<unsigned int> &particle_of,
                           const SphereSurfaceManifold     &manifold)
          : domain(domain)
          , box(box)
          , cut_spheres(cut_spheres)
          , particle_of(particle_of)
          , manifold(manifold)
          , plane_tolerance(1e-9 *
                            (domain.enclosure_shape == EnclosureShape::box ?
                               box.first.distance(box.second) :
                               domain.enclosure_size))
        {}

        /// The box face (anode, top, lateral) the face with vertices @p v
        /// and centre @p center lies in, or numbers::invalid_boundary_id.
        types::boundary_id
        wall_id(const std::array<Point<3>, 3> &v, const Point<3> &center) const
        {
          if (domain.enclosure_shape != EnclosureShape::box)
            return numbers::invalid_boundary_id;
          const auto in_plane = [&](const unsigned int d, const double x) {
            return std::all_of(v.begin(), v.end(), [&](const Point<3> &q) {
              return std::abs(q[d] - x) <= plane_tolerance;
            });
          };
          const types::boundary_id lateral =
            domain.periodic            ? stream_boundary::periodic :
            domain.lateral_guard_walls ? stream_boundary::guard_wall :
                                         stream_boundary::enclosure;
          if (in_plane(2, box.first[2]))
            return stream_boundary::anode;
          if (in_plane(2, box.second[2]))
            return stream_boundary::enclosure;
          // A face of a sphere cut by a lateral face may have its three
          // vertices on the circle of the cut, in the plane; it spans the
          // hole, so its centre is inside the sphere.
          if ((in_plane(0, box.first[0]) || in_plane(0, box.second[0]) ||
               in_plane(1, box.first[1]) || in_plane(1, box.second[1])) &&
              !(domain.periodic && inside_a_sphere(center)))
            return lateral;
          return numbers::invalid_boundary_id;
        }

        /// The id of the boundary face with vertices @p v and centre
        /// @p center: its wall's, else its sphere's (a particle's or the
        /// enclosure's), else numbers::invalid_boundary_id. @p particle is
        /// the index of the particle it belongs to (its images count as the
        /// particle), or numbers::invalid_unsigned_int.
        types::boundary_id
        face_id(const std::array<Point<3>, 3> &v,
                const Point<3>                &center,
                unsigned int                  &particle) const
        {
          particle                      = numbers::invalid_unsigned_int;
          const types::boundary_id wall = wall_id(v, center);
          if (wall != numbers::invalid_boundary_id)
            return wall;
          const unsigned int s = manifold.sphere_of_surface_point(v[0]);
          if (s == numbers::invalid_unsigned_int ||
              manifold.sphere_of_surface_point(v[1]) != s ||
              manifold.sphere_of_surface_point(v[2]) != s)
            return numbers::invalid_boundary_id;
          if (s >= cut_spheres.size())
            return stream_boundary::enclosure;
          particle = particle_of[s];
          return stream_boundary::first_particle + particle;
        }

      private:
        bool
        inside_a_sphere(const Point<3> &q) const
        {
          return std::any_of(cut_spheres.begin(),
                             cut_spheres.end(),
                             [&](const Particle &sphere) {
                               return q.distance(sphere.center) <
                                      (1 - 1e-6) * sphere.radius;
                             });
        }

        const StreamDomain              &domain;
        const Box                       &box;
        const std::vector<Particle>     &cut_spheres;
        const std::vector<unsigned int> &particle_of;
        const SphereSurfaceManifold     &manifold;
        const double                     plane_tolerance;
      };


      /// Every boundary face gets the id of the wall it lies in, else of
      /// the sphere it lies on (stream_boundary); SolverError for a face
      /// on neither and for a particle left without surface.
      void
      set_boundary_ids(Tetrahedra               &tets,
                       const StreamDomain       &domain,
                       const BoundaryClassifier &classifier)
      {
        std::vector<unsigned int> faces_of_particle(domain.particles.size(), 0);
        for (unsigned int c = 0; c < tets.cells.size(); ++c)
          for (unsigned int f = 0; f < 4; ++f)
            if (tets.neighbors[c][f] == numbers::invalid_unsigned_int)
              {
                const std::array<unsigned int, 3> i = tets.face_vertices(c, f);
                const std::array<Point<3>, 3>     v = {{tets.vertices[i[0]],
                                                        tets.vertices[i[1]],
                                                        tets.vertices[i[2]]}};
                const Point<3>           center     = (v[0] + v[1] + v[2]) / 3;
                unsigned int             particle;
                const types::boundary_id id =
                  classifier.face_id(v, center, particle);
                if (id == numbers::invalid_boundary_id)
                  throw SolverError("a boundary face of the stream mesh at " +
                                    point(center) +
                                    " lies on no particle, anode or enclosure");
                if (particle != numbers::invalid_unsigned_int)
                  ++faces_of_particle[particle];
                tets.boundary_ids[c][f] = id;
              }
        for (unsigned int i = 0; i < domain.particles.size(); ++i)
          if (faces_of_particle[i] < 4)
            throw SolverError("particle " + std::to_string(i) +
                              " has no surface in the stream mesh");
      }


      /// The manifold projects the midpoint of any edge whose vertices are
      /// on one sphere; right for the surface edges, wrong for an interior
      /// edge between two vertices of one sphere, a chord through the
      /// domain (the slivers removed after gmsh had them: 3159 of the 138k
      /// cells of the 385-particle stream then had negative Jacobians
      /// under a quadratic mapping). Such edges are declared to the
      /// manifold as interior chords.
      void
      declare_interior_chords(const Tetrahedra      &tets,
                              SphereSurfaceManifold &manifold)
      {
        using Edge      = std::pair<unsigned int, unsigned int>;
        const auto edge = [](const unsigned int a, const unsigned int b) {
          return Edge(std::min(a, b), std::max(a, b));
        };
        std::vector<Edge> boundary_edges;
        for (unsigned int c = 0; c < tets.cells.size(); ++c)
          for (unsigned int f = 0; f < 4; ++f)
            if (tets.neighbors[c][f] == numbers::invalid_unsigned_int)
              {
                const std::array<unsigned int, 3> v = tets.face_vertices(c, f);
                for (unsigned int l = 0; l < 3; ++l)
                  boundary_edges.push_back(edge(v[l], v[(l + 1) % 3]));
              }
        std::sort(boundary_edges.begin(), boundary_edges.end());

        std::vector<unsigned int> sphere_of(tets.vertices.size());
        for (unsigned int i = 0; i < tets.vertices.size(); ++i)
          sphere_of[i] = manifold.sphere_of_surface_point(tets.vertices[i]);
        for (const auto &cell : tets.cells)
          for (unsigned int i = 0; i < 4; ++i)
            for (unsigned int j = i + 1; j < 4; ++j)
              if (sphere_of[cell[i]] != numbers::invalid_unsigned_int &&
                  sphere_of[cell[i]] == sphere_of[cell[j]] &&
                  !std::binary_search(boundary_edges.begin(),
                                      boundary_edges.end(),
                                      edge(cell[i], cell[j])))
                manifold.add_interior_chord(tets.vertices[cell[i]],
                                            tets.vertices[cell[j]]);
      }
    } // namespace


    // ----------------------------------------------------------------- mesh

    void
    make_stream_mesh(
      parallel::fullydistributed::Triangulation<3> &triangulation,
      const StreamDomain                           &domain,
      const StreamMeshSizes                        &sizes,
      TimerOutput                                  *timer)
    {
      check_domain(domain);
      check_mesh_sizes(sizes);
      AssertThrow(triangulation.n_cells() == 0,
                  ExcMessage("make_stream_mesh needs an empty triangulation"));

      // In a periodic cell the particles' images follow them; sphere s
      // belongs to particle particle_of[s].
      std::vector<unsigned int>   particle_of;
      const std::vector<Particle> cut_spheres =
        meshed_spheres(domain, particle_of);
      const Box             box      = enclosure_box(domain);
      SphereSurfaceManifold manifold = make_manifold(domain, cut_spheres, box);

      // A large stream's vacuum in two halves, meshed at once.
      const MPI_Comm              comm    = triangulation.get_communicator();
      const std::optional<double> split_x = split_plane(domain);
      RawMesh                     mesh;
      if (split_x)
        mesh = mesh_in_two_parts(
          domain, sizes, *split_x, manifold, cut_spheres.size(), comm, timer);
      else
        mesh = mesh_on_rank_zero(
          domain, sizes, manifold, cut_spheres.size(), comm, timer);
      // Unknowns numbered cell by cell then lie close in memory: on the
      // 385-particle stream assembly, setup and the AMG set-up took 8-14 s
      // less in single runs (doc/stream-potential.md, "What bounds it").
      order_along_space_filling_curve(mesh);
      Tetrahedra tets = oriented_tetrahedra(mesh);
      set_boundary_ids(
        tets,
        domain,
        BoundaryClassifier(domain, box, cut_spheres, particle_of, manifold));

      // The manifold, once the edges it must leave straight are known, on
      // every cell (manifold id 0 in describe_cells()).
      declare_interior_chords(tets, manifold);
      flatten_folding_cells(tets, manifold);
      if (domain.periodic)
        straighten_translates_of_chords(tets, manifold, box);

      // METIS is deterministic: every rank computes the same partition,
      // then builds its own cells and their ghosts only.
      const std::vector<unsigned int> part =
        partition_cells(tets, Utilities::MPI::n_mpi_processes(comm));
      const auto description = describe_cells(
        tets, part, Utilities::MPI::this_mpi_process(comm), comm);
      tets = Tetrahedra(); // free
      triangulation.set_manifold(0, manifold);
      triangulation.create_triangulation(description);
    }


    // ----------------------------------------------------------- partition

    template <int dim>
    void
    distribute_triangulation(
      Triangulation<dim>                             &serial_triangulation,
      parallel::fullydistributed::Triangulation<dim> &triangulation)
    {
      const MPI_Comm comm = triangulation.get_communicator();
      // METIS is deterministic: every rank computes the same partition.
      GridTools::partition_triangulation(Utilities::MPI::n_mpi_processes(comm),
                                         serial_triangulation);
      const auto description = TriangulationDescription::Utilities::
        create_description_from_triangulation(serial_triangulation, comm);
      // The description carries manifold ids, not the manifold objects.
      for (const auto id : serial_triangulation.get_manifold_ids())
        if (id != numbers::flat_manifold_id)
          triangulation.set_manifold(id, serial_triangulation.get_manifold(id));
      triangulation.create_triangulation(description);
    }

    template void
    distribute_triangulation<2>(Triangulation<2> &,
                                parallel::fullydistributed::Triangulation<2> &);
    template void
    distribute_triangulation<3>(Triangulation<3> &,
                                parallel::fullydistributed::Triangulation<3> &);
  } // namespace meshes
} // namespace xray

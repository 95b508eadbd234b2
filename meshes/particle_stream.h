// Geometry of a stream of spherical microparticles flying over an anode,
// and its tetrahedral mesh (doc/theory.md section 2).
//
//  * Particle positions: hexagonal close packing in the stream plane (x
//    along the flight direction, y across it, z along the anode normal), a
//    finite patch of one or more layers; successive layers sit on the three
//    sites of close packing (A, B, C) and are shifted pseudo-randomly along
//    z (seeded, reproducible) inside the stream thickness; the lowest point
//    of the stream is a gap above the grounded anode plane z = 0.
//  * Mesh: the vacuum between the particles, the anode and a grounded
//    enclosure (a box on the anode, or a sphere without anode for the
//    concentric-sphere benchmark), meshed with tetrahedra by gmsh
//    (OpenCASCADE booleans, size field graded away from the particle
//    surfaces) on rank 0, broadcast, and partitioned into a
//    parallel::fullydistributed::Triangulation. Every object carries
//    manifold id 0, a manifold that puts the new points of edges lying on a
//    sphere (a particle or the spherical enclosure) on that sphere, so that
//    a quadratic MappingFE represents the surfaces to third order.
#ifndef XRAY_MESHES_PARTICLE_STREAM_H
#define XRAY_MESHES_PARTICLE_STREAM_H

#include <deal.II/base/mpi.h>
#include <deal.II/base/point.h>
#include <deal.II/base/timer.h>
#include <deal.II/base/types.h>
#include <deal.II/distributed/fully_distributed_tria.h>
#include <deal.II/grid/manifold.h>
#include <deal.II/grid/tria.h>

#include <array>
#include <memory>
#include <set>
#include <vector>

namespace xray
{
  namespace meshes
  {
    using namespace dealii;

    /// Boundary ids of particle-stream meshes.
    namespace stream_boundary
    {
      /// z = 0. Not 0: in a parallel::fullydistributed::Triangulation the
      /// outer faces of the ghost layer report boundary id 0, and boundary
      /// values interpolated on id 0 would then constrain ghost dofs (a
      /// particle's master among them) to the anode potential on some
      /// ranks only.
      constexpr types::boundary_id anode     = 3;
      constexpr types::boundary_id enclosure = 1; // top (and sides) / sphere
      /// Lateral walls of the box when they are guard electrodes.
      constexpr types::boundary_id guard_wall = 2;
      /// Lateral faces of a periodic cell (constrained to their
      /// translates, no boundary condition of their own).
      constexpr types::boundary_id periodic = 4;
      /// Particle i's surface has boundary id first_particle + i.
      constexpr types::boundary_id first_particle = 1000;
    } // namespace stream_boundary

    struct Particle
    {
      Point<3>     center; // m
      double       radius; // m
      unsigned int layer;  // 0 = closest to the anode
    };

    enum class PatchShape
    {
      /// Centred hexagon: 1 + 3 n (n + 1) particles for n rings.
      hexagon,
      /// Rows along x, alternate rows offset by half a pitch.
      rows,
      /// The laterally periodic cell of an infinite stream: p x p sqrt(3)
      /// (x by y), two particles per layer (make_periodic_cell()).
      periodic_cell
    };

    struct StreamLayout
    {
      double       particle_radius; // m
      double       lattice_pitch;   // m, centre distance in a layer
      PatchShape   shape             = PatchShape::rows;
      unsigned int hexagon_rings     = 5;
      unsigned int n_rows            = 7;
      unsigned int particles_per_row = 11;
      unsigned int n_layers          = 1;
      /// Distance from the lowest to the highest particle surface, m. For
      /// one layer it must equal 2 r_p (or be 0 = "2 r_p").
      double stream_thickness = 0.;
      /// Anode to the lowest particle surface, m.
      double anode_gap;
      /// Half-width of the uniform pseudo-random shift of each layer along
      /// z, m (0: layers evenly spaced).
      double       layer_shift_amplitude = 0.;
      unsigned int seed                  = 1;
    };

    /// Particle centres of the layout, layer by layer (layer 0 first), in
    /// each layer in patch order. Throws InputError for bad layout
    /// parameters and for a geometry that cannot exist (particles closer
    /// than minimum_relative_gap, naming the closest pair).
    std::vector<Particle>
    make_particle_stream(const StreamLayout &layout);

    /// Lateral extent of a periodic cell: the stream repeats with periods
    /// high - low along x and y.
    struct PeriodicCell
    {
      Point<2> low, high; // m
    };

    /// The rectangular cell of a laterally infinite stream. Each layer's
    /// hexagonal lattice (pitch p) has the rectangular cell p x p sqrt(3)
    /// holding two particles; the A, B, C site shifts and the seeded
    /// normal shifts only translate a layer's lattice, which keeps its
    /// periods, so one cell of that size repeats the whole stack. @p particles
    /// is the layout of PatchShape::periodic_cell (two particles per layer);
    /// their centres are wrapped into the cell. The cell's origin is chosen so
    /// that every sphere is either clear of the lateral faces or cut by
    /// them well away from tangency (a sphere cut by a face continues as
    /// its periodic image on the opposite face); InputError if no origin
    /// keeps every sphere at least minimum_relative_gap r from tangency.
    PeriodicCell
    make_periodic_cell(std::vector<Particle> &particles, double lattice_pitch);

    /// The spheres the mesh of a periodic cell cuts out: every particle,
    /// then the periodic images (translates by the cell's periods) that
    /// reach into the cell, each image after its particle's in
    /// @p particle_of (the particle each sphere belongs to).
    std::vector<Particle>
    periodic_spheres(const std::vector<Particle> &particles,
                     const PeriodicCell          &cell,
                     std::vector<unsigned int>   &particle_of);

    enum class EnclosureShape
    {
      /// Box standing on the anode plane z = 0 (the bottom face is the
      /// anode); walls at the given distance from the particles' bounding
      /// box laterally and above.
      box,
      /// Sphere of the given radius about the origin; no anode.
      sphere
    };

    struct StreamDomain
    {
      std::vector<Particle> particles;
      EnclosureShape        enclosure_shape = EnclosureShape::box;
      /// box: wall distance from the particle bounding box; sphere: radius.
      double enclosure_size;
      /// box only: give the four lateral walls the guard_wall id.
      bool lateral_guard_walls = false;
      /// box only: a laterally periodic cell instead of walls at the
      /// enclosure size: the box spans @p cell laterally, its lateral faces
      /// get the id periodic and are meshed node-matched with their
      /// translates (gmsh periodic surfaces); particles cut by them
      /// continue as their periodic images.
      bool         periodic = false;
      PeriodicCell cell;
    };

    /// Smallest allowed surface-to-surface distance, as a fraction of the
    /// smaller radius: closer particles cannot be meshed with sensible
    /// tetrahedra (and touching spheres would be one conductor).
    constexpr double minimum_relative_gap = 0.02;

    /// Throws InputError (one line) for: no particles, a non-positive or
    /// non-finite radius, overlapping (or too close) particles naming both,
    /// a particle touching or below the anode or closer to it than the
    /// minimum gap (box), a particle outside the enclosure sphere or closer
    /// to it than the minimum gap, a non-positive enclosure size.
    void
    check_domain(const StreamDomain &domain);

    struct StreamMeshSizes
    {
      /// Element size on the particle surfaces, relative to the radius (of
      /// the smallest particle).
      double surface_size = 0.5;
      /// Largest element size far from the particles, relative to the
      /// radius of the largest particle.
      double far_size = 20.;
      /// Distance over which the size grows from surface to far size,
      /// relative to the radius.
      double growth_distance = 60.;
      /// Elements across the gap between a particle and the anode: the size
      /// on the axis of the gap, from the particle's lowest point to the
      /// anode, is at most gap / this (0: no such limit). The surface
      /// field peaks at the lowest point and varies there on the scale of
      /// the gap.
      double elements_across_anode_gap = 6.;
      /// Elements across the gap between two neighbouring particles: the
      /// size on the line of centres, between their closest points, is at
      /// most gap / this (0: no such limit). The surface field of two
      /// particles at different potentials peaks at those points.
      double elements_across_particle_gap = 6.;
    };

    /// Mesh the vacuum of the domain with tetrahedra (gmsh on rank 0 of
    /// @p triangulation's communicator, then broadcast and partitioned; a
    /// box-enclosed, non-periodic stream of 100 particles or more in two
    /// halves cut at a plane between particle columns, meshed by ranks 0
    /// and 1 at once and joined on the plane: doc/stream-potential.md,
    /// "Mesh and discretisation"),
    /// set the boundary ids above, and manifold id 0 everywhere with a
    /// SphereSurfaceManifold (all particles, then the enclosure sphere).
    /// Near narrow gaps (particle-particle, particle-anode/wall/enclosure)
    /// the size drops to sqrt(2 r gap) so that the faceted gap is close to
    /// the true one; in a particle-anode gap also to gap /
    /// elements_across_anode_gap, in a particle-particle gap to gap /
    /// elements_across_particle_gap. Tetrahedra with all four vertices on one
    /// particle (slivers inside the particle) are removed. Surface edges of
    /// cells that a quadratic mapping would fold (Jacobian below 0.1 of the
    /// straight cell's) are declared interior chords, i.e. left straight,
    /// as are interior edges between two vertices of one sphere.
    /// @p triangulation must be empty. Calls check_domain() (InputError on
    /// every rank); throws SolverError on every rank if gmsh fails. With
    /// @p timer, gmsh's share (on ranks 0 and 1; the other ranks wait for
    /// it) is its section "mesh: gmsh", on every rank.
    void
    make_stream_mesh(
      parallel::fullydistributed::Triangulation<3> &triangulation,
      const StreamDomain                           &domain,
      const StreamMeshSizes                        &sizes,
      TimerOutput                                  *timer = nullptr);

    /// Flat manifold that places a new point on a sphere when all points it
    /// is computed from (those with non-zero weight) lie on that sphere:
    /// new points of edges on a particle surface end up on the surface.
    class SphereSurfaceManifold : public FlatManifold<3>
    {
    public:
      struct Sphere
      {
        Point<3> center;
        double   radius;
      };

      explicit SphereSurfaceManifold(const std::vector<Sphere> &spheres);

      std::unique_ptr<Manifold<3>>
      clone() const override;

      Point<3>
      get_new_point(const ArrayView<const Point<3>> &surrounding_points,
                    const ArrayView<const double>   &weights) const override;

      void
      get_new_points(const ArrayView<const Point<3>> &surrounding_points,
                     const Table<2, double>          &weights,
                     ArrayView<Point<3>> new_points) const override;

      /// Index of the sphere whose surface @p p lies on (relative tolerance
      /// 1e-8 of the radius), or numbers::invalid_unsigned_int.
      unsigned int
      sphere_of_surface_point(const Point<3> &p) const;

      /// Declare the segment between two points of one sphere an interior
      /// chord: a mesh edge that is not on the sphere's surface though both
      /// its vertices are (an edge through the domain inside a spherical
      /// enclosure, or across a dent of a particle's surface mesh). New
      /// points of an interior chord stay on the chord: projected onto the
      /// sphere they would fold the cells around it.
      void
      add_interior_chord(const Point<3> &a, const Point<3> &b);

      /// Declare the plane x_direction = value a face that cuts spheres
      /// (the lateral face of a periodic cell): new points of an edge on
      /// both a sphere and this plane go onto their circle of
      /// intersection, so that the face stays plane and matches its
      /// translate.
      void
      add_cutting_plane(unsigned int direction, double value);

    private:
      /// Tolerance of "on the sphere", relative to its radius. gmsh puts
      /// boundary nodes on the CAD surface to round-off (measured: at most
      /// 4e-15 r), new points are projected exactly.
      static constexpr double relative_tolerance = 1e-8;

      std::vector<Sphere> spheres;
      /// Interior chords, each as the coordinates of its two end points in
      /// lexicographic order (exact: they are mesh vertices).
      std::set<std::array<double, 6>>              interior_chords;
      std::vector<std::pair<unsigned int, double>> cutting_planes;
      /// Spheres much larger than the smallest (an enclosure): not binned,
      /// always tested.
      std::vector<unsigned int> large_spheres;
      // Uniform bins (edge = largest diameter of the binned spheres)
      // holding the spheres whose bounding boxes touch them: a surface
      // point finds its sphere in O(1).
      Point<3>                               bins_origin;
      double                                 bin_size;
      std::array<unsigned int, 3>            n_bins;
      std::vector<std::vector<unsigned int>> bins;

      unsigned int
      bin_index(double x, unsigned int direction) const;

      /// Weighted average of @p points, projected onto the sphere
      /// @p sphere_of gives for all points of non-zero weight if it is one.
      Point<3>
      new_point(const ArrayView<const Point<3>>     &points,
                const double                        *weights,
                const ArrayView<const unsigned int> &sphere_of) const;
    };

    /// 2D macroscopic cross-section (x across the spot, z along the normal)
    /// for the continuum mode: a rectangle [-half_width, half_width] x
    /// [0, height] of triangles whose grid lines include z = slab_bottom and
    /// z = slab_top and x = +-slab_half_width, with cells no larger than
    /// @p max_cell_size; boundary ids: anode (z = 0), enclosure (top),
    /// guard_wall (x = +-half_width); material id 1 for the cells of the
    /// slab (|x| < slab_half_width, slab_bottom < z < slab_top), 0 else.
    /// Serial triangulation; the caller partitions it. InputError for
    /// inconsistent sizes.
    void
    make_slab_section(Triangulation<2> &triangulation,
                      double            half_width,
                      double            height,
                      double            slab_half_width,
                      double            slab_bottom,
                      double            slab_top,
                      double            max_cell_size);

    /// Partition a serial triangulation (METIS, every rank the same) and
    /// create the fully distributed triangulation from it; manifold and
    /// boundary ids carry over. Every rank must pass the same mesh.
    template <int dim>
    void
    distribute_triangulation(
      Triangulation<dim>                             &serial_triangulation,
      parallel::fullydistributed::Triangulation<dim> &triangulation);
  } // namespace meshes
} // namespace xray

#endif

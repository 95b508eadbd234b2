#include "meshes/particle_stream.h"

#include "common/errors.h" // InputError, SolverError

#include <deal.II/base/exceptions.h>
#include <deal.II/base/table.h>
#include <deal.II/grid/grid_generator.h>
#include <deal.II/grid/grid_tools.h>
#include <deal.II/grid/tria_accessor.h>
#include <deal.II/grid/tria_description.h>
#include <deal.II/grid/tria_iterator.h>

#include <gmsh.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <numeric>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>

namespace xray
{
  namespace meshes
  {
    namespace
    {
      // ------------------------------------------------------------ helpers

      /// Lengths in messages: metres, three significant digits.
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
      require(const bool condition, const std::string &message)
      {
        if (!condition)
          throw InputError(message);
      }

      bool
      positive_finite(const double x)
      {
        return std::isfinite(x) && x > 0;
      }

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
            for (unsigned int n = m + 1; n < order.size() && left(order[n]) < right;
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
              length(worst_gap) + ", minimum " + length(worst_required) +
              ")" + (hint.empty() ? "" : "; " + hint));
          }
      }


      /// Key of the segment between two points, independent of their order.
      std::array<double, 6>
      chord_key(const Point<3> &a, const Point<3> &b)
      {
        const bool a_first =
          std::lexicographical_compare(&a[0], &a[0] + 3, &b[0], &b[0] + 3);
        const Point<3> &first = a_first ? a : b, &second = a_first ? b : a;
        return {{first[0], first[1], first[2], second[0], second[1], second[2]}};
      }


      // ---------------------------------------------------------- gmsh

      /// gmsh keeps global state: initialise it without reading the user's
      /// configuration files (a gmshrc could change meshing options) and
      /// silence it; finalize on every path out, exceptions included.
      class GmshSession
      {
      public:
        GmshSession()
        {
          gmsh::initialize(0, nullptr, /*readConfigFiles=*/false);
          gmsh::option::setNumber("General.Terminal", 0);
          // Errors and warnings only: they are what getLastError() reports.
          gmsh::option::setNumber("General.Verbosity", 2);
        }
        ~GmshSession()
        {
          gmsh::finalize();
        }
        GmshSession(const GmshSession &) = delete;
        GmshSession &
        operator=(const GmshSession &) = delete;
      };

      /// Every rank waits here until rank 0 arrives, the others asleep
      /// rather than spinning in MPI: rank 0 meshes meanwhile (gmsh, serial)
      /// and gets the core a busy-waiting rank would take from it on a
      /// machine with as many cores as ranks. (gmsh's own threads,
      /// General.NumThreads, would use that core, but they change the
      /// mesh: 755,282 instead of 755,077 tetrahedra on the 385-particle
      /// case.)
      void
      wait_for_rank_zero(const MPI_Comm comm)
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

      /// The raw mesh as gmsh hands it over, in SI units: node coordinates
      /// (x, y, z per node) and tetrahedra (4 node indices each).
      struct RawMesh
      {
        std::vector<double>       coordinates;
        std::vector<unsigned int> tetrahedra;
      };

      /// Outer box: the particles' bounding box widened by the enclosure
      /// size laterally and above; the bottom is the anode plane z = 0.
      std::pair<Point<3>, Point<3>>
      enclosure_box(const StreamDomain &domain)
      {
        Point<3> low, high;
        for (unsigned int d = 0; d < 3; ++d)
          {
            low[d]  = std::numeric_limits<double>::infinity();
            high[d] = -std::numeric_limits<double>::infinity();
          }
        for (const Particle &particle : domain.particles)
          for (unsigned int d = 0; d < 3; ++d)
            {
              low[d]  = std::min(low[d], particle.center[d] - particle.radius);
              high[d] = std::max(high[d], particle.center[d] + particle.radius);
            }
        const double s = domain.enclosure_size;
        if (domain.periodic)
          return {Point<3>(domain.cell.low[0], domain.cell.low[1], 0.),
                  Point<3>(domain.cell.high[0], domain.cell.high[1], high[2] + s)};
        return {Point<3>(low[0] - s, low[1] - s, 0.),
                Point<3>(high[0] + s, high[1] + s, high[2] + s)};
      }

      /// The spheres cut out of the enclosure: the particles, and in a
      /// periodic cell also their images reaching into it; @p particle_of
      /// gives each sphere's particle.
      std::vector<Particle>
      meshed_spheres(const StreamDomain &domain, std::vector<unsigned int> &particle_of)
      {
        if (domain.periodic)
          return periodic_spheres(domain.particles, domain.cell, particle_of);
        particle_of.resize(domain.particles.size());
        std::iota(particle_of.begin(), particle_of.end(), 0u);
        return domain.particles;
      }

      /// gmsh: mesh the lateral faces of the periodic cell (model units)
      /// as translates of each other, x_high from x_low and y_high from
      /// y_low (the vertical edges and corners follow, each from one
      /// master), so that every node of a slave face has a node at the
      /// translated point of its master face.
      void
      set_periodic_faces(const std::pair<Point<3>, Point<3>> &box, const double scale)
      {
        const double eps = 1e-6 * box.first.distance(box.second) / scale;
        const auto   faces_at = [&](const unsigned int d, const double x) {
          Point<3> low = box.first / scale, high = box.second / scale;
          low[d] = high[d] = x / scale;
          gmsh::vectorpair surfaces;
          gmsh::model::getEntitiesInBoundingBox(low[0] - eps, low[1] - eps,
                                                low[2] - eps, high[0] + eps,
                                                high[1] + eps, high[2] + eps,
                                                surfaces, 2);
          std::vector<int> tags;
          for (const auto &dim_tag : surfaces)
            tags.push_back(dim_tag.second);
          return tags;
        };
        for (unsigned int d = 0; d < 2; ++d)
          {
            const std::vector<int> master = faces_at(d, box.first[d]);
            const std::vector<int> slave  = faces_at(d, box.second[d]);
            if (master.size() != 1 || slave.size() != 1)
              throw SolverError("the periodic cell's faces at " +
                                std::string(d == 0 ? "x" : "y") + " = " +
                                length(box.first[d]) + " and " +
                                length(box.second[d]) + " are " +
                                std::to_string(master.size()) + " and " +
                                std::to_string(slave.size()) +
                                " surfaces instead of one each");
            // Affine map master -> slave, row-major 4 x 4.
            std::vector<double> translation = {1, 0, 0, 0, 0, 1, 0, 0,
                                               0, 0, 1, 0, 0, 0, 0, 1};
            translation[4 * d + 3] = (box.second[d] - box.first[d]) / scale;
            gmsh::model::mesh::setPeriodic(2, slave, master, translation);
          }
      }

      /// Mesh the vacuum with gmsh (OpenCASCADE kernel). Coordinates inside
      /// gmsh are in units of the largest radius: OpenCASCADE's geometric
      /// tolerance is absolute (1e-7 model units), i.e. 4 % of a 2.5 um
      /// particle if we worked in metres.
      RawMesh
      run_gmsh(const StreamDomain &domain, const StreamMeshSizes &sizes)
      {
        std::vector<unsigned int>   particle_of;
        const std::vector<Particle> particles = meshed_spheres(domain, particle_of);
        const double r_max =
          std::max_element(particles.begin(),
                           particles.end(),
                           [](const Particle &a, const Particle &b) {
                             return a.radius < b.radius;
                           })
            ->radius;
        const double r_min =
          std::min_element(particles.begin(),
                           particles.end(),
                           [](const Particle &a, const Particle &b) {
                             return a.radius < b.radius;
                           })
            ->radius;
        const double scale = r_max; // one model unit

        GmshSession session;
        gmsh::model::add("particle_stream");

        // The vacuum = enclosure minus all particles (one boolean cut).
        gmsh::vectorpair spheres;
        spheres.reserve(particles.size());
        // OpenCASCADE spheres have their poles (where the surface mesher
        // makes its worst triangles) on the z axis, i.e. right at the
        // contact with the anode and over it: tilt them sideways.
        for (const Particle &particle : particles)
          {
            const Point<3> c(particle.center / scale);
            spheres.emplace_back(
              3, gmsh::model::occ::addSphere(c[0], c[1], c[2], particle.radius / scale));
            gmsh::model::occ::rotate({spheres.back()}, c[0], c[1], c[2], 1, 0.3, 0, 1.3);
          }
        int enclosure;
        if (domain.enclosure_shape == EnclosureShape::box)
          {
            const auto box = enclosure_box(domain);
            enclosure      = gmsh::model::occ::addBox(box.first[0] / scale,
                                                 box.first[1] / scale,
                                                 box.first[2] / scale,
                                                 (box.second[0] - box.first[0]) / scale,
                                                 (box.second[1] - box.first[1]) / scale,
                                                 (box.second[2] - box.first[2]) / scale);
          }
        else
          enclosure = gmsh::model::occ::addSphere(0, 0, 0, domain.enclosure_size / scale);

        gmsh::vectorpair              vacuum;
        std::vector<gmsh::vectorpair> origin;
        gmsh::model::occ::cut({{3, enclosure}}, spheres, vacuum, origin);
        gmsh::model::occ::synchronize();
        if (vacuum.size() != 1 || vacuum[0].first != 3)
          throw SolverError("the boolean cut of the particles from the enclosure "
                            "gave " + std::to_string(vacuum.size()) +
                            " entities instead of one volume");
        if (domain.periodic)
          set_periodic_faces(enclosure_box(domain), scale);

        // Particle surfaces: every curved face that is not the enclosure
        // sphere (recognised by a point of it lying at the enclosure radius).
        gmsh::vectorpair boundary;
        gmsh::model::getBoundary(vacuum, boundary, false, false, false);
        std::vector<double> particle_surfaces;
        for (const auto &[dim, tag] : boundary)
          {
            std::string type;
            gmsh::model::getType(dim, std::abs(tag), type);
            if (type == "Plane")
              continue;
            if (domain.enclosure_shape == EnclosureShape::sphere)
              {
                std::vector<double> low, high, xyz;
                gmsh::model::getParametrizationBounds(dim, std::abs(tag), low, high);
                gmsh::model::getValue(dim,
                                      std::abs(tag),
                                      {(low[0] + high[0]) / 2, (low[1] + high[1]) / 2},
                                      xyz);
                const double radius = std::sqrt(xyz[0] * xyz[0] + xyz[1] * xyz[1] +
                                                 xyz[2] * xyz[2]);
                if (std::abs(radius * scale - domain.enclosure_size) <
                    1e-6 * domain.enclosure_size)
                  continue;
              }
            particle_surfaces.push_back(std::abs(tag));
          }
        if (particle_surfaces.size() < particles.size())
          throw SolverError("gmsh found " + std::to_string(particle_surfaces.size()) +
                            " particle surfaces for " +
                            std::to_string(particles.size()) + " particles");

        // Narrow gaps. On a flat facet of size h the sphere lies up to the
        // sagitta h^2 / (8 r) outside; where that is not small against the
        // local gap s to the neighbour (particle, anode, wall or enclosure)
        // the faceted gap is much wider than the true one, and the quadratic
        // mapping, which bends the facets back onto the sphere, folds the
        // cells across the gap (with 1.25 um facets, 2434 folded cells in
        // the 0.1 um gaps of the 385-particle stream). So near each
        // contact the size is at most sqrt(2 r s) (sagitta s / 4):
        // sqrt(2 r g) at the contact point (gap g), and since s grows about
        // like g + rho^2 / r at a distance rho from it, growing from there
        // with slope 0.7 (conservative for spheres and a sphere over a
        // plane). (Sagitta s / 8 left fewer cells to straighten in
        // make_stream_mesh(), 518 instead of 2978 edges, for 25 % more
        // cells and 40 % more meshing time.) A particle in a sphere not much
        // larger (R < 2 r: the gap widens too slowly for that slope, up to
        // the concentric shell) gets the contact size on its whole surface.
        struct Contact
        {
          Point<3> point;       // model units
          double   size;        // model units
          double   slope = 0.7; // growth of the size with the distance
        };
        const double         size_min = sizes.surface_size * r_min / scale;
        const double         size_max =
          std::max(size_min, sizes.far_size * r_max / scale);
        double               surface_size = size_min;
        std::vector<Contact> contacts;
        const auto contact_size = [&](const double gap, const double radius) {
          return std::sqrt(2 * radius * gap) / scale;
        };
        const auto add_contact = [&](const Point<3> &point, // SI
                                     const double    gap,   // SI
                                     const double    radius) {
          const double size = contact_size(gap, radius);
          if (size < size_min)
            contacts.push_back({Point<3>(point / scale), size});
        };
        // The gap g between two conductors, from point `from` on one to
        // point `to` on the other (g apart): the surface field peaks at the
        // ends and varies there over a distance ~ g along the surface, so
        // the size along the gap's axis is at most g / n (n elements
        // across the gap), at both ends and the middle (g / 2 apart: with
        // DistMin = the size the whole axis gets it), and never above the
        // sagitta limit sqrt(2 r g).
        const auto add_gap_axis = [&](const Point<3> &from, // SI
                                      const Point<3> &to,   // SI
                                      const double    gap,  // SI
                                      const double    radius,
                                      const double    elements_across,
                                      const double    slope) {
          if (!(elements_across > 0))
            return;
          const double size =
            std::min(gap / elements_across, std::sqrt(2 * radius * gap)) / scale;
          if (size >= size_min)
            return;
          for (const Point<3> &point : {from, Point<3>(0.5 * (from + to)), to})
            contacts.push_back({Point<3>(point / scale), size, slope});
        };
        // Between two spheres the gap widens away from the axis to
        // s(rho) ~ g + rho^2 / r at a distance rho. The size g / n + k rho
        // stays below s(rho) / 2 for every rho if
        // g (1/2 - 1/n) + rho^2 / (2 r) - k rho >= 0, i.e. if
        // k^2 <= g (1 - 2/n) / r: a narrow gap grows more slowly than the
        // usual slope 0.7, which holds from g ~ r on (n <= 2 leaves no
        // room: the slope stays 0.7). The charge (an energy) feels the
        // whole widening zone, the peak field the axis.
        const auto particle_gap_slope = [&](const double gap, const double radius) {
          const double n = sizes.elements_across_particle_gap;
          return n <= 2 ? 0.7 : std::min(0.7, std::sqrt(gap * (1 - 2 / n) / radius));
        };
        // Particle-particle gaps: the sagitta limit at the middle, and
        // at most gap / Elements across particle gap along the line of
        // centres.
        const double largest_sized_gap =
          std::max(std::pow(size_min * scale, 2) / (2 * r_min),
                   sizes.elements_across_particle_gap * size_min * scale);
        for_each_close_pair(
          particles,
          largest_sized_gap,
          [&](const unsigned int i, const unsigned int j, const double gap) {
            const Particle    &a = particles[i], &b = particles[j];
            const Tensor<1, 3> axis =
              (b.center - a.center) / b.center.distance(a.center);
            const double radius = std::min(a.radius, b.radius);
            add_contact(a.center + (a.radius + gap / 2) * axis, gap, radius);
            add_gap_axis(a.center + a.radius * axis,
                         b.center - b.radius * axis,
                         gap,
                         radius,
                         sizes.elements_across_particle_gap,
                         particle_gap_slope(gap, radius));
          });
        // The anode gap under a particle, from its lowest point down to
        // the anode: the surface field peaks at the lowest point.
        const auto add_anode_gap = [&](const Particle &particle) {
          Point<3> lowest = particle.center, foot = particle.center;
          lowest[2] -= particle.radius;
          foot[2] = 0;
          add_gap_axis(lowest,
                       foot,
                       lowest[2],
                       particle.radius,
                       sizes.elements_across_anode_gap,
                       0.7);
        };
        const auto box = enclosure_box(domain);
        for (const Particle &particle : particles)
          {
            const Point<3> &c = particle.center;
            const double    r = particle.radius;
            if (domain.enclosure_shape == EnclosureShape::box)
              {
                // A periodic cell has no lateral walls: its lateral
                // neighbours are the periodic images, among the spheres.
                for (unsigned int d = domain.periodic ? 2 : 0; d < 3; ++d)
                  for (const double wall : {box.first[d], box.second[d]})
                    {
                      Point<3> contact = c;
                      contact[d] = (wall + c[d] + (wall > c[d] ? r : -r)) / 2;
                      add_contact(contact, std::abs(c[d] - wall) - r, r);
                    }
                add_anode_gap(particle);
              }
            else
              {
                const double R   = domain.enclosure_size;
                const double gap = R - c.norm() - r;
                if (R < 2 * r || c.norm() == 0)
                  surface_size = std::min(surface_size, contact_size(gap, r));
                else
                  add_contact(c + (r + gap / 2) / c.norm() * c, gap, r);
              }
          }

        // Size field: the surface size on (and just off) the particle
        // surfaces, growing linearly with the distance to the nearest
        // particle surface up to far_size * r_max; the contact refinement
        // above in classes of sizes a factor 1.25 apart, one distance field
        // on points each; the minimum of all. The distance fields sample
        // surfaces at points; DistMin of one surface element absorbs the
        // sampling error. Nothing else may set sizes: not the geometry
        // points, not the curvature, not the boundary (whose sizes would
        // leak inwards).
        constexpr double    class_ratio = 1.25;
        constexpr double    slope       = 0.7;
        const int           distance    = gmsh::model::mesh::field::add("Distance");
        gmsh::model::mesh::field::setNumbers(distance, "SurfacesList", particle_surfaces);
        const int threshold = gmsh::model::mesh::field::add("Threshold");
        gmsh::model::mesh::field::setNumber(threshold, "InField", distance);
        gmsh::model::mesh::field::setNumber(threshold, "SizeMin", surface_size);
        gmsh::model::mesh::field::setNumber(threshold, "SizeMax", size_max);
        gmsh::model::mesh::field::setNumber(threshold, "DistMin", surface_size);
        gmsh::model::mesh::field::setNumber(
          threshold,
          "DistMax",
          std::max(sizes.growth_distance * r_max / scale, 2 * surface_size));
        std::vector<double> size_fields = {double(threshold)};

        // (size class, slope class) -> point tags; the slope classes are
        // slope / class_ratio^j, rounded down.
        const auto class_of = [&](const double ratio) {
          return static_cast<int>(std::ceil(std::log(ratio) / std::log(class_ratio) - 1e-9));
        };
        std::map<std::pair<int, int>, std::vector<double>> class_points;
        for (const Contact &contact : contacts)
          if (contact.size < surface_size)
            class_points[{class_of(surface_size / contact.size),
                          class_of(slope / contact.slope)}]
              .push_back(gmsh::model::occ::addPoint(contact.point[0],
                                                    contact.point[1],
                                                    contact.point[2]));
        if (!class_points.empty())
          gmsh::model::occ::synchronize();
        for (const auto &[classes, points] : class_points)
          {
            const double size  = surface_size / std::pow(class_ratio, classes.first);
            const double growth = slope / std::pow(class_ratio, classes.second);
            const int    point_distance = gmsh::model::mesh::field::add("Distance");
            gmsh::model::mesh::field::setNumbers(point_distance, "PointsList", points);
            const int point_threshold = gmsh::model::mesh::field::add("Threshold");
            gmsh::model::mesh::field::setNumber(point_threshold, "InField", point_distance);
            gmsh::model::mesh::field::setNumber(point_threshold, "SizeMin", size);
            gmsh::model::mesh::field::setNumber(point_threshold, "SizeMax", size_max);
            gmsh::model::mesh::field::setNumber(point_threshold, "DistMin", size);
            gmsh::model::mesh::field::setNumber(point_threshold,
                                                "DistMax",
                                                size + (size_max - size) / growth);
            size_fields.push_back(point_threshold);
          }
        if (size_fields.size() == 1)
          gmsh::model::mesh::field::setAsBackgroundMesh(threshold);
        else
          {
            const int minimum = gmsh::model::mesh::field::add("Min");
            gmsh::model::mesh::field::setNumbers(minimum, "FieldsList", size_fields);
            gmsh::model::mesh::field::setAsBackgroundMesh(minimum);
          }
        gmsh::option::setNumber("Mesh.MeshSizeExtendFromBoundary", 0);
        gmsh::option::setNumber("Mesh.MeshSizeFromPoints", 0);
        gmsh::option::setNumber("Mesh.MeshSizeFromCurvature", 0);

        gmsh::option::setNumber("Mesh.Algorithm", 6);   // Frontal-Delaunay 2D
        gmsh::option::setNumber("Mesh.Algorithm3D", 1); // Delaunay
        gmsh::option::setNumber("Mesh.Optimize", 1);
        gmsh::option::setNumber("Mesh.ElementOrder", 1);

        gmsh::model::mesh::generate(2);
        gmsh::model::mesh::generate(3);

        RawMesh                  mesh;
        std::vector<std::size_t> node_tags;
        std::vector<double>      node_coordinates, parametric;
        gmsh::model::mesh::getNodes(node_tags, node_coordinates, parametric, -1, -1,
                                    /*includeBoundary=*/false,
                                    /*returnParametricCoord=*/false);
        std::vector<std::size_t> tet_tags, tet_nodes;
        gmsh::model::mesh::getElementsByType(4, tet_tags, tet_nodes);
        if (tet_tags.empty())
          {
            std::string last_error;
            gmsh::logger::getLastError(last_error);
            throw SolverError("gmsh made no tetrahedra" +
                              (last_error.empty() ? "" : ": " + last_error));
          }

        // Node tags need not be contiguous; keep only the nodes of
        // tetrahedra, numbered in order of first use.
        const std::size_t max_tag =
          *std::max_element(node_tags.begin(), node_tags.end());
        std::vector<std::size_t> position(max_tag + 1, std::size_t(-1));
        for (std::size_t i = 0; i < node_tags.size(); ++i)
          position[node_tags[i]] = i;
        std::vector<unsigned int> index(node_tags.size(), numbers::invalid_unsigned_int);
        mesh.tetrahedra.reserve(tet_nodes.size());
        for (const std::size_t tag : tet_nodes)
          {
            if (tag > max_tag || position[tag] == std::size_t(-1))
              throw SolverError("gmsh returned a tetrahedron with an unknown node");
            const std::size_t i = position[tag];
            if (index[i] == numbers::invalid_unsigned_int)
              {
                index[i] = mesh.coordinates.size() / 3;
                for (unsigned int d = 0; d < 3; ++d)
                  mesh.coordinates.push_back(node_coordinates[3 * i + d] * scale);
              }
            mesh.tetrahedra.push_back(index[i]);
          }
        return mesh;
      }

      /// Remove the tetrahedra whose four vertices lie on one particle's
      /// sphere. The surface triangulation gmsh makes of a sphere (in its
      /// parameter plane) is not everywhere convex; the 3D mesher fills each
      /// concave edge with a flat sliver whose four vertices are on the
      /// sphere. Such a tetrahedron lies inside the particle (the convex
      /// hull of points on a sphere is inside the ball), so it is no vacuum
      /// at all, and it is harmful: its interior faces become particle
      /// surface once it is gone, which amounts to flipping the concave
      /// surface edge. Repeated until no such tetrahedron touches the
      /// boundary (removing one may expose another); tetrahedra not touching
      /// the boundary are never removed, so no cavity appears. (Not for the
      /// enclosure sphere: inside it is the domain.)
      void
      remove_tetrahedra_inside_particles(RawMesh                     &mesh,
                                         const SphereSurfaceManifold &manifold,
                                         const unsigned int           n_particles)
      {
        const unsigned int        n_vertices = mesh.coordinates.size() / 3;
        std::vector<unsigned int> sphere_of(n_vertices);
        for (unsigned int i = 0; i < n_vertices; ++i)
          sphere_of[i] = manifold.sphere_of_surface_point(
            Point<3>(mesh.coordinates[3 * i],
                     mesh.coordinates[3 * i + 1],
                     mesh.coordinates[3 * i + 2]));

        const auto inside_particle = [&](const unsigned int *v) {
          return sphere_of[v[0]] < n_particles && sphere_of[v[1]] == sphere_of[v[0]] &&
                 sphere_of[v[2]] == sphere_of[v[0]] && sphere_of[v[3]] == sphere_of[v[0]];
        };
        using Face = std::array<unsigned int, 3>;
        const auto face = [](const unsigned int *v, const unsigned int skip) {
          Face f;
          for (unsigned int j = 0, k = 0; j < 4; ++j)
            if (j != skip)
              f[k++] = v[j];
          std::sort(f.begin(), f.end());
          return f;
        };

        for (;;)
          {
            const unsigned int n_tets = mesh.tetrahedra.size() / 4;
            std::vector<unsigned int> candidates;
            for (unsigned int c = 0; c < n_tets; ++c)
              if (inside_particle(&mesh.tetrahedra[4 * c]))
                candidates.push_back(c);
            if (candidates.empty())
              break;
            // A face of a candidate is on the boundary when no other
            // tetrahedron has it.
            std::map<Face, unsigned int> count;
            for (const unsigned int c : candidates)
              for (unsigned int j = 0; j < 4; ++j)
                count[face(&mesh.tetrahedra[4 * c], j)] = 0;
            for (unsigned int c = 0; c < n_tets; ++c)
              for (unsigned int j = 0; j < 4; ++j)
                {
                  const auto it = count.find(face(&mesh.tetrahedra[4 * c], j));
                  if (it != count.end())
                    ++it->second;
                }
            std::vector<bool> remove(n_tets, false);
            bool              any = false;
            for (const unsigned int c : candidates)
              for (unsigned int j = 0; j < 4; ++j)
                if (count[face(&mesh.tetrahedra[4 * c], j)] == 1)
                  {
                    remove[c] = any = true;
                    break;
                  }
            if (!any)
              break;
            std::vector<unsigned int> kept;
            kept.reserve(mesh.tetrahedra.size());
            for (unsigned int c = 0; c < n_tets; ++c)
              if (!remove[c])
                kept.insert(kept.end(),
                            mesh.tetrahedra.begin() + 4 * c,
                            mesh.tetrahedra.begin() + 4 * c + 4);
            mesh.tetrahedra.swap(kept);
          }

        // Vertices only the removed tetrahedra had (the tip of a cap).
        std::vector<unsigned int> new_index(n_vertices, numbers::invalid_unsigned_int);
        std::vector<double>       coordinates;
        coordinates.reserve(mesh.coordinates.size());
        for (unsigned int &v : mesh.tetrahedra)
          {
            if (new_index[v] == numbers::invalid_unsigned_int)
              {
                new_index[v] = coordinates.size() / 3;
                coordinates.insert(coordinates.end(),
                                   mesh.coordinates.begin() + 3 * v,
                                   mesh.coordinates.begin() + 3 * v + 3);
              }
            v = new_index[v];
          }
        mesh.coordinates.swap(coordinates);
      }


      /// Smallest Jacobian determinant of the quadratic tetrahedron with
      /// vertices @p x and edge midpoints @p m (edges 01 12 02 03 13 23)
      /// over the points of the cubic lattice (i/3, j/3, k/3) and the
      /// centre, relative to that of the straight tetrahedron. The
      /// determinant is a cubic; these 21 points catch a fold.
      double
      smallest_relative_jacobian(const std::array<Point<3>, 4> &x,
                                 const std::array<Point<3>, 6> &m)
      {
        static constexpr unsigned int edge[6][2] = {
          {0, 1}, {1, 2}, {0, 2}, {0, 3}, {1, 3}, {2, 3}};
        const double straight =
          cross_product_3d(x[1] - x[0], x[2] - x[0]) * (x[3] - x[0]);
        double smallest = std::numeric_limits<double>::infinity();
        const auto at = [&](const double l1, const double l2, const double l3) {
          const std::array<double, 4> l = {{1 - l1 - l2 - l3, l1, l2, l3}};
          // d lambda_i / d xi_k: lambda_0 -> -1, lambda_k -> 1.
          const auto dl = [](const unsigned int i, const unsigned int k) {
            return i == 0 ? -1. : (i == k + 1 ? 1. : 0.);
          };
          Tensor<2, 3> J;
          for (unsigned int k = 0; k < 3; ++k)
            {
              Tensor<1, 3> column;
              for (unsigned int i = 0; i < 4; ++i)
                column += (4 * l[i] - 1) * dl(i, k) * x[i];
              for (unsigned int e = 0; e < 6; ++e)
                {
                  const unsigned int i = edge[e][0], j = edge[e][1];
                  column += 4 * (dl(i, k) * l[j] + l[i] * dl(j, k)) * m[e];
                }
              for (unsigned int d = 0; d < 3; ++d)
                J[d][k] = column[d];
            }
          smallest = std::min(smallest, determinant(J) / straight);
        };
        for (unsigned int i = 0; i <= 3; ++i)
          for (unsigned int j = 0; i + j <= 3; ++j)
            for (unsigned int k = 0; i + j + k <= 3; ++k)
              at(i / 3., j / 3., k / 3.);
        at(0.25, 0.25, 0.25);
        return smallest;
      }

      /// Cells of @p triangulation whose quadratic image under @p manifold
      /// folds (or nearly: Jacobian below a tenth of the straight cell's
      /// somewhere) get all their curved edges declared interior chords,
      /// i.e. straight, until no cell folds: a little faceting there rather
      /// than negative Jacobians. Returns the number of straightened edges.
      unsigned int
      flatten_folding_cells(const Triangulation<3>  &triangulation,
                            SphereSurfaceManifold   &manifold)
      {
        static constexpr unsigned int edge[6][2] = {
          {0, 1}, {1, 2}, {0, 2}, {0, 3}, {1, 3}, {2, 3}};
        constexpr double smallest_allowed = 0.1;
        unsigned int     n_straightened   = 0;
        for (unsigned int pass = 0; pass < 20; ++pass)
          {
            unsigned int n_this_pass = 0;
            for (const auto &cell : triangulation.active_cell_iterators())
              {
                std::array<Point<3>, 4> x;
                unsigned int            n_on_sphere = 0;
                for (unsigned int i = 0; i < 4; ++i)
                  {
                    x[i] = cell->vertex(i);
                    n_on_sphere += (manifold.sphere_of_surface_point(x[i]) !=
                                    numbers::invalid_unsigned_int);
                  }
                if (n_on_sphere < 2) // no edge on a sphere
                  continue;
                std::array<Point<3>, 6> m;
                std::array<bool, 6>     curved;
                bool                    any = false;
                for (unsigned int e = 0; e < 6; ++e)
                  {
                    const std::array<Point<3>, 2> ends = {{x[edge[e][0]], x[edge[e][1]]}};
                    const std::array<double, 2>   half = {{0.5, 0.5}};
                    m[e]      = manifold.get_new_point(
                      ArrayView<const Point<3>>(ends.data(), 2),
                      ArrayView<const double>(half.data(), 2));
                    curved[e] = m[e] != Point<3>((ends[0] + ends[1]) / 2);
                    any       = any || curved[e];
                  }
                if (!any || smallest_relative_jacobian(x, m) >= smallest_allowed)
                  continue;
                for (unsigned int e = 0; e < 6; ++e)
                  if (curved[e])
                    {
                      manifold.add_interior_chord(x[edge[e][0]], x[edge[e][1]]);
                      ++n_this_pass;
                    }
              }
            n_straightened += n_this_pass;
            if (n_this_pass == 0)
              break;
          }
        return n_straightened;
      }

      /// In a periodic cell an edge on a lateral face and its translate on
      /// the opposite face must get the same new points, or the faces'
      /// quadratic (P2) support points would no longer match. Both are
      /// curved alike by the manifold (on the circle where the faces cut a
      /// sphere), except where flatten_folding_cells() straightened one of
      /// them: then straighten its translates too. Returns the number of
      /// edges straightened here.
      unsigned int
      straighten_translates_of_chords(const Triangulation<3>              &triangulation,
                                      SphereSurfaceManifold               &manifold,
                                      const std::pair<Point<3>, Point<3>> &box)
      {
        const double tolerance = 1e-9 * box.first.distance(box.second);
        // An edge's key: its end points taken to the low faces, quantised.
        const auto canonical = [&](Point<3> x) {
          for (unsigned int d = 0; d < 2; ++d)
            if (std::abs(x[d] - box.second[d]) <= tolerance)
              x[d] = box.first[d];
          return std::array<long long, 3>{{std::llround(x[0] / tolerance),
                                           std::llround(x[1] / tolerance),
                                           std::llround(x[2] / tolerance)}};
        };
        using Edge = std::array<Point<3>, 2>;
        std::map<std::array<long long, 6>, std::vector<Edge>> translates;
        for (const auto &cell : triangulation.active_cell_iterators())
          for (const auto &face : cell->face_iterators())
            if (face->at_boundary() &&
                face->boundary_id() == stream_boundary::periodic)
              for (unsigned int l = 0; l < face->n_lines(); ++l)
                {
                  const Edge edge = {{face->line(l)->vertex(0), face->line(l)->vertex(1)}};
                  auto       a = canonical(edge[0]), b = canonical(edge[1]);
                  if (b < a)
                    std::swap(a, b);
                  auto &group = translates[{{a[0], a[1], a[2], b[0], b[1], b[2]}}];
                  if (std::none_of(group.begin(), group.end(), [&](const Edge &e) {
                        return e[0] == edge[0] && e[1] == edge[1];
                      }))
                    group.push_back(edge);
                }
        const auto straight = [&](const Edge &edge) {
          const std::array<double, 2> half = {{0.5, 0.5}};
          return manifold.get_new_point(ArrayView<const Point<3>>(edge.data(), 2),
                                        ArrayView<const double>(half.data(), 2)) ==
                 Point<3>((edge[0] + edge[1]) / 2);
        };
        unsigned int n_straightened = 0;
        for (const auto &[key, group] : translates)
          if (std::any_of(group.begin(), group.end(), straight))
            for (const Edge &edge : group)
              if (!straight(edge))
                {
                  manifold.add_interior_chord(edge[0], edge[1]);
                  ++n_straightened;
                }
        return n_straightened;
      }


      /// Same data on every rank: rank 0's vectors are sent to the others.
      template <typename T>
      void
      broadcast_vector(std::vector<T> &data, const MPI_Comm comm, MPI_Datatype type)
      {
        std::uint64_t size = data.size();
        int           ierr = MPI_Bcast(&size, 1, MPI_UINT64_T, 0, comm);
        AssertThrowMPI(ierr);
        data.resize(size);
        // In chunks: MPI counts are ints.
        const std::uint64_t chunk = std::uint64_t(1) << 30;
        for (std::uint64_t start = 0; start < size; start += chunk)
          {
            ierr = MPI_Bcast(data.data() + start,
                             static_cast<int>(std::min(chunk, size - start)),
                             type,
                             0,
                             comm);
            AssertThrowMPI(ierr);
          }
      }
    } // namespace


    // --------------------------------------------------------------- layout

    std::vector<Particle>
    make_particle_stream(const StreamLayout &layout)
    {
      const double r = layout.particle_radius;
      const double p = layout.lattice_pitch;
      require(positive_finite(r),
              "particle radius must be positive and finite (got " + length(r) + ")");
      // Touching spheres would be one conductor, and a gap much smaller
      // than the radius cannot be meshed with sensible tetrahedra.
      require(std::isfinite(p) && p >= (2 + minimum_relative_gap) * r,
              "lattice pitch " + length(p) +
                " must exceed the particle diameter by the minimum gap (at least " +
                length((2 + minimum_relative_gap) * r) + ")");
      require(layout.n_layers >= 1, "number of layers must be at least 1");
      if (layout.shape == PatchShape::rows)
        require(layout.n_rows >= 1 && layout.particles_per_row >= 1,
                "number of rows and particles per row must be at least 1");
      require(positive_finite(layout.anode_gap),
              "anode gap must be positive and finite (got " +
                length(layout.anode_gap) + ")");
      require(std::isfinite(layout.layer_shift_amplitude) &&
                layout.layer_shift_amplitude >= 0,
              "layer shift amplitude must be non-negative and finite (got " +
                length(layout.layer_shift_amplitude) + ")");
      double thickness = layout.stream_thickness;
      if (layout.n_layers == 1)
        {
          require(thickness == 0 || std::abs(thickness - 2 * r) <= 1e-9 * r,
                  "stream thickness " + length(thickness) +
                    " of a single layer must be 0 or the particle diameter " +
                    length(2 * r));
          thickness = 2 * r;
        }
      else
        require(std::isfinite(thickness) && thickness >= 2 * r,
                "stream thickness " + length(thickness) +
                  " must be at least the particle diameter " + length(2 * r) +
                  " for several layers");

      // One layer's positions in the plane (site A). Rows along x, row
      // spacing p sqrt(3)/2; in the rows patch the alternate rows sit at
      // -p/4 and +p/4 so that the patch is centred in x.
      const double          row_spacing = p * std::sqrt(3.) / 2;
      std::vector<Point<2>> patch;
      if (layout.shape == PatchShape::hexagon)
        {
          // Axial lattice coordinates (q, s): position q a1 + s a2 with
          // a1 = (p, 0), a2 = (p/2, row spacing); ring = hexagonal distance.
          const int n = layout.hexagon_rings;
          for (int s = -n; s <= n; ++s)
            for (int q = std::max(-n, -s - n); q <= std::min(n, -s + n); ++q)
              patch.emplace_back(p * (q + 0.5 * s), row_spacing * s);
        }
      else if (layout.shape == PatchShape::periodic_cell)
        {
          // The two lattice points of the rectangular cell p x p sqrt(3).
          patch.emplace_back(0., 0.);
          patch.emplace_back(p / 2, row_spacing);
        }
      else
        {
          const double row_offset = layout.n_rows > 1 ? p / 4 : 0.;
          for (unsigned int j = 0; j < layout.n_rows; ++j)
            for (unsigned int i = 0; i < layout.particles_per_row; ++i)
              patch.emplace_back(
                (i - (layout.particles_per_row - 1) / 2.) * p +
                  (j % 2 == 1 ? row_offset : -row_offset),
                (j - (layout.n_rows - 1) / 2.) * row_spacing);
        }

      // Layers: nominal centres evenly spread so that the lowest surface is
      // at the anode gap and the highest at gap + thickness, each shifted
      // by a uniform pseudo-random amount. mt19937's sequence is fixed by
      // the standard; the conversion to [0, 1) is ours (the standard
      // distributions' output is implementation-defined), so positions are
      // the same with every compiler. A number is drawn for every layer even
      // without shift, so the sequence never depends on the amplitude.
      const double layer_spacing =
        layout.n_layers > 1 ? (thickness - 2 * r) / (layout.n_layers - 1) : 0.;
      const double lowest  = layout.anode_gap + r;
      const double highest = layout.anode_gap + thickness - r;
      const double a       = layout.layer_shift_amplitude;
      std::mt19937 generator(layout.seed);

      std::vector<Particle> particles;
      particles.reserve(patch.size() * layout.n_layers);
      for (unsigned int l = 0; l < layout.n_layers; ++l)
        {
          const double uniform = static_cast<double>(generator() & 0xffffffffu) /
                                 4294967296.; // [0, 1)
          const double z = std::clamp(lowest + l * layer_spacing + a * (2 * uniform - 1),
                                      lowest,
                                      highest);
          // Close-packing sites A, B, C: lateral shift by (l mod 3) times the
          // vector from a lattice point to the centre of a triangle.
          const double shift_x = (l % 3) * p / 2;
          const double shift_y = (l % 3) * p / (2 * std::sqrt(3.));
          for (const Point<2> &q : patch)
            particles.push_back({Point<3>(q[0] + shift_x, q[1] + shift_y, z), r, l});
        }

      check_particles(particles,
                      "use a larger lattice pitch or stream thickness, or a "
                      "smaller layer shift amplitude");
      return particles;
    }


    // -------------------------------------------------------- periodic cell

    namespace
    {
      /// Distance from x to the nearest of the planes f + k L (k integer).
      double
      distance_to_periodic_planes(const double x, const double f, const double L)
      {
        const double t = x - f - L * std::floor((x - f) / L); // [0, L)
        return std::min(t, L - t);
      }

      /// How far the sphere of radius r centred at x is from being tangent
      /// to one of the planes f + k L: | distance - r |. Near tangency a
      /// face would either pass in a sliver gap or cut a sliver cap.
      double
      tangency_margin(const double x, const double r, const double f, const double L)
      {
        return std::abs(distance_to_periodic_planes(x, f, L) - r);
      }
    } // namespace


    PeriodicCell
    make_periodic_cell(std::vector<Particle> &particles, const double lattice_pitch)
    {
      require(!particles.empty(), "a periodic cell needs particles");
      const std::array<double, 2> period = {
        {lattice_pitch, lattice_pitch * std::sqrt(3.)}};
      double r_max = 0;
      for (const Particle &particle : particles)
        r_max = std::max(r_max, particle.radius);

      // Place the faces, independently in x and y, where the spheres are
      // farthest from tangency (scan of the period; deterministic).
      PeriodicCell cell;
      constexpr unsigned int n_candidates = 720;
      for (unsigned int d = 0; d < 2; ++d)
        {
          double best_face = 0, best_margin = -1;
          for (unsigned int j = 0; j < n_candidates; ++j)
            {
              const double f      = period[d] * j / n_candidates;
              double       margin = std::numeric_limits<double>::infinity();
              for (const Particle &particle : particles)
                margin = std::min(margin,
                                  tangency_margin(particle.center[d],
                                                  particle.radius, f, period[d]));
              if (margin > best_margin)
                best_margin = margin, best_face = f;
            }
          require(best_margin >= minimum_relative_gap * r_max,
                  std::string("the periodic cell's ") + (d == 0 ? "x" : "y") +
                    " faces graze a particle wherever they are put (margin " +
                    length(best_margin) +
                    "): change Particles/Lattice pitch or Particles/Radius");
          // The cell [f, f + L) with f = the best face (mod L) just below
          // the particles' mean position.
          double mean = 0;
          for (const Particle &particle : particles)
            mean += particle.center[d] / particles.size();
          cell.low[d] =
            best_face + period[d] * std::floor((mean - best_face) / period[d]);
          cell.high[d] = cell.low[d] + period[d];
        }

      // Wrap the centres into the cell.
      for (Particle &particle : particles)
        for (unsigned int d = 0; d < 2; ++d)
          particle.center[d] -=
            period[d] * std::floor((particle.center[d] - cell.low[d]) / period[d]);

      // A sphere cut by an x and a y face reaches across the vertical edge
      // of the cell only if it is closer to that edge than r: not tangent.
      for (unsigned int i = 0; i < particles.size(); ++i)
        {
          const Particle &particle = particles[i];
          const double    dx       = distance_to_periodic_planes(particle.center[0],
                                                        cell.low[0], period[0]);
          const double    dy       = distance_to_periodic_planes(particle.center[1],
                                                        cell.low[1], period[1]);
          if (dx < particle.radius && dy < particle.radius)
            require(std::abs(std::hypot(dx, dy) - particle.radius) >=
                      minimum_relative_gap * particle.radius,
                    "particle " + std::to_string(i) + " at " +
                      point(particle.center) +
                      " grazes a vertical edge of the periodic cell: change "
                      "Particles/Lattice pitch or Particles/Radius");
        }
      return cell;
    }


    std::vector<Particle>
    periodic_spheres(const std::vector<Particle> &particles,
                     const PeriodicCell          &cell,
                     std::vector<unsigned int>   &particle_of)
    {
      const Tensor<1, 2> period = cell.high - cell.low;
      std::vector<Particle> spheres;
      particle_of.clear();
      for (unsigned int i = 0; i < particles.size(); ++i)
        {
          spheres.push_back(particles[i]);
          particle_of.push_back(i);
          for (int sx = -1; sx <= 1; ++sx)
            for (int sy = -1; sy <= 1; ++sy)
              if (sx != 0 || sy != 0)
                {
                  Particle image = particles[i];
                  image.center[0] += sx * period[0];
                  image.center[1] += sy * period[1];
                  // Lateral distance from the image's centre to the cell.
                  double outside[2];
                  for (unsigned int d = 0; d < 2; ++d)
                    outside[d] = std::max({cell.low[d] - image.center[d],
                                           0.,
                                           image.center[d] - cell.high[d]});
                  if (std::hypot(outside[0], outside[1]) < image.radius)
                    {
                      spheres.push_back(image);
                      particle_of.push_back(i);
                    }
                }
        }
      return spheres;
    }


    // --------------------------------------------------------------- domain

    void
    check_domain(const StreamDomain &domain)
    {
      require(positive_finite(domain.enclosure_size),
              "enclosure size must be positive and finite (got " +
                length(domain.enclosure_size) + ")");
      if (domain.periodic)
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
          // Neighbours across the lateral faces are periodic images.
          std::vector<unsigned int> particle_of;
          check_particles(periodic_spheres(domain.particles, domain.cell,
                                           particle_of),
                          "");
        }
      else
        check_particles(domain.particles, "");

      for (unsigned int i = 0; i < domain.particles.size(); ++i)
        {
          const Particle &particle = domain.particles[i];
          const double    min_gap  = minimum_relative_gap * particle.radius;
          if (domain.enclosure_shape == EnclosureShape::box)
            {
              // The box walls are enclosure_size away from the particles'
              // bounding box; only the anode below can be too close.
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
              const double gap = domain.enclosure_size -
                                 particle.center.norm() - particle.radius;
              require(gap >= min_gap,
                      "particle " + std::to_string(i) + " at " +
                        point(particle.center) +
                        " lies outside or touches the enclosure sphere of radius " +
                        length(domain.enclosure_size) + " (gap " + length(gap) +
                        ", minimum " + length(min_gap) + ")");
            }
        }
    }


    // ------------------------------------------------------------- manifold

    SphereSurfaceManifold::SphereSurfaceManifold(const std::vector<Sphere> &spheres)
      : spheres(spheres)
    {
      for (unsigned int i = 0; i < spheres.size(); ++i)
        AssertThrow(positive_finite(spheres[i].radius),
                    ExcMessage("SphereSurfaceManifold: sphere radii must be positive"));

      // Bins sized for the small spheres (the particles); the few spheres
      // much larger than the smallest one (an enclosure) are kept apart and
      // always tested, else they would fill every bin.
      bin_size    = 0;
      n_bins      = {{0, 0, 0}};
      bins_origin = Point<3>();
      if (spheres.empty())
        return;
      double r_min = std::numeric_limits<double>::infinity();
      for (const Sphere &sphere : spheres)
        r_min = std::min(r_min, sphere.radius);
      std::vector<unsigned int> small;
      Point<3>                  low, high;
      for (unsigned int d = 0; d < 3; ++d)
        {
          low[d]  = std::numeric_limits<double>::infinity();
          high[d] = -std::numeric_limits<double>::infinity();
        }
      for (unsigned int i = 0; i < spheres.size(); ++i)
        if (spheres[i].radius > 4 * r_min)
          large_spheres.push_back(i);
        else
          {
            small.push_back(i);
            bin_size = std::max(bin_size, 2 * spheres[i].radius);
            for (unsigned int d = 0; d < 3; ++d)
              {
                low[d]  = std::min(low[d], spheres[i].center[d] - spheres[i].radius);
                high[d] = std::max(high[d], spheres[i].center[d] + spheres[i].radius);
              }
          }

      // Widen by the tolerance so that points just off a surface still find
      // their bin; coarsen the bins if scattered spheres would need too many.
      const double margin = 2 * relative_tolerance * bin_size;
      for (unsigned int d = 0; d < 3; ++d)
        {
          low[d] -= margin;
          high[d] += margin;
        }
      const double max_bins = 64. * small.size() + 1000.;
      for (;;)
        {
          double total = 1;
          for (unsigned int d = 0; d < 3; ++d)
            {
              n_bins[d] = std::max(1u,
                                   static_cast<unsigned int>(
                                     std::ceil((high[d] - low[d]) / bin_size)));
              total *= n_bins[d];
            }
          if (total <= max_bins)
            break;
          bin_size *= std::cbrt(total / max_bins) * 1.01;
        }
      bins_origin = low;
      bins.assign(std::size_t(n_bins[0]) * n_bins[1] * n_bins[2], {});
      for (const unsigned int i : small)
        {
          std::array<unsigned int, 3> first, last;
          for (unsigned int d = 0; d < 3; ++d)
            {
              const double extent = spheres[i].radius * (1 + 2 * relative_tolerance);
              first[d]            = bin_index(spheres[i].center[d] - extent, d);
              last[d]             = bin_index(spheres[i].center[d] + extent, d);
            }
          for (unsigned int a = first[0]; a <= last[0]; ++a)
            for (unsigned int b = first[1]; b <= last[1]; ++b)
              for (unsigned int c = first[2]; c <= last[2]; ++c)
                bins[(std::size_t(c) * n_bins[1] + b) * n_bins[0] + a].push_back(i);
        }
    }


    unsigned int
    SphereSurfaceManifold::bin_index(const double x, const unsigned int d) const
    {
      const double position = std::floor((x - bins_origin[d]) / bin_size);
      return static_cast<unsigned int>(
        std::clamp(position, 0., static_cast<double>(n_bins[d] - 1)));
    }


    std::unique_ptr<Manifold<3>>
    SphereSurfaceManifold::clone() const
    {
      return std::make_unique<SphereSurfaceManifold>(*this);
    }


    unsigned int
    SphereSurfaceManifold::sphere_of_surface_point(const Point<3> &p) const
    {
      const auto on_sphere = [&](const unsigned int i) {
        return std::abs(p.distance(spheres[i].center) - spheres[i].radius) <=
               relative_tolerance * spheres[i].radius;
      };
      for (const unsigned int i : large_spheres)
        if (on_sphere(i))
          return i;
      if (bins.empty())
        return numbers::invalid_unsigned_int;
      for (unsigned int d = 0; d < 3; ++d)
        if (!(p[d] >= bins_origin[d] && p[d] <= bins_origin[d] + n_bins[d] * bin_size))
          return numbers::invalid_unsigned_int;
      const auto &bin =
        bins[(std::size_t(bin_index(p[2], 2)) * n_bins[1] + bin_index(p[1], 1)) *
               n_bins[0] +
             bin_index(p[0], 0)];
      for (const unsigned int i : bin)
        if (on_sphere(i))
          return i;
      return numbers::invalid_unsigned_int;
    }


    void
    SphereSurfaceManifold::add_interior_chord(const Point<3> &a, const Point<3> &b)
    {
      interior_chords.insert(chord_key(a, b));
    }


    void
    SphereSurfaceManifold::add_cutting_plane(const unsigned int direction,
                                             const double       value)
    {
      AssertIndexRange(direction, 3);
      cutting_planes.emplace_back(direction, value);
    }


    Point<3>
    SphereSurfaceManifold::new_point(const ArrayView<const Point<3>>   &points,
                                     const double                      *weights,
                                     const ArrayView<const unsigned int> &sphere_of) const
    {
      // A weight this small is round-off of a zero (e.g. a vertex
      // opposite an edge midpoint in MappingFE's support point weights).
      constexpr double zero_weight = 1e-12;
      Point<3>         average;
      unsigned int     sphere = numbers::invalid_unsigned_int;
      unsigned int     n_on_sphere = 0;
      bool             common      = true;
      for (unsigned int i = 0; i < points.size(); ++i)
        {
          average += weights[i] * points[i];
          if (std::abs(weights[i]) > zero_weight)
            {
              if (sphere_of[i] == numbers::invalid_unsigned_int ||
                  (n_on_sphere > 0 && sphere_of[i] != sphere))
                common = false;
              sphere = sphere_of[i];
              ++n_on_sphere;
            }
        }
      if (!common || n_on_sphere < 2)
        return average;
      // No pair of the points may be an interior chord.
      if (!interior_chords.empty())
        for (unsigned int i = 0; i < points.size(); ++i)
          if (std::abs(weights[i]) > zero_weight)
            for (unsigned int j = i + 1; j < points.size(); ++j)
              if (std::abs(weights[j]) > zero_weight &&
                  interior_chords.count(chord_key(points[i], points[j])) > 0)
                return average;
      const Sphere  &s      = spheres[sphere];
      // On a cutting plane too: onto the circle where it cuts the sphere,
      // about the foot c' of the centre in the plane, of radius
      // sqrt(r^2 - (c_d - x)^2).
      for (const auto &[d, x] : cutting_planes)
        {
          bool in_plane = true;
          for (unsigned int i = 0; i < points.size(); ++i)
            if (std::abs(weights[i]) > zero_weight &&
                std::abs(points[i][d] - x) > relative_tolerance * s.radius)
              in_plane = false;
          if (!in_plane)
            continue;
          Point<3> foot = s.center;
          foot[d]       = x;
          Tensor<1, 3> in_circle = average - foot;
          in_circle[d]           = 0;
          const double norm      = in_circle.norm();
          const double rho2 =
            s.radius * s.radius - (s.center[d] - x) * (s.center[d] - x);
          if (norm == 0 || !(rho2 > 0))
            return average;
          return foot + (std::sqrt(rho2) / norm) * in_circle;
        }
      const Tensor<1, 3> radial = average - s.center;
      const double  norm   = radial.norm();
      if (norm == 0)
        return average;
      return s.center + (s.radius / norm) * radial;
    }


    Point<3>
    SphereSurfaceManifold::get_new_point(
      const ArrayView<const Point<3>> &surrounding_points,
      const ArrayView<const double>   &weights) const
    {
      AssertDimension(surrounding_points.size(), weights.size());
      std::vector<unsigned int> sphere_of(surrounding_points.size());
      for (unsigned int i = 0; i < surrounding_points.size(); ++i)
        sphere_of[i] = std::abs(weights[i]) > 1e-12 ?
                         sphere_of_surface_point(surrounding_points[i]) :
                         numbers::invalid_unsigned_int;
      return new_point(surrounding_points,
                       weights.data(),
                       make_array_view(std::as_const(sphere_of)));
    }


    void
    SphereSurfaceManifold::get_new_points(
      const ArrayView<const Point<3>> &surrounding_points,
      const Table<2, double>          &weights,
      ArrayView<Point<3>>              new_points) const
    {
      AssertDimension(surrounding_points.size(), weights.size(1));
      AssertDimension(new_points.size(), weights.size(0));
      // Look each surrounding point up once, not once per row.
      std::vector<unsigned int> sphere_of(surrounding_points.size());
      for (unsigned int i = 0; i < surrounding_points.size(); ++i)
        sphere_of[i] = sphere_of_surface_point(surrounding_points[i]);
      std::vector<double> row(surrounding_points.size());
      for (unsigned int q = 0; q < weights.size(0); ++q)
        {
          for (unsigned int i = 0; i < row.size(); ++i)
            row[i] = weights(q, i);
          new_points[q] = new_point(surrounding_points,
                                    row.data(),
                                    make_array_view(std::as_const(sphere_of)));
        }
    }


    // ----------------------------------------------------------------- mesh

    void
    make_stream_mesh(parallel::fullydistributed::Triangulation<3> &triangulation,
                     const StreamDomain                           &domain,
                     const StreamMeshSizes                        &sizes,
                     TimerOutput                                  *timer)
    {
      // Every rank checks the same input and fails the same way.
      check_domain(domain);
      require(positive_finite(sizes.surface_size),
              "mesh surface size must be positive and finite");
      require(std::isfinite(sizes.far_size) && sizes.far_size >= sizes.surface_size,
              "mesh far size must be finite and at least the surface size");
      require(positive_finite(sizes.growth_distance),
              "mesh growth distance must be positive and finite");
      AssertThrow(triangulation.n_cells() == 0,
                  ExcMessage("make_stream_mesh needs an empty triangulation"));

      const MPI_Comm comm = triangulation.get_communicator();
      const auto    &particles = domain.particles;

      // gmsh on rank 0 only; its failure must reach every rank, else the
      // others would wait forever for the mesh.
      // The manifold knows every sphere: particles first (index i is
      // particle i), then the enclosure sphere.
      // In a periodic cell the particles' images follow them; sphere s
      // belongs to particle particle_of[s].
      std::vector<unsigned int>   particle_of;
      const std::vector<Particle> cut_spheres = meshed_spheres(domain, particle_of);
      std::vector<SphereSurfaceManifold::Sphere> spheres;
      for (const Particle &particle : cut_spheres)
        spheres.push_back({particle.center, particle.radius});
      if (domain.enclosure_shape == EnclosureShape::sphere)
        spheres.push_back({Point<3>(), domain.enclosure_size});
      SphereSurfaceManifold manifold(spheres);
      const auto box = enclosure_box(domain);
      if (domain.periodic)
        for (unsigned int d = 0; d < 2; ++d)
          for (const double x : {box.first[d], box.second[d]})
            manifold.add_cutting_plane(d, x);

      RawMesh     mesh;
      std::string error;
      // Every rank times gmsh (the others wait for it): a timer's
      // statistics over the ranks need the same sections on each.
      std::optional<TimerOutput::Scope> gmsh_scope;
      if (timer != nullptr)
        gmsh_scope.emplace(*timer, "mesh: gmsh");
      if (Utilities::MPI::this_mpi_process(comm) == 0)
        {
          try
            {
              mesh = run_gmsh(domain, sizes);
              remove_tetrahedra_inside_particles(mesh, manifold, cut_spheres.size());
            }
          catch (const std::exception &e)
            {
              error = e.what();
            }
          catch (const std::string &e)
            {
              error = e;
            }
          catch (...)
            {
              error = "unknown exception";
            }
        }
      wait_for_rank_zero(comm);
      error = Utilities::MPI::broadcast(comm, error, 0);
      gmsh_scope.reset();
      if (!error.empty())
        throw SolverError("gmsh could not mesh the particle stream: " + error);
      broadcast_vector(mesh.coordinates, comm, MPI_DOUBLE);
      broadcast_vector(mesh.tetrahedra, comm, MPI_UNSIGNED);

      // Serial triangulation, the same on every rank. deal.II wants
      // tetrahedra of positive volume (vertex 3 on the side of the normal
      // (v1 - v0) x (v2 - v0)); gmsh's convention is the same, but a
      // swapped tetrahedron would silently give negative Jacobians.
      const unsigned int    n_vertices = mesh.coordinates.size() / 3;
      std::vector<Point<3>> vertices(n_vertices);
      for (unsigned int i = 0; i < n_vertices; ++i)
        vertices[i] = Point<3>(mesh.coordinates[3 * i],
                               mesh.coordinates[3 * i + 1],
                               mesh.coordinates[3 * i + 2]);
      std::vector<CellData<3>> cells(mesh.tetrahedra.size() / 4, CellData<3>(4));
      for (unsigned int c = 0; c < cells.size(); ++c)
        {
          for (unsigned int j = 0; j < 4; ++j)
            cells[c].vertices[j] = mesh.tetrahedra[4 * c + j];
          const auto &v = cells[c].vertices;
          const double volume6 =
            cross_product_3d(vertices[v[1]] - vertices[v[0]],
                             vertices[v[2]] - vertices[v[0]]) *
            (vertices[v[3]] - vertices[v[0]]);
          if (volume6 < 0)
            std::swap(cells[c].vertices[1], cells[c].vertices[2]);
          else if (!(volume6 > 0))
            throw SolverError("gmsh made a tetrahedron of zero volume at " +
                              point(vertices[v[0]]));
        }
      mesh = RawMesh(); // free
      Triangulation<3> serial;
      serial.create_triangulation(vertices, cells, SubCellData());
      cells.clear();
      cells.shrink_to_fit();


      // Boundary ids from geometry. The vertices of a boundary face lie on
      // its surface to round-off (gmsh evaluates the CAD surface), so a
      // face belongs to a sphere when its three vertices do, and to a wall
      // when its three vertices lie in the wall's plane.
      const double plane_tolerance =
        1e-9 * (domain.enclosure_shape == EnclosureShape::box ?
                  box.first.distance(box.second) :
                  domain.enclosure_size);
      std::vector<unsigned int> faces_of_particle(particles.size(), 0);
      for (const auto &cell : serial.active_cell_iterators())
        for (const auto &face : cell->face_iterators())
          if (face->at_boundary())
            {
              const std::array<Point<3>, 3> v = {
                {face->vertex(0), face->vertex(1), face->vertex(2)}};
              const auto in_plane = [&](const unsigned int d, const double x) {
                return std::all_of(v.begin(), v.end(), [&](const Point<3> &q) {
                  return std::abs(q[d] - x) <= plane_tolerance;
                });
              };
              types::boundary_id id = numbers::invalid_boundary_id;
              if (domain.enclosure_shape == EnclosureShape::box)
                {
                  const types::boundary_id lateral =
                    domain.periodic            ? stream_boundary::periodic :
                    domain.lateral_guard_walls ? stream_boundary::guard_wall :
                                                 stream_boundary::enclosure;
                  // A face of a sphere cut by a lateral face may have its
                  // three vertices on the circle of the cut, in the plane;
                  // it spans the hole, so its centre is inside the sphere.
                  const auto inside_a_sphere = [&](const Point<3> &q) {
                    return std::any_of(cut_spheres.begin(), cut_spheres.end(),
                                       [&](const Particle &sphere) {
                                         return q.distance(sphere.center) <
                                                (1 - 1e-6) * sphere.radius;
                                       });
                  };
                  if (in_plane(2, box.first[2]))
                    id = stream_boundary::anode;
                  else if (in_plane(2, box.second[2]))
                    id = stream_boundary::enclosure;
                  else if ((in_plane(0, box.first[0]) || in_plane(0, box.second[0]) ||
                            in_plane(1, box.first[1]) || in_plane(1, box.second[1])) &&
                           !(domain.periodic && inside_a_sphere(face->center())))
                    id = lateral;
                }
              if (id == numbers::invalid_boundary_id)
                {
                  const unsigned int s = manifold.sphere_of_surface_point(v[0]);
                  if (s != numbers::invalid_unsigned_int &&
                      manifold.sphere_of_surface_point(v[1]) == s &&
                      manifold.sphere_of_surface_point(v[2]) == s)
                    {
                      if (s < cut_spheres.size())
                        {
                          id = stream_boundary::first_particle + particle_of[s];
                          ++faces_of_particle[particle_of[s]];
                        }
                      else
                        id = stream_boundary::enclosure;
                    }
                }
              if (id == numbers::invalid_boundary_id)
                throw SolverError("a boundary face of the stream mesh at " +
                                  point(face->center()) +
                                  " lies on no particle, anode or enclosure");
              face->set_boundary_id(id);
            }
      for (unsigned int i = 0; i < particles.size(); ++i)
        if (faces_of_particle[i] < 4)
          throw SolverError("particle " + std::to_string(i) +
                            " has no surface in the stream mesh");

      // Manifold id 0 everywhere (deal.II 9.4's MappingFE asks the cell's
      // manifold for all points of a cell, edges included). The manifold
      // projects the midpoint of any edge whose vertices are on one sphere;
      // right for the surface edges, wrong for an interior edge between
      // two vertices of one sphere, a chord through the domain (the slivers
      // removed above had them: 3159 of the 138k cells of the 385-particle
      // stream then had negative Jacobians under a quadratic mapping).
      // Such edges are declared to the manifold as interior chords.
      for (const auto &cell : serial.active_cell_iterators())
        for (const auto &face : cell->face_iterators())
          if (face->at_boundary())
            for (unsigned int l = 0; l < face->n_lines(); ++l)
              face->line(l)->set_user_flag();
      for (const auto &cell : serial.active_cell_iterators())
        for (unsigned int l = 0; l < cell->n_lines(); ++l)
          {
            const auto line = cell->line(l);
            if (line->user_flag_set())
              continue;
            const unsigned int s = manifold.sphere_of_surface_point(line->vertex(0));
            if (s != numbers::invalid_unsigned_int &&
                manifold.sphere_of_surface_point(line->vertex(1)) == s)
              {
                manifold.add_interior_chord(line->vertex(0), line->vertex(1));
                line->set_user_flag(); // once
              }
          }
      serial.clear_user_flags();
      flatten_folding_cells(serial, manifold);
      if (domain.periodic)
        straighten_translates_of_chords(serial, manifold, box);
      serial.set_all_manifold_ids(0);
      serial.set_manifold(0, manifold);
      distribute_triangulation(serial, triangulation);
    }


    // ------------------------------------------------------------ 2D slab

    void
    make_slab_section(Triangulation<2> &triangulation,
                      const double      half_width,
                      const double      height,
                      const double      slab_half_width,
                      const double      slab_bottom,
                      const double      slab_top,
                      const double      max_cell_size)
    {
      require(positive_finite(half_width) && positive_finite(height),
              "slab section half width and height must be positive");
      require(positive_finite(slab_half_width) && slab_half_width <= half_width,
              "slab half width must be positive and at most the section half width");
      require(std::isfinite(slab_bottom) && std::isfinite(slab_top) &&
                0 <= slab_bottom && slab_bottom < slab_top && slab_top <= height,
              "slab bottom and top must satisfy 0 <= bottom < top <= height");
      require(positive_finite(max_cell_size), "maximal cell size must be positive");

      // Grid lines through every breakpoint: equal steps inside each
      // interval, as many as the largest cell size demands.
      const auto steps = [&](const std::vector<double> &breakpoints) {
        std::vector<double> result;
        for (unsigned int i = 0; i + 1 < breakpoints.size(); ++i)
          {
            const double interval = breakpoints[i + 1] - breakpoints[i];
            if (interval <= 0)
              continue;
            const unsigned int n = std::max(
              1u,
              static_cast<unsigned int>(std::ceil(interval / max_cell_size * (1 - 1e-12))));
            result.insert(result.end(), n, interval / n);
          }
        return result;
      };
      Triangulation<2> quadrilaterals;
      GridGenerator::subdivided_hyper_rectangle(
        quadrilaterals,
        {steps({-half_width, -slab_half_width, slab_half_width, half_width}),
         steps({0., slab_bottom, slab_top, height})},
        Point<2>(-half_width, 0.),
        Point<2>(half_width, height));
      GridGenerator::convert_hypercube_to_simplex_mesh(quadrilaterals, triangulation);

      // Boundary ids and the slab's material id by geometry (independent of
      // what the conversion inherits).
      const double tolerance = 1e-9 * std::max(half_width, height);
      for (const auto &cell : triangulation.active_cell_iterators())
        {
          const Point<2> c = cell->center();
          cell->set_material_id(std::abs(c[0]) < slab_half_width &&
                                    c[1] > slab_bottom && c[1] < slab_top ?
                                  1 :
                                  0);
          for (const auto &face : cell->face_iterators())
            if (face->at_boundary())
              {
                const Point<2> f = face->center();
                if (std::abs(f[1]) < tolerance)
                  face->set_boundary_id(stream_boundary::anode);
                else if (std::abs(f[1] - height) < tolerance)
                  face->set_boundary_id(stream_boundary::enclosure);
                else
                  face->set_boundary_id(stream_boundary::guard_wall);
              }
        }
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
      const auto description =
        TriangulationDescription::Utilities::create_description_from_triangulation(
          serial_triangulation, comm);
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

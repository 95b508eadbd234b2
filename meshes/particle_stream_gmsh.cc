// The gmsh model of a particle stream and its tetrahedra: the vacuum is the
// enclosure (a box on the anode, a sphere, or a periodic cell) minus the
// particle spheres; the mesh size grows away from the particle surfaces and
// drops in the narrow gaps between conductors (doc/theory.md section 2).
#include "common/errors.h" // SolverError
#include "meshes/particle_stream.h"
#include "meshes/particle_stream_internal.h"

#include <gmsh.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
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
                  Point<3>(domain.cell.high[0],
                           domain.cell.high[1],
                           high[2] + s)};
        return {Point<3>(low[0] - s, low[1] - s, 0.),
                Point<3>(high[0] + s, high[1] + s, high[2] + s)};
      }


      std::vector<Particle>
      meshed_spheres(const StreamDomain        &domain,
                     std::vector<unsigned int> &particle_of)
      {
        if (domain.periodic)
          return periodic_spheres(domain.particles, domain.cell, particle_of);
        particle_of.resize(domain.particles.size());
        std::iota(particle_of.begin(), particle_of.end(), 0u);
        return domain.particles;
      }


      GmshSession::GmshSession()
      {
        gmsh::initialize(0, nullptr, /*readConfigFiles=*/false);
        gmsh::option::setNumber("General.Terminal", 0);
        // Errors and warnings only: they are what getLastError() reports.
        gmsh::option::setNumber("General.Verbosity", 2);
      }


      GmshSession::~GmshSession()
      {
        gmsh::finalize();
      }
    } // namespace stream_internal


    namespace
    {
      using namespace stream_internal;

      // ------------------------------------------------------ geometry

      /// Smallest and largest sphere radius: the surface size scales with
      /// the one, the far size (and gmsh's model unit) with the other.
      std::pair<double, double>
      extreme_radii(const std::vector<Particle> &particles)
      {
        const auto [smallest, largest] =
          std::minmax_element(particles.begin(),
                              particles.end(),
                              [](const Particle &a, const Particle &b) {
                                return a.radius < b.radius;
                              });
        return {smallest->radius, largest->radius};
      }


      /// The vacuum = enclosure minus all spheres, one OpenCASCADE boolean
      /// cut (model units: lengths divided by @p scale); one volume.
      gmsh::vectorpair
      cut_spheres_from_enclosure(const StreamDomain          &domain,
                                 const std::vector<Particle> &particles,
                                 const double                 scale)
      {
        gmsh::vectorpair spheres;
        spheres.reserve(particles.size());
        // OpenCASCADE spheres have their poles (where the surface mesher
        // makes its worst triangles) on the z axis, i.e. right at the
        // contact with the anode and over it: tilt them sideways.
        for (const Particle &particle : particles)
          {
            const Point<3> c(particle.center / scale);
            spheres.emplace_back(3,
                                 gmsh::model::occ::addSphere(
                                   c[0], c[1], c[2], particle.radius / scale));
            gmsh::model::occ::rotate(
              {spheres.back()}, c[0], c[1], c[2], 1, 0.3, 0, 1.3);
          }
        int enclosure;
        if (domain.enclosure_shape == EnclosureShape::box)
          {
            const auto box = enclosure_box(domain);
            enclosure =
              gmsh::model::occ::addBox(box.first[0] / scale,
                                       box.first[1] / scale,
                                       box.first[2] / scale,
                                       (box.second[0] - box.first[0]) / scale,
                                       (box.second[1] - box.first[1]) / scale,
                                       (box.second[2] - box.first[2]) / scale);
          }
        else
          enclosure =
            gmsh::model::occ::addSphere(0, 0, 0, domain.enclosure_size / scale);

        gmsh::vectorpair              vacuum;
        std::vector<gmsh::vectorpair> origin;
        gmsh::model::occ::cut({{3, enclosure}}, spheres, vacuum, origin);
        gmsh::model::occ::synchronize();
        if (vacuum.size() != 1 || vacuum[0].first != 3)
          throw SolverError(
            "the boolean cut of the particles from the enclosure "
            "gave " +
            std::to_string(vacuum.size()) + " entities instead of one volume");
        return vacuum;
      }


      /// gmsh: mesh the lateral faces of the periodic cell (model units)
      /// as translates of each other, x_high from x_low and y_high from
      /// y_low (the vertical edges and corners follow, each from one
      /// master), so that every node of a slave face has a node at the
      /// translated point of its master face.
      void
      set_periodic_faces(const std::pair<Point<3>, Point<3>> &box,
                         const double                         scale)
      {
        const double eps      = 1e-6 * box.first.distance(box.second) / scale;
        const auto   faces_at = [&](const unsigned int d, const double x) {
          Point<3> low = box.first / scale, high = box.second / scale;
          low[d] = high[d] = x / scale;
          gmsh::vectorpair surfaces;
          gmsh::model::getEntitiesInBoundingBox(low[0] - eps,
                                                low[1] - eps,
                                                low[2] - eps,
                                                high[0] + eps,
                                                high[1] + eps,
                                                high[2] + eps,
                                                surfaces,
                                                2);
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
              throw SolverError(
                "the periodic cell's faces at " +
                std::string(d == 0 ? "x" : "y") + " = " + length(box.first[d]) +
                " and " + length(box.second[d]) + " are " +
                std::to_string(master.size()) + " and " +
                std::to_string(slave.size()) + " surfaces instead of one each");
            // Affine map master -> slave, row-major 4 x 4.
            std::vector<double> translation = {
              1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
            translation[4 * d + 3] = (box.second[d] - box.first[d]) / scale;
            gmsh::model::mesh::setPeriodic(2, slave, master, translation);
          }
      }


      /// Particle surfaces: every curved face of the vacuum's boundary that
      /// is not the enclosure sphere (recognised by a point of it lying at
      /// the enclosure radius). The size field is graded from them.
      std::vector<double>
      particle_surfaces(const StreamDomain     &domain,
                        const gmsh::vectorpair &vacuum,
                        const double            scale,
                        const std::size_t       n_spheres)
      {
        gmsh::vectorpair boundary;
        gmsh::model::getBoundary(vacuum, boundary, false, false, false);
        std::vector<double> surfaces;
        for (const auto &[dim, tag] : boundary)
          {
            std::string type;
            gmsh::model::getType(dim, std::abs(tag), type);
            if (type == "Plane")
              continue;
            if (domain.enclosure_shape == EnclosureShape::sphere)
              {
                std::vector<double> low, high, xyz;
                gmsh::model::getParametrizationBounds(dim,
                                                      std::abs(tag),
                                                      low,
                                                      high);
                gmsh::model::getValue(dim,
                                      std::abs(tag),
                                      {(low[0] + high[0]) / 2,
                                       (low[1] + high[1]) / 2},
                                      xyz);
                const double radius = std::sqrt(
                  xyz[0] * xyz[0] + xyz[1] * xyz[1] + xyz[2] * xyz[2]);
                if (std::abs(radius * scale - domain.enclosure_size) <
                    1e-6 * domain.enclosure_size)
                  continue;
              }
            surfaces.push_back(std::abs(tag));
          }
        if (surfaces.size() < n_spheres)
          throw SolverError("gmsh found " + std::to_string(surfaces.size()) +
                            " particle surfaces for " +
                            std::to_string(n_spheres) + " particles");
        return surfaces;
      }


      // --------------------------------------------------- narrow gaps

      // Narrow gaps. On a flat facet of size h the sphere lies up to the
      // sagitta h^2 / (8 r) outside; where that is not small against the
      // local gap s to the neighbour (particle, anode, wall or enclosure)
      // the faceted gap is much wider than the true one, and the quadratic
      // mapping, which bends the facets back onto the sphere, folds the
      // cells across the gap (with 1.25 um facets, 2434 folded cells in
      // the 0.1 um gaps of the 385-particle stream). So near each contact
      // the size is at most sqrt(2 r s) (sagitta s / 4): sqrt(2 r g) at the
      // contact point (gap g), and since s grows about like g + rho^2 / r at
      // a distance rho from it, growing from there with slope 0.7
      // (conservative for spheres and a sphere over a plane). (Sagitta
      // s / 8 left fewer cells to straighten in make_stream_mesh(), 518
      // instead of 2978 edges, for 25 % more cells and 40 % more meshing
      // time.) A particle in a sphere not much larger (R < 2 r: the gap
      // widens too slowly for that slope, up to the concentric shell) gets
      // the contact size on its whole surface.

      /// The usual growth of the size away from a contact point.
      constexpr double contact_slope = 0.7;

      /// A point where the size must be small, and how fast it may grow
      /// away from it.
      struct Contact
      {
        Point<3> point;                 // model units
        double   size;                  // model units
        double   slope = contact_slope; // growth of the size with the distance
      };

      /// The contact points of the narrow gaps, and the size on the
      /// particle surfaces (the surface size, or less for a particle in a
      /// sphere not much larger). Sizes below the surface size only are
      /// recorded: elsewhere the surface size rules anyway.
      struct NarrowGaps
      {
        NarrowGaps(const double size_min, const double scale)
          : size_min(size_min)
          , scale(scale)
          , surface_size(size_min)
        {}

        /// sqrt(2 r g), model units: the sagitta limit in a gap g.
        double
        contact_size(const double gap, const double radius) const
        {
          return std::sqrt(2 * radius * gap) / scale;
        }

        /// The sagitta limit at @p point (SI), the middle of a gap.
        void
        add_contact(const Point<3> &point,
                    const double    gap,
                    const double    radius)
        {
          const double size = contact_size(gap, radius);
          if (size < size_min)
            contacts.push_back({Point<3>(point / scale), size});
        }

        /// The gap g between two conductors, from point @p from on one to
        /// point @p to on the other (g apart, SI): the surface field peaks
        /// at the ends and varies there over a distance ~ g along the
        /// surface, so the size along the gap's axis is at most g / n (n
        /// elements across the gap), at both ends and the middle (g / 2
        /// apart: with DistMin = the size the whole axis gets it), and
        /// never above the sagitta limit sqrt(2 r g).
        void
        add_gap_axis(const Point<3> &from,
                     const Point<3> &to,
                     const double    gap,
                     const double    radius,
                     const double    elements_across,
                     const double    slope)
        {
          if (!(elements_across > 0))
            return;
          const double size =
            std::min(gap / elements_across, std::sqrt(2 * radius * gap)) /
            scale;
          if (size >= size_min)
            return;
          for (const Point<3> &point : {from, Point<3>(0.5 * (from + to)), to})
            contacts.push_back({Point<3>(point / scale), size, slope});
        }

        const double         size_min; // model units
        const double         scale;    // m per model unit
        double               surface_size;
        std::vector<Contact> contacts;
      };


      /// Between two spheres the gap widens away from the axis to
      /// s(rho) ~ g + rho^2 / r at a distance rho. The size g / n + k rho
      /// stays below s(rho) / 2 for every rho if
      /// g (1/2 - 1/n) + rho^2 / (2 r) - k rho >= 0, i.e. if
      /// k^2 <= g (1 - 2/n) / r: a narrow gap grows more slowly than the
      /// usual slope 0.7, which holds from g ~ r on (n <= 2 leaves no
      /// room: the slope stays 0.7). The charge (an energy) feels the
      /// whole widening zone, the peak field the axis.
      double
      particle_gap_slope(const double gap, const double radius, const double n)
      {
        return n <= 2 ?
                 contact_slope :
                 std::min(contact_slope, std::sqrt(gap * (1 - 2 / n) / radius));
      }


      /// Particle-particle gaps: the sagitta limit at the middle, and at
      /// most gap / Elements across particle gap along the line of centres.
      void
      add_particle_gaps(NarrowGaps                  &gaps,
                        const std::vector<Particle> &particles,
                        const StreamMeshSizes       &sizes,
                        const double                 r_min)
      {
        const double largest_sized_gap =
          std::max(std::pow(gaps.size_min * gaps.scale, 2) / (2 * r_min),
                   sizes.elements_across_particle_gap * gaps.size_min *
                     gaps.scale);
        for_each_close_pair(
          particles,
          largest_sized_gap,
          [&](const unsigned int i, const unsigned int j, const double gap) {
            const Particle    &a = particles[i], &b = particles[j];
            const Tensor<1, 3> axis =
              (b.center - a.center) / b.center.distance(a.center);
            const double radius = std::min(a.radius, b.radius);
            gaps.add_contact(a.center + (a.radius + gap / 2) * axis,
                             gap,
                             radius);
            gaps.add_gap_axis(
              a.center + a.radius * axis,
              b.center - b.radius * axis,
              gap,
              radius,
              sizes.elements_across_particle_gap,
              particle_gap_slope(gap,
                                 radius,
                                 sizes.elements_across_particle_gap));
          });
      }


      /// Gaps between each particle and the enclosure: in a box the walls
      /// (a periodic cell has no lateral walls: its lateral neighbours are
      /// the periodic images, among the spheres) and the anode gap under
      /// the particle, from its lowest point down to the anode, where the
      /// surface field peaks; in a sphere the gap to the sphere.
      void
      add_enclosure_gaps(NarrowGaps                  &gaps,
                         const StreamDomain          &domain,
                         const std::vector<Particle> &particles,
                         const StreamMeshSizes       &sizes)
      {
        const auto box = enclosure_box(domain);
        for (const Particle &particle : particles)
          {
            const Point<3> &c = particle.center;
            const double    r = particle.radius;
            if (domain.enclosure_shape == EnclosureShape::box)
              {
                for (unsigned int d = domain.periodic ? 2 : 0; d < 3; ++d)
                  for (const double wall : {box.first[d], box.second[d]})
                    {
                      Point<3> contact = c;
                      contact[d] = (wall + c[d] + (wall > c[d] ? r : -r)) / 2;
                      gaps.add_contact(contact, std::abs(c[d] - wall) - r, r);
                    }
                Point<3> lowest = c, foot = c;
                lowest[2] -= r;
                foot[2] = 0;
                gaps.add_gap_axis(lowest,
                                  foot,
                                  lowest[2],
                                  r,
                                  sizes.elements_across_anode_gap,
                                  contact_slope);
              }
            else
              {
                const double R   = domain.enclosure_size;
                const double gap = R - c.norm() - r;
                if (R < 2 * r || c.norm() == 0)
                  gaps.surface_size =
                    std::min(gaps.surface_size, gaps.contact_size(gap, r));
                else
                  gaps.add_contact(c + (r + gap / 2) / c.norm() * c, gap, r);
              }
          }
      }


      /// The plane x = @p split_x that cuts the vacuum in two is a wall to
      /// the tetrahedra of either half: its gaps to the spheres are
      /// refined as the walls' are.
      void
      add_split_plane_gaps(NarrowGaps                  &gaps,
                           const std::vector<Particle> &particles,
                           const double                 split_x)
      {
        for (const Particle &particle : particles)
          {
            const double side    = particle.center[0] < split_x ? 1 : -1;
            Point<3>     contact = particle.center;
            contact[0] =
              (split_x + particle.center[0] + side * particle.radius) / 2;
            gaps.add_contact(contact,
                             std::abs(particle.center[0] - split_x) -
                               particle.radius,
                             particle.radius);
          }
      }


      // --------------------------------------------------- size fields

      // Size field: the surface size on (and just off) the particle
      // surfaces, growing linearly with the distance to the nearest
      // particle surface up to far_size * r_max; the contact refinement
      // in classes of sizes a factor 1.25 apart, one distance field on
      // points each; the minimum of all. The distance fields sample
      // surfaces at points; DistMin of one surface element absorbs the
      // sampling error. Nothing else may set sizes: not the geometry
      // points, not the curvature, not the boundary (whose sizes would
      // leak inwards).

      /// Threshold field of the distance to the particle surfaces: the
      /// surface size up to one surface element off them, growing to
      /// @p size_max over @p growth_distance (model units).
      int
      surface_size_field(const std::vector<double> &surfaces,
                         const double               surface_size,
                         const double               size_max,
                         const double               growth_distance)
      {
        const int distance = gmsh::model::mesh::field::add("Distance");
        gmsh::model::mesh::field::setNumbers(distance,
                                             "SurfacesList",
                                             surfaces);
        const int threshold = gmsh::model::mesh::field::add("Threshold");
        gmsh::model::mesh::field::setNumber(threshold, "InField", distance);
        gmsh::model::mesh::field::setNumber(threshold, "SizeMin", surface_size);
        gmsh::model::mesh::field::setNumber(threshold, "SizeMax", size_max);
        gmsh::model::mesh::field::setNumber(threshold, "DistMin", surface_size);
        gmsh::model::mesh::field::setNumber(
          threshold, "DistMax", std::max(growth_distance, 2 * surface_size));
        return threshold;
      }


      /// One threshold field per class of contacts: a geometric point at
      /// each contact (gmsh's distance fields measure from model points),
      /// the classes' sizes (and slopes) a factor 1.25 apart, rounded down,
      /// so that few fields serve any number of contacts.
      std::vector<double>
      contact_size_fields(const NarrowGaps &gaps, const double size_max)
      {
        constexpr double class_ratio  = 1.25;
        const double     surface_size = gaps.surface_size;
        // (size class, slope class) -> point tags; the slope classes are
        // slope / class_ratio^j, rounded down.
        const auto class_of = [&](const double ratio) {
          return static_cast<int>(
            std::ceil(std::log(ratio) / std::log(class_ratio) - 1e-9));
        };
        std::map<std::pair<int, int>, std::vector<double>> class_points;
        for (const Contact &contact : gaps.contacts)
          if (contact.size < surface_size)
            class_points[{class_of(surface_size / contact.size),
                          class_of(contact_slope / contact.slope)}]
              .push_back(gmsh::model::occ::addPoint(contact.point[0],
                                                    contact.point[1],
                                                    contact.point[2]));
        if (!class_points.empty())
          gmsh::model::occ::synchronize();

        std::vector<double> fields;
        for (const auto &[classes, points] : class_points)
          {
            const double size =
              surface_size / std::pow(class_ratio, classes.first);
            const double growth =
              contact_slope / std::pow(class_ratio, classes.second);
            const int point_distance =
              gmsh::model::mesh::field::add("Distance");
            gmsh::model::mesh::field::setNumbers(point_distance,
                                                 "PointsList",
                                                 points);
            const int point_threshold =
              gmsh::model::mesh::field::add("Threshold");
            gmsh::model::mesh::field::setNumber(point_threshold,
                                                "InField",
                                                point_distance);
            gmsh::model::mesh::field::setNumber(point_threshold,
                                                "SizeMin",
                                                size);
            gmsh::model::mesh::field::setNumber(point_threshold,
                                                "SizeMax",
                                                size_max);
            gmsh::model::mesh::field::setNumber(point_threshold,
                                                "DistMin",
                                                size);
            gmsh::model::mesh::field::setNumber(
              point_threshold, "DistMax", size + (size_max - size) / growth);
            fields.push_back(point_threshold);
          }
        return fields;
      }


      /// The background size: the minimum of @p fields (their first alone
      /// if it is the only one), and no other source of sizes.
      void
      set_background_size(const std::vector<double> &fields)
      {
        if (fields.size() == 1)
          gmsh::model::mesh::field::setAsBackgroundMesh(
            static_cast<int>(fields[0]));
        else
          {
            const int minimum = gmsh::model::mesh::field::add("Min");
            gmsh::model::mesh::field::setNumbers(minimum, "FieldsList", fields);
            gmsh::model::mesh::field::setAsBackgroundMesh(minimum);
          }
        gmsh::option::setNumber("Mesh.MeshSizeExtendFromBoundary", 0);
        gmsh::option::setNumber("Mesh.MeshSizeFromPoints", 0);
        gmsh::option::setNumber("Mesh.MeshSizeFromCurvature", 0);
      }
    } // namespace


    namespace stream_internal
    {
      void
      set_mesh_algorithms()
      {
        gmsh::option::setNumber("Mesh.Algorithm", 6);   // Frontal-Delaunay 2D
        gmsh::option::setNumber("Mesh.Algorithm3D", 1); // Delaunay
        gmsh::option::setNumber("Mesh.Optimize", 1);
        gmsh::option::setNumber("Mesh.ElementOrder", 1);
      }


      /// Node tags need not be contiguous.
      RawMesh
      extract_tetrahedra(const double                scale,
                         std::vector<std::uint64_t> *node_tags_out)
      {
        RawMesh                  mesh;
        std::vector<std::size_t> node_tags;
        std::vector<double>      node_coordinates, parametric;
        gmsh::model::mesh::getNodes(node_tags,
                                    node_coordinates,
                                    parametric,
                                    -1,
                                    -1,
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

        const std::size_t max_tag =
          *std::max_element(node_tags.begin(), node_tags.end());
        std::vector<std::size_t> position(max_tag + 1, std::size_t(-1));
        for (std::size_t i = 0; i < node_tags.size(); ++i)
          position[node_tags[i]] = i;
        std::vector<unsigned int> index(node_tags.size(),
                                        numbers::invalid_unsigned_int);
        mesh.tetrahedra.reserve(tet_nodes.size());
        for (const std::size_t tag : tet_nodes)
          {
            if (tag > max_tag || position[tag] == std::size_t(-1))
              throw SolverError(
                "gmsh returned a tetrahedron with an unknown node");
            const std::size_t i = position[tag];
            if (index[i] == numbers::invalid_unsigned_int)
              {
                index[i] = mesh.coordinates.size() / 3;
                for (unsigned int d = 0; d < 3; ++d)
                  mesh.coordinates.push_back(node_coordinates[3 * i + d] *
                                             scale);
                if (node_tags_out != nullptr)
                  node_tags_out->push_back(tag);
              }
            mesh.tetrahedra.push_back(index[i]);
          }
        return mesh;
      }


      /// Coordinates inside gmsh are in units of the largest radius:
      /// OpenCASCADE's geometric tolerance is absolute (1e-7 model units),
      /// i.e. 4 % of a 2.5 um particle if we worked in metres.
      double
      build_gmsh_model(const StreamDomain          &domain,
                       const StreamMeshSizes       &sizes,
                       const std::optional<double> &split_x,
                       DimTags                     &volumes)
      {
        std::vector<unsigned int>   particle_of;
        const std::vector<Particle> particles =
          meshed_spheres(domain, particle_of);
        const auto [r_min, r_max] = extreme_radii(particles);
        const double scale        = r_max; // one model unit

        gmsh::model::add("particle_stream");
        volumes = cut_spheres_from_enclosure(domain, particles, scale);
        if (split_x)
          volumes =
            split_vacuum(volumes, enclosure_box(domain), *split_x, scale);
        if (domain.periodic)
          set_periodic_faces(enclosure_box(domain), scale);
        const std::vector<double> surfaces =
          particle_surfaces(domain, volumes, scale, particles.size());

        const double size_min = sizes.surface_size * r_min / scale;
        const double size_max =
          std::max(size_min, sizes.far_size * r_max / scale);
        NarrowGaps gaps(size_min, scale);
        add_particle_gaps(gaps, particles, sizes, r_min);
        add_enclosure_gaps(gaps, domain, particles, sizes);
        if (split_x)
          add_split_plane_gaps(gaps, particles, *split_x);

        std::vector<double> fields = {
          double(surface_size_field(surfaces,
                                    gaps.surface_size,
                                    size_max,
                                    sizes.growth_distance * r_max / scale))};
        const std::vector<double> contact_fields =
          contact_size_fields(gaps, size_max);
        fields.insert(fields.end(),
                      contact_fields.begin(),
                      contact_fields.end());
        set_background_size(fields);
        return scale;
      }


      /// One volume: surface mesh, then the volume.
      RawMesh
      run_gmsh(const StreamDomain &domain, const StreamMeshSizes &sizes)
      {
        GmshSession  session;
        DimTags      vacuum;
        const double scale = build_gmsh_model(domain, sizes, {}, vacuum);
        set_mesh_algorithms();
        gmsh::model::mesh::generate(2);
        gmsh::model::mesh::generate(3);
        return extract_tetrahedra(scale);
      }
    } // namespace stream_internal
  }   // namespace meshes
} // namespace xray

// Unit tests of the particle-stream meshes (meshes/particle_stream.h):
// the gmsh tetrahedral mesh (boundary ids, curved surfaces under a
// quadratic mapping, narrow gaps), the periodic cell and the 2D slab
// section.
#include "input_error_assertion.h"
#include "meshes/particle_stream.h"
#include "stream_layouts.h"

#include <deal.II/base/mpi.h>
#include <deal.II/base/quadrature_lib.h>
#include <deal.II/base/table.h>
#include <deal.II/fe/fe_simplex_p.h>
#include <deal.II/fe/fe_values.h>
#include <deal.II/fe/mapping_fe.h>
#include <deal.II/grid/tria.h>
#include <deal.II/grid/tria_accessor.h>
#include <deal.II/grid/tria_iterator.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <limits>
#include <map>
#include <set>
#include <vector>

namespace
{
  using namespace dealii;
  using namespace xray::meshes;
  using xray_test::paper_layout;
  using xray_test::single_layer;
  using xray_test::throws_input_error_containing;

  // -------------------------------------------------------------- mesh

  struct MeshMeasures
  {
    std::map<types::boundary_id, double> area_quadratic, area_linear;
    double                               volume_quadratic       = 0;
    unsigned int                         non_positive_jacobians = 0;
    std::set<types::boundary_id>         ids;
  };

  MeshMeasures
  measure(const parallel::fullydistributed::Triangulation<3> &tria)
  {
    MeshMeasures           result;
    const FE_SimplexP<3>   fe(1);
    const MappingFE<3>     quadratic(FE_SimplexP<3>(2));
    const MappingFE<3>     linear(FE_SimplexP<3>(1));
    const QGaussSimplex<3> cell_quadrature(3);
    const QGaussSimplex<2> face_quadrature(3);
    FEValues<3> cell_values(quadratic, fe, cell_quadrature, update_JxW_values);
    FEFaceValues<3> face_quadratic(quadratic,
                                   fe,
                                   face_quadrature,
                                   update_JxW_values);
    FEFaceValues<3> face_linear(linear, fe, face_quadrature, update_JxW_values);
    for (const auto &cell : tria.active_cell_iterators())
      if (cell->is_locally_owned())
        {
          cell_values.reinit(cell);
          for (unsigned int q = 0; q < cell_quadrature.size(); ++q)
            {
              result.volume_quadratic += cell_values.JxW(q);
              result.non_positive_jacobians += (cell_values.JxW(q) <= 0);
            }
          for (const unsigned int f : cell->face_indices())
            if (cell->face(f)->at_boundary())
              {
                const types::boundary_id id = cell->face(f)->boundary_id();
                result.ids.insert(id);
                face_quadratic.reinit(cell, f);
                face_linear.reinit(cell, f);
                for (unsigned int q = 0; q < face_quadrature.size(); ++q)
                  {
                    result.area_quadratic[id] += face_quadratic.JxW(q);
                    result.area_linear[id] += face_linear.JxW(q);
                  }
              }
        }
    return result;
  }

  TEST(StreamMesh, ParticleInASphereHasCurvedSurfacesUnderAQuadraticMapping)
  {
    const double r = 1e-6, R = 3e-6;
    StreamDomain domain;
    domain.particles       = {{Point<3>(0.2e-6, -0.1e-6, 0.3e-6), r, 0}};
    domain.enclosure_shape = EnclosureShape::sphere;
    domain.enclosure_size  = R;
    StreamMeshSizes sizes;
    sizes.surface_size    = 0.4;
    sizes.far_size        = 0.6;
    sizes.growth_distance = 2.;
    parallel::fullydistributed::Triangulation<3> tria(MPI_COMM_WORLD);
    make_stream_mesh(tria, domain, sizes);
    ASSERT_GT(tria.n_global_active_cells(), 100u);

    const MeshMeasures m = measure(tria);
    EXPECT_EQ(m.ids,
              (std::set<types::boundary_id>{stream_boundary::enclosure,
                                            stream_boundary::first_particle}));
    EXPECT_EQ(m.non_positive_jacobians, 0u);
    const double sphere_area     = 4 * numbers::PI * r * r;
    const double quadratic_error = std::abs(
      m.area_quadratic.at(stream_boundary::first_particle) / sphere_area - 1);
    const double linear_error = std::abs(
      m.area_linear.at(stream_boundary::first_particle) / sphere_area - 1);
    EXPECT_LT(quadratic_error, 1e-3) << "linear mapping: " << linear_error;
    EXPECT_GT(linear_error, 10 * quadratic_error) << "the manifold is not used";
    EXPECT_NEAR(m.area_quadratic.at(stream_boundary::enclosure) /
                  (4 * numbers::PI * R * R),
                1,
                1e-3);
    const double volume = 4. / 3 * numbers::PI * (R * R * R - r * r * r);
    EXPECT_NEAR(m.volume_quadratic / volume, 1, 1e-4);
  }

  TEST(PeriodicCell, TwoParticlesPerLayerInsideACellOfTheLatticePeriods)
  {
    StreamLayout layout             = single_layer(PatchShape::periodic_cell);
    layout.lattice_pitch            = 11.18e-6;
    layout.n_layers                 = 5;
    layout.stream_thickness         = 20e-6;
    std::vector<Particle> particles = make_particle_stream(layout);
    ASSERT_EQ(particles.size(), 10u);
    const PeriodicCell cell =
      make_periodic_cell(particles, layout.lattice_pitch);
    EXPECT_NEAR(cell.high[0] - cell.low[0], 11.18e-6, 1e-18);
    EXPECT_NEAR(cell.high[1] - cell.low[1], 11.18e-6 * std::sqrt(3.), 1e-18);
    for (const Particle &particle : particles)
      for (unsigned int d = 0; d < 2; ++d)
        {
          EXPECT_GE(particle.center[d], cell.low[d]);
          EXPECT_LT(particle.center[d], cell.high[d]);
        }
    // Every layer repeats with the cell: the images of a layer's two
    // particles are its lattice, so the nearest neighbour of each is at
    // the pitch.
    std::vector<unsigned int> particle_of;
    const auto spheres = periodic_spheres(particles, cell, particle_of);
    EXPECT_GT(spheres.size(), particles.size()); // some are cut by a face
    for (unsigned int i = 0; i < particles.size(); ++i)
      for (int a = -1; a <= 1; ++a)
        for (int b = -1; b <= 1; ++b)
          for (unsigned int j = 0; j < particles.size(); ++j)
            if (particles[j].layer == particles[i].layer &&
                (i != j || a != 0 || b != 0))
              {
                Point<3> image = particles[j].center;
                image[0] += a * (cell.high[0] - cell.low[0]);
                image[1] += b * (cell.high[1] - cell.low[1]);
                EXPECT_GT(image.distance(particles[i].center),
                          11.18e-6 * (1 - 1e-12));
              }
  }

  TEST(PeriodicCell, MeshMatchesItsTranslatesAndCompletesTheCutParticles)
  {
    StreamLayout layout     = single_layer(PatchShape::periodic_cell);
    layout.lattice_pitch    = 11.18e-6;
    layout.n_layers         = 2;
    layout.stream_thickness = 10e-6;
    StreamDomain domain;
    domain.particles = make_particle_stream(layout);
    domain.periodic  = true;
    domain.cell = make_periodic_cell(domain.particles, layout.lattice_pitch);
    domain.enclosure_size = 10e-6;
    StreamMeshSizes sizes;
    sizes.surface_size    = 0.4;
    sizes.far_size        = 4;
    sizes.growth_distance = 4;
    parallel::fullydistributed::Triangulation<3> tria(MPI_COMM_WORLD);
    make_stream_mesh(tria, domain, sizes);

    // Boundary ids, curved cells, and every particle complete: its pieces
    // in the cell (the particle and its images) have one sphere's area.
    const MeshMeasures           m   = measure(tria);
    std::set<types::boundary_id> ids = {stream_boundary::anode,
                                        stream_boundary::enclosure,
                                        stream_boundary::periodic};
    for (unsigned int i = 0; i < domain.particles.size(); ++i)
      ids.insert(stream_boundary::first_particle + i);
    EXPECT_EQ(m.ids, ids);
    EXPECT_EQ(m.non_positive_jacobians, 0u);
    const double r = layout.particle_radius;
    for (unsigned int i = 0; i < domain.particles.size(); ++i)
      EXPECT_NEAR(m.area_quadratic.at(stream_boundary::first_particle + i) /
                    (4 * numbers::PI * r * r),
                  1,
                  1e-3)
        << "particle " << i;
    const Tensor<1, 2> period = domain.cell.high - domain.cell.low;
    double             top    = 0;
    for (const Particle &particle : domain.particles)
      top = std::max(top, particle.center[2] + r);
    const double volume =
      period[0] * period[1] * (top + domain.enclosure_size) -
      domain.particles.size() * 4. / 3 * numbers::PI * r * r * r;
    EXPECT_NEAR(m.volume_quadratic / volume, 1, 1e-4);

    // Node matching: every vertex and every (curved) edge midpoint of a
    // high lateral face has a translate on the low face, and vice versa.
    const double tolerance = 1e-9 * period[0];
    const auto   canonical = [&](Point<3> x) {
      for (unsigned int d = 0; d < 2; ++d)
        if (std::abs(x[d] - domain.cell.high[d]) < tolerance)
          x[d] = domain.cell.low[d];
      return x;
    };
    std::vector<Point<3>> high_points, low_points;
    for (const auto &cell : tria.active_cell_iterators())
      for (const unsigned int f : cell->face_indices())
        if (cell->face(f)->at_boundary() &&
            cell->face(f)->boundary_id() == stream_boundary::periodic)
          {
            const auto            face = cell->face(f);
            std::vector<Point<3>> points;
            for (unsigned int v = 0; v < face->n_vertices(); ++v)
              points.push_back(face->vertex(v));
            for (unsigned int l = 0; l < face->n_lines(); ++l)
              points.push_back(
                face->line(l)->center(/*respect_manifold=*/true));
            // A face on the x_high or y_high plane is a slave face.
            const Point<3> c = face->center();
            const bool     slave =
              std::abs(c[0] - domain.cell.high[0]) < tolerance ||
              std::abs(c[1] - domain.cell.high[1]) < tolerance;
            for (const Point<3> &x : points)
              (slave ? high_points : low_points).push_back(canonical(x));
          }
    ASSERT_FALSE(high_points.empty());
    const auto contains = [&](const std::vector<Point<3>> &set,
                              const Point<3>              &x) {
      return std::any_of(set.begin(), set.end(), [&](const Point<3> &y) {
        return x.distance(y) < tolerance;
      });
    };
    unsigned int unmatched = 0;
    for (const Point<3> &x : high_points)
      if (!contains(low_points, x))
        {
          ++unmatched;
          std::cout << "unmatched " << x << std::endl;
        }
    EXPECT_EQ(unmatched, 0u) << "of " << high_points.size();
  }

  TEST(StreamMesh, ParticlesOverAnAnodeGetTheirOwnBoundaryIds)
  {
    const double r = 1e-6;
    StreamDomain domain;
    domain.particles           = {{Point<3>(0, 0, 1.5 * r), r, 0},
                                  {Point<3>(2.5 * r, 0, 1.8 * r), r, 0},
                                  {Point<3>(1.2 * r, 2.2 * r, 1.3 * r), r, 0}};
    domain.enclosure_shape     = EnclosureShape::box;
    domain.enclosure_size      = 2 * r;
    domain.lateral_guard_walls = true;
    StreamMeshSizes sizes;
    sizes.surface_size    = 0.4;
    sizes.far_size        = 2.;
    sizes.growth_distance = 3.;
    parallel::fullydistributed::Triangulation<3> tria(MPI_COMM_WORLD);
    make_stream_mesh(tria, domain, sizes);

    const MeshMeasures m = measure(tria);
    EXPECT_EQ(m.ids,
              (std::set<types::boundary_id>{stream_boundary::anode,
                                            stream_boundary::enclosure,
                                            stream_boundary::guard_wall,
                                            stream_boundary::first_particle,
                                            stream_boundary::first_particle + 1,
                                            stream_boundary::first_particle +
                                              2}));
    EXPECT_EQ(m.non_positive_jacobians, 0u);

    // Box: bounding box of the particles plus 2 r, from the anode up.
    const double x0 = -r - 2 * r, x1 = 3.5 * r + 2 * r;
    const double y0 = -r - 2 * r, y1 = 3.2 * r + 2 * r;
    const double z1 = 2.8 * r + 2 * r;
    EXPECT_NEAR(m.area_quadratic.at(stream_boundary::anode) /
                  ((x1 - x0) * (y1 - y0)),
                1,
                1e-12);
    EXPECT_NEAR(m.area_quadratic.at(stream_boundary::enclosure) /
                  ((x1 - x0) * (y1 - y0)),
                1,
                1e-12);
    EXPECT_NEAR(m.area_quadratic.at(stream_boundary::guard_wall) /
                  (2 * (x1 - x0 + y1 - y0) * z1),
                1,
                1e-12);
    for (unsigned int i = 0; i < 3; ++i)
      {
        const auto   id          = stream_boundary::first_particle + i;
        const double sphere_area = 4 * numbers::PI * r * r;
        const double quadratic_error =
          std::abs(m.area_quadratic.at(id) / sphere_area - 1);
        const double linear_error =
          std::abs(m.area_linear.at(id) / sphere_area - 1);
        EXPECT_LT(quadratic_error, 1e-3) << "particle " << i;
        EXPECT_GT(linear_error, 10 * quadratic_error) << "particle " << i;
      }
    const double volume =
      (x1 - x0) * (y1 - y0) * z1 - 3 * 4. / 3 * numbers::PI * r * r * r;
    EXPECT_NEAR(m.volume_quadratic / volume, 1, 1e-4);

    // Reproducible: the same domain gives the same mesh.
    parallel::fullydistributed::Triangulation<3> again(MPI_COMM_WORLD);
    make_stream_mesh(again, domain, sizes);
    ASSERT_EQ(again.n_global_active_cells(), tria.n_global_active_cells());
    ASSERT_EQ(again.n_vertices(), tria.n_vertices());
    for (unsigned int v = 0; v < tria.n_vertices(); ++v)
      ASSERT_EQ(again.get_vertices()[v], tria.get_vertices()[v]);

    // Without guard walls the lateral walls are enclosure.
    domain.lateral_guard_walls = false;
    parallel::fullydistributed::Triangulation<3> plain(MPI_COMM_WORLD);
    make_stream_mesh(plain, domain, sizes);
    EXPECT_EQ(measure(plain).ids.count(stream_boundary::guard_wall), 0u);
  }

  TEST(StreamMesh, NarrowGapsAreRefinedAndDoNotFold)
  {
    // Two particles 0.04 r apart, both 0.05 r over the anode (the minimum
    // is 0.02 r): the surface facets near the contacts must be small
    // enough for the quadratic mapping to bend them onto the spheres
    // without folding the cells across the gaps.
    const double r = 1e-6;
    StreamDomain domain;
    domain.particles      = {{Point<3>(0, 0, 1.05 * r), r, 0},
                             {Point<3>(2.04 * r, 0, 1.05 * r), r, 0}};
    domain.enclosure_size = 1.5 * r;
    StreamMeshSizes sizes;
    sizes.surface_size    = 0.5;
    sizes.far_size        = 1.5;
    sizes.growth_distance = 3.;
    parallel::fullydistributed::Triangulation<3> tria(MPI_COMM_WORLD);
    make_stream_mesh(tria, domain, sizes);

    const MeshMeasures m = measure(tria);
    EXPECT_EQ(m.non_positive_jacobians, 0u);
    for (unsigned int i = 0; i < 2; ++i)
      EXPECT_NEAR(m.area_quadratic.at(stream_boundary::first_particle + i) /
                    (4 * numbers::PI * r * r),
                  1,
                  2e-3);
    // Box: particles' bounding box plus 1.5 r, from the anode up.
    const double x0 = -2.5 * r, x1 = 4.54 * r, y0 = -2.5 * r, y1 = 2.5 * r,
                 z1 = 3.55 * r;
    // (The quadratic surfaces at this size miss 0.1-0.3 % of a sphere's
    // volume; straight facets miss 6 %.)
    const double sphere_volume = 4. / 3 * numbers::PI * r * r * r;
    EXPECT_NEAR(m.volume_quadratic,
                (x1 - x0) * (y1 - y0) * z1 - 2 * sphere_volume,
                5e-3 * sphere_volume);

    // Edges of particle faces near the contacts: about sqrt(2 r g) =
    // 0.28 r (particles) and 0.32 r (anode), growing away from them; not
    // the surface size 0.5 r.
    const Point<3> contacts[2] = {Point<3>(r, 0, 1.05 * r),
                                  Point<3>(0, 0, 0.05 * r)};
    for (const Point<3> &contact : contacts)
      {
        double longest = 0;
        for (const auto &cell : tria.active_cell_iterators())
          for (const auto &face : cell->face_iterators())
            if (face->at_boundary() &&
                face->boundary_id() >= stream_boundary::first_particle &&
                face->center().distance(contact) < 0.15 * r)
              for (unsigned int l = 0; l < 3; ++l)
                longest = std::max(longest, face->line(l)->diameter());
        EXPECT_GT(longest, 0) << "no particle face at the contact";
        EXPECT_LT(longest, 0.4 * r);
      }
  }

  TEST(StreamMesh, AnodeGapIsResolved)
  {
    // One particle 0.3 r over the anode: the sagitta size sqrt(2 r g) =
    // 0.77 r is above the surface size 0.5 r, so only the anode-gap size
    // g / n (n = 6 elements across the gap by default) refines the
    // particle's lowest point; without it the faces there have the surface
    // size.
    const double r = 1e-6, gap = 0.3 * r;
    StreamDomain domain;
    domain.particles      = {{Point<3>(0, 0, r + gap), r, 0}};
    domain.enclosure_size = 1.5 * r;
    StreamMeshSizes sizes;
    sizes.surface_size    = 0.5;
    sizes.far_size        = 1.5;
    sizes.growth_distance = 3.;
    const Point<3> lowest(0, 0, gap);
    const auto longest_edge_at_lowest_point = [&](const StreamMeshSizes &s) {
      parallel::fullydistributed::Triangulation<3> tria(MPI_COMM_WORLD);
      make_stream_mesh(tria, domain, s);
      EXPECT_EQ(measure(tria).non_positive_jacobians, 0u);
      double longest = 0;
      for (const auto &cell : tria.active_cell_iterators())
        for (const auto &face : cell->face_iterators())
          if (face->at_boundary() &&
              face->boundary_id() == stream_boundary::first_particle &&
              face->center().distance(lowest) <
                gap / sizes.elements_across_anode_gap)
            for (unsigned int l = 0; l < 3; ++l)
              longest = std::max(longest, face->line(l)->diameter());
      return longest;
    };
    // Faces within one target size g / n of the lowest point: the field
    // there grows to g / n (1 + 0.7) at most (slope 0.7), and gmsh meets
    // a size field to within ~1.3 x on single edges.
    const double refined = longest_edge_at_lowest_point(sizes);
    EXPECT_GT(refined, 0) << "no particle face at the lowest point";
    EXPECT_LT(refined, 1.7 * 1.3 * gap / sizes.elements_across_anode_gap);
    const double across             = sizes.elements_across_anode_gap;
    sizes.elements_across_anode_gap = 0;
    const double unrefined          = longest_edge_at_lowest_point(sizes);
    std::cout << "longest edge at the lowest point: " << refined / r << " r ("
              << across << " elements across the gap), " << unrefined / r
              << " r (no gap size)" << std::endl;
    EXPECT_GT(unrefined, 0.3 * r);
  }

  TEST(StreamMesh, BadDomainThrowsInputError)
  {
    StreamDomain domain;
    domain.particles      = {{Point<3>(0, 0, 0.5e-6), 1e-6, 0}};
    domain.enclosure_size = 1e-6;
    parallel::fullydistributed::Triangulation<3> tria(MPI_COMM_WORLD);
    EXPECT_TRUE(throws_input_error_containing(
      [&] { make_stream_mesh(tria, domain, StreamMeshSizes()); }, {"anode"}));
    domain.particles[0].center[2] = 2e-6;
    StreamMeshSizes sizes;
    sizes.surface_size = 0;
    EXPECT_TRUE(throws_input_error_containing(
      [&] { make_stream_mesh(tria, domain, sizes); }, {"surface size"}));
  }

  // ---------------------------------------------------------- 2D slab

  TEST(SlabSection, GridLinesFollowTheSlabAndIdsTheWalls)
  {
    const double     half_width = 300e-6, height = 200e-6;
    const double     slab_half = 225e-6, bottom = 2.5e-6, top = 22.5e-6;
    const double     h = 10e-6;
    Triangulation<2> tria;
    make_slab_section(tria, half_width, height, slab_half, bottom, top, h);

    // Vertices on all the slab lines; every cell inside or outside the slab.
    bool on_left = false, on_right = false, on_bottom = false, on_top = false;
    for (const auto &v : tria.get_vertices())
      {
        on_left   = on_left || std::abs(v[0] + slab_half) < 1e-15;
        on_right  = on_right || std::abs(v[0] - slab_half) < 1e-15;
        on_bottom = on_bottom || std::abs(v[1] - bottom) < 1e-16;
        on_top    = on_top || std::abs(v[1] - top) < 1e-16;
      }
    EXPECT_TRUE(on_left && on_right && on_bottom && on_top);
    double                               slab_area = 0, area = 0;
    std::map<types::boundary_id, double> length;
    for (const auto &cell : tria.active_cell_iterators())
      {
        EXPECT_EQ(cell->reference_cell(), ReferenceCells::Triangle);
        EXPECT_LE(cell->diameter(), h * std::sqrt(2.) * (1 + 1e-12));
        area += cell->measure();
        if (cell->material_id() == 1)
          slab_area += cell->measure();
        for (const auto &face : cell->face_iterators())
          if (face->at_boundary())
            length[face->boundary_id()] += face->measure();
      }
    EXPECT_NEAR(area / (2 * half_width * height), 1, 1e-12);
    EXPECT_NEAR(slab_area / (2 * slab_half * (top - bottom)), 1, 1e-12);
    EXPECT_EQ(length.size(), 3u);
    EXPECT_NEAR(length[stream_boundary::anode], 2 * half_width, 1e-15);
    EXPECT_NEAR(length[stream_boundary::enclosure], 2 * half_width, 1e-15);
    EXPECT_NEAR(length[stream_boundary::guard_wall], 2 * height, 1e-15);

    // Distributed: same cells, same boundary.
    const unsigned int serial_cells = tria.n_active_cells();
    parallel::fullydistributed::Triangulation<2> distributed(MPI_COMM_WORLD);
    distribute_triangulation(tria, distributed);
    EXPECT_EQ(distributed.n_global_active_cells(), serial_cells);
    double anode_length = 0;
    for (const auto &cell : distributed.active_cell_iterators())
      if (cell->is_locally_owned())
        for (const auto &face : cell->face_iterators())
          if (face->at_boundary() &&
              face->boundary_id() == stream_boundary::anode)
            anode_length += face->measure();
    EXPECT_NEAR(anode_length, 2 * half_width, 1e-15);

    Triangulation<2> bad;
    EXPECT_TRUE(throws_input_error_containing(
      [&] {
        make_slab_section(bad, half_width, height, slab_half, top, bottom, h);
      },
      {"slab bottom"}));
    EXPECT_TRUE(throws_input_error_containing(
      [&] {
        make_slab_section(
          bad, half_width, height, 2 * half_width, bottom, top, h);
      },
      {"slab half width"}));
  }
} // namespace

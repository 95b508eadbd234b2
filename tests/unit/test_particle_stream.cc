// Unit tests of the particle-stream geometry and mesh (meshes/
// particle_stream.h): lattice and layer positions, input checks, the
// sphere-surface manifold, the gmsh tetrahedral mesh (boundary ids, curved
// surfaces under a quadratic mapping) and the 2D slab section.
#include "input_error_assertion.h"
#include "meshes/particle_stream.h"

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
  using xray_test::throws_input_error_containing;

  // The fully distributed triangulation needs MPI (one process here).
  void
  ensure_mpi()
  {
    static Utilities::MPI::MPI_InitFinalize mpi = [] {
      static int    argc           = 1;
      static char   name[]         = "unit_particle_stream";
      static char  *argv_storage[] = {name, nullptr};
      static char **argv           = argv_storage;
      return Utilities::MPI::MPI_InitFinalize(argc, argv, 1);
    }();
  }

  // ----------------------------------------------------------- helpers

  /// The scenario of doc/theory.md section 2: 5 um spheres, 7 x 11 per layer,
  /// 5 layers making a 20 um stream 2.5 um over the anode.
  StreamLayout
  paper_layout()
  {
    StreamLayout layout;
    layout.particle_radius   = 2.5e-6;
    layout.lattice_pitch     = 6e-6;
    layout.shape             = PatchShape::rows;
    layout.n_rows            = 7;
    layout.particles_per_row = 11;
    layout.n_layers          = 5;
    layout.stream_thickness  = 20e-6;
    layout.anode_gap         = 2.5e-6;
    return layout;
  }

  StreamLayout
  single_layer(const PatchShape shape)
  {
    StreamLayout layout     = paper_layout();
    layout.shape            = shape;
    layout.n_layers         = 1;
    layout.stream_thickness = 0;
    return layout;
  }

  std::vector<Particle>
  layer(const std::vector<Particle> &particles, const unsigned int l)
  {
    std::vector<Particle> result;
    for (const auto &p : particles)
      if (p.layer == l)
        result.push_back(p);
    return result;
  }

  double
  smallest_centre_distance(const std::vector<Particle> &a,
                           const std::vector<Particle> &b)
  {
    double d = std::numeric_limits<double>::infinity();
    for (const auto &p : a)
      for (const auto &q : b)
        if (&p != &q)
          d = std::min(d, p.center.distance(q.center));
    return d;
  }

  std::pair<double, double>
  z_range(const std::vector<Particle> &particles)
  {
    double low = std::numeric_limits<double>::infinity(), high = -low;
    for (const auto &p : particles)
      {
        low  = std::min(low, p.center[2] - p.radius);
        high = std::max(high, p.center[2] + p.radius);
      }
    return {low, high};
  }

  // --------------------------------------------------------- lattice

  TEST(ParticleLayout, RowsPatchIsAHexagonalLatticeOfPitchP)
  {
    const StreamLayout layout    = single_layer(PatchShape::rows);
    const auto         particles = make_particle_stream(layout);
    ASSERT_EQ(particles.size(), 77u);
    const double p = layout.lattice_pitch;

    // Every particle's nearest neighbours are one pitch away; an interior
    // particle has six of them (hexagonal), none closer.
    unsigned int n_six = 0;
    for (const auto &a : particles)
      {
        unsigned int n_neighbours = 0;
        for (const auto &b : particles)
          if (&a != &b)
            {
              const double d = a.center.distance(b.center);
              EXPECT_GT(d, p * (1 - 1e-12));
              if (d < p * (1 + 1e-12))
                ++n_neighbours;
            }
        EXPECT_LE(n_neighbours, 6u);
        n_six += (n_neighbours == 6);
        EXPECT_EQ(a.layer, 0u);
        EXPECT_DOUBLE_EQ(a.radius, layout.particle_radius);
        // One layer: lowest surface at the anode gap.
        EXPECT_NEAR(a.center[2],
                    layout.anode_gap + layout.particle_radius,
                    1e-18);
      }
    EXPECT_EQ(n_six, 5u * 9u); // rows 1..5, particles 1..9 of each row

    // Seven rows p sqrt(3)/2 apart, centred on y = 0; the patch centred
    // near x = 0 (within a quarter pitch).
    std::set<long> rows;
    double         x_sum = 0, y_sum = 0;
    for (const auto &a : particles)
      {
        rows.insert(std::lround(a.center[1] / (p * std::sqrt(3.) / 2)));
        x_sum += a.center[0];
        y_sum += a.center[1];
      }
    EXPECT_EQ(rows, (std::set<long>{-3, -2, -1, 0, 1, 2, 3}));
    EXPECT_LT(std::abs(x_sum / 77), p / 4);
    EXPECT_NEAR(y_sum / 77, 0, 1e-18);
  }

  TEST(ParticleLayout, HexagonPatchHasCentredHexagonalNumbers)
  {
    StreamLayout layout = single_layer(PatchShape::hexagon);
    for (const unsigned int rings : {0u, 1u, 2u, 5u})
      {
        layout.hexagon_rings = rings;
        const auto particles = make_particle_stream(layout);
        EXPECT_EQ(particles.size(), 1 + 3 * rings * (rings + 1));
        // Centred on the origin; the outermost ring's corners are
        // rings * p from the centre.
        double max_radius = 0;
        for (const auto &a : particles)
          max_radius =
            std::max(max_radius, std::hypot(a.center[0], a.center[1]));
        EXPECT_NEAR(max_radius, rings * layout.lattice_pitch, 1e-15);
        if (rings > 0)
          {
            EXPECT_NEAR(smallest_centre_distance(particles, particles),
                        layout.lattice_pitch,
                        1e-15);
          }
      }
    layout.hexagon_rings = 5;
    EXPECT_EQ(make_particle_stream(layout).size(), 91u);
  }

  TEST(ParticleLayout, FiveLayersFillTheStreamOnCloseGapsABC)
  {
    const StreamLayout layout    = paper_layout();
    const auto         particles = make_particle_stream(layout);
    ASSERT_EQ(particles.size(), 385u);
    const double r = layout.particle_radius, p = layout.lattice_pitch;

    // Lowest surface at the gap, highest at gap + thickness, layers evenly
    // spaced in between (no shift).
    const auto [low, high] = z_range(particles);
    EXPECT_NEAR(low, layout.anode_gap, 1e-18);
    EXPECT_NEAR(high, layout.anode_gap + layout.stream_thickness, 1e-18);
    const auto layer0 = layer(particles, 0);
    for (unsigned int l = 0; l < 5; ++l)
      {
        const auto this_layer = layer(particles, l);
        ASSERT_EQ(this_layer.size(), 77u);
        for (const auto &a : this_layer)
          EXPECT_NEAR(a.center[2], layout.anode_gap + r + l * 3.75e-6, 1e-18);
        // Same patch, shifted laterally to site A, B, C, A, B.
        for (unsigned int i = 0; i < 77; ++i)
          {
            EXPECT_NEAR(this_layer[i].center[0] - layer0[i].center[0],
                        (l % 3) * p / 2,
                        1e-18);
            EXPECT_NEAR(this_layer[i].center[1] - layer0[i].center[1],
                        (l % 3) * p / (2 * std::sqrt(3.)),
                        1e-18);
          }
      }
    // Sites B and C sit over the triangle centres of the layer below:
    // nearest centres p / sqrt(3) apart laterally, 3.75 um vertically.
    const double expected = std::hypot(p / std::sqrt(3.), 3.75e-6);
    EXPECT_NEAR(expected, 5.105e-6, 1e-9);
    for (unsigned int l = 0; l + 1 < 5; ++l)
      EXPECT_NEAR(smallest_centre_distance(layer(particles, l),
                                           layer(particles, l + 1)),
                  expected,
                  1e-15);
    // Within a layer the pitch.
    EXPECT_NEAR(smallest_centre_distance(layer0, layer0), p, 1e-15);
  }

  TEST(ParticleLayout, LayerShiftsAreSeededAndStayInsideTheStream)
  {
    StreamLayout layout          = paper_layout();
    layout.lattice_pitch         = 9e-6; // room for any shift
    layout.layer_shift_amplitude = 1e-6;
    layout.seed                  = 1;
    const auto first             = make_particle_stream(layout);
    const auto again             = make_particle_stream(layout);
    layout.seed                  = 2;
    const auto other             = make_particle_stream(layout);
    ASSERT_EQ(first.size(), 385u);
    ASSERT_EQ(other.size(), 385u);

    bool same = true, different = false;
    for (unsigned int i = 0; i < first.size(); ++i)
      {
        same      = same && first[i].center == again[i].center;
        different = different || first[i].center != other[i].center;
      }
    EXPECT_TRUE(same) << "same seed, same positions";
    EXPECT_TRUE(different) << "another seed, other positions";

    for (const auto *particles : {&first, &other})
      {
        const auto [low, high] = z_range(*particles);
        EXPECT_GE(low, layout.anode_gap * (1 - 1e-12));
        EXPECT_LE(high,
                  (layout.anode_gap + layout.stream_thickness) * (1 + 1e-12));
        for (const auto &a : *particles)
          EXPECT_LE(std::abs(a.center[2] -
                             (layout.anode_gap + 2.5e-6 + a.layer * 3.75e-6)),
                    layout.layer_shift_amplitude * (1 + 1e-12));
      }

    // The shift of layer 1 (not clamped) is a (2 u - 1) with u the second
    // number of mt19937(1) over 2^32: the same with every standard
    // library.
    const double u = 4282876139. / 4294967296.;
    EXPECT_NEAR(layer(first, 1)[0].center[2],
                layout.anode_gap + 2.5e-6 + 3.75e-6 + 1e-6 * (2 * u - 1),
                1e-18);
  }

  // ------------------------------------------------------ bad layouts

  TEST(ParticleLayout, BadInputsNameTheParameter)
  {
    const auto fails = [](const StreamLayout             &layout,
                          const std::vector<std::string> &fragments) {
      return throws_input_error_containing(
        [&] { make_particle_stream(layout); }, fragments);
    };
    StreamLayout layout;

    layout = paper_layout(), layout.particle_radius = 0;
    EXPECT_TRUE(fails(layout, {"radius"}));
    layout = paper_layout(), layout.particle_radius = std::nan("");
    EXPECT_TRUE(fails(layout, {"radius"}));
    layout = paper_layout(), layout.lattice_pitch = 5e-6; // touching
    EXPECT_TRUE(fails(layout, {"pitch"}));
    layout = paper_layout(), layout.n_layers = 0;
    EXPECT_TRUE(fails(layout, {"layers"}));
    layout = paper_layout(), layout.n_rows = 0;
    EXPECT_TRUE(fails(layout, {"rows"}));
    layout = single_layer(PatchShape::rows), layout.stream_thickness = 8e-6;
    EXPECT_TRUE(fails(layout, {"thickness"}));
    layout = paper_layout(), layout.stream_thickness = 4e-6;
    EXPECT_TRUE(fails(layout, {"thickness"}));
    layout = paper_layout(), layout.anode_gap = 0;
    EXPECT_TRUE(fails(layout, {"anode gap"}));
    layout = paper_layout(), layout.layer_shift_amplitude = -1e-7;
    EXPECT_TRUE(fails(layout, {"amplitude"}));

    // Layers too close: the sites B and C overlap the layer below.
    layout = paper_layout(), layout.stream_thickness = 10e-6;
    EXPECT_TRUE(fails(layout, {"particles", "overlap", "pitch", "thickness"}));
    // The paper's stream has 0.1 um between layers: a 0.2 um shift
    // (seed 1) makes layers 3 and 4 overlap.
    layout = paper_layout(), layout.layer_shift_amplitude = 0.2e-6;
    std::string message;
    EXPECT_TRUE(throws_input_error_containing(
      [&] { make_particle_stream(layout); }, {"layer 3", "layer 4"}, &message));
  }

  TEST(StreamDomain, CheckNamesTheOffendingParticle)
  {
    const auto fails = [](const StreamDomain             &domain,
                          const std::vector<std::string> &fragments) {
      return throws_input_error_containing([&] { check_domain(domain); },
                                           fragments);
    };
    const double r = 1e-6;
    StreamDomain good;
    good.particles      = {{Point<3>(0, 0, 2 * r), r, 0},
                           {Point<3>(3 * r, 0, 2 * r), r, 0}};
    good.enclosure_size = 5 * r;
    EXPECT_NO_THROW(check_domain(good));

    StreamDomain domain = good;
    domain.particles.clear();
    EXPECT_TRUE(fails(domain, {"no particles"}));
    domain = good, domain.particles[1].radius = -r;
    EXPECT_TRUE(fails(domain, {"particle 1", "radius"}));
    domain = good, domain.particles[1].center[0] = 2.01 * r; // gap 0.01 r
    EXPECT_TRUE(fails(domain, {"particles 0", "and 1", "too close"}));
    domain = good, domain.particles[1].center[0] = 1.5 * r;
    EXPECT_TRUE(fails(domain, {"particles 0", "and 1", "overlap"}));
    domain = good, domain.particles[1].center[2] = 0.5 * r;
    EXPECT_TRUE(fails(domain, {"particle 1", "anode", "gap <= 0"}));
    domain = good, domain.enclosure_size = 0;
    EXPECT_TRUE(fails(domain, {"enclosure size"}));
    domain = good, domain.enclosure_shape = EnclosureShape::sphere;
    EXPECT_NO_THROW(check_domain(domain));
    domain.enclosure_size = 4 * r; // particle 1 reaches to |c| + r = 4.5 r
    EXPECT_TRUE(fails(domain, {"particle 1", "enclosure"}));
  }

  // ---------------------------------------------------------- manifold

  TEST(SphereSurfaceManifold, ProjectsOnlyPointsOfOneSphere)
  {
    const Point<3>              c(1, 2, 3);
    const double                r = 0.5;
    const SphereSurfaceManifold manifold({{c, r}, {Point<3>(3, 2, 3), 0.5}});

    const Point<3> a = c + Point<3>(r, 0, 0);
    const Point<3> b = c + Point<3>(0, r * 0.6, r * 0.8);
    const Point<3> off(1.2, 2.1, 3.05);
    EXPECT_EQ(manifold.sphere_of_surface_point(a), 0u);
    EXPECT_EQ(manifold.sphere_of_surface_point(Point<3>(3.5, 2, 3)), 1u);
    EXPECT_EQ(manifold.sphere_of_surface_point(a + Point<3>(1e-6 * r, 0, 0)),
              numbers::invalid_unsigned_int);
    EXPECT_EQ(manifold.sphere_of_surface_point(off),
              numbers::invalid_unsigned_int);

    // Midpoint of an edge on the sphere: on the sphere, radially above
    // the chord midpoint.
    const std::vector<Point<3>> ab   = {a, b};
    const std::vector<double>   half = {0.5, 0.5};
    const Point<3>              m =
      manifold.get_new_point(make_array_view(ab), make_array_view(half));
    EXPECT_NEAR(m.distance(c), r, 1e-15);
    const Tensor<1, 3> chord = (a + b) / 2 - c;
    EXPECT_NEAR((m - c) * chord, r * chord.norm(), 1e-15);

    // One point off the sphere: plain average.
    const std::vector<Point<3>> a_off = {a, off};
    EXPECT_LT(manifold
                .get_new_point(make_array_view(a_off), make_array_view(half))
                .distance((a + off) / 2),
              1e-15);
    // Points on two different spheres: plain average.
    const std::vector<Point<3>> two = {a, Point<3>(2.5, 2, 3)};
    EXPECT_LT(manifold
                .get_new_point(make_array_view(two), make_array_view(half))
                .distance(Point<3>(2, 2, 3)),
              1e-15);
    // Zero weights do not count (MappingFE's edge rows of a cell).
    const std::vector<Point<3>> cell_vertices = {a, off, b, Point<3>()};
    const std::vector<double>   edge_row      = {0.5, 0, 0.5, 0};
    EXPECT_LT(manifold
                .get_new_point(make_array_view(cell_vertices),
                               make_array_view(edge_row))
                .distance(m),
              1e-15);

    // get_new_points: row by row the same.
    Table<2, double> weights(3, 4);
    const double     rows[3][4] = {{0.5, 0, 0.5, 0},
                                   {0.5, 0.5, 0, 0},
                                   {0.25, 0.25, 0.25, 0.25}};
    for (unsigned int q = 0; q < 3; ++q)
      for (unsigned int i = 0; i < 4; ++i)
        weights(q, i) = rows[q][i];
    std::vector<Point<3>> new_points(3);
    manifold.get_new_points(make_array_view(cell_vertices),
                            weights,
                            make_array_view(new_points));
    for (unsigned int q = 0; q < 3; ++q)
      EXPECT_LT(new_points[q].distance(manifold.get_new_point(
                  make_array_view(cell_vertices),
                  make_array_view(std::vector<double>(rows[q], rows[q] + 4)))),
                1e-15);
    EXPECT_NEAR(new_points[0].distance(c), r, 1e-15);

    // clone() behaves the same.
    const auto copy = manifold.clone();
    EXPECT_LT(copy->get_new_point(make_array_view(ab), make_array_view(half))
                .distance(m),
              1e-15);

    // An interior chord (a mesh edge through the domain between two
    // points of the sphere) keeps its flat midpoint, in either order, in
    // rows of get_new_points and in clones; other edges still project.
    SphereSurfaceManifold with_chord({{c, r}});
    const Point<3>        d = c + Point<3>(0, -r, 0);
    with_chord.add_interior_chord(b, a);
    EXPECT_LT(with_chord
                .get_new_point(make_array_view(ab), make_array_view(half))
                .distance((a + b) / 2),
              1e-15);
    with_chord.get_new_points(make_array_view(cell_vertices),
                              weights,
                              make_array_view(new_points));
    EXPECT_LT(new_points[0].distance((a + b) / 2), 1e-15);
    const auto chord_copy = with_chord.clone();
    EXPECT_LT(chord_copy
                ->get_new_point(make_array_view(ab), make_array_view(half))
                .distance((a + b) / 2),
              1e-15);
    const std::vector<Point<3>> ad = {a, d};
    EXPECT_NEAR(with_chord
                  .get_new_point(make_array_view(ad), make_array_view(half))
                  .distance(c),
                r,
                1e-15);
  }

  TEST(SphereSurfaceManifold, FindsSpheresAmongManyAndAnEnclosure)
  {
    // 6 x 6 x 3 small spheres and a large one around them: every sphere
    // is found from points on it (bins for the small, a list for the large).
    std::vector<SphereSurfaceManifold::Sphere> spheres;
    for (unsigned int i = 0; i < 6; ++i)
      for (unsigned int j = 0; j < 6; ++j)
        for (unsigned int k = 0; k < 3; ++k)
          spheres.push_back(
            {Point<3>(3e-6 * i, 3e-6 * j + 0.5e-6 * i, 2.5e-6 * k + 5e-6),
             1e-6 * (1 + 0.1 * ((i + j + k) % 3))});
    spheres.push_back({Point<3>(), 1e-4});
    const SphereSurfaceManifold manifold(spheres);
    for (unsigned int s = 0; s < spheres.size(); ++s)
      for (const Point<3> &direction :
           {Point<3>(1, 0, 0), Point<3>(0, -1, 0), Point<3>(0.48, 0.6, -0.64)})
        EXPECT_EQ(manifold.sphere_of_surface_point(
                    spheres[s].center + spheres[s].radius * direction),
                  s);
    EXPECT_EQ(manifold.sphere_of_surface_point(Point<3>(1e-3, 0, 0)),
              numbers::invalid_unsigned_int);
  }

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
    ensure_mpi();
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
    ensure_mpi();
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
    ensure_mpi();
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
    ensure_mpi();
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
    ensure_mpi();
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
    ensure_mpi();
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
    ensure_mpi();
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

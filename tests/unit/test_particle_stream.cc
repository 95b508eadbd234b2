// Unit tests of the particle-stream geometry (meshes/particle_stream.h):
// lattice and layer positions, input checks, the sphere-surface manifold
// the plane that cuts a large stream's vacuum in two, and each rank's
// share of the distributed mesh; the meshes are tested in
// test_stream_mesh.cc.
#include "common/errors.h"
#include "input_error_assertion.h"
#include "meshes/particle_stream.h"
#include "meshes/particle_stream_internal.h"
#include "stream_layouts.h"

#include <deal.II/base/array_view.h>
#include <deal.II/base/table.h>
#include <deal.II/grid/grid_generator.h>
#include <deal.II/grid/grid_tools.h>
#include <deal.II/grid/tria.h>
#include <deal.II/grid/tria_accessor.h>
#include <deal.II/grid/tria_description.h>
#include <deal.II/grid/tria_iterator.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace
{
  using namespace dealii;
  using namespace xray::meshes;
  using xray_test::paper_layout;
  using xray_test::single_layer;
  using xray_test::throws_input_error_containing;

  // ----------------------------------------------------------- helpers

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

  // ------------------------------------------------------- split plane

  /// The 385-particle study layout (params/hybrid-stream-field-limit-385.prm):
  /// 7 rows of 11 in 5 layers at the pitch 2 r sqrt(5), in a box.
  StreamDomain
  study_domain()
  {
    StreamLayout layout          = paper_layout();
    layout.lattice_pitch         = 11.18034e-6;
    layout.layer_shift_amplitude = 0.1e-6;
    StreamDomain domain;
    domain.particles      = make_particle_stream(layout);
    domain.enclosure_size = 50e-6;
    return domain;
  }

  TEST(SplitPlane, ClearsEverySphereAndHalvesTheStudyStream)
  {
    using xray::meshes::stream_internal::split_plane;
    const StreamDomain domain = study_domain();
    ASSERT_EQ(domain.particles.size(), 385u);
    const std::optional<double> x = split_plane(domain);
    ASSERT_TRUE(x.has_value());
    unsigned int below = 0;
    for (const Particle &p : domain.particles)
      {
        EXPECT_GE(std::abs(p.center[0] - *x),
                  (1 + xray::meshes::stream_internal::min_plane_clearance) *
                    p.radius);
        below += p.center[0] < *x;
      }
    // Halves within one column of particles (7 rows x 5 layers) of each
    // other.
    const unsigned int above = domain.particles.size() - below;
    EXPECT_LE(std::max(below, above) - std::min(below, above), 35u);
  }

  TEST(SplitPlane, SmallPeriodicAndSphereDomainsStayOneVolume)
  {
    using xray::meshes::stream_internal::min_particles_to_split;
    using xray::meshes::stream_internal::split_plane;
    StreamDomain domain = study_domain();
    // Below the threshold: the first particles in layout order.
    StreamDomain small = domain;
    small.particles.resize(min_particles_to_split - 1);
    EXPECT_FALSE(split_plane(small).has_value());
    StreamDomain periodic = domain;
    periodic.periodic     = true;
    EXPECT_FALSE(split_plane(periodic).has_value());
    StreamDomain sphere    = domain;
    sphere.enclosure_shape = EnclosureShape::sphere;
    EXPECT_FALSE(split_plane(sphere).has_value());
    // The close-packed paper layout (pitch 6 um, 5 um spheres, columns
    // 3 um apart) leaves no plane clear of every sphere.
    StreamDomain dense;
    dense.particles      = make_particle_stream(paper_layout());
    dense.enclosure_size = 50e-6;
    EXPECT_FALSE(split_plane(dense).has_value());
  }

  /// The triangles of @p mesh's tetrahedra lying in the plane x = @p x
  /// (to round-off against the length @p length), as sorted node triples.
  std::set<std::array<unsigned int, 3>>
  faces_in_plane(const xray::meshes::stream_internal::RawMesh &mesh,
                 const double                                  x,
                 const double                                  length)
  {
    const auto on_plane = [&](const unsigned int v) {
      return std::abs(mesh.coordinates[3 * v] - x) <= 1e-9 * length;
    };
    std::set<std::array<unsigned int, 3>> faces;
    for (std::size_t t = 0; t < mesh.tetrahedra.size(); t += 4)
      for (unsigned int skip = 0; skip < 4; ++skip)
        {
          std::array<unsigned int, 3> face;
          for (unsigned int k = 0, j = 0; k < 4; ++k)
            if (k != skip)
              face[j++] = mesh.tetrahedra[t + k];
          if (std::all_of(face.begin(), face.end(), on_plane))
            {
              std::sort(face.begin(), face.end());
              faces.insert(face);
            }
        }
    return faces;
  }

  TEST(SplitMesh, HalvesMeetOnOneFaceMeshAndDoNotDependOnTheSessionBefore)
  {
    using namespace xray::meshes::stream_internal;
    // 100 particles (4 rows of 5, 5 layers) of the study lattice, coarse.
    StreamLayout layout          = paper_layout();
    layout.lattice_pitch         = 11.18034e-6;
    layout.n_rows                = 4;
    layout.particles_per_row     = 5;
    layout.layer_shift_amplitude = 0.1e-6;
    StreamDomain domain;
    domain.particles      = make_particle_stream(layout);
    domain.enclosure_size = 10e-6;
    StreamMeshSizes sizes;
    sizes.surface_size                 = 1.;
    sizes.far_size                     = 4.;
    sizes.growth_distance              = 4.;
    sizes.elements_across_anode_gap    = 0;
    sizes.elements_across_particle_gap = 0;
    const std::optional<double> x      = split_plane(domain);
    ASSERT_TRUE(x.has_value());

    // On one rank half 1 is meshed after half 0 in the same process; on
    // two ranks first thing: the same tetrahedra either way.
    std::array<MeshPart, 2> parts;
    parts[1]                    = run_gmsh_part(domain, sizes, *x, 1);
    parts[0]                    = run_gmsh_part(domain, sizes, *x, 0);
    const MeshPart half_1_again = run_gmsh_part(domain, sizes, *x, 1);
    EXPECT_EQ(half_1_again.mesh.coordinates, parts[1].mesh.coordinates);
    EXPECT_EQ(half_1_again.mesh.tetrahedra, parts[1].mesh.tetrahedra);
    EXPECT_EQ(half_1_again.node_tags, parts[1].node_tags);

    // The merged mesh: each half's triangles on the common face are the
    // same node triples, so the mesh is conforming across it.
    const double      r        = layout.particle_radius;
    const double      on_plane = 1e-9 * r;
    const RawMesh     merged   = merge_parts(parts, *x, on_plane);
    const std::size_t n_tets_0 = parts[0].mesh.tetrahedra.size();
    RawMesh           half_0 = merged, half_1 = merged;
    half_0.tetrahedra.resize(n_tets_0);
    half_1.tetrahedra.erase(half_1.tetrahedra.begin(),
                            half_1.tetrahedra.begin() + n_tets_0);
    const auto faces_0 = faces_in_plane(half_0, *x, r);
    EXPECT_GT(faces_0.size(), 10u);
    EXPECT_EQ(faces_0, faces_in_plane(half_1, *x, r));
    EXPECT_LT(merged.coordinates.size(),
              parts[0].mesh.coordinates.size() +
                parts[1].mesh.coordinates.size());

    // A node of the common face one ulp apart (along the plane) in the
    // two halves is an error: the first node of half 1 on the plane.
    std::array<MeshPart, 2> moved = parts;
    std::vector<double>    &xyz   = moved[1].mesh.coordinates;
    std::size_t             node  = 0;
    while (3 * node < xyz.size() &&
           !(moved[1].node_tags[node] <= moved[1].max_surface_tag &&
             std::abs(xyz[3 * node] - *x) <= on_plane))
      ++node;
    ASSERT_LT(3 * node, xyz.size());
    xyz[3 * node + 1] = std::nextafter(xyz[3 * node + 1], 1.);
    EXPECT_THROW(merge_parts(moved, *x, on_plane), xray::SolverError);
  }

  // ---------------------------------------------------------- topology

  /// The cells and vertices of @p tria as a raw mesh, in its numbering.
  xray::meshes::stream_internal::RawMesh
  raw_mesh_of(const Triangulation<3> &tria)
  {
    xray::meshes::stream_internal::RawMesh raw;
    for (const Point<3> &x : tria.get_vertices())
      raw.coordinates.insert(raw.coordinates.end(), {x[0], x[1], x[2]});
    for (const auto &cell : tria.active_cell_iterators())
      for (unsigned int j = 0; j < 4; ++j)
        raw.tetrahedra.push_back(cell->vertex_index(j));
    return raw;
  }

  /// A boundary id from a face's centre: the six sides of the unit cube
  /// apart, as the stream's walls and spheres are.
  types::boundary_id
  side_of(const Point<3> &center)
  {
    for (unsigned int d = 0; d < 3; ++d)
      {
        if (center[d] < 1e-12)
          return 2 * d;
        if (center[d] > 1 - 1e-12)
          return 2 * d + 1;
      }
    return numbers::invalid_boundary_id;
  }

  /// Two descriptions of one rank's cells are the same: every field that
  /// a triangulation of tetrahedra reads (deal.II leaves the manifold ids
  /// of a hexahedron's further lines and faces uninitialised).
  void
  expect_same_share(const TriangulationDescription::Description<3, 3> &a,
                    const TriangulationDescription::Description<3, 3> &b,
                    const unsigned int                                 rank)
  {
    SCOPED_TRACE("rank " + std::to_string(rank));
    EXPECT_TRUE(a.coarse_cells == b.coarse_cells);
    EXPECT_EQ(a.coarse_cell_vertices, b.coarse_cell_vertices);
    EXPECT_EQ(a.coarse_cell_index_to_coarse_cell_id,
              b.coarse_cell_index_to_coarse_cell_id);
    EXPECT_EQ(a.settings, b.settings);
    EXPECT_EQ(a.smoothing, b.smoothing);
    ASSERT_EQ(a.cell_infos.size(), 1u);
    ASSERT_EQ(b.cell_infos.size(), 1u);
    ASSERT_EQ(a.cell_infos[0].size(), b.cell_infos[0].size());
    for (std::size_t i = 0; i < a.cell_infos[0].size(); ++i)
      {
        const auto &x = a.cell_infos[0][i], &y = b.cell_infos[0][i];
        EXPECT_EQ(x.id, y.id);
        EXPECT_EQ(x.subdomain_id, y.subdomain_id);
        EXPECT_EQ(x.level_subdomain_id, y.level_subdomain_id);
        EXPECT_EQ(x.manifold_id, y.manifold_id);
        for (unsigned int l = 0; l < 6; ++l)
          EXPECT_EQ(x.manifold_line_ids[l], y.manifold_line_ids[l]);
        for (unsigned int f = 0; f < 4; ++f)
          EXPECT_EQ(x.manifold_quad_ids[f], y.manifold_quad_ids[f]);
        EXPECT_EQ(x.boundary_ids, y.boundary_ids);
      }
  }

  TEST(StreamTopology, EachRanksShareIsWhatASerialTriangulationDescribes)
  {
    using namespace xray::meshes::stream_internal;
    // 6 x 5 x 4 hexahedra split into tetrahedra, every other one
    // handed over inside out (vertices 1 and 2 swapped), as a raw mesh.
    Triangulation<3> cube;
    GridGenerator::subdivided_hyper_rectangle_with_simplices(cube,
                                                             {6, 5, 4},
                                                             Point<3>(),
                                                             Point<3>(1, 1, 1));
    RawMesh            raw     = raw_mesh_of(cube);
    const unsigned int n_cells = cube.n_active_cells();
    for (unsigned int c = 1; c < n_cells; c += 2)
      std::swap(raw.tetrahedra[4 * c + 1], raw.tetrahedra[4 * c + 2]);

    Tetrahedra tets = oriented_tetrahedra(raw);
    ASSERT_EQ(tets.cells.size(), n_cells);
    unsigned int n_boundary_faces = 0;
    for (unsigned int c = 0; c < n_cells; ++c)
      for (unsigned int f = 0; f < 4; ++f)
        if (tets.neighbors[c][f] == numbers::invalid_unsigned_int)
          {
            const auto v = tets.face_vertices(c, f);
            tets.boundary_ids[c][f] =
              side_of((tets.vertices[v[0]] + tets.vertices[v[1]] +
                       tets.vertices[v[2]]) /
                      3);
            ++n_boundary_faces;
          }
    // 2 triangles per square of the cube's surface.
    EXPECT_EQ(n_boundary_faces, 2u * 2 * (6 * 5 + 5 * 4 + 6 * 4));

    // The same cells as a serial triangulation, with the same boundary
    // ids and manifold id 0, partitioned and described by deal.II.
    Triangulation<3>         serial;
    std::vector<CellData<3>> cells(n_cells, CellData<3>(4));
    for (unsigned int c = 0; c < n_cells; ++c)
      std::copy(tets.cells[c].begin(),
                tets.cells[c].end(),
                cells[c].vertices.begin());
    serial.create_triangulation(tets.vertices, cells, SubCellData());
    for (const auto &cell : serial.active_cell_iterators())
      for (const auto &face : cell->face_iterators())
        if (face->at_boundary())
          face->set_boundary_id(side_of(face->center()));
    serial.set_all_manifold_ids(0);
    const unsigned int n_parts = 3;
    GridTools::partition_triangulation(n_parts, serial);

    const std::vector<unsigned int> part = partition_cells(tets, n_parts);
    std::set<unsigned int>          parts_used(part.begin(), part.end());
    EXPECT_EQ(parts_used.size(), n_parts);
    for (const auto &cell : serial.active_cell_iterators())
      EXPECT_EQ(part[cell->active_cell_index()], cell->subdomain_id());
    for (unsigned int rank = 0; rank < n_parts; ++rank)
      {
        const auto ours = describe_cells(tets, part, rank, MPI_COMM_SELF);
        EXPECT_LT(ours.coarse_cells.size(), n_cells);
        expect_same_share(
          ours,
          TriangulationDescription::Utilities::
            create_description_from_triangulation(
              serial,
              MPI_COMM_SELF,
              TriangulationDescription::Settings::default_setting,
              rank),
          rank);
      }

    // A face of three cells is not a mesh.
    Tetrahedra broken = tets;
    broken.cells.push_back(tets.cells[0]);
    EXPECT_THROW(find_neighbors(broken), xray::SolverError);
  }

  /// The median over the cells of the largest minus the smallest vertex
  /// index of a cell: how far apart in memory a cell's unknowns are.
  unsigned int
  median_vertex_spread(const xray::meshes::stream_internal::RawMesh &mesh)
  {
    std::vector<unsigned int> spread(mesh.tetrahedra.size() / 4);
    for (unsigned int c = 0; c < spread.size(); ++c)
      {
        const auto first    = mesh.tetrahedra.begin() + 4 * c;
        const auto [lo, hi] = std::minmax_element(first, first + 4);
        spread[c]           = *hi - *lo;
      }
    std::nth_element(spread.begin(),
                     spread.begin() + spread.size() / 2,
                     spread.end());
    return spread[spread.size() / 2];
  }

  /// Each cell as its vertices' coordinates, in the cell's order.
  std::multiset<std::array<std::array<double, 3>, 4>>
  cells_by_coordinates(const xray::meshes::stream_internal::RawMesh &mesh)
  {
    std::multiset<std::array<std::array<double, 3>, 4>> cells;
    for (std::size_t c = 0; c < mesh.tetrahedra.size() / 4; ++c)
      {
        std::array<std::array<double, 3>, 4> x;
        for (unsigned int j = 0; j < 4; ++j)
          for (unsigned int d = 0; d < 3; ++d)
            x[j][d] = mesh.coordinates[3 * mesh.tetrahedra[4 * c + j] + d];
        cells.insert(x);
      }
    return cells;
  }

  TEST(StreamTopology, CellsAlongTheCurveAreTheSameCellsCloseInMemory)
  {
    using namespace xray::meshes::stream_internal;
    // 8 x 8 x 8 hexahedra split into tetrahedra, the cells and vertices
    // handed over in a scrambled order (as gmsh's refinement leaves them).
    Triangulation<3> cube;
    GridGenerator::subdivided_hyper_rectangle_with_simplices(cube,
                                                             {8, 8, 8},
                                                             Point<3>(),
                                                             Point<3>(2, 1, 1));
    const unsigned int n_vertices = cube.n_vertices();
    const unsigned int n_cells    = cube.n_active_cells();
    const auto         scrambled  = [](const unsigned int i, const unsigned n) {
      return (7919u * i) % n; // a permutation: 7919 is a prime above n
    };
    ASSERT_GT(7919u, n_cells);
    const RawMesh lexicographic = raw_mesh_of(cube);
    RawMesh       raw           = lexicographic;
    for (unsigned int v = 0; v < n_vertices; ++v)
      for (unsigned int d = 0; d < 3; ++d)
        raw.coordinates[3 * scrambled(v, n_vertices) + d] =
          lexicographic.coordinates[3 * v + d];
    for (unsigned int c = 0; c < n_cells; ++c)
      for (unsigned int j = 0; j < 4; ++j)
        raw.tetrahedra[4 * scrambled(c, n_cells) + j] =
          scrambled(lexicographic.tetrahedra[4 * c + j], n_vertices);

    RawMesh ordered = raw;
    order_along_space_filling_curve(ordered);

    // The same cells, each with its vertices in the same order.
    ASSERT_EQ(ordered.tetrahedra.size(), raw.tetrahedra.size());
    ASSERT_EQ(ordered.coordinates.size(), raw.coordinates.size());
    EXPECT_EQ(cells_by_coordinates(ordered), cells_by_coordinates(raw));
    // Vertices numbered as the cells reach them.
    unsigned int n_reached = 0;
    for (const unsigned int v : ordered.tetrahedra)
      {
        ASSERT_LE(v, n_reached);
        n_reached = std::max(n_reached, v + 1);
      }
    EXPECT_EQ(n_reached, n_vertices);
    // A cell's vertices close in memory: in the median less than half as
    // far apart as in the grid's own numbering (x fastest, then y, then
    // z: 9 x 9 + 9 = 90 apart across a layer), while the scrambled input
    // spreads them over a third of all vertices.
    EXPECT_GT(median_vertex_spread(raw), n_vertices / 3);
    EXPECT_LT(median_vertex_spread(ordered),
              median_vertex_spread(lexicographic) / 2);
    // Ordering again changes nothing: every rank gets the same mesh.
    RawMesh again = ordered;
    order_along_space_filling_curve(again);
    EXPECT_EQ(again.tetrahedra, ordered.tetrahedra);
    EXPECT_EQ(again.coordinates, ordered.coordinates);
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
} // namespace

// Unit tests of the anode mesh builders (meshes/anode_mesh.h) on serial
// triangulations.
#include "meshes/anode_mesh.h"
#include "meshes/line_focus_stretch.h"

#include <deal.II/base/mpi.h>
#include <deal.II/base/point.h>
#include <deal.II/base/tensor.h>
#include <deal.II/distributed/tria.h>
#include <deal.II/grid/tria.h>
#include <deal.II/grid/tria_accessor.h>
#include <deal.II/grid/tria_iterator.h>

#include <gtest/gtest.h>
#include <p8est_connectivity.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>
#include <vector>

namespace
{
  using namespace dealii;
  using xray::meshes::AnodeMeshSpecification;
  namespace boundary = xray::meshes::boundary;

  // ----------------------------------------------------------- helpers

  double
  total_thickness(const AnodeMeshSpecification &spec)
  {
    return std::accumulate(spec.layer_thicknesses.begin(),
                           spec.layer_thicknesses.end(),
                           0.0);
  }

  template <int dim>
  double
  volume(const Triangulation<dim> &triangulation)
  {
    double v = 0;
    for (const auto &cell : triangulation.active_cell_iterators())
      v += cell->measure();
    return v;
  }

  /// Depth (-z) of a point: the last coordinate is z, heated face z = 0.
  template <int dim>
  double
  depth(const Point<dim> &p)
  {
    return -p[dim - 1];
  }

  /// Distance from the axis: |r| in 2D, sqrt(x^2 + y^2) in 3D.
  template <int dim>
  double
  axis_distance(const Point<dim> &p)
  {
    if constexpr (dim == 2)
      return std::abs(p[0]);
    else
      return std::hypot(p[0], p[1]);
  }

  /// The layered-cylinder checks shared by 2D and 3D.
  template <int dim>
  void
  check_layered_cylinder(const Triangulation<dim>     &triangulation,
                         const AnodeMeshSpecification &spec)
  {
    const unsigned int n_layers = spec.layer_thicknesses.size();
    const double       H        = total_thickness(spec);
    const double       R        = spec.radius;
    const double       eps      = 1e-10 * std::max(H, R);

    std::vector<double> top{0.};
    for (const double t : spec.layer_thicknesses)
      top.push_back(top.back() + t);

    // Every cell lies within its layer: no cell straddles an interface,
    // so every interface depth is a mesh plane.
    std::set<types::material_id> ids;
    unsigned int                 n_inverted = 0;
    for (const auto &cell : triangulation.active_cell_iterators())
      {
        const types::material_id id = cell->material_id();
        ASSERT_LT(id, n_layers);
        ids.insert(id);
        n_inverted += (cell->measure() <= 0);
        for (const unsigned int v : cell->vertex_indices())
          {
            const double d = depth(cell->vertex(v));
            EXPECT_GE(d, top[id] - eps)
              << "cell of layer " << id << " reaches above its layer";
            EXPECT_LE(d, top[id + 1] + eps)
              << "cell of layer " << id << " reaches below its layer";
          }
      }
    EXPECT_EQ(ids.size(), n_layers) << "every layer holds cells";
    EXPECT_EQ(n_inverted, 0u)
      << "cells of non-positive measure, of " << triangulation.n_active_cells();

    // Each interface is a full mesh plane: horizontal cell faces at that
    // depth cover the whole cross-section, seen from above and below.
    for (unsigned int i = 1; i < n_layers; ++i)
      {
        double area_above = 0, area_below = 0;
        for (const auto &cell : triangulation.active_cell_iterators())
          for (const unsigned int f : cell->face_indices())
            {
              bool on_plane = true;
              for (const unsigned int v : cell->face(f)->vertex_indices())
                on_plane =
                  on_plane &&
                  std::abs(depth(cell->face(f)->vertex(v)) - top[i]) < eps;
              if (!on_plane)
                continue;
              (cell->material_id() == i - 1 ? area_above : area_below) +=
                cell->face(f)->measure();
            }
        if constexpr (dim == 2)
          {
            EXPECT_NEAR(area_above, R, 1e-10 * R) << "interface " << i;
            EXPECT_NEAR(area_below, R, 1e-10 * R) << "interface " << i;
          }
        else
          {
            EXPECT_NEAR(area_above, area_below, 1e-10 * R * R);
            EXPECT_NEAR(area_above, M_PI * R * R, 0.03 * M_PI * R * R);
          }
      }

    // The body lies in 0 <= depth <= H, within radius R.
    for (const auto &vertex : triangulation.get_vertices())
      {
        EXPECT_GE(depth(vertex), -eps);
        EXPECT_LE(depth(vertex), H + eps);
        EXPECT_LE(axis_distance(vertex), R + eps);
        if constexpr (dim == 2)
          {
            EXPECT_GE(vertex[0], -eps) << "r >= 0 in the (r, z) section";
          }
      }

    // Boundary ids by position.
    std::map<types::boundary_id, double> boundary_measure;
    for (const auto &cell : triangulation.active_cell_iterators())
      for (const auto &face : cell->face_iterators())
        if (face->at_boundary())
          {
            const types::boundary_id id = face->boundary_id();
            boundary_measure[id] += face->measure();
            for (const unsigned int v : face->vertex_indices())
              {
                const Point<dim> p = face->vertex(v);
                switch (id)
                  {
                    case boundary::heated_face:
                      EXPECT_NEAR(depth(p), 0., eps);
                      break;
                    case boundary::back_face:
                      EXPECT_NEAR(depth(p), H, eps);
                      break;
                    case boundary::side_face:
                      EXPECT_NEAR(axis_distance(p), R, eps);
                      break;
                    case boundary::symmetry_axis:
                      EXPECT_EQ(dim, 2) << "no axis boundary in 3D";
                      EXPECT_NEAR(p[0], 0., eps);
                      break;
                    default:
                      ADD_FAILURE() << "unexpected boundary id " << int(id);
                  }
              }
          }
    if constexpr (dim == 2)
      {
        ASSERT_EQ(boundary_measure.size(), 4u);
        EXPECT_NEAR(boundary_measure[boundary::heated_face], R, 1e-10 * R);
        EXPECT_NEAR(boundary_measure[boundary::back_face], R, 1e-10 * R);
        EXPECT_NEAR(boundary_measure[boundary::side_face], H, 1e-10 * H);
        EXPECT_NEAR(boundary_measure[boundary::symmetry_axis], H, 1e-10 * H);
      }
    else
      {
        ASSERT_EQ(boundary_measure.size(), 3u);
        EXPECT_EQ(boundary_measure.count(boundary::symmetry_axis), 0u);
        EXPECT_NEAR(boundary_measure[boundary::heated_face],
                    boundary_measure[boundary::back_face],
                    1e-10 * R * R);
        EXPECT_NEAR(boundary_measure[boundary::heated_face],
                    M_PI * R * R,
                    0.03 * M_PI * R * R);
        // Side: between the inscribed-polygon perimeter and 2 pi R, times H.
        EXPECT_NEAR(boundary_measure[boundary::side_face],
                    2 * M_PI * R * H,
                    0.03 * 2 * M_PI * R * H);
      }
  }

  /// Number of (cell, vertex) pairs at which the Jacobian determinant of
  /// the (bi/tri)linear cell map is not positive. All positive <=> every
  /// quadrilateral is convex and correctly oriented (every hexahedron
  /// valid at its corners), which refinement needs to keep children valid.
  template <int dim>
  unsigned int
  n_bad_corners(const Triangulation<dim> &triangulation)
  {
    unsigned int n_bad = 0;
    for (const auto &cell : triangulation.active_cell_iterators())
      for (const unsigned int v : cell->vertex_indices())
        {
          Tensor<1, dim> edge[dim];
          for (unsigned int d = 0; d < dim; ++d)
            {
              const unsigned int bit = 1u << d;
              edge[d] = (v & bit) ? cell->vertex(v) - cell->vertex(v & ~bit) :
                                    cell->vertex(v | bit) - cell->vertex(v);
            }
          const double det =
            dim == 2 ?
              edge[0][0] * edge[1][1] - edge[0][1] * edge[1][0] :
              scalar_product(edge[0], cross_product_3d(edge[1], edge[2]));
          n_bad += !(det > 0);
        }
    return n_bad;
  }

  /// Area of the polygon through the rim vertices (side vertices on the
  /// heated face), sorted by angle: the exact cross-section of the coarse
  /// 3D mesh, whose faces are flat.
  double
  rim_polygon_area(const Triangulation<3> &triangulation, const double R)
  {
    std::map<double, Point<3>> rim; // by angle
    for (const auto &cell : triangulation.active_cell_iterators())
      for (const auto &face : cell->face_iterators())
        if (face->at_boundary() && face->boundary_id() == boundary::side_face)
          for (const unsigned int v : face->vertex_indices())
            {
              const Point<3> p = face->vertex(v);
              if (std::abs(p[2]) < 1e-12 * R)
                rim[std::atan2(p[1], p[0])] = p;
            }
    std::vector<Point<3>> polygon;
    for (const auto &[angle, p] : rim)
      polygon.push_back(p);
    double twice_area = 0;
    for (unsigned int i = 0; i < polygon.size(); ++i)
      {
        const Point<3> &a = polygon[i];
        const Point<3> &b = polygon[(i + 1) % polygon.size()];
        twice_area += a[0] * b[1] - a[1] * b[0];
      }
    return 0.5 * twice_area;
  }

  AnodeMeshSpecification
  metal_on_diamond()
  {
    // 5 um W on 0.5 mm diamond, R = 5 mm, 5 um spot (central block 15 um).
    AnodeMeshSpecification spec;
    spec.radius             = 5e-3;
    spec.layer_thicknesses  = {5e-6, 0.5e-3};
    spec.central_half_width = 15e-6;
    spec.growth_factor      = 1.4;
    return spec;
  }

  AnodeMeshSpecification
  three_layers()
  {
    // Thick layers, interfaces not on any geometric grid of the first one.
    AnodeMeshSpecification spec;
    spec.radius             = 4e-3;
    spec.layer_thicknesses  = {0.7e-3, 0.13e-3, 1.9e-3};
    spec.central_half_width = 0.2e-3;
    spec.growth_factor      = 1.3;
    return spec;
  }

  AnodeMeshSpecification
  solid_tungsten()
  {
    AnodeMeshSpecification spec;
    spec.radius             = 5e-3;
    spec.layer_thicknesses  = {2e-3};
    spec.central_half_width = 150e-6;
    spec.growth_factor      = 1.4;
    return spec;
  }
} // namespace


// ------------------------------------------------------------ graded_points

TEST(GradedPoints, EndpointsMonotoneFirstStepAndGrowth)
{
  struct Case
  {
    double start, end, first_step, growth;
  };
  for (const Case &c : {Case{0., 1., 0.01, 1.2},
                        Case{0., 1., 0.01, 1.4},
                        Case{2e-3, 7e-3, 1e-4, 1.3},
                        Case{-5., 3., 0.05, 1.1},
                        Case{5e-6, 5.05e-4, 7.5e-6, 1.4}})
    {
      SCOPED_TRACE(std::to_string(c.start) + " .. " + std::to_string(c.end) +
                   ", h = " + std::to_string(c.first_step) +
                   ", q = " + std::to_string(c.growth));
      const auto points =
        xray::meshes::graded_points(c.start, c.end, c.first_step, c.growth);
      ASSERT_GE(points.size(), 4u);
      EXPECT_EQ(points.front(), c.start);
      EXPECT_EQ(points.back(), c.end);
      std::vector<double> steps;
      for (unsigned int i = 1; i < points.size(); ++i)
        {
          EXPECT_GT(points[i], points[i - 1]) << "not increasing at " << i;
          steps.push_back(points[i] - points[i - 1]);
        }
      // First step within a factor sqrt(q) of the requested one: the
      // number of steps is an integer, so the geometric series can only
      // approximate the length (a half step in log space either way).
      EXPECT_LE(steps.front(), c.first_step * std::sqrt(c.growth) * 1.02);
      EXPECT_GE(steps.front(), c.first_step / std::sqrt(c.growth) / 1.02);
      // Interior steps grow by exactly the factor.
      for (unsigned int i = 1; i + 1 < steps.size(); ++i)
        EXPECT_NEAR(steps[i] / steps[i - 1], c.growth, 1e-9 * c.growth)
          << "step " << i;
      // The last step is not shorter than the one before (stretched, not
      // squeezed, to end at `end`).
      EXPECT_GE(steps.back(), steps[steps.size() - 2] * (1 - 1e-9));
    }
}

TEST(GradedPoints, UniformWithUnitGrowth)
{
  const auto points = xray::meshes::graded_points(0., 1., 0.1, 1.);
  ASSERT_EQ(points.size(), 11u);
  for (unsigned int i = 0; i < points.size(); ++i)
    EXPECT_NEAR(points[i], 0.1 * i, 1e-14);
  EXPECT_EQ(points.back(), 1.);
}

TEST(GradedPoints, StepLongerThanIntervalGivesOneStep)
{
  const auto points = xray::meshes::graded_points(1., 2., 5., 1.4);
  ASSERT_EQ(points.size(), 2u);
  EXPECT_EQ(points[0], 1.);
  EXPECT_EQ(points[1], 2.);
}

TEST(GradedPoints, RejectsInvalidArguments)
{
  EXPECT_ANY_THROW(xray::meshes::graded_points(1., 1., 0.1, 1.2));
  EXPECT_ANY_THROW(xray::meshes::graded_points(2., 1., 0.1, 1.2));
  EXPECT_ANY_THROW(xray::meshes::graded_points(0., 1., 0., 1.2));
  EXPECT_ANY_THROW(xray::meshes::graded_points(0., 1., 0.1, 0.9));
}

// ------------------------------------------------------- layered cylinder

TEST(LayeredCylinder2d, MetalOnDiamond)
{
  const auto       spec = metal_on_diamond();
  Triangulation<2> tria;
  xray::meshes::make_layered_cylinder(tria, spec);
  check_layered_cylinder(tria, spec);
  // The (r, z) section: area R * H exactly.
  const double H = total_thickness(spec);
  EXPECT_NEAR(volume(tria), spec.radius * H, 1e-10 * spec.radius * H);
}

TEST(LayeredCylinder2d, ThreeLayersAndSolidTungsten)
{
  for (const auto &spec : {three_layers(), solid_tungsten()})
    {
      Triangulation<2> tria;
      xray::meshes::make_layered_cylinder(tria, spec);
      check_layered_cylinder(tria, spec);
      const double H = total_thickness(spec);
      EXPECT_NEAR(volume(tria), spec.radius * H, 1e-10 * spec.radius * H);
    }
}

TEST(LayeredCylinder2d, GradedFromTheSpot)
{
  const auto       spec = solid_tungsten();
  Triangulation<2> tria;
  xray::meshes::make_layered_cylinder(tria, spec);
  // Distinct r and depth coordinates of the vertices.
  std::set<double> r, d;
  for (const auto &p : tria.get_vertices())
    {
      r.insert(std::round(p[0] / 1e-12) * 1e-12);
      d.insert(std::round(-p[1] / 1e-12) * 1e-12);
    }
  const std::vector<double> rs(r.begin(), r.end());
  const std::vector<double> ds(d.begin(), d.end());
  // The cells at the spot are smaller than the central block half width.
  EXPECT_LE(rs[1], spec.central_half_width * (1 + 1e-9));
  EXPECT_LE(ds[1], spec.central_half_width * (1 + 1e-9));
  // Radial widths grow outwards from the first ring on, never faster than
  // the growth factor (rs[0..2] = 0, s/2, s: the central block).
  ASSERT_NEAR(rs[2], spec.central_half_width, 1e-12);
  for (unsigned int i = 3; i + 1 < rs.size(); ++i)
    {
      const double inner = rs[i] - rs[i - 1], outer = rs[i + 1] - rs[i];
      EXPECT_GE(outer, inner * (1 - 1e-9)) << "r = " << rs[i];
      EXPECT_LE(outer, inner * spec.growth_factor * (1 + 1e-9))
        << "r = " << rs[i];
    }
  // Depth steps grow downwards (one layer here).
  for (unsigned int i = 1; i + 1 < ds.size(); ++i)
    EXPECT_GE(ds[i + 1] - ds[i], (ds[i] - ds[i - 1]) * (1 - 1e-9));
  // Many fewer cells than a uniform mesh at the spot size would need.
  EXPECT_LT(tria.n_active_cells(), 2000u);
}

TEST(LayeredCylinder3d, MetalOnDiamond)
{
  const auto       spec = metal_on_diamond();
  Triangulation<3> tria;
  xray::meshes::make_layered_cylinder(tria, spec);
  check_layered_cylinder(tria, spec);

  const double R = spec.radius, H = total_thickness(spec);
  const double polygon = rim_polygon_area(tria, R);
  // The coarse cells are flat: the volume is that of the prism over the
  // rim polygon, which is inscribed in the circle and close to it.
  EXPECT_NEAR(volume(tria), polygon * H, 1e-9 * polygon * H);
  EXPECT_LT(polygon, M_PI * R * R);
  EXPECT_NEAR(polygon, M_PI * R * R, 0.03 * M_PI * R * R);
}

TEST(LayeredCylinder2d, CellsAreValidAtEveryCorner)
{
  for (const auto &spec :
       {metal_on_diamond(), three_layers(), solid_tungsten()})
    {
      Triangulation<2> tria;
      xray::meshes::make_layered_cylinder(tria, spec);
      EXPECT_EQ(n_bad_corners(tria), 0u);
    }
}

TEST(LayeredCylinder3d, CoarseCellsAreValidAtEveryCorner)
{
  // The default growth factor 1.4 (the O-grid's first ring meets the
  // corners of the central block).
  for (const auto &spec : {metal_on_diamond(), solid_tungsten()})
    {
      Triangulation<3> tria;
      xray::meshes::make_layered_cylinder(tria, spec);
      EXPECT_EQ(n_bad_corners(tria), 0u)
        << "of " << 8 * tria.n_active_cells() << " cell corners";
    }
}

TEST(LayeredCylinder3d, DefaultMeshStaysValidUnderRefinement)
{
  // The solver refines the coarse mesh (globally to the spot cell size,
  // then adaptively near the spot): no child may be inverted.
  const auto       spec = solid_tungsten(); // growth factor 1.4 (default)
  Triangulation<3> tria;
  xray::meshes::make_layered_cylinder(tria, spec);
  tria.refine_global(1);
  unsigned int n_inverted = 0;
  for (const auto &cell : tria.active_cell_iterators())
    n_inverted += !(cell->measure() > 0);
  EXPECT_EQ(n_inverted, 0u) << "inverted cells of " << tria.n_active_cells();
}

TEST(LayeredCylinder3d, ThreeLayers)
{
  auto spec          = three_layers();
  spec.growth_factor = 1.4;
  Triangulation<3> tria;
  xray::meshes::make_layered_cylinder(tria, spec);
  check_layered_cylinder(tria, spec);
  const double R = spec.radius, H = total_thickness(spec);
  EXPECT_NEAR(volume(tria), M_PI * R * R * H, 0.03 * M_PI * R * R * H);
}

TEST(LayeredCylinder3d, BuildsValidMeshesForEveryAllowedGrowthFactor)
{
  // Mesh/Growth factor accepts 1.05 to 3 (anode_thermal/parameters.cc).
  for (const double growth : {1.05, 1.1, 1.2, 1.3, 1.4, 1.6, 2., 3.})
    {
      SCOPED_TRACE("growth factor " + std::to_string(growth));
      auto spec          = three_layers();
      spec.growth_factor = growth;
      Triangulation<3> tria;
      try
        {
          xray::meshes::make_layered_cylinder(tria, spec);
        }
      catch (const std::exception &error)
        {
          std::string message = error.what();
          const auto  info    = message.find("Additional information");
          if (info != std::string::npos)
            message = message.substr(info);
          std::replace(message.begin(), message.end(), '\n', ' ');
          ADD_FAILURE() << "make_layered_cylinder<3> threw: "
                        << message.substr(0, 600);
          continue;
        }
      EXPECT_EQ(n_bad_corners(tria), 0u)
        << "of " << 8 * tria.n_active_cells() << " cell corners";
    }
}

TEST(LayeredCylinder3d, RefinementFollowsTheCylinder)
{
  // A small mesh: refined side faces are placed on the cylinder, so the
  // volume converges to pi R^2 H (inscribed, from below). Growth factor 2
  // keeps this test clear of the O-grid corner defect that
  // CoarseCellsAreValidAtEveryCorner checks for smaller factors.
  AnodeMeshSpecification spec;
  spec.radius             = 1.;
  spec.layer_thicknesses  = {0.2, 0.3};
  spec.central_half_width = 0.2;
  spec.growth_factor      = 2.;
  Triangulation<3> tria;
  xray::meshes::make_layered_cylinder(tria, spec);
  const double exact  = M_PI * 0.5;
  const double coarse = volume(tria);
  tria.refine_global(2);
  const double fine = volume(tria);
  EXPECT_LT(fine, exact);
  EXPECT_GT(fine, coarse);
  EXPECT_NEAR(fine, exact, 0.005 * exact);
  // Rim vertices stay on the circle.
  for (const auto &cell : tria.active_cell_iterators())
    for (const auto &face : cell->face_iterators())
      if (face->at_boundary() && face->boundary_id() == boundary::side_face)
        {
          for (const unsigned int v : face->vertex_indices())
            EXPECT_NEAR(axis_distance(face->vertex(v)), 1., 1e-10);
        }
  // Material ids are inherited by the children: layers still separated.
  check_layered_cylinder(tria, spec);
}

TEST(LayeredCylinder, CentralBlockMustBeWellInsideTheAnode)
{
  AnodeMeshSpecification spec = solid_tungsten();
  spec.central_half_width     = 0.6 * spec.radius;
  Triangulation<2> tria;
  EXPECT_ANY_THROW(xray::meshes::make_layered_cylinder(tria, spec));
}

// ---------------------------------------------------------------- half-ball

TEST(HalfBall2d, QuarterDiskBelowHeatedFace)
{
  const double     R = 2e-3;
  Triangulation<2> tria;
  xray::meshes::make_half_ball(tria, R);
  const double eps = 1e-10 * R;
  for (const auto &p : tria.get_vertices())
    {
      EXPECT_LE(p[1], eps) << "z <= 0";
      EXPECT_GE(p[0], -eps) << "r >= 0";
      EXPECT_LE(p.norm(), R + eps);
    }
  EXPECT_EQ(n_bad_corners(tria), 0u);
  std::map<types::boundary_id, double> measure;
  for (const auto &cell : tria.active_cell_iterators())
    {
      EXPECT_GT(cell->measure(), 0.);
      EXPECT_EQ(cell->material_id(), 0);
      for (const auto &face : cell->face_iterators())
        if (face->at_boundary())
          {
            measure[face->boundary_id()] += face->measure();
            for (const unsigned int v : face->vertex_indices())
              {
                const Point<2> p = face->vertex(v);
                if (face->boundary_id() == boundary::heated_face)
                  EXPECT_NEAR(p[1], 0., eps);
                else if (face->boundary_id() == boundary::symmetry_axis)
                  EXPECT_NEAR(p[0], 0., eps);
                else if (face->boundary_id() == boundary::back_face)
                  EXPECT_NEAR(p.norm(), R, eps);
                else
                  ADD_FAILURE()
                    << "unexpected boundary id " << int(face->boundary_id());
              }
          }
    }
  // Heated face: the segment 0 <= r <= R at z = 0; axis: -R <= z <= 0.
  EXPECT_NEAR(measure[boundary::heated_face], R, 1e-10 * R);
  EXPECT_NEAR(measure[boundary::symmetry_axis], R, 1e-10 * R);
  EXPECT_GT(measure[boundary::back_face], 0.);

  // The curved face follows the circle under refinement: area pi R^2 / 4.
  tria.refine_global(4);
  EXPECT_NEAR(volume(tria), M_PI * R * R / 4, 0.002 * M_PI * R * R / 4);
  for (const auto &cell : tria.active_cell_iterators())
    for (const auto &face : cell->face_iterators())
      if (face->at_boundary() && face->boundary_id() == boundary::back_face)
        {
          for (const unsigned int v : face->vertex_indices())
            EXPECT_NEAR(face->vertex(v).norm(), R, eps);
        }
}

TEST(HalfBall3d, HalfBallBelowHeatedFace)
{
  const double     R = 2e-3;
  Triangulation<3> tria;
  xray::meshes::make_half_ball(tria, R);
  const double eps = 1e-10 * R;
  for (const auto &p : tria.get_vertices())
    {
      EXPECT_LE(p[2], eps) << "z <= 0";
      EXPECT_LE(p.norm(), R + eps);
    }
  EXPECT_EQ(n_bad_corners(tria), 0u);
  std::set<types::boundary_id> ids;
  double                       heated_area = 0;
  for (const auto &cell : tria.active_cell_iterators())
    {
      EXPECT_GT(cell->measure(), 0.);
      EXPECT_EQ(cell->material_id(), 0);
      for (const auto &face : cell->face_iterators())
        if (face->at_boundary())
          {
            ids.insert(face->boundary_id());
            bool on_heated_plane = true;
            for (const unsigned int v : face->vertex_indices())
              on_heated_plane =
                on_heated_plane && std::abs(face->vertex(v)[2]) < eps;
            if (face->boundary_id() == boundary::heated_face)
              {
                EXPECT_TRUE(on_heated_plane);
                heated_area += face->measure();
              }
            else
              {
                EXPECT_FALSE(on_heated_plane)
                  << "face in z = 0 without the heated-face id";
                EXPECT_EQ(face->boundary_id(), boundary::back_face);
                for (const unsigned int v : face->vertex_indices())
                  EXPECT_NEAR(face->vertex(v).norm(), R, eps);
              }
          }
    }
  EXPECT_EQ(ids,
            (std::set<types::boundary_id>{boundary::heated_face,
                                          boundary::back_face}));
  // Heated face: the (polygonal) disk of radius R.
  EXPECT_LT(heated_area, M_PI * R * R);
  EXPECT_GT(heated_area, 0.5 * M_PI * R * R);

  // Under refinement the volume tends to 2/3 pi R^3 from below.
  const double exact = 2. / 3. * M_PI * R * R * R;
  tria.refine_global(3);
  const double fine = volume(tria);
  EXPECT_LT(fine, exact);
  EXPECT_NEAR(fine, exact, 0.02 * exact);
  for (const auto &p : tria.get_vertices())
    EXPECT_LE(p[2], eps) << "z <= 0 after refinement";
}


TEST(LayeredCylinder3d, IsAValidP4estConnectivity)
{
  // p4est needs neighbouring coarse cells to agree on shared edges.
  // deal.II's release library does not check this (its debug library
  // does); a violation crashed runs two refinements later. Ask p4est.
  for (const double growth : {1.2, 1.4, 2.0})
    for (const unsigned int planes : {0u, 1u, 2u}) // full, half, quarter
      {
        AnodeMeshSpecification spec;
        spec.radius             = 2e-3;
        spec.layer_thicknesses  = {5e-6, 0.5e-3};
        spec.central_half_width = 20e-6;
        spec.growth_factor      = growth;
        spec.mirror_planes      = planes;
        parallel::distributed::Triangulation<3> tria(MPI_COMM_SELF);
        xray::meshes::make_layered_cylinder(tria, spec);
        EXPECT_EQ(p8est_connectivity_is_valid(tria.get_p4est()->connectivity),
                  1)
          << "growth factor " << growth << ", mirror planes " << planes;
      }
}

TEST(LayeredCylinder3d, HalfAndQuarterAreTheFullMeshRestricted)
{
  // Geometry/Symmetry: the part keeps the full mesh's cells with y >= 0
  // (and x >= 0), bounded by the mirror planes (boundary id mirror_plane),
  // which run through the axis from the rim to the back face.
  const auto       spec = metal_on_diamond();
  const double     R = spec.radius, H = total_thickness(spec);
  Triangulation<3> full;
  xray::meshes::make_layered_cylinder(full, spec);
  std::set<std::vector<double>> full_centres;
  for (const auto &cell : full.active_cell_iterators())
    full_centres.insert({std::round(cell->center()[0] / R * 1e9),
                         std::round(cell->center()[1] / R * 1e9),
                         std::round(cell->center()[2] / R * 1e9)});

  for (const unsigned int planes : {1u, 2u})
    {
      auto part_spec          = spec;
      part_spec.mirror_planes = planes;
      Triangulation<3> part;
      xray::meshes::make_layered_cylinder(part, part_spec);
      const double factor = 1 << planes;
      EXPECT_EQ(part.n_active_cells() * (1u << planes), full.n_active_cells());
      EXPECT_NEAR(volume(part) * factor, volume(full), 1e-12 * volume(full));
      double mirror_area = 0;
      for (const auto &cell : part.active_cell_iterators())
        {
          const Point<3> c = cell->center();
          EXPECT_GT(c[1], 0.);
          if (planes == 2)
            {
              EXPECT_GT(c[0], 0.);
            }
          EXPECT_TRUE(full_centres.count({std::round(c[0] / R * 1e9),
                                          std::round(c[1] / R * 1e9),
                                          std::round(c[2] / R * 1e9)}))
            << "cell at " << c << " is no cell of the full mesh";
          for (const auto &face : cell->face_iterators())
            if (face->at_boundary() &&
                face->boundary_id() == boundary::mirror_plane)
              {
                const Point<3> f = face->center();
                EXPECT_TRUE(std::abs(f[1]) < 1e-12 * R ||
                            (planes == 2 && std::abs(f[0]) < 1e-12 * R));
                mirror_area += face->measure();
              }
        }
      // Half: the rectangle [-R, R] x [0, H]; quarter: two of [0, R] x [0,
      // H]. (The rim vertices on the planes lie on the circle.)
      EXPECT_NEAR(mirror_area, 2 * R * H, 1e-10 * R * H) << planes;
      // The other ids as in the full mesh: heated face on top, back face
      // at the bottom, side on the rim.
      double heated = 0, back = 0;
      for (const auto &cell : part.active_cell_iterators())
        for (const auto &face : cell->face_iterators())
          if (face->at_boundary())
            {
              if (face->boundary_id() == boundary::heated_face)
                heated += face->measure();
              else if (face->boundary_id() == boundary::back_face)
                back += face->measure();
              else if (face->boundary_id() == boundary::side_face)
                {
                  EXPECT_NEAR(axis_distance(face->center()), R, 0.05 * R);
                }
            }
      EXPECT_NEAR(heated * factor, volume(full) / H, 1e-10 * volume(full) / H);
      EXPECT_NEAR(back, heated, 1e-10 * heated);
    }
}


// ------------------------------------------------- the line focus stretch

namespace
{
  /// The peer comparison's line: 200 um flat top, cells of 10 um at the
  /// line, stretch 3, on a 2 mm radius.
  xray::meshes::LineFocusStretch
  w2_stretch(const double stretch = 3)
  {
    return {stretch, 100e-6, 10e-6, 2e-3};
  }

  double
  stretched_y(const xray::meshes::LineFocusStretch &map,
              const double                          x,
              const double                          eta)
  {
    return map(Point<3>(x, eta, -1e-6))[1];
  }
} // namespace

TEST(LineFocusStretch, SlopesEndsAndIdentity)
{
  const auto map = w2_stretch();
  ASSERT_TRUE(map.feasible());
  const double h = 1e-9, end = map.chart_half_length();
  // The chart's line end is the line's end in space.
  EXPECT_NEAR(stretched_y(map, 0, end), 100e-6, 1e-15);
  // Slope 3 at the middle of the flat top, 1 over the ends.
  EXPECT_NEAR((stretched_y(map, 0, h) - stretched_y(map, 0, -h)) / (2 * h),
              3,
              1e-6);
  for (const double eta : {end - 25e-6, end, end + 25e-6})
    EXPECT_NEAR((stretched_y(map, 0, eta + h) - stretched_y(map, 0, eta - h)) /
                  (2 * h),
                1,
                1e-6)
      << "at eta = " << eta;
  // Odd in eta; x and z are kept; the identity from R/2 on.
  const Point<3> p(3e-6, 40e-6, -2e-6), q = map(p);
  EXPECT_EQ(q[0], p[0]);
  EXPECT_EQ(q[2], p[2]);
  EXPECT_EQ(stretched_y(map, 3e-6, -40e-6), -q[1]);
  for (const double x : {0., 0.6e-3, 1.5e-3})
    EXPECT_EQ(stretched_y(map, x, 1.2e-3), 1.2e-3);
  EXPECT_EQ(stretched_y(map, 1.2e-3, 50e-6), 50e-6);
}

TEST(LineFocusStretch, OneToOneEverywhere)
{
  // dy/deta > 0 along lines across the whole disk, through the blends.
  const auto map = w2_stretch(4);
  for (const double x : {0., 0.4e-3, 0.6e-3, 0.75e-3, 0.9e-3, 1.2e-3})
    {
      double previous = stretched_y(map, x, -2e-3);
      for (int i = -1999; i <= 2000; ++i)
        {
          const double y = stretched_y(map, x, i * 1e-6);
          EXPECT_GT(y, previous) << "at x = " << x << ", eta = " << i * 1e-6;
          previous = y;
        }
    }
}

TEST(LineFocusStretch, FeasibleOnlyForLongLinesAndStretchAboveOne)
{
  EXPECT_FALSE(w2_stretch(1).feasible());
  // The flat top must be longer than 2 (s + 4) spot cells: 140 um at s = 3.
  EXPECT_FALSE(
    xray::meshes::LineFocusStretch(3, 70e-6, 10e-6, 2e-3).feasible());
  EXPECT_TRUE(xray::meshes::LineFocusStretch(3, 71e-6, 10e-6, 2e-3).feasible());
}

TEST(LineFocusStretch, RefinedMeshKeepsItsVolumeAndValidCells)
{
  // A layered cylinder refined toward the line with hanging nodes, then
  // stretched: the map keeps the anode, so the cells still fill it (no
  // gap at a hanging vertex, which is put back on its coarser neighbour's
  // edge or face), and no cell is inverted.
  AnodeMeshSpecification spec;
  spec.radius             = 2e-3;
  spec.layer_thicknesses  = {5e-6, 0.5e-3};
  const auto map          = w2_stretch();
  spec.central_half_width = 2 * (2e-6 + map.chart_half_length());
  spec.growth_factor      = 2;
  Triangulation<3> tria;
  xray::meshes::make_layered_cylinder(tria, spec);
  for (unsigned int pass = 0; pass < 4; ++pass)
    {
      for (const auto &cell : tria.active_cell_iterators())
        {
          const Point<3> c = cell->center();
          const double   along =
            std::max(0., std::abs(c[1]) - map.chart_half_length());
          if (std::hypot(c[0], along, c[2]) < 4 * cell->diameter())
            cell->set_refine_flag();
        }
      tria.execute_coarsening_and_refinement();
    }
  bool hanging = false;
  for (const auto &cell : tria.active_cell_iterators())
    for (const unsigned int f : cell->face_indices())
      hanging = hanging || cell->face(f)->has_children();
  ASSERT_TRUE(hanging);
  const double before = volume(tria);
  xray::meshes::apply_line_focus_stretch(tria, map);
  EXPECT_NEAR(volume(tria), before, 1e-12 * before);
  EXPECT_EQ(n_bad_corners(tria), 0u);
}

#include "meshes/anode_mesh.h"

#include <deal.II/base/exceptions.h>
#include <deal.II/grid/grid_generator.h>
#include <deal.II/grid/grid_tools.h>
#include <deal.II/grid/manifold_lib.h>
#include <deal.II/grid/tria_accessor.h>
#include <deal.II/grid/tria_iterator.h>

#include <cmath>
#include <numeric>
#include <set>

namespace xray
{
  namespace meshes
  {
    std::vector<double>
    graded_points(const double start,
                  const double end,
                  const double first_step,
                  const double growth_factor)
    {
      const double length = end - start;
      AssertThrow(length > 0 && first_step > 0 && growth_factor >= 1,
                  ExcMessage("graded_points: invalid arguments"));
      // Number of geometric steps whose sum comes closest to the length.
      unsigned int n_steps =
        growth_factor == 1 ?
          static_cast<unsigned int>(std::round(length / first_step)) :
          static_cast<unsigned int>(
            std::round(std::log1p(length * (growth_factor - 1) / first_step) /
                       std::log(growth_factor)));
      n_steps = std::max(1u, n_steps);

      std::vector<double> steps(n_steps);
      for (unsigned int i = 0; i < n_steps; ++i)
        steps[i] = first_step * std::pow(growth_factor, i);
      const double scale =
        length / std::accumulate(steps.begin(), steps.end(), 0.0);

      std::vector<double> points{start};
      for (const double step : steps)
        points.push_back(points.back() + step * scale);
      points.back() = end;
      return points;
    }

    namespace
    {
      /// Depths of the horizontal mesh planes: every layer interface, and
      /// inside each layer cells that grow away from the heated face.
      std::vector<double>
      slice_depths(const AnodeMeshSpecification &spec, const double top_cell)
      {
        std::vector<double> depths{0.};
        for (const double thickness : spec.layer_thicknesses)
          {
            const double top    = depths.back();
            const double bottom = top + thickness;
            const double first_step =
              std::min(thickness,
                       std::max(top_cell, (spec.growth_factor - 1) * top));
            const auto points =
              graded_points(top, bottom, first_step, spec.growth_factor);
            depths.insert(depths.end(), points.begin() + 1, points.end());
          }
        return depths;
      }

      /// Radii of the rings around the central block, from just outside
      /// @p inner_radius to R, growing geometrically (the factor adjusted to
      /// end at R, and never above the growth factor).
      std::vector<double>
      ring_radii(const AnodeMeshSpecification &spec, const double inner_radius)
      {
        AssertThrow(inner_radius < spec.radius / 2,
                    ExcMessage(
                      "the spot region must be well inside the anode"));
        const double       ratio = spec.radius / inner_radius;
        const unsigned int n_rings =
          std::max(2u,
                   static_cast<unsigned int>(std::ceil(
                     std::log(ratio) / std::log(spec.growth_factor))));
        std::vector<double> radii;
        for (unsigned int k = 1; k <= n_rings; ++k)
          radii.push_back(inner_radius * std::pow(ratio, double(k) / n_rings));
        radii.back() = spec.radius;
        return radii;
      }

      /// Material id = index of the layer holding the cell centre.
      template <int dim>
      void
      assign_layers(Triangulation<dim>           &triangulation,
                    const AnodeMeshSpecification &spec)
      {
        for (const auto &cell : triangulation.active_cell_iterators())
          {
            const double depth  = -cell->center()[dim - 1];
            double       bottom = 0;
            unsigned int layer  = 0;
            for (; layer < spec.layer_thicknesses.size(); ++layer)
              {
                bottom += spec.layer_thicknesses[layer];
                if (depth < bottom)
                  break;
              }
            cell->set_material_id(
              std::min<unsigned int>(layer, spec.layer_thicknesses.size() - 1));
          }
      }

      /// Boundary ids from position: heated face z = 0, back face at the
      /// bottom, r = 0 axis (2D), mirror planes x = 0 or y = 0 (3D parts),
      /// the side elsewhere.
      template <int dim>
      void
      assign_cylinder_boundaries(Triangulation<dim> &triangulation,
                                 const double        radius,
                                 const double        height)
      {
        const double tolerance       = 1e-9 * radius;
        auto         on_mirror_plane = [&](const Point<dim> &c) {
          return dim == 3 &&
                 (std::abs(c[0]) < tolerance || std::abs(c[1]) < tolerance);
        };
        for (const auto &cell : triangulation.active_cell_iterators())
          for (const auto &face : cell->face_iterators())
            if (face->at_boundary())
              {
                const Point<dim> c = face->center();
                if (std::abs(c[dim - 1]) < tolerance)
                  face->set_boundary_id(boundary::heated_face);
                else if (std::abs(c[dim - 1] + height) < tolerance)
                  face->set_boundary_id(boundary::back_face);
                else if (dim == 2 && std::abs(c[0]) < tolerance)
                  face->set_boundary_id(boundary::symmetry_axis);
                else if (on_mirror_plane(c))
                  face->set_boundary_id(boundary::mirror_plane);
                else
                  face->set_boundary_id(boundary::side_face);
              }
      }

      /// O-grid of the disk of radius R in the plane: a central square
      /// [-s, s]^2 of 4 x 4 cells and rings of 16 cells whose radii grow
      /// geometrically, so cells keep an aspect ratio near one at all radii.
      void
      make_graded_disk(Triangulation<2>             &disk,
                       const AnodeMeshSpecification &spec)
      {
        constexpr unsigned int m = 4; // central cells per side
        const double           s = spec.central_half_width;
        // The rings start outside the corners of the central square (at
        // sqrt(2) s): a first ring inside them would make the corner cells
        // non-convex, and their children inverted.
        const std::vector<double> radii = ring_radii(spec, std::sqrt(2.) * s);

        std::vector<Point<2>> vertices;
        // Central block vertices, lexicographic.
        for (unsigned int j = 0; j <= m; ++j)
          for (unsigned int i = 0; i <= m; ++i)
            vertices.emplace_back(s * (2. * i / m - 1), s * (2. * j / m - 1));
        auto central = [](unsigned int i, unsigned int j) {
          return j * (m + 1) + i;
        };

        // Perimeter of the unit square (max-norm 1), counter-clockwise from
        // the corner (-1, -1); 4 m points.
        std::vector<Point<2>>     perimeter;
        std::vector<unsigned int> perimeter_vertex; // central-block index
        for (unsigned int i = 0; i < m; ++i)
          perimeter_vertex.push_back(central(i, 0));
        for (unsigned int j = 0; j < m; ++j)
          perimeter_vertex.push_back(central(m, j));
        for (unsigned int i = m; i > 0; --i)
          perimeter_vertex.push_back(central(i, m));
        for (unsigned int j = m; j > 0; --j)
          perimeter_vertex.push_back(central(0, j));
        for (const unsigned int v : perimeter_vertex)
          perimeter.push_back(vertices[v] / s);

        const unsigned int        n_around      = 4 * m;
        std::vector<unsigned int> previous_ring = perimeter_vertex;
        std::vector<CellData<2>>  cells;
        for (unsigned int i = 0; i < m; ++i)
          for (unsigned int j = 0; j < m; ++j)
            {
              CellData<2> cell;
              cell.vertices = {central(i, j),
                               central(i + 1, j),
                               central(i, j + 1),
                               central(i + 1, j + 1)};
              cells.push_back(cell);
            }
        for (unsigned int k = 0; k < radii.size(); ++k)
          {
            // Blend from the square to the circle over the first (at most
            // three) rings; the last ring lies on the circle.
            const double weight =
              std::min(1.0, (k + 1.0) / std::min<double>(3, radii.size()));
            std::vector<unsigned int> ring;
            for (const Point<2> &u : perimeter)
              {
                const Point<2> on_circle = u / u.norm();
                vertices.push_back(
                  radii[k] *
                  ((1 - weight) * u / std::sqrt(2.) + weight * on_circle));
                ring.push_back(vertices.size() - 1);
              }
            for (unsigned int j = 0; j < n_around; ++j)
              {
                const unsigned int next = (j + 1) % n_around;
                CellData<2>        cell;
                cell.vertices = {previous_ring[j],
                                 ring[j],
                                 previous_ring[next],
                                 ring[next]};
                cells.push_back(cell);
              }
            previous_ring = ring;
          }
        GridTools::invert_all_negative_measure_cells(vertices, cells);
        // Edges shared by neighbouring cells must run the same way: the
        // extruded 3D mesh is otherwise no valid p4est connectivity (which
        // only deal.II's debug library notices).
        GridTools::consistently_order_cells(cells);
        disk.create_triangulation(vertices, cells, SubCellData());
      }

      /// The cells of @p full on the kept side of the mirror planes: y >= 0
      /// (one plane), and x >= 0 (two). The O-grid has cell faces on both
      /// planes, so every cell lies wholly on one side; a cell is judged by
      /// its centre.
      void
      keep_mirror_part(Triangulation<3>  &full,
                       const unsigned int mirror_planes,
                       const double       radius)
      {
        AssertThrow(mirror_planes <= 2,
                    ExcMessage("a cylinder has at most two mirror planes "
                               "through its axis here"));
        const double tolerance = 1e-9 * radius;
        std::set<Triangulation<3>::active_cell_iterator> removed;
        for (const auto &cell : full.active_cell_iterators())
          {
            const Point<3> c = cell->center();
            if (c[1] < -tolerance || (mirror_planes == 2 && c[0] < -tolerance))
              removed.insert(cell);
          }
        Triangulation<3> part;
        GridGenerator::create_triangulation_with_removed_cells(full,
                                                               removed,
                                                               part);
        full.clear();
        full.copy_triangulation(part);
      }
    } // namespace


    template <>
    void
    make_layered_cylinder<2>(Triangulation<2>             &triangulation,
                             const AnodeMeshSpecification &spec)
    {
      const double        top_cell = spec.central_half_width / 2;
      std::vector<double> r_points{0., top_cell, spec.central_half_width};
      for (const double r : ring_radii(spec, spec.central_half_width))
        r_points.push_back(r);
      const std::vector<double> depths = slice_depths(spec, top_cell);

      std::vector<std::vector<double>> steps(2);
      for (unsigned int i = 1; i < r_points.size(); ++i)
        steps[0].push_back(r_points[i] - r_points[i - 1]);
      // subdivided_hyper_rectangle orders steps from the lower corner (the
      // bottom of the anode) upwards.
      for (unsigned int i = depths.size() - 1; i > 0; --i)
        steps[1].push_back(depths[i] - depths[i - 1]);

      Triangulation<2> coarse;
      GridGenerator::subdivided_hyper_rectangle(coarse,
                                                steps,
                                                Point<2>(0, -depths.back()),
                                                Point<2>(spec.radius, 0));
      assign_layers(coarse, spec);
      assign_cylinder_boundaries(coarse, spec.radius, depths.back());
      triangulation.copy_triangulation(coarse);
    }

    template <>
    void
    make_layered_cylinder<3>(Triangulation<3>             &triangulation,
                             const AnodeMeshSpecification &spec)
    {
      Triangulation<2> disk;
      make_graded_disk(disk, spec);
      const std::vector<double> depths =
        slice_depths(spec, spec.central_half_width / 2);
      std::vector<double> z;
      for (auto depth = depths.rbegin(); depth != depths.rend(); ++depth)
        z.push_back(-*depth);

      Triangulation<3> coarse;
      GridGenerator::extrude_triangulation(disk, z, coarse);
      if (spec.mirror_planes > 0)
        keep_mirror_part(coarse, spec.mirror_planes, spec.radius);
      assign_layers(coarse, spec);
      assign_cylinder_boundaries(coarse, spec.radius, depths.back());

      // Refined side faces follow the cylinder, not the coarse facets.
      constexpr types::manifold_id cylinder_manifold = 1;
      for (const auto &cell : coarse.active_cell_iterators())
        for (const auto &face : cell->face_iterators())
          if (face->at_boundary() && face->boundary_id() == boundary::side_face)
            face->set_all_manifold_ids(cylinder_manifold);
      coarse.set_manifold(cylinder_manifold, CylindricalManifold<3>(2));
      triangulation.copy_triangulation(coarse);
    }


    template <int dim>
    void
    make_half_ball(Triangulation<dim> &triangulation, const double radius)
    {
      Triangulation<dim> coarse;
      // Rotate (orientation preserving) onto z <= 0: the 2D quarter disk
      // (x, y >= 0) by -90 degrees, the 3D half ball (x >= 0) about y.
      if constexpr (dim == 2)
        {
          GridGenerator::quarter_hyper_ball(coarse, Point<dim>(), radius);
          GridTools::transform(
            [](const Point<dim> &p) { return Point<dim>(p[1], -p[0]); },
            coarse);
        }
      else
        {
          GridGenerator::half_hyper_ball(coarse, Point<dim>(), radius);
          GridTools::transform(
            [](const Point<dim> &p) { return Point<dim>(p[2], p[1], -p[0]); },
            coarse);
        }
      const double tolerance = 1e-9 * radius;
      for (const auto &cell : coarse.active_cell_iterators())
        {
          cell->set_material_id(0);
          for (const auto &face : cell->face_iterators())
            if (face->at_boundary())
              {
                const Point<dim> c = face->center();
                if (std::abs(c[dim - 1]) < tolerance)
                  face->set_boundary_id(boundary::heated_face);
                else if (dim == 2 && std::abs(c[0]) < tolerance)
                  face->set_boundary_id(boundary::symmetry_axis);
                else
                  face->set_boundary_id(boundary::back_face);
              }
        }
      triangulation.copy_triangulation(coarse);
    }

    template void
    make_half_ball<2>(Triangulation<2> &, double);
    template void
    make_half_ball<3>(Triangulation<3> &, double);
  } // namespace meshes
} // namespace xray

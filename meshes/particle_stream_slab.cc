// The 2D macroscopic cross-section of the continuum mode: the stream as a
// slab of charge between the anode and the enclosure, meshed with
// triangles whose grid lines follow the slab's edges.
#include "meshes/particle_stream.h"
#include "meshes/particle_stream_internal.h"

#include <deal.II/grid/grid_generator.h>
#include <deal.II/grid/tria_accessor.h>
#include <deal.II/grid/tria_iterator.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace xray
{
  namespace meshes
  {
    namespace
    {
      using namespace stream_internal;

      /// Grid steps through every breakpoint: equal steps inside each
      /// interval, as many as the largest cell size demands (so that the
      /// slab's edges are grid lines).
      std::vector<double>
      grid_steps(const std::vector<double> &breakpoints,
                 const double               max_cell_size)
      {
        std::vector<double> result;
        for (unsigned int i = 0; i + 1 < breakpoints.size(); ++i)
          {
            const double interval = breakpoints[i + 1] - breakpoints[i];
            if (interval <= 0)
              continue;
            const unsigned int n =
              std::max(1u,
                       static_cast<unsigned int>(
                         std::ceil(interval / max_cell_size * (1 - 1e-12))));
            result.insert(result.end(), n, interval / n);
          }
        return result;
      }


      /// Boundary ids and the slab's material id by geometry (independent
      /// of what the conversion to triangles inherits).
      void
      set_slab_ids(Triangulation<2> &triangulation,
                   const double      half_width,
                   const double      height,
                   const double      slab_half_width,
                   const double      slab_bottom,
                   const double      slab_top)
      {
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
    } // namespace


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
      require(
        positive_finite(slab_half_width) && slab_half_width <= half_width,
        "slab half width must be positive and at most the section half width");
      require(std::isfinite(slab_bottom) && std::isfinite(slab_top) &&
                0 <= slab_bottom && slab_bottom < slab_top &&
                slab_top <= height,
              "slab bottom and top must satisfy 0 <= bottom < top <= height");
      require(positive_finite(max_cell_size),
              "maximal cell size must be positive");

      Triangulation<2> quadrilaterals;
      GridGenerator::subdivided_hyper_rectangle(
        quadrilaterals,
        {grid_steps(
           {-half_width, -slab_half_width, slab_half_width, half_width},
           max_cell_size),
         grid_steps({0., slab_bottom, slab_top, height}, max_cell_size)},
        Point<2>(-half_width, 0.),
        Point<2>(half_width, height));
      GridGenerator::convert_hypercube_to_simplex_mesh(quadrilaterals,
                                                       triangulation);
      set_slab_ids(triangulation,
                   half_width,
                   height,
                   slab_half_width,
                   slab_bottom,
                   slab_top);
    }
  } // namespace meshes
} // namespace xray

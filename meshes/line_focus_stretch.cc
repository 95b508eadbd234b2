#include "meshes/line_focus_stretch.h"

#include <deal.II/grid/tria_accessor.h>
#include <deal.II/grid/tria_iterator.h>

#include <cmath>
#include <vector>

namespace xray
{
  namespace meshes
  {
    namespace
    {
      /// The cubic step 3 u^2 - 2 u^3 from 0 to 1 on [0, 1].
      double
      step(const double u)
      {
        return u * u * (3 - 2 * u);
      }
    } // namespace


    LineFocusStretch::LineFocusStretch(const double stretch,
                                       const double half_length,
                                       const double spot_cell,
                                       const double radius)
      : stretch(stretch)
      , half_length(half_length)
    {
      // Slope 1 from E = L/2 - 3 h on; Y(eta_b) = E fixes eta_a:
      // Y(eta_b) = s eta_a + w (s + 1) / 2 (the cosine blend's integral).
      const double end_start = half_length - 3 * spot_cell;
      width                  = 2 * spot_cell;
      eta_a   = (end_start - width * (stretch + 1) / 2) / stretch;
      eta_b   = eta_a + width;
      delta   = end_start - eta_b;
      eta_c   = eta_b + 6 * spot_cell;
      eta_f   = radius / 2;
      x_inner = radius / 4;
      x_outer = radius / 2;
      // The return to the identity beyond the ends keeps dY/deta >= 1/2:
      // 1 - 1.5 delta / (eta_f - eta_c) >= 1/2.
      is_feasible =
        stretch > 1 && eta_a > 0 && eta_c < eta_f && 3 * delta <= eta_f - eta_c;
    }


    bool
    LineFocusStretch::feasible() const
    {
      return is_feasible;
    }


    double
    LineFocusStretch::chart_half_length() const
    {
      return half_length - delta;
    }


    double
    LineFocusStretch::shift(const double eta) const
    {
      if (eta <= eta_a)
        return (stretch - 1) * eta;
      if (eta <= eta_b)
        {
          // The slope falls from s to 1 as (1 + cos(pi t)) / 2.
          const double t = (eta - eta_a) / width;
          return (stretch - 1) *
                 (eta_a + width / 2 * (t + std::sin(M_PI * t) / M_PI));
        }
      if (eta <= eta_c)
        return delta;
      if (eta <= eta_f)
        return delta * (1 - step((eta - eta_c) / (eta_f - eta_c)));
      return 0;
    }


    double
    LineFocusStretch::blend(const double x) const
    {
      const double a = std::abs(x);
      if (a <= x_inner)
        return 1;
      if (a >= x_outer)
        return 0;
      return 1 - step((a - x_inner) / (x_outer - x_inner));
    }


    Point<3>
    LineFocusStretch::operator()(const Point<3> &chart_point) const
    {
      const double eta = chart_point[1];
      const double y =
        eta + blend(chart_point[0]) * std::copysign(shift(std::abs(eta)), eta);
      return {chart_point[0], y, chart_point[2]};
    }


    void
    apply_line_focus_stretch(Triangulation<3>       &triangulation,
                             const LineFocusStretch &stretch)
    {
      std::vector<bool> moved(triangulation.n_vertices(), false);
      for (const auto &cell : triangulation.active_cell_iterators())
        for (const unsigned int v : cell->vertex_indices())
          if (!moved[cell->vertex_index(v)])
            {
              cell->vertex(v)              = stretch(cell->vertex(v));
              moved[cell->vertex_index(v)] = true;
            }
      // Hanging vertices: an active cell's refined edge (its midpoint) and
      // refined face (its centre, the mean of the corners of a bilinear
      // face; the face's edges are the cell's own).
      for (const auto &cell : triangulation.active_cell_iterators())
        if (!cell->is_artificial())
          {
            for (unsigned int l = 0; l < GeometryInfo<3>::lines_per_cell; ++l)
              if (cell->line(l)->has_children())
                cell->line(l)->child(0)->vertex(1) =
                  (cell->line(l)->vertex(0) + cell->line(l)->vertex(1)) / 2;
            for (const unsigned int f : cell->face_indices())
              if (cell->face(f)->has_children())
                {
                  const auto face = cell->face(f);
                  face->child(0)->vertex(3) =
                    (face->vertex(0) + face->vertex(1) + face->vertex(2) +
                     face->vertex(3)) /
                    4;
                }
          }
    }
  } // namespace meshes
} // namespace xray

// A smooth map of a 3D anode mesh that makes its cells longer along the
// flat top of a line focus (the y axis) than across it.
//
// Across a line focus the field varies on the scale of its width; along
// its flat top it hardly varies, except near its two ends. The mesh is
// built and refined toward the spot in chart coordinates (x, eta, z), in
// which the cells at the line are cubes, and its vertices are then moved
// by
//
//   y = eta + chi(x) (Y(eta) - eta).
//
// Y is odd in eta, with slope
//   * s (the stretch) over the middle of the flat top,
//   * 1 over the line's ends (from 3 spot cells inside each end to 3
//     outside it), so the ends keep cubic cells, with a cosine blend from
//     s to 1 over 2 spot cells of eta before them,
//   * below 1 beyond the ends, Y - eta returning smoothly (cubic step) to
//     0 at eta = R/2,
// and chi(x) = 1 for |x| <= R/4, falling smoothly (cubic step) to 0 at
// |x| = R/2. The map is the identity near the cylinder's side (|x| or
// |y| beyond R/2 there), leaves every plane z = const and the planes
// x = 0, y = 0 in place, and dy/deta = 1 - chi + chi Y' > 0, so it is one
// to one and the anode, its layers and its faces stay where they were.
#ifndef XRAY_MESHES_LINE_FOCUS_STRETCH_H
#define XRAY_MESHES_LINE_FOCUS_STRETCH_H

#include <deal.II/base/point.h>
#include <deal.II/grid/tria.h>

namespace xray
{
  namespace meshes
  {
    using namespace dealii;

    class LineFocusStretch
    {
    public:
      /// A line focus of flat-top half-length @p half_length along y, cells
      /// of @p spot_cell at the line, cells @p stretch times longer along y
      /// than across in the middle of the flat top, on a cylinder of radius
      /// @p radius. Whether such a map exists is feasible().
      LineFocusStretch(double stretch,
                       double half_length,
                       double spot_cell,
                       double radius);

      /// True when the stretch is above 1, the flat top is long enough to
      /// hold it besides its two end regions, and the return to the
      /// identity beyond the ends keeps dY/deta >= 1/2.
      bool
      feasible() const;

      /// The flat top's half-length in the chart (eta of the line's end).
      double
      chart_half_length() const;

      /// The point in space of a point of the chart.
      Point<3>
      operator()(const Point<3> &chart_point) const;

    private:
      /// Y(eta) - eta for eta >= 0.
      double
      shift(double eta) const;
      /// chi(x).
      double
      blend(double x) const;

      double stretch;
      double half_length;
      double eta_a;   // end of the constant stretch
      double eta_b;   // end of the cosine blend to slope 1
      double eta_c;   // end of the line's end region (slope 1)
      double eta_f;   // R/2: the map is the identity beyond
      double width;   // eta_b - eta_a
      double delta;   // Y - eta on [eta_b, eta_c]
      double x_inner; // R/4
      double x_outer; // R/2
      bool   is_feasible;
    };

    /// Move the vertices of a mesh refined in the chart of @p stretch into
    /// space, then put every hanging vertex back on its coarse cell's edge
    /// or face (their midpoints: the cells are trilinear), so that no gap
    /// opens between a cell and its finer neighbours. On a distributed mesh
    /// the vertices of the locally owned cells are all right; only ghost
    /// cells' hanging vertices on artificial cells' faces may not be
    /// (the caveat of GridTools::transform()).
    void
    apply_line_focus_stretch(Triangulation<3>       &triangulation,
                             const LineFocusStretch &stretch);
  } // namespace meshes
} // namespace xray

#endif

// SphereSurfaceManifold: new points of edges and cells on a particle (or
// enclosure) sphere go onto that sphere, so that a quadratic mapping
// represents the particle surfaces to third order; edges declared interior
// chords stay straight, and on the lateral faces of a periodic cell new
// points stay in the face.
#include "meshes/particle_stream.h"
#include "meshes/particle_stream_internal.h"

#include <deal.II/base/exceptions.h>
#include <deal.II/base/table.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

namespace xray
{
  namespace meshes
  {
    namespace
    {
      using namespace stream_internal;

      /// Key of the segment between two points, independent of their order.
      std::array<double, 6>
      chord_key(const Point<3> &a, const Point<3> &b)
      {
        const bool a_first =
          std::lexicographical_compare(&a[0], &a[0] + 3, &b[0], &b[0] + 3);
        const Point<3> &first = a_first ? a : b, &second = a_first ? b : a;
        return {
          {first[0], first[1], first[2], second[0], second[1], second[2]}};
      }


      /// The spheres that go into bins: those not much larger than the
      /// smallest one (the particles), with their bounding box and their
      /// largest diameter (the natural bin edge).
      struct BinnedSpheres
      {
        std::vector<unsigned int> indices;
        Point<3>                  low, high;
        double                    largest_diameter = 0;
      };


      /// Sort the spheres into binned (small) ones and @p large_spheres
      /// (radius above 4 times the smallest, an enclosure): a large sphere
      /// in the bins would fill every bin.
      BinnedSpheres
      separate_large_spheres(
        const std::vector<SphereSurfaceManifold::Sphere> &spheres,
        std::vector<unsigned int>                        &large_spheres)
      {
        double r_min = std::numeric_limits<double>::infinity();
        for (const auto &sphere : spheres)
          r_min = std::min(r_min, sphere.radius);
        BinnedSpheres small;
        for (unsigned int d = 0; d < 3; ++d)
          {
            small.low[d]  = std::numeric_limits<double>::infinity();
            small.high[d] = -std::numeric_limits<double>::infinity();
          }
        for (unsigned int i = 0; i < spheres.size(); ++i)
          if (spheres[i].radius > 4 * r_min)
            large_spheres.push_back(i);
          else
            {
              small.indices.push_back(i);
              small.largest_diameter =
                std::max(small.largest_diameter, 2 * spheres[i].radius);
              for (unsigned int d = 0; d < 3; ++d)
                {
                  small.low[d] =
                    std::min(small.low[d],
                             spheres[i].center[d] - spheres[i].radius);
                  small.high[d] =
                    std::max(small.high[d],
                             spheres[i].center[d] + spheres[i].radius);
                }
            }
        return small;
      }


      /// Number of bins of edge @p bin_size over [low, high] in each
      /// direction; @p bin_size grows until there are at most 64 per
      /// binned sphere (plus 1000): scattered spheres would need too many.
      std::array<unsigned int, 3>
      coarsen_bins(const Point<3>   &low,
                   const Point<3>   &high,
                   const std::size_t n_binned,
                   double           &bin_size)
      {
        std::array<unsigned int, 3> n_bins;
        const double                max_bins = 64. * n_binned + 1000.;
        for (;;)
          {
            double total = 1;
            for (unsigned int d = 0; d < 3; ++d)
              {
                n_bins[d] = std::max(1u,
                                     static_cast<unsigned int>(std::ceil(
                                       (high[d] - low[d]) / bin_size)));
                total *= n_bins[d];
              }
            if (total <= max_bins)
              return n_bins;
            bin_size *= std::cbrt(total / max_bins) * 1.01;
          }
      }
    } // namespace


    SphereSurfaceManifold::SphereSurfaceManifold(
      const std::vector<Sphere> &spheres)
      : spheres(spheres)
    {
      for (unsigned int i = 0; i < spheres.size(); ++i)
        AssertThrow(positive_finite(spheres[i].radius),
                    ExcMessage(
                      "SphereSurfaceManifold: sphere radii must be positive"));

      // Bins sized for the small spheres (the particles); the few spheres
      // much larger than the smallest one (an enclosure) are kept apart and
      // always tested.
      bin_size    = 0;
      n_bins      = {{0, 0, 0}};
      bins_origin = Point<3>();
      if (spheres.empty())
        return;
      BinnedSpheres small = separate_large_spheres(spheres, large_spheres);
      bin_size            = small.largest_diameter;

      // Widen by the tolerance so that points just off a surface still find
      // their bin.
      const double margin = 2 * relative_tolerance * bin_size;
      for (unsigned int d = 0; d < 3; ++d)
        {
          small.low[d] -= margin;
          small.high[d] += margin;
        }
      n_bins =
        coarsen_bins(small.low, small.high, small.indices.size(), bin_size);
      bins_origin = small.low;

      // Each sphere goes into every bin its bounding box (widened by the
      // tolerance) touches.
      bins.assign(std::size_t(n_bins[0]) * n_bins[1] * n_bins[2], {});
      for (const unsigned int i : small.indices)
        {
          std::array<unsigned int, 3> first, last;
          for (unsigned int d = 0; d < 3; ++d)
            {
              const double extent =
                spheres[i].radius * (1 + 2 * relative_tolerance);
              first[d] = bin_index(spheres[i].center[d] - extent, d);
              last[d]  = bin_index(spheres[i].center[d] + extent, d);
            }
          for (unsigned int a = first[0]; a <= last[0]; ++a)
            for (unsigned int b = first[1]; b <= last[1]; ++b)
              for (unsigned int c = first[2]; c <= last[2]; ++c)
                bins[(std::size_t(c) * n_bins[1] + b) * n_bins[0] + a]
                  .push_back(i);
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
        if (!(p[d] >= bins_origin[d] &&
              p[d] <= bins_origin[d] + n_bins[d] * bin_size))
          return numbers::invalid_unsigned_int;
      const auto &bin = bins[(std::size_t(bin_index(p[2], 2)) * n_bins[1] +
                              bin_index(p[1], 1)) *
                               n_bins[0] +
                             bin_index(p[0], 0)];
      for (const unsigned int i : bin)
        if (on_sphere(i))
          return i;
      return numbers::invalid_unsigned_int;
    }


    void
    SphereSurfaceManifold::add_interior_chord(const Point<3> &a,
                                              const Point<3> &b)
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
    SphereSurfaceManifold::new_point(
      const ArrayView<const Point<3>>     &points,
      const double                        *weights,
      const ArrayView<const unsigned int> &sphere_of) const
    {
      // A weight this small is round-off of a zero (e.g. a vertex
      // opposite an edge midpoint in MappingFE's support point weights).
      constexpr double zero_weight = 1e-12;
      Point<3>         average;
      unsigned int     sphere      = numbers::invalid_unsigned_int;
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
      const Sphere &s = spheres[sphere];
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
          Point<3> foot          = s.center;
          foot[d]                = x;
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
      const double       norm   = radial.norm();
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
  } // namespace meshes
} // namespace xray

// Where the particles of the stream are (doc/theory.md section 2): one
// layer's hexagonal lattice patch (rows, a centred hexagon, or the two
// particles of a periodic cell), the layers stacked on the close-packing
// sites A, B, C with seeded shifts along the anode normal; and the lateral
// cell of a laterally infinite stream with the periodic images its mesh
// cuts out.
#include "meshes/particle_stream.h"
#include "meshes/particle_stream_internal.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace xray
{
  namespace meshes
  {
    namespace
    {
      using namespace stream_internal;

      // ---------------------------------------------------------- patch

      /// Check the layout parameters; returns the stream thickness, that
      /// of a single layer being its particles' diameter.
      double
      checked_stream_thickness(const StreamLayout &layout)
      {
        const double r = layout.particle_radius;
        const double p = layout.lattice_pitch;
        require(positive_finite(r),
                "particle radius must be positive and finite (got " +
                  length(r) + ")");
        // Touching spheres would be one conductor, and a gap much smaller
        // than the radius cannot be meshed with sensible tetrahedra.
        require(
          std::isfinite(p) && p >= (2 + minimum_relative_gap) * r,
          "lattice pitch " + length(p) +
            " must exceed the particle diameter by the minimum gap (at least " +
            length((2 + minimum_relative_gap) * r) + ")");
        require(layout.n_layers >= 1, "number of layers must be at least 1");
        if (layout.shape == PatchShape::rows)
          require(layout.n_rows >= 1 && layout.particles_per_row >= 1,
                  "number of rows and particles per row must be at least 1");
        require(positive_finite(layout.anode_gap),
                "anode gap must be positive and finite (got " +
                  length(layout.anode_gap) + ")");
        require(std::isfinite(layout.layer_shift_amplitude) &&
                  layout.layer_shift_amplitude >= 0,
                "layer shift amplitude must be non-negative and finite (got " +
                  length(layout.layer_shift_amplitude) + ")");
        const double thickness = layout.stream_thickness;
        if (layout.n_layers == 1)
          {
            require(thickness == 0 || std::abs(thickness - 2 * r) <= 1e-9 * r,
                    "stream thickness " + length(thickness) +
                      " of a single layer must be 0 or the particle diameter " +
                      length(2 * r));
            return 2 * r;
          }
        require(std::isfinite(thickness) && thickness >= 2 * r,
                "stream thickness " + length(thickness) +
                  " must be at least the particle diameter " + length(2 * r) +
                  " for several layers");
        return thickness;
      }


      /// One layer's positions in the plane (site A). Rows along x, row
      /// spacing p sqrt(3)/2; in the rows patch the alternate rows sit at
      /// -p/4 and +p/4 so that the patch is centred in x.
      std::vector<Point<2>>
      layer_patch(const StreamLayout &layout)
      {
        const double          p           = layout.lattice_pitch;
        const double          row_spacing = p * std::sqrt(3.) / 2;
        std::vector<Point<2>> patch;
        if (layout.shape == PatchShape::hexagon)
          {
            // Axial lattice coordinates (q, s): position q a1 + s a2 with
            // a1 = (p, 0), a2 = (p/2, row spacing); ring = hexagonal
            // distance.
            const int n = layout.hexagon_rings;
            for (int s = -n; s <= n; ++s)
              for (int q = std::max(-n, -s - n); q <= std::min(n, -s + n); ++q)
                patch.emplace_back(p * (q + 0.5 * s), row_spacing * s);
          }
        else if (layout.shape == PatchShape::periodic_cell)
          {
            // The two lattice points of the rectangular cell p x p sqrt(3).
            patch.emplace_back(0., 0.);
            patch.emplace_back(p / 2, row_spacing);
          }
        else
          {
            const double row_offset = layout.n_rows > 1 ? p / 4 : 0.;
            for (unsigned int j = 0; j < layout.n_rows; ++j)
              for (unsigned int i = 0; i < layout.particles_per_row; ++i)
                patch.emplace_back((i - (layout.particles_per_row - 1) / 2.) *
                                       p +
                                     (j % 2 == 1 ? row_offset : -row_offset),
                                   (j - (layout.n_rows - 1) / 2.) *
                                     row_spacing);
          }
        return patch;
      }


      /// The layers: nominal centres evenly spread so that the lowest
      /// surface is at the anode gap and the highest at gap + thickness,
      /// each shifted by a uniform pseudo-random amount. mt19937's sequence
      /// is fixed by the standard; the conversion to [0, 1) is ours (the
      /// standard distributions' output is implementation-defined), so
      /// positions are the same with every compiler. A number is drawn for
      /// every layer even without shift, so the sequence never depends on
      /// the amplitude.
      std::vector<Particle>
      stack_layers(const StreamLayout          &layout,
                   const std::vector<Point<2>> &patch,
                   const double                 thickness)
      {
        const double r = layout.particle_radius;
        const double p = layout.lattice_pitch;
        const double layer_spacing =
          layout.n_layers > 1 ? (thickness - 2 * r) / (layout.n_layers - 1) :
                                0.;
        const double lowest  = layout.anode_gap + r;
        const double highest = layout.anode_gap + thickness - r;
        const double a       = layout.layer_shift_amplitude;
        std::mt19937 generator(layout.seed);

        std::vector<Particle> particles;
        particles.reserve(patch.size() * layout.n_layers);
        for (unsigned int l = 0; l < layout.n_layers; ++l)
          {
            const double uniform =
              static_cast<double>(generator() & 0xffffffffu) /
              4294967296.; // [0, 1)
            const double z =
              std::clamp(lowest + l * layer_spacing + a * (2 * uniform - 1),
                         lowest,
                         highest);
            // Close-packing sites A, B, C: lateral shift by (l mod 3) times
            // the vector from a lattice point to the centre of a triangle.
            const double shift_x = (l % 3) * p / 2;
            const double shift_y = (l % 3) * p / (2 * std::sqrt(3.));
            for (const Point<2> &q : patch)
              particles.push_back(
                {Point<3>(q[0] + shift_x, q[1] + shift_y, z), r, l});
          }
        return particles;
      }


      // -------------------------------------------------- periodic cell

      /// Distance from x to the nearest of the planes f + k L (k integer).
      double
      distance_to_periodic_planes(const double x,
                                  const double f,
                                  const double L)
      {
        const double t = x - f - L * std::floor((x - f) / L); // [0, L)
        return std::min(t, L - t);
      }


      /// How far the sphere of radius r centred at x is from being tangent
      /// to one of the planes f + k L: | distance - r |. Near tangency a
      /// face would either pass in a sliver gap or cut a sliver cap.
      double
      tangency_margin(const double x,
                      const double r,
                      const double f,
                      const double L)
      {
        return std::abs(distance_to_periodic_planes(x, f, L) - r);
      }


      /// The faces normal to direction @p d (period @p L) where the spheres
      /// are farthest from tangency: a scan of 720 positions over the
      /// period (deterministic), returning the best position and its
      /// margin.
      std::pair<double, double>
      least_grazing_faces(const std::vector<Particle> &particles,
                          const unsigned int           d,
                          const double                 L)
      {
        constexpr unsigned int n_candidates = 720;
        double                 best_face = 0, best_margin = -1;
        for (unsigned int j = 0; j < n_candidates; ++j)
          {
            const double f      = L * j / n_candidates;
            double       margin = std::numeric_limits<double>::infinity();
            for (const Particle &particle : particles)
              margin = std::min(
                margin,
                tangency_margin(particle.center[d], particle.radius, f, L));
            if (margin > best_margin)
              best_margin = margin, best_face = f;
          }
        return {best_face, best_margin};
      }


      /// A sphere cut by an x and a y face reaches across the vertical edge
      /// of the cell only if it is closer to that edge than r: it must not
      /// be tangent to it either.
      void
      check_vertical_edges(const std::vector<Particle> &particles,
                           const PeriodicCell          &cell,
                           const std::array<double, 2> &period)
      {
        for (unsigned int i = 0; i < particles.size(); ++i)
          {
            const Particle &particle = particles[i];
            const double    dx = distance_to_periodic_planes(particle.center[0],
                                                          cell.low[0],
                                                          period[0]);
            const double    dy = distance_to_periodic_planes(particle.center[1],
                                                          cell.low[1],
                                                          period[1]);
            if (dx < particle.radius && dy < particle.radius)
              require(std::abs(std::hypot(dx, dy) - particle.radius) >=
                        minimum_relative_gap * particle.radius,
                      "particle " + std::to_string(i) + " at " +
                        point(particle.center) +
                        " grazes a vertical edge of the periodic cell: change "
                        "Particles/Lattice pitch or Particles/Radius");
          }
      }
    } // namespace


    std::vector<Particle>
    make_particle_stream(const StreamLayout &layout)
    {
      const double          thickness = checked_stream_thickness(layout);
      std::vector<Particle> particles =
        stack_layers(layout, layer_patch(layout), thickness);
      check_particles(particles,
                      "use a larger lattice pitch or stream thickness, or a "
                      "smaller layer shift amplitude");
      return particles;
    }


    PeriodicCell
    make_periodic_cell(std::vector<Particle> &particles,
                       const double           lattice_pitch)
    {
      require(!particles.empty(), "a periodic cell needs particles");
      const std::array<double, 2> period = {
        {lattice_pitch, lattice_pitch * std::sqrt(3.)}};
      double r_max = 0;
      for (const Particle &particle : particles)
        r_max = std::max(r_max, particle.radius);

      // Place the faces, independently in x and y, where the spheres are
      // farthest from tangency.
      PeriodicCell cell;
      for (unsigned int d = 0; d < 2; ++d)
        {
          const auto [best_face, best_margin] =
            least_grazing_faces(particles, d, period[d]);
          require(best_margin >= minimum_relative_gap * r_max,
                  std::string("the periodic cell's ") + (d == 0 ? "x" : "y") +
                    " faces graze a particle wherever they are put (margin " +
                    length(best_margin) +
                    "): change Particles/Lattice pitch or Particles/Radius");
          // The cell [f, f + L) with f = the best face (mod L) just below
          // the particles' mean position.
          double mean = 0;
          for (const Particle &particle : particles)
            mean += particle.center[d] / particles.size();
          cell.low[d] =
            best_face + period[d] * std::floor((mean - best_face) / period[d]);
          cell.high[d] = cell.low[d] + period[d];
        }

      // Wrap the centres into the cell.
      for (Particle &particle : particles)
        for (unsigned int d = 0; d < 2; ++d)
          particle.center[d] -=
            period[d] *
            std::floor((particle.center[d] - cell.low[d]) / period[d]);

      check_vertical_edges(particles, cell, period);
      return cell;
    }


    std::vector<Particle>
    periodic_spheres(const std::vector<Particle> &particles,
                     const PeriodicCell          &cell,
                     std::vector<unsigned int>   &particle_of)
    {
      const Tensor<1, 2>    period = cell.high - cell.low;
      std::vector<Particle> spheres;
      particle_of.clear();
      for (unsigned int i = 0; i < particles.size(); ++i)
        {
          spheres.push_back(particles[i]);
          particle_of.push_back(i);
          for (int sx = -1; sx <= 1; ++sx)
            for (int sy = -1; sy <= 1; ++sy)
              if (sx != 0 || sy != 0)
                {
                  Particle image = particles[i];
                  image.center[0] += sx * period[0];
                  image.center[1] += sy * period[1];
                  // Lateral distance from the image's centre to the cell.
                  double outside[2];
                  for (unsigned int d = 0; d < 2; ++d)
                    outside[d] = std::max({cell.low[d] - image.center[d],
                                           0.,
                                           image.center[d] - cell.high[d]});
                  if (std::hypot(outside[0], outside[1]) < image.radius)
                    {
                      spheres.push_back(image);
                      particle_of.push_back(i);
                    }
                }
        }
      return spheres;
    }
  } // namespace meshes
} // namespace xray

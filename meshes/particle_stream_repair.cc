// What makes gmsh's straight tetrahedra fit for a quadratic mapping onto
// the particle spheres: slivers inside the particles removed, cells that
// the curved edges would fold left straight, and in a periodic cell the
// same straight edges on a face and its translate.
#include "meshes/particle_stream.h"
#include "meshes/particle_stream_internal.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <utility>
#include <vector>

namespace xray
{
  namespace meshes
  {
    namespace
    {
      using namespace stream_internal;

      // -------------------------------------------------------- slivers

      /// For each vertex of @p mesh, the sphere of @p manifold whose
      /// surface it lies on, or numbers::invalid_unsigned_int.
      std::vector<unsigned int>
      spheres_of_vertices(const RawMesh               &mesh,
                          const SphereSurfaceManifold &manifold)
      {
        const unsigned int        n_vertices = mesh.coordinates.size() / 3;
        std::vector<unsigned int> sphere_of(n_vertices);
        for (unsigned int i = 0; i < n_vertices; ++i)
          sphere_of[i] = manifold.sphere_of_surface_point(
            Point<3>(mesh.coordinates[3 * i],
                     mesh.coordinates[3 * i + 1],
                     mesh.coordinates[3 * i + 2]));
        return sphere_of;
      }


      /// One pass: remove the tetrahedra with four vertices on one
      /// particle that have a face on the boundary (no other tetrahedron
      /// shares it), so that no cavity appears. Returns whether any was
      /// removed: removing one may expose another.
      bool
      remove_exposed_slivers(RawMesh                         &mesh,
                             const std::vector<unsigned int> &sphere_of,
                             const unsigned int               n_particles)
      {
        const auto inside_particle = [&](const unsigned int *v) {
          return sphere_of[v[0]] < n_particles &&
                 sphere_of[v[1]] == sphere_of[v[0]] &&
                 sphere_of[v[2]] == sphere_of[v[0]] &&
                 sphere_of[v[3]] == sphere_of[v[0]];
        };
        using Face      = std::array<unsigned int, 3>;
        const auto face = [](const unsigned int *v, const unsigned int skip) {
          Face f;
          for (unsigned int j = 0, k = 0; j < 4; ++j)
            if (j != skip)
              f[k++] = v[j];
          std::sort(f.begin(), f.end());
          return f;
        };

        const unsigned int        n_tets = mesh.tetrahedra.size() / 4;
        std::vector<unsigned int> candidates;
        for (unsigned int c = 0; c < n_tets; ++c)
          if (inside_particle(&mesh.tetrahedra[4 * c]))
            candidates.push_back(c);
        if (candidates.empty())
          return false;
        // A face of a candidate is on the boundary when no other
        // tetrahedron has it.
        std::map<Face, unsigned int> count;
        for (const unsigned int c : candidates)
          for (unsigned int j = 0; j < 4; ++j)
            count[face(&mesh.tetrahedra[4 * c], j)] = 0;
        for (unsigned int c = 0; c < n_tets; ++c)
          for (unsigned int j = 0; j < 4; ++j)
            {
              const auto it = count.find(face(&mesh.tetrahedra[4 * c], j));
              if (it != count.end())
                ++it->second;
            }
        std::vector<bool> remove(n_tets, false);
        bool              any = false;
        for (const unsigned int c : candidates)
          for (unsigned int j = 0; j < 4; ++j)
            if (count[face(&mesh.tetrahedra[4 * c], j)] == 1)
              {
                remove[c] = any = true;
                break;
              }
        if (!any)
          return false;
        std::vector<unsigned int> kept;
        kept.reserve(mesh.tetrahedra.size());
        for (unsigned int c = 0; c < n_tets; ++c)
          if (!remove[c])
            kept.insert(kept.end(),
                        mesh.tetrahedra.begin() + 4 * c,
                        mesh.tetrahedra.begin() + 4 * c + 4);
        mesh.tetrahedra.swap(kept);
        return true;
      }


      /// Drop the vertices only removed tetrahedra had (the tip of a cap),
      /// numbering the others in order of first use as before.
      void
      drop_unused_vertices(RawMesh &mesh)
      {
        const unsigned int        n_vertices = mesh.coordinates.size() / 3;
        std::vector<unsigned int> new_index(n_vertices,
                                            numbers::invalid_unsigned_int);
        std::vector<double>       coordinates;
        coordinates.reserve(mesh.coordinates.size());
        for (unsigned int &v : mesh.tetrahedra)
          {
            if (new_index[v] == numbers::invalid_unsigned_int)
              {
                new_index[v] = coordinates.size() / 3;
                coordinates.insert(coordinates.end(),
                                   mesh.coordinates.begin() + 3 * v,
                                   mesh.coordinates.begin() + 3 * v + 3);
              }
            v = new_index[v];
          }
        mesh.coordinates.swap(coordinates);
      }


      // -------------------------------------------------- folding cells


      /// Smallest Jacobian determinant of the quadratic tetrahedron with
      /// vertices @p x and edge midpoints @p m (edges 01 12 02 03 13 23)
      /// over the points of the cubic lattice (i/3, j/3, k/3) and the
      /// centre, relative to that of the straight tetrahedron. The
      /// determinant is a cubic; these 21 points catch a fold.
      double
      smallest_relative_jacobian(const std::array<Point<3>, 4> &x,
                                 const std::array<Point<3>, 6> &m)
      {
        static constexpr unsigned int edge[6][2] = {
          {0, 1}, {1, 2}, {0, 2}, {0, 3}, {1, 3}, {2, 3}};
        const double straight =
          cross_product_3d(x[1] - x[0], x[2] - x[0]) * (x[3] - x[0]);
        double     smallest = std::numeric_limits<double>::infinity();
        const auto at = [&](const double l1, const double l2, const double l3) {
          const std::array<double, 4> l = {{1 - l1 - l2 - l3, l1, l2, l3}};
          // d lambda_i / d xi_k: lambda_0 -> -1, lambda_k -> 1.
          const auto dl = [](const unsigned int i, const unsigned int k) {
            return i == 0 ? -1. : (i == k + 1 ? 1. : 0.);
          };
          Tensor<2, 3> J;
          for (unsigned int k = 0; k < 3; ++k)
            {
              Tensor<1, 3> column;
              for (unsigned int i = 0; i < 4; ++i)
                column += (4 * l[i] - 1) * dl(i, k) * x[i];
              for (unsigned int e = 0; e < 6; ++e)
                {
                  const unsigned int i = edge[e][0], j = edge[e][1];
                  column += 4 * (dl(i, k) * l[j] + l[i] * dl(j, k)) * m[e];
                }
              for (unsigned int d = 0; d < 3; ++d)
                J[d][k] = column[d];
            }
          smallest = std::min(smallest, determinant(J) / straight);
        };
        for (unsigned int i = 0; i <= 3; ++i)
          for (unsigned int j = 0; i + j <= 3; ++j)
            for (unsigned int k = 0; i + j + k <= 3; ++k)
              at(i / 3., j / 3., k / 3.);
        at(0.25, 0.25, 0.25);
        return smallest;
      }
    } // namespace


    namespace stream_internal
    {
      /// The surface triangulation gmsh makes of a sphere (in its
      /// parameter plane) is not everywhere convex; the 3D mesher fills
      /// each concave edge with a flat sliver whose four vertices are on
      /// the sphere. Such a tetrahedron lies inside the particle (the
      /// convex hull of points on a sphere is inside the ball), so it is no
      /// vacuum at all, and it is harmful: its interior faces become
      /// particle surface once it is gone, which amounts to flipping the
      /// concave surface edge. Repeated until no such tetrahedron touches
      /// the boundary; tetrahedra not touching the boundary are never
      /// removed. (Not for the enclosure sphere: inside it is the domain.)
      void
      remove_tetrahedra_inside_particles(RawMesh                     &mesh,
                                         const SphereSurfaceManifold &manifold,
                                         const unsigned int n_particles)
      {
        const std::vector<unsigned int> sphere_of =
          spheres_of_vertices(mesh, manifold);
        for (bool removed = true; removed;)
          removed = remove_exposed_slivers(mesh, sphere_of, n_particles);
        drop_unused_vertices(mesh);
      }


      /// Cells of @p triangulation whose quadratic image under @p manifold
      /// folds (or nearly: Jacobian below a tenth of the straight cell's
      /// somewhere) get all their curved edges declared interior chords,
      /// i.e. straight, until no cell folds: a little faceting there rather
      /// than negative Jacobians. Returns the number of straightened edges.
      unsigned int
      flatten_folding_cells(const Tetrahedra      &tets,
                            SphereSurfaceManifold &manifold)
      {
        static constexpr unsigned int edge[6][2] = {
          {0, 1}, {1, 2}, {0, 2}, {0, 3}, {1, 3}, {2, 3}};
        constexpr double smallest_allowed = 0.1;
        unsigned int     n_straightened   = 0;
        for (unsigned int pass = 0; pass < 20; ++pass)
          {
            unsigned int n_this_pass = 0;
            for (const auto &cell : tets.cells)
              {
                std::array<Point<3>, 4> x;
                unsigned int            n_on_sphere = 0;
                for (unsigned int i = 0; i < 4; ++i)
                  {
                    x[i] = tets.vertices[cell[i]];
                    n_on_sphere += (manifold.sphere_of_surface_point(x[i]) !=
                                    numbers::invalid_unsigned_int);
                  }
                if (n_on_sphere < 2) // no edge on a sphere
                  continue;
                std::array<Point<3>, 6> m;
                std::array<bool, 6>     curved;
                bool                    any = false;
                for (unsigned int e = 0; e < 6; ++e)
                  {
                    const std::array<Point<3>, 2> ends = {
                      {x[edge[e][0]], x[edge[e][1]]}};
                    const std::array<double, 2> half = {{0.5, 0.5}};
                    m[e]                             = manifold.get_new_point(
                      ArrayView<const Point<3>>(ends.data(), 2),
                      ArrayView<const double>(half.data(), 2));
                    curved[e] = m[e] != Point<3>((ends[0] + ends[1]) / 2);
                    any       = any || curved[e];
                  }
                if (!any ||
                    smallest_relative_jacobian(x, m) >= smallest_allowed)
                  continue;
                for (unsigned int e = 0; e < 6; ++e)
                  if (curved[e])
                    {
                      manifold.add_interior_chord(x[edge[e][0]], x[edge[e][1]]);
                      ++n_this_pass;
                    }
              }
            n_straightened += n_this_pass;
            if (n_this_pass == 0)
              break;
          }
        return n_straightened;
      }


      /// In a periodic cell an edge on a lateral face and its translate on
      /// the opposite face must get the same new points, or the faces'
      /// quadratic (P2) support points would no longer match. Both are
      /// curved alike by the manifold (on the circle where the faces cut a
      /// sphere), except where flatten_folding_cells() straightened one of
      /// them: then straighten its translates too. Returns the number of
      /// edges straightened here.
      unsigned int
      straighten_translates_of_chords(const Tetrahedra      &tets,
                                      SphereSurfaceManifold &manifold,
                                      const std::pair<Point<3>, Point<3>> &box)
      {
        const double tolerance = 1e-9 * box.first.distance(box.second);
        // An edge's key: its end points taken to the low faces, quantised.
        const auto canonical = [&](Point<3> x) {
          for (unsigned int d = 0; d < 2; ++d)
            if (std::abs(x[d] - box.second[d]) <= tolerance)
              x[d] = box.first[d];
          return std::array<long long, 3>{{std::llround(x[0] / tolerance),
                                           std::llround(x[1] / tolerance),
                                           std::llround(x[2] / tolerance)}};
        };
        using Edge = std::array<Point<3>, 2>;
        std::map<std::array<long long, 6>, std::vector<Edge>> translates;
        for (unsigned int c = 0; c < tets.cells.size(); ++c)
          for (unsigned int f = 0; f < 4; ++f)
            if (tets.boundary_ids[c][f] == stream_boundary::periodic)
              for (unsigned int l = 0; l < 3; ++l)
                {
                  // An edge by its vertices in the order of their numbers,
                  // the same from every face it bounds.
                  const std::array<unsigned int, 3> v =
                    tets.face_vertices(c, f);
                  const unsigned int i = v[l], j = v[(l + 1) % 3];
                  const Edge         edge = {{tets.vertices[std::min(i, j)],
                                              tets.vertices[std::max(i, j)]}};
                  auto a = canonical(edge[0]), b = canonical(edge[1]);
                  if (b < a)
                    std::swap(a, b);
                  auto &group =
                    translates[{{a[0], a[1], a[2], b[0], b[1], b[2]}}];
                  if (std::none_of(group.begin(),
                                   group.end(),
                                   [&](const Edge &e) {
                                     return e[0] == edge[0] && e[1] == edge[1];
                                   }))
                    group.push_back(edge);
                }
        const auto straight = [&](const Edge &edge) {
          const std::array<double, 2> half = {{0.5, 0.5}};
          return manifold.get_new_point(
                   ArrayView<const Point<3>>(edge.data(), 2),
                   ArrayView<const double>(half.data(), 2)) ==
                 Point<3>((edge[0] + edge[1]) / 2);
        };
        unsigned int n_straightened = 0;
        for (const auto &[key, group] : translates)
          if (std::any_of(group.begin(), group.end(), straight))
            for (const Edge &edge : group)
              if (!straight(edge))
                {
                  manifold.add_interior_chord(edge[0], edge[1]);
                  ++n_straightened;
                }
        return n_straightened;
      }
    } // namespace stream_internal
  }   // namespace meshes
} // namespace xray

// The stream's tetrahedra as deal.II wants them, their faces (neighbours
// and boundary), the METIS partition and each rank's share of the fully
// distributed triangulation, all from the raw mesh: no serial
// triangulation of every cell on every rank (for 758k tetrahedra that cost
// 3.4 s and the partition through it 1.6 s per rank). The description is
// the one deal.II's create_description_from_triangulation() makes from a
// serial triangulation of the same cells (tests/unit/test_stream_mesh.cc
// compares them), so the distributed mesh, and every result, is unchanged.
#include "common/errors.h" // SolverError
#include "meshes/particle_stream_internal.h"

#include <deal.II/base/exceptions.h>
#include <deal.II/grid/cell_id.h>
#include <deal.II/grid/reference_cell.h>
#include <deal.II/lac/dynamic_sparsity_pattern.h>
#include <deal.II/lac/sparsity_pattern.h>
#include <deal.II/lac/sparsity_tools.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

namespace xray
{
  namespace meshes
  {
    namespace stream_internal
    {
      namespace
      {
        /// Cell vertices of face @p f in deal.II's numbering.
        unsigned int
        face_vertex(const unsigned int f, const unsigned int i)
        {
          return ReferenceCells::Tetrahedron.face_to_cell_vertices(f, i, 1);
        }


        /// Every face of every cell, by its sorted vertices, so that the
        /// two sides of an interior face sort next to each other.
        struct FaceKey
        {
          std::array<unsigned int, 3> vertices;
          unsigned int                cell_face; // 4 * cell + face

          bool
          operator<(const FaceKey &other) const
          {
            return vertices < other.vertices;
          }
        };
      } // namespace


      std::array<unsigned int, 3>
      Tetrahedra::face_vertices(const unsigned int c,
                                const unsigned int f) const
      {
        return {{cells[c][face_vertex(f, 0)],
                 cells[c][face_vertex(f, 1)],
                 cells[c][face_vertex(f, 2)]}};
      }


      namespace
      {
        /// Bits 0, 3, 6, ... of the result are those of @p x (21 bits).
        std::uint64_t
        spread_bits(std::uint64_t x)
        {
          x &= 0x1fffff;
          x = (x | x << 32) & 0x1f00000000ffff;
          x = (x | x << 16) & 0x1f0000ff0000ff;
          x = (x | x << 8) & 0x100f00f00f00f00f;
          x = (x | x << 4) & 0x10c30c30c30c30c3;
          x = (x | x << 2) & 0x1249249249249249;
          return x;
        }
      } // namespace


      void
      order_along_space_filling_curve(RawMesh &mesh)
      {
        const std::size_t n_vertices = mesh.coordinates.size() / 3;
        const std::size_t n_cells    = mesh.tetrahedra.size() / 4;
        if (n_cells == 0)
          return;
        std::array<double, 3> lower, upper;
        lower.fill(std::numeric_limits<double>::max());
        upper.fill(std::numeric_limits<double>::lowest());
        for (std::size_t v = 0; v < n_vertices; ++v)
          for (unsigned int d = 0; d < 3; ++d)
            {
              lower[d] = std::min(lower[d], mesh.coordinates[3 * v + d]);
              upper[d] = std::max(upper[d], mesh.coordinates[3 * v + d]);
            }

        // The Morton key of each centroid on a 2^21 grid per axis.
        const double               n_bins = double(1u << 21);
        std::vector<std::uint64_t> key(n_cells, 0);
        for (std::size_t c = 0; c < n_cells; ++c)
          for (unsigned int d = 0; d < 3; ++d)
            {
              double centroid = 0;
              for (unsigned int j = 0; j < 4; ++j)
                centroid +=
                  mesh.coordinates[3 * mesh.tetrahedra[4 * c + j] + d] / 4;
              const double extent = upper[d] - lower[d];
              const double bin =
                extent > 0 ? (centroid - lower[d]) / extent * n_bins : 0;
              const auto b =
                static_cast<std::uint64_t>(std::clamp(bin, 0., n_bins - 1));
              key[c] |= spread_bits(b) << d;
            }
        std::vector<unsigned int> order(n_cells);
        std::iota(order.begin(), order.end(), 0u);
        std::stable_sort(order.begin(),
                         order.end(),
                         [&](const unsigned int a, const unsigned int b) {
                           return key[a] < key[b];
                         });

        // Cells in that order, vertices numbered as the cells reach them.
        std::vector<unsigned int> new_vertex(n_vertices,
                                             numbers::invalid_unsigned_int);
        std::vector<double>       coordinates;
        std::vector<unsigned int> tetrahedra;
        coordinates.reserve(mesh.coordinates.size());
        tetrahedra.reserve(mesh.tetrahedra.size());
        for (const unsigned int c : order)
          for (unsigned int j = 0; j < 4; ++j)
            {
              const unsigned int v = mesh.tetrahedra[4 * c + j];
              if (new_vertex[v] == numbers::invalid_unsigned_int)
                {
                  new_vertex[v] = coordinates.size() / 3;
                  for (unsigned int d = 0; d < 3; ++d)
                    coordinates.push_back(mesh.coordinates[3 * v + d]);
                }
              tetrahedra.push_back(new_vertex[v]);
            }
        mesh.coordinates = std::move(coordinates);
        mesh.tetrahedra  = std::move(tetrahedra);
      }


      Tetrahedra
      oriented_tetrahedra(RawMesh &mesh)
      {
        Tetrahedra         tets;
        const unsigned int n_vertices = mesh.coordinates.size() / 3;
        tets.vertices.resize(n_vertices);
        for (unsigned int i = 0; i < n_vertices; ++i)
          tets.vertices[i] = Point<3>(mesh.coordinates[3 * i],
                                      mesh.coordinates[3 * i + 1],
                                      mesh.coordinates[3 * i + 2]);
        // deal.II wants vertex 3 on the side of the normal
        // (v1 - v0) x (v2 - v0); gmsh's convention is the same, but a
        // swapped tetrahedron would silently give negative Jacobians.
        tets.cells.resize(mesh.tetrahedra.size() / 4);
        for (unsigned int c = 0; c < tets.cells.size(); ++c)
          {
            auto &v = tets.cells[c];
            for (unsigned int j = 0; j < 4; ++j)
              v[j] = mesh.tetrahedra[4 * c + j];
            const auto  &x = tets.vertices;
            const double volume6 =
              cross_product_3d(x[v[1]] - x[v[0]], x[v[2]] - x[v[0]]) *
              (x[v[3]] - x[v[0]]);
            if (volume6 < 0)
              std::swap(v[1], v[2]);
            else if (!(volume6 > 0))
              throw SolverError("gmsh made a tetrahedron of zero volume at " +
                                point(x[v[0]]));
          }
        mesh = RawMesh(); // free
        find_neighbors(tets);
        return tets;
      }


      void
      find_neighbors(Tetrahedra &tets)
      {
        const unsigned int   n_cells = tets.cells.size();
        std::vector<FaceKey> faces(4 * n_cells);
        for (unsigned int c = 0; c < n_cells; ++c)
          for (unsigned int f = 0; f < 4; ++f)
            {
              FaceKey &key = faces[4 * c + f];
              key.vertices = tets.face_vertices(c, f);
              std::sort(key.vertices.begin(), key.vertices.end());
              key.cell_face = 4 * c + f;
            }
        std::sort(faces.begin(), faces.end());

        const unsigned int none = numbers::invalid_unsigned_int;
        tets.neighbors.assign(n_cells, {{none, none, none, none}});
        tets.boundary_ids.assign(n_cells,
                                 {{numbers::internal_face_boundary_id,
                                   numbers::internal_face_boundary_id,
                                   numbers::internal_face_boundary_id,
                                   numbers::internal_face_boundary_id}});
        for (std::size_t i = 0; i < faces.size();)
          {
            std::size_t j = i + 1;
            while (j < faces.size() && faces[j].vertices == faces[i].vertices)
              ++j;
            const unsigned int a = faces[i].cell_face;
            if (j - i > 2)
              throw SolverError("a face of the stream mesh at " +
                                point(tets.vertices[faces[i].vertices[0]]) +
                                " belongs to more than two tetrahedra");
            if (j - i == 2)
              {
                const unsigned int b         = faces[i + 1].cell_face;
                tets.neighbors[a / 4][a % 4] = b / 4;
                tets.neighbors[b / 4][b % 4] = a / 4;
              }
            else // on the boundary: classified by the caller
              tets.boundary_ids[a / 4][a % 4] = numbers::invalid_boundary_id;
            i = j;
          }
      }


      std::vector<unsigned int>
      partition_cells(const Tetrahedra &tets, const unsigned int n_parts)
      {
        const unsigned int        n_cells = tets.cells.size();
        std::vector<unsigned int> part(n_cells, 0);
        if (n_parts == 1)
          return part;
        // The graph GridTools::partition_triangulation() gives METIS: each
        // cell coupled to itself and its face neighbours.
        DynamicSparsityPattern    graph(n_cells, n_cells);
        std::vector<unsigned int> row;
        for (unsigned int c = 0; c < n_cells; ++c)
          {
            row.assign(1, c);
            for (const unsigned int n : tets.neighbors[c])
              if (n != numbers::invalid_unsigned_int)
                row.push_back(n);
            std::sort(row.begin(), row.end());
            graph.add_entries(c, row.begin(), row.end(), true);
          }
        SparsityPattern sparsity;
        sparsity.copy_from(graph);
        SparsityTools::partition(sparsity,
                                 std::vector<unsigned int>(),
                                 n_parts,
                                 part,
                                 SparsityTools::Partitioner::metis);
        return part;
      }


      TriangulationDescription::Description<3, 3>
      describe_cells(const Tetrahedra                &tets,
                     const std::vector<unsigned int> &part,
                     const unsigned int               rank,
                     const MPI_Comm                   comm)
      {
        // Locally relevant: the cells that share a vertex with a cell of
        // this rank (its own and its ghosts).
        std::vector<bool> at_own_cell(tets.vertices.size(), false);
        for (unsigned int c = 0; c < tets.cells.size(); ++c)
          if (part[c] == rank)
            for (const unsigned int v : tets.cells[c])
              at_own_cell[v] = true;
        std::vector<unsigned int> relevant;
        for (unsigned int c = 0; c < tets.cells.size(); ++c)
          if (std::any_of(tets.cells[c].begin(),
                          tets.cells[c].end(),
                          [&](const unsigned int v) { return at_own_cell[v]; }))
            relevant.push_back(c);

        TriangulationDescription::Description<3, 3> description;
        description.comm = comm;
        description.settings =
          TriangulationDescription::Settings::default_setting;
        description.smoothing = Triangulation<3>::none;

        // Their vertices, numbered in the order of the global numbers.
        std::vector<unsigned int> local(tets.vertices.size(),
                                        numbers::invalid_unsigned_int);
        for (const unsigned int c : relevant)
          for (const unsigned int v : tets.cells[c])
            local[v] = 0;
        for (unsigned int v = 0; v < tets.vertices.size(); ++v)
          if (local[v] == 0)
            {
              local[v] = description.coarse_cell_vertices.size();
              description.coarse_cell_vertices.push_back(tets.vertices[v]);
            }

        description.cell_infos.resize(1);
        for (const unsigned int c : relevant)
          {
            dealii::CellData<3> cell(4);
            for (unsigned int j = 0; j < 4; ++j)
              cell.vertices[j] = local[tets.cells[c][j]];
            cell.material_id = 0;
            cell.manifold_id = 0;
            description.coarse_cells.push_back(cell);
            description.coarse_cell_index_to_coarse_cell_id.push_back(c);

            // Manifold 0 on the cell, its edges and its faces (deal.II
            // 9.4's MappingFE asks the cell's manifold for every point).
            TriangulationDescription::CellData<3> info;
            info.id = CellId(c, std::vector<std::uint8_t>()).to_binary<3>();
            info.subdomain_id       = part[c];
            info.level_subdomain_id = 0;
            info.manifold_id        = 0;
            info.manifold_line_ids.fill(0);
            info.manifold_quad_ids.fill(0);
            for (unsigned int f = 0; f < 4; ++f)
              if (tets.boundary_ids[c][f] != numbers::internal_face_boundary_id)
                info.boundary_ids.emplace_back(f, tets.boundary_ids[c][f]);
            description.cell_infos[0].push_back(info);
          }
        return description;
      }
    } // namespace stream_internal
  }   // namespace meshes
} // namespace xray

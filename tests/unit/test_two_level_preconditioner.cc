// Unit tests of the two-level preconditioner (solvers/common/
// two_level_preconditioner.h) on a P2 Poisson problem on tetrahedra with the
// kinds of constraint stream-potential condenses: a grounded face
// (Dirichlet) and a floating conductor (every unknown of a face tied to one
// of them). Reference: the same system solved by CG with BoomerAMG.
#include "common/linear_algebra.h"
#include "common/two_level_preconditioner.h"

#include <deal.II/base/mpi.h>
#include <deal.II/base/quadrature_lib.h>
#include <deal.II/dofs/dof_tools.h>
#include <deal.II/fe/fe_simplex_p.h>
#include <deal.II/fe/fe_values.h>
#include <deal.II/fe/mapping_fe.h>
#include <deal.II/grid/grid_generator.h>
#include <deal.II/grid/tria.h>
#include <deal.II/lac/affine_constraints.h>
#include <deal.II/lac/dynamic_sparsity_pattern.h>
#include <deal.II/lac/solver_cg.h>
#include <deal.II/lac/solver_control.h>
#include <deal.II/numerics/vector_tools.h>

#include <gtest/gtest.h>

#include <cmath>
#include <set>

namespace
{
  using namespace dealii;
  using xray::TwoLevelPreconditioner;

  /// -div grad u = 1 on the unit cube cut into @p subdivisions^3 cubes of
  /// tetrahedra, P2: u = 0 on x = 0, u equal to one unknown (free) on
  /// x = 1, natural boundary elsewhere.
  struct Poisson
  {
    Triangulation<3>                 mesh;
    FE_SimplexP<3>                   fe{2};
    MappingFE<3>                     mapping{FE_SimplexP<3>(1)};
    DoFHandler<3>                    dof_handler;
    AffineConstraints<double>        constraints;
    PETScWrappers::MPI::SparseMatrix matrix;
    PETScWrappers::MPI::Vector       rhs;

    explicit Poisson(const unsigned int subdivisions)
    {
      GridGenerator::subdivided_hyper_cube_with_simplices(mesh, subdivisions);
      // Boundary ids: 0 on x = 0, 1 on x = 1, 2 elsewhere.
      for (const auto &face : mesh.active_face_iterators())
        if (face->at_boundary())
          {
            const double x = face->center()[0];
            face->set_boundary_id(x < 1e-12 ? 0 : x > 1. - 1e-12 ? 1 : 2);
          }
      dof_handler.reinit(mesh);
      dof_handler.distribute_dofs(fe);
      make_constraints();
      assemble();
    }

    void
    make_constraints()
    {
      VectorTools::interpolate_boundary_values(
        mapping, dof_handler, 0, Functions::ZeroFunction<3>(), constraints);
      // Boundary id 1 is the face x = 1: its unknowns follow the first.
      std::set<types::global_dof_index>    floating;
      std::vector<types::global_dof_index> face_dofs(fe.n_dofs_per_face());
      for (const auto &cell : dof_handler.active_cell_iterators())
        for (const auto &face : cell->face_iterators())
          if (face->at_boundary() && face->boundary_id() == 1)
            {
              face->get_dof_indices(face_dofs);
              floating.insert(face_dofs.begin(), face_dofs.end());
            }
      const types::global_dof_index master = *floating.begin();
      for (const types::global_dof_index dof : floating)
        if (dof != master && !constraints.is_constrained(dof))
          {
            constraints.add_line(dof);
            constraints.add_entry(dof, master, 1.);
          }
      constraints.close();
    }

    void
    assemble()
    {
      const IndexSet         owned = dof_handler.locally_owned_dofs();
      DynamicSparsityPattern pattern(dof_handler.n_dofs());
      DoFTools::make_sparsity_pattern(dof_handler, pattern, constraints, false);
      matrix.reinit(owned, owned, pattern, MPI_COMM_WORLD);
      rhs.reinit(owned, MPI_COMM_WORLD);

      const QGaussSimplex<3>               quadrature(3);
      FEValues<3>                          fe_values(mapping,
                            fe,
                            quadrature,
                            update_values | update_gradients |
                              update_JxW_values);
      const unsigned int                   n = fe.n_dofs_per_cell();
      FullMatrix<double>                   cell_matrix(n, n);
      Vector<double>                       cell_rhs(n);
      std::vector<types::global_dof_index> dofs(n);
      for (const auto &cell : dof_handler.active_cell_iterators())
        {
          fe_values.reinit(cell);
          cell_matrix = 0;
          cell_rhs    = 0;
          for (const unsigned int q : fe_values.quadrature_point_indices())
            for (unsigned int i = 0; i < n; ++i)
              {
                for (unsigned int j = 0; j < n; ++j)
                  cell_matrix(i, j) += fe_values.shape_grad(i, q) *
                                       fe_values.shape_grad(j, q) *
                                       fe_values.JxW(q);
                cell_rhs(i) += fe_values.shape_value(i, q) * fe_values.JxW(q);
              }
          cell->get_dof_indices(dofs);
          constraints.distribute_local_to_global(
            cell_matrix, cell_rhs, dofs, matrix, rhs);
        }
      matrix.compress(VectorOperation::add);
      rhs.compress(VectorOperation::add);
    }

    /// CG to 1e-10 of the right-hand side; the number of iterations.
    template <typename Preconditioner>
    unsigned int
    solve(const Preconditioner &preconditioner, PETScWrappers::MPI::Vector &u)
    {
      u.reinit(rhs);
      SolverControl                        control(500, 1e-10 * rhs.l2_norm());
      SolverCG<PETScWrappers::MPI::Vector> cg(control);
      cg.solve(matrix, u, rhs, preconditioner);
      constraints.distribute(u);
      return control.last_step();
    }

    TwoLevelPreconditioner two_level;

    void
    initialize_two_level()
    {
      two_level.initialize(matrix, dof_handler, FE_SimplexP<3>(1));
    }
  };


  TEST(TwoLevelPreconditioner, SolvesAsBoomerAMGDoes)
  {
    Poisson poisson(4);
    poisson.initialize_two_level();
    PETScWrappers::MPI::Vector with_two_level, with_amg;
    const unsigned int         iterations =
      poisson.solve(poisson.two_level, with_two_level);

    xray::PETScAlgebra::AMG amg;
    xray::PETScAlgebra::initialize_amg(amg, poisson.matrix, true, true);
    poisson.solve(amg, with_amg);

    PETScWrappers::MPI::Vector difference(with_two_level);
    difference -= with_amg;
    EXPECT_LT(difference.linfty_norm(), 1e-8 * with_amg.linfty_norm());
    EXPECT_GT(with_amg.linfty_norm(), 0.);
    // A two-level cycle with a nearly exact coarse solve: a few tens of
    // iterations at most, not the hundreds of the sweeps alone.
    EXPECT_LE(iterations, 30u);
  }


  TEST(TwoLevelPreconditioner, IsSymmetric)
  {
    // CG needs (y, M x) = (M y, x) for the preconditioner M.
    Poisson poisson(3);
    poisson.initialize_two_level();
    PETScWrappers::MPI::Vector x(poisson.rhs), y(poisson.rhs);
    for (const auto i : poisson.dof_handler.locally_owned_dofs())
      {
        x[i] = std::sin(1. + i);
        y[i] = std::cos(2. * i);
      }
    x.compress(VectorOperation::insert);
    y.compress(VectorOperation::insert);
    PETScWrappers::MPI::Vector Mx(x), My(y);
    poisson.two_level.vmult(Mx, x);
    poisson.two_level.vmult(My, y);
    const double yMx = y * Mx, xMy = x * My;
    EXPECT_NEAR(yMx, xMy, 1e-12 * std::abs(yMx));
    EXPECT_GT(x * Mx, 0.); // and positive
  }


  TEST(TwoLevelPreconditioner, IterationsBarelyGrowUnderRefinement)
  {
    // The coarse level is solved by an AMG V-cycle and the smoother
    // removes what the linear elements cannot hold: the iterations stay
    // bounded as the mesh is refined (8 times the cells here).
    Poisson                    coarse(4), fine(8);
    PETScWrappers::MPI::Vector u;
    coarse.initialize_two_level();
    fine.initialize_two_level();
    const unsigned int n_coarse = coarse.solve(coarse.two_level, u);
    const unsigned int n_fine   = fine.solve(fine.two_level, u);
    EXPECT_LE(n_fine, n_coarse + 5) << n_coarse << " -> " << n_fine;
  }
} // namespace

#include "common/two_level_preconditioner.h"

#include "common/linear_algebra.h"

#include <deal.II/lac/full_matrix.h>

#include <cmath>
#include <vector>

namespace xray
{
  namespace
  {
    constexpr auto check = &PETScAlgebra::check;


    /// Whether each owned row of @p matrix holds an entry off its diagonal
    /// (false: a constrained unknown, condensed out of the system).
    std::vector<bool>
    coupled_rows(const Mat matrix)
    {
      PetscInt first = 0, end = 0;
      check(MatGetOwnershipRange(matrix, &first, &end), "MatGetOwnershipRange");
      std::vector<bool> coupled(end - first);
      for (PetscInt row = first; row < end; ++row)
        {
          PetscInt n_entries = 0;
          check(MatGetRow(matrix, row, &n_entries, nullptr, nullptr),
                "MatGetRow");
          coupled[row - first] = n_entries > 1;
          check(MatRestoreRow(matrix, row, &n_entries, nullptr, nullptr),
                "MatRestoreRow");
        }
      return coupled;
    }


    /// P: the linear elements' unknowns to @p dof_handler's. Each owned
    /// row is written from a locally owned cell (every owned unknown lies
    /// on one); on a cell, entry (i, j) is the linear shape function j at
    /// the support point of unknown i. Rows of constrained unknowns stay
    /// empty.
    template <int dim>
    Mat
    interpolation_matrix(const DoFHandler<dim>   &dof_handler,
                         const DoFHandler<dim>   &linear,
                         const std::vector<bool> &coupled)
    {
      const FiniteElement<dim> &fe        = dof_handler.get_fe();
      const FiniteElement<dim> &linear_fe = linear.get_fe();
      FullMatrix<double>        cell_interpolation(fe.n_dofs_per_cell(),
                                            linear_fe.n_dofs_per_cell());
      for (unsigned int i = 0; i < cell_interpolation.m(); ++i)
        for (unsigned int j = 0; j < cell_interpolation.n(); ++j)
          cell_interpolation(i, j) =
            linear_fe.shape_value(j, fe.get_unit_support_points()[i]);

      const IndexSet &owned         = dof_handler.locally_owned_dofs();
      Mat             interpolation = nullptr;
      const auto      max_entries =
        static_cast<PetscInt>(linear_fe.n_dofs_per_cell());
      // MPIAIJ also on one rank, as deal.II's parallel matrix is: PETSc
      // multiplies only matrices of one type.
      check(MatCreate(dof_handler.get_triangulation().get_communicator(),
                      &interpolation),
            "MatCreate");
      check(MatSetSizes(interpolation,
                        owned.n_elements(),
                        linear.locally_owned_dofs().n_elements(),
                        PETSC_DETERMINE,
                        PETSC_DETERMINE),
            "MatSetSizes");
      check(MatSetType(interpolation, MATMPIAIJ), "MatSetType");
      check(MatMPIAIJSetPreallocation(
              interpolation, max_entries, nullptr, max_entries, nullptr),
            "MatMPIAIJSetPreallocation");
      std::vector<types::global_dof_index> dofs(cell_interpolation.m());
      std::vector<types::global_dof_index> linear_dofs(cell_interpolation.n());
      for (const auto &cell : dof_handler.active_cell_iterators())
        if (cell->is_locally_owned())
          {
            cell->get_dof_indices(dofs);
            // The same cell in the linear elements' numbering.
            typename DoFHandler<dim>::active_cell_iterator(
              &dof_handler.get_triangulation(),
              cell->level(),
              cell->index(),
              &linear)
              ->get_dof_indices(linear_dofs);
            for (unsigned int i = 0; i < dofs.size(); ++i)
              if (owned.is_element(dofs[i]) &&
                  coupled[owned.index_within_set(dofs[i])])
                for (unsigned int j = 0; j < linear_dofs.size(); ++j)
                  if (std::abs(cell_interpolation(i, j)) > 1e-12)
                    check(MatSetValue(interpolation,
                                      static_cast<PetscInt>(dofs[i]),
                                      static_cast<PetscInt>(linear_dofs[j]),
                                      cell_interpolation(i, j),
                                      INSERT_VALUES),
                          "MatSetValue");
          }
      check(MatAssemblyBegin(interpolation, MAT_FINAL_ASSEMBLY),
            "MatAssemblyBegin");
      check(MatAssemblyEnd(interpolation, MAT_FINAL_ASSEMBLY),
            "MatAssemblyEnd");
      return interpolation;
    }


    /// A linear unknown whose vertex and edges carry only constrained
    /// unknowns has an empty column in P, so an empty row in P^T A P: it
    /// gets a diagonal entry (the mean of the others on its rank), which
    /// decouples it. Its value never reaches the fine level.
    void
    fill_empty_diagonal(const Mat coarse_matrix)
    {
      Vec diagonal = nullptr;
      check(MatCreateVecs(coarse_matrix, &diagonal, nullptr), "MatCreateVecs");
      check(MatGetDiagonal(coarse_matrix, diagonal), "MatGetDiagonal");
      PetscInt first = 0, end = 0;
      check(VecGetOwnershipRange(diagonal, &first, &end),
            "VecGetOwnershipRange");
      const PetscScalar *values = nullptr;
      check(VecGetArrayRead(diagonal, &values), "VecGetArrayRead");
      std::vector<PetscInt> empty;
      double                sum = 0.;
      for (PetscInt row = first; row < end; ++row)
        if (values[row - first] == 0.)
          empty.push_back(row);
        else
          sum += std::abs(values[row - first]);
      check(VecRestoreArrayRead(diagonal, &values), "VecRestoreArrayRead");
      check(VecDestroy(&diagonal), "VecDestroy");
      const PetscInt n_filled = end - first - empty.size();
      const double   mean     = n_filled > 0 ? sum / n_filled : 1.;
      check(MatSetOption(coarse_matrix,
                         MAT_NEW_NONZERO_ALLOCATION_ERR,
                         PETSC_FALSE),
            "MatSetOption");
      for (const PetscInt row : empty)
        check(MatSetValue(coarse_matrix, row, row, mean, INSERT_VALUES),
              "MatSetValue");
      check(MatAssemblyBegin(coarse_matrix, MAT_FINAL_ASSEMBLY),
            "MatAssemblyBegin");
      check(MatAssemblyEnd(coarse_matrix, MAT_FINAL_ASSEMBLY),
            "MatAssemblyEnd");
    }
  } // namespace


  TwoLevelPreconditioner::~TwoLevelPreconditioner()
  {
    clear();
  }


  void
  TwoLevelPreconditioner::clear()
  {
    // Called from the destructor: the error codes are not checked.
    MatDestroy(&interpolation);
    MatDestroy(&coarse_matrix);
    PCDestroy(&coarse_amg);
    VecDestroy(&residual);
    VecDestroy(&coarse_rhs);
    VecDestroy(&coarse_update);
    fine_matrix = nullptr;
  }


  template <int dim>
  void
  TwoLevelPreconditioner::initialize(
    const PETScWrappers::MPI::SparseMatrix &matrix,
    const DoFHandler<dim>                  &dof_handler,
    const FiniteElement<dim>               &linear_element)
  {
    clear();
    fine_matrix = matrix;
    {
      DoFHandler<dim> linear(dof_handler.get_triangulation());
      linear.distribute_dofs(linear_element);
      interpolation =
        interpolation_matrix(dof_handler, linear, coupled_rows(fine_matrix));
    }
    check(MatPtAP(fine_matrix,
                  interpolation,
                  MAT_INITIAL_MATRIX,
                  PETSC_DEFAULT,
                  &coarse_matrix),
          "MatPtAP");
    fill_empty_diagonal(coarse_matrix);
    build_coarse_amg();
    check(MatCreateVecs(interpolation, &coarse_update, &residual),
          "MatCreateVecs");
    check(VecDuplicate(coarse_update, &coarse_rhs), "VecDuplicate");
  }


  void
  TwoLevelPreconditioner::build_coarse_amg()
  {
    // BoomerAMG as PETScAlgebra::initialize_amg() sets it up for a
    // symmetric matrix (l1 Gauss-Seidel forward down, backward up, and the
    // low-complexity hierarchy), but with hypre's strength threshold for
    // 3D, 0.5: the P1 matrix of the vacuum around the particles has none
    // of the thin layers that the anodes' 0.7 serves.
    PETScAlgebra::set_default_options(
      {{"-pc_hypre_boomeramg_strong_threshold", "0.5"},
       {"-pc_hypre_boomeramg_relax_type_down", "l1-Gauss-Seidel"},
       {"-pc_hypre_boomeramg_relax_type_up", "backward-l1-Gauss-Seidel"}});
    PETScAlgebra::use_low_complexity_hierarchy();
    check(PCCreate(PetscObjectComm(PetscObject(coarse_matrix)), &coarse_amg),
          "PCCreate");
    check(PCSetType(coarse_amg, PCHYPRE), "PCSetType");
    check(PCHYPRESetType(coarse_amg, "boomeramg"), "PCHYPRESetType");
    check(PCSetOperators(coarse_amg, coarse_matrix, coarse_matrix),
          "PCSetOperators");
    check(PCSetFromOptions(coarse_amg), "PCSetFromOptions");
    check(PCSetUp(coarse_amg), "PCSetUp");
  }


  void
  TwoLevelPreconditioner::vmult(PETScWrappers::MPI::Vector       &dst,
                                const PETScWrappers::MPI::Vector &src) const
  {
    const Vec r = src;
    const Vec x = dst;
    // x = S_f r: one forward sweep from zero.
    check(MatSOR(fine_matrix,
                 r,
                 1.,
                 MatSORType(SOR_LOCAL_FORWARD_SWEEP | SOR_ZERO_INITIAL_GUESS),
                 0.,
                 1,
                 1,
                 x),
          "MatSOR");
    // x += P B P^T (r - A x)
    check(MatMult(fine_matrix, x, residual), "MatMult");
    check(VecAYPX(residual, -1., r), "VecAYPX");
    check(MatMultTranspose(interpolation, residual, coarse_rhs),
          "MatMultTranspose");
    check(PCApply(coarse_amg, coarse_rhs, coarse_update), "PCApply");
    check(MatMultAdd(interpolation, coarse_update, x, x), "MatMultAdd");
    // x += S_b (r - A x): one backward sweep from x.
    check(MatSOR(fine_matrix, r, 1., SOR_LOCAL_BACKWARD_SWEEP, 0., 1, 1, x),
          "MatSOR");
  }


  template void
  TwoLevelPreconditioner::initialize(const PETScWrappers::MPI::SparseMatrix &,
                                     const DoFHandler<2> &,
                                     const FiniteElement<2> &);
  template void
  TwoLevelPreconditioner::initialize(const PETScWrappers::MPI::SparseMatrix &,
                                     const DoFHandler<3> &,
                                     const FiniteElement<3> &);
} // namespace xray

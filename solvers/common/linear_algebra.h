// The two parallel linear-algebra stacks deal.II wraps (as in step-40),
// chosen at run time by "Solver/Linear algebra". A solver is a template on
// one of these traits classes.
#ifndef XRAY_COMMON_LINEAR_ALGEBRA_H
#define XRAY_COMMON_LINEAR_ALGEBRA_H

#include "common/sparse_direct.h"

#include <deal.II/lac/petsc_precondition.h>
#include <deal.II/lac/petsc_sparse_matrix.h>
#include <deal.II/lac/petsc_vector.h>
#include <deal.II/lac/trilinos_precondition.h>
#include <deal.II/lac/trilinos_sparse_matrix.h>
#include <deal.II/lac/trilinos_vector.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace xray
{
  using namespace dealii;

  struct TrilinosAlgebra
  {
    static constexpr const char *name = "Trilinos";
    using Vector                      = TrilinosWrappers::MPI::Vector;
    using SparseMatrix                = TrilinosWrappers::SparseMatrix;
    using AMG                         = TrilinosWrappers::PreconditionAMG;
    using SparseLU                    = TrilinosSparseLU;

    /// Smoothed aggregation (ML): the SPD settings for a symmetric matrix,
    /// ML's nonsymmetric variant (NSSA) for the Newton matrix of k(T).
    static void
    initialize_amg(AMG                &amg,
                   const SparseMatrix &matrix,
                   bool                symmetric,
                   bool                higher_order)
    {
      AMG::AdditionalData data;
      data.elliptic              = symmetric;
      data.higher_order_elements = higher_order;
      data.smoother_sweeps       = 2;
      data.aggregation_threshold = 0.02;
      data.w_cycle               = false;
      // Symmetric Gauss-Seidel rather than ML's default Chebyshev: on the
      // flat Q2 cells of thin layers in 3D it takes fewer iterations (CG
      // 109-115 against 130-134 on benchmarks/performance, GMRES ~40 %
      // fewer on params/cu-on-diamond.prm).
      data.smoother_type = "symmetric Gauss-Seidel";
      // ML keeps this hierarchy until it is built anew, also when the
      // matrix values change (a lagged preconditioner).
      amg.initialize(matrix, data);
    }

    /// Entries @p indices (owned or ghost here) of the ghosted vector
    /// @p v into @p values.
    static void
    extract_values(const Vector                               &v,
                   const std::vector<types::global_dof_index> &indices,
                   std::vector<double>                        &values)
    {
      values.resize(indices.size());
      v.extract_subvector_to(indices.begin(), indices.end(), values.begin());
    }
  };

  struct PETScAlgebra
  {
    static constexpr const char *name = "PETSc";
    using Vector                      = PETScWrappers::MPI::Vector;
    using SparseMatrix                = PETScWrappers::MPI::SparseMatrix;
    using AMG                         = PETScWrappers::PreconditionBoomerAMG;
    using SparseLU                    = PETScSparseLU;

    /// hypre's options for a hierarchy of low operator complexity, which
    /// deal.II's BoomerAMG data do not reach: HMIS coarsening (De Sterck,
    /// Yang and Heys, SIAM J. Matrix Anal. Appl. 27 (2006) 1019) with
    /// extended+i interpolation truncated to 4 entries per row (De Sterck,
    /// Falgout, Nolting and Yang, Numer. Linear Algebra Appl. 15 (2008)
    /// 115). hypre's default (Falgout coarsening, classical interpolation)
    /// keeps far more entries on the coarse levels of a 3D P2 or Q2
    /// matrix: the same CG iterations cost several times more
    /// (doc/stream-potential.md, "Linear solver"). An option the user set
    /// (PETSC_OPTIONS) is kept.
    static void
    use_low_complexity_hierarchy()
    {
      set_default_options({{"-pc_hypre_boomeramg_coarsen_type", "HMIS"},
                           {"-pc_hypre_boomeramg_interp_type", "ext+i"},
                           {"-pc_hypre_boomeramg_P_max", "4"}});
    }

    /// PETSc options (name, value) into PETSc's options database, each
    /// unless the user set it (PETSC_OPTIONS).
    static void
    set_default_options(
      const std::vector<std::pair<const char *, const char *>> &options)
    {
      for (const auto &[name, value] : options)
        {
          PetscBool set = PETSC_FALSE;
          check(PetscOptionsHasName(nullptr, nullptr, name, &set),
                "PetscOptionsHasName");
          if (!set)
            check(PetscOptionsSetValue(nullptr, name, value),
                  "PetscOptionsSetValue");
        }
    }

    /// hypre BoomerAMG. For a symmetric matrix (CG) the V-cycle smooths
    /// with l1 Gauss-Seidel forward on the way down and backward on the
    /// way up (hypre's relaxation types 13 and 14): the cycle is then a
    /// symmetric positive definite preconditioner, as CG needs, and it
    /// converges on any partition (Baker, Falgout, Kolev and Yang, SIAM
    /// J. Sci. Comput. 33 (2011) 2864). deal.II's symmetric setting
    /// (symmetric_operator) smooths with symmetric Gauss-Seidel both ways
    /// instead: twice the smoothing work per cycle for a tenth fewer
    /// iterations (doc/stream-potential.md, "Linear solver").
    static void
    initialize_amg(AMG                &amg,
                   const SparseMatrix &matrix,
                   bool                symmetric,
                   bool /*higher_order*/)
    {
      using Relaxation = AMG::AdditionalData::RelaxationType;
      AMG::AdditionalData data;
      // Strength threshold 0.7 rather than the 0.5 hypre suggests for 3D:
      // a coupling counts as strong only if it is at least 0.7 of the
      // row's largest, so coarsening follows the dominant couplings of the
      // flat Q2 cells in thin layers and across conductivity jumps. On the
      // anodes in 3D it cuts both iterations and set-up: GMRES 53 -> 19 on
      // the 20 x 200 um line focus's quarter, CG 133 -> 92 over the four
      // cycles of the 1M-unknown case (benchmarks/performance, section 5),
      // set-up 3.7 -> 3.1 s; elsewhere within a few iterations.
      // stream-potential's Preconditioner = AMG takes 69 CG iterations
      // instead of 57 on params/stream-monolayer.prm, with a shorter
      // set-up, in the same time (doc/measurement-log.md, "BoomerAMG's
      // strength threshold").
      data.strong_threshold = 0.7;
      if (symmetric)
        {
          data.relaxation_type_down = Relaxation::l1GaussSeidel;
          data.relaxation_type_up   = Relaxation::backwardl1GaussSeidel;
        }
      use_low_complexity_hierarchy();
      amg.initialize(matrix, data);
      // The solver decides when the AMG is built anew; PETSc would
      // otherwise rebuild it at its first use after the matrix changed.
      check(PCSetReusePreconditioner(amg.get_pc(), PETSC_TRUE),
            "PCSetReusePreconditioner");
    }

    /// Entries @p indices (owned or ghost here) of the ghosted vector
    /// @p v into @p values, read from its local form in one pass: owned
    /// entries first, then the ghosts, whose global indices PETSc's
    /// local-to-global map holds in increasing order (deal.II creates the
    /// vector so). deal.II 9.4 reads a PETSc vector entry by entry, each
    /// read a round of PETSc calls (about 1 s of a 385-particle run went to
    /// such reads; the particle fields' own reads remain).
    static void
    extract_values(const Vector                               &v,
                   const std::vector<types::global_dof_index> &indices,
                   std::vector<double>                        &values)
    {
      values.resize(indices.size());
      const auto owned   = v.local_range();
      const auto n_owned = owned.second - owned.first;
      Vec        local   = nullptr;
      check(VecGhostGetLocalForm(v, &local), "VecGhostGetLocalForm");
      const Vec              form   = local != nullptr ? local : Vec(v);
      const PetscInt        *global = nullptr;
      PetscInt               n_form = n_owned;
      ISLocalToGlobalMapping map    = nullptr;
      if (local != nullptr)
        {
          check(VecGetLocalToGlobalMapping(v, &map),
                "VecGetLocalToGlobalMapping");
          check(ISLocalToGlobalMappingGetSize(map, &n_form),
                "ISLocalToGlobalMappingGetSize");
          check(ISLocalToGlobalMappingGetIndices(map, &global),
                "ISLocalToGlobalMappingGetIndices");
        }
      const PetscScalar *x = nullptr;
      check(VecGetArrayRead(form, &x), "VecGetArrayRead");
      for (std::size_t k = 0; k < indices.size(); ++k)
        {
          const auto i = static_cast<PetscInt>(indices[k]);
          if (indices[k] >= owned.first && indices[k] < owned.second)
            values[k] = x[indices[k] - owned.first];
          else
            {
              const PetscInt *ghost =
                global == nullptr ?
                  nullptr :
                  std::lower_bound(global + n_owned, global + n_form, i);
              AssertThrow(ghost != nullptr && ghost != global + n_form &&
                            *ghost == i,
                          ExcMessage("entry " + std::to_string(i) +
                                     " is neither owned nor a ghost here"));
              values[k] = x[ghost - global];
            }
        }
      check(VecRestoreArrayRead(form, &x), "VecRestoreArrayRead");
      if (map != nullptr)
        check(ISLocalToGlobalMappingRestoreIndices(map, &global),
              "ISLocalToGlobalMappingRestoreIndices");
      check(VecGhostRestoreLocalForm(v, &local), "VecGhostRestoreLocalForm");
    }

    /// A PETSc call's error code: anything but 0 throws, naming @p call.
    static void
    check(const PetscErrorCode error, const char *call)
    {
      AssertThrow(error == 0, ExcMessage(std::string(call) + " failed"));
    }
  };
} // namespace xray

#endif

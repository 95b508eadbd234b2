// Matrix-free conduction operator and its geometric multigrid
// (conduction_multigrid.h).
#include "anode_thermal/conduction_multigrid.h"

#include <deal.II/base/quadrature_lib.h>
#include <deal.II/dofs/dof_tools.h>
#include <deal.II/fe/fe_q.h>
#include <deal.II/lac/affine_constraints.h>
#include <deal.II/lac/diagonal_matrix.h>
#include <deal.II/lac/precondition.h>
#include <deal.II/lac/solver_cg.h>
#include <deal.II/lac/trilinos_precondition.h>
#include <deal.II/lac/trilinos_sparse_matrix.h>
#include <deal.II/lac/trilinos_sparsity_pattern.h>
#include <deal.II/matrix_free/fe_evaluation.h>
#include <deal.II/matrix_free/matrix_free.h>
#include <deal.II/matrix_free/operators.h>
#include <deal.II/matrix_free/tools.h>
#include <deal.II/multigrid/mg_base.h>
#include <deal.II/multigrid/mg_matrix.h>
#include <deal.II/multigrid/mg_smoother.h>
#include <deal.II/multigrid/mg_transfer_global_coarsening.h>
#include <deal.II/multigrid/multigrid.h>
#include <deal.II/numerics/vector_tools.h>

#include <map>

namespace xray
{
  namespace anode_thermal
  {
    namespace
    {
      using VectorType = LinearAlgebra::distributed::Vector<double>;


      // The conduction operator on one level: cell integrals of
      // c grad u . grad v with c = k_layer w, tabulated per cell batch
      // (constant w) or per quadrature point. The cell kernel is
      // CellKernel's, compiled for its degree and quadrature.
      template <int dim>
      class LevelOperator : public MatrixFreeOperators::Base<dim, VectorType>
      {
      public:
        void
        setup(const Mapping<dim>              &mapping,
              const DoFHandler<dim>           &dof_handler,
              const AffineConstraints<double> &constraints,
              const unsigned int               quadrature_points,
              const typename ConductionMultigrid<dim>::Problem &problem);

        /// The assembled matrix (for the coarse level's AMG).
        virtual const TrilinosWrappers::SparseMatrix &
        assembled_matrix() = 0;

      protected:
        VectorizedArray<double>
        c(const unsigned int batch, const unsigned int q) const
        {
          return per_point ? coefficient[batch * n_q_points + q] :
                             coefficient[batch];
        }

        const AffineConstraints<double> *constraints = nullptr;
        TrilinosWrappers::SparseMatrix   matrix;

      private:
        AlignedVector<VectorizedArray<double>> coefficient;
        bool                                   per_point  = false;
        unsigned int                           n_q_points = 0;
      };


      template <int dim>
      void
      LevelOperator<dim>::setup(
        const Mapping<dim>                               &mapping,
        const DoFHandler<dim>                            &dof_handler,
        const AffineConstraints<double>                  &constraints_,
        const unsigned int                                quadrature_points,
        const typename ConductionMultigrid<dim>::Problem &problem)
      {
        constraints = &constraints_;
        typename MatrixFree<dim, double>::AdditionalData data;
        data.tasks_parallel_scheme =
          MatrixFree<dim, double>::AdditionalData::none;
        data.mapping_update_flags =
          update_gradients | update_JxW_values | update_quadrature_points;
        auto matrix_free = std::make_shared<MatrixFree<dim, double>>();
        matrix_free->reinit(mapping,
                            dof_handler,
                            constraints_,
                            QGauss<1>(quadrature_points),
                            data);
        this->initialize(matrix_free);

        // c = k_layer w per batch, or per quadrature point when w varies.
        FEEvaluation<dim, -1, 0, 1, double> phi(*matrix_free);
        per_point                    = !problem.weight_is_constant;
        n_q_points                   = phi.n_q_points;
        const unsigned int n_batches = matrix_free->n_cell_batches();
        coefficient.resize(n_batches * (per_point ? n_q_points : 1));
        for (unsigned int batch = 0; batch < n_batches; ++batch)
          {
            VectorizedArray<double> k = 0;
            const unsigned int      lanes =
              matrix_free->n_active_entries_per_cell_batch(batch);
            for (unsigned int v = 0; v < VectorizedArray<double>::size(); ++v)
              k[v] = problem.conductivity.at(
                matrix_free->get_cell_iterator(batch, std::min(v, lanes - 1))
                  ->material_id());
            if (!per_point)
              {
                coefficient[batch] = k * problem.weight(Point<dim>());
                continue;
              }
            phi.reinit(batch);
            for (const unsigned int q : phi.quadrature_point_indices())
              {
                const auto              x = phi.quadrature_point(q);
                VectorizedArray<double> w;
                for (unsigned int v = 0; v < VectorizedArray<double>::size();
                     ++v)
                  {
                    Point<dim> point;
                    for (unsigned int d = 0; d < dim; ++d)
                      point[d] = x[d][v];
                    w[v] = problem.weight(point);
                  }
                coefficient[batch * n_q_points + q] = k * w;
              }
          }
      }


      // The cell kernel of degree DEGREE on N_Q Gauss points per direction
      // (-1 and 0: both chosen at run time, slower).
      template <int dim, int degree, int n_q>
      class CellKernel : public LevelOperator<dim>
      {
      public:
        using Integrator = FEEvaluation<dim, degree, n_q, 1, double>;

        void
        compute_diagonal() override;
        const TrilinosWrappers::SparseMatrix &
        assembled_matrix() override;

        // The flux c grad u at every point, tested with grad v.
        void
        integrate_cell(Integrator &phi) const
        {
          phi.evaluate(EvaluationFlags::gradients);
          const unsigned int batch = phi.get_current_cell_index();
          for (const unsigned int q : phi.quadrature_point_indices())
            phi.submit_gradient(this->c(batch, q) * phi.get_gradient(q), q);
          phi.integrate(EvaluationFlags::gradients);
        }

      private:
        void
        apply_add(VectorType &dst, const VectorType &src) const override
        {
          this->data->cell_loop(&CellKernel::apply_cells, this, dst, src);
        }
        void
        apply_cells(const MatrixFree<dim, double>               &data,
                    VectorType                                  &dst,
                    const VectorType                            &src,
                    const std::pair<unsigned int, unsigned int> &cells) const
        {
          Integrator phi(data);
          for (unsigned int batch = cells.first; batch < cells.second; ++batch)
            {
              phi.reinit(batch);
              phi.read_dof_values(src);
              integrate_cell(phi);
              phi.distribute_local_to_global(dst);
            }
        }
      };


      // The inverse of the operator's diagonal, one on the held unknowns
      // (the Chebyshev smoother's preconditioner).
      template <int dim, int degree, int n_q>
      void
      CellKernel<dim, degree, n_q>::compute_diagonal()
      {
        this->inverse_diagonal_entries =
          std::make_shared<DiagonalMatrix<VectorType>>();
        VectorType &diagonal = this->inverse_diagonal_entries->get_vector();
        this->data->initialize_dof_vector(diagonal);
        MatrixFreeTools::compute_diagonal(*this->data,
                                          diagonal,
                                          &CellKernel::integrate_cell,
                                          this);
        this->set_constrained_entries_to_one(diagonal);
        for (unsigned int i = 0; i < diagonal.locally_owned_size(); ++i)
          {
            const double entry        = diagonal.local_element(i);
            diagonal.local_element(i) = entry > 0 ? 1. / entry : 1.;
          }
      }


      template <int dim, int degree, int n_q>
      const TrilinosWrappers::SparseMatrix &
      CellKernel<dim, degree, n_q>::assembled_matrix()
      {
        const DoFHandler<dim> &dof_handler = this->data->get_dof_handler();
        TrilinosWrappers::SparsityPattern pattern(
          dof_handler.locally_owned_dofs(),
          dof_handler.get_triangulation().get_communicator());
        DoFTools::make_sparsity_pattern(dof_handler,
                                        pattern,
                                        *this->constraints);
        pattern.compress();
        this->matrix.reinit(pattern);
        MatrixFreeTools::compute_matrix(*this->data,
                                        *this->constraints,
                                        this->matrix,
                                        &CellKernel::integrate_cell,
                                        this);
        return this->matrix;
      }


      // The operator of DOF_HANDLER's element on N_Q Gauss points per
      // direction, set up, with the kernel compiled for that degree and N_Q
      // where one is (linear and quadratic elements), else the run-time one.
      template <int dim>
      std::unique_ptr<LevelOperator<dim>>
      make_level_operator(
        const Mapping<dim>                               &mapping,
        const DoFHandler<dim>                            &dof_handler,
        const AffineConstraints<double>                  &constraints,
        const unsigned int                                n_q,
        const typename ConductionMultigrid<dim>::Problem &problem)
      {
        const unsigned int degree = dof_handler.get_fe().degree;
        std::unique_ptr<LevelOperator<dim>> level;
        if (degree == 1 && n_q == 2)
          level = std::make_unique<CellKernel<dim, 1, 2>>();
        else if (degree == 2 && n_q == 3)
          level = std::make_unique<CellKernel<dim, 2, 3>>();
        else
          level = std::make_unique<CellKernel<dim, -1, 0>>();
        level->setup(mapping, dof_handler, constraints, n_q, problem);
        return level;
      }


      // The coarse level: one V-cycle of algebraic multigrid (a fixed
      // linear map, so the whole multigrid stays a symmetric preconditioner
      // for CG).
      class CoarseAMG : public MGCoarseGridBase<VectorType>
      {
      public:
        void
        initialize(const TrilinosWrappers::SparseMatrix &matrix)
        {
          TrilinosWrappers::PreconditionAMG::AdditionalData data;
          data.elliptic              = true;
          data.higher_order_elements = false;
          data.smoother_sweeps       = 2;
          amg.initialize(matrix, data);
        }
        void
        operator()(const unsigned int,
                   VectorType       &dst,
                   const VectorType &src) const override
        {
          amg.vmult(dst, src);
        }

      private:
        TrilinosWrappers::PreconditionAMG amg;
      };
    } // namespace


    // Members in the order they are built; each refers only to those above
    // it, so they are destroyed before what they use.
    template <int dim>
    struct ConductionMultigrid<dim>::Implementation
    {
      using Smoother = PreconditionChebyshev<LevelOperator<dim>,
                                             VectorType,
                                             DiagonalMatrix<VectorType>>;
      using Transfer = MGTransferGlobalCoarsening<dim, VectorType>;

      std::vector<std::shared_ptr<const Triangulation<dim>>> triangulations;
      FE_Q<dim>                                              linear{1};
      std::unique_ptr<FE_Q<dim>>                             finest_fe;
      MGLevelObject<DoFHandler<dim>>                         dof_handlers;
      MGLevelObject<AffineConstraints<double>>               constraints;
      /// Levels: degree + 1 Gauss points per direction (exact for the
      /// stiffness of undistorted cells; the multigrid need only be close).
      MGLevelObject<std::unique_ptr<LevelOperator<dim>>> operators;
      /// The operator CG solves with: the finest level's.
      LevelOperator<dim> *system_operator = nullptr;
      MGLevelObject<MGTwoLevelTransfer<dim, VectorType>> transfers;
      std::unique_ptr<Transfer>                          transfer;
      std::unique_ptr<mg::Matrix<VectorType>>            level_matrices;
      MGSmootherPrecondition<LevelOperator<dim>, Smoother, VectorType> smoother;
      CoarseAMG                                                        coarse;
      std::unique_ptr<Multigrid<VectorType>>                     multigrid;
      std::unique_ptr<PreconditionMG<dim, VectorType, Transfer>> preconditioner;
    };


    template <int dim>
    ConductionMultigrid<dim>::ConductionMultigrid(
      const Triangulation<dim> &triangulation,
      const Mapping<dim>       &mapping,
      const Problem            &problem)
      : implementation(std::make_unique<Implementation>())
    {
      Implementation &m = *implementation;
      m.triangulations =
        MGTransferGlobalCoarseningTools::create_geometric_coarsening_sequence(
          triangulation);
      // Linear elements on every mesh of the sequence, then (degree > 1)
      // the element's own degree on the finest mesh.
      const unsigned int n_h_levels = m.triangulations.size();
      const bool         p_level    = problem.degree > 1;
      const unsigned int top        = n_h_levels - (p_level ? 0 : 1);
      m.finest_fe = std::make_unique<FE_Q<dim>>(problem.degree);
      m.dof_handlers.resize(0, top);
      m.constraints.resize(0, top);
      m.operators.resize(0, top);
      m.transfers.resize(0, top);

      const Functions::ZeroFunction<dim>                  zero;
      std::map<types::boundary_id, const Function<dim> *> held;
      for (const types::boundary_id face : problem.fixed_faces)
        held[face] = &zero;
      for (unsigned int level = 0; level <= top; ++level)
        {
          const auto &mesh = *m.triangulations[std::min(level, n_h_levels - 1)];
          DoFHandler<dim> &dofs = m.dof_handlers[level];
          dofs.reinit(mesh);
          dofs.distribute_dofs(
            level == top ?
              static_cast<const FiniteElement<dim> &>(*m.finest_fe) :
              m.linear);
          AffineConstraints<double> &constraints = m.constraints[level];
          constraints.reinit(DoFTools::extract_locally_relevant_dofs(dofs));
          DoFTools::make_hanging_node_constraints(dofs, constraints);
          VectorTools::interpolate_boundary_values(mapping,
                                                   dofs,
                                                   held,
                                                   constraints);
          constraints.close();
          m.operators[level] = make_level_operator(
            mapping, dofs, constraints, dofs.get_fe().degree + 1, problem);
          m.operators[level]->compute_diagonal();
          if (level == top)
            m.system_operator = m.operators[level].get();
        }
      for (unsigned int level = 0; level < top; ++level)
        m.transfers[level + 1].reinit(m.dof_handlers[level + 1],
                                      m.dof_handlers[level],
                                      m.constraints[level + 1],
                                      m.constraints[level]);
      m.transfer = std::make_unique<typename Implementation::Transfer>(
        m.transfers, [&m](const unsigned int level, VectorType &vector) {
          m.operators[level]->initialize_dof_vector(vector);
        });

      // Chebyshev of degree 5 over [lambda_max / 20, 1.2 lambda_max] of the
      // diagonally scaled operator (step-37's choice).
      MGLevelObject<typename Implementation::Smoother::AdditionalData>
        smoother_data(0, top);
      for (unsigned int level = 0; level <= top; ++level)
        {
          smoother_data[level].preconditioner =
            m.operators[level]->get_matrix_diagonal_inverse();
          smoother_data[level].smoothing_range     = 20.;
          smoother_data[level].degree              = 5;
          smoother_data[level].eig_cg_n_iterations = 12;
        }
      m.smoother.initialize(m.operators, smoother_data);
      m.coarse.initialize(m.operators[0]->assembled_matrix());
      m.level_matrices = std::make_unique<mg::Matrix<VectorType>>(m.operators);
      m.multigrid      = std::make_unique<Multigrid<VectorType>>(
        *m.level_matrices, m.coarse, *m.transfer, m.smoother, m.smoother);
      m.preconditioner = std::make_unique<
        PreconditionMG<dim, VectorType, typename Implementation::Transfer>>(
        m.dof_handlers[top], *m.multigrid, *m.transfer);
    }


    template <int dim>
    ConductionMultigrid<dim>::~ConductionMultigrid() = default;


    template <int dim>
    const DoFHandler<dim> &
    ConductionMultigrid<dim>::dof_handler() const
    {
      return implementation
        ->dof_handlers[implementation->dof_handlers.max_level()];
    }


    template <int dim>
    void
    ConductionMultigrid<dim>::initialize_dof_vector(VectorType &vector) const
    {
      implementation->system_operator->initialize_dof_vector(vector);
    }


    template <int dim>
    void
    ConductionMultigrid<dim>::solve(SolverControl    &control,
                                    VectorType       &x,
                                    const VectorType &b) const
    {
      SolverCG<VectorType> cg(control);
      cg.solve(*implementation->system_operator,
               x,
               b,
               *implementation->preconditioner);
    }


    template <int dim>
    unsigned int
    ConductionMultigrid<dim>::n_levels() const
    {
      return implementation->operators.n_levels();
    }


    template <int dim>
    types::global_dof_index
    ConductionMultigrid<dim>::n_coarse_dofs() const
    {
      return implementation->dof_handlers[0].n_dofs();
    }


    template class ConductionMultigrid<2>;
    template class ConductionMultigrid<3>;
  } // namespace anode_thermal
} // namespace xray

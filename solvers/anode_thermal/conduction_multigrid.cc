// Matrix-free conduction operator and its geometric multigrid
// (conduction_multigrid.h).
#include "anode_thermal/conduction_multigrid.h"

#include <deal.II/base/quadrature_lib.h>
#include <deal.II/dofs/dof_tools.h>
#include <deal.II/fe/fe_q.h>
#include <deal.II/fe/fe_values.h>
#include <deal.II/lac/affine_constraints.h>
#include <deal.II/lac/diagonal_matrix.h>
#include <deal.II/lac/full_matrix.h>
#include <deal.II/lac/precondition.h>
#include <deal.II/lac/solver_cg.h>
#include <deal.II/lac/solver_gmres.h>
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

#include <array>
#include <map>
#include <stdexcept>

namespace xray
{
  namespace anode_thermal
  {
    namespace
    {
      using VectorType = LinearAlgebra::distributed::Vector<double>;


      // The point of lane LANE of a batch's quadrature point X.
      template <int dim>
      Point<dim>
      lane_point(const Point<dim, VectorizedArray<double>> &x,
                 const unsigned int                         lane)
      {
        Point<dim> point;
        for (unsigned int d = 0; d < dim; ++d)
          point[d] = x[d][lane];
        return point;
      }


      // The conduction operator on one level: cell integrals of
      // c grad u . grad v with c = k w, tabulated per cell batch (constant
      // k and w) or per quadrature point, and for the Newton matrix of k(T)
      // also (s u) . grad v with s = k'(T) grad T w; on convective faces
      // the integral of h_c w u v, h_c w tabulated per face quadrature
      // point. The kernels are CellKernel's, compiled for its degree and
      // quadrature.
      template <int dim>
      class LevelOperator : public MatrixFreeOperators::Base<dim, VectorType>
      {
      public:
        using Problem = typename ConductionMultigrid<dim>::Problem;

        /// The operator on DOF_HANDLER's cells (and boundary faces if
        /// WITH_FACES), with a MatrixFree of its own.
        void
        attach(const Mapping<dim>              &mapping,
               const DoFHandler<dim>           &dof_handler,
               const AffineConstraints<double> &constraints,
               const unsigned int               quadrature_points,
               bool                             with_faces);
        /// The operator on the cells of OTHER, sharing its MatrixFree (the
        /// Newton matrix beside its symmetric part on the finest level).
        void
        attach(const LevelOperator &other);
        /// The coefficients: k at any T (constant k), or k(T) at TEMPERATURE
        /// (this level's vector, ghost values updated), with s as well if
        /// WITH_SLOPE.
        void
        tabulate(const Problem    &problem,
                 const VectorType *temperature,
                 bool              with_slope);

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
        bool
        has_slope() const
        {
          return !slope.empty();
        }
        /// Whether any boundary face is cooled by convection (on any rank:
        /// the loops that depend on it communicate).
        bool
        has_convection() const
        {
          return problem != nullptr && !problem->convective_faces.empty();
        }
        /// Whether boundary face batch FACE is cooled by convection.
        bool
        is_convective(const unsigned int face) const
        {
          return convective_face[face - first_boundary_face];
        }
        /// h_c w at point Q of boundary face batch FACE.
        VectorizedArray<double>
        h_w(const unsigned int face, const unsigned int q) const
        {
          return face_coefficient[(face - first_boundary_face) *
                                    n_face_q_points +
                                  q];
        }
        const Tensor<1, dim, VectorizedArray<double>> &
        s(const unsigned int batch, const unsigned int q) const
        {
          return slope[batch * n_q_points + q];
        }

        const AffineConstraints<double> *constraints = nullptr;
        const Mapping<dim>              *mapping     = nullptr;
        const Problem                   *problem     = nullptr;
        TrilinosWrappers::SparseMatrix   matrix;

      private:
        void
        tabulate_faces();

        AlignedVector<VectorizedArray<double>>                 coefficient;
        AlignedVector<Tensor<1, dim, VectorizedArray<double>>> slope;
        bool                                   per_point  = false;
        unsigned int                           n_q_points = 0;
        AlignedVector<VectorizedArray<double>> face_coefficient;
        std::vector<bool>                      convective_face;
        unsigned int                           first_boundary_face = 0;
        unsigned int                           n_face_q_points     = 0;
      };


      template <int dim>
      void
      LevelOperator<dim>::attach(const Mapping<dim>              &mapping_,
                                 const DoFHandler<dim>           &dof_handler,
                                 const AffineConstraints<double> &constraints_,
                                 const unsigned int quadrature_points,
                                 const bool         with_faces)
      {
        constraints = &constraints_;
        mapping     = &mapping_;
        typename MatrixFree<dim, double>::AdditionalData data;
        data.tasks_parallel_scheme =
          MatrixFree<dim, double>::AdditionalData::none;
        data.mapping_update_flags =
          update_gradients | update_JxW_values | update_quadrature_points;
        if (with_faces)
          data.mapping_update_flags_boundary_faces =
            update_values | update_JxW_values | update_quadrature_points;
        auto matrix_free = std::make_shared<MatrixFree<dim, double>>();
        matrix_free->reinit(mapping_,
                            dof_handler,
                            constraints_,
                            QGauss<1>(quadrature_points),
                            data);
        this->initialize(matrix_free);
      }


      template <int dim>
      void
      LevelOperator<dim>::attach(const LevelOperator &other)
      {
        constraints = other.constraints;
        mapping     = other.mapping;
        this->initialize(other.get_matrix_free());
      }


      template <int dim>
      void
      LevelOperator<dim>::tabulate(const Problem    &problem,
                                   const VectorType *temperature,
                                   const bool        with_slope)
      {
        // (The faces' coefficients do not depend on T: once per problem.)
        if (this->problem != &problem)
          {
            this->problem = &problem;
            tabulate_faces();
          }
        const MatrixFree<dim, double> &matrix_free = *this->get_matrix_free();
        FEEvaluation<dim, -1, 0, 1, double> phi(matrix_free);
        constexpr unsigned int n_lanes = VectorizedArray<double>::size();
        per_point  = temperature != nullptr || !problem.weight_is_constant;
        n_q_points = phi.n_q_points;
        const unsigned int n_batches = matrix_free.n_cell_batches();
        coefficient.resize(n_batches * (per_point ? n_q_points : 1));
        slope.resize(with_slope ? n_batches * n_q_points : 0);
        const EvaluationFlags::EvaluationFlags flags =
          with_slope ? EvaluationFlags::values | EvaluationFlags::gradients :
                       EvaluationFlags::values;
        for (unsigned int batch = 0; batch < n_batches; ++batch)
          {
            // (A batch's empty lanes repeat its last cell.)
            const unsigned int lanes =
              matrix_free.n_active_entries_per_cell_batch(batch);
            std::array<const TemperatureFunction *, n_lanes> k;
            for (unsigned int v = 0; v < n_lanes; ++v)
              k[v] = &problem.conductivity.at(
                matrix_free.get_cell_iterator(batch, std::min(v, lanes - 1))
                  ->material_id());
            if (!per_point)
              {
                // (Constant k: its value at any T.)
                VectorizedArray<double> k_w;
                for (unsigned int v = 0; v < n_lanes; ++v)
                  k_w[v] = k[v]->value(0.) * problem.weight(Point<dim>());
                coefficient[batch] = k_w;
                continue;
              }
            phi.reinit(batch);
            if (temperature != nullptr)
              {
                phi.read_dof_values_plain(*temperature);
                phi.evaluate(flags);
              }
            for (const unsigned int q : phi.quadrature_point_indices())
              {
                const auto              x = phi.quadrature_point(q);
                VectorizedArray<double> k_w, dk_w;
                for (unsigned int v = 0; v < n_lanes; ++v)
                  {
                    const unsigned int lane = std::min(v, lanes - 1);
                    const double       w = problem.weight(lane_point(x, lane));
                    const double       T =
                      temperature != nullptr ? phi.get_value(q)[lane] : 0.;
                    k_w[v]  = k[v]->value(T) * w;
                    dk_w[v] = with_slope ? k[v]->derivative(T) * w : 0.;
                  }
                coefficient[batch * n_q_points + q] = k_w;
                if (with_slope)
                  slope[batch * n_q_points + q] = dk_w * phi.get_gradient(q);
              }
          }
      }


      // h_c w at every quadrature point of the boundary faces that are
      // cooled by convection (Problem::convective_faces); none without them.
      // The faces are integrated on the cells' Gauss rule of degree + 1
      // points, exact for h_c u v w on undistorted faces (w linear in r or
      // constant), as the assembly's rule of degree + 2 points is.
      template <int dim>
      void
      LevelOperator<dim>::tabulate_faces()
      {
        face_coefficient.clear();
        convective_face.clear();
        if (problem->convective_faces.empty())
          return;
        const MatrixFree<dim, double> &matrix_free = *this->get_matrix_free();
        FEFaceEvaluation<dim, -1, 0, 1, double> phi(matrix_free, true);
        constexpr unsigned int n_lanes = VectorizedArray<double>::size();
        first_boundary_face            = matrix_free.n_inner_face_batches();
        const unsigned int n_faces     = matrix_free.n_boundary_face_batches();
        n_face_q_points                = phi.n_q_points;
        face_coefficient.resize(n_faces * n_face_q_points);
        convective_face.assign(n_faces, false);
        for (unsigned int f = 0; f < n_faces; ++f)
          {
            const unsigned int face = first_boundary_face + f;
            const auto         h_c =
              problem->convective_faces.find(matrix_free.get_boundary_id(face));
            if (h_c == problem->convective_faces.end())
              continue;
            convective_face[f] = true;
            phi.reinit(face);
            const unsigned int lanes =
              matrix_free.n_active_entries_per_face_batch(face);
            for (const unsigned int q : phi.quadrature_point_indices())
              {
                const auto              x = phi.quadrature_point(q);
                VectorizedArray<double> value;
                for (unsigned int v = 0; v < n_lanes; ++v)
                  {
                    const unsigned int lane = std::min(v, lanes - 1);
                    value[v] =
                      h_c->second * problem->weight(lane_point(x, lane));
                  }
                face_coefficient[f * n_face_q_points + q] = value;
              }
          }
      }


      // The cell kernel of degree DEGREE on N_Q Gauss points per direction
      // (-1 and 0: both chosen at run time, slower).
      template <int dim, int degree, int n_q>
      class CellKernel : public LevelOperator<dim>
      {
      public:
        using Integrator     = FEEvaluation<dim, degree, n_q, 1, double>;
        using FaceIntegrator = FEFaceEvaluation<dim, degree, n_q, 1, double>;

        void
        compute_diagonal() override;
        const TrilinosWrappers::SparseMatrix &
        assembled_matrix() override;

        // The flux c grad u (+ s u for the Newton matrix of k(T)) at every
        // point, tested with grad v.
        void
        integrate_cell(Integrator &phi) const
        {
          const unsigned int batch = phi.get_current_cell_index();
          if (!this->has_slope())
            {
              phi.evaluate(EvaluationFlags::gradients);
              for (const unsigned int q : phi.quadrature_point_indices())
                phi.submit_gradient(this->c(batch, q) * phi.get_gradient(q), q);
            }
          else
            {
              phi.evaluate(EvaluationFlags::values |
                           EvaluationFlags::gradients);
              for (const unsigned int q : phi.quadrature_point_indices())
                phi.submit_gradient(this->c(batch, q) * phi.get_gradient(q) +
                                      this->s(batch, q) * phi.get_value(q),
                                    q);
            }
          phi.integrate(EvaluationFlags::gradients);
        }

        // The convective flux h_c u at every point of a convective boundary
        // face, tested with v.
        void
        integrate_boundary_face(FaceIntegrator &phi) const
        {
          const unsigned int face = phi.get_current_cell_index();
          phi.evaluate(EvaluationFlags::values);
          for (const unsigned int q : phi.quadrature_point_indices())
            phi.submit_value(this->h_w(face, q) * phi.get_value(q), q);
          phi.integrate(EvaluationFlags::values);
        }

      private:
        void
        add_convective_diagonal(VectorType &diagonal) const;
        void
        add_convective_matrix();
        void
        apply_add(VectorType &dst, const VectorType &src) const override
        {
          if (!this->has_convection())
            this->data->cell_loop(&CellKernel::apply_cells, this, dst, src);
          else
            this->data->loop(&CellKernel::apply_cells,
                             &CellKernel::apply_inner_faces,
                             &CellKernel::apply_boundary_faces,
                             this,
                             dst,
                             src);
        }
        void
        apply_inner_faces(const MatrixFree<dim, double> &,
                          VectorType &,
                          const VectorType &,
                          const std::pair<unsigned int, unsigned int> &) const
        {}
        void
        apply_boundary_faces(
          const MatrixFree<dim, double>               &data,
          VectorType                                  &dst,
          const VectorType                            &src,
          const std::pair<unsigned int, unsigned int> &faces) const
        {
          FaceIntegrator phi(data, true);
          for (unsigned int face = faces.first; face < faces.second; ++face)
            if (this->is_convective(face))
              {
                phi.reinit(face);
                phi.read_dof_values(src);
                integrate_boundary_face(phi);
                phi.distribute_local_to_global(dst);
              }
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
        if (this->has_convection())
          add_convective_diagonal(diagonal);
        this->set_constrained_entries_to_one(diagonal);
        for (unsigned int i = 0; i < diagonal.locally_owned_size(); ++i)
          {
            const double entry        = diagonal.local_element(i);
            diagonal.local_element(i) = entry > 0 ? 1. / entry : 1.;
          }
      }


      // The convective faces' part of the diagonal, h_c w phi_i phi_i
      // integrated face by face (deal.II 9.4's compute_diagonal() takes cell
      // integrals only); at hanging nodes it is passed on to the parent
      // unknowns as the face's values are, which a smoother's diagonal
      // tolerates.
      template <int dim, int degree, int n_q>
      void
      CellKernel<dim, degree, n_q>::add_convective_diagonal(
        VectorType &diagonal) const
      {
        const MatrixFree<dim, double>         &data = *this->data;
        FaceIntegrator                         phi(data, true);
        AlignedVector<VectorizedArray<double>> local(phi.dofs_per_cell);
        diagonal.zero_out_ghost_values();
        const unsigned int first = data.n_inner_face_batches();
        for (unsigned int face = first;
             face < first + data.n_boundary_face_batches();
             ++face)
          if (this->is_convective(face))
            {
              phi.reinit(face);
              for (unsigned int i = 0; i < phi.dofs_per_cell; ++i)
                {
                  for (unsigned int j = 0; j < phi.dofs_per_cell; ++j)
                    phi.begin_dof_values()[j] = 0.;
                  phi.begin_dof_values()[i] = 1.;
                  integrate_boundary_face(phi);
                  local[i] = phi.begin_dof_values()[i];
                }
              for (unsigned int i = 0; i < phi.dofs_per_cell; ++i)
                phi.begin_dof_values()[i] = local[i];
              phi.distribute_local_to_global(diagonal);
            }
        diagonal.compress(VectorOperation::add);
      }


      // The level's matrix: its cell integrals, and the convective faces'
      // h_c w phi_j phi_i assembled with FEFaceValues (deal.II 9.4's
      // compute_matrix() takes cell integrals only). The sparsity pattern
      // is made at the first call; a later one (the next linearisation of
      // k(T), on the same level) only refills the values.
      template <int dim, int degree, int n_q>
      const TrilinosWrappers::SparseMatrix &
      CellKernel<dim, degree, n_q>::assembled_matrix()
      {
        if (this->matrix.m() == 0)
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
          }
        else
          this->matrix = 0;
        MatrixFreeTools::compute_matrix(*this->data,
                                        *this->constraints,
                                        this->matrix,
                                        &CellKernel::integrate_cell,
                                        this);
        if (this->has_convection())
          add_convective_matrix();
        return this->matrix;
      }


      template <int dim, int degree, int n_q>
      void
      CellKernel<dim, degree, n_q>::add_convective_matrix()
      {
        const DoFHandler<dim>    &dof_handler = this->data->get_dof_handler();
        const FiniteElement<dim> &fe          = dof_handler.get_fe();
        FEFaceValues<dim>         face_values(*this->mapping,
                                      fe,
                                      QGauss<dim - 1>(fe.degree + 1),
                                      update_values | update_JxW_values |
                                        update_quadrature_points);
        FullMatrix<double>        cell_matrix(fe.n_dofs_per_cell(),
                                       fe.n_dofs_per_cell());
        std::vector<types::global_dof_index> dofs(fe.n_dofs_per_cell());
        for (const auto &cell : dof_handler.active_cell_iterators())
          {
            if (!cell->is_locally_owned())
              continue;
            cell_matrix     = 0;
            bool convective = false;
            for (const unsigned int f : cell->face_indices())
              {
                if (!cell->at_boundary(f))
                  continue;
                const auto h_c = this->problem->convective_faces.find(
                  cell->face(f)->boundary_id());
                if (h_c == this->problem->convective_faces.end())
                  continue;
                convective = true;
                face_values.reinit(cell, f);
                for (const unsigned int q :
                     face_values.quadrature_point_indices())
                  {
                    const double h_w =
                      h_c->second *
                      this->problem->weight(face_values.quadrature_point(q)) *
                      face_values.JxW(q);
                    for (unsigned int i = 0; i < fe.n_dofs_per_cell(); ++i)
                      for (unsigned int j = 0; j < fe.n_dofs_per_cell(); ++j)
                        cell_matrix(i, j) += h_w *
                                             face_values.shape_value(i, q) *
                                             face_values.shape_value(j, q);
                  }
              }
            if (!convective)
              continue;
            cell->get_dof_indices(dofs);
            this->constraints->distribute_local_to_global(cell_matrix,
                                                          dofs,
                                                          this->matrix);
          }
        this->matrix.compress(VectorOperation::add);
      }


      // An operator for elements of DEGREE on N_Q Gauss points per
      // direction, with the kernel compiled for them where one is (linear
      // and quadratic elements), else the run-time one.
      template <int dim>
      std::unique_ptr<LevelOperator<dim>>
      make_level_operator(const unsigned int degree, const unsigned int n_q)
      {
        if (degree == 1 && n_q == 2)
          return std::make_unique<CellKernel<dim, 1, 2>>();
        if (degree == 2 && n_q == 3)
          return std::make_unique<CellKernel<dim, 2, 3>>();
        return std::make_unique<CellKernel<dim, -1, 0>>();
      }


      // The coarse level: one V-cycle of algebraic multigrid (a fixed
      // linear map, so the whole multigrid stays a symmetric preconditioner
      // for CG).
      class CoarseAMG : public MGCoarseGridBase<VectorType>
      {
      public:
        /// Releases the hierarchy (before its matrix changes).
        void
        clear()
        {
          amg.clear();
        }
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

      Problem                                                problem;
      std::vector<std::shared_ptr<const Triangulation<dim>>> triangulations;
      FE_Q<dim>                                              linear{1};
      std::unique_ptr<FE_Q<dim>>                             finest_fe;
      MGLevelObject<DoFHandler<dim>>                         dof_handlers;
      MGLevelObject<AffineConstraints<double>>               constraints;
      /// Levels: degree + 1 Gauss points per direction (exact for the
      /// stiffness of undistorted cells; the multigrid need only be close).
      /// With k(T) each is the symmetric part of its Newton matrix.
      MGLevelObject<std::unique_ptr<LevelOperator<dim>>> operators;
      /// With k(T): the Newton matrix on the finest level.
      std::unique_ptr<LevelOperator<dim>> newton_operator;
      /// The operator the Krylov solver solves with: the finest level's,
      /// or the Newton matrix.
      LevelOperator<dim> *system_operator = nullptr;
      MGLevelObject<MGTwoLevelTransfer<dim, VectorType>> transfers;
      std::unique_ptr<Transfer>                          transfer;
      std::unique_ptr<mg::Matrix<VectorType>>            level_matrices;
      MGSmootherPrecondition<LevelOperator<dim>, Smoother, VectorType> smoother;
      CoarseAMG                                                        coarse;
      std::unique_ptr<Multigrid<VectorType>>                     multigrid;
      std::unique_ptr<PreconditionMG<dim, VectorType, Transfer>> preconditioner;
      /// With k(T): whether linearise() has set the coefficients.
      bool linearised = false;

      bool
      depends_on_temperature() const
      {
        for (const TemperatureFunction &k : problem.conductivity)
          if (!k.is_constant())
            return true;
        return false;
      }

      void
      tabulate(const MGLevelObject<VectorType> *temperatures);
    };


    // The coefficients of every level (at the level's temperature in
    // TEMPERATURES with k(T)), then what depends on them: the diagonals
    // and Chebyshev smoothers, and the coarse level's AMG.
    template <int dim>
    void
    ConductionMultigrid<dim>::Implementation::tabulate(
      const MGLevelObject<VectorType> *temperatures)
    {
      const unsigned int top = operators.max_level();
      for (unsigned int level = 0; level <= top; ++level)
        {
          operators[level]->tabulate(problem,
                                     temperatures != nullptr ?
                                       &(*temperatures)[level] :
                                       nullptr,
                                     false);
          operators[level]->compute_diagonal();
        }
      if (newton_operator)
        newton_operator->tabulate(problem, &(*temperatures)[top], true);

      // Chebyshev of degree 5 over [lambda_max / 20, 1.2 lambda_max] of the
      // diagonally scaled operator (step-37's choice), lambda_max estimated
      // anew at its first use.
      MGLevelObject<typename Smoother::AdditionalData> smoother_data(0, top);
      for (unsigned int level = 0; level <= top; ++level)
        {
          smoother_data[level].preconditioner =
            operators[level]->get_matrix_diagonal_inverse();
          smoother_data[level].smoothing_range     = 20.;
          smoother_data[level].degree              = 5;
          smoother_data[level].eig_cg_n_iterations = 12;
        }
      smoother.initialize(operators, smoother_data);
      coarse.clear();
      coarse.initialize(operators[0]->assembled_matrix());
    }


    template <int dim>
    ConductionMultigrid<dim>::ConductionMultigrid(
      const Triangulation<dim> &triangulation,
      const Mapping<dim>       &mapping,
      const Problem            &problem)
      : implementation(std::make_unique<Implementation>())
    {
      Implementation &m = *implementation;
      m.problem         = problem;
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
          const unsigned int degree = dofs.get_fe().degree;
          m.operators[level] = make_level_operator<dim>(degree, degree + 1);
          m.operators[level]->attach(mapping,
                                     dofs,
                                     constraints,
                                     degree + 1,
                                     !problem.convective_faces.empty());
        }
      m.system_operator = m.operators[top].get();
      if (m.depends_on_temperature())
        {
          m.newton_operator =
            make_level_operator<dim>(problem.degree, problem.degree + 1);
          m.newton_operator->attach(*m.operators[top]);
          m.system_operator = m.newton_operator.get();
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

      // (With k(T) the coefficients wait for linearise().)
      if (!m.depends_on_temperature())
        m.tabulate(nullptr);
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
    bool
    ConductionMultigrid<dim>::depends_on_temperature() const
    {
      return implementation->depends_on_temperature();
    }


    template <int dim>
    void
    ConductionMultigrid<dim>::linearise(const VectorType &temperature)
    {
      Implementation &m = *implementation;
      if (!m.depends_on_temperature())
        return;
      // T on every level: the finest level's as given, each coarser one
      // interpolated from the level above.
      MGLevelObject<VectorType> temperatures(0, m.operators.max_level());
      m.transfer->interpolate_to_mg(m.dof_handlers[m.operators.max_level()],
                                    temperatures,
                                    temperature);
      for (unsigned int level = 0; level <= temperatures.max_level(); ++level)
        temperatures[level].update_ghost_values();
      m.tabulate(&temperatures);
      m.linearised = true;
    }


    template <int dim>
    void
    ConductionMultigrid<dim>::solve(SolverControl    &control,
                                    VectorType       &x,
                                    const VectorType &b) const
    {
      const Implementation &m = *implementation;
      if (!m.depends_on_temperature())
        {
          SolverCG<VectorType> cg(control);
          cg.solve(*m.system_operator, x, b, *m.preconditioner);
          return;
        }
      if (!m.linearised)
        throw std::logic_error("the Newton matrix of k(T) is solved before "
                               "linearise() set its temperature");
      SolverGMRES<VectorType> gmres(
        control, typename SolverGMRES<VectorType>::AdditionalData(100, true));
      gmres.solve(*m.system_operator, x, b, *m.preconditioner);
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

// Matrix-free conduction operator and its geometric multigrid
// (conduction_multigrid.h): the levels, their constraints and the
// multigrid; the level operator is in conduction_multigrid_level.templates.h
// and its kernels in conduction_multigrid_kernel.templates.h.
#include "anode_thermal/conduction_multigrid_kernel.templates.h"

namespace xray
{
  namespace anode_thermal
  {
    using namespace conduction_levels;

    namespace
    {
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


      // The element of DEGREE for FIELDS fields: FE_Q, or FESystem of two.
      template <int dim>
      std::unique_ptr<FiniteElement<dim>>
      make_element(const unsigned int degree, const unsigned int fields)
      {
        if (fields == 1)
          return std::make_unique<FE_Q<dim>>(degree);
        return std::make_unique<FESystem<dim>>(FE_Q<dim>(degree), fields);
      }


      // The two fields' hanging-node constraints on DOFS (FESystem of two
      // FE_Q) into CONSTRAINTS, and the unknowns they leave on which some
      // cell carries its field (returned). Each field's hanging nodes are
      // those of its own cells alone: where a resistive interface hangs,
      // the finer side's unknowns are free, not bound to the coarser cell
      // (of the other field). These are the constraints of the solver's hp
      // elements (FE_Q of one component beside FE_Nothing of the other, per
      // field), which deal.II makes on such elements: they are made on them
      // and carried over, unknown by unknown, through the cells this rank
      // sees (a hanging unknown's parents are those of a face or edge of a
      // coarser cell it sees).
      template <int dim>
      IndexSet
      make_field_hanging_node_constraints(
        const DoFHandler<dim>                            &dofs,
        const typename ConductionMultigrid<dim>::Problem &problem,
        AffineConstraints<double>                        &constraints)
      {
        const FiniteElement<dim> &system = dofs.get_fe();
        const FE_Q<dim>           q(system.degree);
        const FE_Nothing<dim>     nothing;
        hp::FECollection<dim>     per_field_elements;
        per_field_elements.push_back(FESystem<dim>(q, 1, nothing, 1));
        per_field_elements.push_back(FESystem<dim>(nothing, 1, q, 1));
        DoFHandler<dim> per_field(dofs.get_triangulation());
        for (const auto &cell : per_field.active_cell_iterators())
          if (cell->is_locally_owned())
            cell->set_active_fe_index(
              field_of<dim>(problem, cell->material_id()));
        per_field.distribute_dofs(per_field_elements);
        AffineConstraints<double> hanging(
          DoFTools::extract_locally_relevant_dofs(per_field));
        DoFTools::make_hanging_node_constraints(per_field, hanging);

        // Each per-field unknown's twin in DOFS: its field's component.
        std::unordered_map<types::global_dof_index, types::global_dof_index>
                                             twin;
        std::vector<types::global_dof_index> own, theirs;
        for (const auto &cell : per_field.active_cell_iterators())
          {
            if (cell->is_artificial())
              continue;
            const typename DoFHandler<dim>::active_cell_iterator other(
              &dofs.get_triangulation(), cell->level(), cell->index(), &dofs);
            own.resize(cell->get_fe().n_dofs_per_cell());
            theirs.resize(system.n_dofs_per_cell());
            cell->get_dof_indices(own);
            other->get_dof_indices(theirs);
            for (unsigned int i = 0; i < own.size(); ++i)
              {
                const auto [component, index] =
                  cell->get_fe().system_to_component_index(i);
                twin[own[i]] =
                  theirs[system.component_to_system_index(component, index)];
              }
          }
        for (const auto &line : hanging.get_lines())
          {
            const auto constrained = twin.find(line.index);
            if (constrained == twin.end())
              continue;
            constraints.add_line(constrained->second);
            for (const auto &[parent, weight] : line.entries)
              {
                const auto parent_twin = twin.find(parent);
                if (parent_twin == twin.end())
                  throw std::logic_error("a hanging node's parent is on no "
                                         "cell this rank sees");
                constraints.add_entry(constrained->second,
                                      parent_twin->second,
                                      weight);
              }
          }
        std::vector<types::global_dof_index> carried;
        carried.reserve(twin.size());
        for (const auto &[own_dof, their_dof] : twin)
          carried.push_back(their_dof);
        std::sort(carried.begin(), carried.end());
        IndexSet carried_set(dofs.n_dofs());
        carried_set.add_indices(carried.begin(), carried.end());
        return carried_set;
      }


      // The constraints of one level's unknowns DOFS: hanging nodes (with
      // two fields each field's own: make_field_hanging_node_constraints()),
      // the faces in HELD held at T0 (the Newton update vanishes there) and,
      // with two fields, the unknowns of a component that no cell of its
      // field has, held at zero. (An unknown that only a ghost cell has can
      // be carried by a cell this rank does not see and be held here: no
      // integral of an owned cell or face reads it on its field.)
      template <int dim>
      void
      make_level_constraints(
        const Mapping<dim>                                        &mapping,
        const DoFHandler<dim>                                     &dofs,
        const typename ConductionMultigrid<dim>::Problem          &problem,
        const std::map<types::boundary_id, const Function<dim> *> &held,
        AffineConstraints<double>                                 &constraints)
      {
        const IndexSet relevant = DoFTools::extract_locally_relevant_dofs(dofs);
        constraints.reinit(relevant);
        const bool two_fields = count_fields<dim>(problem) > 1;
        IndexSet   carried;
        if (two_fields)
          carried =
            make_field_hanging_node_constraints(dofs, problem, constraints);
        else
          DoFTools::make_hanging_node_constraints(dofs, constraints);
        VectorTools::interpolate_boundary_values(mapping,
                                                 dofs,
                                                 held,
                                                 constraints);
        if (two_fields)
          for (const types::global_dof_index dof : relevant)
            if (!carried.is_element(dof) && !constraints.is_constrained(dof))
              constraints.add_line(dof);
        constraints.close();
      }
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
      /// FE_Q (one field) or FESystem of two (two fields): linear, and
      /// of the finest level's degree.
      std::unique_ptr<FiniteElement<dim>>      linear;
      std::unique_ptr<FiniteElement<dim>>      finest_fe;
      MGLevelObject<DoFHandler<dim>>           dof_handlers;
      MGLevelObject<AffineConstraints<double>> constraints;
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
          operators[level]->tabulate(
            temperatures != nullptr ? &(*temperatures)[level] : nullptr, false);
          operators[level]->compute_diagonal();
        }
      if (newton_operator)
        newton_operator->tabulate(&(*temperatures)[top], true);

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
      const unsigned int fields     = count_fields<dim>(problem);
      m.linear                      = make_element<dim>(1, fields);
      m.finest_fe                   = make_element<dim>(problem.degree, fields);
      m.dof_handlers.resize(0, top);
      m.constraints.resize(0, top);
      m.operators.resize(0, top);
      m.transfers.resize(0, top);

      const Functions::ZeroFunction<dim>                  zero(fields);
      std::map<types::boundary_id, const Function<dim> *> held;
      for (const types::boundary_id face : problem.fixed_faces)
        held[face] = &zero;
      for (unsigned int level = 0; level <= top; ++level)
        {
          const auto &mesh = *m.triangulations[std::min(level, n_h_levels - 1)];
          DoFHandler<dim> &dofs = m.dof_handlers[level];
          dofs.reinit(mesh);
          dofs.distribute_dofs(level == top ? *m.finest_fe : *m.linear);
          make_level_constraints(
            mapping, dofs, m.problem, held, m.constraints[level]);
          const unsigned int degree = dofs.get_fe().degree;
          m.operators[level] = make_level_operator<dim>(degree, degree + 1);
          m.operators[level]->attach(
            mapping, dofs, m.constraints[level], degree + 1, m.problem);
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

// Matrix-free conduction operator and its geometric multigrid
// (conduction_multigrid.h).
#include "anode_thermal/conduction_multigrid.h"

#include <deal.II/base/quadrature_lib.h>
#include <deal.II/dofs/dof_tools.h>
#include <deal.II/fe/fe_nothing.h>
#include <deal.II/fe/fe_q.h>
#include <deal.II/fe/fe_system.h>
#include <deal.II/fe/fe_values.h>
#include <deal.II/hp/fe_collection.h>
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

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <stdexcept>
#include <unordered_map>

namespace xray
{
  namespace anode_thermal
  {
    namespace
    {
      using VectorType = LinearAlgebra::distributed::Vector<double>;

      /// MatrixFree's quadrature of the faces: its second, degree + 2 Gauss
      /// points per direction as the assembly's face rule (the cells' first
      /// has degree + 1), so that the face integrals are the assembled
      /// matrix's on curved faces too.
      constexpr unsigned int face_rule = 1;


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


      // The number of fields of PROBLEM (Problem::field): one or two.
      template <int dim>
      unsigned int
      count_fields(const typename ConductionMultigrid<dim>::Problem &problem)
      {
        unsigned int n = 1;
        for (const unsigned int field : problem.field)
          n = std::max(n, field + 1);
        if (n > 2)
          throw std::logic_error("the conduction operator holds at most two "
                                 "fields");
        return n;
      }


      // The field of material MATERIAL.
      template <int dim>
      unsigned int
      field_of(const typename ConductionMultigrid<dim>::Problem &problem,
               const types::material_id                          material)
      {
        return material < problem.field.size() ? problem.field[material] : 0;
      }


      // h_b of the interface between materials A and B, which are on
      // different fields: only consecutive layers joined by a finite
      // conductance are.
      template <int dim>
      double
      interface_conductance(
        const typename ConductionMultigrid<dim>::Problem &problem,
        const types::material_id                          a,
        const types::material_id                          b)
      {
        const types::material_id lower = std::min(a, b);
        if (std::max(a, b) != lower + 1 ||
            lower >= problem.interface_conductance.size() ||
            !std::isfinite(problem.interface_conductance[lower]))
          throw std::logic_error("two fields meet where no interface "
                                 "conductance joins them");
        return problem.interface_conductance[lower];
      }


      // The conduction operator on one level: cell integrals of
      // c grad u . grad v with c = k w, tabulated per cell batch (constant
      // k and w) or per quadrature point, and for the Newton matrix of k(T)
      // also (s u) . grad v with s = k'(T) grad T w; on convective faces
      // the integral of h_c w u v, on faces between two fields (resistive
      // interfaces) that of h_b w [u] [v], h_c w and h_b w tabulated per
      // face quadrature point. With two fields each cell batch holds cells
      // of one field, whose component alone its integrals act on. The
      // kernels are CellKernel's, compiled for its degree and quadrature.
      template <int dim>
      class LevelOperator : public MatrixFreeOperators::Base<dim, VectorType>
      {
      public:
        using Problem = typename ConductionMultigrid<dim>::Problem;

        /// The operator of PROBLEM on DOF_HANDLER's cells (and on the faces
        /// PROBLEM integrates over), with a MatrixFree of its own.
        void
        attach(const Mapping<dim>              &mapping,
               const DoFHandler<dim>           &dof_handler,
               const AffineConstraints<double> &constraints,
               const unsigned int               quadrature_points,
               const Problem                   &problem);
        /// The operator on the cells of OTHER, sharing its MatrixFree (the
        /// Newton matrix beside its symmetric part on the finest level).
        void
        attach(const LevelOperator &other);
        /// The coefficients: k at any T (constant k), or k(T) at TEMPERATURE
        /// (this level's vector, ghost values updated), with s as well if
        /// WITH_SLOPE.
        void
        tabulate(const VectorType *temperature, bool with_slope);

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
        const Tensor<1, dim, VectorizedArray<double>> &
        s(const unsigned int batch, const unsigned int q) const
        {
          return slope[batch * n_q_points + q];
        }
        unsigned int
        n_fields() const
        {
          return fields;
        }
        /// The field of the cells of cell batch BATCH.
        unsigned int
        field(const unsigned int batch) const
        {
          return batch_field[batch];
        }
        /// Whether any boundary face is cooled by convection (on any rank:
        /// the loops that depend on it communicate).
        bool
        has_convection() const
        {
          return !problem->convective_faces.empty();
        }
        /// Whether the operator holds resistive interfaces (two fields).
        bool
        has_interfaces() const
        {
          return fields > 1;
        }
        /// Whether boundary face batch FACE is cooled by convection.
        bool
        is_convective(const unsigned int face) const
        {
          return convective_face[face - first_boundary_face];
        }
        /// h_c w at point Q of boundary face batch FACE, on the lanes whose
        /// cell is on field FIELD (zero on the others).
        VectorizedArray<double>
        h_w(const unsigned int face,
            const unsigned int field,
            const unsigned int q) const
        {
          return face_coefficient[((face - first_boundary_face) * fields +
                                   field) *
                                    n_face_q_points +
                                  q];
        }
        /// The index of inner face batch FACE among those with a lane on a
        /// resistive interface; invalid if it has none.
        unsigned int
        interface_index(const unsigned int face) const
        {
          return interface_of_face[face];
        }
        /// h_b w at point Q of the interface batch of index I (zero on its
        /// lanes that join cells of one field).
        VectorizedArray<double>
        h_b_w(const unsigned int i, const unsigned int q) const
        {
          return interface_coefficient[i * n_face_q_points + q];
        }
        /// One on the lanes of the interface batch of index I whose
        /// interior cell is on field 0, zero on the others.
        const VectorizedArray<double> &
        interior_on_field_0(const unsigned int i) const
        {
          return interior_field_0[i];
        }
        /// Whether cell batch BATCH is integrated through the constraints
        /// (tabulate_fields()).
        bool
        through_constraints(const unsigned int batch) const
        {
          return !batch_through_constraints.empty() &&
                 batch_through_constraints[batch];
        }
        /// Whether boundary face batch FACE is integrated through the
        /// constraints.
        bool
        face_through_constraints(const unsigned int face) const
        {
          return !boundary_face_through_constraints.empty() &&
                 boundary_face_through_constraints[face - first_boundary_face];
        }
        /// The slot (the unknowns read and written through the
        /// constraints) of lane LANE of cell batch BATCH, on its field's
        /// component; invalid unless the batch is integrated through them.
        unsigned int
        cell_slot(const unsigned int batch, const unsigned int lane) const
        {
          return cell_slots[batch * n_lanes + lane];
        }
        /// The slot of lane LANE of boundary face batch FACE, component
        /// FIELD.
        unsigned int
        boundary_slot(const unsigned int face,
                      const unsigned int field,
                      const unsigned int lane) const
        {
          return boundary_slots
            [((face - first_boundary_face) * fields + field) * n_lanes + lane];
        }
        /// The slot of lane LANE of side S (InterfaceSides) of the interface
        /// batch of index I.
        unsigned int
        interface_slot(const unsigned int i,
                       const unsigned int s,
                       const unsigned int lane) const
        {
          return interface_slots[(i * 4 + s) * n_lanes + lane];
        }
        /// PHI's values (its component, lexicographic) on lane LANE from
        /// SRC through the constraints of SLOT.
        template <typename Evaluator>
        void
        gather(Evaluator         &phi,
               const unsigned int lane,
               const unsigned int slot,
               const VectorType  &src) const
        {
          for (unsigned int j = 0; j < dofs_per_component; ++j)
            {
              const unsigned int k     = slot * dofs_per_component + j;
              double             value = 0;
              for (unsigned int e = slot_start[k]; e < slot_start[k + 1]; ++e)
                value += slot_entries[e].second *
                         src.local_element(slot_entries[e].first);
              phi.begin_dof_values()[j][lane] = value;
            }
        }
        /// PHI's values on lane LANE added to DST through the constraints
        /// of SLOT (the transpose of gather()).
        template <typename Evaluator>
        void
        scatter(const Evaluator   &phi,
                const unsigned int lane,
                const unsigned int slot,
                VectorType        &dst) const
        {
          for (unsigned int j = 0; j < dofs_per_component; ++j)
            {
              const unsigned int k     = slot * dofs_per_component + j;
              const double       value = phi.begin_dof_values()[j][lane];
              for (unsigned int e = slot_start[k]; e < slot_start[k + 1]; ++e)
                dst.local_element(slot_entries[e].first) +=
                  slot_entries[e].second * value;
            }
        }

        static constexpr unsigned int n_lanes = VectorizedArray<double>::size();

        const AffineConstraints<double> *constraints = nullptr;
        const Mapping<dim>              *mapping     = nullptr;
        const Problem                   *problem     = nullptr;
        TrilinosWrappers::SparseMatrix   matrix;

      private:
        void
        tabulate_fields();
        void
        tabulate_convective_faces();
        void
        tabulate_interfaces();

        unsigned int                                           fields = 1;
        std::vector<unsigned char>                             batch_field;
        AlignedVector<VectorizedArray<double>>                 coefficient;
        AlignedVector<Tensor<1, dim, VectorizedArray<double>>> slope;
        bool                                   per_point       = false;
        unsigned int                           n_q_points      = 0;
        unsigned int                           n_face_q_points = 0;
        AlignedVector<VectorizedArray<double>> face_coefficient;
        std::vector<bool>                      convective_face;
        unsigned int                           first_boundary_face = 0;
        std::vector<unsigned int>              interface_of_face;
        AlignedVector<VectorizedArray<double>> interface_coefficient;
        AlignedVector<VectorizedArray<double>> interior_field_0;
        std::vector<bool>                      batch_through_constraints;
        std::vector<bool> boundary_face_through_constraints;
        /// The coarsest level of each field's cells at every vertex.
        std::array<std::vector<unsigned int>, 2> coarsest_level;
        /// Whether CELL shares a vertex with a coarser cell of the other
        /// field.
        bool
        next_to_coarser_other_field(
          const typename DoFHandler<dim>::cell_iterator &cell) const
        {
          const auto &other =
            coarsest_level[1 - field_of<dim>(*problem, cell->material_id())];
          for (const unsigned int v : cell->vertex_indices())
            if (other[cell->vertex_index(v)] <
                static_cast<unsigned int>(cell->level()))
              return true;
          return false;
        }
        unsigned int
        add_slot(const typename DoFHandler<dim>::cell_iterator &cell,
                 unsigned int                                   component);
        /// Slots: for each, and each shape function of a component in
        /// lexicographic order, the range in slot_entries of the vector's
        /// entries (local index) and weights its value is made of: one with
        /// weight 1 for a free unknown, the parents of a hanging one, none
        /// for a held one.
        unsigned int                                 dofs_per_component = 0;
        std::vector<unsigned int>                    slot_start;
        std::vector<std::pair<unsigned int, double>> slot_entries;
        std::vector<unsigned int> cell_slots, boundary_slots, interface_slots;
      };


      template <int dim>
      void
      LevelOperator<dim>::attach(const Mapping<dim>              &mapping_,
                                 const DoFHandler<dim>           &dof_handler,
                                 const AffineConstraints<double> &constraints_,
                                 const unsigned int quadrature_points,
                                 const Problem     &problem_)
      {
        constraints = &constraints_;
        mapping     = &mapping_;
        problem     = &problem_;
        fields      = count_fields<dim>(problem_);
        typename MatrixFree<dim, double>::AdditionalData data;
        data.tasks_parallel_scheme =
          MatrixFree<dim, double>::AdditionalData::none;
        data.mapping_update_flags =
          update_gradients | update_JxW_values | update_quadrature_points;
        const UpdateFlags on_faces =
          update_values | update_JxW_values | update_quadrature_points;
        if (has_convection())
          data.mapping_update_flags_boundary_faces = on_faces;
        if (has_interfaces())
          {
            data.mapping_update_flags_inner_faces = on_faces;
            // (Batches of cells of one field: see tabulate_fields().)
            const Triangulation<dim> &mesh = dof_handler.get_triangulation();
            data.cell_vectorization_category.assign(mesh.n_active_cells(), 0);
            for (const auto &cell : mesh.active_cell_iterators())
              if (!cell->is_artificial())
                data.cell_vectorization_category[cell->active_cell_index()] =
                  field_of<dim>(problem_, cell->material_id());
            data.cell_vectorization_categories_strict = true;
          }
        std::vector<QGauss<1>> rules{QGauss<1>(quadrature_points)};
        if (has_convection() || has_interfaces())
          rules.emplace_back(quadrature_points + 1); // face_rule
        auto matrix_free = std::make_shared<MatrixFree<dim, double>>();
        matrix_free->reinit(mapping_,
                            std::vector<const DoFHandler<dim> *>{&dof_handler},
                            std::vector<const AffineConstraints<double> *>{
                              &constraints_},
                            rules,
                            data);
        this->initialize(matrix_free);
        tabulate_fields();
        tabulate_convective_faces();
        tabulate_interfaces();
      }


      template <int dim>
      void
      LevelOperator<dim>::attach(const LevelOperator &other)
      {
        constraints = other.constraints;
        mapping     = other.mapping;
        problem     = other.problem;
        fields      = other.fields;
        this->initialize(other.get_matrix_free());
        tabulate_fields();
        tabulate_convective_faces();
        tabulate_interfaces();
      }


      // The field of every cell batch (batches were formed of cells of one
      // field, MatrixFree's strict cell categories, so that a batch's
      // integrals act on one component), and which batches are integrated
      // through the constraints. MatrixFree (deal.II 9.4) resolves the
      // hanging nodes of FE_Q on its own, from the mesh alone: a finer
      // cell's unknowns on a face or edge that hangs on a coarser cell are
      // read from that cell's. Where the coarser cell is of the other field
      // (a resistive interface that hangs), they are not its field's and
      // are free (make_field_hanging_node_constraints()). Such a cell shares
      // a vertex with a coarser cell of the other field; the batches with
      // one, the interface faces and the convective faces of such cells
      // gather and scatter their values through the level's constraints
      // instead, from slots (add_slot()) made once per mesh.
      template <int dim>
      void
      LevelOperator<dim>::tabulate_fields()
      {
        const MatrixFree<dim, double> &matrix_free = *this->get_matrix_free();
        batch_field.assign(matrix_free.n_cell_batches(), 0);
        for (unsigned int batch = 0; batch < batch_field.size(); ++batch)
          for (unsigned int v = 0;
               v < matrix_free.n_active_entries_per_cell_batch(batch);
               ++v)
            {
              const unsigned int field = field_of<dim>(
                *problem,
                matrix_free.get_cell_iterator(batch, v)->material_id());
              if (v == 0)
                batch_field[batch] = field;
              else if (field != batch_field[batch])
                throw std::logic_error("a cell batch holds cells of two "
                                       "fields");
            }
        batch_through_constraints.clear();
        cell_slots.clear();
        slot_entries.clear();
        slot_start.assign(1, 0);
        dofs_per_component = matrix_free.get_dof_handler()
                               .get_fe()
                               .base_element(0)
                               .n_dofs_per_cell();
        if (!has_interfaces())
          return;

        const Triangulation<dim> &mesh =
          matrix_free.get_dof_handler().get_triangulation();
        for (auto &levels : coarsest_level)
          levels.assign(mesh.n_vertices(), numbers::invalid_unsigned_int);
        for (const auto &cell : mesh.active_cell_iterators())
          if (!cell->is_artificial())
            for (const unsigned int v : cell->vertex_indices())
              {
                unsigned int &level =
                  coarsest_level[field_of<dim>(*problem, cell->material_id())]
                                [cell->vertex_index(v)];
                level = std::min<unsigned int>(level, cell->level());
              }
        batch_through_constraints.assign(batch_field.size(), false);
        cell_slots.assign(batch_field.size() * n_lanes,
                          numbers::invalid_unsigned_int);
        for (unsigned int batch = 0; batch < batch_field.size(); ++batch)
          {
            const unsigned int lanes =
              matrix_free.n_active_entries_per_cell_batch(batch);
            for (unsigned int v = 0; v < lanes; ++v)
              if (next_to_coarser_other_field(
                    matrix_free.get_cell_iterator(batch, v)))
                batch_through_constraints[batch] = true;
            if (batch_through_constraints[batch])
              for (unsigned int v = 0; v < lanes; ++v)
                cell_slots[batch * n_lanes + v] =
                  add_slot(matrix_free.get_cell_iterator(batch, v),
                           batch_field[batch]);
          }
      }


      // A slot for component COMPONENT of CELL (cell_slot()): the entries
      // of the level's vector that MatrixFree would read for the cell, but
      // with the level's constraints. They are among those it reads (a
      // hanging unknown's parents are its coarser neighbour's, and a free
      // one's own entry is among its plain ones), so the loops exchange
      // them with the other ranks.
      template <int dim>
      unsigned int
      LevelOperator<dim>::add_slot(
        const typename DoFHandler<dim>::cell_iterator &cell,
        const unsigned int                             component)
      {
        const MatrixFree<dim, double> &matrix_free = *this->get_matrix_free();
        const Utilities::MPI::Partitioner &partitioner =
          *matrix_free.get_vector_partitioner();
        const auto local = [&](const types::global_dof_index global) {
          if (!partitioner.in_local_range(global) &&
              !partitioner.is_ghost_entry(global))
            throw std::logic_error("an unknown read through the constraints "
                                   "is not in the level's vector");
          return partitioner.global_to_local(global);
        };
        std::vector<types::global_dof_index> dofs(
          cell->get_fe().n_dofs_per_cell());
        cell->get_dof_indices(dofs);
        // (The numbering of the FE_Q base element's shape info holds all
        // components, component by component in lexicographic order, to
        // the cell's.)
        const std::vector<unsigned int> &lexicographic =
          matrix_free.get_shape_info().lexicographic_numbering;
        for (unsigned int j = 0; j < dofs_per_component; ++j)
          {
            const types::global_dof_index dof =
              dofs[lexicographic[component * dofs_per_component + j]];
            if (const auto *entries = constraints->get_constraint_entries(dof))
              for (const auto &[parent, weight] : *entries)
                slot_entries.emplace_back(local(parent), weight);
            else if (!constraints->is_constrained(dof))
              slot_entries.emplace_back(local(dof), 1.);
            slot_start.push_back(slot_entries.size());
          }
        return slot_start.size() / dofs_per_component - 1;
      }


      template <int dim>
      void
      LevelOperator<dim>::tabulate(const VectorType *temperature,
                                   const bool        with_slope)
      {
        const MatrixFree<dim, double> &matrix_free = *this->get_matrix_free();
        FEEvaluation<dim, -1, 0, 1, double> phi(matrix_free);
        per_point  = temperature != nullptr || !problem->weight_is_constant;
        n_q_points = phi.n_q_points;
        const unsigned int n_batches = matrix_free.n_cell_batches();
        coefficient.resize(n_batches * (per_point ? n_q_points : 1));
        slope.resize(with_slope ? n_batches * n_q_points : 0);
        const EvaluationFlags::EvaluationFlags flags =
          with_slope ? EvaluationFlags::values | EvaluationFlags::gradients :
                       EvaluationFlags::values;
        std::unique_ptr<FEEvaluation<dim, -1, 0, 1, double>> second_field;
        if (fields > 1)
          second_field = std::make_unique<FEEvaluation<dim, -1, 0, 1, double>>(
            matrix_free, 0, 0, 1);
        for (unsigned int batch = 0; batch < n_batches; ++batch)
          {
            // (A batch's empty lanes repeat its last cell.)
            const unsigned int lanes =
              matrix_free.n_active_entries_per_cell_batch(batch);
            std::array<const TemperatureFunction *, n_lanes> k;
            for (unsigned int v = 0; v < n_lanes; ++v)
              k[v] = &problem->conductivity.at(
                matrix_free.get_cell_iterator(batch, std::min(v, lanes - 1))
                  ->material_id());
            if (!per_point)
              {
                // (Constant k: its value at any T.)
                VectorizedArray<double> k_w;
                for (unsigned int v = 0; v < n_lanes; ++v)
                  k_w[v] = k[v]->value(0.) * problem->weight(Point<dim>());
                coefficient[batch] = k_w;
                continue;
              }
            // (T is the batch's field's component.)
            auto &T_of = field(batch) == 0 ? phi : *second_field;
            T_of.reinit(batch);
            if (temperature != nullptr)
              {
                T_of.read_dof_values_plain(*temperature);
                T_of.evaluate(flags);
              }
            for (const unsigned int q : T_of.quadrature_point_indices())
              {
                const auto              x = T_of.quadrature_point(q);
                VectorizedArray<double> k_w, dk_w;
                for (unsigned int v = 0; v < n_lanes; ++v)
                  {
                    const unsigned int lane = std::min(v, lanes - 1);
                    const double       w = problem->weight(lane_point(x, lane));
                    const double       T =
                      temperature != nullptr ? T_of.get_value(q)[lane] : 0.;
                    k_w[v]  = k[v]->value(T) * w;
                    dk_w[v] = with_slope ? k[v]->derivative(T) * w : 0.;
                  }
                coefficient[batch * n_q_points + q] = k_w;
                if (with_slope)
                  slope[batch * n_q_points + q] = dk_w * T_of.get_gradient(q);
              }
          }
      }


      // h_c w at every quadrature point of the boundary faces that are
      // cooled by convection (Problem::convective_faces), for each field on
      // the lanes whose cell is on it; none without them. The faces are
      // integrated on the assembly's rule (face_rule).
      template <int dim>
      void
      LevelOperator<dim>::tabulate_convective_faces()
      {
        const MatrixFree<dim, double> &matrix_free = *this->get_matrix_free();
        face_coefficient.clear();
        boundary_face_through_constraints.clear();
        boundary_slots.clear();
        first_boundary_face        = matrix_free.n_inner_face_batches();
        const unsigned int n_faces = matrix_free.n_boundary_face_batches();
        convective_face.assign(n_faces, false);
        if (!has_convection())
          return;
        // (A convective face of a cell integrated through the constraints
        // is too, on both components: tabulate_fields().)
        if (has_interfaces())
          {
            boundary_face_through_constraints.assign(n_faces, false);
            boundary_slots.assign(n_faces * fields * n_lanes,
                                  numbers::invalid_unsigned_int);
            for (unsigned int f = 0; f < n_faces; ++f)
              {
                const unsigned int face = first_boundary_face + f;
                const unsigned int lanes =
                  matrix_free.n_active_entries_per_face_batch(face);
                for (unsigned int v = 0; v < lanes; ++v)
                  if (next_to_coarser_other_field(
                        matrix_free.get_face_iterator(face, v).first))
                    boundary_face_through_constraints[f] = true;
                if (boundary_face_through_constraints[f])
                  for (unsigned int v = 0; v < lanes; ++v)
                    for (unsigned int field = 0; field < fields; ++field)
                      boundary_slots[(f * fields + field) * n_lanes + v] =
                        add_slot(matrix_free.get_face_iterator(face, v).first,
                                 field);
              }
          }
        FEFaceEvaluation<dim, -1, 0, 1, double> phi(matrix_free,
                                                    true,
                                                    0,
                                                    face_rule);
        n_face_q_points = phi.n_q_points;
        face_coefficient.resize(n_faces * fields * n_face_q_points);
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
            std::array<unsigned int, n_lanes> lane_field;
            for (unsigned int v = 0; v < n_lanes; ++v)
              lane_field[v] =
                field_of<dim>(*problem,
                              matrix_free
                                .get_face_iterator(face, std::min(v, lanes - 1))
                                .first->material_id());
            for (const unsigned int q : phi.quadrature_point_indices())
              {
                const auto x = phi.quadrature_point(q);
                for (unsigned int field = 0; field < fields; ++field)
                  {
                    VectorizedArray<double> value;
                    for (unsigned int v = 0; v < n_lanes; ++v)
                      {
                        const unsigned int lane = std::min(v, lanes - 1);
                        value[v] =
                          lane_field[v] != field ?
                            0. :
                            h_c->second * problem->weight(lane_point(x, lane));
                      }
                    face_coefficient[(f * fields + field) * n_face_q_points +
                                     q] = value;
                  }
              }
          }
      }


      // h_b w at every quadrature point of the inner faces between two
      // fields (the resistive interfaces), and which field each one's
      // interior cell is on; none with one field. Where an interface hangs,
      // the interior cell is the finer one and the face its face, the
      // coarser cell being evaluated on its subface (the assembly maps the
      // finer face's points into it instead: on a curved coarser cell the
      // two differ a little). Integrated on the assembly's rule
      // (face_rule).
      template <int dim>
      void
      LevelOperator<dim>::tabulate_interfaces()
      {
        const MatrixFree<dim, double> &matrix_free = *this->get_matrix_free();
        interface_of_face.assign(matrix_free.n_inner_face_batches(),
                                 numbers::invalid_unsigned_int);
        interface_coefficient.clear();
        interior_field_0.clear();
        interface_slots.clear();
        if (!has_interfaces())
          return;
        FEFaceEvaluation<dim, -1, 0, 1, double> phi(matrix_free,
                                                    true,
                                                    0,
                                                    face_rule);
        n_face_q_points = phi.n_q_points;
        for (unsigned int face = 0; face < interface_of_face.size(); ++face)
          {
            std::array<double, n_lanes> h_b{};
            VectorizedArray<double>     interior_0 = 0.;
            bool                        any        = false;
            for (unsigned int v = 0;
                 v < matrix_free.n_active_entries_per_face_batch(face);
                 ++v)
              {
                const types::material_id interior =
                  matrix_free.get_face_iterator(face, v, true)
                    .first->material_id();
                const types::material_id exterior =
                  matrix_free.get_face_iterator(face, v, false)
                    .first->material_id();
                const unsigned int field = field_of<dim>(*problem, interior);
                if (field == field_of<dim>(*problem, exterior))
                  continue;
                h_b[v] =
                  interface_conductance<dim>(*problem, interior, exterior);
                interior_0[v] = field == 0 ? 1. : 0.;
                any           = true;
              }
            if (!any)
              continue;
            interface_of_face[face] = interior_field_0.size();
            interior_field_0.push_back(interior_0);
            // (Interior components 0 and 1, then exterior: InterfaceSides.)
            for (unsigned int side = 0; side < 4; ++side)
              for (unsigned int v = 0; v < n_lanes; ++v)
                interface_slots.push_back(
                  v < matrix_free.n_active_entries_per_face_batch(face) ?
                    add_slot(
                      matrix_free.get_face_iterator(face, v, side < 2).first,
                      side % 2) :
                    numbers::invalid_unsigned_int);
            phi.reinit(face);
            for (const unsigned int q : phi.quadrature_point_indices())
              {
                const auto              x = phi.quadrature_point(q);
                VectorizedArray<double> value;
                for (unsigned int v = 0; v < n_lanes; ++v)
                  value[v] = h_b[v] == 0. ?
                               0. :
                               h_b[v] * problem->weight(lane_point(x, v));
                interface_coefficient.push_back(value);
              }
          }
      }


      // The cell kernel of degree DEGREE on N_Q Gauss points per direction
      // (-1 and 0: both chosen at run time, slower).
      template <int dim, int degree, int n_q>
      class CellKernel : public LevelOperator<dim>
      {
      public:
        using Integrator       = FEEvaluation<dim, degree, n_q, 1, double>;
        using SystemIntegrator = FEEvaluation<dim, degree, n_q, 2, double>;
        using FaceIntegrator =
          FEFaceEvaluation<dim, degree, (n_q == 0 ? 0 : n_q + 1), 1, double>;

        void
        compute_diagonal() override;
        const TrilinosWrappers::SparseMatrix &
        assembled_matrix() override;

        // The flux c grad u (+ s u for the Newton matrix of k(T)) at every
        // point, tested with grad v, on the component PHI selects: the
        // batch's field's (nothing on the other one's).
        void
        integrate_cell(Integrator &phi) const
        {
          const unsigned int batch = phi.get_current_cell_index();
          if (this->field(batch) != phi.get_first_selected_component())
            {
              for (unsigned int i = 0; i < phi.dofs_per_cell; ++i)
                phi.begin_dof_values()[i] = 0.;
              return;
            }
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

        // The same flux on the two components of two fields' unknowns, on
        // the batch's field's component (for the diagonal and the coarse
        // matrix, which deal.II 9.4 computes on all of a cell's unknowns).
        void
        integrate_cell_fields(SystemIntegrator &phi) const
        {
          const unsigned int batch = phi.get_current_cell_index();
          const unsigned int field = this->field(batch);
          phi.evaluate(this->has_slope() ?
                         EvaluationFlags::values | EvaluationFlags::gradients :
                         EvaluationFlags::gradients);
          for (const unsigned int q : phi.quadrature_point_indices())
            {
              Tensor<1, 2, Tensor<1, dim, VectorizedArray<double>>> flux;
              flux[field] = this->c(batch, q) * phi.get_gradient(q)[field];
              if (this->has_slope())
                flux[field] += this->s(batch, q) * phi.get_value(q)[field];
              phi.submit_gradient(flux, q);
            }
          phi.integrate(EvaluationFlags::gradients);
        }

        // The convective flux h_c u at every point of a convective boundary
        // face, tested with v, on the component PHI selects (on the lanes
        // whose cell is on that field).
        void
        integrate_boundary_face(FaceIntegrator &phi) const
        {
          const unsigned int face  = phi.get_current_cell_index();
          const unsigned int field = phi.get_first_selected_component();
          phi.evaluate(EvaluationFlags::values);
          for (const unsigned int q : phi.quadrature_point_indices())
            phi.submit_value(this->h_w(face, field, q) * phi.get_value(q), q);
          phi.integrate(EvaluationFlags::values);
        }

      private:
        // Both sides' components of an inner face batch: on each lane the
        // interior's field is one component, the exterior's the other.
        struct InterfaceSides
        {
          InterfaceSides(const MatrixFree<dim, double> &data)
            : side{{FaceIntegrator(data, true, 0, face_rule, 0),
                    FaceIntegrator(data, true, 0, face_rule, 1),
                    FaceIntegrator(data, false, 0, face_rule, 0),
                    FaceIntegrator(data, false, 0, face_rule, 1)}}
          {}
          /// Interior components 0 and 1, then exterior 0 and 1.
          std::array<FaceIntegrator, 4> side;
        };

        // The interface flux h_b [u] on every lane of an interface batch
        // (INTERFACE its index), [u] = u_interior - u_exterior, each side's
        // u its field's component, tested with [v]: + on the interior's
        // field's component, - on the exterior's. MASK[s] is one on the
        // lanes where SIDES.side[s] carries its side's field.
        static std::array<VectorizedArray<double>, 4>
        interface_masks(const VectorizedArray<double> &interior_on_field_0)
        {
          const VectorizedArray<double> other = 1. - interior_on_field_0;
          return {{interior_on_field_0, other, other, interior_on_field_0}};
        }
        void
        integrate_interface(InterfaceSides    &sides,
                            const unsigned int interface) const
        {
          const auto masks =
            interface_masks(this->interior_on_field_0(interface));
          for (FaceIntegrator &phi : sides.side)
            phi.evaluate(EvaluationFlags::values);
          for (const unsigned int q : sides.side[0].quadrature_point_indices())
            {
              const VectorizedArray<double> jump =
                masks[0] * sides.side[0].get_value(q) +
                masks[1] * sides.side[1].get_value(q) -
                masks[2] * sides.side[2].get_value(q) -
                masks[3] * sides.side[3].get_value(q);
              const VectorizedArray<double> flux =
                this->h_b_w(interface, q) * jump;
              for (unsigned int s = 0; s < 4; ++s)
                sides.side[s].submit_value((s < 2 ? 1. : -1.) * masks[s] * flux,
                                           q);
            }
          for (FaceIntegrator &phi : sides.side)
            phi.integrate(EvaluationFlags::values);
        }

        // The diagonal of the face integral of COEFFICIENT(q) u v on PHI's
        // face: one unit vector at a time, left in PHI's values.
        template <typename Coefficient>
        static void
        face_diagonal(FaceIntegrator &phi, const Coefficient &coefficient)
        {
          AlignedVector<VectorizedArray<double>> local(phi.dofs_per_cell);
          for (unsigned int i = 0; i < phi.dofs_per_cell; ++i)
            {
              for (unsigned int j = 0; j < phi.dofs_per_cell; ++j)
                phi.begin_dof_values()[j] = 0.;
              phi.begin_dof_values()[i] = 1.;
              phi.evaluate(EvaluationFlags::values);
              for (const unsigned int q : phi.quadrature_point_indices())
                phi.submit_value(coefficient(q) * phi.get_value(q), q);
              phi.integrate(EvaluationFlags::values);
              local[i] = phi.begin_dof_values()[i];
            }
          for (unsigned int i = 0; i < phi.dofs_per_cell; ++i)
            phi.begin_dof_values()[i] = local[i];
        }

        // The values of boundary face batch FACE's PHI from SRC, and added
        // to DST, through the constraints (its slots), lane by lane.
        void
        gather(FaceIntegrator    &phi,
               const unsigned int face,
               const VectorType  &src) const
        {
          for (unsigned int v = 0;
               v < this->data->n_active_entries_per_face_batch(face);
               ++v)
            LevelOperator<dim>::gather(
              phi,
              v,
              this->boundary_slot(face, phi.get_first_selected_component(), v),
              src);
        }
        void
        scatter(const FaceIntegrator &phi,
                const unsigned int    face,
                VectorType           &dst) const
        {
          for (unsigned int v = 0;
               v < this->data->n_active_entries_per_face_batch(face);
               ++v)
            LevelOperator<dim>::scatter(
              phi,
              v,
              this->boundary_slot(face, phi.get_first_selected_component(), v),
              dst);
        }
        // The same for both sides of the interface batch of index
        // INTERFACE (inner face batch FACE).
        void
        gather(InterfaceSides    &sides,
               const unsigned int face,
               const unsigned int interface,
               const VectorType  &src) const
        {
          for (unsigned int s = 0; s < 4; ++s)
            for (unsigned int v = 0;
                 v < this->data->n_active_entries_per_face_batch(face);
                 ++v)
              LevelOperator<dim>::gather(sides.side[s],
                                         v,
                                         this->interface_slot(interface, s, v),
                                         src);
        }
        void
        scatter(const InterfaceSides &sides,
                const unsigned int    face,
                const unsigned int    interface,
                VectorType           &dst) const
        {
          for (unsigned int s = 0; s < 4; ++s)
            for (unsigned int v = 0;
                 v < this->data->n_active_entries_per_face_batch(face);
                 ++v)
              LevelOperator<dim>::scatter(sides.side[s],
                                          v,
                                          this->interface_slot(interface, s, v),
                                          dst);
        }
        // The same for cell batch BATCH.
        void
        gather(Integrator        &phi,
               const unsigned int batch,
               const VectorType  &src) const
        {
          for (unsigned int v = 0;
               v < this->data->n_active_entries_per_cell_batch(batch);
               ++v)
            LevelOperator<dim>::gather(phi, v, this->cell_slot(batch, v), src);
        }
        void
        scatter(const Integrator  &phi,
                const unsigned int batch,
                VectorType        &dst) const
        {
          for (unsigned int v = 0;
               v < this->data->n_active_entries_per_cell_batch(batch);
               ++v)
            LevelOperator<dim>::scatter(phi, v, this->cell_slot(batch, v), dst);
        }
        // The kernel of the diagonal of the cells not integrated through
        // the constraints (the others: add_constrained_cell_diagonal()).
        void
        diagonal_of_cell_fields(SystemIntegrator &phi) const
        {
          if (this->through_constraints(phi.get_current_cell_index()))
            for (unsigned int i = 0; i < phi.dofs_per_cell; ++i)
              phi.begin_dof_values()[i] = 0.;
          else
            integrate_cell_fields(phi);
        }
        void
        add_constrained_cell_diagonal(VectorType &diagonal) const;
        void
        add_convective_diagonal(VectorType &diagonal) const;
        void
        add_interface_diagonal(VectorType &diagonal) const;
        void
        add_face_matrices();
        // (Cells and faces integrated through the constraints gather their
        // values from SRC and scatter them to DST through their slots.)
        void
        apply_add(VectorType &dst, const VectorType &src) const override
        {
          if (!this->has_convection() && !this->has_interfaces())
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
        apply_inner_faces(
          const MatrixFree<dim, double>               &data,
          VectorType                                  &dst,
          const VectorType                            &src,
          const std::pair<unsigned int, unsigned int> &faces) const
        {
          if (!this->has_interfaces())
            return;
          InterfaceSides sides(data);
          for (unsigned int face = faces.first; face < faces.second; ++face)
            {
              const unsigned int interface = this->interface_index(face);
              if (interface == numbers::invalid_unsigned_int)
                continue;
              for (FaceIntegrator &phi : sides.side)
                phi.reinit(face);
              gather(sides, face, interface, src);
              integrate_interface(sides, interface);
              scatter(sides, face, interface, dst);
            }
        }
        void
        apply_boundary_faces(
          const MatrixFree<dim, double>               &data,
          VectorType                                  &dst,
          const VectorType                            &src,
          const std::pair<unsigned int, unsigned int> &faces) const
        {
          if (!this->has_convection())
            return;
          for (unsigned int field = 0; field < this->n_fields(); ++field)
            {
              FaceIntegrator phi(data, true, 0, face_rule, field);
              for (unsigned int face = faces.first; face < faces.second; ++face)
                if (this->is_convective(face))
                  {
                    phi.reinit(face);
                    const bool by_unknowns =
                      this->face_through_constraints(face);
                    if (by_unknowns)
                      gather(phi, face, src);
                    else
                      phi.read_dof_values(src);
                    integrate_boundary_face(phi);
                    if (by_unknowns)
                      scatter(phi, face, dst);
                    else
                      phi.distribute_local_to_global(dst);
                  }
            }
        }
        void
        apply_cells(const MatrixFree<dim, double>               &data,
                    VectorType                                  &dst,
                    const VectorType                            &src,
                    const std::pair<unsigned int, unsigned int> &cells) const
        {
          // (One evaluator per field, each on its component.)
          std::vector<Integrator> phi;
          phi.reserve(this->n_fields());
          for (unsigned int field = 0; field < this->n_fields(); ++field)
            phi.emplace_back(data, 0, 0, field);
          for (unsigned int batch = cells.first; batch < cells.second; ++batch)
            {
              Integrator &cell = phi[this->field(batch)];
              cell.reinit(batch);
              if (!this->through_constraints(batch))
                {
                  cell.read_dof_values(src);
                  integrate_cell(cell);
                  cell.distribute_local_to_global(dst);
                  continue;
                }
              gather(cell, batch, src);
              integrate_cell(cell);
              scatter(cell, batch, dst);
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
        if (this->n_fields() == 1)
          MatrixFreeTools::compute_diagonal(*this->data,
                                            diagonal,
                                            &CellKernel::integrate_cell,
                                            this);
        else
          {
            MatrixFreeTools::compute_diagonal(
              *this->data,
              diagonal,
              &CellKernel::diagonal_of_cell_fields,
              this);
            add_constrained_cell_diagonal(diagonal);
          }
        if (this->has_convection())
          add_convective_diagonal(diagonal);
        if (this->has_interfaces())
          add_interface_diagonal(diagonal);
        this->set_constrained_entries_to_one(diagonal);
        for (unsigned int i = 0; i < diagonal.locally_owned_size(); ++i)
          {
            const double entry        = diagonal.local_element(i);
            diagonal.local_element(i) = entry > 0 ? 1. / entry : 1.;
          }
      }


      // The convective faces' part of the diagonal, h_c w phi_i phi_i
      // integrated face by face and field by field (deal.II 9.4's
      // compute_diagonal() takes cell integrals only); at hanging nodes it
      // is passed on to the parent unknowns as the face's values are, which
      // a smoother's diagonal tolerates.
      template <int dim, int degree, int n_q>
      void
      CellKernel<dim, degree, n_q>::add_convective_diagonal(
        VectorType &diagonal) const
      {
        const MatrixFree<dim, double> &data = *this->data;
        diagonal.zero_out_ghost_values();
        const unsigned int first = data.n_inner_face_batches();
        for (unsigned int field = 0; field < this->n_fields(); ++field)
          {
            FaceIntegrator phi(data, true, 0, face_rule, field);
            for (unsigned int face = first;
                 face < first + data.n_boundary_face_batches();
                 ++face)
              if (this->is_convective(face))
                {
                  phi.reinit(face);
                  face_diagonal(phi, [&](const unsigned int q) {
                    return this->h_w(face, field, q);
                  });
                  if (this->face_through_constraints(face))
                    scatter(phi, face, diagonal);
                  else
                    phi.distribute_local_to_global(diagonal);
                }
          }
        diagonal.compress(VectorOperation::add);
      }


      // The resistive interfaces' part of the diagonal, h_b w phi_i phi_i
      // on each side's field's component (the square of the jump's +-1),
      // passed on at hanging nodes as the convective part is.
      template <int dim, int degree, int n_q>
      void
      CellKernel<dim, degree, n_q>::add_interface_diagonal(
        VectorType &diagonal) const
      {
        InterfaceSides sides(*this->data);
        diagonal.zero_out_ghost_values();
        for (unsigned int face = 0; face < this->data->n_inner_face_batches();
             ++face)
          {
            const unsigned int interface = this->interface_index(face);
            if (interface == numbers::invalid_unsigned_int)
              continue;
            const auto masks =
              interface_masks(this->interior_on_field_0(interface));
            for (unsigned int s = 0; s < 4; ++s)
              {
                FaceIntegrator &phi = sides.side[s];
                phi.reinit(face);
                face_diagonal(phi, [&](const unsigned int q) {
                  return masks[s] * this->h_b_w(interface, q);
                });
              }
            scatter(sides, face, interface, diagonal);
          }
        diagonal.compress(VectorOperation::add);
      }


      // The diagonal of the cell batches integrated through the
      // constraints: one unit vector at a time, passed on at hanging nodes
      // as the faces' part is.
      template <int dim, int degree, int n_q>
      void
      CellKernel<dim, degree, n_q>::add_constrained_cell_diagonal(
        VectorType &diagonal) const
      {
        const MatrixFree<dim, double>         &data = *this->data;
        std::vector<Integrator>                phi;
        AlignedVector<VectorizedArray<double>> local;
        phi.reserve(this->n_fields());
        for (unsigned int field = 0; field < this->n_fields(); ++field)
          phi.emplace_back(data, 0, 0, field);
        diagonal.zero_out_ghost_values();
        for (unsigned int batch = 0; batch < data.n_cell_batches(); ++batch)
          if (this->through_constraints(batch))
            {
              Integrator &cell = phi[this->field(batch)];
              cell.reinit(batch);
              local.resize(cell.dofs_per_cell);
              for (unsigned int i = 0; i < cell.dofs_per_cell; ++i)
                {
                  for (unsigned int j = 0; j < cell.dofs_per_cell; ++j)
                    cell.begin_dof_values()[j] = 0.;
                  cell.begin_dof_values()[i] = 1.;
                  integrate_cell(cell);
                  local[i] = cell.begin_dof_values()[i];
                }
              for (unsigned int i = 0; i < cell.dofs_per_cell; ++i)
                cell.begin_dof_values()[i] = local[i];
              scatter(cell, batch, diagonal);
            }
        diagonal.compress(VectorOperation::add);
      }


      // The level's matrix: its cell integrals, the convective faces'
      // h_c w phi_j phi_i and the resistive interfaces' h_b w [phi_j]
      // [phi_i] (add_face_matrices(): deal.II 9.4's compute_matrix() takes
      // cell integrals only). The sparsity pattern is made at the
      // first call (a cell's couplings hold its face's across an
      // interface: both fields' unknowns of a face are the cell's); a later
      // one (the next linearisation of k(T), on the same level) only
      // refills the values.
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
        if (this->n_fields() == 1)
          MatrixFreeTools::compute_matrix(*this->data,
                                          *this->constraints,
                                          this->matrix,
                                          &CellKernel::integrate_cell,
                                          this);
        else
          MatrixFreeTools::compute_matrix(*this->data,
                                          *this->constraints,
                                          this->matrix,
                                          &CellKernel::integrate_cell_fields,
                                          this);
        if (this->has_convection() || this->has_interfaces())
          add_face_matrices();
        return this->matrix;
      }


      // The faces' part of the level's matrix, assembled with FEFaceValues
      // on the face rule: for each convective or interface face a
      // coefficient c (h_c or h_b) and a factor a_i per shape function,
      // adding the integral of c w (a_j phi_j) (a_i phi_i). On a convective
      // face a_i is 1 on the cell's field's component and 0 on the other.
      // An interface is taken from its side on field 0, with a_i = +1 on
      // component 0 and -1 on component 1: where the two cells meet whole
      // (on the coarse mesh, the one level assembled), the other side's
      // unknowns on the face are this cell's of component 1, whose traces
      // are the other side's, so a phi is the jump [phi].
      template <int dim, int degree, int n_q>
      void
      CellKernel<dim, degree, n_q>::add_face_matrices()
      {
        const DoFHandler<dim>    &dof_handler = this->data->get_dof_handler();
        const FiniteElement<dim> &fe          = dof_handler.get_fe();
        const unsigned int        n           = fe.n_dofs_per_cell();
        FEFaceValues<dim>         face_values(*this->mapping,
                                      fe,
                                      QGauss<dim - 1>(fe.degree + 2),
                                      update_values | update_JxW_values |
                                        update_quadrature_points);
        FullMatrix<double>        cell_matrix(n, n);
        std::vector<types::global_dof_index> dofs(n);
        std::vector<double>                  on_field(n), jump(n);
        for (unsigned int i = 0; i < n; ++i)
          jump[i] = fe.system_to_component_index(i).first == 0 ? 1. : -1.;
        for (const auto &cell : dof_handler.active_cell_iterators())
          {
            if (!cell->is_locally_owned())
              continue;
            const types::material_id material = cell->material_id();
            const unsigned int field = field_of<dim>(*this->problem, material);
            for (unsigned int i = 0; i < n; ++i)
              on_field[i] =
                fe.system_to_component_index(i).first == field ? 1. : 0.;
            cell_matrix = 0;
            bool any    = false;
            for (const unsigned int f : cell->face_indices())
              {
                double                     c = 0;
                const std::vector<double> *a = nullptr;
                if (cell->at_boundary(f))
                  {
                    const auto h_c = this->problem->convective_faces.find(
                      cell->face(f)->boundary_id());
                    if (h_c == this->problem->convective_faces.end())
                      continue;
                    c = h_c->second;
                    a = &on_field;
                  }
                else
                  {
                    const types::material_id other =
                      cell->neighbor(f)->material_id();
                    if (field != 0 || field_of<dim>(*this->problem, other) == 0)
                      continue;
                    if (cell->neighbor_is_coarser(f) ||
                        cell->face(f)->has_children())
                      throw std::logic_error("a level matrix is assembled "
                                             "across a resistive interface "
                                             "with hanging nodes");
                    c = interface_conductance<dim>(*this->problem,
                                                   material,
                                                   other);
                    a = &jump;
                  }
                any = true;
                face_values.reinit(cell, f);
                for (const unsigned int q :
                     face_values.quadrature_point_indices())
                  {
                    const double c_w =
                      c *
                      this->problem->weight(face_values.quadrature_point(q)) *
                      face_values.JxW(q);
                    for (unsigned int i = 0; i < n; ++i)
                      if ((*a)[i] != 0.)
                        for (unsigned int j = 0; j < n; ++j)
                          cell_matrix(i, j) += c_w * (*a)[i] * (*a)[j] *
                                               face_values.shape_value(i, q) *
                                               face_values.shape_value(j, q);
                  }
              }
            if (!any)
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

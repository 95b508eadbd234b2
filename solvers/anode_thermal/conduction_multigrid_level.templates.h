// One level's conduction operator of ConductionMultigrid
// (conduction_multigrid.h), without its cell kernels
// (conduction_multigrid_kernel.templates.h): the fields, the
// coefficients at the quadrature points of cells and faces, and the
// slots through which the band along a hanging resistive interface is
// read and written. Included by conduction_multigrid.cc alone, which keeps
// deal.II's matrix-free headers in one translation unit.
#ifndef XRAY_ANODE_THERMAL_CONDUCTION_MULTIGRID_LEVEL_TEMPLATES_H
#define XRAY_ANODE_THERMAL_CONDUCTION_MULTIGRID_LEVEL_TEMPLATES_H

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
    namespace conduction_levels
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
    } // namespace conduction_levels
  }   // namespace anode_thermal
} // namespace xray

#endif

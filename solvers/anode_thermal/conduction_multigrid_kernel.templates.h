// The cell and face kernels of ConductionMultigrid's level operator
// (conduction_multigrid_level.templates.h), compiled for a degree and a
// quadrature: applying the operator, its diagonal, and the coarse level's
// matrix. Included by conduction_multigrid.cc alone.
#ifndef XRAY_ANODE_THERMAL_CONDUCTION_MULTIGRID_KERNEL_TEMPLATES_H
#define XRAY_ANODE_THERMAL_CONDUCTION_MULTIGRID_KERNEL_TEMPLATES_H

#include "anode_thermal/conduction_multigrid_level.templates.h"

namespace xray
{
  namespace anode_thermal
  {
    namespace conduction_levels
    {
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
        // point, tested with grad v, on the component PHI selects, which
        // every caller chooses as the batch's field's.
        void
        integrate_cell(Integrator &phi) const
        {
          const unsigned int batch = phi.get_current_cell_index();
          Assert(this->field(batch) == phi.get_first_selected_component(),
                 ExcInternalError());
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
    } // namespace conduction_levels
  }   // namespace anode_thermal
} // namespace xray

#endif

// The estimated error of AnodeThermal's peak temperature (Mesh/Target
// accuracy), by the dual-weighted residual with its dual solution in the
// elements one degree higher on the same mesh (doc/anode-thermal.md, Error
// estimate).
//
// For the goal J(T) = the peak of the goal layer and the discrete solution
// T_h of R(T_h)(v) = 0 for all v in V_h, the error is to first order
//   J(T) - J(T_h) = R(T_h)(z),    A'(T_h)^* z = J'(T_h)
// (Becker & Rannacher, Acta Numerica 10 (2001) 1, Prop. 2.3), with A' the
// Newton operator and J' the point value at the peak (the gradient of T
// vanishes there, so the peak's move does not count to first order). With
// z taken in V+ (degree p + 1), R(T_h)(z+) = J'(T_h)[d+], where
//   A'+(T_h) d+ = -R+(T_h)
// is the Newton step from T_h in V+: the change of the goal under Newton in
// the enriched elements is the estimate, and no adjoint problem is solved.
// Newton is continued to convergence there, which adds the second-order
// terms of k(T), and J is evaluated on both fields.
#ifndef XRAY_ANODE_THERMAL_ERROR_ESTIMATE_TEMPLATES_H
#define XRAY_ANODE_THERMAL_ERROR_ESTIMATE_TEMPLATES_H

#include "anode_thermal/anode_thermal.h"
#include "common/errors.h"

#include <deal.II/dofs/dof_renumbering.h>
#include <deal.II/dofs/dof_tools.h>
#include <deal.II/fe/fe_tools.h>
#include <deal.II/fe/fe_values.h>
#include <deal.II/lac/affine_constraints.h>

#include <cmath>
#include <iostream>
#include <sstream>
#include <string>
#include <tuple>

namespace xray
{
  namespace anode_thermal
  {
    namespace
    {
      // Runs SOLVE; a SolverError in it is said again with what the solve
      // was for (PURPOSE).
      template <typename Solve>
      void
      said_for(const std::string &purpose, Solve &&solve)
      {
        try
          {
            solve();
          }
        catch (const SolverError &failure)
          {
            throw SolverError(purpose + ": " + failure.what());
          }
      }
    } // namespace


    // The estimate of this cycle's solution, after which the elements, the
    // system and the solution of the cycle are as before (the Kelly
    // indicators, the output and the tasks use them). WITH_INDICATORS:
    // also the cells' shares of it, into goal_indicators.
    template <int dim, typename LA>
    PeakErrorEstimate
    AnodeThermal<dim, LA>::estimate_peak_error(const unsigned int cycle,
                                               const bool with_indicators)
    {
      TimerOutput::Scope t(*timer, "error estimate");
      const auto         maxima = layer_maxima();
      PeakErrorEstimate  estimate;
      estimate.cycle = cycle;
      // The goal: the peak of the layer nearest its limit.
      estimate.layer    = most_loaded_layer(maxima).first;
      estimate.peak     = maxima[estimate.layer].max_temperature;
      estimate.rise     = estimate.peak - parameters.coolant_temperature;
      estimate.unknowns = dof_handler.n_dofs();

      const Parameters saved_parameters = parameters;
      const Vector     saved_solution   = present_solution;
      const auto       saved_counts = std::make_tuple(total_linear_iterations,
                                                total_newton_iterations,
                                                total_preconditioner_setups);
      solve_in_enriched_elements(estimate, with_indicators);

      parameters = saved_parameters;
      make_finite_elements(parameters.fe_degree);
      setup_system();
      present_solution                      = saved_solution;
      temperature                           = present_solution;
      solution_on_this_mesh                 = true;
      std::tie(total_linear_iterations,
               total_newton_iterations,
               total_preconditioner_setups) = saved_counts;
      return estimate;
    }


    // T_h interpolated into the elements of degree p + 1 on the same mesh
    // (exact: V_h is a subspace), then Newton there to the Newton
    // tolerance; the goal layer's peak of that field into ESTIMATE, and
    // WITH_INDICATORS, unless the estimate is within the target, the cells'
    // shares of the error (localise_peak_error()).
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::solve_in_enriched_elements(
      PeakErrorEstimate &estimate,
      const bool         with_indicators)
    {
      // T_h on dofs of its own, numbered as dof_handler's are now.
      DoFHandler<dim> cycle_dofs(triangulation);
      for (const auto &cell : cycle_dofs.active_cell_iterators())
        if (cell->is_locally_owned())
          cell->set_active_fe_index(layer_component[cell->material_id()]);
      cycle_dofs.distribute_dofs(fe);
      DoFRenumbering::hierarchical(cycle_dofs);
      const Vector cycle_temperature = temperature;

      // (The matrix-free multigrid is made for degree p only.)
      parameters.fe_degree += 1;
      parameters.matrix_free_multigrid = false;
      make_finite_elements(parameters.fe_degree);
      setup_system();
      FETools::interpolate(cycle_dofs,
                           cycle_temperature,
                           dof_handler,
                           temperature_constraints,
                           present_solution);
      solution_on_this_mesh      = true;
      const Vector cycle_field   = present_solution;
      estimate.enriched_unknowns = dof_handler.n_dofs();
      log() << "      error estimate: Q" << parameters.fe_degree
            << " elements on the same mesh, " << estimate.enriched_unknowns
            << " unknowns" << std::endl;

      const unsigned int iterations_before = total_linear_iterations;
      said_for("the error estimate's solve in Q" +
                 std::to_string(parameters.fe_degree) +
                 " elements (Mesh/Target accuracy)",
               [&] { solve_steady_state(current_incident_power); });
      estimate.enriched_linear_iterations =
        total_linear_iterations - iterations_before;
      const LayerResult goal = layer_maxima()[estimate.layer];
      estimate.enriched_peak = goal.max_temperature;
      // (A cycle within its target is the last: no cells to mark.)
      if (with_indicators && !estimate.within(parameters.target_accuracy))
        localise_peak_error(estimate, goal, cycle_dofs, cycle_field);
    }


    // The goal-oriented refinement indicators (Refinement indicator =
    // goal-oriented) in V+ after Newton there: the dual z+ of the point
    // value at the enriched field's peak P (GOAL), linearised at the
    // cycle's field,
    //   A'+(T_h)^T z+ = J',  J'_i = phi_i(P),
    // and the residual of the cycle's field T_h (CYCLE_FIELD, in V+) tested
    // with the interpolation error w = z+ - I_h z+ (I_h: interpolation
    // into CYCLE_DOFS' elements), node by node,
    //   eta_i = -R+(T_h)_i w_i,
    // and the quadrature's part -D(T_h)(I_h z+), D = R+ - R~ with R~ the
    // residual on the cycle's quadrature rules (quadrature_defect()):
    //   sum_i eta_i - D(T_h)(I_h z+) = -R+(T_h)(z+) + R~(T_h)(I_h z+)
    //                               = -R+(T_h)(z+),
    // which equals T+(P) - T_h(P) to first order, as R~(T_h)(v_h) =
    // R_h(T_h)(v_h) = 0 for v_h in V_h (Galerkin orthogonality, to the
    // Newton tolerance). The cells' indicators localise the first part
    // (the discretisation's); the second (the cycle's rules against the
    // enriched ones, where k(T) or the weight r is not a polynomial of
    // their degree) is summed only. The estimate of the peak,
    // max T+ - max T_h, is T+(P) - T_h(P) plus T_h(P) - max T_h. Each node's
    // share goes in equal parts to the cells around it; a cell's indicator
    // is the modulus of its sum (a nodal localisation of the dual-weighted
    // residual, as in Richter & Wick, J. Comput. Appl. Math. 279 (2015)
    // 192).
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::localise_peak_error(
      PeakErrorEstimate     &estimate,
      const LayerResult     &goal,
      const DoFHandler<dim> &cycle_dofs,
      const Vector          &cycle_field)
    {
      // (A moving anode's SUPG parameter as on the cycle's elements, so
      // that the residual tests the cycle's stabilised equation.)
      temperature      = cycle_field;
      estimated_degree = parameters.fe_degree - 1;
      assemble(temperature, false);
      Vector nodal_shares = system_rhs; // -R+(T_h), fixed rows zero
      Vector defect       = quadrature_defect(nodal_shares); // -D
      estimated_degree    = 0;

      const Vector dual        = solve_peak_dual(goal, estimate);
      const Vector w           = dual_interpolation_error(dual, cycle_dofs);
      Vector       interpolant = dual; // I_h z+
      interpolant -= w;
      nodal_shares.scale(w);
      estimate.quadrature_defect = defect * interpolant;

      // The shares and the quadrature's part estimate T(P) - T_h(P); the
      // peak's error is that plus T_h(P) - max T_h, known (<= 0: T_h peaks
      // at its own maximum).
      estimate.dual_weighted_residual =
        share_nodes_among_cells(nodal_shares) +
        (estimate.cycle_field_at_enriched_peak - estimate.peak);
      temperature = present_solution;
    }


    // -D = -(R+ - R~)(T_h) at `temperature`, from ENRICHED_RESIDUAL = -R+
    // and the residual -R~ assembled in V+ on the rules of the cycle's
    // degree p (heat input included: it is normalised by its own discrete
    // integral); the rules of V+ are restored after.
    template <int dim, typename LA>
    typename LA::Vector
    AnodeThermal<dim, LA>::quadrature_defect(const Vector &enriched_residual)
    {
      make_quadratures(parameters.fe_degree - 1);
      assemble_heat_source();
      assemble(temperature, false);
      Vector defect = enriched_residual;
      defect -= system_rhs;
      make_quadratures(parameters.fe_degree);
      assemble_heat_source();
      return defect;
    }


    // goal_indicators: each cell's |sum of its nodes' NODAL_SHARES, each
    // divided by the number of cells at the node|; returns the signed sum
    // over all cells (that of NODAL_SHARES).
    template <int dim, typename LA>
    double
    AnodeThermal<dim, LA>::share_nodes_among_cells(const Vector &nodal_shares)
    {
      // Each node's count of cells, to split its share among them.
      Vector cells_at_node(locally_owned_dofs, mpi_communicator);
      AffineConstraints<double> no_constraints;
      no_constraints.close();
      std::vector<types::global_dof_index> dofs;
      for (const auto &cell : dof_handler.active_cell_iterators())
        if (cell->is_locally_owned())
          {
            dofs.resize(cell->get_fe().n_dofs_per_cell());
            cell->get_dof_indices(dofs);
            dealii::Vector<double> ones(dofs.size());
            ones = 1.;
            no_constraints.distribute_local_to_global(ones,
                                                      dofs,
                                                      cells_at_node);
          }
      cells_at_node.compress(VectorOperation::add);
      Vector shares = temperature, counts = temperature; // with ghosts
      shares = nodal_shares;
      counts = cells_at_node;

      goal_indicators.reinit(triangulation.n_active_cells());
      double total = 0;
      for (const auto &cell : dof_handler.active_cell_iterators())
        if (cell->is_locally_owned())
          {
            dofs.resize(cell->get_fe().n_dofs_per_cell());
            cell->get_dof_indices(dofs);
            double cell_share = 0;
            for (const types::global_dof_index i : dofs)
              cell_share += shares[i] / counts[i];
            goal_indicators[cell->active_cell_index()] = std::abs(cell_share);
            total += cell_share;
          }
      return Utilities::MPI::sum(total, mpi_communicator);
    }


    // The dual solution z+ of the peak value of GOAL in V+, from the
    // transposed Newton matrix at `temperature` (the cycle's field in V+;
    // A' is not symmetric with k(T) or motion), with the Dirichlet and
    // hanging-node constraints of the Newton update. (A symmetric matrix is
    // constant: the enriched solve's serves; the residual assembled since
    // did not touch it.)
    template <int dim, typename LA>
    typename LA::Vector
    AnodeThermal<dim, LA>::solve_peak_dual(const LayerResult &goal,
                                           PeakErrorEstimate &estimate)
    {
      // A symmetric matrix (constant k, at rest) is its own transpose: the
      // enriched Newton solve's matrix and its AMG serve as they are.
      if (!matrix_is_symmetric())
        {
          transpose_local_matrices = true;
          try
            {
              assemble(temperature, true);
            }
          catch (...)
            {
              transpose_local_matrices = false;
              throw;
            }
          transpose_local_matrices = false;
          assembled_matrix_key.clear();
          preconditioner.reset();
          factorization.reset();
        }

      system_rhs = 0;
      estimate.cycle_field_at_enriched_peak =
        add_point_value_functional(goal, estimate.layer);
      Vector             dual(locally_owned_dofs, mpi_communicator);
      const unsigned int iterations_before = total_linear_iterations;
      said_for("the error estimate's dual solve in Q" +
                 std::to_string(parameters.fe_degree) +
                 " elements (Mesh/Refinement indicator)",
               [&] { solve_linear(dual, 0., 1e-6); });
      estimate.dual_linear_iterations =
        total_linear_iterations - iterations_before;
      return dual;
    }


    // system_rhs += the values phi_i(P) of the shape functions of LAYER's
    // field at its peak P (GOAL), from one cell of that layer around P (the
    // lowest rank's first), through the Newton update's constraints.
    // Returns the value at P of the field `temperature`.
    template <int dim, typename LA>
    double
    AnodeThermal<dim, LA>::add_point_value_functional(const LayerResult &goal,
                                                      const unsigned int layer)
    {
      Point<dim> peak;
      for (unsigned int d = 0; d < dim; ++d)
        peak[d] = goal.location[d];
      const double tolerance = 1e-9 * parameters.radius;

      typename DoFHandler<dim>::active_cell_iterator found;
      Point<dim>                                     unit_point;
      for (const auto &cell : dof_handler.active_cell_iterators())
        if (cell->is_locally_owned() && cell->material_id() == layer &&
            cell->bounding_box().point_inside(peak, tolerance))
          {
            try
              {
                unit_point = mapping[0].transform_real_to_unit_cell(cell, peak);
              }
            catch (const typename Mapping<dim>::ExcTransformationFailed &)
              {
                continue;
              }
            if (GeometryInfo<dim>::is_inside_unit_cell(unit_point, 1e-8))
              {
                found = cell;
                break;
              }
          }
      const unsigned int rank =
        Utilities::MPI::this_mpi_process(mpi_communicator);
      const unsigned int first =
        Utilities::MPI::min(found.state() == IteratorState::valid ?
                              rank :
                              Utilities::MPI::n_mpi_processes(mpi_communicator),
                            mpi_communicator);
      if (first == Utilities::MPI::n_mpi_processes(mpi_communicator))
        throw SolverError(
          "the error estimate's dual (Mesh/Refinement indicator): no cell "
          "of layer '" +
          parameters.layers[layer].name + "' holds its peak at " +
          Utilities::to_string(peak[0]) + ", " + Utilities::to_string(peak[1]) +
          (dim == 3 ? ", " + Utilities::to_string(peak[dim - 1]) : "") + " m");
      double value_at_peak = 0;
      if (rank == first)
        {
          const FiniteElement<dim> &cell_fe = found->get_fe();
          FEValues<dim>             values(mapping[0],
                               cell_fe,
                               Quadrature<dim>(unit_point),
                               update_values);
          values.reinit(found);
          const unsigned int     n = cell_fe.n_dofs_per_cell();
          dealii::Vector<double> local(n);
          for (unsigned int i = 0; i < n; ++i)
            local[i] =
              values.shape_value_component(i, 0, layer_component[layer]);
          std::vector<types::global_dof_index> dofs(n);
          found->get_dof_indices(dofs);
          update_constraints.distribute_local_to_global(local,
                                                        dofs,
                                                        system_rhs);
          std::vector<double> T(1);
          values[FEValuesExtractors::Scalar(layer_component[layer])]
            .get_function_values(temperature, T);
          value_at_peak = T[0];
        }
      system_rhs.compress(VectorOperation::add);
      return Utilities::MPI::broadcast(mpi_communicator, value_at_peak, first);
    }


    // w = z+ - I_h z+ of DUAL (V+) for the nodal shares: I_h z+ is DUAL
    // interpolated into CYCLE_DOFS' elements (degree p, with their
    // hanging-node constraints) and back into V+ (exact).
    template <int dim, typename LA>
    typename LA::Vector
    AnodeThermal<dim, LA>::dual_interpolation_error(
      const Vector          &dual,
      const DoFHandler<dim> &cycle_dofs)
    {
      IndexSet cycle_relevant;
      DoFTools::extract_locally_relevant_dofs(cycle_dofs, cycle_relevant);
      AffineConstraints<double> cycle_hanging;
      cycle_hanging.reinit(cycle_relevant);
      DoFTools::make_hanging_node_constraints(cycle_dofs, cycle_hanging);
      cycle_hanging.close();

      Vector dual_with_ghosts = temperature;
      dual_with_ghosts        = dual;
      Vector in_cycle_elements(cycle_dofs.locally_owned_dofs(),
                               mpi_communicator);
      FETools::interpolate(dof_handler,
                           dual_with_ghosts,
                           cycle_dofs,
                           cycle_hanging,
                           in_cycle_elements);
      Vector cycle_with_ghosts(cycle_dofs.locally_owned_dofs(),
                               cycle_relevant,
                               mpi_communicator);
      cycle_with_ghosts = in_cycle_elements;
      Vector difference(locally_owned_dofs, mpi_communicator);
      FETools::interpolate(cycle_dofs,
                           cycle_with_ghosts,
                           dof_handler,
                           hanging_constraints,
                           difference);
      difference.sadd(-1., 1., dual);
      return difference;
    }


    // A target not reached WHERE (in the cycles, or on a reused mesh): said
    // in the log and on stderr (the results stand, with their estimate in
    // summary.json).
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::report_target_not_reached(
      const std::string &where) const
    {
      const PeakErrorEstimate &last = peak_error_estimates.back();
      std::ostringstream       message;
      message << "Mesh/Target accuracy " << parameters.target_accuracy
              << " not reached " << where << ": the peak of layer '"
              << parameters.layers[last.layer].name << "' has an estimated "
              << "relative error of " << last.relative_error()
              << "; allow more Mesh/Adaptive refinement cycles";
      log() << "   Warning: " << message.str() << std::endl;
      if (Utilities::MPI::this_mpi_process(mpi_communicator) == 0)
        std::cerr << "anode-thermal: warning: " << message.str() << std::endl;
    }


    // The estimates of this run's cycles, in summary.json: the last one is
    // the estimate of the reported peak of its layer.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::add_error_estimate_summary(nlohmann::json &s) const
    {
      if (peak_error_estimates.empty())
        return;
      nlohmann::json cycles = nlohmann::json::array();
      for (const PeakErrorEstimate &e : peak_error_estimates)
        cycles.push_back(
          {{"cycle", e.cycle},
           {"n_dofs", e.unknowns},
           {"peak_K", e.peak},
           {"estimated_error_K", e.error()},
           {"estimated_relative_error", e.relative_error()},
           {"enriched_n_dofs", e.enriched_unknowns},
           {"enriched_peak_K", e.enriched_peak},
           {"enriched_linear_iterations", e.enriched_linear_iterations}});
      if (parameters.goal_oriented_refinement)
        for (std::size_t i = 0; i < cycles.size(); ++i)
          if (peak_error_estimates[i].dual_linear_iterations > 0)
            {
              cycles[i]["dual_weighted_residual_K"] =
                peak_error_estimates[i].dual_weighted_residual;
              cycles[i]["quadrature_defect_K"] =
                peak_error_estimates[i].quadrature_defect;
              cycles[i]["dual_linear_iterations"] =
                peak_error_estimates[i].dual_linear_iterations;
            }
      const PeakErrorEstimate &last = peak_error_estimates.back();
      s["error_estimate"]           = {
                  {"goal",
                   "peak temperature rise of layer '" +
                     parameters.layers[last.layer].name + "'"},
                  {"layer", parameters.layers[last.layer].name},
                  {"method",
                   "dual-weighted residual, dual solution in elements of degree " +
                     std::to_string(parameters.fe_degree + 1) + " on the same mesh"},
                  {"target_accuracy", parameters.target_accuracy},
                  {"refinement_indicator",
         parameters.goal_oriented_refinement ? "goal-oriented" : "Kelly"},
                  {"estimated_error_K", last.error()},
                  {"estimated_relative_error", last.relative_error()},
                  {"target_reached",
         parameters.target_accuracy > 0 ?
                     nlohmann::json(last.within(parameters.target_accuracy)) :
                     nlohmann::json()},
                  {"cycles", cycles}};
    }
  } // namespace anode_thermal
} // namespace xray

#endif

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
#include <deal.II/fe/fe_tools.h>

#include <cmath>
#include <iostream>
#include <sstream>
#include <string>
#include <tuple>

namespace xray
{
  namespace anode_thermal
  {
    // The estimate of this cycle's solution, after which the elements, the
    // system and the solution of the cycle are as before (the Kelly
    // indicators, the output and the tasks use them).
    template <int dim, typename LA>
    PeakErrorEstimate
    AnodeThermal<dim, LA>::estimate_peak_error(const unsigned int cycle)
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
      solve_in_enriched_elements(estimate);

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
    // tolerance; the goal layer's peak of that field into ESTIMATE.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::solve_in_enriched_elements(
      PeakErrorEstimate &estimate)
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
      estimate.enriched_unknowns = dof_handler.n_dofs();
      log() << "      error estimate: Q" << parameters.fe_degree
            << " elements on the same mesh, " << estimate.enriched_unknowns
            << " unknowns" << std::endl;

      const unsigned int iterations_before = total_linear_iterations;
      try
        {
          solve_steady_state(current_incident_power);
        }
      catch (const SolverError &failure)
        {
          throw SolverError(
            "the error estimate's solve in Q" +
            std::to_string(parameters.fe_degree) +
            " elements (Mesh/Target accuracy): " + failure.what());
        }
      estimate.enriched_linear_iterations =
        total_linear_iterations - iterations_before;
      estimate.enriched_peak = layer_maxima()[estimate.layer].max_temperature;
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
                  {"estimated_error_K", last.error()},
                  {"estimated_relative_error", last.relative_error()},
                  {"target_reached", last.relative_error() <= parameters.target_accuracy},
                  {"cycles", cycles}};
    }
  } // namespace anode_thermal
} // namespace xray

#endif

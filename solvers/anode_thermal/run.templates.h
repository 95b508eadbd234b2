// The tasks of AnodeThermal: run() (the adaptive cycles, or the mesh of
// the previous sweep point, then the task), the maximum-power search, and
// reuse_for() between sweep points on one mesh.
#ifndef XRAY_ANODE_THERMAL_RUN_TEMPLATES_H
#define XRAY_ANODE_THERMAL_RUN_TEMPLATES_H

#include "anode_thermal/anode_thermal.h"
#include "common/command_line.h"

#include <deal.II/base/timer.h>

#include <boost/math/tools/roots.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iomanip>
#include <iostream>
#include <limits>
#include <sstream>
#include <string>
#include <utility>

namespace xray
{
  namespace anode_thermal
  {
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::reuse_for(const Parameters &new_parameters,
                                     RunOutput        &new_output)
    {
      AssertThrow(mesh_key(new_parameters) == mesh_key(parameters),
                  ExcMessage(
                    "reuse_for() needs parameters with the same mesh"));
      parameters                  = new_parameters;
      output                      = &new_output;
      reference_design            = nlohmann::json();
      total_linear_iterations     = 0;
      total_newton_iterations     = 0;
      total_chord_steps           = 0;
      total_preconditioner_setups = 0;
      max_permissible_power       = 0;
      limiting_layer.clear();
    }


    // One run of the task: the mesh (from a checkpoint, from the previous
    // sweep point, or made and adapted here) and its steady solution, then
    // the maximum-power search or the time stepping, then the summary and
    // the exit status.
    template <int dim, typename LA>
    int
    AnodeThermal<dim, LA>::run()
    {
      Timer wall_clock(mpi_communicator, true);
      start_run();

      SolveStatistics statistics;
      if (restarting())
        {
          // Mesh and field come from the checkpoint (run_transient()); its
          // state is checked before anything else is done.
          read_checkpoint_state();
          mesh_is_adapted = true;
        }
      else if (mesh_is_adapted)
        statistics = solve_on_previous_mesh();
      else
        statistics = solve_adaptive_cycles();

      if (parameters.task == Task::maximum_power)
        {
          max_permissible_power = find_maximum_power(statistics);
          log() << "   Maximum permissible power: " << max_permissible_power
                << " W incident, limited by layer '" << limiting_layer << "'"
                << std::endl;
        }

      nlohmann::json transient_entries;
      int            status = exit_status::success;
      if (parameters.task == Task::transient)
        {
          record_steady_peak_rise();
          status = run_transient(transient_entries);
        }
      else
        output_results();
      const auto maxima = layer_maxima();
      find_moving_heat_removed();
      nlohmann::json s = summary(maxima, statistics);
      if (!transient_entries.is_null())
        s.update(transient_entries);
      log_layer_results(maxima, s);
      write_run_summary(s, wall_clock);
      return report_exit_status(status, s);
    }


    // The start of every run(): its timer and log header, the enthalpies,
    // a steady state (no time stage). A transient run's mesh is adapted to
    // the steady field at the beam's peak power (the field it approaches).
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::start_run()
    {
      // No communicator: statistics are gathered explicitly at the end, and
      // a run ended by an error is not held up in the destructor.
      timer = std::make_unique<TimerOutput>(output->log(),
                                            TimerOutput::never,
                                            TimerOutput::wall_times);
      log() << "anode-thermal: " << (dim == 2 ? "axisymmetric" : "3D")
            << " model, " << parameters.layers.size() << " layer(s), "
            << LA::name << " linear algebra, "
            << Utilities::MPI::n_mpi_processes(mpi_communicator)
            << " MPI rank(s)" << std::endl;
      log_heat_source();
      make_enthalpy();
      stage_mass_factor = 0;
      supg_time_step    = 0;
      peak_error_estimates.clear();
      if (parameters.task == Task::transient)
        parameters.incident_power = parameters.beam.peak_power();
    }


    // A sweep point on the mesh of the previous one (reuse_for()): no mesh
    // generation or adaptive cycles; Newton starts from the previous rise
    // T - T0 over the new T0, scaled to the new power (exact for constant
    // k: every cooled face is held at, or exchanges heat with, T0). A
    // maximum-power search starts instead at the previous point's power,
    // its maximum power if it searched too: that field is the closest to
    // this point's answer at hand, where the Incident power may be far
    // from it (params/mo-on-diamond.prm: 30 W against about 11 W).
    template <int dim, typename LA>
    SolveStatistics
    AnodeThermal<dim, LA>::solve_on_previous_mesh()
    {
      const Vector previous = present_solution;
      update_coefficients();
      present_solution      = previous;
      solution_on_this_mesh = true;
      present_solution.add(parameters.coolant_temperature -
                           solution_coolant_temperature);
      // (A transient point may have ended with the beam off.)
      if (current_incident_power <= 0)
        {
          present_solution       = parameters.coolant_temperature;
          current_incident_power = parameters.incident_power;
        }
      const double power = searches_maximum_power() ? current_incident_power :
                                                      parameters.incident_power;
      scale_temperature_rise(power / current_incident_power);
      log() << "   Mesh of the previous sweep point: "
            << triangulation.n_global_active_cells() << " cells, "
            << dof_handler.n_dofs() << " unknowns" << std::endl;
      if (power != parameters.incident_power)
        log() << "   First solve at the previous point's power, " << power
              << " W incident" << std::endl;
      const SolveStatistics statistics = solve_steady_state(power);
      // (No cycle can follow: the estimate is of this point's field.)
      if (parameters.estimates_error() && !target_reached(0, false) &&
          parameters.target_accuracy > 0)
        report_target_not_reached("on the mesh of the previous sweep point");
      return statistics;
    }


    // The mesh graded toward the spot, then the adaptive cycles: solve,
    // refine where Kelly's indicator is largest, solve again, each cycle
    // starting Newton from the previous field; with a Target accuracy,
    // until the peak's estimated error is within it. The first mesh is
    // checked against the memory its last cycle will need. The cycles
    // solve at the Incident power, but for the last one of a maximum-power
    // search (search_start_power()).
    template <int dim, typename LA>
    SolveStatistics
    AnodeThermal<dim, LA>::solve_adaptive_cycles()
    {
      SolveStatistics statistics;
      make_grid();
      for (unsigned int cycle = 0; cycle <= parameters.adaptive_cycles; ++cycle)
        {
          double power = parameters.incident_power;
          if (cycle > 0)
            {
              if (cycle == parameters.adaptive_cycles)
                power = search_start_power();
              refine_mesh();
            }
          setup_system();
          if (cycle == 0)
            check_mesh_fits_memory();
          log() << "   Cycle " << cycle << ": "
                << triangulation.n_global_active_cells() << " cells, "
                << dof_handler.n_dofs() << " unknowns" << std::endl;
          if (power != parameters.incident_power)
            {
              log() << "      at Kirchhoff's estimate of the maximum power "
                    << "from cycle " << cycle - 1 << ", " << power
                    << " W incident" << std::endl;
              scale_temperature_rise(power / current_incident_power);
            }
          statistics = solve_steady_state(power);
          log() << "      peak temperature "
                << layer_maxima()[0].max_temperature << " K (heated layer)"
                << std::endl;
          if (parameters.estimates_error() &&
              target_reached(cycle, cycle < parameters.adaptive_cycles))
            break;
        }
      mesh_is_adapted = true;
      if (parameters.target_accuracy > 0 &&
          !peak_error_estimates.back().within(parameters.target_accuracy))
        report_target_not_reached("in " +
                                  std::to_string(parameters.adaptive_cycles) +
                                  " adaptive cycle(s)");
      return statistics;
    }


    // The power at which the last adaptive cycle solves: the Incident
    // power, or in a maximum-power search Kirchhoff's estimate of the
    // maximum power from the field of the cycle before
    // (kirchhoff_power_estimate()). The meshes are adapted to the fields at
    // the Incident power as before; the last cycle's solve, which only
    // starts the search, then starts it near the root, one evaluation on
    // the finest mesh fewer (params/mo-on-diamond.prm: a load ratio - 1 of
    // about -2.7e-2 there against +1.85 at 30 W). Not with an error estimate:
    // each cycle's estimate is of its field at the Incident power, and a
    // cycle within the target ends the cycles.
    template <int dim, typename LA>
    double
    AnodeThermal<dim, LA>::search_start_power()
    {
      if (!searches_maximum_power() || parameters.estimates_error())
        return parameters.incident_power;
      const double ratio = peak_load_ratio();
      return ratio > 0 ? kirchhoff_power_estimate(ratio) :
                         parameters.incident_power;
    }


    // Mesh/Target accuracy: the estimated error of this cycle's peak
    // (estimate_peak_error(), with the cells' goal-oriented indicators if
    // a REFINEMENT follows), logged and kept for the summary; whether it
    // is within the target, so that no further cycle is needed (never
    // without a target).
    template <int dim, typename LA>
    bool
    AnodeThermal<dim, LA>::target_reached(const unsigned int cycle,
                                          const bool         refinement)
    {
      peak_error_estimates.push_back(
        estimate_peak_error(cycle,
                            refinement && parameters.goal_oriented_refinement));
      const PeakErrorEstimate &e = peak_error_estimates.back();
      log() << "      estimated error of the peak of layer '"
            << parameters.layers[e.layer].name << "': " << e.error() << " K, "
            << e.relative_error() << " of its rise";
      if (parameters.target_accuracy > 0)
        log() << " (target " << parameters.target_accuracy << ")";
      log() << std::endl;
      return e.within(parameters.target_accuracy);
    }


    // The largest rise T - T0 of the steady field at peak power over the
    // layers: the scale of a transient run's first time error (none when
    // restarted).
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::record_steady_peak_rise()
    {
      steady_peak_rise = 0;
      if (!restarting())
        for (const auto &m : layer_maxima())
          steady_peak_rise =
            std::max(steady_peak_rise,
                     m.max_temperature - parameters.coolant_temperature);
    }


    // The heat leaving at the solution. With motion the wake meets the
    // fixed-temperature faces in a thin layer where -k dT/dn is poorly
    // resolved: those faces' heat is then the consistent reaction, the sum
    // of their rows of the residual without source (which their unknowns
    // would need to balance). The assembly also leaves boundary_outflow
    // and advective_outflow at the solution, for the summary's motion
    // entries; an anode without motion needs neither (heat_removed()).
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::find_moving_heat_removed()
    {
      moving_heat_removed = -1;
      if (parameters.motion.kind == Motion::Kind::none)
        return;
      const double input     = current_incident_power;
      current_incident_power = 0;
      assemble(temperature, false, true);
      current_incident_power = input;
      if (parameters.motion.is_moving())
        moving_heat_removed =
          boundary_outflow - advective_outflow + sum_of_fixed_rows(system_rhs);
    }


    // Each layer's largest temperature and limit, and the energy balance
    // of summary S, in the log.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::log_layer_results(
      const std::vector<LayerResult> &maxima,
      const nlohmann::json           &s) const
    {
      for (unsigned int i = 0; i < maxima.size(); ++i)
        log() << "   Layer '" << parameters.layers[i].name << "' ("
              << parameters.layers[i].material.name << "): max "
              << maxima[i].max_temperature << " K, limit "
              << parameters.layers[i].temperature_limit << " K" << std::endl;
      log() << "   Deposited power " << s["deposited_power_W"].get<double>()
            << " W, heat removed " << s["heat_removed_W"].get<double>()
            << " W, source quadrature error "
            << s["source_quadrature_error"].get<double>() << std::endl;
    }


    // The wall times (the run's on WALL_CLOCK, and rank 0's per phase:
    // setup, assembly, solve, refine, output, for the performance
    // benchmark) into summary S, which is then written and kept
    // (results()).
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::write_run_summary(nlohmann::json &s,
                                             const Timer    &wall_clock)
    {
      s["wall_time_s"] = wall_clock.wall_time();
      for (const auto &[phase, seconds] :
           timer->get_summary_data(TimerOutput::total_wall_time))
        s["phase_wall_time_s"][phase] = seconds;
      timer->print_wall_time_statistics(mpi_communicator);
      // (Through the log's buffer now: in a sweep the next point's header
      // would otherwise come before this table.)
      log() << std::flush;
      output->write_summary(s);
      run_summary = s;
      log() << "   Results in " << parameters.output_directory << " ("
            << s["wall_time_s"].get<double>() << " s)" << std::endl;
    }


    // The exit status of a run with summary S: STATUS (limit_exceeded when
    // a transient run stopped at a limit), or limit_exceeded when a layer
    // is over its limit in the temperature task; either is said on stderr.
    template <int dim, typename LA>
    int
    AnodeThermal<dim, LA>::report_exit_status(const int             status,
                                              const nlohmann::json &s) const
    {
      if (status == exit_status::limit_exceeded)
        {
          if (Utilities::MPI::this_mpi_process(mpi_communicator) == 0)
            std::cerr << "anode-thermal: " << limit_message
                      << " (results written to " << parameters.output_directory
                      << ")" << std::endl;
          return status;
        }
      if (s["limit_exceeded"].get<bool>())
        {
          std::string layers;
          for (const auto &name : s["layers_over_limit"])
            layers +=
              (layers.empty() ? "'" : ", '") + name.get<std::string>() + "'";
          if (Utilities::MPI::this_mpi_process(mpi_communicator) == 0)
            std::cerr << "anode-thermal: temperature limit exceeded in layer "
                      << layers << ": peak " << s["peak_temperature_K"]
                      << " K at " << current_incident_power
                      << " W incident (results written to "
                      << parameters.output_directory << ")" << std::endl;
          return exit_status::limit_exceeded;
        }
      return exit_status::success;
    }


    // Maximum permissible power: the incident power at which the first
    // layer reaches its temperature limit. With constant k the temperature
    // rise is proportional to the power, so one solve and a scaling give it
    // exactly; with k(T) a bracketing root search (search_maximum_power()).
    template <int dim, typename LA>
    double
    AnodeThermal<dim, LA>::find_maximum_power(SolveStatistics &statistics)
    {
      const double ratio = peak_load_ratio();
      if (!searches_maximum_power())
        {
          scale_temperature_rise(1 / ratio);
          return current_incident_power;
        }
      return search_maximum_power(statistics, ratio);
    }


    // Whether the task is the maximum power and needs a root search: the
    // steady equation is not linear in T - T0. It is with constant k (and
    // constant c_p when the anode moves), and a scaling gives the answer.
    template <int dim, typename LA>
    bool
    AnodeThermal<dim, LA>::searches_maximum_power() const
    {
      return parameters.task == Task::maximum_power &&
             !(all_conductivities_constant() &&
               (!parameters.motion.is_moving() ||
                all_heat_capacities_constant()));
    }


    // The layer nearest its limit at field maxima MAXIMA and its load ratio
    //   r = (T_max - T0) / (T_limit - T0)
    // (the first of equal ones): the layer that limits the power.
    template <int dim, typename LA>
    std::pair<unsigned int, double>
    AnodeThermal<dim, LA>::most_loaded_layer(
      const std::vector<LayerResult> &maxima) const
    {
      const double T0    = parameters.coolant_temperature;
      unsigned int layer = 0;
      double       ratio = -std::numeric_limits<double>::max();
      for (unsigned int i = 0; i < maxima.size(); ++i)
        {
          const double r = (maxima[i].max_temperature - T0) /
                           (parameters.layers[i].temperature_limit - T0);
          if (r > ratio)
            {
              ratio = r;
              layer = i;
            }
        }
      return {layer, ratio};
    }


    // The largest load ratio of the layers at the present field,
    //   r = max_layers (T_max - T0) / (T_limit - T0),
    // 1 when the first layer is at its limit (0 if no layer is above T0);
    // limiting_layer names that layer.
    template <int dim, typename LA>
    double
    AnodeThermal<dim, LA>::peak_load_ratio()
    {
      const auto [layer, ratio] = most_loaded_layer(layer_maxima());
      if (ratio <= 0)
        return 0;
      limiting_layer = parameters.layers[layer].name;
      return ratio;
    }


    // The maximum power when k or c_p depends on T: the root of
    //   g(P) = r(P) - 1    (peak_load_ratio()),
    // from the present field at load ratio RATIO and Kirchhoff's estimate
    // (kirchhoff_power_estimate()), by secant steps on the local power law
    // (power_law_secant()), then a bracketing root search (TOMS 748: Alefeld,
    // Potra & Shi, ACM TOMS 21 (1995) 327) on the bracket the steps found,
    // or on one grown from the last step. STATISTICS are those of the last
    // solve.
    template <int dim, typename LA>
    double
    AnodeThermal<dim, LA>::search_maximum_power(SolveStatistics &statistics,
                                                const double     ratio)
    {
      log() << "   Maximum power search (k or c_p depends on T):" << std::endl;
      // Each solved point, the present field's first, with enough digits
      // that the root search's last steps show progress.
      const auto log_point = [this](const double power, const double g) {
        std::ostringstream line;
        line << "    P = " << std::setprecision(9) << power
             << " W: peak load ratio - 1 = " << std::scientific
             << std::setprecision(2) << g;
        log() << line.str() << std::endl;
      };
      log_point(current_incident_power, ratio - 1);
      // g = r - 1 is close to P / P_max - 1, and the rise grows at least in
      // proportion to P when k falls with T: |g| bounds the relative
      // distance to P_max. A power with |g| below a quarter of the
      // tolerance is the answer, and its field is the one at hand (the
      // present field's too: the last cycle's, at Kirchhoff's estimate, or
      // a sweep point's, at the previous point's answer, may be one).
      const auto is_answer = [this](const double g) {
        return std::abs(g) <= parameters.power_tolerance / 4;
      };
      if (is_answer(ratio - 1))
        return current_incident_power;
      struct Found
      {
        double power;
      };
      double last_power = -1, last_g = 0;
      auto   g = [&](const double power) {
        if (power == last_power)
          return last_g;
        // Newton starts from the last field with its rise scaled to the new
        // power: exact for constant k, close for k(T).
        scale_temperature_rise(power / current_incident_power);
        statistics     = solve_steady_state(power);
        const double r = peak_load_ratio();
        log_point(power, r - 1);
        last_power = power;
        last_g     = r - 1;
        if (is_answer(r - 1))
          throw Found{power};
        return r - 1;
      };
      const int bits =
        static_cast<int>(std::ceil(1 - std::log2(parameters.power_tolerance)));
      boost::math::tools::eps_tolerance<double> tolerance(bits);
      std::uintmax_t                            max_evaluations = 60;
      try
        {
          const PowerSearchPoints points =
            power_law_secant(g,
                             current_incident_power,
                             ratio - 1,
                             kirchhoff_power_estimate(ratio));
          std::pair<double, double> bracket;
          if (points.bracketed())
            bracket = boost::math::tools::toms748_solve(g,
                                                        points.below,
                                                        points.above,
                                                        points.g_below,
                                                        points.g_above,
                                                        tolerance,
                                                        max_evaluations);
          else
            {
              // The bracket grows from the last step by a factor sized to
              // how far off it is (g is close to P/P_max - 1): a wide step
              // would carry the field far past the limit, where material
              // data end (W above its melting point) and Newton may not
              // converge.
              const double factor =
                std::clamp(1 + 2 * std::abs(points.g), 1.02, 1.25);
              bracket = boost::math::tools::bracket_and_solve_root(
                g, points.power, factor, true, tolerance, max_evaluations);
            }
          const double power = (bracket.first + bracket.second) / 2;
          // (The midpoint of the final bracket may itself end the search.)
          g(power);
          return power;
        }
      catch (const Found &found)
        {
          return found.power;
        }
    }


    // The first guess of the maximum power with k(T). Kirchhoff's transform
    //   U(T) = int_{T0}^{T} k(s) ds
    // makes the steady equation of one material, cooled at T0, linear in U
    // (doc/theory.md), so U at the peak grows in proportion to the power.
    // Each layer's estimate scales the present power by
    // U_i(T_limit,i) / U_i(T_max,i) with its own k; the smallest is the
    // guess: exact for a homogeneous anode cooled at T0, an estimate for
    // layers or convective faces, and P / RATIO (the present load ratio)
    // for constant k, as it is with no layer above T0. A moving anode takes
    // P / RATIO too: the transform does not make the advection term
    // rho c_p u . grad T linear, and where motion carries the heat the
    // rise depends on k much less (params/rotating-anode-ct.prm: load
    // ratio - 1 = -8.4e-2 at Kirchhoff's guess, -2.6e-2 at P / RATIO).
    template <int dim, typename LA>
    double
    AnodeThermal<dim, LA>::kirchhoff_power_estimate(const double ratio) const
    {
      if (parameters.motion.is_moving())
        return current_incident_power / ratio;
      const double                   T0     = parameters.coolant_temperature;
      const std::vector<LayerResult> maxima = layer_maxima();
      double                         guess = std::numeric_limits<double>::max();
      for (unsigned int i = 0; i < maxima.size(); ++i)
        if (maxima[i].max_temperature > T0)
          {
            const auto &k = parameters.layers[i].material.conductivity;
            guess =
              std::min(guess,
                       current_incident_power *
                         k.integral(T0,
                                    parameters.layers[i].temperature_limit) /
                         k.integral(T0, maxima[i].max_temperature));
          }
      return guess < std::numeric_limits<double>::max() ?
               guess :
               current_incident_power / ratio;
    }


    // Secant steps for g(P) = r(P) - 1 on ln r versus ln P, from the
    // evaluated point (P_A, G_A) and the first guess P_B: the peak rise
    // follows a power law r ~ P^beta locally (beta = 1 for constant k, a
    // little above 1 when k falls with T), so each step lands close to the
    // root and usually two steps end the search (G throws once |g| is
    // within the tolerance). Steps are limited to a factor 1.25. A step
    // that neither halves |g| nor crosses the root hands over to the
    // bracketing search; the points returned say where it starts. The
    // present power P_A bounds a bracket only from below: it is the input's
    // first guess, not a power the search chose, and above the limit it may
    // lie far beyond it (params/mo-on-diamond.prm at 1e12 W: a bracket up
    // to it had TOMS 748 solve at 2.5e11 W, far outside the materials'
    // data, where Newton's residual was not finite).
    template <int dim, typename LA>
    template <typename Function>
    PowerSearchPoints
    AnodeThermal<dim, LA>::power_law_secant(Function &g,
                                            double    P_a,
                                            double    g_a,
                                            double    P_b)
    {
      PowerSearchPoints points;
      if (g_a < 0)
        points.add(P_a, g_a);
      double g_b = g(P_b);
      points.add(P_b, g_b);
      for (unsigned int step = 0; step < 4; ++step)
        {
          const double log_ratio = std::log(P_b / P_a);
          const double beta      = std::abs(log_ratio) > 1e-6 ?
                                     std::log((1 + g_b) / (1 + g_a)) / log_ratio :
                                     1.;
          if (!(beta > 0.2 && beta < 5) || !(1 + g_b > 0))
            break;
          const double P_c = std::clamp(P_b * std::pow(1 + g_b, -1 / beta),
                                        P_b / 1.25,
                                        P_b * 1.25);
          const double g_c = g(P_c);
          points.add(P_c, g_c);
          P_a = P_b;
          g_a = g_b;
          P_b = P_c;
          g_b = g_c;
          if (std::abs(g_b) > 0.5 * std::abs(g_a) && g_a * g_b > 0)
            break;
        }
      return points;
    }


    // T - T0 -> factor (T - T0), with the power and the heat input: the
    // exact map between constant-k solutions at two powers.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::scale_temperature_rise(const double factor)
    {
      present_solution *= factor;
      present_solution.add((1 - factor) * parameters.coolant_temperature);
      temperature = present_solution;
      current_incident_power *= factor;
      assembled_heat_input *= factor;
    }
  } // namespace anode_thermal
} // namespace xray

#endif

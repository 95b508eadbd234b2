#include "stream_thermal/stream_thermal.h"

#include "common/command_line.h"

#include <deal.II/base/mpi.h>
#include <deal.II/base/timer.h>
#include <deal.II/base/utilities.h>

#include <boost/math/tools/roots.hpp>

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace xray
{
  namespace stream_thermal
  {
    double
    limit_criterion(const Parameters &parameters, const Crossing &crossing)
    {
      const Material &m    = parameters.material;
      const double    T0   = parameters.inlet_temperature;
      const double    s    = parameters.allowed_molten_fraction;
      const auto      heat = [&](const double T) {
        return m.heat_capacity.integral(T0, T);
      };
      if (s == 0)
        return heat(crossing.max_peak_temperature);
      const double T_m = m.melting_point;
      if (s < 1)
        return crossing.max_molten_fraction > 0 ?
                 heat(T_m) + crossing.max_molten_fraction * m.latent_heat :
                 heat(crossing.max_peak_temperature);
      // Full melt: the coldest point, through the melting range.
      const double T_cold = crossing.max_min_temperature;
      const double f =
        std::clamp((T_cold - T_m) / parameters.melting_range, 0., 1.);
      return heat(std::min(T_cold, T_m)) + f * m.latent_heat +
             (T_cold > T_m + parameters.melting_range ?
                m.heat_capacity.integral(T_m + parameters.melting_range,
                                         T_cold) :
                0.);
    }


    double
    limit_target(const Parameters &parameters)
    {
      return specific_heat_to_limit(parameters.material,
                                    parameters.inlet_temperature,
                                    parameters.temperature_limit,
                                    parameters.allowed_molten_fraction);
    }


    double
    lumped_limit_incident_power(const Parameters &parameters)
    {
      const double heat =
        specific_heat_to_limit(parameters.material,
                               parameters.inlet_temperature,
                               parameters.temperature_limit,
                               parameters.allowed_molten_fraction);
      // Slab: rho r_p dh per unit area, taken in while crossing, W_CS / v.
      const double absorbed = parameters.model == Model::slab ?
                                parameters.material.density *
                                  parameters.radius * heat *
                                  parameters.spot_length * parameters.speed :
                                lumped_stream_limit(parameters.material,
                                                    parameters.radius,
                                                    parameters.packing,
                                                    parameters.spot_length,
                                                    parameters.speed,
                                                    heat);
      return absorbed / parameters.split.at(parameters.tube_voltage).stream;
    }


    StreamLimit
    find_stream_limit(const Parameters &parameters, ParticleModel &model)
    {
      StreamLimit limit;
      limit.split        = parameters.split.at(parameters.tube_voltage);
      limit.lumped_power = lumped_limit_incident_power(parameters);
      limit.lumped_layer_power =
        limit.lumped_power / model.layer_weights()[model.layer()];
      limit.evaluations   = 0;
      const double target = limit_target(parameters);
      Timer        timer;
      const auto   heat = [&](const double power) {
        ++limit.evaluations;
        const Crossing crossing = model.cross_spot(parameters, power, nullptr);
        limit.newton_iterations += crossing.newton_iterations;
        limit.factorizations += crossing.factorizations;
        return limit_criterion(parameters, crossing);
      };
      // Secant iteration on heat(P) = target from the lumped estimate (the
      // first step scales the power by target / heat, exact if the heat were
      // proportional to the power) until it converges or brackets the root;
      // a bracket is finished by TOMS 748 (Alefeld, Potra & Shi 1995): the
      // heat kinks and steepens where a point starts or ends melting, which
      // a plain secant crosses slowly.
      double P0 = limit.lumped_layer_power, f0 = heat(P0) - target;
      double P1 = P0 * (target / (f0 + target)), f1 = heat(P1) - target;
      bool   bracketed = false;
      while (std::abs(P1 - P0) > 1e-10 * P1 && std::abs(f1) > 1e-10 * target &&
             limit.evaluations < 30)
        {
          if ((f0 < 0) != (f1 < 0))
            {
              // to 5e-7 of the power: near the root the heat of a point
              // in its melting range carries the Newton tolerance times
              // dH_f / (melting range), ~1e-6 of the target.
              boost::math::tools::eps_tolerance<double> tolerance(21);
              std::uintmax_t                            iterations = 30;
              const auto [a, b] = boost::math::tools::toms748_solve(
                [&](const double P) { return heat(P) - target; },
                std::min(P0, P1),
                std::max(P0, P1),
                P0 < P1 ? f0 : f1,
                P0 < P1 ? f1 : f0,
                tolerance,
                iterations);
              // The limit is the middle of the final bracket, whose ends are
              // both within the tolerance of the root: no further crossing
              // is needed unless TOMS 748 ran out of iterations.
              P1        = (a + b) / 2;
              bracketed = iterations < 30;
              if (!bracketed)
                f1 = heat(P1) - target;
              break;
            }
          if (!(f1 != f0) || !std::isfinite(f1))
            break;
          const double P2 = P1 - f1 * (P1 - P0) / (f1 - f0);
          P0 = P1, f0 = f1;
          P1 = P2 > 0 ? P2 : P1 / 2;
          f1 = heat(P1) - target;
        }
      if (!bracketed && !(std::abs(f1) <= 1e-7 * target))
        throw SolverError("the stream-limit search did not converge: " +
                          std::to_string(limit.evaluations) +
                          " crossings, last at " + std::to_string(P1) +
                          " W with heat " + std::to_string(f1 + target) +
                          " J/kg against " + std::to_string(target));
      limit.incident_power = P1;
      limit.search_time    = timer.wall_time();
      limit.anode_absorbed_limit =
        parameters.anode_absorbed_limit(parameters.tube_voltage);
      limit.hybrid = hybrid_limit(limit.incident_power * limit.split.stream,
                                  limit.anode_absorbed_limit,
                                  limit.split);
      return limit;
    }


    namespace
    {
      nlohmann::json
      crossing_summary(const Crossing &c)
      {
        nlohmann::json s;
        s["beam_power_W"]            = c.beam_power;
        s["particle_power_W"]        = c.particle_power;
        s["max_peak_temperature_K"]  = c.max_peak_temperature;
        s["time_of_max_peak_s"]      = c.time_of_max_peak;
        s["exit_time_s"]             = c.exit_time;
        s["exit_peak_temperature_K"] = c.exit_peak_temperature;
        s["exit_mean_temperature_K"] = c.exit_mean_temperature;
        s["exit_min_temperature_K"]  = c.exit_min_temperature;
        s["exit_spread_K"] = c.exit_peak_temperature - c.exit_min_temperature;
        s["max_spread_K"]  = c.max_spread;
        s["max_molten_fraction"]     = c.max_molten_fraction;
        s["exit_molten_fraction"]    = c.exit_molten_fraction;
        s["energy_in_J"]             = c.energy_in;
        s["energy_radiated_J"]       = c.energy_radiated;
        s["energy_stored_J"]         = c.energy_stored;
        s["energy_balance"]          = std::isnan(c.energy_balance) ?
                                         nlohmann::json() :
                                         nlohmann::json(c.energy_balance);
        s["time_steps"]              = c.time_steps;
        s["newton_iterations"]       = c.newton_iterations;
        s["jacobian_factorizations"] = c.factorizations;
        return s;
      }

      const char *
      model_name(const Model model)
      {
        return model == Model::slab    ? "slab" :
               model == Model::three_d ? "3d" :
                                         "axisymmetric";
      }

      nlohmann::json
      case_summary(const Parameters &p, const ParticleModel &model)
      {
        nlohmann::json s;
        s["solver"]                  = "stream-thermal";
        s["model"]                   = model_name(p.model);
        s["material"]                = p.material.name;
        s["radius_m"]                = p.radius;
        s["inlet_temperature_K"]     = p.inlet_temperature;
        s["temperature_limit_K"]     = p.temperature_limit;
        s["allowed_molten_fraction"] = p.allowed_molten_fraction;
        s["speed_m_per_s"]           = p.speed;
        s["tube_voltage_V"]          = p.tube_voltage;
        s["spot_width_m"]            = p.spot_width;
        s["spot_length_m"]           = p.spot_length;
        s["profile_across_spot"] = p.gaussian_across_spot ? "gaussian" : "flat";
        s["electron_range_m"]    = p.electron_range;
        const auto split         = p.split.at(p.tube_voltage);
        s["stream_fraction"]     = split.stream;
        s["anode_fraction"]      = split.anode;
        s["absorbed_fraction"]   = split.absorbed;
        s["layers"]              = p.layers;
        s["areal_density_monolayers"] = p.packing;
        s["layer_weights"]            = model.layer_weights();
        s["modelled_layer"]           = model.layer() + 1;
        s["crossing_time_s"]          = p.crossing_time();
        s["n_dofs"]                   = model.n_dofs();
        s["n_cells"]                  = model.n_cells();
        s["volume_error"]             = model.volume_error();
        s["n_mpi_ranks"] = Utilities::MPI::n_mpi_processes(MPI_COMM_WORLD);
        return s;
      }

      void
      add_limit(nlohmann::json    &s,
                const StreamLimit &limit,
                const Parameters  &p)
      {
        s["stream_limit_W"] = limit.incident_power;
        s["stream_absorbed_limit_W"] =
          limit.incident_power * limit.split.stream;
        s["lumped_stream_limit_W"] = limit.lumped_power;
        s["lumped_stream_absorbed_limit_W"] =
          limit.lumped_power * limit.split.stream;
        s["stream_limit_over_lumped"] =
          limit.incident_power / limit.lumped_power;
        s["lumped_layer_limit_W"] = limit.lumped_layer_power;
        s["stream_limit_over_lumped_layer"] =
          limit.incident_power / limit.lumped_layer_power;
        s["root_search_evaluations"]             = limit.evaluations;
        s["root_search_newton_iterations"]       = limit.newton_iterations;
        s["root_search_jacobian_factorizations"] = limit.factorizations;
        s["root_search_time_s"]                  = limit.search_time;
        s["anode_absorbed_limit_W"]              = limit.anode_absorbed_limit;
        s["anode_limit_W"]                       = limit.hybrid.anode_limit;
        s["hybrid_limit_W"]                      = limit.hybrid.hybrid_limit;
        s["limited_by"]                          = limit.hybrid.limited_by;
        s["reference_power_W"]                   = p.reference_power;
        s["gain_over_reference"] =
          limit.hybrid.hybrid_limit / p.reference_power;
      }

      void
      log_case(ConditionalOStream  &log,
               const Parameters    &p,
               const ParticleModel &model)
      {
        const auto split = p.split.at(p.tube_voltage);
        log << "stream-thermal: " << p.material.name << " particle, r_p "
            << p.radius * 1e6 << " um, " << model_name(p.model) << " model, "
            << model.n_cells() << " cells, " << model.n_dofs()
            << " unknowns (volume error " << model.volume_error() << ")\n"
            << "  " << p.tube_voltage / 1e3 << " kV, S_uP " << split.stream
            << ", S_anode " << split.anode << "; v " << p.speed
            << " m/s, crossing " << p.crossing_time() * 1e6 << " us, inlet "
            << p.inlet_temperature << " K, limit " << p.temperature_limit
            << " K";
        if (p.allowed_molten_fraction > 0)
          log << " + " << p.allowed_molten_fraction << " molten";
        log << "\n  layer weights";
        for (const double w : model.layer_weights())
          log << ' ' << w;
        log << " (modelled: layer " << model.layer() + 1 << ")" << std::endl;
      }

      int
      particle_heating(const Parameters &p,
                       ParticleModel    &model,
                       RunOutput        &output,
                       nlohmann::json   &s)
      {
        const Crossing c = model.cross_spot(p, p.beam_power, &output);
        s["task"]        = "particle heating";
        s.update(crossing_summary(c));
        const bool exceeded =
          c.max_peak_temperature > p.temperature_limit &&
          (p.allowed_molten_fraction == 0 ||
           c.max_molten_fraction > p.allowed_molten_fraction);
        s["limit_exceeded"] = exceeded;
        output.log() << "  exit: peak " << c.exit_peak_temperature
                     << " K, mean " << c.exit_mean_temperature << " K, spread "
                     << c.exit_peak_temperature - c.exit_min_temperature
                     << " K, molten " << c.exit_molten_fraction
                     << "; energy balance " << c.energy_balance << std::endl;
        return exceeded ? exit_status::limit_exceeded : exit_status::success;
      }

      int
      maximum_power(const Parameters &p,
                    ParticleModel    &model,
                    RunOutput        &output,
                    nlohmann::json   &s)
      {
        const StreamLimit limit = find_stream_limit(p, model);
        // The crossing at the limit, with its history and fields.
        Timer          timer;
        const Crossing c = model.cross_spot(p, limit.incident_power, &output);
        output.log() << "  search: " << limit.evaluations << " crossings, "
                     << limit.newton_iterations << " Newton iterations, "
                     << limit.factorizations << " Jacobian factorizations, "
                     << limit.search_time
                     << " s; the crossing at the limit with its output "
                     << timer.wall_time() << " s" << std::endl;
        s["task"] = "maximum power";
        s.update(crossing_summary(c));
        add_limit(s, limit, p);
        output.log() << "  stream limit " << limit.incident_power
                     << " W incident ("
                     << limit.incident_power * limit.split.stream
                     << " W absorbed; lumped " << limit.lumped_power
                     << " W, ratio "
                     << limit.incident_power / limit.lumped_power
                     << "; lumped for this layer " << limit.lumped_layer_power
                     << " W, ratio "
                     << limit.incident_power / limit.lumped_layer_power << "; "
                     << limit.evaluations << " crossings)\n"
                     << "  anode limit " << limit.hybrid.anode_limit
                     << " W, hybrid limit " << limit.hybrid.hybrid_limit
                     << " W (" << limit.hybrid.limited_by << "), gain "
                     << limit.hybrid.hybrid_limit / p.reference_power
                     << " over " << p.reference_power << " W" << std::endl;
        return exit_status::success;
      }

      /// One point of the limit curves: its parameters.
      Parameters
      curve_point(const Parameters &base,
                  const double      T0,
                  const double      v,
                  const double      U)
      {
        Parameters p        = base;
        p.inlet_temperature = T0;
        p.speed             = v;
        p.tube_voltage      = U;
        if (p.deposition == Deposition::depth_dose)
          p.electron_range = kanaya_okayama_range(p.material, U);
        return p;
      }

      /// Columns of a curve point's row: its index, the splits, the
      /// limits, what limits the hybrid target (0 stream, 1 anode), the
      /// gain, the crossing at the stream limit, the root search's
      /// evaluations and the status (0 ok, 1 solver failure).
      constexpr unsigned int n_curve_columns = 14;

      /// The row of curve point @p i (parameters @p p); NaN and status 1
      /// if the solver fails there (named on the terminal).
      std::vector<double>
      curve_row(const unsigned int i, const Parameters &p)
      {
        std::vector<double> row(n_curve_columns,
                                std::numeric_limits<double>::quiet_NaN());
        row[0] = i;
        try
          {
            const auto        model = make_particle_model(p);
            const StreamLimit limit = find_stream_limit(p, *model);
            const Crossing    c =
              model->cross_spot(p, limit.incident_power, nullptr);
            row = {double(i),
                   limit.split.stream,
                   limit.split.anode,
                   limit.incident_power,
                   limit.lumped_power,
                   limit.hybrid.anode_limit,
                   limit.hybrid.hybrid_limit,
                   limit.hybrid.limited_by == "stream" ? 0. : 1.,
                   limit.hybrid.hybrid_limit / p.reference_power,
                   c.exit_peak_temperature,
                   c.max_spread,
                   c.energy_balance,
                   double(limit.evaluations),
                   0.};
          }
        catch (const SolverError &error)
          {
            row[n_curve_columns - 1] = 1;
            std::cerr << "stream-thermal: curve point " << i << " (U "
                      << p.tube_voltage << " V, v " << p.speed << " m/s, inlet "
                      << p.inlet_temperature
                      << " K): " << one_line(error.what()) << std::endl;
          }
        return row;
      }

      /// curves.csv from every rank's rows (rank 0's text; the others'
      /// is empty); counts the failed points in @p failed.
      std::string
      curves_csv(const std::vector<std::array<double, 3>> &points,
                 const std::vector<std::vector<double>>   &all,
                 unsigned int                             &failed)
      {
        std::vector<std::vector<double>> rows(points.size());
        for (const auto &part : all)
          for (std::size_t j = 0; j < part.size(); j += n_curve_columns)
            rows[std::size_t(part[j])].assign(part.begin() + j,
                                              part.begin() + j +
                                                n_curve_columns);
        std::ostringstream csv;
        csv << std::setprecision(10)
            << "inlet_temperature_K,speed_m_per_s,tube_voltage_V,"
               "stream_fraction,anode_fraction,stream_limit_W,"
               "lumped_stream_limit_W,anode_limit_W,hybrid_limit_W,"
               "limited_by,gain_over_reference,exit_peak_temperature_K,"
               "max_spread_K,energy_balance,root_search_evaluations,"
               "status\n";
        for (std::size_t i = 0; i < points.size(); ++i)
          {
            const auto &r  = rows[i];
            const bool  ok = r[n_curve_columns - 1] == 0;
            failed += !ok;
            csv << points[i][0] << ',' << points[i][1] << ',' << points[i][2];
            for (unsigned int j = 1; j < 7; ++j)
              csv << ',' << r[j];
            csv << ',' << (ok ? (r[7] == 0 ? "stream" : "anode") : "") << ','
                << r[8] << ',' << r[9] << ',' << r[10] << ',' << r[11] << ','
                << r[12] << ',' << (ok ? "ok" : "solver failure") << '\n';
          }
        return csv.str();
      }

      int
      limit_curves(const Parameters &base, RunOutput &output, nlohmann::json &s)
      {
        const MPI_Comm     comm    = MPI_COMM_WORLD;
        const unsigned int rank    = Utilities::MPI::this_mpi_process(comm);
        const unsigned int n_ranks = Utilities::MPI::n_mpi_processes(comm);
        std::vector<std::array<double, 3>> points;
        for (const double T0 : base.curve_inlet_temperatures)
          for (const double v : base.curve_speeds)
            for (const double U : base.curve_voltages)
              points.push_back({{T0, v, U}});

        // The points are independent: each rank takes every n_ranks-th.
        std::vector<double> mine;
        Timer               timer;
        for (unsigned int i = rank; i < points.size(); i += n_ranks)
          {
            const auto [T0, v, U] = points[i];
            const std::vector<double> row =
              curve_row(i, curve_point(base, T0, v, U));
            mine.insert(mine.end(), row.begin(), row.end());
            output.log() << "  point " << i + 1 << " of " << points.size()
                         << ": " << U / 1e3 << " kV, " << v << " m/s, inlet "
                         << T0 << " K: hybrid " << row[6] << " W ("
                         << timer.wall_time() << " s)" << std::endl;
          }
        const auto all = Utilities::MPI::gather(comm, mine, 0);

        unsigned int      failed = 0;
        const std::string csv =
          rank == 0 ? curves_csv(points, all, failed) : "";
        output.write_table("curves.csv", csv);
        failed             = Utilities::MPI::broadcast(comm, failed, 0);
        s["task"]          = "limit curves";
        s["curve_points"]  = points.size();
        s["failed_points"] = failed;
        output.log() << "  " << points.size() << " points written to "
                     << output.path("curves.csv") << std::endl;
        return failed > 0 ? exit_status::solver_failure : exit_status::success;
      }
    } // namespace


    int
    run(const Parameters &parameters, RunOutput &output)
    {
      Timer      timer;
      const auto model = make_particle_model(parameters);
      log_case(output.log(), parameters, *model);
      nlohmann::json s = case_summary(parameters, *model);
      int            status;
      switch (parameters.task)
        {
          case Task::particle_heating:
            status = particle_heating(parameters, *model, output, s);
            break;
          case Task::maximum_power:
            status = maximum_power(parameters, *model, output, s);
            break;
          default:
            status = limit_curves(parameters, output, s);
        }
      s["wall_time_s"] = timer.wall_time();
      output.write_summary(s);
      output.log() << "Results in " << parameters.output_directory << " ("
                   << timer.wall_time() << " s)" << std::endl;
      if (status == exit_status::limit_exceeded &&
          Utilities::MPI::this_mpi_process(MPI_COMM_WORLD) == 0)
        std::cerr << "stream-thermal: the particle exceeds its limit: peak "
                  << s["max_peak_temperature_K"] << " K, molten fraction "
                  << s["max_molten_fraction"] << " at " << parameters.beam_power
                  << " W incident (results written to "
                  << parameters.output_directory << ")" << std::endl;
      return status;
    }
  } // namespace stream_thermal
} // namespace xray

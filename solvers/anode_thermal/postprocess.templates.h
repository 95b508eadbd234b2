// What AnodeThermal reports of a solution: the largest temperature of
// each layer, the heat leaving through the cooled faces, the field output,
// the apparent spot, and summary.json.
#ifndef XRAY_ANODE_THERMAL_POSTPROCESS_TEMPLATES_H
#define XRAY_ANODE_THERMAL_POSTPROCESS_TEMPLATES_H

#include "anode_thermal/anode_thermal.h"
#include "anode_thermal/field_maximum.h"
#include "common/electron_deposition.h"
#include "meshes/anode_mesh.h"

#include <deal.II/base/quadrature.h>
#include <deal.II/hp/fe_values.h>
#include <deal.II/numerics/data_out.h>
#include <deal.II/numerics/data_postprocessor.h>

#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace xray
{
  namespace anode_thermal
  {
    // Largest temperature of each layer: the maximum of the finite element
    // field, with its location (reduced over all ranks). A hot spot that
    // moves, or lies off the mesh's planes, peaks between the nodes, so the
    // largest nodal value M of a layer only starts the search
    // (doc/anode-thermal.md, "Peak temperature"): within a cell the field
    // stays below max u + c (max u - min u) (nodal_overshoot_factor()), so
    // only the cells where that reaches M can hold a larger value, and in
    // each an ascent from its best node finds the cell's maximum.
    template <int dim, typename LA>
    std::vector<LayerResult>
    AnodeThermal<dim, LA>::layer_maxima() const
    {
      const unsigned int n_layers = parameters.layers.size();
      // Each owned cell's range of nodal values (of its layer's field), and
      // each layer's largest.
      struct NodalRange
      {
        typename DoFHandler<dim>::active_cell_iterator cell;
        double                                         lowest, highest;
      };
      std::vector<NodalRange> ranges;
      std::vector<double>     nodal_max(n_layers,
                                    -std::numeric_limits<double>::max());
      for (const auto &cell : dof_handler.active_cell_iterators())
        if (cell->is_locally_owned())
          {
            const std::vector<double> u = layer_nodal_values(cell);
            const auto [lowest, highest] =
              std::minmax_element(u.begin(), u.end());
            ranges.push_back({cell, *lowest, *highest});
            double &layer_max = nodal_max[cell->material_id()];
            layer_max         = std::max(layer_max, *highest);
          }
      MPI_Allreduce(MPI_IN_PLACE,
                    nodal_max.data(),
                    n_layers,
                    MPI_DOUBLE,
                    MPI_MAX,
                    mpi_communicator);

      // FE index i carries the layer's FE_Q in component i; both are alike.
      const FiniteElement<dim> &scalar_fe = fe[0].base_element(0);
      const double              overshoot = nodal_overshoot_factor(scalar_fe);
      std::vector<double>       local_max(n_layers,
                                    -std::numeric_limits<double>::max());
      std::vector<Point<dim>>   local_location(n_layers);
      for (const NodalRange &range : ranges)
        {
          const unsigned int layer = range.cell->material_id();
          if (range.highest + overshoot * (range.highest - range.lowest) <
              nodal_max[layer])
            continue;
          const std::vector<double> u         = layer_nodal_values(range.cell);
          const Point<dim>          best_node = scalar_fe.unit_support_point(
            std::distance(u.begin(),
                          std::minmax_element(u.begin(), u.end()).second));
          const CellMaximum<dim> found =
            maximise_in_reference_cell(scalar_fe, u, best_node);
          if (found.value > local_max[layer])
            {
              local_max[layer] = found.value;
              local_location[layer] =
                mapping[0].transform_unit_to_real_cell(range.cell,
                                                       found.unit_point);
            }
        }

      std::vector<LayerResult> result(n_layers);
      for (unsigned int layer = 0; layer < n_layers; ++layer)
        {
          struct
          {
            double value;
            int    rank;
          } mine{local_max[layer],
                 static_cast<int>(
                   Utilities::MPI::this_mpi_process(mpi_communicator))},
            best;
          MPI_Allreduce(
            &mine, &best, 1, MPI_DOUBLE_INT, MPI_MAXLOC, mpi_communicator);
          const Point<dim> location =
            Utilities::MPI::broadcast(mpi_communicator,
                                      local_location[layer],
                                      best.rank);
          result[layer].max_temperature = best.value;
          for (unsigned int d = 0; d < dim; ++d)
            result[layer].location[d] = location[d];
        }
      return result;
    }


    // The nodal values of the temperature field of CELL's layer, in the
    // numbering of that field's scalar element.
    template <int dim, typename LA>
    std::vector<double>
    AnodeThermal<dim, LA>::layer_nodal_values(
      const typename DoFHandler<dim>::active_cell_iterator &cell) const
    {
      const FiniteElement<dim> &cell_fe = cell->get_fe();
      dealii::Vector<double>    cell_values(cell_fe.n_dofs_per_cell());
      cell->get_dof_values(temperature, cell_values);
      const unsigned int  component = layer_component[cell->material_id()];
      std::vector<double> u(cell_fe.n_dofs_per_cell());
      unsigned int        n = 0;
      for (unsigned int i = 0; i < cell_fe.n_dofs_per_cell(); ++i)
        {
          const auto [c, base_index] = cell_fe.system_to_component_index(i);
          if (c == component)
            {
              u[base_index] = cell_values[i];
              ++n;
            }
        }
      u.resize(n);
      return u;
    }


    // Heat leaving through the cooled faces, from the computed field:
    // -k dT/dn on fixed-temperature faces, h_c (T - T0) on convective ones.
    // Compared with the absorbed power it measures the energy balance.
    template <int dim, typename LA>
    double
    AnodeThermal<dim, LA>::heat_removed() const
    {
      hp::FEFaceValues<dim>       face_values(mapping,
                                        fe,
                                        face_quadrature,
                                        update_values | update_gradients |
                                          update_normal_vectors |
                                          update_quadrature_points |
                                          update_JxW_values);
      std::vector<double>         T_values;
      std::vector<Tensor<1, dim>> T_gradients;
      double                      removed = 0;
      for (const auto &cell : owned_cells)
        if (cell->is_locally_owned())
          for (const unsigned int f : cell->face_indices())
            {
              if (!cell->at_boundary(f))
                continue;
              const types::boundary_id id = cell->face(f)->boundary_id();
              const FaceCondition      held_at_T0{
                FaceCondition::Type::fixed_temperature, 0.};
              const FaceCondition *condition =
                id == meshes::boundary::back_face ? &parameters.back_face :
                id == meshes::boundary::side_face ? &parameters.side_face :
                id == inflow_face                 ? &held_at_T0 :
                                                    nullptr;
              if (!condition ||
                  condition->type == FaceCondition::Type::insulated)
                continue;
              face_values.reinit(cell, f);
              const auto        &face  = face_values.get_present_fe_values();
              const unsigned int layer = cell->material_id();
              const FEValuesExtractors::Scalar field(layer_component[layer]);
              T_values.resize(face.n_quadrature_points);
              T_gradients.resize(face.n_quadrature_points);
              face[field].get_function_values(temperature, T_values);
              face[field].get_function_gradients(temperature, T_gradients);
              for (const unsigned int q : face.quadrature_point_indices())
                {
                  const double flux_out =
                    condition->type == FaceCondition::Type::convection ?
                      condition->heat_transfer_coefficient *
                        (T_values[q] - parameters.coolant_temperature) :
                      -conductivity(layer, T_values[q]) *
                        (T_gradients[q] * face.normal_vector(q));
                  removed +=
                    flux_out * weight(face.quadrature_point(q)) * face.JxW(q);
                }
            }
      return Utilities::MPI::sum(removed, mpi_communicator);
    }


    // Field output: temperature and heat flux from the two components (one
    // of which vanishes on every cell), layer index and MPI rank per cell.
    template <int dim>
    class TemperaturePostprocessor : public DataPostprocessor<dim>
    {
    public:
      TemperaturePostprocessor(const Parameters                &parameters,
                               const std::vector<unsigned int> &layer_component)
        : parameters(parameters)
        , layer_component(layer_component)
      {}

      void
      evaluate_vector_field(
        const DataPostprocessorInputs::Vector<dim> &inputs,
        std::vector<dealii::Vector<double>>        &computed) const override
      {
        const auto         cell  = inputs.template get_cell<dim>();
        const unsigned int layer = cell->material_id();
        const unsigned int c     = layer_component[layer];
        const auto        &k = parameters.layers[layer].material.conductivity;
        for (unsigned int q = 0; q < computed.size(); ++q)
          {
            const double T = inputs.solution_values[q][c];
            computed[q](0) = T;
            for (unsigned int d = 0; d < dim; ++d)
              computed[q](1 + d) =
                -k.value(T) * inputs.solution_gradients[q][c][d];
          }
      }

      std::vector<std::string>
      get_names() const override
      {
        std::vector<std::string> names{"temperature_K"};
        for (unsigned int d = 0; d < dim; ++d)
          names.emplace_back("heat_flux_W_per_m2");
        return names;
      }

      std::vector<DataComponentInterpretation::DataComponentInterpretation>
      get_data_component_interpretation() const override
      {
        std::vector<DataComponentInterpretation::DataComponentInterpretation>
          interpretation{DataComponentInterpretation::component_is_scalar};
        for (unsigned int d = 0; d < dim; ++d)
          interpretation.push_back(
            DataComponentInterpretation::component_is_part_of_vector);
        return interpretation;
      }

      UpdateFlags
      get_needed_update_flags() const override
      {
        return update_values | update_gradients;
      }

    private:
      const Parameters                &parameters;
      const std::vector<unsigned int> &layer_component;
    };


    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::output_results(const double time) const
    {
      if (!parameters.write_fields)
        return;
      TimerOutput::Scope            t(*timer, "output");
      TemperaturePostprocessor<dim> postprocessor(parameters, layer_component);
      DataOut<dim>                  data_out;
      data_out.attach_dof_handler(dof_handler);
      data_out.add_data_vector(temperature, postprocessor);

      dealii::Vector<float> layer(triangulation.n_active_cells());
      dealii::Vector<float> rank(triangulation.n_active_cells());
      for (const auto &cell : triangulation.active_cell_iterators())
        if (cell->is_locally_owned())
          {
            layer(cell->active_cell_index()) = cell->material_id();
            rank(cell->active_cell_index()) =
              triangulation.locally_owned_subdomain();
          }
      data_out.add_data_vector(layer, "layer", DataOut<dim>::type_cell_data);
      data_out.add_data_vector(rank, "mpi_rank", DataOut<dim>::type_cell_data);
      data_out.build_patches(mapping[0], parameters.fe_degree);
      // zlib's fastest level: deal.II's default (best compression) spends
      // about half the output time for files a few percent smaller.
      DataOutBase::VtkFlags flags;
      flags.compression_level = DataOutBase::VtkFlags::best_speed;
      data_out.set_flags(flags);
      output->write_solution(data_out, time);
    }


    // Apparent spot: seen at the take-off angle alpha the spot is shortened
    // along y by sin(alpha) (doc/theory.md section 1, line focus); its area is
    // the effective area P / q_peak times sin(alpha).
    template <int dim, typename LA>
    double
    AnodeThermal<dim, LA>::apparent_spot_area() const
    {
      return parameters.spot.effective_area() *
             std::sin(parameters.take_off_angle);
    }


    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::add_heat_source_summary(nlohmann::json &s) const
    {
      const auto  &spot      = parameters.spot;
      const double sin_alpha = std::sin(parameters.take_off_angle);
      s["spot_shape"]        = spot.kind() == SpotProfile::Kind::line ? "line" :
                               spot.circular() ? "circular" :
                                                 "elliptical";
      s["spot_hwhm_m"]       = {spot.hwhm_x(), spot.hwhm_y()};
      if (spot.kind() == SpotProfile::Kind::line)
        s["line_length_m"] = spot.line_length();
      s["spot_fwhm_m"]            = {spot.fwhm_x(), spot.fwhm_y()};
      s["spot_effective_area_m2"] = spot.effective_area();
      s["take_off_angle_deg"]   = parameters.take_off_angle * 180 / numbers::PI;
      s["apparent_spot_fwhm_m"] = {spot.fwhm_x(), spot.fwhm_y() * sin_alpha};
      s["apparent_spot_area_m2"] = apparent_spot_area();

      const auto &depth = parameters.depth_profile;
      s["deposition"] =
        depth.kind() == DepthProfile::Kind::surface    ? "surface" :
        depth.kind() == DepthProfile::Kind::depth_dose ? "depth-dose" :
                                                         "table";
      s["tube_voltage_V"]     = parameters.tube_voltage;
      s["deposited_fraction"] = depth.deposited_fraction();
      if (depth.is_volumetric())
        s["deposition_depth_90_percent_m"] = depth.depth_of_fraction(0.9);
      if (depth.kind() == DepthProfile::Kind::depth_dose)
        for (const auto &layer : parameters.layers)
          s["electron_range_m"][layer.name] =
            kanaya_okayama_range(layer.material, parameters.tube_voltage);
      // Share of the deposited energy in each layer: in a layer thinner
      // than the electron range only this part of the beam's energy works
      // in the metal (a first-order measure of its X-ray yield).
      if (depth.is_volumetric())
        {
          double top = 0;
          for (const auto &layer : parameters.layers)
            {
              const double bottom = parameters.shape == Shape::half_ball ?
                                      parameters.radius :
                                      top + layer.thickness;
              s["deposited_fraction_by_layer"][layer.name] =
                (depth.cumulative(bottom) - depth.cumulative(top)) /
                depth.deposited_fraction();
              top = bottom;
            }
        }
    }


    // summary.json of a run from the layers' maxima and the last solve's
    // STATISTICS: the peak, the layers, the powers and the heat balance,
    // the motion, the heat source, the mesh and solver, and the maximum
    // power of that task.
    template <int dim, typename LA>
    nlohmann::json
    AnodeThermal<dim, LA>::summary(const std::vector<LayerResult> &maxima,
                                   const SolveStatistics &statistics) const
    {
      const double absorbed =
        (1 - parameters.energy_backscatter_fraction) * current_incident_power;
      unsigned int peak_layer = 0;
      for (unsigned int i = 0; i < maxima.size(); ++i)
        if (maxima[i].max_temperature > maxima[peak_layer].max_temperature)
          peak_layer = i;
      std::vector<double> peak_location;
      for (unsigned int d = 0; d < dim; ++d)
        peak_location.push_back(maxima[peak_layer].location[d]);

      nlohmann::json s;
      s["solver"] = "anode-thermal";
      s["model"]  = dim == 2 ? "axisymmetric" : "3d";
      s["task"]   = parameters.task == Task::temperature   ? "temperature" :
                    parameters.task == Task::maximum_power ? "maximum power" :
                                                             "transient";
      s["linear_algebra"]        = LA::name;
      s["converged"]             = true;
      s["peak_temperature_K"]    = maxima[peak_layer].max_temperature;
      s["peak_location_m"]       = peak_location;
      s["coolant_temperature_K"] = parameters.coolant_temperature;
      std::vector<std::string> exceeded;
      s["layers"]                      = layer_summary(maxima, exceeded);
      s["incident_power_W"]            = current_incident_power;
      s["energy_backscatter_fraction"] = parameters.energy_backscatter_fraction;
      s["absorbed_power_W"]            = absorbed;
      s["deposited_power_W"]           = deposited_power();
      s["transmitted_power_W"]         = absorbed - deposited_power();
      s["source_integral_W"]           = assembled_heat_input;
      s["source_quadrature_error"]     = source_quadrature_error;
      s["heat_removed_W"] =
        moving_heat_removed >= 0 ? moving_heat_removed : heat_removed();
      if (parameters.motion.kind != Motion::Kind::none)
        add_motion_summary(s);
      add_heat_source_summary(s);
      add_solver_summary(s, statistics);
      add_error_estimate_summary(s);
      s["limit_exceeded"]    = !exceeded.empty();
      s["layers_over_limit"] = exceeded;
      if (parameters.task == Task::maximum_power)
        add_maximum_power_summary(s, absorbed);
      return s;
    }


    // Each layer's name, material, thickness, largest temperature and
    // limit; the names of the layers over their limit go to EXCEEDED.
    template <int dim, typename LA>
    nlohmann::json
    AnodeThermal<dim, LA>::layer_summary(
      const std::vector<LayerResult> &maxima,
      std::vector<std::string>       &exceeded) const
    {
      nlohmann::json layers = nlohmann::json::array();
      for (unsigned int i = 0; i < maxima.size(); ++i)
        {
          const Layer &layer = parameters.layers[i];
          layers.push_back({{"name", layer.name},
                            {"material", layer.material.name},
                            {"thickness_m", layer.thickness},
                            {"max_temperature_K", maxima[i].max_temperature},
                            {"temperature_limit_K", layer.temperature_limit}});
          // In the maximum-power task the limiting layer sits at its limit
          // by construction; only the temperature task can exceed one.
          if (parameters.task == Task::temperature &&
              maxima[i].max_temperature > layer.temperature_limit)
            exceeded.push_back(layer.name);
        }
      return layers;
    }


    // The motion of a scanned or rotating anode, its Peclet number and the
    // heat it carries out of the mesh (at the last assembled temperature,
    // the solution's).
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::add_motion_summary(nlohmann::json &s) const
    {
      s["motion"] = parameters.motion.kind == Motion::Kind::linear_scan ?
                      "linear scan" :
                      "rotating anode";
      s["scan_speed_m_per_s"] = parameters.motion.speed();
      s["peclet_number"]      = peclet_number();
      if (parameters.motion.kind == Motion::Kind::rotating_anode)
        {
          s["track_radius_m"]        = parameters.motion.track_radius;
          s["rotation_frequency_Hz"] = parameters.motion.rotation_frequency;
        }
      s["heat_carried_by_motion_W"] = advective_outflow;
    }


    // The unknowns and cells of the meshed part (every power, heat and
    // temperature of the summary is the full anode's: weight()), the
    // symmetry, the ranks, and the iterations of the last solve
    // (STATISTICS) and of the whole run.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::add_solver_summary(
      nlohmann::json        &s,
      const SolveStatistics &statistics) const
    {
      s["n_dofs"]  = dof_handler.n_dofs();
      s["n_cells"] = triangulation.n_global_active_cells();
      if (dim == 3)
        {
          s["symmetry"] = parameters.symmetry == Symmetry::half    ? "half" :
                          parameters.symmetry == Symmetry::quarter ? "quarter" :
                                                                     "none";
          s["symmetry_factor"] = parameters.symmetry_factor();
        }
      s["n_mpi_ranks"] = Utilities::MPI::n_mpi_processes(mpi_communicator);
      // The linear solver that ran (Solver/Linear solver) and its
      // preconditioner (Solver/Preconditioner, or AMG where the matrix-free
      // multigrid does not apply; none for the sparse LU).
      s["linear_solver"] =
        parameters.direct_linear_solver ? "direct" : "iterative";
      s["preconditioner"]    = parameters.direct_linear_solver ? "none" :
                               uses_matrix_free() ? "matrix-free multigrid" :
                                                    "AMG";
      s["newton_iterations"] = statistics.newton_iterations;
      s["linear_iterations"] = statistics.linear_iterations;
      s["newton_relative_residual"] =
        statistics.final_residual / statistics.reference_residual;
      s["total_newton_iterations"] = total_newton_iterations;
      s["total_chord_steps"]       = total_chord_steps;
      s["total_linear_iterations"] = total_linear_iterations;
      s["preconditioner_setups"]   = total_preconditioner_setups;
    }


    // The maximum permissible power, its absorbed part at ABSORBED, the
    // power densities of Eq. (2) and Eq. (1), the limiting layer, and the
    // brightness gain over the reference design when there is one.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::add_maximum_power_summary(
      nlohmann::json &s,
      const double    absorbed) const
    {
      s["max_permissible_power_W"]          = max_permissible_power;
      s["max_permissible_absorbed_power_W"] = absorbed;
      // Absorbed power over pi r^2, r the HWHM: the quantity of Eq. (2)
      // (Gaussian spots).
      if (parameters.spot.kind() == SpotProfile::Kind::gaussian)
        s["max_permissible_power_density_W_per_m2"] =
          absorbed /
          (numbers::PI * parameters.spot.hwhm_x() * parameters.spot.hwhm_y());
      // Eq. (1): at equal conversion efficiency the specific brightness
      // goes as the incident power per apparent (projected) area.
      s["max_permissible_apparent_power_density_W_per_m2"] =
        max_permissible_power / apparent_spot_area();
      s["limiting_layer"] = limiting_layer;
      if (!reference_design.is_null())
        {
          s["reference_design"] = reference_design;
          s["brightness_gain"] =
            s["max_permissible_apparent_power_density_W_per_m2"]
              .template get<double>() /
            reference_design["max_permissible_apparent_power_density_W_per_m2"]
              .template get<double>();
        }
    }


    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::log_heat_source() const
    {
      nlohmann::json s;
      add_heat_source_summary(s);
      log() << "   Heat source: " << s["spot_shape"].get<std::string>()
            << " spot, FWHM " << s["spot_fwhm_m"][0].get<double>() << " x "
            << s["spot_fwhm_m"][1].get<double>() << " m, "
            << s["deposition"].get<std::string>() << " deposition";
      if (parameters.depth_profile.is_volumetric())
        log() << " (90 % within "
              << s["deposition_depth_90_percent_m"].get<double>()
              << " m, deposited fraction "
              << parameters.depth_profile.deposited_fraction() << ")";
      log() << ", eta_E " << parameters.energy_backscatter_fraction
            << std::endl;
    }
  } // namespace anode_thermal
} // namespace xray

#endif

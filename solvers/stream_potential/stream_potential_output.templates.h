// StreamPotential<dim, LA>: the results both models write: VTU,
// profile.csv, summary.json and the last lines of the log (doc/outputs.md);
// the model's own tables, entries and result line come from its hooks.
#ifndef XRAY_STREAM_POTENTIAL_OUTPUT_TEMPLATES_H
#define XRAY_STREAM_POTENTIAL_OUTPUT_TEMPLATES_H

#include "stream_potential/stream_potential_internal.h"

#include <deal.II/fe/fe_values.h>
#include <deal.II/numerics/data_out.h>
#include <deal.II/numerics/data_postprocessor.h>

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <sstream>

namespace xray
{
  namespace stream_potential
  {
    namespace internal
    {
      /// E = -grad phi and |E| for the VTU output.
      template <int dim>
      class ElectricField : public DataPostprocessor<dim>
      {
      public:
        void
        evaluate_scalar_field(
          const DataPostprocessorInputs::Scalar<dim> &inputs,
          std::vector<Vector<double>> &computed_quantities) const override
        {
          for (unsigned int q = 0; q < inputs.solution_gradients.size(); ++q)
            {
              const Tensor<1, dim> field = -inputs.solution_gradients[q];
              for (unsigned int d = 0; d < dim; ++d)
                computed_quantities[q][d] = field[d];
              computed_quantities[q][dim] = field.norm();
            }
        }

        std::vector<std::string>
        get_names() const override
        {
          std::vector<std::string> names(dim, "electric_field_V_per_m");
          names.emplace_back("electric_field_magnitude_V_per_m");
          return names;
        }

        std::vector<DataComponentInterpretation::DataComponentInterpretation>
        get_data_component_interpretation() const override
        {
          std::vector<DataComponentInterpretation::DataComponentInterpretation>
            interpretation(
              dim, DataComponentInterpretation::component_is_part_of_vector);
          interpretation.push_back(
            DataComponentInterpretation::component_is_scalar);
          return interpretation;
        }

        UpdateFlags
        get_needed_update_flags() const override
        {
          return update_gradients;
        }
      };

      /// A point of the profile line as (x, y, z); the 2D section's points
      /// lie in the plane y = 0.
      template <int dim>
      Point<3>
      profile_point(const Point<dim> &base, const double z)
      {
        return Point<3>(base[0], dim == 3 ? base[1] : 0., z);
      }
    } // namespace internal


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::output_results()
    {
      if (!parameters.write_fields)
        return;
      TimerOutput::Scope           scope(timer, "output");
      internal::ElectricField<dim> field;
      DataOut<dim>                 data_out;
      data_out.attach_dof_handler(dof_handler);
      data_out.add_data_vector(ghosted_solution, "potential_V");
      data_out.add_data_vector(ghosted_solution, field);
      dealii::Vector<float> rank(triangulation.n_active_cells());
      rank = Utilities::MPI::this_mpi_process(communicator);
      data_out.add_data_vector(rank, "mpi_rank");
      data_out.build_patches(mapping, std::min(2u, fe.degree));
      // Uncompressed: the float field values barely compress (zlib's
      // fastest level makes the 175-particle case's pieces 27 % smaller in
      // 1.5 s of its 3.3 s write; its best level 0.7 % smaller again), and
      // a large stream's output is the third largest phase of its run.
      DataOutBase::VtkFlags flags;
      flags.compression_level = DataOutBase::VtkFlags::no_compression;
      data_out.set_flags(flags);
      output.write_solution(data_out);
    }


    template <int dim, typename LA>
    typename StreamPotential<dim, LA>::ProfileLine
    StreamPotential<dim, LA>::profile_line() const
    {
      // The line along the anode normal: through the particle closest to
      // the patch centre (particles), or at the evaluation position across
      // the spot (continuum).
      if constexpr (particle_model)
        return particle_profile_line();
      else
        return continuum_profile_line();
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::write_profile_csv(double &max_abs_potential)
    {
      TimerOutput::Scope scope(timer, "output");
      const ProfileLine  line    = profile_line();
      const Point<dim>  &base    = line.base;
      const double       z_start = line.z_start, z_end = line.z_end;

      const unsigned int  n = parameters.profile_points;
      std::vector<double> z(n), potential(n, 0.), field(n, 0.), found(n, 0.);
      for (unsigned int k = 0; k < n; ++k)
        z[k] = z_start + (z_end - z_start) * k / (n - 1);

      sample_profile(base, z, potential, field, found);
      // A point on a face shared by two ranks is found by both: average.
      internal::all_sum(found, communicator);
      internal::all_sum(potential, communicator);
      internal::all_sum(field, communicator);

      std::vector<int> inside(n, -1); // particle containing the point
      for (unsigned int k = 0; k < n; ++k)
        if (found[k] > 0)
          {
            potential[k] /= found[k];
            field[k] /= found[k];
          }
        else
          {
            // Inside a conductor (a particle; the continuum has none): its
            // potential, no field.
            potential[k] = std::numeric_limits<double>::quiet_NaN();
            field[k]     = std::numeric_limits<double>::quiet_NaN();
            const unsigned int i =
              particle_containing(internal::profile_point(base, z[k]), 1e-6);
            if (i != numbers::invalid_unsigned_int)
              {
                inside[k]    = i;
                potential[k] = particles[i].potential;
                field[k]     = 0.;
              }
          }

      // The extremes of the potential are at nodes (conductors, anode) or
      // inside the space charge; the nodal maximum is what VTU shows (the
      // vector's own max norm: reading a PETSc vector entry by entry
      // took 0.3 s on the 175-particle case).
      max_abs_potential = solution.linfty_norm();

      // (Rank 0's table; every rank learns if writing it fails.)
      std::ostringstream csv;
      csv << std::setprecision(17);
      csv << "x_m,y_m,z_m,potential_V,electric_field_magnitude_V_per_m,"
             "inside_particle\n";
      for (unsigned int k = 0; k < n; ++k)
        {
          const Point<3> x = internal::profile_point(base, z[k]);
          csv << x[0] << ',' << x[1] << ',' << x[2] << ',' << potential[k]
              << ',' << field[k] << ',' << inside[k] << '\n';
        }
      output.write_table("profile.csv", csv.str());
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::sample_profile(const Point<dim>          &base,
                                             const std::vector<double> &z,
                                             std::vector<double> &potential,
                                             std::vector<double> &field,
                                             std::vector<double> &found) const
    {
      // The potential and |E| at the points (base, z_k) in this rank's
      // cells; found_k counts the cells that hold a point.
      const unsigned int n = z.size();
      for (const auto &cell : dof_handler.active_cell_iterators())
        if (cell->is_locally_owned())
          {
            // Curved cells bulge beyond their vertices' box: widen it.
            BoundingBox<dim> box = cell->bounding_box();
            box.extend(0.1 * cell->diameter());
            Point<dim> probe = base;
            probe[dim - 1]   = box.get_boundary_points().first[dim - 1];
            bool lateral_hit = true;
            for (unsigned int d = 0; d + 1 < dim; ++d)
              lateral_hit = lateral_hit &&
                            box.get_boundary_points().first[d] <= base[d] &&
                            base[d] <= box.get_boundary_points().second[d];
            if (!lateral_hit)
              continue;
            for (unsigned int k = 0; k < n; ++k)
              {
                if (found[k] > 0)
                  continue;
                probe[dim - 1] = z[k];
                if (!box.point_inside(probe))
                  continue;
                Point<dim> unit;
                try
                  {
                    unit = mapping.transform_real_to_unit_cell(cell, probe);
                  }
                catch (const typename Mapping<dim>::ExcTransformationFailed &)
                  {
                    continue;
                  }
                if (!cell->reference_cell().contains_point(unit, 1e-10))
                  continue;
                FEValues<dim> values(mapping,
                                     fe,
                                     Quadrature<dim>(
                                       std::vector<Point<dim>>{unit}),
                                     update_values | update_gradients);
                values.reinit(cell);
                std::vector<double>         phi(1);
                std::vector<Tensor<1, dim>> gradient(1);
                values.get_function_values(ghosted_solution, phi);
                values.get_function_gradients(ghosted_solution, gradient);
                potential[k] = phi[0];
                field[k]     = gradient[0].norm();
                found[k]     = 1;
              }
          }
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::write_model_tables()
    {
      // The particle model's tables beside profile.csv; the continuum's
      // results are all in profile.csv and the VTU.
      if constexpr (particle_model)
        write_particle_tables();
    }


    template <int dim, typename LA>
    nlohmann::json
    StreamPotential<dim, LA>::write_summary(const double max_abs_potential)
    {
      nlohmann::json summary;
      summary["solver"]              = "stream-potential";
      summary["converged"]           = converged;
      summary["n_particles"]         = particles.size();
      summary["max_abs_potential_V"] = max_abs_potential;
      summary["charge_iterations"]   = charge_iterations;
      summary["charge_change"]       = charge_change;
      summary["charge_residual"]     = charge_residual;
      summary["charge_tolerance"]    = parameters.charge_tolerance;
      if (!cap_residuals.empty())
        {
          // Field-emission cap: each particle's residual at the final
          // state (solve_field_emission_cap()); the largest is
          // charge_residual.
          summary["cap_relative_residual"] = cap_residuals;
          summary["max_cap_relative_residual"] =
            *std::max_element(cap_residuals.begin(), cap_residuals.end());
        }
      summary["linear_iterations"] = linear_iterations;
      summary["n_dofs"]            = dof_handler.n_dofs();
      summary["n_cells"]           = triangulation.n_global_active_cells();
      summary["n_mpi_ranks"]    = Utilities::MPI::n_mpi_processes(communicator);
      summary["linear_algebra"] = LA::name;
      summary["preconditioner"] = two_level ? "two-level" : "AMG";
      if (parameters.uses_beam())
        {
          // q_uP at this tube voltage (interpolated in a table if given).
          summary["tube_voltage_V"] = parameters.beam.tube_voltage;
          summary["net_charge_per_primary"] =
            parameters.beam.net_charge_per_primary;
        }

      summarize_model(summary);
      nlohmann::json phases;
      for (const auto &[name, seconds] :
           timer.get_summary_data(TimerOutput::total_wall_time))
        phases[name] = seconds;
      summary["phase_wall_time_s"] = phases;
      summary["wall_time_s"] =
        Utilities::MPI::max(wall_clock.wall_time(), communicator);
      output.write_summary(summary);
      return summary;
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::summarize_model(nlohmann::json &summary) const
    {
      // The model's name and own entries.
      if constexpr (particle_model)
        summarize_particles(summary);
      else
        summarize_continuum(summary);
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::report_model_result(const nlohmann::json &summary)
    {
      // The model's headline figures, on the line "Result: ".
      if constexpr (particle_model)
        report_particle_result(summary);
      else
        report_continuum_result(summary);
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::report_results(const nlohmann::json &summary)
    {
      // The figures a user looks for first, from summary.json's entries.
      auto &log = output.log();
      log << "Result: ";
      report_model_result(summary);
      log << std::endl
          << "Results in " << parameters.output_directory
          << " (summary.json, profile.csv"
          << (parameters.write_fields ? ", solution.pvd" : "")
          << (particles.empty() ? "" : ", particles.csv")
          << (summary.contains("periodic_cell_m") ? ", plane_average.csv" : "")
          << "; " << summary["wall_time_s"].get<double>() << " s)" << std::endl;
    }
  } // namespace stream_potential
} // namespace xray

#endif

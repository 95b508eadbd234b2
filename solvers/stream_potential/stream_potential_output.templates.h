// StreamPotential<dim, LA>: the results: VTU, particles.csv,
// profile.csv, plane_average.csv, summary.json and the last lines
// of the log (doc/outputs.md).
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

      /// The sampling grid of the plane averages over a periodic cell
      /// (write_plane_average_csv()): lateral midpoints of spacing
      /// <= r_p / 4, planes from the anode (z = 0) to the top.
      struct PlaneAverageGrid
      {
        PlaneAverageGrid(const meshes::PeriodicCell &cell,
                         const double                radius,
                         const unsigned int          planes,
                         const double                top)
          : low(cell.low)
          , n_planes(planes)
          , dz(top / (planes - 1))
        {
          for (unsigned int a = 0; a < 2; ++a)
            {
              const double L = cell.high[a] - cell.low[a];
              n_lateral[a] =
                static_cast<unsigned int>(std::ceil(L / (radius / 4)));
              step[a] = L / n_lateral[a];
            }
        }

        std::size_t
        index(const unsigned int i,
              const unsigned int j,
              const unsigned int k) const
        {
          return (std::size_t(k) * n_lateral[1] + j) * n_lateral[0] + i;
        }

        Point<3>
        point(const unsigned int i,
              const unsigned int j,
              const unsigned int k) const
        {
          return Point<3>(low[0] + (i + 0.5) * step[0],
                          low[1] + (j + 0.5) * step[1],
                          k * dz);
        }

        std::size_t
        size() const
        {
          return std::size_t(n_planes) * n_lateral[0] * n_lateral[1];
        }

        Point<2>                    low;
        std::array<unsigned int, 2> n_lateral;
        std::array<double, 2>       step;
        unsigned int                n_planes;
        double                      dz;
      };

      /// The grid points in a (possibly curved) tetrahedron: their unit
      /// coordinates and grid indices.
      template <typename CellIterator>
      void
      grid_points_in_cell(const CellIterator       &cell,
                          const Mapping<3>         &mapping,
                          const PlaneAverageGrid   &grid,
                          std::vector<Point<3>>    &units,
                          std::vector<std::size_t> &hits)
      {
        units.clear();
        hits.clear();
        BoundingBox<3> box = cell->bounding_box();
        box.extend(0.1 * cell->diameter());
        const auto [lo, hi] = box.get_boundary_points();
        // Grid points (midpoints laterally, planes along z) in the box.
        const auto first = [&](const double       x,
                               const double       origin,
                               const double       h,
                               const unsigned int n,
                               const double       offset) {
          return static_cast<unsigned int>(
            std::clamp(std::ceil((x - origin) / h - offset), 0., double(n)));
        };
        std::array<unsigned int, 3> begin, end;
        for (unsigned int a = 0; a < 2; ++a)
          {
            begin[a] =
              first(lo[a], grid.low[a], grid.step[a], grid.n_lateral[a], 0.5);
            end[a] = first(
              hi[a], grid.low[a], grid.step[a], grid.n_lateral[a], 0.5 - 1e-12);
            end[a] = std::min(end[a] + 1, grid.n_lateral[a]);
          }
        begin[2] = first(lo[2], 0., grid.dz, grid.n_planes, 0.);
        end[2]   = std::min(first(hi[2], 0., grid.dz, grid.n_planes, 0.) + 1,
                          grid.n_planes);
        // The straight tetrahedron through the cell's vertices: its affine
        // map is the cell's own where no edge is curved (all but the cells
        // at the particle surfaces), and a cheap first test for the curved
        // ones.
        bool curved = false;
        for (const unsigned int l : cell->line_indices())
          curved |= cell->line(l)->manifold_id() != numbers::flat_manifold_id;
        const Point<3> v0 = cell->vertex(0);
        Tensor<2, 3>   edges;
        for (unsigned int a = 0; a < 3; ++a)
          for (unsigned int b = 0; b < 3; ++b)
            edges[b][a] = cell->vertex(a + 1)[b] - v0[b];
        const Tensor<2, 3> to_unit = invert(edges);
        for (unsigned int k = begin[2]; k < end[2]; ++k)
          for (unsigned int j = begin[1]; j < end[1]; ++j)
            for (unsigned int i = begin[0]; i < end[0]; ++i)
              {
                const Point<3> x = grid.point(i, j, k);
                if (!box.point_inside(x))
                  continue;
                Point<3> unit(to_unit * (x - v0));
                // (A curved face bulges by a small fraction of the cell:
                // points well outside the straight cell are outside the
                // curved one too.)
                if (!cell->reference_cell().contains_point(unit,
                                                           curved ? 0.25 :
                                                                    1e-10))
                  continue;
                if (curved)
                  try
                    {
                      unit = mapping.transform_real_to_unit_cell(cell, x);
                    }
                  catch (const typename Mapping<3>::ExcTransformationFailed &)
                    {
                      continue;
                    }
                if (!cell->reference_cell().contains_point(unit, 1e-10))
                  continue;
                units.push_back(unit);
                hits.push_back(grid.index(i, j, k));
              }
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
      // zlib's fastest level: the field values barely compress (the
      // 385-particle case's pieces are 0.7 % larger than at the best
      // level), so the best level's extra time buys nothing.
      DataOutBase::VtkFlags flags;
      flags.compression_level = DataOutBase::VtkFlags::best_speed;
      data_out.set_flags(flags);
      output.write_solution(data_out);
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::write_particles_csv() const
    {
      // (Every rank writes the same table through rank 0, and learns if
      // that fails.)
      if (particles.empty())
        return;
      std::ostringstream csv;
      csv << "id,x,y,z,radius_m,charge_C,potential_V,"
             "max_surface_field_V_per_m,limited,layer,beam_charge_C,"
             "flux_charge_C,max_emitting_field_V_per_m,emitted_current_A,"
             "galerkin_charge_C,charging_current_A,thermionically_limited,"
             "cap_relative_residual\n";
      csv << std::setprecision(17);
      for (unsigned int i = 0; i < particles.size(); ++i)
        {
          const ParticleState &p = particles[i];
          csv << i << ',' << p.geometry.center[0] << ',' << p.geometry.center[1]
              << ',' << p.geometry.center[2] << ',' << p.geometry.radius << ','
              << p.charge << ',' << p.potential << ',' << p.max_surface_field
              << ',' << (p.limited ? 1 : 0) << ',' << p.geometry.layer << ','
              << p.beam_charge << ',' << p.flux_charge << ','
              << p.max_emitting_field << ',' << p.emitted_current << ','
              << p.galerkin_charge << ',' << p.charging_current << ','
              << (p.thermionically_limited ? 1 : 0) << ','
              << (cap_residuals.empty() ?
                    std::numeric_limits<double>::quiet_NaN() :
                    cap_residuals[i])
              << '\n';
        }
      output.write_table("particles.csv", csv.str());
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::write_profile_csv(double &max_abs_potential)
    {
      TimerOutput::Scope scope(timer, "output");
      // The line along the anode normal: through the particle closest to
      // the patch centre (particles), or at the evaluation position across
      // the spot (continuum).
      const ProfileLine line =
        particle_model ? particle_profile_line() : continuum_profile_line();
      const Point<dim> &base    = line.base;
      const double      z_start = line.z_start, z_end = line.z_end;

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
            // Inside a conductor: its potential, no field.
            potential[k] = std::numeric_limits<double>::quiet_NaN();
            field[k]     = std::numeric_limits<double>::quiet_NaN();
            if constexpr (particle_model)
              {
                const unsigned int i =
                  particle_containing(Point<3>(base[0], base[1], z[k]), 1e-6);
                if (i != numbers::invalid_unsigned_int)
                  {
                    inside[k]    = i;
                    potential[k] = particles[i].potential;
                    field[k]     = 0.;
                  }
              }
          }

      // The extremes of the potential are at nodes (conductors, anode) or
      // inside the space charge; the nodal maximum is what VTU shows.
      double local_max = 0;
      for (const auto k : locally_owned_dofs)
        local_max = std::max(local_max, std::abs(double(solution(k))));
      max_abs_potential = Utilities::MPI::max(local_max, communicator);

      // (Rank 0's table; every rank learns if writing it fails.)
      std::ostringstream csv;
      csv << std::setprecision(17);
      csv << "x_m,y_m,z_m,potential_V,electric_field_magnitude_V_per_m,"
             "inside_particle\n";
      for (unsigned int k = 0; k < n; ++k)
        csv << base[0] << ',' << (dim == 3 ? base[1] : 0.) << ',' << z[k] << ','
            << potential[k] << ',' << field[k] << ',' << inside[k] << '\n';
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


    // The lateral mean of the potential over the periodic cell, in the
    // vacuum and inside the conductors (at their potentials):
    //   <phi>(z) = 1/A int_cell phi(x, y, z) dx dy.
    // Averaging -eps0 lap phi = rho over the cell removes the lateral
    // derivatives (periodic), so <phi> obeys the 1D Poisson equation
    // -eps0 <phi>'' = <rho>, with <rho> the plane-averaged charge (the
    // particles' surface charge): linear below and above the stream,
    // with the slope jump -sigma/eps0, sigma the charge per cell area
    // (doc/stream-potential.md, "Periodic cell"). Midpoint rule on a
    // lateral grid of spacing <= r_p / 4 (spectrally accurate where phi
    // is smooth and periodic in the plane, i.e. off the stream).
    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::write_plane_average_csv()
    {
      if constexpr (particle_model)
        {
          TimerOutput::Scope               scope(timer, "output");
          const internal::PlaneAverageGrid grid(
            periodic_cell,
            parameters.layout.particle_radius,
            parameters.profile_points,
            domain_top);
          std::vector<double> sum(grid.size(), 0.), found(grid.size(), 0.);
          std::vector<types::global_dof_index> cell_dofs(fe.n_dofs_per_cell());
          std::vector<double>      cell_values(fe.n_dofs_per_cell());
          std::vector<Point<3>>    units;
          std::vector<std::size_t> hits;
          for (const auto &cell : dof_handler.active_cell_iterators())
            if (cell->is_locally_owned())
              {
                internal::grid_points_in_cell(cell, mapping, grid, units, hits);
                if (units.empty())
                  continue;
                // phi(x) = sum_j phi_j N_j(unit): the shape functions at
                // the unit point need no mapping data (an FEValues per cell
                // and point set would build them, at 10 times the cost).
                cell->get_dof_indices(cell_dofs);
                for (unsigned int j = 0; j < cell_dofs.size(); ++j)
                  cell_values[j] = ghosted_solution(cell_dofs[j]);
                for (unsigned int q = 0; q < units.size(); ++q)
                  {
                    double phi = 0;
                    for (unsigned int j = 0; j < cell_dofs.size(); ++j)
                      phi += cell_values[j] * fe.shape_value(j, units[q]);
                    sum[hits[q]] += phi;
                    found[hits[q]] += 1;
                  }
              }
          // A point on a face shared by two cells (or ranks) is found by
          // both: average.
          internal::all_sum(sum, communicator);
          internal::all_sum(found, communicator);
          // (Every rank has the sums; rank 0's table is written, and every
          // rank learns if that fails.)
          output.write_table("plane_average.csv",
                             plane_average_table(grid, sum, found));
        }
    }


    template <int dim, typename LA>
    std::string
    StreamPotential<dim, LA>::plane_average_table(
      const internal::PlaneAverageGrid &grid,
      const std::vector<double>        &sum,
      const std::vector<double>        &found) const
    {
      // Each plane's mean over the points located in a cell (their
      // potential) or in a particle (its potential).
      std::ostringstream csv;
      csv << std::setprecision(17);
      csv << "z_m,mean_potential_V,vacuum_fraction,unlocated_points\n";
      const double n_plane = double(grid.n_lateral[0]) * grid.n_lateral[1];
      for (unsigned int k = 0; k < grid.n_planes; ++k)
        {
          double       mean = 0, vacuum = 0;
          unsigned int unlocated = 0;
          for (unsigned int j = 0; j < grid.n_lateral[1]; ++j)
            for (unsigned int i = 0; i < grid.n_lateral[0]; ++i)
              {
                const std::size_t m = grid.index(i, j, k);
                if (found[m] > 0)
                  {
                    mean += sum[m] / found[m];
                    vacuum += 1;
                    continue;
                  }
                // Inside a conductor, or in the sliver between a
                // particle's curved cells and its exact sphere.
                const unsigned int p =
                  particle_containing(grid.point(i, j, k), 1e-2);
                if (p != numbers::invalid_unsigned_int)
                  mean += particles[p].potential;
                else
                  ++unlocated;
              }
          const double located = n_plane - unlocated;
          csv << k * grid.dz << ',' << (located > 0 ? mean / located : 0.)
              << ',' << vacuum / n_plane << ',' << unlocated << '\n';
        }
      return csv.str();
    }


    template <int dim, typename LA>
    nlohmann::json
    StreamPotential<dim, LA>::write_summary(const double max_abs_potential)
    {
      nlohmann::json summary;
      summary["solver"]      = "stream-potential";
      summary["model"]       = particle_model ? "particles" : "continuum";
      summary["converged"]   = converged;
      summary["n_particles"] = particles.size();
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
      if (periodic())
        {
          // The lateral extent of the periodic cell and the charge per
          // unit area of the infinite stream it stands for.
          const Tensor<1, 2> period = periodic_cell.high - periodic_cell.low;
          double             charge = 0;
          for (const auto &p : particles)
            charge += p.charge;
          summary["periodic_cell_m"]       = {periodic_cell.low[0],
                                              periodic_cell.low[1],
                                              periodic_cell.high[0],
                                              periodic_cell.high[1]};
          summary["areal_charge_C_per_m2"] = charge / (period[0] * period[1]);
          summary["domain_top_m"]          = domain_top;
        }
      if (parameters.uses_beam())
        {
          // q_uP at this tube voltage (interpolated in a table if given).
          summary["tube_voltage_V"] = parameters.beam.tube_voltage;
          summary["net_charge_per_primary"] =
            parameters.beam.net_charge_per_primary;
        }

      if (particle_model)
        summarize_particles(summary);
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
    StreamPotential<dim, LA>::report_results(const nlohmann::json &summary)
    {
      // The figures a user looks for first, from summary.json's entries.
      auto &log = output.log();
      log << "Result: ";
      if constexpr (particle_model)
        {
          log << summary["n_particles"].get<unsigned int>() << " particles at "
              << summary["min_particle_potential_V"].get<double>() / 1e3
              << " to "
              << summary["max_particle_potential_V"].get<double>() / 1e3
              << " kV, total charge " << summary["total_charge_C"].get<double>()
              << " C, peak surface field "
              << summary["max_surface_field_V_per_m"].get<double>() << " V/m";
          if (parameters.charging_model == ChargingModel::field_emission_cap ||
              parameters.charging_model == ChargingModel::current_balance)
            log << ", " << summary["n_limited"].get<unsigned int>()
                << " limited below the beam charge";
        }
      else
        log << "largest |potential| "
            << summary["max_abs_potential_V"].get<double>() / 1e3 << " kV";
      log << std::endl
          << "Results in " << parameters.output_directory
          << " (summary.json, profile.csv"
          << (parameters.write_fields ? ", solution.pvd" : "")
          << (particle_model ? ", particles.csv" : "")
          << (summary.contains("periodic_cell_m") ? ", plane_average.csv" : "")
          << "; " << summary["wall_time_s"].get<double>() << " s)" << std::endl;
    }
  } // namespace stream_potential
} // namespace xray

#endif

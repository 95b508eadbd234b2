// StreamPotential<dim, LA>, the 3D particle model: the particles of the
// patch or periodic cell, their first charges, their mesh, the guard
// electrodes, which charging model sets their charges, and what only the
// particle model writes and reports (particles.csv, the periodic cell's
// plane averages, its entries of summary.json and its result line).
//
// The class is compiled for both dimensions, so these functions exist in
// the 2D continuum class too, where the model hooks never call them.
#ifndef XRAY_STREAM_POTENTIAL_PARTICLES_TEMPLATES_H
#define XRAY_STREAM_POTENTIAL_PARTICLES_TEMPLATES_H

#include "stream_potential/stream_potential_internal.h"

#include <deal.II/base/function.h>
#include <deal.II/fe/mapping.h>
#include <deal.II/numerics/vector_tools.h>

#include <boost/math/constants/constants.hpp>

#include <algorithm>
#include <array>
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
    bool
    StreamPotential<dim, LA>::periodic() const
    {
      return particle_model && parameters.model == Model::particles &&
             parameters.layout.shape == meshes::PatchShape::periodic_cell;
    }


    template <int dim, typename LA>
    bool
    StreamPotential<dim, LA>::has_guard_electrodes() const
    {
      return particle_model && parameters.guard_electrodes;
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::make_particle_mesh(
      parallel::fullydistributed::Triangulation<3> &mesh)
    {
      // The particles first: the mesh has a hole for each.
      setup_particles();
      meshes::StreamDomain domain;
      for (const auto &p : particles)
        domain.particles.push_back(p.geometry);
      domain.enclosure_shape     = parameters.enclosure_shape;
      domain.enclosure_size      = parameters.enclosure_size;
      domain.lateral_guard_walls = parameters.guard_electrodes;
      domain.periodic            = periodic();
      domain.cell                = periodic_cell;
      meshes::check_domain(domain);
      meshes::make_stream_mesh(mesh, domain, parameters.mesh_sizes, &timer);

      double top = 0;
      for (const auto &p : particles)
        top = std::max(top, p.geometry.center[2] + p.geometry.radius);
      domain_top = top + parameters.enclosure_size;
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::setup_particles()
    {
      std::vector<meshes::Particle> geometry =
        meshes::make_particle_stream(parameters.layout);
      if (periodic())
        periodic_cell =
          meshes::make_periodic_cell(geometry, parameters.layout.lattice_pitch);
      if (parameters.enclosure_shape == meshes::EnclosureShape::sphere)
        centre_particles(geometry);

      // The patch is centred at the evaluation position across the spot:
      // each particle has flown x_spot + (x - x_centre) into it. The
      // periodic cell is the stream at x_spot, locally uniform: every
      // particle has flown x_spot.
      double x_centre = 0;
      for (const auto &p : geometry)
        x_centre += p.center[0] / double(geometry.size());
      const double x_spot =
        parameters.beam.position_in_spot * parameters.beam.spot_width;

      // Prescribed potentials: one for all particles, or one each.
      const std::vector<double> &potentials = parameters.particle_potentials;
      if (parameters.charging_model == ChargingModel::prescribed_potential &&
          potentials.size() != 1 && potentials.size() != geometry.size())
        throw InputError("Charging/Particle potential lists " +
                         std::to_string(potentials.size()) + " values for " +
                         std::to_string(geometry.size()) +
                         " particles (give one value for all, or one per "
                         "particle)");

      particles.resize(geometry.size());
      for (unsigned int i = 0; i < geometry.size(); ++i)
        {
          ParticleState &particle = particles[i];
          particle.geometry       = geometry[i];
          particle.beam_charge    = parameters.beam.deposited_charge(
            geometry[i].radius,
            x_spot + (periodic() ? 0. : geometry[i].center[0] - x_centre));
          set_first_charge(particle, i);
        }
      compute_layer_heights();
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::centre_particles(
      std::vector<meshes::Particle> &geometry)
    {
      // The sphere enclosure is centred on the origin, so the particles'
      // bounding box (of their centres) is moved there.
      Point<3> low = geometry[0].center, high = low;
      for (const auto &p : geometry)
        for (unsigned int d = 0; d < 3; ++d)
          {
            low[d]  = std::min(low[d], p.center[d]);
            high[d] = std::max(high[d], p.center[d]);
          }
      const Tensor<1, 3> shift = -0.5 * (low + high);
      for (auto &p : geometry)
        p.center += shift;
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::set_first_charge(ParticleState     &particle,
                                               const unsigned int i) const
    {
      const std::vector<double> &potentials = parameters.particle_potentials;
      const double               r          = particle.geometry.radius;
      switch (parameters.charging_model)
        {
          case ChargingModel::prescribed_charge:
            particle.charge = parameters.particle_charge;
            break;
          case ChargingModel::prescribed_potential:
            particle.potential = potentials[potentials.size() == 1 ? 0 : i];
            break;
          case ChargingModel::beam:
            particle.charge = particle.beam_charge;
            break;
          case ChargingModel::field_emission_cap:
          case ChargingModel::current_balance:
            {
              // Start from the isolated sphere at the field limit,
              // Q = 4 pi eps0 r^2 E_lim: the self-field dominates, so
              // the iteration starts close to its answer.
              const double pi = boost::math::constants::pi<double>();
              const double isolated_limit =
                4 * pi * vacuum_permittivity * r * r * parameters.field_limit;
              particle.charge =
                particle.beam_charge < 0 ?
                  -std::min(-particle.beam_charge, isolated_limit) :
                  particle.beam_charge;
              break;
            }
        }
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::compute_layer_heights()
    {
      // Guard electrodes follow each layer's mean height and potential.
      const unsigned int n_layers = parameters.layout.n_layers;
      layer_heights.assign(n_layers, 0.);
      layer_potentials.assign(n_layers, 0.);
      std::vector<unsigned int> count(n_layers, 0);
      for (const auto &p : particles)
        {
          layer_heights[p.geometry.layer] += p.geometry.center[2];
          ++count[p.geometry.layer];
        }
      for (unsigned int l = 0; l < n_layers; ++l)
        layer_heights[l] /= std::max(count[l], 1u);
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::constrain_guard_electrodes(
      AffineConstraints<double> &target,
      const double               anode_potential,
      const std::vector<double> &guard_layer_potentials) const
    {
      // Without guard electrodes the lateral walls are the grounded
      // enclosure's (boundary id enclosure).
      if (!has_guard_electrodes())
        return;
      VectorTools::interpolate_boundary_values(
        mapping,
        dof_handler,
        meshes::stream_boundary::guard_wall,
        ScalarFunctionFromFunctionObject<dim>([&](const Point<dim> &p) {
          return guard_potential(p[dim - 1],
                                 anode_potential,
                                 guard_layer_potentials);
        }),
        target);
    }


    template <int dim, typename LA>
    double
    StreamPotential<dim, LA>::guard_potential(
      const double               z,
      const double               anode_potential,
      const std::vector<double> &layer_values) const
    {
      // Piecewise linear through (0, U_anode), (z_l, mean V of layer l),
      // (top, 0): the potential of a laterally infinite stream.
      std::vector<std::pair<double, double>> nodes;
      nodes.emplace_back(0., anode_potential);
      for (unsigned int l = 0; l < layer_heights.size(); ++l)
        nodes.emplace_back(layer_heights[l], layer_values[l]);
      nodes.emplace_back(domain_top, 0.);
      std::sort(nodes.begin(), nodes.end());
      for (unsigned int k = 1; k < nodes.size(); ++k)
        if (z <= nodes[k].first)
          {
            const double t =
              (z - nodes[k - 1].first) / (nodes[k].first - nodes[k - 1].first);
            return (1 - t) * nodes[k - 1].second + t * nodes[k].second;
          }
      return 0.;
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::solve_particle_charges()
    {
      // The emission-limited models find the charges by Newton iterations;
      // prescribed charges or potentials and beam charging need one solve
      // (more with guard electrodes).
      if (parameters.charging_model == ChargingModel::field_emission_cap)
        solve_field_emission_cap();
      else if (parameters.charging_model == ChargingModel::current_balance)
        solve_current_balance();
      else
        solve_charge_fixed_point();
    }


    template <int dim, typename LA>
    unsigned int
    StreamPotential<dim, LA>::particle_containing(
      const Point<3> &p,
      const double    relative_margin) const
    {
      for (unsigned int i = 0; i < particles.size(); ++i)
        {
          Tensor<1, 3> d = p - particles[i].geometry.center;
          // In a periodic cell: to the nearest image.
          if (periodic())
            for (unsigned int a = 0; a < 2; ++a)
              {
                const double L = periodic_cell.high[a] - periodic_cell.low[a];
                d[a] -= L * std::round(d[a] / L);
              }
          if (d.norm() <= particles[i].geometry.radius * (1 + relative_margin))
            return i;
        }
      return numbers::invalid_unsigned_int;
    }


    template <int dim, typename LA>
    typename StreamPotential<dim, LA>::ProfileLine
    StreamPotential<dim, LA>::particle_profile_line() const
    {
      // Through the particle closest to the patch centre, from the anode
      // to the top (or across the sphere enclosure).
      ProfileLine line;
      line.z_start = 0;
      line.z_end   = domain_top;
      Point<3> centre;
      for (const auto &p : particles)
        centre += p.geometry.center / double(particles.size());
      unsigned int closest = 0;
      double       best    = std::numeric_limits<double>::max();
      for (unsigned int i = 0; i < particles.size(); ++i)
        {
          const Point<3> &c = particles[i].geometry.center;
          const double    d = std::hypot(c[0] - centre[0], c[1] - centre[1]);
          if (d < best - 1e-12 * particles[i].geometry.radius)
            best = d, closest = i;
        }
      line.base[0] = particles[closest].geometry.center[0];
      line.base[1] = particles[closest].geometry.center[1];
      if (parameters.enclosure_shape == meshes::EnclosureShape::sphere)
        line.z_start = -parameters.enclosure_size,
        line.z_end   = parameters.enclosure_size;
      return line;
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::write_particle_tables()
    {
      // Beside profile.csv: the plane averages of a periodic cell, and
      // every particle's charge, potential and fields.
      if (periodic())
        write_plane_average_csv();
      write_particles_csv();
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
      // (The sampling grid is 3D: compiled in the particle model only.)
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
    void
    StreamPotential<dim, LA>::summarize_particles(nlohmann::json &summary) const
    {
      // The particle model's entries of summary.json: charges, fields and
      // potentials over all particles, and the charging model's work.
      summary["model"] = "particles";
      if (periodic())
        summarize_periodic_cell(summary);
      double total = 0, max_field = 0, max_emitting = 0, flux_error = 0,
             galerkin_error = 0, min_potential = 0, max_potential = 0;
      unsigned int n_limited = 0, n_thermionically_limited = 0;
      double       largest_charge = 0;
      min_potential = max_potential = particles[0].potential;
      for (const auto &p : particles)
        {
          total += p.charge;
          max_field    = std::max(max_field, p.max_surface_field);
          max_emitting = std::max(max_emitting, p.max_emitting_field);
          flux_error = std::max(flux_error, std::abs(p.flux_charge - p.charge));
          galerkin_error =
            std::max(galerkin_error, std::abs(p.galerkin_charge - p.charge));
          largest_charge = std::max(largest_charge, std::abs(p.charge));
          min_potential  = std::min(min_potential, p.potential);
          max_potential  = std::max(max_potential, p.potential);
          n_limited += p.limited;
          n_thermionically_limited += p.thermionically_limited;
        }
      summary["total_charge_C"]             = total;
      summary["max_surface_field_V_per_m"]  = max_field;
      summary["max_emitting_field_V_per_m"] = max_emitting;
      summary["n_limited"]                  = n_limited;
      if (parameters.charging_model == ChargingModel::current_balance)
        {
          // Particles whose zero-field thermionic current alone exceeds
          // the charging current (balanced in a retarding field), and
          // each one's charging current and status.
          summary["n_thermionically_limited"] = n_thermionically_limited;
          nlohmann::json status               = nlohmann::json::array();
          for (const auto &p : particles)
            status.push_back(!p.limited ? "beam charge" :
                             p.thermionically_limited ?
                                          "thermionically limited" :
                                          "emission limited");
          summary["particle_status"] = status;
        }
      summary["min_particle_potential_V"] = min_potential;
      summary["max_particle_potential_V"] = max_potential;
      // Relative to the largest charge: a particle near zero charge
      // (possible under the field-emission cap) has no relative error.
      summary["max_flux_charge_relative_difference"] =
        largest_charge > 0 ? flux_error / largest_charge : 0.;
      // Floating conductors: the imposed charge against the residual
      // of the solved system (solver tolerance, not discretisation).
      summary["max_galerkin_charge_relative_difference"] =
        largest_charge > 0 ? galerkin_error / largest_charge : 0.;
      if (!gmres_iterations.empty())
        {
          summary["gmres_iterations"]       = gmres_iterations;
          summary["recycled_directions"]    = recycled_directions;
          summary["response_solves"]        = response_solves;
          summary["response_cg_iterations"] = response_cg_iterations;
        }
      if (parameters.uses_beam())
        {
          summary["beam_current_density_A_per_m2"] =
            parameters.beam.current_density();
          summary["beam_charge_C"] = particles[0].beam_charge;
        }
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::summarize_periodic_cell(
      nlohmann::json &summary) const
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


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::report_particle_result(
      const nlohmann::json &summary)
    {
      // The particles' potentials, their total charge, the peak field, and
      // how many particles field emission holds below their beam charge.
      auto &log = output.log();
      log << summary["n_particles"].get<unsigned int>() << " particles at "
          << summary["min_particle_potential_V"].get<double>() / 1e3 << " to "
          << summary["max_particle_potential_V"].get<double>() / 1e3
          << " kV, total charge " << summary["total_charge_C"].get<double>()
          << " C, peak surface field "
          << summary["max_surface_field_V_per_m"].get<double>() << " V/m";
      if (parameters.charging_model == ChargingModel::field_emission_cap ||
          parameters.charging_model == ChargingModel::current_balance)
        log << ", " << summary["n_limited"].get<unsigned int>()
            << " limited below the beam charge";
    }
  } // namespace stream_potential
} // namespace xray

#endif

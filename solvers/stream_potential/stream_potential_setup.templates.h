// StreamPotential<dim, LA>: the mesh (each model makes its own), the
// degrees of freedom and the constraints: floating conductors, boundary
// potentials (the lateral walls are the model's) and the periodic cell
// (doc/stream-potential.md).
#ifndef XRAY_STREAM_POTENTIAL_SETUP_TEMPLATES_H
#define XRAY_STREAM_POTENTIAL_SETUP_TEMPLATES_H

#include "stream_potential/stream_potential_internal.h"

#include <deal.II/base/function.h>
#include <deal.II/dofs/dof_tools.h>
#include <deal.II/fe/fe_values.h>
#include <deal.II/lac/dynamic_sparsity_pattern.h>
#include <deal.II/lac/sparsity_tools.h>
#include <deal.II/numerics/vector_tools.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>

namespace xray
{
  namespace stream_potential
  {
    template <int dim, typename LA>
    StreamPotential<dim, LA>::StreamPotential(const Parameters &parameters,
                                              RunOutput        &output)
      : parameters(parameters)
      , output(output)
      , communicator(MPI_COMM_WORLD)
      // A timer without communicator: one with it would print a warning
      // when an error unwinds the stack, and errors must be one line.
      , timer(output.log(), TimerOutput::never, TimerOutput::wall_times)
      , triangulation(communicator)
      , fe(parameters.fe_degree)
      , mapping(FE_SimplexP<dim>(parameters.mapping_degree))
      , quadrature(parameters.fe_degree + 1)
      , face_quadrature(parameters.fe_degree + 1)
      , dof_handler(triangulation)
    {}


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::make_grid()
    {
      TimerOutput::Scope scope(timer, "mesh");
      // Each model meshes its own domain and sets its top: the particles
      // as holes in a box, a sphere or the periodic cell (3D), or the
      // slab's cross-section (2D).
      if constexpr (particle_model)
        make_particle_mesh(triangulation);
      else
        make_continuum_mesh(triangulation);
      output.log() << "Mesh: " << triangulation.n_global_active_cells()
                   << (dim == 3 ? " tetrahedra" : " triangles") << ", "
                   << particles.size() << " particles" << std::endl;
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::find_particle_surface_dofs()
    {
      const unsigned int n_particles = particles.size();
      surface_dofs.assign(n_particles, {});
      surface_patches.clear();
      std::vector<types::global_dof_index> face_dofs;
      for (const auto &cell : dof_handler.active_cell_iterators())
        if (!cell->is_artificial())
          for (const unsigned int f : cell->face_indices())
            if (cell->at_boundary(f) &&
                cell->face(f)->boundary_id() >=
                  meshes::stream_boundary::first_particle)
              {
                const auto         face = cell->face(f);
                const unsigned int i =
                  face->boundary_id() - meshes::stream_boundary::first_particle;
                AssertIndexRange(i, n_particles);
                face_dofs.resize(fe.n_dofs_per_face(f));
                face->get_dof_indices(face_dofs);
                surface_dofs[i].insert(surface_dofs[i].end(),
                                       face_dofs.begin(),
                                       face_dofs.end());
                // The recovery patches: the owner of a vertex dof owns a
                // cell at it, so its ghost layer holds every face around it.
                for (unsigned int v = 0; v < face->n_vertices(); ++v)
                  if (locally_owned_dofs.is_element(
                        face->vertex_dof_index(v, 0)))
                    for (unsigned int w = 0; w < face->n_vertices(); ++w)
                      surface_patches[face->vertex_dof_index(v, 0)].push_back(
                        face->vertex_dof_index(w, 0));
              }
      for (auto &[vertex, patch] : surface_patches)
        {
          std::sort(patch.begin(), patch.end());
          patch.erase(std::unique(patch.begin(), patch.end()), patch.end());
        }

      // The master of each particle is the smallest dof index on its
      // surface over all ranks: every rank that sees a surface dof then
      // writes the same constraint for it, so the constraints are
      // consistent across ranks by construction.
      master_dofs.assign(n_particles, numbers::invalid_dof_index);
      for (unsigned int i = 0; i < n_particles; ++i)
        {
          auto &dofs = surface_dofs[i];
          std::sort(dofs.begin(), dofs.end());
          dofs.erase(std::unique(dofs.begin(), dofs.end()), dofs.end());
          if (!dofs.empty())
            master_dofs[i] = dofs.front();
        }
      internal::all_min(master_dofs, communicator);
      for (unsigned int i = 0; i < n_particles; ++i)
        if (master_dofs[i] == numbers::invalid_dof_index)
          throw SolverError("particle " + std::to_string(i) +
                            " has no surface in the mesh");
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::find_periodic_dof_pairs()
    {
      // Lateral periodicity phi(x + L_x e_x) = phi(x), phi(x + L_y e_y) =
      // phi(x) (doc/stream-potential.md, "Periodic cell"). gmsh meshed the
      // x_high and y_high faces as translates of the x_low and y_low faces,
      // so every dof on a high face has a dof at the translated support
      // point. Each is constrained to the dof at its canonical image (x
      // taken to x_low if on x_high, y to y_low if on y_high): a dof on a
      // vertical edge or corner goes straight to the one master on the
      // (x_low, y_low) edge, and no master is itself a slave, so there are
      // no chains and no cycles. (deal.II 9.4 has no periodicity for
      // simplices, hence matching by coordinates.) Every rank contributes
      // its locally owned dofs on the lateral faces and receives all, so
      // every rank finds the same master for a slave.
      periodic_pairs.clear();
      if (!periodic())
        return;
      const Point<2> low = periodic_cell.low, high = periodic_cell.high;
      const double   tolerance =
        1e-8 * std::max(high[0] - low[0], high[1] - low[1]);

      const std::vector<std::vector<double>> all =
        Utilities::MPI::all_gather(communicator, periodic_face_dofs());

      PeriodicMasters                                           masters;
      std::vector<std::pair<types::global_dof_index, Point<3>>> slaves;
      sort_periodic_masters_and_slaves(all, tolerance, masters, slaves);
      match_periodic_slaves(masters, slaves, tolerance);
    }


    template <int dim, typename LA>
    std::vector<double>
    StreamPotential<dim, LA>::periodic_face_dofs() const
    {
      // Each locally owned dof on the lateral faces, once, as (index, x,
      // y, z, particle or -1) with its support point; the particle each
      // locally relevant surface dof belongs to is known here, as the
      // owner of a dof sees all faces around it (ghost cells share a
      // vertex with owned ones).
      const Quadrature<dim> support_points(fe.get_unit_support_points());
      FEValues<dim>         values(mapping,
                           fe,
                           support_points,
                           update_quadrature_points);
      std::vector<types::global_dof_index> cell_dofs(fe.n_dofs_per_cell());
      std::vector<types::global_dof_index> face_dofs;
      std::map<types::global_dof_index, unsigned int> particle_of_dof;
      for (unsigned int i = 0; i < surface_dofs.size(); ++i)
        for (const types::global_dof_index k : surface_dofs[i])
          particle_of_dof[k] = i;
      std::vector<double>
               local; // (index, x, y, z, particle or -1) per owned dof
      IndexSet listed(dof_handler.n_dofs());
      for (const auto &cell : dof_handler.active_cell_iterators())
        if (!cell->is_artificial())
          for (const unsigned int f : cell->face_indices())
            if (cell->at_boundary(f) && cell->face(f)->boundary_id() ==
                                          meshes::stream_boundary::periodic)
              {
                values.reinit(cell);
                cell->get_dof_indices(cell_dofs);
                face_dofs.resize(fe.n_dofs_per_face(f));
                cell->face(f)->get_dof_indices(face_dofs);
                for (const types::global_dof_index k : face_dofs)
                  if (locally_owned_dofs.is_element(k) && !listed.is_element(k))
                    {
                      listed.add_index(k);
                      const unsigned int i =
                        std::find(cell_dofs.begin(), cell_dofs.end(), k) -
                        cell_dofs.begin();
                      const Point<dim> &x        = values.quadrature_point(i);
                      const auto        particle = particle_of_dof.find(k);
                      local.insert(local.end(),
                                   {double(k),
                                    x[0],
                                    x[1],
                                    x[dim - 1],
                                    particle == particle_of_dof.end() ?
                                      -1. :
                                      double(particle->second)});
                    }
              }
      return local;
    }


    template <int dim, typename LA>
    typename StreamPotential<dim, LA>::PeriodicKey
    StreamPotential<dim, LA>::periodic_key(const Point<3> &x,
                                           const double    tolerance)
    {
      // Positions quantised to the matching tolerance.
      return PeriodicKey{{std::llround(x[0] / tolerance),
                          std::llround(x[1] / tolerance),
                          std::llround(x[2] / tolerance)}};
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::sort_periodic_masters_and_slaves(
      const std::vector<std::vector<double>>                    &all,
      const double                                               tolerance,
      PeriodicMasters                                           &masters,
      std::vector<std::pair<types::global_dof_index, Point<3>>> &slaves)
    {
      // Every rank resolves the constraints to their final masters from
      // the same global data, so that no rank needs to know a chain it
      // cannot see: a dof on a particle (a cut particle's circle) goes to
      // the particle's master, a slave whose translate is on a particle
      // too; dofs on the anode and the top keep their boundary values.
      const Point<2> low = periodic_cell.low, high = periodic_cell.high;
      const auto     on = [&](const double x, const double plane) {
        return std::abs(x - plane) <= tolerance;
      };
      for (const auto &rank_data : all)
        for (std::size_t j = 0; j < rank_data.size(); j += 5)
          {
            const auto k = types::global_dof_index(rank_data[j]);
            Point<3>   x(rank_data[j + 1], rank_data[j + 2], rank_data[j + 3]);
            const int  particle = static_cast<int>(rank_data[j + 4]);
            if (on(x[2], 0.) || on(x[2], domain_top))
              continue;
            if (particle >= 0)
              {
                // Constrained to its particle's master by make_constraints()
                // on every rank that sees the particle; here for the others.
                if (k != master_dofs[particle] &&
                    locally_relevant_dofs.is_element(k))
                  periodic_pairs.emplace_back(k, master_dofs[particle]);
                if (!(on(x[0], high[0]) || on(x[1], high[1])))
                  masters.emplace(periodic_key(x, tolerance),
                                  std::make_pair(master_dofs[particle],
                                                 particle));
                continue;
              }
            if (on(x[0], high[0]) || on(x[1], high[1]))
              {
                // The canonical image on the low faces.
                if (on(x[0], high[0]))
                  x[0] = low[0];
                if (on(x[1], high[1]))
                  x[1] = low[1];
                slaves.emplace_back(k, x);
              }
            else
              masters.emplace(periodic_key(x, tolerance),
                              std::make_pair(k, -1));
          }
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::match_periodic_slaves(
      const PeriodicMasters                                           &masters,
      const std::vector<std::pair<types::global_dof_index, Point<3>>> &slaves,
      const double tolerance)
    {
      // The master of each slave is the one in the quantisation cell of its
      // image or a neighbouring cell (a point within the tolerance may round
      // either way).
      for (const auto &[slave, image] : slaves)
        {
          types::global_dof_index master = numbers::invalid_dof_index;
          const PeriodicKey       centre = periodic_key(image, tolerance);
          for (long long a = -1; a <= 1; ++a)
            for (long long b = -1; b <= 1; ++b)
              for (long long c = -1; c <= 1; ++c)
                {
                  const auto it = masters.find(
                    PeriodicKey{{centre[0] + a, centre[1] + b, centre[2] + c}});
                  if (it != masters.end())
                    master = it->second.first;
                }
          if (master == numbers::invalid_dof_index)
            throw SolverError("the periodic cell's faces do not match: no "
                              "degree of freedom at (" +
                              Utilities::to_string(image[0]) + ", " +
                              Utilities::to_string(image[1]) + ", " +
                              Utilities::to_string(image[2]) +
                              ") m for the translate on the opposite face");
          if (locally_relevant_dofs.is_element(slave))
            periodic_pairs.emplace_back(slave, master);
        }
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::constrain_lateral_walls(
      AffineConstraints<double> &target,
      const double               anode_potential,
      const std::vector<double> &guard_layer_potentials) const
    {
      // The lateral walls (boundary id guard_wall) are the model's: the
      // guard electrodes of a finite patch of particles, or the grounded
      // (or insulating) walls of the continuum section.
      if constexpr (particle_model)
        constrain_guard_electrodes(target,
                                   anode_potential,
                                   guard_layer_potentials);
      else
        constrain_grounded_walls(target);
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::make_constraints(
      AffineConstraints<double> &target,
      const double               anode_potential,
      const std::vector<double> &guard_layer_potentials,
      const bool                 homogeneous) const
    {
      namespace id = meshes::stream_boundary;
      target.clear();
      target.reinit(locally_relevant_dofs);

      VectorTools::interpolate_boundary_values(mapping,
                                               dof_handler,
                                               id::anode,
                                               Functions::ConstantFunction<dim>(
                                                 anode_potential),
                                               target);
      VectorTools::interpolate_boundary_values(mapping,
                                               dof_handler,
                                               id::enclosure,
                                               Functions::ZeroFunction<dim>(),
                                               target);
      constrain_lateral_walls(target, anode_potential, guard_layer_potentials);

      // Floating conductors: phi_k = phi_master on particle i's surface;
      // or phi_k = V for a prescribed potential (0 if homogeneous).
      const bool fixed_potential =
        parameters.charging_model == ChargingModel::prescribed_potential;
      for (unsigned int i = 0; i < particles.size(); ++i)
        for (const types::global_dof_index k : surface_dofs[i])
          {
            if (target.is_constrained(k))
              continue;
            if (fixed_potential)
              {
                target.add_line(k);
                target.set_inhomogeneity(k,
                                         homogeneous ? 0. :
                                                       particles[i].potential);
              }
            else if (k != master_dofs[i])
              {
                target.add_line(k);
                target.add_entry(k, master_dofs[i], 1.);
              }
          }

      // Periodic cell: phi_slave = phi_master (the translate). Dofs already
      // constrained (anode, top, a particle cut by the face, whose image's
      // dof is constrained to the same particle master) keep that.
      for (const auto &[slave, master] : periodic_pairs)
        if (!target.is_constrained(slave))
          {
            target.add_line(slave);
            target.add_entry(slave, master, 1.);
          }
      target.close();
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::setup_system()
    {
      TimerOutput::Scope scope(timer, "setup");
      dof_handler.distribute_dofs(fe);
      locally_owned_dofs = dof_handler.locally_owned_dofs();
      DoFTools::extract_locally_relevant_dofs(dof_handler,
                                              locally_relevant_dofs);
      find_particle_surface_dofs();
      find_periodic_dof_pairs();
      make_constraints(constraints,
                       parameters.anode_potential,
                       layer_potentials,
                       false);
      make_constraints(homogeneous_constraints,
                       0.,
                       std::vector<double>(layer_potentials.size(), 0.),
                       true);
      if (periodic())
        {
          // The periodic constraints are built by coordinates: check that
          // every rank writes the same ones for the dofs of its cells.
          IndexSet active_dofs;
          DoFTools::extract_locally_active_dofs(dof_handler, active_dofs);
          if (!constraints.is_consistent_in_parallel(
                Utilities::MPI::all_gather(communicator, locally_owned_dofs),
                active_dofs,
                communicator))
            throw SolverError("the periodic constraints differ between MPI "
                              "ranks (internal error)");
        }

      // Condensing a surface dof onto its particle's master writes into the
      // master's row, which a rank may not otherwise see: the pattern keeps
      // those rows too and sends them to their owners.
      IndexSet rows_written = locally_relevant_dofs;
      for (const types::global_dof_index master : master_dofs)
        rows_written.add_index(master);
      for (const auto &pair : periodic_pairs)
        rows_written.add_index(pair.second);
      DynamicSparsityPattern dsp(rows_written);
      DoFTools::make_sparsity_pattern(dof_handler, dsp, constraints, false);
      SparsityTools::distribute_sparsity_pattern(dsp,
                                                 locally_owned_dofs,
                                                 communicator,
                                                 rows_written);
      system_matrix.reinit(locally_owned_dofs,
                           locally_owned_dofs,
                           dsp,
                           communicator);
      system_rhs.reinit(locally_owned_dofs, communicator);
      solution.reinit(locally_owned_dofs, communicator);
      ghosted_solution.reinit(locally_owned_dofs,
                              locally_relevant_dofs,
                              communicator);
      particle_surface_dofs = IndexSet(dof_handler.n_dofs());
      for (const auto &dofs : surface_dofs)
        particle_surface_dofs.add_indices(dofs.begin(), dofs.end());
      particle_surface_dofs.compress();
      output.log() << "Degrees of freedom: " << dof_handler.n_dofs() << " (P"
                   << fe.degree << ", mapping degree "
                   << parameters.mapping_degree << ")" << std::endl;
    }
  } // namespace stream_potential
} // namespace xray

#endif

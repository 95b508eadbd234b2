// Implementation of StreamPotential<dim, LA>; instantiated in
// stream_potential_2d.cc (continuum) and stream_potential_3d.cc (particles).
#ifndef XRAY_STREAM_POTENTIAL_TEMPLATES_H
#define XRAY_STREAM_POTENTIAL_TEMPLATES_H

#include "common/command_line.h"
#include "stream_potential/stream_potential.h"

#include <deal.II/base/function.h>
#include <deal.II/base/mpi.templates.h>
#include <deal.II/base/utilities.h>
#include <deal.II/dofs/dof_tools.h>
#include <deal.II/fe/fe_values.h>
#include <deal.II/grid/grid_tools.h>
#include <deal.II/lac/dynamic_sparsity_pattern.h>
#include <deal.II/lac/solver_cg.h>
#include <deal.II/lac/solver_control.h>
#include <deal.II/lac/solver_gmres.h>
#include <deal.II/lac/sparsity_tools.h>
#include <deal.II/numerics/data_out.h>
#include <deal.II/numerics/data_postprocessor.h>
#include <deal.II/numerics/vector_tools.h>

#include <boost/math/constants/constants.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <limits>
#include <deque>
#include <functional>
#include <map>
#include <numeric>
#include <optional>

namespace xray
{
  namespace stream_potential
  {
    /// Vacuum permittivity, F/m (CODATA 2018).
    constexpr double vacuum_permittivity = 8.8541878128e-12;

    namespace internal
    {
      /// Element-wise reductions of a vector over all ranks, in place.
      template <typename T>
      void
      all_min(std::vector<T> &values, const MPI_Comm communicator)
      {
        Utilities::MPI::min(ArrayView<const T>(values), communicator,
                            ArrayView<T>(values));
      }
      template <typename T>
      void
      all_max(std::vector<T> &values, const MPI_Comm communicator)
      {
        Utilities::MPI::max(ArrayView<const T>(values), communicator,
                            ArrayView<T>(values));
      }
      template <typename T>
      void
      all_sum(std::vector<T> &values, const MPI_Comm communicator)
      {
        Utilities::MPI::sum(ArrayView<const T>(values), communicator,
                            ArrayView<T>(values));
      }

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

      /// The linear hat function of each vertex v of a simplex in the
      /// basis of @p fe: psi_v = sum_j lambda_v(x_j) phi_j, the barycentric
      /// coordinate interpolated at the support points (exact for P >= 1).
      template <int dim>
      FullMatrix<double>
      vertex_hat_functions(const FiniteElement<dim> &fe)
      {
        FullMatrix<double> hat(dim + 1, fe.n_dofs_per_cell());
        for (unsigned int j = 0; j < fe.n_dofs_per_cell(); ++j)
          {
            const Point<dim> &x   = fe.get_unit_support_points()[j];
            double            sum = 0;
            for (unsigned int d = 0; d < dim; ++d)
              hat(d + 1, j) = x[d], sum += x[d];
            hat(0, j) = 1 - sum;
          }
        return hat;
      }

      /// The generalized conjugate residual method (GCR) for the cap's
      /// Newton system J x = b: directions p_k kept with their images
      /// w_k = J p_k, the images orthonormal (modified Gram-Schmidt, two
      /// passes), so that x = sum_k (w_k . b) p_k minimises |b - J x| over
      /// the directions' span. Unlike GMRES, a direction may come from
      /// anywhere: the responses of earlier Newton steps enter as they are.
      struct ConjugateResidualSpace
      {
        std::vector<dealii::Vector<double>> directions, images;

        /// Adds (p, J p), orthogonalised against the images so far; false
        /// (and nothing added) if less than @p threshold of |J p| is new.
        bool
        add(dealii::Vector<double> p, dealii::Vector<double> w,
            const double threshold)
        {
          const double norm = w.l2_norm();
          if (!(norm > 0))
            return false;
          for (unsigned int pass = 0; pass < 2; ++pass)
            for (unsigned int k = 0; k < images.size(); ++k)
              {
                const double overlap = images[k] * w;
                w.add(-overlap, images[k]);
                p.add(-overlap, directions[k]);
              }
          const double remaining = w.l2_norm();
          if (!(remaining > threshold * norm))
            return false;
          w /= remaining;
          p /= remaining;
          directions.push_back(std::move(p));
          images.push_back(std::move(w));
          return true;
        }

        /// The newest direction's share: x += a p, r -= a w, a = w . r.
        void
        project_newest(dealii::Vector<double> &x,
                       dealii::Vector<double> &residual) const
        {
          const double share = images.back() * residual;
          x.add(share, directions.back());
          residual.add(-share, images.back());
        }
      };

      /// A dense operator on the charges of the limited particles whose
      /// product is a function (one PDE solve), for SolverGMRES (current balance).
      struct ChargeOperator
      {
        std::function<void(dealii::Vector<double> &,
                           const dealii::Vector<double> &)>
          product;
        void
        vmult(dealii::Vector<double> &dst, const dealii::Vector<double> &src) const
        {
          product(dst, src);
        }
      };

      /// Diagonal scaling dst = d .* src (GMRES preconditioner).
      struct DiagonalScaling
      {
        dealii::Vector<double> diagonal;
        void
        vmult(dealii::Vector<double> &dst, const dealii::Vector<double> &src) const
        {
          dst = src;
          dst.scale(diagonal);
        }
      };
    } // namespace internal


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


    // ------------------------------------------------------------------
    // Geometry
    // ------------------------------------------------------------------

    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::setup_particles()
    {
      std::vector<meshes::Particle> geometry =
        meshes::make_particle_stream(parameters.layout);
      if (periodic())
        periodic_cell =
          meshes::make_periodic_cell(geometry, parameters.layout.lattice_pitch);

      // The sphere enclosure is centred on the particles.
      if (parameters.enclosure_shape == meshes::EnclosureShape::sphere)
        {
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

      const double pi = boost::math::constants::pi<double>();
      particles.resize(geometry.size());
      for (unsigned int i = 0; i < geometry.size(); ++i)
        {
          ParticleState &particle = particles[i];
          particle.geometry       = geometry[i];
          const double r          = geometry[i].radius;
          particle.beam_charge    = parameters.beam.deposited_charge(
            r, x_spot + (periodic() ? 0. : geometry[i].center[0] - x_centre));

          switch (parameters.charging_model)
            {
              case ChargingModel::prescribed_charge:
                particle.charge = parameters.particle_charge;
                break;
              case ChargingModel::prescribed_potential:
                particle.potential =
                  potentials[potentials.size() == 1 ? 0 : i];
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
                  const double isolated_limit = 4 * pi * vacuum_permittivity *
                                                r * r * parameters.field_limit;
                  particle.charge =
                    particle.beam_charge < 0 ?
                      -std::min(-particle.beam_charge, isolated_limit) :
                      particle.beam_charge;
                  break;
                }
            }
        }

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
    StreamPotential<dim, LA>::make_grid()
    {
      TimerOutput::Scope scope(timer, "mesh");
      const auto        &layout = parameters.layout;
      if constexpr (dim == 3)
        {
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
          meshes::make_stream_mesh(triangulation, domain,
                                   parameters.mesh_sizes, &timer);

          double top = 0;
          for (const auto &p : particles)
            top = std::max(top, p.geometry.center[2] + p.geometry.radius);
          domain_top = top + parameters.enclosure_size;
        }
      else
        {
          const double thickness = layout.stream_thickness > 0 ?
                                     layout.stream_thickness :
                                     2 * layout.particle_radius;
          const double slab_bottom = layout.anode_gap;
          const double slab_top    = slab_bottom + thickness;
          domain_top               = slab_top + parameters.enclosure_size;
          const double half_width =
            parameters.lateral_walls_insulating ?
              parameters.slab_half_width :
              parameters.slab_half_width + parameters.enclosure_size;
          Triangulation<2> serial;
          meshes::make_slab_section(serial, half_width, domain_top,
                                    parameters.slab_half_width, slab_bottom,
                                    slab_top, parameters.continuum_cell_size);
          meshes::distribute_triangulation(serial, triangulation);
        }
      output.log() << "Mesh: " << triangulation.n_global_active_cells()
                   << (dim == 3 ? " tetrahedra" : " triangles") << ", "
                   << particles.size() << " particles" << std::endl;
    }


    // ------------------------------------------------------------------
    // Degrees of freedom, floating-conductor constraints, linear system
    // ------------------------------------------------------------------

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
                                       face_dofs.begin(), face_dofs.end());
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
    bool
    StreamPotential<dim, LA>::periodic() const
    {
      return dim == 3 && parameters.model == Model::particles &&
             parameters.layout.shape == meshes::PatchShape::periodic_cell;
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

      const Quadrature<dim> support_points(fe.get_unit_support_points());
      FEValues<dim> values(mapping, fe, support_points, update_quadrature_points);
      std::vector<types::global_dof_index> cell_dofs(fe.n_dofs_per_cell());
      std::vector<types::global_dof_index> face_dofs;
      // The particle each locally relevant surface dof belongs to: the
      // owner of a dof sees all faces around it (ghost cells share a
      // vertex with owned ones), so it knows.
      std::map<types::global_dof_index, unsigned int> particle_of_dof;
      for (unsigned int i = 0; i < surface_dofs.size(); ++i)
        for (const types::global_dof_index k : surface_dofs[i])
          particle_of_dof[k] = i;
      std::vector<double> local; // (index, x, y, z, particle or -1) per owned dof
      IndexSet            listed(dof_handler.n_dofs());
      for (const auto &cell : dof_handler.active_cell_iterators())
        if (!cell->is_artificial())
          for (const unsigned int f : cell->face_indices())
            if (cell->at_boundary(f) &&
                cell->face(f)->boundary_id() == meshes::stream_boundary::periodic)
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
                      const Point<dim> &x = values.quadrature_point(i);
                      const auto particle = particle_of_dof.find(k);
                      local.insert(local.end(),
                                   {double(k), x[0], x[1], x[dim - 1],
                                    particle == particle_of_dof.end() ?
                                      -1. :
                                      double(particle->second)});
                    }
              }
      const std::vector<std::vector<double>> all =
        Utilities::MPI::all_gather(communicator, local);

      // Masters by their position, quantised to the tolerance.
      using Key = std::array<long long, 3>;
      const auto key = [&](const Point<3> &x) {
        return Key{{std::llround(x[0] / tolerance), std::llround(x[1] / tolerance),
                    std::llround(x[2] / tolerance)}};
      };
      const auto on = [&](const double x, const double plane) {
        return std::abs(x - plane) <= tolerance;
      };
      // Every rank resolves the constraints to their final masters from
      // the same global data, so that no rank needs to know a chain it
      // cannot see: a dof on a particle (a cut particle's circle) goes to
      // the particle's master, a slave whose translate is on a particle
      // too; dofs on the anode and the top keep their boundary values.
      std::map<Key, std::pair<types::global_dof_index, int>> masters;
      std::vector<std::pair<types::global_dof_index, Point<3>>> slaves;
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
                  masters.emplace(key(x), std::make_pair(master_dofs[particle],
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
              masters.emplace(key(x), std::make_pair(k, -1));
          }
      for (const auto &[slave, image] : slaves)
        {
          types::global_dof_index master = numbers::invalid_dof_index;
          const Key               centre = key(image);
          for (long long a = -1; a <= 1; ++a)
            for (long long b = -1; b <= 1; ++b)
              for (long long c = -1; c <= 1; ++c)
                {
                  const auto it =
                    masters.find(Key{{centre[0] + a, centre[1] + b, centre[2] + c}});
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
            const double t = (z - nodes[k - 1].first) /
                             (nodes[k].first - nodes[k - 1].first);
            return (1 - t) * nodes[k - 1].second + t * nodes[k].second;
          }
      return 0.;
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

      VectorTools::interpolate_boundary_values(
        mapping, dof_handler, id::anode,
        Functions::ConstantFunction<dim>(anode_potential),
        target);
      VectorTools::interpolate_boundary_values(
        mapping, dof_handler, id::enclosure, Functions::ZeroFunction<dim>(),
        target);
      if (dim == 3 && parameters.guard_electrodes)
        VectorTools::interpolate_boundary_values(
          mapping, dof_handler, id::guard_wall,
          ScalarFunctionFromFunctionObject<dim>(
            [&](const Point<dim> &p) {
              return guard_potential(p[dim - 1], anode_potential,
                                     guard_layer_potentials);
            }),
          target);
      if (dim == 2 && !parameters.lateral_walls_insulating)
        VectorTools::interpolate_boundary_values(
          mapping, dof_handler, id::guard_wall, Functions::ZeroFunction<dim>(),
          target);

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
                target.set_inhomogeneity(k, homogeneous ? 0. :
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
      make_constraints(constraints, parameters.anode_potential,
                       layer_potentials, false);
      make_constraints(homogeneous_constraints, 0.,
                       std::vector<double>(layer_potentials.size(), 0.), true);
      if (periodic())
        {
          // The periodic constraints are built by coordinates: check that
          // every rank writes the same ones for the dofs of its cells.
          IndexSet active_dofs;
          DoFTools::extract_locally_active_dofs(dof_handler, active_dofs);
          if (!constraints.is_consistent_in_parallel(
                Utilities::MPI::all_gather(communicator, locally_owned_dofs),
                active_dofs, communicator))
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
      SparsityTools::distribute_sparsity_pattern(dsp, locally_owned_dofs,
                                                 communicator, rows_written);
      system_matrix.reinit(locally_owned_dofs, locally_owned_dofs, dsp,
                           communicator);
      system_rhs.reinit(locally_owned_dofs, communicator);
      solution.reinit(locally_owned_dofs, communicator);
      ghosted_solution.reinit(locally_owned_dofs, locally_relevant_dofs,
                              communicator);
      particle_surface_dofs = IndexSet(dof_handler.n_dofs());
      for (const auto &dofs : surface_dofs)
        particle_surface_dofs.add_indices(dofs.begin(), dofs.end());
      particle_surface_dofs.compress();
      output.log() << "Degrees of freedom: " << dof_handler.n_dofs()
                   << " (P" << fe.degree << ", mapping degree "
                   << parameters.mapping_degree << ")" << std::endl;
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::assemble_matrix()
    {
      TimerOutput::Scope scope(timer, "assembly");
      FEValues<dim>      fe_values(mapping, fe, quadrature,
                              update_gradients | update_JxW_values);
      const unsigned int dofs_per_cell = fe.n_dofs_per_cell();
      FullMatrix<double> cell_matrix(dofs_per_cell, dofs_per_cell);
      std::vector<types::global_dof_index> dof_indices(dofs_per_cell);

      system_matrix = 0;
      for (const auto &cell : dof_handler.active_cell_iterators())
        if (cell->is_locally_owned())
          {
            fe_values.reinit(cell);
            // The curved (quadratic) geometry folds a tetrahedron when a
            // surface edge bulges across a gap narrower than its sagitta.
            for (const unsigned int q : fe_values.quadrature_point_indices())
              if (!(fe_values.JxW(q) > 0))
                throw SolverError(
                  "the curved mesh folds a cell near " +
                  Utilities::to_string(cell->center()[0]) + ", " +
                  Utilities::to_string(cell->center()[1]) + ", " +
                  Utilities::to_string(cell->center()[2 % dim]) +
                  " m (particles too close for the element size): lower "
                  "Mesh/Surface element size or widen the gaps");
            cell_matrix = 0;
            // int eps0 grad phi_i . grad phi_j
            for (const unsigned int q : fe_values.quadrature_point_indices())
              for (const unsigned int i : fe_values.dof_indices())
                for (const unsigned int j : fe_values.dof_indices())
                  cell_matrix(i, j) += vacuum_permittivity *
                                       fe_values.shape_grad(i, q) *
                                       fe_values.shape_grad(j, q) *
                                       fe_values.JxW(q);
            cell->get_dof_indices(dof_indices);
            constraints.distribute_local_to_global(cell_matrix, dof_indices,
                                                   system_matrix);
          }
      system_matrix.compress(VectorOperation::add);
    }


    template <int dim, typename LA>
    std::vector<double>
    StreamPotential<dim, LA>::compute_surface_charge_density()
    {
      // Nodal surface charge density at the particle-surface vertices from
      // the consistent (variational) flux with the linear hat function
      // psi_k of vertex k, which lies in the P2 space:
      //   L_k = int_Omega eps0 grad psi_k . grad phi_h dx / int_S psi_k dA.
      // Green's formula makes the numerator int_S sigma psi_k dA (there is
      // no space charge in the particle model); the hat weights are
      // positive, so the quotient is a local average of sigma, without the
      // oscillation of P2 vertex functions (whose surface integral is 0).
      // It converges faster than eps0 dphi_h/dn evaluated on the surface,
      // but scatters from vertex to vertex on an irregular surface mesh;
      // recovered_surface_density() removes the scatter.
      //
      // Returns each particle's Galerkin charge, the sum of its vertex
      // numerators (all ranks). sum_k psi_k over the surface vertices is 1
      // on the surface, as is the sum of the particle's P2 surface basis
      // functions; their difference vanishes on every boundary, and the
      // Galerkin equations of the interior dofs (with rho = 0) make it
      // orthogonal to phi_h. So the sum is the residual of the
      // unconstrained system A phi_h - b summed over the particle's surface
      // dofs: the variationally consistent charge, whose error is the
      // square of the energy-norm error (twice the rate of the gradient
      // flux). For a floating conductor it is the master's row, i.e. the
      // imposed charge to solver tolerance.
      const unsigned int       n_vertices = dim + 1; // simplices
      const unsigned int       n_dofs     = fe.n_dofs_per_cell();
      const FullMatrix<double> hat        = internal::vertex_hat_functions(fe);

      Vector numerator(locally_owned_dofs, communicator);
      Vector area(locally_owned_dofs, communicator);
      FEValues<dim>     fe_values(mapping, fe, quadrature,
                              update_gradients | update_JxW_values);
      FEFaceValues<dim> face_values(mapping, fe, face_quadrature,
                                    update_values | update_JxW_values);
      std::vector<Tensor<1, dim>>          gradients(quadrature.size());
      std::vector<types::global_dof_index> dof_indices(n_dofs);
      std::vector<types::global_dof_index> rows;
      std::vector<double>                  values;
      for (const auto &cell : dof_handler.active_cell_iterators())
        if (cell->is_locally_owned())
          {
            cell->get_dof_indices(dof_indices);
            std::vector<unsigned int> surface_vertices;
            for (unsigned int v = 0; v < n_vertices; ++v)
              if (particle_surface_dofs.is_element(dof_indices[v]))
                surface_vertices.push_back(v); // vertex dofs come first
            if (surface_vertices.empty())
              continue;

            fe_values.reinit(cell);
            fe_values.get_function_gradients(ghosted_solution, gradients);
            rows.clear(), values.clear();
            for (const unsigned int v : surface_vertices)
              {
                double flux = 0;
                for (const unsigned int q :
                     fe_values.quadrature_point_indices())
                  for (unsigned int j = 0; j < n_dofs; ++j)
                    flux += vacuum_permittivity * hat(v, j) *
                            (fe_values.shape_grad(j, q) * gradients[q]) *
                            fe_values.JxW(q);
                rows.push_back(dof_indices[v]);
                values.push_back(flux);
              }
            numerator.add(rows, values);

            rows.clear(), values.clear();
            for (const unsigned int f : cell->face_indices())
              if (cell->at_boundary(f) &&
                  cell->face(f)->boundary_id() >=
                    meshes::stream_boundary::first_particle)
                {
                  face_values.reinit(cell, f);
                  for (const unsigned int v : surface_vertices)
                    {
                      double weight = 0;
                      for (const unsigned int q :
                           face_values.quadrature_point_indices())
                        for (unsigned int j = 0; j < n_dofs; ++j)
                          weight += hat(v, j) * face_values.shape_value(j, q) *
                                    face_values.JxW(q);
                      rows.push_back(dof_indices[v]);
                      values.push_back(weight);
                    }
                }
            area.add(rows, values);
          }
      numerator.compress(VectorOperation::add);
      area.compress(VectorOperation::add);
      vertex_areas.reinit(locally_owned_dofs,
                          locally_relevant_dofs,
                          communicator);
      vertex_areas       = area;
      const Vector sigma = recovered_surface_density(numerator);

      std::vector<double> galerkin_charge(particles.size(), 0.);
      for (unsigned int i = 0; i < particles.size(); ++i)
        for (const types::global_dof_index k : surface_dofs[i])
          if (locally_owned_dofs.is_element(k) && area(k) > 0)
            {
              galerkin_charge[i] += numerator(k);
              // Electrons leave where sigma < 0 (E points into the
              // particle); on a conductor |E| = |sigma| / eps0.
              emitting_field_samples[i].push_back(-sigma(k) /
                                                  vacuum_permittivity);
              area_weight_samples[i].push_back(area(k));
              sample_dofs[i].push_back(k);
            }
      internal::all_sum(galerkin_charge, communicator);
      return galerkin_charge;
    }


    template <int dim, typename LA>
    typename StreamPotential<dim, LA>::Vector
    StreamPotential<dim, LA>::recovered_surface_density(
      const Vector &numerator) const
    {
      // The vertex values L_k = n_k / m_k scatter around the smooth
      // density (irregular patches), and the largest of them lies above
      // the true maximum by the scatter. Patch averaging,
      //   (P L)_k = sum_j m_j L_j / sum_j m_j = sum_j n_j / sum_j m_j
      // over the vertices j of the surface triangles at k, damps the
      // scatter but lowers a peak by O(h^2) (P = I + O(h^2) on smooth
      // data); one correction step removes that term:
      //   sigma = 2 P L - P P L = L - (I - P)^2 L,
      // O(h^4) away from L on smooth data and exact on a uniform sigma,
      // while the scatter, damped by P, stays damped
      // (doc/stream-potential.md, "Surface fields").
      Vector lumped(locally_owned_dofs, communicator);
      for (const auto &[k, patch] : surface_patches)
        if (vertex_areas(k) > 0)
          lumped(k) = numerator(k) / vertex_areas(k);
      lumped.compress(VectorOperation::insert);
      Vector       smoothed       = patch_average(ghosted(lumped));
      const Vector twice_smoothed = patch_average(ghosted(smoothed));
      smoothed.sadd(2., -1., twice_smoothed);
      return smoothed;
    }


    template <int dim, typename LA>
    typename StreamPotential<dim, LA>::Vector
    StreamPotential<dim, LA>::patch_average(const Vector &values) const
    {
      Vector average(locally_owned_dofs, communicator);
      for (const auto &[k, patch] : surface_patches)
      {
        double sum = 0, area = 0;
        for (const types::global_dof_index j : patch)
        {
          sum += vertex_areas(j) * values(j);
          area += vertex_areas(j);
        }
        if (area > 0)
          average(k) = sum / area;
      }
      average.compress(VectorOperation::insert);
      return average;
    }


    template <int dim, typename LA>
    typename StreamPotential<dim, LA>::Vector
    StreamPotential<dim, LA>::patch_average_transpose(
      const Vector &values) const
    {
      // (P^T y)_j = sum_k P_kj y_k, P_kj = m_j / sum_(i in patch k) m_i.
      Vector result(locally_owned_dofs, communicator);
      std::vector<types::global_dof_index> rows;
      std::vector<double>                  weights;
      for (const auto &[k, patch] : surface_patches)
      {
        double area = 0;
        for (const types::global_dof_index j : patch)
          area += vertex_areas(j);
        if (area > 0 && values(k) != 0)
          for (const types::global_dof_index j : patch)
          {
            rows.push_back(j);
            weights.push_back(vertex_areas(j) / area * values(k));
          }
      }
      result.add(rows, weights);
      result.compress(VectorOperation::add);
      return result;
    }


    template <int dim, typename LA>
    typename StreamPotential<dim, LA>::Vector
    StreamPotential<dim, LA>::ghosted(const Vector &owned) const
    {
      Vector result(locally_owned_dofs, locally_relevant_dofs, communicator);
      result = owned;
      return result;
    }


    template <int dim, typename LA>
    double
    StreamPotential<dim, LA>::space_charge_density(const Point<dim> &p) const
    {
      if constexpr (dim == 3)
        {
          (void)p;
          return 0.;
        }
      else
        {
          // A slab of N layers of hexagonal lattice (areal density
          // 2 / (sqrt 3 p^2) each) spread over the stream thickness H.
          const auto  &layout    = parameters.layout;
          const double thickness = layout.stream_thickness > 0 ?
                                     layout.stream_thickness :
                                     2 * layout.particle_radius;
          const double bottom = layout.anode_gap;
          if (p[1] < bottom || p[1] > bottom + thickness ||
              std::abs(p[0]) > parameters.slab_half_width)
            return 0.;
          const double number_density =
            layout.n_layers * 2. /
            (std::sqrt(3.) * layout.lattice_pitch * layout.lattice_pitch) /
            thickness;
          double charge = parameters.particle_charge;
          if (parameters.charging_model == ChargingModel::beam)
            // The slab spans the spot: the dwell length grows from 0 at the
            // entry x = -W/2 to W_CS at the exit.
            charge = parameters.beam.deposited_charge(
              layout.particle_radius,
              p[0] + 0.5 * parameters.beam.spot_width);
          return number_density * charge;
        }
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::assemble_rhs()
    {
      std::vector<double> charges;
      if (parameters.charging_model != ChargingModel::prescribed_potential)
        for (const auto &particle : particles)
          charges.push_back(particle.charge);
      assemble_rhs(constraints, charges, system_rhs);
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::assemble_rhs(
      const AffineConstraints<double> &boundary_constraints,
      const std::vector<double>       &charges,
      Vector                          &rhs)
    {
      TimerOutput::Scope scope(timer, "assembly");
      FEValues<dim>      fe_values(mapping, fe, quadrature,
                              update_values | update_gradients |
                                update_quadrature_points | update_JxW_values);
      const unsigned int dofs_per_cell = fe.n_dofs_per_cell();
      FullMatrix<double> cell_matrix(dofs_per_cell, dofs_per_cell);
      dealii::Vector<double> cell_rhs(dofs_per_cell);
      std::vector<types::global_dof_index> dof_indices(dofs_per_cell);

      rhs = 0;
      for (const auto &cell : dof_handler.active_cell_iterators())
        if (cell->is_locally_owned())
          {
            cell->get_dof_indices(dof_indices);
            const bool inhomogeneous =
              std::any_of(dof_indices.begin(), dof_indices.end(),
                          [&](const types::global_dof_index k) {
                            return boundary_constraints
                              .is_inhomogeneously_constrained(k);
                          });
            if (!inhomogeneous && dim == 3)
              continue; // no space charge in the particle model
            fe_values.reinit(cell);
            cell_rhs    = 0;
            cell_matrix = 0;
            for (const unsigned int q : fe_values.quadrature_point_indices())
              {
                const double rho =
                  space_charge_density(fe_values.quadrature_point(q));
                for (const unsigned int i : fe_values.dof_indices())
                  {
                    cell_rhs(i) +=
                      rho * fe_values.shape_value(i, q) * fe_values.JxW(q);
                    if (inhomogeneous)
                      for (const unsigned int j : fe_values.dof_indices())
                        cell_matrix(i, j) += vacuum_permittivity *
                                             fe_values.shape_grad(i, q) *
                                             fe_values.shape_grad(j, q) *
                                             fe_values.JxW(q);
                  }
              }
            // With the cell matrix, the constraints move the known
            // potentials (anode bias, guards, fixed particles) to the
            // right-hand side; the global matrix is untouched.
            boundary_constraints.distribute_local_to_global(cell_rhs,
                                                            dof_indices, rhs,
                                                            cell_matrix);
          }

      // Gauss's law of each floating particle: its charge is the
      // right-hand side of its master row.
      for (unsigned int i = 0; i < charges.size(); ++i)
        if (locally_owned_dofs.is_element(master_dofs[i]))
          rhs(master_dofs[i]) += charges[i];
      rhs.compress(VectorOperation::add);
    }


    template <int dim, typename LA>
    unsigned int
    StreamPotential<dim, LA>::solve()
    {
      const unsigned int iterations =
        solve(constraints, system_rhs, solution, parameters.linear_tolerance);
      ghosted_solution = solution;
      return iterations;
    }


    template <int dim, typename LA>
    unsigned int
    StreamPotential<dim, LA>::solve(
      const AffineConstraints<double> &boundary_constraints,
      const Vector                    &rhs,
      Vector                          &potential,
      const double                     tolerance)
    {
      if (!preconditioner)
        {
          TimerOutput::Scope scope(timer, "AMG setup");
          preconditioner = std::make_unique<typename LA::AMG>();
          LA::initialize_amg(*preconditioner, system_matrix, true,
                             fe.degree > 1);
        }
      TimerOutput::Scope scope(timer, "solve");
      unsigned int iterations = 0;
      const double rhs_norm   = rhs.l2_norm();
      if (rhs_norm > 0)
        {
          SolverControl control(parameters.max_linear_iterations,
                                tolerance * rhs_norm);
          SolverCG<Vector> cg(control);
          try
            {
              cg.solve(system_matrix, potential, rhs, *preconditioner);
            }
          catch (const SolverControl::NoConvergence &failure)
            {
              throw SolverError(
                "CG did not converge in " +
                std::to_string(failure.last_step) +
                " iterations (residual " +
                Utilities::to_string(failure.last_residual / rhs_norm) +
                " of the right-hand side, tolerance " +
                Utilities::to_string(tolerance) +
                "); raise Solver/Maximum iterations or check the mesh");
            }
          iterations = control.last_step();
        }
      else
        potential = 0;
      boundary_constraints.distribute(potential);
      return iterations;
    }


    // ------------------------------------------------------------------
    // Particle surface fields and charges
    // ------------------------------------------------------------------

    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::evaluate_particles()
    {
      TimerOutput::Scope scope(timer, "particle fields");
      const unsigned int n = particles.size();
      if (n == 0)
        return;
      std::vector<double> max_field(n, 0.), max_emitting(n, 0.),
        flux_charge(n, 0.);
      emitting_field_samples.assign(n, {});
      area_weight_samples.assign(n, {});
      sample_dofs.assign(n, {});

      const std::vector<double> galerkin_charge =
        compute_surface_charge_density();
      for (unsigned int i = 0; i < n; ++i)
        for (const double field : emitting_field_samples[i])
          {
            max_field[i]    = std::max(max_field[i], std::abs(field));
            max_emitting[i] = std::max(max_emitting[i], field);
          }

      // The charge inside each surface from the gradient flux,
      // oint eps0 grad phi . n dA with n out of the vacuum (into the
      // particle): a check of the discretisation against the Galerkin
      // charge.
      FEFaceValues<dim> face_values(mapping, fe, face_quadrature,
                                    update_gradients | update_normal_vectors |
                                      update_JxW_values);
      std::vector<Tensor<1, dim>> gradients(face_quadrature.size());
      for (const auto &cell : dof_handler.active_cell_iterators())
        if (cell->is_locally_owned())
          for (const unsigned int f : cell->face_indices())
            if (cell->at_boundary(f) &&
                cell->face(f)->boundary_id() >=
                  meshes::stream_boundary::first_particle)
              {
                const unsigned int i = cell->face(f)->boundary_id() -
                                       meshes::stream_boundary::first_particle;
                face_values.reinit(cell, f);
                face_values.get_function_gradients(ghosted_solution,
                                                   gradients);
                for (const unsigned int q :
                     face_values.quadrature_point_indices())
                  flux_charge[i] += vacuum_permittivity *
                                    (gradients[q] *
                                     face_values.normal_vector(q)) *
                                    face_values.JxW(q);
              }

      // The potential of each particle is the value of any of its surface
      // dofs a rank sees (all are equal).
      std::vector<double> potential(n, -std::numeric_limits<double>::max());
      for (unsigned int i = 0; i < n; ++i)
        if (!surface_dofs[i].empty())
          potential[i] = ghosted_solution(surface_dofs[i].front());

      internal::all_max(max_field, communicator);
      internal::all_max(max_emitting, communicator);
      internal::all_sum(flux_charge, communicator);
      internal::all_max(potential, communicator);
      for (unsigned int i = 0; i < n; ++i)
        {
          particles[i].max_surface_field  = max_field[i];
          particles[i].max_emitting_field = max_emitting[i];
          particles[i].galerkin_charge    = galerkin_charge[i];
          particles[i].flux_charge        = flux_charge[i];
          particles[i].potential          = potential[i];
          if (parameters.charging_model ==
              ChargingModel::prescribed_potential)
            particles[i].charge = galerkin_charge[i];
        }

      // The current balance needs every sample of a particle in one place.
      if (parameters.charging_model == ChargingModel::current_balance)
        {
          const auto all_fields =
            Utilities::MPI::all_gather(communicator, emitting_field_samples);
          const auto all_weights =
            Utilities::MPI::all_gather(communicator, area_weight_samples);
          for (unsigned int i = 0; i < n; ++i)
            {
              emitting_field_samples[i].clear();
              area_weight_samples[i].clear();
              for (unsigned int rank = 0; rank < all_fields.size(); ++rank)
                {
                  emitting_field_samples[i].insert(
                    emitting_field_samples[i].end(),
                    all_fields[rank][i].begin(), all_fields[rank][i].end());
                  area_weight_samples[i].insert(area_weight_samples[i].end(),
                                                all_weights[rank][i].begin(),
                                                all_weights[rank][i].end());
                }
              particles[i].emitted_current =
                emitted_current(emitting_field_samples[i],
                                area_weight_samples[i], emitter_of(i));
            }
        }
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::find_peak_vertices()
    {
      // The largest emitting-field sample of each particle over all ranks;
      // of equal maxima the smallest dof index, so every rank agrees.
      const unsigned int                   n = particles.size();
      std::vector<double>                  local_best(n, -std::numeric_limits<double>::max());
      std::vector<types::global_dof_index> dofs(n, numbers::invalid_dof_index);
      for (unsigned int i = 0; i < n; ++i)
        for (unsigned int k = 0; k < emitting_field_samples[i].size(); ++k)
          if (emitting_field_samples[i][k] > local_best[i])
            {
              local_best[i] = emitting_field_samples[i][k];
              dofs[i]       = sample_dofs[i][k];
            }
      std::vector<double> best = local_best;
      internal::all_max(best, communicator);
      for (unsigned int i = 0; i < n; ++i)
        if (local_best[i] != best[i])
          dofs[i] = numbers::invalid_dof_index;
      internal::all_min(dofs, communicator);
      peak_dofs = dofs;

      // The recovered density at a peak vertex k is a fixed linear
      // functional of the vertex values, sigma_k = sum_j c_j L_j with
      //   c = (2 P - P P)^T e_k = 2 t - P^T t,   t = P^T e_k,
      // and L_j = n_j / m_j, whose numerator n_j = sum_m w_jm phi_m with
      // w_jm = int eps0 grad psi_j . grad phi_m dx over the cells at j
      // (doc/stream-potential.md, "Surface fields"). Kept as weights
      // sum_j c_j w_jm / m_j on the dofs m, so that any potential, a
      // stored response included, is read at the peak vertices without
      // integrating again.
      Vector unit(locally_owned_dofs, communicator);
      for (const types::global_dof_index k : peak_dofs)
        if (locally_owned_dofs.is_element(k))
          unit(k) = 1.;
      unit.compress(VectorOperation::insert);
      Vector coefficients = patch_average_transpose(ghosted(unit));
      coefficients.sadd(2.,
                        -1.,
                        patch_average_transpose(ghosted(coefficients)));
      const Vector c = ghosted(coefficients);

      // Each peak vertex's position (every rank), for the point-charge
      // model of the cap (its field direction at the peak).
      std::vector<double> peak_coordinates(dim * n,
                                           -std::numeric_limits<double>::max());
      std::map<types::global_dof_index, unsigned int> particle_of_peak;
      for (unsigned int i = 0; i < n; ++i)
        particle_of_peak[peak_dofs[i]] = i;

      peak_flux_dofs.clear();
      peak_flux_weights.clear();
      peak_flux_particles.clear();
      const FullMatrix<double> hat = internal::vertex_hat_functions(fe);
      FEValues<dim>            fe_values(mapping, fe, quadrature,
                              update_gradients | update_JxW_values);
      std::vector<types::global_dof_index> dof_indices(fe.n_dofs_per_cell());
      for (const auto &cell : dof_handler.active_cell_iterators())
        if (cell->is_locally_owned())
          {
            cell->get_dof_indices(dof_indices);
            bool reinitialised = false;
            for (unsigned int v = 0; v < dim + 1; ++v)
              {
                const types::global_dof_index j = dof_indices[v];
                if (const auto peak = particle_of_peak.find(j);
                    peak != particle_of_peak.end())
                  for (unsigned int d = 0; d < dim; ++d)
                    peak_coordinates[dim * peak->second + d] = cell->vertex(v)[d];
                if (!particle_surface_dofs.is_element(j) || c(j) == 0 ||
                    !(vertex_areas(j) > 0))
                  continue;
                if (!reinitialised)
                  fe_values.reinit(cell), reinitialised = true;
                const double       coefficient = c(j) / vertex_areas(j);
                const unsigned int particle    = particle_of_surface_dof(j);
                for (const unsigned int m : fe_values.dof_indices())
                  {
                    double weight = 0;
                    for (const unsigned int q :
                         fe_values.quadrature_point_indices())
                      for (const unsigned int l : fe_values.dof_indices())
                        weight += vacuum_permittivity * hat(v, l) *
                                  (fe_values.shape_grad(l, q) *
                                   fe_values.shape_grad(m, q)) *
                                  fe_values.JxW(q);
                    peak_flux_dofs.push_back(dof_indices[m]);
                    peak_flux_weights.push_back(coefficient * weight);
                    peak_flux_particles.push_back(particle);
                  }
              }
          }
      internal::all_max(peak_coordinates, communicator);
      peak_points.resize(n);
      for (unsigned int i = 0; i < n; ++i)
        for (unsigned int d = 0; d < dim; ++d)
          peak_points[i][d] = peak_coordinates[dim * i + d];
    }


    template <int dim, typename LA>
    unsigned int
    StreamPotential<dim, LA>::particle_of_surface_dof(
      const types::global_dof_index dof) const
    {
      for (unsigned int i = 0; i < particles.size(); ++i)
        if (std::binary_search(surface_dofs[i].begin(),
                               surface_dofs[i].end(),
                               dof))
          return i;
      Assert(false, ExcInternalError());
      return numbers::invalid_unsigned_int;
    }


    template <int dim, typename LA>
    std::vector<double>
    StreamPotential<dim, LA>::peak_emitting_fields(
      const Vector &ghosted_potential) const
    {
      // -sigma_k / eps0 at each particle's peak vertex k, with sigma_k the
      // recovered density of compute_surface_charge_density().
      std::vector<double> values(peak_flux_dofs.size());
      ghosted_potential.extract_subvector_to(peak_flux_dofs.begin(),
                                             peak_flux_dofs.end(),
                                             values.begin());
      std::vector<double> flux(particles.size(), 0.);
      for (unsigned int k = 0; k < values.size(); ++k)
        flux[peak_flux_particles[k]] += peak_flux_weights[k] * values[k];
      internal::all_sum(flux, communicator);
      std::vector<double> fields(particles.size());
      for (unsigned int i = 0; i < particles.size(); ++i)
        fields[i] = -flux[i] / vacuum_permittivity;
      return fields;
    }


    template <int dim, typename LA>
    typename StreamPotential<dim, LA>::FieldResponse
    StreamPotential<dim, LA>::response_of(const Vector &ghosted_potential) const
    {
      FieldResponse response;
      response.field = peak_emitting_fields(ghosted_potential);
      response.potential.assign(particles.size(), 0.);
      for (unsigned int i = 0; i < particles.size(); ++i)
        if (locally_owned_dofs.is_element(master_dofs[i]))
          response.potential[i] = ghosted_potential(master_dofs[i]);
      internal::all_sum(response.potential, communicator);
      return response;
    }


    template <int dim, typename LA>
    typename StreamPotential<dim, LA>::FieldResponse
    StreamPotential<dim, LA>::charge_response(const std::vector<double> &charges,
                                              const double tolerance)
    {
      // The field of the particle charges alone (anode, enclosure and
      // guards at 0 V): the same matrix and AMG, only the right-hand side.
      // Kept for later Newton steps (at most max_stored_responses, the
      // oldest dropped first): the map is linear, so a stored potential
      // answers for its charges at any peak vertices.
      Vector rhs(locally_owned_dofs, communicator);
      Vector potential(locally_owned_dofs, communicator);
      assemble_rhs(homogeneous_constraints, charges, rhs);
      response_cg_iterations +=
        solve(homogeneous_constraints, rhs, potential, tolerance);
      ++response_solves;
      if (stored_responses.size() == max_stored_responses)
        stored_responses.pop_front();
      stored_responses.push_back(
        {charges,
         Vector(locally_owned_dofs, locally_relevant_dofs, communicator)});
      stored_responses.back().potential = potential;
      return response_of(stored_responses.back().potential);
    }


    template <int dim, typename LA>
    std::vector<double>
    StreamPotential<dim, LA>::layer_means(
      const std::vector<double> &potentials) const
    {
      std::vector<double>       mean(layer_heights.size(), 0.);
      std::vector<unsigned int> count(layer_heights.size(), 0);
      for (unsigned int i = 0; i < particles.size(); ++i)
        {
          mean[particles[i].geometry.layer] += potentials[i];
          ++count[particles[i].geometry.layer];
        }
      for (unsigned int l = 0; l < mean.size(); ++l)
        mean[l] /= std::max(count[l], 1u);
      return mean;
    }


    template <int dim, typename LA>
    PointChargeModel
    StreamPotential<dim, LA>::point_charge_model() const
    {
      std::vector<Point<3>> centres;
      std::vector<double>   radii;
      for (const ParticleState &particle : particles)
        {
          centres.push_back(particle.geometry.center);
          radii.push_back(particle.geometry.radius);
        }
      return PointChargeModel(std::move(centres), std::move(radii));
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::factor_cap_model_matrix(
      const PointChargeModel           &model,
      const std::vector<unsigned int>  &limited,
      const std::vector<FieldResponse> &guard_response,
      const double                      length,
      LAPACKFullMatrix<double>         &matrix) const
    {
      // The Newton system of solve_field_emission_cap(): field rows
      // dF_A/dQ_A (the model's, at the outward normals of the current peak
      // vertices) and dF_A/dV (the guard solves'); guard rows
      // (dV_l - mean_l(dP/dQ dQ + H dV)) / r.
      const unsigned int n         = particles.size();
      const unsigned int n_limited = limited.size();
      const unsigned int n_guards  = guard_response.size();
      std::vector<Tensor<1, 3>> normals(n);
      for (unsigned int i = 0; i < n; ++i)
        {
          for (unsigned int d = 0; d < dim; ++d)
            normals[i][d] =
              peak_points[i][d] - particles[i].geometry.center[d];
          normals[i] /= normals[i].norm();
        }
      const FullMatrix<double> field     = model.field_coupling(normals);
      const FullMatrix<double> potential = model.potential_coupling();

      matrix.reinit(n_limited + n_guards);
      for (unsigned int b = 0; b < n_limited; ++b)
        {
          std::vector<double> column(n);
          for (unsigned int a = 0; a < n_limited; ++a)
            matrix(a, b) = field(limited[a], limited[b]);
          for (unsigned int i = 0; i < n; ++i)
            column[i] = potential(i, limited[b]);
          const std::vector<double> mean = layer_means(column);
          for (unsigned int l = 0; l < n_guards; ++l)
            matrix(n_limited + l, b) = -mean[l] / length;
        }
      for (unsigned int m = 0; m < n_guards; ++m)
        {
          for (unsigned int a = 0; a < n_limited; ++a)
            matrix(a, n_limited + m) = guard_response[m].field[limited[a]];
          const std::vector<double> mean =
            layer_means(guard_response[m].potential);
          for (unsigned int l = 0; l < n_guards; ++l)
            matrix(n_limited + l, n_limited + m) =
              ((l == m ? 1. : 0.) - mean[l]) / length;
        }
      matrix.compute_lu_factorization();
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::store_step_response(
      const Vector              &previous_solution,
      const std::vector<double> &previous_charges,
      const std::vector<double> &previous_guards,
      const std::vector<Vector> &guard_basis)
    {
      // Two full solves differ by the response to the charge change plus
      // the guard basis fields times the guard change (all linear, the
      // anode fixed): less the latter, a charge response like
      // charge_response()'s, exact to the full solves' tolerance, for no
      // PDE solve. Kept among the recycled responses.
      std::vector<double> charges(particles.size());
      for (unsigned int i = 0; i < particles.size(); ++i)
        charges[i] = particles[i].charge - previous_charges[i];
      if (std::all_of(charges.begin(), charges.end(),
                      [](const double q) { return q == 0; }))
        return;
      Vector difference(locally_owned_dofs, communicator);
      Vector guard(locally_owned_dofs, communicator);
      difference = solution;
      difference -= previous_solution;
      for (unsigned int l = 0; l < guard_basis.size(); ++l)
        {
          guard = guard_basis[l];
          difference.add(previous_guards[l] - layer_potentials[l], guard);
        }
      if (stored_responses.size() == max_stored_responses)
        stored_responses.pop_front();
      stored_responses.push_back(
        {charges,
         Vector(locally_owned_dofs, locally_relevant_dofs, communicator)});
      stored_responses.back().potential = difference;
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::start_from_point_charge_cap(
      const PointChargeModel &model)
    {
      // The cap solved on the model: near the PDE's answer where the
      // collective field of many particles dominates their own (a dense
      // stream), where the isolated spheres' first guess is far off.
      std::vector<double> beam_charges, radii;
      for (const ParticleState &particle : particles)
        {
          beam_charges.push_back(particle.beam_charge);
          radii.push_back(particle.geometry.radius);
        }
      const auto [charges, residual] =
        solve_point_charge_cap(model, beam_charges, radii,
                               parameters.field_limit,
                               0.1 * parameters.charge_tolerance, 50);
      unsigned int n_limited = 0;
      for (unsigned int i = 0; i < particles.size(); ++i)
        {
          particles[i].charge = charges[i];
          if (charges[i] != beam_charges[i])
            ++n_limited;
        }
      output.log() << "Point-charge model: " << n_limited << " of "
                   << particles.size()
                   << " particles limited, model cap residual " << residual
                   << std::endl;
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::solve_field_emission_cap()
    {
      // Field-emission cap, for every particle i (Q_b,i its beam charge,
      // F_i its peak emitting field, c_i = 4 pi eps0 r_i^2):
      //   Q_i >= Q_b,i,   F_i(Q) <= E_lim,   (Q_i - Q_b,i)(E_lim - F_i) = 0:
      // a particle keeps what the beam deposits unless that exceeds the
      // limit, and then holds the charge at which F_i = E_lim (it may even
      // be positive where the others' field alone exceeds E_lim).
      // Semismooth Newton on min(Q_i - Q_b,i, c_i (E_lim - F_i)) = 0, the
      // primal-dual active-set method: the limited set A is where the
      // field constraint binds. With each particle's peak vertex fixed, F
      // is affine in the charges (and in the guard potentials V_l, which
      // must equal their layers' mean potentials), so a Newton step solves
      //   J_AA dQ_A + G_A dV = E_lim - F_A - J_AI dQ_I,  dQ_I = Q_b,I - Q_I,
      //   dV_l - mean_l(P dQ + H dV) = mean_l(phi) - V_l
      // with GCR; each product J dQ is one PDE solve with the reused
      // matrix and AMG, and the guard columns G, H come from one solve per
      // layer at the start. J changes between steps only through A and the
      // peak vertices, so every response solved so far is kept and starts
      // the next step's GCR (doc/stream-potential.md, "Charging models",
      // recycled responses). With the point-charge model (box enclosure,
      // no periodic cell) the first guess is the model's cap, and a step
      // takes no product while the steps halve the residual: the recycled
      // directions (each step's response among them, from its two full
      // solves) and the model's Newton step on the rest (same section,
      // point-charge model). The steps end when the active set and the
      // peak vertices settle and both residuals are below the tolerance.
      const unsigned int n           = particles.size();
      const double       field_limit = parameters.field_limit;
      const double       tolerance   = parameters.charge_tolerance;
      const double       pi          = boost::math::constants::pi<double>();
      std::vector<double> capacity(n);
      for (unsigned int i = 0; i < n; ++i)
        capacity[i] = 4 * pi * vacuum_permittivity *
                      Utilities::fixed_power<2>(particles[i].geometry.radius);

      // Guard basis: the field of guard potential 1 V at layer l (linear
      // to 0 V at the neighbouring layers, the anode and the top).
      const unsigned int n_guards =
        parameters.guard_electrodes ? layer_heights.size() : 0;
      std::vector<Vector> guard_basis(n_guards);
      for (unsigned int l = 0; l < n_guards; ++l)
        {
          std::vector<double> unit(n_guards, 0.);
          unit[l] = 1.;
          AffineConstraints<double> guard_constraints;
          make_constraints(guard_constraints, 0., unit, true);
          Vector rhs(locally_owned_dofs, communicator);
          Vector potential(locally_owned_dofs, communicator);
          assemble_rhs(guard_constraints, {}, rhs);
          response_cg_iterations += solve(guard_constraints, rhs, potential,
                                          parameters.linear_tolerance);
          ++response_solves;
          guard_basis[l].reinit(locally_owned_dofs, locally_relevant_dofs,
                                communicator);
          guard_basis[l] = potential;
        }
      // Guard rows are scaled by 1/r (V -> V/m) to weigh like field rows.
      const double length = parameters.layout.particle_radius;

      // The point-charge model needs the anode plane z = 0 and no periodic
      // images: the box enclosure of a patch.
      const bool use_model =
        parameters.cap_point_charge_model &&
        parameters.enclosure_shape == meshes::EnclosureShape::box &&
        !periodic();
      const std::optional<PointChargeModel> model =
        use_model ? std::optional<PointChargeModel>(point_charge_model()) :
                    std::nullopt;
      if (model)
        start_from_point_charge_cap(*model);
      // The previous Newton state (with the model): its potential, charges
      // and guard potentials, and its residual.
      Vector              previous_solution(locally_owned_dofs, communicator);
      std::vector<double> previous_charges, previous_guards;
      double previous_residual = std::numeric_limits<double>::max();

      for (charge_iterations = 1;
           charge_iterations <= parameters.max_charge_iterations;
           ++charge_iterations)
        {
          solve_and_evaluate();
          find_peak_vertices();
          const FieldResponse state = response_of(ghosted_solution);
          if (!previous_charges.empty())
            store_step_response(previous_solution, previous_charges,
                                previous_guards, guard_basis);

          // Residuals: the complementarity of each particle, and each
          // guard potential against its layer's mean potential.
          // A particle's cap residual is |min(slack, margin)| / (c_i E_lim):
          // |F_i - E_lim| / E_lim where the field constraint binds, the
          // field's overshoot max(0, F_i - E_lim) / E_lim at the beam
          // charge, and the excess charge over the beam charge in field
          // units where neither holds yet.
          std::vector<unsigned int> limited;
          std::vector<double>       step(n, 0.);
          cap_residuals.assign(n, 0.);
          for (unsigned int i = 0; i < n; ++i)
            {
              const double slack = particles[i].charge - particles[i].beam_charge;
              const double margin = capacity[i] * (field_limit - state.field[i]);
              cap_residuals[i]    = std::abs(std::min(slack, margin)) /
                                 (capacity[i] * field_limit);
              if (margin < slack)
                limited.push_back(i);
              else
                step[i] = -slack; // back to the beam charge
            }
          charge_residual =
            *std::max_element(cap_residuals.begin(), cap_residuals.end());
          const std::vector<double> mean = layer_means(state.potential);
          double guard_residual = 0, largest_mean = 0;
          for (unsigned int l = 0; l < n_guards; ++l)
            {
              guard_residual = std::max(guard_residual,
                                        std::abs(mean[l] - layer_potentials[l]));
              largest_mean = std::max(largest_mean, std::abs(mean[l]));
            }
          guard_residual = largest_mean > 0 ? guard_residual / largest_mean : 0.;

          output.log() << "Charge iteration " << charge_iterations << ": "
                       << linear_iterations.back() << " CG iterations, "
                       << limited.size() << " of " << n
                       << " particles limited, field residual "
                       << charge_residual;
          if (n_guards > 0)
            output.log() << ", guard residual " << guard_residual;
          if (charge_residual <= tolerance && guard_residual <= tolerance)
            {
              output.log() << std::endl;
              converged = true;
              break;
            }

          // The guard columns at the current peak vertices.
          std::vector<FieldResponse> guard_response(n_guards);
          for (unsigned int l = 0; l < n_guards; ++l)
            guard_response[l] = response_of(guard_basis[l]);

          // Right-hand side, with the released particles' response.
          const FieldResponse released =
            std::any_of(step.begin(), step.end(),
                        [](const double q) { return q != 0; }) ?
              charge_response(step, parameters.linear_tolerance) :
              FieldResponse{std::vector<double>(n, 0.),
                            std::vector<double>(n, 0.)};
          const std::vector<double> released_mean =
            layer_means(released.potential);
          const unsigned int     n_limited = limited.size();
          const unsigned int     size      = n_limited + n_guards;
          dealii::Vector<double> rhs(size), unknowns(size);
          // Right preconditioner: the point-charge model's Newton matrix
          // (LU-factored once per step), or else dF_i/dQ_i of an isolated
          // sphere, -1 / c_i; guard rows are scaled by 1/r (V -> V/m).
          dealii::Vector<double>                  scaling(size);
          std::optional<LAPACKFullMatrix<double>> model_matrix;
          if (model)
            factor_cap_model_matrix(*model, limited, guard_response, length,
                                    model_matrix.emplace());
          for (unsigned int a = 0; a < n_limited; ++a)
            {
              const unsigned int i = limited[a];
              rhs[a]     = field_limit - state.field[i] - released.field[i];
              scaling[a] = -capacity[i];
            }
          for (unsigned int l = 0; l < n_guards; ++l)
            {
              rhs[n_limited + l] =
                (mean[l] - layer_potentials[l] + released_mean[l]) / length;
              scaling[n_limited + l] = length;
            }

          // J p from the response R of p's charges: field rows
          // F_A(R) + sum_l p_l G_l, guard rows (p_l - mean_l(P(R) +
          // sum_m p_m H_m)) / r.
          const auto jacobian_image = [&](FieldResponse                 response,
                                          const dealii::Vector<double> &p) {
            for (unsigned int l = 0; l < n_guards; ++l)
              for (unsigned int i = 0; i < n; ++i)
                {
                  response.field[i] += p[n_limited + l] * guard_response[l].field[i];
                  response.potential[i] +=
                    p[n_limited + l] * guard_response[l].potential[i];
                }
            dealii::Vector<double> image(size);
            for (unsigned int a = 0; a < n_limited; ++a)
              image[a] = response.field[limited[a]];
            const std::vector<double> response_mean =
              layer_means(response.potential);
            for (unsigned int l = 0; l < n_guards; ++l)
              image[n_limited + l] = (p[n_limited + l] - response_mean[l]) / length;
            return image;
          };

          // Inexact Newton: each step reduces the residual 1000-fold, and
          // no further than a tenth of the final tolerance, on the scale of
          // the fields present: the field limit, or below it the largest
          // particle field and the guards' mean potential over the length
          // (a limit far above every field would otherwise set a floor
          // above the whole residual, and the guards would never move).
          double field_scale = largest_mean / length;
          for (const double field : state.field)
            field_scale = std::max(field_scale, std::abs(field));
          field_scale = std::min(field_scale, field_limit);
          const double target = std::max(1e-3 * rhs.l2_norm(),
                                          0.1 * tolerance * field_scale);
          // A product only needs to be exact well below the step's relative
          // tolerance: its error slows Newton, the residual (from the full
          // solve) decides when it stops.
          const double product_tolerance =
            std::max(parameters.linear_tolerance,
                     std::min(1e-6, 1e-3 * target / rhs.l2_norm()));

          // GCR, first on every direction known without a PDE solve: the
          // guard columns, and each stored charge response on the limited
          // set, read at the current peak vertices (with them fixed the
          // fields are linear in the charges: a stored response is exact
          // whatever step made it). A recycled direction counts if 1e-3 of
          // its image is new (less is the products' inexactness).
          internal::ConjugateResidualSpace space;
          dealii::Vector<double>           residual = rhs;
          const auto                       add_recycled = [&](dealii::Vector<double> p,
                                        const FieldResponse          &response) {
            dealii::Vector<double> image = jacobian_image(response, p);
            if (space.add(std::move(p), std::move(image), 1e-3))
              space.project_newest(unknowns, residual);
          };
          for (unsigned int l = 0; l < n_guards; ++l)
            {
              dealii::Vector<double> p(size);
              p[n_limited + l] = 1.;
              add_recycled(p, FieldResponse{std::vector<double>(n, 0.),
                                            std::vector<double>(n, 0.)});
            }
          std::vector<int> position(n, -1);
          for (unsigned int a = 0; a < n_limited; ++a)
            position[limited[a]] = a;
          for (const StoredResponse &stored : stored_responses)
            {
              dealii::Vector<double> p(size);
              bool                   on_limited_set = true;
              for (unsigned int i = 0; i < n; ++i)
                if (stored.charges[i] != 0)
                  {
                    if (position[i] < 0)
                      on_limited_set = false;
                    else
                      p[position[i]] = stored.charges[i];
                  }
              if (on_limited_set)
                add_recycled(p, response_of(stored.potential));
            }
          recycled_directions.push_back(space.directions.size());

          // Then one PDE solve per iteration, in the direction of the
          // preconditioned residual; or, with the model, while its steps
          // at least halve the residual, none: the model's Newton step on
          // what the recycled directions leave (a quasi-Newton step whose
          // exact part grows by each step's full solve).
          const bool model_step =
            model_matrix && charge_residual <= 0.5 * previous_residual;
          previous_residual = charge_residual;
          const unsigned int max_products = std::max(100u, 2 * size);
          unsigned int       products     = 0;
          while (!model_step && residual.l2_norm() > target)
            {
              if (products == max_products)
                throw SolverError(
                  "the field-emission cap's linear solve (GCR) did not "
                  "converge in " + std::to_string(products) +
                  " iterations (residual " +
                  Utilities::to_string(residual.l2_norm()) + " V/m)");
              dealii::Vector<double> z = residual;
              if (model_matrix)
                model_matrix->solve(z);
              else
                z.scale(scaling);
              std::vector<double> charges(n, 0.);
              for (unsigned int a = 0; a < n_limited; ++a)
                charges[limited[a]] = z[a];
              const FieldResponse response =
                charge_response(charges, product_tolerance);
              ++products;
              dealii::Vector<double> image = jacobian_image(response, z);
              if (!space.add(std::move(z), std::move(image), 1e-12))
                throw SolverError(
                  "the field-emission cap's linear solve (GCR) stagnated at "
                  "residual " + Utilities::to_string(residual.l2_norm()) +
                  " V/m");
              space.project_newest(unknowns, residual);
            }
          if (model_step)
            {
              dealii::Vector<double> z = residual;
              model_matrix->solve(z);
              unknowns += z;
            }
          gmres_iterations.push_back(products);
          for (unsigned int a = 0; a < n_limited; ++a)
            step[limited[a]] = unknowns[a];
          previous_solution = solution;
          previous_guards   = layer_potentials;
          previous_charges.clear();
          for (const ParticleState &particle : particles)
            previous_charges.push_back(particle.charge);

          double largest = 0;
          charge_change  = 0;
          for (unsigned int i = 0; i < n; ++i)
            {
              particles[i].charge += step[i];
              largest       = std::max(largest, std::abs(particles[i].charge));
              charge_change = std::max(charge_change, std::abs(step[i]));
            }
          charge_change = largest > 0 ? charge_change / largest : 0.;
          if (n_guards > 0)
            {
              for (unsigned int l = 0; l < n_guards; ++l)
                layer_potentials[l] += unknowns[n_limited + l];
              make_constraints(constraints, parameters.anode_potential,
                               layer_potentials, false);
            }
          output.log() << ", GCR " << recycled_directions.back()
                       << " recycled directions + " << products
                       << " PDE solves, relative charge change "
                       << charge_change << std::endl;
        }
      for (auto &particle : particles)
        particle.limited =
          particle.charge >
          particle.beam_charge + 1e-9 * std::abs(particle.beam_charge);
      if (!converged)
        throw SolverError(
          "charge iteration (field-emission cap, Newton) did not converge "
          "in " + std::to_string(parameters.max_charge_iterations) +
          " iterations (field residual " +
          Utilities::to_string(charge_residual) +
          " > Charging/Relative tolerance " +
          Utilities::to_string(parameters.charge_tolerance) +
          "; raise Charging/Maximum iterations)");
    }


    // ------------------------------------------------------------------
    // Current balance (Newton)
    // ------------------------------------------------------------------

    template <int dim, typename LA>
    EmitterSurface
    StreamPotential<dim, LA>::emitter_of(const unsigned int particle) const
    {
      // The retarding barrier of a surface field F < 0 is |F| r_p, the
      // potential of an isolated sphere with that surface field
      // (doc/theory.md section 2, "Retarding field").
      EmitterSurface emitter     = parameters.emitter;
      emitter.retarding_length_m = particles[particle].geometry.radius;
      return emitter;
    }


    template <int dim, typename LA>
    std::vector<std::vector<double>>
    StreamPotential<dim, LA>::vertex_emitting_fields(
      const Vector &ghosted_potential) const
    {
      // The recovered density of compute_surface_charge_density() from
      // the consistent flux int eps0 grad psi_k . grad phi dx, for any
      // potential, over the stored vertex areas.
      const FullMatrix<double> hat = internal::vertex_hat_functions(fe);
      const unsigned int       n_dofs = fe.n_dofs_per_cell();
      Vector                   numerator(locally_owned_dofs, communicator);
      FEValues<dim>            fe_values(mapping, fe, quadrature,
                              update_gradients | update_JxW_values);
      std::vector<Tensor<1, dim>>          gradients(quadrature.size());
      std::vector<types::global_dof_index> dof_indices(n_dofs);
      std::vector<types::global_dof_index> rows;
      std::vector<double>                  values;
      for (const auto &cell : dof_handler.active_cell_iterators())
        if (cell->is_locally_owned())
          {
            cell->get_dof_indices(dof_indices);
            rows.clear(), values.clear();
            bool reinitialised = false;
            for (unsigned int v = 0; v < dim + 1; ++v)
              if (particle_surface_dofs.is_element(dof_indices[v]))
                {
                  if (!reinitialised)
                    {
                      fe_values.reinit(cell);
                      fe_values.get_function_gradients(ghosted_potential,
                                                       gradients);
                      reinitialised = true;
                    }
                  double flux = 0;
                  for (const unsigned int q :
                       fe_values.quadrature_point_indices())
                    for (unsigned int j = 0; j < n_dofs; ++j)
                      flux += vacuum_permittivity * hat(v, j) *
                              (fe_values.shape_grad(j, q) * gradients[q]) *
                              fe_values.JxW(q);
                  rows.push_back(dof_indices[v]);
                  values.push_back(flux);
                }
            if (!rows.empty())
              numerator.add(rows, values);
          }
      numerator.compress(VectorOperation::add);
      const Vector sigma = recovered_surface_density(numerator);

      std::vector<std::vector<double>> fields(particles.size());
      for (unsigned int i = 0; i < particles.size(); ++i)
        for (const types::global_dof_index k : sample_dofs[i])
          fields[i].push_back(-sigma(k) / vacuum_permittivity);
      return fields;
    }


    template <int dim, typename LA>
    typename StreamPotential<dim, LA>::Vector
    StreamPotential<dim, LA>::potential_of_charges(
      const std::vector<double> &charges)
    {
      Vector rhs(locally_owned_dofs, communicator);
      Vector potential(locally_owned_dofs, communicator);
      assemble_rhs(homogeneous_constraints, charges, rhs);
      response_cg_iterations +=
        solve(homogeneous_constraints, rhs, potential, parameters.linear_tolerance);
      ++response_solves;
      Vector ghosted(locally_owned_dofs, locally_relevant_dofs, communicator);
      ghosted = potential;
      return ghosted;
    }


    template <int dim, typename LA>
    std::vector<typename StreamPotential<dim, LA>::Vector>
    StreamPotential<dim, LA>::guard_basis_potentials()
    {
      // Guard potential 1 V at layer l, linear to 0 V at the neighbouring
      // layers, the anode and the top.
      const unsigned int n_guards =
        parameters.guard_electrodes ? layer_heights.size() : 0;
      std::vector<Vector> basis(n_guards);
      for (unsigned int l = 0; l < n_guards; ++l)
        {
          std::vector<double> unit(n_guards, 0.);
          unit[l] = 1.;
          AffineConstraints<double> guard_constraints;
          make_constraints(guard_constraints, 0., unit, true);
          Vector rhs(locally_owned_dofs, communicator);
          Vector potential(locally_owned_dofs, communicator);
          assemble_rhs(guard_constraints, {}, rhs);
          response_cg_iterations +=
            solve(guard_constraints, rhs, potential, parameters.linear_tolerance);
          ++response_solves;
          basis[l].reinit(locally_owned_dofs, locally_relevant_dofs,
                          communicator);
          basis[l] = potential;
        }
      return basis;
    }


    template <int dim, typename LA>
    std::vector<double>
    StreamPotential<dim, LA>::particle_potentials(
      const Vector &ghosted_potential) const
    {
      std::vector<double> potential(particles.size(), 0.);
      for (unsigned int i = 0; i < particles.size(); ++i)
        if (locally_owned_dofs.is_element(master_dofs[i]))
          potential[i] = ghosted_potential(master_dofs[i]);
      internal::all_sum(potential, communicator);
      return potential;
    }


    template <int dim, typename LA>
    std::vector<double>
    StreamPotential<dim, LA>::log_emitted_currents(
      const std::vector<std::vector<double>> &fields) const
    {
      // ln I_i = ln sum_k w_k J(F_k) over the vertices of all ranks, as a
      // log-sum-exp: each rank's sum relative to the largest term of all.
      const unsigned int  n = particles.size();
      const double        minus_infinity = -std::numeric_limits<double>::infinity();
      std::vector<std::vector<double>> terms(n);
      std::vector<double> largest(n, minus_infinity);
      for (unsigned int i = 0; i < n; ++i)
        {
          const EmitterSurface emitter = emitter_of(i);
          for (unsigned int k = 0; k < fields[i].size(); ++k)
            {
              const double term =
                std::log(vertex_areas(sample_dofs[i][k])) +
                log_emission_current_density(fields[i][k], emitter);
              terms[i].push_back(term);
              largest[i] = std::max(largest[i], term);
            }
        }
      internal::all_max(largest, communicator);
      std::vector<double> sum(n, 0.);
      for (unsigned int i = 0; i < n; ++i)
        if (largest[i] > minus_infinity)
          for (const double term : terms[i])
            sum[i] += std::exp(term - largest[i]);
      internal::all_sum(sum, communicator);
      for (unsigned int i = 0; i < n; ++i)
        if (largest[i] > minus_infinity)
          sum[i] = largest[i] + std::log(sum[i]);
        else
          sum[i] = minus_infinity;
      return sum;
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::solve_current_balance()
    {
      // Current balance, for every particle i that the beam charges
      // negatively (I_c,i = q_uP j pi r_i^2 > 0; Q_b,i its beam charge,
      // I_i(Q) its emitted current, h_i = ln I_c,i - ln I_i):
      //   Q_i >= Q_b,i,   h_i(Q) >= 0,   (Q_i - Q_b,i) h_i = 0:
      // the particle keeps the beam charge unless that would emit more
      // than the charging current, and then holds the charge at which
      // it emits exactly that (near zero or positive where zero-field
      // thermionic emission alone exceeds it). Semismooth Newton on
      // min(s_i (Q_i - Q_b,i), h_i) = 0, s_i = D_i / c_i the rise of
      // ln I_i per unit charge of an isolated sphere (D_i = d ln I_i / dF,
      // c_i = 4 pi eps0 r_i^2), as in solve_field_emission_cap(): the
      // surface fields are affine in the charges (and guard potentials),
      // so each Newton step is one linear system for the balanced
      // particles, solved by GMRES with one PDE solve per product. Its
      // Jacobian is sum_k w_k J'(F_k) dF_k / I_i over every surface vertex
      // k. As the fields are affine, the step's own field is one more
      // solve, after which a backtracking line search on the residual
      // costs no solves.
      const unsigned int n         = particles.size();
      const double       tolerance = parameters.charge_tolerance;
      const double       pi        = boost::math::constants::pi<double>();
      const double       minus_infinity =
        -std::numeric_limits<double>::infinity();
      // One e-fold of current per GV/m: the least slope s_i is scaled with.
      constexpr double least_log_slope = 1e-9; // m/V

      std::vector<double> capacity(n), log_target(n, minus_infinity);
      std::vector<bool>   emits(n, false);
      for (unsigned int i = 0; i < n; ++i)
        {
          ParticleState &particle = particles[i];
          const double   r        = particle.geometry.radius;
          capacity[i] = 4 * pi * vacuum_permittivity * r * r;
          particle.charging_current = parameters.beam.charging_current(r);
          emits[i] = particle.charging_current > 0;
          if (!emits[i])
            continue;
          log_target[i] = std::log(particle.charging_current);
          // Zero-field thermionic current of the whole surface.
          const EmitterSurface emitter = emitter_of(i);
          const double         log_thermionic =
            std::log(4 * pi * r * r) +
            log_retarded_thermionic_current_density(0., emitter);
          particle.thermionically_limited = log_thermionic > log_target[i];
          if (particle.thermionically_limited)
            {
              // Start from the isolated sphere on the retarding branch:
              // potential V with e V / k_B T ~ ln(I_th / I_c).
              const double thermal_voltage =
                emission_constants::boltzmann_eV_per_K * emitter.temperature_K;
              const double potential =
                thermal_voltage * (log_thermionic - log_target[i]);
              particle.charge =
                std::max(particle.beam_charge,
                         4 * pi * vacuum_permittivity * r * potential);
            }
        }

      const unsigned int n_guards =
        parameters.guard_electrodes ? layer_heights.size() : 0;
      const std::vector<Vector> guard_basis = guard_basis_potentials();
      std::vector<std::vector<std::vector<double>>> guard_fields;
      std::vector<std::vector<double>>              guard_potentials;

      for (charge_iterations = 1;
           charge_iterations <= parameters.max_charge_iterations;
           ++charge_iterations)
        {
          solve_and_evaluate();
          if (charge_iterations == 1)
            for (const Vector &basis : guard_basis)
              {
                guard_fields.push_back(vertex_emitting_fields(basis));
                guard_potentials.push_back(particle_potentials(basis));
              }
          const std::vector<std::vector<double>> fields =
            vertex_emitting_fields(ghosted_solution);
          const std::vector<double> log_current = log_emitted_currents(fields);
          std::vector<double>       potential(n);
          for (unsigned int i = 0; i < n; ++i)
            potential[i] = particles[i].potential;

          // Slope weights omega_k = w_k J_k (d ln J / dF)_k / I_i, so that
          // d ln I_i = sum_k omega_k dF_k, and D_i = sum_k omega_k.
          std::vector<std::vector<double>> omega(n);
          std::vector<double>              slope(n, 0.);
          for (unsigned int i = 0; i < n; ++i)
            if (emits[i] && log_current[i] > minus_infinity)
              {
                const EmitterSurface emitter = emitter_of(i);
                for (unsigned int k = 0; k < fields[i].size(); ++k)
                  {
                    const double F = fields[i][k];
                    const double w = vertex_areas(sample_dofs[i][k]);
                    const double log_J =
                      log_emission_current_density(F, emitter);
                    omega[i].push_back(
                      log_J == minus_infinity ?
                        0. :
                        std::exp(std::log(w) + log_J - log_current[i]) *
                          log_emission_current_density_slope(F, emitter));
                    slope[i] += omega[i].back();
                  }
              }
          internal::all_sum(slope, communicator);
          std::vector<double> charge_slope(n);
          for (unsigned int i = 0; i < n; ++i)
            charge_slope[i] =
              std::max(slope[i], least_log_slope) / capacity[i];

          // The residual min(s_i (Q_i - Q_b,i), h_i) of every free
          // particle, and each guard against its layer's mean potential,
          // for a state moved by t times a step (fields affine in t).
          const auto residuals =
            [&](const std::vector<std::vector<double>> &trial_fields,
                const std::vector<double>              &trial_charges,
                const std::vector<double>              &trial_potential,
                const std::vector<double>              &trial_layers) {
              const std::vector<double> trial_log_current =
                log_emitted_currents(trial_fields);
              std::vector<double> result(n + n_guards, 0.);
              for (unsigned int i = 0; i < n; ++i)
                if (emits[i])
                  {
                    const double h = log_target[i] - trial_log_current[i];
                    const double s = charge_slope[i] *
                                     (trial_charges[i] - particles[i].beam_charge);
                    result[i] = std::min(s, h);
                  }
              const std::vector<double> mean = layer_means(trial_potential);
              double                    largest_mean = 0;
              for (unsigned int l = 0; l < n_guards; ++l)
                largest_mean = std::max(largest_mean, std::abs(mean[l]));
              for (unsigned int l = 0; l < n_guards; ++l)
                result[n + l] = largest_mean > 0 ?
                                  (mean[l] - trial_layers[l]) / largest_mean :
                                  0.;
              return result;
            };
          std::vector<double> charges(n);
          for (unsigned int i = 0; i < n; ++i)
            charges[i] = particles[i].charge;
          const std::vector<double> residual =
            residuals(fields, charges, potential, layer_potentials);
          charge_residual = 0;
          double guard_residual = 0;
          for (unsigned int i = 0; i < n; ++i)
            charge_residual = std::max(charge_residual, std::abs(residual[i]));
          for (unsigned int l = 0; l < n_guards; ++l)
            guard_residual =
              std::max(guard_residual, std::abs(residual[n + l]));

          // Balanced set: where the current constraint binds.
          std::vector<unsigned int> balanced;
          std::vector<double>       step(n, 0.);
          for (unsigned int i = 0; i < n; ++i)
            if (emits[i])
              {
                const double h = log_target[i] - log_current[i];
                const double s =
                  charge_slope[i] * (charges[i] - particles[i].beam_charge);
                if (h < s)
                  balanced.push_back(i);
                else
                  step[i] = particles[i].beam_charge - charges[i];
              }

          output.log() << "Newton step " << charge_iterations << ": "
                       << linear_iterations.back() << " CG iterations, "
                       << balanced.size() << " of " << n
                       << " particles balanced, current residual "
                       << charge_residual;
          if (n_guards > 0)
            output.log() << ", guard residual " << guard_residual;
          if (charge_residual <= tolerance && guard_residual <= tolerance)
            {
              output.log() << std::endl;
              converged = true;
              break;
            }

          // Linearised change of ln I and of the layer means for a field
          // change dF (all vertices) and particle potential change dP.
          const auto log_current_change =
            [&](const std::vector<std::vector<double>> &field_change) {
              std::vector<double> change(n, 0.);
              for (unsigned int i = 0; i < n; ++i)
                for (unsigned int k = 0; k < omega[i].size(); ++k)
                  change[i] += omega[i][k] * field_change[i][k];
              internal::all_sum(change, communicator);
              return change;
            };
          const auto add_guards =
            [&](std::vector<std::vector<double>> &field_change,
                std::vector<double>              &potential_change,
                const std::vector<double>        &guard_change) {
              for (unsigned int l = 0; l < n_guards; ++l)
                for (unsigned int i = 0; i < n; ++i)
                  {
                    for (unsigned int k = 0; k < field_change[i].size(); ++k)
                      field_change[i][k] +=
                        guard_change[l] * guard_fields[l][i][k];
                    potential_change[i] +=
                      guard_change[l] * guard_potentials[l][i];
                  }
            };

          // Right-hand side, with the released particles' response.
          std::vector<std::vector<double>> released_fields(n);
          std::vector<double>              released_potential(n, 0.);
          for (unsigned int i = 0; i < n; ++i)
            released_fields[i].assign(fields[i].size(), 0.);
          if (std::any_of(step.begin(), step.end(),
                          [](const double q) { return q != 0; }))
            {
              const Vector released = potential_of_charges(step);
              released_fields       = vertex_emitting_fields(released);
              released_potential    = particle_potentials(released);
            }
          const std::vector<double> released_log_current =
            log_current_change(released_fields);
          const std::vector<double> released_mean =
            layer_means(released_potential);
          const std::vector<double> mean = layer_means(potential);
          // Guard rows relative to the largest layer mean, as their
          // residual: dimensionless like the log-current rows.
          double largest_mean = 0;
          for (unsigned int l = 0; l < n_guards; ++l)
            largest_mean = std::max(largest_mean, std::abs(mean[l]));
          const double guard_weight =
            largest_mean > 0 ? 1. / largest_mean : 1.; // 1/V

          const unsigned int     n_balanced = balanced.size();
          const unsigned int     size       = n_balanced + n_guards;
          dealii::Vector<double> rhs(size), unknowns(size);
          internal::DiagonalScaling scaling;
          scaling.diagonal.reinit(size);
          for (unsigned int a = 0; a < n_balanced; ++a)
            {
              const unsigned int i = balanced[a];
              rhs[a] = log_target[i] - log_current[i] - released_log_current[i];
              // d ln I_i / dQ_i of an isolated sphere is -D_i / c_i.
              scaling.diagonal[a] = -1. / charge_slope[i];
            }
          for (unsigned int l = 0; l < n_guards; ++l)
            {
              rhs[n_balanced + l] =
                (mean[l] - layer_potentials[l] + released_mean[l]) *
                guard_weight;
              scaling.diagonal[n_balanced + l] = 1. / guard_weight;
            }

          // The step's response: fields and potentials of the balanced
          // charges and guard changes in src.
          const auto response =
            [&](const dealii::Vector<double>     &src,
                std::vector<std::vector<double>> &field_change,
                std::vector<double>              &potential_change) {
              std::vector<double> charge_change(n, 0.);
              for (unsigned int a = 0; a < n_balanced; ++a)
                charge_change[balanced[a]] = src[a];
              const Vector change = potential_of_charges(charge_change);
              field_change        = vertex_emitting_fields(change);
              potential_change    = particle_potentials(change);
              std::vector<double> guard_change(n_guards);
              for (unsigned int l = 0; l < n_guards; ++l)
                guard_change[l] = src[n_balanced + l];
              add_guards(field_change, potential_change, guard_change);
            };
          internal::ChargeOperator jacobian;
          jacobian.product = [&](dealii::Vector<double>       &dst,
                                 const dealii::Vector<double> &src) {
            std::vector<std::vector<double>> field_change;
            std::vector<double>              potential_change;
            response(src, field_change, potential_change);
            const std::vector<double> change = log_current_change(field_change);
            for (unsigned int a = 0; a < n_balanced; ++a)
              dst[a] = change[balanced[a]];
            const std::vector<double> change_mean =
              layer_means(potential_change);
            for (unsigned int l = 0; l < n_guards; ++l)
              dst[n_balanced + l] =
                (src[n_balanced + l] - change_mean[l]) * guard_weight;
          };
          // Inexact Newton: reduce the residual 1000-fold, no further than a
          // tenth of the tolerance.
          SolverControl control(std::max(100u, 2 * size),
                                std::max(1e-3 * rhs.l2_norm(),
                                         0.1 * tolerance));
          SolverGMRES<dealii::Vector<double>> gmres(
            control,
            SolverGMRES<dealii::Vector<double>>::AdditionalData(
              std::min(size + 2, 200u), /*right_preconditioning=*/true));
          try
            {
              if (size > 0)
                gmres.solve(jacobian, unknowns, rhs, scaling);
            }
          catch (const SolverControl::NoConvergence &failure)
            {
              throw SolverError(
                "the current balance's linear solve (GMRES) did not "
                "converge in " + std::to_string(failure.last_step) +
                " iterations (residual " +
                Utilities::to_string(failure.last_residual) + ")");
            }
          gmres_iterations.push_back(size > 0 ? control.last_step() : 0);

          // The full step's fields (one more solve), then backtracking on
          // the largest residual: ln J is far from linear in the field
          // (Fowler-Nordheim, Schottky, the retarding barrier).
          std::vector<std::vector<double>> step_fields;
          std::vector<double>              step_potential;
          for (unsigned int a = 0; a < n_balanced; ++a)
            step[balanced[a]] = unknowns[a];
          std::vector<double> guard_step(n_guards);
          for (unsigned int l = 0; l < n_guards; ++l)
            guard_step[l] = unknowns[n_balanced + l];
          {
            dealii::Vector<double> balanced_step(size);
            balanced_step = unknowns;
            response(balanced_step, step_fields, step_potential);
            for (unsigned int i = 0; i < n; ++i)
              {
                for (unsigned int k = 0; k < step_fields[i].size(); ++k)
                  step_fields[i][k] += released_fields[i][k];
                step_potential[i] += released_potential[i];
              }
          }
          const auto largest = [](const std::vector<double> &values) {
            double result = 0;
            for (const double v : values)
              result = std::max(result, std::abs(v));
            return result;
          };
          // The first of t = 1, 1/2, ... that lowers the residual, else
          // the full step.
          const double start = largest(residual);
          double       t     = 1;
          for (unsigned int trial = 0;; ++trial, t *= 0.5)
            {
              if (trial == 30)
                {
                  t = 1;
                  break;
                }
              std::vector<std::vector<double>> trial_fields = fields;
              std::vector<double>              trial_charges = charges,
                                  trial_potential = potential,
                                  trial_layers    = layer_potentials;
              for (unsigned int i = 0; i < n; ++i)
                {
                  for (unsigned int k = 0; k < fields[i].size(); ++k)
                    trial_fields[i][k] += t * step_fields[i][k];
                  trial_charges[i] += t * step[i];
                  trial_potential[i] += t * step_potential[i];
                }
              for (unsigned int l = 0; l < n_guards; ++l)
                trial_layers[l] += t * guard_step[l];
              if (largest(residuals(trial_fields, trial_charges,
                                    trial_potential, trial_layers)) <
                  (1 - 1e-4 * t) * start)
                break;
            }

          double largest_charge = 0;
          charge_change         = 0;
          for (unsigned int i = 0; i < n; ++i)
            {
              particles[i].charge += t * step[i];
              largest_charge =
                std::max(largest_charge, std::abs(particles[i].charge));
              charge_change = std::max(charge_change, std::abs(t * step[i]));
            }
          charge_change =
            largest_charge > 0 ? charge_change / largest_charge : 0.;
          if (n_guards > 0)
            {
              for (unsigned int l = 0; l < n_guards; ++l)
                layer_potentials[l] += t * guard_step[l];
              make_constraints(constraints, parameters.anode_potential,
                               layer_potentials, false);
            }
          output.log() << ", GMRES " << control.last_step()
                       << " iterations, step length " << t
                       << ", relative charge change " << charge_change
                       << std::endl;
        }
      for (auto &particle : particles)
        particle.limited =
          particle.charge >
          particle.beam_charge + 1e-9 * std::abs(particle.beam_charge);
      if (!converged)
        throw SolverError(
          "current balance (Newton) did not converge in " +
          std::to_string(parameters.max_charge_iterations) +
          " iterations (current residual " +
          Utilities::to_string(charge_residual) +
          " > Charging/Relative tolerance " +
          Utilities::to_string(parameters.charge_tolerance) +
          "; raise Charging/Maximum iterations)");
    }


    template <int dim, typename LA>
    double
    StreamPotential<dim, LA>::update_guard_potentials()
    {
      if (!(dim == 3 && parameters.guard_electrodes))
        return 0.;
      std::vector<double>       mean(layer_potentials.size(), 0.);
      std::vector<unsigned int> count(layer_potentials.size(), 0);
      for (const auto &p : particles)
        {
          mean[p.geometry.layer] += p.potential;
          ++count[p.geometry.layer];
        }
      double change = 0, largest = 0;
      for (unsigned int l = 0; l < mean.size(); ++l)
        {
          mean[l] /= std::max(count[l], 1u);
          change  = std::max(change, std::abs(mean[l] - layer_potentials[l]));
          largest = std::max(largest, std::abs(mean[l]));
        }
      change = largest > 0 ? change / largest : 0.;
      if (change > parameters.charge_tolerance)
        {
          layer_potentials = mean;
          make_constraints(constraints, parameters.anode_potential,
                           layer_potentials, false);
        }
      return change;
    }


    // ------------------------------------------------------------------
    // Output
    // ------------------------------------------------------------------

    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::output_results()
    {
      TimerOutput::Scope scope(timer, "output");
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
          csv << i << ',' << p.geometry.center[0] << ','
              << p.geometry.center[1] << ',' << p.geometry.center[2] << ','
              << p.geometry.radius << ',' << p.charge << ',' << p.potential
              << ',' << p.max_surface_field << ',' << (p.limited ? 1 : 0)
              << ',' << p.geometry.layer << ',' << p.beam_charge << ','
              << p.flux_charge << ',' << p.max_emitting_field << ','
              << p.emitted_current << ',' << p.galerkin_charge << ','
              << p.charging_current << ','
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
      Point<dim> base;
      double     z_start = 0, z_end = domain_top;
      if constexpr (dim == 3)
        {
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
          base[0] = particles[closest].geometry.center[0];
          base[1] = particles[closest].geometry.center[1];
          if (parameters.enclosure_shape == meshes::EnclosureShape::sphere)
            z_start = -parameters.enclosure_size,
            z_end   = parameters.enclosure_size;
        }
      else
        base[0] = -parameters.slab_half_width +
                  parameters.beam.position_in_spot * 2 *
                    parameters.slab_half_width;

      const unsigned int  n = parameters.profile_points;
      std::vector<double> z(n), potential(n, 0.), field(n, 0.), found(n, 0.);
      for (unsigned int k = 0; k < n; ++k)
        z[k] = z_start + (z_end - z_start) * k / (n - 1);

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
              lateral_hit =
                lateral_hit && box.get_boundary_points().first[d] <= base[d] &&
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
                FEValues<dim> values(mapping, fe,
                                     Quadrature<dim>(std::vector<Point<dim>>{
                                       unit}),
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
            if constexpr (dim == 3)
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
        csv << base[0] << ',' << (dim == 3 ? base[1] : 0.) << ',' << z[k]
            << ',' << potential[k] << ',' << field[k] << ',' << inside[k]
            << '\n';
      output.write_table("profile.csv", csv.str());
    }


    template <int dim, typename LA>
    unsigned int
    StreamPotential<dim, LA>::particle_containing(
      const Point<dim> &p,
      const double      relative_margin) const
    {
      if constexpr (dim == 3)
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
      (void)p;
      (void)relative_margin;
      return numbers::invalid_unsigned_int;
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::write_plane_average_csv()
    {
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
      if constexpr (dim == 3)
        {
          TimerOutput::Scope scope(timer, "output");
          const double r = parameters.layout.particle_radius;
          std::array<unsigned int, 2> n_lateral;
          std::array<double, 2>       step;
          for (unsigned int a = 0; a < 2; ++a)
            {
              const double L = periodic_cell.high[a] - periodic_cell.low[a];
              n_lateral[a]   = static_cast<unsigned int>(std::ceil(L / (r / 4)));
              step[a]        = L / n_lateral[a];
            }
          const unsigned int n_planes = parameters.profile_points;
          const double       dz       = domain_top / (n_planes - 1);
          const auto         index    = [&](unsigned int i, unsigned int j,
                                 unsigned int k) {
            return (std::size_t(k) * n_lateral[1] + j) * n_lateral[0] + i;
          };
          const std::size_t   n_points = std::size_t(n_planes) * n_lateral[0] * n_lateral[1];
          std::vector<double> sum(n_points, 0.), found(n_points, 0.);
          std::vector<types::global_dof_index> cell_dofs(fe.n_dofs_per_cell());
          std::vector<double>                  cell_values(fe.n_dofs_per_cell());

          for (const auto &cell : dof_handler.active_cell_iterators())
            if (cell->is_locally_owned())
              {
                BoundingBox<3> box = cell->bounding_box();
                box.extend(0.1 * cell->diameter());
                const auto [lo, hi] = box.get_boundary_points();
                // Grid points (midpoints laterally, planes along z) in
                // the box.
                const auto first = [&](const double x, const double origin,
                                       const double h, const unsigned int n,
                                       const double offset) {
                  return static_cast<unsigned int>(std::clamp(
                    std::ceil((x - origin) / h - offset), 0., double(n)));
                };
                std::array<unsigned int, 3> begin, end;
                for (unsigned int a = 0; a < 2; ++a)
                  {
                    begin[a] = first(lo[a], periodic_cell.low[a], step[a], n_lateral[a], 0.5);
                    end[a]   = first(hi[a], periodic_cell.low[a], step[a], n_lateral[a], 0.5 - 1e-12);
                    end[a]   = std::min(end[a] + 1, n_lateral[a]);
                  }
                begin[2] = first(lo[2], 0., dz, n_planes, 0.);
                end[2]   = std::min(first(hi[2], 0., dz, n_planes, 0.) + 1, n_planes);
                // The straight tetrahedron through the cell's vertices:
                // its affine map is the cell's own where no edge is curved
                // (all but the cells at the particle surfaces), and a
                // cheap first test for the curved ones.
                bool curved = false;
                for (const unsigned int l : cell->line_indices())
                  curved |= cell->line(l)->manifold_id() !=
                            numbers::flat_manifold_id;
                const Point<3> v0 = cell->vertex(0);
                Tensor<2, 3>   edges;
                for (unsigned int a = 0; a < 3; ++a)
                  for (unsigned int b = 0; b < 3; ++b)
                    edges[b][a] = cell->vertex(a + 1)[b] - v0[b];
                const Tensor<2, 3> to_unit = invert(edges);
                std::vector<Point<3>>    units;
                std::vector<std::size_t> hits;
                for (unsigned int k = begin[2]; k < end[2]; ++k)
                  for (unsigned int j = begin[1]; j < end[1]; ++j)
                    for (unsigned int i = begin[0]; i < end[0]; ++i)
                      {
                        const Point<3> x(periodic_cell.low[0] + (i + 0.5) * step[0],
                                         periodic_cell.low[1] + (j + 0.5) * step[1],
                                         k * dz);
                        if (!box.point_inside(x))
                          continue;
                        Point<3> unit(to_unit * (x - v0));
                        // (A curved face bulges by a small fraction of the
                        // cell: points well outside the straight cell are
                        // outside the curved one too.)
                        if (!cell->reference_cell().contains_point(
                              unit, curved ? 0.25 : 1e-10))
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
                        hits.push_back(index(i, j, k));
                      }
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
          std::ostringstream csv;
          csv << std::setprecision(17);
          csv << "z_m,mean_potential_V,vacuum_fraction,unlocated_points\n";
          const double n_plane = double(n_lateral[0]) * n_lateral[1];
          for (unsigned int k = 0; k < n_planes; ++k)
            {
              double       mean = 0, vacuum = 0;
              unsigned int unlocated = 0;
              for (unsigned int j = 0; j < n_lateral[1]; ++j)
                for (unsigned int i = 0; i < n_lateral[0]; ++i)
                  {
                    const std::size_t m = index(i, j, k);
                    if (found[m] > 0)
                      {
                        mean += sum[m] / found[m];
                        vacuum += 1;
                        continue;
                      }
                    // Inside a conductor, or in the sliver between a
                    // particle's curved cells and its exact sphere.
                    const Point<3> x(periodic_cell.low[0] + (i + 0.5) * step[0],
                                     periodic_cell.low[1] + (j + 0.5) * step[1],
                                     k * dz);
                    const unsigned int p = particle_containing(x, 1e-2);
                    if (p != numbers::invalid_unsigned_int)
                      mean += particles[p].potential;
                    else
                      ++unlocated;
                  }
              const double located = n_plane - unlocated;
              csv << k * dz << ',' << (located > 0 ? mean / located : 0.) << ','
                  << vacuum / n_plane << ',' << unlocated << '\n';
            }
          output.write_table("plane_average.csv", csv.str());
        }
    }


    template <int dim, typename LA>
    nlohmann::json
    StreamPotential<dim, LA>::write_summary(const double max_abs_potential)
    {
      nlohmann::json summary;
      summary["solver"]           = "stream-potential";
      summary["model"]            = dim == 3 ? "particles" : "continuum";
      summary["converged"]        = converged;
      summary["n_particles"]      = particles.size();
      summary["max_abs_potential_V"] = max_abs_potential;
      summary["charge_iterations"] = charge_iterations;
      summary["charge_change"]     = charge_change;
      summary["charge_residual"]   = charge_residual;
      summary["charge_tolerance"]  = parameters.charge_tolerance;
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
      summary["n_mpi_ranks"] = Utilities::MPI::n_mpi_processes(communicator);
      summary["linear_algebra"] = LA::name;
      if (periodic())
        {
          // The lateral extent of the periodic cell and the charge per
          // unit area of the infinite stream it stands for.
          const Tensor<1, 2> period = periodic_cell.high - periodic_cell.low;
          double             charge = 0;
          for (const auto &p : particles)
            charge += p.charge;
          summary["periodic_cell_m"] = {periodic_cell.low[0], periodic_cell.low[1],
                                        periodic_cell.high[0], periodic_cell.high[1]};
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

      if constexpr (dim == 3)
        {
          double total = 0, max_field = 0, max_emitting = 0,
                 flux_error = 0, galerkin_error = 0, min_potential = 0,
                 max_potential = 0;
          unsigned int n_limited      = 0, n_thermionically_limited = 0;
          double       largest_charge = 0;
          min_potential = max_potential = particles[0].potential;
          for (const auto &p : particles)
            {
              total += p.charge;
              max_field    = std::max(max_field, p.max_surface_field);
              max_emitting = std::max(max_emitting, p.max_emitting_field);
              flux_error = std::max(flux_error,
                                    std::abs(p.flux_charge - p.charge));
              galerkin_error =
                std::max(galerkin_error,
                         std::abs(p.galerkin_charge - p.charge));
              largest_charge = std::max(largest_charge, std::abs(p.charge));
              min_potential = std::min(min_potential, p.potential);
              max_potential = std::max(max_potential, p.potential);
              n_limited += p.limited;
              n_thermionically_limited += p.thermionically_limited;
            }
          summary["total_charge_C"]              = total;
          summary["max_surface_field_V_per_m"]   = max_field;
          summary["max_emitting_field_V_per_m"]  = max_emitting;
          summary["n_limited"]                   = n_limited;
          if (parameters.charging_model == ChargingModel::current_balance)
            {
              // Particles whose zero-field thermionic current alone exceeds
              // the charging current (balanced in a retarding field), and
              // each one's charging current and status.
              summary["n_thermionically_limited"] = n_thermionically_limited;
              nlohmann::json status = nlohmann::json::array();
              for (const auto &p : particles)
                status.push_back(!p.limited ? "beam charge" :
                                 p.thermionically_limited ?
                                              "thermionically limited" :
                                              "emission limited");
              summary["particle_status"] = status;
            }
          summary["min_particle_potential_V"]    = min_potential;
          summary["max_particle_potential_V"]    = max_potential;
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
              summary["gmres_iterations"]        = gmres_iterations;
              summary["recycled_directions"]     = recycled_directions;
              summary["response_solves"]         = response_solves;
              summary["response_cg_iterations"]  = response_cg_iterations;
            }
          if (parameters.uses_beam())
            {
              summary["beam_current_density_A_per_m2"] =
                parameters.beam.current_density();
              summary["beam_charge_C"] = particles[0].beam_charge;
            }
        }
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
      if constexpr (dim == 3)
        {
          log << summary["n_particles"].get<unsigned int>()
              << " particles at "
              << summary["min_particle_potential_V"].get<double>() / 1e3
              << " to "
              << summary["max_particle_potential_V"].get<double>() / 1e3
              << " kV, total charge "
              << summary["total_charge_C"].get<double>()
              << " C, peak surface field "
              << summary["max_surface_field_V_per_m"].get<double>()
              << " V/m";
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
          << " (summary.json, profile.csv, solution.pvd"
          << (dim == 3 ? ", particles.csv" : "")
          << (summary.contains("periodic_cell_m") ? ", plane_average.csv" : "")
          << "; " << summary["wall_time_s"].get<double>() << " s)"
          << std::endl;
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::solve_and_evaluate()
    {
      // The field of the current charges and boundary potentials, and
      // each particle's potential and surface fields.
      assemble_rhs();
      linear_iterations.push_back(solve());
      evaluate_particles();
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::solve_charge_fixed_point()
    {
      // Prescribed charges and beam charging need one solve (more with
      // guard electrodes, whose potentials follow the layers).
      for (charge_iterations = 1;
           charge_iterations <= parameters.max_charge_iterations;
           ++charge_iterations)
        {
          solve_and_evaluate();
          charge_change = update_guard_potentials();
          output.log() << "Charge iteration " << charge_iterations << ": "
                       << linear_iterations.back() << " CG iterations, "
                       << "relative charge change " << charge_change
                       << std::endl;
          if (charge_change <= parameters.charge_tolerance)
            {
              converged = true;
              break;
            }
        }
      if (!converged)
        throw SolverError(
          "charge iteration did not converge in " +
          std::to_string(parameters.max_charge_iterations) +
          " iterations (relative change " + Utilities::to_string(charge_change) +
          " > Charging/Relative tolerance " +
          Utilities::to_string(parameters.charge_tolerance) + ")");

    }


    // ------------------------------------------------------------------

    template <int dim, typename LA>
    int
    StreamPotential<dim, LA>::run()
    {
      wall_clock.restart();
      if (parameters.uses_beam())
        output.log() << parameters.beam.describe() << std::endl;
      make_grid();
      setup_system();
      assemble_matrix();

      if (dim == 3 &&
          parameters.charging_model == ChargingModel::field_emission_cap)
        solve_field_emission_cap();
      else if (dim == 3 &&
               parameters.charging_model == ChargingModel::current_balance)
        solve_current_balance();
      else
        solve_charge_fixed_point();

      double max_abs_potential = 0;
      write_profile_csv(max_abs_potential);
      if (periodic())
        write_plane_average_csv();
      write_particles_csv();
      output_results();
      timer.print_wall_time_statistics(communicator);
      // (Through the log's buffer now: in a sweep the next point's header
      // would otherwise come before this table.)
      output.log() << std::flush;
      report_results(write_summary(max_abs_potential));
      return exit_status::success;
    }
  } // namespace stream_potential
} // namespace xray

#endif

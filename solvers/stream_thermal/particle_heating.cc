#include "stream_thermal/particle_heating.h"

#include "common/errors.h"

#include <deal.II/base/function.h>
#include <deal.II/base/quadrature_lib.h>
#include <deal.II/dofs/dof_tools.h>
#include <deal.II/fe/fe_values.h>
#include <deal.II/grid/grid_generator.h>
#include <deal.II/grid/manifold_lib.h>
#include <deal.II/lac/dynamic_sparsity_pattern.h>
#include <deal.II/numerics/data_out.h>
#include <deal.II/numerics/vector_tools.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <map>
#include <numeric>
#include <sstream>

namespace xray
{
  namespace stream_thermal
  {
    namespace
    {
      constexpr double stefan_boltzmann = 5.670374419e-8; // W/(m^2 K^4)

      // TR-BDF2 (Bank et al., IEEE Trans. Electron Devices 32 (1985) 1992):
      // a trapezoidal stage to t_n + gamma dt, then BDF2 through t_n,
      // t_n + gamma dt and t_n+1. gamma = 2 - sqrt(2) makes both stages
      // share one Jacobian scale and the scheme L-stable.
      const double gamma_tr = 2 - std::sqrt(2.);
      // Quadrature of the heat in per step implied by the two stages (the
      // stored heat changes by exactly dt [w0 F(t_n) + w0 F(t_n + gamma dt)
      // + w1 F(t_n+1)], doc/stream-thermal.md).
      const double w0_tr = 1 / (2 * (2 - gamma_tr));
      const double w1_tr = (1 - gamma_tr) / (2 - gamma_tr);
    } // namespace


    template <int dim>
    ParticleHeating<dim>::ParticleHeating(const Parameters &parameters)
      : radius(parameters.radius)
      , inlet_temperature(parameters.inlet_temperature)
      , material(parameters.material)
      , melting_point(parameters.material.melting_point)
      // Below a limit at or under the melting point that allows no melting
      // the latent heat plays no part, and left out it keeps the peak
      // temperature smooth in the power for the limit search; a single
      // crossing shows any melting.
      , latent_heat(parameters.allowed_molten_fraction > 0 ||
                        parameters.task == Task::particle_heating ||
                        !(parameters.temperature_limit <=
                          parameters.material.melting_point) ?
                      parameters.material.latent_heat :
                      0.)
      , melting_range(parameters.melting_range)
      , emissivity(parameters.emissivity)
      , environment_temperature(parameters.environment_temperature)
      , fixed_surface(parameters.surface == Surface::fixed_temperature)
      , surface_temperature(parameters.surface_temperature)
      , sensible_enthalpy(parameters.material.heat_capacity,
                          parameters.inlet_temperature)
      , fe(parameters.degree)
      , mapping(parameters.degree + 1)
      , dof_handler(triangulation)
    {
      make_mesh(parameters);
      setup_system(parameters);
      cache_geometry();
      tabulate_heating(parameters);
    }


    template <int dim>
    void
    ParticleHeating<dim>::make_mesh(const Parameters &parameters)
    {
      if constexpr (dim == 1)
        {
          GridGenerator::hyper_cube(triangulation, 0, radius, true);
          triangulation.refine_global(parameters.refinements + 3);
          exact_volume = radius;
        }
      else
        {
          if constexpr (dim == 2)
            GridGenerator::half_hyper_ball(triangulation, Point<dim>(), radius);
          else
            GridGenerator::hyper_ball(triangulation, Point<dim>(), radius);
          // The surface is a sphere; the cells inside follow it by
          // transfinite interpolation (smooth, so the mapping of degree
          // p + 1 converges at its full order).
          triangulation.set_all_manifold_ids(1);
          for (const auto &cell : triangulation.active_cell_iterators())
            for (const auto &face : cell->face_iterators())
              if (face->at_boundary() && face->boundary_id() == 0)
                face->set_all_manifold_ids(0);
          triangulation.set_manifold(0, SphericalManifold<dim>(Point<dim>()));
          TransfiniteInterpolationManifold<dim> interior;
          interior.initialize(triangulation);
          triangulation.set_manifold(1, interior);
          triangulation.refine_global(parameters.refinements);
          exact_volume = 4. / 3 * numbers::PI * std::pow(radius, 3);
        }
    }


    template <int dim>
    void
    ParticleHeating<dim>::setup_system(const Parameters &)
    {
      dof_handler.distribute_dofs(fe);
      constraints.clear();
      if (fixed_surface)
        DoFTools::make_zero_boundary_constraints(dof_handler, 0, constraints);
      constraints.close();
      DynamicSparsityPattern dsp(dof_handler.n_dofs());
      DoFTools::make_sparsity_pattern(dof_handler, dsp, constraints, false);
      sparsity.copy_from(dsp);
      jacobian_matrix.reinit(sparsity);
    }


    template <int dim>
    double
    ParticleHeating<dim>::depth(const Point<dim> &p) const
    {
      if constexpr (dim == 1)
        return std::max(p[0], 0.);
      double lateral2 = 0;
      for (unsigned int d = 0; d + 1 < dim; ++d)
        lateral2 += p[d] * p[d];
      const double top = std::sqrt(std::max(radius * radius - lateral2, 0.));
      return std::max(top - p[dim - 1], 0.);
    }


    template <int dim>
    double
    ParticleHeating<dim>::weight(const Point<dim> &p) const
    {
      return dim == 2 ? 2 * numbers::PI * p[0] : 1.;
    }


    template <int dim>
    void
    ParticleHeating<dim>::tabulate_heating(const Parameters &parameters)
    {
      // The depth profile h along the beam through solid particle material;
      // with mean-field shadowing a particle in layer k lies below the
      // solid-equivalent thickness of the layers above, d_0 = (k - 1)
      // t_layer, t_layer = n_A V_p / layers (without, d_0 = 0: equal shares).
      DepthProfile profile;
      if (parameters.deposition == Deposition::depth_dose)
        profile = DepthProfile::depth_dose({1.}, {parameters.electron_range});
      else if (parameters.deposition == Deposition::table)
        profile = DepthProfile::read_table(parameters.depth_dose_file, 1.);
      const auto h = [&](const double d) {
        return parameters.deposition == Deposition::uniform ? 1. :
                                                              profile.value(d);
      };
      const double layer_thickness =
        dim == 1 || !parameters.mean_field_shadowing ?
          0. :
          areal_density(radius, parameters.packing) * exact_volume /
            parameters.layers;

      const QGauss<dim>   quadrature(fe.degree + 2);
      FEValues<dim>       fe_values(mapping,
                              fe,
                              quadrature,
                              update_quadrature_points | update_JxW_values);
      const unsigned int  n_layers = dim == 1 ? 1 : parameters.layers;
      std::vector<double> absorbed(n_layers, 0.);
      discrete_volume = 0;
      for (const auto &cell : dof_handler.active_cell_iterators())
        {
          fe_values.reinit(cell);
          for (unsigned int q = 0; q < quadrature.size(); ++q)
            {
              const Point<dim> &p  = fe_values.quadrature_point(q);
              const double      dV = fe_values.JxW(q) * weight(p);
              discrete_volume += dV;
              for (unsigned int k = 0; k < n_layers; ++k)
                absorbed[k] += h(k * layer_thickness + depth(p)) * dV;
            }
        }
      double mean = 0;
      for (const double a : absorbed)
        mean += a / n_layers;
      if (!(mean > 0))
        throw InputError("Beam/Deposition: the depth profile deposits nothing "
                         "in the particle");
      weights.clear();
      for (const double a : absorbed)
        weights.push_back(a / mean);

      const unsigned int k =
        parameters.layer > 0 ?
          parameters.layer - 1 :
          std::max_element(weights.begin(), weights.end()) - weights.begin();
      // The shape at the quadrature points and its load vector
      // b_i = int shape phi_i (sum_i b_i = 1: the particle absorbs exactly
      // the power it is given).
      FEValues<dim> fe_shape_values(mapping,
                                    fe,
                                    quadrature,
                                    update_values | update_quadrature_points |
                                      update_JxW_values);
      heating_shape.clear();
      heating_vector.reinit(dof_handler.n_dofs());
      std::vector<types::global_dof_index> dofs(fe.n_dofs_per_cell());
      for (const auto &cell : dof_handler.active_cell_iterators())
        {
          fe_shape_values.reinit(cell);
          cell->get_dof_indices(dofs);
          std::vector<double> shape(quadrature.size(), 0.);
          for (unsigned int q = 0; q < quadrature.size(); ++q)
            {
              const Point<dim> &p = fe_shape_values.quadrature_point(q);
              if (absorbed[k] > 0)
                shape[q] = h(k * layer_thickness + depth(p)) / absorbed[k];
              for (unsigned int i = 0; i < dofs.size(); ++i)
                heating_vector(dofs[i]) += shape[q] *
                                           fe_shape_values.shape_value(i, q) *
                                           fe_shape_values.JxW(q) * weight(p);
            }
          heating_shape.push_back(std::move(shape));
        }
      modelled_layer = k;
    }


    template <int dim>
    double
    ParticleHeating<dim>::molten_fraction(const double T) const
    {
      if (!(latent_heat > 0) || !std::isfinite(melting_point))
        return 0;
      return std::clamp((T - melting_point) / melting_range, 0., 1.);
    }


    template <int dim>
    double
    ParticleHeating<dim>::enthalpy(const double T) const
    {
      const double latent = latent_heat > 0 ? latent_heat : 0;
      return material.density *
             (sensible_enthalpy.value(T) + latent * molten_fraction(T));
    }


    template <int dim>
    double
    ParticleHeating<dim>::heat_capacity(const double T) const
    {
      double c = sensible_enthalpy.heat_capacity(T);
      if (latent_heat > 0 && std::isfinite(melting_point) &&
          T >= melting_point && T < melting_point + melting_range)
        c += latent_heat / melting_range;
      return material.density * c;
    }


    template <int dim>
    void
    ParticleHeating<dim>::cache_geometry()
    {
      // The mesh never changes: the shape functions, their gradients and
      // the volume and surface elements at the quadrature points are
      // computed once (a curved mapping is costly to re-evaluate).
      const QGauss<dim>     quadrature(fe.degree + 2);
      const QGauss<dim - 1> face_quadrature(fe.degree + 2);
      FEValues<dim>         fe_values(mapping,
                              fe,
                              quadrature,
                              update_values | update_gradients |
                                update_quadrature_points | update_JxW_values);
      FEFaceValues<dim>     fe_face_values(mapping,
                                       fe,
                                       face_quadrature,
                                       update_values |
                                         update_quadrature_points |
                                         update_JxW_values);
      const unsigned int    n = fe.n_dofs_per_cell();
      cells.clear();
      faces.clear();
      for (const auto &cell : dof_handler.active_cell_iterators())
        {
          fe_values.reinit(cell);
          CellData data;
          data.dofs.resize(n);
          cell->get_dof_indices(data.dofs);
          for (unsigned int q = 0; q < quadrature.size(); ++q)
            {
              data.dV.push_back(fe_values.JxW(q) *
                                weight(fe_values.quadrature_point(q)));
              for (unsigned int i = 0; i < n; ++i)
                {
                  data.phi.push_back(fe_values.shape_value(i, q));
                  data.grad.push_back(fe_values.shape_grad(i, q));
                }
            }
          for (const auto f : cell->face_indices())
            if (cell->face(f)->at_boundary() &&
                cell->face(f)->boundary_id() == 0)
              {
                fe_face_values.reinit(cell, f);
                FaceData face;
                face.cell = cells.size();
                for (unsigned int q = 0; q < face_quadrature.size(); ++q)
                  {
                    face.dA.push_back(
                      fe_face_values.JxW(q) *
                      weight(fe_face_values.quadrature_point(q)));
                    for (unsigned int i = 0; i < n; ++i)
                      face.phi.push_back(fe_face_values.shape_value(i, q));
                  }
                faces.push_back(std::move(face));
              }
          cells.push_back(std::move(data));
        }
    }


    template <int dim>
    void
    ParticleHeating<dim>::assemble(const Vector<double> &U,
                                   const double          heating_power,
                                   Vector<double>       &M,
                                   Vector<double>       &F,
                                   const double          jacobian_beta_dt)
    {
      const bool          with_jacobian = jacobian_beta_dt >= 0;
      const unsigned int  n             = fe.n_dofs_per_cell();
      FullMatrix<double>  cell_matrix(n, n);
      std::vector<double> u(n);

      M = 0;
      F = 0;
      if (with_jacobian)
        jacobian_matrix = 0;
      for (unsigned int c = 0; c < cells.size(); ++c)
        {
          const CellData &cell = cells[c];
          for (unsigned int i = 0; i < n; ++i)
            u[i] = U(cell.dofs[i]);
          cell_matrix = 0;
          // M_i = int H(T) phi_i, F_i = int (s phi_i - k grad T . grad phi_i)
          for (unsigned int q = 0; q < cell.dV.size(); ++q)
            {
              const double         *phi  = &cell.phi[q * n];
              const Tensor<1, dim> *grad = &cell.grad[q * n];
              double                T    = 0;
              Tensor<1, dim>        grad_T;
              for (unsigned int i = 0; i < n; ++i)
                {
                  T += u[i] * phi[i];
                  grad_T += u[i] * grad[i];
                }
              const double         dV = cell.dV[q];
              const double         H  = enthalpy(T) * dV;
              const double         k  = material.conductivity.value(T);
              const double         s = heating_power * heating_shape[c][q] * dV;
              const Tensor<1, dim> flux = k * dV * grad_T;
              for (unsigned int i = 0; i < n; ++i)
                {
                  M(cell.dofs[i]) += H * phi[i];
                  F(cell.dofs[i]) += s * phi[i] - flux * grad[i];
                }
              if (with_jacobian)
                {
                  const double         dH = heat_capacity(T) * dV;
                  const double         bk = jacobian_beta_dt * k * dV;
                  const Tensor<1, dim> bdk =
                    jacobian_beta_dt * material.conductivity.derivative(T) *
                    dV * grad_T;
                  for (unsigned int i = 0; i < n; ++i)
                    for (unsigned int j = 0; j < n; ++j)
                      cell_matrix(i, j) +=
                        dH * phi[j] * phi[i] +
                        (bk * grad[j] + phi[j] * bdk) * grad[i];
                }
            }
          if (with_jacobian)
            constraints.distribute_local_to_global(cell_matrix,
                                                   cell.dofs,
                                                   jacobian_matrix);
        }
      // Radiation: F_i -= oint eps sigma (T^4 - T_env^4) phi_i.
      if (fixed_surface || emissivity == 0)
        return;
      const double Te4 = std::pow(environment_temperature, 4);
      for (const FaceData &face : faces)
        {
          const CellData &cell = cells[face.cell];
          cell_matrix          = 0;
          for (unsigned int q = 0; q < face.dA.size(); ++q)
            {
              const double *phi = &face.phi[q * n];
              double        T   = 0;
              for (unsigned int i = 0; i < n; ++i)
                T += U(cell.dofs[i]) * phi[i];
              const double flux = emissivity * stefan_boltzmann *
                                  (T * T * T * T - Te4) * face.dA[q];
              for (unsigned int i = 0; i < n; ++i)
                F(cell.dofs[i]) -= flux * phi[i];
              if (with_jacobian)
                {
                  const double dflux = jacobian_beta_dt * 4 * emissivity *
                                       stefan_boltzmann * T * T * T *
                                       face.dA[q];
                  for (unsigned int i = 0; i < n; ++i)
                    for (unsigned int j = 0; j < n; ++j)
                      cell_matrix(i, j) += dflux * phi[i] * phi[j];
                }
            }
          if (with_jacobian)
            constraints.distribute_local_to_global(cell_matrix,
                                                   cell.dofs,
                                                   jacobian_matrix);
        }
    }


    template <int dim>
    unsigned int
    ParticleHeating<dim>::solve_stage(Vector<double>       &U,
                                      const double          beta_dt,
                                      const double          heating_power,
                                      const Vector<double> &rhs,
                                      Vector<double>       &M,
                                      Vector<double>       &F)
    {
      Vector<double> G(U.size()), delta(U.size()), trial(U.size()),
        trial_G(U.size());
      // G = M(V) - beta dt F(V) - rhs from the M, F last assembled.
      const auto stage_residual = [&](Vector<double> &R) {
        R = M;
        R.add(-beta_dt, F);
        R -= rhs;
        constraints.set_zero(R);
        return R.l2_norm();
      };
      const auto residual = [&](const Vector<double> &V, Vector<double> &R) {
        assemble(V, heating_power, M, F, -1);
        return stage_residual(R);
      };
      // The Jacobian at U; its assembly gives M, F and so G of U too.
      const auto factorize = [&]() {
        assemble(U, heating_power, M, F, beta_dt);
        factorization.factorize(jacobian_matrix);
        factorized_beta_dt = beta_dt;
        // (the Jacobian's beta dt; the stages' values may differ by round-off)
        ++factorizations;
        return stage_residual(G);
      };
      // Newton with the Jacobian kept while it converges fast (both
      // TR-BDF2 stages share beta dt, so it serves many stages and steps),
      // renewed when the update shrinks by less than a factor of 10 or a
      // step has to be shortened.
      // (gamma / 2 and (1 - gamma) / (2 - gamma) agree to round-off)
      bool   fresh = false;
      double norm  = std::abs(factorized_beta_dt - beta_dt) > 1e-12 * beta_dt ?
                       factorize() :
                       residual(U, G);
      double previous_size = std::numeric_limits<double>::infinity();
      for (unsigned int iteration = 1; iteration <= 60; ++iteration)
        {
          delta = G;
          factorization.solve(delta);
          delta *= -1;
          constraints.set_zero(delta);
          // Backtracking: the latent heat makes H(T) kink at the ends of the
          // melting range, where a full step may overshoot.
          double step = 1, trial_norm = 0;
          for (;; step /= 2)
            {
              trial = U;
              trial.add(step, delta);
              trial_norm = residual(trial, trial_G);
              if ((std::isfinite(trial_norm) && trial_norm <= norm) ||
                  step < 1. / 64 || !fresh)
                break;
            }
          const bool reduced = std::isfinite(trial_norm) && trial_norm <= norm;
          if (!reduced && !fresh)
            {
              norm  = factorize();
              fresh = true;
              continue;
            }
          if (!std::isfinite(trial_norm))
            break;
          U.swap(trial);
          G.swap(trial_G);
          norm              = trial_norm;
          const double size = step * delta.linfty_norm();
          if (size <= 1e-8 * std::max(U.linfty_norm(), 1.))
            return iteration; // M, F belong to the last residual: that of U
          fresh = false;
          if (size > previous_size / 10 || step < 1)
            {
              norm  = factorize(); // (M, F of U again)
              fresh = true;
            }
          previous_size = size;
        }
      throw SolverError("Newton did not converge in a time step of the "
                        "particle (residual " +
                        Utilities::to_string(norm) +
                        "); try more Time/Steps across spot");
    }


    template <int dim>
    typename ParticleHeating<dim>::State
    ParticleHeating<dim>::state(const Vector<double> &U) const
    {
      State              result{*std::max_element(U.begin(), U.end()),
                   *std::min_element(U.begin(), U.end()),
                   0,
                   0};
      const unsigned int n = fe.n_dofs_per_cell();
      for (const CellData &cell : cells)
        for (unsigned int q = 0; q < cell.dV.size(); ++q)
          {
            double T = 0;
            for (unsigned int i = 0; i < n; ++i)
              T += U(cell.dofs[i]) * cell.phi[q * n + i];
            result.mean += T * cell.dV[q];
            result.molten += molten_fraction(T) * cell.dV[q];
          }
      result.mean /= discrete_volume;
      result.molten /= discrete_volume;
      return result;
    }


    template <int dim>
    void
    ParticleHeating<dim>::write_field(const RunOutput      &output,
                                      const Vector<double> &U,
                                      const double          time,
                                      const double          heating_power) const
    {
      Vector<double> molten(U.size());
      for (unsigned int i = 0; i < U.size(); ++i)
        molten(i) = molten_fraction(U(i));
      Vector<float> heating(triangulation.n_active_cells());
      for (unsigned int c = 0; c < heating.size(); ++c)
        {
          double sum = 0;
          for (const double shape : heating_shape[c])
            sum += shape;
          heating(c) = heating_power * sum / heating_shape[c].size();
        }
      DataOut<dim> data_out;
      data_out.attach_dof_handler(dof_handler);
      data_out.add_data_vector(U, "temperature_K");
      data_out.add_data_vector(molten, "molten_fraction");
      data_out.add_data_vector(heating, "heating_W_per_m3");
      // The ranks all hold the same particle: rank 0 writes it.
      const bool is_root =
        Utilities::MPI::this_mpi_process(MPI_COMM_WORLD) == 0;
      data_out.set_cell_selection(
        [is_root](const typename Triangulation<dim>::cell_iterator &cell) {
          return is_root && cell->is_active();
        });
      data_out.build_patches(mapping,
                             fe.degree,
                             DataOut<dim>::curved_inner_cells);
      output.write_solution(data_out, time);
    }


    template <int dim>
    Vector<double>
    ParticleHeating<dim>::initial_temperature() const
    {
      // The particle enters at the inlet temperature; a held surface is at
      // its own from the start.
      Vector<double> U(dof_handler.n_dofs());
      U = inlet_temperature;
      if (fixed_surface)
        {
          std::map<types::global_dof_index, double> boundary;
          VectorTools::interpolate_boundary_values(
            mapping,
            dof_handler,
            0,
            Functions::ConstantFunction<dim>(surface_temperature),
            boundary);
          for (const auto &[i, value] : boundary)
            U(i) = value;
        }
      return U;
    }


    template <int dim>
    void
    ParticleHeating<dim>::take_step(StepVectors                 &x,
                                    const unsigned int           n,
                                    const double                 dt,
                                    const double                 previous_power,
                                    const std::array<double, 3> &P,
                                    Crossing                    &result)
    {
      // TR-BDF2 from t_n to t_n+1 at the absorbed powers P = (P(t_n),
      // P(t_n + gamma dt), P(t_n+1)) (doc/theory.md): a trapezoidal stage
      // to t_n + gamma dt, then BDF2 through both. The power may jump at
      // t_n: F at t_n takes the step's own.
      const double beta1 = gamma_tr / 2 * dt, beta2 = w1_tr * dt;
      x.F0.add(P[0] - previous_power, heating_vector);
      const double R0 = P[0] - std::accumulate(x.F0.begin(), x.F0.end(), 0.);
      x.rhs           = x.M0;
      x.rhs.add(beta1, x.F0);
      // Guesses extrapolated linearly from the last step and stage.
      x.U1 = x.U0;
      if (n > 0)
        x.U1.add(gamma_tr, x.U0, -gamma_tr, x.U_previous);
      result.newton_iterations +=
        solve_stage(x.U1, beta1, P[1], x.rhs, x.M1, x.F1);
      x.rhs = 0;
      x.rhs.add(1 / (gamma_tr * (2 - gamma_tr)),
                x.M1,
                -(1 - gamma_tr) * (1 - gamma_tr) / (gamma_tr * (2 - gamma_tr)),
                x.M0);
      x.U2 = x.U1;
      x.U2.add((1 - gamma_tr) / gamma_tr,
               x.U1,
               -(1 - gamma_tr) / gamma_tr,
               x.U0);
      result.newton_iterations +=
        solve_stage(x.U2, beta2, P[2], x.rhs, x.M2, x.F2);

      // The heat in and radiated, by the same quadrature in time.
      const double Rg = P[1] - std::accumulate(x.F1.begin(), x.F1.end(), 0.);
      const double R1 = P[2] - std::accumulate(x.F2.begin(), x.F2.end(), 0.);
      result.energy_in += dt * (w0_tr * (P[0] + P[1]) + w1_tr * P[2]);
      result.energy_radiated += dt * (w0_tr * (R0 + Rg) + w1_tr * R1);
      x.U_previous = x.U0;
      x.U0.swap(x.U2);
      x.M0.swap(x.M2);
      x.F0.swap(x.F2);
      ++result.time_steps;
    }


    template <int dim>
    void
    ParticleHeating<dim>::note_state(const State &s,
                                     const double t,
                                     const bool   at_exit,
                                     Crossing    &result)
    {
      // The crossing's extremes so far, and the state at the spot's exit.
      if (s.peak > result.max_peak_temperature)
        {
          result.max_peak_temperature = s.peak;
          result.time_of_max_peak     = t;
        }
      result.max_spread          = std::max(result.max_spread, s.peak - s.min);
      result.max_min_temperature = std::max(result.max_min_temperature, s.min);
      result.max_molten_fraction =
        std::max(result.max_molten_fraction, s.molten);
      if (at_exit)
        {
          result.exit_peak_temperature = s.peak;
          result.exit_mean_temperature = s.mean;
          result.exit_min_temperature  = s.min;
          result.exit_molten_fraction  = s.molten;
        }
    }


    template <int dim>
    double
    ParticleHeating<dim>::energy_balance(const Crossing &result) const
    {
      // Relative to the heat in; without a beam (Beam power = 0: a particle
      // only cooling) to the heat radiated; undefined (null) when neither
      // flows, as for a held surface, whose heat flow is not tallied.
      const double energy_scale =
        result.energy_in > 0 ? result.energy_in :
        emissivity > 0       ? std::abs(result.energy_radiated) :
                               0.;
      return fixed_surface || !(energy_scale > 0) ?
               std::numeric_limits<double>::quiet_NaN() :
               (result.energy_stored + result.energy_radiated -
                result.energy_in) /
                 energy_scale;
    }


    template <int dim>
    Crossing
    ParticleHeating<dim>::cross_spot(const Parameters &parameters,
                                     const double      beam_power,
                                     const RunOutput  *output)
    {
      const double       tau     = parameters.crossing_time();
      const double       dt      = tau / parameters.steps_across_spot;
      const unsigned int n_steps = parameters.steps_across_spot +
                                   static_cast<unsigned int>(std::ceil(
                                     parameters.time_after_exit / dt - 1e-9));
      // Absorbed power of the particle per unit incident power density:
      // its share of the stream's absorption, S_uP w_k / n_A (slab: per
      // unit area, S_uP).
      const double share =
        parameters.split.at(parameters.tube_voltage).stream *
        weights[modelled_layer] *
        (dim == 1 ? 1. : 1 / areal_density(radius, parameters.packing));
      // Source of the step [t_n, t_n+1] at time t, taken inside the step so
      // that a jump of the beam at a step boundary belongs to one step.
      const auto power = [&](const double t, const double t_n) {
        const double inside =
          std::clamp(t, t_n + 1e-9 * dt, t_n + dt - 1e-9 * dt);
        return beam_power * share * parameters.intensity_per_watt(inside);
      };

      StepVectors x(dof_handler.n_dofs());
      x.U0 = initial_temperature();

      factorized_beta_dt    = -1; // a new crossing: a new Jacobian
      factorizations        = 0;
      double previous_power = power(0, 0);
      assemble(x.U0, previous_power, x.M0, x.F0, -1);
      const double initial_heat = std::accumulate(x.M0.begin(), x.M0.end(), 0.);

      Crossing result;
      result.beam_power = beam_power;
      result.particle_power =
        beam_power * share * parameters.intensity_per_watt(tau / 2);
      result.exit_time = tau;
      std::ostringstream history;
      history
        << "time_s,position_in_spot_m,particle_power_W,peak_temperature_K,"
           "mean_temperature_K,min_temperature_K,molten_fraction,"
           "energy_in_J,energy_radiated_J,energy_stored_J\n";
      history << std::setprecision(10);
      const auto record = [&](const double t, const double P, const State &s) {
        history << t << ',' << parameters.speed * t - parameters.speed * tau / 2
                << ',' << P << ',' << s.peak << ',' << s.mean << ',' << s.min
                << ',' << s.molten << ',' << result.energy_in << ','
                << result.energy_radiated << ',' << result.energy_stored
                << '\n';
      };
      State s = state(x.U0);
      record(0, previous_power, s);
      result.max_peak_temperature = s.peak;
      result.max_min_temperature  = s.min;
      if (output && parameters.write_fields)
        write_field(*output, x.U0, 0, previous_power);

      for (unsigned int n = 0; n < n_steps; ++n)
        {
          const double                t_n = n * dt;
          const std::array<double, 3> P   = {{power(t_n, t_n),
                                              power(t_n + gamma_tr * dt, t_n),
                                              power(t_n + dt, t_n)}};
          take_step(x, n, dt, previous_power, P, result);
          previous_power = P[2];
          result.energy_stored =
            std::accumulate(x.M0.begin(), x.M0.end(), 0.) - initial_heat;

          const double t = t_n + dt;
          s              = state(x.U0);
          record(t, P[2], s);
          note_state(s, t, n + 1 == parameters.steps_across_spot, result);
          if (output && parameters.write_fields &&
              ((n + 1) % parameters.field_interval == 0 ||
               n + 1 == parameters.steps_across_spot || n + 1 == n_steps))
            write_field(*output, x.U0, t, P[2]);
        }
      result.energy_balance = energy_balance(result);
      result.factorizations = factorizations;
      if (output)
        output->write_table("history.csv", history.str());
      return result;
    }


    std::unique_ptr<ParticleModel>
    make_particle_model(const Parameters &parameters)
    {
      switch (parameters.model)
        {
          case Model::slab:
            return std::make_unique<ParticleHeating<1>>(parameters);
          case Model::axisymmetric:
            return std::make_unique<ParticleHeating<2>>(parameters);
          default:
            return std::make_unique<ParticleHeating<3>>(parameters);
        }
    }

    template class ParticleHeating<1>;
    template class ParticleHeating<2>;
    template class ParticleHeating<3>;
  } // namespace stream_thermal
} // namespace xray

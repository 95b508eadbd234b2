// StreamPotential<dim, LA>: the field-emission cap, semismooth Newton
// with recycled charge responses and the point-charge model
// (doc/stream-potential.md, "Charging models").
#ifndef XRAY_STREAM_POTENTIAL_FIELD_EMISSION_CAP_TEMPLATES_H
#define XRAY_STREAM_POTENTIAL_FIELD_EMISSION_CAP_TEMPLATES_H

#include "stream_potential/stream_potential_internal.h"

#include <boost/math/constants/constants.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

namespace xray
{
  namespace stream_potential
  {
    template <int dim, typename LA>
    typename StreamPotential<dim, LA>::FieldResponse
    StreamPotential<dim, LA>::charge_response(
      const std::vector<double> &charges,
      const double               tolerance)
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
      const unsigned int        n         = particles.size();
      const unsigned int        n_limited = limited.size();
      const unsigned int        n_guards  = guard_response.size();
      std::vector<Tensor<1, 3>> normals(n);
      for (unsigned int i = 0; i < n; ++i)
        {
          for (unsigned int d = 0; d < dim; ++d)
            normals[i][d] = peak_points[i][d] - particles[i].geometry.center[d];
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
      if (std::all_of(charges.begin(), charges.end(), [](const double q) {
            return q == 0;
          }))
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
        solve_point_charge_cap(model,
                               beam_charges,
                               radii,
                               parameters.field_limit,
                               0.1 * parameters.charge_tolerance,
                               50);
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
    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::solve_field_emission_cap()
    {
      const unsigned int  n  = particles.size();
      const double        pi = boost::math::constants::pi<double>();
      std::vector<double> capacity(n);
      for (unsigned int i = 0; i < n; ++i)
        capacity[i] = 4 * pi * vacuum_permittivity *
                      Utilities::fixed_power<2>(particles[i].geometry.radius);

      // Guard basis: the field of guard potential 1 V at layer l (linear
      // to 0 V at the neighbouring layers, the anode and the top).
      const std::vector<Vector> guard_basis = guard_basis_potentials();

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
          FieldResponse state;
          CapActiveSet  active =
            solve_cap_state(cap_solve_tolerance(previous_residual),
                            capacity,
                            guard_basis.size(),
                            state);
          if (!previous_charges.empty())
            store_step_response(previous_solution,
                                previous_charges,
                                previous_guards,
                                guard_basis);
          if (cap_converged(active, guard_basis.size()))
            break;

          CapNewtonSystem system;
          make_cap_newton_system(
            state, active, capacity, guard_basis, model, system);
          dealii::Vector<double> unknowns(system.size());
          const unsigned int     products =
            solve_cap_newton_system(system, previous_residual, unknowns);
          gmres_iterations.push_back(products);

          previous_solution = solution;
          previous_guards   = layer_potentials;
          previous_charges.clear();
          for (const ParticleState &particle : particles)
            previous_charges.push_back(particle.charge);
          apply_cap_step(system, unknowns, active.step);
          output.log() << ", GCR " << recycled_directions.back()
                       << " recycled directions + " << products
                       << " PDE solves, relative charge change "
                       << charge_change << std::endl;
        }
      mark_limited_particles();
      if (!converged)
        throw SolverError(
          "charge iteration (field-emission cap, Newton) did not converge "
          "in " +
          std::to_string(parameters.max_charge_iterations) +
          " iterations (field residual " +
          Utilities::to_string(charge_residual) +
          " > Charging/Relative tolerance " +
          Utilities::to_string(parameters.charge_tolerance) +
          "; raise Charging/Maximum iterations)");
    }


    template <int dim, typename LA>
    typename StreamPotential<dim, LA>::CapActiveSet
    StreamPotential<dim, LA>::solve_cap_state(
      const double               tolerance,
      const std::vector<double> &capacity,
      const unsigned int         n_guards,
      FieldResponse             &state)
    {
      // The field of the current charges to the step's @p tolerance, its
      // peak vertices and residuals. A state within the cap's tolerance on
      // a looser field is solved on to the linear tolerance (CG goes on
      // from there) and measured again: a result is always a field solved
      // to the linear tolerance.
      assemble_rhs();
      linear_iterations.push_back(0);
      double step_tolerance = tolerance;
      while (true)
        {
          linear_iterations.back() += solve(step_tolerance);
          evaluate_particles();
          find_peak_vertices();
          state                     = response_of(ghosted_solution);
          const CapActiveSet active = cap_active_set(state, capacity, n_guards);
          if (step_tolerance <= parameters.linear_tolerance ||
              !cap_within_tolerance(active))
            return active;
          step_tolerance = parameters.linear_tolerance;
        }
    }


    template <int dim, typename LA>
    typename StreamPotential<dim, LA>::CapActiveSet
    StreamPotential<dim, LA>::cap_active_set(
      const FieldResponse       &state,
      const std::vector<double> &capacity,
      const unsigned int         n_guards)
    {
      // Residuals: the complementarity of each particle, and each
      // guard potential against its layer's mean potential.
      // A particle's cap residual is |min(slack, margin)| / (c_i E_lim):
      // |F_i - E_lim| / E_lim where the field constraint binds, the
      // field's overshoot max(0, F_i - E_lim) / E_lim at the beam
      // charge, and the excess charge over the beam charge in field
      // units where neither holds yet.
      const unsigned int n           = particles.size();
      const double       field_limit = parameters.field_limit;
      CapActiveSet       active;
      active.step.assign(n, 0.);
      cap_residuals.assign(n, 0.);
      for (unsigned int i = 0; i < n; ++i)
        {
          const double slack  = particles[i].charge - particles[i].beam_charge;
          const double margin = capacity[i] * (field_limit - state.field[i]);
          cap_residuals[i] =
            std::abs(std::min(slack, margin)) / (capacity[i] * field_limit);
          if (margin < slack)
            active.limited.push_back(i);
          else
            active.step[i] = -slack; // back to the beam charge
        }
      charge_residual =
        *std::max_element(cap_residuals.begin(), cap_residuals.end());
      active.layer_mean     = layer_means(state.potential);
      double guard_residual = 0, largest_mean = 0;
      for (unsigned int l = 0; l < n_guards; ++l)
        {
          guard_residual =
            std::max(guard_residual,
                     std::abs(active.layer_mean[l] - layer_potentials[l]));
          largest_mean = std::max(largest_mean, std::abs(active.layer_mean[l]));
        }
      active.guard_residual =
        largest_mean > 0 ? guard_residual / largest_mean : 0.;
      active.largest_mean = largest_mean;
      return active;
    }


    template <int dim, typename LA>
    bool
    StreamPotential<dim, LA>::cap_converged(const CapActiveSet &active,
                                            const unsigned int  n_guards)
    {
      // Logs the step's residuals; done when both are below the tolerance.
      output.log() << "Charge iteration " << charge_iterations << ": "
                   << linear_iterations.back() << " CG iterations, "
                   << active.limited.size() << " of " << particles.size()
                   << " particles limited, field residual " << charge_residual;
      if (n_guards > 0)
        output.log() << ", guard residual " << active.guard_residual;
      if (cap_within_tolerance(active))
        {
          output.log() << std::endl;
          converged = true;
        }
      return converged;
    }


    template <int dim, typename LA>
    bool
    StreamPotential<dim, LA>::cap_within_tolerance(
      const CapActiveSet &active) const
    {
      const double tolerance = parameters.charge_tolerance;
      return charge_residual <= tolerance && active.guard_residual <= tolerance;
    }


    template <int dim, typename LA>
    double
    StreamPotential<dim, LA>::cap_solve_tolerance(
      const double previous_residual) const
    {
      // Inexact Newton: while the previous step's field residual is at
      // least inexact_cap_residual, the full solve that measures the next
      // one stops at cap_forcing times that residual (at most cap_forcing)
      // instead of the linear tolerance: its error stays far below what it
      // measures, and below what the stored step responses (differences of
      // full solves) can carry into the recycled Jacobian. Nearer the
      // answer every solve is at the linear tolerance, so the later exact
      // steps damp what the early ones left and the result is the same to
      // solver tolerance (doc/stream-potential.md, "Charging models").
      if (previous_residual < inexact_cap_residual)
        return parameters.linear_tolerance;
      return std::max(parameters.linear_tolerance,
                      cap_forcing * std::min(1., previous_residual));
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::make_cap_newton_system(
      const FieldResponse                   &state,
      const CapActiveSet                    &active,
      const std::vector<double>             &capacity,
      const std::vector<Vector>             &guard_basis,
      const std::optional<PointChargeModel> &model,
      CapNewtonSystem                       &system)
    {
      const unsigned int n           = particles.size();
      const double       field_limit = parameters.field_limit;
      system.limited                 = active.limited;
      system.n_guards                = guard_basis.size();
      // Guard rows are scaled by 1/r (V -> V/m) to weigh like field rows.
      system.length                = parameters.layout.particle_radius;
      const double       length    = system.length;
      const unsigned int n_limited = system.limited.size();
      const unsigned int n_guards  = system.n_guards;

      // The guard columns at the current peak vertices.
      system.guard_response.resize(n_guards);
      for (unsigned int l = 0; l < n_guards; ++l)
        system.guard_response[l] = response_of(guard_basis[l]);

      // Right-hand side, with the released particles' response.
      const FieldResponse released =
        std::any_of(active.step.begin(),
                    active.step.end(),
                    [](const double q) { return q != 0; }) ?
          charge_response(active.step, parameters.linear_tolerance) :
          FieldResponse{std::vector<double>(n, 0.), std::vector<double>(n, 0.)};
      const std::vector<double> released_mean = layer_means(released.potential);
      system.rhs.reinit(system.size());
      // Right preconditioner: the point-charge model's Newton matrix
      // (LU-factored once per step), or else dF_i/dQ_i of an isolated
      // sphere, -1 / c_i; guard rows are scaled by 1/r (V -> V/m).
      system.scaling.reinit(system.size());
      if (model)
        factor_cap_model_matrix(*model,
                                system.limited,
                                system.guard_response,
                                length,
                                system.model_matrix.emplace());
      for (unsigned int a = 0; a < n_limited; ++a)
        {
          const unsigned int i = system.limited[a];
          system.rhs[a]     = field_limit - state.field[i] - released.field[i];
          system.scaling[a] = -capacity[i];
        }
      for (unsigned int l = 0; l < n_guards; ++l)
        {
          system.rhs[n_limited + l] =
            (active.layer_mean[l] - layer_potentials[l] + released_mean[l]) /
            length;
          system.scaling[n_limited + l] = length;
        }
      set_cap_tolerances(state, active, system);
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::set_cap_tolerances(const FieldResponse &state,
                                                 const CapActiveSet  &active,
                                                 CapNewtonSystem &system) const
    {
      // Inexact Newton: each step reduces the residual 1000-fold, and
      // no further than a tenth of the final tolerance, on the scale of
      // the fields present: the field limit, or below it the largest
      // particle field and the guards' mean potential over the length
      // (a limit far above every field would otherwise set a floor
      // above the whole residual, and the guards would never move).
      double field_scale = active.largest_mean / system.length;
      for (const double field : state.field)
        field_scale = std::max(field_scale, std::abs(field));
      field_scale   = std::min(field_scale, parameters.field_limit);
      system.target = std::max(1e-3 * system.rhs.l2_norm(),
                               0.1 * parameters.charge_tolerance * field_scale);
      // A product only needs to be exact well below the step's relative
      // tolerance: its error slows Newton, the residual (from the full
      // solve) decides when it stops.
      system.product_tolerance =
        std::max(parameters.linear_tolerance,
                 std::min(jacobian_product_tolerance,
                          1e-3 * system.target / system.rhs.l2_norm()));
    }


    template <int dim, typename LA>
    dealii::Vector<double>
    StreamPotential<dim, LA>::cap_jacobian_image(
      const CapNewtonSystem        &system,
      FieldResponse                 response,
      const dealii::Vector<double> &p) const
    {
      // J p from the response R of p's charges: field rows
      // F_A(R) + sum_l p_l G_l, guard rows (p_l - mean_l(P(R) +
      // sum_m p_m H_m)) / r.
      const unsigned int n         = particles.size();
      const unsigned int n_limited = system.limited.size();
      for (unsigned int l = 0; l < system.n_guards; ++l)
        for (unsigned int i = 0; i < n; ++i)
          {
            response.field[i] +=
              p[n_limited + l] * system.guard_response[l].field[i];
            response.potential[i] +=
              p[n_limited + l] * system.guard_response[l].potential[i];
          }
      dealii::Vector<double> image(system.size());
      for (unsigned int a = 0; a < n_limited; ++a)
        image[a] = response.field[system.limited[a]];
      const std::vector<double> response_mean = layer_means(response.potential);
      for (unsigned int l = 0; l < system.n_guards; ++l)
        image[n_limited + l] =
          (p[n_limited + l] - response_mean[l]) / system.length;
      return image;
    }


    template <int dim, typename LA>
    unsigned int
    StreamPotential<dim, LA>::solve_cap_newton_system(
      const CapNewtonSystem  &system,
      double                 &previous_residual,
      dealii::Vector<double> &unknowns)
    {
      internal::ConjugateResidualSpace space;
      dealii::Vector<double>           residual = system.rhs;
      recycle_cap_directions(system, space, unknowns, residual);
      recycled_directions.push_back(space.directions.size());

      // Then one PDE solve per iteration, in the direction of the
      // preconditioned residual; or, with the model, while its steps
      // at least halve the residual, none: the model's Newton step on
      // what the recycled directions leave (a quasi-Newton step whose
      // exact part grows by each step's full solve).
      const bool model_step =
        system.model_matrix && charge_residual <= 0.5 * previous_residual;
      previous_residual = charge_residual;
      if (!model_step)
        return extend_cap_directions(system, space, unknowns, residual);
      dealii::Vector<double> z = residual;
      system.model_matrix->solve(z);
      unknowns += z;
      return 0;
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::recycle_cap_directions(
      const CapNewtonSystem            &system,
      internal::ConjugateResidualSpace &space,
      dealii::Vector<double>           &unknowns,
      dealii::Vector<double>           &residual) const
    {
      // GCR, first on every direction known without a PDE solve: the
      // guard columns, and each stored charge response on the limited
      // set, read at the current peak vertices (with them fixed the
      // fields are linear in the charges: a stored response is exact
      // whatever step made it). A recycled direction counts if 1e-3 of
      // its image is new (less is the products' inexactness).
      const unsigned int n            = particles.size();
      const unsigned int n_limited    = system.limited.size();
      const auto         add_recycled = [&](dealii::Vector<double> p,
                                    const FieldResponse   &response) {
        dealii::Vector<double> image = cap_jacobian_image(system, response, p);
        if (space.add(std::move(p), std::move(image), 1e-3))
          space.project_newest(unknowns, residual);
      };
      for (unsigned int l = 0; l < system.n_guards; ++l)
        {
          dealii::Vector<double> p(system.size());
          p[n_limited + l] = 1.;
          add_recycled(p,
                       FieldResponse{std::vector<double>(n, 0.),
                                     std::vector<double>(n, 0.)});
        }
      std::vector<int> position(n, -1);
      for (unsigned int a = 0; a < n_limited; ++a)
        position[system.limited[a]] = a;
      for (const StoredResponse &stored : stored_responses)
        {
          dealii::Vector<double> p(system.size());
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
    }


    template <int dim, typename LA>
    unsigned int
    StreamPotential<dim, LA>::extend_cap_directions(
      const CapNewtonSystem            &system,
      internal::ConjugateResidualSpace &space,
      dealii::Vector<double>           &unknowns,
      dealii::Vector<double>           &residual)
    {
      // GCR on new directions, one PDE solve (product J z) each, z the
      // preconditioned residual, until the residual meets the target.
      const unsigned int n            = particles.size();
      const unsigned int max_products = std::max(100u, 2 * system.size());
      unsigned int       products     = 0;
      while (residual.l2_norm() > system.target)
        {
          if (products == max_products)
            throw SolverError(
              "the field-emission cap's linear solve (GCR) did not "
              "converge in " +
              std::to_string(products) + " iterations (residual " +
              Utilities::to_string(residual.l2_norm()) + " V/m)");
          dealii::Vector<double> z = residual;
          if (system.model_matrix)
            system.model_matrix->solve(z);
          else
            z.scale(system.scaling);
          std::vector<double> charges(n, 0.);
          for (unsigned int a = 0; a < system.limited.size(); ++a)
            charges[system.limited[a]] = z[a];
          const FieldResponse response =
            charge_response(charges, system.product_tolerance);
          ++products;
          dealii::Vector<double> image =
            cap_jacobian_image(system, response, z);
          if (!space.add(std::move(z), std::move(image), 1e-12))
            throw SolverError(
              "the field-emission cap's linear solve (GCR) stagnated at "
              "residual " +
              Utilities::to_string(residual.l2_norm()) + " V/m");
          space.project_newest(unknowns, residual);
        }
      return products;
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::apply_cap_step(
      const CapNewtonSystem        &system,
      const dealii::Vector<double> &unknowns,
      std::vector<double>          &step)
    {
      // The Newton step: the limited particles' charges and the guard
      // potentials from the solve, the released ones back to their beam
      // charge (already in step).
      const unsigned int n_limited = system.limited.size();
      for (unsigned int a = 0; a < n_limited; ++a)
        step[system.limited[a]] = unknowns[a];
      double largest = 0;
      charge_change  = 0;
      for (unsigned int i = 0; i < particles.size(); ++i)
        {
          particles[i].charge += step[i];
          largest       = std::max(largest, std::abs(particles[i].charge));
          charge_change = std::max(charge_change, std::abs(step[i]));
        }
      charge_change = largest > 0 ? charge_change / largest : 0.;
      if (system.n_guards > 0)
        {
          for (unsigned int l = 0; l < system.n_guards; ++l)
            layer_potentials[l] += unknowns[n_limited + l];
          make_constraints(constraints,
                           parameters.anode_potential,
                           layer_potentials,
                           false);
        }
    }
  } // namespace stream_potential
} // namespace xray

#endif

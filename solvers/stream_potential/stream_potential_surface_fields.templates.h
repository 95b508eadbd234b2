// StreamPotential<dim, LA>: the particles' surface fields and charges:
// the consistent flux, the recovered surface density, the peak
// vertices of the field-emission cap (doc/stream-potential.md,
// "Surface fields").
#ifndef XRAY_STREAM_POTENTIAL_SURFACE_FIELDS_TEMPLATES_H
#define XRAY_STREAM_POTENTIAL_SURFACE_FIELDS_TEMPLATES_H

#include "stream_potential/stream_potential_internal.h"

#include <deal.II/base/memory_consumption.h>
#include <deal.II/base/mpi.h>
#include <deal.II/fe/fe_values.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <utility>

namespace xray
{
  namespace stream_potential
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
    template <int dim, typename LA>
    std::vector<double>
    StreamPotential<dim, LA>::compute_surface_charge_density()
    {
      const Vector numerator = vertex_flux_numerators(ghosted_solution);
      const Vector sigma     = recovered_surface_density(numerator);
      return record_surface_samples(numerator, sigma);
    }


    // Every quantity the particle fields read from the potential is a
    // linear functional of its dof values whose weights depend only on
    // the mesh: the numerators n_k = sum_m w_km phi_m with
    //   w_km = int eps0 grad psi_k . grad phi_m dx
    // (the rows of the stiffness matrix for the hat function psi_k), and
    // the gradient-flux charges sum_m g_m phi_m with
    //   g_m = oint eps0 grad phi_m . n dA.
    // Integrated here once, together with the constant vertex areas
    // m_k = int_S psi_k dA, each reading is a sum of weights times dof
    // values: no mapping, no FEValues, no loop over the cells.
    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::build_surface_functionals()
    {
      Timer                    clock;
      const FullMatrix<double> hat = internal::vertex_hat_functions(fe);
      FEValues<dim>            fe_values(mapping,
                              fe,
                              quadrature,
                              update_gradients | update_JxW_values);
      FEFaceValues<dim>        face_values(mapping,
                                    fe,
                                    face_quadrature,
                                    update_values | update_gradients |
                                      update_normal_vectors |
                                      update_JxW_values);
      std::map<types::global_dof_index, WeightRow>  vertex_rows;
      std::map<types::global_dof_index, Point<dim>> points;
      std::vector<WeightRow> particle_rows(particles.size());
      Vector                 area(locally_owned_dofs, communicator);
      std::vector<types::global_dof_index> dof_indices(fe.n_dofs_per_cell());
      std::vector<types::global_dof_index> rows;
      std::vector<double>                  values;
      for (const auto &cell : dof_handler.active_cell_iterators())
        if (cell->is_locally_owned())
          {
            cell->get_dof_indices(dof_indices);
            const std::vector<unsigned int> surface_vertices =
              surface_vertices_of_cell(dof_indices);
            if (surface_vertices.empty())
              continue;
            fe_values.reinit(cell);
            add_vertex_weights(fe_values,
                               hat,
                               dof_indices,
                               surface_vertices,
                               vertex_rows,
                               points);

            rows.clear(), values.clear();
            for (const unsigned int f : cell->face_indices())
              if (cell->at_boundary(f) &&
                  cell->face(f)->boundary_id() >=
                    meshes::stream_boundary::first_particle)
                {
                  face_values.reinit(cell, f);
                  for (const unsigned int v : surface_vertices)
                    {
                      rows.push_back(dof_indices[v]);
                      values.push_back(
                        vertex_surface_weight(face_values, hat, v));
                    }
                  add_face_weights(
                    face_values,
                    dof_indices,
                    particle_rows[cell->face(f)->boundary_id() -
                                  meshes::stream_boundary::first_particle]);
                }
            area.add(rows, values);
          }
      area.compress(VectorOperation::add);
      vertex_areas.reinit(locally_owned_dofs,
                          locally_relevant_dofs,
                          communicator);
      vertex_areas = area;
      compress_surface_functionals(vertex_rows, points, particle_rows);
      output.log()
        << "Surface functionals: "
        << Utilities::MPI::sum(surface_functionals.memory_consumption(),
                               communicator) /
             1e6
        << " MB over all ranks, integrated in " << clock.wall_time() << " s"
        << std::endl;
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::add_vertex_weights(
      const FEValues<dim>                           &fe_values,
      const FullMatrix<double>                      &hat,
      const std::vector<types::global_dof_index>    &dof_indices,
      const std::vector<unsigned int>               &surface_vertices,
      std::map<types::global_dof_index, WeightRow>  &rows,
      std::map<types::global_dof_index, Point<dim>> &points) const
    {
      // w_vm = int_K eps0 grad psi_v . grad phi_m dx on this cell for each
      // of its surface vertices v, psi_v = sum_l hat(v, l) phi_l. The
      // vertex of the triangulation is where the dof sits (the mapping
      // keeps vertices in place).
      const auto                 &cell = fe_values.get_cell();
      std::vector<Tensor<1, dim>> hat_gradients(fe_values.n_quadrature_points);
      for (const unsigned int v : surface_vertices)
        {
          for (const unsigned int q : fe_values.quadrature_point_indices())
            {
              hat_gradients[q] = 0;
              for (const unsigned int l : fe_values.dof_indices())
                hat_gradients[q] += hat(v, l) * fe_values.shape_grad(l, q);
            }
          WeightRow &row = rows[dof_indices[v]];
          for (const unsigned int m : fe_values.dof_indices())
            {
              double weight = 0;
              for (const unsigned int q : fe_values.quadrature_point_indices())
                weight += vacuum_permittivity *
                          (hat_gradients[q] * fe_values.shape_grad(m, q)) *
                          fe_values.JxW(q);
              row.emplace_back(dof_indices[m], weight);
            }
          points[dof_indices[v]] = cell->vertex(v);
        }
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::add_face_weights(
      const FEFaceValues<dim>                    &face_values,
      const std::vector<types::global_dof_index> &dof_indices,
      WeightRow                                  &row) const
    {
      // g_m = int_F eps0 grad phi_m . n dA, n out of the vacuum (into the
      // particle).
      for (const unsigned int m : face_values.dof_indices())
        {
          double weight = 0;
          for (const unsigned int q : face_values.quadrature_point_indices())
            weight +=
              vacuum_permittivity *
              (face_values.shape_grad(m, q) * face_values.normal_vector(q)) *
              face_values.JxW(q);
          row.emplace_back(dof_indices[m], weight);
        }
    }


    namespace internal
    {
      /// Appends one row, its entries sorted by dof and those of equal dof
      /// summed (in the order they were collected), to compressed rows.
      inline void
      append_compressed_row(
        std::vector<std::pair<types::global_dof_index, double>> entries,
        std::vector<std::size_t>                               &start,
        std::vector<types::global_dof_index>                   &columns,
        std::vector<double>                                    &weights)
      {
        std::stable_sort(entries.begin(),
                         entries.end(),
                         [](const auto &a, const auto &b) {
                           return a.first < b.first;
                         });
        for (const auto &[dof, weight] : entries)
          if (columns.size() > start.back() && columns.back() == dof)
            weights.back() += weight;
          else
            columns.push_back(dof), weights.push_back(weight);
        start.push_back(columns.size());
      }
    } // namespace internal


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::compress_surface_functionals(
      const std::map<types::global_dof_index, WeightRow>  &vertex_rows,
      const std::map<types::global_dof_index, Point<dim>> &points,
      const std::vector<WeightRow>                        &particle_rows)
    {
      SurfaceFunctionals &s = surface_functionals;
      s                     = SurfaceFunctionals();
      s.vertex_start.push_back(0);
      for (const auto &[k, row] : vertex_rows)
        {
          s.vertex_dofs.push_back(k);
          s.vertex_points.push_back(points.at(k));
          internal::append_compressed_row(row,
                                          s.vertex_start,
                                          s.vertex_columns,
                                          s.vertex_weights);
        }
      // The particle of each vertex row, from the sorted surface dofs.
      s.vertex_particles.assign(s.vertex_dofs.size(),
                                numbers::invalid_unsigned_int);
      for (unsigned int i = 0; i < particles.size(); ++i)
        for (const types::global_dof_index k : surface_dofs[i])
          if (const auto row =
                std::lower_bound(s.vertex_dofs.begin(), s.vertex_dofs.end(), k);
              row != s.vertex_dofs.end() && *row == k)
            s.vertex_particles[row - s.vertex_dofs.begin()] = i;
      Assert(std::find(s.vertex_particles.begin(),
                       s.vertex_particles.end(),
                       numbers::invalid_unsigned_int) ==
               s.vertex_particles.end(),
             ExcInternalError());

      s.particle_start.push_back(0);
      for (const WeightRow &row : particle_rows)
        internal::append_compressed_row(row,
                                        s.particle_start,
                                        s.particle_columns,
                                        s.particle_weights);
      s.built = true;
    }


    template <int dim, typename LA>
    std::size_t
    StreamPotential<dim, LA>::SurfaceFunctionals::memory_consumption() const
    {
      return MemoryConsumption::memory_consumption(vertex_dofs) +
             MemoryConsumption::memory_consumption(vertex_particles) +
             MemoryConsumption::memory_consumption(vertex_points) +
             MemoryConsumption::memory_consumption(vertex_start) +
             MemoryConsumption::memory_consumption(vertex_columns) +
             MemoryConsumption::memory_consumption(vertex_weights) +
             MemoryConsumption::memory_consumption(particle_start) +
             MemoryConsumption::memory_consumption(particle_columns) +
             MemoryConsumption::memory_consumption(particle_weights);
    }


    template <int dim, typename LA>
    typename StreamPotential<dim, LA>::Vector
    StreamPotential<dim, LA>::vertex_flux_numerators(
      const Vector &ghosted_potential) const
    {
      // The numerators n_k = int eps0 grad psi_k . grad phi dx =
      // sum_m w_km phi_m from this rank's cells, summed over the ranks.
      const SurfaceFunctionals &s = surface_functionals;
      Assert(s.built, ExcInternalError());
      std::vector<double> values;
      LA::extract_values(ghosted_potential, s.vertex_columns, values);
      std::vector<double> flux(s.vertex_dofs.size(), 0.);
      for (std::size_t r = 0; r < flux.size(); ++r)
        for (std::size_t e = s.vertex_start[r]; e < s.vertex_start[r + 1]; ++e)
          flux[r] += s.vertex_weights[e] * values[e];
      Vector numerator(locally_owned_dofs, communicator);
      numerator.add(s.vertex_dofs, flux);
      numerator.compress(VectorOperation::add);
      return numerator;
    }


    template <int dim, typename LA>
    std::vector<unsigned int>
    StreamPotential<dim, LA>::surface_vertices_of_cell(
      const std::vector<types::global_dof_index> &dof_indices) const
    {
      // The local vertices of a simplex on a particle surface (vertex dofs
      // come first).
      std::vector<unsigned int> surface_vertices;
      for (unsigned int v = 0; v < dim + 1; ++v)
        if (particle_surface_dofs.is_element(dof_indices[v]))
          surface_vertices.push_back(v);
      return surface_vertices;
    }


    template <int dim, typename LA>
    double
    StreamPotential<dim, LA>::vertex_surface_weight(
      const FEFaceValues<dim>  &face_values,
      const FullMatrix<double> &hat,
      const unsigned int        v) const
    {
      // int_F psi_v dA over one particle-surface face.
      double weight = 0;
      for (const unsigned int q : face_values.quadrature_point_indices())
        for (unsigned int j = 0; j < fe.n_dofs_per_cell(); ++j)
          weight +=
            hat(v, j) * face_values.shape_value(j, q) * face_values.JxW(q);
      return weight;
    }


    template <int dim, typename LA>
    std::vector<double>
    StreamPotential<dim, LA>::record_surface_samples(const Vector &numerator,
                                                     const Vector &sigma)
    {
      // Each particle's Galerkin charge, sum_k n_k over its surface
      // vertices (all ranks), and the emitting-field samples of the
      // vertices this rank owns.
      std::vector<double> galerkin_charge(particles.size(), 0.);
      for (unsigned int i = 0; i < particles.size(); ++i)
        for (const types::global_dof_index k : surface_dofs[i])
          if (locally_owned_dofs.is_element(k) && vertex_areas(k) > 0)
            {
              galerkin_charge[i] += numerator(k);
              // Electrons leave where sigma < 0 (E points into the
              // particle); on a conductor |E| = |sigma| / eps0.
              emitting_field_samples[i].push_back(-sigma(k) /
                                                  vacuum_permittivity);
              area_weight_samples[i].push_back(vertex_areas(k));
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
    void
    StreamPotential<dim, LA>::evaluate_particles()
    {
      TimerOutput::Scope scope(timer, "particle fields");
      const unsigned int n = particles.size();
      if (n == 0)
        return;
      if (!surface_functionals.built)
        build_surface_functionals();
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

      // A check of the discretisation against the Galerkin charge.
      add_gradient_flux_charges(flux_charge);

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
          if (parameters.charging_model == ChargingModel::prescribed_potential)
            particles[i].charge = galerkin_charge[i];
        }

      if (parameters.charging_model == ChargingModel::current_balance)
        gather_current_balance_samples();
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::add_gradient_flux_charges(
      std::vector<double> &flux_charge) const
    {
      // The charge inside each surface from the gradient flux,
      // oint eps0 grad phi . n dA = sum_m g_m phi_m with n out of the
      // vacuum (into the particle), over the locally owned faces (summed
      // over ranks by the caller).
      const SurfaceFunctionals &s = surface_functionals;
      std::vector<double>       values;
      LA::extract_values(ghosted_solution, s.particle_columns, values);
      for (unsigned int i = 0; i < particles.size(); ++i)
        for (std::size_t e = s.particle_start[i]; e < s.particle_start[i + 1];
             ++e)
          flux_charge[i] += s.particle_weights[e] * values[e];
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::gather_current_balance_samples()
    {
      // The current balance integrates the emission over each particle's
      // whole surface, I_i = sum_k m_k J(F_k), so it needs every sample of
      // a particle in one place, in rank order on every rank.
      const unsigned int n = particles.size();
      const auto         all_fields =
        Utilities::MPI::all_gather(communicator, emitting_field_samples);
      const auto all_weights =
        Utilities::MPI::all_gather(communicator, area_weight_samples);
      for (unsigned int i = 0; i < n; ++i)
        {
          emitting_field_samples[i].clear();
          area_weight_samples[i].clear();
          for (unsigned int rank = 0; rank < all_fields.size(); ++rank)
            {
              emitting_field_samples[i].insert(emitting_field_samples[i].end(),
                                               all_fields[rank][i].begin(),
                                               all_fields[rank][i].end());
              area_weight_samples[i].insert(area_weight_samples[i].end(),
                                            all_weights[rank][i].begin(),
                                            all_weights[rank][i].end());
            }
          particles[i].emitted_current =
            emitted_current(emitting_field_samples[i],
                            area_weight_samples[i],
                            emitter_of(i));
        }
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::find_peak_vertices()
    {
      peak_dofs      = find_peak_dofs();
      const Vector c = peak_recovery_coefficients();
      find_peak_points();
      compute_peak_flux_weights(c);
    }


    template <int dim, typename LA>
    std::vector<types::global_dof_index>
    StreamPotential<dim, LA>::find_peak_dofs() const
    {
      // The largest emitting-field sample of each particle over all ranks;
      // of equal maxima the smallest dof index, so every rank agrees.
      const unsigned int  n = particles.size();
      std::vector<double> local_best(n, -std::numeric_limits<double>::max());
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
      return dofs;
    }


    template <int dim, typename LA>
    typename StreamPotential<dim, LA>::Vector
    StreamPotential<dim, LA>::peak_recovery_coefficients() const
    {
      // The recovered density at a peak vertex k is a fixed linear
      // functional of the vertex values, sigma_k = sum_j c_j L_j with
      //   c = (2 P - P P)^T e_k = 2 t - P^T t,   t = P^T e_k
      // (doc/stream-potential.md, "Surface fields"); c of all peak
      // vertices at once, ghosted.
      Vector unit(locally_owned_dofs, communicator);
      for (const types::global_dof_index k : peak_dofs)
        if (locally_owned_dofs.is_element(k))
          unit(k) = 1.;
      unit.compress(VectorOperation::insert);
      Vector coefficients = patch_average_transpose(ghosted(unit));
      coefficients.sadd(2.,
                        -1.,
                        patch_average_transpose(ghosted(coefficients)));
      return ghosted(coefficients);
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::find_peak_points()
    {
      // Each peak vertex's position (every rank), for the point-charge
      // model of the cap (its field direction at the peak): the ranks
      // whose cells touch it know it.
      const unsigned int        n = particles.size();
      const SurfaceFunctionals &s = surface_functionals;
      std::vector<double>       peak_coordinates(dim * n,
                                           -std::numeric_limits<double>::max());
      for (unsigned int i = 0; i < n; ++i)
        if (const auto row = std::lower_bound(s.vertex_dofs.begin(),
                                              s.vertex_dofs.end(),
                                              peak_dofs[i]);
            row != s.vertex_dofs.end() && *row == peak_dofs[i])
          for (unsigned int d = 0; d < dim; ++d)
            peak_coordinates[dim * i + d] =
              s.vertex_points[row - s.vertex_dofs.begin()][d];
      internal::all_max(peak_coordinates, communicator);
      peak_points.resize(n);
      for (unsigned int i = 0; i < n; ++i)
        for (unsigned int d = 0; d < dim; ++d)
          peak_points[i][d] = peak_coordinates[dim * i + d];
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::compute_peak_flux_weights(const Vector &c)
    {
      // L_j = n_j / m_j, whose numerator n_j = sum_m w_jm phi_m with
      // w_jm = int eps0 grad psi_j . grad phi_m dx over the cells at j.
      // Kept as weights sum_j c_j w_jm / m_j on the dofs m, so that any
      // potential, a stored response included, is read at the peak
      // vertices without integrating again.
      peak_flux_dofs.clear();
      peak_flux_weights.clear();
      peak_flux_particles.clear();
      const SurfaceFunctionals &s = surface_functionals;
      for (std::size_t r = 0; r < s.vertex_dofs.size(); ++r)
        {
          const types::global_dof_index j = s.vertex_dofs[r];
          if (c(j) == 0 || !(vertex_areas(j) > 0))
            continue;
          const double coefficient = c(j) / vertex_areas(j);
          for (std::size_t e = s.vertex_start[r]; e < s.vertex_start[r + 1];
               ++e)
            {
              peak_flux_dofs.push_back(s.vertex_columns[e]);
              peak_flux_weights.push_back(coefficient * s.vertex_weights[e]);
              peak_flux_particles.push_back(s.vertex_particles[r]);
            }
        }
    }


    template <int dim, typename LA>
    std::vector<double>
    StreamPotential<dim, LA>::peak_emitting_fields(
      const Vector &ghosted_potential) const
    {
      // -sigma_k / eps0 at each particle's peak vertex k, with sigma_k the
      // recovered density of compute_surface_charge_density().
      std::vector<double> values;
      LA::extract_values(ghosted_potential, peak_flux_dofs, values);
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
      response.field     = peak_emitting_fields(ghosted_potential);
      response.potential = particle_potentials(ghosted_potential);
      return response;
    }


    template <int dim, typename LA>
    std::vector<std::vector<double>>
    StreamPotential<dim, LA>::vertex_emitting_fields(
      const Vector &ghosted_potential) const
    {
      // The recovered density of compute_surface_charge_density() from
      // the consistent flux int eps0 grad psi_k . grad phi dx, for any
      // potential, over the stored vertex areas.
      const Vector numerator = vertex_flux_numerators(ghosted_potential);
      const Vector sigma     = recovered_surface_density(numerator);

      std::vector<std::vector<double>> fields(particles.size());
      for (unsigned int i = 0; i < particles.size(); ++i)
        for (const types::global_dof_index k : sample_dofs[i])
          fields[i].push_back(-sigma(k) / vacuum_permittivity);
      return fields;
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
  } // namespace stream_potential
} // namespace xray

#endif

// Electric potential of a stream of charged microparticles over an anode
// (doc/theory.md section 2):
//
//   -div(eps0 grad phi) = rho             in the vacuum,
//   phi = U_anode on the anode, phi = 0 on the enclosure,
//   phi = V_i (one unknown) on particle i's surface, with total charge
//   Q_i = -oint eps0 dphi/dn dA (n out of the particle) prescribed,
//
// in 3D with every particle a floating conductor (dim = 3), or as a 2D
// macroscopic cross-section in which the stream is a charged slab (dim = 2).
//
// Floating conductors are exact in the Galerkin sense: every degree of
// freedom on particle i's surface is constrained to one master degree of
// freedom (the smallest index on that surface, agreed on by all ranks), so
// the discrete potential is constant on the surface, and the master's test
// function (1 on the whole surface) turns the weak form into Gauss's law
// for the particle: its row reads  int eps0 grad phi . grad psi_i = Q_i.
// The charge is therefore a right-hand-side entry: charge iterations
// (beam charging capped by field emission) change only the right-hand side,
// and reuse the matrix and the AMG preconditioner.
#ifndef XRAY_STREAM_POTENTIAL_H
#define XRAY_STREAM_POTENTIAL_H

#include "common/output.h"
#include "common/two_level_preconditioner.h"
#include "stream_potential/parameters.h"
#include "stream_potential/point_charge_model.h"

#include <deal.II/base/index_set.h>
#include <deal.II/base/quadrature_lib.h>
#include <deal.II/base/timer.h>
#include <deal.II/distributed/fully_distributed_tria.h>
#include <deal.II/dofs/dof_handler.h>
#include <deal.II/fe/fe_simplex_p.h>
#include <deal.II/fe/fe_values.h>
#include <deal.II/fe/mapping_fe.h>
#include <deal.II/lac/affine_constraints.h>
#include <deal.II/lac/full_matrix.h>
#include <deal.II/lac/lapack_full_matrix.h>
#include <deal.II/lac/vector.h>

#include <nlohmann/json.hpp>

#include <array>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace xray
{
  namespace stream_potential
  {
    using namespace dealii;

    /// What a run knows about one particle.
    struct ParticleState
    {
      meshes::Particle geometry;
      /// Charge the beam deposits (C), the cap for the emission models.
      double beam_charge = 0;
      /// Charge carried in the current solve (C): the prescribed or
      /// iterated charge of a floating conductor, the Galerkin charge at a
      /// prescribed potential.
      double charge = 0;
      /// Galerkin (consistent-flux) charge: the residual of the
      /// unconstrained system on the particle's surface dofs,
      /// sum_k int eps0 grad psi_k . grad phi_h dx over its surface
      /// vertices k (C). Equals the imposed charge of a floating conductor
      /// to solver tolerance.
      double galerkin_charge = 0;
      /// Charge from the gradient flux -oint eps0 dphi_h/dn dA (C): equals
      /// `galerkin_charge` up to discretisation error (a diagnostic).
      double flux_charge = 0;
      double potential   = 0; // V
      /// Largest |E| = |sigma| / eps0 at the surface quadrature points (V/m).
      double max_surface_field = 0;
      /// Largest field pulling electrons out (E . n < 0), V/m.
      double max_emitting_field = 0;
      /// Emitted field-emission current at the final state (A).
      double emitted_current = 0;
      bool   limited         = false;
      /// Current balance: the net charging current q_uP j pi r^2 (A), and
      /// whether zero-field thermionic emission of the whole surface alone
      /// exceeds it (the balance then needs a retarding surface field: the
      /// charge ends near zero or positive).
      double charging_current       = 0;
      bool   thermionically_limited = false;
    };

    namespace internal
    {
      struct ConjugateResidualSpace;
      struct DiagonalScaling;
      struct PlaneAverageGrid;
    } // namespace internal

    template <int dim, typename LA>
    class StreamPotential
    {
    public:
      StreamPotential(const Parameters &parameters, RunOutput &output);

      /// Returns the exit status.
      int
      run();

    private:
      using Vector = typename LA::Vector;

      /// The dimension carries the model: 3D resolves the particles
      /// (Model = particles: tetrahedra around every sphere, charges on
      /// conductors, guard electrodes), 2D is the continuum section (Model
      /// = continuum: the stream as a space-charge slab). The code shared
      /// by both calls the model hooks below where the models differ; each
      /// hook asks this once and passes the work to the model's file.
      static constexpr bool particle_model = (dim == 3);
      /// The continuum spreads the particles' charge as a space charge;
      /// the particle model's charges sit on its conductors.
      static constexpr bool has_space_charge = !particle_model;

      /// The line of profile.csv: its lateral position and z range (m).
      struct ProfileLine
      {
        Point<dim> base;
        double     z_start = 0, z_end = 0;
      };

      // The model hooks, each defined with the shared code of its topic.
      /// The model's mesh, and domain_top (setup).
      void
      make_grid();
      /// The lateral walls (boundary id guard_wall): the particle model's
      /// guard electrodes, the continuum's grounded walls (setup).
      void
      constrain_lateral_walls(
        AffineConstraints<double> &target,
        double                     anode_potential,
        const std::vector<double> &guard_layer_potentials) const;
      /// The charges, by the charging models the model takes (charging).
      void
      solve_charges();
      /// The line of profile.csv (output).
      ProfileLine
      profile_line() const;
      /// The tables only the model writes (output).
      void
      write_model_tables();
      /// The model's name and entries in summary.json (output).
      void
      summarize_model(nlohmann::json &summary) const;
      /// The model's headline figures on the log's "Result: " line
      /// (output).
      void
      report_model_result(const nlohmann::json &summary);

      // The particle model (stream_potential_particles.templates.h). The
      // class is compiled for both dimensions, so the functions that need
      // the 3D mesh take it as such.
      /// Whether the particles form a periodic cell (Patch shape = periodic
      /// cell), and whether the lateral walls are guard electrodes.
      bool
      periodic() const;
      bool
      has_guard_electrodes() const;
      /// The particles, then the mesh with a hole for each.
      void
      make_particle_mesh(parallel::fullydistributed::Triangulation<3> &mesh);
      void
      setup_particles();
      /// The particles' bounding box centred on the origin (sphere
      /// enclosure).
      static void
      centre_particles(std::vector<meshes::Particle> &geometry);
      /// The first charge (or prescribed potential) of particle i.
      void
      set_first_charge(ParticleState &particle, unsigned int i) const;
      /// Mean height of each layer, for the guard electrodes.
      void
      compute_layer_heights();
      /// The guard walls at guard_potential() (with guard electrodes).
      void
      constrain_guard_electrodes(
        AffineConstraints<double> &target,
        double                     anode_potential,
        const std::vector<double> &guard_layer_potentials) const;
      /// Guard-electrode potential at height z (V).
      double
      guard_potential(double                     z,
                      double                     anode_potential,
                      const std::vector<double> &layer_values) const;
      /// Every charging model: the Newton iterations of the emission
      /// models, the fixed point of the others.
      void
      solve_particle_charges();
      /// The particle whose sphere (widened by @p relative_margin of its
      /// radius) contains @p p, in a periodic cell through its images; or
      /// numbers::invalid_unsigned_int (always with no particles).
      unsigned int
      particle_containing(const Point<3> &p, double relative_margin) const;
      /// Through the particle nearest the patch centre.
      ProfileLine
      particle_profile_line() const;
      /// particles.csv, and plane_average.csv for a periodic cell.
      void
      write_particle_tables();
      void
      write_particles_csv() const;
      void
      write_plane_average_csv();
      /// The plane averages' table from the grid sums.
      std::string
      plane_average_table(const internal::PlaneAverageGrid &grid,
                          const std::vector<double>        &sum,
                          const std::vector<double>        &found) const;
      /// The particle model's entries of summary.json, and the periodic
      /// cell's.
      void
      summarize_particles(nlohmann::json &summary) const;
      void
      summarize_periodic_cell(nlohmann::json &summary) const;
      void
      report_particle_result(const nlohmann::json &summary);

      // The continuum model (stream_potential_continuum.templates.h).
      /// The slab's cross-section and the gaps to the walls.
      void
      make_continuum_mesh(parallel::fullydistributed::Triangulation<2> &mesh);
      /// The lateral walls at 0 V unless they are insulating.
      void
      constrain_grounded_walls(AffineConstraints<double> &target) const;
      /// Space charge density (C/m^3) of the slab at p.
      double
      space_charge_density(const Point<dim> &p) const;
      /// At the evaluation position across the spot.
      ProfileLine
      continuum_profile_line() const;
      void
      summarize_continuum(nlohmann::json &summary) const;
      void
      report_continuum_result(const nlohmann::json &summary);

      // The shared code.
      void
      setup_system();
      void
      find_particle_surface_dofs();
      void
      find_periodic_dof_pairs();
      /// find_periodic_dof_pairs(): the locally owned dofs on the lateral
      /// faces as (index, x, y, z, particle or -1).
      std::vector<double>
      periodic_face_dofs() const;
      /// A position quantised to the matching tolerance, and the masters
      /// (dof, particle or -1) by the key of their support point.
      using PeriodicKey = std::array<long long, 3>;
      using PeriodicMasters =
        std::map<PeriodicKey, std::pair<types::global_dof_index, int>>;
      static PeriodicKey
      periodic_key(const Point<3> &x, double tolerance);
      /// Sorts the gathered lateral-face dofs into masters (low faces,
      /// keyed by position) and slaves (high faces, with their image on
      /// the low faces); dofs on a cut particle go to its master directly.
      void
      sort_periodic_masters_and_slaves(
        const std::vector<std::vector<double>>                    &all,
        double                                                     tolerance,
        PeriodicMasters                                           &masters,
        std::vector<std::pair<types::global_dof_index, Point<3>>> &slaves);
      /// Pairs every locally relevant slave with the master at its image.
      void
      match_periodic_slaves(
        const PeriodicMasters &masters,
        const std::vector<std::pair<types::global_dof_index, Point<3>>> &slaves,
        double tolerance);
      void
      make_constraints(AffineConstraints<double> &target,
                       double                     anode_potential,
                       const std::vector<double> &guard_layer_potentials,
                       bool                       homogeneous) const;
      void
      assemble_matrix();
      void
      assemble_rhs();
      void
      assemble_rhs(const AffineConstraints<double> &boundary_constraints,
                   const std::vector<double>       &charges,
                   Vector                          &rhs);
      /// The preconditioner every CG solve reuses (Solver/Preconditioner).
      void
      build_preconditioner();
      bool
      uses_two_level_preconditioner() const;
      /// The full system (system_rhs) to @p tolerance relative to its
      /// right-hand side, from the last solution.
      unsigned int
      solve(double tolerance);
      unsigned int
      solve(const AffineConstraints<double> &boundary_constraints,
            const Vector                    &rhs,
            Vector                          &potential,
            double                           tolerance);
      std::vector<double>
      compute_surface_charge_density();
      /// Integrates the weights of surface_functionals and the vertex
      /// areas, once the dofs are distributed.
      void
      build_surface_functionals();
      /// The steps of build_surface_functionals(): the weights w_vm of one
      /// cell's surface vertices, and g_m of one particle face, appended
      /// to the rows being collected (vertex dof or particle -> (dof m,
      /// weight)).
      using WeightRow = std::vector<std::pair<types::global_dof_index, double>>;
      void
      add_vertex_weights(
        const FEValues<dim>                           &fe_values,
        const FullMatrix<double>                      &hat,
        const std::vector<types::global_dof_index>    &dof_indices,
        const std::vector<unsigned int>               &surface_vertices,
        std::map<types::global_dof_index, WeightRow>  &rows,
        std::map<types::global_dof_index, Point<dim>> &points) const;
      void
      add_face_weights(const FEFaceValues<dim>                    &face_values,
                       const std::vector<types::global_dof_index> &dof_indices,
                       WeightRow                                  &row) const;
      /// Fills surface_functionals' compressed rows from the collected
      /// ones.
      void
      compress_surface_functionals(
        const std::map<types::global_dof_index, WeightRow>  &vertex_rows,
        const std::map<types::global_dof_index, Point<dim>> &points,
        const std::vector<WeightRow>                        &particle_rows);
      /// Consistent flux numerators n_k = sum_m w_km phi_m of the surface
      /// vertices for a potential (ghosted; locally owned, compressed
      /// result).
      Vector
      vertex_flux_numerators(const Vector &ghosted_potential) const;
      /// The local vertices of a cell on a particle surface.
      std::vector<unsigned int>
      surface_vertices_of_cell(
        const std::vector<types::global_dof_index> &dof_indices) const;
      /// int_F psi_v dA on the face of face_values.
      double
      vertex_surface_weight(const FEFaceValues<dim>  &face_values,
                            const FullMatrix<double> &hat,
                            unsigned int              v) const;
      /// Appends this rank's emitting-field samples and returns each
      /// particle's Galerkin charge (all ranks).
      std::vector<double>
      record_surface_samples(const Vector &numerator, const Vector &sigma);
      /// The recovered surface charge density (doc/stream-potential.md,
      /// "Surface fields") at the locally owned surface vertices from the
      /// consistent flux numerators (locally owned).
      Vector
      recovered_surface_density(const Vector &numerator) const;
      /// (P y)_k = sum_j m_j y_j / sum_j m_j over the patch of each locally
      /// owned surface vertex k (y ghosted; locally owned result).
      Vector
      patch_average(const Vector &values) const;
      /// P^T y, the transpose of patch_average() (y ghosted).
      Vector
      patch_average_transpose(const Vector &values) const;
      /// A locally owned vector with its ghosts.
      Vector
      ghosted(const Vector &owned) const;
      void
      evaluate_particles();
      /// Adds this rank's part of oint eps0 grad phi . n dA of each particle.
      void
      add_gradient_flux_charges(std::vector<double> &flux_charge) const;
      /// Gives every rank all emitting-field samples of every particle and
      /// their emitted currents.
      void
      gather_current_balance_samples();
      void
      find_peak_vertices();
      /// The steps of find_peak_vertices(): the peak vertex of each particle,
      /// the recovery coefficients c of sigma there, the peak positions,
      /// and the weights of the peak fields on the dofs.
      std::vector<types::global_dof_index>
      find_peak_dofs() const;
      Vector
      peak_recovery_coefficients() const;
      void
      find_peak_points();
      void
      compute_peak_flux_weights(const Vector &c);
      std::vector<double>
      peak_emitting_fields(const Vector &ghosted_potential) const;
      /// Peak emitting field and potential of every particle in a
      /// potential field (the field-emission cap's linear map).
      struct FieldResponse
      {
        std::vector<double> field;     // V/m, at the peak vertices
        std::vector<double> potential; // V
      };
      FieldResponse
      response_of(const Vector &ghosted_potential) const;
      FieldResponse
      charge_response(const std::vector<double> &charges, double tolerance);
      std::vector<double>
      layer_means(const std::vector<double> &potentials) const;
      void
      solve_and_evaluate();
      void
      solve_field_emission_cap();
      /// The relative CG tolerance of the cap's full solve after a step
      /// whose field residual was @p previous_residual (inexact Newton).
      double
      cap_solve_tolerance(double previous_residual) const;
      /// The point-charge model of the particles over the anode (3D).
      PointChargeModel
      point_charge_model() const;
      /// The cap's Newton matrix on the limited set and the guard
      /// potentials with the point-charge model's field and potential
      /// couplings in place of the PDE's (the guard columns are the PDE's),
      /// LU-factored: the right preconditioner of its GCR.
      void
      factor_cap_model_matrix(const PointChargeModel           &model,
                              const std::vector<unsigned int>  &limited,
                              const std::vector<FieldResponse> &guard_response,
                              double                            length,
                              LAPACKFullMatrix<double>         &matrix) const;
      /// Stores the response to the charge change between the previous
      /// Newton state and the current one, from their two full solves.
      void
      store_step_response(const Vector              &previous_solution,
                          const std::vector<double> &previous_charges,
                          const std::vector<double> &previous_guards,
                          const std::vector<Vector> &guard_basis);
      /// The charges of the cap solved on the point-charge model: the
      /// first guess of the PDE cap.
      void
      start_from_point_charge_cap(const PointChargeModel &model);
      void
      solve_charge_fixed_point();
      /// A particle is limited if its charge ends above the beam charge.
      void
      mark_limited_particles();

      // Field-emission cap: the steps of solve_field_emission_cap().
      /// One Newton state's limited set (where the field constraint
      /// binds), the step that returns the other particles to their beam
      /// charge, each layer's mean potential, the largest |mean|, and the
      /// guards' relative residual.
      struct CapActiveSet
      {
        std::vector<unsigned int> limited;
        std::vector<double>       step;
        std::vector<double>       layer_mean;
        double                    largest_mean   = 0;
        double                    guard_residual = 0;
      };
      /// One Newton step's linear system on the limited charges and the
      /// guard potentials: the guard columns, the right-hand side, the
      /// right preconditioner (the point-charge model's LU factors, or
      /// the isolated spheres' diagonal) and the GCR tolerances.
      struct CapNewtonSystem
      {
        std::vector<unsigned int>               limited;
        unsigned int                            n_guards = 0;
        double                                  length   = 0; // m
        std::vector<FieldResponse>              guard_response;
        dealii::Vector<double>                  rhs, scaling;
        std::optional<LAPACKFullMatrix<double>> model_matrix;
        double                                  target            = 0;
        double                                  product_tolerance = 0;
        unsigned int
        size() const
        {
          return limited.size() + n_guards;
        }
      };
      /// Solves the field of the current charges (to @p tolerance, or the
      /// linear tolerance once converged) and returns its residuals.
      CapActiveSet
      solve_cap_state(double                     tolerance,
                      const std::vector<double> &capacity,
                      unsigned int               n_guards,
                      FieldResponse             &state);
      CapActiveSet
      cap_active_set(const FieldResponse       &state,
                     const std::vector<double> &capacity,
                     unsigned int               n_guards);
      bool
      cap_converged(const CapActiveSet &active, unsigned int n_guards);
      /// Both residuals (field, guards) within Charging/Relative tolerance.
      bool
      cap_within_tolerance(const CapActiveSet &active) const;
      void
      make_cap_newton_system(const FieldResponse                   &state,
                             const CapActiveSet                    &active,
                             const std::vector<double>             &capacity,
                             const std::vector<Vector>             &guard_basis,
                             const std::optional<PointChargeModel> &model,
                             CapNewtonSystem                       &system);
      void
      set_cap_tolerances(const FieldResponse &state,
                         const CapActiveSet  &active,
                         CapNewtonSystem     &system) const;
      /// J p for the response of p's charges.
      dealii::Vector<double>
      cap_jacobian_image(const CapNewtonSystem        &system,
                         FieldResponse                 response,
                         const dealii::Vector<double> &p) const;
      /// The Newton step's unknowns; returns the PDE solves it took.
      unsigned int
      solve_cap_newton_system(const CapNewtonSystem  &system,
                              double                 &previous_residual,
                              dealii::Vector<double> &unknowns);
      void
      recycle_cap_directions(const CapNewtonSystem            &system,
                             internal::ConjugateResidualSpace &space,
                             dealii::Vector<double>           &unknowns,
                             dealii::Vector<double>           &residual) const;
      unsigned int
      extend_cap_directions(const CapNewtonSystem            &system,
                            internal::ConjugateResidualSpace &space,
                            dealii::Vector<double>           &unknowns,
                            dealii::Vector<double>           &residual);
      void
      apply_cap_step(const CapNewtonSystem        &system,
                     const dealii::Vector<double> &unknowns,
                     std::vector<double>          &step);

      // Current balance by semismooth Newton (doc/stream-potential.md).
      void
      solve_current_balance();
      /// The emitter of particle i: the Field emission parameters with the
      /// particle radius as the retarding length.
      EmitterSurface
      emitter_of(unsigned int particle) const;
      /// -sigma_k / eps0 (V/m) at the particle-surface vertices this rank
      /// owns, in the order of sample_dofs, for any potential.
      std::vector<std::vector<double>>
      vertex_emitting_fields(const Vector &ghosted_potential) const;
      /// The potential (ghosted) of the particle charges alone, anode,
      /// enclosure and guards at 0 V; one PDE solve.
      Vector
      potential_of_charges(const std::vector<double> &charges);
      /// The potential of each guard layer at 1 V, the others at 0 V.
      std::vector<Vector>
      guard_basis_potentials();
      /// The potential of every particle (its master dof) in a field.
      std::vector<double>
      particle_potentials(const Vector &ghosted_potential) const;
      /// ln I_i of every particle (all ranks) from local vertex fields.
      std::vector<double>
      log_emitted_currents(
        const std::vector<std::vector<double>> &fields) const;

      // Current balance: the steps of solve_current_balance().
      /// What the Newton steps share: each particle's capacity c_i =
      /// 4 pi eps0 r^2 (F), ln I_c,i and whether the beam charges it
      /// negatively; the guard basis at the surface vertices and the
      /// particles; and the current step's linearisation (slope weights
      /// omega, s_i), balanced set and guard-row weight (1/V).
      struct BalanceState
      {
        std::vector<double>                           capacity, log_target;
        std::vector<bool>                             emits;
        unsigned int                                  n_guards = 0;
        std::vector<std::vector<std::vector<double>>> guard_fields;
        std::vector<std::vector<double>>              guard_potentials;
        std::vector<std::vector<double>>              omega;
        std::vector<double>                           charge_slope;
        std::vector<unsigned int>                     balanced;
        double                                        guard_weight = 1;
      };
      /// A state (or a change of it): the emitting fields at the surface
      /// vertices, the charges, the particle potentials and the guard
      /// potentials.
      struct BalancePoint
      {
        std::vector<std::vector<double>> fields;
        std::vector<double>              charges, potential, layers;
      };
      BalanceState
      current_balance_targets();
      void
      linearise_current_balance(const std::vector<std::vector<double>> &fields,
                                const std::vector<double> &log_current,
                                BalanceState              &balance) const;
      std::vector<double>
      balance_residuals(const BalanceState &balance,
                        const BalancePoint &trial) const;
      /// Sets the balanced set; returns the released particles' step.
      std::vector<double>
      find_balanced_set(BalanceState              &balance,
                        const std::vector<double> &log_current,
                        const std::vector<double> &charges) const;
      bool
      balance_converged(const BalanceState        &balance,
                        const std::vector<double> &residual);
      std::vector<double>
      log_current_change(
        const BalanceState                     &balance,
        const std::vector<std::vector<double>> &field_change) const;
      void
      add_guard_response(const BalanceState               &balance,
                         std::vector<std::vector<double>> &field_change,
                         std::vector<double>              &potential_change,
                         const std::vector<double>        &guard_change) const;
      void
      released_response(const BalancePoint        &state,
                        const std::vector<double> &step,
                        BalancePoint              &released);
      void
      make_balance_newton_system(BalanceState              &balance,
                                 const BalancePoint        &state,
                                 const std::vector<double> &log_current,
                                 const BalancePoint        &released,
                                 dealii::Vector<double>    &rhs,
                                 internal::DiagonalScaling &scaling) const;
      void
      balance_response(const BalanceState               &balance,
                       const dealii::Vector<double>     &src,
                       std::vector<std::vector<double>> &field_change,
                       std::vector<double>              &potential_change);
      void
      solve_balance_newton_system(const BalanceState              &balance,
                                  const dealii::Vector<double>    &rhs,
                                  const internal::DiagonalScaling &scaling,
                                  dealii::Vector<double>          &unknowns);
      BalancePoint
      balance_step_response(const BalanceState           &balance,
                            const dealii::Vector<double> &unknowns,
                            const BalancePoint           &released,
                            const std::vector<double>    &step);
      double
      balance_step_length(const BalanceState &balance,
                          const BalancePoint &state,
                          const BalancePoint &change,
                          double              start) const;
      void
      apply_balance_step(const BalancePoint &change, double t);
      double
      update_guard_potentials();
      void
      output_results();
      void
      write_profile_csv(double &max_abs_potential);
      nlohmann::json
      write_summary(double max_abs_potential);
      /// The run's last lines: the headline results and where they are.
      void
      report_results(const nlohmann::json &summary);
      /// The potential and |E| at the profile points in this rank's cells.
      void
      sample_profile(const Point<dim>          &base,
                     const std::vector<double> &z,
                     std::vector<double>       &potential,
                     std::vector<double>       &field,
                     std::vector<double>       &found) const;

      const Parameters &parameters;
      RunOutput        &output;
      const MPI_Comm    communicator;
      TimerOutput       timer;
      Timer             wall_clock;

      parallel::fullydistributed::Triangulation<dim> triangulation;
      const FE_SimplexP<dim>                         fe;
      const MappingFE<dim>                           mapping;
      const QGaussSimplex<dim>                       quadrature;
      const QGaussSimplex<dim - 1>                   face_quadrature;
      DoFHandler<dim>                                dof_handler;

      IndexSet                  locally_owned_dofs;
      IndexSet                  locally_relevant_dofs;
      AffineConstraints<double> constraints;
      /// The same constraints with zero boundary data: the response of the
      /// field to particle charges alone (field-emission cap).
      AffineConstraints<double> homogeneous_constraints;

      typename LA::SparseMatrix system_matrix;
      Vector                    system_rhs;
      Vector                    solution;         // locally owned
      Vector                    ghosted_solution; // locally relevant
      /// One of the two is built (build_preconditioner()).
      std::unique_ptr<typename LA::AMG>       preconditioner;
      std::unique_ptr<TwoLevelPreconditioner> two_level;

      /// Locally relevant dofs on any particle surface.
      IndexSet particle_surface_dofs;

      /// Periodic cell (Patch shape = periodic cell): its lateral extent,
      /// and for every locally relevant dof on its x_high or y_high face
      /// (slave) the dof at the translated point of the x_low / y_low face
      /// (master; possibly not locally relevant).
      meshes::PeriodicCell periodic_cell;
      std::vector<std::pair<types::global_dof_index, types::global_dof_index>>
        periodic_pairs;

      std::vector<ParticleState> particles;
      /// Locally relevant dofs on each particle's surface.
      std::vector<std::vector<types::global_dof_index>> surface_dofs;
      /// The master dof of each particle (the same on every rank).
      std::vector<types::global_dof_index> master_dofs;
      /// Surface samples of each particle on this rank: emitting field
      /// -sigma / eps0 (V/m) and area weight (m^2) at the surface vertices
      /// it owns.
      std::vector<std::vector<double>>                  emitting_field_samples;
      std::vector<std::vector<double>>                  area_weight_samples;
      std::vector<std::vector<types::global_dof_index>> sample_dofs;

      /// Field-emission cap: each particle's peak surface vertex (the same
      /// on every rank) and the recovered emitting field there as weights
      /// on the dofs of the locally owned cells around it
      /// (find_peak_vertices()).
      std::vector<types::global_dof_index> peak_dofs;
      /// The position of each peak vertex (every rank).
      std::vector<Point<dim>>              peak_points;
      std::vector<types::global_dof_index> peak_flux_dofs;
      std::vector<double>                  peak_flux_weights;
      std::vector<unsigned int>            peak_flux_particles;
      /// Field-emission cap: the charges of each response solved so far
      /// and their potential (grounded boundaries, locally relevant), the
      /// recycled directions of later Newton steps; at most
      /// max_stored_responses (2.5 MB each per rank at 550k unknowns on two
      /// ranks), the oldest dropped first.
      struct StoredResponse
      {
        std::vector<double> charges;
        Vector              potential;
      };
      static constexpr unsigned int max_stored_responses = 120;
      /// The relative CG tolerance of a solve that only enters a charge
      /// iteration's Jacobian (a GCR product, the guard basis): its error
      /// slows the iteration, the full solves decide its result.
      static constexpr double jacobian_product_tolerance = 1e-6;
      /// The cap's full solves (cap_solve_tolerance()): relative CG
      /// tolerance per unit of the previous step's field residual, while
      /// that residual is at least inexact_cap_residual.
      static constexpr double    cap_forcing          = 1e-6;
      static constexpr double    inexact_cap_residual = 1e-2;
      std::deque<StoredResponse> stored_responses;
      /// int_S psi_k dA of every surface vertex (locally relevant).
      Vector vertex_areas;
      /// The particle fields' linear functionals of the potential, whose
      /// weights depend only on the mesh: integrated once
      /// (build_surface_functionals()), so that a reading is a sum of
      /// weights times dof values and integrates nothing. Compressed rows
      /// (row r holds entries [start[r], start[r + 1]) of columns and
      /// weights).
      struct SurfaceFunctionals
      {
        /// Whether the weights below are integrated.
        bool built = false;
        /// One row per surface vertex k of the locally owned cells
        /// (sorted by k): its particle, its position and the weights
        /// w_km = sum_K int_K eps0 grad psi_k . grad phi_m dx over this
        /// rank's cells K at k, so that the numerator of L_k is
        /// sum_m w_km phi_m (summed over the ranks).
        std::vector<types::global_dof_index> vertex_dofs;
        std::vector<unsigned int>            vertex_particles;
        std::vector<Point<dim>>              vertex_points;
        std::vector<std::size_t>             vertex_start;
        std::vector<types::global_dof_index> vertex_columns;
        std::vector<double>                  vertex_weights;
        /// One row per particle: the weights g_m = sum_F int_F eps0
        /// grad phi_m . n dA over its faces on locally owned cells, so
        /// that its gradient-flux charge is sum_m g_m phi_m (summed over
        /// the ranks).
        std::vector<std::size_t>             particle_start;
        std::vector<types::global_dof_index> particle_columns;
        std::vector<double>                  particle_weights;

        /// Bytes held by the rows.
        std::size_t
        memory_consumption() const;
      };
      SurfaceFunctionals surface_functionals;
      /// The recovery patch of each locally owned particle-surface vertex
      /// k: k and the vertices sharing a particle-surface face with it.
      std::map<types::global_dof_index, std::vector<types::global_dof_index>>
        surface_patches;

      /// Guard electrodes: layer heights (m) and mean potentials (V).
      std::vector<double> layer_heights;
      std::vector<double> layer_potentials;
      double              domain_top = 0; // m

      // Statistics for the log and summary.json.
      unsigned int              charge_iterations = 0;
      std::vector<unsigned int> linear_iterations;
      /// Field-emission cap: GCR iterations (new PDE solves) per Newton
      /// step, PDE solves for products and their CG iterations.
      std::vector<unsigned int> gmres_iterations;
      /// Field-emission cap: directions each Newton step's GCR took from
      /// earlier solves, and each particle's cap residual at the end.
      std::vector<unsigned int> recycled_directions;
      std::vector<double>       cap_residuals;
      unsigned int              response_solves        = 0;
      unsigned int              response_cg_iterations = 0;
      double                    charge_change          = 0;
      double                    charge_residual        = 0;
      bool                      converged              = false;
    };
  } // namespace stream_potential
} // namespace xray

#endif

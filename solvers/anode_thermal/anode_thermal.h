// Steady temperature of an X-ray anode heated by a Gaussian electron spot:
//
//   -div(k(T) grad T) = 0                in each layer,
//   -k dT/dn = -q(x, y)                  on the heated face z = 0,
//   T = T0  or  -k dT/dn = h_c (T - T0)  on cooled faces, insulated elsewhere,
//   k dT/dn = h_b (T_above - T_below)    at resistive layer interfaces.
//
// (doc/theory.md section 1). In the axisymmetric model the weak form carries
// the weight 2 pi r, so every integral is the physical one (watts).
//
// A temperature jump at an interface needs a field that may be
// discontinuous there: the layers on either side of a resistive interface
// carry different vector components (FE_Q in one, FE_Nothing in the other,
// as in deal.II's step-46), and the interface term couples them.
#ifndef XRAY_ANODE_THERMAL_H
#define XRAY_ANODE_THERMAL_H

#include "anode_thermal/assembly_data.h"
#include "anode_thermal/conduction_multigrid.h"
#include "anode_thermal/parameters.h"
#include "anode_thermal/solve_results.h"
#include "anode_thermal/transient_state.h"
#include "common/output.h"
#include "meshes/line_focus_stretch.h"

#include <deal.II/base/index_set.h>
#include <deal.II/base/timer.h>
#include <deal.II/distributed/solution_transfer.h>
#include <deal.II/distributed/tria.h>
#include <deal.II/dofs/dof_handler.h>
#include <deal.II/fe/fe_values.h>
#include <deal.II/fe/fe_values_extractors.h>
#include <deal.II/hp/fe_collection.h>
#include <deal.II/hp/fe_values.h>
#include <deal.II/hp/mapping_collection.h>
#include <deal.II/hp/q_collection.h>
#include <deal.II/lac/affine_constraints.h>
#include <deal.II/lac/full_matrix.h>
#include <deal.II/lac/solver_control.h>
#include <deal.II/lac/vector.h>

#include <nlohmann/json.hpp>

#include <array>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <tuple>
#include <utility>

namespace xray
{
  namespace anode_thermal
  {
    using namespace dealii;

    /// Where the moving anode's material enters the mesh (held at T0).
    constexpr types::boundary_id inflow_face = 4;

    /// What the driver needs of a solver of any dimension and linear
    /// algebra.
    class Solver
    {
    public:
      virtual ~Solver() = default;
      virtual int
      run() = 0;
      virtual void
      reuse_for(const Parameters &parameters, RunOutput &output) = 0;
      virtual void
      set_reference_design(const nlohmann::json &reference_summary) = 0;
      virtual const nlohmann::json &
      results() const = 0;
    };

    template <int dim, typename LA>
    class AnodeThermal : public Solver
    {
    public:
      AnodeThermal(const Parameters &parameters, RunOutput &output);

      /// Returns the exit status: success, or limit_exceeded.
      int
      run() override;

      /// Take other parameters and another output for the next run(),
      /// which then solves on the adapted mesh of the last run and starts
      /// Newton from its field: for sweep points with the same mesh_key().
      void
      reuse_for(const Parameters &parameters, RunOutput &output) override;

      /// The summary.json of the reference design (maximum-power task):
      /// this run's summary then reports the brightness gain over it.
      void
      set_reference_design(const nlohmann::json &reference_summary) override
      {
        reference_design = reference_summary;
      }
      /// What run() wrote to summary.json.
      const nlohmann::json &
      results() const override
      {
        return run_summary;
      }

    private:
      using Vector = typename LA::Vector;

      void
      make_finite_elements(unsigned int degree);
      void
      make_quadratures(unsigned int degree);
      void
      make_grid();
      void
      make_coarse_grid();
      static bool
      may_stretch_line_focus(const Parameters &p);
      std::shared_ptr<const meshes::LineFocusStretch>
      make_line_stretch() const;
      void
      refine_toward_spot();
      void
      mark_inflow_faces();
      void
      make_enthalpy();
      void
      setup_system();
      void
      make_system_matrix();
      void
      make_constraints();
      void
      update_coefficients();
      std::vector<types::boundary_id>
      fixed_temperature_faces() const;
      std::string
      matrix_key() const;
      void
      find_resistive_interfaces();
      void
      assemble_heat_source();
      double
      integrate_source_shape();
      /// FEValues for a volumetric source per (finite element, depth
      /// direction, sub-intervals of the iterated quadrature).
      using DepositionValues =
        std::map<std::tuple<unsigned int, unsigned int, unsigned int>,
                 std::unique_ptr<FEValues<dim>>>;
      FEValues<dim> &
      deposition_values(
        const typename DoFHandler<dim>::active_cell_iterator &cell,
        DepositionValues                                     &cache) const;
      void
      add_source_shape(
        const typename DoFHandler<dim>::active_cell_iterator &cell,
        const FEValuesBase<dim>                              &values,
        dealii::Vector<double>                               &cell_source,
        std::vector<types::global_dof_index>                 &dofs,
        double                                               &integral);
      void
      check_source_resolved() const;
      void
      assemble(const Vector &temperature,
               bool          with_matrix,
               bool          keep_fixed_rows = false);
      // What the assembly keeps per point, cell, element and interface
      // piece (assembly_data.h).
      using PointData       = anode_thermal::PointData<dim>;
      using CellPoints      = anode_thermal::CellPoints<dim>;
      using ReferenceShapes = anode_thermal::ReferenceShapes<dim>;
      using InterfaceFace   = anode_thermal::InterfaceFace<dim>;
      using InterfacePiece  = anode_thermal::InterfacePiece;
      void
      make_reference_shapes();
      void
      read_cell_points(const FEValues<dim> &values,
                       unsigned int         layer,
                       bool                 laplacians,
                       CellPoints          &cell_points) const;
      void
      unpack_point_data(const CellPoints       &cell_points,
                        unsigned int            fe_index,
                        std::vector<PointData> &points) const;
      const std::vector<PointData> &
      cell_point_data(unsigned int            index,
                      hp::FEValues<dim>      &fe_values,
                      CellPoints             &scratch_cell,
                      std::vector<PointData> &points);
      void
      add_to_system(const FullMatrix<double>                   &cell_matrix,
                    const dealii::Vector<double>               &cell_rhs,
                    const std::vector<types::global_dof_index> &dofs,
                    bool                                        with_matrix);
      void
      assemble_cells(const Vector &temperature,
                     bool          with_matrix,
                     double       &outflow,
                     double       &advected);
      void
      add_point_terms(const PointData              &point,
                      unsigned int                  layer,
                      const dealii::Vector<double> &T_local,
                      bool                          with_matrix,
                      FullMatrix<double>           &cell_matrix,
                      dealii::Vector<double>       &cell_rhs,
                      double                       &advected) const;
      void
      add_conduction(const PointData        &point,
                     const Tensor<1, dim>   &grad_T,
                     double                  k,
                     double                  dk,
                     bool                    with_matrix,
                     FullMatrix<double>     &cell_matrix,
                     dealii::Vector<double> &cell_rhs) const;
      const FaceCondition *
      convective_condition(types::boundary_id id) const;
      void
      add_convective_faces(
        const typename DoFHandler<dim>::active_cell_iterator &cell,
        const Vector                                         &temperature,
        bool                                                  with_matrix,
        hp::FEFaceValues<dim>                                &face_values,
        FullMatrix<double>                                   &cell_matrix,
        dealii::Vector<double>                               &cell_rhs,
        double                                               &outflow) const;
      void
      assemble_interfaces(const Vector &temperature, bool with_matrix);
      void
      make_interface_pieces();
      InterfacePiece
      tabulate_interface_piece(const InterfaceFace     &face,
                               const FEValuesBase<dim> &upper,
                               const FEValuesBase<dim> &lower,
                               const FEValuesBase<dim> &finer) const;
      void
      add_interface_terms(const InterfacePiece   &piece,
                          const double           *T_piece,
                          bool                    with_matrix,
                          FullMatrix<double>     &piece_matrix,
                          dealii::Vector<double> &piece_rhs) const;
      std::unique_ptr<FEValues<dim>>
      coarser_side_values(
        const typename DoFHandler<dim>::active_cell_iterator &cell,
        const FEValuesBase<dim>                              &finer) const;
      void
      add_stored_heat(const PointData        &point,
                      unsigned int            layer,
                      double                  T,
                      bool                    with_matrix,
                      FullMatrix<double>     &cell_matrix,
                      dealii::Vector<double> &cell_rhs) const;
      std::pair<Tensor<1, dim>, double>
      streamline_diffusion(const Point<dim>     &point,
                           const Tensor<2, dim> &inverse_jacobian,
                           unsigned int          layer) const;
      double
      add_advection(const PointData        &point,
                    unsigned int            layer,
                    double                  T,
                    const Tensor<1, dim>   &grad_T,
                    double                  laplacian_T,
                    double                  k,
                    double                  dk,
                    bool                    with_matrix,
                    FullMatrix<double>     &cell_matrix,
                    dealii::Vector<double> &cell_rhs) const;
      /// Scratch of add_conduction(): the shape gradients' components,
      /// [d][j].
      mutable std::array<std::vector<double>, dim> gradient_components;
      /// Scratch of add_advection(), per shape function.
      mutable std::vector<double> advection_scratch, strong_scratch;
      void
      assemble_newton_system(const Vector &temperature);
      bool
      preconditioner_suits_matrix() const;
      unsigned int
      solve_linear(Vector &update,
                   double  absolute_floor,
                   double  relative_tolerance = 0);
      void
      build_preconditioner(bool symmetric);
      void
      solve_direct(Vector &update);
      void
      run_krylov_solver(SolverControl &control, bool symmetric, Vector &update);
      void
      track_preconditioner_rate(const SolverControl &control);
      /// Why Solver/Preconditioner = matrix-free multigrid cannot serve
      /// this case (empty when it can).
      std::string
      matrix_free_obstacle() const;
      /// Whether linear solves use the matrix-free multigrid (requested and
      /// no obstacle); then no matrix is assembled.
      bool
      uses_matrix_free() const;
      void
      setup_matrix_free_multigrid();
      void
      solve_matrix_free(SolverControl &control, Vector &update);
      double
      forcing_term(double relative_residual) const;
      static double
      conductivity_curvature(const Material &material, double temperature);
      template <typename Function>
      PowerSearchPoints
      power_law_secant(Function &g, double P_a, double g_a, double P_b);
      SolveStatistics
      solve_steady_state(double incident_power);
      /// Newton with line search from present_solution, until the residual
      /// is below the Newton tolerance times @p reference.
      SolveStatistics
      solve_newton(double reference);
      /// Zero the rows of the fixed-temperature degrees of freedom in
      /// system_rhs (the unknowns' residual).
      void
      drop_fixed_rows();
      double
      residual_norm(const Vector &temperature, bool with_matrix = false);
      bool
      next_matrix_with_trial(double rho) const;
      bool
      steady_matrix_changes_with_T() const;
      bool
      chord_steps_apply() const;
      /// What a failure of a runaway Newton run asks to check
      /// (runaway_hint()).
      static const std::string heat_escape_hint;
      std::string
      runaway_hint(double largest_temperature) const;
      /// Chord steps (chord_steps_apply()): the relative residual below
      /// which a Newton step leaves the next step to its factorization, and
      /// the least reduction of the residual per chord step for another.
      static constexpr double chord_start = 1e-2;
      static constexpr double chord_rate  = 0.1;

      // Task = transient (transient.templates.h).
      /// What a transient run carries from step to step
      /// (transient_state.h).
      using TimeState         = anode_thermal::TimeState<Vector>;
      using TimeStepResult    = anode_thermal::TimeStepResult;
      using TransientProgress = anode_thermal::TransientProgress;
      using PeriodStart       = anode_thermal::PeriodStart<Vector>;
      /// The next of Time/Output times (end() after the last).
      using OutputTime = std::vector<double>::const_iterator;
      int
      run_transient(nlohmann::json &summary_entries);
      void
      start_transient(TransientProgress &progress, TimeState &now);
      unsigned int
      step_to_end(TransientProgress &progress, TimeState &now);
      double
      landing_step(double     time_now,
                   double     dt,
                   double     jump,
                   OutputTime next_output) const;
      double
      step_after_rejection(TransientProgress &progress,
                           double             time_now,
                           double             step,
                           double             error_ratio) const;
      void
      accept_step(TransientProgress        &progress,
                  TimeState                &now,
                  TimeState                &next,
                  double                    step,
                  const TimeStepResult     &result,
                  std::vector<LayerResult> &maxima);
      void
      write_field_when_due(TransientProgress &progress,
                           double             time_now,
                           double             end_tolerance,
                           OutputTime        &next_output);
      void
      write_transient_field(TransientProgress &progress, double time_now);
      double
      step_after_acceptance(const TransientProgress &progress,
                            double                   time_now,
                            double                   step,
                            double                   error_ratio,
                            double                   jump,
                            double                   end_tolerance) const;
      void
      remember_step_after_jump(TransientProgress &progress,
                               double             step,
                               double             jump_at_start) const;
      double
      repeat_to_next_output(TransientProgress &progress,
                            TimeState         &now,
                            double             end_tolerance,
                            OutputTime        &next_output);
      void
      finish_transient(const TransientProgress &progress,
                       const TimeState         &now,
                       unsigned int             last_checkpoint);
      void
      log_transient_totals(const TransientProgress &progress,
                           const TimeState         &now) const;
      int
      transient_exit_status(const TransientProgress &progress,
                            const TimeState         &now);
      void
      record_history(TransientProgress              &progress,
                     const TimeState                &now,
                     double                          step,
                     const std::vector<LayerResult> &maxima);
      double
      energy_balance(TransientProgress &progress,
                     double             stored,
                     double             peak) const;
      double
      repeat_periods(TransientProgress &progress,
                     TimeState         &now,
                     double             limit_time);
      void
      check_limits(TransientProgress              &progress,
                   double                          time,
                   double                          step,
                   const std::vector<LayerResult> &before,
                   const std::vector<LayerResult> &after) const;
      void
      write_history() const;
      void
      summarize_transient(const TransientProgress &progress,
                          const TimeState         &now,
                          nlohmann::json          &entries) const;

      // Checkpoint and restart (checkpoint.templates.h).
      bool
      restarting() const;
      /// The checkpoint's state.json, checked against this run's input;
      /// throws InputError naming what does not fit.
      nlohmann::json
      read_checkpoint_state() const;
      void
      write_checkpoint(const TransientProgress &progress, const TimeState &now);
      void
      make_partial_checkpoint(const std::filesystem::path &partial) const;
      void
      save_mesh_and_fields(const TimeState             &now,
                           const std::filesystem::path &partial);
      nlohmann::json
      checkpoint_state(const TransientProgress     &progress,
                       const TimeState             &now,
                       const std::filesystem::path &partial) const;
      nlohmann::json
      progress_state(const TransientProgress &progress) const;
      void
      restore_checkpoint(TransientProgress &progress, TimeState &now);
      void
      load_checkpoint_mesh(const std::filesystem::path &directory,
                           const nlohmann::json        &state);
      void
      load_checkpoint_fields(TimeState &now);
      void
      restore_transient_state(const nlohmann::json &state,
                              TransientProgress    &progress,
                              TimeState            &now);
      TransientProgress
      restored_progress(const nlohmann::json &p) const;
      void
      continue_solution_series(const nlohmann::json        &state,
                               const std::filesystem::path &directory);
      TimeStepResult
      take_time_step(const TimeState &now, double dt, TimeState &next);
      TimeStepResult
      take_time_step_from(const TimeState &now,
                          double           dt,
                          double           P1,
                          double           P2,
                          double           P3,
                          TimeState       &next);
      double
      stage_equation_scale(const TimeState &now) const;
      TimeState
      trapezoidal_stage(const TimeState &now,
                        double           dt,
                        double           P2,
                        double           reference);
      void
      bdf2_stage(const TimeState &now,
                 const TimeState &stage2,
                 double           dt,
                 double           P3,
                 double           reference,
                 TimeState       &next);
      double
      heat_out_over_step(const TimeState &now,
                         const TimeState &stage2,
                         const TimeState &next,
                         double           dt) const;
      double
      local_temperature_error(const TimeState &now,
                              const TimeState &stage2,
                              const TimeState &next,
                              double           dt);
      double
      step_error_ratio(const TimeState &now,
                       const TimeState &next,
                       double           error) const;
      void
      solve_stage(double incident_power, double reference);
      void
      evaluate_rates(const Vector &T,
                     double        incident_power,
                     Vector       &rate,
                     Vector       &stored);
      void
      assemble_stored_heat(const Vector &T, Vector &stored);
      double
      sum_of(const Vector &vector) const;
      double
      heat_capacity_at_T0() const;
      double
      sum_of_fixed_rows(const Vector &vector) const;
      std::string
      history_header() const;
      /// v HWHM / alpha of the heated layer at T0 (moving anode).
      double
      peclet_number() const;
      void
      refine_mesh();
      void
      kelly_indicators(dealii::Vector<float> &indicators) const;
      void
      mark_largest_indicators(const dealii::Vector<float> &indicators);
      /// Throws InputError if the adaptive cycles would grow the first
      /// mesh beyond the memory of the machines the run is on.
      void
      check_mesh_fits_memory() const;
      void
      start_run();
      SolveStatistics
      solve_on_previous_mesh();
      SolveStatistics
      solve_adaptive_cycles();
      double
      search_start_power();
      // Peak error estimate (error_estimate.templates.h).
      bool
      target_reached(unsigned int cycle, bool refinement);
      PeakErrorEstimate
      estimate_peak_error(unsigned int cycle, bool with_indicators);
      void
      solve_in_enriched_elements(PeakErrorEstimate &estimate,
                                 bool               with_indicators);
      void
      localise_peak_error(PeakErrorEstimate     &estimate,
                          const LayerResult     &goal,
                          const DoFHandler<dim> &cycle_dofs,
                          const Vector          &cycle_field);
      Vector
      quadrature_defect(const Vector &enriched_residual);
      double
      share_nodes_among_cells(const Vector &nodal_shares);
      Vector
      solve_peak_dual(const LayerResult &goal, PeakErrorEstimate &estimate);
      double
      add_point_value_functional(const LayerResult &goal, unsigned int layer);
      Vector
      dual_interpolation_error(const Vector          &dual,
                               const DoFHandler<dim> &cycle_dofs);
      void
      report_target_not_reached(const std::string &where) const;
      void
      add_error_estimate_summary(nlohmann::json &s) const;
      void
      record_steady_peak_rise();
      void
      find_moving_heat_removed();
      void
      log_layer_results(const std::vector<LayerResult> &maxima,
                        const nlohmann::json           &s) const;
      void
      write_run_summary(nlohmann::json &s, const Timer &wall_clock);
      int
      report_exit_status(int status, const nlohmann::json &s) const;
      double
      find_maximum_power(SolveStatistics &statistics);
      bool
      searches_maximum_power() const;
      std::pair<unsigned int, double>
      most_loaded_layer(const std::vector<LayerResult> &maxima) const;
      double
      peak_load_ratio();
      double
      search_maximum_power(SolveStatistics &statistics, double ratio);
      double
      kirchhoff_power_estimate(double ratio) const;
      void
      scale_temperature_rise(double factor);
      std::vector<LayerResult>
      layer_maxima() const;
      std::vector<double>
      layer_nodal_values(
        const typename DoFHandler<dim>::active_cell_iterator &cell) const;
      double
      heat_removed() const;
      void
      output_results(double time = 0) const;
      nlohmann::json
      summary(const std::vector<LayerResult> &maxima,
              const SolveStatistics          &statistics) const;
      nlohmann::json
      layer_summary(const std::vector<LayerResult> &maxima,
                    std::vector<std::string>       &exceeded) const;
      void
      add_motion_summary(nlohmann::json &s) const;
      void
      add_solver_summary(nlohmann::json        &s,
                         const SolveStatistics &statistics) const;
      void
      add_maximum_power_summary(nlohmann::json &s, double absorbed) const;
      void
      add_heat_source_summary(nlohmann::json &s) const;
      void
      log_heat_source() const;
      double
      apparent_spot_area() const;

      double
      conductivity(unsigned int layer, double temperature) const;
      /// Heat-source shape per watt deposited at a point: 1/m^3 for
      /// volumetric deposition, 1/m^2 for a flux on the heated face.
      double
      source_shape(const Point<dim> &point) const;
      /// (1 - eta_E) P times the fraction deposited in the anode, W.
      double
      deposited_power() const;
      /// 2 pi r in the axisymmetric model, 1 in 3D.
      double
      weight(const Point<dim> &point) const;
      bool
      all_conductivities_constant() const;
      bool
      all_heat_capacities_constant() const;
      bool
      matrix_is_symmetric() const;

      ConditionalOStream &
      log() const
      {
        return output->log();
      }

      MPI_Comm mpi_communicator;
      /// A copy: a sweep point that reuses the mesh replaces it (rerun()).
      Parameters parameters;
      RunOutput *output;
      /// Made anew by each run(), writing to that run's log.
      std::unique_ptr<TimerOutput> timer;
      /// The mesh has been generated and adapted by an earlier run().
      bool mesh_is_adapted = false;
      /// No line per Newton step in the log (time stepping).
      bool quiet_newton = false;
      /// assemble() leaves out the stored heat of the time stage: the
      /// residual is then -f(T) (evaluate_rates()).
      bool         rates_only                  = false;
      unsigned int transient_newton_iterations = 0;
      /// Largest peak rise T - T0 of the transient run so far, K: the
      /// scale of the time error tolerance.
      double largest_rise = 0;
      /// Peak rise of the steady field at the beam's peak power (the mesh
      /// adaptation before a transient run), K: the scale of the first
      /// step's error, before any rise exists.
      double steady_peak_rise = 0;
      /// Why a transient run stopped at a temperature limit (exit 4).
      std::string limit_message;

      /// The mesh may be stretched along a line focus: it is repartitioned
      /// only while it is refined toward the spot, before the stretch
      /// (may_stretch_line_focus()).
      bool                                      repartition_by_hand;
      parallel::distributed::Triangulation<dim> triangulation;
      hp::MappingCollection<dim>                mapping;
      hp::FECollection<dim>                     fe;
      hp::QCollection<dim>                      quadrature;
      hp::QCollection<dim - 1>                  face_quadrature;
      /// The degree of the elements the rules are made for
      /// (make_quadratures()).
      unsigned int    quadrature_degree = 0;
      DoFHandler<dim> dof_handler;

      /// The map that stretches the cells along a line focus (3D, Mesh/Line
      /// focus stretch > 1, a line long enough), or none: the mesh is made
      /// and refined toward the spot in its chart (make_coarse_grid()).
      std::shared_ptr<const meshes::LineFocusStretch> line_stretch;

      /// The locally owned cells ordered by CellId: assembly loops run over
      /// them (setup_system()).
      std::vector<typename DoFHandler<dim>::active_cell_iterator> owned_cells;
      /// CellPoints of every owned cell (by its index in owned_cells), kept
      /// while the mesh is fixed if it fits MAX_POINT_CACHE_BYTES per rank:
      /// the Newton steps of a power search then skip the mapping, whose
      /// second derivatives (the SUPG Laplacians) cost as much as the
      /// assembly itself. Emptied by setup_system().
      std::vector<CellPoints> point_cache;
      /// ReferenceShapes of each FE index (make_reference_shapes()).
      std::vector<ReferenceShapes> reference_shapes;
      bool                         point_cache_tried      = false;
      bool                         point_cache_laplacians = false;
      static constexpr double      max_point_cache_bytes  = 1024. * 1024 * 1024;
      /// The vector component carrying the temperature in each layer.
      std::vector<unsigned int> layer_component;

      IndexSet                  locally_owned_dofs;
      IndexSet                  locally_relevant_dofs;
      AffineConstraints<double> update_constraints;      // homogeneous
      AffineConstraints<double> temperature_constraints; // T = T0
      /// Hanging nodes only: residual vectors keep the rows of the
      /// fixed-temperature unknowns, whose sum is the heat those faces take
      /// (the consistent reaction flux of the energy balance).
      AffineConstraints<double> hanging_constraints;

      /// Specific enthalpy H(T) above T0 of each layer's material.
      std::vector<Enthalpy> enthalpy;

      // Terms of a time stage (zero or empty in a steady solve): the stage
      // residual, divided by the stage's step dt d, is
      //   R(T) = c (m(T) - m_known) + K(T) + A(T) - P b,
      // c = stage_mass_factor = 1/(dt d), m_i(T) = int rho H(T) phi_i.
      double stage_mass_factor = 0;
      Vector stage_known_mass;
      /// The time step that limits the SUPG parameter; 0 when steady.
      double supg_time_step = 0;
      /// Heat leaving through convective faces and carried out of the mesh
      /// by the motion at the temperature of the last assemble(), W.
      double boundary_outflow = 0;
      /// Of which the motion carries away (W).
      double advective_outflow = 0;
      /// Heat leaving through the cooled faces of a moving anode's solution,
      /// W (run()); -1 without motion.
      double moving_heat_removed = -1;
      /// Transient results: one row per accepted step (history.csv).
      std::vector<std::vector<double>> history;
      PeriodStart                      period_start;

      /// The faces held at T0 by the constraints: they decide the sparsity
      /// pattern (make_constraints()).
      std::vector<types::boundary_id> constrained_faces;

      typename LA::SparseMatrix system_matrix;
      /// matrix_key() of the assembled matrix: with constant k an equal key
      /// means the matrix is current and is not assembled again. Empty for
      /// k(T), and when nothing is assembled on this sparsity pattern yet.
      std::string assembled_matrix_key;
      /// Algebraic multigrid of the system matrix, kept across Newton
      /// steps, power searches and sweep points while it suits the matrix
      /// (preconditioner_suits_matrix()); reset when the matrix is made anew.
      std::unique_ptr<typename LA::AMG> preconditioner;
      /// assembled_matrix_key when it was built.
      std::string preconditioner_key;
      /// Sparse LU of the system matrix (Solver/Linear solver = direct),
      /// kept with the matrix (solve_direct()); reset with the AMG.
      std::unique_ptr<typename LA::SparseLU> factorization;
      /// Whether the system matrix and its factorization are a Newton
      /// matrix of this mesh that a chord step may use (solve_newton());
      /// cleared by every assembly of the matrix.
      bool newton_factorization_kept = false;
      /// The matrix-free operator and its geometric multigrid
      /// (uses_matrix_free()), built for the matrix_key() in multigrid_key
      /// on the present mesh.
      std::unique_ptr<ConductionMultigrid<dim>> multigrid;
      std::string                               multigrid_key;
      /// The locally owned unknowns in order, the multigrid's twin of each
      /// (the same shape function of the field's FE_Q on the same cells),
      /// and a finest-level vector that has the twins owned by other ranks
      /// as ghosts (a field's unknown and its twin in the FESystem of two
      /// can have different owners).
      std::vector<types::global_dof_index>          multigrid_owned_dofs;
      std::vector<types::global_dof_index>          multigrid_twin;
      typename ConductionMultigrid<dim>::VectorType multigrid_exchange;
      bool matrix_free_fallback_logged = false;
      /// Digits of residual reduction per iteration in the first solve with
      /// it, and whether a later solve gained them at less than half that
      /// rate (then it is built anew).
      double preconditioner_first_rate = 0;
      bool   preconditioner_degraded   = false;
      Vector system_rhs;
      /// Heat input for 1 W deposited (assemble_heat_source()), its l2 norm
      /// and the sum of its entries (W).
      Vector unit_source;
      double unit_source_norm = 0;
      double unit_source_sum  = 0;
      Vector present_solution; // locally owned
      Vector temperature;      // ghosted copy of it
      bool   solution_on_this_mesh = false;
      /// Carries the temperature across a refinement: Newton on the new
      /// mesh starts from it instead of from T0.
      std::unique_ptr<parallel::distributed::SolutionTransfer<dim, Vector>>
        solution_transfer;

      /// The matching pairs of face pieces across the resistive interfaces
      /// (find_resistive_interfaces()).
      std::vector<InterfaceFace> interface_faces;
      /// One per interface_faces entry, empty until the first assembly on
      /// a mesh; interface_dofs: all their unknowns, piece after piece (the
      /// temperatures of all pieces are read in one pass).
      std::vector<InterfacePiece>          interface_pieces;
      std::vector<types::global_dof_index> interface_dofs;

      double current_incident_power = 0;
      /// The coolant temperature T0 of present_solution.
      double solution_coolant_temperature = 0;
      /// The integral of source_shape() over the mesh (volume or heated
      /// face), by the quadrature of the assembly: the source is scaled by
      /// P_dep / this.
      double shape_integral          = 0;
      double source_quadrature_error = 0;
      /// Sum of the assembled heat-input vector (W).
      double       assembled_heat_input        = 0;
      unsigned int total_linear_iterations     = 0;
      unsigned int total_newton_iterations     = 0;
      unsigned int total_chord_steps           = 0;
      unsigned int total_preconditioner_setups = 0;
      double       max_permissible_power       = 0;
      std::string  limiting_layer;
      /// One per adaptive cycle of this run with Mesh/Target accuracy > 0.
      std::vector<PeakErrorEstimate> peak_error_estimates;
      /// Refinement indicator = goal-oriented: each active cell's share of
      /// the last estimate (localise_peak_error()), K.
      dealii::Vector<float> goal_indicators;
      /// assemble() adds the transposes of the local matrices (the dual
      /// problem's matrix).
      bool transpose_local_matrices = false;
      /// The degree of the cycle's elements while the goal-oriented
      /// indicators test the cycle's field in degree p + 1 (0 otherwise):
      /// the SUPG parameter is then that of the cycle's elements, so that
      /// R(T_h)(v_h) = 0 holds for v_h in V_h (localise_peak_error()).
      unsigned int estimated_degree = 0;
      unsigned int
      stabilised_degree() const
      {
        return estimated_degree > 0 ? estimated_degree : parameters.fe_degree;
      }
      nlohmann::json reference_design;
      nlohmann::json run_summary;
    };
  } // namespace anode_thermal
} // namespace xray

#endif

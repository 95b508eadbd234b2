// How the case is computed and reported: the declare/parse pairs of the
// Reference design, Mesh, Output and Solver subsections.
#include "anode_thermal/parameters.h"
#include "common/errors.h"

#include <deal.II/base/utilities.h>

#include <string>

namespace xray
{
  namespace anode_thermal
  {
    void
    Parameters::declare_reference_design(ParameterHandler &prm)
    {
      prm.enter_subsection("Reference design");
      {
        prm.declare_entry(
          "Parameter changes",
          "",
          Patterns::Anything(),
          "The design the brightness gain is measured against: changes to "
          "this run's parameters, \"Section/Name=value\" separated by ';' "
          "(e.g. \"Geometry/Layer materials=Cu; Geometry/Layer "
          "thicknesses=5e-3\"). Its maximum permissible power is computed "
          "first (output in the subdirectory reference/) and summary.json "
          "reports the specific-brightness gain, Eq. (1): the ratio of the "
          "maximum incident power per apparent spot area at equal "
          "conversion efficiency. Needs Task = maximum power. Empty: none.");
      }
      prm.leave_subsection();
    }


    void
    Parameters::parse_reference_design(ParameterHandler &prm)
    {
      prm.enter_subsection("Reference design");
      {
        reference_changes.clear();
        for (const auto &change :
             Utilities::split_string_list(prm.get("Parameter changes"), ';'))
          if (!change.empty())
            reference_changes.push_back(change);
        if (!reference_changes.empty() && task != Task::maximum_power)
          throw InputError("Reference design/Parameter changes: the "
                           "brightness gain needs Task = maximum power");
      }
      prm.leave_subsection();
    }


    void
    Parameters::declare_mesh(ParameterHandler &prm)
    {
      prm.enter_subsection("Mesh");
      {
        prm.declare_entry("Finite element degree",
                          "2",
                          Patterns::Integer(1, 4),
                          "Polynomial degree of the Lagrange elements; cells "
                          "are integrated with Gauss rules of degree + 1 "
                          "points per direction (degree + 2 for a moving "
                          "anode), faces with degree + 2 "
                          "(doc/anode-thermal.md, Model).");
        prm.declare_entry("Growth factor",
                          "1.4",
                          Patterns::Double(1.05, 3),
                          "Ratio of the sizes of neighbouring cells of the "
                          "initial mesh away from the spot (dimensionless).");
        prm.declare_entry("Spot cell size",
                          "0.5",
                          Patterns::Double(0.01, 4),
                          "Size of the initial cells at the spot, as a "
                          "fraction of the spot HWHM (dimensionless).");
        prm.declare_entry(
          "Line focus stretch",
          "1",
          Patterns::Double(1, 16),
          "3D line focus: the initial cells along the middle of the flat "
          "top are this many times longer along the line than across it "
          "(dimensionless; 1: cubic cells everywhere). Within 3 spot cells "
          "of the line's ends the cells stay cubic, and the stretch blends "
          "smoothly into them (the map is in doc/anode-thermal.md, Mesh). "
          "A flat top not longer than 2 (s + 4) spot cells (Spot cell size "
          "x Spot HWHM) keeps cubic cells, and the log says so; other spots, "
          "the half-ball and the axisymmetric model ignore the entry. Not "
          "with checkpoints (Time/Checkpoint interval, Time/Restart from) "
          "or a moving anode (Motion/Type).");
        prm.declare_entry("Adaptive refinement cycles",
                          "3",
                          Patterns::Integer(0, 20),
                          "Solve-estimate-refine cycles after the first "
                          "solve (cells marked by the Refinement "
                          "indicator); with a Target accuracy, the most "
                          "that are run.");
        prm.declare_entry(
          "Refinement indicator",
          "Kelly",
          Patterns::Selection("Kelly|goal-oriented"),
          "Which cells an adaptive cycle refines. Kelly: those with the "
          "largest jumps of the heat flux across their faces. "
          "goal-oriented: those contributing most to the estimated error "
          "of the peak (the Target accuracy's goal): the dual-weighted "
          "residual localised to the cells, its dual solution solved in "
          "elements one degree higher on the same mesh (doc/anode-thermal.md, "
          "Goal-oriented refinement). It estimates the error after every solve, with "
          "or without a Target accuracy, at the cost of the estimate's "
          "solves and one more linear solve per refined cycle.");
        prm.declare_entry("Refinement fraction",
                          "0.3",
                          Patterns::Double(0, 1),
                          "Fraction of the cells refined per cycle (those "
                          "with the largest error indicators).");
        prm.declare_entry(
          "Target accuracy",
          "0",
          Patterns::Double(0, 0.5),
          "Relative error of the peak temperature rise T_max - T0 (of the "
          "layer with the largest (T_max - T0) / (T_limit - T0); in the "
          "maximum power task, to first order that of the maximum power) at "
          "which the adaptive cycles stop (dimensionless). After each solve "
          "the error is estimated by the dual-weighted residual, its dual "
          "solution in elements one degree higher on the same mesh: one "
          "more solve, of about 3.4 (2D: 2.3) times the unknowns, per cycle "
          "(doc/anode-thermal.md, Error estimate). The estimate goes to "
          "summary.json; a target not reached within Adaptive refinement "
          "cycles is said on stderr. 0: no estimate, every cycle is run.");
      }
      prm.leave_subsection();
    }


    // The ranges of the patterns are all the checks these entries need on
    // their own, but for the line stretch against checkpoints and motion
    // (Time and Motion are parsed first); whether the spot can be meshed on the
    // anode's scale spans sections and is check_mesh_scale()'s
    // (parameters_checks.cc).
    void
    Parameters::parse_mesh(ParameterHandler &prm)
    {
      prm.enter_subsection("Mesh");
      {
        fe_degree           = prm.get_integer("Finite element degree");
        growth_factor       = prm.get_double("Growth factor");
        spot_cell_fraction  = prm.get_double("Spot cell size");
        line_focus_stretch  = prm.get_double("Line focus stretch");
        adaptive_cycles     = prm.get_integer("Adaptive refinement cycles");
        refinement_fraction = prm.get_double("Refinement fraction");
        target_accuracy     = prm.get_double("Target accuracy");
        goal_oriented_refinement =
          prm.get("Refinement indicator") == "goal-oriented";
      }
      prm.leave_subsection();
      // The stretch moves the vertices after refinement, which a saved mesh
      // (its refinement only) cannot restore. On a moving anode its initial
      // mesh is too coarse in depth for the thin heated layer:
      // params/rotating-anode-ct.prm's peak has an estimated error of 1.3 %
      // of the rise with it, 0.1 % without it (doc/anode-thermal.md,
      // Mesh).
      if (line_focus_stretch > 1 &&
          (time.checkpoint_interval > 0 || !time.restart_from.empty()))
        throw InputError("Mesh/Line focus stretch > 1 cannot be combined "
                         "with checkpoints (Time/Checkpoint interval, "
                         "Time/Restart from): a stretched mesh is not "
                         "restored from one; use 1");
      if (line_focus_stretch > 1 && motion.is_moving())
        throw InputError("Mesh/Line focus stretch > 1 cannot be combined "
                         "with a moving anode (Motion/Type): its mesh is "
                         "too coarse in depth for the thin heated layer of "
                         "a moving anode; use 1");
    }


    void
    Parameters::declare_output(ParameterHandler &prm)
    {
      prm.enter_subsection("Output");
      {
        prm.declare_entry("Write fields",
                          "true",
                          Patterns::Bool(),
                          "Write the temperature field (solution.pvd and its "
                          ".pvtu/.vtu pieces). false: summary.json and the "
                          "tables only (studies and sweeps).");
      }
      prm.leave_subsection();
    }


    void
    Parameters::parse_output(ParameterHandler &prm)
    {
      prm.enter_subsection("Output");
      write_fields = prm.get_bool("Write fields");
      prm.leave_subsection();
    }


    void
    Parameters::declare_solver(ParameterHandler &prm)
    {
      prm.enter_subsection("Solver");
      {
        prm.declare_entry("Linear algebra",
                          "PETSc",
                          Patterns::Selection("Trilinos|PETSc"),
                          "Parallel linear algebra: PETSc (hypre BoomerAMG, "
                          "the default: fewer iterations on the flat cells "
                          "of thin layers) or Trilinos (ML AMG).");
        prm.declare_entry("Linear solver tolerance",
                          "1e-10",
                          Patterns::Double(0, 1),
                          "Relative residual reduction of CG (constant k) or "
                          "GMRES (Newton with k(T)); dimensionless. A solve "
                          "stops earlier once its residual is below a tenth "
                          "of the Newton target (Newton tolerance times the "
                          "load): the step cannot usefully be more exact. "
                          "Steady Newton solves of a nonlinear equation "
                          "reduce the residual of a step only by the "
                          "present relative Newton residual (at most 1e-2; "
                          "inexact Newton, which keeps the quadratic "
                          "rate).");
        prm.declare_entry("Maximum linear iterations",
                          "1000",
                          Patterns::Integer(1),
                          "Iteration limit of one linear solve.");
        prm.declare_entry("Newton tolerance",
                          "1e-9",
                          Patterns::Double(0, 1),
                          "Newton stops when the residual norm falls below "
                          "this fraction of its initial value.");
        prm.declare_entry("Maximum Newton iterations",
                          "30",
                          Patterns::Integer(1),
                          "Newton iteration limit; not converging is an "
                          "error.");
        prm.declare_entry("Reuse preconditioner",
                          "true",
                          Patterns::Bool(),
                          "Keep the algebraic multigrid across linear solves "
                          "while it suits the matrix: with constant k as long "
                          "as the matrix is unchanged (Newton steps, power "
                          "search, sweep points that change only the heat "
                          "source); with k(T) as a lagged "
                          "preconditioner, built anew when GMRES gains "
                          "digits of residual reduction at less than half "
                          "the rate of its first solve. "
                          "false builds it for every linear solve.");
        prm.declare_entry(
          "Linear solver",
          "iterative",
          Patterns::Selection("iterative|direct"),
          "iterative: CG (constant k) or GMRES (the Newton matrix of k(T)) "
          "with Solver/Preconditioner, to Linear solver tolerance. direct: "
          "a sparse LU factorization of the assembled matrix (PETSc: its "
          "own LU in approximate minimum degree order on one MPI rank, "
          "MUMPS on several; Trilinos: Amesos KLU), exact to round-off. "
          "With PETSc the factorization is kept while the matrix is "
          "unchanged, and its ordering while the mesh is; with k(T), Newton "
          "steps near the root solve with an earlier Newton matrix's "
          "factorization (chord steps). Faster than "
          "iterative on small 2D (axisymmetric) systems (below about "
          "10,000 unknowns, where a "
          "factorization costs no more than an AMG solve and every Newton "
          "step is exact); far slower in 3D (fill-in grows much faster "
          "there). Not with Preconditioner = matrix-free multigrid, which "
          "assembles no matrix.");
        prm.declare_entry(
          "Chord steps",
          "true",
          Patterns::Bool(),
          "With Linear solver = direct and k(T): Newton steps near the "
          "root (from a relative residual of 1e-2 or less, and the first "
          "step of each maximum-power search evaluation) solve with the "
          "kept factorization of an earlier Newton matrix while each "
          "reduces the residual tenfold (the chord method; the same root, "
          "at a linear rate, each step without the matrix's assembly and "
          "factorization). false: every step assembles and factorizes "
          "the Newton matrix at its iterate.");
        prm.declare_entry(
          "Preconditioner",
          "AMG",
          Patterns::Selection("AMG|matrix-free multigrid"),
          "AMG: the assembled matrix with algebraic multigrid (every case). "
          "matrix-free multigrid: no matrix is assembled; the conduction "
          "operator (constant k: CG) or the Newton matrix of k(T) (GMRES) "
          "is applied cell by cell and preconditioned by a geometric "
          "multigrid over the mesh coarsened globally (Chebyshev smoothing, "
          "algebraic multigrid on the coarse mesh; with k(T) built on k(T) "
          "at every level; layers joined by an interface conductance are "
          "two fields, the flux h_b [T] between them applied face by "
          "face). It needs a steady, non-moving anode (its faces may be "
          "held at T0, cooled by convection or insulated); other cases "
          "use AMG and the log says why.");
        prm.declare_entry("Maximum power tolerance",
                          "1e-5",
                          Patterns::Double(0, 1),
                          "Relative tolerance of the root search for the "
                          "maximum permissible power when k depends on T.");
      }
      prm.leave_subsection();
    }


    void
    Parameters::parse_solver(ParameterHandler &prm)
    {
      prm.enter_subsection("Solver");
      {
        linear_algebra        = prm.get("Linear algebra");
        linear_tolerance      = prm.get_double("Linear solver tolerance");
        max_linear_iterations = prm.get_integer("Maximum linear iterations");
        newton_tolerance      = prm.get_double("Newton tolerance");
        max_newton_iterations = prm.get_integer("Maximum Newton iterations");
        reuse_preconditioner  = prm.get_bool("Reuse preconditioner");
        matrix_free_multigrid =
          prm.get("Preconditioner") == "matrix-free multigrid";
        direct_linear_solver = prm.get("Linear solver") == "direct";
        chord_steps          = prm.get_bool("Chord steps");
        if (direct_linear_solver && matrix_free_multigrid)
          throw InputError(
            "Solver/Linear solver = direct factorizes the assembled matrix; "
            "Solver/Preconditioner = matrix-free multigrid assembles none "
            "(choose one)");
        power_tolerance = prm.get_double("Maximum power tolerance");
      }
      prm.leave_subsection();
    }
  } // namespace anode_thermal
} // namespace xray

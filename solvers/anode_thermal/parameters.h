// Parameters of the anode thermal solver. Every entry documents its unit;
// parse() checks consistency (layer lists of equal length, positive
// thicknesses, known materials, spot smaller than the anode, ...) and throws
// InputError naming the entry.
#ifndef XRAY_ANODE_THERMAL_PARAMETERS_H
#define XRAY_ANODE_THERMAL_PARAMETERS_H

#include "anode_thermal/heat_source.h"
#include "anode_thermal/motion.h"
#include "anode_thermal/time_profile.h"
#include "common/materials.h"

#include <deal.II/base/parameter_handler.h>

#include <map>
#include <string>
#include <vector>

namespace xray
{
  namespace anode_thermal
  {
    using namespace dealii;

    enum class Model
    {
      axisymmetric,
      three_dimensional
    };
    enum class Task
    {
      temperature,
      maximum_power,
      transient
    };
    enum class Shape
    {
      cylinder,
      half_ball
    };
    /// The part of a mirror-symmetric 3D anode that is meshed
    /// (Geometry/Symmetry): the full body, its half y >= 0 (mirror plane
    /// y = 0), or its quarter x >= 0, y >= 0 (mirror planes x = 0, y = 0).
    /// The mirror planes pass through the spot centre.
    enum class Symmetry
    {
      none,
      half,
      quarter
    };

    /// Condition on a cooled or insulated face.
    struct FaceCondition
    {
      enum class Type
      {
        fixed_temperature,
        convection,
        insulated
      } type;
      double heat_transfer_coefficient; // W/(m^2 K), convection only
    };

    /// One layer of the anode. It holds its material (a copy of the
    /// library's entry), so that the parameters stand on their own, apart
    /// from the MaterialLibrary they were read with.
    struct Layer
    {
      std::string name;
      Material    material;
      double      thickness;         // m
      double      temperature_limit; // K
    };

    /// Time stepping of Task = transient (TR-BDF2, doc/theory.md).
    struct TimeStepping
    {
      double       end_time;        // s
      double       initial_step;    // s
      bool         adaptive;        // else fixed steps of initial_step
      double       tolerance;       // local error / peak rise, per step
      double       max_step;        // s; infinity for no limit
      double       min_step;        // s
      unsigned int output_interval; // accepted steps between VTU; 0: end only
      std::vector<double> output_times;            // s, ascending
      unsigned int        checkpoint_interval = 0; // accepted steps; 0: none
      unsigned int stop_after_steps = 0; // accepted steps; 0: at End time
      /// A pulse train whose field has become periodic repeats the last
      /// period instead of computing it again (run_transient()).
      bool        repeat_periodic_state = true;
      std::string restart_from; // checkpoint directory, or empty
    };

    struct Parameters
    {
      static void
      declare(ParameterHandler &prm);
      /// @p materials must already hold the user materials.
      void
      parse(ParameterHandler &prm, const MaterialLibrary &materials);
      /// Throws InputError if the spot is too small against the anode to
      /// be meshed (more levels of refinement than the mesh allows).
      void
      check_mesh_scale() const;
      /// Throws InputError if Geometry/Symmetry asks for mirror planes
      /// the case does not have (check_symmetry() in parameters_checks.cc).
      void
      check_symmetry() const;
      /// Throws InputError if Task = transient or a moving anode has a
      /// layer without a positive density and heat capacity.
      void
      check_heat_capacities() const;
      /// Throws InputError if an interface conductance or a face's heat
      /// transfer coefficient is so large that the jump or rise it allows
      /// is below what double precision resolves.
      void
      check_conductances() const;

      std::string output_directory;
      /// Every entry's value by full name (a checkpoint's record of the
      /// case), for Task = transient only.
      std::map<std::string, std::string> entries;
      Model                              model;
      Task                               task;

      // Geometry
      Shape              shape;
      Symmetry           symmetry = Symmetry::none;
      double             radius; // m
      std::vector<Layer> layers; // from the heated face down
      /// Thermal boundary conductance h_b between layer i and i+1 in
      /// W/(m^2 K); +infinity for perfect contact.
      std::vector<double> interface_conductances;

      // Heat source (heat_source.h): the lateral spot profile times a depth
      // profile, or a surface flux on z = 0 (doc/theory.md section 1).
      double       incident_power;              // W
      double       energy_backscatter_fraction; // eta_E
      double       tube_voltage;                // V
      double       take_off_angle;              // rad
      SpotProfile  spot;
      DepthProfile depth_profile;
      /// P(t) for Task = transient (incident power, W).
      BeamTimeProfile beam;
      /// Motion of the anode under the spot (3D only).
      Motion motion;
      /// The reference design of the brightness gain: "Section/Name=value"
      /// changes to these parameters, or empty for none.
      std::vector<std::string> reference_changes;

      // Cooling
      double        coolant_temperature; // K
      FaceCondition back_face;
      FaceCondition side_face;

      TimeStepping time;

      // Mesh
      unsigned int fe_degree;
      double       growth_factor;
      double       spot_cell_fraction; // target cell size / HWHM at the spot
      /// 3D line focus: initial cells this many times longer along the
      /// flat top than across it (1: cubic cells).
      double       line_focus_stretch = 1;
      unsigned int adaptive_cycles;
      double       refinement_fraction;
      /// Relative error of the peak rise at which the adaptive cycles stop,
      /// by the dual-weighted residual estimate; 0: no estimate, every cycle.
      double target_accuracy = 0;
      /// Mark cells by their share of the peak's dual-weighted residual
      /// (Refinement indicator = goal-oriented) instead of Kelly's.
      bool goal_oriented_refinement = false;
      /// The peak's error is estimated after every solve.
      bool
      estimates_error() const
      {
        return target_accuracy > 0 || goal_oriented_refinement;
      }

      // Output
      /// Write the temperature field (solution.pvd and its pieces).
      bool write_fields = true;

      // Solvers
      std::string  linear_algebra;
      double       linear_tolerance;
      unsigned int max_linear_iterations;
      double       newton_tolerance;
      unsigned int max_newton_iterations;
      /// Keep the AMG while it suits the matrix (solve_linear()).
      bool reuse_preconditioner;
      /// Solver/Preconditioner = matrix-free multigrid (where it applies,
      /// AnodeThermal::matrix_free_obstacle()).
      bool matrix_free_multigrid = false;
      /// Solver/Linear solver = direct: sparse LU instead of CG/GMRES.
      bool direct_linear_solver = false;
      /// Solver/Chord steps: near the root, solve with an earlier Newton
      /// matrix's sparse LU (AnodeThermal::chord_steps_apply()).
      bool   chord_steps = true;
      double power_tolerance;

      double
      absorbed_power() const
      {
        return (1 - energy_backscatter_fraction) * incident_power;
      }
      /// Mirror planes of the meshed part: 0, 1 (half) or 2 (quarter).
      unsigned int
      mirror_planes() const
      {
        return static_cast<unsigned int>(symmetry);
      }
      /// Full anode / meshed part: 1, 2 or 4. Every integral over the
      /// meshed part, times this, is the full anode's (weight()).
      double
      symmetry_factor() const
      {
        return 1 << mirror_planes();
      }
      double
      anode_thickness() const;

    private:
      // One declare/parse pair per subsection of the input, each pair
      // beside the other so that an entry's default and documentation sit
      // next to the code that reads and checks it. declare() and parse()
      // call them in the order of the sections. By topic:
      // parameters.cc: the top level;
      // parameters_geometry.cc: Geometry and Cooling;
      // parameters_beam.cc: Heat source, Motion and Time;
      // parameters_numerics.cc: Reference design, Mesh, Output and Solver.
      // A parse_X() may use what the sections parsed before it have set.
      static void
      declare_top_level(ParameterHandler &prm);
      void
      parse_top_level(ParameterHandler &prm);

      static void
      declare_geometry(ParameterHandler &prm);
      void
      parse_geometry(ParameterHandler &prm, const MaterialLibrary &materials);

      static void
      declare_heat_source(ParameterHandler &prm);
      void
      parse_heat_source(ParameterHandler &prm);

      static void
      declare_motion(ParameterHandler &prm);
      void
      parse_motion(ParameterHandler &prm);

      static void
      declare_time(ParameterHandler &prm);
      void
      parse_time(ParameterHandler &prm);

      static void
      declare_reference_design(ParameterHandler &prm);
      void
      parse_reference_design(ParameterHandler &prm);

      static void
      declare_cooling(ParameterHandler &prm);
      void
      parse_cooling(ParameterHandler &prm);

      static void
      declare_mesh(ParameterHandler &prm);
      void
      parse_mesh(ParameterHandler &prm);

      static void
      declare_output(ParameterHandler &prm);
      void
      parse_output(ParameterHandler &prm);

      static void
      declare_solver(ParameterHandler &prm);
      void
      parse_solver(ParameterHandler &prm);
    };

    /// The parameters the mesh and the finite elements depend on, as one
    /// string: sweep points with equal keys can share an adapted mesh.
    std::string
    mesh_key(const Parameters &parameters);
  } // namespace anode_thermal
} // namespace xray

#endif

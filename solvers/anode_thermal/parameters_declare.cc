// Parameters::declare(): every entry of the anode-thermal input with its
// default, pattern and documentation (doc/parameters.md is generated
// from these by scripts/parameter_reference.py).
#include "anode_thermal/parameters.h"

#include <string>

namespace xray
{
  namespace anode_thermal
  {
    namespace
    {
      void
      declare_face(ParameterHandler  &prm,
                   const std::string &face,
                   const std::string &default_type,
                   const std::string &default_h)
      {
        prm.declare_entry(
          face,
          default_type,
          Patterns::Selection("fixed temperature|convection|insulated"),
          "Condition on the " + face +
            ": held at the coolant temperature T0, cooled by "
            "convection -k dT/dn = h_c (T - T0), or insulated.");
        prm.declare_entry(face + " heat transfer coefficient",
                          default_h,
                          Patterns::Double(0),
                          "h_c in W/(m^2 K) when the " + face +
                            " is cooled by convection.");
      }
    } // namespace


    void
    Parameters::declare(ParameterHandler &prm)
    {
      prm.declare_entry("Output directory",
                        "output/anode-thermal",
                        Patterns::DirectoryName(),
                        "Directory for solution.pvd, the .pvtu/.vtu pieces, "
                        "parameters.prm, summary.json and log.txt.");
      prm.declare_entry(
        "Model",
        "axisymmetric",
        Patterns::Selection("axisymmetric|3d"),
        "axisymmetric: the (r, z) section of a body of revolution, weak form "
        "weighted by 2 pi r (circular spots only); 3d: the full body.");
      prm.declare_entry(
        "Task",
        "temperature",
        Patterns::Selection("temperature|maximum power|transient"),
        "temperature: the steady field at the given incident power. maximum "
        "power: the incident power at which the first layer reaches its "
        "temperature limit (the field is reported at that power). "
        "transient: the field in time from T = T0 at t = 0 under the beam's "
        "Time profile, up to Time/End time (history.csv, a time series in "
        "solution.pvd); stops with exit status 4 when a layer passes its "
        "limit.");

      prm.enter_subsection("Geometry");
      {
        prm.declare_entry(
          "Shape",
          "cylinder",
          Patterns::Selection("cylinder|half-ball"),
          "cylinder: layered cylinder, heated face on top. half-ball: "
          "homogeneous half-ball heated at the centre of its flat face, "
          "cooled on its curved face by the back-face condition (the shape "
          "for which the Eq. (2) finite-body correction is exact).");
        prm.declare_entry(
          "Symmetry",
          "none",
          Patterns::Selection("none|half|quarter"),
          "Model = 3d, Shape = cylinder, steady tasks: mesh only a mirror-"
          "symmetric part of the anode. none: the full body. half: y >= 0, "
          "mirror plane y = 0 (across the length of a line focus, along a "
          "linear scan). quarter: x >= 0 and y >= 0, mirror planes x = 0 and "
          "y = 0. The planes pass through the spot centre and are insulated; "
          "every reported power and temperature is the full anode's. "
          "Refused for a rotating anode, a quarter with a linear scan, and "
          "Task = transient.");
        prm.declare_entry("Radius",
                          "5e-3",
                          Patterns::Double(0),
                          "Radius R of the anode in m.");
        prm.declare_entry("Layer names",
                          "anode",
                          Patterns::List(Patterns::Anything(), 1),
                          "Names of the layers, from the heated face down "
                          "(used in the log and summary.json).");
        prm.declare_entry("Layer materials",
                          "W",
                          Patterns::List(Patterns::Anything(), 1),
                          "Material of each layer: W, Mo, Cu, Ag, Rh, Cr, "
                          "diamond-natural, diamond-cvd, diamond-12c, or a "
                          "name from Materials/User material N.");
        prm.declare_entry("Layer thicknesses",
                          "2e-3",
                          Patterns::List(Patterns::Double(), 1),
                          "Thickness of each layer in m (positive). With "
                          "Shape = half-ball the radius sets the size.");
        prm.declare_entry(
          "Layer temperature limits",
          "default",
          Patterns::List(Patterns::Anything(), 1),
          "Temperature limit of each layer in K, or \"default\": the "
          "material's limit (its melting point; 1800 K for diamond, the "
          "onset of graphitisation in vacuum). One entry applies to all.");
        prm.declare_entry(
          "Interface conductances",
          "perfect",
          Patterns::List(Patterns::Anything(), 1),
          "Thermal boundary conductance h_b in W/(m^2 K) at each interface "
          "between consecutive layers (one entry fewer than layers): a "
          "temperature jump q_n / h_b. \"perfect\": no jump. One entry "
          "applies to all interfaces.");
      }
      prm.leave_subsection();

      prm.enter_subsection("Heat source");
      {
        prm.declare_entry("Incident power",
                          "100",
                          Patterns::Double(0),
                          "Electron beam power P on the anode in W. In the "
                          "maximum-power task: the first guess.");
        prm.declare_entry(
          "Spot shape",
          "circular",
          Patterns::Selection("circular|elliptical|line"),
          "Lateral profile of the spot. circular and elliptical: Gaussian "
          "q = q0 exp(-x^2/a_x^2 - y^2/a_y^2), a = HWHM / sqrt(ln 2). line: a "
          "line focus, Gaussian across (x, Spot HWHM) and a flat top of Line "
          "length along y with Gaussian edges (Spot HWHM y). elliptical and "
          "line need Model = 3d.");
        prm.declare_entry("Spot HWHM",
                          "50e-6",
                          Patterns::Double(0),
                          "Half width at half maximum of the spot in m (along "
                          "x for an elliptical spot or a line focus); FWHM = "
                          "2 HWHM.");
        prm.declare_entry("Spot HWHM y",
                          "50e-6",
                          Patterns::Double(0),
                          "Elliptical spot: HWHM along y in m. Line focus: "
                          "HWHM in m of the Gaussian that rounds the ends of "
                          "the flat top.");
        prm.declare_entry("Line length",
                          "200e-6",
                          Patterns::Double(0),
                          "Line focus only: length in m of the flat top along "
                          "y (the rectangle that is convolved with the "
                          "Gaussian of Spot HWHM y).");
        prm.declare_entry(
          "Take-off angle",
          "90",
          Patterns::Double(0, 90),
          "Angle in degrees between the anode surface and the direction in "
          "which the X-rays are used, in the y-z plane: the spot appears "
          "shortened along y by sin(angle). Sets the apparent spot size and "
          "the specific brightness in summary.json; 90: viewed face on.");
        prm.declare_entry(
          "Deposition",
          "surface",
          Patterns::Selection("surface|depth-dose|table"),
          "Where the absorbed power goes. surface: a flux on the heated face "
          "(the Eq. (2) limit). depth-dose: volumetric heating with the "
          "Everhart-Hoff depth-dose curve scaled by the Kanaya-Okayama "
          "electron range of each layer at the Tube voltage (the energy "
          "passes into lower layers when the range exceeds a layer). table: "
          "volumetric heating with the depth profile of Depth-dose table.");
        prm.declare_entry("Tube voltage",
                          "50e3",
                          Patterns::Double(0),
                          "Accelerating voltage U in V: electron energy for "
                          "the electron range (Deposition = depth-dose) and "
                          "the backscatter formula.");
        prm.declare_entry(
          "Depth-dose table",
          "",
          Patterns::Anything(),
          "Deposition = table: a text file of two columns, depth below the "
          "heated face in m and relative deposition per unit depth (any "
          "unit), e.g. exported from a Monte Carlo code; '#' starts a "
          "comment, columns separated by blanks or commas. Interpolated "
          "linearly, zero outside the table, normalised to the absorbed "
          "power; a part deeper than the anode is transmitted. A relative "
          "path is taken from the working directory.");
        prm.declare_entry(
          "Energy backscatter fraction",
          "material",
          Patterns::Anything(),
          "eta_E, the fraction of the incident energy carried away by "
          "backscattered electrons (dimensionless, 0 to 1); absorbed power "
          "(1 - eta_E) P. \"material\": the tabulated estimate of the heated "
          "layer's material (Cu 0.17, Mo 0.24, Ag 0.26, W 0.33; Reimer 1998, "
          "+-20 %). \"formula\": from the heated layer's atomic number and "
          "the Tube voltage (backscatter coefficient of Hunger & Kuechler "
          "1979 times the mean backscattered energy of Love, Cox & Scott "
          "1978).");
        prm.declare_entry(
          "Time profile",
          "constant",
          Patterns::Selection("constant|pulsed|table"),
          "Task = transient: the incident power in time. constant: Incident "
          "power from t = 0. pulsed: Incident power during the first Pulse "
          "duty cycle of every Pulse period, off for the rest (starting on "
          "at t = 0). table: the power of Power table, linear between its "
          "rows.");
        prm.declare_entry("Pulse period",
                          "1e-3",
                          Patterns::Double(0),
                          "Pulsed beam: period of the on/off train in s.");
        prm.declare_entry("Pulse duty cycle",
                          "0.5",
                          Patterns::Double(0, 1),
                          "Pulsed beam: fraction of each period during which "
                          "the beam is on (0 < D <= 1, dimensionless).");
        prm.declare_entry(
          "Power table",
          "",
          Patterns::Anything(),
          "Time profile = table: a text file of two columns, time in s "
          "(strictly increasing, from 0 or later) and incident power in W "
          "(non-negative); '#' starts a comment, columns separated by blanks "
          "or a comma. Linear between rows, the first and last power held "
          "before and after them. A relative path is taken from the working "
          "directory.");
      }
      prm.leave_subsection();

      prm.enter_subsection("Motion");
      {
        prm.declare_entry(
          "Type",
          "none",
          Patterns::Selection("none|linear scan|rotating anode"),
          "Motion of the anode under the spot (Model = 3d). none: a "
          "stationary anode. linear scan: the spot moves along +x at Scan "
          "speed. rotating anode: the anode turns at Rotation frequency "
          "about an axis parallel to z at Track radius from the spot (-y "
          "side): a line focus (Spot shape = line) then lies radially, "
          "along y. Solved in the spot's frame, where the material flows "
          "through the mesh (advection-diffusion, SUPG-stabilised); the "
          "material enters the modelled piece at the coolant temperature "
          "T0, which then stands for the bulk temperature of the anode.");
        prm.declare_entry("Scan speed",
                          "0",
                          Patterns::Anything(),
                          "Linear scan: speed of the spot over the anode in "
                          "m/s (>= 0).");
        prm.declare_entry("Track radius",
                          "0.05",
                          Patterns::Anything(),
                          "Rotating anode: radius of the focal track in m; "
                          "it must exceed Geometry/Radius, the size of the "
                          "piece of anode that is modelled around the spot.");
        prm.declare_entry("Rotation frequency",
                          "0",
                          Patterns::Anything(),
                          "Rotating anode: revolutions per second (Hz, "
                          ">= 0); the track moves at 2 pi f R_t.");
      }
      prm.leave_subsection();

      prm.enter_subsection("Time");
      {
        prm.declare_entry("End time",
                          "1e-3",
                          Patterns::Anything(),
                          "Task = transient: duration of the computed "
                          "exposure in s (> 0), from t = 0.");
        prm.declare_entry("Initial time step",
                          "1e-7",
                          Patterns::Anything(),
                          "First time step in s (> 0); also the step after "
                          "every jump of the beam power. With Adaptive time "
                          "step = false, the fixed step.");
        prm.declare_entry("Adaptive time step",
                          "true",
                          Patterns::Bool(),
                          "Choose each step from the local error estimate of "
                          "the TR-BDF2 scheme (embedded second/third-order "
                          "pair); false: fixed steps of Initial time step.");
        prm.declare_entry("Time error tolerance",
                          "1e-4",
                          Patterns::Anything(),
                          "Largest local error of one step in the "
                          "temperature (maximum over the mesh) as a fraction "
                          "of the peak temperature rise (> 0, dimensionless).");
        prm.declare_entry("Maximum time step",
                          "0",
                          Patterns::Anything(),
                          "Upper bound of the adaptive step in s; 0: none.");
        prm.declare_entry("Minimum time step",
                          "1e-15",
                          Patterns::Anything(),
                          "A step the error control would make smaller than "
                          "this (s) ends the run with an error.");
        prm.declare_entry("Output interval",
                          "0",
                          Patterns::Anything(),
                          "Accepted time steps between two fields in the "
                          "time series of solution.pvd (an integer >= 0); 0: "
                          "the final field only (besides Output times).");
        prm.declare_entry("Output times",
                          "",
                          Patterns::Anything(),
                          "Times in s at which the field is written to "
                          "solution.pvd (comma separated, ascending; the "
                          "steps land on them).");
        prm.declare_entry("Checkpoint interval",
                          "0",
                          Patterns::Anything(),
                          "Accepted time steps between two checkpoints of the "
                          "run in OUTPUT/checkpoint (mesh, field and history; "
                          "each replaces the last, and one is written at the "
                          "end); an integer >= 0, 0: none.");
        prm.declare_entry("Repeat periodic state",
                          "true",
                          Patterns::Bool(),
                          "Pulsed beam: once the field at the start of a "
                          "period equals the field one period earlier "
                          "(within Time error tolerance of the largest rise, "
                          "everywhere), the following periods up to the next "
                          "Output times entry or End time are the last one "
                          "again: history.csv repeats its rows (shifted in "
                          "time and energy) instead of computing them; false: "
                          "compute every period.");
        prm.declare_entry("Stop after steps",
                          "0",
                          Patterns::Anything(),
                          "End the run after this many accepted time steps "
                          "(counted from t = 0, an integer >= 0), with a "
                          "checkpoint if Checkpoint interval > 0, to continue "
                          "later with Restart from (a run in parts, e.g. "
                          "within a batch system's time limit); 0: run to "
                          "End time.");
        prm.declare_entry("Restart from",
                          "",
                          Patterns::Anything(),
                          "A checkpoint directory (OUTPUT/checkpoint of an "
                          "earlier run of this case) to continue from; empty: "
                          "start at t = 0. Only End time, Output interval, "
                          "Output times, Checkpoint interval, Stop after "
                          "steps, the output "
                          "directory and the linear algebra may differ from "
                          "the run that wrote it.");
      }
      prm.leave_subsection();

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

      prm.enter_subsection("Cooling");
      {
        prm.declare_entry("Coolant temperature",
                          "293.15",
                          Patterns::Double(0),
                          "T0 in K: temperature of fixed-temperature faces "
                          "and of the coolant of convective faces.");
        declare_face(prm, "Back face", "fixed temperature", "1e4");
        declare_face(prm, "Side face", "insulated", "1e4");
      }
      prm.leave_subsection();

      prm.enter_subsection("Mesh");
      {
        prm.declare_entry("Finite element degree",
                          "2",
                          Patterns::Integer(1, 4),
                          "Polynomial degree of the Lagrange elements.");
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
        prm.declare_entry("Adaptive refinement cycles",
                          "3",
                          Patterns::Integer(0, 20),
                          "Solve-estimate-refine cycles after the first "
                          "solve (Kelly error estimator).");
        prm.declare_entry("Refinement fraction",
                          "0.3",
                          Patterns::Double(0, 1),
                          "Fraction of the cells refined per cycle (those "
                          "with the largest error indicators).");
      }
      prm.leave_subsection();

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
        prm.declare_entry("Maximum power tolerance",
                          "1e-5",
                          Patterns::Double(0, 1),
                          "Relative tolerance of the root search for the "
                          "maximum permissible power when k depends on T.");
      }
      prm.leave_subsection();

      MaterialLibrary::declare_parameters(prm);
    }
  } // namespace anode_thermal
} // namespace xray

#include "anode_thermal/parameters.h"

#include "common/command_line.h"

#include <deal.II/base/utilities.h>

#include <cmath>
#include <filesystem>
#include <iomanip>
#include <limits>
#include <sstream>

namespace xray
{
  namespace anode_thermal
  {
    namespace
    {
      constexpr double infinity = std::numeric_limits<double>::infinity();

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

      FaceCondition
      parse_face(ParameterHandler &prm, const std::string &face)
      {
        const std::string type = prm.get(face);
        FaceCondition     condition;
        condition.type =
          type == "fixed temperature" ? FaceCondition::Type::fixed_temperature :
          type == "convection"        ? FaceCondition::Type::convection :
                                        FaceCondition::Type::insulated;
        condition.heat_transfer_coefficient =
          prm.get_double(face + " heat transfer coefficient");
        if (condition.type == FaceCondition::Type::convection &&
            !(condition.heat_transfer_coefficient > 0))
          throw InputError("Cooling/" + face +
                           " heat transfer coefficient must be positive for "
                           "convection");
        return condition;
      }

      /// A list entry, each item a number or @p keyword (-> keyword_value);
      /// one item stands for all @p n.
      std::vector<double>
      numbers_or_keyword(const std::string &entry,
                         const std::string &text,
                         const std::string &keyword,
                         const double       keyword_value,
                         const unsigned int n)
      {
        std::vector<double> values;
        for (const auto &item : Utilities::split_string_list(text, ','))
          {
            if (item == keyword)
              values.push_back(keyword_value);
            else
              {
                double value = std::numeric_limits<double>::quiet_NaN();
                try
                  {
                    value = Utilities::string_to_double(item);
                  }
                catch (const ExceptionBase &)
                  {}
                if (!std::isfinite(value))
                  throw InputError(entry + ": \"" + item +
                                   "\" is neither a finite number nor \"" +
                                   keyword + "\"");
                values.push_back(value);
              }
          }
        if (values.size() == 1 && n > 1)
          values.assign(n, values[0]);
        if (values.size() != n)
          throw InputError(entry + ": " + std::to_string(values.size()) +
                           " entries given, " + std::to_string(n) +
                           " expected");
        return values;
      }

      /// A finite number from entry @p name of the current subsection
      /// @p section; a malformed value is an InputError naming the entry.
      double
      get_number(ParameterHandler  &prm,
                 const std::string &section,
                 const std::string &name)
      {
        const std::string text  = Utilities::trim(prm.get(name));
        double            value = std::numeric_limits<double>::quiet_NaN();
        try
          {
            value = Utilities::string_to_double(text);
          }
        catch (const ExceptionBase &)
          {}
        if (!std::isfinite(value))
          throw InputError(section + "/" + name + " = \"" + text +
                           "\": not a finite number");
        return value;
      }

      /// get_number() that must be positive (or, with @p zero_allowed,
      /// non-negative).
      double
      get_positive(ParameterHandler  &prm,
                   const std::string &section,
                   const std::string &name,
                   const bool         zero_allowed = false)
      {
        const double value = get_number(prm, section, name);
        if (zero_allowed ? value < 0 : !(value > 0))
          throw InputError(section + "/" + name + " = " +
                           Utilities::to_string(value) + ": must be " +
                           (zero_allowed ? "zero or positive" : "positive"));
        return value;
      }

      /// A number of steps: a whole number >= 0.
      unsigned int
      get_step_count(ParameterHandler  &prm,
                     const std::string &section,
                     const std::string &name)
      {
        const double value = get_positive(prm, section, name, true);
        if (value != std::floor(value))
          throw InputError(section + "/" + name +
                           " must be a whole number of steps");
        if (value > std::numeric_limits<unsigned int>::max())
          throw InputError(
            section + "/" + name + " = " + Utilities::to_string(value) +
            ": more than " +
            std::to_string(std::numeric_limits<unsigned int>::max()) +
            " steps");
        return static_cast<unsigned int>(value);
      }

      /// Throws InputError unless the table file @p file of @p entry is a
      /// regular file (or missing, which the reader reports): a device
      /// such as /dev/zero would be read without end, a pipe may block.
      void
      check_table_file(const std::string &entry, const std::string &file)
      {
        std::error_code error;
        const auto      status = std::filesystem::status(file, error);
        if (std::filesystem::exists(status) &&
            !std::filesystem::is_regular_file(status))
          throw InputError(entry + " = " + file +
                           ": not a regular file (a directory, a device or "
                           "a pipe)");
      }

      /// The incident power in time (Heat source/Time profile).
      BeamTimeProfile
      parse_time_profile(ParameterHandler &prm, const double incident_power)
      {
        const std::string profile = prm.get("Time profile");
        if (profile == "pulsed")
          return BeamTimeProfile::pulsed(incident_power,
                                         prm.get_double("Pulse period"),
                                         prm.get_double("Pulse duty cycle"));
        if (profile == "table")
          {
            const std::string file = Utilities::trim(prm.get("Power table"));
            if (file.empty())
              throw InputError("Heat source/Time profile = table needs "
                               "Heat source/Power table (a file name)");
            check_table_file("Heat source/Power table", file);
            return BeamTimeProfile::read_table(file);
          }
        return BeamTimeProfile::constant(incident_power);
      }

      Motion
      parse_motion(ParameterHandler &prm, const Parameters &parameters)
      {
        const std::string section = "Motion";
        const std::string type    = prm.get("Type");
        Motion            motion;
        if (type == "linear scan")
          {
            motion.kind       = Motion::Kind::linear_scan;
            motion.scan_speed = get_positive(prm, section, "Scan speed", true);
          }
        else if (type == "rotating anode")
          {
            motion.kind         = Motion::Kind::rotating_anode;
            motion.track_radius = get_positive(prm, section, "Track radius");
            motion.rotation_frequency =
              get_positive(prm, section, "Rotation frequency", true);
            if (!(motion.track_radius > parameters.radius))
              throw InputError(
                "Motion/Track radius (" +
                Utilities::to_string(motion.track_radius) +
                " m) must exceed Geometry/Radius (" +
                Utilities::to_string(parameters.radius) +
                " m): the modelled piece of the anode lies on the track, "
                "inside the rotation axis' distance");
          }
        if (motion.kind != Motion::Kind::none &&
            parameters.model != Model::three_dimensional)
          throw InputError("Motion/Type = " + type +
                           " needs Model = 3d (a moving spot is not "
                           "axisymmetric)");
        return motion;
      }

      TimeStepping
      parse_time_stepping(ParameterHandler &prm)
      {
        const std::string section = "Time";
        TimeStepping      time;
        time.end_time     = get_positive(prm, section, "End time");
        time.initial_step = get_positive(prm, section, "Initial time step");
        time.adaptive     = prm.get_bool("Adaptive time step");
        time.tolerance    = get_positive(prm, section, "Time error tolerance");
        time.max_step = get_positive(prm, section, "Maximum time step", true);
        if (time.max_step == 0)
          time.max_step = std::numeric_limits<double>::infinity();
        time.min_step = get_positive(prm, section, "Minimum time step");
        if (time.initial_step > time.end_time)
          throw InputError("Time/Initial time step (" +
                           Utilities::to_string(time.initial_step) +
                           " s) exceeds Time/End time (" +
                           Utilities::to_string(time.end_time) + " s)");
        if (time.min_step > time.initial_step)
          throw InputError("Time/Minimum time step exceeds Time/Initial time "
                           "step");
        time.output_interval = get_step_count(prm, section, "Output interval");
        time.output_times.clear();
        for (const auto &item :
             Utilities::split_string_list(prm.get("Output times"), ','))
          {
            double t = std::numeric_limits<double>::quiet_NaN();
            try
              {
                t = Utilities::string_to_double(item);
              }
            catch (const ExceptionBase &)
              {}
            if (!(t >= 0 && t <= time.end_time))
              throw InputError("Time/Output times: \"" + item +
                               "\" is not a time in s between 0 and the End "
                               "time");
            if (!time.output_times.empty() && !(t > time.output_times.back()))
              throw InputError("Time/Output times must increase");
            time.output_times.push_back(t);
          }
        time.checkpoint_interval =
          get_step_count(prm, section, "Checkpoint interval");
        time.stop_after_steps =
          get_step_count(prm, section, "Stop after steps");
        time.restart_from          = Utilities::trim(prm.get("Restart from"));
        time.repeat_periodic_state = prm.get_bool("Repeat periodic state");
        return time;
      }

      /// "material", "formula" or a number in [0, 1).
      double
      parse_backscatter(const std::string &text,
                        const Material    &heated_material,
                        const double       tube_voltage)
      {
        const std::string entry = "Heat source/Energy backscatter fraction";
        const std::string eta   = Utilities::trim(text);
        double            value;
        if (eta == "material")
          {
            value = heated_material.energy_backscatter_fraction;
            if (std::isnan(value))
              throw InputError(entry + ": no estimate for material '" +
                               heated_material.name +
                               "'; give a value or \"formula\"");
          }
        else if (eta == "formula")
          {
            if (!(heated_material.atomic_number > 0))
              throw InputError(entry + " = formula: material '" +
                               heated_material.name + "' has no atomic number");
            value = energy_backscatter_fraction(heated_material.atomic_number,
                                                tube_voltage);
          }
        else
          try
            {
              value = Utilities::string_to_double(eta);
            }
          catch (const ExceptionBase &)
            {
              throw InputError(entry + " = \"" + eta +
                               "\": expected a number, \"material\" or "
                               "\"formula\"");
            }
        if (!(value >= 0 && value < 1)) // also rejects NaN
          throw InputError(entry + " must lie in [0, 1)");
        return value;
      }

      /// The depth profile of Heat source/Deposition (in that subsection).
      DepthProfile
      parse_depth_profile(ParameterHandler &prm, const Parameters &parameters)
      {
        const std::string deposition = prm.get("Deposition");
        // Layer thicknesses as the mesh has them: a half-ball is one layer
        // of depth R.
        std::vector<double> thicknesses;
        for (const auto &layer : parameters.layers)
          thicknesses.push_back(parameters.shape == Shape::half_ball ?
                                  parameters.radius :
                                  layer.thickness);
        double depth = 0;
        for (const double t : thicknesses)
          depth += t;
        if (deposition == "depth-dose")
          {
            std::vector<double> ranges;
            for (const auto &layer : parameters.layers)
              try
                {
                  ranges.push_back(
                    kanaya_okayama_range(layer.material,
                                         parameters.tube_voltage));
                }
              catch (const InputError &error)
                {
                  throw InputError("Heat source/Deposition = depth-dose: " +
                                   std::string(error.what()));
                }
            return DepthProfile::depth_dose(thicknesses, ranges);
          }
        if (deposition == "table")
          {
            const std::string file =
              Utilities::trim(prm.get("Depth-dose table"));
            if (file.empty())
              throw InputError("Heat source/Deposition = table needs "
                               "Heat source/Depth-dose table (a file name)");
            check_table_file("Heat source/Depth-dose table", file);
            return DepthProfile::read_table(file, depth);
          }
        return DepthProfile();
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


    std::string
    mesh_key(const Parameters &p)
    {
      std::ostringstream key;
      key << std::setprecision(17) << static_cast<int>(p.model) << ' '
          << static_cast<int>(p.shape) << ' ' << p.radius << " layers";
      for (const auto &layer : p.layers)
        key << ' ' << layer.thickness;
      // Which interfaces are resistive decides the finite elements.
      key << " resistive";
      for (const double h : p.interface_conductances)
        key << ' ' << std::isfinite(h);
      key << " spot " << static_cast<int>(p.spot.kind()) << ' ' << p.spot_hwhm_x
          << ' ' << p.spot_hwhm_y << ' ' << p.line_length << " mesh "
          << p.fe_degree << ' ' << p.growth_factor << ' '
          << p.spot_cell_fraction << ' ' << p.adaptive_cycles << ' '
          << p.refinement_fraction << ' ' << p.linear_algebra << " motion "
          << static_cast<int>(p.motion.kind) << ' ' << p.motion.scan_speed
          << ' ' << p.motion.track_radius << ' ' << p.motion.rotation_frequency
          << " symmetry " << static_cast<int>(p.symmetry);
      return key.str();
    }


    double
    Parameters::anode_thickness() const
    {
      double thickness = 0;
      for (const auto &layer : layers)
        thickness += layer.thickness;
      return thickness;
    }


    // The mesh is graded from the anode's size down to the cells at the
    // spot (Spot cell size x the spot's HWHM), by halving: the distributed
    // mesh allows 19 levels of halving in 3D and 29 in 2D (p4est), so a
    // larger ratio of the two scales cannot be meshed (and long before it,
    // the mesh no longer fits a machine).
    void
    Parameters::check_mesh_scale() const
    {
      double      extent       = radius;
      std::string extent_entry = "Geometry/Radius";
      for (const auto &layer : layers)
        if (layer.thickness > extent)
          {
            extent       = layer.thickness;
            extent_entry = "Geometry/Layer thicknesses ('" + layer.name + "')";
          }
      const double spot_scale = spot.kind() == SpotProfile::Kind::line ?
                                  spot_hwhm_x :
                                  std::min(spot_hwhm_x, spot_hwhm_y);
      const double spot_cell  = spot_cell_fraction * spot_scale;
      const int    max_levels = model == Model::three_dimensional ? 19 : 29;
      // (Differences of logarithms: the ratio itself may overflow.)
      const double levels = std::log2(extent) - std::log2(spot_cell);
      if (levels <= max_levels)
        return;
      std::ostringstream message;
      message << std::setprecision(3) << extent_entry << " = " << extent
              << " m against cells of " << spot_cell
              << " m at the spot (Heat source/Spot HWHM = " << spot_scale
              << " m): the mesh would need "
              << static_cast<long>(std::ceil(levels))
              << " levels of refinement, at most " << max_levels
              << " are possible in "
              << (model == Model::three_dimensional ? "3D" : "2D")
              << "; check the units (m)";
      throw InputError(message.str());
    }


    void
    Parameters::parse(ParameterHandler &prm, const MaterialLibrary &materials)
    {
      output_directory = prm.get("Output directory");
      model            = prm.get("Model") == "3d" ? Model::three_dimensional :
                                                    Model::axisymmetric;
      const std::string task_name = prm.get("Task");
      task = task_name == "maximum power" ? Task::maximum_power :
             task_name == "transient"     ? Task::transient :
                                            Task::temperature;

      prm.enter_subsection("Geometry");
      {
        shape =
          prm.get("Shape") == "half-ball" ? Shape::half_ball : Shape::cylinder;
        const std::string symmetry_name = prm.get("Symmetry");
        symmetry = symmetry_name == "half"    ? Symmetry::half :
                   symmetry_name == "quarter" ? Symmetry::quarter :
                                                Symmetry::none;
        radius   = prm.get_double("Radius");
        if (!(radius > 0))
          throw InputError("Geometry/Radius must be positive");

        const auto names = Utilities::split_string_list(prm.get("Layer names"));
        const auto material_names =
          Utilities::split_string_list(prm.get("Layer materials"));
        const auto thicknesses = Utilities::string_to_double(
          Utilities::split_string_list(prm.get("Layer thicknesses")));
        const unsigned int n = names.size();
        if (material_names.size() != n || thicknesses.size() != n)
          throw InputError(
            "Geometry: " + std::to_string(n) + " layer names but " +
            std::to_string(material_names.size()) + " materials and " +
            std::to_string(thicknesses.size()) + " thicknesses");
        // NaN marks "default": the material's own limit.
        const std::vector<double> limits =
          numbers_or_keyword("Geometry/Layer temperature limits",
                             prm.get("Layer temperature limits"),
                             "default",
                             std::numeric_limits<double>::quiet_NaN(),
                             n);
        layers.clear();
        for (unsigned int i = 0; i < n; ++i)
          {
            Layer layer;
            layer.name      = names[i];
            layer.material  = materials.get(material_names[i]);
            layer.thickness = thicknesses[i];
            if (!(layer.thickness > 0))
              throw InputError("Geometry/Layer thicknesses: layer '" +
                               layer.name + "' has thickness " +
                               Utilities::to_string(layer.thickness) +
                               " m; thicknesses must be positive");
            layer.temperature_limit = std::isnan(limits[i]) ?
                                        layer.material.temperature_limit :
                                        limits[i];
            if (!(layer.temperature_limit > 0))
              throw InputError("Geometry/Layer temperature limits: layer '" +
                               layer.name + "' has limit " +
                               Utilities::to_string(layer.temperature_limit) +
                               " K; limits must be positive");
            layers.push_back(layer);
          }
        interface_conductances =
          n == 1 ? std::vector<double>() :
                   numbers_or_keyword("Geometry/Interface conductances",
                                      prm.get("Interface conductances"),
                                      "perfect",
                                      infinity,
                                      n - 1);
        for (const double h : interface_conductances)
          if (!(h > 0))
            throw InputError(
              "Geometry/Interface conductances must be positive or "
              "\"perfect\"");
        if (shape == Shape::half_ball && n != 1)
          throw InputError(
            "Geometry/Shape = half-ball takes exactly one layer");
      }
      prm.leave_subsection();

      prm.enter_subsection("Heat source");
      {
        incident_power = prm.get_double("Incident power");
        if (!(incident_power > 0))
          throw InputError("Heat source/Incident power must be positive");
        tube_voltage = prm.get_double("Tube voltage");
        if (!(tube_voltage > 0))
          throw InputError("Heat source/Tube voltage must be positive");
        energy_backscatter_fraction =
          parse_backscatter(prm.get("Energy backscatter fraction"),
                            layers[0].material,
                            tube_voltage);

        const std::string shape_name = prm.get("Spot shape");
        spot_hwhm_x                  = prm.get_double("Spot HWHM");
        spot_hwhm_y                  = shape_name == "circular" ? spot_hwhm_x :
                                                                  prm.get_double("Spot HWHM y");
        line_length = shape_name == "line" ? prm.get_double("Line length") : 0;
        if (!(spot_hwhm_x > 0 && spot_hwhm_y > 0))
          throw InputError("Heat source/Spot HWHM must be positive");
        if (shape_name == "line" && !(line_length > 0))
          throw InputError("Heat source/Line length must be positive");
        spot = SpotProfile(shape_name == "line" ? SpotProfile::Kind::line :
                                                  SpotProfile::Kind::gaussian,
                           spot_hwhm_x,
                           spot_hwhm_y,
                           line_length);
        if (model == Model::axisymmetric && shape_name != "circular")
          throw InputError("Heat source/Spot shape = " + shape_name +
                           " needs Model = 3d");
        const double spot_size =
          std::max(spot_hwhm_x, line_length / 2 + spot_hwhm_y);
        if (spot_size > radius / 10)
          {
            // Name the entry that makes the spot large.
            const bool line = line_length / 2 + spot_hwhm_y > spot_hwhm_x;
            std::ostringstream message;
            message << "Heat source/"
                    << (line && line_length > 0 ? "Line length" : "Spot HWHM")
                    << ": the spot (half size " << spot_size
                    << " m) must be at least 10 times smaller than "
                       "Geometry/Radius ("
                    << radius << " m)";
            throw InputError(message.str());
          }

        const double angle = prm.get_double("Take-off angle");
        if (!(angle > 0))
          throw InputError(
            "Heat source/Take-off angle must be above 0 degrees");
        take_off_angle = angle * numbers::PI / 180;

        depth_profile = parse_depth_profile(prm, *this);
      }
      prm.leave_subsection();

      prm.enter_subsection("Heat source");
      beam = parse_time_profile(prm, incident_power);
      prm.leave_subsection();
      prm.enter_subsection("Motion");
      motion = parse_motion(prm, *this);
      prm.leave_subsection();
      prm.enter_subsection("Time");
      if (task == Task::transient)
        time = parse_time_stepping(prm);
      else if (!Utilities::trim(prm.get("Restart from")).empty())
        throw InputError("Time/Restart from needs Task = transient");
      prm.leave_subsection();
      entries = parameter_values(prm);


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

      prm.enter_subsection("Cooling");
      {
        coolant_temperature = prm.get_double("Coolant temperature");
        if (!(coolant_temperature > 0))
          throw InputError("Cooling/Coolant temperature must be above 0 K "
                           "(an absolute temperature)");
        // A limit at or below T0 leaves no power to find (the power search
        // divides by T_limit - T0) and is exceeded before any heating.
        for (const Layer &layer : layers)
          if (!(layer.temperature_limit > coolant_temperature))
            {
              std::ostringstream message;
              message << "Geometry/Layer temperature limits: layer '"
                      << layer.name << "' has limit " << layer.temperature_limit
                      << " K, not above the coolant temperature "
                      << coolant_temperature << " K";
              throw InputError(message.str());
            }
        back_face = parse_face(prm, "Back face");
        side_face = parse_face(prm, "Side face");
        const bool cylinder_cooled =
          back_face.type != FaceCondition::Type::insulated ||
          (side_face.type != FaceCondition::Type::insulated);
        // A moving anode's material enters at T0: that holds it.
        if (!motion.is_moving() &&
            (shape == Shape::half_ball ?
               back_face.type == FaceCondition::Type::insulated :
               !cylinder_cooled))
          throw InputError("Cooling: every face is insulated, so no steady "
                           "state exists; cool the back or the side face");
      }
      prm.leave_subsection();

      prm.enter_subsection("Mesh");
      {
        fe_degree           = prm.get_integer("Finite element degree");
        growth_factor       = prm.get_double("Growth factor");
        spot_cell_fraction  = prm.get_double("Spot cell size");
        adaptive_cycles     = prm.get_integer("Adaptive refinement cycles");
        refinement_fraction = prm.get_double("Refinement fraction");
      }
      prm.leave_subsection();
      check_mesh_scale();

      prm.enter_subsection("Output");
      write_fields = prm.get_bool("Write fields");
      prm.leave_subsection();

      prm.enter_subsection("Solver");
      {
        linear_algebra        = prm.get("Linear algebra");
        linear_tolerance      = prm.get_double("Linear solver tolerance");
        max_linear_iterations = prm.get_integer("Maximum linear iterations");
        newton_tolerance      = prm.get_double("Newton tolerance");
        max_newton_iterations = prm.get_integer("Maximum Newton iterations");
        reuse_preconditioner  = prm.get_bool("Reuse preconditioner");
        power_tolerance       = prm.get_double("Maximum power tolerance");
      }
      prm.leave_subsection();

      // Stored and carried heat need rho and c_p.
      if (task == Task::transient || motion.kind != Motion::Kind::none)
        for (const auto &layer : layers)
          if (!(layer.material.density > 0) ||
              !layer.material.heat_capacity.is_defined() ||
              !(layer.material.heat_capacity.value(coolant_temperature) > 0))
            throw InputError(
              "Materials: layer '" + layer.name + "' (material '" +
              layer.material.name +
              "') needs a positive Density and Heat capacity for " +
              (task == Task::transient ? "Task = transient" :
                                         "a moving anode"));
      check_symmetry();
    }


    // A mirror plane through the spot centre is a symmetry plane of the
    // field when the body, the spot, the cooling and the motion are all
    // mirror symmetric about it. The spot is centred at the origin and its
    // profile g(x, y) is even in x and in y (heat_source.h); the layered
    // cylinder's mesh has cell faces on x = 0 and y = 0. A linear scan
    // (u = (-v, 0, 0)) runs along the plane y = 0 but across x = 0; a
    // rotating anode's track curves about (0, -R_t), across both.
    void
    Parameters::check_symmetry() const
    {
      if (symmetry == Symmetry::none)
        return;
      const std::string entry =
        std::string("Geometry/Symmetry = ") +
        (symmetry == Symmetry::half ? "half" : "quarter");
      if (model != Model::three_dimensional)
        throw InputError(entry + " needs Model = 3d (the axisymmetric model "
                                 "already reduces the body to its section)");
      if (shape != Shape::cylinder)
        throw InputError(entry + " needs Shape = cylinder (the half-ball's "
                                 "mesh has no cell faces on the mirror "
                                 "planes)");
      if (task == Task::transient)
        throw InputError(entry + " is for the steady tasks; Task = transient "
                                 "needs Symmetry = none");
      if (motion.kind == Motion::Kind::rotating_anode)
        throw InputError(entry + ": Motion/Type = rotating anode is not "
                                 "mirror symmetric (the track curves about "
                                 "the rotation axis); use Symmetry = none");
      if (motion.kind == Motion::Kind::linear_scan &&
          symmetry == Symmetry::quarter)
        throw InputError(entry + ": Motion/Type = linear scan moves the anode "
                                 "across the mirror plane x = 0; use Symmetry "
                                 "= half (mirror plane y = 0, along the scan)");
    }
  } // namespace anode_thermal
} // namespace xray

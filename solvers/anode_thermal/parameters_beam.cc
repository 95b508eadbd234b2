// The electron beam and its course: the declare/parse pairs of the Heat
// source, Motion and Time subsections, with the readers of the structures
// they fill (the depth and time profiles, the motion, the time stepping).
#include "anode_thermal/parameters.h"
#include "common/errors.h"
#include "common/file_checks.h"

#include <deal.II/base/utilities.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <string>

namespace xray
{
  namespace anode_thermal
  {
    namespace
    {
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

      /// Where the absorbed power goes, and how much of the incident power
      /// is absorbed (in the subsection Heat source).
      void
      declare_deposition(ParameterHandler &prm)
      {
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
            check_regular_if_present(file,
                                     "Heat source/Depth-dose table = " + file);
            return DepthProfile::read_table(file, depth);
          }
        return DepthProfile();
      }


      /// The incident power in time (in the subsection Heat source).
      void
      declare_time_profile(ParameterHandler &prm)
      {
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
            check_regular_if_present(file, "Heat source/Power table = " + file);
            return BeamTimeProfile::read_table(file);
          }
        return BeamTimeProfile::constant(incident_power);
      }


      /// The motion of Motion/Type (in that subsection); it needs the
      /// Geometry and the Model read before it.
      Motion
      read_motion(ParameterHandler &prm, const Parameters &parameters)
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


      /// How the time steps are chosen (in the subsection Time).
      void
      declare_time_step_control(ParameterHandler &prm)
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
      }


      /// What a transient run writes, and how it is run in parts (in the
      /// subsection Time).
      void
      declare_time_output_and_restart(ParameterHandler &prm)
      {
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
    } // namespace


    void
    Parameters::declare_heat_source(ParameterHandler &prm)
    {
      prm.enter_subsection("Heat source");
      {
        prm.declare_entry("Incident power",
                          "100",
                          Patterns::Double(0),
                          "Electron beam power P on the anode in W. In the "
                          "maximum-power task: the first guess, at which "
                          "the adaptive cycles' meshes are adapted (with "
                          "k(T) the last cycle solves at Kirchhoff's "
                          "estimate from the cycle before; a sweep point "
                          "on the previous point's mesh starts at that "
                          "point's answer).");
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
        declare_deposition(prm);
        declare_time_profile(prm);
      }
      prm.leave_subsection();
    }


    void
    Parameters::parse_heat_source(ParameterHandler &prm)
    {
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

        const std::string shape_name  = prm.get("Spot shape");
        const double      spot_hwhm_x = prm.get_double("Spot HWHM");
        const double      spot_hwhm_y = shape_name == "circular" ?
                                          spot_hwhm_x :
                                          prm.get_double("Spot HWHM y");
        const double      line_length =
          shape_name == "line" ? prm.get_double("Line length") : 0;
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
        beam          = parse_time_profile(prm, incident_power);
      }
      prm.leave_subsection();
    }


    void
    Parameters::declare_motion(ParameterHandler &prm)
    {
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
    }


    void
    Parameters::parse_motion(ParameterHandler &prm)
    {
      prm.enter_subsection("Motion");
      motion = read_motion(prm, *this);
      prm.leave_subsection();
    }


    void
    Parameters::declare_time(ParameterHandler &prm)
    {
      prm.enter_subsection("Time");
      {
        declare_time_step_control(prm);
        declare_time_output_and_restart(prm);
      }
      prm.leave_subsection();
    }


    void
    Parameters::parse_time(ParameterHandler &prm)
    {
      prm.enter_subsection("Time");
      {
        if (task == Task::transient)
          time = parse_time_stepping(prm);
        else if (!Utilities::trim(prm.get("Restart from")).empty())
          throw InputError("Time/Restart from needs Task = transient");
      }
      prm.leave_subsection();
    }
  } // namespace anode_thermal
} // namespace xray

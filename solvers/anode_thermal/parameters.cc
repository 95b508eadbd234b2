// Parameters::parse(): the anode-thermal input read into Parameters,
// every entry checked as it is read (a malformed or inconsistent value
// is an InputError that names the entry), with the readers of the
// sections that have structures of their own.
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
  } // namespace anode_thermal
} // namespace xray

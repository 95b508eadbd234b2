// The anode's body and how it is cooled: the declare/parse pairs of the
// Geometry and Cooling subsections.
#include "anode_thermal/parameters.h"
#include "common/errors.h"

#include <deal.II/base/utilities.h>

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
      constexpr double infinity = std::numeric_limits<double>::infinity();

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


      /// The per-layer lists of Geometry (in that subsection).
      void
      declare_layers(ParameterHandler &prm)
      {
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
      }


      /// @p layers from the lists of declare_layers(), each with a copy of
      /// its material from @p materials.
      void
      parse_layers(ParameterHandler      &prm,
                   const MaterialLibrary &materials,
                   std::vector<Layer>    &layers)
      {
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
      }


      /// The condition on one face and its heat transfer coefficient (in
      /// the subsection Cooling).
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
                            " is cooled by convection. At most 1e8 k / L "
                            "(L the thickness of the layer behind the back "
                            "face, of the thinnest layer for the side face, "
                            "the half-ball's radius; k the smallest "
                            "conductivity there at T0): beyond, the face is "
                            "at T0 to double precision.");
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
    } // namespace


    void
    Parameters::declare_geometry(ParameterHandler &prm)
    {
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
        declare_layers(prm);
        prm.declare_entry(
          "Interface conductances",
          "perfect",
          Patterns::List(Patterns::Anything(), 1),
          "Thermal boundary conductance h_b in W/(m^2 K) at each interface "
          "between consecutive layers (one entry fewer than layers): a "
          "temperature jump q_n / h_b. \"perfect\": no jump. One entry "
          "applies to all interfaces. At most 1e8 k / t (t the thinner "
          "layer, k the smaller conductivity at the coolant temperature): "
          "beyond, the contact is perfect to double precision.");
      }
      prm.leave_subsection();
    }


    void
    Parameters::parse_geometry(ParameterHandler      &prm,
                               const MaterialLibrary &materials)
    {
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

        parse_layers(prm, materials, layers);
        const unsigned int n = layers.size();
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
    }


    void
    Parameters::declare_cooling(ParameterHandler &prm)
    {
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
    }


    void
    Parameters::parse_cooling(ParameterHandler &prm)
    {
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
    }
  } // namespace anode_thermal
} // namespace xray

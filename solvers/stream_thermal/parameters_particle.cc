// The particle and how hot it may get: the declare/parse pairs of the
// Particle and Limit subsections.
#include "common/errors.h"
#include "stream_thermal/parameters.h"

#include <deal.II/base/utilities.h>

#include <cmath>
#include <string>

namespace xray
{
  namespace stream_thermal
  {
    namespace
    {
      /// Kelvin from "material" (the material's value) or a number.
      double
      temperature_or_material(const std::string &text,
                              const double       material,
                              const std::string &what)
      {
        const std::string trimmed = Utilities::trim(text);
        if (trimmed == "material")
          {
            if (!std::isfinite(material))
              throw InputError(what + " = material: the material has no "
                                      "melting point; give a value in K");
            return material;
          }
        double value;
        try
          {
            value = Utilities::string_to_double(trimmed);
          }
        catch (const ExceptionBase &)
          {
            throw InputError(what + " = \"" + trimmed +
                             "\": expected a temperature in K or \"material\"");
          }
        if (!(std::isfinite(value) && value > 0))
          throw InputError(what + " = " + trimmed + " must be positive");
        return value;
      }
    } // namespace


    void
    Parameters::declare_particle(ParameterHandler &prm)
    {
      prm.enter_subsection("Particle");
      {
        prm.declare_entry("Material",
                          "W",
                          Patterns::Anything(),
                          "Material of the particle (any of the library or a "
                          "user material).");
        prm.declare_entry("Radius",
                          "2.5e-6",
                          Patterns::Double(),
                          "Particle radius r_p in m (at room temperature).");
        prm.declare_entry("Inlet temperature",
                          "1073.15",
                          Patterns::Double(),
                          "Temperature of the particles entering the spot, K.");
        prm.declare_entry("Emissivity",
                          "0.3",
                          Patterns::Double(),
                          "Total hemispherical emissivity of the surface, 0 to "
                          "1 (W near 3000 K: about 0.3).");
        prm.declare_entry("Environment temperature",
                          "300",
                          Patterns::Double(),
                          "Temperature of the surroundings the particle "
                          "radiates to, K.");
        prm.declare_entry(
          "Surface",
          "radiation",
          Patterns::Selection("radiation|fixed temperature"),
          "radiation: the surface radiates to the environment (the physical "
          "case); fixed temperature: the surface is held at the Surface "
          "temperature (verification against exact solutions).");
        prm.declare_entry("Surface temperature",
                          "300",
                          Patterns::Double(),
                          "Surface temperature in K for Surface = fixed "
                          "temperature.");
        prm.declare_entry(
          "Melting range",
          "10",
          Patterns::Double(),
          "The latent heat is released linearly between the melting point "
          "T_m and T_m + this range, K (enthalpy formulation).");
      }
      prm.leave_subsection();
    }


    void
    Parameters::parse_particle(ParameterHandler &prm)
    {
      const std::string where = "Particle/";
      prm.enter_subsection("Particle");
      {
        try
          {
            material = library.get(Utilities::trim(prm.get("Material")));
          }
        catch (const InputError &error)
          {
            throw InputError(where + "Material: " + error.what());
          }
        if (!(material.density > 0))
          throw InputError(where + "Material '" + material.name +
                           "' has no density");
        radius            = positive(prm, "Radius", where);
        inlet_temperature = positive(prm, "Inlet temperature", where);
        emissivity        = prm.get_double("Emissivity");
        if (!(emissivity >= 0 && emissivity <= 1))
          throw InputError(where + "Emissivity = " + prm.get("Emissivity") +
                           " must lie in [0, 1]");
        environment_temperature =
          positive(prm, "Environment temperature", where, true);
        surface             = prm.get("Surface") == "fixed temperature" ?
                                Surface::fixed_temperature :
                                Surface::radiation;
        surface_temperature = positive(prm, "Surface temperature", where);
        melting_range       = positive(prm, "Melting range", where);
      }
      prm.leave_subsection();
    }


    void
    Parameters::declare_limit(ParameterHandler &prm)
    {
      prm.enter_subsection("Limit");
      {
        prm.declare_entry("Temperature limit",
                          "material",
                          Patterns::Anything(),
                          "Highest temperature allowed in the particle, K, or "
                          "\"material\" (its melting point).");
        prm.declare_entry(
          "Allowed molten fraction",
          "0",
          Patterns::Double(),
          "s, 0 to 1: 0 keeps every point below the Temperature limit; s > 0 "
          "lets the particle melt until s of its mass is molten (1: fully "
          "molten), the latent heat s dH_f added to the budget.");
      }
      prm.leave_subsection();
    }


    void
    Parameters::parse_limit(ParameterHandler &prm)
    {
      const std::string where = "Limit/";
      prm.enter_subsection("Limit");
      {
        allowed_molten_fraction = prm.get_double("Allowed molten fraction");
        if (!(allowed_molten_fraction >= 0 && allowed_molten_fraction <= 1))
          throw InputError(where + "Allowed molten fraction = " +
                           prm.get("Allowed molten fraction") +
                           " must lie in [0, 1]");
        // Checked before the Temperature limit, which s > 0 replaces by the
        // melting point: a material that cannot melt is then an error of this
        // entry, not of the (default) Temperature limit = material.
        if (allowed_molten_fraction > 0)
          {
            if (!material.melts())
              throw InputError(where +
                               "Allowed molten fraction > 0: material '" +
                               material.name + "' does not melt");
            if (!(material.latent_heat >= 0))
              throw InputError(
                where + "Allowed molten fraction > 0: material '" +
                material.name + "' has no latent heat of fusion");
          }
        temperature_limit =
          temperature_or_material(prm.get("Temperature limit"),
                                  material.melting_point,
                                  where + "Temperature limit");
      }
      prm.leave_subsection();
      if (allowed_molten_fraction > 0)
        temperature_limit = material.melting_point;
      if (!(inlet_temperature < temperature_limit))
        throw InputError("Particle/Inlet temperature = " +
                         Utilities::to_string(inlet_temperature) +
                         " K is not below the temperature limit " +
                         Utilities::to_string(temperature_limit) + " K");
    }
  } // namespace stream_thermal
} // namespace xray

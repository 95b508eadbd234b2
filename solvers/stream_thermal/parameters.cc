#include "stream_thermal/parameters.h"

#include "common/errors.h"

#include <deal.II/base/utilities.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>

namespace xray
{
  namespace stream_thermal
  {
    namespace
    {
      std::string
      number(const double x)
      {
        return Utilities::to_string(x);
      }

      /// A finite value > 0 (or >= 0), or InputError naming the entry.
      double
      positive(ParameterHandler  &prm,
               const std::string &entry,
               const std::string &where,
               const bool         zero_allowed = false)
      {
        const double value = prm.get_double(entry);
        if (!std::isfinite(value) || value < 0 || (!zero_allowed && value == 0))
          throw InputError(
            where + entry + " = " + prm.get(entry) +
            (zero_allowed ? " must not be negative" : " must be positive"));
        return value;
      }

      /// A comma-separated list of numbers, each > 0 unless @p zero_allowed.
      std::vector<double>
      number_list(ParameterHandler  &prm,
                  const std::string &entry,
                  const std::string &where,
                  const bool         zero_allowed = false)
      {
        std::vector<double> values;
        for (const auto &text : Utilities::split_string_list(prm.get(entry)))
          {
            double value;
            try
              {
                value = Utilities::string_to_double(text);
              }
            catch (const ExceptionBase &)
              {
                throw InputError(where + entry + ": \"" + text +
                                 "\" is not a number");
              }
            if (!std::isfinite(value) || value < 0 ||
                (!zero_allowed && value == 0))
              throw InputError(
                where + entry + ": " + text +
                (zero_allowed ? " must not be negative" : " must be positive"));
            values.push_back(value);
          }
        return values;
      }

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
    Parameters::declare(ParameterHandler &prm)
    {
      prm.declare_entry("Output directory",
                        "output/stream-thermal",
                        Patterns::DirectoryName(),
                        "Where log.txt, parameters.prm, history.csv, "
                        "solution.pvd and summary.json are written.");
      prm.declare_entry(
        "Model",
        "axisymmetric",
        Patterns::Selection("axisymmetric|3d|slab"),
        "axisymmetric: the sphere in (r, z), exact since the beam heats it "
        "symmetrically about its direction z; 3d: the whole sphere; slab: "
        "half of a plane slab 2 r_p thick heated through one face "
        "(verification of the melting model against the Stefan problem).");
      prm.declare_entry(
        "Task",
        "particle heating",
        Patterns::Selection("particle heating|maximum power|limit curves"),
        "particle heating: one particle crossing the spot at the Beam power; "
        "maximum power: the stream limit P_max,uP by root search over the "
        "beam power, and the hybrid limit; limit curves: the stream, anode "
        "and hybrid limits for every tube voltage, speed and inlet "
        "temperature of subsection Limit curves (curves.csv).");

      MaterialLibrary::declare_parameters(prm);

      prm.enter_subsection("Particle");
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
      prm.leave_subsection();

      prm.enter_subsection("Limit");
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
      prm.leave_subsection();

      prm.enter_subsection("Stream");
      prm.declare_entry("Speed",
                        "100",
                        Patterns::Double(),
                        "Speed v of the particles through the spot, m/s.");
      prm.declare_entry("Layers",
                        "1",
                        Patterns::Integer(1, 100),
                        "Number of heights the particles fly at.");
      prm.declare_entry(
        "Areal density",
        "1",
        Patterns::Double(),
        "Particles per unit area of the stream, in close-packed monolayers "
        "(1 / (2 sqrt(3) r_p^2) each), all layers together. The "
        "hybrid-target study: 1 (one monolayer's worth over 5 heights).");
      prm.declare_entry(
        "Shadowing",
        "none",
        Patterns::Selection("none|mean field"),
        "none: every particle absorbs the stream's mean share S_uP I / n_A "
        "(the lumped closed form's assumption; the Monte Carlo S_uP holds "
        "the stream's real geometry). mean field: the layers above shadow "
        "a particle like a uniform slab of their solid-equivalent thickness "
        "(n_A V_p per layer) along the depth-dose curve, the absorbed shares "
        "renormalised to the mean: an upper bound on the top layer's share, "
        "since a real stream of 1/5-monolayer layers leaves most particles "
        "unshadowed.");
      prm.declare_entry(
        "Layer",
        "hottest",
        Patterns::Anything(),
        "The layer of the modelled particle, 1 the top one (the beam comes "
        "from above), or \"hottest\": the layer that absorbs most.");
      prm.leave_subsection();

      prm.enter_subsection("Beam");
      prm.declare_entry("Tube voltage",
                        "132e3",
                        Patterns::Double(),
                        "Tube voltage U in V.");
      prm.declare_entry("Beam power",
                        "46.2e3",
                        Patterns::Double(),
                        "Incident beam power P in W (particle heating).");
      prm.declare_entry("Spot width",
                        "450e-6",
                        Patterns::Double(),
                        "W_CS, the width of the spot along the flight "
                        "direction, m (the FWHM for a Gaussian profile).");
      prm.declare_entry("Spot length",
                        "4670e-6",
                        Patterns::Double(),
                        "L_CS, the length of the spot across the stream, m.");
      prm.declare_entry(
        "Profile across spot",
        "flat",
        Patterns::Selection("flat|gaussian"),
        "Beam profile along the flight direction: flat over W_CS, or "
        "Gaussian with FWHM W_CS. Along L_CS the profile is flat.");
      prm.declare_entry(
        "Deposition",
        "depth-dose",
        Patterns::Selection("depth-dose|uniform|table"),
        "How the absorbed power is spread through the particle: depth-dose "
        "(Everhart-Hoff curve scaled by the Kanaya-Okayama range, along the "
        "beam direction from the particle's top), uniform, or table (the "
        "Depth-dose file, depth below the stream top in m and relative "
        "deposition).");
      prm.declare_entry("Depth-dose file",
                        "",
                        Patterns::Anything(),
                        "Two-column file for Deposition = table.");
      prm.leave_subsection();

      prm.enter_subsection("Energy split");
      prm.declare_entry("Tube voltages",
                        "30e3, 80e3, 100e3, 120e3, 150e3, 200e3, 250e3, 300e3",
                        Patterns::Anything(),
                        "Rows of the split table, V.");
      prm.declare_entry(
        "Stream fractions",
        "0.566, 0.533, 0.449, 0.366, 0.213, 0.143, 0.095, 0.067",
        Patterns::Anything(),
        "S_uP: fraction of the incident power the stream absorbs.");
      prm.declare_entry(
        "Anode fractions",
        "0.119, 0.137, 0.208, 0.282, 0.426, 0.489, 0.502, 0.477",
        Patterns::Anything(),
        "S_anode: fraction of the incident power the anode below absorbs.");
      prm.declare_entry(
        "Absorbed fractions",
        "0.685, 0.657, 0.648, 0.649, 0.640, 0.632, 0.597, 0.544",
        Patterns::Anything(),
        "1 - eta_E: fraction the hybrid target absorbs as a whole. The "
        "defaults: Monte Carlo of a 5 um W monolayer over compact W, the "
        "hybrid-target study (doc/theory.md section 4).");
      prm.leave_subsection();

      prm.enter_subsection("Anode");
      prm.declare_entry(
        "Limit",
        "rating",
        Patterns::Selection("rating|absorbed power|anode-thermal summary"),
        "What the anode below the stream can absorb: rating: (1 - eta_E(U)) "
        "times the Rated power; absorbed power: the Absorbed power limit; "
        "anode-thermal summary: max_permissible_absorbed_power_W of an "
        "anode-thermal maximum-power run (e.g. params/rotating-anode-ct.prm).");
      prm.declare_entry("Rated power",
                        "25e3",
                        Patterns::Double(),
                        "Incident power rating of the anode, W.");
      prm.declare_entry(
        "Energy backscatter fraction",
        "formula",
        Patterns::Anything(),
        "eta_E of the bulk anode at the tube voltage for Limit = rating: "
        "\"formula\" (W: Hunger & Kuechler 1979 with Love, Cox & Scott "
        "1978) or a number.");
      prm.declare_entry("Absorbed power limit",
                        "16e3",
                        Patterns::Double(),
                        "W, for Limit = absorbed power.");
      prm.declare_entry("Summary file",
                        "",
                        Patterns::Anything(),
                        "summary.json of anode-thermal, for Limit = "
                        "anode-thermal summary.");
      prm.declare_entry("Reference power",
                        "25e3",
                        Patterns::Double(),
                        "Incident power of the reference rotating anode the "
                        "gain P_max / P_ref is measured against, W.");
      prm.leave_subsection();

      prm.enter_subsection("Limit curves");
      prm.declare_entry("Tube voltages",
                        "30e3, 45e3, 60e3, 80e3, 100e3, 120e3, 132e3, 150e3, "
                        "175e3, 200e3, 250e3, 300e3",
                        Patterns::Anything(),
                        "V, for Task = limit curves.");
      prm.declare_entry("Speeds",
                        "100, 200, 400",
                        Patterns::Anything(),
                        "m/s, for Task = limit curves.");
      prm.declare_entry("Inlet temperatures",
                        "1073.15",
                        Patterns::Anything(),
                        "K, for Task = limit curves.");
      prm.leave_subsection();

      prm.enter_subsection("Time");
      prm.declare_entry("Steps across spot",
                        "100",
                        Patterns::Integer(4, 100000),
                        "Time steps (TR-BDF2) while the particle crosses the "
                        "spot.");
      prm.declare_entry("Time after exit",
                        "0",
                        Patterns::Double(),
                        "Follow the particle this long after it leaves the "
                        "spot, s (cooling by radiation and conduction).");
      prm.leave_subsection();

      prm.enter_subsection("Mesh");
      prm.declare_entry("Refinements",
                        "2",
                        Patterns::Integer(0, 8),
                        "Global refinements of the coarse sphere (or slab).");
      prm.declare_entry("Finite element degree",
                        "2",
                        Patterns::Integer(1, 4),
                        "Polynomial degree of the finite elements. Formerly "
                        "Degree, which is still read.");
      // An old name, deprecated: run_solver() says so once, on rank 0 and
      // in log.txt, so deal.II's own warning (every rank) stays off.
      prm.declare_alias("Finite element degree", "Degree", false);
      prm.leave_subsection();

      prm.enter_subsection("Output");
      prm.declare_entry("Write fields",
                        "true",
                        Patterns::Bool(),
                        "Write the particle's temperature field (VTU).");
      prm.declare_entry("Field interval",
                        "10",
                        Patterns::Integer(1),
                        "Write the field every this many time steps (and at "
                        "the spot exit and the end).");
      prm.leave_subsection();
    }


    void
    Parameters::parse(ParameterHandler &prm)
    {
      output_directory    = prm.get("Output directory");
      const std::string m = prm.get("Model");
      model               = m == "slab" ? Model::slab :
                            m == "3d"   ? Model::three_d :
                                          Model::axisymmetric;
      const std::string t = prm.get("Task");
      task                = t == "maximum power" ? Task::maximum_power :
                            t == "limit curves"  ? Task::limit_curves :
                                                   Task::particle_heating;

      library.parse_parameters(prm);

      std::string where = "Particle/";
      prm.enter_subsection("Particle");
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
      prm.leave_subsection();

      where = "Limit/";
      prm.enter_subsection("Limit");
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
            throw InputError(where + "Allowed molten fraction > 0: material '" +
                             material.name + "' does not melt");
          if (!(material.latent_heat >= 0))
            throw InputError(where + "Allowed molten fraction > 0: material '" +
                             material.name + "' has no latent heat of fusion");
        }
      temperature_limit = temperature_or_material(prm.get("Temperature limit"),
                                                  material.melting_point,
                                                  where + "Temperature limit");
      prm.leave_subsection();
      if (allowed_molten_fraction > 0)
        temperature_limit = material.melting_point;
      if (!(inlet_temperature < temperature_limit))
        throw InputError(
          "Particle/Inlet temperature = " + number(inlet_temperature) +
          " K is not below the temperature limit " + number(temperature_limit) +
          " K");

      where = "Stream/";
      prm.enter_subsection("Stream");
      speed                   = positive(prm, "Speed", where);
      layers                  = prm.get_integer("Layers");
      packing                 = positive(prm, "Areal density", where);
      mean_field_shadowing    = prm.get("Shadowing") == "mean field";
      const std::string which = Utilities::trim(prm.get("Layer"));
      if (which == "hottest")
        layer = 0;
      else
        {
          int value = -1;
          try
            {
              value = Utilities::string_to_int(which);
            }
          catch (const ExceptionBase &)
            {}
          if (value < 1 || value > static_cast<int>(layers))
            throw InputError(where + "Layer = \"" + which +
                             "\": expected \"hottest\" or 1 to " +
                             std::to_string(layers));
          layer = value;
        }
      prm.leave_subsection();
      // Close-packed spheres fill at most pi / (3 sqrt 2) of space: the
      // layers must have room for the stream's particles.
      if (packing > layers)
        throw InputError("Stream/Areal density = " + number(packing) +
                         " close-packed monolayers do not fit in " +
                         std::to_string(layers) + " layer(s)");

      where = "Beam/";
      prm.enter_subsection("Beam");
      tube_voltage         = positive(prm, "Tube voltage", where);
      beam_power           = positive(prm, "Beam power", where, true);
      spot_width           = positive(prm, "Spot width", where);
      spot_length          = positive(prm, "Spot length", where);
      gaussian_across_spot = prm.get("Profile across spot") == "gaussian";
      const std::string d  = prm.get("Deposition");
      deposition           = d == "uniform" ? Deposition::uniform :
                             d == "table"   ? Deposition::table :
                                              Deposition::depth_dose;
      depth_dose_file      = Utilities::trim(prm.get("Depth-dose file"));
      if (deposition == Deposition::table && depth_dose_file.empty())
        throw InputError(where + "Deposition = table needs a Depth-dose file");
      prm.leave_subsection();
      electron_range = deposition == Deposition::depth_dose ?
                         kanaya_okayama_range(material, tube_voltage) :
                         0;

      where = "Energy split/";
      prm.enter_subsection("Energy split");
      split = EnergySplit(number_list(prm, "Tube voltages", where),
                          number_list(prm, "Stream fractions", where, true),
                          number_list(prm, "Anode fractions", where, true),
                          number_list(prm, "Absorbed fractions", where, true),
                          "Energy split");
      prm.leave_subsection();

      where = "Anode/";
      prm.enter_subsection("Anode");
      const std::string limit = prm.get("Limit");
      anode_limit =
        limit == "absorbed power"        ? AnodeLimit::absorbed_power :
        limit == "anode-thermal summary" ? AnodeLimit::anode_thermal_summary :
                                           AnodeLimit::rating;
      rated_power = positive(prm, "Rated power", where);
      anode_backscatter =
        Utilities::trim(prm.get("Energy backscatter fraction"));
      if (anode_backscatter != "formula")
        {
          double eta = -1;
          try
            {
              eta = Utilities::string_to_double(anode_backscatter);
            }
          catch (const ExceptionBase &)
            {}
          if (!(eta >= 0 && eta < 1))
            throw InputError(where + "Energy backscatter fraction = \"" +
                             anode_backscatter +
                             "\": expected \"formula\" or a number in [0, 1)");
        }
      anode_absorbed_power_limit = positive(prm, "Absorbed power limit", where);
      anode_summary_file         = Utilities::trim(prm.get("Summary file"));
      reference_power            = positive(prm, "Reference power", where);
      prm.leave_subsection();
      if (anode_limit == AnodeLimit::anode_thermal_summary)
        {
          std::ifstream file(anode_summary_file);
          if (anode_summary_file.empty() || !file)
            throw InputError(where + "Summary file = \"" + anode_summary_file +
                             "\" cannot be read");
          nlohmann::json summary;
          try
            {
              summary = nlohmann::json::parse(file);
            }
          catch (const std::exception &)
            {
              throw InputError(where + "Summary file " + anode_summary_file +
                               " is not valid JSON");
            }
          const auto entry = summary.find("max_permissible_absorbed_power_W");
          if (entry == summary.end() || !entry->is_number() ||
              !(entry->get<double>() > 0))
            throw InputError(where + "Summary file " + anode_summary_file +
                             " holds no max_permissible_absorbed_power_W "
                             "(run anode-thermal with Task = maximum power)");
          anode_absorbed_power_limit = entry->get<double>();
        }

      where = "Limit curves/";
      prm.enter_subsection("Limit curves");
      curve_voltages           = number_list(prm, "Tube voltages", where);
      curve_speeds             = number_list(prm, "Speeds", where);
      curve_inlet_temperatures = number_list(prm, "Inlet temperatures", where);
      prm.leave_subsection();
      if (task == Task::limit_curves)
        {
          if (curve_voltages.empty() || curve_speeds.empty() ||
              curve_inlet_temperatures.empty())
            throw InputError(where + "every list needs at least one value");
          for (const double U : curve_voltages)
            if (!(U >= split.min_voltage() && U <= split.max_voltage()))
              throw InputError(where + "Tube voltages: " + number(U) +
                               " V lies outside Energy split (" +
                               number(split.min_voltage()) + " to " +
                               number(split.max_voltage()) + " V)");
          for (const double T0 : curve_inlet_temperatures)
            if (!(T0 < temperature_limit))
              throw InputError(where + "Inlet temperatures: " + number(T0) +
                               " K is not below the temperature limit " +
                               number(temperature_limit) + " K");
        }
      else
        split.at(tube_voltage);

      prm.enter_subsection("Time");
      steps_across_spot = prm.get_integer("Steps across spot");
      time_after_exit   = positive(prm, "Time after exit", "Time/", true);
      prm.leave_subsection();

      prm.enter_subsection("Mesh");
      refinements = prm.get_integer("Refinements");
      degree      = prm.get_integer("Finite element degree");
      prm.leave_subsection();

      prm.enter_subsection("Output");
      write_fields   = prm.get_bool("Write fields");
      field_interval = prm.get_integer("Field interval");
      prm.leave_subsection();
    }


    double
    Parameters::anode_energy_backscatter(const double U) const
    {
      if (anode_backscatter == "formula")
        return energy_backscatter_fraction(74, U);
      return Utilities::string_to_double(anode_backscatter);
    }


    double
    Parameters::anode_absorbed_limit(const double U) const
    {
      switch (anode_limit)
        {
          case AnodeLimit::rating:
            return (1 - anode_energy_backscatter(U)) * rated_power;
          default:
            return anode_absorbed_power_limit;
        }
    }


    double
    Parameters::crossing_time() const
    {
      return (gaussian_across_spot ? 6 : 1) * spot_width / speed;
    }


    double
    Parameters::intensity_per_watt(const double time) const
    {
      const double x = speed * time - crossing_time() * speed / 2;
      if (!gaussian_across_spot)
        return std::abs(x) <= spot_width / 2 ? 1 / (spot_width * spot_length) :
                                               0;
      const double sigma = spot_width / (2 * std::sqrt(2 * std::log(2.)));
      if (std::abs(x) > 3 * spot_width)
        return 0;
      return std::exp(-x * x / (2 * sigma * sigma)) /
             (std::sqrt(2 * numbers::PI) * sigma * spot_length);
    }
  } // namespace stream_thermal
} // namespace xray

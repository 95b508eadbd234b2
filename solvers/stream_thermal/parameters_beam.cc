// The stream in the beam: the declare/parse pairs of the Stream, Beam and
// Energy split subsections, with the beam's intensity along the
// particle's path (crossing_time(), intensity_per_watt()).
#include "common/electron_deposition.h"
#include "common/errors.h"
#include "common/file_checks.h"
#include "stream_thermal/parameters.h"

#include <deal.II/base/utilities.h>

#include <cmath>
#include <string>

namespace xray
{
  namespace stream_thermal
  {
    void
    Parameters::declare_stream(ParameterHandler &prm)
    {
      prm.enter_subsection("Stream");
      {
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
      }
      prm.leave_subsection();
    }


    void
    Parameters::parse_stream(ParameterHandler &prm)
    {
      const std::string where = "Stream/";
      prm.enter_subsection("Stream");
      {
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
      }
      prm.leave_subsection();
      // Close-packed spheres fill at most pi / (3 sqrt 2) of space: the
      // layers must have room for the stream's particles.
      if (packing > layers)
        throw InputError(
          "Stream/Areal density = " + Utilities::to_string(packing) +
          " close-packed monolayers do not fit in " + std::to_string(layers) +
          " layer(s)");
    }


    void
    Parameters::declare_beam(ParameterHandler &prm)
    {
      prm.enter_subsection("Beam");
      {
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
      }
      prm.leave_subsection();
    }


    void
    Parameters::parse_beam(ParameterHandler &prm)
    {
      const std::string where = "Beam/";
      prm.enter_subsection("Beam");
      {
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
          throw InputError(where +
                           "Deposition = table needs a Depth-dose file");
        if (deposition == Deposition::table)
          check_regular_if_present(depth_dose_file,
                                   where +
                                     "Depth-dose file = " + depth_dose_file);
      }
      prm.leave_subsection();
      electron_range = deposition == Deposition::depth_dose ?
                         kanaya_okayama_range(material, tube_voltage) :
                         0;
    }


    void
    Parameters::declare_energy_split(ParameterHandler &prm)
    {
      prm.enter_subsection("Energy split");
      {
        prm.declare_entry(
          "Tube voltages",
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
      }
      prm.leave_subsection();
    }


    void
    Parameters::parse_energy_split(ParameterHandler &prm)
    {
      const std::string where = "Energy split/";
      prm.enter_subsection("Energy split");
      {
        split = EnergySplit(number_list(prm, "Tube voltages", where),
                            number_list(prm, "Stream fractions", where, true),
                            number_list(prm, "Anode fractions", where, true),
                            number_list(prm, "Absorbed fractions", where, true),
                            "Energy split");
      }
      prm.leave_subsection();
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

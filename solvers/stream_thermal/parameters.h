// Parameters of the stream-thermal solver. Every entry documents its unit;
// parse() checks them (positive sizes and speeds, an inlet below the limit,
// a consistent split table, ...) and throws InputError naming the entry.
#ifndef XRAY_STREAM_THERMAL_PARAMETERS_H
#define XRAY_STREAM_THERMAL_PARAMETERS_H

#include "common/electron_deposition.h"
#include "common/materials.h"
#include "stream_thermal/heat_budget.h"

#include <deal.II/base/parameter_handler.h>

#include <string>
#include <vector>

namespace xray
{
  namespace stream_thermal
  {
    using namespace dealii;

    enum class Model
    {
      /// Half of a plane slab 2 r_p thick, heated through its face x = 0:
      /// the one-dimensional verification geometry (Stefan problem).
      slab,
      /// The sphere in (r, z), axisymmetric about the beam direction z.
      axisymmetric,
      /// The whole sphere in 3D.
      three_d
    };

    enum class Task
    {
      particle_heating,
      maximum_power,
      limit_curves
    };

    enum class Surface
    {
      radiation,
      fixed_temperature
    };

    enum class Deposition
    {
      depth_dose,
      uniform,
      table
    };

    enum class AnodeLimit
    {
      rating,
      absorbed_power,
      anode_thermal_summary
    };

    struct Parameters
    {
      static void
      declare(ParameterHandler &prm);
      /// Throws InputError naming the entry.
      void
      parse(ParameterHandler &prm);

      std::string output_directory;
      Model       model;
      Task        task;

      // Particle
      MaterialLibrary library;
      Material        material;
      double          radius;                  // m
      double          inlet_temperature;       // K
      double          emissivity;              // 0..1
      double          environment_temperature; // K
      Surface         surface;
      double          surface_temperature; // K, fixed-temperature surface
      double          melting_range;       // K

      // Limit
      double temperature_limit;       // K
      double allowed_molten_fraction; // s, 0..1

      // Stream
      double       speed;   // m/s
      unsigned int layers;  // heights the particles fly at
      double       packing; // close-packed monolayers' worth of particles
      unsigned int layer;   // 1 = top; 0 = the hottest
      /// Layers above shadow a particle as a uniform slab of their
      /// solid-equivalent thickness; without, every particle takes the
      /// stream's mean share (the closed form's assumption).
      bool mean_field_shadowing;

      // Beam
      double      tube_voltage; // V
      double      beam_power;   // W, incident
      double      spot_width;   // m, W_CS along the flight direction
      double      spot_length;  // m, L_CS
      bool        gaussian_across_spot;
      Deposition  deposition;
      std::string depth_dose_file;
      double      electron_range; // m, Kanaya-Okayama in the particle

      EnergySplit split;

      // Anode below the stream
      AnodeLimit  anode_limit;
      double      rated_power;                // W, incident
      std::string anode_backscatter;          // "formula" or a number
      double      anode_absorbed_power_limit; // W
      std::string anode_summary_file;
      double      reference_power; // W

      // Limit curves
      std::vector<double> curve_voltages, curve_speeds,
        curve_inlet_temperatures;

      // Time
      unsigned int steps_across_spot;
      double       time_after_exit; // s

      // Mesh
      unsigned int refinements;
      unsigned int degree;

      // Output
      bool         write_fields;
      unsigned int field_interval;

      /// Fraction of the incident energy backscattered by the bulk anode at
      /// the tube voltage @p U (for Anode/Limit = rating).
      double
      anode_energy_backscatter(double U) const;
      /// What the anode below the stream absorbs at its limit, W, at @p U.
      double
      anode_absorbed_limit(double U) const;
      /// The dwell time W_CS / v (flat) or the time the particle spends
      /// within +-3 W_CS of the spot centre (Gaussian), s.
      double
      crossing_time() const;
      /// Incident power density where the particle is at time t of its
      /// crossing, W/m^2 per W of beam power (flat: 1 / (W_CS L_CS) inside
      /// the spot; Gaussian across: FWHM W_CS, flat along L_CS).
      double
      intensity_per_watt(double time) const;
    };
  } // namespace stream_thermal
} // namespace xray

#endif

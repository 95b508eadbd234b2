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

    private:
      // One declare/parse pair per subsection of the input, each pair
      // beside the other so that an entry's default and documentation sit
      // next to the code that reads and checks it. declare() and parse()
      // call them in the order of the sections. By topic:
      // parameters.cc: the top level;
      // parameters_particle.cc: Particle and Limit;
      // parameters_beam.cc: Stream, Beam and Energy split;
      // parameters_anode.cc: Anode and Limit curves;
      // parameters_numerics.cc: Time, Mesh and Output.
      // A parse_X() may use what the sections parsed before it have set.
      static void
      declare_top_level(ParameterHandler &prm);
      void
      parse_top_level(ParameterHandler &prm);

      static void
      declare_particle(ParameterHandler &prm);
      void
      parse_particle(ParameterHandler &prm);

      static void
      declare_limit(ParameterHandler &prm);
      void
      parse_limit(ParameterHandler &prm);

      static void
      declare_stream(ParameterHandler &prm);
      void
      parse_stream(ParameterHandler &prm);

      static void
      declare_beam(ParameterHandler &prm);
      void
      parse_beam(ParameterHandler &prm);

      static void
      declare_energy_split(ParameterHandler &prm);
      void
      parse_energy_split(ParameterHandler &prm);

      static void
      declare_anode(ParameterHandler &prm);
      void
      parse_anode(ParameterHandler &prm);

      static void
      declare_limit_curves(ParameterHandler &prm);
      void
      parse_limit_curves(ParameterHandler &prm);

      static void
      declare_time(ParameterHandler &prm);
      void
      parse_time(ParameterHandler &prm);

      static void
      declare_mesh(ParameterHandler &prm);
      void
      parse_mesh(ParameterHandler &prm);

      static void
      declare_output(ParameterHandler &prm);
      void
      parse_output(ParameterHandler &prm);

      /// Entry @p entry of the current subsection as a finite value > 0
      /// (or >= 0 with @p zero_allowed), or InputError naming it as
      /// @p where + @p entry (@p where: "Section/").
      static double
      positive(ParameterHandler  &prm,
               const std::string &entry,
               const std::string &where,
               const bool         zero_allowed = false);
      /// Entry @p entry as a comma-separated list of numbers, each > 0
      /// (or >= 0 with @p zero_allowed); InputError as for positive().
      static std::vector<double>
      number_list(ParameterHandler  &prm,
                  const std::string &entry,
                  const std::string &where,
                  const bool         zero_allowed = false);
    };
  } // namespace stream_thermal
} // namespace xray

#endif

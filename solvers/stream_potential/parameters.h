// Parameters of the stream potential solver. Every entry documents its
// unit; parse() checks consistency (positive sizes, a charging model that
// fits the model, ...) and throws InputError naming the entry. Geometric
// feasibility (overlaps, gap, enclosure) is checked by the mesh builder.
#ifndef XRAY_STREAM_POTENTIAL_PARAMETERS_H
#define XRAY_STREAM_POTENTIAL_PARAMETERS_H

#include "meshes/particle_stream.h"
#include "stream_potential/field_emission.h"

#include <deal.II/base/parameter_handler.h>

#include <string>

namespace xray
{
  namespace stream_potential
  {
    using namespace dealii;

    enum class Model
    {
      /// 3D: every particle a floating conductor.
      particles,
      /// 2D macroscopic cross-section: the stream is a charged slab.
      continuum
    };

    enum class ChargingModel
    {
      prescribed_charge,
      prescribed_potential,
      beam,
      field_emission_cap,
      current_balance
    };

    /// The electron beam that charges the particles (physics.md section 4).
    struct Beam
    {
      double tube_voltage;          // V
      double power;                 // W
      double spot_width;            // m, W_CS, along the flight direction x
      double spot_length;           // m, L_CS
      double particle_speed;        // m/s
      double net_charge_per_primary; // q_uP, dimensionless
      /// Where the charge is evaluated, as a fraction of the spot width
      /// from its entry (1 = exit, the worst case).
      double position_in_spot;

      /// j = P / (U W_CS L_CS), A/m^2.
      double
      current_density() const;
      /// Net charging current of a particle, q_uP j pi r_p^2 (A); positive
      /// when the particle charges negatively.
      double
      charging_current(double radius) const;
      /// Q(x) = -q_uP j pi r_p^2 x / v, x the dwell length (clamped to
      /// [0, W_CS]), C.
      double
      deposited_charge(double radius, double dwell_length) const;
    };

    struct Parameters
    {
      static void
      declare(ParameterHandler &prm);
      void
      parse(ParameterHandler &prm);

      std::string output_directory;
      Model       model;

      meshes::StreamLayout   layout;
      meshes::EnclosureShape enclosure_shape;
      double                 enclosure_size; // m
      bool                   guard_electrodes;
      double                 anode_potential; // V

      ChargingModel charging_model;
      double        particle_charge;    // C
      double        particle_potential; // V
      Beam          beam;
      double        field_limit; // V/m
      EmitterSurface emitter;
      double        charge_tolerance;
      unsigned int  max_charge_iterations;

      // Continuum (2D) model.
      double slab_half_width; // m, 0 = half the spot width
      bool   lateral_walls_insulating;

      meshes::StreamMeshSizes mesh_sizes;
      double                  continuum_cell_size; // m

      std::string  linear_algebra;
      unsigned int fe_degree;
      unsigned int mapping_degree;
      double       linear_tolerance;
      unsigned int max_linear_iterations;

      unsigned int profile_points;
    };
  } // namespace stream_potential
} // namespace xray

#endif

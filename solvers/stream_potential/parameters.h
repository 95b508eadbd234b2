// Parameters of the stream potential solver. Every entry documents its
// unit; parse() checks consistency (positive sizes, a charging model that
// fits the model, ...) and throws InputError naming the entry. Geometric
// feasibility (overlaps, gap, enclosure) is checked by the mesh builder.
#ifndef XRAY_STREAM_POTENTIAL_PARAMETERS_H
#define XRAY_STREAM_POTENTIAL_PARAMETERS_H

#include "meshes/particle_stream.h"
#include "stream_potential/field_emission.h"

#include <deal.II/base/parameter_handler.h>

#include <cmath>
#include <string>
#include <utility>
#include <vector>

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

    /// A dimensionless quantity given as one number, or as a function of
    /// the tube voltage U by a table of "U:value" pairs (U in V, strictly
    /// increasing), linear between the nodes:
    ///
    ///   f(U) = f_i + (f_{i+1} - f_i) (U - U_i) / (U_{i+1} - U_i),
    ///   U_i <= U <= U_{i+1}.
    ///
    /// There is no extrapolation: a voltage outside [U_0, U_n] is an input
    /// error. (Unlike TemperatureFunction, which sorts its nodes and holds
    /// the end values beyond them.)
    class TubeVoltageTable
    {
    public:
      /// Parse "0.3" or "30e3:0.45, 80e3:0.35, 132e3:0.3". Throws InputError
      /// naming @p entry (malformed pair, non-finite number, voltages not
      /// strictly increasing).
      static TubeVoltageTable
      parse(const std::string &text, const std::string &entry);

      /// f(U); throws InputError naming the entry and the table's range if
      /// U lies outside it.
      double
      value(double tube_voltage) const;

      bool
      is_constant() const
      {
        return points.size() == 1 && std::isnan(points[0].first);
      }

      /// The table as "U:value, ..." (or the one number).
      std::string
      description() const;

    private:
      /// (U, value) pairs; one pair with U = NaN for a plain number.
      std::vector<std::pair<double, double>> points;
      std::string                            entry;
    };

    /// The electron beam that charges the particles (doc/theory.md
    /// section 2, "Charging by the beam").
    struct Beam
    {
      double tube_voltage;   // V
      double power;          // W
      double spot_width;     // m, W_CS, along the flight direction x
      double spot_length;    // m, L_CS
      double particle_speed; // m/s
      /// q_uP(U) as given (one number or a table in the tube voltage).
      TubeVoltageTable net_charge_table;
      /// q_uP at this tube voltage, dimensionless: the value every formula
      /// below uses.
      double net_charge_per_primary;
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
      /// One line for the log: U and the q_uP used (and its table).
      std::string
      describe() const;
    };

    struct Parameters
    {
      static void
      declare(ParameterHandler &prm);
      void
      parse(ParameterHandler &prm);

      /// Throws InputError if the particle model's mesh cannot fit the
      /// memory of the machine that generates it (rank 0's).
      void
      check_mesh_fits_memory() const;

      /// The charging model takes its charge from the beam (beam, field
      /// emission cap, current balance).
      bool
      uses_beam() const;

      std::string output_directory;
      Model       model;

      meshes::StreamLayout   layout;
      meshes::EnclosureShape enclosure_shape;
      double                 enclosure_size; // m
      bool                   guard_electrodes;
      double                 anode_potential; // V

      ChargingModel charging_model;
      double        particle_charge; // C
      /// V: one value for every particle, or one per particle (in the
      /// order of particles.csv).
      std::vector<double> particle_potentials;
      Beam                beam;
      double              field_limit; // V/m
      EmitterSurface      emitter;
      double              charge_tolerance;
      unsigned int        max_charge_iterations;
      /// Field emission cap: the point-charge model's first guess and
      /// preconditioner (true) or the isolated spheres' (false).
      bool cap_point_charge_model;

      // Continuum (2D) model.
      double slab_half_width; // m, 0 = half the spot width
      bool   lateral_walls_insulating;

      meshes::StreamMeshSizes mesh_sizes;
      double                  continuum_cell_size; // m

      std::string  linear_algebra;
      std::string  preconditioner; // two-level | AMG
      unsigned int fe_degree;
      unsigned int mapping_degree;
      double       linear_tolerance;
      unsigned int max_linear_iterations;

      unsigned int profile_points;
      /// solution.pvd and its pieces (Output/Write fields).
      bool write_fields;

    private:
      // One declare/parse pair per subsection of the input, each pair
      // beside the other so that an entry's default and documentation sit
      // next to the code that reads and checks it. declare() and parse()
      // call them in the order of the sections. By topic:
      // parameters.cc: the top level;
      // parameters_stream.cc: Particles, Enclosure and Continuum;
      // parameters_charging.cc: Charging, Charging/Beam and
      //   Charging/Field emission (with TubeVoltageTable and Beam);
      // parameters_numerics.cc: Mesh, Solver and Output;
      // parameters_checks.cc: the checks across sections.
      // A parse_X() may use what the sections parsed before it have set.
      static void
      declare_top_level(ParameterHandler &prm);
      void
      parse_top_level(ParameterHandler &prm);

      static void
      declare_particles(ParameterHandler &prm);
      void
      parse_particles(ParameterHandler &prm);

      static void
      declare_enclosure(ParameterHandler &prm);
      void
      parse_enclosure(ParameterHandler &prm);

      static void
      declare_charging(ParameterHandler &prm);
      void
      parse_charging(ParameterHandler &prm);

      static void
      declare_beam(ParameterHandler &prm);
      void
      parse_beam(ParameterHandler &prm);

      static void
      declare_field_emission(ParameterHandler &prm);
      void
      parse_field_emission(ParameterHandler &prm);

      static void
      declare_continuum(ParameterHandler &prm);
      void
      parse_continuum(ParameterHandler &prm);

      static void
      declare_mesh(ParameterHandler &prm);
      void
      parse_mesh(ParameterHandler &prm);

      static void
      declare_solver(ParameterHandler &prm);
      void
      parse_solver(ParameterHandler &prm);

      static void
      declare_output(ParameterHandler &prm);
      void
      parse_output(ParameterHandler &prm);

      /// Throws InputError if the sections do not fit together (a
      /// charging model or an enclosure the model does not take, a stream
      /// thickness the layers cannot have).
      void
      check_sections() const;

      /// Entry @p entry of the current subsection @p section as a finite
      /// value > 0 (positive()) or >= 0 (non_negative()), or InputError
      /// naming "section/entry".
      static double
      positive(ParameterHandler  &prm,
               const std::string &entry,
               const std::string &section);
      static double
      non_negative(ParameterHandler  &prm,
                   const std::string &entry,
                   const std::string &section);
    };
  } // namespace stream_potential
} // namespace xray

#endif

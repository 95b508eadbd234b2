// The heat budget of a microparticle stream and of a hybrid target
// (doc/stream-thermal.md, doc/theory.md section 4): the split of the beam
// power between the stream and the anode below it, the lumped stream limit
// and the hybrid limit. Pure functions of their arguments.
#ifndef XRAY_STREAM_THERMAL_HEAT_BUDGET_H
#define XRAY_STREAM_THERMAL_HEAT_BUDGET_H

#include "common/materials.h"

#include <string>
#include <vector>

namespace xray
{
  namespace stream_thermal
  {
    /// Fractions of the incident beam power absorbed by the stream (S_uP)
    /// and by the anode below it (S_anode), and absorbed by the hybrid target
    /// as a whole (1 - eta_E), versus tube voltage U, interpolated linearly
    /// between the rows; a voltage outside the table is an error.
    class EnergySplit
    {
    public:
      struct Fractions
      {
        double stream;
        double anode;
        double absorbed;
      };

      EnergySplit() = default;
      /// Throws InputError (naming @p what) unless the voltages increase and
      /// every fraction lies in [0, 1] and S_uP + S_anode <= 1.
      EnergySplit(std::vector<double> voltages,
                  std::vector<double> stream_fractions,
                  std::vector<double> anode_fractions,
                  std::vector<double> absorbed_fractions,
                  const std::string  &what);

      /// The Monte Carlo split of a 5 um W monolayer over compact W of the
      /// hybrid-target study (doc/theory.md section 4).
      static EnergySplit
      hybrid_target_study();

      /// Throws InputError when @p tube_voltage lies outside the table.
      Fractions
      at(double tube_voltage) const;
      double
      min_voltage() const
      {
        return voltages.front();
      }
      double
      max_voltage() const
      {
        return voltages.back();
      }

    private:
      std::vector<double> voltages, stream, anode, absorbed;
      std::string         what;
    };

    /// Areal number density of the stream, particles per m^2 of the stream
    /// plane: @p packing close-packed monolayers of spheres of radius r,
    /// n_A = packing / (2 sqrt(3) r^2).
    double
    areal_density(double radius, double packing);

    /// Specific heat a particle takes from @p inlet_temperature to
    /// @p limit_temperature, plus the fraction @p molten_fraction of the
    /// latent heat: int c_p dT + s dH_f, J/kg.
    double
    specific_heat_to_limit(const Material &material,
                           double          inlet_temperature,
                           double          limit_temperature,
                           double          molten_fraction);

    /// Lumped stream limit (absorbed power, W): a stream of @p packing
    /// close-packed monolayers crossing a spot of length L_CS at speed v,
    /// every particle at one temperature, absorbs at most
    ///   P_max,uP = packing rho (pi / (3 sqrt 3)) 2 r_p L_CS v dh,
    /// dh = specific_heat_to_limit() (Eq. (4.1) of doc/theory.md).
    double
    lumped_stream_limit(const Material &material,
                        double          radius,
                        double          packing,
                        double          spot_length,
                        double          speed,
                        double          heat_to_limit);

    /// The hybrid limit on the incident power,
    ///   P_max = min(P_max,anode / S_anode, P_max,uP / S_uP),
    /// from absorbed-power limits of the anode and the stream.
    struct HybridLimit
    {
      double      stream_limit; // P_max,uP / S_uP, W (incident)
      double      anode_limit;  // P_max,anode / S_anode, W (incident)
      double      hybrid_limit; // the smaller
      std::string limited_by;   // "stream" or "anode"
    };
    HybridLimit
    hybrid_limit(double                        stream_absorbed_limit,
                 double                        anode_absorbed_limit,
                 const EnergySplit::Fractions &split);
  } // namespace stream_thermal
} // namespace xray

#endif

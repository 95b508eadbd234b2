// The tasks of stream-thermal (doc/stream-thermal.md): one particle crossing
// the spot, the stream limit by root search over the beam power with the
// hybrid limit beside it, and the limit curves versus tube voltage, speed
// and inlet temperature.
#ifndef XRAY_STREAM_THERMAL_STREAM_THERMAL_H
#define XRAY_STREAM_THERMAL_STREAM_THERMAL_H

#include "common/output.h"
#include "stream_thermal/parameters.h"
#include "stream_thermal/particle_heating.h"

#include <nlohmann/json.hpp>

namespace xray
{
  namespace stream_thermal
  {
    /// The stream limit at one operating point.
    struct StreamLimit
    {
      double incident_power; // W, P_max,uP / S_uP by finite elements
      double lumped_power;   // W, the closed form over S_uP
      /// W, the closed form for the modelled particle: over S_uP w_k (its
      /// layer's share; = lumped_power for one layer).
      double       lumped_layer_power;
      Crossing     crossing;    // at the limit
      unsigned int evaluations; // crossings the root search ran
      /// Their Newton iterations and Jacobian factorizations, and the
      /// search's wall time (s): where a limit's time goes.
      unsigned int           newton_iterations = 0, factorizations = 0;
      double                 search_time = 0;
      HybridLimit            hybrid;
      double                 anode_absorbed_limit; // W
      EnergySplit::Fractions split;
    };

    /// The specific heat above the inlet (J/kg) of the point that decides
    /// the limit, continuous and increasing in the beam power (nearly in
    /// proportion), which the secant search relies on:
    ///  * s = 0: int_{T_in}^{T_peak} c_p dT of the hottest point;
    ///  * 0 < s < 1: that up to the melting point plus f dH_f once the
    ///    molten mass fraction f > 0;
    ///  * s = 1 (full melt): the coldest point's, its sensible heat plus its
    ///    own molten fraction's latent heat.
    /// The limit is where it reaches limit_target().
    double
    limit_criterion(const Parameters &parameters, const Crossing &crossing);

    /// int_{T_in}^{T_limit} c_p dT + s dH_f, J/kg (the lumped budget).
    double
    limit_target(const Parameters &parameters);

    /// The closed form of the incident power at the stream limit,
    /// P_max,uP / S_uP, every particle taking the stream's mean share.
    double
    lumped_limit_incident_power(const Parameters &parameters);

    /// Root search over the beam power (secant from the lumped estimate).
    /// Throws SolverError if it does not converge.
    StreamLimit
    find_stream_limit(const Parameters &parameters, ParticleModel &model);

    /// Runs the task of @p parameters; returns the exit status.
    int
    run(const Parameters &parameters, RunOutput &output);
  } // namespace stream_thermal
} // namespace xray

#endif

// The beam's power in time, P(t) (doc/theory.md, "Transient heating"):
//
//  * constant: P(t) = P for t >= 0;
//  * pulsed:   an on/off train of period tau and duty cycle D, on first:
//              P(t) = P for (t mod tau) < D tau, 0 otherwise;
//  * table:    P(t) read from a file of (t in s, P in W) rows, linear
//              between rows, the first and last value held outside them.
//
// A time integrator must not step across a jump of P or a kink of the
// table: next_break() names the next such time.
#ifndef XRAY_ANODE_THERMAL_TIME_PROFILE_H
#define XRAY_ANODE_THERMAL_TIME_PROFILE_H

#include <string>
#include <utility>
#include <vector>

namespace xray
{
  namespace anode_thermal
  {
    class BeamTimeProfile
    {
    public:
      enum class Kind
      {
        constant,
        pulsed,
        table
      };

      /// Constant power @p power (W).
      static BeamTimeProfile
      constant(double power);
      /// On/off train; throws InputError unless period > 0 and
      /// 0 < duty <= 1.
      static BeamTimeProfile
      pulsed(double power, double period, double duty_cycle);
      /// Rows (t, P): times strictly increasing from t >= 0, powers >= 0,
      /// at least one positive. Throws InputError naming @p what.
      static BeamTimeProfile
      table(std::vector<std::pair<double, double>> rows,
            const std::string                     &what);
      /// Read a table file: two columns (t in s, P in W) separated by blanks
      /// or a comma, '#' starts a comment. Throws InputError naming the file
      /// and line of anything malformed.
      static BeamTimeProfile
      read_table(const std::string &file_name);

      Kind
      kind() const
      {
        return profile_kind;
      }
      /// P just after @p t (the value a step starting at t sees), W.
      double
      power_after(double t) const;
      /// P just before @p t (the value a step ending at t sees), W.
      double
      power_before(double t) const;
      /// The largest power of the profile, W: the mesh is adapted for it.
      double
      peak_power() const;
      /// The period tau of a pulse train (duty cycle below 1), else 0: the
      /// profile repeats itself after it.
      double
      repeat_period() const
      {
        return profile_kind == Kind::pulsed && duty_cycle < 1 ? period : 0.;
      }
      /// The first time > @p t at which P jumps or has a kink, or +infinity.
      double
      next_break(double t) const;

    private:
      Kind                                   profile_kind = Kind::constant;
      double                                 power        = 0;
      double                                 period       = 0;
      double                                 duty_cycle   = 1;
      std::vector<std::pair<double, double>> rows;

      /// Table: linear interpolation, ends held.
      double
      interpolate(double t) const;
    };
  } // namespace anode_thermal
} // namespace xray

#endif

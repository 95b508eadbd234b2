// How the particles get their charge: the declare/parse pairs of the
// Charging subsection and of its Beam and Field emission subsections, with
// the beam's charging (Beam) and the tube-voltage tables it reads
// (TubeVoltageTable).
#include "common/errors.h"
#include "stream_potential/parameters.h"

#include <deal.II/base/utilities.h>

#include <boost/math/constants/constants.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <string>

namespace xray
{
  namespace stream_potential
  {
    namespace
    {
      /// A number as the terminal shows it (6 significant digits).
      std::string
      number(const double value)
      {
        std::ostringstream text;
        text << value;
        return text.str();
      }

      /// The whole of @p text as a finite number, or InputError saying why
      /// not (strtod accepts "inf" and "nan", so they are named as such).
      double
      finite_number(const std::string &text)
      {
        const std::string trimmed = Utilities::trim(text);
        char             *end     = nullptr;
        const double      value   = std::strtod(trimmed.c_str(), &end);
        if (trimmed.empty() || end != trimmed.c_str() + trimmed.size())
          throw InputError("\"" + trimmed + "\" is not a number");
        if (!std::isfinite(value))
          throw InputError("\"" + trimmed + "\" is not finite");
        return value;
      }

      /// @p text split at every @p delimiter, empty pieces kept (so that a
      /// stray comma is reported, not skipped).
      std::vector<std::string>
      split(const std::string &text, const char delimiter)
      {
        std::vector<std::string> pieces;
        std::string::size_type   begin = 0, end;
        while ((end = text.find(delimiter, begin)) != std::string::npos)
          {
            pieces.push_back(Utilities::trim(text.substr(begin, end - begin)));
            begin = end + 1;
          }
        pieces.push_back(Utilities::trim(text.substr(begin)));
        return pieces;
      }

      /// "U:value, U:value, ...": U > 0 in V, strictly increasing.
      std::vector<std::pair<double, double>>
      voltage_pairs(const std::string &text)
      {
        std::vector<std::pair<double, double>> points;
        for (const std::string &pair : split(text, ','))
          {
            const std::vector<std::string> parts = split(pair, ':');
            if (parts.size() != 2)
              throw InputError("\"" + pair + "\" is not voltage:value");
            const double voltage = finite_number(parts[0]);
            if (!(voltage > 0))
              throw InputError("voltage " + parts[0] + " must be positive");
            if (!points.empty() && !(voltage > points.back().first))
              throw InputError("voltages must increase: " + parts[0] +
                               " V follows " + number(points.back().first) +
                               " V");
            points.emplace_back(voltage, finite_number(parts[1]));
          }
        return points;
      }
    } // namespace


    TubeVoltageTable
    TubeVoltageTable::parse(const std::string &input, const std::string &entry)
    {
      const std::string text = Utilities::trim(input);
      TubeVoltageTable  table;
      table.entry = entry;
      try
        {
          if (text.find(':') == std::string::npos)
            table.points = {{std::nan(""), finite_number(text)}};
          else
            table.points = voltage_pairs(text);
        }
      catch (const InputError &error)
        {
          throw InputError(entry + " = \"" + text + "\": " + error.what());
        }
      return table;
    }


    double
    TubeVoltageTable::value(const double U) const
    {
      if (is_constant())
        return points[0].second;
      const double low = points.front().first, high = points.back().first;
      if (!(U >= low && U <= high))
        throw InputError(entry + ": the tube voltage " + number(U) +
                         " V is outside the table's range " + number(low) +
                         " V to " + number(high) + " V");
      if (points.size() == 1)
        return points[0].second;
      // The interval [U_i, U_{i+1}] holding U, then
      // f = (1 - t) f_i + t f_{i+1}, t = (U - U_i) / (U_{i+1} - U_i),
      // which is f_i or f_{i+1} exactly at the nodes.
      std::size_t i = 0;
      while (i + 2 < points.size() && U > points[i + 1].first)
        ++i;
      const auto &[U0, f0] = points[i];
      const auto &[U1, f1] = points[i + 1];
      const double t       = (U - U0) / (U1 - U0);
      return (1 - t) * f0 + t * f1;
    }


    std::string
    TubeVoltageTable::description() const
    {
      if (is_constant())
        return number(points[0].second);
      std::string text;
      for (const auto &[U, f] : points)
        text += (text.empty() ? "" : ", ") + number(U) + ":" + number(f);
      return text;
    }


    double
    Beam::current_density() const
    {
      return power / (tube_voltage * spot_width * spot_length);
    }


    double
    Beam::charging_current(const double radius) const
    {
      const double pi = boost::math::constants::pi<double>();
      return net_charge_per_primary * current_density() * pi * radius * radius;
    }


    double
    Beam::deposited_charge(const double radius, const double dwell_length) const
    {
      // doc/theory.md section 2: Q(x) = -e q_uP (j/e) pi r_p^2 x / v.
      const double x = std::clamp(dwell_length, 0., spot_width);
      return -charging_current(radius) * x / particle_speed;
    }


    std::string
    Beam::describe() const
    {
      std::string line = "Beam: U = " + number(tube_voltage) +
                         " V, j = " + number(current_density()) +
                         " A/m^2, q_uP = " + number(net_charge_per_primary);
      if (!net_charge_table.is_constant())
        line +=
          " (linear in U in the table " + net_charge_table.description() + ")";
      return line;
    }


    void
    Parameters::declare_charging(ParameterHandler &prm)
    {
      prm.enter_subsection("Charging");
      {
        prm.declare_entry(
          "Model",
          "prescribed charge",
          Patterns::Selection("prescribed charge|prescribed potential|beam|"
                              "field emission cap|current balance"),
          "How each particle gets its charge. prescribed charge: the same "
          "value for all. prescribed potential: the same value for all, or "
          "one per particle. beam: the charge the beam "
          "deposits while the particle crosses the spot. field emission "
          "cap: the lesser of the beam charge and the charge at which the "
          "particle's peak emitting surface field reaches the field limit, "
          "self-consistently for all particles. current balance: the "
          "lesser of the beam charge and the charge whose emitted current "
          "(Murphy-Good field emission, with Thermally assisted also "
          "thermionic emission, retarded where the surface field pushes "
          "electrons back) equals the beam's net charging current, "
          "self-consistently for all particles (Newton); a particle whose "
          "zero-field thermionic current exceeds it ends at a positive "
          "charge (thermionically_limited in particles.csv). "
          "The continuum model takes prescribed charge or beam.");
        prm.declare_entry("Particle charge",
                          "-1e-13",
                          Patterns::Double(),
                          "Charge per particle in C (prescribed charge).");
        prm.declare_entry("Particle potential",
                          "-10",
                          Patterns::Anything(),
                          "Potential of the particles in V (prescribed "
                          "potential): one value for all, or a "
                          "comma-separated list with one value per particle "
                          "in the order of particles.csv.");
        prm.declare_entry("Relative tolerance",
                          "1e-6",
                          Patterns::Double(0),
                          "Charge iteration stops when no particle charge "
                          "(and no guard potential) changes by more than "
                          "this fraction of the largest one, "
                          "dimensionless.");
        prm.declare_entry("Maximum iterations",
                          "200",
                          Patterns::Integer(1),
                          "Most charge iterations before the run fails, "
                          "dimensionless.");
        prm.declare_entry(
          "Cap preconditioner",
          "point charges",
          Patterns::Selection("point charges|isolated spheres"),
          "How the field emission cap's Newton iteration guesses the "
          "coupling of the particles (the answer does not depend on it, "
          "only the number of PDE solves). point charges: every particle a "
          "point charge at its centre with its image in the anode plane, "
          "polarised by the others' field; the cap solved on this model "
          "gives the first guess, and its dense Jacobian, with the "
          "responses of the earlier steps, gives each Newton step (PDE "
          "products only where a step fails to halve the residual). "
          "isolated spheres: each particle alone (the "
          "diagonal -4 pi eps0 r^2), the first guess the lesser of the beam "
          "charge and the isolated sphere's charge at the field limit, "
          "every Newton step solved by GCR with PDE products.");
      }
      // Its subsections.
      declare_beam(prm);
      declare_field_emission(prm);
      prm.leave_subsection();
    }


    void
    Parameters::parse_charging(ParameterHandler &prm)
    {
      prm.enter_subsection("Charging");
      {
        const std::string name = prm.get("Model");
        charging_model =
          name == "prescribed charge"    ? ChargingModel::prescribed_charge :
          name == "prescribed potential" ? ChargingModel::prescribed_potential :
          name == "beam"                 ? ChargingModel::beam :
          name == "field emission cap"   ? ChargingModel::field_emission_cap :
                                           ChargingModel::current_balance;
        particle_charge = prm.get_double("Particle charge");
        if (!std::isfinite(particle_charge))
          throw InputError("Charging/Particle charge must be finite");
        const std::string potentials = prm.get("Particle potential");
        try
          {
            particle_potentials.clear();
            for (const std::string &value : split(potentials, ','))
              particle_potentials.push_back(finite_number(value));
          }
        catch (const InputError &error)
          {
            throw InputError("Charging/Particle potential = \"" + potentials +
                             "\": " + error.what());
          }
        charge_tolerance      = prm.get_double("Relative tolerance");
        max_charge_iterations = prm.get_integer("Maximum iterations");
        cap_point_charge_model =
          prm.get("Cap preconditioner") == "point charges";
      }
      // Its subsections.
      parse_beam(prm);
      parse_field_emission(prm);
      prm.leave_subsection();
    }


    void
    Parameters::declare_beam(ParameterHandler &prm)
    {
      prm.enter_subsection("Beam");
      {
        prm.declare_entry("Tube voltage",
                          "132e3",
                          Patterns::Double(),
                          "Tube voltage U in V (where a Net charge per "
                          "primary table is evaluated).");
        prm.declare_entry("Beam power",
                          "46.2e3",
                          Patterns::Double(),
                          "Beam power P in W.");
        prm.declare_entry("Spot width",
                          "450e-6",
                          Patterns::Double(),
                          "Spot width W_CS in m, along the flight "
                          "direction x.");
        prm.declare_entry("Spot length",
                          "4670e-6",
                          Patterns::Double(),
                          "Spot length L_CS in m.");
        prm.declare_entry("Particle speed",
                          "100",
                          Patterns::Double(),
                          "Particle speed v in m/s.");
        prm.declare_entry(
          "Net charge per primary",
          "0.3",
          Patterns::Anything(),
          "q_uP: net charge a particle keeps per incident primary "
          "electron, in units of -e (backscatter and secondary emission "
          "removed; from Monte Carlo, typically 0.1-0.5; negative values "
          "charge positively), dimensionless. One number, or a function "
          "of the tube voltage as a table of voltage:value pairs (V, "
          "strictly increasing), e.g. \"30e3:0.45, 80e3:0.35, "
          "132e3:0.3\", linear between the pairs; Tube voltage must lie "
          "inside the table's range. summary.json and the log report the "
          "value used (net_charge_per_primary).");
        prm.declare_entry(
          "Position in spot",
          "1",
          Patterns::Double(0, 1),
          "Where across the spot the charges are evaluated, as a fraction "
          "of the spot width from the entry (1 = the exit, the worst case). "
          "The patch is centred there; each particle's dwell length is "
          "this position plus its own x, clamped to [0, W_CS], "
          "dimensionless.");
      }
      prm.leave_subsection();
    }


    void
    Parameters::parse_beam(ParameterHandler &prm)
    {
      prm.enter_subsection("Beam");
      {
        const std::string s = "Charging/Beam";
        beam.tube_voltage   = positive(prm, "Tube voltage", s);
        beam.power          = positive(prm, "Beam power", s);
        beam.spot_width     = positive(prm, "Spot width", s);
        beam.spot_length    = positive(prm, "Spot length", s);
        beam.particle_speed = positive(prm, "Particle speed", s);
        beam.net_charge_table =
          TubeVoltageTable::parse(prm.get("Net charge per primary"),
                                  s + "/Net charge per primary");
        beam.net_charge_per_primary =
          beam.net_charge_table.value(beam.tube_voltage);
        beam.position_in_spot = prm.get_double("Position in spot");
      }
      prm.leave_subsection();
    }


    void
    Parameters::declare_field_emission(ParameterHandler &prm)
    {
      prm.enter_subsection("Field emission");
      {
        prm.declare_entry("Field limit",
                          "1e9",
                          Patterns::Double(),
                          "E_lim in V/m: the largest emitting surface field "
                          "a particle may have (field emission cap).");
        prm.declare_entry("Work function",
                          "4.5",
                          Patterns::Double(),
                          "Work function in eV (4.5 for W).");
        prm.declare_entry("Field enhancement factor",
                          "1",
                          Patterns::Double(),
                          "beta >= 1: local field = beta x macroscopic "
                          "surface field (roughness), dimensionless.");
        prm.declare_entry("Particle temperature",
                          "300",
                          Patterns::Double(),
                          "Particle temperature T_p in K (thermally "
                          "assisted emission only).");
        prm.declare_entry("Thermally assisted",
                          "false",
                          Patterns::Bool(),
                          "Add the Murphy-Good thermal correction and "
                          "Richardson-Dushman-Schottky emission at T_p, "
                          "and thermionic emission against a retarding "
                          "surface field (barrier |E| r_p, escaping "
                          "fraction (1 + x) exp(-x)).");
      }
      prm.leave_subsection();
    }


    void
    Parameters::parse_field_emission(ParameterHandler &prm)
    {
      prm.enter_subsection("Field emission");
      {
        const std::string s      = "Charging/Field emission";
        field_limit              = positive(prm, "Field limit", s);
        emitter.work_function_eV = prm.get_double("Work function");
        emitter.field_enhancement_factor =
          prm.get_double("Field enhancement factor");
        emitter.temperature_K      = prm.get_double("Particle temperature");
        emitter.thermally_assisted = prm.get_bool("Thermally assisted");
        emitter.check();
      }
      prm.leave_subsection();
    }
  } // namespace stream_potential
} // namespace xray

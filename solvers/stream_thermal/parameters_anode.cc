// The anode below the stream and the hybrid limit: the declare/parse pairs
// of the Anode and Limit curves subsections, with what the anode absorbs
// at its limit (anode_absorbed_limit()).
#include "common/electron_deposition.h"
#include "common/errors.h"
#include "common/file_checks.h"
#include "stream_thermal/parameters.h"

#include <deal.II/base/utilities.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <string>

namespace xray
{
  namespace stream_thermal
  {
    namespace
    {
      /// max_permissible_absorbed_power_W of the summary.json
      /// @p summary_file of an anode-thermal maximum-power run (for
      /// Anode/Limit = anode-thermal summary).
      double
      summary_absorbed_power_limit(const std::string &summary_file)
      {
        const std::string where = "Anode/";
        check_regular_if_present(summary_file,
                                 where + "Summary file = " + summary_file);
        std::ifstream file(summary_file);
        if (summary_file.empty() || !file)
          throw InputError(where + "Summary file = \"" + summary_file +
                           "\" cannot be read");
        nlohmann::json summary;
        try
          {
            summary = nlohmann::json::parse(file);
          }
        catch (const std::exception &)
          {
            throw InputError(where + "Summary file " + summary_file +
                             " is not valid JSON");
          }
        const auto entry = summary.find("max_permissible_absorbed_power_W");
        if (entry == summary.end() || !entry->is_number() ||
            !(entry->get<double>() > 0))
          throw InputError(where + "Summary file " + summary_file +
                           " holds no max_permissible_absorbed_power_W "
                           "(run anode-thermal with Task = maximum power)");
        return entry->get<double>();
      }
    } // namespace


    void
    Parameters::declare_anode(ParameterHandler &prm)
    {
      prm.enter_subsection("Anode");
      {
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
      }
      prm.leave_subsection();
    }


    void
    Parameters::parse_anode(ParameterHandler &prm)
    {
      const std::string where = "Anode/";
      prm.enter_subsection("Anode");
      {
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
              throw InputError(
                where + "Energy backscatter fraction = \"" + anode_backscatter +
                "\": expected \"formula\" or a number in [0, 1)");
          }
        anode_absorbed_power_limit =
          positive(prm, "Absorbed power limit", where);
        anode_summary_file = Utilities::trim(prm.get("Summary file"));
        reference_power    = positive(prm, "Reference power", where);
      }
      prm.leave_subsection();
      if (anode_limit == AnodeLimit::anode_thermal_summary)
        anode_absorbed_power_limit =
          summary_absorbed_power_limit(anode_summary_file);
    }


    void
    Parameters::declare_limit_curves(ParameterHandler &prm)
    {
      prm.enter_subsection("Limit curves");
      {
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
      }
      prm.leave_subsection();
    }


    void
    Parameters::parse_limit_curves(ParameterHandler &prm)
    {
      const std::string where = "Limit curves/";
      prm.enter_subsection("Limit curves");
      {
        curve_voltages = number_list(prm, "Tube voltages", where);
        curve_speeds   = number_list(prm, "Speeds", where);
        curve_inlet_temperatures =
          number_list(prm, "Inlet temperatures", where);
      }
      prm.leave_subsection();
      if (task == Task::limit_curves)
        {
          if (curve_voltages.empty() || curve_speeds.empty() ||
              curve_inlet_temperatures.empty())
            throw InputError(where + "every list needs at least one value");
          for (const double U : curve_voltages)
            if (!(U >= split.min_voltage() && U <= split.max_voltage()))
              throw InputError(
                where + "Tube voltages: " + Utilities::to_string(U) +
                " V lies outside Energy split (" +
                Utilities::to_string(split.min_voltage()) + " to " +
                Utilities::to_string(split.max_voltage()) + " V)");
          for (const double T0 : curve_inlet_temperatures)
            if (!(T0 < temperature_limit))
              throw InputError(
                where + "Inlet temperatures: " + Utilities::to_string(T0) +
                " K is not below the temperature limit " +
                Utilities::to_string(temperature_limit) + " K");
        }
      else
        split.at(tube_voltage);
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
  } // namespace stream_thermal
} // namespace xray

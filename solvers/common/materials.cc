#include "common/materials.h"

#include "common/command_line.h"

#include <deal.II/base/function_parser.h>
#include <deal.II/base/point.h>
#include <deal.II/base/utilities.h>

#include <boost/math/quadrature/gauss_kronrod.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <iostream>
#include <limits>
#include <map>
#include <sstream>

namespace xray
{
  namespace
  {
    constexpr double no_value = std::numeric_limits<double>::quiet_NaN();
  }

  TemperatureFunction
  TemperatureFunction::constant(const double value)
  {
    TemperatureFunction f;
    f.value_function      = [value](double) { return value; };
    f.derivative_function = [](double) { return 0.0; };
    f.constant_value      = true;
    f.text                = Utilities::to_string(value);
    return f;
  }

  TemperatureFunction
  TemperatureFunction::table(std::vector<std::pair<double, double>> points)
  {
    if (points.empty())
      throw InputError("empty (T, value) table");
    std::sort(points.begin(), points.end());
    for (unsigned int i = 1; i < points.size(); ++i)
      if (points[i].first == points[i - 1].first)
        throw InputError("table repeats the temperature " +
                         Utilities::to_string(points[i].first) + " K");
    if (points.size() == 1)
      return constant(points[0].second);

    // Index of the interval [T_i, T_{i+1}] holding T (clamped at the ends).
    auto interval = [points](double T) -> int {
      if (T <= points.front().first)
        return -1;
      if (T >= points.back().first)
        return static_cast<int>(points.size()) - 1;
      const auto upper = std::upper_bound(points.begin(),
                                          points.end(),
                                          std::make_pair(T, -HUGE_VAL));
      return static_cast<int>(upper - points.begin()) - 1;
    };
    TemperatureFunction f;
    f.value_function = [points, interval](double T) {
      const int i = interval(T);
      if (i < 0)
        return points.front().second;
      if (i >= static_cast<int>(points.size()) - 1)
        return points.back().second;
      const auto &[T0, f0] = points[i];
      const auto &[T1, f1] = points[i + 1];
      return f0 + (f1 - f0) * (T - T0) / (T1 - T0);
    };
    f.derivative_function = [points, interval](double T) {
      const int i = interval(T);
      if (i < 0 || i >= static_cast<int>(points.size()) - 1)
        return 0.0;
      return (points[i + 1].second - points[i].second) /
             (points[i + 1].first - points[i].first);
    };
    std::ostringstream text;
    for (unsigned int i = 0; i < points.size(); ++i)
      text << (i ? ", " : "") << points[i].first << ":" << points[i].second;
    f.text = text.str();
    return f;
  }

  TemperatureFunction
  TemperatureFunction::power_law(const double reference_value,
                                 const double reference_temperature,
                                 const double exponent)
  {
    TemperatureFunction f;
    f.value_function = [=](double T) {
      return reference_value * std::pow(T / reference_temperature, exponent);
    };
    f.derivative_function = [=](double T) {
      return reference_value * exponent / reference_temperature *
             std::pow(T / reference_temperature, exponent - 1);
    };
    std::ostringstream text;
    text << reference_value << "*(T/" << reference_temperature << ")^"
         << exponent;
    f.text = text.str();
    return f;
  }

  TemperatureFunction
  TemperatureFunction::formula(std::function<double(double)> value,
                               std::function<double(double)> derivative,
                               std::string                   description)
  {
    TemperatureFunction f;
    f.value_function      = std::move(value);
    f.derivative_function = std::move(derivative);
    f.text                = std::move(description);
    return f;
  }

  TemperatureFunction
  TemperatureFunction::expression(const std::string &expression)
  {
    auto parser = std::make_shared<FunctionParser<1>>();
    // The parser library reports a syntax error on std::cerr, over five
    // lines, before deal.II throws: keep that off the terminal (the error
    // line below says it once).
    std::ostringstream parser_report;
    std::streambuf    *terminal = std::cerr.rdbuf(parser_report.rdbuf());
    try
      {
        parser->initialize("T", expression, {{"pi", M_PI}});
        parser->value(Point<1>(300.)); // reveals unknown names early
      }
    catch (const ExceptionBase &exception)
      {
        std::cerr.rdbuf(terminal);
        std::ostringstream info;
        exception.print_info(info);
        // deal.II's text starts "Parsing Error at Column <error code>": only
        // what the parser said (with the right position) is worth showing.
        std::string       said  = one_line(info.str());
        const std::string token = "The parser said: ";
        if (const auto at = said.find(token); at != std::string::npos)
          said = said.substr(at + token.size());
        throw InputError("cannot parse the expression \"" + expression +
                         "\" in T: " + said);
      }
    std::cerr.rdbuf(terminal);
    TemperatureFunction f;
    f.value_function = [parser](double T) {
      return parser->value(Point<1>(T));
    };
    // Central difference with a step well above round-off and well below
    // the scale on which material data vary (kelvins).
    f.derivative_function = [parser](double T) {
      const double dT = 1e-3 * std::max(1.0, std::abs(T));
      return (parser->value(Point<1>(T + dT)) -
              parser->value(Point<1>(T - dT))) /
             (2 * dT);
    };
    f.text = expression;
    return f;
  }

  TemperatureFunction
  TemperatureFunction::parse(const std::string &input, const std::string &what)
  {
    const std::string text = Utilities::trim(input);
    try
      {
        if (text.empty())
          throw InputError("empty");
        if (text.find(':') != std::string::npos)
          {
            std::vector<std::pair<double, double>> points;
            for (const auto &pair : Utilities::split_string_list(text, ','))
              {
                const auto parts = Utilities::split_string_list(pair, ':');
                if (parts.size() != 2)
                  throw InputError("\"" + pair + "\" is not T:value");
                points.emplace_back(Utilities::string_to_double(parts[0]),
                                    Utilities::string_to_double(parts[1]));
              }
            return table(points);
          }
        try
          {
            return constant(Utilities::string_to_double(text));
          }
        catch (const ExceptionBase &)
          {
            return expression(text);
          }
      }
    catch (const InputError &error)
      {
        throw InputError(what + " = \"" + text + "\": " + error.what());
      }
    catch (const ExceptionBase &exception)
      {
        std::ostringstream info;
        exception.print_info(info);
        throw InputError(what + " = \"" + text + "\": " + one_line(info.str()));
      }
  }

  double
  TemperatureFunction::integral(const double T0, const double T1) const
  {
    if (constant_value)
      return value(T0) * (T1 - T0);
    return boost::math::quadrature::gauss_kronrod<double, 31>::integrate(
      value_function, T0, T1, 15, 1e-13);
  }

  Enthalpy::Enthalpy(const TemperatureFunction &c_p, const double T_ref)
    : reference(T_ref)
  {
    if (c_p.is_constant())
      {
        constant_heat_capacity = c_p.value(T_ref);
        return;
      }
    const unsigned int n = 4000; // 1 K ... 8001 K
    nodes_H.resize(n);
    nodes_c.resize(n);
    double H = 0;
    for (unsigned int i = 0; i < n; ++i)
      {
        const double T = first_node + i * spacing;
        if (i > 0)
          H += c_p.integral(T - spacing, T);
        nodes_H[i] = H;
        nodes_c[i] = c_p.value(T);
      }
    // Shift so that H(T_ref) = 0 (through the interpolant itself).
    const double offset = value(T_ref);
    for (double &h : nodes_H)
      h -= offset;
  }

  std::pair<unsigned int, double>
  Enthalpy::locate(const double T) const
  {
    const double x = (T - first_node) / spacing;
    const double i = std::clamp(std::floor(x), 0., double(nodes_H.size() - 2));
    return {static_cast<unsigned int>(i), x - i};
  }

  double
  Enthalpy::value(const double T) const
  {
    if (constant_heat_capacity > 0)
      return constant_heat_capacity * (T - reference);
    const double T_first = first_node;
    const double T_last  = first_node + (nodes_H.size() - 1) * spacing;
    if (T < T_first)
      return nodes_H.front() + nodes_c.front() * (T - T_first);
    if (T > T_last)
      return nodes_H.back() + nodes_c.back() * (T - T_last);
    const auto [i, s] = locate(T);
    // Cubic Hermite basis on [0, 1].
    const double h00 = (1 + 2 * s) * (1 - s) * (1 - s),
                 h10 = s * (1 - s) * (1 - s);
    const double h01 = s * s * (3 - 2 * s), h11 = s * s * (s - 1);
    return h00 * nodes_H[i] + h10 * spacing * nodes_c[i] +
           h01 * nodes_H[i + 1] + h11 * spacing * nodes_c[i + 1];
  }

  double
  Enthalpy::heat_capacity(const double T) const
  {
    if (constant_heat_capacity > 0)
      return constant_heat_capacity;
    const double T_last = first_node + (nodes_H.size() - 1) * spacing;
    if (T < first_node)
      return nodes_c.front();
    if (T > T_last)
      return nodes_c.back();
    const auto [i, s] = locate(T);
    const double d00 = 6 * s * (s - 1), d10 = (1 - s) * (1 - 3 * s);
    const double d01 = -6 * s * (s - 1), d11 = s * (3 * s - 2);
    return (d00 * nodes_H[i] + d01 * nodes_H[i + 1]) / spacing +
           d10 * nodes_c[i] + d11 * nodes_c[i + 1];
  }


  bool
  Material::melts() const
  {
    return !std::isnan(melting_point);
  }


  namespace
  {
    // Tungsten: P. Tolias, Nucl. Mater. Energy 13 (2017) 42-57. Solid
    // conductivity in W/(m K) and heat capacity per mole, T in K.
    // The fit describes the solid: above the melting point (3695 K) it is
    // held at its melting-point value, since the cubic turns negative near
    // 9000 K and a Newton iterate passing there would see k < 0.
    constexpr double tungsten_melting_point = 3695;
    double
    tungsten_conductivity(double T)
    {
      T = std::min(T, tungsten_melting_point);
      return 149.441 - 45.466e-3 * T + 13.193e-6 * T * T -
             1.484e-9 * T * T * T + 3.866e6 / (T * T);
    }
    double
    tungsten_conductivity_derivative(const double T)
    {
      if (T > tungsten_melting_point)
        return 0;
      return -45.466e-3 + 2 * 13.193e-6 * T - 3 * 1.484e-9 * T * T -
             2 * 3.866e6 / (T * T * T);
    }
    double
    tungsten_heat_capacity(const double T)
    {
      constexpr double molar_mass = 183.84e-3; // kg/mol
      double           c_molar;                // J/(mol K)
      if (T < 3080)
        c_molar = 21.868372 + 8.068661e-3 * T - 3.756196e-6 * T * T +
                  1.075862e-9 * T * T * T + 1.406637e4 / (T * T);
      else if (T < 3695)
        c_molar = 2.022 + 1.315e-2 * T;
      else
        c_molar = 51.3; // liquid
      return c_molar / molar_mass;
    }

    /// A c_p table per mole, J/(mol K), as the sources give it, per kilogram:
    /// divided by the molar mass (atomic mass in g/mol).
    std::vector<std::pair<double, double>>
    per_kilogram(std::vector<std::pair<double, double>> molar_heat_capacity,
                 const double                           atomic_mass)
    {
      for (auto &[T, c] : molar_heat_capacity)
        c /= atomic_mass * 1e-3;
      return molar_heat_capacity;
    }

    Material
    metal(const std::string                     &name,
          std::vector<std::pair<double, double>> conductivity,
          std::vector<std::pair<double, double>> molar_heat_capacity,
          const std::string                     &heat_capacity_source,
          const double                           density,
          const double                           melting_point,
          const double                           backscatter,
          const double                           atomic_number,
          const double                           atomic_mass,
          const double                           molar_latent_heat)
    {
      Material m;
      m.name   = name;
      m.source = "k: CRC Handbook (Ho, Powell, Liley 1974); c_p: " +
                 heat_capacity_source + "; backscatter: Reimer 1998 estimate";
      m.conductivity  = TemperatureFunction::table(conductivity);
      m.heat_capacity = TemperatureFunction::table(
        per_kilogram(std::move(molar_heat_capacity), atomic_mass));
      m.density                     = density;
      m.melting_point               = melting_point;
      m.temperature_limit           = melting_point;
      m.energy_backscatter_fraction = backscatter;
      m.atomic_number               = atomic_number;
      m.atomic_mass                 = atomic_mass;
      m.latent_heat                 = molar_latent_heat / (atomic_mass * 1e-3);
      return m;
    }

    Material
    diamond(const std::string &name,
            const double       k300,
            const double       exponent,
            const std::string &source)
    {
      Material m;
      m.name   = name;
      m.source = source + "; c_p: SGTE unary database 5.1 (Dinsdale 1991)";
      m.conductivity = TemperatureFunction::power_law(k300, 300., exponent);
      // Diamond c_p in J/(mol K), 300-2000 K: SGTE unary database (version
      // 5.1, 2010; the DIAMOND_A4 Gibbs energy of C, descended from Dinsdale,
      // CALPHAD 15 (1991) 317), c_p = -T d^2G/dT^2, tabulated densely enough
      // that linear interpolation stays within 0.3 %. Over 300-1073 K it is
      // within 1.1 % of the Debye function (Theta = 1860 K) that Victor (1962)
      // fitted to his drop-calorimetry data on gem diamonds.
      const std::vector<std::pair<double, double>> molar_heat_capacity = {
        {300, 6.193},   {325, 7.210},   {350, 8.240},   {375, 9.253},
        {400, 10.228},  {450, 12.025},  {500, 13.595},  {550, 14.948},
        {600, 16.110},  {650, 17.109},  {700, 17.970},  {800, 19.368},
        {900, 20.444},  {1000, 21.291}, {1100, 21.975}, {1200, 22.538},
        {1400, 23.415}, {1600, 24.076}, {1800, 24.601}, {2000, 25.038}};
      m.atomic_mass   = 12.011;
      m.heat_capacity = TemperatureFunction::table(
        per_kilogram(molar_heat_capacity, m.atomic_mass));
      m.density       = 3515;
      m.melting_point = no_value;
      // Graphitisation in vacuum sets in from ~1800-2000 K (doc/theory.md,
      // section 3).
      m.temperature_limit           = 1800;
      m.energy_backscatter_fraction = no_value;
      m.atomic_number               = 6;
      return m;
    }
  } // namespace


  MaterialLibrary::MaterialLibrary()
  {
    Material tungsten;
    tungsten.name   = "W";
    tungsten.source = "P. Tolias, Nucl. Mater. Energy 13 (2017) 42-57";
    tungsten.conductivity =
      TemperatureFunction::formula(tungsten_conductivity,
                                   tungsten_conductivity_derivative,
                                   "Tolias (2017) solid-W fit");
    tungsten.heat_capacity = TemperatureFunction::formula(
      tungsten_heat_capacity,
      [](double T) {
        const double dT = 1e-3 * T;
        return (tungsten_heat_capacity(T + dT) -
                tungsten_heat_capacity(T - dT)) /
               (2 * dT);
      },
      "Tolias (2017) fit");
    tungsten.density                     = 19250;
    tungsten.melting_point               = tungsten_melting_point;
    tungsten.temperature_limit           = tungsten_melting_point;
    tungsten.energy_backscatter_fraction = 0.33; // 0.30-0.37 (Reimer 1998)
    tungsten.atomic_number               = 74;
    tungsten.atomic_mass                 = 183.84;
    // Enthalpies of fusion, J/mol, of every metal here: CRC Handbook of
    // Chemistry and Physics (97th ed., 2016), "Enthalpy of fusion".
    tungsten.latent_heat = 52.31e3 / (tungsten.atomic_mass * 1e-3);
    add(tungsten);

    // k in W/(m K) at 300/600/1000/1500 K. c_p per mole, J/(mol K), from
    // 300 K to the melting point (the solid), then the liquid 1 K above it
    // (a table cannot jump; beyond its end c_p stays at the liquid value).
    // Cu, Mo, Cr: the rows of the NIST-JANAF tables (Chase, J. Phys. Chem.
    // Ref. Data Monograph 9, 1998) for the crystal and the liquid.
    add(metal("Mo",
              {{300, 138}, {600, 126}, {1000, 112}, {1500, 98}},
              {{300, 23.958},  {350, 24.580},  {400, 25.080},  {450, 25.500},
               {500, 25.850},  {600, 26.460},  {700, 26.980},  {800, 27.440},
               {900, 27.890},  {1000, 28.370}, {1100, 28.900}, {1200, 29.490},
               {1300, 30.140}, {1400, 30.860}, {1500, 31.650}, {1600, 32.500},
               {1700, 33.420}, {1800, 34.420}, {1900, 35.490}, {2000, 36.650},
               {2100, 37.900}, {2200, 39.240}, {2300, 40.670}, {2400, 42.210},
               {2500, 43.890}, {2600, 45.880}, {2700, 48.370}, {2800, 51.570},
               {2896, 54.835}, {2897, 37.656}},
              "NIST-JANAF (Chase 1998)",
              10220,
              2896,
              0.24,
              42,
              95.95,
              37.48e3));
    add(metal("Cu",
              {{300, 401}, {600, 379}, {1000, 352}},
              {{300, 24.462},
               {350, 24.975},
               {400, 25.318},
               {450, 25.686},
               {500, 25.912},
               {600, 26.481},
               {700, 26.996},
               {800, 27.494},
               {900, 28.049},
               {1000, 28.662},
               {1100, 29.479},
               {1200, 30.519},
               {1300, 32.143},
               {1358, 33.353},
               {1359, 32.844}},
              "NIST-JANAF (Chase 1998)",
              8960,
              1357.8,
              0.17,
              29,
              63.546,
              13.26e3));
    // Ag: the NASA Glenn polynomials of Ag(cr) and Ag(L) (McBride, Zehe &
    // Gordon, NASA/TP-2002-211556), fitted to CODATA Key Values for
    // Thermodynamics (Cox, Wagman & Medvedev 1989); within 0.1 % of them
    // between the 100 K rows.
    add(metal("Ag",
              {{300, 429}, {600, 412}, {1000, 379}},
              {{300, 25.359},
               {400, 25.810},
               {500, 26.350},
               {600, 26.976},
               {700, 27.640},
               {800, 28.315},
               {900, 28.989},
               {1000, 29.665},
               {1100, 30.345},
               {1200, 31.034},
               {1234.9, 31.277},
               {1235.9, 33.400}},
              "CODATA (Cox 1989) via NASA Glenn coefficients (McBride 2002)",
              10490,
              1234.9,
              0.26,
              47,
              107.87,
              11.28e3));
    // Rh: SGTE unary database (Dinsdale, CALPHAD 15 (1991) 317), FCC_A1 and
    // liquid, c_p = -T d^2G/dT^2; within 0.3 % between the rows.
    add(metal("Rh",
              {{300, 150}, {600, 135}, {1000, 121}, {1500, 110}},
              {{300, 24.922},  {350, 25.626},  {400, 26.220},  {450, 26.752},
               {500, 27.247},  {600, 28.180},  {700, 29.078},  {800, 29.967},
               {900, 30.860},  {1000, 31.763}, {1100, 32.679}, {1200, 33.610},
               {1300, 34.629}, {1400, 35.693}, {1500, 36.833}, {1600, 38.074},
               {1700, 39.435}, {1800, 40.930}, {1900, 42.567}, {2000, 44.355},
               {2100, 46.300}, {2200, 48.405}, {2237, 49.225}, {2238, 50.585}},
              "SGTE unary database (Dinsdale 1991)",
              12410,
              2237,
              no_value,
              45,
              102.91,
              26.59e3));
    // Cr: JANAF, whose crystal melts at 2130 K; up to the 2180 K used here
    // the solid follows JANAF's continuation of the crystal table,
    // interpolated between its 2130 K and 2200 K (56.785) rows.
    add(metal("Cr",
              {{300, 94}, {600, 81}, {1000, 65}, {1500, 60}},
              {{300, 23.472},  {311.5, 23.681}, {350, 24.393},  {400, 25.230},
               {450, 25.983},  {500, 26.631},   {600, 27.719},  {700, 28.577},
               {800, 29.434},  {900, 30.501},   {1000, 31.861}, {1100, 33.472},
               {1200, 35.187}, {1300, 37.116},  {1400, 39.125}, {1500, 41.200},
               {1600, 43.329}, {1700, 45.501},  {1800, 47.706}, {1900, 49.944},
               {2000, 52.204}, {2100, 54.488},  {2130, 55.174}, {2180, 56.325},
               {2181, 39.330}},
              "NIST-JANAF (Chase 1998)",
              7190,
              2180,
              no_value,
              24,
              51.996,
              21.0e3));

    add(diamond("diamond-natural",
                2200,
                -1.2,
                "natural type IIa: Olson et al., PRB 47 (1993) 14850"));
    add(diamond("diamond-cvd",
                1800,
                -1.2,
                "CVD thermal grade, lower end of 1800-2000 W/(m K): Element "
                "Six TM180 data sheet"));
    add(diamond("diamond-12c",
                3300,
                -1.4,
                "isotopically enriched 12C 99.9 %: Wei et al., PRL 70 (1993) "
                "3764"));
  }

  void
  MaterialLibrary::add(Material material)
  {
    const std::string name = material.name;
    materials[name]        = std::move(material);
  }

  const Material &
  MaterialLibrary::get(const std::string &name) const
  {
    const auto found = materials.find(name);
    if (found == materials.end())
      {
        std::string known;
        for (const auto &[known_name, material] : materials)
          known += (known.empty() ? "" : ", ") + known_name;
        throw InputError("unknown material '" + name + "' (known: " + known +
                         "; define others in Materials/User material N)");
      }
    return found->second;
  }

  std::vector<std::string>
  MaterialLibrary::names() const
  {
    std::vector<std::string> result;
    for (const auto &[name, material] : materials)
      result.push_back(name);
    return result;
  }

  void
  MaterialLibrary::declare_parameters(ParameterHandler &prm)
  {
    prm.enter_subsection("Materials");
    for (unsigned int n = 1; n <= n_user_materials; ++n)
      {
        prm.enter_subsection("User material " + std::to_string(n));
        prm.declare_entry(
          "Name",
          "",
          Patterns::Anything(),
          "Name by which layers refer to this material. Empty: slot unused. "
          "A built-in name (W, Mo, Cu, Ag, Rh, Cr, diamond-natural, "
          "diamond-cvd, diamond-12c) replaces the built-in data.");
        prm.declare_entry(
          "Thermal conductivity",
          "100",
          Patterns::Anything(),
          "Thermal conductivity k(T) in W/(m K), T in K. One of: a constant "
          "(\"401\"); a table of T:k pairs, interpolated linearly and held "
          "constant beyond its ends (\"300:401, 600:379, 1000:352\"); an "
          "expression in T (\"2200*(T/300)^-1.2\").");
        prm.declare_entry("Heat capacity",
                          "0",
                          Patterns::Anything(),
                          "Specific heat capacity c_p(T) in J/(kg K), same "
                          "forms as the conductivity.");
        prm.declare_entry("Density",
                          "0",
                          Patterns::Double(0),
                          "Density in kg/m^3.");
        prm.declare_entry("Melting point",
                          "none",
                          Patterns::Anything(),
                          "Melting point in K, or \"none\" for a material "
                          "that does not melt.");
        prm.declare_entry("Latent heat of fusion",
                          "unknown",
                          Patterns::Anything(),
                          "Latent heat of fusion in J/kg, or \"unknown\": "
                          "needed where a solver lets the material melt "
                          "(stream-thermal).");
        prm.declare_entry(
          "Temperature limit",
          "melting point",
          Patterns::Anything(),
          "Design temperature limit in K used by the maximum-power search, "
          "or \"melting point\".");
        prm.declare_entry(
          "Energy backscatter fraction",
          "unknown",
          Patterns::Anything(),
          "Fraction of the incident electron energy backscattered when this "
          "material is the heated face (0 to 1), or \"unknown\".");
        prm.declare_entry("Atomic number",
                          "unknown",
                          Patterns::Anything(),
                          "Atomic number Z (mean Z of a compound), or "
                          "\"unknown\": needed by the electron range "
                          "(depth-dose heating) and the backscatter formula.");
        prm.declare_entry("Atomic mass",
                          "unknown",
                          Patterns::Anything(),
                          "Atomic mass A in g/mol, or \"unknown\": needed by "
                          "the electron range (depth-dose heating).");
        prm.leave_subsection();
      }
    prm.leave_subsection();
  }

  namespace
  {
    /// A number, or NaN for the given keyword; throws InputError otherwise.
    double
    number_or(const std::string &text,
              const std::string &keyword,
              const double       keyword_value,
              const std::string &what)
    {
      const std::string trimmed = Utilities::trim(text);
      if (trimmed == keyword)
        return keyword_value;
      try
        {
          return Utilities::string_to_double(trimmed);
        }
      catch (const ExceptionBase &)
        {
          throw InputError(what + " = \"" + trimmed +
                           "\": expected a number or \"" + keyword + "\"");
        }
    }
  } // namespace

  namespace
  {
    /// The entries of a user-material slot besides its Name.
    constexpr std::array<const char *, 9> slot_entries{
      {"Thermal conductivity",
       "Heat capacity",
       "Density",
       "Melting point",
       "Latent heat of fusion",
       "Temperature limit",
       "Energy backscatter fraction",
       "Atomic number",
       "Atomic mass"}};

    /// Their defaults, as declare_parameters() declares them (read from a
    /// handler once: every parse checks every unused slot).
    const std::map<std::string, std::string> &
    slot_defaults()
    {
      static const std::map<std::string, std::string> defaults = [] {
        ParameterHandler prm;
        MaterialLibrary::declare_parameters(prm);
        prm.enter_subsection("Materials");
        prm.enter_subsection("User material 1");
        std::map<std::string, std::string> values;
        for (const char *entry : slot_entries)
          values[entry] = prm.get(entry);
        return values;
      }();
      return defaults;
    }

    /// A slot without a Name is never read, so an entry set there (a
    /// material whose Name line was forgotten) would be ignored without a
    /// word. Throws InputError naming the first entry that differs from its
    /// default; @p prm is inside the slot's subsection.
    void
    check_unused_slot(ParameterHandler &prm, const std::string &section)
    {
      for (const char *entry : slot_entries)
        if (Utilities::trim(prm.get(entry)) != slot_defaults().at(entry))
          throw InputError("Materials/" + section + "/" + entry +
                           " is set, but the slot has no Name, so it is "
                           "not used; give the material a Name");
    }
  } // namespace


  void
  MaterialLibrary::parse_parameters(ParameterHandler &prm)
  {
    prm.enter_subsection("Materials");
    for (unsigned int n = 1; n <= n_user_materials; ++n)
      {
        const std::string section = "User material " + std::to_string(n);
        prm.enter_subsection(section);
        const std::string name = Utilities::trim(prm.get("Name"));
        if (!name.empty())
          {
            const std::string where = "Materials/" + section + "/";
            Material          m;
            m.name   = name;
            m.source = "user-defined in the parameter file";
            m.conductivity =
              TemperatureFunction::parse(prm.get("Thermal conductivity"),
                                         where + "Thermal conductivity");
            m.heat_capacity =
              TemperatureFunction::parse(prm.get("Heat capacity"),
                                         where + "Heat capacity");
            m.density           = prm.get_double("Density");
            m.melting_point     = number_or(prm.get("Melting point"),
                                        "none",
                                        no_value,
                                        where + "Melting point");
            m.temperature_limit = number_or(prm.get("Temperature limit"),
                                            "melting point",
                                            m.melting_point,
                                            where + "Temperature limit");
            m.latent_heat       = number_or(prm.get("Latent heat of fusion"),
                                      "unknown",
                                      no_value,
                                      where + "Latent heat of fusion");
            if (!std::isnan(m.latent_heat) && !(m.latent_heat >= 0))
              throw InputError(where + "Latent heat of fusion = " +
                               Utilities::to_string(m.latent_heat) +
                               ": must not be negative");
            if (std::isnan(m.temperature_limit))
              throw InputError(where + "Temperature limit: material '" + name +
                               "' has no melting point; give a limit in K");
            m.energy_backscatter_fraction =
              number_or(prm.get("Energy backscatter fraction"),
                        "unknown",
                        no_value,
                        where + "Energy backscatter fraction");
            const double eta = m.energy_backscatter_fraction;
            if (!std::isnan(eta) && (eta < 0 || eta >= 1))
              throw InputError(where + "Energy backscatter fraction = " +
                               Utilities::to_string(eta) +
                               ": must lie in [0, 1)");
            m.atomic_number = number_or(prm.get("Atomic number"),
                                        "unknown",
                                        no_value,
                                        where + "Atomic number");
            m.atomic_mass   = number_or(prm.get("Atomic mass"),
                                      "unknown",
                                      no_value,
                                      where + "Atomic mass");
            for (const auto &[value, entry] :
                 {std::make_pair(m.atomic_number, "Atomic number"),
                  std::make_pair(m.atomic_mass, "Atomic mass")})
              if (!std::isnan(value) && !(value > 0))
                throw InputError(where + entry + " = " +
                                 Utilities::to_string(value) +
                                 ": must be positive");
            // k must be positive and finite wherever a solve may evaluate
            // it: every 10 K from 10 K to 10000 K (this covers every table
            // point, between which a table is linear).
            for (double T = 10; T <= 10000; T += 10)
              {
                const double k = m.conductivity.value(T);
                if (!(k > 0) || !std::isfinite(k))
                  throw InputError(where + "Thermal conductivity: k(" +
                                   Utilities::to_string(T) + " K) = " +
                                   Utilities::to_string(k) + " W/(m K) is " +
                                   (k > 0 ? "not finite" : "not positive"));
              }
            add(std::move(m));
          }
        else
          check_unused_slot(prm, section);
        prm.leave_subsection();
      }
    prm.leave_subsection();
  }
} // namespace xray

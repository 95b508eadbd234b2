// Unit tests of the material library (solvers/common/materials.h): the
// built-in materials (tungsten, the tabulated metals, diamond) against
// the published formulas and tables they are built from (sources cited
// there), computed in this file or by hand, never by the code under test.
#include "common/errors.h"
#include "common/materials.h"
#include "input_error_assertion.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace
{
  using xray::InputError;
  using xray::Material;
  using xray::MaterialLibrary;

  // ---- Reference formulas, transcribed from their sources ---------------

  // Tolias (2017) solid tungsten conductivity, W/(m K), T in K.
  double
  tolias_k(const double T)
  {
    return 149.441 - 45.466e-3 * T + 13.193e-6 * T * T - 1.484e-9 * T * T * T +
           3.866e6 / (T * T);
  }

  // Its antiderivative (by hand): the Kirchhoff transform is K(T1) - K(T0).
  double
  tolias_k_antiderivative(const double T)
  {
    return 149.441 * T - 45.466e-3 * T * T / 2 + 13.193e-6 * T * T * T / 3 -
           1.484e-9 * T * T * T * T / 4 - 3.866e6 / T;
  }

  // Tolias (2017) tungsten c_p in J/(mol K); M = 183.84 g/mol.
  double
  tolias_cp_molar(const double T)
  {
    if (T < 3080)
      return 21.868372 + 8.068661e-3 * T - 3.756196e-6 * T * T +
             1.075862e-9 * T * T * T + 1.406637e4 / (T * T);
    if (T < 3695)
      return 2.022 + 1.315e-2 * T;
    return 51.3;
  }
  constexpr double tungsten_molar_mass = 0.18384; // kg/mol


  const MaterialLibrary &
  library()
  {
    static const MaterialLibrary materials;
    return materials;
  }
} // namespace


// ---------------------------------------------------------------- tungsten

TEST(Tungsten, ConductivityMatchesToliasFit)
{
  const Material &w = library().get("W");
  for (const double T : {300., 500., 1000., 1500., 2000., 3000., 3600.})
    EXPECT_NEAR(w.conductivity.value(T), tolias_k(T), 1e-12 * tolias_k(T))
      << "T = " << T;
  // Hand-evaluated anchor values of the same fit.
  EXPECT_NEAR(w.conductivity.value(300.), 179.904057555556, 1e-9);
  EXPECT_NEAR(w.conductivity.value(1000.), 119.55, 1e-9);
  EXPECT_NEAR(w.conductivity.value(3000.), 92.1415555555556, 1e-9);
}

TEST(Tungsten, ConductivityDerivativeMatchesFiniteDifference)
{
  const Material &w = library().get("W");
  for (const double T : {300., 700., 1500., 2500., 3500.})
    {
      const double h  = 1e-2;
      const double fd = (tolias_k(T + h) - tolias_k(T - h)) / (2 * h);
      EXPECT_NEAR(w.conductivity.derivative(T), fd, 1e-6 * std::abs(fd) + 1e-10)
        << "T = " << T;
      // And consistent with the library's own values.
      const double fd_lib =
        (w.conductivity.value(T + h) - w.conductivity.value(T - h)) / (2 * h);
      EXPECT_NEAR(w.conductivity.derivative(T),
                  fd_lib,
                  1e-6 * std::abs(fd_lib) + 1e-10);
    }
  // k falls with T over the whole solid range (phonon/electron scattering).
  EXPECT_LT(w.conductivity.derivative(300.), 0.);
  EXPECT_LT(w.conductivity.derivative(3000.), 0.);
}

TEST(Tungsten, HeatCapacityPerKilogramInAllThreeRanges)
{
  const Material &w = library().get("W");
  // Solid fit (300-3080 K), the 3080-3695 K line, and the liquid.
  for (const double T :
       {300., 600., 1000., 2500., 3000., 3300., 3600., 3700., 4000.})
    {
      const double expected = tolias_cp_molar(T) / tungsten_molar_mass;
      EXPECT_NEAR(w.heat_capacity.value(T), expected, 1e-10 * expected)
        << "T = " << T;
    }
  // Hand values: doc/theory.md section 3 table 131 / 139 / 148 J/(kg K).
  EXPECT_NEAR(w.heat_capacity.value(300.), 131.0, 1.0);
  EXPECT_NEAR(w.heat_capacity.value(600.), 139.0, 1.0);
  EXPECT_NEAR(w.heat_capacity.value(1000.), 148.0, 1.0);
  // (2.022 + 1.315e-2 * 3300) / 0.18384 and 51.3 / 0.18384.
  EXPECT_NEAR(w.heat_capacity.value(3300.), 247.046344647520, 1e-8);
  EXPECT_NEAR(w.heat_capacity.value(4000.), 279.046997389034, 1e-8);
  // Not J/(mol K) by mistake: that would be ~24 at 300 K.
  EXPECT_GT(w.heat_capacity.value(300.), 100.);
}

TEST(Tungsten, MeltingPointDensityAndBackscatter)
{
  const Material &w = library().get("W");
  EXPECT_TRUE(w.melts());
  EXPECT_DOUBLE_EQ(w.melting_point, 3695.);
  EXPECT_DOUBLE_EQ(w.temperature_limit, 3695.);
  EXPECT_DOUBLE_EQ(w.density, 19250.);
  EXPECT_GE(w.energy_backscatter_fraction, 0.30);
  EXPECT_LE(w.energy_backscatter_fraction, 0.37);
}

TEST(Tungsten, KirchhoffTransformMatchesAnalyticAntiderivative)
{
  const Material &w = library().get("W");
  const double    expected =
    tolias_k_antiderivative(3000.) - tolias_k_antiderivative(300.);
  EXPECT_NEAR(expected, 301107.9381, 1e-3); // hand value of the same
  EXPECT_NEAR(w.conductivity.integral(300., 3000.),
              expected,
              1e-10 * std::abs(expected));
  // Additive over sub-intervals and antisymmetric in its limits.
  EXPECT_NEAR(w.conductivity.integral(300., 1200.) +
                w.conductivity.integral(1200., 3000.),
              expected,
              1e-10 * expected);
  EXPECT_NEAR(w.conductivity.integral(3000., 300.),
              -expected,
              1e-10 * expected);
  EXPECT_EQ(w.conductivity.integral(500., 500.), 0.);
  // Melting point, as used by Eq. (2) with k(T).
  const double to_melting =
    tolias_k_antiderivative(3695.) - tolias_k_antiderivative(293.15);
  EXPECT_NEAR(w.conductivity.integral(293.15, 3695.),
              to_melting,
              1e-10 * to_melting);
}

// ------------------------------------------------------------ tabulated data

TEST(TabulatedMetals, CopperInterpolatesLinearlyAndIsClamped)
{
  const Material &cu = library().get("Cu");
  EXPECT_NEAR(cu.conductivity.value(450.), 0.5 * (401. + 379.), 1e-12);
  EXPECT_NEAR(cu.conductivity.value(400.), 401. + (379. - 401.) / 3., 1e-12);
  EXPECT_NEAR(cu.conductivity.value(800.), 0.5 * (379. + 352.), 1e-12);
  // Held constant beyond the table.
  EXPECT_DOUBLE_EQ(cu.conductivity.value(300.), 401.);
  EXPECT_DOUBLE_EQ(cu.conductivity.value(250.), 401.);
  EXPECT_DOUBLE_EQ(cu.conductivity.value(77.), 401.);
  EXPECT_DOUBLE_EQ(cu.conductivity.value(1000.), 352.);
  EXPECT_DOUBLE_EQ(cu.conductivity.value(1300.), 352.);
  // Slopes: piecewise, zero where clamped.
  EXPECT_NEAR(cu.conductivity.derivative(450.), (379. - 401.) / 300., 1e-14);
  EXPECT_NEAR(cu.conductivity.derivative(800.), (352. - 379.) / 400., 1e-14);
  EXPECT_EQ(cu.conductivity.derivative(200.), 0.);
  EXPECT_EQ(cu.conductivity.derivative(1200.), 0.);
  // Kirchhoff transform of a piecewise-linear table: trapezoids, by hand
  // (401+379)/2*300 + (379+352)/2*400 = 117000 + 146200.
  EXPECT_NEAR(cu.conductivity.integral(300., 1000.), 263200., 1e-6);
  // Below the table the clamped value is integrated.
  EXPECT_NEAR(cu.conductivity.integral(200., 300.), 40100., 1e-6);
}

TEST(TabulatedMetals, DataMatchTheirTables)
{
  // c_p per mole at 300/600/1000 K as the sources tabulate it (rows of the
  // tables in materials.cc), and the molar mass in kg/mol.
  struct Row
  {
    std::string name;
    double      k300, k600, k1000;
    double      cp300, cp600, cp1000, molar_mass;
    double      melting_point, density;
  };
  const std::vector<Row> rows = {
    {"Mo", 138, 126, 112, 23.958, 26.460, 28.370, 0.09595, 2896, 10220},
    {"Cu", 401, 379, 352, 24.462, 26.481, 28.662, 0.063546, 1357.8, 8960},
    {"Ag", 429, 412, 379, 25.359, 26.976, 29.665, 0.10787, 1234.9, 10490},
    {"Rh", 150, 135, 121, 24.922, 28.180, 31.763, 0.10291, 2237, 12410},
    {"Cr", 94, 81, 65, 23.472, 27.719, 31.861, 0.051996, 2180, 7190},
  };
  for (const Row &row : rows)
    {
      SCOPED_TRACE(row.name);
      const Material &m = library().get(row.name);
      EXPECT_NEAR(m.conductivity.value(300.), row.k300, 1e-9);
      EXPECT_NEAR(m.conductivity.value(600.), row.k600, 1e-9);
      EXPECT_NEAR(m.conductivity.value(1000.), row.k1000, 1e-9);
      EXPECT_NEAR(m.heat_capacity.value(300.),
                  row.cp300 / row.molar_mass,
                  1e-9);
      EXPECT_NEAR(m.heat_capacity.value(600.),
                  row.cp600 / row.molar_mass,
                  1e-9);
      EXPECT_NEAR(m.heat_capacity.value(1000.),
                  row.cp1000 / row.molar_mass,
                  1e-9);
      EXPECT_NEAR(row.molar_mass * 1e3, m.atomic_mass, 1e-9);
      EXPECT_TRUE(m.melts());
      EXPECT_DOUBLE_EQ(m.melting_point, row.melting_point);
      EXPECT_DOUBLE_EQ(m.temperature_limit, row.melting_point);
      EXPECT_DOUBLE_EQ(m.density, row.density);
    }
  // Hand values per kilogram, e.g. Cu at 300 K: 24.462 / 0.063546.
  EXPECT_NEAR(library().get("Cu").heat_capacity.value(300.), 384.9495, 1e-4);
  EXPECT_NEAR(library().get("Mo").heat_capacity.value(1000.), 295.6748, 1e-4);
  // 1500 K points where the table gives them.
  EXPECT_NEAR(library().get("Mo").conductivity.value(1500.), 98., 1e-9);
  EXPECT_NEAR(library().get("Rh").conductivity.value(1500.), 110., 1e-9);
  EXPECT_NEAR(library().get("Cr").conductivity.value(1500.), 60., 1e-9);

  // Energy backscatter estimates (Reimer 1998): Cu 0.17, Mo 0.24, Ag 0.26.
  EXPECT_DOUBLE_EQ(library().get("Cu").energy_backscatter_fraction, 0.17);
  EXPECT_DOUBLE_EQ(library().get("Mo").energy_backscatter_fraction, 0.24);
  EXPECT_DOUBLE_EQ(library().get("Ag").energy_backscatter_fraction, 0.26);
  EXPECT_TRUE(std::isnan(library().get("Rh").energy_backscatter_fraction));
  EXPECT_TRUE(std::isnan(library().get("Cr").energy_backscatter_fraction));
}

// ------------------------------------------------------------------ diamond

TEST(Diamond, PowerLawConductivities)
{
  const Material &natural = library().get("diamond-natural");
  const Material &cvd     = library().get("diamond-cvd");
  const Material &c12     = library().get("diamond-12c");

  EXPECT_NEAR(natural.conductivity.value(300.), 2200., 1e-9);
  // 2200 * 2^-1.2 = 957.6056196...
  EXPECT_NEAR(natural.conductivity.value(600.),
              2200. * std::pow(2., -1.2),
              1e-9);
  EXPECT_NEAR(natural.conductivity.value(600.), 957.6056196257, 1e-6);
  EXPECT_NEAR(c12.conductivity.value(300.), 3300., 1e-9);
  EXPECT_NEAR(c12.conductivity.value(600.), 1250.46616737108, 1e-6);
  EXPECT_NEAR(c12.conductivity.value(1000.),
              3300. * std::pow(1000. / 300., -1.4),
              1e-9);
  // CVD thermal grade: 1800-2000 W/(m K) at 300 K, same exponent as natural.
  EXPECT_GE(cvd.conductivity.value(300.), 1800. - 1e-9);
  EXPECT_LE(cvd.conductivity.value(300.), 2000. + 1e-9);
  EXPECT_NEAR(cvd.conductivity.value(900.) / cvd.conductivity.value(300.),
              std::pow(3., -1.2),
              1e-12);
  // 12C is ~50 % above natural at 300 K.
  EXPECT_NEAR(c12.conductivity.value(300.) / natural.conductivity.value(300.),
              1.5,
              0.01);

  // d/dT [k300 (T/300)^n] = n k / T.
  for (const double T : {300., 777., 1500.})
    {
      EXPECT_NEAR(natural.conductivity.derivative(T),
                  -1.2 * natural.conductivity.value(T) / T,
                  1e-12 * natural.conductivity.value(T));
      EXPECT_NEAR(c12.conductivity.derivative(T),
                  -1.4 * c12.conductivity.value(T) / T,
                  1e-12 * c12.conductivity.value(T));
    }
}

TEST(Diamond, DoesNotMeltAndHasGraphitisationLimit)
{
  for (const std::string name :
       {"diamond-natural", "diamond-cvd", "diamond-12c"})
    {
      SCOPED_TRACE(name);
      const Material &d = library().get(name);
      EXPECT_FALSE(d.melts());
      EXPECT_TRUE(std::isnan(d.melting_point));
      EXPECT_DOUBLE_EQ(d.temperature_limit, 1800.);
      EXPECT_DOUBLE_EQ(d.density, 3515.);
      // SGTE c_p per mole at the table's rows, over 12.011 g/mol.
      EXPECT_NEAR(d.heat_capacity.value(300.), 6.193 / 0.012011, 1e-9);
      EXPECT_NEAR(d.heat_capacity.value(600.), 16.110 / 0.012011, 1e-9);
      EXPECT_NEAR(d.heat_capacity.value(1000.), 21.291 / 0.012011, 1e-9);
    }
}

TEST(Diamond, KirchhoffTransformOfPowerLaw)
{
  // int_300^1800 2200 (T/300)^-1.2 dT = 2200*300/(-0.2) ((1800/300)^-0.2 - 1)
  const double expected =
    2200. * 300. / (-0.2) * (std::pow(1800. / 300., -0.2) - 1.);
  EXPECT_NEAR(expected, 993870.508053789, 1e-6);
  EXPECT_NEAR(
    library().get("diamond-natural").conductivity.integral(300., 1800.),
    expected,
    1e-10 * expected);
  const double expected_12c =
    3300. * 300. / (-0.4) * (std::pow(1500. / 300., -0.4) - 1.);
  EXPECT_NEAR(library().get("diamond-12c").conductivity.integral(300., 1500.),
              expected_12c,
              1e-10 * expected_12c);
}

// ---------------------------------------------------------- MaterialLibrary

TEST(MaterialLibrary, KnowsAllBuiltInMaterials)
{
  const auto names = library().names();
  for (const std::string name : {"W",
                                 "Mo",
                                 "Cu",
                                 "Ag",
                                 "Rh",
                                 "Cr",
                                 "diamond-natural",
                                 "diamond-cvd",
                                 "diamond-12c"})
    {
      EXPECT_NE(std::find(names.begin(), names.end(), name), names.end())
        << name;
      EXPECT_EQ(library().get(name).name, name);
      EXPECT_FALSE(library().get(name).source.empty()) << name;
    }
}

TEST(MaterialLibrary, UnknownNameIsAnInputErrorNamingIt)
{
  EXPECT_TRUE(xray_test::throws_input_error_containing(
    [] { library().get("unobtainium"); }, {"unobtainium", "Cu"}));
  // Names are case sensitive.
  EXPECT_THROW(library().get("w"), InputError);
}

// Unit tests of the material library (solvers/common/materials.h) against
// the published formulas and tables it is built from (sources cited there).
// Reference values are computed in this file from the published formulas,
// or by hand, never by the code under test.
#include "common/errors.h"
#include "common/materials.h"
#include "input_error_assertion.h"

#include <deal.II/base/parameter_handler.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace
{
  using xray::Enthalpy;
  using xray::InputError;
  using xray::Material;
  using xray::MaterialLibrary;
  using xray::TemperatureFunction;

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

// ------------------------------------- heat capacity up to the melting point

namespace
{
  constexpr double gas_constant = 8.314462618; // J/(mol K)

  // NASA Glenn polynomial of Ag(cr), 200-1235.08 K (McBride, Zehe & Gordon,
  // NASA/TP-2002-211556; CODATA values): c_p/R = sum_i a_i T^(i-2), i = 0..6.
  constexpr double silver_coefficients[7] = {-7.099236470e4,
                                             7.254788020e2,
                                             1.066518380e-1,
                                             5.529541550e-3,
                                             -4.425590850e-6,
                                             2.091668120e-9,
                                             -3.888924460e-13};

  double
  silver_cp_molar(const double T)
  {
    const double *a = silver_coefficients;
    return gas_constant *
           (a[0] / (T * T) + a[1] / T + a[2] + a[3] * T + a[4] * T * T +
            a[5] * T * T * T + a[6] * T * T * T * T);
  }

  // Its antiderivative (by hand), J/mol.
  double
  silver_enthalpy_molar(const double T)
  {
    const double *a = silver_coefficients;
    return gas_constant *
           (-a[0] / T + a[1] * std::log(T) + a[2] * T + a[3] * T * T / 2 +
            a[4] * T * T * T / 3 + a[5] * T * T * T * T / 4 +
            a[6] * T * T * T * T * T / 5);
  }

  // An SGTE Gibbs energy (Dinsdale, CALPHAD 15 (1991) 317), J/mol,
  //   G = a + b T + c T ln T + d T^2 + e T^3 + f/T + g/T^2 + h/T^3;
  // by hand c_p = -T G'' and H = G - T G' (b drops out of both).
  struct GibbsEnergy
  {
    double a, c, d, e, f, g, h;

    double
    heat_capacity(const double T) const
    {
      return -c - 2 * d * T - 6 * e * T * T - 2 * f / (T * T) -
             6 * g / (T * T * T) - 12 * h / (T * T * T * T);
    }
    double
    enthalpy(const double T) const
    {
      return a - c * T - d * T * T - 2 * e * T * T * T + 2 * f / T +
             3 * g / (T * T) + 4 * h / (T * T * T);
    }
  };
  // Rh, FCC_A1: 298.15-1200 K and 1200-2237 K.
  const GibbsEnergy rhodium_low =
    {-7848.828, -24.0178336, -.003424186, -1.68032e-07, 55846, 0, 0};
  const GibbsEnergy rhodium_high =
    {-28367.852, -48.3766632, .00966345, -1.512774e-06, 3348162, 0, 0};
  const GibbsEnergy &
  rhodium(const double T)
  {
    return T <= 1200 ? rhodium_low : rhodium_high;
  }
  // C, DIAMOND_A4, 298.15-6000 K.
  const GibbsEnergy diamond_gibbs =
    {-16359.441, -24.31, -4.723e-04, 0, 2698000, -2.61e+08, 1.11e+10};

  // The Debye c_v, 9 R (T/Theta)^3 int_0^{Theta/T} x^4 e^x / (e^x - 1)^2 dx
  // (Simpson's rule).
  double
  debye_cv_molar(const double T, const double theta)
  {
    const double   x_max     = theta / T;
    const unsigned n         = 400;
    const double   dx        = x_max / n;
    auto           integrand = [](const double x) {
      return x == 0 ? 0 :
                                std::pow(x, 4) * std::exp(x) / std::pow(std::expm1(x), 2);
    };
    double sum = integrand(0) + integrand(x_max);
    for (unsigned i = 1; i < n; ++i)
      sum += (i % 2 ? 4 : 2) * integrand(i * dx);
    return 9 * gas_constant * std::pow(T / theta, 3) * sum * dx / 3;
  }

  // Molar mass in kg/mol.
  double
  molar_mass(const Material &m)
  {
    return m.atomic_mass * 1e-3;
  }

  // c_p of a built-in material per mole, J/(mol K).
  double
  cp_molar(const std::string &name, const double T)
  {
    const Material &m = library().get(name);
    return m.heat_capacity.value(T) * molar_mass(m);
  }

  // Melting point of the table (Cu: JANAF's 1358 K) and the liquid's c_p
  // per mole: JANAF (Cu, Mo, Cr), NASA Ag(L) (4.017073770 R), SGTE (Rh).
  struct Melting
  {
    std::string name;
    double      table_melting_point, liquid_cp;
  };
  const std::vector<Melting> meltings = {
    {"Cu", 1358, 32.844},
    {"Mo", 2896, 37.656},
    {"Cr", 2180, 39.330},
    {"Ag", 1234.9, 4.017073770 * gas_constant},
    {"Rh", 2237, 50.58456},
  };
} // namespace

TEST(HeatCapacity, JanafRowsToTheMeltingPoint)
{
  // Rows of the NIST-JANAF crystal tables (Chase 1998), J/(mol K): the
  // table holds them exactly (up to the conversion to and from kg).
  struct Row
  {
    std::string name;
    double      T, cp;
  };
  for (const Row &row : std::vector<Row>{{"Cu", 300, 24.462},
                                         {"Cu", 800, 27.494},
                                         {"Cu", 1300, 32.143},
                                         {"Cu", 1358, 33.353},
                                         {"Mo", 300, 23.958},
                                         {"Mo", 1500, 31.650},
                                         {"Mo", 2500, 43.890},
                                         {"Mo", 2800, 51.570},
                                         {"Mo", 2896, 54.835},
                                         {"Cr", 311.5, 23.681},
                                         {"Cr", 1500, 41.200},
                                         {"Cr", 2100, 54.488},
                                         {"Cr", 2130, 55.174}})
    EXPECT_NEAR(cp_molar(row.name, row.T), row.cp, 1e-9)
      << row.name << " at " << row.T << " K";
  // Between rows: linear interpolation (Mo's steepest rise, below melting).
  EXPECT_NEAR(cp_molar("Mo", 2848), 0.5 * (51.570 + 54.835), 1e-9);
  EXPECT_NEAR(cp_molar("Cu", 1329), 0.5 * (32.143 + 33.353), 1e-9);
  // Cr to the 2180 K melting point along JANAF's crystal table, whose
  // continuation reads 56.785 at 2200 K.
  EXPECT_NEAR(cp_molar("Cr", 2180),
              55.174 + (56.785 - 55.174) * 50. / 70.,
              1e-3);
  // Every 5 K: Cr within 1 % of the NIST WebBook's Shomate fit of JANAF
  // (t = T/1000), Mo within 0.2 % of the NASA Glenn polynomial of JANAF's
  // Mo(cr) (McBride, Zehe & Gordon 2002; c_p/R = sum_i a_i T^(i-2)).
  auto chromium_shomate = [](const double T) {
    const double t = T / 1000;
    if (T < 600)
      return 7.489737 + 71.50498 * t - 91.67562 * t * t + 46.04450 * t * t * t +
             0.138157 / (t * t);
    return 18.46508 + 5.477986 * t + 7.904329 * t * t - 1.147848 * t * t * t +
           1.265791 / (t * t);
  };
  auto molybdenum_nasa = [](const double T) {
    const double  a[3][7] = {{-4.961689320e4,
                              4.280941190e2,
                              7.671984690e-1,
                              5.731518250e-3,
                              -6.381641180e-6,
                              3.708192420e-9,
                              -7.917347080e-13},
                             {-3.617592720e6,
                              1.474639904e4,
                              -2.136672658e1,
                              2.118577261e-2,
                              -9.789741690e-6,
                              2.496130112e-9,
                              -2.422303123e-13},
                             {4.759909590e9,
                              -5.321527320e6,
                              -8.747403120e2,
                              3.794789480,
                              -2.131568725e-3,
                              4.974075900e-7,
                              -4.325425090e-11}};
    const double *c       = a[T < 1000 ? 0 : T < 2200 ? 1 : 2];
    return gas_constant *
           (c[0] / (T * T) + c[1] / T + c[2] + c[3] * T + c[4] * T * T +
            c[5] * T * T * T + c[6] * T * T * T * T);
  };
  for (double T = 300; T <= 2130; T += 5)
    EXPECT_NEAR(cp_molar("Cr", T),
                chromium_shomate(T),
                1e-2 * chromium_shomate(T))
      << "Cr at " << T << " K";
  for (double T = 300; T <= 2895; T += 5)
    EXPECT_NEAR(cp_molar("Mo", T),
                molybdenum_nasa(T),
                2e-3 * molybdenum_nasa(T))
      << "Mo at " << T << " K";
}

TEST(HeatCapacity, SilverFollowsTheNasaPolynomial)
{
  // Rows (rounded to 1e-3 J/(mol K)) and every 5 K (interpolation).
  for (const double T : {300., 600., 1000., 1234.9})
    EXPECT_NEAR(cp_molar("Ag", T), silver_cp_molar(T), 5e-4) << T << " K";
  for (double T = 300; T <= 1234.9; T += 5)
    EXPECT_NEAR(cp_molar("Ag", T),
                silver_cp_molar(T),
                1e-3 * silver_cp_molar(T))
      << T << " K";
}

TEST(HeatCapacity, RhodiumFollowsSgte)
{
  for (const double T : {300., 1000., 1200., 2000., 2237.})
    EXPECT_NEAR(cp_molar("Rh", T), rhodium(T).heat_capacity(T), 5e-4)
      << T << " K";
  for (double T = 300; T <= 2237; T += 5)
    EXPECT_NEAR(cp_molar("Rh", T),
                rhodium(T).heat_capacity(T),
                1e-3 * rhodium(T).heat_capacity(T))
      << T << " K";
  // The two SGTE pieces meet at 1200 K.
  EXPECT_NEAR(rhodium_low.heat_capacity(1200),
              rhodium_high.heat_capacity(1200),
              2e-2);
  // Arblaster, Platinum Metals Rev. 40 (1996) 62: 24.90 J/(mol K) at 298.15 K.
  EXPECT_NEAR(rhodium_low.heat_capacity(298.15), 24.90, 0.01);
}

TEST(HeatCapacity, DiamondFollowsSgteToBeyondGraphitisation)
{
  for (const std::string name :
       {"diamond-natural", "diamond-cvd", "diamond-12c"})
    {
      SCOPED_TRACE(name);
      for (const double T : {300., 600., 1000., 1800., 2000.})
        EXPECT_NEAR(cp_molar(name, T), diamond_gibbs.heat_capacity(T), 5e-4)
          << T << " K";
      for (double T = 300; T <= 2000; T += 5)
        EXPECT_NEAR(cp_molar(name, T),
                    diamond_gibbs.heat_capacity(T),
                    3e-3 * diamond_gibbs.heat_capacity(T))
          << T << " K";
      // Held at the 2000 K value beyond the table.
      EXPECT_EQ(library().get(name).heat_capacity.value(2500.),
                library().get(name).heat_capacity.value(2000.));
    }
  // Victor (1962): a Debye function with Theta = 1860 K describes the drop-
  // calorimetry data, 273-1073 K; c_p exceeds this c_v increasingly with T.
  for (const double T : {300., 400., 500., 700., 900., 1073.})
    EXPECT_NEAR(cp_molar("diamond-cvd", T),
                debye_cv_molar(T, 1860.),
                1.2e-2 * debye_cv_molar(T, 1860.))
      << T << " K";
  // Not the classical limit at room temperature: ~ 0.25 x 3R.
  EXPECT_LT(cp_molar("diamond-cvd", 300.), 0.3 * 3 * gas_constant);
}

TEST(HeatCapacity, LiquidAboveTheMeltingPoint)
{
  for (const Melting &melt : meltings)
    {
      SCOPED_TRACE(melt.name);
      // The solid's last row, then the liquid from 1 K above on.
      EXPECT_NEAR(cp_molar(melt.name, melt.table_melting_point + 1),
                  melt.liquid_cp,
                  5e-4);
      EXPECT_NEAR(cp_molar(melt.name, melt.table_melting_point + 500),
                  melt.liquid_cp,
                  5e-4);
      EXPECT_EQ(library().get(melt.name).heat_capacity.derivative(
                  melt.table_melting_point + 10),
                0.);
    }
}

TEST(HeatCapacity, TablesAreContinuousPositiveAndRiseInTheSolid)
{
  const double three_r = 3 * gas_constant;
  for (const std::string name : {"Mo",
                                 "Cu",
                                 "Ag",
                                 "Rh",
                                 "Cr",
                                 "diamond-natural",
                                 "diamond-cvd",
                                 "diamond-12c"})
    {
      SCOPED_TRACE(name);
      const Material &m        = library().get(name);
      const auto     &c_p      = m.heat_capacity;
      const double    end      = m.melts() ? m.melting_point : 2000.;
      double          previous = c_p.value(300.);
      for (double T = 250; T < end + 600; T += 0.5)
        {
          const double c = c_p.value(T);
          ASSERT_GT(c, 0) << T << " K";
          // No jump: a table is continuous, even across the 1 K step to
          // the liquid.
          const double dT = 1e-7;
          ASSERT_NEAR(c_p.value(T + dT), c_p.value(T - dT), 1e-6 * c)
            << T << " K";
          // In the solid c_p never falls with T (phonons, then electrons,
          // anharmonicity and vacancies add to it).
          if (T >= 300 && T <= end)
            {
              ASSERT_GE(c, previous) << T << " K";
              previous = c;
            }
          // Per mole, a metal stays within 0.9-2.5 x 3R (Dulong-Petit):
          // not J/(mol K) mistaken for J/(kg K), nor a misplaced digit.
          if (m.melts())
            {
              ASSERT_GT(c * molar_mass(m), 0.9 * three_r) << T << " K";
              ASSERT_LT(c * molar_mass(m), 2.5 * three_r) << T << " K";
            }
        }
    }
}

TEST(HeatCapacity, EnthalpyIntegratesTheTables)
{
  const double T_ref = 298.15;
  for (const std::string name : {"Mo", "Cu", "Ag", "Rh", "Cr", "diamond-cvd"})
    {
      SCOPED_TRACE(name);
      const Material &m = library().get(name);
      const Enthalpy  H(m.heat_capacity, T_ref);
      EXPECT_NEAR(H.value(T_ref), 0, 1e-9);
      const double end = m.melts() ? m.melting_point : 2000.;
      // H is the integral of the table: across rows, the melting point and
      // the step to the liquid, and beyond the table's end. Next to the
      // step (1 K wide, H tabulated every 2 K) the cubic is off by a few
      // hundredths of a kelvin's worth of the step in c_p.
      const double step =
        std::abs(m.heat_capacity.value(end + 2) - m.heat_capacity.value(end));
      for (const double T : {350.,
                             999.5,
                             0.5 * (T_ref + end),
                             end - 0.5,
                             end,
                             end + 0.5,
                             end + 1.5,
                             end + 3,
                             end + 400})
        {
          const double exact = m.heat_capacity.integral(T_ref, T);
          EXPECT_NEAR(H.value(T), exact, 2e-6 * exact + 0.05 * step)
            << T << " K";
        }
      // It rises monotonically, and its slope is c_p away from the rows.
      double previous = H.value(T_ref);
      for (double T = T_ref + 0.25; T < end + 300; T += 0.25)
        {
          ASSERT_GT(H.value(T), previous) << T << " K";
          previous = H.value(T);
        }
      for (const double T : {455., 1117., 0.5 * (T_ref + end)})
        EXPECT_NEAR(H.heat_capacity(T),
                    m.heat_capacity.value(T),
                    2e-3 * m.heat_capacity.value(T))
          << T << " K";
    }

  // Against the sources' own enthalpies, H(T) - H(298.15 K) in J/mol,
  // within the tables' interpolation.
  std::map<std::string, Enthalpy> enthalpies;
  auto molar_enthalpy = [&](const std::string &name, const double T) {
    const Material &m = library().get(name);
    if (enthalpies.count(name) == 0)
      enthalpies.emplace(name, Enthalpy(m.heat_capacity, T_ref));
    return enthalpies.at(name).value(T) * molar_mass(m);
  };
  // Cr: the NIST WebBook's JANAF enthalpies (kJ/mol, two decimals).
  for (const auto &[T, kJ] : std::vector<std::pair<double, double>>{
         {1000, 19.61}, {1500, 37.78}, {2000, 61.06}, {2100, 66.40}})
    EXPECT_NEAR(molar_enthalpy("Cr", T), 1e3 * kJ, 1e-3 * 1e3 * kJ)
      << "Cr at " << T << " K";
  for (const double T : {600., 1000., 1234.9})
    {
      const double exact =
        silver_enthalpy_molar(T) - silver_enthalpy_molar(T_ref);
      EXPECT_NEAR(molar_enthalpy("Ag", T), exact, 3e-4 * exact)
        << "Ag at " << T << " K";
    }
  for (const double T : {600., 1000., 1500., 2000., 2237.})
    {
      // Through the pieces' break at 1200 K, where SGTE joins them.
      const double exact =
        T <= 1200 ? rhodium_low.enthalpy(T) - rhodium_low.enthalpy(T_ref) :
                    rhodium_high.enthalpy(T) - rhodium_high.enthalpy(1200) +
                      rhodium_low.enthalpy(1200) - rhodium_low.enthalpy(T_ref);
      EXPECT_NEAR(molar_enthalpy("Rh", T), exact, 5e-4 * exact)
        << "Rh at " << T << " K";
    }
  for (const double T : {600., 1000., 1500., 1800., 2000.})
    {
      const double exact =
        diamond_gibbs.enthalpy(T) - diamond_gibbs.enthalpy(T_ref);
      EXPECT_NEAR(molar_enthalpy("diamond-natural", T), exact, 1.5e-3 * exact)
        << "diamond at " << T << " K";
    }
}

// -------------------------------------------------------- TemperatureFunction

TEST(TemperatureFunction, ConstantFactory)
{
  const auto f = TemperatureFunction::constant(401.);
  EXPECT_TRUE(f.is_defined());
  EXPECT_TRUE(f.is_constant());
  EXPECT_EQ(f.value(10.), 401.);
  EXPECT_EQ(f.value(5000.), 401.);
  EXPECT_EQ(f.derivative(700.), 0.);
  EXPECT_NEAR(f.integral(300., 500.), 80200., 1e-9);
  EXPECT_FALSE(TemperatureFunction().is_defined());
}

TEST(TemperatureFunction, SyntaxErrorIsOneLineWithTheParsersPosition)
{
  // The parser library writes a report to std::cerr before the exception:
  // it must not reach the terminal, and the message keeps its position.
  testing::internal::CaptureStderr();
  std::string message;
  try
    {
      TemperatureFunction::expression("2200*(T/300)^");
    }
  catch (const InputError &error)
    {
      message = error.what();
    }
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
  EXPECT_NE(message.find("position 14"), std::string::npos) << message;
  EXPECT_EQ(message.find("Column"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

TEST(TemperatureFunction, TableFactorySortsAndRejectsRepeats)
{
  const auto f = TemperatureFunction::table({{600., 379.}, {300., 401.}});
  EXPECT_NEAR(f.value(450.), 390., 1e-12);
  EXPECT_FALSE(f.is_constant());
  EXPECT_THROW(TemperatureFunction::table({}), InputError);
  EXPECT_THROW(TemperatureFunction::table({{300., 1.}, {300., 2.}}),
               InputError);
  // A one-point table is a constant.
  const auto one = TemperatureFunction::table({{500., 42.}});
  EXPECT_EQ(one.value(100.), 42.);
  EXPECT_EQ(one.value(1000.), 42.);
}

TEST(TemperatureFunction, PowerLawFactoryAndIntegral)
{
  const auto f = TemperatureFunction::power_law(10., 100., 2.);
  EXPECT_NEAR(f.value(300.), 90., 1e-12);
  EXPECT_NEAR(f.derivative(300.), 2. * 10. * 300. / (100. * 100.), 1e-12);
  // int_100^200 10 (T/100)^2 dT = 10/(3*100^2) (200^3 - 100^3) = 7000/3*10
  EXPECT_NEAR(f.integral(100., 200.), 10. * (8e6 - 1e6) / 3e4, 1e-8);
}

TEST(TemperatureFunction, ParseConstant)
{
  const auto f = TemperatureFunction::parse("  401 ", "k");
  EXPECT_TRUE(f.is_constant());
  EXPECT_EQ(f.value(300.), 401.);
  EXPECT_EQ(f.value(2000.), 401.);
  EXPECT_EQ(TemperatureFunction::parse("1.5e2", "k").value(300.), 150.);
}

TEST(TemperatureFunction, ParseTable)
{
  const auto f =
    TemperatureFunction::parse("300:401, 600:379, 1000:352", "Cu k");
  EXPECT_FALSE(f.is_constant());
  EXPECT_NEAR(f.value(450.), 390., 1e-12);
  EXPECT_NEAR(f.value(800.), 365.5, 1e-12);
  EXPECT_EQ(f.value(100.), 401.);
  EXPECT_EQ(f.value(2000.), 352.);
}

TEST(TemperatureFunction, ParseExpression)
{
  // The example of the parameter documentation.
  const auto f = TemperatureFunction::parse("2200*(T/300)^-1.2", "k");
  EXPECT_FALSE(f.is_constant());
  EXPECT_NEAR(f.value(600.), 2200. * std::pow(2., -1.2), 1e-9);
  EXPECT_NEAR(f.derivative(600.),
              -1.2 * f.value(600.) / 600.,
              1e-5 * std::abs(f.value(600.) / 600.));
  const auto g = TemperatureFunction::parse("100 + 0.5*T", "k");
  EXPECT_NEAR(g.value(400.), 300., 1e-12);
  EXPECT_NEAR(g.derivative(400.), 0.5, 1e-8);
  // int_300^500 (100 + T/2) dT = 100*200 + (500^2 - 300^2)/4 = 60000
  EXPECT_NEAR(g.integral(300., 500.), 60000., 1e-7);
  // pi is known to expressions.
  EXPECT_NEAR(TemperatureFunction::parse("pi*T", "k").value(2.),
              2 * M_PI,
              1e-12);
}

TEST(TemperatureFunction, ParseRejectsMalformedInput)
{
  for (const std::string bad : {"300:abc",
                                "abc:401",
                                "300:401:500",
                                "2*(T",
                                "",
                                "   ",
                                "2*X",
                                "300:1, 300:2"})
    {
      SCOPED_TRACE("input \"" + bad + "\"");
      EXPECT_TRUE(xray_test::throws_input_error_containing(
        [&] { TemperatureFunction::parse(bad, "Materials/k entry"); },
        {"Materials/k entry"}));
    }
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

namespace
{
  // A ParameterHandler with the Materials section declared.
  struct UserMaterials : public ::testing::Test
  {
    UserMaterials()
    {
      MaterialLibrary::declare_parameters(prm);
    }

    void
    set(const unsigned int slot,
        const std::string &entry,
        const std::string &value)
    {
      prm.enter_subsection("Materials");
      prm.enter_subsection("User material " + std::to_string(slot));
      prm.set(entry, value);
      prm.leave_subsection();
      prm.leave_subsection();
    }

    dealii::ParameterHandler prm;
    MaterialLibrary          materials;
  };
} // namespace

TEST_F(UserMaterials, EmptySlotsAddNothing)
{
  const auto before = materials.names();
  materials.parse_parameters(prm);
  EXPECT_EQ(materials.names(), before);
}

TEST_F(UserMaterials, AddsANewMaterial)
{
  set(1, "Name", "SiC");
  set(1, "Thermal conductivity", "300:490, 1000:150");
  set(1, "Heat capacity", "690");
  set(1, "Density", "3210");
  set(1, "Melting point", "3003");
  set(1, "Energy backscatter fraction", "0.1");
  materials.parse_parameters(prm);

  const Material &sic = materials.get("SiC");
  EXPECT_NEAR(sic.conductivity.value(650.), 0.5 * (490. + 150.), 1e-12);
  EXPECT_EQ(sic.conductivity.value(2000.), 150.);
  EXPECT_EQ(sic.heat_capacity.value(1234.), 690.);
  EXPECT_EQ(sic.density, 3210.);
  EXPECT_TRUE(sic.melts());
  EXPECT_EQ(sic.melting_point, 3003.);
  // "Temperature limit" defaults to the melting point.
  EXPECT_EQ(sic.temperature_limit, 3003.);
  EXPECT_DOUBLE_EQ(sic.energy_backscatter_fraction, 0.1);
  // The built-ins are untouched.
  EXPECT_EQ(materials.get("Cu").conductivity.value(300.), 401.);
}

TEST_F(UserMaterials, NonMeltingMaterialWithExplicitLimit)
{
  set(2, "Name", "graphite");
  set(2, "Thermal conductivity", "150*(T/300)^-0.5");
  set(2, "Melting point", "none");
  set(2, "Temperature limit", "2500");
  materials.parse_parameters(prm);
  const Material &g = materials.get("graphite");
  EXPECT_FALSE(g.melts());
  EXPECT_EQ(g.temperature_limit, 2500.);
  EXPECT_TRUE(std::isnan(g.energy_backscatter_fraction)); // "unknown"
  EXPECT_NEAR(g.conductivity.value(1200.), 75., 1e-9);
}

TEST_F(UserMaterials, ReplacesABuiltInByName)
{
  set(4, "Name", "Cu");
  set(4, "Thermal conductivity", "350");
  set(4, "Density", "8900");
  set(4, "Melting point", "1358");
  materials.parse_parameters(prm);
  const Material &cu = materials.get("Cu");
  EXPECT_EQ(cu.conductivity.value(300.), 350.);
  EXPECT_EQ(cu.conductivity.value(900.), 350.);
  EXPECT_EQ(cu.density, 8900.);
  EXPECT_EQ(cu.melting_point, 1358.);
  // Still one Cu, and a fresh library keeps the built-in data.
  const auto names = materials.names();
  EXPECT_EQ(std::count(names.begin(), names.end(), "Cu"), 1);
  EXPECT_EQ(MaterialLibrary().get("Cu").conductivity.value(300.), 401.);
}

TEST_F(UserMaterials, RejectsNegativeConductivity)
{
  set(1, "Name", "bad");
  set(1, "Thermal conductivity", "-5");
  set(1, "Melting point", "1000");
  EXPECT_TRUE(xray_test::throws_input_error_containing(
    [&] { materials.parse_parameters(prm); },
    {"User material 1", "Thermal conductivity"}));
}

TEST_F(UserMaterials, RejectsConductivityThatTurnsNegativeAtHighT)
{
  // 410 at 300 K, 200 at 1000 K, -100 at 2000 K.
  set(3, "Name", "bad");
  set(3, "Thermal conductivity", "500 - 0.3*T");
  set(3, "Melting point", "3000");
  EXPECT_TRUE(xray_test::throws_input_error_containing(
    [&] { materials.parse_parameters(prm); },
    {"User material 3", "Thermal conductivity"}));
}

TEST_F(UserMaterials, RejectsTableWithNonPositiveConductivity)
{
  // Every table point is explicit input: a negative k at 500 K must be
  // rejected even though k(300), k(1000), k(2000) are positive.
  set(2, "Name", "bad-table");
  set(2, "Thermal conductivity", "300:401, 500:-10, 1000:352");
  set(2, "Melting point", "1300");
  EXPECT_TRUE(xray_test::throws_input_error_containing(
    [&] { materials.parse_parameters(prm); },
    {"User material 2", "Thermal conductivity"}));
}

TEST_F(UserMaterials, RejectsBackscatterOutsideUnitInterval)
{
  for (const std::string eta : {"1", "1.5", "-0.1"})
    {
      SCOPED_TRACE(eta);
      dealii::ParameterHandler local;
      MaterialLibrary::declare_parameters(local);
      local.enter_subsection("Materials");
      local.enter_subsection("User material 1");
      local.set("Name", "bad");
      local.set("Melting point", "1000");
      local.set("Energy backscatter fraction", eta);
      local.leave_subsection();
      local.leave_subsection();
      MaterialLibrary lib;
      EXPECT_TRUE(xray_test::throws_input_error_containing(
        [&] { lib.parse_parameters(local); }, {"Energy backscatter fraction"}));
    }
  // 0 and 0.99 are fine.
  set(1, "Name", "ok");
  set(1, "Melting point", "1000");
  set(1, "Energy backscatter fraction", "0");
  EXPECT_NO_THROW(materials.parse_parameters(prm));
}

TEST_F(UserMaterials, RejectsNoMeltingPointAndNoLimit)
{
  set(2, "Name", "nolimit");
  set(2, "Melting point", "none");
  // Temperature limit left at "melting point".
  EXPECT_TRUE(xray_test::throws_input_error_containing(
    [&] { materials.parse_parameters(prm); },
    {"nolimit", "Temperature limit"}));
}

TEST_F(UserMaterials, RejectsMalformedNumbersAndFunctions)
{
  {
    dealii::ParameterHandler local;
    MaterialLibrary::declare_parameters(local);
    local.enter_subsection("Materials");
    local.enter_subsection("User material 1");
    local.set("Name", "x");
    local.set("Melting point", "hot");
    local.leave_subsection();
    local.leave_subsection();
    MaterialLibrary lib;
    EXPECT_TRUE(xray_test::throws_input_error_containing(
      [&] { lib.parse_parameters(local); }, {"Melting point", "hot"}));
  }
  set(1, "Name", "y");
  set(1, "Melting point", "1000");
  set(1, "Heat capacity", "300:abc");
  EXPECT_TRUE(xray_test::throws_input_error_containing(
    [&] { materials.parse_parameters(prm); }, {"Heat capacity"}));
}

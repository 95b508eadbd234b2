// Unit tests of the heat capacities of the material library
// (solvers/common/materials.h) up to the melting point and above it,
// and the enthalpy that integrates them, against the published tables
// and polynomials (JANAF, NASA, SGTE), never against the code under test.
#include "common/materials.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace
{
  using xray::Enthalpy;
  using xray::Material;
  using xray::MaterialLibrary;

  const MaterialLibrary &
  library()
  {
    static const MaterialLibrary materials;
    return materials;
  }
} // namespace


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

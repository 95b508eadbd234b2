// Unit tests of the electron-emission module of the stream-potential solver
// (solvers/stream_potential/field_emission.h, doc/theory.md section 2).
// Reference values are computed outside the code under test: from the
// CODATA 2018 constants in this file, or with mpmath (Python, 40 digits) from
// the published formulas, as stated at each table.
//
// Physical sanity: for tungsten (phi = 4.5 eV) the cold Murphy-Good current
// density is 4.2 A/m^2 at 2 GV/m, reaches 1e4 A/m^2 at 2.6 GV/m and
// 3.8e9 A/m^2 at 5 GV/m, i.e. a few GV/m of local field are needed.
#include "common/errors.h"
#include "input_error_assertion.h"
#include "stream_potential/field_emission.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace
{
  using namespace xray::stream_potential;
  using xray::SolverError;
  using xray_test::throws_input_error_containing;

  // ---- CODATA 2018 (SI, e, h, k_B exact) ----------------------------------
  constexpr double pi                  = 3.14159265358979323846;
  constexpr double elementary_charge   = 1.602176634e-19;  // C
  constexpr double planck              = 6.62607015e-34;   // J s
  constexpr double electron_mass       = 9.1093837015e-31; // kg
  constexpr double vacuum_permittivity = 8.8541878128e-12; // F/m
  constexpr double boltzmann           = 1.380649e-23;     // J/K

  double
  relative_difference(const double value, const double reference)
  {
    return std::abs(value - reference) / std::abs(reference);
  }

  // Forbes (2006) barrier functions, transcribed here from doc/theory.md
  // section 2.
  double
  forbes_t(const double f)
  {
    return 1 + f / 9 - f / 18 * std::log(f);
  }

  EmitterSurface
  surface(const double work_function_eV   = 4.5,
          const double enhancement_factor = 1.,
          const double temperature_K      = 300.,
          const bool   thermally_assisted = false)
  {
    EmitterSurface s;
    s.work_function_eV         = work_function_eV;
    s.field_enhancement_factor = enhancement_factor;
    s.temperature_K            = temperature_K;
    s.thermally_assisted       = thermally_assisted;
    return s;
  }


  // ---- Constants ----------------------------------------------------------

  // The tabulated constants against their definitions in CODATA constants:
  // a_FN = e^3/(8 pi h) [A J V^-2] -> e^2/(8 pi h) in A eV V^-2;
  // b_FN = (8 pi/3) sqrt(2 m_e)/(e h) [J^-3/2 V m^-1] -> times e^3/2 for eV;
  // c_S^2 = e^3/(4 pi eps0) [J^2 m V^-1] -> e/(4 pi eps0) in eV^2 m V^-1;
  // A_R = 4 pi m_e k_B^2 e / h^3; k_B in eV/K = k_B / e.
  TEST(FieldEmissionConstants, AgreeWithCodata)
  {
    using namespace emission_constants;
    const double e = elementary_charge;
    EXPECT_LT(relative_difference(first_fn_constant, e * e / (8 * pi * planck)),
              1e-6);
    EXPECT_LT(relative_difference(second_fn_constant,
                                  8 * pi / 3 * std::sqrt(2 * electron_mass) *
                                    std::sqrt(e) / planck),
              1e-6);
    const double c_squared = e / (4 * pi * vacuum_permittivity);
    EXPECT_LT(relative_difference(schottky_nordheim_constant, c_squared), 1e-6);
    // 3.7947e-5 is rounded to five digits (3.794686e-5).
    EXPECT_LT(relative_difference(schottky_lowering_coefficient,
                                  std::sqrt(c_squared)),
              1e-5);
    // 1.20173e6 is rounded to six digits (1.2017323e6).
    EXPECT_LT(relative_difference(richardson_constant,
                                  4 * pi * electron_mass * boltzmann *
                                    boltzmann * e / (planck * planck * planck)),
              1e-5);
    EXPECT_LT(relative_difference(boltzmann_eV_per_K, boltzmann / e), 1e-10);
  }


  // ---- Barrier functions --------------------------------------------------

  TEST(FieldEmissionBarrier, SpecialValues)
  {
    EXPECT_DOUBLE_EQ(barrier_function_v(0.), 1.);
    EXPECT_DOUBLE_EQ(barrier_function_t(0.), 1.);
    EXPECT_NEAR(barrier_function_v(1.), 0., 1e-15);
    EXPECT_DOUBLE_EQ(barrier_function_t(1.), 10. / 9.);
    // Approaching f = 1 continuously from below.
    EXPECT_NEAR(barrier_function_v(1. - 1e-9), 0., 1e-8);
    EXPECT_NEAR(barrier_function_t(1. - 1e-9), 10. / 9., 1e-8);
    // Held at f = 1 beyond it (barrier gone).
    EXPECT_DOUBLE_EQ(barrier_function_v(2.), 0.);
    EXPECT_DOUBLE_EQ(barrier_function_t(2.), 10. / 9.);
    // f for phi = 4.5 eV at 5e9 V/m: 1.439965e-9 * 5e9 / 20.25.
    EXPECT_NEAR(scaled_barrier_field(5e9, 4.5), 0.35554691358024691, 1e-15);
  }

  // Exact Schottky-Nordheim barrier functions, computed with mpmath
  // (mp.dps = 40) as v = (3/2) int sqrt(1 - x - f/(4x)) dx between the
  // turning points (the WKB integral in reduced units), which equals
  // sqrt(1+y) [E(m) - y K(m)], y = sqrt(f), m = (1-y)/(1+y) (both were
  // evaluated and agree to 30 digits); t = v - (4/3) f dv/df (mpmath diff).
  // Forbes (2006) claims |error| < 0.33 % for v; we measured 0.332 % (at
  // small f) for v and up to 0.39 % for t (at f = 0.5).
  TEST(FieldEmissionBarrier, ForbesApproximationAgainstExact)
  {
    struct Row
    {
      double f, v, t;
    };
    const Row exact[] = {{0.1, 0.859438904600344, 1.02251756950437},
                         {0.25, 0.689968369375351, 1.04390267148184},
                         {0.5, 0.440949941740621, 1.07068170344303},
                         {0.75, 0.213654008263023, 1.0922190713731},
                         {0.9, 0.0841150677683415, 1.103608483584}};
    for (const auto &row : exact)
      {
        SCOPED_TRACE(row.f);
        EXPECT_LT(relative_difference(barrier_function_v(row.f), row.v),
                  0.0034);
        EXPECT_LT(relative_difference(barrier_function_t(row.f), row.t),
                  0.0045);
        // The approximation overestimates both.
        EXPECT_GT(barrier_function_v(row.f), row.v);
        EXPECT_GT(barrier_function_t(row.f), row.t);
      }
    // Forbes' formulas themselves (mpmath, from doc/theory.md section 2).
    EXPECT_NEAR(barrier_function_v(0.5), 0.442237734953337890881897, 1e-15);
    EXPECT_NEAR(barrier_function_t(0.5), 1.074809643904442925261590, 1e-15);
  }


  // ---- Cold field emission ------------------------------------------------

  // J_MG from doc/theory.md section 2, evaluated with mpmath (mp.dps = 40):
  //   f = c*F/phi**2; v = 1-f+f/6*log(f); t = 1+f/9-f/18*log(f)
  //   J = a/(t**2*phi) * F**2 * exp(-v*b*phi**1.5/F)
  // once with the tabulated constants (a, b, c) = (1.541434e-6, 6.830890e9,
  // 1.439965e-9) -> "tabulated", and once with the constants computed from
  // CODATA 2018 e, h, m_e, eps0 as in AgreeWithCodata -> "codata" (a genuinely
  // independent check of the tabulated constants: they differ by ~1.5e-6).
  // All rows have f < 1 (f = 0.96 at 6e9 V/m for 3 eV).
  TEST(FieldEmissionMurphyGood, ReferenceValues)
  {
    struct Row
    {
      double phi, F, tabulated, codata;
    };
    const Row reference[] = {
      {4.5, 2e9, 4.157727168240589e+00, 4.157725891480305e+00},
      {4.5, 5e9, 3.793966022571012e+09, 3.793961823564960e+09},
      {4.5, 1e10, 5.677533325161842e+12, 5.677526174909292e+12},
      {3.0, 1e9, 3.064450619569929e-01, 3.064448899411518e-01},
      {3.0, 2e9, 3.111098077113510e+07, 3.111094085061819e+07},
      {3.0, 5e9, 3.176706787654598e+12, 3.176701903205096e+12},
      {3.0, 6e9, 1.234042168449680e+13, 1.234040270094729e+13}};
    for (const auto &row : reference)
      {
        SCOPED_TRACE(row.phi);
        SCOPED_TRACE(row.F);
        const double J = murphy_good_current_density(row.F, row.phi);
        EXPECT_LT(relative_difference(J, row.tabulated), 1e-12);
        EXPECT_LT(relative_difference(J, row.codata), 5e-6);
        EXPECT_NEAR(log_murphy_good_current_density(row.F, row.phi),
                    std::log(row.tabulated),
                    1e-11);
      }
  }

  TEST(FieldEmissionMurphyGood, ZeroWithoutExtractingField)
  {
    EXPECT_EQ(murphy_good_current_density(0., 4.5), 0.);
    EXPECT_EQ(murphy_good_current_density(-3e9, 4.5), 0.);
    EXPECT_EQ(log_murphy_good_current_density(0., 4.5),
              -std::numeric_limits<double>::infinity());
    EXPECT_EQ(emission_current_density(0., surface()), 0.);
    EXPECT_EQ(emission_current_density(-1e10, surface()), 0.);
    EXPECT_EQ(emission_current_density(-1e10, surface(4.5, 1., 2500, true)),
              0.);
  }

  TEST(FieldEmissionMurphyGood, IncreasesWithField)
  {
    for (const double phi : {3.0, 4.5, 5.5})
      {
        double previous = 0;
        // 2e8 .. 5e10 V/m: crosses f = 1 (1.41e10 V/m for phi = 4.5 eV).
        for (double F = 2e8; F < 5e10; F *= 1.05)
          {
            const double J = murphy_good_current_density(F, phi);
            EXPECT_GT(J, previous) << "phi = " << phi << " F = " << F;
            previous = J;
          }
      }
    // Higher work function, less current.
    EXPECT_LT(murphy_good_current_density(5e9, 5.),
              murphy_good_current_density(5e9, 4.5));
  }

  TEST(FieldEmissionMurphyGood, BeyondBarrierTopContinuousAndQuadratic)
  {
    const double phi = 4.5;
    const double F1 =
      phi * phi / emission_constants::schottky_nordheim_constant;
    EXPECT_LT(relative_difference(murphy_good_current_density(F1 * (1 - 1e-9),
                                                              phi),
                                  murphy_good_current_density(F1, phi)),
              1e-7);
    // v = 0, t = 10/9 held: J = a_FN F^2 / ((10/9)^2 phi).
    const double F = 2 * F1;
    EXPECT_LT(relative_difference(murphy_good_current_density(F, phi),
                                  1.541434e-6 * F * F / (100. / 81. * phi)),
              1e-13);
  }

  TEST(FieldEmissionMurphyGood, EnhancementFactorScalesTheField)
  {
    for (const double beta : {1., 2., 3.5})
      for (const double F : {5e8, 1e9, 2e9})
        EXPECT_LT(
          relative_difference(emission_current_density(F, surface(4.5, beta)),
                              murphy_good_current_density(beta * F, 4.5)),
          1e-14)
          << "beta = " << beta << " F = " << F;
    // A cold surface ignores its temperature.
    EXPECT_EQ(emission_current_density(3e9, surface(4.5, 1., 2500., false)),
              murphy_good_current_density(3e9, 4.5));
  }


  // ---- Thermal correction -------------------------------------------------

  // d_F two ways: e hbar F / (2 sqrt(2 m_e phi) t_f) in SI (phi in J), from
  // CODATA, against the module's 2 F / (3 b_FN sqrt(phi) t_f) in eV. And the
  // mpmath value of the latter at 5e9 V/m, 4.5 eV: 0.2170288459687159 eV.
  TEST(FieldEmissionThermal, DecayWidthBothWays)
  {
    const double hbar = planck / (2 * pi);
    const double e    = elementary_charge;
    for (const double phi : {3.0, 4.5})
      for (const double F : {1e9, 3e9, 6e9})
        {
          const double t = forbes_t(1.439965e-9 * F / (phi * phi));
          const double SI =
            e * hbar * F / (2 * std::sqrt(2 * electron_mass * phi * e) * t);
          EXPECT_LT(relative_difference(decay_width_eV(F, phi), SI / e), 1e-6)
            << "phi = " << phi << " F = " << F;
        }
    EXPECT_NEAR(decay_width_eV(5e9, 4.5), 0.2170288459687159, 1e-13);
    EXPECT_THROW(decay_width_eV(0., 4.5), std::invalid_argument);
  }

  TEST(FieldEmissionThermal, LowTemperatureFactor)
  {
    EXPECT_EQ(thermal_field_factor(5e9, 4.5, 0.), 1.);
    EXPECT_NEAR(thermal_field_factor(5e9, 4.5, 1e-3), 1., 1e-12);
    // (pi p)/sin(pi p) -> 1 + (pi p)^2/6 for small p = k_B T / d_F.
    const double p = 8.617333262e-5 * 10. / 0.2170288459687159;
    EXPECT_NEAR(thermal_field_factor(5e9, 4.5, 10.) - 1.,
                pi * pi * p * p / 6.,
                1e-4 * pi * pi * p * p / 6.);
    // mpmath: p = k_B 1000 K / d_F = 0.397059..., pi p / sin(pi p).
    EXPECT_NEAR(thermal_field_factor(5e9, 4.5, 1000.),
                1.315597783548583,
                1e-12);
    // Held at p = 0.6 beyond it: 0.6 pi / sin(0.6 pi) = 1.981959599516474.
    EXPECT_NEAR(thermal_field_factor(5e9, 4.5, 3000.),
                1.981959599516474,
                1e-12);
    EXPECT_NEAR(thermal_field_factor(1e9, 4.5, 2000.),
                1.981959599516474,
                1e-12);
    // Warm emission at 1000 K, 5e9 V/m is field emission times the factor
    // (Richardson-Schottky is 1e-8 A/m^2 there).
    EXPECT_LT(relative_difference(
                emission_current_density(5e9, surface(4.5, 1., 1000., true)),
                1.315597783548583 * 3.793966022571012e+09),
              1e-11);
  }


  // ---- Richardson-Dushman-Schottky ----------------------------------------

  // mpmath: A_R T^2 exp(-(phi - 3.7947e-5 sqrt(F)) / (k_B T)) with A_R =
  // 1.20173e6, k_B = 8.617333262e-5 eV/K, phi = 4.5 eV (W), T = 2500 K.
  TEST(FieldEmissionRichardson, TungstenAt2500K)
  {
    EXPECT_LT(
      relative_difference(richardson_schottky_current_density(0., 4.5, 2500.),
                          6369.219068199852),
      1e-12);
    EXPECT_LT(
      relative_difference(richardson_schottky_current_density(1e8, 4.5, 2500.),
                          37073.53836358894),
      1e-12);
    EXPECT_LT(
      relative_difference(richardson_schottky_current_density(1e9, 4.5, 2500.),
                          1671700.822069523),
      1e-12);
    // At F = 0 it is A_R T^2 exp(-phi / (k_B T)) from CODATA constants.
    for (const double T : {1500., 2000., 3000.})
      {
        const double kT  = boltzmann / elementary_charge * T;
        const double A_R = 4 * pi * electron_mass * boltzmann * boltzmann *
                           elementary_charge / (planck * planck * planck);
        EXPECT_LT(
          relative_difference(richardson_schottky_current_density(0., 4.5, T),
                              A_R * T * T * std::exp(-4.5 / kT)),
          1e-5)
          << "T = " << T;
      }
    EXPECT_EQ(richardson_schottky_current_density(1e9, 4.5, 0.), 0.);
    // Barrier gone (lowering >= phi): saturates at A_R T^2.
    EXPECT_DOUBLE_EQ(richardson_schottky_current_density(1e11, 4.5, 2000.),
                     1.20173e6 * 2000. * 2000.);
  }

  TEST(FieldEmissionThermallyAssisted, TakesTheLargerRegime)
  {
    // Hot, low field: thermionic (field emission is ~1e-80 A/m^2).
    EXPECT_LT(relative_difference(
                emission_current_density(1e8, surface(4.5, 3., 2500., true)),
                richardson_schottky_current_density(3e8, 4.5, 2500.)),
              1e-13);
    // Cold, high field: the Richardson term is negligible.
    EXPECT_LT(relative_difference(
                emission_current_density(5e9, surface(4.5, 1., 300., true)),
                murphy_good_current_density(5e9, 4.5) *
                  thermal_field_factor(5e9, 4.5, 300.)),
              1e-13);
    // Never below either branch, and monotone in the field.
    for (const double T : {1000., 1500., 2500., 3500.})
      {
        double previous = 0;
        for (double F = 1e7; F < 3e10; F *= 1.1)
          {
            const double J =
              emission_current_density(F, surface(4.5, 1., T, true));
            EXPECT_GE(J, previous) << "T = " << T << " F = " << F;
            EXPECT_GE(J, murphy_good_current_density(F, 4.5));
            EXPECT_GE(J * (1 + 1e-14),
                      richardson_schottky_current_density(F, 4.5, T));
            previous = J;
          }
      }
  }


  // ---- Retarding field (thermionic emission from a positive sphere) --------

  // Fraction of a half-Maxwellian emitted flux (temperature 1, energies in
  // k_B T) that escapes a sphere of radius a whose Coulomb barrier is B,
  // computed directly from the orbits: an electron with normal energy E_n
  // and tangential energy E_t has, at radius r = a / u, the radial kinetic
  // energy E_n + E_t (1 - u^2) - B (1 - u) (energy and angular momentum
  // conserved); it escapes if that is >= 0 for every u in [0, 1]. The flux
  // is e^-E_n dE_n e^-E_t dE_t, so for each E_t the escaping E_n are those
  // above the largest barrier along the orbit, found here by scanning u.
  double
  escaping_fraction_by_orbits(const double B)
  {
    const unsigned int n_t = 4000, n_u = 2000;
    const double       E_t_max = B + 40, dE_t = E_t_max / n_t;
    double             fraction = 0;
    for (unsigned int a = 0; a < n_t; ++a)
      {
        const double E_t    = (a + 0.5) * dE_t;
        double       needed = 0;
        for (unsigned int b = 0; b <= n_u; ++b)
          {
            const double u = double(b) / n_u;
            needed         = std::max(needed, B * (1 - u) - E_t * (1 - u * u));
          }
        fraction += std::exp(-E_t - needed) * dE_t;
      }
    return fraction;
  }

  TEST(FieldEmissionRetarding, FractionAgainstOrbits)
  {
    const double T = 3000.;
    const double kT =
      emission_constants::boltzmann_eV_per_K * T; // eV (checked
                                                  // against CODATA above)
    for (const double x : {0.1, 0.5, 1., 2., 5., 10., 20.})
      {
        const double reference = escaping_fraction_by_orbits(x);
        EXPECT_LT(relative_difference(retarded_thermionic_fraction(x * kT, T),
                                      reference),
                  2e-3)
          << "x = " << x;
        // More than a plane would let out, exp(-x) (normal energy only).
        EXPECT_GT(reference, std::exp(-x) * 1.01) << "x = " << x;
      }
    EXPECT_EQ(retarded_thermionic_fraction(0., T), 1.);
    EXPECT_EQ(retarded_thermionic_fraction(-1., T), 1.);
    // Far beyond underflow of the fraction, its logarithm stays exact.
    EXPECT_NEAR(log_retarded_thermionic_fraction(1e4 * kT, T),
                std::log1p(1e4) - 1e4,
                1e-9);
    EXPECT_THROW(retarded_thermionic_fraction(1., 0.), std::invalid_argument);
  }

  TEST(FieldEmissionRetarding, CurrentDensityBelowZeroField)
  {
    EmitterSurface hot = surface(4.5, 1., 3000., true);
    // Without a retarding length the code's law has no retarding branch.
    EXPECT_EQ(emission_current_density(-1e6, hot), 0.);
    hot.retarding_length_m = 2.5e-6;
    const double kT = emission_constants::boltzmann_eV_per_K * 3000.; // eV
    const double zero_field =
      1.20173e6 * 3000. * 3000. * std::exp(-4.5 / kT); // Richardson-Dushman
    for (const double F : {-1e3, -1e5, -4e5, -1e6})
      {
        const double x = -F * 2.5e-6 / kT;
        EXPECT_LT(relative_difference(emission_current_density(F, hot),
                                      zero_field * (1 + x) * std::exp(-x)),
                  1e-12)
          << "F = " << F;
      }
    // Continuous through zero field, where Schottky lowering vanishes.
    EXPECT_LT(relative_difference(emission_current_density(-1e-9, hot),
                                  zero_field),
              1e-12);
    EXPECT_LT(relative_difference(emission_current_density(1e-9, hot),
                                  zero_field),
              1e-8);
    // Non-decreasing in the field from retarding to extracting.
    double previous = 0;
    for (double F = -1e7; F < 1e10; F += (std::abs(F) + 1e3) * 0.05)
      {
        const double J = emission_current_density(F, hot);
        EXPECT_GE(J, previous) << "F = " << F;
        previous = J;
      }
    // A cold surface, or one not thermally assisted, emits nothing there.
    hot.thermally_assisted = false;
    EXPECT_EQ(emission_current_density(-1e5, hot), 0.);
    hot.retarding_length_m = -1;
    EXPECT_TRUE(throws_input_error_containing([&] { hot.check(); },
                                              {"retarding length"}));
  }

  TEST(FieldEmissionRetarding, SlopeAgainstDerivatives)
  {
    EmitterSurface hot     = surface(4.5, 1., 3000., true);
    hot.retarding_length_m = 2.5e-6;
    const double kT = emission_constants::boltzmann_eV_per_K * 3000.; // eV
    // Retarding: d ln J / dF = x / (1 + x) L / kT (x = |F| L / kT).
    for (const double F : {-1e4, -3e5, -1e6})
      {
        const double x = -F * 2.5e-6 / kT;
        EXPECT_LT(relative_difference(log_emission_current_density_slope(F,
                                                                         hot),
                                      x / (1 + x) * 2.5e-6 / kT),
                  1e-5)
          << "F = " << F;
      }
    // Schottky (thermionic branch at low field): c_S / (2 sqrt(F) kT),
    // c_S = sqrt(e / (4 pi eps0)) in eV (V/m)^-1/2.
    const double c_S =
      std::sqrt(elementary_charge / (4 * pi * vacuum_permittivity));
    for (const double F : {1e6, 1e7, 1e8})
      EXPECT_LT(relative_difference(log_emission_current_density_slope(F, hot),
                                    c_S / (2 * std::sqrt(F) * kT)),
                1e-4)
        << "F = " << F;
    // Cold Murphy-Good: d ln J / dF = 2 / F + v b phi^3/2 / F^2 - (terms in
    // f of t and v); against a wide central difference of ln J itself.
    const EmitterSurface cold = surface();
    for (const double F : {2e9, 4e9})
      {
        const double h = 1e-3 * F;
        EXPECT_LT(
          relative_difference(log_emission_current_density_slope(F, cold),
                              (log_murphy_good_current_density(F + h, 4.5) -
                               log_murphy_good_current_density(F - h, 4.5)) /
                                (2 * h)),
          1e-5)
          << "F = " << F;
      }
    // No emission on either side: slope 0.
    EXPECT_EQ(log_emission_current_density_slope(-1e9, cold), 0.);
  }


  // ---- Emitter surface ----------------------------------------------------

  TEST(FieldEmissionSurface, InvalidRejected)
  {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    EXPECT_NO_THROW(surface().check());
    EXPECT_NO_THROW(surface(4.5, 1., 0., true).check());
    for (const double phi : {0., -1., nan, inf})
      EXPECT_TRUE(throws_input_error_containing([&] { surface(phi).check(); },
                                                {"work function"}))
        << phi;
    for (const double beta : {0.5, 0., -2., nan, inf})
      EXPECT_TRUE(
        throws_input_error_containing([&] { surface(4.5, beta).check(); },
                                      {"field enhancement factor"}))
        << beta;
    for (const double T : {-1., nan, inf})
      EXPECT_TRUE(throws_input_error_containing(
        [&] { surface(4.5, 1., T, true).check(); }, {"temperature"}))
        << T;
    // The emission functions check the surface too.
    EXPECT_TRUE(throws_input_error_containing(
      [] { emission_current_density(5e9, surface(-4.5)); }, {"work function"}));
    EXPECT_TRUE(throws_input_error_containing(
      [] { current_balance_scale({5e9}, {1e-12}, 1e-6, surface(4.5, 0.9)); },
      {"field enhancement factor"}));
  }


  // ---- Emitted current and current balance --------------------------------

  TEST(FieldEmissionCurrent, SumOfSamples)
  {
    const std::vector<double> F = {-1e9, 0., 1e9, 2.5e9, 4e9};
    const std::vector<double> w = {1e-12, 2e-12, 3e-12, 0., 5e-12};
    const double expected = 3e-12 * murphy_good_current_density(1e9, 4.5) +
                            5e-12 * murphy_good_current_density(4e9, 4.5);
    EXPECT_LT(relative_difference(emitted_current(F, w, surface()), expected),
              1e-14);
    // Summed in logarithms: 1e-12 m^2 times ~1e-282 A/m^2 is still resolved.
    const double J = murphy_good_current_density(1e8, 4.5);
    ASSERT_GT(J, 0.);
    EXPECT_LT(relative_difference(emitted_current({1e8}, {1e-12}, surface()),
                                  1e-12 * J),
              1e-12);
    EXPECT_EQ(emitted_current({}, {}, surface()), 0.);
    EXPECT_THROW(emitted_current({1e9, 2e9}, {1e-12}, surface()),
                 std::invalid_argument);
    EXPECT_THROW(emitted_current({1e9}, {-1e-12}, surface()),
                 std::invalid_argument);
    EXPECT_THROW(emitted_current({std::nan("")}, {1e-12}, surface()),
                 std::invalid_argument);
  }

  TEST(FieldEmissionBalance, UniformFieldRoundTrip)
  {
    // Twelve samples of 2e9 V/m, 1e-12 m^2 each; the target is what 3e9 V/m
    // emits, so the scale is exactly 1.5.
    const std::vector<double> F(12, 2e9);
    const std::vector<double> w(12, 1e-12);
    const double target = 12e-12 * murphy_good_current_density(3e9, 4.5);
    const double s      = current_balance_scale(F, w, target, surface());
    EXPECT_NEAR(s, 1.5, 1.5e-10);

    // Round trip over many decades of target current (scale 0.07 .. 100);
    // the hot surface (1800 K) emits 1e-11 A thermionically at any field, so
    // it gets targets above that.
    for (const auto &emitter :
         {surface(), surface(3., 2.5), surface(4.5, 1., 1800., true)})
      for (double I = emitter.thermally_assisted ? 1e-10 : 1e-40; I < 1e6;
           I *= 1e3)
        {
          const double        scale = current_balance_scale(F, w, I, emitter);
          std::vector<double> scaled(F);
          for (double &value : scaled)
            value *= scale;
          EXPECT_LT(relative_difference(emitted_current(scaled, w, emitter), I),
                    1e-9)
            << "I = " << I << " phi = " << emitter.work_function_eV;
        }
  }

  // A sphere of radius 2.5 um carrying charge in an external field E0: the
  // extracting surface field is F_Q + 3 E0 cos(theta) (negative on the far
  // side). Midpoint rule in cos(theta), 400 bands of area 2 pi r^2 dmu.
  TEST(FieldEmissionBalance, SphereRoundTrip)
  {
    const double        r = 2.5e-6, F_Q = 1.5e9, E0 = 0.8e9;
    const unsigned int  n = 400;
    std::vector<double> F(n), w(n);
    for (unsigned int i = 0; i < n; ++i)
      {
        const double mu = -1 + (i + 0.5) * 2. / n;
        F[i]            = F_Q + 3 * E0 * mu;
        w[i]            = 2 * pi * r * r * 2. / n;
      }
    // 1 uA: about what q_uP = 0.3 of a 46 kW, 132 kV, 0.3 focal spot beam
    // deposits on one 5 um particle (doc/theory.md section 2). At 2500 K the
    // particle emits ~0.4 uA thermionically at any positive field, so the
    // hot surface gets larger targets only.
    for (const auto &[I, emitter] :
         std::vector<std::pair<double, EmitterSurface>>{
           {1e-9, surface()},
           {1e-6, surface()},
           {1e-3, surface()},
           {1e-9, surface(4.5, 2.)},
           {1e-6, surface(4.5, 2.)},
           {1e-6, surface(4.5, 2., 2500., true)},
           {1e-3, surface(4.5, 2., 2500., true)}})
      {
        const double        scale = current_balance_scale(F, w, I, emitter);
        std::vector<double> scaled(F);
        for (double &value : scaled)
          value *= scale;
        EXPECT_LT(relative_difference(emitted_current(scaled, w, emitter), I),
                  1e-9)
          << "I = " << I << " T = " << emitter.temperature_K;
      }
    // More current needs a larger field.
    for (const auto &emitter : {surface(), surface(4.5, 1., 2500., true)})
      {
        double previous_scale = 0;
        for (const double I : {1e-6, 1e-5, 1e-4, 1e-3})
          {
            const double scale = current_balance_scale(F, w, I, emitter);
            EXPECT_GT(scale, previous_scale);
            previous_scale = scale;
          }
      }
    // An enhancement factor beta lowers the required scale by exactly beta.
    EXPECT_LT(
      relative_difference(current_balance_scale(F, w, 1e-6, surface(4.5, 2.)),
                          current_balance_scale(F, w, 1e-6, surface()) / 2.),
      1e-12);
  }

  TEST(FieldEmissionBalance, ImpossibleTargetsRejected)
  {
    const std::vector<double> F(10, 2e9), w(10, 1e-12);
    // Even 1e6 times the field (2e15 V/m) emits ~1e13 A only.
    EXPECT_THROW(current_balance_scale(F, w, 1e30, surface()), SolverError);
    // No extracting field anywhere.
    EXPECT_THROW(
      current_balance_scale({-1e9, 0.}, {1e-12, 1e-12}, 1e-6, surface()),
      SolverError);
    EXPECT_THROW(current_balance_scale({}, {}, 1e-6, surface()), SolverError);
    // A hot surface emits its thermionic current (~6e-8 A here at 2500 K)
    // however weak the field: a smaller target cannot be balanced.
    EXPECT_THROW(
      current_balance_scale(F, w, 1e-12, surface(4.5, 1., 2500., true)),
      SolverError);
    try
      {
        current_balance_scale(F, w, 1e30, surface());
      }
    catch (const SolverError &error)
      {
        const std::string message = error.what();
        EXPECT_NE(message.find("target"), std::string::npos) << message;
        EXPECT_EQ(message.find('\n'), std::string::npos) << message;
      }
    // Bad arguments.
    EXPECT_THROW(current_balance_scale(F, w, 0., surface()),
                 std::invalid_argument);
    EXPECT_THROW(current_balance_scale(F, w, -1e-6, surface()),
                 std::invalid_argument);
    EXPECT_THROW(current_balance_scale(F, w, std::nan(""), surface()),
                 std::invalid_argument);
    EXPECT_THROW(current_balance_scale({2e9}, w, 1e-6, surface()),
                 std::invalid_argument);
  }
} // namespace

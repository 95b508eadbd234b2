// Unit tests of the beam's time profile (solvers/anode_thermal/
// time_profile.h), the anode's motion (motion.h) and the specific enthalpy
// of the material library (common/materials.h).
#include "anode_thermal/motion.h"
#include "anode_thermal/time_profile.h"
#include "common/materials.h"
#include "input_error_assertion.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <string>

namespace
{
  using namespace xray;
  using namespace xray::anode_thermal;
  using xray_test::throws_input_error_containing;

  TEST(BeamTimeProfile, PulseTrainIsOnForTheDutyCycleOfEachPeriod)
  {
    const auto beam = BeamTimeProfile::pulsed(100, 1e-3, 0.25);
    EXPECT_EQ(beam.power_after(0), 100);
    EXPECT_EQ(beam.power_after(0.2e-3), 100);
    EXPECT_EQ(beam.power_after(0.25e-3), 0);    // off edge: off after it
    EXPECT_EQ(beam.power_before(0.25e-3), 100); // on before it
    EXPECT_EQ(beam.power_after(0.9e-3), 0);
    EXPECT_EQ(beam.power_before(1e-3), 0);  // end of the off phase
    EXPECT_EQ(beam.power_after(1e-3), 100); // next pulse
    EXPECT_EQ(beam.power_after(7.1e-3), 100);
    EXPECT_EQ(beam.peak_power(), 100);
  }

  TEST(BeamTimeProfile, BreaksAreTheEdgesOfThePulses)
  {
    const auto beam = BeamTimeProfile::pulsed(1, 2e-3, 0.5);
    EXPECT_NEAR(beam.next_break(0), 1e-3, 1e-18);
    EXPECT_NEAR(beam.next_break(1e-3), 2e-3, 1e-18); // not 1e-3 again
    EXPECT_NEAR(beam.next_break(1.5e-3), 2e-3, 1e-18);
    EXPECT_NEAR(beam.next_break(2e-3), 3e-3, 1e-18);
    // Walking from break to break visits every edge once.
    double       t = 0;
    unsigned int n = 0;
    while ((t = beam.next_break(t)) < 10e-3 * (1 - 1e-12))
      ++n;
    EXPECT_EQ(n, 9u);
    EXPECT_TRUE(std::isinf(BeamTimeProfile::constant(5).next_break(1)));
  }

  TEST(BeamTimeProfile, FullDutyCycleIsConstant)
  {
    const auto beam = BeamTimeProfile::pulsed(3, 1e-3, 1);
    EXPECT_EQ(beam.kind(), BeamTimeProfile::Kind::constant);
    EXPECT_EQ(beam.power_after(0.5e-3), 3);
  }

  TEST(BeamTimeProfile, TableIsLinearBetweenRowsAndHeldOutside)
  {
    const auto beam =
      BeamTimeProfile::table({{1e-3, 10}, {2e-3, 30}, {4e-3, 0}}, "test");
    EXPECT_EQ(beam.power_after(0), 10);
    EXPECT_NEAR(beam.power_after(1.5e-3), 20, 1e-12);
    EXPECT_NEAR(beam.power_after(3e-3), 15, 1e-12);
    EXPECT_EQ(beam.power_after(5e-3), 0);
    EXPECT_EQ(beam.peak_power(), 30);
    EXPECT_NEAR(beam.next_break(0), 1e-3, 1e-18);
    EXPECT_NEAR(beam.next_break(1e-3), 2e-3, 1e-18);
    EXPECT_TRUE(std::isinf(beam.next_break(4e-3)));
  }

  TEST(BeamTimeProfile, BadPulsesAndTablesAreNamed)
  {
    EXPECT_TRUE(
      throws_input_error_containing([] { BeamTimeProfile::pulsed(1, 0, 0.5); },
                                    {"Pulse period"}));
    EXPECT_TRUE(throws_input_error_containing(
      [] { BeamTimeProfile::pulsed(1, 1e-3, 1.5); }, {"Pulse duty cycle"}));
    EXPECT_TRUE(throws_input_error_containing(
      [] {
        BeamTimeProfile::table({{0, 1}, {2e-3, 2}, {1e-3, 3}}, "p.txt");
      },
      {"p.txt", "increase"}));
    EXPECT_TRUE(throws_input_error_containing(
      [] {
        BeamTimeProfile::table({{-1e-3, 1}}, "p.txt");
      },
      {"p.txt", "negative"}));
    EXPECT_TRUE(throws_input_error_containing(
      [] {
        BeamTimeProfile::table({{0, 1}, {1, -2}}, "p.txt");
      },
      {"p.txt", "power"}));
    EXPECT_TRUE(throws_input_error_containing(
      [] {
        BeamTimeProfile::table({{0, 0}, {1, 0}}, "p.txt");
      },
      {"every power is zero"}));
  }

  TEST(BeamTimeProfile, TableFileIsReadAndMalformedLinesNamed)
  {
    const std::string good = "test_time_profile_good.txt";
    {
      std::ofstream file(good);
      file << "# t [s], P [W]\n0 0\n1e-3, 50 # ramp\n\n2e-3 50\n";
    }
    const auto beam = BeamTimeProfile::read_table(good);
    EXPECT_NEAR(beam.power_after(0.5e-3), 25, 1e-12);
    std::remove(good.c_str());

    const std::string bad = "test_time_profile_bad.txt";
    {
      std::ofstream file(bad);
      file << "0 0\n1e-3 fifty\n";
    }
    EXPECT_TRUE(
      throws_input_error_containing([&] { BeamTimeProfile::read_table(bad); },
                                    {bad + ":2"}));
    std::remove(bad.c_str());
    EXPECT_TRUE(throws_input_error_containing(
      [] { BeamTimeProfile::read_table("no-such-power-table.txt"); },
      {"no-such-power-table.txt"}));
  }

  TEST(Motion, LinearScanAndRotationGiveTheSurfaceSpeedAtTheSpot)
  {
    Motion scan;
    scan.kind       = Motion::Kind::linear_scan;
    scan.scan_speed = 3;
    const auto u    = scan.velocity(dealii::Point<3>(1e-3, 2e-3, -1e-4));
    EXPECT_EQ(u[0], -3);
    EXPECT_EQ(u[1], 0);
    EXPECT_EQ(scan.speed(), 3);

    Motion rotor;
    rotor.kind               = Motion::Kind::rotating_anode;
    rotor.track_radius       = 0.05;
    rotor.rotation_frequency = 150;
    const double omega       = 2 * M_PI * 150;
    EXPECT_NEAR(rotor.speed(), omega * 0.05, 1e-12);
    const auto at_spot = rotor.velocity(dealii::Point<3>(0, 0, 0));
    EXPECT_NEAR(at_spot[0], -omega * 0.05, 1e-12);
    EXPECT_NEAR(at_spot[1], 0, 1e-12);
    // Rigid rotation about (0, -R_t): u is perpendicular to the radius
    // and grows with it.
    const dealii::Point<3> p(2e-3, 1e-3, 0);
    const auto             v        = rotor.velocity(p);
    const double           radius_x = p[0], radius_y = p[1] + 0.05;
    EXPECT_NEAR(v[0] * radius_x + v[1] * radius_y, 0, 1e-12);
    EXPECT_NEAR(std::hypot(v[0], v[1]),
                omega * std::hypot(radius_x, radius_y),
                1e-9);
    // The axisymmetric model has no motion.
    EXPECT_EQ(rotor.velocity(dealii::Point<2>(1e-3, 0)).norm(), 0);
  }

  TEST(Enthalpy, IsTheIntegralOfTheHeatCapacity)
  {
    const MaterialLibrary library;
    for (const std::string name : {"W", "Cu", "Mo", "diamond-cvd"})
      {
        const auto    &c_p = library.get(name).heat_capacity;
        const Enthalpy H(c_p, 293.15);
        EXPECT_NEAR(H.value(293.15), 0, 1e-9) << name;
        for (const double T : {300., 777., 1500., 3000.})
          {
            const double exact = c_p.integral(293.15, T);
            EXPECT_NEAR(H.value(T), exact, 1e-6 * std::abs(exact) + 1e-9)
              << name << " at " << T << " K";
            // Its derivative is c_p, to the interpolation's accuracy
            // (c_p tables have kinks at their nodes).
            EXPECT_NEAR(H.heat_capacity(T), c_p.value(T), 2e-3 * c_p.value(T))
              << name << " at " << T << " K";
          }
        // The interpolant's derivative is its own slope (Newton's Jacobian).
        const double T = 1234.5, dT = 1e-3;
        EXPECT_NEAR((H.value(T + dT) - H.value(T - dT)) / (2 * dT),
                    H.heat_capacity(T),
                    1e-6 * H.heat_capacity(T))
          << name;
      }
    const Enthalpy constant(TemperatureFunction::constant(500), 300);
    EXPECT_DOUBLE_EQ(constant.value(400), 5e4);
    EXPECT_DOUBLE_EQ(constant.heat_capacity(1e4), 500);
  }
} // namespace

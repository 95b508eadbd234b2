// Unit tests of the stream's heat budget (solvers/stream_thermal/
// heat_budget.h, doc/theory.md section 4): the split table, the lumped
// stream limit, the hybrid limit, and the latent heats it uses.
#include "common/materials.h"
#include "input_error_assertion.h"
#include "stream_thermal/heat_budget.h"

#include <gtest/gtest.h>

#include <cmath>

namespace
{
  using namespace xray;
  using namespace xray::stream_thermal;
  using xray_test::throws_input_error_containing;

  TEST(EnergySplit, StudyTableAtItsRowsAndBetween)
  {
    const EnergySplit split = EnergySplit::hybrid_target_study();
    EXPECT_DOUBLE_EQ(split.at(30e3).stream, 0.566);
    EXPECT_DOUBLE_EQ(split.at(300e3).anode, 0.477);
    EXPECT_DOUBLE_EQ(split.at(150e3).stream, 0.213);
    // Halfway between 120 kV (36.6 %, 28.2 %) and 150 kV (21.3 %, 42.6 %).
    EXPECT_NEAR(split.at(135e3).stream, (0.366 + 0.213) / 2, 1e-15);
    EXPECT_NEAR(split.at(135e3).anode, (0.282 + 0.426) / 2, 1e-15);
  }

  TEST(EnergySplit, RefusesVoltagesOutsideAndBadRows)
  {
    const EnergySplit split = EnergySplit::hybrid_target_study();
    EXPECT_TRUE(throws_input_error_containing([&] { split.at(20e3); },
                                              {"20000", "30000", "300000"}));
    EXPECT_TRUE(throws_input_error_containing(
      [] {
        EnergySplit({30e3, 20e3}, {0.5, 0.5}, {0.1, 0.1}, {0.6, 0.6}, "T");
      },
      {"increase"}));
    EXPECT_TRUE(throws_input_error_containing(
      [] { EnergySplit({30e3}, {1.2}, {0.1}, {0.6}, "T"); }, {"1.2"}));
    EXPECT_TRUE(throws_input_error_containing(
      [] { EnergySplit({30e3}, {0.7}, {0.4}, {0.9}, "T"); }, {"exceeds 1"}));
    EXPECT_TRUE(throws_input_error_containing(
      [] {
        EnergySplit({30e3, 40e3}, {0.7}, {0.1}, {0.9}, "T");
      },
      {"2 tube voltages"}));
  }

  TEST(LumpedLimit, ClosedFormForAConstantHeatCapacity)
  {
    Material m;
    m.density       = 19250;
    m.heat_capacity = TemperatureFunction::constant(150);
    m.latent_heat   = 2.8e5;
    const double r = 2.5e-6, L = 4.67e-3, v = 100;
    const double heat = specific_heat_to_limit(m, 1000, 3000, 0.5);
    EXPECT_DOUBLE_EQ(heat, 150 * 2000 + 0.5 * 2.8e5);
    // Mass flow of one monolayer's worth: n_A (4/3 pi r^3) rho v L.
    const double mass_flow =
      areal_density(r, 1) * 4. / 3 * M_PI * r * r * r * m.density * v * L;
    EXPECT_NEAR(lumped_stream_limit(m, r, 1, L, v, heat),
                mass_flow * heat,
                1e-12 * mass_flow * heat);
    EXPECT_NEAR(lumped_stream_limit(m, r, 2, L, v, heat),
                2 * mass_flow * heat,
                1e-12 * mass_flow * heat);
  }

  TEST(HybridLimit, TheSmallerOfTheStreamAndAnodeLimits)
  {
    const auto limit = hybrid_limit(10e3, 15e3, {0.5, 0.25, 0.75});
    EXPECT_DOUBLE_EQ(limit.stream_limit, 20e3);
    EXPECT_DOUBLE_EQ(limit.anode_limit, 60e3);
    EXPECT_DOUBLE_EQ(limit.hybrid_limit, 20e3);
    EXPECT_EQ(limit.limited_by, "stream");
    EXPECT_EQ(hybrid_limit(10e3, 1e3, {0.5, 0.25, 0.75}).limited_by, "anode");
  }

  TEST(LatentHeat, TungstenFromTheCrcMolarValue)
  {
    const MaterialLibrary library;
    // 52.31 kJ/mol over 183.84 g/mol.
    EXPECT_NEAR(library.get("W").latent_heat, 52.31e3 / 0.18384, 1e-9);
    EXPECT_NEAR(library.get("Cu").latent_heat, 13.26e3 / 0.063546, 1e-9);
    EXPECT_TRUE(std::isnan(library.get("diamond-cvd").latent_heat));
  }
} // namespace

// Unit tests of the electron heat source (solvers/anode_thermal/heat_source.h):
// electron range, backscatter laws, spot and depth profiles, depth-dose
// tables. Figures are checked against doc/theory.md and against integrals
// computed here independently of the implementation.
#include "anode_thermal/heat_source.h"
#include "common/errors.h"
#include "common/materials.h"
#include "input_error_assertion.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <string>

namespace
{
  using namespace xray;
  using namespace xray::anode_thermal;

  const MaterialLibrary library;

  /// Composite Simpson rule with n (even) intervals.
  double
  simpson(const std::function<double(double)> &f,
          const double                         a,
          const double                         b,
          const unsigned int                   n = 20000)
  {
    const double h   = (b - a) / n;
    double       sum = f(a) + f(b);
    for (unsigned int i = 1; i < n; ++i)
      sum += (i % 2 ? 4 : 2) * f(a + i * h);
    return sum * h / 3;
  }

  // int g dy dx of a separable spot g(x, y) = g(x, 0) g(0, y) / g(0, 0):
  // the product of the 1D integrals over |x| < 100 um, |y| < 300 um.
  double
  separable_spot_integral(const SpotProfile &spot)
  {
    const double across =
      simpson([&](double x) { return spot.value(x, 0); }, -1e-4, 1e-4);
    const double along =
      simpson([&](double y) { return spot.value(0, y); }, -3e-4, 3e-4) /
      spot.peak();
    return across * along;
  }

  void
  expect_input_error(const std::function<void()> &action,
                     const std::string           &fragment)
  {
    EXPECT_TRUE(xray_test::throws_input_error_containing(action, {fragment}));
  }

  std::string
  write_file(const std::string &name, const std::string &text)
  {
    const std::string path = ::testing::TempDir() + name;
    std::ofstream(path) << text;
    return path;
  }


  // doc/theory.md section 1: R_KO at 50 kV: Cu ~6.7, Mo ~6.4, Ag ~6.4, W ~4.0,
  // diamond ~13 um (quoted to two digits).
  TEST(ElectronRange, KanayaOkayamaAt50kVMatchesPhysicsBrief)
  {
    const std::vector<std::pair<std::string, double>> expected{{"Cu", 6.7e-6},
                                                               {"Mo", 6.4e-6},
                                                               {"Ag", 6.4e-6},
                                                               {"W", 4.0e-6},
                                                               {"diamond-cvd",
                                                                13e-6}};
    for (const auto &[name, range] : expected)
      EXPECT_NEAR(kanaya_okayama_range(library.get(name), 50e3),
                  range,
                  0.06 * range)
        << name;
  }

  TEST(ElectronRange, ScalesAsEnergyToThePower1_67)
  {
    const Material &cu = library.get("Cu");
    EXPECT_NEAR(kanaya_okayama_range(cu, 100e3) /
                  kanaya_okayama_range(cu, 50e3),
                std::pow(2., 1.67),
                1e-12);
  }

  TEST(ElectronRange, MaterialWithoutAtomicDataIsAnInputError)
  {
    Material unknown      = library.get("Cu");
    unknown.name          = "mystery";
    unknown.atomic_number = std::numeric_limits<double>::quiet_NaN();
    expect_input_error([&] { kanaya_okayama_range(unknown, 50e3); }, "mystery");
  }

  // Measured thick-target backscatter coefficients near 20-30 keV (Reimer,
  // Scanning Electron Microscopy, 1998): C ~0.06, Al ~0.15, Cu ~0.30,
  // W ~0.50.
  TEST(Backscatter, HungerKuechlerReproducesMeasuredCoefficients)
  {
    EXPECT_NEAR(backscatter_coefficient(6, 20e3), 0.06, 0.015);
    EXPECT_NEAR(backscatter_coefficient(13, 20e3), 0.15, 0.02);
    EXPECT_NEAR(backscatter_coefficient(29, 30e3), 0.30, 0.02);
    EXPECT_NEAR(backscatter_coefficient(74, 30e3), 0.50, 0.03);
  }

  // doc/theory.md section 1: eta_E ~0.17 Cu, ~0.24 Mo, ~0.26 Ag, ~0.3-0.37 W,
  // +-20 %.
  TEST(Backscatter, EnergyFractionWithinTheBriefsBand)
  {
    const std::vector<std::pair<double, double>> estimates{{29, 0.17},
                                                           {42, 0.24},
                                                           {47, 0.26},
                                                           {74, 0.335}};
    for (const auto &[Z, eta_E] : estimates)
      {
        const double value = energy_backscatter_fraction(Z, 50e3);
        EXPECT_GT(value, 0.8 * eta_E) << "Z = " << Z;
        EXPECT_LT(value, 1.2 * eta_E) << "Z = " << Z;
        // The energy fraction is the electron fraction times a mean
        // energy fraction between 1/2 and 1.
        const double eta = backscatter_coefficient(Z, 50e3);
        EXPECT_GT(value, 0.5 * eta);
        EXPECT_LT(value, eta);
      }
  }


  TEST(SpotProfile, GaussianIntegratesToOneWithItsHalfMaximumAtTheHwhm)
  {
    const SpotProfile spot(SpotProfile::Kind::gaussian, 10e-6, 30e-6, 0);
    EXPECT_NEAR(spot.value(10e-6, 0) / spot.peak(), 0.5, 1e-12);
    EXPECT_NEAR(spot.value(0, 30e-6) / spot.peak(), 0.5, 1e-12);
    EXPECT_NEAR(spot.fwhm_x(), 20e-6, 1e-18);
    EXPECT_NEAR(spot.fwhm_y(), 60e-6, 1e-18);
    EXPECT_NEAR(separable_spot_integral(spot), 1, 1e-9);
    const double a = 10e-6 / std::sqrt(std::log(2.));
    EXPECT_NEAR(spot.effective_area(), M_PI * a * 3 * a, 1e-20);
  }

  TEST(SpotProfile, LineFocusIntegratesToOneAndIsFlatAlongItsLength)
  {
    const double      L = 200e-6;
    const SpotProfile line(SpotProfile::Kind::line, 10e-6, 5e-6, L);
    EXPECT_NEAR(separable_spot_integral(line), 1, 1e-9);
    // Flat top: the density at 0.3 L from the centre is the peak.
    EXPECT_NEAR(line.value(0, 0.3 * L) / line.peak(), 1, 1e-12);
    // Half maximum at the ends of the rectangle (the edges are symmetric).
    EXPECT_NEAR(line.fwhm_y(), L, 1e-3 * L);
    EXPECT_NEAR(line.value(0, line.fwhm_y() / 2) / line.peak(), 0.5, 1e-9);
    EXPECT_NEAR(line.fwhm_x(), 20e-6, 1e-18);
    EXPECT_DOUBLE_EQ(line.core_half_lengths()[1], L / 2);
    EXPECT_DOUBLE_EQ(line.core_half_lengths()[0], 0);
  }

  TEST(SpotProfile, KeepsTheGivenSizesAndResolvesItsNarrowestWidth)
  {
    // The sizes read back exactly as given (summary.json and the mesh use
    // them); the mesh resolves the narrower HWHM of an ellipse, and across
    // a line focus its HWHM across even where the edges are narrower.
    const SpotProfile ellipse(SpotProfile::Kind::gaussian, 30e-6, 10e-6, 0);
    EXPECT_EQ(ellipse.hwhm_x(), 30e-6);
    EXPECT_EQ(ellipse.hwhm_y(), 10e-6);
    EXPECT_EQ(ellipse.line_length(), 0);
    EXPECT_EQ(ellipse.resolution_scale(), 10e-6);
    EXPECT_FALSE(ellipse.circular());
    EXPECT_TRUE(
      SpotProfile(SpotProfile::Kind::gaussian, 7e-6, 7e-6, 0).circular());

    const SpotProfile line(SpotProfile::Kind::line, 10e-6, 5e-6, 200e-6);
    EXPECT_EQ(line.line_length(), 200e-6);
    EXPECT_EQ(line.resolution_scale(), 10e-6);
    EXPECT_FALSE(line.circular());
  }


  TEST(DepthProfile, SurfaceDepositsEverythingOnTheFace)
  {
    const DepthProfile surface;
    EXPECT_FALSE(surface.is_volumetric());
    EXPECT_DOUBLE_EQ(surface.deposited_fraction(), 1);
  }

  TEST(DepthProfile, DepthDoseInAThickLayerDepositsAllWithinTheRange)
  {
    const double       R       = 6.7e-6;
    const DepthProfile profile = DepthProfile::depth_dose({1e-3}, {R});
    EXPECT_NEAR(profile.deposited_fraction(), 1, 1e-14);
    EXPECT_NEAR(simpson([&](double d) { return profile.value(d); }, 0, R),
                1,
                1e-6);
    EXPECT_EQ(profile.value(1.01 * R), 0);
    // Everhart-Hoff: lambda(0) = 0.60 and the maximum at y = 0.32, i.e.
    // u = 0.32 / 1.1 of the range; the curve's integral to 1.1 is 0.99826.
    EXPECT_NEAR(profile.value(0), 1.1 * 0.60 / 0.998261 / R, 1e-3 / R);
    const double peak_depth = 0.2916 * R;
    EXPECT_GT(profile.value(peak_depth), profile.value(0.25 * R));
    EXPECT_GT(profile.value(peak_depth), profile.value(0.33 * R));
  }

  TEST(DepthProfile, EnergyPassesIntoTheLayerBelowWithItsOwnStopping)
  {
    const double       R_metal = 6.7e-6, R_diamond = 13e-6, t = 3e-6;
    const DepthProfile stack =
      DepthProfile::depth_dose({t, 0.5e-3}, {R_metal, R_diamond});
    EXPECT_NEAR(stack.deposited_fraction(), 1, 1e-14);
    // (Each integral stops short of the interface, where the density
    // jumps: the value exactly on it belongs to the layer below.)
    const double interface_below = t * (1 - 1e-13),
                 interface_above = t * (1 + 1e-13);
    const double in_metal =
      simpson([&](double d) { return stack.value(d); }, 0, interface_below);
    const double in_diamond = simpson([&](double d) { return stack.value(d); },
                                      interface_above,
                                      t + (1 - t / R_metal) * R_diamond);
    EXPECT_NEAR(in_metal + in_diamond, 1, 1e-6);
    // The metal takes what the first t / R_metal of the range gets in a
    // homogeneous metal anode.
    const DepthProfile metal = DepthProfile::depth_dose({1e-3}, {R_metal});
    EXPECT_NEAR(in_metal,
                simpson([&](double d) { return metal.value(d); },
                        0,
                        interface_below),
                1e-9);
    // Across the interface the range-scaled depth is continuous: the
    // density jumps by the ratio of the ranges.
    EXPECT_NEAR(stack.value(t * (1 + 1e-9)) / stack.value(t * (1 - 1e-9)),
                R_metal / R_diamond,
                1e-6);
  }

  TEST(DepthProfile, AnodeThinnerThanTheRangeTransmitsTheRest)
  {
    const DepthProfile foil = DepthProfile::depth_dose({2e-6}, {6.7e-6});
    const double       inside =
      simpson([&](double d) { return foil.value(d); }, 0, 2e-6);
    EXPECT_NEAR(foil.deposited_fraction(), inside, 1e-9);
    EXPECT_LT(foil.deposited_fraction(), 0.6);
  }

  TEST(DepthProfile, TableIsNormalisedAndInterpolatedLinearly)
  {
    // A triangle of base 4 um: area 2e-6 * peak.
    const DepthProfile table =
      DepthProfile::table({{0, 0}, {1e-6, 3}, {4e-6, 0}}, 1e-3);
    EXPECT_NEAR(table.deposited_fraction(), 1, 1e-12);
    const double peak = 2 / 4e-6;
    EXPECT_NEAR(table.value(1e-6), peak, 1e-9 * peak);
    EXPECT_NEAR(table.value(0.5e-6), peak / 2, 1e-9 * peak);
    EXPECT_NEAR(table.value(2.5e-6), peak / 2, 1e-9 * peak);
    EXPECT_EQ(table.value(5e-6), 0);
    // Cut by a 2.5 um anode: the tail beyond it is a triangle similar to the
    // falling part (3/4 of the area) with half its base, (1/2)^2 of it.
    const DepthProfile cut =
      DepthProfile::table({{0, 0}, {1e-6, 3}, {4e-6, 0}}, 2.5e-6);
    EXPECT_NEAR(cut.deposited_fraction(), 1 - 0.75 * 0.25, 1e-12);
  }

  TEST(DepthProfile, MalformedTablesAreInputErrors)
  {
    expect_input_error(
      [&] {
        DepthProfile::table({{0, 1}}, 1e-3);
      },
      "at least 2");
    expect_input_error(
      [&] {
        DepthProfile::table({{0, 1}, {0, 2}}, 1e-3);
      },
      "depths must increase");
    expect_input_error(
      [&] {
        DepthProfile::table({{0, 1}, {1e-6, -1}}, 1e-3);
      },
      "deposition");
    expect_input_error(
      [&] {
        DepthProfile::table({{-1e-6, 1}, {1e-6, 1}}, 1e-3);
      },
      "depth");
    expect_input_error(
      [&] {
        DepthProfile::table({{0, 0}, {1e-6, 0}}, 1e-3);
      },
      "zero everywhere");
    expect_input_error(
      [&] {
        DepthProfile::table({{2e-3, 1}, {3e-3, 1}}, 1e-3);
      },
      "no deposition within the anode");
  }

  TEST(DepthProfile, TableFileIsReadWithCommentsAndCommas)
  {
    const std::string file =
      write_file("depth-dose-good.csv",
                 "# depth (m), deposition\n0, 0\n1e-6 3   # peak\n\n4e-6,0\n");
    const DepthProfile table = DepthProfile::read_table(file, 1e-3);
    EXPECT_NEAR(table.value(1e-6), 2 / 4e-6, 1e-3);
  }

  TEST(DepthProfile, MalformedTableFileNamesFileAndLine)
  {
    const std::string file =
      write_file("depth-dose-bad.csv", "0 1\n1e-6 two\n2e-6 0\n");
    expect_input_error([&] { DepthProfile::read_table(file, 1e-3); },
                       "depth-dose-bad.csv:2: expected two numbers");
    const std::string extra =
      write_file("depth-dose-extra.csv", "0 1 5\n1e-6 2\n");
    expect_input_error([&] { DepthProfile::read_table(extra, 1e-3); },
                       "depth-dose-extra.csv:1");
    expect_input_error(
      [&] { DepthProfile::read_table("/nonexistent/table.csv", 1e-3); },
      "cannot open '/nonexistent/table.csv'");
  }
} // namespace

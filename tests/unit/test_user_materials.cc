// Unit tests of the material input (solvers/common/materials.h): the
// temperature functions a material is given by (constant, table, power
// law, expression) and the user materials of the Materials section,
// with the input errors that name the entry.
#include "common/errors.h"
#include "common/materials.h"
#include "input_error_assertion.h"

#include <deal.II/base/parameter_handler.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

namespace
{
  using xray::InputError;
  using xray::Material;
  using xray::MaterialLibrary;
  using xray::TemperatureFunction;
} // namespace


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

// Unit tests of the stream-potential parameters
// (solvers/stream_potential/parameters.h): the net charge per primary q_uP
// as one number or as a table in the tube voltage (TubeVoltageTable), and
// its reading through Parameters::parse. The interpolated values are worked
// out by hand at each test from f = f_i + (f_{i+1} - f_i) (U - U_i) /
// (U_{i+1} - U_i).
// Also the Solver entries under their current and their old names, and
// Output/Write fields.
#include "common/errors.h"
#include "input_error_assertion.h"
#include "stream_potential/parameters.h"

#include <deal.II/base/parameter_handler.h>

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace
{
  using dealii::ParameterHandler;
  using xray::stream_potential::Parameters;
  using xray::stream_potential::TubeVoltageTable;
  using xray_test::throws_input_error_containing;

  const std::string entry = "Charging/Beam/Net charge per primary";
  /// The example of the parameter's documentation.
  const std::string table_text = "30e3:0.45, 80e3:0.35, 132e3:0.3";

  ::testing::AssertionResult
  parse_fails_with(const std::string              &text,
                   const std::vector<std::string> &fragments)
  {
    return throws_input_error_containing(
      [&] { TubeVoltageTable::parse(text, entry); }, fragments);
  }


  TEST(TubeVoltageTable, OneNumberIsTheOldConstant)
  {
    const auto f = TubeVoltageTable::parse(" 0.3 ", entry);
    EXPECT_TRUE(f.is_constant());
    // Any voltage, no range.
    EXPECT_EQ(f.value(132e3), 0.3);
    EXPECT_EQ(f.value(1e9), 0.3);
    EXPECT_EQ(f.description(), "0.3");
    // Negative values charge positively: allowed, as before.
    EXPECT_EQ(TubeVoltageTable::parse("-0.2", entry).value(50e3), -0.2);
  }

  TEST(TubeVoltageTable, ValuesAtTheNodesAreExact)
  {
    const auto f = TubeVoltageTable::parse(table_text, entry);
    EXPECT_FALSE(f.is_constant());
    EXPECT_EQ(f.value(30e3), 0.45);
    EXPECT_EQ(f.value(80e3), 0.35);
    EXPECT_EQ(f.value(132e3), 0.3);
    EXPECT_EQ(f.description(), "30000:0.45, 80000:0.35, 132000:0.3");
  }

  TEST(TubeVoltageTable, LinearBetweenTheNodes)
  {
    const auto f = TubeVoltageTable::parse(table_text, entry);
    // 55 kV, half-way in [30, 80] kV: (0.45 + 0.35) / 2 = 0.4.
    EXPECT_NEAR(f.value(55e3), 0.4, 1e-15);
    // 100 kV in [80, 132] kV: 0.35 - 0.05 x 20/52 = 0.330769230769...
    EXPECT_NEAR(f.value(100e3), 0.35 - 0.05 * 20. / 52., 1e-15);
    EXPECT_NEAR(f.value(100e3), 0.3307692307692308, 1e-15);
    // 40 kV: 0.45 - 0.1 x 10/50 = 0.43.
    EXPECT_NEAR(f.value(40e3), 0.43, 1e-15);
  }

  TEST(TubeVoltageTable, OnePairHoldsAtItsVoltageOnly)
  {
    const auto f = TubeVoltageTable::parse("132e3:0.3", entry);
    EXPECT_EQ(f.value(132e3), 0.3);
    EXPECT_TRUE(throws_input_error_containing(
      [&] { f.value(130e3); }, {entry, "130000 V", "132000 V to 132000 V"}));
  }

  TEST(TubeVoltageTable, VoltageOutsideTheRangeIsNamed)
  {
    const auto f = TubeVoltageTable::parse(table_text, entry);
    for (const double U : {29.999e3, 150e3, 0.})
      EXPECT_TRUE(throws_input_error_containing(
        [&] { f.value(U); }, {entry, "outside", "30000 V to 132000 V"}))
        << "U = " << U;
    std::string message;
    EXPECT_TRUE(throws_input_error_containing([&] { f.value(150e3); },
                                              {"150000 V"},
                                              &message));
    EXPECT_EQ(message,
              entry + ": the tube voltage 150000 V is outside the table's "
                      "range 30000 V to 132000 V");
  }

  TEST(TubeVoltageTable, VoltagesMustIncrease)
  {
    EXPECT_TRUE(parse_fails_with("80e3:0.35, 30e3:0.45",
                                 {entry,
                                  "80e3:0.35, 30e3:0.45",
                                  "must increase",
                                  "30e3 V follows 80000 V"}));
    EXPECT_TRUE(parse_fails_with("30e3:0.45, 30e3:0.4", {"must increase"}));
    EXPECT_TRUE(parse_fails_with("0:0.45, 30e3:0.4", {"must be positive"}));
    EXPECT_TRUE(parse_fails_with("-30e3:0.45", {"must be positive"}));
  }

  TEST(TubeVoltageTable, NonFiniteNumbersAreRefused)
  {
    EXPECT_TRUE(parse_fails_with("nan", {entry, "\"nan\" is not finite"}));
    EXPECT_TRUE(parse_fails_with("inf", {"\"inf\" is not finite"}));
    EXPECT_TRUE(parse_fails_with("30e3:0.45, 80e3:nan",
                                 {entry, "\"nan\" is not finite"}));
    EXPECT_TRUE(
      parse_fails_with("30e3:0.45, inf:0.3", {"\"inf\" is not finite"}));
    EXPECT_TRUE(parse_fails_with("30e3:1e999", {"\"1e999\" is not finite"}));
  }

  TEST(TubeVoltageTable, MalformedPairsAreNamed)
  {
    EXPECT_TRUE(parse_fails_with("", {entry, "\"\" is not a number"}));
    EXPECT_TRUE(parse_fails_with("0.3x", {"\"0.3x\" is not a number"}));
    EXPECT_TRUE(
      parse_fails_with("30e3:0.45, 80e3", {"\"80e3\" is not voltage:value"}));
    EXPECT_TRUE(parse_fails_with("30e3:0.45:1",
                                 {"\"30e3:0.45:1\" is not voltage:value"}));
    EXPECT_TRUE(parse_fails_with("30e3:0.45,", {"\"\" is not voltage:value"}));
    EXPECT_TRUE(parse_fails_with("30e3:0.45; 80e3:0.35",
                                 {"\"30e3:0.45; 80e3:0.35\" is not "
                                  "voltage:value"}));
    EXPECT_TRUE(parse_fails_with("30 kV:0.45", {"\"30 kV\" is not a number"}));
    EXPECT_TRUE(parse_fails_with("30e3:", {"\"\" is not a number"}));
  }


  /// Parameters::parse on the defaults with the beam entries set.
  class StreamBeamParameters : public ::testing::Test
  {
  protected:
    void
    parse(const std::string &tube_voltage, const std::string &net_charge)
    {
      // A fresh handler every time: a parse that throws may leave it
      // inside a subsection.
      prm = std::make_unique<ParameterHandler>();
      Parameters::declare(*prm);
      prm->enter_subsection("Charging");
      prm->enter_subsection("Beam");
      prm->set("Tube voltage", tube_voltage);
      prm->set("Net charge per primary", net_charge);
      prm->leave_subsection();
      prm->leave_subsection();
      parameters.parse(*prm);
    }

    std::unique_ptr<ParameterHandler> prm;
    Parameters                        parameters;
  };

  TEST_F(StreamBeamParameters, DefaultIsTheOneNumber)
  {
    prm = std::make_unique<ParameterHandler>();
    Parameters::declare(*prm);
    parameters.parse(*prm);
    EXPECT_EQ(parameters.beam.net_charge_per_primary, 0.3);
    EXPECT_TRUE(parameters.beam.net_charge_table.is_constant());
    EXPECT_EQ(parameters.beam.describe(),
              "Beam: U = 132000 V, j = 166548 A/m^2, q_uP = 0.3");
  }

  TEST_F(StreamBeamParameters, TableIsEvaluatedAtTheTubeVoltage)
  {
    parse("100e3", table_text);
    EXPECT_NEAR(parameters.beam.net_charge_per_primary,
                0.35 - 0.05 * 20. / 52.,
                1e-15);
    // The charging current uses the interpolated value:
    // q_uP P / (U W L) pi r^2 with the default beam.
    const double pi = 3.14159265358979323846;
    const double j  = 46.2e3 / (100e3 * 450e-6 * 4670e-6);
    EXPECT_NEAR(parameters.beam.charging_current(2.5e-6),
                parameters.beam.net_charge_per_primary * j * pi * 6.25e-12,
                1e-12 * parameters.beam.charging_current(2.5e-6));
    EXPECT_NE(parameters.beam.describe().find(
                "q_uP = 0.330769 (linear in U in the table 30000:0.45, "
                "80000:0.35, 132000:0.3)"),
              std::string::npos)
      << parameters.beam.describe();

    parse("132e3", table_text);
    EXPECT_EQ(parameters.beam.net_charge_per_primary, 0.3);
  }

  TEST_F(StreamBeamParameters, ErrorsNameTheEntry)
  {
    EXPECT_TRUE(
      throws_input_error_containing([&] { parse("150e3", table_text); },
                                    {"Charging/Beam/Net charge per primary",
                                     "150000 V",
                                     "30000 V to 132000 V"}));
    EXPECT_TRUE(throws_input_error_containing(
      [&] { parse("132e3", "80e3:0.35, 30e3:0.45"); },
      {"Charging/Beam/Net charge per primary", "must increase"}));
    EXPECT_TRUE(throws_input_error_containing(
      [&] { parse("132e3", "nan"); },
      {"Charging/Beam/Net charge per primary", "not finite"}));
  }

  TEST(StreamLayoutParameters, PeriodicCellIsTheDefaultAndRefusesWalls)
  {
    ParameterHandler prm;
    Parameters::declare(prm);
    Parameters parameters;
    parameters.parse(prm);
    EXPECT_EQ(parameters.layout.shape, xray::meshes::PatchShape::periodic_cell);

    // Guard electrodes belong to a finite patch; a sphere has no cell.
    for (const auto &[section, entry, value] :
         {std::tuple<std::string, std::string, std::string>{"Enclosure",
                                                            "Guard electrodes",
                                                            "true"},
          {"Enclosure", "Shape", "sphere"}})
      {
        ParameterHandler bad;
        Parameters::declare(bad);
        bad.enter_subsection(section);
        bad.set(entry, value);
        bad.leave_subsection();
        EXPECT_TRUE(throws_input_error_containing(
          [&] { parameters.parse(bad); },
          {"Particles/Patch shape = periodic cell"}))
          << section << "/" << entry;
      }
  }


  /// Parameters::parse on the defaults with the Solver (and Charging)
  /// lines of @p text.
  Parameters
  parsed(const std::string &text)
  {
    ParameterHandler prm;
    Parameters::declare(prm);
    prm.parse_input_from_string(text);
    Parameters parameters;
    parameters.parse(prm);
    return parameters;
  }

  TEST(StreamSolverParameters, OldNamesGiveTheValuesOfTheNewOnes)
  {
    // Values away from the defaults (2, 1e-10, 2000), so that an old name
    // that were ignored would show.
    const Parameters old_names = parsed("subsection Solver\n"
                                        "  set FE degree          = 1\n"
                                        "  set Relative tolerance = 1e-8\n"
                                        "  set Maximum iterations = 345\n"
                                        "end\n");
    const Parameters new_names =
      parsed("subsection Solver\n"
             "  set Finite element degree     = 1\n"
             "  set Linear solver tolerance   = 1e-8\n"
             "  set Maximum linear iterations = 345\n"
             "end\n");
    for (const Parameters &parameters : {old_names, new_names})
      {
        EXPECT_EQ(parameters.fe_degree, 1u);
        EXPECT_EQ(parameters.linear_tolerance, 1e-8);
        EXPECT_EQ(parameters.max_linear_iterations, 345u);
        // Charging's entries of the same names are the charge iteration's
        // own, untouched.
        EXPECT_EQ(parameters.charge_tolerance, 1e-6);
        EXPECT_EQ(parameters.max_charge_iterations, 200u);
      }
  }

  TEST(StreamSolverParameters, ChargingKeepsItsIterationEntries)
  {
    const Parameters parameters = parsed("subsection Charging\n"
                                         "  set Relative tolerance = 1e-4\n"
                                         "  set Maximum iterations = 17\n"
                                         "end\n");
    EXPECT_EQ(parameters.charge_tolerance, 1e-4);
    EXPECT_EQ(parameters.max_charge_iterations, 17u);
    EXPECT_EQ(parameters.linear_tolerance, 1e-10);
    EXPECT_EQ(parameters.max_linear_iterations, 2000u);
  }

  TEST(StreamOutputParameters, WriteFieldsIsOnByDefault)
  {
    EXPECT_TRUE(parsed("").write_fields);
    EXPECT_FALSE(parsed("subsection Output\n"
                        "  set Write fields = false\n"
                        "end\n")
                   .write_fields);
  }
} // namespace

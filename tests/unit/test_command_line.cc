// Unit tests of the command line and parameter-file layer
// (solvers/common/command_line.h, file_checks.h).
#include "common/command_line.h"
#include "common/file_checks.h"
#include "common/sweep.h"
#include "input_error_assertion.h"
#include "parameter_tree_fixtures.h"

#include <deal.II/base/parameter_handler.h>

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace
{
  using dealii::ParameterHandler;
  using dealii::Patterns::Anything;
  using dealii::Patterns::Double;
  using dealii::Patterns::Integer;
  using dealii::Patterns::Selection;
  using xray::InputError;
  using xray_test::cells;
  using xray_test::declare;
  using xray_test::declare_with_old_name;
  using xray_test::error_reading;
  using xray_test::every_parameter;
  using xray_test::parse;
  using xray_test::radius;
  using xray_test::TemporaryFile;
} // namespace


// --------------------------------------------------------------- one_line

TEST(OneLine, CollapsesWhitespaceRuns)
{
  EXPECT_EQ(xray::one_line("a\nb"), "a b");
  EXPECT_EQ(xray::one_line("\n  first line\n\n\tsecond   line \n"),
            "first line second line");
  EXPECT_EQ(xray::one_line("already one line"), "already one line");
  EXPECT_EQ(xray::one_line(""), "");
  EXPECT_EQ(xray::one_line(" \n\t "), "");
  EXPECT_EQ(xray::one_line("x\r\ny"), "x y");
}

// ---------------------------------------------------------- apply_override

TEST(ApplyOverride, SetsTopLevelAndNestedValues)
{
  ParameterHandler prm;
  declare(prm);
  xray::apply_override(prm, "Model=3d");
  xray::apply_override(prm, "Geometry/Radius=2e-3");
  xray::apply_override(prm, " Materials/User material 1/Density = 3515 ");
  xray::apply_override(prm, "Materials/User material 1/Name=diamond-x");

  EXPECT_EQ(prm.get("Model"), "3d");
  EXPECT_DOUBLE_EQ(radius(prm), 2e-3);
  prm.enter_subsection("Materials");
  prm.enter_subsection("User material 1");
  EXPECT_DOUBLE_EQ(prm.get_double("Density"), 3515.);
  EXPECT_EQ(prm.get("Name"), "diamond-x");
  prm.leave_subsection();
  prm.leave_subsection();
}

TEST(ApplyOverride, ValueMayContainEqualsSign)
{
  ParameterHandler prm;
  declare(prm);
  xray::apply_override(prm, "Label=a=b");
  EXPECT_EQ(prm.get("Label"), "a=b");
}

TEST(ApplyOverride, LeavesHandlerAtTopLevel)
{
  ParameterHandler prm;
  declare(prm);
  xray::apply_override(prm, "Materials/User material 1/Density=1");
  // Still at the top level: top-level entries resolve.
  EXPECT_EQ(prm.get("Model"), "axisymmetric");
  xray::apply_override(prm, "Model=3d");
  EXPECT_EQ(prm.get("Model"), "3d");
}

TEST(ApplyOverride, RejectsUnknownSection)
{
  ParameterHandler prm;
  declare(prm);
  EXPECT_TRUE(xray_test::throws_input_error_containing(
    [&] { xray::apply_override(prm, "Geometri/Radius=1e-3"); },
    {"Geometri/Radius=1e-3"}));
  // Unwound to the top level, value unchanged.
  EXPECT_EQ(prm.get("Model"), "axisymmetric");
  EXPECT_DOUBLE_EQ(radius(prm), 5e-3);
}

TEST(ApplyOverride, RejectsUnknownEntry)
{
  ParameterHandler prm;
  declare(prm);
  EXPECT_TRUE(xray_test::throws_input_error_containing(
    [&] { xray::apply_override(prm, "Geometry/Radios=1e-3"); }, {"Radios"}));
  EXPECT_TRUE(xray_test::throws_input_error_containing(
    [&] { xray::apply_override(prm, "Materials/User material 1/Colour=red"); },
    {"Colour"}));
  EXPECT_TRUE(xray_test::throws_input_error_containing(
    [&] { xray::apply_override(prm, "Nonsense=1"); }, {"Nonsense"}));
  EXPECT_EQ(prm.get("Model"), "axisymmetric");
}

TEST(ApplyOverride, RejectsSubsectionNameUsedAsEntry)
{
  // "Geometry" names a subsection, not an entry: still bad user input.
  ParameterHandler prm;
  declare(prm);
  EXPECT_TRUE(xray_test::throws_input_error_containing(
    [&] { xray::apply_override(prm, "Geometry=1"); }, {"Geometry"}));
  EXPECT_EQ(prm.get("Model"), "axisymmetric");
}

TEST(ApplyOverride, RejectsValueNotMatchingPattern)
{
  ParameterHandler prm;
  declare(prm);
  for (const std::string assignment : {"Geometry/Radius=-1",
                                       "Geometry/Radius=abc",
                                       "Geometry/Cells=0",
                                       "Geometry/Cells=2.5",
                                       "Model=2d"})
    {
      SCOPED_TRACE(assignment);
      EXPECT_TRUE(xray_test::throws_input_error_containing(
        [&] { xray::apply_override(prm, assignment); }, {assignment}));
    }
  EXPECT_DOUBLE_EQ(radius(prm), 5e-3);
  EXPECT_EQ(prm.get("Model"), "axisymmetric");
}

TEST(ApplyOverride, RejectsMissingEqualsOrName)
{
  ParameterHandler prm;
  declare(prm);
  EXPECT_TRUE(xray_test::throws_input_error_containing(
    [&] { xray::apply_override(prm, "Geometry/Radius"); },
    {"Geometry/Radius"}));
  EXPECT_THROW(xray::apply_override(prm, "=3d"), InputError);
  EXPECT_THROW(xray::apply_override(prm, "Geometry/=1"), InputError);
  EXPECT_THROW(xray::apply_override(prm, ""), InputError);
  EXPECT_DOUBLE_EQ(radius(prm), 5e-3);
}

// ---------------------------------------------------------- read_parameters

TEST(ReadParameters, ReadsFileThenAppliesOverridesInOrder)
{
  const TemporaryFile file("# test\n"
                           "set Model = 3d\n"
                           "subsection Geometry\n"
                           "  set Radius = 4e-3\n"
                           "  set Cells  = 7\n"
                           "end\n");
  ParameterHandler    prm;
  declare(prm);
  xray::CommandLine command_line;
  command_line.parameter_file = file.path;
  command_line.overrides = {"Geometry/Radius=1e-3", "Geometry/Radius=3e-3"};
  xray::read_parameters(prm, command_line);
  EXPECT_EQ(prm.get("Model"), "3d");
  EXPECT_DOUBLE_EQ(radius(prm), 3e-3); // the last override wins
  prm.enter_subsection("Geometry");
  EXPECT_EQ(prm.get_integer("Cells"), 7);
  prm.leave_subsection();
}

TEST(ReadParameters, UnknownEntryNamesFileAndLine)
{
  const TemporaryFile file("# comment line 1\n"
                           "# comment line 2\n"
                           "set Model = 3d\n"
                           "subsection Geometry\n"
                           "  set Radius = 4e-3\n"
                           "\n"
                           "  set Bogus = 1\n" // line 7
                           "end\n");
  ParameterHandler    prm;
  declare(prm);
  xray::CommandLine command_line;
  command_line.parameter_file = file.path;
  std::string message;
  EXPECT_TRUE(xray_test::throws_input_error_containing(
    [&] { xray::read_parameters(prm, command_line); },
    {file.path, "Bogus"},
    &message));
  EXPECT_TRUE(std::regex_search(message, std::regex("[Ll]ine\\D{0,3}7\\b")))
    << "no line number 7 in: " << message;
}

TEST(ReadParameters, BadValueInFileNamesFile)
{
  const TemporaryFile file("subsection Geometry\n"
                           "  set Radius = -4e-3\n"
                           "end\n");
  ParameterHandler    prm;
  declare(prm);
  xray::CommandLine command_line;
  command_line.parameter_file = file.path;
  std::string message;
  EXPECT_TRUE(xray_test::throws_input_error_containing(
    [&] { xray::read_parameters(prm, command_line); }, {file.path}, &message));
  EXPECT_TRUE(std::regex_search(message, std::regex("[Ll]ine\\D{0,3}2\\b")))
    << "no line number 2 in: " << message;
}

// A value longer than any parameter needs is refused before deal.II splits
// it (in time quadratic in its length), in a file and in an override.
TEST(ReadParameters, OverlongValueIsRefusedNamingItsLine)
{
  const std::string   overlong(100001, 'x');
  const TemporaryFile file("subsection Geometry\n"
                           "  set Radius = 4e-3\n"
                           "end\n"
                           "set Model = " +
                           overlong + "\n");
  ParameterHandler    prm;
  declare(prm);
  xray::CommandLine command_line;
  command_line.parameter_file = file.path;
  EXPECT_TRUE(xray_test::throws_input_error_containing(
    [&] { xray::read_parameters(prm, command_line); },
    {file.path + ": line 4", "Model", "100001 characters", "at most 100000"}));

  const TemporaryFile good("set Model = 3d\n");
  command_line.parameter_file = good.path;
  command_line.overrides      = {"Geometry/Radius=" + overlong};
  EXPECT_TRUE(xray_test::throws_input_error_containing(
    [&] { xray::read_parameters(prm, command_line); },
    {"Geometry/Radius", "at most 100000"}));
}

TEST(ReadParameters, MissingFileIsAnInputError)
{
  ParameterHandler prm;
  declare(prm);
  xray::CommandLine command_line;
  command_line.parameter_file =
    (std::filesystem::temp_directory_path() / "xray_no_such_file.prm").string();
  EXPECT_TRUE(xray_test::throws_input_error_containing(
    [&] { xray::read_parameters(prm, command_line); },
    {command_line.parameter_file}));
  // A directory is not a parameter file either.
  command_line.parameter_file = std::filesystem::temp_directory_path().string();
  EXPECT_THROW(xray::read_parameters(prm, command_line), InputError);
}

TEST(ReadParameters, BadOverrideAfterGoodFile)
{
  const TemporaryFile file("set Model = 3d\n");
  ParameterHandler    prm;
  declare(prm);
  xray::CommandLine command_line;
  command_line.parameter_file = file.path;
  command_line.overrides      = {"Geometry/Radius=oops"};
  EXPECT_TRUE(xray_test::throws_input_error_containing(
    [&] { xray::read_parameters(prm, command_line); },
    {"Geometry/Radius=oops"}));
}

// ------------------------------------------------- an entry's old name


TEST(OldName, SetsTheEntryInAFileAndInAnOverride)
{
  const TemporaryFile file("subsection Geometry\n"
                           "  set Number of cells = 9\n"
                           "end\n");
  ParameterHandler    prm;
  declare_with_old_name(prm);
  xray::CommandLine command_line;
  command_line.parameter_file = file.path;
  xray::read_parameters(prm, command_line);
  EXPECT_EQ(cells(prm), 9u);

  xray::apply_override(prm, "Geometry/Number of cells=11");
  EXPECT_EQ(cells(prm), 11u);
  // The old name checks the value against the entry's pattern (1...100).
  EXPECT_TRUE(xray_test::throws_input_error_containing(
    [&] { xray::apply_override(prm, "Geometry/Number of cells=0"); },
    {"Number of cells"}));
  EXPECT_EQ(cells(prm), 11u);
}

TEST(OldName, IsNotAnEntryOfItsOwn)
{
  ParameterHandler prm;
  declare_with_old_name(prm);
  const auto values = xray::parameter_values(prm);
  EXPECT_EQ(values.count("Geometry/Number of cells"), 0u);
  EXPECT_EQ(values.at("Geometry/Cells"), "4");
  EXPECT_EQ(values.size(), 6u); // the entries of declare()
  const auto aliases = xray::parameter_aliases(prm);
  ASSERT_EQ(aliases.size(), 1u);
  EXPECT_EQ(aliases.at("Geometry/Number of cells"), "Geometry/Cells");
}


TEST(OldName, AndNewNameInOneFileAreRefusedNamingTheOldNameAndTheFirstLine)
{
  // ParameterHandler would keep the later of the two silently. The message
  // is placed at the first of the two lines.
  EXPECT_EQ(error_reading("subsection Geometry\n"
                          "  set Number of cells = 9\n"
                          "  set Cells = 7\n"
                          "end\n"),
            "FILE:2: Geometry/Number of cells is the old name of "
            "Geometry/Cells, which is also set (line 3); keep one");
  EXPECT_EQ(error_reading("subsection Geometry\n"
                          "  set Cells = 7\n"
                          "\n"
                          "  set Number of cells = 9\n"
                          "end\n"),
            "FILE:2: Geometry/Cells is also set by its old name "
            "Geometry/Number of cells (line 4); keep one");
}

TEST(OldName, SetTwiceIsSetASecondTime)
{
  EXPECT_EQ(error_reading("subsection Geometry\n"
                          "  set Number of cells = 9\n"
                          "  set Number of cells = 8\n"
                          "end\n"),
            "FILE:3: Geometry/Number of cells is set a second time (first "
            "at line 2); only the last would count");
}

TEST(OldName, InAFileIsNamedWithItsLine)
{
  const TemporaryFile included("subsection Geometry\n"
                               "  set Number of cells = 9\n"
                               "end\n");
  const TemporaryFile file("set Model = 3d\n"
                           "include " +
                           included.path + "\n");
  ParameterHandler    prm;
  declare_with_old_name(prm);
  xray::CommandLine command_line;
  command_line.parameter_file = file.path;
  xray::read_parameters(prm, command_line);
  EXPECT_EQ(cells(prm), 9u);
  const std::vector<std::string> expected = {
    included.path + ":2: Geometry/Number of cells is the old name of "
                    "Geometry/Cells and may stop being read; write the new "
                    "name"};
  EXPECT_EQ(xray::deprecated_spellings(prm, command_line), expected);
}

TEST(OldName, OnTheCommandLineIsNamedWithItsOption)
{
  const TemporaryFile file("set Model = 3d\n");
  ParameterHandler    prm;
  declare_with_old_name(prm);
  xray::CommandLine command_line;
  command_line.parameter_file = file.path;
  command_line.overrides      = {" Geometry / Number of cells = 3"};
  xray::read_parameters(prm, command_line);
  EXPECT_EQ(cells(prm), 3u);
  const std::vector<std::string> expected = {
    "--set \"Geometry/Number of cells=...\": Geometry/Number of cells is "
    "the old name of Geometry/Cells and may stop being read; write the new "
    "name"};
  EXPECT_EQ(xray::deprecated_spellings(prm, command_line), expected);

  command_line.overrides = {};
  command_line.sweeps    = {"Geometry/Number of cells=3; 4"};
  ASSERT_EQ(xray::deprecated_spellings(prm, command_line).size(), 1u);
  EXPECT_EQ(xray::deprecated_spellings(prm, command_line)[0].rfind(
              "--sweep \"Geometry/Number of cells=...\": ", 0),
            0u);
}

TEST(OldName, IsNamedOnceWhereItIsFirstUsed)
{
  const TemporaryFile file("subsection Geometry\n"
                           "  set Number of cells = 9\n"
                           "end\n");
  ParameterHandler    prm;
  declare_with_old_name(prm);
  xray::CommandLine command_line;
  command_line.parameter_file = file.path;
  command_line.overrides      = {"Geometry/Number of cells=5"};
  xray::read_parameters(prm, command_line);
  const auto spellings = xray::deprecated_spellings(prm, command_line);
  ASSERT_EQ(spellings.size(), 1u);
  EXPECT_EQ(spellings[0].rfind(file.path + ":2: Geometry/Number of cells", 0),
            0u);
}

TEST(OldName, NewNamesAreNotNamed)
{
  const TemporaryFile file("subsection Geometry\n"
                           "  set Cells = 9\n"
                           "end\n");
  ParameterHandler    prm;
  declare_with_old_name(prm);
  xray::CommandLine command_line;
  command_line.parameter_file = file.path;
  command_line.overrides      = {"Geometry/Cells=5", "Model=3d"};
  command_line.sweeps         = {"Geometry/Radius=1e-3; 2e-3"};
  xray::read_parameters(prm, command_line);
  EXPECT_EQ(cells(prm), 5u);
  EXPECT_TRUE(xray::deprecated_spellings(prm, command_line).empty());
}

// ------------------------------------------- a name that is not declared

namespace
{
  /// The error of apply_override(prm, assignment).
  std::string
  override_error(ParameterHandler &prm, const std::string &assignment)
  {
    std::string message;
    EXPECT_TRUE(xray_test::throws_input_error_containing(
      [&] { xray::apply_override(prm, assignment); }, {}, &message));
    return message;
  }

  /// Every entry and subsection of @p prm with its value, as text.
  std::string
  printed(const ParameterHandler &prm)
  {
    std::ostringstream text;
    prm.print_parameters(text, ParameterHandler::ShortJSON);
    return text.str();
  }

} // namespace

TEST(UnknownName, EntryIsNamedWithTheNearestDeclaredOne)
{
  ParameterHandler prm;
  declare_with_old_name(prm);
  EXPECT_EQ(override_error(prm, "Geometry/Radios=1e-3"),
            "--set \"Geometry/Radios=1e-3\": no parameter \"Geometry/Radios\"; "
            "did you mean \"Geometry/Radius\"?" +
              every_parameter);
  EXPECT_EQ(override_error(prm, " Materials / User material 1 / Nmae = x"),
            "--set \" Materials / User material 1 / Nmae = x\": no parameter "
            "\"Materials/User material 1/Nmae\"; did you mean "
            "\"Materials/User material 1/Name\"?" +
              every_parameter);
}

TEST(UnknownName, SubsectionIsNamedAndNotCreated)
{
  ParameterHandler prm;
  declare_with_old_name(prm);
  const std::string before = printed(prm);
  EXPECT_EQ(override_error(prm, "Geometri/Radius=1e-3"),
            "--set \"Geometri/Radius=1e-3\": no parameter \"Geometri/Radius\" "
            "(no subsection \"Geometri\"); did you mean \"Geometry/Radius\"?" +
              every_parameter);
  EXPECT_EQ(
    override_error(prm, "Materials/User material 2/Name=x"),
    "--set \"Materials/User material 2/Name=x\": no parameter "
    "\"Materials/User material 2/Name\" (no subsection \"Materials/User "
    "material 2\"); did you mean \"Materials/User material 1/Name\"?" +
      every_parameter);
  // No subsection was entered: the handler holds what it held.
  EXPECT_EQ(printed(prm), before);
  EXPECT_EQ(prm.get("Model"), "axisymmetric");
}

TEST(UnknownName, CloseNamesAreSuggested)
{
  ParameterHandler prm;
  declare_with_old_name(prm);
  const auto suggests = [&](const std::string &assignment,
                            const std::string &meant) {
    return override_error(prm, assignment)
             .find("; did you mean \"" + meant + "\"?") != std::string::npos;
  };
  // Letters in the wrong case.
  EXPECT_TRUE(suggests("geometry/RADIUS=2e-3", "Geometry/Radius"));
  // A misspelt old name: the entry's own name is suggested.
  EXPECT_TRUE(suggests("Geometry/Number of cels=3", "Geometry/Cells"));
  // A name without its subsections, when one entry ends in it.
  EXPECT_TRUE(suggests("Radius=1e-3", "Geometry/Radius"));
  EXPECT_TRUE(suggests("Density=1", "Materials/User material 1/Density"));
  EXPECT_DOUBLE_EQ(radius(prm), 5e-3);
}

TEST(UnknownName, NothingIsSuggestedWhenNothingIsClose)
{
  ParameterHandler prm;
  declare_with_old_name(prm);
  EXPECT_EQ(override_error(prm, "Nonsense=1"),
            "--set \"Nonsense=1\": no parameter \"Nonsense\"" +
              every_parameter);
  EXPECT_EQ(override_error(prm, "Geometry/Temperature=300"),
            "--set \"Geometry/Temperature=300\": no parameter "
            "\"Geometry/Temperature\"" +
              every_parameter);
  EXPECT_EQ(override_error(prm, "Geometry=1"),
            "--set \"Geometry=1\": no parameter \"Geometry\" (a subsection, "
            "not a parameter)" +
              every_parameter);
}

TEST(UnknownName, InAFileIsNamedWithFileLineAndFullName)
{
  EXPECT_EQ(error_reading("set Model = 3d\n"
                          "subsection Geometry\n"
                          "  set Radios = 4e-3\n"
                          "end\n"),
            "FILE: line 3: no parameter \"Geometry/Radios\"; did you mean "
            "\"Geometry/Radius\"?" +
              every_parameter);
  EXPECT_EQ(error_reading("SET Nonsense = 1\n"),
            "FILE: line 1: no parameter \"Nonsense\"" + every_parameter);
  EXPECT_EQ(error_reading("subsection Geometri\n"
                          "  set Radius = 4e-3\n"
                          "end\n"),
            "FILE: line 1: no subsection \"Geometri\"; did you mean "
            "\"Geometry\"?" +
              every_parameter);
  EXPECT_EQ(error_reading("subsection Materials\n"
                          "  subsection User material 2\n"
                          "  end\n"
                          "end\n"),
            "FILE: line 2: no subsection \"Materials/User material 2\"; did "
            "you mean \"Materials/User material 1\"?" +
              every_parameter);
  EXPECT_EQ(error_reading("subsection Model\n"
                          "end\n"),
            "FILE: line 1: no subsection \"Model\" (a parameter, not a "
            "subsection)" +
              every_parameter);
}

TEST(UnknownName, AnIncludedFileIsReadInsideTheIncludingSubsection)
{
  // ParameterHandler reads an included file inside the subsections open at
  // the `include` line: its names are checked there, and so are old names.
  const TemporaryFile included("set Number of cells = 9\n"
                               "set Radius = 4e-3\n");
  const TemporaryFile file("subsection Geometry\n"
                           "  include " +
                           included.path +
                           "\n"
                           "end\n");
  ParameterHandler    prm;
  declare_with_old_name(prm);
  xray::CommandLine command_line;
  command_line.parameter_file = file.path;
  xray::read_parameters(prm, command_line);
  EXPECT_EQ(cells(prm), 9u);
  EXPECT_DOUBLE_EQ(radius(prm), 4e-3);
  const std::vector<std::string> old_name = {
    included.path + ":1: Geometry/Number of cells is the old name of "
                    "Geometry/Cells and may stop being read; write the new "
                    "name"};
  EXPECT_EQ(xray::deprecated_spellings(prm, command_line), old_name);

  const TemporaryFile misspelt("set Radius = 4e-3\n"
                               "set Radios = 1\n");
  const TemporaryFile including("subsection Geometry\n"
                                "  include " +
                                misspelt.path +
                                "\n"
                                "end\n");
  command_line.parameter_file = including.path;
  std::string message;
  EXPECT_TRUE(xray_test::throws_input_error_containing(
    [&] { xray::read_parameters(prm, command_line); }, {}, &message));
  EXPECT_EQ(message,
            misspelt.path +
              ": line 2: no parameter \"Geometry/Radios\"; did you mean "
              "\"Geometry/Radius\"?" +
              every_parameter);
}

TEST(UnknownName, SweepIsNamedByItsOption)
{
  const TemporaryFile file("set Model = 3d\n");
  ParameterHandler    prm;
  declare_with_old_name(prm);
  xray::CommandLine command_line;
  command_line.parameter_file = file.path;
  command_line.sweeps         = {"Geometry/Radios=1e-3; 2e-3"};
  std::string message;
  EXPECT_TRUE(xray_test::throws_input_error_containing(
    [&] { xray::read_parameters(prm, command_line); }, {}, &message));
  EXPECT_EQ(message,
            "--sweep \"Geometry/Radios=1e-3; 2e-3\": no parameter "
            "\"Geometry/Radios\"; did you mean \"Geometry/Radius\"?" +
              every_parameter);
  // A sweep of an entry by its old name is read.
  command_line.sweeps = {"Geometry/Number of cells=3; 4"};
  xray::read_parameters(prm, command_line);
  EXPECT_EQ(prm.get("Model"), "3d");
}

// ------------------------------------------------------ parse_command_line

TEST(ParseCommandLine, FileAndRepeatableSet)
{
  const auto command_line = parse({"--set",
                                   "Geometry/Radius=1e-3",
                                   "case.prm",
                                   "--set",
                                   "Model=3d",
                                   "--set=Geometry/Cells=9"});
  EXPECT_EQ(command_line.parameter_file, "case.prm");
  ASSERT_EQ(command_line.overrides.size(), 3u);
  EXPECT_EQ(command_line.overrides[0], "Geometry/Radius=1e-3");
  EXPECT_EQ(command_line.overrides[1], "Model=3d");
  EXPECT_EQ(command_line.overrides[2], "Geometry/Cells=9");
  EXPECT_FALSE(command_line.help);
  EXPECT_FALSE(command_line.print_parameters);
}

TEST(ParseCommandLine, NoFileIsAnInputError)
{
  EXPECT_TRUE(xray_test::throws_input_error_containing([] { parse({}); },
                                                       {"parameter file"}));
  EXPECT_THROW(parse({"--set", "Model=3d"}), InputError);
}

TEST(ParseCommandLine, HelpAndPrintParametersNeedNoFile)
{
  EXPECT_TRUE(parse({"--help"}).help);
  EXPECT_TRUE(parse({"-h"}).help);
  const auto print = parse({"--print-parameters", "--set", "Model=3d"});
  EXPECT_TRUE(print.print_parameters);
  ASSERT_EQ(print.overrides.size(), 1u);
}

TEST(ParseCommandLine, MalformedCommandLinesAreInputErrors)
{
  EXPECT_THROW(parse({"--bogus", "case.prm"}), InputError);
  EXPECT_THROW(parse({"a.prm", "b.prm"}), InputError);
  EXPECT_THROW(parse({"case.prm", "--set"}), InputError);
}


// ------------------------------------------------------------------ sweeps
TEST(ParseCommandLine, RepeatableSweep)
{
  const auto command_line =
    parse({"case.prm",
           "--sweep",
           "Heat source/Spot HWHM=5e-6; 10e-6",
           "--sweep",
           "Geometry/Layer materials=Cu, diamond-cvd; Mo, diamond-cvd"});
  ASSERT_EQ(command_line.sweeps.size(), 2u);
  EXPECT_EQ(command_line.sweeps[1],
            "Geometry/Layer materials=Cu, diamond-cvd; Mo, diamond-cvd");
}

TEST(ParseSweep, ValuesAreSeparatedBySemicolonsAndTrimmed)
{
  const xray::SweepAxis axis = xray::parse_sweep(
    "Geometry/Layer thicknesses = 1e-6, 0.5e-3 ;3e-6, 0.5e-3;");
  EXPECT_EQ(axis.parameter, "Geometry/Layer thicknesses");
  ASSERT_EQ(axis.values.size(), 2u);
  EXPECT_EQ(axis.values[0], "1e-6, 0.5e-3");
  EXPECT_EQ(axis.values[1], "3e-6, 0.5e-3");
}

TEST(ParseSweep, MalformedSweepsAreInputErrors)
{
  for (const std::string text :
       {"Heat source/Spot HWHM", "=1;2", "Model=", "Model= ; "})
    EXPECT_TRUE(
      xray_test::throws_input_error_containing([&] { xray::parse_sweep(text); },
                                               {"--sweep"}))
      << text;
}

// ------------------------------------------------------------- file_kind

TEST(FileKind, RegularDirectoryDeviceAndMissing)
{
  const TemporaryFile file("Model = 3d\n");
  EXPECT_EQ(xray::file_kind(file.path), xray::FileKind::regular);
  EXPECT_EQ(xray::file_kind(std::filesystem::temp_directory_path().string()),
            xray::FileKind::directory);
  EXPECT_EQ(xray::file_kind("/dev/null"), xray::FileKind::special);
  EXPECT_EQ(xray::file_kind(file.path + ".missing"), xray::FileKind::missing);
}

TEST(FileKind, OnlyADirectoryOrASpecialFileIsRefused)
{
  const TemporaryFile file("Model = 3d\n");
  EXPECT_NO_THROW(xray::check_regular_if_present(file.path, "Table"));
  // A missing file is left to its reader, which names it.
  EXPECT_NO_THROW(
    xray::check_regular_if_present(file.path + ".missing", "Table"));
  for (const std::string &path :
       {std::filesystem::temp_directory_path().string(),
        std::string("/dev/null")})
    EXPECT_TRUE(xray_test::throws_input_error_containing(
      [&] { xray::check_regular_if_present(path, "Table = " + path); },
      {"Table = " + path +
       ": not a regular file (a directory, a device or a pipe)"}))
      << path;
}

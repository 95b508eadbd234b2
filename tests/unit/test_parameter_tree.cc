// Unit tests of .json and .xml parameter files read through the command
// line layer (solvers/common/command_line.h): the same tree as a .prm file,
// and what ParameterHandler cannot read named as a .prm error is.
#include "common/command_line.h"
#include "input_error_assertion.h"
#include "parameter_tree_fixtures.h"

#include <deal.II/base/parameter_handler.h>

#include <gtest/gtest.h>

#include <string>
#include <utility>

namespace
{
  using dealii::ParameterHandler;
  using xray::InputError;
  using xray_test::cells;
  using xray_test::declare;
  using xray_test::declare_with_old_name;
  using xray_test::error_reading;
  using xray_test::every_parameter;
  using xray_test::radius;
  using xray_test::TemporaryFile;
} // namespace


// ----------------------------------------- a .json or .xml parameter file

namespace
{
  /// The entries of an XML parameter file in the one top-level element
  /// that ParameterHandler reads; a space in a name is written "_20".
  std::string
  in_xml(const std::string &elements)
  {
    return "<?xml version=\"1.0\"?>\n<ParameterHandler>\n" + elements +
           "</ParameterHandler>\n";
  }

  /// read_parameters() on a file holding @p text.
  void
  read_file(ParameterHandler  &prm,
            const std::string &text,
            const std::string &extension)
  {
    const TemporaryFile file(text, extension);
    xray::CommandLine   command_line;
    command_line.parameter_file = file.path;
    xray::read_parameters(prm, command_line);
  }

  /// Whether @p message is @p prefix followed by more text (the words of
  /// the JSON or XML parser, which are its own).
  ::testing::AssertionResult
  starts_with(const std::string &message, const std::string &prefix)
  {
    if (message.size() > prefix.size() && message.rfind(prefix, 0) == 0)
      return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << "\"" << message << "\" does not start with \"" << prefix
           << "\" and go on";
  }
} // namespace

TEST(TreeFile, ValidJsonAndXmlFilesAreRead)
{
  const std::string json = R"({
    "Model": "3d",
    "Geometry": { "Radius": "4e-3", "Cells": 7 },
    "Materials": { "User material 1": { "Name": "diamond-x" } }
  })";
  const std::string xml =
    in_xml("<Model>3d</Model>\n"
           "<Geometry><Radius>4e-3</Radius><Cells>7</Cells></Geometry>\n"
           "<Materials><User_20material_201><Name>diamond-x</Name>"
           "</User_20material_201></Materials>\n");
  for (const auto &[text, extension] :
       {std::pair{json, ".json"}, std::pair{xml, ".xml"}})
    {
      SCOPED_TRACE(extension);
      ParameterHandler prm;
      declare_with_old_name(prm);
      read_file(prm, text, extension);
      EXPECT_EQ(prm.get("Model"), "3d");
      EXPECT_DOUBLE_EQ(radius(prm), 4e-3);
      EXPECT_EQ(cells(prm), 7u);
      EXPECT_EQ(xray::parameter_values(prm).at(
                  "Materials/User material 1/Name"),
                "diamond-x");
    }
}

TEST(TreeFile, WhatPrintParametersWritesIsReadBack)
{
  // The long form: every entry an object with its value, documentation and
  // pattern, every old name an object naming its entry; in XML every name
  // with "_20" for a space.
  ParameterHandler written;
  declare_with_old_name(written);
  xray::apply_override(written, "Model=3d");
  xray::apply_override(written, "Geometry/Cells=12");
  xray::apply_override(written, "Materials/User material 1/Density=3515");
  for (const auto &[style, extension] :
       {std::pair{ParameterHandler::JSON, ".json"},
        std::pair{ParameterHandler::XML, ".xml"}})
    {
      SCOPED_TRACE(extension);
      std::ostringstream text;
      written.print_parameters(text, style);
      ParameterHandler prm;
      declare_with_old_name(prm);
      read_file(prm, text.str(), extension);
      EXPECT_EQ(xray::parameter_values(prm), xray::parameter_values(written));
    }
}

TEST(TreeFile, UnknownEntryInASubsectionIsNamedInFull)
{
  EXPECT_EQ(error_reading(R"({ "Geometry": { "Radius": "4e-3",
                                              "Temperature": "300" } })",
                          ".json"),
            "FILE: no parameter \"Geometry/Temperature\"" + every_parameter);
  EXPECT_EQ(error_reading(in_xml("<Geometry>\n"
                                 "  <Radius>4e-3</Radius>\n"
                                 "  <Temperature>300</Temperature>\n"
                                 "</Geometry>\n"),
                          ".xml"),
            "FILE: no parameter \"Geometry/Temperature\"" + every_parameter);
  // A subsection where an entry is.
  EXPECT_EQ(error_reading(R"({ "Geometry": "4e-3" })", ".json"),
            "FILE: no parameter \"Geometry\" (a subsection, not a "
            "parameter)" +
              every_parameter);
}

TEST(TreeFile, UnknownSubsectionIsNamed)
{
  EXPECT_EQ(error_reading(R"({ "Geometri": { "Radius": "4e-3" } })", ".json"),
            "FILE: no subsection \"Geometri\"; did you mean \"Geometry\"?" +
              every_parameter);
  EXPECT_EQ(error_reading(in_xml("<Geometri><Radius>4e-3</Radius></Geometri>"),
                          ".xml"),
            "FILE: no subsection \"Geometri\"; did you mean \"Geometry\"?" +
              every_parameter);
  EXPECT_EQ(error_reading(in_xml(
                            "<Materials><User_20material_202><Name>x</Name>"
                            "</User_20material_202></Materials>"),
                          ".xml"),
            "FILE: no subsection \"Materials/User material 2\"; did you mean "
            "\"Materials/User material 1\"?" +
              every_parameter);
  EXPECT_EQ(error_reading(R"({ "Output": { "Write fields": "true" } })",
                          ".json"),
            "FILE: no subsection \"Output\"" + every_parameter);
  // An entry where a subsection is.
  EXPECT_EQ(error_reading(R"({ "Model": { "Name": "3d" } })", ".json"),
            "FILE: no subsection \"Model\" (a parameter, not a subsection)" +
              every_parameter);
}

TEST(TreeFile, MisspeltNameIsNamedWithTheNearestDeclaredOne)
{
  EXPECT_EQ(error_reading(R"({ "Geometry": { "Radios": "4e-3" } })", ".json"),
            "FILE: no parameter \"Geometry/Radios\"; did you mean "
            "\"Geometry/Radius\"?" +
              every_parameter);
  EXPECT_EQ(error_reading(in_xml("<Geometry><Radios>4e-3</Radios></Geometry>"),
                          ".xml"),
            "FILE: no parameter \"Geometry/Radios\"; did you mean "
            "\"Geometry/Radius\"?" +
              every_parameter);
  // A misspelt old name: the entry's own name is suggested.
  EXPECT_EQ(error_reading(R"({ "Geometry": { "Number of cels": "3" } })",
                          ".json"),
            "FILE: no parameter \"Geometry/Number of cels\"; did you mean "
            "\"Geometry/Cells\"?" +
              every_parameter);
  EXPECT_EQ(
    error_reading(in_xml("<Materials><User_20material_201><Nmae>x</Nmae>"
                         "</User_20material_201></Materials>"),
                  ".xml"),
    "FILE: no parameter \"Materials/User material 1/Nmae\"; did you mean "
    "\"Materials/User material 1/Name\"?" +
      every_parameter);
}

TEST(TreeFile, MalformedFileIsNamedWithTheLine)
{
  EXPECT_TRUE(
    starts_with(error_reading("{\n"
                              "  \"Geometry\": { \"Radius\": \"4e-3\"\n"
                              "}\n",
                              ".json"),
                "FILE: line 4: not valid JSON: "));
  EXPECT_TRUE(starts_with(error_reading(R"({ "Model": "3d" } })", ".json"),
                          "FILE: line 1: not valid JSON: "));
  EXPECT_TRUE(
    starts_with(error_reading("", ".json"), "FILE: line 1: not valid JSON: "));
  // A closing tag that names another element (line 5 of the file).
  EXPECT_TRUE(starts_with(error_reading(in_xml("<Geometry>\n"
                                               "  <Radius>4e-3</Radius>\n"
                                               "</Geometri>\n"),
                                        ".xml"),
                          "FILE: line 5: not valid XML: "));
  EXPECT_TRUE(starts_with(error_reading(in_xml("<Geometry>\n"
                                               "  <Radius>4e-3</Radius\n"
                                               "</Geometry>\n"),
                                        ".xml"),
                          "FILE: line 5: not valid XML: "));
}

TEST(TreeFile, ValueOutsideItsPatternIsNamedWithItsEntry)
{
  EXPECT_TRUE(starts_with(
    error_reading(R"({ "Geometry": { "Radius": "-4e-3" } })", ".json"),
    "FILE: Geometry/Radius: The string <-4e-3> does not match"));
  EXPECT_TRUE(starts_with(
    error_reading(in_xml("<Materials><User_20material_201><Density>-1"
                         "</Density></User_20material_201></Materials>"),
                  ".xml"),
    "FILE: Materials/User material 1/Density: The string <-1> does not "
    "match"));
  // The handler is left at its top level.
  ParameterHandler prm;
  declare(prm);
  EXPECT_THROW(read_file(prm, R"({ "Geometry": { "Cells": "0" } })", ".json"),
               InputError);
  EXPECT_EQ(prm.get("Model"), "axisymmetric");
}

TEST(TreeFile, WhatParameterHandlerCannotReadIsRefused)
{
  EXPECT_EQ(error_reading(in_xml("<!-- the anode -->\n"
                                 "<Geometry><Radius>4e-3</Radius></Geometry>"),
                          ".xml"),
            "FILE: an XML comment in <ParameterHandler>: a parameter file "
            "cannot hold comments; remove it");
  EXPECT_EQ(error_reading(in_xml("<Geometry unit=\"m\"><Radius>4e-3</Radius>"
                                 "</Geometry>"),
                          ".xml"),
            "FILE: an XML attribute of \"Geometry\": a parameter file cannot "
            "hold attributes; remove it");
  EXPECT_EQ(error_reading(R"({ "Label": ["a", "b"] })", ".json"),
            "FILE: \"Label\" is a JSON array: give its value as one string (a "
            "list as \"a, b\")");
  EXPECT_EQ(error_reading(R"(["Model", "3d"])", ".json"),
            "FILE: the top level is not a JSON object");
  EXPECT_EQ(error_reading(R"({ "Geometry/Radius": "4e-3" })", ".json"),
            "FILE: \"Geometry/Radius\": subsections are nested objects (JSON) "
            "or elements (XML), not parts of a name");
}

TEST(TreeFile, OldNameIsNamedWithTheFile)
{
  const TemporaryFile file(R"({ "Geometry": { "Number of cells": "9" } })",
                           ".json");
  ParameterHandler    prm;
  declare_with_old_name(prm);
  xray::CommandLine command_line;
  command_line.parameter_file = file.path;
  xray::read_parameters(prm, command_line);
  EXPECT_EQ(cells(prm), 9u);
  const std::vector<std::string> expected = {
    file.path + ": Geometry/Number of cells is the old name of "
                "Geometry/Cells and may stop being read; write the new name"};
  EXPECT_EQ(xray::deprecated_spellings(prm, command_line), expected);
}

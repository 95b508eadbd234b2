// The small parameter tree and temporary files shared by the unit tests of
// the command line (test_command_line.cc) and of .json/.xml parameter files
// (test_parameter_tree.cc).
#ifndef XRAY_TESTS_UNIT_PARAMETER_TREE_FIXTURES_H
#define XRAY_TESTS_UNIT_PARAMETER_TREE_FIXTURES_H

#include "common/command_line.h"
#include "input_error_assertion.h"

#include <deal.II/base/parameter_handler.h>

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace xray_test
{
  using dealii::ParameterHandler;
  using dealii::Patterns::Anything;
  using dealii::Patterns::Double;
  using dealii::Patterns::Integer;
  using dealii::Patterns::Selection;


  /// A small parameter tree: a top-level entry, a subsection and a nested
  /// subsection.
  inline void
  declare(ParameterHandler &prm)
  {
    prm.declare_entry("Model", "axisymmetric", Selection("axisymmetric|3d"));
    prm.declare_entry("Label", "none", Anything());
    prm.enter_subsection("Geometry");
    prm.declare_entry("Radius", "5e-3", Double(0));
    prm.declare_entry("Cells", "4", Integer(1, 100));
    prm.leave_subsection();
    prm.enter_subsection("Materials");
    prm.enter_subsection("User material 1");
    prm.declare_entry("Name", "", Anything());
    prm.declare_entry("Density", "0", Double(0));
    prm.leave_subsection();
    prm.leave_subsection();
  }

  inline double
  radius(ParameterHandler &prm)
  {
    prm.enter_subsection("Geometry");
    const double r = prm.get_double("Radius");
    prm.leave_subsection();
    return r;
  }

  /// argv from strings (argv[0] is the program name).
  inline xray::CommandLine
  parse(std::vector<std::string> arguments)
  {
    arguments.insert(arguments.begin(), "anode-thermal");
    std::vector<char *> argv;
    for (auto &argument : arguments)
      argv.push_back(argument.data());
    argv.push_back(nullptr);
    return xray::parse_command_line(static_cast<int>(arguments.size()),
                                    argv.data());
  }

  /// A parameter file in the temporary directory, removed at the end; its
  /// @p extension tells ParameterHandler how to read it.
  struct TemporaryFile
  {
    explicit TemporaryFile(const std::string &content,
                           const std::string &extension = ".prm")
    {
      static int counter = 0;
      path               = (std::filesystem::temp_directory_path() /
              ("xray_unit_command_line_" + std::to_string(::getpid()) + "_" +
               std::to_string(counter++) + extension))
               .string();
      std::ofstream(path) << content;
    }
    ~TemporaryFile()
    {
      std::error_code ignored;
      std::filesystem::remove(path, ignored);
    }
    std::string path;
  };

  /// The small tree of declare() with Geometry/Cells renamed from
  /// "Number of cells", as a solver keeps an entry's old name readable
  /// (without deal.II's deprecation flag, as the solvers declare it:
  /// deprecated_spellings() names the old names in use).
  inline void
  declare_with_old_name(ParameterHandler &prm)
  {
    declare(prm);
    prm.enter_subsection("Geometry");
    prm.declare_alias("Cells", "Number of cells", false);
    prm.leave_subsection();
  }

  inline unsigned int
  cells(ParameterHandler &prm)
  {
    prm.enter_subsection("Geometry");
    const unsigned int n = prm.get_integer("Cells");
    prm.leave_subsection();
    return n;
  }

  /// The error of read_parameters() on a file holding @p text, with the
  /// file's name written as FILE.
  inline std::string
  error_reading(const std::string &text, const std::string &extension = ".prm")
  {
    const TemporaryFile file(text, extension);
    ParameterHandler    prm;
    declare_with_old_name(prm);
    xray::CommandLine command_line;
    command_line.parameter_file = file.path;
    std::string message;
    EXPECT_TRUE(xray_test::throws_input_error_containing(
      [&] { xray::read_parameters(prm, command_line); }, {}, &message));
    if (message.rfind(file.path, 0) != 0)
      return message;
    return "FILE" + message.substr(file.path.size());
  }

  /// How an unknown name's message ends.
  inline const std::string every_parameter =
    " (every parameter: --print-parameters)";
} // namespace xray_test

#endif

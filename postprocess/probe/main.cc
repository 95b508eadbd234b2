// vtu-probe RESULT COMMAND [options]: see --help, and doc/postprocess.md.
#include "probe.h"

#include <boost/program_options.hpp>

#include <iostream>

namespace po = boost::program_options;
using namespace xray::probe;

namespace
{
  const char *usage =
    "Usage: vtu-probe RESULT COMMAND [options]\n"
    "\n"
    "Reads a solver result (solution.pvd: its last time step unless --step;\n"
    "a .pvtu with its pieces; or one .vtu) with VTK and prints CSV on stdout.\n"
    "Vector fields give columns NAME_x, NAME_y, NAME_z and NAME_magnitude.\n"
    "\n"
    "Commands:\n"
    "  info       points, cells, bounds; every array with components, range\n"
    "  extremes   min and max of each field with the point where attained\n"
    "  line       the fields at --samples points from --from to --to\n"
    "  points     the fields at each --point, or at the rows of --points-file\n"
    "  cells      cells per type; scaled Jacobian of linear cells, the number\n"
    "             of inverted/folded cells (scaled Jacobian <= 0) and the worst\n"
    "\n"
    "Sampled fields are interpolated by VTK (vtkProbeFilter) with the cells'\n"
    "shape functions; points outside the mesh have valid = 0 and nan fields.\n"
    "A point exactly on the boundary of a 2D (axisymmetric) result can be\n"
    "reported outside (the file rounds coordinates to single precision):\n"
    "move it inside by a small fraction of a cell, e.g. y = -1e-12 m.\n"
    "Bad input: one line on stderr, exit status 2.\n"
    "\n"
    "Options";
}


namespace
{
  /// The options --help lists.
  po::options_description
  visible_options()
  {
    po::options_description options(usage);
    options.add_options()("help,h", "print this help")(
      "field,f",
      po::value<std::vector<std::string>>(),
      "point field to report (repeatable; default: all)")(
      "step",
      po::value<int>()->default_value(-1),
      "entry of the .pvd collection, from 0 (default: the last)")(
      "from", po::value<std::string>(), "line start x,y,z in m")(
      "to",
      po::value<std::string>(),
      "line end x,y,z in m")("samples",
                             po::value<unsigned int>()->default_value(101),
                             "points on the line, ends included")(
      "point,p",
      po::value<std::vector<std::string>>(),
      "sample point x,y,z in m (repeatable)")(
      "points-file",
      po::value<std::string>(),
      "CSV file of x,y,z rows (optional header line)");
    return options;
  }


  /// The points COMMAND samples (line, points; none for the others),
  /// checked before a possibly large result is read.
  std::vector<Point>
  requested_locations(const std::string       &command,
                      const po::variables_map &arguments)
  {
    std::vector<Point> locations;
    if (command == "line")
      {
        if (!arguments.count("from") || !arguments.count("to"))
          throw InputError("line needs --from x,y,z and --to x,y,z");
        locations =
          line_points(parse_point(arguments["from"].as<std::string>(),
                                  "--from"),
                      parse_point(arguments["to"].as<std::string>(), "--to"),
                      arguments["samples"].as<unsigned int>());
      }
    else if (command == "points")
      {
        if (arguments.count("points-file"))
          locations =
            read_points_file(arguments["points-file"].as<std::string>());
        if (arguments.count("point"))
          for (const auto &p :
               arguments["point"].as<std::vector<std::string>>())
            locations.push_back(parse_point(p, "--point"));
        if (locations.empty())
          throw InputError("points needs --point x,y,z or --points-file");
      }
    return locations;
  }


  /// Reads the result and prints what COMMAND asks for as CSV.
  void
  answer(const std::string        &command,
         const po::variables_map  &arguments,
         const std::vector<Point> &locations)
  {
    const auto fields = arguments.count("field") ?
                          arguments["field"].as<std::vector<std::string>>() :
                          std::vector<std::string>();
    const auto result = read_result(arguments["result"].as<std::string>(),
                                    arguments["step"].as<int>());
    if (command == "info")
      write_info(std::cout, *result);
    else if (command == "extremes")
      write_extremes(std::cout, extremes(*result, fields));
    else if (command == "cells")
      write_cell_report(std::cout, check_cells(*result));
    else
      {
        const auto selected = columns(*result, fields);
        const auto samples  = sample(*result, locations);
        write_samples(std::cout, *samples, selected);
      }
  }
} // namespace


int
main(int argc, char **argv)
{
  const po::options_description options = visible_options();
  po::options_description       hidden;
  hidden.add_options()("result",
                       po::value<std::string>())("command",
                                                 po::value<std::string>());
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("result", 1).add("command", 1);

  try
    {
      po::variables_map arguments;
      po::store(po::command_line_parser(argc, argv)
                  .options(all)
                  .positional(positional)
                  .run(),
                arguments);
      po::notify(arguments);
      if (arguments.count("help"))
        {
          std::cout << options << std::endl;
          return 0;
        }
      if (!arguments.count("result") || !arguments.count("command"))
        throw InputError("give a RESULT file and a COMMAND (see --help)");
      const std::string command = arguments["command"].as<std::string>();
      if (command != "info" && command != "extremes" && command != "line" &&
          command != "points" && command != "cells")
        throw InputError("unknown command '" + command +
                         "' (info, extremes, line, points, cells)");
      answer(command, arguments, requested_locations(command, arguments));
      return 0;
    }
  catch (const InputError &error)
    {
      std::cerr << "vtu-probe: error: " << error.what() << std::endl;
      return 2;
    }
  catch (const po::error &error)
    {
      std::cerr << "vtu-probe: error: " << error.what() << std::endl;
      return 2;
    }
  catch (const std::exception &error)
    {
      std::cerr << "vtu-probe: internal error: " << error.what() << std::endl;
      return 1;
    }
}

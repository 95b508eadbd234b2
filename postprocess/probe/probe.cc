#include "probe.h"

#include <vtkCellData.h>
#include <vtkCellTypes.h>
#include <vtkCommand.h>
#include <vtkDataArray.h>
#include <vtkDataSet.h>
#include <vtkMeshQuality.h>
#include <vtkNew.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkProbeFilter.h>
#include <vtkXMLDataElement.h>
#include <vtkXMLDataParser.h>
#include <vtkXMLPUnstructuredGridReader.h>
#include <vtkXMLUnstructuredGridReader.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>

namespace xray
{
  namespace probe
  {
    namespace
    {
      namespace fs = std::filesystem;

      // Keeps the first error a VTK reader reports, instead of letting it go
      // to VTK's output window as a multi-line message.
      class ErrorRecorder : public vtkCommand
      {
      public:
        static ErrorRecorder *
        New()
        {
          return new ErrorRecorder;
        }

        void
        Execute(vtkObject *, unsigned long, void *call_data) override
        {
          if (message.empty() && call_data != nullptr)
            message = static_cast<const char *>(call_data);
        }

        std::string message;
      };


      // First line of a VTK error message, without VTK's source location.
      std::string
      first_line(const std::string &message)
      {
        std::string line  = message.substr(0, message.find('\n'));
        const auto  colon = line.rfind("): ");
        return colon == std::string::npos ? line : line.substr(colon + 3);
      }


      // The values of `attribute` of every element called `element` in the
      // XML file, in document order, parsed with VTK's XML parser.
      std::vector<std::string>
      xml_attributes(const fs::path    &file,
                     const std::string &element,
                     const std::string &attribute)
      {
        // A file that is not XML is reported below in one line; VTK's own
        // report of the syntax error would be a second one.
        vtkObject::GlobalWarningDisplayOff();
        vtkNew<vtkXMLDataParser> parser;
        parser->SetFileName(file.c_str());
        if (parser->Parse() == 0 || parser->GetRootElement() == nullptr)
          throw InputError(file.string() + ": not a readable XML file");

        std::vector<std::string>         values;
        std::vector<vtkXMLDataElement *> pending{parser->GetRootElement()};
        while (!pending.empty())
          {
            vtkXMLDataElement *node = pending.back();
            pending.pop_back();
            if (element == node->GetName())
              {
                const char *value = node->GetAttribute(attribute.c_str());
                if (value == nullptr)
                  throw InputError(file.string() + ": <" + element +
                                   "> without " + attribute + "=");
                values.emplace_back(value);
              }
            for (int i = node->GetNumberOfNestedElements() - 1; i >= 0; --i)
              pending.push_back(node->GetNestedElement(i));
          }
        return values;
      }


      fs::path
      existing_file(const fs::path &file, const std::string &named_by)
      {
        if (!fs::is_regular_file(file))
          throw InputError(
            "cannot open " + file.string() +
            (named_by.empty() ? "" : " (named by " + named_by + ")"));
        return file;
      }


      // A .pvd names one .pvtu per time step; take entry `step` (the last
      // when step < 0).
      fs::path
      time_step_file(const fs::path &pvd, const int step)
      {
        const auto files = xml_attributes(pvd, "DataSet", "file");
        if (files.empty())
          throw InputError(pvd.string() + ": the collection names no data set");
        if (step >= static_cast<int>(files.size()))
          throw InputError(pvd.string() + ": --step " + std::to_string(step) +
                           " but the collection has " +
                           std::to_string(files.size()) + " entries");
        const auto &name = step < 0 ? files.back() : files[step];
        return existing_file(pvd.parent_path() / name, pvd.string());
      }


      template <typename Reader>
      vtkSmartPointer<vtkUnstructuredGrid>
      read_with(const fs::path &file)
      {
        // VTK reports through its output window as well as by event; the
        // event is enough here.
        vtkObject::GlobalWarningDisplayOff();
        vtkNew<Reader>        reader;
        vtkNew<ErrorRecorder> errors;
        reader->AddObserver(vtkCommand::ErrorEvent, errors);
        reader->SetFileName(file.c_str());
        reader->Update();
        if (!errors->message.empty())
          throw InputError(file.string() + ": " + first_line(errors->message));
        vtkSmartPointer<vtkUnstructuredGrid> grid = reader->GetOutput();
        if (grid == nullptr || grid->GetNumberOfPoints() == 0)
          throw InputError(file.string() + ": no points read");
        return grid;
      }


      double
      norm(vtkDataArray &array, const vtkIdType tuple)
      {
        double sum = 0;
        for (int c = 0; c < array.GetNumberOfComponents(); ++c)
          sum += std::pow(array.GetComponent(tuple, c), 2);
        return std::sqrt(sum);
      }


      std::vector<Column>
      columns_of(vtkDataArray &array)
      {
        const std::string name = array.GetName();
        const int         n    = array.GetNumberOfComponents();
        if (n == 1)
          return {{name, name, 0}};
        std::vector<Column> result;
        for (int c = 0; c < n; ++c)
          result.push_back(
            {name + "_" +
               (n == 3 ? std::string(1, "xyz"[c]) : std::to_string(c)),
             name,
             c});
        result.push_back({name + "_magnitude", name, -1});
        return result;
      }


      std::string
      point_array_names(vtkDataSet &data)
      {
        std::string names;
        for (int i = 0; i < data.GetPointData()->GetNumberOfArrays(); ++i)
          if (const char *name = data.GetPointData()->GetArrayName(i))
            if (std::string(name) != "vtkValidPointMask")
              names += (names.empty() ? "" : ", ") + std::string(name);
        return names;
      }


      Point
      cell_centre(vtkUnstructuredGrid &grid, const vtkIdType cell)
      {
        vtkIdType        n;
        const vtkIdType *ids;
        grid.GetCellPoints(cell, n, ids);
        Point centre{};
        for (vtkIdType i = 0; i < n; ++i)
          {
            double x[3];
            grid.GetPoint(ids[i], x);
            for (int d = 0; d < 3; ++d)
              centre[d] += x[d] / n;
          }
        return centre;
      }


      double
      parse_number(const std::string &text, const std::string &what)
      {
        std::size_t end = 0;
        double      x   = 0;
        try
          {
            x = std::stod(text, &end);
          }
        catch (const std::exception &)
          {
            end = 0;
          }
        if (end == 0 ||
            text.find_first_not_of(" \t\r", end) != std::string::npos)
          throw InputError(what + ": '" + text + "' is not a number");
        return x;
      }
    } // namespace


    vtkSmartPointer<vtkUnstructuredGrid>
    read_result(const std::string &file_name, const int step)
    {
      fs::path file = existing_file(file_name, "");
      if (file.extension() == ".pvd")
        file = time_step_file(file, step);
      else if (step >= 0)
        throw InputError("--step applies to a .pvd collection, not to " +
                         file.string());

      if (file.extension() == ".pvtu")
        {
          // The parallel reader skips a missing piece with only a warning;
          // a result with a piece missing is incomplete, so say so.
          for (const auto &piece : xml_attributes(file, "Piece", "Source"))
            existing_file(file.parent_path() / piece, file.string());
          return read_with<vtkXMLPUnstructuredGridReader>(file);
        }
      if (file.extension() == ".vtu")
        return read_with<vtkXMLUnstructuredGridReader>(file);
      throw InputError(file.string() + ": expected a .pvd, .pvtu or .vtu file");
    }


    std::vector<Column>
    columns(vtkDataSet &data, const std::vector<std::string> &fields)
    {
      vtkPointData       *point_data = data.GetPointData();
      std::vector<Column> result;
      if (fields.empty())
        {
          for (int i = 0; i < point_data->GetNumberOfArrays(); ++i)
            if (vtkDataArray *array = point_data->GetArray(i))
              if (std::string(array->GetName()) != "vtkValidPointMask")
                for (const auto &column : columns_of(*array))
                  result.push_back(column);
          return result;
        }
      for (const auto &field : fields)
        {
          vtkDataArray *array = point_data->GetArray(field.c_str());
          if (array == nullptr)
            throw InputError(
              "no point field '" + field +
              "' in the result (it has: " + point_array_names(data) + ")");
          for (const auto &column : columns_of(*array))
            result.push_back(column);
        }
      return result;
    }


    double
    value(vtkDataArray &array, const vtkIdType tuple, const int component)
    {
      return component < 0 ? norm(array, tuple) :
                             array.GetComponent(tuple, component);
    }


    std::vector<Extreme>
    extremes(vtkUnstructuredGrid            &result,
             const std::vector<std::string> &fields)
    {
      std::vector<Extreme> found;
      for (const auto &column : columns(result, fields))
        {
          vtkDataArray &array =
            *result.GetPointData()->GetArray(column.array.c_str());
          Extreme   extreme{column,
                          std::numeric_limits<double>::infinity(),
                          -std::numeric_limits<double>::infinity(),
                          {},
                          {}};
          vtkIdType at_min = 0, at_max = 0;
          for (vtkIdType i = 0; i < array.GetNumberOfTuples(); ++i)
            {
              const double v = value(array, i, column.component);
              if (v < extreme.minimum)
                extreme.minimum = v, at_min = i;
              if (v > extreme.maximum)
                extreme.maximum = v, at_max = i;
            }
          result.GetPoint(at_min, extreme.at_minimum.data());
          result.GetPoint(at_max, extreme.at_maximum.data());
          found.push_back(extreme);
        }
      return found;
    }


    std::vector<Point>
    line_points(const Point &from, const Point &to, const unsigned int n)
    {
      if (n < 2)
        throw InputError("--samples must be at least 2");
      // Each sample is a line of text and a probed point with its fields
      // (a few hundred bytes): beyond this the table is gigabytes.
      constexpr unsigned int max_samples = 10'000'000;
      if (n > max_samples)
        throw InputError("--samples " + std::to_string(n) + " is more than " +
                         std::to_string(max_samples) + " (about " +
                         std::to_string(n / 5'000'000) +
                         " GB of table); take fewer samples");
      std::vector<Point> points(n);
      for (unsigned int i = 0; i < n; ++i)
        {
          const double t = static_cast<double>(i) / (n - 1);
          for (int d = 0; d < 3; ++d)
            points[i][d] = (1 - t) * from[d] + t * to[d];
        }
      return points;
    }


    vtkSmartPointer<vtkDataSet>
    sample(vtkUnstructuredGrid &result, const std::vector<Point> &points)
    {
      if (points.empty())
        throw InputError("no points to sample at");
      vtkNew<vtkPoints> locations;
      locations->SetDataTypeToDouble();
      for (const auto &p : points)
        locations->InsertNextPoint(p.data());
      vtkNew<vtkPolyData> input;
      input->SetPoints(locations);

      vtkNew<vtkProbeFilter> probe;
      probe->SetInputData(input);
      probe->SetSourceData(&result);
      probe->Update();
      return probe->GetOutput();
    }


    void
    write_samples(std::ostream              &out,
                  vtkDataSet                &samples,
                  const std::vector<Column> &columns)
    {
      out << "distance,x,y,z,valid";
      for (const auto &column : columns)
        out << ',' << column.name;
      out << '\n';

      vtkDataArray *valid =
        samples.GetPointData()->GetArray("vtkValidPointMask");
      Point first{};
      samples.GetPoint(0, first.data());
      for (vtkIdType i = 0; i < samples.GetNumberOfPoints(); ++i)
        {
          Point x{};
          samples.GetPoint(i, x.data());
          const double distance =
            std::hypot(x[0] - first[0], x[1] - first[1], x[2] - first[2]);
          const bool inside = valid->GetComponent(i, 0) != 0;
          out << format(distance) << ',' << format(x[0]) << ',' << format(x[1])
              << ',' << format(x[2]) << ',' << inside;
          for (const auto &column : columns)
            {
              vtkDataArray *array =
                samples.GetPointData()->GetArray(column.array.c_str());
              out << ','
                  << (inside ? format(value(*array, i, column.component)) :
                               "nan");
            }
          out << '\n';
        }
    }


    void
    write_extremes(std::ostream &out, const std::vector<Extreme> &extremes)
    {
      out << "field,min,x_min,y_min,z_min,max,x_max,y_max,z_max\n";
      for (const auto &e : extremes)
        {
          out << e.column.name << ',' << format(e.minimum);
          for (const double x : e.at_minimum)
            out << ',' << format(x);
          out << ',' << format(e.maximum);
          for (const double x : e.at_maximum)
            out << ',' << format(x);
          out << '\n';
        }
    }


    CellReport
    check_cells(vtkUnstructuredGrid &result)
    {
      // verdict's scaled Jacobian: the Jacobian determinant at the corners
      // (and centre), normalised by the edge lengths; <= 0 where the map
      // from the reference cell folds.
      vtkNew<vtkMeshQuality> quality;
      quality->SetInputData(&result);
      quality->SetTriangleQualityMeasureToScaledJacobian();
      quality->SetQuadQualityMeasureToScaledJacobian();
      quality->SetTetQualityMeasureToScaledJacobian();
      quality->SetHexQualityMeasureToScaledJacobian();
      quality->Update();
      vtkDataArray *measure =
        quality->GetOutput()->GetCellData()->GetArray("Quality");

      CellReport               report;
      std::map<int, vtkIdType> per_type;
      report.min_scaled_jacobian = std::numeric_limits<double>::infinity();
      for (vtkIdType cell = 0; cell < result.GetNumberOfCells(); ++cell)
        {
          const int type = result.GetCellType(cell);
          ++per_type[type];
          if (type != VTK_TRIANGLE && type != VTK_QUAD && type != VTK_TETRA &&
              type != VTK_HEXAHEDRON)
            {
              ++report.n_not_checked;
              continue;
            }
          ++report.n_checked;
          const double q = measure->GetComponent(cell, 0);
          if (q <= 0)
            ++report.n_inverted;
          if (q < report.min_scaled_jacobian)
            {
              report.min_scaled_jacobian    = q;
              report.at_min_scaled_jacobian = cell_centre(result, cell);
            }
        }
      for (const auto &[type, n] : per_type)
        report.cells_per_type.emplace_back(
          vtkCellTypes::GetClassNameFromTypeId(type), n);
      if (report.n_checked == 0)
        report.min_scaled_jacobian = std::nan("");
      return report;
    }


    void
    write_cell_report(std::ostream &out, const CellReport &report)
    {
      out << "quantity,value,x,y,z\n";
      for (const auto &[type, n] : report.cells_per_type)
        out << "cells:" << type << ',' << n << ",,,\n";
      out << "checked_cells," << report.n_checked << ",,,\n"
          << "unchecked_cells," << report.n_not_checked << ",,,\n"
          << "inverted_cells," << report.n_inverted << ",,,\n"
          << "min_scaled_jacobian," << format(report.min_scaled_jacobian);
      for (const double x : report.at_min_scaled_jacobian)
        out << ',' << format(x);
      out << '\n';
    }


    void
    write_info(std::ostream &out, vtkUnstructuredGrid &result)
    {
      double bounds[6];
      result.GetBounds(bounds);
      out << "record,name,components,minimum,maximum\n"
          << "points,," << result.GetNumberOfPoints() << ",,\n"
          << "cells,," << result.GetNumberOfCells() << ",,\n";
      for (int d = 0; d < 3; ++d)
        out << "bounds,"
            << "xyz"[d] << ",1," << format(bounds[2 * d]) << ','
            << format(bounds[2 * d + 1]) << '\n';
      // Range of a vector array: of its magnitude (component -1).
      auto arrays = [&](const char *record, vtkDataSetAttributes *data) {
        for (int i = 0; i < data->GetNumberOfArrays(); ++i)
          if (vtkDataArray *array = data->GetArray(i))
            {
              double range[2];
              array->GetRange(range,
                              array->GetNumberOfComponents() == 1 ? 0 : -1);
              out << record << ',' << array->GetName() << ','
                  << array->GetNumberOfComponents() << ',' << format(range[0])
                  << ',' << format(range[1]) << '\n';
            }
      };
      arrays("point_array", result.GetPointData());
      arrays("cell_array", result.GetCellData());
    }


    std::string
    format(const double x)
    {
      if (std::isnan(x))
        return "nan";
      if (x == 0)
        return "0"; // also -0
      char       buffer[32];
      const auto end = std::to_chars(buffer, buffer + sizeof(buffer), x).ptr;
      return std::string(buffer, end);
    }


    Point
    parse_point(const std::string &text, const std::string &what)
    {
      std::vector<std::string> parts;
      std::stringstream        stream(text);
      for (std::string part; std::getline(stream, part, ',');)
        parts.push_back(part);
      if (parts.size() != 3)
        throw InputError(what + ": '" + text + "' is not x,y,z");
      return {parse_number(parts[0], what),
              parse_number(parts[1], what),
              parse_number(parts[2], what)};
    }


    std::vector<Point>
    read_points_file(const std::string &file_name)
    {
      std::ifstream file(file_name);
      if (!file)
        throw InputError("cannot open " + file_name);
      std::vector<Point> points;
      unsigned int       line_number = 0;
      for (std::string line; std::getline(file, line);)
        {
          ++line_number;
          if (line.find_first_not_of(" \t\r") == std::string::npos ||
              line[0] == '#')
            continue;
          // A header (x,y,z) is allowed on the first line only.
          if (line_number == 1 &&
              line.find_first_of("0123456789") == std::string::npos)
            continue;
          points.push_back(
            parse_point(line, file_name + ":" + std::to_string(line_number)));
        }
      if (points.empty())
        throw InputError(file_name + ": no points");
      return points;
    }
  } // namespace probe
} // namespace xray

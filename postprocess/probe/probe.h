// vtu-probe: read a solver result (.pvd, .pvtu or .vtu) with VTK and report
// its fields as CSV: sampled along a line, at points, or their extremes with
// locations; a summary of the arrays; the validity of the cells.
//
// Everything geometric is VTK's: the XML readers, vtkProbeFilter (which
// interpolates with each cell's own shape functions and marks points outside
// the mesh), vtkMeshQuality (verdict) for the cells.
#ifndef xray_postprocess_probe_h
#define xray_postprocess_probe_h

#include <vtkSmartPointer.h>
#include <vtkUnstructuredGrid.h>

#include <array>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

class vtkDataArray;
class vtkDataSet;

namespace xray
{
  namespace probe
  {
    using Point = std::array<double, 3>;

    // Bad input (missing or malformed file, unknown field, bad coordinate):
    // main() prints it as one line and exits with status 2.
    class InputError : public std::runtime_error
    {
    public:
      using std::runtime_error::runtime_error;
    };

    // The data set of a result: a .vtu, a .pvtu with all its pieces, or the
    // .pvtu that entry `step` of a .pvd collection names (the last entry
    // when step < 0).
    vtkSmartPointer<vtkUnstructuredGrid>
    read_result(const std::string &file_name, int step = -1);

    // One CSV column of a data array: a scalar, one component of a vector
    // (name_x, name_y, name_z), or a vector's magnitude (name_magnitude).
    struct Column
    {
      std::string name;
      std::string array;
      int         component; // -1: Euclidean norm of all components
    };

    // The columns of the named point-data arrays of `data` (all point-data
    // arrays when `fields` is empty), in the order given.
    std::vector<Column>
    columns(vtkDataSet &data, const std::vector<std::string> &fields);

    double
    value(vtkDataArray &array, vtkIdType tuple, int component);

    struct Extreme
    {
      Column column;
      double minimum, maximum;
      Point  at_minimum, at_maximum;
    };

    // Smallest and largest value of every column over the points of the
    // result, with the first point where each is attained.
    std::vector<Extreme>
    extremes(vtkUnstructuredGrid            &result,
             const std::vector<std::string> &fields);

    // n equally spaced points from `from` to `to` (both included).
    std::vector<Point>
    line_points(const Point &from, const Point &to, unsigned int n);

    // The result interpolated at `points` by vtkProbeFilter; its point data
    // hold the fields and vtkValidPointMask (0 outside the mesh).
    vtkSmartPointer<vtkDataSet>
    sample(vtkUnstructuredGrid &result, const std::vector<Point> &points);

    // CSV of sampled values: distance from the first point, x, y, z, valid,
    // then the columns; fields are "nan" at points outside the mesh.
    void
    write_samples(std::ostream              &out,
                  vtkDataSet                &samples,
                  const std::vector<Column> &columns);

    void
    write_extremes(std::ostream &out, const std::vector<Extreme> &extremes);

    // Cell validity: the scaled Jacobian (verdict) of every linear cell; a
    // cell whose Jacobian changes sign (folded, inverted) has a value <= 0.
    struct CellReport
    {
      std::vector<std::pair<std::string, vtkIdType>> cells_per_type;
      vtkIdType                                      n_checked = 0;
      vtkIdType n_not_checked = 0; // higher-order cells: no verdict measure
      vtkIdType n_inverted    = 0;
      double    min_scaled_jacobian = 0;
      Point     at_min_scaled_jacobian{};
    };

    CellReport
    check_cells(vtkUnstructuredGrid &result);

    void
    write_cell_report(std::ostream &out, const CellReport &report);

    // Points, cells, bounds, and every array with its components and range.
    void
    write_info(std::ostream &out, vtkUnstructuredGrid &result);

    // Shortest text that reads back as the same double.
    std::string
    format(double x);

    // "x,y,z" -> Point; InputError naming `what` otherwise.
    Point
    parse_point(const std::string &text, const std::string &what);

    // Points from a CSV file of x,y,z rows (a header line is skipped).
    std::vector<Point>
    read_points_file(const std::string &file_name);
  } // namespace probe
} // namespace xray

#endif

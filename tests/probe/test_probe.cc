// Unit tests of vtu-probe's library on results whose values are known
// everywhere: a linear field on hexahedra, which trilinear interpolation
// reproduces exactly, written the way the solvers write theirs (.vtu pieces,
// a .pvtu, a .pvd with time steps).
#include "probe.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <vtkCellArray.h>
#include <vtkDoubleArray.h>
#include <vtkNew.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkXMLUnstructuredGridWriter.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace xray::probe;
namespace fs = std::filesystem;

namespace
{
  // f = 2x - 3y + z/2 + 7 + offset and v = (x, 2y, -z) on the box.
  double
  linear_field(const double x,
               const double y,
               const double z,
               const double offset)
  {
    return 2 * x - 3 * y + 0.5 * z + 7 + offset;
  }


  // n x n x n hexahedra on [x0, x1] x [0, 1] x [0, 1], with the fields.
  vtkSmartPointer<vtkUnstructuredGrid>
  box(const double x0, const double x1, const int n, const double offset)
  {
    vtkNew<vtkPoints> points;
    points->SetDataTypeToDouble();
    vtkNew<vtkDoubleArray> f, v;
    f->SetName("f_K");
    v->SetName("v_m_per_s");
    v->SetNumberOfComponents(3);
    for (int k = 0; k <= n; ++k)
      for (int j = 0; j <= n; ++j)
        for (int i = 0; i <= n; ++i)
          {
            const double x = x0 + (x1 - x0) * i / n, y = double(j) / n,
                         z = double(k) / n;
            points->InsertNextPoint(x, y, z);
            f->InsertNextValue(linear_field(x, y, z, offset));
            v->InsertNextTuple3(x, 2 * y, -z);
          }
    auto grid = vtkSmartPointer<vtkUnstructuredGrid>::New();
    grid->SetPoints(points);
    auto id = [n](int i, int j, int k) -> vtkIdType {
      return i + (n + 1) * (j + (n + 1) * k);
    };
    for (int k = 0; k < n; ++k)
      for (int j = 0; j < n; ++j)
        for (int i = 0; i < n; ++i)
          {
            const vtkIdType hex[8] = {id(i, j, k),
                                      id(i + 1, j, k),
                                      id(i + 1, j + 1, k),
                                      id(i, j + 1, k),
                                      id(i, j, k + 1),
                                      id(i + 1, j, k + 1),
                                      id(i + 1, j + 1, k + 1),
                                      id(i, j + 1, k + 1)};
            grid->InsertNextCell(VTK_HEXAHEDRON, 8, hex);
          }
    grid->GetPointData()->AddArray(f);
    grid->GetPointData()->AddArray(v);
    return grid;
  }


  void
  write_vtu(vtkUnstructuredGrid *grid, const fs::path &file)
  {
    vtkNew<vtkXMLUnstructuredGridWriter> writer;
    writer->SetInputData(grid);
    writer->SetFileName(file.c_str());
    ASSERT_EQ(writer->Write(), 1);
  }


  void
  write_text(const fs::path &file, const std::string &text)
  {
    std::ofstream(file) << text;
  }


  // step_0.pvtu (offset 100) and step_1.pvtu (offset 0), two pieces each
  // (x in [0, 0.5] and [0.5, 1]), and result.pvd naming both.
  class ProbeTest : public ::testing::Test
  {
  protected:
    void
    SetUp() override
    {
      directory = fs::temp_directory_path() /
                  ("vtu-probe-test-" + std::to_string(::getpid()));
      fs::create_directories(directory);
      for (int step = 0; step < 2; ++step)
        {
          const double      offset = step == 0 ? 100 : 0;
          const std::string stem   = "step_" + std::to_string(step);
          write_vtu(box(0, 0.5, 2, offset), directory / (stem + ".0.vtu"));
          write_vtu(box(0.5, 1, 2, offset), directory / (stem + ".1.vtu"));
          write_text(directory / (stem + ".pvtu"), pvtu(stem));
        }
      write_text(
        directory / "result.pvd",
        "<?xml version=\"1.0\"?>\n"
        "<VTKFile type=\"Collection\" version=\"0.1\">\n"
        "  <Collection>\n"
        "    <DataSet timestep=\"0\" part=\"0\" file=\"step_0.pvtu\"/>\n"
        "    <DataSet timestep=\"1\" part=\"0\" file=\"step_1.pvtu\"/>\n"
        "  </Collection>\n"
        "</VTKFile>\n");
    }

    void
    TearDown() override
    {
      fs::remove_all(directory);
    }

    static std::string
    pvtu(const std::string &stem)
    {
      return "<?xml version=\"1.0\"?>\n"
             "<VTKFile type=\"PUnstructuredGrid\" version=\"0.1\">\n"
             "  <PUnstructuredGrid GhostLevel=\"0\">\n"
             "    <PPointData>\n"
             "      <PDataArray type=\"Float64\" Name=\"f_K\"/>\n"
             "      <PDataArray type=\"Float64\" Name=\"v_m_per_s\" "
             "NumberOfComponents=\"3\"/>\n"
             "    </PPointData>\n"
             "    <PPoints><PDataArray type=\"Float64\" "
             "NumberOfComponents=\"3\"/></PPoints>\n"
             "    <Piece Source=\"" +
             stem + ".0.vtu\"/>\n    <Piece Source=\"" + stem +
             ".1.vtu\"/>\n"
             "  </PUnstructuredGrid>\n"
             "</VTKFile>\n";
    }

    std::string
    path(const std::string &name) const
    {
      return (directory / name).string();
    }

    fs::path directory;
  };


  double
  column_value(vtkDataSet &samples, const Column &column, vtkIdType i)
  {
    return value(*samples.GetPointData()->GetArray(column.array.c_str()),
                 i,
                 column.component);
  }
} // namespace


TEST_F(ProbeTest, ReadsBothPiecesOfTheLastStep)
{
  const auto result = read_result(path("result.pvd"));
  // Two pieces of 3 x 3 x 3 points, the shared plane x = 0.5 twice.
  EXPECT_EQ(result->GetNumberOfPoints(), 54);
  EXPECT_EQ(result->GetNumberOfCells(), 16);
  double bounds[6];
  result->GetBounds(bounds);
  EXPECT_EQ(bounds[0], 0);
  EXPECT_EQ(bounds[1], 1);
}


TEST_F(ProbeTest, LineReproducesTheLinearFieldExactly)
{
  const auto result  = read_result(path("result.pvd"));
  const auto points  = line_points({0.05, 0.9, 0.1}, {0.95, 0.2, 0.7}, 31);
  const auto samples = sample(*result, points);
  const auto cols    = columns(*samples, {"f_K", "v_m_per_s"});
  ASSERT_EQ(cols.size(), 5u); // f, v_x, v_y, v_z, |v|
  EXPECT_EQ(cols[1].name, "v_m_per_s_x");
  EXPECT_EQ(cols[4].name, "v_m_per_s_magnitude");
  for (vtkIdType i = 0; i < samples->GetNumberOfPoints(); ++i)
    {
      const auto &[x, y, z] = points[i];
      EXPECT_EQ(samples->GetPointData()
                  ->GetArray("vtkValidPointMask")
                  ->GetComponent(i, 0),
                1);
      EXPECT_NEAR(column_value(*samples, cols[0], i),
                  linear_field(x, y, z, 0),
                  1e-12);
      EXPECT_NEAR(column_value(*samples, cols[2], i), 2 * y, 1e-12);
      EXPECT_NEAR(column_value(*samples, cols[4], i),
                  std::sqrt(x * x + 4 * y * y + z * z),
                  1e-12);
    }
}


TEST_F(ProbeTest, PointsOutsideTheMeshAreMarkedNotInterpolated)
{
  const auto result  = read_result(path("result.pvd"));
  const auto samples = sample(*result, {{0.5, 0.5, 0.5}, {1.5, 0.5, 0.5}});
  std::ostringstream csv;
  write_samples(csv, *samples, columns(*samples, {"f_K"}));
  EXPECT_EQ(csv.str(),
            "distance,x,y,z,valid,f_K\n"
            "0,0.5,0.5,0.5,1,6.75\n"
            "1,1.5,0.5,0.5,0,nan\n");
}


TEST_F(ProbeTest, ExtremesAndTheirLocations)
{
  const auto result = read_result(path("result.pvd"));
  const auto found  = extremes(*result, {"f_K", "v_m_per_s"});
  ASSERT_EQ(found.size(), 5u);
  // f = 2x - 3y + z/2 + 7: smallest at (0, 1, 0), largest at (1, 0, 1).
  EXPECT_DOUBLE_EQ(found[0].minimum, 4);
  EXPECT_DOUBLE_EQ(found[0].maximum, 9.5);
  EXPECT_EQ(found[0].at_minimum, (Point{0, 1, 0}));
  EXPECT_EQ(found[0].at_maximum, (Point{1, 0, 1}));
  // v_z = -z in [-1, 0]; |v| largest at (1, 1, 1): sqrt(6).
  EXPECT_DOUBLE_EQ(found[3].minimum, -1);
  EXPECT_DOUBLE_EQ(found[4].maximum, std::sqrt(6.));
  EXPECT_EQ(found[4].at_maximum, (Point{1, 1, 1}));
}


TEST_F(ProbeTest, StepSelectsTheCollectionEntry)
{
  const auto first = extremes(*read_result(path("result.pvd"), 0), {"f_K"});
  EXPECT_DOUBLE_EQ(first[0].minimum, 104);
  EXPECT_THROW(read_result(path("result.pvd"), 2), InputError);
  EXPECT_THROW(read_result(path("step_1.pvtu"), 0), InputError);
}


TEST_F(ProbeTest, BadInputIsAnInputErrorNamingTheProblem)
{
  auto message = [](auto &&function) -> std::string {
    try
      {
        function();
      }
    catch (const InputError &error)
      {
        return error.what();
      }
    return "no InputError";
  };
  EXPECT_NE(message([&] {
              read_result(path("missing.pvd"));
            }).find("missing.pvd"),
            std::string::npos);

  fs::remove(directory / "step_1.1.vtu");
  const auto missing_piece = message([&] { read_result(path("result.pvd")); });
  EXPECT_NE(missing_piece.find("step_1.1.vtu"), std::string::npos)
    << missing_piece;

  write_text(directory / "broken.vtu", "<VTKFile type=\"Unstruct");
  EXPECT_NE(message([&] {
              read_result(path("broken.vtu"));
            }).find("broken.vtu"),
            std::string::npos);

  const auto result = read_result(path("step_0.pvtu"));
  EXPECT_NE(message([&] {
              columns(*result, {"temperature_K"});
            }).find("no point field 'temperature_K'"),
            std::string::npos);
  EXPECT_THROW(parse_point("1,2", "--from"), InputError);
  EXPECT_THROW(parse_point("1,2,x", "--from"), InputError);
  EXPECT_THROW(parse_point("1,2,3e", "--from"), InputError);
  EXPECT_EQ(parse_point(" 1, -2.5e-6 ,3", "--from"), (Point{1, -2.5e-6, 3}));
  EXPECT_THROW(line_points({0, 0, 0}, {1, 1, 1}, 1), InputError);
  // 1e8 samples would be gigabytes of table: refused before allocating.
  try
    {
      line_points({0, 0, 0}, {1, 1, 1}, 100'000'000);
      ADD_FAILURE() << "1e8 samples accepted";
    }
  catch (const InputError &error)
    {
      EXPECT_NE(std::string(error.what()).find("--samples 100000000"),
                std::string::npos);
    }
  EXPECT_EQ(line_points({0, 0, 0}, {1, 1, 1}, 10'000'000).size(), 10'000'000u);
}


TEST_F(ProbeTest, PointsFileWithHeader)
{
  write_text(directory / "points.csv", "x,y,z\n0.25,0.5,0.75\n\n1,0,1\n");
  EXPECT_EQ(read_points_file(path("points.csv")),
            (std::vector<Point>{{0.25, 0.5, 0.75}, {1, 0, 1}}));
  write_text(directory / "bad.csv", "x,y,z\n0.25,0.5\n");
  EXPECT_THROW(read_points_file(path("bad.csv")), InputError);
}


TEST(ProbeCells, FindsTheFoldedHexahedron)
{
  auto grid = box(0, 1, 2, 0);
  auto good = check_cells(*grid);
  EXPECT_EQ(good.n_checked, 8);
  EXPECT_EQ(good.n_inverted, 0);
  EXPECT_NEAR(good.min_scaled_jacobian, 1, 1e-12); // cubes

  // Move the far corner (1, 1, 1) of the last cell behind its opposite
  // corner: that cell folds, its neighbours distort but stay valid.
  const vtkIdType corner = 26;
  grid->GetPoints()->SetPoint(corner, 0.4, 0.4, 0.4);
  auto folded = check_cells(*grid);
  EXPECT_EQ(folded.n_inverted, 1);
  EXPECT_LE(folded.min_scaled_jacobian, 0);
  EXPECT_NEAR(folded.at_min_scaled_jacobian[0],
              (0.5 + 1 + 0.5 + 1 + 0.5 + 1 + 0.5 + 0.4) / 8,
              1e-12);
}


TEST(ProbeFormat, ShortestRoundTrip)
{
  EXPECT_EQ(format(0.1), "0.1");
  EXPECT_EQ(format(-0.0), "0");
  EXPECT_EQ(format(1182.7165802234815), "1182.7165802234815");
  EXPECT_EQ(format(std::nan("")), "nan");
  const double x = 1.0 / 3;
  EXPECT_EQ(std::stod(format(x)), x);
}

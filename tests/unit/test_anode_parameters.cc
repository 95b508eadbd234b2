// Unit tests of the anode thermal solver parameters
// (solvers/anode_thermal/parameters.h): declare, set, parse, check.
#include "anode_thermal/parameters.h"
#include "common/errors.h"
#include "common/materials.h"
#include "input_error_assertion.h"

#include <deal.II/base/parameter_handler.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace
{
  using dealii::ParameterHandler;
  using xray::InputError;
  using xray::MaterialLibrary;
  using xray::anode_thermal::FaceCondition;
  using xray::anode_thermal::Model;
  using xray::anode_thermal::Parameters;
  using xray::anode_thermal::Shape;
  using xray::anode_thermal::Task;


  /// Settings are recorded and applied to a fresh ParameterHandler and
  /// MaterialLibrary at every parse(): a parse that throws may leave its
  /// handler inside a subsection, so a handler is never reused after one.
  class AnodeParameters : public ::testing::Test
  {
  protected:
    /// Record "Section/Sub/Entry" = value (or a top-level "Entry").
    void
    set(const std::string &path, const std::string &value)
    {
      settings.emplace_back(path, value);
    }

    /// A metal-on-diamond target: 5 um Cu on 0.5 mm CVD diamond.
    void
    set_two_layers()
    {
      set("Geometry/Radius", "5e-3");
      set("Geometry/Layer names", "target, substrate");
      set("Geometry/Layer materials", "Cu, diamond-cvd");
      set("Geometry/Layer thicknesses", "5e-6, 0.5e-3");
      set("Geometry/Interface conductances", "2e8");
      set("Heat source/Incident power", "10");
      set("Heat source/Spot HWHM", "5e-6");
    }

    void
    parse()
    {
      prm = std::make_unique<ParameterHandler>();
      Parameters::declare(*prm);
      for (const auto &[path, value] : settings)
        {
          std::vector<std::string> parts;
          std::string::size_type   begin = 0, slash;
          while ((slash = path.find('/', begin)) != std::string::npos)
            {
              parts.push_back(path.substr(begin, slash - begin));
              begin = slash + 1;
            }
          for (const auto &section : parts)
            prm->enter_subsection(section);
          prm->set(path.substr(begin), value);
          for (unsigned int i = 0; i < parts.size(); ++i)
            prm->leave_subsection();
        }
      materials  = std::make_unique<MaterialLibrary>();
      parameters = Parameters();
      materials->parse_parameters(*prm);
      parameters.parse(*prm, *materials);
    }

    ::testing::AssertionResult
    parse_fails_with(const std::vector<std::string> &fragments)
    {
      return xray_test::throws_input_error_containing([this] { parse(); },
                                                      fragments);
    }

    std::vector<std::pair<std::string, std::string>> settings;
    std::unique_ptr<ParameterHandler>                prm;
    std::unique_ptr<MaterialLibrary>                 materials;
    Parameters                                       parameters;
  };
} // namespace


TEST_F(AnodeParameters, DefaultsParse)
{
  parse();
  EXPECT_EQ(parameters.model, Model::axisymmetric);
  EXPECT_EQ(parameters.task, Task::temperature);
  EXPECT_EQ(parameters.shape, Shape::cylinder);
  EXPECT_DOUBLE_EQ(parameters.radius, 5e-3);
  ASSERT_EQ(parameters.layers.size(), 1u);
  EXPECT_EQ(parameters.layers[0].material.name, "W");
  EXPECT_DOUBLE_EQ(parameters.layers[0].thickness, 2e-3);
  EXPECT_DOUBLE_EQ(parameters.layers[0].temperature_limit, 3695.);
  EXPECT_TRUE(parameters.interface_conductances.empty());
  // W: eta_E = 0.33, absorbed 0.67 * 100 W.
  EXPECT_NEAR(parameters.energy_backscatter_fraction, 0.33, 1e-12);
  EXPECT_NEAR(parameters.absorbed_power(), 67., 1e-10);
  EXPECT_TRUE(parameters.spot.circular());
  EXPECT_DOUBLE_EQ(parameters.spot.hwhm_x(), 50e-6);
  EXPECT_DOUBLE_EQ(parameters.spot.hwhm_y(), 50e-6);
  EXPECT_EQ(parameters.back_face.type, FaceCondition::Type::fixed_temperature);
  EXPECT_EQ(parameters.side_face.type, FaceCondition::Type::insulated);
  EXPECT_DOUBLE_EQ(parameters.coolant_temperature, 293.15);
  EXPECT_DOUBLE_EQ(parameters.anode_thickness(), 2e-3);
}

TEST_F(AnodeParameters, TwoLayerMetalOnDiamond)
{
  set_two_layers();
  parse();
  ASSERT_EQ(parameters.layers.size(), 2u);
  EXPECT_EQ(parameters.layers[0].name, "target");
  EXPECT_EQ(parameters.layers[1].name, "substrate");
  EXPECT_EQ(parameters.layers[0].material.name, "Cu");
  EXPECT_EQ(parameters.layers[1].material.name, "diamond-cvd");
  EXPECT_DOUBLE_EQ(parameters.layers[0].thickness, 5e-6);
  EXPECT_DOUBLE_EQ(parameters.layers[1].thickness, 0.5e-3);
  EXPECT_NEAR(parameters.anode_thickness(), 5.05e-4, 1e-15);
  // Default limits: Cu melting point, diamond graphitisation onset.
  EXPECT_DOUBLE_EQ(parameters.layers[0].temperature_limit, 1357.8);
  EXPECT_DOUBLE_EQ(parameters.layers[1].temperature_limit, 1800.);
  ASSERT_EQ(parameters.interface_conductances.size(), 1u);
  EXPECT_DOUBLE_EQ(parameters.interface_conductances[0], 2e8);
  // Heated layer Cu: eta_E = 0.17, P_abs = (1 - 0.17) * 10 W = 8.3 W.
  EXPECT_NEAR(parameters.energy_backscatter_fraction, 0.17, 1e-12);
  EXPECT_NEAR(parameters.absorbed_power(), 8.3, 1e-12);
}

TEST_F(AnodeParameters, ExplicitBackscatterAndLimits)
{
  set_two_layers();
  set("Heat source/Energy backscatter fraction", "0.25");
  set("Geometry/Layer temperature limits", "1200, 1500");
  parse();
  EXPECT_NEAR(parameters.absorbed_power(), 7.5, 1e-12);
  EXPECT_DOUBLE_EQ(parameters.layers[0].temperature_limit, 1200.);
  EXPECT_DOUBLE_EQ(parameters.layers[1].temperature_limit, 1500.);

  // One limit applies to all layers.
  set("Geometry/Layer temperature limits", "1000");
  parse();
  EXPECT_DOUBLE_EQ(parameters.layers[0].temperature_limit, 1000.);
  EXPECT_DOUBLE_EQ(parameters.layers[1].temperature_limit, 1000.);
}

TEST_F(AnodeParameters, InterfaceConductanceLists)
{
  set_two_layers();
  set("Geometry/Layer names", "target, interlayer, substrate");
  set("Geometry/Layer materials", "W, Cr, diamond-natural");
  set("Geometry/Layer thicknesses", "3e-6, 0.2e-6, 0.3e-3");

  set("Geometry/Interface conductances", "perfect");
  parse();
  ASSERT_EQ(parameters.interface_conductances.size(), 2u);
  for (const double h : parameters.interface_conductances)
    {
      EXPECT_TRUE(std::isinf(h));
      EXPECT_GT(h, 0.);
    }

  set("Geometry/Interface conductances", "perfect, 3.15e8");
  parse();
  ASSERT_EQ(parameters.interface_conductances.size(), 2u);
  EXPECT_EQ(parameters.interface_conductances[0],
            std::numeric_limits<double>::infinity());
  EXPECT_DOUBLE_EQ(parameters.interface_conductances[1], 3.15e8);

  // One number applies to every interface.
  set("Geometry/Interface conductances", "2.05e8");
  parse();
  ASSERT_EQ(parameters.interface_conductances.size(), 2u);
  EXPECT_DOUBLE_EQ(parameters.interface_conductances[0], 2.05e8);
  EXPECT_DOUBLE_EQ(parameters.interface_conductances[1], 2.05e8);
  // Heated layer W: eta 0.33.
  EXPECT_NEAR(parameters.absorbed_power(), 0.67 * 10, 1e-12);
}

// h_b beyond 1e8 k / t (t the thinner layer, k the smaller conductivity
// at the coolant temperature) is perfect contact to double precision: an
// input error that names the interface and the largest value allowed.
TEST_F(AnodeParameters, InterfaceConductanceBeyondDoublePrecision)
{
  set_two_layers();
  parse();
  const double t0 = parameters.coolant_temperature;
  const double k =
    std::min(parameters.layers[0].material.conductivity.value(t0),
             parameters.layers[1].material.conductivity.value(t0));
  const double largest = 1e8 * k / 5e-6;

  set("Geometry/Interface conductances", std::to_string(0.9 * largest));
  EXPECT_NO_THROW(parse());
  EXPECT_DOUBLE_EQ(parameters.interface_conductances[0], 0.9 * largest);

  set("Geometry/Interface conductances", std::to_string(1.1 * largest));
  EXPECT_TRUE(
    xray_test::throws_input_error_containing([this] { parse(); },
                                             {"Geometry/Interface conductances",
                                              "'target' and 'substrate'",
                                              "\"perfect\""}));
  set("Geometry/Interface conductances", "1e300");
  EXPECT_TRUE(xray_test::throws_input_error_containing(
    [this] { parse(); }, {"perfect contact to double precision"}));

  // Only the interface beyond the bound is named.
  set("Geometry/Layer names", "target, interlayer, substrate");
  set("Geometry/Layer materials", "W, Cr, diamond-natural");
  set("Geometry/Layer thicknesses", "3e-6, 0.2e-6, 0.3e-3");
  set("Geometry/Interface conductances", "perfect, 1e20");
  EXPECT_TRUE(
    xray_test::throws_input_error_containing([this] { parse(); },
                                             {"'interlayer' and 'substrate'"}));
}

// h_c beyond 1e8 k / L (L the layer behind the back face, the thinnest
// layer for the side face, the half-ball's radius) holds the face at T0 to
// double precision: an input error naming the face and its remedy.
TEST_F(AnodeParameters, HeatTransferCoefficientBeyondDoublePrecision)
{
  set_two_layers();
  parse();
  const double t0        = parameters.coolant_temperature;
  const double k_target  = parameters.layers[0].material.conductivity.value(t0);
  const double k_diamond = parameters.layers[1].material.conductivity.value(t0);
  const double k_min     = std::min(k_target, k_diamond);

  // FACE cooled by convection takes 0.9 x LARGEST and refuses 1.1 x it,
  // with a message containing FRAGMENT; then its h_c is set back.
  const auto check_face = [this](const std::string &face,
                                 double             largest,
                                 const std::string &fragment) {
    const std::string entry = "Cooling/" + face + " heat transfer coefficient";
    set("Cooling/" + face, "convection");
    set(entry, std::to_string(0.9 * largest));
    EXPECT_NO_THROW(parse());
    set(entry, std::to_string(1.1 * largest));
    EXPECT_TRUE(xray_test::throws_input_error_containing([this] { parse(); },
                                                         {entry, fragment}));
    set(entry, "1e5");
  };
  // Back face: behind it the 0.5 mm diamond alone.
  check_face("Back face",
             1e8 * k_diamond / 0.5e-3,
             "set Cooling/Back face = fixed temperature");
  // Side face: every layer, so the 5 um target.
  check_face("Side face", 1e8 * k_min / 5e-6, "thinnest layer");
  set("Cooling/Side face", "convection");
  set("Cooling/Side face heat transfer coefficient", "1e300");
  EXPECT_THROW(parse(), InputError);
  // Not cooled by convection: the coefficient is not used.
  set("Cooling/Side face", "insulated");
  EXPECT_NO_THROW(parse());
}

TEST_F(AnodeParameters, UserMaterialAsLayer)
{
  set_two_layers();
  set("Materials/User material 1/Name", "SiC");
  set("Materials/User material 1/Thermal conductivity", "490");
  set("Materials/User material 1/Melting point", "none");
  set("Materials/User material 1/Temperature limit", "2000");
  set("Materials/User material 1/Energy backscatter fraction", "0.1");
  set("Geometry/Layer materials", "SiC, diamond-cvd");
  parse();
  EXPECT_EQ(parameters.layers[0].material.name, "SiC");
  EXPECT_DOUBLE_EQ(parameters.layers[0].temperature_limit, 2000.);
  EXPECT_NEAR(parameters.absorbed_power(), 9., 1e-12);
}

TEST_F(AnodeParameters, EllipticalSpotIn3d)
{
  set("Model", "3d");
  set("Heat source/Spot shape", "elliptical");
  set("Heat source/Spot HWHM", "100e-6");
  set("Heat source/Spot HWHM y", "10e-6");
  parse();
  EXPECT_EQ(parameters.model, Model::three_dimensional);
  EXPECT_FALSE(parameters.spot.circular());
  EXPECT_DOUBLE_EQ(parameters.spot.hwhm_x(), 100e-6);
  EXPECT_DOUBLE_EQ(parameters.spot.hwhm_y(), 10e-6);
}

TEST_F(AnodeParameters, CircularSpotIgnoresHwhmY)
{
  set("Heat source/Spot HWHM", "20e-6");
  set("Heat source/Spot HWHM y", "70e-6");
  parse();
  EXPECT_TRUE(parameters.spot.circular());
  EXPECT_DOUBLE_EQ(parameters.spot.hwhm_y(), 20e-6);
}

TEST_F(AnodeParameters, HalfBall)
{
  set("Geometry/Shape", "half-ball");
  set("Geometry/Radius", "2e-3");
  set("Heat source/Spot HWHM", "20e-6");
  parse();
  EXPECT_EQ(parameters.shape, Shape::half_ball);
  EXPECT_EQ(parameters.layers.size(), 1u);
}

// ------------------------------------------------------------------ errors

TEST_F(AnodeParameters, NegativeOrZeroThicknessNamesTheLayer)
{
  set_two_layers();
  set("Geometry/Layer thicknesses", "5e-6, -0.5e-3");
  EXPECT_TRUE(parse_fails_with({"substrate", "Layer thicknesses"}));
  set("Geometry/Layer thicknesses", "0, 0.5e-3");
  EXPECT_TRUE(parse_fails_with({"target"}));
}

TEST_F(AnodeParameters, UnknownMaterial)
{
  set_two_layers();
  set("Geometry/Layer materials", "Cu, unobtainium");
  EXPECT_TRUE(parse_fails_with({"unobtainium"}));
}

TEST_F(AnodeParameters, LayerListLengthMismatch)
{
  set_two_layers();
  set("Geometry/Layer materials", "Cu");
  EXPECT_TRUE(parse_fails_with({"Geometry"}));

  set("Geometry/Layer materials", "Cu, diamond-cvd");
  set("Geometry/Layer thicknesses", "5e-6, 0.5e-3, 1e-3");
  EXPECT_TRUE(parse_fails_with({"Geometry"}));
}

TEST_F(AnodeParameters, InterfaceAndLimitListLengthMismatch)
{
  set_two_layers();
  set("Geometry/Interface conductances", "2e8, 3e8");
  EXPECT_TRUE(parse_fails_with({"Interface conductances"}));

  set("Geometry/Interface conductances", "perfect");
  set("Geometry/Layer temperature limits", "1000, 1200, 1400");
  EXPECT_TRUE(parse_fails_with({"Layer temperature limits"}));
}

TEST_F(AnodeParameters, BadInterfaceConductances)
{
  set_two_layers();
  for (const std::string h : {"0", "-2e8", "ideal"})
    {
      SCOPED_TRACE(h);
      set("Geometry/Interface conductances", h);
      EXPECT_TRUE(parse_fails_with({"Interface conductances"}));
    }
}

TEST_F(AnodeParameters, EllipticalSpotNeeds3d)
{
  set("Model", "axisymmetric");
  set("Heat source/Spot shape", "elliptical");
  set("Heat source/Spot HWHM", "50e-6");
  set("Heat source/Spot HWHM y", "10e-6");
  EXPECT_TRUE(parse_fails_with({"elliptical", "3d"}));
}

TEST_F(AnodeParameters, AllFacesInsulated)
{
  set("Cooling/Back face", "insulated");
  set("Cooling/Side face", "insulated");
  EXPECT_TRUE(parse_fails_with({"insulated"}));
  // Cooling the side alone is a valid cylinder.
  set("Cooling/Side face", "convection");
  EXPECT_NO_THROW(parse());
  EXPECT_EQ(parameters.side_face.type, FaceCondition::Type::convection);
  EXPECT_DOUBLE_EQ(parameters.side_face.heat_transfer_coefficient, 1e4);
}

TEST_F(AnodeParameters, HalfBallWithInsulatedCurvedFace)
{
  // The half-ball has no side face: its back (curved) face must be cooled.
  set("Geometry/Shape", "half-ball");
  set("Cooling/Back face", "insulated");
  set("Cooling/Side face", "fixed temperature");
  EXPECT_TRUE(parse_fails_with({"insulated"}));
}

TEST_F(AnodeParameters, ConvectionNeedsPositiveCoefficient)
{
  set("Cooling/Back face", "convection");
  set("Cooling/Back face heat transfer coefficient", "0");
  EXPECT_TRUE(parse_fails_with({"Back face"}));
}

TEST_F(AnodeParameters, SpotMustBeTenTimesSmallerThanRadius)
{
  set("Geometry/Radius", "5e-3");
  set("Heat source/Spot HWHM", "0.6e-3");
  EXPECT_TRUE(parse_fails_with({"Spot HWHM"}));
  set("Heat source/Spot HWHM", "0.4e-3");
  EXPECT_NO_THROW(parse());

  // Elliptical: the larger half-width counts.
  set("Model", "3d");
  set("Heat source/Spot shape", "elliptical");
  set("Heat source/Spot HWHM", "50e-6");
  set("Heat source/Spot HWHM y", "0.6e-3");
  EXPECT_TRUE(parse_fails_with({"Spot HWHM"}));
}

TEST_F(AnodeParameters, HalfBallTakesOneLayer)
{
  set_two_layers();
  set("Geometry/Shape", "half-ball");
  EXPECT_TRUE(parse_fails_with({"half-ball"}));
}

TEST_F(AnodeParameters, BackscatterErrors)
{
  // Diamond has no tabulated eta_E: "material" on a diamond face fails.
  set("Geometry/Layer materials", "diamond-natural");
  EXPECT_TRUE(
    parse_fails_with({"Energy backscatter fraction", "diamond-natural"}));
  set("Heat source/Energy backscatter fraction", "0.05");
  EXPECT_NO_THROW(parse());
  EXPECT_NEAR(parameters.absorbed_power(), 95., 1e-10);

  for (const std::string eta : {"1", "-0.1", "lots"})
    {
      SCOPED_TRACE(eta);
      set("Heat source/Energy backscatter fraction", eta);
      EXPECT_TRUE(parse_fails_with({"Energy backscatter fraction"}));
    }
}

TEST_F(AnodeParameters, BackscatterNotANumberIsRejected)
{
  // "nan" is not a fraction in [0, 1): the absorbed power would be NaN.
  set("Heat source/Energy backscatter fraction", "nan");
  EXPECT_TRUE(parse_fails_with({"Energy backscatter fraction"}))
    << "accepted: eta_E = " << parameters.energy_backscatter_fraction
    << ", absorbed power = " << parameters.absorbed_power() << " W";
}

TEST_F(AnodeParameters, LayerTemperatureLimitMustBeAPositiveTemperature)
{
  // A limit in K below 0 (or NaN) is not a temperature; it must be
  // rejected, not silently replaced by the material default.
  for (const std::string limit : {"-100", "nan"})
    {
      SCOPED_TRACE(limit);
      set("Geometry/Layer temperature limits", limit);
      EXPECT_TRUE(parse_fails_with({"Layer temperature limits"}))
        << "accepted: limit of layer 0 = "
        << (parameters.layers.empty() ? std::nan("") :
                                        parameters.layers[0].temperature_limit)
        << " K";
    }
  set("Geometry/Layer temperature limits", "hot");
  EXPECT_TRUE(parse_fails_with({"Layer temperature limits", "hot"}));
}

TEST_F(AnodeParameters, IncidentPowerMustBePositive)
{
  set("Heat source/Incident power", "0");
  EXPECT_TRUE(parse_fails_with({"Incident power"}));
}

TEST_F(AnodeParameters, LineFocusAndTakeOffAngle)
{
  set("Model", "3d");
  set("Heat source/Spot shape", "line");
  set("Heat source/Spot HWHM", "10e-6");
  set("Heat source/Spot HWHM y", "5e-6");
  set("Heat source/Line length", "200e-6");
  set("Heat source/Take-off angle", "6");
  parse();
  EXPECT_EQ(parameters.spot.kind(),
            xray::anode_thermal::SpotProfile::Kind::line);
  EXPECT_FALSE(parameters.spot.circular());
  EXPECT_NEAR(parameters.spot.fwhm_y(), 200e-6, 0.2e-6);
  EXPECT_NEAR(parameters.take_off_angle, 6 * M_PI / 180, 1e-15);
  // doc/theory.md section 1: a 200 um line at 6 degrees looks ~20 um long.
  EXPECT_NEAR(parameters.spot.fwhm_y() * std::sin(parameters.take_off_angle),
              20.9e-6,
              0.1e-6);
  set("Model", "axisymmetric");
  EXPECT_TRUE(parse_fails_with({"Spot shape = line", "Model = 3d"}));
}

TEST_F(AnodeParameters, LineFocusMustFitTheAnode)
{
  set("Model", "3d");
  set("Heat source/Spot shape", "line");
  set("Heat source/Spot HWHM", "10e-6");
  set("Heat source/Line length", "2e-3");
  set("Geometry/Radius", "5e-3");
  // The line's length makes the spot too large: that entry is named.
  EXPECT_TRUE(parse_fails_with({"Line length", "10 times smaller"}));
}

TEST_F(AnodeParameters, ZeroTakeOffAngleIsRejected)
{
  set("Heat source/Take-off angle", "0");
  EXPECT_TRUE(parse_fails_with({"Take-off angle"}));
}

TEST_F(AnodeParameters, CoolantAtAbsoluteZeroIsRejected)
{
  set("Cooling/Coolant temperature", "0");
  EXPECT_TRUE(parse_fails_with({"Coolant temperature", "above 0 K"}));
}

TEST_F(AnodeParameters, DepthDoseThroughMetalIntoDiamond)
{
  set_two_layers();
  set("Geometry/Layer thicknesses", "3e-6, 0.5e-3");
  set("Heat source/Deposition", "depth-dose");
  set("Heat source/Tube voltage", "50e3");
  parse();
  EXPECT_TRUE(parameters.depth_profile.is_volumetric());
  EXPECT_NEAR(parameters.depth_profile.deposited_fraction(), 1, 1e-12);
  // Below 3 um of Cu (range 6.7 um) the diamond still receives energy.
  EXPECT_GT(parameters.depth_profile.value(4e-6), 0);
}

TEST_F(AnodeParameters, DepthDoseNeedsAtomicDataOfUserMaterials)
{
  set_two_layers();
  set("Materials/User material 1/Name", "SiC");
  set("Materials/User material 1/Thermal conductivity", "370");
  set("Materials/User material 1/Density", "3210");
  set("Materials/User material 1/Melting point", "none");
  set("Materials/User material 1/Temperature limit", "2000");
  set("Materials/User material 1/Energy backscatter fraction", "0.1");
  set("Geometry/Layer materials", "SiC, diamond-cvd");
  set("Heat source/Deposition", "depth-dose");
  EXPECT_TRUE(parse_fails_with({"depth-dose", "SiC", "atomic number"}));
  set("Materials/User material 1/Atomic number", "10");
  set("Materials/User material 1/Atomic mass", "20.05");
  parse();
  EXPECT_NEAR(parameters.depth_profile.deposited_fraction(), 1, 1e-12);
  set("Materials/User material 1/Atomic mass", "-1");
  EXPECT_TRUE(parse_fails_with({"Atomic mass", "positive"}));
}

TEST_F(AnodeParameters, DepthDoseTableFileMustExist)
{
  set("Heat source/Deposition", "table");
  EXPECT_TRUE(parse_fails_with({"Depth-dose table"}));
  set("Heat source/Depth-dose table", "/nonexistent/profile.csv");
  EXPECT_TRUE(parse_fails_with({"cannot open", "/nonexistent/profile.csv"}));
}

TEST_F(AnodeParameters, BackscatterFormulaFromAtomicNumber)
{
  set_two_layers();
  set("Heat source/Energy backscatter fraction", "formula");
  set("Heat source/Tube voltage", "50e3");
  parse();
  EXPECT_DOUBLE_EQ(parameters.energy_backscatter_fraction,
                   xray::energy_backscatter_fraction(29, 50e3));
  set("Heat source/Energy backscatter fraction", "lots");
  EXPECT_TRUE(parse_fails_with({"Energy backscatter fraction", "lots"}));
}

TEST_F(AnodeParameters, ReferenceDesignNeedsTheMaximumPowerTask)
{
  set("Reference design/Parameter changes",
      "Geometry/Layer materials=Cu; Heat source/Spot HWHM=20e-6");
  EXPECT_TRUE(parse_fails_with({"Reference design", "maximum power"}));
  set("Task", "maximum power");
  parse();
  ASSERT_EQ(parameters.reference_changes.size(), 2u);
  EXPECT_EQ(parameters.reference_changes[1], "Heat source/Spot HWHM=20e-6");
}

// Unit tests of the maximum of a finite element field in one cell
// (solvers/anode_thermal/field_maximum.h): fields that Q2 elements hold
// exactly, so the maximum over the reference cell is known in closed form.
#include "anode_thermal/field_maximum.h"

#include <deal.II/fe/fe_q.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

namespace
{
  using namespace xray::anode_thermal;
  using dealii::FE_Q;
  using dealii::Point;

  // The nodal values of F in FE's numbering: FE interpolates F exactly when
  // F lies in its space.
  template <int dim>
  std::vector<double>
  nodal_values(const FE_Q<dim>                                 &fe,
               const std::function<double(const Point<dim> &)> &F)
  {
    std::vector<double> u;
    for (const auto &p : fe.get_unit_support_points())
      u.push_back(F(p));
    return u;
  }

  template <int dim>
  Point<dim>
  best_node(const FE_Q<dim> &fe, const std::vector<double> &u)
  {
    unsigned int best = 0;
    for (unsigned int i = 1; i < u.size(); ++i)
      if (u[i] > u[best])
        best = i;
    return fe.unit_support_point(best);
  }

  TEST(FieldMaximum, OvershootFactorIsTheLebesgueConstantsExcess)
  {
    // Q2's support points are 0, 1/2, 1: the one-dimensional Lebesgue
    // constant is 5/4 (at 1/4 and 3/4); linear elements cannot overshoot.
    EXPECT_NEAR(nodal_overshoot_factor(FE_Q<2>(2)), (1.5625 - 1) / 2, 1e-12);
    EXPECT_NEAR(nodal_overshoot_factor(FE_Q<3>(2)), (1.953125 - 1) / 2, 1e-12);
    EXPECT_NEAR(nodal_overshoot_factor(FE_Q<3>(1)), 0, 1e-15);
  }

  TEST(FieldMaximum, InteriorMaximumOfACoupledQuadratic)
  {
    // F = 7 - (x - 0.3)^2 - 2 (y - 0.6)^2 - (z - 0.45)^2
    //       + 0.5 (x - 0.3)(y - 0.6): negative definite, maximum 7 at
    // (0.3, 0.6, 0.45), between the nodes (spacing 1/2).
    const FE_Q<3> fe(2);
    const auto    F = [](const Point<3> &p) {
      const double x = p[0] - 0.3, y = p[1] - 0.6, z = p[2] - 0.45;
      return 7 - x * x - 2 * y * y - z * z + 0.5 * x * y;
    };
    const auto u     = nodal_values<3>(fe, F);
    const auto found = maximise_in_reference_cell(fe, u, best_node(fe, u));
    EXPECT_NEAR(found.value, 7, 1e-13);
    EXPECT_NEAR(found.unit_point[0], 0.3, 1e-7);
    EXPECT_NEAR(found.unit_point[1], 0.6, 1e-7);
    EXPECT_NEAR(found.unit_point[2], 0.45, 1e-7);
    EXPECT_GT(found.value, *std::max_element(u.begin(), u.end()) + 0.01);
    EXPECT_LE(found.steps, 10u);
  }

  TEST(FieldMaximum, MaximumOnAFaceWhenTheFieldRisesOutOfTheCell)
  {
    // F = -(x - 1.3)^2 - (y - 0.4)^2 peaks outside the cell; within it the
    // maximum is on the face x = 1 at y = 0.4: -0.09.
    const FE_Q<2> fe(2);
    const auto    F = [](const Point<2> &p) {
      return -(p[0] - 1.3) * (p[0] - 1.3) - (p[1] - 0.4) * (p[1] - 0.4);
    };
    const auto u     = nodal_values<2>(fe, F);
    const auto found = maximise_in_reference_cell(fe, u, best_node(fe, u));
    EXPECT_NEAR(found.value, -0.09, 1e-13);
    EXPECT_DOUBLE_EQ(found.unit_point[0], 1);
    EXPECT_NEAR(found.unit_point[1], 0.4, 1e-7);
  }

  TEST(FieldMaximum, SaddleFieldKeepsItsHighestCorner)
  {
    // F = (x - 0.5)^2 - (y - 0.2)^2 + 0.1 x: no interior maximum; over the
    // cell the largest value is at x = 1, y = 0.2: 0.25 + 0.1.
    const FE_Q<2> fe(2);
    const auto    F = [](const Point<2> &p) {
      return (p[0] - 0.5) * (p[0] - 0.5) - (p[1] - 0.2) * (p[1] - 0.2) +
             0.1 * p[0];
    };
    const auto u     = nodal_values<2>(fe, F);
    const auto found = maximise_in_reference_cell(fe, u, best_node(fe, u));
    EXPECT_NEAR(found.value, 0.35, 1e-13);
    EXPECT_DOUBLE_EQ(found.unit_point[0], 1);
    EXPECT_NEAR(found.unit_point[1], 0.2, 1e-7);
  }

  TEST(FieldMaximum, ConstantAndLinearFieldsStayAtTheirBestNode)
  {
    const FE_Q<3> fe(2);
    const auto    constant =
      nodal_values<3>(fe, [](const Point<3> &) { return 300.; });
    const auto flat = maximise_in_reference_cell(fe, constant, Point<3>());
    EXPECT_EQ(flat.value, 300);
    EXPECT_EQ(flat.steps, 0u);

    const auto linear = nodal_values<3>(fe, [](const Point<3> &p) {
      return 2 * p[0] - p[1] + 0.5 * p[2];
    });
    const auto corner =
      maximise_in_reference_cell(fe, linear, best_node(fe, linear));
    EXPECT_NEAR(corner.value, 2.5, 1e-14);
    EXPECT_EQ(corner.unit_point, Point<3>(1, 0, 1));
  }
} // namespace

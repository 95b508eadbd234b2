// Unit tests of the point-charge model of a particle stream over the
// grounded anode (solvers/stream_potential/point_charge_model.h), the
// field-emission cap's preconditioner and first guess. Reference values are
// the closed forms of a point charge and its image, written out here.
#include "stream_potential/point_charge_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace
{
  using namespace xray::stream_potential;
  using dealii::FullMatrix;
  using dealii::Point;
  using dealii::Tensor;

  constexpr double pi   = 3.14159265358979323846;
  constexpr double eps0 = 8.8541878128e-12; // F/m, CODATA 2018
  constexpr double r    = 2.5e-6;           // m
  constexpr double c    = 4 * pi * eps0 * r * r;

  /// Three spheres in a bent row and one above them, over the anode.
  PointChargeModel
  cluster()
  {
    return PointChargeModel({Point<3>(0, 0, 5e-6),
                             Point<3>(6e-6, 0, 5e-6),
                             Point<3>(11e-6, 4e-6, 6e-6),
                             Point<3>(3e-6, 2e-6, 12e-6)},
                            std::vector<double>(4, r));
  }

  // One sphere a height h over the anode: its image -Q at depth h gives the
  // field Q / (4 pi eps0 (2h)^2) at the centre, pointing away from the
  // anode for Q < 0, so the peak is at the bottom and
  // F = |Q| (1 / c + 3 / (16 pi eps0 h^2)).
  TEST(PointChargeModel, SphereOverAnodePeaksAtTheBottom)
  {
    const double           h = 5e-6, Q = -1e-15;
    const PointChargeModel model({Point<3>(1e-6, -2e-6, h)}, {r});
    const Tensor<1, 3>     normal = model.peak_normals({Q})[0];
    EXPECT_NEAR(normal[2], -1, 1e-15);
    EXPECT_NEAR(model.peak_fields({Q})[0],
                -Q * (1 / c + 3 / (16 * pi * eps0 * h * h)),
                1e-13 * -Q / c);
    // The potential: own Q / (4 pi eps0 r) less the image's at 2h.
    EXPECT_NEAR(model.potential_coupling()(0, 0),
                (1 / r - 1 / (2 * h)) / (4 * pi * eps0),
                1e-13 / (4 * pi * eps0 * r));
  }

  // The peak field is homogeneous of degree one in the charges, so the
  // Jacobian at the peak normals maps the charges onto the peak fields.
  TEST(PointChargeModel, FieldCouplingIsThePeakFieldsDerivative)
  {
    const PointChargeModel    model = cluster();
    const std::vector<double> Q     = {-2e-15, -1e-15, 0.5e-15, -3e-15};
    const FullMatrix<double>  J = model.field_coupling(model.peak_normals(Q));
    const std::vector<double> F = model.peak_fields(Q);
    for (unsigned int i = 0; i < 4; ++i)
      {
        double JQ = 0;
        for (unsigned int j = 0; j < 4; ++j)
          JQ += J(i, j) * Q[j];
        EXPECT_NEAR(JQ, F[i], 1e-12 * std::abs(F[i])) << "sphere " << i;
      }
    // And a finite difference of the peak field in one charge.
    const double        dq = 1e-21;
    std::vector<double> Q1 = Q;
    Q1[1] += dq;
    const std::vector<double> F1 = model.peak_fields(Q1);
    for (unsigned int i = 0; i < 4; ++i)
      EXPECT_NEAR((F1[i] - F[i]) / dq, J(i, 1), 1e-5 * std::abs(J(i, i)))
        << "sphere " << i;
  }

  // Green's reciprocity: equal spheres, symmetric potential coefficients.
  TEST(PointChargeModel, PotentialCouplingIsSymmetric)
  {
    const FullMatrix<double> P = cluster().potential_coupling();
    for (unsigned int i = 0; i < 4; ++i)
      for (unsigned int j = 0; j < 4; ++j)
        EXPECT_NEAR(P(i, j), P(j, i), 1e-12 * P(i, i));
  }

  // The cap on the model: a single sphere far above its beam charge holds
  // the charge at which F = E_lim (closed form above).
  TEST(PointChargeModel, CapOfOneSphereMatchesTheClosedForm)
  {
    const double           h = 5e-6, E_lim = 1e9;
    const PointChargeModel model({Point<3>(0, 0, h)}, {r});
    const auto [charges, residual] =
      solve_point_charge_cap(model, {-1e-12}, {r}, E_lim, 1e-12, 20);
    EXPECT_LE(residual, 1e-12);
    EXPECT_NEAR(charges[0],
                -E_lim / (1 / c + 3 / (16 * pi * eps0 * h * h)),
                1e-10 * c * E_lim);
  }

  // The cap on a cluster with mixed beam charges: complementarity holds at
  // the answer, checked on the model's fields.
  TEST(PointChargeModel, CapSatisfiesComplementarity)
  {
    const PointChargeModel model = cluster();
    const double           E_lim = 1e9, tolerance = 1e-11;
    // c E_lim = 7e-13 C: beam charges on both sides of it.
    const std::vector<double> beam = {-1e-12, -1e-14, -1e-12, -0.5e-12};
    const auto [Q, residual]       = solve_point_charge_cap(
      model, beam, std::vector<double>(4, r), E_lim, tolerance, 50);
    EXPECT_LE(residual, tolerance);
    const std::vector<double> F       = model.peak_fields(Q);
    unsigned int              limited = 0, at_beam_charge = 0;
    for (unsigned int i = 0; i < 4; ++i)
      {
        EXPECT_GE(Q[i] - beam[i], -tolerance * c * E_lim) << "sphere " << i;
        EXPECT_LE(F[i], E_lim * (1 + tolerance)) << "sphere " << i;
        EXPECT_LE(std::min(Q[i] - beam[i], c * (E_lim - F[i])),
                  tolerance * c * E_lim)
          << "sphere " << i;
        if (Q[i] > beam[i])
          {
            ++limited;
            EXPECT_NEAR(F[i], E_lim, tolerance * E_lim) << "sphere " << i;
          }
        else
          ++at_beam_charge;
      }
    // The case tests both branches.
    EXPECT_GE(limited, 1u);
    EXPECT_GE(at_beam_charge, 1u);
  }
} // namespace

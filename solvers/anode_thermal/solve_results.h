// What AnodeThermal's solves give: the statistics of one steady solve, a
// layer's peak, and the estimated error of an adaptive cycle's peak
// (error_estimate.templates.h).
#ifndef XRAY_ANODE_THERMAL_SOLVE_RESULTS_H
#define XRAY_ANODE_THERMAL_SOLVE_RESULTS_H

#include <deal.II/base/point.h>

#include <cmath>
#include <cstddef>

namespace xray
{
  namespace anode_thermal
  {
    using namespace dealii;

    /// What one steady solve gives.
    struct SolveStatistics
    {
      unsigned int newton_iterations = 0;
      unsigned int linear_iterations = 0;
      /// Norm of the load (residual of T = T0): Newton's reference scale.
      double reference_residual = 0;
      double final_residual     = 0;
    };

    struct LayerResult
    {
      double   max_temperature; // K
      Point<3> location;        // m
    };

    /// The points of a maximum-power search around the root of the
    /// increasing g(P) = r(P) - 1: the last one evaluated, and the nearest
    /// evaluated on each side (below: g < 0, above: g > 0; a power of 0
    /// until one is found).
    struct PowerSearchPoints
    {
      double power = 0, g = 0;
      double below = 0, g_below = 0;
      double above = 0, g_above = 0;

      void
      add(const double P, const double g_of_P)
      {
        power = P;
        g     = g_of_P;
        if (g_of_P < 0 && P > below)
          {
            below   = P;
            g_below = g_of_P;
          }
        if (g_of_P > 0 && (above == 0 || P < above))
          {
            above   = P;
            g_above = g_of_P;
          }
      }

      bool
      bracketed() const
      {
        return below > 0 && above > below;
      }
    };

    /// The estimated error of one adaptive cycle's peak (Mesh/Target
    /// accuracy): the goal layer's peak on the cycle's elements and in the
    /// elements one degree higher on the same mesh.
    struct PeakErrorEstimate
    {
      unsigned int cycle    = 0;
      unsigned int layer    = 0;
      std::size_t  unknowns = 0, enriched_unknowns = 0;
      unsigned int enriched_linear_iterations = 0;
      double       peak = 0, enriched_peak = 0; // K
      double       rise = 0;                    // peak - T0, K
      /// Refinement indicator = goal-oriented: the sum of the cells'
      /// signed shares R(T_h)(z+ - I_h z+) plus T_h(P) - peak, K (with
      /// quadrature_defect, the estimate to first order; P the enriched
      /// peak's point), and the dual solve's linear iterations.
      double dual_weighted_residual = 0;
      /// The quadrature's part of the error at P, -D(T_h)(I_h z+) with
      /// D = R+ - R~, the residual on the enriched rules less that on the
      /// cycle's (localise_peak_error()); not in the cells' shares, K.
      double       quadrature_defect            = 0;
      double       cycle_field_at_enriched_peak = 0; // T_h(P), K
      unsigned int dual_linear_iterations       = 0;
      /// Estimated error of the peak, K (true peak - computed peak).
      double
      error() const
      {
        return enriched_peak - peak;
      }
      double
      relative_error() const
      {
        return rise > 0 ? std::abs(error()) / rise : 0.;
      }
      /// Whether the estimate is within TARGET (Mesh/Target accuracy);
      /// never without one (TARGET = 0).
      bool
      within(const double target) const
      {
        return target > 0 && relative_error() <= target;
      }
    };
  } // namespace anode_thermal
} // namespace xray

#endif

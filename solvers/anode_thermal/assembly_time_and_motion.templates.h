// The terms of AnodeThermal's Newton system (assembly.templates.h) for
// heat stored in a time stage and heat carried by a moving anode, with
// the streamline-upwind Petrov-Galerkin stabilisation (SUPG).
#ifndef XRAY_ANODE_THERMAL_ASSEMBLY_TIME_AND_MOTION_TEMPLATES_H
#define XRAY_ANODE_THERMAL_ASSEMBLY_TIME_AND_MOTION_TEMPLATES_H

#include "anode_thermal/anode_thermal.h"

#include <deal.II/lac/full_matrix.h>

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

namespace xray
{
  namespace anode_thermal
  {
    // Stored heat of a time stage at one quadrature point, tested with the
    // SUPG test function phi_i + tau u . grad phi_i (add_advection()):
    //   R_i += c rho H(T) (phi_i + tau u . grad phi_i) w,
    //   J_ij += c rho c_p(T) phi_j (phi_i + tau u . grad phi_i) w,
    // H the specific enthalpy above T0 (Enthalpy), c = 1/(dt d). Keeping
    // the time derivative inside the stored heat m(T) keeps SUPG consistent
    // through the Runge-Kutta stages.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::add_stored_heat(
      const PointData        &point,
      const unsigned int      layer,
      const double            T,
      const bool              with_matrix,
      FullMatrix<double>     &cell_matrix,
      dealii::Vector<double> &cell_rhs) const
    {
      const double rho    = parameters.layers[layer].material.density;
      const double stored = stage_mass_factor * rho * enthalpy[layer].value(T);
      const double capacity =
        stage_mass_factor * rho * enthalpy[layer].heat_capacity(T);
      const auto [u, tau] =
        streamline_diffusion(point.point, point.inverse_jacobian, layer);
      const double       w = point.w;
      const unsigned int n = point.value.size();
      for (unsigned int i = 0; i < n; ++i)
        {
          const double test = point.value[i] + tau * (u * point.gradient[i]);
          cell_rhs(i) -= stored * test * w;
          if (with_matrix)
            for (unsigned int j = 0; j < n; ++j)
              cell_matrix(i, j) += capacity * point.value[j] * test * w;
        }
    }


    // The material velocity u at a quadrature point and the SUPG parameter
    // (Brooks & Hughes, Comput. Methods Appl. Mech. Eng. 32 (1982) 199)
    //   tau = h / (2 |u|) (coth Pe - 1/Pe),  Pe = rho c_p |u| h / (2 k),
    // with k and c_p at T0 (so that tau does not depend on T), h the cell's
    // length along u over the polynomial degree (the cycle's degree where
    // the goal-oriented indicators test its field in the enriched elements:
    // stabilised_degree()). In a time step dt it is
    // limited by the step, tau = (tau_steady^-2 + (2/dt)^2)^-1/2 (Shakib,
    // Hughes & Johan, Comput. Methods Appl. Mech. Eng. 89 (1991) 141): the
    // Petrov-Galerkin part of the stored heat stays of the size of the
    // advection term. Zero without motion.
    template <int dim, typename LA>
    std::pair<Tensor<1, dim>, double>
    AnodeThermal<dim, LA>::streamline_diffusion(
      const Point<dim>     &point,
      const Tensor<2, dim> &inverse_jacobian,
      const unsigned int    layer) const
    {
      const Tensor<1, dim> u     = parameters.motion.velocity(point);
      const double         speed = u.norm();
      if (speed == 0)
        return {u, 0.};
      // Cell length along u: the unit cell spans 1 in every reference
      // coordinate, and a unit step along u moves J^-1 u/|u| in them.
      double reference_step = 0;
      for (unsigned int d = 0; d < dim; ++d)
        {
          double component = 0;
          for (unsigned int e = 0; e < dim; ++e)
            component += inverse_jacobian[d][e] * u[e] / speed;
          reference_step = std::max(reference_step, std::abs(component));
        }
      const Material &material = parameters.layers[layer].material;
      const double    T0       = parameters.coolant_temperature;
      const double    h        = 1. / (reference_step * stabilised_degree());
      const double    peclet   = material.density *
                            material.heat_capacity.value(T0) * speed * h /
                            (2 * material.conductivity.value(T0));
      if (peclet < 1e-8)
        return {u, 0.};
      const double tau = h / (2 * speed) * (1 / std::tanh(peclet) - 1 / peclet);
      if (supg_time_step > 0)
        return {u,
                1 / std::sqrt(1 / (tau * tau) +
                              4 / (supg_time_step * supg_time_step))};
      return {u, tau};
    }


    // k''(T) for the Jacobian of the SUPG term: the central difference of
    // k' over +-0.5 K (exact for the quadratic part of a conductivity fit,
    // O(0.25 K^2 k'''') otherwise). It enters the Jacobian only, so it sets
    // Newton's rate, not the solution.
    template <int dim, typename LA>
    double
    AnodeThermal<dim, LA>::conductivity_curvature(const Material &material,
                                                  const double    T)
    {
      return material.conductivity.derivative(T + 0.5) -
             material.conductivity.derivative(T - 0.5);
    }


    // Heat carried by the moving anode at one quadrature point, in the
    // spot's frame (motion.h):
    //   R_i += rho c_p(T) (u . grad T) phi_i w + tau (u . grad phi_i) r w,
    // the second term the streamline-upwind Petrov-Galerkin stabilisation
    // (streamline_diffusion()) with the steady part of the strong residual
    //   r = rho c_p (u . grad T) - k lap T - k'(T) |grad T|^2 - s
    // (the time derivative's part is in add_stored_heat()). Its Jacobian
    // holds every term, k'' |grad T|^2 phi_j included: near a focal spot
    // |grad T|^2 is large enough that leaving it out costs Newton its
    // quadratic rate (one more step per solve). Summed over i the SUPG term
    // vanishes (sum_i grad phi_i = 0): it moves no heat.
    // Returns rho c_p (u . grad T) w: summed over the mesh the heat the
    // motion carries out of it (div u = 0).
    template <int dim, typename LA>
    double
    AnodeThermal<dim, LA>::add_advection(const PointData        &point,
                                         const unsigned int      layer,
                                         const double            T,
                                         const Tensor<1, dim>   &grad_T,
                                         const double            laplacian_T,
                                         const double            k,
                                         const double            dk,
                                         const bool              with_matrix,
                                         FullMatrix<double>     &cell_matrix,
                                         dealii::Vector<double> &cell_rhs) const
    {
      const Material   &material = parameters.layers[layer].material;
      const Point<dim> &x        = point.point;
      const double      w        = point.w;
      const auto [u, tau] =
        streamline_diffusion(x, point.inverse_jacobian, layer);
      if (u.norm() == 0)
        return 0;
      const double rho      = material.density;
      const double c_p      = enthalpy[layer].heat_capacity(T);
      const double dc_p     = material.heat_capacity.derivative(T);
      const double advected = rho * c_p * (u * grad_T);

      double source = 0;
      if (parameters.depth_profile.is_volumetric())
        source = deposited_power() * source_shape(x) / shape_integral;
      const double strong =
        advected - k * laplacian_T - dk * (grad_T * grad_T) - source;

      const unsigned int n = point.value.size();
      // Per shape function j: its advection term and d(strong residual)/dT_j.
      std::vector<double> &advection_j = advection_scratch;
      std::vector<double> &strong_j    = strong_scratch;
      if (with_matrix)
        {
          const double d2k = conductivity_curvature(material, T);
          advection_j.resize(n);
          strong_j.resize(n);
          for (unsigned int j = 0; j < n; ++j)
            {
              const double phi_j        = point.value[j];
              const double streamline_j = u * point.gradient[j];
              advection_j[j] =
                rho * (c_p * streamline_j + dc_p * phi_j * (u * grad_T));
              strong_j[j] = advection_j[j] - k * point.laplacian[j] -
                            dk * phi_j * laplacian_T -
                            d2k * phi_j * (grad_T * grad_T) -
                            2 * dk * (grad_T * point.gradient[j]);
            }
        }
      for (unsigned int i = 0; i < n; ++i)
        {
          const double phi_i        = point.value[i];
          const double streamline_i = u * point.gradient[i];
          cell_rhs(i) -= (advected * phi_i + tau * streamline_i * strong) * w;
          if (with_matrix)
            for (unsigned int j = 0; j < n; ++j)
              cell_matrix(i, j) +=
                (advection_j[j] * phi_i + tau * streamline_i * strong_j[j]) * w;
        }
      return advected * w;
    }
  } // namespace anode_thermal
} // namespace xray

#endif

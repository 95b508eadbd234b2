// The heat input of AnodeThermal's Newton system (assembly.templates.h):
// the source for 1 W deposited, on the heated face or in depth with a
// quadrature that resolves a thin deposition, and the check that the
// mesh resolves it.
#ifndef XRAY_ANODE_THERMAL_ASSEMBLY_HEAT_INPUT_TEMPLATES_H
#define XRAY_ANODE_THERMAL_ASSEMBLY_HEAT_INPUT_TEMPLATES_H

#include "anode_thermal/anode_thermal.h"
#include "common/command_line.h"
#include "meshes/anode_mesh.h"

#include <deal.II/base/quadrature_lib.h>
#include <deal.II/hp/fe_values.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <iomanip>
#include <limits>
#include <memory>
#include <sstream>
#include <vector>

namespace xray
{
  namespace anode_thermal
  {
    // The heat input for 1 W deposited, assembled once per mesh:
    //   b_i = int source_shape phi_i w / int source_shape w,
    // over the volume, or over the heated face for a surface flux. Dividing
    // by the discrete integral makes the source carry exactly the deposited
    // power; the exact integral is the deposited fraction (1 for a surface
    // flux), and the ratio is reported as the quadrature error (the spot's
    // tail beyond R, exp(-R^2/a^2), is below round-off for R >= 10 HWHM).
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::assemble_heat_source()
    {
      TimerOutput::Scope t(*timer, "assembly");
      unit_source.reinit(locally_owned_dofs, mpi_communicator);
      const double integral = integrate_source_shape();
      unit_source.compress(VectorOperation::add);
      shape_integral = Utilities::MPI::sum(integral, mpi_communicator);
      source_quadrature_error =
        shape_integral / parameters.depth_profile.deposited_fraction() - 1;
      check_source_resolved();
      unit_source /= shape_integral;
      unit_source_norm = unit_source.l2_norm();
      unit_source_sum  = unit_source.mean_value() * unit_source.size();
    }


    // The numerator of b_i, int source_shape phi_i w, into unit_source: on
    // the cells the deposition reaches (their top above its end), or on the
    // heated face for a surface flux. Returns this rank's part of the
    // denominator int source_shape w.
    template <int dim, typename LA>
    double
    AnodeThermal<dim, LA>::integrate_source_shape()
    {
      const auto            &depth_profile  = parameters.depth_profile;
      const bool             volumetric     = depth_profile.is_volumetric();
      const double           deposition_end = depth_profile.deposition_end();
      hp::FEFaceValues<dim>  face_values(mapping,
                                        fe,
                                        face_quadrature,
                                        update_values |
                                          update_quadrature_points |
                                          update_JxW_values);
      DepositionValues       cell_values;
      dealii::Vector<double> cell_source;
      std::vector<types::global_dof_index> dofs;
      double                               integral = 0;
      for (const auto &cell : owned_cells)
        {
          if (!cell->is_locally_owned())
            continue;
          if (volumetric)
            {
              double top_depth = std::numeric_limits<double>::max();
              for (const unsigned int v : cell->vertex_indices())
                top_depth = std::min(top_depth, -cell->vertex(v)[dim - 1]);
              if (top_depth < deposition_end)
                add_source_shape(cell,
                                 deposition_values(cell, cell_values),
                                 cell_source,
                                 dofs,
                                 integral);
            }
          else
            for (const unsigned int f : cell->face_indices())
              if (cell->at_boundary(f) &&
                  cell->face(f)->boundary_id() == meshes::boundary::heated_face)
                {
                  face_values.reinit(cell, f);
                  add_source_shape(cell,
                                   face_values.get_present_fe_values(),
                                   cell_source,
                                   dofs,
                                   integral);
                }
        }
      return integral;
    }


    // The FEValues of CELL for a volumetric source, from CACHE (one per
    // finite element, depth direction and number of sub-intervals). A
    // deposition far thinner than a cell (low tube voltage, cells graded
    // away from the spot) is integrated with a quadrature iterated along
    // the cell direction closest to the depth, so that every sub-interval
    // is at most 1/8 of the deposition depth (at most 256 of them): Gauss
    // rules of degree + 2 points, degree that of the rules in use
    // (make_quadratures()).
    template <int dim, typename LA>
    FEValues<dim> &
    AnodeThermal<dim, LA>::deposition_values(
      const typename DoFHandler<dim>::active_cell_iterator &cell,
      DepositionValues                                     &cache) const
    {
      double       longest   = -1;
      unsigned int direction = 0;
      for (unsigned int d = 0; d < dim; ++d)
        {
          const double extent =
            std::abs(cell->face(2 * d + 1)->center()[dim - 1] -
                     cell->face(2 * d)->center()[dim - 1]);
          if (extent > longest)
            {
              longest   = extent;
              direction = d;
            }
        }
      const unsigned int pieces = static_cast<unsigned int>(std::clamp(
        std::ceil(8 * longest / parameters.depth_profile.deposition_end()),
        1.,
        256.));
      auto &values = cache[{cell->active_fe_index(), direction, pieces}];
      if (!values)
        {
          const QGauss<1>              gauss(quadrature_degree + 2);
          const QIterated<1>           iterated(gauss, pieces);
          std::array<Quadrature<1>, 3> axes{{gauss, gauss, gauss}};
          axes[direction] = iterated;
          Quadrature<dim> rule;
          if constexpr (dim == 2)
            rule = QAnisotropic<2>(axes[0], axes[1]);
          else
            rule = QAnisotropic<3>(axes[0], axes[1], axes[2]);
          values = std::make_unique<FEValues<dim>>(mapping[0],
                                                   cell->get_fe(),
                                                   rule,
                                                   update_values |
                                                     update_quadrature_points |
                                                     update_JxW_values);
        }
      values->reinit(cell);
      return *values;
    }


    // One cell's (or heated face's) int source_shape phi_i w, through
    // VALUES, into unit_source; its int source_shape w added to INTEGRAL.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::add_source_shape(
      const typename DoFHandler<dim>::active_cell_iterator &cell,
      const FEValuesBase<dim>                              &values,
      dealii::Vector<double>                               &cell_source,
      std::vector<types::global_dof_index>                 &dofs,
      double                                               &integral)
    {
      const FEValuesExtractors::Scalar field(
        layer_component[cell->material_id()]);
      cell_source.reinit(values.dofs_per_cell);
      for (const unsigned int q : values.quadrature_point_indices())
        {
          const double w = source_shape(values.quadrature_point(q)) *
                           weight(values.quadrature_point(q)) * values.JxW(q);
          integral += w;
          for (unsigned int i = 0; i < values.dofs_per_cell; ++i)
            cell_source(i) += w * values[field].value(i, q);
        }
      dofs.resize(values.dofs_per_cell);
      cell->get_dof_indices(dofs);
      update_constraints.distribute_local_to_global(cell_source,
                                                    dofs,
                                                    unit_source);
    }


    // A mesh that does not see the source cannot carry it: its integral
    // would be scaled up from almost nothing. Throws SolverError when the
    // discrete integral is off by 10 % or more.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::check_source_resolved() const
    {
      if (std::abs(source_quadrature_error) < 0.1)
        return;
      std::ostringstream message;
      message << std::setprecision(2)
              << "the mesh does not resolve the heat source: its discrete "
                 "integral is off by "
              << 100 * source_quadrature_error << " %";
      if (parameters.depth_profile.is_volumetric())
        message << " (deposition depth "
                << parameters.depth_profile.deposition_end()
                << " m); for a deposition this much thinner than the "
                   "cells use Heat source/Deposition = surface, or refine "
                   "the spot (Mesh/Spot cell size)";
      else
        message << "; refine the spot (Mesh/Spot cell size)";
      throw SolverError(message.str());
    }
  } // namespace anode_thermal
} // namespace xray

#endif

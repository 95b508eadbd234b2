// Implementation of AnodeThermal; instantiated in anode_thermal_2d.cc
// (axisymmetric) and anode_thermal_3d.cc.
#ifndef XRAY_ANODE_THERMAL_TEMPLATES_H
#define XRAY_ANODE_THERMAL_TEMPLATES_H

#include "anode_thermal/anode_thermal.h"
#include "common/command_line.h"
#include "meshes/anode_mesh.h"

#include <deal.II/base/function.h>
#include <deal.II/base/quadrature_lib.h>
#include <deal.II/distributed/grid_refinement.h>
#include <deal.II/dofs/dof_renumbering.h>
#include <deal.II/dofs/dof_tools.h>
#include <deal.II/fe/fe_nothing.h>
#include <deal.II/fe/fe_q.h>
#include <deal.II/fe/fe_system.h>
#include <deal.II/fe/mapping_q.h>
#include <deal.II/hp/fe_values.h>
#include <deal.II/lac/dynamic_sparsity_pattern.h>
#include <deal.II/lac/full_matrix.h>
#include <deal.II/lac/solver_cg.h>
#include <deal.II/lac/solver_control.h>
#include <deal.II/lac/solver_gmres.h>
#include <deal.II/lac/sparsity_tools.h>
#include <deal.II/numerics/data_out.h>
#include <deal.II/numerics/data_postprocessor.h>
#include <deal.II/numerics/error_estimator.h>
#include <deal.II/numerics/vector_tools.h>

#include <boost/math/tools/roots.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <iomanip>
#include <map>
#include <tuple>
#include <unistd.h>
#include <limits>
#include <sstream>

namespace xray
{
  namespace anode_thermal
  {
    template <int dim, typename LA>
    AnodeThermal<dim, LA>::AnodeThermal(const Parameters &parameters_,
                                        RunOutput        &output_)
      : mpi_communicator(MPI_COMM_WORLD)
      , parameters(parameters_)
      , output(&output_)
      , triangulation(mpi_communicator,
                      typename Triangulation<dim>::MeshSmoothing(
                        Triangulation<dim>::smoothing_on_refinement |
                        Triangulation<dim>::smoothing_on_coarsening))
      , dof_handler(triangulation)
    {
      // Layers joined without resistance share a component; each resistive
      // interface switches to the other one.
      unsigned int component = 0;
      layer_component.push_back(component);
      for (const double conductance : parameters.interface_conductances)
        {
          if (std::isfinite(conductance))
            component = 1 - component;
          layer_component.push_back(component);
        }

      const unsigned int degree = parameters.fe_degree;
      fe.push_back(FESystem<dim>(FE_Q<dim>(degree), 1, FE_Nothing<dim>(), 1));
      fe.push_back(FESystem<dim>(FE_Nothing<dim>(), 1, FE_Q<dim>(degree), 1));
      for (unsigned int i = 0; i < 2; ++i)
        {
          quadrature.push_back(QGauss<dim>(degree + 2));
          face_quadrature.push_back(QGauss<dim - 1>(degree + 2));
        }
      mapping.push_back(MappingQ<dim>(degree));
    }


    // The weight that makes every integral over the mesh the full anode's:
    // 2 pi r in the axisymmetric model; in 3D the symmetry factor 2^m of a
    // part bounded by m mirror planes (Geometry/Symmetry), 1 for the full
    // body. On a mirror-symmetric field the integral over the full body is
    // 2^m times that over the part, and the weak form on the part, weighted
    // by 2^m, is the full one restricted to the part: the mirror planes
    // carry its natural condition k dT/dn = 0. The heat input, normalised by
    // the weighted integral of the source (assemble_heat_source()), is then
    // the full beam's power, of which the part receives 1/2^m, its share of
    // the Gaussian.
    template <int dim, typename LA>
    double
    AnodeThermal<dim, LA>::weight(const Point<dim> &point) const
    {
      return dim == 2 ? 2 * numbers::PI * point[0] :
                        parameters.symmetry_factor();
    }


    // Heat-source shape per watt deposited (heat_source.h): g(x, y) h(depth)
    // in 1/m^3 for volumetric deposition, g(x, y) in 1/m^2 for a surface
    // flux. The heated face is z = 0, the anode below it; in 2D the first
    // coordinate is r.
    template <int dim, typename LA>
    double
    AnodeThermal<dim, LA>::source_shape(const Point<dim> &point) const
    {
      const double x       = point[0];
      const double y       = dim == 3 ? point[1] : 0.;
      const double lateral = parameters.spot.value(x, y);
      if (!parameters.depth_profile.is_volumetric())
        return lateral;
      return lateral * parameters.depth_profile.value(-point[dim - 1]);
    }


    template <int dim, typename LA>
    double
    AnodeThermal<dim, LA>::deposited_power() const
    {
      return (1 - parameters.energy_backscatter_fraction) *
             current_incident_power *
             parameters.depth_profile.deposited_fraction();
    }


    template <int dim, typename LA>
    double
    AnodeThermal<dim, LA>::conductivity(const unsigned int layer,
                                        const double       temperature) const
    {
      return parameters.layers[layer].material->conductivity.value(temperature);
    }


    template <int dim, typename LA>
    bool
    AnodeThermal<dim, LA>::all_conductivities_constant() const
    {
      for (const auto &layer : parameters.layers)
        if (!layer.material->conductivity.is_constant())
          return false;
      return true;
    }


    template <int dim, typename LA>
    bool
    AnodeThermal<dim, LA>::all_heat_capacities_constant() const
    {
      for (const auto &layer : parameters.layers)
        if (!layer.material->heat_capacity.is_constant())
          return false;
      return true;
    }


    // CG for the symmetric matrix of constant k without motion; the
    // Newton matrix of k(T) and the advection term are not symmetric.
    template <int dim, typename LA>
    bool
    AnodeThermal<dim, LA>::matrix_is_symmetric() const
    {
      return all_conductivities_constant() && !parameters.motion.is_moving();
    }


    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::make_grid()
    {
      TimerOutput::Scope t(*timer, "setup");
      make_coarse_grid();
      if (parameters.symmetry != Symmetry::none)
        log() << "Symmetry: meshing the "
              << (parameters.symmetry == Symmetry::half ?
                    "half y >= 0 (mirror plane y = 0)" :
                    "quarter x >= 0, y >= 0 (mirror planes x = 0, y = 0)")
              << "; powers and heat flows are the full anode's" << std::endl;
      refine_toward_spot();
      mark_inflow_faces();
    }


    // The coarse mesh of the geometry, before any refinement (what a
    // checkpoint's refinement is loaded onto).
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::make_coarse_grid()
    {
      if (parameters.shape == Shape::cylinder)
        {
          meshes::AnodeMeshSpecification specification;
          specification.radius = parameters.radius;
          for (const auto &layer : parameters.layers)
            specification.layer_thicknesses.push_back(layer.thickness);
          // A few HWHM; a line focus's flat top fits inside.
          specification.central_half_width =
            2 * std::max(parameters.spot_hwhm_x,
                         parameters.spot_hwhm_y + parameters.line_length / 2);
          specification.growth_factor = parameters.growth_factor;
          specification.mirror_planes = parameters.mirror_planes();
          meshes::make_layered_cylinder(triangulation, specification);
        }
      else
        meshes::make_half_ball(triangulation, parameters.radius);
    }


    // With the anode moving, the material enters the mesh through the part
    // of the cooled faces where u . n < 0, at the bulk temperature T0: those
    // faces get their own boundary id, held at T0. Each face (on every
    // level) is judged at its own centre, so the marking depends on the mesh
    // alone, not on how it was refined: called after every refinement and
    // after a checkpoint's mesh is loaded.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::mark_inflow_faces()
    {
      if (!parameters.motion.is_moving())
        return;
      const types::boundary_id cooled = parameters.shape == Shape::cylinder ?
                                          meshes::boundary::side_face :
                                          meshes::boundary::back_face;
      for (const auto &cell : triangulation.cell_iterators())
        for (const unsigned int f : cell->face_indices())
          {
            const auto face = cell->face(f);
            if (face->at_boundary() && (face->boundary_id() == cooled ||
                                        face->boundary_id() == inflow_face))
              {
                const Point<dim>     centre  = face->center();
                const Tensor<1, dim> outward = centre - cell->center();
                face->set_boundary_id(
                  parameters.motion.velocity(centre) * outward < 0 ?
                    inflow_face :
                    cooled);
              }
          }
    }


    // Grade the initial mesh toward the spot: a cell at distance d from the
    // spot's core (its centre, or the segment along the long axis of a line
    // focus or an elongated ellipse) is refined while larger than
    // max(h_spot, (q - 1) d), h_spot resolving the spot's narrowest width.
    // A volumetric source needs no finer cells: its load is integrated
    // exactly enough on any cell (assemble_heat_source()), and the field
    // it drives varies on the scale of the spot and of the layers (the
    // depth-dose benchmark converges from the first cycle).
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::refine_toward_spot()
    {
      // (A line focus varies across its width only, except at its two ends,
      // which the adaptive cycles resolve.)
      const double spot_scale =
        parameters.spot.kind() == SpotProfile::Kind::line ?
          parameters.spot_hwhm_x :
          std::min(parameters.spot_hwhm_x, parameters.spot_hwhm_y);
      const double spot_cell  = parameters.spot_cell_fraction * spot_scale;
      const auto half_lengths = parameters.spot.core_half_lengths();
      auto distance_to_core = [&](Point<dim> p) {
        if (dim == 3)
          for (unsigned int d = 0; d < 2; ++d)
            p[d] = std::max(0., std::abs(p[d]) - half_lengths[d]);
        return p.norm();
      };
      for (unsigned int pass = 0; pass < 40; ++pass)
        {
          bool refined = false;
          for (const auto &cell : triangulation.active_cell_iterators())
            if (cell->is_locally_owned())
              {
                const double distance = distance_to_core(cell->center());
                const double target =
                  std::max(spot_cell, (parameters.growth_factor - 1) * distance);
                if (cell->diameter() / std::sqrt(dim) > target)
                  {
                    cell->set_refine_flag();
                    refined = true;
                  }
              }
          if (!Utilities::MPI::logical_or(refined, mpi_communicator))
            break;
          triangulation.execute_coarsening_and_refinement();
        }
    }


    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::setup_system()
    {
      TimerOutput::Scope t(*timer, "setup");
      for (const auto &cell : dof_handler.active_cell_iterators())
        if (cell->is_locally_owned())
          cell->set_active_fe_index(layer_component[cell->material_id()]);
      dof_handler.distribute_dofs(fe);
      // Unknowns and cells in an order of the mesh alone (not of how it was
      // refined), so that a mesh loaded from a checkpoint sums every
      // contribution in the same order as the run that saved it.
      DoFRenumbering::hierarchical(dof_handler);
      owned_cells.clear();
      point_cache.clear();
      point_cache_tried = false;
      for (const auto &cell : dof_handler.active_cell_iterators())
        if (cell->is_locally_owned())
          owned_cells.push_back(cell);
      std::sort(owned_cells.begin(),
                owned_cells.end(),
                [](const auto &a, const auto &b) { return a->id() < b->id(); });
      locally_owned_dofs = dof_handler.locally_owned_dofs();
      DoFTools::extract_locally_relevant_dofs(dof_handler,
                                              locally_relevant_dofs);
      find_resistive_interfaces();
      make_constraints();

      DynamicSparsityPattern dsp(locally_relevant_dofs);
      DoFTools::make_sparsity_pattern(dof_handler, dsp, update_constraints,
                                      false);
      std::vector<types::global_dof_index> upper_dofs, lower_dofs;
      for (const auto &face : interface_faces)
        {
          upper_dofs.resize(face.upper->get_fe().n_dofs_per_cell());
          lower_dofs.resize(face.lower->get_fe().n_dofs_per_cell());
          face.upper->get_dof_indices(upper_dofs);
          face.lower->get_dof_indices(lower_dofs);
          upper_dofs.insert(upper_dofs.end(), lower_dofs.begin(),
                            lower_dofs.end());
          update_constraints.add_entries_local_to_global(upper_dofs, dsp, false);
        }
      SparsityTools::distribute_sparsity_pattern(dsp,
                                                 locally_owned_dofs,
                                                 mpi_communicator,
                                                 locally_relevant_dofs);
      // The preconditioner refers to the matrix it was built from: it goes
      // before that matrix does.
      preconditioner.reset();
      assembled_matrix_key.clear();
      system_matrix.reinit(locally_owned_dofs,
                           locally_owned_dofs,
                           dsp,
                           mpi_communicator);
      system_rhs.reinit(locally_owned_dofs, mpi_communicator);
      present_solution.reinit(locally_owned_dofs, mpi_communicator);
      temperature.reinit(locally_owned_dofs,
                         locally_relevant_dofs,
                         mpi_communicator);
      solution_on_this_mesh = false;
      if (solution_transfer)
        {
          solution_transfer->interpolate(present_solution);
          solution_transfer.reset();
          solution_on_this_mesh = true;
        }
      assemble_heat_source();
    }


    // The boundary ids held at T = T0.
    template <int dim, typename LA>
    std::vector<types::boundary_id>
    AnodeThermal<dim, LA>::fixed_temperature_faces() const
    {
      std::vector<types::boundary_id> faces;
      if (parameters.motion.is_moving())
        faces.push_back(inflow_face);
      if (parameters.back_face.type == FaceCondition::Type::fixed_temperature)
        faces.push_back(meshes::boundary::back_face);
      if (parameters.side_face.type == FaceCondition::Type::fixed_temperature &&
          parameters.shape == Shape::cylinder)
        faces.push_back(meshes::boundary::side_face);
      return faces;
    }


    // Hanging nodes, and T = T0 on the fixed-temperature faces, where the
    // Newton updates vanish.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::make_constraints()
    {
      const Functions::ConstantFunction<dim> coolant(
        parameters.coolant_temperature, 2);
      const Functions::ZeroFunction<dim> zero(2);
      std::map<types::boundary_id, const Function<dim> *> fixed_values,
        fixed_zero;
      constrained_faces = fixed_temperature_faces();
      for (const types::boundary_id face : constrained_faces)
        {
          fixed_values[face] = &coolant;
          fixed_zero[face]   = &zero;
        }
      for (auto [constraints, values] :
           {std::make_pair(&update_constraints, &fixed_zero),
            std::make_pair(&temperature_constraints, &fixed_values)})
        {
          constraints->clear();
          constraints->reinit(locally_relevant_dofs);
          DoFTools::make_hanging_node_constraints(dof_handler, *constraints);
          VectorTools::interpolate_boundary_values(mapping,
                                                   dof_handler,
                                                   *values,
                                                   *constraints);
          constraints->close();
        }
      hanging_constraints.clear();
      hanging_constraints.reinit(locally_relevant_dofs);
      DoFTools::make_hanging_node_constraints(dof_handler, hanging_constraints);
      hanging_constraints.close();
    }


    // New parameters on the same mesh (a sweep point, reuse_for()): the
    // coefficients, T0 and the heat source change, the degrees of freedom do
    // not. The sparsity pattern, the matrix and its preconditioner stay
    // unless other faces are held at T0.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::update_coefficients()
    {
      if (fixed_temperature_faces() != constrained_faces)
        {
          setup_system();
          return;
        }
      TimerOutput::Scope t(*timer, "setup");
      find_resistive_interfaces();
      make_constraints();
      assemble_heat_source();
    }


    // What the system matrix depends on besides the mesh when k is constant:
    // the conductivities, the interface conductances h_b and the convective
    // faces' h_c. On one sparsity pattern, equal keys mean equal matrices.
    // Empty when k depends on T: then the Newton matrix changes with T.
    template <int dim, typename LA>
    std::string
    AnodeThermal<dim, LA>::matrix_key() const
    {
      if (!all_conductivities_constant())
        return "";
      const bool stored = stage_mass_factor > 0;
      const bool moving = parameters.motion.is_moving();
      if ((stored || moving) && !all_heat_capacities_constant())
        return "";
      std::ostringstream key;
      key << std::setprecision(17) << "mass " << stage_mass_factor
          << " motion " << static_cast<int>(parameters.motion.kind) << ' '
          << parameters.motion.speed() << " k";
      for (unsigned int layer = 0; layer < parameters.layers.size(); ++layer)
        key << ' ' << conductivity(layer, parameters.coolant_temperature);
      key << " h_b";
      for (const double h : parameters.interface_conductances)
        key << ' ' << h;
      for (const FaceCondition *face :
           {&parameters.back_face, &parameters.side_face})
        key << " face " << static_cast<int>(face->type) << ' '
            << face->heat_transfer_coefficient;
      return key.str();
    }


    // Interfaces with a finite conductance h_b, seen from the cells of the
    // upper layer (each face piece once). Where the two sides are refined
    // differently, the finer side's face is a subface of the coarser one.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::find_resistive_interfaces()
    {
      interface_faces.clear();
      const unsigned int invalid = numbers::invalid_unsigned_int;
      for (const auto &cell : owned_cells)
        {
          if (!cell->is_locally_owned())
            continue;
          const unsigned int layer = cell->material_id();
          if (layer + 1 >= parameters.layers.size() ||
              !std::isfinite(parameters.interface_conductances[layer]))
            continue;
          const double conductance = parameters.interface_conductances[layer];
          for (const unsigned int f : cell->face_indices())
            {
              if (cell->at_boundary(f) ||
                  cell->neighbor(f)->material_id() != layer + 1)
                continue;
              const auto neighbor = cell->neighbor(f);
              if (neighbor->has_children())
                for (unsigned int sf = 0; sf < cell->face(f)->n_children(); ++sf)
                  interface_faces.push_back({cell,
                                             cell->neighbor_child_on_subface(f, sf),
                                             f,
                                             cell->neighbor_of_neighbor(f),
                                             sf,
                                             invalid,
                                             conductance});
              else if (cell->neighbor_is_coarser(f))
                {
                  const auto [face, subface] =
                    cell->neighbor_of_coarser_neighbor(f);
                  interface_faces.push_back(
                    {cell, neighbor, f, face, invalid, subface, conductance});
                }
              else
                interface_faces.push_back({cell,
                                           neighbor,
                                           f,
                                           cell->neighbor_of_neighbor(f),
                                           invalid,
                                           invalid,
                                           conductance});
            }
        }
    }


    // The heat input for 1 W deposited, assembled once per mesh:
    //   b_i = int source_shape phi_i w / int source_shape w,
    // over the volume, or over the heated face for a surface flux. Dividing
    // by the discrete integral makes the source carry exactly the deposited
    // power; the exact integral is the deposited fraction (1 for a surface
    // flux), and the ratio is reported as the quadrature error (the spot's
    // tail beyond R, exp(-R^2/a^2), is below round-off for R >= 10 HWHM).
    //
    // A deposition far thinner than a cell (low tube voltage, cells graded
    // away from the spot) is integrated with a quadrature iterated along
    // the cell direction closest to the depth, so that every sub-interval
    // is at most 1/8 of the deposition depth (at most 256 of them).
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::assemble_heat_source()
    {
      TimerOutput::Scope t(*timer, "assembly");
      const auto  &depth_profile = parameters.depth_profile;
      const bool   volumetric    = depth_profile.is_volumetric();
      const double deposition_end = depth_profile.deposition_end();
      const UpdateFlags flags = update_values | update_quadrature_points |
                                update_JxW_values;
      hp::FEFaceValues<dim> face_values(mapping, fe, face_quadrature, flags);
      // FEValues per (finite element, depth direction, sub-intervals).
      std::map<std::tuple<unsigned int, unsigned int, unsigned int>,
               std::unique_ptr<FEValues<dim>>>
        cell_values;
      auto values_for = [&](const auto &cell) -> FEValues<dim> & {
        double       longest = -1;
        unsigned int direction = 0;
        for (unsigned int d = 0; d < dim; ++d)
          {
            const double extent = std::abs(cell->face(2 * d + 1)->center()[dim - 1] -
                                           cell->face(2 * d)->center()[dim - 1]);
            if (extent > longest)
              {
                longest   = extent;
                direction = d;
              }
          }
        const unsigned int pieces = static_cast<unsigned int>(std::clamp(
          std::ceil(8 * longest / deposition_end), 1., 256.));
        auto &values = cell_values[{cell->active_fe_index(), direction, pieces}];
        if (!values)
          {
            const QGauss<1>    gauss(parameters.fe_degree + 2);
            const QIterated<1> iterated(gauss, pieces);
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
                                                     flags);
          }
        values->reinit(cell);
        return *values;
      };

      unit_source.reinit(locally_owned_dofs, mpi_communicator);
      dealii::Vector<double>               cell_source;
      std::vector<types::global_dof_index> dofs;
      double                               integral = 0;
      auto add = [&](const auto &cell, const FEValuesBase<dim> &values) {
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
        update_constraints.distribute_local_to_global(cell_source, dofs,
                                                      unit_source);
      };
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
                add(cell, values_for(cell));
            }
          else
            for (const unsigned int f : cell->face_indices())
              if (cell->at_boundary(f) &&
                  cell->face(f)->boundary_id() == meshes::boundary::heated_face)
                {
                  face_values.reinit(cell, f);
                  add(cell, face_values.get_present_fe_values());
                }
        }
      unit_source.compress(VectorOperation::add);
      shape_integral = Utilities::MPI::sum(integral, mpi_communicator);
      source_quadrature_error =
        shape_integral / depth_profile.deposited_fraction() - 1;
      // A mesh that does not see the source cannot carry it: its integral
      // would be scaled up from almost nothing.
      if (!(std::abs(source_quadrature_error) < 0.1))
        {
          std::ostringstream message;
          message << std::setprecision(2)
                  << "the mesh does not resolve the heat source: its discrete "
                     "integral is off by "
                  << 100 * source_quadrature_error << " %";
          if (volumetric)
            message << " (deposition depth " << deposition_end
                    << " m); for a deposition this much thinner than the "
                       "cells use Heat source/Deposition = surface, or refine "
                       "the spot (Mesh/Spot cell size)";
          else
            message << "; refine the spot (Mesh/Spot cell size)";
          throw SolverError(message.str());
        }
      unit_source /= shape_integral;
      unit_source_norm = unit_source.l2_norm();
      unit_source_sum  = unit_source.mean_value() * unit_source.size();
    }


    // The PointData of one cell from VALUES (reinit on it), for the field
    // of LAYER: position, weight() JxW, and the shape functions; with
    // LAPLACIANS the inverse Jacobian and the shape Laplacians (SUPG).
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::read_point_data(const FEValues<dim>    &values,
                                           const unsigned int      layer,
                                           const bool              laplacians,
                                           std::vector<PointData> &points) const
    {
      const FEValuesExtractors::Scalar field(layer_component[layer]);
      const unsigned int               n = values.dofs_per_cell;
      points.resize(values.n_quadrature_points);
      for (const unsigned int q : values.quadrature_point_indices())
        {
          PointData &point = points[q];
          point.point      = values.quadrature_point(q);
          point.w          = weight(point.point) * values.JxW(q);
          point.value.resize(n);
          point.gradient.resize(n);
          for (unsigned int j = 0; j < n; ++j)
            {
              point.value[j]    = values[field].value(j, q);
              point.gradient[j] = values[field].gradient(j, q);
            }
          if (!laplacians)
            continue;
          point.inverse_jacobian = Tensor<2, dim>(values.inverse_jacobian(q));
          point.laplacian.resize(n);
          for (unsigned int j = 0; j < n; ++j)
            point.laplacian[j] = trace(values[field].hessian(j, q));
        }
    }


    // The PointData of owned_cells[INDEX]: from point_cache when it is kept,
    // else read through FE_VALUES into SCRATCH. The cache is filled on the
    // first call on a mesh if its estimated size fits max_point_cache_bytes.
    template <int dim, typename LA>
    const std::vector<typename AnodeThermal<dim, LA>::PointData> &
    AnodeThermal<dim, LA>::cell_point_data(const unsigned int      index,
                                           hp::FEValues<dim>      &fe_values,
                                           std::vector<PointData> &scratch)
    {
      const bool laplacians = parameters.motion.is_moving();
      // (A sweep may switch the motion on over the same mesh.)
      if (!point_cache_tried || (laplacians && !point_cache_laplacians))
        {
          point_cache.clear();
          point_cache_tried      = true;
          point_cache_laplacians = laplacians;
          const double n    = fe[0].n_dofs_per_cell();
          const double n_q  = quadrature[0].size();
          const double per_point =
            sizeof(PointData) + n * (sizeof(double) + sizeof(Tensor<1, dim>) +
                                     (laplacians ? sizeof(double) : 0));
          if (owned_cells.size() * n_q * per_point < max_point_cache_bytes)
            {
              point_cache.resize(owned_cells.size());
              for (unsigned int c = 0; c < owned_cells.size(); ++c)
                if (owned_cells[c]->is_locally_owned())
                  {
                    fe_values.reinit(owned_cells[c]);
                    read_point_data(fe_values.get_present_fe_values(),
                                    owned_cells[c]->material_id(),
                                    laplacians,
                                    point_cache[c]);
                  }
            }
        }
      if (!point_cache.empty())
        return point_cache[index];
      const auto &cell = owned_cells[index];
      fe_values.reinit(cell);
      read_point_data(fe_values.get_present_fe_values(),
                      cell->material_id(),
                      laplacians,
                      scratch);
      return scratch;
    }


    // Newton residual R(T) and, optionally, its Jacobian; system_rhs = -R.
    //   R_i = int k(T) grad T . grad phi_i w - P_dep b_i
    //       + int_convective h_c (T - T0) phi_i w
    //       + int_interfaces h_b [T] [phi_i] w
    //       + int rho c_p(T) (u . grad T) phi_i w + SUPG     (moving anode)
    //       + c int rho H(T) phi_i w - c m_known_i           (time stage)
    //   J_ij = int (k grad phi_j + k'(T) phi_j grad T) . grad phi_i w + ...
    // The rows of fixed-temperature unknowns are zeroed unless
    // KEEP_FIXED_ROWS (then system_rhs holds -R on every row).
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::assemble(const Vector &T,
                                    const bool    with_matrix,
                                    const bool    keep_fixed_rows)
    {
      TimerOutput::Scope t(*timer, "assembly");
      if (with_matrix)
        system_matrix = 0;
      system_rhs = 0;

      const double T0 = parameters.coolant_temperature;
      const bool   moving    = parameters.motion.is_moving();
      const bool   transient = stage_mass_factor > 0;
      double       outflow   = 0, advected = 0;

      hp::FEValues<dim>     fe_values(mapping,
                                  fe,
                                  quadrature,
                                  update_values | update_gradients |
                                    update_quadrature_points |
                                    update_JxW_values |
                                    (moving ? update_hessians |
                                                update_inverse_jacobians :
                                              update_default));
      hp::FEFaceValues<dim> face_values(mapping,
                                        fe,
                                        face_quadrature,
                                        update_values |
                                          update_quadrature_points |
                                          update_JxW_values);
      FullMatrix<double>                   cell_matrix;
      dealii::Vector<double>               cell_rhs;
      std::vector<types::global_dof_index> dofs;
      std::vector<double>                  T_values;
      dealii::Vector<double>               T_local;
      std::vector<PointData>               scratch_points;
      // Local contributions into the global system: the matrix through the
      // hanging-node and Dirichlet constraints of the Newton update, the
      // residual through the hanging nodes only (drop_fixed_rows()).
      auto add_to_system = [&](const std::vector<types::global_dof_index> &dofs) {
        if (with_matrix)
          update_constraints.distribute_local_to_global(cell_matrix,
                                                        dofs,
                                                        system_matrix);
        hanging_constraints.distribute_local_to_global(cell_rhs,
                                                       dofs,
                                                       system_rhs);
      };

      for (unsigned int index = 0; index < owned_cells.size(); ++index)
        {
          const auto &cell = owned_cells[index];
          if (!cell->is_locally_owned())
            continue;
          const std::vector<PointData> &points =
            cell_point_data(index, fe_values, scratch_points);
          const unsigned int layer = cell->material_id();
          const FEValuesExtractors::Scalar field(layer_component[layer]);
          const unsigned int n = cell->get_fe().n_dofs_per_cell();
          cell_matrix.reinit(n, n);
          cell_rhs.reinit(n);
          T_local.reinit(n);
          cell->get_dof_values(T, T_local);
          const auto &k_law = parameters.layers[layer].material->conductivity;

          for (const PointData &point : points)
            {
              // T, grad T and lap T from the cell's nodal values.
              double         T_q = 0, laplacian_T = 0;
              Tensor<1, dim> grad_T;
              for (unsigned int j = 0; j < n; ++j)
                {
                  T_q += T_local[j] * point.value[j];
                  grad_T += T_local[j] * point.gradient[j];
                }
              if (moving)
                for (unsigned int j = 0; j < n; ++j)
                  laplacian_T += T_local[j] * point.laplacian[j];
              const double k  = k_law.value(T_q);
              const double dk = k_law.derivative(T_q);
              const double w  = point.w;
              for (unsigned int i = 0; i < n; ++i)
                {
                  const Tensor<1, dim> &grad_i = point.gradient[i];
                  cell_rhs(i) -= k * (grad_T * grad_i) * w;
                  if (with_matrix)
                    for (unsigned int j = 0; j < n; ++j)
                      cell_matrix(i, j) +=
                        (k * point.gradient[j] + dk * point.value[j] * grad_T) *
                        grad_i * w;
                }
              if (transient && !rates_only)
                add_stored_heat(point, layer, T_q, with_matrix, cell_matrix,
                                cell_rhs);
              if (moving)
                advected += add_advection(point, layer, T_q, grad_T,
                                          laplacian_T, k, dk, with_matrix,
                                          cell_matrix, cell_rhs);
            }

          for (const unsigned int f : cell->face_indices())
            {
              if (!cell->at_boundary(f))
                continue;
              const types::boundary_id id = cell->face(f)->boundary_id();
              const FaceCondition *convective =
                (id == meshes::boundary::back_face &&
                 parameters.back_face.type == FaceCondition::Type::convection) ?
                  &parameters.back_face :
                (id == meshes::boundary::side_face &&
                 parameters.side_face.type == FaceCondition::Type::convection) ?
                  &parameters.side_face :
                  nullptr;
              if (!convective)
                continue;
              face_values.reinit(cell, f);
              const auto &face = face_values.get_present_fe_values();
              T_values.resize(face.n_quadrature_points);
              face[field].get_function_values(T, T_values);
              for (const unsigned int q : face.quadrature_point_indices())
                {
                  const double w =
                    weight(face.quadrature_point(q)) * face.JxW(q);
                  const double flux = -convective->heat_transfer_coefficient *
                                      (T_values[q] - T0);
                  outflow -= flux * w;
                  for (unsigned int i = 0; i < n; ++i)
                    {
                      cell_rhs(i) += flux * face[field].value(i, q) * w;
                      if (with_matrix)
                        for (unsigned int j = 0; j < n; ++j)
                          cell_matrix(i, j) +=
                            convective->heat_transfer_coefficient *
                            face[field].value(i, q) *
                            face[field].value(j, q) * w;
                    }
                }
            }

          dofs.resize(n);
          cell->get_dof_indices(dofs);
          add_to_system(dofs);
        }

      // Resistive interfaces: flux h_b (T_upper - T_lower) across the face.
      hp::FEFaceValues<dim>    upper_face(mapping, fe, face_quadrature,
                                       update_values |
                                         update_quadrature_points |
                                         update_JxW_values);
      hp::FEFaceValues<dim>    lower_face(mapping, fe, face_quadrature,
                                       update_values |
                                         update_quadrature_points);
      hp::FESubfaceValues<dim> upper_subface(mapping, fe, face_quadrature,
                                             update_values |
                                               update_quadrature_points |
                                               update_JxW_values);
      hp::FESubfaceValues<dim> lower_subface(mapping, fe, face_quadrature,
                                             update_values |
                                               update_quadrature_points);
      std::vector<types::global_dof_index> lower_dofs;
      std::vector<double>                  lower_T;
      for (const auto &piece : interface_faces)
        {
          const FEFaceValuesBase<dim> *upper, *lower;
          if (piece.upper_subface == numbers::invalid_unsigned_int)
            {
              upper_face.reinit(piece.upper, piece.upper_face);
              upper = &upper_face.get_present_fe_values();
            }
          else
            {
              upper_subface.reinit(piece.upper, piece.upper_face,
                                   piece.upper_subface);
              upper = &upper_subface.get_present_fe_values();
            }
          if (piece.lower_subface == numbers::invalid_unsigned_int)
            {
              lower_face.reinit(piece.lower, piece.lower_face);
              lower = &lower_face.get_present_fe_values();
            }
          else
            {
              lower_subface.reinit(piece.lower, piece.lower_face,
                                   piece.lower_subface);
              lower = &lower_subface.get_present_fe_values();
            }
          const FEValuesExtractors::Scalar upper_field(
            layer_component[piece.upper->material_id()]);
          const FEValuesExtractors::Scalar lower_field(
            layer_component[piece.lower->material_id()]);
          const unsigned int n_upper = upper->dofs_per_cell;
          const unsigned int n_lower = lower->dofs_per_cell;
          const unsigned int n       = n_upper + n_lower;
          cell_matrix.reinit(n, n);
          cell_rhs.reinit(n);
          T_values.resize(upper->n_quadrature_points);
          lower_T.resize(upper->n_quadrature_points);
          (*upper)[upper_field].get_function_values(T, T_values);
          (*lower)[lower_field].get_function_values(T, lower_T);

          for (const unsigned int q : upper->quadrature_point_indices())
            {
              AssertThrow(upper->quadrature_point(q).distance(
                            lower->quadrature_point(q)) <
                            1e-8 * piece.upper->diameter(),
                          ExcMessage("interface quadrature points differ"));
              const double w = piece.conductance *
                               weight(upper->quadrature_point(q)) *
                               upper->JxW(q);
              // Jump basis: +phi on the upper side, -phi on the lower side.
              auto jump = [&](unsigned int i) {
                return i < n_upper ?
                         (*upper)[upper_field].value(i, q) :
                         -(*lower)[lower_field].value(i - n_upper, q);
              };
              const double T_jump = T_values[q] - lower_T[q];
              for (unsigned int i = 0; i < n; ++i)
                {
                  cell_rhs(i) -= T_jump * jump(i) * w;
                  if (with_matrix)
                    for (unsigned int j = 0; j < n; ++j)
                      cell_matrix(i, j) += jump(i) * jump(j) * w;
                }
            }
          dofs.resize(n_upper);
          lower_dofs.resize(n_lower);
          piece.upper->get_dof_indices(dofs);
          piece.lower->get_dof_indices(lower_dofs);
          dofs.insert(dofs.end(), lower_dofs.begin(), lower_dofs.end());
          add_to_system(dofs);
        }

      if (with_matrix)
        system_matrix.compress(VectorOperation::add);
      system_rhs.compress(VectorOperation::add);
      // The heat input (assembled once per mesh, for 1 W deposited).
      system_rhs.add(deposited_power(), unit_source);
      if (transient && !rates_only)
        system_rhs.add(stage_mass_factor, stage_known_mass);
      advective_outflow = Utilities::MPI::sum(advected, mpi_communicator);
      boundary_outflow =
        Utilities::MPI::sum(outflow, mpi_communicator) + advective_outflow;
      if (!keep_fixed_rows)
        drop_fixed_rows();
    }


    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::drop_fixed_rows()
    {
      update_constraints.set_zero(system_rhs);
    }


    // Stored heat of a time stage at one quadrature point, tested with the
    // SUPG test function phi_i + tau u . grad phi_i (add_advection()):
    //   R_i += c rho H(T) (phi_i + tau u . grad phi_i) w,
    //   J_ij += c rho c_p(T) phi_j (phi_i + tau u . grad phi_i) w,
    // H the specific enthalpy above T0 (Enthalpy), c = 1/(dt d). Keeping
    // the time derivative inside the stored heat m(T) keeps SUPG consistent
    // through the Runge-Kutta stages.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::add_stored_heat(const PointData        &point,
                                           const unsigned int      layer,
                                           const double            T,
                                           const bool              with_matrix,
                                           FullMatrix<double>     &cell_matrix,
                                           dealii::Vector<double> &cell_rhs) const
    {
      const double rho = parameters.layers[layer].material->density;
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
    // length along u over the polynomial degree. In a time step dt it is
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
      const Tensor<1, dim> u = parameters.motion.velocity(point);
      const double speed = u.norm();
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
      const Material &material = *parameters.layers[layer].material;
      const double    T0       = parameters.coolant_temperature;
      const double    h        = 1. / (reference_step * parameters.fe_degree);
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
      const Material   &material = *parameters.layers[layer].material;
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
                (advection_j[j] * phi_i + tau * streamline_i * strong_j[j]) *
                w;
        }
      return advected * w;
    }


    // The Newton system at T: the residual always; the matrix unless it is
    // the constant-k matrix already assembled for these coefficients
    // (matrix_key()), as in a power search or a sweep over the power, the
    // coolant temperature or the heat source.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::assemble_newton_system(const Vector &T)
    {
      const std::string key = matrix_key();
      const bool matrix_is_current =
        !key.empty() && key == assembled_matrix_key;
      assemble(T, !matrix_is_current);
      assembled_matrix_key = key;
    }


    // Whether the algebraic multigrid built earlier may precondition the
    // present matrix. Constant k: only if it was built for this very matrix
    // (equal keys). k(T): the AMG of an earlier Newton matrix on this mesh
    // is a lagged preconditioner, good while GMRES needs at most twice the
    // iterations of its first solve.
    template <int dim, typename LA>
    bool
    AnodeThermal<dim, LA>::preconditioner_suits_matrix() const
    {
      if (!preconditioner || !parameters.reuse_preconditioner)
        return false;
      if (preconditioner_key != assembled_matrix_key)
        return false;
      return !assembled_matrix_key.empty() || !preconditioner_degraded;
    }


    // CG when the matrix is symmetric (constant k), GMRES for the Newton
    // matrix of k(T); algebraic multigrid in both, built anew only when the
    // one at hand does not suit the matrix. A lagged AMG that fails is
    // replaced by a fresh one and the solve repeated. The residual is
    // reduced by RELATIVE_TOLERANCE (at least the linear tolerance), but not
    // below ABSOLUTE_FLOOR. GMRES is right-preconditioned, so that it stops
    // on the true residual (the one Newton sees), not the preconditioned
    // one.
    template <int dim, typename LA>
    unsigned int
    AnodeThermal<dim, LA>::solve_linear(Vector      &update,
                                        const double absolute_floor,
                                        const double relative_tolerance)
    {
      TimerOutput::Scope t(*timer, "solve");
      // A load beyond double precision (an absurd power) makes the
      // tolerance infinite, and any iterate would pass it.
      if (!std::isfinite(system_rhs.l2_norm()))
        throw SolverError(
          "the heat load is beyond double precision (the linear system's "
          "right-hand side is not finite; check Heat source/Incident power)");
      const bool    symmetric = matrix_is_symmetric();
      SolverControl control(parameters.max_linear_iterations,
                            std::max(std::max(relative_tolerance,
                                              parameters.linear_tolerance) *
                                       system_rhs.l2_norm(),
                                     absolute_floor));
      auto build_preconditioner = [&]() {
        TimerOutput::Scope tp(*timer, "preconditioner");
        preconditioner.reset();
        preconditioner = std::make_unique<typename LA::AMG>();
        LA::initialize_amg(*preconditioner, system_matrix, symmetric,
                           parameters.fe_degree > 1);
        preconditioner_key              = assembled_matrix_key;
        preconditioner_first_rate = 0;
        preconditioner_degraded   = false;
        ++total_preconditioner_setups;
      };
      auto solve = [&]() {
        if (symmetric)
          {
            SolverCG<Vector> cg(control);
            cg.solve(system_matrix, update, system_rhs, *preconditioner);
          }
        else
          {
            SolverGMRES<Vector> gmres(
              control,
              typename SolverGMRES<Vector>::AdditionalData(100, true));
            gmres.solve(system_matrix, update, system_rhs, *preconditioner);
          }
      };

      bool fresh = !preconditioner_suits_matrix();
      if (fresh)
        build_preconditioner();
      try
        {
          try
            {
              solve();
            }
          catch (const SolverControl::NoConvergence &failure)
            {
              if (fresh)
                throw;
              total_linear_iterations += failure.last_step;
              update = 0;
              build_preconditioner();
              fresh = true;
              solve();
            }
        }
      catch (const SolverControl::NoConvergence &failure)
        {
          throw SolverError(
            std::string(symmetric ? "CG" : "GMRES") +
            " with AMG did not converge in " +
            std::to_string(failure.last_step) + " iterations (residual " +
            Utilities::to_string(failure.last_residual) + ", target " +
            Utilities::to_string(control.tolerance()) +
            "; see Solver/Maximum linear iterations)");
        }
      const unsigned int iterations = control.last_step();
      // Digits gained per iteration: solves to different tolerances (the
      // forcing term) compare by their rate, not their iteration count.
      const double rate =
        iterations > 0 && control.initial_value() > 0 &&
            control.last_value() > 0 ?
          std::log10(control.initial_value() / control.last_value()) /
            iterations :
          0.;
      if (preconditioner_first_rate == 0)
        preconditioner_first_rate = rate;
      else if (rate < 0.5 * preconditioner_first_rate)
        preconditioner_degraded = true;
      update_constraints.distribute(update);
      total_linear_iterations += iterations;
      return iterations;
    }


    template <int dim, typename LA>
    double
    AnodeThermal<dim, LA>::residual_norm(const Vector &T)
    {
      assemble(T, false);
      return system_rhs.l2_norm();
    }


    // Newton with backtracking line search (step-15, step-77): halve the step
    // until the residual norm decreases. Constant k: one step solves it.
    template <int dim, typename LA>
    SolveStatistics
    AnodeThermal<dim, LA>::solve_steady_state(const double incident_power)
    {
      current_incident_power = incident_power;
      solution_coolant_temperature = parameters.coolant_temperature;
      if (!solution_on_this_mesh)
        {
          present_solution = parameters.coolant_temperature;
          solution_on_this_mesh = true;
        }

      // The residual of the uniform state T = T0 is the heat input alone
      // (no gradient, no convective or interface flux): the load. Newton is
      // converged relative to that scale, which does not shrink when a
      // solve starts from a nearby solution. By the partition of unity the
      // entries of the heat input add up to the heat the assembled system
      // receives (hanging-node constraints keep the sum).
      const double load   = deposited_power() * unit_source_norm;
      assembled_heat_input = deposited_power() * unit_source_sum;
      return solve_newton(load);
    }


    // Newton from present_solution: converged when the residual is below
    // the Newton tolerance times REFERENCE (the scale of the equation).
    // Inexact Newton: the linearised residual left by a step becomes the
    // residual after it, so a step need not leave less than a tenth of
    // Newton's target, nor (forcing_term()) much less than the residual the
    // step's own linearisation error leaves.
    // Linear tolerance of a Newton step at relative residual RHO: with a
    // nonlinear equation the step leaves a residual of order rho^2 from the
    // linearisation anyway, and reducing the linear residual by
    // eta = min(rho, 1e-2) keeps Newton's quadratic rate (Dembo, Eisenstat &
    // Steihaug, SIAM J. Numer. Anal. 19 (1982) 400, eta_k = O(|F_k|)) at a
    // fraction of the iterations. A linear equation (constant k, and
    // constant c_p where heat is stored or advected) is solved in one step
    // to the linear tolerance. So are the stages of a time step: they start
    // from a close prediction, and a looser solve would only add Newton
    // steps, each with an assembly (the larger cost on the small meshes of
    // transient runs).
    template <int dim, typename LA>
    double
    AnodeThermal<dim, LA>::forcing_term(const double rho) const
    {
      if (!matrix_key().empty() || stage_mass_factor > 0)
        return parameters.linear_tolerance;
      return std::min(rho, 1e-2);
    }


    template <int dim, typename LA>
    SolveStatistics
    AnodeThermal<dim, LA>::solve_newton(const double reference)
    {
      const double target       = parameters.newton_tolerance * reference;
      const double linear_floor = 0.1 * target;
      temperature_constraints.distribute(present_solution);
      temperature = present_solution;

      SolveStatistics statistics;
      assemble_newton_system(temperature);
      statistics.reference_residual = reference;
      double residual             = system_rhs.l2_norm();

      Vector update(locally_owned_dofs, mpi_communicator);
      Vector trial(locally_owned_dofs, mpi_communicator);
      while (residual > target)
        {
          if (statistics.newton_iterations == parameters.max_newton_iterations)
            throw SolverError(
              "Newton did not converge in " +
              std::to_string(statistics.newton_iterations) +
              " iterations: relative residual " +
              Utilities::to_string(residual / statistics.reference_residual) +
              " > " + Utilities::to_string(parameters.newton_tolerance) +
              " (see Solver/Maximum Newton iterations)");
          update = 0;
          const unsigned int linear_iterations = solve_linear(
            update, linear_floor, forcing_term(residual / reference));
          statistics.linear_iterations += linear_iterations;

          double step = 1;
          double trial_residual;
          for (;;)
            {
              trial = present_solution;
              trial.add(step, update);
              temperature    = trial;
              trial_residual = residual_norm(temperature);
              if (trial_residual < (1 - 1e-4 * step) * residual || step < 1. / 64)
                break;
              step /= 2;
            }
          present_solution = trial;
          residual         = trial_residual;
          ++statistics.newton_iterations;
          // A residual floor set by round-off (large interface conductances
          // make large matrix entries, a tiny rise sits on an absolute
          // temperature) can sit above the target; an update below the
          // tolerance times the temperature rise, or at the round-off of
          // the temperature itself, is converged too.
          const double change = step * update.linfty_norm();
          const double peak   = present_solution.linfty_norm();
          const double rise   = peak - parameters.coolant_temperature;
          const bool   stagnated =
            change <= std::max(parameters.newton_tolerance * rise,
                               64 * std::numeric_limits<double>::epsilon() *
                                 peak);
          if (!quiet_newton)
            log() << "      Newton " << statistics.newton_iterations
                  << ": residual " << residual / statistics.reference_residual
                  << " (relative), step " << step << ", " << linear_iterations
                  << (matrix_is_symmetric() ? " CG" : " GMRES")
                  << " iterations" << std::endl;
          if (stagnated)
            break;
          if (residual > target)
            assemble_newton_system(temperature);
        }
      statistics.final_residual = residual;
      total_newton_iterations += statistics.newton_iterations;
      return statistics;
    }


    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::refine_mesh()
    {
      TimerOutput::Scope    t(*timer, "refine");
      dealii::Vector<float> indicators(triangulation.n_active_cells());
      // Kelly's indicator sums the squared jumps of dT/dn over a cell's
      // faces. Across a mirror plane the full model's discrete field has
      // dT/dn = -dT/dn' on the two sides, a jump of 2 dT/dn: a part sees
      // the same jump as an insulated (g = 0) boundary face whose normal
      // derivative is weighted by 2 there (the estimator's coefficient), so
      // that its indicators are those of the full model's cells.
      const Functions::ZeroFunction<dim> insulated(2);
      std::map<types::boundary_id, const Function<dim> *> mirror_faces;
      if (parameters.symmetry != Symmetry::none)
        mirror_faces[meshes::boundary::mirror_plane] = &insulated;
      const double on_plane = 1e-9 * parameters.radius;
      const bool   quarter  = parameters.symmetry == Symmetry::quarter;
      const ScalarFunctionFromFunctionObject<dim> mirror_jump_weight(
        [&](const Point<dim> &p) {
          return (dim == 3 && (std::abs(p[1]) < on_plane ||
                               (quarter && std::abs(p[0]) < on_plane))) ?
                   2. :
                   1.;
        });
      KellyErrorEstimator<dim>::estimate(mapping[0],
                                         dof_handler,
                                         face_quadrature,
                                         mirror_faces,
                                         temperature,
                                         indicators,
                                         ComponentMask(),
                                         mirror_faces.empty() ?
                                           nullptr :
                                           &mirror_jump_weight);
      if (dim == 3)
        mark_largest_indicators(indicators);
      else
        parallel::distributed::GridRefinement::refine_and_coarsen_fixed_number(
          triangulation, indicators, parameters.refinement_fraction, 0.0);
      triangulation.prepare_coarsening_and_refinement();
      solution_transfer = std::make_unique<
        parallel::distributed::SolutionTransfer<dim, Vector>>(dof_handler);
      solution_transfer->prepare_for_coarsening_and_refinement(temperature);
      triangulation.execute_coarsening_and_refinement();
      mark_inflow_faces();
    }


    // Flag the fraction f (Refinement fraction) of the full anode's cells
    // with the largest indicators: with k = f N_full, the k-th largest
    // indicator of the full anode is the threshold, each cell of a part
    // (Geometry/Symmetry) standing for its symmetry_factor() mirror images.
    // Every cell within a relative 1e-5 of the threshold is flagged too:
    // mirror cells, whose indicators differ by the solver's round-off, are
    // refined together, so the full model's mesh stays mirror symmetric and
    // a part's mesh is its restriction. (The threshold is exact, from all
    // indicators, not a parallel bisection's estimate of it.)
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::mark_largest_indicators(
      const dealii::Vector<float> &indicators)
    {
      std::vector<float> local;
      for (const auto &cell : triangulation.active_cell_iterators())
        if (cell->is_locally_owned())
          local.push_back(indicators(cell->active_cell_index()));
      std::vector<float> all;
      for (const auto &part : Utilities::MPI::all_gather(mpi_communicator, local))
        all.insert(all.end(), part.begin(), part.end());
      const double factor = parameters.symmetry_factor();
      const auto   n_full = static_cast<double>(all.size()) * factor;
      const auto   k_full = std::llround(parameters.refinement_fraction * n_full);
      if (k_full == 0 || all.empty())
        return;
      // The k_full-th largest of the full anode's list, in which every
      // value appears factor times.
      const std::size_t k = std::min<std::size_t>(
        all.size(), static_cast<std::size_t>(std::ceil(k_full / factor)));
      std::nth_element(all.begin(), all.begin() + (k - 1), all.end(),
                       std::greater<float>());
      const double threshold = all[k - 1] * (1 - 1e-5);
      for (const auto &cell : triangulation.active_cell_iterators())
        if (cell->is_locally_owned() &&
            indicators(cell->active_cell_index()) >= threshold)
          cell->set_refine_flag();
    }


    // Each adaptive cycle refines the fraction f of the cells into 2^dim
    // children, so it multiplies the unknowns by about 1 + f (2^dim - 1).
    // A mesh whose last cycle cannot fit in memory is refused before the
    // first solve rather than found out by the system's out-of-memory
    // killer hours later. Bytes per unknown (matrix, AMG hierarchy, vectors,
    // kept quadrature data), measured on Q2 runs: about 4 kB in 3D, 1 kB in
    // 2D.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::check_mesh_fits_memory() const
    {
      const double growth =
        1 + parameters.refinement_fraction * ((1 << dim) - 1);
      const double unknowns = dof_handler.n_dofs() *
                              std::pow(growth, parameters.adaptive_cycles);
      const double bytes_per_unknown = dim == 3 ? 4096 : 1024;

      // The memory of every machine (node) the run is on, counted once.
      MPI_Comm node;
      MPI_Comm_split_type(
        mpi_communicator, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
      const bool node_leader = Utilities::MPI::this_mpi_process(node) == 0;
      MPI_Comm_free(&node);
      const double node_memory =
        double(sysconf(_SC_PHYS_PAGES)) * double(sysconf(_SC_PAGE_SIZE));
      const double memory =
        Utilities::MPI::sum(node_leader ? node_memory : 0., mpi_communicator);

      if (unknowns * bytes_per_unknown <= memory)
        return;
      std::ostringstream message;
      message << std::setprecision(2) << "Mesh/Adaptive refinement cycles = "
              << parameters.adaptive_cycles << ": the mesh would grow from "
              << dof_handler.n_dofs() << " to about " << unknowns
              << " unknowns (about " << std::fixed << std::setprecision(0)
              << unknowns * bytes_per_unknown / 1e9 << " GB), more than the "
              << memory / 1e9
              << " GB of memory of this run's machines; use fewer cycles";
      throw InputError(message.str());
    }


    // Largest temperature of each layer, at the support points of the
    // elements, with its location (reduced over all ranks).
    template <int dim, typename LA>
    std::vector<LayerResult>
    AnodeThermal<dim, LA>::layer_maxima() const
    {
      const unsigned int n_layers = parameters.layers.size();
      std::vector<double>   local_max(n_layers,
                                    -std::numeric_limits<double>::max());
      std::vector<Point<dim>> local_location(n_layers);

      const Quadrature<dim> support_points(
        fe[0].base_element(0).get_unit_support_points());
      hp::FEValues<dim> values(mapping,
                               fe,
                               hp::QCollection<dim>(support_points,
                                                    support_points),
                               update_values | update_quadrature_points);
      std::vector<double> T_values;
      for (const auto &cell : dof_handler.active_cell_iterators())
        if (cell->is_locally_owned())
          {
            values.reinit(cell);
            const auto &v = values.get_present_fe_values();
            const unsigned int layer = cell->material_id();
            T_values.resize(v.n_quadrature_points);
            v[FEValuesExtractors::Scalar(layer_component[layer])]
              .get_function_values(temperature, T_values);
            for (const unsigned int q : v.quadrature_point_indices())
              if (T_values[q] > local_max[layer])
                {
                  local_max[layer]      = T_values[q];
                  local_location[layer] = v.quadrature_point(q);
                }
          }

      std::vector<LayerResult> result(n_layers);
      for (unsigned int layer = 0; layer < n_layers; ++layer)
        {
          struct
          {
            double value;
            int    rank;
          } mine{local_max[layer],
                 static_cast<int>(
                   Utilities::MPI::this_mpi_process(mpi_communicator))},
            best;
          MPI_Allreduce(&mine, &best, 1, MPI_DOUBLE_INT, MPI_MAXLOC,
                        mpi_communicator);
          const Point<dim> location = Utilities::MPI::broadcast(
            mpi_communicator, local_location[layer], best.rank);
          result[layer].max_temperature = best.value;
          for (unsigned int d = 0; d < dim; ++d)
            result[layer].location[d] = location[d];
        }
      return result;
    }


    // Heat leaving through the cooled faces, from the computed field:
    // -k dT/dn on fixed-temperature faces, h_c (T - T0) on convective ones.
    // Compared with the absorbed power it measures the energy balance.
    template <int dim, typename LA>
    double
    AnodeThermal<dim, LA>::heat_removed() const
    {
      hp::FEFaceValues<dim> face_values(mapping,
                                        fe,
                                        face_quadrature,
                                        update_values | update_gradients |
                                          update_normal_vectors |
                                          update_quadrature_points |
                                          update_JxW_values);
      std::vector<double>         T_values;
      std::vector<Tensor<1, dim>> T_gradients;
      double                      removed = 0;
      for (const auto &cell : owned_cells)
        if (cell->is_locally_owned())
          for (const unsigned int f : cell->face_indices())
            {
              if (!cell->at_boundary(f))
                continue;
              const types::boundary_id id = cell->face(f)->boundary_id();
              const FaceCondition held_at_T0{
                FaceCondition::Type::fixed_temperature, 0.};
              const FaceCondition *condition =
                id == meshes::boundary::back_face ? &parameters.back_face :
                id == meshes::boundary::side_face ? &parameters.side_face :
                id == inflow_face                 ? &held_at_T0 :
                                                    nullptr;
              if (!condition ||
                  condition->type == FaceCondition::Type::insulated)
                continue;
              face_values.reinit(cell, f);
              const auto &face  = face_values.get_present_fe_values();
              const unsigned int layer = cell->material_id();
              const FEValuesExtractors::Scalar field(layer_component[layer]);
              T_values.resize(face.n_quadrature_points);
              T_gradients.resize(face.n_quadrature_points);
              face[field].get_function_values(temperature, T_values);
              face[field].get_function_gradients(temperature, T_gradients);
              for (const unsigned int q : face.quadrature_point_indices())
                {
                  const double flux_out =
                    condition->type == FaceCondition::Type::convection ?
                      condition->heat_transfer_coefficient *
                        (T_values[q] - parameters.coolant_temperature) :
                      -conductivity(layer, T_values[q]) *
                        (T_gradients[q] * face.normal_vector(q));
                  removed += flux_out * weight(face.quadrature_point(q)) *
                             face.JxW(q);
                }
            }
      return Utilities::MPI::sum(removed, mpi_communicator);
    }


    // Maximum permissible power: the incident power at which the first
    // layer reaches its temperature limit. With constant k the temperature
    // rise is proportional to the power, so one solve and a scaling give it
    // exactly; with k(T) a bracketing root search (TOMS 748) on
    //   g(P) = max_layers (T_max(P) - T0) / (T_limit - T0) - 1.
    template <int dim, typename LA>
    double
    AnodeThermal<dim, LA>::find_maximum_power(SolveStatistics &statistics)
    {
      const double T0 = parameters.coolant_temperature;
      auto load_ratio = [&]() {
        const auto maxima = layer_maxima();
        double     ratio  = 0;
        for (unsigned int i = 0; i < maxima.size(); ++i)
          {
            const double r = (maxima[i].max_temperature - T0) /
                             (parameters.layers[i].temperature_limit - T0);
            if (r > ratio)
              {
                ratio          = r;
                limiting_layer = parameters.layers[i].name;
              }
          }
        return ratio;
      };

      const double ratio = load_ratio();
      // Constant k (and constant c_p when the anode moves): the steady
      // equation is linear in T - T0.
      if (all_conductivities_constant() &&
          (!parameters.motion.is_moving() || all_heat_capacities_constant()))
        {
          scale_temperature_rise(1 / ratio);
          return current_incident_power;
        }

      log() << "   Maximum power search (k or c_p depends on T):" << std::endl;
      // g = r - 1 is close to P / P_max - 1, and the rise grows at least in
      // proportion to P when k falls with T: |g| bounds the relative
      // distance to P_max. A power with |g| below a quarter of the
      // tolerance is the answer, and its field is the one at hand.
      struct Found
      {
        double power;
      };
      double last_power = -1, last_g = 0;
      auto   g          = [&](const double power) {
        if (power == last_power)
          return last_g;
        // Newton starts from the last field with its rise scaled to the new
        // power: exact for constant k, close for k(T).
        scale_temperature_rise(power / current_incident_power);
        statistics      = solve_steady_state(power);
        const double r  = load_ratio();
        // Enough digits that the root search's last steps show progress.
        std::ostringstream line;
        line << "    P = " << std::setprecision(9) << power
             << " W: peak load ratio - 1 = " << std::scientific
             << std::setprecision(2) << r - 1;
        log() << line.str() << std::endl;
        last_power = power;
        last_g     = r - 1;
        if (std::abs(r - 1) <= parameters.power_tolerance / 4)
          throw Found{power};
        return r - 1;
      };
      const int bits = static_cast<int>(
        std::ceil(1 - std::log2(parameters.power_tolerance)));
      boost::math::tools::eps_tolerance<double> tolerance(bits);
      std::uintmax_t                            max_evaluations = 60;
      // The bracket grows from the linear estimate by a factor sized to how
      // far off that estimate is (g is close to P/P_max - 1): a wide step
      // would carry the field far past the limit, where material data end
      // (W above its melting point) and Newton may not converge. The search
      // then starts from this converged point at no cost.
      const double first_guess = current_incident_power / ratio;
      try
        {
          const double start = power_law_secant(
            g, current_incident_power, ratio - 1, first_guess);
          const double factor =
            std::clamp(1 + 2 * std::abs(g(start)), 1.02, 1.25);
          const auto [low, high] = boost::math::tools::bracket_and_solve_root(
            g, start, factor, true, tolerance, max_evaluations);
          const double power = (low + high) / 2;
          // (The midpoint of the final bracket may itself end the search.)
          g(power);
          return power;
        }
      catch (const Found &found)
        {
          return found.power;
        }
    }


    // Secant steps for g(P) = r(P) - 1 on ln r versus ln P, from the
    // evaluated point (P_A, G_A) and the first guess P_B: the peak rise
    // follows a power law r ~ P^beta locally (beta = 1 for constant k, a
    // little above 1 when k falls with T), so each step lands close to the
    // root and usually two steps end the search (G throws once |g| is
    // within the tolerance). Steps are limited to a factor 1.25, as the
    // bracket's; a step that does not at least halve |g| hands over to the
    // bracketing search, which starts from the returned power.
    template <int dim, typename LA>
    template <typename Function>
    double
    AnodeThermal<dim, LA>::power_law_secant(Function    &g,
                                            double       P_a,
                                            double       g_a,
                                            double       P_b)
    {
      double g_b = g(P_b);
      for (unsigned int step = 0; step < 4; ++step)
        {
          const double log_ratio = std::log(P_b / P_a);
          const double beta =
            std::abs(log_ratio) > 1e-6 ?
              std::log((1 + g_b) / (1 + g_a)) / log_ratio :
              1.;
          if (!(beta > 0.2 && beta < 5) || !(1 + g_b > 0))
            break;
          const double P_c = std::clamp(P_b * std::pow(1 + g_b, -1 / beta),
                                        P_b / 1.25,
                                        P_b * 1.25);
          const double g_c = g(P_c);
          P_a = P_b;
          g_a = g_b;
          P_b = P_c;
          g_b = g_c;
          if (std::abs(g_b) > 0.5 * std::abs(g_a))
            break;
        }
      return P_b;
    }


    // T - T0 -> factor (T - T0), with the power and the heat input: the
    // exact map between constant-k solutions at two powers.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::scale_temperature_rise(const double factor)
    {
      present_solution *= factor;
      present_solution.add((1 - factor) * parameters.coolant_temperature);
      temperature = present_solution;
      current_incident_power *= factor;
      assembled_heat_input *= factor;
    }


    // Field output: temperature and heat flux from the two components (one
    // of which vanishes on every cell), layer index and MPI rank per cell.
    template <int dim>
    class TemperaturePostprocessor : public DataPostprocessor<dim>
    {
    public:
      TemperaturePostprocessor(const Parameters &parameters,
                               const std::vector<unsigned int> &layer_component)
        : parameters(parameters)
        , layer_component(layer_component)
      {}

      void
      evaluate_vector_field(
        const DataPostprocessorInputs::Vector<dim> &inputs,
        std::vector<dealii::Vector<double>>        &computed) const override
      {
        const auto         cell  = inputs.template get_cell<dim>();
        const unsigned int layer = cell->material_id();
        const unsigned int c     = layer_component[layer];
        const auto &k = parameters.layers[layer].material->conductivity;
        for (unsigned int q = 0; q < computed.size(); ++q)
          {
            const double T = inputs.solution_values[q][c];
            computed[q](0) = T;
            for (unsigned int d = 0; d < dim; ++d)
              computed[q](1 + d) = -k.value(T) * inputs.solution_gradients[q][c][d];
          }
      }

      std::vector<std::string>
      get_names() const override
      {
        std::vector<std::string> names{"temperature_K"};
        for (unsigned int d = 0; d < dim; ++d)
          names.emplace_back("heat_flux_W_per_m2");
        return names;
      }

      std::vector<DataComponentInterpretation::DataComponentInterpretation>
      get_data_component_interpretation() const override
      {
        std::vector<DataComponentInterpretation::DataComponentInterpretation>
          interpretation{DataComponentInterpretation::component_is_scalar};
        for (unsigned int d = 0; d < dim; ++d)
          interpretation.push_back(
            DataComponentInterpretation::component_is_part_of_vector);
        return interpretation;
      }

      UpdateFlags
      get_needed_update_flags() const override
      {
        return update_values | update_gradients;
      }

    private:
      const Parameters                &parameters;
      const std::vector<unsigned int> &layer_component;
    };


    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::output_results(const double time) const
    {
      if (!parameters.write_fields)
        return;
      TimerOutput::Scope t(*timer, "output");
      TemperaturePostprocessor<dim> postprocessor(parameters, layer_component);
      DataOut<dim>                  data_out;
      data_out.attach_dof_handler(dof_handler);
      data_out.add_data_vector(temperature, postprocessor);

      dealii::Vector<float> layer(triangulation.n_active_cells());
      dealii::Vector<float> rank(triangulation.n_active_cells());
      for (const auto &cell : triangulation.active_cell_iterators())
        if (cell->is_locally_owned())
          {
            layer(cell->active_cell_index()) = cell->material_id();
            rank(cell->active_cell_index()) =
              triangulation.locally_owned_subdomain();
          }
      data_out.add_data_vector(layer, "layer", DataOut<dim>::type_cell_data);
      data_out.add_data_vector(rank, "mpi_rank", DataOut<dim>::type_cell_data);
      data_out.build_patches(mapping[0], parameters.fe_degree);
      output->write_solution(data_out, time);
    }


    // Apparent spot: seen at the take-off angle alpha the spot is shortened
    // along y by sin(alpha) (doc/theory.md section 1, line focus); its area is
    // the effective area P / q_peak times sin(alpha).
    template <int dim, typename LA>
    double
    AnodeThermal<dim, LA>::apparent_spot_area() const
    {
      return parameters.spot.effective_area() *
             std::sin(parameters.take_off_angle);
    }


    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::add_heat_source_summary(nlohmann::json &s) const
    {
      const auto &spot      = parameters.spot;
      const double sin_alpha = std::sin(parameters.take_off_angle);
      s["spot_shape"] = spot.kind() == SpotProfile::Kind::line ? "line" :
                        parameters.circular_spot()              ? "circular" :
                                                                  "elliptical";
      s["spot_hwhm_m"] = {parameters.spot_hwhm_x, parameters.spot_hwhm_y};
      if (spot.kind() == SpotProfile::Kind::line)
        s["line_length_m"] = parameters.line_length;
      s["spot_fwhm_m"]            = {spot.fwhm_x(), spot.fwhm_y()};
      s["spot_effective_area_m2"] = spot.effective_area();
      s["take_off_angle_deg"] = parameters.take_off_angle * 180 / numbers::PI;
      s["apparent_spot_fwhm_m"]   = {spot.fwhm_x(), spot.fwhm_y() * sin_alpha};
      s["apparent_spot_area_m2"]  = apparent_spot_area();

      const auto &depth = parameters.depth_profile;
      s["deposition"] = depth.kind() == DepthProfile::Kind::surface ? "surface" :
                        depth.kind() == DepthProfile::Kind::depth_dose ?
                                                                  "depth-dose" :
                                                                  "table";
      s["tube_voltage_V"]     = parameters.tube_voltage;
      s["deposited_fraction"] = depth.deposited_fraction();
      if (depth.is_volumetric())
        s["deposition_depth_90_percent_m"] = depth.depth_of_fraction(0.9);
      if (depth.kind() == DepthProfile::Kind::depth_dose)
        for (const auto &layer : parameters.layers)
          s["electron_range_m"][layer.name] =
            kanaya_okayama_range(*layer.material, parameters.tube_voltage);
      // Share of the deposited energy in each layer: in a layer thinner
      // than the electron range only this part of the beam's energy works
      // in the metal (a first-order measure of its X-ray yield).
      if (depth.is_volumetric())
        {
          double top = 0;
          for (const auto &layer : parameters.layers)
            {
              const double bottom =
                parameters.shape == Shape::half_ball ? parameters.radius :
                                                        top + layer.thickness;
              s["deposited_fraction_by_layer"][layer.name] =
                (depth.cumulative(bottom) - depth.cumulative(top)) /
                depth.deposited_fraction();
              top = bottom;
            }
        }
    }


    template <int dim, typename LA>
    nlohmann::json
    AnodeThermal<dim, LA>::summary(const std::vector<LayerResult> &maxima,
                                   const SolveStatistics &statistics) const
    {
      const double absorbed =
        (1 - parameters.energy_backscatter_fraction) * current_incident_power;
      unsigned int peak_layer = 0;
      for (unsigned int i = 0; i < maxima.size(); ++i)
        if (maxima[i].max_temperature > maxima[peak_layer].max_temperature)
          peak_layer = i;
      std::vector<double> peak_location;
      for (unsigned int d = 0; d < dim; ++d)
        peak_location.push_back(maxima[peak_layer].location[d]);

      nlohmann::json s;
      s["solver"]             = "anode-thermal";
      s["model"]              = dim == 2 ? "axisymmetric" : "3d";
      s["task"] = parameters.task == Task::temperature   ? "temperature" :
                  parameters.task == Task::maximum_power ? "maximum power" :
                                                           "transient";
      s["linear_algebra"]     = LA::name;
      s["converged"]          = true;
      s["peak_temperature_K"] = maxima[peak_layer].max_temperature;
      s["peak_location_m"]    = peak_location;
      s["coolant_temperature_K"] = parameters.coolant_temperature;
      nlohmann::json layers  = nlohmann::json::array();
      std::vector<std::string> exceeded;
      for (unsigned int i = 0; i < maxima.size(); ++i)
        {
          const Layer &layer = parameters.layers[i];
          layers.push_back({{"name", layer.name},
                            {"material", layer.material->name},
                            {"thickness_m", layer.thickness},
                            {"max_temperature_K", maxima[i].max_temperature},
                            {"temperature_limit_K", layer.temperature_limit}});
          // In the maximum-power task the limiting layer sits at its limit
          // by construction; only the temperature task can exceed one.
          if (parameters.task == Task::temperature &&
              maxima[i].max_temperature > layer.temperature_limit)
            exceeded.push_back(layer.name);
        }
      s["layers"]                     = layers;
      s["incident_power_W"]           = current_incident_power;
      s["energy_backscatter_fraction"] = parameters.energy_backscatter_fraction;
      s["absorbed_power_W"]           = absorbed;
      s["deposited_power_W"]          = deposited_power();
      s["transmitted_power_W"]        = absorbed - deposited_power();
      s["source_integral_W"]          = assembled_heat_input;
      s["source_quadrature_error"]    = source_quadrature_error;
      s["heat_removed_W"]             = moving_heat_removed >= 0 ?
                                          moving_heat_removed :
                                          heat_removed();
      if (parameters.motion.kind != Motion::Kind::none)
        {
          s["motion"] = parameters.motion.kind == Motion::Kind::linear_scan ?
                          "linear scan" :
                          "rotating anode";
          s["scan_speed_m_per_s"] = parameters.motion.speed();
          s["peclet_number"]      = peclet_number();
          if (parameters.motion.kind == Motion::Kind::rotating_anode)
            {
              s["track_radius_m"]         = parameters.motion.track_radius;
              s["rotation_frequency_Hz"] = parameters.motion.rotation_frequency;
            }
          // Heat the motion carries out of the mesh (at the last assembled
          // temperature, the solution's).
          s["heat_carried_by_motion_W"] = advective_outflow;
        }
      add_heat_source_summary(s);
      // The unknowns and cells of the meshed part; every power, heat and
      // temperature above is the full anode's (weight()).
      s["n_dofs"]                     = dof_handler.n_dofs();
      s["n_cells"]                    = triangulation.n_global_active_cells();
      if (dim == 3)
        {
          s["symmetry"] = parameters.symmetry == Symmetry::half    ? "half" :
                          parameters.symmetry == Symmetry::quarter ? "quarter" :
                                                                     "none";
          s["symmetry_factor"] = parameters.symmetry_factor();
        }
      s["n_mpi_ranks"] = Utilities::MPI::n_mpi_processes(mpi_communicator);
      s["newton_iterations"]          = statistics.newton_iterations;
      s["linear_iterations"]          = statistics.linear_iterations;
      s["newton_relative_residual"] =
        statistics.final_residual / statistics.reference_residual;
      s["total_newton_iterations"]    = total_newton_iterations;
      s["total_linear_iterations"]    = total_linear_iterations;
      s["preconditioner_setups"]      = total_preconditioner_setups;
      s["limit_exceeded"]             = !exceeded.empty();
      s["layers_over_limit"]          = exceeded;
      if (parameters.task == Task::maximum_power)
        {
          s["max_permissible_power_W"]          = max_permissible_power;
          s["max_permissible_absorbed_power_W"] = absorbed;
          // Absorbed power over pi r^2, r the HWHM: the quantity of Eq. (2)
          // (Gaussian spots).
          if (parameters.spot.kind() == SpotProfile::Kind::gaussian)
            s["max_permissible_power_density_W_per_m2"] =
              absorbed /
              (numbers::PI * parameters.spot_hwhm_x * parameters.spot_hwhm_y);
          // Eq. (1): at equal conversion efficiency the specific brightness
          // goes as the incident power per apparent (projected) area.
          s["max_permissible_apparent_power_density_W_per_m2"] =
            max_permissible_power / apparent_spot_area();
          s["limiting_layer"] = limiting_layer;
          if (!reference_design.is_null())
            {
              s["reference_design"] = reference_design;
              s["brightness_gain"] =
                s["max_permissible_apparent_power_density_W_per_m2"]
                  .template get<double>() /
                reference_design["max_permissible_apparent_power_density_W_per_m2"]
                  .template get<double>();
            }
        }
      return s;
    }


    // Pe = v HWHM / alpha, alpha = k / (rho c_p) of the heated layer at T0:
    // above ~1 the heat is carried away faster than it diffuses across the
    // spot.
    template <int dim, typename LA>
    double
    AnodeThermal<dim, LA>::peclet_number() const
    {
      const Material &material = *parameters.layers[0].material;
      const double    T0       = parameters.coolant_temperature;
      const double    diffusivity =
        material.conductivity.value(T0) /
        (material.density * material.heat_capacity.value(T0));
      return parameters.motion.speed() * parameters.spot_hwhm_x / diffusivity;
    }


    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::log_heat_source() const
    {
      nlohmann::json s;
      add_heat_source_summary(s);
      log() << "   Heat source: " << s["spot_shape"].get<std::string>()
          << " spot, FWHM " << s["spot_fwhm_m"][0].get<double>() << " x "
          << s["spot_fwhm_m"][1].get<double>() << " m, "
          << s["deposition"].get<std::string>() << " deposition";
      if (parameters.depth_profile.is_volumetric())
        log() << " (90 % within "
            << s["deposition_depth_90_percent_m"].get<double>()
            << " m, deposited fraction "
            << parameters.depth_profile.deposited_fraction() << ")";
      log() << ", eta_E " << parameters.energy_backscatter_fraction << std::endl;
    }


    // H(T) of each layer above T0, where heat is stored (transient) or
    // carried (motion).
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::make_enthalpy()
    {
      enthalpy.assign(parameters.layers.size(), Enthalpy());
      if (parameters.task != Task::transient &&
          parameters.motion.kind == Motion::Kind::none)
        return;
      for (unsigned int i = 0; i < parameters.layers.size(); ++i)
        enthalpy[i] = Enthalpy(parameters.layers[i].material->heat_capacity,
                               parameters.coolant_temperature);
    }


    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::reuse_for(const Parameters &new_parameters,
                                     RunOutput        &new_output)
    {
      AssertThrow(mesh_key(new_parameters) == mesh_key(parameters),
                  ExcMessage("reuse_for() needs parameters with the same mesh"));
      parameters              = new_parameters;
      output                  = &new_output;
      reference_design        = nlohmann::json();
      total_linear_iterations = 0;
      total_newton_iterations = 0;
      total_preconditioner_setups = 0;
      max_permissible_power   = 0;
      limiting_layer.clear();
    }


    template <int dim, typename LA>
    int
    AnodeThermal<dim, LA>::run()
    {
      Timer wall_clock(mpi_communicator, true);
      // No communicator: statistics are gathered explicitly at the end, and
      // a run ended by an error is not held up in the destructor.
      timer = std::make_unique<TimerOutput>(output->log(),
                                            TimerOutput::never,
                                            TimerOutput::wall_times);
      log() << "anode-thermal: " << (dim == 2 ? "axisymmetric" : "3D")
          << " model, " << parameters.layers.size() << " layer(s), "
          << LA::name << " linear algebra, "
          << Utilities::MPI::n_mpi_processes(mpi_communicator)
          << " MPI rank(s)" << std::endl;
      log_heat_source();
      make_enthalpy();
      stage_mass_factor = 0;
      supg_time_step    = 0;
      // A transient run's mesh is adapted to the steady field at the
      // beam's peak power (the field it approaches).
      if (parameters.task == Task::transient)
        parameters.incident_power = parameters.beam.peak_power();

      SolveStatistics statistics;
      if (restarting())
        {
          // Mesh and field come from the checkpoint (run_transient()); its
          // state is checked before anything else is done.
          read_checkpoint_state();
          mesh_is_adapted = true;
        }
      else if (mesh_is_adapted)
        {
          // A sweep point on the mesh of the previous one (reuse_for()):
          // no mesh generation or adaptive cycles; Newton starts from the
          // previous rise T - T0 over the new T0, scaled to the new power
          // (exact for constant k: every cooled face is held at, or
          // exchanges heat with, T0).
          const Vector previous = present_solution;
          update_coefficients();
          present_solution      = previous;
          solution_on_this_mesh = true;
          present_solution.add(parameters.coolant_temperature -
                               solution_coolant_temperature);
          // (A transient point may have ended with the beam off.)
          if (current_incident_power > 0)
            scale_temperature_rise(parameters.incident_power /
                                   current_incident_power);
          else
            {
              present_solution       = parameters.coolant_temperature;
              current_incident_power = parameters.incident_power;
            }
          log() << "   Mesh of the previous sweep point: "
                << triangulation.n_global_active_cells() << " cells, "
                << dof_handler.n_dofs() << " unknowns" << std::endl;
          statistics = solve_steady_state(parameters.incident_power);
        }
      else
        {
          make_grid();
          for (unsigned int cycle = 0; cycle <= parameters.adaptive_cycles;
               ++cycle)
            {
              if (cycle > 0)
                refine_mesh();
              setup_system();
              if (cycle == 0)
                check_mesh_fits_memory();
              log() << "   Cycle " << cycle << ": "
                    << triangulation.n_global_active_cells() << " cells, "
                    << dof_handler.n_dofs() << " unknowns" << std::endl;
              statistics = solve_steady_state(parameters.incident_power);
              log() << "      peak temperature "
                    << layer_maxima()[0].max_temperature << " K (heated layer)"
                    << std::endl;
            }
          mesh_is_adapted = true;
        }

      if (parameters.task == Task::maximum_power)
        {
          max_permissible_power = find_maximum_power(statistics);
          log() << "   Maximum permissible power: " << max_permissible_power
              << " W incident, limited by layer '" << limiting_layer << "'"
              << std::endl;
        }

      nlohmann::json transient_entries;
      int            status = exit_status::success;
      if (parameters.task == Task::transient)
        {
          // The steady field at peak power (none when restarted).
          steady_peak_rise = 0;
          if (!restarting())
            for (const auto &m : layer_maxima())
              steady_peak_rise =
                std::max(steady_peak_rise,
                         m.max_temperature - parameters.coolant_temperature);
          status = run_transient(transient_entries);
        }
      else
        output_results();
      const auto maxima = layer_maxima();
      // The heat leaving at the solution. With motion the wake meets the
      // fixed-temperature faces in a thin layer where -k dT/dn is poorly
      // resolved: those faces' heat is then the consistent reaction, the
      // sum of their rows of the residual without source (which their
      // unknowns would need to balance).
      moving_heat_removed = -1;
      const double input  = current_incident_power;
      current_incident_power = 0;
      assemble(temperature, false, true);
      current_incident_power = input;
      if (parameters.motion.is_moving())
        moving_heat_removed = boundary_outflow - advective_outflow +
                              sum_of_fixed_rows(system_rhs);
      nlohmann::json s = summary(maxima, statistics);
      if (!transient_entries.is_null())
        s.update(transient_entries);
      for (unsigned int i = 0; i < maxima.size(); ++i)
        log() << "   Layer '" << parameters.layers[i].name << "' ("
            << parameters.layers[i].material->name << "): max "
            << maxima[i].max_temperature << " K, limit "
            << parameters.layers[i].temperature_limit << " K" << std::endl;
      log() << "   Deposited power " << s["deposited_power_W"].get<double>()
          << " W, heat removed " << s["heat_removed_W"].get<double>()
          << " W, source quadrature error "
          << s["source_quadrature_error"].get<double>() << std::endl;
      s["wall_time_s"] = wall_clock.wall_time();
      // Rank 0's wall time per phase (setup, assembly, solve, refine,
      // output), for the performance benchmark.
      for (const auto &[phase, seconds] :
           timer->get_summary_data(TimerOutput::total_wall_time))
        s["phase_wall_time_s"][phase] = seconds;
      timer->print_wall_time_statistics(mpi_communicator);
      // (Through the log's buffer now: in a sweep the next point's header
      // would otherwise come before this table.)
      log() << std::flush;
      output->write_summary(s);
      run_summary = s;
      log() << "   Results in " << parameters.output_directory << " ("
            << s["wall_time_s"].get<double>() << " s)" << std::endl;

      if (status == exit_status::limit_exceeded)
        {
          if (Utilities::MPI::this_mpi_process(mpi_communicator) == 0)
            std::cerr << "anode-thermal: " << limit_message
                      << " (results written to "
                      << parameters.output_directory << ")" << std::endl;
          return status;
        }
      if (s["limit_exceeded"].get<bool>())
        {
          std::string layers;
          for (const auto &name : s["layers_over_limit"])
            layers += (layers.empty() ? "'" : ", '") +
                      name.get<std::string>() + "'";
          if (Utilities::MPI::this_mpi_process(mpi_communicator) == 0)
            std::cerr << "anode-thermal: temperature limit exceeded in layer "
                      << layers << ": peak " << s["peak_temperature_K"]
                      << " K at " << current_incident_power
                      << " W incident (results written to "
                      << parameters.output_directory << ")" << std::endl;
          return exit_status::limit_exceeded;
        }
      return exit_status::success;
    }

  } // namespace anode_thermal
} // namespace xray

#include "anode_thermal/checkpoint.templates.h"
#include "anode_thermal/transient.templates.h"

#endif

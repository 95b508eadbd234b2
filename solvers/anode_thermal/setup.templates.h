// Set-up of AnodeThermal: the finite elements of the layers, the mesh
// graded toward the spot (and its mirror-symmetric part), the degrees of
// freedom, the constraints (hanging nodes, T = T0), the sparsity pattern
// and the resistive interfaces.
#ifndef XRAY_ANODE_THERMAL_SETUP_TEMPLATES_H
#define XRAY_ANODE_THERMAL_SETUP_TEMPLATES_H

#include "anode_thermal/anode_thermal.h"
#include "meshes/anode_mesh.h"

#include <deal.II/base/function.h>
#include <deal.II/base/quadrature_lib.h>
#include <deal.II/dofs/dof_renumbering.h>
#include <deal.II/dofs/dof_tools.h>
#include <deal.II/fe/fe_nothing.h>
#include <deal.II/fe/fe_q.h>
#include <deal.II/fe/fe_system.h>
#include <deal.II/fe/mapping_q.h>
#include <deal.II/lac/dynamic_sparsity_pattern.h>
#include <deal.II/lac/sparsity_tools.h>
#include <deal.II/numerics/vector_tools.h>

#include <algorithm>
#include <cmath>
#include <map>

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
      , repartition_by_hand(may_stretch_line_focus(parameters_))
      , triangulation(
          mpi_communicator,
          typename Triangulation<dim>::MeshSmoothing(
            Triangulation<dim>::smoothing_on_refinement |
            Triangulation<dim>::smoothing_on_coarsening),
          repartition_by_hand ?
            parallel::distributed::Triangulation<
              dim>::no_automatic_repartitioning :
            parallel::distributed::Triangulation<dim>::default_setting)
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

      make_finite_elements(parameters.fe_degree);
    }


    // The elements of degree DEGREE of the two components (FE index i
    // carries FE_Q in component i), their quadratures and the mapping:
    // what the dofs, the assembly and the output are built on. (Called
    // again, on the same mesh, by the error estimate's enriched solve.)
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::make_finite_elements(const unsigned int degree)
    {
      fe      = hp::FECollection<dim>();
      mapping = hp::MappingCollection<dim>();
      fe.push_back(FESystem<dim>(FE_Q<dim>(degree), 1, FE_Nothing<dim>(), 1));
      fe.push_back(FESystem<dim>(FE_Nothing<dim>(), 1, FE_Q<dim>(degree), 1));
      make_quadratures(degree);
      mapping.push_back(MappingQ<dim>(degree));
    }


    // The Gauss rules of the elements of degree DEGREE. Cells at rest:
    // degree + 1 points per direction, exact on affine cells for the
    // conduction and stored-heat integrands of Q_degree with constant
    // coefficients (degree 2 degree per direction; the axisymmetric weight r
    // adds one, 2 degree + 1 = 2 (degree + 1) - 1). Cells of a moving
    // anode: degree + 2, as k(T) and c_p(T) vary steeply across the cells
    // of its thin heated layer (on params/rotating-anode-ct.prm the maximum
    // power moves by 1.3e-3 from degree + 1 to degree + 3 points, by 2.3e-4
    // from degree + 2). Faces: degree + 2, for the Gaussian surface load.
    // (The goal-oriented indicators also take the rules of the cycle's
    // degree for a residual in the enriched elements: quadrature_defect().)
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::make_quadratures(const unsigned int degree)
    {
      // (The motion is part of mesh_key(): a solver keeps it.)
      quadrature_degree = degree;
      const unsigned int cell_points =
        degree + (parameters.motion.is_moving() ? 2 : 1);
      quadrature      = hp::QCollection<dim>();
      face_quadrature = hp::QCollection<dim - 1>();
      for (unsigned int i = 0; i < 2; ++i)
        {
          quadrature.push_back(QGauss<dim>(cell_points));
          face_quadrature.push_back(QGauss<dim - 1>(degree + 2));
        }
      // What was tabulated at the points of the previous rules.
      reference_shapes.clear();
      point_cache.clear();
      point_cache_tried = false;
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
      if (line_stretch)
        log() << "Line focus stretch: cells up to "
              << parameters.line_focus_stretch
              << " times longer along the flat top than across it" << std::endl;
      else if (dim == 3 && parameters.line_focus_stretch > 1 &&
               parameters.spot.kind() == SpotProfile::Kind::line)
        log() << "Line focus stretch: not applied (it needs a cylinder and a "
                 "flat top longer than 2 (s + 4) spot cells); cubic cells"
              << std::endl;
      refine_toward_spot();
      mark_inflow_faces();
    }


    // The coarse mesh of the geometry, before any refinement (what a
    // checkpoint's refinement is loaded onto).
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::make_coarse_grid()
    {
      line_stretch = make_line_stretch();
      if (parameters.shape == Shape::cylinder)
        {
          meshes::AnodeMeshSpecification specification;
          specification.radius = parameters.radius;
          for (const auto &layer : parameters.layers)
            specification.layer_thicknesses.push_back(layer.thickness);
          // A few HWHM; a line focus's flat top fits inside (in the chart
          // of its stretch, if any).
          const double line_half_length = line_stretch ?
                                            line_stretch->chart_half_length() :
                                            parameters.spot.line_length() / 2;
          specification.central_half_width =
            2 * std::max(parameters.spot.hwhm_x(),
                         parameters.spot.hwhm_y() + line_half_length);
          specification.growth_factor = parameters.growth_factor;
          specification.mirror_planes = parameters.mirror_planes();
          meshes::make_layered_cylinder(triangulation, specification);
        }
      else
        meshes::make_half_ball(triangulation, parameters.radius);
    }


    // Whether PARAMETERS may stretch the mesh along a line focus
    // (make_line_stretch() decides, per coarse mesh). A stretched mesh is
    // not repartitioned after the adaptive cycles' refinement: p4est would
    // rebuild the cells a rank receives from the coarse mesh, with their
    // vertices at their ancestors' midpoints instead of on the stretch
    // map, so the geometry (and the answer) would depend on the number of
    // ranks. (params/rotating-anode-ct.prm at s = 3, cycle 1: 2300.74 K on
    // 1 rank, 2298.00 K on 2; 2300.74 K on 2 without repartitioning.)
    template <int dim, typename LA>
    bool
    AnodeThermal<dim, LA>::may_stretch_line_focus(const Parameters &p)
    {
      return dim == 3 && p.line_focus_stretch > 1 &&
             p.shape == Shape::cylinder &&
             p.spot.kind() == SpotProfile::Kind::line;
    }


    // Mesh/Line focus stretch for a 3D line focus on a cylinder, when its
    // flat top is long enough against the spot cells
    // (LineFocusStretch::feasible()); else none.
    template <int dim, typename LA>
    std::shared_ptr<const meshes::LineFocusStretch>
    AnodeThermal<dim, LA>::make_line_stretch() const
    {
      if (!may_stretch_line_focus(parameters))
        return nullptr;
      auto stretch = std::make_shared<const meshes::LineFocusStretch>(
        parameters.line_focus_stretch,
        parameters.spot.line_length() / 2,
        parameters.spot_cell_fraction * parameters.spot.resolution_scale(),
        parameters.radius);
      return stretch->feasible() ? stretch : nullptr;
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
      const double spot_cell =
        parameters.spot_cell_fraction * parameters.spot.resolution_scale();
      // (A line focus's flat top in the chart of its stretch, if any.)
      auto half_lengths = parameters.spot.core_half_lengths();
      if (line_stretch)
        half_lengths[1] = line_stretch->chart_half_length();
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
                  std::max(spot_cell,
                           (parameters.growth_factor - 1) * distance);
                if (cell->diameter() / std::sqrt(dim) > target)
                  {
                    cell->set_refine_flag();
                    refined = true;
                  }
              }
          if (!Utilities::MPI::logical_or(refined, mpi_communicator))
            break;
          triangulation.execute_coarsening_and_refinement();
          if (repartition_by_hand)
            triangulation.repartition();
        }
      // The mesh so far is the line stretch's chart; now into space.
      if constexpr (dim == 3)
        if (line_stretch)
          meshes::apply_line_focus_stretch(triangulation, *line_stretch);
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

      // The preconditioner and the LU refer to the matrix they were built
      // from, the multigrid to the mesh: they go before those do.
      preconditioner.reset();
      factorization.reset();
      multigrid.reset();
      assembled_matrix_key.clear();
      system_rhs.reinit(locally_owned_dofs, mpi_communicator);
      present_solution.reinit(locally_owned_dofs, mpi_communicator);
      temperature.reinit(locally_owned_dofs,
                         locally_relevant_dofs,
                         mpi_communicator);
      if (uses_matrix_free())
        system_matrix.clear();
      else
        make_system_matrix();
      if (parameters.matrix_free_multigrid && !matrix_free_fallback_logged &&
          !uses_matrix_free())
        {
          log() << "Solver/Preconditioner = matrix-free multigrid does not "
                   "apply ("
                << matrix_free_obstacle() << "): using AMG" << std::endl;
          matrix_free_fallback_logged = true;
        }
      solution_on_this_mesh = false;
      if (solution_transfer)
        {
          solution_transfer->interpolate(present_solution);
          solution_transfer.reset();
          solution_on_this_mesh = true;
        }
      assemble_heat_source();
    }


    // The Newton matrix's sparsity (the cells' couplings, and the couplings
    // across resistive interfaces) and the matrix on it.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::make_system_matrix()
    {
      DynamicSparsityPattern dsp(locally_relevant_dofs);
      DoFTools::make_sparsity_pattern(dof_handler,
                                      dsp,
                                      update_constraints,
                                      false);
      std::vector<types::global_dof_index> upper_dofs, lower_dofs;
      for (const auto &face : interface_faces)
        {
          upper_dofs.resize(face.upper->get_fe().n_dofs_per_cell());
          lower_dofs.resize(face.lower->get_fe().n_dofs_per_cell());
          face.upper->get_dof_indices(upper_dofs);
          face.lower->get_dof_indices(lower_dofs);
          upper_dofs.insert(upper_dofs.end(),
                            lower_dofs.begin(),
                            lower_dofs.end());
          update_constraints.add_entries_local_to_global(upper_dofs,
                                                         dsp,
                                                         false);
        }
      SparsityTools::distribute_sparsity_pattern(dsp,
                                                 locally_owned_dofs,
                                                 mpi_communicator,
                                                 locally_relevant_dofs);
      system_matrix.reinit(locally_owned_dofs,
                           locally_owned_dofs,
                           dsp,
                           mpi_communicator);
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
      const Functions::ZeroFunction<dim>                  zero(2);
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


    // Interfaces with a finite conductance h_b, seen from the cells of the
    // upper layer (each face piece once). Where the two sides are refined
    // differently, the finer side's face is a subface of the coarser one.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::find_resistive_interfaces()
    {
      interface_faces.clear();
      interface_pieces.clear();
      interface_dofs.clear();
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
                for (unsigned int sf = 0; sf < cell->face(f)->n_children();
                     ++sf)
                  interface_faces.push_back(
                    {cell,
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
  } // namespace anode_thermal
} // namespace xray

#endif

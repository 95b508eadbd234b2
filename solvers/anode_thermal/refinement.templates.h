// Adaptive refinement of AnodeThermal's mesh: Kelly's indicator (with the
// mirror planes of a symmetric part) or the peak's dual-weighted residual
// (error_estimate.templates.h), the fraction of cells refined, and
// the check that the last cycle's mesh fits the machines' memory.
#ifndef XRAY_ANODE_THERMAL_REFINEMENT_TEMPLATES_H
#define XRAY_ANODE_THERMAL_REFINEMENT_TEMPLATES_H

#include "anode_thermal/anode_thermal.h"
#include "common/command_line.h"
#include "meshes/anode_mesh.h"

#include <deal.II/base/function.h>
#include <deal.II/distributed/grid_refinement.h>
#include <deal.II/numerics/error_estimator.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <iomanip>
#include <map>
#include <sstream>

namespace xray
{
  namespace anode_thermal
  {
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::refine_mesh()
    {
      TimerOutput::Scope    t(*timer, "refine");
      dealii::Vector<float> indicators(triangulation.n_active_cells());
      if (parameters.goal_oriented_refinement)
        {
          Assert(goal_indicators.size() == indicators.size(),
                 ExcInternalError());
          indicators = goal_indicators;
        }
      else
        kelly_indicators(indicators);
      if (dim == 3)
        mark_largest_indicators(indicators);
      else
        parallel::distributed::GridRefinement::refine_and_coarsen_fixed_number(
          triangulation, indicators, parameters.refinement_fraction, 0.0);
      triangulation.prepare_coarsening_and_refinement();
      solution_transfer =
        std::make_unique<parallel::distributed::SolutionTransfer<dim, Vector>>(
          dof_handler);
      solution_transfer->prepare_for_coarsening_and_refinement(temperature);
      // (Repartitioned unless the mesh may be stretched:
      // may_stretch_line_focus().)
      triangulation.execute_coarsening_and_refinement();
      mark_inflow_faces();
    }


    // Kelly's indicator of every locally owned cell into INDICATORS.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::kelly_indicators(
      dealii::Vector<float> &indicators) const
    {
      // Kelly's indicator sums the squared jumps of dT/dn over a cell's
      // faces. Across a mirror plane the full model's discrete field has
      // dT/dn = -dT/dn' on the two sides, a jump of 2 dT/dn: a part sees
      // the same jump as an insulated (g = 0) boundary face whose normal
      // derivative is weighted by 2 there (the estimator's coefficient), so
      // that its indicators are those of the full model's cells.
      const Functions::ZeroFunction<dim>                  insulated(2);
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
      for (const auto &part :
           Utilities::MPI::all_gather(mpi_communicator, local))
        all.insert(all.end(), part.begin(), part.end());
      const double factor = parameters.symmetry_factor();
      const auto   n_full = static_cast<double>(all.size()) * factor;
      const auto k_full = std::llround(parameters.refinement_fraction * n_full);
      if (k_full == 0 || all.empty())
        return;
      // The k_full-th largest of the full anode's list, in which every
      // value appears factor times.
      const std::size_t k = std::min<std::size_t>(
        all.size(), static_cast<std::size_t>(std::ceil(k_full / factor)));
      std::nth_element(all.begin(),
                       all.begin() + (k - 1),
                       all.end(),
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
    // 2D. The error estimate's enriched solve (degree p + 1 on the same
    // mesh) has about ((p + 1)/p)^dim times the unknowns, each with about
    // ((2p + 3)/(2p + 1))^dim times the matrix entries in its row: it needs
    // about 9 times the memory of a Q2 solve in 3D, 4 times in 2D.
    template <int dim, typename LA>
    void
    AnodeThermal<dim, LA>::check_mesh_fits_memory() const
    {
      const double growth =
        1 + parameters.refinement_fraction * ((1 << dim) - 1);
      const double unknowns =
        dof_handler.n_dofs() * std::pow(growth, parameters.adaptive_cycles);
      const double p = parameters.fe_degree;
      const double bytes_per_unknown =
        (dim == 3 ? 4096 : 1024) *
        (parameters.estimates_error() ?
           std::pow((p + 1) / p * (2 * p + 3) / (2 * p + 1), dim) :
           1.);

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
              << memory / 1e9 << " GB of memory of this run's machines"
              << (parameters.estimates_error() ?
                    " for its error estimate (Mesh/Target accuracy, "
                    "Refinement indicator)" :
                    "")
              << "; use fewer cycles";
      throw InputError(message.str());
    }
  } // namespace anode_thermal
} // namespace xray

#endif

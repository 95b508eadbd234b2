// StreamPotential<dim, LA>, the 2D continuum model: the slab
// cross-section, its mesh, its lateral walls, its space charge, and what
// it reports.
//
// The class is compiled for both dimensions, so these functions exist in
// the 3D particle class too, where the model hooks never call them.
#ifndef XRAY_STREAM_POTENTIAL_CONTINUUM_TEMPLATES_H
#define XRAY_STREAM_POTENTIAL_CONTINUUM_TEMPLATES_H

#include "stream_potential/stream_potential_internal.h"

#include <deal.II/base/function.h>
#include <deal.II/numerics/vector_tools.h>

#include <cmath>

namespace xray
{
  namespace stream_potential
  {
    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::make_continuum_mesh(
      parallel::fullydistributed::Triangulation<2> &mesh)
    {
      // The section from the anode to the grounded top: the slab, and
      // beside it the gap to grounded lateral walls (none if the walls are
      // insulating: the slab then fills the width).
      const auto  &layout      = parameters.layout;
      const double thickness   = layout.stream_thickness > 0 ?
                                   layout.stream_thickness :
                                   2 * layout.particle_radius;
      const double slab_bottom = layout.anode_gap;
      const double slab_top    = slab_bottom + thickness;
      domain_top               = slab_top + parameters.enclosure_size;
      const double half_width =
        parameters.lateral_walls_insulating ?
          parameters.slab_half_width :
          parameters.slab_half_width + parameters.enclosure_size;
      Triangulation<2> serial;
      meshes::make_slab_section(serial,
                                half_width,
                                domain_top,
                                parameters.slab_half_width,
                                slab_bottom,
                                slab_top,
                                parameters.continuum_cell_size);
      meshes::distribute_triangulation(serial, mesh);
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::constrain_grounded_walls(
      AffineConstraints<double> &target) const
    {
      // Insulating walls carry no Dirichlet data: zero normal field is the
      // natural boundary condition of the weak form.
      if (parameters.lateral_walls_insulating)
        return;
      VectorTools::interpolate_boundary_values(
        mapping,
        dof_handler,
        meshes::stream_boundary::guard_wall,
        Functions::ZeroFunction<dim>(),
        target);
    }


    template <int dim, typename LA>
    double
    StreamPotential<dim, LA>::space_charge_density(const Point<dim> &p) const
    {
      // A slab of N layers of hexagonal lattice (areal density
      // 2 / (sqrt 3 p^2) each) spread over the stream thickness H.
      const auto  &layout    = parameters.layout;
      const double thickness = layout.stream_thickness > 0 ?
                                 layout.stream_thickness :
                                 2 * layout.particle_radius;
      const double bottom    = layout.anode_gap;
      if (p[1] < bottom || p[1] > bottom + thickness ||
          std::abs(p[0]) > parameters.slab_half_width)
        return 0.;
      const double number_density =
        layout.n_layers * 2. /
        (std::sqrt(3.) * layout.lattice_pitch * layout.lattice_pitch) /
        thickness;
      double charge = parameters.particle_charge;
      if (parameters.charging_model == ChargingModel::beam)
        // The slab spans the spot: the dwell length grows from 0 at the
        // entry x = -W/2 to W_CS at the exit.
        charge = parameters.beam.deposited_charge(
          layout.particle_radius, p[0] + 0.5 * parameters.beam.spot_width);
      return number_density * charge;
    }


    template <int dim, typename LA>
    typename StreamPotential<dim, LA>::ProfileLine
    StreamPotential<dim, LA>::continuum_profile_line() const
    {
      // At the evaluation position across the spot, from the anode to the
      // top.
      ProfileLine line;
      line.z_start = 0;
      line.z_end   = domain_top;
      line.base[0] =
        -parameters.slab_half_width +
        parameters.beam.position_in_spot * 2 * parameters.slab_half_width;
      return line;
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::summarize_continuum(nlohmann::json &summary) const
    {
      // The continuum's results are the potential's (max_abs_potential_V
      // and profile.csv), which both models report.
      summary["model"] = "continuum";
    }


    template <int dim, typename LA>
    void
    StreamPotential<dim, LA>::report_continuum_result(
      const nlohmann::json &summary)
    {
      output.log() << "largest |potential| "
                   << summary["max_abs_potential_V"].get<double>() / 1e3
                   << " kV";
    }
  } // namespace stream_potential
} // namespace xray

#endif

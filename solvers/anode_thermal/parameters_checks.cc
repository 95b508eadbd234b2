// Checks of Parameters that span sections, made by parse() (the mesh's
// range of scales, a mirror symmetry, the layers' heat capacities), and
// what follows from a parsed set: the anode's thickness and the key of its
// mesh.
#include "anode_thermal/parameters.h"
#include "common/command_line.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>
#include <string>

namespace xray
{
  namespace anode_thermal
  {
    // The mesh is graded from the anode's size down to the cells at the
    // spot (Spot cell size x the spot's HWHM), by halving: the distributed
    // mesh allows 19 levels of halving in 3D and 29 in 2D (p4est), so a
    // larger ratio of the two scales cannot be meshed (and long before it,
    // the mesh no longer fits a machine).
    void
    Parameters::check_mesh_scale() const
    {
      double      extent       = radius;
      std::string extent_entry = "Geometry/Radius";
      for (const auto &layer : layers)
        if (layer.thickness > extent)
          {
            extent       = layer.thickness;
            extent_entry = "Geometry/Layer thicknesses ('" + layer.name + "')";
          }
      const double spot_cell  = spot_cell_fraction * spot.resolution_scale();
      const int    max_levels = model == Model::three_dimensional ? 19 : 29;
      // (Differences of logarithms: the ratio itself may overflow.)
      const double levels = std::log2(extent) - std::log2(spot_cell);
      if (levels <= max_levels)
        return;
      std::ostringstream message;
      message << std::setprecision(3) << extent_entry << " = " << extent
              << " m against cells of " << spot_cell
              << " m at the spot (Heat source/Spot HWHM = "
              << spot.resolution_scale() << " m): the mesh would need "
              << static_cast<long>(std::ceil(levels))
              << " levels of refinement, at most " << max_levels
              << " are possible in "
              << (model == Model::three_dimensional ? "3D" : "2D")
              << "; check the units (m)";
      throw InputError(message.str());
    }


    // A mirror plane through the spot centre is a symmetry plane of the
    // field when the body, the spot, the cooling and the motion are all
    // mirror symmetric about it. The spot is centred at the origin and its
    // profile g(x, y) is even in x and in y (heat_source.h); the layered
    // cylinder's mesh has cell faces on x = 0 and y = 0. A linear scan
    // (u = (-v, 0, 0)) runs along the plane y = 0 but across x = 0; a
    // rotating anode's track curves about (0, -R_t), across both.
    void
    Parameters::check_symmetry() const
    {
      if (symmetry == Symmetry::none)
        return;
      const std::string entry =
        std::string("Geometry/Symmetry = ") +
        (symmetry == Symmetry::half ? "half" : "quarter");
      if (model != Model::three_dimensional)
        throw InputError(entry + " needs Model = 3d (the axisymmetric model "
                                 "already reduces the body to its section)");
      if (shape != Shape::cylinder)
        throw InputError(entry + " needs Shape = cylinder (the half-ball's "
                                 "mesh has no cell faces on the mirror "
                                 "planes)");
      if (task == Task::transient)
        throw InputError(entry + " is for the steady tasks; Task = transient "
                                 "needs Symmetry = none");
      if (motion.kind == Motion::Kind::rotating_anode)
        throw InputError(entry + ": Motion/Type = rotating anode is not "
                                 "mirror symmetric (the track curves about "
                                 "the rotation axis); use Symmetry = none");
      if (motion.kind == Motion::Kind::linear_scan &&
          symmetry == Symmetry::quarter)
        throw InputError(entry + ": Motion/Type = linear scan moves the anode "
                                 "across the mirror plane x = 0; use Symmetry "
                                 "= half (mirror plane y = 0, along the scan)");
    }


    // Heat stored in time and heat carried by a moving anode need rho and
    // c_p of every layer (a material may give only its conductivity).
    void
    Parameters::check_heat_capacities() const
    {
      if (task == Task::transient || motion.kind != Motion::Kind::none)
        for (const auto &layer : layers)
          if (!(layer.material.density > 0) ||
              !layer.material.heat_capacity.is_defined() ||
              !(layer.material.heat_capacity.value(coolant_temperature) > 0))
            throw InputError(
              "Materials: layer '" + layer.name + "' (material '" +
              layer.material.name +
              "') needs a positive Density and Heat capacity for " +
              (task == Task::transient ? "Task = transient" :
                                         "a moving anode"));
    }


    // An interface conductance h_b between layers i and i + 1 allows a
    // temperature jump q_n / h_b; across the thinner layer (thickness t,
    // the smaller conductivity k of the two at the coolant temperature)
    // heat falls by about q_n t / k. Their ratio Bi = h_b t / k is also
    // the ratio of the interface's matrix entries to the conduction's
    // (cells at the interface are no thicker than t). Beyond 1e8 the jump
    // is below 1e-8 of the layer's drop, "perfect" gives the same answer,
    // and the linear systems lose the digits the solution needs (the
    // 5 um Mo on CVD diamond of params/mo-on-diamond.prm: Newton converges
    // at Bi = 3.6e8 and fails from 3.6e9 on).
    void
    Parameters::check_interface_conductances() const
    {
      constexpr double max_biot = 1e8;
      for (unsigned int i = 0; i < interface_conductances.size(); ++i)
        {
          const double h = interface_conductances[i];
          if (!std::isfinite(h))
            continue;
          const Layer &upper = layers[i], &lower = layers[i + 1];
          const double t = std::min(upper.thickness, lower.thickness);
          const double k =
            std::min(upper.material.conductivity.value(coolant_temperature),
                     lower.material.conductivity.value(coolant_temperature));
          if (!(h * t / k > max_biot))
            continue;
          std::ostringstream message;
          message << std::setprecision(3)
                  << "Geometry/Interface conductances = " << h
                  << " W/(m^2 K) between '" << upper.name << "' and '"
                  << lower.name << "' is perfect contact to double precision "
                  << "(h_b t / k = " << h * t / k << " > " << max_biot
                  << " for the thinner layer, " << t << " m at k = " << k
                  << " W/(m K)): set \"perfect\" for that interface, or at "
                  << "most " << max_biot * k / t;
          throw InputError(message.str());
        }
    }


    double
    Parameters::anode_thickness() const
    {
      double thickness = 0;
      for (const auto &layer : layers)
        thickness += layer.thickness;
      return thickness;
    }


    std::string
    mesh_key(const Parameters &p)
    {
      std::ostringstream key;
      key << std::setprecision(17) << static_cast<int>(p.model) << ' '
          << static_cast<int>(p.shape) << ' ' << p.radius << " layers";
      for (const auto &layer : p.layers)
        key << ' ' << layer.thickness;
      // Which interfaces are resistive decides the finite elements.
      key << " resistive";
      for (const double h : p.interface_conductances)
        key << ' ' << std::isfinite(h);
      key << " spot " << static_cast<int>(p.spot.kind()) << ' '
          << p.spot.hwhm_x() << ' ' << p.spot.hwhm_y() << ' '
          << p.spot.line_length() << " mesh " << p.fe_degree << ' '
          << p.growth_factor << ' ' << p.spot_cell_fraction << ' '
          << p.line_focus_stretch << ' ' << p.adaptive_cycles << ' '
          << p.refinement_fraction << ' ' << p.target_accuracy << ' '
          << p.goal_oriented_refinement << ' ' << p.linear_algebra << " motion "
          << static_cast<int>(p.motion.kind) << ' ' << p.motion.scan_speed
          << ' ' << p.motion.track_radius << ' ' << p.motion.rotation_frequency
          << " symmetry " << static_cast<int>(p.symmetry);
      return key.str();
    }
  } // namespace anode_thermal
} // namespace xray

// Checks of Parameters that span sections, made by parse() (the mesh's
// range of scales, a mirror symmetry, the layers' heat capacities), and
// what follows from a parsed set: the anode's thickness and the key of its
// mesh.
#include "anode_thermal/parameters.h"
#include "common/command_line.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

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


    namespace
    {
      // Past this ratio of a conductance (an interface's h_b, a face's
      // h_c) to the conduction k / L behind it, see below.
      constexpr double max_biot = 1e8;

      // The smallest conductivity of LAYERS at T0.
      double
      smallest_conductivity(const std::vector<const Layer *> &layers, double t0)
      {
        double k = std::numeric_limits<double>::infinity();
        for (const Layer *layer : layers)
          k = std::min(k, layer->material.conductivity.value(t0));
        return k;
      }

      // ENTRY = H is past max_biot against k / L: the one-line error that
      // names WHAT it is equivalent to, the length and the conductivity,
      // the remedy and the largest value allowed.
      [[noreturn]] void
      throw_beyond_double_precision(const std::string &entry,
                                    double             h,
                                    const std::string &what,
                                    double             length,
                                    const std::string &length_name,
                                    double             k,
                                    const std::string &remedy)
      {
        std::ostringstream message;
        message << std::setprecision(3) << entry << " = " << h << " W/(m^2 K) "
                << what << " to double precision (h L / k = " << h * length / k
                << " > " << max_biot << ", L = " << length << " m "
                << length_name << ", k = " << k << " W/(m K)): " << remedy
                << ", or at most " << max_biot * k / length;
        throw InputError(message.str());
      }
    } // namespace


    // A conductance h in series with conduction across a length L
    // (resistance L / k) matters by the ratio of the two resistances,
    // Bi = h L / k: an interface's temperature jump q_n / h_b against the
    // drop q_n L / k across the thinner layer, a cooled face's rise
    // q_n / h_c above T0 against the drop across the layers behind it.
    // Bi is also the ratio of the conductance's matrix entries to the
    // conduction's (the cells there are no thicker than L). Beyond 1e8
    // the jump or rise is below 1e-8 of the drop, perfect contact or a
    // fixed temperature give the same answer, and the linear systems
    // lose the digits the solution needs. Measured on
    // params/mo-on-diamond.prm (5 um Mo on 0.5 mm CVD diamond), Bi of the
    // convergence / failure of Newton: interface 3.6e8 / 3.6e9; side face
    // (L the thinnest layer) 9.8e7 / 3.6e8; back face 2.5e9 / 2.5e10. The
    // half-ball of benchmarks/peers/w1-half-ball.prm (L its radius)
    // converges at 5.7e12.
    void
    Parameters::check_conductances() const
    {
      for (unsigned int i = 0; i < interface_conductances.size(); ++i)
        {
          const double h     = interface_conductances[i];
          const Layer &upper = layers[i], &lower = layers[i + 1];
          const double t = std::min(upper.thickness, lower.thickness);
          const double k =
            smallest_conductivity({&upper, &lower}, coolant_temperature);
          if (std::isfinite(h) && h * t / k > max_biot)
            throw_beyond_double_precision("Geometry/Interface conductances",
                                          h,
                                          "between '" + upper.name + "' and '" +
                                            lower.name + "' is perfect contact",
                                          t,
                                          "(the thinner layer)",
                                          k,
                                          "set \"perfect\" for that interface");
        }

      // The layers behind a cooled face and their length L.
      const auto check_face = [&](const std::string                &face,
                                  const FaceCondition              &condition,
                                  const std::vector<const Layer *> &behind,
                                  double                            length,
                                  const std::string &length_name) {
        const double h = condition.heat_transfer_coefficient;
        const double k = smallest_conductivity(behind, coolant_temperature);
        if (condition.type == FaceCondition::Type::convection &&
            h * length / k > max_biot)
          throw_beyond_double_precision("Cooling/" + face +
                                          " heat transfer coefficient",
                                        h,
                                        "is a fixed temperature",
                                        length,
                                        length_name,
                                        k,
                                        "set Cooling/" + face +
                                          " = fixed temperature");
      };
      if (shape == Shape::half_ball)
        {
          check_face(
            "Back face", back_face, {&layers[0]}, radius, "(the radius)");
          return;
        }
      std::vector<const Layer *> all;
      double                     thinnest = layers[0].thickness;
      for (const Layer &layer : layers)
        {
          all.push_back(&layer);
          thinnest = std::min(thinnest, layer.thickness);
        }
      check_face("Back face",
                 back_face,
                 {&layers.back()},
                 layers.back().thickness,
                 "('" + layers.back().name + "')");
      check_face("Side face", side_face, all, thinnest, "(the thinnest layer)");
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

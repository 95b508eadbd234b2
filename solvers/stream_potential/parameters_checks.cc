// The checks of the stream-potential input that span its sections: the
// charging models and enclosures each model takes, and whether the
// particle model's mesh fits the memory of the machine that builds it.
#include "common/errors.h"
#include "stream_potential/parameters.h"

#include <unistd.h>

#include <cmath>
#include <iomanip>
#include <sstream>
#include <string>

namespace xray
{
  namespace stream_potential
  {
    void
    Parameters::check_sections() const
    {
      const bool emission_model =
        charging_model == ChargingModel::field_emission_cap ||
        charging_model == ChargingModel::current_balance;
      if (model == Model::continuum &&
          (emission_model ||
           charging_model == ChargingModel::prescribed_potential))
        throw InputError("Charging/Model = " +
                         std::string(emission_model ? "an emission model" :
                                                      "prescribed potential") +
                         " needs Model = particles (the continuum model "
                         "takes prescribed charge or beam)");
      if (model == Model::continuum &&
          enclosure_shape != meshes::EnclosureShape::box)
        throw InputError("Enclosure/Shape = sphere needs Model = particles");
      if (guard_electrodes && (model != Model::particles ||
                               enclosure_shape != meshes::EnclosureShape::box))
        throw InputError("Enclosure/Guard electrodes needs Model = particles "
                         "and Enclosure/Shape = box");
      // (The continuum model's slab has no patch shape.)
      if (model == Model::particles &&
          layout.shape == meshes::PatchShape::periodic_cell &&
          (enclosure_shape != meshes::EnclosureShape::box || guard_electrodes))
        throw InputError("Particles/Patch shape = periodic cell needs "
                         "Enclosure/Shape = box and Enclosure/Guard "
                         "electrodes = false");
      if (layout.n_layers == 1 && layout.stream_thickness != 0 &&
          std::abs(layout.stream_thickness - 2 * layout.particle_radius) >
            1e-9 * layout.particle_radius)
        throw InputError("Particles/Stream thickness must be 0 or one "
                         "diameter for a single layer");
      if (model == Model::continuum && layout.n_layers > 1 &&
          layout.stream_thickness < 2 * layout.particle_radius)
        throw InputError("Particles/Stream thickness must be at least one "
                         "diameter");
    }


    // gmsh meshes the whole stream on rank 0, so rank 0's machine must hold
    // the mesh. Before any particle is placed (placing checks every pair)
    // or meshed: a sphere's surface at element size s r holds about
    // 4 pi / (sqrt(3)/4 s^2) triangles, and the volume about 10
    // tetrahedra per surface triangle (measured: 347k tetrahedra for the
    // 175 particles of params/hybrid-stream-field-limit.prm at s = 0.5,
    // gaps resolved), each about 1 kB in gmsh and the P2 system together.
    void
    Parameters::check_mesh_fits_memory() const
    {
      const double per_layer =
        layout.shape == meshes::PatchShape::periodic_cell ?
          2. :
        layout.shape == meshes::PatchShape::hexagon ?
          1. + 3. * layout.hexagon_rings * (layout.hexagon_rings + 1.) :
          double(layout.n_rows) * layout.particles_per_row;
      const double n_particles = per_layer * layout.n_layers;
      const double s           = mesh_sizes.surface_size;
      const double triangles   = 4 * M_PI / (std::sqrt(3.) / 4 * s * s);
      const double tetrahedra  = 10 * triangles * n_particles;
      const double bytes       = 1e3 * tetrahedra;
      const double memory =
        double(sysconf(_SC_PHYS_PAGES)) * double(sysconf(_SC_PAGE_SIZE));
      if (bytes <= memory)
        return;
      std::ostringstream message;
      message << std::setprecision(2) << n_particles
              << " particles (Particles) at Mesh/Surface element size = " << s
              << " would need about " << tetrahedra << " tetrahedra (about "
              << std::fixed << std::setprecision(0) << bytes / 1e9
              << " GB), more than the " << memory / 1e9
              << " GB of memory of the machine that meshes them; use fewer "
                 "particles (Patch shape = periodic cell for an infinite "
                 "stream) or a larger surface element size";
      throw InputError(message.str());
    }
  } // namespace stream_potential
} // namespace xray

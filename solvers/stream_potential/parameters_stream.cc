// The stream and what surrounds it: the declare/parse pairs of the
// Particles, Enclosure and Continuum subsections.
#include "common/errors.h"
#include "stream_potential/parameters.h"

#include <cmath>
#include <string>

namespace xray
{
  namespace stream_potential
  {
    void
    Parameters::declare_particles(ParameterHandler &prm)
    {
      prm.enter_subsection("Particles");
      {
        prm.declare_entry("Radius",
                          "2.5e-6",
                          Patterns::Double(),
                          "Particle radius r_p in m.");
        prm.declare_entry("Lattice pitch",
                          "6e-6",
                          Patterns::Double(),
                          "Centre-to-centre distance of neighbours in a "
                          "layer (hexagonal lattice) in m; more than 2 r_p "
                          "(touching spheres would be one conductor).");
        prm.declare_entry("Patch shape",
                          "periodic cell",
                          Patterns::Selection("rows|hexagon|periodic cell"),
                          "periodic cell (the default, the model of an "
                          "infinite stream): the stream's periodic cell "
                          "p x p sqrt(3) (two particles per layer; the "
                          "lateral faces are periodic, a particle cut by one "
                          "continues on the opposite face); every particle "
                          "carries the charge at Position in spot. Needs "
                          "Enclosure/Shape = box without guard electrodes; "
                          "Enclosure/Distance is then only the height of the "
                          "grounded top above the stream. Finite patches: "
                          "rows: Rows x Particles per row, alternate rows "
                          "offset by half a pitch (7 x 11 = 77). hexagon: a "
                          "centred hexagon of 1 + 3 n (n + 1) particles.");
        prm.declare_entry("Rows",
                          "7",
                          Patterns::Integer(1),
                          "Rows of the patch (along y), dimensionless.");
        prm.declare_entry("Particles per row",
                          "11",
                          Patterns::Integer(1),
                          "Particles per row (along x, the flight "
                          "direction), dimensionless.");
        prm.declare_entry("Hexagon rings",
                          "5",
                          Patterns::Integer(0),
                          "Rings n around the centre particle of a hexagon "
                          "patch, dimensionless.");
        prm.declare_entry("Layers",
                          "1",
                          Patterns::Integer(1),
                          "Number N of layers; they sit on the three sites of "
                          "close packing (A, B, C) in turn, dimensionless.");
        prm.declare_entry("Stream thickness",
                          "0",
                          Patterns::Double(),
                          "Thickness H of the stream in m, lowest to highest "
                          "particle surface; 0 means one diameter (required "
                          "for one layer).");
        prm.declare_entry("Anode gap",
                          "2.5e-6",
                          Patterns::Double(),
                          "Gap d_gap between the anode plane and the lowest "
                          "particle surface in m (> 0).");
        prm.declare_entry("Layer shift amplitude",
                          "0",
                          Patterns::Double(),
                          "Half-width in m of the uniform pseudo-random "
                          "shift of each layer along the anode normal.");
        prm.declare_entry("Random seed",
                          "1",
                          Patterns::Integer(0),
                          "Seed of the layer shifts (same seed, same "
                          "stream), dimensionless.");
      }
      prm.leave_subsection();
    }


    void
    Parameters::parse_particles(ParameterHandler &prm)
    {
      prm.enter_subsection("Particles");
      {
        const std::string s    = "Particles";
        layout.particle_radius = positive(prm, "Radius", s);
        layout.lattice_pitch   = positive(prm, "Lattice pitch", s);
        if (!(layout.lattice_pitch > 2 * layout.particle_radius))
          throw InputError(
            "Particles/Lattice pitch = " + prm.get("Lattice pitch") +
            " m must exceed the particle diameter " +
            std::to_string(2 * layout.particle_radius) +
            " m (touching or overlapping spheres)");
        const std::string shape  = prm.get("Patch shape");
        layout.shape             = shape == "rows" ? meshes::PatchShape::rows :
                                   shape == "hexagon" ? meshes::PatchShape::hexagon :
                                                        meshes::PatchShape::periodic_cell;
        layout.n_rows            = prm.get_integer("Rows");
        layout.particles_per_row = prm.get_integer("Particles per row");
        layout.hexagon_rings     = prm.get_integer("Hexagon rings");
        layout.n_layers          = prm.get_integer("Layers");
        layout.stream_thickness  = non_negative(prm, "Stream thickness", s);
        layout.anode_gap         = prm.get_double("Anode gap");
        if (!(std::isfinite(layout.anode_gap) && layout.anode_gap > 0))
          throw InputError("Particles/Anode gap = " + prm.get("Anode gap") +
                           " m must be positive (particles may not touch "
                           "the anode)");
        layout.layer_shift_amplitude =
          non_negative(prm, "Layer shift amplitude", s);
        layout.seed = prm.get_integer("Random seed");
      }
      prm.leave_subsection();
    }


    void
    Parameters::declare_enclosure(ParameterHandler &prm)
    {
      prm.enter_subsection("Enclosure");
      {
        prm.declare_entry("Shape",
                          "box",
                          Patterns::Selection("box|sphere"),
                          "box: a grounded box standing on the anode plane "
                          "z = 0. sphere: a grounded sphere about the "
                          "origin and no anode (the concentric-sphere "
                          "benchmark).");
        prm.declare_entry("Distance",
                          "50e-6",
                          Patterns::Double(),
                          "box: distance in m from the particles (continuum: "
                          "the slab) to the lateral walls and the top. "
                          "sphere: its radius in m.");
        prm.declare_entry(
          "Guard electrodes",
          "false",
          Patterns::Bool(),
          "Particles model, box: the lateral walls are guard electrodes "
          "carrying, at each layer's height, that layer's mean particle "
          "potential (linear in z between layers, to the anode and to the "
          "grounded top): the field of a laterally infinite stream, which "
          "flattens the lateral field of a finite patch. Iterated with the "
          "charges.");
        prm.declare_entry("Lateral walls",
                          "grounded",
                          Patterns::Selection("grounded|insulating"),
                          "Continuum model: grounded lateral walls, or "
                          "insulating ones (zero normal field, as for a "
                          "laterally infinite stream; the slab then fills "
                          "the width).");
        prm.declare_entry("Anode potential",
                          "0",
                          Patterns::Double(),
                          "Potential of the anode in V (a bias); the "
                          "enclosure is at 0 V.");
      }
      prm.leave_subsection();
    }


    void
    Parameters::parse_enclosure(ParameterHandler &prm)
    {
      prm.enter_subsection("Enclosure");
      {
        enclosure_shape          = prm.get("Shape") == "box" ?
                                     meshes::EnclosureShape::box :
                                     meshes::EnclosureShape::sphere;
        enclosure_size           = positive(prm, "Distance", "Enclosure");
        guard_electrodes         = prm.get_bool("Guard electrodes");
        lateral_walls_insulating = prm.get("Lateral walls") == "insulating";
        anode_potential          = prm.get_double("Anode potential");
        if (!std::isfinite(anode_potential))
          throw InputError("Enclosure/Anode potential must be finite");
      }
      prm.leave_subsection();
    }


    void
    Parameters::declare_continuum(ParameterHandler &prm)
    {
      prm.enter_subsection("Continuum");
      {
        prm.declare_entry("Slab half width",
                          "0",
                          Patterns::Double(),
                          "Half width in m of the charged slab along x; 0 "
                          "means half the spot width.");
        prm.declare_entry("Cell size",
                          "2e-6",
                          Patterns::Double(),
                          "Largest cell size of the 2D mesh in m.");
      }
      prm.leave_subsection();
    }


    void
    Parameters::parse_continuum(ParameterHandler &prm)
    {
      prm.enter_subsection("Continuum");
      {
        slab_half_width = non_negative(prm, "Slab half width", "Continuum");
        if (slab_half_width == 0)
          slab_half_width = beam.spot_width / 2;
        continuum_cell_size = positive(prm, "Cell size", "Continuum");
      }
      prm.leave_subsection();
    }
  } // namespace stream_potential
} // namespace xray

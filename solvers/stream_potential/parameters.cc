#include "stream_potential/parameters.h"

#include "common/errors.h"

#include <deal.II/base/utilities.h>

#include <boost/math/constants/constants.hpp>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iomanip>
#include <sstream>

namespace xray
{
  namespace stream_potential
  {
    namespace
    {
      /// A finite value > 0, or InputError naming the entry.
      double
      positive(ParameterHandler  &prm,
               const std::string &entry,
               const std::string &section)
      {
        const double value = prm.get_double(entry);
        if (!(std::isfinite(value) && value > 0))
          throw InputError(section + "/" + entry + " = " + prm.get(entry) +
                           " must be positive");
        return value;
      }

      double
      non_negative(ParameterHandler  &prm,
                   const std::string &entry,
                   const std::string &section)
      {
        const double value = prm.get_double(entry);
        if (!(std::isfinite(value) && value >= 0))
          throw InputError(section + "/" + entry + " = " + prm.get(entry) +
                           " must not be negative");
        return value;
      }

      /// A number as the terminal shows it (6 significant digits).
      std::string
      number(const double value)
      {
        std::ostringstream text;
        text << value;
        return text.str();
      }

      /// The whole of @p text as a finite number, or InputError saying why
      /// not (strtod accepts "inf" and "nan", so they are named as such).
      double
      finite_number(const std::string &text)
      {
        const std::string trimmed = Utilities::trim(text);
        char             *end     = nullptr;
        const double      value   = std::strtod(trimmed.c_str(), &end);
        if (trimmed.empty() || end != trimmed.c_str() + trimmed.size())
          throw InputError("\"" + trimmed + "\" is not a number");
        if (!std::isfinite(value))
          throw InputError("\"" + trimmed + "\" is not finite");
        return value;
      }

      /// @p text split at every @p delimiter, empty pieces kept (so that a
      /// stray comma is reported, not skipped).
      std::vector<std::string>
      split(const std::string &text, const char delimiter)
      {
        std::vector<std::string> pieces;
        std::string::size_type   begin = 0, end;
        while ((end = text.find(delimiter, begin)) != std::string::npos)
          {
            pieces.push_back(Utilities::trim(text.substr(begin, end - begin)));
            begin = end + 1;
          }
        pieces.push_back(Utilities::trim(text.substr(begin)));
        return pieces;
      }

      /// "U:value, U:value, ...": U > 0 in V, strictly increasing.
      std::vector<std::pair<double, double>>
      voltage_pairs(const std::string &text)
      {
        std::vector<std::pair<double, double>> points;
        for (const std::string &pair : split(text, ','))
          {
            const std::vector<std::string> parts = split(pair, ':');
            if (parts.size() != 2)
              throw InputError("\"" + pair + "\" is not voltage:value");
            const double voltage = finite_number(parts[0]);
            if (!(voltage > 0))
              throw InputError("voltage " + parts[0] + " must be positive");
            if (!points.empty() && !(voltage > points.back().first))
              throw InputError("voltages must increase: " + parts[0] +
                               " V follows " + number(points.back().first) +
                               " V");
            points.emplace_back(voltage, finite_number(parts[1]));
          }
        return points;
      }
    } // namespace


    TubeVoltageTable
    TubeVoltageTable::parse(const std::string &input, const std::string &entry)
    {
      const std::string text = Utilities::trim(input);
      TubeVoltageTable  table;
      table.entry = entry;
      try
        {
          if (text.find(':') == std::string::npos)
            table.points = {{std::nan(""), finite_number(text)}};
          else
            table.points = voltage_pairs(text);
        }
      catch (const InputError &error)
        {
          throw InputError(entry + " = \"" + text + "\": " + error.what());
        }
      return table;
    }


    double
    TubeVoltageTable::value(const double U) const
    {
      if (is_constant())
        return points[0].second;
      const double low = points.front().first, high = points.back().first;
      if (!(U >= low && U <= high))
        throw InputError(entry + ": the tube voltage " + number(U) +
                         " V is outside the table's range " + number(low) +
                         " V to " + number(high) + " V");
      if (points.size() == 1)
        return points[0].second;
      // The interval [U_i, U_{i+1}] holding U, then
      // f = (1 - t) f_i + t f_{i+1}, t = (U - U_i) / (U_{i+1} - U_i),
      // which is f_i or f_{i+1} exactly at the nodes.
      std::size_t i = 0;
      while (i + 2 < points.size() && U > points[i + 1].first)
        ++i;
      const auto &[U0, f0] = points[i];
      const auto &[U1, f1] = points[i + 1];
      const double t       = (U - U0) / (U1 - U0);
      return (1 - t) * f0 + t * f1;
    }


    std::string
    TubeVoltageTable::description() const
    {
      if (is_constant())
        return number(points[0].second);
      std::string text;
      for (const auto &[U, f] : points)
        text += (text.empty() ? "" : ", ") + number(U) + ":" + number(f);
      return text;
    }


    double
    Beam::current_density() const
    {
      return power / (tube_voltage * spot_width * spot_length);
    }


    double
    Beam::charging_current(const double radius) const
    {
      const double pi = boost::math::constants::pi<double>();
      return net_charge_per_primary * current_density() * pi * radius * radius;
    }


    double
    Beam::deposited_charge(const double radius, const double dwell_length) const
    {
      // doc/theory.md section 2: Q(x) = -e q_uP (j/e) pi r_p^2 x / v.
      const double x = std::clamp(dwell_length, 0., spot_width);
      return -charging_current(radius) * x / particle_speed;
    }


    std::string
    Beam::describe() const
    {
      std::string line = "Beam: U = " + number(tube_voltage) +
                         " V, j = " + number(current_density()) +
                         " A/m^2, q_uP = " + number(net_charge_per_primary);
      if (!net_charge_table.is_constant())
        line +=
          " (linear in U in the table " + net_charge_table.description() + ")";
      return line;
    }


    void
    Parameters::declare(ParameterHandler &prm)
    {
      prm.declare_entry("Output directory",
                        "output/stream-potential",
                        Patterns::DirectoryName(),
                        "Directory for solution.pvd, the .pvtu/.vtu pieces, "
                        "particles.csv, profile.csv, parameters.prm, "
                        "summary.json and log.txt.");
      prm.declare_entry(
        "Model",
        "particles",
        Patterns::Selection("particles|continuum"),
        "particles: 3D, every particle a floating conductor meshed as a "
        "sphere. continuum: the 2D macroscopic cross-section (x across the "
        "spot, z along the anode normal) in which the stream is a slab of "
        "uniform particle density carrying the particles' charge as space "
        "charge: a fast cross-check, valid away from the spot edges.");

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

      prm.enter_subsection("Charging");
      {
        prm.declare_entry(
          "Model",
          "prescribed charge",
          Patterns::Selection("prescribed charge|prescribed potential|beam|"
                              "field emission cap|current balance"),
          "How each particle gets its charge. prescribed charge: the same "
          "value for all. prescribed potential: the same value for all, or "
          "one per particle. beam: the charge the beam "
          "deposits while the particle crosses the spot. field emission "
          "cap: the lesser of the beam charge and the charge at which the "
          "particle's peak emitting surface field reaches the field limit, "
          "self-consistently for all particles. current balance: the "
          "lesser of the beam charge and the charge whose emitted current "
          "(Murphy-Good field emission, with Thermally assisted also "
          "thermionic emission, retarded where the surface field pushes "
          "electrons back) equals the beam's net charging current, "
          "self-consistently for all particles (Newton); a particle whose "
          "zero-field thermionic current exceeds it ends at a positive "
          "charge (thermionically_limited in particles.csv). "
          "The continuum model takes prescribed charge or beam.");
        prm.declare_entry("Particle charge",
                          "-1e-13",
                          Patterns::Double(),
                          "Charge per particle in C (prescribed charge).");
        prm.declare_entry("Particle potential",
                          "-10",
                          Patterns::Anything(),
                          "Potential of the particles in V (prescribed "
                          "potential): one value for all, or a "
                          "comma-separated list with one value per particle "
                          "in the order of particles.csv.");
        prm.declare_entry("Relative tolerance",
                          "1e-6",
                          Patterns::Double(0),
                          "Charge iteration stops when no particle charge "
                          "(and no guard potential) changes by more than "
                          "this fraction of the largest one, "
                          "dimensionless.");
        prm.declare_entry("Maximum iterations",
                          "200",
                          Patterns::Integer(1),
                          "Most charge iterations before the run fails, "
                          "dimensionless.");
        prm.declare_entry(
          "Cap preconditioner",
          "point charges",
          Patterns::Selection("point charges|isolated spheres"),
          "How the field emission cap's Newton iteration guesses the "
          "coupling of the particles (the answer does not depend on it, "
          "only the number of PDE solves). point charges: every particle a "
          "point charge at its centre with its image in the anode plane, "
          "polarised by the others' field; the cap solved on this model "
          "gives the first guess, and its dense Jacobian, with the "
          "responses of the earlier steps, gives each Newton step (PDE "
          "products only where a step fails to halve the residual). "
          "isolated spheres: each particle alone (the "
          "diagonal -4 pi eps0 r^2), the first guess the lesser of the beam "
          "charge and the isolated sphere's charge at the field limit, "
          "every Newton step solved by GCR with PDE products.");
        prm.enter_subsection("Beam");
        {
          prm.declare_entry("Tube voltage",
                            "132e3",
                            Patterns::Double(),
                            "Tube voltage U in V (where a Net charge per "
                            "primary table is evaluated).");
          prm.declare_entry("Beam power",
                            "46.2e3",
                            Patterns::Double(),
                            "Beam power P in W.");
          prm.declare_entry("Spot width",
                            "450e-6",
                            Patterns::Double(),
                            "Spot width W_CS in m, along the flight "
                            "direction x.");
          prm.declare_entry("Spot length",
                            "4670e-6",
                            Patterns::Double(),
                            "Spot length L_CS in m.");
          prm.declare_entry("Particle speed",
                            "100",
                            Patterns::Double(),
                            "Particle speed v in m/s.");
          prm.declare_entry(
            "Net charge per primary",
            "0.3",
            Patterns::Anything(),
            "q_uP: net charge a particle keeps per incident primary "
            "electron, in units of -e (backscatter and secondary emission "
            "removed; from Monte Carlo, typically 0.1-0.5; negative values "
            "charge positively), dimensionless. One number, or a function "
            "of the tube voltage as a table of voltage:value pairs (V, "
            "strictly increasing), e.g. \"30e3:0.45, 80e3:0.35, "
            "132e3:0.3\", linear between the pairs; Tube voltage must lie "
            "inside the table's range. summary.json and the log report the "
            "value used (net_charge_per_primary).");
          prm.declare_entry(
            "Position in spot",
            "1",
            Patterns::Double(0, 1),
            "Where across the spot the charges are evaluated, as a fraction "
            "of the spot width from the entry (1 = the exit, the worst case). "
            "The patch is centred there; each particle's dwell length is "
            "this position plus its own x, clamped to [0, W_CS], "
            "dimensionless.");
        }
        prm.leave_subsection();
        prm.enter_subsection("Field emission");
        {
          prm.declare_entry("Field limit",
                            "1e9",
                            Patterns::Double(),
                            "E_lim in V/m: the largest emitting surface field "
                            "a particle may have (field emission cap).");
          prm.declare_entry("Work function",
                            "4.5",
                            Patterns::Double(),
                            "Work function in eV (4.5 for W).");
          prm.declare_entry("Field enhancement factor",
                            "1",
                            Patterns::Double(),
                            "beta >= 1: local field = beta x macroscopic "
                            "surface field (roughness), dimensionless.");
          prm.declare_entry("Particle temperature",
                            "300",
                            Patterns::Double(),
                            "Particle temperature T_p in K (thermally "
                            "assisted emission only).");
          prm.declare_entry("Thermally assisted",
                            "false",
                            Patterns::Bool(),
                            "Add the Murphy-Good thermal correction and "
                            "Richardson-Dushman-Schottky emission at T_p, "
                            "and thermionic emission against a retarding "
                            "surface field (barrier |E| r_p, escaping "
                            "fraction (1 + x) exp(-x)).");
        }
        prm.leave_subsection();
      }
      prm.leave_subsection();

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

      prm.enter_subsection("Mesh");
      {
        prm.declare_entry("Surface element size",
                          "0.5",
                          Patterns::Double(),
                          "Tetrahedron size on the particle surfaces, "
                          "relative to the radius, dimensionless.");
        prm.declare_entry("Far element size",
                          "20",
                          Patterns::Double(),
                          "Largest tetrahedron size far from the particles, "
                          "relative to the radius, dimensionless.");
        prm.declare_entry("Growth distance",
                          "60",
                          Patterns::Double(),
                          "Distance from the particle surfaces over which "
                          "the size grows to the far size, relative to the "
                          "radius, dimensionless.");
        prm.declare_entry("Elements across anode gap",
                          "6",
                          Patterns::Double(0),
                          "Tetrahedron size on the axis of the gap between "
                          "each particle and the anode (from its lowest "
                          "point down to the anode): at most the gap "
                          "divided by this, where that is below the surface "
                          "size; 0 = no limit. The surface field peaks at "
                          "the lowest point.");
        prm.declare_entry("Elements across particle gap",
                          "6",
                          Patterns::Double(0),
                          "Tetrahedron size on the line of centres of two "
                          "neighbouring particles, between their closest "
                          "points: at most their surface gap divided by "
                          "this, where that is below the surface size; 0 = "
                          "no limit. The surface field between particles "
                          "at different potentials peaks there.");
      }
      prm.leave_subsection();

      prm.enter_subsection("Solver");
      {
        prm.declare_entry("Linear algebra",
                          "PETSc",
                          Patterns::Selection("PETSc|Trilinos"),
                          "PETSc: CG + hypre BoomerAMG. Trilinos: CG + ML.");
        prm.declare_entry("Finite element degree",
                          "2",
                          Patterns::Integer(1, 2),
                          "Polynomial degree of the potential on the "
                          "simplices (deal.II 9.4 has no cubic tetrahedra "
                          "with consistent face orientation), "
                          "dimensionless. Formerly FE degree, which is still "
                          "read.");
        // Old names, deprecated: run_solver() says so once, on rank 0 and
        // in log.txt, so deal.II's own warning (every rank) stays off.
        prm.declare_alias("Finite element degree", "FE degree", false);
        prm.declare_entry("Mapping degree",
                          "2",
                          Patterns::Integer(1, 2),
                          "Polynomial degree of the geometry (2: curved "
                          "particle surfaces), dimensionless.");
        prm.declare_entry("Linear solver tolerance",
                          "1e-10",
                          Patterns::Double(0),
                          "CG stops when the residual falls below this "
                          "fraction of the right-hand side, "
                          "dimensionless. Formerly Relative tolerance, which "
                          "is still read.");
        prm.declare_alias("Linear solver tolerance",
                          "Relative tolerance",
                          false);
        prm.declare_entry("Maximum linear iterations",
                          "2000",
                          Patterns::Integer(1),
                          "Most CG iterations per solve, dimensionless. "
                          "Formerly Maximum iterations, which is still "
                          "read.");
        prm.declare_alias("Maximum linear iterations",
                          "Maximum iterations",
                          false);
      }
      prm.leave_subsection();

      prm.enter_subsection("Output");
      {
        prm.declare_entry("Profile points",
                          "401",
                          Patterns::Integer(2),
                          "Points of profile.csv along the anode normal, "
                          "dimensionless.");
        prm.declare_entry("Write fields",
                          "true",
                          Patterns::Bool(),
                          "Write the potential and field (solution.pvd and "
                          "its .pvtu/.vtu pieces). false: summary.json, "
                          "particles.csv, profile.csv (and plane_average.csv "
                          "of a periodic cell) and log.txt only (studies "
                          "and sweeps).");
      }
      prm.leave_subsection();
    }


    bool
    Parameters::uses_beam() const
    {
      return charging_model != ChargingModel::prescribed_charge &&
             charging_model != ChargingModel::prescribed_potential;
    }


    void
    Parameters::parse(ParameterHandler &prm)
    {
      output_directory = prm.get("Output directory");
      model =
        prm.get("Model") == "particles" ? Model::particles : Model::continuum;

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

      prm.enter_subsection("Charging");
      {
        const std::string name = prm.get("Model");
        charging_model =
          name == "prescribed charge"    ? ChargingModel::prescribed_charge :
          name == "prescribed potential" ? ChargingModel::prescribed_potential :
          name == "beam"                 ? ChargingModel::beam :
          name == "field emission cap"   ? ChargingModel::field_emission_cap :
                                           ChargingModel::current_balance;
        particle_charge = prm.get_double("Particle charge");
        if (!std::isfinite(particle_charge))
          throw InputError("Charging/Particle charge must be finite");
        const std::string potentials = prm.get("Particle potential");
        try
          {
            particle_potentials.clear();
            for (const std::string &value : split(potentials, ','))
              particle_potentials.push_back(finite_number(value));
          }
        catch (const InputError &error)
          {
            throw InputError("Charging/Particle potential = \"" + potentials +
                             "\": " + error.what());
          }
        charge_tolerance      = prm.get_double("Relative tolerance");
        max_charge_iterations = prm.get_integer("Maximum iterations");
        cap_point_charge_model =
          prm.get("Cap preconditioner") == "point charges";

        prm.enter_subsection("Beam");
        {
          const std::string s = "Charging/Beam";
          beam.tube_voltage   = positive(prm, "Tube voltage", s);
          beam.power          = positive(prm, "Beam power", s);
          beam.spot_width     = positive(prm, "Spot width", s);
          beam.spot_length    = positive(prm, "Spot length", s);
          beam.particle_speed = positive(prm, "Particle speed", s);
          beam.net_charge_table =
            TubeVoltageTable::parse(prm.get("Net charge per primary"),
                                    s + "/Net charge per primary");
          beam.net_charge_per_primary =
            beam.net_charge_table.value(beam.tube_voltage);
          beam.position_in_spot = prm.get_double("Position in spot");
        }
        prm.leave_subsection();

        prm.enter_subsection("Field emission");
        {
          const std::string s      = "Charging/Field emission";
          field_limit              = positive(prm, "Field limit", s);
          emitter.work_function_eV = prm.get_double("Work function");
          emitter.field_enhancement_factor =
            prm.get_double("Field enhancement factor");
          emitter.temperature_K      = prm.get_double("Particle temperature");
          emitter.thermally_assisted = prm.get_bool("Thermally assisted");
          emitter.check();
        }
        prm.leave_subsection();
      }
      prm.leave_subsection();

      prm.enter_subsection("Continuum");
      {
        slab_half_width = non_negative(prm, "Slab half width", "Continuum");
        if (slab_half_width == 0)
          slab_half_width = beam.spot_width / 2;
        continuum_cell_size = positive(prm, "Cell size", "Continuum");
      }
      prm.leave_subsection();

      prm.enter_subsection("Mesh");
      {
        mesh_sizes.surface_size = positive(prm, "Surface element size", "Mesh");
        mesh_sizes.far_size     = positive(prm, "Far element size", "Mesh");
        mesh_sizes.growth_distance = positive(prm, "Growth distance", "Mesh");
        mesh_sizes.elements_across_anode_gap =
          prm.get_double("Elements across anode gap");
        mesh_sizes.elements_across_particle_gap =
          non_negative(prm, "Elements across particle gap", "Mesh");
      }
      prm.leave_subsection();

      prm.enter_subsection("Solver");
      {
        linear_algebra        = prm.get("Linear algebra");
        fe_degree             = prm.get_integer("Finite element degree");
        mapping_degree        = prm.get_integer("Mapping degree");
        linear_tolerance      = prm.get_double("Linear solver tolerance");
        max_linear_iterations = prm.get_integer("Maximum linear iterations");
      }
      prm.leave_subsection();

      prm.enter_subsection("Output");
      profile_points = prm.get_integer("Profile points");
      write_fields   = prm.get_bool("Write fields");
      prm.leave_subsection();

      // Consistency between sections.
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
      if (model == Model::particles)
        check_mesh_fits_memory();
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

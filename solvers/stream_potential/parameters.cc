// Parameters::declare() and Parameters::parse(): the stream-potential
// input, one subsection after the other, and the entries of its top level.
// Each subsection's entries are declared beside the code that reads them
// (the declare_X()/parse_X() pairs in parameters_stream.cc,
// parameters_charging.cc and parameters_numerics.cc); doc/parameters.md is
// generated from the declarations by scripts/parameter_reference.py. Every
// entry is checked as it is read: a malformed or inconsistent value is an
// InputError that names the entry.
#include "stream_potential/parameters.h"

#include "common/errors.h"

#include <cmath>

namespace xray
{
  namespace stream_potential
  {
    void
    Parameters::declare(ParameterHandler &prm)
    {
      declare_top_level(prm);
      declare_particles(prm);
      declare_enclosure(prm);
      declare_charging(prm);
      declare_continuum(prm);
      declare_mesh(prm);
      declare_solver(prm);
      declare_output(prm);
    }


    void
    Parameters::parse(ParameterHandler &prm)
    {
      // The order matters: the continuum's slab takes its default width
      // from the beam's spot (Charging/Beam).
      parse_top_level(prm);
      parse_particles(prm);
      parse_enclosure(prm);
      parse_charging(prm);
      parse_continuum(prm);
      parse_mesh(prm);
      parse_solver(prm);
      parse_output(prm);
      check_sections();
      if (model == Model::particles)
        check_mesh_fits_memory();
    }


    void
    Parameters::declare_top_level(ParameterHandler &prm)
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
    }


    void
    Parameters::parse_top_level(ParameterHandler &prm)
    {
      output_directory = prm.get("Output directory");
      model =
        prm.get("Model") == "particles" ? Model::particles : Model::continuum;
    }


    bool
    Parameters::uses_beam() const
    {
      return charging_model != ChargingModel::prescribed_charge &&
             charging_model != ChargingModel::prescribed_potential;
    }


    double
    Parameters::positive(ParameterHandler  &prm,
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
    Parameters::non_negative(ParameterHandler  &prm,
                             const std::string &entry,
                             const std::string &section)
    {
      const double value = prm.get_double(entry);
      if (!(std::isfinite(value) && value >= 0))
        throw InputError(section + "/" + entry + " = " + prm.get(entry) +
                         " must not be negative");
      return value;
    }
  } // namespace stream_potential
} // namespace xray

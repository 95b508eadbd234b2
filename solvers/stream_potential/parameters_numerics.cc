// How the potential is computed and reported: the declare/parse pairs of
// the Mesh, Solver and Output subsections.
#include "stream_potential/parameters.h"

namespace xray
{
  namespace stream_potential
  {
    void
    Parameters::declare_mesh(ParameterHandler &prm)
    {
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
    }


    void
    Parameters::parse_mesh(ParameterHandler &prm)
    {
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
    }


    void
    Parameters::declare_solver(ParameterHandler &prm)
    {
      prm.enter_subsection("Solver");
      {
        prm.declare_entry(
          "Linear algebra",
          "PETSc",
          Patterns::Selection("PETSc|Trilinos"),
          "PETSc: CG with hypre BoomerAMG (see Preconditioner). "
          "Trilinos: CG with ML.");
        prm.declare_entry(
          "Preconditioner",
          "two-level",
          Patterns::Selection("two-level|AMG"),
          "two-level: each CG iteration sweeps the P2 unknowns by Gauss-Seidel "
          "once forward and once backward around one BoomerAMG V-cycle on the "
          "linear elements of the same mesh (PETSc and Finite element degree "
          "2; otherwise AMG is used). AMG: one V-cycle of the Linear algebra's "
          "AMG on all unknowns.");
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
    }


    void
    Parameters::parse_solver(ParameterHandler &prm)
    {
      prm.enter_subsection("Solver");
      {
        linear_algebra        = prm.get("Linear algebra");
        preconditioner        = prm.get("Preconditioner");
        fe_degree             = prm.get_integer("Finite element degree");
        mapping_degree        = prm.get_integer("Mapping degree");
        linear_tolerance      = prm.get_double("Linear solver tolerance");
        max_linear_iterations = prm.get_integer("Maximum linear iterations");
      }
      prm.leave_subsection();
    }


    void
    Parameters::declare_output(ParameterHandler &prm)
    {
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


    void
    Parameters::parse_output(ParameterHandler &prm)
    {
      prm.enter_subsection("Output");
      {
        profile_points = prm.get_integer("Profile points");
        write_fields   = prm.get_bool("Write fields");
      }
      prm.leave_subsection();
    }
  } // namespace stream_potential
} // namespace xray

// Meshes of an X-ray anode, heated face at z = 0 and the body below it.
//
//  * A layered cylinder of radius R: layers stacked from the heated face
//    down, each layer's cells carrying its index as material id. In 2D the
//    mesh is the (r, z) half-plane section of the axisymmetric body; in 3D
//    it is an O-grid disk extruded through the layers. The coarse mesh is
//    graded geometrically from the spot centre outwards and from the heated
//    face downwards, and every layer interface is a mesh plane.
//  * A half-ball of radius R (one material), for the Eq. (2) benchmark whose
//    finite-body correction is exact for that shape.
//
// In 2D the first coordinate is r and the second z.
#ifndef XRAY_MESHES_ANODE_MESH_H
#define XRAY_MESHES_ANODE_MESH_H

#include <deal.II/base/types.h>
#include <deal.II/grid/tria.h>

#include <vector>

namespace xray
{
  namespace meshes
  {
    using namespace dealii;

    /// Boundary ids of anode meshes.
    namespace boundary
    {
      constexpr types::boundary_id heated_face = 0;
      /// Bottom of the cylinder; curved surface of the half-ball.
      constexpr types::boundary_id back_face     = 1;
      constexpr types::boundary_id side_face     = 2;
      constexpr types::boundary_id symmetry_axis = 3; // r = 0 in 2D
      /// Mirror planes x = 0 and y = 0 of a 3D part mesh (insulated). (The
      /// anode-thermal solver gives id 4 to a moving anode's inflow faces.)
      constexpr types::boundary_id mirror_plane = 5;
    } // namespace boundary

    struct AnodeMeshSpecification
    {
      double              radius;            // m
      std::vector<double> layer_thicknesses; // m, from the heated face down
      /// Half-width of the central block of the mesh in m, a few spot HWHM.
      double central_half_width;
      /// Ratio of successive cell sizes away from the spot (1.1 to 2).
      double growth_factor = 1.4;
      /// 3D only: mirror planes through the axis that bound the mesh. 0: the
      /// full cylinder; 1: its half y >= 0; 2: its quarter x >= 0, y >= 0.
      /// The part is the full mesh's cells on that side (both planes are
      /// mesh planes of the full mesh), so it is the full mesh restricted.
      unsigned int mirror_planes = 0;
    };

    /// Coarse layered cylinder (dim = 2: axisymmetric section), or in 3D
    /// its half or quarter (AnodeMeshSpecification::mirror_planes).
    template <int dim>
    void
    make_layered_cylinder(Triangulation<dim>           &triangulation,
                          const AnodeMeshSpecification &specification);

    /// Coarse half-ball z <= 0 of the given radius (dim = 2: quarter disk).
    template <int dim>
    void
    make_half_ball(Triangulation<dim> &triangulation, double radius);

    /// Points from @p start to @p end (inclusive) whose steps grow by
    /// @p growth_factor: the number of steps is the one whose geometric
    /// series from @p first_step comes closest to the length, and all steps
    /// are then scaled by a common factor so the sequence ends exactly at
    /// @p end.
    std::vector<double>
    graded_points(double start,
                  double end,
                  double first_step,
                  double growth_factor);
  } // namespace meshes
} // namespace xray

#endif

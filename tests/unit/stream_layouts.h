// Shared particle layouts of the stream-mesh unit tests.
#ifndef XRAY_TESTS_UNIT_STREAM_LAYOUTS_H
#define XRAY_TESTS_UNIT_STREAM_LAYOUTS_H

#include "meshes/particle_stream.h"

namespace xray_test
{
  /// The scenario of doc/theory.md section 2: 5 um spheres, 7 x 11 per layer,
  /// 5 layers making a 20 um stream 2.5 um over the anode.
  inline xray::meshes::StreamLayout
  paper_layout()
  {
    xray::meshes::StreamLayout layout;
    layout.particle_radius   = 2.5e-6;
    layout.lattice_pitch     = 6e-6;
    layout.shape             = xray::meshes::PatchShape::rows;
    layout.n_rows            = 7;
    layout.particles_per_row = 11;
    layout.n_layers          = 5;
    layout.stream_thickness  = 20e-6;
    layout.anode_gap         = 2.5e-6;
    return layout;
  }

  /// One layer of paper_layout() in the given patch shape.
  inline xray::meshes::StreamLayout
  single_layer(const xray::meshes::PatchShape shape)
  {
    xray::meshes::StreamLayout layout = paper_layout();
    layout.shape                      = shape;
    layout.n_layers                   = 1;
    layout.stream_thickness           = 0;
    return layout;
  }
} // namespace xray_test

#endif

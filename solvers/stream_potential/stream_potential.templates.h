// Implementation of StreamPotential<dim, LA>; instantiated in
// stream_potential_2d.cc (continuum) and stream_potential_3d.cc (particles).
//
// The definitions are split by topic:
//   stream_potential_internal.h                   helpers without state
//   stream_potential_setup.templates.h            mesh, dofs, constraints
//   stream_potential_particles.templates.h        the 3D particle model
//   stream_potential_continuum.templates.h        the 2D continuum model
//   stream_potential_assembly.templates.h         matrix and right-hand sides
//   stream_potential_solve.templates.h            linear solves
//   stream_potential_surface_fields.templates.h   surface fields and charges
//   stream_potential_charging.templates.h         fixed-point charging
//   stream_potential_field_emission_cap.templates.h  the field-emission cap
//   stream_potential_current_balance.templates.h  the current balance
//   stream_potential_output.templates.h           results on disk
// and run(), the order of it all, is below. The other files are shared by
// both models: where the models differ they call a model hook (declared
// together in stream_potential.h), which passes the work to the model's
// file.
#ifndef XRAY_STREAM_POTENTIAL_TEMPLATES_H
#define XRAY_STREAM_POTENTIAL_TEMPLATES_H

#include "common/command_line.h"
#include "stream_potential/stream_potential.h"
#include "stream_potential/stream_potential_assembly.templates.h"
#include "stream_potential/stream_potential_charging.templates.h"
#include "stream_potential/stream_potential_continuum.templates.h"
#include "stream_potential/stream_potential_current_balance.templates.h"
#include "stream_potential/stream_potential_field_emission_cap.templates.h"
#include "stream_potential/stream_potential_internal.h"
#include "stream_potential/stream_potential_output.templates.h"
#include "stream_potential/stream_potential_particles.templates.h"
#include "stream_potential/stream_potential_setup.templates.h"
#include "stream_potential/stream_potential_solve.templates.h"
#include "stream_potential/stream_potential_surface_fields.templates.h"

namespace xray
{
  namespace stream_potential
  {
    template <int dim, typename LA>
    int
    StreamPotential<dim, LA>::run()
    {
      wall_clock.restart();
      if (parameters.uses_beam())
        output.log() << parameters.beam.describe() << std::endl;
      make_grid();
      setup_system();
      assemble_matrix();

      solve_charges();

      double max_abs_potential = 0;
      write_profile_csv(max_abs_potential);
      write_model_tables();
      output_results();
      timer.print_wall_time_statistics(communicator);
      // (Through the log's buffer now: in a sweep the next point's header
      // would otherwise come before this table.)
      output.log() << std::flush;
      report_results(write_summary(max_abs_potential));
      return exit_status::success;
    }
  } // namespace stream_potential
} // namespace xray

#endif

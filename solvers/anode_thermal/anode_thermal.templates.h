// Implementation of AnodeThermal; instantiated in anode_thermal_2d.cc
// (axisymmetric) and anode_thermal_3d.cc. The definitions are split by
// topic:
//   coefficients.templates.h  weights of the integrals, heat-source shape,
//                             conductivities, enthalpies
//   setup.templates.h         finite elements, mesh, degrees of freedom,
//                             constraints, resistive interfaces
//   refinement.templates.h    adaptive refinement, memory check
//   assembly.templates.h      Newton residual and Jacobian: cell terms,
//                             conduction with k(T), convective cooling
//     assembly_heat_input.templates.h        heat source, resolution check
//     assembly_interfaces.templates.h        resistive interfaces
//     assembly_time_and_motion.templates.h   stored heat, moving anode
//   solve.templates.h         Newton, linear solvers, preconditioner
//   postprocess.templates.h   layer maxima, heat removed, field output,
//                             summary.json
//   run.templates.h           run(), maximum-power search, sweep reuse
//   transient.templates.h     Task = transient: the TR-BDF2 step
//     transient_step_control.templates.h     step size, landing on events
//     transient_history.templates.h          history.csv, energy balance
//     transient_time_loop.templates.h        the time loop, output, restart
//   checkpoint.templates.h    checkpoint and restart of a transient run
#ifndef XRAY_ANODE_THERMAL_TEMPLATES_H
#define XRAY_ANODE_THERMAL_TEMPLATES_H

#include "anode_thermal/assembly.templates.h"
#include "anode_thermal/checkpoint.templates.h"
#include "anode_thermal/coefficients.templates.h"
#include "anode_thermal/error_estimate.templates.h"
#include "anode_thermal/postprocess.templates.h"
#include "anode_thermal/refinement.templates.h"
#include "anode_thermal/run.templates.h"
#include "anode_thermal/setup.templates.h"
#include "anode_thermal/solve.templates.h"
#include "anode_thermal/solve_matrix_free.templates.h"
#include "anode_thermal/transient.templates.h"

#endif

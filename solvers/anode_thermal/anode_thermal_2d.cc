// Axisymmetric (r, z) instantiations of the anode thermal solver.
#include "anode_thermal/anode_thermal.templates.h"
#include "common/linear_algebra.h"

template class xray::anode_thermal::AnodeThermal<2, xray::TrilinosAlgebra>;
template class xray::anode_thermal::AnodeThermal<2, xray::PETScAlgebra>;

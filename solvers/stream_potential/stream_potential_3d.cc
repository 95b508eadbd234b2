// StreamPotential<3, LA> for both linear-algebra stacks (particles model).
#include "common/linear_algebra.h"
#include "stream_potential/stream_potential.templates.h"

namespace xray
{
  namespace stream_potential
  {
    template class StreamPotential<3, PETScAlgebra>;
    template class StreamPotential<3, TrilinosAlgebra>;
  } // namespace stream_potential
} // namespace xray

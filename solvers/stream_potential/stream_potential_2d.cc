// StreamPotential<2, LA> for both linear-algebra stacks (continuum model).
#include "common/linear_algebra.h"
#include "stream_potential/stream_potential.templates.h"

namespace xray
{
  namespace stream_potential
  {
    template class StreamPotential<2, PETScAlgebra>;
    template class StreamPotential<2, TrilinosAlgebra>;
  } // namespace stream_potential
} // namespace xray

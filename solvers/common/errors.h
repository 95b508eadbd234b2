// The errors every solver reports, and the exit statuses they map to
// (doc/install.md, "When something goes wrong"). run_solver() catches them,
// prints one line and exits with the status.
#ifndef XRAY_COMMON_ERRORS_H
#define XRAY_COMMON_ERRORS_H

#include <stdexcept>

namespace xray
{
  /// Bad input from the user: the message is one line and names what is
  /// wrong. The runner prints it and exits with status 2.
  class InputError : public std::runtime_error
  {
  public:
    using std::runtime_error::runtime_error;
  };

  /// The computation ran but did not give a trustworthy answer (a solver
  /// that did not converge): exit status 3.
  class SolverError : public std::runtime_error
  {
  public:
    using std::runtime_error::runtime_error;
  };

  /// Exit statuses every solver shares.
  namespace exit_status
  {
    constexpr int success        = 0;
    constexpr int internal_error = 1;
    constexpr int input_error    = 2;
    constexpr int solver_failure = 3;
    constexpr int limit_exceeded = 4;
  } // namespace exit_status
} // namespace xray

#endif

// What was built: the suite's version and git revision and the versions of
// the libraries it was built against. `SOLVER --version` prints it, every
// log.txt starts with it and summary.json holds it (key "build"), so a
// result can always be traced to the code that computed it.
#ifndef XRAY_COMMON_BUILD_INFO_H
#define XRAY_COMMON_BUILD_INFO_H

#include <nlohmann/json.hpp>

#include <string>

namespace xray
{
  /// One line: "0.1.0 (git 1e3c684a2b), deal.II 9.4.1, PETSc 3.18.5, ...".
  std::string
  build_description();

  /// The same as JSON: version, git_revision, deal_ii, petsc, trilinos, mpi.
  nlohmann::json
  build_json();
} // namespace xray

#endif

#include "common/build_info.h"

#include "git_revision.h" // generated: XRAY_GIT_REVISION

#include <deal.II/base/config.h>

#include <Trilinos_version.h>
#include <mpi.h>
#include <petscversion.h>

namespace xray
{
  namespace
  {
    std::string
    mpi_version()
    {
#ifdef OMPI_MAJOR_VERSION
      return "Open MPI " + std::to_string(OMPI_MAJOR_VERSION) + "." +
             std::to_string(OMPI_MINOR_VERSION) + "." +
             std::to_string(OMPI_RELEASE_VERSION);
#else
      return "MPI " + std::to_string(MPI_VERSION) + "." +
             std::to_string(MPI_SUBVERSION);
#endif
    }
  } // namespace


  nlohmann::json
  build_json()
  {
    return {{"version", XRAY_VERSION},
            {"git_revision", XRAY_GIT_REVISION},
            {"deal_ii", DEAL_II_PACKAGE_VERSION},
            {"petsc",
             std::to_string(PETSC_VERSION_MAJOR) + "." +
               std::to_string(PETSC_VERSION_MINOR) + "." +
               std::to_string(PETSC_VERSION_SUBMINOR)},
            {"trilinos", TRILINOS_VERSION_STRING},
            {"mpi", mpi_version()}};
  }


  std::string
  build_description()
  {
    const nlohmann::json b = build_json();
    return b["version"].get<std::string>() + " (git " +
           b["git_revision"].get<std::string>() + "), deal.II " +
           b["deal_ii"].get<std::string>() + ", PETSc " +
           b["petsc"].get<std::string>() + ", Trilinos " +
           b["trilinos"].get<std::string>() + ", " +
           b["mpi"].get<std::string>();
  }
} // namespace xray

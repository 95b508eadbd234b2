# Run at build time (cmake -P): write the source tree's git revision into
# OUTPUT as a C++ header, touching it only when the revision changed, so a
# commit rebuilds one small file and an unchanged tree rebuilds nothing.
#   cmake -DSOURCE_DIR=... -DOUTPUT=... -P write_git_revision.cmake
set(revision "unknown")
find_package(Git QUIET)
if(GIT_FOUND AND EXISTS "${SOURCE_DIR}/.git")
  execute_process(COMMAND "${GIT_EXECUTABLE}" describe --always --dirty --abbrev=10
                  WORKING_DIRECTORY "${SOURCE_DIR}"
                  OUTPUT_VARIABLE described OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE failed ERROR_QUIET)
  if(NOT failed AND described)
    set(revision "${described}")
  endif()
endif()
set(text "// Generated at build time by cmake/write_git_revision.cmake.\n#define XRAY_GIT_REVISION \"${revision}\"\n")
if(EXISTS "${OUTPUT}")
  file(READ "${OUTPUT}" old)
endif()
if(NOT "${old}" STREQUAL "${text}")
  file(WRITE "${OUTPUT}" "${text}")
endif()

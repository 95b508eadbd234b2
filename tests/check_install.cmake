# Installs BUILD_DIR into PREFIX (emptied first) and checks the layout of
# doc/install.md: every executable runs --version, and the scripts, example
# parameter files and docs are in place. Run by ctest (build.install).
file(REMOVE_RECURSE ${PREFIX})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${PREFIX}
  RESULT_VARIABLE status OUTPUT_QUIET)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "cmake --install failed (${status})")
endif()
foreach(program anode-thermal stream-potential stream-thermal vtu-probe)
  if(NOT EXISTS ${PREFIX}/bin/${program})
    message(FATAL_ERROR "bin/${program} not installed")
  endif()
endforeach()
foreach(program anode-thermal stream-potential stream-thermal)
  execute_process(COMMAND ${PREFIX}/bin/${program} --version
    RESULT_VARIABLE status OUTPUT_VARIABLE version ERROR_VARIABLE error)
  if(NOT status EQUAL 0 OR NOT version MATCHES "^${program} [0-9]+\\.[0-9]+")
    message(FATAL_ERROR "installed ${program} --version: exit ${status}: ${version}${error}")
  endif()
endforeach()
foreach(file share/xray-target-fem/postprocess/paraview/render.py
             share/xray-target-fem/postprocess/plots/sweep_plot.py
             share/xray-target-fem/params/cu-on-diamond.prm
             share/doc/xray-target-fem/README.md
             share/doc/xray-target-fem/doc/parameters.md)
  if(NOT EXISTS ${PREFIX}/${file})
    message(FATAL_ERROR "${file} not installed")
  endif()
endforeach()
file(REMOVE_RECURSE ${PREFIX})

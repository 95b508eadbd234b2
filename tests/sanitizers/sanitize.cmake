# The sanitizer subset (doc/install.md, "Sanitizers"): integration cases
# that take a few seconds each in Release and between them run every
# solver and every model once -- anode-thermal axisymmetric (constant k,
# k(T), depth dose, transient, a sweep), anode-thermal in 3D, stream-
# potential in 2D (continuum) and 3D (one particle, gmsh), stream-thermal
# (one particle, maximum power, limit curves), vtu-probe on a result, the
# bad-input and solver-failure paths, and under MPI on 2 ranks. Labelled
# "sanitize"; in a -DXRAY_SANITIZE=ON build run them with the unit tests:
#
#   ctest -L 'unit|sanitize' --output-on-failure
#
# Included at the end of a test directory's CMakeLists.txt: it labels the
# listed tests defined there and, in a sanitized build, gives every test
# there the sanitizers' run-time options.
set(XRAY_SANITIZE_CASES
  # anode-thermal: bad input, solver failure, checks without computing
  input-unknown-entry
  input-malformed-value-set
  input-negative-thickness
  input-include-cycle
  input-not-utf8
  input-error-mpi
  check-writes-nothing
  stale-outputs-input-error
  stale-outputs-solver-failure
  solver-newton-failure
  # anode-thermal: steady, k(T), depth dose, limits, sweeps, MPI
  halfball-exact-axisymmetric
  halfball-kirchhoff-kT
  melting-both-layers
  depth-dose-source
  halfball-exact-3d
  mpi-consistency-axisymmetric
  sweep-grid
  # anode-thermal in time
  transient-halfspace-exact
  transient-power-table
  transient-limit-exceeded
  # stream-potential
  stream-input-overlapping-spheres
  stream-input-malformed-value-set
  stream-input-error-mpi
  stream-continuum-slab-exact
  stream-charge-potential-duality
  stream-probe-reads-result
  # stream-thermal
  stream-thermal-input-negative-speed
  stream-thermal-input-split-table
  stream-thermal-energy-balance-without-beam
  stream-thermal-limit-exceeded
  stream-thermal-maximum-power-mpi
  stream-thermal-limit-curves-mpi)

get_property(_xray_tests DIRECTORY PROPERTY TESTS)
foreach(_test IN LISTS _xray_tests)
  string(REGEX REPLACE "^integration\\." "" _case "${_test}")
  if(_case IN_LIST XRAY_SANITIZE_CASES)
    set_property(TEST ${_test} APPEND PROPERTY LABELS sanitize)
  endif()
  # fast_unwind_on_malloc=0: Debian's libraries have no frame pointers; the
  # slower unwinder follows an allocation's stack through them, so that
  # lsan.supp can name the library function that made it (about twice as
  # slow as the fast unwinder on a solver run). Leaks are checked under
  # mpirun too: lsan.supp covers Open MPI's own.
  # A sanitized run is 3 to 50 times slower than a Release run (the mesh
  # unit tests, with their many small allocations, the most): five times
  # the time limit.
  if(XRAY_SANITIZE)
    set_property(TEST ${_test} APPEND PROPERTY ENVIRONMENT
      "ASAN_OPTIONS=detect_leaks=1:fast_unwind_on_malloc=0"
      "LSAN_OPTIONS=suppressions=${CMAKE_SOURCE_DIR}/tests/sanitizers/lsan.supp:print_suppressions=0"
      "UBSAN_OPTIONS=print_stacktrace=1")
    get_property(_timeout TEST ${_test} PROPERTY TIMEOUT)
    if(_timeout)
      math(EXPR _timeout "5 * ${_timeout}")
      set_property(TEST ${_test} PROPERTY TIMEOUT ${_timeout})
    endif()
  endif()
endforeach()

#!/usr/bin/env bash
# Install what is missing, build, and run every test and regression
# benchmark (unit tests, integration runs, Eq. (2) benchmarks) with ctest.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
install_dependencies
build
cd "$BUILD_DIR"
ctest --output-on-failure --timeout 1200 -j "$(nproc)" "$@"

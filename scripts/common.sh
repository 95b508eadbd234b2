# Shared by the set-up scripts: install what is missing, configure, build.
# Idempotent; needs root (or sudo) only when a package is missing.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$REPO_ROOT/build}"

# Debian 12 packages: compiler and build tools, deal.II 9.4 (with PETSc,
# Trilinos, p4est), Boost, nlohmann JSON, GoogleTest, Open MPI, Python 3 for
# the benchmark and test scripts; ParaView (pvbatch, and its VTK headers for
# vtu-probe) with xvfb for the pictures, matplotlib for the plots.
PACKAGES=(
  g++ make cmake pkg-config
  libdeal.ii-dev libgmsh-dev
  libboost-program-options-dev libboost-iostreams-dev
  nlohmann-json3-dev libgtest-dev
  openmpi-bin python3 clang-format
  paraview paraview-dev python3-paraview xvfb xauth python3-matplotlib
)

install_dependencies() {
  local missing=()
  for package in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$package")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    return 0
  fi
  echo "Installing missing packages: ${missing[*]}"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q
  $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
}

build() {
  cmake -S "$REPO_ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release
  cmake --build "$BUILD_DIR" -j "$(nproc)"
}

# Open MPI refuses to run as root unless told; CI and containers run as root.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1

#!/usr/bin/env bash
# Install what is missing, build, and run the main job: a Cu-on-CVD-diamond
# microfocus anode on 2 MPI ranks; then render its standard pictures with
# ParaView. Results: output/cu-on-diamond/ (solution.pvd, summary.json,
# pictures/*.png, pictures/views.pvsm).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
install_dependencies
build
cd "$REPO_ROOT"
mpirun -np 2 "$BUILD_DIR/bin/anode-thermal" params/cu-on-diamond.prm
xvfb-run -a -s -noreset pvbatch postprocess/paraview/render.py output/cu-on-diamond
echo
echo "Results: $REPO_ROOT/output/cu-on-diamond/"
echo "  summary.json         peak temperature, layer maxima, powers"
echo "  solution.pvd         open in ParaView (field temperature_K)"
echo "  pictures/*.png       heated face and section through the spot"
echo "  pictures/views.pvsm  the same views: paraview --state=output/cu-on-diamond/pictures/views.pvsm"

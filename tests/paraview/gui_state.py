#!/usr/bin/env python3
"""The saved views in the real ParaView GUI: run the small 3D anode case,
render it with postprocess/paraview/render.py (pvbatch) at the pictures'
default size, load its views.pvsm in the GUI `paraview` under Xvfb (in
the GUI's Python, through the same layout tabs and first draws as
`paraview --state=...`), let the GUI render every layout tab and save it
(gui_screenshots.py), and check that the GUI exits normally and that every
screenshot is a picture: the requested size, not blank.

The state is loaded twice: as written, and with every view's LOD
threshold at 0. A view saved at 1200x900 does not fit the GUI's window,
so the GUI resizes it while the state loads and draws it first as during
an interaction: at reduced detail (level of detail, LOD) when its geometry
exceeds the threshold, 20 MB by default. The heated face of the main job
(params/cu-on-diamond.prm, 37 MB) does, this small case's (4 MB) does not;
the second load draws this case as the GUI draws the main job. A display
that fails in that first draw (ParaView 5.11's Ruler) crashes the GUI.

    gui_state.py --anode-thermal BIN --pvbatch pvbatch --paraview paraview \\
        --xvfb-run xvfb-run --mpiexec mpirun

Exit status 0 passed, 1 failed, 77 skipped (no `paraview` executable).
Standard library only. Measured numbers are printed on MEASURED lines.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from paraview_cases import MIN_COLOURS, RENDER, SIZE, png_pixels, pvbatch  # noqa: E402
from run_case import (SKIP_STATUS, CheckFailed, Driver, check,  # noqa: E402
                      expect_success, measured)

GUI_SCRIPT = os.path.join(HERE, "gui_screenshots.py")
PICTURES = ["temperature-heated-face.png", "temperature-section.png"]
# render.py's default picture size, as the main job renders (and saves) it.
STATE_SIZE = "1200x900"


def with_lod_threshold_zero(state, copy):
    """Write `state` to `copy` with every view's LODThreshold set to 0 MB."""
    tree = ElementTree.parse(state)
    changed = 0
    for prop in tree.iter("Property"):
        if prop.get("name") == "LODThreshold":
            for element in prop.iter("Element"):
                element.set("value", "0")
                changed += 1
    check(changed > 0, f"{state} has no LODThreshold property")
    tree.write(copy)


def load_in_gui(args, state, prefix):
    """Load `state` in the GUI and save every layout to PREFIX-<n>.png;
    return the screenshots' record (gui_screenshots.py)."""
    environment = dict(os.environ, XRAY_GUI_STATE=state, XRAY_GUI_SCREENSHOTS=prefix,
                       XRAY_GUI_SIZE=f"{SIZE[0]}x{SIZE[1]}",
                       # The GUI's own settings stay in the scratch directory.
                       XDG_CONFIG_HOME=os.path.dirname(prefix))
    # A 24-bit screen of a small desktop; -noreset as in paraview_cases.py.
    # --script rather than --state: the GUI runs a Python test script given
    # with --state only as a recorded-events test; LoadState in the GUI goes
    # through the same layout tabs and first draws (both crash alike on a
    # state with a Ruler).
    command = [args.xvfb_run, "-a", "-s", "-screen 0 1280x1024x24 -noreset",
               args.paraview, "--dr", "--script=" + GUI_SCRIPT]
    print("RUN", f"XRAY_GUI_STATE={state}", " ".join(command), flush=True)
    start = time.monotonic()
    process = subprocess.run(command, capture_output=True, text=True, timeout=180,
                             env=environment)
    measured(f"GUI load of {os.path.basename(state)}: exit status, seconds",
             f"{process.returncode}, {time.monotonic() - start:.1f}")
    # xvfb-run passes on the GUI's status: 139 (128 + SIGSEGV) for a crash.
    check(process.returncode == 0,
          f"the GUI loading {state} exited with {process.returncode}"
          + (" (segmentation fault)" if process.returncode in (139, -11) else "")
          + ":\n" + "\n".join(process.stderr.splitlines()[-25:]))
    record = prefix + ".json"
    check(os.path.isfile(record), f"the GUI ran but {GUI_SCRIPT} wrote no {record}:\n"
          + process.stdout + process.stderr)
    with open(record) as file:
        return json.load(file)


def check_gui(args, pictures):
    state = os.path.join(pictures, "views.pvsm")
    lod_state = os.path.join(pictures, "views-lod-threshold-0.pvsm")
    with_lod_threshold_zero(state, lod_state)
    for name, path in (("as written", state), ("LOD threshold 0", lod_state)):
        prefix = os.path.join(tempfile.mkdtemp(prefix="gui-", dir=pictures), "layout")
        shots = load_in_gui(args, path, prefix)
        check(shots["layouts"] == len(PICTURES),
              f"{name}: the GUI has {shots['layouts']} layouts, render.py made "
              f"{len(PICTURES)} pictures")
        for shot in shots["screenshots"]:
            width, height, colours = png_pixels(shot["file"])
            measured(f"{name}, layout '{shot['layout']}': size, distinct colours",
                     f"{width}x{height}, {len(colours)}")
            check((width, height) == SIZE,
                  f"{name}: the GUI's '{shot['layout']}' is {width}x{height}, asked {SIZE}")
            check(len(colours) >= MIN_COLOURS,
                  f"{name}: the GUI's '{shot['layout']}' looks blank: {len(colours)} colours")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for option in ("--anode-thermal", "--pvbatch", "--paraview", "--xvfb-run", "--mpiexec"):
        parser.add_argument(option)
    args = parser.parse_args()
    if not args.paraview or not os.path.exists(args.paraview):
        print(f"SKIPPED gui-state: {args.paraview or 'paraview'} not found: the ParaView "
              "GUI executable comes with the Debian package paraview")
        return SKIP_STATUS
    for tool, package in ((args.pvbatch, "paraview"), (args.xvfb_run, "xvfb")):
        if not tool or not os.path.exists(tool):
            print(f"FAILED gui-state: {tool or 'the tool'} not found: install the Debian "
                  f"package {package} (bash scripts/run-tests.sh installs it)")
            return 1
    start = time.monotonic()
    driver = Driver(os.path.abspath(args.anode_thermal), args.mpiexec)
    failed = True
    try:
        # The case of paraview.anode-3d: 5 um Cu on diamond, 3D, 2 ranks.
        run = driver.run("cu-on-diamond.prm",
                         ["Model=3d", "Mesh/Adaptive refinement cycles=0"], np=2)
        expect_success(run)
        pvbatch(args, RENDER, run.output_directory, "--size", STATE_SIZE)
        check_gui(args, os.path.join(run.output_directory, "pictures"))
        failed = False
    except CheckFailed as failure:
        print(f"FAILED gui-state: {failure}", flush=True)
        return 1
    finally:
        driver.cleanup(failed)
    measured("gui-state: seconds in all", f"{time.monotonic() - start:.1f}")
    print("PASSED gui-state")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Pictures in a real ParaView: run a small case of a solver, render it with
postprocess/paraview/render.py under pvbatch (xvfb-run), and check that
every picture is a PNG of the requested size that is not blank, that the
state file names the result, and that the data ranges ParaView read equal
the extremes in summary.json.

    paraview_cases.py --anode-thermal BIN --stream-potential BIN \\
        --pvbatch pvbatch --xvfb-run xvfb-run --mpiexec mpirun CASE

Standard library only. Measured numbers are printed on MEASURED lines.
"""
import argparse
import json
import os
import struct
import subprocess
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from run_case import (FLOAT32_ROUNDING, CheckFailed, Driver, check,  # noqa: E402
                      check_close, expect_success, measured)

RENDER = os.path.join(ROOT, "postprocess", "paraview", "render.py")
LOAD_STATE = os.path.join(HERE, "load_state.py")
SIZE = (640, 480)
# A picture with a colour map, a colour bar and text has thousands of
# colours; a blank or single-colour one has a handful.
MIN_COLOURS = 200


def png_pixels(path):
    """Width, height and the set of RGB(A) pixel values of an 8-bit PNG."""
    with open(path, "rb") as file:
        data = file.read()
    check(data[:8] == b"\x89PNG\r\n\x1a\n", f"{path}: not a PNG file")
    position, idat, header = 8, b"", None
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        position += 12 + length
    check(header is not None, f"{path}: no IHDR chunk")
    width, height, depth, colour_type = header[:4]
    check(depth == 8 and colour_type in (2, 6), f"{path}: not 8-bit RGB(A)")
    channels = 3 if colour_type == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * channels
    previous, colours = bytearray(stride), set()
    for row in range(height):
        start = row * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):  # undo the PNG row filter
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                predictor = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + predictor) & 255
        colours.update(bytes(line[i:i + channels]) for i in range(0, stride, channels))
        previous = line
    return width, height, colours


def pvbatch(args, script, *arguments):
    """stdout of `xvfb-run -a -s -noreset pvbatch SCRIPT ARGUMENTS...`.
    -noreset: the X server must not reset when pvbatch's MPI start-up
    (hwloc probing the displays) disconnects, or pvbatch's own window may
    come during the reset and abort ("bad X server connection")."""
    command = [args.xvfb_run, "-a", "-s", "-noreset", args.pvbatch, script, *arguments]
    print("RUN", " ".join(command), flush=True)
    process = subprocess.run(command, capture_output=True, text=True, timeout=300)
    check(process.returncode == 0, f"{os.path.basename(script)} exited with "
          f"{process.returncode}:\n{process.stdout}\n{process.stderr}")
    return process.stdout


def render(args, output_directory):
    pvbatch(args, RENDER, output_directory, "--size", f"{SIZE[0]}x{SIZE[1]}")
    return os.path.join(output_directory, "pictures")


def check_pictures(args, pictures, names, result):
    for name in names:
        path = os.path.join(pictures, name)
        check(os.path.isfile(path), f"no {name} in {pictures}")
        width, height, colours = png_pixels(path)
        measured(f"{name}: size, distinct colours", f"{width}x{height}, {len(colours)}")
        check((width, height) == SIZE, f"{name} is {width}x{height}, asked {SIZE}")
        check(len(colours) >= MIN_COLOURS, f"{name} looks blank: {len(colours)} colours")
    with open(os.path.join(pictures, "views.pvsm")) as file:
        state = file.read()
    check(state.lstrip().startswith("<") and os.path.abspath(result) in state,
          "views.pvsm is not a ParaView state naming " + os.path.abspath(result))
    with open(os.path.join(pictures, "data_ranges.json")) as file:
        ranges = json.load(file)
    # The state loads as in the GUI: one layout per picture, the same data.
    loaded = json.loads(pvbatch(args, LOAD_STATE, os.path.join(pictures, "views.pvsm"))
                        .strip().splitlines()[-1])
    measured("views.pvsm loaded: layouts, ranges", f"{loaded['layouts']}, {loaded['ranges']}")
    check(loaded["layouts"] == len(names), f"views.pvsm has {loaded['layouts']} layouts, "
                                           f"{len(names)} pictures")
    check(loaded["ranges"] and all(loaded["ranges"][f] == ranges[f] for f in loaded["ranges"]),
          f"views.pvsm reads {loaded['ranges']}, render.py read {ranges}")
    return ranges


def run_and_render(args, solver, prm, sets, np, checks, prefix=None):
    """Run inputs/PRM with SOLVER, render the result, and call
    checks(args, summary, pictures directory, solution.pvd); the output is kept
    when a check fails."""
    driver = Driver(os.path.abspath(solver), args.mpiexec)
    if prefix:
        driver.temporary_prefix = prefix
    failed = True
    try:
        run = driver.run(os.path.join(ROOT, "tests", "integration", "inputs", prm),
                         sets, np=np)
        summary = expect_success(run)
        checks(args, summary, render(args, run.output_directory), run.path("solution.pvd"))
        failed = False
    finally:
        driver.cleanup(failed)


def anode_checks(label):
    def checks(args, s, pictures, result):
        ranges = check_pictures(args, pictures, ["temperature-heated-face.png",
                                           "temperature-section.png"], result)
        # The peak, the field's maximum, lies at a node in these cases (a
        # surface spot at rest peaks on the axis) and the file holds every
        # node; the back face is held at the coolant temperature. Equal up
        # to the file's single precision.
        low, high = ranges["temperature_K"]
        check_close(f"{label}: ParaView's largest temperature_K vs peak_temperature_K",
                    high, s["peak_temperature_K"], FLOAT32_ROUNDING)
        check_close(f"{label}: ParaView's smallest temperature_K vs coolant temperature",
                    low, s["coolant_temperature_K"], FLOAT32_ROUNDING)
    return checks


def stream_checks(args, s, pictures, result):
    ranges = check_pictures(args, pictures, ["potential-section.png", "field-section.png",
                                       "potential-particle-plane.png"], result)
    # Nodal extremes: the negatively charged particles are the lowest
    # potential; max_abs_potential_V is the largest nodal |phi|.
    low, high = ranges["potential_V"]
    check_close("ParaView's smallest potential_V vs min_particle_potential_V",
                low, s["min_particle_potential_V"], FLOAT32_ROUNDING)
    check_close("ParaView's largest |potential_V| vs max_abs_potential_V",
                max(abs(low), abs(high)), s["max_abs_potential_V"], FLOAT32_ROUNDING)


CASES = {
    "anode-3d": lambda a: run_and_render(
        a, a.anode_thermal, "cu-on-diamond.prm",
        ["Model=3d", "Mesh/Adaptive refinement cycles=0"], 2, anode_checks("3d")),
    "anode-axisymmetric": lambda a: run_and_render(
        a, a.anode_thermal, "cu-on-diamond.prm", [], 1, anode_checks("axisymmetric")),
    "stream-particles": lambda a: run_and_render(
        a, a.stream_potential, "stream-patch.prm", [], 1, stream_checks,
        prefix="stream-potential-test-"),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", choices=sorted(CASES))
    for option in ("--anode-thermal", "--stream-potential", "--pvbatch",
                   "--xvfb-run", "--mpiexec"):
        parser.add_argument(option)
    args = parser.parse_args()
    for tool, package in ((args.pvbatch, "paraview"), (args.xvfb_run, "xvfb")):
        if not tool or not os.path.exists(tool):
            print(f"FAILED {args.case}: {tool or 'the tool'} not found: install the Debian "
                  f"package {package} (bash scripts/run-tests.sh installs it)")
            return 1
    try:
        CASES[args.case](args)
    except CheckFailed as failure:
        print(f"FAILED {args.case}: {failure}", flush=True)
        return 1
    print(f"PASSED {args.case}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

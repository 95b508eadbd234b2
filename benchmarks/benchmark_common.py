"""What the benchmark scripts share: their command line and running a solver
on a .prm with --set overrides into a scratch directory (standard library
only)."""
import argparse
import json
import os
import subprocess
import sys
import tempfile


def arguments(description, quick_help="default settings only (ctest)"):
    """The benchmark command line: SOLVER [--mpiexec M] [--np N] [--quick] [--json F]."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("solver")
    parser.add_argument("--mpiexec", default="mpirun")
    parser.add_argument("--np", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help=quick_help)
    parser.add_argument("--json", help="write every measured row to this file")
    return parser.parse_args()


def solver_command(args, prm, output_directory, overrides):
    """SOLVER PRM --set 'Output directory=...' --set OVERRIDE..., under MPI for np > 1."""
    command = [args.solver, prm, "--set", f"Output directory={output_directory}"]
    for override in overrides:
        command += ["--set", override]
    if args.np > 1:
        command = [args.mpiexec, "-np", str(args.np)] + command
    return command


def run_summary(args, prm, overrides):
    """summary.json of one run; a failed run ends the benchmark with its error."""
    with tempfile.TemporaryDirectory() as out:
        result = subprocess.run(solver_command(args, prm, out, overrides),
                                capture_output=True, text=True)
        if result.returncode != 0:
            sys.exit(f"solver failed ({result.returncode}): {result.stderr.strip()}")
        with open(os.path.join(out, "summary.json")) as file:
            return json.load(file)


def write_json(args, records):
    if args.json:
        with open(args.json, "w") as file:
            json.dump(records, file, indent=1)


def finish(args, records, failures, tolerance, passed):
    """Write the rows (--json), print the failures or PASSED, and return the
    exit status: 1 if any error exceeded the relative TOLERANCE."""
    write_json(args, records)
    if failures:
        print(f"\nFAILED (tolerance {tolerance * 100:g} %): " + "; ".join(failures))
        return 1
    print("\n" + passed)
    return 0

#!/usr/bin/env python3
"""Speed of stream-potential's field-emission cap on the 385-particle stream
(prints figures, asserts nothing; heavy, so not a ctest).

params/hybrid-stream-field-limit-385.prm: 5 layers of 7 rows of 11 tungsten
spheres at the hybrid-target study's density, every peak emitting field
capped at 1 MV/mm, 1.13 M P2 unknowns (758k tetrahedra). Target: under
90 s on 2 MPI ranks, whole process (start-up, gmsh and output included).

Printed: the median wall time of REPEATS runs (default 1) and its ratio to
the target; rank 0's time per phase from summary.json (mesh: gmsh and the
distributed triangulation; setup; assembly; preconditioner setup; solve: every CG
solve; particle fields; output); Newton steps of the cap, GMRES iterations
per step, PDE solves and their CG iterations; the largest cap residual per
particle (summary.json's cap_relative_residual) against the tolerance.
With --reference DIR (an earlier run's output directory), the largest
relative change of any particle's charge against that run's particles.csv,
so that a faster run is seen to give the same answer.

Usage: stream_cap_speed_benchmark.py SOLVER [--mpiexec MPIEXEC]
       [--repeats N] [--params PRM] [--reference DIR] [--keep DIR]
"""
import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PARAMS = os.path.join(HERE, "..", "..", "params",
                      "hybrid-stream-field-limit-385.prm")
TARGET_S = 90.0


def charges(directory):
    """Particle charges (C) of a run's particles.csv, in id order."""
    with open(os.path.join(directory, "particles.csv")) as f:
        return [float(row["charge_C"]) for row in csv.DictReader(f)]


def run_once(args, out):
    """Wall time of the whole process and its summary.json."""
    command = [args.mpiexec, "-np", "2", args.solver, args.params,
               "--set", f"Output directory={out}"]
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"solver failed: {result.stderr.strip()}")
    with open(os.path.join(out, "summary.json")) as f:
        return wall, json.load(f)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("solver")
    parser.add_argument("--mpiexec", default="mpirun")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--params", default=PARAMS)
    parser.add_argument("--reference",
                        help="an earlier run's output directory to compare "
                        "the charges with")
    parser.add_argument("--keep", default="output/stream-cap-speed",
                        help="output directory of the runs (the last is kept)")
    args = parser.parse_args()

    runs = [run_once(args, args.keep) for _ in range(args.repeats)]
    walls = [wall for wall, _ in runs]
    summary = runs[-1][1]
    median = statistics.median(walls)

    print(f"stream-potential field-emission cap, {summary['n_particles']} "
          f"particles, {summary['n_dofs']} unknowns, 2 MPI ranks, median of "
          f"{args.repeats} run(s)")
    print(f"  wall time {median:.1f} s (runs: "
          + ", ".join(f"{w:.1f}" for w in walls)
          + f"), target {TARGET_S:.0f} s, ratio {median / TARGET_S:.2f}")
    print("  phases (rank 0, median):")
    sections = sorted({s for _, r in runs for s in r["phase_wall_time_s"]})
    for section in sections:
        times = [r["phase_wall_time_s"].get(section, 0.0) for _, r in runs]
        print(f"    {section:<30} {statistics.median(times):8.2f} s")
    # "mesh: gmsh" lies inside "mesh"; the rest of the process is the cap's
    # own work (GCR, peak vertices, recycled readings), MPI start-up and
    # output of the timer itself.
    rest = [r["wall_time_s"] - sum(v for k, v in r["phase_wall_time_s"].items()
                                   if k != "mesh: gmsh") for _, r in runs]
    print(f"    {'(rest of the solver)':<30} {statistics.median(rest):8.2f} s")
    print(f"  Newton steps {summary['charge_iterations']}; per step GCR PDE "
          f"solves {summary.get('gmres_iterations', [])}, recycled "
          f"directions {summary.get('recycled_directions', [])}")
    print(f"  PDE solves {len(summary['linear_iterations'])} full + "
          f"{summary.get('response_solves', 0)} responses "
          f"({sum(summary['linear_iterations'])} + "
          f"{summary.get('response_cg_iterations', 0)} CG iterations)")
    if "max_cap_relative_residual" in summary:
        print(f"  {summary['n_limited']} of {summary['n_particles']} limited; "
              f"largest cap residual "
              f"{summary['max_cap_relative_residual']:.2e} (tolerance "
              f"{summary['charge_tolerance']:g})")
    if args.reference:
        now, before = charges(args.keep), charges(args.reference)
        largest = max(abs(q) for q in before)
        change = max(abs(a - b) for a, b in zip(now, before))
        relative = max(abs(a - b) / abs(b) for a, b in zip(now, before) if b)
        print(f"  charges against {args.reference}: largest change "
              f"{change / largest:.2e} of the largest charge, largest "
              f"relative change of a particle's charge {relative:.2e}")


if __name__ == "__main__":
    main()

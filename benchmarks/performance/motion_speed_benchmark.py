#!/usr/bin/env python3
"""Speed of anode-thermal's time and motion cases (prints figures, asserts
nothing).

The two speed targets of the transient and moving-anode work, on 2 MPI
ranks, whole processes (start-up and output included):

1. a 1-second exposure of a pulsed axisymmetric case
   (params/cu-on-diamond-pulsed.prm: 30 W pulses, 20 ms every 50 ms, on
   5 um Cu over CVD diamond), target under 10 s;
2. the steady maximum power of a rotating anode in 3D
   (params/rotating-anode-ct.prm: 0.3 focal spot, W track on Mo, 150 Hz,
   91k unknowns), target under 60 s.

The cases run in turn, REPEATS times (alternating, so that a machine that
gets busier slows both alike); printed are the median wall time, its ratio
to the target, the answer of each run (so that a faster run is seen to give
the same result), Newton steps, linear iterations and the median time of
each phase (rank 0's, from summary.json).

Usage: motion_speed_benchmark.py SOLVER [--mpiexec MPIEXEC] [--repeats N]
       [--case pulsed|rotating]
"""
import argparse
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from performance_benchmark import run  # noqa: E402  (one solver run)

PARAMS = os.path.join(HERE, "..", "..", "params")

CASES = {
    # name: (params file, target in s, summary key of the answer, its unit)
    "pulsed": ("cu-on-diamond-pulsed.prm", 10.0,
               "max_peak_temperature_K", "K"),
    "rotating": ("rotating-anode-ct.prm", 60.0, "max_permissible_power_W",
                 "W"),
}


def run_once(args, name):
    """Wall time of the whole process, the answer, iterations and rank 0's
    time per phase (summary.json)."""
    prm, _, key, _ = CASES[name]
    command = [args.mpiexec, "-np", "2", args.solver, os.path.join(PARAMS, prm)]
    start = time.perf_counter()
    summary, _ = run(command, [])
    wall = time.perf_counter() - start
    return dict(wall=wall, answer=summary.get(key),
                newton=summary.get("total_newton_iterations"),
                linear=summary.get("total_linear_iterations"),
                phases=summary.get("phase_wall_time_s", {}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("solver")
    parser.add_argument("--mpiexec", default="mpirun")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--case", choices=sorted(CASES), action="append")
    args = parser.parse_args()
    names = args.case or list(CASES)

    runs = {name: [] for name in names}
    for _ in range(args.repeats):
        for name in names:
            runs[name].append(run_once(args, name))

    print(f"anode-thermal time and motion speed, 2 MPI ranks, "
          f"median of {args.repeats} runs (alternating)")
    for name in names:
        prm, target, key, unit = CASES[name]
        walls = [r["wall"] for r in runs[name]]
        median = statistics.median(walls)
        print(f"\n{name}: params/{prm}")
        print(f"  wall time {median:.1f} s (runs: "
              + ", ".join(f"{w:.1f}" for w in walls)
              + f"), target {target:.0f} s, ratio {median / target:.2f}")
        print(f"  {key}: " + ", ".join(f"{r['answer']:.7g}" for r in runs[name])
              + f" {unit}")
        print(f"  Newton steps {runs[name][0]['newton']}, linear iterations "
              f"{runs[name][0]['linear']}")
        sections = sorted({s for r in runs[name] for s in r["phases"]})
        for section in sections:
            times = [r["phases"].get(section, 0.0) for r in runs[name]]
            print(f"    {section:<30} {statistics.median(times):8.2f} s")


if __name__ == "__main__":
    main()

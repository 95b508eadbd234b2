#!/usr/bin/env python3
"""Full, half and quarter models of a 3D line focus (prints figures,
asserts nothing).

params/cu-on-diamond-line-focus.prm: 5 um Cu on 0.5 mm CVD diamond, k(T) in
both, interface conductance 50 MW/(m^2 K), a 20 x 200 um line focus with
depth-dose heating at 50 kV, maximum-power task (without its reference
design). Geometry/Symmetry = none, half (y >= 0) and quarter (x, y >= 0)
run in turn, REPEATS times (alternating, so that a machine that gets busier
slows all alike), with Output/Write fields = false. Printed per model: the
median wall time of the whole process and its ratio to the full model's,
unknowns and cells, and the full-anode answers (peak temperature, maximum
power, heat removed) with their relative differences from the full model.

Usage: symmetry_benchmark.py SOLVER [--mpiexec MPIEXEC] [--np N]
       [--repeats N] [--cycles N] [--degree N] [--quick]
"""
import argparse
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from performance_benchmark import run  # noqa: E402  (one solver run)

CASE = os.path.join(HERE, "..", "..", "params", "cu-on-diamond-line-focus.prm")
MODELS = ("none", "half", "quarter")
ANSWERS = (("peak_temperature_K", "K"), ("max_permissible_power_W", "W"),
           ("heat_removed_W", "W"))


def run_once(command, overrides, model):
    start = time.perf_counter()
    summary, _ = run(command, overrides + [f"Geometry/Symmetry={model}"])
    return dict(wall=time.perf_counter() - start, summary=summary)


def relative(a, b):
    return abs(a - b) / abs(b)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("solver")
    parser.add_argument("--mpiexec", default="mpirun")
    parser.add_argument("--np", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cycles", type=int, default=0,
                        help="Mesh/Adaptive refinement cycles")
    parser.add_argument("--degree", type=int, default=2,
                        help="Mesh/Finite element degree")
    parser.add_argument("--quick", action="store_true",
                        help="Q1, no adaptive cycle, one repeat")
    args = parser.parse_args()
    if args.quick:
        args.degree, args.cycles, args.repeats = 1, 0, 1

    command = [args.solver, CASE]
    if args.np > 1:
        command = [args.mpiexec, "-np", str(args.np)] + command
    overrides = ["Reference design/Parameter changes=",
                 "Output/Write fields=false",
                 f"Mesh/Finite element degree={args.degree}",
                 f"Mesh/Adaptive refinement cycles={args.cycles}"]

    runs = {model: [] for model in MODELS}
    for _ in range(args.repeats):
        for model in MODELS:
            runs[model].append(run_once(command, overrides, model))

    print(f"3D line focus, Cu on CVD diamond, k(T), h_b = 5e7 W/(m^2 K), "
          f"maximum power; Q{args.degree}, {args.cycles} adaptive cycle(s), "
          f"{args.np} rank(s), median of {args.repeats} run(s) (alternating)")
    print("command: " + " ".join(command + [f"--set '{o}'" for o in overrides]))
    full_wall = statistics.median(r["wall"] for r in runs["none"])
    full = runs["none"][0]["summary"]
    for model in MODELS:
        walls = [r["wall"] for r in runs[model]]
        wall = statistics.median(walls)
        s = runs[model][-1]["summary"]
        print(f"\nSymmetry = {model}")
        print(f"  wall time {wall:.2f} s (runs: "
              + ", ".join(f"{w:.2f}" for w in walls)
              + f"), {wall / full_wall:.3f} of the full model's")
        print(f"  unknowns {s['n_dofs']}, cells {s['n_cells']}, Newton steps "
              f"{s['total_newton_iterations']}, linear iterations "
              f"{s['total_linear_iterations']}")
        for key, unit in ANSWERS:
            print(f"  {key} = {s[key]:.10g} {unit}, relative difference "
                  f"from full {relative(s[key], full[key]):.2e}")
        # Every repeat of a model gives the same answers (or says so).
        spread = max(relative(r["summary"]["max_permissible_power_W"],
                              s["max_permissible_power_W"]) for r in runs[model])
        print(f"  spread of max_permissible_power_W over the repeats {spread:.1e}")


if __name__ == "__main__":
    main()

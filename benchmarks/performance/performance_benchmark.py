#!/usr/bin/env python3
"""Performance benchmark of anode-thermal (prints figures, asserts nothing).

1. Axisymmetric maximum-power answer for the Eq. (2) constant-k and Tolias
   cases: wall time (median of repeats) and error against the exact value.
2. 3D Cu-on-diamond (constant k) refined adaptively toward 1M unknowns, on
   1 and 2 MPI ranks: unknowns, time per phase, CG iterations per solve of
   each refinement cycle (read from the log), peak temperature.

Usage: performance_benchmark.py SOLVER [--mpiexec MPIEXEC] [--cycles N]
       [--repeats N]
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "eq2"))
import eq2_benchmark  # noqa: E402  (reference formulas)


def run(command, overrides):
    with tempfile.TemporaryDirectory() as out:
        full = command + ["--set", f"Output directory={out}"]
        for override in overrides:
            full += ["--set", override]
        result = subprocess.run(full, capture_output=True, text=True)
        if result.returncode != 0:
            sys.exit(f"solver failed: {result.stderr.strip()}")
        with open(os.path.join(out, "summary.json")) as f:
            summary = json.load(f)
        with open(os.path.join(out, "log.txt")) as f:
            log = f.read()
        return summary, log


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("solver")
    parser.add_argument("--mpiexec", default="mpirun")
    parser.add_argument("--cycles", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    print("1. Axisymmetric maximum permissible power (Eq. (2) cases), "
          f"median of {args.repeats} runs, 1 rank")
    for name, prm, integral in [
            ("constant k", "tungsten-constant-k.prm",
             eq2_benchmark.K_CONSTANT * (eq2_benchmark.T_MELT - eq2_benchmark.T0)),
            ("Tolias k(T)", "tungsten-tolias.prm",
             eq2_benchmark.tolias_conductivity_integral(
                 eq2_benchmark.T0, eq2_benchmark.T_MELT))]:
        times, error = [], None
        for _ in range(args.repeats):
            summary, _ = run([args.solver,
                              os.path.join(HERE, "..", "eq2", prm)], [])
            times.append(summary["wall_time_s"])
            error = (summary["max_permissible_power_density_W_per_m2"]
                     / eq2_benchmark.reference_density(integral) - 1)
        print(f"   {name:12s}: {summary['n_dofs']} unknowns, median "
              f"{statistics.median(times):.3f} s (min {min(times):.3f}, max "
              f"{max(times):.3f}), error {error:+.2e}")

    print(f"\n2. 3D Cu on diamond, constant k, {args.cycles} adaptive cycles")
    prm = os.path.join(HERE, "cu-on-diamond-constant-k.prm")
    for ranks in (1, 2):
        command = [args.solver, prm]
        if ranks > 1:
            command = [args.mpiexec, "-np", str(ranks)] + command
        summary, log = run(command, [f"Mesh/Adaptive refinement cycles={args.cycles}"])
        cycles = re.findall(r"Cycle (\d+): (\d+) cells, (\d+) unknowns", log)
        iterations = re.findall(r"Newton 1: .*?, (\d+) CG iterations", log)
        print(f"   {ranks} rank(s): total {summary['wall_time_s']:.1f} s, "
              f"peak {summary['peak_temperature_K']:.2f} K")
        for (cycle, cells, dofs), its in zip(cycles, iterations):
            print(f"      cycle {cycle}: {int(cells):9d} cells "
                  f"{int(dofs):9d} unknowns {int(its):4d} CG iterations")
        phases = summary.get("phase_wall_time_s", {})
        print("      phases (all cycles): " + ", ".join(
            f"{k} {v:.1f} s" for k, v in sorted(phases.items())))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Performance benchmark of anode-thermal (prints figures, asserts nothing).

1. Axisymmetric maximum-power answer for the Eq. (2) constant-k and Tolias
   cases: wall time (median of repeats) and error against the exact value.
2. 3D Cu-on-diamond (constant k) refined adaptively toward 1M unknowns, on
   1 and 2 MPI ranks: unknowns, time per phase, CG iterations per solve of
   each refinement cycle (read from the log), peak temperature.
3. Preconditioner reuse (Solver/Reuse preconditioner = true against false),
   3D on 2 ranks, median of repeats: a k(T) maximum-power search, a k(T)
   power sweep and a constant-k sweep over the coolant temperature (same
   matrix at every point). Wall time, AMG set-ups, linear iterations, and
   the answers of the two settings side by side.

Usage: performance_benchmark.py SOLVER [--mpiexec MPIEXEC] [--cycles N]
       [--repeats N] [--reuse-repeats N] [--only-reuse]
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


def run_sweep(command, overrides, sweep):
    """A --sweep run: the summary.json of each point, in order."""
    with tempfile.TemporaryDirectory() as out:
        full = command + ["--set", f"Output directory={out}", "--sweep", sweep]
        for override in overrides:
            full += ["--set", override]
        result = subprocess.run(full, capture_output=True, text=True)
        if result.returncode != 0:
            sys.exit(f"solver failed: {result.stderr.strip()}")
        points = sorted(d for d in os.listdir(out) if d.startswith("point-"))
        summaries = []
        for point in points:
            with open(os.path.join(out, point, "summary.json")) as f:
                summaries.append(json.load(f))
        return summaries


REUSE_CASES = [
    # (label, params file, overrides, sweep or None, answer key)
    ("k(T) maximum power, 5 um Mo on CVD diamond", "mo-on-diamond.prm",
     ["Model=3d", "Mesh/Adaptive refinement cycles=1"], None,
     "max_permissible_power_W"),
    ("k(T) power sweep 5..25 W, 5 um Cu on CVD diamond", "cu-on-diamond.prm",
     ["Mesh/Adaptive refinement cycles=1"],
     "Heat source/Incident power=5; 10; 15; 20; 25", "peak_temperature_K"),
    ("constant k, coolant 293..353 K, Cu on diamond",
     os.path.join(HERE, "cu-on-diamond-constant-k.prm"),
     ["Mesh/Adaptive refinement cycles=2"],
     "Cooling/Coolant temperature=293.15; 313.15; 333.15; 353.15",
     "peak_temperature_K"),
]


def preconditioner_reuse(args):
    print(f"\n3. Preconditioner reuse, 3D, 2 ranks, median of "
          f"{args.reuse_repeats} runs (reuse = true / false)")
    params = os.path.join(HERE, "..", "..", "params")
    for label, prm, overrides, sweep, key in REUSE_CASES:
        command = [args.mpiexec, "-np", "2", args.solver,
                   prm if os.path.isabs(prm) else os.path.join(params, prm)]
        figures = {}
        for reuse in ("true", "false"):
            times, runs = [], []
            for _ in range(args.reuse_repeats):
                settings = overrides + [f"Solver/Reuse preconditioner={reuse}"]
                if sweep:
                    summaries = run_sweep(command, settings, sweep)
                else:
                    summaries = [run(command, settings)[0]]
                times.append(sum(s["wall_time_s"] for s in summaries))
                runs.append(summaries)
            summaries = runs[0]
            figures[reuse] = dict(
                time=statistics.median(times), low=min(times), high=max(times),
                setups=sum(s["preconditioner_setups"] for s in summaries),
                solves=sum(s["total_linear_iterations"] for s in summaries),
                newton=sum(s["total_newton_iterations"] for s in summaries),
                answers=[s[key] for s in summaries],
                dofs=summaries[0]["n_dofs"])
        print(f"   {label} ({figures['true']['dofs']} unknowns"
              + (f", {len(figures['true']['answers'])} points" if sweep else "")
              + ")")
        for reuse in ("true", "false"):
            f = figures[reuse]
            print(f"      reuse {reuse:5s}: {f['time']:7.2f} s (min {f['low']:.2f}, "
                  f"max {f['high']:.2f}), {f['setups']:3d} AMG set-ups, "
                  f"{f['newton']:3d} Newton steps, {f['solves']:5d} linear iterations")
        difference = max(abs(a / b - 1) for a, b in
                         zip(figures["true"]["answers"], figures["false"]["answers"]))
        print(f"      time ratio true/false {figures['true']['time'] / figures['false']['time']:.3f}; "
              f"{key} agree to {difference:.1e} (relative)")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("solver")
    parser.add_argument("--mpiexec", default="mpirun")
    parser.add_argument("--cycles", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--reuse-repeats", type=int, default=3)
    parser.add_argument("--only-reuse", action="store_true",
                        help="section 3 only")
    args = parser.parse_args()
    if args.only_reuse:
        preconditioner_reuse(args)
        return

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

    preconditioner_reuse(args)


if __name__ == "__main__":
    main()

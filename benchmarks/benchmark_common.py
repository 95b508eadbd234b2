"""What the benchmark scripts share: their command line, running a solver
on a .prm with --set overrides into a scratch directory, and composite
Gauss-Legendre quadrature for the exact references (standard library
only)."""
import argparse
import csv
import json
import math
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
    return run_outputs(args, prm, overrides)[0]


def run_outputs(args, prm, overrides):
    """(summary.json, history.csv) of one run: the history as a list of rows,
    {column: float} (an empty cell is None), or None when the run wrote no
    history.csv (steady tasks). A failed run ends the benchmark with its
    error."""
    with tempfile.TemporaryDirectory() as out:
        result = subprocess.run(solver_command(args, prm, out, overrides),
                                capture_output=True, text=True)
        if result.returncode != 0:
            sys.exit(f"solver failed ({result.returncode}): {result.stderr.strip()}")
        with open(os.path.join(out, "summary.json")) as file:
            summary = json.load(file)
        path = os.path.join(out, "history.csv")
        if not os.path.exists(path):
            return summary, None
        with open(path, newline="") as file:
            history = [{name: float(value) if value.strip() else None
                        for name, value in row.items()}
                       for row in csv.DictReader(file)]
        return summary, history


def legendre_rule(order):
    """Gauss-Legendre nodes and weights on [-1, 1]: Newton's method on the
    Legendre polynomial P_order from Tricomi's initial guesses, the weights
    2 / ((1 - x^2) P'_order(x)^2) (Abramowitz & Stegun 25.4.29)."""
    nodes, weights = [], []
    for i in range(1, order + 1):
        x = math.cos(math.pi * (i - 0.25) / (order + 0.5))
        for _ in range(100):
            p0, p1 = 1.0, x
            for n in range(2, order + 1):
                p0, p1 = p1, ((2 * n - 1) * x * p1 - (n - 1) * p0) / n
            derivative = order * (x * p1 - p0) / (x * x - 1)
            step = p1 / derivative
            x -= step
            if abs(step) < 1e-16:
                break
        nodes.append(x)
        weights.append(2 / ((1 - x * x) * derivative**2))
    return nodes, weights


_NODES, _WEIGHTS = legendre_rule(12)


def gauss_legendre(f, lower, upper, intervals=100):
    """Composite 12-point Gauss-Legendre quadrature of f on [lower, upper]
    (the rule of depth_dose_benchmark.py)."""
    width = (upper - lower) / intervals
    total = 0.0
    for k in range(intervals):
        centre = lower + (k + 0.5) * width
        total += 0.5 * width * sum(w * f(centre + 0.5 * width * x)
                                   for x, w in zip(_NODES, _WEIGHTS))
    return total


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


def transient_energy_checks(summary, history, power, record):
    """The energy bookkeeping of a transient run at constant power POWER from
    t = 0 with nothing reaching a cooled face early: the largest balance
    error, heat in = P t_end and stored + out = P t_end, each passed to
    RECORD(name, reference, measured) (which returns the error), and
    history.csv's last row against summary.json. Returns (name, error)."""
    delivered = power * summary["final_time_s"]
    last = history[-1]
    checks = [
        ("max_energy_balance_error", 0.0, summary["max_energy_balance_error"]),
        ("energy_in_J / (P t_end)", delivered, summary["energy_in_J"]),
        ("(energy_stored_J + energy_out_J) / (P t_end)", delivered,
         summary["energy_stored_J"] + summary["energy_out_J"]),
    ]
    result = [(name, record(name, reference, measured))
              for name, reference, measured in checks]
    for column in ("energy_in_J", "energy_stored_J", "energy_out_J"):
        if abs(last[column] - summary[column]) > 1e-9 * max(abs(summary[column]), delivered):
            result.append((f"history.csv {column} (last row) vs summary.json",
                           last[column] - summary[column]))
    return result


def transient_row(benchmark, source, case, quantity, reference, measured, summary,
                  refinement, default, criterion=None, slope=None):
    """One --json row of a transient benchmark (error relative to REFERENCE,
    or MEASURED itself against a zero reference), with the run's step
    counts for the report's tolerance tables (None for a steady run)."""
    return {
        "benchmark": benchmark, "case": case, "quantity": quantity,
        "reference": reference, "reference_source": source, "measured": measured,
        "error": measured / reference - 1 if reference else measured,
        "criterion": criterion, "default": default,
        "refinement": refinement, "n_dofs": summary["n_dofs"],
        "wall_time_s": summary["wall_time_s"], "expected_slope": slope,
        "time_steps": summary.get("time_steps"),
        "rejected_time_steps": summary.get("rejected_time_steps")}

#!/usr/bin/python3
"""Regenerate doc/validation.md and its figures from the benchmarks.

    /usr/bin/python3 postprocess/plots/validation_report.py --build build [--np 2]

(/usr/bin/python3: Debian's python3-matplotlib; a pyenv `python3` on PATH
may lack matplotlib.) Runs every exact benchmark at full refinement
(benchmarks/eq2, depth_dose, stream (both scripts), moving, transient,
transient_layered,
through their --json option), the peak temperature of two anodes against
power, and the potential profile through a particle stream with and without
the field-emission limit; writes doc/figures/*.png and doc/validation.md.
The transient and moving-source series take most of the time: ~25 min on
2 shared cores.

--narrow-gap PLANE.json PAIR.json rewrites only the narrow-gap rows and
section from the two benchmarks' --json output (full mode), leaving the rest
as it was and saying so in the report.

--data FILE keeps every measurement; --from-data FILE rewrites the figures
and the report from it without running anything (for a change of
presentation; the report then states the time of the run that measured).

A run that fails (solver error, missing output) stops the report: nothing is
written, the exit status is 1 and one line names the run and the log with
its full output. A benchmark whose default-setting criterion is missed is
not a failed run: the report is written and states the miss.
"""
import argparse
import csv
import datetime
import json
import math
import os
import platform
import re
import shlex
import subprocess
import sys
import tempfile
import time

import matplotlib

matplotlib.use("Agg")  # no display on build machines
import matplotlib.pyplot as plt  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIGURES = os.path.join(ROOT, "doc", "figures")
REPORT = os.path.join(ROOT, "doc", "validation.md")
# Open MPI refuses root and more ranks than free cores without these; the
# report is often run as root in containers with 2 shared cores.
MPI_ENVIRONMENT = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
                   "OMPI_MCA_rmaps_base_oversubscribe": "1"}
# anode-thermal's `Maximum power tolerance` default: the k(T) root search
# stops there, so the Eq. (2) k(T) error cannot fall below it.
POWER_SEARCH_TOLERANCE = 1e-5
EQ2 = "Eq. (2) half-ball, W"
DEPTH_DOSE = "Depth-dose half-ball, Cu"
SPHERES = "Concentric spheres"
PLANE = "Sphere over a grounded plane"
PLANE_POTENTIAL = "Sphere at a potential over a grounded plane"
PAIR = "Two spheres, one at a potential, one grounded"
FIELD_LIMIT_V_PER_M = 1e9  # 1 MV/mm, stream-monolayer-field-limit.prm
TRANSIENT = "Transient Gaussian spot, W half-space"
LAYERED = "Transient Gaussian spot, Cu on diamond"
MOVING = "Moving Gaussian spot, W half-space"
# Their refinement series are long (every compared time of every run): the
# table of every benchmark keeps their default-setting rows, the figures and
# the tables of the time-and-motion section the rest.
TIME_AND_MOTION = (TRANSIENT, LAYERED, MOVING)
ENERGY_QUANTITIES = ("max_energy_balance_error", "energy_in_J / (P t_end)",
                     "(energy_stored_J + energy_out_J) / (P t_end)")


class RunFailed(Exception):
    pass


def run(command, what, log_dir, accept=None):
    """Run COMMAND; on failure keep its whole output in LOG_DIR and raise
    with one line. ACCEPT(returncode) may declare a non-zero status fine."""
    print("RUN", shlex.join(command), flush=True)
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True,
                            env={**os.environ, **MPI_ENVIRONMENT})
    if result.returncode != 0 and not (accept and accept(result.returncode)):
        log = os.path.join(log_dir, "validation-report-failure.log")
        with open(log, "w") as file:
            file.write(f"$ {shlex.join(command)}\nexit status {result.returncode}\n"
                       f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}\n")
        # One line: the first and last lines of stderr that say something
        # (the benchmark's "solver failed (N): ..." and the solver's reason;
        # deal.II frames its messages with dashes).
        lines = [l.strip() for l in (result.stderr or result.stdout).splitlines()
                 if l.strip().strip("-")] or ["no output"]
        reason = lines[0] if len(lines) == 1 else f"{lines[0]} ... {lines[-1]}"
        raise RunFailed(f"{what} exited with {result.returncode}: {reason[:400]} "
                        f"(full output: {log})")
    return result.stdout, time.perf_counter() - start


def benchmark_rows(args, script, executable, scratch):
    """The --json rows of one benchmark script at full refinement."""
    path = os.path.join(scratch, os.path.basename(script) + ".json")
    command = [sys.executable, os.path.join(ROOT, script),
               os.path.join(args.build, "bin", executable), "--json", path]
    if args.np > 1:
        command += ["--np", str(args.np), "--mpiexec", "mpirun"]
    # Exit status 1 with the JSON written is a missed criterion (reported);
    # a solver failure exits before the JSON is written.
    output, _ = run(command, script, args.log_dir,
                    accept=lambda status: status == 1 and os.path.exists(path))
    print(output)
    with open(path) as file:
        return json.load(file)


def solve(args, solver, prm, sets, scratch, name):
    """Run a solver on params/PRM; returns (summary, output directory)."""
    out = os.path.join(scratch, name)
    command = [os.path.join(args.build, "bin", solver), os.path.join(ROOT, "params", prm),
               "--set", f"Output directory={out}"]
    for assignment in sets:
        command += ["--set", assignment]
    if args.np > 1:
        command = ["mpirun", "-np", str(args.np)] + command
    what = f"{solver} {prm} {' '.join(sets)}"
    run(command, what, args.log_dir)
    summary = os.path.join(out, "summary.json")
    if not os.path.exists(summary):
        raise RunFailed(f"{what} wrote no summary.json")
    with open(summary) as file:
        return json.load(file), out


# --- Convergence series and rates ------------------------------------------------


def convergence_series(rows, benchmarks):
    """{(benchmark, case, quantity): rows sorted by unknowns}. The sphere over
    a plane is refined at two box distances; the series is the farther box
    (the nearer one only estimates the enclosure's effect)."""
    series = {}
    for row in rows:
        if row["benchmark"] in benchmarks and row["reference"]:
            series.setdefault((row["benchmark"], row["case"], row["quantity"]), []).append(row)
    for key, points in series.items():
        if key[0] == PLANE:
            box = lambda p: float(p["refinement"].split("box ")[1].split()[0])
            farthest = max(box(p) for p in points)
            points[:] = [p for p in points if box(p) == farthest]
        points.sort(key=lambda p: p["n_dofs"])
    # A single run (the depth-dose surface-limit series) is no refinement.
    return {key: points for key, points in series.items() if len(points) > 1}


def slopes(points):
    """Observed log|error| / log N between successive points."""
    return [math.log(abs(b["error"]) / abs(a["error"])) / math.log(b["n_dofs"] / a["n_dofs"])
            for a, b in zip(points, points[1:])
            if a["error"] and b["error"] and a["n_dofs"] != b["n_dofs"]]


def fitted_slope(points):
    """Least-squares slope of log|error| against log N over all points."""
    xs = [math.log(p["n_dofs"]) for p in points]
    ys = [math.log(max(abs(p["error"]), 1e-300)) for p in points]
    if len(xs) < 2:
        return None
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def short_label(key):
    benchmark, case, quantity = key
    quantity = quantity.split(" (")[0]
    if benchmark in (EQ2, DEPTH_DOSE):
        return case
    return f"{'spheres' if benchmark == SPHERES else 'sphere/plane'}: {quantity}"


# --- Figures ------------------------------------------------------------------


def convergence_figure(series, name, title, floor=None):
    fig, axis = plt.subplots(figsize=(7.5, 5.2))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for index, (key, points) in enumerate(series.items()):
        colour = colours[index % len(colours)]
        dofs = [p["n_dofs"] for p in points]
        errors = [max(abs(p["error"]), 1e-12) for p in points]
        # Filled: the solver overestimates; open: underestimates. A sign
        # change shows up as a dip that is no convergence rate.
        axis.loglog(dofs, errors, "-", color=colour, lw=1.2,
                    label=f"{short_label(key)} (fit {fitted_slope(points):+.2f})")
        for n, e, p in zip(dofs, errors, points):
            axis.loglog([n], [e], "o", color=colour,
                        markerfacecolor=colour if p["error"] > 0 else "white")
        slope = points[0]["expected_slope"]
        if slope is not None:
            ends = [dofs[0], dofs[-1]]
            axis.loglog(ends, [errors[0] * (n / dofs[0]) ** slope for n in ends], "--",
                        color=colour, lw=0.9, alpha=0.8)
    axis.plot([], [], "k--", lw=0.9, label="expected slope (through the first point)")
    axis.plot([], [], "ko", label="error > 0")
    axis.plot([], [], "o", color="k", markerfacecolor="white", label="error < 0")
    if floor:
        axis.axhline(floor[0], color="grey", lw=0.8, ls=":")
        axis.annotate(floor[1], (0.02, floor[0]), xycoords=("axes fraction", "data"),
                      xytext=(0, 3), textcoords="offset points", color="grey", fontsize=8)
    axis.set_xlabel("unknowns N")
    axis.set_ylabel("|relative error|")
    axis.set_title(title, fontsize=11)
    axis.grid(True, which="both", alpha=0.3)
    axis.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    fig.savefig(os.path.join(FIGURES, name), dpi=110)
    plt.close(fig)


def power_figure(curves, name):
    fig, axis = plt.subplots(figsize=(7.5, 5))
    limits = {}
    for label, curve in curves.items():
        powers, peaks, T0 = curve["powers"], curve["peaks"], curve["T0"]
        line, = axis.plot(powers, peaks, "o-", label=f"{label} (max. {curve['p_max']:.1f} W)")
        # What a constant k (that of the first point) would give: the gap to
        # the curve is the k(T) nonlinearity.
        axis.plot([0, powers[-1]], [T0, T0 + (peaks[0] - T0) * powers[-1] / powers[0]], ":",
                  color=line.get_color(), lw=1)
        limits.setdefault(curve["limit"], []).append(curve["limiting_material"])
    for limit, materials in limits.items():
        axis.axhline(limit, color="tab:red", lw=1)
        axis.annotate(f"limit {limit:.1f} K ({', '.join(sorted(set(materials)))} melting point)",
                      (0.01, limit), xycoords=("axes fraction", "data"), xytext=(0, 3),
                      textcoords="offset points", color="tab:red", fontsize=8)
    axis.plot([], [], "k:", lw=1, label="linear from the lowest power (constant k)")
    axis.set_xlim(left=0)
    axis.set_xlabel("incident power (W)")
    axis.set_ylabel("peak temperature (K)")
    axis.set_title("Peak temperature against power (axisymmetric, k(T))", fontsize=11)
    axis.grid(True, alpha=0.3)
    axis.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(os.path.join(FIGURES, name), dpi=110)
    plt.close(fig)


def profile_figure(profiles, name):
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7.5, 7), sharex=True)
    shaded = False
    for label, rows in profiles.items():
        z = [1e6 * float(r["z_m"]) for r in rows]
        inside = [r.get("inside_particle", "-1") not in ("-1", "") for r in rows]
        top.plot(z, [float(r["potential_V"]) for r in rows], label=label)
        # Inside the conductor the field is zero: leave a gap on the log axis.
        bottom.plot(z, [math.nan if i else 1e-6 * float(r["electric_field_magnitude_V_per_m"])
                        for r, i in zip(rows, inside)], label=label)
        if not shaded and any(inside):
            zin = [zz for zz, i in zip(z, inside) if i]
            for axis in (top, bottom):
                axis.axvspan(min(zin), max(zin), color="grey", alpha=0.15, lw=0)
            shaded = True
    bottom.axhline(FIELD_LIMIT_V_PER_M * 1e-6, color="tab:red", lw=0.8, ls="--",
                   label="field-emission limit 1 MV/mm")
    top.set_ylabel("potential (V)")
    bottom.set_ylabel("|E| (MV/m)")
    bottom.set_yscale("log")
    bottom.set_xlabel("height above the anode z (um), along the normal through the centre particle")
    top.set_title("77-particle monolayer (grey: inside the centre particle)", fontsize=11)
    for axis in (top, bottom):
        axis.grid(True, alpha=0.3)
        axis.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(FIGURES, name), dpi=110)
    plt.close(fig)


# --- Time and motion --------------------------------------------------------------


def time_of(row):
    """The compared time of a transient row ('... at t = 5e-05 s (K)')."""
    return float(row["quantity"].split(" at t = ")[1].split(" s")[0])


def rise_rows(rows, benchmark, case_start, layer=""):
    """The rows comparing a rise at a history time, of the cases CASE_START*."""
    return [r for r in rows if r["benchmark"] == benchmark and r["case"].startswith(case_start)
            and " at t = " in r["quantity"] and r["quantity"].startswith(layer)]


def time_series(rows, benchmark, case_start, layer=""):
    """{(benchmark, case, quantity): rows sorted by unknowns}, one per compared time."""
    series = {}
    for r in rise_rows(rows, benchmark, case_start, layer):
        series.setdefault((benchmark, r["case"], r["quantity"]), []).append(r)
    for points in series.values():
        points.sort(key=lambda p: p["n_dofs"])
    return series


def fixed_step_runs(rows):
    """[(steps, {time: row})] of the transient benchmark's fixed-step runs."""
    runs = {}
    for r in rise_rows(rows, TRANSIENT, "fixed step"):
        steps = int(r["refinement"].split(", ")[1].split()[0])
        runs.setdefault(steps, {})[time_of(r)] = r
    return sorted(runs.items())


def at_time(run_rows, t):
    """The row of RUN_ROWS ({time: row}) nearest to T."""
    return run_rows[min(run_rows, key=lambda s: abs(s - t))]


def temporal_orders(runs):
    """Per fixed-step run at t_end: (steps, dt, error, order against the exact
    value, change from the run with half the steps relative to the exact rise,
    order from the changes, error at t_end / 16)."""
    t_end = max(max(times) for _, times in runs)
    result = []
    for i, (steps, times) in enumerate(runs):
        row, early = at_time(times, t_end), at_time(times, t_end / 16)
        order = change = change_order = None
        if i > 0:
            previous_steps, previous = runs[i - 1][0], at_time(runs[i - 1][1], t_end)
            ratio = math.log(steps / previous_steps)
            if row["error"] and previous["error"]:
                order = math.log(abs(previous["error"] / row["error"])) / ratio
            change = (row["measured"] - previous["measured"]) / row["reference"]
            if i > 1 and change and result[-1][4]:
                change_order = math.log(abs(result[-1][4] / change)) / ratio
        result.append((steps, t_end / steps, row["error"], order, change, change_order,
                       early["error"]))
    return result


def tolerance_runs(rows, benchmark, gated_from=0.0):
    """[(tolerance, steps, rejected, {layer: largest |error|})] of the adaptive
    runs at the default mesh (the default case is one of them); for a layered
    run the diamond counts from GATED_FROM on, as in its criterion."""
    runs = {}
    for r in rows:
        if (r["benchmark"] == benchmark and " at t = " in r["quantity"]
                and r["case"].startswith(("adaptive: tolerance", "default:"))):
            tolerance = float(r["refinement"].split("tol ")[1])
            layer = r["quantity"].split(" ")[0]
            if layer == "diamond" and time_of(r) < gated_from * (1 - 1e-9):
                continue
            run = runs.setdefault(tolerance,
                                  [r.get("time_steps"), r.get("rejected_time_steps"), {}])
            run[2][layer] = max(run[2].get(layer, 0.0), abs(r["error"]), key=abs)
            if layer == "centre":   # the transient benchmark: also the error at t_end
                run[2].setdefault("t_end", (0.0, -1.0))
                if time_of(r) > run[2]["t_end"][1]:
                    run[2]["t_end"] = (r["error"], time_of(r))
    return [(tol, *runs[tol]) for tol in sorted(runs, reverse=True)]


def peclet_of(row):
    return float(row["case"].split("= ")[1].split(",")[0])


def moving_runs(rows):
    """(default-mesh rows by Pe, {Pe: mesh-series rows by unknowns})."""
    speeds = sorted((r for r in rows if r["benchmark"] == MOVING
                     and "mesh series" not in r["case"]), key=peclet_of)
    series = {}
    for r in rows:
        if r["benchmark"] == MOVING and "mesh series" in r["case"]:
            series.setdefault(peclet_of(r), []).append(r)
    for points in series.values():
        points.sort(key=lambda p: p["n_dofs"])
    return speeds, dict(sorted(series.items()))


def energy_extremes(rows, benchmark):
    """Largest balance error and largest |error| of the energy bookkeeping over all runs."""
    energy = [r for r in rows if r["benchmark"] == benchmark and r["quantity"] in ENERGY_QUANTITIES]
    balance = max((abs(r["measured"]) for r in energy
                   if r["quantity"] == ENERGY_QUANTITIES[0]), default=None)
    bookkeeping = max((abs(r["error"]) for r in energy
                       if r["quantity"] != ENERGY_QUANTITIES[0]), default=None)
    return balance, bookkeeping, len({(r["case"], r["refinement"]) for r in energy})


def marker_loglog(axis, xs, points, colour, style="-", label=None, lw=1.2):
    """|error| against XS, filled where the solver overestimates, open below."""
    errors = [max(abs(p["error"]), 1e-12) for p in points]
    axis.loglog(xs, errors, style, color=colour, lw=lw, label=label)
    for x, e, p in zip(xs, errors, points):
        axis.loglog([x], [e], "o", color=colour, ms=5,
                    markerfacecolor=colour if p["error"] > 0 else "white")
    return errors


def sign_legend(axis):
    axis.plot([], [], "ko", ms=5, label="error > 0")
    axis.plot([], [], "o", color="k", ms=5, markerfacecolor="white", label="error < 0")


def temporal_figure(rows, name):
    """Left: fixed steps against the step size; right: adaptive steps, error
    against the number of steps taken."""
    runs = fixed_step_runs(rows)
    orders = temporal_orders(runs)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11.5, 5))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    t_end = max(max(times) for _, times in runs)
    dts = [o[1] for o in orders]
    late = [at_time(times, t_end) for _, times in runs]
    early = [at_time(times, t_end / 16) for _, times in runs]
    marker_loglog(left, dts, late, colours[0],
                  label=f"at t_end = {t_end:g} s (order from the halvings "
                  f"{', '.join(f'{o[5]:.2f}' for o in orders if o[5] is not None)})")
    marker_loglog(left, dts, early, colours[1], label=f"at t_end/16 = {t_end / 16:g} s")
    changes = [abs(o[4]) for o in orders[1:]]
    left.loglog(dts[1:], changes, "s:", color=colours[2], ms=4,
                label="change from twice the step (no spatial error)")
    ends = [dts[0], dts[-1]]
    left.loglog(ends, [abs(late[0]["error"]) * (d / dts[0]) ** 2 for d in ends], "k--", lw=0.9,
                label="slope 2 (second order) through the first point")
    sign_legend(left)
    left.set_xlabel("fixed time step dt (s)")
    left.set_ylabel("|relative error| of the centre rise")
    mesh = runs[0][1][t_end]["refinement"].split(",")[0]
    left.set_title(f"Fixed TR-BDF2 steps, W half-space ({mesh})", fontsize=10)
    left.grid(True, which="both", alpha=0.3)
    left.legend(fontsize=7, loc="upper left")

    for index, (benchmark, layers, gated_from, label) in enumerate((
            (TRANSIENT, ("centre",), 0.0, "W half-space"),
            (LAYERED, ("metal", "diamond"), 1e-7, "Cu on diamond"))):
        runs_b = tolerance_runs(rows, benchmark, gated_from)
        if not runs_b or runs_b[0][1] is None:
            continue
        for j, layer in enumerate(layers):
            colour = colours[(3 + 2 * index + j) % len(colours)]
            steps = [r[1] for r in runs_b]
            errors = [r[3][layer] for r in runs_b]
            right.loglog(steps, [abs(e) for e in errors], "o-", color=colour, ms=5,
                         label=f"{label}: {'rise' if layer == 'centre' else layer}")
            for s, e, run in zip(steps, errors, runs_b):
                right.annotate(f"{run[0]:g}", (s, abs(e)), xytext=(4, 3),
                               textcoords="offset points", fontsize=7, color=colour)
    right.set_xlabel("time steps taken (adaptive TR-BDF2, default mesh)")
    right.set_ylabel("largest |relative error| over the compared times")
    right.set_title("Adaptive steps: labels are the time error tolerances", fontsize=10)
    right.grid(True, which="both", alpha=0.3)
    right.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    fig.savefig(os.path.join(FIGURES, name), dpi=110)
    plt.close(fig)


def spatial_figure(transient, layered, steady, name):
    """Error against unknowns: the half-space (left), the layered anode (right)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11.5, 5))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for index, (key, points) in enumerate(sorted(transient.items(),
                                                 key=lambda kv: time_of(kv[1][0]))):
        dofs = [p["n_dofs"] for p in points]
        marker_loglog(left, dofs, points, colours[index],
                      label=f"t = {time_of(points[0]):.3g} s (fit {fitted_slope(points):+.2f})")
    for axis, series in ((left, transient), (right, {**layered, **steady})):
        points = next(iter(series.values()))
        dofs = [p["n_dofs"] for p in points]
        slope = points[0]["expected_slope"]
        top = max(abs(p["error"]) for s in series.values() for p in s[:1])
        ends = (dofs[0], dofs[-1])
        axis.loglog(ends, [top * (n / dofs[0]) ** slope for n in ends], "k--", lw=0.9,
                    label=f"slope {slope:+.1f} (Q2 peak value)")
    times = sorted({time_of(p[0]) for p in layered.values()})
    for key, points in layered.items():
        layer = key[2].split(" ")[0]
        colour = colours[times.index(time_of(points[0])) % len(colours)]
        marker_loglog(right, [p["n_dofs"] for p in points], points, colour,
                      "-" if layer == "metal" else "--",
                      label=f"{layer}, t = {time_of(points[0]):.0e} s "
                      f"(fit {fitted_slope(points):+.2f})")
    for key, points in steady.items():
        layer = key[2].split(" ")[0]
        marker_loglog(right, [p["n_dofs"] for p in points], points, "dimgrey",
                      "-" if layer == "metal" else "--", lw=1.8,
                      label=f"{layer}, steady (fit {fitted_slope(points):+.2f})")
    sign_legend(left)
    sign_legend(right)
    left.set_title("W half-space, centre rise (time tolerance 1e-7)", fontsize=10)
    right.set_title("Cu on diamond: solid metal, dashed diamond (time tol. 1e-7)", fontsize=10)
    for axis in (left, right):
        axis.set_xlabel("unknowns N (adaptive refinement cycles)")
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=7, loc="lower left")
    left.set_ylabel("|relative error|")
    fig.tight_layout()
    fig.savefig(os.path.join(FIGURES, name), dpi=110)
    plt.close(fig)


def dof_range(points):
    """'55051' or '53912..55276': the adaptive mesh differs from speed to speed."""
    low, high = min(p["n_dofs"] for p in points), max(p["n_dofs"] for p in points)
    return f"{low}" if low == high else f"{low}..{high}"


def moving_figure(speeds, series, name):
    fig, (left, right) = plt.subplots(1, 2, figsize=(11.5, 4.8),
                                      gridspec_kw={"width_ratios": [1.6, 1]})
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    # Pe = 0 has no place on a log axis: the speeds are equally spaced
    # (they are nearly so in log Pe) and labelled.
    xs = list(range(len(speeds)))
    errors = [max(abs(r["error"]), 1e-12) for r in speeds]
    left.semilogy(xs, errors, "-", color=colours[0], lw=1.2,
                  label=f"default mesh ({speeds[0]['refinement']}, {dof_range(speeds)} unknowns)")
    for x, e, r in zip(xs, errors, speeds):
        left.semilogy([x], [e], "o", color=colours[0], ms=6,
                      markerfacecolor=colours[0] if r["error"] > 0 else "white")
    gated = [x for x, r in zip(xs, speeds) if r["criterion"] is not None]
    criterion = next(r["criterion"] for r in speeds if r["criterion"] is not None)
    left.plot([gated[0] - 0.3, gated[-1] + 0.3], [criterion] * 2, color="tab:red", lw=1)
    left.annotate(f"criterion {criterion:g} (Pe <= {peclet_of(speeds[gated[-1]]):g})",
                  (gated[0], criterion), xytext=(0, 4), textcoords="offset points",
                  color="tab:red", fontsize=8)
    left.set_xticks(xs, [f"{peclet_of(r):g}" for r in speeds])
    left.set_xlabel("Peclet number Pe = v HWHM / alpha")
    left.set_ylabel("|relative error| of the peak rise")
    left.set_title("Moving Gaussian spot over W: against the exact quasi-steady peak",
                   fontsize=10)
    sign_legend(left)
    left.legend(fontsize=7, loc="upper left")
    left.grid(True, which="both", alpha=0.3)
    for index, (pe, points) in enumerate(series.items()):
        marker_loglog(right, [p["n_dofs"] for p in points], points, colours[index + 1],
                      label=f"Pe = {pe:g}")
    points = next(iter(series.values()))
    dofs = [p["n_dofs"] for p in points]
    slope = points[0]["expected_slope"]
    top = max(abs(p[0]["error"]) for p in series.values())
    right.loglog([dofs[0], dofs[-1]], [top * (n / dofs[0]) ** slope for n in (dofs[0], dofs[-1])],
                 "k--", lw=0.9, label=f"slope {slope:+.0f} (3D Q2 peak value)")
    sign_legend(right)
    right.set_xlabel("unknowns N (cycles 0, 1, 2)")
    right.set_ylabel("|relative error| of the peak rise")
    right.set_title("Mesh series", fontsize=10)
    right.grid(True, which="both", alpha=0.3)
    right.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    fig.savefig(os.path.join(FIGURES, name), dpi=110)
    plt.close(fig)


def e2(x):
    return "-" if x is None else f"{x:+.1e}"


def time_and_motion_section(rows):
    """The section of the time-and-motion benchmarks; every number from ROWS."""
    transient = time_series(rows, TRANSIENT, "spatial")
    layered_all = time_series(rows, LAYERED, "spatial")
    layered = {k: v for k, v in layered_all.items()
               if round(math.log10(time_of(v[0]))) in (-7, -5, -3)}
    steady = {}
    for r in rows:
        if r["benchmark"] == LAYERED and r["case"].startswith("steady"):
            steady.setdefault((LAYERED, r["case"], r["quantity"]), []).append(r)
    for key, points in steady.items():
        # The default mesh is recorded twice (gated, and in the series).
        steady[key] = sorted({p["refinement"]: p for p in points}.values(),
                             key=lambda p: p["n_dofs"])
    speeds, mesh = moving_runs(rows)
    temporal_figure(rows, "convergence-time.png")
    spatial_figure(transient, layered, steady, "convergence-transient-space.png")
    moving_figure(speeds, mesh, "moving-source-peclet.png")

    # Transient, W half-space.
    orders = temporal_orders(fixed_step_runs(rows))
    t_end = max(time_of(r) for r in rise_rows(rows, TRANSIENT, ""))
    default_t = sorted(rise_rows(rows, TRANSIENT, "default"), key=time_of)
    first = sorted(transient.items(), key=lambda kv: time_of(kv[1][0]))[0][1]
    last = sorted(transient.items(), key=lambda kv: time_of(kv[1][0]))[-1][1]
    temporal_lines = "\n".join(
        f"| {steps} | {dt:.4g} | {error:+.2e} | {'-' if order is None else f'{order:.2f}'} | "
        f"{e2(change)} | {'-' if change_order is None else f'{change_order:.2f}'} | {early:+.2e} |"
        for steps, dt, error, order, change, change_order, early in orders)
    early = [abs(o[6]) for o in orders]
    early_shape = ("falling with every halving" if all(b < a for a, b in zip(early, early[1:]))
                   else "not monotone in the step")
    tol_t = tolerance_runs(rows, TRANSIENT)
    tol_l = tolerance_runs(rows, LAYERED, 1e-7)
    count = lambda x: "-" if x is None else str(x)
    tolerance_lines = "\n".join(
        f"| {tol:g} | {count(a[1])} ({count(a[2])}) | {a[3]['centre']:.1e} | {a[3]['t_end'][0]:+.1e} | "
        f"{count(b[1])} ({count(b[2])}) | {b[3]['metal']:.1e} | {b[3]['diamond']:.1e} |"
        for tol, a, b in ((t, next((x for x in tol_t if x[0] == t), None),
                           next((x for x in tol_l if x[0] == t), None))
                          for t in sorted({x[0] for x in tol_t} & {x[0] for x in tol_l},
                                          reverse=True)))
    balance_t, book_t, runs_t = energy_extremes(rows, TRANSIENT)
    balance_l, book_l, runs_l = energy_extremes(rows, LAYERED)

    # Layered.
    default_l = rise_rows(rows, LAYERED, "default")
    crit_l = next(r["criterion"] for r in default_l if r["criterion"] is not None)
    metal_default = [r for r in default_l if r["quantity"].startswith("metal")]
    diamond_gated = [r for r in default_l if r["quantity"].startswith("diamond")
                     and r["criterion"] is not None]
    diamond_first = min((r for r in default_l if r["quantity"].startswith("diamond")),
                        key=time_of)
    steady_metal = next(v for k, v in steady.items() if k[2].startswith("metal"))
    steady_diamond = next(v for k, v in steady.items() if k[2].startswith("diamond"))
    spatial_metal_early = min((v for k, v in layered_all.items() if k[2].startswith("metal")),
                              key=lambda v: time_of(v[0]))
    spatial_diamond_first = min((v for k, v in layered_all.items()
                                 if k[2].startswith("diamond")), key=lambda v: time_of(v[0]))
    perfect = rise_rows(rows, LAYERED, "perfect contact")
    perfect_metal = max((abs(r["error"]) for r in perfect if r["quantity"].startswith("metal")),
                        default=None)
    perfect_diamond = max((abs(r["error"]) for r in perfect if r["quantity"].startswith("diamond")
                           and time_of(r) >= 1e-7 * (1 - 1e-9)), default=None)

    # Moving.
    gated = [r for r in speeds if r["criterion"] is not None]
    ungated = [r for r in speeds if r["criterion"] is None]
    mesh_text = "; ".join(f"Pe {pe:g}: " + ", ".join(f"{p['error']:+.1e}" for p in points)
                          for pe, points in mesh.items())
    errs = lambda points: ", ".join(f"{p['error']:+.1e}" for p in points)
    spatial_rates = rate_table({**transient, **layered, **steady, **{
        (MOVING, f"Pe = {pe:g}, mesh series", "peak temperature rise"): points
        for pe, points in mesh.items()}})
    return f"""\
## Time and motion

The three benchmarks of transient and moving sources, run in full mode
(each script's own refinement, step and speed series, without `--quick`):
the spatial series at a tight time tolerance (1e-7) so that the time error
does not hide the mesh's, the temporal series on a mesh finer than the
default so that the mesh error does not hide the steps'. Their
default-setting rows, gated by ctest, are in the table of every benchmark
above; the series are here.

![Temporal convergence](figures/convergence-time.png)

![Spatial convergence of the transient benchmarks](figures/convergence-transient-space.png)

![Moving source against the Peclet number](figures/moving-source-peclet.png)

**Transient Gaussian spot over a W half-space.** The centre temperature
rise of a Gaussian spot switched on at t = 0 over a constant-property
tungsten half-space (axisymmetric; a large half-ball held at T0 whose
effect is bounded below 1e-5) against the exact rise P/(pi^(3/2) k a)
arctan(sqrt(4 alpha t)/a), at the history rows t = {', '.join(f'{time_of(r):.4g}' for r in default_t)} s.
Default case (adaptive TR-BDF2, tolerance 1e-4, {default_t[0]['refinement'].split(',')[0]},
{count(default_t[0].get('time_steps'))} steps): {errs(default_t)}, against the criterion
{default_t[0]['criterion']:g}. In space (tolerance 1e-7, refinement cycles
{len(first) - 1 and f'0..{len(first) - 1}'}): {errs(first)} at t = {time_of(first[0]):.4g} s,
{errs(last)} at t_end (least-squares slope {fitted_slope(first):+.2f} and
{fitted_slope(last):+.2f}, successive {', '.join(f'{x:+.1f}' for x in slopes(first))} at the first time,
against the Q2 nodal rate -1.5). In time, fixed steps on
the {orders and fixed_step_runs(rows)[0][1][t_end]['refinement'].split(',')[0]} mesh:

| steps | dt (s) | error at t_end | order (exact) | change from twice the step | order (changes) | error at t_end/16 |
|---|---|---|---|---|---|---|
{temporal_lines}

The changes between successive halvings do not contain the spatial error:
their order is {', '.join(f'{o[5]:.2f}' for o in orders if o[5] is not None)}, against TR-BDF2's 2.
Against the exact value the order is
{', '.join(f'{o[3]:.2f}' for o in orders if o[3] is not None)}: the exact error also holds the
spatial error of this mesh, which the smallest steps approach. At
t_end/16 the errors are {', '.join(f'{o[6]:+.1e}' for o in orders)} ({early_shape}), {orders[2][6] / orders[2][2]:.0f} times
those at t_end with {orders[2][0]} steps: there the rise still grows like sqrt(t) from
the switch-on, which the first steps cannot follow. Energy: in {runs_t} runs the largest balance
error is {balance_t:.1e} and heat in and stored + out match P t_end to {book_t:.1e}.

**Transient Gaussian spot, Cu layer on diamond.** The peak rise of the
metal layer and of the diamond under it, with a finite interface
conductance, against the Fourier-Bessel / Laplace (thermal quadrupole)
solution of the layered cylinder, at t = {', '.join(f'{t:.0e}' for t in sorted({time_of(r) for r in default_l}))} s.
Default case ({metal_default[0]['refinement']}, {count(metal_default[0].get('time_steps'))} steps):
largest metal error {max(abs(r['error']) for r in metal_default):.1e}, largest diamond error from
1e-7 s on {max(abs(r['error']) for r in diamond_gated):.1e}, against the criterion {crit_l:g}; at {time_of(diamond_first):.0e} s
the diamond has barely risen (a thin front just past the interface) and
its error, {diamond_first['error']:+.1e}, is reported, not gated. Steady
(`Task = temperature`), cycles 0..{len(steady_metal) - 1}: metal {errs(steady_metal)};
diamond {errs(steady_diamond)}. Transient, tolerance 1e-7: metal at
t = {time_of(spatial_metal_early[0]):.0e} s {errs(spatial_metal_early)}; the diamond's front at
{time_of(spatial_diamond_first[0]):.0e} s {errs(spatial_diamond_first)} (not plotted). Perfect
contact instead of the interface conductance (the other code path): metal
within {perfect_metal:.1e}, diamond within {perfect_diamond:.1e}. Energy: in {runs_l} runs the
largest balance error is {balance_l:.1e}, and heat in and stored + out
match P t_end to {book_l:.1e}.

Adaptive steps at the default mesh of each benchmark, steps taken
(rejected) and the largest relative error over the compared times (the
diamond from 1e-7 s, as gated):

| time error tolerance | W: steps | W: largest error | W: error at t_end | Cu/diamond: steps | metal | diamond |
|---|---|---|---|---|---|---|
{tolerance_lines}

The time error is controlled relative to the largest rise, so the
diamond's smaller rise carries a larger relative error than the metal's.

Spatial slopes (in N; the expected Q2 pointwise rate dashed in the figures):

{spatial_rates}

**Moving Gaussian spot over W.** The peak rise of a Gaussian spot scanned
at constant speed over a tungsten half-space, computed in the spot's frame
(3D, {speeds[0]['refinement']}, {dof_range(speeds)} unknowns), against the exact quasi-steady solution
(the moving point source integrated over the Gaussian, maximised over the
trailing hot spot). Errors at Pe = {', '.join(f'{peclet_of(r):g}' for r in speeds)}:
{errs(speeds)}. The criterion, {gated[0]['criterion']:g}, is gated up to
Pe = {peclet_of(gated[-1]):g} (largest {max(abs(r['error']) for r in gated):.1e}); beyond, the default mesh
does not resolve the thermal layer under the spot, of depth ~ a/sqrt(Pe):
{', '.join(f"{r['error']:+.1e} at Pe {peclet_of(r):g}" for r in ungated)}, reported only. Mesh series,
cycles 0..2: {mesh_text}. The exact hot spot trails the spot centre by a
speed-dependent distance, between the nodes; the peak is the maximum of
the finite element field, searched within the cells (anode-thermal.md,
"Peak temperature"), so the error is the field's own: it grows with the
speed as the hot spot narrows. (Up to 2026-12-06 the peak was the largest
nodal value, which missed the between-node maximum by up to 7.5e-4 of the
rise below Pe = 10.)
"""


# --- The report -------------------------------------------------------------------


def fmt(x):
    return "-" if x is None else f"{x:.6g}"


def cell(text):
    """Markdown table cell: a | would end the cell."""
    return str(text).replace("|", "\\|")


def criterion_text(r):
    if r["criterion"] is None or not r["default"]:
        return "-"
    ok = abs(r["error"]) <= r["criterion"]
    return f"{criterion_bound(r['criterion'])} {'met' if ok else '**MISSED**'}"


def criterion_bound(criterion):
    """A relative criterion as the table prints it: percent down to 0.01 %
    (1e-4 is "0.01%", not "0.0%"), a plain number below."""
    return f"{100 * criterion:.2g}%" if criterion >= 1e-4 else f"{criterion:.0e}"


def parse_criterion_bound(text):
    """The inverse of criterion_bound()."""
    return float(text[:-1]) / 100 if text.endswith("%") else float(text)


def missed_text(rows):
    """The default-setting rows whose criterion is missed, for the line under
    "Every benchmark"."""
    missed = [r for r in rows if r["default"] and r["criterion"] is not None
              and abs(r["error"]) > r["criterion"]]
    return "none" if not missed else "; ".join(
        f"{r['benchmark']}, {r['case']}, {r['quantity']}: {r['error']:+.2e} against "
        f"{r['criterion']:.2g} (by {abs(r['error']) - r['criterion']:.2e})" for r in missed)


def gated_rows_of_report(report):
    """The default-setting rows of the report's "Every benchmark" table, read
    back from its text (benchmark, case, quantity, error, criterion), for
    rewriting the missed-criteria line after some of its rows changed."""
    rows = []
    for line in report.split("\n"):
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        if len(cells) != 10 or not cells[3].endswith("(default)"):
            continue
        bound = cells[7].split(" ")[0]
        rows.append({"benchmark": cells[0], "case": cells[1],
                     "quantity": cells[2].replace("\\|", "|"), "default": True,
                     "error": float(cells[6]),
                     "criterion": None if bound == "-" else parse_criterion_bound(bound)})
    return rows


def table(rows):
    lines = ["| benchmark | case | quantity | refinement | reference | measured | "
             "rel. error | criterion | unknowns | time (s) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        refinement = r["refinement"] + (" (default)" if r["default"] else "")
        lines.append(f"| {r['benchmark']} | {r['case']} | {cell(r['quantity'])} | {refinement} | "
                     f"{fmt(r['reference'])} | {fmt(r['measured'])} | {r['error']:+.2e} | "
                     f"{criterion_text(r)} | {r['n_dofs']} | {r['wall_time_s']:.3g} |")
    return "\n".join(lines)


def rate_table(series):
    lines = ["| series | expected slope in N | successive slopes | least-squares slope |",
             "|---|---|---|---|"]
    for key, points in series.items():
        expected = points[0]["expected_slope"]
        lines.append(f"| {key[0]}: {key[1]}, {key[2].split(' (')[0]} | "
                     f"{'-' if expected is None else f'{expected:+.2f}'} | "
                     f"{', '.join(f'{s:+.2f}' for s in slopes(points))} | "
                     f"{fitted_slope(points):+.2f} |")
    return "\n".join(lines)


def sources(rows):
    seen = []
    for r in rows:
        entry = f"- {r['benchmark']}: {r['reference_source']}"
        if entry not in seen:
            seen.append(entry)
    return "\n".join(seen)


def default_row(rows, benchmark, quantity_start, case_start=""):
    return next(r for r in rows if r["benchmark"] == benchmark and r["default"]
                and r["quantity"].startswith(quantity_start) and r["case"].startswith(case_start))


def sci(x):
    """1e-05 -> 1e-5, 6.3e-06 -> 6.3e-6: as the parameters are written."""
    mantissa, exponent = f"{x:.1e}".split("e")
    return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"


def times(n):
    return {0: "never", 1: "once", 2: "twice"}.get(n, f"{n} times")


def pct(x):
    return f"{100 * x:+.2f} %"


def convergence_comments(rows, eq2_series, es_series):
    """The prose under the convergence figures; every number from this run."""
    key = lambda b, c, q: next(k for k in (eq2_series | es_series)
                               if k[0] == b and k[1].startswith(c) and k[2].startswith(q))
    tolias = eq2_series[key(EQ2, "Tolias k(T), axisymmetric", "")]
    constant = eq2_series[key(EQ2, "constant k, axisymmetric", "")]
    three_d = eq2_series[key(EQ2, "constant k, 3d", "")]
    worst_eq2 = max(abs(r["error"]) for r in rows if r["benchmark"] == EQ2 and r["default"])
    sign_changes = sum(1 for a, b in zip(constant, constant[1:]) if a["error"] * b["error"] < 0)
    c_sph = es_series[key(SPHERES, "", "capacitance")]
    e_sph = es_series[key(SPHERES, "", "peak")]
    c_pl = es_series[key(PLANE, "", "capacitance")]
    e_pl = es_series[key(PLANE, "", "peak")]
    plane_default = default_row(rows, PLANE, "peak")
    sphere_field_default = default_row(rows, SPHERES, "peak")
    field_tolerance = sphere_field_default["criterion"]
    return f"""\
**Eq. (2).** The quantity is the maximum permissible power density of a
Gaussian spot on a tungsten half-ball against the exact finite-body value,
under the solver's adaptive (Kelly) refinement cycles. For Q2 elements the
error of the peak value, a pointwise error, falls like h^3, i.e. N^-3/2 in the axisymmetric model
and N^-1 in 3D (dashed lines). Measured: the first cycles fall much faster
than that (successive slopes {', '.join(f'{s:+.1f}' for s in slopes(constant)[:2])} axisymmetric,
{', '.join(f'{s:+.1f}' for s in slopes(three_d))} in 3D): the mesh is graded to the spot a priori and
Kelly refinement targets the peak, so the coarse error is dominated by a
few spot cells that the first cycle fixes. Below ~1e-5 there is no rate to
read: with k(T) the maximum-power root search stops at its relative
tolerance {sci(POWER_SEARCH_TOLERANCE)} (`Maximum power tolerance`, dotted line) and the Tolias
error levels at {sci(abs(tolias[-1]['error']))}; with constant k the power is an exact
scaling of one solve, and the error changes sign {times(sign_changes)} between cycles
and ends at {sci(abs(constant[-1]['error']))} (the dip to {sci(min(abs(p['error']) for p in constant))} is a sign change,
not accuracy). 3D is run at two cycles only, to keep the report short: its
second point is already at the floor. Every default-setting error
is within {sci(worst_eq2)} of the reference, against the 0.5 % criterion.

**Electrostatics.** P2 elements with a quadratic boundary map: the
capacitance is an energy, error ~ h^4 ~ N^-4/3; the peak surface field a
gradient at a vertex, error ~ h^2 ~ N^-2/3. The concentric-sphere
capacitance follows it (least-squares slope {fitted_slope(c_sph):+.2f} against {c_sph[0]['expected_slope']:+.2f}).
The peak surface field is the largest recovered vertex density
(doc/stream-potential.md, "Surface fields"): errors {', '.join(pct(p['error']) for p in e_sph)}
(fit {fitted_slope(e_sph):+.2f} against {e_sph[0]['expected_slope']:+.2f}). The recovery, patch averaging
with one correction step, removes most of the vertex-to-vertex scatter of
the flux on an unstructured surface mesh, whose largest value would
otherwise carry the worst local patch rather than a smooth error; the
default mesh meets the {100 * field_tolerance:g} % criterion ({pct(sphere_field_default['error'])}). Over a plane
(farther box only; the nearer box estimates the enclosure's effect) there
are two sizes, so the slopes ({fitted_slope(c_pl):+.2f} capacitance, {fitted_slope(e_pl):+.2f} peak field)
are indicative only; the field is peaked at the point nearest the plane,
where the mesh resolves the gap (`Mesh/Elements across anode gap`):
{pct(plane_default['error'])} at the default size, {plane_miss(plane_default['error'], field_tolerance)}
(not gated: this benchmark has no criterion of its own), {pct(e_pl[-1]['error'])} one size finer.
The charged slab is reproduced to solver tolerance (P2 contains the exact
piecewise quadratic), so it has no rate and is not plotted.

{narrow_gap_section(rows)}"""


def plane_miss(error, tolerance):
    """How the sphere-over-plane peak field compares with the sphere's
    criterion."""
    if abs(error) <= tolerance:
        return f"within the {100 * tolerance:g} % sphere criterion"
    return (f"which misses the {100 * tolerance:g} % sphere criterion by "
            f"{100 * (abs(error) - tolerance):.1f} percentage points")


def pair_gap_comments(rows):
    """The prose on the two spheres (one at V, one grounded), gap by gap,
    and the table of its particle-gap refinement."""
    ours = [r for r in rows if r["benchmark"] == PAIR]
    gated = [r for r in ours if r["default"]]
    cases = list(dict.fromkeys(r["case"] for r in gated))
    quantities = list(dict.fromkeys(r["quantity"] for r in gated))

    def cell(pick, case):
        return ", ".join(pct(next(r for r in pick if r["case"] == case
                                  and r["quantity"] == q)["error"]) for q in quantities)

    default_lines = [f"| {case} | {cell(gated, case)} | "
                     f"{next(r for r in gated if r['case'] == case)['n_dofs']} |"
                     for case in cases]
    enclosure = [r for r in ours if not r["default"] and r["refinement"].startswith("default")]
    enclosure_effect = max((abs(r["error"] - next(
        g["error"] for g in gated if g["case"] == r["case"]
        and g["quantity"] == r["quantity"]))
                            for r in enclosure if r["quantity"].startswith("charge of A")),
                           default=float("nan"))
    refined = [r for r in ours if "elements across" in r["refinement"]]
    counts = list(dict.fromkeys(int(r["refinement"].split()[0]) for r in refined))
    refined_case = refined[0]["case"] if refined else ""
    gap = float(refined_case.split()[1]) if refined else 0.0
    refined_lines = [
        f"| {n} | {'off' if n == 0 else f'{gap / n:.3g} a'} | "
        + cell([r for r in refined if r["refinement"].startswith(f"{n} elements")],
               refined_case)
        + f" | {next(r for r in refined if r['refinement'].startswith(f'{n} elements'))['n_dofs']} |"
        for n in counts]
    tolerance = {q: next(r["criterion"] for r in gated if r["quantity"] == q)
                 for q in quantities}
    missed = [f"{r['case']}: {r['quantity']} {pct(r['error'])}" for r in gated
              if abs(r["error"]) > tolerance[r["quantity"]]]
    return f"""\
**Two spheres, one at a potential, one grounded** (`sphere_sphere_benchmark.py`,
equal spheres A at V and B at 0 in a grounded sphere 40 centre distances
away, the reference the image series of the free pair with the enclosure's
uniform image potential; doubling the enclosure's radius, a different
mesh, changes the Q_A error by {sci(enclosure_effect)}). Errors at the default mesh (Q_B's relative to |Q_A|;
criteria 0.5 % on the charges and 2 % on the peak fields, gated at every
gap; missed: {'; '.join(missed) or 'none'}):

| case | Q_A, Q_B, peak field of A, of B | unknowns |
|---|---|---|
{chr(10).join(default_lines)}

The peak fields sit at the two points of closest approach, where the mesh
resolves the gap (`Mesh/Elements across particle gap`, default 6: the size
on the line of centres is at most the gap over that; away from it the size
grows with the slope k, k^2 = g (1 - 2/n) / r, at most 0.7, so a smaller n
grows more slowly: hence the unknowns at 3). At {refined_case}:

| elements across the gap | size in the gap | Q_A, Q_B, peak field of A, of B | unknowns |
|---|---|---|---|
{chr(10).join(refined_lines)}"""


def gap_comments(rows):
    """The prose on the sphere at a potential over the plane, gap by gap,
    and the table of its anode-gap refinement."""
    ours = [r for r in rows if r["benchmark"] == PLANE_POTENTIAL]
    gated = [r for r in ours if r["default"]]
    capacitance = [r for r in gated if r["quantity"].startswith("capacitance")]
    field = [r for r in gated if r["quantity"].startswith("peak")]
    box = [r for r in ours if not r["default"] and r["refinement"].startswith("default")
           and r["quantity"].startswith("capacitance")]
    box_effect = max(abs(r["measured"] - next(
        g["measured"] for g in capacitance if g["case"] == r["case"])) / r["reference"]
                     for r in box)
    worst = max(capacitance, key=lambda r: abs(r["error"]))
    field_missed = "".join(
        f" (missed at {r['case'].split(' (')[0]} by {100 * (abs(r['error']) - r['criterion']):.2f} points)"
        for r in field if abs(r["error"]) > r["criterion"])
    refined = [r for r in ours if "elements across" in r["refinement"]]
    counts = sorted({int(r["refinement"].split()[0]) for r in refined})
    cases = list(dict.fromkeys(r["case"] for r in refined))
    overshoots = [f"{pct(r['error'])} with {r['refinement'].split(',')[0]} at "
                  f"{r['case'].split(' (')[0]}" for r in refined
                  if r["quantity"].startswith("peak") and r["error"] > r["criterion"]]
    overshoot_text = "" if not overshoots else f"""
With the limit on, the peak field leaves the {100 * field[0]['criterion']:g} % band
upwards at {', '.join(overshoots)}: the recovery's correction step
overshoots where the size grows fast from a very small size on the axis
(lopsided area weights in the patch average).
"""
    lines = ["| case | " + " | ".join(f"{n} across: C, peak field" for n in counts) + " |",
             "|---|" + "---|" * len(counts)]
    for case in cases:
        cells = []
        for n in counts:
            pair = [r for r in refined if r["case"] == case
                    and r["refinement"].startswith(f"{n} elements")]
            c = next(r for r in pair if r["quantity"].startswith("capacitance"))
            e = next(r for r in pair if r["quantity"].startswith("peak"))
            cells.append(f"{pct(c['error'])}, {pct(e['error'])} ({c['n_dofs']})")
        lines.append(f"| {case} | " + " | ".join(cells) + " |")
    return f"""\
**Sphere at a potential over the plane** (`sphere_plane_benchmark.py`,
gaps {', '.join(r['case'].split(' a')[0].split('gap ')[1] for r in capacitance)} radii, default mesh, the box far enough
that doubling its distance moves C by at most {sci(box_effect)}): the charge is
the Galerkin charge (doc/stream-potential.md, "Charges"); the capacitance
errors are {', '.join(pct(r['error']) for r in capacitance)}, the worst
{pct(worst['error'])} at {worst['case']}, against the 0.5 % criterion. The peak
field at the gap point: {', '.join(pct(r['error']) for r in field)}, against the 2 % criterion{field_missed}.
The mesh resolves the gap: the size on its axis is at most the gap over
`Mesh/Elements across anode gap`. Without that limit (0) the vertex-averaged
flux smooths the peak over a patch of the surface size, wider than the
field's concentration where the gap is narrow; errors against that number
(unknowns in brackets):

{chr(10).join(lines)}
{overshoot_text}
At the wide gaps the limit is inactive. The peak field is the largest
recovered vertex density (doc/stream-potential.md, "Surface fields"): the
consistent flux averaged over each vertex's patch with one correction step,
exact on a uniform density, so that the maximum does not pick up the
vertex-to-vertex scatter of the flux on an irregular surface mesh."""


NARROW_GAP_START = "**Sphere at a potential over the plane**"
NARROW_GAP_END = "## Time and motion"
NARROW_GAP_BENCHMARKS = (PLANE_POTENTIAL, PAIR)
NOTE_START = "*Narrow-gap section regenerated"
MISSED_START = "Default-setting criteria missed:"


def narrow_gap_section(rows):
    """The narrow-gap paragraphs: the sphere over the plane and the two
    spheres, each against the gap and against its elements across the gap."""
    return f"{gap_comments(rows)}\n\n{pair_gap_comments(rows)}"


def replace_narrow_gap(report, rows, note):
    """REPORT (doc/validation.md's text) with the narrow-gap benchmarks'
    rows of "Every benchmark" and their section rebuilt from ROWS (the
    --json rows of sphere_plane_benchmark.py and sphere_sphere_benchmark.py),
    NOTE in front of the section."""
    lines = report.split("\n")
    ours = [k for k, line in enumerate(lines)
            if any(line.startswith(f"| {b} |") for b in NARROW_GAP_BENCHMARKS)]
    if not ours:
        raise ValueError(f"{os.path.relpath(REPORT)} has no rows of "
                         + " or ".join(NARROW_GAP_BENCHMARKS))
    new_rows = table(rows).split("\n")[2:]
    lines = lines[:ours[0]] + new_rows + [line for k, line in enumerate(lines)
                                          if k > ours[0] and k not in ours]
    report = re.sub(f"^{re.escape(MISSED_START)} .*$",
                    lambda _: f"{MISSED_START} {missed_text(gated_rows_of_report(report))}.",
                    "\n".join(lines), count=1, flags=re.M)
    start, end = report.find(NARROW_GAP_START), report.find(NARROW_GAP_END)
    if start < 0 or end < start:
        raise ValueError(f"{os.path.relpath(REPORT)} has no narrow-gap section")
    before = report[:start].rstrip("\n")
    if before[before.rfind("\n") + 1:].startswith(NOTE_START):  # an earlier note
        start = before.rfind("\n") + 1
    return report[:start] + f"{note}\n\n{narrow_gap_section(rows)}\n\n" + report[end:]


def regenerate_narrow_gap(paths):
    """Rewrite the narrow-gap rows and section of doc/validation.md from the
    benchmarks' --json files, leaving the rest of the report as it was."""
    rows = []
    for path in paths:
        with open(path) as file:
            rows += json.load(file)
    missing = [b for b in NARROW_GAP_BENCHMARKS if not any(r["benchmark"] == b for r in rows)]
    if missing:
        raise ValueError(f"no rows of {', '.join(missing)} in {', '.join(paths)}")
    note = (f"{NOTE_START} separately on "
            f"{datetime.date.today().isoformat()} (`validation_report.py --narrow-gap`, "
            f"from the full runs of sphere_plane_benchmark.py and "
            f"sphere_sphere_benchmark.py); the rest of the report is from the date "
            f"at the top, so the concentric-sphere and sphere-over-plane rows, the "
            f"electrostatics paragraph and its figure may predate changes to the "
            f"solver that this section shows.*")
    with open(REPORT) as file:
        report = file.read()
    report = replace_narrow_gap(report, rows, note)
    with open(REPORT, "w") as file:
        file.write(report)


def write_report(args, rows, curves, profile_summaries, seconds, eq2_series, es_series,
                 dd_series):
    today = datetime.date.today().isoformat()
    # Departure from linearity: the rise at P_max against five times the
    # rise at 0.2 P_max (zero for constant k).
    power_lines = "\n".join(
        f"| {label} | {c['p_max']:.3f} | {c['limiting_layer']} ({c['limiting_material']}), "
        f"{c['limit']:.1f} | {c['peaks'][-1]:.1f} | "
        f"{(c['peaks'][-1] - c['T0']) / (c['powers'][-1] / c['powers'][0] * (c['peaks'][0] - c['T0'])) - 1:+.1%} |"
        for label, c in curves.items())
    stream_lines = "\n".join(
        f"| {label} | {s['n_dofs']} | {s['total_charge_C']:.4g} | "
        f"{s['min_particle_potential_V']:.1f} .. {s['max_particle_potential_V']:.1f} | "
        f"{s['max_surface_field_V_per_m']:.4g} | {s['wall_time_s']:.1f} |"
        for label, s in profile_summaries.items())
    unlimited, limited = profile_summaries.values()
    depth_dose = {r["case"]: r["measured"] for r in rows
                  if r["benchmark"] == DEPTH_DOSE and r["default"]}
    depth_dose_gain = (depth_dose["50 kV, axisymmetric"]
                       / depth_dose["surface flux, axisymmetric"])
    command = shlex.join(["/usr/bin/python3", "postprocess/plots/validation_report.py",
                          "--build", args.build_arg, "--np", str(args.np)])
    text = f"""# Validation report

<!-- Generated by postprocess/plots/validation_report.py; do not edit by hand. -->

*Generated* on {today} by one command, run from the repository root:

    {command}

(any build directory holding `bin/anode-thermal` and `bin/stream-potential`;
use Debian's `/usr/bin/python3`, which has matplotlib). It took
{seconds / 60:.1f} min on {platform.node() or 'this machine'}: {os.cpu_count()} cores, shared with other
work, {args.np} MPI rank{'s' if args.np > 1 else ''} per run, so the times below are indicative only.
Every row is a solver run compared with an exact reference; "(default)"
marks the solver's default refinement, where ctest gates the criterion
(`ctest -L benchmark`, `--quick`). Times are solver wall times (Eq. (2),
time and motion) or whole runs including mesh generation (electrostatics).
The transient and moving-source benchmarks list their default-setting rows
only; their refinement, step and speed series are in "Time and motion".

## Every benchmark

{table([r for r in rows if r["benchmark"] not in TIME_AND_MOTION or r["default"]])}

{MISSED_START} {missed_text(rows)}.

References:
{sources(rows)}

## Convergence

![Eq. (2) convergence](figures/convergence-eq2.png)

![Depth-dose convergence](figures/convergence-depth-dose.png)

![Electrostatics convergence](figures/convergence-electrostatics.png)

Filled markers: the solver overestimates; open: it underestimates. Dashed:
the expected slope through the coarsest point. Measured slopes (in the
number of unknowns N):

{rate_table(eq2_series | dd_series | es_series)}

{convergence_comments(rows, eq2_series, es_series)}

{time_and_motion_section(rows)}
## Peak temperature against power

![Peak temperature against power](figures/peak-temperature-vs-power.png)

| anode (axisymmetric, k(T)) | maximum permissible incident power (W) | limiting layer, limit (K) | peak at that power (K) | rise at P_max vs linear from the lowest power |
|---|---|---|---|---|
{power_lines}

Each curve runs from 20 % to 100 % of the anode's maximum permissible power
(`Task = maximum power`; the other points `Task = temperature` at fixed
incident power), so the last point sits on the limit line. The dotted lines
are what a constant k would give from the lowest point; the last column is
how far the curve rises above it: copper's conductivity falls from 401 to
352 W/(m K) between 300 and 1000 K (solvers/common/materials.cc), so the
rise grows faster than the power. Limiting material (third column):
{' and '.join(sorted({c['limiting_material'] for c in curves.values()}))}; 5 um of Cu on diamond takes
{curves[list(curves)[1]]['p_max'] / curves[list(curves)[0]]['p_max']:.2f} x the power of bulk Cu at this 20 um spot. Both use a surface
heat flux (the Eq. (2) limit of the params files), which overestimates the
peak of a thin layer on diamond: the ratio is a lower estimate. With the
electrons' depth-dose heating (`Heat source/Deposition = depth-dose`) see
the design study, [diamond-anodes.md](diamond-anodes.md).

The depth-dose benchmark (rows "Depth-dose half-ball, Cu") compares the
volumetric source with the exact half-space solution for a separable source
(theory.md): at 50 kV the Cu range, 6.7 um, is comparable with the 5 um
HWHM, the hottest point lies below the surface and the maximum power is
{depth_dose_gain:.3f} x the surface-flux value; as the tube voltage falls
(20, 10, 5 kV) the computed maximum power tends to the surface-flux
(Eq. (2)) one, each run compared with its own exact value. The hottest
point lies below the surface, between nodes; the peak is the maximum of
the finite element field there (anode-thermal.md, "Peak temperature"),
whose error is not of one sign: at 10 kV, where the 0.46 um range is
spanned by the first cell or two under the spot, the field in that cell
overshoots the hottest point and the maximum power comes out low. (With
the largest nodal value, up to 2026-12-06, the axisymmetric errors were
+1.3e-5 at 50 kV and +5.4e-6 at 10 kV, the 3D one +3.2e-5.)

## Potential and field through a particle stream

![Profile through the stream](figures/stream-profile.png)

| case | unknowns | total charge (C) | particle potentials (V) | max surface field (V/m) | time (s) |
|---|---|---|---|---|---|
{stream_lines}

Profiles along the anode normal through the centre particle
(`profile.csv` of `params/stream-monolayer.prm` and
`params/stream-monolayer-field-limit.prm`). Without the
limit each particle holds the beam charge: the surface field reaches
{unlimited['max_surface_field_V_per_m']:.2g} V/m, {unlimited['max_surface_field_V_per_m'] / FIELD_LIMIT_V_PER_M:.0f} x the 1 MV/mm at which field emission
would discharge it. With the limit each particle holds only the charge at
which its peak surface field is 1 MV/mm ({limited['max_surface_field_V_per_m']:.4g} V/m), and the
total charge drops by {unlimited['total_charge_C'] / limited['total_charge_C']:.0f} x. The profile is sampled
at fixed steps, so its largest field lies just below the surface maximum.
"""
    text += peer_section()   # (read before the file is emptied)
    with open(REPORT, "w") as file:
        file.write(text)


PEER_HEADING = "## Speed against the peer"


def peer_section():
    """The report's peer comparison, kept as it is: it is measured by
    benchmarks/peers/side_by_side.py (which needs DOLFINx), not by this
    script, and written in by hand with its date."""
    if not os.path.exists(REPORT):
        return ""
    with open(REPORT) as file:
        old = file.read()
    start = old.find(PEER_HEADING)
    return "" if start < 0 else "\n" + old[start:]


def power_curve(args, prm, sets, scratch):
    """Peak temperature at 20-80 % of the maximum permissible power, and at it."""
    top, _ = solve(args, "anode-thermal", prm, sets + ["Task=maximum power"], scratch,
                   "max-" + prm)
    p_max = top["max_permissible_power_W"]
    T0 = top["coolant_temperature_K"]
    limiting = next(l for l in top["layers"] if l["name"] == top["limiting_layer"])
    powers, peaks = [], []
    for fraction in (0.2, 0.4, 0.6, 0.8):
        s, _ = solve(args, "anode-thermal", prm,
                     sets + ["Task=temperature", f"Heat source/Incident power={fraction * p_max}"],
                     scratch, f"{prm}-{fraction}")
        powers.append(s["incident_power_W"])
        peaks.append(s["peak_temperature_K"])
    powers.append(p_max)
    peaks.append(top["peak_temperature_K"])
    return {"powers": powers, "peaks": peaks, "limit": limiting["temperature_limit_K"],
            "limiting_layer": limiting["name"], "limiting_material": limiting["material"],
            "p_max": p_max, "T0": T0}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default="build", help="build directory (with bin/)")
    parser.add_argument("--np", type=int, default=2, help="MPI ranks per run")
    parser.add_argument("--data", help="also write everything measured (rows, curves, "
                        "profiles, the run time) to this JSON file")
    parser.add_argument("--from-data", metavar="FILE",
                        help="run nothing: rewrite the figures and the report from a file "
                        "written by --data (to change the presentation of one measurement)")
    parser.add_argument("--narrow-gap", metavar="JSON", nargs="+",
                        help="run nothing: rewrite only the narrow-gap rows and section "
                        "(sphere over the plane, two spheres) from the --json files of "
                        "sphere_plane_benchmark.py and sphere_sphere_benchmark.py "
                        "(full mode), keeping the rest of the report")
    args = parser.parse_args()
    if args.narrow_gap:
        try:
            regenerate_narrow_gap(args.narrow_gap)
        except (OSError, ValueError) as failure:
            print(f"validation_report.py: error: {failure}", file=sys.stderr)
            return 2
        print(f"wrote the narrow-gap section of {os.path.relpath(REPORT)}")
        return 0
    args.build_arg = args.build
    args.build = os.path.abspath(args.build)
    if args.from_data:
        with open(args.from_data) as file:
            data = json.load(file)
        args.build_arg, args.np = data["build"], data["np"]
        render(args, data)
        print(f"wrote {os.path.relpath(REPORT)} and doc/figures/ from {args.from_data}")
        return 0
    for solver in ("anode-thermal", "stream-potential"):
        if not os.access(os.path.join(args.build, "bin", solver), os.X_OK):
            print(f"validation_report.py: error: no executable {args.build}/bin/{solver}",
                  file=sys.stderr)
            return 1
    # Failure logs go next to the executables, not into the deleted scratch.
    args.log_dir = args.build if os.access(args.build, os.W_OK) else tempfile.gettempdir()
    start = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory() as scratch:
            rows = (benchmark_rows(args, "benchmarks/eq2/eq2_benchmark.py", "anode-thermal",
                                   scratch)
                    + benchmark_rows(args, "benchmarks/depth_dose/depth_dose_benchmark.py",
                                     "anode-thermal", scratch)
                    + benchmark_rows(args, "benchmarks/stream/electrostatics_benchmark.py",
                                     "stream-potential", scratch)
                    + benchmark_rows(args, "benchmarks/stream/sphere_plane_benchmark.py",
                                     "stream-potential", scratch)
                    + benchmark_rows(args, "benchmarks/stream/sphere_sphere_benchmark.py",
                                     "stream-potential", scratch)
                    + benchmark_rows(args, "benchmarks/moving/moving_source_benchmark.py",
                                     "anode-thermal", scratch)
                    + benchmark_rows(args, "benchmarks/transient/transient_benchmark.py",
                                     "anode-thermal", scratch)
                    + benchmark_rows(args,
                                     "benchmarks/transient_layered/transient_layered_benchmark.py",
                                     "anode-thermal", scratch))
            # Cu on diamond in axisymmetric form: the same answer as 3D for
            # a circular spot at a fraction of the time.
            curves = {label: power_curve(args, prm, sets, scratch) for label, prm, sets in (
                ("bulk Cu, 20 um FWHM", "bulk-cu.prm", []),
                ("5 um Cu on CVD diamond, 20 um FWHM", "cu-on-diamond.prm",
                 ["Model=axisymmetric"]))}
            profiles, summaries = {}, {}
            for label, prm in (("without the limit (beam charge)", "stream-monolayer.prm"),
                               ("with the 1 MV/mm field-emission limit",
                                "stream-monolayer-field-limit.prm")):
                summaries[label], out = solve(args, "stream-potential", prm, [], scratch, prm)
                with open(os.path.join(out, "profile.csv")) as file:
                    profiles[label] = list(csv.DictReader(file))
    except RunFailed as failure:
        print(f"validation_report.py: error: {failure}", file=sys.stderr)
        return 1
    data = {"build": args.build_arg, "np": args.np, "rows": rows, "curves": curves,
            "summaries": summaries, "profiles": profiles,
            "seconds": time.perf_counter() - start}
    if args.data:
        with open(args.data, "w") as file:
            json.dump(data, file)
    render(args, data)
    print(f"wrote {os.path.relpath(REPORT)} and doc/figures/ in "
          f"{(time.perf_counter() - start) / 60:.1f} min")
    return 0


def render(args, data):
    """The figures and doc/validation.md from the measurements."""
    rows, curves, summaries, profiles = (data["rows"], data["curves"], data["summaries"],
                                         data["profiles"])
    eq2_series = convergence_series(rows, (EQ2,))
    es_series = convergence_series(rows, (SPHERES, PLANE))
    dd_series = convergence_series(rows, (DEPTH_DOSE,))
    os.makedirs(FIGURES, exist_ok=True)
    convergence_figure(eq2_series, "convergence-eq2.png",
                       "Eq. (2) half-ball: maximum permissible power density",
                       (POWER_SEARCH_TOLERANCE, "k(T) power-search tolerance 1e-5"))
    convergence_figure(dd_series, "convergence-depth-dose.png",
                       "Depth-dose half-ball (Cu, 50 kV, HWHM 5 um): maximum permissible power")
    convergence_figure(es_series, "convergence-electrostatics.png",
                       "Electrostatics: capacitance and peak surface field")
    power_figure(curves, "peak-temperature-vs-power.png")
    profile_figure(profiles, "stream-profile.png")
    write_report(args, rows, curves, summaries, data["seconds"],
                 eq2_series, es_series, dd_series)


if __name__ == "__main__":
    sys.exit(main())

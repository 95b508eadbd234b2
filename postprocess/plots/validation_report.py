#!/usr/bin/python3
"""Regenerate doc/validation.md and its figures from the benchmarks.

    /usr/bin/python3 postprocess/plots/validation_report.py --build build [--np 2]

Runs every exact benchmark at full refinement (benchmarks/eq2,
benchmarks/stream, through their --json option), the peak temperature of
two anodes against power, and the potential profile through a particle
stream with and without the field-emission limit; writes doc/figures/*.png
(matplotlib, Debian's python3-matplotlib) and doc/validation.md. A failed
run stops the report with its error; nothing is written then.
"""
import argparse
import csv
import datetime
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIGURES = os.path.join(ROOT, "doc", "figures")
REPORT = os.path.join(ROOT, "doc", "validation.md")
MPI_ENVIRONMENT = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
                   "OMPI_MCA_rmaps_base_oversubscribe": "1"}


class RunFailed(Exception):
    pass


def run(command, what):
    print("RUN", " ".join(command), flush=True)
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True,
                            env={**os.environ, **MPI_ENVIRONMENT})
    if result.returncode != 0:
        last = (result.stderr.strip() or result.stdout.strip()).splitlines()[-1:]
        raise RunFailed(f"{what} exited with {result.returncode}: {' '.join(last)}")
    return result.stdout, time.perf_counter() - start


def benchmark_rows(args, script, executable, scratch):
    path = os.path.join(scratch, os.path.basename(script) + ".json")
    command = [sys.executable, os.path.join(ROOT, script),
               os.path.join(args.build, "bin", executable), "--json", path]
    if args.np > 1:
        command += ["--np", str(args.np), "--mpiexec", "mpirun"]
    output, _ = run(command, script)
    print(output)
    with open(path) as file:
        return json.load(file)


def solve(args, solver, prm, sets, scratch, name, np=None):
    """Run a solver on params/PRM; returns (summary, output directory)."""
    out = os.path.join(scratch, name)
    command = [os.path.join(args.build, "bin", solver), os.path.join(ROOT, "params", prm),
               "--set", f"Output directory={out}"]
    for assignment in sets:
        command += ["--set", assignment]
    np = np or args.np
    if np > 1:
        command = ["mpirun", "-np", str(np)] + command
    run(command, f"{solver} {prm} {' '.join(sets)}")
    with open(os.path.join(out, "summary.json")) as file:
        return json.load(file), out


# --- Figures ------------------------------------------------------------------


def slope_guide(axis, dofs, errors, slope, colour):
    """A dashed line of the expected slope through the coarsest point."""
    if slope is None or not dofs:
        return
    n0, e0 = dofs[0], abs(errors[0])
    ns = [n0, dofs[-1]]
    axis.loglog(ns, [e0 * (n / n0) ** slope for n in ns], "--", color=colour, lw=1,
                label=f"expected slope {slope:.2g}")


def convergence_figure(rows, benchmarks, name, title, floor=None):
    fig, axis = plt.subplots(figsize=(7, 5))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    series = {}
    for row in rows:
        if row["benchmark"] in benchmarks and row["reference"]:
            key = (row["benchmark"], row["case"], row["quantity"])
            series.setdefault(key, []).append(row)
    for (benchmark, case, quantity), points in series.items():
        colour = colours[len(axis.lines) // 2 % len(colours)]
        if "box" in points[0]["refinement"]:  # sphere over plane: largest box only
            largest = max(p["refinement"].split("box ")[1] for p in points)
            points = [p for p in points if p["refinement"].endswith(largest)]
        points.sort(key=lambda p: p["n_dofs"])
        dofs = [p["n_dofs"] for p in points]
        errors = [max(abs(p["error"]), 1e-12) for p in points]
        axis.loglog(dofs, errors, "o-", color=colour,
                    label=f"{benchmark}: {case}, {quantity.split(' (')[0]}")
        slope_guide(axis, dofs, errors, points[0]["expected_slope"], colour)
    if floor:
        axis.axhline(floor[0], color="grey", lw=0.8, ls=":")
        axis.text(axis.get_xlim()[0] * 1.1, floor[0] * 1.2, floor[1], color="grey",
                  fontsize=8)
    axis.set_xlabel("unknowns")
    axis.set_ylabel("|relative error|")
    axis.set_title(title)
    axis.grid(True, which="both", alpha=0.3)
    axis.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(FIGURES, name), dpi=110)
    plt.close(fig)


def power_figure(curves, name):
    fig, axis = plt.subplots(figsize=(7, 5))
    for label, (powers, peaks, limit, p_max, _) in curves.items():
        line, = axis.plot(powers, peaks, "o-", label=f"{label} (max. {p_max:.1f} W)")
        axis.axhline(limit, color=line.get_color(), ls=":", lw=1)
    axis.set_xlabel("incident power (W)")
    axis.set_ylabel("peak temperature (K)")
    axis.set_title("Peak temperature against power (k(T); dotted: limit of the hottest layer)")
    axis.grid(True, alpha=0.3)
    axis.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(FIGURES, name), dpi=110)
    plt.close(fig)


def profile_figure(profiles, name):
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 7), sharex=True)
    for label, rows in profiles.items():
        z = [1e6 * float(r["z_m"]) for r in rows]
        top.plot(z, [float(r["potential_V"]) for r in rows], label=label)
        bottom.plot(z, [1e-6 * float(r["electric_field_magnitude_V_per_m"]) for r in rows],
                    label=label)
    top.set_ylabel("potential (V)")
    bottom.set_ylabel("|E| (MV/m)")
    bottom.set_yscale("log")
    bottom.set_xlabel("height above the anode z (um), through the centre particle")
    top.set_title("Profile through the 77-particle monolayer "
                  "(flat parts: inside the particle)")
    for axis in (top, bottom):
        axis.grid(True, alpha=0.3)
        axis.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(FIGURES, name), dpi=110)
    plt.close(fig)


# --- The report -------------------------------------------------------------------


def fmt(x):
    return "-" if x is None else f"{x:.6g}"


def cell(text):
    """Markdown table cell: a | would end the cell."""
    return str(text).replace("|", "\\|")


def table(rows):
    lines = ["| benchmark | case | quantity | refinement | reference | measured | "
             "rel. error | criterion | unknowns | time (s) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        criterion = "-"
        if r["criterion"] is not None and r["default"]:
            ok = abs(r["error"]) <= r["criterion"]
            criterion = f"{r['criterion']:.1%} {'met' if ok else '**MISSED**'}" \
                if r["criterion"] >= 1e-4 else f"{r['criterion']:.0e} {'met' if ok else '**MISSED**'}"
        refinement = r["refinement"] + (" (default)" if r["default"] else "")
        lines.append(f"| {r['benchmark']} | {r['case']} | {cell(r['quantity'])} | {refinement} | "
                     f"{fmt(r['reference'])} | {fmt(r['measured'])} | {r['error']:+.2e} | "
                     f"{criterion} | {r['n_dofs']} | {r['wall_time_s']:.3g} |")
    return "\n".join(lines)


def sources(rows):
    seen = []
    for r in rows:
        entry = f"- {r['benchmark']}: {r['reference_source']}"
        if entry not in seen:
            seen.append(entry)
    return "\n".join(seen)


def write_report(args, rows, curves, profile_summaries, seconds):
    today = datetime.date.today().isoformat()
    missed = [r for r in rows if r["default"] and r["criterion"] is not None
              and abs(r["error"]) > r["criterion"]]
    # Departure from linearity: the rise at P_max against five times the
    # rise at 0.2 P_max (zero for constant k).
    power_lines = "\n".join(
        f"| {label} | {p_max:.3f} | {limit:.1f} | "
        f"{(peaks[-1] - T0) / (5 * (peaks[0] - T0)) - 1:+.1%} |"
        for label, (powers, peaks, limit, p_max, T0) in curves.items())
    stream_lines = "\n".join(
        f"| {label} | {s['n_dofs']} | {s['total_charge_C']:.4g} | "
        f"{s['min_particle_potential_V']:.1f} .. {s['max_particle_potential_V']:.1f} | "
        f"{s['max_surface_field_V_per_m']:.4g} | {s['wall_time_s']:.1f} |"
        for label, s in profile_summaries.items())
    text = f"""# Validation report

<!-- Generated by postprocess/plots/validation_report.py; do not edit by hand. -->

Regenerated on {today} by

    /usr/bin/python3 postprocess/plots/validation_report.py --build build --np {args.np}

(this time with the executables of `{args.build}`) in {seconds / 60:.1f} min on {platform.node() or 'a'} ({os.cpu_count()} cores, shared and
noisy: times are indicative). Every row is a solver run compared with an
exact reference; "(default)" marks the solver's default refinement, where
the criterion is gated by ctest (`ctest -L benchmark`).

## Every benchmark

{table(rows)}

Default-setting criteria missed: {len(missed) if missed else 'none'}.

References:
{sources(rows)}

## Convergence

![Eq. (2) convergence](figures/convergence-eq2.png)

The Eq. (2) error is the maximum permissible power density of a Gaussian
spot on a tungsten half-ball against the exact finite-body value, under the
solver's adaptive refinement (the cycles). For Q2 elements a nodal peak
value converges like h^3, i.e. N^-3/2 in the axisymmetric model and N^-1 in
3D (dashed lines). The first refinements fall faster than that (the mesh is
graded to the spot a priori and Kelly refinement targets the peak); below
~1e-5 the error stops falling: the maximum-power search stops at a relative
tolerance of 1e-5 (`Maximum power tolerance`), the floor drawn dotted.

![Electrostatics convergence](figures/convergence-electrostatics.png)

Capacitance errors fall close to the expected N^-4/3 (an energy: twice the
order of P2 in h). The peak surface
field, a gradient at the worst surface vertex, should fall like N^-2/3 but
stagnates at 1.5-2 % for the concentric spheres: the maximum over a few
hundred surface vertices carries the worst local patch (the mean is within
0.1 %). Over a plane, where the field is peaked at one point, the
vertex-averaged flux smooths the peak: -3.5 % at the default size (the 2 %
criterion is not met there; this benchmark is not gated). The charged slab
is reproduced to solver tolerance (P2 contains the exact piecewise
quadratic), so it has no rate.

## Peak temperature against power

![Peak temperature against power](figures/peak-temperature-vs-power.png)

| anode (axisymmetric, k(T)) | maximum permissible incident power (W) | limit of the limiting layer (K) | rise at P_max vs 5 x rise at 0.2 P_max |
|---|---|---|---|
{power_lines}

Each curve runs from 20 % to 100 % of the anode's maximum permissible power
(`Task = maximum power`), which the last point reaches: the peak meets the
dotted limit there. k(T) bends the curves only slightly (last column):
copper's conductivity falls by ~12 % between 300 and 1000 K, so the rise
grows a little faster than the power.

## Potential and field through a particle stream

![Profile through the stream](figures/stream-profile.png)

| case | unknowns | total charge (C) | particle potentials (V) | max surface field (V/m) | time (s) |
|---|---|---|---|---|---|
{stream_lines}

Profiles along the anode normal through the centre particle
(`profile.csv`). With the field-emission limit each particle holds only the
charge at which its peak surface field is 1 MV/mm; without it, each holds
the beam charge and the surface field exceeds the limit by far.
"""
    with open(REPORT, "w") as file:
        file.write(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default="build", help="build directory (with bin/)")
    parser.add_argument("--np", type=int, default=2, help="MPI ranks per run")
    args = parser.parse_args()
    args.build = os.path.relpath(os.path.abspath(args.build), ROOT) \
        if os.path.abspath(args.build).startswith(ROOT) else os.path.abspath(args.build)
    start = time.perf_counter()
    os.makedirs(FIGURES, exist_ok=True)
    try:
        with tempfile.TemporaryDirectory() as scratch:
            eq2 = benchmark_rows(args, "benchmarks/eq2/eq2_benchmark.py",
                                 "anode-thermal", scratch)
            electrostatics = benchmark_rows(
                args, "benchmarks/stream/electrostatics_benchmark.py",
                "stream-potential", scratch)
            rows = eq2 + electrostatics

            curves = {}
            for label, prm, sets in (
                    ("bulk Cu, 20 um FWHM", "bulk-cu.prm", []),
                    ("5 um Cu on CVD diamond, 20 um FWHM", "cu-on-diamond.prm",
                     ["Model=axisymmetric"])):
                top, _ = solve(args, "anode-thermal", prm, sets + ["Task=maximum power"],
                               scratch, "max-" + prm)
                p_max = top["max_permissible_power_W"]
                T0 = top["coolant_temperature_K"]
                limiting = max(top["layers"], key=lambda l: (l["max_temperature_K"] - T0)
                               / (l["temperature_limit_K"] - T0))
                limit = limiting["temperature_limit_K"]
                powers, peaks = [], []
                for fraction in (0.2, 0.4, 0.6, 0.8):
                    s, _ = solve(args, "anode-thermal", prm,
                                 sets + ["Task=temperature",
                                         f"Heat source/Incident power={fraction * p_max}"],
                                 scratch, f"{prm}-{fraction}")
                    powers.append(s["incident_power_W"])
                    peaks.append(s["peak_temperature_K"])
                powers.append(p_max)
                peaks.append(top["peak_temperature_K"])
                curves[label] = (powers, peaks, limit, p_max, T0)

            profiles, summaries = {}, {}
            for label, prm in (("without the limit (beam charge)", "stream-monolayer.prm"),
                               ("with the 1 MV/mm field-emission limit",
                                "stream-monolayer-field-limit.prm")):
                s, out = solve(args, "stream-potential", prm, [], scratch, prm)
                with open(os.path.join(out, "profile.csv")) as file:
                    profiles[label] = list(csv.DictReader(file))
                summaries[label] = s

            convergence_figure(rows, ("Eq. (2) half-ball, W",), "convergence-eq2.png",
                               "Eq. (2): maximum permissible power density",
                               (1e-5, "power-search tolerance 1e-5"))
            convergence_figure(rows, ("Concentric spheres", "Sphere over a grounded plane"),
                               "convergence-electrostatics.png",
                               "Electrostatics: capacitance and peak surface field")
            power_figure(curves, "peak-temperature-vs-power.png")
            profile_figure(profiles, "stream-profile.png")
            write_report(args, rows, curves, summaries, time.perf_counter() - start)
    except RunFailed as failure:
        print(f"validation_report.py: error: {failure}", file=sys.stderr)
        return 1
    print(f"wrote {REPORT} and doc/figures/ in {(time.perf_counter() - start) / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Integration tests of stream-potential (Python 3, standard library only).

Each case runs the solver, serially or under ``MPIEXEC -np N``, on a .prm
from inputs/ (stream-*.prm) with ``--set`` overrides, into a fresh temporary
output directory, and checks the exit status, the one line on stderr, which
output files exist, and the numbers in particles.csv, profile.csv and
summary.json against physics computed here independently.

    stream_cases.py --solver build/bin/stream-potential --mpiexec mpirun CASE
    stream_cases.py --list

ctest runs one test per case (add_stream_case in CMakeLists.txt passes
--processors, which must match the largest -np the case uses). Measured
numbers are printed on lines starting with "MEASURED"; a failing case keeps
its output directories and names them. The running machinery (Driver, Run,
check, measured, check_close) is run_case.py's.
Exit status: 0 passed, 1 failed, 2 usage error.
"""

import argparse
import csv
import math
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_case  # noqa: E402
from run_case import (FLOAT32_ROUNDING, LINE, Driver,  # noqa: E402
                      check, check_close, expect_status, measured, probe,
                      relative_difference)

SOLVER_NAME = "stream-potential"
SUCCESS, INPUT_ERROR, SOLVER_FAILURE = 0, 2, 3

# doc/stream-potential.md, "Outputs".
PARTICLES_HEADER = ["id", "x", "y", "z", "radius_m", "charge_C", "potential_V",
                    "max_surface_field_V_per_m", "limited", "layer", "beam_charge_C",
                    "flux_charge_C", "max_emitting_field_V_per_m", "emitted_current_A",
                    "galerkin_charge_C", "charging_current_A", "thermionically_limited",
                    "cap_relative_residual"]
PROFILE_COLUMNS = ["z_m", "potential_V", "electric_field_magnitude_V_per_m",
                   "inside_particle"]
SUMMARY_KEYS = ["solver", "converged", "n_particles", "max_abs_potential_V",
                "max_surface_field_V_per_m", "total_charge_C", "charge_iterations",
                "n_dofs", "n_mpi_ranks", "wall_time_s"]
RESULT_FILES = ("summary.json", "particles.csv", "profile.csv")

EPS0 = 8.8541878128e-12  # F/m (CODATA 2018)
# particles.csv holds 10 significant digits: two printed numbers that are
# equal in double precision can differ by this much (relative).
CSV_ROUNDING = 1e-9

# inputs/stream-patch.prm and the default beam (--print-parameters).
RADIUS, PITCH, GAP, FIELD_LIMIT = 2.5e-6, 6e-6, 2.5e-6, 1e9
BEAM = dict(U=132e3, P=46.2e3, W=450e-6, L=4670e-6, v=100.0, q_uP=0.3)


class StreamDriver(Driver):
    temporary_prefix = SOLVER_NAME + "-test-"


# ---------------------------------------------------------------------------
# Reading the results


def rows(run, name):
    check(run.has(name), f"no {name} in {run.output_directory}\n{run.describe()}")
    with open(run.path(name), newline="") as file:
        reader = csv.reader(file)
        header = next(reader)
        return header, [dict(zip(header, row)) for row in reader]


def particles(run):
    header, table = rows(run, "particles.csv")
    check(header == PARTICLES_HEADER,
          f"particles.csv header {header}\n  documented {PARTICLES_HEADER}")
    return [{k: (int(v) if k in ("id", "limited", "layer", "thermionically_limited")
                 else float(v))
             for k, v in row.items()} for row in table]


def profile(run):
    header, table = rows(run, "profile.csv")
    for column in PROFILE_COLUMNS:
        check(column in header, f"profile.csv has no column {column!r}: {header}")
    return [{k: float(v) for k, v in row.items()} for row in table]


def column(table, name):
    return [row[name] for row in table]


def expect_one_error_line(run, kind, *needles):
    """One line "SOLVER_NAME: KIND..." on stderr naming every needle; a
    serial run's every stderr line counts."""
    return run_case.expect_one_error_line(
        run, kind, *needles, solver_name=SOLVER_NAME,
        lines=run_case.solver_error_lines(run, SOLVER_NAME))


def expect_no_results(run, why):
    for name in RESULT_FILES + ("solution.pvd",):
        check(not run.has(name), f"{name} written after {why}")


def expect_input_error(run, *needles):
    expect_status(run, INPUT_ERROR)
    line = expect_one_error_line(run, "error: ", *needles)
    expect_no_results(run, "bad input")
    return line


def expect_success(run):
    expect_status(run, SUCCESS)
    lines = run_case.solver_error_lines(run, SOLVER_NAME)
    check(not lines, "stderr not empty on success:\n" + "\n".join(lines))
    summary = run.summary
    check(summary["converged"] is True, "summary: converged is not true")
    return summary


def max_relative_difference(a, b, scale=None):
    """max |a_i - b_i| / |b_i| (or / SCALE)."""
    return max(abs(x - y) / (scale if scale else abs(y)) for x, y in zip(a, b))


def check_max(name, value, tolerance):
    measured(name, f"{value:.3e} (tolerance {tolerance:g})")
    check(value <= tolerance, f"{name}: {value:.3e} > {tolerance:g}")


def spread(potentials):
    mean = sum(potentials) / len(potentials)
    return (max(potentials) - min(potentials)) / abs(mean), max(potentials) - min(potentials)


def charging_current(radius, U=BEAM["U"], q_uP=BEAM["q_uP"]):
    """q_uP j pi r^2 in A, j = P / (U W_CS L_CS)."""
    j = BEAM["P"] / (U * BEAM["W"] * BEAM["L"])
    return q_uP * j * math.pi * radius ** 2


def beam_charges(table, position, U=BEAM["U"], q_uP=BEAM["q_uP"]):
    """Q_i = -q_uP j pi r^2 x_i / v, x_i = clamp(position W + x_i - mean x, 0, W)."""
    mean_x = sum(column(table, "x")) / len(table)
    charges = []
    for p in table:
        x = min(max(position * BEAM["W"] + p["x"] - mean_x, 0.0), BEAM["W"])
        charges.append(-charging_current(p["radius_m"], U, q_uP) * x / BEAM["v"])
    return charges


# ---------------------------------------------------------------------------
# Cases

CASES, case = run_case.case_registry("stream-")


# --- Bad input: exit 2, one line naming the problem, no results


@case()
def input_overlapping_spheres(d):
    """Lattice pitch 4.9 um < 2 r = 5 um: named."""
    expect_input_error(d.run("stream-patch.prm", ["Particles/Lattice pitch=4.9e-6"]),
                       "Lattice pitch")


@case()
def input_gap_zero(d):
    """Anode gap = 0 (particles touching the anode): named."""
    expect_input_error(d.run("stream-patch.prm", ["Particles/Anode gap=0"]), "Anode gap")


@case()
def input_gap_negative(d):
    """Anode gap = -1e-6: named."""
    expect_input_error(d.run("stream-patch.prm", ["Particles/Anode gap=-1e-6"]), "Anode gap")


@case()
def input_sphere_outside_enclosure(d):
    """Enclosure sphere of radius 8 um about a 17 um row: the particle named."""
    # The end particles reach 6 + 2.5 = 8.5 um from the centre.
    expect_input_error(d.run("stream-patch.prm", ["Enclosure/Shape=sphere",
                                                  "Enclosure/Distance=8e-6"]),
                       re.compile(r"particle \d"), "enclosure")


@case()
def input_negative_radius(d):
    """Radius = -2.5e-6: named."""
    expect_input_error(d.run("stream-patch.prm", ["Particles/Radius=-2.5e-6"]), "Radius")


@case()
def input_absurd_sizes(d):
    """A million particles, or surface elements of 0.005 radii: refused
    before placing or meshing, with the mesh it would take."""
    for sets in (["Particles/Rows=1000", "Particles/Particles per row=1000"],
                 ["Mesh/Surface element size=0.005"]):
        expect_input_error(d.run("stream-patch.prm", sets, timeout=60),
                           "Surface element size", "tetrahedra", "GB")


@case()
def input_malformed_value_in_file(d):
    """Radius = 2.5e-6x in the .prm: file, line, entry and value named."""
    expect_input_error(d.run("stream-malformed-value.prm"), "stream-malformed-value.prm",
                       LINE(4), "Radius", "2.5e-6x")


@case()
def input_malformed_value_set(d):
    """--set Particles/Rows=three: the assignment and value named."""
    expect_input_error(d.run("stream-patch.prm", ["Particles/Rows=three"]),
                       "Particles/Rows", "three")


@case()
def input_unknown_entry(d):
    """A misspelt entry in the .prm: file, line and entry named."""
    expect_input_error(d.run("stream-unknown-entry.prm"), "stream-unknown-entry.prm",
                       LINE(5), "Lattice ptich")


@case()
def input_continuum_field_cap(d):
    """The continuum model with the field emission cap: refused."""
    expect_input_error(d.run("stream-continuum-slab.prm",
                             ["Charging/Model=field emission cap"]),
                       "Charging/Model", "continuum")


NET_CHARGE = "Charging/Beam/Net charge per primary"
# q_uP per tube voltage (the format of the parameter's documentation).
NET_CHARGE_TABLE = "30e3:0.45, 80e3:0.35, 132e3:0.3"


@case()
def input_net_charge_table(d):
    """q_uP table: voltage outside its range, decreasing, malformed: named."""
    expect_input_error(d.run("stream-patch.prm", ["Charging/Model=beam",
                                                  f"{NET_CHARGE}=30e3:0.45, 80e3:0.35"]),
                       NET_CHARGE, "132000 V", "outside", "30000 V to 80000 V")
    expect_input_error(d.run("stream-patch.prm", ["Charging/Beam/Tube voltage=20e3",
                                                  f"{NET_CHARGE}={NET_CHARGE_TABLE}"]),
                       NET_CHARGE, "20000 V", "30000 V to 132000 V")
    expect_input_error(d.run("stream-patch.prm", [f"{NET_CHARGE}=80e3:0.35, 30e3:0.45"]),
                       NET_CHARGE, "must increase")
    expect_input_error(d.run("stream-patch.prm", [f"{NET_CHARGE}=30e3:0.45, 80e3:nan"]),
                       NET_CHARGE, "not finite")
    expect_input_error(d.run("stream-patch.prm", [f"{NET_CHARGE}=30e3:0.45, 80e3"]),
                       NET_CHARGE, "\"80e3\" is not voltage:value")


@case(processors=2)
def input_error_mpi(d):
    """Overlapping spheres under MPI (2 ranks): still one line, exit 2."""
    expect_input_error(d.run("stream-patch.prm", ["Particles/Lattice pitch=4.9e-6"], np=2),
                       "Lattice pitch")


# --- Solver failure: exit 3, one line, no results


@case()
def solver_charge_iteration_failure(d):
    """Field emission cap with one charge iteration allowed: exit 3."""
    run = d.run("stream-patch.prm", ["Charging/Maximum iterations=1"])
    expect_status(run, SOLVER_FAILURE)
    expect_one_error_line(run, "solver failure: ", "charge iteration", "did not converge")
    expect_no_results(run, "a solver failure")


# --- Physics and consistency (exit 0)


def compare_particles(label, one, two, names):
    """Largest relative difference of the particles' NAMES columns."""
    worst = 0.0
    for name in names:
        error = max_relative_difference(column(two, name), column(one, name))
        measured(f"{label}: {name}, largest relative difference", f"{error:.3e}")
        worst = max(worst, error)
    return worst


@case(processors=2)
def mpi_consistency(d):
    """np=1 vs np=2: potentials, charges, fields agree to 1e-8 (4 setups)."""
    # Floating conductors whose surface a partition boundary cuts: the
    # field cap on the row of 3, and prescribed charges on the row, on a
    # 3 x 3 monolayer and on a single particle (different partitions).
    setups = (("field emission cap, row of 3", "stream-patch.prm", []),
              ("prescribed charge, row of 3", "stream-patch.prm",
               ["Charging/Model=prescribed charge"]),
              ("prescribed charge, 3 x 3 monolayer", "stream-monolayer-3x3.prm", []),
              ("prescribed charge, one particle, surface size 0.5", "stream-single.prm",
               ["Mesh/Surface element size=0.5"]))
    results = []
    for label, prm, sets in setups:
        one_run, two_run = d.run(prm, sets), d.run(prm, sets, np=2)
        one, two = expect_success(one_run), expect_success(two_run)
        check(one["n_mpi_ranks"] == 1 and two["n_mpi_ranks"] == 2, "wrong n_mpi_ranks")
        check(one["n_dofs"] == two["n_dofs"], f"{label}: different meshes on 1 and 2 ranks")
        p1, p2 = particles(one_run), particles(two_run)
        measured(f"{label}: potentials np=1 [V]", column(p1, "potential_V"))
        measured(f"{label}: potentials np=2 [V]", column(p2, "potential_V"))
        worst = compare_particles(f"{label}, np=2 vs np=1", p1, p2,
                                  ("potential_V", "charge_C", "max_surface_field_V_per_m"))
        results.append((label, worst))
    failed = [f"{label} ({worst:.3e})" for label, worst in results if worst > 1e-8]
    check(not failed, "np=2 differs from np=1 by more than 1e-8 (relative, particles.csv) "
                      "for: " + ", ".join(failed))


def plane_average(run):
    header, table = rows(run, "plane_average.csv")
    check(header == ["z_m", "mean_potential_V", "vacuum_fraction", "unlocated_points"],
          f"plane_average.csv header {header}")
    return [{k: float(v) for k, v in row.items()} for row in table]


def fit_line(points):
    """Least-squares line through [(z, phi)]: (slope, intercept)."""
    n = len(points)
    mz, mp = sum(z for z, _ in points) / n, sum(p for _, p in points) / n
    slope = (sum((z - mz) * (p - mp) for z, p in points) /
             sum((z - mz) ** 2 for z, _ in points))
    return slope, mp - slope * mz


@case(processors=3)
def periodic_cell(d):
    """Periodic cell: np 1, 2, 3 agree (1e-8); the two particles of a layer
    (equivalent by a lattice translation) agree; the plane average is linear
    outside the stream, 0 on the anode and the top, with Gauss's slope jump."""
    # inputs/stream-periodic-cell.prm: 2 layers of r = 2.5 um, p = 11.18 um,
    # stream 2.5 to 12.5 um over the anode, top 20 um above it, Q = -1e-13 C.
    runs = [d.run("stream-periodic-cell.prm", np=n) for n in (1, 2, 3)]
    summaries = [expect_success(run) for run in runs]
    check(all(s["n_dofs"] == summaries[0]["n_dofs"] for s in summaries),
          "different meshes on 1, 2, 3 ranks")
    check(summaries[0]["n_particles"] == 4, "2 layers x 2 particles expected")
    table = [particles(run) for run in runs]
    worst = max(compare_particles(f"periodic cell, np={n} vs np=1", table[0], table[k],
                                  ("potential_V", "charge_C", "max_surface_field_V_per_m"))
                for k, n in ((1, 2), (2, 3)))
    check(worst <= 1e-8, f"np=2/3 differ from np=1 by {worst:.3e} (> 1e-8)")

    one = table[0]
    for layer in (0, 1):
        a, b = (p["potential_V"] for p in one if p["layer"] == layer)
        spread = abs(a - b) / abs(a + b) * 2
        measured(f"layer {layer}: potentials of its two particles [V]", [a, b])
        check(spread <= 1e-2, f"layer {layer}: equivalent particles differ by {spread:.2e} "
                              "(> 1e-2): the cell is not periodic")

    # 1D: -eps0 <phi>'' = <rho>; linear outside the stream [2.5, 12.5] um.
    average = plane_average(runs[0])
    sigma = summaries[0]["areal_charge_C_per_m2"]
    check_close("areal charge [C/m^2]", sigma, 4 * -1e-13 / (11.18e-6 ** 2 * math.sqrt(3)),
                1e-12)
    below = [(r["z_m"], r["mean_potential_V"]) for r in average if r["z_m"] < 2.0e-6]
    above = [(r["z_m"], r["mean_potential_V"]) for r in average if r["z_m"] > 13.0e-6]
    s_below, i_below = fit_line(below)
    s_above, i_above = fit_line(above)
    scale = max(abs(r["mean_potential_V"]) for r in average)
    deviation = max(max(abs(p - (s_below * z + i_below)) for z, p in below),
                    max(abs(p - (s_above * z + i_above)) for z, p in above)) / scale
    gauss = EPS0 * (s_below - s_above) / sigma - 1
    top = summaries[0]["domain_top_m"]
    measured("plane average: deviation from the lines / max |<phi>|", f"{deviation:.2e}")
    measured("plane average: Gauss eps0 (s_below - s_above) / sigma - 1", f"{gauss:+.2e}")
    measured("plane average at z = 0 and L [V]", [i_below, s_above * top + i_above])
    check(deviation <= 1e-3, f"plane average not linear outside the stream ({deviation:.2e})")
    check(abs(gauss) <= 1e-2, f"slope jump misses Gauss's law by {gauss:+.2e}")
    check(abs(i_below) <= 1e-3 * scale and abs(s_above * top + i_above) <= 1e-3 * scale,
          "plane average not 0 on the anode and the top")


@case()
def charge_linearity(d):
    """Prescribed charge doubled: every potential doubles (1e-9)."""
    sets = ["Charging/Model=prescribed charge"]
    single_run = d.run("stream-patch.prm", sets + ["Charging/Particle charge=-1e-13"])
    double_run = d.run("stream-patch.prm", sets + ["Charging/Particle charge=-2e-13"])
    single, double = expect_success(single_run), expect_success(double_run)
    p1, p2 = particles(single_run), particles(double_run)
    error = max(relative_difference(b["potential_V"], 2 * a["potential_V"])
                for a, b in zip(p1, p2))
    check_max("V(2Q) vs 2 V(Q), every particle (particles.csv)", error, 1e-9)
    for key in ("min_particle_potential_V", "max_particle_potential_V",
                "max_surface_field_V_per_m"):
        check_close(f"summary {key}: 2Q vs 2 x Q", double[key], 2 * single[key], 1e-9)


@case()
def charge_potential_duality(d):
    """One particle: Q -> V; V prescribed gives back Q to solver tolerance
    (the Galerkin charge), the gradient flux within 5 %."""
    Q = -1e-13
    charge_run = d.run("stream-single.prm", [f"Charging/Particle charge={Q!r}"])
    summary = expect_success(charge_run)
    (p,) = particles(charge_run)
    V = p["potential_V"]
    measured("prescribed charge -1e-13 C: potential", f"{V!r} V")
    measured("prescribed charge: flux charge", f"{p['flux_charge_C']!r} C "
             f"({p['flux_charge_C'] / Q - 1:+.3e} relative)")
    check(p["charge_C"] == Q, f"charge_C {p['charge_C']} is not the prescribed {Q}")
    # The floating conductor's Galerkin charge is its master row: Q.
    check_close("prescribed Q: Galerkin charge vs Q", p["galerkin_charge_C"], Q, 1e-8)
    check_max("summary max_galerkin_charge_relative_difference",
              summary["max_galerkin_charge_relative_difference"], 1e-8)
    potential_run = d.run("stream-single.prm", ["Charging/Model=prescribed potential",
                                                f"Charging/Particle potential={V!r}"])
    expect_success(potential_run)
    (q,) = particles(potential_run)
    check(q["potential_V"] == V, f"potential_V {q['potential_V']} is not the prescribed {V}")
    check(q["charge_C"] == q["galerkin_charge_C"],
          "prescribed potential: charge_C is not the Galerkin charge")
    # The floating-conductor solution at its potential V is the Dirichlet
    # solution at V: the same Galerkin charge, i.e. Q, and the same flux
    # charge.
    check_close("prescribed V: Galerkin charge vs prescribed Q", q["charge_C"], Q, 1e-8)
    check_close("prescribed V: flux charge vs prescribed Q's flux charge",
                q["flux_charge_C"], p["flux_charge_C"], 1e-8)
    check_close("prescribed V: flux charge vs prescribed Q (discretisation error)",
                q["flux_charge_C"], Q, 0.05)


def check_field_cap(run, label, allow_positive=False):
    """The cap's complementarity: every emitting field <= E_lim, limited
    particles at E_lim, the others at their beam charge, no charge below
    (more negative than) the beam charge. ALLOW_POSITIVE: a stack, whose
    lower particles may be pushed to positive charge by the others' field."""
    s = expect_success(run)
    table = particles(run)
    limited = [p for p in table if p["limited"]]
    fields = column(table, "max_emitting_field_V_per_m")
    measured(f"{label}: charges [C]", column(table, "charge_C"))
    measured(f"{label}: emitting fields / limit", [f / FIELD_LIMIT for f in fields])
    measured(f"{label}: limited / charge_iterations / charge_residual",
             f"{len(limited)} of {len(table)} / {s['charge_iterations']} / "
             f"{s['charge_residual']:.3e}")
    check(s["charge_iterations"] > 1, "the cap converged in one iteration")
    check(s["n_limited"] == len(limited), f"n_limited {s['n_limited']} != {len(limited)}")
    check(limited, "no particle limited: the case does not test the cap")
    check_max(f"{label}: largest emitting field / limit - 1",
              max(fields) / FIELD_LIMIT - 1, 1e-4)
    check_max(f"{label}: limited particles, largest |field / limit - 1|",
              max(abs(p["max_emitting_field_V_per_m"] / FIELD_LIMIT - 1) for p in limited),
              1e-4)
    check(s["charge_residual"] <= 1e-4, f"converged with charge_residual "
                                        f"{s['charge_residual']:.3e} > 1e-4")
    # Every particle's cap residual, as written, within the cap tolerance
    # (Charging/Relative tolerance, as written to summary.json), the same in
    # particles.csv; a limited particle's is its |field / limit - 1|.
    residuals = s["cap_relative_residual"]
    check(len(residuals) == len(table),
          f"{len(residuals)} cap residuals for {len(table)} particles")
    check_max(f"{label}: largest cap_relative_residual / tolerance",
              s["max_cap_relative_residual"] / s["charge_tolerance"], 1.0)
    check(max(residuals) == s["max_cap_relative_residual"],
          "max_cap_relative_residual is not the largest cap_relative_residual")
    for p, residual in zip(table, residuals):
        check(relative_difference(p["cap_relative_residual"], residual) <= CSV_ROUNDING,
              f"particle {p['id']}: particles.csv cap residual "
              f"{p['cap_relative_residual']} != summary.json {residual}")
        if p["limited"]:
            check(abs(residual - abs(p["max_emitting_field_V_per_m"] / FIELD_LIMIT - 1))
                  <= 1e-9,
                  f"particle {p['id']}: limited, cap residual {residual} is not "
                  f"|field / limit - 1|")
    for p in table:
        if not allow_positive:
            check(p["charge_C"] < 0, f"particle {p['id']}: charge {p['charge_C']} not negative")
        check(p["charge_C"] >= p["beam_charge_C"] * (1 + CSV_ROUNDING),
              f"particle {p['id']}: charge {p['charge_C']} below the beam charge "
              f"{p['beam_charge_C']}")
        if not p["limited"]:
            check(relative_difference(p["charge_C"], p["beam_charge_C"]) <= CSV_ROUNDING,
                  f"particle {p['id']} not limited but not at its beam charge")


@case()
def field_emission_cap(d):
    """3 particles, cap active: emitting fields <= E_lim, limited ones at it."""
    check_field_cap(d.run("stream-patch.prm"), "field cap, row of 3")


@case()
def field_cap_hexagon(d):
    """Hexagon of 7 at 6 um pitch: converged means every field <= E_lim."""
    check_field_cap(d.run("stream-patch.prm", ["Particles/Patch shape=hexagon",
                                               "Particles/Hexagon rings=1"]),
                    "field cap, hexagon of 7")


@case()
def field_cap_stack(d):
    """3 layers of 7 with guards: the lower layers end near zero or positive."""
    run = d.run("stream-patch.prm", ["Particles/Patch shape=hexagon",
                                     "Particles/Hexagon rings=1", "Particles/Layers=3",
                                     "Particles/Stream thickness=12.5e-6",
                                     "Particles/Lattice pitch=7e-6",
                                     "Enclosure/Guard electrodes=true"])
    check_field_cap(run, "field cap, 3 layers of 7", allow_positive=True)
    table = particles(run)
    positive = [p for p in table if p["charge_C"] > 0]
    measured("field cap, 3 layers of 7: positive particles (layers)",
             [p["layer"] for p in positive])
    check(positive, "no particle positive: the case does not test the field of the others")
    check(all(p["charge_C"] < 0 for p in table if p["layer"] == 2),
          "a top-layer particle is not negative")


@case()
def field_cap_point_charge_model(d):
    """3 layers of 7 with guards, the cap's point-charge model (first guess,
    quasi-Newton steps) against the isolated spheres' GCR: the same charges,
    to 10x the cap tolerance of the largest charge. (The work of each, PDE
    solves and CG iterations, is reported, not checked: on 21 particles the
    two are about even; the model pays on the 385-particle benchmark.)"""
    stack = ["Particles/Patch shape=hexagon", "Particles/Hexagon rings=1",
             "Particles/Layers=3", "Particles/Stream thickness=12.5e-6",
             "Particles/Lattice pitch=7e-6", "Enclosure/Guard electrodes=true"]
    runs = {name: d.run("stream-patch.prm",
                        stack + [f"Charging/Cap preconditioner={name}"])
            for name in ("point charges", "isolated spheres")}
    for name, run in runs.items():
        check_field_cap(run, f"field cap, 3 layers of 7, {name}", allow_positive=True)
        s = run.summary
        measured(f"{name}: Newton steps, PDE solves (full + responses), "
                 "CG iterations",
                 f"{s['charge_iterations']}, {len(s['linear_iterations'])} + "
                 f"{s['response_solves']}, "
                 f"{sum(s['linear_iterations']) + s['response_cg_iterations']}")
    model = column(particles(runs["point charges"]), "charge_C")
    isolated = column(particles(runs["isolated spheres"]), "charge_C")
    tolerance = runs["point charges"].summary["charge_tolerance"]
    check_max("largest charge difference / largest charge",
              max_relative_difference(model, isolated,
                                      max(abs(q) for q in isolated)),
              10 * tolerance)


@case()
def field_cap_above_every_field(d):
    """A field limit far above every field (1e300 V/m), 3 layers with guards:
    no particle is limited, every charge is its beam charge, and the guard
    potentials converge (the GMRES floor follows the fields present, not
    the limit)."""
    run = d.run("stream-patch.prm", ["Particles/Patch shape=hexagon",
                                     "Particles/Hexagon rings=1", "Particles/Layers=3",
                                     "Particles/Stream thickness=12.5e-6",
                                     "Particles/Lattice pitch=7e-6",
                                     "Enclosure/Guard electrodes=true",
                                     "Charging/Field emission/Field limit=1e300"])
    s = expect_success(run)
    table = particles(run)
    check(not any(p["limited"] for p in table), "a particle limited below 1e300 V/m")
    for p in table:
        check_close(f"particle {p['id']}: charge_C", p["charge_C"], p["beam_charge_C"],
                    CSV_ROUNDING)
    measured("charge iterations", s.get("charge_iterations"))


@case()
def current_balance(d):
    """beta = 3: limited particles emit the charging current q_uP j pi r^2 (1e-3)."""
    run = d.run("stream-patch.prm", ["Charging/Model=current balance",
                                     "Charging/Field emission/Field enhancement factor=3"])
    s = expect_success(run)
    table = particles(run)
    limited = [p for p in table if p["limited"]]
    check(limited, "no particle limited: the case does not test the balance")
    target = charging_current(RADIUS)
    measured("charging current q_uP j pi r^2", f"{target!r} A")
    measured("emitted currents [A]", column(table, "emitted_current_A"))
    measured("charge_residual", f"{s['charge_residual']:.3e}")
    check_max("limited particles: largest |emitted / charging current - 1|",
              max(abs(p["emitted_current_A"] / target - 1) for p in limited), 1e-3)
    for p in table:
        check(abs(p["charge_C"]) <= abs(p["beam_charge_C"]) * (1 + CSV_ROUNDING),
              f"particle {p['id']}: |charge| above the beam charge")


# Richardson-Dushman (doc/theory.md section 2): A_R = 4 pi m_e k_B^2 e / h^3.
RICHARDSON = 1.20173e6        # A m^-2 K^-2
BOLTZMANN_EV = 8.617333262e-5  # k_B / e, eV/K
WORK_FUNCTION = 4.5           # eV (tungsten, the default)


def check_current_balance(run, label, temperature):
    """Every particle from particles.csv: the charging current is q_uP j pi r^2;
    a limited particle emits it (|I / I_c - 1| <= 1e-5), the others keep the
    beam charge and emit no more; the thermionically limited flag is the
    zero-field Richardson-Dushman current of the whole surface against I_c,
    and such particles sit at a positive potential (a retarding barrier)."""
    s = expect_success(run)
    table = particles(run)
    thermionic = 4 * math.pi * RADIUS ** 2 * RICHARDSON * temperature ** 2 * math.exp(
        -WORK_FUNCTION / (BOLTZMANN_EV * temperature))
    target = charging_current(RADIUS)
    measured(f"{label}: zero-field thermionic / charging current", f"{thermionic / target:.4e}")
    measured(f"{label}: charges [C]", column(table, "charge_C"))
    measured(f"{label}: potentials [V]", column(table, "potential_V"))
    measured(f"{label}: Newton steps / GMRES / PDE solves / residual",
             f"{s['charge_iterations']} / {s.get('gmres_iterations')} / "
             f"{s.get('response_solves')} / {s['charge_residual']:.3e}")
    worst = 0.0
    for p in table:
        check_close(f"{label}, particle {p['id']}: charging_current_A", p["charging_current_A"],
                    target, 1e-12)
        ratio = p["emitted_current_A"] / p["charging_current_A"]
        if p["limited"]:
            worst = max(worst, abs(ratio - 1))
        else:
            check(ratio <= 1 + 1e-5, f"{label}, particle {p['id']}: keeps its beam charge but "
                                     f"emits {ratio:.6g} x the charging current")
            check(relative_difference(p["charge_C"], p["beam_charge_C"]) <= CSV_ROUNDING,
                  f"{label}, particle {p['id']} not limited but not at its beam charge")
        check(p["charge_C"] >= p["beam_charge_C"] * (1 + CSV_ROUNDING),
              f"{label}, particle {p['id']}: charge below (more negative than) the beam's")
        check(p["thermionically_limited"] == (thermionic > target),
              f"{label}, particle {p['id']}: thermionically_limited "
              f"{p['thermionically_limited']}, thermionic / charging {thermionic / target:.4g}")
        if p["thermionically_limited"]:
            check(p["limited"] == 1 and p["potential_V"] > 0,
                  f"{label}, particle {p['id']}: thermionically limited at potential "
                  f"{p['potential_V']} V (limited {p['limited']})")
    check_max(f"{label}: limited particles, largest |emitted / charging current - 1|",
              worst, 1e-5)
    check(s["n_thermionically_limited"] == sum(p["thermionically_limited"] for p in table),
          "summary n_thermionically_limited differs from particles.csv")
    return s, table


@case()
def current_balance_hot(d):
    """Thermally assisted current balance up to the melting point of W (3000,
    3695 K): converges, every particle balanced (particles.csv), the hot
    particles thermionically limited at a positive potential."""
    for temperature in (3000, 3695):
        run = d.run("stream-patch.prm", ["Charging/Model=current balance",
                                         "Charging/Field emission/Thermally assisted=true",
                                         f"Charging/Field emission/Particle temperature="
                                         f"{temperature}"])
        s, table = check_current_balance(run, f"{temperature} K", temperature)
        check(all(p["thermionically_limited"] for p in table),
              f"{temperature} K: not every particle thermionically limited")


@case()
def current_balance_hot_guards(d):
    """3 x 3 monolayer with guard electrodes at 3695 K: the guard potentials
    are Newton unknowns too; every particle balanced and thermionically
    limited (particles.csv)."""
    run = d.run("stream-monolayer-3x3.prm", ["Charging/Model=current balance",
                                             "Enclosure/Guard electrodes=true",
                                             "Charging/Field emission/Thermally assisted=true",
                                             "Charging/Field emission/Particle temperature=3695"])
    s, table = check_current_balance(run, "3 x 3 with guards, 3695 K", 3695)
    check(all(p["thermionically_limited"] for p in table),
          "not every particle thermionically limited")


@case()
def beam_charge(d):
    """Beam model: charge_C = -q_uP j pi r^2 x / v, dwell clamped to [0, W_CS]."""
    j = BEAM["P"] / (BEAM["U"] * BEAM["W"] * BEAM["L"])
    for position in (1, 0.5, 0):
        run = d.run("stream-patch.prm", ["Charging/Model=beam",
                                         f"Charging/Beam/Position in spot={position}"])
        s = expect_success(run)
        table = particles(run)
        expected = beam_charges(table, position)
        measured(f"position {position}: charges [C]", column(table, "charge_C"))
        measured(f"position {position}: expected [C]", expected)
        check_close(f"position {position}: beam_current_density_A_per_m2",
                    s["beam_current_density_A_per_m2"], j, 1e-12)
        # summary.json's beam_charge_C (full precision) is particle 0's.
        if expected[0] == 0:
            check(s["beam_charge_C"] == 0, f"beam_charge_C {s['beam_charge_C']} != 0 "
                                           f"(particle 0's dwell clamped to 0)")
        else:
            check_close(f"position {position}: summary beam_charge_C (particle 0)",
                        s["beam_charge_C"], expected[0], 1e-12)
        for p, q in zip(table, expected):
            for key in ("charge_C", "beam_charge_C"):
                error = abs(p[key] - q) / abs(q) if q else abs(p[key])
                check(error <= CSV_ROUNDING if q else p[key] == 0,
                      f"position {position}, particle {p['id']}: {key} {p[key]!r}, "
                      f"expected {q!r} (relative difference {error:.3e})")
            check(p["limited"] == 0, f"particle {p['id']} limited in the beam model")
        check_close(f"position {position}: total_charge_C", s["total_charge_C"],
                    sum(expected), CSV_ROUNDING)


@case()
def beam_charge_voltage_table(d):
    """q_uP as a table in U: the value at U is used, reported and logged."""
    # One number (unchanged behaviour): reported as given.
    run = d.run("stream-patch.prm", ["Charging/Model=beam"])
    s = expect_success(run)
    check(s["net_charge_per_primary"] == BEAM["q_uP"] and s["tube_voltage_V"] == BEAM["U"],
          f"summary: net_charge_per_primary {s.get('net_charge_per_primary')}, "
          f"tube_voltage_V {s.get('tube_voltage_V')}")
    # 100 kV in [80, 132] kV: q_uP = 0.35 + (0.3 - 0.35) (100 - 80) / (132 - 80).
    U, q_uP = 100e3, 0.35 + (0.3 - 0.35) * 20 / 52
    run = d.run("stream-patch.prm", ["Charging/Model=beam", f"Charging/Beam/Tube voltage={U}",
                                     f"{NET_CHARGE}={NET_CHARGE_TABLE}"])
    s = expect_success(run)
    check_close("summary net_charge_per_primary at 100 kV", s["net_charge_per_primary"],
                q_uP, 1e-14)
    check(s["tube_voltage_V"] == U, f"summary tube_voltage_V {s['tube_voltage_V']}")
    table = particles(run)
    for p, q in zip(table, beam_charges(table, 1, U, q_uP)):
        check_close(f"particle {p['id']}: charge_C", p["charge_C"], q, CSV_ROUNDING)
    with open(run.path("log.txt")) as log:
        text = log.read()
    needle = "q_uP = 0.330769 (linear in U in the table 30000:0.45, 80000:0.35, 132000:0.3)"
    check(needle in text, f"log.txt does not report {needle!r}")
    # At a node the table's value exactly.
    run = d.run("stream-patch.prm", ["Charging/Model=beam", "Charging/Beam/Tube voltage=80e3",
                                     f"{NET_CHARGE}={NET_CHARGE_TABLE}"])
    s = expect_success(run)
    check(s["net_charge_per_primary"] == 0.35,
          f"net_charge_per_primary {s['net_charge_per_primary']!r} at the 80 kV node, not 0.35")


@case()
def guard_electrodes(d):
    """3 x 3 monolayer: guards converge and flatten the potentials."""
    result = {}
    for guards in ("false", "true"):
        run = d.run("stream-monolayer-3x3.prm", [f"Enclosure/Guard electrodes={guards}"])
        s = expect_success(run)
        potentials = column(particles(run), "potential_V")
        result[guards] = spread(potentials)
        measured(f"guards {guards}: (max - min) / |mean| of the potentials, max - min",
                 f"{result[guards][0]:.4f}, {result[guards][1]:.2f} V "
                 f"({s['charge_iterations']} iterations)")
        if guards == "true":
            check(s["charge_iterations"] > 1, "the guard potentials were not iterated")
    check(result["true"][0] < result["false"][0],
          "the guards do not reduce the spread of the potentials")
    # The field emission cap with guards converges too.
    run = d.run("stream-monolayer-3x3.prm", ["Enclosure/Guard electrodes=true",
                                             "Charging/Model=field emission cap"])
    s = expect_success(run)
    measured("field cap with guards: charge_iterations, charge_residual",
             f"{s['charge_iterations']}, {s['charge_residual']:.3e}")


@case()
def trilinos_vs_petsc(d):
    """Field cap, 3 particles: Trilinos (ML) vs PETSc (BoomerAMG), 1e-7."""
    petsc_run = d.run("stream-patch.prm", ["Solver/Linear algebra=PETSc"])
    trilinos_run = d.run("stream-patch.prm", ["Solver/Linear algebra=Trilinos"])
    for run, name in ((petsc_run, "PETSc"), (trilinos_run, "Trilinos")):
        s = expect_success(run)
        check(s.get("linear_algebra") == name, f"linear_algebra = {s.get('linear_algebra')}")
    error = compare_particles("Trilinos vs PETSc", particles(petsc_run),
                              particles(trilinos_run), ("potential_V", "charge_C"))
    check(error <= 1e-7, f"Trilinos differs from PETSc by {error:.3e} (relative)")


@case(processors=2)
def two_level_vs_amg(d):
    """Field cap, 3 particles on 2 ranks: the two-level preconditioner (the
    default) against BoomerAMG on all unknowns, the same charges and
    potentials to 1e-7; each says in summary.json which one it used, and
    with P1 elements (no lower degree) the default falls back to AMG."""
    runs = {}
    for name in ("two-level", "AMG"):
        runs[name] = d.run("stream-patch.prm", [f"Solver/Preconditioner={name}"], np=2)
        s = expect_success(runs[name])
        check(s.get("preconditioner") == name, f"preconditioner = {s.get('preconditioner')}")
        measured(f"{name}: CG iterations of the full solves", str(s["linear_iterations"]))
    error = compare_particles("two-level vs AMG", particles(runs["AMG"]),
                              particles(runs["two-level"]), ("potential_V", "charge_C"))
    check(error <= 1e-7, f"two-level differs from AMG by {error:.3e} (relative)")
    s = expect_success(d.run("stream-patch.prm", ["Solver/Finite element degree=1",
                                                  "Solver/Mapping degree=1"]))
    check(s.get("preconditioner") == "AMG",
          f"P1: preconditioner = {s.get('preconditioner')}, not the AMG fallback")


@case()
def old_parameter_names(d):
    """The old names of the Solver entries (FE degree, Relative tolerance,
    Maximum iterations) are still read, in a file and on the command line,
    with the results of the new names; Charging's entries of the same
    names are another's (checked by the unit tests)."""
    run_case.check_old_names(d, "stream-continuum-slab.prm", [
        ("Solver", "FE degree", "Finite element degree", "1"),
        ("Solver", "Relative tolerance", "Linear solver tolerance", "1e-9"),
        ("Solver", "Maximum iterations", "Maximum linear iterations", "500")],
        SOLVER_NAME)


@case(processors=2)
def old_parameter_names_mpi(d):
    """The old names of the Solver entries in a file run on 2 ranks: each is
    said once on the terminal (not once per rank) and once in log.txt."""
    run_case.check_old_name_said_once_under_mpi(d, "stream-continuum-slab.prm", [
        ("Solver", "FE degree", "Finite element degree", "1"),
        ("Solver", "Relative tolerance", "Linear solver tolerance", "1e-9")],
        SOLVER_NAME)


@case()
def without_fields(d):
    """Output/Write fields = false: no solution.pvd, .pvtu or .vtu; the
    tables, summary.json and the log as with the fields, with the same
    results."""
    with_fields = d.run("stream-single.prm")
    without = d.run("stream-single.prm", ["Output/Write fields=false"])
    expected = run_case.results(expect_success(with_fields))
    summary = expect_success(without)
    check(with_fields.has("solution.pvd"), "no solution.pvd by default")
    written = sorted(os.listdir(without.output_directory))
    print(f"written without fields: {written}")
    fields = [name for name in written
              if name.endswith((".pvd", ".pvtu", ".vtu"))]
    check(not fields, f"field files written with Write fields = false: {fields}")
    for name in RESULT_FILES + ("log.txt", "parameters.prm"):
        check(without.has(name), f"no {name} with Write fields = false")
    differing = sorted(key for key in expected
                       if run_case.results(summary).get(key) != expected[key])
    check(not differing, f"summary.json differs from the run with fields in {differing}")
    with open(without.path("log.txt")) as file:
        last_lines = file.read().splitlines()[-3:]
    check(not any("solution.pvd" in line for line in last_lines),
          f"the log names solution.pvd: {last_lines}")


def slab_exact(z, rho, a, b, top):
    """Potential and |field| of a slab a < z < b of charge density RHO between
    grounded plates z = 0 and z = TOP: phi = -f(z) + z f(top) / top with
    f'' = rho / eps0, f(0) = f'(0) = 0."""
    def f(z):
        if z <= a:
            return 0.0, 0.0
        if z <= b:
            return (z - a) ** 2 / 2, z - a
        return (b - a) ** 2 / 2 + (b - a) * (z - b), b - a
    g, dg = f(z)
    g_top, _ = f(top)
    return rho / EPS0 * (-g + z * g_top / top), abs(rho / EPS0 * (dg - g_top / top))


@case()
def continuum_slab_exact(d):
    """Continuum, insulating walls: P2 profile = exact 1D slab solution (1e-6)."""
    Q = -1e-13
    run = d.run("stream-continuum-slab.prm", [f"Charging/Particle charge={Q!r}"])
    s = expect_success(run)
    check(s.get("model") == "continuum", f"model = {s.get('model')}")
    H = 2 * RADIUS                           # one layer: one diameter
    n = 1 * 2 / (math.sqrt(3) * PITCH ** 2) / H
    a, b = GAP, GAP + H
    top = b + 10e-6                          # Enclosure/Distance
    table = profile(run)
    check(len(table) == 71, f"profile.csv has {len(table)} rows, expected 71")
    z = column(table, "z_m")
    check(abs(z[0]) < 1e-15 and abs(z[-1] - top) < 1e-12 * top,
          f"profile from z = {z[0]} to {z[-1]}, expected 0 to {top}")
    exact = [slab_exact(x, n * Q, a, b, top) for x in z]
    phi_max = max(abs(e[0]) for e in exact)
    E_max = max(e[1] for e in exact)
    measured("exact: largest |potential|, largest |field|", f"{phi_max!r} V, {E_max!r} V/m")
    phi_error = max(abs(row["potential_V"] - e[0]) for row, e in zip(table, exact)) / phi_max
    E_error = max(abs(row["electric_field_magnitude_V_per_m"] - e[1])
                  for row, e in zip(table, exact)) / E_max
    check_max("profile potential: largest |error| / largest |potential|", phi_error, 1e-6)
    check_max("profile field: largest |error| / largest |field|", E_error, 1e-6)
    # max_abs_potential_V is the largest nodal value: not above the exact
    # extreme, which lies inside the slab where the field vanishes.
    g_top = H ** 2 / 2 + H * (top - b)
    z_star = a + g_top / top
    extreme = abs(slab_exact(z_star, n * Q, a, b, top)[0])
    deficit = 1 - s["max_abs_potential_V"] / extreme
    measured("max_abs_potential_V vs exact extreme at z = "
             f"{z_star:.4e} m (nodal maximum; deficit not checked)",
             f"{s['max_abs_potential_V']!r} vs {extreme!r} V, deficit {deficit:.3e}")
    check(deficit >= -1e-9, "max_abs_potential_V above the exact extreme")


@case()
def outputs(d):
    """solution.pvd/.pvtu, particles.csv, profile.csv, summary.json: complete."""
    run = d.run("stream-patch.prm", ["Output/Profile points=37"])
    s = expect_success(run)
    missing = [key for key in SUMMARY_KEYS if key not in s]
    check(not missing, f"summary.json lacks {missing}")
    check(s["solver"] == SOLVER_NAME, f"solver = {s['solver']!r}")
    check(s["n_mpi_ranks"] == 1 and s["n_particles"] == 3, "n_mpi_ranks or n_particles")
    check(run.has("solution.pvd"), "no solution.pvd")
    # vtu-probe reads solution.pvd -> .pvtu -> every piece (it fails naming
    # a missing piece): the documented fields, on a mesh of n_cells cells.
    info = probe(d, run.path("solution.pvd"), "info")
    arrays = {row["name"]: row for row in info if row["record"] == "point_array"}
    for name, components in (("potential_V", "1"), ("electric_field_V_per_m", "3"),
                             ("electric_field_magnitude_V_per_m", "1")):
        check(name in arrays and arrays[name]["components"] == components,
              f"solution.pvd: no {components}-component point field {name}: {sorted(arrays)}")
    cells = int(next(row["components"] for row in info if row["record"] == "cells"))
    check(cells == s["n_cells"], f"{cells} cells in the result, n_cells {s['n_cells']}")
    table = particles(run)
    check(len(table) == s["n_particles"],
          f"particles.csv has {len(table)} rows, n_particles {s['n_particles']}")
    check(column(table, "id") == list(range(len(table))), "particle ids not 0, 1, ...")
    check_close("summary total_charge_C vs sum of charge_C", s["total_charge_C"],
                sum(column(table, "charge_C")), CSV_ROUNDING)
    check_close("summary max_surface_field_V_per_m vs particles.csv",
                s["max_surface_field_V_per_m"],
                max(column(table, "max_surface_field_V_per_m")), CSV_ROUNDING)
    largest = max(abs(v) for v in column(table, "potential_V"))
    check(s["max_abs_potential_V"] >= largest * (1 - CSV_ROUNDING),
          "max_abs_potential_V below a particle's potential")
    line = profile(run)
    check(len(line) == 37, f"profile.csv has {len(line)} rows, Profile points = 37")
    inside = [row for row in line if row["inside_particle"] >= 0]
    check(inside, "the profile crosses no particle")
    for row in inside:
        p = table[int(row["inside_particle"])]
        check(relative_difference(row["potential_V"], p["potential_V"]) <= CSV_ROUNDING
              and row["electric_field_magnitude_V_per_m"] == 0,
              f"profile inside particle {p['id']} at z = {row['z_m']}: potential "
              f"{row['potential_V']} (particle {p['potential_V']}), field "
              f"{row['electric_field_magnitude_V_per_m']}")
    measured("profile points inside the particle", len(inside))
    # The run ends by naming its headline figures and where the results are.
    check(f"Result: {s['n_particles']} particles at " in run.stdout,
          "the terminal output has no 'Result:' line with the particle count")
    check(f"Results in {run.output_directory} (" in run.stdout,
          "the terminal output does not say where the results are")
    measured("wall_time_s", s["wall_time_s"])


@case(labels=("probe",))
def probe_reads_result(d):
    """vtu-probe on solution.pvd: extremes equal summary.json, profile.csv reproduced."""
    run = d.run("stream-patch.prm", ["Output/Profile points=201"])
    s = expect_success(run)
    result = run.path("solution.pvd")
    extreme = probe(d, result, "extremes", "--field", "potential_V")[0]
    # max_abs_potential_V is the largest nodal |phi|; the .vtu holds every
    # node (P2 written as 10-node tetrahedra): equal up to single precision.
    largest = max(abs(float(extreme["min"])), abs(float(extreme["max"])))
    check_close("largest |potential_V| in the .vtu vs max_abs_potential_V",
                largest, s["max_abs_potential_V"], FLOAT32_ROUNDING)
    check_close("smallest potential_V in the .vtu vs min_particle_potential_V",
                float(extreme["min"]), s["min_particle_potential_V"], FLOAT32_ROUNDING)

    # The profile the solver evaluated with its own FE field and mapping,
    # sampled again by VTK from the file: inside particles there is no mesh
    # (conductors are holes), elsewhere the potential agrees to VTK's
    # inversion of the curved quadratic tetrahedra plus Float32 (measured
    # 1e-5 of the largest |potential| on the 77-particle monolayer).
    line = profile(run)
    points = os.path.join(run.output_directory, "profile-points.csv")
    with open(points, "w") as file:
        file.write("x,y,z\n")
        file.writelines(f"{r['x_m']!r},{r['y_m']!r},{r['z_m']!r}\n" for r in line)
    sampled = probe(d, result, "points", "--points-file", points, "--field", "potential_V")
    check(len(sampled) == len(line), f"{len(sampled)} probed points, {len(line)} profile rows")
    scale = max(abs(r["potential_V"]) for r in line)
    inside = [p for r, p in zip(line, sampled) if r["inside_particle"] >= 0]
    outside = [(r, p) for r, p in zip(line, sampled) if r["inside_particle"] < 0]
    check(inside and all(p["valid"] == "0" for p in inside),
          "a point inside a particle lies in the mesh")
    found = [(r, p) for r, p in outside if p["valid"] == "1"]
    error = max(abs(float(p["potential_V"]) - r["potential_V"]) for r, p in found) / scale
    measured("profile.csv points outside particles found in the mesh by VTK",
             f"{len(found)} of {len(outside)}")
    measured("profile.csv vs vtu-probe potential: largest |difference| / largest |potential|",
             f"{error:.3e}")
    check(len(found) >= 0.95 * len(outside), "VTK misses more than 5 % of the profile points")
    check(error <= 1e-4, f"probe and profile.csv potentials differ by {error:.3e} (> 1e-4)")


# ---------------------------------------------------------------------------


def main():
    return run_case.case_main(
        __doc__, CASES, "stream-potential",
        lambda args: StreamDriver(os.path.abspath(args.solver), args.mpiexec, args.keep,
                                   args.probe and os.path.abspath(args.probe)))


if __name__ == "__main__":
    sys.exit(main())

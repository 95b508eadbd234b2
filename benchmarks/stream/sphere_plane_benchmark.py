#!/usr/bin/env python3
"""Sphere at a prescribed potential over a grounded plane: exact capacitance
and peak surface field against stream-potential at the default mesh, for
gaps of 0.2 to 10 radii (doc/validation.md, doc/stream-potential.md).

Geometry: a conducting sphere of radius a, centre at height h = a + g above
the grounded plane z = 0 (the anode), held at potential V.

Reference: the image series (Smythe, Static and Dynamic Electricity,
5.08, where it is also solved in bispherical coordinates; the image of a
point charge in a sphere: Jackson, Classical Electrodynamics, 3rd ed.,
2.2). With cosh(alpha) = h / a, a point charge q_0 = 4 pi eps0 a V
at the centre makes the sphere an equipotential at V; its mirror -q_0 at
-h in the plane spoils that, and the Kelvin image of a charge -q at
distance d from the centre, +q a / d at distance a^2 / d from the centre
towards it, restores it. Iterating (the plane mirrors every q_n at z_n to
-q_n at -z_n; d = h + z_n):

    q_(n+1) = q_n a / (h + z_n),     z_(n+1) = h - a^2 / (h + z_n),

whose closed form (by induction, with cosh(alpha) = h / a) is

    q_n = q_0 sinh(alpha) / sinh((n + 1) alpha),
    z_n = h - a sinh(n alpha) / sinh((n + 1) alpha),     n = 0, 1, 2, ...

The charge on the sphere is the sum of the images inside it, so

    C = sum_n q_n / V = 4 pi eps0 a sinh(alpha) sum_{n>=0} 1 / sinh((n+1) alpha).

Peak surface field: the surface charge density is largest at the point of
the sphere nearest the plane, z_p = h - a (every image pulls charge
towards the plane). All images lie on the axis, q_n above z_p (z_p < z_n
<= h) and -q_n below (at -z_n), so both fields point the same way (away
from the sphere for V > 0) and add in magnitude:

    E_p = sum_n q_n / (4 pi eps0) [1 / (z_n - z_p)^2 + 1 / (z_n + z_p)^2].

The terms fall as exp(-n alpha); the sums stop when a term is below 1e-17
of the total. Limits: h >> a gives C -> 4 pi eps0 a (1 + a / (2h)) and
E_p -> V / a. self_test() checks the closed form against the recursion,
that the image potential is V at the sphere's lowest, highest and side
points, and E_p against a finite difference of that potential.

The solver: one particle (Particles/Rows = Particles per row = 1) with
Charging/Model = prescribed potential, the anode at 0 V, at the default
mesh (Mesh/Surface element size 0.5, Far element size 20, Growth distance
60). The grounded box (walls Enclosure/Distance beyond the sphere) adds
capacitance through the sphere-image dipole, ~ a h^2 / L^3 relative: its
distance L is max(the default 50 um, ENCLOSURE_PER_HEIGHT h), so that the
effect falls like a / h and is largest at the smallest gap; the full mode
repeats gaps 0.2 and 2 at twice that distance to show it. (Doubling it at
gap 10 means 2.1 million unknowns and 7 minutes for the same answer.) The computed C is the reported (Galerkin) charge over V; the
gradient-flux charge (flux_charge_C) is listed for comparison. The
computed peak field is max_surface_field_V_per_m (the recovered consistent
flux at the surface vertices, doc/stream-potential.md, "Surface fields").

The full mode also tabulates, at gaps 0.2, 0.5 and 1, the errors against
Mesh/Elements across anode gap = 0 (off), 3, 6 (the default), 12: the
size on the axis of the gap is at most gap / that.

Criteria: C within 0.5 % and the peak field within 2 % at every gap
(gated in --quick, ctest, at gaps 0.5 and 1).

Usage: sphere_plane_benchmark.py SOLVER [--mpiexec MPIEXEC] [--np N] [--quick]
                                 [--json FILE]
"""
import csv
import json
import math
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from benchmark_common import arguments, solver_command, write_json  # noqa: E402
from image_series import (COULOMB, EPS0, check_closed_form,  # noqa: E402
                          kelvin_chain)

RADIUS = 2.5e-6  # m
VOLTS = 1.0  # the problem is linear: C and E / V do not depend on V
GAPS = (0.2, 0.5, 1.0, 2.0, 5.0, 10.0)  # in radii
QUICK_GAPS = (0.5, 1.0)
ENCLOSURE_CHECK_GAPS = (0.2, 2.0)
REFINEMENT_GAPS = (0.2, 0.5, 1.0)
ACROSS_GAP = (0, 3, 6, 12)  # 0: no anode-gap refinement
DEFAULT_ENCLOSURE = 50e-6  # m, the solver's Enclosure/Distance
ENCLOSURE_PER_HEIGHT = 40  # box distance / centre height (see above)
CAPACITANCE_TOLERANCE = 0.005
FIELD_TOLERANCE = 0.02
BENCHMARK = "Sphere at a potential over a grounded plane"
SOURCE = ("image series (Smythe, Static and Dynamic Electricity, 5.08; "
          "bispherical coordinates)")


# ---------------------------------------------------------------------------
# Exact reference
# ---------------------------------------------------------------------------

def images(a, h, volts=VOLTS):
    """[(q_n, z_n)]: the image charges inside the sphere (closed form; the
    chain of image_series.py, x_n below the centre)."""
    return [(q, h - x) for q, x in
            kelvin_chain(a, h, 4 * math.pi * EPS0 * a * volts)]


def exact_capacitance(a, h):
    """C = 4 pi eps0 a sinh(alpha) sum_{n>=0} 1 / sinh((n+1) alpha)."""
    return sum(q for q, _ in images(a, h, 1.0))


def image_potential(a, h, point_z, volts=VOLTS, rho=0.0):
    """Potential of all images and their mirrors at (rho, z)."""
    return sum(COULOMB * q * (1 / math.hypot(rho, point_z - z) -
                              1 / math.hypot(rho, point_z + z))
               for q, z in images(a, h, volts))


def exact_peak_field(a, h, volts=VOLTS):
    """|E| at the gap point z_p = h - a:
    sum_n q_n / (4 pi eps0) [1 / (z_n - z_p)^2 + 1 / (z_n + z_p)^2]."""
    zp = h - a
    return abs(sum(COULOMB * q * (1 / (z - zp) ** 2 + 1 / (z + zp) ** 2)
                   for q, z in images(a, h, volts)))


def self_test():
    """The reference's own checks; exits on a failure."""
    failures = []
    for gap in GAPS:
        a, h = RADIUS, RADIUS * (1 + gap)
        worst = check_closed_form(a, h)
        if worst > 1e-12:
            failures.append(f"gap {gap}: closed form vs recursion {worst:.1e}")
        # The sphere is the equipotential V: lowest, highest, side points.
        for z, rho in ((h - a, 0.0), (h + a, 0.0), (h, a)):
            error = image_potential(a, h, z, rho=rho) / VOLTS - 1
            if abs(error) > 1e-12:
                failures.append(f"gap {gap}: potential at z={z:.3e}, rho={rho:.1e} "
                                f"off by {error:.1e}")
        # E_p = -dphi/dz just below the gap point (4th-order difference).
        step = 1e-3 * a * min(gap, 1)
        zp = h - a
        phi = [image_potential(a, h, zp - k * step) for k in range(5)]
        derivative = (25 * phi[0] - 48 * phi[1] + 36 * phi[2] - 16 * phi[3] +
                      3 * phi[4]) / (12 * step)
        error = abs(derivative) / exact_peak_field(a, h) - 1
        if abs(error) > 1e-7:
            failures.append(f"gap {gap}: peak field vs finite difference {error:.1e}")
    # Far from the plane: C -> 4 pi eps0 a (1 + a / (2h)), E -> V / a.
    a, h = RADIUS, 1e4 * RADIUS
    far_c = exact_capacitance(a, h) / (4 * math.pi * EPS0 * a * (1 + a / (2 * h))) - 1
    far_e = exact_peak_field(a, h) / (VOLTS / a) - 1
    if abs(far_c) > 1e-7 or abs(far_e) > 1e-3:
        failures.append(f"h = 1e4 a: C {far_c:.1e}, E {far_e:.1e} off the isolated sphere")
    if failures:
        sys.exit("reference self-test failed: " + "; ".join(failures))
    print("reference self-test passed (closed form = recursion, sphere "
          "equipotential, peak field = -dphi/dz, isolated-sphere limit)")


# ---------------------------------------------------------------------------
# Solver runs
# ---------------------------------------------------------------------------

def enclosure_distance(h):
    return max(DEFAULT_ENCLOSURE, ENCLOSURE_PER_HEIGHT * h)


def run(args, gap, distance, extra_sets=()):
    """One prescribed-potential run; returns (summary, particle row, s)."""
    sets = list(extra_sets) + ["Model=particles", f"Particles/Radius={RADIUS!r}",
            "Particles/Patch shape=rows", "Particles/Rows=1", "Particles/Particles per row=1",
            "Particles/Layers=1", f"Particles/Anode gap={gap * RADIUS!r}",
            "Enclosure/Shape=box", f"Enclosure/Distance={distance!r}",
            "Enclosure/Anode potential=0",
            "Charging/Model=prescribed potential",
            f"Charging/Particle potential={VOLTS!r}"]
    with tempfile.TemporaryDirectory() as out:
        prm = os.path.join(out, "empty.prm")
        open(prm, "w").close()
        start = time.perf_counter()
        result = subprocess.run(solver_command(args, prm, f"{out}/run", sets),
                                capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if result.returncode != 0:
            sys.exit(f"solver failed ({result.returncode}): {result.stderr.strip()}")
        with open(f"{out}/run/summary.json") as f:
            summary = json.load(f)
        with open(f"{out}/run/particles.csv") as f:
            (particle,) = list(csv.DictReader(f))
        return summary, particle, seconds


def measure(args, gap, distance, records, default=True, across=None):
    """Run one gap (ACROSS: Mesh/Elements across anode gap, None: the
    default); returns its table row and appends the --json rows."""
    a, h = RADIUS, RADIUS * (1 + gap)
    extra = [] if across is None else [f"Mesh/Elements across anode gap={across}"]
    summary, particle, seconds = run(args, gap, distance, extra)
    c_exact, e_exact = exact_capacitance(a, h), exact_peak_field(a, h)
    c = float(particle["charge_C"]) / VOLTS
    c_flux = float(particle["flux_charge_C"]) / VOLTS
    e = summary["max_surface_field_V_per_m"]
    case = f"gap {gap:g} a (h/a = {1 + gap:g})"
    refinement = f"default mesh, box {distance:.2e} m" if across is None else (
        f"{across} elements across the gap, box {distance:.2e} m")
    for quantity, reference, measured, criterion, slope in (
            ("capacitance (F)", c_exact, c, CAPACITANCE_TOLERANCE, -4 / 3),
            ("peak surface field (V/m)", e_exact, e, FIELD_TOLERANCE, -2 / 3)):
        records.append({
            "benchmark": BENCHMARK, "case": case, "quantity": quantity,
            "reference": reference, "reference_source": SOURCE,
            "measured": measured, "error": measured / reference - 1,
            "criterion": criterion, "default": default, "refinement": refinement,
            "n_dofs": summary["n_dofs"], "wall_time_s": seconds,
            "expected_slope": slope})
    return dict(gap=gap, distance=distance, c_exact=c_exact, c=c,
                c_error=c / c_exact - 1, c_flux_error=c_flux / c_exact - 1,
                e_exact=e_exact, e=e, e_error=e / e_exact - 1,
                n_dofs=summary["n_dofs"], seconds=seconds)


def print_table(rows, mesh="default mesh"):
    print(f"\n{BENCHMARK}: a = {RADIUS:g} m, V = {VOLTS:g} V, {mesh}")
    print(" gap/a   box (m)    exact C (F)   computed C (F)  rel. err   "
          "exact E (V/m)  computed E (V/m)  rel. err  | flux-C err  unknowns  time (s)")
    for r in rows:
        print(f" {r['gap']:5.1f}  {r['distance']:8.2e}  {r['c_exact']:.6e}  "
              f"{r['c']:.6e}   {r['c_error']:+.2e}   {r['e_exact']:.6e}   "
              f"{r['e']:.6e}    {r['e_error']:+.2e}  | {r['c_flux_error']:+.2e}  "
              f"{r['n_dofs']:8d}  {r['seconds']:7.1f}")


def main():
    args = arguments(__doc__.split("\n")[0],
                     quick_help=f"gaps {', '.join(map(str, QUICK_GAPS))} only (ctest)")
    self_test()
    records = []
    gaps = QUICK_GAPS if args.quick else GAPS
    rows = [measure(args, g, enclosure_distance(RADIUS * (1 + g)), records)
            for g in gaps]
    print_table(rows)
    if not args.quick:
        # The box's share of the error, largest at the smallest gap.
        print("\nEnclosure effect: the same runs with the box twice as far")
        doubled = [measure(args, g, 2 * enclosure_distance(RADIUS * (1 + g)), records,
                           default=False) for g in ENCLOSURE_CHECK_GAPS]
        print_table(doubled)
        # Convergence of the gap refinement (the default is 6 elements).
        for gap in REFINEMENT_GAPS:
            print(f"\nGap {gap:g} a: Mesh/Elements across anode gap = "
                  + ", ".join(str(n) for n in ACROSS_GAP))
            print_table([measure(args, gap, enclosure_distance(RADIUS * (1 + gap)),
                                 records, default=False, across=n) for n in ACROSS_GAP],
                        "default mesh but Elements across anode gap = "
                        + ", ".join(str(n) for n in ACROSS_GAP))
    missed = [f"gap {r['gap']:g}: C error {r['c_error']:+.2e} (criterion "
              f"{CAPACITANCE_TOLERANCE * 100:g} %)" for r in rows
              if abs(r["c_error"]) > CAPACITANCE_TOLERANCE]
    missed += [f"gap {r['gap']:g}: peak field error {r['e_error']:+.2e} (criterion "
               f"{FIELD_TOLERANCE * 100:g} %)" for r in rows
               if abs(r["e_error"]) > FIELD_TOLERANCE]
    write_json(args, records)
    if missed:
        print("\nFAILED: " + "; ".join(missed))
        return 1
    print(f"\nPASSED: capacitance within {CAPACITANCE_TOLERANCE * 100:g} %, peak field "
          f"within {FIELD_TOLERANCE * 100:g} % at every gap")
    return 0


if __name__ == "__main__":
    sys.exit(main())

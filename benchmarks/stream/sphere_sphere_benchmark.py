#!/usr/bin/env python3
"""Two equal spheres, one at a prescribed potential and one grounded: exact
charges and peak surface fields against stream-potential at the default
mesh, for surface gaps of 0.2 to 2 radii (doc/validation.md,
doc/stream-potential.md).

Geometry: conducting spheres A and B of radius a, centres d = 2h apart
(surface gap g = d - 2a), A at potential V, B at 0, inside a grounded
sphere of radius R about their midpoint (the solver's sphere enclosure).

Why this configuration: the field between neighbouring particles is large
only where their potentials differ. Two spheres at +V/2 and -V/2 (or
carrying +Q and -Q) have the midplane at 0 and are exactly the sphere over
a plane at gap g/2 (sphere_plane_benchmark.py); A at V and B at 0 is that
antisymmetric part plus the symmetric one (both at V/2), so it tests a
field that differs on the two sides of the gap and a net charge. The
solver holds each particle at its own potential through Charging/Particle
potential = "V, 0" (one value per particle).

Reference in free space: the Kelvin image chain of image_series.py
(Smythe, Static and Dynamic Electricity, 5.08; the same sums from
bispherical coordinates), with cosh(alpha) = h / a. The chain started by
q_0 = 4 pi eps0 a V at A's centre makes A the equipotential V and B the
equipotential 0; its images alternate, even n in A at x_n from A's centre
towards B, odd n (negative) in B at x_n from B's centre towards A. So the
capacitance coefficients (Q_A = C_AA V_A + C_AB V_B, and the same with A,
B swapped) are

    C_AA = 4 pi eps0 a sinh(alpha) sum_{k>=0} 1 / sinh((2k + 1) alpha),
    C_AB = -4 pi eps0 a sinh(alpha) sum_{k>=1} 1 / sinh(2k alpha).

Peak surface fields: every image lies on the line of centres; the surface
charge of A (at V > 0 facing a grounded B) is largest at A's point nearest
B, and B's (negative) charge is largest in magnitude at its point nearest
A; there the surface field is the axial field of all images,

    E = sum_j Q_j (p - x_j) / (4 pi eps0 |p - x_j|^3)   (on the axis).

The grounded enclosure: its image of the charges near its centre is, to
first order in the size of the pair over R, the uniform potential -Q_tot /
(4 pi eps0 R) (Q_tot = Q_A + Q_B). So the pair in the enclosure at (V, 0)
is the free pair at (V + s, s), s = Q_tot / (4 pi eps0 R); with Q = C (V +
s 1) this is one linear equation for s, solved exactly. What is left is
the enclosure's dipole and higher images, of relative order a d^2 / R^3
(below 1e-4 at R = 40 d). The full mode repeats gap 0.2 at 2 R.

self_test() checks the closed form against the reflection-by-reflection
recursion, that the image potential is V on A and 0 on B (at their near,
far and side points), that the peak fields agree with a finite difference
of that potential, that the surface charge is indeed largest in magnitude
at the near points (sampled over each sphere's meridian), the
antisymmetric limit (C_AA - C_AB = the sphere-plane capacitance at half
the gap) and the far limit (C_AA -> 4 pi eps0 a, C_AB -> -4 pi eps0 a^2 /
d).

The solver: Particles/Patch shape = rows, Rows = 1, Particles per row = 2, Lattice pitch = d,
Enclosure/Shape = sphere, Distance = R = ENCLOSURE_PER_DISTANCE d,
Charging/Model = prescribed potential, at the default mesh (Mesh/Surface
element size 0.5, Elements across particle gap 6). The computed charges
are the Galerkin charges (particles.csv charge_C), the peak fields each
particle's max_surface_field_V_per_m.

Criteria (gated at every gap; ctest --quick: gaps 0.2 and 1): each charge
within 0.5 % of its reference (relative to |Q_A|, the larger: B's charge
is the difference of two comparable parts at wide gaps) and each peak
field within 2 %. The full mode also tabulates, at gap 0.2, the errors
against Mesh/Elements across particle gap = 0 (off), 3, 6, 12: the
size in the gap is at most gap / that.

Usage: sphere_sphere_benchmark.py SOLVER [--mpiexec MPIEXEC] [--np N] [--quick]
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
import sphere_plane_benchmark  # noqa: E402  (the antisymmetric limit)

RADIUS = 2.5e-6  # m
VOLTS = 1.0  # the problem is linear
GAPS = (0.2, 0.5, 1.0, 2.0)  # surface gap in radii
QUICK_GAPS = (0.2, 1.0)
REFINEMENT_GAP = 0.2
ACROSS_GAP = (0, 3, 6, 12)  # Mesh/Elements across particle gap; 0: off
ENCLOSURE_PER_DISTANCE = 40  # R / d
CHARGE_TOLERANCE = 0.005
FIELD_TOLERANCE = 0.02
BENCHMARK = "Two spheres, one at a potential, one grounded"
SOURCE = ("image series (Smythe, Static and Dynamic Electricity, 5.08; "
          "bispherical coordinates) with the enclosure's uniform image potential")


# ---------------------------------------------------------------------------
# Exact reference
# ---------------------------------------------------------------------------

def axial_charges(a, h, potential_a, potential_b):
    """[(Q, x)] on the line of centres (A's centre at -h, B's at +h): the
    two image chains started at A's and B's centres."""
    charges = []
    for volts, sign in ((potential_a, -1), (potential_b, +1)):
        # sign: the side of the chain's own sphere (-1: A)
        q0 = 4 * math.pi * EPS0 * a * volts
        for n, (q, x) in enumerate(kelvin_chain(a, h, 1.0)):
            own = n % 2 == 0
            centre = sign * h if own else -sign * h
            towards = -sign if own else sign  # direction of the other sphere
            charges.append(((-1) ** n * q * q0, centre + towards * x))
    return charges


def potential(charges, x, rho=0.0):
    return sum(COULOMB * q / math.hypot(x - xq, rho) for q, xq in charges)


def axial_field(charges, x):
    return sum(COULOMB * q * (x - xq) / abs(x - xq) ** 3 for q, xq in charges)


def free_coefficients(a, h):
    """(C_AA, C_AB) of the free pair, from the chain's closed form."""
    chain = kelvin_chain(a, h, 4 * math.pi * EPS0 * a)
    return (sum(q for n, (q, _) in enumerate(chain) if n % 2 == 0),
            -sum(q for n, (q, _) in enumerate(chain) if n % 2 == 1))


def enclosure_shift(a, h, radius, volts=VOLTS):
    """s with the pair at (V + s, s) in free space equivalent to (V, 0) in
    the grounded sphere of radius R: s = Q_tot(s) / (4 pi eps0 R)."""
    c_aa, c_ab = free_coefficients(a, h)
    total_per_volt = c_aa + c_ab  # Q_tot of (1, 0); (1, 1) gives 2 (C_AA + C_AB)
    return (total_per_volt * volts) / (4 * math.pi * EPS0 * radius -
                                       2 * total_per_volt)


def reference(a, h, radius=math.inf, volts=VOLTS):
    """dict: Q_A, Q_B and the peak fields |E| at A's and B's near points."""
    shift = 0.0 if math.isinf(radius) else enclosure_shift(a, h, radius, volts)
    charges = axial_charges(a, h, volts + shift, shift)
    q_a = sum(q for q, x in charges if x < 0)
    q_b = sum(q for q, x in charges if x > 0)
    return dict(q_a=q_a, q_b=q_b,
                e_a=abs(axial_field(charges, -h + a)),
                e_b=abs(axial_field(charges, h - a)))


def surface_field(charges, a, centre, theta):
    """Normal field E.n on the sphere at (centre, a) at polar angle theta
    from +x, and the tangential field (0 on a conductor)."""
    x, rho = centre + a * math.cos(theta), a * math.sin(theta)
    ex = sum(COULOMB * q * (x - xq) / math.hypot(x - xq, rho) ** 3 for q, xq in charges)
    er = sum(COULOMB * q * rho / math.hypot(x - xq, rho) ** 3 for q, xq in charges)
    normal = (math.cos(theta), math.sin(theta))
    return (ex * normal[0] + er * normal[1],
            -ex * normal[1] + er * normal[0])


def self_test():
    """The reference's own checks; exits on a failure."""
    failures = []
    a = RADIUS
    for gap in GAPS:
        h = a * (1 + gap / 2)
        worst = check_closed_form(a, h)
        if worst > 1e-12:
            failures.append(f"gap {gap}: closed form vs recursion {worst:.1e}")
        charges = axial_charges(a, h, VOLTS, 0.0)
        # A at V and B at 0: near, far and side points of each sphere.
        for centre, expected in ((-h, VOLTS), (h, 0.0)):
            for x, rho in ((centre - a, 0.0), (centre + a, 0.0), (centre, a)):
                error = potential(charges, x, rho) - expected
                if abs(error) > 1e-12 * VOLTS:
                    failures.append(f"gap {gap}: potential at x={x:.3e}, "
                                    f"rho={rho:.1e} off by {error:.1e} V")
        # The peak fields against -dphi/dx just outside the near points
        # (4th-order one-sided difference, pointing into the gap).
        ref = reference(a, h)
        step = 1e-3 * a * min(gap, 1)
        for point, direction, key in ((-h + a, +1, "e_a"), (h - a, -1, "e_b")):
            phi = [potential(charges, point + direction * k * step) for k in range(5)]
            derivative = (-25 * phi[0] + 48 * phi[1] - 36 * phi[2] + 16 * phi[3] -
                          3 * phi[4]) / (12 * step)
            error = abs(derivative) / ref[key] - 1
            if abs(error) > 1e-7:
                failures.append(f"gap {gap}: {key} vs finite difference {error:.1e}")
        # The near points carry the largest |surface charge|; the surface is
        # an equipotential (no tangential field).
        for centre, near, key in ((-h, 0.0, "e_a"), (h, math.pi, "e_b")):
            samples = [surface_field(charges, a, centre, math.pi * k / 180)
                       for k in range(181)]
            largest = max(abs(normal) for normal, _ in samples)
            tangential = max(abs(t) for _, t in samples)
            at_near = abs(surface_field(charges, a, centre, near)[0])
            if largest > at_near * (1 + 1e-12) or abs(at_near / ref[key] - 1) > 1e-10:
                failures.append(f"gap {gap}: {key} is not the largest surface field")
            if tangential > 1e-8 * largest:
                failures.append(f"gap {gap}: tangential field {tangential:.1e} V/m")
        # Antisymmetric part: A at +V/2, B at -V/2 is the sphere at V/2 over
        # the plane at gap g/2, so C_AA - C_AB = C(sphere-plane, h).
        c_aa, c_ab = free_coefficients(a, h)
        plane = sphere_plane_benchmark.exact_capacitance(a, h)
        if abs((c_aa - c_ab) / plane - 1) > 1e-12:
            failures.append(f"gap {gap}: C_AA - C_AB off the sphere-plane C")
    # Far apart: C_AA -> 4 pi eps0 a (1 + a^2 / d^2), C_AB -> -4 pi eps0 a^2 / d.
    d = 1e4 * a
    c_aa, c_ab = free_coefficients(a, d / 2)
    c0 = 4 * math.pi * EPS0 * a
    if abs(c_aa / (c0 * (1 + (a / d) ** 2)) - 1) > 1e-10 or abs(
            c_ab / (-c0 * a / d) - 1) > 1e-7:
        failures.append("d = 1e4 a: coefficients off the isolated-sphere limit")
    if failures:
        sys.exit("reference self-test failed: " + "; ".join(failures))
    print("reference self-test passed (closed form = recursion, A at V and B at 0, "
          "peak fields = -dphi/dx and largest on the surface, antisymmetric = "
          "sphere-plane, far limit)")


# ---------------------------------------------------------------------------
# Solver runs
# ---------------------------------------------------------------------------

def enclosure_radius(gap):
    return ENCLOSURE_PER_DISTANCE * RADIUS * (2 + gap)


def run(args, gap, radius, extra_sets=()):
    """One run; returns (summary, [particle rows sorted by x], seconds)."""
    sets = list(extra_sets) + [
        "Model=particles", f"Particles/Radius={RADIUS!r}",
        f"Particles/Lattice pitch={RADIUS * (2 + gap)!r}",
        "Particles/Patch shape=rows", "Particles/Rows=1", "Particles/Particles per row=2",
        "Particles/Layers=1",
        "Enclosure/Shape=sphere", f"Enclosure/Distance={radius!r}",
        "Charging/Model=prescribed potential",
        f"Charging/Particle potential={VOLTS!r}, 0"]
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
            particles = list(csv.DictReader(f))
        if [float(p["potential_V"]) for p in particles] != [VOLTS, 0.0]:
            sys.exit("the solver did not hold particle 0 at V and particle 1 at 0")
        return summary, particles, seconds


def measure(args, gap, radius, records, default=True, across=None):
    """Run one gap (ACROSS: Mesh/Elements across particle gap, None: the
    default); returns its table row and appends the --json rows."""
    a, h = RADIUS, RADIUS * (1 + gap / 2)
    extra = [] if across is None else [f"Mesh/Elements across particle gap={across}"]
    summary, (p_a, p_b), seconds = run(args, gap, radius, extra)
    exact = reference(a, h, radius)
    measured = dict(q_a=float(p_a["charge_C"]), q_b=float(p_b["charge_C"]),
                    e_a=float(p_a["max_surface_field_V_per_m"]),
                    e_b=float(p_b["max_surface_field_V_per_m"]))
    # Charges relative to |Q_A| (see the criteria above), fields to their own.
    errors = dict(q_a=measured["q_a"] / exact["q_a"] - 1,
                  q_b=(measured["q_b"] - exact["q_b"]) / abs(exact["q_a"]),
                  e_a=measured["e_a"] / exact["e_a"] - 1,
                  e_b=measured["e_b"] / exact["e_b"] - 1)
    case = f"gap {gap:g} a (d/a = {2 + gap:g})"
    refinement = f"default mesh, enclosure R = {radius:.2e} m" if across is None else (
        f"{across} elements across the gap, enclosure R = {radius:.2e} m")
    for key, quantity, criterion, slope in (
            ("q_a", "charge of A at V (C)", CHARGE_TOLERANCE, -4 / 3),
            ("q_b", "charge of grounded B (C), error / |Q_A|", CHARGE_TOLERANCE, -4 / 3),
            ("e_a", "peak surface field of A (V/m)", FIELD_TOLERANCE, -2 / 3),
            ("e_b", "peak surface field of B (V/m)", FIELD_TOLERANCE, -2 / 3)):
        records.append({
            "benchmark": BENCHMARK, "case": case, "quantity": quantity,
            "reference": exact[key], "reference_source": SOURCE,
            "measured": measured[key], "error": errors[key],
            "criterion": criterion, "default": default, "refinement": refinement,
            "n_dofs": summary["n_dofs"], "wall_time_s": seconds,
            "expected_slope": slope})
    return dict(gap=gap, radius=radius, exact=exact, measured=measured,
                errors=errors, across=across,
                n_dofs=summary["n_dofs"], seconds=seconds)


def print_table(rows, mesh="default mesh"):
    print(f"\n{BENCHMARK}: a = {RADIUS:g} m, V_A = {VOLTS:g} V, V_B = 0, {mesh}")
    print(" gap/a  across  R (m)     exact Q_A (C)  err Q_A    exact Q_B (C)  err Q_B/|Q_A|"
          "  exact E_A (V/m)  err E_A    exact E_B (V/m)  err E_B   unknowns  time (s)")
    for r in rows:
        e, x = r["exact"], r["errors"]
        across = "6 (def)" if r["across"] is None else f"{r['across']:7d}"
        print(f" {r['gap']:5.1f}  {across:>7s} {r['radius']:8.2e}  {e['q_a']:.6e}  "
              f"{x['q_a']:+.2e}  {e['q_b']:.6e}  {x['q_b']:+.2e}      "
              f"{e['e_a']:.6e}     {x['e_a']:+.2e}  {e['e_b']:.6e}     {x['e_b']:+.2e}  "
              f"{r['n_dofs']:8d}  {r['seconds']:7.1f}")


def failures(rows):
    missed = []
    for r in rows:
        for key, tolerance in (("q_a", CHARGE_TOLERANCE), ("q_b", CHARGE_TOLERANCE),
                               ("e_a", FIELD_TOLERANCE), ("e_b", FIELD_TOLERANCE)):
            if abs(r["errors"][key]) > tolerance:
                missed.append(f"gap {r['gap']:g}: {key} error {r['errors'][key]:+.2e}"
                              f" (criterion {tolerance * 100:g} %)")
    return missed


def main():
    args = arguments(__doc__.split("\n")[0],
                     quick_help=f"gaps {', '.join(map(str, QUICK_GAPS))} only (ctest)")
    self_test()
    records = []
    gaps = QUICK_GAPS if args.quick else GAPS
    rows = [measure(args, g, enclosure_radius(g), records) for g in gaps]
    print_table(rows)
    if not args.quick:
        print("\nEnclosure effect: gap 0.2 with the enclosure twice as far")
        print_table([measure(args, REFINEMENT_GAP, 2 * enclosure_radius(REFINEMENT_GAP),
                             records, default=False)])
        print(f"\nConvergence at gap {REFINEMENT_GAP:g} a: Mesh/Elements across "
              "particle gap = " + ", ".join(str(n) for n in ACROSS_GAP)
              + " (size in the gap: gap / that; 0 = off)")
        print_table([measure(args, REFINEMENT_GAP, enclosure_radius(REFINEMENT_GAP),
                             records, default=False, across=n) for n in ACROSS_GAP],
                    "default mesh but Elements across particle gap varied")
    missed = failures(rows)
    write_json(args, records)
    if missed:
        print("\nFAILED: " + "; ".join(missed))
        return 1
    print(f"\nPASSED: charges within {CHARGE_TOLERANCE * 100:g} %, peak fields within "
          f"{FIELD_TOLERANCE * 100:g} % at every gap")
    return 0


if __name__ == "__main__":
    sys.exit(main())

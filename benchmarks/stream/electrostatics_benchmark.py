#!/usr/bin/env python3
"""Exact electrostatics benchmarks of stream-potential, with convergence
tables (doc/theory.md section 2).

1. Concentric spheres: a particle of radius a carrying charge Q inside a
   grounded sphere of radius b (Enclosure/Shape = sphere). Exact:
       V = Q / (4 pi eps0) (1/a - 1/b),   C = Q / V = 4 pi eps0 / (1/a - 1/b),
       surface field E = |Q| / (4 pi eps0 a^2) (uniform).
   Criteria of the issue: C within 0.5 %, peak surface field within 2 %,
   both at the default mesh (surface size 0.5, growth distance 60), where
   the regression gates them. The surface field is the recovered
   consistent flux sigma / eps0 at the surface vertices
   (doc/stream-potential.md, "Surface fields").
2. Sphere over a grounded plane: radius a, centre height h above the anode,
   box enclosure far away (its effect is estimated by doubling its
   distance). Exact capacitance by the image series (Smythe, Static and
   Dynamic Electricity, 5.08):
       C = 4 pi eps0 a sinh(alpha) sum_{n>=1} 1 / sinh(n alpha),
       cosh(alpha) = h / a,
   and the peak surface field (nearest the plane) from the same images.
3. Uniformly charged slab between grounded plates (Model = continuum,
   insulating lateral walls): charge density rho in z1 < z < z2, plates at
   z = 0 and z = T. Exact (piecewise quadratic):
       phi(z) = (1/eps0) int_{z1}^{z2} G(z, s) rho ds,
       G(z, s) = z (T - s) / T  (z < s),   s (T - z) / T  (z > s).
   P2 on a mesh whose lines follow the slab edges reproduces it to solver
   tolerance.

Prints measured, reference, relative error, unknowns and time per run and
exits non-zero when a criterion at the default settings fails.

Usage: electrostatics_benchmark.py SOLVER [--mpiexec MPIEXEC] [--np N] [--quick]
                                  [--json FILE]
(--json writes every row for postprocess/plots/validation_report.py.)
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

EPS0 = 8.8541878128e-12
COULOMB = 1 / (4 * math.pi * EPS0)

RADIUS = 2.5e-6
ENCLOSURE_RADIUS = 4 * RADIUS
CHARGE = -1e-14
CAPACITANCE_TOLERANCE = 0.005
FIELD_TOLERANCE = 0.02
RECORDS = []


def record(benchmark, case, quantity, reference, source, measured, criterion,
           default, refinement, n_dofs, seconds, expected_slope):
    """One row of the --json output (see validation_report.py)."""
    RECORDS.append({
        "benchmark": benchmark, "case": case, "quantity": quantity,
        "reference": reference, "reference_source": source, "measured": measured,
        "error": measured / reference - 1 if reference else measured,
        "criterion": criterion, "default": default, "refinement": refinement,
        "n_dofs": n_dofs, "wall_time_s": seconds, "expected_slope": expected_slope})


def run(args, sets):
    """Run the solver; returns (summary, particles rows, profile rows, s)."""
    with tempfile.TemporaryDirectory() as out:
        prm = os.path.join(out, "empty.prm")
        open(prm, "w").close()
        command = solver_command(args, prm, f"{out}/run", sets)
        start = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if result.returncode != 0:
            sys.exit(f"solver failed ({result.returncode}): {result.stderr}")
        with open(f"{out}/run/summary.json") as f:
            summary = json.load(f)
        particles = []
        if os.path.exists(f"{out}/run/particles.csv"):
            with open(f"{out}/run/particles.csv") as f:
                particles = list(csv.DictReader(f))
        with open(f"{out}/run/profile.csv") as f:
            profile = list(csv.DictReader(f))
        return summary, particles, profile, seconds


def rate(errors, dofs):
    """Observed order in h ~ dofs^(-1/3) between successive rows."""
    rates = [None]
    for k in range(1, len(errors)):
        if errors[k] > 0 and errors[k - 1] > 0 and dofs[k] != dofs[k - 1]:
            rates.append(math.log(errors[k - 1] / errors[k]) /
                         math.log((dofs[k] / dofs[k - 1]) ** (1 / 3)))
        else:
            rates.append(None)
    return rates


def fmt_rate(r):
    return "  -  " if r is None else f"{r:5.2f}"


def concentric_spheres(args, sizes, default_size):
    capacitance = 4 * math.pi * EPS0 / (1 / RADIUS - 1 / ENCLOSURE_RADIUS)
    field = abs(CHARGE) * COULOMB / RADIUS**2
    print("\n1. Concentric spheres: a = 2.5 um, b = 10 um, Q = -1e-14 C")
    print(f"   exact C = {capacitance:.6e} F, surface field = {field:.6e} V/m")
    print("   surface size  unknowns    C error   rate   E_max error  rate   "
          "flux-charge error  time (s)")
    rows = []
    for size in sizes:
        summary, particles, _, seconds = run(args, [
            "Particles/Radius=2.5e-6", "Particles/Patch shape=rows", "Particles/Rows=1",
            "Particles/Particles per row=1", "Enclosure/Shape=sphere",
            f"Enclosure/Distance={ENCLOSURE_RADIUS}",
            "Charging/Model=prescribed charge",
            f"Charging/Particle charge={CHARGE}",
            f"Mesh/Surface element size={size}"])
        potential = float(particles[0]["potential_V"])
        c_error = (CHARGE / potential) / capacitance - 1
        e_error = summary["max_surface_field_V_per_m"] / field - 1
        rows.append((size, summary["n_dofs"], c_error, e_error,
                     summary["max_flux_charge_relative_difference"], seconds))
        # P2 with a quadratic boundary map: C is an energy, |error| ~ h^4
        # (N^-4/3); the surface field a gradient, ~ h^2 (N^-2/3).
        source = "exact: C = 4 pi eps0 / (1/a - 1/b), E = Q / (4 pi eps0 a^2)"
        common = dict(default=size == default_size, refinement=f"surface size {size}",
                      n_dofs=summary["n_dofs"], seconds=seconds)
        record("Concentric spheres", "a = 2.5 um, b = 10 um", "capacitance (F)",
               capacitance, source, CHARGE / potential, CAPACITANCE_TOLERANCE,
               expected_slope=-4 / 3, **common)
        record("Concentric spheres", "a = 2.5 um, b = 10 um", "peak surface field (V/m)",
               field, source, summary["max_surface_field_V_per_m"], FIELD_TOLERANCE,
               expected_slope=-2 / 3, **common)
    c_rates = rate([abs(r[2]) for r in rows], [r[1] for r in rows])
    e_rates = rate([abs(r[3]) for r in rows], [r[1] for r in rows])
    for r, cr, er in zip(rows, c_rates, e_rates):
        print(f"   {r[0]:12.3f} {r[1]:9d} {r[2]:+10.2e} {fmt_rate(cr)} "
              f"{r[3]:+12.2e} {fmt_rate(er)} {r[4]:18.2e} {r[5]:9.2f}")
    gated = [r for r in rows if r[0] == default_size][0]
    c_ok = abs(gated[2]) <= CAPACITANCE_TOLERANCE
    e_ok = abs(gated[3]) <= FIELD_TOLERANCE
    print(f"   surface size {default_size}: C error {gated[2]:+.2e} "
          f"(criterion 0.5 %: {'met' if c_ok else 'MISSED'}), peak field "
          f"error {gated[3]:+.2e} (criterion 2 %: "
          f"{'met' if e_ok else 'MISSED'})")
    return c_ok and e_ok


def plane_capacitance(a, h, terms=2000):
    alpha = math.acosh(h / a)
    return 4 * math.pi * EPS0 * a * math.sinh(alpha) * sum(
        1 / math.sinh(n * alpha) for n in range(1, terms + 1)
        if n * alpha < 700)


def plane_images(a, h, volts=1.0, terms=2000):
    """Image charges of a sphere (radius a, centre height h, potential V)
    over a grounded plane z = 0 (Smythe 5.08): q_1 = 4 pi eps0 a V at the
    centre; the plane mirrors each q_n to -q_n at -z_n, whose image in the
    sphere is q_(n+1) = q_n a / (h + z_n) at z_(n+1) = h - a^2 / (h + z_n).
    Returns [(q_n, z_n)]."""
    images = [(4 * math.pi * EPS0 * a * volts, h)]
    for _ in range(terms):
        q, z = images[-1]
        distance = h + z
        images.append((q * a / distance, h - a * a / distance))
        if abs(images[-1][0]) < 1e-17 * abs(images[0][0]):
            break
    return images


def plane_peak_field(a, h, charge):
    """|E| at the point of the sphere nearest the plane (its largest
    surface field) for a sphere carrying CHARGE: the field of all images
    and their mirror charges at z = h - a."""
    images = plane_images(a, h)
    total = sum(q for q, _ in images)
    point = h - a
    field = sum(COULOMB * q * ((point - z) / abs(point - z) ** 3 -
                               (point + z) / abs(point + z) ** 3)
                for q, z in images)
    return abs(field * charge / total)


def sphere_over_plane(args, sizes, distances):
    gap = RADIUS
    h = RADIUS + gap
    exact = plane_capacitance(RADIUS, h)
    images = plane_images(RADIUS, h)
    field = plane_peak_field(RADIUS, h, CHARGE)
    print("\n2. Sphere over a grounded plane: a = 2.5 um, gap 2.5 um "
          "(h/a = 2), box enclosure, Q = -1e-14 C")
    print(f"   exact C (image series) = {exact:.6e} F "
          f"(image sum {sum(q for q, _ in images):.6e} F at 1 V), "
          f"peak surface field = {field:.6e} V/m (at the point nearest "
          "the plane)")
    print("   surface size  enclosure distance  unknowns    C error  "
          "E_max error  time (s)")
    for size in sizes:
        for distance in distances:
            summary, particles, _, seconds = run(args, [
                "Particles/Radius=2.5e-6", "Particles/Patch shape=rows", "Particles/Rows=1",
                "Particles/Particles per row=1", f"Particles/Anode gap={gap}",
                "Enclosure/Shape=box", f"Enclosure/Distance={distance}",
                "Charging/Model=prescribed charge",
                f"Charging/Particle charge={CHARGE}",
                f"Mesh/Surface element size={size}"])
            c = CHARGE / float(particles[0]["potential_V"])
            e = summary["max_surface_field_V_per_m"] / field - 1
            source = "image series (Smythe, Static and Dynamic Electricity, 5.08)"
            common = dict(default=size == 0.5 and distance == distances[-1],
                          refinement=f"surface size {size}, box {distance:.3g} m",
                          n_dofs=summary["n_dofs"], seconds=seconds)
            record("Sphere over a grounded plane", "h/a = 2", "capacitance (F)", exact,
                   source, c, None, expected_slope=-4 / 3, **common)
            record("Sphere over a grounded plane", "h/a = 2", "peak surface field (V/m)",
                   field, source, summary["max_surface_field_V_per_m"], None,
                   expected_slope=-2 / 3, **common)
            print(f"   {size:12.3f} {distance:19.2e} {summary['n_dofs']:9d} "
                  f"{c / exact - 1:+10.2e} {e:+12.2e} {seconds:9.2f}")


def slab_exact(z, z1, z2, top, rho, points=400):
    """phi(z) by Gauss-Legendre quadrature of the Green's function, split at
    z (the integrand is piecewise linear in s: exact)."""
    def green(s):
        return z * (top - s) / top if z < s else s * (top - z) / top
    total = 0.0
    pieces = [(z1, z2)] if not (z1 < z < z2) else [(z1, z), (z, z2)]
    for lo, hi in pieces:
        # two-point Gauss-Legendre is exact for a linear integrand
        for x in (-1 / math.sqrt(3), 1 / math.sqrt(3)):
            s = 0.5 * (lo + hi) + 0.5 * (hi - lo) * x
            total += 0.5 * (hi - lo) * green(s)
    return rho * total / EPS0


def charged_slab(args, cell_sizes):
    pitch, layers, thickness, gap, distance = 6e-6, 5, 20e-6, 2.5e-6, 30e-6
    charge = -1e-13
    density = layers * 2 / (math.sqrt(3) * pitch**2) / thickness * charge
    top = gap + thickness + distance
    print("\n3. Uniformly charged slab between grounded plates "
          "(continuum, insulating walls)")
    print(f"   rho = {density:.6e} C/m^3 in {gap:.1e} < z < "
          f"{gap + thickness:.1e} m, plates at 0 and {top:.1e} m")
    print("   cell size  unknowns   max |phi - exact| / max |exact|  "
          "time (s)")
    worst = 0
    for cell in cell_sizes:
        summary, _, profile, seconds = run(args, [
            "Model=continuum", f"Particles/Lattice pitch={pitch}",
            f"Particles/Layers={layers}",
            f"Particles/Stream thickness={thickness}",
            f"Particles/Anode gap={gap}", f"Enclosure/Distance={distance}",
            "Enclosure/Lateral walls=insulating",
            "Charging/Model=prescribed charge",
            f"Charging/Particle charge={charge}",
            f"Continuum/Cell size={cell}"])
        exact = [slab_exact(float(p["z_m"]), gap, gap + thickness, top,
                            density) for p in profile]
        scale = max(abs(e) for e in exact)
        error = max(abs(float(p["potential_V"]) - e)
                    for p, e in zip(profile, exact)) / scale
        worst = max(worst, error)
        record("Charged slab (continuum)", "between grounded plates",
               "max |phi - exact| / max |exact|", 0.0,
               "exact piecewise quadratic (Green's function)", error, 1e-6,
               cell == cell_sizes[-1], f"cell {cell:.0e} m", summary["n_dofs"], seconds,
               None)
        print(f"   {cell:9.1e} {summary['n_dofs']:9d} {error:32.2e} "
              f"{seconds:9.2f}")
    ok = worst < 1e-6
    print(f"   largest error {worst:.2e} (criterion 1e-6, P2 is exact for "
          f"the piecewise quadratic): {'PASS' if ok else 'FAIL'}")
    return ok


def main():
    args = arguments(__doc__.split("\n")[0])

    # The solver's default surface element size (relative to the radius).
    default_size = 0.5
    if args.quick:
        ok = concentric_spheres(args, [default_size], default_size)
        ok = charged_slab(args, [4e-6]) and ok
    else:
        ok = concentric_spheres(args, [1.0, 0.7, 0.5, 0.35, 0.25],
                                default_size)
        sphere_over_plane(args, [0.5, 0.35], [25e-6, 50e-6])
        ok = charged_slab(args, [8e-6, 4e-6, 2e-6]) and ok
    write_json(args, RECORDS)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

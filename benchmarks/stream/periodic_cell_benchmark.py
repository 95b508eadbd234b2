#!/usr/bin/env python3
"""The periodic cell of a laterally infinite stream against growing finite
patches and against the 1D (laterally infinite) continuum solution
(doc/stream-potential.md, "Periodic cell").

The stream: tungsten spheres r = 2.5 um at the hybrid-target study's layer
pitch p = 11.18 um, N layers (2 quick, 5 full) evenly spread over the
stream thickness H (10 um quick, 20 um full), the lowest surface g = 2.5 um
above the grounded anode, the grounded top D = 20 um above the stream
(L = g + H + D), every particle carrying the prescribed charge Q = -1e-13 C
(the size of the field-limited charges). Prescribed charges make every run
one linear solve (with guard electrodes a few), and make the charge per
unit area the same in every model:

    sigma = N Q n_1,   n_1 = 2 / (sqrt(3) p^2)   (one hexagonal layer).

1. Periodic cell (Particles/Patch shape = periodic cell) and patches
   (hexagons of 1, 2, 3 rings: 7, 19, 37 particles per layer) with guard
   electrodes. Per layer the potential of the particle nearest the patch
   axis and the layer mean. The guard walls hold the infinite stream's
   potential, so what a patch misses is a disturbance entering from its
   edge; between the anode and the top plane such a harmonic disturbance
   decays exponentially with the distance from the edge, and the centre
   potentials of successive patches approach their limit geometrically
   (measured: each difference 0.41-0.44 of the previous). Aitken's delta^2
   of the three patches,

       V_inf = V_3 - (V_3 - V_2)^2 / ((V_3 - V_2) - (V_2 - V_1)),

   is the extrapolated infinite patch (an extrapolation in 1/R, as for an
   unguarded patch, overshoots).

2. Plane average. plane_average.csv holds <phi>(z), the lateral mean of
   the potential over the cell (conductors included). Averaging Poisson's
   equation over the periodic cell leaves  -eps0 <phi>'' = <rho>  exactly,
   so below and above the stream <phi> is linear, <phi>(0) = U_a = 0,
   <phi>(L) = 0, and the slopes differ by Gauss's law:

       s_below - s_above = sigma / eps0.

   The two lines meet at the charge centroid z_c (the first moment of
   <rho> over sigma): outside the stream <phi> is the potential of a single
   sheet sigma at z_c,

       phi_sheet(z) = sigma z (L - z_c) / (eps0 L)   (z < z_c),
                      sigma z_c (L - z) / (eps0 L)   (z > z_c).

   The 1D continuum (a uniform slab rho = sigma / H over [g, g + H], the 2D
   continuum model with insulating walls, checked against the same formula
   to 1e-8 by electrostatics_benchmark.py) has its centroid at the slab
   centre z_s = g + H / 2, so outside the stream it equals the plane
   average exactly when z_c = z_s; the particles' centroid differs by the
   layers' positions (here none: even spacing) and by the polarisation of
   the conducting spheres in the macroscopic field (each sphere's surface
   charge shifts towards the anode or away from it). The benchmark
   measures both: Gauss's law and linearity are asserted, the centroid
   shift and the continuum's error outside the stream are reported.

    periodic_cell_benchmark.py SOLVER [--quick] [--np N] [--mpiexec M] [--json F]
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
from benchmark_common import arguments, finish, solver_command  # noqa: E402

BENCHMARK = "periodic cell"
EPS0 = 8.8541878128e-12  # F/m (CODATA 2018)
RADIUS, PITCH, GAP, TOP_DISTANCE, CHARGE = 2.5e-6, 11.18e-6, 2.5e-6, 20e-6, -1e-13
COARSE_MESH = ["Mesh/Surface element size=0.8", "Mesh/Far element size=4",
               "Mesh/Growth distance=4"]
# Criteria. Gauss's law and linearity of <phi> outside the stream are exact
# for the periodic cell's discrete solution up to the discretisation and the
# midpoint rule of the plane average; the continuum solves its slab exactly.
GAUSS_TOLERANCE = 1e-2      # relative, slope jump against sigma / eps0
LINEARITY_TOLERANCE = 1e-3  # largest deviation from the lines / max |<phi>|
CONTINUUM_TOLERANCE = 1e-8  # 2D insulating-wall continuum against 1D formula


def stream(quick):
    layers, thickness = (2, 10e-6) if quick else (5, 20e-6)
    return layers, thickness


def common_sets(quick):
    layers, thickness = stream(quick)
    return ["Model=particles", f"Particles/Radius={RADIUS!r}",
            f"Particles/Lattice pitch={PITCH!r}", f"Particles/Layers={layers}",
            f"Particles/Stream thickness={thickness!r}", f"Particles/Anode gap={GAP!r}",
            "Enclosure/Shape=box", f"Enclosure/Distance={TOP_DISTANCE!r}",
            "Enclosure/Anode potential=0", "Charging/Model=prescribed charge",
            f"Charging/Particle charge={CHARGE!r}", "Output/Profile points=101"] + (
                COARSE_MESH if quick else [])


def run(args, sets):
    """One run: (summary, particles rows, plane average rows or None, profile rows, s)."""
    with tempfile.TemporaryDirectory() as out:
        prm = os.path.join(out, "empty.prm")
        open(prm, "w").close()
        start = time.perf_counter()
        result = subprocess.run(solver_command(args, prm, f"{out}/run", sets),
                                capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if result.returncode != 0:
            sys.exit(f"solver failed ({result.returncode}): {result.stderr.strip()}")

        def table(name):
            path = f"{out}/run/{name}"
            if not os.path.exists(path):
                return None
            with open(path, newline="") as f:
                return [{k: float(v) for k, v in row.items()} for row in csv.DictReader(f)]
        with open(f"{out}/run/summary.json") as f:
            summary = json.load(f)
        return (summary, table("particles.csv"), table("plane_average.csv"),
                table("profile.csv"), seconds)


def layer_values(particles, n_layers):
    """Per layer: (potential of the particle nearest the lateral centre, mean)."""
    cx = sum(p["x"] for p in particles) / len(particles)
    cy = sum(p["y"] for p in particles) / len(particles)
    values = []
    for layer in range(n_layers):
        members = [p for p in particles if int(p["layer"]) == layer]
        centre = min(members, key=lambda p: math.hypot(p["x"] - cx, p["y"] - cy))
        values.append((centre["potential_V"],
                       sum(p["potential_V"] for p in members) / len(members)))
    return values


def sheet_potential(z, sigma, z_c, length):
    """1D: a charge sheet sigma at z_c between grounded planes z = 0 and L."""
    if z <= z_c:
        return sigma * z * (length - z_c) / (EPS0 * length)
    return sigma * z_c * (length - z) / (EPS0 * length)


def slab_potential(z, sigma, bottom, top, length):
    """1D: a uniform slab rho = sigma / (top - bottom) between grounded planes."""
    rho = sigma / (top - bottom)
    # phi = int_0^L G(z, s) rho(s) ds with G the sheet Green's function.
    def integral_below(a, b):  # sources s in [a, b] below z: s (L - z) / L
        return (length - z) * (b * b - a * a) / (2 * length)

    def integral_above(a, b):  # sources s in [a, b] above z: z (L - s) / L
        return z * ((b - a) - (b * b - a * a) / (2 * length))
    low, high = min(max(z, bottom), top), max(min(z, top), bottom)
    return rho / EPS0 * (integral_below(bottom, low) + integral_above(high, top))


def fit_line(points):
    """Least-squares line through [(z, phi)]: (slope, intercept)."""
    n = len(points)
    mz = sum(z for z, _ in points) / n
    mp = sum(p for _, p in points) / n
    szz = sum((z - mz) ** 2 for z, _ in points)
    slope = sum((z - mz) * (p - mp) for z, p in points) / szz
    return slope, mp - slope * mz


def main():
    args = arguments(__doc__.splitlines()[0])
    quick = args.quick
    layers, thickness = stream(quick)
    length = GAP + thickness + TOP_DISTANCE
    sigma = layers * CHARGE * 2 / (math.sqrt(3) * PITCH ** 2)
    records, failures = [], []

    # -- 1. periodic cell
    summary, cell_particles, average, _, seconds = run(
        args, common_sets(quick) + ["Particles/Patch shape=periodic cell"])
    cell = layer_values(cell_particles, layers)
    print(f"Periodic cell: {summary['n_particles']} particles, {summary['n_dofs']} "
          f"unknowns, {seconds:.1f} s; sigma = {sigma:.4e} C/m^2 "
          f"(solver: {summary['areal_charge_C_per_m2']:.4e})")
    print("  layer potentials (the two particles of a layer are equivalent): " +
          ", ".join(f"{layer_mean:.2f} V" for _, layer_mean in cell))
    spread = max(abs(p["potential_V"] - cell[int(p["layer"])][1]) / abs(cell[int(p["layer"])][1])
                 for p in cell_particles)
    print(f"  largest spread within a layer: {spread:.2e} (relative)")

    # -- 2. plane average against 1D
    stream_bottom, stream_top = GAP, GAP + thickness
    margin = 0.5e-6
    below = [(r["z_m"], r["mean_potential_V"]) for r in average
             if r["z_m"] < stream_bottom - margin]
    above = [(r["z_m"], r["mean_potential_V"]) for r in average
             if r["z_m"] > stream_top + margin]
    s_below, i_below = fit_line(below)
    s_above, i_above = fit_line(above)
    scale = max(abs(r["mean_potential_V"]) for r in average)
    deviation = max(max(abs(p - (s_below * z + i_below)) for z, p in below),
                    max(abs(p - (s_above * z + i_above)) for z, p in above)) / scale
    gauss = EPS0 * (s_below - s_above) / sigma - 1
    z_c = (i_above - i_below) / (s_below - s_above)
    unlocated = sum(r["unlocated_points"] for r in average)
    print(f"Plane average <phi>(z) ({len(average)} planes, {int(unlocated)} "
          "unlocated points):")
    print(f"  linear below/above the stream: largest deviation {deviation:.2e} of "
          f"max |<phi>| = {scale:.2f} V (criterion {LINEARITY_TOLERANCE:g})")
    print(f"  <phi>(0) = {i_below:.3e} V, <phi>(L) = {s_above * length + i_above:.3e} V "
          "(0 and 0)")
    print(f"  Gauss: eps0 (s_below - s_above) / sigma - 1 = {gauss:+.2e} "
          f"(criterion {GAUSS_TOLERANCE:g})")
    z_s = (stream_bottom + stream_top) / 2
    print(f"  charge centroid z_c = {z_c * 1e6:.3f} um; slab centre {z_s * 1e6:.3f} um, "
          f"layer-centre mean {sum(p['z'] for p in cell_particles) / len(cell_particles) * 1e6:.3f} um")
    anode_field_slab = sigma * (length - z_s) / (EPS0 * length)
    print(f"  anode field: periodic cell {s_below:.4e} V/m, 1D slab "
          f"{anode_field_slab:.4e} V/m ({s_below / anode_field_slab - 1:+.2%}; a sheet "
          f"at z_c gives {sigma * (length - z_c) / (EPS0 * length) / s_below - 1:+.1e})")
    for name, value, tolerance in (("Gauss's law", gauss, GAUSS_TOLERANCE),
                                   ("linearity outside the stream", deviation,
                                    LINEARITY_TOLERANCE)):
        records.append({"benchmark": BENCHMARK, "case": "periodic cell plane average",
                        "quantity": name, "measured": value, "criterion": tolerance})
        if not abs(value) <= tolerance:
            failures.append(f"{name}: {value:.2e}")

    # The 1D continuum: the 2D continuum model with insulating lateral walls.
    summary_c, _, _, profile_c, _ = run(
        args, common_sets(quick) + ["Model=continuum", "Enclosure/Lateral walls=insulating",
                                    "Continuum/Cell size=0.5e-6"])
    continuum_error = max(abs(r["potential_V"] - slab_potential(r["z_m"], sigma, stream_bottom,
                                                              stream_top, length))
                          for r in profile_c) / scale
    print(f"2D continuum, insulating walls, against the 1D slab formula: "
          f"{continuum_error:.1e} (criterion {CONTINUUM_TOLERANCE:g})")
    records.append({"benchmark": BENCHMARK, "case": "continuum (insulating walls)",
                    "quantity": "potential against 1D slab", "measured": continuum_error,
                    "criterion": CONTINUUM_TOLERANCE})
    if not continuum_error <= CONTINUUM_TOLERANCE:
        failures.append(f"continuum against 1D: {continuum_error:.1e}")
    print("  z [um]   <phi> periodic   1D slab (continuum)   sheet at z_c")
    for r in average[:: max(1, len(average) // 20)]:
        z = r["z_m"]
        print(f"  {z * 1e6:6.2f}   {r['mean_potential_V']:12.3f}   "
              f"{slab_potential(z, sigma, stream_bottom, stream_top, length):12.3f}"
              f"   {sheet_potential(z, sigma, z_c, length):12.3f}")
    print("  layer  particle V   <phi> at layer   1D slab at layer   Q/(4 pi eps0 r)")
    self_term = CHARGE / (4 * math.pi * EPS0 * RADIUS)
    heights = sorted({round(p["z"], 12) for p in cell_particles})
    for layer, (z, (_, mean)) in enumerate(zip(heights, cell)):
        k = min(range(len(average)), key=lambda k: abs(average[k]["z_m"] - z))
        print(f"  {layer}     {mean:10.2f}   {average[k]['mean_potential_V']:12.2f}   "
              f"{slab_potential(z, sigma, stream_bottom, stream_top, length):14.2f}   "
              f"{self_term:12.2f}")

    # -- 3. growing patches with guard electrodes
    rings_list = (1, 2, 3) if quick else (1, 2, 3, 4)
    patches = []
    for rings in rings_list:
        summary_p, particles_p, _, _, seconds = run(
            args, common_sets(quick) + ["Particles/Patch shape=hexagon",
                                        f"Particles/Hexagon rings={rings}",
                                        "Enclosure/Guard electrodes=true"])
        patches.append((rings, layer_values(particles_p, layers), summary_p, seconds))
    print("Patches with guard electrodes against the periodic cell (centre particle "
          "/ layer mean, V):")
    print("  layer  " + "  ".join(f"{1 + 3 * n * (n + 1):>4d}/layer       " for n in rings_list)
          + "  extrapolated     periodic")
    worst_extrapolated = worst_largest = 0.0
    for layer in range(layers):
        row = f"  {layer}     "
        for _, values, _, _ in patches:
            row += f"{values[layer][0]:8.2f} /{values[layer][1]:8.2f}  "
        # Aitken's delta^2 over the three largest patches (geometric approach).
        a, b, c = (values[layer][0] for _, values, _, _ in patches[-3:])
        centre_limit = c - (c - b) ** 2 / ((c - b) - (b - a))
        ratio = (c - b) / (b - a)
        periodic = cell[layer][1]
        row += f"{centre_limit:10.2f}   {periodic:10.2f}   (ratio {ratio:.2f})"
        print(row)
        worst_largest = max(worst_largest, abs(c / periodic - 1))
        worst_extrapolated = max(worst_extrapolated, abs(centre_limit / periodic - 1))
        for rings, values, summary_p, seconds in patches:
            records.append({"benchmark": BENCHMARK, "case": f"hexagon {rings} rings, layer {layer}",
                            "quantity": "centre particle potential (V)",
                            "reference": periodic, "measured": values[layer][0],
                            "error": values[layer][0] / periodic - 1,
                            "n_dofs": summary_p["n_dofs"], "wall_time_s": seconds})
    distances = [max(abs(values[layer][0] / cell[layer][1] - 1) for layer in range(layers))
                 for _, values, _, _ in patches]
    print("  largest |centre / periodic - 1| per patch: " +
          ", ".join(f"{d:.2%}" for d in distances) +
          f"; extrapolated {worst_extrapolated:.2%}")
    if not all(b < a for a, b in zip(distances, distances[1:])):
        failures.append("the patch centre potentials do not approach the periodic cell's "
                        "monotonically")
    if not worst_extrapolated < worst_largest:
        failures.append(f"the extrapolated patch ({worst_extrapolated:.2%}) is not closer to the "
                        f"periodic cell than the largest patch ({worst_largest:.2%})")
    return finish(args, records, failures, GAUSS_TOLERANCE,
                  "PASSED: periodic cell obeys Gauss's law and the 1D capacitor; patches "
                  "approach it")


if __name__ == "__main__":
    sys.exit(main())

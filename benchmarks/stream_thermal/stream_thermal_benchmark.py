#!/usr/bin/env python3
"""stream-thermal benchmark: one particle crossing the spot against exact
solutions (heated sphere, Stefan problem), the lumped closed form, and the
energy bookkeeping.

(a) Heated sphere. A sphere 0 <= r < a of constant k, rho, c (alpha = k /
(rho c)), initially at T_s with its surface held at T_s, heated uniformly at
q (W/m^3) from t = 0. With v = T - T_s - q (a^2 - r^2) / (6 k) and u = r v,
u_t = alpha u_rr, u(0) = u(a) = 0, u(r, 0) = -q r (a^2 - r^2) / (6 k); the
sine coefficients of r (a^2 - r^2) on (0, a) are 12 a^4 (-1)^(n+1) /
(n pi)^3, so
    T - T_s = q (a^2 - r^2) / (6 k)
              - 2 q a^3 / (k pi^3 r) sum_n (-1)^(n+1) / n^3 sin(n pi r / a)
                                         exp(-alpha n^2 pi^2 t / a^2)
(Carslaw & Jaeger, Conduction of Heat in Solids, 2nd ed., Oxford 1959,
ch. IX, the sphere with heat production and its surface at zero). At the
centre, where the temperature peaks,
    dT_c(t) = q a^2 / (6 k) - 2 q a^2 / (k pi^2) sum_n (-1)^(n+1) / n^2
                                                exp(-n^2 pi^2 alpha t / a^2).
The same by Duhamel's theorem from the centre of a sphere whose surface is
raised by a unit step, 1 + 2 sum_n (-1)^n exp(-n^2 pi^2 alpha t / a^2) =
2 a / sqrt(pi alpha t) sum_m exp(-(2m+1)^2 a^2 / (4 alpha t)) (Poisson
summation), applied to the ramp q t / (rho c) the deficit to the
unbounded solid (C&J Appendix II: int_0^t exp(-b^2/(4 s)) / sqrt(pi s) ds
= 2 sqrt(t) ierfc(b / (2 sqrt t))):
    dT_c(t) = q t / (rho c)
              - 4 q a sqrt(t) / (rho c sqrt(alpha)) sum_m ierfc((2m+1) a / (2 sqrt(alpha t))),
the short-time form (images), used for alpha t / a^2 < 0.1. self_test()
checks: both forms agree, the sine series reproduces u(r, 0), the steady
limit. The particle leaves the spot at tau = W_CS / v: from then on
dT_c(t) - dT_c(t - tau) (superposition). q = particle_power_W / (4/3 pi
a^3) from summary.json (the solver normalises its source to that power on
the discrete volume). history.csv's peak_temperature_K (the largest nodal
value: the centre node) is compared at every row: the error relative to
the exact rise at that time, largest over the crossing (heating), over
the cooling after it, and at the exit (a steady state after 2 a^2/alpha)
and at t_end.
  Case: heated-sphere.prm, a = 2.5 um, alpha = 1e-4 m^2/s, crossing 125 ns
= 2 a^2/alpha, then a^2/(4 alpha) of cooling; the default mesh (2
refinements, Q2, 281 unknowns) and 100 steps.

(b) Stefan problem (slab model, 0 < x < r_p, surface x = 0 held at T_w,
insulated at x = r_p). A material of constant k, rho, c and latent heat L
fills the slab at its melting point T_m; no beam. The one-phase Neumann
solution (C&J 1959, ch. XI, section 11.2, Neumann's solution with the
solid at the melting temperature):
    X(t) = 2 lambda sqrt(alpha t),  lambda exp(lambda^2) erf(lambda) = St / sqrt(pi),
    T = T_w - (T_w - T_m) erf(x / (2 sqrt(alpha t))) / erf(lambda),   x < X,
St = c (T_w - T_m) / L. The solver releases L linearly over [T_m, T_m +
delta] (Melting range delta): the material it solves has the heat capacity
c + L/delta there, and since it starts at T_m every point above T_m lies
in that range or above it. That model has an exact similarity solution too
(derived here; C&J ch. XI treat melting over a temperature range): a
liquid 0 < x < X1 = 2 mu sqrt(alpha t) (T > T_m + delta, diffusivity
alpha) and a mushy region x > X1 (diffusivity alpha_m = k / (rho (c + L /
delta)), r = sqrt(alpha / alpha_m)) reaching to infinity, with T and k
dT/dx continuous at X1 (the enthalpy is continuous: no Stefan condition):
    T = T_w - (T_w - T_m - delta) erf(x / (2 sqrt(alpha t))) / erf(mu),       x < X1,
    T = T_m + delta erfc(x / (2 sqrt(alpha_m t))) / erfc(mu r),           x > X1,
    (T_w - T_m - delta) exp(-mu^2) / erf(mu) = delta r exp(-mu^2 r^2) / erfc(mu r),
and the molten amount per unit area
    M(t) = X1 + int_{X1}^inf (T - T_m) / delta dx
         = 2 mu sqrt(alpha t) + 2 sqrt(alpha_m t) ierfc(mu r) / erfc(mu r).
As delta -> 0, mu -> lambda and M -> X; the difference is O(delta^2)
(printed). self_test() checks both solutions' heat bookkeeping (the
enthalpy per unit area by quadrature against the heat conducted in at x =
0, 2 k A sqrt(t / (pi alpha)), A the erf amplitude) and the limit. The
slab is finite: the mushy tail at x = r_p is printed (<= 1e-9 of delta
for delta <= 10 K at t_end). history.csv's molten_fraction times r_p is
compared with X(t) (Neumann) and M(t) (the solver's model) at every row
where X >= 0.2 r_p (to 0.69 r_p at t_end = 80 ns), and the temperature
profile at t_end from the VTU (vtu-probe at the nodes) with both.
  Case: stefan-slab.prm, St = 0.2 (lambda = 0.3064), delta = 10 K, 4
refinements (256 cells of Q2), 100 steps.

(c) Lumped limit. Without radiation, a particle much smaller than its
diffusion length over the crossing (25 nm: a^2/alpha = 9e-12 s against
4.5 us) is isothermal, and its limit is the lumped closed form P_max,uP /
S_uP: stream_limit_W against lumped_stream_limit_W to 1e-6 (s = 0). The
real 2.5 um W particle, which radiates and is not isothermal, departs from
it: its ratio is printed, not checked.

(d) Energy. energy_balance ((stored + radiated - in) / in) of every
radiating run: the W particle below its limit, above it (exit 4, the
summary still written), the maximum-power searches (s = 0 and s = 0.5: a
melting particle), the 25 nm particle, a particle followed 20 us after the
spot: each within 1e-6.

Measured: benchmarks/README.md holds the figures of the last full run
(quick: the default cases' errors 4.0e-3, 8.4e-3 (3d), 5.5e-5 / 3.9e-4
(Stefan), 1.7e-7 (lumped); energy balance <= 2.7e-8).

Usage: stream_thermal_benchmark.py SOLVER [--mpiexec MPIEXEC] [--np N] [--quick]
                                   [--json FILE]
(--quick: the default cases, ~16 s; the full form adds the refinement,
time-step and melting-range series, ~2 minutes on one core. vtu-probe is
taken from SOLVER's directory.)
"""
import csv
import json
import math
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from benchmark_common import (arguments, finish, gauss_legendre, solver_command,  # noqa: E402
                              transient_row)

HERE = os.path.dirname(os.path.abspath(__file__))
RECORDS = []

# --- (a) heated-sphere.prm ---------------------------------------------------------
SPHERE_PRM = "heated-sphere.prm"
K, RHO, C = 100.0, 1e4, 100.0
ALPHA = K / (RHO * C)
A = 2.5e-6
T_S = 300.0
SPHERE_TOLERANCE = 1e-2        # default case: largest relative error of the rise
SPHERE_3D_TOLERANCE = 2e-2     # 3d, 1 refinement
SPHERE_SOURCE = ("exact centre rise of a uniformly heated sphere with its surface held "
                 "(Carslaw & Jaeger 1959, ch. IX), superposed for the exit")
SPHERE = "Heated sphere, constant k"

# --- (b) stefan-slab.prm -----------------------------------------------------------
STEFAN_PRM = "stefan-slab.prm"
L_F, T_M, T_W = 2e5, 1000.0, 1400.0
R_P = 2.5e-6
STEFAN_DELTA = 10.0
STEFAN_TOLERANCE_MODEL = 2e-4    # molten amount vs the melting-range solution
STEFAN_TOLERANCE_NEUMANN = 1e-3  # molten amount vs Neumann (includes the range's 4e-4)
PROFILE_TOLERANCE = 5e-5         # profile at t_end, largest |error| / (T_w - T_m), vs the range model
STEFAN_SOURCE = ("one-phase Neumann solution (Carslaw & Jaeger 1959, ch. XI, 11.2) and "
                 "the exact similarity solution of the melting-range model")
STEFAN = "Stefan problem, slab"

# --- (c, d) w-particle.prm ---------------------------------------------------------
W_PRM = "w-particle.prm"
LUMPED_TOLERANCE = 1e-6
ENERGY_TOLERANCE = 1e-6
LUMPED = "Lumped stream limit, W"
ENERGY = "Energy balance, W particle"


# --- Special functions --------------------------------------------------------------


def ierfc(z):
    """int_z^inf erfc(s) ds = exp(-z^2)/sqrt(pi) - z erfc(z)."""
    return math.exp(-z * z) / math.sqrt(math.pi) - z * math.erfc(z)


def erfcx(z):
    """exp(z^2) erfc(z) (z >= 0): directly below 5, above by the continued
    fraction of Laplace (Abramowitz & Stegun 7.1.14)."""
    if z < 5:
        return math.exp(z * z) * math.erfc(z)
    f = z
    for n in range(80, 0, -1):
        f = z + (n / 2) / f
    return 1 / (math.sqrt(math.pi) * f)


def ierfc_over_erfc(z):
    if z < 5:
        return ierfc(z) / math.erfc(z)
    return 1 / (math.sqrt(math.pi) * erfcx(z)) - z


def bisect(f, lower, upper):
    """Root of f on [lower, upper] (f changes sign) to double precision."""
    f_lower = f(lower)
    for _ in range(200):
        middle = 0.5 * (lower + upper)
        f_middle = f(middle)
        if (f_middle < 0) == (f_lower < 0):
            lower, f_lower = middle, f_middle
        else:
            upper = middle
        if upper - lower <= 1e-16 * upper:
            break
    return 0.5 * (lower + upper)


# --- (a) Exact heated sphere ------------------------------------------------------------


def sphere_centre_rise(q, t):
    """Exact centre rise of the sphere heated at q from t = 0, K."""
    if t <= 0:
        return 0.0
    x = ALPHA * t / A**2
    if x < 0.1:
        return sphere_centre_rise_short(q, t)
    return sphere_centre_rise_series(q, t)


def sphere_centre_rise_series(q, t):
    x = ALPHA * t / A**2
    total = 0.0
    for n in range(1, 100000):
        term = (-1)**(n + 1) / n**2 * math.exp(-n * n * math.pi**2 * x)
        total += term
        if abs(term) < 1e-18 * (1 + abs(total)):
            break
    return q * A * A / (6 * K) - 2 * q * A * A / (K * math.pi**2) * total


def sphere_centre_rise_short(q, t):
    root = math.sqrt(ALPHA * t)
    images = sum(ierfc((2 * m + 1) * A / (2 * root)) for m in range(0, 40))
    return q * t / (RHO * C) - 4 * q * A * math.sqrt(t) / (RHO * C * math.sqrt(ALPHA)) * images


def sphere_rise(q, t, tau):
    """With the source switched off at tau."""
    rise = sphere_centre_rise(q, t)
    if t > tau:
        rise -= sphere_centre_rise(q, t - tau)
    return rise


def sphere_self_test():
    failures = []
    q = 1e16
    print("Self-test, heated sphere: centre rise, sine series vs short-time (image) form")
    print(f"  {'alpha t / a^2':>14s} {'series K':>18s} {'images K':>18s} {'rel. diff.':>11s}")
    for x in (0.005, 0.02, 0.05, 0.1, 0.2, 0.4):
        t = x * A * A / ALPHA
        series, short = sphere_centre_rise_series(q, t), sphere_centre_rise_short(q, t)
        difference = short / series - 1
        print(f"  {x:14g} {series:18.12f} {short:18.12f} {difference:+11.1e}")
        if abs(difference) > 1e-12:
            failures.append(f"sphere self-test: forms differ by {difference:+.1e} at {x:g}")
    # The sine series of the initial condition: sum (-1)^(n+1)/n^3 sin(n pi r/a)
    # = pi^3 r (a^2 - r^2) / (12 a^3).
    worst = 0.0
    for rho in (0.1, 0.3, 0.5, 0.7, 0.9):
        series = sum((-1)**(n + 1) / n**3 * math.sin(n * math.pi * rho) for n in range(1, 20001))
        exact = math.pi**3 * rho * (1 - rho * rho) / 12
        worst = max(worst, abs(series / exact - 1))
    steady = sphere_centre_rise(q, 50 * A * A / ALPHA) / (q * A * A / (6 * K)) - 1
    early = sphere_centre_rise(q, 1e-4 * A * A / ALPHA) / (q * 1e-4 * A * A / ALPHA / (RHO * C)) - 1
    print(f"  sine series of r (a^2 - r^2) at r/a = 0.1..0.9: largest rel. diff. {worst:.1e} "
          f"(20000 terms)")
    print(f"  t = 50 a^2/alpha: / (q a^2/(6k)) - 1 = {steady:+.1e}; t = 1e-4 a^2/alpha: "
          f"/ (q t/(rho c)) - 1 = {early:+.1e}")
    if worst > 1e-9 or abs(steady) > 1e-14 or abs(early) > 1e-14:
        failures.append("sphere self-test: initial condition or a limit is wrong")
    return failures


# --- (b) Exact Stefan problem --------------------------------------------------------


def neumann_lambda():
    st = C * (T_W - T_M) / L_F
    return bisect(lambda l: l * math.exp(l * l) * math.erf(l) - st / math.sqrt(math.pi),
                  1e-12, 3.0)


def neumann_front(t):
    return 2 * neumann_lambda() * math.sqrt(ALPHA * t)


def neumann_temperature(x, t):
    lam = neumann_lambda()
    z = x / (2 * math.sqrt(ALPHA * t))
    return T_W - (T_W - T_M) * math.erf(z) / math.erf(lam) if z < lam else T_M


def mushy(delta):
    """(mu, r, alpha_m) of the melting-range solution."""
    alpha_m = K / (RHO * (C + L_F / delta))
    r = math.sqrt(ALPHA / alpha_m)
    flux_difference = (lambda mu: (T_W - T_M - delta) * math.exp(-mu * mu) / math.erf(mu)
                       - delta * r / erfcx(mu * r))
    return bisect(lambda mu: -flux_difference(mu), 1e-12, 3.0), r, alpha_m


def mushy_molten(delta, t):
    mu, r, alpha_m = mushy(delta)
    return 2 * mu * math.sqrt(ALPHA * t) + 2 * math.sqrt(alpha_m * t) * ierfc_over_erfc(mu * r)


def mushy_temperature(delta, x, t):
    mu, r, alpha_m = mushy(delta)
    z = x / (2 * math.sqrt(ALPHA * t))
    if z < mu:
        return T_W - (T_W - T_M - delta) * math.erf(z) / math.erf(mu)
    zm = x / (2 * math.sqrt(alpha_m * t))
    # delta erfc(zm) / erfc(mu r), through erfcx for the tail.
    return T_M + delta * erfcx(zm) / erfcx(mu * r) * math.exp(-(zm * zm - (mu * r)**2))


def mushy_tail_at_wall(delta, t):
    """(T(r_p) - T_m) / delta of the semi-infinite solution: the finite slab's effect."""
    return (mushy_temperature(delta, R_P, t) - T_M) / delta


def stefan_self_test():
    failures = []
    t = 8e-8
    lam = neumann_lambda()
    print(f"\nSelf-test, Stefan problem (St = {C * (T_W - T_M) / L_F:g}, lambda = {lam:.10f}): "
          "heat per unit area by quadrature vs conducted in at x = 0")
    print(f"  {'solution':>18s} {'stored J/m^2':>16s} {'conducted J/m^2':>16s} {'rel. diff.':>11s}")

    def enthalpy(T):     # per unit volume above the solid at T_m
        return RHO * C * (T - T_M)

    X = neumann_front(t)
    stored = gauss_legendre(lambda x: enthalpy(neumann_temperature(x, t)), 0, X, 50) + RHO * L_F * X
    conducted = 2 * K * (T_W - T_M) / math.erf(lam) * math.sqrt(t / (math.pi * ALPHA))
    rows = [("Neumann", stored, conducted)]
    for delta in (40.0, 10.0, 2.5):
        mu, r, alpha_m = mushy(delta)
        X1 = 2 * mu * math.sqrt(ALPHA * t)
        tail = 2 * math.sqrt(alpha_m * t) * 12

        def h(x, delta=delta):
            T = mushy_temperature(delta, x, t)
            return enthalpy(T) + RHO * L_F * min(max((T - T_M) / delta, 0.0), 1.0)

        stored = (gauss_legendre(h, 0, X1, 50) + gauss_legendre(h, X1, X1 + tail, 50))
        conducted = (2 * K * (T_W - T_M - delta) / math.erf(mu) * math.sqrt(t / (math.pi * ALPHA)))
        rows.append((f"range {delta:g} K", stored, conducted))
    for name, stored, conducted in rows:
        difference = stored / conducted - 1
        print(f"  {name:>18s} {stored:16.9f} {conducted:16.9f} {difference:+11.1e}")
        if abs(difference) > 1e-10:
            failures.append(f"Stefan self-test: {name} heat bookkeeping off by {difference:+.1e}")
    limit = mushy_molten(1e-4, t) / X - 1
    print(f"  melting range 1e-4 K: M(t) / X(t) - 1 = {limit:+.1e} (-> 0 as the range -> 0)")
    if abs(limit) > 1e-8:
        failures.append(f"Stefan self-test: the range -> 0 limit is off by {limit:+.1e}")
    return failures


# --- Runs ------------------------------------------------------------------------------


class Run:
    def __init__(self, status, summary, history, stderr, profile=None):
        self.status, self.summary, self.history = status, summary, history
        self.stderr, self.profile = stderr, profile


def probe_path(args):
    path = os.path.join(os.path.dirname(os.path.abspath(args.solver)), "vtu-probe")
    return path if os.path.exists(path) else None


def run(args, prm, overrides, accept=(0,), profile_points=None):
    """One solver run: Run(status, summary, history rows, stderr[, profile]).
    A status outside ACCEPT ends the benchmark with the solver's error.
    PROFILE_POINTS: x values at which vtu-probe reads the last field."""
    with tempfile.TemporaryDirectory() as out:
        command = solver_command(args, os.path.join(HERE, prm), out, overrides)
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode not in accept:
            sys.exit(f"solver failed ({result.returncode}): {result.stderr.strip()}\n"
                     f"  {' '.join(command)}")
        summary = history = profile = None
        if os.path.exists(os.path.join(out, "summary.json")):
            with open(os.path.join(out, "summary.json")) as file:
                summary = json.load(file)
        if os.path.exists(os.path.join(out, "history.csv")):
            with open(os.path.join(out, "history.csv"), newline="") as file:
                history = [{k: float(v) for k, v in row.items()} for row in csv.DictReader(file)]
        if profile_points is not None and result.returncode == 0:
            points = os.path.join(out, "points.csv")
            with open(points, "w") as file:
                file.write("x,y,z\n" + "".join(f"{x!r},0,0\n" for x in profile_points))
            probe = subprocess.run([probe_path(args), os.path.join(out, "solution.pvd"),
                                    "points", "--points-file", points,
                                    "--field", "temperature_K"],
                                   capture_output=True, text=True)
            if probe.returncode != 0:
                sys.exit(f"vtu-probe failed: {probe.stderr.strip()}")
            profile = [(float(r["x"]), float(r["temperature_K"]))
                       for r in csv.DictReader(probe.stdout.splitlines()) if r["valid"] == "1"]
        return Run(result.returncode, summary, history, result.stderr.strip(), profile)


def record(benchmark, source, case, quantity, reference, measured, summary, refinement,
           default, criterion=None, slope=None):
    RECORDS.append(transient_row(benchmark, source, case, quantity, reference, measured,
                                 summary, refinement, default, criterion, slope))
    return RECORDS[-1]["error"]


# --- (a) Heated sphere ------------------------------------------------------------------


def sphere_errors(s, history):
    """Relative errors of the centre rise: dict of the largest over heating
    and cooling, overall, at the exit and at t_end; the rows (t, exact, measured)."""
    q = s["particle_power_W"] / (4 / 3 * math.pi * A**3)
    tau = s["crossing_time_s"]
    dt = tau / round(tau / history[1]["time_s"])
    n_exit = round(tau / dt)
    rows = []
    for i, row in enumerate(history[1:], 1):
        # t from the step index: t - tau exactly (n - N) dt.
        exact = sphere_centre_rise(q, i * dt)
        if i > n_exit:
            exact -= sphere_centre_rise(q, (i - n_exit) * dt)
        rows.append((row["time_s"], exact, row["peak_temperature_K"] - T_S, i <= n_exit))
    errors = [(t, m / e - 1, heating) for t, e, m, heating in rows]
    heating = max((e for t, e, h in errors if h), key=abs)
    cooling = max((e for t, e, h in errors if not h), key=abs, default=0.0)
    worst = max(range(len(errors)), key=lambda i: abs(errors[i][1]))

    def near(fraction):     # the error at the row nearest to fraction * tau
        return min(errors, key=lambda e: abs(e[0] - fraction * tau))[1]

    return {"heating": heating, "cooling": cooling, "max": errors[worst][1],
            "t_max": errors[worst][0] / tau, "worst_row": rows[worst],
            "tau/32": near(1 / 32), "tau/8": near(1 / 8), "tau/2": near(1 / 2),
            "exit": errors[n_exit - 1][1], "end": errors[-1][1], "q": q}


def sphere_case(args, overrides, case, refinement, default, criterion=None, slope=None):
    r = run(args, SPHERE_PRM, overrides)
    s = r.summary
    e = sphere_errors(s, r.history)
    t, exact, measured, _ = e["worst_row"]
    record(SPHERE, SPHERE_SOURCE, case,
           f"centre rise where its rel. error is largest, t = {t:.4g} s (K)", exact, measured,
           s, refinement, default, criterion, slope)
    return s, e


SPHERE_COLUMNS = (("max", "largest"), ("tau/32", "t=tau/32"), ("tau/8", "t=tau/8"),
                  ("tau/2", "t=tau/2"), ("exit", "exit"), ("end", "t_end"))


def sphere_line(label, s, e):
    print(f"  {label:>12s} {s['n_dofs']:8d} {s['time_steps']:6d} "
          + " ".join(f"{e[key]:+10.2e}" for key, _ in SPHERE_COLUMNS)
          + f" {s['wall_time_s']:7.2f}")


def sphere_header(first):
    print(f"  {first:>12s} {'unknowns':>8s} {'steps':>6s} "
          + " ".join(f"{name:>10s}" for _, name in SPHERE_COLUMNS) + f" {'time s':>7s}")


def sphere_orders(previous, e, keys, factor=2):
    print(f"  {'order':>12s} {'':8s} {'':6s} "
          + " ".join(f"{order(previous[key], e[key], factor):10.2f}" if key in keys
                     else f"{'':10s}" for key, _ in SPHERE_COLUMNS))


def order(previous, current, factor=2):
    if previous and current and previous != current:
        return math.log(abs(previous / current)) / math.log(factor)
    return float("nan")


def heated_sphere(args, failures):
    print("\n(a) Heated sphere (heated-sphere.prm): relative error of the centre rise, "
          "largest over the history and at t = tau/32, tau/8, tau/2 (heating), at the exit "
          "tau (a steady state) and at t_end = 9 tau / 8 (cooling)")
    s, e = sphere_case(args, [], "default: axisymmetric, 2 refinements, 100 steps",
                       "2 refinements, 100 steps", True, SPHERE_TOLERANCE)
    tau = s["crossing_time_s"]
    print(f"  q = {e['q']:.6e} W/m^3 (particle_power_W {s['particle_power_W']:.6g} W), "
          f"steady rise q a^2/(6k) = {e['q'] * A * A / (6 * K):.6f} K, crossing "
          f"{tau * 1e9:.4g} ns = {tau * ALPHA / A**2:g} a^2/alpha")
    sphere_header("case")
    sphere_line("default", s, e)
    print(f"  largest |error| {abs(e['max']):.2e} at t = {e['t_max']:.3f} tau "
          f"(criterion {SPHERE_TOLERANCE:g}); over the heating {e['heating']:+.2e}, "
          f"the cooling {e['cooling']:+.2e}")
    if abs(e["max"]) > SPHERE_TOLERANCE:
        failures.append(f"heated sphere, default case: largest error {e['max']:+.2e}")
    s3, e3 = sphere_case(args, ["Model=3d", "Mesh/Refinements=1"],
                         "3d, 1 refinement, 100 steps", "1 refinement, 100 steps", True,
                         SPHERE_3D_TOLERANCE)
    sphere_line("3d, 1 ref.", s3, e3)
    print(f"  3d: largest |error| {abs(e3['max']):.2e} at t = {e3['t_max']:.3f} tau "
          f"(criterion {SPHERE_3D_TOLERANCE:g})")
    if abs(e3["max"]) > SPHERE_3D_TOLERANCE:
        failures.append(f"heated sphere, 3d 1 refinement: largest error {e3['max']:+.2e}")
    if args.quick:
        return

    # Spatial convergence: many steps, so that the time error (~1e-5 at
    # 1600 steps, from the temporal table) stays below the spatial one;
    # at the exit (a steady state) the time error has decayed. The largest
    # error of a coarse mesh is at its first steps: a step much shorter
    # than h^2/alpha puts the source against the held surface in a layer
    # thinner than a cell (the consistent mass matrix then overshoots).
    steps = 3200
    print(f"\n  Spatial convergence, axisymmetric, {steps} steps across the spot "
          "(order: per halving of h)")
    sphere_header("refinements")
    previous = None
    for refinements in range(0, 5):
        s, e = sphere_case(args, [f"Mesh/Refinements={refinements}",
                                  f"Time/Steps across spot={steps}"],
                           f"spatial: axisymmetric, {steps} steps",
                           f"{refinements} refinements", False)
        sphere_line(str(refinements), s, e)
        if previous:
            sphere_orders(previous, e, ("tau/32", "tau/8", "tau/2", "exit", "end"))
        previous = e
    print("\n  3d, 400 steps")
    sphere_header("refinements")
    previous = None
    for refinements in range(0, 3):
        s, e = sphere_case(args, ["Model=3d", f"Mesh/Refinements={refinements}",
                                  "Time/Steps across spot=400"],
                           "spatial: 3d, 400 steps", f"{refinements} refinements", False)
        sphere_line(str(refinements), s, e)
        if previous:
            sphere_orders(previous, e, ("tau/8", "exit"))
        previous = e

    # Temporal convergence on a fine mesh.
    refinements = 4
    print(f"\n  Temporal convergence, axisymmetric, {refinements} refinements "
          "(order: per halving of the step)")
    sphere_header("steps")
    previous = None
    for steps in (32, 64, 128, 256, 512, 1024):
        s, e = sphere_case(args, [f"Mesh/Refinements={refinements}",
                                  f"Time/Steps across spot={steps}"],
                           f"temporal: {refinements} refinements", f"{steps} steps", False)
        sphere_line(str(steps), s, e)
        if previous:
            sphere_orders(previous, e, ("max", "tau/32", "tau/8", "tau/2", "end"))
        previous = e


# --- (b) Stefan problem -------------------------------------------------------------------


def stefan_errors(s, history, delta):
    """Relative errors of the molten amount vs Neumann and vs the range model
    over the rows with X >= 0.2 r_p: (largest vs Neumann, at t_end, largest
    vs model, at t_end, number of rows)."""
    neumann, model = [], []
    for row in history[1:]:
        t = row["time_s"]
        X = neumann_front(t)
        if X < 0.2 * R_P:
            continue
        melted = row["molten_fraction"] * R_P
        neumann.append(melted / X - 1)
        model.append(melted / mushy_molten(delta, t) - 1)
    return (max(neumann, key=abs), neumann[-1], max(model, key=abs), model[-1], len(model))


def stefan_case(args, overrides, delta, case, refinement, default, profile=False):
    refinements = int(next((o.split("=")[1] for o in overrides if "Refinements" in o), 4))
    points = None
    if profile:
        h = R_P / 2**(refinements + 3) / 2          # Q2 nodes: half cells
        points = [i * h for i in range(1, 2**(refinements + 4))]
        overrides = overrides + ["Output/Write fields=true"]
    r = run(args, STEFAN_PRM, [f"Particle/Melting range={delta:g}"] + overrides,
            accept=(0, 3), profile_points=points)
    if r.status == 3:
        return None, r
    s = r.summary
    e = stefan_errors(s, r.history, delta)
    t_end = r.history[-1]["time_s"]
    for name, reference, measured, criterion in (
            ("molten amount at t_end vs Neumann X(t) (m)", neumann_front(t_end),
             r.history[-1]["molten_fraction"] * R_P, STEFAN_TOLERANCE_NEUMANN),
            ("molten amount at t_end vs the melting-range solution (m)",
             mushy_molten(delta, t_end), r.history[-1]["molten_fraction"] * R_P,
             STEFAN_TOLERANCE_MODEL)):
        record(STEFAN, STEFAN_SOURCE, case, name, reference, measured, s, refinement, default,
               criterion if default else None)
    return e, r


def stefan_line(label, s, e, wall=True):
    print(f"  {label:>12s} {s['n_dofs']:7d} {s['time_steps']:6d} {e[0]:+11.2e} {e[1]:+11.2e} "
          f"{e[2]:+11.2e} {e[3]:+11.2e} {s['wall_time_s']:7.2f}")


def stefan_header(first):
    print(f"  {first:>12s} {'unknowns':>7s} {'steps':>6s} {'Neumann max':>11s} "
          f"{'at t_end':>11s} {'range max':>11s} {'at t_end':>11s} {'time s':>7s}")


def profile_errors(profile, delta, t):
    scale = T_W - T_M
    model = max(abs(T - mushy_temperature(delta, x, t)) for x, T in profile) / scale
    neumann = max(abs(T - neumann_temperature(x, t)) for x, T in profile) / scale
    return model, neumann


def stefan(args, failures):
    lam = neumann_lambda()
    print(f"\n(b) Stefan problem (stefan-slab.prm): St = {C * (T_W - T_M) / L_F:g}, "
          f"lambda = {lam:.6f}; relative error of the molten amount (molten_fraction r_p) "
          "against Neumann's X(t) and the melting-range solution M(t), over X >= 0.2 r_p")
    e, r = stefan_case(args, [], STEFAN_DELTA,
                       f"default: range {STEFAN_DELTA:g} K, 4 refinements, 100 steps",
                       "4 refinements, 100 steps", True, profile=probe_path(args) is not None)
    s = r.summary
    t_end = r.history[-1]["time_s"]
    mu, ratio, alpha_m = mushy(STEFAN_DELTA)
    print(f"  t_end {t_end * 1e9:g} ns: X = {neumann_front(t_end) / R_P:.4f} r_p; range "
          f"{STEFAN_DELTA:g} K: mu = {mu:.6f}, M/X - 1 = "
          f"{mushy_molten(STEFAN_DELTA, t_end) / neumann_front(t_end) - 1:+.2e}, tail at x = r_p "
          f"{mushy_tail_at_wall(STEFAN_DELTA, t_end):.1e} of the range ({e[4]} rows compared)")
    stefan_header("case")
    stefan_line("default", s, e)
    if abs(e[2]) > STEFAN_TOLERANCE_MODEL:
        failures.append(f"Stefan default case: molten amount vs the range solution {e[2]:+.2e}")
    if abs(e[0]) > STEFAN_TOLERANCE_NEUMANN:
        failures.append(f"Stefan default case: molten amount vs Neumann {e[0]:+.2e}")
    if r.profile is not None:
        model, neumann = profile_errors(r.profile, STEFAN_DELTA, t_end)
        print(f"  temperature at t_end, {len(r.profile)} nodes from the VTU (vtu-probe, "
              f"single precision): largest |error| / (T_w - T_m) {model:.2e} vs the range "
              f"solution, {neumann:.2e} vs Neumann (criterion {PROFILE_TOLERANCE:g} on the first)")
        record(STEFAN, STEFAN_SOURCE, "default: range 10 K, 4 refinements, 100 steps",
               "temperature profile at t_end, largest |error| / (T_w - T_m)", 0.0, model, s,
               "4 refinements, 100 steps", True, PROFILE_TOLERANCE)
        if model > PROFILE_TOLERANCE:
            failures.append(f"Stefan default case: temperature profile error {model:.2e}")
    else:
        print("  (no vtu-probe beside the solver: the temperature profile is not compared)")
    if args.quick:
        return

    print("\n  Melting range, 5 refinements, 100 steps: the solver's model against Neumann")
    print(f"  {'range K':>8s} {'M/X - 1':>11s} {'tail r_p':>9s} {'Neumann max':>11s} "
          f"{'at t_end':>11s} {'range max':>11s} {'at t_end':>11s} {'profile':>9s} "
          f"{'(Neumann)':>9s}")
    for delta in (40.0, 20.0, 10.0, 5.0, 2.5):
        e, r = stefan_case(args, ["Mesh/Refinements=5"], delta,
                           f"melting range {delta:g} K, 5 refinements", "5 refinements", False,
                           profile=probe_path(args) is not None)
        difference = mushy_molten(delta, t_end) / neumann_front(t_end) - 1
        if e is None:
            print(f"  {delta:8g} {difference:+11.2e}  solver failure: {r.stderr}")
            continue
        model, neumann = profile_errors(r.profile, delta, t_end) if r.profile else (math.nan,) * 2
        print(f"  {delta:8g} {difference:+11.2e} {mushy_tail_at_wall(delta, t_end):9.1e} "
              f"{e[0]:+11.2e} {e[1]:+11.2e} {e[2]:+11.2e} {e[3]:+11.2e} {model:9.2e} "
              f"{neumann:9.2e}")

    print(f"\n  Mesh, range {STEFAN_DELTA:g} K, 400 steps")
    stefan_header("refinements")
    for refinements in range(2, 7):
        e, r = stefan_case(args, [f"Mesh/Refinements={refinements}",
                                  "Time/Steps across spot=400"], STEFAN_DELTA,
                           f"mesh: range {STEFAN_DELTA:g} K, 400 steps",
                           f"{refinements} refinements", False)
        if e is None:
            print(f"  {refinements:12d} solver failure: {r.stderr}")
            continue
        stefan_line(str(refinements), r.summary, e)
    print(f"\n  Time steps, range {STEFAN_DELTA:g} K, 5 refinements")
    stefan_header("steps")
    for steps in (50, 100, 200, 400, 800):
        e, r = stefan_case(args, ["Mesh/Refinements=5", f"Time/Steps across spot={steps}"],
                           STEFAN_DELTA, f"time: range {STEFAN_DELTA:g} K, 5 refinements",
                           f"{steps} steps", False)
        if e is None:
            print(f"  {steps:12d} solver failure: {r.stderr}")
            continue
        stefan_line(str(steps), r.summary, e)


# --- (c, d) Lumped limit and energy ------------------------------------------------------


def lumped_and_energy(args, failures):
    print("\n(c) Lumped limit: Task = maximum power, s = 0")
    print(f"  {'case':>38s} {'stream_limit_W':>16s} {'lumped W':>16s} {'ratio - 1':>11s} "
          f"{'volume err.':>11s} {'time s':>7s}")
    energy = []
    for label, overrides, checked in (
            ("W 25 nm, no radiation, depth-dose", ["Particle/Radius=25e-9",
                                                   "Particle/Emissivity=0"], True),
            ("W 25 nm, no radiation, uniform", ["Particle/Radius=25e-9", "Particle/Emissivity=0",
                                                "Beam/Deposition=uniform"], True),
            ("W 2.5 um, emissivity 0.3 (real)", [], False)):
        r = run(args, W_PRM, overrides)
        s = r.summary
        ratio = s["stream_limit_W"] / s["lumped_stream_limit_W"] - 1
        print(f"  {label:>38s} {s['stream_limit_W']:16.8f} {s['lumped_stream_limit_W']:16.8f} "
              f"{ratio:+11.2e} {s['volume_error']:+11.2e} {s['wall_time_s']:7.2f}")
        record(LUMPED, "lumped closed form P_max,uP / S_uP (doc/theory.md section 6)", label,
               "stream_limit_W vs lumped_stream_limit_W (W)", s["lumped_stream_limit_W"],
               s["stream_limit_W"], s, "2 refinements, 100 steps", checked,
               LUMPED_TOLERANCE if checked else None)
        if checked and abs(ratio) > LUMPED_TOLERANCE:
            failures.append(f"lumped limit, {label}: ratio - 1 = {ratio:+.2e}")
        energy.append((f"maximum power, {label}", s))
    print("  (the 2.5 um particle is not isothermal and radiates: its ratio is reported, "
          "not checked)")

    print("\n(d) Energy balance of the radiating runs ((stored + radiated - in) / in)")
    for label, overrides, status in (
            ("W 2.5 um, 30 kW (below the limit)", ["Task=particle heating"], 0),
            ("W 2.5 um, 60 kW (above: exit 4)", ["Task=particle heating",
                                                 "Beam/Beam power=60e3"], 4),
            ("W 2.5 um, 30 kW, 20 us after the spot", ["Task=particle heating",
                                                       "Time/Time after exit=20e-6"], 0),
            ("maximum power, s = 0.5 (melting)", ["Limit/Allowed molten fraction=0.5"], 0)):
        r = run(args, W_PRM, overrides, accept=(status,))
        energy.append((label, r.summary))
    print(f"  {'run':>52s} {'energy in J':>13s} {'radiated J':>11s} {'peak K':>9s} "
          f"{'molten':>7s} {'balance':>10s}")
    for label, s in energy:
        balance = s["energy_balance"]
        print(f"  {label:>52s} {s['energy_in_J']:13.6e} {s['energy_radiated_J']:11.3e} "
              f"{s['max_peak_temperature_K']:9.2f} {s['max_molten_fraction']:7.4f} "
              f"{balance:+10.2e}")
        record(ENERGY, "conservation: stored + radiated = in", label, "energy_balance", 0.0,
               balance, s, "2 refinements", True, ENERGY_TOLERANCE)
        if balance is None or abs(balance) > ENERGY_TOLERANCE:
            failures.append(f"energy balance, {label}: {balance}")


def main():
    args = arguments(__doc__.split("\n")[0], "the default cases only (ctest)")
    failures = sphere_self_test() + stefan_self_test()
    heated_sphere(args, failures)
    stefan(args, failures)
    lumped_and_energy(args, failures)
    return finish(args, RECORDS, failures, SPHERE_TOLERANCE,
                  "Heated sphere, Stefan problem, lumped limit and energy balance within "
                  "their criteria.")


if __name__ == "__main__":
    sys.exit(main())

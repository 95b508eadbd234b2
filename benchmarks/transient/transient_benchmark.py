#!/usr/bin/env python3
"""Transient benchmark: the centre temperature of a Gaussian spot switched on
at t = 0 over a constant-property half-space, computed by anode-thermal
(Task = transient), against the exact solution.

Exact solution. An instantaneous point source releasing the heat Q at the
origin of an infinite solid at t = 0 gives (Carslaw & Jaeger, Conduction of
Heat in Solids, 2nd ed., Oxford 1959, ch. 10, the point source)
    T - T0 = Q / (rho c_p (4 pi alpha t)^{3/2}) exp(-r^2 / (4 alpha t)).
On the insulated face z = 0 of the half-space z < 0 the image source
coincides with the source: the kernel doubles. The absorbed flux
q(r) = P / (pi a^2) exp(-r^2/a^2), a = HWHM / sqrt(ln 2), is on from t = 0;
superposing the doubled kernel over the face and over the emission times,
with s the time since emission, the centre rise is
    dT(t) = int_0^t ds int_0^inf 2 pi r q(r) 2 exp(-r^2/(4 alpha s))
                                  / (rho c_p (4 pi alpha s)^{3/2}) dr.
The r-integral is one of a product of Gaussians,
int_0^inf 2 pi r exp(-r^2 (1/a^2 + 1/(4 alpha s))) dr = pi a^2 4 alpha s
/ (a^2 + 4 alpha s), so with u = sqrt(4 alpha s) / a
    dT(t) = P / (pi^{3/2} k a) int_0^U du / (1 + u^2)
          = P / (pi^{3/2} k a) arctan(U),          U = sqrt(4 alpha t) / a.
Limits: t -> inf gives P / (2 sqrt(pi) k a), Eq. (2) of Grider, Wright &
Ausburn (J. Phys. D 19 (1986) 2281); t -> 0 gives 2 q(0) sqrt(alpha t / pi)
/ k, the semi-infinite solid under a constant flux (Carslaw & Jaeger
ch. 2). self_test() checks the formula against the double integral
above done by quadrature, and both limits.

Finite body. The model is a half-ball of radius R held at T0 on its curved
face. The difference w = T(half-space) - T(half-ball) solves the heat
equation in the half-ball from w = 0, without source, with the half-space
temperature as its value on the curved face; that value rises
monotonically in time, so by the maximum principle
    0 <= w(t) <= max_{|x| = R} T(half-space) - T0
              <= P / (2 pi k R) (1 + O(a^2/R^2))          (steady value)
and, at the times compared, <= P / (2 pi k R) erfc(R / sqrt(4 alpha t))
(continuous point source, Carslaw & Jaeger ch. 10, doubled). The
prm takes R = 20 m (3.3e5 a): the steady bound is <= 6e-6 of the rise at
the first compared time and 2e-6 at the end; the erfc bound is zero in
double precision. The large ball costs little: the mesh is graded.

Checks (the default case: axisymmetric, 3 adaptive cycles, adaptive
TR-BDF2 at the default tolerance 1e-4; history.csv compared at its rows at
t_end / 64, / 16, / 4 and t_end, which Time/Output times makes the steps
land on; nothing interpolated):
  (a) spatial convergence: refinement cycles 0..3 at a tight time
      tolerance (1e-7);
  (b) temporal convergence: fixed steps t_end / N, N = 16 .. 256, on the
      4-cycle mesh; the observed order at t_end, against the exact value
      and from the changes between successive halvings (free of the
      spatial error). TR-BDF2 is second order for smooth solutions;
      switching the source on at t = 0 makes the rise grow like sqrt(t),
      which the first steps cannot follow: the error at t_end / 16 is
      printed too;
  (c) adaptive stepping at tolerances 1e-3 .. 1e-6: error, accepted and
      rejected steps;
  (d) energy: max_energy_balance_error <= 1e-6 in every run, and against
      the exact bookkeeping: energy_in = P t_end, and energy_stored +
      energy_out = P t_end (nothing reaches the far face), each to 1e-6.
The default case fails the benchmark when its rise at any compared time is
off by more than TOLERANCE = 5e-4 (relative).

Measured (1 rank): default case +1.25e-4, +1.33e-4, +1.22e-4, +9.3e-5 at
the four times, 92 steps (6 rejected), 15 s; its error is the time
stepping's (at tolerance 1e-3 the largest is 5.6e-4, 1e-5 3.3e-5, 1e-6
8.4e-6, about proportional). (a) cycles 0..3: +2.3e-3, +1.4e-4, +1.1e-5,
+3.0e-6 at t_end / 64; at cycle 3 the rest is mostly the time error of
tolerance 1e-7 (~1.2e-6, read off (b)). (b) the changes between halvings
give order 2.01, 2.01, 2.00 at t_end (no reduction there from the sqrt(t)
start); against the exact value 1.99, 1.93, 1.73, 1.24 as the spatial
error (2.4e-7) takes over; at t_end / 16 the fixed-step error is much
larger (1.3e-3 with 64 steps) and falls with order ~2 only from 64 steps
on. (d) balance errors <= 7.2e-10, stored + out = P t_end to 5e-11. The
tolerance is 3.8 times the measured default error: it would catch the
time control drifting to the accuracy of tolerance 1e-3. Full mode
~10 minutes on one shared core (cycle 3 at tolerance 1e-7: 100-150 s).

Usage: transient_benchmark.py SOLVER [--mpiexec MPIEXEC] [--np N] [--quick]
                              [--json FILE]
(--quick: the default case and its energy checks only; --json writes every
row for postprocess/plots/validation_report.py.)
"""
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from benchmark_common import (arguments, finish, gauss_legendre, run_outputs,  # noqa: E402
                              transient_energy_checks, transient_row)

HERE = os.path.dirname(os.path.abspath(__file__))
PRM = "tungsten-constant-k-transient.prm"
# The case of the prm.
T0, K, RHO, CP = 293.15, 173.0, 19250.0, 134.0
ALPHA = K / (RHO * CP)
POWER, HWHM, R_BALL = 100.0, 50e-6, 20.0
A = HWHM / math.sqrt(math.log(2))
T_END = 2e-4
CHECK_TIMES = (T_END / 64, T_END / 16, T_END / 4, T_END)
DEFAULT_CYCLES = 3
DEFAULT_TIME_TOLERANCE = 1e-4
TOLERANCE = 5e-4          # relative error of the rise, default case
ENERGY_TOLERANCE = 1e-6   # energy bookkeeping, every run
SOURCE = ("exact half-space centre rise P/(pi^{3/2} k a) arctan(sqrt(4 alpha t)/a) "
          "from the instantaneous point source (Carslaw & Jaeger 1959, ch. 10) with "
          "its image in the insulated face")
BENCHMARK = "Transient Gaussian spot, W half-space"
RECORDS = []


# --- Exact reference -----------------------------------------------------------


def centre_rise(t):
    """Exact centre rise of the half-space, K (the formula above)."""
    return POWER / (math.pi**1.5 * K * A) * math.atan(math.sqrt(4 * ALPHA * t) / A)


def steady_rise():
    """Eq. (2): the t -> inf limit, P / (2 sqrt(pi) k a)."""
    return POWER / (2 * math.sqrt(math.pi) * K * A)


def centre_rise_by_quadrature(t):
    """The same rise from the doubled point-source kernel integrated over the
    spot and over the emission times by quadrature (no closed form used):
    s = t sigma^2 takes out the s^(-1/2) of the kernel's time integral."""
    q0 = POWER / (math.pi * A * A)

    def over_spot(s):
        # Both factors are Gaussians in r: integrate to 9 of their joint
        # widths (exp(-81) is negligible).
        width = 1 / math.sqrt(1 / A**2 + 1 / (4 * ALPHA * s))
        kernel = 2 / (RHO * CP * (4 * math.pi * ALPHA * s)**1.5)
        return gauss_legendre(
            lambda r: 2 * math.pi * r * q0 * math.exp(-r * r / A**2)
            * kernel * math.exp(-r * r / (4 * ALPHA * s)), 0.0, 9 * width, 6)

    return gauss_legendre(lambda sigma: 2 * t * sigma * over_spot(t * sigma * sigma),
                          0.0, 1.0, 40)


def finite_body_bounds(t):
    """Upper bounds of the half-ball's deficit at the centre, relative to the
    rise at t: (steady P/(2 pi k R), transient with erfc)."""
    steady = POWER / (2 * math.pi * K * R_BALL)
    return (steady / centre_rise(t),
            steady * math.erfc(R_BALL / math.sqrt(4 * ALPHA * t)) / centre_rise(t))


def self_test():
    """Failures of the exact reference's own checks (printed as a table)."""
    failures = []
    print("Self-test of the exact reference:")
    print(f"  {'U = sqrt(4 alpha t)/a':>22s} {'arctan formula K':>17s} "
          f"{'quadrature K':>17s} {'rel. diff.':>11s}")
    for u in (0.05, 0.48, 1.0, 2.0, 3.86, 20.0):
        t = (u * A)**2 / (4 * ALPHA)
        exact, numeric = centre_rise(t), centre_rise_by_quadrature(t)
        difference = numeric / exact - 1
        print(f"  {u:22g} {exact:17.10f} {numeric:17.10f} {difference:+11.1e}")
        if abs(difference) > 1e-10:
            failures.append(f"self-test: quadrature at U = {u:g} differs by {difference:+.1e}")
    t = (1e-4 * A)**2 / (4 * ALPHA)
    flux_limit = 2 * POWER / (math.pi * A * A) * math.sqrt(ALPHA * t / math.pi) / K
    early = centre_rise(t) / flux_limit - 1        # -U^2/3 = -3.3e-9
    late = centre_rise(1e16 * A * A / (4 * ALPHA)) / steady_rise() - 1   # -2/(pi U)
    print(f"  U = 1e-4: / (2 q0 sqrt(alpha t/pi)/k) - 1 = {early:+.2e} (expected -U^2/3 "
          f"= -3.3e-09); U = 1e8: / Eq. (2) - 1 = {late:+.2e} (expected -2/(pi U) = -6.4e-09)")
    if abs(early + 1e-8 / 3) > 1e-12 or abs(late + 2 / (math.pi * 1e8)) > 1e-12:
        failures.append("self-test: a limit of the arctan formula is wrong")
    return failures


# --- Runs ------------------------------------------------------------------------


def run(args, overrides):
    return run_outputs(args, os.path.join(HERE, PRM), overrides)


def rise_rows(history):
    """(time, measured rise) of the history rows nearest to CHECK_TIMES; the
    rows are compared at their own times (Output times puts them on the
    CHECK_TIMES; with fixed steps they are the nearest steps)."""
    rows = []
    for target in CHECK_TIMES:
        row = min(history, key=lambda r: abs(r["time_s"] - target))
        rows.append((row["time_s"], row["peak_temperature_K"] - T0))
    return rows


def record(case, quantity, reference, measured, summary, refinement, default,
           criterion=None, slope=None):
    RECORDS.append(transient_row(BENCHMARK, SOURCE, case, quantity, reference, measured,
                                 summary, refinement, default, criterion, slope))
    return RECORDS[-1]["error"]


def compare(case, summary, history, refinement, default, slope=None):
    """Relative errors of the rise at the compared rows (recorded)."""
    errors = []
    for t, measured in rise_rows(history):
        errors.append(record(case, f"centre rise at t = {t:.4g} s (K)",
                             centre_rise(t), measured, summary, refinement, default,
                             TOLERANCE if default else None, slope))
    return errors


def energy_errors(summary, history, case, refinement, default):
    """The three energy checks (d); recorded, returned as (name, error)."""
    return transient_energy_checks(
        summary, history, POWER,
        lambda name, reference, measured: record(case, name, reference, measured, summary,
                                                 refinement, default, ENERGY_TOLERANCE))


def print_energy(summary, checks):
    print(f"    energy: in {summary['energy_in_J']:.9g} J, stored "
          f"{summary['energy_stored_J']:.9g} J, out {summary['energy_out_J']:.3g} J "
          f"(P t_end = {POWER * summary['final_time_s']:.9g} J)")
    for name, error in checks:
        print(f"    {name:46s} {error:+.2e}")


def main():
    args = arguments(__doc__.split("\n")[0], "the default case and its energy checks only")
    failures = self_test()

    print(f"\nTransient benchmark: W (constant k = {K:g}, rho c_p = {RHO * CP:.4g}, "
          f"alpha = {ALPHA:.4e} m^2/s), HWHM 50 um (a = {A * 1e6:.3f} um), "
          f"P = {POWER:g} W from t = 0, half-ball R = {R_BALL:g} m, axisymmetric")
    print(f"  Eq. (2) steady rise {steady_rise():.6f} K")
    print(f"  {'t s':>10s} {'U':>6s} {'exact rise K':>14s} {'/ steady':>9s} "
          f"{'finite body <= (steady)':>24s} {'(erfc)':>8s}")
    for t in CHECK_TIMES:
        steady_bound, erfc_bound = finite_body_bounds(t)
        print(f"  {t:10.4g} {math.sqrt(4 * ALPHA * t) / A:6.3f} {centre_rise(t):14.6f} "
              f"{centre_rise(t) / steady_rise():9.5f} {steady_bound:24.1e} {erfc_bound:8.1e}")

    # (c, default) The default case.
    summary, history = run(args, [f"Mesh/Adaptive refinement cycles={DEFAULT_CYCLES}"])
    print(f"\nDefault case: {DEFAULT_CYCLES} cycles ({summary['n_dofs']} unknowns), adaptive "
          f"steps, tolerance {DEFAULT_TIME_TOLERANCE:g}: {summary['time_steps']} steps "
          f"({summary['rejected_time_steps']} rejected), {summary['wall_time_s']:.2f} s")
    print(f"  {'t s':>10s} {'exact rise K':>14s} {'measured K':>14s} {'rel. error':>11s}")
    default_errors = compare("default: adaptive TR-BDF2, tolerance 1e-4", summary, history,
                             f"{DEFAULT_CYCLES} cycles, tol 1e-4", True)
    for (t, measured), error in zip(rise_rows(history), default_errors):
        print(f"  {t:10.4g} {centre_rise(t):14.6f} {measured:14.6f} {error:+11.2e}")
        if abs(error) > TOLERANCE:
            failures.append(f"default case at t = {t:.4g} s: error {error:+.2e}")
    final = record("default: adaptive TR-BDF2, tolerance 1e-4",
                   "final_peak_temperature_K rise (K)", centre_rise(summary["final_time_s"]),
                   summary["final_peak_temperature_K"] - T0, summary,
                   f"{DEFAULT_CYCLES} cycles, tol 1e-4", True, TOLERANCE)
    print(f"  summary.json final_peak_temperature_K at t = {summary['final_time_s']:.6g} s: "
          f"error {final:+.2e}; max_peak_temperature_K "
          f"{summary['max_peak_temperature_K']:.6f} K")
    if abs(final) > TOLERANCE:
        failures.append(f"default case, summary.json final peak: error {final:+.2e}")
    if abs(summary["final_time_s"] / T_END - 1) > 1e-12:
        failures.append(f"final_time_s {summary['final_time_s']!r} is not the End time")
    checks = energy_errors(summary, history, "default: adaptive TR-BDF2, tolerance 1e-4",
                           f"{DEFAULT_CYCLES} cycles, tol 1e-4", True)
    print("\n(d) Energy, default case:")
    print_energy(summary, checks)
    energy_failures = [f"default case: {name} {error:+.2e}" for name, error in checks
                       if abs(error) > ENERGY_TOLERANCE]

    if not args.quick:
        # (a) Spatial convergence at a tight time tolerance.
        tight = 1e-7
        print(f"\n(a) Spatial convergence: adaptive steps at tolerance {tight:g}; "
              "relative error of the rise at the compared rows")
        print(f"  {'cycles':>6s} {'unknowns':>9s} {'steps':>6s} "
              + " ".join(f"{'t=' + format(t, '.3g'):>11s}" for t in CHECK_TIMES)
              + f" {'time s':>7s}")
        for n in range(0, 4):
            s, h = run(args, [f"Mesh/Adaptive refinement cycles={n}",
                              f"Time/Time error tolerance={tight:g}"])
            # Q2 point value at the centre: |error| ~ h^3 ~ N^-3/2.
            errors = compare(f"spatial: tolerance {tight:g}", s, h, f"{n} cycles", False, -1.5)
            print(f"  {n:6d} {s['n_dofs']:9d} {s['time_steps']:6d} "
                  + " ".join(f"{e:+11.2e}" for e in errors) + f" {s['wall_time_s']:7.2f}")
            energy_failures += [f"{n} cycles: {name} {e:+.2e}" for name, e in
                                energy_errors(s, h, f"spatial: tolerance {tight:g}",
                                              f"{n} cycles", False)
                                if abs(e) > ENERGY_TOLERANCE]

        # (b) Temporal convergence with fixed steps, at t_end.
        fine = DEFAULT_CYCLES + 1
        print(f"\n(b) Temporal convergence: fixed steps, {fine} cycles; error of the "
              "rise at t_end (and at t_end/16)")
        print(f"  {'steps':>6s} {'dt s':>10s} {'rise K':>14s} {'rel. error':>11s} "
              f"{'order':>6s} {'change':>11s} {'order':>6s} {'t_end/16':>11s} "
              f"{'unknowns':>9s} {'time s':>7s}")
        series = []
        for steps in (16, 32, 64, 128, 256):
            dt = T_END / steps
            # No Output times: the fixed steps land on the compared times
            # by themselves (t_end / 16 is a multiple of every dt).
            s, h = run(args, [f"Mesh/Adaptive refinement cycles={fine}",
                              "Time/Adaptive time step=false",
                              f"Time/Initial time step={dt!r}", "Time/Output times="])
            # Each step size is its own case: the report's plots against
            # unknowns are for the spatial series.
            case, refinement = f"fixed step {dt:.4g} s", f"{fine} cycles, {steps} steps"
            errors = compare(case, s, h, refinement, False)
            energy_failures += [f"{steps} fixed steps: {name} {e:+.2e}" for name, e in
                                energy_errors(s, h, case, refinement, False)
                                if abs(e) > ENERGY_TOLERANCE]
            series.append((steps, dt, h[-1]["peak_temperature_K"] - T0, errors, s))
        for i, (steps, dt, rise, errors, s) in enumerate(series):
            # Order against the exact value, and from the changes between
            # successive halvings (free of the spatial error).
            order = (f"{math.log2(abs(series[i - 1][3][-1] / errors[-1])):6.2f}"
                     if i > 0 and errors[-1] and series[i - 1][3][-1] else f"{'':6s}")
            change, change_order = f"{'':11s}", f"{'':6s}"
            if i > 0:
                change = f"{(rise - series[i - 1][2]) / centre_rise(T_END):+11.2e}"
            if i > 1 and rise != series[i - 1][2] and series[i - 1][2] != series[i - 2][2]:
                ratio = (series[i - 1][2] - series[i - 2][2]) / (rise - series[i - 1][2])
                change_order = f"{math.log2(abs(ratio)):6.2f}"
            print(f"  {steps:6d} {dt:10.3e} {rise:14.6f} {errors[-1]:+11.2e} {order} "
                  f"{change} {change_order} {errors[1]:+11.2e} {s['n_dofs']:9d} "
                  f"{s['wall_time_s']:7.2f}")
        print("  (change: rise minus that of the step twice as long, relative to the exact "
              "rise)")

        # (c) Adaptive stepping at several tolerances.
        print(f"\n(c) Adaptive steps, {DEFAULT_CYCLES} cycles: largest relative error "
              "over the compared rows, and at t_end")
        print(f"  {'tolerance':>9s} {'steps':>6s} {'rejected':>8s} {'max error':>11s} "
              f"{'at t_end':>11s} {'energy bal.':>11s} {'time s':>7s}")
        for tolerance in (1e-3, 1e-4, 1e-5, 1e-6):
            if tolerance == DEFAULT_TIME_TOLERANCE:
                s, errors = summary, default_errors     # the default case above
            else:
                case = f"adaptive: tolerance {tolerance:g}"
                refinement = f"{DEFAULT_CYCLES} cycles, tol {tolerance:g}"
                s, h = run(args, [f"Mesh/Adaptive refinement cycles={DEFAULT_CYCLES}",
                                  f"Time/Time error tolerance={tolerance:g}"])
                errors = compare(case, s, h, refinement, False)
                energy_failures += [f"tolerance {tolerance:g}: {name} {e:+.2e}"
                                    for name, e in energy_errors(s, h, case, refinement, False)
                                    if abs(e) > ENERGY_TOLERANCE]
            print(f"  {tolerance:9.0e} {s['time_steps']:6d} {s['rejected_time_steps']:8d} "
                  f"{max(errors, key=abs):+11.2e} {errors[-1]:+11.2e} "
                  f"{s['max_energy_balance_error']:11.1e} {s['wall_time_s']:7.2f}")

    if energy_failures:
        print("\nEnergy checks over " + ("the default run" if args.quick else "all runs")
              + f" (limit {ENERGY_TOLERANCE:g}): " + "; ".join(energy_failures))
    failures += energy_failures
    return finish(args, RECORDS, failures, TOLERANCE,
                  f"Default-case errors within {TOLERANCE:g}; energy within "
                  f"{ENERGY_TOLERANCE:g}.")


if __name__ == "__main__":
    sys.exit(main())

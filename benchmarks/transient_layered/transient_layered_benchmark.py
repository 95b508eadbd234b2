#!/usr/bin/env python3
"""Layered transient benchmark: the peak temperatures of a thin metal layer
and of its diamond substrate under a Gaussian spot switched on at t = 0,
computed by anode-thermal (Task = transient, axisymmetric cylinder), against
an exact Fourier-Bessel / Laplace (thermal quadrupole) solution.

The problem. Layers i = 1 (metal, 0 < z < d1) and 2 (diamond, d1 < z < d1 +
d2), z pointing into the anode, radius R, constant k_i, rho_i c_i, alpha_i =
k_i / (rho_i c_i); T = T0 at t = 0. On z = 0 the absorbed flux q(r) = P /
(pi a^2) exp(-r^2/a^2), a = HWHM / sqrt(ln 2), for t > 0; the side r = R
insulated; the back face z = d1 + d2 held at T0; at the interface the flux
is continuous and crosses a temperature jump, -k dT/dz = h_b (T_metal -
T_diamond) (doc/theory.md, "Interfaces"; h_b -> inf is perfect contact).

Fourier-Bessel in r. With the side insulated, dT/dr = 0 at r = R, the
eigenfunctions are J0(lambda_n r), lambda_n = mu_n / R, mu_0 = 0 and mu_n
(n >= 1) the positive zeros of J1 (J0' = -J1), orthogonal with
int_0^R J0(lambda_n r)^2 r dr = R^2 J0(mu_n)^2 / 2 (Carslaw & Jaeger,
Conduction of Heat in Solids, 2nd ed., Oxford 1959, chs. 7-8, the
cylinder; Watson, Theory of Bessel Functions, 1944, ch. 18, Dini
series). The flux's coefficients follow from int_0^inf exp(-r^2/a^2)
J0(lambda r) r dr = (a^2/2) exp(-lambda^2 a^2/4) (Gradshteyn & Ryzhik
6.631.4); the Gaussian beyond R weighs exp(-R^2/a^2) (= 0 here, R = 83 a),
so
    q(r) = sum_n A_n J0(lambda_n r),
    A_n  = P exp(-lambda_n^2 a^2 / 4) / (pi R^2 J0(mu_n)^2)      (A_0 = P/(pi R^2)).
The solver normalises its discrete flux to P (doc/theory.md): the same
coefficients. Each T_n(z, t) then obeys the one-dimensional layered problem
with the lateral term -lambda_n^2 T_n; its Laplace transform theta_n(z, s)
solves theta'' = gamma_i^2 theta, gamma_i = sqrt(lambda_n^2 + s / alpha_i),
with the flux phi = -k dtheta/dz = A_n / s at z = 0.

Thermal quadrupoles (Maillet, Andre, Batsale, Degiovanni & Moyne, Thermal
Quadrupoles, Wiley 2000, ch. 1; Carslaw & Jaeger ch. 12, the Laplace
transform in linear flow and composite solids). Across a layer of
thickness d,
    [theta; phi]_top = [[cosh gd, sinh gd / (k g)], [k g sinh gd, cosh gd]]
                       [theta; phi]_bottom,                     g = gamma_i,
and across the interface [theta; phi]_above = [[1, 1/h_b], [0, 1]]
[theta; phi]_below. With theta = 0 at the back face the impedance Z = theta
/ phi is built from the bottom up, Z <- (Z + tanh(gd)/(k g)) / (k g tanh(gd)
Z + 1) through a layer and Z <- Z + 1/h_b through the interface, and the flux
passed down a layer is phi_bottom / phi_top = sech(gd) / (k g tanh(gd)
Z_bottom + 1). Only tanh and sech of arguments with Re >= 0 appear (no
overflow; Z is even in each g, so the square root's branch does not matter,
and with a finite body it is a meromorphic function of s). The rises on the
axis at the top of each layer are then
    metal:   dT(0, 0, t)    = sum_n L^-1[A_n Z_1 / s],
    diamond: dT(0, d1+, t)  = sum_n L^-1[A_n Z_2 phi(d1)/phi(0) / s],
Z_i the impedance at the top of layer i (for the diamond, below the jump).
These are the layers' maxima (the heat enters at the heated face and spreads
down and outward from the axis); the solver reports each layer's nodal
maximum (history.csv, peak_temperature_<layer>_K). The sum runs to
lambda_n a / 2 = 6.6: the terms dropped are below exp(-43) of the first.
Steady limit: s = 0 in the same formulas (lambda_0 = 0: Z = d1/k1 + 1/h_b +
d2/k2, the series resistance).

Inversion in time: the fixed Talbot method (Abate & Valko, Int. J. Numer.
Meth. Eng. 60 (2004) 979), with M nodes, r = 2 M / (5 t),
    f(t) ~ (r/M) [ F(r) e^{rt} / 2 + sum_{k=1}^{M-1} Re( e^{t s_k} F(s_k) (1 + i sigma_k) ) ],
    s_k = r theta_k (cot theta_k + i), sigma_k = theta_k + (theta_k cot theta_k - 1)
    cot theta_k, theta_k = k pi / M,
valid since F is analytic off the negative real axis. In double precision
e^{rt} = e^{2M/5} amplifies round-off, so M = 24 (about 1e-12; M = 20 and
28 agree to that, self_test()).

Bessel functions (standard library only): J0 and J1 by the trapezoidal rule
on the periodic integral J_n(x) = (1/2pi) int_0^2pi cos(n tau - x sin tau)
dtau (Abramowitz & Stegun 9.1.21), which converges exponentially
(Trefethen & Weideman, SIAM Rev. 56 (2014) 385): with N points the error is
J_{N-n}(x) + ..., negligible for N > x + 12 x^{1/3} + 30. Zeros of J1 by
Newton's method (J1' = J0 - J1/x, A&S 9.1.27) from McMahon's expansion
(A&S 9.5.12), beta - 3/(8 beta), beta = (n + 1/4) pi.

Self-tests of the reference (self_test(), printed): the inversion on s^-3/2
and 1/(s (s + 1)) and M = 20 against 28; J0, J1 and the zeros of J1 against
A&S Table 9.5; a uniform anode (diamond in both layers, perfect contact)
against the half-space law P / (pi^{3/2} k a) arctan(sqrt(4 alpha t) / a)
(transient_benchmark.py) before the heat reaches the back face or the side;
the lambda = 0 mode of Cu on diamond (perfect contact) against the image
series of a layer on a half-space under a constant flux F, obtained by
expanding the Laplace transform (1/(k1 q1 s)) (1 + beta E)/(1 - beta E), E =
exp(-2 q1 d1), q1 = sqrt(s/alpha1), in powers of beta E and inverting term
by term (Carslaw & Jaeger, Appendix V: L^-1[exp(-q x)/(q s)] = 2 sqrt(alpha
t) ierfc(x / (2 sqrt(alpha t)))):
    dT(0, t) = (2 F sqrt(alpha1 t) / k1) [1/sqrt(pi) + 2 sum_{n>=1} beta^n
               ierfc(n d1 / sqrt(alpha1 t))],  beta = (e1 - e2)/(e1 + e2),
e_i = sqrt(k_i rho_i c_i), valid before the heat reaches the back face; the
interface jump against a thin layer of thickness delta, conductivity h_b
delta and no heat capacity (delta -> 0), which checks its orientation; and
the steady limit of the inversion against s = 0. The laterally infinite
anode (the Hankel integral, (P/2pi) int lambda exp(-lambda^2 a^2/4) theta
dlambda, by quadrature) is printed beside the reference: the finite radius
is part of the model, not an error, but this shows how much it matters:
below 1e-12 up to 1e-5 s, then the infinite anode is cooler by 1.3e-7
(metal) and 6.4e-7 (diamond) at 1e-4 s and by 5.9e-5 and 2.9e-4 in the
steady state (the insulated side keeps the heat that would spread beyond
R = 1 mm); comparable with the tolerance, hence the exact finite-body
series rather than a half-space with a bound.

Checks (history.csv of each layer, compared at its rows at 1e-8, 1e-7,
1e-6, 1e-5, 1e-4 s and t_end = 1e-3 s, which Time/Output times makes the
steps land on; nothing interpolated):
  (s) steady (Task = temperature): each layer's peak against the s = 0
      reference over refinement cycles;
  (default) 3 adaptive cycles (the solver's default), adaptive TR-BDF2 at
      Time error tolerance 1e-5 (the prm; 10 times the solver's default:
      at 1e-4 the time error would be the larger part);
  (a) spatial convergence: cycles 0..4 at time tolerance 1e-7;
  (b) the time tolerance 1e-3 .. 1e-6 at 3 cycles;
  (c) perfect contact instead of h_b (another code path: one continuous
      field instead of two coupled by the interface term);
  (d) energy: max_energy_balance_error <= 1e-6 in every run, energy_in =
      P t_end and energy_stored + energy_out = P t_end, each to 1e-6.
The default case fails the benchmark when the metal's rise at any compared
time, or the diamond's from 1e-7 s on, is off by more than TOLERANCE = 2e-4
(relative). At 1e-8 s the diamond has risen by 5e-6 of the metal's rise (a
thin front that has just crossed the interface): printed, not gated.

Measured (1 rank; 2 ranks give the same digits). Default case (5314
unknowns, 226 steps, 2 rejected, ~20 s): metal +2.3e-5, +3.3e-5, +3.9e-5,
+1.2e-5, +7.9e-6, +3.6e-6 at the six times; diamond (+3.6e-2 at 1e-8 s,
not gated), -1.0e-4, +5.6e-5, +2.0e-5, +4.1e-6, -1.7e-5. (s) steady,
cycles 0..6: metal +1.8e-3, +1.3e-4, +7.2e-6, +3.6e-6, +3.7e-6, -4.1e-7,
+2.4e-7; diamond -5.9e-5 .. -1.4e-6. (a) tolerance 1e-7, cycles 0..4:
metal at 1e-7 s +3.1e-3, +2.2e-4, +1.9e-5, +1.2e-5, +9.8e-6 (the time
error there is ~1e-6, read off (b)); the diamond at 1e-8 s, a front of
2e-3 K just past the interface, +13, +0.56, +3.3e-2, +2.6e-2, +7.9e-3.
From 3 to 4 cycles the errors hardly move (also in the steady task): the
Kelly refinement follows the steady field and refines elsewhere in that
cycle. (b) tolerances 1e-3, 1e-4, 1e-5, 1e-6: 64, 116, 226, 472 steps,
largest metal errors 4.4e-4, 1.3e-4, 3.9e-5, 1.6e-5, diamond 1.4e-3,
3.9e-4, 1.0e-4, 2.7e-5: the time error is controlled relative to the
largest peak rise, the metal's, and the diamond's rise is 4 to 40 times
smaller, so its relative error is larger. (c) perfect contact: metal
<= 6.4e-5, diamond <= 4.6e-5 (from 1e-7 s). (d) balance errors <= 3.0e-10
in every run, stored + out = P t_end to 2e-13. TOLERANCE is 2.0 times the
largest gated error (the diamond at 1e-7 s) and 5.2 times the metal's: it
catches the time control drifting to the accuracy of tolerance 1e-4
(diamond -3.9e-4) and any model error (h_b, c_p, the flux) of that size.
--quick ~25 s (the transient run ~20 s, the reference ~3 s); full mode
~8 minutes of solver time on one core (4 cycles at tolerance 1e-7: 190 s).

Usage: transient_layered_benchmark.py SOLVER [--mpiexec MPIEXEC] [--np N]
                                      [--quick] [--json FILE]
(--quick: the steady check and the default case with its energy checks;
--json writes every row for postprocess/plots/validation_report.py.)
"""
import cmath
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from benchmark_common import (arguments, finish, legendre_rule, run_outputs,  # noqa: E402
                              run_summary, transient_energy_checks, transient_row)

HERE = os.path.dirname(os.path.abspath(__file__))
PRM = "cu-on-diamond-constant-k-transient.prm"
# The case of the prm: (name, k, rho, c_p, thickness) from the heated face
# down, the interface conductance, the spot.
T0 = 293.15
METAL = ("metal", 400.0, 8960.0, 385.0, 5e-6)
DIAMOND = ("diamond", 2000.0, 3515.0, 516.0, 0.5e-3)
H_B = 1e8
POWER, HWHM, RADIUS = 10.0, 10e-6, 1e-3
A = HWHM / math.sqrt(math.log(2))
T_END = 1e-3
CHECK_TIMES = (1e-8, 1e-7, 1e-6, 1e-5, 1e-4, T_END)
DIAMOND_GATED_FROM = 1e-7     # earlier, the diamond has hardly risen
DEFAULT_CYCLES = 3
DEFAULT_TIME_TOLERANCE = 1e-5
TOLERANCE = 2e-4          # relative error of the rises, default case
ENERGY_TOLERANCE = 1e-6   # energy bookkeeping, every run
TALBOT_NODES = 24
_RULE = legendre_rule(12)
SOURCE = ("exact Fourier-Bessel / Laplace solution of the layered cylinder: thermal "
          "quadrupoles (Maillet et al., Thermal Quadrupoles, 2000) with the interface "
          "jump, fixed Talbot inversion (Abate & Valko 2004)")
BENCHMARK = "Transient Gaussian spot, Cu on diamond"
RECORDS = []


def stack(*layers):
    """[(k, alpha, thickness)] of layers given as (name, k, rho, c_p, d)."""
    return [(k, k / (rho * cp), d) for _, k, rho, cp, d in layers]


LAYERS = stack(METAL, DIAMOND)


# --- Bessel functions J0, J1 and the zeros of J1 ---------------------------------


def bessel_j01(x):
    """(J0(x), J1(x)): trapezoidal rule on (1/2pi) int_0^2pi cos(n tau - x
    sin tau) dtau, exact to round-off with N > x + 12 x^{1/3} + 30 points."""
    points = int(x + 12 * x**(1 / 3) + 30)
    j0 = j1 = 0.0
    for j in range(points):
        tau = 2 * math.pi * j / points
        phase = x * math.sin(tau)
        j0 += math.cos(phase)
        j1 += math.cos(tau - phase)
    return j0 / points, j1 / points


def j1_zeros(count):
    """[(mu_n, J0(mu_n))] for the first count positive zeros of J1."""
    zeros = []
    for n in range(1, count + 1):
        beta = (n + 0.25) * math.pi
        x = beta - 3 / (8 * beta)           # McMahon, A&S 9.5.12
        for _ in range(50):
            j0, j1 = bessel_j01(x)
            step = j1 / (j0 - j1 / x)
            x -= step
            if abs(step) < 1e-15 * x:
                break
        zeros.append((x, bessel_j01(x)[0]))
    return zeros


def fourier_bessel_terms(power, a, radius):
    """[(lambda_n^2, A_n)] of the flux on the disc of the radius, n = 0 .. up to
    lambda_n a / 2 = 6.6."""
    count = int(13.2 / a * radius / math.pi) + 1
    terms = [(0.0, power / (math.pi * radius**2))]
    for mu, j0 in j1_zeros(count):
        lam = mu / radius
        if lam * a / 2 <= 6.6:
            terms.append((lam * lam, power * math.exp(-(lam * a / 2)**2)
                          / (math.pi * radius**2 * j0 * j0)))
    return terms


_TERMS = {}


def terms_of(power=POWER, a=A, radius=RADIUS):
    key = (power, a, radius)
    if key not in _TERMS:
        _TERMS[key] = fourier_bessel_terms(power, a, radius)
    return _TERMS[key]


# --- Thermal quadrupoles and the Laplace inversion --------------------------------


def tanh_sech(x):
    """tanh x and sech x for Re x >= 0, without overflow (cmath.tanh
    saturates; sech = 2 e^-x / (1 + e^-2x)) and without cancellation at small
    |x| (where (1 - e^-2x) / (1 + e^-2x) would lose the digits of tanh)."""
    return cmath.tanh(x), 2 * cmath.exp(-x) / (1 + cmath.exp(-2 * x))


def layer_tops(layers, conductances, lam2, s):
    """theta at the top of each layer (below the interface above it), per unit
    flux into the heated face, for the mode lambda^2 and Laplace variable s;
    theta = 0 at the back face. conductances[i] is h_b between layers i and
    i + 1 (None: perfect contact)."""
    n = len(layers)
    z = 0j                      # impedance at the back face
    z_top, passed = [0j] * n, [0j] * n
    for i in reversed(range(n)):
        k, alpha, d = layers[i]
        g = cmath.sqrt(lam2 + s / alpha)
        if g == 0:              # steady lambda = 0: the limits of tanh/g, g tanh
            tanh_over_kg, kg_tanh, sech = d / k, 0.0, 1.0
        else:
            tanh, sech = tanh_sech(g * d)
            tanh_over_kg, kg_tanh = tanh / (k * g), k * g * tanh
        denominator = kg_tanh * z + 1
        passed[i] = sech / denominator          # phi_bottom / phi_top
        z = (z + tanh_over_kg) / denominator
        z_top[i] = z
        if i > 0 and conductances[i - 1] is not None:
            z += 1 / conductances[i - 1]        # the jump: theta_above - theta_below
    theta, phi = [], 1.0
    for i in range(n):
        theta.append(z_top[i] * phi)
        phi *= passed[i]
    return theta


def axis_transform(layers, conductances, s, terms):
    """Laplace transforms of the rises at the top of each layer on the axis
    (J0(0) = 1), the flux switched on at t = 0 (1/s)."""
    total = [0j] * len(layers)
    for lam2, coefficient in terms:
        for i, theta in enumerate(layer_tops(layers, conductances, lam2, s)):
            total[i] += coefficient * theta
    return [value / s for value in total]


def talbot(transform, t, nodes=TALBOT_NODES):
    """Fixed Talbot inversion at t of a transform returning a list of values."""
    r = 2 * nodes / (5 * t)
    total = [0.5 * (value * math.exp(r * t)).real for value in transform(complex(r, 0))]
    for k in range(1, nodes):
        theta = k * math.pi / nodes
        cot = math.cos(theta) / math.sin(theta)
        s = r * theta * complex(cot, 1)
        weight = cmath.exp(t * s) * complex(1, theta + (theta * cot - 1) * cot)
        for i, value in enumerate(transform(s)):
            total[i] += (weight * value).real
    return [r / nodes * value for value in total]


_RISES = {}


def rises(t, layers=LAYERS, conductances=(H_B,), nodes=TALBOT_NODES):
    """Exact rises (metal, diamond) on the axis at the top of each layer at t, K."""
    key = (t, tuple(layers), tuple(conductances), nodes)
    if key not in _RISES:
        terms = terms_of()
        _RISES[key] = talbot(lambda s: axis_transform(layers, conductances, s, terms), t,
                             nodes)
    return _RISES[key]


def steady_rises(layers=LAYERS, conductances=(H_B,), terms=None):
    """The s = 0 limit of rises(), K."""
    total = [0.0] * len(layers)
    for lam2, coefficient in terms or terms_of():
        for i, theta in enumerate(layer_tops(layers, conductances, lam2, 0.0)):
            total[i] += coefficient * theta.real
    return total


def infinite_rises(t, layers=LAYERS, conductances=(H_B,)):
    """The laterally infinite anode: the Hankel integral (P/2pi) int lambda
    exp(-lambda^2 a^2/4) theta(lambda, s) dlambda, Gauss-Legendre on halves of
    the octaves of lambda (theta varies on the scale of 1/thickness near 0)."""
    edges = [0.0] + [13.2 / A * 2.0**(-j / 2) for j in range(64, -1, -1)]

    def transform(s):
        total = [0j] * len(layers)
        for lower, upper in zip(edges, edges[1:]):
            for x, w in zip(*_RULE):
                lam = lower + (upper - lower) * (x + 1) / 2
                weight = (w * (upper - lower) / 2 * POWER / (2 * math.pi) * lam
                          * math.exp(-(lam * A / 2)**2))
                for i, theta in enumerate(layer_tops(layers, conductances, lam * lam, s)):
                    total[i] += weight * theta
        return [value / s for value in total]

    return talbot(transform, t)


# --- Self-test of the reference ---------------------------------------------------


def ierfc(x):
    return math.exp(-x * x) / math.sqrt(math.pi) - x * math.erfc(x)


def self_test():
    """Failures of the reference's own checks (printed as tables)."""
    failures = []

    def check(name, value, expected, limit):
        error = value / expected - 1
        print(f"  {name:58s} {value:+.12e} {error:+9.1e}")
        if not abs(error) <= limit:
            failures.append(f"self-test: {name} off by {error:+.1e}")

    print("Self-test of the exact reference (value, relative difference):")
    # The inversion on known pairs, and its node count.
    for nodes in (20, 24, 28):
        check(f"Talbot M = {nodes}: L^-1[s^-3/2](1.7) = 2 sqrt(t/pi)",
              talbot(lambda s: [s**-1.5], 1.7, nodes)[0], 2 * math.sqrt(1.7 / math.pi), 1e-11)
        check(f"Talbot M = {nodes}: L^-1[1/(s(s+1))](0.3) = 1 - exp(-t)",
              talbot(lambda s: [1 / (s * (s + 1))], 0.3, nodes)[0], 1 - math.exp(-0.3), 1e-11)
    # Bessel functions and zeros (A&S Table 9.1, 9.5).
    j0, j1 = bessel_j01(1.0)
    check("J0(1) (A&S Table 9.1: 0.7651976866)", j0, 0.7651976865579666, 1e-12)
    check("J1(1) (A&S Table 9.1: 0.4400505857)", j1, 0.4400505857449335, 1e-12)
    for (mu, j0), (mu_table, j0_table) in zip(j1_zeros(3), ((3.8317059702, -0.4027593957),
                                                            (7.0155866698, 0.3001157525),
                                                            (10.1734681351, -0.2497048771))):
        check(f"zero of J1 {mu_table} (A&S Table 9.5)", mu, mu_table, 1e-10)
        check(f"J0 there, {j0_table} (A&S Table 9.5)", j0, j0_table, 1e-9)
    mu, j0 = j1_zeros(400)[-1]
    check("J0(mu_400)^2 against 2/(pi mu) (A&S 9.2.1)", j0 * j0, 2 / (math.pi * mu), 1e-6)

    # A uniform anode: the half-space arctan law while the back face (0.5 mm)
    # and the side (1 mm) are far: sqrt(4 alpha t) <= 0.19 mm.
    _, k, rho, cp, _ = DIAMOND
    uniform = stack(DIAMOND[:4] + (METAL[4],), DIAMOND)
    alpha = k / (rho * cp)
    for u in (0.1, 1.0, 4.0, 8.0):
        t = (u * A)**2 / (4 * alpha)
        arctan_law = POWER / (math.pi**1.5 * k * A) * math.atan(u)
        check(f"uniform diamond, sqrt(4 alpha t)/a = {u:g}: arctan law",
              rises(t, uniform, (None,))[0], arctan_law, 1e-9)
    check("uniform diamond, laterally infinite (Hankel integral), u = 4",
          infinite_rises((4 * A)**2 / (4 * alpha), uniform, (None,))[0],
          POWER / (math.pi**1.5 * k * A) * math.atan(4.0), 1e-9)

    # The lambda = 0 mode of Cu on diamond against the image series.
    effusivity = [math.sqrt(k * rho * cp) for _, k, rho, cp, _ in (METAL, DIAMOND)]
    beta = (effusivity[0] - effusivity[1]) / (effusivity[0] + effusivity[1])
    k1, alpha1, d1 = LAYERS[0]
    for t in (1e-9, 1e-7, 1e-6, 1e-5):
        series = 1 / math.sqrt(math.pi) + 2 * sum(
            beta**n * ierfc(n * d1 / math.sqrt(alpha1 * t)) for n in range(1, 400))
        check(f"Cu on diamond, lambda = 0, t = {t:g} s: image series",
              talbot(lambda s: [layer_tops(LAYERS, (None,), 0.0, s)[0] / s], t)[0],
              2 * math.sqrt(alpha1 * t) / k1 * series, 1e-10)

    # The interface jump as a thin layer without heat capacity.
    delta = 1e-12
    thin = [LAYERS[0], (H_B * delta, 1e30, delta), LAYERS[1]]
    for t in (1e-7, 1e-5):
        with_jump = rises(t)
        as_layer = talbot(lambda s: axis_transform(thin, (None, None), s, terms_of()), t)
        check(f"h_b as a thin layer, t = {t:g} s: metal", with_jump[0], as_layer[0], 1e-9)
        check(f"h_b as a thin layer, t = {t:g} s: diamond", with_jump[1], as_layer[2], 1e-9)

    # The inversion's node count on the benchmark itself, and the steady limit.
    for t in (1e-8, 1e-5):
        for layer in (0, 1):
            check(f"M = 20 against M = 28, t = {t:g} s, {('metal', 'diamond')[layer]}",
                  rises(t, nodes=20)[layer], rises(t, nodes=28)[layer], 1e-10)
    late, steady = rises(1.0), steady_rises()
    check("t = 1 s against the steady (s = 0) solution, metal", late[0], steady[0], 1e-10)
    check("t = 1 s against the steady (s = 0) solution, diamond", late[1], steady[1], 1e-10)
    k2, _, d2 = LAYERS[1]
    check("steady lambda = 0 mode: d1/k1 + 1/h_b + d2/k2",
          layer_tops(LAYERS, (H_B,), 0.0, 0.0)[0].real, d1 / k1 + 1 / H_B + d2 / k2, 1e-14)
    return failures


# --- Runs ------------------------------------------------------------------------


def run(args, overrides):
    return run_outputs(args, os.path.join(HERE, PRM), overrides)


def record(case, quantity, reference, measured, summary, refinement, default,
           criterion=None, slope=None):
    RECORDS.append(transient_row(BENCHMARK, SOURCE, case, quantity, reference, measured,
                                 summary, refinement, default, criterion, slope))
    return RECORDS[-1]["error"]


def compare(case, summary, history, refinement, default, conductances=(H_B,), slope=None):
    """[(time, (metal error, diamond error))] at the compared rows (recorded);
    the diamond's is gated from DIAMOND_GATED_FROM on."""
    result = []
    for target in CHECK_TIMES:
        row = min(history, key=lambda r: abs(r["time_s"] - target))
        if abs(row["time_s"] / target - 1) > 1e-9:
            sys.exit(f"{case}: no history row at t = {target:g} s (nearest {row['time_s']!r})")
        errors = []
        for i, (name, *_) in enumerate((METAL, DIAMOND)):
            gated = default and (i == 0 or target >= DIAMOND_GATED_FROM * (1 - 1e-9))
            errors.append(record(case, f"{name} peak rise at t = {target:.4g} s (K)",
                                 rises(target, conductances=conductances)[i],
                                 row[f"peak_temperature_{name}_K"] - T0, summary, refinement,
                                 default, TOLERANCE if gated else None, slope))
        result.append((target, errors))
    return result


def gate(label, comparison):
    """Failures of the default case's gated errors."""
    failures = []
    for t, (metal, diamond) in comparison:
        if abs(metal) > TOLERANCE:
            failures.append(f"{label}, metal at t = {t:g} s: error {metal:+.2e}")
        if t >= DIAMOND_GATED_FROM * (1 - 1e-9) and abs(diamond) > TOLERANCE:
            failures.append(f"{label}, diamond at t = {t:g} s: error {diamond:+.2e}")
    return failures


def print_comparison(history, comparison, conductances=(H_B,)):
    print(f"  {'t s':>8s} {'metal exact K':>14s} {'measured K':>12s} {'rel. error':>11s}  "
          f"{'diamond exact K':>15s} {'measured K':>12s} {'rel. error':>11s}")
    for t, (metal, diamond) in comparison:
        row = min(history, key=lambda r: abs(r["time_s"] - t))
        exact = rises(t, conductances=conductances)
        note = "" if t >= DIAMOND_GATED_FROM * (1 - 1e-9) else "  (diamond not gated)"
        metal_rise = row["peak_temperature_metal_K"] - T0
        diamond_rise = row["peak_temperature_diamond_K"] - T0
        print(f"  {t:8.2g} {exact[0]:14.6f} {metal_rise:12.6f} {metal:+11.2e}  "
              f"{exact[1]:15.6f} {diamond_rise:12.6f} {diamond:+11.2e}{note}")


def energy_errors(summary, history, case, refinement, default):
    """The three energy checks (d); recorded, returned as (name, error)."""
    return transient_energy_checks(
        summary, history, POWER,
        lambda name, reference, measured: record(case, name, reference, measured, summary,
                                                 refinement, default, ENERGY_TOLERANCE))


def energy_failures(label, checks):
    return [f"{label}: {name} {error:+.2e}" for name, error in checks
            if abs(error) > ENERGY_TOLERANCE]


def steady_case(args, cycles, default):
    """Task = temperature against the s = 0 reference: (summary, errors)."""
    summary = run_summary(args, os.path.join(HERE, PRM),
                          ["Task=temperature", f"Mesh/Adaptive refinement cycles={cycles}"])
    exact = steady_rises()
    errors = [record("steady (Task = temperature)", f"{layer['name']} steady peak rise (K)",
                     reference, layer["max_temperature_K"] - T0, summary,
                     f"{cycles} cycles", default, TOLERANCE if default else None, -1.5)
              for layer, reference in zip(summary["layers"], exact)]
    return summary, errors


def main():
    args = arguments(__doc__.split("\n")[0],
                     "the steady check and the default case with its energy checks")
    failures = self_test()

    k1, alpha1, d1 = LAYERS[0]
    k2, alpha2, d2 = LAYERS[1]
    print(f"\nLayered transient benchmark: {d1 * 1e6:g} um metal (k {k1:g}, alpha "
          f"{alpha1:.4e} m^2/s) on {d2 * 1e3:g} mm diamond (k {k2:g}, alpha {alpha2:.4e} "
          f"m^2/s), h_b = {H_B:g} W/(m^2 K), HWHM {HWHM * 1e6:g} um (a = {A * 1e6:.3f} um), "
          f"P = {POWER:g} W from t = 0, cylinder R = {RADIUS * 1e3:g} mm (insulated side, "
          f"back face at T0), axisymmetric; {len(terms_of())} Fourier-Bessel terms")
    steady = steady_rises()
    print(f"  steady rises: metal {steady[0]:.6f} K, diamond {steady[1]:.6f} K")
    print(f"  {'t s':>8s} {'sqrt(4 a1 t) um':>15s} {'metal K':>12s} {'/ steady':>9s} "
          f"{'diamond K':>12s} {'/ steady':>9s} {'R = inf: metal':>15s} {'diamond':>9s}")
    for t in CHECK_TIMES:
        exact, infinite = rises(t), infinite_rises(t)
        print(f"  {t:8.2g} {math.sqrt(4 * alpha1 * t) * 1e6:15.3g} {exact[0]:12.6f} "
              f"{exact[0] / steady[0]:9.6f} {exact[1]:12.6f} {exact[1] / steady[1]:9.6f} "
              f"{infinite[0] / exact[0] - 1:+15.1e} {infinite[1] / exact[1] - 1:+9.1e}")
    print("  (R = inf: the laterally infinite anode relative to the reference for this "
          "cylinder)")

    # (s) Steady, default mesh.
    summary, errors = steady_case(args, DEFAULT_CYCLES, True)
    print(f"\n(s) Steady (Task = temperature), {DEFAULT_CYCLES} cycles "
          f"({summary['n_dofs']} unknowns): metal {errors[0]:+.2e}, diamond {errors[1]:+.2e}")
    failures += [f"steady, {name}: error {e:+.2e}" for name, e in zip(("metal", "diamond"),
                                                                        errors)
                 if abs(e) > TOLERANCE]

    # The default case.
    label = "default: adaptive TR-BDF2, tolerance 1e-5"
    refinement = f"{DEFAULT_CYCLES} cycles, tol {DEFAULT_TIME_TOLERANCE:g}"
    summary, history = run(args, [])
    print(f"\nDefault case: {DEFAULT_CYCLES} cycles ({summary['n_dofs']} unknowns), adaptive "
          f"steps, tolerance {DEFAULT_TIME_TOLERANCE:g}: {summary['time_steps']} steps "
          f"({summary['rejected_time_steps']} rejected), {summary['wall_time_s']:.2f} s")
    default = compare(label, summary, history, refinement, True)
    print_comparison(history, default)
    failures += gate("default case", default)
    final = record(label, "final_peak_temperature_K rise (K)", rises(T_END)[0],
                   summary["final_peak_temperature_K"] - T0, summary, refinement, True,
                   TOLERANCE)
    print(f"  summary.json final_peak_temperature_K: error {final:+.2e}")
    if abs(final) > TOLERANCE:
        failures.append(f"default case, summary.json final peak: error {final:+.2e}")
    if abs(summary["final_time_s"] / T_END - 1) > 1e-12:
        failures.append(f"final_time_s {summary['final_time_s']!r} is not the End time")
    checks = energy_errors(summary, history, label, refinement, True)
    print("\n(d) Energy, default case:")
    print(f"    energy: in {summary['energy_in_J']:.9g} J, stored "
          f"{summary['energy_stored_J']:.9g} J, out {summary['energy_out_J']:.9g} J "
          f"(P t_end = {POWER * T_END:.9g} J)")
    for name, error in checks:
        print(f"    {name:46s} {error:+.2e}")
    energy = energy_failures("default case", checks)

    if not args.quick:
        # (s) Steady over refinement cycles.
        print("\n(s) Steady (Task = temperature) over refinement cycles: relative error of "
              "each layer's peak rise")
        print(f"  {'cycles':>6s} {'unknowns':>9s} {'metal':>11s} {'diamond':>11s}")
        for n in range(0, 7):
            s, errors = steady_case(args, n, False)
            print(f"  {n:6d} {s['n_dofs']:9d} {errors[0]:+11.2e} {errors[1]:+11.2e}")

        # (a) Spatial convergence at a tight time tolerance.
        tight = 1e-7
        print(f"\n(a) Spatial convergence: adaptive steps at tolerance {tight:g}; relative "
              "error of the metal's (upper line) and the diamond's rise")
        print(f"  {'cycles':>6s} {'unknowns':>9s} {'steps':>6s} {'layer':>7s} "
              + " ".join(f"{'t=' + format(t, '.0e'):>10s}" for t in CHECK_TIMES)
              + f" {'time s':>7s}")
        for n in range(0, 5):
            s, h = run(args, [f"Mesh/Adaptive refinement cycles={n}",
                              f"Time/Time error tolerance={tight:g}"])
            comparison = compare(f"spatial: tolerance {tight:g}", s, h, f"{n} cycles", False,
                                 slope=-1.5)
            for layer in (0, 1):
                head = (f"  {n:6d} {s['n_dofs']:9d} {s['time_steps']:6d}" if layer == 0
                        else f"  {'':6s} {'':9s} {'':6s}")
                tail = f" {s['wall_time_s']:7.1f}" if layer == 0 else ""
                print(f"{head} {('metal', 'diamond')[layer]:>7s} "
                      + " ".join(f"{errors[layer]:+10.2e}" for _, errors in comparison) + tail)
            energy += energy_failures(f"{n} cycles", energy_errors(
                s, h, f"spatial: tolerance {tight:g}", f"{n} cycles", False))

        # (b) The time tolerance.
        print(f"\n(b) Adaptive steps, {DEFAULT_CYCLES} cycles: largest relative error over "
              "the compared rows (metal; diamond from 1e-7 s)")
        print(f"  {'tolerance':>9s} {'steps':>6s} {'rejected':>8s} {'metal':>10s} "
              f"{'diamond':>10s} {'energy bal.':>11s} {'time s':>7s}")
        for tolerance in (1e-3, 1e-4, 1e-5, 1e-6):
            if tolerance == DEFAULT_TIME_TOLERANCE:
                s, comparison = summary, default
            else:
                case = f"adaptive: tolerance {tolerance:g}"
                refinement = f"{DEFAULT_CYCLES} cycles, tol {tolerance:g}"
                s, h = run(args, [f"Time/Time error tolerance={tolerance:g}"])
                comparison = compare(case, s, h, refinement, False)
                energy += energy_failures(f"tolerance {tolerance:g}",
                                          energy_errors(s, h, case, refinement, False))
            metal = max((e[0] for _, e in comparison), key=abs)
            diamond = max((e[1] for t, e in comparison
                           if t >= DIAMOND_GATED_FROM * (1 - 1e-9)), key=abs)
            print(f"  {tolerance:9.0e} {s['time_steps']:6d} {s['rejected_time_steps']:8d} "
                  f"{metal:+10.2e} {diamond:+10.2e} {s['max_energy_balance_error']:11.1e} "
                  f"{s['wall_time_s']:7.1f}")

        # (c) Perfect contact.
        case = "perfect contact, tolerance 1e-5"
        s, h = run(args, ["Geometry/Interface conductances=perfect"])
        perfect = compare(case, s, h, f"{DEFAULT_CYCLES} cycles, tol 1e-5", False,
                          conductances=(None,))
        print(f"\n(c) Perfect contact, {DEFAULT_CYCLES} cycles ({s['n_dofs']} unknowns), "
              f"tolerance 1e-5: {s['time_steps']} steps; steady rises metal "
              f"{steady_rises(conductances=(None,))[0]:.6f} K, diamond "
              f"{steady_rises(conductances=(None,))[1]:.6f} K")
        print_comparison(h, perfect, conductances=(None,))
        energy += energy_failures("perfect contact", energy_errors(
            s, h, case, f"{DEFAULT_CYCLES} cycles, tol 1e-5", False))

    if energy:
        print("\nEnergy checks over " + ("the default run" if args.quick else "all runs")
              + f" (limit {ENERGY_TOLERANCE:g}): " + "; ".join(energy))
    failures += energy
    return finish(args, RECORDS, failures, TOLERANCE,
                  f"Default-case errors within {TOLERANCE:g}; energy within "
                  f"{ENERGY_TOLERANCE:g}.")


if __name__ == "__main__":
    sys.exit(main())

"""Kelvin image series shared by the sphere-plane and sphere-sphere
benchmarks (doc/validation.md).

A point charge q at distance D from the centre of a grounded sphere of
radius a has the image -q a / D at distance a^2 / D from the centre,
towards q (Jackson, Classical Electrodynamics, 3rd ed., 2.2). Two
conductors facing each other along a line, each a sphere of radius a or
the mirror of one in a plane, reflect a charge back and forth: with the
centres 2h apart (a sphere at height h over a plane, or two spheres of
radius a at centre distance d = 2h), a charge at distance x from its own
centre is at 2h - x from the other one, so each reflection maps

    q -> -q a / (2h - x),     x -> a^2 / (2h - x).

Started from q_0 = 4 pi eps0 a V at a centre (x_0 = 0), the chain has the
closed form (by induction, with cosh(alpha) = h / a; Smythe, Static and
Dynamic Electricity, 5.08, where the same sums come from bispherical
coordinates):

    |q_n| = q_0 sinh(alpha) / sinh((n + 1) alpha),
    x_n   = a sinh(n alpha) / sinh((n + 1) alpha),        n = 0, 1, 2, ...

the sign (-1)^n, image n lying in the sphere it started in for even n and
in the other conductor for odd n. The terms fall like exp(-n alpha).
"""
import math

EPS0 = 8.8541878128e-12  # F/m (CODATA 2018)
COULOMB = 1 / (4 * math.pi * EPS0)


def kelvin_chain(a, h, q0, relative_cut=1e-17):
    """[(|q_n|, x_n)] of the closed form until |q_n| < relative_cut |q_0|."""
    alpha = math.acosh(h / a)
    result = []
    n = 0
    while True:
        # sinh(n alpha) / sinh((n+1) alpha) without overflow for large n
        ratio = math.exp(-alpha) * (1 - math.exp(-2 * n * alpha)) / (
            1 - math.exp(-2 * (n + 1) * alpha))
        q = q0 * math.sinh(alpha) / math.sinh((n + 1) * alpha) if (
            (n + 1) * alpha < 700) else 0.0
        result.append((q, a * ratio))
        if abs(q) < relative_cut * abs(q0):
            return result
        n += 1


def kelvin_chain_by_recursion(a, h, q0, count):
    """The first COUNT links of the chain, reflection by reflection (as
    |q_n|, x_n; an independent check of the closed form)."""
    result = [(q0, 0.0)]
    while len(result) < count:
        q, x = result[-1]
        result.append((q * a / (2 * h - x), a * a / (2 * h - x)))
    return result


def check_closed_form(a, h, tolerance=1e-12):
    """Largest relative difference of closed form and recursion."""
    closed = kelvin_chain(a, h, 1.0)
    recursive = kelvin_chain_by_recursion(a, h, 1.0, min(len(closed), 200))
    return max(max(abs(q1 / q2 - 1), abs(x1 - x2) / a)
               for (q1, x1), (q2, x2) in zip(closed, recursive))

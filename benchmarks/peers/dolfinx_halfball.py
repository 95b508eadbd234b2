#!/usr/bin/python3
"""DOLFINx peer of workload W1: a tungsten half-ball heated by a Gaussian spot.

    -div(k grad T) = 0                 in |x| < R, z < 0, k = 174 W/(m K)
    k dT/dn = q0 exp(-r^2/a^2)         on the flat face z = 0, q0 = P/(pi a^2)
    T = T0                             on the curved face |x| = R

R = 1 mm, P = 10 W absorbed, HWHM 10 um (a = HWHM/sqrt(ln 2)), T0 = 300 K.
The exact peak (Eq. (2) with its half-ball correction, as in
benchmarks/eq2/eq2_benchmark.py) is

    T_peak = T0 + P/(2 sqrt(pi) k a) - P/(2 pi k R) = 1640.61937 K.

--model axisymmetric solves the (r, z) quarter disk with the weak form
weighted by r; --model 3d the half ball. Lagrange P1-P3 on simplices from
gmsh, graded towards the spot centre: h = max(hmin, min(hmax, g |x|)), hmin
in units of a, hmax in units of R. Prints one RESULT line (dolfinx_common).

    /usr/bin/python3 dolfinx_halfball.py --model 3d --grading 0.3 --solver cg-icc
"""
import argparse
import math

from mpi4py import MPI
import numpy as np
import ufl
from dolfinx import fem, mesh as dmesh
from dolfinx.fem.petsc import LinearProblem

import gmsh
from dolfinx_common import (MM, PhaseClock, dolfinx_mesh, gaussian_a, gmsh_simplices,
                            graded_size_field, print_result, solver_options,
                            start_gmsh)

RADIUS, CONDUCTIVITY, POWER, HWHM, T0 = 1e-3, 174.0, 10.0, 10e-6, 300.0
A = gaussian_a(HWHM)
T_EXACT = (T0 + POWER / (2 * math.sqrt(math.pi) * CONDUCTIVITY * A)
           - POWER / (2 * math.pi * CONDUCTIVITY * RADIUS))


def parse():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", choices=("axisymmetric", "3d"), default="axisymmetric")
    p.add_argument("--degree", type=int, default=2, choices=(1, 2, 3))
    p.add_argument("--hmin", type=float, default=0.125, help="h at the centre, units of a")
    p.add_argument("--grading", type=float, default=0.3, help="g in h = g * distance")
    p.add_argument("--hmax", type=float, default=0.2, help="largest h, units of R")
    p.add_argument("--solver", default="direct", choices=("direct", "cg-icc", "cg-amg"))
    return p.parse_args()


def mesh_half_ball(args):
    """gmsh half ball (3d) or its (r, z) quarter disk, the centre a vertex."""
    start_gmsh("half-ball")
    occ, r = gmsh.model.occ, RADIUS * MM
    if args.model == "3d":
        occ.addSphere(0, 0, 0, r, -1, -math.pi / 2, 0, 2 * math.pi)
        centre = occ.addPoint(0, 0, 0)
        occ.synchronize()
        top = [t for d, t in gmsh.model.getEntities(2)
               if gmsh.model.getType(d, t) == "Plane"][0]
        gmsh.model.mesh.embed(0, [centre], 2, top)
        distance = "Sqrt(x*x + y*y + z*z)"
    else:   # x = r, y = z
        o, e, s = occ.addPoint(0, 0, 0), occ.addPoint(r, 0, 0), occ.addPoint(0, -r, 0)
        edges = [occ.addLine(o, e), occ.addCircleArc(e, o, s), occ.addLine(s, o)]
        occ.addPlaneSurface([occ.addCurveLoop(edges)])
        occ.synchronize()
        distance = "Sqrt(x*x + y*y)"
    graded_size_field(distance, args.hmin * A * MM, args.grading, args.hmax * r)
    gmsh.model.mesh.generate(3 if args.model == "3d" else 2)
    return gmsh_simplices(3 if args.model == "3d" else 2)


def solve(args, msh):
    """The temperature field: the weak form of the module docstring."""
    dim = msh.topology.dim
    V = fem.FunctionSpace(msh, ("Lagrange", args.degree))
    X = ufl.SpatialCoordinate(msh)
    radial = X[0] if dim == 2 else ufl.sqrt(X[0] ** 2 + X[1] ** 2)
    weight = X[0] if dim == 2 else 1.0            # axisymmetric: r dr dz
    depth = dim - 1                               # index of z
    heated = dmesh.locate_entities_boundary(
        msh, dim - 1, lambda x: np.isclose(x[depth], 0.0, atol=1e-9 * RADIUS))
    curved = dmesh.locate_entities_boundary(
        msh, dim - 1, lambda x: np.linalg.norm(x[:dim], axis=0) > RADIUS * (1 - 1e-6))
    facets = dmesh.meshtags(msh, dim - 1, heated, np.full(len(heated), 1, np.int32))
    ds = ufl.Measure("ds", domain=msh, subdomain_data=facets,
                     metadata={"quadrature_degree": 2 * args.degree + 3})
    u, v = ufl.TrialFunction(V), ufl.TestFunction(V)
    q = POWER / (math.pi * A * A) * ufl.exp(-radial ** 2 / A ** 2)
    a = CONDUCTIVITY * ufl.inner(ufl.grad(u), ufl.grad(v)) * weight * ufl.dx
    L = q * v * weight * ds(1)
    bc = fem.dirichletbc(T0, fem.locate_dofs_topological(V, dim - 1, curved), V)
    problem = LinearProblem(a, L, bcs=[bc], petsc_options=solver_options(args.solver))
    return problem.solve(), V


def main():
    args = parse()
    clock = PhaseClock()
    x, cells = mesh_half_ball(args)
    msh = dolfinx_mesh(MPI.COMM_WORLD, x, cells)
    clock.lap("mesh")
    T, V = solve(args, msh)
    clock.lap("solve")
    peak = float(T.x.array.max())
    print_result({"workload": "W1", "model": args.model, "degree": args.degree,
                  "ndofs": V.dofmap.index_map.size_global, "T_peak": peak,
                  "T_exact": T_EXACT, "relerr": (peak - T_EXACT) / T_EXACT}, clock)


if __name__ == "__main__":
    main()

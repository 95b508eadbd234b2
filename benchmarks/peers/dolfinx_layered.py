#!/usr/bin/python3
"""DOLFINx peer of workloads W2 and W3: a metal layer on a diamond heat
spreader, heated by a surface spot, with k(T) in each layer and a thermal
boundary conductance h_b between them (the model of anode-thermal's
Shape = cylinder, doc/theory.md):

    -div(k_l(T) grad T) = 0                in layer l (metal, spreader)
    k dT/dn = P_abs g(x, y)                on the heated face z = 0
    -k dT/dn = h_b (T_metal - T_spreader)  across the interface z = -t_metal
    T = T0 on the back face, insulated side face.

g is the spot profile of integral 1 (circular Gaussian, or the line focus:
Gaussian across x, a flat top of length L along y with Gaussian edges),
normalised by its discrete integral; P_abs = (1 - eta) P with the metal's
backscatter eta.

Interface: doubled nodes. The conforming gmsh mesh is cut along the
interface (the metal cells take copies of the interface vertices), so each
layer has its own interface unknowns, and the term
    int_interface h_b (T_m - T_s)(v_m - v_s) dA
couples them through the metal side's facet mass matrix M:
C = [M, -M P; -P^T M, P^T M P], P pairing each metal interface unknown with
the spreader unknown at the same point. It is linear and added to every
Newton matrix.

k(T): the tables of the project's material library (Cu, Mo: linear between
the points, constant beyond them) and diamond k300 (T/300)^-1.2. Newton with
a backtracking line search; direct solver (axisymmetric) or GMRES +
BoomerAMG (3d).

Tasks: 'temperature' (the peak per layer at --power) and 'maximum-power'
(the incident power at which the first layer reaches its limit: secant
iteration on log P of log max_l (T_l - T0)/(T_lim,l - T0), each solve
started from the previous field scaled to the new power). --hwhm and
--spreaders take lists: one mesh per spot size, the spreaders solved on it.
Serial (the interface pairing is built on one rank). One RESULT line per
point (dolfinx_common).

    /usr/bin/python3 dolfinx_layered.py --metal Mo --h-b 2.2e8 --task maximum-power \\
        --hwhm 5e-6,10e-6,20e-6,50e-6,100e-6 --spreaders diamond-cvd,diamond-natural
"""
import argparse
import math

from mpi4py import MPI
import numpy as np
import scipy.sparse
import ufl
from dolfinx import fem, mesh as dmesh
from dolfinx.fem.petsc import assemble_matrix, assemble_vector, set_bc
from petsc4py import PETSc
from scipy.spatial import cKDTree

import gmsh
from dolfinx_common import (MM, PhaseClock, dolfinx_mesh, gaussian_a, gmsh_simplices,
                            graded_size_field, krylov_solver, print_result,
                            start_gmsh)

# The project's material library: k(T) points (K, W/(m K)), limit (K),
# energy backscatter fraction.
METALS = {
    "Cu": ([(300, 401), (600, 379), (1000, 352)], 1357.8, 0.17),
    "Mo": ([(300, 138), (600, 126), (1000, 112), (1500, 98)], 2896.0, 0.24),
}
DIAMOND_K300 = {"diamond-natural": 2200.0, "diamond-cvd": 1800.0}
DIAMOND_EXPONENT, DIAMOND_LIMIT = -1.2, 1800.0
METAL, SPREADER = 1, 2                # cell tags
HEATED, INTERFACE_METAL = 1, 2        # facet tags


def floats(text):
    return [float(item) for item in text.split(",")]


def parse():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", choices=("axisymmetric", "3d"), default="axisymmetric")
    p.add_argument("--task", choices=("temperature", "maximum-power"),
                   default="temperature")
    p.add_argument("--metal", choices=sorted(METALS), default="Cu")
    p.add_argument("--spreaders", default="diamond-cvd",
                   help="comma-separated: " + ", ".join(sorted(DIAMOND_K300)))
    p.add_argument("--t-metal", type=float, default=5e-6)
    p.add_argument("--t-spreader", type=float, default=0.5e-3)
    p.add_argument("--radius", type=float, default=2e-3)
    p.add_argument("--h-b", type=float, default=5e7, help="W/(m^2 K)")
    p.add_argument("--T0", type=float, default=293.15)
    p.add_argument("--power", type=float, default=20.0,
                   help="incident W (maximum-power: the first guess)")
    p.add_argument("--spot", choices=("circular", "line"), default="circular")
    p.add_argument("--hwhm", type=floats, default=[10e-6], help="comma-separated, m")
    p.add_argument("--hwhm-y", type=float, default=2e-6, help="line: edge HWHM, m")
    p.add_argument("--length", type=float, default=200e-6, help="line: flat top, m")
    p.add_argument("--quarter", action="store_true",
                   help="3d: the quarter x, y > 0 (the spot's two mirror planes)")
    p.add_argument("--degree", type=int, default=2, choices=(1, 2, 3))
    p.add_argument("--hmin", type=float, default=0.125, help="h at the spot, units of a")
    p.add_argument("--grading", type=float, default=0.2, help="g in h = g * distance")
    p.add_argument("--hmax", type=float, default=0.1, help="largest h, units of radius")
    p.add_argument("--newton-rtol", type=float, default=1e-8)
    p.add_argument("--power-tolerance", type=float, default=1e-3)
    return p.parse_args()


# ------------------------------------------------------------------ mesh
def mesh_layers(args, hwhm):
    """gmsh mesh of the two layers (3d cylinders or their (r, z) section),
    conforming at the interface, graded towards the spot: the distance is
    to the spot centre, or to the line's flat-top segment."""
    start_gmsh("layered")
    occ = gmsh.model.occ
    t1, t2, R = args.t_metal * MM, args.t_spreader * MM, args.radius * MM
    if args.model == "3d":
        angle = math.pi / 2 if args.quarter else 2 * math.pi
        layers = [occ.addCylinder(0, 0, -t1, 0, 0, t1, R, angle=angle),
                  occ.addCylinder(0, 0, -t1 - t2, 0, 0, t2, R, angle=angle)]
        occ.fragment([(3, v) for v in layers], [(0, occ.addPoint(0, 0, 0))])
        half_line = args.length / 2 * MM if args.spot == "line" else 0.0
        distance = f"Sqrt(x*x + Max(Abs(y) - {half_line}, 0)^2 + z*z)"
    else:   # x = r, y = z
        layers = [occ.addRectangle(0, -t1, 0, R, t1),
                  occ.addRectangle(0, -t1 - t2, 0, R, t2)]
        occ.fragment([(2, s) for s in layers], [])
        distance = "Sqrt(x*x + y*y)"
    occ.synchronize()
    graded_size_field(distance, args.hmin * gaussian_a(hwhm) * MM, args.grading,
                      args.hmax * R)
    dim = 3 if args.model == "3d" else 2
    gmsh.model.mesh.generate(dim)
    return gmsh_simplices(dim)


def cut_at_interface(x, cells, z_interface):
    """Doubled nodes: the cells above the interface get their own copies of
    the interface vertices, which disconnects the two layers."""
    depth = x.shape[1] - 1
    on_interface = np.isclose(x[:, depth], z_interface, rtol=0, atol=1e-6 * abs(z_interface))
    metal = x[cells, depth].mean(axis=1) > z_interface
    copy = np.full(len(x), -1, dtype=np.int64)
    copy[on_interface] = len(x) + np.arange(on_interface.sum())
    metal_cells = cells[metal]
    moved = on_interface[metal_cells]
    metal_cells[moved] = copy[metal_cells[moved]]
    cells[metal] = metal_cells
    return np.vstack([x, x[on_interface]]), cells


# ------------------------------------------------------------------ model
def k_metal(T, points):
    """Piecewise-linear k(T) through POINTS, constant beyond the ends."""
    k = ufl.as_ufl(float(points[-1][1]))
    for (Ta, ka), (Tb, kb) in reversed(list(zip(points[:-1], points[1:]))):
        k = ufl.conditional(ufl.lt(T, Tb), ka + (kb - ka) * (T - Ta) / (Tb - Ta), k)
    return ufl.conditional(ufl.lt(T, points[0][0]), float(points[0][1]), k)


def spot_profile(args, X, hwhm):
    """g(x, y) of integral 1 over the plane (the project's SpotProfile)."""
    a = gaussian_a(hwhm)
    if args.spot == "circular":
        r2 = X[0] ** 2 + (X[1] ** 2 if args.model == "3d" else 0)
        return ufl.exp(-r2 / a ** 2) / (math.pi * a ** 2)
    a_y, L = gaussian_a(args.hwhm_y), args.length
    along = ufl.erf((X[1] + L / 2) / a_y) - ufl.erf((X[1] - L / 2) / a_y)
    return ufl.exp(-X[0] ** 2 / a ** 2) * along / (2 * math.sqrt(math.pi) * a * L)


class LayeredAnode:
    """The discrete problem on one mesh: Newton for T at a given power."""

    def __init__(self, args, hwhm):
        self.args = args
        x, cells = mesh_layers(args, hwhm)
        x, cells = cut_at_interface(x, cells, -args.t_metal)
        self.msh = dolfinx_mesh(MPI.COMM_WORLD, x, cells)
        self.V = fem.FunctionSpace(self.msh, ("Lagrange", args.degree))
        self.T = fem.Function(self.V)
        self.mark_layers()
        self.define_forms(hwhm)
        self.couple_interface()
        self.A = assemble_matrix(self.jacobian, bcs=[self.bc])
        self.A.assemble()
        self.A.axpy(1.0, self.C, structure=PETSc.Mat.Structure.DIFFERENT_NONZERO_PATTERN)
        method = "direct" if args.model == "axisymmetric" else "gmres-amg"
        self.ksp = krylov_solver(self.msh.comm, self.A, method, "layered_", rtol=1e-8)
        self.residual_vector, self.step = self.A.createVecs()
        self.newton_steps = self.linear_iterations = 0

    def mark_layers(self):
        msh, args = self.msh, self.args
        dim = msh.topology.dim
        depth, z_if = dim - 1, -args.t_metal
        msh.topology.create_connectivity(dim - 1, dim)
        n_cells = msh.topology.index_map(dim).size_local
        centre_z = dmesh.compute_midpoints(msh, dim, np.arange(n_cells, dtype=np.int32))[:, depth]
        layer = np.where(centre_z > z_if, METAL, SPREADER).astype(np.int32)
        self.cells = dmesh.meshtags(msh, dim, np.arange(n_cells, dtype=np.int32), layer)
        def at(z):
            return dmesh.locate_entities_boundary(
                msh, dim - 1, lambda X: np.isclose(X[depth], z, rtol=0, atol=1e-6 * args.t_metal))
        heated, interface = at(0.0), at(z_if)
        self.back = at(-args.t_metal - args.t_spreader)
        facet_cell = msh.topology.connectivity(dim - 1, dim)
        on_metal = np.array([layer[facet_cell.links(f)[0]] == METAL for f in interface], bool)
        self.interface = {METAL: interface[on_metal], SPREADER: interface[~on_metal]}
        facets = np.concatenate([heated, self.interface[METAL]])
        tags = np.concatenate([np.full(len(heated), HEATED, np.int32),
                               np.full(on_metal.sum(), INTERFACE_METAL, np.int32)])
        order = np.argsort(facets)
        self.facets = dmesh.meshtags(msh, dim - 1, facets[order], tags[order])
        self.layer_dofs = {l: fem.locate_dofs_topological(self.V, dim, self.cells.find(l))
                           for l in (METAL, SPREADER)}

    def define_forms(self, hwhm):
        args, msh, T = self.args, self.msh, self.T
        X = ufl.SpatialCoordinate(msh)
        self.weight = 2 * math.pi * X[0] if args.model == "axisymmetric" else 1.0
        self.dx = ufl.Measure("dx", domain=msh, subdomain_data=self.cells)
        self.ds = ufl.Measure("ds", domain=msh, subdomain_data=self.facets,
                              metadata={"quadrature_degree": 2 * args.degree + 3})
        v = ufl.TestFunction(self.V)
        g = spot_profile(args, X, hwhm)
        plane_fraction = 0.25 if args.quarter else 1.0
        g_integral = fem.assemble_scalar(fem.form(g * self.weight * self.ds(HEATED)))
        self.flux_scale = fem.Constant(msh, 0.0)          # P_abs / discrete integral
        self.g_normalisation = plane_fraction / g_integral
        self.k300 = fem.Constant(msh, 1800.0)             # the spreader's k at 300 K
        k1 = k_metal(T, METALS[args.metal][0])
        k2 = self.k300 * (T / 300.0) ** DIAMOND_EXPONENT
        grad_T, grad_v = ufl.grad(T), ufl.grad(v)
        F = (k1 * ufl.inner(grad_T, grad_v) * self.weight * self.dx(METAL)
             + k2 * ufl.inner(grad_T, grad_v) * self.weight * self.dx(SPREADER)
             - self.flux_scale * g * v * self.weight * self.ds(HEATED))
        self.residual = fem.form(F)
        self.jacobian = fem.form(ufl.derivative(F, T, ufl.TrialFunction(self.V)))
        self.load = fem.form(g * v * self.weight * self.ds(HEATED))
        back_dofs = fem.locate_dofs_topological(self.V, msh.topology.dim - 1, self.back)
        self.bc = fem.dirichletbc(args.T0, back_dofs, self.V)

    def couple_interface(self):
        """C = h_b (P_m - P_s)^T M (P_m - P_s): the doubled-node jump term."""
        V, n = self.V, self.V.dofmap.index_map.size_local
        u, v = ufl.TrialFunction(V), ufl.TestFunction(V)
        M = assemble_matrix(fem.form(self.args.h_b * u * v * self.weight
                                     * self.ds(INTERFACE_METAL)))
        M.assemble()
        indptr, indices, values = M.getValuesCSR()
        M = scipy.sparse.csr_matrix((values, indices, indptr), shape=(n, n)).tocoo()
        fdim = self.msh.topology.dim - 1
        metal = fem.locate_dofs_topological(V, fdim, self.interface[METAL])
        spreader = fem.locate_dofs_topological(V, fdim, self.interface[SPREADER])
        points = V.tabulate_dof_coordinates()
        distance, nearest = cKDTree(points[spreader]).query(points[metal])
        assert len(metal) == len(spreader) and distance.max() < 1e-9 * self.args.radius
        partner = np.arange(n)
        partner[metal] = spreader[nearest]
        i, j, m = M.row, M.col, M.data
        C = scipy.sparse.coo_matrix(
            (np.concatenate([m, -m, -m, m]),
             (np.concatenate([i, i, partner[i], partner[i]]),
              np.concatenate([j, partner[j], j, partner[j]]))), shape=(n, n)).tocsr()
        C.sort_indices()
        self.C = PETSc.Mat().createAIJ(size=(n, n), csr=(C.indptr.astype(PETSc.IntType),
                                                         C.indices.astype(PETSc.IntType),
                                                         C.data))
        self.C.assemble()

    def residual_norm(self):
        """||F(T) + C T|| with the Dirichlet rows zeroed (T satisfies them)."""
        b = self.residual_vector
        with b.localForm() as local:
            local.set(0.0)
        assemble_vector(b, self.residual)
        self.C.multAdd(self.T.vector, b, b)
        set_bc(b, [self.bc], self.T.vector, -1.0)
        return b.norm()

    def solve(self, incident_power, start=None):
        """Newton with backtracking for T at INCIDENT_POWER, from START (a
        nodal array) or T0; returns the peak temperature of each layer."""
        args, T = self.args, self.T
        absorbed = (1 - METALS[args.metal][2]) * incident_power
        self.flux_scale.value = absorbed * self.g_normalisation
        T.x.array[:] = args.T0 if start is None else start
        set_bc(T.vector, [self.bc])
        load = assemble_vector(self.load)
        target = args.newton_rtol * absorbed * self.g_normalisation * load.norm()
        norm, steps = self.residual_norm(), 0
        while norm > target:
            if steps == 50:
                raise RuntimeError("Newton did not converge in 50 steps")
            self.A.zeroEntries()
            assemble_matrix(self.A, self.jacobian, bcs=[self.bc])
            self.A.assemble()
            self.A.axpy(1.0, self.C, structure=PETSc.Mat.Structure.SUBSET_NONZERO_PATTERN)
            self.ksp.setOperators(self.A)
            self.residual_vector.scale(-1.0)
            self.ksp.solve(self.residual_vector, self.step)
            if self.ksp.getConvergedReason() < 0:
                raise RuntimeError("linear solver failed")
            self.linear_iterations += self.ksp.getIterationNumber()
            norm = self.line_search(norm)
            steps += 1
        self.newton_steps += steps
        return {l: float(T.x.array[d].max()) for l, d in self.layer_dofs.items()}

    def line_search(self, norm):
        """T += s step with s = 1, 1/2, ... until the residual falls."""
        previous, s = self.T.x.array.copy(), 1.0
        while True:
            self.T.x.array[:] = previous
            self.T.vector.axpy(s, self.step)
            new_norm = self.residual_norm()
            if new_norm < norm or s < 1 / 64:
                return new_norm
            s /= 2


def maximum_power(anode, limits):
    """Incident power at which the first layer reaches its limit: secant on
    log P of f = log max_l (T_l - T0)/(T_lim,l - T0)."""
    T0 = anode.args.T0
    def f(peaks):
        return math.log(max((peaks[l] - T0) / (limits[l] - T0) for l in limits))
    power, peaks = anode.args.power, anode.solve(anode.args.power)
    value = f(peaks)
    previous = None
    while True:
        if previous is None:
            new_power = power * math.exp(-value)       # the rise scales ~ P
        else:
            slope = (value - previous[1]) / math.log(power / previous[0])
            new_power = power * math.exp(-value / slope)
        start = T0 + (anode.T.x.array - T0) * (new_power / power)
        previous, power = (power, value), new_power
        peaks = anode.solve(power, start)
        value = f(peaks)
        if abs(power - previous[0]) < anode.args.power_tolerance * power:
            return power, peaks


def main():
    args = parse()
    for hwhm in args.hwhm:
        clock = PhaseClock()
        anode = LayeredAnode(args, hwhm)
        clock.lap("setup")
        for spreader in args.spreaders.split(","):
            anode.k300.value = DIAMOND_K300[spreader]
            limits = {METAL: METALS[args.metal][1], SPREADER: DIAMOND_LIMIT}
            if args.task == "maximum-power":
                power, peaks = maximum_power(anode, limits)
            else:
                power, peaks = args.power, anode.solve(args.power)
            clock.lap("solve")
            print_result({"workload": "layered", "model": args.model, "hwhm": hwhm,
                          "spreader": spreader, "ndofs": anode.V.dofmap.index_map.size_global,
                          "power": power, "T_metal": peaks[METAL],
                          "T_spreader": peaks[SPREADER], "newton": anode.newton_steps,
                          "linear": anode.linear_iterations}, clock)


if __name__ == "__main__":
    main()

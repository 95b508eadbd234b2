"""What the two DOLFINx peer scripts share (DOLFINx 0.5.2 as Debian 12 ships
it, run with /usr/bin/python3): a graded gmsh size field, the hand-over of a
gmsh mesh to DOLFINx, the PETSc solver set-ups and the one-line result.

Every script prints one line

    RESULT key=value key=value ...

that benchmarks/peers/side_by_side.py parses (ndofs, peak temperatures or
maximum powers, the script's own phase times)."""
import math
import time

import numpy as np
from dolfinx import graph, mesh as dmesh
from dolfinx.io import gmshio
from petsc4py import PETSc

import gmsh

MM = 1e3   # the gmsh geometry is built in millimetres (OCC tolerances), m -> mm


def gaussian_a(hwhm):
    """Gaussian parameter a of exp(-r^2/a^2) for a half width at half maximum."""
    return hwhm / math.sqrt(math.log(2.0))


def start_gmsh(name):
    gmsh.initialize()
    gmsh.option.setNumber("General.Terminal", 0)
    gmsh.option.setNumber("General.NumThreads", 1)
    gmsh.model.add(name)


def graded_size_field(distance, h_min, grading, h_max):
    """Background size h = max(h_min, min(h_max, grading * distance)), all in
    mm; DISTANCE is a gmsh MathEval expression in x, y, z. Only this field
    sets the size (no sizes from points, curvature or the boundary)."""
    field = gmsh.model.mesh.field.add("MathEval")
    gmsh.model.mesh.field.setString(
        field, "F", f"Max({h_min}, Min({h_max}, {grading}*{distance}))")
    gmsh.model.mesh.field.setAsBackgroundMesh(field)
    for option in ("MeshSizeExtendFromBoundary", "MeshSizeFromPoints",
                   "MeshSizeFromCurvature"):
        gmsh.option.setNumber("Mesh." + option, 0)
    gmsh.option.setNumber("Mesh.Algorithm", 6)      # Frontal-Delaunay (2D)
    gmsh.option.setNumber("Mesh.Algorithm3D", 10)   # HXT (3D)


def gmsh_simplices(dim):
    """(vertex coordinates in m, cells) of the generated simplex mesh; ends
    gmsh. Only the cells are taken: boundaries are found geometrically."""
    cell_type = 4 if dim == 3 else 2                # tetrahedron / triangle
    tags, coords, _ = gmsh.model.mesh.getNodes()
    _, connectivity = gmsh.model.mesh.getElementsByType(cell_type)
    gmsh.finalize()
    x = np.zeros((int(tags.max()), 3))
    x[tags.astype(np.int64) - 1] = coords.reshape(-1, 3)
    cells = connectivity.astype(np.int64).reshape(-1, dim + 1) - 1
    used = np.unique(cells)                         # drop unused node slots
    number = np.full(len(x), -1, dtype=np.int64)
    number[used] = np.arange(len(used))
    return x[used, :dim] / MM, number[cells]


def dolfinx_mesh(comm, x, cells):
    """The DOLFINx mesh of one rank's simplices. The serial scripts give every
    cell to rank 0 instead of calling the graph partitioner, and ask for no
    ghost cells (the forms have no interior-facet terms)."""
    dim = x.shape[1]
    def everything_on_rank_0(comm, parts, tdim, cell_graph, ghost_mode):
        return graph.create_adjacencylist(np.zeros(cell_graph.num_nodes,
                                                   dtype=np.int32))
    return dmesh.create_mesh(comm, cells, x, gmshio.ufl_mesh(4 if dim == 3 else 2, dim),
                             ghost_mode=dmesh.GhostMode.none,
                             partitioner=everything_on_rank_0)


def solver_options(method, rtol=1e-10):
    """PETSc options of a linear solver. method: 'cg-amg' (CG + hypre
    BoomerAMG), 'cg-icc' (CG + incomplete Cholesky, serial), 'gmres-amg'
    (GMRES + BoomerAMG, for the Newton matrix with k(T)) or 'direct' (MUMPS
    LU)."""
    if method == "direct":
        return {"ksp_type": "preonly", "pc_type": "lu",
                "pc_factor_mat_solver_type": "mumps"}
    krylov, preconditioner = method.split("-")
    options = {"ksp_type": krylov, "ksp_rtol": rtol, "ksp_atol": 0.0,
               "ksp_max_it": 1000, "ksp_norm_type": "unpreconditioned"}
    if krylov == "gmres":
        options.update({"ksp_gmres_restart": 100, "ksp_pc_side": "right"})
    if preconditioner == "icc":
        options["pc_type"] = "icc"
    else:
        options.update({"pc_type": "hypre", "pc_hypre_type": "boomeramg",
                        "pc_hypre_boomeramg_strong_threshold": 0.5,
                        "pc_hypre_boomeramg_coarsen_type": "HMIS",
                        "pc_hypre_boomeramg_interp_type": "ext+i",
                        "pc_hypre_boomeramg_P_max": 4,
                        "pc_hypre_boomeramg_agg_nl": 1})
    return options


def krylov_solver(comm, matrix, method, prefix, rtol=1e-10):
    """A PETSc KSP for MATRIX with the options of solver_options()."""
    ksp = PETSc.KSP().create(comm)
    ksp.setOperators(matrix)
    ksp.setOptionsPrefix(prefix)
    database = PETSc.Options()
    for key, value in solver_options(method, rtol).items():
        database[prefix + key] = value
    ksp.setFromOptions()
    return ksp


class PhaseClock:
    """Wall time per named phase, printed as t_NAME=seconds."""

    def __init__(self):
        self.seconds = {}
        self.start = time.perf_counter()

    def lap(self, name):
        now = time.perf_counter()
        self.seconds[name] = self.seconds.get(name, 0.0) + now - self.start
        self.start = now


def print_result(fields, clock=None):
    """One 'RESULT key=value ...' line (floats with 9 significant digits)."""
    items = dict(fields)
    if clock is not None:
        items.update({"t_" + k: round(v, 4) for k, v in clock.seconds.items()})
    text = " ".join(f"{k}={v:.9g}" if isinstance(v, float) else f"{k}={v}"
                    for k, v in items.items())
    print("RESULT " + text, flush=True)

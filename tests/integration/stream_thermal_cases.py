#!/usr/bin/env python3
"""Integration tests of stream-thermal (Python 3, standard library only).

Each case runs the solver, serially or under ``MPIEXEC -np N``, on
inputs/stream-thermal-particle.prm (a W particle crossing the CT spot) with
``--set`` overrides, into a fresh temporary output directory, and checks
the exit status, the one line on stderr, which output files exist, and
numbers in summary.json, history.csv and curves.csv.

    stream_thermal_cases.py --solver build/bin/stream-thermal --mpiexec mpirun CASE
    stream_thermal_cases.py --list

ctest runs one test per case (add_stream_thermal_case in CMakeLists.txt
passes --processors, which must match the largest -np the case uses).
Measured numbers are printed on lines starting with "MEASURED"; a failing
case keeps its output directories and names them. The running machinery
(Driver, Run, check, measured, check_close) is run_case.py's.
Exit status: 0 passed, 1 failed, 2 usage error.
"""

import argparse
import csv
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_case  # noqa: E402
from run_case import (Driver, check, check_close, expect_status,  # noqa: E402
                      measured)

SOLVER_NAME = "stream-thermal"
SUCCESS, INPUT_ERROR, SOLVER_FAILURE, LIMIT_EXCEEDED = 0, 2, 3, 4
PRM = "stream-thermal-particle.prm"
RESULT_FILES = ("summary.json", "history.csv", "curves.csv", "solution.pvd")

# The default split table (--print-parameters), 8 rows from 30 to 300 kV.
VOLTAGES = [30e3, 80e3, 100e3, 120e3, 150e3, 200e3, 250e3, 300e3]
STREAM = [0.566, 0.533, 0.449, 0.366, 0.213, 0.143, 0.095, 0.067]
ANODE = [0.119, 0.137, 0.208, 0.282, 0.426, 0.489, 0.502, 0.477]
W_MELTING_POINT = 3695.0  # K (--print-parameters / the material library)

# doc: the columns of history.csv and curves.csv.
HISTORY_HEADER = ["time_s", "position_in_spot_m", "particle_power_W",
                  "peak_temperature_K", "mean_temperature_K", "min_temperature_K",
                  "molten_fraction", "energy_in_J", "energy_radiated_J",
                  "energy_stored_J"]


class StreamThermalDriver(Driver):
    temporary_prefix = SOLVER_NAME + "-test-"


def table(values):
    return ", ".join(f"{v:g}" for v in values)


# ---------------------------------------------------------------------------
# Reading the results


def rows(run, name):
    check(run.has(name), f"no {name} in {run.output_directory}\n{run.describe()}")
    with open(run.path(name), newline="") as file:
        reader = csv.reader(file)
        header = next(reader)
        return header, [dict(zip(header, row)) for row in reader]


def expect_one_error_line(run, kind, *needles):
    """One line "SOLVER_NAME: KIND..." on stderr naming every needle; a
    serial run's every stderr line counts."""
    return run_case.expect_one_error_line(
        run, kind, *needles, solver_name=SOLVER_NAME,
        lines=run_case.solver_error_lines(run, SOLVER_NAME))


def expect_input_error(run, *needles):
    """Exit 2, one line "stream-thermal: error: ..." naming every needle, and
    nothing written but the log (no summary.json, history or curves)."""
    expect_status(run, INPUT_ERROR)
    line = expect_one_error_line(run, "error: ", *needles)
    for name in RESULT_FILES:
        check(not run.has(name), f"{name} written after bad input")
    return line


def expect_success(run):
    expect_status(run, SUCCESS)
    lines = run_case.solver_error_lines(run, SOLVER_NAME)
    check(not lines, "stderr not empty on success:\n" + "\n".join(lines))
    return run.summary


def check_energy_balance(summary, label, tolerance=1e-6):
    balance = summary["energy_balance"]
    check(balance is not None, f"{label}: energy_balance is null for a radiating surface")
    measured(f"{label}: energy_balance", f"{balance:.3e} (tolerance {tolerance:g})")
    check(abs(balance) <= tolerance, f"{label}: |energy_balance| {abs(balance):.3e} > "
                                     f"{tolerance:g}")


# ---------------------------------------------------------------------------
# Cases

CASES, case = run_case.case_registry("stream-thermal-")


# --- Bad input: exit 2, one line naming the entry, no summary.json


@case()
def input_negative_speed(d):
    """Stream/Speed = -100: named."""
    expect_input_error(d.run(PRM, ["Stream/Speed=-100"]), "Stream/Speed", "-100")


@case()
def input_negative_spot_width(d):
    """Beam/Spot width = -450e-6: named."""
    expect_input_error(d.run(PRM, ["Beam/Spot width=-450e-6"]), "Beam/Spot width")


@case()
def input_inlet_at_melting_point(d):
    """Inlet temperature at and above the W melting point (the limit): named."""
    for inlet in (W_MELTING_POINT, 4000.0):
        expect_input_error(d.run(PRM, [f"Particle/Inlet temperature={inlet:g}"]),
                           "Particle/Inlet temperature", f"{inlet:g} K",
                           "temperature limit 3695 K")
    # s > 0 takes the melting point as the limit whatever Temperature limit says.
    expect_input_error(d.run(PRM, ["Particle/Inlet temperature=3695",
                                   "Limit/Temperature limit=5000",
                                   "Limit/Allowed molten fraction=0.5"]),
                       "Particle/Inlet temperature", "temperature limit 3695 K")


@case()
def input_split_table(d):
    """Split table: a fraction > 1, S_uP + S_anode > 1, voltages not increasing."""
    stream = list(STREAM)
    stream[0] = 1.2
    expect_input_error(d.run(PRM, [f"Energy split/Stream fractions={table(stream)}"]),
                       "Energy split/Stream fractions", "row 1", "1.2", "outside [0, 1]")
    anode = list(ANODE)
    anode[2] = 0.6      # 100 kV: 0.449 + 0.6 > 1, each fraction in [0, 1]
    expect_input_error(d.run(PRM, [f"Energy split/Anode fractions={table(anode)}"]),
                       "Anode fractions", "row 3", "exceeds 1")
    for voltages in ([30e3, 80e3, 80e3] + VOLTAGES[3:], [30e3, 80e3, 70e3] + VOLTAGES[3:]):
        expect_input_error(d.run(PRM, [f"Energy split/Tube voltages={table(voltages)}"]),
                           "Energy split/Tube voltages", "must increase")


@case()
def input_voltage_outside_table(d):
    """Tube voltage below and above the split table (30..300 kV); a limit-curve
    voltage outside it: the entry named."""
    for voltage in ("20e3", "400e3"):
        expect_input_error(d.run(PRM, [f"Beam/Tube voltage={voltage}"]),
                           "Beam/Tube voltage", "outside", "30000 to 300000 V")
    expect_input_error(d.run(PRM, ["Task=limit curves", "Limit curves/Tube voltages=20e3, 100e3"]),
                       "Limit curves/Tube voltages", "20000 V", "outside")


@case()
def input_unknown_material(d):
    """Particle/Material = Unobtainium: entry and name."""
    expect_input_error(d.run(PRM, ["Particle/Material=Unobtainium"]),
                       "Particle/Material", "Unobtainium")


@case()
def input_molten_fraction_without_latent_heat(d):
    """Allowed molten fraction 0.5 for diamond (no melting point or latent heat)."""
    for sets in ([], ["Limit/Temperature limit=1800"]):
        expect_input_error(d.run(PRM, ["Particle/Material=diamond-natural",
                                       "Particle/Inlet temperature=300",
                                       "Limit/Allowed molten fraction=0.5"] + sets),
                           "Limit/Allowed molten fraction", "diamond-natural", "does not melt")


@case()
def input_layer_beyond_layers(d):
    """Stream/Layer = 7 with Layers = 5: named with the range."""
    expect_input_error(d.run(PRM, ["Stream/Layers=5", "Stream/Layer=7"]),
                       "Stream/Layer", "7", "1 to 5")


@case()
def input_table_not_a_file(d):
    """A directory or a device as Beam/Depth-dose file or Anode/Summary file:
    named before it is read (a device would be read without end)."""
    for path in (d.scratch(), "/dev/zero"):
        expect_input_error(d.run(PRM, ["Beam/Deposition=table",
                                       f"Beam/Depth-dose file={path}"]),
                           "Beam/Depth-dose file", path, "not a regular file")
        expect_input_error(d.run(PRM, ["Anode/Limit=anode-thermal summary",
                                       f"Anode/Summary file={path}"]),
                           "Anode/Summary file", path, "not a regular file")


# --- Limit exceeded: exit 4, results written


@case()
def limit_exceeded(d):
    """60 kW incident (above the ~45.7 kW limit): exit 4, one line, summary and
    history written, limit_exceeded true, melting seen, energy balanced."""
    run = d.run(PRM, ["Beam/Beam power=60e3"])
    expect_status(run, LIMIT_EXCEEDED)
    expect_one_error_line(run, "the particle exceeds its limit", "60000 W",
                          run.output_directory)
    s = run.summary
    check(s["limit_exceeded"] is True, f"limit_exceeded = {s['limit_exceeded']!r}")
    measured("max_peak_temperature_K, max_molten_fraction",
             f"{s['max_peak_temperature_K']:.2f} K, {s['max_molten_fraction']:.4f}")
    check(s["max_peak_temperature_K"] > W_MELTING_POINT,
          "the limit is exceeded without the peak passing the melting point")
    check(s["max_molten_fraction"] > 0, "above the melting point but nothing molten")
    check_energy_balance(s, "60 kW")
    header, history = rows(run, "history.csv")
    check(header == HISTORY_HEADER, f"history.csv header {header}")
    check(len(history) == s["time_steps"] + 1,
          f"history.csv has {len(history)} rows for {s['time_steps']} steps")
    peak = max(float(r["peak_temperature_K"]) for r in history)
    check_close("largest peak_temperature_K in history.csv vs max_peak_temperature_K",
                peak, s["max_peak_temperature_K"], 1e-9)
    # Below the limit: exit 0, limit_exceeded false.
    s = expect_success(d.run(PRM, ["Beam/Beam power=30e3"]))
    check(s["limit_exceeded"] is False, f"30 kW: limit_exceeded = {s['limit_exceeded']!r}")
    check_energy_balance(s, "30 kW")


@case()
def energy_balance_without_beam(d):
    """Beam power = 0: radiative cooling balances (relative to the heat
    radiated); with emissivity 0 nothing flows and the balance is null."""
    s = expect_success(d.run(PRM, ["Beam/Beam power=0"]))
    measured("no beam: energy_radiated_J, energy_stored_J",
             f"{s['energy_radiated_J']:.6e}, {s['energy_stored_J']:.6e}")
    check(s["energy_in_J"] == 0 and s["energy_radiated_J"] > 0,
          f"energy_in_J {s['energy_in_J']}, energy_radiated_J {s['energy_radiated_J']}")
    check(s["max_peak_temperature_K"] <= 1073.15 * (1 + 1e-12),
          f"the particle warmed without a beam: {s['max_peak_temperature_K']} K")
    check_energy_balance(s, "no beam, emissivity 0.3")
    s = expect_success(d.run(PRM, ["Beam/Beam power=0", "Particle/Emissivity=0"]))
    check(s["energy_balance"] is None,
          f"no beam, no radiation: energy_balance {s['energy_balance']!r}, expected null")


# --- MPI: the ranks agree


@case(processors=2)
def maximum_power_mpi(d):
    """Task = maximum power: np 2 gives np 1's stream_limit_W to 1e-12."""
    sets = ["Task=maximum power"]
    one = expect_success(d.run(PRM, sets))
    two = expect_success(d.run(PRM, sets, np=2))
    check(one["n_mpi_ranks"] == 1 and two["n_mpi_ranks"] == 2, "wrong n_mpi_ranks")
    for key in ("stream_limit_W", "hybrid_limit_W", "max_peak_temperature_K"):
        check_close(f"{key}: np 2 vs np 1", two[key], one[key], 1e-12)
    measured("stream_limit_W / lumped_stream_limit_W", one["stream_limit_over_lumped"])
    check_close("peak at the limit vs the W melting point", one["max_peak_temperature_K"],
                W_MELTING_POINT, 1e-6)
    check_energy_balance(one, "maximum power, np 1")


@case()
def anode_limit_from_anode_thermal_summary(d):
    """Anode/Limit = anode-thermal summary: the anode limit is the summary's
    max_permissible_absorbed_power_W over S_anode; a summary without it, or
    a missing file, is named (exit 2)."""
    absorbed = 33271.98
    scratch = d.scratch()
    good = os.path.join(scratch, "anode-summary.json")
    with open(good, "w") as f:
        json.dump({"max_permissible_absorbed_power_W": absorbed}, f)
    sets = ["Task=maximum power", "Anode/Limit=anode-thermal summary",
            f"Anode/Summary file={good}"]
    summary = expect_success(d.run(PRM, sets))
    check_close("anode absorbed limit from the summary",
                summary["anode_absorbed_limit_W"], absorbed, 1e-15)
    check_close("anode limit = absorbed / S_anode", summary["anode_limit_W"],
                absorbed / summary["anode_fraction"], 1e-12)
    hybrid = min(summary["anode_limit_W"], summary["stream_limit_W"])
    check_close("hybrid limit = the smaller", summary["hybrid_limit_W"], hybrid, 1e-15)
    measured("anode limit from a modelled anode (W)", summary["anode_limit_W"])
    bad = os.path.join(scratch, "steady-summary.json")
    with open(bad, "w") as f:
        json.dump({"peak_temperature_K": 2000.0}, f)
    expect_input_error(d.run(PRM, ["Anode/Limit=anode-thermal summary",
                                   f"Anode/Summary file={bad}"]),
                       "Anode/Summary file", "max_permissible_absorbed_power_W")
    expect_input_error(d.run(PRM, ["Anode/Limit=anode-thermal summary",
                                   "Anode/Summary file=/nonexistent/summary.json"]),
                       "Anode/Summary file", "/nonexistent/summary.json")


@case(processors=2)
def limit_curves_mpi(d):
    """Task = limit curves, 2 voltages x 2 speeds on 2 ranks: curves.csv with
    4 rows, status ok, each row's stream limit that of a maximum-power run."""
    voltages, speeds = (80e3, 132e3), (100.0, 200.0)
    run = d.run(PRM, ["Task=limit curves", f"Limit curves/Tube voltages={table(voltages)}",
                      f"Limit curves/Speeds={table(speeds)}"], np=2)
    s = expect_success(run)
    check(s["curve_points"] == 4 and s["failed_points"] == 0,
          f"curve_points {s['curve_points']}, failed_points {s['failed_points']}")
    header, curves = rows(run, "curves.csv")
    check(len(curves) == 4, f"curves.csv has {len(curves)} rows, expected 4")
    check(all(r["status"] == "ok" for r in curves),
          f"status column: {[r['status'] for r in curves]}")
    points = [(float(r["speed_m_per_s"]), float(r["tube_voltage_V"])) for r in curves]
    check(sorted(points) == sorted((v, U) for v in speeds for U in voltages),
          f"curves.csv points {points}")
    for r in curves:
        measured(f"{float(r['tube_voltage_V']) / 1e3:g} kV, {float(r['speed_m_per_s']):g} m/s",
                 f"stream_limit_W {r['stream_limit_W']}, energy_balance {r['energy_balance']}")
        check(abs(float(r["energy_balance"])) <= 1e-6, "curve point energy balance > 1e-6")
    # One point again as a maximum-power run: the same root search.
    U, v = 80e3, 200.0
    row = next(r for r in curves if float(r["tube_voltage_V"]) == U
               and float(r["speed_m_per_s"]) == v)
    single = expect_success(d.run(PRM, ["Task=maximum power", f"Beam/Tube voltage={U:g}",
                                        f"Stream/Speed={v:g}"]))
    # curves.csv holds 10 significant digits.
    check_close("curves.csv stream_limit_W vs maximum power at 80 kV, 200 m/s",
                float(row["stream_limit_W"]), single["stream_limit_W"], 1e-9)


@case()
def old_parameter_name(d):
    """Mesh/Degree, the old name of Mesh/Finite element degree, is still
    read, in a file and on the command line, with the new name's results."""
    run_case.check_old_names(d, PRM, [("Mesh", "Degree", "Finite element degree", "1")],
                             SOLVER_NAME)


@case(processors=2)
def old_parameter_name_mpi(d):
    """Mesh/Degree in a file run on 2 ranks: said once on the terminal (not
    once per rank) and once in log.txt."""
    run_case.check_old_name_said_once_under_mpi(
        d, PRM, [("Mesh", "Degree", "Finite element degree", "1")], SOLVER_NAME)


# ---------------------------------------------------------------------------


def main():
    return run_case.case_main(
        __doc__, CASES, "stream-thermal",
        lambda args: StreamThermalDriver(os.path.abspath(args.solver), args.mpiexec,
                                          args.keep))


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Plot the limit curves of stream-thermal (Task = limit curves): curves.csv.

    /usr/bin/python3 postprocess/plots/hybrid_limit_curves.py OUTPUT/curves.csv \\
        [--out FIGURE.png]

One panel per inlet temperature. Versus tube voltage: the stream limit
P_max,uP / S_uP (solid, one colour per speed) with the lumped closed form
(dotted), the anode limit P_max,anode / S_anode (dashed, black; the same for
every speed) and, on a second axis, the hybrid limit's gain over the
reference rotating anode (thin, with markers). The hybrid limit is the
lower of the stream and anode limits. Failed points are left out and listed.
(/usr/bin/python3: Debian's python3-matplotlib.)
"""
import argparse
import csv
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def read(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        sys.exit(f"hybrid_limit_curves: error: {path} has no rows")
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("csv")
    parser.add_argument("--out", help="figure (default: next to the CSV)")
    args = parser.parse_args()
    rows = read(args.csv)
    failed = [r for r in rows if r["status"] != "ok"]
    rows = [r for r in rows if r["status"] == "ok"]
    inlets = sorted({float(r["inlet_temperature_K"]) for r in rows})
    speeds = sorted({float(r["speed_m_per_s"]) for r in rows})
    fig, axes = plt.subplots(1, len(inlets), figsize=(6.5 * len(inlets), 6.0),
                             squeeze=False)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, T0 in zip(axes[0], inlets):
        gain_axis = ax.twinx()
        anode_drawn = False
        for colour, v in zip(colours, speeds):
            pts = sorted((r for r in rows
                          if float(r["inlet_temperature_K"]) == T0
                          and float(r["speed_m_per_s"]) == v),
                         key=lambda r: float(r["tube_voltage_V"]))
            U = [float(r["tube_voltage_V"]) / 1e3 for r in pts]
            kw = lambda key: [float(r[key]) / 1e3 for r in pts]  # noqa: E731
            ax.plot(U, kw("stream_limit_W"), color=colour,
                    label=f"stream, {v:g} m/s")
            ax.plot(U, kw("lumped_stream_limit_W"), color=colour, ls=":",
                    label=f"lumped closed form, {v:g} m/s")
            if not anode_drawn:
                ax.plot(U, kw("anode_limit_W"), color="black", ls="--",
                        label="anode below the stream")
                anode_drawn = True
            gain_axis.plot(U, [float(r["gain_over_reference"]) for r in pts],
                           color=colour, lw=0.8, marker="o", ms=3,
                           label=f"hybrid gain, {v:g} m/s")
        ax.set_yscale("log")
        ax.set_xlabel("tube voltage U (kV)")
        ax.set_ylabel("incident power limit (kW)")
        gain_axis.set_ylabel("gain of the hybrid limit over the reference")
        ax.set_title(f"inlet {T0 - 273.15:g} C")
        ax.grid(True, which="both", alpha=0.3)
        lines = ax.get_legend_handles_labels()
        gains = gain_axis.get_legend_handles_labels()
        ax.legend(lines[0] + gains[0], lines[1] + gains[1], fontsize=7,
                  loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3)
    fig.tight_layout()
    out = args.out or os.path.join(os.path.dirname(os.path.abspath(args.csv)),
                                   "hybrid_limit_curves.png")
    fig.savefig(out, dpi=130)
    print(f"wrote {out}")
    print("inlet_C,speed_m_per_s,best_grid_voltage_kV,best_grid_gain,"
          "lumped_crossing_kV,lumped_crossing_gain")
    for T0 in inlets:
        for v in speeds:
            pts = sorted((r for r in rows
                          if float(r["inlet_temperature_K"]) == T0
                          and float(r["speed_m_per_s"]) == v),
                         key=lambda r: float(r["tube_voltage_V"]))
            best = max(pts, key=lambda r: float(r["gain_over_reference"]))
            crossing = ""
            for a, b in zip(pts, pts[1:]):
                da = float(a["lumped_stream_limit_W"]) - float(a["anode_limit_W"])
                db = float(b["lumped_stream_limit_W"]) - float(b["anode_limit_W"])
                if da <= 0 < db:
                    t = da / (da - db)
                    U = ((1 - t) * float(a["tube_voltage_V"])
                         + t * float(b["tube_voltage_V"]))
                    A = ((1 - t) * float(a["anode_limit_W"])
                         + t * float(b["anode_limit_W"]))
                    ref = float(a["hybrid_limit_W"]) / float(a["gain_over_reference"])
                    crossing = f"{U / 1e3:.1f},{A / ref:.2f}"
            print(f"{T0 - 273.15:g},{v:g},"
                  f"{float(best['tube_voltage_V']) / 1e3:.1f},"
                  f"{float(best['gain_over_reference']):.2f},{crossing or ','}")
    for r in failed:
        print(f"left out (solver failure): U {r['tube_voltage_V']} V, "
              f"v {r['speed_m_per_s']} m/s, inlet {r['inlet_temperature_K']} K")


if __name__ == "__main__":
    main()

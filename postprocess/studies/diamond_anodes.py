#!/usr/bin/python3
"""Design study: Cu, Mo and Ag microfocus anodes, bulk and as thin layers on
diamond, by their maximum permissible power. Writes doc/diamond-anodes.md
(tables from the runs) and doc/figures/diamond-anodes-gain.png.

    /usr/bin/python3 postprocess/studies/diamond_anodes.py --build build [--jobs 2]

Every number in the page comes from anode-thermal runs made by this script
(axisymmetric, k(T), maximum-power task, default mesh): the page is
regenerated, never edited by hand. ~5 min on 2 cores.

Fixed: anode disk of radius 2 mm and 0.5 mm below the metal layer (bulk:
0.5 mm of metal), back face at 293.15 K, sides insulated, 50 kV, eta_E of
the metal (material estimate), limits: metal melting point, diamond 1800 K.
"""
import argparse
import concurrent.futures
import datetime
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
METALS = ["Cu", "Mo", "Ag"]
# Measured or typical metal/diamond boundary conductances (doc/theory.md
# section 1): Mo 220 MW/(m^2 K) (Monachon & Weber 2014); Cu 30-100 (poor
# adhesion), 50 here; Ag: no measurement at hand, taken like Cu.
CONDUCTANCE = {"Cu": 5e7, "Mo": 2.2e8, "Ag": 5e7}
DIAMONDS = ["diamond-natural", "diamond-cvd", "diamond-12c"]
FWHM_UM = [10, 20, 50, 100]
THICKNESS_UM = [1, 3, 5, 10]
SPREADER = 0.5e-3


def base_settings(fwhm_um, deposition):
    return ["Model=axisymmetric", "Task=maximum power", "Geometry/Shape=cylinder",
            "Geometry/Radius=2e-3", "Heat source/Incident power=20",
            f"Heat source/Spot HWHM={fwhm_um * 0.5e-6:g}",
            f"Heat source/Deposition={deposition}", "Heat source/Tube voltage=50e3",
            "Heat source/Energy backscatter fraction=material",
            "Cooling/Coolant temperature=293.15", "Cooling/Back face=fixed temperature",
            "Cooling/Side face=insulated"]


def bulk(metal, fwhm_um, deposition="depth-dose"):
    return base_settings(fwhm_um, deposition) + [
        "Geometry/Layer names=anode", f"Geometry/Layer materials={metal}",
        f"Geometry/Layer thicknesses={SPREADER:g}",
        "Geometry/Interface conductances=perfect"]


def layered(metal, thickness_um, diamond, fwhm_um, conductance, deposition="depth-dose"):
    return base_settings(fwhm_um, deposition) + [
        "Geometry/Layer names=metal, diamond",
        f"Geometry/Layer materials={metal}, {diamond}",
        f"Geometry/Layer thicknesses={thickness_um * 1e-6:g}, {SPREADER:g}",
        f"Geometry/Interface conductances={conductance}"]


def run(solver, settings):
    """summary.json of one run (a blank .prm: every setting on the command line)."""
    with tempfile.TemporaryDirectory() as directory:
        prm = os.path.join(directory, "case.prm")
        open(prm, "w").close()
        command = [solver, prm, "--set", f"Output directory={directory}/out"]
        for setting in settings:
            command += ["--set", setting]
        process = subprocess.run(command, capture_output=True, text=True)
        if process.returncode != 0:
            raise RuntimeError(f"{' '.join(command)}: exit {process.returncode}: "
                               f"{process.stderr.strip()}")
        with open(os.path.join(directory, "out", "summary.json")) as file:
            return json.load(file)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", default=os.path.join(REPO, "build"))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", default=os.path.join(REPO, "doc"))
    args = parser.parse_args()
    solver = os.path.join(args.build, "bin", "anode-thermal")

    cases = {}
    for metal in METALS:
        for fwhm in FWHM_UM:
            cases[("bulk", metal, fwhm, "depth-dose")] = bulk(metal, fwhm)
            cases[("bulk", metal, fwhm, "surface")] = bulk(metal, fwhm, "surface")
            for thickness in THICKNESS_UM:
                cases[("layer", metal, thickness, "diamond-cvd", fwhm, "measured",
                       "depth-dose")] = layered(metal, thickness, "diamond-cvd", fwhm,
                                                CONDUCTANCE[metal])
        for diamond in DIAMONDS:
            for contact in ("perfect", "measured"):
                for deposition in ("surface", "depth-dose"):
                    conductance = "perfect" if contact == "perfect" else CONDUCTANCE[metal]
                    cases[("layer", metal, 5, diamond, 20, contact, deposition)] = \
                        layered(metal, 5, diamond, 20, conductance, deposition)
    print(f"{len(cases)} runs with {args.jobs} jobs", flush=True)
    started = datetime.datetime.now()
    results = {}
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        futures = {pool.submit(run, solver, settings): key for key, settings in cases.items()}
        for future in concurrent.futures.as_completed(futures):
            results[futures[future]] = future.result()
    elapsed = (datetime.datetime.now() - started).total_seconds()
    print(f"done in {elapsed:.0f} s", flush=True)
    write_page(args, results)
    write_figure(args, results)
    return 0


def p_max(summary):
    return summary["max_permissible_power_W"]


def metal_share(summary):
    return summary.get("deposited_fraction_by_layer", {}).get("metal", 1.0)


def limit_name(summary, layered_case):
    name = summary["limiting_layer"]
    return ("diamond" if name == "diamond" else "metal") if layered_case else "metal"


def write_page(args, results):
    lines = []
    add = lines.append
    add("# Design study: Cu, Mo and Ag on diamond")
    add("")
    add("*Generated by `postprocess/studies/diamond_anodes.py` on "
        f"{datetime.date.today().isoformat()} ({len(results)} runs of anode-thermal); "
        "every number below is from those runs.*")
    add("")
    add("How much more power does a thin metal layer on diamond take than the "
        "bulk metal before it melts (or the diamond reaches 1800 K), and what "
        "does that mean for brightness? Fixed for every case: a disk of radius "
        "2 mm, 0.5 mm of CVD diamond (or of the bulk metal) below the heated "
        "layer, back face at 293.15 K, sides insulated, k(T) of every "
        "material, 50 kV electrons deposited in depth (Everhart-Hoff curve over "
        "the Kanaya-Okayama range, [theory](theory.md#electron-penetration-and-depth-dose)) "
        "unless a table says *surface*, energy backscatter of the metal (Cu 0.17, "
        "Mo 0.24, Ag 0.26). Interface conductance *measured*: Mo/diamond 220 "
        "MW/(m^2 K) (Monachon & Weber 2014), Cu/diamond 50 (30-100, poor "
        "adhesion), Ag/diamond taken as 50 (no measurement at hand). Spot sizes "
        "are FWHM of a round Gaussian. Axisymmetric model, default mesh (3 "
        "adaptive cycles), maximum-power task: the incident power at which the "
        "first layer reaches its limit.")
    add("")
    add("## 1. Bulk anodes")
    add("")
    add("Maximum permissible incident power (W), depth-dose heating; in brackets "
        "the surface-flux (Eq. (2)-type) value.")
    add("")
    add("| metal | " + " | ".join(f"{f} um" for f in FWHM_UM) + " |")
    add("|---|" + "---|" * len(FWHM_UM))
    for metal in METALS:
        cells = []
        for fwhm in FWHM_UM:
            deep = p_max(results[("bulk", metal, fwhm, "depth-dose")])
            flat = p_max(results[("bulk", metal, fwhm, "surface")])
            cells.append(f"{deep:.1f} ({flat:.1f})")
        add(f"| {metal} | " + " | ".join(cells) + " |")
    add("")
    add("Depth-dose heating raises the bulk limit most for the smallest spots, "
        "where the electron range (6-7 um at 50 kV) is comparable with the spot: "
        "the ratio depth-dose / surface is "
        + ", ".join(f"{p_max(results[('bulk', 'Cu', f, 'depth-dose')]) / p_max(results[('bulk', 'Cu', f, 'surface')]):.2f}"
                    for f in FWHM_UM)
        + " for Cu at " + ", ".join(f"{f}" for f in FWHM_UM) + " um.")
    add("")
    add("## 2. Gain of a layer on CVD diamond over the bulk metal")
    add("")
    add("Gain = P_max(layer on diamond) / P_max(bulk), the same spot, both heated "
        "in depth, measured interface conductance; at equal conversion efficiency "
        "and spot this is the brightness gain of Eq. (1). The letter says which "
        "layer limits: m = metal melts, d = diamond reaches 1800 K. In brackets: "
        "the share of the deposited energy that stays in the metal layer "
        "(`deposited_fraction_by_layer`); the rest heats the diamond without "
        "making the metal's characteristic radiation, so gain x share is a "
        "first-order estimate of the gain in the metal's line brightness.")
    add("")
    for metal in METALS:
        add(f"**{metal}** (h_b = {CONDUCTANCE[metal] / 1e6:.0f} MW/(m^2 K))")
        add("")
        add("| layer | " + " | ".join(f"{f} um" for f in FWHM_UM) + " |")
        add("|---|" + "---|" * len(FWHM_UM))
        for thickness in THICKNESS_UM:
            cells = []
            for fwhm in FWHM_UM:
                s = results[("layer", metal, thickness, "diamond-cvd", fwhm, "measured",
                             "depth-dose")]
                gain = p_max(s) / p_max(results[("bulk", metal, fwhm, "depth-dose")])
                share = metal_share(s)
                cells.append(f"{gain:.2f} {limit_name(s, True)[0]} ({share:.0%})")
            add(f"| {thickness} um | " + " | ".join(cells) + " |")
        add("")
    add("## 3. Diamond grade, interface and heating model (5 um layer, 20 um spot)")
    add("")
    add("Gain over the bulk metal heated the same way (surface or depth-dose).")
    add("")
    add("| metal | diamond | perfect contact, surface | perfect, depth-dose | "
        "measured h_b, surface | measured h_b, depth-dose |")
    add("|---|---|---|---|---|---|")
    for metal in METALS:
        for diamond in DIAMONDS:
            cells = []
            for contact in ("perfect", "measured"):
                for deposition in ("surface", "depth-dose"):
                    s = results[("layer", metal, 5, diamond, 20, contact, deposition)]
                    gain = p_max(s) / p_max(results[("bulk", metal, 20, deposition)])
                    cells.append(f"{gain:.2f} {limit_name(s, True)[0]}")
            add(f"| {metal} | {diamond} | " + " | ".join(cells) + " |")
    add("")
    add("![Gain of a 5 um layer on CVD diamond over the bulk metal]"
        "(figures/diamond-anodes-gain.png)")
    add("")
    add(DISCUSSION)
    with open(os.path.join(args.out, "diamond-anodes.md"), "w") as file:
        file.write("\n".join(lines) + "\n")
    with open(os.path.join(args.out, "figures", "diamond-anodes.json"), "w") as file:
        json.dump({" | ".join(map(str, key)): {k: s[k] for k in (
            "max_permissible_power_W", "limiting_layer", "peak_temperature_K", "n_dofs",
            "deposited_fraction_by_layer") if k in s}
            for key, s in sorted(results.items(), key=lambda item: str(item[0]))},
            file, indent=1)
    print(f"wrote {os.path.join(args.out, 'diamond-anodes.md')}")


def write_figure(args, results):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    figure, axes = plt.subplots(figsize=(6.4, 4.2))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for metal, marker, colour in zip(METALS, "osd", colours):
        layers = [results[("layer", metal, 5, "diamond-cvd", f, "measured", "depth-dose")]
                  for f in FWHM_UM]
        gains = [p_max(s) / p_max(results[("bulk", metal, f, "depth-dose")])
                 for s, f in zip(layers, FWHM_UM)]
        axes.plot(FWHM_UM, gains, marker=marker, color=colour,
                  label=f"5 um {metal} on CVD diamond")
        axes.plot(FWHM_UM, [g * metal_share(s) for g, s in zip(gains, layers)], ls="--",
                  marker=marker, color=colour, markerfacecolor="white",
                  label=f"  x share of energy in the {metal}")
    axes.axhline(1, color="grey", lw=0.8)
    axes.set_xscale("log")
    axes.set_xticks(FWHM_UM)
    axes.set_xticklabels([str(f) for f in FWHM_UM])
    axes.set_xlabel("spot FWHM (um)")
    axes.set_ylabel("P_max(layer on diamond) / P_max(bulk)")
    axes.set_title("Gain over the bulk metal (50 kV depth-dose, measured h_b)", fontsize=10)
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize=8)
    figure.tight_layout()
    path = os.path.join(args.out, "figures", "diamond-anodes-gain.png")
    figure.savefig(path, dpi=120)
    print(f"wrote {path}")


DISCUSSION = open(os.path.join(HERE, "diamond_anodes_discussion.md")).read() \
    if os.path.isfile(os.path.join(HERE, "diamond_anodes_discussion.md")) else ""


if __name__ == "__main__":
    sys.exit(main())

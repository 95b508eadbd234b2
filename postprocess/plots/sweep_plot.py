#!/usr/bin/python3
"""Plot a parameter sweep: OUTPUT/sweep.csv of `SOLVER FILE.prm --sweep ...`.

    /usr/bin/python3 postprocess/plots/sweep_plot.py OUTPUT/sweep.csv \\
        [--y COLUMN] [--out FIGURE.png] [--log-x] [--log-y]

The first swept parameter is the abscissa (numbers on a numeric axis, other
values such as material lists as categories), the second, if any, makes one
line per value. COLUMN defaults to max_permissible_power_W when the sweep
has it, else peak_temperature_K. Points over a temperature limit are drawn
with a red ring; points without a value (a solver failure) are left out
and listed. (/usr/bin/python3: Debian's python3-matplotlib.)
"""
import argparse
import csv
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

FIXED = ("point", "status")


def number(text):
    try:
        return float(text)
    except ValueError:
        return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("csv")
    parser.add_argument("--y", help="column to plot")
    parser.add_argument("--out", help="figure file (default: next to the CSV)")
    parser.add_argument("--log-x", action="store_true")
    parser.add_argument("--log-y", action="store_true")
    args = parser.parse_args()

    with open(args.csv, newline="") as file:
        reader = csv.DictReader(file)
        rows = list(reader)
        columns = reader.fieldnames or []
    if not rows:
        sys.exit(f"{args.csv}: no points")
    status_index = columns.index("status")
    swept = columns[1:status_index]
    results = columns[status_index + 1:]
    y_column = args.y or ("max_permissible_power_W"
                          if any(row.get("max_permissible_power_W") for row in rows)
                          else "peak_temperature_K")
    if y_column not in results:
        sys.exit(f"{args.csv}: no column {y_column!r} (have: {', '.join(results)})")

    skipped = [row for row in rows if not row[y_column]]
    good = [row for row in rows if row not in skipped]
    x_name = swept[0]
    numeric = all(number(row[x_name]) is not None for row in good)
    categories = list(dict.fromkeys(row[x_name] for row in good))
    series_name = swept[1] if len(swept) > 1 else None
    series = list(dict.fromkeys(row[series_name] for row in good)) if series_name else [None]

    figure, axes = plt.subplots(figsize=(6.4, 4.4))
    for value in series:
        points = [row for row in good if series_name is None or row[series_name] == value]
        xs = [number(row[x_name]) if numeric else categories.index(row[x_name])
              for row in points]
        ys = [float(row[y_column]) for row in points]
        order = sorted(range(len(xs)), key=xs.__getitem__)
        axes.plot([xs[i] for i in order], [ys[i] for i in order], marker="o",
                  label=f"{series_name.split('/')[-1]} = {value}" if series_name else None)
        over = [i for i, row in enumerate(points) if row["status"] == "limit exceeded"]
        axes.plot([xs[i] for i in over], [ys[i] for i in over], "o", ms=11,
                  markerfacecolor="none", markeredgecolor="red")
    if any(row["status"] == "limit exceeded" for row in good):
        axes.plot([], [], "o", ms=11, markerfacecolor="none", markeredgecolor="red",
                  label="over a temperature limit")
    if not numeric:
        axes.set_xticks(range(len(categories)))
        axes.set_xticklabels(categories, rotation=15, fontsize=8)
    if args.log_x and numeric:
        axes.set_xscale("log")
    if args.log_y:
        axes.set_yscale("log")
    axes.set_xlabel(x_name)
    axes.set_ylabel(y_column)
    axes.grid(True, alpha=0.3)
    if axes.get_legend_handles_labels()[0]:
        axes.legend(fontsize=8)
    figure.tight_layout()
    out = args.out or os.path.splitext(args.csv)[0] + f"-{y_column}.png"
    figure.savefig(out, dpi=120)
    print(f"wrote {out}")
    for row in skipped:
        print(f"left out point {row['point']}: status {row['status']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

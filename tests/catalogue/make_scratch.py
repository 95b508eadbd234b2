#!/usr/bin/env python3
"""Scratch inputs of the bad-input catalogue (tests/catalogue/cases.tsv).

Every malformed parameter file is made from params/bulk-cu.prm by one small
change, so that each case has exactly one thing wrong with it; the binary
garbage comes from a fixed seed, so every run tries the same bytes.

    python3 make_scratch.py SOURCE_DIR SCRATCH_DIR

The vtu-probe inputs (truncated or foreign .vtu files, collections with a
missing piece) are made from a good result by make_probe_inputs(), which
run_catalogue.py calls once that result exists.
"""
import os
import random
import shutil
import sys
from pathlib import Path

GARBAGE_SEED = 20261204


def base_lines(source):
    return (Path(source) / "params" / "bulk-cu.prm").read_text().splitlines(keepends=True)


def replace_line(lines, old, new):
    """lines with the first line that contains OLD replaced by NEW (one change)."""
    for i, line in enumerate(lines):
        if old in line:
            return lines[:i] + [new] + lines[i + 1:]
    raise ValueError(f"bulk-cu.prm has no line with {old!r}")


def parameter_files(source, scratch):
    """name -> bytes of every malformed .prm (and the JSON file)."""
    lines = base_lines(source)
    text = "".join(lines)
    last_end = max(i for i, l in enumerate(lines) if l.strip() == "end")
    radius = "  set Radius            = 2e-3\n"
    files = {
        "copy.prm": text,
        "missing-end.prm": "".join(lines[:last_end] + lines[last_end + 1:]),
        "extra-end.prm": text + "end\n",
        "no-equals.prm": "".join(replace_line(lines, "set Radius", "  set Radius 2e-3\n")),
        "sett-keyword.prm": "".join(replace_line(lines, "set Radius", "  sett Radius = 2e-3\n")),
        "unknown-subsection.prm": "".join(
            replace_line(lines, "subsection Geometry", "subsection Geometri\n")),
        "unknown-entry.prm": "".join(replace_line(lines, "set Radius", "  set Radiuss = 2e-3\n")),
        "duplicate-entry.prm": "".join(replace_line(lines, "set Radius", radius + radius)),
        "empty.prm": "",
        "bad-double.prm": "".join(replace_line(lines, "set Radius", "  set Radius = 2e-3abc\n")),
        "bad-selection.prm": "".join(replace_line(lines, "set Model", "set Model = 2d\n")),
        "crlf.prm": text.replace("\n", "\r\n"),
        "include-missing.prm": f"include {scratch}/no-such-include.prm\n" + text,
        "include-self.prm": f"include {scratch}/include-self.prm\n" + text,
        "long-line.prm": "".join(replace_line(
            lines, "set Layer names", "  set Layer names = " + "x" * 2_000_000 + "\n")),
        "garbage.json": '{"Geometry": {"Radius": ',
    }
    data = {name: body.encode() for name, body in files.items()}
    data["latin1-comment.prm"] = text.replace("# Bulk Cu anode", "# Bulk Cu anode caf\xe9", 1).encode("latin-1")
    data["latin1-value.prm"] = "".join(replace_line(
        lines, "set Layer names", "  set Layer names = an\xf6de\n")).encode("latin-1")
    data["bom.prm"] = b"\xef\xbb\xbf" + b"set Task = maximum power\n" + text.encode()
    data["garbage.prm"] = random.Random(GARBAGE_SEED).randbytes(4096)
    return data


def depth_dose_tables():
    """name -> text of the malformed Heat source/Depth-dose table files."""
    head = "# depth (m)  relative deposition\n"
    return {
        "table-good.txt": head + "0 1\n1e-6 0.8\n2e-6 0.3\n3e-6 0\n",
        "table-bad-line.txt": head + "0 1\n1e-6 0.8\n2e-6 abc\n3e-6 0\n",
        "table-empty.txt": head + "# nothing but comments\n",
        "table-negative.txt": head + "0 1\n1e-6 -0.8\n2e-6 0.3\n",
        "table-unsorted.txt": head + "0 1\n2e-6 0.8\n1e-6 0.3\n",
        "table-zero.txt": head + "0 0\n1e-6 0\n2e-6 0\n",
        "table-nan.txt": "0 1\n1e-6 nan\n2e-6 0.3\n",
    }


def make_scratch(source, scratch):
    scratch = Path(scratch).resolve()
    if scratch.exists():
        shutil.rmtree(scratch)
    scratch.mkdir(parents=True)
    for name, body in parameter_files(source, scratch).items():
        (scratch / name).write_bytes(body)
    for name, body in depth_dose_tables().items():
        (scratch / name).write_text(body)
    (scratch / "dir.prm").mkdir()
    os.mkfifo(scratch / "fifo.prm")
    unreadable = scratch / "unreadable.prm"
    shutil.copy(scratch / "copy.prm", unreadable)
    unreadable.chmod(0)
    return scratch


def make_probe_inputs(good, scratch):
    """Broken copies of GOOD (a finished anode-thermal result) for vtu-probe."""
    good, scratch = Path(good), Path(scratch)
    piece = (good / "solution_000.0.vtu").read_bytes()
    (scratch / "trunc.vtu").write_bytes(piece[:3000])
    (scratch / "half.vtu").write_bytes(piece[:len(piece) // 2])
    (scratch / "tail.vtu").write_bytes(piece[:-40])
    shutil.copy(scratch / "copy.prm", scratch / "fake.vtu")
    shutil.copy(scratch / "garbage.prm", scratch / "garbage.vtu")
    (scratch / "empty.vtu").write_bytes(b"")
    for name, files in (("missing-piece", ["solution_000.pvtu", "solution.pvd"]),
                        ("missing-pvtu", ["solution.pvd"])):
        (scratch / name).mkdir(exist_ok=True)
        for f in files:
            shutil.copy(good / f, scratch / name / f)
    (scratch / "stale-marker").mkdir(exist_ok=True)
    (scratch / "stale-marker" / "solution.pvd").write_text("STALE\n")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    print(make_scratch(sys.argv[1], sys.argv[2]))

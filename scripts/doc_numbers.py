#!/usr/bin/env python3
"""Numbers in the user documentation that come from running the solvers:
rewrite them from fresh runs, or check that the quoted ones still hold.

    python3 scripts/doc_numbers.py --check --jobs 2         # cheap cases; exit 1 on a mismatch
    python3 scripts/doc_numbers.py --regenerate             # rewrite the cheap blocks
    flock /tmp/xray-heavy.lock \\
      python3 scripts/doc_numbers.py --regenerate --heavy doc/tutorial-2-particle-stream.md
    python3 scripts/doc_numbers.py --list                   # blocks and their cases, nothing run
    python3 scripts/doc_numbers.py --lint                   # timings outside blocks; exit 1 if any

Options: --bin DIR (the solvers, default build/bin), --mpiexec (default
mpirun; as root Open MPI needs OMPI_ALLOW_RUN_AS_ROOT=1 and
OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1), --jobs N (cases run at once; keep 1
when regenerating timings), --work DIR (output of the runs, default a temporary directory),
--only NAME[,NAME...] (with --heavy: run only the heavy cases named, and
leave the blocks that need another heavy case alone: one heavy block of a
file whose other heavy blocks take too long),
--reuse (take the results of an earlier run of the same command from
--work, to rewrite a block after its template changed without running the
solver again), and the Markdown files to process (default: every file in
DOCUMENTS).

A Markdown file marks each run-produced passage as a block. The opening
HTML comment (invisible on the rendered page) names the runs and holds the
passage's template; the text up to the closing comment is what readers see:

    <!-- doc-numbers
    case bulk: anode-thermal params/bulk-cu.prm
    case line [heavy, np=2]: anode-thermal params/cu-on-diamond-line-focus.prm
    ---
    | bulk Cu | {bulk.max_permissible_power_W:.2f} W |
    -->
    | bulk Cu | 20.29 W |
    <!-- /doc-numbers -->

`case NAME [OPTIONS]: SOLVER ARGUMENTS` runs build/bin/SOLVER ARGUMENTS from
the repository root with the output directory set to one of its own; a case
is known to every block of its file below it and runs once. Options: np=N
(MPI ranks), heavy (minutes: --check skips the blocks that use it and
--regenerate runs it only with --heavy).

A placeholder `{EXPRESSION:FORMAT}` is a Python format spec applied to an
arithmetic expression of case results: `bulk.n_dofs` is a key of the case's
summary.json, `line.reference.max_permissible_power_W` a key of the
summary.json in its subdirectory reference/, `mono.particles_csv.charge_C`
a column of its particles.csv; `layers[1].max_temperature_K` indexes a
list. Arithmetic on lists (CSV columns, or [A, B, C]) works element by
element. Functions: min, max, abs, sum, len, median and count_positive of
a list; log and sqrt; slope(XS, YS), the least-squares slope;
interpolate(XS, YS, X), a profile read at X; least(KEYS, VALUES, N), the
values at the N least keys (N = 1: the one value); select(VALUES, KEYS,
KEY, ...), the values whose keys are KEY (one curve of a CSV file holding
several; more KEYS, KEY pairs narrow it down); crossing(XS, YS, Y[,
AFTER]), the first x (at or after AFTER) where YS reaches Y, linear
between the samples; logged(CASE, REGEX),
the numbers the expression's group 1 matches in the case's log.txt. `e`
formats drop the exponent's `+` and leading zeros (5.36e10). Each case
also has `process_wall_s` (the whole process, mpirun included, timed here)
and `load_average` (the 1-minute load when it started).

Timings are measurements of one machine at one moment, never checked: a
placeholder `{timing EXPRESSION:FORMAT}` is rewritten by --regenerate and
ignored by --check, and `{date}` and `{machine}` say when and where the
block's runs were made, so that the page states it.

--check renders every block whose cases are all cheap from fresh runs and
compares each quoted number with the fresh value within half a unit of its
last printed digit (the rounding it is printed with); the text between the
numbers must equal the template. ctest runs it (test doc.numbers).
"""
import argparse
import ast
import concurrent.futures
import csv
import datetime
import glob
import json
import math
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCUMENTS = ("README.md",
             "doc/tutorial-1-diamond-anode.md",
             "doc/tutorial-2-particle-stream.md",
             "doc/tutorial-3-microfocus-vs-rotating.md",
             "doc/tutorial-4-hybrid-target-limit.md",
             "doc/anode-thermal.md",
             "doc/stream-potential.md",
             "doc/stream-thermal.md",
             "doc/diamond-anodes.md",
             "doc/outputs.md",
             "benchmarks/README.md")

# The documents --lint reads: every user document but the generated ones
# and the log of dated measurements of earlier code.
NOT_LINTED = ("doc/validation.md", "doc/parameters.md", "doc/measurement-log.md")

BLOCK = re.compile(r"<!-- doc-numbers\n(?P<head>(?:case [^\n]*\n)*)---\n(?P<template>.*?)-->\n"
                   r"(?P<text>.*?)<!-- /doc-numbers -->", re.S)
CASE = re.compile(r"case (?P<name>\w+)\s*(?:\[(?P<options>[^\]]*)\])?\s*:\s*(?P<command>.+)")
PLACEHOLDER = re.compile(r"\{(?P<body>[^{}]+)\}")
# A number as the formats above print it: sign, digits with optional
# thousands commas, decimals, exponent.
NUMBER = r"[-+]?[0-9][0-9,]*(?:\.[0-9]+)?(?:e[-+]?[0-9]+)?"


class DocError(Exception):
    pass


# ---------------------------------------------------------------------------
# Runs

class Case:
    """One solver run: its command line and, once run, its output directory."""

    def __init__(self, name, options, command, origin):
        self.name = name
        self.command = shlex.split(command)
        self.origin = origin
        self.np = 1
        self.heavy = False
        for option in filter(None, (o.strip() for o in (options or "").split(","))):
            if option == "heavy":
                self.heavy = True
            elif option.startswith("np="):
                self.np = int(option[3:])
            else:
                raise DocError(f"{origin}: unknown case option '{option}'")
        self.directory = None
        self.process_wall_s = None
        self.load_average = None

    def run(self, args, work, done):
        """Run the solver once; a case of another block or file with the same
        command line (done: command -> case) reuses that run. A failed run
        is an error, not a mismatch."""
        if self.directory is not None:
            return
        key = (self.np, tuple(self.command))
        if key in done:
            earlier = done[key]
            self.directory = earlier.directory
            self.process_wall_s = earlier.process_wall_s
            self.load_average = earlier.load_average
            return
        done[key] = self
        self.directory = os.path.join(work, self.name)
        record = os.path.join(self.directory, "doc-numbers-run.json")
        if args.reuse and os.path.exists(record):
            with open(record) as f:
                kept = json.load(f)
            if kept["command"] == self.command and kept["np"] == self.np:
                self.process_wall_s = kept["process_wall_s"]
                self.load_average = kept["load_average"]
                print(f"  reused {self.name} ({self.directory})", flush=True)
                return
        executable = os.path.join(os.path.abspath(args.bin), self.command[0])
        command = [executable] + self.command[1:] + [
            "--set", f"Output directory={self.directory}"]
        if self.np > 1:
            command = [args.mpiexec, "-np", str(self.np)] + command
        self.load_average = os.getloadavg()[0]
        start = time.perf_counter()
        result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True,
                                text=True)
        self.process_wall_s = time.perf_counter() - start
        if result.returncode != 0:
            raise DocError(f"{self.origin}: case {self.name} failed (exit "
                           f"{result.returncode}): {' '.join(command)}\n"
                           f"{result.stderr.strip()[-2000:]}")
        with open(record, "w") as f:
            json.dump({"command": self.command, "np": self.np,
                       "process_wall_s": self.process_wall_s,
                       "load_average": self.load_average}, f)
        print(f"  ran {self.name} ({self.process_wall_s:.1f} s)", flush=True)


class Results:
    """What a placeholder may read from a run's output directory: the keys of
    summary.json, a subdirectory's summary.json, or a CSV file's columns."""

    def __init__(self, directory, case=None):
        self.directory = directory
        self.case = case
        path = os.path.join(directory, "summary.json")
        self.summary = {}
        if os.path.exists(path):
            with open(path) as f:
                self.summary = json.load(f)

    def get(self, key):
        if self.case is not None and key in ("process_wall_s", "load_average"):
            return getattr(self.case, key)
        if key in self.summary:
            return wrap(self.summary[key])
        if key.endswith("_csv"):
            return csv_columns(os.path.join(self.directory, key[:-4] + ".csv"))
        subdirectory = os.path.join(self.directory, key)
        if os.path.isdir(subdirectory):
            return Results(subdirectory)
        raise DocError(f"no '{key}' in {self.directory} (summary.json, "
                       f"{key[:-4] if key.endswith('_csv') else key} file or directory)")


class Table(dict):
    """A JSON object whose members a placeholder reads as attributes."""

    def get(self, key):
        if key not in self:
            raise DocError(f"no key '{key}' (have: {', '.join(sorted(self))})")
        return wrap(self[key])


def wrap(value):
    return Table(value) if isinstance(value, dict) else value


def csv_columns(path):
    """The numeric columns of a CSV file, by header name."""
    if not os.path.exists(path):
        raise DocError(f"no file {path}")
    with open(path) as f:
        rows = list(csv.DictReader(f))
    columns = Table()
    for name in rows[0] if rows else []:
        try:
            columns[name] = [float(row[name]) for row in rows]
        except ValueError:
            columns[name] = [row[name] for row in rows]
    return columns


# ---------------------------------------------------------------------------
# Placeholders: a small arithmetic language over the results (no Python
# eval, so that a document cannot run code).

def logged(results, pattern):
    """Every number a regular expression's group 1 finds in a run's log.txt,
    for figures the log prints but summary.json does not keep (the residual
    of each iteration)."""
    with open(os.path.join(results.directory, "log.txt")) as f:
        return [float(m) for m in re.findall(pattern, f.read())]


def interpolate(xs, ys, x):
    """ys at x, linear between the samples (a profile.csv column at a
    height)."""
    points = sorted(zip(xs, ys))
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        if x0 <= x <= x1:
            return y0 if x1 == x0 else y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    raise DocError(f"{x} outside the samples {points[0][0]} to {points[-1][0]}")


def least(keys, values, n=1):
    """The values at the n least keys: the charges of the 35 lowest
    particles (the lowest layer), say, or with n = 1 the one value at the
    least key (the particle nearest the axis)."""
    chosen = [value for _, value in sorted(zip(keys, values))[:n]]
    return chosen[0] if n == 1 else chosen


def select(values, *conditions):
    """The values whose keys equal the given ones, conditions being pairs
    KEYS, KEY: one curve of a CSV file that holds several (the rows of
    curves.csv at one inlet temperature and one speed)."""
    pairs = list(zip(conditions[::2], conditions[1::2]))
    if not pairs or 2 * len(pairs) != len(conditions):
        raise DocError("select(VALUES, KEYS, KEY[, KEYS, KEY ...]) needs key pairs")
    chosen = [value for row, value in enumerate(values)
              if all(keys[row] == key for keys, key in pairs)]
    if not chosen:
        raise DocError(f"select: no row has the keys {[key for _, key in pairs]}")
    return chosen


def crossing(xs, ys, y, after=-math.inf):
    """The first x at or after `after` where the samples ys reach y, linear
    between them: the time a history takes to reach a level after a pulse's
    edge, or the voltage where two limit curves cross (ys their difference,
    y = 0)."""
    points = sorted((x0, y0) for x0, y0 in zip(xs, ys) if x0 >= after)
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        if min(y0, y1) <= y <= max(y0, y1) and y0 != y1:
            return x0 + (y - y0) * (x1 - x0) / (y1 - y0)
    raise DocError(f"the samples never reach {y} after {after}")


def count_positive(values):
    return sum(1 for v in values if v > 0)


def slope(xs, ys):
    """Least-squares slope of ys against xs (an exponent, on logarithms)."""
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return (sum((x - mx) * (y - my) for x, y in zip(xs, ys))
            / sum((x - mx) ** 2 for x in xs))


FUNCTIONS = {"min": min, "max": max, "abs": abs, "sum": sum, "len": len,
             "median": statistics.median, "logged": logged,
             "interpolate": interpolate, "least": least,
             "count_positive": count_positive, "slope": slope,
             "select": select, "crossing": crossing,
             "log": math.log, "sqrt": math.sqrt}
ARITHMETIC = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
              ast.Mult: lambda a, b: a * b, ast.Div: lambda a, b: a / b,
              ast.Pow: lambda a, b: a ** b}


def arithmetic(operator, a, b):
    """a operator b; on lists (CSV columns) element by element, a number
    applying to every element."""
    if isinstance(a, list) or isinstance(b, list):
        a = a if isinstance(a, list) else [a] * len(b)
        b = b if isinstance(b, list) else [b] * len(a)
        return [ARITHMETIC[operator](x, y) for x, y in zip(a, b)]
    return ARITHMETIC[operator](a, b)


def evaluate(node, cases):
    if isinstance(node, ast.Expression):
        return evaluate(node.body, cases)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str)):
        return node.value
    if isinstance(node, ast.List):
        return [evaluate(element, cases) for element in node.elts]
    if isinstance(node, ast.Name):
        if node.id not in cases:
            raise DocError(f"unknown case '{node.id}'")
        return Results(cases[node.id].directory, cases[node.id])
    if isinstance(node, ast.Attribute):
        return evaluate(node.value, cases).get(node.attr)
    if isinstance(node, ast.Subscript):
        container = evaluate(node.value, cases)
        index = evaluate(node.slice, cases)
        return container.get(index) if isinstance(container, Table) else container[index]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return arithmetic(ast.Mult, -1, evaluate(node.operand, cases))
    if isinstance(node, ast.BinOp) and type(node.op) in ARITHMETIC:
        return arithmetic(type(node.op), evaluate(node.left, cases),
                          evaluate(node.right, cases))
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id in FUNCTIONS and not node.keywords):
        return FUNCTIONS[node.func.id](*(evaluate(a, cases) for a in node.args))
    raise DocError(f"cannot evaluate '{ast.unparse(node)}'")


def split_placeholder(body):
    """'timing a.b / 60:.1f' -> ('a.b / 60', '.1f', True)."""
    timing = body.startswith("timing ")
    if timing:
        body = body[len("timing "):]
    expression, _, spec = body.rpartition(":") if ":" in body else (body, "", "")
    return expression.strip(), spec, timing


def format_number(value, spec):
    text = format(value, spec)
    # 5.36e+10 -> 5.36e10, 1.5e-08 -> 1.5e-8: the documents' style.
    return re.sub(r"e([-+])0*(\d)", lambda m: "e" + ("-" if m[1] == "-" else "") + m[2], text)


def machine():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            model = next(line.split(":", 1)[1].strip() for line in f
                         if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{os.cpu_count()} cores, {model}, {platform.node()}"


def render(template, cases):
    """The block's text as a list of segments: literal strings and
    (value, printed text, kind) for every placeholder, kind one of
    'number', 'word' (a string such as a layer name) or 'timing'."""
    segments = []
    position = 0
    for match in PLACEHOLDER.finditer(template):
        segments.append(template[position:match.start()])
        body = match["body"].strip()
        if body == "date":
            segments.append((None, datetime.date.today().isoformat(), "timing"))
        elif body == "machine":
            segments.append((None, machine(), "timing"))
        else:
            expression, spec, timing = split_placeholder(body)
            try:
                value = evaluate(ast.parse(expression, mode="eval"), cases)
            except (IndexError, KeyError, TypeError, ValueError,
                    ZeroDivisionError, OSError) as error:
                raise DocError(f"cannot evaluate '{expression}': {error!r}")
            number = isinstance(value, (int, float)) and not isinstance(value, bool)
            kind = "timing" if timing else "number" if number else "word"
            segments.append((value, format_number(value, spec) if spec else str(value),
                             kind))
        position = match.end()
    segments.append(template[position:])
    return segments


# ---------------------------------------------------------------------------
# Comparison within the printed rounding

def half_unit(quoted):
    """Half a unit of the last printed digit of a quoted number."""
    mantissa, _, exponent = quoted.replace(",", "").lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return 0.5 * 10.0 ** (int(exponent or 0) - decimals)


def agrees(quoted, value):
    """True when value rounds to quoted (with a relative slack of 1e-12 for
    the binary representation of the quoted decimal)."""
    number = float(quoted.replace(",", ""))
    return abs(value - number) <= half_unit(quoted) * (1 + 1e-9) + 1e-12 * abs(number)


def compare(segments, text):
    """Mismatches between a block's current text and its fresh rendering."""
    pattern = "".join(re.escape(s) if isinstance(s, str)
                      else f"({NUMBER}|.+?)" if s[2] == "number" else r"(.+?)"
                      for s in segments)
    match = re.fullmatch(pattern, text, re.S)
    if match is None:
        return ["the text does not follow its template (rewrite it with --regenerate)"]
    mismatches = []
    placeholders = [s for s in segments if not isinstance(s, str)]
    for (value, fresh, kind), quoted in zip(placeholders, match.groups()):
        if kind == "timing":
            continue
        if kind == "word" and quoted != fresh:
            mismatches.append(f"quoted '{quoted}', now '{fresh}'")
        elif kind == "number" and (not re.fullmatch(NUMBER, quoted)
                                   or not agrees(quoted, value)):
            mismatches.append(f"quoted {quoted}, now {fresh} ({value!r})")
    return mismatches


# ---------------------------------------------------------------------------
# Documents

def blocks(path):
    """The doc-numbers blocks of a file, each with the cases it may use."""
    with open(path) as f:
        content = f.read()
    cases = {}
    found = []
    for match in BLOCK.finditer(content):
        line = content.count("\n", 0, match.start()) + 1
        origin = f"{os.path.relpath(path, REPO_ROOT)}:{line}"
        for entry in match["head"].splitlines():
            entry = entry.strip()
            if not entry:
                continue
            parsed = CASE.fullmatch(entry)
            if parsed is None:
                raise DocError(f"{origin}: cannot read '{entry}'")
            cases[parsed["name"]] = Case(parsed["name"], parsed["options"],
                                         parsed["command"], origin)
        used = {node.id for body in PLACEHOLDER.findall(match["template"])
                if body.strip() not in ("date", "machine")
                for node in ast.walk(ast.parse(split_placeholder(body.strip())[0],
                                               mode="eval"))
                if isinstance(node, ast.Name) and node.id not in FUNCTIONS}
        unknown = used - set(cases)
        if unknown:
            raise DocError(f"{origin}: unknown case(s) {', '.join(sorted(unknown))}")
        found.append((match, origin, {name: case for name, case in cases.items() if name in used}))
    return content, found


def skipped(cases, args):
    """Whether a block is left alone: --list, heavy cases without --heavy, or
    heavy cases that --only does not name."""
    heavy = {c.name for c in cases.values() if c.heavy}
    return args.list or (heavy and not args.heavy) or bool(
        heavy and args.only and not heavy <= set(args.only.split(",")))


def run_all(files, args, work, done):
    """Run every case the blocks to process need, --jobs at a time (each
    command once), before any block is rendered."""
    pending = {}
    for path in files:
        for _, _, cases in blocks(path)[1]:
            if not skipped(cases, args):
                for case in cases.values():
                    pending.setdefault((case.np, tuple(case.command)),
                                       (case, os.path.join(work, os.path.basename(path)[:-3])))
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for future in [pool.submit(case.run, args, directory, done)
                       for case, directory in pending.values()]:
            future.result()


def process(path, args, work, done):
    """Check or rewrite one file; returns the list of mismatches."""
    content, found = blocks(path)
    mismatches = []
    pieces = []
    position = 0
    for match, origin, cases in found:
        heavy = sorted(c.name for c in cases.values() if c.heavy)
        if skipped(cases, args):
            why = f"heavy: {', '.join(heavy)}" if heavy else "listed"
            print(f"{origin}: skipped ({why}); cases "
                  + "; ".join(f"{c.name} = {' '.join(c.command)}" for c in cases.values()))
            continue
        for case in cases.values():
            case.run(args, os.path.join(work, os.path.basename(path)[:-3]), done)
        try:
            segments = render(match["template"], cases)
        except DocError as error:
            raise DocError(f"{origin}: {error}") from None
        if args.check:
            mismatches += [f"{origin}: {m}" for m in compare(segments, match["text"])]
        else:
            pieces += [content[position:match.start("text")],
                       "".join(s if isinstance(s, str) else s[1] for s in segments)]
            position = match.end("text")
    if args.regenerate and pieces:
        with open(path, "w") as f:
            f.write("".join(pieces) + content[position:])
    return mismatches


# ---------------------------------------------------------------------------
# Lint: timings outside the blocks

# A duration: a plain number (not e-notation, not after "~") and a time unit.
DURATION = re.compile(r"(?<![~\w.,+-])(?<!~ )[0-9][0-9,]*(?:\.[0-9]+)?"
                      r"(?:\s*(?:-|to|and|/)\s*[0-9][0-9,]*(?:\.[0-9]+)?)?"
                      r"\s?(?:s|ms|min)\b(?![-.]?[0-9])")
# Words of a sentence that reports how long something ran.
RUNNING = re.compile(r"\b(?:took|takes?|taking|wall|end to end|median|measured|"
                     r"timed|timings?|run ?time|runs? in|ran|seconds|faster|"
                     r"slower|speed|cost|costs|saves?|saved|solves? took|"
                     r"back to back|alternating|benchmark|runs?)\b", re.I)
# A duration that is a goal, not a measurement ("target under 90 s").
TARGET = re.compile(r"\btarget(?: under| of)?\s*$")
SENTENCE_END = re.compile(r"(?<=[.;:!?])\s+(?=[A-Z(*`|])|\n\s*\n|\n\s*[*#]")


def linted_documents():
    names = ["README.md", "benchmarks/README.md"] + sorted(
        os.path.relpath(p, REPO_ROOT) for p in glob.glob(os.path.join(REPO_ROOT, "doc", "*.md")))
    return [os.path.join(REPO_ROOT, n) for n in names if n not in NOT_LINTED]


def prose_units(prose):
    """(start, end) of the units a timing is judged in: the sentences of the
    prose, and each table as a whole with the paragraph that introduces it
    (its words say what the columns measured)."""
    units = []
    tables = list(re.finditer(r"(?m)(?:^ *\|.*\n?)+", prose))
    position = 0
    for table in tables + [None]:
        end = table.start() if table else len(prose)
        start = position
        for stop in [m.start() for m in SENTENCE_END.finditer(prose, position, end)] + [end]:
            if stop > start:
                units.append((start, stop))
            start = stop
        if table:
            introduction = prose.rfind("\n\n", 0, max(table.start() - 2, 0)) + 1
            units.append((max(introduction, position), table.end()))
            position = table.end()
    return units


def lint(path):
    """The timings a document states outside its doc-numbers blocks and code
    blocks, as 'file:line: text' strings."""
    with open(path) as f:
        content = f.read()
    lines = content.splitlines()
    blank = lambda m: re.sub(r"[^\n]", " ", m.group(0))
    prose = BLOCK.sub(blank, content)
    prose = re.sub(r"(?ms)^ *```.*?^ *```", blank, prose)
    prose = re.sub(r"(?m)^(?:    |\t)(?![ \t]*[*|]).*$", blank, prose)  # indented code
    prose = re.sub(r"`[^`\n]*`", blank, prose)                           # inline code
    found = {}
    for start, end in prose_units(prose):
        if RUNNING.search(prose, start, end):
            for duration in DURATION.finditer(prose, start, end):
                if TARGET.search(prose, max(start, duration.start() - 20), duration.start()):
                    continue
                line = prose.count("\n", 0, duration.start()) + 1
                found[(line, duration.start())] = (
                    f"{os.path.relpath(path, REPO_ROOT)}:{line}: "
                    f"'{' '.join(duration.group(0).split())}' outside a doc-numbers "
                    f"block: {lines[line - 1].strip()}")
    return [found[key] for key in sorted(found)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true")
    mode.add_argument("--regenerate", action="store_true")
    mode.add_argument("--list", action="store_true")
    mode.add_argument("--lint", action="store_true",
                      help="name the timings stated outside doc-numbers blocks")
    parser.add_argument("--heavy", action="store_true",
                        help="also run the cases marked heavy (minutes each)")
    parser.add_argument("--bin", default=os.path.join(REPO_ROOT, "build", "bin"))
    parser.add_argument("--mpiexec", default="mpirun")
    parser.add_argument("--work", help="output directory of the runs")
    parser.add_argument("--only", help="with --heavy: the heavy cases to run "
                        "(comma-separated names); blocks needing others are skipped")
    parser.add_argument("--reuse", action="store_true",
                        help="take a case's results from an earlier run in "
                        "--work with the same command instead of running it")
    parser.add_argument("--jobs", type=int, default=1,
                        help="cases run at the same time (keep 1 when the "
                        "blocks hold timings)")
    parser.add_argument("files", nargs="*")
    args = parser.parse_args()

    if args.lint:
        files = [os.path.abspath(f) for f in args.files] or linted_documents()
        findings = [finding for path in files for finding in lint(path)]
        for finding in findings:
            print(finding)
        print(f"doc_numbers: {len(findings)} timing(s) outside doc-numbers blocks")
        return 1 if findings else 0

    files = [os.path.abspath(f) for f in args.files] or [
        os.path.join(REPO_ROOT, f) for f in DOCUMENTS]
    work = args.work or tempfile.mkdtemp(prefix="doc-numbers-")
    mismatches = []
    done = {}
    try:
        run_all(files, args, work, done)
        for path in files:
            mismatches += process(path, args, work, done)
    except DocError as error:
        sys.exit(f"doc_numbers: error: {error}")
    for mismatch in mismatches:
        print(f"MISMATCH {mismatch}")
    if args.check:
        print(f"doc_numbers: {len(mismatches)} mismatch(es)")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())

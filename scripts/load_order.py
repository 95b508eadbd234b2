#!/usr/bin/env python3
"""The order in which the solvers name their shared libraries, for a
shorter start-up (doc/install.md, "Start-up").

A solver loads about 200 shared libraries through Debian's deal.II
(Trilinos, PETSc, OpenCASCADE, gmsh, VTK, ...), and before main() the
dynamic loader resolves some 320,000 symbol references. Each reference is
looked up through the libraries in load order until one defines the symbol,
so a symbol defined by a library loaded late costs a look at every library
before it; that walk is most of the start-up time. Naming the libraries that
define the most-looked-up symbols first on the link line (cmake/load-order.txt,
read by the top-level CMakeLists.txt) moves them to the front.

Where two libraries define the same global symbol (not a weak or unique C++
symbol, whose copies are one definition), their order decides which one the
loader binds: such pairs keep their order, so every symbol resolves to the
same definition as before.

    python3 scripts/load_order.py generate build/bin/anode-thermal-unordered > cmake/load-order.txt
    python3 scripts/load_order.py check build/bin/anode-thermal-unordered build/bin/anode-thermal [...]

The `-unordered` solvers are the same programs linked without the order
(built with the tests). `generate` counts the lookups of a start-up
(LD_DEBUG=bindings of `--help`) per defining library and lists every library,
the most looked-up first as far as those pairs allow. `check` compares the start-ups of each
pair and fails if any reference to a global symbol two libraries define
binds to another library (the ctest build.load_order).
"""

import argparse
import collections
import functools
import heapq
import os
import re
import subprocess
import sys
import tempfile

# Symbols the static linker puts into every library's table (the ends of
# its sections); no library refers to another's.
LINKER_DEFINED = {"__bss_start", "_edata", "_end"}
BINDING = re.compile(r"binding file (\S+) \[0\] to (\S+) \[0\]: normal symbol `([^']+)'")


def loader_trace(executable, what):
    """The dynamic loader's LD_DEBUG=WHAT output of `EXECUTABLE --help`."""
    with tempfile.TemporaryDirectory() as work:
        env = dict(os.environ, LD_DEBUG=what, LD_DEBUG_OUTPUT=os.path.join(work, "trace"))
        subprocess.run([executable, "--help"], env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=True)
        text = ""
        for name in sorted(os.listdir(work)):   # one file per process
            with open(os.path.join(work, name), errors="replace") as file:
                text += file.read()
        return text


def scope(executable):
    """The executable's libraries in load order (the loader's global scope)."""
    for line in loader_trace(executable, "scopes").splitlines():
        if "scope 0:" in line:
            return [p for p in line.split("scope 0:")[1].split()
                    if "linux-vdso" not in p and "ld-linux" not in p][1:]
    raise RuntimeError(f"no load scope in LD_DEBUG=scopes of {executable}")


def bindings(executable):
    """(user, definer, symbol) of every symbol reference resolved at start-up."""
    return BINDING.findall(loader_trace(executable, "bindings"))


def needed(binary):
    """The file names BINARY names as its shared libraries, in order."""
    out = subprocess.run(["readelf", "-dW", binary], capture_output=True, text=True,
                         check=True).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


def strong_definitions(libraries):
    """{symbol: [libraries]} for the global symbols that more than one of
    LIBRARIES defines (not weak or unique symbols, whose copies are one
    definition to the loader)."""
    definers = collections.defaultdict(list)
    for library in libraries:
        for symbol in global_symbols(library):
            definers[symbol].append(library)
    return {s: d for s, d in definers.items() if len(set(d)) > 1}


@functools.lru_cache(maxsize=None)
def global_symbols(library):
    """The global (not weak, not unique) symbols LIBRARY defines."""
    out = subprocess.run(["readelf", "-W", "--dyn-syms", library],
                         capture_output=True, text=True, check=True).stdout
    symbols = set()
    for line in out.splitlines():
        field = line.split()
        if (len(field) >= 8 and field[6] != "UND" and field[4] == "GLOBAL"
                and field[7] not in LINKER_DEFINED):
            symbols.add(field[7].split("@")[0])
    return frozenset(symbols)


def generate(reference):
    """The load order for the libraries of REFERENCE, a solver linked
    without one: every library, the most looked-up first, except that two
    libraries defining the same global symbol keep REFERENCE's order
    (a topological sort, Kahn's, taking the most looked-up library free to
    go). Every library is named, so the loader's breadth-first walk through
    their dependencies cannot reorder them."""
    libraries = scope(reference)
    lookups = collections.Counter(definer for _, definer, _ in bindings(reference))
    index = {p: i for i, p in enumerate(libraries)}
    follows = collections.defaultdict(set)   # i -> libraries that must come after i
    waiting = collections.Counter()           # j -> libraries j must come after
    for definers in strong_definitions(libraries).values():
        ranked = sorted({index[d] for d in definers})
        for i, j in zip(ranked, ranked[1:]):
            if j not in follows[i]:
                follows[i].add(j)
                waiting[j] += 1
    free = [(-lookups[p], index[p]) for p in libraries if waiting[index[p]] == 0]
    heapq.heapify(free)
    ordered = []
    while free:
        _, i = heapq.heappop(free)
        ordered.append(libraries[i])
        for j in follows[i]:
            waiting[j] -= 1
            if waiting[j] == 0:
                heapq.heappush(free, (-lookups[libraries[j]], j))
    assert len(ordered) == len(libraries)
    total = sum(lookups.values())
    def walk(sequence):
        """Libraries looked at per lookup, on average."""
        position = {p: k + 1 for k, p in enumerate(sequence)}
        return sum(c * position[p] for p, c in lookups.items() if p in position) / total
    print("# The shared libraries of this solver in the order it names them on")
    print("# the link line (scripts/load_order.py; doc/install.md, \"Start-up\").")
    print(f"# Generated from {os.path.basename(reference)}, linked without an order:")
    print(f"# {total} symbol lookups at start-up in {len(libraries)} libraries; libraries")
    print(f"# looked at per lookup {walk(libraries):.1f} in its load order, "
          f"{walk(ordered):.1f} in this one.")
    for library in ordered:
        print(os.path.basename(library))


def check(reference, executable):
    """References to a global symbol that two libraries define which bind
    to another library in EXECUTABLE than in REFERENCE (the same solver
    linked without the order): (number compared, mismatches)."""
    def binds(binary):
        own = os.path.basename(binary)
        name = lambda path: "(solver)" if os.path.basename(path) == own else os.path.basename(path)
        return {(name(user), symbol): name(definer)
                for user, definer, symbol in bindings(binary)}
    strong = strong_definitions(scope(reference))
    before, after = binds(reference), binds(executable)
    compared, mismatches = 0, []
    for key, definer in before.items():
        if key[1] not in strong:
            continue
        compared += 1
        if after.get(key) != definer:
            mismatches.append(f"{key[1]} of {key[0]}: {after.get(key)} instead of {definer}")
    return compared, mismatches


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("generate").add_argument("reference",
                                            help="a solver linked without the order")
    checking = sub.add_parser("check")
    checking.add_argument("pairs", nargs="+", metavar="REFERENCE EXECUTABLE",
                          help="each solver after itself linked without the order")
    args = parser.parse_args()
    if args.command == "generate":
        generate(args.reference)
        return 0
    if len(args.pairs) % 2:
        parser.error("check takes pairs: REFERENCE EXECUTABLE ...")
    failed = False
    for reference, executable in zip(args.pairs[::2], args.pairs[1::2]):
        compared, mismatches = check(reference, executable)
        print(f"{os.path.basename(executable)}: {len(needed(executable))} libraries named; "
              f"of {compared} references to global symbols two libraries define, "
              f"{len(mismatches)} bind elsewhere than without the order")
        for line in mismatches[:20]:
            print("   ", line)
        failed |= bool(mismatches) or compared == 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

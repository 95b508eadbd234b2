#!/usr/bin/env python3
"""Run the bad-input catalogue (cases.tsv) and check the suite's error rules.

The rules (doc/install.md "When something goes wrong", doc/outputs.md):
bad input exits 2 with exactly one line on stderr naming the entry or file
at fault; valid input a solver cannot handle exits 3 (or 4: a limit is
exceeded and the results are written); never a crash or a hang; and a run
that fails leaves no result file in its output directory, neither an earlier
run's nor a partial one of its own.

For each selected case this script seeds the case's output directory with
stale result files as an earlier run would leave them, runs the command
(time limit, address-space limit) and checks the exit status, the stderr
line (MPI launcher banners aside) and the files left. One line per case,
then a summary; the exit status is 0 only if every case that ran passed.
A skipped case, a known failure or a reference to another ctest test is
reported as such and never counted as passed.

    run_catalogue.py --bin-dir build/bin [--mpiexec mpirun] [--solver NAME]
                     [--chunk I/N] [--id REGEX] [--work DIR] [--list]
"""
import argparse
import os
import re
import resource
import shlex
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import make_scratch

HERE = Path(__file__).resolve().parent
SOURCE = HERE.parent.parent
COLUMNS = ["id", "solver", "ranks", "input", "args", "setup", "exit", "stderr",
           "clean", "status", "note"]
STALE = "STALE-MARKER\n"
STALE_FILES = ["summary.json", "solution.pvd", "solution_000.pvtu", "solution_000.0.vtu",
               "particles.csv", "profile.csv", "sweep.csv"]
RESULT_FILE = re.compile(r"(summary\.json|.*\.(pvd|pvtu|vtu|csv|partial))$")
# What a crash prints (the C library, the C++ runtime, MPI's signal handler).
CRASH_TEXT = re.compile(r"received signal|Segmentation fault|^Aborted|core dumped|"
                        r"terminate called|Stack trace|Backtrace", re.MULTILINE)
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


@dataclass
class Case:
    id: str
    solver: str
    ranks: int
    input: str
    args: str
    setup: str
    exit: str
    stderr: str
    clean: str
    status: str
    note: str


def read_cases(path):
    cases = []
    for number, line in enumerate(Path(path).read_text().splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != len(COLUMNS):
            sys.exit(f"{path}:{number}: {len(fields)} columns, {len(COLUMNS)} expected")
        row = dict(zip(COLUMNS, fields))
        row["ranks"] = int(row["ranks"])
        cases.append(Case(**row))
    ids = [c.id for c in cases]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        sys.exit(f"{path}: duplicate ids {sorted(duplicates)}")
    return cases


class Workspace:
    """The scratch inputs, the good result for vtu-probe and the output
    directories of one catalogue run, all under WORK."""

    def __init__(self, work, bin_dir, mpiexec):
        self.work = Path(work).resolve()
        self.bin_dir = Path(bin_dir).resolve()
        self.mpiexec = mpiexec
        self.scratch = make_scratch.make_scratch(SOURCE, self.work / "S")
        self.good = self.work / "GOOD"
        self.read_only = self.work / "RO"
        self.read_only_reason = None

    def make_good_result(self):
        """GOOD: a finished run of params/bulk-cu.prm, and the broken copies of it."""
        if (self.good / "summary.json").exists():
            return
        done = subprocess.run([str(self.bin_dir / "anode-thermal"),
                               str(SOURCE / "params/bulk-cu.prm"),
                               "--set", f"Output directory={self.good}"],
                              capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            sys.exit("cannot make the good result for vtu-probe: " + done.stderr)
        make_scratch.make_probe_inputs(self.good, self.scratch)

    def mount_read_only(self):
        """RO: a small tmpfs, read-only, that holds an earlier run's output in
        RO/existing. Needs root and the right to mount; else the cases skip."""
        self.read_only.mkdir(exist_ok=True)
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs",
                               str(self.read_only)], capture_output=True, text=True)
        if done.returncode != 0:
            self.read_only_reason = "cannot mount a tmpfs here: " + done.stderr.strip()
            return
        seed_stale_files(self.read_only / "existing")
        done = subprocess.run(["mount", "-o", "remount,ro", str(self.read_only)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            self.read_only_reason = "cannot remount read-only: " + done.stderr.strip()

    def unmount_read_only(self):
        if self.read_only.is_mount():
            subprocess.run(["umount", "-l", str(self.read_only)], capture_output=True)


def seed_stale_files(directory, blocked=()):
    directory.mkdir(parents=True, exist_ok=True)
    for name in STALE_FILES:
        if not (directory / name).exists() and name not in blocked:
            (directory / name).write_text(STALE)


def substitute(text, space, out):
    """The table's placeholders as paths of this run (params/ of the source)."""
    for token, path in (("OUT", out), ("GOOD", space.good), ("RO", space.read_only)):
        text = re.sub(rf"(?<![\w/]){token}(?=/|\b)", str(path), text)
    text = re.sub(r"(?<![\w/])S/", str(space.scratch) + "/", text)
    return re.sub(r"(?<![\w/])params/", str(SOURCE / "params") + "/", text)


def command_of(case, space, out):
    command = [str(space.bin_dir / case.solver)]
    if case.input != "-":
        command.append(substitute(case.input, space, out))
    if case.args != "-":
        command += [substitute(a, space, out) for a in shlex.split(case.args)]
    if case.ranks > 1:
        command = [space.mpiexec, "-np", str(case.ranks)] + command
    if case.setup in ("nonroot", "nonroot-555"):
        command = NOBODY + command
    return command


def prepare(case, space, out):
    """The case's output directory with stale files, and what its setup needs.
    Returns a reason to skip, or None."""
    if out.exists():
        shutil.rmtree(out)
    blocked = []
    if case.setup.startswith("mkdir-out:"):
        relative = case.setup.split(":", 1)[1]
        (out / relative).mkdir(parents=True)
        blocked.append(relative.split("/")[0])
    seed_stale_files(out, blocked)
    if case.setup == "ro-mount":
        return space.read_only_reason
    if case.setup in ("nonroot", "nonroot-555"):
        if os.geteuid() != 0 or not shutil.which("setpriv"):
            return "needs root and setpriv to run as user nobody"
        os.chmod(out, 0o777)
        for f in out.iterdir():
            os.chmod(f, 0o666)
        if case.setup == "nonroot-555":
            seed_stale_files(out / "locked")
            os.chmod(out / "locked", 0o555)
    elif case.setup not in ("-", "ro-mount") and not case.setup.startswith("mkdir-out:"):
        sys.exit(f"{case.id}: unknown setup '{case.setup}'")
    return None


def limit_address_space(gigabytes):
    def apply():
        limit = gigabytes << 30
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    return apply


def run(command, cwd, timeout, gigabytes):
    """(exit status or None on time-out, stderr, seconds); the whole process
    group is killed at the time limit, so no rank outlives its case."""
    start = time.monotonic()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, start_new_session=True,
                               preexec_fn=limit_address_space(gigabytes))
    try:
        _, err = process.communicate(timeout=timeout)
        status = process.returncode
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        _, err = process.communicate()
        status = None
    return status, err.decode("utf-8", "replace"), time.monotonic() - start


def own_stderr_lines(stderr):
    """stderr without the MPI launcher's banners (blocks between dashed lines,
    'mpirun ...' notes) and without empty lines."""
    lines, in_banner = [], False
    for line in stderr.splitlines():
        if re.fullmatch(r"-{20,}", line.strip()):
            in_banner = not in_banner
            continue
        if in_banner or re.match(r"(mpirun|mpiexec|prterun)\b", line) or not line.strip():
            continue
        lines.append(line)
    return lines


def result_files(out):
    if not out.is_dir():
        return []
    return sorted(str(p.relative_to(out)) for p in out.rglob("*")
                  if p.is_file() and not p.is_symlink() and RESULT_FILE.match(p.name))


def stale_files(out):
    if not out.is_dir():
        return []
    return sorted(str(p.relative_to(out)) for p in out.rglob("*")
                  if p.is_file() and p.stat().st_size == len(STALE)
                  and p.read_text(errors="replace") == STALE)


def check(case, status, stderr, out):
    """The rule's verdict: a list of (kind, text) problems, empty if the case passed."""
    problems = []
    if status is None:
        return [("crash", "hang: killed at the time limit")]
    if status < 0 or status in (134, 136, 137, 139) or CRASH_TEXT.search(stderr):
        problems.append(("crash", f"crash (status {status})"))
    if case.exit != "-" and status != int(case.exit):
        problems.append(("exit", f"exit {status}, expected {case.exit}"))
    lines = own_stderr_lines(stderr)
    if case.exit in ("2", "3", "4"):
        if len(lines) != 1:
            problems.append(("message", f"{len(lines)} stderr lines, expected 1"))
        elif case.stderr.lower() not in lines[0].lower():
            problems.append(("message", f"stderr does not name '{case.stderr}'"))
    if case.clean == "yes":
        left = result_files(out)
        if left:
            problems.append(("stale", "result files left: " + ", ".join(left)))
    elif case.clean in ("results", "kept"):
        left = stale_files(out)
        if left:
            problems.append(("stale", "stale files kept: " + ", ".join(left)))
        if case.clean == "results" and not (out / "summary.json").is_file():
            problems.append(("stale", "no summary.json written"))
    return problems


def first_line(stderr):
    lines = own_stderr_lines(stderr)
    return (lines[0][:150] if lines else "(no stderr)").replace("\n", " ")


def select(cases, arguments):
    chosen = [c for c in cases
              if (not arguments.solver or c.solver in arguments.solver)
              and (not arguments.id or re.search(arguments.id, c.id))]
    if arguments.chunk:
        index, count = (int(x) for x in arguments.chunk.split("/"))
        chosen = chosen[index - 1::count]
    return chosen


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin-dir", required=True)
    parser.add_argument("--mpiexec", default="mpirun")
    parser.add_argument("--cases", default=str(HERE / "cases.tsv"))
    parser.add_argument("--solver", action="append")
    parser.add_argument("--chunk", help="I/N: every N-th selected case from the I-th")
    parser.add_argument("--id", help="regular expression on the case id")
    parser.add_argument("--work", default="catalogue-work")
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--memory-gb", type=int, default=6,
                        help="address-space limit of each case (ulimit -v)")
    parser.add_argument("--list", action="store_true")
    arguments = parser.parse_args()

    cases = select(read_cases(arguments.cases), arguments)
    if arguments.list:
        for c in cases:
            print(f"{c.id:38} {c.solver:17} {c.status:14} exit {c.exit}")
        return 0
    work = Path(arguments.work).resolve()
    if work.exists():
        for mounted in work.glob("RO"):
            if mounted.is_mount():
                subprocess.run(["umount", "-l", str(mounted)], capture_output=True)
        shutil.rmtree(work)
    space = Workspace(work, arguments.bin_dir, arguments.mpiexec)
    try:
        return run_cases(cases, space, arguments)
    finally:
        space.unmount_read_only()


def run_cases(cases, space, arguments):
    if any(c.solver == "vtu-probe" for c in cases if c.status in ("run", "known-failure")):
        space.make_good_result()
    if any(c.setup == "ro-mount" for c in cases):
        space.mount_read_only()
    tally = {k: 0 for k in ("tried", "passed", "clean errors", "unexpected exits",
                            "crashes or hangs", "message", "stale files left",
                            "known failures", "unexpected passes", "skipped", "references")}
    start = time.monotonic()
    for case in cases:
        if case.status == "skip":
            tally["skipped"] += 1
            print(f"SKIP  {case.id}: {case.note}")
            continue
        if case.status == "reference":
            tally["references"] += 1
            print(f"REF   {case.id}: {case.note}")
            continue
        out = space.work / "out" / case.id
        reason = prepare(case, space, out)
        if reason:
            tally["skipped"] += 1
            print(f"SKIP  {case.id}: {reason}")
            continue
        cwd = space.work / "cwd" / case.id
        cwd.mkdir(parents=True, exist_ok=True)
        status, stderr, seconds = run(command_of(case, space, out), cwd,
                                      arguments.timeout, arguments.memory_gb)
        problems = check(case, status, stderr, out)
        tally["tried"] += 1
        kinds = {k for k, _ in problems}
        tally["crashes or hangs"] += "crash" in kinds
        tally["unexpected exits"] += "exit" in kinds
        tally["message"] += "message" in kinds
        tally["stale files left"] += "stale" in kinds
        if not problems and status in (2, 3):
            tally["clean errors"] += 1
        summary = f"{case.id}: exit {status} ({seconds:.1f} s) {first_line(stderr)}"
        if case.status == "known-failure":
            if problems:
                tally["known failures"] += 1
                print(f"XFAIL {summary}\n      " + "; ".join(t for _, t in problems))
            else:
                tally["unexpected passes"] += 1
                print(f"XPASS {summary}\n      passes now: mark it 'run' in cases.tsv")
        elif problems:
            print(f"FAIL  {summary}\n      " + "; ".join(t for _, t in problems))
        else:
            tally["passed"] += 1
            print(f"ok    {summary}")
    print(f"\n{len(cases)} cases in {time.monotonic() - start:.0f} s: " +
          ", ".join(f"{k} {v}" for k, v in tally.items()))
    failed = tally["tried"] - tally["passed"] - tally["known failures"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

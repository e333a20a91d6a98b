#!/usr/bin/env python3
"""Convert the ABB IOF/ROL CI history (iofrol.csv) into a git repository and
one JUnit XML file per CI cycle, for replaying through `git impact record`
and `git impact evaluate`.

What is real and what is synthetic:
  real      - the cycles and their order, which tests ran in each cycle, each
              execution's verdict and duration, the cycle dates (earliest
              LastRun of the cycle).
  synthetic - the repository contents.  The data has no commits or changed
              files, so each cycle is one commit that (a) appends a line to
              docs/cycles.md (ignored by git-impact: the change carries no
              lineage information, so selection rests on history alone) and
              (b) adds a test file tests/t_<Name>.py for each test seen for
              the first time in that cycle (a new test is new in any repo).
              Test ids are "tests/t_<Name>.py::test_case"; durations are
              taken as milliseconds; author/committer are fixed; the commit
              date is the cycle's date.  A test executed several times in one
              cycle is written once per execution (record merges them: pass
              and fail in one cycle is stored as flaky).

Usage: iofrol.py CSV OUTDIR [--cycles N]
Writes OUTDIR/repo (branch main, one commit per cycle), OUTDIR/junit/cycle-NNNN.xml
and OUTDIR/cycles.tsv (cycle, unix time, commit sha, junit path, tests, failing).
"""
import argparse
import calendar
import csv
import os
import subprocess
import sys
import time
from collections import OrderedDict
from xml.sax.saxutils import quoteattr

AUTHOR = b"ABB CI <ci@iofrol.example>"


def load(path, max_cycles):
    cycles = OrderedDict()
    with open(path, newline="") as f:
        for row in csv.DictReader(f, delimiter=";"):
            c = int(row["Cycle"])
            if max_cycles and c > max_cycles:
                break
            cycles.setdefault(c, []).append(row)
    return cycles


def cycle_time(rows):
    t = min(r["LastRun"] for r in rows)
    return calendar.timegm(time.strptime(t, "%Y-%m-%d %H:%M:%S"))


def junit(rows, path):
    with open(path, "w") as f:
        f.write('<?xml version="1.0" encoding="utf-8"?>\n<testsuites><testsuite name="pytest" tests="%d">\n' % len(rows))
        for r in rows:
            name = r["Name"]
            f.write('<testcase classname=%s name="test_case" file=%s time="%.3f">'
                    % (quoteattr("tests.t_" + name), quoteattr("tests/t_%s.py" % name),
                       int(r["Duration"]) / 1000.0))
            if r["Verdict"] == "1":
                f.write('<failure message="verdict 1 in the ABB IOF/ROL data"/>')
            f.write("</testcase>\n")
        f.write("</testsuite></testsuites>\n")


def data_cmd(out, text):
    out.write(b"data %d\n" % len(text))
    out.write(text)
    out.write(b"\n")


def commit_stream(cycles, out):
    """A git fast-import stream: one commit per cycle, marked with its cycle number."""
    seen = set()
    log = b""
    for c, rows in cycles.items():
        t = cycle_time(rows)
        log += b"cycle %d: %d executions\n" % (c, len(rows))
        new = sorted({r["Name"] for r in rows} - seen, key=int)
        seen.update(new)
        out.write(b"commit refs/heads/main\nmark :%d\n" % c)
        out.write(b"author %s %d +0000\ncommitter %s %d +0000\n" % (AUTHOR, t, AUTHOR, t))
        data_cmd(out, b"cycle %d (%d new tests)" % (c, len(new)))
        out.write(b"M 100644 inline docs/cycles.md\n")
        data_cmd(out, log)
        for name in new:
            out.write(b"M 100644 inline tests/t_%s.py\n" % name.encode())
            data_cmd(out, b"def test_case():\n    \"\"\"ABB IOF/ROL test %s.\"\"\"\n" % name.encode())
        out.write(b"\n")
    out.write(b"done\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("csv")
    ap.add_argument("outdir")
    ap.add_argument("--cycles", type=int, default=0, help="only the first N cycles (0: all)")
    a = ap.parse_args()
    cycles = load(a.csv, a.cycles)
    if not cycles:
        sys.exit("iofrol.py: no cycles in %s" % a.csv)
    a.outdir = os.path.abspath(a.outdir)
    repo = os.path.join(a.outdir, "repo")
    jdir = os.path.join(a.outdir, "junit")
    os.makedirs(jdir, exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", "main", repo], check=True)
    fi = subprocess.Popen(["git", "-C", repo, "fast-import", "--quiet", "--done",
                           "--export-marks=" + os.path.join(a.outdir, "marks")],
                          stdin=subprocess.PIPE)
    commit_stream(cycles, fi.stdin)
    fi.stdin.close()
    if fi.wait():
        sys.exit("iofrol.py: git fast-import failed")
    subprocess.run(["git", "-C", repo, "checkout", "-q", "-f", "main"], check=True)
    marks = {}
    with open(os.path.join(a.outdir, "marks")) as f:
        for line in f:
            m, sha = line.split()
            marks[int(m[1:])] = sha
    with open(os.path.join(a.outdir, "cycles.tsv"), "w") as f:
        for c, rows in cycles.items():
            path = os.path.join(jdir, "cycle-%04d.xml" % c)
            junit(rows, path)
            fails = len({r["Name"] for r in rows if r["Verdict"] == "1"})
            f.write("%d\t%d\t%s\t%s\t%d\t%d\n" % (c, cycle_time(rows), marks[c], path,
                                                  len({r["Name"] for r in rows}), fails))


if __name__ == "__main__":
    main()

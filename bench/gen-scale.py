#!/usr/bin/env python3
"""Write a git fast-import stream of a large synthetic Python project (deterministic).

usage: gen-scale.py FILES COMMITS TESTS

FILES files at the root commit: 70% Python modules in packages of 100
(pkgNNNN/modMMM.py, layered: each imports earlier modules of its package
and one of the core package pkg0000; each defines f0..f2), the rest
assets (assets/aNNN/fNNNNNN.txt).  TESTS test functions in
tests/pkgNNNN/test_mK.py files, ten per file, file k testing package
k % packages.  COMMITS - 1 later commits each edit 1 to 4
module bodies (imports and definitions unchanged), so every commit is
an update the graph can follow.  Fixed seed and dates: the same stream and
commit ids every time.  Branch main.
"""
import random
import sys


def main():
    nfiles, ncommits, ntests = (int(a) for a in sys.argv[1:4])
    rnd = random.Random(20240229)
    npy = nfiles * 7 // 10
    ntestfiles = max(1, ntests // 10)
    nmods = max(1, npy - ntestfiles)
    pkgs = max(1, (nmods + 99) // 100)
    out = sys.stdout
    w = out.write
    t = [1700000000]

    def mod_path(i):
        return f"pkg{i // 100:04d}/mod{i % 100:03d}.py"

    def mod_text(i, v=0):
        # layered, as real packages are: a module imports the one before it
        # in its package and another earlier one, and (outside pkg0000) one
        # module of the core package pkg0000; the same imports in every version
        r = random.Random(i)
        p, m = divmod(i, 100)
        lines = []
        if m:
            lines.append(f"from pkg{p:04d}.mod{m - 1:03d} import f0")
            lines.append(f"from pkg{p:04d}.mod{r.randrange(m):03d} import f1")
        if p:
            lines.append(f"import pkg0000.mod{r.randrange(min(100, nmods)):03d}")
        body = "".join(f"\ndef f{k}(x):\n    return x + {k} + {v}\n" for k in range(3))
        return "\n".join(lines) + "\n" + body

    def test_text(k):
        # test file k tests package k % pkgs: its last module (reaching the
        # whole package through the chain) and one other
        p = k % pkgs
        top = min(99, nmods - 1 - p * 100)
        other = rnd.randrange(top + 1)
        head = (f"from pkg{p:04d}.mod{top:03d} import f0\n"
                f"from pkg{p:04d}.mod{other:03d} import f1\n")
        n = min(10, ntests - k * 10)
        return head + "".join(f"\ndef test_{j}():\n    assert f0({j}) + f1({j})\n" for j in range(n))

    def blob(data):
        b = data.encode()
        w(f"data {len(b)}\n")
        w(data)
        w("\n")

    def commit(msg):
        t[0] += 60
        w("commit refs/heads/main\n")
        w(f"author Bench <bench@example.com> {t[0]} +0000\n")
        w(f"committer Bench <bench@example.com> {t[0]} +0000\n")
        blob(msg)

    commit("root")
    for i in range(nmods):
        w(f"M 100644 inline {mod_path(i)}\n")
        blob(mod_text(i))
    for p in range(pkgs):
        w(f"M 100644 inline pkg{p:04d}/__init__.py\n")
        blob("")
    for k in range(ntestfiles):
        w(f"M 100644 inline tests/pkg{k // 10:04d}/test_m{k % 10}.py\n")
        blob(test_text(k))
    for a in range(nfiles - npy):
        w(f"M 100644 inline assets/a{a // 1000:03d}/f{a:06d}.txt\n")
        blob(f"asset {a}\n")
    w("\n")
    version = {}
    for c in range(1, ncommits):
        commit(f"change {c}")
        for i in rnd.sample(range(nmods), rnd.randint(1, 4)):
            version[i] = version.get(i, 0) + 1
            w(f"M 100644 inline {mod_path(i)}\n")
            blob(mod_text(i, version[i]))
        w("\n")


if __name__ == "__main__":
    main()

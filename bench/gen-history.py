#!/usr/bin/env python3
"""Write a git fast-import stream of a synthetic history (deterministic).

usage: gen-history.py [COMMITS] [FILES]   (defaults 20000 and 2000)

One root commit adds FILES files in 50 folders; each later commit touches
1-4 of them (mostly edits, 1 in 100 a rename, 1 in 200 an add and a
delete).  Every 500 commits a 3-commit side branch is merged back, and
every 1000 a tag is set.  Fixed seed, fixed dates: the same stream and
the same commit ids every time.
"""
import random
import sys

def main():
    ncommits = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    nfiles = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    rnd = random.Random(20240101)
    out = []
    w = out.append
    files = [f"src/d{i % 50:02d}/file{i:05d}.py" for i in range(nfiles)]
    version = {p: 0 for p in files}
    state = {"mark": 0, "time": 1700000000, "next": nfiles}

    def content(path):
        v = version[path]
        return "".join(f"# {path} line {j} v{v if j == v % 12 else 0}\n" for j in range(12))

    def blob(data):
        b = data.encode()
        w(f"data {len(b)}\n")
        w(data)
        w("\n")

    def commit(ref, msg, ops, merge=None):
        state["mark"] += 1
        state["time"] += 60
        w(f"commit {ref}\nmark :{state['mark']}\n")
        w(f"author Bench Author <author@example.com> {state['time']} +0000\n")
        w(f"committer Bench Committer <committer@example.com> {state['time']} +0000\n")
        blob(msg)
        if merge:
            w(f"from :{merge[0]}\nmerge :{merge[1]}\n")
        for op in ops:
            if op[0] == "M":
                w(f"M 100644 inline {op[1]}\n")
                blob(content(op[1]))
            else:
                w(f"D {op[1]}\n")
        w("\n")
        return state["mark"]

    def touch(k):
        ops = []
        for path in rnd.sample(files, k):
            version[path] += 1
            ops.append(("M", path))
        return ops

    def change():
        r = rnd.random()
        if r < 0.01:  # a rename: same content, new name
            old = rnd.choice(files)
            new = f"src/d{rnd.randrange(50):02d}/moved{state['next']:05d}.py"
            state["next"] += 1
            version[new] = version.pop(old)
            files[files.index(old)] = new
            return [("D", old), ("M", new)]
        if r < 0.015:  # an add and an unrelated delete
            gone = rnd.choice(files)
            new = f"src/d{rnd.randrange(50):02d}/new{state['next']:05d}.py"
            state["next"] += 1
            files[files.index(gone)] = new
            version.pop(gone)
            version[new] = 0
            return [("D", gone), ("M", new)]
        return touch(rnd.randint(1, 4))

    main_tip = commit("refs/heads/main", "root", [("M", p) for p in files])
    for i in range(1, ncommits):
        if i % 500 == 0 and i + 4 < ncommits:
            side = main_tip
            for _ in range(3):
                w(f"reset refs/heads/side\nfrom :{side}\n\n")
                side = commit("refs/heads/side", f"side {i}", touch(2))
            main_tip = commit("refs/heads/main", f"merge {i}", [], merge=(main_tip, side))
            continue
        main_tip = commit("refs/heads/main", f"change {i}", change())
        if i % 1000 == 0:
            w(f"reset refs/tags/v{i // 1000}\nfrom :{main_tip}\n\n")
    sys.stdout.write("".join(out))

if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Replay of a log whose every statement is a new shape (generated table
names): time and peak memory, the case where per-shape state could grow
without bound.

usage: bench/distinct_shapes.py [STATEMENTS] [WORKDIR]   (default 300,000)

Writes two PostgreSQL stderr logs of STATEMENTS statements over 32
sessions: one with inline literals (`WHERE k_7 = 48213 AND status =
'open'`), one with bind parameters (`$1`, `$2`), and times `ormlint replay
--format json` on each (wall time and peak RSS from /usr/bin/time).
Needs a release build (`cargo build --release`)."""
import os
import random
import re
import subprocess
import sys

args = [a for a in sys.argv[1:] if not a.startswith("--")]
N = int(args[0]) if args else 300_000
WORK = args[1] if len(args) > 1 else "/tmp/ormlint-distinct-bench"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target/release/ormlint")
os.makedirs(WORK, exist_ok=True)


def generate(path, bound):
    if os.path.exists(path):
        return
    r = random.Random(3)
    with open(path, "w") as f:
        for i in range(N):
            t = f"2026-12-01 10:{(i // 60000) % 60:02d}:{(i // 1000) % 60:02d}.{i % 1000:03d} UTC"
            pid = 1000 + i % 32
            cols = ", ".join(f"c{j}" for j in range(r.randint(2, 6)))
            where = f"k_{i % 97} = $1 AND status = $2" if bound else f"k_{i % 97} = {r.randint(1, 10**6)} AND status = 'open'"
            f.write(f"{t} [{pid}] app@shop 6a{pid:x}.1 LOG:  duration: 0.{r.randint(10, 999)} ms  statement: SELECT {cols} FROM tbl_{i} WHERE {where}\n")


for name, bound in (("literals", False), ("bound", True)):
    path = os.path.join(WORK, f"distinct-{name}-{N}.log")
    generate(path, bound)
    p = subprocess.run(["/usr/bin/time", "-v", BIN, "replay", "--format", "json", path],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", p.stderr).group(1)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1)) // 1024
    size = os.path.getsize(path) / 1e6
    print(f"{name:9} {N:,} statements, {size:.0f} MB: {wall} wall, {rss} MB peak")

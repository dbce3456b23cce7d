#!/usr/bin/env python3
"""Resource limits: ormlint on hostile inputs at full size, time and peak memory.

usage: bench/limits.py [WORKDIR]

Each case is generated into WORKDIR (default /tmp/ormlint-limits) and run
with the release binary under /usr/bin/time. The small forms of the same
cases are tests (tests/robustness.rs, tests/cli.rs); this is the big form,
for the figures in the issue notes:

  line-50mb        a 50 MB log line with no newline at all
  in-list-22mb     a 22 MB statement: an IN list of 3 million numbers
  nested-sql       a million nested parentheses in a logged statement
  nested-rust      a million nested parentheses in a Rust file
  rust-1m-lines    one Rust file of a million lines (10,000 functions)
  tree-100k        a crate of 100,000 Rust files in 1,000 folders
  ddl-100k         a schema of 100,000 CREATE TABLE statements, replayed
  distinct-300k    see bench/distinct_shapes.py
"""
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target/release/ormlint")
WORK = sys.argv[1] if len(sys.argv) > 1 else "/tmp/ormlint-limits"
PG = "2026-01-01 00:00:00.000 UTC [1] LOG:  statement: "


def write(path, text):
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
    return path


def crate(name, files):
    d = os.path.join(WORK, name)
    if not os.path.exists(d):
        os.makedirs(os.path.join(d, "src"))
        write(os.path.join(d, "Cargo.toml"), '[package]\nname = "x"\nversion = "0.1.0"\n\n[dependencies]\nrusqlite = "0.31"\n')
        for rel, text in files():
            write(os.path.join(d, rel), text)
    return d


def cases():
    yield "line-50mb", ["replay", write(f"{WORK}/line50.log", PG + "SELECT " + "x" * 50_000_000)]
    nums = ",".join(str(i) for i in range(3_000_000))
    yield "in-list-22mb", ["replay", write(f"{WORK}/inlist.log", f"{PG}SELECT * FROM t WHERE a IN ({nums})\n{PG}SELECT 1 FROM u WHERE b = 2\n")]
    deep = "(" * 1_000_000 + "1" + ")" * 1_000_000
    yield "nested-sql", ["replay", write(f"{WORK}/deep.log", f"{PG}SELECT {deep} FROM t\n{PG}SELECT * FROM users WHERE id = 5\n")]
    yield "nested-rust", ["check", crate("nested-rust", lambda: [("src/lib.rs", f"pub fn f() -> i32 {{ {deep} }}\n")])]
    body = "".join(
        f"pub fn f{i}(c: &rusqlite::Connection, ids: &[i64]) -> usize {{\n    let mut n = 0;\n"
        + "".join(f"    n += {j};\n" for j in range(95))
        + f"    for id in ids {{ n += c.execute(\"DELETE FROM t{i % 50} WHERE id = ?1\", [id]).unwrap(); }}\n    n\n}}\n"
        for i in range(10_000))
    yield "rust-1m-lines", ["check", crate("rust-1m", lambda: [("src/lib.rs", body)])]

    def tree():
        yield "src/lib.rs", "".join(f"pub mod m{d};\n" for d in range(1000))
        for d in range(1000):
            yield f"src/m{d}/mod.rs", "".join(f"pub mod f{k};\n" for k in range(99))
            for k in range(99):
                yield f"src/m{d}/f{k}.rs", f"pub fn g(c: &rusqlite::Connection, ids: &[i64]) {{ for id in ids {{ let _ = c.execute(\"UPDATE t SET n = n + 1 WHERE id = ?1\", [id]); }} }}\n"
    yield "tree-100k", ["check", "--quiet", crate("tree-100k", tree)]
    ddl = "".join(f"CREATE TABLE t{i} (id INTEGER PRIMARY KEY, a INTEGER, b TEXT);\nCREATE INDEX t{i}_a ON t{i} (a);\n" for i in range(100_000))
    schema = write(f"{WORK}/ddl100k.sql", ddl)
    log = write(f"{WORK}/ddl-queries.log", "".join(f"{PG}SELECT * FROM t{i} WHERE b = 'x{i}'\n" for i in range(0, 100_000, 997)))
    yield "ddl-100k", ["replay", "--schema", schema, log]


def main():
    if not os.path.exists(BIN):
        sys.exit("build first: cargo build --release")
    os.makedirs(WORK, exist_ok=True)
    print(f"{'case':16} {'input':>10} {'seconds':>8} {'peak MB':>8}  exit  last line")
    for name, args in cases():
        target = args[-1] if name != "ddl-100k" else args[-2]
        size = os.path.getsize(target) if os.path.isfile(target) else sum(
            os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(target)
            if "/target" not in dp for f in fs)
        t0 = time.monotonic()
        p = subprocess.run(["/usr/bin/time", "-f", "%M", BIN] + args, capture_output=True, text=True)
        el = time.monotonic() - t0
        rss = int(p.stderr.strip().splitlines()[-1]) / 1024
        last = (p.stdout.strip().splitlines() or [""])[-1][:90]
        print(f"{name:16} {size / 1e6:8.1f}MB {el:8.2f} {rss:8.0f}  {p.returncode:4}  {last}")


main()

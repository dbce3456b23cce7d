#!/usr/bin/env python3
"""Replay throughput: ormlint against pt-query-digest on the same statements.

usage: bench/replay_bench.py [STATEMENTS] [WORKDIR]

Generates a PostgreSQL stderr log of STATEMENTS statements (default
1,000,000): 64 interleaved sessions, requests tagged with sqlcommenter
comments, extended-protocol `execute` + `DETAIL: parameters` records,
multi-line statements, durations, N+1 loops, checkpoints. The same events are
written as a MySQL slow log, which pt-query-digest reads. Then it times, in
one run:

  ormlint replay --format json LOG          (peak memory from /usr/bin/time)
  pt-query-digest --type slowlog SLOWLOG

pt-query-digest comes from Debian's percona-toolkit package; the script
installs it with apt-get when it is missing (pass --no-pt to skip it).
"""
import os
import random
import shutil
import subprocess
import sys
import time

args = [a for a in sys.argv[1:] if not a.startswith("--")]
N = int(args[0]) if args else 1_000_000
WORK = args[1] if len(args) > 1 else "/tmp/ormlint-replay-bench"
SKIP_PT = "--no-pt" in sys.argv
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target/release/ormlint")

os.makedirs(WORK, exist_ok=True)
pg_path = os.path.join(WORK, f"pg-{N}.log")
my_path = os.path.join(WORK, f"slow-{N}.log")

SHAPES = [
    ("SELECT users.id, users.name, users.email FROM users WHERE users.id = $1", lambda r: [r.randint(1, 50000)]),
    ("SELECT posts.id, posts.title, posts.author_id, posts.published_at\n\tFROM posts\n\tWHERE posts.status = $1 AND posts.author_id = $2\n\tORDER BY posts.published_at DESC LIMIT $3", lambda r: ["published", r.randint(1, 50000), 20]),
    ("SELECT comments.id, comments.body FROM comments WHERE comments.post_id = $1 ORDER BY comments.id", lambda r: [r.randint(1, 900000)]),
    ("UPDATE posts SET view_count = view_count + 1 WHERE posts.id = $1", lambda r: [r.randint(1, 900000)]),
    ("INSERT INTO events (kind, user_id, payload, created_at) VALUES ($1, $2, $3, now())", lambda r: ["view", r.randint(1, 50000), '{"ref": "feed", "pos": %d}' % r.randint(0, 99)]),
    ("SELECT count(*) FROM notifications WHERE notifications.user_id = $1 AND notifications.read_at IS NULL", lambda r: [r.randint(1, 50000)]),
]


def generate():
    if os.path.exists(pg_path) and os.path.exists(my_path):
        return
    r = random.Random(7)
    t = 1_763_000_000.0
    sessions = [{"pid": 20000 + i, "req": 0} for i in range(64)]
    with open(pg_path, "w") as pg, open(my_path, "w") as my:
        my.write("/usr/sbin/mysqld, Version: 8.0.36 (bench). started with:\nTcp port: 3306  Unix socket: /tmp/mysql.sock\nTime                 Id Command    Argument\n")
        n = 0
        while n < N:
            s = sessions[r.randrange(64)]
            s["req"] += 1
            rid = f"{s['pid']}-{s['req']}"
            tag = f" /*request_id='{rid}',route='%2Ffeed'*/" if s["req"] % 2 else ""
            # One request: a parent query, then a few children (sometimes an N+1 loop).
            plan = [1] + [0] * (r.randint(1, 12) if r.random() < 0.3 else r.randint(0, 2)) + [r.choice([2, 3, 4, 5])]
            for k in plan:
                if n >= N:
                    break
                sql, params = SHAPES[k]
                values = params(r)
                t += r.uniform(0.0002, 0.004)
                dur = r.lognormvariate(-1.5, 1.0)
                stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(t)) + ".%03d UTC" % int((t % 1) * 1000)
                prefix = f"{stamp} [{s['pid']}] app@blog "
                text = sql + tag
                pg.write(f"{prefix}LOG:  duration: {dur:.3f} ms  execute <unnamed>: {text}\n")
                pg.write(prefix + "DETAIL:  parameters: " + ", ".join(f"${i+1} = '{v}'" for i, v in enumerate(values)) + "\n")
                # The same event as a MySQL slow-log entry, values inlined.
                inlined = sql.replace("\n\t", " ")
                for i, v in reversed(list(enumerate(values))):
                    lit = str(v) if isinstance(v, int) else "'" + str(v).replace("'", "''") + "'"
                    inlined = inlined.replace(f"${i+1}", lit)
                my.write(f"# Time: {time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(t))}.{int((t % 1) * 1e6):06d}Z\n")
                my.write(f"# User@Host: app[app] @ localhost []  Id: {s['pid']}\n")
                my.write(f"# Query_time: {dur/1000:.6f}  Lock_time: 0.000001 Rows_sent: 1  Rows_examined: 1\n")
                my.write(f"SET timestamp={int(t)};\n{inlined};\n")
                n += 1
            if s["req"] % 997 == 0:
                pg.write(f"{stamp} [10] LOG:  checkpoint starting: time\n")


def run(cmd, stdout=subprocess.DEVNULL):
    t0 = time.monotonic()
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, stdout=stdout, stderr=subprocess.PIPE, text=True)
    elapsed = time.monotonic() - t0
    rss = 0
    for line in p.stderr.splitlines():
        if "Maximum resident set size" in line:
            rss = int(line.split(":")[1]) / 1024
    if p.returncode not in (0, 1):
        sys.exit(f"{cmd[0]} failed ({p.returncode}):\n{p.stderr[-2000:]}")
    return elapsed, rss


def main():
    if not os.path.exists(BIN):
        sys.exit("build first: cargo build --release")
    if not os.path.exists("/usr/bin/time"):
        subprocess.run(["apt-get", "install", "-y", "-q", "time"], check=False)
    t0 = time.monotonic()
    generate()
    print(f"log: {pg_path} ({os.path.getsize(pg_path) / 1e6:.0f} MB, {N} statements), generated in {time.monotonic() - t0:.0f} s")
    os.environ["ORMLINT_THREADS"] = "1"
    one, one_rss = run([BIN, "replay", "--format", "json", pg_path])
    del os.environ["ORMLINT_THREADS"]
    print(f"ormlint, 1 core:  {one:8.2f} s  {N / one:12,.0f} statements/s  peak {one_rss:.0f} MB")
    el, rss = run([BIN, "replay", "--format", "json", pg_path])
    print(f"ormlint replay:   {el:8.2f} s  {N / el:12,.0f} statements/s  peak {rss:.0f} MB  (reading and analysis on 2 threads)")
    schema = os.path.join(ROOT, "bench/schema.sql")
    sel, srss = run([BIN, "replay", "--format", "json", "--schema", schema, pg_path])
    print(f"  with --schema:  {sel:8.2f} s  ({(sel / el - 1) * 100:+.1f}% for replaying the shapes; peak {srss:.0f} MB)")
    if SKIP_PT:
        return
    if not shutil.which("pt-query-digest"):
        subprocess.run(["apt-get", "update", "-q"], check=False, stdout=subprocess.DEVNULL)
        subprocess.run(["apt-get", "install", "-y", "-q", "percona-toolkit"], check=False, stdout=subprocess.DEVNULL)
    if not shutil.which("pt-query-digest"):
        print("pt-query-digest not available; skipped")
        return
    pel, prss = run(["pt-query-digest", "--type", "slowlog", my_path])
    print(f"pt-query-digest:  {pel:8.2f} s  {N / pel:12,.0f} statements/s  peak {prss:.0f} MB")
    print(f"ormlint is {pel / el:.0f}x faster")


main()

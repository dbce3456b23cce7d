#!/usr/bin/env python3
"""Replay throughput: ormlint against pt-query-digest on the same statements.

usage: bench/replay_bench.py [STATEMENTS] [WORKDIR] [--no-pt] [--pgblog DIR]

Two logs, each of STATEMENTS statements (default 1,000,000), each timed
against pt-query-digest on the same events in one run:

* realistic: the labelled pg-blog corpus's stderr log (--pgblog DIR, default
  ../shared/corpus/pg-blog; skipped when absent) replicated until it holds
  STATEMENTS statements. Every copy moves timestamps on, gets its own pids
  and session ids, and draws new numbers for ids in the SQL text and in the
  DETAIL parameters, so no cache keyed by statement text flatters the figure.
  ORM SELECTs with many qualified columns, extended-protocol executes with
  parameters, sqlcommenter tags, Django's inline literals, many sessions.
* synthetic: a generated log with 64 interleaved sessions, requests tagged with sqlcommenter
comments, extended-protocol `execute` + `DETAIL: parameters` records,
multi-line statements, durations, N+1 loops, checkpoints. The same events are
written as a MySQL slow log, which pt-query-digest reads. Then it times, in
one run:

  ormlint replay --format json LOG          (peak memory from /usr/bin/time)
  pt-query-digest --type slowlog SLOWLOG

pt-query-digest comes from Debian's percona-toolkit package; the script
installs it with apt-get when it is missing (pass --no-pt to skip it).
"""
import calendar
import os
import random
import re
import shutil
import subprocess
import sys
import time

argv = sys.argv[1:]
PGBLOG = None
if "--pgblog" in argv:
    i = argv.index("--pgblog")
    PGBLOG = argv[i + 1]
    del argv[i:i + 2]
args = [a for a in argv if not a.startswith("--")]
N = int(args[0]) if args else 1_000_000
WORK = args[1] if len(args) > 1 else "/tmp/ormlint-replay-bench"
SKIP_PT = "--no-pt" in sys.argv
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target/release/ormlint")

os.makedirs(WORK, exist_ok=True)
pg_path = os.path.join(WORK, f"pg-{N}.log")
my_path = os.path.join(WORK, f"slow-{N}.log")
PGBLOG = PGBLOG or os.path.join(os.path.dirname(ROOT), "shared/corpus/pg-blog")
blog_src = os.path.join(PGBLOG, "logs/postgresql.log")
blog_path = os.path.join(WORK, f"pgblog-{N}.log")
blog_slow = os.path.join(WORK, f"pgblog-slow-{N}.log")

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


PREFIX = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) UTC \[(\d+)\] (.*?)(LOG|DETAIL|ERROR|HINT|STATEMENT|CONTEXT|WARNING):  (.*)$", re.S)
SESSION = re.compile(r"\b([0-9a-f]{8})\.([0-9a-f]+)\b")
BIG_NUMBER = re.compile(r"(?<![\w.$])\d{3,}(?![\w.])")
NUMBER = re.compile(r"(?<![\w.$])\d+(?![\w.])")


def blog_records():
    """The corpus log as records: (epoch ms, pid, prefix rest, level, message)."""
    records, cur = [], None
    with open(blog_src, encoding="utf-8") as f:
        for line in f:
            m = PREFIX.match(line)
            if m:
                if cur:
                    records.append(cur)
                stamp, pid, rest, level, msg = m.groups()
                ms = calendar.timegm(time.strptime(stamp[:19], "%Y-%m-%d %H:%M:%S")) * 1000 + int(stamp[20:23])
                cur = [ms, int(pid), rest, level, msg]
            elif cur:
                cur[4] += line
    if cur:
        records.append(cur)
    return records


def generate_blog():
    """pg-blog replicated to N statements, values varied per copy, and the
    same events as a MySQL slow log for pt-query-digest."""
    if os.path.exists(blog_path) and os.path.exists(blog_slow):
        return True
    if not os.path.exists(blog_src):
        return False
    recs = blog_records()
    per_copy = sum(1 for r in recs if r[3] == "LOG" and r[4].startswith(("statement: ", "execute ")))
    span = recs[-1][0] - recs[0][0] + 1000
    r = random.Random(11)
    n = copy = 0
    tmp_pg, tmp_my = blog_path + ".tmp", blog_slow + ".tmp"
    with open(tmp_pg, "w") as pg, open(tmp_my, "w") as my:
        my.write("/usr/sbin/mysqld, Version: 8.0.36 (bench). started with:\nTcp port: 3306  Unix socket: /tmp/mysql.sock\nTime                 Id Command    Argument\n")
        pending = None  # the last statement, waiting for its DETAIL line
        while n < N:
            shift = copy * span
            for ms, pid, rest, level, msg in recs:
                t = ms + shift
                stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(t // 1000)) + ".%03d UTC" % (t % 1000)
                pid2 = pid + copy * 10000
                rest2 = SESSION.sub(lambda m: "%08x.%x" % (int(m.group(1), 16) + copy, int(m.group(2), 16)), rest)
                is_stmt = level == "LOG" and msg.startswith(("statement: ", "execute "))
                if is_stmt and n >= N:
                    break
                if is_stmt:
                    msg = BIG_NUMBER.sub(lambda m: str(r.randint(100, 10 ** len(m.group(0)) - 1)), msg)
                    n += 1
                elif level == "DETAIL" and msg.startswith("parameters: "):
                    msg = NUMBER.sub(lambda m: str(r.randint(1, 99999)) if not m.group(0).startswith("0") else m.group(0), msg)
                pg.write(f"{stamp} [{pid2}] {rest2}{level}:  {msg}")
                if not msg.endswith("\n"):
                    pg.write("\n")
                if is_stmt:
                    if pending:
                        my.write(slow_entry(*pending))
                    sql = msg.split(": ", 1)[1] if msg.startswith("statement: ") else msg.split(">: ", 1)[-1]
                    pending = [t, pid2, sql.strip(), None]
                elif level == "DETAIL" and pending and msg.startswith("parameters: "):
                    pending[3] = msg[len("parameters: "):].strip()
            copy += 1
        if pending:
            my.write(slow_entry(*pending))
    os.replace(tmp_pg, blog_path)
    os.replace(tmp_my, blog_slow)
    return True


def slow_entry(t, pid, sql, params):
    if params:
        vals = dict(re.findall(r"\$(\d+) = ('(?:[^']|'')*'|NULL)", params))
        sql = re.sub(r"\$(\d+)", lambda m: vals.get(m.group(1), m.group(0)), sql)
    sql = sql.replace("\n", " ")
    return (f"# Time: {time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(t // 1000))}.{(t % 1000) * 1000:06d}Z\n"
            f"# User@Host: app[app] @ localhost []  Id: {pid}\n"
            f"# Query_time: 0.000500  Lock_time: 0.000001 Rows_sent: 1  Rows_examined: 1\n"
            f"SET timestamp={t // 1000};\n{sql};\n")


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


def ensure_pt():
    if SKIP_PT:
        return False
    if not shutil.which("pt-query-digest"):
        subprocess.run(["apt-get", "update", "-q"], check=False, stdout=subprocess.DEVNULL)
        subprocess.run(["apt-get", "install", "-y", "-q", "percona-toolkit"], check=False, stdout=subprocess.DEVNULL)
    if not shutil.which("pt-query-digest"):
        print("pt-query-digest not available; skipped")
        return False
    return True


def measure(title, log, slow, schema=None):
    mb = os.path.getsize(log) / 1e6
    print(f"\n## {title}: {log} ({mb:.0f} MB, {N:,} statements)")
    res = {}
    for jobs in ("1", "2"):
        el, rss = run([BIN, "replay", "--jobs", jobs, "--format", "json", log])
        res[jobs] = el
        print(f"ormlint, {jobs} thread{'s' if jobs != '1' else ' '}: {el:8.2f} s  {N / el:12,.0f} statements/s  {mb / el:6.0f} MB/s  peak {rss:.0f} MB")
    if schema:
        sel, srss = run([BIN, "replay", "--format", "json", "--schema", schema, log])
        print(f"  with --schema:   {sel:8.2f} s  ({(sel / res['2'] - 1) * 100:+.1f}% for replaying the shapes; peak {srss:.0f} MB)")
    if ensure_pt():
        pel, prss = run(["pt-query-digest", "--type", "slowlog", slow])
        print(f"pt-query-digest:   {pel:8.2f} s  {N / pel:12,.0f} statements/s  peak {prss:.0f} MB (the same events as a slow log)")
        print(f"ormlint is {pel / res['2']:.0f}x faster ({pel / res['1']:.0f}x on one thread)")


def main():
    if not os.path.exists(BIN):
        sys.exit("build first: cargo build --release")
    if not os.path.exists("/usr/bin/time"):
        subprocess.run(["apt-get", "install", "-y", "-q", "time"], check=False)
    t0 = time.monotonic()
    if generate_blog():
        print(f"realistic log generated in {time.monotonic() - t0:.0f} s")
        measure("realistic (pg-blog replicated, values varied)", blog_path, blog_slow,
                os.path.join(PGBLOG, "schema.sql") if os.path.exists(os.path.join(PGBLOG, "schema.sql")) else None)
    else:
        print(f"realistic log skipped: {blog_src} not found (--pgblog DIR)")
    t0 = time.monotonic()
    generate()
    print(f"\nsynthetic log generated in {time.monotonic() - t0:.0f} s")
    measure("synthetic", pg_path, my_path, os.path.join(ROOT, "bench/schema.sql"))


main()

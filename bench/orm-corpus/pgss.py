#!/usr/bin/env python3
"""pg_stat_statements against the statement log of the same run.

usage:
  pgss.py capture [APP]   a throwaway cluster with pg_stat_statements
                          (CORPUS_PG /tmp/ormlint-pgss-pg, port 55443),
                          the corpus shop's schema and rows, one run of APP
                          (default sqlalchemy); keeps its log and the view's
                          exports (CSV and JSON lines) in pgss/
  pgss.py compare [BINARY]
                          `replay --profile` of the log and of each export:
                          how the shapes rank by total time in each

The view counts execution time only, normalises constants to `$n` itself,
and merges what the log keeps apart (and the other way round); the
comparison says where.
"""
import gzip
import json
import os
import shutil
import subprocess
import sys

os.environ.setdefault("CORPUS_PG", "/tmp/ormlint-pgss-pg")
os.environ.setdefault("CORPUS_PORT", "55443")
os.environ["CORPUS_PG_CONF"] = "shared_preload_libraries = 'pg_stat_statements'\npg_stat_statements.track = top"

import corpus  # noqa: E402  (reads the environment above)

HERE = corpus.HERE
OUT = os.path.join(HERE, "pgss")


def capture(app):
    corpus.seed_pg()
    corpus.psql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    subprocess.run(["./pg.sh", "rotate"], cwd=HERE, check=True)
    corpus.psql("SELECT pg_stat_statements_reset()")
    truth = "/tmp/ormlint-pgss-truth"
    os.makedirs(truth, exist_ok=True)
    cmd = corpus.APPS[app][:-1] + [truth]
    subprocess.run(cmd, cwd=HERE, check=True)
    os.makedirs(OUT, exist_ok=True)
    where = "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'shop') AND query NOT LIKE '%pg_stat_statements%'"
    for name, sql in (
        ("pgss.csv", f"\\copy (SELECT * FROM pg_stat_statements {where} ORDER BY queryid) TO '{OUT}/{app}.pgss.csv' CSV HEADER"),
        ("pgss.json", f"\\copy (SELECT row_to_json(s) FROM (SELECT * FROM pg_stat_statements {where} ORDER BY queryid) s) TO '{OUT}/{app}.pgss.json'"),
    ):
        subprocess.run(["psql", "-X", "-q", "-h", "127.0.0.1", "-p", corpus.PORT, "-U", "postgres", "-d", "shop", "-c", sql], check=True)
    subprocess.run(["./pg.sh", "down"], cwd=HERE, check=True)
    with open(os.path.join(corpus.PG_DIR, "log", "pg.log"), "rb") as src, \
            gzip.GzipFile(os.path.join(OUT, f"{app}.pg.log.gz"), "wb", mtime=0) as dst:
        shutil.copyfileobj(src, dst)
    print(f"wrote pgss/{app}.pg.log.gz, pgss/{app}.pgss.csv, pgss/{app}.pgss.json")


def profile(binary, args):
    r = subprocess.run([binary, "--format", "json", "replay", "--profile", *args], capture_output=True, text=True)
    if r.returncode not in (0, 1):
        sys.exit(r.stderr)
    return {p["fingerprint"]: p for p in json.loads(r.stdout)["profile"]}


def ranks(prof):
    order = sorted(prof, key=lambda k: (-prof[k]["total_ms"], k))
    return {k: i + 1 for i, k in enumerate(order)}


def spearman(a, b):
    common = [k for k in a if k in b]
    n = len(common)
    if n < 2:
        return float("nan"), n
    ra = {k: i for i, k in enumerate(sorted(common, key=lambda k: a[k]))}
    rb = {k: i for i, k in enumerate(sorted(common, key=lambda k: b[k]))}
    d2 = sum((ra[k] - rb[k]) ** 2 for k in common)
    return 1 - 6 * d2 / (n * (n * n - 1)), n


def compare(binary):
    for f in sorted(os.listdir(OUT)):
        if not f.endswith(".pg.log.gz"):
            continue
        app = f[: -len(".pg.log.gz")]
        log = "/tmp/ormlint-pgss-" + app + ".log"
        with gzip.open(os.path.join(OUT, f)) as src, open(log, "wb") as dst:
            shutil.copyfileobj(src, dst)
        from_log = profile(binary, [log])
        # What the view tracks: statements, not transaction control.
        tx = ("begin", "commit", "rollback")
        from_log = {k: v for k, v in from_log.items() if k not in tx and "pg_stat_statements" not in k}
        rl = ranks(from_log)
        for export in (f"{app}.pgss.csv", f"{app}.pgss.json"):
            from_view = profile(binary, ["--pg-stat-statements", os.path.join(OUT, export)])
            from_view = {k: v for k, v in from_view.items() if k not in tx}
            rv = ranks(from_view)
            rho, n = spearman(rl, rv)
            top = lambda r, k: {s for s, i in r.items() if i <= k}
            print(f"{app} {export}: {len(from_log)} shapes in the log, {len(from_view)} in the view, {n} in both; "
                  f"Spearman {rho:.3f} over those; top-10 by time shared {len(top(rl, 10) & top(rv, 10))}/10, "
                  f"top-5 {len(top(rl, 5) & top(rv, 5))}/5")
            calls_differ = [(k, from_log[k]["count"], from_view[k]["count"]) for k in from_log if k in from_view and from_log[k]["count"] != from_view[k]["count"]]
            for k, a, b in calls_differ[:5]:
                print(f"   calls differ: log {a}, view {b}: {k[:100]}")
            for k in sorted(set(from_log) - set(from_view), key=lambda k: rl[k])[:5]:
                print(f"   only in the log (rank {rl[k]}): {k[:110]}")
            for k in sorted(set(from_view) - set(from_log), key=lambda k: rv[k])[:5]:
                print(f"   only in the view (rank {rv[k]}): {k[:110]}")


def main():
    args = sys.argv[1:]
    if not args or args[0] not in ("capture", "compare"):
        sys.exit(__doc__)
    if args[0] == "capture":
        capture(args[1] if len(args) > 1 else "sqlalchemy")
    else:
        compare(args[1] if len(args) > 1 else os.path.join(corpus.ROOT, "target", "release", "ormlint"))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""From what size of table does PostgreSQL's own planner pick an index, by
kind of lookup? The answer sets missing-index's `min-rows` defaults.

For each size N, a table of N rows (a unique-ish text key, a 4-valued
status, an increasing timestamp, ~100 bytes of payload) is loaded and
analysed; each lookup is planned (EXPLAIN, FORMAT JSON) without the index
and with it, and run (EXPLAIN ANALYZE, best of 5) both ways. An index
"wins" when the planner picks it and the planned cost drops.

usage: measure.py [PORT]   (a running cluster; bench/orm-corpus/pg.sh start)
prints a table; RESULTS.md keeps the last one."""
import json
import subprocess
import sys

PORT = sys.argv[1] if len(sys.argv) > 1 else "55440"
SIZES = [50, 100, 200, 500, 1000, 2000, 5000, 10000, 50000]
LOOKUPS = {
    "equality, selective (key = ?)": ("key", "SELECT * FROM t WHERE key = 'k{mid}'"),
    "equality, 4 values (status = ?)": ("status", "SELECT * FROM t WHERE status = 2"),
    "range, ~1% (at > ?)": ("at", "SELECT * FROM t WHERE at > now() - interval '{pct1} seconds'"),
    "range, ~30% (at > ?)": ("at", "SELECT * FROM t WHERE at > now() - interval '{pct30} seconds'"),
    "sort + LIMIT 20 (ORDER BY at DESC)": ("at", "SELECT * FROM t ORDER BY at DESC LIMIT 20"),
}


def psql(sql):
    r = subprocess.run(["psql", "-X", "-q", "-tA", "-h", "127.0.0.1", "-p", PORT, "-U", "postgres",
                        "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c", sql],
                       capture_output=True, text=True, check=True)
    return r.stdout.strip()


def plan(sql):
    p = json.loads(psql(f"EXPLAIN (FORMAT JSON) {sql}"))[0]["Plan"]
    nodes, stack = [], [p]
    while stack:
        n = stack.pop()
        nodes.append(n["Node Type"])
        stack.extend(n.get("Plans", []))
    return p["Total Cost"], nodes


def run_ms(sql):
    best = None
    for _ in range(5):
        p = json.loads(psql(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}"))[0]
        t = p["Execution Time"]
        best = t if best is None else min(best, t)
    return best


def main():
    print(f"PostgreSQL {psql('SHOW server_version')}")
    rows = []
    for n in SIZES:
        psql("DROP TABLE IF EXISTS t")
        psql("CREATE TABLE t (id serial PRIMARY KEY, key text, status int, at timestamptz, payload text)")
        psql(f"INSERT INTO t (key, status, at, payload) SELECT 'k' || g, g % 4, now() - (g || ' seconds')::interval, repeat('x', 80) FROM generate_series(1, {n}) g")
        psql("VACUUM ANALYZE t")
        for name, (col, tmpl) in LOOKUPS.items():
            sql = tmpl.format(mid=n // 2, pct1=max(1, n // 100), pct30=max(1, n * 3 // 10))
            cost0, _ = plan(sql)
            ms0 = run_ms(sql)
            psql(f"CREATE INDEX t_idx ON t ({col})")
            psql("ANALYZE t")
            cost1, nodes = plan(sql)
            ms1 = run_ms(sql)
            psql("DROP INDEX t_idx")
            used = any("Index" in x or "Bitmap" in x for x in nodes)
            rows.append((name, n, used and cost1 < cost0, cost0, cost1, ms0, ms1))
    print("| lookup | rows | index picked | cost without → with | ms without → with |")
    print("|---|---:|---|---|---|")
    for name, n, win, c0, c1, m0, m1 in rows:
        print(f"| {name} | {n} | {'yes' if win else 'no'} | {c0:.1f} → {c1:.1f} | {m0:.3f} → {m1:.3f} |")
    psql("DROP TABLE IF EXISTS t")


main()

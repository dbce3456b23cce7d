#!/usr/bin/env python3
"""The ORM corpus: real PostgreSQL logs of one shop app written on several
ORMs, labelled from what each app recorded it ran, and ormlint scored on
them per ORM and rule.

usage:
  corpus.py build [ORM ...]   run each app against a throwaway cluster
                              (pg.sh), keep its logs (stderr, csvlog,
                              jsonlog; gzip) and truth, and write labels
  corpus.py labels [ORM ...]  label again from the committed truth
  corpus.py score [BINARY] [--explain-with URL]
                              replay the committed logs and print precision
                              and recall per ORM, log format and rule; with
                              a URL (the seeded cluster: `corpus.py seed`),
                              PostgreSQL logs are planned there, not on the
                              SQLite replica of schema.sql
  corpus.py compare URL [BINARY]
                              missing-index per shape, SQLite replica against
                              PostgreSQL + HypoPG at URL: where they differ
  corpus.py seed              a fresh seeded cluster with HypoPG, left running

`build` needs PostgreSQL, Python (sqlalchemy, django, psycopg2) and Node
(`npm install` here); `score` needs only the committed files.

Labels (labels.json) come from the apps' own records (truth/<orm>.jsonl),
never from ormlint:
- n-plus-one: in a request of an endpoint written as N+1, the statement
  the app ran once per row (the same text, values aside, 3 times or more);
  one label per ORM and statement shape;
- duplicate-query: a statement a request ran twice with the same values;
- sql-injection: every statement of the endpoint that splices its input
  into raw SQL, with the evidence a log can carry of it: `broken-quote`
  (the value's apostrophe broke the statement), `tautology`,
  `spliced-literal` (a literal where a server-binding driver's twin has
  `$1`), or none (a client-binding driver logs it like a bound value);
  recall counts the kinds of evidence found;
- missing-index: for each table and filter column the statements use,
  EXPLAIN on the seeded database (schema.sql, seed.sql) with and without
  the index (created inside a rolled-back transaction): a label when the
  plan goes from a sequential scan to an index scan.

Scoring is by shape: a finding is a true positive when it names a labelled
shape (n-plus-one, duplicate-query: the table and filter columns of its
query; missing-index: table and first column; sql-injection: the log
statement at the finding's line is one of the labelled executions).
"""
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PG_DIR = os.environ.get("CORPUS_PG", "/tmp/ormlint-corpus-pg")
PORT = os.environ.get("CORPUS_PORT", "55440")
DSN = f"postgresql://postgres@127.0.0.1:{PORT}/shop"

# Whether the app's driver binds values on the server (the log shows `$1`
# and a parameters line) or on the client (values inline, as if spliced).
RUST_TARGET = os.environ.get("CORPUS_RUST_TARGET", "/tmp/corpus-rust-target")
RUST_APPS = ("diesel", "sqlx", "seaorm")
BINDS_ON_SERVER = {"diesel": True, "sqlx": True, "seaorm": True, "lucid": True, "typeorm": True, "prisma": True, "tooling": False, "sqlalchemy-mariadb": False, "sequelize-mariadb": False, "sqlalchemy": False, "django": False, "drizzle": True, "sequelize": False, "activerecord": False, "eloquent": True}
APPS = {
    "sqlalchemy": ["python3", "apps/sqlalchemy_shop.py", f"postgresql+psycopg2://postgres@127.0.0.1:{PORT}/shop", "truth"],
    "django": ["python3", "apps/django_shop.py", "127.0.0.1", PORT, "truth"],
    "drizzle": ["node", "apps/drizzle_shop.mjs", DSN, "truth"],
    "sequelize": ["node", "apps/sequelize_shop.cjs", DSN, "truth"],
    "activerecord": ["ruby", "apps/activerecord_shop.rb", "127.0.0.1", PORT, "truth"],
    "eloquent": ["php", "apps/eloquent_shop.php", "127.0.0.1", PORT, "truth"],
    "prisma": ["node", "apps/prisma_shop.mjs", DSN, "truth"],
    "typeorm": ["node", "apps/typeorm_shop.cjs", DSN, "truth"],
    "lucid": ["node", "apps/lucid_shop.mjs", DSN, "truth"],
    # Rust: built by `build` (apps/rust, cargo); their statements are read
    # back from the server's log (see fill_truth_from_log).
    "diesel": [os.path.join(RUST_TARGET, "debug", "diesel_shop"), DSN, "scenario.json", "truth"],
    "sqlx": [os.path.join(RUST_TARGET, "debug", "sqlx_shop"), DSN, "scenario.json", "truth"],
    "seaorm": [os.path.join(RUST_TARGET, "debug", "seaorm_shop"), DSN, "scenario.json", "truth"],
    # No app: the tools around one (psql, pg_dump, introspection, a
    # monitoring agent, health checks, savepoints). Every finding is false.
    "tooling": ["python3", "apps/tooling.py", "127.0.0.1", PORT, "truth"],
}
# The same apps on MariaDB (general and slow logs): name → (app, CORPUS_ORM).
MARIA_PORT = os.environ.get("CORPUS_MARIA_PORT", "55441")
MARIA_APPS = {
    "sqlalchemy-mariadb": ["python3", "apps/sqlalchemy_shop.py", f"mysql+pymysql://root@127.0.0.1:{MARIA_PORT}/shop", "truth"],
    "sequelize-mariadb": ["node", "apps/sequelize_shop.cjs", f"mysql://root@127.0.0.1:{MARIA_PORT}/shop", "truth"],
}
MARIA_DIR = os.environ.get("CORPUS_MARIA", "/tmp/ormlint-corpus-maria")
MARIA_FORMATS = {"general": "general.log", "slow": "slow.log"}
# Kept out of any tuning of the rules; reported apart.
HELD_OUT = "drizzle"
FORMATS = {"stderr": "pg.log", "csvlog": "pg.csv", "jsonlog": "pg.json"}
N_PLUS_ONE = {"orders_items_lazy", "reviews_lazy"}
UNSAFE = "search_unsafe"

TAG = re.compile(r"\s*/\*.*?\*/\s*(?=;?\s*$)", re.S)


def shape(sql):
    """Values, placeholders, quoting and case removed: what a statement
    looks like whatever driver logged it."""
    s = TAG.sub("", sql)
    s = re.sub(r"'(?:[^']|'')*'", "?", s)
    s = re.sub(r"%\(\w+\)s|%s|\$\d+|\b\d+\b", "?", s)
    s = s.replace('"', "").replace("`", "").lower()
    return " ".join(s.split())


def where_columns(s):
    """(table, columns) a shape filters on: `FROM t … WHERE t.c = ?`."""
    m = re.search(r"\bfrom (?:\w+\.)?(\w+)", s)
    table = m.group(1) if m else None
    where = s.split(" where ", 1)[1] if " where " in s else ""
    cols = sorted(set(re.findall(r"(?:\w+\.)?(\w+) (?:=|in|>|<|like) ", where + " ")))
    return table, cols


def psql(sql):
    if DB[0] == "maria":
        r = subprocess.run(["mariadb", "--no-defaults", "-uroot", "-h127.0.0.1", f"-P{MARIA_PORT}", "-N", "-B", "-r", "shop", "-e", sql],
                           capture_output=True, text=True)
        if r.returncode:
            raise RuntimeError(r.stderr)
        return r.stdout
    r = subprocess.run(["psql", "-X", "-q", "-tA", "-h", "127.0.0.1", "-p", PORT, "-U", "postgres", "-d", "shop", "-c", sql],
                       capture_output=True, text=True)
    if r.returncode:
        raise RuntimeError(r.stderr)
    return r.stdout


# Which server the labeller asks: "pg" or "maria".
DB = ["pg"]


def index_helps_maria(table, column, sample):
    """MariaDB: the sample reads the whole table (`access_type: ALL`, or a
    whole index in order) without the index, and MariaDB's planner picks
    the index once it exists (DDL is not transactional there: the probe
    index is dropped again)."""
    def full_scan():
        # The whole table, or the whole of an index walked in order (a
        # primary key read backwards until the LIMIT is met).
        plan = psql(f"EXPLAIN FORMAT=JSON {sample}")
        return f'"table_name": "{table}"' in plan and (
            '"access_type": "ALL"' in plan or '"access_type": "index"' in plan)
    order = re.search(r"ORDER BY (\w+)", sample)
    if not full_scan():
        return False
    for cols in [column] + ([f"{column}, {order.group(1)}"] if order else []):
        psql(f"CREATE INDEX corpus_probe ON {table} ({cols})")
        try:
            used = "corpus_probe" in psql(f"EXPLAIN FORMAT=JSON {sample}")
        finally:
            psql(f"DROP INDEX corpus_probe ON {table}")
        if used:
            return True
    return False


def index_helps(table, column, sample):
    if DB[0] == "maria":
        return index_helps_maria(table, column, sample)
    """EXPLAIN the sample without and with an index on (column): the index
    helps when the planner uses it and the plan's cost at least halves
    (the margin Dexter-style advisors use)."""
    before = json.loads(psql(f"EXPLAIN (FORMAT JSON) {sample}"))[0]["Plan"]["Total Cost"]
    # The column alone, and with the sample's sort column after it.
    order = re.search(r"ORDER BY (\w+)", sample)
    for cols in [column] + ([f"{column}, {order.group(1)}"] if order else []):
        after = psql(f"BEGIN; CREATE INDEX corpus_probe ON {table} ({cols}); EXPLAIN (FORMAT JSON) {sample}; ROLLBACK;")
        after = json.loads(after[after.index("["):after.rindex("]") + 1])
        if "corpus_probe" in json.dumps(after) and after[0]["Plan"]["Total Cost"] <= before / 2:
            return True
    return False


def seed_pg():
    """A fresh cluster (pg.sh up) with the shop's schema and rows."""
    subprocess.run(["./pg.sh", "up"], cwd=HERE, check=True)
    subprocess.run(["psql", "-X", "-q", "-h", "127.0.0.1", "-p", PORT, "-U", "postgres", "-c", "CREATE DATABASE shop"], check=True)
    for f in ("schema.sql", "seed.sql"):
        subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", PORT, "-U", "postgres", "-d", "shop", "-f", f], cwd=HERE, check=True)


def fill_truth_from_log(orm, log_path):
    """The Rust apps record each request's id and server process, not its
    SQL: a request's statements are those its process ran after the
    `SELECT pg_backend_pid() /* request rNNN */` it began with, up to the
    end of its transaction."""
    path = os.path.join(HERE, "truth", f"{orm}.jsonl")
    truth = [json.loads(l) for l in open(path)]
    by_rid = {r["rid"]: r for r in truth}
    head = re.compile(r"^\S+ \S+ UTC \[(\d+)\] .*? LOG:  (?:statement|execute [^:]*): (.*)$")
    stmt = re.compile(r"^\S+ \S+ UTC \[(\d+)\] .*? STATEMENT:  (.*)$")
    current = {}  # pid -> the request it is running
    last = None
    for line in open(log_path, encoding="utf-8", errors="replace"):
        line = line.rstrip("\n")
        if line.startswith("\t") and last is not None:
            last["statements"][-1] += "\n" + line[1:]
            continue
        last = None
        m = head.match(line)
        failed = stmt.match(line)
        if failed:
            # A statement the server could not parse is logged only here.
            r = current.get(int(failed.group(1)))
            if r is not None and r["statements"][-1:] != [failed.group(2)]:
                r["statements"].append(failed.group(2))
                last = r
            continue
        if not m:
            continue
        pid, sql = int(m.group(1)), m.group(2)
        ask = re.search(r"pg_backend_pid\(\).*request (r\d+)", sql)
        if ask:
            current[pid] = by_rid.get(ask.group(1))
            if current[pid] is not None:
                current[pid]["statements"] = []
            continue
        if sql.strip().upper() in ("COMMIT", "ROLLBACK"):
            current.pop(pid, None)
            continue
        r = current.get(pid)
        if r is not None:
            r["statements"].append(sql)
            last = r
    with open(path, "w") as f:
        for r in truth:
            r.setdefault("statements", [])
            f.write(json.dumps(r) + "\n")


def build(orms):
    if any(o in RUST_APPS for o in orms):
        env = dict(os.environ, CARGO_TARGET_DIR=RUST_TARGET)
        subprocess.run(["cargo", "build", "--bins"], cwd=os.path.join(HERE, "apps", "rust"), env=env, check=True)
    seed_pg()
    subprocess.run(["./pg.sh", "down"], cwd=HERE, check=True)
    for orm in orms:
        # Each app's run alone in its logs: start with empty ones, stop
        # the server after the run so that they are complete.
        subprocess.run(["./pg.sh", "start"], cwd=HERE, check=True)
        subprocess.run(APPS[orm], cwd=HERE, check=True)
        subprocess.run(["./pg.sh", "down"], cwd=HERE, check=True)
        dest = os.path.join(HERE, "logs", orm)
        os.makedirs(dest, exist_ok=True)
        for name in FORMATS.values():
            with open(os.path.join(PG_DIR, "log", name), "rb") as src, \
                    gzip.GzipFile(os.path.join(dest, name + ".gz"), "wb", mtime=0) as dst:
                shutil.copyfileobj(src, dst)
        if orm in RUST_APPS:
            fill_truth_from_log(orm, os.path.join(PG_DIR, "log", FORMATS["stderr"]))
    subprocess.run(["./pg.sh", "start"], cwd=HERE, check=True)
    labels = make_labels(orms)
    subprocess.run(["./pg.sh", "down"], cwd=HERE, check=True)
    write_labels(labels)


def write_labels(labels):
    path = os.path.join(HERE, "labels.json")
    old = json.load(open(path)) if os.path.exists(path) else {}
    old.update(labels)
    with open(path, "w") as f:
        json.dump(old, f, indent=1, sort_keys=True)
        f.write("\n")


def relabel(orms):
    """Labels again from the committed truth, on a fresh seeded cluster."""
    seed_pg()
    labels = make_labels(orms)
    subprocess.run(["./pg.sh", "down"], cwd=HERE, check=True)
    write_labels(labels)


def make_labels(orms):
    out = {}
    for orm in orms:
        truth = [json.loads(l) for l in open(os.path.join(HERE, "truth", f"{orm}.jsonl"))]
        lab = {"n-plus-one": [], "duplicate-query": [], "sql-injection": [], "missing-index": []}
        for r in truth:
            seen = defaultdict(list)
            for s in r["statements"]:
                seen[shape(s)].append(TAG.sub("", s))
            for sh, texts in seen.items():
                if not sh.startswith("select"):
                    continue
                table, cols = where_columns(sh)
                if r["endpoint"] in N_PLUS_ONE and len(texts) >= 3:
                    key = {"table": table, "columns": cols, "shape": sh}
                    if key not in lab["n-plus-one"]:
                        lab["n-plus-one"].append(key)
                if r["endpoint"] == "customer_twice" and len(texts) >= 2 and len(set(texts)) < len(texts):
                    key = {"table": table, "columns": cols, "shape": sh}
                    if key not in lab["duplicate-query"]:
                        lab["duplicate-query"].append(key)
            if r["endpoint"] == UNSAFE:
                for s in r["statements"]:
                    text = TAG.sub("", s)
                    # What a log can show of it: a value that broke the
                    # quoting (the statement failed), a tautology, or, where
                    # the driver binds on the server, a literal where the
                    # bound twin has `$1`. A client-binding driver logs a
                    # plain spliced value exactly as it logs a bound one.
                    if r["error"] is not None:
                        evidence = "broken-quote"
                    elif "' or '" in text.lower():
                        evidence = "tautology"
                    elif BINDS_ON_SERVER[orm]:
                        evidence = "spliced-literal"
                    else:
                        evidence = None
                    lab["sql-injection"].append({"rid": r["rid"], "text": text, "evidence": evidence})
        # Missing indexes, from PostgreSQL's own plans.
        probes = {}
        for r in truth:
            for s in r["statements"]:
                sh = shape(s)
                if not sh.startswith("select"):
                    continue
                table, cols = where_columns(sh)
                for c in cols:
                    probes.setdefault((table, c), sample_for(table, c))
        for (table, c), sample in sorted(probes.items()):
            if sample and index_helps(table, c, sample):
                lab["missing-index"].append({"table": table, "columns": [c], "explain": sample})
        out[orm] = lab
    return out


SAMPLES = {
    ("orders", "status"): "SELECT * FROM orders WHERE status = 'pending' ORDER BY id DESC LIMIT 20",
}


def sample_for(table, column):
    """A query on the seeded data that filters `table` by `column` with a
    value that exists."""
    if (table, column) in SAMPLES:
        return SAMPLES[(table, column)]
    try:
        exists = psql(f"SELECT 1 FROM information_schema.columns WHERE table_name = '{table}' AND column_name = '{column}'")
        if not exists.strip():
            return None
        quote = "QUOTE" if DB[0] == "maria" else "quote_literal"
        v = psql(f"SELECT {quote}({column}) FROM {table} LIMIT 1 OFFSET 7").strip()
    except RuntimeError:
        return None
    return f"SELECT * FROM {table} WHERE {column} = {v}" if v else None


def logs_of(orm):
    formats = MARIA_FORMATS if orm in MARIA_APPS else FORMATS
    return {fmt: os.path.join(HERE, "logs", orm, f + ".gz") for fmt, f in formats.items()}


def seed_maria():
    subprocess.run(["./maria.sh", "up"], cwd=HERE, check=True)
    subprocess.run(["mariadb", "--no-defaults", "-uroot", "-h127.0.0.1", f"-P{MARIA_PORT}", "-e", "CREATE DATABASE shop"], check=True)
    for f in ("schema_mysql.sql", "seed_mysql.sql"):
        with open(os.path.join(HERE, f)) as fh:
            subprocess.run(["mariadb", "--no-defaults", "-uroot", "-h127.0.0.1", f"-P{MARIA_PORT}", "shop"], stdin=fh,
                           stdout=subprocess.DEVNULL, check=True)


def label_maria(names):
    DB[0] = "maria"
    try:
        labels = make_labels(names)
    finally:
        DB[0] = "pg"
        subprocess.run(["./maria.sh", "down"], cwd=HERE, check=True)
    write_labels(labels)


def build_maria(names):
    seed_maria()
    subprocess.run(["./maria.sh", "down"], cwd=HERE, check=True)
    for name in names:
        subprocess.run(["./maria.sh", "start"], cwd=HERE, check=True)
        subprocess.run(MARIA_APPS[name], cwd=HERE, check=True, env=dict(os.environ, CORPUS_ORM=name))
        subprocess.run(["./maria.sh", "down"], cwd=HERE, check=True)
        dest = os.path.join(HERE, "logs", name)
        os.makedirs(dest, exist_ok=True)
        for f in MARIA_FORMATS.values():
            with open(os.path.join(MARIA_DIR, "log", f), "rb") as src, \
                    gzip.GzipFile(os.path.join(dest, f + ".gz"), "wb", mtime=0) as dst:
                shutil.copyfileobj(src, dst)
    subprocess.run(["./maria.sh", "start"], cwd=HERE, check=True)
    label_maria(names)


def replay(binary, path, explain=None):
    raw = gzip.open(path).read()
    tmp = os.path.join("/tmp", "ormlint-corpus-" + os.path.basename(path)[:-3])
    with open(tmp, "wb") as f:
        f.write(raw)
    schema = "schema_mysql.sql" if "mariadb" in path else "schema.sql"
    planner = ["--schema", os.path.join(HERE, schema)]
    if explain and "mariadb" not in path:
        planner = ["--explain-with", explain]
    r = subprocess.run([binary, "replay", "--format", "json", *planner, tmp],
                       capture_output=True, text=True)
    if r.returncode not in (0, 1):
        sys.exit(f"ormlint failed on {path}: {r.stderr}")
    lines = raw.decode("utf-8", "replace").split("\n")
    return json.loads(r.stdout)["diagnostics"], lines


def finding_shape(d):
    q = (d.get("query") or {}).get("fingerprint") or ""
    return shape(q)


def score(binary, explain=None):
    labels = json.load(open(os.path.join(HERE, "labels.json")))
    rows = []
    for orm in sorted(labels):
        lab = labels[orm]
        for fmt, path in logs_of(orm).items():
            if not os.path.exists(path):
                continue
            diags, lines = replay(binary, path, explain)
            for rule in ("n-plus-one", "duplicate-query", "missing-index", "sql-injection"):
                found = [d for d in diags if d["rule"] == rule]
                expected = lab[rule] if rule != "sql-injection" else [x for x in lab[rule] if x["evidence"]]
                hit = set()
                tp = 0
                for d in found:
                    if rule == "missing-index":
                        m = re.match(r"`(\w+)` is read in full for `(\w+)", d["message"])
                        k = [i for i, x in enumerate(expected) if m and x["table"] == m.group(1) and x["columns"][0] == m.group(2)]
                    elif rule == "sql-injection":
                        at = d["location"]["line"] - 1
                        # The record at the finding's line (a slow-log entry
                        # starts with its `# Time:` header lines).
                        text = " ".join(lines[at:at + 8]) if 0 <= at < len(lines) else ""
                        k = [i for i, x in enumerate(expected) if x["text"][:60] in text or x["text"][:60].replace("'", "''") in text]
                    else:
                        t, c = where_columns(finding_shape(d))
                        k = [i for i, x in enumerate(expected) if x["table"] == t and x["columns"] == c]
                    tp += bool(k)
                    hit.update(k)
                if rule == "sql-injection":
                    # Recall by kind of evidence: each kind the log carries
                    # is found when a finding points at one of its executions.
                    kinds = {x["evidence"] for x in expected}
                    rows.append((orm, fmt, rule, tp, len(found), len({expected[i]["evidence"] for i in hit}), len(kinds)))
                    continue
                rows.append((orm, fmt, rule, tp, len(found), len(hit), len(expected)))
    print(f"{'orm':<11} {'log':<8} {'rule':<16} {'precision':>12} {'recall':>12}")
    for orm, fmt, rule, tp, n, h, e in rows:
        p = f"{tp}/{n}" if n else "-"
        r = f"{h}/{e}" if e else "-"
        held = " (held out)" if orm == HELD_OUT else ""
        print(f"{orm:<11} {fmt:<8} {rule:<16} {p:>12} {r:>12}{held}")


def index_findings(diags):
    """(table, columns, fingerprint) of each missing-index finding."""
    out = set()
    for d in diags:
        if d["rule"] != "missing-index":
            continue
        m = re.match(r"`(\w+)` is read in full for .*?an index on \(([^)]*)\)", d["message"])
        if m:
            out.add((m.group(1), m.group(2), (d.get("query") or {}).get("fingerprint") or ""))
    return out


def compare(url, binary):
    """Per PostgreSQL log (stderr form), the index proposals of the SQLite
    replica and of PostgreSQL with HypoPG, and where they differ."""
    both = only_sqlite = only_pg = 0
    for orm in sorted(APPS):
        path = logs_of(orm).get("stderr")
        if not path or not os.path.exists(path):
            continue
        lite = index_findings(replay(binary, path)[0])
        pg = index_findings(replay(binary, path, url)[0])
        both += len(lite & pg)
        for tag, diff in (("sqlite only", lite - pg), ("postgres only", pg - lite)):
            for t, cols, fp in sorted(diff):
                print(f"{orm:<12} {tag:<14} {t}({cols})  {fp[:110]}")
        only_sqlite += len(lite - pg)
        only_pg += len(pg - lite)
    print(f"agree on {both} proposals; {only_sqlite} only on the SQLite replica, {only_pg} only on PostgreSQL")


def main():
    args = sys.argv[1:]
    if not args or args[0] not in ("build", "labels", "score", "compare", "seed"):
        sys.exit(__doc__)
    if args[0] == "seed":
        seed_pg()
        psql("CREATE EXTENSION IF NOT EXISTS hypopg")
        return
    if args[0] == "compare":
        if len(args) < 2:
            sys.exit(__doc__)
        return compare(args[1], args[2] if len(args) > 2 else os.path.join(ROOT, "target", "release", "ormlint"))
    if args[0] == "build":
        wanted = args[1:] or list(APPS) + list(MARIA_APPS)
        pg = [o for o in wanted if o in APPS]
        if pg:
            build(pg)
        maria = [o for o in wanted if o in MARIA_APPS]
        if maria:
            build_maria(maria)
    elif args[0] == "labels":
        have = [o for o in list(APPS) + list(MARIA_APPS) if os.path.exists(os.path.join(HERE, "truth", f"{o}.jsonl"))]
        wanted = args[1:] or have
        if [o for o in wanted if o in APPS]:
            relabel([o for o in wanted if o in APPS])
        if [o for o in wanted if o in MARIA_APPS]:
            seed_maria()
            label_maria([o for o in wanted if o in MARIA_APPS])
    else:
        explain = None
        if "--explain-with" in args:
            i = args.index("--explain-with")
            explain = args[i + 1]
            del args[i:i + 2]
        score(args[1] if len(args) > 1 else os.path.join(ROOT, "target", "release", "ormlint"), explain)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Boilerplate a staging database sees besides the app's own queries, sent
by the real tools: psql's describe commands, pg_dump, SQLAlchemy and Django
schema introspection, a monitoring agent's catalog polls, a pool's
pre-ping health check, session SET statements, nested transactions
(savepoints) and hand-built filters that start with `WHERE 1=1`.
None of it is a finding: every rule should stay silent on this log.
usage: tooling.py HOST PORT OUT_DIR"""
import json
import os
import subprocess
import sys

import psycopg2
import sqlalchemy as sa

host, port, out = sys.argv[1], sys.argv[2], sys.argv[3]
env = dict(os.environ, PGAPPNAME="tooling")
conn_args = ["-h", host, "-p", port, "-U", "postgres"]

# psql's describe commands (their catalog queries splice the pattern).
for cmd in (r"\dt", r"\d orders", r"\d+ customers", r"\di", r"\dn", r"\l", r"\d order_items", r"\d products"):
    subprocess.run(["psql", "-X", "-q", *conn_args, "-d", "shop", "-c", cmd],
                   env=env, check=True, capture_output=True)

# pg_dump of the schema: one round of catalog queries per table.
subprocess.run(["pg_dump", "--schema-only", *conn_args, "shop"], env=env, check=True,
               capture_output=True)

# SQLAlchemy: reflection of every table, and a pool that pings before use.
engine = sa.create_engine(f"postgresql+psycopg2://postgres@{host}:{port}/shop",
                          pool_pre_ping=True, pool_size=1, max_overflow=0,
                          connect_args={"application_name": "tooling-sqlalchemy"})
meta = sa.MetaData()
meta.reflect(bind=engine)
insp = sa.inspect(engine)
for t in insp.get_table_names():
    insp.get_columns(t)
    insp.get_indexes(t)
    insp.get_foreign_keys(t)
for i in range(12):
    with engine.connect() as c:
        c.execute(sa.text("SELECT id, name FROM customers WHERE id = :id"), {"id": i + 1}).all()
    engine.pool.dispose() if i % 4 == 3 else None

# Nested transactions, as `begin_nested()` does: savepoints around two
# different writes (a savepoint is not a query of its own).
with engine.begin() as c:
    with c.begin_nested():
        c.execute(sa.text("UPDATE products SET price_cents = price_cents WHERE id = :id"), {"id": 1})
    with c.begin_nested():
        c.execute(sa.text("UPDATE customers SET name = name WHERE id = :id"), {"id": 1})

# Django introspection (what `inspectdb` and the migration checks run).
import django  # noqa: E402
from django.conf import settings  # noqa: E402

settings.configure(
    DATABASES={"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "shop",
                           "USER": "postgres", "HOST": host, "PORT": port,
                           "OPTIONS": {"application_name": "tooling-django"}}},
    INSTALLED_APPS=[], USE_TZ=True)
django.setup()
from django.db import connection, transaction  # noqa: E402

with connection.cursor() as cur:
    for t in connection.introspection.table_names(cur):
        connection.introspection.get_table_description(cur, t)
        connection.introspection.get_constraints(cur, t)
        connection.introspection.get_relations(cur, t)
with transaction.atomic():
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("SELECT id FROM orders WHERE id = %s", [1])
connection.close()

# A monitoring agent's poll, every "15 seconds", on its own connection.
agent = psycopg2.connect(host=host, port=port, user="postgres", dbname="shop",
                         application_name="tooling-agent")
agent.autocommit = True
polls = [
    "SELECT datname, numbackends, xact_commit, xact_rollback, blks_read, blks_hit FROM pg_stat_database",
    "SELECT state, count(*) FROM pg_stat_activity GROUP BY state",
    "SELECT relname, seq_scan, idx_scan, n_live_tup FROM pg_stat_user_tables",
    "SELECT count(*) FROM pg_ls_dir('pg_wal') WHERE pg_ls_dir ~ '^[0-9A-F]{24}$'",
    "SELECT pg_database_size(datname) FROM pg_database WHERE datname = 'shop'",
    "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'",
]
with agent.cursor() as cur:
    for _ in range(4):
        for q in polls:
            cur.execute(q)
            cur.fetchall()
        cur.copy_expert("COPY (SELECT relname, n_dead_tup FROM pg_stat_user_tables WHERE n_dead_tup > 0) TO STDOUT", open(os.devnull, "w"))
agent.close()

# A session's settings, then filters built by appending to `WHERE 1=1`.
app = psycopg2.connect(host=host, port=port, user="postgres", dbname="shop",
                       application_name="tooling-report")
with app.cursor() as cur:
    cur.execute("SET TIME ZONE 'UTC'")
    cur.execute("SET statement_timeout = '5s'")
    cur.execute("SET search_path TO public")
    for status, cid in (("pending", 1), ("paid", 2), ("shipped", 3), ("pending", 4)):
        sql, args = "SELECT id, status FROM orders WHERE 1=1", []
        sql += " AND customer_id = %s"
        args.append(cid)
        sql += " AND status = %s"
        args.append(status)
        cur.execute(sql, args)
        cur.fetchall()
        app.commit()  # one report request each
    for email in ("ada@example.com", "grace@example.com", "linus@example.com"):
        cur.execute("SELECT id FROM customers WHERE (1 = 1) AND email = %s", [email])
        cur.fetchall()
        app.commit()
app.close()

os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "tooling.jsonl"), "w") as f:
    f.write(json.dumps({"orm": "tooling", "rid": "t001", "endpoint": "tooling",
                        "tagged": False, "statements": [], "error": None}) + "\n")

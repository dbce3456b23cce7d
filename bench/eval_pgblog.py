#!/usr/bin/env python3
"""Precision and recall of ormlint's runtime rules on the labeled pg-blog corpus.

usage: bench/eval_pgblog.py [PATH/TO/shared/corpus/pg-blog] [ORMLINT_BINARY]

Runs `ormlint replay --format json` on the stderr, csv and json logs and
matches each diagnostic with the ground truth in labels.json:
- n-plus-one: a finding matches an instance when its line is one of the
  instance's child lines (ormlint reports the first repeat); each instance
  counts once.
- sql-injection: a finding matches a labeled statement on the same line.
- missing-index (when --schema is given): a finding matches a labeled case
  whose example fingerprints sit on that line.
"""
import json
import os
import subprocess
import sys

corpus = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../../shared/corpus/pg-blog")
binary = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "../target/release/ormlint")
# A database loaded with the corpus's blog_schema_seed.sql (and HypoPG):
# missing-index is then planned there instead of on the SQLite replica.
explain = sys.argv[3] if len(sys.argv) > 3 else None
labels = json.load(open(os.path.join(corpus, "labels.json")))

def run(log):
    planner = ["--schema", os.path.join(corpus, "schema.sql")]
    if explain:
        planner = ["--explain-with", explain]
    out = subprocess.run([binary, "replay", "--format", "json", *planner, os.path.join(corpus, log)], capture_output=True, text=True)
    if out.returncode not in (0, 1):
        sys.exit(f"ormlint failed on {log}: {out.stderr}")
    return json.loads(out.stdout)["diagnostics"]

def score(name, tp, found, expected, matched):
    p = tp / found if found else 1.0
    r = matched / expected if expected else 1.0
    print(f"  {name:14} precision {tp}/{found} = {p:.2f}   recall {matched}/{expected} = {r:.2f}")

for fmt, log in labels["files"].items():
    diags = run(log)
    print(f"{fmt} ({log})")
    # n-plus-one
    inst = labels["n_plus_one"]["instances"]
    found = [d for d in diags if d["rule"] == "n-plus-one"]
    matched = set()
    tp = 0
    for d in found:
        line = d["location"]["line"]
        hit = [i for i, x in enumerate(inst) if line in x["lines"][fmt]["children"]]
        if hit:
            tp += 1
            matched.update(hit)
            # Other occurrences of the same pattern are related locations.
            for r in d.get("related", []):
                if r["message"].startswith("same pattern"):
                    matched.update(i for i, x in enumerate(inst) if r["line"] in x["lines"][fmt]["children"])
        else:
            print(f"    n-plus-one not in labels: line {line}: {d['message']}")
    for i, x in enumerate(inst):
        if i not in matched:
            print(f"    missed n-plus-one {x['pattern']} ({x['rid']}, {x['tagging']}) children from line {x['lines'][fmt]['children'][0]}")
    print(f"  n-plus-one     {len(found)} findings (one per pattern) cover {len(matched)}/{len(inst)} labeled instances; {tp} findings are on a labeled instance")
    # sql-injection
    inj = labels["injection"]
    found = [d for d in diags if d["rule"] == "sql-injection"]
    lines = {}
    for i, x in enumerate(inj):
        l = x["lines"][fmt]
        lines.setdefault(l["line"], []).append(i)
        if "statement_line" in l:
            lines.setdefault(l["statement_line"], []).append(i)
    matched = set()
    related = set()
    tp = 0
    for d in found:
        hit = lines.get(d["location"]["line"], [])
        if hit:
            tp += 1
            matched.update(hit)
            for r in d.get("related", []):
                related.update(lines.get(r["line"], []))
        else:
            print(f"    sql-injection not in labels: line {d['location']['line']}: {d['message']}")
    for i, x in enumerate(inj):
        if i not in matched | related:
            print(f"    missed sql-injection {x['kind']} ({x['rid']}) line {x['lines'][fmt]['line']}: {x['statement'][:90]}")
    score("sql-injection", tp, len(found), len(inj), len(matched))
    print(f"  {'':14} statements covered (primary or related location): {len(matched | related)}/{len(inj)}")
    # missing-index: a finding matches a labeled case on the same table and columns.
    cases = labels["missing_index"]
    found = [d for d in diags if d["rule"] == "missing-index"]
    matched = set()
    tp = 0
    for d in found:
        msg = d["message"]
        hit = [i for i, c in enumerate(cases) if msg.startswith(f"`{c['table']}`") and all(f"`{col}" in msg or f" {col}`" in msg or f"({col}" in msg for col in c["columns"])]
        if hit:
            tp += 1
            matched.update(hit)
        else:
            print(f"    missing-index not in labels: line {d['location']['line']}: {msg}")
    for i, c in enumerate(cases):
        if i not in matched:
            print(f"    missed missing-index {c['id']}")
    score("missing-index", tp, len(found), len(cases), len(matched))

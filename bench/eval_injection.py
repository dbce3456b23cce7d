#!/usr/bin/env python3
"""Recall and false positives of ormlint's runtime sql-injection rule.

usage: bench/eval_injection.py PATH/TO/shared/corpus [ORMLINT_BINARY]

Recall: every libinjection payload (corpus/external/libinjection/
sqli_cases.jsonl) is spliced into realistic statements, in a string
context (`WHERE name = '<payload>'`) and in a numeric context
(`WHERE id = <payload>`); the benign inputs of the same file go through the
same templates. A statement counts as detected when ormlint reports its
query shape. Each template is replayed as its own JSON-lines log.

False positives on real traffic: every statement of the benign logs in the
corpus (pg-blog minus its labeled injections, pgbadger, percona-toolkit,
elastic-beats) is replayed and every sql-injection finding counted.
"""
import glob
import json
import os
import subprocess
import sys
import tempfile

corpus = sys.argv[1] if len(sys.argv) > 1 else "../shared/corpus"
binary = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "../target/release/ormlint")

TEMPLATES = {
    "string": "SELECT id, name, email FROM users WHERE name = '{p}' AND active = true",
    "numeric": "SELECT id, title, body FROM posts WHERE id = {p} ORDER BY id DESC LIMIT 10",
}


def fingerprints(sqls):
    out = subprocess.run([binary, "fingerprint", "--format", "json"], input="\n".join(sqls) + "\n", capture_output=True, text=True)
    return [x["fingerprint"] for x in json.loads(out.stdout)]


def replay(rows):
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        for i, sql in enumerate(rows):
            f.write(json.dumps({"sql": sql, "request": f"r{i}"}) + "\n")
        path = f.name
    out = subprocess.run([binary, "replay", "--select", "sql-injection", "--format", "json", path], capture_output=True, text=True)
    os.unlink(path)
    return json.loads(out.stdout)["diagnostics"]


cases = [json.loads(l) for l in open(os.path.join(corpus, "external/libinjection/sqli_cases.jsonl"))]
print("libinjection payloads spliced into statements:")
for ctx, tpl in TEMPLATES.items():
    for label in ("sqli", "benign"):
        chosen = [c for c in cases if c["label"] == label]
        if ctx == "string" and label == "sqli":
            # Only a payload with a quote can leave a quoted string.
            chosen = [c for c in chosen if "'" in c["decoded"]]
        sqls = [tpl.replace("{p}", c["decoded"].replace("\n", " ")) for c in chosen]
        fps = fingerprints(sqls)
        flagged = {d["query"]["fingerprint"] for d in replay(sqls) if d.get("query", {}).get("fingerprint")}
        hit = sum(1 for fp in fps if fp in flagged)
        name = "recall" if label == "sqli" else "benign flagged"
        print(f"  {ctx:8} {label:6}: {name} {hit}/{len(sqls)} = {hit / len(sqls):.3f}")

print("benign logs (every sql-injection finding is a false positive):")
logs = []
for pattern in ["external/pgbadger/**/*", "external/percona-toolkit/slowlogs/*", "external/percona-toolkit/genlogs/*", "external/elastic-beats/**/*.log"]:
    logs += [p for p in glob.glob(os.path.join(corpus, pattern), recursive=True) if os.path.isfile(p) and not p.endswith((".md", ".bz2", ".json"))]
total_statements = total_findings = 0
for log in sorted(logs):
    out = subprocess.run([binary, "replay", "--select", "sql-injection", "--format", "json", log], capture_output=True, text=True)
    if out.returncode not in (0, 1):
        continue
    doc = json.loads(out.stdout)
    n = doc["summary"]["statements"]
    f = [d for d in doc["diagnostics"] if d["rule"] == "sql-injection"]
    total_statements += n
    total_findings += len(f)
    for d in f:
        print(f"    {os.path.relpath(log, corpus)}:{d['location']['line']}: {d['message']}")
print(f"  {total_findings} findings in {total_statements} statements from {len(logs)} logs")

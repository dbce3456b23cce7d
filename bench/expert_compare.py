#!/usr/bin/env python3
"""ormlint's missing-index proposals against SQLite's own index advisor.

usage: bench/expert_compare.py SCHEMA LOG [ORMLINT_BINARY]

For every query shape in LOG, runs the SQLite shell's `.expert` on the same
SQLite DDL ormlint's replica holds (examples/replica_dump.rs), and compares
with ormlint's finding for that shape: agree when both propose no index, or
both propose an index with the same columns in the same order (or one's
columns are a prefix of the other's). Installs Debian's sqlite3 if missing.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

schema, log = sys.argv[1], sys.argv[2]
binary = sys.argv[3] if len(sys.argv) > 3 else os.path.join(os.path.dirname(__file__), "../target/release/ormlint")
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

if not shutil.which("sqlite3"):
    subprocess.run(["apt-get", "install", "-y", "-q", "sqlite3"], check=False, stdout=subprocess.DEVNULL)

dump = json.loads(subprocess.run(["cargo", "run", "-q", "--release", "--example", "replica_dump", "--", schema, log], cwd=root, capture_output=True, text=True, check=True).stdout)
findings = json.loads(subprocess.run([binary, "replay", "--format", "json", "--select", "missing-index", "--schema", schema, log], capture_output=True, text=True).stdout)["diagnostics"]
ours = {}
for d in findings:
    m = re.search(r"CREATE INDEX \S+ ON (\S+) \(([^)]*)\)", d.get("help", ""))
    if m:
        ours[d["query"]["fingerprint"]] = (m.group(1), [c.strip() for c in m.group(2).split(",")])

db = tempfile.NamedTemporaryFile(suffix=".db", delete=False).name
os.unlink(db)
subprocess.run(["sqlite3", db], input=";\n".join(dump["ddl"]) + ";\n", text=True, check=True)

agree = disagree = skipped = 0
for s in dump["shapes"]:
    out = subprocess.run(["sqlite3", db], input=f".expert\n{s['sqlite']};\n", capture_output=True, text=True)
    if out.returncode != 0 or "Error" in out.stderr:
        skipped += 1
        continue
    m = re.search(r"CREATE INDEX \S+ ON (\S+)\(([^)]*)\)", out.stdout)
    expert = (m.group(1), [c.strip().split()[0].lower() for c in m.group(2).split(",")]) if m else None
    mine = ours.get(s["fingerprint"])
    same = (expert is None and mine is None) or (
        expert is not None and mine is not None and expert[0] == mine[0]
        and (expert[1][:len(mine[1])] == mine[1] or mine[1][:len(expert[1])] == expert[1]))
    if same:
        agree += 1
    else:
        disagree += 1
        print(f"  differ: {s['fingerprint'][:90]}\n    ormlint: {mine}\n    .expert: {expert}")
print(f"{agree} of {agree + disagree} plannable shapes agree ({skipped} shapes SQLite could not plan)")
os.unlink(db)

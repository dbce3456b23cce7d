#!/usr/bin/env python3
"""How often `replay --source` names the right call site, on the Rust
shops' real logs (Diesel, sqlx, SeaORM; corpus.py build writes them).

usage: source_match.py [BINARY]

For every finding of `replay --schema schema.sql --source
apps/rust/src/bin/<orm>_shop.rs logs/<orm>/pg.log.gz`, the right call sites
are found without ormlint: the requests that ran the finding's statement
shape (truth/<orm>.jsonl, read back from the server's log), their
endpoints, and the call in that endpoint that reads the finding's table
(marked `// site: NAME` in the source; SITES below says which endpoint and
table each name serves). The best match is right when its line carries
one of those marks. Ties are counted apart: a tie names several sites, and
the first is right only when all of them send the shape.
"""
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ORMS = ("diesel", "sqlx", "seaorm")

# site mark -> (endpoints whose requests run it, the table it reads)
SITES = {
    "recent_orders": ({"orders_items_lazy", "orders_items_eager"}, "orders"),
    "products_page": ({"reviews_lazy", "reviews_eager"}, "products"),
    "items_lazy": ({"orders_items_lazy"}, "order_items"),
    "items_eager": ({"orders_items_eager"}, "order_items"),
    "reviews_lazy": ({"reviews_lazy"}, "reviews"),
    "reviews_eager": ({"reviews_eager"}, "reviews"),
    "customer_by_email": ({"customer_by_email"}, "customers"),
    "pending": ({"pending_orders"}, "orders"),
    "search_unsafe": ({"search_unsafe"}, "customers"),
    "search_safe": ({"search_safe"}, "customers"),
    "product_list": ({"product_list"}, "products"),
    "customer_twice": ({"customer_twice"}, "customers"),
    "product_page": ({"product_page"}, "products"),
}


def fingerprints(binary, statements):
    out = subprocess.run([binary, "fingerprint"], input="\n".join(s.replace("\n", " ") for s in statements) + "\n",
                         capture_output=True, text=True, check=True).stdout
    return [line.split("\t")[-1].strip() for line in out.splitlines()]


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target", "release", "ormlint")
    total = right = tied = 0
    for orm in ORMS:
        src = os.path.join("apps", "rust", "src", "bin", f"{orm}_shop.rs")
        marks = {}
        for i, line in enumerate(open(os.path.join(HERE, src)), 1):
            m = re.search(r"// site: (\w+)", line)
            if m:
                marks[i] = m.group(1)
        truth = [json.loads(l) for l in open(os.path.join(HERE, "truth", f"{orm}.jsonl"))]
        stmts = [(r["endpoint"], s) for r in truth for s in r["statements"]]
        prints = fingerprints(binary, [s for _, s in stmts])
        endpoints_of = {}
        for (endpoint, _), fp in zip(stmts, prints):
            endpoints_of.setdefault(fp, set()).add(endpoint)
        out = subprocess.run([binary, "--format", "json", "replay", "--schema", "schema.sql", "--source", src,
                              os.path.join("logs", orm, "pg.log.gz")], cwd=HERE, capture_output=True, text=True)
        n = ok = ties = 0
        for d in json.loads(out.stdout)["diagnostics"]:
            shape = (d.get("query") or {}).get("fingerprint")
            if not shape:
                continue
            table = re.search(r"\bfrom (\w+)", shape)
            table = table.group(1) if table else None
            endpoints = endpoints_of.get(shape, set())
            good = {name for name, (eps, t) in SITES.items() if eps & endpoints and t == table}
            sites = [r for r in d.get("related", []) if r["path"].endswith(".rs")]
            n += 1
            first = marks.get(sites[0]["line"]) if sites else None
            hit = first in good
            ok += hit
            if len(sites) > 1:
                ties += 1
            print(f"  {orm:7} {d['rule']:16} line {d['location']['line']:4}  {'right' if hit else 'WRONG'}"
                  f"  {first or '-'}{' (tie of %d)' % len(sites) if len(sites) > 1 else ''}  expected {sorted(good)}")
        print(f"{orm}: best match right for {ok}/{n} findings ({ties} ties)")
        total += n
        right += ok
        tied += ties
    print(f"all: {right}/{total} = {right / max(total, 1):.0%} ({tied} ties)")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Writes scenario.json: the requests every corpus app serves, in order.

Each request names an endpoint (the same eleven in every app, written in
each ORM's own idioms), its parameters, and whether its statements carry
sqlcommenter tags. The apps serve them over a pool of three connections,
three at a time, and record what each request ran (truth).
"""
import json
import os
import random

ENDPOINTS = {
    # endpoint: (how many requests, what it is)
    "orders_items_lazy": (6, "a customer's recent orders, then each order's items by lazy relation access (N+1)"),
    "orders_items_eager": (6, "the same with the ORM's eager loading (one IN query)"),
    "reviews_lazy": (5, "products of a page, then each product's reviews lazily (N+1)"),
    "reviews_eager": (5, "the same, eager"),
    "customer_by_email": (8, "one customer by a unique column"),
    "pending_orders": (5, "newest orders with status = 'pending' (no index on status)"),
    "search_unsafe": (5, "raw SQL with the name spliced into the text"),
    "search_safe": (5, "the same raw SQL with a bound parameter"),
    "product_list": (4, "a product list whose optional filters are all empty"),
    "customer_twice": (4, "the same customer loaded twice in one request (duplicate)"),
    "product_page": (8, "one product by primary key and its price"),
}

NAMES = ["customer 12", "Dana O'Brien", "customer 40", "x' OR 'x'='x", "customer 77"]


def main():
    rng = random.Random(20261202)
    reqs = []
    for ep, (n, _) in ENDPOINTS.items():
        for k in range(n):
            params = {}
            if ep.startswith("orders_items") or ep in ("customer_twice",):
                params["customer_id"] = 1 + (k * 811) % 5000
            if ep.startswith("reviews"):
                params["page"] = k
            if ep == "customer_by_email":
                params["email"] = f"c{1 + k * 97}@example.com"
            if ep.startswith("search"):
                params["name"] = NAMES[k % len(NAMES)]
            if ep == "product_page":
                params["product_id"] = 1 + k * 211
            reqs.append({"endpoint": ep, "params": params})
    rng.shuffle(reqs)
    for i, r in enumerate(reqs):
        r["rid"] = f"r{i + 1:03}"
        r["tagged"] = i % 2 == 0
    out = {"endpoints": {k: v[1] for k, v in ENDPOINTS.items()}, "requests": reqs}
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "scenario.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()

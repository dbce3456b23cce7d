#!/usr/bin/env python3
"""The corpus shop on Django 5 (ORM, psycopg2: values inline in the log).
Serves scenario.json over 3 worker threads, each with its own connection
(Django's per-thread connections); writes truth/django.jsonl.
usage: django_shop.py HOST PORT OUT_DIR"""
import json
import os
import sys
import threading
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import django
from django.conf import settings

settings.configure(
    DATABASES={"default": {
        "ENGINE": "django.db.backends.postgresql", "NAME": "shop", "USER": "postgres",
        "HOST": sys.argv[1], "PORT": sys.argv[2],
        "OPTIONS": {"application_name": "shop-django"},
    }},
    INSTALLED_APPS=["shop"],
    DEFAULT_AUTO_FIELD="django.db.models.AutoField",
    USE_TZ=True,
)
# The models live in this file: an app module "shop" pointing here.
_shop = type(sys)("shop")
_shop.__path__ = [os.path.dirname(os.path.abspath(__file__))]
sys.modules["shop"] = _shop
django.setup()

from django.apps import apps  # noqa: E402
from django.db import connection, models  # noqa: E402
from django.db.models import Q  # noqa: E402


class Customer(models.Model):
    name = models.TextField()
    email = models.TextField(unique=True)

    class Meta:
        app_label = "shop"
        db_table = "customers"


class Product(models.Model):
    sku = models.TextField(unique=True)
    title = models.TextField()
    price_cents = models.IntegerField()

    class Meta:
        app_label = "shop"
        db_table = "products"


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)
    status = models.TextField()

    class Meta:
        app_label = "shop"
        db_table = "orders"


class OrderItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.CASCADE)
    quantity = models.IntegerField()

    class Meta:
        app_label = "shop"
        db_table = "order_items"


class Review(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="reviews")
    customer_id = models.IntegerField()
    stars = models.IntegerField()
    body = models.TextField()

    class Meta:
        app_label = "shop"
        db_table = "reviews"


def endpoint(name, p):
    if name == "orders_items_lazy":
        return sum(o.items.count() for o in Order.objects.filter(customer_id=p["customer_id"]).order_by("-id")[:10])
    if name == "orders_items_eager":
        return sum(len(o.items.all()) for o in Order.objects.filter(customer_id=p["customer_id"]).prefetch_related("items").order_by("-id")[:10])
    if name == "reviews_lazy":
        return sum(len(x.reviews.all()) for x in Product.objects.order_by("id")[p["page"] * 8:p["page"] * 8 + 8])
    if name == "reviews_eager":
        return sum(len(x.reviews.all()) for x in Product.objects.prefetch_related("reviews").order_by("id")[p["page"] * 8:p["page"] * 8 + 8])
    if name == "customer_by_email":
        return Customer.objects.filter(email=p["email"]).first()
    if name == "pending_orders":
        return list(Order.objects.filter(status="pending").order_by("-id")[:20])
    if name == "search_unsafe":
        return list(Customer.objects.raw(f"SELECT id, email FROM customers WHERE name = '{p['name']}'"))
    if name == "search_safe":
        return list(Customer.objects.raw("SELECT id, email FROM customers WHERE name = %s", [p["name"]]))
    if name == "product_list":
        q = Q()  # optional filters, all empty
        return list(Product.objects.filter(q).order_by("id")[:25])
    if name == "customer_twice":
        return (Customer.objects.get(id=p["customer_id"]).id, Customer.objects.get(id=p["customer_id"]).id)
    if name == "product_page":
        return Product.objects.get(pk=p["product_id"]).price_cents
    raise ValueError(name)


def main():
    out = sys.argv[3]
    scenario = json.load(open(os.path.join(os.path.dirname(__file__), "..", "scenario.json")))
    local = threading.local()

    def wrapper(execute, sql, params, many, context):
        r = local.req
        if r["tagged"]:
            q = urllib.parse.quote
            sql += f" /*controller='{q(r['endpoint'])}',framework='django',request_id='{r['rid']}'*/"
        r["statements"].append(sql)
        return execute(sql, params, many, context)

    def serve(r):
        rec = {"orm": "django", "rid": r["rid"], "endpoint": r["endpoint"], "tagged": r["tagged"], "statements": [], "error": None}
        local.req = rec
        try:
            with connection.execute_wrapper(wrapper):
                endpoint(r["endpoint"], r["params"])
        except Exception as e:
            rec["error"] = type(e).__name__
            connection.close()
        return rec

    with ThreadPoolExecutor(3) as pool:
        truth = list(pool.map(serve, scenario["requests"]))
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "django.jsonl"), "w") as f:
        for rec in truth:
            f.write(json.dumps(rec) + "\n")


if __name__ == "__main__":
    main()

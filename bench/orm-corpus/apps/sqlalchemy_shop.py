#!/usr/bin/env python3
"""The corpus shop on SQLAlchemy 2 (ORM, psycopg2: values are bound on the
client, so the server log shows them inline). Serves scenario.json over a
pool of 3 connections, 3 requests at a time; writes what each request ran
to truth/sqlalchemy.jsonl.  usage: sqlalchemy_shop.py DSN OUT_DIR"""
import json
import os
import sys
import threading
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import ForeignKey, create_engine, event, select, text, true
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, selectinload, Session


class Base(DeclarativeBase):
    pass


class Customer(Base):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    email: Mapped[str]
    orders: Mapped[list["Order"]] = relationship(back_populates="customer")


class Product(Base):
    __tablename__ = "products"
    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str]
    title: Mapped[str]
    price_cents: Mapped[int]
    reviews: Mapped[list["Review"]] = relationship()


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    status: Mapped[str]
    customer: Mapped[Customer] = relationship(back_populates="orders")
    items: Mapped[list["OrderItem"]] = relationship()


class OrderItem(Base):
    __tablename__ = "order_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[int]


class Review(Base):
    __tablename__ = "reviews"
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    customer_id: Mapped[int]
    stars: Mapped[int]
    body: Mapped[str]


current = threading.local()


def endpoint(name, s, p):
    if name == "orders_items_lazy":
        orders = s.scalars(select(Order).where(Order.customer_id == p["customer_id"]).order_by(Order.id.desc()).limit(10)).all()
        return sum(len(o.items) for o in orders)
    if name == "orders_items_eager":
        orders = s.scalars(select(Order).options(selectinload(Order.items)).where(Order.customer_id == p["customer_id"]).order_by(Order.id.desc()).limit(10)).all()
        return sum(len(o.items) for o in orders)
    if name == "reviews_lazy":
        products = s.scalars(select(Product).order_by(Product.id).offset(p["page"] * 8).limit(8)).all()
        return sum(len(x.reviews) for x in products)
    if name == "reviews_eager":
        products = s.scalars(select(Product).options(selectinload(Product.reviews)).order_by(Product.id).offset(p["page"] * 8).limit(8)).all()
        return sum(len(x.reviews) for x in products)
    if name == "customer_by_email":
        return s.scalars(select(Customer).where(Customer.email == p["email"])).first()
    if name == "pending_orders":
        return s.scalars(select(Order).where(Order.status == "pending").order_by(Order.id.desc()).limit(20)).all()
    if name == "search_unsafe":
        # The raw-SQL escape hatch, with the value spliced in.
        return s.execute(text(f"SELECT id, email FROM customers WHERE name = '{p['name']}'")).all()
    if name == "search_safe":
        return s.execute(text("SELECT id, email FROM customers WHERE name = :name"), {"name": p["name"]}).all()
    if name == "product_list":
        filters = []  # the form's optional filters, all left empty
        q = select(Product).where(true(), *filters).order_by(Product.id).limit(25)
        return s.scalars(q).all()
    if name == "customer_twice":
        a = s.execute(select(Customer).where(Customer.id == p["customer_id"])).scalar_one()
        b = s.execute(select(Customer).where(Customer.id == p["customer_id"])).scalar_one()
        return (a.id, b.id)
    if name == "product_page":
        return s.get(Product, p["product_id"])
    raise ValueError(name)


def main():
    dsn, out = sys.argv[1], sys.argv[2]
    # CORPUS_ORM names the run (`sqlalchemy-mariadb` on MariaDB, whose
    # driver takes no application_name).
    name = os.environ.get("CORPUS_ORM", "sqlalchemy")
    args = {"application_name": "shop-sqlalchemy"} if dsn.startswith("postgresql") else {}
    engine = create_engine(dsn, pool_size=3, max_overflow=0, connect_args=args)

    @event.listens_for(engine, "before_cursor_execute", retval=True)
    def tag(conn, cursor, statement, parameters, context, executemany):
        r = getattr(current, "req", None)
        if r is not None:
            if r["tagged"]:
                q = urllib.parse.quote
                statement += f" /*controller='{q(r['endpoint'])}',framework='sqlalchemy',request_id='{r['rid']}'*/"
            r["statements"].append(statement)
        return statement, parameters

    scenario = json.load(open(os.path.join(os.path.dirname(__file__), "..", "scenario.json")))
    truth = []

    def serve(r):
        rec = {"orm": name, "rid": r["rid"], "endpoint": r["endpoint"], "tagged": r["tagged"], "statements": [], "error": None}
        current.req = rec
        try:
            with Session(engine) as s:
                endpoint(r["endpoint"], s, r["params"])
                s.rollback()
        except Exception as e:  # the apostrophe breaks the spliced SQL
            rec["error"] = type(e).__name__
        current.req = None
        return rec

    with ThreadPoolExecutor(3) as pool:
        truth = list(pool.map(serve, scenario["requests"]))
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, f"{name}.jsonl"), "w") as f:
        for rec in truth:
            f.write(json.dumps(rec) + "\n")


if __name__ == "__main__":
    main()

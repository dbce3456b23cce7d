// The corpus shop on TypeORM 1.1 over node-postgres (values bound on the
// server: the log shows `execute <unnamed>` with a parameters line).
// Lazy access is a `lazy: true` relation awaited per row (`await
// order.items`); eager loading is `relations` in `find`. Entities are
// EntitySchemas (plain JavaScript, no decorators). Serves scenario.json
// three at a time over a pool of 3; writes truth/typeorm.jsonl.
// usage: typeorm_shop.cjs DSN OUT_DIR
const fs = require("node:fs");
const path = require("node:path");
const { AsyncLocalStorage } = require("node:async_hooks");
const pg = require("pg");
const { DataSource, EntitySchema } = require("typeorm");

// What each request ran, and its sqlcommenter tag: every statement goes
// through pg.Client#query, inside the request's async context.
const als = new AsyncLocalStorage();
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (q, ...rest) {
  const rec = als.getStore();
  if (rec) {
    const tag = rec.tagged ? ` /*controller='${encodeURIComponent(rec.endpoint)}',framework='typeorm',request_id='${rec.rid}'*/` : "";
    if (typeof q === "string") q += tag;
    else if (q && typeof q.text === "string") q = { ...q, text: q.text + tag };
    rec.statements.push(typeof q === "string" ? q : q.text);
  }
  return query.call(this, q, ...rest);
};

const col = (type, name) => ({ type, ...(name ? { name } : {}) });
const Customer = new EntitySchema({
  name: "Customer", tableName: "customers",
  columns: { id: { type: "int", primary: true, generated: true }, name: col("text"), email: col("text") },
});
const Product = new EntitySchema({
  name: "Product", tableName: "products",
  columns: { id: { type: "int", primary: true, generated: true }, sku: col("text"), title: col("text"), priceCents: col("int", "price_cents") },
  relations: { reviews: { type: "one-to-many", target: "Review", inverseSide: "product", lazy: true } },
});
const Order = new EntitySchema({
  name: "Order", tableName: "orders",
  columns: { id: { type: "int", primary: true, generated: true }, customerId: col("int", "customer_id"), status: col("text") },
  relations: { items: { type: "one-to-many", target: "OrderItem", inverseSide: "order", lazy: true } },
});
const OrderItem = new EntitySchema({
  name: "OrderItem", tableName: "order_items",
  columns: { id: { type: "int", primary: true, generated: true }, quantity: col("int") },
  relations: { order: { type: "many-to-one", target: "Order", joinColumn: { name: "order_id" }, inverseSide: "items" } },
});
const Review = new EntitySchema({
  name: "Review", tableName: "reviews",
  columns: { id: { type: "int", primary: true, generated: true }, stars: col("int"), body: col("text"), customerId: col("int", "customer_id") },
  relations: { product: { type: "many-to-one", target: "Product", joinColumn: { name: "product_id" }, inverseSide: "reviews" } },
});

async function endpoint(name, db, p) {
  const orders = db.getRepository("Order");
  const products = db.getRepository("Product");
  const customers = db.getRepository("Customer");
  switch (name) {
    case "orders_items_lazy": {
      const os = await orders.find({ where: { customerId: p.customer_id }, order: { id: "DESC" }, take: 10 });
      let n = 0;
      for (const o of os) n += (await o.items).length;
      return n;
    }
    case "orders_items_eager": {
      const os = await orders.find({ where: { customerId: p.customer_id }, order: { id: "DESC" }, take: 10, relations: { items: true } });
      return os.length;
    }
    case "reviews_lazy": {
      const ps = await products.find({ order: { id: "ASC" }, take: 8, skip: p.page * 8 });
      let n = 0;
      for (const x of ps) n += (await x.reviews).length;
      return n;
    }
    case "reviews_eager":
      return products.find({ order: { id: "ASC" }, take: 8, skip: p.page * 8, relations: { reviews: true } });
    case "customer_by_email":
      return customers.findOneBy({ email: p.email });
    case "pending_orders":
      return orders.find({ where: { status: "pending" }, order: { id: "DESC" }, take: 20 });
    case "search_unsafe":
      return db.query(`SELECT id, email FROM customers WHERE name = '${p.name}'`);
    case "search_safe":
      return db.query("SELECT id, email FROM customers WHERE name = $1", [p.name]);
    case "product_list": {
      const where = {}; // optional filters, all empty
      return products.find({ where, order: { id: "ASC" }, take: 25 });
    }
    case "customer_twice":
      return [await customers.findOneBy({ id: p.customer_id }), await customers.findOneBy({ id: p.customer_id })];
    case "product_page":
      return (await products.findOneBy({ id: p.product_id })).priceCents;
  }
  throw new Error(name);
}

async function main() {
  const [dsn, out] = process.argv.slice(2);
  const db = new DataSource({
    type: "postgres", url: dsn, entities: [Customer, Product, Order, OrderItem, Review],
    poolSize: 3, applicationName: "shop-typeorm", synchronize: false, logging: false,
  });
  await db.initialize();
  const scenario = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "scenario.json"), "utf8"));
  const queue = [...scenario.requests];
  const truth = [];
  await Promise.all([0, 1, 2].map(async () => {
    while (queue.length) {
      const r = queue.shift();
      const rec = { orm: "typeorm", rid: r.rid, endpoint: r.endpoint, tagged: r.tagged, statements: [], error: null };
      try {
        await als.run(rec, () => endpoint(r.endpoint, db, r.params));
      } catch (e) {
        rec.error = (e.driverError && e.driverError.code) || e.code || e.name;
      }
      truth.push(rec);
    }
  }));
  await db.destroy();
  truth.sort((a, b) => a.rid.localeCompare(b.rid));
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, "typeorm.jsonl"), truth.map((t) => JSON.stringify(t)).join("\n") + "\n");
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

// The corpus shop on Lucid 21 (AdonisJS's ORM, on knex and node-postgres;
// values bound on the server: the log shows `execute <unnamed>` with a
// parameters line), used outside an Adonis app: a Database with a logger
// and an emitter, and models declared with Lucid's decorators called by
// hand. Lazy access is `await row.load('relation')` per row, as Lucid's
// docs show it; eager loading is `preload`. Serves scenario.json three at
// a time over a pool of 3; writes truth/lucid.jsonl.
// usage: lucid_shop.mjs DSN OUT_DIR
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { AsyncLocalStorage } from "node:async_hooks";
import pg from "pg";
import { Database } from "@adonisjs/lucid/database";
import { Adapter, BaseModel, column, hasMany } from "@adonisjs/lucid/orm";
import { Logger } from "@adonisjs/core/logger";
import { Emitter } from "@adonisjs/core/events";

// What each request ran, and its sqlcommenter tag: every statement goes
// through pg.Client#query, inside the request's async context.
const als = new AsyncLocalStorage();
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (q, ...rest) {
  const rec = als.getStore();
  if (rec) {
    const tag = rec.tagged ? ` /*controller='${encodeURIComponent(rec.endpoint)}',framework='adonisjs',request_id='${rec.rid}'*/` : "";
    if (typeof q === "string") q += tag;
    else if (q && typeof q.text === "string") q = { ...q, text: q.text + tag };
    rec.statements.push(typeof q === "string" ? q : q.text);
  }
  return query.call(this, q, ...rest);
};

const [dsn, out] = process.argv.slice(2);
const here = path.dirname(fileURLToPath(import.meta.url));
const db = new Database(
  { connection: "pg", connections: { pg: { client: "pg", connection: { connectionString: dsn, application_name: "shop-lucid" }, pool: { min: 0, max: 3 } } } },
  new Logger({ enabled: false, name: "shop" }),
  new Emitter({}),
);
BaseModel.$adapter = new Adapter(db);

// Models, as `@column() declare name: string` declares them in TypeScript.
function model(table, columns, relations = {}) {
  const M = class extends BaseModel {};
  M.table = table;
  column({ isPrimary: true })(M.prototype, "id");
  for (const c of columns) column()(M.prototype, c);
  for (const [name, rel] of Object.entries(relations)) rel(M.prototype, name);
  return M;
}
const Customer = model("customers", ["name", "email"]);
const OrderItem = model("order_items", ["orderId", "productId", "quantity"]);
const Review = model("reviews", ["productId", "customerId", "stars", "body"]);
const Order = model("orders", ["customerId", "status"], { items: hasMany(() => OrderItem, { foreignKey: "orderId" }) });
const Product = model("products", ["sku", "title", "priceCents"], { reviews: hasMany(() => Review, { foreignKey: "productId" }) });

async function endpoint(name, p) {
  switch (name) {
    case "orders_items_lazy": {
      const os = await Order.query().where("customerId", p.customer_id).orderBy("id", "desc").limit(10);
      let n = 0;
      for (const o of os) {
        await o.load("items");
        n += o.items.length;
      }
      return n;
    }
    case "orders_items_eager":
      return Order.query().where("customerId", p.customer_id).orderBy("id", "desc").limit(10).preload("items");
    case "reviews_lazy": {
      const ps = await Product.query().orderBy("id", "asc").limit(8).offset(p.page * 8);
      let n = 0;
      for (const x of ps) {
        await x.load("reviews");
        n += x.reviews.length;
      }
      return n;
    }
    case "reviews_eager":
      return Product.query().orderBy("id", "asc").limit(8).offset(p.page * 8).preload("reviews");
    case "customer_by_email":
      return Customer.findBy("email", p.email);
    case "pending_orders":
      return Order.query().where("status", "pending").orderBy("id", "desc").limit(20);
    case "search_unsafe":
      // rawQuery with the value spliced in.
      return db.rawQuery(`SELECT id, email FROM customers WHERE name = '${p.name}'`);
    case "search_safe":
      return db.rawQuery("SELECT id, email FROM customers WHERE name = ?", [p.name]);
    case "product_list": {
      const filters = {}; // optional filters, all empty
      return Product.query()
        .if(filters.sku, (q) => q.where("sku", filters.sku))
        .if(filters.title, (q) => q.whereILike("title", `%${filters.title}%`))
        .orderBy("id", "asc")
        .limit(25);
    }
    case "customer_twice":
      return [await Customer.find(p.customer_id), await Customer.find(p.customer_id)];
    case "product_page":
      return (await Product.findOrFail(p.product_id)).priceCents;
  }
  throw new Error(name);
}

const scenario = JSON.parse(fs.readFileSync(path.join(here, "..", "scenario.json"), "utf8"));
const queue = [...scenario.requests];
const truth = [];
await Promise.all([0, 1, 2].map(async () => {
  while (queue.length) {
    const r = queue.shift();
    const rec = { orm: "lucid", rid: r.rid, endpoint: r.endpoint, tagged: r.tagged, statements: [], error: null };
    try {
      await als.run(rec, () => endpoint(r.endpoint, r.params));
    } catch (e) {
      rec.error = e.code || e.name;
    }
    truth.push(rec);
  }
}));
await db.manager.closeAll();
truth.sort((a, b) => a.rid.localeCompare(b.rid));
fs.mkdirSync(out, { recursive: true });
fs.writeFileSync(path.join(out, "lucid.jsonl"), truth.map((t) => JSON.stringify(t)).join("\n") + "\n");

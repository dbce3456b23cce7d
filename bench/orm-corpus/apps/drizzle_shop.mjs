// The corpus shop on Drizzle ORM over node-postgres (values bound on the
// server: the log shows `execute <unnamed>` with a parameters line).
// Drizzle has no lazy relations: the N+1 endpoints loop over a result and
// query per row, the way its users write them; the eager ones use its
// relational queries (`with:`). Serves scenario.json three at a time over a
// pool of 3; writes truth/drizzle.jsonl.  usage: drizzle_shop.mjs DSN OUT_DIR
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { drizzle } from "drizzle-orm/node-postgres";
import { pgTable, serial, integer, text } from "drizzle-orm/pg-core";
import { relations, eq, desc, asc, and, sql } from "drizzle-orm";

const customers = pgTable("customers", { id: serial("id").primaryKey(), name: text("name"), email: text("email") });
const products = pgTable("products", { id: serial("id").primaryKey(), sku: text("sku"), title: text("title"), priceCents: integer("price_cents") });
const orders = pgTable("orders", { id: serial("id").primaryKey(), customerId: integer("customer_id"), status: text("status") });
const orderItems = pgTable("order_items", { id: serial("id").primaryKey(), orderId: integer("order_id"), productId: integer("product_id"), quantity: integer("quantity") });
const reviews = pgTable("reviews", { id: serial("id").primaryKey(), productId: integer("product_id"), customerId: integer("customer_id"), stars: integer("stars"), body: text("body") });
const ordersRelations = relations(orders, ({ many }) => ({ items: many(orderItems) }));
const itemsRelations = relations(orderItems, ({ one }) => ({ order: one(orders, { fields: [orderItems.orderId], references: [orders.id] }) }));
const productsRelations = relations(products, ({ many }) => ({ reviews: many(reviews) }));
const reviewsRelations = relations(reviews, ({ one }) => ({ product: one(products, { fields: [reviews.productId], references: [products.id] }) }));
const schema = { customers, products, orders, orderItems, reviews, ordersRelations, itemsRelations, productsRelations, reviewsRelations };

async function endpoint(name, db, client, p) {
  switch (name) {
    case "orders_items_lazy": {
      const os = await db.select().from(orders).where(eq(orders.customerId, p.customer_id)).orderBy(desc(orders.id)).limit(10);
      let n = 0;
      for (const o of os) n += (await db.select().from(orderItems).where(eq(orderItems.orderId, o.id))).length;
      return n;
    }
    case "orders_items_eager":
      return db.query.orders.findMany({ where: eq(orders.customerId, p.customer_id), orderBy: [desc(orders.id)], limit: 10, with: { items: true } });
    case "reviews_lazy": {
      const ps = await db.select().from(products).orderBy(asc(products.id)).limit(8).offset(p.page * 8);
      let n = 0;
      for (const x of ps) n += (await db.select().from(reviews).where(eq(reviews.productId, x.id))).length;
      return n;
    }
    case "reviews_eager":
      return db.query.products.findMany({ orderBy: [asc(products.id)], limit: 8, offset: p.page * 8, with: { reviews: true } });
    case "customer_by_email":
      return db.select().from(customers).where(eq(customers.email, p.email)).limit(1);
    case "pending_orders":
      return db.select().from(orders).where(eq(orders.status, "pending")).orderBy(desc(orders.id)).limit(20);
    case "search_unsafe":
      // sql.raw: the escape hatch, with the value spliced in.
      return db.execute(sql.raw(`SELECT id, email FROM customers WHERE name = '${p.name}'`));
    case "search_safe":
      return db.execute(sql`SELECT id, email FROM customers WHERE name = ${p.name}`);
    case "product_list": {
      const filters = []; // optional filters, all empty
      return db.select().from(products).where(and(...filters)).orderBy(asc(products.id)).limit(25);
    }
    case "customer_twice": {
      const a = await db.select().from(customers).where(eq(customers.id, p.customer_id));
      const b = await db.select().from(customers).where(eq(customers.id, p.customer_id));
      return [a, b];
    }
    case "product_page":
      return db.select().from(products).where(eq(products.id, p.product_id));
  }
  throw new Error(name);
}

const [dsn, out] = process.argv.slice(2);
const here = path.dirname(fileURLToPath(import.meta.url));
const scenario = JSON.parse(fs.readFileSync(path.join(here, "..", "scenario.json"), "utf8"));
const pool = new pg.Pool({ connectionString: dsn, max: 3, application_name: "shop-drizzle" });

async function serve(r) {
  const rec = { orm: "drizzle", rid: r.rid, endpoint: r.endpoint, tagged: r.tagged, statements: [], error: null };
  const client = await pool.connect();
  const query = client.query.bind(client);
  const tag = r.tagged ? ` /*controller='${encodeURIComponent(r.endpoint)}',framework='drizzle',request_id='${r.rid}'*/` : "";
  client.query = (q, ...rest) => {
    if (typeof q === "string") q += tag;
    else if (q && typeof q.text === "string") q = { ...q, text: q.text + tag };
    rec.statements.push(typeof q === "string" ? q : q.text);
    return query(q, ...rest);
  };
  try {
    await endpoint(r.endpoint, drizzle(client, { schema }), client, r.params);
  } catch (e) {
    rec.error = e.code || e.name;
  } finally {
    client.query = query;
    client.release();
  }
  return rec;
}

const queue = [...scenario.requests];
const truth = [];
await Promise.all([0, 1, 2].map(async () => {
  while (queue.length) {
    const r = queue.shift();
    truth.push(await serve(r));
  }
}));
await pool.end();
truth.sort((a, b) => a.rid.localeCompare(b.rid));
fs.mkdirSync(out, { recursive: true });
fs.writeFileSync(path.join(out, "drizzle.jsonl"), truth.map((t) => JSON.stringify(t)).join("\n") + "\n");

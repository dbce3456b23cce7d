// The corpus shop on Prisma 7 with its TypeScript query compiler and the
// node-postgres driver adapter (no engine binary; values bound on the
// server: the log shows `execute <unnamed>` with a parameters line).
// Prisma has no lazy loading: the N+1 endpoints use its fluent relation
// API per row (`findUnique(…).items()`) or a findMany per row, as its users
// write them; the eager ones use `include`. Serves scenario.json three at a
// time over a pool of 3; writes truth/prisma.jsonl.
// usage: prisma_shop.mjs DSN OUT_DIR  (after `npx prisma generate`, see README)
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const { PrismaClient } = require(path.join(here, "..", "node_modules", ".prisma-shop"));

// What each request ran, and its sqlcommenter tag. Prisma's query batching
// runs one request's statements in another's async context, so each of the
// three workers has its own client and connection (three app processes,
// one connection each) and its statements are its current request's.
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (q, ...rest) {
  const rec = this.worker?.rec;
  if (rec) {
    const tag = rec.tagged ? ` /*controller='${encodeURIComponent(rec.endpoint)}',framework='prisma',request_id='${rec.rid}'*/` : "";
    if (typeof q === "string") q += tag;
    else if (q && typeof q.text === "string") q = { ...q, text: q.text + tag };
    rec.statements.push(typeof q === "string" ? q : q.text);
  }
  return query.call(this, q, ...rest);
};

async function endpoint(name, prisma, p) {
  switch (name) {
    case "orders_items_lazy": {
      const os = await prisma.order.findMany({ where: { customerId: p.customer_id }, orderBy: { id: "desc" }, take: 10 });
      let n = 0;
      // The fluent API: one relation read per order.
      for (const o of os) n += (await prisma.order.findUnique({ where: { id: o.id } }).items()).length;
      return n;
    }
    case "orders_items_eager":
      return prisma.order.findMany({ where: { customerId: p.customer_id }, orderBy: { id: "desc" }, take: 10, include: { items: true } });
    case "reviews_lazy": {
      const ps = await prisma.product.findMany({ orderBy: { id: "asc" }, take: 8, skip: p.page * 8 });
      let n = 0;
      for (const x of ps) n += (await prisma.review.findMany({ where: { productId: x.id } })).length;
      return n;
    }
    case "reviews_eager":
      return prisma.product.findMany({ orderBy: { id: "asc" }, take: 8, skip: p.page * 8, include: { reviews: true } });
    case "customer_by_email":
      return prisma.customer.findUnique({ where: { email: p.email } });
    case "pending_orders":
      return prisma.order.findMany({ where: { status: "pending" }, orderBy: { id: "desc" }, take: 20 });
    case "search_unsafe":
      // The escape hatch, with the value spliced in.
      return prisma.$queryRawUnsafe(`SELECT id, email FROM customers WHERE name = '${p.name}'`);
    case "search_safe":
      return prisma.$queryRaw`SELECT id, email FROM customers WHERE name = ${p.name}`;
    case "product_list": {
      const filters = []; // optional filters, all empty
      return prisma.product.findMany({ where: { AND: filters }, orderBy: { id: "asc" }, take: 25 });
    }
    case "customer_twice": {
      const a = await prisma.customer.findUnique({ where: { id: p.customer_id } });
      const b = await prisma.customer.findUnique({ where: { id: p.customer_id } });
      return [a, b];
    }
    case "product_page":
      return prisma.product.findUnique({ where: { id: p.product_id } });
  }
  throw new Error(name);
}

const [dsn, out] = process.argv.slice(2);
const scenario = JSON.parse(fs.readFileSync(path.join(here, "..", "scenario.json"), "utf8"));

function worker() {
  const w = { rec: null };
  class Client extends pg.Client {
    constructor(...args) {
      super(...args);
      this.worker = w;
    }
  }
  w.pool = new pg.Pool({ connectionString: dsn, max: 1, application_name: "shop-prisma", Client });
  w.prisma = new PrismaClient({ adapter: new PrismaPg(w.pool) });
  return w;
}

async function serve(w, r) {
  const rec = { orm: "prisma", rid: r.rid, endpoint: r.endpoint, tagged: r.tagged, statements: [], error: null };
  w.rec = rec;
  try {
    await endpoint(r.endpoint, w.prisma, r.params);
  } catch (e) {
    rec.error = e.meta?.driverAdapterError?.cause?.originalCode || e.code || e.name;
  } finally {
    w.rec = null;
  }
  return rec;
}

const queue = [...scenario.requests];
const truth = [];
const workers = [worker(), worker(), worker()];
await Promise.all(workers.map(async (w) => {
  while (queue.length) {
    const r = queue.shift();
    truth.push(await serve(w, r));
  }
}));
for (const w of workers) {
  await w.prisma.$disconnect();
  await w.pool.end();
}
truth.sort((a, b) => a.rid.localeCompare(b.rid));
fs.mkdirSync(out, { recursive: true });
fs.writeFileSync(path.join(out, "prisma.jsonl"), truth.map((t) => JSON.stringify(t)).join("\n") + "\n");

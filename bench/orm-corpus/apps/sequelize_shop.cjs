// The corpus shop on Sequelize 6 over node-postgres. Sequelize writes
// values into the SQL itself (escaped), so the log shows them inline.
// Lazy access is its getter per row (`order.getItems()`); eager loading is
// `include`. Serves scenario.json three at a time over a pool of 3; writes
// truth/sequelize.jsonl.  usage: sequelize_shop.cjs DSN OUT_DIR
const fs = require("node:fs");
const path = require("node:path");
const { AsyncLocalStorage } = require("node:async_hooks");
const pg = require("pg");
const { Sequelize, DataTypes, QueryTypes } = require("sequelize");

// What each request ran, and its sqlcommenter tag: every statement goes
// through pg.Client#query, inside the request's async context.
const als = new AsyncLocalStorage();
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (q, ...rest) {
  const rec = als.getStore();
  if (rec) {
    const tag = rec.tagged ? ` /*controller='${encodeURIComponent(rec.endpoint)}',framework='sequelize',request_id='${rec.rid}'*/` : "";
    // The comment goes before a closing `;`, as sqlcommenter puts it.
    const tagged = (t) => (t.trimEnd().endsWith(";") ? t.trimEnd().slice(0, -1) + tag + ";" : t + tag);
    if (typeof q === "string") q = tagged(q);
    else if (q && typeof q.text === "string") q = { ...q, text: tagged(q.text) };
    rec.statements.push(typeof q === "string" ? q : q.text);
  }
  return query.call(this, q, ...rest);
};

// The same through mysql2 on MariaDB: a query is a string or `{ sql }`.
try {
  // By file path: mysql2's `exports` map does not expose its lib/ folder.
  const root = path.dirname(require.resolve("mysql2"));
  const Base = require(path.join(root, "lib", "base", "connection.js"));
  for (const method of ["query", "execute"]) {
    const orig = Base.prototype[method];
    Base.prototype[method] = function (sql, ...rest) {
      const rec = als.getStore();
      if (rec && rec.tagged) {
        const tag = ` /*controller='${encodeURIComponent(rec.endpoint)}',framework='sequelize',request_id='${rec.rid}'*/`;
        const tagged = (t) => (t.trimEnd().endsWith(";") ? t.trimEnd().slice(0, -1) + tag + ";" : t + tag);
        if (typeof sql === "string") sql = tagged(sql);
        else if (sql && typeof sql.sql === "string") sql.sql = tagged(sql.sql);
      }
      return orig.call(this, sql, ...rest);
    };
  }
} catch (e) {
  // mysql2 is not installed: PostgreSQL runs only.
}

const [dsn, out] = process.argv.slice(2);
// CORPUS_ORM names the run (`sequelize-mariadb` on MariaDB through mysql2,
// where the statements are recorded from Sequelize's logging instead).
const name = process.env.CORPUS_ORM || "sequelize";
const mysql = dsn.startsWith("mysql");
const logging = mysql
  ? (sql) => {
      const rec = als.getStore();
      if (rec) rec.statements.push(sql.replace(/^Executing \([^)]*\): /, ""));
    }
  : false;
const db = new Sequelize(dsn, { logging, pool: { max: 3, min: 0 }, dialectOptions: mysql ? {} : { application_name: "shop-sequelize" } });
const opts = (table) => ({ tableName: table, timestamps: false, underscored: true });
const Customer = db.define("Customer", { name: DataTypes.TEXT, email: DataTypes.TEXT }, opts("customers"));
const Product = db.define("Product", { sku: DataTypes.TEXT, title: DataTypes.TEXT, priceCents: DataTypes.INTEGER }, opts("products"));
const Order = db.define("Order", { status: DataTypes.TEXT }, opts("orders"));
const OrderItem = db.define("OrderItem", { quantity: DataTypes.INTEGER }, opts("order_items"));
const Review = db.define("Review", { stars: DataTypes.INTEGER, body: DataTypes.TEXT, customerId: DataTypes.INTEGER }, opts("reviews"));
Customer.hasMany(Order, { foreignKey: "customer_id" });
Order.belongsTo(Customer, { foreignKey: "customer_id" });
Order.hasMany(OrderItem, { as: "items", foreignKey: "order_id" });
OrderItem.belongsTo(Product, { foreignKey: "product_id" });
Product.hasMany(Review, { as: "reviews", foreignKey: "product_id" });

async function endpoint(name, p) {
  switch (name) {
    case "orders_items_lazy": {
      const os = await Order.findAll({ where: { customer_id: p.customer_id }, order: [["id", "DESC"]], limit: 10 });
      let n = 0;
      for (const o of os) n += (await o.getItems()).length;
      return n;
    }
    case "orders_items_eager": {
      const os = await Order.findAll({ where: { customer_id: p.customer_id }, order: [["id", "DESC"]], limit: 10, include: [{ model: OrderItem, as: "items", separate: true }] });
      return os.reduce((n, o) => n + o.items.length, 0);
    }
    case "reviews_lazy": {
      const ps = await Product.findAll({ order: [["id", "ASC"]], limit: 8, offset: p.page * 8 });
      let n = 0;
      for (const x of ps) n += (await x.getReviews()).length;
      return n;
    }
    case "reviews_eager": {
      const ps = await Product.findAll({ order: [["id", "ASC"]], limit: 8, offset: p.page * 8, include: [{ model: Review, as: "reviews", separate: true }] });
      return ps.reduce((n, x) => n + x.reviews.length, 0);
    }
    case "customer_by_email":
      return Customer.findOne({ where: { email: p.email } });
    case "pending_orders":
      return Order.findAll({ where: { status: "pending" }, order: [["id", "DESC"]], limit: 20 });
    case "search_unsafe":
      return db.query(`SELECT id, email FROM customers WHERE name = '${p.name}'`, { type: QueryTypes.SELECT });
    case "search_safe":
      return db.query("SELECT id, email FROM customers WHERE name = :name", { replacements: { name: p.name }, type: QueryTypes.SELECT });
    case "product_list": {
      const where = {}; // optional filters, all empty
      return Product.findAll({ where, order: [["id", "ASC"]], limit: 25 });
    }
    case "customer_twice":
      return [await Customer.findByPk(p.customer_id), await Customer.findByPk(p.customer_id)];
    case "product_page":
      return (await Product.findByPk(p.product_id)).priceCents;
  }
  throw new Error(name);
}

async function main() {
  const scenario = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "scenario.json"), "utf8"));
  const queue = [...scenario.requests];
  const truth = [];
  await Promise.all([0, 1, 2].map(async () => {
    while (queue.length) {
      const r = queue.shift();
      const rec = { orm: name, rid: r.rid, endpoint: r.endpoint, tagged: r.tagged, statements: [], error: null };
      try {
        await als.run(rec, () => endpoint(r.endpoint, r.params));
      } catch (e) {
        rec.error = (e.original && e.original.code) || e.name;
      }
      truth.push(rec);
    }
  }));
  await db.close();
  truth.sort((a, b) => a.rid.localeCompare(b.rid));
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, `${name}.jsonl`), truth.map((t) => JSON.stringify(t)).join("\n") + "\n");
}

main();

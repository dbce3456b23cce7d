# The corpus shop on ActiveRecord 6.1 (Debian's ruby-activerecord, ruby-pg).
# Its PostgreSQL adapter prepares ORM queries on the server (`$1` and a
# parameters line); `find_by_sql` with an array quotes values into the text.
# Lazy access is a has_many read per row; the fix is `includes`. Tagged
# requests carry marginalia-style `key:value` comments. Serves
# scenario.json on 3 threads over a pool of 3; writes truth/activerecord.jsonl.
# usage: ruby activerecord_shop.rb HOST PORT OUT_DIR
require "json"
require "cgi"
require "active_record"

host, port, out = ARGV
ActiveRecord::Base.establish_connection(
  adapter: "postgresql", host: host, port: port.to_i, database: "shop", username: "postgres",
  pool: 3, variables: { "application_name" => "shop-activerecord" }
)

class Customer < ActiveRecord::Base; end
class Product < ActiveRecord::Base
  has_many :reviews
end
class Order < ActiveRecord::Base
  has_many :items, class_name: "OrderItem"
end
class OrderItem < ActiveRecord::Base; end
class Review < ActiveRecord::Base; end

# What each request ran, with its tag: every statement passes here.
module Record
  def execute(sql, name = nil)
    super(tagged(sql), name)
  end

  def exec_query(sql, name = "SQL", binds = [], prepare: false)
    super(tagged(sql), name, binds, prepare: prepare)
  end

  private

  def tagged(sql)
    r = Thread.current[:req]
    return sql unless r
    sql = "#{sql} /*application:shop,controller:#{r["endpoint"]},request_id:#{r["rid"]}*/" if r["tagged"]
    r["statements"] << sql
    sql
  end
end
ActiveRecord::ConnectionAdapters::PostgreSQLAdapter.prepend(Record)

def endpoint(name, p)
  case name
  when "orders_items_lazy"
    Order.where(customer_id: p["customer_id"]).order(id: :desc).limit(10).sum { |o| o.items.to_a.size }
  when "orders_items_eager"
    Order.includes(:items).where(customer_id: p["customer_id"]).order(id: :desc).limit(10).sum { |o| o.items.size }
  when "reviews_lazy"
    Product.order(:id).offset(p["page"] * 8).limit(8).sum { |x| x.reviews.to_a.size }
  when "reviews_eager"
    Product.includes(:reviews).order(:id).offset(p["page"] * 8).limit(8).sum { |x| x.reviews.size }
  when "customer_by_email"
    Customer.find_by(email: p["email"])
  when "pending_orders"
    Order.where(status: "pending").order(id: :desc).limit(20).to_a
  when "search_unsafe"
    Customer.find_by_sql("SELECT id, email FROM customers WHERE name = '#{p["name"]}'").to_a
  when "search_safe"
    Customer.find_by_sql(["SELECT id, email FROM customers WHERE name = ?", p["name"]]).to_a
  when "product_list"
    filters = {} # optional filters, all empty
    Product.where(filters).order(:id).limit(25).to_a
  when "customer_twice"
    [Customer.find(p["customer_id"]).id, Customer.uncached { Customer.find(p["customer_id"]).id }]
  when "product_page"
    Product.find(p["product_id"]).price_cents
  else
    raise name
  end
end

scenario = JSON.parse(File.read(File.join(__dir__, "..", "scenario.json")))
queue = Queue.new
scenario["requests"].each { |r| queue << r }
truth = []
lock = Mutex.new
workers = 3.times.map do
  Thread.new do
    loop do
      r = begin
        queue.pop(true)
      rescue ThreadError
        break
      end
      rec = { "orm" => "activerecord", "rid" => r["rid"], "endpoint" => r["endpoint"], "tagged" => r["tagged"], "statements" => [], "error" => nil }
      ActiveRecord::Base.connection_pool.with_connection do
        Thread.current[:req] = rec
        begin
          endpoint(r["endpoint"], r["params"])
        rescue StandardError => e
          rec["error"] = e.class.name
        ensure
          Thread.current[:req] = nil
        end
      end
      lock.synchronize { truth << rec }
    end
  end
end
workers.each(&:join)
Dir.mkdir(out) unless Dir.exist?(out)
File.write(File.join(out, "activerecord.jsonl"), truth.sort_by { |t| t["rid"] }.map(&:to_json).join("\n") + "\n")

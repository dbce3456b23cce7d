<?php
// The corpus shop on Eloquent (Debian's php-illuminate-database, PDO pgsql:
// statements are prepared on the server, so the log shows `$1` and a
// parameters line). Lazy access is a relation property read per row; the
// fix is `with()`. Three worker processes, one connection each, share the
// requests of scenario.json; writes truth/eloquent.jsonl.
// usage: php eloquent_shop.php HOST PORT OUT_DIR
require "/usr/share/php/Illuminate/Database/autoload.php";

use Illuminate\Database\Capsule\Manager as DB;
use Illuminate\Database\Eloquent\Model;

[$_, $host, $port, $out] = $argv;

class Customer extends Model { protected $table = "customers"; public $timestamps = false; }
class Product extends Model {
    protected $table = "products"; public $timestamps = false;
    public function reviews() { return $this->hasMany(Review::class); }
}
class Order extends Model {
    protected $table = "orders"; public $timestamps = false;
    public function items() { return $this->hasMany(OrderItem::class); }
}
class OrderItem extends Model { protected $table = "order_items"; public $timestamps = false; }
class Review extends Model { protected $table = "reviews"; public $timestamps = false; }

function endpoint(string $name, array $p) {
    switch ($name) {
        case "orders_items_lazy":
            $n = 0;
            foreach (Order::where("customer_id", $p["customer_id"])->orderByDesc("id")->limit(10)->get() as $o) {
                $n += count($o->items);
            }
            return $n;
        case "orders_items_eager":
            return Order::with("items")->where("customer_id", $p["customer_id"])->orderByDesc("id")->limit(10)->get()->sum(fn ($o) => count($o->items));
        case "reviews_lazy":
            $n = 0;
            foreach (Product::orderBy("id")->offset($p["page"] * 8)->limit(8)->get() as $x) {
                $n += count($x->reviews);
            }
            return $n;
        case "reviews_eager":
            return Product::with("reviews")->orderBy("id")->offset($p["page"] * 8)->limit(8)->get()->sum(fn ($x) => count($x->reviews));
        case "customer_by_email":
            return Customer::where("email", $p["email"])->first();
        case "pending_orders":
            return Order::where("status", "pending")->orderByDesc("id")->limit(20)->get();
        case "search_unsafe":
            return DB::select("SELECT id, email FROM customers WHERE name = '" . $p["name"] . "'");
        case "search_safe":
            return DB::select("SELECT id, email FROM customers WHERE name = ?", [$p["name"]]);
        case "product_list":
            $filters = []; // optional filters, all empty
            return Product::where($filters)->orderBy("id")->limit(25)->get();
        case "customer_twice":
            return [Customer::find($p["customer_id"])->id, Customer::find($p["customer_id"])->id];
        case "product_page":
            return Product::find($p["product_id"])->price_cents;
    }
    throw new Exception($name);
}

$scenario = json_decode(file_get_contents(__DIR__ . "/../scenario.json"), true);
@mkdir($out);
$parts = [];
for ($w = 0; $w < 3; $w++) {
    $file = "$out/eloquent.part$w";
    $pid = pcntl_fork();
    if ($pid === 0) {
        $db = new DB();
        $db->addConnection(["driver" => "pgsql", "host" => $host, "port" => $port, "database" => "shop",
            "username" => "postgres", "password" => "", "application_name" => "shop-eloquent"]);
        $db->setAsGlobal();
        $db->bootEloquent();
        $conn = DB::connection();
        $lines = [];
        foreach ($scenario["requests"] as $i => $r) {
            if ($i % 3 !== $w) continue;
            $rec = ["orm" => "eloquent", "rid" => $r["rid"], "endpoint" => $r["endpoint"], "tagged" => $r["tagged"], "statements" => [], "error" => null];
            // What the request runs, and its sqlcommenter tag: Eloquent
            // hands every statement to the PDO through this callback.
            $tag = $r["tagged"] ? " /*controller='" . rawurlencode($r["endpoint"]) . "',framework='eloquent',request_id='" . $r["rid"] . "'*/" : "";
            $conn->beforeExecuting(function (&$query) use (&$rec, $tag) {
                $query .= $tag;
                $rec["statements"][] = $query;
            });
            try {
                endpoint($r["endpoint"], $r["params"] ?? []);
            } catch (Throwable $e) {
                $rec["error"] = get_class($e);
            }
            $lines[] = json_encode($rec, JSON_UNESCAPED_SLASHES);
            // A fresh callback list for the next request.
            (fn () => $this->beforeExecutingCallbacks = [])->call($conn);
        }
        file_put_contents($file, implode("\n", $lines) . "\n");
        exit(0);
    }
    $parts[] = $file;
}
while (pcntl_waitpid(0, $status) !== -1);
$all = [];
foreach ($parts as $f) {
    foreach (file($f, FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES) as $l) $all[] = $l;
    unlink($f);
}
usort($all, fn ($a, $b) => strcmp(json_decode($a, true)["rid"], json_decode($b, true)["rid"]));
file_put_contents("$out/eloquent.jsonl", implode("\n", $all) . "\n");

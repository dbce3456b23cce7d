//! Plans one statement against a schema the way `ormlint replay --schema`
//! does, for investigating a missing-index finding:
//!
//! `cargo run --release --example explain_shape -- schema.sql "SELECT …"`

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let s =
        ormlint::schema::Schema::load(std::path::Path::new(&args[1]), std::path::Path::new("."))
            .unwrap();
    let mut s = s;
    s.set_rows(&Default::default());
    let fp = ormlint::sql::fingerprint::fingerprint(&args[2]);
    let sql = ormlint::schema::rewrite::to_sqlite(&fp.text);
    println!("{sql}\n{:?}", s.plan(&sql));
    let a = ormlint::sql::analyze::analyze(&args[2]);
    println!("{:?}", a.columns);
}

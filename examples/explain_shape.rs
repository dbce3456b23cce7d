//! Plans one statement against a schema the way `ormlint replay --schema`
//! does, for investigating a missing-index finding:
//!
//! `cargo run --release --example explain_shape -- schema.sql "SELECT …"`

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let [_, schema, statement] = args.as_slice() else {
        return Err("usage: explain_shape SCHEMA.sql STATEMENT".to_string());
    };
    let mut s =
        ormlint::schema::Schema::load(std::path::Path::new(schema), std::path::Path::new("."))?;
    s.set_rows(&Default::default());
    let fp = ormlint::sql::fingerprint::fingerprint(statement);
    let sql = ormlint::schema::rewrite::to_sqlite(&fp.text);
    println!("{sql}\n{:?}", s.plan(&sql));
    let a = ormlint::sql::analyze::analyze(statement);
    println!("{:?}", a.columns);
    Ok(())
}

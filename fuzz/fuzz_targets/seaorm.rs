//! Any text as a SeaORM migration (Rust built with sea-query) that a
//! migrator lists: read statically, translated to DDL and applied to the
//! schema replica, as `check` does for a SeaORM migration crate.
#![no_main]
use libfuzzer_sys::fuzz_target;

const LIB: &str = "pub use sea_orm_migration::prelude::*;\n\
mod m20240101_000001_fuzz;\n\
pub struct Migrator;\n\
#[async_trait::async_trait]\n\
impl MigratorTrait for Migrator {\n\
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {\n\
        vec![Box::new(m20240101_000001_fuzz::Migration)]\n\
    }\n\
}\n";

fuzz_target!(|data: &[u8]| {
    let dir = std::env::temp_dir().join(format!("ormlint-fuzz-seaorm-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let lib = dir.join("lib.rs");
    if std::fs::write(&lib, LIB).is_err()
        || std::fs::write(dir.join("m20240101_000001_fuzz.rs"), data).is_err()
    {
        return;
    }
    if let Ok(schema) = ormlint::schema::Schema::load_all(&[lib], &dir) {
        std::hint::black_box(schema.notes.len());
    }
});

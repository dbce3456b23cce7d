pub use sea_orm_migration::prelude::*;

mod m20240301_000001_indexes;
mod m20240101_000001_create_post;
mod m20240201_000001_rename;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        // The list's order is the order they run in.
        vec![
            Box::new(m20240101_000001_create_post::Migration),
            Box::new(m20240201_000001_rename::Migration),
            Box::new(m20240301_000001_indexes::Migration),
        ]
    }
}

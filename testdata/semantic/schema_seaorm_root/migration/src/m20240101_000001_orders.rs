use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Orders::Table)
                    .col(pk_auto(Orders::Id))
                    .col(integer(Orders::CustomerId))
                    .col(string(Orders::Status))
                    .index(Index::create().name("orders_customer").col(Orders::CustomerId))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Orders::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    Id,
    CustomerId,
    Status,
}

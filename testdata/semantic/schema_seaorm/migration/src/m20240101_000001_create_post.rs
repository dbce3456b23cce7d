use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Post::Table)
                    .if_not_exists()
                    .col(pk_auto(Post::Id))
                    .col(string_uniq(Post::Slug))
                    .col(string(Post::Title))
                    .col(integer(Post::AuthorId))
                    .col(boolean(Post::Published))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AccountIden::Table)
                    .col(
                        ColumnDef::new(AccountIden::Id)
                            .big_integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(AccountIden::Email).text().not_null().unique_key())
                    .col(ColumnDef::new(AccountIden::DisplayName).text())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_post_title")
                    .table(Post::Table)
                    .col(Post::Title)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("idx_down_only")
                    .table(Post::Table)
                    .col(Post::AuthorId)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Post {
    Table,
    Id,
    Slug,
    Title,
    AuthorId,
    Published,
}

#[derive(Iden)]
enum AccountIden {
    #[iden = "accounts"]
    Table,
    Id,
    Email,
    DisplayName,
}

use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};

pub mod post {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "post")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub slug: String,
        pub title: String,
        pub author_id: i32,
        pub reviewer_id: Option<i32>,
        pub published: bool,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod member {
    use sea_orm::entity::prelude::*;

    // The entity's module is `member`; its table is `accounts`.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "accounts")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub email: String,
        pub display_name: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub async fn member_by_email(db: &DatabaseConnection, e: &str) -> Result<Option<member::Model>, DbErr> {
    member::Entity::find().filter(member::Column::Email.eq(e)).one(db).await
}

pub async fn members_named(db: &DatabaseConnection, n: &str) -> Result<Vec<member::Model>, DbErr> {
    member::Entity::find().filter(member::Column::DisplayName.eq(n)).all(db).await // ~ missing-index
}

pub async fn by_slug(db: &DatabaseConnection, slug: &str) -> Result<Option<post::Model>, DbErr> {
    // `string_uniq` made a unique index.
    post::Entity::find().filter(post::Column::Slug.eq(slug)).one(db).await
}

pub async fn by_author(db: &DatabaseConnection, id: i32) -> Result<Vec<post::Model>, DbErr> {
    // Indexed by the third migration, which the list runs last.
    post::Entity::find().filter(post::Column::AuthorId.eq(id)).all(db).await
}

pub async fn by_reviewer(db: &DatabaseConnection, id: i32) -> Result<Vec<post::Model>, DbErr> {
    // Indexed by raw SQL in a migration.
    post::Entity::find().filter(post::Column::ReviewerId.eq(id)).all(db).await
}

pub async fn by_title(db: &DatabaseConnection, t: &str) -> Result<Vec<post::Model>, DbErr> {
    // Its index was dropped by the second migration.
    post::Entity::find().filter(post::Column::Title.eq(t)).all(db).await // ~ missing-index
}

pub async fn published(db: &DatabaseConnection) -> Result<Vec<post::Model>, DbErr> {
    // A lone boolean: no index would help.
    post::Entity::find().filter(post::Column::Published.eq(true)).all(db).await
}

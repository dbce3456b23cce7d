use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};

pub mod orders {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "orders")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub customer_id: i32,
        pub status: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub async fn of_customer(db: &DatabaseConnection, c: i32) -> Result<Vec<orders::Model>, DbErr> {
    // The index made inside Table::create() serves it.
    orders::Entity::find().filter(orders::Column::CustomerId.eq(c)).all(db).await
}

pub async fn with_status(db: &DatabaseConnection, s: &str) -> Result<Vec<orders::Model>, DbErr> {
    orders::Entity::find().filter(orders::Column::Status.eq(s)).all(db).await // ~ missing-index
}

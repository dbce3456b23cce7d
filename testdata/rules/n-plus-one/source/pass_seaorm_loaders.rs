use sea_orm::{DatabaseConnection, EntityTrait, LoaderTrait};

pub async fn cakes_with_fruits(db: &DatabaseConnection) -> Result<(), sea_orm::DbErr> {
    let cakes = cake::Entity::find().all(db).await?;
    let _fruits = cakes.load_many(fruit::Entity, db).await?;
    let _pairs = cake::Entity::find().find_with_related(fruit::Entity).all(db).await?;
    // Iterator::all and Iterator::count are not SeaORM calls.
    let _ok = cakes.iter().all(|c| c.id > 0);
    let _n = cakes.iter().filter(|c| c.id > 0).count();
    Ok(())
}

use crate::db;

pub struct Order {
    pub id: i64,
}

async fn total_of(pool: &Pool, order: &Order) -> i64 {
    db::order_total(pool, order.id).await.unwrap_or(0)
}

pub async fn daily(pool: &Pool, orders: &[Order]) -> i64 {
    let mut sum = 0;
    for order in orders {
        sum += total_of(pool, order).await;
    }
    sum
}

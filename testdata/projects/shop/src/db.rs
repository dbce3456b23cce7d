use sqlx::PgPool;

pub async fn order_total(pool: &PgPool, order_id: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT sum(amount) FROM order_lines WHERE order_id = $1")
        .bind(order_id)
        .fetch_one(pool)
        .await
}

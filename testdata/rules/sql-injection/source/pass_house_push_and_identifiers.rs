use sqlx::SqlitePool;

pub struct Outbox {
    host: u32,
}

impl Outbox {
    // A method of the crate's own type, named like `QueryBuilder::push`.
    pub async fn push(&self, m: &str) -> usize {
        m.len() + self.host as usize
    }
}

pub async fn send(pool: &SqlitePool, text: String) {
    let outbox = Outbox::builder().host(1).build();
    outbox.push(&text).await;
    let _ = pool;
}

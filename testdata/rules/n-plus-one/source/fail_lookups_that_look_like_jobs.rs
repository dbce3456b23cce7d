// Near misses of the shapes that are not per element: these still run one
// lookup per element.
use futures::stream::{self, StreamExt};
use sqlx::SqlitePool;

pub struct Page {
    pub id: i64,
    pub author_id: i64,
}

async fn record(pool: &SqlitePool, id: i64) -> sqlx::Result<Vec<u8>> {
    sqlx::query_scalar("SELECT data FROM store WHERE id = ?1")
        .bind(id)
        .fetch_one(pool)
        .await
}

// A bounded fan-out of lookups by key is still one query per id.
pub async fn decode_all(pool: &SqlitePool, ids: &[i64]) -> Vec<sqlx::Result<Vec<u8>>> {
    stream::iter(ids)
        .map(|id| record(pool, *id)) // ~ n-plus-one
        .buffered(8)
        .collect()
        .await
}

// `page` rows of a CMS, not pages of a pager.
pub async fn authors(pool: &SqlitePool, pages: Vec<Page>) -> sqlx::Result<Vec<String>> {
    let mut names = Vec::new();
    for page in pages {
        let name: String = sqlx::query_scalar("SELECT name FROM users WHERE id = ?1")
            .bind(page.author_id)
            .fetch_one(pool) // ~ n-plus-one
            .await?;
        names.push(name);
    }
    Ok(names)
}

// A walk over rows where each step needs no query, but the list is data.
pub async fn settings_per_room(pool: &SqlitePool, room_settings: Vec<(i64, String)>) -> sqlx::Result<()> {
    for (room, _s) in room_settings {
        let _: Option<i64> = sqlx::query_scalar("SELECT 1 FROM rooms WHERE id = ?1")
            .bind(room)
            .fetch_optional(pool) // ~ n-plus-one
            .await?;
    }
    Ok(())
}

// A builder filled by later statements changes per element: not a query to
// hoist, one to batch.
pub async fn by_kind(pool: &SqlitePool, kinds: &[i64]) -> sqlx::Result<()> {
    for kind in kinds {
        let mut q: sqlx::QueryBuilder<sqlx::Sqlite> =
            sqlx::QueryBuilder::new("SELECT content FROM event WHERE kind = ");
        q.push_bind(*kind);
        q.build().fetch_all(pool).await?; // ~ n-plus-one
    }
    Ok(())
}

// Loops that do not walk data: a query in them is not one per element.
use std::collections::HashMap;
use std::time::Duration;

use sqlx::PgPool;
use tokio::sync::mpsc::Receiver;

const PERIODS: [&str; 3] = ["day", "week", "month"];
const MAX_ATTEMPTS: u32 = 5;

async fn count_for(pool: &PgPool, period: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM visits WHERE period = $1")
        .bind(period)
        .fetch_one(pool)
        .await
}

async fn user_name(pool: &PgPool, id: i64) -> sqlx::Result<String> {
    sqlx::query_scalar("SELECT name FROM users WHERE id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
}

// A service loop: poll, then sleep.
pub async fn poller(pool: PgPool) {
    loop {
        if let Err(e) = count_for(&pool, "day").await {
            eprintln!("{e}");
        }
        tokio::time::sleep(Duration::from_secs(30)).await;
    }
}

// A ticker loop.
pub async fn ticker(pool: PgPool) -> sqlx::Result<()> {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    loop {
        tick.tick().await;
        sqlx::query("DELETE FROM sessions WHERE expires_at < now()")
            .execute(&pool)
            .await?;
    }
}

// An event loop: one query per message received.
pub async fn handle_messages(pool: PgPool, mut rx: Receiver<i64>) -> sqlx::Result<()> {
    while let Some(id) = rx.recv().await {
        let _ = user_name(&pool, id).await?;
    }
    Ok(())
}

// A list written in the code.
pub async fn report(pool: &PgPool) -> sqlx::Result<Vec<i64>> {
    let mut out = Vec::new();
    for p in PERIODS {
        out.push(count_for(pool, p).await?);
    }
    for p in ["hour", "minute"] {
        out.push(count_for(pool, p).await?);
    }
    for attempt in 0..MAX_ATTEMPTS {
        out.push(count_for(pool, &attempt.to_string()).await?);
    }
    Ok(out)
}

// One task per element, each on its own: concurrent fan-out, not the
// request-time N+1.
pub fn refresh_all(pool: PgPool, ids: Vec<i64>) {
    for id in ids {
        let pool = pool.clone();
        tokio::spawn(async move {
            let _ = user_name(&pool, id).await;
        });
    }
}

// A lookup only on a cache miss.
pub async fn names_memoized(pool: &PgPool, ids: &[i64]) -> sqlx::Result<Vec<String>> {
    let mut cache: HashMap<i64, String> = HashMap::new();
    let mut out = Vec::new();
    for id in ids {
        let name = match cache.get(id) {
            Some(n) => n.clone(),
            None => {
                let n = user_name(pool, *id).await?;
                cache.insert(*id, n.clone());
                n
            }
        };
        out.push(name);
    }
    for id in ids {
        if !cache.contains_key(id) {
            let n = user_name(pool, *id).await?;
            cache.insert(*id, n);
        }
    }
    Ok(out)
}

// A value filled the first time a row needs it, then reused.
pub async fn fallback_names(pool: &PgPool, ids: &[i64]) -> sqlx::Result<Vec<String>> {
    let mut fallback: Option<String> = None;
    let mut out = Vec::new();
    for id in ids {
        if *id < 0 {
            if fallback.is_none() {
                fallback = Some(user_name(pool, 0).await?);
            }
            out.push(fallback.clone().unwrap_or_default());
        }
    }
    Ok(out)
}

// A helper that queries only on a cache miss, called per element.
async fn cached_name(pool: &PgPool, cache: &mut HashMap<i64, String>, id: i64) -> sqlx::Result<String> {
    if let Some(n) = cache.get(&id) {
        return Ok(n.clone());
    }
    let n = user_name(pool, id).await?;
    cache.insert(id, n.clone());
    Ok(n)
}

pub async fn names_through_cache(pool: &PgPool, ids: &[i64]) -> sqlx::Result<Vec<String>> {
    let mut cache = HashMap::new();
    let mut out = Vec::new();
    for id in ids {
        out.push(cached_name(pool, &mut cache, *id).await?);
    }
    Ok(out)
}

// Schema work per table: different DDL each time, not a query per element.
pub async fn drop_all(pool: &PgPool, tables: &[String]) -> sqlx::Result<()> {
    for t in tables {
        sqlx::query(&format!("DROP TABLE IF EXISTS {t}")).execute(pool).await?;
    }
    Ok(())
}

// The entry API: the lookup runs only for a vacant entry.
async fn entry_name<'c>(
    pool: &PgPool,
    cache: &'c mut HashMap<i64, String>,
    id: i64,
) -> sqlx::Result<&'c mut String> {
    match cache.entry(id) {
        std::collections::hash_map::Entry::Occupied(e) => Ok(e.into_mut()),
        std::collections::hash_map::Entry::Vacant(v) => Ok(v.insert(user_name(pool, id).await?)),
    }
}

pub async fn names_through_entries(pool: &PgPool, ids: &[i64]) -> sqlx::Result<usize> {
    let mut cache = HashMap::new();
    let mut n = 0;
    for id in ids {
        n += entry_name(pool, &mut cache, *id).await?.len();
    }
    Ok(n)
}

// A list written in the code, through a local.
pub async fn checks(pool: &PgPool) -> sqlx::Result<i64> {
    let periods = [("day", 1), ("week", 7)];
    let mut total = 0;
    for (p, _days) in periods {
        total += count_for(pool, p).await?;
    }
    Ok(total)
}

// The lookup bound to a local first, then the guard.
async fn cached_count(pool: &PgPool, cache: &HashMap<String, i64>, period: &str) -> sqlx::Result<i64> {
    let hit = cache.get(period);
    if let Some(n) = hit {
        return Ok(*n);
    }
    count_for(pool, period).await
}

pub async fn counts(pool: &PgPool, cache: &HashMap<String, i64>, periods: &[String]) -> sqlx::Result<i64> {
    let mut total = 0;
    for p in periods {
        total += cached_count(pool, cache, p).await?;
    }
    Ok(total)
}

// A function whose query runs in its own event loop, per message: calling
// it once per element starts one subscription each, not one query each.
pub async fn watch(pool: PgPool, topic: String) -> sqlx::Result<()> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<String>(16);
    tokio::spawn(async move {
        let _ = tx.send(topic).await;
    });
    let handler = async move {
        while let Some(msg) = rx.recv().await {
            let _ = sqlx::query("UPDATE topics SET seen = now() WHERE name = $1")
                .bind(&msg)
                .execute(&pool)
                .await;
        }
    };
    tokio::spawn(handler);
    Ok(())
}

pub async fn watch_all(pool: &PgPool, topics: Vec<String>) -> sqlx::Result<()> {
    for t in topics {
        watch(pool.clone(), t).await?;
    }
    Ok(())
}

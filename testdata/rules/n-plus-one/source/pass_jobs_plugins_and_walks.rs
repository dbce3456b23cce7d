// Loops whose elements are jobs, plugins, configuration or a walk up a
// hierarchy: each iteration is different work, not one lookup per row.
use std::path::Path;

use futures::stream::{self, StreamExt};
use rusqlite::Connection;
use sqlx::SqlitePool;

pub struct Migration {
    pub name: String,
    pub up_sql: Option<String>,
}

pub struct Runner {
    conn: Connection,
}

impl Runner {
    // The SQL text is the migration's own: a script, a different statement
    // per element.
    fn run_up(&mut self, migration: &Migration) -> rusqlite::Result<()> {
        let up_sql = migration.up_sql.as_ref().expect("up");
        let tx = self.conn.transaction()?;
        tx.execute_batch(up_sql)?;
        tx.commit()
    }

    pub fn run_plan(&mut self, plan: &[Migration]) -> rusqlite::Result<()> {
        for migration in plan {
            self.run_up(migration)?;
        }
        Ok(())
    }

    // Schema work prepared with the table's name, run in a closure.
    pub fn purge(&self, tables: &[String]) -> rusqlite::Result<()> {
        tables.iter().try_for_each(|t| {
            self.conn
                .prepare(format!("DROP TABLE main.{}", t).as_str())
                .and_then(|mut stmt| stmt.execute([]).map(|_| ()))
        })
    }
}

pub struct Manifest {
    pub from: i64,
    pub to: i64,
}

async fn pack(pool: &SqlitePool, m: &Manifest) -> sqlx::Result<Vec<Vec<u8>>> {
    sqlx::query_scalar("SELECT data FROM store WHERE idx >= ?1 AND idx < ?2")
        .bind(m.from)
        .bind(m.to)
        .fetch_all(pool)
        .await
}

// A bounded fan-out of work items (pack, then upload): concurrency by design.
pub async fn pack_all(pool: &SqlitePool, manifests: Vec<Manifest>) -> Vec<sqlx::Result<Vec<Vec<u8>>>> {
    stream::iter(manifests.iter())
        .map(|manifest| pack(pool, manifest))
        .buffered(4)
        .collect()
        .await
}

pub async fn pack_each(pool: &SqlitePool, manifests: Vec<Manifest>) {
    stream::iter(manifests)
        .for_each_concurrent(8, |manifest| async move {
            let _ = pack(pool, &manifest).await;
        })
        .await;
}

// One sync job per series, each paging through its series.
async fn upload_series(pool: &SqlitePool, series: &str) -> sqlx::Result<usize> {
    let mut from = 0i64;
    let mut sent = 0;
    loop {
        let page: Vec<Vec<u8>> =
            sqlx::query_scalar("SELECT data FROM store WHERE tag = ?1 AND idx >= ?2 ORDER BY idx LIMIT 100")
                .bind(series)
                .bind(from)
                .fetch_all(pool)
                .await?;
        if page.is_empty() {
            break;
        }
        sent += page.len();
        from += page.len() as i64;
    }
    Ok(sent)
}

pub async fn sync(pool: &SqlitePool, all_series: &[String]) -> sqlx::Result<usize> {
    let mut total = 0;
    for series in all_series {
        total += upload_series(pool, series).await?;
    }
    Ok(total)
}

// Work done once per page pulled from a remote stream.
pub async fn download(pool: &SqlitePool, mut pages: futures::stream::BoxStream<'_, Vec<i64>>) -> sqlx::Result<()> {
    while let Some(page) = pages.next().await {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM store WHERE idx >= ?1")
            .bind(page[0])
            .fetch_one(pool)
            .await?;
        let _ = n;
    }
    Ok(())
}

pub struct DbConfig {
    pub uri: String,
}

pub struct Settings {
    pub all_configs: std::collections::BTreeMap<String, DbConfig>,
}

async fn prepare_database(cfg: &DbConfig) -> sqlx::Result<SqlitePool> {
    let pool = SqlitePool::connect(&cfg.uri).await?;
    sqlx::query("PRAGMA journal_mode = WAL").execute(&pool).await?;
    Ok(pool)
}

// A loop over the sections of a configuration file.
pub async fn connect_all(root_config: &Settings) -> sqlx::Result<Vec<SqlitePool>> {
    let mut pools = Vec::new();
    for config in root_config.all_configs.values() {
        pools.push(prepare_database(config).await?);
    }
    Ok(pools)
}

pub struct Issuer {
    pub name: String,
    pub keys: Vec<String>,
}

impl Issuer {
    pub fn public_keys(&self) -> Vec<String> {
        self.keys.clone()
    }
}

pub struct ReputationImportSettings {
    pub issuers: Vec<Issuer>,
}

// A loop over what a settings value lists (its type says so, whatever the
// local is called): a few entries the operator wrote.
pub async fn bind_issuers(pool: &SqlitePool, import: &ReputationImportSettings) -> sqlx::Result<()> {
    for issuer in &import.issuers {
        for key in issuer.public_keys() {
            sqlx::query("INSERT OR IGNORE INTO issuer_keys (key, name) VALUES (?, ?)")
                .bind(key)
                .bind(&issuer.name)
                .execute(pool)
                .await?;
        }
    }
    Ok(())
}

#[async_trait::async_trait]
pub trait Initializer {
    async fn after_start(&self, pool: &SqlitePool) -> sqlx::Result<()>;
}

pub struct Seeder;

#[async_trait::async_trait]
impl Initializer for Seeder {
    async fn after_start(&self, pool: &SqlitePool) -> sqlx::Result<()> {
        sqlx::query("SELECT 1 FROM seeds LIMIT 1").execute(pool).await?;
        Ok(())
    }
}

pub struct Banner;

#[async_trait::async_trait]
impl Initializer for Banner {
    async fn after_start(&self, _pool: &SqlitePool) -> sqlx::Result<()> {
        Ok(())
    }
}

// A list of plugins: each element runs its own code.
pub async fn start(pool: &SqlitePool, initializers: &[Box<dyn Initializer>]) -> sqlx::Result<()> {
    for initializer in initializers {
        initializer.after_start(pool).await?;
    }
    Ok(())
}

async fn file_exists(pool: &SqlitePool, path: &Path) -> sqlx::Result<bool> {
    let hit: Option<i64> = sqlx::query_scalar("SELECT 1 FROM files WHERE path = ?1")
        .bind(path.to_string_lossy().to_string())
        .fetch_optional(pool)
        .await?;
    Ok(hit.is_some())
}

// A walk up one path's parents: as long as the path is deep.
pub async fn find_not_found(pool: &SqlitePool, path: &Path) -> sqlx::Result<Option<std::path::PathBuf>> {
    let mut parent = path.parent();
    while let Some(p) = parent {
        let target = p.join("404.sql");
        if file_exists(pool, &target).await? {
            return Ok(Some(target));
        }
        parent = p.parent();
    }
    for dir in path.ancestors() {
        if file_exists(pool, &dir.join("index.sql")).await? {
            return Ok(Some(dir.to_path_buf()));
        }
    }
    Ok(None)
}

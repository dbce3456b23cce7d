// An embedded-server library (postgresql_embedded 0.20.2 → 0.20.3): a
// generic public method shadows its `AsRef<str>` parameter, quotes the
// name without doubling its quotes, and a blocking wrapper type of the
// same name calls it from an `async` block. The fix added a quoting
// function.
use sqlx::PgPool;

pub struct Server {
    pool: PgPool,
}

impl Server {
    pub async fn create_database<S: AsRef<str>>(&self, database_name: S) -> sqlx::Result<()> {
        let database_name = database_name.as_ref();
        sqlx::query(format!("CREATE DATABASE \"{database_name}\"").as_str()) // ~ sql-injection note
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn drop_database<S: AsRef<str>>(&self, database_name: S) -> sqlx::Result<()> {
        let database_name = database_name.as_ref();
        let sql = format!("DROP DATABASE IF EXISTS {}", quote_identifier(database_name));
        sqlx::query(sql.as_str()).execute(&self.pool).await?;
        Ok(())
    }
}

fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

pub mod blocking {
    pub struct Server {
        inner: super::Server,
        runtime: tokio::runtime::Runtime,
    }

    impl Server {
        pub fn create_database<S: AsRef<str> + Send>(&self, database_name: S) -> sqlx::Result<()> {
            self.runtime
                .block_on(async move { self.inner.create_database(database_name).await })
        }
    }
}

// Text kept in a struct's field: what the workspace stores there decides.
pub struct SessionStore {
    pool: sqlx::PgPool,
    table: String,
}

impl SessionStore {
    pub fn new(pool: sqlx::PgPool) -> Self {
        Self {
            pool,
            table: "sessions".into(),
        }
    }

    // A library setter: its caller's name lands in every statement.
    pub fn with_table(mut self, table: impl AsRef<str>) -> Self {
        let table = table.as_ref();
        table.clone_into(&mut self.table);
        self
    }

    pub async fn delete(&self, id: &str) -> sqlx::Result<()> {
        let sql = format!("DELETE FROM {} WHERE id = $1", self.table);
        sqlx::query(&sql).bind(id).execute(&self.pool).await?; // ~ sql-injection note
        Ok(())
    }
}

// The same setter with an allow-list check first: not reported.
pub struct CheckedStore {
    pool: sqlx::PgPool,
    table: String,
}

fn is_valid_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl CheckedStore {
    pub fn with_table(mut self, table: &str) -> Result<Self, String> {
        if !is_valid_name(table) {
            return Err(format!("invalid table name {table:?}"));
        }
        self.table = table.to_string();
        Ok(self)
    }

    pub async fn delete(&self, id: &str) -> sqlx::Result<()> {
        let sql = format!("DELETE FROM \"{}\" WHERE id = $1", self.table);
        sqlx::query(&sql).bind(id).execute(&self.pool).await?;
        Ok(())
    }
}

// A command-line flag kept in a struct, then spliced.
#[derive(clap::Parser)]
pub struct Opts {
    #[arg(long)]
    pub schema: String,
}

pub struct Exporter {
    conn: rusqlite::Connection,
    schema: String,
}

impl Exporter {
    pub fn from_cli(conn: rusqlite::Connection) -> Self {
        use clap::Parser;
        let opts = Opts::parse();
        Exporter {
            conn,
            schema: opts.schema,
        }
    }

    pub fn dump(&self) -> rusqlite::Result<usize> {
        self.conn.execute(&format!("ATTACH DATABASE 'x.db' AS {}", self.schema), []) // ~ sql-injection
    }
}

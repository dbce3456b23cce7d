// Checks that stop the function make a value safe — only the value checked,
// only after the check, and only while it is not replaced.
use axum::extract::{Form, Query};

#[derive(serde::Deserialize)]
pub struct Signup {
    pub email: String,
    pub name: String,
}

fn is_valid_email(s: &str) -> bool {
    s.contains('@') && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '@' || c == '.')
}

pub async fn signup(Form(f): Form<Signup>, pool: axum::extract::State<sqlx::PgPool>) {
    if !is_valid_email(&f.email) {
        return;
    }
    // The email was checked; the name was not.
    let _ = sqlx::query(&format!("INSERT INTO subscribers (email) VALUES ('{}')", f.email))
        .execute(&*pool)
        .await;
    let _ = sqlx::query(&format!("INSERT INTO people (name) VALUES ('{}')", f.name)) // ~ sql-injection
        .execute(&*pool)
        .await;
}

pub async fn sorted(Query(q): Query<crate::Search>, pool: axum::extract::State<sqlx::PgPool>) {
    let mut column = q.order.clone();
    if !column.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
        return;
    }
    let _ = sqlx::query(&format!("SELECT id FROM posts ORDER BY {column}")).fetch_all(&*pool).await;
    // Replaced after the check: no longer what was checked.
    column = q.title.clone();
    let _ = sqlx::query(&format!("SELECT id FROM posts ORDER BY {column}")).fetch_all(&*pool).await; // ~ sql-injection
}

// A check that only rejects some characters is not an allow-list.
pub async fn loose(Query(q): Query<crate::Search>, pool: axum::extract::State<sqlx::PgPool>) {
    if !q.title.chars().all(|c| c != ' ') {
        return;
    }
    let _ = sqlx::query(&format!("SELECT id FROM posts WHERE title = '{}'", q.title)) // ~ sql-injection
        .fetch_all(&*pool)
        .await;
}

// Quotes doubled inside a quoted literal, wherever the placeholder sits in it.
pub async fn like(Query(q): Query<crate::Search>, pool: axum::extract::State<sqlx::PgPool>) {
    let sql = format!(
        "SELECT id FROM posts WHERE title LIKE '%{}%'",
        q.title.replace('\'', "''")
    );
    let _ = sqlx::query(&sql).fetch_all(&*pool).await;
}

//! A scripted visit of the blog: what a few readers and one attacker do.
//! usage: blog-app DATABASE_URL
use axum::extract::{Query, State};
use diesel::{Connection, PgConnection};
use sqlx::PgPool;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::args().nth(1).ok_or("usage: blog-app DATABASE_URL")?;

    // Two readers open the front page, each request in its own transaction.
    let mut conn = PgConnection::establish(&url)?;
    for _ in 0..2 {
        let views = conn.transaction(blog::handlers::front_page)?;
        println!("front page: {} posts", views.len());
    }

    // Searches, from the query string of `GET /search?q=…`: a reader's, one
    // with an apostrophe (the spliced SQL breaks), and an attacker's probe.
    let pool = PgPool::connect(&url).await?;
    for q in ["rust", "it's 42", "x%' UNION SELECT usename FROM pg_user --"] {
        let page = blog::search::search_page(Query(blog::search::SearchParams { q: q.to_string() }), State(pool.clone())).await;
        println!("search {q:?}: {} lines", page.lines().count());
    }
    // The safe variant of the same search, as the admin pages call it.
    let titles = blog::search::search_titles_safely(&pool, "rust", 20).await?;
    println!("safe search: {} titles", titles.len());
    pool.close().await;
    Ok(())
}

use diesel::PgConnection;
use crate::models::PostView;
use crate::repo;

/// The front page: 20 posts with their authors and comments.
pub fn front_page(conn: &mut PgConnection) -> diesel::QueryResult<Vec<PostView>> {
    let posts = repo::recent_posts(conn)?;
    let comments = repo::comments_for(conn, &posts)?;
    let mut views = Vec::with_capacity(posts.len());
    for (post, comments) in posts.into_iter().zip(comments) {
        let author = repo::author_of(conn, &post)?;
        views.push(PostView { post, author, comments });
    }
    Ok(views)
}

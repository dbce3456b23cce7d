// The tables, as `diesel print-schema` writes them for bench/blog-app/schema.sql.
diesel::table! {
    users (id) {
        id -> Int4,
        name -> Text,
    }
}

diesel::table! {
    posts (id) {
        id -> Int4,
        title -> Text,
        author_id -> Int4,
        published_at -> Timestamp,
    }
}

diesel::table! {
    comments (id) {
        id -> Int4,
        post_id -> Int4,
        body -> Text,
    }
}

diesel::joinable!(posts -> users (author_id));
diesel::joinable!(comments -> posts (post_id));
diesel::allow_tables_to_appear_in_same_query!(users, posts, comments);

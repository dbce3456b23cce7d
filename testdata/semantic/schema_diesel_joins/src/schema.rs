diesel::table! {
    community (id) {
        id -> Int4,
        name -> Text,
        removed -> Bool,
    }
}

diesel::table! {
    post (id) {
        id -> Int4,
        community_id -> Int4,
        creator_id -> Int4,
        name -> Text,
    }
}

diesel::table! {
    comment (id) {
        id -> Int4,
        post_id -> Int4,
        body -> Text,
    }
}

diesel::table! {
    person_block (person_id, target_id) {
        person_id -> Int4,
        target_id -> Int4,
        published -> Timestamp,
    }
}

diesel::joinable!(post -> community (community_id));
diesel::joinable!(comment -> post (post_id));

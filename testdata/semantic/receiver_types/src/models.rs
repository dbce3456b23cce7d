use diesel::prelude::*;

diesel::table! {
    accounts (id) {
        id -> Int4,
        owner -> Text,
        name -> Text,
    }
}

diesel::table! {
    avatars (id) {
        id -> Int4,
        account_id -> Int4,
        url -> Text,
    }
}

#[derive(Queryable)]
pub struct Account {
    pub id: i32,
    pub owner: String,
    pub name: String,
}

impl Account {
    pub fn list_for(owner: &str, conn: &mut PgConnection) -> Vec<Account> {
        accounts::table
            .filter(accounts::owner.eq(owner))
            .load(conn)
            .unwrap_or_default()
    }

    pub fn render(&self, conn: &mut PgConnection) -> String {
        let url: String = avatars::table
            .filter(avatars::account_id.eq(self.id))
            .select(avatars::url)
            .first(conn)
            .unwrap_or_default();
        format!("{} <{url}>", self.name)
    }
}

pub struct Widget {
    pub label: String,
}

impl Widget {
    pub fn render(&self, _conn: &mut PgConnection) -> String {
        self.label.clone()
    }
}

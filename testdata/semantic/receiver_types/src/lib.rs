// Several types have a method named `render`: the receiver's type says
// which one runs.
mod models;

use diesel::PgConnection;
use models::{Account, Widget};

pub fn page(owner: &str, conn: &mut PgConnection) -> Vec<String> {
    let mut out = Vec::new();
    for m in Account::list_for(owner, conn) {
        out.push(m.render(conn)); // ~ n-plus-one
    }
    out
}

pub fn widgets(ws: &[Widget], conn: &mut PgConnection) -> Vec<String> {
    // `Widget::render` runs no query.
    ws.iter().map(|w| w.render(conn)).collect()
}

pub fn annotated(accounts: Vec<Account>, conn: &mut PgConnection) -> usize {
    let mut n = 0;
    for (i, a) in accounts.iter().enumerate() {
        n += i + a.render(conn).len(); // ~ n-plus-one
    }
    n
}

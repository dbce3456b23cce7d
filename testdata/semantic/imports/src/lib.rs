// Renamed imports, groups and `crate::` paths resolve to the items they name.
mod repo;

use crate::repo::{fetch as lookup, Repo as Store};
use rusqlite::Connection as Db;

pub fn via_renamed_fn(db: &Db, ids: &[i64]) -> usize {
    ids.iter().filter(|id| lookup(db, **id).is_some()).count() // ~ n-plus-one
}

pub fn via_renamed_type(store: &Store, ids: &[i64]) -> usize {
    let mut n = 0;
    for id in ids {
        n += store.count_for(*id); // ~ n-plus-one
    }
    n
}

pub fn typed_handle(handle: &Db, names: &[String]) {
    // The handle's name says nothing; its type does.
    for name in names {
        let _ = handle.execute("DELETE FROM tags WHERE name = ?1", [name]); // ~ write-in-loop
    }
}

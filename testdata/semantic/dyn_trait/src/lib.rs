// Calls through a trait follow every implementation in the workspace.
mod store;

use store::{Note, NoteStore};

pub fn titles(store: &dyn NoteStore, ids: &[i64]) -> Vec<String> {
    let mut out = Vec::new();
    for id in ids {
        if let Some(n) = store.note(*id) { // ~ n-plus-one
            out.push(n.title);
        }
    }
    out
}

pub fn titles_generic<S: NoteStore>(store: &S, ids: &[i64]) -> Vec<String> {
    ids.iter().filter_map(|id| store.note(*id)).map(|n| n.title).collect() // ~ n-plus-one
}

pub fn boxed(store: Box<dyn NoteStore>, ids: Vec<i64>) -> Vec<Note> {
    ids.into_iter().filter_map(|id| store.note(id)).collect() // ~ n-plus-one
}

// A trait none of whose implementations query: nothing to report.
pub trait Formatter {
    fn note(&self, id: i64) -> Option<Note>;
}

pub fn formatted(f: &dyn Formatter, ids: &[i64]) -> usize {
    ids.iter().filter_map(|id| f.note(*id)).count()
}

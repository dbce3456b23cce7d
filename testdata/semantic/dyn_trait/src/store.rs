use std::collections::HashMap;

use rusqlite::Connection;

pub struct Note {
    pub id: i64,
    pub title: String,
}

pub trait NoteStore {
    fn note(&self, id: i64) -> Option<Note>;
}

/// Kept in memory: no query.
pub struct MemoryStore {
    notes: HashMap<i64, String>,
}

impl NoteStore for MemoryStore {
    fn note(&self, id: i64) -> Option<Note> {
        let title = self.notes.get(&id)?.clone();
        Some(Note { id, title })
    }
}

/// Kept in SQLite: one query per call.
pub struct SqliteStore {
    db: Connection,
}

impl NoteStore for SqliteStore {
    fn note(&self, id: i64) -> Option<Note> {
        self.db
            .query_row("SELECT id, title FROM notes WHERE id = ?1", [id], |r| {
                Ok(Note { id: r.get(0)?, title: r.get(1)? })
            })
            .ok()
    }
}

/// Also in SQLite, through a view that audits reads: a second
/// implementation that queries.
pub struct AuditedStore {
    db: Connection,
}

impl NoteStore for AuditedStore {
    fn note(&self, id: i64) -> Option<Note> {
        self.db
            .query_row("SELECT id, title FROM audited_notes WHERE id = ?1", [id], |r| {
                Ok(Note { id: r.get(0)?, title: r.get(1)? })
            })
            .ok()
    }
}

//! One file database for Rust sources and log excerpts alike.
//!
//! Rust files are stored whole. Query logs can be gigabytes, so a log is never
//! stored: each diagnostic that points into one registers an *excerpt*, the
//! few lines it needs, with the number of the first line. codespan-reporting
//! then prints true log line numbers while holding only those lines.

use std::ops::Range;

use codespan_reporting::files::{self, Files};

pub type FileId = usize;

#[derive(Debug)]
pub struct SourceFile {
    /// Path as shown to the user (relative to the working directory when possible).
    pub name: String,
    pub source: String,
    line_starts: Vec<usize>,
    /// Number of lines that precede `source` in the real file (0 for whole files).
    line_offset: usize,
}

impl SourceFile {
    fn new(name: String, source: String, line_offset: usize) -> Self {
        let line_starts = files::line_starts(&source).collect();
        SourceFile {
            name,
            source,
            line_starts,
            line_offset,
        }
    }

    fn line_index(&self, byte: usize) -> usize {
        match self.line_starts.binary_search(&byte) {
            Ok(line) => line,
            Err(next) => next.saturating_sub(1),
        }
    }

    fn line_range(&self, line: usize) -> Range<usize> {
        let start = self
            .line_starts
            .get(line)
            .copied()
            .unwrap_or(self.source.len());
        let end = self
            .line_starts
            .get(line + 1)
            .copied()
            .unwrap_or(self.source.len());
        start..end
    }

    /// The bytes of 1-based line `line` of the file, without its indent and
    /// line break; `None` past the last line.
    pub fn line_text_range(&self, line: usize) -> Option<Range<usize>> {
        let index = line.checked_sub(1 + self.line_offset)?;
        if index >= self.line_starts.len() {
            return None;
        }
        let r = self.line_range(index);
        let body = self.source[r.clone()].trim_end_matches(['\n', '\r']);
        let indent = body.len() - body.trim_start().len();
        Some(r.start + indent..r.start + body.len())
    }

    /// 1-based (line, column) of a byte offset, columns counted in characters.
    pub fn position(&self, byte: usize) -> (usize, usize) {
        let byte = byte.min(self.source.len());
        let line = self.line_index(byte);
        let range = self.line_range(line);
        let col = files::column_index(&self.source, range, byte);
        (line + 1 + self.line_offset, col + 1)
    }

    /// The text of the lines a span touches, for fingerprints that must not
    /// depend on where the lines are.
    pub fn lines_text(&self, span: Range<usize>) -> &str {
        let first = self.line_range(self.line_index(span.start.min(self.source.len())));
        let last_byte = span.end.max(span.start).min(self.source.len());
        let last = self.line_range(self.line_index(last_byte.saturating_sub(1).max(span.start)));
        let end = last.end.max(first.start);
        self.source.get(first.start..end).unwrap_or("")
    }
}

/// All files diagnostics point into.
#[derive(Debug, Default)]
pub struct FileDb {
    files: Vec<SourceFile>,
}

impl FileDb {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a whole file.
    pub fn add(&mut self, name: impl Into<String>, source: impl Into<String>) -> FileId {
        self.files
            .push(SourceFile::new(name.into(), source.into(), 0));
        self.files.len() - 1
    }

    /// Adds the lines of a larger file that start at 1-based line `first_line`.
    pub fn add_excerpt(
        &mut self,
        name: impl Into<String>,
        text: impl Into<String>,
        first_line: usize,
    ) -> FileId {
        self.files.push(SourceFile::new(
            name.into(),
            text.into(),
            first_line.saturating_sub(1),
        ));
        self.files.len() - 1
    }

    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id)
    }

    pub fn name(&self, id: FileId) -> &str {
        self.files.get(id).map_or("<unknown>", |f| f.name.as_str())
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

impl<'a> Files<'a> for FileDb {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, files::Error> {
        Ok(&self.files.get(id).ok_or(files::Error::FileMissing)?.name)
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, files::Error> {
        Ok(&self.files.get(id).ok_or(files::Error::FileMissing)?.source)
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, files::Error> {
        Ok(self
            .files
            .get(id)
            .ok_or(files::Error::FileMissing)?
            .line_index(byte_index))
    }

    fn line_number(&'a self, id: FileId, line_index: usize) -> Result<usize, files::Error> {
        let file = self.files.get(id).ok_or(files::Error::FileMissing)?;
        Ok(line_index + 1 + file.line_offset)
    }

    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<Range<usize>, files::Error> {
        let file = self.files.get(id).ok_or(files::Error::FileMissing)?;
        if line_index > file.line_starts.len() {
            return Err(files::Error::LineTooLarge {
                given: line_index,
                max: file.line_starts.len(),
            });
        }
        Ok(file.line_range(line_index))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_keeps_real_line_numbers() {
        let mut db = FileDb::new();
        let id = db.add_excerpt("app.log", "SELECT 1\nSELECT 2\n", 41);
        let file = db.get(id).unwrap();
        assert_eq!(file.position(0), (41, 1));
        assert_eq!(file.position(9), (42, 1));
        assert_eq!(file.position(11), (42, 3));
        assert_eq!(Files::line_number(&db, id, 1).unwrap(), 42);
    }

    #[test]
    fn position_counts_characters_not_bytes() {
        let mut db = FileDb::new();
        let id = db.add("a.rs", "let é = 1;\nfoo()");
        let file = db.get(id).unwrap();
        assert_eq!(file.position(9), (1, 9));
        assert_eq!(file.position(12), (2, 1));
        assert_eq!(file.lines_text(12..15), "foo()");
    }
}

//! One file per rule; `ALL` is the registry, in id order.

use crate::engine::Rule;

mod common;
pub mod duplicate_query;
pub mod missing_index;
pub mod n_plus_one;
pub mod parse_error;
pub mod sql_injection;
pub mod unused_ignore;
pub mod write_in_loop;

pub use duplicate_query::DuplicateQuery;
pub use missing_index::MissingIndex;
pub use n_plus_one::NPlusOne;
pub use parse_error::ParseError;
pub use sql_injection::SqlInjection;
pub use unused_ignore::UnusedIgnore;
pub use write_in_loop::WriteInLoop;

pub static ALL: &[&dyn Rule] = &[
    &DuplicateQuery,
    &MissingIndex,
    &NPlusOne,
    &ParseError,
    &SqlInjection,
    &UnusedIgnore,
    &WriteInLoop,
];

//! One file per rule; `ALL` is the registry, in id order.

use crate::engine::Rule;

pub mod missing_index;
pub mod n_plus_one;
pub mod sql_injection;

pub use missing_index::MissingIndex;
pub use n_plus_one::NPlusOne;
pub use sql_injection::SqlInjection;

pub static ALL: &[&dyn Rule] = &[&MissingIndex, &NPlusOne, &SqlInjection];

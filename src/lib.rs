//! ormlint finds the database mistakes ORMs make easy: N+1 queries, queries
//! no index serves, and SQL text built from values. It reads Rust source
//! (`check`) and captured query logs (`replay`) and reports both through one
//! rule engine.

pub mod baseline;
pub mod check;
pub mod cli;
pub mod config;
pub mod diffbase;
pub mod docs;
pub mod engine;
pub mod inspect;
pub mod progress;
pub mod replay;
pub mod report;
pub mod rules;
pub mod runtime;
pub mod schema;
pub mod source;
pub mod sql;
pub mod util;

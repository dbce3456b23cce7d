pub mod handlers;
pub mod repo;
pub mod search;

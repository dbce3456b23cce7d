pub mod handlers;
pub mod repo;
pub mod search;
pub mod models;
pub mod schema;

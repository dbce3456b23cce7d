// Injection fixes found in the history of published crates, rewritten:
// `ormlint check` must flag each vulnerable form and stay quiet on the
// fixed one.
pub mod cli_database_name;
pub mod server_wrapper;
pub mod url_database;

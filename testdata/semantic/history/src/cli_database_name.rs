// A command-line tool that creates the database its URL names (diesel_cli
// 0.12 → 0.13): the URL comes from a flag, a helper cuts the name out of
// it and returns it in a tuple, and the name went into `CREATE DATABASE`
// unquoted. The fix quoted the name (there with the query builder's
// identifier quoting, here by doubling its quotes).
use clap::ArgMatches;
use diesel::pg::PgConnection;
use diesel::*;

pub fn database_url(matches: &ArgMatches) -> String {
    matches
        .get_one::<String>("DATABASE_URL")
        .cloned()
        .unwrap_or_default()
}

fn split_database(url: &str, maintenance: &str) -> (String, String) {
    let mut parts: Vec<&str> = url.split('/').collect();
    let name = parts.pop().unwrap_or_default();
    (name.to_owned(), format!("{}/{}", parts.join("/"), maintenance))
}

fn create_if_missing(url: &str) -> QueryResult<()> {
    let (name, admin_url) = split_database(url, "postgres");
    let mut conn = PgConnection::establish(&admin_url).expect("admin connection");
    conn.batch_execute(&format!("CREATE DATABASE {}", name)) // ~ sql-injection
}

fn create_if_missing_fixed(url: &str) -> QueryResult<()> {
    let (name, admin_url) = split_database(url, "postgres");
    let mut conn = PgConnection::establish(&admin_url).expect("admin connection");
    conn.batch_execute(&format!("CREATE DATABASE \"{}\"", name.replace('"', "\"\"")))
}

pub fn setup_command(args: &ArgMatches) -> QueryResult<()> {
    let url = database_url(args);
    create_if_missing(&url)?;
    create_if_missing_fixed(&url)?;
    Ok(())
}

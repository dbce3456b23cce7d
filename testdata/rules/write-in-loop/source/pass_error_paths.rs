// Writes that run only when something failed are not once per element.
use rusqlite::{params, Connection};

fn send(_to: &str) -> Result<(), String> {
    Ok(())
}

pub fn notify(conn: &Connection, users: &[String]) -> rusqlite::Result<()> {
    for user in users {
        if let Err(e) = send(user) {
            conn.execute("INSERT INTO failures (who, why) VALUES (?1, ?2)", params![user, e])?;
        }
    }
    for user in users {
        match send(user) {
            Ok(()) => {}
            Err(e) => {
                conn.execute("INSERT INTO failures (who, why) VALUES (?1, ?2)", params![user, e])?;
            }
        }
    }
    for user in users {
        let _ = send(user).map_err(|e| {
            conn.execute("INSERT INTO failures (who, why) VALUES (?1, ?2)", params![user, e])
        });
    }
    Ok(())
}

fn record_failure(conn: &Connection, who: &str, why: &str) -> rusqlite::Result<usize> {
    conn.execute("INSERT INTO failures (who, why) VALUES (?1, ?2)", params![who, why])
}

pub fn notify_all(conn: &Connection, users: &[String]) -> rusqlite::Result<()> {
    for user in users {
        if let Err(e) = send(user) {
            record_failure(conn, user, &e)?;
        }
    }
    Ok(())
}

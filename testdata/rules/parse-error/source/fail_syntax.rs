use diesel::prelude::*;

fn broken( {
    users::table.load(conn)
}

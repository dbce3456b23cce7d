use diesel::prelude::*;

pub fn total(conn: &mut PgConnection) -> i64 {
    // ormlint-ignore n-plus-one -- the loop was removed // ~ unused-ignore
    orders::table.count().get_result(conn).unwrap_or(0)
}

pub fn nameless() {
    // ormlint-ignore -- no rule named here // ~ unused-ignore
}

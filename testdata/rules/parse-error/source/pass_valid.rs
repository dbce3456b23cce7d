use diesel::prelude::*;

fn fine() {}

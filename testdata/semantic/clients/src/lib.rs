// Two types named `Client`: postgres's is a database handle, reqwest's is not.
use postgres::NoTls;
use reqwest::blocking::Client;

pub struct Gh {
    client: Client,
}

impl Gh {
    // An HTTP request per element: not a database call, whatever the field's name.
    pub fn ping_all(&self, hooks: &[String], ping: &reqwest::blocking::Request) {
        for _hook in hooks {
            let _ = self.client.execute(ping.try_clone().unwrap());
        }
    }
}

pub fn counts(uri: &str, kinds: &[String], owner: &str) -> Result<(), postgres::Error> {
    // The handle comes from a constructor, the transaction from a method:
    // both are known by their types, not their names.
    let mut pg = postgres::Client::connect(uri, NoTls)?;
    let mut work = pg.transaction()?;
    for k in kinds {
        work.query("SELECT count(*) FROM items WHERE kind = $1", &[k])?; // ~ n-plus-one
    }
    work.execute(&format!("DELETE FROM items WHERE owner = '{owner}'"), &[])?; // ~ sql-injection
    work.commit()
}

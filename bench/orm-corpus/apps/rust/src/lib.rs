//! What the three shops share: the scenario, served three requests at a
//! time, and the record of what each request was.

use std::sync::Mutex;

pub struct Request {
    pub rid: String,
    pub endpoint: String,
    pub params: serde_json::Value,
}

impl Request {
    pub fn int(&self, key: &str) -> i32 {
        self.params[key].as_i64().unwrap_or(0) as i32
    }

    pub fn text(&self, key: &str) -> String {
        self.params[key].as_str().unwrap_or("").to_string()
    }
}

/// The requests of `scenario.json`, in order.
pub fn scenario(path: &str) -> Vec<Request> {
    let text = std::fs::read_to_string(path).expect("scenario.json");
    let v: serde_json::Value = serde_json::from_str(&text).expect("scenario.json is JSON");
    v["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .map(|r| Request {
            rid: r["rid"].as_str().unwrap_or("").to_string(),
            endpoint: r["endpoint"].as_str().unwrap_or("").to_string(),
            params: r["params"].clone(),
        })
        .collect()
}

/// Requests handed out one at a time to the workers.
pub struct Queue(Mutex<std::vec::IntoIter<Request>>);

impl Queue {
    pub fn new(requests: Vec<Request>) -> Self {
        Queue(Mutex::new(requests.into_iter()))
    }

    pub fn next(&self) -> Option<Request> {
        self.0.lock().ok()?.next()
    }
}

/// One line of `truth/<orm>.jsonl`. `pid` is the server process that ran
/// the request: its first statement asks, with the request id in a
/// comment, and the capture script takes the statements that follow on
/// that process from the server's log, since these ORMs do not hand the
/// SQL they send to the app.
pub fn truth_line(orm: &str, r: &Request, pid: i32, error: Option<String>) -> String {
    serde_json::json!({
        "orm": orm,
        "rid": r.rid,
        "endpoint": r.endpoint,
        "pid": pid,
        "error": error,
    })
    .to_string()
}

pub fn write_truth(dir: &str, orm: &str, mut lines: Vec<(String, String)>) {
    lines.sort();
    std::fs::create_dir_all(dir).expect("truth folder");
    let body: String = lines.into_iter().map(|(_, l)| l + "\n").collect();
    std::fs::write(format!("{dir}/{orm}.jsonl"), body).expect("truth file");
}

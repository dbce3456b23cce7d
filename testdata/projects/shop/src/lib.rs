pub mod db;
pub mod report;

//! What the administrators' status page shows of the running server: the same figures
//! `/metrics` exports to a monitoring system, for a person.

use domain::SurveyStatus;
use serde::{Deserialize, Serialize};

/// The running server, its database, its indicator engine and its backups.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperationsView {
    /// The `tanhui` version.
    pub version: String,
    /// The browser bundle's build id (its files are named by it).
    pub build: String,
    /// Where the bundle is served from: the binary itself, or a folder.
    pub assets: String,
    /// Seconds since the server started.
    pub uptime_s: u64,
    /// `sqlite` or `postgres`.
    pub backend: String,
    /// The newest applied migration.
    pub schema_version: i64,
    /// Approved surveys the indicator engine holds.
    pub engine_facts: u64,
    /// Aggregate cells the indicator engine keeps.
    pub engine_cells: u64,
    /// Change-feed entries written but not yet applied by the engine.
    pub feed_lag: i64,
    /// Stored surveys by status.
    pub surveys: Vec<(SurveyStatus, i64)>,
    /// Database connections open, idle, and the most the pool opens.
    pub pool: (u32, u32, u32),
    /// Sign-ins since start: succeeded, failed, refused by the throttle.
    pub sign_ins: (u64, u64, u64),
    /// Requests answered since start by status class (`2xx`, `4xx`…).
    pub requests: Vec<(String, u64)>,
    /// Reverse proxies whose forwarded addresses are believed (empty: none).
    pub trusted_proxies: Vec<String>,
    /// Scheduled backups, when configured.
    pub backups: Option<BackupsView>,
}

/// The scheduled backups and the files they left.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackupsView {
    /// The folder backups go into.
    pub dir: String,
    /// How often, as configured (`24h`).
    pub every: String,
    /// How many are kept.
    pub keep: u32,
    /// When the newest backup of this run was written and checked (Unix ms).
    pub last_ms: Option<i64>,
    /// Seconds the newest backup of this run took.
    pub last_seconds: Option<f64>,
    /// Backups written and checked since start.
    pub written: u64,
    /// Backups that failed since start.
    pub failures: u64,
    /// When the next one is due (Unix ms).
    pub next_ms: Option<i64>,
    /// The backup files in the folder, newest first.
    pub files: Vec<BackupFileView>,
}

/// One backup file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupFileView {
    /// Its file name.
    pub name: String,
    /// Its size.
    pub bytes: u64,
    /// When it was written (Unix ms).
    pub modified_ms: i64,
}

//! The SQLite backend: one file, WAL journal, foreign keys on.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, Sqlite, SqlitePool};

use super::StorageError;

pub type Db = sqlx::Sqlite;

/// Packing rows as JSON in this dialect: (aggregate into an array, build an array).
pub const JSON_FUNCTIONS: (&str, &str) = ("json_group_array", "json_array");

/// Exports read SQLite tables in rowid ranges (no sort), with a unary `+` that keeps the
/// planner from starting at the surveys' status index.
/// A scan-once export gains nothing from a large page cache: keep it at 8 MiB on the
/// connection it uses (the setting stays with that pooled connection, which is harmless).
pub const EXPORT_PRAGMA: Option<&str> = Some("PRAGMA cache_size = -8192");
pub const ROWID_RANGES: bool = true;
pub const NO_INDEX: &str = "+";

/// How a transaction that reads and then writes begins. SQLite: take the write lock at the start, so a transaction that reads before it writes waits
/// for another writer (busy timeout) instead of failing when it upgrades its read lock.
pub const BEGIN_WRITE: &str = "BEGIN IMMEDIATE";

/// Lifts the audit log's append-only guard for `tanhui audit archive`'s prune, inside its
/// transaction; [`AUDIT_GUARD`] puts it back before the commit.
pub const AUDIT_UNGUARD: &[&str] = &["DROP TRIGGER audit_log_no_delete"];
pub const AUDIT_GUARD: &[&str] = &[
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log \
     BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
];

// The shared SQL, compiled for this backend (see queries.rs): loading it twice is the point.
#[allow(clippy::duplicate_mod)]
#[path = "queries.rs"]
pub mod queries;

#[allow(clippy::duplicate_mod)]
#[path = "survey_sql.rs"]
pub mod surveys;

#[allow(clippy::duplicate_mod)]
#[path = "accounts_sql.rs"]
pub mod accounts;

#[allow(clippy::duplicate_mod)]
#[path = "export_sql.rs"]
pub mod export;

/// The request pool and the exports' own ([`super::ExportPool`]).
pub async fn connect(url: &str) -> Result<(SqlitePool, super::ExportPool<Sqlite>), StorageError> {
    // The engine's start-up read opens the file a second time (`sqlite_scan`), which an
    // in-memory database does not allow.
    if url.contains(":memory:") || url.contains("mode=memory") {
        return Err(StorageError::UnsupportedUrl(url.to_owned()));
    }
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // FULL: in WAL mode NORMAL may lose the last commits on a power cut, and an
        // acknowledged survey must survive one (the form deletes its local copy on the answer).
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5))
        // The engine's start-up read takes seconds on large data by design; warn only past 10 s.
        .log_slow_statements(log::LevelFilter::Warn, Duration::from_secs(10))
        // Bulk loads write large transactions; a bigger page cache keeps index pages in memory.
        .pragma("cache_size", "-65536")
        // Deleted and overwritten content is zeroed, not left in free space: erased personal
        // data must not be readable from the file (residual information protection).
        .pragma("secure_delete", "ON");
    if let Some(dir) = options
        .get_filename()
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir).map_err(|source| StorageError::CreateDir {
            path: dir.display().to_string(),
            source,
        })?;
    }
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options.clone())
        .await?;
    Ok((pool, super::export_pool(options)))
}

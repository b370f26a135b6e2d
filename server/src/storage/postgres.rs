//! The PostgreSQL backend, for deployments that share one database.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, Executor, PgPool, Postgres};

use super::StorageError;

pub type Db = sqlx::Postgres;

/// Packing rows as JSON in this dialect: (aggregate into an array, build an array).
pub const JSON_FUNCTIONS: (&str, &str) = ("json_agg", "json_build_array");

/// Exports group PostgreSQL rows by `Table::pg_chunk` (a hash aggregate).
pub const EXPORT_PRAGMA: Option<&str> = None;
pub const ROWID_RANGES: bool = false;
pub const NO_INDEX: &str = "";

/// How a transaction that reads and then writes begins. PostgreSQL: row locks and unique indexes order concurrent writers.
pub const BEGIN_WRITE: &str = "BEGIN";

/// Lifts the audit log's append-only guard for `tanhui audit archive`'s prune, inside its
/// transaction; [`AUDIT_GUARD`] puts it back before the commit.
pub const AUDIT_UNGUARD: &[&str] = &["ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change"];
pub const AUDIT_GUARD: &[&str] = &["ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change"];

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
pub async fn connect(url: &str) -> Result<(PgPool, super::ExportPool<Postgres>), StorageError> {
    // The engine's start-up read takes seconds on large data by design; warn only past 10 s.
    let options = PgConnectOptions::from_str(url)?
        .log_slow_statements(log::LevelFilter::Warn, Duration::from_secs(10));
    create_database_if_missing(&options).await?;
    let pool = PgPoolOptions::new()
        .max_connections(10)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options.clone())
        .await?;
    Ok((pool, super::export_pool(options)))
}

/// `serve` and `migrate` create the database they are pointed at, as SQLite does its file.
async fn create_database_if_missing(options: &PgConnectOptions) -> Result<(), StorageError> {
    let Some(name) = options.get_database().map(str::to_owned) else {
        return Ok(());
    };
    let mut admin = options.clone().database("postgres").connect().await?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(&name)
            .fetch_one(&mut admin)
            .await?;
    if !exists {
        let quoted = name.replace('"', "\"\"");
        admin
            .execute(format!("CREATE DATABASE \"{quoted}\"").as_str())
            .await?;
    }
    admin.close().await?;
    Ok(())
}

//! The SQLite backend: one file, WAL journal, foreign keys on.

use std::str::FromStr;
use std::time::Duration;

use domain::UnitCode;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;

use super::{StorageError, UnitRow};

pub async fn connect(url: &str) -> Result<SqlitePool, StorageError> {
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
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
    Ok(SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await?)
}

pub async fn ping(pool: &SqlitePool) -> Result<(), StorageError> {
    sqlx::query("SELECT 1").execute(pool).await?;
    Ok(())
}

pub async fn schema_version(pool: &SqlitePool) -> Result<i64, StorageError> {
    let version: Option<i64> =
        sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
            .fetch_one(pool)
            .await?;
    Ok(version.unwrap_or(0))
}

pub async fn count_units(pool: &SqlitePool) -> Result<i64, StorageError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM admin_units")
        .fetch_one(pool)
        .await?)
}

pub async fn child_units(
    pool: &SqlitePool,
    parent: &UnitCode,
) -> Result<Vec<UnitRow>, StorageError> {
    Ok(sqlx::query_as(
        "SELECT code, name_zh, name_pinyin, level FROM admin_units WHERE parent_code = ? ORDER BY code",
    )
    .bind(parent.as_str())
    .fetch_all(pool)
    .await?)
}

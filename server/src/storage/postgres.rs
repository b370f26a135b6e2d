//! The PostgreSQL backend, for deployments that share one database.

use std::str::FromStr;
use std::time::Duration;

use domain::UnitCode;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, Executor, PgPool};

use super::{StorageError, UnitRow};

pub async fn connect(url: &str) -> Result<PgPool, StorageError> {
    let options = PgConnectOptions::from_str(url)?;
    create_database_if_missing(&options).await?;
    Ok(PgPoolOptions::new()
        .max_connections(10)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await?)
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

pub async fn ping(pool: &PgPool) -> Result<(), StorageError> {
    sqlx::query("SELECT 1").execute(pool).await?;
    Ok(())
}

pub async fn schema_version(pool: &PgPool) -> Result<i64, StorageError> {
    let version: Option<i64> =
        sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
            .fetch_one(pool)
            .await?;
    Ok(version.unwrap_or(0))
}

pub async fn count_units(pool: &PgPool) -> Result<i64, StorageError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM admin_units")
        .fetch_one(pool)
        .await?)
}

pub async fn child_units(pool: &PgPool, parent: &UnitCode) -> Result<Vec<UnitRow>, StorageError> {
    Ok(sqlx::query_as(
        "SELECT code, name_zh, name_pinyin, level FROM admin_units WHERE parent_code = $1 ORDER BY code",
    )
    .bind(parent.as_str())
    .fetch_all(pool)
    .await?)
}

//! Storage: one small interface over SQLite (embedded default, one file in WAL mode) and
//! PostgreSQL (shared deployments). Each backend has its own SQL and its own migrations under
//! `migrations/`; the same test suite runs against both.

mod postgres;
mod rows;
mod sqlite;

use app::backend::{Backend, BackendError};
use app::model::{ServerStatus, UnitView};
use domain::UnitCode;
use sqlx::{PgPool, SqlitePool};

pub use rows::UnitRow;

/// Why storage failed. Never shown to users as is; logged once where handled.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://…")]
    UnsupportedUrl(String),
    #[error("cannot create the database folder {path}: {source}")]
    CreateDir {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("corrupt row in {table}: {detail}")]
    CorruptRow { table: &'static str, detail: String },
}

/// A connection pool to one of the two supported databases. Cheap to clone.
#[derive(Clone, Debug)]
pub enum Store {
    Sqlite { pool: SqlitePool, url: String },
    Postgres { pool: PgPool, url: String },
}

impl Store {
    /// Connects, creating the SQLite file (and its folder) or the PostgreSQL database if missing.
    pub async fn connect(url: &str) -> Result<Store, StorageError> {
        if url.starts_with("sqlite:") {
            let pool = sqlite::connect(url).await?;
            Ok(Store::Sqlite {
                pool,
                url: url.to_owned(),
            })
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = postgres::connect(url).await?;
            Ok(Store::Postgres {
                pool,
                url: url.to_owned(),
            })
        } else {
            Err(StorageError::UnsupportedUrl(redact(url)))
        }
    }

    /// Applies every pending migration of this backend.
    pub async fn migrate(&self) -> Result<(), StorageError> {
        match self {
            Store::Sqlite { pool, .. } => sqlx::migrate!("../migrations/sqlite").run(pool).await?,
            Store::Postgres { pool, .. } => {
                sqlx::migrate!("../migrations/postgres").run(pool).await?
            }
        }
        Ok(())
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            Store::Sqlite { .. } => "sqlite",
            Store::Postgres { .. } => "postgres",
        }
    }

    /// The URL with any password replaced, fit for logs and messages.
    pub fn redacted_url(&self) -> String {
        match self {
            Store::Sqlite { url, .. } | Store::Postgres { url, .. } => redact(url),
        }
    }

    pub async fn ping(&self) -> Result<(), StorageError> {
        match self {
            Store::Sqlite { pool, .. } => sqlite::ping(pool).await,
            Store::Postgres { pool, .. } => postgres::ping(pool).await,
        }
    }

    /// The newest applied migration, 0 before any.
    pub async fn schema_version(&self) -> Result<i64, StorageError> {
        match self {
            Store::Sqlite { pool, .. } => sqlite::schema_version(pool).await,
            Store::Postgres { pool, .. } => postgres::schema_version(pool).await,
        }
    }

    pub async fn count_units(&self) -> Result<i64, StorageError> {
        match self {
            Store::Sqlite { pool, .. } => sqlite::count_units(pool).await,
            Store::Postgres { pool, .. } => postgres::count_units(pool).await,
        }
    }

    pub async fn child_units(&self, parent: &UnitCode) -> Result<Vec<UnitRow>, StorageError> {
        match self {
            Store::Sqlite { pool, .. } => sqlite::child_units(pool, parent).await,
            Store::Postgres { pool, .. } => postgres::child_units(pool, parent).await,
        }
    }

    /// Waits for connections to finish and closes them (SQLite checkpoints its WAL here).
    pub async fn close(&self) {
        match self {
            Store::Sqlite { pool, .. } => pool.close().await,
            Store::Postgres { pool, .. } => pool.close().await,
        }
    }
}

/// Hides the password of `scheme://user:password@host/…`.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((userinfo, host)) = rest.split_once('@') else {
        return url.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

fn backend_error(err: StorageError) -> BackendError {
    tracing::error!(%err, "storage failed");
    BackendError::Storage(err.to_string())
}

#[async_trait::async_trait]
impl Backend for Store {
    async fn status(&self) -> Result<ServerStatus, BackendError> {
        let schema_version = self.schema_version().await.map_err(backend_error)?;
        let units = self.count_units().await.map_err(backend_error)?;
        Ok(ServerStatus {
            backend: self.backend_name().to_owned(),
            schema_version,
            units,
            version: env!("CARGO_PKG_VERSION").to_owned(),
        })
    }

    async fn child_units(&self, parent: &UnitCode) -> Result<Vec<UnitView>, BackendError> {
        let rows = Store::child_units(self, parent)
            .await
            .map_err(backend_error)?;
        rows.into_iter()
            .map(UnitView::try_from)
            .collect::<Result<_, _>>()
            .map_err(backend_error)
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_never_reach_logs() {
        assert_eq!(
            redact("postgres://tanhui:s3cret@db:5432/tanhui"),
            "postgres://tanhui:***@db:5432/tanhui"
        );
        assert_eq!(
            redact("postgres://postgres@127.0.0.1/test"),
            "postgres://postgres@127.0.0.1/test"
        );
        assert_eq!(redact("sqlite://data/tanhui.db"), "sqlite://data/tanhui.db");
    }
}

//! Storage: one small interface over SQLite (embedded default, one file in WAL mode) and
//! PostgreSQL (shared deployments). Each backend has its own connection set-up and its own
//! migrations under `migrations/`; the SQL is written once (`queries.rs`) and compiled for
//! each. The same test suite runs against both.

mod batch;
mod postgres;
mod rows;
mod sqlite;

use app::backend::{Backend, BackendError};
use app::model::{ServerStatus, UnitView};
use domain::{
    AdminUnit, AfforestationPlot, Household, HouseholdSurvey, PovertyLine, RecordId, Target,
    UnitCode, Wave,
};
use sqlx::{PgPool, SqlitePool};

pub use batch::Batch;

/// The change-feed entry that means "reference data changed (units, waves, lines, plots,
/// targets): rebuild everything" rather than one survey.
pub const REBUILD_ALL: &str = "*";
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
    #[error("a household with this ID-card number is already registered (household {household}, village {village})")]
    DuplicateIdCard { household: String, village: String },
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

/// Calls the same query function on whichever backend this store is.
macro_rules! on_backend {
    ($store:expr, $function:ident ( $($arg:expr),* )) => {
        match $store {
            Store::Sqlite { pool, .. } => sqlite::queries::$function(pool $(, $arg)*).await,
            Store::Postgres { pool, .. } => postgres::queries::$function(pool $(, $arg)*).await,
        }
    };
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
        on_backend!(self, ping())
    }

    /// The newest applied migration, 0 before any.
    pub async fn schema_version(&self) -> Result<i64, StorageError> {
        on_backend!(self, schema_version())
    }

    pub async fn count_units(&self) -> Result<i64, StorageError> {
        on_backend!(self, count("admin_units"))
    }

    pub async fn count_households(&self) -> Result<i64, StorageError> {
        on_backend!(self, count("households"))
    }

    pub async fn count_surveys(&self) -> Result<i64, StorageError> {
        on_backend!(self, count("surveys"))
    }

    pub async fn child_units(&self, parent: &UnitCode) -> Result<Vec<UnitRow>, StorageError> {
        on_backend!(self, child_units(parent))
    }

    /// Writes every record of the batch in one transaction: all or nothing.
    pub async fn write(&self, batch: &Batch) -> Result<(), StorageError> {
        on_backend!(self, write_batch(batch))
    }

    /// Registers one household, refusing a head whose ID-card number is already registered
    /// anywhere (a household lives in one village only).
    pub async fn insert_household(&self, household: &Household) -> Result<(), StorageError> {
        let existing = on_backend!(self, household_by_id_card(household.head_id_card.as_str()))?;
        if let Some((household, village)) = existing {
            return Err(StorageError::DuplicateIdCard { household, village });
        }
        let batch = Batch {
            households: vec![household.clone()],
            ..Batch::default()
        };
        match self.write(&batch).await {
            // Lost a race with another writer: report it the same way.
            Err(StorageError::Database(err)) if is_unique_violation(&err) => {
                match on_backend!(self, household_by_id_card(household.head_id_card.as_str()))? {
                    Some((household, village)) => {
                        Err(StorageError::DuplicateIdCard { household, village })
                    }
                    None => Err(StorageError::Database(err)),
                }
            }
            other => other,
        }
    }

    /// Writes one survey with all its sections in one transaction.
    pub async fn insert_survey(&self, survey: &HouseholdSurvey) -> Result<(), StorageError> {
        self.write(&Batch {
            surveys: vec![survey.clone()],
            ..Batch::default()
        })
        .await
    }

    pub async fn household(&self, id: &RecordId) -> Result<Option<Household>, StorageError> {
        on_backend!(self, household(id))
    }

    pub async fn survey(&self, id: &RecordId) -> Result<Option<HouseholdSurvey>, StorageError> {
        on_backend!(self, survey(id))
    }

    /// The survey of one household in one wave.
    pub async fn survey_for(
        &self,
        household: &RecordId,
        wave: i32,
    ) -> Result<Option<HouseholdSurvey>, StorageError> {
        let Some(id) = on_backend!(self, survey_id_for(household, wave))? else {
            return Ok(None);
        };
        self.survey(&rows::id("surveys", &id)?).await
    }

    pub async fn household_ids(&self) -> Result<Vec<String>, StorageError> {
        on_backend!(self, household_ids())
    }

    pub async fn survey_ids(&self) -> Result<Vec<String>, StorageError> {
        on_backend!(self, survey_ids())
    }

    pub async fn units(&self) -> Result<Vec<AdminUnit>, StorageError> {
        on_backend!(self, units())
    }

    pub async fn waves(&self) -> Result<Vec<Wave>, StorageError> {
        on_backend!(self, waves())
    }

    pub async fn poverty_lines(&self) -> Result<Vec<PovertyLine>, StorageError> {
        on_backend!(self, poverty_lines())
    }

    pub async fn targets(&self) -> Result<Vec<Target>, StorageError> {
        on_backend!(self, targets())
    }

    pub async fn plots(&self) -> Result<Vec<AfforestationPlot>, StorageError> {
        on_backend!(self, plots())
    }

    /// Indicator facts of approved surveys (all, or only the listed survey ids).
    pub async fn survey_facts(
        &self,
        ids: Option<&[String]>,
    ) -> Result<Vec<domain::engine::SurveyFact>, StorageError> {
        on_backend!(self, stored_facts(ids))
    }

    /// Streams the facts of every approved survey into `each`; returns how many there were.
    pub async fn each_survey_fact(
        &self,
        each: &mut (dyn FnMut(domain::engine::SurveyFact) + Send),
    ) -> Result<usize, StorageError> {
        on_backend!(self, each_stored_fact(each))
    }

    /// The same facts aggregated from the survey tables by SQL (a check, and a benchmark baseline).
    pub async fn computed_facts(&self) -> Result<Vec<domain::engine::SurveyFact>, StorageError> {
        on_backend!(self, computed_facts())
    }

    /// Ids of up to `limit` surveys of a wave in a status.
    pub async fn surveys_with_status(
        &self,
        status: domain::SurveyStatus,
        wave: i32,
        limit: i64,
    ) -> Result<Vec<String>, StorageError> {
        on_backend!(self, surveys_with_status(status, wave, limit))
    }

    pub async fn latest_change(&self) -> Result<i64, StorageError> {
        on_backend!(self, latest_change())
    }

    pub async fn changes_since(&self, seq: i64) -> Result<(Vec<String>, i64), StorageError> {
        on_backend!(self, changes_since(seq))
    }

    /// Review transition with optimistic concurrency; `None` if missing or stale.
    pub async fn set_survey_status(
        &self,
        id: &RecordId,
        status: domain::SurveyStatus,
        expected_version: i32,
        comment: Option<&str>,
    ) -> Result<Option<i32>, StorageError> {
        on_backend!(
            self,
            set_survey_status(id, status, expected_version, comment)
        )
    }

    /// Waits for connections to finish and closes them (SQLite checkpoints its WAL here).
    pub async fn close(&self) {
        match self {
            Store::Sqlite { pool, .. } => pool.close().await,
            Store::Postgres { pool, .. } => pool.close().await,
        }
    }
}

fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
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

/// A SHA-256 digest of the programme data, independent of backend and insertion order:
/// equal digests mean equal data. Reads everything, so it is for tests and small databases.
pub async fn content_digest(store: &Store) -> Result<String, StorageError> {
    use sha2::{Digest, Sha256};
    fn feed(hasher: &mut Sha256, value: &impl serde::Serialize) {
        // Serialising plain data to a String cannot fail.
        hasher.update(serde_json::to_string(value).unwrap_or_default().as_bytes());
    }
    let mut hasher = Sha256::new();
    feed(&mut hasher, &store.units().await?);
    feed(&mut hasher, &store.waves().await?);
    feed(&mut hasher, &store.poverty_lines().await?);
    feed(&mut hasher, &store.targets().await?);
    feed(&mut hasher, &store.plots().await?);
    for id in store.household_ids().await? {
        feed(
            &mut hasher,
            &store.household(&rows::id("households", &id)?).await?,
        );
    }
    for id in store.survey_ids().await? {
        feed(
            &mut hasher,
            &store.survey(&rows::id("surveys", &id)?).await?,
        );
    }
    Ok(format!("{:x}", hasher.finalize()))
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

//! Storage: one small interface over SQLite (embedded default, one file in WAL mode) and
//! PostgreSQL (shared deployments). Each backend has its own connection set-up and its own
//! migrations under `migrations/`; the SQL is written once (`queries.rs`) and compiled for
//! each. The same test suite runs against both.

pub mod accounts;
mod audit_chain;
pub mod backup;
mod batch;
pub mod crypt;
mod fact_load;
pub mod microdata;
mod postgres;
mod postgres_scan;
mod rows;
mod sqlite;
mod sqlite_scan;

use std::sync::Arc;

use domain::{
    AdminUnit, AfforestationPlot, Household, HouseholdSurvey, PovertyLine, RecordId, Target,
    UnitCode, Wave,
};
use sqlx::{PgPool, SqlitePool};

pub use accounts::{
    now_ms, AuditEntry, AuditFilter, AuditRecord, SecondFactorRecord, SessionRecord, TokenRecord,
    TokenUse, UserChange, UserRecord,
};
pub(crate) use accounts::{AuditRow as AuditRowText, ChainedRow};
pub(crate) use audit_chain::link as audit_link;
pub use audit_chain::{Head as AuditHead, Verification as AuditVerification};
pub use batch::Batch;

/// Units the migrations create (Liangshan and its three programme counties): a database with
/// no more than these and no household holds no real data yet.
pub const BUILT_IN_UNITS: i64 = 4;

/// The change-feed entry that means "reference data changed (units, waves, lines, plots,
/// targets): rebuild everything" rather than one survey.
pub const REBUILD_ALL: &str = "*";
pub use rows::{SurveyLine, UnitRow};

/// The newest end of the change feed, as one read saw it (see [`Store::feed_tail`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedTail {
    /// How many changes come after the window's start.
    pub in_window: i64,
    /// The changes after the newest one the reader knew of, oldest first: (seq, survey id or
    /// [`REBUILD_ALL`]).
    pub newer: Vec<(i64, String)>,
}

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
    #[error(
        "the village already has a household with this registry number (household {household})"
    )]
    DuplicateRegistryNo { household: String },
    /// A survey save's client id was already used for a survey of another household or wave.
    #[error("the client id {client_id} was already used for another survey")]
    ClientIdTaken { client_id: String },
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("this database was last used by a newer Tanhui (schema {database}; this binary knows up to {known}): it is left untouched. Run that newer version, or restore a backup taken with this one into a new database")]
    NewerSchema { database: i64, known: i64 },
    #[error("corrupt row in {table}: {detail}")]
    CorruptRow { table: &'static str, detail: String },
    /// The engine's start-up read on SQLite (rusqlite, see `sqlite_scan`).
    #[error(transparent)]
    Scan(#[from] rusqlite::Error),
    /// A reading thread of the start-up read ended without an answer.
    #[error("the start-up read stopped: {0}")]
    Reader(String),
    /// `tanhui audit archive` asked to prune entries the log does not hold after its anchor.
    #[error("{0}")]
    AuditPrune(String),
    /// The data key is missing or wrong, or a sealed value is damaged.
    #[error(transparent)]
    Crypt(#[from] crypt::CryptError),
    /// An export's destination stopped taking rows (a closed connection, a full disk).
    #[error("export stopped: {0}")]
    Sink(String),
}

/// What a correction changes besides the registration fields: the household's version, and
/// whether it is still there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdState {
    pub version: i32,
    pub status: domain::HouseholdStatus,
    /// The household it merged into (status `merged` only).
    pub merged_into: Option<RecordId>,
    /// The day it left the programme (any status but `active`).
    pub left_on: Option<domain::Date>,
    /// When its personal data were erased (Unix ms), past the retention period.
    pub erased_at: Option<i64>,
}

/// A household due for erasure, for the administrators' list.
#[derive(Debug, Clone)]
pub struct ErasureDue {
    pub id: RecordId,
    pub village: UnitCode,
    pub registry_no: String,
    pub head_name: String,
    pub status: domain::HouseholdStatus,
    pub left_on: domain::Date,
}

/// One save of a survey: the answers as `survey` (its `client_id` is the id of this request,
/// its `version` is ignored) and the version the client started from (0 for a new survey).
pub struct SaveRequest<'a> {
    pub survey: &'a HouseholdSurvey,
    pub base_version: i32,
    /// People the survey's roster adds to the registry ([`domain::roster::link`]), written
    /// with it or not at all.
    pub people: &'a [domain::Person],
}

/// What is stored of a survey, as far as a save needs to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredState {
    pub id: String,
    pub status: domain::SurveyStatus,
    pub version: i32,
    pub enumerator: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveOutcome {
    /// Written: the survey's id and new version.
    Saved { id: String, version: i32 },
    /// This request was the last write already (a retry): nothing written.
    Replayed(StoredState),
    /// The stored version is not the one the client started from (or the survey the client
    /// edits is gone, `None`): nothing written.
    Conflict(Option<StoredState>),
    /// The survey is submitted or approved and cannot be changed now: nothing written.
    Locked(StoredState),
}

/// One value of an exported row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
}

/// Reads a cell straight from JSON (no intermediate `serde_json::Value`): exports decode
/// millions of them.
impl<'de> serde::Deserialize<'de> for Cell {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Cell, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Cell;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON scalar")
            }
            fn visit_unit<E>(self) -> Result<Cell, E> {
                Ok(Cell::Null)
            }
            fn visit_bool<E>(self, v: bool) -> Result<Cell, E> {
                Ok(Cell::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Cell, E> {
                Ok(Cell::Int(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Cell, E> {
                i64::try_from(v).map(Cell::Int).map_err(E::custom)
            }
            fn visit_f64<E>(self, v: f64) -> Result<Cell, E> {
                Ok(Cell::Float(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Cell, E> {
                Ok(Cell::Text(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<Cell, E> {
                Ok(Cell::Text(v))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// Writes a cell as the JSON scalar it reads back from (backups).
impl serde::Serialize for Cell {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Cell::Null => serializer.serialize_unit(),
            Cell::Text(t) => serializer.serialize_str(t),
            Cell::Int(i) => serializer.serialize_i64(*i),
            Cell::Float(f) => serializer.serialize_f64(*f),
            Cell::Bool(b) => serializer.serialize_bool(*b),
        }
    }
}

/// Where exported rows go, one at a time.
#[async_trait::async_trait]
pub trait RowSink {
    async fn row(&mut self, cells: Vec<Cell>) -> Result<(), StorageError>;
}

/// A connection pool to one of the two supported databases, and the exports' own. Cheap to
/// clone.
#[derive(Clone, Debug)]
pub enum Store {
    Sqlite {
        pool: SqlitePool,
        exports: ExportPool<sqlx::Sqlite>,
        url: String,
        keys: Arc<std::sync::OnceLock<crypt::Keys>>,
    },
    Postgres {
        pool: PgPool,
        exports: ExportPool<sqlx::Postgres>,
        url: String,
        keys: Arc<std::sync::OnceLock<crypt::Keys>>,
    },
}

/// Recent failed sign-ins, each as (count, time of the latest): for one username from one
/// address, for the username from anywhere, and from the address for any username.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginFailures {
    pub pair: (i64, Option<i64>),
    pub user: (i64, Option<i64>),
    pub address: (i64, Option<i64>),
}

/// One username's failed sign-ins over a period: how many, and the latest's time and address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedSignIns {
    pub username: String,
    pub count: i64,
    pub latest_at: i64,
    pub latest_ip: Option<String>,
}

/// How many micro-data exports run at once, each on a connection of its own.
pub const EXPORT_CONNECTIONS: usize = 2;

/// The connections micro-data exports stream from, apart from the pool that answers
/// requests: a download is as slow as its client, and eight unread downloads once held every
/// pooled connection, so that dashboards and `/healthz` timed out. An export takes a permit
/// first ([`Store::export_permit`]), so it never waits for a connection once it has begun.
#[derive(Debug)]
pub struct ExportPool<DB: sqlx::Database> {
    pool: sqlx::Pool<DB>,
    permits: Arc<tokio::sync::Semaphore>,
}

impl<DB: sqlx::Database> Clone for ExportPool<DB> {
    fn clone(&self) -> Self {
        Self {
            pool: self.pool.clone(),
            permits: self.permits.clone(),
        }
    }
}

/// The export pool over the same database as `options` (connected when first used).
fn export_pool<DB: sqlx::Database>(
    options: <DB::Connection as sqlx::Connection>::Options,
) -> ExportPool<DB> {
    ExportPool {
        pool: sqlx::pool::PoolOptions::<DB>::new()
            .max_connections(EXPORT_CONNECTIONS as u32)
            .acquire_timeout(std::time::Duration::from_secs(30))
            .connect_lazy_with(options),
        permits: Arc::new(tokio::sync::Semaphore::new(EXPORT_CONNECTIONS)),
    }
}

/// Calls the same query function on whichever backend this store is.
macro_rules! on_accounts {
    ($store:expr, $function:ident ( $($arg:expr),* )) => {
        match $store {
            Store::Sqlite { pool, .. } => sqlite::accounts::$function(pool $(, $arg)*).await,
            Store::Postgres { pool, .. } => postgres::accounts::$function(pool $(, $arg)*).await,
        }
    };
}

macro_rules! on_export {
    ($store:expr, $function:ident ( $($arg:expr),* )) => {
        match $store {
            Store::Sqlite { pool, .. } => sqlite::export::$function(pool $(, $arg)*).await,
            Store::Postgres { pool, .. } => postgres::export::$function(pool $(, $arg)*).await,
        }
    };
}

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
            let (pool, exports) = sqlite::connect(url).await?;
            Ok(Store::Sqlite {
                pool,
                exports,
                url: url.to_owned(),
                keys: key_cell(crypt::KeySource::for_database(url).load()?),
            })
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let (pool, exports) = postgres::connect(url).await?;
            Ok(Store::Postgres {
                pool,
                exports,
                url: url.to_owned(),
                keys: key_cell(crypt::KeySource::for_database(url).load()?),
            })
        } else {
            Err(StorageError::UnsupportedUrl(redact(url)))
        }
    }

    /// This backend's migrations, as compiled into the binary.
    fn migrator(&self) -> sqlx::migrate::Migrator {
        match self {
            Store::Sqlite { .. } => sqlx::migrate!("../migrations/sqlite"),
            Store::Postgres { .. } => sqlx::migrate!("../migrations/postgres"),
        }
    }

    /// The newest migration this binary carries for the store's backend.
    pub fn known_schema(&self) -> i64 {
        self.migrator()
            .iter()
            .map(|m| m.version)
            .max()
            .unwrap_or_default()
    }

    /// Applies every pending migration of this backend. A database migrated by a newer
    /// Tanhui is refused, untouched (a downgrade cannot run on a schema it does not know).
    pub async fn migrate(&self) -> Result<(), StorageError> {
        self.migrate_schema().await?;
        self.prepare_keys().await?;
        self.seal_clear_rows().await?;
        Ok(())
    }

    /// Every migration, and nothing about keys (a restore: the data stay as the backup sealed
    /// them, for the key that sealed them).
    pub async fn migrate_schema(&self) -> Result<(), StorageError> {
        let migrator = self.migrator();
        self.run_migrations(migrator).await
    }

    fn url(&self) -> &str {
        match self {
            Store::Sqlite { url, .. } | Store::Postgres { url, .. } => url,
        }
    }

    fn key_slot(&self) -> &std::sync::OnceLock<crypt::Keys> {
        match self {
            Store::Sqlite { keys, .. } | Store::Postgres { keys, .. } => keys,
        }
    }

    /// The data key that seals ID-card numbers and phones ([`crypt`]).
    pub fn keys(&self) -> Result<&crypt::Keys, StorageError> {
        self.key_slot()
            .get()
            .ok_or(StorageError::Crypt(crypt::CryptError::NoKey))
    }

    /// This store with another data key (a test's, or the new one after rotation).
    pub fn with_keys(mut self, new: crypt::Keys) -> Store {
        match &mut self {
            Store::Sqlite { keys, .. } | Store::Postgres { keys, .. } => {
                *keys = key_cell(Some(new));
            }
        }
        self
    }

    /// Creates the data key file on first use (the SQLite default beside the database, or a
    /// missing `TANHUI_KEY_FILE`) — only while the database holds nothing sealed: a database
    /// whose key file is missing is an error that names the key it needs, never a new key.
    async fn prepare_keys(&self) -> Result<(), StorageError> {
        if self.key_slot().get().is_some() {
            return Ok(());
        }
        let sealed = on_backend!(self, sealed_key_id())?;
        let source = crypt::KeySource::for_database(self.url());
        match (sealed, source) {
            (Some(id), source) => Err(StorageError::Crypt(crypt::CryptError::Key(format!(
                "this database's ID-card numbers and phones are sealed with data key {id}, and {}: start Tanhui with that key (TANHUI_KEY_FILE or TANHUI_DATA_KEY)",
                match source {
                    crypt::KeySource::File { path, .. } => format!("the key file {} does not exist", path.display()),
                    _ => "no key is set".to_owned(),
                }
            )))),
            (None, crypt::KeySource::File { path, create: true }) => {
                let keys = crypt::read_or_create(&path, true)?;
                let _ = self.key_slot().set(keys);
                Ok(())
            }
            (None, _) => Ok(()),
        }
    }

    /// Encrypts personal data stored in clear (before encryption existed, or restored from
    /// such a backup). Without a data key there is nothing to do until one is set. On SQLite
    /// the file is vacuumed afterwards, so that the clear text does not linger in free pages.
    pub async fn seal_clear_rows(&self) -> Result<u64, StorageError> {
        let Ok(keys) = self.keys() else {
            return Ok(0);
        };
        let sealed = on_backend!(self, seal_clear_rows(keys))?;
        if sealed > 0 {
            tracing::info!(
                rows = sealed,
                "encrypted ID-card numbers and phones stored in clear"
            );
            if let Store::Sqlite { pool, .. } = self {
                sqlx::query("VACUUM").execute(pool).await?;
            }
        }
        Ok(sealed)
    }

    /// Re-encrypts every sealed value with `new` in one transaction (`tanhui keys rotate`).
    pub async fn rotate_keys(&self, new: &crypt::Keys) -> Result<u64, StorageError> {
        let old = self.keys()?;
        on_backend!(self, rotate_keys(old, new))
    }

    /// Applies this backend's migrations up to and including `version` only (a restore loads
    /// a backup into the schema it was taken from, then migrates the rest).
    pub async fn migrate_to(&self, version: i64) -> Result<(), StorageError> {
        let mut migrator = self.migrator();
        let upto: Vec<_> = migrator
            .iter()
            .filter(|m| m.version <= version)
            .cloned()
            .collect();
        migrator.migrations = std::borrow::Cow::Owned(upto);
        self.run_migrations(migrator).await
    }

    async fn run_migrations(&self, migrator: sqlx::migrate::Migrator) -> Result<(), StorageError> {
        let result = match self {
            Store::Sqlite { pool, .. } => migrator.run(pool).await,
            Store::Postgres { pool, .. } => migrator.run(pool).await,
        };
        match result {
            Err(sqlx::migrate::MigrateError::VersionMissing(version))
                if version > self.known_schema() =>
            {
                Err(StorageError::NewerSchema {
                    database: version,
                    known: self.known_schema(),
                })
            }
            other => Ok(other?),
        }
    }

    /// Whether the schema has the table `name` (yet).
    pub async fn has_table(&self, name: &str) -> Result<bool, StorageError> {
        let found: Option<String> = match self {
            Store::Sqlite { pool, .. } => {
                sqlx::query_scalar(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name = $1",
                )
                .bind(name)
                .fetch_optional(pool)
                .await?
            }
            Store::Postgres { pool, .. } => {
                sqlx::query_scalar("SELECT to_regclass($1)::text")
                    .bind(name)
                    .fetch_one(pool)
                    .await?
            }
        };
        Ok(found.is_some())
    }

    /// Rows of one of the schema's tables.
    pub async fn count_rows(&self, table: &'static str) -> Result<i64, StorageError> {
        on_backend!(self, count(table))
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

    /// Units made up by the demo generator: more than zero means this is demo data.
    pub async fn count_synthetic_units(&self) -> Result<i64, StorageError> {
        on_backend!(self, count_synthetic_units())
    }

    pub async fn count_households(&self) -> Result<i64, StorageError> {
        on_backend!(self, count("households"))
    }

    pub async fn count_surveys(&self) -> Result<i64, StorageError> {
        on_backend!(self, count("surveys"))
    }

    /// Surveys by stored status (`approved`, `draft`, …).
    pub async fn surveys_by_status(&self) -> Result<Vec<(String, i64)>, StorageError> {
        on_backend!(self, surveys_by_status())
    }

    /// The connection pool now: (open connections, idle ones, the most it may open).
    pub fn pool_use(&self) -> (u32, u32, u32) {
        match self {
            Store::Sqlite { pool, .. } => (
                pool.size(),
                pool.num_idle() as u32,
                pool.options().get_max_connections(),
            ),
            Store::Postgres { pool, .. } => (
                pool.size(),
                pool.num_idle() as u32,
                pool.options().get_max_connections(),
            ),
        }
    }

    pub async fn child_units(&self, parent: &UnitCode) -> Result<Vec<UnitRow>, StorageError> {
        on_backend!(self, child_units(parent))
    }

    /// Writes every record of the batch in one transaction: all or nothing.
    pub async fn write(&self, batch: &Batch) -> Result<(), StorageError> {
        on_backend!(self, write_batch(batch, self.keys()?))
    }

    /// Whether `username` saved, submitted or imported the survey at any version.
    pub async fn survey_written_by(
        &self,
        survey: &RecordId,
        username: &str,
    ) -> Result<bool, StorageError> {
        on_backend!(self, survey_written_by(survey.as_str(), username))
    }

    /// Whether an administrative unit with this code is stored.
    pub async fn unit_exists(&self, code: &UnitCode) -> Result<bool, StorageError> {
        on_backend!(self, unit_exists(code.as_str()))
    }

    /// Registers one household, refusing a head whose ID-card number is already registered
    /// anywhere (a household lives in one village only).
    pub async fn insert_household(
        &self,
        household: &Household,
        audit: AuditEntry,
    ) -> Result<(), StorageError> {
        let index = self.keys()?.blind(household.id_card_text());
        let existing = on_backend!(self, household_by_id_card(&index))?;
        if let Some((household, village)) = existing {
            return Err(StorageError::DuplicateIdCard { household, village });
        }
        let numbered = on_backend!(
            self,
            household_by_registry_no(household.village.as_str(), &household.registry_no)
        )?;
        if let Some(household) = numbered {
            return Err(StorageError::DuplicateRegistryNo { household });
        }
        let batch = Batch {
            households: vec![household.clone()],
            audit: vec![audit],
            ..Batch::default()
        };
        match self.write(&batch).await {
            // Lost a race with another writer: report it the same way.
            Err(StorageError::Database(err)) if is_unique_violation(&err) => {
                let numbered = on_backend!(
                    self,
                    household_by_registry_no(household.village.as_str(), &household.registry_no)
                )?;
                match on_backend!(self, household_by_id_card(&index))? {
                    Some((household, village)) => {
                        Err(StorageError::DuplicateIdCard { household, village })
                    }
                    None => match numbered {
                        Some(household) => Err(StorageError::DuplicateRegistryNo { household }),
                        None => Err(StorageError::Database(err)),
                    },
                }
            }
            other => other,
        }
    }

    /// Creates or replaces a survey's answers (see [`SaveRequest`]), audited in the same
    /// transaction.
    pub async fn save_survey(
        &self,
        request: &SaveRequest<'_>,
        audit: &AuditEntry,
    ) -> Result<SaveOutcome, StorageError> {
        let keys = self.keys()?;
        match on_backend!(self, save_survey(request, audit, keys)) {
            // Two first saves raced (a double tap): the loser reads what the winner stored.
            Err(StorageError::Database(err)) if is_unique_violation(&err) => {
                match on_backend!(self, save_survey(request, audit, keys)) {
                    Ok(SaveOutcome::Saved { .. }) => Err(StorageError::Database(err)),
                    Ok(outcome) => Ok(outcome),
                    // Still refused: the client id belongs to a survey of another household
                    // or wave (a device that reused one), not to a racing save of this one.
                    Err(StorageError::Database(again)) if is_unique_violation(&again) => {
                        Err(StorageError::ClientIdTaken {
                            client_id: request.survey.client_id.as_str().to_owned(),
                        })
                    }
                    Err(other) => Err(other),
                }
            }
            other => other,
        }
    }

    pub async fn household(&self, id: &RecordId) -> Result<Option<Household>, StorageError> {
        on_backend!(self, household(id, self.keys()?))
    }

    pub async fn households_in(&self, village: &UnitCode) -> Result<Vec<Household>, StorageError> {
        on_backend!(self, households_in(village, self.keys()?))
    }

    /// (id, wave, status, version, enumerator, review comment) of each survey, by wave.
    /// A household's version, status and the household it merged into, if it is stored.
    pub async fn household_state(
        &self,
        id: &RecordId,
    ) -> Result<Option<HouseholdState>, StorageError> {
        let Some((version, status, merged_into, left_on, erased_at)) =
            on_backend!(self, household_state(id))?
        else {
            return Ok(None);
        };
        let status =
            domain::HouseholdStatus::parse(&status).ok_or_else(|| StorageError::CorruptRow {
                table: "households",
                detail: format!("status {status:?}"),
            })?;
        let merged_into = merged_into
            .map(|m| rows::id("households", &m))
            .transpose()?;
        let left_on = left_on
            .map(|d| {
                domain::Date::parse(&d).map_err(|_| StorageError::CorruptRow {
                    table: "households",
                    detail: format!("left_on {d:?}"),
                })
            })
            .transpose()?;
        Ok(Some(HouseholdState {
            version,
            status,
            merged_into,
            left_on,
            erased_at,
        }))
    }

    /// Replaces a household's registration data at `base_version` (see
    /// `queries::correct_household`): the new version, or `None` when it is stale or erased.
    pub async fn correct_household(
        &self,
        household: &Household,
        state: &HouseholdState,
        base_version: i32,
        audit: &AuditEntry,
    ) -> Result<Option<i32>, StorageError> {
        on_backend!(
            self,
            correct_household(household, state, base_version, audit, self.keys()?)
        )
    }

    /// Households that left on or before `cutoff` and still hold personal data, those that
    /// left first first (at most `limit`).
    pub async fn erasure_due(
        &self,
        cutoff: domain::Date,
        limit: i64,
    ) -> Result<Vec<ErasureDue>, StorageError> {
        let found = on_backend!(self, erasure_due(&cutoff.to_string(), limit))?;
        let corrupt = |detail: String| StorageError::CorruptRow {
            table: "households",
            detail,
        };
        found
            .into_iter()
            .map(|(id, village, registry_no, head_name, status, left_on)| {
                Ok(ErasureDue {
                    id: rows::id("households", &id)?,
                    village: UnitCode::parse(&village)
                        .map_err(|_| corrupt(format!("village {village:?}")))?,
                    registry_no,
                    head_name,
                    status: domain::HouseholdStatus::parse(&status)
                        .ok_or_else(|| corrupt(format!("status {status:?}")))?,
                    left_on: domain::Date::parse(&left_on)
                        .map_err(|_| corrupt(format!("left_on {left_on:?}")))?,
                })
            })
            .collect()
    }

    /// (due at `cutoff`, erased so far).
    pub async fn erasure_counts(&self, cutoff: domain::Date) -> Result<(i64, i64), StorageError> {
        on_backend!(self, erasure_counts(&cutoff.to_string()))
    }

    /// Erases household `id`'s personal data if it is due at `cutoff` (see
    /// `queries::erase_household`), audited in the same transaction; `false` if not due.
    /// Follow a run of erasures with [`Store::flush_erased`].
    pub async fn erase_household(
        &self,
        id: &RecordId,
        cutoff: domain::Date,
        audit: &AuditEntry,
    ) -> Result<bool, StorageError> {
        let at = accounts::now_ms();
        on_backend!(
            self,
            erase_household(id.as_str(), &cutoff.to_string(), at, audit)
        )
    }

    /// After erasures: on SQLite, copies the write-ahead log into the database and empties
    /// it, so that erased values are left in no file (`secure_delete` zeroes them in the
    /// database file itself).
    pub async fn flush_erased(&self) -> Result<(), StorageError> {
        if let Store::Sqlite { pool, .. } = self {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(pool)
                .await?;
        }
        Ok(())
    }

    /// Counts for the data inventory page, by name (see `queries::inventory_counts`).
    pub async fn inventory_counts(&self) -> Result<Vec<(String, i64)>, StorageError> {
        on_backend!(self, inventory_counts())
    }

    /// Households per village: (village code, count).
    pub async fn household_counts(&self) -> Result<Vec<(String, i64)>, StorageError> {
        on_backend!(self, household_counts())
    }

    /// The households whose heads hold these ID-card numbers.
    pub async fn households_with_id_cards(
        &self,
        cards: &[&str],
    ) -> Result<Vec<Household>, StorageError> {
        on_backend!(self, households_with_id_cards(cards, self.keys()?))
    }

    /// The registry people of these households (inactive ones too).
    pub async fn persons_of(
        &self,
        households: &[RecordId],
    ) -> Result<Vec<domain::Person>, StorageError> {
        on_backend!(self, persons_of(households, self.keys()?))
    }

    pub async fn households_by_ids(
        &self,
        ids: &[RecordId],
    ) -> Result<Vec<Household>, StorageError> {
        on_backend!(self, households_by_ids(ids, self.keys()?))
    }

    pub async fn village_surveys(
        &self,
        village: &UnitCode,
        wave: i32,
    ) -> Result<Vec<SurveyLine>, StorageError> {
        on_backend!(self, village_surveys(village, wave))
    }

    pub async fn surveys_in_scope(
        &self,
        scopes: &[UnitCode],
        wave: i32,
        statuses: &[domain::SurveyStatus],
        limit: i64,
    ) -> Result<Vec<SurveyLine>, StorageError> {
        on_backend!(self, surveys_in_scope(scopes, wave, statuses, limit))
    }

    pub async fn surveys_of(&self, household: &RecordId) -> Result<Vec<SurveyLine>, StorageError> {
        on_backend!(self, surveys_of(household))
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

    /// Every village's programme assignment, by village code.
    pub async fn village_programmes(&self) -> Result<Vec<domain::VillageProgramme>, StorageError> {
        on_backend!(self, village_programmes())
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

    /// Adds every approved survey to a bulk load; returns how many there were.
    pub async fn load_survey_facts(
        &self,
        load: &mut domain::engine::BulkLoad<'_>,
    ) -> Result<usize, StorageError> {
        match self {
            Store::Sqlite { pool, .. } => {
                sqlite_scan::load_facts(pool.connect_options().get_filename(), load).await
            }
            Store::Postgres { pool, .. } => postgres_scan::load_facts(pool, load).await,
        }
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

    /// The change feed after `seq`, oldest first: (seq, survey id or [`REBUILD_ALL`]).
    pub async fn changes_after(&self, seq: i64) -> Result<Vec<(i64, String)>, StorageError> {
        on_backend!(self, changes_after(seq))
    }

    /// How many changes there are after `window` and which come after `newest`, in one round
    /// trip: the cheap check made before every read of the engine.
    pub async fn feed_tail(&self, window: i64, newest: i64) -> Result<FeedTail, StorageError> {
        on_backend!(self, feed_tail(window, newest))
    }

    /// Review transition with optimistic concurrency; `None` if missing or stale.
    pub async fn set_survey_status(
        &self,
        id: &RecordId,
        status: domain::SurveyStatus,
        expected_version: i32,
        comment: Option<&str>,
        audit: &AuditEntry,
    ) -> Result<Option<i32>, StorageError> {
        on_backend!(
            self,
            set_survey_status(id, status, expected_version, comment, audit)
        )
    }

    // --- accounts, sessions, tokens, audit (SQL in accounts_sql.rs) ---

    pub async fn insert_user(
        &self,
        user: &UserRecord,
        audit: &AuditEntry,
    ) -> Result<(), StorageError> {
        on_accounts!(self, insert_user(user, audit))
    }

    pub async fn update_user(
        &self,
        id: &str,
        change: &UserChange,
        now: i64,
        audit: &AuditEntry,
    ) -> Result<bool, StorageError> {
        on_accounts!(self, update_user(id, change, now, audit))
    }

    pub async fn set_password(
        &self,
        id: &str,
        password_hash: &str,
        must_change: bool,
        keep_session: Option<&str>,
        now: i64,
        audit: &AuditEntry,
    ) -> Result<bool, StorageError> {
        on_accounts!(
            self,
            set_password(id, password_hash, must_change, keep_session, now, audit)
        )
    }

    pub async fn user_by_username(
        &self,
        username: &str,
    ) -> Result<Option<UserRecord>, StorageError> {
        on_accounts!(self, user_by_username(username))
    }

    pub async fn user_by_id(&self, id: &str) -> Result<Option<UserRecord>, StorageError> {
        on_accounts!(self, user_by_id(id))
    }

    pub async fn users(&self) -> Result<Vec<UserRecord>, StorageError> {
        on_accounts!(self, users())
    }

    pub async fn count_users(&self) -> Result<i64, StorageError> {
        on_backend!(self, count("users"))
    }

    pub async fn insert_session(
        &self,
        token_hash: &str,
        user_id: &str,
        now: i64,
        audit: &AuditEntry,
    ) -> Result<(), StorageError> {
        on_accounts!(self, insert_session(token_hash, user_id, now, audit))
    }

    pub async fn session(&self, token_hash: &str) -> Result<Option<SessionRecord>, StorageError> {
        on_accounts!(self, session(token_hash))
    }

    pub async fn touch_session(&self, token_hash: &str, now: i64) -> Result<(), StorageError> {
        on_accounts!(self, touch_session(token_hash, now))
    }

    pub async fn delete_session(
        &self,
        token_hash: &str,
        audit: Option<&AuditEntry>,
    ) -> Result<(), StorageError> {
        on_accounts!(self, delete_session(token_hash, audit))
    }

    pub async fn delete_expired_sessions(
        &self,
        idle_before: i64,
        created_before: i64,
    ) -> Result<u64, StorageError> {
        on_accounts!(self, delete_expired_sessions(idle_before, created_before))
    }

    pub async fn insert_token(
        &self,
        token: &TokenRecord,
        token_hash: &str,
        audit: &AuditEntry,
    ) -> Result<(), StorageError> {
        on_accounts!(self, insert_token(token, token_hash, audit))
    }

    pub async fn tokens_of(&self, user_id: &str) -> Result<Vec<TokenRecord>, StorageError> {
        on_accounts!(self, tokens_of(user_id))
    }

    pub async fn revoke_token(
        &self,
        id: &str,
        user_id: &str,
        now: i64,
        audit: &AuditEntry,
    ) -> Result<bool, StorageError> {
        on_accounts!(self, revoke_token(id, user_id, now, audit))
    }

    pub async fn token_user(&self, token_hash: &str) -> Result<Option<TokenUse>, StorageError> {
        on_accounts!(self, token_user(token_hash))
    }

    pub async fn touch_token(&self, id: &str, now: i64) -> Result<(), StorageError> {
        on_accounts!(self, touch_token(id, now))
    }

    /// Notes a password accepted, waiting for the second factor (see `auth::second_factor`).
    pub async fn insert_pending_sign_in(
        &self,
        token_hash: &str,
        user_id: &str,
        now: i64,
        stale_before: i64,
    ) -> Result<(), StorageError> {
        on_accounts!(
            self,
            insert_pending_sign_in(token_hash, user_id, now, stale_before)
        )
    }

    /// The account and time of a pending sign-in.
    pub async fn pending_sign_in(
        &self,
        token_hash: &str,
    ) -> Result<Option<(String, i64)>, StorageError> {
        on_accounts!(self, pending_sign_in(token_hash))
    }

    /// Turns a pending sign-in into a session (audited); `false` if it was used already.
    pub async fn complete_sign_in(
        &self,
        pending_hash: &str,
        session_hash: &str,
        user_id: &str,
        now: i64,
        audit: &AuditEntry,
    ) -> Result<bool, StorageError> {
        on_accounts!(
            self,
            complete_sign_in(pending_hash, session_hash, user_id, now, audit)
        )
    }

    pub async fn second_factor(
        &self,
        user_id: &str,
    ) -> Result<Option<SecondFactorRecord>, StorageError> {
        let found = on_accounts!(self, second_factor(user_id))?;
        // The secret is sealed like an ID-card number: a copied database signs nobody in.
        found
            .map(|mut factor| {
                factor.secret = self.keys()?.open(crypt::TOTP_SECRET, &factor.secret)?;
                Ok(factor)
            })
            .transpose()
    }

    /// Begins enrolment with `secret`; `false` when the account has a confirmed one.
    pub async fn start_second_factor(
        &self,
        user_id: &str,
        secret: &str,
        now: i64,
    ) -> Result<bool, StorageError> {
        let sealed = self.keys()?.seal(crypt::TOTP_SECRET, secret);
        on_accounts!(self, start_second_factor(user_id, &sealed, now))
    }

    /// Confirms enrolment with its first code's step and stores the recovery codes' digests.
    #[allow(clippy::too_many_arguments)]
    pub async fn confirm_second_factor(
        &self,
        user_id: &str,
        secret: &str,
        step: i64,
        recovery_hashes: &[String],
        now: i64,
        audit: &AuditEntry,
    ) -> Result<bool, StorageError> {
        let sealed = self.keys()?.seal(crypt::TOTP_SECRET, secret);
        on_accounts!(
            self,
            confirm_second_factor(user_id, &sealed, step, recovery_hashes, now, audit)
        )
    }

    pub async fn replace_recovery_codes(
        &self,
        user_id: &str,
        hashes: &[String],
        audit: &AuditEntry,
    ) -> Result<(), StorageError> {
        on_accounts!(self, replace_recovery_codes(user_id, hashes, audit))
    }

    /// The hashes of an account's last five replaced passwords.
    pub async fn password_history(&self, user_id: &str) -> Result<Vec<String>, StorageError> {
        on_accounts!(self, password_history(user_id))
    }

    /// Uses up a TOTP time step; `false` for a replayed code.
    pub async fn use_totp_step(&self, user_id: &str, step: i64) -> Result<bool, StorageError> {
        on_accounts!(self, use_totp_step(user_id, step))
    }

    /// Uses up a recovery code; `false` if it is not an unused code of the account.
    pub async fn use_recovery_code(
        &self,
        user_id: &str,
        code_hash: &str,
        now: i64,
    ) -> Result<bool, StorageError> {
        on_accounts!(self, use_recovery_code(user_id, code_hash, now))
    }

    pub async fn recovery_codes_left(&self, user_id: &str) -> Result<i64, StorageError> {
        on_accounts!(self, recovery_codes_left(user_id))
    }

    /// Removes an account's authenticator and recovery codes (audited).
    pub async fn delete_second_factor(
        &self,
        user_id: &str,
        audit: &AuditEntry,
    ) -> Result<bool, StorageError> {
        on_accounts!(self, delete_second_factor(user_id, audit))
    }

    pub async fn append_audit(&self, entry: &AuditEntry) -> Result<(), StorageError> {
        on_accounts!(self, append_audit(entry))
    }

    pub async fn audit(&self, filter: &AuditFilter) -> Result<Vec<AuditRecord>, StorageError> {
        on_accounts!(self, audit(filter))
    }

    /// Recomputes the audit log's hash chain (`tanhui audit verify`).
    pub async fn verify_audit(&self) -> Result<AuditVerification, StorageError> {
        on_accounts!(self, verify_audit())
    }

    /// The audit chain's head, if the chain has begun.
    pub async fn audit_head(&self) -> Result<Option<AuditHead>, StorageError> {
        on_accounts!(self, audit_head())
    }

    /// Up to `limit` audit entries after `seq`, oldest first, with their stored chain hashes.
    pub(crate) async fn audit_after(
        &self,
        seq: i64,
        limit: i64,
    ) -> Result<Vec<ChainedRow>, StorageError> {
        on_accounts!(self, audit_after(seq, limit))
    }

    /// Deletes the audit entries through `through_seq` (archived first by the caller) and
    /// anchors the chain at their last hash; `audit` records the pruning.
    pub async fn prune_audit(
        &self,
        through_seq: i64,
        through_hash: &str,
        audit: &AuditEntry,
    ) -> Result<u64, StorageError> {
        on_accounts!(self, prune_audit(through_seq, through_hash, audit))
    }

    /// Failed sign-ins since `since` (with `after_unlock`, only after the latest unlock), for
    /// `username` or everyone.
    pub async fn failed_sign_ins(
        &self,
        username: Option<&str>,
        since: i64,
        after_unlock: bool,
    ) -> Result<Vec<FailedSignIns>, StorageError> {
        on_accounts!(self, failed_sign_ins(username, since, after_unlock))
    }

    pub async fn login_failures(
        &self,
        username: &str,
        ip: Option<&str>,
        since: i64,
    ) -> Result<LoginFailures, StorageError> {
        on_accounts!(self, login_failures(username, ip, since))
    }

    // --- exports (SQL in export_sql.rs) ---

    /// Streams one micro-data table into `sink`; returns the number of rows.
    pub async fn stream_table(
        &self,
        table: &microdata::Table,
        filter: &microdata::Filter,
        sink: &mut (dyn RowSink + Send),
    ) -> Result<u64, StorageError> {
        match self {
            Store::Sqlite { exports, .. } => {
                sqlite::export::stream_table(&exports.pool, table, filter, sink).await
            }
            Store::Postgres { exports, .. } => {
                postgres::export::stream_table(&exports.pool, table, filter, sink).await
            }
        }
    }

    /// A permit to run one export ([`ExportPool`]), waiting at most `patience` for one of the
    /// [`EXPORT_CONNECTIONS`] to be free; `None` when they stayed busy.
    pub async fn export_permit(
        &self,
        patience: std::time::Duration,
    ) -> Option<tokio::sync::OwnedSemaphorePermit> {
        let permits = match self {
            Store::Sqlite { exports, .. } => exports.permits.clone(),
            Store::Postgres { exports, .. } => exports.permits.clone(),
        };
        tokio::time::timeout(patience, permits.acquire_owned())
            .await
            .ok()?
            .ok()
    }

    /// The named server secret; `fresh` is stored as its value on first use.
    pub async fn server_secret(&self, name: &str, fresh: &str) -> Result<String, StorageError> {
        on_export!(self, server_secret(name, fresh))
    }

    /// Waits for connections to finish and closes them (SQLite checkpoints its WAL here).
    pub async fn close(&self) {
        match self {
            Store::Sqlite { pool, exports, .. } => {
                exports.pool.close().await;
                pool.close().await
            }
            Store::Postgres { pool, exports, .. } => {
                exports.pool.close().await;
                pool.close().await
            }
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

/// A store's data key, set at most once (on connect, or when `migrate` creates the key file).
fn key_cell(keys: Option<crypt::Keys>) -> Arc<std::sync::OnceLock<crypt::Keys>> {
    let cell = std::sync::OnceLock::new();
    if let Some(keys) = keys {
        let _ = cell.set(keys);
    }
    Arc::new(cell)
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

    #[tokio::test]
    async fn in_memory_sqlite_is_refused_because_the_engine_reads_the_file() {
        for url in ["sqlite::memory:", "sqlite://x.db?mode=memory"] {
            let err = super::Store::connect(url).await.expect_err(url);
            assert!(
                matches!(err, super::StorageError::UnsupportedUrl(_)),
                "{url}: {err}"
            );
        }
    }
}

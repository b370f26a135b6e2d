//! Backups that restore into either backend, and the content digest that proves it.
//!
//! A backup is one consistent snapshot of every table that holds programme data, accounts,
//! the audit log, the server secrets and the change feed (`TABLES`), written as a portable
//! file (`file.rs`): each table's columns by name and kind, its rows in key order. It is read
//! in one transaction (SQLite: a read transaction, which in WAL mode sees one moment while the
//! server goes on writing; PostgreSQL: `REPEATABLE READ, READ ONLY`). Sessions are left out:
//! a restored server signs everybody in again.
//!
//! A restore goes into an empty database only: the schema is first migrated to the backup's
//! own version, every row is loaded in one transaction (foreign keys and secondary indexes
//! set aside and put back once the rows are in, which checks every reference at once), the
//! file's checksum and row counts are checked before it commits, then the remaining
//! migrations run. A file cut short or damaged anywhere writes nothing.
//!
//! The digest (`tanhui digest`) is a SHA-256 over the same tables in a form that does not
//! depend on the backend: columns by name, rows in key order (byte order of text, as
//! PostgreSQL's `C` collation and SQLite agree), booleans as 0/1. Equal digests mean equal
//! content.

mod file;
mod postgres;
mod sqlite;

use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

pub use file::{Header, Trailer};

use super::{Cell, StorageError, Store};

/// A table a backup holds, in the order a restore loads them (parents before children; the
/// references are checked once all rows are in, so the order is for readers of the file).
pub struct TableSpec {
    pub name: &'static str,
    /// The primary key: rows are written and digested in this order.
    pub key: &'static [&'static str],
    /// A PostgreSQL sequence behind this column, moved past the restored rows.
    pub serial: Option<&'static str>,
}

const fn table(name: &'static str, key: &'static [&'static str]) -> TableSpec {
    TableSpec {
        name,
        key,
        serial: None,
    }
}

/// Every table of the schema but `sessions`, `pending_sign_ins` and sqlx's own `_sqlx_migrations` (a test holds
/// this list to the schema of both backends, so a new table cannot be forgotten).
pub const TABLES: [TableSpec; 27] = [
    table("admin_units", &["code"]),
    table("waves", &["year"]),
    table("poverty_lines", &["year", "scheme"]),
    table("households", &["id"]),
    table("persons", &["id"]),
    table("village_programmes", &["village_code"]),
    table("surveys", &["id"]),
    table("survey_members", &["survey_id", "member_no"]),
    table("employment_rows", &["survey_id", "row_no"]),
    table("training_rows", &["survey_id", "row_no"]),
    table("understory_rows", &["survey_id", "row_no"]),
    table("livestock_rows", &["survey_id", "row_no"]),
    table("survey_facts", &["survey_id"]),
    table("survey_requests", &["client_id"]),
    TableSpec {
        name: "survey_changes",
        key: &["seq"],
        serial: Some("seq"),
    },
    table("plots", &["id"]),
    table("plot_inspections", &["plot_id", "year"]),
    table("targets", &["indicator", "unit_code", "year"]),
    table("users", &["id"]),
    table("user_scopes", &["user_id", "unit_code"]),
    table("api_tokens", &["id"]),
    table("password_history", &["user_id", "password_hash"]),
    table("second_factors", &["user_id"]),
    table("recovery_codes", &["user_id", "code_hash"]),
    TableSpec {
        name: "audit_log",
        key: &["seq"],
        serial: Some("seq"),
    },
    table("audit_head", &["id"]),
    table("server_secrets", &["name"]),
];

/// Tables of the schema a backup leaves out on purpose.
pub const LEFT_OUT: [&str; 3] = ["sessions", "pending_sign_ins", "_sqlx_migrations"];

/// How a column's values are stored and written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Text,
    Int,
    Real,
    Bool,
}

impl Kind {
    /// From a declared type (SQLite's `PRAGMA table_info`, PostgreSQL's `data_type`).
    pub fn of_declared(declared: &str) -> Option<Kind> {
        let t = declared.to_ascii_lowercase();
        if t.contains("bool") {
            Some(Kind::Bool)
        } else if t.contains("int") {
            Some(Kind::Int)
        } else if t.contains("double") || t.contains("real") || t.contains("float") {
            Some(Kind::Real)
        } else if t.contains("text") || t.contains("char") {
            Some(Kind::Text)
        } else {
            None
        }
    }
}

/// A column of a backed-up table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    pub kind: Kind,
}

/// Why a backup, restore or digest failed, in words an operator can act on.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("cannot read or write the backup file: {0}")]
    Io(#[from] std::io::Error),
    #[error("this is not a Tanhui backup file (made by `tanhui backup`)")]
    NotABackup,
    #[error("this backup file has layout version {0}, which this Tanhui cannot read")]
    FormatVersion(u32),
    #[error("the backup file ends early: it is incomplete (cut short while copying?); it was not restored")]
    Truncated,
    #[error("the backup file is damaged at line {line}: {detail}; it was not restored")]
    Damaged { line: u64, detail: String },
    #[error("the backup file's checksum does not match its content: it was changed or damaged; it was not restored")]
    Checksum,
    #[error("the backup file is inconsistent: {0}; it was not restored")]
    Inconsistent(String),
    #[error("this database is not empty ({table} holds {rows} rows): restore only into a new, empty database")]
    NotEmpty { table: String, rows: i64 },
    #[error("the backup comes from a newer Tanhui (schema {backup}, this one knows up to {known}): restore it with that version or newer")]
    NewerSchema { backup: i64, known: i64 },
    #[error("this database is already at schema {database}, newer than the backup's {backup}: restore into a new, empty database")]
    MigratedPast { database: i64, backup: i64 },
    #[error("the database's table {table} has an unexpected column {column} of type {declared}")]
    UnknownType {
        table: String,
        column: String,
        declared: String,
    },
    #[error("the database has no table {0}: is it a Tanhui database?")]
    MissingTable(String),
    #[error("the backup's table {table} has a column {column} that the database lacks")]
    UnknownColumn { table: String, column: String },
    #[error("the restored rows were written, but the database's digest is {restored} and the backup's {backup}: do not use this database; drop it and report this")]
    DigestMismatch { restored: String, backup: String },
    #[error("the backup could not be encoded: {0}")]
    Encode(String),
}

impl BackupError {
    fn encode(err: serde_json::Error) -> BackupError {
        BackupError::Encode(err.to_string())
    }
}

/// Where a snapshot's tables and rows go as they are read.
pub trait Sink {
    fn table(&mut self, spec: &TableSpec, columns: &[Column]) -> Result<(), BackupError>;
    fn row(&mut self, cells: &[Cell]) -> Result<(), BackupError>;
    fn table_end(&mut self, rows: u64) -> Result<(), BackupError>;
}

/// The content digest, fed table by table in `TABLES` order with columns sorted by name.
pub struct Digest {
    hash: Sha256,
    line: Vec<u8>,
}

impl Default for Digest {
    fn default() -> Digest {
        Digest {
            hash: Sha256::new(),
            line: Vec::with_capacity(1024),
        }
    }
}

impl Digest {
    pub fn finish(self) -> String {
        format!("{:x}", self.hash.finalize())
    }
}

impl Sink for Digest {
    fn table(&mut self, spec: &TableSpec, columns: &[Column]) -> Result<(), BackupError> {
        self.hash.update(spec.name.as_bytes());
        for c in columns {
            self.hash.update(b",");
            self.hash.update(c.name.as_bytes());
        }
        self.hash.update(b"\n");
        Ok(())
    }

    fn row(&mut self, cells: &[Cell]) -> Result<(), BackupError> {
        self.line.clear();
        self.line.push(b'[');
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                self.line.push(b',');
            }
            // A boolean is 0/1 whichever backend stored it.
            let canonical = match cell {
                Cell::Bool(b) => Cell::Int(i64::from(*b)),
                other => other.clone(),
            };
            serde_json::to_writer(&mut self.line, &canonical).map_err(BackupError::encode)?;
        }
        self.line.extend_from_slice(b"]\n");
        self.hash.update(&self.line);
        Ok(())
    }

    fn table_end(&mut self, rows: u64) -> Result<(), BackupError> {
        self.hash.update(format!("{rows}\n").as_bytes());
        Ok(())
    }
}

/// The backup file and the digest, fed together.
struct ToFile<W: std::io::Write> {
    file: file::Writer<W>,
    digest: Digest,
    tables: u32,
    rows: u64,
}

impl<W: std::io::Write> Sink for ToFile<W> {
    fn table(&mut self, spec: &TableSpec, columns: &[Column]) -> Result<(), BackupError> {
        self.tables += 1;
        self.digest.table(spec, columns)?;
        self.file.table(spec.name, columns)
    }

    fn row(&mut self, cells: &[Cell]) -> Result<(), BackupError> {
        self.rows += 1;
        self.digest.row(cells)?;
        self.file.row(cells)
    }

    fn table_end(&mut self, rows: u64) -> Result<(), BackupError> {
        self.digest.table_end(rows)?;
        self.file.table_end(rows)
    }
}

/// What a backup wrote.
#[derive(Debug, Clone)]
pub struct BackupReport {
    pub header: Header,
    pub trailer: Trailer,
    pub bytes: u64,
}

/// Reads one consistent snapshot of `store` into `sink`; returns the schema version it read
/// (inside the same transaction) and the sink. SQLite is read on a blocking thread.
async fn snapshot<S: Sink + Send + 'static>(
    store: &Store,
    mut sink: S,
) -> Result<(i64, S), BackupError> {
    match store {
        Store::Sqlite { pool, .. } => {
            let path = pool.connect_options().get_filename().to_owned();
            blocking(move || sqlite::snapshot(&path, &mut sink).map(|schema| (schema, sink))).await
        }
        Store::Postgres { pool, .. } => {
            let schema = postgres::snapshot(pool, &mut sink).await?;
            Ok((schema, sink))
        }
    }
}

/// Runs file and SQLite work off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, BackupError> + Send + 'static,
) -> Result<T, BackupError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| BackupError::Io(std::io::Error::other(e.to_string())))?
}

/// Where a backup to `out` is written until it is whole: `out` with `.partial` appended.
fn partial_of(out: &Path) -> std::path::PathBuf {
    let mut name = out.as_os_str().to_owned();
    name.push(".partial");
    std::path::PathBuf::from(name)
}

/// Writes a backup of `store` to `out` (written to `out.partial`, then renamed, so a backup
/// that fails midway never leaves a file that looks whole). The file is readable by its owner
/// only: it holds personal data and the pseudonym secret.
pub async fn backup(store: &Store, out: &Path) -> Result<BackupReport, BackupError> {
    let partial = partial_of(out);
    let result = write_backup(store, &partial).await;
    match result {
        Ok(report) => {
            std::fs::rename(&partial, out)?;
            Ok(report)
        }
        Err(err) => {
            let _ = std::fs::remove_file(&partial);
            Err(err)
        }
    }
}

async fn write_backup(store: &Store, path: &Path) -> Result<BackupReport, BackupError> {
    let header = Header {
        format: file::FORMAT.to_owned(),
        version: file::VERSION,
        schema: 0,
        backend: store.backend_name().to_owned(),
        created_ms: super::now_ms(),
        tanhui: env!("CARGO_PKG_VERSION").to_owned(),
    };
    // The schema version is read in the snapshot's own transaction; the header is written
    // first, so it is taken from the store before and checked after.
    let schema = store.schema_version().await?;
    let header = Header { schema, ..header };
    let created = {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(path)?
    };
    let out = std::io::BufWriter::with_capacity(256 * 1024, created);
    let sink = ToFile {
        file: file::Writer::new(out, &header)?,
        digest: Digest::default(),
        tables: 0,
        rows: 0,
    };
    let (seen, sink) = snapshot(store, sink).await?;
    if seen != schema {
        return Err(BackupError::Inconsistent(format!(
            "the database was migrated from {schema} to {seen} during the backup"
        )));
    }
    let digest = sink.digest.finish();
    let trailer = Trailer {
        tables: sink.tables,
        rows: sink.rows,
        digest: digest.clone(),
        sha256: String::new(),
    };
    let out = sink.file.finish(trailer.tables, trailer.rows, digest)?;
    let file = out.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()?;
    let bytes = file.metadata()?.len();
    // The file is read back in full: a backup is only reported once it is known to restore.
    let path = path.to_owned();
    let checked = blocking(move || verify(&path)).await?;
    Ok(BackupReport {
        header,
        trailer: checked.trailer,
        bytes,
    })
}

/// The content digest of a database.
pub async fn digest(store: &Store) -> Result<String, BackupError> {
    let (_, digest) = snapshot(store, Digest::default()).await?;
    Ok(digest.finish())
}

/// Reads a whole backup file and checks it (layout, every line, checksum, row counts)
/// without writing anything.
pub fn verify(path: &Path) -> Result<BackupReport, BackupError> {
    let bytes = std::fs::metadata(path)?.len();
    let mut reader = file::Reader::open(std::fs::File::open(path)?)?;
    let mut counter = Counter::default();
    while let Some(event) = reader.next()? {
        counter.event(&event)?;
    }
    let trailer = counter.finish(&reader)?;
    Ok(BackupReport {
        header: reader.header.clone(),
        trailer,
        bytes,
    })
}

/// Keeps count of tables and rows as a file is read, and holds them to the file's marks.
#[derive(Default)]
struct Counter {
    table: Option<(String, usize)>,
    rows_in_table: u64,
    tables: u32,
    rows: u64,
}

impl Counter {
    fn event(&mut self, event: &file::Event) -> Result<(), BackupError> {
        match event {
            file::Event::Table { name, columns } => {
                if self.table.is_some() {
                    return Err(BackupError::Inconsistent(format!(
                        "table {name} starts before the previous one ends"
                    )));
                }
                self.table = Some((name.clone(), columns.len()));
                self.rows_in_table = 0;
                self.tables += 1;
            }
            file::Event::Row(cells) => {
                let Some((name, width)) = &self.table else {
                    return Err(BackupError::Inconsistent("a row outside any table".into()));
                };
                if cells.len() != *width {
                    return Err(BackupError::Inconsistent(format!(
                        "a row of {name} has {} values for {width} columns",
                        cells.len()
                    )));
                }
                self.rows_in_table += 1;
                self.rows += 1;
            }
            file::Event::TableEnd { rows } => {
                let Some((name, _)) = self.table.take() else {
                    return Err(BackupError::Inconsistent(
                        "a table end outside any table".into(),
                    ));
                };
                if *rows != self.rows_in_table {
                    return Err(BackupError::Inconsistent(format!(
                        "{name} should have {rows} rows, the file holds {}",
                        self.rows_in_table
                    )));
                }
            }
        }
        Ok(())
    }

    fn finish<R: std::io::Read>(self, reader: &file::Reader<R>) -> Result<Trailer, BackupError> {
        let trailer = reader.trailer().cloned().ok_or(BackupError::Truncated)?;
        if self.table.is_some() || trailer.tables != self.tables || trailer.rows != self.rows {
            return Err(BackupError::Inconsistent(format!(
                "the end says {} tables and {} rows, the file holds {} and {}",
                trailer.tables, trailer.rows, self.tables, self.rows
            )));
        }
        Ok(trailer)
    }
}

/// What a restore did.
#[derive(Debug, Clone)]
pub struct RestoreReport {
    pub header: Header,
    pub trailer: Trailer,
    /// The restored database's digest, computed afresh (equal to the backup's).
    pub digest: String,
}

/// Restores the backup at `path` into the empty database `store`; refuses a database that
/// holds anything beyond what the migrations create.
pub async fn restore(store: &Store, path: &Path) -> Result<RestoreReport, BackupError> {
    let header = file::Reader::open(std::fs::File::open(path)?)?.header;
    let known = store.known_schema();
    if header.schema > known {
        return Err(BackupError::NewerSchema {
            backup: header.schema,
            known,
        });
    }
    // A database never migrated has no migrations table yet: schema 0. (Any other failure
    // to read it shows again, with its own message, when migrating just below.)
    let database = store.schema_version().await.unwrap_or(0);
    if database > header.schema {
        return Err(BackupError::MigratedPast {
            database,
            backup: header.schema,
        });
    }
    // Refused before anything is written, migrations included: the database holding data
    // may be a live one that the settings pointed at.
    refuse_non_empty(store).await?;
    store.migrate_to(header.schema).await?;
    let loaded = match store {
        Store::Sqlite { pool, .. } => {
            let db = pool.connect_options().get_filename().to_owned();
            let file = path.to_owned();
            blocking(move || sqlite::load(&db, &file)).await
        }
        Store::Postgres { pool, .. } => postgres::load(pool, path).await,
    };
    let trailer = match loaded {
        Ok(trailer) => trailer,
        // Rows are loaded as they are read, so a damaged row can break a constraint before
        // the file's end shows the damage. Nothing was committed either way; the file is read
        // through to say what is wrong with it, if anything is.
        Err(err) => {
            let file = path.to_owned();
            return match blocking(move || verify(&file)).await {
                Err(damage) => Err(damage),
                Ok(_) => Err(err),
            };
        }
    };
    store.migrate_schema().await?;
    let restored = digest(store).await?;
    // A later migration may change stored rows, so the digests are only comparable when the
    // backup was already at this binary's schema.
    if header.schema == known && restored != trailer.digest {
        return Err(BackupError::DigestMismatch {
            restored,
            backup: trailer.digest,
        });
    }
    Ok(RestoreReport {
        header,
        trailer,
        digest: restored,
    })
}

/// Only the units the migrations create may be there.
async fn refuse_non_empty(store: &Store) -> Result<(), BackupError> {
    for spec in &TABLES {
        // A table a migration has not created yet holds nothing.
        if !store.has_table(spec.name).await? {
            continue;
        }
        let rows = store.count_rows(spec.name).await?;
        let allowed = match spec.name {
            "admin_units" => super::BUILT_IN_UNITS,
            _ => 0,
        };
        if rows > allowed {
            return Err(BackupError::NotEmpty {
                table: spec.name.to_owned(),
                rows,
            });
        }
    }
    Ok(())
}

/// The columns of a table in the backup's order: by name.
fn sorted(mut columns: Vec<Column>) -> Vec<Column> {
    columns.sort_by(|a, b| a.name.cmp(&b.name));
    columns
}

/// A backup's row converted to what a destination column of `kind` holds.
fn convert(cell: Cell, kind: Kind) -> Result<Cell, String> {
    Ok(match (cell, kind) {
        (Cell::Null, _) => Cell::Null,
        (Cell::Text(t), Kind::Text) => Cell::Text(t),
        (Cell::Int(i), Kind::Int) => Cell::Int(i),
        (Cell::Int(i), Kind::Real) => Cell::Float(i as f64),
        (Cell::Float(f), Kind::Real) => Cell::Float(f),
        (Cell::Bool(b), Kind::Bool) => Cell::Bool(b),
        (Cell::Int(0), Kind::Bool) => Cell::Bool(false),
        (Cell::Int(1), Kind::Bool) => Cell::Bool(true),
        (Cell::Bool(b), Kind::Int) => Cell::Int(i64::from(b)),
        (cell, kind) => return Err(format!("{cell:?} cannot be stored as {kind:?}")),
    })
}

/// The destination's columns, matched by name to a backup table's: for each backup column,
/// its position and kind in the destination.
fn match_columns(
    table: &str,
    backup: &[Column],
    destination: &[Column],
) -> Result<Vec<Kind>, BackupError> {
    backup
        .iter()
        .map(|c| {
            destination
                .iter()
                .find(|d| d.name == c.name)
                .map(|d| d.kind)
                .ok_or_else(|| BackupError::UnknownColumn {
                    table: table.to_owned(),
                    column: c.name.clone(),
                })
        })
        .collect()
}

fn spec(name: &str) -> Result<&'static TableSpec, BackupError> {
    TABLES
        .iter()
        .find(|s| s.name == name)
        .ok_or_else(|| BackupError::Inconsistent(format!("unknown table {name}")))
}

//! Backups of a PostgreSQL database: one `REPEATABLE READ, READ ONLY` transaction to read,
//! `COPY … FROM STDIN` in one transaction to load.

use std::path::{Path, PathBuf};

use futures_util::TryStreamExt;
use sqlx::{PgConnection, PgPool, Row};

use super::file::{self, Event, Trailer};
use super::{convert, match_columns, sorted, spec, BackupError, Column, Counter, Kind, Sink};
use super::{TableSpec, TABLES};
use crate::storage::{Cell, StorageError};

fn db(err: sqlx::Error) -> BackupError {
    BackupError::Storage(StorageError::Database(err))
}

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

async fn columns(connection: &mut PgConnection, table: &str) -> Result<Vec<Column>, BackupError> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT column_name::text, data_type::text FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name = $1",
    )
    .bind(table)
    .fetch_all(&mut *connection)
    .await
    .map_err(db)?;
    if rows.is_empty() {
        return Err(BackupError::MissingTable(table.to_owned()));
    }
    let columns = rows
        .into_iter()
        .map(|(name, declared)| match Kind::of_declared(&declared) {
            Some(kind) => Ok(Column { name, kind }),
            None => Err(BackupError::UnknownType {
                table: table.to_owned(),
                column: name,
                declared,
            }),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(sorted(columns))
}

/// Reads every table of `TABLES` in one snapshot; returns the schema version.
pub async fn snapshot(pool: &PgPool, sink: &mut (dyn Sink + Send)) -> Result<i64, BackupError> {
    let mut tx = pool.begin().await.map_err(db)?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    let schema: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(version), 0)::bigint FROM _sqlx_migrations WHERE success",
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(db)?;
    for spec in &TABLES {
        read_table(&mut tx, spec, sink).await?;
    }
    tx.commit().await.map_err(db)?;
    Ok(schema)
}

async fn read_table(
    connection: &mut PgConnection,
    spec: &TableSpec,
    sink: &mut (dyn Sink + Send),
) -> Result<(), BackupError> {
    let columns = columns(connection, spec.name).await?;
    sink.table(spec, &columns)?;
    let list: Vec<String> = columns
        .iter()
        .map(|c| match c.kind {
            Kind::Int => format!("CAST({} AS BIGINT)", quoted(&c.name)),
            Kind::Real => format!("CAST({} AS DOUBLE PRECISION)", quoted(&c.name)),
            Kind::Text | Kind::Bool => quoted(&c.name),
        })
        .collect();
    // Text keys in byte order, as SQLite sorts them, whatever the database's collation.
    let order: Vec<String> = spec
        .key
        .iter()
        .map(
            |k| match columns.iter().find(|c| c.name == *k).map(|c| c.kind) {
                Some(Kind::Text) => format!("{} COLLATE \"C\"", quoted(k)),
                _ => quoted(k),
            },
        )
        .collect();
    let sql = format!(
        "SELECT {} FROM {} ORDER BY {}",
        list.join(", "),
        quoted(spec.name),
        order.join(", ")
    );
    let mut rows = sqlx::query(&sql).fetch(&mut *connection);
    let mut cells = Vec::with_capacity(columns.len());
    let mut count = 0u64;
    while let Some(row) = rows.try_next().await.map_err(db)? {
        cells.clear();
        for (i, column) in columns.iter().enumerate() {
            let cell = match column.kind {
                Kind::Text => row
                    .try_get::<Option<String>, _>(i)
                    .map(|v| v.map_or(Cell::Null, Cell::Text)),
                Kind::Int => row
                    .try_get::<Option<i64>, _>(i)
                    .map(|v| v.map_or(Cell::Null, Cell::Int)),
                Kind::Real => row
                    .try_get::<Option<f64>, _>(i)
                    .map(|v| v.map_or(Cell::Null, Cell::Float)),
                Kind::Bool => row
                    .try_get::<Option<bool>, _>(i)
                    .map(|v| v.map_or(Cell::Null, Cell::Bool)),
            }
            .map_err(db)?;
            cells.push(cell);
        }
        sink.row(&cells)?;
        count += 1;
    }
    sink.table_end(count)
}

/// The foreign keys and secondary indexes of the schema, set aside while the rows are copied
/// in and put back afterwards, in the same transaction (PostgreSQL's DDL is transactional):
/// each foreign key is then checked once over the whole table instead of by a trigger per row,
/// and each index is built once instead of row by row, as `pg_restore` does. Primary keys and
/// unique constraints stay, so a duplicated row is still refused as it arrives. The
/// definitions are read from the catalogue, so this follows the schema whatever its version.
struct Checks {
    /// (table, constraint name, definition).
    foreign_keys: Vec<(String, String, String)>,
    /// (index name, `CREATE INDEX …`).
    indexes: Vec<(String, String)>,
}

impl Checks {
    async fn set_aside(connection: &mut PgConnection) -> Result<Checks, BackupError> {
        let foreign_keys: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT c.conrelid::regclass::text, c.conname::text, pg_get_constraintdef(c.oid) \
             FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace \
             WHERE c.contype = 'f' AND n.nspname = current_schema() ORDER BY 1, 2",
        )
        .fetch_all(&mut *connection)
        .await
        .map_err(db)?;
        let indexes: Vec<(String, String)> = sqlx::query_as(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) \
             FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid \
             JOIN pg_namespace n ON n.oid = t.relnamespace \
             WHERE n.nspname = current_schema() \
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) \
             ORDER BY 1",
        )
        .fetch_all(&mut *connection)
        .await
        .map_err(db)?;
        for (table, name, _) in &foreign_keys {
            let sql = format!("ALTER TABLE {table} DROP CONSTRAINT {}", quoted(name));
            sqlx::query(&sql)
                .execute(&mut *connection)
                .await
                .map_err(db)?;
        }
        for (name, _) in &indexes {
            sqlx::query(&format!("DROP INDEX {name}"))
                .execute(&mut *connection)
                .await
                .map_err(db)?;
        }
        Ok(Checks {
            foreign_keys,
            indexes,
        })
    }

    async fn put_back(self, connection: &mut PgConnection) -> Result<(), BackupError> {
        for (_, definition) in &self.indexes {
            sqlx::query(definition)
                .execute(&mut *connection)
                .await
                .map_err(db)?;
        }
        for (table, name, definition) in &self.foreign_keys {
            let sql = format!(
                "ALTER TABLE {table} ADD CONSTRAINT {} {definition}",
                quoted(name)
            );
            sqlx::query(&sql)
                .execute(&mut *connection)
                .await
                .map_err(|err| {
                    BackupError::Inconsistent(format!(
                        "a row of {table} refers to one that is not in the backup ({err})"
                    ))
                })?;
        }
        Ok(())
    }
}

/// What the file reader hands the loader.
enum Step {
    Table(String, Vec<Column>),
    Rows(Vec<Vec<Cell>>),
    TableEnd,
    Done(Trailer),
}

const ROWS_PER_STEP: usize = 2_000;

/// Reads the file on a blocking thread, checking it as it goes; the last step is `Done` only
/// for a whole, intact file.
fn read_file(path: PathBuf, steps: tokio::sync::mpsc::Sender<Result<Step, BackupError>>) {
    let run = || -> Result<(), BackupError> {
        let mut reader = file::Reader::open(std::fs::File::open(&path)?)?;
        let mut counter = Counter::default();
        let mut rows = Vec::with_capacity(ROWS_PER_STEP);
        let send = |step: Step| steps.blocking_send(Ok(step)).is_ok();
        while let Some(event) = reader.next()? {
            counter.event(&event)?;
            let open = match event {
                Event::Table { name, columns } => send(Step::Table(name, columns)),
                Event::Row(cells) => {
                    rows.push(cells);
                    if rows.len() < ROWS_PER_STEP {
                        continue;
                    }
                    send(Step::Rows(std::mem::take(&mut rows)))
                }
                Event::TableEnd { .. } => {
                    send(Step::Rows(std::mem::take(&mut rows))) && send(Step::TableEnd)
                }
            };
            if !open {
                // The loader stopped; its error is the one reported.
                return Ok(());
            }
        }
        let trailer = counter.finish(&reader)?;
        send(Step::Done(trailer));
        Ok(())
    };
    if let Err(err) = run() {
        let _ = steps.blocking_send(Err(err));
    }
}

/// One value in `COPY`'s text format.
fn copy_value(out: &mut Vec<u8>, cell: &Cell) {
    match cell {
        Cell::Null => out.extend_from_slice(b"\\N"),
        Cell::Int(i) => out.extend_from_slice(i.to_string().as_bytes()),
        Cell::Float(f) => out.extend_from_slice(f.to_string().as_bytes()),
        Cell::Bool(b) => out.push(if *b { b't' } else { b'f' }),
        Cell::Text(t) => {
            for &byte in t.as_bytes() {
                match byte {
                    b'\\' => out.extend_from_slice(b"\\\\"),
                    b'\t' => out.extend_from_slice(b"\\t"),
                    b'\n' => out.extend_from_slice(b"\\n"),
                    b'\r' => out.extend_from_slice(b"\\r"),
                    other => out.push(other),
                }
            }
        }
    }
}

/// Loads the backup at `path` into the (checked empty, migrated) database in one transaction.
pub async fn load(pool: &PgPool, path: &Path) -> Result<Trailer, BackupError> {
    let (sender, mut steps) = tokio::sync::mpsc::channel(8);
    let path = path.to_owned();
    let reader = tokio::task::spawn_blocking(move || read_file(path, sender));
    let mut tx = pool.begin().await.map_err(db)?;
    // The units the migrations created are in the backup too.
    sqlx::query("DELETE FROM admin_units")
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    let checks = Checks::set_aside(&mut tx).await?;
    let mut trailer = None;
    while let Some(step) = steps.recv().await {
        match step? {
            Step::Table(name, columns) => load_table(&mut tx, &name, &columns, &mut steps).await?,
            Step::Done(t) => trailer = Some(t),
            Step::Rows(_) | Step::TableEnd => {
                return Err(BackupError::Inconsistent("rows outside any table".into()))
            }
        }
    }
    reader
        .await
        .map_err(|e| BackupError::Io(std::io::Error::other(e.to_string())))?;
    let trailer = trailer.ok_or(BackupError::Truncated)?;
    checks.put_back(&mut tx).await?;
    tx.commit().await.map_err(db)?;
    Ok(trailer)
}

async fn load_table(
    connection: &mut PgConnection,
    name: &str,
    columns: &[Column],
    steps: &mut tokio::sync::mpsc::Receiver<Result<Step, BackupError>>,
) -> Result<(), BackupError> {
    let spec = spec(name)?;
    let destination = self::columns(connection, name).await?;
    let kinds = match_columns(name, columns, &destination)?;
    let names: Vec<String> = columns.iter().map(|c| quoted(&c.name)).collect();
    let mut copy = connection
        .copy_in_raw(&format!(
            "COPY {} ({}) FROM STDIN",
            quoted(name),
            names.join(", ")
        ))
        .await
        .map_err(db)?;
    let mut buffer = Vec::with_capacity(1 << 20);
    loop {
        let step = match steps.recv().await {
            Some(step) => step,
            None => Err(BackupError::Truncated),
        };
        let rows = match step {
            Ok(Step::Rows(rows)) => rows,
            Ok(Step::TableEnd) => break,
            Ok(_) => Err(BackupError::Inconsistent(format!("{name} does not end")))?,
            Err(err) => {
                let _ = copy.abort("backup file refused").await;
                return Err(err);
            }
        };
        for row in rows {
            let mut cells = Vec::with_capacity(row.len());
            for (cell, &kind) in row.into_iter().zip(&kinds) {
                cells.push(convert(cell, kind).map_err(|detail| {
                    BackupError::Inconsistent(format!("table {name}: {detail}"))
                })?);
            }
            for (i, cell) in cells.iter().enumerate() {
                if i > 0 {
                    buffer.push(b'\t');
                }
                copy_value(&mut buffer, cell);
            }
            buffer.push(b'\n');
        }
        if buffer.len() >= 1 << 20 {
            copy.send(std::mem::take(&mut buffer)).await.map_err(db)?;
            buffer.reserve(1 << 20);
        }
    }
    if !buffer.is_empty() {
        copy.send(buffer).await.map_err(db)?;
    }
    copy.finish().await.map_err(db)?;
    if let Some(serial) = spec.serial {
        let sql = format!(
            "SELECT setval(pg_get_serial_sequence('{table}', '{serial}'), \
             (SELECT COALESCE(MAX({col}), 0) + 1 FROM {table}), false)",
            table = spec.name,
            col = quoted(serial),
        );
        sqlx::query(&sql)
            .execute(&mut *connection)
            .await
            .map_err(db)?;
    }
    Ok(())
}

//! Backups of a SQLite file, read and loaded through rusqlite on the calling thread (one
//! statement stepped in place per table: no per-row hop through sqlx's worker thread).

use std::path::Path;
use std::time::Duration;

use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior};

use super::file::{self, Event, Trailer};
use super::{convert, match_columns, sorted, spec, BackupError, Column, Counter, Kind, Sink};
use super::{TableSpec, TABLES};
use crate::storage::{Cell, StorageError};

fn db(err: rusqlite::Error) -> BackupError {
    BackupError::Storage(StorageError::Scan(err))
}

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A table's columns, sorted by name.
fn columns(connection: &Connection, table: &str) -> Result<Vec<Column>, BackupError> {
    let mut statement = connection
        .prepare("SELECT name, type FROM pragma_table_info(?1)")
        .map_err(db)?;
    let mut rows = statement.query([table]).map_err(db)?;
    let mut columns = Vec::new();
    while let Some(row) = rows.next().map_err(db)? {
        let name: String = row.get(0).map_err(db)?;
        let declared: String = row.get(1).map_err(db)?;
        let kind = Kind::of_declared(&declared).ok_or_else(|| BackupError::UnknownType {
            table: table.to_owned(),
            column: name.clone(),
            declared,
        })?;
        columns.push(Column { name, kind });
    }
    if columns.is_empty() {
        return Err(BackupError::MissingTable(table.to_owned()));
    }
    Ok(sorted(columns))
}

fn cell(value: ValueRef<'_>, kind: Kind) -> Result<Cell, String> {
    Ok(match (value, kind) {
        (ValueRef::Null, _) => Cell::Null,
        (ValueRef::Text(t), Kind::Text) => Cell::Text(
            std::str::from_utf8(t)
                .map_err(|e| e.to_string())?
                .to_owned(),
        ),
        (ValueRef::Integer(i), Kind::Int) => Cell::Int(i),
        (ValueRef::Integer(i), Kind::Real) => Cell::Float(i as f64),
        (ValueRef::Real(f), Kind::Real) => Cell::Float(f),
        (ValueRef::Integer(i), Kind::Bool) => Cell::Bool(i != 0),
        (other, kind) => return Err(format!("{other:?} in a {kind:?} column")),
    })
}

/// Reads every table of `TABLES` in one read transaction; returns the schema version.
pub fn snapshot(path: &Path, sink: &mut (dyn Sink + Send)) -> Result<i64, BackupError> {
    let mut connection = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(db)?;
    connection
        .busy_timeout(Duration::from_secs(5))
        .map_err(db)?;
    // A deferred transaction: its snapshot is taken by the first read and held to the end.
    let tx = connection.transaction().map_err(db)?;
    let schema: i64 = tx
        .query_row(
            "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success",
            [],
            |row| row.get(0),
        )
        .map_err(db)?;
    for spec in &TABLES {
        read_table(&tx, spec, sink)?;
    }
    tx.commit().map_err(db)?;
    Ok(schema)
}

fn read_table(
    tx: &Transaction<'_>,
    spec: &TableSpec,
    sink: &mut (dyn Sink + Send),
) -> Result<(), BackupError> {
    let columns = columns(tx, spec.name)?;
    sink.table(spec, &columns)?;
    let list: Vec<String> = columns.iter().map(|c| quoted(&c.name)).collect();
    let order: Vec<String> = spec.key.iter().map(|k| quoted(k)).collect();
    let sql = format!(
        "SELECT {} FROM {} ORDER BY {}",
        list.join(", "),
        quoted(spec.name),
        order.join(", ")
    );
    let mut statement = tx.prepare(&sql).map_err(db)?;
    let mut rows = statement.query([]).map_err(db)?;
    let mut cells = Vec::with_capacity(columns.len());
    let mut count = 0u64;
    while let Some(row) = rows.next().map_err(db)? {
        cells.clear();
        for (i, column) in columns.iter().enumerate() {
            let value = row.get_ref(i).map_err(db)?;
            cells.push(cell(value, column.kind).map_err(|detail| {
                BackupError::Storage(StorageError::CorruptRow {
                    table: spec.name,
                    detail: format!("{}: {detail}", column.name),
                })
            })?);
        }
        sink.row(&cells)?;
        count += 1;
    }
    sink.table_end(count)
}

fn value(cell: Cell) -> Value {
    match cell {
        Cell::Null => Value::Null,
        Cell::Text(t) => Value::Text(t),
        Cell::Int(i) => Value::Integer(i),
        Cell::Float(f) => Value::Real(f),
        Cell::Bool(b) => Value::Integer(i64::from(b)),
    }
}

/// A table being loaded: its insert and the kinds of its destination columns.
struct Loading {
    spec: &'static TableSpec,
    insert: String,
    kinds: Vec<Kind>,
}

/// Loads the backup at `file` into the (checked empty, migrated) database at `path` in one
/// transaction: committed only once the whole file has been read and checked.
pub fn load(path: &Path, file: &Path) -> Result<Trailer, BackupError> {
    let mut connection = Connection::open(path).map_err(db)?;
    connection
        .busy_timeout(Duration::from_secs(30))
        .map_err(db)?;
    // References are checked once at the end (`foreign_key_check`), not row by row, and the
    // secondary indexes are built once after the rows are in; both in the one transaction
    // (SQLite's DDL is transactional). Primary keys and unique constraints stay.
    connection
        .pragma_update(None, "foreign_keys", "OFF")
        .map_err(db)?;
    connection
        .pragma_update(None, "cache_size", "-262144")
        .map_err(db)?;
    let tx = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db)?;
    // The units the migrations created are in the backup too.
    tx.execute("DELETE FROM admin_units", []).map_err(db)?;
    let indexes: Vec<(String, String)> = {
        let mut statement = tx
            .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
            .map_err(db)?;
        let rows = statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .map_err(db)?;
        rows.collect::<Result<_, _>>().map_err(db)?
    };
    for (name, _) in &indexes {
        tx.execute(&format!("DROP INDEX {}", quoted(name)), [])
            .map_err(db)?;
    }
    let mut reader = file::Reader::open(std::fs::File::open(file)?)?;
    let mut counter = Counter::default();
    let mut loading: Option<Loading> = None;
    while let Some(event) = reader.next()? {
        counter.event(&event)?;
        match event {
            Event::Table { name, columns } => {
                loading = Some(start(&tx, &name, &columns)?);
            }
            Event::Row(cells) => {
                let Some(l) = loading.as_ref() else {
                    return Err(BackupError::Inconsistent("a row outside any table".into()));
                };
                insert(&tx, l, cells)?;
            }
            Event::TableEnd { .. } => loading = None,
        }
    }
    let trailer = counter.finish(&reader)?;
    for (_, sql) in &indexes {
        tx.execute(sql, []).map_err(db)?;
    }
    let dangling: Option<String> = tx
        .query_row(
            "SELECT \"table\" FROM pragma_foreign_key_check LIMIT 1",
            [],
            |row| row.get(0),
        )
        .optional()
        .map_err(db)?;
    if let Some(table) = dangling {
        return Err(BackupError::Inconsistent(format!(
            "a row of {table} refers to one that is not in the backup"
        )));
    }
    tx.commit().map_err(db)?;
    Ok(trailer)
}

fn start(tx: &Transaction<'_>, name: &str, columns: &[Column]) -> Result<Loading, BackupError> {
    let spec = spec(name)?;
    let destination = self::columns(tx, name)?;
    let kinds = match_columns(name, columns, &destination)?;
    let names: Vec<String> = columns.iter().map(|c| quoted(&c.name)).collect();
    let marks: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
    Ok(Loading {
        spec,
        insert: format!(
            "INSERT INTO {} ({}) VALUES ({})",
            quoted(name),
            names.join(", "),
            marks.join(", ")
        ),
        kinds,
    })
}

fn insert(tx: &Transaction<'_>, l: &Loading, cells: Vec<Cell>) -> Result<(), BackupError> {
    let mut values = Vec::with_capacity(cells.len());
    for (cell, &kind) in cells.into_iter().zip(&l.kinds) {
        let converted = convert(cell, kind).map_err(|detail| {
            BackupError::Inconsistent(format!("table {}: {detail}", l.spec.name))
        })?;
        values.push(value(converted));
    }
    tx.prepare_cached(&l.insert)
        .map_err(db)?
        .execute(rusqlite::params_from_iter(values))
        .map_err(db)?;
    Ok(())
}

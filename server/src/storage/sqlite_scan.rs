//! The engine's start-up read on SQLite, through rusqlite rather than sqlx.
//!
//! sqlx's SQLite driver runs statements on a worker thread and hands each row to the async
//! task (a copy of every value and a channel message per row); for the 900,000 rows of
//! 100,000 households × 4 waves that alone took seconds, and packing rows as JSON in SQL to
//! cross the driver in bulk cost SQLite a second. rusqlite steps the statement in place and
//! borrows each text value, so the read costs about what SQLite's scan costs.
//!
//! Two read-only connections work at once on blocking threads (see `load_facts`). This is the
//! only code outside sqlx that opens the database file, and it only reads. It needs a file:
//! `sqlite::connect` refuses in-memory databases, which a second connection could not see.

use std::path::Path;
use std::time::Duration;

use domain::engine::{BulkLoad, SurveyMeasures};
use rusqlite::{Connection, OpenFlags, Row};

use super::fact_load::{self, Approved, Batches, Households, Join};
use super::StorageError;

/// Adds every approved survey in the database file at `path` to `load`; returns how many.
///
/// One thread reads the approved surveys; the other reads the households and then streams
/// the stored measures in batches. Joining starts once the surveys are in and keeps pace with
/// the stream, so little is left to do when the last batch arrives.
pub async fn load_facts(path: &Path, load: &mut BulkLoad<'_>) -> Result<usize, StorageError> {
    let a = path.to_owned();
    let approved = tokio::task::spawn_blocking(move || read_approved(&a));
    let (households_tx, households_rx) = tokio::sync::oneshot::channel();
    let (measures_tx, mut measures_rx) = tokio::sync::mpsc::unbounded_channel();
    let b = path.to_owned();
    let reader = tokio::task::spawn_blocking(move || {
        let connection = open(&b)?;
        // A closed channel means the receiving side failed and stopped listening; its error
        // is the one reported.
        let _ = households_tx.send(read_households(&connection)?);
        read_measures(&connection, |batch| measures_tx.send(batch).is_ok())
    });
    let approved = approved.await.map_err(stopped)??;
    let Ok(households) = households_rx.await else {
        // The reader stopped before sending the households: its error says why.
        reader.await.map_err(stopped)??;
        return Err(StorageError::Reader("households were not read".to_owned()));
    };
    let mut join = Join::new(households, approved, load);
    while let Some(batch) = measures_rx.recv().await {
        join.measures(batch);
    }
    reader.await.map_err(stopped)??;
    Ok(join.count())
}

fn open(path: &Path) -> Result<Connection, StorageError> {
    let connection = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    connection.busy_timeout(Duration::from_secs(5))?;
    Ok(connection)
}

/// A table's row count, to size what is read into (`count(*)` walks the smallest index).
fn rows_in(connection: &Connection, table: &str) -> Result<usize, StorageError> {
    let sql = format!("SELECT count(*) FROM {table}");
    let n: i64 = connection.query_row(&sql, [], |row| row.get(0))?;
    Ok(usize::try_from(n).unwrap_or(0))
}

fn read_approved(path: &Path) -> Result<Approved, StorageError> {
    let connection = open(path)?;
    let mut approved = Approved::with_capacity(rows_in(&connection, "surveys")?);
    // The unary `+` keeps the planner from walking the (wave, status) index: a plain scan of
    // the table is cheaper when most surveys are approved.
    let mut statement = connection
        .prepare("SELECT id, household_id, wave FROM surveys WHERE +status = 'approved'")?;
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        approved.add(text(row, 0)?, text(row, 1)?, row.get(2)?)?;
    }
    Ok(approved)
}

fn read_households(connection: &Connection) -> Result<Households, StorageError> {
    let mut households = Households::with_capacity(rows_in(connection, "households")?);
    let sql = format!("SELECT {} FROM households", fact_load::HOUSEHOLD_COLUMNS);
    let mut statement = connection.prepare(&sql)?;
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        households.add(
            text(row, 0)?,
            text(row, 1)?,
            text(row, 2)?,
            text(row, 3)?,
            text(row, 4)?,
            text(row, 5)?,
        )?;
    }
    Ok(households)
}

/// Every row of `survey_facts`, in storage order, in batches to `send` (which answers
/// whether to go on).
fn read_measures(
    connection: &Connection,
    send: impl FnMut(Vec<(u128, SurveyMeasures)>) -> bool,
) -> Result<(), StorageError> {
    let sql = format!("SELECT {} FROM survey_facts", fact_load::MEASURE_COLUMNS);
    let mut statement = connection.prepare(&sql)?;
    let mut rows = statement.query([])?;
    let mut batches = Batches::new(send);
    while let Some(row) = rows.next()? {
        let mut numbers = [0i64; 14];
        for (i, n) in numbers.iter_mut().enumerate() {
            *n = row.get(i + 1)?;
        }
        if !batches.push(fact_load::measures_row(text(row, 0)?, numbers)?) {
            return Ok(());
        }
    }
    batches.finish();
    Ok(())
}

/// A text column, borrowed from the row.
fn text<'r>(row: &'r Row<'_>, column: usize) -> Result<&'r str, StorageError> {
    Ok(row.get_ref(column)?.as_str().map_err(|err| {
        rusqlite::Error::FromSqlConversionFailure(
            column,
            rusqlite::types::Type::Text,
            Box::new(err),
        )
    })?)
}

fn stopped(err: tokio::task::JoinError) -> StorageError {
    StorageError::Reader(err.to_string())
}

//! The engine's start-up read on PostgreSQL: the three scans of [`fact_load`] on three
//! pooled connections at once, rows decoded as they arrive in the binary protocol. The
//! measures are read by a task of their own and streamed in batches, so that joining starts
//! as soon as the households and approved surveys are in.

use domain::engine::{BulkLoad, SurveyMeasures};
use futures_util::TryStreamExt;
use sqlx::{PgPool, Row};

use super::fact_load::{self, Approved, Batches, Households, Join};
use super::StorageError;

/// Adds every approved survey to `load`; returns how many.
pub async fn load_facts(pool: &PgPool, load: &mut BulkLoad<'_>) -> Result<usize, StorageError> {
    let (measures_tx, mut measures_rx) = tokio::sync::mpsc::unbounded_channel();
    let reader = tokio::spawn(read_measures(pool.clone(), measures_tx));
    let (households, approved) = tokio::try_join!(read_households(pool), read_approved(pool))?;
    let mut join = Join::new(households, approved, load);
    while let Some(batch) = measures_rx.recv().await {
        join.measures(batch);
    }
    reader
        .await
        .map_err(|err| StorageError::Reader(err.to_string()))??;
    Ok(join.count())
}

async fn read_households(pool: &PgPool) -> Result<Households, StorageError> {
    let mut households = Households::default();
    let sql = format!("SELECT {} FROM households", fact_load::HOUSEHOLD_COLUMNS);
    let mut rows = sqlx::query(&sql).fetch(pool);
    while let Some(row) = rows.try_next().await? {
        households.add(
            row.try_get(0)?,
            row.try_get(1)?,
            row.try_get(2)?,
            row.try_get(3)?,
            row.try_get(4)?,
            row.try_get(5)?,
        )?;
    }
    Ok(households)
}

async fn read_approved(pool: &PgPool) -> Result<Approved, StorageError> {
    let mut approved = Approved::default();
    let mut rows =
        sqlx::query("SELECT id, household_id, wave FROM surveys WHERE status = 'approved'")
            .fetch(pool);
    while let Some(row) = rows.try_next().await? {
        approved.add(row.try_get(0)?, row.try_get(1)?, row.try_get(2)?)?;
    }
    Ok(approved)
}

/// Every row of `survey_facts`, in batches; stops early when nobody listens.
async fn read_measures(
    pool: PgPool,
    out: tokio::sync::mpsc::UnboundedSender<Vec<(u128, SurveyMeasures)>>,
) -> Result<(), StorageError> {
    let sql = format!("SELECT {} FROM survey_facts", fact_load::MEASURE_COLUMNS);
    let mut rows = sqlx::query(&sql).fetch(&pool);
    let mut batches = Batches::new(|batch| out.send(batch).is_ok());
    while let Some(row) = rows.try_next().await? {
        let mut numbers = [0i64; 14];
        for (i, n) in numbers.iter_mut().enumerate() {
            // The two flags are BOOLEAN here (0/1 integers on SQLite).
            *n = match i {
                2 | 6 => i64::from(row.try_get::<bool, _>(i + 1)?),
                _ => row.try_get(i + 1)?,
            };
        }
        if !batches.push(fact_load::measures_row(row.try_get(0)?, numbers)?) {
            return Ok(());
        }
    }
    batches.finish();
    Ok(())
}

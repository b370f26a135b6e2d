// Export queries shared by both backends; compiled twice like `queries.rs`. Rows stream from
// the database cursor into a sink one at a time.

use futures_util::TryStreamExt;
use sqlx::{Pool, QueryBuilder, Row};

use super::Db;
use crate::storage::microdata::{Filter, Kind, Table};
use crate::storage::{Cell, RowSink, StorageError};

/// Streams one micro-data table into `sink`; returns how many rows it wrote.
pub async fn stream_table(
    pool: &Pool<Db>,
    table: &Table,
    filter: &Filter,
    sink: &mut (dyn RowSink + Send),
) -> Result<u64, StorageError> {
    let kinds: Vec<Kind> = table.columns_for(filter).iter().map(|c| c.kind).collect();
    let mut count = 0;
    // One connection for the whole table: its page cache is the export's only large buffer,
    // instead of one per pooled connection the chunk queries would otherwise spread over.
    let mut conn = pool.acquire().await?;
    if let Some(pragma) = super::EXPORT_PRAGMA {
        sqlx::query(pragma).execute(&mut *conn).await?;
    }
    match super::ROWID_RANGES {
        // One query per range of rowids: the scan stays in rowid order and nothing is sorted.
        true => {
            let (first, last): (Option<i64>, Option<i64>) = sqlx::query_as(&format!(
                "SELECT MIN(rowid), MAX(rowid) FROM {}",
                table.rowid_table
            ))
            .fetch_one(&mut *conn)
            .await?;
            let (Some(first), Some(last)) = (first, last) else {
                return Ok(0);
            };
            let mut start = first;
            while start <= last {
                let mut q = selection(table, filter);
                q.push(format!(" AND {}.rowid >= ", table.chunk_alias))
                    .push_bind(start)
                    .push(format!(" AND {}.rowid < ", table.chunk_alias))
                    .push_bind(start + ROWS_PER_CHUNK);
                let mut chunks = q.build().fetch(&mut *conn);
                while let Some(chunk) = chunks.try_next().await? {
                    count += unpack(chunk.try_get(0)?, &kinds, table.name, sink).await?;
                }
                start += ROWS_PER_CHUNK;
            }
        }
        false => {
            let mut q = selection(table, filter);
            q.push(" GROUP BY ").push(table.pg_chunk);
            let mut chunks = q.build().fetch(&mut *conn);
            while let Some(chunk) = chunks.try_next().await? {
                count += unpack(chunk.try_get(0)?, &kinds, table.name, sink).await?;
            }
        }
    }
    Ok(count)
}

/// `SELECT <the table's columns packed as one JSON array> FROM … WHERE <the filter>`, with
/// its binds, ready for a range or a GROUP BY.
fn selection<'a>(table: &Table, filter: &'a Filter) -> QueryBuilder<'a, Db> {
    let select: Vec<&str> = table.columns_for(filter).iter().map(|c| c.sql).collect();
    let (agg, array) = super::JSON_FUNCTIONS;
    let mut q = QueryBuilder::<Db>::new(format!(
        "SELECT CAST({agg}({array}({})) AS TEXT) FROM {} WHERE 1 = 1",
        select.join(", "),
        table.from
    ));
    if table.survey_based {
        if !filter.all_statuses {
            // SQLite: keep the planner scanning the section table rather than the surveys.
            q.push(format!(" AND {}s.status = 'approved'", super::NO_INDEX));
        }
        if !filter.waves.is_empty() {
            q.push(" AND s.wave IN (");
            let mut list = q.separated(", ");
            for wave in &filter.waves {
                list.push_bind(*wave);
            }
            q.push(")");
        }
    }
    if !filter.village_prefixes.is_empty() {
        q.push(" AND (");
        for (i, prefix) in filter.village_prefixes.iter().enumerate() {
            if i > 0 {
                q.push(" OR ");
            }
            q.push(table.village)
                .push(" LIKE ")
                .push_bind(format!("{prefix}%"));
        }
        q.push(")");
    }
    q
}

const ROWS_PER_CHUNK: i64 = 4_000;

/// Sends the rows of one JSON-packed chunk to the sink; returns how many there were.
async fn unpack(
    text: Option<String>,
    kinds: &[Kind],
    table: &'static str,
    sink: &mut (dyn RowSink + Send),
) -> Result<u64, StorageError> {
    let rows: Vec<Vec<Cell>> =
        serde_json::from_str(text.as_deref().unwrap_or("[]")).map_err(|err| {
            StorageError::CorruptRow {
                table,
                detail: err.to_string(),
            }
        })?;
    let mut count = 0;
    for mut row in rows {
        if row.len() != kinds.len() {
            return Err(StorageError::CorruptRow {
                table,
                detail: format!("{} values for {} columns", row.len(), kinds.len()),
            });
        }
        // SQLite packs booleans as 0/1.
        for (cell, kind) in row.iter_mut().zip(kinds) {
            if let (Cell::Int(v), Kind::Bool) = (&*cell, kind) {
                *cell = Cell::Bool(*v != 0);
            }
        }
        sink.row(row).await?;
        count += 1;
    }
    Ok(count)
}

/// The named server secret, created (random, 256 bits) the first time it is asked for. Two
/// instances racing to create it agree: the first insert wins, both read it back.
pub async fn server_secret(
    pool: &Pool<Db>,
    name: &str,
    fresh: &str,
) -> Result<String, StorageError> {
    let mut q = QueryBuilder::<Db>::new("INSERT INTO server_secrets (name, value) VALUES (");
    q.push_bind(name)
        .push(", ")
        .push_bind(fresh)
        .push(") ON CONFLICT (name) DO NOTHING");
    q.build().execute(pool).await?;
    let mut q = QueryBuilder::<Db>::new("SELECT value FROM server_secrets WHERE name = ");
    q.push_bind(name);
    Ok(q.build_query_scalar().fetch_one(pool).await?)
}

// Export queries shared by both backends; compiled twice like `queries.rs`. Rows stream from
// the database cursor into a sink one at a time.

use futures_util::TryStreamExt;
use sqlx::{Pool, QueryBuilder, Row};

use super::Db;
use crate::export::microdata::{Filter, Kind, Table};
use crate::storage::{Cell, RowSink, StorageError};

/// Streams one micro-data table into `sink`; returns how many rows it wrote.
pub async fn stream_table(
    pool: &Pool<Db>,
    table: &Table,
    filter: &Filter,
    sink: &mut (dyn RowSink + Send),
) -> Result<u64, StorageError> {
    let columns = table.columns_for(filter);
    let select: Vec<&str> = columns.iter().map(|c| c.sql).collect();
    let mut q = QueryBuilder::<Db>::new(format!(
        "SELECT {} FROM {} WHERE 1 = 1",
        select.join(", "),
        table.from
    ));
    if table.survey_based {
        if !filter.all_statuses {
            q.push(" AND s.status = 'approved'");
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
    q.push(" ORDER BY ").push(table.order);
    let kinds: Vec<Kind> = columns.iter().map(|c| c.kind).collect();
    let mut rows = q.build().fetch(pool);
    let mut count = 0;
    while let Some(row) = rows.try_next().await? {
        let mut cells = Vec::with_capacity(kinds.len());
        for (i, kind) in kinds.iter().enumerate() {
            let cell = match kind {
                Kind::Pid(_) | Kind::Text => row.try_get::<Option<String>, _>(i)?.map(Cell::Text),
                Kind::Int | Kind::Fen => row.try_get::<Option<i64>, _>(i)?.map(Cell::Int),
                Kind::Float => row.try_get::<Option<f64>, _>(i)?.map(Cell::Float),
                Kind::Bool => row.try_get::<Option<bool>, _>(i)?.map(Cell::Bool),
            };
            cells.push(cell.unwrap_or(Cell::Null));
        }
        sink.row(cells).await?;
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

// Reads of surveys shared by both backends; compiled twice like `queries.rs` (whose
// functions the backends reach through `queries`, which re-exports these): one survey with
// all its sections, and survey lines (bookkeeping without answers) for lists.

use domain::{HouseholdSurvey, RecordId, SurveyStatus, UnitCode};
use sqlx::{Pool, QueryBuilder};

use super::Db;
use crate::storage::rows::{
    EmploymentRowDb, LivestockRowDb, MemberRow, SurveyLine, SurveyLineRow, SurveyRow,
    TrainingRowDb, UnderstoryRowDb,
};
use crate::storage::StorageError;

async fn lines(
    q: &mut QueryBuilder<'_, Db>,
    pool: &Pool<Db>,
) -> Result<Vec<SurveyLine>, StorageError> {
    let rows: Vec<SurveyLineRow> = q.build_query_as().fetch_all(pool).await?;
    rows.into_iter().map(SurveyLineRow::into_line).collect()
}

pub async fn survey(
    pool: &Pool<Db>,
    id: &RecordId,
) -> Result<Option<HouseholdSurvey>, StorageError> {
    let mut q = QueryBuilder::<Db>::new(format!(
        "SELECT {} FROM surveys WHERE id = ",
        SurveyRow::COLUMNS
    ));
    q.push_bind(id.as_str());
    let Some(header): Option<SurveyRow> = q.build_query_as().fetch_optional(pool).await? else {
        return Ok(None);
    };
    let members: Vec<MemberRow> =
        by_survey(pool, MemberRow::COLUMNS, "survey_members", "member_no", id).await?;
    let employment: Vec<EmploymentRowDb> = by_survey(
        pool,
        EmploymentRowDb::COLUMNS,
        "employment_rows",
        "row_no",
        id,
    )
    .await?;
    let training: Vec<TrainingRowDb> =
        by_survey(pool, TrainingRowDb::COLUMNS, "training_rows", "row_no", id).await?;
    let understory: Vec<UnderstoryRowDb> = by_survey(
        pool,
        UnderstoryRowDb::COLUMNS,
        "understory_rows",
        "row_no",
        id,
    )
    .await?;
    let livestock: Vec<LivestockRowDb> = by_survey(
        pool,
        LivestockRowDb::COLUMNS,
        "livestock_rows",
        "row_no",
        id,
    )
    .await?;
    header
        .into_survey(members, employment, training, understory, livestock)
        .map(Some)
}

pub async fn survey_id_for(
    pool: &Pool<Db>,
    household: &RecordId,
    wave: i32,
) -> Result<Option<String>, StorageError> {
    let mut q = QueryBuilder::<Db>::new("SELECT id FROM surveys WHERE household_id = ");
    q.push_bind(household.as_str())
        .push(" AND wave = ")
        .push_bind(wave);
    Ok(q.build_query_scalar().fetch_optional(pool).await?)
}

async fn by_survey<T>(
    pool: &Pool<Db>,
    columns: &str,
    table: &str,
    order: &str,
    id: &RecordId,
) -> Result<Vec<T>, StorageError>
where
    T: for<'r> sqlx::FromRow<'r, <Db as sqlx::Database>::Row> + Send + Unpin,
{
    let mut q =
        QueryBuilder::<Db>::new(format!("SELECT {columns} FROM {table} WHERE survey_id = "));
    q.push_bind(id.as_str()).push(format!(" ORDER BY {order}"));
    Ok(q.build_query_as().fetch_all(pool).await?)
}

/// Every survey of a village's households in one wave.
pub async fn village_surveys(
    pool: &Pool<Db>,
    village: &UnitCode,
    wave: i32,
) -> Result<Vec<SurveyLine>, StorageError> {
    let mut q = QueryBuilder::<Db>::new(format!(
        "SELECT {} FROM surveys s JOIN households h ON h.id = s.household_id \
         WHERE h.village_code = ",
        SurveyLineRow::COLUMNS
    ));
    q.push_bind(village.as_str())
        .push(" AND s.wave = ")
        .push_bind(wave);
    lines(&mut q, pool).await
}

/// Surveys of one wave with one of `statuses`, in villages under any of `scopes` (every
/// village when `scopes` is empty), by village and registry number, at most `limit`.
pub async fn surveys_in_scope(
    pool: &Pool<Db>,
    scopes: &[UnitCode],
    wave: i32,
    statuses: &[SurveyStatus],
    limit: i64,
) -> Result<Vec<SurveyLine>, StorageError> {
    let mut q = QueryBuilder::<Db>::new(format!(
        "SELECT {} FROM surveys s JOIN households h ON h.id = s.household_id WHERE s.wave = ",
        SurveyLineRow::COLUMNS
    ));
    q.push_bind(wave).push(" AND s.status IN (");
    let mut list = q.separated(", ");
    for status in statuses {
        list.push_bind(status.code());
    }
    q.push(")");
    if !scopes.is_empty() {
        q.push(" AND (");
        for (i, scope) in scopes.iter().enumerate() {
            if i > 0 {
                q.push(" OR ");
            }
            q.push("h.village_code LIKE ")
                .push_bind(format!("{}%", scope.as_str()));
        }
        q.push(")");
    }
    q.push(" ORDER BY h.village_code, h.registry_no, s.id LIMIT ")
        .push_bind(limit);
    lines(&mut q, pool).await
}

/// One line per survey of a household, by wave.
pub async fn surveys_of(
    pool: &Pool<Db>,
    household: &RecordId,
) -> Result<Vec<SurveyLine>, StorageError> {
    let mut q = QueryBuilder::<Db>::new(format!(
        "SELECT {} FROM surveys s WHERE s.household_id = ",
        SurveyLineRow::COLUMNS
    ));
    q.push_bind(household.as_str()).push(" ORDER BY s.wave");
    lines(&mut q, pool).await
}

/// Ids of up to `limit` surveys of a wave in a status, by id.
pub async fn surveys_with_status(
    pool: &Pool<Db>,
    status: domain::SurveyStatus,
    wave: i32,
    limit: i64,
) -> Result<Vec<String>, StorageError> {
    let mut q = QueryBuilder::<Db>::new("SELECT id FROM surveys WHERE status = ");
    q.push_bind(status.code())
        .push(" AND wave = ")
        .push_bind(wave)
        .push(" ORDER BY id LIMIT ")
        .push_bind(limit);
    Ok(q.build_query_scalar().fetch_all(pool).await?)
}

//! Export endpoints: indicator tables (any signed-in account, units in its scope; researchers
//! get small cells suppressed) and pseudonymised micro-data with its codebook (researchers
//! and administrators, limited to the researcher's scope). Bearer API tokens work here as
//! everywhere, for scripts.

use super::body::QueryParams;
use app::backend::RequestViewer;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Json, Response};
use axum::Extension;
use domain::engine::Engine;
use domain::{Actor, Role, SurveyStatus, UnitCode};
use serde::Deserialize;

use super::params::list;
use super::{require, ApiError};
use crate::export::indicators::{table_csv, table_lines, TableRequest};
use crate::export::microdata::{codebook_csv, codebook_json, table, Filter};
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct TableParams {
    pub unit: Option<String>,
    pub wave: Option<String>,
    pub by: Option<String>,
    pub indicator: Option<String>,
    pub scheme: Option<String>,
    pub format: Option<String>,
}

pub(super) fn attachment(
    mut response: Response,
    file: &str,
    content_type: &'static str,
) -> Response {
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// Parses the parameters of an indicator table (API and CLI alike). `home` is the unit when
/// none is named; `allowed` vets each unit before anything is said about it.
pub fn table_request(
    params: &TableParams,
    engine: &Engine,
    home: UnitCode,
    allowed: &dyn Fn(&UnitCode) -> bool,
    suppress: bool,
) -> Result<TableRequest, ApiError> {
    let mut units = Vec::new();
    for text in list(params.unit.as_deref()) {
        let unit = UnitCode::parse(&text).map_err(|err| ApiError::BadParameter {
            field: "unit",
            zh: domain::Localized::zh(&err),
            en: domain::Localized::en(&err),
        })?;
        if !allowed(&unit) {
            return Err(ApiError::Forbidden);
        }
        units.push(unit);
    }
    if units.is_empty() {
        units.push(home);
    }
    if let Some(unknown) = units.iter().find(|u| !engine.knows(u)) {
        return Err(ApiError::NotFound {
            zh: format!("没有行政区划代码为 {unknown} 的单位"),
            en: format!("no unit with code {unknown}"),
        });
    }
    let known: Vec<i32> = engine.waves().collect();
    let mut waves = Vec::new();
    for text in list(params.wave.as_deref()) {
        match text.parse::<i32>() {
            Ok(year) if known.contains(&year) => waves.push(year),
            _ => {
                return Err(ApiError::BadParameter {
                    field: "wave",
                    zh: format!("调查轮次应为已有年份之一 {known:?}，而不是“{text}”"),
                    en: format!("wave: one of {known:?}, not {text:?}"),
                })
            }
        }
    }
    if waves.is_empty() {
        waves = known;
    }
    let by = super::params::breakdown(params.by.as_deref())?;
    let indicators = super::params::indicators(params.indicator.as_deref())?;
    let scheme = super::params::scheme(params.scheme.as_deref())?;
    Ok(TableRequest {
        progress: false,
        units,
        waves,
        by,
        indicators,
        scheme,
        suppress,
    })
}

/// `GET /api/v1/export/indicators?unit=A,B&wave=X,Y&by=D[,D]&indicator=…&format=csv|json`
pub async fn indicators(
    State(state): State<AppState>,
    Extension(viewer): Extension<RequestViewer>,
    QueryParams(params): QueryParams<TableParams>,
) -> Result<Response, ApiError> {
    let actor = require(&viewer)?;
    let home = actor
        .home(&UnitCode::prefecture())
        .ok_or(ApiError::Forbidden)?;
    let engine = state.engine.read(&state.store).await?;
    let request = table_request(
        &params,
        &engine,
        home,
        &|unit| actor.may_read(unit),
        actor.role == Role::Researcher,
    )?;
    let lines = table_lines(&engine, &request);
    match params.format.as_deref().unwrap_or("csv") {
        "csv" => Ok(attachment(
            table_csv(&request.by, &lines).into_response(),
            "indicators.csv",
            "text/csv; charset=utf-8",
        )),
        "xlsx" => {
            let bytes = crate::export::xlsx::indicator_table(&request.by, &lines).map_err(|err| {
                tracing::error!(%err, "cannot build the indicator workbook");
                ApiError::Internal
            })?;
            Ok(attachment(
                bytes.into_response(),
                "indicators.xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ))
        }
        "json" => Ok(Json(serde_json::json!({
            "by": request.by.iter().map(|d| d.code()).collect::<Vec<_>>(),
            "suppressed_below_households": if request.suppress { Some(domain::engine::catalogue::MIN_CELL_HOUSEHOLDS) } else { None },
            "rows": lines,
        }))
        .into_response()),
        other => Err(ApiError::BadParameter {
            field: "format",
            zh: format!("格式应为 csv、xlsx 或 json，而不是“{other}”"),
            en: format!("format: csv, xlsx or json, not {other:?}"),
        }),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct MicroParams {
    pub wave: Option<String>,
    /// `all`: include draft, submitted and rejected surveys, with a `status` column.
    pub statuses: Option<String>,
}

/// Micro-data is for researchers (and administrators); a researcher gets its scope only.
fn micro_filter(actor: &Actor, params: &MicroParams) -> Result<Filter, ApiError> {
    if !matches!(actor.role, Role::Researcher | Role::Admin) {
        return Err(ApiError::Forbidden);
    }
    let waves = list(params.wave.as_deref())
        .iter()
        .map(|w| {
            w.parse::<i32>().map_err(|_| ApiError::BadParameter {
                field: "wave",
                zh: format!("调查轮次应为年份，如 2021，而不是“{w}”"),
                en: format!("wave: a year such as 2021, not {w:?}"),
            })
        })
        .collect::<Result<_, _>>()?;
    // Approved surveys only (the default), or every status.
    let all_statuses = match params.statuses.as_deref().map(str::trim) {
        None => false,
        Some("all") => true,
        Some(code) if SurveyStatus::parse(code) == Some(SurveyStatus::Approved) => false,
        Some(other) => {
            return Err(ApiError::BadParameter {
                field: "statuses",
                zh: format!("statuses 应为 approved（默认）或 all，而不是“{other}”"),
                en: format!("statuses: approved (default) or all, not {other:?}"),
            })
        }
    };
    let village_prefixes = match actor.covers(&UnitCode::prefecture()) {
        true => Vec::new(),
        false => actor
            .scopes
            .iter()
            .map(|u| match u.level() {
                domain::UnitLevel::Prefecture => u.as_str()[..4].to_owned(),
                _ => u.as_str().to_owned(),
            })
            .collect(),
    };
    Ok(Filter {
        waves,
        all_statuses,
        village_prefixes,
    })
}

/// How long a download waits for one of the exports' connections before it is answered 503.
const EXPORT_PATIENCE: std::time::Duration = std::time::Duration::from_secs(10);

/// `GET /api/v1/export/microdata/{file}`: one table as streamed CSV, or the codebook
/// (`codebook.csv`, `codebook.json`). At most [`crate::storage::EXPORT_CONNECTIONS`] tables
/// are exported at once, each on a connection apart from the request pool.
pub async fn microdata(
    State(state): State<AppState>,
    Extension(viewer): Extension<RequestViewer>,
    Path(file): Path<String>,
    QueryParams(params): QueryParams<MicroParams>,
) -> Result<Response, ApiError> {
    let actor = require(&viewer)?;
    let filter = micro_filter(actor, &params)?;
    match file.as_str() {
        "codebook.csv" => {
            return Ok(attachment(
                codebook_csv(&filter).into_response(),
                &file,
                "text/csv; charset=utf-8",
            ))
        }
        "codebook.json" => return Ok(Json(codebook_json(&filter)).into_response()),
        _ => {}
    }
    let not_found = || ApiError::NotFound {
        zh: format!("没有名为“{file}”的导出文件"),
        en: format!("no export file {file:?}"),
    };
    let name = file
        .strip_suffix(".xlsx")
        .or_else(|| file.strip_suffix(".csv"));
    if name.and_then(table).is_none() {
        return Err(not_found());
    }
    // Pseudonymised, but household-level: every download is on the record.
    let audit = crate::storage::AuditEntry::by(Some(actor), "export.microdata")
        .target("export", file.clone())
        .ip(viewer.ip.clone())
        .change(
            None,
            Some(serde_json::json!({ "wave": params.wave, "statuses": params.statuses })),
        );
    state.store.append_audit(&audit).await?;
    let pseudonyms = crate::export::run::pseudonymiser(&state.store).await?;
    let slot = || async {
        state
            .store
            .export_permit(EXPORT_PATIENCE)
            .await
            .ok_or_else(|| ApiError::Busy {
                zh: format!(
                    "已有 {} 个导出正在进行，请稍后再下载",
                    crate::storage::EXPORT_CONNECTIONS
                ),
                en: format!(
                    "{} exports are running already; download again in a moment",
                    crate::storage::EXPORT_CONNECTIONS
                ),
                retry_after_s: 30,
            })
    };
    if let Some(name) = file.strip_suffix(".xlsx") {
        let table = table(name).ok_or_else(not_found)?;
        let _permit = slot().await?;
        let path = tempfile::NamedTempFile::new()
            .map_err(|err| {
                tracing::error!(%err, "cannot create a temporary file");
                ApiError::Internal
            })?
            .into_temp_path();
        crate::export::run::write_table(
            &state.store,
            table,
            &filter,
            &pseudonyms,
            crate::export::run::Format::Xlsx,
            &path,
        )
        .await?;
        return Ok(attachment(
            crate::export::run::file_body(path).into_response(),
            &file,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ));
    }
    let table = file
        .strip_suffix(".csv")
        .and_then(table)
        .ok_or_else(not_found)?;
    let permit = slot().await?;
    let body =
        crate::export::run::stream_body(state.store.clone(), table, filter, pseudonyms, permit);
    Ok(attachment(
        body.into_response(),
        &file,
        "text/csv; charset=utf-8",
    ))
}

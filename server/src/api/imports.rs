//! Bulk survey import for administrators: the template, and the import itself (validated in
//! full, written all-or-nothing; see `crate::import`).

use app::backend::RequestViewer;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use axum::Extension;
use serde::Deserialize;

use super::{require, ApiError};
use crate::http::AppState;

/// `GET /api/v1/import/surveys/template.csv`: the documented template with one example row.
pub async fn template(Extension(viewer): Extension<RequestViewer>) -> Result<Response, ApiError> {
    require(&viewer)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"tanhui-survey-import-template.csv\"",
            ),
        ],
        crate::import::template_csv(),
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
pub struct ImportParams {
    #[serde(default)]
    pub confirm_warnings: bool,
}

/// `POST /api/v1/import/surveys[?confirm_warnings=true]`, body: the CSV file (UTF-8).
/// 200 with the report when every row was imported; 422 with the report (errors by line and
/// column, or warnings to confirm) when nothing was.
pub async fn surveys(
    State(state): State<AppState>,
    Extension(viewer): Extension<RequestViewer>,
    Query(params): Query<ImportParams>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let actor = require(&viewer)?;
    if !actor.may_administer() {
        return Err(ApiError::Forbidden);
    }
    let Ok(text) = std::str::from_utf8(&body) else {
        return Err(ApiError::BadParameter {
            field: "file",
            zh: "文件不是 UTF-8 编码：请在 Excel 中“另存为 CSV UTF-8（逗号分隔）”".into(),
            en: "the file is not UTF-8: save it as \"CSV UTF-8 (comma delimited)\"".into(),
        });
    };
    let report = crate::import::import_surveys(
        &state.store,
        actor,
        text,
        params.confirm_warnings,
        &|_, _| {},
    )
    .await
    .map_err(|crate::import::ImportError::Storage(err)| ApiError::from(err))?;
    let status = match report.imported {
        0 if report.rows > 0 || !report.errors.is_empty() => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::OK,
    };
    Ok((status, Json(report)).into_response())
}

//! Bulk survey import for administrators: the template, and the import itself (validated in
//! full, written all-or-nothing; see `crate::import`).

use app::backend::RequestViewer;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use axum::Extension;
use serde::Deserialize;

use super::{require, ApiError};
use crate::state::AppState;

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

/// `GET /api/v1/import/surveys/template.xlsx`: the same template as a workbook, with a sheet of
/// every choice's code and label.
pub async fn template_xlsx(
    Extension(viewer): Extension<RequestViewer>,
) -> Result<Response, ApiError> {
    require(&viewer)?;
    let bytes = crate::import::template_xlsx().map_err(|err| {
        tracing::error!(%err, "import template");
        ApiError::Internal
    })?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"tanhui-survey-import-template.xlsx\"",
            ),
        ],
        bytes,
    )
        .into_response())
}

/// `POST /api/v1/import/surveys[?confirm_warnings=true]`, body: the file, CSV (UTF-8) or XLSX
/// (first worksheet).
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
    let report = match crate::import::read_table(&body) {
        Err(crate::import::ReadError::NotUtf8) => {
            return Err(ApiError::BadParameter {
                field: "file",
                zh: "文件不是 UTF-8 编码：请在 Excel 中“另存为 CSV UTF-8（逗号分隔）”，或直接上传 XLSX".into(),
                en: "the file is not UTF-8: save it as \"CSV UTF-8 (comma delimited)\", or upload the XLSX".into(),
            })
        }
        Err(crate::import::ReadError::Malformed(line, message)) => {
            crate::import::unreadable(line, &message)
        }
        Ok(records) => crate::import::import_surveys(
            &state.store,
            actor,
            records,
            params.confirm_warnings,
        )
        .await
        .map_err(|crate::import::ImportError::Storage(err)| ApiError::from(err))?,
    };
    let status = match report.imported {
        0 if report.rows > 0 || !report.errors.is_empty() => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::OK,
    };
    Ok((status, Json(report)).into_response())
}

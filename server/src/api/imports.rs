//! File imports for administrators — the household registry, surveys, units and targets:
//! each kind's template, and the import itself (validated in full, written all-or-nothing;
//! see `crate::import`).

use super::body::QueryParams;
use app::backend::RequestViewer;
use app::model::{ImportKind, ImportReport};
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use axum::Extension;
use serde::Deserialize;

use super::{require, ApiError};
use crate::import::ImportError;
use crate::state::AppState;

fn kind(code: &str) -> Result<ImportKind, ApiError> {
    ImportKind::parse(code).ok_or_else(|| ApiError::NotFound {
        zh: format!(
            "没有“{code}”这种导入（可导入：households、surveys、units、targets、assignments、plots、inspections）"
        ),
        en: format!(
            "there is no {code:?} import (households, surveys, units, targets, assignments, plots, inspections)"
        ),
    })
}

/// `GET /api/v1/import/{kind}/template.csv` and `…/template.xlsx`: the documented template
/// with example rows (the workbook adds a sheet of every choice's code and labels).
pub async fn template(
    Extension(viewer): Extension<RequestViewer>,
    Path((code, file)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    require(&viewer)?;
    let kind = kind(&code)?;
    let name = format!("tanhui-{}-import-template", kind.code());
    match file.as_str() {
        "template.csv" => {
            let text = match kind {
                ImportKind::Surveys => crate::import::template_csv(),
                ImportKind::Households => crate::import::households::template_csv(),
                ImportKind::Units => crate::import::units::template_csv(),
                ImportKind::Targets => crate::import::targets::template_csv(),
                ImportKind::Assignments => crate::import::assignments::template_csv(),
                ImportKind::Plots => crate::import::plots::plots_template_csv(),
                ImportKind::Inspections => crate::import::plots::inspections_template_csv(),
            };
            Ok((
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{name}.csv\""),
                    ),
                ],
                text,
            )
                .into_response())
        }
        "template.xlsx" => {
            let bytes = match kind {
                ImportKind::Surveys => crate::import::template_xlsx(),
                ImportKind::Households => crate::import::households::template_xlsx(),
                ImportKind::Units => crate::import::units::template_xlsx(),
                ImportKind::Targets => crate::import::targets::template_xlsx(),
                ImportKind::Assignments => crate::import::assignments::template_xlsx(),
                ImportKind::Plots => crate::import::plots::plots_template_xlsx(),
                ImportKind::Inspections => crate::import::plots::inspections_template_xlsx(),
            }
            .map_err(|err| {
                tracing::error!(%err, "import template");
                ApiError::Internal
            })?;
            Ok((
                [
                    (
                        header::CONTENT_TYPE,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                            .to_owned(),
                    ),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{name}.xlsx\""),
                    ),
                ],
                bytes,
            )
                .into_response())
        }
        _ => Err(ApiError::NotFound {
            zh: "模板为 template.csv 或 template.xlsx".into(),
            en: "the templates are template.csv and template.xlsx".into(),
        }),
    }
}

#[derive(Debug, Deserialize)]
pub struct ImportParams {
    #[serde(default)]
    pub confirm_warnings: bool,
    /// Households only: rows for registered households correct them.
    #[serde(default)]
    pub update: bool,
}

/// `POST /api/v1/import/{kind}[?confirm_warnings=true][&update=true]`, body: the file, CSV
/// (UTF-8) or XLSX (first worksheet). 200 with the report when every row was imported; 422
/// with the report (errors by line and column, or warnings to confirm) when nothing was.
pub async fn import(
    State(state): State<AppState>,
    Extension(viewer): Extension<RequestViewer>,
    Path(code): Path<String>,
    QueryParams(params): QueryParams<ImportParams>,
    body: axum::body::Body,
) -> Result<Response, ApiError> {
    let actor = require(&viewer)?;
    if !actor.may_administer() {
        return Err(ApiError::Forbidden);
    }
    let kind = kind(&code)?;
    // Only now, with the caller known to be an administrator, is the file read.
    let body = super::body::read_limited(body, super::IMPORT_LIMIT).await?;
    // Inflating and splitting 64 MB is seconds of CPU: off the threads that answer requests.
    let table = tokio::task::spawn_blocking(move || crate::import::read_table(&body))
        .await
        .map_err(|err| {
            tracing::error!(%err, "reading an import file");
            ApiError::Internal
        })?;
    let report = match table {
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
        Ok(records) => run(&state, actor, kind, records, &params)
            .await
            .map_err(|ImportError::Storage(err)| ApiError::from(err))?,
    };
    let status = match report.imported {
        0 if report.rows > 0 || !report.errors.is_empty() || !report.warnings.is_empty() => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        _ => StatusCode::OK,
    };
    Ok((status, Json(report)).into_response())
}

async fn run(
    state: &AppState,
    actor: &domain::Actor,
    kind: ImportKind,
    records: Vec<crate::import::Record>,
    params: &ImportParams,
) -> Result<ImportReport, ImportError> {
    let store = &state.store;
    let year = crate::service::field_work::this_year();
    match kind {
        ImportKind::Surveys => {
            crate::import::import_surveys(store, actor, records, params.confirm_warnings).await
        }
        ImportKind::Households => {
            crate::import::households::import_households(
                store,
                Some(actor),
                records,
                params.confirm_warnings,
                params.update,
                crate::service::field_work::this_year(),
            )
            .await
        }
        ImportKind::Units => crate::import::units::import_units(store, Some(actor), records).await,
        ImportKind::Targets => {
            crate::import::targets::import_targets(store, Some(actor), records).await
        }
        ImportKind::Assignments => {
            crate::import::assignments::import_assignments(store, Some(actor), records).await
        }
        ImportKind::Plots => {
            crate::import::plots::import_plots(store, Some(actor), records, year).await
        }
        ImportKind::Inspections => {
            crate::import::plots::import_inspections(store, Some(actor), records, year).await
        }
    }
}

//! Programme set-up for administrators: the unit tree and corrections to one unit, waves
//! (open, close, reopen) and poverty lines — the same service functions as the admin pages.

use super::body::{JsonBody, QueryParams};
use app::backend::{RequestViewer, Setup};
use app::model::{
    LineInput, ProgrammeView, UnitEditInput, UnitRecordView, UnitsPageView, UnitsQuery, WaveInput,
};
use axum::extract::{Path, State};
use axum::response::Json;
use axum::Extension;
use serde::Deserialize;

use super::{require, ApiError};
use crate::state::AppState;

/// `GET /api/v1/units?parent=CODE` (the children of a unit, the prefecture's by default) or
/// `?q=TEXT` (units whose code starts with, or whose name contains, the text).
pub async fn units(
    State(state): State<AppState>,
    Extension(viewer): Extension<RequestViewer>,
    QueryParams(query): QueryParams<UnitsQuery>,
) -> Result<Json<UnitsPageView>, ApiError> {
    require(&viewer)?;
    Ok(Json(state.views().units_page(&viewer, &query).await?))
}

/// The editable fields of a unit (`PATCH /api/v1/units/{code}`); all replaced.
#[derive(Debug, Deserialize)]
pub struct UnitPatch {
    pub name_zh: String,
    #[serde(default)]
    pub name_pinyin: String,
    #[serde(default)]
    pub name_ii: String,
    #[serde(default)]
    pub valid_from: String,
    #[serde(default)]
    pub valid_to: String,
    #[serde(default)]
    pub successor_code: String,
}

/// `PATCH /api/v1/units/{code}`: corrects a unit's names, dates and successor; 422 with
/// field issues when the input breaks a rule.
pub async fn update_unit(
    State(state): State<AppState>,
    Extension(viewer): Extension<RequestViewer>,
    Path(code): Path<String>,
    JsonBody(patch): JsonBody<UnitPatch>,
) -> Result<Json<UnitRecordView>, ApiError> {
    require(&viewer)?;
    let input = UnitEditInput {
        code,
        name_zh: patch.name_zh,
        name_pinyin: patch.name_pinyin,
        name_ii: patch.name_ii,
        valid_from: patch.valid_from,
        valid_to: patch.valid_to,
        successor_code: patch.successor_code,
    };
    Ok(Json(state.views().update_unit(&viewer, &input).await?))
}

/// `GET /api/v1/programme`: waves, poverty lines and the number of targets.
pub async fn programme(
    State(state): State<AppState>,
    Extension(viewer): Extension<RequestViewer>,
) -> Result<Json<ProgrammeView>, ApiError> {
    require(&viewer)?;
    Ok(Json(state.views().programme(&viewer).await?))
}

/// `POST /api/v1/waves` `{"year": "2025", "start": "", "end": ""}`: opens (or reopens) a wave.
pub async fn open_wave(
    State(state): State<AppState>,
    Extension(viewer): Extension<RequestViewer>,
    JsonBody(input): JsonBody<WaveInput>,
) -> Result<Json<ProgrammeView>, ApiError> {
    require(&viewer)?;
    Ok(Json(state.views().open_wave(&viewer, &input).await?))
}

/// `POST /api/v1/waves/{year}/close`: closes a wave.
pub async fn close_wave(
    State(state): State<AppState>,
    Extension(viewer): Extension<RequestViewer>,
    Path(year): Path<i32>,
) -> Result<Json<ProgrammeView>, ApiError> {
    require(&viewer)?;
    Ok(Json(state.views().close_wave(&viewer, year).await?))
}

/// `PUT /api/v1/lines` `{"scheme": "national", "year": "2025", "yuan": "4000"}`.
pub async fn set_line(
    State(state): State<AppState>,
    Extension(viewer): Extension<RequestViewer>,
    JsonBody(input): JsonBody<LineInput>,
) -> Result<Json<ProgrammeView>, ApiError> {
    require(&viewer)?;
    Ok(Json(state.views().set_line(&viewer, &input).await?))
}

//! Offline field work over the API: the package a device downloads before going where there
//! is no network, and the upload of an outbox file exported by a device (the last resort
//! when the device itself cannot reach the server).

use app::backend::RequestViewer;
use app::model::{OfflinePackage, OutboxFile, OutboxImported};
use axum::extract::{Query, State};
use axum::response::Json;
use axum::Extension;
use serde::Deserialize;

use super::{require, ApiError};
use crate::records::Author;
use crate::state::AppState;

/// The largest outbox file accepted (thousands of surveys).
pub const OUTBOX_LIMIT: usize = 16 * 1024 * 1024;

#[derive(Debug, Deserialize)]
pub struct PackageParams {
    pub wave: Option<String>,
}

/// `GET /api/v1/field/offline?wave=`: the signed-in account's offline package for the wave
/// (the latest when absent).
pub async fn package(
    State(state): State<AppState>,
    Extension(viewer): Extension<RequestViewer>,
    Query(params): Query<PackageParams>,
) -> Result<Json<OfflinePackage>, ApiError> {
    require(&viewer)?;
    let wave = match params.wave.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(text.parse::<i32>().map_err(|_| ApiError::BadParameter {
            field: "wave",
            zh: format!("轮次“{text}”不是年份"),
            en: format!("wave: {text:?} is not a year"),
        })?),
    };
    let package = crate::service::offline::package(&state.views(), &viewer, wave).await?;
    Ok(Json(package))
}

/// `POST /api/v1/outbox/import`: applies an outbox file's items in order (supervisors and
/// administrators), each one saved, replayed or refused with its reasons.
pub async fn import(
    State(state): State<AppState>,
    Extension(viewer): Extension<RequestViewer>,
    Json(file): Json<OutboxFile>,
) -> Result<Json<OutboxImported>, ApiError> {
    let actor = require(&viewer)?;
    let author = Author {
        actor,
        ip: viewer.ip.clone(),
    };
    let done = crate::service::offline::import_outbox(&state.views(), &author, &file).await?;
    Ok(Json(done))
}

//! Offline field work over the API: the package a device downloads before going where there
//! is no network, and the upload of an outbox file exported by a device (the last resort
//! when the device itself cannot reach the server).

use super::body::QueryParams;
use app::backend::RequestViewer;
use app::model::{OfflinePackage, OutboxFile, OutboxImported};
use axum::extract::State;
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
    QueryParams(params): QueryParams<PackageParams>,
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
    body: axum::body::Body,
) -> Result<Json<OutboxImported>, ApiError> {
    let actor = require(&viewer)?;
    if !matches!(actor.role, domain::Role::Admin | domain::Role::Supervisor) {
        return Err(ApiError::Forbidden);
    }
    // Read only once the caller may import at all.
    let bytes = super::body::read_limited(body, OUTBOX_LIMIT).await?;
    let file: OutboxFile = super::body::decode_json(&bytes)?;
    let author = Author {
        actor,
        ip: viewer.ip.clone(),
    };
    let done = crate::service::offline::import_outbox(&state.views(), &author, &file).await?;
    Ok(Json(done))
}

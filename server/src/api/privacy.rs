//! The data inventory and erasures for administrators — the same service as `/admin/privacy`.

use super::body::JsonBody;
use app::backend::{Privacy, RequestViewer};
use app::model::{ErasureDone, ErasureInput, PrivacyView};
use axum::extract::State;
use axum::response::Json;
use axum::Extension;

use super::{require, ApiError};
use crate::state::AppState;

/// `GET /api/v1/privacy`: what personal data Tanhui holds and the households due for erasure.
pub async fn inventory(
    State(state): State<AppState>,
    Extension(viewer): Extension<RequestViewer>,
) -> Result<Json<PrivacyView>, ApiError> {
    require(&viewer)?;
    Ok(Json(state.privacy().privacy(&viewer).await?))
}

/// `POST /api/v1/privacy/erasures` `{"households": [id…]}` or `{"all_due": true, "expected": N}`.
pub async fn erase(
    State(state): State<AppState>,
    Extension(viewer): Extension<RequestViewer>,
    JsonBody(input): JsonBody<ErasureInput>,
) -> Result<Json<ErasureDone>, ApiError> {
    require(&viewer)?;
    Ok(Json(state.privacy().erase(&viewer, &input).await?))
}

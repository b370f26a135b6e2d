//! The JSON API under `/api/v1` (contract in README). Every endpoint establishes who is asking
//! ([`require`]) and checks role and unit scope with `domain::access` before reading anything:
//! anonymous requests get 401, out-of-scope ones 403, and neither carries data.

mod accounts;
pub mod body;
pub mod dashboard;
pub mod doc;
mod error;
pub mod exports;
mod households;
mod imports;
mod indicators;
mod offline;
pub mod params;
mod privacy;
mod routes;
mod setup;

use app::backend::RequestViewer;
use axum::Router;
use domain::Actor;

pub use doc::Documented;

pub use error::ApiError;
pub use indicators::{
    indicator_table, parse_selection, selection_lines, IndicatorParams, Selection,
};

use crate::state::AppState;

/// The JSON API, nested at `/api/v1`.
pub fn router() -> Router<AppState> {
    documented()
        .router
        .fallback(|| async {
            ApiError::NotFound {
                zh: "没有这个接口".into(),
                en: "no such endpoint".into(),
            }
        })
        .layer(axum::middleware::from_fn(body::refuse_anonymous_writes))
}

/// Every route of the API with its description (paths relative to `/api/v1`).
pub fn documented() -> Documented {
    routes::all(Documented::default())
}

/// The largest import file accepted (a CSV of about 100,000 surveys).
pub const IMPORT_LIMIT: usize = 64 * 1024 * 1024;

/// The signed-in actor, or 401; 403 while a one-time password has not been replaced (the
/// session may then only change it, see who it is, and sign out).
pub fn require(viewer: &RequestViewer) -> Result<&Actor, ApiError> {
    let actor = viewer.actor.as_ref().ok_or(ApiError::Unauthenticated)?;
    match (viewer.must_change_password, viewer.must_enrol_second_factor) {
        (true, _) => Err(ApiError::PasswordChangeRequired),
        (_, true) => Err(ApiError::SecondFactorRequired),
        _ => Ok(actor),
    }
}

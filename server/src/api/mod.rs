//! The JSON API under `/api/v1` (contract in README). Every endpoint establishes who is asking
//! ([`require`]) and checks role and unit scope with `domain::access` before reading anything:
//! anonymous requests get 401, out-of-scope ones 403, and neither carries data.

mod accounts;
pub mod dashboard;
mod error;
pub mod exports;
mod households;
mod imports;
mod indicators;
pub mod params;
mod setup;

use app::backend::RequestViewer;
use axum::routing::{delete, get, patch, post, put};
use axum::Router;
use domain::Actor;

pub use error::ApiError;
pub use indicators::{
    indicator_table, parse_selection, selection_lines, IndicatorParams, Selection,
};

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/catalogue", get(indicators::catalogue))
        .route("/indicators", get(indicators::indicators))
        .route("/indicators/{id}/explain", get(indicators::explain))
        .route("/me", get(accounts::me))
        .route(
            "/tokens",
            get(accounts::tokens).post(accounts::create_token),
        )
        .route("/tokens/{id}", delete(accounts::revoke_token))
        .route("/audit", get(accounts::audit))
        .route("/users", get(accounts::users))
        .route(
            "/households",
            get(households::list).post(households::register),
        )
        .route(
            "/households/{id}",
            get(households::detail).patch(households::correct),
        )
        .route(
            "/households/{id}/surveys/{wave}",
            get(households::survey).put(households::save_survey),
        )
        .route("/surveys/{id}/review", post(households::review))
        .route("/import/{kind}/{file}", get(imports::template))
        .route(
            "/import/{kind}",
            post(imports::import).layer(axum::extract::DefaultBodyLimit::max(IMPORT_LIMIT)),
        )
        .route("/units", get(setup::units))
        .route("/units/{code}", patch(setup::update_unit))
        .route("/programme", get(setup::programme))
        .route("/waves", post(setup::open_wave))
        .route("/waves/{year}/close", post(setup::close_wave))
        .route("/lines", put(setup::set_line))
        .route("/export/indicators", get(exports::indicators))
        .route("/charts/{file}", get(dashboard::chart_svg))
        .route("/at-risk.csv", get(dashboard::at_risk_csv))
        .route("/export/microdata/{file}", get(exports::microdata))
        .fallback(|| async {
            ApiError::NotFound {
                zh: "没有这个接口".into(),
                en: "no such endpoint".into(),
            }
        })
}

/// The largest import file accepted (a CSV of about 100,000 surveys).
pub const IMPORT_LIMIT: usize = 64 * 1024 * 1024;

/// The signed-in actor, or 401; 403 while a one-time password has not been replaced (the
/// session may then only change it, see who it is, and sign out).
pub fn require(viewer: &RequestViewer) -> Result<&Actor, ApiError> {
    let actor = viewer.actor.as_ref().ok_or(ApiError::Unauthenticated)?;
    match viewer.must_change_password {
        true => Err(ApiError::PasswordChangeRequired),
        false => Ok(actor),
    }
}

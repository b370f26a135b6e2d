//! The JSON API under `/api/v1` (contract in README). Every endpoint establishes who is asking
//! ([`require`]) and checks role and unit scope with `domain::access` before reading anything:
//! anonymous requests get 401, out-of-scope ones 403, and neither carries data.

mod accounts;
pub mod dashboard;
pub mod exports;
mod households;
mod imports;
mod indicators;

use app::backend::{BackendError, RequestViewer};
use app::model::FieldIssue;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{delete, get, post};
use axum::Router;
use domain::{Actor, UnitCode};
use serde_json::json;

pub use indicators::{indicator_table, parse_selection, IndicatorParams, Selection};

use crate::http::AppState;
use crate::storage::StorageError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/catalogue", get(indicators::catalogue))
        .route("/indicators", get(indicators::indicators))
        .route("/indicators/{id}/explain", get(indicators::explain))
        .route(
            "/session",
            post(crate::auth::handlers::login_json).delete(crate::auth::handlers::logout_json),
        )
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
        .route("/households/{id}", get(households::detail))
        .route(
            "/households/{id}/surveys/{wave}",
            get(households::survey).put(households::save_survey),
        )
        .route("/surveys/{id}/review", post(households::review))
        .route("/import/surveys/template.csv", get(imports::template))
        .route("/import/surveys/template.xlsx", get(imports::template_xlsx))
        .route(
            "/import/surveys",
            post(imports::surveys).layer(axum::extract::DefaultBodyLimit::max(IMPORT_LIMIT)),
        )
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

/// The prefecture every deployment monitors (Liangshan).
pub fn prefecture() -> UnitCode {
    UnitCode::parse("513400").unwrap_or_else(|_| unreachable!("a valid constant code"))
}

/// The signed-in actor, or 401; 403 while a one-time password has not been replaced (the
/// session may then only change it, see who it is, and sign out).
pub fn require(viewer: &RequestViewer) -> Result<&Actor, ApiError> {
    let actor = viewer.actor.as_ref().ok_or(ApiError::Unauthenticated)?;
    match viewer.must_change_password {
        true => Err(ApiError::PasswordChangeRequired),
        false => Ok(actor),
    }
}

/// What went wrong, as the client sees it.
#[derive(Debug)]
pub enum ApiError {
    /// A query parameter is malformed: 400, naming the parameter.
    BadParameter {
        field: &'static str,
        zh: String,
        en: String,
    },
    /// A body breaks rules: 422 with every field issue.
    Invalid(Vec<FieldIssue>),
    /// Only warnings, on a submission that did not confirm them: 422, `confirm_warnings`.
    Unconfirmed(Vec<FieldIssue>),
    /// No (valid) credentials: 401.
    Unauthenticated,
    /// Signed in, but this is outside the account's role or scope: 403.
    Forbidden,
    /// Signed in with a one-time password that must be changed first: 403.
    PasswordChangeRequired,
    NotFound {
        zh: String,
        en: String,
    },
    /// The record changed since the client read it: 409.
    Conflict {
        zh: String,
        en: String,
    },
    /// Logged where it happens; the client gets a generic message.
    Internal,
}

impl From<StorageError> for ApiError {
    fn from(err: StorageError) -> Self {
        tracing::error!(%err, "API request failed in storage");
        ApiError::Internal
    }
}

impl From<BackendError> for ApiError {
    fn from(err: BackendError) -> Self {
        match err {
            // Logged by the backend already.
            BackendError::Storage(_) => ApiError::Internal,
            BackendError::Invalid(issues) => ApiError::Invalid(issues),
            BackendError::NotFound => ApiError::NotFound {
                zh: "没有找到".into(),
                en: "not found".into(),
            },
            BackendError::Forbidden => ApiError::Forbidden,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, body) = match self {
            ApiError::BadParameter { field, zh, en } => (
                StatusCode::BAD_REQUEST,
                json!({ "error": "invalid_parameter", "field": field, "message": zh, "message_en": en }),
            ),
            ApiError::Unconfirmed(issues) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({
                    "error": "confirm_warnings",
                    "message": "请确认以下提示后再提交（confirm_warnings: true）",
                    "message_en": "confirm these warnings to submit (confirm_warnings: true)",
                    "issues": issues,
                }),
            ),
            ApiError::Invalid(issues) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({
                    "error": "invalid",
                    "message": issues.first().map(|i| i.zh.clone()).unwrap_or_default(),
                    "message_en": issues.first().map(|i| i.en.clone()).unwrap_or_default(),
                    "issues": issues,
                }),
            ),
            ApiError::Unauthenticated => (
                StatusCode::UNAUTHORIZED,
                json!({ "error": "unauthenticated", "message": "请先登录", "message_en": "sign in first" }),
            ),
            ApiError::Forbidden => (
                StatusCode::FORBIDDEN,
                json!({ "error": "forbidden", "message": "您的账号无权访问此数据", "message_en": "your account may not access this" }),
            ),
            ApiError::PasswordChangeRequired => (
                StatusCode::FORBIDDEN,
                json!({ "error": "password_change_required", "message": "请先修改一次性密码（我的账户页面）", "message_en": "change your one-time password first (My account)" }),
            ),
            ApiError::NotFound { zh, en } => (
                StatusCode::NOT_FOUND,
                json!({ "error": "not_found", "message": zh, "message_en": en }),
            ),
            ApiError::Conflict { zh, en } => (
                StatusCode::CONFLICT,
                json!({ "error": "conflict", "message": zh, "message_en": en }),
            ),
            ApiError::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                json!({ "error": "internal", "message": "服务器内部错误，请稍后重试", "message_en": "internal error, try again later" }),
            ),
        };
        (status, Json(body)).into_response()
    }
}

//! The JSON API's one error type: every handler returns it, and it becomes the status code and
//! the bilingual `{ "error", "message", "message_en" }` body clients read.

use app::backend::BackendError;
use app::model::FieldIssue;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use serde_json::json;

use crate::storage::StorageError;

/// What went wrong, as the client sees it.
#[derive(Debug)]
pub enum ApiError {
    /// A query parameter is malformed: 400, naming the parameter.
    BadParameter {
        field: &'static str,
        zh: String,
        en: String,
    },
    /// A body or query string that cannot be read as the endpoint's type: its status (400,
    /// 413, 415 or 422), a stable code, and what is wrong.
    BadBody {
        status: StatusCode,
        error: &'static str,
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
    /// The account's role signs in with a second factor and it has none yet (403).
    SecondFactorRequired,
    /// A read-only API token sent a request that is not a read (403).
    ReadOnlyToken,
    /// The API token is past its expiry (401).
    TokenExpired,
    NotFound {
        zh: String,
        en: String,
    },
    /// The record changed since the client read it: 409.
    Conflict {
        zh: String,
        en: String,
    },
    /// Every slot for this kind of work is taken: 503 with `Retry-After`, nothing done.
    Busy {
        zh: String,
        en: String,
        retry_after_s: u32,
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
            ApiError::BadBody {
                status,
                error,
                zh,
                en,
            } => (
                status,
                json!({ "error": error, "message": zh, "message_en": en }),
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
            ApiError::ReadOnlyToken => (
                StatusCode::FORBIDDEN,
                json!({ "error": "read_only_token", "message": "这是只读令牌：只能读取（GET），不能修改数据", "message_en": "this token is read-only: it may only read (GET)" }),
            ),
            ApiError::TokenExpired => (
                StatusCode::UNAUTHORIZED,
                json!({ "error": "token_expired", "message": "令牌已过期，请在“我的账户”页面新建一个", "message_en": "the token has expired: make a new one on your account page" }),
            ),
            ApiError::SecondFactorRequired => (
                StatusCode::FORBIDDEN,
                json!({ "error": "second_factor_required", "message": "请先在“我的账户”页面启用两步验证", "message_en": "set up two-step verification first (My account)" }),
            ),
            ApiError::NotFound { zh, en } => (
                StatusCode::NOT_FOUND,
                json!({ "error": "not_found", "message": zh, "message_en": en }),
            ),
            ApiError::Conflict { zh, en } => (
                StatusCode::CONFLICT,
                json!({ "error": "conflict", "message": zh, "message_en": en }),
            ),
            ApiError::Busy {
                zh,
                en,
                retry_after_s,
            } => {
                let body = json!({ "error": "busy", "message": zh, "message_en": en });
                let mut response = (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response();
                response.headers_mut().insert(
                    axum::http::header::RETRY_AFTER,
                    axum::http::HeaderValue::from(retry_after_s),
                );
                return response;
            }
            ApiError::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                json!({ "error": "internal", "message": "服务器内部错误，请稍后重试", "message_en": "internal error, try again later" }),
            ),
        };
        (status, Json(body)).into_response()
    }
}

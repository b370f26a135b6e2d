//! What a server function fails with, as a type: the page says it in the reader's language,
//! field issues stay attached to their fields, and the HTTP status follows from the kind.
//!
//! On the wire an error is one JSON object, `{"error": kind, "zh": …, "en": …, "issues": […]}`,
//! so that a script calling `/sfn/…` reads the same words a page shows.

use domain::{Both, Localized};
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

use crate::model::FieldIssue;

/// Why a server function did not answer with its value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(into = "Wire", from = "Wire")]
pub enum AppError {
    /// No session or token (401).
    Unauthenticated,
    /// Signed in with a one-time password that must be replaced first (403).
    PasswordChangeRequired,
    /// The account's role signs in with a second factor, and it has none yet: it must enrol
    /// an authenticator on its account page first (403).
    SecondFactorRequired,
    /// Outside the account's role or scope (403), with no data.
    Forbidden,
    /// Nothing by that name (404).
    NotFound,
    /// The input breaks rules; each issue names its field (400).
    Invalid(Vec<FieldIssue>),
    /// The request could not even be read: arguments missing or of the wrong type (400).
    BadRequest(Both),
    /// Someone else changed the record first; reload and try again (409).
    Conflict(Both),
    /// The database does not answer; nothing was done (503).
    Unavailable,
    /// The call did not go through (network, encoding): what the transport said.
    Failed(Both),
}

impl AppError {
    /// The stable code of the kind, as sent in `error`.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated => "unauthenticated",
            AppError::PasswordChangeRequired => "password_change_required",
            AppError::SecondFactorRequired => "second_factor_required",
            AppError::Forbidden => "forbidden",
            AppError::NotFound => "not_found",
            AppError::Invalid(_) => "invalid",
            AppError::BadRequest(_) => "bad_request",
            AppError::Conflict(_) => "conflict",
            AppError::Unavailable => "unavailable",
            AppError::Failed(_) => "failed",
        }
    }

    /// The HTTP status the server answers with.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthenticated => 401,
            AppError::PasswordChangeRequired
            | AppError::SecondFactorRequired
            | AppError::Forbidden => 403,
            AppError::NotFound => 404,
            AppError::Invalid(_) | AppError::BadRequest(_) => 400,
            AppError::Conflict(_) => 409,
            AppError::Unavailable => 503,
            AppError::Failed(_) => 500,
        }
    }

    /// One field issue as an error.
    pub fn invalid(path: &str, rule: &str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        AppError::Invalid(vec![FieldIssue::error(path, rule, zh, en)])
    }

    /// The message in both languages; several field issues are joined, each in one language.
    pub fn message(&self) -> Both {
        let fixed = |zh: &str, en: &str| Both::new(zh, en);
        match self {
            AppError::Unauthenticated => fixed("请先登录", "sign in first"),
            AppError::PasswordChangeRequired => {
                fixed("请先修改一次性密码", "change your one-time password first")
            }
            AppError::SecondFactorRequired => fixed(
                "请先在“我的账号”页启用两步验证",
                "set up two-step verification on your account page first",
            ),
            AppError::Forbidden => {
                fixed("您的账号无权访问此数据", "your account may not access this")
            }
            AppError::NotFound => fixed("没有找到", "not found"),
            AppError::Invalid(issues) => Both::new(
                issues
                    .iter()
                    .map(|i| i.zh.as_str())
                    .collect::<Vec<_>>()
                    .join("；"),
                issues
                    .iter()
                    .map(|i| i.en.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            AppError::BadRequest(text) | AppError::Conflict(text) | AppError::Failed(text) => {
                text.clone()
            }
            AppError::Unavailable => fixed(
                "数据库暂时不可用，请稍后重试",
                "the database is unavailable, try again later",
            ),
        }
    }
}

impl Localized for AppError {
    fn zh(&self) -> String {
        self.message().zh
    }
    fn en(&self) -> String {
        self.message().en
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = self.message();
        write!(f, "{} / {}", text.zh, text.en)
    }
}

impl std::error::Error for AppError {}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(detail)
            | ServerFnErrorErr::Deserialization(detail)
            | ServerFnErrorErr::MissingArg(detail) => AppError::BadRequest(Both::new(
                format!("请求参数有误：{detail}"),
                format!("bad arguments: {detail}"),
            )),
            other => {
                let detail = other.to_string();
                AppError::Failed(Both::new(
                    format!("请求未完成：{detail}"),
                    format!("the request failed: {detail}"),
                ))
            }
        }
    }
}

/// The error's form on the wire.
#[derive(Serialize, Deserialize)]
struct Wire {
    error: String,
    zh: String,
    en: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    issues: Vec<FieldIssue>,
}

impl From<AppError> for Wire {
    fn from(error: AppError) -> Wire {
        let text = error.message();
        Wire {
            error: error.code().to_owned(),
            zh: text.zh,
            en: text.en,
            issues: match error {
                AppError::Invalid(issues) => issues,
                _ => Vec::new(),
            },
        }
    }
}

impl From<Wire> for AppError {
    fn from(wire: Wire) -> AppError {
        let text = Both::new(wire.zh, wire.en);
        match wire.error.as_str() {
            "unauthenticated" => AppError::Unauthenticated,
            "password_change_required" => AppError::PasswordChangeRequired,
            "second_factor_required" => AppError::SecondFactorRequired,
            "forbidden" => AppError::Forbidden,
            "not_found" => AppError::NotFound,
            "invalid" => AppError::Invalid(wire.issues),
            "bad_request" => AppError::BadRequest(text),
            "conflict" => AppError::Conflict(text),
            "unavailable" => AppError::Unavailable,
            _ => AppError::Failed(text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::Lang;

    fn three_issues() -> AppError {
        AppError::Invalid(vec![
            FieldIssue::error(
                "unit",
                "query",
                "行政区划代码有误",
                "the unit code is malformed",
            ),
            FieldIssue::error(
                "wave",
                "query",
                "没有 1900 年的调查轮次",
                "there is no 1900 wave",
            ),
            FieldIssue::error(
                "reason",
                "query",
                "没有这种风险类型",
                "there is no such risk type",
            ),
        ])
    }

    #[test]
    fn several_issues_read_wholly_in_one_language() {
        let error = three_issues();
        let en = error.in_lang(Lang::En);
        assert_eq!(
            en,
            "the unit code is malformed; there is no 1900 wave; there is no such risk type"
        );
        assert!(!en.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)));
        assert_eq!(
            error.in_lang(Lang::Zh),
            "行政区划代码有误；没有 1900 年的调查轮次；没有这种风险类型"
        );
    }

    #[test]
    fn every_kind_survives_the_wire() {
        let text = Both::new("中文", "English");
        for error in [
            AppError::Unauthenticated,
            AppError::PasswordChangeRequired,
            AppError::SecondFactorRequired,
            AppError::Forbidden,
            AppError::NotFound,
            three_issues(),
            AppError::BadRequest(text.clone()),
            AppError::Conflict(text.clone()),
            AppError::Unavailable,
            AppError::Failed(text),
        ] {
            let json = serde_json::to_string(&error).expect("serialise");
            assert!(
                json.starts_with(&format!("{{\"error\":\"{}\"", error.code())),
                "{json}"
            );
            let back: AppError = serde_json::from_str(&json).expect("deserialise");
            assert_eq!(back, error);
        }
    }

    #[test]
    fn undecodable_arguments_are_a_bad_request() {
        let error = AppError::from_server_fn_error(ServerFnErrorErr::Args("wave".into()));
        assert_eq!(error.status(), 400);
        assert_eq!(error.code(), "bad_request");
    }
}

//! How the API reads what a client sends: JSON bodies and query strings whose mistakes answer
//! in the API's own `{error, message, message_en}` shape (axum's rejections are plain text),
//! large bodies read only after the caller is known to be allowed to send them, no body at all
//! from an anonymous caller of an endpoint that changes something, and no text holding NUL
//! (PostgreSQL refuses it in any text value: it was a 500), refused naming its field.

use app::backend::RequestViewer;
use app::model::FieldIssue;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use super::ApiError;

/// A JSON body, or a 400/413/415/422 that says what is wrong with it. The content type is
/// checked here, before the body is read; axum's `Json` then only decodes the bytes.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(ApiError::BadBody {
                status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
                error: "content_type",
                zh: "请求体须为 JSON（Content-Type: application/json）".into(),
                en: "the body must be JSON (Content-Type: application/json)".into(),
            });
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|rejection| body_unreadable(rejection.status()))?;
        if let Some(field) = nul_in_json(&bytes) {
            return Err(ApiError::Invalid(vec![nul_issue(&field)]));
        }
        match axum::Json::<T>::from_bytes(&bytes) {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(json_rejection(&rejection)),
        }
    }
}

/// `application/json`, or any `…+json` type.
fn is_json(headers: &axum::http::HeaderMap) -> bool {
    let Some(Ok(value)) = headers
        .get(axum::http::header::CONTENT_TYPE)
        .map(|v| v.to_str())
    else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim();
    let essence = essence.to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// A query string, or a 400 that says what is wrong with it.
pub struct QueryParams<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for QueryParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Self(value)),
            Err(rejection) => Err(query_rejection(&rejection)),
        }
    }
}

fn json_rejection(rejection: &JsonRejection) -> ApiError {
    let detail = serde_detail(&rejection.body_text());
    match rejection {
        JsonRejection::JsonDataError(_) => undecodable(true, &detail),
        JsonRejection::JsonSyntaxError(_) => undecodable(false, &detail),
        other => body_unreadable(other.status()),
    }
}

/// JSON that does not fit the endpoint's type (`fields`: 422) or is not JSON at all (400).
fn undecodable(fields: bool, detail: &str) -> ApiError {
    match fields {
        true => ApiError::BadBody {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            error: "invalid_body",
            zh: format!("请求体的字段不符合接口说明：{detail}"),
            en: format!("the body's fields do not match the API: {detail}"),
        },
        false => ApiError::BadBody {
            status: StatusCode::BAD_REQUEST,
            error: "malformed_body",
            zh: format!("请求体不是有效的 JSON：{detail}"),
            en: format!("the body is not valid JSON: {detail}"),
        },
    }
}

fn query_rejection(rejection: &QueryRejection) -> ApiError {
    let detail = serde_detail(&rejection.body_text());
    ApiError::BadBody {
        status: StatusCode::BAD_REQUEST,
        error: "invalid_parameter",
        zh: format!("查询参数有误：{detail}"),
        en: format!("a query parameter is wrong: {detail}"),
    }
}

/// serde's own words without axum's preamble ("Failed to deserialize …: ").
fn serde_detail(text: &str) -> String {
    let detail = text.split_once(": ").map_or(text, |(_, rest)| rest);
    detail.chars().take(300).collect()
}

/// A body that could not be read: too large (413), or cut off (400).
fn body_unreadable(status: StatusCode) -> ApiError {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::BadBody {
            status,
            error: "too_large",
            zh: "请求体太大".into(),
            en: "the body is too large".into(),
        },
        _ => ApiError::BadBody {
            status: StatusCode::BAD_REQUEST,
            error: "unreadable_body",
            zh: "请求体没有读完（连接中断？）".into(),
            en: "the body could not be read (connection cut?)".into(),
        },
    }
}

/// Reads a body of at most `limit` bytes — called by a handler once it has checked who is
/// sending it, so that nobody else's upload is ever held in memory.
pub async fn read_limited(
    body: axum::body::Body,
    limit: usize,
) -> Result<axum::body::Bytes, ApiError> {
    use http_body_util::BodyExt;
    match http_body_util::Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(err) => Err(match err.is::<http_body_util::LengthLimitError>() {
            true => ApiError::BadBody {
                status: StatusCode::PAYLOAD_TOO_LARGE,
                error: "too_large",
                zh: format!("文件超过 {} MB", limit >> 20),
                en: format!("the file is larger than {} MB", limit >> 20),
            },
            false => body_unreadable(StatusCode::BAD_REQUEST),
        }),
    }
}

/// A JSON document read by [`read_limited`], decoded with the same errors as [`JsonBody`].
pub fn decode_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if let Some(field) = nul_in_json(bytes) {
        return Err(ApiError::Invalid(vec![nul_issue(&field)]));
    }
    serde_json::from_slice(bytes).map_err(|err| {
        let detail: String = err.to_string().chars().take(300).collect();
        undecodable(err.classify() == serde_json::error::Category::Data, &detail)
    })
}

/// Middleware on the API: a request that would change something (any method but GET, HEAD
/// and OPTIONS) from nobody signed in is answered 401 before a byte of its body is read.
pub async fn refuse_anonymous_writes(req: Request, next: Next) -> Response {
    let reads = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let anonymous = req
        .extensions()
        .get::<RequestViewer>()
        .is_none_or(|viewer| viewer.actor.is_none());
    match !reads && anonymous {
        true => ApiError::Unauthenticated.into_response(),
        false => next.run(req).await,
    }
}

/// The issue for a field holding NUL.
pub fn nul_issue(field: &str) -> FieldIssue {
    FieldIssue::error(
        field,
        "control_character",
        format!("“{field}”含有不可见的控制字符（NUL），请删除后重试"),
        format!("{field}: contains an invisible control character (NUL); remove it and retry"),
    )
}

/// The first field of a JSON document whose key or text holds NUL (`members[0].sex`), or
/// `None`. JSON can only carry NUL escaped, so documents without `\u0000` are not parsed.
pub fn nul_in_json(bytes: &[u8]) -> Option<String> {
    let escaped = bytes
        .windows(6)
        .any(|w| w[0] == b'\\' && w[1] == b'u' && w[2..].iter().all(|b| *b == b'0'));
    if !escaped {
        return None;
    }
    let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    find_nul(&value, String::new())
}

fn find_nul(value: &serde_json::Value, path: String) -> Option<String> {
    match value {
        serde_json::Value::String(text) if text.contains('\0') => Some(match path.as_str() {
            "" => "body".to_owned(),
            _ => path,
        }),
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| find_nul(item, format!("{path}[{i}]"))),
        serde_json::Value::Object(fields) => fields.iter().find_map(|(key, item)| {
            let key = key.replace('\0', "\\0");
            let here = match path.as_str() {
                "" => key,
                _ => format!("{path}.{key}"),
            };
            match here.contains("\\0") {
                true => Some(here),
                false => find_nul(item, here),
            }
        }),
        _ => None,
    }
}

/// The first field of a URL-encoded form whose name or value holds NUL (`%00`).
pub fn nul_in_form(bytes: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(bytes).ok()?;
    text.split('&').find_map(|pair| {
        let has_nul = pair.as_bytes().windows(3).any(|w| w == b"%00") || pair.contains('\0');
        has_nul.then(|| {
            let name = pair.split('=').next().unwrap_or_default();
            let name = name.replace("%00", "").replace('+', " ");
            match name.as_str() {
                "" => "form".to_owned(),
                _ => percent_decode(&name),
            }
        })
    })
}

/// `%5B` → `[` for the field names a form sends (`input[registry_no]`).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_is_found_with_its_field() {
        assert_eq!(nul_in_json(br#"{"a":"x"}"#), None);
        assert_eq!(
            nul_in_json(br#"{"a":"x\\u0000"}"#),
            None,
            "an escaped backslash"
        );
        assert_eq!(
            nul_in_json(br#"{"answers":{"members":[{"sex":"m"},{"sex":"f\u0000"}]}}"#),
            Some("answers.members[1].sex".into())
        );
        assert_eq!(nul_in_json(br#""\u0000""#), Some("body".into()));
        assert_eq!(
            nul_in_form(b"username=ad%00min&password=x"),
            Some("username".into())
        );
        assert_eq!(
            nul_in_form(b"id=1&input%5Bhead_name%5D=a%00"),
            Some("input[head_name]".into())
        );
        assert_eq!(nul_in_form(b"note=100%25&x=%2500"), None);
    }
}

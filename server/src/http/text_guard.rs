//! Text no field may hold: the NUL character. PostgreSQL refuses it in any text value (SQLite
//! stores it and cuts strings at it elsewhere), so a single `\u0000` typed into a name, or sent
//! to sign-in, was a 500 on one backend and a silent truncation on the other. It is refused at
//! the door instead, naming the field: here for form posts (sign-in, server functions), in
//! `api::body` (which also finds the field) for JSON bodies, and in the importers' file reader
//! for CSV and XLSX.

use app::error::AppError;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;

/// The most a form post may carry: a server function's arguments are a few kilobytes, a
/// survey's answers a few tens.
pub const FORM_LIMIT: usize = 4 * 1024 * 1024;

/// Middleware: a URL-encoded post (the sign-in form, server functions) holding NUL in any
/// field is answered 400 naming the field, before anything reads it.
pub async fn refuse_nul_in_forms(req: Request, next: Next) -> Response {
    let form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let bytes = match http_body_util::Limited::new(body, FORM_LIMIT)
        .collect()
        .await
    {
        Ok(collected) => collected.to_bytes(),
        Err(err) => {
            let status = match err.is::<http_body_util::LengthLimitError>() {
                true => StatusCode::PAYLOAD_TOO_LARGE,
                false => StatusCode::BAD_REQUEST,
            };
            let error = AppError::BadRequest(domain::Both::new(
                "请求体太大或没有读完",
                "the body is too large, or could not be read",
            ));
            return refusal(status, &error);
        }
    };
    if let Some(field) = crate::api::body::nul_in_form(&bytes) {
        let error = AppError::Invalid(vec![crate::api::body::nul_issue(&field)]);
        return refusal(StatusCode::BAD_REQUEST, &error);
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// A server function's error on the wire (what its page reads), or the sign-in form's.
fn refusal(status: StatusCode, error: &AppError) -> Response {
    let body = serde_json::to_string(error).unwrap_or_default();
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

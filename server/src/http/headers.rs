//! Security headers on every response. Pages set their own Content-Security-Policy with the
//! per-request nonce of the hydration script (`app::shell`); everything else gets a policy
//! that allows nothing to run.

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// The policy of responses that are not pages (JSON, files, errors).
pub const STRICT_CSP: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    // The bundle's files are public and say how to cache them; everything else may be private
    // to the signed-in reader and must not outlive the session in a cache (or in the
    // back/forward cache after sign-out).
    let cacheable = response
        .extensions()
        .get::<super::static_files::PublicFile>()
        .is_some();
    let headers = response.headers_mut();
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    // Ignored by browsers over plain HTTP; behind HTTPS it keeps them there.
    headers.insert(
        header::STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static("max-age=31536000"),
    );
    headers.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(STRICT_CSP),
        );
    }
    if !cacheable {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

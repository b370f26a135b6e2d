//! Cross-site request forgery protection for every state-changing request (POST, PUT, PATCH,
//! DELETE), by fetch metadata and origin checks: a browser always says where a request comes
//! from, and only this site's own pages may change anything with the session cookie.
//! Requests authenticated by an API token alone carry no ambient credential and pass.

use axum::extract::Request;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Json, Response};
use serde_json::json;

use super::authenticate::{bearer, cookie};
use crate::auth::SESSION_COOKIE;

/// Why a request is refused, or `None` when it may proceed. `authority` is the request
/// URI's authority, which stands in for `Host` on HTTP/2.
pub fn refusal(
    method: &Method,
    headers: &HeaderMap,
    authority: Option<&str>,
) -> Option<&'static str> {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return None;
    }
    if bearer(headers).is_some() && cookie(headers, SESSION_COOKIE).is_none() {
        return None;
    }
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    match text("sec-fetch-site") {
        Some("same-origin" | "none") => return None,
        Some(_) => return Some("cross-site request (Sec-Fetch-Site)"),
        None => {}
    }
    let Some(host) = text(header::HOST.as_str()).or(authority) else {
        return Some("no Host on a state-changing request");
    };
    match text(header::ORIGIN.as_str()) {
        None => Some("no Origin header on a state-changing request"),
        Some(origin) => {
            let origin_host = origin
                .split_once("://")
                .map_or(origin, |(_, rest)| rest)
                .trim_end_matches('/');
            (origin_host != host).then_some("Origin does not match Host")
        }
    }
}

pub async fn verify_origin(req: Request, next: Next) -> Response {
    let authority = req.uri().authority().map(|a| a.as_str().to_owned());
    if let Some(reason) = refusal(req.method(), req.headers(), authority.as_deref()) {
        tracing::warn!(reason, path = %req.uri().path(), "refused a possible cross-site request");
        return (
            StatusCode::FORBIDDEN,
            Json(json!({
                "error": "csrf",
                "message": "请求来源无法验证，已拒绝。请从本系统页面重新操作。",
                "message_en": "the request's origin could not be verified; retry from Tanhui's own page",
            })),
        )
            .into_response();
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_static(v));
        }
        map
    }

    #[test]
    fn same_origin_posts_pass_and_cross_site_ones_do_not() {
        let post = Method::POST;
        let cookie = ("cookie", "tanhui_session=x");
        assert_eq!(refusal(&Method::GET, &headers(&[cookie]), None), None);
        assert_eq!(
            refusal(
                &post,
                &headers(&[cookie, ("sec-fetch-site", "same-origin")]),
                None
            ),
            None
        );
        assert!(refusal(
            &post,
            &headers(&[cookie, ("sec-fetch-site", "cross-site")]),
            None
        )
        .is_some());
        assert!(refusal(
            &post,
            &headers(&[cookie, ("sec-fetch-site", "same-site")]),
            None
        )
        .is_some());
        assert_eq!(
            refusal(
                &post,
                &headers(&[
                    cookie,
                    ("host", "tanhui.example:3000"),
                    ("origin", "http://tanhui.example:3000")
                ]),
                None
            ),
            None
        );
        assert!(refusal(
            &post,
            &headers(&[
                cookie,
                ("host", "tanhui.example"),
                ("origin", "https://evil.example")
            ]),
            None
        )
        .is_some());
        assert!(refusal(&post, &headers(&[cookie, ("host", "tanhui.example")]), None).is_some());
        assert!(refusal(
            &post,
            &headers(&[cookie, ("origin", "https://x.example")]),
            None
        )
        .is_some());
        assert_eq!(
            refusal(
                &post,
                &headers(&[cookie, ("origin", "https://x.example")]),
                Some("x.example")
            ),
            None,
            "HTTP/2: the authority stands in for Host"
        );
        // A token is not sent by browsers on their own: no forgery possible.
        assert_eq!(
            refusal(&post, &headers(&[("authorization", "Bearer thk_1")]), None),
            None
        );
        assert!(refusal(
            &post,
            &headers(&[("authorization", "Bearer thk_1"), cookie]),
            None
        )
        .is_some());
    }
}

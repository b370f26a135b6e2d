//! Request middleware: establish who is asking ([`authenticate`]), keep pages behind sign-in
//! ([`page_guard`]).

use app::backend::RequestViewer;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::api::ApiError;
use crate::auth::{secret, SESSION_COOKIE};
use crate::state::AppState;

/// The value of cookie `name`, if the request carries it.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
        .filter(|value| !value.is_empty())
}

/// The token of an `Authorization: Bearer …` header.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// Resolves the session cookie or bearer token into a [`RequestViewer`] in the request's
/// extensions. A bad bearer token is refused at once (401); a stale cookie is removed and the
/// request continues anonymously (pages then ask to sign in).
pub async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    // The client as `observe` established it: behind a trusted proxy, the forwarded address.
    let ip = req
        .extensions()
        .get::<super::observe::RequestContext>()
        .and_then(|context| context.client)
        .map(|ip| ip.to_string());
    let mut viewer = RequestViewer {
        ip,
        ..RequestViewer::default()
    };
    let mut stale_cookie = false;
    if let Some(token) = bearer(req.headers()) {
        match crate::auth::token_user(&state.store, token).await {
            Ok(crate::auth::TokenCheck::Live { user, read_only }) => {
                // A read-only token reads: anything else is refused before any handler runs.
                let reads = matches!(*req.method(), Method::GET | Method::HEAD);
                if read_only && !reads {
                    return ApiError::ReadOnlyToken.into_response();
                }
                viewer.second_factor_required = state.auth.two_factor_roles.contains(&user.role);
                viewer.actor = Some(user.actor());
                viewer.via_token = true;
            }
            Ok(crate::auth::TokenCheck::Expired) => return ApiError::TokenExpired.into_response(),
            Ok(crate::auth::TokenCheck::Refused) => {
                return ApiError::Unauthenticated.into_response()
            }
            Err(err) => return ApiError::from(err).into_response(),
        }
    } else if let Some(token) = cookie(req.headers(), SESSION_COOKIE) {
        match crate::auth::session(&state.store, &state.auth, token).await {
            Ok(Some(session)) => {
                viewer.must_change_password = session.user.must_change_password;
                viewer.second_factor_required =
                    state.auth.two_factor_roles.contains(&session.user.role);
                viewer.must_enrol_second_factor =
                    viewer.second_factor_required && !session.user.second_factor;
                viewer.actor = Some(session.user.actor());
                viewer.session_hash = Some(secret::digest(token));
            }
            Ok(None) => stale_cookie = true,
            Err(err) => return ApiError::from(err).into_response(),
        }
    }
    req.extensions_mut().insert(viewer);
    let mut response = next.run(req).await;
    if stale_cookie {
        if let Ok(value) = HeaderValue::from_str(&state.auth.clear_cookie()) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// Percent-encodes a path and query for a `next=` parameter.
pub fn encode_component(text: &str) -> String {
    app::format::percent_encode(text, b"/")
}

/// Only a local path may be a redirect target after sign-in: it starts with one `/`, and has
/// no backslash, whitespace or control character anywhere (browsers drop tabs and newlines
/// and read `\` as `/`, which would turn `/\t/evil.example` into `//evil.example`).
pub fn safe_next(next: Option<&str>) -> String {
    let local = |path: &str| {
        path.starts_with('/')
            && !path.starts_with("//")
            && !path
                .chars()
                .any(|c| c == '\\' || c.is_whitespace() || c.is_control())
    };
    match next {
        Some(path) if local(path) => path.to_owned(),
        _ => "/".to_owned(),
    }
}

/// Pages need a signed-in account: anonymous readers are sent to the sign-in page (and back
/// afterwards), administrators' pages answer 403 to everyone else, and an account with a
/// one-time password is sent to change it first. Server functions check for themselves.
pub async fn page_guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    // Not pages: they answer 401/403 themselves, or are public.
    let exempt = ["/sfn/", "/api/"]
        .iter()
        .any(|prefix| path.starts_with(prefix))
        || super::static_files::is_asset_path(&state, &path)
        || super::offline::is_public(&path)
        || matches!(path.as_str(), "/healthz" | "/metrics" | "/logout")
        || (matches!(path.as_str(), "/login" | super::sign_in::SECOND_FACTOR_PAGE)
            && req.method() == axum::http::Method::POST);
    if exempt {
        return next.run(req).await;
    }
    let viewer = req
        .extensions()
        .get::<RequestViewer>()
        .cloned()
        .unwrap_or_default();
    if matches!(
        path.trim_end_matches('/'),
        "/login" | super::sign_in::SECOND_FACTOR_PAGE
    ) {
        return match viewer.actor {
            Some(_) => Redirect::to("/").into_response(),
            None => next.run(req).await,
        };
    }
    let Some(actor) = viewer.actor.as_ref() else {
        let target = req
            .uri()
            .path_and_query()
            .map_or("/", |pq| pq.as_str())
            .to_owned();
        return Redirect::to(&format!("/login?next={}", encode_component(&target))).into_response();
    };
    if viewer.must_change_password && path.trim_end_matches('/') != "/account" {
        return Redirect::to("/account?must_change=1").into_response();
    }
    if viewer.must_enrol_second_factor && path.trim_end_matches('/') != "/account" {
        return Redirect::to("/account?enrol=1").into_response();
    }
    if path.starts_with("/admin") && !actor.may_administer() {
        return forbidden_page(&state.assets.output_name());
    }
    next.run(req).await
}

/// A plain page for 403 on a page route (no application data in it), styled by the bundle
/// named `output_name`.
fn forbidden_page(output_name: &str) -> Response {
    (
        StatusCode::FORBIDDEN,
        [(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
        )],
        Html(format!(
            "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>无权访问 · Forbidden</title>\
             <link rel=\"stylesheet\" href=\"/pkg/{output_name}.css\"></head><body><main class=\"page\">\
             <h1>无权访问</h1><p>您的账号没有查看此页面的权限。</p><p lang=\"en\">Your account may not open this page.</p>\
             <p><a href=\"/\">返回首页 · Home</a></p></main></body></html>"
        )),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_by_name() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("lang=en; tanhui_session=abc123; other=1"),
        );
        assert_eq!(cookie(&headers, "tanhui_session"), Some("abc123"));
        assert_eq!(cookie(&headers, "lang"), Some("en"));
        assert_eq!(cookie(&headers, "missing"), None);
    }

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next(Some("/admin/users?x=1")), "/admin/users?x=1");
        assert_eq!(safe_next(Some("//evil.example/")), "/");
        assert_eq!(safe_next(Some("https://evil.example/")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(Some("/\t/evil.example")), "/");
        assert_eq!(safe_next(Some("/a\r\nSet-Cookie: x=1")), "/");
        assert_eq!(safe_next(Some("/ /evil.example")), "/");
        assert_eq!(safe_next(None), "/");
        assert_eq!(encode_component("/a?b=c&d"), "/a%3Fb%3Dc%26d");
    }
}

//! Serving the browser bundle from memory ([`crate::assets`]): the precompressed copy the
//! browser accepts (brotli, then gzip), `ETag` and `304 Not Modified`, and a year of
//! immutable caching for content-named files.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::state::AppState;

/// How long a revalidated (not content-named) file may be used before asking again.
const REVALIDATE: &str = "no-cache";
/// Content-named files never change under their name.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Marks a response as a public file of the bundle: the security headers leave its caching
/// alone (everything else may be private to the signed-in reader and is `no-store`).
#[derive(Debug, Clone, Copy)]
pub struct PublicFile;

/// Whether `path` is served by [`asset`] (no sign-in needed).
pub fn is_asset_path(state: &AppState, path: &str) -> bool {
    path.starts_with("/pkg/") || state.assets.get(path).is_some()
}

/// `GET /pkg/…` and the public files' own paths.
pub async fn asset(State(state): State<AppState>, req: Request) -> Response {
    let path = req.uri().path();
    let Some(asset) = state.assets.get(path) else {
        return (
            StatusCode::NOT_FOUND,
            [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
            "not found",
        )
            .into_response();
    };
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(match asset.immutable {
            true => IMMUTABLE,
            false => REVALIDATE,
        }),
    );
    if let Ok(etag) = HeaderValue::from_str(&asset.etag) {
        headers.insert(header::ETAG, etag);
    }
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if matches(req.headers(), &asset.etag) {
        let mut response = (StatusCode::NOT_MODIFIED, headers).into_response();
        response.extensions_mut().insert(PublicFile);
        return response;
    }
    let accepts = |coding: &str| accepts(req.headers(), coding);
    let (body, coding) = match (&asset.brotli, &asset.gzip) {
        (Some(br), _) if accepts("br") => (br.clone(), Some("br")),
        (_, Some(gz)) if accepts("gzip") => (gz.clone(), Some("gzip")),
        _ => (asset.identity.clone(), None),
    };
    if let Some(coding) = coding {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
    }
    let body = match *req.method() == Method::HEAD {
        true => Body::empty(),
        false => Body::from(body),
    };
    let mut response = (StatusCode::OK, headers, body).into_response();
    response.extensions_mut().insert(PublicFile);
    response
}

/// Whether `If-None-Match` names `etag` (or is `*`).
fn matches(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == etag || tag == "*")
}

/// Whether `Accept-Encoding` allows `coding` (a `q=0` refuses it).
fn accepts(headers: &HeaderMap, coding: &str) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let name = parts.next().unwrap_or_default();
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            name.eq_ignore_ascii_case(coding) && !refused
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(name: header::HeaderName, value: &'static str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, HeaderValue::from_static(value));
        h
    }

    #[test]
    fn encodings_are_taken_as_the_browser_offers_them() {
        let h = headers(header::ACCEPT_ENCODING, "gzip, deflate, br;q=0.9");
        assert!(accepts(&h, "br") && accepts(&h, "gzip"));
        let h = headers(header::ACCEPT_ENCODING, "gzip;q=1, br;q=0");
        assert!(!accepts(&h, "br") && accepts(&h, "gzip"));
        assert!(!accepts(&HeaderMap::new(), "gzip"));
    }

    #[test]
    fn etags_match_strong_weak_and_any() {
        let etag = "\"abc\"";
        assert!(matches(
            &headers(header::IF_NONE_MATCH, "\"x\", \"abc\""),
            etag
        ));
        assert!(matches(&headers(header::IF_NONE_MATCH, "W/\"abc\""), etag));
        assert!(matches(&headers(header::IF_NONE_MATCH, "*"), etag));
        assert!(!matches(&headers(header::IF_NONE_MATCH, "\"abd\""), etag));
    }
}

//! What makes the field pages work without a network, on the HTTP side: the service worker
//! (`/sw.js`, written per build: its cache is named for the build and lists the build's
//! files) and the offline shell (`/offline/shell`), the page the service worker answers with
//! when a page cannot be had from the server. The shell carries no data: it loads the build's
//! wasm, which sees `data-shell="offline"` and draws the field pages from what the device
//! keeps (`public/offline.js`, IndexedDB).
//!
//! Both are public: neither holds anything of an account, and the service worker must be
//! able to fetch the shell while installing, signed in or not.

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::state::AppState;

/// Where the offline shell is served (the service worker precaches it).
pub const SHELL: &str = "/offline/shell";
/// The service worker's script.
pub const SERVICE_WORKER: &str = "/sw.js";

/// The body of the service worker; the server writes its first lines.
const WORKER_BODY: &str = include_str!("sw.js");

/// Whether `path` is one of this module's public routes.
pub fn is_public(path: &str) -> bool {
    path == SHELL || path == SERVICE_WORKER
}

/// The files the service worker precaches for the build: the content-named bundle, the
/// public files (stylesheet, icons, manifest, `offline.js`) and the shell.
fn precache(state: &AppState) -> Vec<String> {
    let mut files: Vec<String> = state
        .assets
        .paths()
        .filter(|path| !path.ends_with(".map"))
        .map(str::to_owned)
        .collect();
    files.push(SHELL.to_owned());
    files
}

/// The service worker for the running build: a cache name that changes with any file it
/// precaches or with its own code.
pub fn worker_script(state: &AppState) -> String {
    let files = precache(state);
    let list = serde_json::to_string(&files).unwrap_or_else(|_| "[]".into());
    let mut hash = Sha256::new();
    hash.update(state.assets.build().as_bytes());
    hash.update(list.as_bytes());
    hash.update(WORKER_BODY.as_bytes());
    let version: String = hash.finalize()[..6]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!(
        "// build {build}\nconst CACHE = \"tanhui-{build}-{version}\";\nconst PRECACHE = {list};\n\n{WORKER_BODY}",
        build = state.assets.build()
    )
}

/// `GET /sw.js`: never cached by HTTP (the browser must see a new build at once), and 404
/// when the service worker is switched off (a page then unregisters any it had).
pub async fn service_worker(State(state): State<AppState>) -> Response {
    if !state.service_worker {
        return (
            StatusCode::NOT_FOUND,
            [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
            "the service worker is switched off (TANHUI_SERVICE_WORKER=false)",
        )
            .into_response();
    }
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/javascript; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            // The worker's own policy: it fetches from this site only.
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'self'"),
            ),
        ],
        worker_script(&state),
    )
        .into_response()
}

/// `GET /offline/shell`: the page the service worker answers with when the server cannot be
/// reached: the build's stylesheet and wasm, and nothing of any account.
pub async fn shell(State(state): State<AppState>) -> Response {
    let name = state.assets.output_name();
    let nonce = crate::auth::new_id().replace('-', "");
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
         object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    );
    let page = format!(
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>碳汇 · 离线调查</title>\
         <link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\">\
         <link rel=\"manifest\" href=\"/manifest.webmanifest\">\
         <link rel=\"stylesheet\" href=\"/pkg/{name}.css\">\
         <script src=\"/offline.js\" defer></script>\
         <script type=\"module\" nonce=\"{nonce}\">\
         import init, {{ hydrate }} from \"/pkg/{name}.js\";\
         init({{ module_or_path: \"/pkg/{name}.wasm\" }}).then(() => hydrate());\
         </script></head>\
         <body data-shell=\"offline\"><main class=\"page\" data-testid=\"shell-loading\">\
         <p class=\"muted\">正在打开离线调查… Opening the offline survey app…</p>\
         <noscript>离线调查需要开启 JavaScript。Offline work needs JavaScript.</noscript>\
         </main></body></html>"
    );
    let mut response = Html(page).into_response();
    if let Ok(value) = HeaderValue::from_str(&policy) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, value);
    }
    response
}

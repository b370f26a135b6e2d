//! The axum application: built by one function so that `serve`, the in-process tests and the
//! browser tests all run the same router, with its middleware: the request's client, id and
//! counters ([`observe`]), who is asking ([`authenticate`]), sign-in and sign-out
//! ([`sign_in`]), the CSRF origin check ([`csrf`]) and the security headers ([`headers`]);
//! the browser bundle from memory ([`static_files`]) and `/metrics` ([`metrics`]).

pub mod authenticate;
pub mod csrf;
pub mod headers;
pub mod metrics;
pub mod observe;
pub mod offline;
pub mod sign_in;
pub mod static_files;
pub mod text_guard;

use std::sync::Arc;

use app::backend::{
    SharedBackend, SharedFieldWork, SharedOperations, SharedPrivacy, SharedSetup, SharedViews,
};
use axum::extract::State;
use axum::http::Method;
use axum::http::StatusCode;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Json};
use axum::routing::{delete, get, post};
use axum::Router;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use serde_json::json;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::compression::CompressionLayer;

use crate::api::doc::{doc, Access};
use crate::api::Documented;
use crate::state::AppState;
use crate::storage::Store;

/// The app's routes, worked out once per process. Generating them runs the app with resource
/// loading suppressed through a process-wide flag (leptos_server's `SuppressResourceLoad`), so
/// a page rendering on another thread at that moment would wait forever on its data
/// (leptos-rs/leptos#4773). One server builds its router once, but tests build many routers
/// while others render; this keeps generation to the very first call.
fn route_list() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> =
        std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(app::App)).clone()
}

/// The whole application router. Every request passes, outermost first: the request's
/// client, id, log span and counters, compression, security headers, the CSRF origin check
/// (state-changing requests), authentication (who is asking), form posts holding NUL refused
/// ([`text_guard`]), the page guard (sign-in for pages, admin for `/admin`).
pub fn build(state: AppState) -> Router {
    let backend: SharedBackend = Arc::new(state.store.clone());
    let views: SharedViews = Arc::new(state.views());
    let field: SharedFieldWork = Arc::new(state.views());
    let setup: SharedSetup = Arc::new(state.views());
    let operations: SharedOperations = Arc::new(state.operations());
    let privacy: SharedPrivacy = Arc::new(state.privacy());
    let context = move || {
        provide_context(backend.clone());
        provide_context(views.clone());
        provide_context(field.clone());
        provide_context(setup.clone());
        provide_context(operations.clone());
        provide_context(privacy.clone());
    };
    let routes = route_list();
    let shell_options = state.leptos_options.clone();
    let not_found_options = state.leptos_options.clone();

    let pages =
        Router::new().leptos_routes_with_context(&state, routes, context.clone(), move || {
            app::shell(shell_options.clone())
        });
    // Any other path is a page that does not exist: the app renders its "not found" view.
    let not_found = leptos_axum::render_app_async_with_context(context, move || {
        app::shell(not_found_options.clone())
    });
    let not_found = move |req: axum::extract::Request| {
        let render = not_found.clone();
        async move {
            let mut response = render(req).await;
            if response.status() == StatusCode::OK {
                *response.status_mut() = StatusCode::NOT_FOUND;
            }
            response
        }
    };

    let mut assets = Router::new().route("/pkg/{file}", get(static_files::asset));
    for path in state.assets.public_paths() {
        assets = assets.route(path, get(static_files::asset));
    }

    let root = root_operations();
    Router::new()
        .merge(root.router)
        // The sign-in form's posts: pages, not API (they answer with redirects).
        .route("/login", post(crate::http::sign_in::login_form))
        .route(
            crate::http::sign_in::SECOND_FACTOR_PAGE,
            post(crate::http::sign_in::second_factor_form),
        )
        .route("/logout", post(crate::http::sign_in::logout_form))
        .route(offline::SERVICE_WORKER, get(offline::service_worker))
        .route(offline::SHELL, get(offline::shell))
        .nest("/api/v1", crate::api::router())
        .merge(pages)
        .merge(assets)
        .fallback(not_found)
        // Pages, including whatever the fallback renders (`/admin/users/`, unknown paths).
        .layer(from_fn_with_state(
            state.clone(),
            crate::http::authenticate::page_guard,
        ))
        .layer(from_fn(server_fn_input_errors))
        .layer(from_fn(crate::http::text_guard::refuse_nul_in_forms))
        .layer(from_fn_with_state(
            state.clone(),
            crate::http::authenticate::authenticate,
        ))
        .layer(from_fn(crate::http::csrf::verify_origin))
        .layer(from_fn(crate::http::headers::security_headers))
        // Exports are not compressed on the fly: a streamed CSV body came out truncated
        // through the compression layer (seen with gzip in curl and Chromium), and XLSX is a
        // zip already.
        .layer(
            CompressionLayer::new().compress_when(
                DefaultPredicate::new()
                    .and(NotForContentType::const_new("text/csv"))
                    .and(NotForContentType::const_new(
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    )),
            ),
        )
        .layer(from_fn_with_state(state.clone(), observe::observe))
        .with_state(state)
}

/// The OpenAPI 3.1 document of every documented route: this layer's and the API's.
pub fn openapi() -> serde_json::Value {
    let root = root_operations();
    let api = crate::api::documented();
    crate::api::doc::openapi(&[("", &root.operations), ("/api/v1", &api.operations)])
}

/// `GET /api/v1/openapi.json`: built once per process.
async fn openapi_json() -> Json<serde_json::Value> {
    static DOCUMENT: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    Json(DOCUMENT.get_or_init(openapi).clone())
}

/// The routes of this layer that belong to the API's description.
fn root_operations() -> Documented {
    Documented::default()
        .add(
            Method::GET,
            "/healthz",
            get(healthz),
            doc("service", "Liveness and readiness", Access::Anyone)
                .json(200, "The database answers.", json!({ "type": "object", "properties": { "status": { "const": "ok" }, "db": { "enum": ["sqlite", "postgres"] } } }))
                .status(503, "The database does not answer."),
        )
        .add(
            Method::GET,
            "/metrics",
            get(metrics::metrics),
            doc("service", "Prometheus metrics", Access::Some("administrators (token or session), or a client address in TANHUI_METRICS_FROM"))
                .describe("Requests and latency by route template, engine facts and cells, change-feed lag, surveys by status, database pool, sign-ins, backups.")
                .file(200, "Text exposition format 0.0.4.", metrics::CONTENT_TYPE),
        )
        .add(
            Method::GET,
            "/api/v1/openapi.json",
            get(openapi_json),
            doc("service", "This document (OpenAPI 3.1)", Access::Anyone)
                .json(200, "The API's description.", json!({ "type": "object" })),
        )
        // The JSON sign-in sits beside the API it opens, but belongs to this layer.
        .add(
            Method::POST,
            "/api/v1/session",
            post(sign_in::login_json),
            doc("accounts", "Sign in", Access::Anyone)
                .describe("Throttled per username and per client address (behind a trusted proxy, the forwarded one).")
                .json_body(json!({ "type": "object", "required": ["username", "password"], "properties": { "username": { "type": "string" }, "password": { "type": "string" } } }))
                .json(200, "Signed in: the account and the session cookie; or, for an account with an authenticator, `{second_factor_required: true}` and a pending cookie for `POST /api/v1/session/second-factor`.", json!({ "type": "object" }))
                .status(401, "Wrong username or password (the same answer for both).")
                .status(429, "Too many failed sign-ins: `Retry-After` says when to try again."),
        )
        .add(
            Method::POST,
            "/api/v1/session/second-factor",
            post(sign_in::second_factor_json),
            doc("accounts", "Sign in: the second factor", Access::Anyone)
                .describe("For an account with an authenticator, `POST /api/v1/session` answers `{second_factor_required: true}` with a pending cookie (five minutes); this exchanges it and a six-digit code, or a recovery code (good once), for the session. A wrong code counts as a failed sign-in.")
                .json_body(json!({ "type": "object", "required": ["code"], "properties": { "code": { "type": "string" } } }))
                .json(200, "Signed in: the account, and the session cookie.", json!({ "type": "object" }))
                .status(401, "`wrong_code`, or `sign_in_expired` (start again with the password).")
                .status(429, "Too many failed sign-ins: `Retry-After` says when to try again."),
        )
        .add(
            Method::DELETE,
            "/api/v1/session",
            delete(sign_in::logout_json),
            doc("accounts", "Sign out", Access::SignedIn).status(204, "Signed out; the cookie is cleared."),
        )
}

/// A server function whose arguments cannot be decoded answers 500 in Leptos; it is the
/// caller's mistake, so it becomes a 400 (the body, naming the problem, is kept).
async fn server_fn_input_errors(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let is_server_fn = req.uri().path().starts_with("/sfn/");
    let response = next.run(req).await;
    if !is_server_fn || response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, 64 * 1024).await {
        Ok(bytes) => bytes,
        Err(_) => return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response(),
    };
    // `app::error::AppError` on the wire: undecodable arguments are its `bad_request` kind.
    let input_error = bytes.starts_with(br#"{"error":"bad_request""#);
    if input_error {
        parts.status = StatusCode::BAD_REQUEST;
    }
    axum::response::Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// Liveness and readiness in one: 200 when the database answers, 503 when it does not.
async fn healthz(State(store): State<Store>) -> impl IntoResponse {
    match store.ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(json!({ "status": "ok", "db": store.backend_name() })),
        ),
        Err(err) => {
            tracing::error!(%err, "health check: database does not answer");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "db": store.backend_name() })),
            )
        }
    }
}

//! The axum application: built by one function so that `serve`, the in-process tests and the
//! browser tests all run the same router.

use std::net::SocketAddr;
use std::sync::Arc;

use app::backend::SharedBackend;
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json};
use axum::routing::get;
use axum::Router;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use serde_json::json;
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

use crate::indicators::LiveEngine;
use crate::settings::Settings;
use crate::storage::Store;

/// Everything a request handler may need.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub store: Store,
    pub engine: Arc<LiveEngine>,
}

impl AppState {
    /// `addr` is where the server actually listens (it may differ from the settings' port 0).
    pub fn new(
        settings: &Settings,
        store: Store,
        engine: Arc<LiveEngine>,
        addr: SocketAddr,
    ) -> AppState {
        let leptos_options = LeptosOptions::builder()
            .output_name("tanhui")
            .site_root(settings.site_root.to_string_lossy().into_owned())
            .site_pkg_dir("pkg")
            .site_addr(addr)
            .env(leptos::config::Env::PROD)
            .build();
        AppState {
            leptos_options,
            store,
            engine,
        }
    }
}

/// The whole application router.
pub fn build(state: AppState) -> Router {
    let backend: SharedBackend = Arc::new(state.store.clone());
    let context = move || provide_context(backend.clone());
    let routes = generate_route_list(app::App);
    let shell_options = state.leptos_options.clone();

    Router::new()
        .route("/healthz", get(healthz))
        .nest("/api/v1", crate::api::router())
        .leptos_routes_with_context(&state, routes, context.clone(), move || {
            app::shell(shell_options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(context, app::shell))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
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

//! What every request handler and server function may reach: the store, the live indicator
//! engine, the authentication policy and Leptos's options. Built once by `serve` (and by each
//! test), cloned into every request.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use crate::auth::AuthConfig;
use crate::indicators::LiveEngine;
use crate::settings::Settings;
use crate::storage::Store;

/// Everything a request handler may need.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub store: Store,
    pub engine: Arc<LiveEngine>,
    pub auth: AuthConfig,
    pub sign_in: crate::auth::SignInGate,
}

impl AppState {
    /// The officials' pages' data over this state's store and engine.
    pub fn views(&self) -> crate::service::views::LiveViews {
        crate::service::views::LiveViews {
            store: self.store.clone(),
            engine: self.engine.clone(),
            prefecture: domain::UnitCode::prefecture(),
        }
    }

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
            auth: settings.auth_config(),
            sign_in: crate::auth::SignInGate::default(),
        }
    }
}

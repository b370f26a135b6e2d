//! What every request handler and server function may reach: the store, the live indicator
//! engine, the authentication policy, the browser bundle, the running counters, the network
//! policy and Leptos's options. Built once by `serve` (and by each test), cloned into every
//! request.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use crate::assets::Assets;
use crate::auth::AuthConfig;
use crate::indicators::LiveEngine;
use crate::metrics::Metrics;
use crate::net::NetworkPolicy;
use crate::settings::{BackupSchedule, Settings};
use crate::storage::Store;

/// Everything a request handler may need.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub store: Store,
    pub engine: Arc<LiveEngine>,
    pub auth: AuthConfig,
    pub sign_in: crate::auth::SignInGate,
    pub assets: Arc<Assets>,
    pub metrics: Arc<Metrics>,
    pub network: Arc<NetworkPolicy>,
    pub backups: Option<Arc<BackupSchedule>>,
    /// Whether `/sw.js` is offered (off while developing the site).
    pub service_worker: bool,
    /// How long personal data, audit entries, sessions and backups are kept.
    pub retention: Arc<crate::service::privacy::RetentionPolicy>,
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

    /// The running server's figures (`/metrics`, the status page) over this state.
    pub fn operations(&self) -> crate::service::operations::LiveOperations {
        crate::service::operations::LiveOperations {
            store: self.store.clone(),
            engine: self.engine.clone(),
            metrics: self.metrics.clone(),
            assets: self.assets.clone(),
            network: self.network.clone(),
            backups: self.backups.clone(),
        }
    }

    /// The data inventory and erasures over this state's store.
    pub fn privacy(&self) -> crate::service::privacy::LivePrivacy {
        crate::service::privacy::LivePrivacy {
            store: self.store.clone(),
            policy: self.retention.clone(),
        }
    }

    /// `addr` is where the server actually listens (it may differ from the settings' port 0).
    /// Pages name the bundle's build ([`Assets::output_name`]) in their script and style links.
    pub fn new(
        settings: &Settings,
        store: Store,
        engine: Arc<LiveEngine>,
        addr: SocketAddr,
        assets: Arc<Assets>,
    ) -> AppState {
        let leptos_options = LeptosOptions::builder()
            .output_name(assets.output_name())
            // Files are served from memory (`http::static_files`), never from a folder.
            .site_root("")
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
            assets,
            metrics: Arc::new(Metrics::default()),
            network: Arc::new(NetworkPolicy {
                trusted_proxies: settings.trusted_proxies.clone(),
                forwarded_header: settings.forwarded_header,
                metrics_from: settings.metrics_from.clone(),
            }),
            backups: settings.backup_dir.clone().map(|dir| {
                Arc::new(BackupSchedule {
                    dir,
                    every: settings.backup_every,
                    keep: settings.backup_keep,
                })
            }),
            service_worker: settings.service_worker,
            retention: Arc::new(crate::service::privacy::RetentionPolicy {
                erase_after_years: settings.erase_after_years.0,
                audit_days: settings.audit_retention_days.0,
                session: (settings.session_idle_minutes, settings.session_hours),
                backups: settings
                    .backup_dir
                    .as_ref()
                    .map(|_| (settings.backup_every.to_string(), settings.backup_keep)),
            }),
        }
    }
}

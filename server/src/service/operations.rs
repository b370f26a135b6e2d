//! How the running server is doing, read in one place for both of its readers: `/metrics`
//! (a monitoring system, Prometheus text) and the administrators' status page (a person).

use std::sync::atomic::Ordering;
use std::sync::Arc;

use app::backend::{BackendError, Operations};
use app::model::{BackupsView, OperationsView};
use domain::SurveyStatus;

use crate::assets::Assets;
use crate::indicators::LiveEngine;
use crate::metrics::Metrics;
use crate::net::NetworkPolicy;
use crate::settings::BackupSchedule;
use crate::storage::{StorageError, Store};

/// What the figures are read from: the parts of the application state they concern.
#[derive(Clone)]
pub struct LiveOperations {
    pub store: Store,
    pub engine: Arc<LiveEngine>,
    pub metrics: Arc<Metrics>,
    pub assets: Arc<Assets>,
    pub network: Arc<NetworkPolicy>,
    pub backups: Option<Arc<BackupSchedule>>,
}

impl LiveOperations {
    /// Every figure, read now. The engine is not caught up first: how far it is behind the
    /// change feed is one of the figures.
    pub async fn snapshot(&self) -> Result<OperationsView, StorageError> {
        let engine = self.engine.status().await;
        let feed_newest = self.store.latest_change().await?;
        let surveys = self
            .store
            .surveys_by_status()
            .await?
            .into_iter()
            .filter_map(|(status, n)| SurveyStatus::parse(&status).map(|s| (s, n)))
            .collect();
        let load = |counter: &std::sync::atomic::AtomicU64| counter.load(Ordering::Relaxed);
        let backups = self.backups.as_ref().map(|schedule| {
            let last_ms = self.metrics.backup_last_ms.load(Ordering::Relaxed);
            let next_ms = self.metrics.backup_next_ms.load(Ordering::Relaxed);
            let files = super::backups::list(&schedule.dir).unwrap_or_else(|err| {
                tracing::warn!(%err, dir = %schedule.dir.display(), "cannot list the backup folder");
                Vec::new()
            });
            BackupsView {
                dir: schedule.dir.display().to_string(),
                every: schedule.every.to_string(),
                keep: u32::try_from(schedule.keep).unwrap_or(u32::MAX),
                last_ms: (last_ms > 0).then_some(last_ms),
                last_seconds: (last_ms > 0)
                    .then(|| load(&self.metrics.backup_last_seconds_ms) as f64 / 1000.0),
                written: load(&self.metrics.backups),
                failures: load(&self.metrics.backup_failures),
                next_ms: (next_ms > 0).then_some(next_ms),
                files,
            }
        });
        Ok(OperationsView {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            build: self.assets.build().to_owned(),
            assets: self.assets.origin().to_string(),
            uptime_s: self.metrics.uptime().as_secs(),
            backend: self.store.backend_name().to_owned(),
            schema_version: self.store.schema_version().await?,
            engine_facts: engine.facts as u64,
            engine_cells: engine.cells as u64,
            feed_lag: (feed_newest - engine.applied).max(0),
            surveys,
            pool: self.store.pool_use(),
            sign_ins: (
                load(&self.metrics.sign_ins),
                load(&self.metrics.sign_in_failures),
                load(&self.metrics.sign_in_throttled),
            ),
            requests: self.metrics.requests_by_class().into_iter().collect(),
            trusted_proxies: self
                .network
                .trusted_proxies
                .0
                .iter()
                .map(ToString::to_string)
                .collect(),
            backups,
        })
    }
}

#[async_trait::async_trait]
impl Operations for LiveOperations {
    async fn operations(&self) -> Result<OperationsView, BackendError> {
        self.snapshot().await.map_err(super::storage)
    }
}

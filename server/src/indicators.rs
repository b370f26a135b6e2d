//! The live indicator engine: built from the database at start-up, kept fresh by the change
//! feed. Before answering, a request calls [`LiveEngine::catch_up`]: one cheap `MAX(seq)`
//! query, and only when another writer (this instance or another one on the same database)
//! changed surveys, a re-read of just those surveys' facts.

use std::sync::Arc;
use std::time::Instant;

use domain::engine::Engine;
use tokio::sync::{Mutex, RwLock, RwLockReadGuard};

use crate::storage::{StorageError, Store, REBUILD_ALL};

/// PostgreSQL may commit sequence numbers out of order: re-read this many behind the last
/// one applied (re-applying a change is harmless).
const LOOKBACK: i64 = 64;

pub struct LiveEngine {
    engine: RwLock<Engine>,
    /// The newest change applied; the mutex also keeps two catch-ups from racing.
    applied: Mutex<i64>,
}

impl LiveEngine {
    /// Reads everything the catalogue needs and builds every cell.
    pub async fn load(store: &Store) -> Result<Arc<LiveEngine>, StorageError> {
        let started = Instant::now();
        // Taken first: a change that lands while loading is applied again on the next catch-up.
        let applied = store.latest_change().await?;
        let engine = build(store).await?;
        tracing::info!(
            facts = engine.fact_count(),
            cells = engine.cell_count(),
            ms = started.elapsed().as_millis() as u64,
            "indicator engine built"
        );
        Ok(Arc::new(LiveEngine {
            engine: RwLock::new(engine),
            applied: Mutex::new(applied),
        }))
    }

    /// Applies every survey change made since the last call.
    pub async fn catch_up(&self, store: &Store) -> Result<(), StorageError> {
        // Ask the database first, without holding the lock: concurrent requests do not queue
        // behind each other's round trip when nothing changed (the common case).
        let latest = store.latest_change().await?;
        let mut applied = self.applied.lock().await;
        if latest <= *applied {
            return Ok(());
        }
        let (changed, newest) = store.changes_since((*applied - LOOKBACK).max(0)).await?;
        if changed.iter().any(|id| id == REBUILD_ALL) {
            let rebuilt = build(store).await?;
            *self.engine.write().await = rebuilt;
            *applied = newest.max(latest);
            return Ok(());
        }
        let facts = store.survey_facts(Some(&changed)).await?;
        let mut engine = self.engine.write().await;
        for id in &changed {
            if let Ok(id) = domain::RecordId::parse(id) {
                engine.remove(&id);
            }
        }
        for fact in facts {
            engine.upsert(fact);
        }
        *applied = newest.max(latest);
        Ok(())
    }

    /// Catches up, then lends the engine for reading.
    pub async fn read(&self, store: &Store) -> Result<RwLockReadGuard<'_, Engine>, StorageError> {
        self.catch_up(store).await?;
        Ok(self.engine.read().await)
    }
}

/// Builds an engine from the database: units, lines, waves, targets, plots and the facts of
/// every approved survey.
pub async fn build(store: &Store) -> Result<Engine, StorageError> {
    let mut engine = Engine::new(
        &store.units().await?,
        &store.poverty_lines().await?,
        &store.waves().await?,
        &store.targets().await?,
    );
    let started = Instant::now();
    // Streamed straight from the cursor into the cells: no list of all facts is ever held.
    store
        .each_survey_fact(&mut |fact| engine.upsert(fact))
        .await?;
    let read = started.elapsed();
    for plot in store.plots().await? {
        engine.add_plot(plot);
    }
    tracing::debug!(
        read_ms = read.as_millis() as u64,
        total_ms = started.elapsed().as_millis() as u64,
        "engine facts"
    );
    Ok(engine)
}

//! The live indicator engine: built from the database at start-up, kept fresh by the change
//! feed. Before answering, a request calls [`LiveEngine::catch_up`]: one cheap query on the
//! newest end of the feed, and only when another writer (this instance or another one on the
//! same database) changed surveys, a re-read of just those surveys' facts.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Instant;

use domain::engine::Engine;
use tokio::sync::{Mutex, RwLock, RwLockReadGuard};

use crate::storage::{FeedTail, StorageError, Store, REBUILD_ALL};

/// PostgreSQL may commit sequence numbers out of order (a transaction that took seq 100 can
/// commit after the one that took 101): changes this far behind the newest one applied are
/// still watched for.
const LOOKBACK: i64 = 64;

/// What [`LiveEngine::status`] reports.
#[derive(Debug, Clone, Copy)]
pub struct EngineStatus {
    pub facts: usize,
    pub cells: usize,
    /// The sequence number of the newest change-feed entry applied.
    pub applied: i64,
}

pub struct LiveEngine {
    engine: RwLock<Engine>,
    /// Which changes are applied; the mutex also keeps two catch-ups from racing.
    feed: Mutex<Applied>,
}

/// The change feed as far as the engine has applied it.
#[derive(Debug, Default)]
struct Applied {
    /// The newest change applied.
    newest: i64,
    /// The changes applied within [`LOOKBACK`] of `newest`: one committed late, below `newest`,
    /// is one that is not among them.
    recent: BTreeSet<i64>,
}

impl Applied {
    /// Where the watched end of the feed starts (exclusive).
    fn window(&self) -> i64 {
        (self.newest - LOOKBACK).max(0)
    }

    /// Records changes as applied and forgets those fallen out of the window.
    fn extend(&mut self, seqs: impl IntoIterator<Item = i64>) {
        self.recent.extend(seqs);
        self.newest = self.recent.last().copied().unwrap_or(0).max(self.newest);
        let window = self.window();
        self.recent = self.recent.split_off(&(window + 1));
    }

    /// Whether `tail`, read when `self` was as it is now, shows no change committed late:
    /// every change in the window is either applied or among the newer ones.
    fn nothing_late(&self, tail: &FeedTail) -> bool {
        tail.in_window == (self.recent.len() + tail.newer.len()) as i64
    }
}

impl LiveEngine {
    /// Reads everything the catalogue needs and builds every cell.
    pub async fn load(store: &Store) -> Result<Arc<LiveEngine>, StorageError> {
        let started = Instant::now();
        // Taken first: whatever is committed to the feed now is in what the build reads, and
        // a change that lands while loading has an entry not among these.
        let feed = Self::mark(store).await?;
        let engine = build(store).await?;
        tracing::info!(
            facts = engine.fact_count(),
            cells = engine.cell_count(),
            ms = started.elapsed().as_millis() as u64,
            "indicator engine built"
        );
        Ok(Arc::new(LiveEngine {
            engine: RwLock::new(engine),
            feed: Mutex::new(feed),
        }))
    }

    /// The feed's newest end as it is now, all of it counted as applied.
    async fn mark(store: &Store) -> Result<Applied, StorageError> {
        let newest = store.latest_change().await?;
        let mut applied = Applied {
            newest,
            ..Applied::default()
        };
        let window = store.changes_after(applied.window()).await?;
        applied.extend(window.into_iter().map(|(seq, _)| seq));
        Ok(applied)
    }

    /// Applies every survey change made since the last call.
    pub async fn catch_up(&self, store: &Store) -> Result<(), StorageError> {
        // Ask the database first, without holding the lock: concurrent requests do not queue
        // behind each other's round trip when nothing changed (the common case). One round
        // trip tells what is newer and whether anything older committed late.
        let (window, newest, applied) = {
            let feed = self.feed.lock().await;
            (feed.window(), feed.newest, feed.recent.len())
        };
        let tail = store.feed_tail(window, newest).await?;
        let mut feed = self.feed.lock().await;
        // Only a feed unchanged since the read may be compared with it (with the same newest,
        // the applied set only grows).
        let unchanged = feed.newest == newest && feed.recent.len() == applied;
        let unapplied = if unchanged && feed.nothing_late(&tail) {
            tail.newer
        } else {
            // Another catch-up ran meanwhile, or a change below the newest committed late.
            Self::unapplied(store, &feed).await?
        };
        if unapplied.is_empty() {
            return Ok(());
        }
        if unapplied.iter().any(|(_, id)| id == REBUILD_ALL) {
            let mark = Self::mark(store).await?;
            let rebuilt = build(store).await?;
            *self.engine.write().await = rebuilt;
            *feed = mark;
            return Ok(());
        }
        let mut changed: Vec<String> = unapplied.iter().map(|(_, id)| id.clone()).collect();
        changed.sort();
        changed.dedup();
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
        feed.extend(unapplied.into_iter().map(|(seq, _)| seq));
        Ok(())
    }

    /// Every change in the watched window that is not applied yet.
    async fn unapplied(store: &Store, feed: &Applied) -> Result<Vec<(i64, String)>, StorageError> {
        let mut changes = store.changes_after(feed.window()).await?;
        changes.retain(|(seq, _)| !feed.recent.contains(seq));
        Ok(changes)
    }

    /// The engine as it is, without catching up (what `/metrics` reports): its facts, its
    /// cells and the newest change it has applied.
    pub async fn status(&self) -> EngineStatus {
        let applied = self.feed.lock().await.newest;
        let engine = self.engine.read().await;
        EngineStatus {
            facts: engine.fact_count(),
            cells: engine.cell_count(),
            applied,
        }
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
    engine.set_assignments(&store.village_programmes().await?);
    let started = Instant::now();
    // The cells are built when the load ends, at the end of this statement.
    let surveys = store.load_survey_facts(&mut engine.bulk()).await?;
    let read = started.elapsed();
    for plot in store.plots().await? {
        engine.add_plot(plot);
    }
    tracing::debug!(
        surveys,
        read_ms = read.as_millis() as u64,
        total_ms = started.elapsed().as_millis() as u64,
        "engine facts"
    );
    Ok(engine)
}

#[cfg(test)]
mod tests {
    use super::{Applied, FeedTail, LOOKBACK};

    fn tail(in_window: i64, newer: &[i64]) -> FeedTail {
        FeedTail {
            in_window,
            newer: newer.iter().map(|seq| (*seq, format!("s{seq}"))).collect(),
        }
    }

    #[test]
    fn a_change_committed_late_below_the_newest_is_still_seen() {
        let mut feed = Applied::default();
        feed.extend([1, 2, 3, 5]);
        assert_eq!(feed.newest, 5);
        assert!(feed.nothing_late(&tail(4, &[])), "nothing new");
        assert!(feed.nothing_late(&tail(6, &[6, 7])), "only newer ones");
        // Seq 4 commits after 5 was applied: nothing is newer, yet the window holds one more.
        assert!(!feed.nothing_late(&tail(5, &[])));
        assert!(!feed.nothing_late(&tail(6, &[6])), "late and newer");
        feed.extend([4]);
        assert!(feed.nothing_late(&tail(5, &[])));
    }

    #[test]
    fn only_the_last_lookback_changes_are_remembered() {
        let mut feed = Applied::default();
        feed.extend(1..=1000);
        assert_eq!(feed.newest, 1000);
        assert_eq!(feed.window(), 1000 - LOOKBACK);
        assert_eq!(feed.recent.len() as i64, LOOKBACK);
        assert_eq!(feed.recent.first().copied(), Some(1000 - LOOKBACK + 1));
        assert!(feed.nothing_late(&tail(LOOKBACK, &[])));
    }
}

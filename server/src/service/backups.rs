//! Scheduled backups (`TANHUI_BACKUP_DIR`, `TANHUI_BACKUP_EVERY`, `TANHUI_BACKUP_KEEP`):
//! while `serve` runs, a backup is written every period into the folder, read back in full
//! before it counts (`storage::backup`), and the oldest beyond the kept number are deleted.
//!
//! The schedule survives restarts: the next backup is due one period after the newest file
//! in the folder (at once when there is none, or it is overdue), so restarting a server
//! neither skips a backup nor takes one each time.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use app::model::BackupFileView;

use crate::metrics::Metrics;
use crate::settings::BackupSchedule;
use crate::storage::backup;
use crate::storage::{now_ms, Store};

/// Scheduled backups are named `tanhui-<China time>.tanhui-backup`; only such files are
/// listed and pruned, so the folder may hold others.
const PREFIX: &str = "tanhui-";
pub const SUFFIX: &str = ".tanhui-backup";

/// `tanhui-20261207-153000-250.tanhui-backup` for an instant (China time, to the
/// millisecond, so two backups never share a name).
pub fn file_name(at_ms: i64) -> String {
    let local = domain::date::format_china_time(at_ms);
    let compact: String = local
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == ' ')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect();
    format!("{PREFIX}{compact}-{:03}{SUFFIX}", at_ms.rem_euclid(1000))
}

/// Only names this schedule writes: `tanhui-` 8 digits `-` 6 digits `-` 3 digits and the
/// suffix. An operator's own `tanhui-before-upgrade.tanhui-backup` is neither listed nor
/// pruned, and does not move the schedule.
fn is_scheduled(name: &str) -> bool {
    let Some(stamp) = name
        .strip_prefix(PREFIX)
        .and_then(|rest| rest.strip_suffix(SUFFIX))
    else {
        return false;
    };
    let parts: Vec<&str> = stamp.split('-').collect();
    parts.len() == 3
        && [8, 6, 3]
            .iter()
            .zip(&parts)
            .all(|(len, part)| part.len() == *len && part.bytes().all(|b| b.is_ascii_digit()))
}

/// Deletes what a backup stopped midway (the server stopped during one) left behind.
fn remove_partial(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let whole = name.strip_suffix(".partial").unwrap_or_default();
        if is_scheduled(whole) {
            match std::fs::remove_file(entry.path()) {
                Ok(()) => tracing::info!(file = %name, "unfinished backup removed"),
                Err(err) => {
                    tracing::warn!(%err, file = %name, "cannot remove an unfinished backup")
                }
            }
        }
    }
}

/// The scheduled backups in `dir`, newest first (by name, which is by time).
pub fn list(dir: &Path) -> std::io::Result<Vec<BackupFileView>> {
    let mut files = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(files),
        Err(err) => return Err(err),
    };
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !is_scheduled(&name) {
            continue;
        }
        let meta = entry.metadata()?;
        let modified_ms = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_millis() as i64);
        files.push(BackupFileView {
            name,
            bytes: meta.len(),
            modified_ms,
        });
    }
    files.sort_by(|a, b| b.name.cmp(&a.name));
    Ok(files)
}

/// Deletes the scheduled backups beyond the newest `keep`; returns what it deleted.
pub fn prune(dir: &Path, keep: usize) -> std::io::Result<Vec<String>> {
    let mut deleted = Vec::new();
    for old in list(dir)?.into_iter().skip(keep.max(1)) {
        std::fs::remove_file(dir.join(&old.name))?;
        deleted.push(old.name);
    }
    Ok(deleted)
}

/// When the next backup is due: one period after the newest one in the folder, or now.
pub fn next_due_ms(dir: &Path, every: Duration, now: i64) -> i64 {
    let newest = list(dir)
        .ok()
        .and_then(|files| files.first().map(|f| f.modified_ms));
    match newest {
        Some(at) => (at + every.as_millis() as i64).max(now),
        None => now,
    }
}

/// Runs the schedule on a thread of its own, with its own runtime and its own connection to
/// the database at `db`, so that compressing and hashing a large backup never takes a worker
/// from the requests. Stops (abandoning a backup under way, whose `.partial` file the next
/// start removes) when `stop` is dropped or sent.
pub fn spawn(
    db: String,
    schedule: Arc<BackupSchedule>,
    metrics: Arc<Metrics>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("tanhui-backups".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime,
                Err(err) => {
                    tracing::error!(%err, "scheduled backups: cannot start their runtime");
                    return;
                }
            };
            runtime.block_on(async move {
                let store = match Store::connect(&db).await {
                    Ok(store) => store,
                    Err(err) => {
                        tracing::error!(%err, "scheduled backups: cannot open the database");
                        return;
                    }
                };
                tokio::select! {
                    () = run(store.clone(), schedule, metrics) => {}
                    _ = stop.changed() => {}
                }
                store.close().await;
            });
        })
        .map(drop)
}

/// Writes one backup into the folder (created if missing), checks it, prunes; counted in
/// `metrics` either way.
pub async fn take(
    store: &Store,
    schedule: &BackupSchedule,
    metrics: &Metrics,
) -> Result<PathBuf, backup::BackupError> {
    let started = Instant::now();
    let at = now_ms();
    let result = async {
        std::fs::create_dir_all(&schedule.dir)?;
        let path = schedule.dir.join(file_name(at));
        let report = backup::backup(store, &path).await?;
        Ok::<_, backup::BackupError>((path, report))
    }
    .await;
    match result {
        Ok((path, report)) => {
            metrics.backup_written(at, started.elapsed());
            tracing::info!(
                file = %path.display(),
                bytes = report.bytes,
                rows = report.trailer.rows,
                seconds = started.elapsed().as_secs_f64(),
                "scheduled backup written and checked"
            );
            match prune(&schedule.dir, schedule.keep) {
                Ok(deleted) if !deleted.is_empty() => {
                    tracing::info!(deleted = ?deleted, keep = schedule.keep, "old backups deleted")
                }
                Ok(_) => {}
                Err(err) => tracing::error!(%err, "cannot delete old backups"),
            }
            Ok(path)
        }
        Err(err) => {
            metrics.backup_failed();
            tracing::error!(%err, dir = %schedule.dir.display(), "scheduled backup failed");
            Err(err)
        }
    }
}

/// Runs the schedule until the task is dropped. A failed backup is retried after a tenth of
/// the period (at least a minute, at most an hour), not a whole period later.
pub async fn run(store: Store, schedule: Arc<BackupSchedule>, metrics: Arc<Metrics>) {
    let every = schedule.every.0;
    remove_partial(&schedule.dir);
    let mut due = next_due_ms(&schedule.dir, every, now_ms());
    loop {
        metrics.backup_next_ms.store(due, Ordering::Relaxed);
        let wait = (due - now_ms()).max(0) as u64;
        tokio::time::sleep(Duration::from_millis(wait)).await;
        due = match take(&store, &schedule, &metrics).await {
            Ok(_) => now_ms() + every.as_millis() as i64,
            Err(_) => {
                let retry = (every / 10).clamp(Duration::from_secs(60), Duration::from_secs(3600));
                now_ms() + retry.as_millis() as i64
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sort_by_time_and_only_scheduled_files_count() {
        // 2026-12-07T07:30:05Z is 15:30:05 in Beijing.
        let name = file_name(1_796_628_605_000);
        assert_eq!(name, "tanhui-20261207-153005-000.tanhui-backup");
        assert!(file_name(1_796_628_606_000) > name);
        let dir = tempfile::tempdir().expect("temp dir");
        for n in 0..5 {
            std::fs::write(
                dir.path().join(file_name(1_796_628_605_000 + n * 60_000)),
                b"x",
            )
            .expect("write");
        }
        std::fs::write(dir.path().join("county-before-upgrade.tanhui-backup"), b"x")
            .expect("write");
        let listed = list(dir.path()).expect("list");
        assert_eq!(listed.len(), 5);
        assert_eq!(listed[0].name, "tanhui-20261207-153405-000.tanhui-backup");
        let deleted = prune(dir.path(), 2).expect("prune");
        assert_eq!(deleted.len(), 3);
        assert_eq!(list(dir.path()).expect("list").len(), 2);
        assert!(dir
            .path()
            .join("county-before-upgrade.tanhui-backup")
            .exists());
        assert!(list(&dir.path().join("missing")).expect("empty").is_empty());
    }

    #[test]
    fn only_the_schedules_own_names_count() {
        let dir = tempfile::tempdir().expect("temp dir");
        for name in [
            "tanhui-20261201-pre-upgrade.tanhui-backup",
            "tanhui-before-upgrade.tanhui-backup",
            "tanhui-2026120-153005-000.tanhui-backup",
            "tanhui-20261207-153005-000.tanhui-backup.partial",
        ] {
            std::fs::write(dir.path().join(name), b"x").expect("write");
        }
        assert!(list(dir.path()).expect("list").is_empty());
        assert!(prune(dir.path(), 1).expect("prune").is_empty());
        remove_partial(dir.path());
        assert!(!dir
            .path()
            .join("tanhui-20261207-153005-000.tanhui-backup.partial")
            .exists());
        assert!(dir
            .path()
            .join("tanhui-before-upgrade.tanhui-backup")
            .exists());
    }

    #[test]
    fn the_next_backup_follows_the_newest_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let day = Duration::from_secs(86_400);
        let now = now_ms();
        assert_eq!(next_due_ms(dir.path(), day, now), now, "none yet: at once");
        std::fs::write(dir.path().join(file_name(now)), b"x").expect("write");
        let due = next_due_ms(dir.path(), day, now);
        assert!((due - now - 86_400_000).abs() < 5_000, "{}", due - now);
    }
}

//! `tanhui backup`, `tanhui restore` and `tanhui digest`: one portable file that restores into
//! either backend, and the digest that shows a restore holds what the backup did.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::storage::backup::{self, BackupReport};
use crate::storage::Store;

/// `tanhui backup --db URL --out FILE`.
pub async fn backup(url: &str, out: &Path) -> anyhow::Result<()> {
    let store = Store::connect(url).await?;
    let started = Instant::now();
    let result = backup::backup(&store, out).await;
    store.close().await;
    let report = result?;
    println!(
        "{}: backup of {} ({} tables, {} rows, schema {}) in {:.1} s, {} bytes, checked by reading it back",
        out.display(),
        report.header.backend,
        report.trailer.tables,
        report.trailer.rows,
        report.header.schema,
        started.elapsed().as_secs_f64(),
        report.bytes,
    );
    println!("digest {}", report.trailer.digest);
    Ok(())
}

/// `tanhui restore --db URL FILE`.
pub async fn restore(url: &str, file: &Path) -> anyhow::Result<()> {
    let store = Store::connect(url).await?;
    let started = Instant::now();
    let result = backup::restore(&store, file).await;
    let redacted = store.redacted_url();
    store.close().await;
    let report = result?;
    println!(
        "{redacted}: restored {} tables, {} rows from {} (a {} backup, schema {}) in {:.1} s",
        report.trailer.tables,
        report.trailer.rows,
        file.display(),
        report.header.backend,
        report.header.schema,
        started.elapsed().as_secs_f64(),
    );
    println!("digest {}", report.digest);
    Ok(())
}

/// `tanhui digest --db URL` or `tanhui digest FILE`: the content digest of a database, or the
/// one a backup file records (after checking the whole file).
pub async fn digest(url: String, file: Option<PathBuf>) -> anyhow::Result<()> {
    match file {
        Some(file) => {
            let BackupReport {
                header, trailer, ..
            } = tokio::task::spawn_blocking(move || backup::verify(&file)).await??;
            println!("{}", trailer.digest);
            eprintln!(
                "(a whole backup: {} tables, {} rows, schema {}, from {})",
                trailer.tables, trailer.rows, header.schema, header.backend
            );
        }
        None => {
            let store = Store::connect(&url).await?;
            let result = backup::digest(&store).await;
            store.close().await;
            println!("{}", result?);
        }
    }
    Ok(())
}

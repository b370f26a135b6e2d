//! Running a micro-data export: into a folder (CLI) or as a streamed HTTP body (API).

use std::io::Write;

use futures_util::{StreamExt, TryStreamExt};
use std::path::{Path, PathBuf};

use axum::body::Bytes;

use super::microdata::{codebook_csv, codebook_json, ChunkOut, CsvSink, Filter, Table, TABLES};
use super::pseudonym::{Pseudonymiser, SECRET_NAME};
use crate::storage::{StorageError, Store};

/// The pseudonymiser under this installation's secret (created on first use).
pub async fn pseudonymiser(store: &Store) -> Result<Pseudonymiser, StorageError> {
    Ok(Pseudonymiser::new(
        &store
            .server_secret(SECRET_NAME, &crate::auth::secret::generate(""))
            .await?,
    ))
}

struct FileOut(std::io::BufWriter<std::fs::File>);

#[async_trait::async_trait]
impl ChunkOut for FileOut {
    async fn write(&mut self, chunk: String) -> Result<(), StorageError> {
        self.0
            .write_all(chunk.as_bytes())
            .map_err(|err| StorageError::Sink(err.to_string()))
    }
}

/// What a folder export wrote: each file, its data rows and the seconds it took.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    pub files: Vec<(PathBuf, u64, f64)>,
}

fn create(path: &Path) -> Result<std::fs::File, StorageError> {
    std::fs::File::create(path)
        .map_err(|err| StorageError::Sink(format!("{}: {err}", path.display())))
}

/// The file format of micro-data tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

/// Writes one table to `path` in `format`; returns its data rows.
pub async fn write_table(
    store: &Store,
    table: &'static Table,
    filter: &Filter,
    pseudonyms: &Pseudonymiser,
    format: Format,
    path: &Path,
) -> Result<u64, StorageError> {
    match format {
        Format::Csv => {
            let out = FileOut(std::io::BufWriter::new(create(path)?));
            let mut sink = CsvSink::new(table, filter, pseudonyms, out);
            let rows = store.stream_table(table, filter, &mut sink).await?;
            let FileOut(mut writer) = sink.finish().await?;
            writer
                .flush()
                .map_err(|err| StorageError::Sink(err.to_string()))?;
            Ok(rows)
        }
        Format::Xlsx => {
            let mut sink = super::xlsx::XlsxSink::new(table, filter, pseudonyms)?;
            let rows = store.stream_table(table, filter, &mut sink).await?;
            // Compressing the workbook is seconds of CPU: off the threads answering requests.
            blocking(|| sink.save(path))?;
            Ok(rows)
        }
    }
}

/// Runs CPU-bound `work` where it does not hold up other requests: on a multi-threaded
/// runtime the worker hands its other tasks over first (`block_in_place`); a single-threaded
/// one (a CLI's) has nothing else to run.
fn blocking<T>(work: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(work),
        _ => work(),
    }
}

/// Writes every micro-data file (CSV or XLSX), `codebook.csv` and `codebook.json` into `dir`
/// (created if missing), two tables at a time, streaming.
pub async fn write_folder(
    store: &Store,
    dir: &Path,
    filter: &Filter,
    pseudonyms: &Pseudonymiser,
    format: Format,
) -> Result<Written, StorageError> {
    std::fs::create_dir_all(dir)
        .map_err(|err| StorageError::Sink(format!("{}: {err}", dir.display())))?;
    // Two tables at a time, on two connections: one database thread each, while the
    // formatting of both shares the async workers.
    let one = |table: &'static Table| async move {
        let started = std::time::Instant::now();
        let extension = match format {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        };
        let path = dir.join(format!("{}.{extension}", table.name));
        let rows = write_table(store, table, filter, pseudonyms, format, &path).await?;
        Ok::<_, StorageError>((path, rows, started.elapsed().as_secs_f64()))
    };
    let mut files: Vec<(PathBuf, u64, f64)> = futures_util::stream::iter(TABLES)
        .map(one)
        .buffered(2)
        .try_collect()
        .await?;
    for (name, text) in [
        ("codebook.csv", codebook_csv(filter)),
        ("codebook.json", format!("{:#}\n", codebook_json(filter))),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, text)
            .map_err(|err| StorageError::Sink(format!("{}: {err}", path.display())))?;
        files.push((path, 0, 0.0));
    }
    Ok(Written { files })
}

/// A response body that sends a finished file in 64-KiB chunks and deletes it afterwards
/// (XLSX: the workbook is complete only at the end, so it is built first, on disk).
pub fn file_body(file: tempfile::TempPath) -> axum::body::Body {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::spawn(async move {
        use tokio::io::AsyncReadExt;
        let mut reader = match tokio::fs::File::open(&file).await {
            Ok(reader) => reader,
            Err(err) => {
                let _ = tx.send(Err(err)).await;
                return;
            }
        };
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            match reader.read(&mut buffer).await {
                Ok(0) => break,
                Ok(n) => {
                    if tx
                        .send(Ok(Bytes::copy_from_slice(&buffer[..n])))
                        .await
                        .is_err()
                    {
                        break;
                    }
                }
                Err(err) => {
                    let _ = tx.send(Err(err)).await;
                    break;
                }
            }
        }
        drop(file);
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    axum::body::Body::from_stream(stream)
}

/// How long a streamed export waits for its client to take the next chunk before it gives
/// up and frees its connection (a client that stopped reading holds nothing for longer).
pub const STALL: std::time::Duration = std::time::Duration::from_secs(60);

/// Chunks travelling to an HTTP response; a closed receiver means the client went away, and
/// one that takes nothing for [`STALL`] is treated as gone.
struct ChannelOut(tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>);

#[async_trait::async_trait]
impl ChunkOut for ChannelOut {
    async fn write(&mut self, chunk: String) -> Result<(), StorageError> {
        match tokio::time::timeout(STALL, self.0.send(Ok(Bytes::from(chunk)))).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(StorageError::Sink(
                "the client closed the connection".into(),
            )),
            Err(_) => Err(StorageError::Sink(format!(
                "the client read nothing for {} s",
                STALL.as_secs()
            ))),
        }
    }
}

/// A response body that streams one table as CSV. The query runs in its own task and waits
/// whenever the client is slower than the database (a channel of four 64-KiB chunks), so
/// memory stays flat however large the table. A failure midway ends the body abruptly, which
/// clients see as a truncated transfer, never as a complete file.
pub fn stream_body(
    store: Store,
    table: &'static Table,
    filter: Filter,
    pseudonyms: Pseudonymiser,
    permit: tokio::sync::OwnedSemaphorePermit,
) -> axum::body::Body {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::spawn(async move {
        // Held until the export ends, however it ends.
        let _permit = permit;
        let errors = tx.clone();
        let mut sink = CsvSink::new(table, &filter, &pseudonyms, ChannelOut(tx));
        let outcome = match store.stream_table(table, &filter, &mut sink).await {
            Ok(rows) => sink.finish().await.map(|_| rows),
            Err(err) => Err(err),
        };
        match outcome {
            Ok(rows) => tracing::info!(table = table.name, rows, "micro-data export streamed"),
            Err(StorageError::Sink(reason)) => {
                tracing::info!(table = table.name, %reason, "micro-data export stopped")
            }
            Err(err) => {
                tracing::error!(table = table.name, %err, "micro-data export failed midway");
                let _ = errors
                    .send(Err(std::io::Error::other("export failed")))
                    .await;
            }
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    axum::body::Body::from_stream(stream)
}

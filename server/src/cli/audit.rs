//! `tanhui audit verify` and `tanhui audit archive`: the audit log's hash chain checked, and
//! entries past the retention period written to an archive file before they are pruned.
//!
//! An archive file is JSON lines: a header (`kind: tanhui-audit-archive`, the chain's anchor
//! before the first entry), one line per entry with its chain hash, and an end line (entries,
//! the last number and hash, and the SHA-256 of every line before it). Its entries chain from
//! the anchor of the archive before it to the anchor the database keeps after pruning, so the
//! files and the database check each other: `tanhui audit verify --archive FILE` recomputes a
//! file's chain.

use std::io::{BufRead, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::storage::{now_ms, AuditEntry, AuditRowText, AuditVerification, ChainedRow, Store};

const DAY_MS: i64 = 86_400_000;

/// `tanhui audit verify`: prints what was checked and every break found; an error (exit
/// status 1) when the chain is broken.
pub async fn verify(url: &str) -> anyhow::Result<()> {
    let store = Store::connect(url).await?;
    let report = store.verify_audit().await;
    store.close().await;
    let report = report?;
    print_verification(&report);
    match report.intact() {
        true => Ok(()),
        false => anyhow::bail!(
            "the audit log's chain is broken in {} place(s)",
            report.problem_count
        ),
    }
}

fn print_verification(report: &AuditVerification) {
    match (report.first_seq, report.last_seq) {
        (Some(first), Some(last)) => println!(
            "audit log: {} entries, {first}–{last}, checked against the chain (anchor {})",
            report.entries, report.anchor_seq
        ),
        _ => println!(
            "audit log: no entries after the anchor {}",
            report.anchor_seq
        ),
    }
    println!("head {}", report.head_hash);
    for problem in &report.problems {
        println!("BROKEN: {problem}");
    }
    let unlisted = report.problem_count - report.problems.len() as i64;
    if unlisted > 0 {
        println!("… and {unlisted} more");
    }
    if report.intact() {
        println!("intact: no entry was changed, removed or added outside Tanhui");
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct ArchiveHeader {
    kind: String,
    format: u32,
    created_at: i64,
    anchor_seq: i64,
    anchor_hash: String,
}

/// An archived entry: the row as stored, and its chain hash.
#[derive(Debug, Serialize, Deserialize)]
struct ArchiveEntry {
    #[serde(flatten)]
    row: AuditRowText,
    hash: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct ArchiveEnd {
    entries: i64,
    last_seq: i64,
    last_hash: String,
    sha256: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct EndLine {
    end: ArchiveEnd,
}

const KIND: &str = "tanhui-audit-archive";

/// `tanhui audit archive --out FILE [--before YYYY-MM-DD]`: writes the entries older than the
/// cutoff (default: the retention period ago; never later) to `out`, reads the file back and
/// checks it, then prunes them from the database in one transaction. A broken chain is
/// refused: an archive must not launder a change.
pub async fn archive(
    url: &str,
    out: &Path,
    before: Option<&str>,
    retention_days: u32,
) -> anyhow::Result<()> {
    let latest_cutoff = now_ms() - i64::from(retention_days) * DAY_MS;
    let cutoff = match before {
        None => latest_cutoff,
        Some(text) => {
            let date = domain::Date::parse(text)
                .map_err(|_| anyhow::anyhow!("--before {text:?}: write a date as YYYY-MM-DD"))?;
            let ms = date.start_in_china_ms();
            anyhow::ensure!(
                ms <= latest_cutoff,
                "--before {text}: entries of the last {retention_days} days must be kept (the retention period); the latest cutoff now is {} (China time)",
                domain::date::format_china_time(latest_cutoff)
            );
            ms
        }
    };
    anyhow::ensure!(
        !out.exists(),
        "{} exists already: archive into a new file",
        out.display()
    );
    let store = Store::connect(url).await?;
    let result = archive_into(&store, out, cutoff).await;
    store.close().await;
    result
}

async fn archive_into(store: &Store, out: &Path, cutoff: i64) -> anyhow::Result<()> {
    let report = store.verify_audit().await?;
    if !report.intact() {
        print_verification(&report);
        anyhow::bail!(
            "the audit log's chain is broken: nothing archived (run `tanhui audit verify`)"
        );
    }
    let head = store
        .audit_head()
        .await?
        .ok_or_else(|| anyhow::anyhow!("the audit chain has no head"))?;
    let mut file = std::io::BufWriter::new(std::fs::File::create_new(out)?);
    let mut digest = Sha256::new();
    let mut line = |file: &mut std::io::BufWriter<std::fs::File>, text: String| {
        digest.update(text.as_bytes());
        digest.update(b"\n");
        writeln!(file, "{text}")
    };
    line(
        &mut file,
        serde_json::to_string(&ArchiveHeader {
            kind: KIND.into(),
            format: 1,
            created_at: now_ms(),
            anchor_seq: head.anchor_seq,
            anchor_hash: head.anchor_hash.clone(),
        })?,
    )?;
    let (mut entries, mut last_seq, mut last_hash) = (0i64, head.anchor_seq, head.anchor_hash);
    'read: loop {
        let rows = store.audit_after(last_seq, 10_000).await?;
        if rows.is_empty() {
            break;
        }
        for ChainedRow { row, .. } in rows {
            // Entries are archived in order up to the first one inside the retention period.
            if row.at >= cutoff {
                break 'read;
            }
            let hash = crate::storage::audit_link(&last_hash, &row);
            last_seq = row.seq;
            last_hash = hash.clone();
            entries += 1;
            line(
                &mut file,
                serde_json::to_string(&ArchiveEntry { row, hash })?,
            )?;
        }
    }
    if entries == 0 {
        drop(file);
        std::fs::remove_file(out)?;
        println!("no audit entry is older than the cutoff: nothing archived");
        return Ok(());
    }
    let sha256: String = digest
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    writeln!(
        file,
        "{}",
        serde_json::to_string(&EndLine {
            end: ArchiveEnd {
                entries,
                last_seq,
                last_hash: last_hash.clone(),
                sha256,
            },
        })?
    )?;
    file.into_inner()
        .map_err(|err| err.into_error())?
        .sync_all()?;
    let checked = verify_archive(out)?;
    anyhow::ensure!(
        checked.last_seq == last_seq && checked.last_hash == last_hash,
        "the archive read back does not match what was written: nothing pruned"
    );
    let audit = AuditEntry::by(None, "audit.archive")
        .target("audit", format!("{}-{last_seq}", head.anchor_seq + 1))
        .change(
            None,
            Some(serde_json::json!({
                "entries": entries,
                "through_seq": last_seq,
                "through_hash": last_hash,
                "file": out.display().to_string(),
            })),
        );
    let deleted = store.prune_audit(last_seq, &last_hash, &audit).await?;
    println!(
        "{}: {entries} audit entries {}–{last_seq} archived, read back and checked; {deleted} pruned from the database",
        out.display(),
        head.anchor_seq + 1
    );
    println!("anchor {last_hash}");
    Ok(())
}

/// `tanhui audit verify --archive FILE`: recomputes the file's chain and its checksum.
pub fn verify_archive_file(path: &Path) -> anyhow::Result<()> {
    let end = verify_archive(path)?;
    println!(
        "{}: {} audit entries through {}, chain and checksum intact",
        path.display(),
        end.entries,
        end.last_seq
    );
    println!("anchor {}", end.last_hash);
    Ok(())
}

fn verify_archive(path: &Path) -> anyhow::Result<ArchiveEnd> {
    let reader = std::io::BufReader::new(std::fs::File::open(path)?);
    let mut lines = reader.lines();
    let damaged = |n: usize, what: &str| anyhow::anyhow!("{}: line {n}: {what}", path.display());
    let first = lines.next().ok_or_else(|| damaged(1, "empty file"))??;
    let header: ArchiveHeader = serde_json::from_str(&first)
        .ok()
        .filter(|h: &ArchiveHeader| h.kind == KIND && h.format == 1)
        .ok_or_else(|| damaged(1, "not a Tanhui audit archive"))?;
    let mut digest = Sha256::new();
    digest.update(first.as_bytes());
    digest.update(b"\n");
    let (mut hash, mut seq, mut entries) = (header.anchor_hash, header.anchor_seq, 0i64);
    for (index, text) in lines.enumerate() {
        let n = index + 2;
        let text = text?;
        if let Ok(EndLine { end }) = serde_json::from_str::<EndLine>(&text) {
            let sha256: String = digest
                .finalize()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            anyhow::ensure!(
                end.sha256 == sha256
                    && end.entries == entries
                    && end.last_seq == seq
                    && end.last_hash == hash,
                damaged(
                    n,
                    "the end line does not match the entries (changed or cut)"
                )
            );
            return Ok(end);
        }
        let entry: ArchiveEntry =
            serde_json::from_str(&text).map_err(|err| damaged(n, &err.to_string()))?;
        if entry.row.seq != seq + 1 {
            return Err(damaged(
                n,
                &format!("entry {} follows {seq}", entry.row.seq),
            ));
        }
        let expected = crate::storage::audit_link(&hash, &entry.row);
        if expected != entry.hash {
            return Err(damaged(n, &format!("entry {} was changed", entry.row.seq)));
        }
        digest.update(text.as_bytes());
        digest.update(b"\n");
        hash = expected;
        seq = entry.row.seq;
        entries += 1;
    }
    Err(damaged(0, "no end line: the file is cut short"))
}

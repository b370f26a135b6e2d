//! The backup file: gzip-compressed JSON lines, the same whichever backend wrote it.
//!
//! ```text
//! {"format":"tanhui-backup","version":1,"schema":20261208000016,"backend":"sqlite",…}
//! {"table":{"name":"admin_units","columns":[{"name":"code","kind":"text"},…]}}
//! ["513400","prefecture",…]                       one JSON array per row
//! {"table_end":{"rows":46}}
//! …                                                every table of `TABLES`, in that order
//! {"end":{"tables":27,"rows":…,"digest":"…","sha256":"…"}}
//! ```
//!
//! `sha256` is over every byte before the last line (uncompressed), so a file cut short or
//! changed anywhere is refused before a restore commits; `digest` is the content digest of the
//! database at the backup's moment (what `tanhui digest` prints for it, see `super::Digest`).

use std::io::{BufRead, BufReader, Read, Write};

use flate2::read::MultiGzDecoder;
use flate2::write::GzEncoder;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use super::{BackupError, Column};
use crate::storage::Cell;

/// What the first line of a backup says.
pub const FORMAT: &str = "tanhui-backup";
/// The layout of this file; a reader refuses any other.
pub const VERSION: u32 = 1;
/// The longest line a reader accepts.
const MAX_LINE: u64 = 16 << 20;

/// The first line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub format: String,
    pub version: u32,
    /// The newest migration of the database it was taken from.
    pub schema: i64,
    /// `sqlite` or `postgres`: where it came from (it restores into either).
    pub backend: String,
    /// When the snapshot was taken, Unix milliseconds.
    pub created_ms: i64,
    /// The version of Tanhui that wrote it.
    pub tanhui: String,
}

/// The last line: what a reader checks the whole file against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trailer {
    pub tables: u32,
    pub rows: u64,
    /// The content digest of the snapshot.
    pub digest: String,
    /// SHA-256 of every byte before this line.
    pub sha256: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Mark {
    Table { name: String, columns: Vec<Column> },
    TableEnd { rows: u64 },
    End(Trailer),
}

/// One step of a backup file as it is read.
#[derive(Debug, PartialEq)]
pub enum Event {
    Table { name: String, columns: Vec<Column> },
    Row(Vec<Cell>),
    TableEnd { rows: u64 },
}

/// Writes a backup file line by line.
pub struct Writer<W: Write> {
    out: GzEncoder<W>,
    hash: Sha256,
    line: Vec<u8>,
}

impl<W: Write> Writer<W> {
    pub fn new(out: W, header: &Header) -> Result<Writer<W>, BackupError> {
        let mut writer = Writer {
            out: GzEncoder::new(out, flate2::Compression::fast()),
            hash: Sha256::new(),
            line: Vec::with_capacity(1024),
        };
        writer.json(header)?;
        Ok(writer)
    }

    fn json(&mut self, value: &impl Serialize) -> Result<(), BackupError> {
        self.line.clear();
        serde_json::to_writer(&mut self.line, value).map_err(BackupError::encode)?;
        self.line.push(b'\n');
        self.hash.update(&self.line);
        self.out.write_all(&self.line)?;
        Ok(())
    }

    pub fn table(&mut self, name: &str, columns: &[Column]) -> Result<(), BackupError> {
        self.json(&Mark::Table {
            name: name.to_owned(),
            columns: columns.to_vec(),
        })
    }

    pub fn row(&mut self, cells: &[Cell]) -> Result<(), BackupError> {
        self.json(&cells)
    }

    pub fn table_end(&mut self, rows: u64) -> Result<(), BackupError> {
        self.json(&Mark::TableEnd { rows })
    }

    /// Writes the trailer and flushes; returns the inner writer.
    pub fn finish(mut self, tables: u32, rows: u64, digest: String) -> Result<W, BackupError> {
        let sha256 = format!("{:x}", self.hash.clone().finalize());
        let trailer = Trailer {
            tables,
            rows,
            digest,
            sha256,
        };
        self.line.clear();
        serde_json::to_writer(&mut self.line, &Mark::End(trailer)).map_err(BackupError::encode)?;
        self.line.push(b'\n');
        self.out.write_all(&self.line)?;
        Ok(self.out.finish()?)
    }
}

/// Reads a backup file: the header first ([`Reader::open`]), then events until the trailer,
/// which [`Reader::next`] checks before it reports the end.
pub struct Reader<R: Read> {
    input: BufReader<MultiGzDecoder<R>>,
    hash: Sha256,
    line: Vec<u8>,
    number: u64,
    pub header: Header,
    trailer: Option<Trailer>,
}

impl<R: Read> Reader<R> {
    pub fn open(input: R) -> Result<Reader<R>, BackupError> {
        let mut reader = Reader {
            input: BufReader::with_capacity(256 * 1024, MultiGzDecoder::new(input)),
            hash: Sha256::new(),
            line: Vec::with_capacity(1024),
            number: 0,
            header: Header {
                format: String::new(),
                version: 0,
                schema: 0,
                backend: String::new(),
                created_ms: 0,
                tanhui: String::new(),
            },
            trailer: None,
        };
        if !reader.read_line().map_err(|_| BackupError::NotABackup)? {
            return Err(BackupError::NotABackup);
        }
        let header: Header =
            serde_json::from_slice(&reader.line).map_err(|_| BackupError::NotABackup)?;
        if header.format != FORMAT {
            return Err(BackupError::NotABackup);
        }
        if header.version != VERSION {
            return Err(BackupError::FormatVersion(header.version));
        }
        reader.hash.update(&reader.line);
        reader.header = header;
        Ok(reader)
    }

    /// Reads the next line into `self.line`; false at the end of the file. A line longer than
    /// [`MAX_LINE`] is damage (a row is a few hundred bytes), not a reason to run out of memory.
    fn read_line(&mut self) -> Result<bool, BackupError> {
        self.line.clear();
        let n = (&mut self.input)
            .take(MAX_LINE)
            .read_until(b'\n', &mut self.line)
            .map_err(|err| match err.kind() {
                // The compressed stream stops in the middle: the file was cut short.
                std::io::ErrorKind::UnexpectedEof => BackupError::Truncated,
                _ => BackupError::Damaged {
                    line: self.number + 1,
                    detail: err.to_string(),
                },
            })?;
        if n == 0 {
            return Ok(false);
        }
        self.number += 1;
        if self.line.last() != Some(&b'\n') {
            if n as u64 >= MAX_LINE {
                return Err(BackupError::Damaged {
                    line: self.number,
                    detail: format!("a line longer than {} MiB", MAX_LINE >> 20),
                });
            }
            return Err(BackupError::Truncated);
        }
        Ok(true)
    }

    /// The next table, row or table end; `None` once the trailer is read and the file checked.
    pub fn next(&mut self) -> Result<Option<Event>, BackupError> {
        if self.trailer.is_some() {
            return Ok(None);
        }
        if !self.read_line()? {
            return Err(BackupError::Truncated);
        }
        let damaged = |number: u64, err: serde_json::Error| BackupError::Damaged {
            line: number,
            detail: err.to_string(),
        };
        if self.line.first() == Some(&b'[') {
            self.hash.update(&self.line);
            let cells: Vec<Cell> =
                serde_json::from_slice(&self.line).map_err(|e| damaged(self.number, e))?;
            return Ok(Some(Event::Row(cells)));
        }
        let mark: Mark = serde_json::from_slice(&self.line).map_err(|e| damaged(self.number, e))?;
        match mark {
            Mark::Table { name, columns } => {
                self.hash.update(&self.line);
                Ok(Some(Event::Table { name, columns }))
            }
            Mark::TableEnd { rows } => {
                self.hash.update(&self.line);
                Ok(Some(Event::TableEnd { rows }))
            }
            Mark::End(trailer) => {
                let actual = format!("{:x}", self.hash.clone().finalize());
                if actual != trailer.sha256 {
                    return Err(BackupError::Checksum);
                }
                // Nothing may follow the trailer.
                if self.read_line()? {
                    return Err(BackupError::Damaged {
                        line: self.number,
                        detail: "text after the end of the backup".to_owned(),
                    });
                }
                self.trailer = Some(trailer);
                Ok(None)
            }
        }
    }

    /// The trailer, once [`Reader::next`] has returned `None`.
    pub fn trailer(&self) -> Option<&Trailer> {
        self.trailer.as_ref()
    }
}

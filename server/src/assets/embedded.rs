//! The site carried inside the binary: appended to the executable file by `tanhui bundle`,
//! read back by the server at start. The operating system loads an executable by its headers
//! and never looks past the program it describes, so bytes after it are inert; the server
//! finds them from the end of its own file.
//!
//! ```text
//! [the tanhui executable][files][sha256 of files: 32][files length: u64 LE][count: u64 LE]["THSITE01"]
//! files = for each file: [path length: u32 LE][path, UTF-8][length: u64 LE][bytes]
//! ```
//!
//! The checksum is verified at every start, so a binary damaged in copying refuses to serve
//! rather than sending a broken bundle.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use sha2::{Digest, Sha256};

use super::{AssetError, SiteFiles};

const MAGIC: &[u8; 8] = b"THSITE01";
const TRAILER: u64 = 32 + 8 + 8 + 8;

/// The trailer of a bundled binary.
struct Trailer {
    sha256: [u8; 32],
    length: u64,
    count: u64,
}

fn damaged(what: &str) -> AssetError {
    AssetError::Damaged(what.to_owned())
}

/// The trailer at the end of `file`, if it carries a site.
fn trailer(file: &mut File, size: u64) -> Result<Option<Trailer>, AssetError> {
    if size < TRAILER {
        return Ok(None);
    }
    let mut bytes = [0u8; TRAILER as usize];
    file.seek(SeekFrom::Start(size - TRAILER))
        .map_err(AssetError::Exe)?;
    file.read_exact(&mut bytes).map_err(AssetError::Exe)?;
    if &bytes[48..] != MAGIC {
        return Ok(None);
    }
    let mut sha256 = [0u8; 32];
    sha256.copy_from_slice(&bytes[..32]);
    let number = |at: usize| {
        let mut n = [0u8; 8];
        n.copy_from_slice(&bytes[at..at + 8]);
        u64::from_le_bytes(n)
    };
    let (length, count) = (number(32), number(40));
    if length > size - TRAILER {
        return Err(damaged("its recorded length is longer than the file"));
    }
    Ok(Some(Trailer {
        sha256,
        length,
        count,
    }))
}

/// The program part of an executable: all of it, or all before the site it carries.
pub fn program_length(exe: &Path) -> Result<u64, AssetError> {
    let mut file = File::open(exe).map_err(AssetError::Exe)?;
    let size = file.metadata().map_err(AssetError::Exe)?.len();
    Ok(match trailer(&mut file, size)? {
        Some(t) => size - TRAILER - t.length,
        None => size,
    })
}

/// The files the executable at `exe` carries, or `None` when it carries no site.
pub fn read(exe: &Path) -> Result<Option<SiteFiles>, AssetError> {
    let mut file = File::open(exe).map_err(AssetError::Exe)?;
    let size = file.metadata().map_err(AssetError::Exe)?.len();
    let Some(trailer) = trailer(&mut file, size)? else {
        return Ok(None);
    };
    let length = usize::try_from(trailer.length).map_err(|_| damaged("too large"))?;
    let mut payload = vec![0u8; length];
    file.seek(SeekFrom::Start(size - TRAILER - trailer.length))
        .map_err(AssetError::Exe)?;
    file.read_exact(&mut payload).map_err(AssetError::Exe)?;
    if Sha256::digest(&payload).as_slice() != trailer.sha256 {
        return Err(damaged("its checksum does not match"));
    }
    let mut files = Vec::new();
    let mut rest = payload.as_slice();
    for _ in 0..trailer.count {
        let path_length = take_u32(&mut rest)? as usize;
        let path = take(&mut rest, path_length)?;
        let path = String::from_utf8(path.to_vec()).map_err(|_| damaged("a file name"))?;
        let length = usize::try_from(take_u64(&mut rest)?).map_err(|_| damaged("too large"))?;
        files.push((path, take(&mut rest, length)?.to_vec()));
    }
    if !rest.is_empty() {
        return Err(damaged("bytes after the last file"));
    }
    Ok(Some(files))
}

fn take<'a>(rest: &mut &'a [u8], n: usize) -> Result<&'a [u8], AssetError> {
    if rest.len() < n {
        return Err(damaged("a file runs past the end"));
    }
    let (head, tail) = rest.split_at(n);
    *rest = tail;
    Ok(head)
}

fn take_u32(rest: &mut &[u8]) -> Result<u32, AssetError> {
    let mut n = [0u8; 4];
    n.copy_from_slice(take(rest, 4)?);
    Ok(u32::from_le_bytes(n))
}

fn take_u64(rest: &mut &[u8]) -> Result<u64, AssetError> {
    let mut n = [0u8; 8];
    n.copy_from_slice(take(rest, 8)?);
    Ok(u64::from_le_bytes(n))
}

/// Writes to `out` the program part of `exe` followed by `files` (any site `exe` already
/// carried is replaced). Written to `out.partial` and renamed, executable.
pub fn write(exe: &Path, files: &[(String, Vec<u8>)], out: &Path) -> std::io::Result<u64> {
    let program = program_length(exe).map_err(std::io::Error::other)?;
    let partial = out.with_extension("partial");
    let result = (|| {
        let mut target = std::io::BufWriter::new(File::create(&partial)?);
        std::io::copy(&mut File::open(exe)?.take(program), &mut target)?;
        let mut hash = Sha256::new();
        let mut length = 0u64;
        let mut put = |bytes: &[u8], target: &mut dyn Write| -> std::io::Result<()> {
            hash.update(bytes);
            length += bytes.len() as u64;
            target.write_all(bytes)
        };
        for (path, bytes) in files {
            let path_length = u32::try_from(path.len()).map_err(std::io::Error::other)?;
            put(&path_length.to_le_bytes(), &mut target)?;
            put(path.as_bytes(), &mut target)?;
            put(&(bytes.len() as u64).to_le_bytes(), &mut target)?;
            put(bytes, &mut target)?;
        }
        target.write_all(&hash.finalize())?;
        target.write_all(&length.to_le_bytes())?;
        target.write_all(&(files.len() as u64).to_le_bytes())?;
        target.write_all(MAGIC)?;
        let file = target.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        let mut permissions = file.metadata()?.permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
        file.set_permissions(permissions)?;
        Ok(file.metadata()?.len())
    })();
    match result {
        Ok(size) => {
            std::fs::rename(&partial, out)?;
            Ok(size)
        }
        Err(err) => {
            let _ = std::fs::remove_file(&partial);
            Err(err)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> SiteFiles {
        vec![
            ("favicon.svg".into(), b"<svg/>".to_vec()),
            ("pkg/tanhui.wasm".into(), vec![0, 97, 115, 109, 1, 0, 0, 0]),
        ]
    }

    #[test]
    fn a_site_appended_to_a_program_reads_back_and_can_be_replaced() {
        let dir = tempfile::tempdir().expect("temp dir");
        let program = dir.path().join("program");
        std::fs::write(&program, b"#!/bin/sh\necho program\n").expect("write");
        assert!(read(&program).expect("read").is_none(), "a plain program");

        let bundled = dir.path().join("bundled");
        write(&program, &files(), &bundled).expect("bundle");
        assert_eq!(read(&bundled).expect("read"), Some(files()));
        assert_eq!(program_length(&bundled).expect("length"), 23);

        // Bundling a bundled binary replaces its site instead of stacking a second one.
        let again = dir.path().join("again");
        let other = vec![("pkg/tanhui.css".to_owned(), b"body{}".to_vec())];
        write(&bundled, &other, &again).expect("bundle again");
        assert_eq!(read(&again).expect("read"), Some(other));
        let bytes = std::fs::read(&again).expect("read");
        assert!(bytes.starts_with(b"#!/bin/sh\necho program\n"));
        assert!(
            !bytes.windows(6).any(|w| w == b"<svg/>"),
            "the old site is gone"
        );
    }

    #[test]
    fn a_damaged_copy_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let program = dir.path().join("program");
        std::fs::write(&program, b"program").expect("write");
        let bundled = dir.path().join("bundled");
        write(&program, &files(), &bundled).expect("bundle");
        let mut bytes = std::fs::read(&bundled).expect("read");
        bytes[12] ^= 1;
        std::fs::write(&bundled, &bytes).expect("write");
        let err = read(&bundled).expect_err("damaged");
        assert!(err.to_string().contains("checksum"), "{err}");
    }
}

//! The browser bundle the server sends (wasm, JS glue, CSS, icons), held in memory and named
//! by content.
//!
//! The bundle comes from one of two places: a site folder built by `scripts/site.sh`
//! (`TANHUI_SITE_ROOT`, for development and tests), or the copy carried inside the binary
//! itself ([`embedded`]), which is what makes the one-file release (`tanhui bundle`).
//!
//! Files under `pkg/` are served under names that carry the bundle's **build id** (a SHA-256
//! over all of them): `/pkg/tanhui.<build>.js`, `.wasm` and `.css`, cached by browsers for a
//! year as immutable. A page names the build it was rendered with, so a browser can never pair
//! new HTML with an old wasm after an upgrade: the new page asks for new names. Other files
//! (`/favicon.svg`) keep their names and are revalidated by `ETag`.

pub mod embedded;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use axum::body::Bytes;
use sha2::{Digest, Sha256};

/// Where the bundle's files are, under the site root.
pub const PKG: &str = "pkg";
/// The stem every `pkg/` file of the bundle has (`tanhui.js`, `tanhui.wasm`, `tanhui.css`).
pub const STEM: &str = "tanhui";
/// A site's files as (path under the site root with `/` separators, bytes).
pub type SiteFiles = Vec<(String, Vec<u8>)>;

/// What a site must hold for a page to hydrate.
pub const REQUIRED: [&str; 3] = ["pkg/tanhui.js", "pkg/tanhui.wasm", "pkg/tanhui.css"];

/// One file as served: its bytes and the precompressed copies the site carries.
#[derive(Debug, Clone)]
pub struct Asset {
    pub identity: Bytes,
    pub gzip: Option<Bytes>,
    pub brotli: Option<Bytes>,
    pub content_type: &'static str,
    /// A strong validator: the first 16 bytes of the file's SHA-256, quoted.
    pub etag: String,
    /// A content-named file: cached for a year without revalidation.
    pub immutable: bool,
}

/// Where a bundle came from (printed at start and shown on the status page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A site folder (`TANHUI_SITE_ROOT`).
    Folder(PathBuf),
    /// The copy inside the running binary.
    Embedded,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Folder(path) => write!(f, "folder {}", path.display()),
            Origin::Embedded => f.write_str("embedded in the binary"),
        }
    }
}

/// Why a bundle could not be had.
#[derive(Debug, thiserror::Error)]
pub enum AssetError {
    #[error("cannot read the site folder {path}: {source}")]
    Folder {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the site {origin} lacks {missing}: build it with scripts/site.sh (or `make build`)")]
    Incomplete { origin: Origin, missing: String },
    #[error("this tanhui binary carries no site (wasm, JS, CSS): use the one-file build that `make build` writes (dist/tanhui), or set TANHUI_SITE_ROOT to a site folder built by scripts/site.sh")]
    NotEmbedded,
    #[error("the site carried inside this binary is damaged ({0}): copy the binary again")]
    Damaged(String),
    #[error("cannot read this binary's own file: {0}")]
    Exe(std::io::Error),
}

/// The bundle: every file by the URL path it is served at.
#[derive(Debug, Clone)]
pub struct Assets {
    files: BTreeMap<String, Asset>,
    build: String,
    origin: Origin,
}

impl Assets {
    /// The bundle in a site folder. Missing files are not an error here (tests serve pages
    /// without a wasm build); [`Assets::require_complete`] is.
    pub fn from_folder(root: &Path) -> Result<Assets, AssetError> {
        let files = read_folder(root).map_err(|source| AssetError::Folder {
            path: root.to_owned(),
            source,
        })?;
        Ok(Assets::from_files(files, Origin::Folder(root.to_owned())))
    }

    /// The bundle inside the running binary.
    pub fn from_binary() -> Result<Assets, AssetError> {
        let exe = std::env::current_exe().map_err(AssetError::Exe)?;
        match embedded::read(&exe)? {
            Some(files) => Ok(Assets::from_files(files, Origin::Embedded)),
            None => Err(AssetError::NotEmbedded),
        }
    }

    /// `TANHUI_SITE_ROOT` when set, otherwise the binary's own copy.
    pub fn load(site_root: Option<&Path>) -> Result<Assets, AssetError> {
        match site_root {
            Some(root) => Assets::from_folder(root),
            None => Assets::from_binary(),
        }
    }

    /// Files as (path under the site root, bytes): `.gz` and `.br` files become the
    /// precompressed copies of the file they sit beside.
    pub fn from_files(files: SiteFiles, origin: Origin) -> Assets {
        let mut plain: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        let mut compressed: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        for (path, bytes) in files {
            if path.ends_with(".gz") || path.ends_with(".br") {
                compressed.insert(path, bytes);
            } else {
                plain.insert(path, bytes);
            }
        }
        let build = build_id(&plain);
        let mut served = BTreeMap::new();
        for (path, bytes) in plain {
            let take = |suffix: &str, compressed: &mut BTreeMap<String, Vec<u8>>| {
                compressed
                    .remove(&format!("{path}.{suffix}"))
                    .map(Bytes::from)
            };
            let gzip = take("gz", &mut compressed);
            let brotli = take("br", &mut compressed);
            let in_pkg = path.starts_with("pkg/");
            let url = match in_pkg {
                true => format!("/{}", named_for_build(&path, &build)),
                false => format!("/{path}"),
            };
            let etag = format!("\"{}\"", hex(&Sha256::digest(&bytes)[..16]));
            served.insert(
                url,
                Asset {
                    content_type: content_type(&path),
                    identity: Bytes::from(bytes),
                    gzip,
                    brotli,
                    etag,
                    immutable: in_pkg,
                },
            );
        }
        Assets {
            files: served,
            build,
            origin,
        }
    }

    /// Refuses a bundle a page could not hydrate with.
    pub fn require_complete(&self) -> Result<(), AssetError> {
        let missing: Vec<&str> = REQUIRED
            .iter()
            .filter(|path| !self.files.contains_key(&format!("/{}", self.url_of(path))))
            .copied()
            .collect();
        match missing.is_empty() {
            true => Ok(()),
            false => Err(AssetError::Incomplete {
                origin: self.origin.clone(),
                missing: missing.join(", "),
            }),
        }
    }

    /// The file served at `path`.
    pub fn get(&self, path: &str) -> Option<&Asset> {
        self.files.get(path)
    }

    /// Every URL path served, in order.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }

    /// The paths served outside `/pkg/` (they need routes of their own).
    pub fn public_paths(&self) -> impl Iterator<Item = &str> {
        self.paths().filter(|p| !p.starts_with("/pkg/"))
    }

    /// The bundle's build id: 16 hex digits of a SHA-256 over every file's name and content.
    pub fn build(&self) -> &str {
        &self.build
    }

    /// The name Leptos's hydration scripts are given: they ask for `/pkg/<it>.js` and
    /// `/pkg/<it>.wasm`, and the page's stylesheet is `/pkg/<it>.css`.
    pub fn output_name(&self) -> String {
        format!("{STEM}.{}", self.build)
    }

    /// Where the bundle came from.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// Files and bytes served (uncompressed), for the start-up line.
    pub fn size(&self) -> (usize, usize) {
        (
            self.files.len(),
            self.files.values().map(|a| a.identity.len()).sum(),
        )
    }

    /// The URL path (without the leading `/`) of a file given by its path in the site.
    fn url_of(&self, path: &str) -> String {
        match path.starts_with("pkg/") {
            true => named_for_build(path, &self.build),
            false => path.to_owned(),
        }
    }
}

/// `pkg/tanhui.wasm` → `pkg/tanhui.<build>.wasm`.
fn named_for_build(path: &str, build: &str) -> String {
    match path.rsplit_once('.') {
        Some((stem, ext)) if !stem.ends_with('/') => format!("{stem}.{build}.{ext}"),
        _ => format!("{path}.{build}"),
    }
}

fn build_id(plain: &BTreeMap<String, Vec<u8>>) -> String {
    let mut hash = Sha256::new();
    for (path, bytes) in plain {
        hash.update((path.len() as u64).to_le_bytes());
        hash.update(path.as_bytes());
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(bytes);
    }
    hex(&hash.finalize()[..8])
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map_or("", |(_, ext)| ext);
    match ext {
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "webmanifest" => "application/manifest+json",
        "json" => "application/json",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        "html" => "text/html; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Every file under `root` as (path with `/` separators, bytes); names starting with `.` are
/// build bookkeeping (`pkg/.source`) and left out.
pub fn read_folder(root: &Path) -> std::io::Result<SiteFiles> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let name = entry.file_name();
            if name.to_string_lossy().starts_with('.') {
                continue;
            }
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                stack.push(path);
                continue;
            }
            let relative = path
                .strip_prefix(root)
                .map_err(std::io::Error::other)?
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            out.push((relative, std::fs::read(&path)?));
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(css: &str) -> Assets {
        Assets::from_files(
            vec![
                ("pkg/tanhui.js".into(), b"export default 1".to_vec()),
                ("pkg/tanhui.wasm".into(), b"\0asm".to_vec()),
                ("pkg/tanhui.wasm.br".into(), b"br".to_vec()),
                ("pkg/tanhui.css".into(), css.as_bytes().to_vec()),
                ("favicon.svg".into(), b"<svg/>".to_vec()),
                ("favicon.svg.gz".into(), b"gz".to_vec()),
            ],
            Origin::Embedded,
        )
    }

    #[test]
    fn pkg_files_carry_the_build_id_and_other_files_keep_their_names() {
        let assets = site("body{}");
        let build = assets.build().to_owned();
        assert_eq!(build.len(), 16);
        let paths: Vec<&str> = assets.paths().collect();
        assert_eq!(
            paths,
            vec![
                "/favicon.svg".to_owned(),
                format!("/pkg/tanhui.{build}.css"),
                format!("/pkg/tanhui.{build}.js"),
                format!("/pkg/tanhui.{build}.wasm"),
            ]
        );
        assert_eq!(assets.output_name(), format!("tanhui.{build}"));
        let wasm = assets
            .get(&format!("/pkg/tanhui.{build}.wasm"))
            .expect("wasm");
        assert!(wasm.immutable);
        assert_eq!(wasm.content_type, "application/wasm");
        assert_eq!(wasm.brotli.as_deref(), Some(&b"br"[..]));
        assert!(wasm.gzip.is_none());
        let icon = assets.get("/favicon.svg").expect("icon");
        assert!(!icon.immutable);
        assert_eq!(icon.gzip.as_deref(), Some(&b"gz"[..]));
        assert!(assets.require_complete().is_ok());
        assert_eq!(assets.public_paths().collect::<Vec<_>>(), ["/favicon.svg"]);
    }

    #[test]
    fn any_changed_file_gives_every_pkg_file_a_new_name() {
        let a = site("body{}");
        let b = site("body{color:red}");
        assert_ne!(a.build(), b.build());
        assert_eq!(
            a.build(),
            site("body{}").build(),
            "the id depends on content only"
        );
        let js = |s: &Assets| format!("/pkg/tanhui.{}.js", s.build());
        assert!(b.get(&js(&a)).is_none(), "the old name is gone");
        assert!(b.get(&js(&b)).is_some());
    }

    #[test]
    fn an_incomplete_site_is_refused_naming_what_is_missing() {
        let assets = Assets::from_files(
            vec![("pkg/tanhui.css".into(), b"body{}".to_vec())],
            Origin::Folder("/srv/site".into()),
        );
        let err = assets.require_complete().expect_err("incomplete");
        let text = err.to_string();
        assert!(text.contains("pkg/tanhui.js, pkg/tanhui.wasm"), "{text}");
        assert!(text.contains("/srv/site"), "{text}");
    }
}

//! Sensitive personal information at rest: ID-card numbers (household heads and members) and
//! phones are stored encrypted with XChaCha20-Poly1305 under a data key that never enters the
//! database, and the heads' ID-card numbers also as a keyed blind index (HMAC-SHA-256) so that
//! exact look-ups and the one-household-per-head rule still work. A copied database file or
//! backup alone reveals none of them.
//!
//! The data key is 32 random bytes, from `TANHUI_DATA_KEY` (64 hex digits) or a key file
//! (`TANHUI_KEY_FILE`; for SQLite by default `<database file>.key` beside it, created on first
//! use with mode 0600). Two keys are derived from it: one encrypts, one computes the index.
//! A stored value reads `v1.<key id>.<base64(nonce ‖ ciphertext ‖ tag)>`; the key id (the
//! first 8 hex digits of SHA-256 of the data key) says which key a value needs, so that a wrong
//! key file is a clear error and `tanhui keys rotate` knows what it has re-encrypted. The
//! field's name is the associated data: a value moved to another column does not decrypt.
//! The nonce is synthetic — the first 24 bytes of an HMAC, under a third derived key, of the
//! field and the value — so equal values seal to equal text (the blind index reveals that
//! much for ID-card numbers anyway), and the demo data and a database's digest stay
//! reproducible; a nonce is never reused for two different values.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// The fields that are encrypted, named as associated data.
pub const HEAD_ID_CARD: &str = "households.head_id_card";
pub const PHONE: &str = "households.phone";
pub const PERSON_ID_CARD: &str = "persons.id_card";
/// An account's TOTP secret (base32): sealed too, so that a copied database signs nobody in.
pub const TOTP_SECRET: &str = "second_factors.secret";

const PREFIX: &str = "v1.";

/// Why a value or a key could not be used.
#[derive(Debug, thiserror::Error)]
pub enum CryptError {
    #[error("{0}")]
    Key(String),
    #[error("a stored {field} was encrypted with data key {found}, not with this one ({ours}): start Tanhui with the key file it was written with")]
    WrongKey {
        field: &'static str,
        found: String,
        ours: String,
    },
    #[error("a stored {0} does not decrypt: it was changed or damaged")]
    Damaged(&'static str),
    #[error("this database holds encrypted personal data, but no data key is set: set TANHUI_KEY_FILE or TANHUI_DATA_KEY")]
    NoKey,
}

/// The data key's two derived keys and its id.
#[derive(Clone)]
pub struct Keys {
    cipher: XChaCha20Poly1305,
    index: [u8; 32],
    nonce: [u8; 32],
    id: String,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

fn derive(master: &[u8; 32], purpose: &str) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(master).expect("HMAC takes any key length");
    mac.update(purpose.as_bytes());
    mac.finalize().into_bytes().into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn from_hex(text: &str) -> Option<[u8; 32]> {
    let text = text.trim();
    if text.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

impl Keys {
    pub fn from_master(master: &[u8; 32]) -> Keys {
        Keys {
            cipher: XChaCha20Poly1305::new(&derive(master, "tanhui data encryption v1").into()),
            index: derive(master, "tanhui blind index v1"),
            nonce: derive(master, "tanhui synthetic nonce v1"),
            id: hex(&Sha256::digest(master)[..4]),
        }
    }

    /// The key's id, as stored values carry it.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Encrypts `plain` for `field`.
    pub fn seal(&self, field: &'static str, plain: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.nonce).expect("any key length");
        mac.update(field.as_bytes());
        mac.update(&[0]);
        mac.update(plain.as_bytes());
        let nonce: [u8; 24] = mac.finalize().into_bytes()[..24]
            .try_into()
            .expect("a SHA-256 output has 32 bytes");
        let sealed = self
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plain.as_bytes(),
                    aad: field.as_bytes(),
                },
            )
            .expect("XChaCha20-Poly1305 encrypts any length a text column holds");
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        format!(
            "{PREFIX}{}.{}",
            self.id,
            base64::engine::general_purpose::STANDARD_NO_PAD.encode(bytes)
        )
    }

    /// Decrypts a stored value of `field`. A value without the prefix is clear text written
    /// before encryption (the start-up pass encrypts those).
    pub fn open(&self, field: &'static str, stored: &str) -> Result<String, CryptError> {
        let Some(rest) = stored.strip_prefix(PREFIX) else {
            return Ok(stored.to_owned());
        };
        let (id, body) = rest.split_once('.').ok_or(CryptError::Damaged(field))?;
        if id != self.id {
            return Err(CryptError::WrongKey {
                field,
                found: id.to_owned(),
                ours: self.id.clone(),
            });
        }
        let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(body)
            .map_err(|_| CryptError::Damaged(field))?;
        if bytes.len() < 24 {
            return Err(CryptError::Damaged(field));
        }
        let (nonce, sealed) = bytes.split_at(24);
        let plain = self
            .cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: field.as_bytes(),
                },
            )
            .map_err(|_| CryptError::Damaged(field))?;
        String::from_utf8(plain).map_err(|_| CryptError::Damaged(field))
    }

    /// The blind index of an ID-card number: equal numbers, equal indexes; nothing else can be
    /// learnt from it without the key.
    pub fn blind(&self, id_card: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.index).expect("any key length");
        mac.update(id_card.trim().to_ascii_uppercase().as_bytes());
        hex(&mac.finalize().into_bytes())
    }

    /// Whether `stored` is encrypted (with any key).
    pub fn is_sealed(stored: &str) -> bool {
        stored.starts_with(PREFIX)
    }
}

/// Where the data key comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// 64 hex digits (`TANHUI_DATA_KEY`).
    Hex(String),
    /// A key file (`TANHUI_KEY_FILE`, or beside the SQLite file); created if missing when
    /// `create` is set.
    File { path: PathBuf, create: bool },
    /// None configured (PostgreSQL without a setting): encrypted data cannot be read.
    None,
}

impl KeySource {
    /// From the environment, else the default for `db_url`: `<file>.key` beside a SQLite
    /// database (created on first use); nothing for PostgreSQL, whose key must be set.
    pub fn for_database(db_url: &str) -> KeySource {
        if let Ok(hex) = std::env::var("TANHUI_DATA_KEY") {
            return KeySource::Hex(hex);
        }
        if let Ok(path) = std::env::var("TANHUI_KEY_FILE") {
            return KeySource::File {
                path: PathBuf::from(path),
                create: true,
            };
        }
        match sqlite_path(db_url) {
            Some(db) => KeySource::File {
                path: PathBuf::from(format!("{}.key", db.display())),
                create: true,
            },
            None => KeySource::None,
        }
    }

    /// The keys, if set or if the key file exists.
    pub fn load(&self) -> Result<Option<Keys>, CryptError> {
        match self {
            KeySource::None => Ok(None),
            KeySource::Hex(text) => from_hex(text)
                .map(|k| Some(Keys::from_master(&k)))
                .ok_or_else(|| CryptError::Key("TANHUI_DATA_KEY: write 64 hex digits (32 bytes), e.g. from `openssl rand -hex 32`".into())),
            // A missing file is created by `Store::migrate`, and only for a database that
            // holds nothing sealed yet.
            KeySource::File { path, .. } => match path.exists() {
                true => read_or_create(path, false).map(Some),
                false => Ok(None),
            },
        }
    }
}

fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

/// Reads a key file (64 hex digits), or writes a new random one (mode 0600) when missing.
pub fn read_or_create(path: &Path, create: bool) -> Result<Keys, CryptError> {
    let io =
        |err: std::io::Error| CryptError::Key(format!("data key file {}: {err}", path.display()));
    match std::fs::read_to_string(path) {
        Ok(text) => from_hex(&text)
            .map(|k| Keys::from_master(&k))
            .ok_or_else(|| {
                CryptError::Key(format!(
                    "data key file {}: it must hold 64 hex digits",
                    path.display()
                ))
            }),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound && create => {
            let mut master = [0u8; 32];
            rand::rng().fill_bytes(&mut master);
            write_key_file(path, &master).map_err(io)?;
            tracing::warn!(
                path = %path.display(),
                "created a new data key file: back it up apart from the database; without it the ID-card numbers and phones cannot be read"
            );
            Ok(Keys::from_master(&master))
        }
        Err(err) => Err(io(err)),
    }
}

/// Writes a new key file that only its owner can read; refuses to overwrite one.
pub fn write_key_file(path: &Path, master: &[u8; 32]) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    writeln!(file, "{}", hex(master))?;
    file.sync_all()
}

/// A new random data key, as a key file holds it.
pub fn new_master() -> [u8; 32] {
    let mut master = [0u8; 32];
    rand::rng().fill_bytes(&mut master);
    master
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_decrypts_only_with_its_key_and_field() {
        let keys = Keys::from_master(&[7u8; 32]);
        let sealed = keys.seal(HEAD_ID_CARD, "51343419800315001X");
        assert!(!sealed.contains("513434"), "{sealed}");
        assert_eq!(
            sealed,
            keys.seal(HEAD_ID_CARD, "51343419800315001X"),
            "synthetic nonce"
        );
        assert_ne!(
            keys.seal(PERSON_ID_CARD, "51343419800315001X")[12..],
            sealed[12..],
            "another field, another nonce"
        );
        assert_eq!(
            keys.open(HEAD_ID_CARD, &sealed).expect("open"),
            "51343419800315001X"
        );
        assert!(matches!(
            keys.open(PHONE, &sealed),
            Err(CryptError::Damaged(_))
        ));
        let other = Keys::from_master(&[8u8; 32]);
        assert!(matches!(
            other.open(HEAD_ID_CARD, &sealed),
            Err(CryptError::WrongKey { .. })
        ));
        let mut tampered = sealed.clone();
        tampered.pop();
        tampered.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        assert!(keys.open(HEAD_ID_CARD, &tampered).is_err());
        assert_eq!(
            keys.open(PHONE, "13800001234").expect("clear"),
            "13800001234"
        );
    }

    #[test]
    fn the_blind_index_is_keyed_and_ignores_case() {
        let keys = Keys::from_master(&[7u8; 32]);
        assert_eq!(
            keys.blind("51343419800315001x"),
            keys.blind("51343419800315001X")
        );
        assert_ne!(
            keys.blind("51343419800315001X"),
            Keys::from_master(&[8u8; 32]).blind("51343419800315001X")
        );
    }

    #[test]
    fn a_key_file_is_created_private_then_read_back() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("sub/tanhui.key");
        let first = read_or_create(&path, true).expect("create");
        let again = read_or_create(&path, true).expect("read");
        assert_eq!(first.id(), again.id());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, "short").expect("write");
        assert!(read_or_create(&path, true).is_err());
        assert!(read_or_create(&dir.path().join("none.key"), false).is_err());
        assert_eq!(
            sqlite_path("sqlite://data/tanhui.db?mode=rwc"),
            Some(PathBuf::from("data/tanhui.db"))
        );
    }
}

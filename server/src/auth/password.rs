//! Password hashing: Argon2id with the crate's recommended parameters (19 MiB, 2 passes),
//! stored as a PHC string so parameters can be raised later without breaking old hashes.

use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::RngCore;

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

pub fn hash(password: &str) -> Result<String, HashError> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|err| HashError(err.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|err| HashError(err.to_string()))
}

/// Whether `password` matches `stored`. A malformed stored hash matches nothing.
pub fn verify(stored: &str, password: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(err) => {
            tracing::error!(%err, "stored password hash is malformed");
            false
        }
    }
}

/// Spends the same time as a real check when the username does not exist, so response times
/// do not tell which usernames are taken.
pub fn verify_nothing(password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash("not-a-real-password-0").unwrap_or_default());
    let _ = verify(dummy, password);
}

/// [`hash`] on the blocking pool: Argon2 takes tens of milliseconds of CPU by design, which
/// must not stall the async workers serving everyone else.
pub async fn hash_blocking(password: String) -> Result<String, HashError> {
    tokio::task::spawn_blocking(move || hash(&password))
        .await
        .map_err(|err| HashError(err.to_string()))?
}

/// [`verify`] on the blocking pool; `None` stored hash spends the time of a check anyway.
pub async fn verify_blocking(stored: Option<String>, password: String) -> bool {
    tokio::task::spawn_blocking(move || match stored {
        Some(stored) => verify(&stored, &password),
        None => {
            verify_nothing(&password);
            false
        }
    })
    .await
    .unwrap_or(false)
}

/// A readable random password for one-time use (first admin, resets): 16 characters from
/// an alphabet without look-alikes (no 0/O, 1/l/I).
pub fn one_time() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..16)
        .map(|_| ALPHABET[(rng.next_u32() as usize) % ALPHABET.len()] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let stored = hash("森林碳汇-2026-yuexi").expect("hash");
        assert!(stored.starts_with("$argon2id$"), "{stored}");
        assert!(verify(&stored, "森林碳汇-2026-yuexi"));
        assert!(!verify(&stored, "森林碳汇-2026-yuexj"));
        assert_ne!(stored, hash("森林碳汇-2026-yuexi").expect("hash"), "salted");
        assert!(!verify("not a phc string", "anything"));
    }

    #[test]
    fn one_time_passwords_pass_the_password_rules() {
        for _ in 0..50 {
            let password = one_time();
            assert_eq!(password.len(), 16);
            // 4 distinct characters out of 16 drawn from 56 fails with negligible probability.
            assert!(domain::access::check_password("admin", &password).is_ok());
        }
    }
}

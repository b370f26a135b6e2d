//! Bearer secrets (session cookies and API tokens): 256 random bits, shown to their owner
//! once; the database keeps only a SHA-256, so reading it signs nobody in.

use rand::RngCore;
use sha2::{Digest, Sha256};

/// A new secret: `prefix` followed by 64 hex digits.
pub fn generate(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let mut text = String::with_capacity(prefix.len() + 64);
    text.push_str(prefix);
    for byte in bytes {
        text.push_str(&format!("{byte:02x}"));
    }
    text
}

/// What the database stores for a secret.
pub fn digest(secret: &str) -> String {
    format!("{:x}", Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_distinct_and_stored_as_digests() {
        let a = generate("thk_");
        let b = generate("thk_");
        assert_eq!(a.len(), 68);
        assert!(a.starts_with("thk_"));
        assert_ne!(a, b);
        assert_eq!(digest(&a).len(), 64);
        assert_ne!(digest(&a), a);
        assert_eq!(digest(&a), digest(&a.clone()));
    }
}

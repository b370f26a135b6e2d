//! Pseudonymous ids: HMAC-SHA256 of a record id under the server's secret, cut to 16 hex
//! digits. The same record always gets the same pseudonym (panels link across exports); without
//! the secret the mapping cannot be reversed or recomputed.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The name of the secret in `server_secrets`.
pub const SECRET_NAME: &str = "pseudonym_key";

#[derive(Clone)]
pub struct Pseudonymiser {
    mac: Hmac<Sha256>,
}

impl Pseudonymiser {
    pub fn new(secret: &str) -> Pseudonymiser {
        // HMAC accepts keys of any length: this cannot fail.
        let mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
            .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        Pseudonymiser { mac }
    }

    /// The pseudonym of `id` within `kind` (households and plots never share pseudonyms).
    pub fn of(&self, kind: &str, id: &str) -> String {
        let mut mac = self.mac.clone();
        mac.update(kind.as_bytes());
        mac.update(b":");
        mac.update(id.as_bytes());
        let digest = mac.finalize().into_bytes();
        digest[..8].iter().map(|b| format!("{b:02x}")).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_under_one_secret_different_under_another() {
        let a = Pseudonymiser::new("secret-one");
        let b = Pseudonymiser::new("secret-two");
        let id = "0f3c2a9e6b1d4c7a8e5f2b3c4d5e6f70";
        assert_eq!(a.of("household", id), a.of("household", id));
        assert_eq!(a.of("household", id).len(), 16);
        assert_ne!(a.of("household", id), b.of("household", id));
        assert_ne!(a.of("household", id), a.of("plot", id));
        assert!(!a.of("household", id).contains(&id[..8]));
    }
}

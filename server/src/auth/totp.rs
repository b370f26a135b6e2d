//! The second sign-in factor: time-based one-time passwords (RFC 6238 over RFC 4226's HOTP,
//! HMAC-SHA-1, 6 digits, 30-second steps — what every authenticator app reads from an
//! `otpauth://` QR code) and single-use recovery codes.

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha1::Sha1;

/// Seconds per code.
pub const STEP_S: i64 = 30;
/// Codes one step either side of now are accepted (clock drift of a phone).
pub const DRIFT_STEPS: i64 = 1;
/// Recovery codes issued at enrolment (and on renewal).
pub const RECOVERY_CODES: usize = 10;
/// The issuer shown in the authenticator app.
pub const ISSUER: &str = "Tanhui";

/// A new random secret: 20 bytes, the HMAC-SHA-1 block RFC 4226 recommends.
pub fn new_secret() -> Vec<u8> {
    let mut secret = vec![0u8; 20];
    rand::rng().fill_bytes(&mut secret);
    secret
}

/// The code for one time step (RFC 4226 §5.3 dynamic truncation).
pub fn code_at_step(secret: &[u8], step: i64) -> u32 {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let value = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    value % 1_000_000
}

/// The time step of a Unix-milliseconds instant.
pub fn step_of(now_ms: i64) -> i64 {
    now_ms.div_euclid(STEP_S * 1000)
}

/// The step `code` belongs to, if it is the code of a step within the drift of `now_ms` and
/// later than `last_used` (a code is good once: a watched or replayed code is refused).
pub fn matching_step(secret: &[u8], code: &str, now_ms: i64, last_used: i64) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let wanted: u32 = code.parse().ok()?;
    let now = step_of(now_ms);
    (now - DRIFT_STEPS..=now + DRIFT_STEPS)
        .filter(|step| *step > last_used)
        .find(|step| code_at_step(secret, *step) == wanted)
}

/// Whether `text` looks like a six-digit code (else it is tried as a recovery code).
pub fn looks_like_code(text: &str) -> bool {
    let digits: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit())
}

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding, as authenticator apps take secrets.
pub fn base32(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(5) {
        let mut block = [0u8; 5];
        block[..chunk.len()].copy_from_slice(chunk);
        let bits = block.iter().fold(0u64, |acc, b| acc << 8 | u64::from(*b));
        let chars = (chunk.len() * 8).div_ceil(5);
        for i in 0..chars {
            out.push(char::from(BASE32[((bits >> (35 - 5 * i)) & 31) as usize]));
        }
    }
    out
}

/// Reads base32 (case and spaces ignored); `None` for any other character.
pub fn from_base32(text: &str) -> Option<Vec<u8>> {
    let mut bits = 0u64;
    let mut count = 0;
    let mut out = Vec::new();
    for c in text.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let value = BASE32
            .iter()
            .position(|b| char::from(*b) == c.to_ascii_uppercase())?;
        bits = bits << 5 | value as u64;
        count += 5;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    Some(out)
}

/// The secret grouped in fours for typing by hand.
pub fn grouped(secret: &[u8]) -> String {
    base32(secret)
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The `otpauth://` address an authenticator app reads from the QR code.
pub fn otpauth_uri(secret: &[u8], username: &str) -> String {
    let label: String = format!("{ISSUER}:{username}")
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            b':' => ":".to_owned(),
            other => format!("%{other:02X}"),
        })
        .collect();
    format!(
        "otpauth://totp/{label}?secret={}&issuer={ISSUER}&algorithm=SHA1&digits=6&period={STEP_S}",
        base32(secret)
    )
}

/// The QR code of `text` as an SVG image (black modules on white, a quiet zone around).
pub fn qr_svg(text: &str) -> String {
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(200, 200)
            .dark_color(qrcode::render::svg::Color("#000000"))
            .light_color(qrcode::render::svg::Color("#ffffff"))
            .build(),
        Err(_) => String::new(),
    }
}

/// New recovery codes, `xxxxx-xxxxx` of lower-case letters and digits without look-alikes.
pub fn new_recovery_codes() -> Vec<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    (0..RECOVERY_CODES)
        .map(|_| {
            let mut code = String::with_capacity(11);
            for i in 0..10 {
                if i == 5 {
                    code.push('-');
                }
                let index = (rng.next_u32() as usize) % ALPHABET.len();
                code.push(char::from(ALPHABET[index]));
            }
            code
        })
        .collect()
}

/// How a recovery code is stored: SHA-256 of its letters (hyphens, spaces and case ignored).
/// Codes are 50 random bits, so a fast hash is enough: they are single-use and throttled.
pub fn recovery_hash(code: &str) -> String {
    let normal: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    super::secret::digest(&normal)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1 rows (8 digits there; the last 6 are ours).
    #[test]
    fn the_rfc_6238_test_vectors_give_their_codes() {
        let secret = b"12345678901234567890";
        for (time_s, eight) in [
            (59_i64, 94_287_082_u32),
            (1_111_111_109, 7_081_804),
            (1_111_111_111, 14_050_471),
            (1_234_567_890, 89_005_924),
            (2_000_000_000, 69_279_037),
            (20_000_000_000, 65_353_130),
        ] {
            assert_eq!(
                code_at_step(secret, step_of(time_s * 1000)),
                eight % 1_000_000,
                "at {time_s}"
            );
        }
    }

    #[test]
    fn a_code_is_good_within_one_step_and_only_once() {
        let secret = b"12345678901234567890";
        let now = 1_234_567_890_000;
        let step = step_of(now);
        let code = format!("{:06}", code_at_step(secret, step));
        assert_eq!(matching_step(secret, &code, now, 0), Some(step));
        assert_eq!(matching_step(secret, &code, now + 30_000, 0), Some(step));
        assert_eq!(matching_step(secret, &code, now + 61_000, 0), None);
        assert_eq!(matching_step(secret, &code, now, step), None, "replayed");
        assert_eq!(matching_step(secret, "12345", now, 0), None);
        assert_eq!(matching_step(secret, "abcdef", now, 0), None);
    }

    #[test]
    fn base32_round_trips_and_matches_rfc_4648() {
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert_eq!(from_base32("mzxw 6ytb oi").as_deref(), Some(&b"foobar"[..]));
        let secret = new_secret();
        assert_eq!(from_base32(&grouped(&secret)), Some(secret));
        assert_eq!(from_base32("M1"), None);
    }

    #[test]
    fn recovery_codes_are_distinct_and_hash_alike_however_typed() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), RECOVERY_CODES);
        assert_eq!(recovery_hash("abcde-fghjk"), recovery_hash(" ABCDE FGHJK "));
    }

    #[test]
    fn the_qr_code_is_an_svg_and_the_uri_names_issuer_and_account() {
        let uri = otpauth_uri(b"12345678901234567890", "li hua");
        assert!(uri.starts_with("otpauth://totp/Tanhui:li%20hua?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Tanhui"), "{uri}");
        assert!(qr_svg(&uri).contains("<svg"));
    }
}

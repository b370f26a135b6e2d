//! Numbers for readers: thousands separators, and 万 (ten thousand) for large figures in
//! Chinese. Plain functions, so pages, charts and tests format alike.

use domain::Lang;

/// A number as typed into a form: no separators, no trailing zeros ("1200", "3.5", "0.25").
pub fn plain(value: f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// Percent-encodes text for a URL: unreserved characters (RFC 3986) stay, and so do the bytes
/// in `keep` (`b"/"` for a path); everything else becomes `%XX` of its UTF-8 bytes.
pub fn percent_encode(text: &str, keep: &[u8]) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            _ if keep.contains(&byte) => out.push(byte as char),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// `1234567.891` with `decimals` digits → `1,234,567.89`; negative numbers keep their sign.
pub fn grouped(value: f64, decimals: usize) -> String {
    let text = format!("{:.*}", decimals, value.abs());
    let (whole, fraction) = match text.split_once('.') {
        Some((w, f)) => (w.to_owned(), Some(f.to_owned())),
        None => (text.clone(), None),
    };
    let mut out = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    if let Some(f) = fraction {
        out.push('.');
        out.push_str(&f);
    }
    // "-0.00" reads as zero.
    if value < 0.0 && out.chars().any(|c| c.is_ascii_digit() && c != '0') {
        out.insert(0, '-');
    }
    out
}

/// A figure as a page shows it: counts and money without decimals unless small, 万 in
/// Chinese from 100,000 up (e.g. `12.35万`), separators in English.
pub fn figure(value: f64, decimals: usize, lang: Lang) -> String {
    if lang == Lang::Zh && value.abs() >= 100_000.0 {
        return format!("{}万", grouped(value / 10_000.0, 2));
    }
    grouped(value, decimals)
}

/// Axis tick labels: short (`1.2万` / `12k`).
pub fn compact(value: f64, lang: Lang) -> String {
    let abs = value.abs();
    match lang {
        Lang::Zh if abs >= 100_000_000.0 => format!("{}亿", trim(value / 100_000_000.0)),
        Lang::Zh if abs >= 10_000.0 => format!("{}万", trim(value / 10_000.0)),
        Lang::En if abs >= 1_000_000.0 => format!("{}M", trim(value / 1_000_000.0)),
        Lang::En if abs >= 10_000.0 => format!("{}k", trim(value / 1_000.0)),
        _ => trim(value),
    }
}

/// At most two decimals, trailing zeros dropped.
fn trim(value: f64) -> String {
    let text = format!("{value:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_owned()
    } else {
        text.to_owned()
    }
}

/// A signed change: `+1,234` / `-3.2`.
pub fn signed(value: f64, decimals: usize, lang: Lang) -> String {
    let body = figure(value.abs(), decimals, lang);
    if value > 0.0 && body.chars().any(|c| c.is_ascii_digit() && c != '0') {
        format!("+{body}")
    } else if value < 0.0 && body.chars().any(|c| c.is_ascii_digit() && c != '0') {
        format!("−{body}")
    } else {
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encoding_keeps_unreserved_bytes_and_what_is_asked() {
        assert_eq!(
            percent_encode("a b/c?d=越", b""),
            "a%20b%2Fc%3Fd%3D%E8%B6%8A"
        );
        assert_eq!(percent_encode("/a?b", b"/"), "/a%3Fb");
        assert_eq!(percent_encode("A-z_0.9~", b""), "A-z_0.9~");
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(grouped(0.0, 0), "0");
        assert_eq!(grouped(999.0, 0), "999");
        assert_eq!(grouped(1_000.0, 0), "1,000");
        assert_eq!(grouped(1_234_567.891, 2), "1,234,567.89");
        assert_eq!(grouped(-4_930.4, 0), "-4,930");
        assert_eq!(grouped(-0.001, 2), "0.00");
    }

    #[test]
    fn chinese_uses_wan_from_one_hundred_thousand() {
        assert_eq!(figure(99_999.0, 0, Lang::Zh), "99,999");
        assert_eq!(figure(123_456.0, 0, Lang::Zh), "12.35万");
        assert_eq!(figure(123_456.0, 0, Lang::En), "123,456");
        assert_eq!(figure(6_146.26, 1, Lang::Zh), "6,146.3");
    }

    #[test]
    fn axis_labels_are_short() {
        assert_eq!(compact(25_000.0, Lang::Zh), "2.5万");
        assert_eq!(compact(25_000.0, Lang::En), "25k");
        assert_eq!(compact(3_500_000.0, Lang::En), "3.5M");
        assert_eq!(compact(250_000_000.0, Lang::Zh), "2.5亿");
        assert_eq!(compact(4_000.0, Lang::Zh), "4000");
        assert_eq!(compact(12.5, Lang::En), "12.5");
    }

    #[test]
    fn changes_carry_their_sign() {
        assert_eq!(signed(1_216.0, 0, Lang::En), "+1,216");
        assert_eq!(signed(-3.25, 1, Lang::Zh), "−3.2");
        assert_eq!(signed(0.0, 1, Lang::Zh), "0.0");
        assert_eq!(signed(-0.01, 1, Lang::Zh), "0.0");
    }
}

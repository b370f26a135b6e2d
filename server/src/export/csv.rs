//! CSV cells (RFC 4180 quoting) and a buffered sink that hands out chunks of a few tens of
//! kilobytes, for files and for streamed HTTP bodies alike.

use serde_json::Value;

/// A CSV field: quoted when it needs it (RFC 4180), and never a formula. Every text cell of
/// every CSV Tanhui writes passes here, since names, notes and unit names come from people
/// and files: text a spreadsheet would run (`=HYPERLINK(…)`, `+cmd|…`, `@SUM(…)`, a leading
/// tab or carriage return) gets a leading apostrophe, shown as text (OWASP "CSV injection").
/// A plain number (`-5`, `+3.5`) stays a number.
pub fn field(text: &str) -> String {
    let formula =
        text.starts_with(['=', '+', '-', '@', '\t', '\r']) && text.trim().parse::<f64>().is_err();
    let text = match formula {
        true => std::borrow::Cow::Owned(format!("'{text}")),
        false => std::borrow::Cow::Borrowed(text),
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.into_owned()
    }
}

/// A JSON number as a CSV cell: whole numbers without decimals, others to 4 places.
pub fn number(value: &Value) -> String {
    match value.as_f64() {
        Some(v) if v.fract() == 0.0 && v.abs() < 1e15 => format!("{v:.0}"),
        Some(v) => format!("{v:.4}"),
        None => String::new(),
    }
}

/// Yuan with two decimals from whole fen, exactly (no floating point).
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_exact_and_fields_are_quoted_when_needed() {
        assert_eq!(yuan(123_456), "1234.56");
        assert_eq!(yuan(-5), "-0.05");
        assert_eq!(yuan(0), "0.00");
        assert_eq!(field(r#"a,"b""#), r#""a,""b""""#);
        assert_eq!(field("plain"), "plain");
        assert_eq!(
            field("=HYPERLINK(\"http://x\")"),
            "\"'=HYPERLINK(\"\"http://x\"\")\""
        );
        assert_eq!(field("+cmd|' /C calc'!A0"), "'+cmd|' /C calc'!A0");
        assert_eq!(field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(field("\t=1"), "'\t=1");
        assert_eq!(field("-5"), "-5");
        assert_eq!(field("+3.5"), "+3.5");
        assert_eq!(field("3组-017"), "3组-017");
    }
}

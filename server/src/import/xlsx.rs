//! Reading the first worksheet of an XLSX file (Office Open XML, as Excel and WPS save it)
//! into rows of text, enough for the import template: shared strings, inline strings, numbers,
//! booleans and formula results. Styles, dates and merged cells carry no meaning here.

use std::io::Read;

use super::Record;

/// The first worksheet's rows, each with its row number (1-based) and cells by column.
pub fn read(bytes: &[u8]) -> Result<Vec<Record>, String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| format!("不是有效的 XLSX 文件 / not a valid XLSX file: {e}"))?;
    let mut part = |name: &str| -> Result<Option<String>, String> {
        match archive.by_name(name) {
            Ok(mut file) => {
                let mut text = String::new();
                file.read_to_string(&mut text)
                    .map_err(|e| format!("XLSX 文件已损坏 / damaged XLSX file: {e}"))?;
                Ok(Some(text))
            }
            Err(zip::result::ZipError::FileNotFound) => Ok(None),
            Err(e) => Err(format!("XLSX 文件已损坏 / damaged XLSX file: {e}")),
        }
    };
    let shared = part("xl/sharedStrings.xml")?
        .map(|xml| shared_strings(&xml))
        .unwrap_or_default();
    let sheet_path = first_sheet_path(
        part("xl/workbook.xml")?,
        part("xl/_rels/workbook.xml.rels")?,
    );
    let sheet = part(&sheet_path)?
        .ok_or_else(|| "XLSX 文件里没有工作表 / the XLSX file has no worksheet".to_owned())?;
    Ok(rows(&sheet, &shared))
}

/// The path of the workbook's first sheet (`xl/worksheets/sheet1.xml` when in doubt).
fn first_sheet_path(workbook: Option<String>, rels: Option<String>) -> String {
    let fallback = "xl/worksheets/sheet1.xml".to_owned();
    let (Some(workbook), Some(rels)) = (workbook, rels) else {
        return fallback;
    };
    let Some(sheet) = tags(&workbook, "sheet").next() else {
        return fallback;
    };
    let Some(id) = attr(sheet, "r:id") else {
        return fallback;
    };
    let target = tags(&rels, "Relationship")
        .find(|r| attr(r, "Id").as_deref() == Some(id.as_str()))
        .and_then(|r| attr(r, "Target"));
    match target {
        Some(target) => match target.strip_prefix('/') {
            Some(absolute) => absolute.to_owned(),
            None => format!("xl/{target}"),
        },
        None => fallback,
    }
}

/// Every start tag `<name …>` (or `<name …/>`) in `xml`, as the text between `<` and `>`.
fn tags<'a>(xml: &'a str, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    let open = format!("<{name}");
    let mut rest = xml;
    std::iter::from_fn(move || loop {
        let at = rest.find(&open)?;
        let after = &rest[at + open.len()..];
        let end = after.find('>')?;
        rest = &after[end..];
        // `<sheet` must not match `<sheetData`.
        if after.starts_with([' ', '/', '>', '\t', '\n', '\r']) {
            return Some(&after[..end]);
        }
    })
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!("{name}=\"");
    let mut from = 0;
    while let Some(at) = tag[from..].find(&key) {
        let start = from + at;
        // A whole attribute name: preceded by whitespace.
        if start == 0 || tag.as_bytes()[start - 1].is_ascii_whitespace() {
            let value = &tag[start + key.len()..];
            return value.find('"').map(|end| unescape(&value[..end]));
        }
        from = start + key.len();
    }
    None
}

fn unescape(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        let Some(end) = after.find(';') else {
            out.push_str(after);
            return out;
        };
        let entity = &after[1..end];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => out.push(c),
            None => out.push_str(&after[..=end]),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// The text of every `<t>` inside `xml` (rich text runs joined; phonetic runs skipped).
fn text_of(xml: &str) -> String {
    let xml = strip_element(xml, "rPh");
    let mut out = String::new();
    let mut rest = xml.as_str();
    while let Some(at) = rest.find("<t") {
        let after = &rest[at + 2..];
        if !after.starts_with(['>', ' ']) {
            rest = after;
            continue;
        }
        let Some(open_end) = after.find('>') else {
            break;
        };
        if after[..open_end].ends_with('/') {
            rest = &after[open_end + 1..];
            continue;
        }
        let body = &after[open_end + 1..];
        let Some(close) = body.find("</t>") else {
            break;
        };
        out.push_str(&unescape(&body[..close]));
        rest = &body[close + 4..];
    }
    out
}

/// `xml` without any `<name>…</name>` element.
fn strip_element(xml: &str, name: &str) -> String {
    let (open, close) = (format!("<{name}"), format!("</{name}>"));
    let mut out = String::new();
    let mut rest = xml;
    while let Some(at) = rest.find(&open) {
        out.push_str(&rest[..at]);
        match rest[at..].find(&close) {
            Some(end) => rest = &rest[at + end + close.len()..],
            None => return out,
        }
    }
    out.push_str(rest);
    out
}

fn shared_strings(xml: &str) -> Vec<String> {
    xml.split("<si>")
        .skip(1)
        .map(|item| text_of(item.split("</si>").next().unwrap_or_default()))
        .collect()
}

/// A cell reference's column, 0-based ("A1" → 0, "AB12" → 27).
fn column(reference: &str) -> Option<usize> {
    let letters: Vec<u8> = reference
        .bytes()
        .take_while(u8::is_ascii_uppercase)
        .collect();
    if letters.is_empty() {
        return None;
    }
    Some(
        letters
            .iter()
            .fold(0usize, |n, l| n * 26 + usize::from(l - b'A' + 1))
            - 1,
    )
}

fn rows(sheet: &str, shared: &[String]) -> Vec<Record> {
    let mut out = Vec::new();
    let Some(data) = sheet.split("<sheetData").nth(1) else {
        return out;
    };
    for (index, row) in data.split("<row").skip(1).enumerate() {
        let head_end = row.find('>').unwrap_or(0);
        let number = attr(&row[..head_end], "r")
            .and_then(|r| r.parse::<usize>().ok())
            .unwrap_or(index + 1);
        let body = row.split("</row>").next().unwrap_or_default();
        let mut cells: Vec<String> = Vec::new();
        for cell in body.split("<c").skip(1) {
            if !cell.starts_with([' ', '>', '/']) {
                continue;
            }
            let tag_end = cell.find('>').unwrap_or(cell.len());
            let tag = &cell[..tag_end];
            let at = attr(tag, "r")
                .and_then(|r| column(&r))
                .unwrap_or(cells.len());
            let kind = attr(tag, "t").unwrap_or_default();
            let inner = match tag.ends_with('/') {
                true => "",
                false => cell[tag_end..].split("</c>").next().unwrap_or_default(),
            };
            let value = || {
                inner
                    .split("<v>")
                    .nth(1)
                    .and_then(|v| v.split("</v>").next())
                    .map(unescape)
                    .unwrap_or_default()
            };
            let text = match kind.as_str() {
                "s" => value()
                    .trim()
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| shared.get(i).cloned())
                    .unwrap_or_default(),
                "inlineStr" => text_of(inner),
                "b" => match value().trim() {
                    "1" => "1".to_owned(),
                    _ => "0".to_owned(),
                },
                _ => value(),
            };
            if cells.len() <= at {
                cells.resize(at + 1, String::new());
            }
            cells[at] = text;
        }
        out.push((number, cells));
    }
    out.retain(|(_, r)| r.iter().any(|f| !f.trim().is_empty()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_workbook_reads_back_as_its_rows() {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.set_name("调查").expect("name");
        sheet.write_string(0, 0, "village_code").expect("write");
        sheet.write_string(0, 1, "note").expect("write");
        sheet.write_string(0, 3, "wages").expect("write");
        sheet.write_string(1, 0, "513434100201").expect("write");
        sheet
            .write_string(1, 1, "年中购入 <2> & \"新\"")
            .expect("write");
        sheet.write_number(1, 3, 6000.5).expect("write");
        sheet.write_boolean(2, 1, true).expect("write");
        sheet.write_number(2, 27, 1980).expect("write");
        let bytes = workbook.save_to_buffer().expect("save");
        let rows = read(&bytes).expect("reads");
        assert_eq!(rows.len(), 3);
        assert_eq!(
            rows[0],
            (
                1,
                vec![
                    "village_code".into(),
                    "note".into(),
                    String::new(),
                    "wages".into()
                ]
            )
        );
        assert_eq!(rows[1].1[1], "年中购入 <2> & \"新\"");
        assert_eq!(rows[1].1[3], "6000.5");
        assert_eq!(rows[2].0, 3);
        assert_eq!(rows[2].1[1], "1");
        assert_eq!(rows[2].1[27], "1980");
        assert!(read(b"PK\x03\x04 not really").is_err());
    }

    #[test]
    fn references_and_entities() {
        assert_eq!(column("A1"), Some(0));
        assert_eq!(column("Z9"), Some(25));
        assert_eq!(column("AB12"), Some(27));
        assert_eq!(unescape("a&amp;b&#20013;&#x6587;&lt;"), "a&b中文<");
        assert_eq!(
            text_of("<r><t>花</t></r><r><t xml:space=\"preserve\"> 椒</t></r><rPh><t>ホ</t></rPh>"),
            "花 椒"
        );
    }
}

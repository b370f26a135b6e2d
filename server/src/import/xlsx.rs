//! Reading the first worksheet of an XLSX file (Office Open XML, as Excel and WPS save it)
//! into rows of text, enough for the import template: shared strings, inline strings, numbers,
//! booleans and formula results. Styles, dates and merged cells carry no meaning here.

use std::io::Read;

use super::Record;

/// Excel's own limits: columns A…XFD, rows 1…1,048,576. A reference past them is a damaged
/// or hostile file, never a sheet to allocate for.
const MAX_COLUMNS: usize = 16_384;
const MAX_ROW: usize = 1_048_576;
/// The most the parts read from one workbook may inflate to, together. A template of 100,000
/// surveys is about 60 MB of sheet XML; past this the file is refused before memory runs out.
pub const MAX_INFLATED: u64 = 256 * 1024 * 1024;
/// The most one part may inflate per byte stored, once it is past [`RATIO_FLOOR`]. Sheet XML
/// compresses about 10–30 to 1; a zip bomb reaches 1,000 to 1.
pub const MAX_RATIO: u64 = 100;
const RATIO_FLOOR: u64 = 1024 * 1024;
/// The most cells (blank ones between filled ones included) a sheet may spread over: 100,000
/// surveys of the template's 172 columns, and some room.
const MAX_CELLS: usize = 20_000_000;

/// The first worksheet's rows, each with its row number (1-based) and cells by column.
pub fn read(bytes: &[u8]) -> Result<Vec<Record>, String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| format!("不是有效的 XLSX 文件 / not a valid XLSX file: {e}"))?;
    let mut budget = MAX_INFLATED;
    let mut part = |name: &str| -> Result<Option<String>, String> {
        match archive.by_name(name) {
            Ok(file) => {
                let stored = file.compressed_size().max(1);
                let text = inflate(file, stored, &mut budget)?;
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
    rows(&sheet, &shared)
}

/// A part's text, read in pieces so that neither the workbook's `budget` nor the part's ratio
/// to its `stored` size is ever exceeded by more than one piece (the sizes a zip declares are
/// not trusted).
fn inflate(mut file: impl Read, stored: u64, budget: &mut u64) -> Result<String, String> {
    let mut bytes = Vec::new();
    let mut piece = [0u8; 64 * 1024];
    loop {
        let n = file
            .read(&mut piece)
            .map_err(|e| format!("XLSX 文件已损坏 / damaged XLSX file: {e}"))?;
        if n == 0 {
            break;
        }
        bytes.extend_from_slice(&piece[..n]);
        let inflated = bytes.len() as u64;
        if inflated > *budget {
            return Err(format!(
                "XLSX 文件解压后超过 {} MB，无法导入；请分成几个文件 / the XLSX file inflates past {} MB: split it into several files",
                MAX_INFLATED >> 20,
                MAX_INFLATED >> 20
            ));
        }
        if inflated > RATIO_FLOOR && inflated / stored > MAX_RATIO {
            return Err(format!(
                "XLSX 文件的压缩比超过 {MAX_RATIO}:1，不是正常的表格文件 / the XLSX file inflates more than {MAX_RATIO} to 1: not an ordinary spreadsheet"
            ));
        }
    }
    *budget -= bytes.len() as u64;
    String::from_utf8(bytes).map_err(|_| {
        "XLSX 文件已损坏：文本不是 UTF-8 / damaged XLSX file: text is not UTF-8".to_owned()
    })
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

/// A cell reference's column, 0-based ("A1" → 0, "AB12" → 27); `Err` past column XFD.
fn column(reference: &str) -> Result<Option<usize>, String> {
    let letters = reference.bytes().take_while(u8::is_ascii_uppercase);
    let mut n = 0usize;
    let mut any = false;
    for l in letters {
        any = true;
        n = n * 26 + usize::from(l - b'A' + 1);
        if n > MAX_COLUMNS {
            return Err(out_of_sheet(reference));
        }
    }
    Ok(any.then(|| n - 1))
}

fn out_of_sheet(reference: &str) -> String {
    let shown: String = reference.chars().take(20).collect();
    format!(
        "XLSX 文件已损坏：单元格“{shown}”超出工作表范围（最多 XFD 列、{MAX_ROW} 行） / damaged XLSX file: cell {shown:?} lies outside a worksheet (columns up to XFD, rows up to {MAX_ROW})"
    )
}

fn rows(sheet: &str, shared: &[String]) -> Result<Vec<Record>, String> {
    let mut out = Vec::new();
    let mut spread = 0usize;
    let Some(data) = sheet.split("<sheetData").nth(1) else {
        return Ok(out);
    };
    for (index, row) in data.split("<row").skip(1).enumerate() {
        let head_end = row.find('>').unwrap_or(0);
        let number = match attr(&row[..head_end], "r") {
            Some(r) => match r.trim().parse::<usize>() {
                Ok(n) if (1..=MAX_ROW).contains(&n) => n,
                _ => return Err(out_of_sheet(&r)),
            },
            None => index + 1,
        };
        let body = row.split("</row>").next().unwrap_or_default();
        let mut cells: Vec<String> = Vec::new();
        for cell in body.split("<c").skip(1) {
            if !cell.starts_with([' ', '>', '/']) {
                continue;
            }
            let tag_end = cell.find('>').unwrap_or(cell.len());
            let tag = &cell[..tag_end];
            let at = match attr(tag, "r") {
                Some(r) => column(&r)?.unwrap_or(cells.len()),
                None => cells.len(),
            };
            if at >= MAX_COLUMNS {
                return Err(out_of_sheet(&format!("#{}", at + 1)));
            }
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
                spread += at + 1 - cells.len();
                if spread > MAX_CELLS {
                    return Err(format!(
                        "XLSX 工作表超过 {MAX_CELLS} 个单元格，无法导入；请分成几个文件 / the worksheet spreads over more than {MAX_CELLS} cells: split it into several files"
                    ));
                }
                cells.resize(at + 1, String::new());
            }
            cells[at] = text;
        }
        out.push((number, cells));
    }
    out.retain(|(_, r)| r.iter().any(|f| !f.trim().is_empty()));
    Ok(out)
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

    /// A workbook of the given parts, deflated as Excel stores them.
    fn workbook(parts: &[(&str, &[u8])]) -> Vec<u8> {
        use std::io::Write;
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in parts {
            zip.start_file(*name, options).expect("part");
            zip.write_all(bytes).expect("write");
        }
        zip.finish().expect("zip").into_inner()
    }

    #[test]
    fn references_past_the_sheet_are_refused_not_allocated() {
        // Column AAAAAAAAAA is about 1.5 × 10¹³: the reader once allocated for it and aborted.
        for sheet in [
            r#"<worksheet><sheetData><row r="1"><c r="AAAAAAAAAA1" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>"#,
            r#"<worksheet><sheetData><row r="99999999999"><c r="A1"><v>1</v></c></row></sheetData></worksheet>"#,
            r#"<worksheet><sheetData><row r="1"><c r="XFE1"><v>1</v></c></row></sheetData></worksheet>"#,
        ] {
            let bytes = workbook(&[("xl/worksheets/sheet1.xml", sheet.as_bytes())]);
            let message = read(&bytes).expect_err(sheet);
            assert!(message.contains("outside a worksheet"), "{message}");
        }
        let last = r#"<worksheet><sheetData><row r="1048576"><c r="XFD1048576"><v>7</v></c></row></sheetData></worksheet>"#;
        let rows =
            read(&workbook(&[("xl/worksheets/sheet1.xml", last.as_bytes())])).expect("reads");
        assert_eq!(rows[0].0, 1_048_576);
        assert_eq!(rows[0].1.len(), 16_384);
        assert_eq!(rows[0].1[16_383], "7");
    }

    #[test]
    fn a_zip_bomb_is_refused_before_it_inflates() {
        // 8 MB of blanks deflate to about 8 KB: a ratio no spreadsheet has.
        let blanks = vec![b' '; 8 << 20];
        let bytes = workbook(&[("xl/worksheets/sheet1.xml", &blanks)]);
        assert!(bytes.len() < 64 * 1024, "{}", bytes.len());
        let message = read(&bytes).expect_err("a bomb");
        assert!(message.contains("more than 100 to 1"), "{message}");
        // The workbook's budget counts every part, whatever each one's ratio.
        let mut budget = 3 << 20;
        let text = vec![b'x'; 2 << 20];
        assert!(inflate(text.as_slice(), 2 << 20, &mut budget).is_ok());
        assert_eq!(budget, 1 << 20);
        let message = inflate(text.as_slice(), 2 << 20, &mut budget).expect_err("past the budget");
        assert!(message.contains("inflates past 256 MB"), "{message}");
        // Cells spread far apart count as the blanks between them.
        let mut far = String::from("<worksheet><sheetData>");
        for r in 1..=1300 {
            far.push_str(&format!(r#"<row r="{r}"><c r="XFD{r}"><v>1</v></c></row>"#));
        }
        far.push_str("</sheetData></worksheet>");
        let message = read(&workbook(&[("xl/worksheets/sheet1.xml", far.as_bytes())]))
            .expect_err("too spread");
        assert!(message.contains("more than 20000000 cells"), "{message}");
    }

    #[test]
    fn references_and_entities() {
        assert_eq!(column("A1"), Ok(Some(0)));
        assert_eq!(column("Z9"), Ok(Some(25)));
        assert_eq!(column("AB12"), Ok(Some(27)));
        assert_eq!(column("XFD1"), Ok(Some(16_383)));
        assert!(column("XFE1").is_err());
        assert!(column("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA1").is_err());
        assert_eq!(column("12"), Ok(None));
        assert_eq!(unescape("a&amp;b&#20013;&#x6587;&lt;"), "a&b中文<");
        assert_eq!(
            text_of("<r><t>花</t></r><r><t xml:space=\"preserve\"> 椒</t></r><rPh><t>ホ</t></rPh>"),
            "花 椒"
        );
    }
}

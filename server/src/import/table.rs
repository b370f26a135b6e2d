//! What every import shares: reading a file (CSV in UTF-8, or the first sheet of an XLSX)
//! into records with their line numbers, checking its header against the documented columns,
//! and reading one row's cells with a problem by line and column for each bad one.

use std::collections::{HashMap, HashSet};

use domain::Date;

use super::{xlsx, ImportError, ImportReport, RowIssue};
use crate::storage::{AuditEntry, Batch, Store};

pub(super) fn issue(line: usize, column: &str, rule: &str, zh: String, en: String) -> RowIssue {
    RowIssue {
        line,
        column: column.to_owned(),
        rule: rule.to_owned(),
        warning: false,
        zh,
        en,
    }
}

/// A change a re-import made to a stored record: `what` (a code, a registry number) had
/// `column` changed from `before` to `after`.
pub(super) fn change(line: usize, column: &str, what: &str, before: &str, after: &str) -> RowIssue {
    let shown = |text: &str| match text {
        "" => "（空）".to_owned(),
        text => text.to_owned(),
    };
    let shown_en = |text: &str| match text {
        "" => "(empty)".to_owned(),
        text => text.to_owned(),
    };
    RowIssue {
        line,
        column: column.to_owned(),
        rule: "changed".to_owned(),
        warning: false,
        zh: format!(
            "{what}：{column} 由 {} 改为 {}",
            shown(before),
            shown(after)
        ),
        en: format!(
            "{what}: {column} changed from {} to {}",
            shown_en(before),
            shown_en(after)
        ),
    }
}

/// A CSV record: the line it starts on, and its fields.
pub type Record = (usize, Vec<String>);

/// Splits CSV text (RFC 4180: quoted fields, doubled quotes, CRLF or LF) into records with
/// the line each starts on. A UTF-8 byte-order mark is dropped.
pub fn parse_csv(text: &str) -> Result<Vec<Record>, (usize, String)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut line = 1;
    let mut start = 1;
    let mut chars = text.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        any = true;
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => {
                if c == '\n' {
                    line += 1;
                }
                field.push(c);
            }
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push((start, std::mem::take(&mut record)));
                line += 1;
                start = line;
                any = false;
            }
            (false, c) => field.push(c),
        }
    }
    if quoted {
        return Err((
            start,
            "引号没有闭合 / an opening quote is never closed".into(),
        ));
    }
    if any {
        record.push(field);
        records.push((start, record));
    }
    // Blank lines (Excel leaves them at the end) are no rows.
    records.retain(|(_, r)| r.iter().any(|f| !f.trim().is_empty()));
    Ok(records)
}

/// Why a file could not be read as a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// Text that is not UTF-8 (Excel's default CSV in China is GBK).
    NotUtf8,
    /// A damaged file: the line it was noticed on, and the message "中文 / English".
    Malformed(usize, String),
}

/// Reads an uploaded file: XLSX (recognised by its zip signature; the first worksheet) or
/// CSV in UTF-8.
pub fn read_table(bytes: &[u8]) -> Result<Vec<Record>, ReadError> {
    let records = if bytes.starts_with(b"PK\x03\x04") {
        xlsx::read(bytes).map_err(|message| ReadError::Malformed(1, message))?
    } else {
        let text = std::str::from_utf8(bytes).map_err(|_| ReadError::NotUtf8)?;
        parse_csv(text).map_err(|(line, message)| ReadError::Malformed(line, message))?
    };
    // NUL is no text any database keeps (PostgreSQL refuses it): a damaged file.
    for (line, cells) in &records {
        if let Some(at) = cells.iter().position(|cell| cell.contains('\0')) {
            return Err(ReadError::Malformed(
                *line,
                format!(
                    "第 {line} 行第 {} 个单元格含有不可见的控制字符（NUL） / line {line}, cell {}: contains an invisible control character (NUL)",
                    at + 1,
                    at + 1
                ),
            ));
        }
    }
    Ok(records)
}

/// One data row's cells by column name.
pub(super) struct Row<'a> {
    pub line: usize,
    pub cells: HashMap<&'a str, &'a str>,
    pub issues: Vec<RowIssue>,
}

impl Row<'_> {
    pub fn text(&self, column: &str) -> String {
        self.cells
            .get(column)
            .map(|s| s.trim().to_owned())
            .unwrap_or_default()
    }

    pub fn number(&mut self, column: &str) -> f64 {
        let text: String = self.text(column).chars().filter(|c| *c != ',').collect();
        if text.is_empty() {
            return 0.0;
        }
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() => v,
            _ => {
                self.issues.push(issue(
                    self.line,
                    column,
                    "number",
                    format!("“{text}”不是数字"),
                    format!("{text:?} is not a number"),
                ));
                0.0
            }
        }
    }

    pub fn integer(&mut self, column: &str) -> i64 {
        let value = self.number(column);
        if value.fract() != 0.0 {
            self.issues.push(issue(
                self.line,
                column,
                "integer",
                format!("{value} 不是整数"),
                format!("{value} is not a whole number"),
            ));
        }
        value as i64
    }

    pub fn flag(&mut self, column: &str) -> bool {
        match self.text(column).to_lowercase().as_str() {
            "1" | "是" | "true" | "yes" | "y" => true,
            "0" | "否" | "false" | "no" | "n" | "" => false,
            other => {
                self.issues.push(issue(
                    self.line,
                    column,
                    "flag",
                    format!("应填 1（是）或 0（否），而不是“{other}”"),
                    format!("1 (yes) or 0 (no), not {other:?}"),
                ));
                false
            }
        }
    }

    pub fn group_present(&self, name: &str, n: usize, fields: &[&str]) -> bool {
        fields
            .iter()
            .any(|f| !self.text(&format!("{name}{n}_{f}")).is_empty())
    }

    /// Records a problem in `column` of this row.
    pub fn problem(&mut self, column: &str, rule: &str, zh: String, en: String) {
        self.issues.push(issue(self.line, column, rule, zh, en));
    }

    /// A required text: a problem when the cell is empty.
    pub fn required(&mut self, column: &str) -> String {
        let text = self.text(column);
        if text.is_empty() {
            self.problem(
                column,
                "required",
                format!("“{column}”必须填写"),
                format!("{column} is required"),
            );
        }
        text
    }

    /// A whole number, or `None` for an empty cell.
    pub fn optional_integer(&mut self, column: &str) -> Option<i64> {
        (!self.text(column).is_empty()).then(|| self.integer(column))
    }

    /// A date `YYYY-MM-DD`, or `None` for an empty cell.
    pub fn date(&mut self, column: &str) -> Option<Date> {
        let text = self.text(column);
        if text.is_empty() {
            return None;
        }
        match Date::parse(&text) {
            Ok(date) => Some(date),
            Err(_) => {
                self.problem(
                    column,
                    "date",
                    format!("“{text}”不是 YYYY-MM-DD 格式的日期"),
                    format!("{text:?} is not a date YYYY-MM-DD"),
                );
                None
            }
        }
    }

    /// One of a vocabulary's codes: a problem listing the codes otherwise (an empty cell is
    /// `None` without a problem; use [`Row::required`] first where one is needed).
    pub fn choice<T: Copy>(
        &mut self,
        column: &str,
        parse: fn(&str) -> Option<T>,
        codes: &[&str],
    ) -> Option<T> {
        let text = self.text(column);
        if text.is_empty() {
            return None;
        }
        let found = parse(&text);
        if found.is_none() {
            let list = codes.join(", ");
            self.problem(
                column,
                "choice",
                format!("“{text}”不是可选的代码（可选：{list}）"),
                format!("{text:?} is not one of the codes ({list})"),
            );
        }
        found
    }
}

/// A file's header and data rows, once the header has passed [`sheet`].
pub(super) struct Sheet<'a> {
    pub header: Vec<&'a str>,
    pub data: &'a [Record],
}

impl<'a> Sheet<'a> {
    /// The rows, each as its cells by column name; a row with more cells than the header
    /// gets a problem instead (in `report`).
    pub fn rows(&self, report: &mut ImportReport) -> Vec<Row<'a>> {
        let mut out = Vec::with_capacity(self.data.len());
        for (line, cells) in self.data {
            if cells.len() > self.header.len() {
                report.add(issue(
                    *line,
                    "",
                    "extra_cells",
                    format!("这一行有 {} 个单元格，比列名多", cells.len()),
                    format!(
                        "{} cells, more than the header's {}",
                        cells.len(),
                        self.header.len()
                    ),
                ));
                continue;
            }
            out.push(Row {
                line: *line,
                cells: self
                    .header
                    .iter()
                    .copied()
                    .zip(cells.iter().map(String::as_str))
                    .collect(),
                issues: Vec::new(),
            });
        }
        out
    }
}

/// An empty report for `rows` data rows.
pub(super) fn report(rows: usize) -> ImportReport {
    ImportReport::new(rows)
}

/// Checks a file's header: every column must be one of `known`, none twice, and each of
/// `required` present. `Err` holds the report listing every problem with it.
pub(super) fn sheet<'a>(
    records: &'a [Record],
    known: &[String],
    required: &[&str],
) -> Result<Sheet<'a>, ImportReport> {
    let mut out = report(0);
    let Some(((_, header), data)) = records.split_first() else {
        out.add(issue(
            1,
            "",
            "empty",
            "文件是空的：请使用导入模板，第一行为列名".into(),
            "the file is empty: use the template, with the column names on line 1".into(),
        ));
        return Err(out);
    };
    let known: HashSet<&str> = known.iter().map(String::as_str).collect();
    let header: Vec<&str> = header.iter().map(|h| h.trim()).collect();
    let mut seen = HashMap::new();
    for (i, name) in header.iter().enumerate() {
        if !known.contains(*name) {
            out.add(issue(
                1,
                name,
                "unknown_column",
                format!("第 {} 列“{name}”不是模板中的列名", i + 1),
                format!("column {} {name:?} is not in the template", i + 1),
            ));
        } else if let Some(first) = seen.insert(*name, i) {
            out.add(issue(
                1,
                name,
                "duplicate_column",
                format!("第 {} 列与第 {} 列同名“{name}”", i + 1, first + 1),
                format!("column {} repeats column {} ({name:?})", i + 1, first + 1),
            ));
        }
    }
    for column in required {
        if !header.contains(column) {
            out.add(issue(
                1,
                column,
                "missing_column",
                format!("缺少必需的列“{column}”"),
                format!("the required column {column:?} is missing"),
            ));
        }
    }
    if out.errors.is_empty() {
        Ok(Sheet { header, data })
    } else {
        Err(out)
    }
}

/// The report for a file that could not be read at all.
pub fn unreadable(line: usize, message: &str) -> ImportReport {
    let (zh, en) = message.split_once(" / ").unwrap_or((message, message));
    let mut report = ImportReport::new(0);
    report.add(issue(line, "", "file", zh.to_owned(), en.to_owned()));
    report
}

/// Ends an import: when any row has an error, nothing is written (and the changes a write
/// would have made are dropped from the report); otherwise `batch` is written in one
/// transaction with one audit entry `action` summing the import up, and every row counts as
/// imported.
pub(super) async fn finish(
    store: &Store,
    by: Option<&domain::Actor>,
    action: &str,
    mut report: ImportReport,
    mut batch: Batch,
) -> Result<ImportReport, ImportError> {
    if !report.errors.is_empty() {
        report.drop_changes();
        return Ok(report);
    }
    batch.audit.push(AuditEntry::by(by, action).change(
        None,
        Some(serde_json::json!({ "rows": report.rows, "changed": report.change_count() })),
    ));
    store.write(&batch).await?;
    report.imported = report.rows;
    Ok(report)
}

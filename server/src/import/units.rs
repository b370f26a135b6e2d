//! Administrative units from a programme's own file: one row per unit, in the documented
//! columns. The whole file is checked first (codes agree with their level and parent, parents
//! and successors exist in the file or the database, dates are dates); a re-import updates
//! names, dates and successors and adds new units, and says what it changed.

use std::collections::HashMap;

use domain::{Actor, AdminUnit, Date, Localized, UnitCode, UnitLevel};

use super::table::{self, Row};
use super::{ImportError, ImportReport, Record, RowIssue};
use crate::storage::{Batch, Store};

/// The columns of a units file, in order.
pub const COLUMNS: [&str; 9] = [
    "code",
    "level",
    "parent_code",
    "name_zh",
    "name_pinyin",
    "name_ii",
    "valid_from",
    "valid_to",
    "successor_code",
];

/// The template: the header and example rows (a county, two townships, one merged into the
/// other on 2020-12-31, and a village).
pub fn template_csv() -> String {
    let rows = [
        "513434,county,513400,越西县,Yuexi,ꑼꑙꑤ,,,",
        "513434100,township,513434,越城镇,Yuecheng,,,,",
        "513434101,township,513434,中所镇,Zhongsuo,,,,",
        "513434210,township,513434,大屯乡,Datun,,,2020-12-31,513434101",
        "513434100201,village,513434100,城东村,Chengdong,,2019-01-01,,",
    ];
    let mut out = String::from("\u{feff}");
    out.push_str(&COLUMNS.join(","));
    out.push_str("\r\n");
    for row in rows {
        out.push_str(row);
        out.push_str("\r\n");
    }
    out
}

/// The template as a workbook, with the level codes on a second sheet.
pub fn template_xlsx() -> Result<Vec<u8>, String> {
    let levels = [
        UnitLevel::Prefecture,
        UnitLevel::County,
        UnitLevel::Township,
        UnitLevel::Village,
    ]
    .into_iter()
    .map(|l| (l.as_str().to_owned(), l.zh(), l.en()))
    .collect();
    super::template::workbook("units", &template_csv(), vec![("level", levels)])
}

/// What one row of the file says, once its cells have been read.
struct Parsed {
    line: usize,
    unit: AdminUnit,
}

/// Reads one row; problems go to the row.
fn parse(row: &mut Row<'_>) -> Option<AdminUnit> {
    let code_text = row.required("code");
    let code = match UnitCode::parse(&code_text) {
        Ok(code) => Some(code),
        Err(err) if !code_text.is_empty() => {
            row.problem("code", "unit_code", err.zh(), err.en());
            None
        }
        Err(_) => None,
    };
    let level_text = row.required("level");
    let level = UnitLevel::parse(&level_text);
    if level.is_none() && !level_text.is_empty() {
        row.problem(
            "level",
            "level",
            format!("“{level_text}”不是级别（prefecture、county、township 或 village）"),
            format!("{level_text:?} is not a level (prefecture, county, township or village)"),
        );
    }
    let parent_text = row.text("parent_code");
    let name_zh = row.required("name_zh");
    if name_zh.chars().count() > 50 {
        row.problem(
            "name_zh",
            "name_length",
            "名称不超过 50 个字".into(),
            "a name has at most 50 characters".into(),
        );
    }
    let valid_from = row.date("valid_from");
    let valid_to = row.date("valid_to");
    if let (Some(from), Some(to)) = (valid_from, valid_to) {
        if to < from {
            row.problem(
                "valid_to",
                "date_order",
                format!("撤销日期 {to} 早于设立日期 {from}"),
                format!("valid_to {to} is before valid_from {from}"),
            );
        }
    }
    let successor_text = row.text("successor_code");
    let successor = match UnitCode::parse(&successor_text) {
        _ if successor_text.is_empty() => None,
        Ok(successor) => Some(successor),
        Err(err) => {
            row.problem("successor_code", "unit_code", err.zh(), err.en());
            None
        }
    };
    let code = code?;
    if !UnitCode::prefecture().contains(&code) {
        row.problem(
            "code",
            "outside_prefecture",
            format!("{code} 不在凉山州（513400）内"),
            format!("{code} is not in Liangshan (513400)"),
        );
    }
    if let Some(level) = level {
        if level != code.level() {
            row.problem(
                "level",
                "level_matches_code",
                format!(
                    "代码 {code} 是{}级，不是{}级",
                    code.level().zh(),
                    level.zh()
                ),
                format!(
                    "code {code} is a {} code, not a {}",
                    code.level().as_str(),
                    level.as_str()
                ),
            );
        }
    }
    let parent = code.parent();
    let expected = parent.as_ref().map_or("", |p| p.as_str());
    if parent_text != expected {
        let (zh, en) = match &parent {
            Some(p) => (
                format!("代码 {code} 的上级应为 {p}，而不是“{parent_text}”"),
                format!("the parent of {code} is {p}, not {parent_text:?}"),
            ),
            None => (
                "州没有上级单位：parent_code 留空".into(),
                "a prefecture has no parent: leave parent_code empty".into(),
            ),
        };
        row.problem("parent_code", "parent_matches_code", zh, en);
    }
    if let Some(successor) = &successor {
        if valid_to.is_none() {
            row.problem(
                "valid_to",
                "successor_needs_end",
                "填写了并入单位，就要填写撤销日期 valid_to".into(),
                "a unit with a successor_code needs the valid_to date it ended".into(),
            );
        }
        if successor == &code {
            row.problem(
                "successor_code",
                "successor_self",
                "单位不能并入自己".into(),
                "a unit cannot merge into itself".into(),
            );
        } else if successor.level() != code.level() {
            row.problem(
                "successor_code",
                "successor_level",
                format!(
                    "{code} 是{}级，只能并入{}级单位",
                    code.level().zh(),
                    code.level().zh()
                ),
                format!(
                    "a {} merges into a {}, and {successor} is not one",
                    code.level().as_str(),
                    code.level().as_str()
                ),
            );
        }
    }
    Some(AdminUnit {
        code,
        name_zh,
        name_pinyin: row.text("name_pinyin"),
        name_ii: row.text("name_ii"),
        valid_from,
        valid_to,
        successor,
        synthetic: false,
    })
}

/// Checks one unit given as the file's cells would give it (a form's fields, say): the unit,
/// or every problem with it, by column. Whether its parent and successor exist is the
/// caller's to check.
pub fn check_cells(cells: &[(&str, &str)]) -> Result<AdminUnit, Vec<RowIssue>> {
    let mut row = Row {
        line: 0,
        cells: cells.iter().copied().collect(),
        issues: Vec::new(),
    };
    match parse(&mut row) {
        Some(unit) if row.issues.is_empty() => Ok(unit),
        _ => Err(row.issues),
    }
}

/// Checks the whole file and, if every row passes, writes every unit in one transaction
/// (new units added, existing ones updated).
pub async fn import_units(
    store: &Store,
    by: Option<&Actor>,
    records: Vec<Record>,
) -> Result<ImportReport, ImportError> {
    let known: Vec<String> = COLUMNS.iter().map(|c| (*c).to_owned()).collect();
    let sheet = match table::sheet(
        &records,
        &known,
        &["code", "level", "parent_code", "name_zh"],
    ) {
        Ok(sheet) => sheet,
        Err(report) => return Ok(report),
    };
    let mut report = table::report(sheet.data.len());
    let existing: HashMap<UnitCode, AdminUnit> = store
        .units()
        .await?
        .into_iter()
        .map(|u| (u.code.clone(), u))
        .collect();
    let mut parsed: Vec<Parsed> = Vec::new();
    let mut first_line: HashMap<UnitCode, usize> = HashMap::new();
    let mut issues: Vec<RowIssue> = Vec::new();
    for mut row in sheet.rows(&mut report) {
        if let Some(unit) = parse(&mut row) {
            if let Some(first) = first_line.insert(unit.code.clone(), row.line) {
                row.problem(
                    "code",
                    "duplicate_row",
                    format!("代码 {} 与第 {first} 行重复", unit.code),
                    format!("code {} repeats line {first}", unit.code),
                );
            }
            parsed.push(Parsed {
                line: row.line,
                unit,
            });
        }
        issues.append(&mut row.issues);
    }
    // Parents and successors: in the file or already stored.
    let exists = |code: &UnitCode| first_line.contains_key(code) || existing.contains_key(code);
    for p in &parsed {
        if let Some(parent) = p.unit.code.parent() {
            if !exists(&parent) {
                issues.push(table::issue(
                    p.line,
                    "parent_code",
                    "unknown_parent",
                    format!("上级单位 {parent} 既不在文件中，也不在系统中"),
                    format!("the parent {parent} is neither in the file nor in Tanhui"),
                ));
            }
        }
        if let Some(successor) = &p.unit.successor {
            if !exists(successor) {
                issues.push(table::issue(
                    p.line,
                    "successor_code",
                    "unknown_successor",
                    format!("并入单位 {successor} 既不在文件中，也不在系统中"),
                    format!("the successor {successor} is neither in the file nor in Tanhui"),
                ));
            }
        }
    }
    issues.sort_by_key(|i| i.line);
    report.extend(issues);
    if !report.errors.is_empty() {
        return Ok(report);
    }
    let (mut added, mut updated) = (0, 0);
    let mut units = Vec::with_capacity(parsed.len());
    for Parsed { line, mut unit } in parsed {
        match existing.get(&unit.code) {
            None => added += 1,
            Some(old) => {
                // A demo unit stays marked as made up.
                unit.synthetic = old.synthetic;
                let changes = changes(line, old, &unit);
                if !changes.is_empty() {
                    updated += 1;
                }
                report.extend(changes);
            }
        }
        units.push(unit);
    }
    // Parents before children, so that every foreign key is met within the transaction.
    units.sort_by_key(|u| (u.code.as_str().len(), u.code.as_str().to_owned()));
    tracing::info!(rows = report.rows, added, updated, "units imported");
    let batch = Batch {
        units,
        ..Batch::default()
    };
    table::finish(store, by, "units.import", report, batch).await
}

/// What a re-imported row changes in a stored unit, one entry per field.
fn changes(line: usize, old: &AdminUnit, new: &AdminUnit) -> Vec<RowIssue> {
    let date = |d: Option<Date>| d.map(|d| d.to_string()).unwrap_or_default();
    let code = |c: &Option<UnitCode>| {
        c.as_ref()
            .map(|c| c.as_str().to_owned())
            .unwrap_or_default()
    };
    let fields = [
        ("name_zh", old.name_zh.clone(), new.name_zh.clone()),
        (
            "name_pinyin",
            old.name_pinyin.clone(),
            new.name_pinyin.clone(),
        ),
        ("name_ii", old.name_ii.clone(), new.name_ii.clone()),
        ("valid_from", date(old.valid_from), date(new.valid_from)),
        ("valid_to", date(old.valid_to), date(new.valid_to)),
        ("successor_code", code(&old.successor), code(&new.successor)),
    ];
    fields
        .into_iter()
        .filter(|(_, before, after)| before != after)
        .map(|(column, before, after)| {
            table::change(line, column, new.code.as_str(), &before, &after)
        })
        .collect()
}

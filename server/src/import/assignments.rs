//! Villages' programme assignments from a file: `village_code, model, start_year`, one
//! village per row. `model` is `collective` or `household` for a programme village (with the
//! year the programme started there) or `comparison` (no start year). The whole file is
//! checked first; a re-import replaces assignments and says what changed.

use std::collections::HashMap;

use domain::{Actor, EngagementModel, Localized, UnitCode, UnitLevel, VillageProgramme};

use super::table::{self, Row};
use super::template::list;
use super::{ImportError, ImportReport, Record};
use crate::storage::{Batch, Store};

/// The columns of an assignments file, in order.
pub const COLUMNS: [&str; 3] = ["village_code", "model", "start_year"];

/// The template: the header and one village of each kind.
pub fn template_csv() -> String {
    let mut out = String::from("\u{feff}");
    out.push_str(&COLUMNS.join(","));
    out.push_str("\r\n");
    for row in [
        "513434100201,collective,2019",
        "513434100202,household,2020",
        "513434100203,comparison,",
    ] {
        out.push_str(row);
        out.push_str("\r\n");
    }
    out
}

/// The template as a workbook with the model codes on a second sheet.
pub fn template_xlsx() -> Result<Vec<u8>, String> {
    let models = list(EngagementModel::ALL, EngagementModel::code);
    super::template::workbook("assignments", &template_csv(), vec![("model", models)])
}

fn parse(row: &mut Row<'_>, villages: &HashMap<UnitCode, bool>) -> Option<VillageProgramme> {
    let text = row.required("village_code");
    let village = match UnitCode::parse(&text) {
        Ok(code) if code.level() != UnitLevel::Village => {
            row.problem(
                "village_code",
                "village",
                format!("{code} 不是村代码（12 位）"),
                format!("{code} is not a village code (12 digits)"),
            );
            None
        }
        Ok(code) if !villages.contains_key(&code) => {
            row.problem(
                "village_code",
                "unknown_unit",
                format!("系统中没有村 {code}：请先导入单位"),
                format!("Tanhui has no village {code}: import the units first"),
            );
            None
        }
        Ok(code) => Some(code),
        Err(err) if !text.is_empty() => {
            row.problem("village_code", "unit_code", err.zh(), err.en());
            None
        }
        Err(_) => None,
    };
    row.required("model");
    let codes: Vec<&str> = EngagementModel::ALL.iter().map(|m| m.code()).collect();
    let model = row.choice("model", EngagementModel::parse, &codes);
    let start_year = row.optional_integer("start_year").map(|y| y as i32);
    match (model, start_year) {
        (Some(EngagementModel::Comparison), Some(_)) => row.problem(
            "start_year",
            "comparison_start",
            "对照村没有项目起始年份：请留空".into(),
            "a comparison village has no programme start year: leave it empty".into(),
        ),
        (Some(m), None) if m.participates() => row.problem(
            "start_year",
            "start_year",
            "项目村须填写项目起始年份".into(),
            "a programme village needs the year the programme started there".into(),
        ),
        (_, Some(year)) if !(2000..=2100).contains(&year) => row.problem(
            "start_year",
            "year",
            format!("年份 {year} 不在 2000–2100 之间"),
            format!("year {year} is not between 2000 and 2100"),
        ),
        _ => {}
    }
    Some(VillageProgramme {
        village: village?,
        model: model?,
        start_year,
    })
}

/// Checks the whole file and, if every row passes, sets every assignment in one transaction.
pub async fn import_assignments(
    store: &Store,
    by: Option<&Actor>,
    records: Vec<Record>,
) -> Result<ImportReport, ImportError> {
    let known: Vec<String> = COLUMNS.iter().map(|c| (*c).to_owned()).collect();
    let sheet = match table::sheet(&records, &known, &["village_code", "model"]) {
        Ok(sheet) => sheet,
        Err(report) => return Ok(report),
    };
    let mut report = table::report(sheet.data.len());
    let villages: HashMap<UnitCode, bool> = store
        .units()
        .await?
        .into_iter()
        .filter(|u| u.code.level() == UnitLevel::Village)
        .map(|u| (u.code, true))
        .collect();
    let stored: HashMap<UnitCode, VillageProgramme> = store
        .village_programmes()
        .await?
        .into_iter()
        .map(|p| (p.village.clone(), p))
        .collect();
    let mut seen: HashMap<UnitCode, usize> = HashMap::new();
    let mut programmes = Vec::new();
    for mut row in sheet.rows(&mut report) {
        if let Some(p) = parse(&mut row, &villages) {
            if let Some(first) = seen.insert(p.village.clone(), row.line) {
                row.problem(
                    "village_code",
                    "duplicate_row",
                    format!("村 {} 与第 {first} 行重复", p.village),
                    format!("village {} repeats line {first}", p.village),
                );
            }
            if let Some(old) = stored.get(&p.village).filter(|old| **old != p) {
                let describe = |v: &VillageProgramme| {
                    format!(
                        "{} {}",
                        v.model.code(),
                        v.start_year.map(|y| y.to_string()).unwrap_or_default()
                    )
                };
                report.add(table::change(
                    row.line,
                    "model",
                    p.village.as_str(),
                    describe(old).trim(),
                    describe(&p).trim(),
                ));
            }
            programmes.push(p);
        }
        report.extend(std::mem::take(&mut row.issues));
    }
    let batch = Batch {
        programmes,
        ..Batch::default()
    };
    table::finish(store, by, "assignments.import", report, batch).await
}

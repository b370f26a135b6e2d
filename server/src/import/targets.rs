//! Targets from a file: `indicator_id, unit_code, year, value`, one target per row. The whole
//! file is checked first; a re-import replaces the values of targets already set.

use std::collections::{HashMap, HashSet};

use domain::engine::catalogue::Aggregation;
use domain::{Actor, Localized, Target, UnitCode};

use super::table::{self, Row};
use super::{ImportError, ImportReport, Record};
use crate::storage::{Batch, Store};

/// The columns of a targets file, in order.
pub const COLUMNS: [&str; 4] = ["indicator_id", "unit_code", "year", "value"];

/// The template: the header and two example targets.
pub fn template_csv() -> String {
    let mut out = String::from("\u{feff}");
    out.push_str(&COLUMNS.join(","));
    out.push_str("\r\n");
    for row in [
        "participating_households,513434,2025,1200",
        "poverty_headcount_ratio,513434,2025,2.5",
    ] {
        out.push_str(row);
        out.push_str("\r\n");
    }
    out
}

/// The template as a workbook, with every indicator id on a second sheet.
pub fn template_xlsx() -> Result<Vec<u8>, String> {
    let ids = domain::engine::CATALOGUE
        .iter()
        .map(|d| {
            (
                d.id.to_owned(),
                format!("{}（{}）", d.name_zh, d.unit_zh),
                format!("{} ({})", d.name_en, d.unit_en),
            )
        })
        .collect();
    super::template::workbook("targets", &template_csv(), vec![("indicator_id", ids)])
}

fn parse(row: &mut Row<'_>, units: &HashSet<UnitCode>) -> Option<Target> {
    let id = row.required("indicator_id");
    let def = domain::engine::find(&id);
    if def.is_none() && !id.is_empty() {
        row.problem(
            "indicator_id",
            "indicator",
            format!("没有编号为“{id}”的指标（模板的 codes 表列出全部指标）"),
            format!("there is no indicator {id:?} (the template's codes sheet lists them)"),
        );
    }
    let unit_text = row.required("unit_code");
    let unit = match UnitCode::parse(&unit_text) {
        Ok(unit) if units.contains(&unit) => Some(unit),
        Ok(unit) => {
            row.problem(
                "unit_code",
                "unknown_unit",
                format!("系统中没有单位 {unit}：请先导入单位"),
                format!("Tanhui has no unit {unit}: import the units first"),
            );
            None
        }
        Err(err) if !unit_text.is_empty() => {
            row.problem("unit_code", "unit_code", err.zh(), err.en());
            None
        }
        Err(_) => None,
    };
    row.required("year");
    let year = row.integer("year");
    if !(2000..=2100).contains(&year) {
        row.problem(
            "year",
            "year",
            format!("年份 {year} 不在 2000–2100 之间"),
            format!("year {year} is not between 2000 and 2100"),
        );
    }
    row.required("value");
    let value = row.number("value");
    if let Some(def) = def {
        if value < 0.0 {
            row.problem(
                "value",
                "negative",
                "目标值不能为负数".into(),
                "a target cannot be negative".into(),
            );
        }
        if def.aggregation == Aggregation::Share && value > 100.0 {
            row.problem(
                "value",
                "percent",
                format!("“{}”是百分比，目标值不能超过 100", def.name_zh),
                format!("{} is a percentage: at most 100", def.name_en),
            );
        }
    }
    Some(Target {
        indicator: def?.id.to_owned(),
        unit: unit?,
        year: year as i32,
        value,
    })
}

/// Checks the whole file and, if every row passes, sets every target in one transaction.
pub async fn import_targets(
    store: &Store,
    by: Option<&Actor>,
    records: Vec<Record>,
) -> Result<ImportReport, ImportError> {
    let known: Vec<String> = COLUMNS.iter().map(|c| (*c).to_owned()).collect();
    let sheet = match table::sheet(&records, &known, &COLUMNS) {
        Ok(sheet) => sheet,
        Err(report) => return Ok(report),
    };
    let mut report = table::report(sheet.data.len());
    let units: HashSet<UnitCode> = store.units().await?.into_iter().map(|u| u.code).collect();
    let existing: HashMap<(String, UnitCode, i32), f64> = store
        .targets()
        .await?
        .into_iter()
        .map(|t| ((t.indicator, t.unit, t.year), t.value))
        .collect();
    let mut seen: HashMap<(String, UnitCode, i32), usize> = HashMap::new();
    let mut targets = Vec::new();
    for mut row in sheet.rows(&mut report) {
        if let Some(target) = parse(&mut row, &units) {
            let key = (target.indicator.clone(), target.unit.clone(), target.year);
            if let Some(first) = seen.insert(key.clone(), row.line) {
                row.problem(
                    "indicator_id",
                    "duplicate_row",
                    format!("与第 {first} 行是同一指标、单位和年份"),
                    format!("the same indicator, unit and year as line {first}"),
                );
            }
            if let Some(old) = existing.get(&key).filter(|old| **old != target.value) {
                report.add(table::change(
                    row.line,
                    "value",
                    &format!("{} {} {}", key.0, key.1, key.2),
                    &old.to_string(),
                    &target.value.to_string(),
                ));
            }
            targets.push(target);
        }
        report.extend(std::mem::take(&mut row.issues));
    }
    let batch = Batch {
        targets,
        ..Batch::default()
    };
    table::finish(store, by, "targets.import", report, batch).await
}

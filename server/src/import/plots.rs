//! Afforestation plots and their survival inspections from files. Plots: `plot_code,
//! village_code, area_ha, species, planting_year, managing_party`; inspections: `plot_code,
//! year, survival_rate` (percent). A plot's id is derived from its code, so re-importing a
//! plot updates it and an inspection names its plot by code. The whole file is checked
//! first; nothing is written unless every row passes.

use std::collections::{HashMap, HashSet};

use domain::{
    Actor, AfforestationPlot, Hectares, Localized, ManagingParty, RecordId, SurvivalInspection,
    TreeSpecies, UnitCode, UnitLevel,
};

use super::table::{self, Row};
use super::template::list;
use super::{ImportError, ImportReport, Record};
use crate::storage::{Batch, Store};

/// The columns of a plots file, in order.
pub const PLOT_COLUMNS: [&str; 6] = [
    "plot_code",
    "village_code",
    "area_ha",
    "species",
    "planting_year",
    "managing_party",
];

/// The columns of an inspections file, in order.
pub const INSPECTION_COLUMNS: [&str; 3] = ["plot_code", "year", "survival_rate"];

/// The id of the plot with this code (the same code always gives the same id).
pub fn plot_id(code: &str) -> RecordId {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("tanhui-plot:{}", code.trim()).as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    RecordId::from_random_bytes(bytes)
}

fn template(columns: &[&str], rows: &[&str]) -> String {
    let mut out = String::from("\u{feff}");
    out.push_str(&columns.join(","));
    out.push_str("\r\n");
    for row in rows {
        out.push_str(row);
        out.push_str("\r\n");
    }
    out
}

/// The plots template: the header and two example plots.
pub fn plots_template_csv() -> String {
    template(
        &PLOT_COLUMNS,
        &[
            "YX-2019-001,513434100201,12.5,yunnan_pine,2019,collective",
            "YX-2020-002,513434100202,8,armand_pine,2020,cooperative",
        ],
    )
}

/// The plots template as a workbook, with the species and managing parties on a codes sheet.
pub fn plots_template_xlsx() -> Result<Vec<u8>, String> {
    super::template::workbook(
        "plots",
        &plots_template_csv(),
        vec![
            ("species", list(TreeSpecies::ALL, TreeSpecies::code)),
            (
                "managing_party",
                list(ManagingParty::ALL, ManagingParty::code),
            ),
        ],
    )
}

/// The inspections template: the header and two example inspections.
pub fn inspections_template_csv() -> String {
    template(
        &INSPECTION_COLUMNS,
        &["YX-2019-001,2020,92.5", "YX-2019-001,2021,88"],
    )
}

/// The inspections template as a workbook.
pub fn inspections_template_xlsx() -> Result<Vec<u8>, String> {
    super::template::workbook("inspections", &inspections_template_csv(), Vec::new())
}

fn codes<T: Copy>(all: &[T], code: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|v| code(*v)).collect()
}

/// A plot code: 1 to 40 characters, no commas or quotes.
fn plot_code(row: &mut Row<'_>) -> Option<String> {
    let code = row.required("plot_code");
    if code.is_empty() {
        return None;
    }
    if code.chars().count() > 40 || code.contains([',', '"']) {
        row.problem(
            "plot_code",
            "plot_code",
            "地块编号不超过 40 个字符，不含逗号和引号".into(),
            "a plot code has at most 40 characters and no commas or quotes".into(),
        );
        return None;
    }
    Some(code)
}

fn parse_plot(
    row: &mut Row<'_>,
    villages: &HashSet<UnitCode>,
    current_year: i32,
) -> Option<(String, AfforestationPlot)> {
    let code = plot_code(row);
    let village_text = row.required("village_code");
    let village = match UnitCode::parse(&village_text) {
        Ok(v) if v.level() == UnitLevel::Village && villages.contains(&v) => Some(v),
        Ok(v) => {
            row.problem(
                "village_code",
                "unknown_unit",
                format!("系统中没有村 {v}：请先导入单位"),
                format!("Tanhui has no village {v}: import the units first"),
            );
            None
        }
        Err(err) if !village_text.is_empty() => {
            row.problem("village_code", "unit_code", err.zh(), err.en());
            None
        }
        Err(_) => None,
    };
    row.required("area_ha");
    let area_value = row.number("area_ha");
    let area = match Hectares::new(area_value) {
        Ok(area) if area_value > 0.0 && area_value <= 100_000.0 => Some(area),
        _ => {
            row.problem(
                "area_ha",
                "area",
                format!("面积 {area_value} 公顷不在 0 至 100000 之间"),
                format!("area {area_value} ha is not above 0 and at most 100000"),
            );
            None
        }
    };
    row.required("species");
    let species = row.choice(
        "species",
        TreeSpecies::parse,
        &codes(TreeSpecies::ALL, TreeSpecies::code),
    );
    row.required("planting_year");
    let planting_year = row.integer("planting_year") as i32;
    if !(1990..=current_year).contains(&planting_year) {
        row.problem(
            "planting_year",
            "year",
            format!("造林年份 {planting_year} 不在 1990–{current_year} 之间"),
            format!("planting year {planting_year} is not between 1990 and {current_year}"),
        );
    }
    row.required("managing_party");
    let party = row.choice(
        "managing_party",
        ManagingParty::parse,
        &codes(ManagingParty::ALL, ManagingParty::code),
    );
    let code = code?;
    Some((
        code.clone(),
        AfforestationPlot {
            id: plot_id(&code),
            village: village?,
            area: area?,
            species: species?,
            planting_year,
            managing_party: party?,
            inspections: Vec::new(),
        },
    ))
}

/// Checks a plots file and, if every row passes, adds or updates every plot in one
/// transaction (their inspections are kept).
pub async fn import_plots(
    store: &Store,
    by: Option<&Actor>,
    records: Vec<Record>,
    current_year: i32,
) -> Result<ImportReport, ImportError> {
    let known: Vec<String> = PLOT_COLUMNS.iter().map(|c| (*c).to_owned()).collect();
    let sheet = match table::sheet(&records, &known, &PLOT_COLUMNS) {
        Ok(sheet) => sheet,
        Err(report) => return Ok(report),
    };
    let mut report = table::report(sheet.data.len());
    let villages: HashSet<UnitCode> = store.units().await?.into_iter().map(|u| u.code).collect();
    let stored: HashMap<RecordId, AfforestationPlot> = store
        .plots()
        .await?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut plots = Vec::new();
    for mut row in sheet.rows(&mut report) {
        if let Some((code, mut plot)) = parse_plot(&mut row, &villages, current_year) {
            if let Some(first) = seen.insert(code.clone(), row.line) {
                row.problem(
                    "plot_code",
                    "duplicate_row",
                    format!("地块编号“{code}”与第 {first} 行重复"),
                    format!("plot {code:?} repeats line {first}"),
                );
            }
            if let Some(old) = stored.get(&plot.id) {
                // Inspections stay with the plot; the report says what the file changes.
                plot.inspections = old.inspections.clone();
                let describe = |p: &AfforestationPlot| {
                    format!(
                        "{} {} ha {} {} {}",
                        p.village,
                        p.area.get(),
                        p.species.code(),
                        p.planting_year,
                        p.managing_party.code()
                    )
                };
                if describe(old) != describe(&plot) {
                    report.add(table::change(
                        row.line,
                        "plot_code",
                        &code,
                        &describe(old),
                        &describe(&plot),
                    ));
                }
            }
            plots.push(plot);
        }
        report.extend(std::mem::take(&mut row.issues));
    }
    let batch = Batch {
        plots,
        ..Batch::default()
    };
    table::finish(store, by, "plots.import", report, batch).await
}

/// Checks an inspections file and, if every row passes, records every inspection in one
/// transaction (a plot's inspection of the same year is replaced).
pub async fn import_inspections(
    store: &Store,
    by: Option<&Actor>,
    records: Vec<Record>,
    current_year: i32,
) -> Result<ImportReport, ImportError> {
    let known: Vec<String> = INSPECTION_COLUMNS.iter().map(|c| (*c).to_owned()).collect();
    let sheet = match table::sheet(&records, &known, &INSPECTION_COLUMNS) {
        Ok(sheet) => sheet,
        Err(report) => return Ok(report),
    };
    let mut report = table::report(sheet.data.len());
    let plots: HashMap<RecordId, AfforestationPlot> = store
        .plots()
        .await?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect();
    let mut seen: HashMap<(String, i32), usize> = HashMap::new();
    let mut inspections = Vec::new();
    for mut row in sheet.rows(&mut report) {
        let code = plot_code(&mut row);
        let plot = code.as_ref().and_then(|c| plots.get(&plot_id(c)));
        if let (Some(code), None) = (&code, plot) {
            row.problem(
                "plot_code",
                "unknown_plot",
                format!("没有编号为“{code}”的地块：请先导入地块"),
                format!("there is no plot {code:?}: import the plots first"),
            );
        }
        row.required("year");
        let year = row.integer("year") as i32;
        let first_year = plot.map_or(1990, |p| p.planting_year);
        if !(first_year..=current_year).contains(&year) {
            row.problem(
                "year",
                "year",
                format!("检查年份 {year} 不在 {first_year}（造林年份）–{current_year} 之间"),
                format!("inspection year {year} is not between {first_year} (planting) and {current_year}"),
            );
        }
        row.required("survival_rate");
        let rate = row.number("survival_rate");
        if !(0.0..=100.0).contains(&rate) {
            row.problem(
                "survival_rate",
                "percent",
                format!("成活率 {rate} 不在 0 至 100（%）之间"),
                format!("survival rate {rate} is not between 0 and 100 (%)"),
            );
        }
        if let (Some(code), Some(plot)) = (code, plot) {
            if let Some(first) = seen.insert((code.clone(), year), row.line) {
                row.problem(
                    "year",
                    "duplicate_row",
                    format!("地块“{code}”{year} 年的检查与第 {first} 行重复"),
                    format!("plot {code:?} {year} repeats line {first}"),
                );
            }
            if row.issues.is_empty() {
                inspections.push((
                    plot.id.clone(),
                    SurvivalInspection {
                        year,
                        survival_pct: rate,
                    },
                ));
            }
        }
        report.extend(std::mem::take(&mut row.issues));
    }
    let batch = Batch {
        inspections,
        ..Batch::default()
    };
    table::finish(store, by, "inspections.import", report, batch).await
}

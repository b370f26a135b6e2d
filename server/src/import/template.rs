//! The import template: its columns (repeat groups in numbered columns), an example row, and
//! the XLSX workbook with a sheet of every choice's code and labels.

use std::collections::HashMap;

use domain::{Localized, SurveyStatus};

use super::parse_csv;

/// Repeat groups and how many of each the template has room for.
pub const MEMBERS: usize = 8;
pub const EMPLOYMENT: usize = 6;
pub const TRAINING: usize = 4;
pub const UNDERSTORY: usize = 4;
pub const LIVESTOCK: usize = 4;

pub(super) const MEMBER_FIELDS: [&str; 7] = [
    "sex",
    "birth_year",
    "relation",
    "ethnicity",
    "education",
    "health",
    "labour",
];
pub(super) const EMPLOYMENT_FIELDS: [&str; 4] = ["member_no", "activity", "days", "wages"];
pub(super) const TRAINING_FIELDS: [&str; 3] = ["member_no", "topic", "days"];
pub(super) const UNDERSTORY_FIELDS: [&str; 5] =
    ["product", "area_mu", "output_kg", "sales", "costs"];
pub(super) const LIVESTOCK_FIELDS: [&str; 9] = [
    "species",
    "head_start",
    "born",
    "died",
    "sold",
    "head_end",
    "sales",
    "costs",
    "correction_note",
];
pub(super) const SINGLE: [&str; 12] = [
    "equity_land_mu",
    "equity_shares",
    "dividends",
    "crop_net",
    "transfers",
    "remittances",
    "other_income",
    "food_clothing_secure",
    "schooling_ok",
    "insured",
    "housing_safe",
    "water_safe",
];

/// The template's columns, in order.
pub fn columns() -> Vec<String> {
    let mut out: Vec<String> = ["village_code", "registry_no", "wave", "status"]
        .iter()
        .map(|c| (*c).to_owned())
        .collect();
    let mut group = |name: &str, count: usize, fields: &[&str]| {
        for n in 1..=count {
            for f in fields {
                out.push(format!("{name}{n}_{f}"));
            }
        }
    };
    group("member", MEMBERS, &MEMBER_FIELDS);
    group("employment", EMPLOYMENT, &EMPLOYMENT_FIELDS);
    group("training", TRAINING, &TRAINING_FIELDS);
    group("understory", UNDERSTORY, &UNDERSTORY_FIELDS);
    group("livestock", LIVESTOCK, &LIVESTOCK_FIELDS);
    out.extend(SINGLE.iter().map(|c| (*c).to_owned()));
    out
}

/// The template file: the header, then one example row (a three-person household).
pub fn template_csv() -> String {
    let cols = columns();
    let example: HashMap<&str, &str> = [
        ("village_code", "513434100201"),
        ("registry_no", "0001"),
        ("wave", "2021"),
        ("status", "approved"),
        ("member1_sex", "male"),
        ("member1_birth_year", "1975"),
        ("member1_relation", "head"),
        ("member1_ethnicity", "yi"),
        ("member1_education", "primary"),
        ("member1_health", "healthy"),
        ("member1_labour", "ordinary"),
        ("member2_sex", "female"),
        ("member2_birth_year", "1978"),
        ("member2_relation", "spouse"),
        ("member2_ethnicity", "yi"),
        ("member2_education", "none"),
        ("member2_health", "chronic"),
        ("member2_labour", "ordinary"),
        ("member3_sex", "female"),
        ("member3_birth_year", "2010"),
        ("member3_relation", "child"),
        ("member3_ethnicity", "yi"),
        ("member3_education", "primary"),
        ("member3_health", "healthy"),
        ("member3_labour", "none"),
        ("employment1_member_no", "1"),
        ("employment1_activity", "afforestation"),
        ("employment1_days", "60"),
        ("employment1_wages", "6000"),
        ("equity_land_mu", "5"),
        ("equity_shares", "5"),
        ("dividends", "400"),
        ("understory1_product", "sichuan_pepper"),
        ("understory1_area_mu", "2"),
        ("understory1_output_kg", "50"),
        ("understory1_sales", "3000"),
        ("understory1_costs", "800"),
        ("crop_net", "1200"),
        ("transfers", "1500"),
        ("food_clothing_secure", "1"),
        ("schooling_ok", "1"),
        ("insured", "1"),
        ("housing_safe", "1"),
        ("water_safe", "1"),
    ]
    .into_iter()
    .collect();
    let mut out = String::from("\u{feff}");
    out.push_str(&cols.join(","));
    out.push_str("\r\n");
    let row: Vec<&str> = cols
        .iter()
        .map(|c| example.get(c.as_str()).copied().unwrap_or(""))
        .collect();
    out.push_str(&row.join(","));
    out.push_str("\r\n");
    out
}

/// A template workbook: a sheet `name` holding the CSV template (header in bold, numbers as
/// numbers, codes with leading zeros as text) and a `codes` sheet listing each column's
/// choices with their Chinese and English labels.
pub(super) fn workbook(
    name: &str,
    csv: &str,
    groups: Vec<(&str, Choices)>,
) -> Result<Vec<u8>, String> {
    let failed = |e: rust_xlsxwriter::XlsxError| e.to_string();
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let records = parse_csv(csv).map_err(|(_, m)| m)?;
    let sheet = workbook.add_worksheet();
    sheet.set_name(name).map_err(failed)?;
    for (r, (_, cells)) in records.iter().enumerate() {
        for (c, text) in cells.iter().enumerate() {
            let (row, col) = (r as u32, c as u16);
            match (r, text.parse::<f64>()) {
                (0, _) => sheet
                    .write_string_with_format(row, col, text, &bold)
                    .map(|_| ()),
                // Codes with leading zeros (registry numbers) and long codes (units, ID
                // cards) stay text.
                (_, Ok(n)) if !text.starts_with('0') && text.len() < 12 => {
                    sheet.write_number(row, col, n).map(|_| ())
                }
                _ => sheet.write_string(row, col, text).map(|_| ()),
            }
            .map_err(failed)?;
        }
    }
    let codes = workbook.add_worksheet();
    codes.set_name("codes").map_err(failed)?;
    for (c, head) in ["columns", "code", "中文", "English"].iter().enumerate() {
        codes
            .write_string_with_format(0, c as u16, *head, &bold)
            .map_err(failed)?;
    }
    let mut row = 1u32;
    for (columns, values) in groups {
        for (code, zh, en) in values {
            for (c, text) in [columns, &code, &zh, &en].iter().enumerate() {
                codes.write_string(row, c as u16, *text).map_err(failed)?;
            }
            row += 1;
        }
    }
    workbook.save_to_buffer().map_err(failed)
}

/// (code, Chinese, English) of each choice of a vocabulary.
pub(super) fn list<T: Localized + Copy>(all: &[T], code: fn(T) -> &'static str) -> Choices {
    all.iter()
        .map(|v| (code(*v).to_owned(), v.zh(), v.en()))
        .collect()
}

/// The survey template as an XLSX workbook, with a sheet of every choice's code and labels.
pub fn template_xlsx() -> Result<Vec<u8>, String> {
    let groups: Vec<(&str, Choices)> = vec![
        (
            "status",
            // What an import may set; rejection is a reviewer's decision.
            [
                SurveyStatus::Draft,
                SurveyStatus::Submitted,
                SurveyStatus::Approved,
            ]
            .into_iter()
            .map(|status| match status {
                SurveyStatus::Submitted => (
                    status.code().to_owned(),
                    format!("{}（默认）", status.zh()),
                    format!("{} (default)", status.en()),
                ),
                _ => (status.code().to_owned(), status.zh(), status.en()),
            })
            .collect(),
        ),
        ("member*_sex", list(domain::Sex::ALL, domain::Sex::code)),
        (
            "member*_relation",
            list(domain::Relation::ALL, domain::Relation::code),
        ),
        (
            "member*_ethnicity",
            list(domain::Ethnicity::ALL, domain::Ethnicity::code),
        ),
        (
            "member*_education",
            list(domain::Education::ALL, domain::Education::code),
        ),
        (
            "member*_health",
            list(domain::Health::ALL, domain::Health::code),
        ),
        (
            "member*_labour",
            list(domain::LabourAbility::ALL, domain::LabourAbility::code),
        ),
        (
            "employment*_activity",
            list(domain::Activity::ALL, domain::Activity::code),
        ),
        (
            "training*_topic",
            list(domain::TrainingTopic::ALL, domain::TrainingTopic::code),
        ),
        (
            "understory*_product",
            list(
                domain::UnderstoryProduct::ALL,
                domain::UnderstoryProduct::code,
            ),
        ),
        (
            "livestock*_species",
            list(
                domain::LivestockSpecies::ALL,
                domain::LivestockSpecies::code,
            ),
        ),
        (
            "food_clothing_secure … water_safe",
            vec![
                ("1".into(), "是".into(), "yes".into()),
                ("0".into(), "否".into(), "no".into()),
            ],
        ),
    ];
    workbook("surveys", &template_csv(), groups)
}

/// (code, Chinese, English) of each choice of a vocabulary.
pub(super) type Choices = Vec<(String, String, String)>;

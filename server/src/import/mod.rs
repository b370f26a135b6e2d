//! Bulk import of surveys from a CSV file laid out as the documented template: one row per
//! household survey, repeat sections in numbered columns (`member1_sex`, `employment2_days`…).
//! The whole file is validated first with the same `domain` rules as the form — every problem
//! reported by row and column — and then written in one transaction: all rows or none.

use std::collections::{HashMap, HashSet};

use domain::validate::{
    check_survey, EmploymentInput, LivestockInput, MemberInput, SurveyInput, TrainingInput,
    UnderstoryInput,
};
use domain::{Actor, HouseholdSurvey, RecordId, Severity, SurveyStatus, UnitCode};

use crate::storage::{AuditEntry, Batch, StorageError, Store};

pub mod assignments;
pub mod households;
pub mod plots;
// Public for the fuzz targets (`fuzz/`): the readers take any bytes a user can upload.
pub mod table;
pub mod targets;
mod template;
pub mod units;
pub mod xlsx;

use table::{issue, Row};
pub use table::{parse_csv, read_table, unreadable, ReadError, Record};

use template::*;
pub use template::{
    columns, template_csv, template_xlsx, EMPLOYMENT, LIVESTOCK, MEMBERS, TRAINING, UNDERSTORY,
};

pub use app::model::{ImportIssue as RowIssue, ImportReport};

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Maps a `check_survey` path to the template column it came from.
fn column_of(path: &str) -> String {
    let groups = [
        ("members[", "member"),
        ("employment[", "employment"),
        ("training[", "training"),
        ("understory[", "understory"),
        ("livestock[", "livestock"),
    ];
    for (prefix, name) in groups {
        if let Some(rest) = path.strip_prefix(prefix) {
            if let Some((index, field)) = rest.split_once("].") {
                if let Ok(i) = index.parse::<usize>() {
                    return format!("{name}{}_{field}", i + 1);
                }
            }
        }
    }
    match path {
        "equity.land_mu" => "equity_land_mu".into(),
        "equity.shares" => "equity_shares".into(),
        "equity.dividends" => "dividends".into(),
        "other_income.other" => "other_income".into(),
        other => other
            .strip_prefix("other_income.")
            .map_or_else(|| other.to_owned(), str::to_owned),
    }
}

impl Row<'_> {
    fn survey(&mut self) -> SurveyInput {
        let mut s = SurveyInput::default();
        for n in 1..=MEMBERS {
            if self.group_present("member", n, &MEMBER_FIELDS) {
                let c = |f: &str| format!("member{n}_{f}");
                s.members.push(MemberInput {
                    sex: self.text(&c("sex")),
                    birth_year: self.integer(&c("birth_year")) as i32,
                    relation: self.text(&c("relation")),
                    ethnicity: self.text(&c("ethnicity")),
                    education: self.text(&c("education")),
                    health: self.text(&c("health")),
                    labour: self.text(&c("labour")),
                    person_id: String::new(),
                });
            }
        }
        for n in 1..=EMPLOYMENT {
            if self.group_present("employment", n, &EMPLOYMENT_FIELDS) {
                let c = |f: &str| format!("employment{n}_{f}");
                s.employment.push(EmploymentInput {
                    member_no: self.integer(&c("member_no")),
                    activity: self.text(&c("activity")),
                    days: self.integer(&c("days")),
                    wages: self.number(&c("wages")),
                });
            }
        }
        for n in 1..=TRAINING {
            if self.group_present("training", n, &TRAINING_FIELDS) {
                let c = |f: &str| format!("training{n}_{f}");
                s.training.push(TrainingInput {
                    member_no: self.integer(&c("member_no")),
                    topic: self.text(&c("topic")),
                    days: self.integer(&c("days")),
                });
            }
        }
        for n in 1..=UNDERSTORY {
            if self.group_present("understory", n, &UNDERSTORY_FIELDS) {
                let c = |f: &str| format!("understory{n}_{f}");
                s.understory.push(UnderstoryInput {
                    product: self.text(&c("product")),
                    area_mu: self.number(&c("area_mu")),
                    output_kg: self.number(&c("output_kg")),
                    sales: self.number(&c("sales")),
                    costs: self.number(&c("costs")),
                });
            }
        }
        for n in 1..=LIVESTOCK {
            if self.group_present("livestock", n, &LIVESTOCK_FIELDS) {
                let c = |f: &str| format!("livestock{n}_{f}");
                s.livestock.push(LivestockInput {
                    species: self.text(&c("species")),
                    head_start: self.integer(&c("head_start")),
                    born: self.integer(&c("born")),
                    died: self.integer(&c("died")),
                    sold: self.integer(&c("sold")),
                    head_end: self.integer(&c("head_end")),
                    sales: self.number(&c("sales")),
                    costs: self.number(&c("costs")),
                    correction_note: self.text(&c("correction_note")),
                });
            }
        }
        s.equity.land_mu = self.number("equity_land_mu");
        s.equity.shares = self.number("equity_shares");
        s.equity.dividends = self.number("dividends");
        s.other_income.crop_net = self.number("crop_net");
        s.other_income.transfers = self.number("transfers");
        s.other_income.remittances = self.number("remittances");
        s.other_income.other = self.number("other_income");
        s.guarantees.food_clothing_secure = self.flag("food_clothing_secure");
        s.guarantees.schooling_ok = self.flag("schooling_ok");
        s.guarantees.insured = self.flag("insured");
        s.guarantees.housing_safe = self.flag("housing_safe");
        s.guarantees.water_safe = self.flag("water_safe");
        s
    }
}

/// Validates the whole file, and writes every survey in one transaction only if no row has an
/// error (and, unless `confirm_warnings`, no row has a warning).
pub async fn import_surveys(
    store: &Store,
    actor: &Actor,
    records: Vec<Record>,
    confirm_warnings: bool,
) -> Result<ImportReport, ImportError> {
    let sheet = match table::sheet(
        &records,
        &columns(),
        &["village_code", "registry_no", "wave"],
    ) {
        Ok(sheet) => sheet,
        Err(report) => return Ok(report),
    };
    let mut report = table::report(sheet.data.len());
    let stored_waves = store.waves().await?;
    let waves: HashSet<i32> = stored_waves.iter().map(|w| w.year).collect();
    let closed: HashSet<i32> = stored_waves
        .iter()
        .filter(|w| w.closed)
        .map(|w| w.year)
        .collect();
    // Households and existing surveys, read once per village and wave.
    // Each village's households by registry number, read once.
    let mut villages: HashMap<String, HashMap<String, RecordId>> = HashMap::new();
    let mut surveyed: HashMap<(String, i32), HashSet<String>> = HashMap::new();
    let mut seen: HashMap<(String, i32), usize> = HashMap::new();
    let mut surveys = Vec::new();
    for mut row in sheet.rows(&mut report) {
        let line = row.line;
        let village_text = row.text("village_code");
        let registry = row.text("registry_no");
        let wave = row.integer("wave") as i32;
        if !waves.contains(&wave) {
            let mut list: Vec<_> = waves.iter().copied().collect();
            list.sort_unstable();
            row.issues.push(issue(
                line,
                "wave",
                "wave",
                format!("没有 {wave} 年的调查轮次（现有：{list:?}）"),
                format!("there is no {wave} wave (there are: {list:?})"),
            ));
        }
        if closed.contains(&wave) {
            row.issues.push(issue(
                line,
                "wave",
                "wave_closed",
                format!("{wave} 年调查轮次已关闭，不能再导入问卷"),
                format!("the {wave} wave is closed: no more surveys can be imported"),
            ));
        }
        let text = row.text("status");
        let status = match SurveyStatus::parse(&text) {
            _ if text.is_empty() => SurveyStatus::Submitted,
            // An import may not pass judgement on its own rows by sending them back.
            Some(status) if status != SurveyStatus::Rejected => status,
            _ => {
                let other = text;
                row.issues.push(issue(
                    line,
                    "status",
                    "status",
                    format!("状态应为 draft、submitted 或 approved，而不是“{other}”"),
                    format!("status: draft, submitted or approved, not {other:?}"),
                ));
                SurveyStatus::Submitted
            }
        };
        let household = match UnitCode::parse(&village_text) {
            Ok(village) if village.level() == domain::UnitLevel::Village => {
                if !actor.may_enter(&village) {
                    row.issues.push(issue(
                        line,
                        "village_code",
                        "scope",
                        format!("村 {village_text} 不在您的管辖范围内"),
                        format!("village {village_text} is outside your scope"),
                    ));
                    None
                } else {
                    if !villages.contains_key(&village_text) {
                        let households = store.households_in(&village).await?;
                        let by_registry = households
                            .into_iter()
                            .map(|h| (h.registry_no.clone(), h.id))
                            .collect::<HashMap<_, _>>();
                        villages.insert(village_text.clone(), by_registry);
                    }
                    let found = villages
                        .get(&village_text)
                        .and_then(|v| v.get(&registry))
                        .cloned();
                    if found.is_none() {
                        row.issues.push(issue(
                            line,
                            "registry_no",
                            "unknown_household",
                            format!("村 {village_text} 没有户编号为“{registry}”的户，请先登记"),
                            format!("village {village_text} has no household {registry:?}; register it first"),
                        ));
                    }
                    if found.is_some() && waves.contains(&wave) {
                        let key = (village_text.clone(), wave);
                        if !surveyed.contains_key(&key) {
                            let ids = store
                                .village_surveys(&village, wave)
                                .await?
                                .into_iter()
                                .map(|line| line.household.as_str().to_owned())
                                .collect();
                            surveyed.insert(key.clone(), ids);
                        }
                    }
                    found
                }
            }
            _ => {
                row.issues.push(issue(
                    line,
                    "village_code",
                    "village",
                    format!("“{village_text}”不是 12 位村代码"),
                    format!("{village_text:?} is not a 12-digit village code"),
                ));
                None
            }
        };
        if let Some(id) = &household {
            if surveyed
                .get(&(village_text.clone(), wave))
                .is_some_and(|s| s.contains(id.as_str()))
            {
                row.issues.push(issue(
                    line,
                    "registry_no",
                    "survey_exists",
                    format!("这户 {wave} 年已有问卷，导入只新建问卷；请在问卷页面修改"),
                    format!("this household already has a {wave} survey; imports only create"),
                ));
            }
            if let Some(first) = seen.insert((id.as_str().to_owned(), wave), line) {
                row.issues.push(issue(
                    line,
                    "registry_no",
                    "duplicate_row",
                    format!("与第 {first} 行是同一户同一轮"),
                    format!("the same household and wave as line {first}"),
                ));
            }
        }
        let input = row.survey();
        let checked = check_survey(&input, wave);
        let (answers, warnings) = match checked {
            Ok((answers, warnings)) => (Some(answers), warnings),
            Err(issues) => (None, issues),
        };
        for i in warnings {
            let mut r = issue(line, &column_of(&i.path), i.rule, i.zh, i.en);
            r.warning = i.severity == Severity::Warning;
            row.issues.push(r);
        }
        let clean = row.issues.iter().all(|i| i.warning);
        report.extend(row.issues);
        if let (true, Some(answers), Some(household_id)) = (clean, answers, household) {
            let id =
                RecordId::parse(&crate::auth::new_id()).map_err(|_| StorageError::CorruptRow {
                    table: "surveys",
                    detail: "generated id".into(),
                })?;
            surveys.push(HouseholdSurvey {
                client_id: id.clone(),
                id,
                household_id,
                wave,
                status,
                enumerator: actor.username.clone(),
                version: 1,
                review_comment: None,
                answers,
            });
        }
    }
    if !report.errors.is_empty() || (!report.warnings.is_empty() && !confirm_warnings) {
        return Ok(report);
    }
    let persons = link_rosters(store, &mut surveys).await?;
    // One entry per survey, as a save would write: an imported survey has its author in the
    // log like any other (the four-eyes check reads it), and an approved one says so.
    let audit = surveys
        .iter()
        .map(|survey| {
            AuditEntry::by(Some(actor), "survey.import")
                .target("survey", survey.id.as_str())
                .change(
                    None,
                    Some(serde_json::json!({
                        "household": survey.household_id.as_str(),
                        "wave": survey.wave,
                        "status": survey.status.code(),
                    })),
                )
        })
        .collect();
    store
        .write(&Batch {
            persons,
            surveys,
            audit,
            ..Batch::default()
        })
        .await?;
    report.imported = report.rows;
    Ok(report)
}

/// Links every imported roster to its household's registry people
/// ([`domain::roster::link`]), earlier waves first so that someone a file's 2024 roster adds
/// is the same person on its 2025 roster. Returns the people to add.
async fn link_rosters(
    store: &Store,
    surveys: &mut [HouseholdSurvey],
) -> Result<Vec<domain::Person>, StorageError> {
    let ids: Vec<RecordId> = surveys.iter().map(|s| s.household_id.clone()).collect();
    let mut registry: HashMap<RecordId, Vec<domain::Person>> = HashMap::new();
    for person in store.persons_of(&ids).await? {
        registry
            .entry(person.household.clone())
            .or_default()
            .push(person);
    }
    surveys.sort_by_key(|s| s.wave);
    let mut added = Vec::new();
    for survey in surveys.iter_mut() {
        let people = registry.entry(survey.household_id.clone()).or_default();
        // A file names no registry person, so every line is matched or added: no issue.
        if let Ok(new) = domain::roster::link(
            &mut survey.answers.members,
            people,
            &survey.household_id,
            crate::auth::new_record_id,
        ) {
            people.extend(new.iter().cloned());
            added.extend(new);
        }
    }
    Ok(added)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_records_keep_quotes_commas_and_line_numbers() {
        let text = "\u{feff}a,b\r\n\"x, y\",\"say \"\"hi\"\"\"\r\n\n1,\"two\nlines\"\n3,4";
        let records = parse_csv(text).expect("parses");
        assert_eq!(
            records,
            vec![
                (1, vec!["a".to_owned(), "b".to_owned()]),
                (2, vec!["x, y".to_owned(), "say \"hi\"".to_owned()]),
                (4, vec!["1".to_owned(), "two\nlines".to_owned()]),
                (6, vec!["3".to_owned(), "4".to_owned()]),
            ]
        );
        assert_eq!(parse_csv("a,\"b\n").unwrap_err().0, 1);
    }

    #[test]
    fn paths_map_back_to_template_columns() {
        assert_eq!(column_of("members[2].birth_year"), "member3_birth_year");
        assert_eq!(column_of("livestock[0].head_end"), "livestock1_head_end");
        assert_eq!(column_of("equity.dividends"), "dividends");
        assert_eq!(column_of("other_income.crop_net"), "crop_net");
        assert_eq!(column_of("other_income.other"), "other_income");
        assert_eq!(column_of("members"), "members");
        let all = columns();
        assert_eq!(all.len(), 4 + 8 * 7 + 6 * 4 + 4 * 3 + 4 * 5 + 4 * 9 + 12);
        for path in [
            "members[7].labour",
            "employment[5].wages",
            "training[3].days",
        ] {
            assert!(all.contains(&column_of(path)), "{path}");
        }
    }

    #[test]
    fn the_template_has_one_example_row_under_its_header() {
        let records = parse_csv(&template_csv()).expect("parses");
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].1, columns());
        assert_eq!(records[1].1.len(), columns().len());
        // The XLSX template reads back as the same table (numbers written as numbers).
        let book = read_table(&template_xlsx().expect("workbook")).expect("reads");
        assert_eq!(book[0].1, columns());
        let text: Vec<&str> = records[1].1.iter().map(String::as_str).collect();
        let mut cells: Vec<String> = book[1].1.clone();
        cells.resize(columns().len(), String::new());
        assert_eq!(cells, text);
        assert_eq!(read_table(&[0xb4, 0xe5, b',']), Err(ReadError::NotUtf8));
    }
}

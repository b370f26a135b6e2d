//! The 建档立卡 household registry from a file: one row per household with up to ten members
//! in numbered columns. Every row goes through the registration checks of the form; ID cards
//! must be unique in the file and against Tanhui; nothing is written unless every row passes
//! (and warnings were confirmed). With `update`, a row whose village and registry number are
//! already registered corrects that household instead, and the report says what changed;
//! its people keep their ids.

use std::collections::{HashMap, HashSet};

use domain::validate::{check_household, HouseholdInput};
use domain::{
    Actor, Date, Ethnicity, Household, IdCardNumber, Localized, Person, RecordId, Relation,
    Severity, Sex, UnitCode, UnitLevel,
};

use super::table::{self, Row};
use super::template::{list, Choices};
use super::{ImportError, ImportReport, Record, RowIssue};
use crate::storage::{AuditEntry, Batch, StorageError, Store};

/// Members a row has room for.
pub const MEMBERS: usize = 10;

/// The household columns, in order; the member columns follow.
pub const HOUSEHOLD_COLUMNS: [&str; 13] = [
    "village_code",
    "registry_no",
    "head_name",
    "head_id_card",
    "phone",
    "head_sex",
    "head_ethnicity",
    "poverty_registration",
    "poverty_cause",
    "registration_year",
    "exit_year",
    "model",
    "enrolment_date",
];

/// Each member's columns, as `memberN_<field>`.
pub const MEMBER_FIELDS: [&str; 6] = [
    "name",
    "id_card",
    "sex",
    "birth_year",
    "relation",
    "ethnicity",
];

/// Every column of the file, in order.
pub fn columns() -> Vec<String> {
    let mut out: Vec<String> = HOUSEHOLD_COLUMNS.iter().map(|c| (*c).to_owned()).collect();
    for n in 1..=MEMBERS {
        for f in MEMBER_FIELDS {
            out.push(format!("member{n}_{f}"));
        }
    }
    out
}

/// The template: the header and one example household of three.
pub fn template_csv() -> String {
    let example: HashMap<&str, &str> = [
        ("village_code", "513434100201"),
        ("registry_no", "0001"),
        ("head_name", "吉克阿呷"),
        ("head_id_card", "51343419750315001X"),
        ("phone", "13800000000"),
        ("head_sex", "male"),
        ("head_ethnicity", "yi"),
        ("poverty_registration", "general"),
        ("poverty_cause", "lack_skills"),
        ("registration_year", "2014"),
        ("exit_year", "2019"),
        ("model", "collective"),
        ("enrolment_date", "2018-03-01"),
        ("member1_name", "吉克阿呷"),
        ("member1_id_card", "51343419750315001X"),
        ("member1_sex", "male"),
        ("member1_birth_year", "1975"),
        ("member1_relation", "head"),
        ("member1_ethnicity", "yi"),
        ("member2_name", "阿苏阿果"),
        ("member2_sex", "female"),
        ("member2_birth_year", "1978"),
        ("member2_relation", "spouse"),
        ("member2_ethnicity", "yi"),
        ("member3_name", "吉克曲布"),
        ("member3_sex", "female"),
        ("member3_birth_year", "2010"),
        ("member3_relation", "child"),
        ("member3_ethnicity", "yi"),
    ]
    .into_iter()
    .collect();
    let cols = columns();
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

/// The template as a workbook with every choice's code on the `codes` sheet.
pub fn template_xlsx() -> Result<Vec<u8>, String> {
    let groups: Vec<(&str, Choices)> = vec![
        ("head_sex, member*_sex", list(Sex::ALL, Sex::code)),
        (
            "head_ethnicity, member*_ethnicity",
            list(Ethnicity::ALL, Ethnicity::code),
        ),
        (
            "poverty_registration",
            list(
                domain::PovertyRegistration::ALL,
                domain::PovertyRegistration::code,
            ),
        ),
        (
            "poverty_cause",
            list(domain::PovertyCause::ALL, domain::PovertyCause::code),
        ),
        (
            "model",
            list(domain::EngagementModel::ALL, domain::EngagementModel::code),
        ),
        ("member*_relation", list(Relation::ALL, Relation::code)),
    ];
    super::template::workbook("households", &template_csv(), groups)
}

/// A registry member as read from a row, before it is matched to a stored person.
struct MemberRow {
    name: String,
    id_card: Option<IdCardNumber>,
    sex: Sex,
    birth_year: i32,
    relation: Relation,
    ethnicity: Ethnicity,
}

/// One row that passed its own checks.
struct Parsed {
    line: usize,
    household: Household,
    members: Vec<MemberRow>,
}

fn codes<T: Copy>(all: &[T], code: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|v| code(*v)).collect()
}

/// Reads a row's members (`memberN_…` groups with any cell filled).
fn members(row: &mut Row<'_>, current_year: i32) -> Vec<MemberRow> {
    let mut out = Vec::new();
    for n in 1..=MEMBERS {
        if !row.group_present("member", n, &MEMBER_FIELDS) {
            continue;
        }
        let c = |f: &str| format!("member{n}_{f}");
        let name = row.required(&c("name"));
        let id_text = row.text(&c("id_card"));
        let id_card = match IdCardNumber::parse(&id_text) {
            _ if id_text.is_empty() => None,
            Ok(id) => Some(id),
            Err(err) => {
                row.problem(&c("id_card"), "id_card", err.zh(), err.en());
                None
            }
        };
        for f in ["sex", "birth_year", "relation", "ethnicity"] {
            row.required(&c(f));
        }
        let sex = row.choice(&c("sex"), Sex::parse, &codes(Sex::ALL, Sex::code));
        let birth_year = row.integer(&c("birth_year")) as i32;
        if !(1900..=current_year).contains(&birth_year) {
            row.problem(
                &c("birth_year"),
                "birth_year",
                format!("出生年份 {birth_year} 不在 1900–{current_year} 之间"),
                format!("birth year {birth_year} is not between 1900 and {current_year}"),
            );
        }
        let relation = row.choice(
            &c("relation"),
            Relation::parse,
            &codes(Relation::ALL, Relation::code),
        );
        let ethnicity = row.choice(
            &c("ethnicity"),
            Ethnicity::parse,
            &codes(Ethnicity::ALL, Ethnicity::code),
        );
        if let (Some(sex), Some(relation), Some(ethnicity)) = (sex, relation, ethnicity) {
            if !name.is_empty() {
                out.push(MemberRow {
                    name,
                    id_card,
                    sex,
                    birth_year,
                    relation,
                    ethnicity,
                });
            }
        }
    }
    out
}

/// The column of the file a `check_household` path refers to.
fn column_of(path: &str) -> &str {
    match path {
        "village" => "village_code",
        other => other,
    }
}

/// Checks the whole file and writes every household (and its people) in one transaction only
/// if no row has an error and, unless `confirm_warnings`, none has a warning. With `update`,
/// rows for households already registered (same village and registry number) correct them.
pub async fn import_households(
    store: &Store,
    by: Option<&Actor>,
    records: Vec<Record>,
    confirm_warnings: bool,
    update: bool,
    current_year: i32,
) -> Result<ImportReport, ImportError> {
    let sheet = match table::sheet(
        &records,
        &columns(),
        &[
            "village_code",
            "registry_no",
            "head_name",
            "head_id_card",
            "head_sex",
            "head_ethnicity",
            "poverty_registration",
            "model",
        ],
    ) {
        Ok(sheet) => sheet,
        Err(report) => return Ok(report),
    };
    let mut report = table::report(sheet.data.len());
    let units: HashMap<UnitCode, domain::AdminUnit> = store
        .units()
        .await?
        .into_iter()
        .map(|u| (u.code.clone(), u))
        .collect();
    let assigned: HashMap<UnitCode, domain::EngagementModel> = store
        .village_programmes()
        .await?
        .into_iter()
        .map(|p| (p.village, p.model))
        .collect();
    let mut parsed = Vec::new();
    let mut issues: Vec<RowIssue> = Vec::new();
    for mut row in sheet.rows(&mut report) {
        let line = row.line;
        let registry_no = row.required("registry_no");
        let input = HouseholdInput {
            village: row.text("village_code"),
            registry_no: registry_no.clone(),
            head_name: row.text("head_name"),
            head_id_card: row.text("head_id_card"),
            phone: row.text("phone"),
            head_sex: row.text("head_sex"),
            head_ethnicity: row.text("head_ethnicity"),
            poverty_registration: row.text("poverty_registration"),
            poverty_cause: row.text("poverty_cause"),
            registration_year: row.optional_integer("registration_year").map(|y| y as i32),
            exit_year: row.optional_integer("exit_year").map(|y| y as i32),
            model: row.text("model"),
        };
        let enrolment_date: Option<Date> = row.date("enrolment_date");
        let members = members(&mut row, current_year);
        let checked = check_household(&input, current_year);
        let (fields, notes) = match checked {
            Ok((fields, warnings)) => (Some(fields), warnings),
            Err(issues) => (None, issues),
        };
        for i in notes {
            let mut r = table::issue(line, column_of(&i.path), i.rule, i.zh, i.en);
            r.warning = i.severity == Severity::Warning;
            row.issues.push(r);
        }
        if let Some(fields) = fields {
            let village = &fields.village;
            match units.get(village) {
                None => row.problem(
                    "village_code",
                    "unknown_unit",
                    format!("系统中没有村 {village}：请先导入单位"),
                    format!("Tanhui has no village {village}: import the units first"),
                ),
                Some(unit) => {
                    if let Some(end) = unit.valid_to {
                        let mut warning = table::issue(
                            line,
                            "village_code",
                            "unit_ended",
                            format!("村 {village} 已于 {end} 撤销"),
                            format!("village {village} ended on {end}"),
                        );
                        warning.warning = true;
                        row.issues.push(warning);
                    }
                }
            }
            if village.level() == UnitLevel::Village && !by.is_none_or(|a| a.may_enter(village)) {
                row.problem(
                    "village_code",
                    "scope",
                    format!("村 {village} 不在您的管辖范围内"),
                    format!("village {village} is outside your scope"),
                );
            }
            if let Some(&village_model) = assigned.get(village) {
                let model = fields.model;
                let odd = match village_model {
                    domain::EngagementModel::Comparison => model.participates(),
                    programme => model.participates() && model != programme,
                };
                if odd {
                    let mut warning = table::issue(
                        line,
                        "model",
                        "model_vs_village",
                        format!(
                            "村 {village} 分配为“{}”，而这户登记为“{}”：请核对",
                            village_model.zh(),
                            model.zh()
                        ),
                        format!(
                            "village {village} is assigned {:?} but this household says {:?}: please check",
                            village_model.code(),
                            model.code()
                        ),
                    );
                    warning.warning = true;
                    row.issues.push(warning);
                }
            }
            if fields.model == domain::EngagementModel::Comparison && enrolment_date.is_some() {
                row.problem(
                    "enrolment_date",
                    "comparison_enrolled",
                    "对照户没有参与日期：model 为 comparison 时 enrolment_date 留空".into(),
                    "a comparison household has no enrolment date: leave enrolment_date empty"
                        .into(),
                );
            }
            // The id is given once every row has passed (new households get a fresh one).
            let household = fields.into_household(RecordId::from_u128(0), enrolment_date);
            parsed.push(Parsed {
                line,
                household,
                members,
            });
        }
        issues.append(&mut row.issues);
    }

    // Duplicates within the file.
    let mut by_key: HashMap<(UnitCode, String), usize> = HashMap::new();
    let mut by_card: HashMap<String, usize> = HashMap::new();
    let mut member_cards: HashMap<String, usize> = HashMap::new();
    for p in &parsed {
        let h = &p.household;
        if let Some(first) = by_key.insert((h.village.clone(), h.registry_no.clone()), p.line) {
            issues.push(table::issue(
                p.line,
                "registry_no",
                "duplicate_row",
                format!("与第 {first} 行是同一村同一户编号"),
                format!("the same village and registry number as line {first}"),
            ));
        }
        if let Some(first) = by_card.insert(h.id_card_text().to_owned(), p.line) {
            issues.push(table::issue(
                p.line,
                "head_id_card",
                "duplicate_id_card",
                format!("户主身份证号与第 {first} 行相同"),
                format!("the head's ID-card number is the same as on line {first}"),
            ));
        }
        let mut own = HashSet::new();
        for (i, m) in p.members.iter().enumerate() {
            let Some(card) = &m.id_card else { continue };
            let column = format!("member{}_id_card", i + 1);
            if !own.insert(card.as_str()) {
                issues.push(table::issue(
                    p.line,
                    &column,
                    "duplicate_id_card",
                    "同一户中两名成员的身份证号相同".into(),
                    "two members of this household have the same ID-card number".into(),
                ));
            } else if let Some(first) = member_cards.insert(card.as_str().to_owned(), p.line) {
                if first != p.line {
                    issues.push(table::issue(
                        p.line,
                        &column,
                        "duplicate_id_card",
                        format!("成员身份证号与第 {first} 行的成员相同"),
                        format!("this member's ID-card number is on line {first} too"),
                    ));
                }
            }
        }
    }

    // Against what is stored: each village's households, and the heads' ID cards.
    let villages: HashSet<UnitCode> = parsed.iter().map(|p| p.household.village.clone()).collect();
    let mut stored: HashMap<(UnitCode, String), Household> = HashMap::new();
    for village in villages {
        for h in store.households_in(&village).await? {
            stored.insert((h.village.clone(), h.registry_no.clone()), h);
        }
    }
    let cards: Vec<&str> = parsed.iter().map(|p| p.household.id_card_text()).collect();
    let card_owners: HashMap<String, Household> = store
        .households_with_id_cards(&cards)
        .await?
        .into_iter()
        .map(|h| (h.id_card_text().to_owned(), h))
        .collect();
    let mut planned = Vec::new();
    for p in parsed {
        let key = (p.household.village.clone(), p.household.registry_no.clone());
        let existing = stored.get(&key);
        if existing.is_some() && !update {
            issues.push(table::issue(
                p.line,
                "registry_no",
                "household_exists",
                format!(
                    "村 {} 已登记户编号“{}”：要更正已登记的户，请勾选“更正已有的户”（命令行 --update）",
                    key.0, key.1
                ),
                format!(
                    "village {} already has household {:?}: to correct registered households, import with update (--update)",
                    key.0, key.1
                ),
            ));
            continue;
        }
        if let Some(owner) = card_owners.get(p.household.id_card_text()) {
            if existing.is_none_or(|e| e.id != owner.id) {
                issues.push(table::issue(
                    p.line,
                    "head_id_card",
                    "duplicate_id_card",
                    format!(
                        "此身份证号已登记为村 {} 户编号“{}”的户主",
                        owner.village, owner.registry_no
                    ),
                    format!(
                        "this ID card already heads household {:?} of village {}",
                        owner.registry_no, owner.village
                    ),
                ));
                continue;
            }
        }
        planned.push((p, existing.cloned()));
    }
    issues.sort_by_key(|i| i.line);
    report.extend(issues);
    if !report.errors.is_empty() || (!report.warnings.is_empty() && !confirm_warnings) {
        return Ok(report);
    }

    // Everything passed: new households and their people, corrections with before and after.
    let updated_ids: Vec<RecordId> = planned
        .iter()
        .filter_map(|(_, e)| e.as_ref().map(|h| h.id.clone()))
        .collect();
    let mut stored_people: HashMap<RecordId, Vec<Person>> = HashMap::new();
    for person in store.persons_of(&updated_ids).await? {
        stored_people
            .entry(person.household.clone())
            .or_default()
            .push(person);
    }
    let mut batch = Batch::default();
    let (mut added, mut corrected) = (0, 0);
    for (p, existing) in planned {
        let mut household = p.household;
        match &existing {
            None => {
                household.id = new_id()?;
                added += 1;
            }
            Some(old) => household.id = old.id.clone(),
        }
        let before_people = stored_people.remove(&household.id).unwrap_or_default();
        let (people, people_changes) = match_people(&household.id, before_people, p.members)?;
        let mut changes = household_changes(p.line, existing.as_ref(), &household);
        changes.extend(people_changes.into_iter().map(|(column, before, after)| {
            table::change(p.line, &column, &household.registry_no, &before, &after)
        }));
        let snapshot = |h: &Household, people: &[Person]| {
            let mut value = crate::records::household_snapshot(h);
            value["members"] = serde_json::json!(people.iter().filter(|p| p.active).count());
            value
        };
        match existing {
            None => {
                batch.audit.push(
                    AuditEntry::by(by, "household.import")
                        .target("household", household.id.as_str())
                        .unit(Some(&household.village))
                        .change(None, Some(snapshot(&household, &people))),
                );
                batch.persons.extend(people);
                batch.households.push(household);
            }
            Some(old) if !changes.is_empty() => {
                corrected += 1;
                batch.audit.push(
                    AuditEntry::by(by, "household.import_update")
                        .target("household", household.id.as_str())
                        .unit(Some(&household.village))
                        .change(
                            Some(snapshot(&old, &[])),
                            Some(snapshot(&household, &people)),
                        ),
                );
                batch.persons.extend(people);
                batch.household_updates.push(household);
                report.extend(changes);
            }
            Some(_) => {}
        }
    }
    if !batch.households.is_empty() || !batch.household_updates.is_empty() {
        store.write(&batch).await?;
    }
    tracing::info!(
        rows = report.rows,
        added,
        corrected,
        "household registry imported"
    );
    report.imported = report.rows;
    Ok(report)
}

fn new_id() -> Result<RecordId, ImportError> {
    RecordId::parse(&crate::auth::new_id()).map_err(|_| {
        ImportError::Storage(StorageError::CorruptRow {
            table: "households",
            detail: "generated id".into(),
        })
    })
}

/// A change to a household's people: (column, before, after).
type Change = (String, String, String);

/// The people of a household after a (re-)import: each row matched to a stored person by
/// ID card, else by name and birth year, else (someone a survey added, not named yet) by sex
/// and birth year, keeping that person's id; new people get new ids; stored people the file
/// no longer lists stay, inactive — except unnamed ones, whom no file has listed yet. Also
/// what changed, per column.
fn match_people(
    household: &RecordId,
    mut before: Vec<Person>,
    rows: Vec<MemberRow>,
) -> Result<(Vec<Person>, Vec<Change>), ImportError> {
    let mut out = Vec::new();
    let mut changes = Vec::new();
    for (i, m) in rows.into_iter().enumerate() {
        let position = i as u32 + 1;
        let found = before
            .iter()
            .position(|p| p.id_card.is_some() && p.id_card == m.id_card)
            .or_else(|| {
                before
                    .iter()
                    .position(|p| p.name == m.name && p.birth_year == m.birth_year)
            })
            .or_else(|| {
                // Someone a survey added (a newborn, a bride), now named by the registry.
                before.iter().position(|p| {
                    p.name.is_empty() && p.sex == m.sex && p.birth_year == m.birth_year
                })
            });
        let id = match found {
            Some(at) => {
                let old = before.remove(at);
                let column = format!("member{position}");
                let describe = |name: &str, year: i32, relation: Relation| {
                    format!("{name} {year} {}", relation.code())
                };
                let (was, now) = (
                    describe(&old.name, old.birth_year, old.relation),
                    describe(&m.name, m.birth_year, m.relation),
                );
                if was != now || old.id_card != m.id_card || !old.active {
                    changes.push((column, was, now));
                }
                old.id
            }
            None => {
                if !before.is_empty() || !out.is_empty() {
                    changes.push((
                        format!("member{position}"),
                        String::new(),
                        format!("{} {}", m.name, m.birth_year),
                    ));
                }
                new_id()?
            }
        };
        out.push(Person {
            id,
            household: household.clone(),
            position,
            name: m.name,
            id_card: m.id_card,
            sex: m.sex,
            birth_year: m.birth_year,
            relation: m.relation,
            ethnicity: m.ethnicity,
            active: true,
        });
    }
    // Whoever the file no longer lists leaves the household but keeps their record and id.
    // Someone a survey added and the registry has not named yet is not the file's to remove:
    // they stay as they are (a later file that lists them names them, above).
    for mut gone in before
        .into_iter()
        .filter(|p| p.active && !p.name.is_empty())
    {
        changes.push((
            "members".into(),
            format!("{} {}", gone.name, gone.birth_year),
            String::new(),
        ));
        gone.active = false;
        out.push(gone);
    }
    Ok((out, changes))
}

/// The registration fields a re-import changes, one entry per field (none for a new one).
fn household_changes(line: usize, old: Option<&Household>, new: &Household) -> Vec<RowIssue> {
    let Some(old) = old else {
        return Vec::new();
    };
    let year = |y: Option<i32>| y.map(|y| y.to_string()).unwrap_or_default();
    let fields = [
        ("head_name", old.head_name.clone(), new.head_name.clone()),
        ("head_id_card", old.id_card_masked(), new.id_card_masked()),
        (
            "phone",
            old.phone.as_ref().map(|p| p.masked()).unwrap_or_default(),
            new.phone.as_ref().map(|p| p.masked()).unwrap_or_default(),
        ),
        (
            "head_sex",
            old.head_sex.code().into(),
            new.head_sex.code().into(),
        ),
        (
            "head_ethnicity",
            old.head_ethnicity.code().into(),
            new.head_ethnicity.code().into(),
        ),
        (
            "poverty_registration",
            old.poverty_registration.code().into(),
            new.poverty_registration.code().into(),
        ),
        (
            "poverty_cause",
            old.poverty_cause
                .map(|c| c.code())
                .unwrap_or_default()
                .into(),
            new.poverty_cause
                .map(|c| c.code())
                .unwrap_or_default()
                .into(),
        ),
        (
            "registration_year",
            year(old.registration_year),
            year(new.registration_year),
        ),
        ("exit_year", year(old.exit_year), year(new.exit_year)),
        ("model", old.model.code().into(), new.model.code().into()),
        (
            "enrolment_date",
            old.enrolment_date
                .map(|d| d.to_string())
                .unwrap_or_default(),
            new.enrolment_date
                .map(|d| d.to_string())
                .unwrap_or_default(),
        ),
    ];
    fields
        .into_iter()
        .filter(|(_, before, after)| before != after)
        .map(|(column, before, after)| {
            table::change(line, column, &new.registry_no, &before, &after)
        })
        .collect()
}

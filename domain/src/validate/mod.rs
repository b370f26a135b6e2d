//! Validation that explains itself. Raw input — a form post, a CSV row, an API body — is
//! parsed into domain types here, and every problem comes back with the path of the field it
//! concerns and a message in Chinese and English. Errors block saving; warnings ask the user
//! to confirm an unusual but possible value.

use serde::{Deserialize, Serialize};

use crate::{
    Activity, Days, Education, EmploymentRow, Equity, Ethnicity, Guarantees, Heads, Health,
    IdCardNumber, LabourAbility, LivestockRow, LivestockSpecies, Localized, Member, Mu,
    OtherIncome, Phone, PovertyCause, PovertyRegistration, QuantityError, RecordId, Relation, Rmb,
    Sex, SurveyAnswers, TrainingRow, TrainingTopic, UnderstoryProduct, UnderstoryRow, UnitCode,
    UnitLevel,
};

/// Per-capita net income above this is flagged for confirmation (RMB per person per year).
pub const PLAUSIBLE_PER_CAPITA_MAX_YUAN: f64 = 200_000.0;
/// The oldest birth year accepted on a roster.
pub const EARLIEST_BIRTH_YEAR: i32 = 1900;

/// How serious an [`Issue`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// `error`: the value cannot be right; nothing is saved until it is fixed.
    Error,
    /// `warning`: unusual but possible; saved once the user confirms.
    Warning,
}

/// One problem with one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issue {
    /// Where: `members[2].birth_year`, `livestock[0].head_end`, `head_id_card`…
    pub path: String,
    /// A stable rule id, for tests and for translating elsewhere.
    pub rule: &'static str,
    /// Whether the issue blocks saving or only asks for confirmation.
    pub severity: Severity,
    /// The message in Chinese, shown beside the field.
    pub zh: String,
    /// The message in English; it starts with the field's path.
    pub en: String,
}

impl Issue {
    /// An error: the value cannot be right.
    pub fn error(
        path: impl Into<String>,
        rule: &'static str,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) -> Issue {
        Issue {
            path: path.into(),
            rule,
            severity: Severity::Error,
            zh: zh.into(),
            en: en.into(),
        }
    }

    pub(crate) fn warning(
        path: impl Into<String>,
        rule: &'static str,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) -> Issue {
        Issue {
            path: path.into(),
            rule,
            severity: Severity::Warning,
            zh: zh.into(),
            en: en.into(),
        }
    }

    fn from_localized(path: impl Into<String>, rule: &'static str, err: &impl Localized) -> Issue {
        Issue::error(path, rule, err.zh(), err.en())
    }
}

/// What a parse produced: the value and any warnings, or every error found (never just the first).
pub type Checked<T> = Result<(T, Vec<Issue>), Vec<Issue>>;

/// Collects issues while parsing fields.
#[derive(Default)]
struct Collector {
    issues: Vec<Issue>,
}

impl Collector {
    fn choice<T>(
        &mut self,
        path: String,
        code: &str,
        parse: fn(&str) -> Option<T>,
        label_zh: &str,
    ) -> Option<T> {
        let value = parse(code);
        if value.is_none() {
            let (zh, en) = if code.trim().is_empty() {
                (
                    format!("请选择{label_zh}"),
                    format!("{path}: choose a value"),
                )
            } else {
                (
                    format!("{label_zh}“{code}”不是有效选项"),
                    format!("{path}: {code:?} is not a valid choice"),
                )
            };
            self.issues
                .push(Issue::error(path, "invalid_choice", zh, en));
        }
        value
    }

    fn quantity<T>(&mut self, path: String, result: Result<T, QuantityError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(err) => {
                self.issues.push(Issue::error(
                    path.clone(),
                    "quantity",
                    err.zh(),
                    format!("{path}: {}", err.en()),
                ));
                None
            }
        }
    }

    fn money(&mut self, path: String, yuan: f64) -> Option<Rmb> {
        self.quantity(path, Rmb::from_yuan(yuan))
    }

    fn finish<T>(self, value: Option<T>) -> Checked<T> {
        let (errors, warnings): (Vec<_>, Vec<_>) = self
            .issues
            .into_iter()
            .partition(|issue| issue.severity == Severity::Error);
        match value {
            Some(value) if errors.is_empty() => Ok((value, warnings)),
            _ => Err(errors.into_iter().chain(warnings).collect()),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Household registration

/// A household as typed into a form or a file. Missing fields read as empty, so the checks
/// (not the decoder) say what is missing, field by field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HouseholdInput {
    /// The village's 12-digit code; a code of another level is refused.
    pub village: String,
    /// The village's own registry number (户编号): required, trimmed, at most
    /// [`REGISTRY_NO_MAX`] characters, unique in its village.
    pub registry_no: String,
    /// The head's name: required, at most 50 characters.
    pub head_name: String,
    /// The head's 18-character ID-card number, checked digit by digit.
    pub head_id_card: String,
    /// A mobile number (11 digits starting with 1), or empty for none.
    pub phone: String,
    /// A [`Sex`] code; a warning when it contradicts the ID-card number.
    pub head_sex: String,
    /// An [`Ethnicity`] code.
    pub head_ethnicity: String,
    /// A [`PovertyRegistration`] code.
    pub poverty_registration: String,
    /// A [`PovertyCause`] code, or empty for none.
    pub poverty_cause: String,
    /// Year registered as poor, 2013 to the current year; a warning when a registered poor
    /// household has none.
    pub registration_year: Option<i32>,
    /// Year the household exited poverty, 2013 to the current year and not before
    /// `registration_year`.
    pub exit_year: Option<i32>,
    /// An [`EngagementModel`](crate::EngagementModel) code.
    pub model: String,
}

/// The parsed fields of a household (the id and enrolment date are the server's to assign).
#[derive(Debug, Clone, PartialEq)]
pub struct HouseholdFields {
    /// The household's village (a village-level code).
    pub village: UnitCode,
    /// The village's registry number, trimmed.
    pub registry_no: String,
    /// The head's name, trimmed.
    pub head_name: String,
    /// The head's verified ID-card number.
    pub head_id_card: IdCardNumber,
    /// The contact mobile number, if one was given.
    pub phone: Option<Phone>,
    /// The head's sex.
    pub head_sex: Sex,
    /// The head's ethnic group.
    pub head_ethnicity: Ethnicity,
    /// The poverty registration.
    pub poverty_registration: PovertyRegistration,
    /// The main poverty cause, if one was given.
    pub poverty_cause: Option<PovertyCause>,
    /// Year registered as poor, if given.
    pub registration_year: Option<i32>,
    /// Year of exit from poverty, if given.
    pub exit_year: Option<i32>,
    /// How the household takes part in the programme.
    pub model: crate::EngagementModel,
}

impl HouseholdFields {
    /// The household these fields describe, under the server's `id` and `enrolment_date`.
    pub fn into_household(
        self,
        id: crate::RecordId,
        enrolment_date: Option<crate::Date>,
    ) -> crate::Household {
        crate::Household {
            id,
            village: self.village,
            registry_no: self.registry_no,
            head_name: self.head_name,
            head_id_card: Some(self.head_id_card),
            phone: self.phone,
            head_sex: self.head_sex,
            head_ethnicity: self.head_ethnicity,
            poverty_registration: self.poverty_registration,
            poverty_cause: self.poverty_cause,
            registration_year: self.registration_year,
            exit_year: self.exit_year,
            model: self.model,
            enrolment_date,
        }
    }
}

/// The longest registry number (户编号) a village may give: village books number their
/// households with a few digits, sometimes with a group prefix (`3组-017`).
pub const REGISTRY_NO_MAX: usize = 30;

/// Parses a household; `current_year` bounds the registration and exit years.
pub fn check_household(input: &HouseholdInput, current_year: i32) -> Checked<HouseholdFields> {
    let mut c = Collector::default();
    let village = match UnitCode::parse(&input.village) {
        Ok(code) if code.level() == UnitLevel::Village => Some(code),
        Ok(_) => {
            c.issues.push(Issue::error(
                "village",
                "village_level",
                "户籍所在地必须是村（12位代码）",
                "village: a household belongs to a village (12-digit code)",
            ));
            None
        }
        Err(err) => {
            c.issues
                .push(Issue::from_localized("village", "unit_code", &err));
            None
        }
    };
    let registry_no = input.registry_no.trim();
    if registry_no.is_empty()
        || registry_no.chars().count() > REGISTRY_NO_MAX
        || registry_no.chars().any(char::is_control)
    {
        c.issues.push(Issue::error(
            "registry_no",
            "registry_no",
            format!("请填写户编号（不超过{REGISTRY_NO_MAX}个字符）"),
            format!("registry_no: enter the household's registry number (at most {REGISTRY_NO_MAX} characters)"),
        ));
    }
    let head_name = input.head_name.trim().to_owned();
    if head_name.is_empty()
        || head_name.chars().count() > 50
        || head_name.chars().any(char::is_control)
    {
        c.issues.push(Issue::error(
            "head_name",
            "head_name",
            "请填写户主姓名（不超过50个字）",
            "head_name: enter the head's name (at most 50 characters)",
        ));
    }
    let head_id_card = match IdCardNumber::parse(&input.head_id_card) {
        Ok(id) => Some(id),
        Err(err) => {
            c.issues
                .push(Issue::from_localized("head_id_card", "id_card", &err));
            None
        }
    };
    let phone = if input.phone.trim().is_empty() {
        Some(None)
    } else {
        match Phone::parse(&input.phone) {
            Ok(phone) => Some(Some(phone)),
            Err(_) => {
                c.issues.push(Issue::error(
                    "phone",
                    "phone",
                    "手机号应为以1开头的11位数字",
                    "phone: a mobile number has 11 digits and starts with 1",
                ));
                None
            }
        }
    };
    let head_sex = c.choice("head_sex".into(), &input.head_sex, Sex::parse, "户主性别");
    if let (Some(sex), Some(id)) = (head_sex, &head_id_card) {
        if sex != id.sex() {
            c.issues.push(Issue::warning(
                "head_sex",
                "sex_matches_id_card",
                "户主性别与身份证号不一致，请核对",
                "head_sex: does not match the ID-card number; please check",
            ));
        }
    }
    let head_ethnicity = c.choice(
        "head_ethnicity".into(),
        &input.head_ethnicity,
        Ethnicity::parse,
        "户主民族",
    );
    let poverty_registration = c.choice(
        "poverty_registration".into(),
        &input.poverty_registration,
        PovertyRegistration::parse,
        "贫困户类型",
    );
    let poverty_cause = if input.poverty_cause.trim().is_empty() {
        Some(None)
    } else {
        c.choice(
            "poverty_cause".into(),
            &input.poverty_cause,
            PovertyCause::parse,
            "主要致贫原因",
        )
        .map(Some)
    };
    for (path, year) in [
        ("registration_year", input.registration_year),
        ("exit_year", input.exit_year),
    ] {
        if let Some(year) = year {
            if !(2013..=current_year).contains(&year) {
                c.issues.push(Issue::error(
                    path,
                    "programme_year",
                    format!("年份应在2013年至{current_year}年之间"),
                    format!("{path}: must be between 2013 and {current_year}"),
                ));
            }
        }
    }
    if let (Some(registered), Some(exited)) = (input.registration_year, input.exit_year) {
        if exited < registered {
            c.issues.push(Issue::error(
                "exit_year",
                "exit_after_registration",
                "脱贫年份不能早于建档立卡年份",
                "exit_year: cannot be before the registration year",
            ));
        }
    }
    if poverty_registration.is_some_and(PovertyRegistration::is_poor)
        && input.registration_year.is_none()
    {
        c.issues.push(Issue::warning(
            "registration_year",
            "registration_year_missing",
            "贫困户通常应填写建档立卡年份",
            "registration_year: registered poor households usually have one",
        ));
    }
    let model = c.choice(
        "model".into(),
        &input.model,
        crate::EngagementModel::parse,
        "参与模式",
    );

    let fields = (|| {
        Some(HouseholdFields {
            village: village?,
            registry_no: registry_no.to_owned(),
            head_name,
            head_id_card: head_id_card?,
            phone: phone?,
            head_sex: head_sex?,
            head_ethnicity: head_ethnicity?,
            poverty_registration: poverty_registration?,
            poverty_cause: poverty_cause?,
            registration_year: input.registration_year,
            exit_year: input.exit_year,
            model: model?,
        })
    })();
    c.finish(fields)
}

// ---------------------------------------------------------------------------------------------
// Survey answers

/// One roster member as typed; becomes a [`Member`] numbered by its position (from 1).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MemberInput {
    /// A [`Sex`] code.
    pub sex: String,
    /// Year of birth, from [`EARLIEST_BIRTH_YEAR`] to the wave year.
    pub birth_year: i32,
    /// A [`Relation`] code; exactly one member of a roster is the head.
    pub relation: String,
    /// An [`Ethnicity`] code.
    pub ethnicity: String,
    /// An [`Education`] code.
    pub education: String,
    /// A [`Health`] code.
    pub health: String,
    /// A [`LabourAbility`] code.
    pub labour: String,
    /// The registry person this line is, when the roster was started from the registry or an
    /// earlier wave (empty: matched, or added as a new person, when saved).
    pub person_id: String,
}

/// One employment row as typed; becomes an [`EmploymentRow`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EmploymentInput {
    /// 1-based position on the roster.
    pub member_no: i64,
    /// An [`Activity`] code.
    pub activity: String,
    /// Days worked, 0–366; one member's days over all rows may not exceed 366.
    pub days: i64,
    /// Wages in yuan (RMB), not negative.
    pub wages: f64,
}

/// The equity section as typed; becomes an [`Equity`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EquityInput {
    /// Forest land contributed, in mu.
    pub land_mu: f64,
    /// Shares held; a warning when dividends come without shares.
    pub shares: f64,
    /// Dividends received, in yuan.
    pub dividends: f64,
}

/// One training row as typed; becomes a [`TrainingRow`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainingInput {
    /// 1-based position on the roster.
    pub member_no: i64,
    /// A [`TrainingTopic`] code.
    pub topic: String,
    /// Days of training, 0–366; one member's days over all rows may not exceed 366.
    pub days: i64,
}

/// One understory row as typed; becomes an [`UnderstoryRow`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct UnderstoryInput {
    /// An [`UnderstoryProduct`] code.
    pub product: String,
    /// Area under the product, in mu.
    pub area_mu: f64,
    /// Output in kilograms.
    pub output_kg: f64,
    /// Sales in yuan.
    pub sales: f64,
    /// Costs in yuan.
    pub costs: f64,
}

/// One livestock row as typed; becomes a [`LivestockRow`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LivestockInput {
    /// A [`LivestockSpecies`] code.
    pub species: String,
    /// Head count at the start of the wave.
    pub head_start: i64,
    /// Animals born in the wave.
    pub born: i64,
    /// Animals that died in the wave.
    pub died: i64,
    /// Animals sold in the wave.
    pub sold: i64,
    /// Head count at the end; must equal start + born − died − sold unless
    /// `correction_note` explains the difference.
    pub head_end: i64,
    /// Sales in yuan.
    pub sales: f64,
    /// Costs in yuan.
    pub costs: f64,
    /// Why the head count does not balance; empty when it does.
    pub correction_note: String,
}

/// The other-income section as typed, amounts in yuan; becomes an [`OtherIncome`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OtherIncomeInput {
    /// Net crop income in yuan.
    pub crop_net: f64,
    /// Public transfers (pension, 低保, eco-compensation…) in yuan.
    pub transfers: f64,
    /// Remittances in yuan.
    pub remittances: f64,
    /// Any other income in yuan.
    pub other: f64,
}

/// A survey as typed into the form or read from a file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SurveyInput {
    /// The roster, in order: a member's position (from 1) is its number; at least one.
    pub members: Vec<MemberInput>,
    /// Employment rows.
    pub employment: Vec<EmploymentInput>,
    /// The equity section.
    pub equity: EquityInput,
    /// Training rows.
    pub training: Vec<TrainingInput>,
    /// Understory rows.
    pub understory: Vec<UnderstoryInput>,
    /// Livestock rows.
    pub livestock: Vec<LivestockInput>,
    /// The other-income section.
    pub other_income: OtherIncomeInput,
    /// 两不愁三保障 and safe water, ticked or not (unticked when absent).
    pub guarantees: Guarantees,
}

impl SurveyInput {
    /// Income by source (fen) from what is typed so far, for a form's live summary: an amount
    /// that is not a valid sum of money (negative, too large) counts as 0 — its field already
    /// shows an error.
    pub fn income_parts(&self) -> crate::survey::IncomeParts {
        let fen = |yuan: f64| Rmb::from_yuan(yuan).map_or(0, Rmb::fen);
        let net = |sales: f64, costs: f64| fen(sales) - fen(costs);
        let o = &self.other_income;
        crate::survey::IncomeParts {
            wages: self.employment.iter().map(|r| fen(r.wages)).sum(),
            dividends: fen(self.equity.dividends),
            understory_net: self.understory.iter().map(|r| net(r.sales, r.costs)).sum(),
            livestock_net: self.livestock.iter().map(|r| net(r.sales, r.costs)).sum(),
            crop_net: fen(o.crop_net),
            transfers: fen(o.transfers),
            remittances: fen(o.remittances),
            other: fen(o.other),
        }
    }
}

/// Parses and checks a survey for the wave of `wave_year`.
pub fn check_survey(input: &SurveyInput, wave_year: i32) -> Checked<SurveyAnswers> {
    let mut c = Collector::default();

    if input.members.is_empty() {
        c.issues.push(Issue::error(
            "members",
            "household_size",
            "家庭成员至少应有1人",
            "members: a household has at least one member",
        ));
    }
    let members: Vec<Option<Member>> = input
        .members
        .iter()
        .enumerate()
        .map(|(i, m)| member(&mut c, i, m, wave_year))
        .collect();
    let heads = input
        .members
        .iter()
        .filter(|m| Relation::parse(&m.relation) == Some(Relation::Head))
        .count();
    if !input.members.is_empty() && heads != 1 {
        c.issues.push(Issue::error(
            "members",
            "one_head",
            format!("家庭成员中应有且只有1名户主（现有{heads}名）"),
            format!("members: exactly one member must be the head ({heads} found)"),
        ));
    }
    let roster_len = input.members.len();

    let employment: Vec<Option<EmploymentRow>> = input
        .employment
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let path = |field: &str| format!("employment[{i}].{field}");
            let member_no = member_ref(&mut c, path("member_no"), row.member_no, roster_len);
            let activity = c.choice(path("activity"), &row.activity, Activity::parse, "务工类型");
            let days = c.quantity(path("days"), Days::new(row.days));
            let wages = c.money(path("wages"), row.wages);
            Some(EmploymentRow {
                member_no: member_no?,
                activity: activity?,
                days: days?,
                wages: wages?,
            })
        })
        .collect();
    days_per_member(
        &mut c,
        "employment",
        "member_days_limit",
        "务工",
        employment.iter().flatten().map(|r| (r.member_no, r.days)),
    );

    let equity = {
        let land = c.quantity("equity.land_mu".into(), Mu::new(input.equity.land_mu));
        let shares = c.quantity("equity.shares".into(), Mu::new(input.equity.shares));
        let dividends = c.money("equity.dividends".into(), input.equity.dividends);
        if shares.is_some_and(|s| s.get() == 0.0) && dividends.is_some_and(|d| d.fen() > 0) {
            c.issues.push(Issue::warning(
                "equity.dividends",
                "dividends_without_shares",
                "未持有股份却有分红，请核对",
                "equity.dividends: dividends without shares; please check",
            ));
        }
        (|| {
            Some(Equity {
                land_mu: land?,
                shares: shares?,
                dividends: dividends?,
            })
        })()
    };

    let training: Vec<Option<TrainingRow>> = input
        .training
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let path = |field: &str| format!("training[{i}].{field}");
            let member_no = member_ref(&mut c, path("member_no"), row.member_no, roster_len);
            let topic = c.choice(path("topic"), &row.topic, TrainingTopic::parse, "培训内容");
            let days = c.quantity(path("days"), Days::new(row.days));
            Some(TrainingRow {
                member_no: member_no?,
                topic: topic?,
                days: days?,
            })
        })
        .collect();
    days_per_member(
        &mut c,
        "training",
        "training_days_limit",
        "培训",
        training.iter().flatten().map(|r| (r.member_no, r.days)),
    );

    let understory: Vec<Option<UnderstoryRow>> = input
        .understory
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let path = |field: &str| format!("understory[{i}].{field}");
            let product = c.choice(
                path("product"),
                &row.product,
                UnderstoryProduct::parse,
                "林下产品",
            );
            let area = c.quantity(path("area_mu"), Mu::new(row.area_mu));
            let output_kg = c.quantity(path("output_kg"), Mu::new(row.output_kg));
            let sales = c.money(path("sales"), row.sales);
            let costs = c.money(path("costs"), row.costs);
            Some(UnderstoryRow {
                product: product?,
                area: area?,
                output_kg: output_kg?,
                sales: sales?,
                costs: costs?,
            })
        })
        .collect();

    let livestock: Vec<Option<LivestockRow>> = input
        .livestock
        .iter()
        .enumerate()
        .map(|(i, row)| livestock_row(&mut c, i, row))
        .collect();

    let other_income = {
        let o = &input.other_income;
        let crop_net = c.money("other_income.crop_net".into(), o.crop_net);
        let transfers = c.money("other_income.transfers".into(), o.transfers);
        let remittances = c.money("other_income.remittances".into(), o.remittances);
        let other = c.money("other_income.other".into(), o.other);
        (|| {
            Some(OtherIncome {
                crop_net: crop_net?,
                transfers: transfers?,
                remittances: remittances?,
                other: other?,
            })
        })()
    };

    let answers = (|| {
        Some(SurveyAnswers {
            members: members.into_iter().collect::<Option<_>>()?,
            employment: employment.into_iter().collect::<Option<_>>()?,
            equity: equity?,
            training: training.into_iter().collect::<Option<_>>()?,
            understory: understory.into_iter().collect::<Option<_>>()?,
            livestock: livestock.into_iter().collect::<Option<_>>()?,
            other_income: other_income?,
            guarantees: input.guarantees,
        })
    })();
    if let Some(per_capita) = answers
        .as_ref()
        .and_then(SurveyAnswers::per_capita_net_income)
    {
        if per_capita > PLAUSIBLE_PER_CAPITA_MAX_YUAN {
            c.issues.push(Issue::warning(
                "summary.per_capita_net_income",
                "per_capita_income_high",
                format!("人均纯收入 {per_capita:.0} 元超过 200,000 元，请确认是否录入有误"),
                format!(
                    "per-capita net income {per_capita:.0} RMB is above 200,000; please confirm"
                ),
            ));
        }
    }
    c.finish(answers)
}

fn member(c: &mut Collector, i: usize, m: &MemberInput, wave_year: i32) -> Option<Member> {
    let path = |field: &str| format!("members[{i}].{field}");
    let sex = c.choice(path("sex"), &m.sex, Sex::parse, "性别");
    let relation = c.choice(path("relation"), &m.relation, Relation::parse, "与户主关系");
    let ethnicity = c.choice(path("ethnicity"), &m.ethnicity, Ethnicity::parse, "民族");
    let education = c.choice(
        path("education"),
        &m.education,
        Education::parse,
        "文化程度",
    );
    let health = c.choice(path("health"), &m.health, Health::parse, "健康状况");
    let labour = c.choice(path("labour"), &m.labour, LabourAbility::parse, "劳动能力");
    if !(EARLIEST_BIRTH_YEAR..=wave_year).contains(&m.birth_year) {
        c.issues.push(Issue::error(
            path("birth_year"),
            "birth_year",
            format!("出生年份应在{EARLIEST_BIRTH_YEAR}年至{wave_year}年之间"),
            format!(
                "{}: must be between {EARLIEST_BIRTH_YEAR} and {wave_year}",
                path("birth_year")
            ),
        ));
        return None;
    }
    let person = match m.person_id.trim() {
        "" => None,
        text => match RecordId::parse(text) {
            Ok(id) => Some(id),
            Err(_) => {
                c.issues.push(Issue::error(
                    path("person_id"),
                    "person_id",
                    "成员编号无效，请重新从户籍名单选择",
                    format!("{}: not a person id", path("person_id")),
                ));
                return None;
            }
        },
    };
    let no = u8::try_from(i + 1).ok()?;
    Some(Member {
        person,
        no,
        sex: sex?,
        birth_year: m.birth_year,
        relation: relation?,
        ethnicity: ethnicity?,
        education: education?,
        health: health?,
        labour: labour?,
    })
}

fn member_ref(c: &mut Collector, path: String, member_no: i64, roster_len: usize) -> Option<u8> {
    match u8::try_from(member_no) {
        Ok(no) if no >= 1 && usize::from(no) <= roster_len => Some(no),
        _ => {
            c.issues.push(Issue::error(
                path.clone(),
                "unknown_member",
                format!("成员序号 {member_no} 不在家庭成员名单中（共{roster_len}人）"),
                format!("{path}: member {member_no} is not on the roster ({roster_len} members)"),
            ));
            None
        }
    }
}

/// Days of one kind summed per member must fit in one year (366 days).
fn days_per_member(
    c: &mut Collector,
    section: &str,
    rule: &'static str,
    kind_zh: &str,
    rows: impl Iterator<Item = (u8, Days)>,
) {
    let mut totals = std::collections::BTreeMap::<u8, u32>::new();
    for (member_no, days) in rows {
        *totals.entry(member_no).or_default() += u32::from(days.get());
    }
    let limit = u32::from(Days::MAX);
    for (member_no, total) in totals.into_iter().filter(|&(_, total)| total > limit) {
        c.issues.push(Issue::error(
            format!("{section}.member[{member_no}]"),
            rule,
            format!("第{member_no}号成员本期{kind_zh}天数合计{total}天，超过一年{limit}天"),
            format!(
                "{section}: member {member_no} has {total} days in one wave, more than {limit}"
            ),
        ));
    }
}

fn livestock_row(c: &mut Collector, i: usize, row: &LivestockInput) -> Option<LivestockRow> {
    let path = |field: &str| format!("livestock[{i}].{field}");
    let species = c.choice(
        path("species"),
        &row.species,
        LivestockSpecies::parse,
        "畜禽种类",
    );
    let head_start = c.quantity(path("head_start"), Heads::new(row.head_start));
    let born = c.quantity(path("born"), Heads::new(row.born));
    let died = c.quantity(path("died"), Heads::new(row.died));
    let sold = c.quantity(path("sold"), Heads::new(row.sold));
    let head_end = c.quantity(path("head_end"), Heads::new(row.head_end));
    let sales = c.money(path("sales"), row.sales);
    let costs = c.money(path("costs"), row.costs);
    let note = row.correction_note.trim();
    if let (Some(start), Some(born), Some(died), Some(sold), Some(end)) =
        (head_start, born, died, sold, head_end)
    {
        let expected = i64::from(start.get()) + i64::from(born.get())
            - i64::from(died.get())
            - i64::from(sold.get());
        if expected != i64::from(end.get()) && note.is_empty() {
            c.issues.push(Issue::error(
                path("head_end"),
                "livestock_balance",
                format!(
                    "期末存栏应为 期初{} + 出生{} − 死亡{} − 出售{} = {expected} 头（只），填写了 {}；如有购入或重新清点，请填写更正说明",
                    start.get(), born.get(), died.get(), sold.get(), end.get()
                ),
                format!(
                    "{}: should be start {} + born {} − died {} − sold {} = {expected}, not {}; explain any difference in the correction note",
                    path("head_end"), start.get(), born.get(), died.get(), sold.get(), end.get()
                ),
            ));
        }
    }
    Some(LivestockRow {
        species: species?,
        head_start: head_start?,
        born: born?,
        died: died?,
        sold: sold?,
        head_end: head_end?,
        sales: sales?,
        costs: costs?,
        correction_note: (!note.is_empty()).then(|| note.to_owned()),
    })
}

impl From<&SurveyAnswers> for SurveyInput {
    /// The form's starting point from an earlier wave's answers.
    fn from(a: &SurveyAnswers) -> SurveyInput {
        SurveyInput {
            members: a
                .members
                .iter()
                .map(|m| MemberInput {
                    sex: m.sex.code().into(),
                    birth_year: m.birth_year,
                    relation: m.relation.code().into(),
                    ethnicity: m.ethnicity.code().into(),
                    education: m.education.code().into(),
                    health: m.health.code().into(),
                    labour: m.labour.code().into(),
                    person_id: m
                        .person
                        .as_ref()
                        .map(|p| p.as_str().to_owned())
                        .unwrap_or_default(),
                })
                .collect(),
            employment: a
                .employment
                .iter()
                .map(|r| EmploymentInput {
                    member_no: r.member_no.into(),
                    activity: r.activity.code().into(),
                    days: r.days.into(),
                    wages: r.wages.yuan(),
                })
                .collect(),
            equity: EquityInput {
                land_mu: a.equity.land_mu.get(),
                shares: a.equity.shares.get(),
                dividends: a.equity.dividends.yuan(),
            },
            training: a
                .training
                .iter()
                .map(|r| TrainingInput {
                    member_no: r.member_no.into(),
                    topic: r.topic.code().into(),
                    days: r.days.into(),
                })
                .collect(),
            understory: a
                .understory
                .iter()
                .map(|r| UnderstoryInput {
                    product: r.product.code().into(),
                    area_mu: r.area.get(),
                    output_kg: r.output_kg.get(),
                    sales: r.sales.yuan(),
                    costs: r.costs.yuan(),
                })
                .collect(),
            livestock: a
                .livestock
                .iter()
                .map(|r| LivestockInput {
                    species: r.species.code().into(),
                    head_start: r.head_start.into(),
                    born: r.born.into(),
                    died: r.died.into(),
                    sold: r.sold.into(),
                    head_end: r.head_end.into(),
                    sales: r.sales.yuan(),
                    costs: r.costs.yuan(),
                    correction_note: r.correction_note.clone().unwrap_or_default(),
                })
                .collect(),
            other_income: OtherIncomeInput {
                crop_net: a.other_income.crop_net.yuan(),
                transfers: a.other_income.transfers.yuan(),
                remittances: a.other_income.remittances.yuan(),
                other: a.other_income.other.yuan(),
            },
            guarantees: a.guarantees,
        }
    }
}

#[cfg(test)]
mod tests;

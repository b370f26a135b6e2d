//! Wire and view types: what server functions return and pages show. Shared by SSR and
//! hydrate, so they are plain serde data with no database types in them.

use domain::risk::RiskReason;
use domain::{Lang, SurveyStatus, UnitLevel};
use serde::{Deserialize, Serialize};

/// An administrative unit as a page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitView {
    pub code: String,
    pub name_zh: String,
    pub name_pinyin: String,
    pub level: UnitLevel,
}

impl UnitView {
    /// The name in the reader's language; Chinese where no pinyin name is recorded.
    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::En if !self.name_pinyin.is_empty() => &self.name_pinyin,
            _ => &self.name_zh,
        }
    }
}

/// What the server says about itself when asked from the home page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerStatus {
    /// `sqlite` or `postgres`.
    pub backend: String,
    /// The newest applied migration.
    pub schema_version: i64,
    /// How many administrative units the database holds.
    pub units: i64,
    /// The `tanhui` version serving the page.
    pub version: String,
}

/// A problem with one field of a submitted form, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldIssue {
    pub path: String,
    pub rule: String,
    pub zh: String,
    pub en: String,
    /// A warning asks for confirmation; anything else blocks.
    #[serde(default)]
    pub warning: bool,
}

impl FieldIssue {
    /// A blocking problem with one field.
    pub fn error(path: &str, rule: &str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        FieldIssue {
            path: path.to_owned(),
            rule: rule.to_owned(),
            zh: zh.into(),
            en: en.into(),
            warning: false,
        }
    }
}

impl From<domain::Issue> for FieldIssue {
    fn from(issue: domain::Issue) -> Self {
        FieldIssue {
            path: issue.path,
            rule: issue.rule.to_owned(),
            zh: issue.zh,
            en: issue.en,
            warning: issue.severity == domain::Severity::Warning,
        }
    }
}

/// The signed-in account, as the page header and the pages see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewerView {
    pub username: String,
    pub display_name: String,
    pub role: domain::Role,
    pub scopes: Vec<String>,
    pub must_change_password: bool,
}

/// An account as the administrators' page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: domain::Role,
    pub scopes: Vec<String>,
    pub disabled: bool,
    pub must_change_password: bool,
    /// Unix milliseconds.
    pub created_at: i64,
    pub updated_at: i64,
}

/// What an administrator types to create an account. Scopes are unit codes separated by
/// commas or spaces.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewUserInput {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub scopes: String,
    /// Empty: generate a one-time password (shown once, to be changed at first sign-in).
    pub password: String,
}

/// An administrator's edit of an existing account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserChangeInput {
    pub display_name: String,
    pub role: String,
    pub scopes: String,
    pub disabled: bool,
}

/// The result of creating an account or resetting its password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedPassword {
    pub user: UserView,
    /// Set when the server generated the password: shown once, never stored in clear.
    pub one_time_password: Option<String>,
}

/// An API token's description; the secret itself is shown only when it is created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenView {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewToken {
    pub token: TokenView,
    pub secret: String,
}

/// Filters of the audit-log page (all optional; dates as `YYYY-MM-DD`, China time).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    pub action: Option<String>,
    pub actor: Option<String>,
    pub target: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub before: Option<i64>,
}

/// One audit-log entry as the administrators' page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditView {
    pub seq: i64,
    /// Unix milliseconds.
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub target_kind: Option<String>,
    pub target: Option<String>,
    pub unit_code: Option<String>,
    pub ip: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
}

pub use crate::charts::{Both, ChartData};

/// The dashboard's filters, as they appear in the URL (`?wave=2021&model=collective&…`).
/// Values are the vocabularies' stable codes; empty means "all".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashQuery {
    pub wave: Option<i32>,
    pub model: Option<String>,
    pub registration: Option<String>,
    pub sex: Option<String>,
    pub ethnicity: Option<String>,
}

impl DashQuery {
    /// The filters as `key=value` pairs, for links that keep them.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let Some(w) = self.wave {
            out.push(("wave", w.to_string()));
        }
        for (key, value) in [
            ("model", &self.model),
            ("registration", &self.registration),
            ("sex", &self.sex),
            ("ethnicity", &self.ethnicity),
        ] {
            if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
                out.push((key, v.to_owned()));
            }
        }
        out
    }

    /// `?wave=…&model=…` (empty when no filter is set).
    pub fn query_string(&self) -> String {
        let pairs = self.pairs();
        if pairs.is_empty() {
            return String::new();
        }
        let joined: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("?{}", joined.join("&"))
    }
}

/// One filter's choices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FilterView {
    /// The URL key: `model`, `registration`, `sex`, `ethnicity`.
    pub key: String,
    pub label: Both,
    pub options: Vec<(String, Both)>,
    pub selected: Option<String>,
}

/// A headline figure with everything needed to explain it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CardView {
    pub id: String,
    pub name: Both,
    pub unit: Both,
    pub decimals: usize,
    pub value: Option<f64>,
    /// Why there is no value (no approved surveys, zero denominator, suppressed…).
    pub no_data: Option<Both>,
    pub formula: Both,
    pub numerator: Option<f64>,
    pub numerator_label: Both,
    pub denominator: Option<f64>,
    pub denominator_label: Option<Both>,
    pub households: i64,
    pub baseline_wave: Option<i32>,
    pub baseline: Option<f64>,
    pub change: Option<f64>,
    pub target: Option<f64>,
    pub progress_pct: Option<f64>,
    /// For per-capita income: the year's poverty line, to read the value against.
    pub line: Option<f64>,
    /// "Higher is better" (else lower).
    pub higher_is_better: bool,
    /// Each child unit's value of the same figure (the engine's provenance).
    pub contributors: Vec<(UnitView, Option<f64>)>,
}

/// A child unit's row in the unit page's table: values in the order of `columns`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChildRow {
    pub unit: UnitView,
    pub values: Vec<Option<f64>>,
}

/// A column of the child-unit table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnView {
    pub id: String,
    pub name: Both,
    pub unit: Both,
    pub decimals: usize,
}

/// A household in a village page's list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HouseholdRowView {
    pub id: String,
    pub registry_no: String,
    pub head_name: String,
    pub registration: Both,
    pub model: Both,
    /// The wave's survey status, if there is a survey.
    pub status: Option<SurveyStatus>,
    pub review_comment: Option<String>,
    /// Per-capita net income (RMB) from the approved survey.
    pub per_capita: Option<f64>,
    pub risks: Vec<RiskReason>,
}

/// A chart with its drawing and text alternative.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChartView {
    pub data: ChartData,
    pub svg: String,
    pub alt: String,
}

/// Everything a dashboard page (the overview or a unit page) shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DashboardView {
    pub unit: UnitView,
    /// From the viewer's home unit down to the parent of `unit`.
    pub trail: Vec<UnitView>,
    pub wave: i32,
    pub waves: Vec<i32>,
    pub query: DashQuery,
    pub filters: Vec<FilterView>,
    /// The filters could not all be applied together (the engine keeps pairs at most).
    pub filter_note: Option<Both>,
    pub cards: Vec<CardView>,
    pub columns: Vec<ColumnView>,
    pub children: Vec<ChildRow>,
    /// A village's households, when the viewer may see them.
    pub households: Option<Vec<HouseholdRowView>>,
    pub charts: Vec<ChartView>,
    /// Figures over 1–4 households are withheld from this viewer (researchers).
    pub suppressed: bool,
}

/// One survey on the household page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurveyHistoryView {
    pub id: String,
    pub wave: i32,
    pub status: SurveyStatus,
    pub enumerator: String,
    /// Who approved or rejected it, and when (China time), from the audit log.
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<String>,
    pub review_comment: Option<String>,
    pub members: usize,
    /// Income by source (RMB), in a fixed order.
    pub income: Vec<(Both, f64)>,
    pub net_income: f64,
    pub per_capita: Option<f64>,
    pub line: f64,
    /// The five guarantees (两不愁三保障 + water), each met or not.
    pub guarantees: Vec<(Both, bool)>,
}

/// The household page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HouseholdPageView {
    pub id: String,
    pub trail: Vec<UnitView>,
    pub registry_no: String,
    pub head_name: String,
    pub head_sex: Both,
    pub head_ethnicity: Both,
    pub registration: Both,
    pub registration_year: Option<i32>,
    pub exit_year: Option<i32>,
    pub model: Both,
    pub surveys: Vec<SurveyHistoryView>,
}

/// The at-risk list's request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskQuery {
    pub unit: Option<String>,
    pub wave: Option<i32>,
    pub margin: Option<u32>,
    pub drop: Option<u32>,
    /// Only households with this reason (`below_line`, `near_line`, …).
    pub reason: Option<String>,
    pub page: Option<u32>,
}

/// One flagged household.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskRowView {
    pub household: String,
    pub village: UnitView,
    pub registry_no: String,
    pub head_name: String,
    pub per_capita: Option<f64>,
    pub line: f64,
    pub previous_wave: Option<i32>,
    pub previous_per_capita: Option<f64>,
    pub reasons: Vec<RiskReason>,
}

/// The at-risk list page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskPageView {
    pub unit: UnitView,
    pub wave: i32,
    pub waves: Vec<i32>,
    pub margin: u32,
    pub drop: u32,
    pub reason: Option<RiskReason>,
    /// Flagged households in all, and by reason.
    pub total: usize,
    pub by_reason: Vec<(RiskReason, usize)>,
    pub page: u32,
    pub pages: u32,
    pub rows: Vec<RiskRowView>,
}

/// A survey waiting for review (or sent back), as the review page lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewRowView {
    pub survey: String,
    pub household: String,
    pub village: UnitView,
    pub registry_no: String,
    pub head_name: String,
    pub status: SurveyStatus,
    /// The version the reviewer sees; a decision carries it back (stale ones are refused).
    pub version: i32,
    pub enumerator: String,
    pub review_comment: Option<String>,
    pub members: usize,
    pub per_capita: Option<f64>,
    pub line: f64,
    pub guarantees_met: bool,
    /// Entered by the viewer: the four-eyes rule keeps them from reviewing it.
    pub own: bool,
}

/// The review page: submitted surveys to decide on, and those sent back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewQueueView {
    pub wave: i32,
    pub waves: Vec<i32>,
    /// Whether the viewer may approve and reject (supervisors, administrators).
    pub may_review: bool,
    pub submitted: Vec<ReviewRowView>,
    pub rejected: Vec<ReviewRowView>,
}

/// A review decision from the page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewInput {
    pub survey: String,
    /// A [`domain::ReviewDecision`] code (`approve`, `reject`), as the form sent it; parsed
    /// once the reviewer is known to be allowed, so a stranger learns nothing from the answer.
    pub decision: String,
    pub version: i32,
    pub comment: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewDone {
    pub survey: String,
    pub status: SurveyStatus,
    pub version: i32,
}

// --- field work: the enumerator's list, the survey form, registering a household ---

/// One household on the enumerator's list, with its survey for the wave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldRowView {
    pub household: String,
    pub registry_no: String,
    pub head_name: String,
    /// `None` when no survey exists yet for the wave.
    pub status: Option<SurveyStatus>,
    pub review_comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldVillageView {
    pub village: UnitView,
    pub households: Vec<FieldRowView>,
}

/// The enumerator's home: its villages' households and where each survey stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldHomeView {
    pub wave: i32,
    pub waves: Vec<i32>,
    pub villages: Vec<FieldVillageView>,
    /// Households per status (`None`: not started), in status order.
    pub counts: Vec<(Option<SurveyStatus>, usize)>,
}

/// A survey's bookkeeping as the form needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyMetaView {
    pub id: String,
    pub status: SurveyStatus,
    pub version: i32,
    pub enumerator: String,
    pub review_comment: Option<String>,
}

/// Everything the survey form starts from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurveyFormView {
    pub household: String,
    pub registry_no: String,
    pub head_name: String,
    pub village: UnitView,
    pub wave: i32,
    /// The wave's poverty line, yuan per person per year.
    pub line: f64,
    /// The stored survey of this wave, if any, and its answers.
    pub survey: Option<SurveyMetaView>,
    pub answers: Option<domain::validate::SurveyInput>,
    /// The latest earlier wave's answers, offered as a starting point.
    pub previous: Option<(i32, domain::validate::SurveyInput)>,
    /// Whether this viewer may change the survey now; if not, why.
    pub editable: bool,
    pub locked: Option<Both>,
}

/// One save from the survey form (or the API).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurveySaveInput {
    pub household: String,
    pub wave: i32,
    /// Generated by the client for this save; a retry sends the same id.
    pub client_id: String,
    /// The version the form was loaded with (0 for a new survey).
    pub base_version: i32,
    /// Submit for review (else keep as a draft).
    pub submit: bool,
    /// The user has seen the warnings and confirms the values.
    pub confirm_warnings: bool,
    pub answers: domain::validate::SurveyInput,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurveySaved {
    pub survey: String,
    pub status: SurveyStatus,
    pub version: i32,
    /// The same save had already been applied (a retry); nothing new was written.
    pub replayed: bool,
    pub warnings: Vec<FieldIssue>,
}

/// The villages an account may register households in, for the registration form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegisterFormView {
    pub villages: Vec<UnitView>,
    pub year: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Registered {
    pub household: String,
    pub warnings: Vec<FieldIssue>,
}

/// One problem in an import file: its line (1 = the header), column, rule and message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportIssue {
    pub line: usize,
    pub column: String,
    pub rule: String,
    pub warning: bool,
    pub zh: String,
    pub en: String,
}

/// What an import did: rows read, surveys written (all or none), and every problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub rows: usize,
    pub imported: usize,
    pub errors: Vec<ImportIssue>,
    pub warnings: Vec<ImportIssue>,
}

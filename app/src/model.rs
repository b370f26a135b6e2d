//! Wire and view types: what server functions return and pages show. Shared by SSR and
//! hydrate, so they are plain serde data with no database types in them.

use domain::risk::RiskReason;
use domain::{Lang, SurveyStatus, UnitLevel};
use serde::{Deserialize, Serialize};

mod offline;
mod operations;
mod privacy;
mod setup;
pub use offline::*;
pub use operations::*;
pub use privacy::*;
pub use setup::*;

/// An administrative unit as a page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitView {
    /// The unit's statistical code (6, 9 or 12 digits).
    pub code: String,
    /// The official Chinese name.
    pub name_zh: String,
    /// The pinyin name; empty where none is recorded.
    pub name_pinyin: String,
    /// Prefecture, county, township or village.
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
    /// The field concerned (`members[2].birth_year`, `head_id_card`…); the form marks it.
    pub path: String,
    /// The stable rule id (`id_card`, `livestock_balance`…).
    pub rule: String,
    /// The message in Chinese.
    pub zh: String,
    /// The message in English.
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
    /// The sign-in name.
    pub username: String,
    /// The name shown in the header.
    pub display_name: String,
    /// What the account is for; pages show their links and forms by it.
    pub role: domain::Role,
    /// The codes of the units the account is confined to (empty for administrators).
    pub scopes: Vec<String>,
    /// Signed in with a one-time password: nothing works until it is changed.
    pub must_change_password: bool,
    /// Its role needs two-step verification and it has none yet: only the account page works.
    #[serde(default)]
    pub must_enrol_second_factor: bool,
}

/// An account as the administrators' page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    /// The account's id, for the update and reset server functions.
    pub id: String,
    /// The sign-in name.
    pub username: String,
    /// The name shown in the header and the audit log.
    pub display_name: String,
    /// The account's role.
    pub role: domain::Role,
    /// The codes of the units the account is confined to.
    pub scopes: Vec<String>,
    /// A disabled account cannot sign in; its history stays.
    pub disabled: bool,
    /// Its password is a one-time password not yet replaced.
    pub must_change_password: bool,
    /// Unix milliseconds.
    pub created_at: i64,
    /// Unix milliseconds of the last change to the account.
    pub updated_at: i64,
    /// Failed sign-ins with this username over the last day, since the last unlock.
    #[serde(default)]
    pub failed_sign_ins: i64,
    /// Signs in with an authenticator app (two-step verification).
    #[serde(default)]
    pub second_factor: bool,
}

/// The reader's two-step verification, for the account page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecondFactorView {
    /// An authenticator is confirmed: sign-in asks for its code.
    pub enrolled: bool,
    /// When it was confirmed, Unix milliseconds.
    pub confirmed_at: Option<i64>,
    /// The account's role must sign in with it (it cannot be turned off).
    pub required: bool,
    /// Unused recovery codes.
    pub recovery_codes_left: i64,
}

/// An authenticator being enrolled: the secret to scan (QR code, SVG) or type (base32 in
/// groups of four), and the `otpauth://` address the QR code holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecondFactorEnrolment {
    /// The secret in base32, in groups of four, to type into an app that cannot scan.
    pub secret: String,
    /// `otpauth://totp/Tanhui:<username>?secret=…`, what the QR code holds.
    pub otpauth_uri: String,
    /// The QR code as an SVG image, drawn by the server.
    pub qr_svg: String,
}

/// Failed sign-ins with the reader's own username over the last day: how many, the latest's
/// time (Unix ms) and address. Shown on the account page so the owner notices a guesser.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedSignInsView {
    /// How many.
    pub count: i64,
    /// The latest one, Unix milliseconds.
    pub latest_at: Option<i64>,
    /// The address the latest one came from.
    pub latest_ip: Option<String>,
}

/// What an administrator types to create an account. Scopes are unit codes separated by
/// commas or spaces.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewUserInput {
    /// The sign-in name, unique.
    pub username: String,
    /// The name shown in the header.
    pub display_name: String,
    /// A [`domain::Role`] code (`admin`, `official`, …).
    pub role: String,
    /// The unit codes the account is confined to.
    pub scopes: String,
    /// Empty: generate a one-time password (shown once, to be changed at first sign-in).
    pub password: String,
}

/// An administrator's edit of an existing account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserChangeInput {
    /// The new display name.
    pub display_name: String,
    /// A [`domain::Role`] code.
    pub role: String,
    /// The unit codes, separated by commas or spaces; they replace the old ones.
    pub scopes: String,
    /// Disable (or re-enable) the account.
    pub disabled: bool,
}

/// The result of creating an account or resetting its password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedPassword {
    /// The account as it now is.
    pub user: UserView,
    /// Set when the server generated the password: shown once, never stored in clear.
    pub one_time_password: Option<String>,
}

/// An API token's description; the secret itself is shown only when it is created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenView {
    /// The token's id, for revoking it.
    pub id: String,
    /// The label its owner gave it.
    pub name: String,
    /// The secret's first characters (`thk_…`), to tell tokens apart.
    pub prefix: String,
    /// Unix milliseconds of its creation.
    pub created_at: i64,
    /// Unix milliseconds of its last use, if it has been used.
    pub last_used_at: Option<i64>,
    /// Unix milliseconds of its revocation; a revoked token is refused.
    pub revoked_at: Option<i64>,
    /// Unix milliseconds after which it is refused.
    #[serde(default)]
    pub expires_at: Option<i64>,
    /// It may only read (GET).
    #[serde(default)]
    pub read_only: bool,
    /// Past its expiry when listed.
    #[serde(default)]
    pub expired: bool,
}

/// A new API token as typed: a name, `read` or `write`, and days until it expires (1–365).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenInput {
    /// What it is for, 1–64 characters.
    pub name: String,
    /// `read` (GET only, the default) or `write`.
    #[serde(default)]
    pub scope: String,
    /// Days until it expires, 1–365 (default 90).
    #[serde(default)]
    pub days: String,
}

/// A token just created, with its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewToken {
    /// The token's description, as [`TokenView`] lists it from now on.
    pub token: TokenView,
    /// The secret to send as a bearer token: shown this once, stored only as a digest.
    pub secret: String,
}

/// Filters of the audit-log page (all optional; dates as `YYYY-MM-DD`, China time).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    /// An action, or a prefix ending in `.` for a family of actions (`survey.`).
    pub action: Option<String>,
    /// The acting account's username.
    pub actor: Option<String>,
    /// The target as recorded (a username, an id…), matched exactly.
    pub target: Option<String>,
    /// The first day.
    pub from: Option<String>,
    /// The last day (inclusive).
    pub to: Option<String>,
    /// Only entries older than this sequence number (the next page).
    pub before: Option<i64>,
}

/// One audit-log entry as the administrators' page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditView {
    /// The entry's sequence number: increasing, so it orders entries and pages the list.
    pub seq: i64,
    /// Unix milliseconds.
    pub at: i64,
    /// The username of the account that acted (empty for the system).
    pub actor: String,
    /// What was done (`user.create`, `survey.approve`…).
    pub action: String,
    /// The kind of thing acted on (`user`, `survey`, `household`…).
    pub target_kind: Option<String>,
    /// What was acted on (a username, an id…).
    pub target: Option<String>,
    /// The unit concerned, if any.
    pub unit_code: Option<String>,
    /// The client's IP address, if known.
    pub ip: Option<String>,
    /// The state before the change, as JSON text.
    pub before: Option<String>,
    /// The state after the change, as JSON text.
    pub after: Option<String>,
}

pub use crate::charts::{Both, ChartData};

/// The dashboard's filters, as they appear in the URL (`?wave=2021&model=collective&…`).
/// Values are the vocabularies' stable codes; empty means "all".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashQuery {
    /// The wave year; `None` for the latest.
    pub wave: Option<i32>,
    /// An [`domain::EngagementModel`] code.
    pub model: Option<String>,
    /// A [`domain::PovertyRegistration`] code.
    pub registration: Option<String>,
    /// A [`domain::Sex`] code (the household head's).
    pub sex: Option<String>,
    /// A [`domain::Ethnicity`] code (the household head's).
    pub ethnicity: Option<String>,
    /// A [`domain::PovertyScheme`] code: the line the line-dependent figures are counted
    /// against (`None`: national).
    #[serde(default)]
    pub scheme: Option<String>,
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
            ("scheme", &self.scheme),
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
    /// The filter's label (参与模式 / Engagement model…).
    pub label: Both,
    /// Each choice: its stable code (the URL value) and its label.
    pub options: Vec<(String, Both)>,
    /// The code chosen now, if any.
    pub selected: Option<String>,
}

/// A headline figure with everything needed to explain it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CardView {
    /// The catalogue id of the indicator.
    pub id: String,
    /// The indicator's name.
    pub name: Both,
    /// The value's unit (户, 元/人/年, %…).
    pub unit: Both,
    /// Decimal places to show (1 for percentages and areas, else 0).
    pub decimals: usize,
    /// The figure, if there is one.
    pub value: Option<f64>,
    /// Why there is no value (no approved surveys, zero denominator, suppressed…).
    pub no_data: Option<Both>,
    /// The indicator's definition, as a formula.
    pub formula: Both,
    /// The numerator's sum, in its shown unit.
    pub numerator: Option<f64>,
    /// What the numerator counts.
    pub numerator_label: Both,
    /// The denominator's sum, for ratios and shares.
    pub denominator: Option<f64>,
    /// What the denominator counts, for ratios and shares.
    pub denominator_label: Option<Both>,
    /// Households with an approved survey behind the figure (0 when withheld).
    pub households: i64,
    /// The baseline wave year, if any.
    pub baseline_wave: Option<i32>,
    /// The figure in the baseline wave.
    pub baseline: Option<f64>,
    /// The figure now minus the baseline figure.
    pub change: Option<f64>,
    /// The target for this unit and wave, if one is set.
    pub target: Option<f64>,
    /// Progress towards the target, in percent.
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
    /// The child unit.
    pub unit: UnitView,
    /// One value per column; `None` where there is no data.
    pub values: Vec<Option<f64>>,
}

/// A column of the child-unit table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnView {
    /// The catalogue id of the indicator; also the `sort` key in the URL.
    pub id: String,
    /// The indicator's name, for the header.
    pub name: Both,
    /// The values' unit.
    pub unit: Both,
    /// Decimal places to show.
    pub decimals: usize,
}

/// A household in a village page's list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HouseholdRowView {
    /// The household's id, for its link.
    pub id: String,
    /// The village's registry number (户编号).
    pub registry_no: String,
    /// The household head's name, masked unless the viewer may see personal data.
    pub head_name: String,
    /// The poverty registration's label.
    pub registration: Both,
    /// The engagement model's label.
    pub model: Both,
    /// The wave's survey status, if there is a survey.
    pub status: Option<SurveyStatus>,
    /// The reviewer's comment, for a survey sent back.
    pub review_comment: Option<String>,
    /// Per-capita net income (RMB) from the approved survey.
    pub per_capita: Option<f64>,
    /// The at-risk reasons that apply in the wave; empty when none.
    pub risks: Vec<RiskReason>,
}

/// A chart with its drawing and text alternative.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChartView {
    /// What the chart shows.
    pub data: ChartData,
    /// The chart drawn as SVG, in the reader's language (inlined and offered for download).
    pub svg: String,
    /// The chart's text alternative in the reader's language.
    pub alt: String,
}

/// Everything a dashboard page (the overview or a unit page) shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DashboardView {
    /// The unit shown.
    pub unit: UnitView,
    /// From the viewer's home unit down to the parent of `unit`.
    pub trail: Vec<UnitView>,
    /// The wave shown.
    pub wave: i32,
    /// Every wave there is, for the wave filter.
    pub waves: Vec<i32>,
    /// The filters as applied.
    pub query: DashQuery,
    /// The poverty-line scheme applied ([`domain::PovertyScheme`] code).
    pub scheme: String,
    /// Each household filter with its choices.
    pub filters: Vec<FilterView>,
    /// The filters could not all be applied together (the engine keeps pairs at most).
    pub filter_note: Option<Both>,
    /// The headline figures, in catalogue order.
    pub cards: Vec<CardView>,
    /// The columns of the child-unit table.
    pub columns: Vec<ColumnView>,
    /// The child units' rows (none for a village).
    pub children: Vec<ChildRow>,
    /// A village's households, when the viewer may see them.
    pub households: Option<Vec<HouseholdRowView>>,
    /// The charts, drawn.
    pub charts: Vec<ChartView>,
    /// Figures over 1–4 households are withheld from this viewer (researchers).
    pub suppressed: bool,
    /// The unit merged into another: the day it ended and its successor. From the wave after
    /// that day its households count under the successor.
    #[serde(default)]
    pub merged_into: Option<(String, UnitView)>,
}

/// One survey on the household page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurveyHistoryView {
    /// The survey's id.
    pub id: String,
    /// The wave year.
    pub wave: i32,
    /// Where the survey is in review.
    pub status: SurveyStatus,
    /// The username of the enumerator who entered it.
    pub enumerator: String,
    /// Who approved or rejected it, and when (China time), from the audit log.
    pub reviewed_by: Option<String>,
    /// When, as `YYYY-MM-DD HH:MM:SS` in China time.
    pub reviewed_at: Option<String>,
    /// The reviewer's comment, if any.
    pub review_comment: Option<String>,
    /// Household size in this wave.
    pub members: usize,
    /// Income by source (RMB), in a fixed order.
    pub income: Vec<(Both, f64)>,
    /// Household net income in RMB for the wave (may be negative).
    pub net_income: f64,
    /// Per-capita net income in RMB; `None` for an empty roster.
    pub per_capita: Option<f64>,
    /// The wave year's poverty line in RMB per person per year.
    pub line: f64,
    /// The five guarantees (两不愁三保障 + water), each met or not.
    pub guarantees: Vec<(Both, bool)>,
}

/// The household page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HouseholdPageView {
    /// The household's id.
    pub id: String,
    /// The units above the household, down to its village (those the viewer may read).
    pub trail: Vec<UnitView>,
    /// The village's registry number (户编号).
    pub registry_no: String,
    /// The household head's name, masked unless the viewer may see personal data.
    pub head_name: String,
    /// The head's sex, as a label.
    pub head_sex: Both,
    /// The head's ethnic group, as a label.
    pub head_ethnicity: Both,
    /// The poverty registration, as a label.
    pub registration: Both,
    /// Year registered as poor, if recorded.
    pub registration_year: Option<i32>,
    /// Year of exit from poverty, if recorded.
    pub exit_year: Option<i32>,
    /// The engagement model, as a label.
    pub model: Both,
    /// Whether the household is still there (moved out, deceased, merged), as a label; `None`
    /// while it is active.
    #[serde(default)]
    pub status: Option<Both>,
    /// The registry's people, in list order (those who left too, marked inactive).
    #[serde(default)]
    pub people: Vec<PersonView>,
    /// The correction form, for those who may correct this household (its village's
    /// enumerators and supervisors, administrators); never once it was erased.
    #[serde(default)]
    pub correction: Option<CorrectionForm>,
    /// The day it left the programme, `YYYY-MM-DD` (any status but active).
    #[serde(default)]
    pub left_on: Option<String>,
    /// The day its personal data were erased, `YYYY-MM-DD` (China), if they were.
    #[serde(default)]
    pub erased_on: Option<String>,
    /// Every survey of the household, one per wave.
    pub surveys: Vec<SurveyHistoryView>,
}

/// The at-risk list's request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskQuery {
    /// The unit's code; `None` for the viewer's home unit.
    pub unit: Option<String>,
    /// The wave year; `None` for the latest.
    pub wave: Option<i32>,
    /// "Near the line" margin in percent (default 20, at most 100).
    pub margin: Option<u32>,
    /// "Income fell" threshold in percent (default 30, 1–100).
    pub drop: Option<u32>,
    /// Only households with this reason (`below_line`, `near_line`, …).
    pub reason: Option<String>,
    /// The poverty line's scheme ([`domain::PovertyScheme`] code; `None`: national).
    #[serde(default)]
    pub scheme: Option<String>,
    /// The page of the list, from 1 (50 households a page).
    pub page: Option<u32>,
}

/// One flagged household.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskRowView {
    /// The household's id, for its link.
    pub household: String,
    /// The household's village.
    pub village: UnitView,
    /// The village's registry number (户编号).
    pub registry_no: String,
    /// The household head's name, masked unless the viewer may see personal data.
    pub head_name: String,
    /// Per-capita net income in RMB; `None` for an empty roster.
    pub per_capita: Option<f64>,
    /// The poverty line in RMB per person per year.
    pub line: f64,
    /// The earlier wave compared with for "income fell", if any.
    pub previous_wave: Option<i32>,
    /// Per-capita net income in RMB in that wave.
    pub previous_per_capita: Option<f64>,
    /// Why the household is flagged; never empty.
    pub reasons: Vec<RiskReason>,
}

/// The at-risk list page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskPageView {
    /// The unit listed.
    pub unit: UnitView,
    /// The wave listed.
    pub wave: i32,
    /// Every wave there is, for the wave filter.
    pub waves: Vec<i32>,
    /// The margin applied, in percent (after clamping).
    pub margin: u32,
    /// The drop threshold applied, in percent (after clamping).
    pub drop: u32,
    /// The reason filter applied, if any.
    pub reason: Option<RiskReason>,
    /// The poverty-line scheme applied ([`domain::PovertyScheme`] code).
    pub scheme: String,
    /// Flagged households in all, and by reason.
    pub total: usize,
    /// Flagged households per reason, in [`RiskReason::ALL`] order (one household may
    /// have several).
    pub by_reason: Vec<(RiskReason, usize)>,
    /// The page shown, from 1.
    pub page: u32,
    /// How many pages there are (at least 1).
    pub pages: u32,
    /// The flagged households on this page.
    pub rows: Vec<RiskRowView>,
}

/// A survey waiting for review (or sent back), as the review page lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewRowView {
    /// The survey's id.
    pub survey: String,
    /// The household's id.
    pub household: String,
    /// The household's village.
    pub village: UnitView,
    /// The village's registry number (户编号).
    pub registry_no: String,
    /// The household head's name, masked unless the viewer may see personal data.
    pub head_name: String,
    /// Submitted, or rejected (sent back).
    pub status: SurveyStatus,
    /// The version the reviewer sees; a decision carries it back (stale ones are refused).
    pub version: i32,
    /// The username of the enumerator who entered it.
    pub enumerator: String,
    /// The reviewer's comment, for a survey sent back.
    pub review_comment: Option<String>,
    /// Household size.
    pub members: usize,
    /// Per-capita net income in RMB; `None` for an empty roster.
    pub per_capita: Option<f64>,
    /// The wave's poverty line in RMB per person per year.
    pub line: f64,
    /// Whether 两不愁三保障 and safe water are all met.
    pub guarantees_met: bool,
    /// Entered by the viewer: the four-eyes rule keeps them from reviewing it.
    pub own: bool,
}

/// The review page: submitted surveys to decide on, and those sent back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewQueueView {
    /// The wave shown.
    pub wave: i32,
    /// Every wave there is, for the wave filter.
    pub waves: Vec<i32>,
    /// Whether the viewer may approve and reject (supervisors, administrators).
    pub may_review: bool,
    /// Surveys waiting for a decision.
    pub submitted: Vec<ReviewRowView>,
    /// Surveys sent back, waiting for their enumerators.
    pub rejected: Vec<ReviewRowView>,
}

/// A review decision from the page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewInput {
    /// The survey's id.
    pub survey: String,
    /// A [`domain::ReviewDecision`] code (`approve`, `reject`), as the form sent it; parsed
    /// once the reviewer is known to be allowed, so a stranger learns nothing from the answer.
    pub decision: String,
    /// The version the reviewer saw ([`ReviewRowView::version`]); a newer one is refused.
    pub version: i32,
    /// The reviewer's comment; required when rejecting.
    pub comment: String,
}

/// A review decision as applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewDone {
    /// The survey's id.
    pub survey: String,
    /// Its new status.
    pub status: SurveyStatus,
    /// Its new version.
    pub version: i32,
}

// --- field work: the enumerator's list, the survey form, registering a household ---

/// One household on the enumerator's list, with its survey for the wave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldRowView {
    /// The household's id, for the survey form's link.
    pub household: String,
    /// The village's registry number (户编号).
    pub registry_no: String,
    /// The household head's name, masked unless the viewer may see personal data.
    pub head_name: String,
    /// `None` when no survey exists yet for the wave.
    pub status: Option<SurveyStatus>,
    /// The reviewer's comment, for a survey sent back.
    pub review_comment: Option<String>,
    /// Saved or registered on this device and not yet accepted by the server (offline only).
    #[serde(default)]
    pub on_device: bool,
}

/// One of the enumerator's villages, with its households.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldVillageView {
    /// The village.
    pub village: UnitView,
    /// Its households.
    pub households: Vec<FieldRowView>,
}

/// The enumerator's home: its villages' households and where each survey stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldHomeView {
    /// The wave shown.
    pub wave: i32,
    /// Every wave there is, for the wave filter.
    pub waves: Vec<i32>,
    /// The villages the account enters surveys for (none for administrators, who import).
    pub villages: Vec<FieldVillageView>,
    /// Households per status (`None`: not started), in status order.
    pub counts: Vec<(Option<SurveyStatus>, usize)>,
}

/// A survey's bookkeeping as the form needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyMetaView {
    /// The survey's id.
    pub id: String,
    /// Where the survey is in review.
    pub status: SurveyStatus,
    /// The stored version; a save must carry it as its `base_version`.
    pub version: i32,
    /// The username of the enumerator who entered it.
    pub enumerator: String,
    /// The reviewer's comment, for a survey sent back.
    pub review_comment: Option<String>,
}

/// Everything the survey form starts from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurveyFormView {
    /// The household's id.
    pub household: String,
    /// The village's registry number (户编号).
    pub registry_no: String,
    /// The household head's name, masked unless the viewer may see personal data.
    pub head_name: String,
    /// The household's village.
    pub village: UnitView,
    /// The wave year the form is for.
    pub wave: i32,
    /// The wave's poverty line, yuan per person per year.
    pub line: f64,
    /// The stored survey of this wave, if any, and its answers.
    pub survey: Option<SurveyMetaView>,
    /// The stored survey's answers, in the form's shape.
    pub answers: Option<domain::validate::SurveyInput>,
    /// The latest earlier wave's answers, offered as a starting point.
    pub previous: Option<(i32, domain::validate::SurveyInput)>,
    /// The household's registry people: the roster can start from them, and each roster line
    /// shows whom it refers to.
    #[serde(default)]
    pub people: Vec<PersonView>,
    /// Whether this viewer may change the survey now; if not, why.
    pub editable: bool,
    /// Why the survey cannot be changed now (submitted, approved, out of the viewer's
    /// villages), when it cannot.
    pub locked: Option<Both>,
}

/// One save from the survey form (or the API).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurveySaveInput {
    /// The household's id.
    pub household: String,
    /// The wave year.
    pub wave: i32,
    /// Generated by the client for this save; a retry sends the same id.
    pub client_id: String,
    /// The version the form was loaded with (0 for a new survey).
    pub base_version: i32,
    /// Submit for review (else keep as a draft).
    pub submit: bool,
    /// The user has seen the warnings and confirms the values.
    pub confirm_warnings: bool,
    /// The answers as typed.
    pub answers: domain::validate::SurveyInput,
}

/// A survey saved: its new state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurveySaved {
    /// The survey's id.
    pub survey: String,
    /// Its status now (draft or submitted).
    pub status: SurveyStatus,
    /// Its new version, for the next save.
    pub version: i32,
    /// The same save had already been applied (a retry); nothing new was written.
    pub replayed: bool,
    /// The answers' warnings: confirmed when submitting, still open on a draft.
    pub warnings: Vec<FieldIssue>,
}

/// The villages an account may register households in, for the registration form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegisterFormView {
    /// The villages to choose from.
    pub villages: Vec<UnitView>,
    /// The current year: registration and exit years may not be later.
    pub year: i32,
}

/// A household just registered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Registered {
    /// The new household's id.
    pub household: String,
    /// Warnings about the registration (a sex that contradicts the ID card…).
    pub warnings: Vec<FieldIssue>,
    /// This registration (its id) had arrived before: nothing new was written.
    #[serde(default)]
    pub replayed: bool,
}

/// One problem in an import file: its line (1 = the header), column, rule and message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportIssue {
    /// The file's line, 1 being the header.
    pub line: usize,
    /// The column's header name; empty for a problem with the file or line as a whole.
    pub column: String,
    /// The stable rule id.
    pub rule: String,
    /// A warning to confirm (else an error that blocks the import).
    pub warning: bool,
    /// The message in Chinese.
    pub zh: String,
    /// The message in English.
    pub en: String,
}

/// What an import did: rows read, surveys written (all or none), and its problems — the
/// first [`ImportReport::LISTED`] of each kind by line, and how many of each rule in all, so
/// that a file of a million bad cells answers with a page, not a hundred megabytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    /// Data rows read (lines after the header).
    pub rows: usize,
    /// Surveys written: every row, or 0 when anything blocked.
    pub imported: usize,
    /// The first errors found, by line.
    pub errors: Vec<ImportIssue>,
    /// The first warnings found, by line.
    pub warnings: Vec<ImportIssue>,
    /// The first changes a re-import made to records that already existed, by line
    /// (`column` names the field, the texts say from what to what).
    #[serde(default)]
    pub changes: Vec<ImportIssue>,
    /// Every rule found, with how often: the whole count, listed or not.
    #[serde(default)]
    pub counts: Vec<RuleCount>,
}

/// How often one rule was found in an import file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleCount {
    /// The rule id (`changed` for a change to a stored record).
    pub rule: String,
    /// A warning (else an error, or a change).
    pub warning: bool,
    /// How many times, in the whole file.
    pub count: usize,
}

impl ImportReport {
    /// How many issues of each kind (errors, warnings, changes) a report lists.
    pub const LISTED: usize = 1000;

    /// An empty report for `rows` data rows.
    pub fn new(rows: usize) -> Self {
        Self {
            rows,
            imported: 0,
            errors: Vec::new(),
            warnings: Vec::new(),
            changes: Vec::new(),
            counts: Vec::new(),
        }
    }

    /// Counts `issue` under its rule, and lists it if its kind has room: `changed` is a
    /// change, a warning a warning, anything else an error.
    pub fn add(&mut self, issue: ImportIssue) {
        match self
            .counts
            .iter_mut()
            .find(|c| c.rule == issue.rule && c.warning == issue.warning)
        {
            Some(count) => count.count += 1,
            None => self.counts.push(RuleCount {
                rule: issue.rule.clone(),
                warning: issue.warning,
                count: 1,
            }),
        }
        let list = match (issue.rule.as_str(), issue.warning) {
            ("changed", _) => &mut self.changes,
            (_, true) => &mut self.warnings,
            _ => &mut self.errors,
        };
        if list.len() < Self::LISTED {
            list.push(issue);
        }
    }

    /// Counts and lists every issue of `issues` ([`ImportReport::add`]).
    pub fn extend(&mut self, issues: impl IntoIterator<Item = ImportIssue>) {
        for issue in issues {
            self.add(issue);
        }
    }

    /// Errors found in all, listed or not.
    pub fn error_count(&self) -> usize {
        self.total(|c| !c.warning && c.rule != "changed")
    }

    /// Warnings found in all, listed or not.
    pub fn warning_count(&self) -> usize {
        self.total(|c| c.warning)
    }

    /// Changes to stored records in all, listed or not.
    pub fn change_count(&self) -> usize {
        self.total(|c| !c.warning && c.rule == "changed")
    }

    /// Forgets the changes (a blocked import made none).
    pub fn drop_changes(&mut self) {
        self.changes.clear();
        self.counts.retain(|c| c.warning || c.rule != "changed");
    }

    fn total(&self, which: impl Fn(&RuleCount) -> bool) -> usize {
        self.counts
            .iter()
            .filter(|c| which(c))
            .map(|c| c.count)
            .sum()
    }
}

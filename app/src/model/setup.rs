//! What the programme set-up pages show and send: administrative units, waves and poverty
//! lines.

use domain::PovertyScheme;
use serde::{Deserialize, Serialize};

use super::UnitView;

/// Which units the units page lists: the children of `parent` (the prefecture's when
/// `None`), or every unit matching `q` (code prefix or part of a name).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitsQuery {
    /// The unit whose children are listed.
    pub parent: Option<String>,
    /// Search text: a code prefix, or part of a Chinese, pinyin or Yi name.
    pub q: Option<String>,
}

/// One administrative unit with everything the units page shows and edits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitRecordView {
    /// The code and names as every page shows them.
    pub unit: UnitView,
    /// The name in Nuosu Yi; empty where none is recorded.
    pub name_ii: String,
    /// The first day of the unit, `YYYY-MM-DD`, if known.
    pub valid_from: Option<String>,
    /// The last day of the unit, if it ended.
    pub valid_to: Option<String>,
    /// The unit it merged into, if it did.
    pub successor: Option<UnitView>,
    /// How many units are directly below it.
    pub children: usize,
    /// Households registered in it (in its villages).
    pub households: usize,
    /// Made up for demo data.
    pub synthetic: bool,
}

/// The units page: where in the tree the list is, and the units listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitsPageView {
    /// The unit whose children are listed (none for a search).
    pub parent: Option<UnitRecordView>,
    /// The parent's ancestors, prefecture first, then the parent itself.
    pub trail: Vec<UnitView>,
    /// The units listed, ordered by code (at most [`UNITS_SHOWN`] for a search).
    pub units: Vec<UnitRecordView>,
    /// How many units matched a search (it may be more than those listed).
    pub matched: usize,
    /// The query answered.
    pub query: UnitsQuery,
    /// Every unit in Tanhui, of every level.
    pub total: usize,
}

/// How many units a search lists.
pub const UNITS_SHOWN: usize = 200;

/// A correction to one unit, as typed into the form (dates `YYYY-MM-DD` or empty).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitEditInput {
    /// The unit corrected (its code never changes).
    pub code: String,
    /// The official Chinese name.
    pub name_zh: String,
    /// The pinyin name, or empty.
    pub name_pinyin: String,
    /// The Nuosu Yi name, or empty.
    pub name_ii: String,
    /// The first day, or empty.
    pub valid_from: String,
    /// The last day, or empty for a unit that still exists.
    pub valid_to: String,
    /// The unit it merged into, or empty.
    pub successor_code: String,
}

/// A survey wave as the programme page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaveView {
    /// The wave's year.
    pub year: i32,
    /// The baseline wave, against which progress is measured.
    pub baseline: bool,
    /// First day of the period the answers cover.
    pub period_start: String,
    /// Last day of the period the answers cover.
    pub period_end: String,
    /// A closed wave takes no new saves or reviews.
    pub closed: bool,
}

/// A poverty line as the programme page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineView {
    /// The scheme (`national`, `provincial`).
    pub scheme: PovertyScheme,
    /// The income year.
    pub year: i32,
    /// The line in yuan per person per year, exact to the fen (`4000.00`).
    pub yuan: String,
}

/// The programme page: waves, poverty lines and how many targets are set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgrammeView {
    /// Every wave, oldest first.
    pub waves: Vec<WaveView>,
    /// Every poverty line set, by scheme and year.
    pub lines: Vec<LineView>,
    /// How many targets are set.
    pub targets: usize,
    /// What the last change did, in both languages (empty on a plain read).
    pub done: Option<domain::Both>,
}

/// Opening a wave (or reopening a closed one), as typed into the form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaveInput {
    /// The wave's year.
    pub year: String,
    /// First day of the reference period (default 1 January).
    pub start: String,
    /// Last day of the reference period (default 31 December).
    pub end: String,
}

/// Setting a poverty line, as typed into the form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineInput {
    /// `national` or `provincial`.
    pub scheme: String,
    /// The income year.
    pub year: String,
    /// Yuan per person per year, at most two decimals.
    pub yuan: String,
}

/// What a file import loads; each has its template and its endpoint
/// `POST /api/v1/import/{code}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportKind {
    /// The 建档立卡 household registry with members.
    Households,
    /// Household surveys of a wave.
    Surveys,
    /// Administrative units.
    Units,
    /// Targets per indicator, unit and year.
    Targets,
    /// Villages' programme assignments (model, start year).
    Assignments,
    /// Afforestation plots.
    Plots,
    /// Survival inspections of the plots.
    Inspections,
}

impl ImportKind {
    /// Every kind, in the order the import page offers them.
    pub const ALL: [ImportKind; 7] = [
        ImportKind::Households,
        ImportKind::Surveys,
        ImportKind::Units,
        ImportKind::Assignments,
        ImportKind::Targets,
        ImportKind::Plots,
        ImportKind::Inspections,
    ];

    /// The code in URLs (`households`, `surveys`, `units`, `targets`, `assignments`, `plots`,
    /// `inspections`).
    pub fn code(self) -> &'static str {
        match self {
            ImportKind::Households => "households",
            ImportKind::Surveys => "surveys",
            ImportKind::Units => "units",
            ImportKind::Targets => "targets",
            ImportKind::Assignments => "assignments",
            ImportKind::Plots => "plots",
            ImportKind::Inspections => "inspections",
        }
    }

    /// The kind of a code.
    pub fn parse(code: &str) -> Option<ImportKind> {
        ImportKind::ALL
            .into_iter()
            .find(|k| k.code() == code.trim())
    }

    /// What the kind is called, (Chinese, English).
    pub fn name(self) -> (&'static str, &'static str) {
        match self {
            ImportKind::Households => ("户籍名册（建档立卡户）", "household registry"),
            ImportKind::Surveys => ("问卷", "surveys"),
            ImportKind::Units => ("行政区划", "administrative units"),
            ImportKind::Targets => ("目标值", "targets"),
            ImportKind::Assignments => ("村项目分配", "village assignments"),
            ImportKind::Plots => ("造林地块", "afforestation plots"),
            ImportKind::Inspections => ("成活率检查", "survival inspections"),
        }
    }

    /// Whether a re-import may correct records already stored (households by village and
    /// registry number); the others either add (surveys) or always update (units, targets).
    pub fn updates(self) -> bool {
        self == ImportKind::Households
    }
}

/// One person of a household's registry as its page lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonView {
    /// Position in the registry's list, from 1.
    pub position: u32,
    /// The name, masked unless the viewer may see personal data.
    pub name: String,
    /// Sex, as a label.
    pub sex: domain::Both,
    /// Year of birth.
    pub birth_year: i32,
    /// Relation to the head, as a label.
    pub relation: domain::Both,
    /// Still a member of the household.
    pub active: bool,
    /// The roster line this person starts as on a new survey (their id and registry data).
    #[serde(default)]
    pub start: domain::validate::MemberInput,
}

/// What the correction form starts from: the stored registration data as codes, and the
/// version it was read at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorrectionForm {
    /// The stored version; the correction must start from it.
    pub version: i32,
    /// The registration fields as the form edits them (codes, years as text).
    pub input: HouseholdCorrectionInput,
}

/// A correction to a household's registration data, as typed into the form or sent to
/// `PATCH /api/v1/households/{id}`. The village and registry number do not change here.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HouseholdCorrectionInput {
    /// The household corrected.
    #[serde(default)]
    pub household: String,
    /// The version the correction starts from; a stale one is refused (409).
    pub version: i32,
    /// Why: required, kept in the audit log with the before and after.
    pub reason: String,
    /// The head's name.
    pub head_name: String,
    /// The head's ID-card number.
    pub head_id_card: String,
    /// A mobile number, or empty.
    #[serde(default)]
    pub phone: String,
    /// A [`domain::Sex`] code.
    pub head_sex: String,
    /// A [`domain::Ethnicity`] code.
    pub head_ethnicity: String,
    /// A [`domain::PovertyRegistration`] code.
    pub poverty_registration: String,
    /// A [`domain::PovertyCause`] code, or empty.
    #[serde(default)]
    pub poverty_cause: String,
    /// Year registered as poor, or empty.
    #[serde(default)]
    pub registration_year: String,
    /// Year of exit from poverty, or empty.
    #[serde(default)]
    pub exit_year: String,
    /// A [`domain::EngagementModel`] code.
    pub model: String,
    /// Enrolment date `YYYY-MM-DD`, or empty.
    #[serde(default)]
    pub enrolment_date: String,
    /// A [`domain::HouseholdStatus`] code (`active` by default).
    #[serde(default)]
    pub status: String,
    /// For `merged`: the registry number of the household (same village) it merged into.
    #[serde(default)]
    pub merged_into: String,
    /// For any status but `active`: the day the household left, `YYYY-MM-DD` (today when
    /// empty and it is leaving now). Its personal data are erased once the retention period
    /// (`TANHUI_ERASE_AFTER_YEARS`) has passed since.
    #[serde(default)]
    pub left_on: String,
}

/// A correction that went through: the household's new version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Corrected {
    /// The household's id.
    pub household: String,
    /// Its version now.
    pub version: i32,
    /// Warnings the registration checks raised (saved anyway).
    pub warnings: Vec<super::FieldIssue>,
}

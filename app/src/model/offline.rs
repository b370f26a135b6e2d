//! What a device keeps to work without a network, as it crosses the wire: the offline
//! package ("prepare for offline": the enumerator's households, each one's survey starting
//! data and the registration form for one wave), the outbox items a device sends when it can,
//! and the outbox file a supervisor uploads when a device cannot reach the server.
//!
//! The browser keeps packages and outbox items in IndexedDB as this JSON (`public/offline.js`
//! stores and sends them; the pages read them through `crate::offline`), so a field renamed
//! here is a format change: raise [`PACKAGE_FORMAT`] or [`OUTBOX_FORMAT`].

use serde::{Deserialize, Serialize};

use super::{FieldHomeView, FieldIssue, RegisterFormView, SurveyFormView, SurveySaveInput};

/// The package's format: a device holding another refreshes it when online.
pub const PACKAGE_FORMAT: u32 = 1;
/// The outbox's format on the device and in files; older items are migrated, never dropped.
pub const OUTBOX_FORMAT: u32 = 1;
/// What an outbox file says it is.
pub const OUTBOX_FILE_KIND: &str = "tanhui-outbox";

/// Everything one account's device needs to survey its villages in one wave offline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfflinePackage {
    /// [`PACKAGE_FORMAT`] when it was made.
    pub format: u32,
    /// The account it was prepared for (the device keeps one package per account).
    pub account: String,
    /// That account's display name and role, for the pages shown offline.
    pub display_name: String,
    /// The account's role.
    pub role: domain::Role,
    /// When the server made it, China time (`YYYY-MM-DD HH:MM`).
    pub prepared_at: String,
    /// The wave's poverty line, yuan per person per year (for households registered on the
    /// device, which have no form in `forms`).
    pub line: f64,
    /// The household list of the wave, as `/field` shows it.
    pub home: FieldHomeView,
    /// Each listed household's survey form for the wave: stored answers, the previous wave's
    /// answers, the poverty line, whether it may be edited.
    pub forms: Vec<SurveyFormView>,
    /// The villages the account may register households in.
    pub register: RegisterFormView,
}

/// The change an outbox item carries: exactly the body of the API request that applies it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OutboxRequest {
    /// `PUT /api/v1/households/{household}/surveys/{wave}`: a draft or a submission.
    Survey(SurveySaveInput),
    /// `POST /api/v1/households`: a household registered on the device, under the id its
    /// surveys already use.
    Household {
        /// The household's id, made on the device.
        id: String,
        /// The registration as typed.
        input: domain::validate::HouseholdInput,
    },
}

impl OutboxRequest {
    /// The item's idempotency key: the save's client id, or the new household's id.
    pub fn client_id(&self) -> &str {
        match self {
            OutboxRequest::Survey(save) => &save.client_id,
            OutboxRequest::Household { id, .. } => id,
        }
    }
}

/// Where an outbox item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxState {
    /// Not yet accepted by the server: the next sync sends it.
    #[default]
    Waiting,
    /// The server's copy changed meanwhile (409): the enumerator keeps theirs or takes the
    /// server's.
    Conflict,
    /// The server found errors (422): to be fixed on the device.
    Invalid,
    /// The server refused it for another reason (a locked survey, a closed wave, no access).
    Refused,
}

/// Why the server did not accept an item, as it said.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OutboxProblem {
    /// The HTTP status.
    pub status: u16,
    /// The server's message, Chinese.
    #[serde(default)]
    pub zh: String,
    /// The server's message, English.
    #[serde(default)]
    pub en: String,
    /// Field issues (422).
    #[serde(default)]
    pub issues: Vec<FieldIssue>,
}

/// One change waiting on the device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxItem {
    /// [`OUTBOX_FORMAT`] when it was made.
    #[serde(default = "first_format")]
    pub format: u32,
    /// The order the device made it in (sent in this order).
    #[serde(default)]
    pub seq: u64,
    /// The account that made it.
    pub account: String,
    /// When it was made, milliseconds since 1970.
    pub created_at: f64,
    /// Who it is about, for the lists: the household head's name and registry number.
    #[serde(default)]
    pub label: String,
    /// The client id of an item that must reach the server first (the registration of the
    /// household a survey is for, or the earlier save of the same survey).
    #[serde(default)]
    pub after: Option<String>,
    /// Where it stands.
    #[serde(default)]
    pub state: OutboxState,
    /// How often it was sent without an answer.
    #[serde(default)]
    pub attempts: u32,
    /// What the server said when it did not accept it.
    #[serde(default)]
    pub problem: Option<OutboxProblem>,
    /// The change itself.
    pub request: OutboxRequest,
}

fn first_format() -> u32 {
    1
}

/// An outbox exported to a file on the device, for a supervisor to upload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxFile {
    /// Always [`OUTBOX_FILE_KIND`].
    pub kind: String,
    /// [`OUTBOX_FORMAT`] of the device that wrote it.
    pub format: u32,
    /// The account whose outbox it is.
    pub account: String,
    /// When it was written, China time.
    #[serde(default)]
    pub exported_at: String,
    /// The items, in the order they were made.
    pub items: Vec<OutboxItem>,
}

/// What became of one uploaded item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportedOutcome {
    /// Written now.
    Saved,
    /// Already on the server (the device sent it, or the file was uploaded before).
    Replayed,
    /// Not written; the messages say why.
    Refused,
}

/// One uploaded item's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportedItem {
    /// The item's client id.
    pub id: String,
    /// `survey` or `household`.
    pub kind: String,
    /// Who it is about.
    pub label: String,
    /// What became of it.
    pub outcome: ImportedOutcome,
    /// The survey's version after it (surveys written or replayed).
    pub version: Option<i32>,
    /// Why it was refused.
    pub issues: Vec<FieldIssue>,
}

/// The result of uploading an outbox file: every item, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxImported {
    /// The account the file came from.
    pub account: String,
    /// Each item's result.
    pub items: Vec<ImportedItem>,
}

impl OutboxImported {
    /// How many items came to `outcome`.
    pub fn count(&self, outcome: ImportedOutcome) -> usize {
        self.items.iter().filter(|i| i.outcome == outcome).count()
    }
}

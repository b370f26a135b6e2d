//! The port through which server functions reach the server's storage and services.
//!
//! `app` cannot depend on `server` (the server depends on it), so it states here what it needs
//! and the server provides an implementation in the Leptos context. Implementations log their
//! own failures; server functions only map them to a user-facing message.

use std::sync::Arc;

use domain::{Actor, UnitCode};

use crate::model::{
    AuditQuery, AuditView, DashQuery, DashboardView, FailedSignInsView, FieldIssue,
    HouseholdPageView, IssuedPassword, NewToken, NewUserInput, ReviewDone, ReviewInput,
    ReviewQueueView, RiskPageView, RiskQuery, SecondFactorEnrolment, SecondFactorView,
    ServerStatus, TokenInput, TokenView, UnitView, UserChangeInput, UserView,
};

/// Who is asking, established by the server's authentication middleware for every request
/// and stored in the request's extensions.
#[derive(Debug, Clone, Default)]
pub struct RequestViewer {
    /// `None` for an anonymous request.
    pub actor: Option<Actor>,
    /// Digest of the session token when signed in with a browser session.
    pub session_hash: Option<String>,
    /// Signed in with an API token rather than a session.
    pub via_token: bool,
    /// Signed in with a one-time password not yet replaced: every server function but
    /// `whoami` and `change_password` refuses with 403.
    pub must_change_password: bool,
    /// The account's role signs in with a second factor (`TANHUI_TWO_FACTOR_ROLES`).
    pub second_factor_required: bool,
    /// Signed in to an account whose role needs a second factor, without one yet: every
    /// server function but those of the account page refuses with 403 until it is enrolled.
    pub must_enrol_second_factor: bool,
    /// The client's address as the server saw it (for the audit log and throttling).
    pub ip: Option<String>,
}

/// Failures a backend reports to the UI layer. `Storage` detail is for logs, never for users.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// The database failed; the text is for the log (users are told the service is unavailable).
    #[error("storage failed: {0}")]
    Storage(String),
    /// The input breaks rules; each issue names its field.
    #[error("invalid input")]
    Invalid(Vec<FieldIssue>),
    /// No such record (or none the caller may know of).
    #[error("not found")]
    NotFound,
    /// Outside the account's role or scope.
    #[error("forbidden")]
    Forbidden,
}

/// Server status and accounts: what the account pages and the admin pages need. Implemented
/// by the server over its store; server functions check roles before calling.
#[async_trait::async_trait]
pub trait Backend: Send + Sync + 'static {
    /// Backend name, schema version and a row count: proves the database answers.
    async fn status(&self) -> Result<ServerStatus, BackendError>;

    /// The units directly below `parent`, ordered by code.
    async fn child_units(&self, parent: &UnitCode) -> Result<Vec<UnitView>, BackendError>;

    // Accounts. Callers have already checked that `by` may do this.
    /// Every account, for the administrators' page.
    async fn users(&self) -> Result<Vec<UserView>, BackendError>;
    /// Creates an account (audited as `by`); without a password, issues a one-time one.
    async fn create_user(
        &self,
        by: &RequestViewer,
        input: NewUserInput,
    ) -> Result<IssuedPassword, BackendError>;
    /// Replaces account `id`'s display name, role, scopes and disabled flag.
    async fn update_user(
        &self,
        by: &RequestViewer,
        id: &str,
        change: UserChangeInput,
    ) -> Result<UserView, BackendError>;
    /// Gives account `id` a new one-time password, returned once.
    async fn reset_password(
        &self,
        by: &RequestViewer,
        id: &str,
    ) -> Result<IssuedPassword, BackendError>;
    /// Lets account `id` sign in again at once: failed sign-ins before now stop counting
    /// (audited as `login.unlock`).
    async fn unlock_sign_in(&self, by: &RequestViewer, id: &str) -> Result<UserView, BackendError>;
    /// Failed sign-ins with `by`'s username over the last day, unlocked or not.
    async fn my_failed_sign_ins(
        &self,
        by: &RequestViewer,
    ) -> Result<FailedSignInsView, BackendError>;
    /// `by`'s second factor: enrolled or not, required by its role, recovery codes left.
    async fn second_factor(&self, by: &RequestViewer) -> Result<SecondFactorView, BackendError>;
    /// Begins (or begins again) enrolling an authenticator: a new secret and its QR code.
    async fn start_second_factor(
        &self,
        by: &RequestViewer,
    ) -> Result<SecondFactorEnrolment, BackendError>;
    /// Confirms enrolment with the authenticator's first code; answers the recovery codes,
    /// shown this once. A wrong code is a field issue on `code`.
    async fn confirm_second_factor(
        &self,
        by: &RequestViewer,
        code: &str,
    ) -> Result<Vec<String>, BackendError>;
    /// New recovery codes (the old ones stop working), against a current code.
    async fn renew_recovery_codes(
        &self,
        by: &RequestViewer,
        code: &str,
    ) -> Result<Vec<String>, BackendError>;
    /// Turns `by`'s second factor off, against a current code (refused when its role needs one).
    async fn disable_second_factor(
        &self,
        by: &RequestViewer,
        code: &str,
    ) -> Result<(), BackendError>;
    /// An administrator removes account `id`'s authenticator (a lost phone) so that it can
    /// enrol again; never their own (audited as `second_factor.reset`).
    async fn reset_second_factor(
        &self,
        by: &RequestViewer,
        id: &str,
    ) -> Result<UserView, BackendError>;
    /// The signed-in account changes its own password (the current one is checked).
    async fn change_password(
        &self,
        by: &RequestViewer,
        current: &str,
        new: &str,
    ) -> Result<(), BackendError>;
    /// Audit entries matching `query`, newest first (a page of at most 200); a badly
    /// written date comes back as a field issue.
    async fn audit(&self, query: &AuditQuery) -> Result<Vec<AuditView>, BackendError>;
    /// The API tokens of the account `by`.
    async fn tokens(&self, by: &RequestViewer) -> Result<Vec<TokenView>, BackendError>;
    /// Creates an API token named `name` for `by`; the secret is in the answer only.
    async fn create_token(
        &self,
        by: &RequestViewer,
        input: &TokenInput,
    ) -> Result<NewToken, BackendError>;
    /// Revokes `by`'s token `id`; another account's token is not found.
    async fn revoke_token(&self, by: &RequestViewer, id: &str) -> Result<(), BackendError>;
}

/// What the server puts into the Leptos context.
pub type SharedBackend = Arc<dyn Backend>;

/// The read side of the officials' pages: figures from the live indicator engine joined with
/// household records. Implementations check the viewer's scope themselves (the unit or the
/// household is only known once read) and answer [`BackendError::Forbidden`] outside it.
/// Charts come back as data; the server function draws them.
#[async_trait::async_trait]
pub trait Views: Send + Sync + 'static {
    /// A dashboard for `unit` (the viewer's home unit when `None`).
    async fn dashboard(
        &self,
        by: &RequestViewer,
        unit: Option<&str>,
        query: &DashQuery,
    ) -> Result<DashboardView, BackendError>;
    /// Household `id`'s page, personal data masked outside the viewer's scope.
    async fn household(
        &self,
        by: &RequestViewer,
        id: &str,
    ) -> Result<HouseholdPageView, BackendError>;
    /// The at-risk list of a unit and wave under the query's rules, one page of it.
    async fn at_risk(
        &self,
        by: &RequestViewer,
        query: &RiskQuery,
    ) -> Result<RiskPageView, BackendError>;
    /// Submitted surveys the viewer may review, and surveys sent back, in one wave.
    async fn review_queue(
        &self,
        by: &RequestViewer,
        wave: Option<i32>,
    ) -> Result<ReviewQueueView, BackendError>;
    /// Approves or rejects a survey (the same rules as `POST /api/v1/surveys/{id}/review`);
    /// refusals come back as field issues.
    async fn review(
        &self,
        by: &RequestViewer,
        input: &ReviewInput,
    ) -> Result<ReviewDone, BackendError>;
}

/// What the server puts into the Leptos context for [`Views`].
pub type SharedViews = Arc<dyn Views>;

/// Field work: the enumerator's list, the survey form and its saves, registering households.
/// Scope and role are checked inside; refusals of input come back as field issues
/// (`BackendError::Invalid`), a stale version as an issue on `version` (rule `stale`).
#[async_trait::async_trait]
pub trait FieldWork: Send + Sync + 'static {
    /// The households of the villages `by` enters surveys for, with their status in the wave
    /// (the latest when `None`).
    async fn field_home(
        &self,
        by: &RequestViewer,
        wave: Option<i32>,
    ) -> Result<crate::model::FieldHomeView, BackendError>;
    /// The survey form of `household` for the wave (the latest when `None`): stored answers,
    /// the previous wave's answers and whether the viewer may edit.
    async fn survey_form(
        &self,
        by: &RequestViewer,
        household: &str,
        wave: Option<i32>,
    ) -> Result<crate::model::SurveyFormView, BackendError>;
    /// Saves a draft or submits, checking the answers, the version and the warnings'
    /// confirmation; a retry with the same `client_id` is answered as replayed.
    async fn save_survey(
        &self,
        by: &RequestViewer,
        input: &crate::model::SurveySaveInput,
    ) -> Result<crate::model::SurveySaved, BackendError>;
    /// The villages `by` may register households in.
    async fn register_form(
        &self,
        by: &RequestViewer,
    ) -> Result<crate::model::RegisterFormView, BackendError>;
    /// Registers a household under the client's `id` (a new one when `None`), or refuses a head already registered
    /// (pointing to that household); the same `id` and head sent again is a replay.
    async fn register(
        &self,
        by: &RequestViewer,
        id: Option<&str>,
        input: &domain::validate::HouseholdInput,
    ) -> Result<crate::model::Registered, BackendError>;
    /// Corrects a household's registration data (a reason, the version it started from);
    /// a stale version comes back as an issue on `version` with rule `stale`.
    async fn correct_household(
        &self,
        by: &RequestViewer,
        input: &crate::model::HouseholdCorrectionInput,
    ) -> Result<crate::model::Corrected, BackendError>;
}

/// What the server puts into the Leptos context for [`FieldWork`].
pub type SharedFieldWork = Arc<dyn FieldWork>;

/// Setting a programme up: administrative units, waves and poverty lines (administrators).
/// File imports go through the JSON API; these are the pages' reads and single changes.
#[async_trait::async_trait]
pub trait Setup: Send + Sync + 'static {
    /// A level of the unit tree, or the units matching a search.
    async fn units_page(
        &self,
        by: &RequestViewer,
        query: &crate::model::UnitsQuery,
    ) -> Result<crate::model::UnitsPageView, BackendError>;
    /// Corrects a unit's names, dates or successor (audited with before and after).
    async fn update_unit(
        &self,
        by: &RequestViewer,
        input: &crate::model::UnitEditInput,
    ) -> Result<crate::model::UnitRecordView, BackendError>;
    /// Waves, poverty lines and the number of targets.
    async fn programme(
        &self,
        by: &RequestViewer,
    ) -> Result<crate::model::ProgrammeView, BackendError>;
    /// Opens a wave, or reopens a closed one (audited).
    async fn open_wave(
        &self,
        by: &RequestViewer,
        input: &crate::model::WaveInput,
    ) -> Result<crate::model::ProgrammeView, BackendError>;
    /// Closes a wave: no new saves or reviews in it.
    async fn close_wave(
        &self,
        by: &RequestViewer,
        year: i32,
    ) -> Result<crate::model::ProgrammeView, BackendError>;
    /// Sets the poverty line of a scheme and year.
    async fn set_line(
        &self,
        by: &RequestViewer,
        input: &crate::model::LineInput,
    ) -> Result<crate::model::ProgrammeView, BackendError>;
}

/// What the server puts into the Leptos context for [`Setup`].
pub type SharedSetup = Arc<dyn Setup>;

/// The running server as the administrators' status page shows it. Callers have checked
/// that the viewer administers.
#[async_trait::async_trait]
pub trait Operations: Send + Sync + 'static {
    /// The figures `/metrics` exports, read now.
    async fn operations(&self) -> Result<crate::model::OperationsView, BackendError>;
}

/// What the server puts into the Leptos context for [`Operations`].
pub type SharedOperations = Arc<dyn Operations>;

/// The personal data Tanhui holds and their erasure (administrators; checked inside).
#[async_trait::async_trait]
pub trait Privacy: Send + Sync + 'static {
    /// The data inventory and the households due for erasure.
    async fn privacy(&self, by: &RequestViewer) -> Result<crate::model::PrivacyView, BackendError>;
    /// Erases the personal data of the households asked for, each of which must be due
    /// (audited one by one as `household.erase`); refusals come back as field issues.
    async fn erase(
        &self,
        by: &RequestViewer,
        input: &crate::model::ErasureInput,
    ) -> Result<crate::model::ErasureDone, BackendError>;
}

/// What the server puts into the Leptos context for [`Privacy`].
pub type SharedPrivacy = Arc<dyn Privacy>;

//! `#[server]` functions: thin wrappers that establish who is asking, check it with
//! `domain::access`, call the backend once and turn its error into a message a user can read.
//! Their URLs are fixed (`/sfn/<name>`) so that tests and proxies can name them.
//!
//! Unauthenticated calls answer 401, calls outside the account's role or scope 403, both with
//! no data. Functions that take user input return `Outcome<T>`: either the value or the field
//! issues to show next to the form's fields.

use leptos::prelude::*;

use crate::error::AppError;

use crate::model::{
    AuditView, DashQuery, DashboardView, FailedSignInsView, FieldIssue, HouseholdPageView,
    IssuedPassword, NewToken, NewUserInput, ReviewDone, ReviewInput, ReviewQueueView, RiskPageView,
    RiskQuery, SecondFactorEnrolment, SecondFactorView, ServerStatus, TokenView, UnitView,
    UserChangeInput, UserView, ViewerView,
};
use crate::model::{
    FieldHomeView, RegisterFormView, Registered, SurveyFormView, SurveySaveInput, SurveySaved,
};

/// A user's input either went through, or comes back with the issues to show on the form.
pub type Outcome<T> = Result<T, Vec<FieldIssue>>;

#[cfg(feature = "ssr")]
mod guard {
    use crate::backend::{BackendError, RequestViewer, SharedBackend};
    use crate::error::AppError;

    /// The error, with its HTTP status set on the response.
    pub fn fail(error: AppError) -> AppError {
        if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            let status = http::StatusCode::from_u16(error.status())
                .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
            response.set_status(status);
        }
        error
    }

    fn context<T: Clone + Send + Sync + 'static>() -> Result<T, AppError> {
        leptos::prelude::use_context::<T>().ok_or_else(|| fail(AppError::Unavailable))
    }

    pub fn field() -> Result<crate::backend::SharedFieldWork, AppError> {
        context()
    }

    pub fn views() -> Result<crate::backend::SharedViews, AppError> {
        context()
    }

    pub fn backend() -> Result<SharedBackend, AppError> {
        context()
    }

    pub fn setup() -> Result<crate::backend::SharedSetup, AppError> {
        context()
    }

    pub fn operations() -> Result<crate::backend::SharedOperations, AppError> {
        context()
    }

    pub fn privacy() -> Result<crate::backend::SharedPrivacy, AppError> {
        context()
    }

    /// Who is asking (anonymous when the middleware found no session or token).
    pub fn viewer() -> RequestViewer {
        leptos::prelude::use_context::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<RequestViewer>().cloned())
            .unwrap_or_default()
    }

    /// The signed-in account, or a 401; a 403 while its one-time password is unchanged.
    pub fn signed_in() -> Result<(RequestViewer, domain::Actor), AppError> {
        let (viewer, actor) = signed_in_with_one_time_password()?;
        if viewer.must_change_password {
            return Err(fail(AppError::PasswordChangeRequired));
        }
        if viewer.must_enrol_second_factor {
            return Err(fail(AppError::SecondFactorRequired));
        }
        Ok((viewer, actor))
    }

    /// The signed-in account, even one that still has to replace its one-time password.
    pub fn signed_in_with_one_time_password() -> Result<(RequestViewer, domain::Actor), AppError> {
        let viewer = viewer();
        match viewer.actor.clone() {
            Some(actor) => Ok((viewer, actor)),
            None => Err(fail(AppError::Unauthenticated)),
        }
    }

    /// Succeeds when `allowed`, else a 403 with no data.
    pub fn allow(allowed: bool) -> Result<(), AppError> {
        match allowed {
            true => Ok(()),
            false => Err(fail(AppError::Forbidden)),
        }
    }

    /// Maps a backend failure: field issues go back to the form, the rest become errors.
    pub fn outcome<T>(result: Result<T, BackendError>) -> Result<super::Outcome<T>, AppError> {
        match result {
            Ok(value) => Ok(Ok(value)),
            Err(BackendError::Invalid(issues)) => Ok(Err(issues)),
            Err(other) => Err(fail(error(other))),
        }
    }

    /// Maps a backend failure where no form shows field issues: they become the error.
    pub fn plain<T>(result: Result<T, BackendError>) -> Result<T, AppError> {
        result.map_err(|err| fail(error(err)))
    }

    fn error(err: BackendError) -> AppError {
        match err {
            BackendError::Invalid(issues) => AppError::Invalid(issues),
            BackendError::NotFound => AppError::NotFound,
            BackendError::Forbidden => AppError::Forbidden,
            BackendError::Storage(_) => AppError::Unavailable,
        }
    }
}

/// Status of the server and its database (any signed-in account).
#[server(prefix = "/sfn", endpoint = "check_server")]
pub async fn check_server() -> Result<ServerStatus, AppError> {
    guard::signed_in()?;
    guard::plain(guard::backend()?.status().await)
}

/// How the running server is doing: engine, change feed, surveys, pool, sign-ins, backups
/// (administrators; the same figures as `/metrics`).
#[server(prefix = "/sfn", endpoint = "server_operations")]
pub async fn server_operations() -> Result<crate::model::OperationsView, AppError> {
    let (_, actor) = guard::signed_in()?;
    guard::allow(actor.may_administer())?;
    guard::plain(guard::operations()?.operations().await)
}

/// The personal data Tanhui holds and the households due for erasure (administrators).
#[server(prefix = "/sfn", endpoint = "privacy")]
pub async fn privacy() -> Result<crate::model::PrivacyView, AppError> {
    let (viewer, actor) = guard::signed_in()?;
    guard::allow(actor.may_administer())?;
    guard::plain(guard::privacy()?.privacy(&viewer).await)
}

/// Erases the personal data of households past the retention period (administrators;
/// audited per household).
#[server(prefix = "/sfn", endpoint = "erase_households")]
pub async fn erase_households(
    /// The households, or every household due.
    input: crate::model::ErasureInput,
) -> Result<Outcome<crate::model::ErasureDone>, AppError> {
    let (viewer, actor) = guard::signed_in()?;
    guard::allow(actor.may_administer())?;
    guard::outcome(guard::privacy()?.erase(&viewer, &input).await)
}

/// The signed-in account, or `None` for an anonymous reader.
#[server(prefix = "/sfn", endpoint = "whoami")]
pub async fn whoami() -> Result<Option<ViewerView>, AppError> {
    let viewer = guard::viewer();
    Ok(viewer.actor.map(|actor| ViewerView {
        username: actor.username,
        display_name: actor.display_name,
        role: actor.role,
        scopes: actor.scopes.iter().map(|u| u.as_str().to_owned()).collect(),
        must_change_password: viewer.must_change_password,
        must_enrol_second_factor: viewer.must_enrol_second_factor,
    }))
}

/// Units directly below `parent` (a 6-, 9- or 12-digit code) inside the caller's scope.
#[server(prefix = "/sfn", endpoint = "child_units")]
pub async fn child_units(
    /// The code of the unit whose children are listed.
    parent: String,
) -> Result<Vec<UnitView>, AppError> {
    use domain::Localized;
    let (_, actor) = guard::signed_in()?;
    let parent = domain::UnitCode::parse(&parent)
        .map_err(|err| guard::fail(AppError::invalid("parent", "unit_code", err.zh(), err.en())))?;
    guard::allow(actor.may_read(&parent))?;
    guard::plain(guard::backend()?.child_units(&parent).await)
}

/// Where the caller's dashboard starts: the counties for prefecture-wide accounts, otherwise
/// the units of its own scope.
#[server(prefix = "/sfn", endpoint = "home_units")]
pub async fn home_units() -> Result<Vec<UnitView>, AppError> {
    let (_, actor) = guard::signed_in()?;
    let backend = guard::backend()?;
    let prefecture = domain::UnitCode::prefecture();
    if actor.covers(&prefecture) {
        return guard::plain(backend.child_units(&prefecture).await);
    }
    let mut units = Vec::new();
    for scope in &actor.scopes {
        let Some(parent) = scope.parent() else {
            continue;
        };
        let siblings = guard::plain(backend.child_units(&parent).await)?;
        units.extend(siblings.into_iter().filter(|u| u.code == scope.as_str()));
    }
    Ok(units)
}

/// Every account (administrators).
#[server(prefix = "/sfn", endpoint = "admin_users")]
pub async fn admin_users() -> Result<Vec<UserView>, AppError> {
    let (_, actor) = guard::signed_in()?;
    guard::allow(actor.may_administer())?;
    guard::plain(guard::backend()?.users().await)
}

/// Creates an account (administrators); without a password in `input` the server issues a
/// one-time password, returned once.
#[server(prefix = "/sfn", endpoint = "admin_create_user")]
pub async fn admin_create_user(
    /// The new account as typed into the form.
    input: NewUserInput,
) -> Result<Outcome<IssuedPassword>, AppError> {
    let (viewer, actor) = guard::signed_in()?;
    guard::allow(actor.may_administer())?;
    guard::outcome(guard::backend()?.create_user(&viewer, input).await)
}

/// Changes an account's display name, role, scopes or disabled flag (administrators).
#[server(prefix = "/sfn", endpoint = "admin_update_user")]
pub async fn admin_update_user(
    /// The account's id ([`UserView::id`](crate::model::UserView)).
    id: String,
    /// The account's new settings, all fields replaced.
    change: UserChangeInput,
) -> Result<Outcome<UserView>, AppError> {
    let (viewer, actor) = guard::signed_in()?;
    guard::allow(actor.may_administer())?;
    guard::outcome(guard::backend()?.update_user(&viewer, &id, change).await)
}

/// Gives an account a new one-time password, returned once (administrators).
#[server(prefix = "/sfn", endpoint = "admin_reset_password")]
pub async fn admin_reset_password(
    /// The account's id.
    id: String,
) -> Result<Outcome<IssuedPassword>, AppError> {
    let (viewer, actor) = guard::signed_in()?;
    guard::allow(actor.may_administer())?;
    guard::outcome(guard::backend()?.reset_password(&viewer, &id).await)
}

/// Lets an account sign in again at once after failed sign-ins (administrators; audited).
#[server(prefix = "/sfn", endpoint = "admin_unlock_sign_in")]
pub async fn admin_unlock_sign_in(
    /// The account's id.
    id: String,
) -> Result<UserView, AppError> {
    let (viewer, actor) = guard::signed_in()?;
    guard::allow(actor.may_administer())?;
    guard::plain(guard::backend()?.unlock_sign_in(&viewer, &id).await)
}

/// Failed sign-ins with the caller's own username over the last day.
#[server(prefix = "/sfn", endpoint = "my_failed_sign_ins")]
pub async fn my_failed_sign_ins() -> Result<FailedSignInsView, AppError> {
    // Shown on the account page, which also asks a one-time password's holder for a new one.
    let (viewer, _) = guard::signed_in_with_one_time_password()?;
    guard::plain(guard::backend()?.my_failed_sign_ins(&viewer).await)
}

/// Audit entries, newest first. The filters are separate optional arguments (not one struct)
/// so that "no filter" encodes as an empty request.
#[server(prefix = "/sfn", endpoint = "audit_log")]
pub async fn audit_log(
    /// An action (`survey.approve`), or a prefix ending in `.` (`survey.`) for a family.
    action: Option<String>,
    /// The username of the account that acted.
    actor: Option<String>,
    /// The target as recorded (a username, a survey or household id…), matched exactly.
    target: Option<String>,
    /// The first day, `YYYY-MM-DD` in China time.
    from: Option<String>,
    /// The last day (inclusive), `YYYY-MM-DD` in China time.
    to: Option<String>,
    /// Only entries older than this sequence number: the next page of a long list.
    before: Option<i64>,
) -> Result<Outcome<Vec<AuditView>>, AppError> {
    let (_, viewer) = guard::signed_in()?;
    guard::allow(viewer.may_administer())?;
    let query = crate::model::AuditQuery {
        action,
        actor,
        target,
        from,
        to,
        before,
    };
    guard::outcome(guard::backend()?.audit(&query).await)
}

/// The caller's two-step verification (also while it must still enrol one).
#[server(prefix = "/sfn", endpoint = "my_second_factor")]
pub async fn my_second_factor() -> Result<SecondFactorView, AppError> {
    let (viewer, _) = guard::signed_in_with_one_time_password()?;
    guard::plain(guard::backend()?.second_factor(&viewer).await)
}

/// Begins enrolling an authenticator: a new secret and its QR code (an unconfirmed earlier
/// one is replaced).
#[server(prefix = "/sfn", endpoint = "start_second_factor")]
pub async fn start_second_factor() -> Result<Outcome<SecondFactorEnrolment>, AppError> {
    let (viewer, _) = guard::signed_in_with_one_time_password()?;
    guard::outcome(guard::backend()?.start_second_factor(&viewer).await)
}

/// Confirms enrolment with the authenticator's current code; answers the recovery codes,
/// shown this once.
#[server(prefix = "/sfn", endpoint = "confirm_second_factor")]
pub async fn confirm_second_factor(
    /// The six digits the authenticator app shows now.
    code: String,
) -> Result<Outcome<Vec<String>>, AppError> {
    let (viewer, _) = guard::signed_in_with_one_time_password()?;
    guard::outcome(
        guard::backend()?
            .confirm_second_factor(&viewer, &code)
            .await,
    )
}

/// New recovery codes against a current code; the old ones stop working.
#[server(prefix = "/sfn", endpoint = "renew_recovery_codes")]
pub async fn renew_recovery_codes(
    /// The six digits the authenticator app shows now.
    code: String,
) -> Result<Outcome<Vec<String>>, AppError> {
    let (viewer, _) = guard::signed_in()?;
    guard::outcome(guard::backend()?.renew_recovery_codes(&viewer, &code).await)
}

/// Turns the caller's two-step verification off against a current code (not for roles that
/// must use it).
#[server(prefix = "/sfn", endpoint = "disable_second_factor")]
pub async fn disable_second_factor(
    /// The six digits the authenticator app shows now.
    code: String,
) -> Result<Outcome<()>, AppError> {
    let (viewer, _) = guard::signed_in()?;
    guard::outcome(
        guard::backend()?
            .disable_second_factor(&viewer, &code)
            .await,
    )
}

/// Removes another account's authenticator after a lost phone (administrators; audited).
#[server(prefix = "/sfn", endpoint = "admin_reset_second_factor")]
pub async fn admin_reset_second_factor(
    /// The account's id.
    id: String,
) -> Result<Outcome<UserView>, AppError> {
    let (viewer, actor) = guard::signed_in()?;
    guard::allow(actor.may_administer())?;
    guard::outcome(guard::backend()?.reset_second_factor(&viewer, &id).await)
}

/// The signed-in account changes its own password.
#[server(prefix = "/sfn", endpoint = "change_password")]
pub async fn change_password(
    /// The password in use now (or the one-time password).
    current: String,
    /// The new password: it must pass the password rules and differ from `current`.
    new: String,
) -> Result<Outcome<()>, AppError> {
    let (viewer, _) = guard::signed_in_with_one_time_password()?;
    guard::outcome(
        guard::backend()?
            .change_password(&viewer, &current, &new)
            .await,
    )
}

/// The caller's API tokens, revoked ones included (researchers and administrators).
#[server(prefix = "/sfn", endpoint = "my_tokens")]
pub async fn my_tokens() -> Result<Vec<TokenView>, AppError> {
    let (viewer, actor) = guard::signed_in()?;
    guard::allow(actor.may_hold_tokens())?;
    guard::plain(guard::backend()?.tokens(&viewer).await)
}

/// Creates an API token for scripted exports; its secret is in the answer and nowhere else
/// (researchers and administrators).
#[server(prefix = "/sfn", endpoint = "create_token")]
pub async fn create_token(
    /// A label for the token, 1–64 characters (what it is for).
    name: String,
    /// `read` (GET requests only, the default) or `write`.
    scope: Option<String>,
    /// Days until it expires, 1–365 (default 90).
    days: Option<String>,
) -> Result<Outcome<NewToken>, AppError> {
    let (viewer, actor) = guard::signed_in()?;
    guard::allow(actor.may_hold_tokens())?;
    let input = crate::model::TokenInput {
        name,
        scope: scope.unwrap_or_default(),
        days: days.unwrap_or_default(),
    };
    guard::outcome(guard::backend()?.create_token(&viewer, &input).await)
}

/// Revokes one of the caller's API tokens (researchers and administrators).
#[server(prefix = "/sfn", endpoint = "revoke_token")]
pub async fn revoke_token(
    /// The token's id ([`TokenView::id`](crate::model::TokenView)).
    id: String,
) -> Result<(), AppError> {
    let (viewer, actor) = guard::signed_in()?;
    guard::allow(actor.may_hold_tokens())?;
    guard::plain(guard::backend()?.revoke_token(&viewer, &id).await)
}

/// A dashboard (overview or unit page) with its charts drawn, in the reader's language.
#[server(prefix = "/sfn", endpoint = "dashboard")]
pub async fn dashboard(
    /// The unit's code, or `None` for the caller's home unit (the overview).
    unit: Option<String>,
    // Optional: with no filter set, the form encoding sends nothing for it at all.
    /// The wave and household filters; `None` for none.
    query: Option<DashQuery>,
    /// The language the charts' SVG and text alternatives are drawn in.
    lang: domain::Lang,
) -> Result<DashboardView, AppError> {
    let (viewer, _) = guard::signed_in()?;
    let query = query.unwrap_or_default();
    let mut view = guard::plain(
        guard::views()?
            .dashboard(&viewer, unit.as_deref(), &query)
            .await,
    )?;
    for chart in &mut view.charts {
        draw(chart, lang);
    }
    Ok(view)
}

#[cfg(feature = "ssr")]
fn draw(chart: &mut crate::model::ChartView, lang: domain::Lang) {
    chart.svg = crate::charts::svg(&chart.data, lang);
    chart.alt = chart.data.alt(lang);
}

/// One household's page (officials, supervisors and enumerators within scope).
#[server(prefix = "/sfn", endpoint = "household_page")]
pub async fn household_page(
    /// The household's id.
    id: String,
) -> Result<HouseholdPageView, AppError> {
    let (viewer, _) = guard::signed_in()?;
    guard::plain(guard::views()?.household(&viewer, &id).await)
}

/// The at-risk list (防返贫监测).
#[server(prefix = "/sfn", endpoint = "at_risk")]
pub async fn at_risk(
    /// Unit, wave and rule settings; `None` for the defaults.
    query: Option<RiskQuery>,
) -> Result<RiskPageView, AppError> {
    let (viewer, _) = guard::signed_in()?;
    let query = query.unwrap_or_default();
    guard::plain(guard::views()?.at_risk(&viewer, &query).await)
}

/// The review page's lists (supervisors and administrators review; enumerators see what was
/// sent back to them).
#[server(prefix = "/sfn", endpoint = "review_queue")]
pub async fn review_queue(
    /// The wave year; `None` for the latest.
    wave: Option<i32>,
) -> Result<ReviewQueueView, AppError> {
    let (viewer, actor) = guard::signed_in()?;
    guard::allow(matches!(
        actor.role,
        domain::Role::Admin | domain::Role::Supervisor | domain::Role::Enumerator
    ))?;
    guard::plain(guard::views()?.review_queue(&viewer, wave).await)
}

/// Approve or reject one survey; a refusal (four eyes, a missing comment, a stale version)
/// comes back as field issues to show next to the row.
#[server(prefix = "/sfn", endpoint = "review_survey")]
pub async fn review_survey(
    /// The survey, the version the reviewer saw, the decision and its comment.
    input: ReviewInput,
) -> Result<Outcome<ReviewDone>, AppError> {
    let (viewer, _) = guard::signed_in()?;
    guard::outcome(guard::views()?.review(&viewer, &input).await)
}

/// The enumerator's home: its villages' households and their surveys for a wave.
#[server(prefix = "/sfn", endpoint = "field_home")]
pub async fn field_home(
    /// The wave year; `None` for the latest.
    wave: Option<i32>,
) -> Result<FieldHomeView, AppError> {
    let (viewer, _) = guard::signed_in()?;
    guard::plain(guard::field()?.field_home(&viewer, wave).await)
}

/// What the survey form of one household and wave starts from.
#[server(prefix = "/sfn", endpoint = "survey_form")]
pub async fn survey_form(
    /// The household's id.
    household: String,
    /// The wave year; `None` for the latest.
    wave: Option<i32>,
) -> Result<SurveyFormView, AppError> {
    let (viewer, _) = guard::signed_in()?;
    guard::plain(guard::field()?.survey_form(&viewer, &household, wave).await)
}

/// Saves the survey form (draft or submit). Sent as JSON: the answers nest rows in lists.
#[server(prefix = "/sfn", endpoint = "save_survey", input = leptos::server_fn::codec::Json)]
pub async fn save_survey(
    /// The answers with their household, wave, version and whether to submit.
    input: SurveySaveInput,
) -> Result<Outcome<SurveySaved>, AppError> {
    let (viewer, _) = guard::signed_in()?;
    guard::outcome(guard::field()?.save_survey(&viewer, &input).await)
}

/// The villages the account may register households in.
#[server(prefix = "/sfn", endpoint = "register_form")]
pub async fn register_form() -> Result<RegisterFormView, AppError> {
    let (viewer, _) = guard::signed_in()?;
    guard::plain(guard::field()?.register_form(&viewer).await)
}

/// Registers a household; a duplicate ID-card number points to the existing household.
#[server(prefix = "/sfn", endpoint = "register_household")]
pub async fn register_household(
    /// The household's id, generated by the form (a retry sends the same one); a new one
    /// when absent.
    #[server(default)]
    id: Option<String>,
    /// The household as typed into the registration form.
    input: domain::validate::HouseholdInput,
) -> Result<Outcome<Registered>, AppError> {
    let (viewer, _) = guard::signed_in()?;
    guard::outcome(
        guard::field()?
            .register(&viewer, id.as_deref(), &input)
            .await,
    )
}

/// A level of the unit tree (the children of `parent`, the prefecture's by default) or the
/// units matching `q` (administrators).
#[server(prefix = "/sfn", endpoint = "admin_units")]
pub async fn admin_units(
    /// The unit whose children are listed.
    parent: Option<String>,
    /// A code prefix or part of a name.
    q: Option<String>,
) -> Result<crate::model::UnitsPageView, AppError> {
    let (viewer, actor) = guard::signed_in()?;
    guard::allow(actor.may_administer())?;
    let query = crate::model::UnitsQuery { parent, q };
    guard::plain(guard::setup()?.units_page(&viewer, &query).await)
}

/// Corrects one unit's names, dates or successor (administrators).
#[server(prefix = "/sfn", endpoint = "admin_update_unit")]
pub async fn admin_update_unit(
    /// The unit as corrected in the form.
    input: crate::model::UnitEditInput,
) -> Result<Outcome<crate::model::UnitRecordView>, AppError> {
    let (viewer, actor) = guard::signed_in()?;
    guard::allow(actor.may_administer())?;
    guard::outcome(guard::setup()?.update_unit(&viewer, &input).await)
}

/// Waves, poverty lines and targets (administrators).
#[server(prefix = "/sfn", endpoint = "admin_programme")]
pub async fn admin_programme() -> Result<crate::model::ProgrammeView, AppError> {
    let (viewer, actor) = guard::signed_in()?;
    guard::allow(actor.may_administer())?;
    guard::plain(guard::setup()?.programme(&viewer).await)
}

/// Opens a wave, reopens a closed one or changes its period (administrators).
#[server(prefix = "/sfn", endpoint = "admin_open_wave")]
pub async fn admin_open_wave(
    /// The wave as typed into the form.
    input: crate::model::WaveInput,
) -> Result<Outcome<crate::model::ProgrammeView>, AppError> {
    let (viewer, actor) = guard::signed_in()?;
    guard::allow(actor.may_administer())?;
    guard::outcome(guard::setup()?.open_wave(&viewer, &input).await)
}

/// Closes a wave: no more saves or reviews in it (administrators).
#[server(prefix = "/sfn", endpoint = "admin_close_wave")]
pub async fn admin_close_wave(
    /// The wave's year.
    year: i32,
) -> Result<Outcome<crate::model::ProgrammeView>, AppError> {
    let (viewer, actor) = guard::signed_in()?;
    guard::allow(actor.may_administer())?;
    guard::outcome(guard::setup()?.close_wave(&viewer, year).await)
}

/// Sets a poverty line (administrators).
#[server(prefix = "/sfn", endpoint = "admin_set_line")]
pub async fn admin_set_line(
    /// The line as typed into the form.
    input: crate::model::LineInput,
) -> Result<Outcome<crate::model::ProgrammeView>, AppError> {
    let (viewer, actor) = guard::signed_in()?;
    guard::allow(actor.may_administer())?;
    guard::outcome(guard::setup()?.set_line(&viewer, &input).await)
}

/// Corrects a household's registration data (its village's enumerators and supervisors,
/// administrators): a reason and the version the form was loaded with are required.
#[server(prefix = "/sfn", endpoint = "correct_household")]
pub async fn correct_household(
    /// The correction as typed into the form.
    input: crate::model::HouseholdCorrectionInput,
) -> Result<Outcome<crate::model::Corrected>, AppError> {
    let (viewer, _) = guard::signed_in()?;
    guard::outcome(guard::field()?.correct_household(&viewer, &input).await)
}

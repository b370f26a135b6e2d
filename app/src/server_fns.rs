//! `#[server]` functions: thin wrappers that establish who is asking, check it with
//! `domain::access`, call the backend once and turn its error into a message a user can read.
//! Their URLs are fixed (`/sfn/<name>`) so that tests and proxies can name them.
//!
//! Unauthenticated calls answer 401, calls outside the account's role or scope 403, both with
//! no data. Functions that take user input return `Outcome<T>`: either the value or the field
//! issues to show next to the form's fields.

use leptos::prelude::*;

use crate::model::{
    AuditView, DashQuery, DashboardView, FieldIssue, HouseholdPageView, IssuedPassword, NewToken,
    NewUserInput, ReviewDone, ReviewInput, ReviewQueueView, RiskPageView, RiskQuery, ServerStatus,
    TokenView, UnitView, UserChangeInput, UserView, ViewerView,
};
use crate::model::{
    FieldHomeView, RegisterFormView, Registered, SurveyFormView, SurveySaveInput, SurveySaved,
};

/// A user's input either went through, or comes back with the issues to show on the form.
pub type Outcome<T> = Result<T, Vec<FieldIssue>>;

#[cfg(feature = "ssr")]
mod guard {
    use leptos::prelude::*;

    use crate::backend::{BackendError, RequestViewer, SharedBackend};

    pub fn field() -> Result<crate::backend::SharedFieldWork, ServerFnError> {
        use_context::<crate::backend::SharedFieldWork>()
            .ok_or_else(|| ServerFnError::ServerError("服务未就绪 / service not ready".into()))
    }

    pub fn views() -> Result<crate::backend::SharedViews, ServerFnError> {
        use_context::<crate::backend::SharedViews>()
            .ok_or_else(|| ServerFnError::ServerError("服务未就绪 / service not ready".into()))
    }

    pub fn backend() -> Result<SharedBackend, ServerFnError> {
        use_context::<SharedBackend>()
            .ok_or_else(|| ServerFnError::ServerError("服务未就绪 / service not ready".into()))
    }

    fn status(code: http::StatusCode) {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(code);
        }
    }

    /// Who is asking (anonymous when the middleware found no session or token).
    pub fn viewer() -> RequestViewer {
        use_context::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<RequestViewer>().cloned())
            .unwrap_or_default()
    }

    /// The signed-in account, or a 401; a 403 while its one-time password is unchanged.
    pub fn signed_in() -> Result<(RequestViewer, domain::Actor), ServerFnError> {
        let (viewer, actor) = signed_in_with_one_time_password()?;
        if viewer.must_change_password {
            status(http::StatusCode::FORBIDDEN);
            return Err(ServerFnError::ServerError(
                "请先修改一次性密码 / change your one-time password first".into(),
            ));
        }
        Ok((viewer, actor))
    }

    /// The signed-in account, even one that still has to replace its one-time password.
    pub fn signed_in_with_one_time_password(
    ) -> Result<(RequestViewer, domain::Actor), ServerFnError> {
        let viewer = viewer();
        match viewer.actor.clone() {
            Some(actor) => Ok((viewer, actor)),
            None => {
                status(http::StatusCode::UNAUTHORIZED);
                Err(ServerFnError::ServerError(
                    "请先登录 / sign in first".into(),
                ))
            }
        }
    }

    /// A 403 with no data.
    pub fn forbidden() -> ServerFnError {
        status(http::StatusCode::FORBIDDEN);
        ServerFnError::ServerError(
            "您的账号无权访问此数据 / your account may not access this".into(),
        )
    }

    /// Succeeds when `allowed`, else a 403.
    pub fn allow(allowed: bool) -> Result<(), ServerFnError> {
        match allowed {
            true => Ok(()),
            false => Err(forbidden()),
        }
    }

    /// Bad arguments are the caller's mistake: 400, not the default 500.
    pub fn bad_args(message: String) -> ServerFnError {
        status(http::StatusCode::BAD_REQUEST);
        ServerFnError::Args(message)
    }

    /// Maps a backend failure: field issues go back to the form, the rest become errors.
    pub fn outcome<T>(result: Result<T, BackendError>) -> Result<super::Outcome<T>, ServerFnError> {
        match result {
            Ok(value) => Ok(Ok(value)),
            Err(BackendError::Invalid(issues)) => Ok(Err(issues)),
            Err(BackendError::NotFound) => {
                status(http::StatusCode::NOT_FOUND);
                Err(ServerFnError::ServerError("没有找到 / not found".into()))
            }
            Err(BackendError::Forbidden) => Err(forbidden()),
            Err(BackendError::Storage(_)) => Err(unavailable()),
        }
    }

    pub fn unavailable() -> ServerFnError {
        ServerFnError::ServerError(
            "数据库暂时不可用，请稍后重试 / the database is unavailable, try again later".into(),
        )
    }

    pub fn plain<T>(result: Result<T, BackendError>) -> Result<T, ServerFnError> {
        match outcome(result)? {
            Ok(value) => Ok(value),
            Err(issues) => Err(bad_args(
                issues
                    .iter()
                    .map(|i| format!("{} / {}", i.zh, i.en))
                    .collect::<Vec<_>>()
                    .join("; "),
            )),
        }
    }
}

/// Status of the server and its database (any signed-in account).
#[server(prefix = "/sfn", endpoint = "check_server")]
pub async fn check_server() -> Result<ServerStatus, ServerFnError> {
    guard::signed_in()?;
    guard::plain(guard::backend()?.status().await)
}

/// The signed-in account, or `None` for an anonymous reader.
#[server(prefix = "/sfn", endpoint = "whoami")]
pub async fn whoami() -> Result<Option<ViewerView>, ServerFnError> {
    let viewer = guard::viewer();
    Ok(viewer.actor.map(|actor| ViewerView {
        username: actor.username,
        display_name: actor.display_name,
        role: actor.role,
        scopes: actor.scopes.iter().map(|u| u.as_str().to_owned()).collect(),
        must_change_password: viewer.must_change_password,
    }))
}

/// Units directly below `parent` (a 6-, 9- or 12-digit code) inside the caller's scope.
#[server(prefix = "/sfn", endpoint = "child_units")]
pub async fn child_units(parent: String) -> Result<Vec<UnitView>, ServerFnError> {
    use domain::Localized;
    let (_, actor) = guard::signed_in()?;
    let parent = domain::UnitCode::parse(&parent)
        .map_err(|err| guard::bad_args(format!("{} / {}", err.zh(), err.en())))?;
    guard::allow(actor.may_read(&parent))?;
    guard::plain(guard::backend()?.child_units(&parent).await)
}

/// Where the caller's dashboard starts: the counties for prefecture-wide accounts, otherwise
/// the units of its own scope.
#[server(prefix = "/sfn", endpoint = "home_units")]
pub async fn home_units() -> Result<Vec<UnitView>, ServerFnError> {
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
pub async fn admin_users() -> Result<Vec<UserView>, ServerFnError> {
    let (_, actor) = guard::signed_in()?;
    guard::allow(actor.may_administer())?;
    guard::plain(guard::backend()?.users().await)
}

#[server(prefix = "/sfn", endpoint = "admin_create_user")]
pub async fn admin_create_user(
    input: NewUserInput,
) -> Result<Outcome<IssuedPassword>, ServerFnError> {
    let (viewer, actor) = guard::signed_in()?;
    guard::allow(actor.may_administer())?;
    guard::outcome(guard::backend()?.create_user(&viewer, input).await)
}

#[server(prefix = "/sfn", endpoint = "admin_update_user")]
pub async fn admin_update_user(
    id: String,
    change: UserChangeInput,
) -> Result<Outcome<UserView>, ServerFnError> {
    let (viewer, actor) = guard::signed_in()?;
    guard::allow(actor.may_administer())?;
    guard::outcome(guard::backend()?.update_user(&viewer, &id, change).await)
}

#[server(prefix = "/sfn", endpoint = "admin_reset_password")]
pub async fn admin_reset_password(id: String) -> Result<Outcome<IssuedPassword>, ServerFnError> {
    let (viewer, actor) = guard::signed_in()?;
    guard::allow(actor.may_administer())?;
    guard::outcome(guard::backend()?.reset_password(&viewer, &id).await)
}

/// Audit entries, newest first. The filters are separate optional arguments (not one struct)
/// so that "no filter" encodes as an empty request.
#[server(prefix = "/sfn", endpoint = "audit_log")]
pub async fn audit_log(
    action: Option<String>,
    actor: Option<String>,
    target: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before: Option<i64>,
) -> Result<Outcome<Vec<AuditView>>, ServerFnError> {
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

/// The signed-in account changes its own password.
#[server(prefix = "/sfn", endpoint = "change_password")]
pub async fn change_password(current: String, new: String) -> Result<Outcome<()>, ServerFnError> {
    let (viewer, _) = guard::signed_in_with_one_time_password()?;
    guard::outcome(
        guard::backend()?
            .change_password(&viewer, &current, &new)
            .await,
    )
}

#[server(prefix = "/sfn", endpoint = "my_tokens")]
pub async fn my_tokens() -> Result<Vec<TokenView>, ServerFnError> {
    let (viewer, actor) = guard::signed_in()?;
    guard::allow(actor.may_hold_tokens())?;
    guard::plain(guard::backend()?.tokens(&viewer).await)
}

#[server(prefix = "/sfn", endpoint = "create_token")]
pub async fn create_token(name: String) -> Result<Outcome<NewToken>, ServerFnError> {
    let (viewer, actor) = guard::signed_in()?;
    guard::allow(actor.may_hold_tokens())?;
    guard::outcome(guard::backend()?.create_token(&viewer, &name).await)
}

#[server(prefix = "/sfn", endpoint = "revoke_token")]
pub async fn revoke_token(id: String) -> Result<(), ServerFnError> {
    let (viewer, actor) = guard::signed_in()?;
    guard::allow(actor.may_hold_tokens())?;
    guard::plain(guard::backend()?.revoke_token(&viewer, &id).await)
}

/// A dashboard (overview or unit page) with its charts drawn, in the reader's language.
#[server(prefix = "/sfn", endpoint = "dashboard")]
pub async fn dashboard(
    unit: Option<String>,
    // Optional: with no filter set, the form encoding sends nothing for it at all.
    query: Option<DashQuery>,
    lang: domain::Lang,
) -> Result<DashboardView, ServerFnError> {
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
pub async fn household_page(id: String) -> Result<HouseholdPageView, ServerFnError> {
    let (viewer, _) = guard::signed_in()?;
    guard::plain(guard::views()?.household(&viewer, &id).await)
}

/// The at-risk list (防返贫监测).
#[server(prefix = "/sfn", endpoint = "at_risk")]
pub async fn at_risk(query: Option<RiskQuery>) -> Result<RiskPageView, ServerFnError> {
    let (viewer, _) = guard::signed_in()?;
    let query = query.unwrap_or_default();
    guard::plain(guard::views()?.at_risk(&viewer, &query).await)
}

/// The review page's lists (supervisors and administrators review; enumerators see what was
/// sent back to them).
#[server(prefix = "/sfn", endpoint = "review_queue")]
pub async fn review_queue(wave: Option<i32>) -> Result<ReviewQueueView, ServerFnError> {
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
pub async fn review_survey(input: ReviewInput) -> Result<Outcome<ReviewDone>, ServerFnError> {
    let (viewer, _) = guard::signed_in()?;
    guard::outcome(guard::views()?.review(&viewer, &input).await)
}

/// The enumerator's home: its villages' households and their surveys for a wave.
#[server(prefix = "/sfn", endpoint = "field_home")]
pub async fn field_home(wave: Option<i32>) -> Result<FieldHomeView, ServerFnError> {
    let (viewer, _) = guard::signed_in()?;
    guard::plain(guard::field()?.field_home(&viewer, wave).await)
}

/// What the survey form of one household and wave starts from.
#[server(prefix = "/sfn", endpoint = "survey_form")]
pub async fn survey_form(
    household: String,
    wave: Option<i32>,
) -> Result<SurveyFormView, ServerFnError> {
    let (viewer, _) = guard::signed_in()?;
    guard::plain(guard::field()?.survey_form(&viewer, &household, wave).await)
}

/// Saves the survey form (draft or submit). Sent as JSON: the answers nest rows in lists.
#[server(prefix = "/sfn", endpoint = "save_survey", input = leptos::server_fn::codec::Json)]
pub async fn save_survey(input: SurveySaveInput) -> Result<Outcome<SurveySaved>, ServerFnError> {
    let (viewer, _) = guard::signed_in()?;
    guard::outcome(guard::field()?.save_survey(&viewer, &input).await)
}

/// The villages the account may register households in.
#[server(prefix = "/sfn", endpoint = "register_form")]
pub async fn register_form() -> Result<RegisterFormView, ServerFnError> {
    let (viewer, _) = guard::signed_in()?;
    guard::plain(guard::field()?.register_form(&viewer).await)
}

/// Registers a household; a duplicate ID-card number points to the existing household.
#[server(prefix = "/sfn", endpoint = "register_household")]
pub async fn register_household(
    input: domain::validate::HouseholdInput,
) -> Result<Outcome<Registered>, ServerFnError> {
    let (viewer, _) = guard::signed_in()?;
    guard::outcome(guard::field()?.register(&viewer, &input).await)
}

//! One module per page.

pub mod account;
pub mod admin_audit;
pub mod admin_import;
pub mod admin_privacy;
pub mod admin_programme;
pub mod admin_status;
pub mod admin_units;
pub mod admin_users;
pub mod at_risk;
pub mod dashboard;
pub mod exports;
pub mod field;
pub mod home;
pub mod household;
pub mod login;
pub mod not_found;
pub mod review;
pub mod survey;
pub mod sync;

use leptos::prelude::*;

use crate::i18n::{use_lang, Pick};
use domain::risk::RiskReason;
use domain::{Lang, Localized, SurveyStatus};

use crate::error::AppError;
use crate::model::FieldIssue;

/// Field issues of a form, in the reader's language, each tagged with its field.
#[component]
pub fn Issues(
    /// The issues to list, from an [`AppError`]'s `invalid` case or a form's own checks.
    issues: Vec<FieldIssue>,
) -> impl IntoView {
    let lang = use_lang();
    view! {
        <ul class="issues" role="alert" data-testid="form-issues">
            {issues
                .into_iter()
                .map(|issue| {
                    let field = issue.path.clone();
                    view! {
                        <li data-field=field>
                            {move || lang.get().pick(&issue.zh, &issue.en).to_owned()}
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

/// A server function's failure, shown as an alert in the reader's language (several field
/// issues each in that language). `data-error` carries the kind (`forbidden`, `invalid`…).
#[component]
pub fn Failure(
    /// The failure to show.
    #[prop(into)]
    error: AppError,
) -> impl IntoView {
    let lang = use_lang();
    let kind = error.code();
    view! {
        <p class="error" role="alert" data-error=kind>
            {move || error.in_lang(lang.get())}
        </p>
    }
}

/// A survey status as the pages show it; `None` is a household not surveyed yet.
pub fn status_text(status: Option<SurveyStatus>, lang: Lang) -> String {
    match status {
        Some(status) => status.in_lang(lang),
        None => lang.pick("未调查", "not started").to_owned(),
    }
}

/// The badge class of a status: `status status-draft` … `status status-none`.
pub fn status_class(status: Option<SurveyStatus>) -> String {
    format!(
        "status status-{}",
        status.map_or("none", SurveyStatus::code)
    )
}

/// A risk flag, as a badge with its reason's class.
#[component]
pub fn Flag(
    /// The reason shown; its code gives the badge's class (`flag flag-below_line`…).
    reason: RiskReason,
    /// A number shown after the label (households with this reason), if given.
    #[prop(optional)]
    count: Option<usize>,
) -> impl IntoView {
    let lang = use_lang();
    let class = format!("flag flag-{}", reason.code());
    let count = count.map(|n| format!(" {n}"));
    view! { <span class=class>{move || reason.in_lang(lang.get())}{count.clone()}</span> }
}

/// A Unix-milliseconds instant in China time.
pub fn when(ms: i64) -> String {
    domain::date::format_china_time(ms)
}

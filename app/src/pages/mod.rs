//! One module per page.

pub mod account;
pub mod admin_audit;
pub mod admin_import;
pub mod admin_status;
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

use leptos::prelude::*;

use crate::i18n::{use_lang, Pick};
use crate::model::FieldIssue;

/// Field issues of a form, in the reader's language, each tagged with its field.
#[component]
pub fn Issues(issues: Vec<FieldIssue>) -> impl IntoView {
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

/// The readable part of a server function's failure ("中文 / English").
pub fn failure_text(err: &ServerFnError) -> String {
    match err {
        ServerFnError::ServerError(message) | ServerFnError::Args(message) => message.clone(),
        other => other.to_string(),
    }
}

/// A server function's failure, shown as an alert.
#[component]
pub fn Failure(#[prop(into)] message: String) -> impl IntoView {
    // Messages from the server are "中文 / English".
    let lang = use_lang();
    view! {
        <p class="error" role="alert">
            {move || {
                let (zh, en) = message.split_once(" / ").unwrap_or((&message, &message));
                lang.get().pick(zh, en).to_owned()
            }}
        </p>
    }
}

/// A Unix-milliseconds instant in China time.
pub fn when(ms: i64) -> String {
    domain::date::format_china_time(ms)
}

//! The administrators' status page (`/admin/status`): the server asked how it and its
//! database are — backend, schema version, administrative units, version — in one
//! server-function round trip from the hydrated page.

use leptos::prelude::*;

use crate::i18n::{use_lang, Tr};
use crate::server_fns::check_server;

/// `/admin/status`.
#[component]
pub fn AdminStatusPage() -> impl IntoView {
    view! {
        <section class="hero compact">
            <h1><Tr zh="服务器状态" en="Server status" /></h1>
            <p class="muted">
                <Tr
                    zh="向服务器询问它和数据库的状态：数据库类型、架构版本、行政区划数和程序版本。"
                    en="Ask the server how it and its database are: the database, its schema version, the administrative units and the program's version."
                />
            </p>
        </section>
        <ServerCheck />
    }
}

/// A button that asks the server (and so the database) how it is: a full server-function
/// round trip from the hydrated page.
#[component]
fn ServerCheck() -> impl IntoView {
    let lang = use_lang();
    let check = Action::new(|_: &()| check_server());
    let result = move || {
        check.value().get().map(|outcome| match outcome {
            Ok(status) => {
                let backend = match status.backend.as_str() {
                    "postgres" => "PostgreSQL",
                    _ => "SQLite",
                };
                let text = match lang.get() {
                    domain::Lang::Zh => format!(
                        "服务器正常：{backend} 数据库，架构版本 {}，{} 个行政区划，tanhui {}",
                        status.schema_version, status.units, status.version
                    ),
                    domain::Lang::En => format!(
                        "Server OK: {backend} database, schema version {}, {} administrative units, tanhui {}",
                        status.schema_version, status.units, status.version
                    ),
                };
                view! { <p class="ok" data-testid="server-status">{text}</p> }.into_any()
            }
            Err(err) => view! { <p class="error" role="alert" data-testid="server-status">{err.to_string()}</p> }.into_any(),
        })
    };

    view! {
        <section class="server-check">
            <button
                type="button"
                data-testid="check-server"
                disabled=move || check.pending().get()
                on:click=move |_| {
                    check.dispatch(());
                }
            >
                <Tr zh="检查服务器与数据库" en="Check server and database" />
            </button>
            {result}
        </section>
    }
}

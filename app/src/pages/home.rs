//! The home page: the overview dashboard of the viewer's home unit, and a server check that
//! goes to the database and back.

use leptos::prelude::*;

use super::dashboard::Dashboard;
use crate::i18n::{use_lang, Pick, Tr};
use crate::server_fns::check_server;

/// The overview at `/`: what Tanhui is in one line, the dashboard of the viewer's home unit
/// (the prefecture for most: the three counties side by side), and a server check.
#[component]
pub fn OverviewPage() -> impl IntoView {
    let lang = use_lang();
    view! {
        <section class="hero compact">
            <p class="eyebrow" data-testid="home-title">
                {move || {
                    lang.get().pick("森林碳汇扶贫监测评价平台", "Forest-carbon poverty-alleviation monitoring")
                }}
            </p>
        </section>
        <Dashboard unit=Signal::derive(|| None) />
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

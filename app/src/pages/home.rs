//! The home page: what Tanhui is, the three programme counties (read from the database while
//! the page renders) and a server check that goes to the database and back.

use leptos::prelude::*;

use crate::i18n::{use_lang, Pick};
use crate::server_fns::{check_server, home_units};

/// Liangshan Yi Autonomous Prefecture, the root of every unit the programme covers.
pub const PREFECTURE_CODE: &str = "513400";

#[component]
pub fn HomePage() -> impl IntoView {
    let lang = use_lang();
    let counties = Resource::new(|| (), |_| home_units());

    view! {
        <section class="hero">
            <h1 data-testid="home-title">
                {move || {
                    lang.get().pick("森林碳汇扶贫监测评价平台", "Forest-carbon poverty-alleviation monitoring")
                }}
            </h1>
            <p class="lede">
                {move || {
                    lang.get()
                        .pick(
                            "凉山州越西、昭觉、雷波三县“1234”森林碳汇产业扶贫示范工程：农户参与、林地入股、务工、林下经济与养殖收入、造林与贫困状况的逐年监测。",
                            "The \"1234\" forest-carbon poverty-alleviation programme in Yuexi, Zhaojue and Leibo counties of Liangshan: household participation, forest-land equity, employment, understory and livestock income, afforestation and poverty status, wave by wave.",
                        )
                }}
            </p>
        </section>
        <section class="counties" aria-labelledby="counties-heading">
            <h2 id="counties-heading">{move || lang.get().pick("管辖单位", "Units in your scope")}</h2>
            <Suspense fallback=move || {
                view! { <p class="muted">{move || lang.get().pick("加载中…", "Loading…")}</p> }
            }>
                {move || Suspend::new(async move {
                    match counties.await {
                        Ok(units) => {
                            view! {
                                <ul class="unit-cards" data-testid="county-list">
                                    {units
                                        .into_iter()
                                        .map(|unit| {
                                            let name_unit = unit.clone();
                                            view! {
                                                <li class="unit-card">
                                                    <span class="unit-name">
                                                        {move || name_unit.name(lang.get()).to_owned()}
                                                    </span>
                                                    <span class="unit-code">{unit.code.clone()}</span>
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                            }
                                .into_any()
                        }
                        Err(err) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
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
                {move || lang.get().pick("检查服务器与数据库", "Check server and database")}
            </button>
            {result}
        </section>
    }
}

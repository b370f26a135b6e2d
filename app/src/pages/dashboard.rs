//! The officials' dashboard: the overview (the viewer's home unit, at `/`) and the page of any
//! county, township or village (`/unit/{code}`). Filters live in the URL: a GET form that
//! works without JavaScript and, once hydrated, navigates in place (the figures and charts
//! are fetched again; the page is not reloaded). The child-unit table sorts by URL too.

use leptos::prelude::*;
use leptos_router::components::{Form, A};
use leptos_router::hooks::{use_params_map, use_query_map};

use super::{status_class, status_text, Failure, Flag};
use crate::charts::Both;
use crate::format;
use crate::i18n::{use_lang, Pick, Tr};
use crate::model::{
    CardView, ChartView, ChildRow, DashQuery, DashboardView, HouseholdRowView, UnitView,
};
use crate::server_fns::dashboard;
use domain::{Lang, Localized, UnitLevel};

/// The dashboard's filters read from the URL.
pub fn dash_query(q: &leptos_router::params::ParamsMap) -> DashQuery {
    let text = |name: &str| {
        q.get(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    DashQuery {
        wave: text("wave").and_then(|w| w.parse().ok()),
        model: text("model"),
        registration: text("registration"),
        sex: text("sex"),
        ethnicity: text("ethnicity"),
        scheme: text("scheme"),
    }
}

/// `/unit/{code}`.
#[component]
pub fn UnitPage() -> impl IntoView {
    let params = use_params_map();
    view! { <Dashboard unit=Signal::derive(move || params.read().get("code")) /> }
}

/// The link to unit `code`'s page that keeps the current filters (`/unit/{code}?wave=…`).
pub fn unit_href(code: &str, query: &DashQuery) -> String {
    format!("/unit/{code}{}", query.query_string())
}

fn level_name(level: UnitLevel, lang: Lang) -> String {
    level.in_lang(lang)
}

/// The dashboard of `unit`, with its filters read from the URL (see [`dash_query`]): cards,
/// charts, the child-unit table and, for a village, its households.
#[component]
pub fn Dashboard(
    /// The unit's code (from `/unit/{code}`), or `None` for the viewer's home unit (the
    /// overview at `/`).
    unit: Signal<Option<String>>,
) -> impl IntoView {
    let lang = use_lang();
    let query = use_query_map();
    let filters = move || dash_query(&query.read());
    let data = Resource::new(
        move || (unit.get(), filters(), lang.get()),
        |(unit, query, lang)| dashboard(unit, Some(query), lang),
    );
    view! {
        <Suspense fallback=move || view! { <p class="muted"><Tr zh="加载中…" en="Loading…" /></p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(view) => view! { <DashboardBody view /> }.into_any(),
                    Err(err) => view! { <Failure error=err /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn DashboardBody(view: DashboardView) -> impl IntoView {
    let lang = use_lang();
    let unit = view.unit.clone();
    let title_unit = unit.clone();
    let level = unit.level;
    let wave = view.wave;
    let query = view.query.clone();
    let crumbs = view.trail.clone();
    let crumb_query = query.clone();
    let risk_href = format!("/at-risk?unit={}&wave={wave}", unit.code);
    let csv_href = format!(
        "/api/v1/export/indicators?unit={}&wave={wave}&format=csv",
        unit.code
    );
    let unit_code = unit.code.clone();
    let unit_code_small = unit.code.clone();
    let can_see_households = level != UnitLevel::Village || view.households.is_some();
    view! {
        <nav class="crumbs" aria-label="breadcrumb" data-testid="crumbs">
            {crumbs.into_iter().map(|u| {
                let href = unit_href(&u.code, &crumb_query);
                view! { <a href=href>{move || u.name(lang.get()).to_owned()}</a><span aria-hidden="true">" › "</span> }
            }).collect_view()}
            <span aria-current="page">{move || title_unit.name(lang.get()).to_owned()}</span>
        </nav>
        <header class="dash-head">
            <h1 data-testid="unit-title" data-unit=unit_code>
                {move || unit.name(lang.get()).to_owned()}
                <small class="level">{move || level_name(level, lang.get())}" · "{unit_code_small}</small>
            </h1>
            <p class="links no-print">
                {can_see_households.then(|| view! {
                    <a href=risk_href.clone() data-testid="at-risk-link"><Tr zh="防返贫监测名单" en="At-risk households" /></a>
                })}
                <a href=csv_href download><Tr zh="下载指标表 (CSV)" en="Download indicators (CSV)" /></a>
            </p>
        </header>
        {view.merged_into.clone().map(|(end, successor)| {
            let href = unit_href(&successor.code, &view.query);
            view! {
                <p class="notice" role="status" data-testid="merged-into">
                    {move || lang.get().pick(&format!("于 {end} 并入 "), &format!("Merged on {end} into ")).to_owned()}
                    <a href=href>{move || successor.name(lang.get()).to_owned()}</a>
                    {move || lang.get().pick("；此后各轮次，其下各户计入并入单位。", "; from the next wave its households count there.").to_owned()}
                </p>
            }
        })}
        {view! { <Filters view=view.clone() /> }.into_any()}
        {view.waves.is_empty().then(|| view! {
            <p class="warning" role="status" data-testid="no-waves"><Tr zh="还没有调查轮次，暂无数据。" en="No survey waves yet: no figures to show." /></p>
        })}
        {view.filter_note.clone().map(|note| view! { <p class="warning" role="status" data-testid="filter-note">{move || note.get(lang.get()).to_owned()}</p> })}
        {view.suppressed.then(|| view! {
            <p class="muted small"><Tr zh="少于 5 户的数据不予显示（研究人员账号）。" en="Figures over fewer than 5 households are withheld (researcher account)." /></p>
        })}
        <section aria-labelledby="cards-heading">
            <h2 id="cards-heading" class="sr-only"><Tr zh="主要指标" en="Headline indicators" /></h2>
            <div class="cards" data-testid="cards">
                {view.cards.iter().cloned().map(|card| view! { <Card card query=query.clone() /> }.into_any()).collect_view()}
            </div>
        </section>
        {(!view.children.is_empty()).then(|| view! { <ChildTable view=view.clone() /> }.into_any())}
        {view.households.clone().map(|rows| view! { <HouseholdTable rows wave /> }.into_any())}
        <section class="charts" aria-labelledby="charts-heading">
            <h2 id="charts-heading"><Tr zh="图表" en="Charts" /></h2>
            <div class="chart-grid">
                {view.charts.iter().cloned().map(|chart| view! { <Chart chart unit=view.unit.code.clone() query=query.clone() /> }.into_any()).collect_view()}
            </div>
        </section>
    }
}

/// Wave and the four household dimensions, as a GET form.
#[component]
fn Filters(view: DashboardView) -> impl IntoView {
    let lang = use_lang();
    let action = format!("/unit/{}", view.unit.code);
    let wave = view.wave;
    view! {
        <Form method="get" action=action>
            <div class="filters no-print" data-testid="filters">
                <label>
                    <span><Tr zh="调查轮次" en="Wave" /></span>
                    <select name="wave" data-testid="filter-wave" on:change=submit_on_change>
                        {view.waves.iter().rev().map(|&w| view! {
                            <option value=w.to_string() selected=w == wave>{w}</option>
                        }).collect_view()}
                    </select>
                </label>
                {view.filters.into_iter().map(|f| {
                    let label = f.label.clone();
                    let testid = format!("filter-{}", f.key);
                    let selected = f.selected.clone().unwrap_or_default();
                    view! {
                        <label>
                            <span>{move || label.get(lang.get()).to_owned()}</span>
                            <select name=f.key.clone() data-testid=testid on:change=submit_on_change>
                                <option value="" selected=selected.is_empty()><Tr zh="全部" en="All" /></option>
                                {f.options.iter().cloned().map(|(code, name)| {
                                    let is = code == selected;
                                    view! { <option value=code selected=is>{move || name.get(lang.get()).to_owned()}</option> }
                                }).collect_view()}
                            </select>
                        </label>
                    }
                }).collect_view()}
                <super::at_risk::SchemeChoice selected=view.scheme.clone() testid="filter-scheme" on_change=submit_on_change />
                <button type="submit" data-testid="apply-filters"><Tr zh="应用" en="Apply" /></button>
            </div>
        </Form>
    }
}

/// Once hydrated, choosing a filter value submits the form (the router navigates in place).
fn submit_on_change(ev: leptos::ev::Event) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let form = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|el| el.closest("form").ok().flatten())
            .and_then(|f| f.dyn_into::<web_sys::HtmlFormElement>().ok());
        if let Some(form) = form {
            // A refused submit leaves the button for the user to press.
            let _ = form.request_submit();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = ev;
}

fn shown(value: Option<f64>, decimals: usize, lang: Lang) -> String {
    value
        .map(|v| format::figure(v, decimals, lang))
        .unwrap_or_else(|| "—".to_owned())
}

/// A headline figure; opening it explains it (definition, numerator, denominator and the
/// child units behind it). A `<details>` element, so it works without JavaScript.
#[component]
fn Card(card: CardView, query: DashQuery) -> impl IntoView {
    let lang = use_lang();
    let c = card.clone();
    let d = card.decimals;
    let value = move || shown(c.value, d, lang.get());
    let unit = card.unit.clone();
    let name = card.name.clone();
    let no_data = card.no_data.clone();
    let baseline_text = {
        let card = card.clone();
        move || {
            let lang = lang.get();
            let (Some(change), Some(wave)) = (card.change, card.baseline_wave) else {
                return String::new();
            };
            match lang {
                Lang::Zh => format!("较{wave}年基线 {}", format::signed(change, d, lang)),
                Lang::En => format!(
                    "{} since the {wave} baseline",
                    format::signed(change, d, lang)
                ),
            }
        }
    };
    let change_class = {
        let card = card.clone();
        move || match card.change {
            Some(c) if c.abs() > 1e-9 && ((c > 0.0) == card.higher_is_better) => "change good",
            Some(c) if c.abs() > 1e-9 => "change bad",
            _ => "change",
        }
    };
    let target_text = {
        let card = card.clone();
        move || {
            let lang = lang.get();
            card.target.map(|t| {
                let progress = card
                    .progress_pct
                    .map(|p| format!(" · {}%", format::grouped(p, 0)))
                    .unwrap_or_default();
                match lang {
                    Lang::Zh => format!("目标 {}{progress}", format::figure(t, d, lang)),
                    Lang::En => format!("target {}{progress}", format::figure(t, d, lang)),
                }
            })
        }
    };
    let progress_width = card.progress_pct.map(|p| p.clamp(0.0, 100.0));
    let line_text = {
        let card = card.clone();
        move || {
            let lang = lang.get();
            card.line.map(|line| {
                let above = card.value.map(|v| v >= line);
                let verdict = match (above, lang) {
                    (Some(true), Lang::Zh) => "，高于贫困线",
                    (Some(false), Lang::Zh) => "，低于贫困线",
                    (Some(true), Lang::En) => ", above the line",
                    (Some(false), Lang::En) => ", below the line",
                    (None, _) => "",
                };
                match lang {
                    Lang::Zh => format!("贫困线 {} 元{verdict}", format::figure(line, 0, lang)),
                    Lang::En => format!(
                        "poverty line {} RMB{verdict}",
                        format::figure(line, 0, lang)
                    ),
                }
            })
        }
    };
    let explain = card.clone();
    view! {
        <details class="card" data-indicator=card.id.clone() data-testid=format!("card-{}", card.id)>
            <summary>
                <span class="card-name">{move || name.get(lang.get()).to_owned()}</span>
                <span class="card-value">
                    <strong data-testid="card-value" data-raw=card.value.map(|v| v.to_string()).unwrap_or_default()>{value}</strong>
                    " "
                    <span class="card-unit">{move || unit.get(lang.get()).to_owned()}</span>
                </span>
                {no_data.map(|n| view! { <span class="muted small">{move || n.get(lang.get()).to_owned()}</span> })}
                <span class=change_class>{baseline_text}</span>
                {line_text}
                {move || target_text().map(|t| view! {
                    <span class="target">
                        {t}
                        {progress_width.map(|w| view! {
                            <meter min="0" max="100" value=w.to_string() aria-label="progress"></meter>
                        })}
                    </span>
                })}
            </summary>
            {view! { <Explain card=explain query /> }.into_any()}
        </details>
    }
}

#[component]
fn Explain(card: CardView, query: DashQuery) -> impl IntoView {
    let lang = use_lang();
    let d = card.decimals;
    let formula = card.formula.clone();
    let num_label = card.numerator_label.clone();
    let den_label = card.denominator_label.clone();
    let numerator = card.numerator;
    let denominator = card.denominator;
    view! {
        <div class="explain" data-testid="explain">
            <p><strong><Tr zh="定义：" en="Definition: " /></strong>{move || formula.get(lang.get()).to_owned()}</p>
            <dl>
                <dt><Tr zh="分子" en="Numerator" />" · "{move || num_label.get(lang.get()).to_owned()}</dt>
                <dd data-testid="numerator">{move || shown(numerator, 2, lang.get())}</dd>
                {den_label.map(|label| view! {
                    <dt><Tr zh="分母" en="Denominator" />" · "{move || label.get(lang.get()).to_owned()}</dt>
                    <dd data-testid="denominator">{move || shown(denominator, 2, lang.get())}</dd>
                })}
                <dt><Tr zh="有已审核调查的农户" en="Households with an approved survey" /></dt>
                <dd>{format::grouped(card.households as f64, 0)}</dd>
            </dl>
            {(!card.contributors.is_empty()).then(|| view! {
                <table class="data compact">
                    <caption><Tr zh="下级单位" en="Contributing units" /></caption>
                    <tbody>
                        {card.contributors.iter().cloned().map(|(u, v)| {
                            let href = unit_href(&u.code, &query);
                            view! {
                                <tr>
                                    <td><a href=href>{move || u.name(lang.get()).to_owned()}</a></td>
                                    <td class="num">{move || shown(v, d, lang.get())}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            })}
        </div>
    }
}

/// The child units, one row each, sortable by any column (through the URL: `sort=` and
/// `dir=`), each linking down.
#[component]
fn ChildTable(view: DashboardView) -> impl IntoView {
    let lang = use_lang();
    let query = use_query_map();
    let columns = view.columns.clone();
    let rows = view.children.clone();
    let base = view.query.clone();
    let unit_code = view.unit.code.clone();
    let heading = match view.unit.level {
        UnitLevel::Prefecture => Both::new("各县对比", "Counties side by side"),
        UnitLevel::County => Both::new("各乡镇", "Townships"),
        _ => Both::new("各村", "Villages"),
    };
    let sorted = Memo::new(move |_| {
        let q = query.read();
        let key = q.get("sort").unwrap_or_default();
        let desc = q.get("dir").as_deref() == Some("desc");
        let mut rows: Vec<ChildRow> = rows.clone();
        if let Some(i) = columns.iter().position(|c| c.id == key) {
            rows.sort_by(|a, b| {
                let (x, y) = (a.values[i], b.values[i]);
                // No data sorts last either way.
                let order = match (x, y) {
                    (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Equal),
                    (Some(_), None) => return std::cmp::Ordering::Less,
                    (None, Some(_)) => return std::cmp::Ordering::Greater,
                    (None, None) => std::cmp::Ordering::Equal,
                };
                if desc {
                    order.reverse()
                } else {
                    order
                }
            });
        } else if key == "name" && desc {
            rows.reverse();
        }
        (rows, key, desc)
    });
    let mut header: Vec<(String, Both, Both)> = vec![(
        "name".to_owned(),
        Both::new("单位", "Unit"),
        Both::default(),
    )];
    header.extend(
        view.columns
            .iter()
            .map(|c| (c.id.clone(), c.name.clone(), c.unit.clone())),
    );
    let decimals: Vec<usize> = view.columns.iter().map(|c| c.decimals).collect();
    view! {
        <section class="children" aria-labelledby="children-heading">
            <h2 id="children-heading">{move || heading.get(lang.get()).to_owned()}</h2>
            <div class="table-wrap">
                <table class="data" data-testid="child-table">
                    <thead>
                        <tr>
                            {header.into_iter().map(|(id, name, unit)| {
                                let href = {
                                    let id = id.clone();
                                    let base = base.clone();
                                    let unit_code = unit_code.clone();
                                    move || {
                                        let (_, key, desc) = sorted.get();
                                        let dir = if id == key && !desc { "desc" } else { "asc" };
                                        let mut q = base.query_string();
                                        q.push(if q.is_empty() { '?' } else { '&' });
                                        format!("/unit/{unit_code}{q}sort={id}&dir={dir}")
                                    }
                                };
                                let state = {
                                    let id = id.clone();
                                    move || {
                                        let (_, key, desc) = sorted.get();
                                        match (id == key, desc) {
                                            (false, _) => "none",
                                            (true, true) => "descending",
                                            (true, false) => "ascending",
                                        }
                                    }
                                };
                                let aria = state.clone();
                                let mark = move || match state() {
                                    "descending" => " ▼",
                                    "ascending" => " ▲",
                                    _ => "",
                                };
                                let class = if id == "name" { "" } else { "num" };
                                let testid = format!("sort-{id}");
                                view! {
                                    <th class=class aria-sort=aria>
                                        <A href=href attr:data-testid=testid>
                                            {move || name.get(lang.get()).to_owned()}{mark}
                                        </A>
                                        <br /><span class="small muted">{move || unit.get(lang.get()).to_owned()}</span>
                                    </th>
                                }
                            }).collect_view()}
                        </tr>
                    </thead>
                    <tbody>
                        {move || {
                            let (rows, _, _) = sorted.get();
                            rows.into_iter().map(|row| {
                                let href = unit_href(&row.unit.code, &base);
                                let u: UnitView = row.unit.clone();
                                let code = row.unit.code.clone();
                                let cells: Vec<(Option<f64>, usize)> = row.values.iter().copied().zip(decimals.iter().copied()).collect();
                                view! {
                                    <tr data-unit=code>
                                        <td><a href=href>{move || u.name(lang.get()).to_owned()}</a></td>
                                        {cells.into_iter().map(|(v, d)| view! {
                                            <td class="num">{move || shown(v, d, lang.get())}</td>
                                        }).collect_view()}
                                    </tr>
                                }
                            }).collect_view()
                        }}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

/// A village's households with their survey status and flags for the wave.
#[component]
fn HouseholdTable(rows: Vec<HouseholdRowView>, wave: i32) -> impl IntoView {
    let lang = use_lang();
    view! {
        <section class="households" aria-labelledby="households-heading">
            <h2 id="households-heading"><Tr zh="农户" en="Households" />" · "{wave}</h2>
            <div class="table-wrap">
                <table class="data" data-testid="household-table">
                    <thead><tr>
                        <th><Tr zh="户编号" en="No." /></th>
                        <th><Tr zh="户主" en="Head" /></th>
                        <th><Tr zh="贫困户类型" en="Registration" /></th>
                        <th><Tr zh="参与模式" en="Model" /></th>
                        <th><Tr zh="调查状态" en="Survey" /></th>
                        <th class="num"><Tr zh="人均纯收入（元）" en="Per capita (RMB)" /></th>
                        <th><Tr zh="风险" en="Flags" /></th>
                    </tr></thead>
                    <tbody>
                        {rows.into_iter().map(|h| {
                            let href = format!("/household/{}", h.id);
                            let status = h.status;
                            let status_class = status_class(status);
                            let registration = h.registration.clone();
                            let model = h.model.clone();
                            let risks = h.risks.clone();
                            let comment = h.review_comment.clone();
                            view! {
                                <tr data-household=h.id.clone()>
                                    <td>{h.registry_no.clone()}</td>
                                    <td><a href=href>{h.head_name.clone()}</a></td>
                                    <td>{move || registration.get(lang.get()).to_owned()}</td>
                                    <td>{move || model.get(lang.get()).to_owned()}</td>
                                    <td>
                                        <span class=status_class.clone()>{move || status_text(status, lang.get())}</span>
                                        {comment.map(|c| view! { <span class="small muted">" "{c}</span> })}
                                    </td>
                                    <td class="num">{move || shown(h.per_capita, 0, lang.get())}</td>
                                    <td>{risks.into_iter().map(|reason| view! { <Flag reason /> }).collect_view()}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

/// A chart: the server's SVG inline, its text alternative, its numbers as a table, and
/// downloads (SVG from the server, PNG drawn in the browser from the same SVG).
#[component]
fn Chart(chart: ChartView, unit: String, query: DashQuery) -> impl IntoView {
    let lang = use_lang();
    let id = chart.data.id.clone();
    let mut svg_href = format!("/api/v1/charts/{id}.svg?unit={unit}");
    for (k, v) in query.pairs() {
        svg_href.push_str(&format!("&{k}={v}"));
    }
    let title = chart.data.title.clone();
    let alt = chart.alt.clone();
    let data = chart.data.clone();
    let png_name = format!("{id}-{unit}.png");
    let svg_lang_href = move || {
        format!(
            "{svg_href}&lang={}",
            match lang.get() {
                Lang::Zh => "zh",
                Lang::En => "en",
            }
        )
    };
    view! {
        <figure class="chart" data-chart=id.clone() data-testid=format!("chart-{id}")>
            // The drawing carries the title (so a download has it); this one is for screen readers.
            <figcaption class="sr-only">{move || title.get(lang.get()).to_owned()}</figcaption>
            <div class="chart-svg" role="img" aria-label=alt.clone() inner_html=chart.svg.clone()></div>
            <p class="sr-only">{alt}</p>
            <details class="chart-data">
                <summary><Tr zh="数据表" en="Data table" /></summary>
                {view! { <ChartTable data /> }.into_any()}
            </details>
            <p class="chart-links no-print">
                <a href=svg_lang_href download data-testid="download-svg"><Tr zh="下载 SVG" en="Download SVG" /></a>
                <button type="button" class="link" data-testid="download-png" on:click=move |ev| save_png(ev, &png_name)>
                    <Tr zh="下载 PNG" en="Download PNG" />
                </button>
            </p>
        </figure>
    }
}

#[component]
fn ChartTable(data: crate::charts::ChartData) -> impl IntoView {
    let lang = use_lang();
    let waves = data.waves.clone();
    view! {
        <table class="data compact">
            <thead><tr>
                <th></th>
                {waves.iter().map(|w| view! { <th class="num">{*w}</th> }).collect_view()}
            </tr></thead>
            <tbody>
                {data.panels.iter().flat_map(|p| {
                    let unit = p.unit.clone();
                    p.series.iter().chain(p.reference.iter()).cloned().map(move |s| (s, unit.clone())).collect::<Vec<_>>()
                }).map(|(s, unit)| view! {
                    <tr>
                        <th>{move || format!("{}（{}）", s.name.get(lang.get()), unit.get(lang.get()))}</th>
                        {s.values.iter().map(|v| {
                            let v = *v;
                            view! { <td class="num">{move || shown(v, 1, lang.get())}</td> }
                        }).collect_view()}
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// Draws the figure's SVG on a canvas at twice its size and saves it as PNG.
fn save_png(ev: leptos::ev::MouseEvent, name: &str) {
    #[cfg(feature = "hydrate")]
    crate::download::svg_to_png(ev, name);
    #[cfg(not(feature = "hydrate"))]
    let _ = (ev, name);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_links_keep_the_filters() {
        let q = DashQuery {
            wave: Some(2021),
            model: Some("collective".into()),
            ..DashQuery::default()
        };
        assert_eq!(
            unit_href("513434", &q),
            "/unit/513434?wave=2021&model=collective"
        );
        assert_eq!(unit_href("513434", &DashQuery::default()), "/unit/513434");
    }
}

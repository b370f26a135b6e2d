//! 防返贫监测: households below the poverty line, near it (within a margin, 20 % by default),
//! missing a guarantee, or whose income fell sharply. Filters in the URL; the whole list can
//! be downloaded as CSV; each household links to its page.

use domain::risk::RiskReason;
use domain::Localized;
use leptos::prelude::*;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

use super::Failure;
use super::Flag;
use crate::format;
use crate::i18n::{use_lang, Pick, Tr};
use crate::model::{RiskPageView, RiskQuery};
use crate::server_fns::at_risk;

/// `/at-risk`: the at-risk households of a unit and wave, with the URL's `unit`, `wave`,
/// `margin` and `drop` (percent) setting the list and its rules.
#[component]
pub fn AtRiskPage() -> impl IntoView {
    let query = use_query_map();
    let request = move || {
        let q = query.read();
        let text = |name: &str| {
            q.get(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        RiskQuery {
            unit: text("unit"),
            wave: text("wave").and_then(|w| w.parse().ok()),
            margin: text("margin").and_then(|m| m.parse().ok()),
            drop: text("drop").and_then(|d| d.parse().ok()),
            reason: text("reason"),
            scheme: text("scheme"),
            page: text("page").and_then(|p| p.parse().ok()),
        }
    };
    let data = Resource::new(request, |q| at_risk(Some(q)));
    view! {
        <Suspense fallback=move || view! { <p class="muted"><Tr zh="加载中…" en="Loading…" /></p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(page) => view! { <RiskList page /> }.into_any(),
                    Err(err) => view! { <Failure error=err /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn RiskList(page: RiskPageView) -> impl IntoView {
    let lang = use_lang();
    let unit = page.unit.clone();
    let name_unit = unit.clone();
    let reason = page.reason.map_or("", RiskReason::code);
    let params = format!(
        "unit={}&wave={}&margin={}&drop={}&reason={}&scheme={}",
        unit.code, page.wave, page.margin, page.drop, reason, page.scheme
    );
    let scheme = page.scheme.clone();
    let csv_href = format!("/api/v1/at-risk.csv?{params}");
    let page_href = move |n: u32| format!("/at-risk?{params}&page={n}");
    let (prev, next) = (
        (page.page > 1).then(|| page_href(page.page - 1)),
        (page.page < page.pages).then(|| page_href(page.page + 1)),
    );
    let wave = page.wave;
    let counts = page.by_reason.clone();
    view! {
        <nav class="crumbs" aria-label="breadcrumb">
            <a href=format!("/unit/{}?wave={wave}", unit.code)>{move || name_unit.name(lang.get()).to_owned()}</a>
        </nav>
        <h1><Tr zh="防返贫监测名单" en="Households at risk" /></h1>
        <p class="lede small">
            {move || lang.get().pick(
                "人均纯收入低于当年贫困线，或高于贫困线但不超过设定幅度，或“两不愁三保障”及饮水安全有一项未达标，或人均纯收入较上一轮调查下降超过设定比例的农户（仅含已审核的调查）。",
                "Households whose per-capita net income is below the year's line or within the margin above it, who miss any of the guarantees or safe water, or whose per-capita income fell by more than the set share since their previous survey (approved surveys only).")}
        </p>
        <Form method="get" action="/at-risk">
            <div class="filters no-print" data-testid="risk-filters">
                <input type="hidden" name="unit" value=unit.code.clone() />
                <label>
                    <span><Tr zh="调查轮次" en="Wave" /></span>
                    <select name="wave">
                        {page.waves.iter().rev().map(|&w| view! { <option value=w.to_string() selected=w == wave>{w}</option> }).collect_view()}
                    </select>
                </label>
                <SchemeChoice selected=scheme testid="risk-scheme" />
                <label>
                    <span><Tr zh="贫困线以上幅度（%）" en="Margin above the line (%)" /></span>
                    <input type="number" name="margin" min="0" max="100" value=page.margin.to_string() data-testid="risk-margin" />
                </label>
                <label>
                    <span><Tr zh="收入降幅（%）" en="Income fall (%)" /></span>
                    <input type="number" name="drop" min="1" max="100" value=page.drop.to_string() />
                </label>
                <label>
                    <span><Tr zh="风险类型" en="Risk" /></span>
                    <select name="reason" data-testid="risk-reason">
                        <option value="" selected=page.reason.is_none()><Tr zh="全部" en="All" /></option>
                        {RiskReason::ALL.iter().map(|&r| {
                            view! { <option value=r.code() selected=page.reason == Some(r)>{move || r.in_lang(lang.get())}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <button type="submit"><Tr zh="应用" en="Apply" /></button>
            </div>
        </Form>
        <p data-testid="risk-total">
            <strong>{format::grouped(page.total as f64, 0)}</strong>
            <Tr zh=" 户 · " en=" households · " />
            {counts.iter().map(|&(reason, n)| view! { <Flag reason count=n /> }).collect_view()}
            " "<a href=csv_href download data-testid="risk-csv"><Tr zh="下载全部 (CSV)" en="Download all (CSV)" /></a>
        </p>
        <div class="table-wrap">
            <table class="data" data-testid="risk-table">
                <thead><tr>
                    <th><Tr zh="户主" en="Head" /></th>
                    <th><Tr zh="村" en="Village" /></th>
                    <th class="num"><Tr zh="人均纯收入（元）" en="Per capita (RMB)" /></th>
                    <th class="num"><Tr zh="贫困线" en="Line" /></th>
                    <th class="num"><Tr zh="上一轮" en="Previous" /></th>
                    <th><Tr zh="风险" en="Flags" /></th>
                </tr></thead>
                <tbody>
                    {page.rows.into_iter().map(|r| {
                        let village = r.village.clone();
                        let village_href = format!("/unit/{}?wave={wave}", village.code);
                        let href = format!("/household/{}", r.household);
                        let previous = r.previous_wave.map(|w| (w, r.previous_per_capita));
                        view! {
                            <tr data-household=r.household.clone()>
                                <td><a href=href data-testid="risk-household">{r.head_name.clone()}</a><span class="small muted">" "{r.registry_no.clone()}</span></td>
                                <td><a href=village_href>{move || village.name(lang.get()).to_owned()}</a></td>
                                <td class="num">{move || r.per_capita.map(|p| format::figure(p, 0, lang.get())).unwrap_or_else(|| "—".into())}</td>
                                <td class="num">{move || format::figure(r.line, 0, lang.get())}</td>
                                <td class="num">{move || previous.map(|(w, p)| format!("{} ({w})", p.map(|p| format::figure(p, 0, lang.get())).unwrap_or_else(|| "—".into()))).unwrap_or_default()}</td>
                                <td>{r.reasons.iter().map(|&reason| view! { <Flag reason /> }).collect_view()}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <nav class="pager no-print">
            {prev.map(|h| view! { <a href=h><Tr zh="← 上一页" en="← Previous" /></a> })}
            <span>{page.page}" / "{page.pages}</span>
            {next.map(|h| view! { <a href=h data-testid="risk-next"><Tr zh="下一页 →" en="Next →" /></a> })}
        </nav>
    }
}

/// The poverty-line scheme as a choice of a GET form (`scheme=national|provincial`).
#[component]
pub fn SchemeChoice(
    /// The scheme applied now (its code).
    selected: String,
    /// The select's test id.
    testid: &'static str,
    /// Submit the form when the choice changes (once hydrated).
    #[prop(optional)]
    on_change: Option<fn(leptos::ev::Event)>,
) -> impl IntoView {
    let lang = use_lang();
    view! {
        <label>
            <span><Tr zh="贫困线标准" en="Poverty line" /></span>
            <select name="scheme" data-testid=testid on:change=move |ev| if let Some(f) = on_change { f(ev) }>
                {domain::PovertyScheme::ALL.iter().map(|&s| {
                    let is = s.code() == selected;
                    view! { <option value=s.code() selected=is>{move || s.in_lang(lang.get())}</option> }
                }).collect_view()}
            </select>
        </label>
    }
}

//! One household: its survey history wave by wave — income by source, per-capita income
//! against each year's poverty line, the 两不愁三保障 flags, who entered and who reviewed.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::Failure;
use super::{status_class, status_text};
use crate::format;
use crate::i18n::{use_lang, Pick, Tr};
use crate::model::{HouseholdPageView, SurveyHistoryView};
use crate::server_fns::household_page;
use domain::Lang;

/// `/household/{id}`: one household's page, for officials, supervisors and enumerators
/// whose scope covers it.
#[component]
pub fn HouseholdPage() -> impl IntoView {
    let params = use_params_map();
    let data = Resource::new(
        move || params.read().get("id").unwrap_or_default(),
        household_page,
    );
    view! {
        <Suspense fallback=move || view! { <p class="muted"><Tr zh="加载中…" en="Loading…" /></p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(h) => view! { <Household h /> }.into_any(),
                    Err(err) => view! { <Failure error=err /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Household(h: HouseholdPageView) -> impl IntoView {
    let lang = use_lang();
    let sex = h.head_sex.clone();
    let eth = h.head_ethnicity.clone();
    let reg = h.registration.clone();
    let model = h.model.clone();
    let years = match (h.registration_year, h.exit_year) {
        (Some(r), Some(e)) => format!("{r} → {e}"),
        (Some(r), None) => r.to_string(),
        _ => "—".to_owned(),
    };
    view! {
        <nav class="crumbs" aria-label="breadcrumb" data-testid="crumbs">
            {h.trail.iter().cloned().map(|u| {
                let href = format!("/unit/{}", u.code);
                view! { <a href=href>{move || u.name(lang.get()).to_owned()}</a><span aria-hidden="true">" › "</span> }
            }).collect_view()}
            <span aria-current="page">{h.head_name.clone()}</span>
        </nav>
        <h1 data-testid="household-title">{h.head_name.clone()}<small class="level">" · "{h.registry_no.clone()}</small></h1>
        <dl class="facts">
            <dt><Tr zh="户主性别" en="Head's sex" /></dt><dd>{move || sex.get(lang.get()).to_owned()}</dd>
            <dt><Tr zh="户主民族" en="Head's ethnicity" /></dt><dd>{move || eth.get(lang.get()).to_owned()}</dd>
            <dt><Tr zh="贫困户类型" en="Poverty registration" /></dt><dd>{move || reg.get(lang.get()).to_owned()}</dd>
            <dt><Tr zh="建档 → 脱贫年份" en="Registered → exited" /></dt><dd>{years}</dd>
            <dt><Tr zh="参与模式" en="Engagement model" /></dt><dd>{move || model.get(lang.get()).to_owned()}</dd>
        </dl>
        {if h.surveys.is_empty() {
            view! { <p class="muted"><Tr zh="还没有调查。" en="No surveys yet." /></p> }.into_any()
        } else {
            view! {
                <div class="survey-history" data-testid="survey-history">
                    {h.surveys.into_iter().map(|s| view! { <Wave s /> }).collect_view()}
                </div>
            }.into_any()
        }}
    }
}

#[component]
fn Wave(s: SurveyHistoryView) -> impl IntoView {
    let lang = use_lang();
    let status = Some(s.status);
    let status_class = status_class(status);
    let below = s.per_capita.map(|p| p < s.line);
    let poverty = move || match (below, lang.get()) {
        (Some(true), Lang::Zh) => "低于贫困线",
        (Some(false), Lang::Zh) => "高于贫困线",
        (Some(true), Lang::En) => "below the line",
        (Some(false), Lang::En) => "above the line",
        (None, l) => l.pick("无人口，无法计算", "no members: not computed"),
    };
    let review = s
        .reviewed_by
        .clone()
        .map(|by| format!("{by} · {}", s.reviewed_at.clone().unwrap_or_default()));
    let per_capita = s.per_capita;
    let line = s.line;
    let net = s.net_income;
    view! {
        <section class="wave-card" data-wave=s.wave data-testid=format!("wave-{}", s.wave)>
            <h2>{s.wave}<span class=status_class>{move || status_text(status, lang.get())}</span></h2>
            <p class="small">
                <Tr zh="调查员：" en="Entered by: " />{s.enumerator.clone()}
                {review.map(|r| view! { " · "<Tr zh="审核：" en="Reviewed by: " />{r.clone()} })}
            </p>
            {s.review_comment.clone().map(|c| view! { <p class="warning small"><Tr zh="审核意见：" en="Review comment: " />{c.clone()}</p> })}
            <p class="poverty" data-below=below.map(|b| b.to_string()).unwrap_or_default()>
                <strong data-testid="per-capita">{move || per_capita.map(|p| format::figure(p, 0, lang.get())).unwrap_or_else(|| "—".into())}</strong>
                <Tr zh=" 元/人 · 贫困线 " en=" RMB/person · line " />
                {move || format::figure(line, 0, lang.get())}
                " · "{poverty}
                " · "<Tr zh="家庭人口 " en="members " />{s.members}
            </p>
            <table class="data compact income">
                <caption><Tr zh="收入来源（元）" en="Income by source (RMB)" /></caption>
                <tbody>
                    {s.income.iter().cloned().map(|(name, v)| view! {
                        <tr><th>{move || name.get(lang.get()).to_owned()}</th><td class="num">{move || format::figure(v, 0, lang.get())}</td></tr>
                    }).collect_view()}
                    <tr class="total"><th><Tr zh="家庭纯收入" en="Net income" /></th><td class="num">{move || format::figure(net, 0, lang.get())}</td></tr>
                </tbody>
            </table>
            <ul class="guarantees">
                {s.guarantees.iter().cloned().map(|(name, met)| view! {
                    <li class=if met { "met" } else { "missed" } data-met=met.to_string()>
                        {if met { "✓ " } else { "✗ " }}{move || name.get(lang.get()).to_owned()}
                    </li>
                }).collect_view()}
            </ul>
        </section>
    }
}

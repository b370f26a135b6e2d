//! One household: its survey history wave by wave — income by source, per-capita income
//! against each year's poverty line, the 两不愁三保障 flags, who entered and who reviewed.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::{status_class, status_text};
use super::{Failure, Issues};
use crate::format;
use crate::i18n::{use_lang, Pick, Tr};
use crate::model::{CorrectionForm, HouseholdPageView, PersonView, SurveyHistoryView};
use crate::server_fns::{household_page, CorrectHousehold};
use domain::{Lang, Localized};

/// `/household/{id}`: one household's page, for officials, supervisors and enumerators
/// whose scope covers it.
#[component]
pub fn HouseholdPage() -> impl IntoView {
    let params = use_params_map();
    let correct = ServerAction::<CorrectHousehold>::new();
    let data = Resource::new(
        move || {
            (
                params.read().get("id").unwrap_or_default(),
                correct.version().get(),
            )
        },
        |(id, _)| household_page(id),
    );
    view! {
        <Suspense fallback=move || view! { <p class="muted"><Tr zh="加载中…" en="Loading…" /></p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(h) => view! { <Household h correct /> }.into_any(),
                    Err(err) => view! { <Failure error=err /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Household(h: HouseholdPageView, correct: ServerAction<CorrectHousehold>) -> impl IntoView {
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
        {h.status.clone().map(|status| view! {
            <p class="notice" role="status" data-testid="household-status">
                {move || status.get(lang.get()).to_owned()}
                {h.left_on.clone().map(|day| view! { " · "<Tr zh="离开日期 " en="left on " />{day}})}
            </p>
        })}
        {h.erased_on.clone().map(|day| view! {
            <p class="notice" role="status" data-testid="household-erased">
                {move || lang.get().pick(
                    &format!("离开项目已过保存期限，个人信息（姓名、身份证号、电话、户编号）已于 {day} 删除；调查答案以假名保留用于统计。"),
                    &format!("Past the retention period after it left, its personal data (names, ID numbers, phone, registry number) were erased on {day}; its answers stay, pseudonymous, for the statistics."),
                ).to_owned()}
            </p>
        })}
        {(!h.people.is_empty()).then(|| view! { <People people=h.people.clone() /> })}
        {move || correct.value().get().map(|outcome| match outcome {
            Ok(Ok(done)) => view! {
                <p class="ok" role="status" data-testid="corrected">
                    {move || lang.get().pick(&format!("已更正，现为第 {} 版。", done.version), &format!("Corrected: now version {}.", done.version)).to_owned()}
                </p>
            }.into_any(),
            Ok(Err(issues)) => view! { <Issues issues /> }.into_any(),
            Err(error) => view! { <Failure error /> }.into_any(),
        })}
        {h.correction.clone().map(|form| view! { <Correction form correct /> })}
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

/// The registry's people: who is listed, in order; those who left are marked.
#[component]
fn People(people: Vec<PersonView>) -> impl IntoView {
    let lang = use_lang();
    view! {
        <table class="data compact" data-testid="people">
            <caption><Tr zh="户籍成员" en="Registered members" /></caption>
            <thead><tr>
                <th>"#"</th>
                <th><Tr zh="姓名" en="Name" /></th>
                <th><Tr zh="性别" en="Sex" /></th>
                <th><Tr zh="出生年份" en="Born" /></th>
                <th><Tr zh="与户主关系" en="Relation" /></th>
            </tr></thead>
            <tbody>
                {people.into_iter().map(|p| {
                    let (sex, relation) = (p.sex.clone(), p.relation.clone());
                    view! {
                        <tr class:muted=!p.active>
                            <td>{p.position}</td>
                            <td>{match p.name.is_empty() {
                                true => view! { <span class="muted"><Tr zh="（姓名待登记）" en="(name not yet registered)" /></span> }.into_any(),
                                false => p.name.clone().into_any(),
                            }}{(!p.active).then(|| view! { " "<span class="tag"><Tr zh="已不在户" en="left" /></span> })}</td>
                            <td>{move || sex.get(lang.get()).to_owned()}</td>
                            <td>{p.birth_year}</td>
                            <td>{move || relation.get(lang.get()).to_owned()}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// A `<select>` of a vocabulary's codes with `selected` marked (an empty choice first when
/// `optional`).
fn choices<T: Localized + Copy + Send + Sync + 'static>(
    name: &'static str,
    all: &'static [T],
    code: fn(T) -> &'static str,
    selected: String,
    optional: bool,
) -> impl IntoView {
    let lang = use_lang();
    view! {
        <select name=name>
            {optional.then(|| view! { <option value="" selected=selected.is_empty()>"—"</option> })}
            {all.iter().map(|v| {
                let v = *v;
                let is = code(v) == selected;
                view! { <option value=code(v) selected=is>{move || v.in_lang(lang.get())}</option> }
            }).collect_view()}
        </select>
    }
}

/// The correction form: every registration field as stored, the status, and the reason.
#[component]
fn Correction(form: CorrectionForm, correct: ServerAction<CorrectHousehold>) -> impl IntoView {
    let i = form.input;
    view! {
        <details class="correction" data-testid="correction">
            <summary><Tr zh="更正登记信息" en="Correct the registration" /></summary>
            <ActionForm action=correct attr:class="form grid" attr:data-testid="correction-form">
                <input type="hidden" name="input[household]" value=i.household.clone() />
                <input type="hidden" name="input[version]" value=form.version />
                <label><span><Tr zh="户主姓名" en="Head's name" /></span>
                    <input name="input[head_name]" value=i.head_name.clone() required /></label>
                <label><span><Tr zh="户主身份证号" en="Head's ID card" /></span>
                    <input name="input[head_id_card]" value=i.head_id_card.clone() required autocomplete="off" /></label>
                <label><span><Tr zh="手机号" en="Phone" /></span>
                    <input name="input[phone]" value=i.phone.clone() inputmode="tel" /></label>
                <label><span><Tr zh="户主性别" en="Head's sex" /></span>
                    {choices("input[head_sex]", domain::Sex::ALL, domain::Sex::code, i.head_sex.clone(), false)}</label>
                <label><span><Tr zh="户主民族" en="Head's ethnicity" /></span>
                    {choices("input[head_ethnicity]", domain::Ethnicity::ALL, domain::Ethnicity::code, i.head_ethnicity.clone(), false)}</label>
                <label><span><Tr zh="贫困户类型" en="Poverty registration" /></span>
                    {choices("input[poverty_registration]", domain::PovertyRegistration::ALL, domain::PovertyRegistration::code, i.poverty_registration.clone(), false)}</label>
                <label><span><Tr zh="主要致贫原因" en="Main poverty cause" /></span>
                    {choices("input[poverty_cause]", domain::PovertyCause::ALL, domain::PovertyCause::code, i.poverty_cause.clone(), true)}</label>
                <label><span><Tr zh="建档年份" en="Registered in" /></span>
                    <input name="input[registration_year]" value=i.registration_year.clone() inputmode="numeric" /></label>
                <label><span><Tr zh="脱贫年份" en="Exited in" /></span>
                    <input name="input[exit_year]" value=i.exit_year.clone() inputmode="numeric" /></label>
                <label><span><Tr zh="参与模式" en="Engagement model" /></span>
                    {choices("input[model]", domain::EngagementModel::ALL, domain::EngagementModel::code, i.model.clone(), false)}</label>
                <label><span><Tr zh="参与日期" en="Enrolment date" /></span>
                    <input type="date" name="input[enrolment_date]" value=i.enrolment_date.clone() /></label>
                <label><span><Tr zh="户籍状态" en="Status" /></span>
                    {choices("input[status]", domain::HouseholdStatus::ALL, domain::HouseholdStatus::code, i.status.clone(), false)}</label>
                <label><span><Tr zh="并入户的户编号（仅并户时）" en="Merged into household no. (merged only)" /></span>
                    <input name="input[merged_into]" value=i.merged_into.clone() /></label>
                <label><span><Tr zh="离开日期（迁出、消亡、并户时；空则为今天）" en="Left on (moved out, deceased, merged; empty: today)" /></span>
                    <input type="date" name="input[left_on]" value=i.left_on.clone() /></label>
                <label class="wide"><span><Tr zh="更正原因（必填，记入审计日志）" en="Reason (required, kept in the audit log)" /></span>
                    <textarea name="input[reason]" required rows="2"></textarea></label>
                <button type="submit" disabled=move || correct.pending().get()><Tr zh="保存更正" en="Save the correction" /></button>
            </ActionForm>
        </details>
    }
}

//! Administrators' page for the programme's calendar and thresholds: survey waves (open,
//! close, reopen), poverty lines by scheme and year, and the files of targets, village
//! assignments, afforestation plots and their inspections.

use domain::{Localized, PovertyScheme};
use leptos::prelude::*;

use super::admin_import::Uploader;
use super::{Failure, Issues};
use crate::error::AppError;
use crate::i18n::{use_lang, Pick, Tr};
use crate::model::{ImportKind, ProgrammeView};
use crate::server_fns::{admin_programme, AdminCloseWave, AdminOpenWave, AdminSetLine, Outcome};

/// `/admin/programme` (administrators): waves, poverty lines and targets.
#[component]
pub fn AdminProgrammePage() -> impl IntoView {
    let lang = use_lang();
    let open = ServerAction::<AdminOpenWave>::new();
    let close = ServerAction::<AdminCloseWave>::new();
    let line = ServerAction::<AdminSetLine>::new();
    let programme = Resource::new(
        move || {
            (
                open.version().get(),
                close.version().get(),
                line.version().get(),
            )
        },
        |_| admin_programme(),
    );
    let said = move |value: Option<Result<Outcome<ProgrammeView>, AppError>>| {
        value.map(|outcome| match outcome {
            Ok(Ok(view)) => view
                .done
                .map(|done| {
                    view! {
                        <p class="ok" role="status" data-testid="programme-done">
                            {move || done.get(lang.get()).to_owned()}
                        </p>
                    }
                })
                .into_any(),
            Ok(Err(issues)) => view! { <Issues issues /> }.into_any(),
            Err(error) => view! { <Failure error /> }.into_any(),
        })
    };
    view! {
        <section class="admin">
            <h1><Tr zh="调查轮次与贫困线" en="Waves and poverty lines" /></h1>
            {move || said(open.value().get())}
            {move || said(close.value().get())}
            {move || said(line.value().get())}
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match programme.await {
                        Ok(view) => view! { <Programme view open close /> }.into_any(),
                        Err(error) => view! { <Failure error /> }.into_any(),
                    }
                })}
            </Suspense>
            <h2><Tr zh="开放调查轮次" en="Open a wave" /></h2>
            <ActionForm action=open attr:class="form grid" attr:data-testid="open-wave">
                <label>
                    <span><Tr zh="年份" en="Year" /></span>
                    <input name="input[year]" inputmode="numeric" required placeholder="2025" />
                </label>
                <label>
                    <span><Tr zh="调查期开始（默认 1 月 1 日）" en="Period start (default 1 January)" /></span>
                    <input type="date" name="input[start]" />
                </label>
                <label>
                    <span><Tr zh="调查期结束（默认 12 月 31 日）" en="Period end (default 31 December)" /></span>
                    <input type="date" name="input[end]" />
                </label>
                <button type="submit"><Tr zh="开放" en="Open" /></button>
            </ActionForm>
            <h2><Tr zh="设定贫困线" en="Set a poverty line" /></h2>
            <ActionForm action=line attr:class="form grid" attr:data-testid="set-line">
                <label>
                    <span><Tr zh="标准" en="Scheme" /></span>
                    <select name="input[scheme]">
                        {PovertyScheme::ALL.iter().map(|s| {
                            let s = *s;
                            view! { <option value=s.code()>{move || s.in_lang(lang.get())}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label>
                    <span><Tr zh="年份" en="Year" /></span>
                    <input name="input[year]" inputmode="numeric" required placeholder="2025" />
                </label>
                <label>
                    <span><Tr zh="元/人/年" en="Yuan per person per year" /></span>
                    <input name="input[yuan]" inputmode="decimal" required placeholder="4000" />
                </label>
                <button type="submit"><Tr zh="保存" en="Save" /></button>
            </ActionForm>
            <Uploader kind=ImportKind::Targets />
            <Uploader kind=ImportKind::Assignments />
            <Uploader kind=ImportKind::Plots />
            <Uploader kind=ImportKind::Inspections />
        </section>
    }
}

/// The waves and lines tables.
#[component]
fn Programme(
    /// What is set.
    view: ProgrammeView,
    /// Reopening submits here.
    open: ServerAction<AdminOpenWave>,
    /// Closing submits here.
    close: ServerAction<AdminCloseWave>,
) -> impl IntoView {
    let lang = use_lang();
    let targets = view.targets;
    view! {
        <h2><Tr zh="调查轮次" en="Waves" /></h2>
        {view.waves.is_empty().then(|| view! {
            <p class="muted" data-testid="no-waves"><Tr zh="还没有调查轮次：在下方开放第一轮（基线）。" en="No wave yet: open the first one (the baseline) below." /></p>
        })}
        <div class="table-wrap">
            <table class="data" data-testid="waves-table">
                <thead><tr>
                    <th><Tr zh="年份" en="Year" /></th>
                    <th><Tr zh="调查期" en="Reference period" /></th>
                    <th><Tr zh="状态" en="State" /></th>
                    <th></th>
                </tr></thead>
                <tbody>
                    {view.waves.into_iter().map(|w| {
                        let year = w.year;
                        view! {
                            <tr data-year=year>
                                <td>{year}{w.baseline.then(|| view! { " "<span class="tag"><Tr zh="基线" en="baseline" /></span> })}</td>
                                <td class="small">{w.period_start.clone()}" – "{w.period_end.clone()}</td>
                                <td>{match w.closed {
                                    true => view! { <span class="status rejected"><Tr zh="已关闭" en="closed" /></span> }.into_any(),
                                    false => view! { <span class="status approved"><Tr zh="开放" en="open" /></span> }.into_any(),
                                }}</td>
                                <td>{match w.closed {
                                    true => view! {
                                        <ActionForm action=open attr:data-testid=format!("reopen-{year}")>
                                            <input type="hidden" name="input[year]" value=year />
                                            <input type="hidden" name="input[start]" value=w.period_start.clone() />
                                            <input type="hidden" name="input[end]" value=w.period_end.clone() />
                                            <button type="submit"><Tr zh="重新开放" en="Reopen" /></button>
                                        </ActionForm>
                                    }.into_any(),
                                    false => view! {
                                        <ActionForm action=close attr:data-testid=format!("close-{year}")>
                                            <input type="hidden" name="year" value=year />
                                            <button type="submit"><Tr zh="关闭" en="Close" /></button>
                                        </ActionForm>
                                    }.into_any(),
                                }}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <h2><Tr zh="贫困线" en="Poverty lines" /></h2>
        <div class="table-wrap">
            <table class="data" data-testid="lines-table">
                <thead><tr>
                    <th><Tr zh="标准" en="Scheme" /></th>
                    <th><Tr zh="年份" en="Year" /></th>
                    <th><Tr zh="元/人/年" en="Yuan per person per year" /></th>
                </tr></thead>
                <tbody>
                    {view.lines.into_iter().map(|l| {
                        let scheme = l.scheme;
                        view! {
                            <tr data-scheme=scheme.code() data-year=l.year>
                                <td>{move || scheme.in_lang(lang.get())}</td>
                                <td>{l.year}</td>
                                <td class="num">{l.yuan.clone()}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <p class="muted" data-testid="targets-count">
            {move || lang.get().pick(&format!("已设目标 {targets} 个。"), &format!("{targets} targets set.")).to_owned()}
        </p>
    }
}

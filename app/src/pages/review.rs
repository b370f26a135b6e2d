//! Review (审核): supervisors approve or reject the submitted surveys of their township, with
//! a comment when rejecting; enumerators see what was sent back to them and why. Every
//! decision carries the version the reviewer saw, so a survey changed meanwhile is refused
//! rather than overwritten; the four-eyes rule keeps one's own surveys out of reach.
//! Deciding needs JavaScript (the buttons call the server function); the lists do not.

use domain::ReviewDecision;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::{status_class, status_text};
use super::{Failure, Issues};
use crate::format;
use crate::i18n::{use_lang, Pick, Tr};
use crate::model::{ReviewInput, ReviewQueueView, ReviewRowView};
use crate::server_fns::{review_queue, review_survey};

/// `/review`: the review queue of the wave in the URL's `wave` (else the latest): surveys to
/// approve or reject for supervisors, surveys sent back for enumerators.
#[component]
pub fn ReviewPage() -> impl IntoView {
    let query = use_query_map();
    let refresh = RwSignal::new(0u32);
    let data = Resource::new(
        move || {
            (
                query.read().get("wave").and_then(|w| w.parse::<i32>().ok()),
                refresh.get(),
            )
        },
        |(wave, _)| review_queue(wave),
    );
    view! {
        <h1><Tr zh="问卷审核" en="Survey review" /></h1>
        <Suspense fallback=move || view! { <p class="muted"><Tr zh="加载中…" en="Loading…" /></p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(queue) => view! { <Queue queue refresh /> }.into_any(),
                    Err(err) => view! { <Failure error=err /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Queue(queue: ReviewQueueView, refresh: RwSignal<u32>) -> impl IntoView {
    let wave = queue.wave;
    let may_review = queue.may_review;
    let submitted = queue.submitted.len();
    view! {
        <form method="get" action="/review" class="filters no-print">
            <label>
                <span><Tr zh="调查轮次" en="Wave" /></span>
                <select name="wave">
                    {queue.waves.iter().rev().map(|&w| view! { <option value=w.to_string() selected=w == wave>{w}</option> }).collect_view()}
                </select>
            </label>
            <button type="submit"><Tr zh="查看" en="Show" /></button>
        </form>
        {may_review.then(|| view! {
            <section aria-labelledby="submitted-heading">
                <h2 id="submitted-heading">
                    <Tr zh="待审核" en="Waiting for review" />" · "{submitted}
                </h2>
                {if queue.submitted.is_empty() {
                    view! { <p class="muted" data-testid="review-empty"><Tr zh="没有待审核的问卷。" en="Nothing to review." /></p> }.into_any()
                } else {
                    view! {
                        <div class="review-list" data-testid="review-submitted">
                            {queue.submitted.iter().cloned().map(|row| view! { <Row row refresh /> }.into_any()).collect_view()}
                        </div>
                    }.into_any()
                }}
            </section>
        })}
        <section aria-labelledby="rejected-heading">
            <h2 id="rejected-heading"><Tr zh="已退回" en="Sent back" />" · "{queue.rejected.len()}</h2>
            <div class="review-list" data-testid="review-rejected">
                {queue.rejected.iter().cloned().map(|row| {
                    let survey = row.survey.clone();
                    view! { <article class="review-row" data-survey=survey><Summary row /></article> }.into_any()
                }).collect_view()}
            </div>
        </section>
    }
}

/// What a reviewer needs to see about one survey.
#[component]
fn Summary(row: ReviewRowView) -> impl IntoView {
    let lang = use_lang();
    let href = format!("/household/{}", row.household);
    let village = row.village.clone();
    let status = Some(row.status);
    let status_class = status_class(status);
    let below = row.per_capita.map(|p| p < row.line);
    let per_capita = row.per_capita;
    let line = row.line;
    view! {
        <div class="review-head">
            <a href=href>{row.head_name.clone()}</a>
            <span class="small muted">" "{row.registry_no.clone()}" · "{move || village.name(lang.get()).to_owned()}</span>
            <span class=status_class>{move || status_text(status, lang.get())}</span>
        </div>
        <p class="small">
            <Tr zh="人均纯收入 " en="Per capita " />
            <strong class:danger=below == Some(true)>{move || per_capita.map(|p| format::figure(p, 0, lang.get())).unwrap_or_else(|| "—".into())}</strong>
            <Tr zh=" 元 · 贫困线 " en=" RMB · line " />{move || format::figure(line, 0, lang.get())}
            " · "<Tr zh="家庭人口 " en="members " />{row.members}
            " · "{move || if row.guarantees_met { lang.get().pick("“两不愁三保障”达标", "guarantees met") } else { lang.get().pick("“两不愁三保障”未达标", "a guarantee missed") }}
            " · "<Tr zh="调查员 " en="entered by " />{row.enumerator.clone()}
        </p>
        {row.review_comment.clone().map(|c| view! { <p class="warning small"><Tr zh="审核意见：" en="Comment: " />{c.clone()}</p> })}
    }
}

/// A submitted survey with its decision buttons.
#[component]
fn Row(row: ReviewRowView, refresh: RwSignal<u32>) -> impl IntoView {
    let lang = use_lang();
    let comment = RwSignal::new(String::new());
    let decide = Action::new(|input: &ReviewInput| review_survey(input.clone()));
    let survey = row.survey.clone();
    let version = row.version;
    let own = row.own;
    let send = move |decision: ReviewDecision| {
        decide.dispatch(ReviewInput {
            survey: survey.clone(),
            decision: decision.code().to_owned(),
            version,
            comment: comment.get_untracked(),
        });
    };
    let send_reject = send.clone();
    // A decision that went through reloads the lists.
    Effect::new(move |_| {
        if let Some(Ok(Ok(_))) = decide.value().get() {
            refresh.update(|n| *n += 1);
        }
    });
    let outcome = move || {
        decide.value().get().map(|result| match result {
            Ok(Ok(_)) => ().into_any(),
            Ok(Err(issues)) => view! { <Issues issues /> }.into_any(),
            Err(err) => view! { <Failure error=err /> }.into_any(),
        })
    };
    let testid = format!("review-{}", row.survey);
    view! {
        <article class="review-row" data-testid=testid data-survey=row.survey.clone() data-village=row.village.code.clone()>
            {view! { <Summary row=row.clone() /> }.into_any()}
            {if own {
                view! { <p class="muted small"><Tr zh="这份问卷由您录入，需由另一位审核员审核。" en="You entered this survey: another supervisor reviews it." /></p> }.into_any()
            } else {
                view! {
                    <div class="review-actions">
                        <input
                            type="text"
                            name="comment"
                            aria-label=move || lang.get().pick("审核意见（退回时必填）", "Comment (required to reject)")
                            placeholder=move || lang.get().pick("审核意见（退回时必填）", "Comment (required to reject)")
                            prop:value=move || comment.get()
                            on:input=move |ev| comment.set(event_target_value(&ev))
                        />
                        <button type="button" data-testid="approve" disabled=move || decide.pending().get() on:click=move |_| send(ReviewDecision::Approve)>
                            <Tr zh="通过" en="Approve" />
                        </button>
                        <button type="button" class="danger" data-testid="reject" disabled=move || decide.pending().get() on:click=move |_| send_reject(ReviewDecision::Reject)>
                            <Tr zh="退回" en="Reject" />
                        </button>
                    </div>
                }.into_any()
            }}
            {outcome}
        </article>
    }
}

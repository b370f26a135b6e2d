//! The household survey form (问卷录入), one per household per wave: every section of the
//! data model, rows added and removed in place, the previous wave's answers offered as a
//! starting point, and a summary (net income, per-capita income against the year's line) that
//! follows every keystroke.
//!
//! Validation is the `domain` crate's `check_survey`, run in the browser on every change (the
//! server runs it again on save): a field's message appears once the field has been left, and
//! every message once a save is tried. Errors block saving; warnings ask for confirmation
//! before submitting. Each save carries a client-generated id (a retry after a lost answer is
//! the same save) and the version the form started from (a stale edit is refused and the
//! form keeps what was typed). Inputs hold their own text; the form's state is one signal.

use std::collections::BTreeSet;
use std::sync::Arc;

use domain::risk::{self, RiskReason, RiskRules};
use domain::validate::{
    check_survey, EmploymentInput, LivestockInput, MemberInput, SurveyInput, TrainingInput,
    UnderstoryInput,
};
use domain::{Issue, Lang, Localized, Severity, SurveyStatus};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::{status_class, status_text};
use super::{Failure, Issues};
use crate::format;
use crate::i18n::{use_lang, Pick, Tr};
use crate::model::{FieldIssue, SurveyFormView, SurveySaveInput, SurveySaved};
use crate::offline;
use crate::server_fns::{save_survey, survey_form};

mod fields;
mod save;
mod sections;

use fields::*;
use save::*;
use sections::*;

pub(crate) use save::new_client_id;

/// Drops the copy of a form's unsaved answers this browser keeps under `key`.
pub(crate) fn forget_local(key: &str) {
    local::remove(key);
}

type FieldGet<T> = Arc<dyn Fn(&SurveyInput) -> T + Send + Sync>;
type FieldSet<T> = Arc<dyn Fn(&mut SurveyInput, T) + Send + Sync>;
type Options = Arc<Vec<(&'static str, String, String)>>;

/// What every input of the form shares.
#[derive(Clone, Copy)]
struct Ctx {
    form: RwSignal<SurveyInput>,
    /// Fields the user has left at least once: their messages show.
    touched: RwSignal<BTreeSet<String>>,
    /// Fields whose text is not a number (the form cannot hold it): (path, integer wanted).
    bad: RwSignal<Vec<(String, bool)>>,
    /// A save was tried: every message shows.
    tried: RwSignal<bool>,
    issues: Memo<Vec<Issue>>,
    /// False once submitted (or when the viewer may only read): inputs are disabled.
    editable: RwSignal<bool>,
    /// The household's registry people, for naming whom each roster line refers to.
    people: StoredValue<Vec<crate::model::PersonView>>,
}

impl Ctx {
    fn touch(&self, path: &str) {
        if !self.touched.with_untracked(|t| t.contains(path)) {
            self.touched.update(|t| {
                t.insert(path.to_owned());
            });
        }
    }

    /// Whether the message for `path` should show: after a save was tried, after its field
    /// was left, and for a section-wide rule after any field of the section was left.
    fn visible(&self, path: &str) -> bool {
        if self.tried.get() {
            return true;
        }
        let section = path.split(['[', '.']).next().unwrap_or(path);
        let whole_section = !path.contains("].");
        self.touched.with(|t| {
            t.contains(path) || (whole_section && t.iter().any(|p| p.starts_with(section)))
        })
    }
}

fn vocab<T: Localized + Copy>(all: &[T], code: fn(T) -> &'static str) -> Options {
    Arc::new(all.iter().map(|v| (code(*v), v.zh(), v.en())).collect())
}

/// Every issue with the form: the domain's checks, plus text that is not a number.
fn all_issues(input: &SurveyInput, wave: i32, bad: &[(String, bool)]) -> Vec<Issue> {
    let mut issues = match check_survey(input, wave) {
        Ok((_, warnings)) => warnings,
        Err(issues) => issues,
    };
    for (path, integer) in bad {
        let (zh, en) = match integer {
            true => ("请输入整数", "enter a whole number"),
            false => ("请输入数字", "enter a number"),
        };
        issues.retain(|i| &i.path != path);
        issues.push(Issue {
            path: path.clone(),
            rule: "number",
            severity: Severity::Error,
            zh: zh.into(),
            en: en.into(),
        });
    }
    issues
}

/// `/survey/{household}`: the survey form of one household for the wave in the URL's `wave`
/// (the latest wave without one).
#[component]
pub fn SurveyPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let data = Resource::new(
        move || {
            (
                params.read().get("household").unwrap_or_default(),
                query.read().get("wave").and_then(|w| w.parse::<i32>().ok()),
            )
        },
        |(household, wave)| async move {
            match offline::is_shell() {
                true => offline::survey_form(household, wave).await,
                false => survey_form(household, wave).await,
            }
        },
    );
    view! {
        <Suspense fallback=move || view! { <p class="muted"><Tr zh="加载中…" en="Loading…" /></p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(view) => view! { <SurveyForm view /> }.into_any(),
                    Err(err) => view! { <Failure error=err /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// A new survey starts with its head on the roster.
fn blank() -> SurveyInput {
    SurveyInput {
        members: vec![MemberInput {
            relation: "head".into(),
            ..MemberInput::default()
        }],
        ..SurveyInput::default()
    }
}

#[component]
fn SurveyForm(view: SurveyFormView) -> impl IntoView {
    let lang = use_lang();
    let wave = view.wave;
    let line = view.line;
    let form = RwSignal::new(view.answers.clone().unwrap_or_else(blank));
    let bad = RwSignal::new(Vec::<(String, bool)>::new());
    let issues = Memo::new(move |_| form.with(|f| bad.with(|b| all_issues(f, wave, b))));
    let ctx = Ctx {
        form,
        touched: RwSignal::new(BTreeSet::new()),
        bad,
        tried: RwSignal::new(false),
        issues,
        editable: RwSignal::new(view.editable),
        people: StoredValue::new(view.people.clone()),
    };
    provide_context(ctx);
    // Bumped when the whole form is replaced (previous wave's answers): inputs are redrawn.
    let generation = RwSignal::new(0u32);
    let status = RwSignal::new(view.survey.as_ref().map(|s| s.status));
    let version = RwSignal::new(view.survey.as_ref().map_or(0, |s| s.version));
    let editable = ctx.editable;
    let previous = view.previous.clone();
    let offer_previous = view.answers.is_none() && previous.is_some();
    let household_href = format!("/household/{}", view.household);
    let village = view.village.clone();
    let comment = view.survey.as_ref().and_then(|s| s.review_comment.clone());

    // Unsaved typing is kept in this browser's local storage, so a reload, a closed tab or a
    // dead battery loses nothing; it is offered back when the form opens, and dropped once saved.
    let key = format!("tanhui.survey.{}.{wave}", view.household);
    let restorable = RwSignal::new(None::<SurveyInput>);
    let server_answers = form.get_untracked();
    let household_id = view.household.clone();
    {
        let key = key.clone();
        Effect::new(move |first: Option<()>| {
            let current = form.get();
            if first.is_none() {
                // Opening the form: offer what this browser kept, if it differs — the unsaved
                // typing, else the latest save waiting in the outbox (on a live page; the
                // offline shell opens the form with it already).
                match local::read(&key).filter(|kept| *kept != server_answers) {
                    Some(kept) => restorable.set(Some(kept)),
                    None if !offline::is_shell() => {
                        let (household, answers) = (household_id.clone(), server_answers.clone());
                        leptos::task::spawn_local(async move {
                            if let Some(kept) = offline::kept_answers(&household, wave)
                                .await
                                .filter(|kept| *kept != answers)
                            {
                                restorable.set(Some(kept));
                            }
                        });
                    }
                    None => {}
                }
            } else if editable.get_untracked() {
                local::write(&key, &current);
            }
        });
    }
    let restore = move |_| {
        if let Some(kept) = restorable.get_untracked() {
            form.set(kept);
            bad.set(Vec::new());
            restorable.set(None);
            generation.update(|g| *g += 1);
        }
    };
    let discard_key = StoredValue::new(key.clone());
    let discard = move |_| {
        local::remove(&discard_key.get_value());
        restorable.set(None);
    };

    // A first survey can start from the registry's people (those still in the household).
    let registry: Vec<MemberInput> = view
        .people
        .iter()
        .filter(|p| p.active)
        .map(|p| p.start.clone())
        .collect();
    let offer_registry = view.answers.is_none() && !registry.is_empty();
    let take_registry = move |_| {
        form.update(|f| f.members = registry.clone());
        bad.set(Vec::new());
        generation.update(|g| *g += 1);
    };

    let take_previous = move |_| {
        if let Some((_, answers)) = previous.clone() {
            form.set(answers);
            bad.set(Vec::new());
            generation.update(|g| *g += 1);
        }
    };

    view! {
        <div class="survey" data-testid="survey-form" data-wave=wave>
            <header class="survey-head">
                <p class="eyebrow">
                    {move || village.name(lang.get()).to_owned()}" · "{wave}<Tr zh=" 年调查" en=" survey" />
                </p>
                <h1>
                    <a href=household_href>{view.head_name.clone()}</a>
                    <span class="muted small">" "{view.registry_no.clone()}</span>
                    " "
                    <span class=move || status_class(status.get()) data-testid="survey-status">
                        {move || status_text(status.get(), lang.get())}
                    </span>
                </h1>
                {comment.map(|c| view! {
                    <p class="warning" data-testid="review-comment"><Tr zh="审核意见：" en="Reviewer's comment: " />{c}</p>
                })}
                {view.locked.clone().map(|why| view! {
                    <p class="notice" data-testid="survey-locked">{move || why.get(lang.get()).to_owned()}</p>
                })}
                {move || restorable.with(Option::is_some).then(|| view! {
                    <p class="notice no-print" data-testid="local-copy">
                        <Tr zh="这台设备上保存有这份问卷未保存到服务器的内容。" en="This device kept answers that never reached the server." />" "
                        <button type="button" data-testid="restore-local" on:click=restore><Tr zh="恢复" en="Restore" /></button>" "
                        <button type="button" class="secondary" on:click=discard><Tr zh="丢弃" en="Discard" /></button>
                    </p>
                })}
                {offer_registry.then(|| view! {
                    <p class="no-print">
                        <button type="button" class="secondary" data-testid="use-registry" on:click=take_registry>
                            <Tr zh="以户籍名单中的成员为起点" en="Start the roster from the registry's people" />
                        </button>
                    </p>
                })}
                {offer_previous.then(|| view! {
                    <p class="no-print">
                        <button type="button" class="secondary" data-testid="use-previous" on:click=take_previous>
                            <Tr zh="以上一轮答案为起点" en="Start from the previous wave's answers" />
                            " ("{view.previous.as_ref().map(|p| p.0).unwrap_or_default()}")"
                        </button>
                    </p>
                })}
            </header>
            {move || {
                generation.track();
                view! {
                    <Members />
                    <Employment />
                    <EquitySection />
                    <Training />
                    <Understory />
                    <Livestock />
                    <Other />
                    <GuaranteesSection />
                }.into_any()
            }}
            <Summary line />
            <SaveBar household=view.household.clone() label=format!("{} {}", view.head_name, view.registry_no) wave status version editable key />
        </div>
    }
}

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
use crate::server_fns::{save_survey, survey_form};

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
        |(household, wave)| survey_form(household, wave),
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
    {
        let key = key.clone();
        Effect::new(move |first: Option<()>| {
            let current = form.get();
            if first.is_none() {
                // Opening the form: offer what this browser kept, if it differs.
                if let Some(kept) = local::read(&key).filter(|kept| *kept != server_answers) {
                    restorable.set(Some(kept));
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
            <SaveBar household=view.household.clone() wave status version editable key />
        </div>
    }
}

/// A section with a heading, its rows and its section-wide messages.
#[component]
fn Section(
    id: &'static str,
    zh: &'static str,
    en: &'static str,
    #[prop(optional)] hint_zh: &'static str,
    #[prop(optional)] hint_en: &'static str,
    children: Children,
) -> impl IntoView {
    let lang = use_lang();
    view! {
        <section class="survey-section" data-section=id>
            <h2><Tr zh=zh en=en /></h2>
            {(!hint_zh.is_empty()).then(|| view! { <p class="hint">{move || lang.get().pick(hint_zh, hint_en)}</p> })}
            {children()}
            <SectionMsgs section=id />
        </section>
    }
}

/// Messages that concern a whole section (one head, days per member), not one field.
#[component]
fn SectionMsgs(section: &'static str) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let lang = use_lang();
    move || {
        ctx.issues.with(|all| {
            all.iter()
                .filter(|i| {
                    let p = i.path.as_str();
                    (p == section || p.starts_with(&format!("{section}.member")))
                        && ctx.visible(p)
                })
                .map(|i| {
                    let text = lang.get().pick(&i.zh, &i.en).to_owned();
                    view! { <p class="field-error" role="alert" data-field=i.path.clone()>{text}</p> }
                })
                .collect_view()
        })
    }
}

/// The message of one field, if any and if it should show.
#[component]
fn Msg(path: String) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let lang = use_lang();
    move || {
        let found = ctx.issues.with(|all| {
            all.iter()
                .find(|i| i.path == path)
                .map(|i| (i.severity, i.zh.clone(), i.en.clone()))
        });
        match found {
            Some((severity, zh, en)) if ctx.visible(&path) => {
                let class = match severity {
                    Severity::Error => "field-error",
                    Severity::Warning => "field-warning",
                };
                let text = lang.get().pick(&zh, &en).to_owned();
                Some(view! { <span class=class role="alert" data-field=path.clone()>{text}</span> })
            }
            _ => None,
        }
    }
}

/// A number field. Its text is the user's; the form holds the number (an empty field is 0),
/// or the field is marked as not a number.
#[component]
fn Num(
    path: String,
    zh: &'static str,
    en: &'static str,
    #[prop(optional)] unit_zh: &'static str,
    #[prop(optional)] integer: bool,
    get: FieldGet<f64>,
    set: FieldSet<f64>,
) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let lang = use_lang();
    let initial = ctx.form.with_untracked(|f| get(f));
    let text = if initial == 0.0 && path.ends_with("birth_year") {
        String::new()
    } else {
        format::plain(initial)
    };
    let input_path = path.clone();
    let blur_path = path.clone();
    let invalid_path = path.clone();
    let on_input = move |ev: leptos::ev::Event| {
        let raw = event_target_value(&ev);
        let cleaned: String = raw
            .trim()
            .chars()
            .filter(|c| *c != ',' && *c != '，')
            .collect();
        let parsed = match cleaned.as_str() {
            "" => Some(0.0),
            text => text.parse::<f64>().ok().filter(|v| v.is_finite()),
        };
        let parsed = parsed.filter(|v| !integer || v.fract() == 0.0);
        ctx.bad.update(|b| b.retain(|(p, _)| p != &input_path));
        match parsed {
            Some(value) => ctx.form.update(|f| set(f, value)),
            None => ctx.bad.update(|b| b.push((input_path.clone(), integer))),
        }
    };
    view! {
        <label class="field">
            <span>{move || lang.get().pick(zh, en)}{(!unit_zh.is_empty()).then(|| view! { <span class="unit">"（"{unit_zh}"）"</span> })}</span>
            <input
                type="text"
                inputmode=if integer { "numeric" } else { "decimal" }
                name=path.clone()
                value=text
                disabled=move || !ctx.editable.get()
                aria-invalid=move || ctx.issues.with(|all| all.iter().any(|i| i.path == invalid_path && i.severity == Severity::Error)).to_string()
                on:input=on_input
                on:change=move |_| ctx.touch(&blur_path)
            />
            <Msg path />
        </label>
    }
}

/// A choice from a closed vocabulary.
#[component]
fn Choice(
    path: String,
    zh: &'static str,
    en: &'static str,
    options: Options,
    get: FieldGet<String>,
    set: FieldSet<String>,
) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let lang = use_lang();
    let current = ctx.form.with_untracked(|f| get(f));
    let change_path = path.clone();
    view! {
        <label class="field">
            <span>{move || lang.get().pick(zh, en)}</span>
            <select
                name=path.clone()
                disabled=move || !ctx.editable.get()
                on:change=move |ev| {
                    let value = event_target_value(&ev);
                    ctx.form.update(|f| set(f, value));
                    ctx.touch(&change_path);
                }
            >
                <option value="" selected=current.is_empty()>{move || lang.get().pick("请选择", "choose")}</option>
                {options.iter().map(|(code, zh, en)| {
                    let (zh, en) = (zh.clone(), en.clone());
                    view! { <option value=*code selected=*code == current>{move || lang.get().pick(&zh, &en).to_owned()}</option> }
                }).collect_view()}
            </select>
            <Msg path />
        </label>
    }
}

/// Which roster member a row is about: "1 户主 1975".
#[component]
fn MemberPick(path: String, get: FieldGet<f64>, set: FieldSet<f64>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let lang = use_lang();
    let current = ctx.form.with_untracked(|f| get(f)) as i64;
    let roster = Memo::new(move |_| {
        ctx.form.with(|f| {
            f.members
                .iter()
                .map(|m| (m.relation.clone(), m.birth_year))
                .collect::<Vec<_>>()
        })
    });
    let change_path = path.clone();
    view! {
        <label class="field">
            <span><Tr zh="成员" en="Member" /></span>
            <select
                name=path.clone()
                disabled=move || !ctx.editable.get()
                on:change=move |ev| {
                    let value = event_target_value(&ev).parse::<f64>().unwrap_or(0.0);
                    ctx.form.update(|f| set(f, value));
                    ctx.touch(&change_path);
                }
            >
                <option value="0" selected=current == 0>{move || lang.get().pick("请选择", "choose")}</option>
                {move || roster.get().into_iter().enumerate().map(|(i, (relation, year))| {
                    let no = i as i64 + 1;
                    let relation = domain::Relation::parse(&relation).map(|r| r.in_lang(lang.get())).unwrap_or_default();
                    let year = if year > 0 { year.to_string() } else { String::new() };
                    view! { <option value=no.to_string() selected=no == current>{format!("{no} {relation} {year}")}</option> }
                }).collect_view()}
            </select>
            <Msg path />
        </label>
    }
}

#[component]
fn Check(
    path: String,
    zh: &'static str,
    en: &'static str,
    get: FieldGet<bool>,
    set: FieldSet<bool>,
) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let lang = use_lang();
    let checked = ctx.form.with_untracked(|f| get(f));
    view! {
        <label class="check">
            <input
                type="checkbox"
                name=path
                checked=checked
                disabled=move || !ctx.editable.get()
                on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    ctx.form.update(|f| set(f, on));
                }
            />
            <span>{move || lang.get().pick(zh, en)}</span>
        </label>
    }
}

/// A list section's rows: redrawn when rows are added or removed, not on every keystroke.
fn rows(
    count: impl Fn(&SurveyInput) -> usize + Send + Sync + 'static,
    row: impl Fn(usize) -> AnyView + Send + Sync + 'static,
) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let len = Memo::new(move |_| ctx.form.with(&count));
    move || (0..len.get()).map(&row).collect_view()
}

/// The remove button of a row; `fix` keeps member references right when a member goes.
fn remove_button(remove: impl Fn(&mut SurveyInput) + Send + Sync + 'static) -> AnyView {
    let ctx = expect_context::<Ctx>();
    let remove = Arc::new(remove);
    (move || {
        let remove = remove.clone();
        ctx.editable.get().then(|| {
            view! {
                <button type="button" class="remove-row" on:click=move |_| {
                    ctx.form.update(|f| remove(f));
                    // Row positions shift: their old text-not-a-number marks no longer apply.
                    ctx.bad.set(Vec::new());
                }>
                    <Tr zh="删除此行" en="Remove row" />
                </button>
            }
        })
    })
    .into_any()
}

fn add_button(
    zh: &'static str,
    en: &'static str,
    add: impl Fn(&mut SurveyInput) + Send + Sync + 'static,
) -> AnyView {
    let ctx = expect_context::<Ctx>();
    let add = Arc::new(add);
    (move || {
        let add = add.clone();
        ctx.editable.get().then(|| view! {
            <button type="button" class="secondary add-row" on:click=move |_| ctx.form.update(|f| add(f))>
                "+ "<Tr zh=zh en=en />
            </button>
        })
    })
    .into_any()
}

macro_rules! text_field {
    ($list:ident, $i:expr, $field:ident) => {
        (
            Arc::new(move |f: &SurveyInput| {
                f.$list
                    .get($i)
                    .map(|r| r.$field.clone())
                    .unwrap_or_default()
            }) as FieldGet<String>,
            Arc::new(move |f: &mut SurveyInput, v: String| {
                if let Some(r) = f.$list.get_mut($i) {
                    r.$field = v;
                }
            }) as FieldSet<String>,
        )
    };
}

macro_rules! num_field {
    ($list:ident, $i:expr, $field:ident) => {
        (
            Arc::new(move |f: &SurveyInput| f.$list.get($i).map_or(0.0, |r| r.$field as f64))
                as FieldGet<f64>,
            Arc::new(move |f: &mut SurveyInput, v: f64| {
                if let Some(r) = f.$list.get_mut($i) {
                    r.$field = v as _;
                }
            }) as FieldSet<f64>,
        )
    };
}

/// Removing member `no` (1-based): rows that named it name nobody (and say so); rows that
/// named a later member follow it down.
fn renumber(rows: &mut [i64], no: i64) {
    for r in rows {
        if *r == no {
            *r = 0;
        } else if *r > no {
            *r -= 1;
        }
    }
}

#[component]
fn Members() -> impl IntoView {
    let sex = vocab(domain::Sex::ALL, domain::Sex::code);
    let relation = vocab(domain::Relation::ALL, domain::Relation::code);
    let ethnicity = vocab(domain::Ethnicity::ALL, domain::Ethnicity::code);
    let education = vocab(domain::Education::ALL, domain::Education::code);
    let health = vocab(domain::Health::ALL, domain::Health::code);
    let labour = vocab(domain::LabourAbility::ALL, domain::LabourAbility::code);
    let row = move |i: usize| {
        let p = |f: &str| format!("members[{i}].{f}");
        let (gs, ss) = text_field!(members, i, sex);
        let (gr, sr) = text_field!(members, i, relation);
        let (ge, se) = text_field!(members, i, ethnicity);
        let (gd, sd) = text_field!(members, i, education);
        let (gh, sh) = text_field!(members, i, health);
        let (gl, sl) = text_field!(members, i, labour);
        let (gy, sy) = num_field!(members, i, birth_year);
        view! {
            <fieldset class="row-card" data-row=format!("members[{i}]")>
                <legend>{i + 1}</legend>
                <Choice path=p("relation") zh="与户主关系" en="Relation to head" options=relation.clone() get=gr set=sr />
                <Choice path=p("sex") zh="性别" en="Sex" options=sex.clone() get=gs set=ss />
                <Num path=p("birth_year") zh="出生年份" en="Birth year" integer=true get=gy set=sy />
                <Choice path=p("ethnicity") zh="民族" en="Ethnicity" options=ethnicity.clone() get=ge set=se />
                <Choice path=p("education") zh="文化程度" en="Education" options=education.clone() get=gd set=sd />
                <Choice path=p("health") zh="健康状况" en="Health" options=health.clone() get=gh set=sh />
                <Choice path=p("labour") zh="劳动能力" en="Labour ability" options=labour.clone() get=gl set=sl />
                {remove_button(move |f| {
                    if i < f.members.len() {
                        f.members.remove(i);
                        let no = i as i64 + 1;
                        let mut refs: Vec<i64> = f.employment.iter().map(|r| r.member_no).chain(f.training.iter().map(|r| r.member_no)).collect();
                        renumber(&mut refs, no);
                        let (employment, training) = refs.split_at(f.employment.len());
                        f.employment.iter_mut().zip(employment).for_each(|(r, n)| r.member_no = *n);
                        f.training.iter_mut().zip(training).for_each(|(r, n)| r.member_no = *n);
                    }
                })}
            </fieldset>
        }
        .into_any()
    };
    view! {
        <Section id="members" zh="一、家庭成员" en="1. Household members" hint_zh="本调查期内同吃同住的成员，户主只有一人。" hint_en="Everyone who lives and eats with the household in this wave; exactly one head.">
            {rows(|f| f.members.len(), row)}
            {add_button("添加成员", "Add member", |f| f.members.push(MemberInput { ethnicity: "yi".into(), ..MemberInput::default() }))}
        </Section>
    }
}

#[component]
fn Employment() -> impl IntoView {
    let activity = vocab(domain::Activity::ALL, domain::Activity::code);
    let row = move |i: usize| {
        let p = |f: &str| format!("employment[{i}].{f}");
        let (gm, sm) = num_field!(employment, i, member_no);
        let (ga, sa) = text_field!(employment, i, activity);
        let (gd, sd) = num_field!(employment, i, days);
        let (gw, sw) = num_field!(employment, i, wages);
        view! {
            <fieldset class="row-card" data-row=format!("employment[{i}]")>
                <MemberPick path=p("member_no") get=gm set=sm />
                <Choice path=p("activity") zh="务工类型" en="Activity" options=activity.clone() get=ga set=sa />
                <Num path=p("days") zh="天数" en="Days" unit_zh="天" integer=true get=gd set=sd />
                <Num path=p("wages") zh="工资收入" en="Wages" unit_zh="元" get=gw set=sw />
                {remove_button(move |f| { if i < f.employment.len() { f.employment.remove(i); } })}
            </fieldset>
        }
        .into_any()
    };
    view! {
        <Section id="employment" zh="二、务工" en="2. Employment" hint_zh="造林、管护、护林员等项目务工和其他务工，每人每项一行；一人全年合计不超过366天。" hint_en="Programme work (afforestation, tending, ranger…) and other work, one row per person and activity; at most 366 days a person.">
            {rows(|f| f.employment.len(), row)}
            {add_button("添加务工", "Add employment", |f| f.employment.push(EmploymentInput { member_no: 1, ..EmploymentInput::default() }))}
        </Section>
    }
}

#[component]
fn EquitySection() -> impl IntoView {
    let land: (FieldGet<f64>, FieldSet<f64>) = (
        Arc::new(|f| f.equity.land_mu),
        Arc::new(|f, v| f.equity.land_mu = v),
    );
    let shares: (FieldGet<f64>, FieldSet<f64>) = (
        Arc::new(|f| f.equity.shares),
        Arc::new(|f, v| f.equity.shares = v),
    );
    let dividends: (FieldGet<f64>, FieldSet<f64>) = (
        Arc::new(|f| f.equity.dividends),
        Arc::new(|f, v| f.equity.dividends = v),
    );
    view! {
        <Section id="equity" zh="三、集体林地入股" en="3. Forest-land equity" hint_zh="入股合作社或村集体的林地、持有股份和本期分红。" hint_en="Forest land contributed to the cooperative or collective, shares held and dividends this wave.">
            <div class="row-card">
                <Num path="equity.land_mu".into() zh="入股林地面积" en="Land contributed" unit_zh="亩" get=land.0 set=land.1 />
                <Num path="equity.shares".into() zh="持有股份" en="Shares held" unit_zh="股" get=shares.0 set=shares.1 />
                <Num path="equity.dividends".into() zh="分红收入" en="Dividends" unit_zh="元" get=dividends.0 set=dividends.1 />
            </div>
        </Section>
    }
}

#[component]
fn Training() -> impl IntoView {
    let topic = vocab(domain::TrainingTopic::ALL, domain::TrainingTopic::code);
    let row = move |i: usize| {
        let p = |f: &str| format!("training[{i}].{f}");
        let (gm, sm) = num_field!(training, i, member_no);
        let (gt, st) = text_field!(training, i, topic);
        let (gd, sd) = num_field!(training, i, days);
        view! {
            <fieldset class="row-card" data-row=format!("training[{i}]")>
                <MemberPick path=p("member_no") get=gm set=sm />
                <Choice path=p("topic") zh="培训内容" en="Topic" options=topic.clone() get=gt set=st />
                <Num path=p("days") zh="天数" en="Days" unit_zh="天" integer=true get=gd set=sd />
                {remove_button(move |f| { if i < f.training.len() { f.training.remove(i); } })}
            </fieldset>
        }
        .into_any()
    };
    view! {
        <Section id="training" zh="四、技能培训" en="4. Training">
            {rows(|f| f.training.len(), row)}
            {add_button("添加培训", "Add training", |f| f.training.push(TrainingInput { member_no: 1, ..TrainingInput::default() }))}
        </Section>
    }
}

#[component]
fn Understory() -> impl IntoView {
    let product = vocab(
        domain::UnderstoryProduct::ALL,
        domain::UnderstoryProduct::code,
    );
    let row = move |i: usize| {
        let p = |f: &str| format!("understory[{i}].{f}");
        let (gp, sp) = text_field!(understory, i, product);
        let (ga, sa) = num_field!(understory, i, area_mu);
        let (go, so) = num_field!(understory, i, output_kg);
        let (gs, ss) = num_field!(understory, i, sales);
        let (gc, sc) = num_field!(understory, i, costs);
        view! {
            <fieldset class="row-card" data-row=format!("understory[{i}]")>
                <Choice path=p("product") zh="产品" en="Product" options=product.clone() get=gp set=sp />
                <Num path=p("area_mu") zh="面积" en="Area" unit_zh="亩" get=ga set=sa />
                <Num path=p("output_kg") zh="产量" en="Output" unit_zh="公斤" get=go set=so />
                <Num path=p("sales") zh="销售收入" en="Sales" unit_zh="元" get=gs set=ss />
                <Num path=p("costs") zh="生产成本" en="Costs" unit_zh="元" get=gc set=sc />
                {remove_button(move |f| { if i < f.understory.len() { f.understory.remove(i); } })}
            </fieldset>
        }
        .into_any()
    };
    view! {
        <Section id="understory" zh="五、林下种植" en="5. Understory crops" hint_zh="花椒、核桃、魔芋、中药材等；纯收入 = 销售收入 − 成本。" hint_en="Sichuan pepper, walnut, konjac, herbs…; net = sales − costs.">
            {rows(|f| f.understory.len(), row)}
            {add_button("添加产品", "Add product", |f| f.understory.push(UnderstoryInput::default()))}
        </Section>
    }
}

#[component]
fn Livestock() -> impl IntoView {
    let species = vocab(
        domain::LivestockSpecies::ALL,
        domain::LivestockSpecies::code,
    );
    let row = move |i: usize| {
        let p = |f: &str| format!("livestock[{i}].{f}");
        let (gs, ss) = text_field!(livestock, i, species);
        let (g0, s0) = num_field!(livestock, i, head_start);
        let (gb, sb) = num_field!(livestock, i, born);
        let (gd, sd) = num_field!(livestock, i, died);
        let (gl, sl) = num_field!(livestock, i, sold);
        let (ge, se) = num_field!(livestock, i, head_end);
        let (gv, sv) = num_field!(livestock, i, sales);
        let (gc, sc) = num_field!(livestock, i, costs);
        let (gn, sn) = text_field!(livestock, i, correction_note);
        let note_path = p("correction_note");
        let ctx = expect_context::<Ctx>();
        let note = ctx.form.with_untracked(|f| gn(f));
        view! {
            <fieldset class="row-card" data-row=format!("livestock[{i}]")>
                <Choice path=p("species") zh="种类" en="Species" options=species.clone() get=gs set=ss />
                <Num path=p("head_start") zh="期初存栏" en="Head at start" unit_zh="头/只" integer=true get=g0 set=s0 />
                <Num path=p("born") zh="出生" en="Born" integer=true get=gb set=sb />
                <Num path=p("died") zh="死亡" en="Died" integer=true get=gd set=sd />
                <Num path=p("sold") zh="出售" en="Sold" integer=true get=gl set=sl />
                <Num path=p("head_end") zh="期末存栏" en="Head at end" integer=true get=ge set=se />
                <Num path=p("sales") zh="销售收入" en="Sales" unit_zh="元" get=gv set=sv />
                <Num path=p("costs") zh="饲养成本" en="Costs" unit_zh="元" get=gc set=sc />
                <label class="field wide">
                    <span><Tr zh="更正说明（存栏对不上时填写，如购入）" en="Correction note (when the count does not balance, e.g. bought)" /></span>
                    <input type="text" name=note_path value=note disabled=move || !ctx.editable.get()
                        on:input=move |ev| { let v = event_target_value(&ev); ctx.form.update(|f| sn(f, v)); } />
                </label>
                {remove_button(move |f| { if i < f.livestock.len() { f.livestock.remove(i); } })}
            </fieldset>
        }
        .into_any()
    };
    view! {
        <Section id="livestock" zh="六、养殖" en="6. Livestock" hint_zh="期末存栏 = 期初 + 出生 − 死亡 − 出售。" hint_en="Head at end = start + born − died − sold.">
            {rows(|f| f.livestock.len(), row)}
            {add_button("添加畜禽", "Add livestock", |f| f.livestock.push(LivestockInput::default()))}
        </Section>
    }
}

#[component]
fn Other() -> impl IntoView {
    let pair = |get: fn(&SurveyInput) -> f64,
                set: fn(&mut SurveyInput, f64)|
     -> (FieldGet<f64>, FieldSet<f64>) { (Arc::new(get), Arc::new(set)) };
    let crop = pair(
        |f| f.other_income.crop_net,
        |f, v| f.other_income.crop_net = v,
    );
    let transfers = pair(
        |f| f.other_income.transfers,
        |f, v| f.other_income.transfers = v,
    );
    let remittances = pair(
        |f| f.other_income.remittances,
        |f, v| f.other_income.remittances = v,
    );
    let other = pair(|f| f.other_income.other, |f, v| f.other_income.other = v);
    view! {
        <Section id="other_income" zh="七、其他收入" en="7. Other income">
            <div class="row-card">
                <Num path="other_income.crop_net".into() zh="种植业纯收入" en="Crop farming, net" unit_zh="元" get=crop.0 set=crop.1 />
                <Num path="other_income.transfers".into() zh="转移性收入（养老金、低保、生态补偿等）" en="Transfers (pension, dibao, eco-compensation…)" unit_zh="元" get=transfers.0 set=transfers.1 />
                <Num path="other_income.remittances".into() zh="外出人员寄回" en="Remittances" unit_zh="元" get=remittances.0 set=remittances.1 />
                <Num path="other_income.other".into() zh="其他收入" en="Other" unit_zh="元" get=other.0 set=other.1 />
            </div>
        </Section>
    }
}

#[component]
fn GuaranteesSection() -> impl IntoView {
    let pair = |get: fn(&SurveyInput) -> bool,
                set: fn(&mut SurveyInput, bool)|
     -> (FieldGet<bool>, FieldSet<bool>) { (Arc::new(get), Arc::new(set)) };
    let food = pair(
        |f| f.guarantees.food_clothing_secure,
        |f, v| f.guarantees.food_clothing_secure = v,
    );
    let school = pair(
        |f| f.guarantees.schooling_ok,
        |f, v| f.guarantees.schooling_ok = v,
    );
    let insured = pair(|f| f.guarantees.insured, |f, v| f.guarantees.insured = v);
    let housing = pair(
        |f| f.guarantees.housing_safe,
        |f, v| f.guarantees.housing_safe = v,
    );
    let water = pair(
        |f| f.guarantees.water_safe,
        |f, v| f.guarantees.water_safe = v,
    );
    view! {
        <Section id="guarantees" zh="八、两不愁三保障及饮水安全" en="8. Basic guarantees and safe water" hint_zh="达到的打勾。" hint_en="Tick what is met.">
            <div class="checks">
                <Check path="guarantees.food_clothing_secure".into() zh="不愁吃、不愁穿" en="Food and clothing secure" get=food.0 set=food.1 />
                <Check path="guarantees.schooling_ok".into() zh="义务教育阶段子女无辍学" en="School-age children all in school" get=school.0 set=school.1 />
                <Check path="guarantees.insured".into() zh="参加基本医疗保险" en="All insured" get=insured.0 set=insured.1 />
                <Check path="guarantees.housing_safe".into() zh="住房安全" en="House safe" get=housing.0 set=housing.1 />
                <Check path="guarantees.water_safe".into() zh="饮水安全" en="Safe drinking water" get=water.0 set=water.1 />
            </div>
        </Section>
    }
}

/// Net income from what is typed so far: every source, costs subtracted (yuan).
fn net_income(f: &SurveyInput) -> f64 {
    let o = &f.other_income;
    f.employment.iter().map(|r| r.wages).sum::<f64>()
        + f.equity.dividends
        + f.understory.iter().map(|r| r.sales - r.costs).sum::<f64>()
        + f.livestock.iter().map(|r| r.sales - r.costs).sum::<f64>()
        + o.crop_net
        + o.transfers
        + o.remittances
        + o.other
}

/// The computed summary, following every change.
#[component]
fn Summary(line: f64) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let lang = use_lang();
    let figures = Memo::new(move |_| {
        ctx.form.with(|f| {
            let net = net_income(f);
            let size = f.members.len();
            let guarantees = f.guarantees.all_met();
            (net, size, (size > 0).then(|| net / size as f64), guarantees)
        })
    });
    let counts = Memo::new(move |_| {
        ctx.issues.with(|all| {
            let errors = all.iter().filter(|i| i.severity == Severity::Error).count();
            (errors, all.len() - errors)
        })
    });
    view! {
        <aside class="survey-summary" aria-live="polite" data-testid="survey-summary">
            <h2><Tr zh="计算结果" en="Computed" /></h2>
            <dl>
                <dt><Tr zh="家庭纯收入" en="Net income" /></dt>
                <dd data-testid="summary-net">{move || format::figure(figures.get().0, 2, lang.get())}<Tr zh=" 元" en=" RMB" /></dd>
                <dt><Tr zh="家庭人口" en="Members" /></dt>
                <dd data-testid="summary-size">{move || figures.get().1}</dd>
                <dt><Tr zh="人均纯收入" en="Per capita" /></dt>
                <dd data-testid="summary-per-capita">{move || figures.get().2.map(|p| format::figure(p, 2, lang.get())).unwrap_or_else(|| "—".into())}<Tr zh=" 元" en=" RMB" /></dd>
                <dt><Tr zh="对照贫困线" en="Against the line" /></dt>
                <dd data-testid="summary-status">{move || {
                    let l = lang.get();
                    let line_text = format::figure(line, 0, l);
                    match figures.get().2 {
                        None => l.pick("—", "—").to_owned(),
                        Some(p) if p < line => format!("{}（{line_text}）", l.pick("低于贫困线", "below the line")),
                        Some(p) if p < line * 1.2 => format!("{}（{line_text}）", l.pick("高于贫困线但不足20%，需关注", "less than 20% above the line: watch")),
                        Some(_) => format!("{}（{line_text}）", l.pick("高于贫困线", "above the line")),
                    }
                }}</dd>
                <dt><Tr zh="两不愁三保障" en="Guarantees" /></dt>
                <dd>{move || match figures.get().3 { true => lang.get().pick("全部达标", "all met"), false => lang.get().pick("未全部达标", "not all met") }}</dd>
            </dl>
            <p class="small" data-testid="summary-issues">{move || {
                let (errors, warnings) = counts.get();
                match lang.get() {
                    Lang::Zh => format!("{errors} 处错误，{warnings} 处提示"),
                    Lang::En => format!("{errors} error(s), {warnings} warning(s)"),
                }
            }}</p>
        </aside>
    }
}

/// A random UUID (version 4) for one save, from the browser's cryptographic generator.
fn new_client_id() -> String {
    let mut bytes = [0u8; 16];
    #[cfg(feature = "hydrate")]
    if let Some(crypto) = web_sys::window().and_then(|w| w.crypto().ok()) {
        // A failure leaves zeros; the server refuses no id, and a zero id only risks a
        // replay of the household's own last save.
        let _ = crypto.get_random_values_with_u8_array(&mut bytes);
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// What the last save attempt came to.
#[derive(Clone)]
enum Said {
    Saved(SurveySaved),
    /// Only warnings: the user may confirm and submit.
    Confirm(Vec<FieldIssue>),
    Refused(Vec<FieldIssue>),
    /// The answer never came (network, server down): the same save may be retried.
    Lost(crate::error::AppError),
}

#[component]
fn SaveBar(
    household: String,
    wave: i32,
    status: RwSignal<Option<SurveyStatus>>,
    version: RwSignal<i32>,
    editable: RwSignal<bool>,
    /// Where the form's unsaved answers are kept in this browser.
    key: String,
) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let lang = use_lang();
    let said = RwSignal::new(None::<Said>);
    // The id of a save whose answer was lost, and what it sent: sending the same again
    // reuses it, so the server can tell a retry from a new save.
    let pending = StoredValue::new(None::<(String, SurveyInput, bool, bool)>);
    let save = Action::new(|input: &SurveySaveInput| save_survey(input.clone()));
    let send = move |submit: bool, confirm: bool| {
        ctx.tried.set(true);
        let blocking = ctx
            .issues
            .with_untracked(|all| all.iter().any(|i| i.severity == Severity::Error));
        if blocking {
            said.set(None);
            return;
        }
        let answers = ctx.form.get_untracked();
        let client_id = match pending.get_value() {
            Some((id, sent, s, c)) if sent == answers && s == submit && c == confirm => id,
            _ => new_client_id(),
        };
        pending.set_value(Some((client_id.clone(), answers.clone(), submit, confirm)));
        save.dispatch(SurveySaveInput {
            household: household.clone(),
            wave,
            client_id,
            base_version: version.get_untracked(),
            submit,
            confirm_warnings: confirm,
            answers,
        });
    };
    Effect::new(move |_| {
        let Some(result) = save.value().get() else {
            return;
        };
        let outcome = match result {
            Ok(Ok(saved)) => {
                pending.set_value(None);
                local::remove(&key);
                version.set(saved.version);
                if saved.status != SurveyStatus::Draft {
                    editable.set(false);
                }
                status.set(Some(saved.status));
                Said::Saved(saved)
            }
            Ok(Err(issues)) => {
                pending.set_value(None);
                match issues.iter().all(|i| i.warning) {
                    true => Said::Confirm(issues),
                    false => Said::Refused(issues),
                }
            }
            Err(err) => Said::Lost(err),
        };
        said.set(Some(outcome));
    });
    let send_draft = send.clone();
    let send_submit = send.clone();
    let send_confirm = send;
    let pending_now = save.pending();
    let blocked = move || {
        ctx.tried.get()
            && ctx
                .issues
                .with(|all| all.iter().any(|i| i.severity == Severity::Error))
    };
    view! {
        <div class="save-bar no-print" data-testid="save-bar">
            {move || editable.get().then(|| {
                let send_draft = send_draft.clone();
                let send_submit = send_submit.clone();
                view! {
                    <button type="button" class="secondary" data-testid="save-draft" disabled=move || pending_now.get()
                        on:click=move |_| send_draft(false, false)>
                        <Tr zh="保存草稿" en="Save draft" />
                    </button>
                    <button type="button" data-testid="submit-survey" disabled=move || pending_now.get()
                        on:click=move |_| send_submit(true, false)>
                        <Tr zh="提交审核" en="Submit for review" />
                    </button>
                }
            })}
            {move || pending_now.get().then(|| view! { <span class="muted" role="status"><Tr zh="正在保存…" en="Saving…" /></span> })}
            {move || blocked().then(|| view! {
                <p class="error" role="alert" data-testid="blocked"><Tr zh="有错误未改正，不能保存。请按红字提示修改。" en="Fix the errors shown in red before saving." /></p>
            })}
            <div role="status" data-testid="save-result">
                {move || said.get().map(|s| match s {
                    Said::Saved(saved) => {
                        let l = lang.get();
                        let text = match (saved.status, l) {
                            (SurveyStatus::Draft, Lang::Zh) => format!("草稿已保存（第 {} 版）", saved.version),
                            (SurveyStatus::Draft, Lang::En) => format!("Draft saved (version {})", saved.version),
                            (_, Lang::Zh) => format!("已提交审核（第 {} 版）", saved.version),
                            (_, Lang::En) => format!("Submitted for review (version {})", saved.version),
                        };
                        view! { <p class="ok" data-testid="saved">{text}</p> <a href="/field"><Tr zh="返回调查任务" en="Back to my households" /></a> }.into_any()
                    }
                    Said::Confirm(issues) => {
                        let send_confirm = send_confirm.clone();
                        view! {
                            <div class="warning" data-testid="confirm-warnings">
                                <p><Tr zh="以下数值不常见，请核对。确认无误可继续提交：" en="These values are unusual; check them. If they are right, submit anyway:" /></p>
                                <Issues issues />
                                <button type="button" data-testid="confirm-submit" on:click=move |_| send_confirm(true, true)>
                                    <Tr zh="确认无误，提交" en="They are right: submit" />
                                </button>
                            </div>
                        }.into_any()
                    }
                    Said::Refused(issues) => view! {
                        <div class="error" data-testid="save-refused">
                            <p><Tr zh="没有保存：" en="Not saved: " /></p>
                            <Issues issues />
                            <p class="small"><Tr zh="您填写的内容仍保留在页面上。" en="Everything you typed is still on the page." /></p>
                        </div>
                    }.into_any(),
                    Said::Lost(message) => view! {
                        <div class="error" data-testid="save-lost">
                            <p><Tr zh="网络中断或服务器无响应，不确定是否已保存。您填写的内容仍在页面上，请稍后再点一次（不会重复保存）。" en="The connection failed; the save may or may not have landed. Everything is still on the page: try again (it will not be saved twice)." /></p>
                            <p class="small muted">{move || message.in_lang(lang.get())}</p>
                        </div>
                    }.into_any(),
                })}
            </div>
        </div>
    }
}

/// The browser's local storage, for unsaved answers (nothing on the server side).
mod local {
    use domain::validate::SurveyInput;

    #[cfg(feature = "hydrate")]
    fn storage() -> Option<web_sys::Storage> {
        web_sys::window()?.local_storage().ok()?
    }

    #[cfg(feature = "hydrate")]
    pub fn read(key: &str) -> Option<SurveyInput> {
        let text = storage()?.get_item(key).ok()??;
        serde_json::from_str(&text).ok()
    }

    #[cfg(feature = "hydrate")]
    pub fn write(key: &str, answers: &SurveyInput) {
        if let (Some(storage), Ok(text)) = (storage(), serde_json::to_string(answers)) {
            // A full or disabled storage only loses the safety copy.
            let _ = storage.set_item(key, &text);
        }
    }

    #[cfg(feature = "hydrate")]
    pub fn remove(key: &str) {
        if let Some(storage) = storage() {
            let _ = storage.remove_item(key);
        }
    }

    #[cfg(not(feature = "hydrate"))]
    pub fn read(_: &str) -> Option<SurveyInput> {
        None
    }

    #[cfg(not(feature = "hydrate"))]
    pub fn write(_: &str, _: &SurveyInput) {}

    #[cfg(not(feature = "hydrate"))]
    pub fn remove(_: &str) {}
}

//! The survey form's building blocks: sections, messages, number, choice and check fields,
//! and the buttons that add and remove rows.

use super::*;

/// A section with a heading, its rows and its section-wide messages.
#[component]
pub(super) fn Section(
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
pub(super) fn SectionMsgs(section: &'static str) -> impl IntoView {
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
pub(super) fn Msg(path: String) -> impl IntoView {
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
pub(super) fn Num(
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
pub(super) fn Choice(
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
pub(super) fn MemberPick(path: String, get: FieldGet<f64>, set: FieldSet<f64>) -> impl IntoView {
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
pub(super) fn Check(
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
pub(super) fn rows(
    count: impl Fn(&SurveyInput) -> usize + Send + Sync + 'static,
    row: impl Fn(usize) -> AnyView + Send + Sync + 'static,
) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let len = Memo::new(move |_| ctx.form.with(&count));
    move || (0..len.get()).map(&row).collect_view()
}

/// The remove button of a row; `fix` keeps member references right when a member goes.
pub(super) fn remove_button(remove: impl Fn(&mut SurveyInput) + Send + Sync + 'static) -> AnyView {
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

pub(super) fn add_button(
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

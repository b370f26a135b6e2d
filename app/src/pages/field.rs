//! Field staff's pages: the list of their villages' households with where each survey stands
//! (调查任务), and registering a new household (登记新户) with its ID-card number checked as
//! it is typed and duplicates anywhere refused by the server.

use domain::validate::{check_household, HouseholdInput};
use domain::SurveyStatus;
use domain::{Lang, Localized};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};

use super::{status_class, status_text};
use super::{Failure, Issues};
use crate::error::AppError;
use crate::i18n::{use_lang, Pick, Tr};
use crate::model::{FieldHomeView, OutboxRequest, RegisterFormView, Registered};
use crate::offline;
use crate::server_fns::{field_home, register_form, register_household};

/// `/field`: an enumerator's households and where each one's survey stands for the wave in
/// the URL's `wave` (the latest wave without one).
#[component]
pub fn FieldHomePage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(
        move || query.read().get("wave").and_then(|w| w.parse::<i32>().ok()),
        |wave| async move {
            match offline::is_shell() {
                true => offline::field_home(wave).await,
                false => field_home(wave).await,
            }
        },
    );
    view! {
        <h1><Tr zh="调查任务" en="My households" /></h1>
        <Suspense fallback=move || view! { <p class="muted"><Tr zh="加载中…" en="Loading…" /></p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(home) => view! { <FieldHome home /> }.into_any(),
                    Err(err) => view! { <Failure error=err /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn FieldHome(home: FieldHomeView) -> impl IntoView {
    let lang = use_lang();
    let wave = home.wave;
    let counts = home.counts.clone();
    view! {
        <form method="get" action="/field" class="filters no-print">
            <label>
                <span><Tr zh="调查轮次" en="Wave" /></span>
                <select name="wave">
                    {home.waves.iter().rev().map(|&w| view! { <option value=w.to_string() selected=w == wave>{w}</option> }).collect_view()}
                </select>
            </label>
            <button type="submit"><Tr zh="查看" en="Show" /></button>
            <a class="button" href="/register" data-testid="register-link"><Tr zh="登记新户" en="Register a household" /></a>
        </form>
        <p class="tags" data-testid="field-counts">
            {counts.into_iter().map(|(status, n)| {
                view! { <span class=status_class(status)>{move || status_text(status, lang.get())}" "{n}</span>" " }.into_any()
            }).collect_view()}
        </p>
        {home.villages.is_empty().then(|| view! {
            <p class="muted"><Tr zh="您的账户没有负责的村。管理员请用批量导入，或从村页面查看。" en="Your account has no villages to survey." /></p>
        })}
        {home.villages.into_iter().map(|v| {
            let village = v.village.clone();
            view! {
                <section class="field-village" data-village=v.village.code.clone()>
                    <h2>{move || village.name(lang.get()).to_owned()}" · "{v.households.len()}<Tr zh=" 户" en=" households" /></h2>
                    <div class="table-wrap">
                        <table class="data" data-testid="field-households">
                            <thead><tr>
                                <th><Tr zh="户编号" en="No." /></th>
                                <th><Tr zh="户主" en="Head" /></th>
                                <th><Tr zh="本轮问卷" en="This wave" /></th>
                                <th></th>
                            </tr></thead>
                            <tbody>
                                {v.households.into_iter().map(|h| {
                                    let status = h.status;
                                    let class = status_class(status);
                                    let href = format!("/survey/{}?wave={wave}", h.household);
                                    let (zh, en) = match status {
                                        None => ("开始填写", "Start"),
                                        Some(SurveyStatus::Draft) => ("继续填写", "Continue"),
                                        Some(SurveyStatus::Rejected) => ("修改后重新提交", "Fix and resubmit"),
                                        Some(SurveyStatus::Submitted | SurveyStatus::Approved) => ("查看", "View"),
                                    };
                                    view! {
                                        <tr data-household=h.household.clone()>
                                            <td>{h.registry_no.clone()}</td>
                                            <td><a href=format!("/household/{}", h.household)>{h.head_name.clone()}</a></td>
                                            <td>
                                                <span class=class>{move || status_text(status, lang.get())}</span>
                                                {h.review_comment.clone().map(|c| view! { <span class="small warning">" "{c}</span> })}
                                                {h.on_device.then(|| view! { <span class="tag draft small" data-testid="on-device">" "<Tr zh="本机待上传" en="on this device" /></span> })}
                                            </td>
                                            <td><a href=href data-testid="open-survey">{move || lang.get().pick(zh, en)}</a></td>
                                        </tr>
                                    }
                                    .into_any()
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                </section>
            }
            .into_any()
        }).collect_view()}
    }
}

/// `/register`: the form to register a new household in one of the account's villages.
#[component]
pub fn RegisterPage() -> impl IntoView {
    let data = Resource::new(
        || (),
        |_| async move {
            match offline::is_shell() {
                true => offline::register_form().await,
                false => register_form().await,
            }
        },
    );
    view! {
        <h1><Tr zh="登记新户" en="Register a household" /></h1>
        <Suspense fallback=move || view! { <p class="muted"><Tr zh="加载中…" en="Loading…" /></p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(form) => view! { <RegisterForm form /> }.into_any(),
                    Err(err) => view! { <Failure error=err /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The code a registration's choice field holds, by the field's name.
fn field_value(input: &HouseholdInput, path: &str) -> String {
    match path {
        "head_sex" => input.head_sex.clone(),
        "head_ethnicity" => input.head_ethnicity.clone(),
        "poverty_registration" => input.poverty_registration.clone(),
        "poverty_cause" => input.poverty_cause.clone(),
        "model" => input.model.clone(),
        _ => String::new(),
    }
}

fn options<T: Localized + Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
) -> Vec<(&'static str, String, String)> {
    all.iter().map(|v| (code(*v), v.zh(), v.en())).collect()
}

#[component]
fn RegisterForm(form: RegisterFormView) -> impl IntoView {
    let lang = use_lang();
    let year = form.year;
    let input = RwSignal::new(HouseholdInput {
        village: form
            .villages
            .first()
            .map(|v| v.code.clone())
            .unwrap_or_default(),
        head_ethnicity: "yi".into(),
        poverty_registration: "non_poor".into(),
        ..HouseholdInput::default()
    });
    let tried = RwSignal::new(false);
    let touched = RwSignal::new(Vec::<&'static str>::new());
    let issues = Memo::new(move |_| {
        input.with(|i| match check_household(i, year) {
            Ok((_, warnings)) => warnings,
            Err(issues) => issues,
        })
    });
    let message = move |path: &'static str| {
        move || {
            let show = tried.get() || touched.with(|t| t.contains(&path));
            issues.with(|all| {
                all.iter()
                    .find(|i| i.path == path)
                    .filter(|_| show)
                    .map(|i| {
                        let text = lang.get().pick(&i.zh, &i.en).to_owned();
                        view! { <span class="field-error" role="alert" data-field=path>{text}</span> }
                    })
            })
        }
    };
    let text = move |path: &'static str, set: fn(&mut HouseholdInput, String)| {
        move |ev: leptos::ev::Event| {
            let value = event_target_value(&ev);
            input.update(|i| set(i, value));
            if !touched.with_untracked(|t| t.contains(&path)) {
                touched.update(|t| t.push(path));
            }
        }
    };
    let select = move |path: &'static str,
                       zh: &'static str,
                       en: &'static str,
                       choices: Vec<(&'static str, String, String)>,
                       current: String,
                       set: fn(&mut HouseholdInput, String)| {
        view! {
            <label class="field">
                <span>{move || lang.get().pick(zh, en)}</span>
                <select name=path prop:value=move || input.with(|i| field_value(i, path)) on:change=text(path, set)>
                    <option value="" selected=current.is_empty()>{move || lang.get().pick("请选择", "choose")}</option>
                    {choices.into_iter().map(|(code, zh, en)| view! {
                        <option value=code selected=code == current>{move || lang.get().pick(&zh, &en).to_owned()}</option>
                    }).collect_view()}
                </select>
                {message(path)}
            </label>
        }
        .into_any()
    };
    // What the ID-card number tells, once it is valid.
    let card = move || {
        input
            .with(|i| domain::IdCardNumber::parse(i.head_id_card.trim()).ok())
            .map(|id| {
                let (y, m, d) = id.birth_date();
                let sex = id.sex();
                match lang.get() {
                    Lang::Zh => format!("✓ 校验通过：{y}年{m}月{d}日出生，{}", sex.zh()),
                    Lang::En => format!("✓ valid: born {y}-{m:02}-{d:02}, {}", sex.en()),
                }
            })
    };
    // The household's id, made here: a retry, or the outbox, sends the same one. A
    // registration the server refused is fixed here under its own id (`?outbox=ID`).
    let id = StoredValue::new(super::survey::new_client_id());
    let query = use_query_map();
    Effect::new(move |_| {
        let Some(kept_id) = query.read_untracked().get("outbox") else {
            return;
        };
        leptos::task::spawn_local(async move {
            if let Some(kept) = offline::kept_registration(&kept_id).await {
                id.set_value(kept_id);
                input.set(kept);
                tried.set(true);
            }
        });
    });
    let register = Action::new(move |i: &HouseholdInput| deliver(id.get_value(), i.clone()));
    let navigate = use_navigate();
    Effect::new(move |_| match register.value().get() {
        Some(Ok(Delivered::Saved(done))) => {
            offline::registered(done.household.clone());
            navigate(&format!("/survey/{}", done.household), Default::default());
        }
        Some(Ok(Delivered::Queued)) => {
            let href = format!("/survey/{}", id.get_value());
            match offline::is_shell() {
                true => navigate(&href, Default::default()),
                // A live page without a server: the full load opens the offline shell.
                false => open_page(&href),
            }
        }
        _ => {}
    });
    let villages = form.villages.clone();
    view! {
        <form class="register" data-testid="register-form" on:submit=move |ev| {
            ev.prevent_default();
            tried.set(true);
            let blocking = issues.with_untracked(|all| all.iter().any(|i| i.severity == domain::Severity::Error));
            if !blocking {
                register.dispatch(input.get_untracked());
            }
        }>
            <label class="field">
                <span><Tr zh="所在村" en="Village" /></span>
                <select name="village" prop:value=move || input.with(|i| i.village.clone()) on:change=text("village", |i, v| i.village = v)>
                    {villages.into_iter().map(|v| {
                        let code = v.code.clone();
                        view! { <option value=code>{move || v.name(lang.get()).to_owned()}</option> }
                    }).collect_view()}
                </select>
                {message("village")}
            </label>
            <label class="field">
                <span><Tr zh="户编号" en="Registry number" /></span>
                <input type="text" name="registry_no" prop:value=move || input.with(|i| i.registry_no.clone()) on:input=text("registry_no", |i, v| i.registry_no = v) />
                {message("registry_no")}
            </label>
            <label class="field">
                <span><Tr zh="户主姓名" en="Head's name" /></span>
                <input type="text" name="head_name" autocomplete="off" prop:value=move || input.with(|i| i.head_name.clone()) on:input=text("head_name", |i, v| i.head_name = v) />
                {message("head_name")}
            </label>
            <label class="field">
                <span><Tr zh="户主身份证号（18位）" en="Head's ID-card number (18 characters)" /></span>
                <input type="text" name="head_id_card" autocomplete="off" inputmode="text" maxlength="18"
                    prop:value=move || input.with(|i| i.head_id_card.clone())
                    on:input=text("head_id_card", |i, v| i.head_id_card = v) />
                <span class="hint ok" data-testid="id-card-ok">{card}</span>
                {message("head_id_card")}
            </label>
            <label class="field">
                <span><Tr zh="联系电话（可不填）" en="Phone (optional)" /></span>
                <input type="tel" name="phone" prop:value=move || input.with(|i| i.phone.clone()) on:input=text("phone", |i, v| i.phone = v) />
                {message("phone")}
            </label>
            {select("head_sex", "户主性别", "Head's sex", options(domain::Sex::ALL, domain::Sex::code), String::new(), |i, v| i.head_sex = v)}
            {select("head_ethnicity", "户主民族", "Head's ethnicity", options(domain::Ethnicity::ALL, domain::Ethnicity::code), "yi".into(), |i, v| i.head_ethnicity = v)}
            {select("poverty_registration", "贫困户类别", "Poverty registration", options(domain::PovertyRegistration::ALL, domain::PovertyRegistration::code), "non_poor".into(), |i, v| i.poverty_registration = v)}
            {select("poverty_cause", "主要致贫原因", "Main poverty cause", options(domain::PovertyCause::ALL, domain::PovertyCause::code), String::new(), |i, v| i.poverty_cause = v)}
            {select("model", "参与模式", "Engagement model", options(domain::EngagementModel::ALL, domain::EngagementModel::code), String::new(), |i, v| i.model = v)}
            <label class="field">
                <span><Tr zh="识别为贫困户年份（非贫困户不填）" en="Year registered poor (blank if not)" /></span>
                <input type="text" inputmode="numeric" name="registration_year"
                    prop:value=move || input.with(|i| i.registration_year.map(|y| y.to_string()).unwrap_or_default())
                    on:input=text("registration_year", |i, v| i.registration_year = v.trim().parse().ok()) />
                {message("registration_year")}
            </label>
            <label class="field">
                <span><Tr zh="脱贫年份（未脱贫不填）" en="Exit year (blank if not exited)" /></span>
                <input type="text" inputmode="numeric" name="exit_year"
                    prop:value=move || input.with(|i| i.exit_year.map(|y| y.to_string()).unwrap_or_default())
                    on:input=text("exit_year", |i, v| i.exit_year = v.trim().parse().ok()) />
                {message("exit_year")}
            </label>
            <p>
                <button type="submit" data-testid="register-submit" disabled=move || register.pending().get()>
                    <Tr zh="登记并开始填写问卷" en="Register and start the survey" />
                </button>
            </p>
            {move || register.value().get().and_then(|r| match r {
                Ok(Delivered::Saved(_) | Delivered::Queued) => None,
                Ok(Delivered::Refused(issues)) => Some(view! { <Issues issues /> }.into_any()),
                Err(err) => Some(view! { <Failure error=err /> }.into_any()),
            })}
        </form>
    }
}

/// What became of a registration.
#[derive(Clone)]
enum Delivered {
    Saved(Registered),
    Refused(Vec<crate::model::FieldIssue>),
    /// Kept in the outbox: the server could not be reached.
    Queued,
}

/// Registers the household with the server, or, offline (or when the request fails on the
/// way), keeps the registration in the outbox under the same id.
async fn deliver(id: String, input: HouseholdInput) -> Result<Delivered, AppError> {
    if !offline::is_shell() {
        match register_household(Some(id.clone()), input.clone()).await {
            Ok(Ok(done)) => return Ok(Delivered::Saved(done)),
            Ok(Err(issues)) => return Ok(Delivered::Refused(issues)),
            Err(AppError::Failed(_) | AppError::Unavailable) => {}
            Err(other) => return Err(other),
        }
    }
    let label = format!("{} {}", input.head_name.trim(), input.registry_no.trim());
    offline::enqueue(label, OutboxRequest::Household { id, input }).await?;
    Ok(Delivered::Queued)
}

/// A full page load of `href` (the service worker answers it when the server cannot).
fn open_page(href: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(window) = web_sys::window() {
        let _ = window.location().set_href(href);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = href;
}

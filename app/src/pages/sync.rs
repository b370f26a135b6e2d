//! `/sync` (离线与上传): what this device holds for the signed-in account — the offline
//! package and the outbox — with "prepare for offline", "upload now", the outbox exported to a
//! file, and each item the server did not accept resolved here: a conflict side by side with
//! the server's copy (keep mine, re-based / take the server's), field errors to fix in the
//! form. Supervisors and administrators upload a device's exported file here too.
//!
//! Also the outbox badge every page's header shows.

use std::collections::BTreeMap;

use domain::Lang;
use leptos::prelude::*;
use serde_json::Value;

use super::{Failure, Issues};
use crate::error::AppError;
use crate::format;
use crate::i18n::{use_lang, Pick, Tr};
use crate::model::{
    ImportedOutcome, OutboxImported, OutboxItem, OutboxRequest, OutboxState, SurveyFormView,
};
use crate::offline::{self, DeviceSummary, SyncState};
use crate::server_fns::{survey_form, whoami};

/// How many items wait on this device, following the device's announcements; provided to
/// the whole app (the badge shows it, sign-out warns with it).
pub fn provide_outbox_count() {
    provide_context(OutboxCount(outbox_count()));
}

fn outbox_count() -> RwSignal<u32> {
    let count = RwSignal::new(0u32);
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        {
            let handle = window_event_listener_untyped("tanhui-offline", move |ev| {
                let detail = js_sys::Reflect::get(&ev, &"detail".into()).ok();
                let n = detail
                    .and_then(|d| js_sys::Reflect::get(&d, &"count".into()).ok())
                    .and_then(|n| n.as_f64())
                    .unwrap_or(0.0);
                count.set(n as u32);
            });
            on_cleanup(move || handle.remove());
            offline::announce();
        }
    });
    count
}

/// The header's badge: how many saves and registrations wait on this device (shown when
/// any do, and always on the offline shell), linking to `/sync`.
#[component]
pub fn OutboxBadge() -> impl IntoView {
    let count = expect_context::<OutboxCount>().0;
    let lang = use_lang();
    let shell = RwSignal::new(false);
    Effect::new(move |_| shell.set(offline::is_shell()));
    view! {
        <a href="/sync" class="outbox-badge" data-testid="outbox-badge" data-count=move || count.get()
            hidden=move || count.get() == 0 && !shell.get()
            title=move || lang.get().pick("这台设备上尚未上传的问卷和登记", "saved on this device, not yet uploaded")>
            {move || shell.get().then(|| view! { <span class="offline-dot"><Tr zh="离线 · " en="Offline · " /></span> })}
            <Tr zh="待上传 " en="To upload " />
            <strong>{move || count.get()}</strong>
        </a>
    }
}

/// The outbox count the badge follows, for the sign-out warning.
#[derive(Clone, Copy)]
pub struct OutboxCount(pub RwSignal<u32>);

/// `/sync`: the device's data and outbox.
#[component]
pub fn SyncPage() -> impl IntoView {
    let lang = use_lang();
    let device = RwSignal::new(None::<Result<DeviceSummary, String>>);
    let busy = RwSignal::new(None::<&'static str>);
    let said = RwSignal::new(None::<Result<String, String>>);
    let reload = move || {
        leptos::task::spawn_local(async move {
            device.set(Some(offline::summary().await));
        })
    };
    Effect::new(move |_| {
        reload();
        #[cfg(feature = "hydrate")]
        {
            let handle = window_event_listener_untyped("tanhui-offline", move |_| reload());
            on_cleanup(move || handle.remove());
        }
    });
    let prepare = move |_| {
        busy.set(Some("prepare"));
        leptos::task::spawn_local(async move {
            let result = offline::prepare(None).await;
            said.set(Some(match &result {
                Ok(_) => Ok(lang
                    .get_untracked()
                    .pick(
                        "离线数据已下载到这台设备",
                        "Offline data are on this device",
                    )
                    .to_owned()),
                Err(e) if e == "signin" => Err(lang
                    .get_untracked()
                    .pick(
                        "登录已过期，请重新登录后再准备离线",
                        "Your session ended: sign in again first",
                    )
                    .to_owned()),
                Err(e) => Err(e.clone()),
            }));
            busy.set(None);
            reload();
        });
    };
    let upload = move |_| {
        busy.set(Some("sync"));
        leptos::task::spawn_local(async move {
            let result = offline::sync().await;
            said.set(Some(result.map(|r| {
                sync_text(r.state, r.sent, &r.message, lang.get_untracked())
            })));
            busy.set(None);
            reload();
        });
    };
    let export = move |_| {
        leptos::task::spawn_local(async move {
            let result = offline::export_file().await;
            said.set(Some(result.map(|n| match lang.get_untracked() {
                Lang::Zh => format!("已导出 {n} 项到文件（在浏览器的下载中）。请把文件交给审核员上传。"),
                Lang::En => format!("{n} item(s) written to a file (see the browser's downloads). Give it to a supervisor to upload."),
            })));
        });
    };
    view! {
        <h1><Tr zh="离线与上传" en="Offline and upload" /></h1>
        <p class="muted"><Tr
            zh="没有网络时，调查任务、问卷和登记新户都可以在这台设备上使用；保存的内容先存在本机，联网后自动上传（也可以点“立即上传”）。"
            en="Without a network the household list, the survey form and registration work on this device; saves are kept here and uploaded automatically once online (or tap “Upload now”)." /></p>
        <p class="actions no-print">
            <button type="button" data-testid="prepare-offline" disabled=move || busy.get().is_some() on:click=prepare>
                <Tr zh="准备离线" en="Prepare for offline" />
            </button>" "
            <button type="button" data-testid="sync-now" disabled=move || busy.get().is_some() on:click=upload>
                <Tr zh="立即上传" en="Upload now" />
            </button>" "
            <button type="button" class="secondary" data-testid="export-outbox" on:click=export>
                <Tr zh="导出待上传文件" en="Export the outbox to a file" />
            </button>
        </p>
        {move || busy.get().map(|_| view! { <p class="muted" role="status"><Tr zh="正在处理…" en="Working…" /></p> })}
        <div role="status" data-testid="sync-said">
            {move || said.get().map(|r| match r {
                Ok(text) => view! { <p class="ok">{text}</p> }.into_any(),
                Err(text) => view! { <p class="error" role="alert">{text}</p> }.into_any(),
            })}
        </div>
        {move || device.get().map(|d| match d {
            Ok(summary) => view! { <Device summary /> }.into_any(),
            Err(why) => view! {
                <p class="error" role="alert">
                    <Tr zh="无法读取本机数据：" en="Cannot read this device's data: " />{why}
                </p>
            }.into_any(),
        })}
        <UploadFile />
    }
}

fn sync_text(state: SyncState, sent: u32, message: &str, lang: Lang) -> String {
    match (state, lang) {
        (SyncState::Ok | SyncState::Idle, Lang::Zh) => format!("上传完成（本次 {sent} 项）"),
        (SyncState::Ok | SyncState::Idle, Lang::En) => {
            format!("Upload done ({sent} item(s) this time)")
        }
        (SyncState::Offline, Lang::Zh) => "没有网络，联网后自动上传".into(),
        (SyncState::Offline, Lang::En) => "No network: uploaded automatically once online".into(),
        (SyncState::Signin, Lang::Zh) => "登录已过期：请重新登录，待上传的内容仍在本机".into(),
        (SyncState::Signin, Lang::En) => {
            "Your session ended: sign in again; everything waits on this device".into()
        }
        (SyncState::OtherAccount, Lang::Zh) => {
            format!("现在登录的是 {message}，这些内容只能由录入它们的账号上传")
        }
        (SyncState::OtherAccount, Lang::En) => {
            format!("{message} is signed in: only the account that made these items uploads them")
        }
        (SyncState::Error, Lang::Zh) => format!("服务器出错（{message}），稍后自动重试"),
        (SyncState::Error, Lang::En) => {
            format!("The server failed ({message}); retried automatically")
        }
    }
}

/// When (a local clock reading, milliseconds) as `YYYY-MM-DD HH:MM`.
fn local_time(ms: f64) -> String {
    #[cfg(feature = "hydrate")]
    {
        let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms));
        format!(
            "{}-{:02}-{:02} {:02}:{:02}",
            d.get_full_year(),
            d.get_month() + 1,
            d.get_date(),
            d.get_hours(),
            d.get_minutes()
        )
    }
    #[cfg(not(feature = "hydrate"))]
    format!("{ms}")
}

#[component]
fn Device(summary: DeviceSummary) -> impl IntoView {
    let lang = use_lang();
    let DeviceSummary {
        account,
        package,
        items,
        persisted,
        sync,
    } = summary;
    let Some(account) = account else {
        return view! {
            <p class="notice" data-testid="no-account"><Tr zh="这台设备上没有登录的账号。请先登录。" en="No account is signed in on this device: sign in first." /></p>
        }
        .into_any();
    };
    let last = sync.at.map(|at| {
        format!(
            "{} · {}",
            local_time(at),
            sync_text(sync.state, sync.sent, &sync.message, lang.get_untracked())
        )
    });
    let signin = sync.state == SyncState::Signin;
    view! {
        <section class="device" data-testid="device">
            <h2><Tr zh="本机数据" en="On this device" /></h2>
            <dl class="facts">
                <dt><Tr zh="账号" en="Account" /></dt>
                <dd data-testid="device-account">{account}</dd>
                <dt><Tr zh="离线数据" en="Offline data" /></dt>
                <dd data-testid="device-package">{match package {
                    None => view! { <span class="warning"><Tr zh="尚未准备：请点“准备离线”" en="not prepared: tap “Prepare for offline”" /></span> }.into_any(),
                    Some(p) => {
                        let kb = format::figure(p.bytes as f64 / 1024.0, 0, lang.get_untracked());
                        let refreshed = local_time(p.refreshed_at);
                        view! {
                            <span>{move || match lang.get() {
                                Lang::Zh => format!("{} 年 · {} 个村 · {} 户 · {kb} KB · 服务器生成于 {}（北京时间） · 本机更新于 {refreshed}", p.wave, p.villages, p.households, p.prepared_at),
                                Lang::En => format!("{} · {} village(s) · {} households · {kb} KB · made {} (China time) · stored {refreshed}", p.wave, p.villages, p.households, p.prepared_at),
                            }}</span>
                        }.into_any()
                    }
                }}</dd>
                <dt><Tr zh="持久保存" en="Persistent storage" /></dt>
                <dd data-testid="device-persisted">{match persisted {
                    true => view! { <span class="ok"><Tr zh="浏览器已承诺保留本机数据" en="granted: the browser keeps these data" /></span> }.into_any(),
                    false => view! { <span class="warning"><Tr zh="未获承诺：存储紧张时浏览器可能清除数据，请尽快上传或导出" en="not granted: the browser may clear them when space runs low; upload or export soon" /></span> }.into_any(),
                }}</dd>
                <dt><Tr zh="上次上传" en="Last upload" /></dt>
                <dd data-testid="device-last-sync">{last.unwrap_or_else(|| "—".into())}</dd>
            </dl>
            {signin.then(|| view! {
                <p class="warning" data-testid="sign-in-again">
                    <Tr zh="登录已过期，待上传的内容仍在本机。" en="Your session ended; everything waits on this device. " />
                    <a href="/login?next=/sync"><Tr zh="重新登录" en="Sign in again" /></a>
                </p>
            })}
            <h2><Tr zh="待上传" en="Waiting to upload" />" · "<span data-testid="outbox-total">{items.len()}</span></h2>
            {items.is_empty().then(|| view! { <p class="muted" data-testid="outbox-empty"><Tr zh="没有待上传的内容。" en="Nothing waits." /></p> })}
            <ul class="outbox" data-testid="outbox-items">
                {items.into_iter().map(|item| view! { <Item item /> }).collect_view()}
            </ul>
        </section>
    }
    .into_any()
}

fn what(item: &OutboxItem, lang: Lang) -> String {
    match (&item.request, lang) {
        (OutboxRequest::Household { .. }, Lang::Zh) => "登记新户".into(),
        (OutboxRequest::Household { .. }, Lang::En) => "new household".into(),
        (OutboxRequest::Survey(s), Lang::Zh) => format!(
            "{} 年问卷{}",
            s.wave,
            if s.submit {
                "（提交审核）"
            } else {
                "（草稿）"
            }
        ),
        (OutboxRequest::Survey(s), Lang::En) => format!(
            "{} survey{}",
            s.wave,
            if s.submit { " (submitted)" } else { " (draft)" }
        ),
    }
}

#[component]
fn Item(item: OutboxItem) -> impl IntoView {
    let lang = use_lang();
    let state = item.state;
    let problem = item.problem.clone();
    let created = local_time(item.created_at);
    let (form_href, form_zh, form_en) = match &item.request {
        OutboxRequest::Survey(s) => (
            format!("/survey/{}?wave={}", s.household, s.wave),
            "打开问卷",
            "Open the form",
        ),
        OutboxRequest::Household { id, .. } => (
            format!("/register?outbox={id}"),
            "修改登记",
            "Edit the registration",
        ),
    };
    let state_text = move || match (state, lang.get()) {
        (OutboxState::Waiting, Lang::Zh) => "已保存在本机，尚未上传",
        (OutboxState::Waiting, Lang::En) => "kept on this device, not yet uploaded",
        (OutboxState::Conflict, Lang::Zh) => "冲突：服务器上的问卷已被别人修改",
        (OutboxState::Conflict, Lang::En) => "conflict: someone changed it on the server",
        (OutboxState::Invalid, Lang::Zh) => "服务器发现错误，请修改",
        (OutboxState::Invalid, Lang::En) => "the server found errors: fix them",
        (OutboxState::Refused, Lang::Zh) => "服务器没有接受",
        (OutboxState::Refused, Lang::En) => "the server refused it",
    };
    let class = match state {
        OutboxState::Waiting => "tag draft",
        OutboxState::Conflict | OutboxState::Refused => "tag rejected",
        OutboxState::Invalid => "tag warning",
    };
    let label = item.label.clone();
    let what_text = {
        let item = item.clone();
        move || what(&item, lang.get())
    };
    // A conflict's own view says more than the server's message (which speaks of a form).
    let message = problem
        .as_ref()
        .filter(|_| state != OutboxState::Conflict)
        .map(|p| (p.zh.clone(), p.en.clone()));
    let issues = problem.map(|p| p.issues).unwrap_or_default();
    let id = item.request.client_id().to_owned();
    view! {
        <li class="outbox-item" data-state=format!("{state:?}").to_lowercase() data-id=id.clone()>
            <strong>{label}</strong>" · "{what_text}" · "<span class="small muted">{created}</span>" "
            <span class=class>{state_text}</span>
            {message.filter(|(zh, _)| !zh.is_empty()).map(|(zh, en)| view! { <p class="small">{move || lang.get().pick(&zh, &en).to_owned()}</p> })}
            {(!issues.is_empty()).then(|| view! { <Issues issues /> })}
            {matches!(state, OutboxState::Invalid | OutboxState::Waiting).then(|| view! {
                <a href=form_href.clone() class="small" data-testid="fix-item">{move || lang.get().pick(form_zh, form_en)}</a>
            })}
            {(state == OutboxState::Conflict).then(|| view! { <Conflict item=item.clone() /> })}
            {(state == OutboxState::Refused).then(|| {
                let id = id.clone();
                view! { <Discard id /> }
            })}
        </li>
    }
}

/// Dropping a refused item, after asking.
#[component]
fn Discard(id: String) -> impl IntoView {
    let lang = use_lang();
    let drop_it = move |_| {
        let sure = lang.get_untracked().pick(
            "放弃这一项？它的内容将从这台设备上删除，不会上传。",
            "Discard this item? It is removed from this device and never uploaded.",
        );
        if confirm(sure) {
            let id = id.clone();
            leptos::task::spawn_local(async move {
                let _ = offline::resolve(&id, false, 0).await;
            });
        }
    };
    view! {
        <button type="button" class="secondary small" data-testid="discard-item" on:click=drop_it>
            <Tr zh="放弃这一项" en="Discard" />
        </button>
    }
}

fn confirm(text: &str) -> bool {
    #[cfg(feature = "hydrate")]
    return web_sys::window()
        .and_then(|w| w.confirm_with_message(text).ok())
        .unwrap_or(false);
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = text;
        false
    }
}

/// Every leaf of a JSON value by its path (`members[0].name`).
fn leaves(value: &Value, path: String, out: &mut BTreeMap<String, String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                let next = match path.is_empty() {
                    true => key.clone(),
                    false => format!("{path}.{key}"),
                };
                leaves(v, next, out);
            }
        }
        Value::Array(list) => {
            for (i, v) in list.iter().enumerate() {
                leaves(v, format!("{path}[{i}]"), out);
            }
        }
        Value::Null => {
            out.insert(path, String::new());
        }
        Value::String(s) => {
            out.insert(path, s.clone());
        }
        // Yuan and days as a person writes them: 5600, not 5600.0.
        Value::Number(n)
            if n.as_f64()
                .is_some_and(|f| f.fract() == 0.0 && f.abs() < 1e15) =>
        {
            out.insert(path, format!("{}", n.as_f64().unwrap_or_default() as i64));
        }
        other => {
            out.insert(path, other.to_string());
        }
    }
}

/// A survey field's path (`employment[0].wages`) as a person reads it: "务工 第1行 · 工资收入".
pub fn field_label(path: &str, lang: Lang) -> String {
    const NAMES: &[(&str, &str, &str)] = &[
        ("members", "家庭成员", "Member"),
        ("employment", "务工", "Employment"),
        ("equity", "林地入股", "Equity"),
        ("training", "培训", "Training"),
        ("understory", "林下种植", "Understory"),
        ("livestock", "养殖", "Livestock"),
        ("other_income", "其他收入", "Other income"),
        ("guarantees", "两不愁三保障", "Guarantees"),
        ("relation", "与户主关系", "relation to head"),
        ("sex", "性别", "sex"),
        ("birth_year", "出生年份", "birth year"),
        ("ethnicity", "民族", "ethnicity"),
        ("education", "文化程度", "education"),
        ("health", "健康状况", "health"),
        ("labour", "劳动能力", "labour ability"),
        ("person_id", "户籍成员", "registry person"),
        ("member_no", "成员序号", "member number"),
        ("activity", "务工类型", "activity"),
        ("days", "天数", "days"),
        ("wages", "工资收入", "wages"),
        ("land_mu", "入股林地面积", "land contributed"),
        ("shares", "持有股份", "shares"),
        ("dividends", "分红收入", "dividends"),
        ("topic", "培训内容", "topic"),
        ("product", "产品", "product"),
        ("area_mu", "面积", "area"),
        ("output_kg", "产量", "output"),
        ("sales", "销售收入", "sales"),
        ("costs", "成本", "costs"),
        ("species", "种类", "species"),
        ("head_start", "期初存栏", "head at start"),
        ("born", "出生", "born"),
        ("died", "死亡", "died"),
        ("sold", "出售", "sold"),
        ("head_end", "期末存栏", "head at end"),
        ("correction_note", "更正说明", "correction note"),
        ("crop_net", "种植业纯收入", "crop farming, net"),
        ("transfers", "转移性收入", "transfers"),
        ("remittances", "外出人员寄回", "remittances"),
        ("other", "其他", "other"),
        ("food_clothing_secure", "不愁吃穿", "food and clothing"),
        ("schooling_ok", "义务教育", "schooling"),
        ("insured", "基本医疗保险", "insured"),
        ("housing_safe", "住房安全", "house safe"),
        ("water_safe", "饮水安全", "safe water"),
    ];
    let name = |key: &str| {
        NAMES.iter().find(|(k, _, _)| *k == key).map_or_else(
            || key.to_owned(),
            |(_, zh, en)| lang.pick(zh, en).to_owned(),
        )
    };
    path.split('.')
        .map(|part| match part.split_once('[') {
            Some((key, rest)) => {
                let row = rest
                    .trim_end_matches(']')
                    .parse::<usize>()
                    .map_or(0, |i| i + 1);
                match lang {
                    Lang::Zh => format!("{} 第{row}行", name(key)),
                    Lang::En => format!("{} {row}", name(key)),
                }
            }
            None => name(part),
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The fields where two sets of answers differ: (field, the device's, the server's).
pub fn differences<T: serde::Serialize>(mine: &T, theirs: &T) -> Vec<(String, String, String)> {
    let (mut a, mut b) = (BTreeMap::new(), BTreeMap::new());
    leaves(
        &serde_json::to_value(mine).unwrap_or_default(),
        String::new(),
        &mut a,
    );
    leaves(
        &serde_json::to_value(theirs).unwrap_or_default(),
        String::new(),
        &mut b,
    );
    let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    keys.into_iter()
        .filter_map(|k| {
            let (x, y) = (
                a.get(k).cloned().unwrap_or_default(),
                b.get(k).cloned().unwrap_or_default(),
            );
            (x != y).then(|| (k.clone(), x, y))
        })
        .collect()
}

/// A conflict: the server's current copy beside the device's, field by field, and the two
/// ways out.
#[component]
fn Conflict(item: OutboxItem) -> impl IntoView {
    let OutboxRequest::Survey(save) = item.request.clone() else {
        return ().into_any();
    };
    let server = Resource::new(
        {
            let (household, wave) = (save.household.clone(), save.wave);
            move || (household.clone(), wave)
        },
        |(household, wave)| survey_form(household, Some(wave)),
    );
    let mine = save.answers.clone();
    let id = save.client_id.clone();
    view! {
        <div class="conflict" data-testid="conflict">
            <Suspense fallback=|| view! { <p class="muted"><Tr zh="正在读取服务器上的问卷…" en="Reading the server's copy…" /></p> }>
                {move || {
                    let mine = mine.clone();
                    let id = id.clone();
                    Suspend::new(async move {
                        match server.await {
                            Err(error) => view! { <Failure error /> }.into_any(),
                            Ok(form) => view! { <SideBySide form mine id /> }.into_any(),
                        }
                    })
                }}
            </Suspense>
        </div>
    }
    .into_any()
}

#[component]
fn SideBySide(
    form: SurveyFormView,
    mine: domain::validate::SurveyInput,
    id: String,
) -> impl IntoView {
    let lang = use_lang();
    let theirs = form.answers.clone().unwrap_or_default();
    let rows = differences(&mine, &theirs);
    let meta = form.survey.clone();
    let version = meta.as_ref().map_or(0, |m| m.version);
    let by = meta
        .as_ref()
        .map(|m| m.enumerator.clone())
        .unwrap_or_default();
    let status = meta.as_ref().map(|m| m.status);
    let may_keep = form.editable;
    let key = format!("tanhui.survey.{}.{}", form.household, form.wave);
    let keep = {
        let id = id.clone();
        move |_| {
            let id = id.clone();
            leptos::task::spawn_local(async move {
                if offline::resolve(&id, true, version).await.is_ok() {
                    let _ = offline::sync().await;
                }
            });
        }
    };
    let take = move |_| {
        let id = id.clone();
        let key = key.clone();
        leptos::task::spawn_local(async move {
            let _ = offline::resolve(&id, false, 0).await;
            super::survey::forget_local(&key);
        });
    };
    let status_text = move || {
        status
            .map(|s| super::status_text(Some(s), lang.get()))
            .unwrap_or_default()
    };
    view! {
        <p class="small">
            {move || match lang.get() {
                Lang::Zh => format!("服务器上是第 {version} 版（{by}，"),
                Lang::En => format!("The server has version {version} ({by}, "),
            }}{status_text}")"
        </p>
        <div class="table-wrap">
            <table class="data" data-testid="conflict-fields">
                <thead><tr>
                    <th><Tr zh="字段" en="Field" /></th>
                    <th><Tr zh="本机的" en="This device" /></th>
                    <th><Tr zh="服务器上的" en="The server" /></th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|(field, a, b)| {
                        let name = field.clone();
                        view! {
                        <tr data-field=field><td>{move || field_label(&name, lang.get())}</td><td class="mine">{a}</td><td class="theirs">{b}</td></tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <p class="actions">
            {may_keep.then(|| view! {
                <button type="button" data-testid="keep-mine" on:click=keep.clone()>
                    {move || match lang.get() {
                        Lang::Zh => format!("保留我的（在第 {version} 版基础上上传）"),
                        Lang::En => format!("Keep mine (uploaded over version {version})"),
                    }}
                </button>
            })}
            {(!may_keep).then(|| view! {
                <span class="warning small">{move || form.locked.as_ref().map(|l| l.get(lang.get()).to_owned()).unwrap_or_default()}</span>
            })}
            " "
            <button type="button" class="secondary" data-testid="take-server" on:click=take>
                <Tr zh="采用服务器的" en="Take the server's" />
            </button>
        </p>
    }
}

/// Supervisors and administrators: upload the outbox file a device exported.
#[component]
fn UploadFile() -> impl IntoView {
    let me = Resource::new(|| (), |_| whoami());
    let result = RwSignal::new(None::<Result<OutboxImported, AppError>>);
    let sending = RwSignal::new(false);
    let send = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some((_, _, file)) = super::admin_import::picked("outbox-file") {
            sending.set(true);
            leptos::task::spawn_local(async move {
                result.set(Some(upload(file).await));
                sending.set(false);
            });
        }
    };
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let may = me.await.ok().flatten().is_some_and(|v| matches!(v.role, domain::Role::Admin | domain::Role::Supervisor));
                may.then(|| view! {
                    <section class="upload-outbox" data-testid="upload-outbox">
                        <h2><Tr zh="上传设备导出的文件" en="Upload a device's exported file" /></h2>
                        <p class="muted small"><Tr
                            zh="设备无法联网时，调查员可在本页导出待上传文件。审核员或管理员在此上传：每项按原样检查，已上传过的不会重复保存。"
                            en="When a device cannot reach the server, its enumerator exports the outbox on this page. A supervisor or administrator uploads it here: each item is checked as usual, and anything already uploaded is not saved twice." /></p>
                        <input type="file" id="outbox-file" accept=".json,application/json" data-testid="outbox-file" />" "
                        <button type="button" data-testid="upload-outbox-file" disabled=move || sending.get() on:click=send>
                            <Tr zh="上传" en="Upload" />
                        </button>
                        {move || result.get().map(|r| match r {
                            Ok(done) => view! { <Imported done /> }.into_any(),
                            Err(error) => view! { <Failure error /> }.into_any(),
                        })}
                    </section>
                })
            })}
        </Suspense>
    }
}

#[cfg(feature = "hydrate")]
async fn upload(file: web_sys::File) -> Result<OutboxImported, AppError> {
    use super::admin_import::{post_file, refusal};
    let lost = AppError::Failed(domain::Both::new(
        "网络中断，没有收到服务器的答复；可以重新上传（不会重复保存）",
        "the connection failed; upload again (nothing is saved twice)",
    ));
    match post_file(
        "/api/v1/outbox/import",
        &file,
        Some("application/json"),
        &lost,
    )
    .await?
    {
        (200, text) => serde_json::from_str(&text).map_err(|_| lost),
        (status, text) => Err(refusal(status, &text, "上传失败", "upload failed")),
    }
}

#[component]
fn Imported(done: OutboxImported) -> impl IntoView {
    let lang = use_lang();
    let (saved, replayed, refused) = (
        done.count(ImportedOutcome::Saved),
        done.count(ImportedOutcome::Replayed),
        done.count(ImportedOutcome::Refused),
    );
    let account = done.account.clone();
    view! {
        <div data-testid="outbox-imported" data-saved=saved data-replayed=replayed data-refused=refused>
            <p class="ok">{move || match lang.get() {
                Lang::Zh => format!("{account} 的文件：新保存 {saved} 项，已在服务器上 {replayed} 项，未接受 {refused} 项"),
                Lang::En => format!("{account}'s file: {saved} saved, {replayed} already on the server, {refused} refused"),
            }}</p>
            <ul>
                {done.items.into_iter().map(|item| {
                    let outcome = item.outcome;
                    let text = move || match (outcome, lang.get()) {
                        (ImportedOutcome::Saved, Lang::Zh) => "已保存",
                        (ImportedOutcome::Saved, Lang::En) => "saved",
                        (ImportedOutcome::Replayed, Lang::Zh) => "已在服务器上",
                        (ImportedOutcome::Replayed, Lang::En) => "already on the server",
                        (ImportedOutcome::Refused, Lang::Zh) => "未接受",
                        (ImportedOutcome::Refused, Lang::En) => "refused",
                    };
                    let issues = item.issues.clone();
                    view! {
                        <li data-outcome=format!("{outcome:?}").to_lowercase()>
                            {item.label.clone()}" · "{item.kind.clone()}" · "{text}
                            {item.version.map(|v| format!(" (v{v})"))}
                            {(!issues.is_empty()).then(|| view! { <Issues issues /> })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::validate::{EmploymentInput, SurveyInput};

    fn with_wages(wages: f64, days: i64) -> SurveyInput {
        SurveyInput {
            employment: vec![EmploymentInput {
                wages,
                days,
                ..EmploymentInput::default()
            }],
            ..SurveyInput::default()
        }
    }

    #[test]
    fn only_the_fields_that_differ_are_listed_as_people_write_them() {
        let rows = differences(&with_wages(5600.0, 200), &with_wages(5000.0, 200));
        assert_eq!(
            rows,
            [(
                "employment[0].wages".to_owned(),
                "5600".to_owned(),
                "5000".to_owned()
            )]
        );
        assert!(differences(&with_wages(1.5, 3), &with_wages(1.5, 3)).is_empty());
        // A row only one side has: every field of it, blank on the other side.
        let longer = SurveyInput {
            employment: vec![EmploymentInput::default(); 2],
            ..SurveyInput::default()
        };
        let rows = differences(&longer, &SurveyInput::default());
        assert!(rows
            .iter()
            .all(|(f, _, theirs)| f.starts_with("employment[") && theirs.is_empty()));
        assert!(!rows.is_empty());
    }

    #[test]
    fn field_paths_read_as_labels() {
        assert_eq!(
            field_label("employment[0].wages", Lang::Zh),
            "务工 第1行 · 工资收入"
        );
        assert_eq!(
            field_label("members[2].birth_year", Lang::En),
            "Member 3 · birth year"
        );
        assert_eq!(
            field_label("guarantees.water_safe", Lang::Zh),
            "两不愁三保障 · 饮水安全"
        );
        assert_eq!(field_label("something_new", Lang::En), "something_new");
    }
}

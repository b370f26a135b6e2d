//! The pages' side of offline field work: what the device keeps (through `public/offline.js`,
//! which owns IndexedDB, the outbox and syncing) as the pages need it.
//!
//! Two situations use it. In the **offline shell** (the page the service worker answers with
//! when the server cannot be reached; the wasm mounts the app instead of hydrating it), the
//! field list, the survey form and the registration form are drawn from the offline package,
//! overlaid with what waits in the outbox, and every save goes into the outbox. On a **live
//! page**, a save whose request fails on the way goes into the outbox instead of being lost.
//!
//! On the server every call here is inert: the functions exist so that pages compile for both
//! builds, but only the browser ever runs them.

use domain::validate::{HouseholdInput, SurveyInput};
use domain::{Both, SurveyStatus};
use serde::Deserialize;

use crate::error::AppError;
use crate::model::{
    FieldHomeView, FieldRowView, OfflinePackage, OutboxItem, OutboxRequest, OutboxState,
    RegisterFormView, SurveyFormView, SurveyMetaView, SurveySaveInput,
};

/// The package as the device summarises it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PackageSummary {
    /// Its wave.
    pub wave: i32,
    /// When the server made it, China time.
    pub prepared_at: String,
    /// When the device stored it, milliseconds since 1970 (local clock).
    pub refreshed_at: f64,
    /// Its size as stored, bytes.
    pub bytes: u64,
    /// Villages in it.
    pub villages: usize,
    /// Households (survey forms) in it.
    pub households: usize,
}

/// How the last sync ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    /// Nothing tried yet.
    #[default]
    Idle,
    /// Everything that could be sent was sent.
    Ok,
    /// No network: tried again when the browser comes online and every minute.
    Offline,
    /// The session ended: sign in again, the outbox waits.
    Signin,
    /// Another account is signed in: only the account that made the items sends them.
    OtherAccount,
    /// The server failed; tried again later.
    Error,
}

/// The last sync.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct SyncReport {
    /// How it ended.
    pub state: SyncState,
    /// When, milliseconds since 1970.
    pub at: Option<f64>,
    /// Items the server accepted in it.
    #[serde(default)]
    pub sent: u32,
    /// The error, for `error`; the signed-in account, for `other_account`.
    #[serde(default)]
    pub message: String,
}

/// What this device holds for the account signed in on it.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct DeviceSummary {
    /// The account whose data the pages show (none after sign-out).
    pub account: Option<String>,
    /// The offline package, if prepared.
    pub package: Option<PackageSummary>,
    /// The outbox, oldest first.
    pub items: Vec<OutboxItem>,
    /// Whether the browser promised not to evict the data (`navigator.storage.persist`).
    pub persisted: bool,
    /// The last sync.
    pub sync: SyncReport,
}

/// Whether this page is the offline shell (drawn from the device's data).
pub fn is_shell() -> bool {
    #[cfg(feature = "hydrate")]
    {
        web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.body())
            .and_then(|b| b.get_attribute("data-shell"))
            .is_some_and(|v| v == "offline")
    }
    #[cfg(not(feature = "hydrate"))]
    false
}

/// Draws the app into the offline shell (which carries no markup of it to hydrate).
#[cfg(feature = "hydrate")]
pub fn mount_shell() {
    if let Some(body) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.body())
    {
        body.set_inner_html("");
    }
    leptos::mount::mount_to_body(crate::App);
}

#[cfg(feature = "hydrate")]
mod bridge {
    use std::future::Future;

    use wasm_bindgen::{JsCast, JsValue};

    /// Calls `window.tanhuiOffline[method](...args)` and waits for its promise. The browser
    /// has one thread: the future is marked `Send` (checked at run time) so that resources
    /// and actions, which the server runs on several threads, may await it.
    pub fn call(
        method: &'static str,
        args: Vec<JsValue>,
    ) -> impl Future<Output = Result<JsValue, String>> + Send {
        send_wrapper::SendWrapper::new(async move {
            let window = web_sys::window().ok_or("no window")?;
            let api = js_sys::Reflect::get(&window, &JsValue::from_str("tanhuiOffline"))
                .ok()
                .filter(|v| !v.is_undefined())
                .ok_or("offline.js is not loaded")?;
            let function: js_sys::Function = js_sys::Reflect::get(&api, &JsValue::from_str(method))
                .ok()
                .and_then(|f| f.dyn_into().ok())
                .ok_or_else(|| format!("offline.js has no {method}"))?;
            let list = js_sys::Array::new();
            for arg in &args {
                list.push(arg);
            }
            let promise = function
                .apply(&api, &list)
                .map_err(|e| e.as_string().unwrap_or_else(|| format!("{e:?}")))?;
            wasm_bindgen_futures::JsFuture::from(js_sys::Promise::resolve(&promise))
                .await
                .map_err(|e| {
                    js_sys::Reflect::get(&e, &JsValue::from_str("message"))
                        .ok()
                        .and_then(|m| m.as_string())
                        .or_else(|| e.as_string())
                        .unwrap_or_else(|| format!("{e:?}"))
                })
        })
    }

    /// A call whose promise resolves to JSON text.
    pub async fn json<T: serde::de::DeserializeOwned>(
        method: &'static str,
        args: Vec<JsValue>,
    ) -> Result<Option<T>, String> {
        let text = call(method, args).await?.as_string();
        match text {
            None => Ok(None),
            Some(text) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|e| e.to_string()),
        }
    }
}

#[cfg(feature = "hydrate")]
fn text(value: &str) -> wasm_bindgen::JsValue {
    wasm_bindgen::JsValue::from_str(value)
}

/// What the device holds for the signed-in account.
pub async fn summary() -> Result<DeviceSummary, String> {
    #[cfg(feature = "hydrate")]
    return bridge::json("summary", Vec::new())
        .await
        .map(Option::unwrap_or_default);
    #[cfg(not(feature = "hydrate"))]
    Err("offline data live in the browser".into())
}

/// The account's offline package, if prepared.
pub async fn package() -> Result<Option<OfflinePackage>, String> {
    #[cfg(feature = "hydrate")]
    return bridge::json("package", Vec::new()).await;
    #[cfg(not(feature = "hydrate"))]
    Ok(None)
}

/// The account's outbox, oldest first.
pub async fn items() -> Vec<OutboxItem> {
    #[cfg(feature = "hydrate")]
    return bridge::json("items", Vec::new())
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    #[cfg(not(feature = "hydrate"))]
    Vec::new()
}

/// Downloads the package of `wave` (the latest when `None`) onto the device.
pub async fn prepare(wave: Option<i32>) -> Result<DeviceSummary, String> {
    #[cfg(feature = "hydrate")]
    {
        let wave = wave.map(|w| w.to_string()).unwrap_or_default();
        bridge::json("prepare", vec![text(&wave)])
            .await
            .map(Option::unwrap_or_default)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = wave;
        Err("offline data live in the browser".into())
    }
}

/// Puts a change into the outbox; the next sync sends it.
pub async fn enqueue(label: String, request: OutboxRequest) -> Result<(), AppError> {
    let item = OutboxItem {
        format: crate::model::OUTBOX_FORMAT,
        seq: 0,
        account: String::new(),
        created_at: 0.0,
        label,
        after: None,
        state: OutboxState::Waiting,
        attempts: 0,
        problem: None,
        request,
    };
    #[cfg(feature = "hydrate")]
    {
        let mut value = serde_json::to_value(&item).map_err(|e| kept_nowhere(&e.to_string()))?;
        // The device numbers items itself.
        if let Some(map) = value.as_object_mut() {
            map.remove("seq");
        }
        bridge::call("enqueue", vec![text(&value.to_string())])
            .await
            .map(|_| ())
            .map_err(|e| kept_nowhere(&e))
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = item;
        Err(kept_nowhere("not in a browser"))
    }
}

fn kept_nowhere(why: &str) -> AppError {
    AppError::Failed(Both::new(
        format!("无法保存在本机（{why}），请不要关闭页面，联网后再保存"),
        format!(
            "could not keep it on this device ({why}); keep the page open and save once online"
        ),
    ))
}

/// Sends what waits now (joins a sync already running).
pub async fn sync() -> Result<SyncReport, String> {
    #[cfg(feature = "hydrate")]
    return bridge::json("sync", Vec::new())
        .await
        .map(Option::unwrap_or_default);
    #[cfg(not(feature = "hydrate"))]
    Err("offline data live in the browser".into())
}

/// Resolves an item the server did not accept: `keep` sends the device's answers again
/// from the server's `version`; otherwise the server's copy stands and the item goes.
pub async fn resolve(id: &str, keep: bool, version: i32) -> Result<(), String> {
    #[cfg(feature = "hydrate")]
    {
        let how = if keep { "keep" } else { "drop" };
        bridge::call(
            "resolve",
            vec![text(id), text(how), wasm_bindgen::JsValue::from(version)],
        )
        .await
        .map(|_| ())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (id, keep, version);
        Err("offline data live in the browser".into())
    }
}

/// A save of the survey went through online with `answers`: the survey's outbox items the
/// server refused leave (the save replaces them), and so do waiting ones with the same
/// answers; a conflict stays until resolved.
pub fn delivered(household: String, wave: i32, answers: &SurveyInput) {
    #[cfg(feature = "hydrate")]
    if let Ok(text) = serde_json::to_string(answers) {
        leptos::task::spawn_local(async move {
            let args = vec![
                wasm_bindgen::JsValue::from_str(&household),
                wasm_bindgen::JsValue::from(wave),
                wasm_bindgen::JsValue::from_str(&text),
            ];
            let _ = bridge::call("supersede", args).await;
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (household, wave, answers);
}

/// A registration went through online: its outbox item (refused earlier) leaves.
pub fn registered(id: String) {
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async move {
        let _ = bridge::call("registered", vec![text(&id)]).await;
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = id;
}

/// The registration kept in the outbox under household `id`, if any.
pub async fn kept_registration(id: &str) -> Option<HouseholdInput> {
    registered_here(&items().await)
        .find(|(kept, _)| *kept == id)
        .map(|(_, input)| input.clone())
}

/// The answers of the latest outbox save of a household's survey in the wave, if any.
pub async fn kept_answers(household: &str, wave: i32) -> Option<SurveyInput> {
    latest_save(&items().await, household, wave).map(|save| save.answers.clone())
}

/// Writes the outbox to a file (downloaded by the browser); how many items it holds.
pub async fn export_file() -> Result<u32, String> {
    #[cfg(feature = "hydrate")]
    return bridge::call("exportFile", Vec::new())
        .await
        .map(|n| n.as_f64().unwrap_or(0.0) as u32);
    #[cfg(not(feature = "hydrate"))]
    Err("offline data live in the browser".into())
}

/// Tells the device who is signed in (its data and outbox are that account's).
pub fn signed_in(username: String) {
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async move {
        let _ = bridge::call("signedIn", vec![text(&username)]).await;
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = username;
}

/// Tells the device the account signs out: its data stay, hidden until it signs in again.
pub fn signed_out() {
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async {
        let _ = bridge::call("signedOut", Vec::new()).await;
    });
}

/// Asks the device to announce its outbox count (a `tanhui-offline` event follows).
pub fn announce() {
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async {
        let _ = bridge::call("count", Vec::new()).await;
    });
}

fn not_prepared() -> AppError {
    AppError::Failed(Both::new(
        "没有网络，这台设备上也没有离线数据。请联网后在“离线准备”页面点“准备离线”。",
        "No network, and this device holds no offline data: once online, open “Offline” and tap “Prepare for offline”.",
    ))
}

async fn offline_data() -> Result<(OfflinePackage, Vec<OutboxItem>), AppError> {
    let package = package()
        .await
        .map_err(|e| AppError::Failed(Both::new(e.clone(), e)))?
        .ok_or_else(not_prepared)?;
    Ok((package, items().await))
}

fn other_wave(kept: i32, asked: i32) -> AppError {
    AppError::Failed(Both::new(
        format!("这台设备上只有 {kept} 年的离线数据，没有 {asked} 年的"),
        format!("this device holds offline data for {kept}, not {asked}"),
    ))
}

/// The latest outbox save of a household's survey in the wave.
fn latest_save<'a>(
    items: &'a [OutboxItem],
    household: &str,
    wave: i32,
) -> Option<&'a SurveySaveInput> {
    items.iter().rev().find_map(|item| match &item.request {
        OutboxRequest::Survey(save) if save.household == household && save.wave == wave => {
            Some(save)
        }
        _ => None,
    })
}

/// Households registered on the device and not yet accepted by the server.
fn registered_here(items: &[OutboxItem]) -> impl Iterator<Item = (&str, &HouseholdInput)> {
    items.iter().filter_map(|item| match &item.request {
        OutboxRequest::Household { id, input } => Some((id.as_str(), input)),
        _ => None,
    })
}

fn status_of(save: &SurveySaveInput) -> SurveyStatus {
    match save.submit {
        true => SurveyStatus::Submitted,
        false => SurveyStatus::Draft,
    }
}

/// `/field` from the device: the package's list, households registered on the device added,
/// and each household with a save in the outbox shown with that save's status, on the device.
pub async fn field_home(wave: Option<i32>) -> Result<FieldHomeView, AppError> {
    let (package, items) = offline_data().await?;
    let mut home = package.home;
    if let Some(asked) = wave.filter(|w| *w != home.wave) {
        return Err(other_wave(home.wave, asked));
    }
    home.waves = vec![home.wave];
    for (id, input) in registered_here(&items) {
        if let Some(village) = home
            .villages
            .iter_mut()
            .find(|v| v.village.code == input.village)
        {
            village.households.push(FieldRowView {
                household: id.to_owned(),
                registry_no: input.registry_no.clone(),
                head_name: input.head_name.clone(),
                status: None,
                review_comment: None,
                on_device: true,
            });
        }
    }
    let mut counts = std::collections::BTreeMap::<Option<SurveyStatus>, usize>::new();
    for village in &mut home.villages {
        for row in &mut village.households {
            if let Some(save) = latest_save(&items, &row.household, home.wave) {
                row.status = Some(status_of(save));
                row.on_device = true;
            }
            *counts.entry(row.status).or_default() += 1;
        }
    }
    home.counts = counts.into_iter().collect();
    Ok(home)
}

/// A survey form from the device: the package's form (or, for a household registered on the
/// device, a blank one), with the answers of its latest save in the outbox.
pub async fn survey_form(household: String, wave: Option<i32>) -> Result<SurveyFormView, AppError> {
    let (package, items) = offline_data().await?;
    let wave_kept = package.home.wave;
    if let Some(asked) = wave.filter(|w| *w != wave_kept) {
        return Err(other_wave(wave_kept, asked));
    }
    let kept = package
        .forms
        .iter()
        .find(|f| f.household == household)
        .cloned();
    let mut form = match kept {
        Some(form) => form,
        None => {
            let (id, input) = registered_here(&items)
                .find(|(id, _)| *id == household)
                .ok_or(AppError::NotFound)?;
            let village = package
                .register
                .villages
                .iter()
                .find(|v| v.code == input.village)
                .cloned()
                .ok_or(AppError::NotFound)?;
            SurveyFormView {
                household: id.to_owned(),
                registry_no: input.registry_no.clone(),
                head_name: input.head_name.clone(),
                village,
                wave: wave_kept,
                line: package.line,
                survey: None,
                answers: None,
                previous: None,
                people: Vec::new(),
                editable: true,
                locked: None,
            }
        }
    };
    if let Some(save) = latest_save(&items, &household, wave_kept) {
        let answers: SurveyInput = save.answers.clone();
        form.answers = Some(answers);
        let meta = form.survey.get_or_insert_with(|| SurveyMetaView {
            id: String::new(),
            status: SurveyStatus::Draft,
            version: save.base_version,
            enumerator: package.account.clone(),
            review_comment: None,
        });
        meta.status = status_of(save);
        if save.submit {
            form.editable = false;
            form.locked = Some(Both::new(
                "已提交，保存在本机，尚未上传；联网后自动上传",
                "submitted on this device, not yet uploaded; it is sent once online",
            ));
        }
    }
    Ok(form)
}

/// The registration form from the device.
pub async fn register_form() -> Result<RegisterFormView, AppError> {
    Ok(offline_data().await?.0.register)
}

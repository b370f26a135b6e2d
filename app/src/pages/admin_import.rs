//! Bulk imports (批量导入) for administrators — the household registry, surveys, units and
//! targets: the template to download, a file sent from the browser, the whole file checked on
//! the server first (every problem by line and column) and written all-or-nothing, with
//! warnings to confirm and, for households, corrections listed change by change.

use leptos::prelude::*;

use super::Failure;
use crate::error::AppError;
use crate::i18n::{use_lang, Pick, Tr};
use crate::model::{ImportIssue, ImportKind, ImportReport};
use leptos_router::hooks::use_query_map;

/// How many problems the page lists (the rest are counted).
const SHOWN: usize = 200;

/// `/admin/import?kind=…` (administrators): pick what to load (the household registry,
/// surveys, units, targets), download its template, and import a file after the server has
/// checked every line.
#[component]
pub fn AdminImportPage() -> impl IntoView {
    let query = use_query_map();
    let kind = move || {
        query
            .read()
            .get("kind")
            .and_then(|k| ImportKind::parse(&k))
            .unwrap_or(ImportKind::Surveys)
    };
    view! {
        <h1><Tr zh="批量导入" en="Import" /></h1>
        <nav class="tabs" data-testid="import-kinds">
            {ImportKind::ALL.into_iter().map(|k| {
                let (zh, en) = k.name();
                let href = format!("/admin/import?kind={}", k.code());
                view! {
                    <a href=href class:current=move || kind() == k aria-current=move || (kind() == k).then_some("page")>
                        <Tr zh=zh en=en />
                    </a>
                }
            }).collect_view()}
        </nav>
        {move || {
            let kind = kind();
            view! { <Uploader kind /> }
        }}
    }
}

/// What each kind's file holds, (Chinese, English).
fn explanation(kind: ImportKind) -> (&'static str, &'static str) {
    match kind {
        ImportKind::Surveys => (
            "每行一户一轮问卷；家庭成员、务工等分组按编号列填写（member1_sex、employment2_days…），选项填代码（模板的“codes”表列出全部代码及中文），是/否填 1/0。导入只新建问卷，已有问卷的户请在问卷页面修改。",
            "One household survey per row; repeat groups in numbered columns (member1_sex, employment2_days…), choices as codes (the template's codes sheet lists them), yes/no as 1/0. Imports only create surveys.",
        ),
        ImportKind::Households => (
            "每行一户：村代码、户编号、户主信息、贫困户类型、参与方式和参与日期，最多 10 名成员（member1_name…member10_ethnicity）。身份证号在文件内和系统中都不能重复。勾选“更正已有的户”时，同村同户编号的户按文件更正，并列出改了什么；成员保留原来的编号。",
            "One household per row: village code, registry number, the head, poverty registration, model and enrolment date, and up to 10 members (member1_name … member10_ethnicity). ID cards must be unique in the file and in Tanhui. With \"correct registered households\", rows for a village and registry number already registered correct that household and the report lists what changed; members keep their ids.",
        ),
        ImportKind::Units => (
            "每行一个单位：code, level, parent_code, name_zh, name_pinyin, name_ii, valid_from, valid_to, successor_code。代码须与级别和上级一致；撤并的单位填写撤销日期和并入单位，此后各轮次其下的户计入并入单位。再次导入会更新名称和日期并新增单位。",
            "One unit per row: code, level, parent_code, name_zh, name_pinyin, name_ii, valid_from, valid_to, successor_code. A code must agree with its level and parent; a merged unit gets its end date and successor, under which its households count from the next wave. Re-importing updates names and dates and adds units.",
        ),
        ImportKind::Assignments => (
            "每行一个村：village_code, model, start_year。项目村填 collective 或 household 及项目起始年份；对照村填 comparison，起始年份留空。项目村中未参与的户单列为“项目村未参与户”，不计入对照组。再次导入会替换已有分配。",
            "One village per row: village_code, model, start_year. A programme village is collective or household with the year the programme started there; a comparison village is comparison with no year. Households of programme villages that did not enrol are shown as their own group, never as comparison households. Re-importing replaces assignments.",
        ),
        ImportKind::Plots => (
            "每行一个地块：plot_code, village_code, area_ha, species, planting_year, managing_party。地块编号唯一；再次导入同一编号会更新该地块，已有的检查记录保留。",
            "One plot per row: plot_code, village_code, area_ha, species, planting_year, managing_party. Codes are unique; re-importing a code updates that plot and keeps its inspections.",
        ),
        ImportKind::Inspections => (
            "每行一次检查：plot_code, year, survival_rate（成活率，%）。地块须先导入；同一地块同一年份的检查会被替换。",
            "One inspection per row: plot_code, year, survival_rate (%). The plot must be imported first; a plot's inspection of the same year is replaced.",
        ),
        ImportKind::Targets => (
            "每行一个目标：indicator_id, unit_code, year, value（指标编号见模板的 codes 表）。再次导入会替换已设的目标值。",
            "One target per row: indicator_id, unit_code, year, value (the template's codes sheet lists the indicator ids). Re-importing replaces targets already set.",
        ),
    }
}

/// The upload form of one kind of file: its templates, the file, the confirmations, and the
/// report of the server's check.
#[component]
pub fn Uploader(
    /// What the form imports.
    kind: ImportKind,
) -> impl IntoView {
    // The chosen file's name and size, once picked.
    let chosen = RwSignal::new(None::<(String, f64)>);
    let confirm = RwSignal::new(false);
    let update = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let outcome = RwSignal::new(None::<Result<ImportReport, AppError>>);
    let input_id = format!("import-file-{}", kind.code());
    let input = input_id.clone();
    let on_file = move |_| {
        outcome.set(None);
        chosen.set(picked(&input).map(|(name, size, _)| (name, size)));
    };
    let input = input_id.clone();
    let start = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some((_, _, file)) = picked(&input) {
            busy.set(true);
            outcome.set(None);
            let (confirm, update) = (confirm.get_untracked(), update.get_untracked());
            leptos::task::spawn_local(async move {
                outcome.set(Some(upload(kind, file, confirm, update).await));
                busy.set(false);
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &input;
    };
    let lang = use_lang();
    let (zh, en) = explanation(kind);
    let (name_zh, name_en) = kind.name();
    let template = format!("/api/v1/import/{}/template", kind.code());
    view! {
        <section class="import" data-testid=format!("import-{}", kind.code())>
            <h2>{move || lang.get().pick(&format!("导入{name_zh}"), &format!("Import {name_en}")).to_owned()}</h2>
            <p class="lede">
                <Tr zh=zh en=en />" "
                <Tr zh="整个文件先全部校验，全部无误才一次写入；有一行出错则一行都不写入。" en="The whole file is checked first and written only if every row passes: one bad row writes nothing." />
            </p>
            <p class="chart-links">
                <a class="button" href=format!("{template}.xlsx") download data-testid="template-link"><Tr zh="下载模板（Excel）" en="Template (Excel)" /></a>
                <a href=format!("{template}.csv") download><Tr zh="模板（CSV）" en="Template (CSV)" /></a>
            </p>
            <div class="filters" data-testid="import-form">
                <label>
                    <span><Tr zh="XLSX 或 CSV（UTF-8）文件" en="XLSX or CSV (UTF-8) file" /></span>
                    <input type="file" id=input_id name="file" accept=".xlsx,.csv,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" on:change=on_file />
                </label>
                <label class="check">
                    <input type="checkbox" name="confirm_warnings" on:change=move |ev| confirm.set(event_target_checked(&ev)) />
                    <span><Tr zh="有提示（不常见的数值）时仍导入" en="Import despite warnings (unusual values)" /></span>
                </label>
                {kind.updates().then(|| view! {
                    <label class="check">
                        <input type="checkbox" name="update" data-testid="import-update" on:change=move |ev| update.set(event_target_checked(&ev)) />
                        <span><Tr zh="更正已有的户（同村同户编号）" en="Correct registered households (same village and registry number)" /></span>
                    </label>
                })}
                <button type="button" data-testid="import-start" on:click=start disabled=move || chosen.with(Option::is_none) || busy.get()>
                    <Tr zh="校验并导入" en="Check and import" />
                </button>
            </div>
            {move || chosen.get().map(|(name, size)| view! {
                <p class="muted" data-testid="import-file">{name}" · "{format!("{:.1}", size / 1024.0)}" KB"</p>
            })}
            {move || busy.get().then(|| view! {
                <p role="status" data-testid="import-progress">
                    <progress></progress>" "
                    <Tr zh="正在上传、校验并导入，请勿关闭页面…" en="Uploading, checking and importing; keep this page open…" />
                </p>
            })}
            {move || outcome.get().map(|result| match result {
                Ok(report) => view! { <Report report kind /> }.into_any(),
                Err(error) => view! { <Failure error /> }.into_any(),
            })}
        </section>
    }
}

/// The file chosen in the page's file input: (name, size in bytes, the file).
#[cfg(feature = "hydrate")]
pub(crate) fn picked(id: &str) -> Option<(String, f64, web_sys::File)> {
    use wasm_bindgen::JsCast;
    let file = web_sys::window()?
        .document()?
        .get_element_by_id(id)?
        .dyn_into::<web_sys::HtmlInputElement>()
        .ok()?
        .files()?
        .get(0)?;
    Some((file.name(), file.size(), file))
}

#[cfg(not(feature = "hydrate"))]
pub(crate) fn picked(_id: &str) -> Option<(String, f64, ())> {
    None
}

/// Sends the file itself to `POST /api/v1/import/{kind}` (same origin, the session cookie);
/// the report on 200 and 422, the server's message otherwise.
#[cfg(feature = "hydrate")]
async fn upload(
    kind: ImportKind,
    file: web_sys::File,
    confirm: bool,
    update: bool,
) -> Result<ImportReport, AppError> {
    let lost = AppError::Failed(domain::Both::new(
        "网络中断，没有收到服务器的答复；请稍后重试",
        "the connection failed; try again",
    ));
    let url = format!(
        "/api/v1/import/{}?confirm_warnings={confirm}&update={update}",
        kind.code()
    );
    match post_file(&url, &file, None, &lost).await? {
        (200 | 422, text) => serde_json::from_str(&text).map_err(|_| lost),
        (status, text) => Err(refusal(status, &text, "导入失败", "import failed")),
    }
}

/// Posts a file picked in the page to `url` (same origin, the session cookie), with
/// `content_type` when given: the answer's status and text, or `lost` when none came.
#[cfg(feature = "hydrate")]
pub(crate) async fn post_file(
    url: &str,
    file: &web_sys::File,
    content_type: Option<&str>,
    lost: &AppError,
) -> Result<(u16, String), AppError> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(file);
    if let Some(kind) = content_type {
        let headers = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&headers, &"content-type".into(), &kind.into());
        init.set_headers(&headers);
    }
    let window = web_sys::window().ok_or_else(|| lost.clone())?;
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .map_err(|_| lost.clone())?
        .dyn_into()
        .map_err(|_| lost.clone())?;
    let text = JsFuture::from(response.text().map_err(|_| lost.clone())?)
        .await
        .ok()
        .and_then(|t| t.as_string())
        .unwrap_or_default();
    Ok((response.status(), text))
}

/// A refusal as the server worded it (`message`, `message_en`), or `zh` / `en` with the
/// status and the start of whatever it said (a body it could not read as JSON, say).
#[cfg(feature = "hydrate")]
pub(crate) fn refusal(status: u16, text: &str, zh: &str, en: &str) -> AppError {
    let body: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
    let said: String = text.chars().take(200).collect();
    let zh = body["message"]
        .as_str()
        .map_or_else(|| format!("{zh}（HTTP {status}）{said}"), str::to_owned);
    let en = body["message_en"]
        .as_str()
        .map_or_else(|| format!("{en} (HTTP {status}) {said}"), str::to_owned);
    AppError::Failed(domain::Both::new(zh, en))
}

#[component]
fn Report(report: ImportReport, kind: ImportKind) -> impl IntoView {
    let lang = use_lang();
    let (rows, imported) = (report.rows, report.imported);
    let (errors, warnings) = (report.error_count(), report.warning_count());
    let changed = report.change_count();
    let summary = move || match (imported > 0, lang.get()) {
        (true, domain::Lang::Zh) => {
            let what = match kind {
                ImportKind::Households => "户",
                ImportKind::Surveys => "份问卷",
                ImportKind::Units => "个单位",
                ImportKind::Targets => "个目标",
                ImportKind::Assignments => "个村的分配",
                ImportKind::Plots => "个地块",
                ImportKind::Inspections => "次检查",
            };
            match changed {
                0 => format!("已导入 {imported} {what}。"),
                n => format!("已导入 {imported} {what}，更正 {n} 处（见下表）。"),
            }
        }
        (true, domain::Lang::En) => {
            let what = match kind {
                ImportKind::Households => "households",
                ImportKind::Surveys => "surveys",
                ImportKind::Units => "units",
                ImportKind::Targets => "targets",
                ImportKind::Assignments => "village assignments",
                ImportKind::Plots => "plots",
                ImportKind::Inspections => "inspections",
            };
            match changed {
                0 => format!("Imported {imported} {what}."),
                n => {
                    format!("Imported {imported} {what}; {n} change(s) to stored records (below).")
                }
            }
        }
        (false, domain::Lang::Zh) => {
            format!("共 {rows} 行，{errors} 处错误，{warnings} 处提示：没有写入任何数据。")
        }
        (false, domain::Lang::En) => {
            format!("{rows} rows, {errors} error(s), {warnings} warning(s): nothing was written.")
        }
    };
    let class = if imported > 0 { "ok" } else { "error" };
    let mut listed: Vec<ImportIssue> = report.errors.clone();
    listed.extend(report.warnings.clone());
    listed.extend(report.changes.clone());
    let more = (errors + warnings + changed).saturating_sub(listed.len().min(SHOWN));
    listed.truncate(SHOWN);
    // A file wrong throughout: how often each rule was broken, beside the first lines.
    let counts = (more > 0).then(|| report.counts.clone());
    view! {
        <section data-testid="import-report">
            <p class=class role="alert" data-testid="import-summary">{summary}</p>
            {(!listed.is_empty()).then(|| view! {
                <div class="table-wrap">
                    <table class="data" data-testid="import-issues">
                        <thead><tr>
                            <th><Tr zh="行" en="Line" /></th>
                            <th><Tr zh="列" en="Column" /></th>
                            <th><Tr zh="问题" en="Problem" /></th>
                        </tr></thead>
                        <tbody>
                            {listed.into_iter().map(|i| {
                                let class = match (i.rule.as_str(), i.warning) {
                                    ("changed", _) => "changed",
                                    (_, true) => "warning",
                                    _ => "error",
                                };
                                view! {
                                    <tr class=class>
                                        <td>{i.line}</td>
                                        <td><code>{i.column.clone()}</code></td>
                                        <td>{move || lang.get().pick(&i.zh, &i.en).to_owned()}</td>
                                    </tr>
                                }.into_any()
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            })}
            {counts.map(|counts| view! {
                <p class="muted" data-testid="import-more">
                    {move || match lang.get() {
                        domain::Lang::Zh => format!("以上只列出前 {SHOWN} 处，另有 {more} 处。各规则出现次数："),
                        domain::Lang::En => format!("Only the first {SHOWN} are listed; {more} more. How often each rule was found:"),
                    }}
                </p>
                <table class="data" data-testid="import-counts">
                    <thead><tr>
                        <th><Tr zh="规则" en="Rule" /></th>
                        <th><Tr zh="类别" en="Kind" /></th>
                        <th class="num"><Tr zh="次数" en="Count" /></th>
                    </tr></thead>
                    <tbody>
                        {counts.into_iter().map(|c| {
                            let kind = match (c.rule.as_str(), c.warning) {
                                ("changed", _) => ("更正", "change"),
                                (_, true) => ("提示", "warning"),
                                _ => ("错误", "error"),
                            };
                            view! {
                                <tr>
                                    <td><code>{c.rule}</code></td>
                                    <td>{move || lang.get().pick(kind.0, kind.1).to_owned()}</td>
                                    <td class="num">{c.count}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            })}
        </section>
    }
}

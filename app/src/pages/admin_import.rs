//! Bulk import of surveys (批量导入) for administrators: the template to download, a CSV file
//! read in the browser, the whole file checked on the server first (every problem by line and
//! column) and written all-or-nothing, with warnings to confirm.

use leptos::prelude::*;

use super::Failure;
use crate::error::AppError;
use crate::i18n::{use_lang, Pick, Tr};
use crate::model::{ImportIssue, ImportReport};

/// How many problems the page lists (the rest are counted).
const SHOWN: usize = 200;

/// `/admin/import` (administrators): download the template, pick a CSV file, and import it
/// after the server has checked every line.
#[component]
pub fn AdminImportPage() -> impl IntoView {
    // The chosen file's name and size, once picked.
    let chosen = RwSignal::new(None::<(String, f64)>);
    let confirm = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let outcome = RwSignal::new(None::<Result<ImportReport, AppError>>);

    let on_file = move |_| {
        outcome.set(None);
        chosen.set(picked().map(|(name, size, _)| (name, size)));
    };
    let start = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some((_, _, file)) = picked() {
            busy.set(true);
            outcome.set(None);
            let confirm = confirm.get_untracked();
            leptos::task::spawn_local(async move {
                outcome.set(Some(upload(file, confirm).await));
                busy.set(false);
            });
        }
    };
    view! {
        <h1><Tr zh="批量导入问卷" en="Import surveys" /></h1>
        <p class="lede">
            <Tr zh="每行一户一轮问卷；家庭成员、务工等分组按编号列填写（member1_sex、employment2_days…），选项填代码（模板的“codes”表列出全部代码及中文），是/否填 1/0。整个文件先全部校验，全部无误才一次写入；有一行出错则一行都不写入。导入只新建问卷，已有问卷的户请在问卷页面修改。" en="One household survey per row; repeat groups in numbered columns (member1_sex, employment2_days…), choices as codes (the template's codes sheet lists them), yes/no as 1/0. The whole file is checked first and written only if every row passes: one bad row writes nothing. Imports only create surveys." />
        </p>
        <p class="chart-links">
            <a class="button" href="/api/v1/import/surveys/template.xlsx" download data-testid="template-link"><Tr zh="下载模板（Excel）" en="Template (Excel)" /></a>
            <a href="/api/v1/import/surveys/template.csv" download><Tr zh="模板（CSV）" en="Template (CSV)" /></a>
        </p>
        <div class="filters" data-testid="import-form">
            <label>
                <span><Tr zh="XLSX 或 CSV（UTF-8）文件" en="XLSX or CSV (UTF-8) file" /></span>
                <input type="file" id="import-file" name="file" accept=".xlsx,.csv,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" on:change=on_file />
            </label>
            <label class="check">
                <input type="checkbox" name="confirm_warnings" on:change=move |ev| confirm.set(event_target_checked(&ev)) />
                <span><Tr zh="有提示（不常见的数值）时仍导入" en="Import despite warnings (unusual values)" /></span>
            </label>
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
            Ok(report) => view! { <Report report /> }.into_any(),
            Err(error) => view! { <Failure error /> }.into_any(),
        })}
    }
}

/// The file chosen in the page's file input: (name, size in bytes, the file).
#[cfg(feature = "hydrate")]
fn picked() -> Option<(String, f64, web_sys::File)> {
    use wasm_bindgen::JsCast;
    let file = web_sys::window()?
        .document()?
        .get_element_by_id("import-file")?
        .dyn_into::<web_sys::HtmlInputElement>()
        .ok()?
        .files()?
        .get(0)?;
    Some((file.name(), file.size(), file))
}

#[cfg(not(feature = "hydrate"))]
fn picked() -> Option<(String, f64, ())> {
    None
}

/// Sends the file itself to `POST /api/v1/import/surveys` (same origin, the session cookie);
/// the report on 200 and 422, the server's message otherwise.
#[cfg(feature = "hydrate")]
async fn upload(file: web_sys::File, confirm: bool) -> Result<ImportReport, AppError> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    let lost = AppError::Failed(domain::Both::new(
        "网络中断，没有收到服务器的答复；请稍后重试",
        "the connection failed; try again",
    ));
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(&file);
    let url = format!("/api/v1/import/surveys?confirm_warnings={confirm}");
    let window = web_sys::window().ok_or_else(|| lost.clone())?;
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str_and_init(&url, &init))
        .await
        .map_err(|_| lost.clone())?
        .dyn_into()
        .map_err(|_| lost.clone())?;
    let text = JsFuture::from(response.text().map_err(|_| lost.clone())?)
        .await
        .ok()
        .and_then(|t| t.as_string())
        .unwrap_or_default();
    match response.status() {
        200 | 422 => serde_json::from_str(&text).map_err(|_| lost),
        _ => {
            let body: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            let zh = body["message"].as_str().unwrap_or("导入失败").to_owned();
            let en = body["message_en"]
                .as_str()
                .unwrap_or("import failed")
                .to_owned();
            Err(AppError::Failed(domain::Both::new(zh, en)))
        }
    }
}

#[component]
fn Report(report: ImportReport) -> impl IntoView {
    let lang = use_lang();
    let (rows, imported) = (report.rows, report.imported);
    let (errors, warnings) = (report.errors.len(), report.warnings.len());
    let summary = move || match (imported > 0, lang.get()) {
        (true, l) => l
            .pick(
                &format!("已导入 {imported} 份问卷。"),
                &format!("Imported {imported} surveys."),
            )
            .to_owned(),
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
    let more = listed.len().saturating_sub(SHOWN);
    listed.truncate(SHOWN);
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
                                let class = if i.warning { "warning" } else { "error" };
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
                {(more > 0).then(|| view! { <p class="muted">"… +"{more}</p> })}
            })}
        </section>
    }
}

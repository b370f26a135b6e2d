//! Administrators' page for the administrative units: browse the tree level by level, search
//! by code or name, correct a unit's names, dates and successor, and upload a units file.
//! Where it is in the tree lives in the URL (`?parent=…`, `?q=…`), so it works without
//! JavaScript and can be shared.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::admin_import::Uploader;
use super::{Failure, Issues};
use crate::i18n::{use_lang, Pick, Tr};
use crate::model::{ImportKind, UnitRecordView, UnitsQuery};
use crate::server_fns::{admin_units, AdminUpdateUnit};

/// `/admin/units` (administrators): the unit tree with search, corrections and upload.
#[component]
pub fn AdminUnitsPage() -> impl IntoView {
    let query = use_query_map();
    let lang = use_lang();
    let update = ServerAction::<AdminUpdateUnit>::new();
    let wanted = move || {
        let q = query.read();
        let text = |name: &str| q.get(name).filter(|v| !v.trim().is_empty());
        UnitsQuery {
            parent: text("parent"),
            q: text("q"),
        }
    };
    let page = Resource::new(
        move || (wanted(), update.version().get()),
        |(q, _)| admin_units(q.parent, q.q),
    );
    let searched = move || query.read().get("q").unwrap_or_default();
    view! {
        <section class="admin">
            <h1><Tr zh="行政区划" en="Administrative units" /></h1>
            <form method="get" action="/admin/units" class="filters" data-testid="units-search">
                <label>
                    <span><Tr zh="按代码或名称查找" en="Find by code or name" /></span>
                    <input name="q" value=searched placeholder="513434 / 越城 / Yuecheng" />
                </label>
                <button type="submit"><Tr zh="查找" en="Find" /></button>
            </form>
            {move || update.value().get().map(|outcome| match outcome {
                Ok(Ok(unit)) => view! {
                    <p class="ok" role="status" data-testid="unit-saved">
                        <Tr zh="已保存：" en="Saved: " />{unit.unit.code.clone()}" "{unit.unit.name_zh.clone()}
                    </p>
                }.into_any(),
                Ok(Err(issues)) => view! { <Issues issues /> }.into_any(),
                Err(error) => view! { <Failure error /> }.into_any(),
            })}
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(view) => {
                            let heading = match &view.parent {
                                Some(parent) => {
                                    let p = parent.unit.clone();
                                    (move || p.name(lang.get()).to_owned()).into_any()
                                }
                                None => {
                                    let (matched, total) = (view.matched, view.total);
                                    (move || lang.get().pick(
                                        &format!("找到 {matched} 个单位（共 {total} 个）"),
                                        &format!("{matched} of {total} units match"),
                                    ).to_owned()).into_any()
                                }
                            };
                            view! {
                                <nav class="trail" data-testid="units-trail">
                                    {view.trail.iter().map(|u| {
                                        let href = format!("/admin/units?parent={}", u.code);
                                        let u = u.clone();
                                        view! { <a href=href>{move || u.name(lang.get()).to_owned()}</a>" › " }
                                    }).collect_view()}
                                </nav>
                                <h2 data-testid="units-heading">{heading}</h2>
                                {view.parent.clone().map(|p| view! { <Merged unit=p /> })}
                                <UnitTable units=view.units.clone() update />
                            }.into_any()
                        }
                        Err(error) => view! { <Failure error /> }.into_any(),
                    }
                })}
            </Suspense>
            <Uploader kind=ImportKind::Units />
        </section>
    }
}

/// "于 … 并入 …" for a unit that merged into another.
#[component]
fn Merged(
    /// The unit.
    unit: UnitRecordView,
) -> impl IntoView {
    let lang = use_lang();
    let (Some(end), Some(successor)) = (unit.valid_to.clone(), unit.successor.clone()) else {
        return ().into_any();
    };
    let href = format!("/admin/units?parent={}", successor.code);
    view! {
        <p class="notice" data-testid="unit-merged">
            {move || lang.get().pick(&format!("于 {end} 并入 "), &format!("Merged on {end} into ")).to_owned()}
            <a href=href.clone()>{move || successor.name(lang.get()).to_owned()}</a>
        </p>
    }
    .into_any()
}

/// The units listed, each with a correction form.
#[component]
fn UnitTable(
    /// The units, ordered by code.
    units: Vec<UnitRecordView>,
    /// The correction action the forms submit to.
    update: ServerAction<AdminUpdateUnit>,
) -> impl IntoView {
    let lang = use_lang();
    if units.is_empty() {
        return view! {
            <p class="muted" data-testid="units-empty"><Tr zh="这里还没有下级单位：可在下方上传单位文件。" en="No units here yet: upload a units file below." /></p>
        }
        .into_any();
    }
    view! {
        <div class="table-wrap">
            <table class="data" data-testid="units-table">
                <thead><tr>
                    <th><Tr zh="代码" en="Code" /></th>
                    <th><Tr zh="名称" en="Name" /></th>
                    <th><Tr zh="级别" en="Level" /></th>
                    <th><Tr zh="有效期" en="Valid" /></th>
                    <th><Tr zh="下级" en="Below" /></th>
                    <th><Tr zh="户数" en="Households" /></th>
                    <th></th>
                </tr></thead>
                <tbody>
                    {units.into_iter().map(|u| {
                        let code = u.unit.code.clone();
                        let href = format!("/admin/units?parent={code}");
                        let level = u.unit.level;
                        let valid = format!(
                            "{} – {}",
                            u.valid_from.clone().unwrap_or_default(),
                            u.valid_to.clone().unwrap_or_default()
                        );
                        let merged = u.successor.clone().zip(u.valid_to.clone());
                        let edit = u.clone();
                        let names = u.clone();
                        view! {
                            <tr data-code=code.clone()>
                                <td><code>{code.clone()}</code></td>
                                <td>
                                    {names.unit.name_zh.clone()}
                                    {(!names.unit.name_pinyin.is_empty()).then(|| view! { " · "{names.unit.name_pinyin.clone()} })}
                                    {(!names.name_ii.is_empty()).then(|| view! { " · "<span lang="ii">{names.name_ii.clone()}</span> })}
                                    {u.synthetic.then(|| view! { " "<span class="tag"><Tr zh="演示" en="demo" /></span> })}
                                    {merged.map(|(s, end)| view! {
                                        <br /><span class="small muted" data-testid="unit-merged-into">
                                            {move || lang.get().pick(&format!("于 {end} 并入 {}", s.name_zh), &format!("merged on {end} into {}", s.name(domain::Lang::En))).to_owned()}
                                        </span>
                                    })}
                                </td>
                                <td>{move || { use domain::Localized; level.in_lang(lang.get()) }}</td>
                                <td class="small">{valid}</td>
                                <td>
                                    {(u.children > 0).then(|| view! { <a href=href.clone()>{u.children}</a> })}
                                </td>
                                <td>{u.households}</td>
                                <td><EditUnit unit=edit update /></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

/// The correction form of one unit, folded away until opened.
#[component]
fn EditUnit(
    /// The unit as stored.
    unit: UnitRecordView,
    /// The action the form submits to.
    update: ServerAction<AdminUpdateUnit>,
) -> impl IntoView {
    let code = unit.unit.code.clone();
    let testid = format!("edit-{code}");
    view! {
        <details>
            <summary><Tr zh="更正" en="Correct" /></summary>
            <ActionForm action=update attr:class="form grid" attr:data-testid=testid>
                <input type="hidden" name="input[code]" value=code />
                <label>
                    <span><Tr zh="中文名称" en="Chinese name" /></span>
                    <input name="input[name_zh]" value=unit.unit.name_zh.clone() required />
                </label>
                <label>
                    <span><Tr zh="拼音" en="Pinyin" /></span>
                    <input name="input[name_pinyin]" value=unit.unit.name_pinyin.clone() />
                </label>
                <label>
                    <span><Tr zh="彝文名称" en="Nuosu Yi name" /></span>
                    <input name="input[name_ii]" value=unit.name_ii.clone() lang="ii" />
                </label>
                <label>
                    <span><Tr zh="设立日期" en="Valid from" /></span>
                    <input type="date" name="input[valid_from]" value=unit.valid_from.clone().unwrap_or_default() />
                </label>
                <label>
                    <span><Tr zh="撤销日期" en="Valid to" /></span>
                    <input type="date" name="input[valid_to]" value=unit.valid_to.clone().unwrap_or_default() />
                </label>
                <label>
                    <span><Tr zh="并入单位代码" en="Merged into (code)" /></span>
                    <input name="input[successor_code]" value=unit.successor.clone().map(|s| s.code).unwrap_or_default() inputmode="numeric" />
                </label>
                <button type="submit"><Tr zh="保存" en="Save" /></button>
            </ActionForm>
        </details>
    }
}

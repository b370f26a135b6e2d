//! Administrators' privacy page: the inventory of the personal data Tanhui holds (what, where,
//! how protected, why, who reads it, how long, how many) and the households whose personal
//! data are due for erasure, erased one by one or all at once against the count read.

use leptos::prelude::*;

use super::{Failure, Issues};
use crate::i18n::{use_lang, Pick, Tr};
use crate::model::{DataHeld, ErasureDueView, PrivacyView};
use crate::server_fns::{privacy, EraseHouseholds};

/// `/admin/privacy` (administrators).
#[component]
pub fn AdminPrivacyPage() -> impl IntoView {
    let lang = use_lang();
    let erase = ServerAction::<EraseHouseholds>::new();
    let view_data = Resource::new(move || erase.version().get(), |_| privacy());
    view! {
        <section class="admin">
            <h1><Tr zh="个人信息清单与删除" en="Personal data: inventory and erasure" /></h1>
            <p class="muted small">
                {move || lang.get().pick(
                    "本系统处理的个人信息：存放位置、保护方式、处理目的、可查看的人、保存期限和现有记录数（《个人信息保护法》）。",
                    "The personal data Tanhui processes: where it is stored, how it is protected, why, who may read it, how long it is kept and how many records hold it (PIPL).",
                )}
            </p>
            {move || erase.value().get().map(|outcome| match outcome {
                Ok(Ok(done)) => view! {
                    <p class="ok" role="status" data-testid="erased">
                        {move || lang.get().pick(
                            &format!("已删除 {} 户的个人信息（逐户记入审计日志）。", done.erased),
                            &format!("Erased the personal data of {} households (each in the audit log).", done.erased),
                        ).to_owned()}
                    </p>
                }.into_any(),
                Ok(Err(issues)) => view! { <Issues issues /> }.into_any(),
                Err(error) => view! { <Failure error /> }.into_any(),
            })}
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match view_data.await {
                        Ok(v) => view! { <Inventory v=v.clone() /><Due v erase /> }.into_any(),
                        Err(error) => view! { <Failure error /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn Inventory(v: PrivacyView) -> impl IntoView {
    let lang = use_lang();
    let line = move |d: DataHeld| {
        let DataHeld {
            what,
            stored,
            protection,
            purpose,
            readers,
            kept,
            count,
        } = d;
        view! {
            <tr>
                <th scope="row">{move || what.get(lang.get()).to_owned()}</th>
                <td class="small"><code>{stored}</code></td>
                <td class="small">{move || protection.get(lang.get()).to_owned()}</td>
                <td class="small">{move || purpose.get(lang.get()).to_owned()}</td>
                <td class="small">{move || readers.get(lang.get()).to_owned()}</td>
                <td class="small">{move || kept.get(lang.get()).to_owned()}</td>
                <td class="num">{count.map(|n| n.to_string()).unwrap_or_else(|| "—".into())}</td>
            </tr>
        }
    };
    view! {
        <h2><Tr zh="数据清单" en="Data inventory" /></h2>
        <div class="table-wrap">
            <table class="data" data-testid="inventory">
                <thead><tr>
                    <th><Tr zh="个人信息" en="Personal data" /></th>
                    <th><Tr zh="存放位置" en="Stored in" /></th>
                    <th><Tr zh="保护方式" en="Protection" /></th>
                    <th><Tr zh="处理目的" en="Purpose" /></th>
                    <th><Tr zh="可查看" en="Readers" /></th>
                    <th><Tr zh="保存期限" en="Kept" /></th>
                    <th><Tr zh="记录数" en="Records" /></th>
                </tr></thead>
                <tbody>{v.inventory.into_iter().map(line).collect_view()}</tbody>
            </table>
        </div>
    }
}

#[component]
fn Due(v: PrivacyView, erase: ServerAction<EraseHouseholds>) -> impl IntoView {
    let lang = use_lang();
    let PrivacyView {
        erase_after_years: years,
        today,
        cutoff,
        due_count,
        erased_count,
        due,
        ..
    } = v;
    let summary = move || {
        lang.get()
            .pick(
                &format!(
                    "离开项目（迁出、消亡、并户）满 {years} 年的户（离开日期不晚于 {cutoff}，今天 {today}）应删除个人信息：现有 {due_count} 户待删除，已删除 {erased_count} 户。删除姓名、身份证号、电话和户编号，调查答案与假名保留用于统计；删除不可撤销。"
                ),
                &format!(
                    "Households that left the programme (moved out, deceased, merged) {years} or more years ago (on or before {cutoff}; today is {today}) have their personal data erased: {due_count} due now, {erased_count} erased so far. Names, ID numbers, phones and registry numbers go; answers and pseudonyms stay for the statistics. Erasure cannot be undone."
                ),
            )
            .to_owned()
    };
    let row = move |d: ErasureDueView| {
        let status = d.status.clone();
        let id = d.id.clone();
        view! {
            <tr data-household=d.id.clone()>
                <td><a href=format!("/household/{}", d.id)>{d.head_name.clone()}</a></td>
                <td>{d.registry_no.clone()}</td>
                <td><code>{d.village.clone()}</code></td>
                <td>{move || status.get(lang.get()).to_owned()}</td>
                <td>{d.left_on.clone()}</td>
                <td>
                    <ActionForm action=erase attr:data-testid="erase-one">
                        <input type="hidden" name="input[households][0]" value=id.clone() />
                        <button type="submit" class="danger" disabled=move || erase.pending().get()>
                            <Tr zh="删除个人信息" en="Erase" />
                        </button>
                    </ActionForm>
                </td>
            </tr>
        }
    };
    view! {
        <h2><Tr zh="到期删除" en="Erasure" /></h2>
        <p data-testid="erasure-summary" data-due=due_count data-erased=erased_count>{summary}</p>
        {if due.is_empty() {
            view! { <p class="muted" data-testid="nothing-due"><Tr zh="现在没有到期待删除的户。" en="No household is due for erasure." /></p> }.into_any()
        } else {
            view! {
                <div class="table-wrap">
                    <table class="data" data-testid="erasure-due">
                        <thead><tr>
                            <th><Tr zh="户主" en="Head" /></th>
                            <th><Tr zh="户编号" en="Registry no." /></th>
                            <th><Tr zh="村" en="Village" /></th>
                            <th><Tr zh="离开原因" en="Left because" /></th>
                            <th><Tr zh="离开日期" en="Left on" /></th>
                            <th></th>
                        </tr></thead>
                        <tbody>{due.into_iter().map(row).collect_view()}</tbody>
                    </table>
                </div>
                <ActionForm action=erase attr:class="form grid" attr:data-testid="erase-all">
                    <input type="hidden" name="input[all_due]" value="true" />
                    <label>
                        <span>{move || lang.get().pick(
                            &format!("删除全部 {due_count} 户：请输入户数 {due_count} 以确认"),
                            &format!("Erase all {due_count}: type {due_count} to confirm"),
                        ).to_owned()}</span>
                        <input name="input[expected]" inputmode="numeric" required autocomplete="off" />
                    </label>
                    <button type="submit" class="danger" disabled=move || erase.pending().get()>
                        <Tr zh="删除全部到期户的个人信息" en="Erase all households due" />
                    </button>
                </ActionForm>
            }.into_any()
        }}
    }
}

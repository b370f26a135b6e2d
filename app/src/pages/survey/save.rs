//! The survey form's live summary (the domain's sums and poverty-line rules) and its save
//! bar: drafts and submissions with a client id per save, kept on the device until saved.

use super::*;

/// The computed summary, following every change.
#[component]
pub(super) fn Summary(line: f64) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let lang = use_lang();
    // The domain's own sums and rules, in whole fen, as the server will compute them.
    let line_fen = (line * 100.0).round() as i64;
    let rules = RiskRules::default();
    let figures = Memo::new(move |_| {
        ctx.form.with(|f| {
            let net = f.income_parts().net_fen();
            let size = f.members.len();
            let per_capita = domain::survey::per_capita_fen(net, size as i64);
            let reasons = risk::assess(
                risk::Situation {
                    per_capita_fen: per_capita,
                    line_fen,
                    guarantees_met: true,
                    previous_per_capita_fen: None,
                },
                rules,
            );
            let yuan = |fen: i64| fen as f64 / 100.0;
            (
                yuan(net),
                size,
                per_capita.map(yuan),
                f.guarantees.all_met(),
                reasons,
            )
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
                    let (_, _, per_capita, _, reasons) = figures.get();
                    let margin = rules.margin_pct;
                    let verdict = match per_capita {
                        None => return "—".to_owned(),
                        Some(_) if reasons.contains(&RiskReason::BelowLine) => l.pick("低于贫困线", "below the line").to_owned(),
                        Some(_) if reasons.contains(&RiskReason::NearLine) => match l {
                            Lang::Zh => format!("高于贫困线但不足{margin}%，需关注"),
                            Lang::En => format!("less than {margin}% above the line: watch"),
                        },
                        Some(_) => l.pick("高于贫困线", "above the line").to_owned(),
                    };
                    format!("{verdict}（{line_text}）")
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
pub(crate) fn new_client_id() -> String {
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
pub(super) enum Said {
    Saved(SurveySaved),
    /// Kept in the outbox (offline, or the request failed on the way): sent once online.
    Queued {
        submit: bool,
    },
    /// Only warnings: the user may confirm and submit.
    Confirm(Vec<FieldIssue>),
    Refused(Vec<FieldIssue>),
    /// The answer never came (network, server down): the same save may be retried.
    Lost(crate::error::AppError),
}

/// What a save came to: the server's answer, or kept on the device.
#[derive(Clone)]
pub(super) enum Delivered {
    Saved(SurveySaved),
    Issues(Vec<FieldIssue>),
    Queued { submit: bool },
}

/// Saves with the server, or, offline (or when the request fails on the way), keeps the
/// save in the outbox with its client id and the version it started from.
async fn deliver(
    input: SurveySaveInput,
    label: String,
) -> Result<Delivered, crate::error::AppError> {
    use crate::error::AppError;
    if !offline::is_shell() {
        match save_survey(input.clone()).await {
            Ok(Ok(saved)) => return Ok(Delivered::Saved(saved)),
            Ok(Err(issues)) => return Ok(Delivered::Issues(issues)),
            Err(AppError::Failed(_) | AppError::Unavailable) => {}
            Err(other) => return Err(other),
        }
    }
    let submit = input.submit;
    offline::enqueue(label, crate::model::OutboxRequest::Survey(input)).await?;
    Ok(Delivered::Queued { submit })
}

#[component]
pub(super) fn SaveBar(
    household: String,
    /// Who the survey is about, for the outbox list.
    label: String,
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
    let household_for_outbox = household.clone();
    let save = Action::new(move |input: &SurveySaveInput| deliver(input.clone(), label.clone()));
    let send = move |submit: bool, confirm: bool| {
        ctx.tried.set(true);
        let blocking = ctx
            .issues
            .with_untracked(|all| all.iter().any(|i| i.severity == Severity::Error));
        if blocking {
            said.set(None);
            return;
        }
        // Offline nobody else can ask to confirm the warnings: the form asks, as the server would.
        if offline::is_shell() && submit && !confirm {
            let warnings: Vec<FieldIssue> = ctx
                .issues
                .with_untracked(|all| all.iter().cloned().map(Into::into).collect());
            if !warnings.is_empty() {
                said.set(Some(Said::Confirm(warnings)));
                return;
            }
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
            Ok(Delivered::Queued { submit }) => {
                pending.set_value(None);
                local::remove(&key);
                if submit {
                    editable.set(false);
                }
                status.set(Some(match submit {
                    true => SurveyStatus::Submitted,
                    false => SurveyStatus::Draft,
                }));
                Said::Queued { submit }
            }
            Ok(Delivered::Saved(saved)) => {
                if let Some((_, sent, _, _)) = pending.get_value() {
                    offline::delivered(household_for_outbox.clone(), wave, &sent);
                }
                pending.set_value(None);
                local::remove(&key);
                version.set(saved.version);
                if saved.status != SurveyStatus::Draft {
                    editable.set(false);
                }
                status.set(Some(saved.status));
                Said::Saved(saved)
            }
            Ok(Delivered::Issues(issues)) => {
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
                    Said::Queued { submit } => view! {
                        <p class="notice" data-testid="queued">
                            <Tr zh="已保存在本机，尚未上传。" en="Kept on this device, not yet uploaded. " />
                            {match submit {
                                true => view! { <Tr zh="联网后自动提交审核。" en="It is submitted for review once online." /> }.into_any(),
                                false => view! { <Tr zh="联网后自动上传草稿。" en="The draft is uploaded once online." /> }.into_any(),
                            }}
                        </p>
                        <a href="/field"><Tr zh="返回调查任务" en="Back to my households" /></a>
                    }.into_any(),
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
pub(super) mod local {
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

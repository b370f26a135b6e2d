//! Offline field work, the server's part: the package a device downloads to survey its
//! villages without a network ("prepare for offline"), and the upload of an outbox file that
//! a device exported when it could not reach the server.
//!
//! Nothing here has rules of its own: the package is the field list, survey forms and
//! registration form the pages would have fetched one by one, and an uploaded item goes
//! through the same save and registration functions as the form and the API, so it is checked
//! the same way and is idempotent by the same client ids (an item the device already sent, or
//! a file uploaded twice, is a replay).

use std::collections::HashMap;

use app::backend::{BackendError, FieldWork, RequestViewer};
use app::model::{
    FieldIssue, ImportedItem, ImportedOutcome, OfflinePackage, OutboxFile, OutboxImported,
    OutboxRequest, OUTBOX_FILE_KIND, OUTBOX_FORMAT, PACKAGE_FORMAT,
};
use domain::Role;

use super::field_work::{register, save_survey, SaveError};
use super::views::LiveViews;
use super::{actor, invalid, storage};
use crate::records::Author;

/// What the account's device needs for the wave (the latest when `None`): its villages'
/// households, each one's survey form, and the registration form.
pub async fn package(
    views: &LiveViews,
    by: &RequestViewer,
    wave: Option<i32>,
) -> Result<OfflinePackage, BackendError> {
    let actor = actor(by)?;
    let home = views.field_home(by, wave).await?;
    let mut forms = Vec::new();
    for village in &home.villages {
        for row in &village.households {
            forms.push(
                views
                    .survey_form(by, &row.household, Some(home.wave))
                    .await?,
            );
        }
    }
    let register = views.register_form(by).await?;
    let line = {
        let engine = views.engine.read(&views.store).await.map_err(storage)?;
        engine.line_fen(home.wave) as f64 / 100.0
    };
    let now = domain::date::format_china_time(crate::storage::now_ms());
    Ok(OfflinePackage {
        format: PACKAGE_FORMAT,
        account: actor.username.clone(),
        display_name: actor.display_name.clone(),
        role: actor.role,
        prepared_at: now.chars().take(16).collect(),
        line,
        home,
        forms,
        register,
    })
}

/// Applies an outbox file's items in order, as `author` (a supervisor or an administrator):
/// each saved, found already saved (replayed) or refused with the reasons. One item's refusal
/// does not stop the others; a survey that waits for an earlier save of the same survey in
/// the file starts from the version that save produced.
pub async fn import_outbox(
    views: &LiveViews,
    author: &Author<'_>,
    file: &OutboxFile,
) -> Result<OutboxImported, BackendError> {
    if !matches!(author.actor.role, Role::Admin | Role::Supervisor) {
        return Err(BackendError::Forbidden);
    }
    if file.kind != OUTBOX_FILE_KIND {
        return Err(invalid(
            "kind",
            "这不是碳汇设备导出的待上传文件".into(),
            "kind: not an outbox file exported by a Tanhui device".into(),
        ));
    }
    if file.format > OUTBOX_FORMAT {
        return Err(invalid(
            "format",
            format!("文件格式为第 {} 版，本系统只认到第 {OUTBOX_FORMAT} 版：请先升级服务器", file.format),
            format!("format: version {} is newer than this server reads ({OUTBOX_FORMAT}); upgrade the server", file.format),
        ));
    }
    let waves: Vec<i32> = {
        let engine = views.engine.read(&views.store).await.map_err(storage)?;
        engine.waves().collect()
    };
    let mut versions: HashMap<String, i32> = HashMap::new();
    let mut items = Vec::with_capacity(file.items.len());
    for item in &file.items {
        let id = item.request.client_id().to_owned();
        let (kind, result) = match &item.request {
            OutboxRequest::Survey(save) => {
                let mut save = save.clone();
                if let Some(version) = item.after.as_ref().and_then(|a| versions.get(a)) {
                    save.base_version = *version;
                }
                let result = match save_survey(&views.store, author, &waves, &save).await {
                    Ok(saved) => {
                        versions.insert(id.clone(), saved.version);
                        Ok((saved.replayed, Some(saved.version)))
                    }
                    Err(SaveError::Storage(err)) => return Err(storage(err)),
                    Err(err) => Err(survey_issues(err)),
                };
                ("survey", result)
            }
            OutboxRequest::Household { id, input } => {
                let result = match register(&views.store, author, Some(id), input).await {
                    Ok(done) => Ok((done.replayed, None)),
                    Err(BackendError::Invalid(issues)) => Err(issues),
                    Err(BackendError::Forbidden) => Err(vec![FieldIssue::error(
                        "village",
                        "forbidden",
                        "您无权在这个村登记农户",
                        "village: you may not register households in this village",
                    )]),
                    Err(other) => return Err(other),
                };
                ("household", result)
            }
        };
        let (outcome, version, issues) = match result {
            Ok((true, version)) => (ImportedOutcome::Replayed, version, Vec::new()),
            Ok((false, version)) => (ImportedOutcome::Saved, version, Vec::new()),
            Err(issues) => (ImportedOutcome::Refused, None, issues),
        };
        items.push(ImportedItem {
            id,
            kind: kind.into(),
            label: item.label.clone(),
            outcome,
            version,
            issues,
        });
    }
    tracing::info!(
        by = %author.actor.username,
        account = %file.account,
        items = items.len(),
        "outbox file uploaded"
    );
    Ok(OutboxImported {
        account: file.account.clone(),
        items,
    })
}

/// A refused save's reasons, field by field.
fn survey_issues(err: SaveError) -> Vec<FieldIssue> {
    match err {
        SaveError::Invalid(issues) | SaveError::Unconfirmed(issues) => issues,
        SaveError::Conflict(rule, zh, en) => vec![FieldIssue::error("version", rule, zh, en)],
        SaveError::NotFound => vec![FieldIssue::error(
            "household",
            "not_found",
            "没有这户（如果它是在设备上新登记的，它的登记没有被接受）",
            "household: no such household (if the device registered it, that registration was refused)",
        )],
        SaveError::Forbidden => vec![FieldIssue::error(
            "household",
            "forbidden",
            "您无权录入这户的问卷",
            "household: you may not enter this household's survey",
        )],
        SaveError::Storage(err) => vec![FieldIssue::error(
            "household",
            "storage",
            "服务器出错，请稍后重新上传",
            format!("server error: {err}"),
        )],
    }
}

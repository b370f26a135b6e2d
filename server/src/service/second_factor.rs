//! Two-step verification on the account page: enrol an authenticator from a QR code,
//! confirm it with a first code, keep recovery codes, turn it off (unless the role needs it),
//! and an administrator's reset after a lost phone. Every change is audited; the sign-in
//! step itself is `auth::second_factor`.

use app::backend::{BackendError, RequestViewer};
use app::model::{FieldIssue, SecondFactorEnrolment, SecondFactorView, UserView};

use super::storage;
use crate::auth::totp;
use crate::storage::{now_ms, AuditEntry, SecondFactorRecord, Store, UserRecord};

fn me(by: &RequestViewer) -> Result<&domain::Actor, BackendError> {
    by.actor.as_ref().ok_or(BackendError::Forbidden)
}

fn wrong_code() -> BackendError {
    BackendError::Invalid(vec![FieldIssue::error(
        "code",
        "wrong_code",
        "验证码不正确或已用过：请输入验证器应用当前显示的 6 位数字",
        "wrong or already used code: type the 6 digits your authenticator app shows now",
    )])
}

/// The reader's two-step verification.
pub async fn status(store: &Store, by: &RequestViewer) -> Result<SecondFactorView, BackendError> {
    let actor = me(by)?;
    let factor = store.second_factor(&actor.user_id).await.map_err(storage)?;
    let confirmed_at = factor.and_then(|f| f.confirmed_at);
    let left = match confirmed_at {
        Some(_) => store
            .recovery_codes_left(&actor.user_id)
            .await
            .map_err(storage)?,
        None => 0,
    };
    Ok(SecondFactorView {
        enrolled: confirmed_at.is_some(),
        confirmed_at,
        required: by.second_factor_required,
        recovery_codes_left: left,
    })
}

/// A new secret for the reader's authenticator (an unconfirmed one is replaced); refused
/// while one is confirmed (turn it off, or ask an administrator to reset it, first).
pub async fn start(
    store: &Store,
    by: &RequestViewer,
) -> Result<SecondFactorEnrolment, BackendError> {
    let actor = me(by)?;
    let secret = totp::new_secret();
    let started = store
        .start_second_factor(&actor.user_id, &totp::base32(&secret), now_ms())
        .await
        .map_err(storage)?;
    if !started {
        return Err(BackendError::Invalid(vec![FieldIssue::error(
            "code",
            "already_enrolled",
            "两步验证已启用；如需更换手机，请先停用，或请管理员重置",
            "two-step verification is on already: turn it off first, or ask an administrator to reset it",
        )]));
    }
    let uri = totp::otpauth_uri(&secret, &actor.username);
    Ok(SecondFactorEnrolment {
        secret: totp::grouped(&secret),
        qr_svg: totp::qr_svg(&uri),
        otpauth_uri: uri,
    })
}

/// The step a current code of `factor` belongs to.
fn step_of_code(factor: &SecondFactorRecord, code: &str) -> Option<i64> {
    let secret = totp::from_base32(&factor.secret)?;
    totp::matching_step(&secret, code, now_ms(), factor.last_step)
}

/// Confirms enrolment with a first code; answers the recovery codes (shown once).
pub async fn confirm(
    store: &Store,
    by: &RequestViewer,
    code: &str,
) -> Result<Vec<String>, BackendError> {
    let actor = me(by)?;
    let factor = store
        .second_factor(&actor.user_id)
        .await
        .map_err(storage)?
        .filter(|f| f.confirmed_at.is_none())
        .ok_or_else(|| {
            BackendError::Invalid(vec![FieldIssue::error(
                "code",
                "not_enrolling",
                "请先点击“启用两步验证”并扫描二维码",
                "start with “Turn on two-step verification” and scan the QR code",
            )])
        })?;
    let step = step_of_code(&factor, code).ok_or_else(wrong_code)?;
    let codes = totp::new_recovery_codes();
    let hashes: Vec<String> = codes.iter().map(|c| totp::recovery_hash(c)).collect();
    let audit = AuditEntry::by(Some(actor), "second_factor.enrol")
        .target("user", actor.username.clone())
        .ip(by.ip.clone());
    let confirmed = store
        .confirm_second_factor(
            &actor.user_id,
            &factor.secret,
            step,
            &hashes,
            now_ms(),
            &audit,
        )
        .await
        .map_err(storage)?;
    match confirmed {
        true => Ok(codes),
        // Restarted in another tab meanwhile: that QR code is the one to scan.
        false => Err(wrong_code()),
    }
}

/// Checks a current code of the reader's confirmed authenticator, using up its step.
async fn check_current(
    store: &Store,
    actor: &domain::Actor,
    code: &str,
) -> Result<(), BackendError> {
    let factor = store
        .second_factor(&actor.user_id)
        .await
        .map_err(storage)?
        .filter(|f| f.confirmed_at.is_some())
        .ok_or(BackendError::NotFound)?;
    let step = step_of_code(&factor, code).ok_or_else(wrong_code)?;
    match store
        .use_totp_step(&actor.user_id, step)
        .await
        .map_err(storage)?
    {
        true => Ok(()),
        false => Err(wrong_code()),
    }
}

/// New recovery codes against a current code; the old ones stop working.
pub async fn renew_codes(
    store: &Store,
    by: &RequestViewer,
    code: &str,
) -> Result<Vec<String>, BackendError> {
    let actor = me(by)?;
    check_current(store, actor, code).await?;
    let codes = totp::new_recovery_codes();
    let hashes: Vec<String> = codes.iter().map(|c| totp::recovery_hash(c)).collect();
    let audit = AuditEntry::by(Some(actor), "second_factor.recovery_codes")
        .target("user", actor.username.clone())
        .ip(by.ip.clone());
    store
        .replace_recovery_codes(&actor.user_id, &hashes, &audit)
        .await
        .map_err(storage)?;
    Ok(codes)
}

/// Turns the reader's second factor off against a current code, unless the role needs it.
pub async fn disable(store: &Store, by: &RequestViewer, code: &str) -> Result<(), BackendError> {
    let actor = me(by)?;
    if by.second_factor_required {
        return Err(BackendError::Invalid(vec![FieldIssue::error(
            "code",
            "second_factor_required",
            "您的角色必须使用两步验证，不能停用；更换手机请联系管理员重置",
            "your role must sign in with two-step verification; to change phones, ask an administrator to reset it",
        )]));
    }
    check_current(store, actor, code).await?;
    let audit = AuditEntry::by(Some(actor), "second_factor.disable")
        .target("user", actor.username.clone())
        .ip(by.ip.clone());
    store
        .delete_second_factor(&actor.user_id, &audit)
        .await
        .map_err(storage)?;
    Ok(())
}

/// An administrator removes another account's authenticator (a lost phone): at its next
/// sign-in the account signs in with its password alone and, if its role needs a second
/// factor, enrols a new one before anything else.
pub async fn reset(
    store: &Store,
    by: &RequestViewer,
    id: &str,
    existing: UserRecord,
) -> Result<UserView, BackendError> {
    let actor = me(by)?;
    if actor.user_id == id {
        return Err(BackendError::Invalid(vec![FieldIssue::error(
            "user",
            "own_second_factor",
            "不能重置自己的两步验证：请另一位管理员操作（防止被盗用的会话关闭保护）",
            "you cannot reset your own two-step verification: another administrator must (a stolen session must not turn it off)",
        )]));
    }
    let audit = AuditEntry::by(Some(actor), "second_factor.reset")
        .target("user", existing.username.clone())
        .ip(by.ip.clone());
    store
        .delete_second_factor(id, &audit)
        .await
        .map_err(storage)?;
    Ok(UserView::from(UserRecord {
        second_factor: false,
        ..existing
    }))
}

//! Account management: create, edit, disable, reset and change passwords, API tokens and the
//! audit-log query. Input arrives as text (forms, CLI, API), becomes domain values here, and
//! every change is written together with its audit entry.

use app::backend::{Backend, BackendError, RequestViewer};
use app::model::{
    AuditQuery, AuditView, FailedSignInsView, FieldIssue, IssuedPassword, NewToken, NewUserInput,
    SecondFactorEnrolment, SecondFactorView, ServerStatus, TokenInput, TokenView, UnitView,
    UserChangeInput, UserView,
};
use domain::access::{check_password, check_scopes, check_username};
use domain::{Role, UnitCode};

use super::storage;
use crate::auth::{password, secret, TOKEN_PREFIX};
use crate::storage::{
    now_ms, AuditEntry, AuditFilter, StorageError, Store, TokenRecord, UserChange, UserRecord,
};

fn issue(path: &str, rule: &str, zh: impl Into<String>, en: impl Into<String>) -> FieldIssue {
    FieldIssue::error(path, rule, zh, en)
}

impl From<UserRecord> for UserView {
    fn from(user: UserRecord) -> Self {
        UserView {
            id: user.id,
            username: user.username,
            display_name: user.display_name,
            role: user.role,
            scopes: user.scopes.iter().map(|u| u.as_str().to_owned()).collect(),
            disabled: user.disabled,
            must_change_password: user.must_change_password,
            created_at: user.created_at,
            updated_at: user.updated_at,
            failed_sign_ins: 0,
            second_factor: user.second_factor,
        }
    }
}

/// How far back the failed sign-ins shown to administrators and account owners go.
const FAILURES_SHOWN_MS: i64 = 24 * 60 * 60 * 1000;

/// Every account, each with its failed sign-ins of the last day (since the last unlock).
pub async fn users(store: &Store) -> Result<Vec<UserView>, BackendError> {
    let failures = store
        .failed_sign_ins(None, now_ms() - FAILURES_SHOWN_MS, true)
        .await
        .map_err(storage)?;
    let users = store.users().await.map_err(storage)?;
    Ok(users
        .into_iter()
        .map(|user| {
            let count = failures
                .iter()
                .find(|f| f.username == user.username)
                .map_or(0, |f| f.count);
            UserView {
                failed_sign_ins: count,
                ..UserView::from(user)
            }
        })
        .collect())
}

/// An administrator lets an account sign in again at once: the failures so far stop
/// counting toward any wait (they stay in the audit log), audited as `login.unlock`.
pub async fn unlock_sign_in(
    store: &Store,
    by: &RequestViewer,
    id: &str,
) -> Result<UserView, BackendError> {
    let user = existing(store, id).await?;
    let audit = AuditEntry::by(by.actor.as_ref(), "login.unlock")
        .target("user", user.username.clone())
        .ip(by.ip.clone());
    store.append_audit(&audit).await.map_err(storage)?;
    Ok(UserView::from(user))
}

/// The reader's own failed sign-ins of the last day (an unlock does not hide them), for the
/// account page.
pub async fn my_failed_sign_ins(
    store: &Store,
    by: &RequestViewer,
) -> Result<FailedSignInsView, BackendError> {
    let Some(actor) = &by.actor else {
        return Err(BackendError::Forbidden);
    };
    let found = store
        // Unlocked or not: the owner should know someone tried.
        .failed_sign_ins(Some(&actor.username), now_ms() - FAILURES_SHOWN_MS, false)
        .await
        .map_err(storage)?;
    Ok(found
        .into_iter()
        .next()
        .map(|f| FailedSignInsView {
            count: f.count,
            latest_at: Some(f.latest_at),
            latest_ip: f.latest_ip,
        })
        .unwrap_or_default())
}

impl From<TokenRecord> for TokenView {
    fn from(token: TokenRecord) -> Self {
        TokenView {
            id: token.id,
            name: token.name,
            prefix: token.prefix,
            created_at: token.created_at,
            last_used_at: token.last_used_at,
            revoked_at: token.revoked_at,
            expires_at: token.expires_at,
            read_only: token.read_only,
            expired: token.expires_at.is_some_and(|t| t <= now_ms()),
        }
    }
}

/// Unit codes separated by commas (ASCII or Chinese) or spaces; sorted, duplicates collapse.
pub fn parse_scopes(text: &str) -> Result<Vec<UnitCode>, FieldIssue> {
    let mut scopes = Vec::new();
    for part in text
        .split(|c: char| c == ',' || c == '，' || c.is_whitespace())
        .filter(|p| !p.is_empty())
    {
        let unit = UnitCode::parse(part).map_err(|err| {
            use domain::Localized;
            issue("scopes", "scope_code", err.zh(), err.en())
        })?;
        scopes.push(unit);
    }
    scopes.sort();
    scopes.dedup();
    Ok(scopes)
}

fn parse_role(text: &str) -> Result<Role, FieldIssue> {
    Role::parse(text).ok_or_else(|| {
        issue(
            "role",
            "role",
            "请选择角色：admin、official、supervisor、enumerator 或 researcher",
            "role: one of admin, official, supervisor, enumerator, researcher",
        )
    })
}

/// Role and scopes together, each problem reported on its field.
fn role_and_scopes(
    role: &str,
    scopes: &str,
    issues: &mut Vec<FieldIssue>,
) -> Option<(Role, Vec<UnitCode>)> {
    let role = parse_role(role).map_err(|i| issues.push(i)).ok();
    let scopes = parse_scopes(scopes).map_err(|i| issues.push(i)).ok();
    let (role, scopes) = (role?, scopes?);
    match check_scopes(role, &scopes) {
        Ok(()) => Some((role, scopes)),
        Err(err) => {
            issues.push(err.into());
            None
        }
    }
}

fn display_name(text: &str, username: &str, issues: &mut Vec<FieldIssue>) -> String {
    let name = text.trim();
    if name.chars().count() > 64 {
        issues.push(issue(
            "display_name",
            "display_name_length",
            "姓名最多 64 个字符",
            "a display name has at most 64 characters",
        ));
    }
    if name.is_empty() {
        username.to_owned()
    } else {
        name.to_owned()
    }
}

/// Maps a refused write to the field it concerns.
fn refused(err: StorageError) -> BackendError {
    if let StorageError::Database(sqlx::Error::Database(db)) = &err {
        if db.is_unique_violation() {
            return BackendError::Invalid(vec![issue(
                "username",
                "username_taken",
                "该用户名已被使用",
                "this username is taken",
            )]);
        }
        if db.is_foreign_key_violation() {
            return BackendError::Invalid(vec![issue(
                "scopes",
                "scope_unknown",
                "管辖单位中有不存在的行政区划代码",
                "a unit in scope does not exist",
            )]);
        }
    }
    storage(err)
}

async fn hashed(password: &str) -> Result<String, BackendError> {
    password::hash_blocking(password.to_owned())
        .await
        .map_err(|err| {
            tracing::error!(%err, "cannot hash a password");
            BackendError::Storage(err.to_string())
        })
}

/// Creates an account. An empty password means "generate a one-time password", which the
/// account must change at first sign-in.
pub async fn create_user(
    store: &Store,
    by: &RequestViewer,
    input: NewUserInput,
) -> Result<IssuedPassword, BackendError> {
    let mut issues = Vec::new();
    let username = input.username.trim().to_lowercase();
    if let Err(err) = check_username(&username) {
        issues.push(err.into());
    }
    let display_name = display_name(&input.display_name, &username, &mut issues);
    let role_scopes = role_and_scopes(&input.role, &input.scopes, &mut issues);
    let generated = input.password.is_empty();
    let password = match generated {
        true => password::one_time(),
        false => input.password.clone(),
    };
    if let Err(err) = check_password(&username, &password) {
        issues.push(err.into());
    }
    let Some((role, scopes)) = role_scopes.filter(|_| issues.is_empty()) else {
        return Err(BackendError::Invalid(issues));
    };
    let now = now_ms();
    let user = UserRecord {
        id: crate::auth::new_id(),
        username,
        display_name,
        role,
        password_hash: hashed(&password).await?,
        must_change_password: generated,
        disabled: false,
        created_at: now,
        updated_at: now,
        scopes,
        second_factor: false,
    };
    let audit = AuditEntry::by(by.actor.as_ref(), "user.create")
        .target("user", user.username.clone())
        .ip(by.ip.clone())
        .change(None, Some(account_snapshot(&user)));
    store.insert_user(&user, &audit).await.map_err(refused)?;
    Ok(IssuedPassword {
        user: user.into(),
        one_time_password: generated.then_some(password),
    })
}

/// What the audit log keeps of an account: never the password hash.
fn account_snapshot(user: &UserRecord) -> serde_json::Value {
    serde_json::json!({
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role.code(),
        "scopes": user.scopes.iter().map(|u| u.as_str()).collect::<Vec<_>>(),
        "disabled": user.disabled,
    })
}

async fn existing(store: &Store, id: &str) -> Result<UserRecord, BackendError> {
    store
        .user_by_id(id)
        .await
        .map_err(storage)?
        .ok_or(BackendError::NotFound)
}

/// An administrator edits an account: name, role, scopes, disabled. Administrators cannot
/// disable or demote themselves (a system must keep someone who can administer it).
pub async fn update_user(
    store: &Store,
    by: &RequestViewer,
    id: &str,
    change: UserChangeInput,
) -> Result<UserView, BackendError> {
    let before = existing(store, id).await?;
    let mut issues = Vec::new();
    let display_name = display_name(&change.display_name, &before.username, &mut issues);
    let role_scopes = role_and_scopes(&change.role, &change.scopes, &mut issues);
    let is_self = by.actor.as_ref().is_some_and(|a| a.user_id == id);
    if is_self && (change.disabled || role_scopes.as_ref().is_some_and(|(r, _)| *r != Role::Admin))
    {
        issues.push(issue(
            "role",
            "self_lockout",
            "不能停用自己的账号或取消自己的管理员角色",
            "you cannot disable your own account or give up your own administrator role",
        ));
    }
    let Some((role, scopes)) = role_scopes.filter(|_| issues.is_empty()) else {
        return Err(BackendError::Invalid(issues));
    };
    let change = UserChange {
        display_name,
        role,
        disabled: change.disabled,
        scopes,
    };
    let mut after = before.clone();
    after.display_name = change.display_name.clone();
    after.role = change.role;
    after.disabled = change.disabled;
    after.scopes = change.scopes.clone();
    let audit = AuditEntry::by(by.actor.as_ref(), "user.update")
        .target("user", before.username.clone())
        .ip(by.ip.clone())
        .change(
            Some(account_snapshot(&before)),
            Some(account_snapshot(&after)),
        );
    let found = store
        .update_user(id, &change, now_ms(), &audit)
        .await
        .map_err(refused)?;
    if !found {
        return Err(BackendError::NotFound);
    }
    Ok(existing(store, id).await?.into())
}

/// Gives an account a new one-time password and ends all its sessions.
pub async fn reset_password(
    store: &Store,
    by: &RequestViewer,
    id: &str,
) -> Result<IssuedPassword, BackendError> {
    let user = existing(store, id).await?;
    let password = password::one_time();
    let audit = AuditEntry::by(by.actor.as_ref(), "user.password_reset")
        .target("user", user.username.clone())
        .ip(by.ip.clone());
    store
        .set_password(id, &hashed(&password).await?, true, None, now_ms(), &audit)
        .await
        .map_err(storage)?;
    Ok(IssuedPassword {
        user: existing(store, id).await?.into(),
        one_time_password: Some(password),
    })
}

/// The signed-in account replaces its password; its other sessions end, this one stays.
pub async fn change_password(
    store: &Store,
    by: &RequestViewer,
    current: &str,
    new: &str,
) -> Result<(), BackendError> {
    let Some(actor) = by.actor.as_ref() else {
        return Err(BackendError::NotFound);
    };
    let user = existing(store, &actor.user_id).await?;
    if !password::verify_blocking(Some(user.password_hash.clone()), current.to_owned()).await {
        return Err(BackendError::Invalid(vec![issue(
            "current",
            "current_password",
            "当前密码不正确",
            "the current password is wrong",
        )]));
    }
    let mut issues = Vec::new();
    if let Err(err) = check_password(&user.username, new) {
        let mut err: FieldIssue = err.into();
        err.path = "new".into();
        issues.push(err);
    }
    if new == current {
        issues.push(issue(
            "new",
            "password_unchanged",
            "新密码不能与当前密码相同",
            "the new password must differ from the current one",
        ));
    } else if issues.is_empty() {
        for old in store.password_history(&user.id).await.map_err(storage)? {
            if password::verify_blocking(Some(old), new.to_owned()).await {
                issues.push(issue(
                    "new",
                    "password_reused",
                    "不能使用最近 5 次用过的密码",
                    "the new password must not be one of your last five",
                ));
                break;
            }
        }
    }
    if !issues.is_empty() {
        return Err(BackendError::Invalid(issues));
    }
    let audit = AuditEntry::by(Some(actor), "user.password_change")
        .target("user", user.username.clone())
        .ip(by.ip.clone());
    store
        .set_password(
            &user.id,
            &hashed(new).await?,
            false,
            by.session_hash.as_deref(),
            now_ms(),
            &audit,
        )
        .await
        .map_err(storage)?;
    Ok(())
}

/// Audit entries matching the query, newest first, a page of 200 at a time.
pub async fn audit(store: &Store, query: &AuditQuery) -> Result<Vec<AuditView>, BackendError> {
    let day = |text: &Option<String>, path: &str| -> Result<Option<i64>, BackendError> {
        match text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            None => Ok(None),
            Some(t) => domain::Date::parse(t)
                .map(|d| Some(d.start_in_china_ms()))
                .map_err(|_| {
                    BackendError::Invalid(vec![issue(
                        path,
                        "date",
                        format!("日期格式应为 YYYY-MM-DD，而不是“{t}”"),
                        format!("a date is YYYY-MM-DD, not {t:?}"),
                    )])
                }),
        }
    };
    let text = |t: &Option<String>| {
        t.as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    };
    let filter = AuditFilter {
        action: text(&query.action),
        actor: text(&query.actor),
        target: text(&query.target),
        from_ms: day(&query.from, "from")?,
        // "to" is inclusive: entries before the start of the next day.
        to_ms: day(&query.to, "to")?.map(|ms| ms + 86_400_000),
        before_seq: query.before,
        limit: 200,
    };
    let records = store.audit(&filter).await.map_err(storage)?;
    Ok(records
        .into_iter()
        .map(|r| AuditView {
            seq: r.seq,
            at: r.at,
            actor: r.actor,
            action: r.action,
            target_kind: r.target_kind,
            target: r.target,
            unit_code: r.unit_code,
            ip: r.ip,
            before: r.before.map(|v| v.to_string()),
            after: r.after.map(|v| v.to_string()),
        })
        .collect())
}

fn token_holder(by: &RequestViewer) -> Result<&domain::Actor, BackendError> {
    by.actor
        .as_ref()
        .filter(|a| a.may_hold_tokens())
        .ok_or(BackendError::NotFound)
}

pub async fn tokens(store: &Store, by: &RequestViewer) -> Result<Vec<TokenView>, BackendError> {
    let actor = token_holder(by)?;
    let tokens = store.tokens_of(&actor.user_id).await.map_err(storage)?;
    Ok(tokens.into_iter().map(TokenView::from).collect())
}

/// Creates an API token; its secret is in the answer and nowhere else.
/// Days a new token lives when none is asked for, and the most it may.
pub const TOKEN_DAYS: u32 = 90;
pub const TOKEN_MAX_DAYS: u32 = 365;

pub async fn create_token(
    store: &Store,
    by: &RequestViewer,
    input: &TokenInput,
) -> Result<NewToken, BackendError> {
    let actor = token_holder(by)?;
    let name = input.name.trim();
    let mut issues = Vec::new();
    if name.is_empty() || name.chars().count() > 64 {
        issues.push(issue(
            "name",
            "token_name",
            "请为令牌起一个名字（最多 64 个字符），例如“Stata 导出”",
            "give the token a name of up to 64 characters, e.g. \"Stata export\"",
        ));
    }
    let read_only = match input.scope.trim() {
        "" | "read" => true,
        "write" => false,
        _ => {
            issues.push(issue(
                "scope",
                "token_scope",
                "权限只能是 read（只读）或 write（读写）",
                "scope is read or write",
            ));
            true
        }
    };
    let days = match input.days.trim() {
        "" => TOKEN_DAYS,
        text => match text.parse::<u32>() {
            Ok(days) if (1..=TOKEN_MAX_DAYS).contains(&days) => days,
            _ => {
                issues.push(issue(
                    "days",
                    "token_days",
                    format!("有效期为 1–{TOKEN_MAX_DAYS} 天的整数"),
                    format!("days: a whole number from 1 to {TOKEN_MAX_DAYS}"),
                ));
                TOKEN_DAYS
            }
        },
    };
    if !issues.is_empty() {
        return Err(BackendError::Invalid(issues));
    }
    let secret = secret::generate(TOKEN_PREFIX);
    let now = now_ms();
    let token = TokenRecord {
        id: crate::auth::new_id(),
        user_id: actor.user_id.clone(),
        name: name.to_owned(),
        prefix: secret[..TOKEN_PREFIX.len() + 6].to_owned(),
        created_at: now,
        last_used_at: None,
        revoked_at: None,
        expires_at: Some(now + i64::from(days) * 86_400_000),
        read_only,
    };
    let audit = AuditEntry::by(Some(actor), "token.create")
        .target("token", token.id.clone())
        .ip(by.ip.clone())
        .change(
            None,
            Some(serde_json::json!({
                "name": token.name, "prefix": token.prefix,
                "read_only": read_only, "expires_at": token.expires_at,
            })),
        );
    store
        .insert_token(&token, &secret::digest(&secret), &audit)
        .await
        .map_err(storage)?;
    Ok(NewToken {
        token: token.into(),
        secret,
    })
}

pub async fn revoke_token(store: &Store, by: &RequestViewer, id: &str) -> Result<(), BackendError> {
    let actor = token_holder(by)?;
    let audit = AuditEntry::by(Some(actor), "token.revoke")
        .target("token", id.to_owned())
        .ip(by.ip.clone());
    match store
        .revoke_token(id, &actor.user_id, now_ms(), &audit)
        .await
        .map_err(storage)?
    {
        true => Ok(()),
        false => Err(BackendError::NotFound),
    }
}

/// The accounts port the pages' server functions use, over the store.
#[async_trait::async_trait]
impl Backend for Store {
    async fn status(&self) -> Result<ServerStatus, BackendError> {
        let schema_version = self.schema_version().await.map_err(storage)?;
        let units = self.count_units().await.map_err(storage)?;
        Ok(ServerStatus {
            backend: self.backend_name().to_owned(),
            schema_version,
            units,
            version: env!("CARGO_PKG_VERSION").to_owned(),
        })
    }

    async fn child_units(&self, parent: &UnitCode) -> Result<Vec<UnitView>, BackendError> {
        let rows = Store::child_units(self, parent).await.map_err(storage)?;
        rows.into_iter()
            .map(UnitView::try_from)
            .collect::<Result<_, _>>()
            .map_err(storage)
    }

    async fn users(&self) -> Result<Vec<UserView>, BackendError> {
        users(self).await
    }

    async fn unlock_sign_in(&self, by: &RequestViewer, id: &str) -> Result<UserView, BackendError> {
        unlock_sign_in(self, by, id).await
    }

    async fn my_failed_sign_ins(
        &self,
        by: &RequestViewer,
    ) -> Result<FailedSignInsView, BackendError> {
        my_failed_sign_ins(self, by).await
    }

    async fn second_factor(&self, by: &RequestViewer) -> Result<SecondFactorView, BackendError> {
        super::second_factor::status(self, by).await
    }

    async fn start_second_factor(
        &self,
        by: &RequestViewer,
    ) -> Result<SecondFactorEnrolment, BackendError> {
        super::second_factor::start(self, by).await
    }

    async fn confirm_second_factor(
        &self,
        by: &RequestViewer,
        code: &str,
    ) -> Result<Vec<String>, BackendError> {
        super::second_factor::confirm(self, by, code).await
    }

    async fn renew_recovery_codes(
        &self,
        by: &RequestViewer,
        code: &str,
    ) -> Result<Vec<String>, BackendError> {
        super::second_factor::renew_codes(self, by, code).await
    }

    async fn disable_second_factor(
        &self,
        by: &RequestViewer,
        code: &str,
    ) -> Result<(), BackendError> {
        super::second_factor::disable(self, by, code).await
    }

    async fn reset_second_factor(
        &self,
        by: &RequestViewer,
        id: &str,
    ) -> Result<UserView, BackendError> {
        let user = existing(self, id).await?;
        super::second_factor::reset(self, by, id, user).await
    }

    async fn create_user(
        &self,
        by: &RequestViewer,
        input: NewUserInput,
    ) -> Result<IssuedPassword, BackendError> {
        create_user(self, by, input).await
    }

    async fn update_user(
        &self,
        by: &RequestViewer,
        id: &str,
        change: UserChangeInput,
    ) -> Result<UserView, BackendError> {
        update_user(self, by, id, change).await
    }

    async fn reset_password(
        &self,
        by: &RequestViewer,
        id: &str,
    ) -> Result<IssuedPassword, BackendError> {
        reset_password(self, by, id).await
    }

    async fn change_password(
        &self,
        by: &RequestViewer,
        current: &str,
        new: &str,
    ) -> Result<(), BackendError> {
        change_password(self, by, current, new).await
    }

    async fn audit(&self, query: &AuditQuery) -> Result<Vec<AuditView>, BackendError> {
        audit(self, query).await
    }

    async fn tokens(&self, by: &RequestViewer) -> Result<Vec<TokenView>, BackendError> {
        tokens(self, by).await
    }

    async fn create_token(
        &self,
        by: &RequestViewer,
        input: &TokenInput,
    ) -> Result<NewToken, BackendError> {
        create_token(self, by, input).await
    }

    async fn revoke_token(&self, by: &RequestViewer, id: &str) -> Result<(), BackendError> {
        revoke_token(self, by, id).await
    }
}

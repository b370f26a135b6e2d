// Account, session, token and audit SQL shared by both backends; compiled twice like
// `queries.rs`. Every change to an account writes its audit entry in the same transaction.

use futures_util::TryStreamExt;
use sqlx::{Pool, QueryBuilder, Transaction};

use super::Db;
use crate::storage::accounts::{
    AuditEntry, AuditFilter, AuditRecord, AuditRow, ChainedRow, SecondFactorRecord, SessionRecord,
    SessionUserRow, TokenRecord, TokenUse, TokenUserRow, UserChange, UserRecord, UserRow,
};
use crate::storage::{audit_chain, StorageError};

const USER_COLUMNS: &str = "u.id, u.username, u.display_name, u.role, u.password_hash, \
     u.must_change_password, u.disabled, u.created_at, u.updated_at, \
     EXISTS (SELECT 1 FROM second_factors f WHERE f.user_id = u.id AND f.confirmed_at IS NOT NULL) AS second_factor";

fn corrupt(table: &'static str, detail: impl std::fmt::Display) -> StorageError {
    StorageError::CorruptRow {
        table,
        detail: detail.to_string(),
    }
}

async fn user_from_row(pool: &Pool<Db>, row: UserRow) -> Result<UserRecord, StorageError> {
    let role = domain::Role::parse(&row.role)
        .ok_or_else(|| corrupt("users", format!("role {:?}", row.role)))?;
    let mut q = QueryBuilder::<Db>::new("SELECT unit_code FROM user_scopes WHERE user_id = ");
    q.push_bind(&row.id).push(" ORDER BY unit_code");
    let codes: Vec<String> = q.build_query_scalar().fetch_all(pool).await?;
    let scopes = codes
        .iter()
        .map(|c| domain::UnitCode::parse(c).map_err(|err| corrupt("user_scopes", err)))
        .collect::<Result<_, _>>()?;
    Ok(UserRecord {
        id: row.id,
        username: row.username,
        display_name: row.display_name,
        role,
        password_hash: row.password_hash,
        must_change_password: row.must_change_password,
        disabled: row.disabled,
        created_at: row.created_at,
        updated_at: row.updated_at,
        scopes,
        second_factor: row.second_factor,
    })
}

pub async fn insert_audit(
    tx: &mut Transaction<'_, Db>,
    entry: &AuditEntry,
) -> Result<(), StorageError> {
    insert_audit_entries(tx, std::slice::from_ref(entry)).await
}

pub async fn insert_audit_entries(
    tx: &mut Transaction<'_, Db>,
    entries: &[AuditEntry],
) -> Result<(), StorageError> {
    if entries.is_empty() {
        return Ok(());
    }
    // The head's row lock (PostgreSQL) or the write lock (SQLite) orders every writer of the
    // log, so each entry takes the next number and chains to the one before it.
    let head = lock_audit_head(tx).await?;
    let (mut seq, mut hash) = (head.last_seq, head.last_hash);
    // 12 columns: chunks stay far below both backends' bind limits.
    for chunk in entries.chunks(2_000) {
        let mut rows = Vec::with_capacity(chunk.len());
        for e in chunk {
            seq += 1;
            let row = AuditRow {
                seq,
                at: e.at,
                actor_id: e.actor_id.clone(),
                actor: e.actor.clone(),
                action: e.action.clone(),
                target_kind: e.target_kind.clone(),
                target: e.target.clone(),
                unit_code: e.unit_code.clone(),
                ip: e.ip.clone(),
                before: e.before.as_ref().map(|v| v.to_string()),
                after: e.after.as_ref().map(|v| v.to_string()),
            };
            hash = audit_chain::link(&hash, &row);
            rows.push((row, hash.clone()));
        }
        let mut q = QueryBuilder::<Db>::new(
            "INSERT INTO audit_log (seq, at, actor_id, actor, action, target_kind, target, unit_code, ip, before, after, hash) ",
        );
        q.push_values(rows, |mut b, (row, hash)| {
            b.push_bind(row.seq)
                .push_bind(row.at)
                .push_bind(row.actor_id)
                .push_bind(row.actor)
                .push_bind(row.action)
                .push_bind(row.target_kind)
                .push_bind(row.target)
                .push_bind(row.unit_code)
                .push_bind(row.ip)
                .push_bind(row.before)
                .push_bind(row.after)
                .push_bind(hash);
        });
        q.build().execute(&mut **tx).await?;
    }
    let mut q = QueryBuilder::<Db>::new("UPDATE audit_head SET last_seq = ");
    q.push_bind(seq)
        .push(", last_hash = ")
        .push_bind(hash)
        .push(" WHERE id = 1");
    q.build().execute(&mut **tx).await?;
    Ok(())
}

const HEAD_COLUMNS: &str = "last_seq, last_hash, legacy_through, anchor_seq, anchor_hash";

/// Reads the chain's head, locking it until the transaction ends; creates it over the entries
/// written before the chain existed when there is none yet.
async fn lock_audit_head(tx: &mut Transaction<'_, Db>) -> Result<audit_chain::Head, StorageError> {
    // A write first: it takes the lock before the read (a plain read would not on PostgreSQL).
    let lock =
        format!("UPDATE audit_head SET last_seq = last_seq WHERE id = 1 RETURNING {HEAD_COLUMNS}");
    if let Some(head) = sqlx::query_as(&lock).fetch_optional(&mut **tx).await? {
        return Ok(head);
    }
    let mut hash = audit_chain::GENESIS.to_owned();
    let mut last = 0;
    let select = format!("{AUDIT_ROW_SELECT} ORDER BY seq");
    let mut rows = sqlx::query_as::<_, AuditRow>(&select).fetch(&mut **tx);
    while let Some(row) = rows.try_next().await? {
        hash = audit_chain::link(&hash, &row);
        last = row.seq;
    }
    drop(rows);
    let mut q = QueryBuilder::<Db>::new(format!(
        "INSERT INTO audit_head (id, {HEAD_COLUMNS}) VALUES (1, "
    ));
    q.push_bind(last)
        .push(", ")
        .push_bind(hash)
        .push(", ")
        .push_bind(last)
        .push(", 0, ")
        .push_bind(audit_chain::GENESIS)
        .push(") ON CONFLICT (id) DO NOTHING");
    q.build().execute(&mut **tx).await?;
    Ok(sqlx::query_as(&lock).fetch_one(&mut **tx).await?)
}

const AUDIT_ROW_SELECT: &str = "SELECT seq, at, actor_id, actor, action, target_kind, target, unit_code, ip, before, after FROM audit_log";

/// The chain's head, if any entry was written since the chain began.
pub async fn audit_head(pool: &Pool<Db>) -> Result<Option<audit_chain::Head>, StorageError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {HEAD_COLUMNS} FROM audit_head WHERE id = 1"
    ))
    .fetch_optional(pool)
    .await?)
}

/// Recomputes the chain over every entry after the anchor, 10,000 at a time.
pub async fn verify_audit(pool: &Pool<Db>) -> Result<audit_chain::Verification, StorageError> {
    let head = match audit_head(pool).await? {
        Some(head) => head,
        // No entry since the chain began: create the head over what is there.
        None => {
            let mut tx = pool.begin().await?;
            let head = lock_audit_head(&mut tx).await?;
            tx.commit().await?;
            head
        }
    };
    let mut walker = audit_chain::Walker::new(head.clone());
    let mut after = head.anchor_seq;
    loop {
        let rows = audit_after(pool, after, 10_000).await?;
        let Some(last) = rows.last() else { break };
        after = last.row.seq;
        for chained in &rows {
            walker.entry(&chained.row, chained.hash.as_deref());
        }
    }
    Ok(walker.finish())
}

/// Up to `limit` entries after `seq`, in order, with their stored hashes.
pub async fn audit_after(
    pool: &Pool<Db>,
    seq: i64,
    limit: i64,
) -> Result<Vec<ChainedRow>, StorageError> {
    let mut q = QueryBuilder::<Db>::new(
        "SELECT seq, at, actor_id, actor, action, target_kind, target, unit_code, ip, before, after, hash \
         FROM audit_log WHERE seq > ",
    );
    q.push_bind(seq)
        .push(" ORDER BY seq LIMIT ")
        .push_bind(limit);
    Ok(q.build_query_as().fetch_all(pool).await?)
}

/// Deletes the entries after the anchor through `through_seq` (archived by the caller) and
/// moves the anchor to them, in one transaction; the append-only guard is lifted only inside
/// it. Returns the entries deleted.
pub async fn prune_audit(
    pool: &Pool<Db>,
    through_seq: i64,
    through_hash: &str,
    audit: &AuditEntry,
) -> Result<u64, StorageError> {
    let mut tx = pool.begin().await?;
    let head = lock_audit_head(&mut tx).await?;
    if through_seq <= head.anchor_seq || through_seq > head.last_seq {
        return Err(StorageError::AuditPrune(format!(
            "entries through {through_seq} cannot be pruned: the log holds {}–{}",
            head.anchor_seq + 1,
            head.last_seq
        )));
    }
    for statement in super::AUDIT_UNGUARD {
        sqlx::query(statement).execute(&mut *tx).await?;
    }
    let mut q = QueryBuilder::<Db>::new("DELETE FROM audit_log WHERE seq <= ");
    q.push_bind(through_seq);
    let deleted = q.build().execute(&mut *tx).await?.rows_affected();
    for statement in super::AUDIT_GUARD {
        sqlx::query(statement).execute(&mut *tx).await?;
    }
    let mut q = QueryBuilder::<Db>::new("UPDATE audit_head SET anchor_seq = ");
    q.push_bind(through_seq)
        .push(", anchor_hash = ")
        .push_bind(through_hash)
        .push(" WHERE id = 1");
    q.build().execute(&mut *tx).await?;
    // The pruning itself is the first entry after the new anchor.
    insert_audit(&mut tx, audit).await?;
    tx.commit().await?;
    Ok(deleted)
}

pub async fn append_audit(pool: &Pool<Db>, entry: &AuditEntry) -> Result<(), StorageError> {
    let mut tx = pool.begin().await?;
    insert_audit(&mut tx, entry).await?;
    tx.commit().await?;
    Ok(())
}

async fn write_scopes(
    tx: &mut Transaction<'_, Db>,
    user_id: &str,
    scopes: &[domain::UnitCode],
) -> Result<(), StorageError> {
    let mut q = QueryBuilder::<Db>::new("DELETE FROM user_scopes WHERE user_id = ");
    q.push_bind(user_id);
    q.build().execute(&mut **tx).await?;
    if !scopes.is_empty() {
        let mut q = QueryBuilder::<Db>::new("INSERT INTO user_scopes (user_id, unit_code) ");
        q.push_values(scopes, |mut b, unit| {
            b.push_bind(user_id).push_bind(unit.as_str().to_owned());
        });
        q.build().execute(&mut **tx).await?;
    }
    Ok(())
}

pub async fn insert_user(
    pool: &Pool<Db>,
    user: &UserRecord,
    audit: &AuditEntry,
) -> Result<(), StorageError> {
    let mut tx = pool.begin().await?;
    let mut q = QueryBuilder::<Db>::new(
        "INSERT INTO users (id, username, display_name, role, password_hash, must_change_password, disabled, created_at, updated_at) VALUES (",
    );
    let mut values = q.separated(", ");
    values
        .push_bind(&user.id)
        .push_bind(&user.username)
        .push_bind(&user.display_name)
        .push_bind(user.role.code())
        .push_bind(&user.password_hash)
        .push_bind(user.must_change_password)
        .push_bind(user.disabled)
        .push_bind(user.created_at)
        .push_bind(user.updated_at);
    q.push(")");
    q.build().execute(&mut *tx).await?;
    write_scopes(&mut tx, &user.id, &user.scopes).await?;
    insert_audit(&mut tx, audit).await?;
    tx.commit().await?;
    Ok(())
}

/// Applies an admin's edit; disabling an account also ends its sessions. `false` when the
/// account does not exist.
pub async fn update_user(
    pool: &Pool<Db>,
    id: &str,
    change: &UserChange,
    now: i64,
    audit: &AuditEntry,
) -> Result<bool, StorageError> {
    let mut tx = pool.begin().await?;
    let mut q = QueryBuilder::<Db>::new("UPDATE users SET display_name = ");
    q.push_bind(&change.display_name)
        .push(", role = ")
        .push_bind(change.role.code())
        .push(", disabled = ")
        .push_bind(change.disabled)
        .push(", updated_at = ")
        .push_bind(now)
        .push(" WHERE id = ")
        .push_bind(id);
    if q.build().execute(&mut *tx).await?.rows_affected() != 1 {
        return Ok(false);
    }
    write_scopes(&mut tx, id, &change.scopes).await?;
    if change.disabled {
        let mut q = QueryBuilder::<Db>::new("DELETE FROM sessions WHERE user_id = ");
        q.push_bind(id);
        q.build().execute(&mut *tx).await?;
    }
    insert_audit(&mut tx, audit).await?;
    tx.commit().await?;
    Ok(true)
}

/// Replaces the password hash and ends every session of the account except `keep` (the
/// session that changed its own password stays signed in). A reset by an administrator
/// (`must_change`) also revokes the account's API tokens: whoever held the old password may
/// have made them.
pub async fn set_password(
    pool: &Pool<Db>,
    id: &str,
    password_hash: &str,
    must_change: bool,
    keep: Option<&str>,
    now: i64,
    audit: &AuditEntry,
) -> Result<bool, StorageError> {
    let mut tx = pool.begin().await?;
    // The password being replaced joins the history; only the last five are kept.
    let mut q = QueryBuilder::<Db>::new(
        "INSERT INTO password_history (user_id, password_hash, replaced_at) SELECT id, password_hash, ",
    );
    q.push_bind(now)
        .push(" FROM users WHERE id = ")
        .push_bind(id)
        .push(" ON CONFLICT (user_id, password_hash) DO NOTHING");
    q.build().execute(&mut *tx).await?;
    let mut q = QueryBuilder::<Db>::new("DELETE FROM password_history WHERE user_id = ");
    q.push_bind(id)
        .push(" AND password_hash NOT IN (SELECT password_hash FROM password_history WHERE user_id = ")
        .push_bind(id)
        .push(" ORDER BY replaced_at DESC LIMIT 5)");
    q.build().execute(&mut *tx).await?;
    let mut q = QueryBuilder::<Db>::new("UPDATE users SET password_hash = ");
    q.push_bind(password_hash)
        .push(", must_change_password = ")
        .push_bind(must_change)
        .push(", updated_at = ")
        .push_bind(now)
        .push(" WHERE id = ")
        .push_bind(id);
    if q.build().execute(&mut *tx).await?.rows_affected() != 1 {
        return Ok(false);
    }
    let mut q = QueryBuilder::<Db>::new("DELETE FROM sessions WHERE user_id = ");
    q.push_bind(id);
    if let Some(keep) = keep {
        q.push(" AND token_hash <> ").push_bind(keep);
    }
    q.build().execute(&mut *tx).await?;
    if must_change {
        let mut q = QueryBuilder::<Db>::new("UPDATE api_tokens SET revoked_at = ");
        q.push_bind(now)
            .push(" WHERE revoked_at IS NULL AND user_id = ")
            .push_bind(id);
        q.build().execute(&mut *tx).await?;
    }
    insert_audit(&mut tx, audit).await?;
    tx.commit().await?;
    Ok(true)
}

/// The account whose `column` (a fixed column name, never user input) equals `value`.
async fn user_where(
    pool: &Pool<Db>,
    column: &'static str,
    value: &str,
) -> Result<Option<UserRecord>, StorageError> {
    let mut q = QueryBuilder::<Db>::new(format!(
        "SELECT {USER_COLUMNS} FROM users u WHERE u.{column} = "
    ));
    q.push_bind(value);
    match q.build_query_as::<UserRow>().fetch_optional(pool).await? {
        Some(row) => Ok(Some(user_from_row(pool, row).await?)),
        None => Ok(None),
    }
}

pub async fn user_by_username(
    pool: &Pool<Db>,
    username: &str,
) -> Result<Option<UserRecord>, StorageError> {
    user_where(pool, "username", username).await
}

pub async fn user_by_id(pool: &Pool<Db>, id: &str) -> Result<Option<UserRecord>, StorageError> {
    user_where(pool, "id", id).await
}

pub async fn users(pool: &Pool<Db>) -> Result<Vec<UserRecord>, StorageError> {
    let rows: Vec<UserRow> = sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS} FROM users u ORDER BY u.username"
    ))
    .fetch_all(pool)
    .await?;
    let mut users = Vec::with_capacity(rows.len());
    for row in rows {
        users.push(user_from_row(pool, row).await?);
    }
    Ok(users)
}

pub async fn insert_session(
    pool: &Pool<Db>,
    token_hash: &str,
    user_id: &str,
    now: i64,
    audit: &AuditEntry,
) -> Result<(), StorageError> {
    let mut tx = pool.begin().await?;
    write_session(&mut tx, token_hash, user_id, now).await?;
    insert_audit(&mut tx, audit).await?;
    tx.commit().await?;
    Ok(())
}

async fn write_session(
    tx: &mut Transaction<'_, Db>,
    token_hash: &str,
    user_id: &str,
    now: i64,
) -> Result<(), StorageError> {
    let mut q = QueryBuilder::<Db>::new(
        "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at) VALUES (",
    );
    q.push_bind(token_hash)
        .push(", ")
        .push_bind(user_id)
        .push(", ")
        .push_bind(now)
        .push(", ")
        .push_bind(now)
        .push(")");
    q.build().execute(&mut **tx).await?;
    Ok(())
}

pub async fn session(
    pool: &Pool<Db>,
    token_hash: &str,
) -> Result<Option<SessionRecord>, StorageError> {
    let mut q = QueryBuilder::<Db>::new(format!(
        "SELECT {USER_COLUMNS}, s.created_at AS session_created_at, \
         s.last_seen_at AS session_last_seen_at \
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = "
    ));
    q.push_bind(token_hash);
    let Some(row) = q
        .build_query_as::<SessionUserRow>()
        .fetch_optional(pool)
        .await?
    else {
        return Ok(None);
    };
    let user = user_from_row(pool, row.user).await?;
    Ok(Some(SessionRecord {
        user,
        created_at: row.session_created_at,
        last_seen_at: row.session_last_seen_at,
    }))
}

pub async fn touch_session(
    pool: &Pool<Db>,
    token_hash: &str,
    now: i64,
) -> Result<(), StorageError> {
    let mut q = QueryBuilder::<Db>::new("UPDATE sessions SET last_seen_at = ");
    q.push_bind(now)
        .push(" WHERE token_hash = ")
        .push_bind(token_hash);
    q.build().execute(pool).await?;
    Ok(())
}

/// Ends one session; `audit` records the logout (or the expiry) in the same transaction.
pub async fn delete_session(
    pool: &Pool<Db>,
    token_hash: &str,
    audit: Option<&AuditEntry>,
) -> Result<(), StorageError> {
    let mut tx = pool.begin().await?;
    let mut q = QueryBuilder::<Db>::new("DELETE FROM sessions WHERE token_hash = ");
    q.push_bind(token_hash);
    q.build().execute(&mut *tx).await?;
    if let Some(audit) = audit {
        insert_audit(&mut tx, audit).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Deletes sessions idle since `idle_before` or created before `created_before`.
pub async fn delete_expired_sessions(
    pool: &Pool<Db>,
    idle_before: i64,
    created_before: i64,
) -> Result<u64, StorageError> {
    let mut q = QueryBuilder::<Db>::new("DELETE FROM sessions WHERE last_seen_at < ");
    q.push_bind(idle_before)
        .push(" OR created_at < ")
        .push_bind(created_before);
    Ok(q.build().execute(pool).await?.rows_affected())
}

pub async fn insert_token(
    pool: &Pool<Db>,
    token: &TokenRecord,
    token_hash: &str,
    audit: &AuditEntry,
) -> Result<(), StorageError> {
    let mut tx = pool.begin().await?;
    let mut q = QueryBuilder::<Db>::new(
        "INSERT INTO api_tokens (id, user_id, name, token_hash, prefix, created_at, expires_at, read_only) VALUES (",
    );
    let mut values = q.separated(", ");
    values
        .push_bind(&token.id)
        .push_bind(&token.user_id)
        .push_bind(&token.name)
        .push_bind(token_hash)
        .push_bind(&token.prefix)
        .push_bind(token.created_at)
        .push_bind(token.expires_at)
        .push_bind(token.read_only);
    q.push(")");
    q.build().execute(&mut *tx).await?;
    insert_audit(&mut tx, audit).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn tokens_of(pool: &Pool<Db>, user_id: &str) -> Result<Vec<TokenRecord>, StorageError> {
    let mut q = QueryBuilder::<Db>::new(
        "SELECT id, user_id, name, prefix, created_at, last_used_at, revoked_at, expires_at, read_only FROM api_tokens WHERE user_id = ",
    );
    q.push_bind(user_id).push(" ORDER BY created_at DESC, id");
    Ok(q.build_query_as().fetch_all(pool).await?)
}

/// Revokes one of `user_id`'s live tokens; `false` if there is no such live token.
pub async fn revoke_token(
    pool: &Pool<Db>,
    id: &str,
    user_id: &str,
    now: i64,
    audit: &AuditEntry,
) -> Result<bool, StorageError> {
    let mut tx = pool.begin().await?;
    let mut q = QueryBuilder::<Db>::new("UPDATE api_tokens SET revoked_at = ");
    q.push_bind(now)
        .push(" WHERE id = ")
        .push_bind(id)
        .push(" AND user_id = ")
        .push_bind(user_id)
        .push(" AND revoked_at IS NULL");
    if q.build().execute(&mut *tx).await?.rows_affected() != 1 {
        return Ok(false);
    }
    insert_audit(&mut tx, audit).await?;
    tx.commit().await?;
    Ok(true)
}

/// The account behind a live (unrevoked) token, and the token's id.
pub async fn token_user(
    pool: &Pool<Db>,
    token_hash: &str,
) -> Result<Option<TokenUse>, StorageError> {
    let mut q = QueryBuilder::<Db>::new(format!(
        "SELECT {USER_COLUMNS}, t.id AS token_id, t.last_used_at AS token_last_used_at, \
         t.expires_at AS token_expires_at, t.read_only AS token_read_only \
         FROM api_tokens t JOIN users u ON u.id = t.user_id \
         WHERE t.revoked_at IS NULL AND t.token_hash = "
    ));
    q.push_bind(token_hash);
    let Some(row) = q
        .build_query_as::<TokenUserRow>()
        .fetch_optional(pool)
        .await?
    else {
        return Ok(None);
    };
    let user = user_from_row(pool, row.user).await?;
    Ok(Some(TokenUse {
        user,
        token_id: row.token_id,
        last_used_at: row.token_last_used_at,
        expires_at: row.token_expires_at,
        read_only: row.token_read_only,
    }))
}

pub async fn touch_token(pool: &Pool<Db>, id: &str, now: i64) -> Result<(), StorageError> {
    let mut q = QueryBuilder::<Db>::new("UPDATE api_tokens SET last_used_at = ");
    q.push_bind(now).push(" WHERE id = ").push_bind(id);
    q.build().execute(pool).await?;
    Ok(())
}

/// Failed sign-ins since `since` — for this username from this address, for this username
/// from anywhere, and from this address for any username — each as (count, latest time).
/// A username's failures before an administrator's latest `login.unlock` of it do not count.
pub async fn login_failures(
    pool: &Pool<Db>,
    username: &str,
    ip: Option<&str>,
    since: i64,
) -> Result<crate::storage::LoginFailures, StorageError> {
    let mut q = QueryBuilder::<Db>::new(
        "SELECT MAX(at) FROM audit_log WHERE action = 'login.unlock' AND target = ",
    );
    q.push_bind(username);
    let unlocked: Option<i64> = q.build_query_scalar().fetch_one(pool).await?;
    let user_since = since.max(unlocked.map_or(i64::MIN, |at| at + 1));
    let count = |by_user: bool, by_ip: bool| {
        let mut q = QueryBuilder::<Db>::new(
            "SELECT COUNT(*), MAX(at) FROM audit_log WHERE action = 'login.failed'",
        );
        if by_user {
            q.push(" AND target = ").push_bind(username.to_owned());
        }
        if by_ip {
            q.push(" AND ip = ")
                .push_bind(ip.unwrap_or_default().to_owned());
        }
        q.push(" AND at >= ")
            .push_bind(if by_user { user_since } else { since });
        q
    };
    let pair: (i64, Option<i64>) = match ip {
        Some(_) => count(true, true).build_query_as().fetch_one(pool).await?,
        // No address known (in-process callers): the username's own count stands in.
        None => count(true, false).build_query_as().fetch_one(pool).await?,
    };
    let user: (i64, Option<i64>) = count(true, false).build_query_as().fetch_one(pool).await?;
    let address: (i64, Option<i64>) = match ip {
        Some(_) => count(false, true).build_query_as().fetch_one(pool).await?,
        None => (0, None),
    };
    Ok(crate::storage::LoginFailures {
        pair,
        user,
        address,
    })
}

/// Failed sign-ins since `since` per username — with `after_unlock`, only those after an
/// administrator's latest `login.unlock` of it — with the latest one's time and address; for
/// one username or all.
pub async fn failed_sign_ins(
    pool: &Pool<Db>,
    username: Option<&str>,
    since: i64,
    after_unlock: bool,
) -> Result<Vec<crate::storage::FailedSignIns>, StorageError> {
    let mut q = QueryBuilder::<Db>::new(
        "SELECT f.target, COUNT(*), MAX(f.at) FROM audit_log f \
         WHERE f.action = 'login.failed' AND f.target IS NOT NULL AND f.at >= ",
    );
    q.push_bind(since);
    if after_unlock {
        q.push(
            " AND f.at > COALESCE((SELECT MAX(u.at) FROM audit_log u \
             WHERE u.action = 'login.unlock' AND u.target = f.target), 0)",
        );
    }
    if let Some(username) = username {
        q.push(" AND f.target = ").push_bind(username.to_owned());
    }
    q.push(" GROUP BY f.target ORDER BY f.target");
    let rows: Vec<(String, i64, i64)> = q.build_query_as().fetch_all(pool).await?;
    let mut out = Vec::with_capacity(rows.len());
    for (username, count, latest_at) in rows {
        let mut ip = QueryBuilder::<Db>::new(
            "SELECT ip FROM audit_log WHERE action = 'login.failed' AND target = ",
        );
        ip.push_bind(username.clone())
            .push(" AND at = ")
            .push_bind(latest_at)
            .push(" LIMIT 1");
        let latest_ip: Option<Option<String>> =
            ip.build_query_scalar().fetch_optional(pool).await?;
        out.push(crate::storage::FailedSignIns {
            username,
            count,
            latest_at,
            latest_ip: latest_ip.flatten(),
        });
    }
    Ok(out)
}

pub async fn audit(
    pool: &Pool<Db>,
    filter: &AuditFilter,
) -> Result<Vec<AuditRecord>, StorageError> {
    let mut q = QueryBuilder::<Db>::new(
        "SELECT seq, at, actor_id, actor, action, target_kind, target, unit_code, ip, before, after \
         FROM audit_log WHERE 1 = 1",
    );
    if let Some(action) = filter.action.as_deref() {
        match action.strip_suffix('.') {
            Some(prefix) => {
                q.push(" AND action LIKE ").push_bind(format!("{prefix}.%"));
            }
            None => {
                q.push(" AND action = ").push_bind(action.to_owned());
            }
        }
    }
    if let Some(actor) = filter.actor.as_deref() {
        q.push(" AND actor = ").push_bind(actor.to_owned());
    }
    if let Some(target) = filter.target.as_deref() {
        q.push(" AND target = ").push_bind(target.to_owned());
    }
    if let Some(from) = filter.from_ms {
        q.push(" AND at >= ").push_bind(from);
    }
    if let Some(to) = filter.to_ms {
        q.push(" AND at < ").push_bind(to);
    }
    if let Some(seq) = filter.before_seq {
        q.push(" AND seq < ").push_bind(seq);
    }
    q.push(" ORDER BY seq DESC LIMIT ").push_bind(filter.limit);
    let rows: Vec<AuditRow> = q.build_query_as().fetch_all(pool).await?;
    let json = |text: Option<String>| {
        text.map(|t| serde_json::from_str(&t).map_err(|err| corrupt("audit_log", err)))
            .transpose()
    };
    rows.into_iter()
        .map(|row| {
            Ok(AuditRecord {
                seq: row.seq,
                at: row.at,
                actor_id: row.actor_id,
                actor: row.actor,
                action: row.action,
                target_kind: row.target_kind,
                target: row.target,
                unit_code: row.unit_code,
                ip: row.ip,
                before: json(row.before)?,
                after: json(row.after)?,
            })
        })
        .collect()
}

/// Notes a password accepted for `user_id`, waiting for the second factor; sweeps notes older
/// than `stale_before`.
pub async fn insert_pending_sign_in(
    pool: &Pool<Db>,
    token_hash: &str,
    user_id: &str,
    now: i64,
    stale_before: i64,
) -> Result<(), StorageError> {
    let mut tx = pool.begin().await?;
    let mut q = QueryBuilder::<Db>::new("DELETE FROM pending_sign_ins WHERE created_at < ");
    q.push_bind(stale_before);
    q.build().execute(&mut *tx).await?;
    let mut q = QueryBuilder::<Db>::new(
        "INSERT INTO pending_sign_ins (token_hash, user_id, created_at) VALUES (",
    );
    q.push_bind(token_hash)
        .push(", ")
        .push_bind(user_id)
        .push(", ")
        .push_bind(now)
        .push(")");
    q.build().execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}

/// The account and time of a pending sign-in.
pub async fn pending_sign_in(
    pool: &Pool<Db>,
    token_hash: &str,
) -> Result<Option<(String, i64)>, StorageError> {
    let mut q = QueryBuilder::<Db>::new(
        "SELECT user_id, created_at FROM pending_sign_ins WHERE token_hash = ",
    );
    q.push_bind(token_hash);
    Ok(q.build_query_as().fetch_optional(pool).await?)
}

/// Turns a pending sign-in into a session: the note is deleted, the session inserted and
/// the sign-in audited in one transaction. `false` when the note was gone (used twice).
pub async fn complete_sign_in(
    pool: &Pool<Db>,
    pending_hash: &str,
    session_hash: &str,
    user_id: &str,
    now: i64,
    audit: &AuditEntry,
) -> Result<bool, StorageError> {
    let mut tx = pool.begin().await?;
    let mut q = QueryBuilder::<Db>::new("DELETE FROM pending_sign_ins WHERE token_hash = ");
    q.push_bind(pending_hash);
    if q.build().execute(&mut *tx).await?.rows_affected() != 1 {
        return Ok(false);
    }
    write_session(&mut tx, session_hash, user_id, now).await?;
    insert_audit(&mut tx, audit).await?;
    tx.commit().await?;
    Ok(true)
}

/// An account's authenticator, confirmed or being enrolled.
pub async fn second_factor(
    pool: &Pool<Db>,
    user_id: &str,
) -> Result<Option<SecondFactorRecord>, StorageError> {
    let mut q = QueryBuilder::<Db>::new(
        "SELECT secret, created_at, confirmed_at, last_step FROM second_factors WHERE user_id = ",
    );
    q.push_bind(user_id);
    Ok(q.build_query_as().fetch_optional(pool).await?)
}

/// Starts (or restarts) enrolment with a new secret; refused (`false`) once confirmed.
pub async fn start_second_factor(
    pool: &Pool<Db>,
    user_id: &str,
    secret: &str,
    now: i64,
) -> Result<bool, StorageError> {
    let mut tx = pool.begin().await?;
    let mut q = QueryBuilder::<Db>::new(
        "DELETE FROM second_factors WHERE confirmed_at IS NULL AND user_id = ",
    );
    q.push_bind(user_id);
    q.build().execute(&mut *tx).await?;
    let mut q = QueryBuilder::<Db>::new(
        "INSERT INTO second_factors (user_id, secret, created_at, confirmed_at, last_step) VALUES (",
    );
    q.push_bind(user_id)
        .push(", ")
        .push_bind(secret)
        .push(", ")
        .push_bind(now)
        .push(", NULL, 0) ON CONFLICT (user_id) DO NOTHING");
    let inserted = q.build().execute(&mut *tx).await?.rows_affected() == 1;
    tx.commit().await?;
    Ok(inserted)
}

/// Confirms the enrolment begun with `secret` (the first code's step is used up) and stores
/// the recovery codes' digests, replacing any earlier ones. `false` when there is no such
/// enrolment (restarted elsewhere, or confirmed already).
pub async fn confirm_second_factor(
    pool: &Pool<Db>,
    user_id: &str,
    secret: &str,
    step: i64,
    recovery_hashes: &[String],
    now: i64,
    audit: &AuditEntry,
) -> Result<bool, StorageError> {
    let mut tx = pool.begin().await?;
    let mut q = QueryBuilder::<Db>::new("UPDATE second_factors SET confirmed_at = ");
    q.push_bind(now)
        .push(", last_step = ")
        .push_bind(step)
        .push(" WHERE confirmed_at IS NULL AND user_id = ")
        .push_bind(user_id)
        .push(" AND secret = ")
        .push_bind(secret);
    if q.build().execute(&mut *tx).await?.rows_affected() != 1 {
        return Ok(false);
    }
    write_recovery_codes(&mut tx, user_id, recovery_hashes).await?;
    insert_audit(&mut tx, audit).await?;
    tx.commit().await?;
    Ok(true)
}

async fn write_recovery_codes(
    tx: &mut Transaction<'_, Db>,
    user_id: &str,
    hashes: &[String],
) -> Result<(), StorageError> {
    let mut q = QueryBuilder::<Db>::new("DELETE FROM recovery_codes WHERE user_id = ");
    q.push_bind(user_id);
    q.build().execute(&mut **tx).await?;
    if !hashes.is_empty() {
        let mut q = QueryBuilder::<Db>::new("INSERT INTO recovery_codes (user_id, code_hash) ");
        q.push_values(hashes, |mut b, hash| {
            b.push_bind(user_id).push_bind(hash.clone());
        });
        q.build().execute(&mut **tx).await?;
    }
    Ok(())
}

/// Replaces an account's recovery codes (audited).
pub async fn replace_recovery_codes(
    pool: &Pool<Db>,
    user_id: &str,
    hashes: &[String],
    audit: &AuditEntry,
) -> Result<(), StorageError> {
    let mut tx = pool.begin().await?;
    write_recovery_codes(&mut tx, user_id, hashes).await?;
    insert_audit(&mut tx, audit).await?;
    tx.commit().await?;
    Ok(())
}

/// Uses up time step `step` of a confirmed authenticator: `false` when that step or a later
/// one was used already (a replayed code).
pub async fn use_totp_step(
    pool: &Pool<Db>,
    user_id: &str,
    step: i64,
) -> Result<bool, StorageError> {
    let mut q = QueryBuilder::<Db>::new("UPDATE second_factors SET last_step = ");
    q.push_bind(step)
        .push(" WHERE confirmed_at IS NOT NULL AND user_id = ")
        .push_bind(user_id)
        .push(" AND last_step < ")
        .push_bind(step);
    Ok(q.build().execute(pool).await?.rows_affected() == 1)
}

/// Uses up a recovery code: `false` when it is not one of the account's unused codes.
pub async fn use_recovery_code(
    pool: &Pool<Db>,
    user_id: &str,
    code_hash: &str,
    now: i64,
) -> Result<bool, StorageError> {
    let mut q = QueryBuilder::<Db>::new("UPDATE recovery_codes SET used_at = ");
    q.push_bind(now)
        .push(" WHERE used_at IS NULL AND user_id = ")
        .push_bind(user_id)
        .push(" AND code_hash = ")
        .push_bind(code_hash);
    Ok(q.build().execute(pool).await?.rows_affected() == 1)
}

/// Unused recovery codes of an account.
pub async fn recovery_codes_left(pool: &Pool<Db>, user_id: &str) -> Result<i64, StorageError> {
    let mut q = QueryBuilder::<Db>::new(
        "SELECT COUNT(*) FROM recovery_codes WHERE used_at IS NULL AND user_id = ",
    );
    q.push_bind(user_id);
    Ok(q.build_query_scalar().fetch_one(pool).await?)
}

/// Removes an account's authenticator and recovery codes (turned off by its holder, or reset
/// by an administrator after a lost phone), audited in the same transaction.
pub async fn delete_second_factor(
    pool: &Pool<Db>,
    user_id: &str,
    audit: &AuditEntry,
) -> Result<bool, StorageError> {
    let mut tx = pool.begin().await?;
    let mut q = QueryBuilder::<Db>::new("DELETE FROM second_factors WHERE user_id = ");
    q.push_bind(user_id);
    let deleted = q.build().execute(&mut *tx).await?.rows_affected() == 1;
    write_recovery_codes(&mut tx, user_id, &[]).await?;
    insert_audit(&mut tx, audit).await?;
    tx.commit().await?;
    Ok(deleted)
}

/// The hashes of an account's last five replaced passwords.
pub async fn password_history(pool: &Pool<Db>, user_id: &str) -> Result<Vec<String>, StorageError> {
    let mut q =
        QueryBuilder::<Db>::new("SELECT password_hash FROM password_history WHERE user_id = ");
    q.push_bind(user_id)
        .push(" ORDER BY replaced_at DESC LIMIT 5");
    Ok(q.build_query_scalar().fetch_all(pool).await?)
}

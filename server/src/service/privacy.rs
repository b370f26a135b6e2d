//! Minimisation under PIPL: the inventory of the personal data Tanhui holds (what, where, how
//! protected, why, who reads it, for how long, how many) and the erasure of a household's
//! personal data once it has left the programme for longer than the retention period
//! (`TANHUI_ERASE_AFTER_YEARS`). Erasure keeps the household's statistics and id (so its
//! pseudonym in exports); each one is audited as `household.erase`. Administrators only.

use app::backend::{BackendError, Privacy, RequestViewer};
use app::model::{DataHeld, ErasureDone, ErasureDueView, ErasureInput, FieldIssue, PrivacyView};
use domain::{Both, Date, RecordId};

use super::{actor, storage};
use crate::storage::{now_ms, AuditEntry, Store};

/// The audit action of one erasure.
pub const ERASE_ACTION: &str = "household.erase";

/// How long each kind of data is kept, from the settings.
#[derive(Debug, Clone)]
pub struct RetentionPolicy {
    /// Years after leaving the programme.
    pub erase_after_years: u32,
    /// Days audit entries are kept at least.
    pub audit_days: u32,
    /// A session's idle and absolute limits, in minutes and hours.
    pub session: (u32, u32),
    /// Scheduled backups: how often and how many are kept, when configured.
    pub backups: Option<(String, usize)>,
}

/// The store and the retention policy.
#[derive(Clone)]
pub struct LivePrivacy {
    pub store: Store,
    pub policy: std::sync::Arc<RetentionPolicy>,
}

impl LivePrivacy {
    /// Households that left on or before this day are due for erasure today.
    pub fn cutoff(&self, today: Date) -> Date {
        today.years_earlier(self.policy.erase_after_years)
    }

    /// The inventory and the first households due.
    pub async fn view(&self, today: Date) -> Result<PrivacyView, BackendError> {
        let cutoff = self.cutoff(today);
        let counts = self.store.inventory_counts().await.map_err(storage)?;
        let count = |name: &str| counts.iter().find(|(n, _)| n == name).map(|(_, n)| *n);
        let (due_count, erased_count) = self.store.erasure_counts(cutoff).await.map_err(storage)?;
        let due = self
            .store
            .erasure_due(cutoff, PrivacyView::LISTED)
            .await
            .map_err(storage)?
            .into_iter()
            .map(|d| ErasureDueView {
                id: d.id.as_str().to_owned(),
                village: d.village.as_str().to_owned(),
                registry_no: d.registry_no,
                head_name: domain::access::mask_name(&d.head_name),
                status: Both::of(&d.status),
                left_on: d.left_on.to_string(),
            })
            .collect();
        Ok(PrivacyView {
            inventory: inventory(&self.policy, &count),
            erase_after_years: self.policy.erase_after_years,
            today: today.to_string(),
            cutoff: cutoff.to_string(),
            due_count,
            erased_count,
            due,
        })
    }

    /// Erases the households asked for (see [`Privacy::erase`]) as `by` today.
    pub async fn erase_as(
        &self,
        by: &RequestViewer,
        input: &ErasureInput,
        today: Date,
    ) -> Result<ErasureDone, BackendError> {
        let actor = actor(by)?;
        if !actor.may_administer() {
            return Err(BackendError::Forbidden);
        }
        let cutoff = self.cutoff(today);
        let ids: Vec<RecordId> = match (input.all_due, input.households.is_empty()) {
            (true, true) => {
                let (due, _) = self.store.erasure_counts(cutoff).await.map_err(storage)?;
                if input.expected.trim().parse::<i64>().ok() != Some(due) {
                    return Err(invalid(
                        "expected",
                        "count_changed",
                        format!("现有 {due} 户到期待删除：请核对后输入这个户数以确认"),
                        format!(
                            "expected: {due} households are due now; type that number to confirm"
                        ),
                    ));
                }
                self.store
                    .erasure_due(cutoff, due.max(0))
                    .await
                    .map_err(storage)?
                    .into_iter()
                    .map(|d| d.id)
                    .collect()
            }
            (false, false) => self.due_households(&input.households, cutoff).await?,
            (true, false) => {
                return Err(invalid(
                    "households",
                    "both",
                    "请只选一种：列出的户，或全部到期的户".into(),
                    "households: name households or ask for all due ones, not both".into(),
                ))
            }
            (false, true) => {
                return Err(invalid(
                    "households",
                    "required",
                    "请选择要删除个人信息的户".into(),
                    "households: name at least one household".into(),
                ))
            }
        };
        let mut erased = 0;
        for id in &ids {
            let audit = AuditEntry::by(Some(actor), ERASE_ACTION)
                .target("household", id.as_str())
                .ip(by.ip.clone())
                .change(
                    None,
                    Some(serde_json::json!({
                        "erase_after_years": self.policy.erase_after_years,
                        "left_on_or_before": cutoff.to_string(),
                    })),
                );
            // One that stopped being due meanwhile (corrected back to active) is skipped.
            if self
                .store
                .erase_household(id, cutoff, &audit)
                .await
                .map_err(storage)?
            {
                erased += 1;
            }
        }
        self.store.flush_erased().await.map_err(storage)?;
        Ok(ErasureDone { erased })
    }

    /// The named households, each checked to be due: every one that is not comes back as an
    /// issue saying why.
    async fn due_households(
        &self,
        asked: &[String],
        cutoff: Date,
    ) -> Result<Vec<RecordId>, BackendError> {
        let mut ids = Vec::new();
        let mut issues = Vec::new();
        for (i, text) in asked.iter().enumerate() {
            let path = format!("households[{i}]");
            let state = match RecordId::parse(text.trim()) {
                Ok(id) => self
                    .store
                    .household_state(&id)
                    .await
                    .map_err(storage)?
                    .map(|state| (id, state)),
                Err(_) => None,
            };
            let Some((id, state)) = state else {
                issues.push(FieldIssue::error(
                    &path,
                    "not_found",
                    format!("没有编号为“{text}”的户"),
                    format!("{path}: there is no household {text:?}"),
                ));
                continue;
            };
            let refusal = match (state.erased_at, state.left_on) {
                (Some(at), _) => Some((
                    "erased",
                    format!("这户已于 {} 删除个人信息", Date::in_china_at(at)),
                    format!("already erased on {}", Date::in_china_at(at)),
                )),
                (None, _) if state.status == domain::HouseholdStatus::Active => Some((
                    "active",
                    "这户仍在项目中（在册），不能删除个人信息".to_owned(),
                    "the household is still in the programme (active)".to_owned(),
                )),
                (None, Some(left)) if left > cutoff => Some((
                    "retention",
                    format!(
                        "这户于 {left} 离开，保存期限（{} 年）未满：{} 起可删除",
                        self.policy.erase_after_years,
                        left_plus(left, self.policy.erase_after_years)
                    ),
                    format!(
                        "it left on {left}; the {}-year retention period lets it be erased from {}",
                        self.policy.erase_after_years,
                        left_plus(left, self.policy.erase_after_years)
                    ),
                )),
                (None, None) => Some((
                    "retention",
                    "这户没有离开日期：请先在户页面填写离开日期".to_owned(),
                    "it has no leaving date: record one on its page first".to_owned(),
                )),
                (None, Some(_)) => None,
            };
            match refusal {
                Some((rule, zh, en)) => {
                    issues.push(FieldIssue::error(&path, rule, zh, format!("{path}: {en}")))
                }
                None => ids.push(id),
            }
        }
        match issues.is_empty() {
            true => Ok(ids),
            false => Err(BackendError::Invalid(issues)),
        }
    }
}

/// The day the retention period of a household that left on `left` ends.
fn left_plus(left: Date, years: u32) -> Date {
    left.years_later(years)
}

fn invalid(path: &str, rule: &str, zh: String, en: String) -> BackendError {
    BackendError::Invalid(vec![FieldIssue::error(path, rule, zh, en)])
}

#[async_trait::async_trait]
impl Privacy for LivePrivacy {
    async fn privacy(&self, by: &RequestViewer) -> Result<PrivacyView, BackendError> {
        if !actor(by)?.may_administer() {
            return Err(BackendError::Forbidden);
        }
        self.view(Date::in_china_at(now_ms())).await
    }

    async fn erase(
        &self,
        by: &RequestViewer,
        input: &ErasureInput,
    ) -> Result<ErasureDone, BackendError> {
        self.erase_as(by, input, Date::in_china_at(now_ms())).await
    }
}

/// One inventory line.
struct Line {
    what: (&'static str, &'static str),
    stored: &'static str,
    protection: (&'static str, &'static str),
    purpose: (&'static str, &'static str),
    readers: (&'static str, &'static str),
    kept: (String, String),
    count: Option<&'static str>,
}

/// What Tanhui holds, line by line, with the counts named in `count`.
fn inventory(policy: &RetentionPolicy, count: &dyn Fn(&str) -> Option<i64>) -> Vec<DataHeld> {
    let years = policy.erase_after_years;
    let until_erased = || {
        (
            format!("在册期间；离开项目（迁出、消亡、合并）满 {years} 年后删除"),
            format!("while registered; erased {years} years after the household left the programme (moved out, deceased, merged)"),
        )
    };
    let in_scope = (
        "本村调查员、本乡镇审核员、范围内的县乡干部、系统管理员；范围外只见脱敏",
        "the village's enumerators, the township's supervisors, officials whose scope covers it, administrators; masked for anyone else",
    );
    let (idle, hours) = policy.session;
    let backups = match &policy.backups {
        Some((every, keep)) => (
            format!("最近 {keep} 份（每 {every} 一份）；已删除的个人信息随旧备份轮换消失"),
            format!("the newest {keep} (one every {every}); erased personal data leave the backups as old ones are deleted"),
        ),
        None => (
            "未设定定时备份：手工备份由管理员保管".to_owned(),
            "no scheduled backups: manual backups are kept by the administrators".to_owned(),
        ),
    };
    let lines = [
        Line {
            what: ("户主姓名", "Household heads' names"),
            stored: "households.head_name",
            protection: ("数据库中明文；范围外脱敏显示", "clear in the database; masked outside the reader's scope"),
            purpose: ("入户调查时找到这户，核对登记", "finding the household for interviews, checking the registry"),
            readers: in_scope,
            kept: until_erased(),
            count: Some("households"),
        },
        Line {
            what: ("户主身份证号", "Household heads' ID-card numbers"),
            stored: "households.head_id_card, head_id_card_index",
            protection: ("XChaCha20-Poly1305 加密，密钥不在数据库中；HMAC 盲索引用于查重", "encrypted (XChaCha20-Poly1305, key outside the database); an HMAC blind index for look-ups"),
            purpose: ("一人只能是一户的户主；与建档立卡名册核对", "one person heads one household; matching the national poverty registry"),
            readers: in_scope,
            kept: until_erased(),
            count: Some("households"),
        },
        Line {
            what: ("联系电话", "Phone numbers"),
            stored: "households.phone",
            protection: ("加密（同上）", "encrypted (as above)"),
            purpose: ("预约入户调查", "arranging interviews"),
            readers: in_scope,
            kept: until_erased(),
            count: Some("phones"),
        },
        Line {
            what: ("户编号", "Registry numbers"),
            stored: "households.registry_no",
            protection: ("明文；不进入微观数据导出", "clear; never in micro-data exports"),
            purpose: ("与村里的名册对应", "matching the village's own register"),
            readers: in_scope,
            kept: until_erased(),
            count: Some("households"),
        },
        Line {
            what: ("家庭成员姓名", "Household members' names"),
            stored: "persons.name",
            protection: ("明文；范围外不显示", "clear; not shown outside the reader's scope"),
            purpose: ("各轮调查中认出同一个人", "recognising the same person across waves"),
            readers: in_scope,
            kept: until_erased(),
            count: Some("persons"),
        },
        Line {
            what: ("家庭成员身份证号", "Household members' ID-card numbers"),
            stored: "persons.id_card",
            protection: ("加密（同上）", "encrypted (as above)"),
            purpose: ("核对名册导入", "checking registry imports"),
            readers: in_scope,
            kept: until_erased(),
            count: Some("person_id_cards"),
        },
        Line {
            what: ("收入、就业、健康、住房等调查答案", "Survey answers: income, work, health, housing"),
            stored: "surveys, survey_members, *_rows",
            protection: ("明文；导出的微观数据只有假名，没有姓名和证件号", "clear; exported micro-data carry pseudonyms only, never names or ID numbers"),
            purpose: ("项目监测与评估（统计）", "monitoring and evaluating the programme (statistics)"),
            readers: ("有范围的干部、审核员、调查员；研究人员只见假名数据", "officials, supervisors and enumerators within scope; researchers see pseudonymised data only"),
            kept: (
                "长期保存：删除个人信息后仍以假名保留用于统计".to_owned(),
                "kept: after erasure they stay, pseudonymous, for the statistics".to_owned(),
            ),
            count: Some("surveys"),
        },
        Line {
            what: ("账号：用户名、姓名、口令摘要、两步验证密钥", "Accounts: usernames, names, password hashes, authenticator secrets"),
            stored: "users, second_factors, recovery_codes, password_history",
            protection: ("口令为 Argon2id 摘要；两步验证密钥加密；恢复码只存摘要", "passwords as Argon2id hashes; authenticator secrets encrypted; recovery codes as hashes"),
            purpose: ("身份鉴别与访问控制", "authentication and access control"),
            readers: ("系统管理员（不含口令与密钥）", "administrators (never passwords or secrets)"),
            kept: (
                "账号存在期间；停用的账号保留以便审计".to_owned(),
                "while the account exists; disabled accounts stay for the audit trail".to_owned(),
            ),
            count: Some("accounts"),
        },
        Line {
            what: ("会话", "Sessions"),
            stored: "sessions",
            protection: ("只存令牌摘要", "token digests only"),
            purpose: ("保持登录", "keeping a sign-in"),
            readers: ("无人（系统内部）", "nobody (internal)"),
            kept: (
                format!("闲置 {idle} 分钟或登录 {hours} 小时后失效"),
                format!("ends after {idle} idle minutes or {hours} hours"),
            ),
            count: Some("sessions"),
        },
        Line {
            what: ("API 令牌", "API tokens"),
            stored: "api_tokens",
            protection: ("只存令牌摘要；可设有效期与只读", "token digests only; an expiry and read-only scope"),
            purpose: ("程序访问接口", "programs reading the API"),
            readers: ("令牌的主人", "the token's owner"),
            kept: (
                "到期或撤销为止".to_owned(),
                "until it expires or is revoked".to_owned(),
            ),
            count: Some("tokens"),
        },
        Line {
            what: ("审计日志：操作人、IP 地址、脱敏的姓名与证件号", "Audit log: accounts, IP addresses, masked names and ID numbers"),
            stored: "audit_log",
            protection: ("哈希链防篡改（tanhui audit verify）；只能追加", "hash-chained against tampering (tanhui audit verify); append-only"),
            purpose: ("安全审计、追责（等保 2.0）", "security audit and accountability (MLPS 2.0)"),
            readers: ("系统管理员", "administrators"),
            kept: (
                format!("至少 {} 天，之后可归档（tanhui audit archive）", policy.audit_days),
                format!("at least {} days, then archived (tanhui audit archive)", policy.audit_days),
            ),
            count: Some("audit"),
        },
        Line {
            what: ("备份文件", "Backups"),
            stored: "TANHUI_BACKUP_DIR",
            protection: ("含以上全部数据；身份证号与电话仍为密文", "all of the above; ID-card numbers and phones still encrypted"),
            purpose: ("灾难恢复", "disaster recovery"),
            readers: ("服务器运维人员", "the server's operators"),
            kept: backups,
            count: None,
        },
        Line {
            what: ("调查员设备上的离线数据", "Offline data on enumerators' devices"),
            stored: "IndexedDB",
            protection: ("按账号分开，换账号看不到；尚未在设备上加密", "kept per account, invisible to another account; not yet encrypted on the device"),
            purpose: ("无网络时入户调查", "interviewing without a network"),
            readers: ("该调查员本人", "that enumerator"),
            kept: (
                "上传并刷新前；联网时自动刷新".to_owned(),
                "until uploaded and refreshed; refreshed when online".to_owned(),
            ),
            count: None,
        },
    ];
    lines
        .into_iter()
        .map(|l| DataHeld {
            what: Both::new(l.what.0, l.what.1),
            stored: l.stored.to_owned(),
            protection: Both::new(l.protection.0, l.protection.1),
            purpose: Both::new(l.purpose.0, l.purpose.1),
            readers: Both::new(l.readers.0, l.readers.1),
            kept: Both::new(l.kept.0, l.kept.1),
            count: l.count.and_then(count),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_ends_the_same_day_years_later() {
        let day = |t: &str| Date::parse(t).expect("date");
        assert_eq!(left_plus(day("2019-06-30"), 5), day("2024-06-30"));
        assert_eq!(left_plus(day("2020-02-29"), 5), day("2025-02-28"));
        // The cutoff of that day is the day it left.
        assert_eq!(day("2024-06-30").years_earlier(5), day("2019-06-30"));
    }

    #[test]
    fn every_counted_line_names_a_count_the_store_answers() {
        let names = [
            "households",
            "phones",
            "persons",
            "person_id_cards",
            "surveys",
            "accounts",
            "sessions",
            "tokens",
            "audit",
        ];
        let policy = RetentionPolicy {
            erase_after_years: 5,
            audit_days: 180,
            session: (30, 12),
            backups: None,
        };
        let lines = inventory(&policy, &|name: &str| names.contains(&name).then_some(1));
        assert_eq!(lines.iter().filter(|l| l.count == Some(1)).count(), 11);
        assert!(lines
            .iter()
            .all(|l| !l.what.zh.is_empty() && !l.kept.en.is_empty()));
    }
}

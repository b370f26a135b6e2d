//! Who may do what. An [`Actor`] is a signed-in account: a [`Role`] and the units it is
//! scoped to. Every decision the server makes about access is a method here, so the rules
//! read in one place and are tested without a server.
//!
//! The rules (DESIGN.md, "Security and personal data"):
//! - an administrator reaches everything and has no scope;
//! - everyone else reaches only the units inside one of its scopes: an official a prefecture,
//!   county or township; a supervisor townships; an enumerator villages; a researcher any unit;
//! - names, ID-card numbers and phones are shown only to a role whose scope covers the
//!   household, and never to researchers (they get pseudonymous ids instead).

use serde::{Deserialize, Serialize};

use crate::validate::Issue;
use crate::{Role, UnitCode, UnitLevel};

/// The units an account is confined to.
pub type Scope = Vec<UnitCode>;

/// A signed-in account, as every access decision sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// The account's id (`users.id`); audit entries and sessions refer to it.
    pub user_id: String,
    /// The sign-in name, unique across accounts.
    pub username: String,
    /// The name shown in the header and in the audit log.
    pub display_name: String,
    /// What the account is for; with `scopes` it decides every permission below.
    pub role: Role,
    /// The units the account may reach (all units inside them too); empty for an administrator,
    /// who reaches everything.
    pub scopes: Scope,
}

impl Actor {
    /// Whether `unit` is one of this account's units or lies inside one.
    pub fn covers(&self, unit: &UnitCode) -> bool {
        self.role == Role::Admin || self.scopes.iter().any(|scope| scope.contains(unit))
    }

    /// Aggregates and indicators of a unit.
    pub fn may_read(&self, unit: &UnitCode) -> bool {
        self.covers(unit)
    }

    /// Household records (list, detail, the households behind a figure) of a unit. Researchers
    /// work with pseudonymised exports only.
    pub fn may_see_households(&self, unit: &UnitCode) -> bool {
        self.role != Role::Researcher && self.covers(unit)
    }

    /// Names, ID-card numbers and phone numbers of a household in `village`.
    pub fn may_see_personal(&self, village: &UnitCode) -> bool {
        self.may_see_households(village)
    }

    /// Approve or reject surveys of households in `village`.
    pub fn may_review(&self, village: &UnitCode) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Supervisor => self.covers(village),
            _ => false,
        }
    }

    /// Register households and enter surveys in `village`.
    pub fn may_enter(&self, village: &UnitCode) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Enumerator | Role::Supervisor => self.covers(village),
            _ => false,
        }
    }

    /// Manage accounts and read the audit log.
    pub fn may_administer(&self) -> bool {
        self.role == Role::Admin
    }

    /// Hold API tokens for scripted exports.
    pub fn may_hold_tokens(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Researcher)
    }

    /// Where this account's dashboard starts: the prefecture when covered, else its first unit.
    pub fn home(&self, prefecture: &UnitCode) -> Option<UnitCode> {
        if self.covers(prefecture) {
            Some(prefecture.clone())
        } else {
            self.scopes.first().cloned()
        }
    }
}

/// Which unit levels a role may be scoped to; an empty list means "no scope at all".
pub fn scope_levels(role: Role) -> &'static [UnitLevel] {
    match role {
        Role::Admin => &[],
        Role::Official => &[
            UnitLevel::Prefecture,
            UnitLevel::County,
            UnitLevel::Township,
        ],
        Role::Supervisor => &[UnitLevel::Township],
        Role::Enumerator => &[UnitLevel::Village],
        Role::Researcher => &[
            UnitLevel::Prefecture,
            UnitLevel::County,
            UnitLevel::Township,
            UnitLevel::Village,
        ],
    }
}

/// Checks that `scopes` suit `role`: none for an administrator, at least one of the right
/// levels for everyone else.
pub fn check_scopes(role: Role, scopes: &[UnitCode]) -> Result<(), Issue> {
    let levels = scope_levels(role);
    let role_zh = crate::Localized::zh(&role);
    let role_en = crate::Localized::en(&role);
    if levels.is_empty() {
        return match scopes.is_empty() {
            true => Ok(()),
            false => Err(Issue::error(
                "scopes",
                "admin_has_no_scope",
                "系统管理员可访问全部数据，不设管辖范围",
                "an administrator reaches everything and takes no scope",
            )),
        };
    }
    if scopes.is_empty() {
        return Err(Issue::error(
            "scopes",
            "scope_required",
            format!("{role_zh}必须指定至少一个管辖单位"),
            format!("a {role_en} needs at least one unit in scope"),
        ));
    }
    let names = |lang_zh: bool| {
        levels
            .iter()
            .map(|l| match lang_zh {
                true => crate::Localized::zh(l),
                false => crate::Localized::en(l),
            })
            .collect::<Vec<_>>()
    };
    match scopes.iter().find(|unit| !levels.contains(&unit.level())) {
        None => Ok(()),
        Some(unit) => Err(Issue::error(
            "scopes",
            "scope_level",
            format!(
                "{role_zh}的管辖单位只能是{}，{unit} 不是",
                names(true).join("、")
            ),
            format!(
                "a {role_en} can be scoped to a {} only, not {unit}",
                names(false).join(" or ")
            ),
        )),
    }
}

/// Usernames: 3–32 characters, lower-case letters, digits, `.`, `_` or `-`, starting with a
/// letter or digit. They appear in URLs, logs and the audit trail, so they stay plain.
pub fn check_username(username: &str) -> Result<(), Issue> {
    let ok = (3..=32).contains(&username.len())
        && username
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && username.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        });
    match ok {
        true => Ok(()),
        false => Err(Issue::error(
            "username",
            "username_format",
            "用户名须为 3–32 位小写字母、数字或 . _ -，以字母或数字开头",
            "a username has 3–32 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit",
        )),
    }
}

/// Passwords of 10 characters or more found at the top of leaked-password lists (Chinese and
/// international sites), lower-cased: refused whatever the other rules say.
pub const COMMON_PASSWORDS: &[&str] = &[
    "1234567890",
    "0123456789",
    "0987654321",
    "9876543210",
    "12345678910",
    "123456789a",
    "a123456789",
    "123456789q",
    "q123456789",
    "1234567890a",
    "qwertyuiop",
    "asdfghjkl;",
    "1q2w3e4r5t",
    "1qaz2wsx3edc",
    "1qazxsw23edc",
    "qazwsxedcr",
    "zaq12wsxcde",
    "qwerty1234",
    "qwerty12345",
    "1234qwerty",
    "qwer123456",
    "1234qwer!@",
    "abcd123456",
    "abc1234567",
    "abcd1234!@",
    "abcdefghij",
    "password12",
    "password123",
    "password1234",
    "p@ssw0rd123",
    "passw0rd12",
    "iloveyou12",
    "iloveyou123",
    "woaini1314",
    "woaini520520",
    "5201314520",
    "1314520520",
    "5201314521",
    "woaini123456",
    "admin12345",
    "admin123456",
    "administrator",
    "adminadmin",
    "root123456",
    "test123456",
    "welcome123",
    "letmein123",
    "changeme123",
    "1111111111",
    "2222222222",
    "6666666666",
    "8888888888",
    "1234512345",
    "1122334455",
    "1212121212",
    "1357924680",
    "147258369a",
    "zxcvbnm123",
    "zxcvbnm,./",
    "tanhui2026",
    "liangshan123",
];

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Password rules: at least [`MIN_PASSWORD_CHARS`] characters, at most 128, not built around
/// the username, not one character repeated.
pub fn check_password(username: &str, password: &str) -> Result<(), Issue> {
    let chars = password.chars().count();
    let fail = |rule, zh: String, en: String| Err(Issue::error("password", rule, zh, en));
    if chars < MIN_PASSWORD_CHARS {
        return fail(
            "password_length",
            format!("密码至少 {MIN_PASSWORD_CHARS} 个字符"),
            format!("a password has at least {MIN_PASSWORD_CHARS} characters"),
        );
    }
    if chars > 128 {
        return fail(
            "password_length",
            "密码最多 128 个字符".into(),
            "a password has at most 128 characters".into(),
        );
    }
    if !username.is_empty() && password.to_lowercase().contains(&username.to_lowercase()) {
        return fail(
            "password_contains_username",
            "密码不能包含用户名".into(),
            "a password must not contain the username".into(),
        );
    }
    let lower = password.to_lowercase();
    if COMMON_PASSWORDS.contains(&lower.as_str()) {
        return fail(
            "password_common",
            "这个密码太常见，容易被猜中，请换一个".into(),
            "this password is among the most common ones and easily guessed: choose another".into(),
        );
    }
    let mut distinct: Vec<char> = password.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 4 {
        return fail(
            "password_too_simple",
            "密码过于简单：请至少使用 4 个不同的字符".into(),
            "too simple: use at least 4 different characters".into(),
        );
    }
    Ok(())
}

/// A person's name for readers outside its scope: the first character, then one `*` per
/// remaining character (`吉克阿依` → `吉***`).
pub fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        None => String::new(),
        Some(first) => {
            let rest = chars.count().max(1);
            format!("{first}{}", "*".repeat(rest))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(code: &str) -> UnitCode {
        UnitCode::parse(code).expect("valid test code")
    }

    fn actor(role: Role, scopes: &[&str]) -> Actor {
        Actor {
            user_id: "u".into(),
            username: "someone".into(),
            display_name: "某人".into(),
            role,
            scopes: scopes.iter().map(|c| unit(c)).collect(),
        }
    }

    const YUEXI: &str = "513434";
    const YUEXI_TOWNSHIP: &str = "513434100";
    const YUEXI_VILLAGE: &str = "513434100201";
    const ZHAOJUE_VILLAGE: &str = "513431100201";

    #[test]
    fn an_administrator_reaches_everything() {
        let admin = actor(Role::Admin, &[]);
        for code in ["513400", YUEXI, ZHAOJUE_VILLAGE] {
            assert!(admin.may_read(&unit(code)));
            assert!(admin.may_see_personal(&unit(code)));
            assert!(admin.may_review(&unit(code)));
        }
        assert!(admin.may_administer());
    }

    #[test]
    fn a_county_official_reads_its_county_only() {
        let official = actor(Role::Official, &[YUEXI]);
        assert!(official.may_read(&unit(YUEXI)));
        assert!(official.may_read(&unit(YUEXI_VILLAGE)));
        assert!(official.may_see_personal(&unit(YUEXI_VILLAGE)));
        assert!(!official.may_read(&unit(ZHAOJUE_VILLAGE)));
        assert!(
            !official.may_read(&unit("513400")),
            "not the prefecture above it"
        );
        assert!(!official.may_review(&unit(YUEXI_VILLAGE)));
        assert!(!official.may_enter(&unit(YUEXI_VILLAGE)));
        assert!(!official.may_administer());
        assert_eq!(official.home(&unit("513400")), Some(unit(YUEXI)));
    }

    #[test]
    fn a_supervisor_reviews_its_township_and_an_enumerator_enters_its_villages() {
        let supervisor = actor(Role::Supervisor, &[YUEXI_TOWNSHIP]);
        assert!(supervisor.may_review(&unit(YUEXI_VILLAGE)));
        assert!(!supervisor.may_review(&unit(ZHAOJUE_VILLAGE)));
        let enumerator = actor(Role::Enumerator, &[YUEXI_VILLAGE]);
        assert!(enumerator.may_enter(&unit(YUEXI_VILLAGE)));
        assert!(!enumerator.may_review(&unit(YUEXI_VILLAGE)));
        assert!(!enumerator.may_read(&unit(YUEXI_TOWNSHIP)));
    }

    #[test]
    fn researchers_never_see_households_or_personal_data() {
        let researcher = actor(Role::Researcher, &["513400"]);
        assert!(researcher.may_read(&unit(YUEXI_VILLAGE)));
        assert!(!researcher.may_see_households(&unit(YUEXI_VILLAGE)));
        assert!(!researcher.may_see_personal(&unit(YUEXI_VILLAGE)));
        assert!(researcher.may_hold_tokens());
        assert!(!actor(Role::Official, &[YUEXI]).may_hold_tokens());
    }

    #[test]
    fn scopes_must_suit_the_role() {
        assert!(check_scopes(Role::Admin, &[]).is_ok());
        assert_eq!(
            check_scopes(Role::Admin, &[unit(YUEXI)]).unwrap_err().rule,
            "admin_has_no_scope"
        );
        assert_eq!(
            check_scopes(Role::Official, &[]).unwrap_err().rule,
            "scope_required"
        );
        assert!(check_scopes(Role::Official, &[unit("513400")]).is_ok());
        assert_eq!(
            check_scopes(Role::Supervisor, &[unit(YUEXI)])
                .unwrap_err()
                .rule,
            "scope_level"
        );
        assert!(check_scopes(Role::Enumerator, &[unit(YUEXI_VILLAGE)]).is_ok());
        let err = check_scopes(Role::Enumerator, &[unit(YUEXI_TOWNSHIP)]).unwrap_err();
        assert!(err.zh.contains("村"), "{}", err.zh);
        assert!(check_scopes(Role::Researcher, &[unit(YUEXI_VILLAGE)]).is_ok());
    }

    #[test]
    fn usernames_stay_plain() {
        for good in ["admin", "li.hua", "enum-01", "a_b"] {
            assert!(check_username(good).is_ok(), "{good}");
        }
        for bad in ["ab", "Admin", "-lead", "李华", "has space", &"x".repeat(33)] {
            assert!(check_username(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_must_be_long_and_not_trivial() {
        assert!(check_password("lihua", "森林碳汇-2026-yuexi").is_ok());
        let rule = |u, p| check_password(u, p).unwrap_err().rule;
        assert_eq!(rule("lihua", "short"), "password_length");
        assert_eq!(
            rule("lihua", "LiHua-2026-pass"),
            "password_contains_username"
        );
        assert_eq!(rule("lihua", "aaaaaaaaaaaa"), "password_too_simple");
        assert_eq!(rule("lihua", "Woaini1314"), "password_common");
        assert_eq!(rule("lihua", "QWERTYUIOP"), "password_common");
        let long = "ab3!".repeat(33);
        assert_eq!(rule("lihua", &long), "password_length");
    }

    #[test]
    fn names_are_masked_after_the_first_character() {
        assert_eq!(mask_name("吉克阿依"), "吉***");
        assert_eq!(mask_name("王"), "王*");
        assert_eq!(mask_name(""), "");
    }
}

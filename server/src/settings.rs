//! Typed settings, loaded once in `main`: built-in defaults, then a TOML file, then
//! `TANHUI_*` environment variables, then command-line flags.
//!
//! | variable | setting |
//! |---|---|
//! | `TANHUI_CONFIG` | path of the TOML file (default `tanhui.toml`, optional) |
//! | `TANHUI_DB` | database URL, `sqlite://PATH` or `postgres://…` (default `sqlite://data/tanhui.db`) |
//! | `TANHUI_ADDR` | listen address (default `127.0.0.1:3000`) |
//! | `TANHUI_SITE_ROOT` | serve the site (wasm, JS, CSS, icons) from this folder, built by `scripts/site.sh`, instead of the copy inside the binary (default: unset, the binary's own copy; see `tanhui bundle`) |
//! | `TANHUI_LOG` | log filter, `tracing` syntax (default `info`) |
//! | `TANHUI_LOG_FORMAT` | `text` or `json` (default `text`) |
//! | `TANHUI_DEMO` | load the demo data set and one demo account per role into an empty database (`serve --demo` does the same); never into one holding real data (default `false`: the first start creates only `admin`, with a one-time password printed on standard output) |
//! | `TANHUI_DEMO_HOUSEHOLDS` | households of the demo data set (default 6000) |
//! | `TANHUI_COOKIE_SECURE` | mark the session cookie `Secure` (HTTPS only); `false` only for a plain-HTTP intranet (default `true`) |
//! | `TANHUI_SESSION_IDLE_MINUTES` | a session unused this long ends (default 30) |
//! | `TANHUI_SESSION_HOURS` | a session ends this long after sign-in (default 12) |
//! | `TANHUI_TRUSTED_PROXIES` | reverse proxies (addresses or CIDR ranges, comma-separated) whose `Forwarded` / `X-Forwarded-For` name the client, for sign-in throttling, the audit log and logs; from any other peer those headers are ignored (default: none) |
//! | `TANHUI_FORWARDED_HEADER` | the header those proxies write the client's address into: `x-forwarded-for` (default) or `forwarded` (RFC 7239); the other is ignored |
//! | `TANHUI_METRICS_FROM` | addresses or ranges that may read `/metrics` without a token, e.g. the Prometheus server (default: none; an administrator's API token always may) |
//! | `TANHUI_BACKUP_DIR` | take scheduled backups into this folder (default: unset, none taken) |
//! | `TANHUI_BACKUP_EVERY` | how often: a number and `m`, `h` or `d` (default `24h`) |
//! | `TANHUI_BACKUP_KEEP` | scheduled backups kept in the folder; older ones are deleted (default 7) |
//! | `TANHUI_AUDIT_RETENTION_DAYS` | audit entries younger than this are never archived or pruned (`tanhui audit archive`); at least and by default 180, the six months MLPS 2.0 level 3 asks for |
//! | `TANHUI_ERASE_AFTER_YEARS` | a household that left the programme (moved out, deceased, merged) has its personal data erased this many years after it left, by an administrator on `/admin/privacy` (statistics and pseudonyms stay); at least 1 (default 5, the length of the national transition period after poverty exit) |
//! | `TANHUI_TWO_FACTOR_ROLES` | roles that must sign in with a second factor (an authenticator code), comma-separated; `none` for nobody (default `admin,official`) |
//! | `TANHUI_SERVICE_WORKER` | offer the service worker (`/sw.js`) that makes the field pages work offline; `false` while developing the site, so a browser never keeps an old build (default `true`) |

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Serialized, Toml};

use crate::net::{ForwardedHeader, IpNets};
use figment::Figment;
use serde::{Deserialize, Serialize};

/// Default settings file, read when present.
pub const DEFAULT_CONFIG_FILE: &str = "tanhui.toml";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    pub db: String,
    pub addr: SocketAddr,
    pub site_root: Option<PathBuf>,
    pub log: String,
    pub log_format: LogFormat,
    pub demo: bool,
    pub demo_households: usize,
    pub cookie_secure: bool,
    pub session_idle_minutes: u32,
    pub session_hours: u32,
    pub trusted_proxies: IpNets,
    pub forwarded_header: ForwardedHeader,
    pub metrics_from: IpNets,
    pub backup_dir: Option<PathBuf>,
    pub backup_every: Every,
    pub backup_keep: usize,
    pub service_worker: bool,
    pub audit_retention_days: RetentionDays,
    pub erase_after_years: RetentionYears,
    pub two_factor_roles: Roles,
}

/// How many years after a household left the programme its personal data are kept: at
/// least one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct RetentionYears(pub u32);

impl RetentionYears {
    /// The national transition period (过渡期) after poverty exit is five years.
    pub const DEFAULT: u32 = 5;
}

impl TryFrom<u32> for RetentionYears {
    type Error = String;

    fn try_from(years: u32) -> Result<Self, String> {
        match (1..=100).contains(&years) {
            true => Ok(RetentionYears(years)),
            false => Err(format!(
                "{years}: personal data are kept between 1 and 100 years after a household leaves"
            )),
        }
    }
}

impl From<RetentionYears> for u32 {
    fn from(years: RetentionYears) -> u32 {
        years.0
    }
}

/// The audit log's retention period in days: at least [`RetentionDays::MIN`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct RetentionDays(pub u32);

impl RetentionDays {
    /// Six months, what MLPS 2.0 level 3 asks of security audit records.
    pub const MIN: u32 = 180;
}

impl TryFrom<u32> for RetentionDays {
    type Error = String;

    fn try_from(days: u32) -> Result<Self, String> {
        match days >= Self::MIN {
            true => Ok(RetentionDays(days)),
            false => Err(format!(
                "{days}: the audit log is kept at least {} days",
                Self::MIN
            )),
        }
    }
}

impl From<RetentionDays> for u32 {
    fn from(days: RetentionDays) -> u32 {
        days.0
    }
}

/// A set of roles written as a comma-separated list (`admin,official`), or `none`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Roles(pub Vec<domain::Role>);

impl TryFrom<String> for Roles {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        if text.trim() == "none" || text.trim().is_empty() {
            return Ok(Roles(Vec::new()));
        }
        text.split(',')
            .map(|code| {
                domain::Role::parse(code.trim()).ok_or_else(|| {
                    format!("{code:?}: roles are admin, official, supervisor, enumerator, researcher (or none)")
                })
            })
            .collect::<Result<_, _>>()
            .map(Roles)
    }
}

impl From<Roles> for String {
    fn from(roles: Roles) -> String {
        match roles.0.is_empty() {
            true => "none".to_owned(),
            false => roles
                .0
                .iter()
                .map(|r| r.code())
                .collect::<Vec<_>>()
                .join(","),
        }
    }
}

/// The scheduled backups, as configured (none without `backup_dir`).
#[derive(Debug, Clone)]
pub struct BackupSchedule {
    pub dir: PathBuf,
    pub every: Every,
    pub keep: usize,
}

/// A period written as a whole number and a unit: `30m`, `6h`, `1d`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Every(pub std::time::Duration);

impl std::str::FromStr for Every {
    type Err = String;

    fn from_str(text: &str) -> Result<Every, String> {
        let text = text.trim();
        let bad = || format!("{text:?}: write a whole number and m, h or d, such as 6h or 1d");
        let (split, unit) = text.char_indices().last().ok_or_else(bad)?;
        let number: u64 = text[..split].trim().parse().map_err(|_| bad())?;
        let seconds: u64 = match unit {
            'm' => 60,
            'h' => 3_600,
            'd' => 86_400,
            _ => return Err(bad()),
        };
        match number.checked_mul(seconds) {
            Some(0) => Err(format!("{text:?}: the period must be longer than zero")),
            Some(s) if s <= 366 * 86_400 => Ok(Every(std::time::Duration::from_secs(s))),
            _ => Err(format!("{text:?}: the period must be a year or less")),
        }
    }
}

impl std::fmt::Display for Every {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Whole days from two days up (`24h` reads better than `1d` beside `6h`).
        let s = self.0.as_secs();
        match s {
            s if s % 86_400 == 0 && s >= 2 * 86_400 => write!(f, "{}d", s / 86_400),
            s if s % 3_600 == 0 => write!(f, "{}h", s / 3_600),
            s => write!(f, "{}m", s / 60),
        }
    }
}

impl Serialize for Every {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Every {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Every, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            db: "sqlite://data/tanhui.db".to_owned(),
            addr: SocketAddr::from(([127, 0, 0, 1], 3000)),
            site_root: None,
            log: "info".to_owned(),
            log_format: LogFormat::Text,
            demo: false,
            demo_households: 6_000,
            cookie_secure: true,
            session_idle_minutes: 30,
            session_hours: 12,
            trusted_proxies: IpNets::default(),
            forwarded_header: ForwardedHeader::default(),
            metrics_from: IpNets::default(),
            backup_dir: None,
            backup_every: Every(std::time::Duration::from_secs(86_400)),
            backup_keep: 7,
            service_worker: true,
            audit_retention_days: RetentionDays(RetentionDays::MIN),
            erase_after_years: RetentionYears(RetentionYears::DEFAULT),
            two_factor_roles: Roles(vec![domain::Role::Admin, domain::Role::Official]),
        }
    }
}

/// Why settings could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("settings file {0} does not exist")]
    MissingFile(PathBuf),
    #[error("invalid settings: {0}")]
    Invalid(#[from] Box<figment::Error>),
}

impl Settings {
    /// The session and sign-in policy these settings describe.
    pub fn auth_config(&self) -> crate::auth::AuthConfig {
        crate::auth::AuthConfig {
            cookie_secure: self.cookie_secure,
            idle_ms: i64::from(self.session_idle_minutes) * 60_000,
            absolute_ms: i64::from(self.session_hours) * 3_600_000,
            two_factor_roles: self.two_factor_roles.0.clone(),
            ..crate::auth::AuthConfig::default()
        }
    }

    /// Loads defaults ← file ← environment. A named file must exist; the default one may not.
    pub fn load(config_file: Option<&Path>) -> Result<Settings, SettingsError> {
        let file = match config_file {
            Some(path) if !path.exists() => {
                return Err(SettingsError::MissingFile(path.to_owned()))
            }
            Some(path) => path.to_owned(),
            None => PathBuf::from(DEFAULT_CONFIG_FILE),
        };
        Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::file(file))
            .merge(Env::prefixed("TANHUI_").only(&[
                "db",
                "addr",
                "site_root",
                "log",
                "log_format",
                "demo",
                "demo_households",
                "cookie_secure",
                "session_idle_minutes",
                "session_hours",
                "trusted_proxies",
                "forwarded_header",
                "metrics_from",
                "backup_dir",
                "backup_every",
                "backup_keep",
                "service_worker",
                "audit_retention_days",
                "erase_after_years",
                "two_factor_roles",
            ]))
            .extract()
            .map_err(|err| SettingsError::Invalid(Box::new(err)))
    }
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment::Jail's closures must return figment::Error by value
mod tests {
    use super::*;
    use figment::Jail;

    #[test]
    fn defaults_apply_without_file_or_environment() {
        Jail::expect_with(|_jail| {
            assert_eq!(Settings::load(None).expect("defaults"), Settings::default());
            Ok(())
        });
    }

    #[test]
    fn environment_overrides_file_which_overrides_defaults() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "tanhui.toml",
                r#"
                    db = "sqlite:///srv/tanhui/county.db"
                    addr = "0.0.0.0:8080"
                    log_format = "json"
                "#,
            )?;
            jail.set_env("TANHUI_ADDR", "127.0.0.1:9000");
            jail.set_env("TANHUI_TEST_PG_URL", "postgres://ignored");
            let settings = Settings::load(None).expect("file and environment");
            assert_eq!(settings.db, "sqlite:///srv/tanhui/county.db");
            assert_eq!(settings.addr, "127.0.0.1:9000".parse().expect("address"));
            assert_eq!(settings.log_format, LogFormat::Json);
            assert_eq!(settings.log, "info");
            Ok(())
        });
    }

    #[test]
    fn a_bad_value_is_an_error_naming_the_setting() {
        Jail::expect_with(|jail| {
            jail.set_env("TANHUI_ADDR", "not-an-address");
            let err = Settings::load(None).expect_err("bad address");
            assert!(err.to_string().contains("addr"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn proxies_and_backups_are_read_from_the_environment() {
        Jail::expect_with(|jail| {
            jail.set_env("TANHUI_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8");
            jail.set_env("TANHUI_BACKUP_DIR", "/var/backups/tanhui");
            jail.set_env("TANHUI_BACKUP_EVERY", "6h");
            let settings = Settings::load(None).expect("environment");
            assert!(settings
                .trusted_proxies
                .contains("10.9.8.7".parse().expect("ip")));
            assert!(settings.metrics_from.is_empty());
            assert_eq!(
                settings.backup_dir.as_deref(),
                Some(Path::new("/var/backups/tanhui"))
            );
            assert_eq!(settings.backup_every.0.as_secs(), 6 * 3600);
            assert_eq!(settings.backup_keep, 7);
            jail.set_env("TANHUI_TRUSTED_PROXIES", "10.0.0.0/40");
            let err = Settings::load(None).expect_err("bad range");
            assert!(
                err.to_string().to_lowercase().contains("trusted_proxies"),
                "{err}"
            );
            jail.set_env("TANHUI_TRUSTED_PROXIES", "");
            jail.set_env("TANHUI_BACKUP_EVERY", "daily");
            let err = Settings::load(None).expect_err("bad period");
            assert!(err.to_string().contains("such as 6h or 1d"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn periods_read_and_print_the_same() {
        for text in ["30m", "6h", "24h", "7d", "90m"] {
            assert_eq!(text.parse::<Every>().expect(text).to_string(), text);
        }
        assert_eq!("1d".parse::<Every>().expect("1d").to_string(), "24h");
        assert!("0h".parse::<Every>().is_err());
        assert!("h".parse::<Every>().is_err());
        assert!("".parse::<Every>().is_err());
        assert!("5s".parse::<Every>().is_err());
        assert!(
            "1天".parse::<Every>().is_err(),
            "a unit in Chinese is refused, not a panic"
        );
        assert!("99999999999999999d".parse::<Every>().is_err());
        assert!("400d".parse::<Every>().is_err());
    }

    /// `deploy/tanhui.toml` lists every setting, each with a value this version accepts.
    #[test]
    fn the_example_settings_file_lists_every_setting() {
        let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/tanhui.toml");
        let text = std::fs::read_to_string(&example).expect("deploy/tanhui.toml");
        let defaults = serde_json::to_value(Settings::default()).expect("json");
        let keys: Vec<&String> = defaults.as_object().expect("object").keys().collect();
        for key in &keys {
            assert!(
                text.contains(&format!("\n{key} =")) || text.contains(&format!("\n# {key} =")),
                "deploy/tanhui.toml does not list {key}"
            );
        }
        Jail::expect_with(|jail| {
            // Every setting's line (the commented-out default too, when the key is not set
            // already) holds a value this version accepts.
            let mut set: Vec<String> = Vec::new();
            let mut uncommented = Vec::new();
            for line in text.lines() {
                let (active, rest) = match line.strip_prefix("# ") {
                    Some(rest) => (false, rest),
                    None => (true, line),
                };
                let key = keys.iter().find(|k| rest.starts_with(&format!("{k} =")));
                match key {
                    Some(key) if active || !set.contains(key) => {
                        set.push((*key).clone());
                        uncommented.push(rest);
                    }
                    _ => uncommented.push(line),
                }
            }
            let uncommented = uncommented.join("\n");
            jail.create_file("tanhui.toml", &uncommented)?;
            Settings::load(None).expect("the example's values are valid");
            Ok(())
        });
    }

    #[test]
    fn a_named_file_must_exist() {
        Jail::expect_with(|_jail| {
            let err = Settings::load(Some(Path::new("missing.toml"))).expect_err("missing file");
            assert!(err.to_string().contains("missing.toml"), "{err}");
            Ok(())
        });
    }
}

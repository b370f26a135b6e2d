//! Typed settings, loaded once in `main`: built-in defaults, then a TOML file, then
//! `TANHUI_*` environment variables, then command-line flags.
//!
//! | variable | setting |
//! |---|---|
//! | `TANHUI_CONFIG` | path of the TOML file (default `tanhui.toml`, optional) |
//! | `TANHUI_DB` | database URL, `sqlite://PATH` or `postgres://…` (default `sqlite://data/tanhui.db`) |
//! | `TANHUI_ADDR` | listen address (default `127.0.0.1:3000`) |
//! | `TANHUI_SITE_ROOT` | folder holding `pkg/` (wasm, JS, CSS) and public assets (default `target/site`) |
//! | `TANHUI_LOG` | log filter, `tracing` syntax (default `info`) |
//! | `TANHUI_LOG_FORMAT` | `text` or `json` (default `text`) |
//! | `TANHUI_DEMO` | load the demo data set and one demo account per role into an empty database (`serve --demo` does the same); never into one holding real data (default `false`: the first start creates only `admin`, with a one-time password printed on standard output) |
//! | `TANHUI_DEMO_HOUSEHOLDS` | households of the demo data set (default 6000) |
//! | `TANHUI_COOKIE_SECURE` | mark the session cookie `Secure` (HTTPS only); `false` only for a plain-HTTP intranet (default `true`) |
//! | `TANHUI_SESSION_IDLE_MINUTES` | a session unused this long ends (default 30) |
//! | `TANHUI_SESSION_HOURS` | a session ends this long after sign-in (default 12) |

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Serialized, Toml};
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
    pub site_root: PathBuf,
    pub log: String,
    pub log_format: LogFormat,
    pub demo: bool,
    pub demo_households: usize,
    pub cookie_secure: bool,
    pub session_idle_minutes: u32,
    pub session_hours: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            db: "sqlite://data/tanhui.db".to_owned(),
            addr: SocketAddr::from(([127, 0, 0, 1], 3000)),
            site_root: PathBuf::from("target/site"),
            log: "info".to_owned(),
            log_format: LogFormat::Text,
            demo: false,
            demo_households: 6_000,
            cookie_secure: true,
            session_idle_minutes: 30,
            session_hours: 12,
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
    fn a_named_file_must_exist() {
        Jail::expect_with(|_jail| {
            let err = Settings::load(Some(Path::new("missing.toml"))).expect_err("missing file");
            assert!(err.to_string().contains("missing.toml"), "{err}");
            Ok(())
        });
    }
}

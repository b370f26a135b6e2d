//! The accounts a new installation starts with: in demo mode one demo account per role
//! (scoped to real units of the demo data), otherwise a first administrator with a one-time
//! password.

use app::backend::{BackendError, RequestViewer};
use app::model::NewUserInput;
use domain::UnitCode;

use crate::storage::{StorageError, Store};

/// The password of every demo account (printed by `make run`; demo data only).
pub const DEMO_PASSWORD: &str = "tanhui-demo-2026";

/// A sign-in to tell the person starting the server about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartingAccount {
    pub username: String,
    pub role: String,
    pub scope: String,
    pub password: String,
}

#[derive(Debug, thiserror::Error)]
pub enum AccountsError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("cannot create starting account {username}: {detail}")]
    Create { username: String, detail: String },
}

async fn first_child(store: &Store, parent: &str) -> Result<Option<String>, StorageError> {
    let parent = UnitCode::parse(parent).map_err(|err| StorageError::CorruptRow {
        table: "admin_units",
        detail: err.to_string(),
    })?;
    Ok(store
        .child_units(&parent)
        .await?
        .into_iter()
        .next()
        .map(|u| u.code))
}

/// Creates the starting accounts when the database has none; returns what was created.
pub async fn ensure_starting_accounts(
    store: &Store,
    demo: bool,
) -> Result<Vec<StartingAccount>, AccountsError> {
    if store.count_users().await? > 0 {
        return Ok(Vec::new());
    }
    let plan: Vec<(&str, &str, &str, String)> = if demo {
        // Yuexi county, its first township and two villages of it, as seeded.
        let township = first_child(store, "513434").await?.unwrap_or_default();
        let villages = match township.is_empty() {
            true => Vec::new(),
            false => {
                let code = UnitCode::parse(&township).map_err(|err| StorageError::CorruptRow {
                    table: "admin_units",
                    detail: err.to_string(),
                })?;
                store
                    .child_units(&code)
                    .await?
                    .into_iter()
                    .take(2)
                    .map(|u| u.code)
                    .collect()
            }
        };
        vec![
            ("admin", "系统管理员（演示）", "admin", String::new()),
            ("official", "州级干部（演示）", "official", "513400".into()),
            (
                "official.yuexi",
                "越西县干部（演示）",
                "official",
                "513434".into(),
            ),
            ("supervisor", "乡镇审核员（演示）", "supervisor", township),
            (
                "enumerator",
                "村调查员（演示）",
                "enumerator",
                villages.join(","),
            ),
            (
                "researcher",
                "研究人员（演示）",
                "researcher",
                "513400".into(),
            ),
        ]
    } else {
        vec![("admin", "系统管理员", "admin", String::new())]
    };
    let system = RequestViewer::default();
    let mut created = Vec::new();
    for (username, name, role, scope) in plan {
        // A demo database without townships or villages under Yuexi (a tiny seed) simply has
        // no supervisor or enumerator account.
        if scope.is_empty() && role != "admin" {
            continue;
        }
        let input = NewUserInput {
            username: username.into(),
            display_name: name.into(),
            role: role.into(),
            scopes: scope.clone(),
            password: if demo {
                DEMO_PASSWORD.into()
            } else {
                String::new()
            },
        };
        let issued = super::accounts::create_user(store, &system, input)
            .await
            .map_err(|err| AccountsError::Create {
                username: username.into(),
                detail: match err {
                    BackendError::Invalid(issues) => issues
                        .iter()
                        .map(|i| i.en.clone())
                        .collect::<Vec<_>>()
                        .join("; "),
                    other => other.to_string(),
                },
            })?;
        created.push(StartingAccount {
            username: username.into(),
            role: role.into(),
            scope,
            password: issued
                .one_time_password
                .unwrap_or_else(|| DEMO_PASSWORD.to_owned()),
        });
    }
    Ok(created)
}

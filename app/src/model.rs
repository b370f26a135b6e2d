//! Wire and view types: what server functions return and pages show. Shared by SSR and
//! hydrate, so they are plain serde data with no database types in them.

use domain::{Lang, UnitLevel};
use serde::{Deserialize, Serialize};

/// An administrative unit as a page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitView {
    pub code: String,
    pub name_zh: String,
    pub name_pinyin: String,
    pub level: UnitLevel,
}

impl UnitView {
    /// The name in the reader's language; Chinese where no pinyin name is recorded.
    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::En if !self.name_pinyin.is_empty() => &self.name_pinyin,
            _ => &self.name_zh,
        }
    }
}

/// What the server says about itself when asked from the home page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerStatus {
    /// `sqlite` or `postgres`.
    pub backend: String,
    /// The newest applied migration.
    pub schema_version: i64,
    /// How many administrative units the database holds.
    pub units: i64,
    /// The `tanhui` version serving the page.
    pub version: String,
}

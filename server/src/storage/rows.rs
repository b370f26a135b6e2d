//! Database rows (server-only) and their conversion to view types.

use app::model::UnitView;
use domain::UnitLevel;

use super::StorageError;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UnitRow {
    pub code: String,
    pub name_zh: String,
    pub name_pinyin: String,
    pub level: String,
}

impl TryFrom<UnitRow> for UnitView {
    type Error = StorageError;

    fn try_from(row: UnitRow) -> Result<Self, Self::Error> {
        let level = UnitLevel::parse(&row.level).ok_or_else(|| StorageError::CorruptRow {
            table: "admin_units",
            detail: format!("unknown level {:?} for {}", row.level, row.code),
        })?;
        Ok(UnitView {
            code: row.code,
            name_zh: row.name_zh,
            name_pinyin: row.name_pinyin,
            level,
        })
    }
}

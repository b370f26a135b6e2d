//! The administrators' privacy page: what personal data Tanhui holds, where, how it is
//! protected, why and for how long (the inventory a personal-information handler keeps under
//! PIPL), and the households whose personal data are due for erasure.

use domain::Both;
use serde::{Deserialize, Serialize};

/// The inventory and the erasure queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrivacyView {
    /// One line per kind of personal data held.
    pub inventory: Vec<DataHeld>,
    /// Years after leaving the programme that a household's personal data are kept
    /// (`TANHUI_ERASE_AFTER_YEARS`).
    pub erase_after_years: u32,
    /// Today in China, `YYYY-MM-DD`.
    pub today: String,
    /// Households that left on or before this day are due for erasure.
    pub cutoff: String,
    /// Households due for erasure now.
    pub due_count: i64,
    /// Households whose personal data were erased so far.
    pub erased_count: i64,
    /// The first households due (those that left first), at most [`PrivacyView::LISTED`].
    pub due: Vec<ErasureDueView>,
}

impl PrivacyView {
    /// How many due households the page lists.
    pub const LISTED: i64 = 200;
}

/// A kind of personal data Tanhui holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataHeld {
    /// What it is (户主身份证号…).
    pub what: Both,
    /// Where it is stored (table and column, or place).
    pub stored: String,
    /// How it is protected at rest and on screen.
    pub protection: Both,
    /// Why Tanhui holds it.
    pub purpose: Both,
    /// Who may read it in clear.
    pub readers: Both,
    /// How long it is kept.
    pub kept: Both,
    /// How many records hold it now, where that can be counted.
    pub count: Option<i64>,
}

/// A household due for erasure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErasureDueView {
    /// The household's id.
    pub id: String,
    /// Its village's code.
    pub village: String,
    /// Its registry number.
    pub registry_no: String,
    /// Its head's name, masked.
    pub head_name: String,
    /// Why it left (moved out, deceased, merged), as a label.
    pub status: Both,
    /// The day it left, `YYYY-MM-DD`.
    pub left_on: String,
}

/// What to erase: the listed households, or every household due now.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ErasureInput {
    /// Households (ids) to erase; each must be due.
    #[serde(default)]
    pub households: Vec<String>,
    /// Erase every household due now instead.
    #[serde(default)]
    pub all_due: bool,
    /// With `all_due`: the number of households due, as the administrator read it on the
    /// page and typed it to confirm; refused if it is no longer so.
    #[serde(default)]
    pub expected: String,
}

/// Erasures done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErasureDone {
    /// Households whose personal data were erased now.
    pub erased: i64,
}

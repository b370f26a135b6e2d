//! 防返贫监测: which households are at risk of (re)falling into poverty, and why.
//!
//! A household is flagged in a wave when its per-capita net income is below the year's line,
//! or within a margin above it, or when it misses any of 两不愁三保障 and safe water, or when
//! its per-capita income fell sharply since its previous surveyed wave. The rules are plain
//! numbers so that the dashboard, the export and the tests apply the same ones.

use serde::{Deserialize, Serialize};

/// The thresholds, in percent.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RiskRules {
    /// "Near the line": per-capita income below line × (1 + margin/100). Default 20.
    pub margin_pct: u32,
    /// "Fell sharply": per-capita income below previous × (1 − drop/100). Default 30.
    pub drop_pct: u32,
}

impl Default for RiskRules {
    fn default() -> Self {
        RiskRules {
            margin_pct: 20,
            drop_pct: 30,
        }
    }
}

impl RiskRules {
    /// Clamps margins to what makes sense (0–100 % above the line, 1–100 % drop).
    pub fn new(margin_pct: u32, drop_pct: u32) -> RiskRules {
        RiskRules {
            margin_pct: margin_pct.min(100),
            drop_pct: drop_pct.clamp(1, 100),
        }
    }
}

/// Why a household is on the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskReason {
    /// `below_line`: per-capita net income below the year's poverty line.
    BelowLine,
    /// `near_line`: at or above the line, but within [`RiskRules::margin_pct`] of it.
    NearLine,
    /// `guarantee_missed`: one of 两不愁三保障 (food, clothing, schooling, medical insurance,
    /// housing) or safe water is not met.
    GuaranteeMissed,
    /// `income_fell`: per-capita income fell by more than [`RiskRules::drop_pct`] since the
    /// household's previous surveyed wave.
    IncomeFell,
}

impl RiskReason {
    /// Every reason, in the order lists and exports show them.
    pub const ALL: [RiskReason; 4] = [
        RiskReason::BelowLine,
        RiskReason::NearLine,
        RiskReason::GuaranteeMissed,
        RiskReason::IncomeFell,
    ];

    /// The stable snake-case code: the serde form and the `reason` filter in URLs.
    pub fn code(self) -> &'static str {
        match self {
            RiskReason::BelowLine => "below_line",
            RiskReason::NearLine => "near_line",
            RiskReason::GuaranteeMissed => "guarantee_missed",
            RiskReason::IncomeFell => "income_fell",
        }
    }

    /// The reason with this code, or `None` for an unknown code.
    pub fn parse(code: &str) -> Option<RiskReason> {
        RiskReason::ALL.into_iter().find(|r| r.code() == code)
    }
}

impl crate::Localized for RiskReason {
    fn zh(&self) -> String {
        match self {
            RiskReason::BelowLine => "低于贫困线",
            RiskReason::NearLine => "接近贫困线",
            RiskReason::GuaranteeMissed => "“两不愁三保障”未达标",
            RiskReason::IncomeFell => "收入大幅下降",
        }
        .into()
    }

    fn en(&self) -> String {
        match self {
            RiskReason::BelowLine => "below the line",
            RiskReason::NearLine => "near the line",
            RiskReason::GuaranteeMissed => "a guarantee missed",
            RiskReason::IncomeFell => "income fell sharply",
        }
        .into()
    }
}

/// One household's situation in a wave, as the engine knows it (fen, per person).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Situation {
    /// `None` for an empty roster (no per-capita figure).
    pub per_capita_fen: Option<i64>,
    /// The poverty line that applies (year and scheme), in fen per person per year.
    pub line_fen: i64,
    /// Whether 两不愁三保障 and safe water are all met.
    pub guarantees_met: bool,
    /// Per-capita income in the household's previous surveyed wave, if any.
    pub previous_per_capita_fen: Option<i64>,
}

/// Every reason that applies, in [`RiskReason::ALL`] order; empty when not at risk.
pub fn assess(s: Situation, rules: RiskRules) -> Vec<RiskReason> {
    let mut reasons = Vec::new();
    if let Some(pc) = s.per_capita_fen {
        // Whole-number arithmetic: `pc * 100 < line * (100 + margin)` has no rounding.
        if pc < s.line_fen {
            reasons.push(RiskReason::BelowLine);
        } else if i128::from(pc) * 100 < i128::from(s.line_fen) * i128::from(100 + rules.margin_pct)
        {
            reasons.push(RiskReason::NearLine);
        }
    }
    if !s.guarantees_met {
        reasons.push(RiskReason::GuaranteeMissed);
    }
    if let (Some(now), Some(before)) = (s.per_capita_fen, s.previous_per_capita_fen) {
        if before > 0
            && i128::from(now) * 100
                < i128::from(before) * i128::from(100 - rules.drop_pct.min(100))
        {
            reasons.push(RiskReason::IncomeFell);
        }
    }
    reasons
}

#[cfg(test)]
mod tests {
    use super::*;

    // The 2020 national line: 4,000 yuan per person.
    const LINE: i64 = 400_000;

    fn at(pc: i64) -> Situation {
        Situation {
            per_capita_fen: Some(pc),
            line_fen: LINE,
            guarantees_met: true,
            previous_per_capita_fen: None,
        }
    }

    #[test]
    fn below_the_line_is_flagged_and_the_line_itself_is_not_below() {
        let rules = RiskRules::default();
        assert_eq!(assess(at(399_999), rules), vec![RiskReason::BelowLine]);
        // Exactly on the line: not below, but within 20 % above it.
        assert_eq!(assess(at(400_000), rules), vec![RiskReason::NearLine]);
    }

    #[test]
    fn the_margin_ends_exactly_at_line_times_one_plus_margin() {
        let rules = RiskRules::default();
        // 4,000 × 1.2 = 4,800 yuan.
        assert_eq!(assess(at(479_999), rules), vec![RiskReason::NearLine]);
        assert!(assess(at(480_000), rules).is_empty());
        let wider = RiskRules::new(50, 30);
        // 4,000 × 1.5 = 6,000 yuan.
        assert_eq!(assess(at(599_999), wider), vec![RiskReason::NearLine]);
        assert!(assess(at(600_000), wider).is_empty());
        assert!(assess(at(400_000), RiskRules::new(0, 30)).is_empty());
    }

    #[test]
    fn a_missed_guarantee_flags_even_a_well_off_household() {
        let mut s = at(1_000_000);
        s.guarantees_met = false;
        assert_eq!(
            assess(s, RiskRules::default()),
            vec![RiskReason::GuaranteeMissed]
        );
    }

    #[test]
    fn a_sharp_fall_is_measured_against_the_previous_wave() {
        let rules = RiskRules::default();
        // 10,000 → 7,000 yuan is exactly a 30 % fall: not "more than", so not flagged.
        let mut s = at(700_000);
        s.previous_per_capita_fen = Some(1_000_000);
        assert!(assess(s, rules).is_empty());
        s.per_capita_fen = Some(699_999);
        assert_eq!(assess(s, rules), vec![RiskReason::IncomeFell]);
        // A fall from a loss (negative previous income) is not a fall from something.
        s.previous_per_capita_fen = Some(-10);
        assert!(assess(s, rules).is_empty());
    }

    #[test]
    fn reasons_combine_in_a_fixed_order_and_an_empty_roster_only_checks_guarantees() {
        let s = Situation {
            per_capita_fen: Some(100_000),
            line_fen: LINE,
            guarantees_met: false,
            previous_per_capita_fen: Some(900_000),
        };
        assert_eq!(
            assess(s, RiskRules::default()),
            vec![
                RiskReason::BelowLine,
                RiskReason::GuaranteeMissed,
                RiskReason::IncomeFell
            ]
        );
        let empty = Situation {
            per_capita_fen: None,
            ..s
        };
        assert_eq!(
            assess(empty, RiskRules::default()),
            vec![RiskReason::GuaranteeMissed]
        );
    }

    #[test]
    fn rules_are_clamped() {
        assert_eq!(RiskRules::new(500, 0), RiskRules::new(100, 1));
        assert_eq!(RiskReason::parse("near_line"), Some(RiskReason::NearLine));
        assert_eq!(RiskReason::parse("nope"), None);
    }
}

//! Quantities with rules: money in RMB, areas in mu and hectares, day counts and head counts.
//! None can be negative; each is built by one fallible constructor.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Localized;

/// Why a number is not an acceptable quantity.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum QuantityError {
    /// Below zero; holds the value given (in yuan for money).
    #[error("must not be negative (got {0})")]
    Negative(f64),
    /// NaN or infinite.
    #[error("must be a finite number")]
    NotFinite,
    /// Above the quantity's bound: far beyond a real figure, so most likely a typing slip.
    #[error("must be at most {max} (got {got})")]
    TooLarge {
        /// The largest value the quantity accepts.
        max: f64,
        /// The value given.
        got: f64,
    },
    /// A fraction where a count is expected; holds the value given.
    #[error("must be a whole number (got {0})")]
    NotWhole(f64),
}

impl Localized for QuantityError {
    fn zh(&self) -> String {
        match self {
            QuantityError::Negative(v) => format!("不能为负数（填写了 {v}）"),
            QuantityError::NotFinite => "必须是有效数字".to_owned(),
            QuantityError::TooLarge { max, got } => format!("不能超过 {max}（填写了 {got}）"),
            QuantityError::NotWhole(v) => format!("必须是整数（填写了 {v}）"),
        }
    }

    fn en(&self) -> String {
        self.to_string()
    }
}

fn non_negative(value: f64) -> Result<f64, QuantityError> {
    if !value.is_finite() {
        Err(QuantityError::NotFinite)
    } else if value < 0.0 {
        Err(QuantityError::Negative(value))
    } else {
        Ok(value)
    }
}

/// Money in RMB, kept exactly as whole fen (分).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(try_from = "f64", into = "f64")]
pub struct Rmb(i64);

impl Rmb {
    /// Nothing: 0 fen.
    pub const ZERO: Rmb = Rmb(0);
    /// 100 billion yuan: beyond any household's figure, well inside i64 fen.
    const MAX_YUAN: f64 = 1e11;

    /// From yuan (rounded to the fen).
    pub fn from_yuan(yuan: f64) -> Result<Rmb, QuantityError> {
        let yuan = non_negative(yuan)?;
        if yuan > Self::MAX_YUAN {
            return Err(QuantityError::TooLarge {
                max: Self::MAX_YUAN,
                got: yuan,
            });
        }
        Ok(Rmb((yuan * 100.0).round() as i64))
    }

    /// From whole fen (1 yuan = 100 fen), exactly; fails only when negative.
    pub fn from_fen(fen: i64) -> Result<Rmb, QuantityError> {
        if fen < 0 {
            Err(QuantityError::Negative(fen as f64 / 100.0))
        } else {
            Ok(Rmb(fen))
        }
    }

    /// The amount in whole fen, exact: what storage and the indicator engine add up.
    pub fn fen(self) -> i64 {
        self.0
    }

    /// The amount in yuan, for display and the wire (serde writes yuan as a number).
    pub fn yuan(self) -> f64 {
        self.0 as f64 / 100.0
    }

    /// The sum, capped at `i64::MAX` fen instead of overflowing.
    pub fn saturating_add(self, other: Rmb) -> Rmb {
        Rmb(self.0.saturating_add(other.0))
    }
}

impl fmt::Display for Rmb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

impl TryFrom<f64> for Rmb {
    type Error = QuantityError;
    fn try_from(yuan: f64) -> Result<Self, Self::Error> {
        Rmb::from_yuan(yuan)
    }
}

impl From<Rmb> for f64 {
    fn from(value: Rmb) -> f64 {
        value.yuan()
    }
}

macro_rules! area {
    ($name:ident, $unit:literal, $max:expr) => {
        #[doc = concat!("An area in ", $unit, ", finite and not negative.")]
        #[derive(Debug, Clone, Copy, Default, PartialEq, PartialOrd, Serialize, Deserialize)]
        #[serde(try_from = "f64", into = "f64")]
        pub struct $name(f64);

        impl $name {
            /// The largest area accepted, in the same unit: far beyond one household or one plot,
            /// so that a larger figure is caught as a typing slip.
            pub const MAX: f64 = $max;

            /// The area, if it is finite, not negative and at most [`Self::MAX`].
            pub fn new(value: f64) -> Result<$name, QuantityError> {
                let value = non_negative(value)?;
                if value > Self::MAX {
                    return Err(QuantityError::TooLarge {
                        max: Self::MAX,
                        got: value,
                    });
                }
                Ok($name(value))
            }

            /// The area as a number, in the type's unit.
            pub fn get(self) -> f64 {
                self.0
            }
        }

        impl TryFrom<f64> for $name {
            type Error = QuantityError;
            fn try_from(value: f64) -> Result<Self, Self::Error> {
                $name::new(value)
            }
        }

        impl From<$name> for f64 {
            fn from(value: $name) -> f64 {
                value.0
            }
        }
    };
}

// 1 mu = 1/15 ha. Bounds are far beyond one household or one plot, to catch typing slips.
area!(Mu, "mu (亩)", 100_000.0);
area!(Hectares, "hectares (公顷)", 100_000.0);

/// Days of work or training in one wave; a year has at most 366.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(try_from = "i64", into = "i64")]
pub struct Days(u16);

impl Days {
    /// The most days in one wave: a leap year's.
    pub const MAX: u16 = 366;

    /// The count, if it is 0 to [`Days::MAX`].
    pub fn new(days: i64) -> Result<Days, QuantityError> {
        if days < 0 {
            Err(QuantityError::Negative(days as f64))
        } else if days > i64::from(Self::MAX) {
            Err(QuantityError::TooLarge {
                max: f64::from(Self::MAX),
                got: days as f64,
            })
        } else {
            Ok(Days(days as u16))
        }
    }

    /// The number of days.
    pub fn get(self) -> u16 {
        self.0
    }
}

impl TryFrom<i64> for Days {
    type Error = QuantityError;
    fn try_from(value: i64) -> Result<Self, Self::Error> {
        Days::new(value)
    }
}

impl From<Days> for i64 {
    fn from(value: Days) -> i64 {
        i64::from(value.0)
    }
}

/// A count of animals (or people); never negative.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(try_from = "i64", into = "i64")]
pub struct Heads(u32);

impl Heads {
    /// The largest count accepted (a million): anything above is a typing slip.
    pub const MAX: u32 = 1_000_000;

    /// The count, if it is 0 to [`Heads::MAX`].
    pub fn new(count: i64) -> Result<Heads, QuantityError> {
        if count < 0 {
            Err(QuantityError::Negative(count as f64))
        } else if count > i64::from(Self::MAX) {
            Err(QuantityError::TooLarge {
                max: f64::from(Self::MAX),
                got: count as f64,
            })
        } else {
            Ok(Heads(count as u32))
        }
    }

    /// The number of heads.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl TryFrom<i64> for Heads {
    type Error = QuantityError;
    fn try_from(value: i64) -> Result<Self, Self::Error> {
        Heads::new(value)
    }
}

impl From<Heads> for i64 {
    fn from(value: Heads) -> i64 {
        i64::from(value.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_exact_in_fen() {
        let a = Rmb::from_yuan(0.1).expect("ok");
        let b = Rmb::from_yuan(0.2).expect("ok");
        assert_eq!(a.saturating_add(b), Rmb::from_yuan(0.3).expect("ok"));
        assert_eq!(Rmb::from_yuan(2995.0).expect("ok").to_string(), "2995.00");
        assert_eq!(Rmb::from_fen(123_456).expect("ok").to_string(), "1234.56");
        assert_eq!(Rmb::from_yuan(-1.0), Err(QuantityError::Negative(-1.0)));
        assert_eq!(Rmb::from_yuan(f64::NAN), Err(QuantityError::NotFinite));
        assert!(Rmb::from_fen(-5).is_err());
    }

    #[test]
    fn areas_days_and_heads_refuse_impossible_values() {
        assert_eq!(Mu::new(-0.5), Err(QuantityError::Negative(-0.5)));
        assert_eq!(Mu::new(12.5).expect("ok").get(), 12.5);
        assert!(Hectares::new(f64::INFINITY).is_err());
        assert_eq!(Days::new(366).expect("ok").get(), 366);
        assert_eq!(
            Days::new(367),
            Err(QuantityError::TooLarge {
                max: 366.0,
                got: 367.0
            })
        );
        assert_eq!(Heads::new(-1), Err(QuantityError::Negative(-1.0)));
        assert_eq!(
            QuantityError::Negative(-2.0).zh(),
            "不能为负数（填写了 -2）"
        );
    }
}

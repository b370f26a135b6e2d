//! Administrative unit codes: the official statistical codes that identify every place.
//!
//! Liangshan prefecture is `513400`, its counties are 6 digits (`513431` Zhaojue), townships
//! add 3 digits (`513434100` 越城镇) and villages 3 more (12 digits). A code's level follows from
//! its length, and its parent from its prefix — so a code alone says where it sits.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Localized;

/// Where a unit sits in the hierarchy, top first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitLevel {
    /// A prefecture (州): 6 digits ending in `00`, e.g. `513400` Liangshan.
    Prefecture,
    /// A county (县): 6 digits not ending in `00`.
    County,
    /// A township (乡镇): 9 digits.
    Township,
    /// A village (村): 12 digits.
    Village,
}

impl UnitLevel {
    /// The snake-case code (`prefecture`, `county`, …): the serde form and the English label.
    pub fn as_str(self) -> &'static str {
        match self {
            UnitLevel::Prefecture => "prefecture",
            UnitLevel::County => "county",
            UnitLevel::Township => "township",
            UnitLevel::Village => "village",
        }
    }

    /// The level with this code (exactly as [`UnitLevel::as_str`] writes it), or `None`.
    pub fn parse(text: &str) -> Option<UnitLevel> {
        [
            UnitLevel::Prefecture,
            UnitLevel::County,
            UnitLevel::Township,
            UnitLevel::Village,
        ]
        .into_iter()
        .find(|level| level.as_str() == text)
    }
}

impl Localized for UnitLevel {
    fn zh(&self) -> String {
        match self {
            UnitLevel::Prefecture => "州",
            UnitLevel::County => "县",
            UnitLevel::Township => "乡镇",
            UnitLevel::Village => "村",
        }
        .to_owned()
    }

    fn en(&self) -> String {
        self.as_str().to_owned()
    }
}

/// Why a text is not a unit code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnitCodeError {
    /// Empty, or containing something other than digits; holds the (trimmed) text.
    #[error("a unit code has only digits: {0:?}")]
    NotDigits(String),
    /// Digits, but not 6, 9 or 12 of them; holds the number of digits.
    #[error("a unit code has 6, 9 or 12 digits, not {0}")]
    BadLength(usize),
    /// A 6-digit code that cannot name a prefecture or county (it starts with `00`).
    #[error("a 6-digit code names a prefecture or county and cannot start with 00: {0}")]
    BadPrefectureCounty(String),
}

impl Localized for UnitCodeError {
    fn zh(&self) -> String {
        match self {
            UnitCodeError::NotDigits(_) => "行政区划代码只能包含数字".to_owned(),
            UnitCodeError::BadLength(n) => format!("行政区划代码应为6、9或12位数字，而不是{n}位"),
            UnitCodeError::BadPrefectureCounty(code) => {
                format!("行政区划代码 {code} 无效：6 位的州、县代码不能以 00 开头")
            }
        }
    }

    fn en(&self) -> String {
        self.to_string()
    }
}

/// A valid administrative unit code.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UnitCode(String);

/// Liangshan Yi Autonomous Prefecture (凉山彝族自治州), the root of every unit the programme
/// covers and the one prefecture every deployment monitors.
pub const PREFECTURE_CODE: &str = "513400";

impl UnitCode {
    /// The prefecture the programme covers ([`PREFECTURE_CODE`]).
    pub fn prefecture() -> UnitCode {
        UnitCode(PREFECTURE_CODE.to_owned())
    }

    /// Accepts 6, 9 or 12 digits, surrounding whitespace ignored. Whether such a unit exists is
    /// the database's business, not checked here.
    pub fn parse(text: &str) -> Result<UnitCode, UnitCodeError> {
        let text = text.trim();
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(UnitCodeError::NotDigits(text.to_owned()));
        }
        match text.len() {
            6 | 9 | 12 => {}
            n => return Err(UnitCodeError::BadLength(n)),
        }
        if text.len() == 6 && text.starts_with("00") {
            return Err(UnitCodeError::BadPrefectureCounty(text.to_owned()));
        }
        Ok(UnitCode(text.to_owned()))
    }

    /// The code's digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The level, from the code's length (and a trailing `00` for a prefecture).
    pub fn level(&self) -> UnitLevel {
        match self.0.len() {
            6 if self.0.ends_with("00") => UnitLevel::Prefecture,
            6 => UnitLevel::County,
            9 => UnitLevel::Township,
            _ => UnitLevel::Village,
        }
    }

    /// The unit this one belongs to; `None` for a prefecture.
    pub fn parent(&self) -> Option<UnitCode> {
        match self.level() {
            UnitLevel::Prefecture => None,
            UnitLevel::County => Some(UnitCode(format!("{}00", &self.0[..4]))),
            UnitLevel::Township => Some(UnitCode(self.0[..6].to_owned())),
            UnitLevel::Village => Some(UnitCode(self.0[..9].to_owned())),
        }
    }

    /// Whether `other` is this unit or lies inside it.
    pub fn contains(&self, other: &UnitCode) -> bool {
        match self.level() {
            UnitLevel::Prefecture => other.0.starts_with(&self.0[..4]),
            _ => other.0.starts_with(&self.0),
        }
    }
}

impl fmt::Display for UnitCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for UnitCode {
    type Error = UnitCodeError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        UnitCode::parse(&value)
    }
}

impl From<UnitCode> for String {
    fn from(code: UnitCode) -> String {
        code.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn code(text: &str) -> UnitCode {
        UnitCode::parse(text).expect("valid code in test")
    }

    #[test]
    fn levels_follow_from_length() {
        assert_eq!(code("513400").level(), UnitLevel::Prefecture);
        assert_eq!(code("513434").level(), UnitLevel::County);
        assert_eq!(code("513434100").level(), UnitLevel::Township);
        assert_eq!(code("513434100201").level(), UnitLevel::Village);
    }

    #[test]
    fn the_programme_prefecture_is_a_valid_prefecture_code() {
        let code = UnitCode::prefecture();
        assert_eq!(UnitCode::parse(super::PREFECTURE_CODE), Ok(code.clone()));
        assert_eq!(code.level(), UnitLevel::Prefecture);
    }

    #[test]
    fn parents_walk_up_to_the_prefecture() {
        let village = code("513434100201");
        let township = village.parent().expect("village has a parent");
        assert_eq!(township.as_str(), "513434100");
        let county = township.parent().expect("township has a parent");
        assert_eq!(county.as_str(), "513434");
        let prefecture = county.parent().expect("county has a parent");
        assert_eq!(prefecture.as_str(), "513400");
        assert_eq!(prefecture.parent(), None);
    }

    #[test]
    fn containment() {
        let liangshan = code("513400");
        let yuexi = code("513434");
        let zhaojue_village = code("513431101003");
        assert!(liangshan.contains(&yuexi));
        assert!(liangshan.contains(&zhaojue_village));
        assert!(!yuexi.contains(&zhaojue_village));
        assert!(yuexi.contains(&yuexi));
        assert!(!liangshan.contains(&code("510100")));
    }

    #[test]
    fn bad_codes_are_refused_with_a_reason_in_both_languages() {
        assert_eq!(UnitCode::parse("51343"), Err(UnitCodeError::BadLength(5)));
        assert_eq!(
            UnitCode::parse("5134x4"),
            Err(UnitCodeError::NotDigits("5134x4".into()))
        );
        assert_eq!(
            UnitCode::parse(""),
            Err(UnitCodeError::NotDigits(String::new()))
        );
        let err = UnitCode::parse("001234").expect_err("starts with 00");
        assert!(matches!(err, UnitCodeError::BadPrefectureCounty(_)));
        assert!(err.zh().contains("不能以 00 开头"), "{}", err.zh());
        assert!(err.en().contains("cannot start with 00"), "{}", err.en());
        let err = UnitCode::parse("12345678").expect_err("8 digits");
        assert_eq!(err.zh(), "行政区划代码应为6、9或12位数字，而不是8位");
        assert_eq!(err.en(), "a unit code has 6, 9 or 12 digits, not 8");
    }

    #[test]
    fn try_from_string_goes_through_the_constructor() {
        let ok = UnitCode::try_from(" 513437 ".to_owned()).expect("valid");
        assert_eq!(ok.as_str(), "513437");
        assert_eq!(
            UnitCode::try_from("99".to_owned()),
            Err(UnitCodeError::BadLength(2))
        );
        assert_eq!(String::from(ok), "513437");
    }

    proptest! {
        #[test]
        fn every_ancestor_contains_its_descendant(digits in "[1-9][0-9]{3}[0-9][1-9][0-9]{6}") {
            let village = code(&digits);
            let mut cursor = village.parent();
            while let Some(ancestor) = cursor {
                prop_assert!(ancestor.contains(&village));
                prop_assert!(ancestor.level() < village.level());
                cursor = ancestor.parent();
            }
        }
    }
}

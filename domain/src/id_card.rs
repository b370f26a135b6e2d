//! Resident ID-card numbers (居民身份证号码, GB 11643-1999): 18 characters, a 6-digit address
//! code, an 8-digit birth date, a 3-digit sequence (odd for men) and an ISO 7064 MOD 11-2
//! check character (`0`–`9` or `X`). Personal data: shown masked outside scope.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Localized, Sex};

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: [u8; 11] = *b"10X98765432";

/// Why a text is not a valid ID-card number; shown to the enumerator in both languages
/// (via [`Localized`]) so the number can be re-read from the card.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdCardError {
    /// Not 18 characters long; holds the number of characters found.
    #[error("an ID-card number has 18 characters, not {0}")]
    BadLength(usize),
    /// Something other than 17 digits followed by a digit or `X`.
    #[error("an ID-card number has 17 digits followed by a digit or X")]
    BadCharacters,
    /// Characters 7–14 are not a real date (or lie before 1880); holds it as `YYYY-MM-DD`.
    #[error("the birth date {0} inside the ID-card number is not a real date")]
    BadBirthDate(String),
    /// The check character does not match the first 17 digits: a typing error.
    #[error("the check character should be {expected}, not {found}: the number was mistyped")]
    BadChecksum {
        /// The check character the first 17 digits call for.
        expected: char,
        /// The 18th character as typed.
        found: char,
    },
}

impl Localized for IdCardError {
    fn zh(&self) -> String {
        match self {
            IdCardError::BadLength(n) => format!("身份证号应为18位，而不是{n}位"),
            IdCardError::BadCharacters => "身份证号应为17位数字加1位数字或X".to_owned(),
            IdCardError::BadBirthDate(date) => format!("身份证号中的出生日期 {date} 不是有效日期"),
            IdCardError::BadChecksum { expected, found } => {
                format!("身份证号校验位应为 {expected}，而不是 {found}，请核对是否录入有误")
            }
        }
    }

    fn en(&self) -> String {
        self.to_string()
    }
}

/// The ISO 7064 MOD 11-2 check character for the first 17 digits.
pub fn check_char(first17: &[u8; 17]) -> char {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    char::from(CHECK_CHARS[(sum % 11) as usize])
}

/// A verified 18-character ID-card number (upper-case X).
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IdCardNumber(String);

impl IdCardNumber {
    /// Checks length, characters, the embedded birth date and the check character; surrounding
    /// whitespace is ignored and a lower-case `x` accepted.
    pub fn parse(text: &str) -> Result<IdCardNumber, IdCardError> {
        let text = text.trim().to_ascii_uppercase();
        let bytes = text.as_bytes();
        if bytes.len() != 18 {
            return Err(IdCardError::BadLength(text.chars().count()));
        }
        let first17: [u8; 17] = bytes[..17]
            .try_into()
            .map_err(|_| IdCardError::BadCharacters)?;
        if !first17.iter().all(u8::is_ascii_digit)
            || !(bytes[17].is_ascii_digit() || bytes[17] == b'X')
        {
            return Err(IdCardError::BadCharacters);
        }
        let (year, month, day) = birth_parts(&text);
        if !crate::date::is_valid_date(year, month, day) || year < 1880 {
            return Err(IdCardError::BadBirthDate(format!(
                "{year:04}-{month:02}-{day:02}"
            )));
        }
        let expected = check_char(&first17);
        let found = char::from(bytes[17]);
        if expected != found {
            return Err(IdCardError::BadChecksum { expected, found });
        }
        Ok(IdCardNumber(text))
    }

    /// The full 18-character number: personal data, to be masked for anyone out of scope.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The year of birth (characters 7–10).
    pub fn birth_year(&self) -> i32 {
        birth_parts(&self.0).0
    }

    /// (year, month, day) of birth.
    pub fn birth_date(&self) -> (i32, u32, u32) {
        birth_parts(&self.0)
    }

    /// The sex recorded in the sequence number: odd for male, even for female.
    pub fn sex(&self) -> Sex {
        if (self.0.as_bytes()[16] - b'0') % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// For people outside the household's scope: `513431**********1234`.
    pub fn masked(&self) -> String {
        format!("{}{}{}", &self.0[..4], "*".repeat(10), &self.0[14..])
    }
}

/// Never prints the full number, so it cannot leak into logs through `{:?}`.
impl fmt::Debug for IdCardNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdCardNumber({})", self.masked())
    }
}

fn birth_parts(text: &str) -> (i32, u32, u32) {
    let num = |range: std::ops::Range<usize>| text[range].parse::<u32>().unwrap_or(0);
    (num(6..10) as i32, num(10..12), num(12..14))
}

impl TryFrom<String> for IdCardNumber {
    type Error = IdCardError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        IdCardNumber::parse(&value)
    }
}

impl From<IdCardNumber> for String {
    fn from(id: IdCardNumber) -> String {
        id.0
    }
}

/// Builds a valid number from its parts (demo data, tests).
pub fn compose(
    address: &str,
    year: i32,
    month: u32,
    day: u32,
    sequence: u32,
) -> Result<IdCardNumber, IdCardError> {
    let first17 = format!("{address:0>6.6}{year:04}{month:02}{day:02}{sequence:03}");
    let bytes: [u8; 17] = first17
        .as_bytes()
        .try_into()
        .map_err(|_| IdCardError::BadCharacters)?;
    IdCardNumber::parse(&format!("{first17}{}", check_char(&bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // Worked example from GB 11643-1999: 11010519491231002X.
    #[test]
    fn the_standards_example_is_valid() {
        let id = IdCardNumber::parse("11010519491231002x").expect("valid");
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(id.birth_date(), (1949, 12, 31));
        assert_eq!(id.sex(), Sex::Female);
        assert_eq!(id.masked(), "1101**********002X");
        assert_eq!(format!("{id:?}"), "IdCardNumber(1101**********002X)");
    }

    #[test]
    fn hand_computed_check_digit() {
        // 51343119800101001: weighted sum 5*7+1*9+3*10+4*5+3*8+1*4+1*2+9*1+8*6+0*3
        // +0*7+1*9+0*10+1*5+0*8+0*4+1*2 = 197; 197 mod 11 = 10 → check char '2'.
        let first17: [u8; 17] = *b"51343119800101001";
        assert_eq!(check_char(&first17), '2');
        assert!(IdCardNumber::parse("513431198001010012").is_ok());
    }

    #[test]
    fn every_mistake_has_its_own_message() {
        assert_eq!(
            IdCardNumber::parse("5134311980"),
            Err(IdCardError::BadLength(10))
        );
        assert_eq!(
            IdCardNumber::parse("51343119800101001Y"),
            Err(IdCardError::BadCharacters)
        );
        assert_eq!(
            IdCardNumber::parse("513431198002300010"),
            Err(IdCardError::BadBirthDate("1980-02-30".into()))
        );
        let err = IdCardNumber::parse("513431198001010011").expect_err("bad checksum");
        assert_eq!(
            err,
            IdCardError::BadChecksum {
                expected: '2',
                found: '1'
            }
        );
        assert_eq!(
            err.zh(),
            "身份证号校验位应为 2，而不是 1，请核对是否录入有误"
        );
    }

    proptest! {
        #[test]
        fn composed_numbers_parse_and_one_changed_digit_is_caught(
            year in 1900i32..2020, month in 1u32..=12, day in 1u32..=28, seq in 0u32..1000, pos in 0usize..17, delta in 1u8..10,
        ) {
            let id = compose("513434", year, month, day, seq).expect("valid parts");
            prop_assert_eq!(id.birth_date(), (year, month, day));
            let mut bytes = id.as_str().as_bytes().to_vec();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let mistyped = String::from_utf8(bytes).expect("ascii");
            prop_assert!(IdCardNumber::parse(&mistyped).is_err());
        }
    }
}

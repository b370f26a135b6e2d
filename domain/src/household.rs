//! Households, their members and the places they live in.

use serde::{Deserialize, Serialize};

use crate::{
    Date, Education, EngagementModel, Ethnicity, Health, IdCardNumber, LabourAbility, PovertyCause,
    PovertyRegistration, RecordId, Relation, Sex, UnitCode,
};

/// An administrative unit with its validity (Liangshan merged many townships and villages in
/// 2019–2021). Level and parent follow from the code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminUnit {
    pub code: UnitCode,
    pub name_zh: String,
    pub name_pinyin: String,
    pub valid_from: Option<Date>,
    pub valid_to: Option<Date>,
    /// Made up for demo data; never mistaken for a real place.
    pub synthetic: bool,
}

/// A mobile phone number: 11 digits starting with 1. Personal data.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a mobile number has 11 digits and starts with 1")]
pub struct PhoneError;

impl Phone {
    pub fn parse(text: &str) -> Result<Phone, PhoneError> {
        let digits: String = text.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        if digits.len() == 11
            && digits.starts_with('1')
            && digits.bytes().all(|b| b.is_ascii_digit())
        {
            Ok(Phone(digits))
        } else {
            Err(PhoneError)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn masked(&self) -> String {
        format!("{}****{}", &self.0[..3], &self.0[7..])
    }
}

impl std::fmt::Debug for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

impl TryFrom<String> for Phone {
    type Error = PhoneError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Phone::parse(&value)
    }
}

impl From<Phone> for String {
    fn from(phone: Phone) -> String {
        phone.0
    }
}

/// A registered household. `head_name`, `head_id_card` and `phone` are personal data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Household {
    pub id: RecordId,
    pub village: UnitCode,
    /// The village's own registry number (户编号).
    pub registry_no: String,
    pub head_name: String,
    pub head_id_card: IdCardNumber,
    pub phone: Option<Phone>,
    pub head_sex: Sex,
    pub head_ethnicity: Ethnicity,
    pub poverty_registration: PovertyRegistration,
    pub poverty_cause: Option<PovertyCause>,
    /// Year registered as poor (建档立卡年份), for registered households.
    pub registration_year: Option<i32>,
    /// Year the household exited poverty (脱贫年份), if it has.
    pub exit_year: Option<i32>,
    pub model: EngagementModel,
    pub enrolment_date: Option<Date>,
}

/// One person on a household's roster in one wave. `no` numbers members from 1 within the
/// survey; employment and training rows refer to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub no: u8,
    pub sex: Sex,
    pub birth_year: i32,
    pub relation: Relation,
    pub ethnicity: Ethnicity,
    pub education: Education,
    pub health: Health,
    pub labour: LabourAbility,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_eleven_digits_and_masked() {
        let phone = Phone::parse("138-0000 1234").expect("valid");
        assert_eq!(phone.as_str(), "13800001234");
        assert_eq!(phone.masked(), "138****1234");
        assert_eq!(format!("{phone:?}"), "Phone(138****1234)");
        assert_eq!(Phone::parse("2380000123"), Err(PhoneError));
        assert_eq!(Phone::parse("23800001234"), Err(PhoneError));
    }
}

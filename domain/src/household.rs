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
    /// The 12-digit statistical code; it fixes the unit's level and parent.
    pub code: UnitCode,
    /// The official Chinese name.
    pub name_zh: String,
    /// The name in pinyin, for English pages; may be empty.
    pub name_pinyin: String,
    /// The name in Nuosu Yi (ꆈꌠꁱꂷ); may be empty.
    pub name_ii: String,
    /// When the unit came into being; `None` if it existed before the programme.
    pub valid_from: Option<Date>,
    /// When the unit ceased to exist (merged into another); `None` while it still does.
    pub valid_to: Option<Date>,
    /// The unit it merged into: from the first wave after `valid_to`, its households count
    /// under this one.
    pub successor: Option<UnitCode>,
    /// Made up for demo data; never mistaken for a real place.
    pub synthetic: bool,
}

/// A mobile phone number: 11 digits starting with 1. Personal data.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

/// A text that is not an 11-digit mobile number starting with 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a mobile number has 11 digits and starts with 1")]
pub struct PhoneError;

impl Phone {
    /// Accepts the digits with any spaces and hyphens between them (`138-0000 1234`) and keeps
    /// the 11 digits alone.
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

    /// The 11 digits in full: personal data, only for roles whose scope covers the household.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number with its middle four digits hidden (`138****1234`), for everyone else and
    /// for logs.
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

/// A registered household. `head_name`, `head_id_card` and `phone` are personal data; once a
/// household that left the programme is past the retention period they are erased (the name
/// and registry number become empty, the ID-card number and phone `None`) and the household
/// stays on record for the statistics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Household {
    /// The household's id, assigned by the server at registration.
    pub id: RecordId,
    /// The village the household lives in (a village-level code).
    pub village: UnitCode,
    /// The village's own registry number (户编号).
    pub registry_no: String,
    /// The household head's name: personal data.
    pub head_name: String,
    /// The head's resident ID-card number: personal data, and unique across households;
    /// `None` once the household's personal data were erased.
    pub head_id_card: Option<IdCardNumber>,
    /// A contact mobile number, if the household gave one: personal data.
    pub phone: Option<Phone>,
    /// The household head's sex.
    pub head_sex: Sex,
    /// The household head's ethnic group.
    pub head_ethnicity: Ethnicity,
    /// Whether and how the household is registered poor (建档立卡).
    pub poverty_registration: PovertyRegistration,
    /// The main cause of poverty (致贫原因), if one was recorded.
    pub poverty_cause: Option<PovertyCause>,
    /// Year registered as poor (建档立卡年份), for registered households.
    pub registration_year: Option<i32>,
    /// Year the household exited poverty (脱贫年份), if it has.
    pub exit_year: Option<i32>,
    /// How the household takes part in the programme, or `Comparison` if it does not.
    pub model: EngagementModel,
    /// When the household joined the programme; `None` for comparison households.
    pub enrolment_date: Option<Date>,
}

impl Household {
    /// Whether the household's personal data were erased (it left the programme and is past
    /// the retention period).
    pub fn is_erased(&self) -> bool {
        self.head_id_card.is_none()
    }

    /// The head's ID-card number, empty once erased.
    pub fn id_card_text(&self) -> &str {
        self.head_id_card.as_ref().map_or("", IdCardNumber::as_str)
    }

    /// The head's ID-card number masked for display, empty once erased.
    pub fn id_card_masked(&self) -> String {
        self.head_id_card
            .as_ref()
            .map(IdCardNumber::masked)
            .unwrap_or_default()
    }
}

/// A person of the household registry. The id is the person's for good: it stays the same
/// across waves, corrections and re-imports; someone who leaves the household stays on record,
/// inactive. `name` and `id_card` are personal data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Person {
    /// The person's stable id, assigned by the server.
    pub id: RecordId,
    /// The household the person belongs to.
    pub household: RecordId,
    /// Where the person stands in the registry's list, from 1 (the head first, usually).
    pub position: u32,
    /// The person's name: personal data.
    pub name: String,
    /// The resident ID-card number, where the registry has one: personal data.
    pub id_card: Option<IdCardNumber>,
    /// The person's sex.
    pub sex: Sex,
    /// The year of birth.
    pub birth_year: i32,
    /// How the person is related to the household head.
    pub relation: Relation,
    /// The person's ethnic group.
    pub ethnicity: Ethnicity,
    /// Still a member of the household (false once the registry no longer lists them).
    pub active: bool,
}

/// One person on a household's roster in one wave. `no` numbers members from 1 within the
/// survey; employment and training rows refer to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// The member's number in this survey's roster, from 1.
    pub no: u8,
    /// The member's sex.
    pub sex: Sex,
    /// The year of birth; validation keeps it no later than the survey's wave year.
    pub birth_year: i32,
    /// How the member is related to the household head.
    pub relation: Relation,
    /// The member's ethnic group.
    pub ethnicity: Ethnicity,
    /// The highest schooling the member has reached.
    pub education: Education,
    /// The member's health.
    pub health: Health,
    /// The member's ability to work.
    pub labour: LabourAbility,
    /// The registry person this roster line is ([`Person::id`]), once linked: the same
    /// person keeps the same id in every wave ([`crate::roster::link`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<RecordId>,
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

//! Calendar helpers that need no clock (the domain never asks what time it is).

pub fn is_leap_year(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

pub fn days_in_year(year: i32) -> u32 {
    if is_leap_year(year) {
        366
    } else {
        365
    }
}

pub fn is_valid_date(year: i32, month: u32, day: u32) -> bool {
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leap_years_and_dates() {
        assert!(
            is_leap_year(2020) && is_leap_year(2000) && !is_leap_year(1900) && !is_leap_year(2021)
        );
        assert!(is_valid_date(2020, 2, 29) && !is_valid_date(2021, 2, 29));
        assert!(
            !is_valid_date(2021, 4, 31)
                && !is_valid_date(2021, 13, 1)
                && !is_valid_date(2021, 1, 0)
        );
        assert_eq!(days_in_year(2020), 366);
    }
}

/// A calendar date (validity of units, enrolment), `YYYY-MM-DD` on the wire and in storage.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, thiserror::Error)]
#[error("not a date in the form YYYY-MM-DD: {0:?}")]
pub struct DateError(pub String);

impl Date {
    pub fn new(year: i32, month: u32, day: u32) -> Result<Date, DateError> {
        if (1000..=9999).contains(&year) && is_valid_date(year, month, day) {
            Ok(Date { year, month, day })
        } else {
            Err(DateError(format!("{year:04}-{month:02}-{day:02}")))
        }
    }

    pub fn parse(text: &str) -> Result<Date, DateError> {
        let bad = || DateError(text.to_owned());
        let mut parts = text.trim().splitn(3, '-');
        let mut next = || parts.next().ok_or_else(bad);
        let (y, m, d) = (next()?, next()?, next()?);
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return Err(bad());
        }
        let year = y.parse().map_err(|_| bad())?;
        let month = m.parse().map_err(|_| bad())?;
        let day = d.parse().map_err(|_| bad())?;
        Date::new(year, month, day).map_err(|_| bad())
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl TryFrom<String> for Date {
    type Error = DateError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Date::parse(&value)
    }
}

impl From<Date> for String {
    fn from(date: Date) -> String {
        date.to_string()
    }
}

#[cfg(test)]
mod date_tests {
    use super::*;

    #[test]
    fn parse_and_print() {
        let date = Date::parse("2019-02-28").expect("valid");
        assert_eq!(date.to_string(), "2019-02-28");
        assert!(Date::parse("2019-02-29").is_err());
        assert!(Date::parse("2019-2-28").is_err());
        assert!(Date::parse("2019/02/28").is_err());
        assert!(Date::new(2019, 1, 2) < Date::new(2019, 2, 1));
    }
}

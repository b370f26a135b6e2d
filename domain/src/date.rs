//! Calendar helpers that need no clock (the domain never asks what time it is).

/// Whether `year` has a 29 February in the Gregorian calendar.
pub fn is_leap_year(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// The number of days in `year`: 365, or 366 in a leap year.
pub fn days_in_year(year: i32) -> u32 {
    if is_leap_year(year) {
        366
    } else {
        365
    }
}

/// Whether `month` is 1–12 and `day` exists in that month of `year`.
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
    /// Four-digit year (1000–9999 when built by [`Date::new`] or [`Date::parse`]).
    pub year: i32,
    /// Month, 1–12.
    pub month: u32,
    /// Day of the month, 1–31 (valid for the month and year).
    pub day: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, thiserror::Error)]
#[error("not a date in the form YYYY-MM-DD: {0:?}")]
/// A text or parts that are not a valid `YYYY-MM-DD` date; holds the offending text.
pub struct DateError(pub String);

impl Date {
    /// A date from its parts; fails unless the year has four digits and the day exists.
    pub fn new(year: i32, month: u32, day: u32) -> Result<Date, DateError> {
        if (1000..=9999).contains(&year) && is_valid_date(year, month, day) {
            Ok(Date { year, month, day })
        } else {
            Err(DateError(format!("{year:04}-{month:02}-{day:02}")))
        }
    }

    /// Reads exactly `YYYY-MM-DD` (zero-padded, surrounding whitespace ignored), the form
    /// [`Date`] has on the wire, in storage and in HTML date inputs.
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

/// China Standard Time is UTC+8 all year (no daylight saving): stored instants are Unix
/// milliseconds and shown in this zone.
const CHINA_OFFSET_MS: i64 = 8 * 3600 * 1000;
const DAY_MS: i64 = 86_400_000;

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i32, month: u32, day: u32) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
    (year, month, day)
}

impl Date {
    /// The instant this date begins in China, in Unix milliseconds.
    pub fn start_in_china_ms(self) -> i64 {
        days_from_civil(self.year, self.month, self.day) * DAY_MS - CHINA_OFFSET_MS
    }

    /// The date in China at a Unix-milliseconds instant.
    pub fn in_china_at(ms: i64) -> Date {
        let (year, month, day) = civil_from_days((ms + CHINA_OFFSET_MS).div_euclid(DAY_MS));
        Date { year, month, day }
    }

    /// The same day `years` years earlier (not before the year 1000); 29 February becomes
    /// the 28th in a common year.
    pub fn years_earlier(self, years: u32) -> Date {
        let years = i32::try_from(years)
            .unwrap_or(i32::MAX)
            .min(self.year - 1000);
        self.with_year(self.year - years)
    }

    /// The same day `years` years later (not after the year 9999); 29 February becomes the
    /// 28th in a common year.
    pub fn years_later(self, years: u32) -> Date {
        let years = i32::try_from(years)
            .unwrap_or(i32::MAX)
            .min(9999 - self.year);
        self.with_year(self.year + years)
    }

    fn with_year(self, year: i32) -> Date {
        let day = match is_valid_date(year, self.month, self.day) {
            true => self.day,
            false => 28,
        };
        Date {
            year,
            month: self.month,
            day,
        }
    }
}

/// `YYYY-MM-DD HH:MM:SS` in China time for a Unix-milliseconds instant.
pub fn format_china_time(ms: i64) -> String {
    let local = ms + CHINA_OFFSET_MS;
    let (year, month, day) = civil_from_days(local.div_euclid(DAY_MS));
    let secs = local.rem_euclid(DAY_MS) / 1000;
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

#[cfg(test)]
mod china_time_tests {
    use super::*;

    #[test]
    fn instants_show_in_china_time() {
        assert_eq!(format_china_time(0), "1970-01-01 08:00:00");
        // 2026-11-24T22:00:00Z is 06:00 the next morning in Beijing.
        assert_eq!(format_china_time(1_795_557_600_000), "2026-11-25 06:00:00");
        assert_eq!(format_china_time(951_782_400_000), "2000-02-29 08:00:00");
    }

    #[test]
    fn dates_in_china_and_years_earlier() {
        // 2026-11-24T22:00:00Z is already the 25th in Beijing.
        assert_eq!(
            Date::in_china_at(1_795_557_600_000).to_string(),
            "2026-11-25"
        );
        assert_eq!(Date::in_china_at(0).to_string(), "1970-01-01");
        let leap = Date::new(2024, 2, 29).expect("valid");
        assert_eq!(leap.years_earlier(5).to_string(), "2019-02-28");
        assert_eq!(leap.years_earlier(4).to_string(), "2020-02-29");
        let day = Date::new(2026, 12, 8).expect("valid");
        assert_eq!(day.years_earlier(0), day);
        assert_eq!(day.years_earlier(u32::MAX).to_string(), "1000-12-08");
        assert_eq!(leap.years_later(1).to_string(), "2025-02-28");
        assert_eq!(day.years_later(u32::MAX).to_string(), "9999-12-08");
    }

    #[test]
    fn a_date_starts_at_china_midnight() {
        let date = Date::new(2026, 11, 25).expect("valid");
        assert_eq!(date.start_in_china_ms(), 1_795_536_000_000);
        assert_eq!(
            format_china_time(date.start_in_china_ms()),
            "2026-11-25 00:00:00"
        );
        for days in [-1000_i64, 0, 59, 11_016, 20_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}

//! The ID-card parser on any text: whatever it accepts is 18 characters with a valid check
//! character, reads back to itself, and gives a birth year, a sex and a masked form.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(card) = domain::IdCardNumber::parse(text) {
        assert_eq!(card.as_str().len(), 18);
        let again = domain::IdCardNumber::parse(card.as_str()).expect("reads back");
        assert_eq!(again, card);
        let year = card.birth_year();
        assert!((1800..=9999).contains(&year), "{year}");
        let _ = card.sex();
        let masked = card.masked();
        assert_eq!(masked.chars().count(), 18);
        assert!(
            !masked.contains(&card.as_str()[6..14]),
            "the birth date is masked"
        );
    }
});

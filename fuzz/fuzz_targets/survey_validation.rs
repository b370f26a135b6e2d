//! Survey validation on any JSON a form or a file could send (started from real surveys):
//! never a panic; what it accepts, sent again as the form would show it, is accepted again
//! with the same answers, and the form's live income summary equals the stored one.
#![no_main]
use libfuzzer_sys::fuzz_target;

use domain::validate::{check_survey, SurveyInput};

fuzz_target!(|data: &[u8]| {
    let Ok(input) = serde_json::from_slice::<SurveyInput>(data) else {
        return;
    };
    for wave in [2016, 2025] {
        let Ok((answers, _warnings)) = check_survey(&input, wave) else {
            continue;
        };
        assert_eq!(input.income_parts(), answers.income_parts(), "live summary");
        let shown = SurveyInput::from(&answers);
        let (again, _) = check_survey(&shown, wave).expect("accepted again");
        assert_eq!(again, answers, "the same answers");
        let _ = answers.per_capita_net_income();
    }
});

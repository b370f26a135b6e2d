//! The query parameters the indicator endpoints share (`by`, `indicator`, lists of codes), read
//! once here so that the indicators API, the table export and the CLI accept and refuse the
//! same things with the same words.

use domain::engine::{find, Dim, IndicatorDef, CATALOGUE};
use domain::PovertyScheme;

use super::ApiError;

/// A comma-separated list, items trimmed, empty items dropped.
pub fn list(text: Option<&str>) -> Vec<String> {
    text.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `by`: up to two different household dimensions (none: the unit as a whole).
pub fn breakdown(text: Option<&str>) -> Result<Vec<Dim>, ApiError> {
    let by = list(text)
        .iter()
        .map(|d| {
            Dim::parse(d).ok_or_else(|| ApiError::BadParameter {
                field: "by",
                zh: format!(
                    "不能按“{d}”分组：可选 model、poverty_registration、head_sex、head_ethnicity"
                ),
                en: format!(
                    "by: {d:?} is not one of model, poverty_registration, head_sex, head_ethnicity"
                ),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if by.len() > 2 || (by.len() == 2 && by[0] == by[1]) {
        return Err(ApiError::BadParameter {
            field: "by",
            zh: "最多按两个不同维度分组".into(),
            en: "by: at most two different dimensions".into(),
        });
    }
    Ok(by)
}

/// `indicator`: catalogue ids (none: the whole catalogue, in its order).
pub fn indicators(text: Option<&str>) -> Result<Vec<&'static IndicatorDef>, ApiError> {
    match list(text) {
        ids if ids.is_empty() => Ok(CATALOGUE.iter().collect()),
        ids => ids
            .iter()
            .map(|id| {
                find(id).ok_or_else(|| ApiError::BadParameter {
                    field: "indicator",
                    zh: format!("没有编号为“{id}”的指标"),
                    en: format!("indicator: no indicator {id:?}"),
                })
            })
            .collect(),
    }
}

/// `scheme`: the poverty-line scheme the line-dependent indicators are counted against
/// (none: `national`).
pub fn scheme(text: Option<&str>) -> Result<PovertyScheme, ApiError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(PovertyScheme::National),
        Some(code) => PovertyScheme::parse(code).ok_or_else(|| ApiError::BadParameter {
            field: "scheme",
            zh: format!("没有“{code}”这种贫困线标准：可选 national（国家标准）、provincial（四川省退出标准）"),
            en: format!("scheme: {code:?} is not one of national, provincial"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_breakdowns_and_indicators_are_read_alike() {
        assert_eq!(list(Some(" a, ,b ")), ["a", "b"]);
        assert_eq!(breakdown(None).expect("none"), Vec::<Dim>::new());
        assert_eq!(breakdown(Some("model,head_sex")).expect("two").len(), 2);
        assert!(breakdown(Some("model,model")).is_err());
        assert!(breakdown(Some("model,head_sex,head_ethnicity")).is_err());
        assert!(breakdown(Some("colour")).is_err());
        assert_eq!(indicators(None).expect("all").len(), CATALOGUE.len());
        assert_eq!(
            indicators(Some("per_capita_net_income")).expect("one")[0].id,
            "per_capita_net_income"
        );
        assert!(indicators(Some("per_capita_net_income,nothing")).is_err());
        assert_eq!(scheme(None).expect("default"), PovertyScheme::National);
        assert_eq!(
            scheme(Some(" provincial ")).expect("one"),
            PovertyScheme::Provincial
        );
        assert!(scheme(Some("county")).is_err());
    }
}

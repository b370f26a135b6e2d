//! Tabular output of indicator results (CSV with a header), for the CLI and exports.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use domain::engine::{under, Dim, Engine, IndicatorDef, Measure, NoData};
use domain::{PovertyScheme, UnitCode};

use super::csv::{field, number};

/// What an indicator table export covers: every unit × wave × slice of `by` × indicator.
pub struct TableRequest {
    pub units: Vec<UnitCode>,
    pub waves: Vec<i32>,
    pub by: Vec<Dim>,
    pub indicators: Vec<&'static IndicatorDef>,
    /// The poverty-line scheme the line-dependent indicators are counted against.
    pub scheme: PovertyScheme,
    /// Researchers: survey figures over fewer than 5 households are withheld and marked.
    pub suppress: bool,
    /// Fill each line's progress (baseline, target, progress): the indicators API and the
    /// CLI show it; the table export does not, and skips the work.
    pub progress: bool,
}

/// One line of an indicator table, with labels in both languages.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TableLine {
    pub unit_code: String,
    pub unit_name_zh: String,
    pub unit_name_en: String,
    pub wave: i32,
    /// (dimension, code, zh, en) for each dimension of the breakdown.
    pub slice: Vec<(String, String, String, String)>,
    pub indicator: &'static str,
    pub indicator_zh: &'static str,
    pub indicator_en: &'static str,
    /// The poverty-line scheme of a line-dependent indicator (`None` for the others).
    pub scheme: Option<PovertyScheme>,
    pub measure_unit_zh: &'static str,
    pub measure_unit_en: &'static str,
    pub value: Option<f64>,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    pub households: i64,
    pub no_data: Option<NoData>,
    pub suppressed: bool,
    /// Progress (the indicators API and the CLI show it; the table export keeps its columns).
    #[serde(skip)]
    pub baseline: Option<f64>,
    #[serde(skip)]
    pub change_since_baseline: Option<f64>,
    #[serde(skip)]
    pub target: Option<f64>,
    #[serde(skip)]
    pub progress_pct: Option<f64>,
}

/// Every line of the requested table, in unit, wave, slice, indicator order.
pub fn table_lines(engine: &Engine, request: &TableRequest) -> Vec<TableLine> {
    let mut lines = Vec::new();
    for unit in &request.units {
        let known = engine.unit(unit);
        let name_zh = known.map(|u| u.name_zh.clone()).unwrap_or_default();
        let name_en = known
            .map(|u| u.name_pinyin.clone())
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| name_zh.clone());
        for &wave in &request.waves {
            for row in engine.query(unit, wave, &request.by, request.scheme) {
                let households = engine
                    .totals(unit, wave, row.slice)
                    .get(Measure::Households);
                let slice: Vec<(String, String, String, String)> = row
                    .slice
                    .describe()
                    .into_iter()
                    .map(|(dim, code, zh, en)| (dim.code().to_owned(), code.to_owned(), zh, en))
                    .collect();
                for &def in &request.indicators {
                    let def = under(def, request.scheme);
                    let value = row
                        .values
                        .iter()
                        .find(|(id, _)| *id == def.id)
                        .map(|(_, v)| v.for_reader(def, households, request.suppress));
                    let progress = match request.progress {
                        true => engine.progress(def, unit, wave, row.slice),
                        false => Default::default(),
                    };
                    // A withheld figure withholds its progress too; the target is public.
                    let withheld = value.is_some_and(|v| v.suppressed());
                    let shown = |v: Option<f64>| v.filter(|_| !withheld);
                    lines.push(TableLine {
                        unit_code: unit.as_str().to_owned(),
                        unit_name_zh: name_zh.clone(),
                        unit_name_en: name_en.clone(),
                        wave,
                        slice: slice.clone(),
                        indicator: def.id,
                        indicator_zh: def.name_zh,
                        indicator_en: def.name_en,
                        scheme: def.scheme(),
                        measure_unit_zh: def.unit_zh,
                        measure_unit_en: def.unit_en,
                        value: value.and_then(|v| v.value),
                        numerator: value.and_then(|v| v.numerator),
                        denominator: value.and_then(|v| v.denominator),
                        households,
                        no_data: value.and_then(|v| v.no_data),
                        suppressed: withheld,
                        baseline: shown(progress.baseline),
                        change_since_baseline: shown(progress.change_since_baseline),
                        target: progress.target,
                        progress_pct: shown(progress.progress_pct),
                    });
                }
            }
        }
    }
    lines
}

/// The lines as CSV: a header naming every column, labels in both languages beside codes.
pub fn table_csv(by: &[Dim], lines: &[TableLine]) -> String {
    let mut out = String::from("unit_code,unit_name_zh,unit_name_en,wave");
    for dim in by {
        let d = dim.code();
        out.push_str(&format!(",{d},{d}_zh,{d}_en"));
    }
    out.push_str(",indicator,indicator_zh,indicator_en,unit_zh,unit_en,value,numerator,denominator,households,no_data,suppressed,scheme\n");
    let opt = |v: Option<f64>| number(&v.map_or(Value::Null, |v| serde_json::json!(v)));
    for line in lines {
        let mut cells = vec![
            field(&line.unit_code),
            field(&line.unit_name_zh),
            field(&line.unit_name_en),
            line.wave.to_string(),
        ];
        for dim in by {
            let found = line.slice.iter().find(|(d, ..)| d == dim.code());
            for part in 1..4 {
                cells.push(found.map_or_else(String::new, |s| {
                    field(match part {
                        1 => &s.1,
                        2 => &s.2,
                        _ => &s.3,
                    })
                }));
            }
        }
        cells.extend([
            field(line.indicator),
            field(line.indicator_zh),
            field(line.indicator_en),
            field(line.measure_unit_zh),
            field(line.measure_unit_en),
            opt(line.value),
            opt(line.numerator),
            opt(line.denominator),
            line.households.to_string(),
            line.no_data.map_or("", NoData::code).to_owned(),
            u8::from(line.suppressed).to_string(),
            line.scheme.map_or("", |s| s.code()).to_owned(),
        ]);
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

/// The rows of an `/api/v1/indicators` response (also the CLI's JSON): one per slice, each with
/// its households and one entry per indicator, progress included. Built from the same lines as
/// every other indicator table.
pub fn indicator_rows(lines: &[TableLine]) -> Vec<Value> {
    let mut rows: Vec<Value> = Vec::new();
    let mut current: Option<&[(String, String, String, String)]> = None;
    for line in lines {
        if current != Some(line.slice.as_slice()) {
            current = Some(line.slice.as_slice());
            let mut codes = BTreeMap::new();
            let mut labels = BTreeMap::new();
            for (dim, code, zh, en) in &line.slice {
                codes.insert(dim.as_str(), json!(code));
                labels.insert(dim.as_str(), json!({ "zh": zh, "en": en }));
            }
            rows.push(json!({
                "slice": codes, "labels": labels, "households": line.households, "indicators": [],
            }));
        }
        if let Some(Value::Array(entries)) = rows.last_mut().map(|row| &mut row["indicators"]) {
            entries.push(json!({
                "id": line.indicator,
                "scheme": line.scheme.map(|s| s.code()),
                "value": line.value,
                "numerator": line.numerator,
                "denominator": line.denominator,
                "no_data": line.no_data,
                "baseline": line.baseline,
                "change_since_baseline": line.change_since_baseline,
                "target": line.target,
                "progress_pct": line.progress_pct,
                "suppressed": line.suppressed,
            }));
        }
    }
    rows
}

/// The lines with their progress as CSV, one per slice × indicator (the CLI's table).
pub fn progress_csv(by: &[Dim], lines: &[TableLine]) -> String {
    let mut out = String::from("unit_code,wave");
    for dim in by {
        out.push(',');
        out.push_str(dim.code());
    }
    out.push_str(
        ",indicator,scheme,value,numerator,denominator,no_data,baseline,target,progress_pct\n",
    );
    let opt = |v: Option<f64>| number(&v.map_or(Value::Null, |v| json!(v)));
    for line in lines {
        let mut cells = vec![field(&line.unit_code), line.wave.to_string()];
        for dim in by {
            let found = line.slice.iter().find(|(d, ..)| d == dim.code());
            cells.push(found.map_or_else(String::new, |s| field(&s.1)));
        }
        cells.extend([
            field(line.indicator),
            line.scheme.map_or("", |s| s.code()).to_owned(),
            opt(line.value),
            opt(line.numerator),
            opt(line.denominator),
            line.no_data.map_or("", NoData::code).to_owned(),
            opt(line.baseline),
            opt(line.target),
            opt(line.progress_pct),
        ]);
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(indicator: &'static str, value: Option<f64>, no_data: Option<NoData>) -> TableLine {
        TableLine {
            unit_code: "513434".into(),
            unit_name_zh: "越西县".into(),
            unit_name_en: "Yuexi".into(),
            wave: 2019,
            slice: vec![(
                "model".into(),
                "collective".into(),
                "集体经济主导型".into(),
                "collective-led".into(),
            )],
            indicator,
            indicator_zh: "",
            indicator_en: "",
            scheme: None,
            measure_unit_zh: "",
            measure_unit_en: "",
            value,
            numerator: value.map(|_| 11700.0),
            denominator: value.map(|_| 7.0),
            households: 7,
            no_data,
            suppressed: false,
            baseline: None,
            change_since_baseline: None,
            target: no_data.map(|_| 85.0),
            progress_pct: None,
        }
    }

    #[test]
    fn one_line_per_slice_and_indicator_with_empty_no_data_cells() {
        let mut headcount = line("poverty_headcount_ratio", Some(25.0), None);
        headcount.scheme = Some(PovertyScheme::Provincial);
        let lines = [
            line("per_capita_net_income", Some(1671.428571), None),
            line("survival_rate", None, Some(NoData::ZeroDenominator)),
            headcount,
        ];
        assert_eq!(
            progress_csv(&[Dim::Model], &lines),
            "unit_code,wave,model,indicator,scheme,value,numerator,denominator,no_data,baseline,target,progress_pct\n\
             513434,2019,collective,per_capita_net_income,,1671.4286,11700,7,,,,\n\
             513434,2019,collective,survival_rate,,,,,zero_denominator,,85,\n\
             513434,2019,collective,poverty_headcount_ratio,provincial,25,11700,7,,,,\n"
        );
        let rows = indicator_rows(&lines);
        assert_eq!(rows.len(), 1, "one slice");
        assert_eq!(rows[0]["slice"], json!({ "model": "collective" }));
        assert_eq!(rows[0]["indicators"][1]["no_data"], "zero_denominator");
        assert_eq!(rows[0]["indicators"][0]["scheme"], json!(null));
        assert_eq!(rows[0]["indicators"][2]["scheme"], "provincial");
    }
}

//! The officials' eight charts: one table of chart definitions (its ids are the download
//! endpoint's), each drawn from the engine's figures for the unit, its counties or its models.
//! The charts module of `app` turns the data into SVG; this one only chooses the figures.

use app::charts::{Both, ChartData, Mark, Panel, Series};
use domain::engine::{find, Dim, Engine, IndicatorDef, Measure, Slice, Totals};
use domain::{Actor, PovertyScheme, UnitCode, UnitLevel};

use super::views::{both, unit_view, Reader};

/// The series units of the trend charts: the counties on the prefecture's page, else the
/// unit itself.
pub(super) fn chart_units(engine: &Engine, actor: &Actor, unit: &UnitCode) -> Vec<UnitCode> {
    if unit.level() == UnitLevel::Prefecture {
        let kids: Vec<UnitCode> = engine
            .children(unit)
            .into_iter()
            .filter(|c| actor.may_read(c))
            .collect();
        if !kids.is_empty() {
            return kids;
        }
    }
    vec![unit.clone()]
}

pub(super) fn def(id: &str) -> &'static IndicatorDef {
    // Ids below are the catalogue's own; a missing one is a programming error caught by the
    // unit test `every_dashboard_indicator_is_in_the_catalogue`.
    find(id).unwrap_or(&domain::engine::CATALOGUE[0])
}

fn series_of(
    engine: &Engine,
    reader: &Reader,
    id: &str,
    unit: &UnitCode,
    waves: &[i32],
    slice: Slice,
    name: Both,
) -> Series {
    let d = reader.def(id);
    Series {
        name,
        values: waves
            .iter()
            .map(|&w| reader.value(engine, d, unit, w, slice))
            .collect(),
    }
}

fn unit_name(engine: &Engine, code: &UnitCode) -> Both {
    let v = unit_view(engine, code);
    let en = if v.name_pinyin.is_empty() {
        v.name_zh.clone()
    } else {
        v.name_pinyin.clone()
    };
    both(v.name_zh, en)
}

fn panel(unit: Both, mark: Mark, series: Vec<Series>) -> Panel {
    Panel {
        unit,
        mark,
        series,
        reference: None,
    }
}

/// The eight charts of a dashboard page.
pub(super) fn charts(
    engine: &Engine,
    actor: &Actor,
    reader: &Reader,
    unit: &UnitCode,
    slice: Slice,
) -> Vec<ChartData> {
    let waves: Vec<i32> = engine.waves().collect();
    let units = chart_units(engine, actor, unit);
    let per_unit = |id: &str| -> Vec<Series> {
        units
            .iter()
            .map(|u| series_of(engine, reader, id, u, &waves, slice, unit_name(engine, u)))
            .collect()
    };
    let own = |id: &str, name: Both| series_of(engine, reader, id, unit, &waves, slice, name);
    let d = |id: &str| reader.def(id);
    let name = |id: &str| both(d(id).name_zh, d(id).name_en);
    let unit_of = |id: &str| both(d(id).unit_zh, d(id).unit_en);
    let line = Series {
        name: match reader.scheme {
            PovertyScheme::National => both("国家贫困线", "National poverty line"),
            PovertyScheme::Provincial => both("四川省退出标准", "Sichuan exit threshold"),
        },
        values: waves
            .iter()
            .map(|&w| Some(engine.line_under(reader.scheme, w) as f64 / 100.0))
            .collect(),
    };
    // Income composition per person: programme sources, and the rest of net income.
    let parts: [(Measure, Both); 4] = [
        (
            Measure::ProgrammeWagesFen,
            both("项目务工收入", "Programme wages"),
        ),
        (Measure::DividendsFen, both("入股分红", "Dividends")),
        (
            Measure::UnderstoryNetFen,
            both("林下经济纯收入", "Understory net income"),
        ),
        (
            Measure::LivestockNetFen,
            both("养殖纯收入", "Livestock net income"),
        ),
    ];
    let totals: Vec<Option<Totals>> = waves
        .iter()
        .map(|&w| {
            let t = engine.totals(unit, w, slice);
            let shown = t.get(Measure::People) > 0
                && !(reader.suppress
                    && d("per_capita_net_income")
                        .suppressed_for_researchers(t.get(Measure::Households)));
            shown.then_some(t)
        })
        .collect();
    let per_person = |t: &Totals, fen: i64| fen as f64 / 100.0 / t.get(Measure::People) as f64;
    let mut composition: Vec<Series> = parts
        .iter()
        .map(|(m, label)| Series {
            name: label.clone(),
            values: totals
                .iter()
                .map(|t| t.as_ref().map(|t| per_person(t, t.get(*m))))
                .collect(),
        })
        .collect();
    composition.push(Series {
        name: both(
            "其他收入（其他务工、种植、转移性收入等）",
            "Other income (other wages, crops, transfers…)",
        ),
        values: totals
            .iter()
            .map(|t| {
                t.as_ref().map(|t| {
                    let programme: i64 = parts.iter().map(|(m, _)| t.get(*m)).sum();
                    per_person(t, t.get(Measure::NetIncomeFen) - programme)
                })
            })
            .collect(),
    });
    // The three engagement models (on top of the other filters, where the engine has the cell).
    let models: Vec<Series> = Dim::Model
        .values()
        .into_iter()
        .map(|(v, _, zh, en)| {
            series_of(
                engine,
                reader,
                "per_capita_net_income",
                unit,
                &waves,
                slice.with(Dim::Model, v),
                both(zh, en),
            )
        })
        .collect();
    let plots = Slice::ALL;
    vec![
        ChartData {
            id: "income_trend".into(),
            title: both(
                "人均纯收入与贫困线",
                "Per-capita net income and the poverty line",
            ),
            waves: waves.clone(),
            panels: vec![Panel {
                unit: unit_of("per_capita_net_income"),
                mark: Mark::Lines,
                series: per_unit("per_capita_net_income"),
                reference: Some(line),
            }],
        },
        ChartData {
            id: "poverty_trend".into(),
            title: both("贫困发生率", "Poverty headcount ratio"),
            waves: waves.clone(),
            panels: vec![panel(
                unit_of("poverty_headcount_ratio"),
                Mark::Lines,
                per_unit("poverty_headcount_ratio"),
            )],
        },
        ChartData {
            id: "income_composition".into(),
            title: both("人均纯收入构成", "Per-capita net income by source"),
            waves: waves.clone(),
            panels: vec![panel(
                both("元/人/年", "RMB/person/yr"),
                Mark::Stacked,
                composition,
            )],
        },
        ChartData {
            id: "model_comparison".into(),
            title: both(
                "集体经济主导型、农户主体型与对照户的人均纯收入",
                "Per-capita net income: collective, household and comparison",
            ),
            waves: waves.clone(),
            panels: vec![panel(unit_of("per_capita_net_income"), Mark::Lines, models)],
        },
        ChartData {
            id: "employment".into(),
            title: both("项目务工天数与工资", "Programme employment days and wages"),
            waves: waves.clone(),
            panels: vec![
                panel(
                    unit_of("programme_employment_days"),
                    Mark::Bars,
                    vec![own(
                        "programme_employment_days",
                        name("programme_employment_days"),
                    )],
                ),
                panel(
                    unit_of("programme_wages"),
                    Mark::Bars,
                    vec![own("programme_wages", name("programme_wages"))],
                ),
            ],
        },
        ChartData {
            id: "equity".into(),
            title: both("林地入股与分红", "Forest-land equity and dividends"),
            waves: waves.clone(),
            panels: vec![
                panel(
                    unit_of("equity_households"),
                    Mark::Bars,
                    vec![own("equity_households", name("equity_households"))],
                ),
                panel(
                    unit_of("dividends_paid"),
                    Mark::Bars,
                    vec![own("dividends_paid", name("dividends_paid"))],
                ),
            ],
        },
        ChartData {
            id: "understory_livestock".into(),
            title: both(
                "林下经济与养殖纯收入",
                "Understory and livestock net income",
            ),
            waves: waves.clone(),
            panels: vec![panel(
                unit_of("understory_net_income"),
                Mark::Bars,
                vec![
                    own("understory_net_income", name("understory_net_income")),
                    own("livestock_net_income", name("livestock_net_income")),
                ],
            )],
        },
        ChartData {
            id: "afforestation".into(),
            title: both("造林面积与碳汇量", "Afforested area and sequestration"),
            waves: waves.clone(),
            panels: vec![
                panel(
                    unit_of("afforested_area_ha"),
                    Mark::Bars,
                    vec![series_of(
                        engine,
                        reader,
                        "afforested_area_ha",
                        unit,
                        &waves,
                        plots,
                        name("afforested_area_ha"),
                    )],
                ),
                panel(
                    unit_of("sequestration_tco2e"),
                    Mark::Bars,
                    vec![series_of(
                        engine,
                        reader,
                        "sequestration_tco2e",
                        unit,
                        &waves,
                        plots,
                        name("sequestration_tco2e"),
                    )],
                ),
            ],
        },
    ]
}

/// The chart ids, for the download endpoint.
pub const CHART_IDS: [&str; 8] = [
    "income_trend",
    "poverty_trend",
    "income_composition",
    "model_comparison",
    "employment",
    "equity",
    "understory_livestock",
    "afforestation",
];

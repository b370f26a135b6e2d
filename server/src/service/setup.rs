//! Setting a programme up: waves (open, close, reopen), poverty lines, and corrections to
//! single administrative units. The CLI, the JSON API and the admin pages call these same
//! functions, so each refuses the same input with the same words. `by` is the account
//! acting, or `None` for the command line (the database's own authority, audited as
//! `system`).

use std::collections::HashMap;

use app::backend::{BackendError, RequestViewer, Setup};
use app::model::{
    FieldIssue, LineInput, LineView, ProgrammeView, UnitEditInput, UnitRecordView, UnitView,
    UnitsPageView, UnitsQuery, WaveInput, WaveView, UNITS_SHOWN,
};
use domain::{Actor, AdminUnit, Both, Date, PovertyLine, PovertyScheme, Rmb, UnitCode, Wave};

use super::views::LiveViews;
use super::{actor, invalid, storage};
use crate::storage::{AuditEntry, Batch, StorageError, Store};

/// Why nothing can be saved or reviewed in `year`'s wave, if it is closed.
pub async fn closed_wave(store: &Store, year: i32) -> Result<Option<Both>, StorageError> {
    let closed = store
        .waves()
        .await?
        .iter()
        .any(|w| w.year == year && w.closed);
    Ok(closed.then(|| {
        Both::new(
            format!(
                "{year} 年调查轮次已关闭，不能再保存或审核问卷；如需更正，请管理员重新开放该轮次"
            ),
            format!(
                "the {year} wave is closed: no saves or reviews; an administrator can reopen it"
            ),
        )
    }))
}

/// A wave year: 2000 to 2100.
fn year(path: &str, text: &str) -> Result<i32, BackendError> {
    match text.trim().parse::<i32>() {
        Ok(year) if (2000..=2100).contains(&year) => Ok(year),
        _ => Err(invalid(
            path,
            format!("“{}”不是 2000–2100 之间的年份", text.trim()),
            format!("{path}: a year from 2000 to 2100, not {:?}", text.trim()),
        )),
    }
}

/// An optional date field, `YYYY-MM-DD`.
fn date(path: &str, text: &str) -> Result<Option<Date>, BackendError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    Date::parse(text).map(Some).map_err(|_| {
        invalid(
            path,
            format!("“{text}”不是 YYYY-MM-DD 格式的日期"),
            format!("{path}: a date YYYY-MM-DD, not {text:?}"),
        )
    })
}

/// Opens `input.year`'s wave with its reference period (1 January to 31 December unless
/// given), or reopens it if it was closed, or changes its period. The first wave of a
/// programme is its baseline. What was done, in both languages.
pub async fn open_wave(
    store: &Store,
    by: Option<&Actor>,
    input: &WaveInput,
) -> Result<Both, BackendError> {
    let year_value = year("year", &input.year);
    let start = date("start", &input.start);
    let end = date("end", &input.end);
    let (year, start, end) = match (year_value, start, end) {
        (Ok(y), Ok(s), Ok(e)) => (y, s, e),
        (y, s, e) => {
            let mut issues = Vec::new();
            for err in [y.err(), s.err(), e.err()].into_iter().flatten() {
                match err {
                    BackendError::Invalid(found) => issues.extend(found),
                    other => return Err(other),
                }
            }
            return Err(BackendError::Invalid(issues));
        }
    };
    let start = start.unwrap_or(Date::new(year, 1, 1).map_err(|_| bad_year(year))?);
    let end = end.unwrap_or(Date::new(year, 12, 31).map_err(|_| bad_year(year))?);
    if end < start {
        return Err(invalid(
            "end",
            format!("结束日期 {end} 早于开始日期 {start}"),
            format!("end: {end} is before the start {start}"),
        ));
    }
    let waves = store.waves().await.map_err(storage)?;
    let existing = waves.iter().find(|w| w.year == year).cloned();
    let wave = Wave {
        year,
        baseline: existing.as_ref().map_or(waves.is_empty(), |w| w.baseline),
        period_start: start,
        period_end: end,
        closed: false,
    };
    let (action, done) = match &existing {
        Some(old) if old == &wave => {
            return Ok(Both::new(
                format!("{year} 年调查轮次已开放，无需更改"),
                format!("the {year} wave is open already; nothing changed"),
            ))
        }
        Some(old) if old.closed => (
            "wave.reopen",
            Both::new(
                format!("已重新开放 {year} 年调查轮次"),
                format!("reopened the {year} wave"),
            ),
        ),
        Some(_) => (
            "wave.update",
            Both::new(
                format!("已更改 {year} 年调查轮次的调查期"),
                format!("changed the reference period of the {year} wave"),
            ),
        ),
        None => (
            "wave.open",
            Both::new(
                format!("已开放 {year} 年调查轮次（{start} 至 {end}）"),
                format!("opened the {year} wave ({start} to {end})"),
            ),
        ),
    };
    write_wave(store, by, action, existing, wave).await?;
    Ok(done)
}

fn bad_year(year: i32) -> BackendError {
    invalid(
        "year",
        format!("{year} 不是有效年份"),
        format!("year: {year} is not a valid year"),
    )
}

async fn write_wave(
    store: &Store,
    by: Option<&Actor>,
    action: &str,
    before: Option<Wave>,
    wave: Wave,
) -> Result<(), BackendError> {
    let audit = AuditEntry::by(by, action)
        .target("wave", wave.year.to_string())
        .change(
            before.map(|w| serde_json::json!(w)),
            Some(serde_json::json!(wave)),
        );
    store
        .write(&Batch {
            waves: vec![wave],
            audit: vec![audit],
            ..Batch::default()
        })
        .await
        .map_err(storage)
}

/// Closes `year`'s wave. Closing a closed wave changes nothing.
pub async fn close_wave(
    store: &Store,
    by: Option<&Actor>,
    year: i32,
) -> Result<Both, BackendError> {
    let waves = store.waves().await.map_err(storage)?;
    let Some(old) = waves.iter().find(|w| w.year == year).cloned() else {
        let list: Vec<String> = waves.iter().map(|w| w.year.to_string()).collect();
        return Err(invalid(
            "year",
            format!("没有 {year} 年的调查轮次（现有：{}）", list.join("、")),
            format!(
                "year: there is no {year} wave (there are: {})",
                list.join(", ")
            ),
        ));
    };
    if old.closed {
        return Ok(Both::new(
            format!("{year} 年调查轮次已关闭，无需更改"),
            format!("the {year} wave is closed already; nothing changed"),
        ));
    }
    let wave = Wave {
        closed: true,
        ..old.clone()
    };
    write_wave(store, by, "wave.close", Some(old), wave).await?;
    Ok(Both::new(
        format!("已关闭 {year} 年调查轮次：不能再保存或审核问卷"),
        format!("closed the {year} wave: no more saves or reviews"),
    ))
}

/// Reads yuan with at most two decimals into exact fen (`4000`, `4000.5`, `4,000.00`).
pub fn parse_yuan(text: &str) -> Option<i64> {
    let text: String = text.trim().chars().filter(|c| *c != ',').collect();
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || fraction.len() > 2
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let fen: i64 = format!("{fraction:0<2}").parse().ok()?;
    whole.checked_mul(100)?.checked_add(fen)
}

/// Sets a scheme's poverty line for a year (replacing the one set before, audited).
pub async fn set_line(
    store: &Store,
    by: Option<&Actor>,
    input: &LineInput,
) -> Result<Both, BackendError> {
    let mut issues: Vec<FieldIssue> = Vec::new();
    let scheme = PovertyScheme::parse(input.scheme.trim());
    if scheme.is_none() {
        issues.push(FieldIssue::error(
            "scheme",
            "scheme",
            format!(
                "“{}”不是贫困线标准（national 或 provincial）",
                input.scheme.trim()
            ),
            format!(
                "scheme: national or provincial, not {:?}",
                input.scheme.trim()
            ),
        ));
    }
    let year = match year("year", &input.year) {
        Ok(year) => Some(year),
        Err(BackendError::Invalid(found)) => {
            issues.extend(found);
            None
        }
        Err(other) => return Err(other),
    };
    let fen = parse_yuan(&input.yuan).filter(|f| (1..=10_000_000).contains(f));
    if fen.is_none() {
        issues.push(FieldIssue::error(
            "yuan",
            "yuan",
            format!(
                "“{}”不是 0.01 至 100000 元之间、最多两位小数的金额",
                input.yuan.trim()
            ),
            format!(
                "yuan: an amount from 0.01 to 100000 with at most two decimals, not {:?}",
                input.yuan.trim()
            ),
        ));
    }
    let (Some(scheme), Some(year), Some(fen), true) = (scheme, year, fen, issues.is_empty()) else {
        return Err(BackendError::Invalid(issues));
    };
    let amount = Rmb::from_fen(fen).map_err(|_| BackendError::Invalid(Vec::new()))?;
    let before = store
        .poverty_lines()
        .await
        .map_err(storage)?
        .into_iter()
        .find(|l| l.scheme == scheme && l.year == year);
    let line = PovertyLine {
        year,
        scheme,
        amount,
    };
    if before.as_ref() == Some(&line) {
        return Ok(Both::new(
            format!(
                "{year} 年{}贫困线已是 {amount} 元，无需更改",
                scheme_zh(scheme)
            ),
            format!("the {year} {} line is {amount} yuan already", scheme.code()),
        ));
    }
    let audit = AuditEntry::by(by, "line.set")
        .target("poverty_line", format!("{}:{year}", scheme.code()))
        .change(
            before.map(|l| serde_json::json!({ "yuan": l.amount.to_string() })),
            Some(serde_json::json!({ "yuan": amount.to_string() })),
        );
    store
        .write(&Batch {
            poverty_lines: vec![line],
            audit: vec![audit],
            ..Batch::default()
        })
        .await
        .map_err(storage)?;
    Ok(Both::new(
        format!("已将 {year} 年{}贫困线设为 {amount} 元", scheme_zh(scheme)),
        format!("set the {year} {} line to {amount} yuan", scheme.code()),
    ))
}

fn scheme_zh(scheme: PovertyScheme) -> String {
    use domain::Localized;
    scheme.zh()
}

/// Corrects one unit's names, dates or successor; its code, level and parent stay. Audited
/// with before and after.
pub async fn update_unit(
    store: &Store,
    by: Option<&Actor>,
    input: &UnitEditInput,
) -> Result<AdminUnit, BackendError> {
    let code = UnitCode::parse(&input.code).map_err(|_| BackendError::NotFound)?;
    let units = store.units().await.map_err(storage)?;
    let Some(old) = units.iter().find(|u| u.code == code).cloned() else {
        return Err(BackendError::NotFound);
    };
    let parent = code
        .parent()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let cells = [
        ("code", code.as_str()),
        ("level", code.level().as_str()),
        ("parent_code", parent.as_str()),
        ("name_zh", input.name_zh.as_str()),
        ("name_pinyin", input.name_pinyin.as_str()),
        ("name_ii", input.name_ii.as_str()),
        ("valid_from", input.valid_from.as_str()),
        ("valid_to", input.valid_to.as_str()),
        ("successor_code", input.successor_code.as_str()),
    ];
    let mut unit = crate::import::units::check_cells(&cells).map_err(|issues| {
        BackendError::Invalid(
            issues
                .into_iter()
                .map(|i| FieldIssue::error(&i.column, &i.rule, i.zh, i.en))
                .collect(),
        )
    })?;
    if let Some(successor) = &unit.successor {
        if !units.iter().any(|u| &u.code == successor) {
            return Err(invalid(
                "successor_code",
                format!("系统中没有单位 {successor}"),
                format!("successor_code: Tanhui has no unit {successor}"),
            ));
        }
    }
    unit.synthetic = old.synthetic;
    if unit == old {
        return Ok(unit);
    }
    let audit = AuditEntry::by(by, "unit.update")
        .target("unit", code.as_str())
        .unit(Some(&code))
        .change(Some(serde_json::json!(old)), Some(serde_json::json!(unit)));
    store
        .write(&Batch {
            units: vec![unit.clone()],
            audit: vec![audit],
            ..Batch::default()
        })
        .await
        .map_err(storage)?;
    Ok(unit)
}

/// Households per unit, every level: each village's count added to its ancestors.
fn households_per_unit(counts: Vec<(String, i64)>) -> HashMap<String, usize> {
    let mut out: HashMap<String, usize> = HashMap::new();
    for (village, n) in counts {
        let Ok(mut code) = UnitCode::parse(&village) else {
            continue;
        };
        loop {
            *out.entry(code.as_str().to_owned()).or_default() += n as usize;
            match code.parent() {
                Some(parent) => code = parent,
                None => break,
            }
        }
    }
    out
}

fn unit_view(unit: &AdminUnit) -> UnitView {
    UnitView {
        code: unit.code.as_str().to_owned(),
        name_zh: unit.name_zh.clone(),
        name_pinyin: unit.name_pinyin.clone(),
        level: unit.code.level(),
    }
}

fn record_view(
    unit: &AdminUnit,
    by_code: &HashMap<&UnitCode, &AdminUnit>,
    children: &HashMap<String, usize>,
    households: &HashMap<String, usize>,
) -> UnitRecordView {
    UnitRecordView {
        unit: unit_view(unit),
        name_ii: unit.name_ii.clone(),
        valid_from: unit.valid_from.map(|d| d.to_string()),
        valid_to: unit.valid_to.map(|d| d.to_string()),
        successor: unit.successor.as_ref().map(|s| {
            by_code
                .get(s)
                .map_or_else(|| code_only(s), |u| unit_view(u))
        }),
        children: children.get(unit.code.as_str()).copied().unwrap_or(0),
        households: households.get(unit.code.as_str()).copied().unwrap_or(0),
        synthetic: unit.synthetic,
    }
}

fn code_only(code: &UnitCode) -> UnitView {
    UnitView {
        code: code.as_str().to_owned(),
        name_zh: code.as_str().to_owned(),
        name_pinyin: String::new(),
        level: code.level(),
    }
}

fn administrator(by: &RequestViewer) -> Result<&Actor, BackendError> {
    let actor = actor(by)?;
    match actor.may_administer() {
        true => Ok(actor),
        false => Err(BackendError::Forbidden),
    }
}

impl LiveViews {
    async fn programme_view(&self, done: Option<Both>) -> Result<ProgrammeView, BackendError> {
        let waves = self.store.waves().await.map_err(storage)?;
        let lines = self.store.poverty_lines().await.map_err(storage)?;
        let targets = self.store.targets().await.map_err(storage)?.len();
        Ok(ProgrammeView {
            waves: waves
                .into_iter()
                .map(|w| WaveView {
                    year: w.year,
                    baseline: w.baseline,
                    period_start: w.period_start.to_string(),
                    period_end: w.period_end.to_string(),
                    closed: w.closed,
                })
                .collect(),
            lines: lines
                .into_iter()
                .map(|l| LineView {
                    scheme: l.scheme,
                    year: l.year,
                    yuan: l.amount.to_string(),
                })
                .collect(),
            targets,
            done,
        })
    }
}

#[async_trait::async_trait]
impl Setup for LiveViews {
    async fn units_page(
        &self,
        by: &RequestViewer,
        query: &UnitsQuery,
    ) -> Result<UnitsPageView, BackendError> {
        administrator(by)?;
        let units = self.store.units().await.map_err(storage)?;
        let households = households_per_unit(self.store.household_counts().await.map_err(storage)?);
        let mut children: HashMap<String, usize> = HashMap::new();
        for u in &units {
            if let Some(p) = u.code.parent() {
                *children.entry(p.as_str().to_owned()).or_default() += 1;
            }
        }
        let by_code: HashMap<&UnitCode, &AdminUnit> = units.iter().map(|u| (&u.code, u)).collect();
        let view = |u: &AdminUnit| record_view(u, &by_code, &children, &households);
        let search = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
        if let Some(q) = search {
            let lower = q.to_lowercase();
            let found: Vec<&AdminUnit> = units
                .iter()
                .filter(|u| {
                    u.code.as_str().starts_with(q)
                        || u.name_zh.contains(q)
                        || u.name_pinyin.to_lowercase().contains(&lower)
                        || (!u.name_ii.is_empty() && u.name_ii.contains(q))
                })
                .collect();
            return Ok(UnitsPageView {
                parent: None,
                trail: Vec::new(),
                matched: found.len(),
                units: found.into_iter().take(UNITS_SHOWN).map(view).collect(),
                query: query.clone(),
                total: units.len(),
            });
        }
        let parent_code = match query.parent.as_deref().map(str::trim) {
            None | Some("") => UnitCode::prefecture(),
            Some(text) => UnitCode::parse(text).map_err(|_| BackendError::NotFound)?,
        };
        let parent = by_code
            .get(&parent_code)
            .copied()
            .ok_or(BackendError::NotFound)?;
        let mut trail = Vec::new();
        let mut next = Some(parent_code.clone());
        while let Some(code) = next {
            if let Some(u) = by_code.get(&code) {
                trail.push(unit_view(u));
            }
            next = code.parent();
        }
        trail.reverse();
        let listed: Vec<UnitRecordView> = units
            .iter()
            .filter(|u| u.code.parent().as_ref() == Some(&parent_code))
            .map(view)
            .collect();
        Ok(UnitsPageView {
            parent: Some(view(parent)),
            trail,
            matched: listed.len(),
            units: listed,
            query: query.clone(),
            total: units.len(),
        })
    }

    async fn update_unit(
        &self,
        by: &RequestViewer,
        input: &UnitEditInput,
    ) -> Result<UnitRecordView, BackendError> {
        let actor = administrator(by)?;
        let unit = update_unit(&self.store, Some(actor), input).await?;
        let page = self
            .units_page(
                by,
                &UnitsQuery {
                    parent: None,
                    q: Some(unit.code.as_str().to_owned()),
                },
            )
            .await?;
        page.units
            .into_iter()
            .find(|u| u.unit.code == unit.code.as_str())
            .ok_or(BackendError::NotFound)
    }

    async fn programme(&self, by: &RequestViewer) -> Result<ProgrammeView, BackendError> {
        administrator(by)?;
        self.programme_view(None).await
    }

    async fn open_wave(
        &self,
        by: &RequestViewer,
        input: &WaveInput,
    ) -> Result<ProgrammeView, BackendError> {
        let actor = administrator(by)?;
        let done = open_wave(&self.store, Some(actor), input).await?;
        self.programme_view(Some(done)).await
    }

    async fn close_wave(
        &self,
        by: &RequestViewer,
        year: i32,
    ) -> Result<ProgrammeView, BackendError> {
        let actor = administrator(by)?;
        let done = close_wave(&self.store, Some(actor), year).await?;
        self.programme_view(Some(done)).await
    }

    async fn set_line(
        &self,
        by: &RequestViewer,
        input: &LineInput,
    ) -> Result<ProgrammeView, BackendError> {
        let actor = administrator(by)?;
        let done = set_line(&self.store, Some(actor), input).await?;
        self.programme_view(Some(done)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_are_read_exactly_to_the_fen() {
        assert_eq!(parse_yuan("4000"), Some(400_000));
        assert_eq!(parse_yuan("4,000.5"), Some(400_050));
        assert_eq!(parse_yuan(" 3218.07 "), Some(321_807));
        for bad in ["", "-1", "4000.123", "4e3", "四千", ".5", "1.2.3"] {
            assert_eq!(parse_yuan(bad), None, "{bad}");
        }
    }

    #[test]
    fn households_add_up_to_every_ancestor() {
        let counts = households_per_unit(vec![
            ("513434100201".into(), 3),
            ("513434100202".into(), 2),
            ("513431200201".into(), 1),
        ]);
        assert_eq!(counts["513434100"], 5);
        assert_eq!(counts["513434"], 5);
        assert_eq!(counts["513400"], 6);
        assert_eq!(counts["513434100202"], 2);
    }
}

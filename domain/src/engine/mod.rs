//! The indicator-aggregation engine: every catalogue indicator for every unit × wave × slice,
//! kept in memory and always fresh.
//!
//! One shape for everything (as DataFusion's accumulators): a fact's contribution is a
//! [`Totals`] vector; *update* adds it to each cell it belongs to — its village, township,
//! county and prefecture, in each of its 11 slices — *merge* adds cells, and *evaluate* turns
//! a cell into each indicator's value. All measures are whole numbers, so removing a fact is
//! exact: un-approving or editing a survey touches only its own cells.

pub mod catalogue;
pub mod fact;
pub mod measure;
pub mod slice;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use serde::Serialize;

pub use catalogue::under;
pub use catalogue::{find, IndicatorDef, NoData, Value, CATALOGUE};
pub use fact::{SurveyFact, SurveyMeasures, WaveLines};
pub use measure::{Measure, Totals};
pub use slice::{Dim, Profile, Slice};

use crate::risk::{self, RiskReason, RiskRules, Situation};
use crate::{
    AdminUnit, AfforestationPlot, Date, EngagementModel, PovertyLine, PovertyScheme, RecordId,
    Target, UnitCode, Wave,
};

/// Hashes keys that nobody outside chooses with one multiplication: the packed u64 cell keys,
/// and record ids, which are random version-4 UUIDs made by the server (`auth::new_id`, the
/// seeder's RNG), so their bits are already spread.
#[derive(Default)]
pub struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (n ^ (n >> 29)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    }
    fn write_u128(&mut self, n: u128) {
        self.write_u64(n as u64 ^ (n >> 64) as u64);
    }
}

type Cells = HashMap<u64, Totals, BuildHasherDefault<KeyHasher>>;

/// A bulk load's sums: per unit and wave, the totals of each profile seen there.
type Groups = HashMap<(u32, i32), Vec<(Profile, Totals)>, BuildHasherDefault<KeyHasher>>;

/// A map keyed by record ids ([`RecordId::to_u128`]).
pub type IdMap<V> = HashMap<u128, V, BuildHasherDefault<KeyHasher>>;

/// A counted survey as the engine keeps it: ids as 128-bit numbers and the village as an
/// index, so that 400,000 of them stay small.
#[derive(Debug, Clone)]
struct Held {
    household: u128,
    village: u32,
    wave: i32,
    profile: Profile,
    participates: bool,
    poor: bool,
    measures: SurveyMeasures,
}

#[derive(Default)]
/// The in-memory indicator store: [`Totals`] for every unit × wave × slice cell that has data,
/// the counted facts (one per approved survey) and the plots. The server builds one at start-up
/// ([`Engine::new`], then a [`BulkLoad`]) and keeps it fresh with [`Engine::upsert`] and
/// [`Engine::remove`] as surveys are approved, edited and un-approved.
pub struct Engine {
    codes: Vec<UnitCode>,
    index: HashMap<UnitCode, u32>,
    /// For each unit index: itself and its ancestors, nearest first.
    lineage: Vec<Vec<u32>>,
    children: BTreeMap<u32, BTreeSet<u32>>,
    units: HashMap<UnitCode, AdminUnit>,
    /// Units merged into another: unit index → (the last wave year it counts on its own,
    /// its successor's index). From the next wave on, its surveys count under the successor.
    merged: HashMap<u32, (i32, u32)>,
    /// Village index → the village's programme assignment: with it, a household's slice on
    /// the `model` dimension is its [`ProgrammeGroup`](crate::ProgrammeGroup).
    assignments: HashMap<u32, EngagementModel>,
    /// National line in fen by year (the default scheme of every indicator).
    lines: BTreeMap<i32, i64>,
    /// Sichuan's exit threshold in fen, for the years it was set (other years: the national
    /// line).
    provincial: BTreeMap<i32, i64>,
    waves: BTreeSet<i32>,
    baseline: Option<i32>,
    targets: HashMap<(String, UnitCode, i32), f64>,
    cells: Cells,
    facts: IdMap<Held>,
    plots: Vec<AfforestationPlot>,
}

/// A household flagged by the at-risk rules in one wave.
#[derive(Debug, Clone, PartialEq)]
pub struct HouseholdRisk {
    /// The approved survey the assessment is based on.
    pub survey: RecordId,
    /// The household flagged.
    pub household: RecordId,
    /// The household's village.
    pub village: UnitCode,
    /// The figures the rules were applied to (per-capita income, line, guarantees).
    pub situation: Situation,
    /// The wave the "income fell" comparison used.
    pub previous_wave: Option<i32>,
    /// Every reason that applies, in [`RiskReason::ALL`] order; never empty.
    pub reasons: Vec<RiskReason>,
}

/// One row of a query: a slice and every indicator's value in it.
#[derive(Debug, Clone, Serialize)]
pub struct SliceValues {
    /// The households the row covers.
    pub slice: Slice,
    /// Each catalogue indicator's id and value, in catalogue order.
    pub values: Vec<(&'static str, Value)>,
}

/// A value with its target, baseline and progress (`Default`: none of them known).
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Progress {
    /// The value in the baseline wave, if there is one.
    pub baseline: Option<f64>,
    /// The value now minus the baseline value, when both exist.
    pub change_since_baseline: Option<f64>,
    /// The target for this indicator, unit and wave year; targets exist for all households
    /// ([`Slice::ALL`]) only.
    pub target: Option<f64>,
    /// Percent of the way from the baseline to the target (for "lower is better" indicators),
    /// or percent of the target reached (for "higher is better").
    pub progress_pct: Option<f64>,
}

/// Why a value is what it is.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// The indicator explained, with its definition and formula.
    pub indicator: &'static IndicatorDef,
    /// The unit the figure is for.
    pub unit: UnitCode,
    /// The wave year.
    pub wave: i32,
    /// The households the figure covers.
    pub slice: Slice,
    /// The figure itself, with its numerator and denominator.
    pub value: Value,
    /// Each unit whose figures make up this one in the wave ([`Engine::children_in`]), with
    /// its own value of the indicator.
    pub children: Vec<(UnitCode, String, Value)>,
    /// The households behind the value (only when asked for, and only at village level or
    /// below a unit the caller may see): survey id, household id, per-capita income (RMB).
    pub households: Vec<(RecordId, RecordId)>,
}

impl Engine {
    /// An engine with no facts yet: it knows the units, the national poverty lines, the waves
    /// (the one flagged baseline, else the earliest, is the baseline) and the targets.
    pub fn new(
        units: &[AdminUnit],
        lines: &[PovertyLine],
        waves: &[Wave],
        targets: &[Target],
    ) -> Engine {
        let mut engine = Engine::default();
        for unit in units {
            engine.intern(&unit.code);
            engine.units.insert(unit.code.clone(), unit.clone());
        }
        for unit in units {
            if let (Some(end), Some(successor)) = (unit.valid_to, &unit.successor) {
                let (from, to) = (engine.intern(&unit.code), engine.intern(successor));
                if from != to {
                    engine.merged.insert(from, (end.year, to));
                }
            }
        }
        for line in lines {
            let by_year = match line.scheme {
                PovertyScheme::National => &mut engine.lines,
                PovertyScheme::Provincial => &mut engine.provincial,
            };
            by_year.insert(line.year, line.amount.fen());
        }
        engine.waves = waves.iter().map(|w| w.year).collect();
        engine.baseline = waves
            .iter()
            .find(|w| w.baseline)
            .map(|w| w.year)
            .or_else(|| engine.waves.first().copied());
        for t in targets {
            engine
                .targets
                .insert((t.indicator.clone(), t.unit.clone(), t.year), t.value);
        }
        engine
    }

    fn intern(&mut self, code: &UnitCode) -> u32 {
        if let Some(&i) = self.index.get(code) {
            return i;
        }
        let parent = code.parent().map(|p| self.intern(&p));
        let i = self.codes.len() as u32;
        self.codes.push(code.clone());
        self.index.insert(code.clone(), i);
        let mut lineage = vec![i];
        if let Some(p) = parent {
            lineage.extend(self.lineage[p as usize].iter().copied());
            self.children.entry(p).or_default().insert(i);
        }
        self.lineage.push(lineage);
        i
    }

    /// Sets the villages' programme assignments. Call before adding surveys: facts held
    /// already keep the group they were added with (a change of assignment rebuilds).
    pub fn set_assignments(&mut self, assignments: &[crate::VillageProgramme]) {
        for a in assignments {
            let village = self.intern(&a.village);
            self.assignments.insert(village, a.model);
        }
    }

    /// A household's profile with its [`ProgrammeGroup`](crate::ProgrammeGroup) on the
    /// `model` dimension, given its village's assignment (unchanged without one).
    fn grouped(&self, village: u32, profile: Profile, participates: bool) -> Profile {
        use crate::ProgrammeGroup;
        match (self.assignments.get(&village), participates) {
            (None, _) => profile,
            (Some(EngagementModel::Comparison), _) => profile.in_group(ProgrammeGroup::Comparison),
            // An enrolled household keeps its own model, which is on the profile already.
            (Some(_), true) => profile,
            (Some(_), false) => profile.in_group(ProgrammeGroup::NonEnrolled),
        }
    }

    /// The unit a survey of `unit` counts under in `wave`: itself, or (after a merge) its
    /// successor, followed through further merges.
    fn counting_unit(&self, mut unit: u32, wave: i32) -> u32 {
        // A chain of merges is short; the bound only guards against a cycle in bad data.
        for _ in 0..16 {
            match self.merged.get(&unit) {
                Some(&(last, successor)) if wave > last => unit = successor,
                _ => break,
            }
        }
        unit
    }

    /// The parent a unit's cell adds to in `wave`: its parent, or the parent's successor.
    fn parent_in(&self, unit: u32, wave: i32) -> Option<u32> {
        let parent = *self.lineage[unit as usize].get(1)?;
        Some(self.counting_unit(parent, wave))
    }

    /// The units a survey of `village` adds to in `wave`, nearest first: its lineage, with
    /// merged units replaced by their successors.
    fn lineage_in(&self, village: u32, wave: i32) -> Cow<'_, [u32]> {
        if self.merged.is_empty() {
            return Cow::Borrowed(&self.lineage[village as usize]);
        }
        let mut unit = self.counting_unit(village, wave);
        let mut chain = vec![unit];
        while let Some(parent) = self.parent_in(unit, wave) {
            chain.push(parent);
            unit = parent;
        }
        Cow::Owned(chain)
    }

    /// Whether a survey of `village` in `wave` counts in `unit`'s figures.
    fn counts_in(&self, unit: &UnitCode, village: u32, wave: i32) -> bool {
        if self.merged.is_empty() {
            return unit.contains(&self.codes[village as usize]);
        }
        self.index
            .get(unit)
            .is_some_and(|u| self.lineage_in(village, wave).contains(u))
    }

    fn key(unit: u32, wave: i32, slice: Slice) -> u64 {
        Engine::key_of(unit, wave, slice.key())
    }

    fn key_of(unit: u32, wave: i32, slice_key: u16) -> u64 {
        u64::from(unit) << 32 | u64::from(wave as u16) << 16 | u64::from(slice_key)
    }

    /// Adds `totals` to the cell `key`, and to the same wave and slice of its unit's parent in
    /// `parents` (if it has one): one step of a bottom-up load.
    fn add_to_cell(&mut self, key: u64, totals: &Totals, parents: &mut Cells) {
        let unit = (key >> 32) as u32;
        let wave = i32::from((key >> 16) as u16);
        if let Some(parent) = self.parent_in(unit, wave) {
            let parent_key = u64::from(parent) << 32 | (key & 0xffff_ffff);
            parents.entry(parent_key).or_default().add(totals);
        }
        self.cells.entry(key).or_default().add(totals);
    }

    /// The national line (fen) for a year: the latest set at or before it.
    pub fn line_fen(&self, year: i32) -> i64 {
        self.lines
            .range(..=year)
            .next_back()
            .map(|(_, &fen)| fen)
            .or_else(|| crate::national_line(year).map(|r| r.fen()))
            .unwrap_or(0)
    }

    /// A scheme's line (fen) for a year: the national line as [`Engine::line_fen`]; Sichuan's
    /// threshold where one was set for that very year, else the national line (the province
    /// published thresholds only where they differed).
    pub fn line_under(&self, scheme: PovertyScheme, year: i32) -> i64 {
        match scheme {
            PovertyScheme::National => self.line_fen(year),
            PovertyScheme::Provincial => self
                .provincial
                .get(&year)
                .copied()
                .unwrap_or_else(|| self.line_fen(year)),
        }
    }

    /// Every scheme's line for a wave year.
    fn wave_lines(&self, year: i32) -> WaveLines {
        WaveLines {
            national_fen: self.line_under(PovertyScheme::National, year),
            provincial_fen: self.line_under(PovertyScheme::Provincial, year),
        }
    }

    fn apply(&mut self, fact: &Held, add: bool) {
        let lines = self.wave_lines(fact.wave);
        let contribution = fact::contribution(fact.participates, fact.poor, &fact.measures, lines);
        self.apply_totals(fact.village, fact.wave, fact.profile, &contribution, add);
    }

    /// Adds (or takes out) `contribution` in each of the 11 slices of `profile`, in the village
    /// and each of its ancestors: the 44 cells one survey belongs to.
    fn apply_totals(
        &mut self,
        village: u32,
        wave: i32,
        profile: Profile,
        contribution: &Totals,
        add: bool,
    ) {
        let lineage = self.lineage_in(village, wave).into_owned();
        for slice in profile.slices() {
            for &unit in &lineage {
                let cell = self.cells.entry(Self::key(unit, wave, slice)).or_default();
                if add {
                    cell.add(contribution);
                } else {
                    cell.subtract(contribution);
                }
            }
        }
    }

    /// Interns what the engine keeps of a fact.
    fn hold(&mut self, fact: SurveyFact) -> (u128, Held) {
        self.waves.insert(fact.wave);
        let village = self.intern(&fact.village);
        let held = Held {
            household: fact.household.to_u128(),
            village,
            wave: fact.wave,
            profile: self.grouped(village, fact.profile, fact.participates),
            participates: fact.participates,
            poor: fact.poor,
            measures: fact.measures,
        };
        (fact.survey.to_u128(), held)
    }

    /// Adds an approved survey's fact, replacing the earlier version of the same survey.
    pub fn upsert(&mut self, fact: SurveyFact) {
        let (key, held) = self.hold(fact);
        if let Some(old) = self.facts.remove(&key) {
            self.apply(&old, false);
        }
        self.apply(&held, true);
        self.facts.insert(key, held);
    }

    /// Starts adding many surveys at once (see [`BulkLoad`]).
    pub fn bulk(&mut self) -> BulkLoad<'_> {
        BulkLoad {
            engine: self,
            groups: HashMap::default(),
            lines: HashMap::default(),
        }
    }

    /// Upserts every fact through one [`BulkLoad`].
    pub fn extend(&mut self, facts: impl IntoIterator<Item = SurveyFact>) {
        let mut load = self.bulk();
        for fact in facts {
            load.upsert(fact);
        }
    }

    /// Takes a survey out (un-approved or deleted). Returns whether it was counted.
    pub fn remove(&mut self, survey: &RecordId) -> bool {
        match self.facts.remove(&survey.to_u128()) {
            Some(old) => {
                self.apply(&old, false);
                true
            }
            None => false,
        }
    }

    /// The counted fact of a survey, if it is counted.
    pub fn fact(&self, survey: &RecordId) -> Option<SurveyFact> {
        self.facts
            .get(&survey.to_u128())
            .map(|held| self.unpack(survey.to_u128(), held))
    }

    /// Every counted survey, in no particular order.
    pub fn surveys(&self) -> impl Iterator<Item = RecordId> + '_ {
        self.facts.keys().map(|&k| RecordId::from_u128(k))
    }

    fn unpack(&self, survey: u128, held: &Held) -> SurveyFact {
        SurveyFact {
            survey: RecordId::from_u128(survey),
            household: RecordId::from_u128(held.household),
            village: self.codes[held.village as usize].clone(),
            wave: held.wave,
            profile: held.profile,
            participates: held.participates,
            poor: held.poor,
            measures: held.measures.clone(),
        }
    }

    /// Adds a plot to every wave year from its planting on.
    pub fn add_plot(&mut self, plot: AfforestationPlot) {
        let village = self.intern(&plot.village);
        for &year in &self.waves.clone() {
            if let Some(contribution) = fact::plot_contribution(&plot, year) {
                for &unit in self.lineage_in(village, year).into_owned().iter() {
                    self.cells
                        .entry(Self::key(unit, year, Slice::ALL))
                        .or_default()
                        .add(&contribution);
                }
            }
        }
        self.plots.push(plot);
    }

    /// How many surveys are counted.
    pub fn fact_count(&self) -> usize {
        self.facts.len()
    }

    /// How many cells hold totals (including cells emptied by removals).
    pub fn cell_count(&self) -> usize {
        self.cells.len()
    }

    /// Approximate heap use of the cells and facts, in bytes.
    pub fn approx_bytes(&self) -> usize {
        let cell = std::mem::size_of::<(u64, Totals)>() + 8;
        let fact = std::mem::size_of::<(u128, Held)>() + 8;
        self.cells.capacity() * cell + self.facts.capacity() * fact
    }

    /// The wave years known, from the wave table and from counted surveys, in ascending order.
    pub fn waves(&self) -> impl Iterator<Item = i32> + '_ {
        self.waves.iter().copied()
    }

    /// The baseline wave year, if any wave is known.
    pub fn baseline(&self) -> Option<i32> {
        self.baseline
    }

    /// The unit's record (names, validity), if it is in the unit table.
    pub fn unit(&self, code: &UnitCode) -> Option<&AdminUnit> {
        self.units.get(code)
    }

    /// Whether the engine knows the unit (from the unit table or from data).
    pub fn knows(&self, code: &UnitCode) -> bool {
        self.index.contains_key(code)
    }

    /// The totals of one cell; zero where nothing was counted.
    pub fn totals(&self, unit: &UnitCode, wave: i32, slice: Slice) -> Totals {
        self.index
            .get(unit)
            .and_then(|&u| self.cells.get(&Self::key(u, wave, slice)))
            .copied()
            .unwrap_or_default()
    }

    /// One indicator's value in one cell.
    pub fn value(
        &self,
        indicator: &IndicatorDef,
        unit: &UnitCode,
        wave: i32,
        slice: Slice,
    ) -> Value {
        evaluate_in(indicator, slice, &self.totals(unit, wave, slice))
    }

    /// Every indicator for one unit and wave, overall or broken down by one or two dimensions,
    /// the line-dependent ones counted against `scheme`'s line.
    pub fn query(
        &self,
        unit: &UnitCode,
        wave: i32,
        by: &[Dim],
        scheme: PovertyScheme,
    ) -> Vec<SliceValues> {
        let mut slices = vec![Slice::ALL];
        for &dim in by.iter().take(2) {
            slices = slices.into_iter().flat_map(|s| s.split(dim)).collect();
        }
        slices
            .into_iter()
            .map(|slice| {
                let totals = self.totals(unit, wave, slice);
                let values = CATALOGUE
                    .iter()
                    .map(|def| {
                        (
                            def.id,
                            evaluate_in(catalogue::under(def, scheme), slice, &totals),
                        )
                    })
                    .collect();
                SliceValues { slice, values }
            })
            .collect()
    }

    /// Baseline, change since baseline, target and progress for one figure. Targets are set
    /// against the national line: an indicator counted under another scheme has none.
    pub fn progress(
        &self,
        indicator: &IndicatorDef,
        unit: &UnitCode,
        wave: i32,
        slice: Slice,
    ) -> Progress {
        let now = self.value(indicator, unit, wave, slice).value;
        let baseline = self
            .baseline
            .and_then(|b| self.value(indicator, unit, b, slice).value);
        let national = indicator.scheme() != Some(PovertyScheme::Provincial);
        let target = (slice == Slice::ALL && national)
            .then(|| {
                self.targets
                    .get(&(indicator.id.to_owned(), unit.clone(), wave))
                    .copied()
            })
            .flatten();
        let progress_pct = match (indicator.direction, now, baseline, target) {
            (catalogue::Direction::Higher, Some(v), _, Some(t)) if t != 0.0 => Some(v / t * 100.0),
            (catalogue::Direction::Lower, Some(v), Some(b), Some(t)) if b != t => {
                Some((b - v) / (b - t) * 100.0)
            }
            _ => None,
        };
        Progress {
            baseline,
            change_since_baseline: now.zip(baseline).map(|(v, b)| v - b),
            target,
            progress_pct,
        }
    }

    /// Explains a figure: its definition, parts, child units and (if asked) households.
    pub fn explain(
        &self,
        indicator: &'static IndicatorDef,
        unit: &UnitCode,
        wave: i32,
        slice: Slice,
        with_households: bool,
    ) -> Explanation {
        let children = self
            .children_in(unit, wave)
            .into_iter()
            .map(|code| {
                let name = self
                    .units
                    .get(&code)
                    .map(|u| u.name_zh.clone())
                    .unwrap_or_default();
                let value = self.value(indicator, &code, wave, slice);
                (code, name, value)
            })
            .collect();
        let households = if with_households && indicator.source == catalogue::Source::Surveys {
            let mut list: Vec<_> = self
                .facts
                .iter()
                .filter(|(_, f)| {
                    f.wave == wave
                        && self.counts_in(unit, f.village, f.wave)
                        && f.profile.slices().any(|s| s == slice)
                })
                .map(|(&survey, f)| {
                    (
                        RecordId::from_u128(survey),
                        RecordId::from_u128(f.household),
                    )
                })
                .collect();
            list.sort();
            list
        } else {
            Vec::new()
        };
        Explanation {
            indicator,
            unit: unit.clone(),
            wave,
            slice,
            value: self.value(indicator, unit, wave, slice),
            children,
            households,
        }
    }

    /// The units directly below `unit` that the engine knows, ordered by code.
    pub fn children(&self, unit: &UnitCode) -> Vec<UnitCode> {
        self.index
            .get(unit)
            .and_then(|u| self.children.get(u))
            .map(|kids| {
                kids.iter()
                    .map(|&k| self.codes[k as usize].clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The units whose figures make up `unit`'s in `wave`, ordered by code: its children
    /// that still exist then, and the children of units merged into it (or into one of its
    /// children) by then. A merged unit is listed for the waves up to its end.
    pub fn children_in(&self, unit: &UnitCode, wave: i32) -> Vec<UnitCode> {
        let Some(&u) = self.index.get(unit) else {
            return Vec::new();
        };
        if self.merged.is_empty() {
            return self.children(unit);
        }
        let mut kids: Vec<u32> = self
            .children
            .values()
            .flat_map(|kids| kids.iter().copied())
            .filter(|&k| self.counting_unit(k, wave) == k && self.parent_in(k, wave) == Some(u))
            .collect();
        kids.sort_by(|a, b| self.codes[*a as usize].cmp(&self.codes[*b as usize]));
        kids.into_iter()
            .map(|k| self.codes[k as usize].clone())
            .collect()
    }

    /// The unit `code` merged into and the day it ended, if it did.
    pub fn merged_into(&self, code: &UnitCode) -> Option<(Date, UnitCode)> {
        let unit = self.units.get(code)?;
        Some((unit.valid_to?, unit.successor.clone()?))
    }

    /// Per-capita income (fen, `None` for an empty roster) and guarantees of every counted
    /// household of `unit` in `wave`, keyed by household.
    pub fn household_figures(&self, unit: &UnitCode, wave: i32) -> HashMap<RecordId, Situation> {
        let line_fen = self.line_fen(wave);
        self.facts
            .values()
            .filter(|f| f.wave == wave && self.counts_in(unit, f.village, f.wave))
            .map(|f| {
                (
                    RecordId::from_u128(f.household),
                    Situation {
                        per_capita_fen: crate::survey::per_capita_fen(
                            f.measures.net_income_fen,
                            f.measures.size,
                        ),
                        line_fen,
                        guarantees_met: f.measures.guarantees_met,
                        previous_per_capita_fen: None,
                    },
                )
            })
            .collect()
    }

    /// The counted households of `unit` in `wave` that belong to `slice`, each with what the
    /// at-risk rules need against `scheme`'s line and the reasons that apply (only flagged
    /// ones are returned).
    pub fn at_risk(
        &self,
        unit: &UnitCode,
        wave: i32,
        slice: Slice,
        rules: RiskRules,
        scheme: PovertyScheme,
    ) -> Vec<HouseholdRisk> {
        let per_capita =
            |m: &SurveyMeasures| crate::survey::per_capita_fen(m.net_income_fen, m.size);
        // Each household's latest counted wave before this one.
        let mut previous: IdMap<(i32, Option<i64>)> = IdMap::default();
        for held in self
            .facts
            .values()
            .filter(|f| f.wave < wave && self.counts_in(unit, f.village, f.wave))
        {
            let entry = previous.entry(held.household).or_insert((i32::MIN, None));
            if held.wave > entry.0 {
                *entry = (held.wave, per_capita(&held.measures));
            }
        }
        let line_fen = self.line_under(scheme, wave);
        let mut out: Vec<HouseholdRisk> = self
            .facts
            .iter()
            .filter(|(_, f)| {
                f.wave == wave
                    && self.counts_in(unit, f.village, f.wave)
                    && f.profile.slices().any(|s| s == slice)
            })
            .filter_map(|(&survey, f)| {
                let before = previous.get(&f.household).copied();
                let situation = Situation {
                    per_capita_fen: per_capita(&f.measures),
                    line_fen,
                    guarantees_met: f.measures.guarantees_met,
                    previous_per_capita_fen: before.and_then(|(_, pc)| pc),
                };
                let reasons = risk::assess(situation, rules);
                (!reasons.is_empty()).then(|| HouseholdRisk {
                    survey: RecordId::from_u128(survey),
                    household: RecordId::from_u128(f.household),
                    village: self.codes[f.village as usize].clone(),
                    situation,
                    previous_wave: before.map(|(w, _)| w),
                    reasons,
                })
            })
            .collect();
        // Worst first: lowest income relative to the line, then by household id.
        out.sort_by(|a, b| {
            a.situation
                .per_capita_fen
                .unwrap_or(i64::MAX)
                .cmp(&b.situation.per_capita_fen.unwrap_or(i64::MAX))
                .then(a.household.cmp(&b.household))
        });
        out
    }

    /// Recomputes every cell from the stored facts and plots (for checks: must equal the
    /// incrementally maintained cells).
    pub fn rebuilt(&self) -> Engine {
        let mut fresh = Engine {
            codes: self.codes.clone(),
            index: self.index.clone(),
            lineage: self.lineage.clone(),
            children: self.children.clone(),
            units: self.units.clone(),
            merged: self.merged.clone(),
            assignments: self.assignments.clone(),
            lines: self.lines.clone(),
            provincial: self.provincial.clone(),
            waves: self.waves.clone(),
            baseline: self.baseline,
            targets: self.targets.clone(),
            ..Engine::default()
        };
        let mut facts: Vec<_> = self
            .facts
            .iter()
            .map(|(&k, held)| self.unpack(k, held))
            .collect();
        facts.sort_by(|a, b| a.survey.cmp(&b.survey));
        fresh.extend(facts);
        for plot in self.plots.iter().cloned() {
            fresh.add_plot(plot);
        }
        fresh
    }

    /// Every non-empty cell, for comparing two engines.
    pub fn nonzero_cells(&self) -> BTreeMap<u64, Totals> {
        self.cells
            .iter()
            .filter(|(_, t)| !t.is_zero())
            .map(|(&k, &t)| (k, t))
            .collect()
    }
}

/// Many surveys at once (start-up, rebuilds): the same cells as upserting each, built
/// bottom-up. Surveys are summed per unit × wave × profile as they arrive; when the load is
/// dropped, those sums go to the 11 slices of their unit and then up, level by level (see
/// `drop`). A survey costs one addition instead of 44. Totals are whole numbers, so the order
/// of additions cannot change a cell.
pub struct BulkLoad<'a> {
    engine: &'a mut Engine,
    /// Per unit and wave, the totals of each profile seen there (a village and wave has a
    /// dozen or so). Keys are made by the engine, so the cheap hasher will do.
    groups: Groups,
    /// The lines by wave, looked up once per wave.
    lines: HashMap<i32, WaveLines, BuildHasherDefault<KeyHasher>>,
}

/// A household as a bulk load holds it: its village interned and its profile, so that each of
/// its surveys is added without looking either up again.
#[derive(Debug, Clone, Copy)]
pub struct Place {
    village: u32,
    profile: Profile,
    participates: bool,
    poor: bool,
}

impl BulkLoad<'_> {
    /// As [`Engine::upsert`]; the cells change when the load ends.
    pub fn upsert(&mut self, fact: SurveyFact) {
        let (key, held) = self.engine.hold(fact);
        self.add_held(key, held);
    }

    /// Makes room for `surveys` more surveys.
    pub fn reserve(&mut self, surveys: usize) {
        self.engine.facts.reserve(surveys);
    }

    /// Interns a household's village and profile once, for all of its surveys.
    pub fn place(
        &mut self,
        village: &UnitCode,
        profile: Profile,
        participates: bool,
        poor: bool,
    ) -> Place {
        let village = self.engine.intern(village);
        Place {
            village,
            profile: self.engine.grouped(village, profile, participates),
            participates,
            poor,
        }
    }

    /// Adds one survey of a placed household; ids are [`RecordId::to_u128`] bits.
    pub fn add(
        &mut self,
        survey: u128,
        household: u128,
        place: Place,
        wave: i32,
        measures: SurveyMeasures,
    ) {
        self.engine.waves.insert(wave);
        let held = Held {
            household,
            village: place.village,
            wave,
            profile: place.profile,
            participates: place.participates,
            poor: place.poor,
            measures,
        };
        self.add_held(survey, held);
    }

    fn add_held(&mut self, key: u128, held: Held) {
        let engine = &*self.engine;
        let lines = *self
            .lines
            .entry(held.wave)
            .or_insert_with(|| engine.wave_lines(held.wave));
        let contribution = fact::contribution(held.participates, held.poor, &held.measures, lines);
        let counting = engine.counting_unit(held.village, held.wave);
        let profiles = self.groups.entry((counting, held.wave)).or_default();
        match profiles.iter_mut().find(|(p, _)| *p == held.profile) {
            Some((_, totals)) => totals.add(&contribution),
            None => profiles.push((held.profile, contribution)),
        }
        if let Some(old) = self.engine.facts.insert(key, held) {
            // A survey seen before (in the engine, or earlier in this load): out with the old.
            self.engine.apply(&old, false);
        }
    }
}

impl Drop for BulkLoad<'_> {
    /// Adds the groups to the cells bottom-up. For each unit and wave, the profiles' totals
    /// are summed into each slice there (a small sort, in cache); each of those cells is added
    /// to the engine and to the same slice of the parent unit; the parents' sums go up the same
    /// way. On 100,000 households × 4 waves: 271,443 village cells, each added to the engine and
    /// to its township (0.57 million additions with the levels above), where adding each of the
    /// 87,422 unit × wave × profile sums to its 44 cells took 3.8 million.
    fn drop(&mut self) {
        // Which slices each unit and wave has, sorted: the cells of the lowest level.
        let slices_of = |profiles: &[(Profile, Totals)], parts: &mut Vec<(u16, u32)>| {
            parts.clear();
            for (i, (profile, _)) in profiles.iter().enumerate() {
                parts.extend(profile.slices().map(|s| (s.key(), i as u32)));
            }
            parts.sort_unstable();
        };
        // Counted first, so the cells grow once instead of rehashing 200-byte entries as they
        // double.
        let mut parts: Vec<(u16, u32)> = Vec::new();
        let mut lowest = 0;
        for profiles in self.groups.values() {
            slices_of(profiles, &mut parts);
            lowest += parts.chunk_by(|a, b| a.0 == b.0).count();
        }
        self.engine.cells.reserve(lowest + lowest / 8);
        let mut above = Cells::default();
        for ((unit, wave), profiles) in self.groups.drain() {
            slices_of(&profiles, &mut parts);
            for run in parts.chunk_by(|a, b| a.0 == b.0) {
                let mut totals = Totals::default();
                for &(_, i) in run {
                    totals.add(&profiles[i as usize].1);
                }
                self.engine
                    .add_to_cell(Engine::key_of(unit, wave, run[0].0), &totals, &mut above);
            }
        }
        while !above.is_empty() {
            let mut next = Cells::default();
            for (key, totals) in above {
                self.engine.add_to_cell(key, &totals, &mut next);
            }
            above = next;
        }
    }
}

/// An indicator's value for `slice`, from the totals of the cell that holds it.
fn evaluate_in(indicator: &IndicatorDef, slice: Slice, totals: &Totals) -> Value {
    if indicator.source == catalogue::Source::Plots && slice != Slice::ALL {
        return Value::none(NoData::NotDisaggregated);
    }
    indicator.evaluate(totals)
}

#[cfg(test)]
mod tests;

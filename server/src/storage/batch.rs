//! A batch of records written together, in one transaction: the only write path, so a single
//! survey and a bulk seed go through the same SQL and the same all-or-nothing guarantee.

use crate::storage::accounts::AuditEntry;
use domain::{
    AdminUnit, AfforestationPlot, Household, HouseholdSurvey, Person, PovertyLine, Target,
    VillageProgramme, Wave,
};

#[derive(Debug, Default, Clone)]
pub struct Batch {
    pub units: Vec<AdminUnit>,
    pub waves: Vec<Wave>,
    pub poverty_lines: Vec<PovertyLine>,
    pub households: Vec<Household>,
    /// Stored households replaced by these corrected versions (matched by id; each one's
    /// version goes up by one).
    pub household_updates: Vec<Household>,
    /// Registry people, added or (by id) replaced.
    pub persons: Vec<Person>,
    pub surveys: Vec<HouseholdSurvey>,
    pub plots: Vec<AfforestationPlot>,
    pub targets: Vec<Target>,
    /// Survival inspections of stored plots, added or (by plot and year) replaced.
    pub inspections: Vec<(domain::RecordId, domain::SurvivalInspection)>,
    /// Villages' programme assignments, added or (by village) replaced.
    pub programmes: Vec<VillageProgramme>,
    /// Audit entries written in the same transaction as the records they describe.
    pub audit: Vec<AuditEntry>,
}

impl Batch {
    pub fn is_empty(&self) -> bool {
        self.units.is_empty()
            && self.waves.is_empty()
            && self.poverty_lines.is_empty()
            && self.households.is_empty()
            && self.household_updates.is_empty()
            && self.persons.is_empty()
            && self.surveys.is_empty()
            && self.plots.is_empty()
            && self.targets.is_empty()
            && self.programmes.is_empty()
            && self.inspections.is_empty()
    }

    /// Rows this batch writes, counting every section row (for progress and throughput).
    pub fn row_count(&self) -> usize {
        let survey_rows: usize = self
            .surveys
            .iter()
            .map(|s| {
                let a = &s.answers;
                1 + a.members.len()
                    + a.employment.len()
                    + a.training.len()
                    + a.understory.len()
                    + a.livestock.len()
            })
            .sum();
        let plot_rows: usize = self.plots.iter().map(|p| 1 + p.inspections.len()).sum();
        self.units.len()
            + self.waves.len()
            + self.poverty_lines.len()
            + self.households.len()
            + self.household_updates.len()
            + self.persons.len()
            + survey_rows
            + plot_rows
            + self.targets.len()
            + self.programmes.len()
            + self.inspections.len()
    }
}

//! Disaggregations: a slice fixes none, one or two of the household dimensions (model, poverty
//! registration, head's sex, head's ethnicity). Unit and wave are the cell's other coordinates.

use serde::{Deserialize, Serialize};

use crate::{EngagementModel, Ethnicity, Localized, PovertyRegistration, ProgrammeGroup, Sex};

/// A dimension to break figures down by (besides unit and wave).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dim {
    /// The programme group ([`ProgrammeGroup`]: the engagement model of enrolled households,
    /// comparison villages, non-enrolled households of programme villages), code `model`.
    Model,
    /// The poverty registration ([`PovertyRegistration`]), code `poverty_registration`.
    Registration,
    /// The household head's sex ([`Sex`]), code `head_sex`.
    Sex,
    /// The household head's ethnic group ([`Ethnicity`]), code `head_ethnicity`.
    Ethnicity,
}

impl Dim {
    /// Every dimension, in the order of a [`Profile`]'s and a [`Slice`]'s values.
    pub const ALL: [Dim; 4] = [Dim::Model, Dim::Registration, Dim::Sex, Dim::Ethnicity];

    /// The stable code: a value of the `by` query parameter, and the dimension's name in JSON.
    pub fn code(self) -> &'static str {
        match self {
            Dim::Model => "model",
            Dim::Registration => "poverty_registration",
            Dim::Sex => "head_sex",
            Dim::Ethnicity => "head_ethnicity",
        }
    }

    /// Accepts the code and a few short forms (`registration`, `sex`, `ethnicity`).
    pub fn parse(text: &str) -> Option<Dim> {
        match text.trim() {
            "model" => Some(Dim::Model),
            "poverty_registration" | "registration" => Some(Dim::Registration),
            "head_sex" | "sex" => Some(Dim::Sex),
            "head_ethnicity" | "ethnicity" => Some(Dim::Ethnicity),
            _ => None,
        }
    }

    /// The dimension's Chinese name, for column headers and filter labels.
    pub fn label_zh(self) -> &'static str {
        match self {
            Dim::Model => "参与模式",
            Dim::Registration => "贫困户类型",
            Dim::Sex => "户主性别",
            Dim::Ethnicity => "户主民族",
        }
    }

    /// Number of values (codes 1..=n; 0 means "any").
    fn cardinality(self) -> u8 {
        match self {
            Dim::Model => ProgrammeGroup::ALL.len() as u8,
            Dim::Registration => PovertyRegistration::ALL.len() as u8,
            Dim::Sex => Sex::ALL.len() as u8,
            Dim::Ethnicity => Ethnicity::ALL.len() as u8,
        }
    }

    /// Every value: (1-based index, stable code, zh, en).
    pub fn values(self) -> Vec<(u8, &'static str, String, String)> {
        (1..=self.cardinality())
            .map(|v| {
                let (code, zh, en) = self.value_labels(v);
                (v, code, zh, en)
            })
            .collect()
    }

    /// The 1-based index of the value with this stable code.
    pub fn value_of(self, code: &str) -> Option<u8> {
        self.values()
            .into_iter()
            .find(|(_, c, _, _)| *c == code)
            .map(|(v, ..)| v)
    }

    /// The dimension's English name, for column headers and filter labels.
    pub fn label_en(self) -> &'static str {
        match self {
            Dim::Model => "Engagement model",
            Dim::Registration => "Poverty registration",
            Dim::Sex => "Head's sex",
            Dim::Ethnicity => "Head's ethnicity",
        }
    }

    /// The stable code and labels of value `v` (1-based).
    pub fn value_labels(self, v: u8) -> (&'static str, String, String) {
        let i = usize::from(v.saturating_sub(1));
        match self {
            Dim::Model => label(ProgrammeGroup::ALL[i]),
            Dim::Registration => label(PovertyRegistration::ALL[i]),
            Dim::Sex => label(Sex::ALL[i]),
            Dim::Ethnicity => label(Ethnicity::ALL[i]),
        }
    }
}

trait Coded: Localized + Copy {
    fn stable_code(self) -> &'static str;
}

macro_rules! coded {
    ($($t:ty),+) => {$(impl Coded for $t { fn stable_code(self) -> &'static str { self.code() } })+};
}
coded!(ProgrammeGroup, PovertyRegistration, Sex, Ethnicity);

fn label<T: Coded>(value: T) -> (&'static str, String, String) {
    (value.stable_code(), value.zh(), value.en())
}

fn index_of<T: PartialEq>(all: &[T], value: &T) -> u8 {
    all.iter()
        .position(|v| v == value)
        .map_or(0, |i| i as u8 + 1)
}

/// A household's values on every dimension, 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Profile([u8; 4]);

impl Profile {
    /// The profile of a household with these values (1-based indices into each `ALL`).
    pub fn new(
        model: EngagementModel,
        registration: PovertyRegistration,
        sex: Sex,
        ethnicity: Ethnicity,
    ) -> Profile {
        Profile([
            index_of(ProgrammeGroup::ALL, &ProgrammeGroup::of_model(model)),
            index_of(PovertyRegistration::ALL, &registration),
            index_of(Sex::ALL, &sex),
            index_of(Ethnicity::ALL, &ethnicity),
        ])
    }

    /// This profile in `group` instead of its household's own model.
    pub fn in_group(mut self, group: ProgrammeGroup) -> Profile {
        self.0[Dim::Model as usize] = index_of(ProgrammeGroup::ALL, &group);
        self
    }

    /// The household's 1-based value on `dim`.
    pub fn value(self, dim: Dim) -> u8 {
        self.0[dim as usize]
    }

    /// Every slice this profile belongs to: all, each dimension alone, each pair (11 in all).
    pub fn slices(self) -> impl Iterator<Item = Slice> {
        let mut out = [Slice::ALL; 11];
        let mut n = 1;
        for (i, &a) in Dim::ALL.iter().enumerate() {
            out[n] = Slice::ALL.with(a, self.value(a));
            n += 1;
            for &b in &Dim::ALL[i + 1..] {
                out[n] = Slice::ALL.with(a, self.value(a)).with(b, self.value(b));
                n += 1;
            }
        }
        out.into_iter()
    }
}

/// A set of households: values fixed on at most two dimensions (0 = any). Packs into 16 bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Slice([u8; 4]);

impl Slice {
    /// All households: no dimension fixed.
    pub const ALL: Slice = Slice([0; 4]);

    /// This slice with `dim` fixed to the 1-based `value` (0 lets it be any again).
    pub fn with(mut self, dim: Dim, value: u8) -> Slice {
        self.0[dim as usize] = value;
        self
    }

    /// The 1-based value fixed on `dim`, or 0 if any value is allowed.
    pub fn value(self, dim: Dim) -> u8 {
        self.0[dim as usize]
    }

    /// A compact key, 3 bits per dimension, for maps of cells; distinct slices have distinct
    /// keys.
    pub fn key(self) -> u16 {
        u16::from(self.0[0])
            | u16::from(self.0[1]) << 3
            | u16::from(self.0[2]) << 6
            | u16::from(self.0[3]) << 9
    }

    /// The slices that break `base` down by `dim`, one per value.
    pub fn split(self, dim: Dim) -> Vec<Slice> {
        (1..=dim.cardinality()).map(|v| self.with(dim, v)).collect()
    }

    /// The fixed dimensions and their value codes, for display and JSON.
    pub fn describe(self) -> Vec<(Dim, &'static str, String, String)> {
        Dim::ALL
            .iter()
            .filter(|&&d| self.value(d) != 0)
            .map(|&d| {
                let (code, zh, en) = d.value_labels(self.value(d));
                (d, code, zh, en)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_belongs_to_eleven_distinct_slices() {
        let p = Profile::new(
            EngagementModel::Household,
            PovertyRegistration::Tekun,
            Sex::Female,
            Ethnicity::Other,
        );
        let slices: Vec<_> = p.slices().collect();
        assert_eq!(slices.len(), 11);
        let keys: std::collections::HashSet<_> = slices.iter().map(|s| s.key()).collect();
        assert_eq!(keys.len(), 11);
        assert_eq!(Slice::ALL.key(), 0);
    }

    #[test]
    fn split_by_model_gives_the_four_programme_groups() {
        let by_model = Slice::ALL.split(Dim::Model);
        assert_eq!(by_model.len(), 4);
        assert_eq!(by_model[3].describe()[0].1, "non_enrolled");
        assert_eq!(by_model[1].describe()[0].1, "household");
        assert_eq!(Dim::parse("sex"), Some(Dim::Sex));
        assert_eq!(Dim::parse("wave"), None);
        assert_eq!(Dim::Model.value_of("household"), Some(2));
        assert_eq!(Dim::Model.value_of("nope"), None);
        assert_eq!(Dim::Sex.values().len(), 2);
    }
}

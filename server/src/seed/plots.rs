//! Afforestation plots of programme villages, with yearly survival inspections: the
//! Novartis-era plantings (2011–2017) and the programme's own (2018–2020).

use domain::{
    AfforestationPlot, Hectares, ManagingParty, RecordId, SurvivalInspection, TreeSpecies,
};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::plan::{VillagePlan, WAVES};

pub fn plots(rng: &mut ChaCha8Rng, village: &VillagePlan) -> Vec<AfforestationPlot> {
    if !village.model.participates() {
        return Vec::new();
    }
    let novartis_era = rng.random_bool(0.4);
    (0..rng.random_range(1..=3))
        .map(|_| {
            let species = match rng.random_range(0..20) {
                0..=6 => TreeSpecies::ArmandPine,
                7..=11 => TreeSpecies::YunnanPine,
                12..=15 => TreeSpecies::SpruceFir,
                _ => TreeSpecies::Alder,
            };
            let planting_year = if novartis_era {
                rng.random_range(2011..=2017)
            } else {
                rng.random_range(2018..=2020)
            };
            let managing_party = match (village.model, rng.random_range(0..20)) {
                (domain::EngagementModel::Collective, 0..=13) => ManagingParty::Collective,
                (_, 0..=7) => ManagingParty::Cooperative,
                (_, 8..=16) => ManagingParty::Enterprise,
                _ => ManagingParty::Household,
            };
            let poor_stand = rng.random_bool(0.08);
            let mut survival: f64 = if poor_stand {
                rng.random_range(70.0..84.0)
            } else {
                rng.random_range(88.0..97.0)
            };
            let inspections = (planting_year + 1..=*WAVES.end())
                .map(|year| {
                    survival = (survival - rng.random_range(0.0..1.5)).max(50.0);
                    SurvivalInspection {
                        year,
                        survival_pct: (survival * 10.0).round() / 10.0,
                    }
                })
                .collect();
            AfforestationPlot {
                id: RecordId::from_random_bytes(rng.random()),
                village: village.code.clone(),
                area: Hectares::new((rng.random_range(5.0..40.0f64) * 10.0).round() / 10.0)
                    .unwrap_or_default(),
                species,
                planting_year,
                managing_party,
                inspections,
            }
        })
        .collect()
}

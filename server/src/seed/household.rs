//! One synthetic household over the survey waves: its registration, roster and answers, drawn
//! so that the data shows what the programme is meant to do — participants' incomes rise
//! faster than comparison households', labour income first and dividends later — with the
//! setbacks real data has: illness shocks, households falling back below the line, surveys
//! still pending or rejected.

use domain::{
    Activity, Date, Days, Education, EmploymentRow, EngagementModel, Equity, Ethnicity, Guarantees,
    Heads, Health, Household, HouseholdSurvey, LabourAbility, LivestockRow, LivestockSpecies,
    Member, Mu, OtherIncome, Phone, PovertyCause, PovertyRegistration, RecordId, Relation, Rmb,
    Sex, SurveyAnswers, SurveyStatus, TrainingRow, TrainingTopic, UnderstoryProduct, UnderstoryRow,
};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::places::person_name;
use super::plan::{VillagePlan, WAVES};

/// Picks by weight.
fn weighted<T: Copy>(rng: &mut ChaCha8Rng, choices: &[(T, f64)]) -> T {
    let total: f64 = choices.iter().map(|(_, w)| w).sum();
    let mut x = rng.random::<f64>() * total;
    for &(value, weight) in choices {
        if x < weight {
            return value;
        }
        x -= weight;
    }
    choices[choices.len() - 1].0
}

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1 = rng.random::<f64>().max(1e-12);
    let u2 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

fn rmb(yuan: f64) -> Rmb {
    Rmb::from_yuan(yuan.max(0.0).round()).unwrap_or(Rmb::ZERO)
}

fn id(rng: &mut ChaCha8Rng) -> RecordId {
    RecordId::from_random_bytes(rng.random())
}

/// What stays with a household from wave to wave.
struct Sim {
    members: Vec<Member>,
    /// Per-capita market income potential at baseline (yuan).
    base_pc: f64,
    registration: PovertyRegistration,
    model: EngagementModel,
    land_mu: f64,
    understory: Option<(UnderstoryProduct, f64)>,
    livestock: Option<(LivestockSpecies, u32)>,
    migrant: Option<u8>,
    /// Income factor left by an illness shock (1.0 = none).
    shock: f64,
}

pub struct Generated {
    pub household: Household,
    pub surveys: Vec<HouseholdSurvey>,
}

/// Given names for the registry people of the demo (made up).
const GIVEN: [&str; 8] = [
    "阿呷", "木呷", "拉哈", "阿依", "石布", "尔古", "伍各", "衣作",
];

/// The registry's people of a generated household — everyone on its latest roster (rosters
/// only grow: newborns are added at the end), the head under the head's name and the others
/// under made-up names, with ids derived from the household's id and their number (the same
/// seed gives the same people; no random draw is used) — and every survey's roster linked to
/// them.
pub fn registry_people(generated: &mut Generated) -> Vec<domain::Person> {
    use sha2::{Digest, Sha256};
    let household = &generated.household;
    let person_id = |no: u8| {
        let digest = Sha256::digest(format!("{}:{no}", household.id).as_bytes());
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        RecordId::from_random_bytes(bytes)
    };
    for survey in &mut generated.surveys {
        for m in &mut survey.answers.members {
            m.person = Some(person_id(m.no));
        }
    }
    let Some(last) = generated.surveys.last() else {
        return Vec::new();
    };
    let surname: String = household.head_name.chars().take(2).collect();
    last.answers
        .members
        .iter()
        .map(|m| domain::Person {
            id: person_id(m.no),
            household: household.id.clone(),
            position: u32::from(m.no),
            name: match m.relation {
                Relation::Head => household.head_name.clone(),
                _ => format!("{surname}{}", GIVEN[usize::from(m.no) % GIVEN.len()]),
            },
            id_card: household
                .head_id_card
                .clone()
                .filter(|_| m.relation == Relation::Head),
            sex: m.sex,
            birth_year: m.birth_year,
            relation: m.relation,
            ethnicity: m.ethnicity,
            active: true,
        })
        .collect()
}

pub fn household(
    rng: &mut ChaCha8Rng,
    village: &VillagePlan,
    index: usize,
    id_card: &mut dyn FnMut(&mut ChaCha8Rng, Sex, i32) -> domain::IdCardNumber,
) -> Generated {
    let county = village.county;
    let yi = rng.random_bool(county.yi_share);
    let ethnicity = if yi {
        Ethnicity::Yi
    } else if village.code.as_str().starts_with("513434211") {
        Ethnicity::Tibetan
    } else {
        weighted(rng, &[(Ethnicity::Han, 0.9), (Ethnicity::Other, 0.1)])
    };
    let head_sex = if rng.random_bool(0.86) {
        Sex::Male
    } else {
        Sex::Female
    };
    let head_birth = rng.random_range(1945..=1995);
    let registration = if rng.random_bool(county.poor_share) {
        weighted(
            rng,
            &[
                (PovertyRegistration::General, 0.70),
                (PovertyRegistration::Dibao, 0.25),
                (PovertyRegistration::Tekun, 0.05),
            ],
        )
    } else {
        PovertyRegistration::NonPoor
    };
    let poor = registration.is_poor();
    let model = if village.model.participates() && rng.random_bool(0.8) {
        village.model
    } else {
        EngagementModel::Comparison
    };
    let members = roster(rng, head_sex, head_birth, ethnicity);
    let base_median = if poor { 2_900.0 } else { 5_600.0 };
    let base_pc = base_median * (0.30 * normal(rng)).exp();

    let household = Household {
        id: id(rng),
        village: village.code.clone(),
        registry_no: format!("{:04}", index + 1),
        head_name: person_name(yi, rng.random_range(0..64), rng.random_range(0..64)),
        head_id_card: Some(id_card(rng, head_sex, head_birth)),
        phone: rng
            .random_bool(0.8)
            .then(|| {
                Phone::parse(&format!(
                    "1{}{:09}",
                    rng.random_range(3..=9),
                    rng.random_range(0..1_000_000_000u32)
                ))
                .ok()
            })
            .flatten(),
        head_sex,
        head_ethnicity: ethnicity,
        poverty_registration: registration,
        poverty_cause: poor.then(|| {
            weighted(
                rng,
                &[
                    (PovertyCause::LackSkills, 0.22),
                    (PovertyCause::Illness, 0.18),
                    (PovertyCause::LackCapital, 0.15),
                    (PovertyCause::LackLabour, 0.10),
                    (PovertyCause::PoorTransport, 0.09),
                    (PovertyCause::Disability, 0.07),
                    (PovertyCause::Schooling, 0.06),
                    (PovertyCause::LackLand, 0.05),
                    (PovertyCause::LackWater, 0.03),
                    (PovertyCause::Disaster, 0.02),
                    (PovertyCause::LackMotivation, 0.02),
                    (PovertyCause::Other, 0.01),
                ],
            )
        }),
        registration_year: poor.then(|| weighted(rng, &[(2014, 0.75), (2015, 0.15), (2016, 0.10)])),
        exit_year: if poor {
            weighted(
                rng,
                &[
                    (Some(2018), 0.25),
                    (Some(2019), 0.45),
                    (Some(2020), 0.25),
                    (None, 0.05),
                ],
            )
        } else {
            None
        },
        model,
        enrolment_date: model
            .participates()
            .then(|| Date::new(2018, rng.random_range(4..=12), rng.random_range(1..=28)).ok())
            .flatten(),
    };

    let working: Vec<u8> = members
        .iter()
        .filter(|m| works(m, 2018))
        .map(|m| m.no)
        .collect();
    let mut sim = Sim {
        members,
        base_pc,
        registration,
        model,
        land_mu: if model == EngagementModel::Collective {
            rng.random_range(2.0..12.0f64).round()
        } else {
            0.0
        },
        understory: (model == EngagementModel::Household && rng.random_bool(0.65)).then(|| {
            let product = weighted(
                rng,
                &[
                    (UnderstoryProduct::SichuanPepper, 0.35),
                    (UnderstoryProduct::Walnut, 0.2),
                    (UnderstoryProduct::Konjac, 0.15),
                    (UnderstoryProduct::Herbs, 0.15),
                    (UnderstoryProduct::Mushrooms, 0.1),
                    (UnderstoryProduct::PineNuts, 0.05),
                ],
            );
            (product, (rng.random_range(0.5..3.0f64) * 2.0).round() / 2.0)
        }),
        livestock: {
            let p = match model {
                EngagementModel::Household => 0.55,
                EngagementModel::Collective => 0.25,
                EngagementModel::Comparison => 0.3,
            };
            rng.random_bool(p).then(|| {
                let species = weighted(
                    rng,
                    &[
                        (LivestockSpecies::Pig, 0.35),
                        (LivestockSpecies::Goat, 0.25),
                        (LivestockSpecies::Sheep, 0.15),
                        (LivestockSpecies::Cattle, 0.1),
                        (LivestockSpecies::Chicken, 0.15),
                    ],
                );
                (species, start_heads(rng, species))
            })
        },
        migrant: (!working.is_empty() && rng.random_bool(0.15))
            .then(|| working[rng.random_range(0..working.len())]),
        shock: 1.0,
    };

    let surveys = WAVES
        .map(|year| survey(rng, &mut sim, &household, year))
        .collect();
    Generated { household, surveys }
}

fn roster(
    rng: &mut ChaCha8Rng,
    head_sex: Sex,
    head_birth: i32,
    ethnicity: Ethnicity,
) -> Vec<Member> {
    let size = weighted(
        rng,
        &[
            (1, 0.05),
            (2, 0.10),
            (3, 0.15),
            (4, 0.20),
            (5, 0.20),
            (6, 0.15),
            (7, 0.08),
            (8, 0.07),
        ],
    );
    let mut members = vec![person(
        rng,
        1,
        head_sex,
        head_birth,
        Relation::Head,
        ethnicity,
    )];
    if size >= 2 {
        let sex = if head_sex == Sex::Male {
            Sex::Female
        } else {
            Sex::Male
        };
        let birth = (head_birth + rng.random_range(-5..=5)).clamp(1940, 1998);
        members.push(person(rng, 2, sex, birth, Relation::Spouse, ethnicity));
    }
    let mut parent_added = false;
    while members.len() < size {
        let no = members.len() as u8 + 1;
        if !parent_added && head_birth > 1965 && rng.random_bool(0.3) {
            parent_added = true;
            let birth = head_birth - rng.random_range(22..=35);
            let sex = if rng.random_bool(0.6) {
                Sex::Female
            } else {
                Sex::Male
            };
            members.push(person(rng, no, sex, birth, Relation::Parent, ethnicity));
        } else {
            let birth = (head_birth + rng.random_range(20..=38)).min(2017);
            let sex = if rng.random_bool(0.5) {
                Sex::Female
            } else {
                Sex::Male
            };
            members.push(person(rng, no, sex, birth, Relation::Child, ethnicity));
        }
    }
    members
}

fn person(
    rng: &mut ChaCha8Rng,
    no: u8,
    sex: Sex,
    birth_year: i32,
    relation: Relation,
    ethnicity: Ethnicity,
) -> Member {
    let age = 2018 - birth_year;
    let education = match age {
        ..=5 => Education::Preschool,
        6..=12 => Education::Primary,
        13..=15 => Education::Junior,
        _ if birth_year < 1965 => weighted(
            rng,
            &[
                (Education::None, 0.6),
                (Education::Primary, 0.35),
                (Education::Junior, 0.05),
            ],
        ),
        _ => weighted(
            rng,
            &[
                (Education::None, 0.15),
                (Education::Primary, 0.4),
                (Education::Junior, 0.3),
                (Education::Senior, 0.1),
                (Education::Tertiary, 0.05),
            ],
        ),
    };
    let health = weighted(
        rng,
        &[
            (Health::Healthy, 0.8),
            (Health::Chronic, 0.12),
            (Health::Serious, 0.04),
            (Health::Disabled, 0.04),
        ],
    );
    let labour = if !(16..=65).contains(&age) {
        LabourAbility::NoLabour
    } else if matches!(health, Health::Serious | Health::Disabled) {
        LabourAbility::Lost
    } else if rng.random_bool(0.2) {
        LabourAbility::Skilled
    } else {
        LabourAbility::Ordinary
    };
    Member {
        no,
        sex,
        birth_year,
        relation,
        ethnicity,
        education,
        health,
        labour,
        person: None,
    }
}

fn works(member: &Member, year: i32) -> bool {
    let age = year - member.birth_year;
    (16..=65).contains(&age)
        && matches!(
            member.labour,
            LabourAbility::Ordinary | LabourAbility::Skilled
        )
}

fn start_heads(rng: &mut ChaCha8Rng, species: LivestockSpecies) -> u32 {
    match species {
        LivestockSpecies::Pig => rng.random_range(2..=6),
        LivestockSpecies::Goat => rng.random_range(5..=20),
        LivestockSpecies::Sheep => rng.random_range(5..=15),
        LivestockSpecies::Cattle => rng.random_range(1..=4),
        LivestockSpecies::Chicken | LivestockSpecies::Other => rng.random_range(10..=40),
    }
}

/// (price per head sold, net margin per head sold) in yuan.
fn livestock_prices(species: LivestockSpecies) -> (f64, f64) {
    match species {
        LivestockSpecies::Pig => (1_800.0, 1_100.0),
        LivestockSpecies::Goat => (900.0, 450.0),
        LivestockSpecies::Sheep => (700.0, 300.0),
        LivestockSpecies::Cattle => (6_000.0, 2_200.0),
        LivestockSpecies::Chicken | LivestockSpecies::Other => (80.0, 35.0),
    }
}

/// Mature net income per mu per year (yuan).
fn understory_net_per_mu(product: UnderstoryProduct) -> f64 {
    match product {
        UnderstoryProduct::SichuanPepper => 2_500.0,
        UnderstoryProduct::Walnut => 1_500.0,
        UnderstoryProduct::Konjac => 3_500.0,
        UnderstoryProduct::Herbs | UnderstoryProduct::Mushrooms => 5_000.0,
        UnderstoryProduct::PineNuts => 250.0,
        UnderstoryProduct::Other => 1_000.0,
    }
}

fn survey(
    rng: &mut ChaCha8Rng,
    sim: &mut Sim,
    household: &Household,
    year: i32,
) -> HouseholdSurvey {
    let t = year - WAVES.start();
    let participates = sim.model.participates() && t >= 1;
    let poor = sim.registration.is_poor();

    // A newborn now and then.
    if t >= 1 && sim.members.len() < 9 && rng.random_bool(0.03) {
        let no = sim.members.len() as u8 + 1;
        let sex = if rng.random_bool(0.5) {
            Sex::Female
        } else {
            Sex::Male
        };
        let ethnicity = sim.members[0].ethnicity;
        sim.members.push(Member {
            no,
            sex,
            birth_year: year,
            relation: Relation::Child,
            ethnicity,
            education: Education::Preschool,
            health: Health::Healthy,
            labour: LabourAbility::NoLabour,
            person: None,
        });
    }
    // Illness shocks: this wave hurts most, the next one still a little.
    let shock_now = t >= 1 && rng.random_bool(0.045);
    let factor = if shock_now { 0.45 } else { sim.shock };
    sim.shock = if shock_now { 0.75 } else { 1.0 };
    if shock_now {
        let who = rng.random_range(0..sim.members.len());
        sim.members[who].health = Health::Serious;
        sim.members[who].labour = LabourAbility::Lost;
    }

    let size = sim.members.len() as f64;
    // Everyone gained from the wider poverty campaign, registered poor households most.
    let growth = if poor { 1.18f64 } else { 1.08 }.powi(t);
    let noise = |rng: &mut ChaCha8Rng| (0.12 * normal(rng)).exp();
    let market = sim.base_pc * size * growth * factor;
    let workers: Vec<u8> = sim
        .members
        .iter()
        .filter(|m| works(m, year))
        .map(|m| m.no)
        .collect();

    let mut employment = Employment::default();
    let mut training = Vec::new();
    if let Some(&worker) = workers.first() {
        let wages = market * 0.3 * noise(rng);
        let days = (wages / 90.0).round().clamp(1.0, 200.0);
        employment.add(worker, Activity::OtherLocal, days, wages);
    }
    if let Some(migrant) = sim.migrant.filter(|no| workers.contains(no)) {
        let days = rng.random_range(120.0..=160.0f64).round();
        employment.add(
            migrant,
            Activity::Migrant,
            days,
            days * 150.0 * growth.sqrt() * factor,
        );
    }
    if participates && !workers.is_empty() && rng.random_bool(if poor { 0.85 } else { 0.65 }) {
        let worker = workers[rng.random_range(0..workers.len())];
        let activity = weighted(
            rng,
            &[
                (Activity::Afforestation, 0.4),
                (Activity::Tending, 0.35),
                (Activity::Nursery, 0.15),
                (Activity::ForestRanger, 0.1),
            ],
        );
        let days = (rng.random_range(10.0..30.0f64) + 4.0 * f64::from(t)).round();
        let day_rate = 95.0 + 5.0 * f64::from(t);
        employment.add(worker, activity, days, days * day_rate);
        if rng.random_bool(0.45) {
            let topic = match sim.model {
                EngagementModel::Household => weighted(
                    rng,
                    &[
                        (TrainingTopic::Understory, 0.6),
                        (TrainingTopic::Livestock, 0.4),
                    ],
                ),
                _ => TrainingTopic::Afforestation,
            };
            training.push(TrainingRow {
                member_no: worker,
                topic,
                days: Days::new(rng.random_range(2..=8)).unwrap_or_default(),
            });
        }
    }
    if participates
        && sim.model == EngagementModel::Household
        && !workers.is_empty()
        && rng.random_bool(0.2)
    {
        let worker = workers[rng.random_range(0..workers.len())];
        let activity = if sim.livestock.is_some() {
            Activity::LivestockEnterprise
        } else {
            Activity::UnderstoryEnterprise
        };
        let days = rng.random_range(10.0..30.0f64).round();
        employment.add(worker, activity, days, days * 100.0);
    }

    // Dividends come only after the plantations' first returns (2020 on).
    let shares = sim.land_mu;
    let dividends = match year {
        2020 => shares * rng.random_range(25.0..40.0),
        y if y >= 2021 => {
            (shares * rng.random_range(45.0..70.0)).max(if poor { 300.0 } else { 0.0 })
        }
        _ => 0.0,
    };
    let equity = Equity {
        land_mu: Mu::new(sim.land_mu).unwrap_or_default(),
        shares: Mu::new(shares).unwrap_or_default(),
        dividends: if sim.model == EngagementModel::Collective {
            rmb(dividends)
        } else {
            Rmb::ZERO
        },
    };

    let understory = sim
        .understory
        .filter(|_| t >= 1)
        .map(|(product, area)| {
            let maturity = match t {
                1 => 0.05,
                2 => 0.15,
                _ => 0.3,
            };
            let net_mature = understory_net_per_mu(product) * area;
            let sales = net_mature * maturity * 1.5 * noise(rng) * factor.max(0.7);
            let costs = net_mature * maturity * 0.5 + area * 120.0;
            UnderstoryRow {
                product,
                area: Mu::new(area).unwrap_or_default(),
                output_kg: Mu::new((sales / 30.0).round()).unwrap_or_default(),
                sales: rmb(sales),
                costs: rmb(costs),
            }
        })
        .into_iter()
        .collect();

    let livestock = match sim.livestock {
        Some((species, start)) => {
            let row = livestock_row(rng, species, start, participates);
            sim.livestock = Some((species, row.head_end.get().max(1)));
            vec![row]
        }
        None => Vec::new(),
    };

    let elderly = sim
        .members
        .iter()
        .filter(|m| year - m.birth_year >= 60)
        .count() as f64;
    let transfers = match sim.registration {
        PovertyRegistration::Dibao => rng.random_range(1_800.0..3_000.0),
        PovertyRegistration::Tekun => rng.random_range(4_000.0..6_000.0),
        _ => 0.0,
    } + elderly * (1_236.0 + 60.0 * f64::from(t))
        + rng.random_range(150.0..400.0);
    let other_income = OtherIncome {
        crop_net: rmb(market * 0.45 * noise(rng)),
        transfers: rmb(transfers),
        remittances: if rng.random_bool(0.1) {
            rmb(rng.random_range(500.0..3_000.0))
        } else {
            Rmb::ZERO
        },
        other: rmb(market * 0.05 * noise(rng)),
    };

    let improve = f64::from(t) * 0.08;
    let chance = |base: f64| (base + improve).min(0.995);
    let guarantees = Guarantees {
        food_clothing_secure: rng.random_bool(chance(if poor { 0.93 } else { 0.98 })),
        schooling_ok: rng.random_bool(chance(if poor { 0.85 } else { 0.95 })),
        insured: rng.random_bool(chance(if poor { 0.9 } else { 0.95 })),
        housing_safe: rng.random_bool(chance(if poor { 0.7 } else { 0.9 })),
        water_safe: rng.random_bool(chance(if poor { 0.75 } else { 0.9 })),
    };

    let status = match year {
        2021 => weighted(
            rng,
            &[
                (SurveyStatus::Approved, 0.82),
                (SurveyStatus::Submitted, 0.09),
                (SurveyStatus::Rejected, 0.05),
                (SurveyStatus::Draft, 0.04),
            ],
        ),
        2020 => weighted(
            rng,
            &[
                (SurveyStatus::Approved, 0.97),
                (SurveyStatus::Submitted, 0.02),
                (SurveyStatus::Rejected, 0.01),
            ],
        ),
        _ => SurveyStatus::Approved,
    };
    let version = match status {
        SurveyStatus::Draft => 1,
        SurveyStatus::Submitted => 2,
        SurveyStatus::Approved | SurveyStatus::Rejected => 3,
    };
    HouseholdSurvey {
        id: id(rng),
        household_id: household.id.clone(),
        wave: year,
        status,
        enumerator: format!("enumerator-{}", &household.village.as_str()[..9]),
        client_id: id(rng),
        version,
        review_comment: (status == SurveyStatus::Rejected).then(|| {
            weighted(
                rng,
                &[
                    ("牲畜存栏数与上期不一致，请核实", 0.4),
                    ("务工天数偏高，请核对", 0.3),
                    ("缺少家庭成员信息", 0.3),
                ],
            )
            .to_owned()
        }),
        answers: SurveyAnswers {
            members: sim.members.clone(),
            employment: employment.rows,
            equity,
            training,
            understory,
            livestock,
            other_income,
            guarantees,
        },
    }
}

/// Employment rows of one wave, keeping each member's days within a year: a row that would
/// pass 366 days is shortened (and its wages with it), or dropped.
#[derive(Default)]
struct Employment {
    rows: Vec<EmploymentRow>,
    used: std::collections::HashMap<u8, f64>,
}

impl Employment {
    fn add(&mut self, member_no: u8, activity: Activity, days: f64, wages: f64) {
        let used = self.used.entry(member_no).or_default();
        let allowed = days.min(f64::from(Days::MAX) - *used).floor();
        if allowed < 1.0 {
            return;
        }
        *used += allowed;
        let wages = wages * allowed / days;
        self.rows.push(EmploymentRow {
            member_no,
            activity,
            days: Days::new(allowed as i64).unwrap_or_default(),
            wages: rmb(wages),
        });
    }
}

fn livestock_row(
    rng: &mut ChaCha8Rng,
    species: LivestockSpecies,
    start: u32,
    supported: bool,
) -> LivestockRow {
    let (price, margin) = livestock_prices(species);
    let birth_rate = match species {
        LivestockSpecies::Cattle => 0.3,
        LivestockSpecies::Chicken | LivestockSpecies::Other => 1.5,
        _ => 0.8,
    } * if supported { 1.15 } else { 1.0 };
    let born = (f64::from(start) * birth_rate * rng.random_range(0.7..1.3)).round() as u32;
    let mortality = if supported {
        rng.random_range(0.03..0.08)
    } else {
        rng.random_range(0.05..0.15)
    };
    let died = ((f64::from(start + born)) * mortality).round() as u32;
    let sellable = start + born - died;
    let sold = (f64::from(sellable) * rng.random_range(0.3..0.6)).round() as u32;
    let mut head_end = sellable - sold;
    let correction_note = rng.random_bool(0.02).then(|| {
        head_end += 1;
        "购入1头（只）".to_owned()
    });
    let sales = f64::from(sold) * price * rng.random_range(0.9..1.1);
    let costs = (sales - f64::from(sold) * margin * rng.random_range(0.7..1.2)).max(0.0);
    let heads = |n: u32| Heads::new(n.into()).unwrap_or_default();
    LivestockRow {
        species,
        head_start: heads(start),
        born: heads(born),
        died: heads(died),
        sold: heads(sold),
        head_end: heads(head_end),
        sales: rmb(sales),
        costs: rmb(costs),
        correction_note,
    }
}

//! The yearly household survey and its sections, and the incomes derived from it.

use serde::{Deserialize, Serialize};

use crate::{
    Activity, Date, Days, Heads, LivestockSpecies, Member, Mu, RecordId, Rmb, SurveyStatus,
    TrainingTopic, UnderstoryProduct,
};

/// A survey wave: one year, the baseline first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wave {
    /// The wave's year; surveys, targets and poverty lines refer to a wave by it.
    pub year: i32,
    /// Whether this is the baseline wave, against which changes and progress are measured.
    pub baseline: bool,
    /// First day of the period the answers cover (1 January for a calendar-year wave).
    pub period_start: Date,
    /// Last day of the period the answers cover (31 December for a calendar-year wave).
    pub period_end: Date,
    /// A closed wave takes no new saves or reviews.
    pub closed: bool,
}

/// One member's paid work of one kind during the wave (a survey's employment section).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmploymentRow {
    /// The member who did the work: a [`Member::no`] on this survey's roster.
    pub member_no: u8,
    /// What the work was; programme work counts towards the programme-wage indicators.
    pub activity: Activity,
    /// Days worked; one member's days over all rows fit in one year.
    pub days: Days,
    /// Wages earned for this work over the wave.
    pub wages: Rmb,
}

/// Collective forest land contributed as equity (集体林地入股) and what it paid.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Equity {
    /// Forest land the household contributed, in mu (1 mu = 1/15 ha).
    pub land_mu: Mu,
    /// Shares held; one share per mu contributed is the common rule, but not a law.
    pub shares: Mu,
    /// Dividends received on the shares in the wave.
    pub dividends: Rmb,
}

/// One member's training on one topic during the wave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingRow {
    /// The member trained: a [`Member::no`] on this survey's roster.
    pub member_no: u8,
    /// What the training was about.
    pub topic: TrainingTopic,
    /// Days of training; one member's days over all rows fit in one year.
    pub days: Days,
}

/// One understory (林下经济) product the household produced in the wave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnderstoryRow {
    /// The product.
    pub product: UnderstoryProduct,
    /// The area under it, in mu.
    pub area: Mu,
    /// Output in kilograms (never negative; same bounds as an area).
    pub output_kg: Mu,
    /// Revenue from selling the product.
    pub sales: Rmb,
    /// Production costs; the row's net income is sales less costs (possibly negative).
    pub costs: Rmb,
}

/// One kind of livestock the household raised in the wave, with its head-count balance:
/// `head_start + born − died − sold` should equal `head_end`, or a correction note explains
/// why not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LivestockRow {
    /// The kind of animal.
    pub species: LivestockSpecies,
    /// Head count at the start of the wave.
    pub head_start: Heads,
    /// Animals born during the wave.
    pub born: Heads,
    /// Animals that died during the wave.
    pub died: Heads,
    /// Animals sold during the wave.
    pub sold: Heads,
    /// Head count at the end of the wave.
    pub head_end: Heads,
    /// Revenue from animals and animal products sold.
    pub sales: Rmb,
    /// Feed, veterinary and other costs; the row's net income is sales less costs.
    pub costs: Rmb,
    /// Explains a head count that does not balance (bought animals, a recount…).
    pub correction_note: Option<String>,
}

/// Income from sources without a section of their own, for the whole wave.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OtherIncome {
    /// Net income from crop farming.
    pub crop_net: Rmb,
    /// Pension, 低保, eco-compensation and other public transfers.
    pub transfers: Rmb,
    /// Money sent home by family members working away.
    pub remittances: Rmb,
    /// Any other income.
    pub other: Rmb,
}

/// 两不愁三保障 plus safe drinking water.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Guarantees {
    /// 不愁吃、不愁穿: enough food and clothing.
    pub food_clothing_secure: bool,
    /// 义务教育有保障: no child of compulsory-school age out of school.
    pub schooling_ok: bool,
    /// 基本医疗有保障: everyone covered by basic medical insurance.
    pub insured: bool,
    /// 住房安全有保障: the house is safe to live in.
    pub housing_safe: bool,
    /// 饮水安全有保障: safe drinking water.
    pub water_safe: bool,
}

impl Guarantees {
    /// Whether every guarantee is met; a household that misses any is at risk
    /// ([`crate::risk::RiskReason::GuaranteeMissed`]).
    pub fn all_met(self) -> bool {
        self.food_clothing_secure
            && self.schooling_ok
            && self.insured
            && self.housing_safe
            && self.water_safe
    }
}

/// Everything asked in one household's survey for one wave.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SurveyAnswers {
    /// The household roster for this wave, numbered from 1.
    pub members: Vec<Member>,
    /// Paid work, one row per member and kind of work.
    pub employment: Vec<EmploymentRow>,
    /// Forest land held as equity and its dividends.
    pub equity: Equity,
    /// Training attended, one row per member and topic.
    pub training: Vec<TrainingRow>,
    /// Understory production, one row per product.
    pub understory: Vec<UnderstoryRow>,
    /// Livestock raised, one row per kind.
    pub livestock: Vec<LivestockRow>,
    /// Crop, transfer, remittance and other income.
    pub other_income: OtherIncome,
    /// 两不愁三保障 and safe water.
    pub guarantees: Guarantees,
}

impl SurveyAnswers {
    /// Household size: members listed in this wave.
    pub fn household_size(&self) -> usize {
        self.members.len()
    }

    /// Wages of all employment rows (programme and other work), in fen.
    pub fn wages_fen(&self) -> i64 {
        self.employment.iter().map(|row| row.wages.fen()).sum()
    }

    /// Understory sales less costs over all rows, in fen; negative when costs exceed sales.
    pub fn understory_net_fen(&self) -> i64 {
        self.understory
            .iter()
            .map(|row| row.sales.fen() - row.costs.fen())
            .sum()
    }

    /// Livestock sales less costs over all rows, in fen; negative when costs exceed sales.
    pub fn livestock_net_fen(&self) -> i64 {
        self.livestock
            .iter()
            .map(|row| row.sales.fen() - row.costs.fen())
            .sum()
    }

    /// Income by source (fen).
    pub fn income_parts(&self) -> IncomeParts {
        let other = &self.other_income;
        IncomeParts {
            wages: self.wages_fen(),
            dividends: self.equity.dividends.fen(),
            understory_net: self.understory_net_fen(),
            livestock_net: self.livestock_net_fen(),
            crop_net: other.crop_net.fen(),
            transfers: other.transfers.fen(),
            remittances: other.remittances.fen(),
            other: other.other.fen(),
        }
    }

    /// Net income (fen): see [`IncomeParts::net_fen`]. Negative when losses exceed earnings.
    pub fn net_income_fen(&self) -> i64 {
        self.income_parts().net_fen()
    }

    /// Per-capita net income in yuan; `None` for an empty roster.
    pub fn per_capita_net_income(&self) -> Option<f64> {
        let size = self.household_size();
        (size > 0).then(|| self.net_income_fen() as f64 / 100.0 / size as f64)
    }
}

/// A household's income by source, in fen. The one definition of net income: the stored
/// survey ([`SurveyAnswers::net_income_fen`]) and the survey form's live summary (from
/// [`crate::validate::SurveyInput::income_parts`]) both sum it with [`IncomeParts::net_fen`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IncomeParts {
    /// Wages of every employment row, programme work included.
    pub wages: i64,
    /// Dividends on collective-forest equity shares.
    pub dividends: i64,
    /// Understory (林下经济) sales less costs.
    pub understory_net: i64,
    /// Livestock sales less costs.
    pub livestock_net: i64,
    /// Crop farming, net.
    pub crop_net: i64,
    /// Transfers (subsidies, pensions, 低保).
    pub transfers: i64,
    /// Remittances from family members away.
    pub remittances: i64,
    /// Anything else.
    pub other: i64,
}

impl IncomeParts {
    /// Net income: wages + dividends + understory net + livestock net + crop net + transfers +
    /// remittances + other.
    pub fn net_fen(&self) -> i64 {
        self.wages
            + self.dividends
            + self.understory_net
            + self.livestock_net
            + self.crop_net
            + self.transfers
            + self.remittances
            + self.other
    }
}

/// Per-capita net income in whole fen, rounded down as the indicator engine does; `None` for
/// an empty roster.
pub fn per_capita_fen(net_fen: i64, size: i64) -> Option<i64> {
    (size > 0).then(|| net_fen.div_euclid(size))
}

/// One household's survey in one wave, with its review state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HouseholdSurvey {
    /// The survey's id.
    pub id: RecordId,
    /// The household surveyed ([`crate::Household::id`]).
    pub household_id: RecordId,
    /// The wave's year ([`Wave::year`]); a household has at most one survey per wave.
    pub wave: i32,
    /// Where the survey is in review: draft, submitted, approved or rejected.
    pub status: SurveyStatus,
    /// Username of the enumerator who entered it.
    pub enumerator: String,
    /// Generated by the client when the survey was first saved: a retried submit is the same survey.
    pub client_id: RecordId,
    /// Incremented on every write; a write carrying an older version is refused.
    pub version: i32,
    /// The supervisor's comment from the last review (why it was sent back), if any.
    pub review_comment: Option<String>,
    /// What the household answered.
    pub answers: SurveyAnswers,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Education, Ethnicity, Health, LabourAbility, Relation, Sex};

    fn rmb(yuan: f64) -> Rmb {
        Rmb::from_yuan(yuan).expect("valid money")
    }

    fn member(no: u8) -> Member {
        Member {
            no,
            sex: Sex::Female,
            birth_year: 1980,
            relation: if no == 1 {
                Relation::Head
            } else {
                Relation::Child
            },
            ethnicity: Ethnicity::Yi,
            education: Education::Primary,
            health: Health::Healthy,
            labour: LabourAbility::Ordinary,
            person: None,
        }
    }

    #[test]
    fn net_income_adds_every_source_and_subtracts_costs() {
        let answers = SurveyAnswers {
            members: vec![member(1), member(2), member(3), member(4)],
            employment: vec![EmploymentRow {
                member_no: 1,
                activity: Activity::Afforestation,
                days: Days::new(40).expect("days"),
                wages: rmb(4000.0),
            }],
            equity: Equity {
                land_mu: Mu::new(5.0).expect("mu"),
                shares: Mu::new(5.0).expect("mu"),
                dividends: rmb(350.0),
            },
            understory: vec![UnderstoryRow {
                product: UnderstoryProduct::SichuanPepper,
                area: Mu::new(2.0).expect("mu"),
                output_kg: Mu::new(60.0).expect("kg"),
                sales: rmb(3000.0),
                costs: rmb(800.0),
            }],
            livestock: vec![LivestockRow {
                species: LivestockSpecies::Pig,
                head_start: Heads::new(2).expect("heads"),
                born: Heads::new(6).expect("heads"),
                died: Heads::new(1).expect("heads"),
                sold: Heads::new(4).expect("heads"),
                head_end: Heads::new(3).expect("heads"),
                sales: rmb(5200.0),
                costs: rmb(6000.0),
                correction_note: None,
            }],
            other_income: OtherIncome {
                crop_net: rmb(1500.0),
                transfers: rmb(1200.0),
                remittances: rmb(0.5),
                other: rmb(0.0),
            },
            ..SurveyAnswers::default()
        };
        // 4000 + 350 + (3000 − 800) + (5200 − 6000) + 1500 + 1200 + 0.5 = 8450.5 yuan
        assert_eq!(answers.net_income_fen(), 845_050);
        assert_eq!(answers.per_capita_net_income(), Some(2112.625));
        assert_eq!(SurveyAnswers::default().per_capita_net_income(), None);
    }

    #[test]
    fn all_five_guarantees_are_needed() {
        let mut flags = Guarantees {
            food_clothing_secure: true,
            schooling_ok: true,
            insured: true,
            housing_safe: true,
            water_safe: true,
        };
        assert!(flags.all_met());
        flags.water_safe = false;
        assert!(!flags.all_met());
    }
}

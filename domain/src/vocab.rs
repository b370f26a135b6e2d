//! The programme's closed vocabularies: each value has a stable code (stored, exported, used
//! in URLs) and a Chinese and English label.

use serde::{Deserialize, Serialize};

use crate::Localized;

/// Declares one closed vocabulary: an enum whose variants each carry a stable code (also their
/// serde form) and a Chinese and English label, with `ALL`, `code`, `parse` and [`Localized`].
/// Doc comments before the name document the enum; doc comments before a variant are added
/// after the generated "`code` — 中文 / English" line.
macro_rules! vocabulary {
    (
        $(#[$meta:meta])* $name:ident {
            $($(#[$vmeta:meta])* $variant:ident = $code:literal, $zh:literal, $en:literal;)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name {
            $(
                #[doc = concat!("`", $code, "` — ", $zh, " / ", $en)]
                $(#[$vmeta])*
                #[serde(rename = $code)]
                $variant
            ),+
        }

        impl $name {
            /// Every value, in declaration order: the order of form choices, code lists in the
            /// import template and export columns.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code: what the database stores, exports and URLs carry, and the serde
            /// form on the wire.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// The value with this code (surrounding whitespace ignored), or `None` for a code
            /// that is not in the vocabulary. Inverse of `code`.
            pub fn parse(code: &str) -> Option<$name> {
                let code = code.trim();
                Self::ALL.iter().copied().find(|value| value.code() == code)
            }
        }

        impl Localized for $name {
            fn zh(&self) -> String {
                match self { $($name::$variant => $zh),+ }.to_owned()
            }
            fn en(&self) -> String {
                match self { $($name::$variant => $en),+ }.to_owned()
            }
        }
    };
}

vocabulary!(
    /// A person's sex (性别): a household head's or a roster member's.
    Sex {
        Male = "male", "男", "male";
        Female = "female", "女", "female";
    }
);

vocabulary!(
    /// Ethnic group (民族) of a household head or member: the groups the survey tells apart;
    /// every other group is `Other`.
    Ethnicity {
        Yi = "yi", "彝族", "Yi";
        Han = "han", "汉族", "Han";
        Tibetan = "tibetan", "藏族", "Tibetan";
        Other = "other", "其他民族", "other";
    }
);

vocabulary!(
    /// Poverty registration (建档立卡) status.
    PovertyRegistration {
        NonPoor = "non_poor", "非贫困户", "not registered poor";
        General = "general", "一般贫困户", "general poor household";
        Dibao = "dibao", "低保贫困户", "minimum-living-guarantee poor household";
        Tekun = "tekun", "特困供养户", "extreme-poverty support household";
    }
);

impl PovertyRegistration {
    /// Whether the household is registered poor (建档立卡) under any category: everything but
    /// `NonPoor`.
    pub fn is_poor(self) -> bool {
        self != PovertyRegistration::NonPoor
    }
}

vocabulary!(
    /// The main cause of poverty (致贫原因) on a household's registration, if it has one.
    PovertyCause {
        Illness = "illness", "因病", "illness";
        Disability = "disability", "因残", "disability";
        Schooling = "schooling", "因学", "schooling costs";
        Disaster = "disaster", "因灾", "disaster";
        LackLand = "lack_land", "缺土地", "lack of land";
        LackWater = "lack_water", "缺水", "lack of water";
        LackSkills = "lack_skills", "缺技术", "lack of skills";
        LackLabour = "lack_labour", "缺劳力", "lack of labour";
        LackCapital = "lack_capital", "缺资金", "lack of capital";
        PoorTransport = "poor_transport", "交通条件落后", "poor transport";
        LackMotivation = "lack_motivation", "自身发展动力不足", "lack of motivation";
        Other = "other", "其他", "other";
    }
);

vocabulary!(
    /// How a household takes part in the programme; `Comparison` households take no part.
    EngagementModel {
        Collective = "collective", "集体经济主导型", "collective-led";
        Household = "household", "农户主体型", "household-led";
        Comparison = "comparison", "对照组", "comparison group";
    }
);

vocabulary!(
    /// The group a household belongs to for monitoring and evaluation (the `model` breakdown
    /// of every figure): enrolled participants by their model, the households of comparison
    /// villages, and the households of programme villages that did not enrol — never counted
    /// as comparison households. Without a village assignment a household's own model decides.
    ProgrammeGroup {
        Collective = "collective", "集体经济主导型", "collective-led";
        Household = "household", "农户主体型", "household-led";
        Comparison = "comparison", "对照组", "comparison group";
        NonEnrolled = "non_enrolled", "项目村未参与户", "not enrolled (programme village)";
    }
);

impl ProgrammeGroup {
    /// A household's group from its own model alone (no village assignment known).
    pub fn of_model(model: EngagementModel) -> ProgrammeGroup {
        match model {
            EngagementModel::Collective => ProgrammeGroup::Collective,
            EngagementModel::Household => ProgrammeGroup::Household,
            EngagementModel::Comparison => ProgrammeGroup::Comparison,
        }
    }

    /// A household's group given its village's assignment: comparison villages are the
    /// comparison group whatever a household says; in a programme village an enrolled
    /// household keeps its model and one that did not enrol is [`ProgrammeGroup::NonEnrolled`].
    pub fn of(village: Option<EngagementModel>, model: EngagementModel) -> ProgrammeGroup {
        match village {
            None => ProgrammeGroup::of_model(model),
            Some(EngagementModel::Comparison) => ProgrammeGroup::Comparison,
            Some(_) if model.participates() => ProgrammeGroup::of_model(model),
            Some(_) => ProgrammeGroup::NonEnrolled,
        }
    }
}

impl EngagementModel {
    /// Whether the household takes part in the programme: every model but the `Comparison`
    /// group.
    pub fn participates(self) -> bool {
        self != EngagementModel::Comparison
    }
}

vocabulary!(
    /// A member's relation to the household head (与户主关系).
    Relation {
        Head = "head", "户主", "head";
        Spouse = "spouse", "配偶", "spouse";
        Child = "child", "子女", "child";
        Parent = "parent", "父母", "parent";
        Grandchild = "grandchild", "孙子女", "grandchild";
        Sibling = "sibling", "兄弟姐妹", "sibling";
        Other = "other", "其他", "other";
    }
);

vocabulary!(
    /// The highest schooling a member has reached (文化程度); `Preschool` is for children not
    /// yet of school age, `None` for those who never went to school.
    Education {
        Preschool = "preschool", "学龄前", "pre-school";
        None = "none", "未上学", "no schooling";
        Primary = "primary", "小学", "primary";
        Junior = "junior", "初中", "junior secondary";
        Senior = "senior", "高中或中专", "senior secondary";
        Tertiary = "tertiary", "大专及以上", "tertiary";
    }
);

vocabulary!(
    /// A member's health (健康状况).
    Health {
        Healthy = "healthy", "健康", "healthy";
        Chronic = "chronic", "长期慢性病", "chronic illness";
        Serious = "serious", "大病", "serious illness";
        Disabled = "disabled", "残疾", "disability";
    }
);

vocabulary!(
    /// A member's ability to work (劳动能力), as on the poverty register.
    LabourAbility {
        Ordinary = "ordinary", "普通劳动力", "ordinary labour";
        Skilled = "skilled", "技能劳动力", "skilled labour";
        Lost = "lost", "丧失劳动力", "lost labour ability";
        NoLabour = "none", "无劳动力", "no labour ability";
    }
);

vocabulary!(
    /// What a member worked at. All but other local work and migrant work are programme work.
    Activity {
        Afforestation = "afforestation", "造林", "afforestation";
        Tending = "tending", "抚育管护", "tending";
        ForestRanger = "forest_ranger", "护林员", "forest ranger";
        Nursery = "nursery", "育苗", "nursery";
        UnderstoryEnterprise = "understory_enterprise", "林下经济企业务工", "understory enterprise";
        LivestockEnterprise = "livestock_enterprise", "养殖企业务工", "livestock enterprise";
        OtherLocal = "other_local", "其他本地务工", "other local work";
        Migrant = "migrant", "外出务工", "migrant work";
    }
);

impl Activity {
    /// Whether this is programme work (afforestation, tending, ranger, nursery, understory or
    /// livestock enterprise) rather than other local or migrant work.
    pub fn is_programme(self) -> bool {
        !matches!(self, Activity::OtherLocal | Activity::Migrant)
    }
}

vocabulary!(
    /// The subject of a training course a member attended (a survey's training rows).
    TrainingTopic {
        Afforestation = "afforestation", "造林管护", "afforestation";
        Understory = "understory", "林下种植", "understory";
        Livestock = "livestock", "养殖", "livestock";
        Other = "other", "其他", "other";
    }
);

vocabulary!(
    /// A product of the understory economy (林下经济) that a household grows or gathers
    /// (a survey's understory rows).
    UnderstoryProduct {
        SichuanPepper = "sichuan_pepper", "花椒", "Sichuan pepper";
        Walnut = "walnut", "核桃", "walnut";
        Konjac = "konjac", "魔芋", "konjac";
        Herbs = "herbs", "中药材", "medicinal herbs";
        Mushrooms = "mushrooms", "食用菌", "mushrooms";
        PineNuts = "pine_nuts", "松子", "pine nuts";
        Other = "other", "其他", "other";
    }
);

vocabulary!(
    /// A kind of livestock a household raises (a survey's livestock rows).
    LivestockSpecies {
        Pig = "pig", "猪（乌金猪）", "pig (Wujin)";
        Goat = "goat", "黑山羊", "black goat";
        Cattle = "cattle", "牛", "cattle";
        Sheep = "sheep", "半细毛羊", "semi-fine-wool sheep";
        Chicken = "chicken", "鸡", "chicken";
        Other = "other", "其他", "other";
    }
);

vocabulary!(
    /// The tree species planted on an afforestation plot.
    TreeSpecies {
        YunnanPine = "yunnan_pine", "云南松", "Yunnan pine";
        ArmandPine = "armand_pine", "华山松", "Armand pine";
        Alder = "alder", "桤木", "alder";
        SpruceFir = "spruce_fir", "云杉/冷杉", "spruce / fir";
        Other = "other", "其他", "other";
    }
);

vocabulary!(
    /// Who manages an afforestation plot (经营主体).
    ManagingParty {
        Collective = "collective", "村集体", "village collective";
        Enterprise = "enterprise", "企业", "enterprise";
        Cooperative = "cooperative", "合作社", "cooperative";
        Household = "household", "农户", "household";
    }
);

vocabulary!(
    /// A survey's place in review: draft → submitted → approved | rejected.
    SurveyStatus {
        Draft = "draft", "草稿", "draft";
        Submitted = "submitted", "待审核", "submitted";
        Approved = "approved", "已审核", "approved";
        Rejected = "rejected", "已退回", "rejected";
    }
);

impl SurveyStatus {
    /// Whether the enumerator may still change the answers: drafts, and surveys sent back.
    /// A submitted survey waits for its reviewer; an approved one must be sent back first.
    pub fn editable(self) -> bool {
        matches!(self, SurveyStatus::Draft | SurveyStatus::Rejected)
    }

    /// Where a supervisor's decision takes a survey: a submitted survey is approved or
    /// rejected; an approved one can be rejected again (un-approved). Anything else is not a
    /// review step (`None`): drafts are not submitted yet, rejected ones await the enumerator.
    pub fn after_review(self, approve: bool) -> Option<SurveyStatus> {
        match (self, approve) {
            (SurveyStatus::Submitted, true) => Some(SurveyStatus::Approved),
            (SurveyStatus::Submitted | SurveyStatus::Approved, false) => {
                Some(SurveyStatus::Rejected)
            }
            _ => None,
        }
    }
}

vocabulary!(
    /// A supervisor's decision on a survey (see [`SurveyStatus::after_review`]).
    ReviewDecision {
        Approve = "approve", "通过", "approve";
        Reject = "reject", "退回", "send back";
    }
);

vocabulary!(
    /// Whether a registered household is still there (户籍状态); the others stay on record with
    /// their surveys.
    HouseholdStatus {
        Active = "active", "在册", "active";
        MovedOut = "moved_out", "已迁出", "moved out";
        Deceased = "deceased", "已销户（户内无人）", "deceased (no members left)";
        Merged = "merged", "已并户", "merged into another household";
    }
);

impl ReviewDecision {
    /// Whether the decision approves the survey.
    pub fn approves(self) -> bool {
        self == ReviewDecision::Approve
    }
}

vocabulary!(
    /// What a user account is for; what each may do is decided in `access`.
    Role {
        Admin = "admin", "系统管理员", "administrator";
        Official = "official", "县乡干部", "official";
        Supervisor = "supervisor", "审核员", "supervisor";
        Enumerator = "enumerator", "调查员", "enumerator";
        Researcher = "researcher", "研究人员", "researcher";
    }
);

vocabulary!(
    /// A poverty-line scheme: the national line is the default for every indicator.
    PovertyScheme {
        National = "national", "国家标准", "national line";
        Provincial = "provincial", "四川省退出标准", "Sichuan exit threshold";
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    fn codes_are_unique_and_round_trip<T: Copy + PartialEq + std::fmt::Debug>(
        all: &[T],
        code: fn(T) -> &'static str,
        parse: fn(&str) -> Option<T>,
    ) {
        let mut seen = std::collections::HashSet::new();
        for &value in all {
            assert!(seen.insert(code(value)), "duplicate code {}", code(value));
            assert_eq!(parse(code(value)), Some(value));
        }
        assert_eq!(parse("no_such_code"), None);
    }

    #[test]
    fn every_vocabulary_round_trips() {
        codes_are_unique_and_round_trip(Sex::ALL, Sex::code, Sex::parse);
        codes_are_unique_and_round_trip(Ethnicity::ALL, Ethnicity::code, Ethnicity::parse);
        codes_are_unique_and_round_trip(
            PovertyRegistration::ALL,
            PovertyRegistration::code,
            PovertyRegistration::parse,
        );
        codes_are_unique_and_round_trip(PovertyCause::ALL, PovertyCause::code, PovertyCause::parse);
        codes_are_unique_and_round_trip(
            EngagementModel::ALL,
            EngagementModel::code,
            EngagementModel::parse,
        );
        codes_are_unique_and_round_trip(Relation::ALL, Relation::code, Relation::parse);
        codes_are_unique_and_round_trip(Education::ALL, Education::code, Education::parse);
        codes_are_unique_and_round_trip(Health::ALL, Health::code, Health::parse);
        codes_are_unique_and_round_trip(
            LabourAbility::ALL,
            LabourAbility::code,
            LabourAbility::parse,
        );
        codes_are_unique_and_round_trip(Activity::ALL, Activity::code, Activity::parse);
        codes_are_unique_and_round_trip(
            TrainingTopic::ALL,
            TrainingTopic::code,
            TrainingTopic::parse,
        );
        codes_are_unique_and_round_trip(
            UnderstoryProduct::ALL,
            UnderstoryProduct::code,
            UnderstoryProduct::parse,
        );
        codes_are_unique_and_round_trip(
            LivestockSpecies::ALL,
            LivestockSpecies::code,
            LivestockSpecies::parse,
        );
        codes_are_unique_and_round_trip(TreeSpecies::ALL, TreeSpecies::code, TreeSpecies::parse);
        codes_are_unique_and_round_trip(
            ManagingParty::ALL,
            ManagingParty::code,
            ManagingParty::parse,
        );
        codes_are_unique_and_round_trip(SurveyStatus::ALL, SurveyStatus::code, SurveyStatus::parse);
        codes_are_unique_and_round_trip(Role::ALL, Role::code, Role::parse);
    }

    #[test]
    fn review_moves_submitted_surveys_and_can_unapprove() {
        use SurveyStatus::*;
        assert_eq!(Submitted.after_review(true), Some(Approved));
        assert_eq!(Submitted.after_review(false), Some(Rejected));
        assert_eq!(Approved.after_review(false), Some(Rejected));
        assert_eq!(Approved.after_review(true), None);
        assert_eq!(Draft.after_review(true), None);
        assert_eq!(Rejected.after_review(true), None);
        codes_are_unique_and_round_trip(
            PovertyScheme::ALL,
            PovertyScheme::code,
            PovertyScheme::parse,
        );
    }

    #[test]
    fn programme_activities_exclude_other_local_and_migrant_work() {
        let programme: Vec<_> = Activity::ALL
            .iter()
            .filter(|a| a.is_programme())
            .map(|a| a.code())
            .collect();
        assert_eq!(
            programme,
            [
                "afforestation",
                "tending",
                "forest_ranger",
                "nursery",
                "understory_enterprise",
                "livestock_enterprise"
            ]
        );
        assert!(PovertyRegistration::Dibao.is_poor() && !PovertyRegistration::NonPoor.is_poor());
        assert!(!EngagementModel::Comparison.participates());
    }
}

//! The micro-data tables, defined once: each column names its SQL expression, its type, unit,
//! labels and allowed values. Storage builds the export queries from these definitions
//! (`export_sql.rs`); `export::microdata` writes the CSV, XLSX and codebook from the same
//! ones, so the query, the file header and the codebook cannot disagree.
//!
//! Never exported: names, ID-card numbers, phones, registry numbers, record ids (replaced by
//! pseudonyms), enumerators' usernames, review comments and livestock correction notes (free
//! text may name people).

use domain::{
    Activity, Education, EngagementModel, Ethnicity, Health, LabourAbility, LivestockSpecies,
    Localized, ManagingParty, PovertyRegistration, Relation, Sex, SurveyStatus, TrainingTopic,
    TreeSpecies, UnderstoryProduct,
};

/// How a column's value is stored and written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A record id, written as its pseudonym in this namespace.
    Pid(&'static str),
    /// A code or other text.
    Text,
    Int,
    /// Whole fen, written as yuan with two decimals.
    Fen,
    Float,
    /// Written as 1 / 0.
    Bool,
}

impl Kind {
    pub fn type_name(self) -> &'static str {
        match self {
            Kind::Pid(_) | Kind::Text => "string",
            Kind::Int | Kind::Bool => "integer",
            Kind::Fen | Kind::Float => "decimal",
        }
    }
}

/// Allowed values of a coded column: (code, zh, en).
pub type Labels = fn() -> Vec<(String, String, String)>;

pub struct Column {
    pub name: &'static str,
    pub sql: &'static str,
    pub kind: Kind,
    pub zh: &'static str,
    pub en: &'static str,
    pub unit: &'static str,
    pub values: Option<Labels>,
}

impl Column {
    /// The column's codebook entry: variable, label_zh, label_en, type, unit, and its values
    /// as `code=中文/English; …` (empty for free values). Every codebook (CSV, JSON's labels,
    /// the workbooks' sheet) is written from this.
    pub fn codebook_entry(&self) -> [String; 6] {
        let values = self
            .values
            .map(|labels| {
                labels()
                    .into_iter()
                    .map(|(code, zh, en)| format!("{code}={zh}/{en}"))
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .unwrap_or_default();
        [
            self.name.to_owned(),
            self.zh.to_owned(),
            self.en.to_owned(),
            self.kind.type_name().to_owned(),
            self.unit.to_owned(),
            values,
        ]
    }
}

/// One exported file.
pub struct Table {
    /// File name without extension.
    pub name: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    /// `FROM …` with the aliases the columns use; survey tables alias `s` and `h`.
    pub from: &'static str,
    /// The village column for the scope filter.
    pub village: &'static str,
    /// Survey-based tables are filtered by wave and status.
    pub survey_based: bool,
    /// SQLite reads the table in ranges of this alias's `rowid` (of table `rowid_table`);
    /// PostgreSQL groups by `pg_chunk` instead. Each chunk is packed into one JSON array by
    /// the database: per-row driver overhead, not the database, dominated a row-by-row export.
    pub chunk_alias: &'static str,
    pub rowid_table: &'static str,
    pub pg_chunk: &'static str,
    pub columns: &'static [Column],
}

macro_rules! labels {
    ($vocab:ty) => {
        Some(|| {
            <$vocab>::ALL
                .iter()
                .map(|v| (v.code().to_owned(), v.zh(), v.en()))
                .collect()
        })
    };
}

const fn col(
    name: &'static str,
    sql: &'static str,
    kind: Kind,
    zh: &'static str,
    en: &'static str,
    unit: &'static str,
) -> Column {
    Column {
        name,
        sql,
        kind,
        zh,
        en,
        unit,
        values: None,
    }
}

const fn coded(
    name: &'static str,
    sql: &'static str,
    zh: &'static str,
    en: &'static str,
    values: Option<Labels>,
) -> Column {
    Column {
        name,
        sql,
        kind: Kind::Text,
        zh,
        en,
        unit: "",
        values,
    }
}

/// The village of a section row's household, looked up only when a scope filter needs it.
const HOUSEHOLD_VILLAGE: &str =
    "(SELECT h.village_code FROM households h WHERE h.id = s.household_id)";

const HOUSEHOLD_PID: Column = col(
    "household_pid",
    "s.household_id",
    Kind::Pid("household"),
    "农户化名编号（各次导出一致）",
    "household pseudonymous id (stable across exports)",
    "",
);
const WAVE: Column = col(
    "wave",
    "CAST(s.wave AS BIGINT)",
    Kind::Int,
    "调查轮次（年份）",
    "survey wave (year)",
    "year",
);
const ROW_NO: &str = "row_no";

fn yes_no() -> Vec<(String, String, String)> {
    vec![
        ("1".into(), "是".into(), "yes".into()),
        ("0".into(), "否".into(), "no".into()),
    ]
}

const fn flag(name: &'static str, sql: &'static str, zh: &'static str, en: &'static str) -> Column {
    Column {
        name,
        sql,
        kind: Kind::Bool,
        zh,
        en,
        unit: "",
        values: Some(yes_no),
    }
}

pub const HOUSEHOLDS: Table = Table {
    name: "households_by_wave",
    zh: "农户-轮次",
    en: "households by wave",
    from: "surveys s JOIN households h ON h.id = s.household_id JOIN survey_facts f ON f.survey_id = s.id \
           LEFT JOIN village_programmes vp ON vp.village_code = h.village_code",
    village: "h.village_code",
    survey_based: true,
    chunk_alias: "s",
    rowid_table: "surveys",
    pg_chunk: "s.wave, SUBSTR(h.village_code, 1, 9)",
    columns: &[
        HOUSEHOLD_PID,
        WAVE,
        col("county_code", "SUBSTR(h.village_code, 1, 6)", Kind::Text, "县代码", "county code", ""),
        col("township_code", "SUBSTR(h.village_code, 1, 9)", Kind::Text, "乡镇代码", "township code", ""),
        col("village_code", "h.village_code", Kind::Text, "村代码", "village code", ""),
        coded("model", "h.model", "参与模式", "engagement model", labels!(EngagementModel)),
        coded("village_model", "vp.model", "村的项目分配（空：未分配）", "the village's programme assignment (empty: none recorded)", labels!(EngagementModel)),
        col("programme_start_year", "CAST(vp.start_year AS BIGINT)", Kind::Int, "村项目起始年份（对照村为空）", "the year the programme started in the village (empty for comparison villages)", ""),
        flag("enrolled", "CASE WHEN h.model <> 'comparison' THEN 1 ELSE 0 END", "本户参与项目", "the household enrolled"),
        coded("poverty_registration", "h.poverty_registration", "建档立卡类别", "poverty registration", labels!(PovertyRegistration)),
        coded("head_sex", "h.head_sex", "户主性别", "head's sex", labels!(Sex)),
        coded("head_ethnicity", "h.head_ethnicity", "户主民族", "head's ethnicity", labels!(Ethnicity)),
        col("household_size", "CAST(f.size AS BIGINT)", Kind::Int, "家庭人口", "household size", "persons"),
        col("wages", "f.wages_fen", Kind::Fen, "工资性收入（项目及其他务工）", "wage income (programme and other work)", "RMB/yr"),
        col("programme_wages", "CAST(f.programme_wages_fen AS BIGINT)", Kind::Fen, "其中：项目务工收入", "of which programme wages", "RMB/yr"),
        col("dividends", "s.dividends_fen", Kind::Fen, "林地入股分红", "forest-equity dividends", "RMB/yr"),
        col("understory_sales", "f.understory_sales_fen", Kind::Fen, "林下产品销售收入", "understory sales", "RMB/yr"),
        col("understory_costs", "f.understory_costs_fen", Kind::Fen, "林下经营成本", "understory costs", "RMB/yr"),
        col("livestock_sales", "f.livestock_sales_fen", Kind::Fen, "养殖销售收入", "livestock sales", "RMB/yr"),
        col("livestock_costs", "f.livestock_costs_fen", Kind::Fen, "养殖成本", "livestock costs", "RMB/yr"),
        col("crop_net", "s.crop_net_fen", Kind::Fen, "种植业纯收入", "crop net income", "RMB/yr"),
        col("transfers", "s.transfers_fen", Kind::Fen, "转移性收入", "transfers", "RMB/yr"),
        col("remittances", "s.remittances_fen", Kind::Fen, "外出人员寄回", "remittances", "RMB/yr"),
        col("other_income", "s.other_fen", Kind::Fen, "其他收入", "other income", "RMB/yr"),
        col("net_income", "f.net_income_fen", Kind::Fen, "家庭纯收入（以上各项之和，成本已扣除）", "household net income (sum of the above, costs deducted)", "RMB/yr"),
        flag("food_clothing_secure", "s.food_clothing_secure", "不愁吃、不愁穿", "food and clothing secure"),
        flag("schooling_ok", "s.schooling_ok", "义务教育有保障", "compulsory schooling assured"),
        flag("insured", "s.insured", "基本医疗有保障", "basic medical insurance"),
        flag("housing_safe", "s.housing_safe", "住房安全有保障", "safe housing"),
        flag("water_safe", "s.water_safe", "饮水安全有保障", "safe drinking water"),
    ],
};

pub const MEMBERS: Table = Table {
    name: "members_by_wave",
    zh: "家庭成员-轮次",
    en: "members by wave",
    from: "survey_members r JOIN surveys s ON s.id = r.survey_id",
    village: HOUSEHOLD_VILLAGE,
    survey_based: true,
    chunk_alias: "r",
    rowid_table: "survey_members",
    pg_chunk: "s.wave, SUBSTR(s.household_id, 1, 2)",
    columns: &[
        HOUSEHOLD_PID,
        WAVE,
        col(
            "member_no",
            "CAST(r.member_no AS BIGINT)",
            Kind::Int,
            "成员序号（户内、轮次内）",
            "member number (within household and wave)",
            "",
        ),
        col(
            "person_pid",
            "r.person_id",
            Kind::Pid("person"),
            "成员化名编号（与户籍成员表一致，各轮次相同）",
            "person pseudonymous id (as in persons; the same in every wave)",
            "",
        ),
        coded("sex", "r.sex", "性别", "sex", labels!(Sex)),
        col(
            "birth_year",
            "CAST(r.birth_year AS BIGINT)",
            Kind::Int,
            "出生年份",
            "birth year",
            "year",
        ),
        coded(
            "relation",
            "r.relation",
            "与户主关系",
            "relation to head",
            labels!(Relation),
        ),
        coded(
            "ethnicity",
            "r.ethnicity",
            "民族",
            "ethnicity",
            labels!(Ethnicity),
        ),
        coded(
            "education",
            "r.education",
            "文化程度",
            "education",
            labels!(Education),
        ),
        coded("health", "r.health", "健康状况", "health", labels!(Health)),
        coded(
            "labour",
            "r.labour",
            "劳动能力",
            "labour ability",
            labels!(LabourAbility),
        ),
    ],
};

pub const EMPLOYMENT: Table = Table {
    name: "employment",
    zh: "务工",
    en: "employment",
    from: "employment_rows r JOIN surveys s ON s.id = r.survey_id",
    village: HOUSEHOLD_VILLAGE,
    survey_based: true,
    chunk_alias: "r",
    rowid_table: "employment_rows",
    pg_chunk: "s.wave, SUBSTR(s.household_id, 1, 2)",
    columns: &[
        HOUSEHOLD_PID,
        WAVE,
        col(ROW_NO, "CAST(r.row_no AS BIGINT)", Kind::Int, "行号", "row number", ""),
        col("member_no", "CAST(r.member_no AS BIGINT)", Kind::Int, "成员序号", "member number", ""),
        coded("activity", "r.activity", "务工类别", "activity", labels!(Activity)),
        Column {
            name: "programme",
            sql: "CASE WHEN r.activity IN ('afforestation', 'tending', 'forest_ranger', 'nursery', 'understory_enterprise', 'livestock_enterprise') THEN TRUE ELSE FALSE END",
            kind: Kind::Bool,
            zh: "是否项目务工",
            en: "programme work",
            unit: "",
            values: Some(yes_no),
        },
        col("days", "CAST(r.days AS BIGINT)", Kind::Int, "天数", "days", "days/yr"),
        col("wages", "r.wages_fen", Kind::Fen, "工资", "wages", "RMB/yr"),
    ],
};

pub const TRAINING: Table = Table {
    name: "training",
    zh: "培训",
    en: "training",
    from: "training_rows r JOIN surveys s ON s.id = r.survey_id",
    village: HOUSEHOLD_VILLAGE,
    survey_based: true,
    chunk_alias: "r",
    rowid_table: "training_rows",
    pg_chunk: "s.wave, SUBSTR(s.household_id, 1, 2)",
    columns: &[
        HOUSEHOLD_PID,
        WAVE,
        col(
            ROW_NO,
            "CAST(r.row_no AS BIGINT)",
            Kind::Int,
            "行号",
            "row number",
            "",
        ),
        col(
            "member_no",
            "CAST(r.member_no AS BIGINT)",
            Kind::Int,
            "成员序号",
            "member number",
            "",
        ),
        coded(
            "topic",
            "r.topic",
            "培训内容",
            "topic",
            labels!(TrainingTopic),
        ),
        col(
            "days",
            "CAST(r.days AS BIGINT)",
            Kind::Int,
            "天数",
            "days",
            "days/yr",
        ),
    ],
};

pub const UNDERSTORY: Table = Table {
    name: "understory",
    zh: "林下经济",
    en: "understory",
    from: "understory_rows r JOIN surveys s ON s.id = r.survey_id",
    village: HOUSEHOLD_VILLAGE,
    survey_based: true,
    chunk_alias: "r",
    rowid_table: "understory_rows",
    pg_chunk: "s.wave, SUBSTR(s.household_id, 1, 2)",
    columns: &[
        HOUSEHOLD_PID,
        WAVE,
        col(
            ROW_NO,
            "CAST(r.row_no AS BIGINT)",
            Kind::Int,
            "行号",
            "row number",
            "",
        ),
        coded(
            "product",
            "r.product",
            "产品",
            "product",
            labels!(UnderstoryProduct),
        ),
        col("area_mu", "r.area_mu", Kind::Float, "面积", "area", "mu"),
        col(
            "output_kg",
            "r.output_kg",
            Kind::Float,
            "产量",
            "output",
            "kg",
        ),
        col(
            "sales",
            "r.sales_fen",
            Kind::Fen,
            "销售收入",
            "sales",
            "RMB/yr",
        ),
        col("costs", "r.costs_fen", Kind::Fen, "成本", "costs", "RMB/yr"),
    ],
};

pub const LIVESTOCK: Table = Table {
    name: "livestock",
    zh: "养殖",
    en: "livestock",
    from: "livestock_rows r JOIN surveys s ON s.id = r.survey_id",
    village: HOUSEHOLD_VILLAGE,
    survey_based: true,
    chunk_alias: "r",
    rowid_table: "livestock_rows",
    pg_chunk: "s.wave, SUBSTR(s.household_id, 1, 2)",
    columns: &[
        HOUSEHOLD_PID,
        WAVE,
        col(
            ROW_NO,
            "CAST(r.row_no AS BIGINT)",
            Kind::Int,
            "行号",
            "row number",
            "",
        ),
        coded(
            "species",
            "r.species",
            "畜种",
            "species",
            labels!(LivestockSpecies),
        ),
        col(
            "head_start",
            "CAST(r.head_start AS BIGINT)",
            Kind::Int,
            "年初存栏",
            "head at start of year",
            "head",
        ),
        col(
            "born",
            "CAST(r.born AS BIGINT)",
            Kind::Int,
            "出生",
            "born",
            "head",
        ),
        col(
            "died",
            "CAST(r.died AS BIGINT)",
            Kind::Int,
            "死亡",
            "died",
            "head",
        ),
        col(
            "sold",
            "CAST(r.sold AS BIGINT)",
            Kind::Int,
            "出栏",
            "sold",
            "head",
        ),
        col(
            "head_end",
            "CAST(r.head_end AS BIGINT)",
            Kind::Int,
            "年末存栏",
            "head at end of year",
            "head",
        ),
        col(
            "sales",
            "r.sales_fen",
            Kind::Fen,
            "销售收入",
            "sales",
            "RMB/yr",
        ),
        col("costs", "r.costs_fen", Kind::Fen, "成本", "costs", "RMB/yr"),
    ],
};

const PLOT_PID: Column = col(
    "plot_pid",
    "p.id",
    Kind::Pid("plot"),
    "地块化名编号",
    "plot pseudonymous id",
    "",
);

pub const PLOTS: Table = Table {
    name: "plots",
    zh: "造林地块",
    en: "afforestation plots",
    from: "plots p",
    village: "p.village_code",
    survey_based: false,
    chunk_alias: "p",
    rowid_table: "plots",
    pg_chunk: "SUBSTR(p.village_code, 1, 6)",
    columns: &[
        PLOT_PID,
        col(
            "county_code",
            "SUBSTR(p.village_code, 1, 6)",
            Kind::Text,
            "县代码",
            "county code",
            "",
        ),
        col(
            "township_code",
            "SUBSTR(p.village_code, 1, 9)",
            Kind::Text,
            "乡镇代码",
            "township code",
            "",
        ),
        col(
            "village_code",
            "p.village_code",
            Kind::Text,
            "村代码",
            "village code",
            "",
        ),
        col("area_ha", "p.area_ha", Kind::Float, "面积", "area", "ha"),
        coded(
            "species",
            "p.species",
            "树种",
            "species",
            labels!(TreeSpecies),
        ),
        col(
            "planting_year",
            "CAST(p.planting_year AS BIGINT)",
            Kind::Int,
            "造林年份",
            "planting year",
            "year",
        ),
        coded(
            "managing_party",
            "p.managing_party",
            "经营主体",
            "managing party",
            labels!(ManagingParty),
        ),
    ],
};

pub const PLOT_INSPECTIONS: Table = Table {
    name: "plot_inspections",
    zh: "地块成活率检查",
    en: "plot survival inspections",
    from: "plot_inspections i JOIN plots p ON p.id = i.plot_id",
    village: "p.village_code",
    survey_based: false,
    chunk_alias: "i",
    rowid_table: "plot_inspections",
    pg_chunk: "SUBSTR(p.village_code, 1, 6)",
    columns: &[
        PLOT_PID,
        col(
            "year",
            "CAST(i.year AS BIGINT)",
            Kind::Int,
            "检查年份",
            "inspection year",
            "year",
        ),
        col(
            "survival_pct",
            "i.survival_pct",
            Kind::Float,
            "成活率",
            "survival rate",
            "%",
        ),
    ],
};

/// The registry's people: one row per person with a pseudonymous id that stays the same
/// across downloads, corrections and re-imports of the registry (those who left, inactive).
pub const PERSONS: Table = Table {
    name: "persons",
    zh: "户籍成员",
    en: "registry people",
    from: "persons p JOIN households h ON h.id = p.household_id",
    village: "h.village_code",
    survey_based: false,
    chunk_alias: "p",
    rowid_table: "persons",
    pg_chunk: "SUBSTR(h.village_code, 1, 6)",
    columns: &[
        col(
            "person_pid",
            "p.id",
            Kind::Pid("person"),
            "成员化名编号（各次导出、更正后一致）",
            "person pseudonymous id (stable across exports and corrections)",
            "",
        ),
        col(
            "household_pid",
            "p.household_id",
            Kind::Pid("household"),
            "农户化名编号（各次导出一致）",
            "household pseudonymous id (stable across exports)",
            "",
        ),
        col(
            "village_code",
            "h.village_code",
            Kind::Text,
            "村代码",
            "village code",
            "",
        ),
        col(
            "position",
            "CAST(p.position AS BIGINT)",
            Kind::Int,
            "户籍名册中的序号",
            "position in the registry's list",
            "",
        ),
        coded("sex", "p.sex", "性别", "sex", labels!(Sex)),
        col(
            "birth_year",
            "CAST(p.birth_year AS BIGINT)",
            Kind::Int,
            "出生年份",
            "birth year",
            "year",
        ),
        coded(
            "relation",
            "p.relation",
            "与户主关系",
            "relation to head",
            labels!(Relation),
        ),
        coded(
            "ethnicity",
            "p.ethnicity",
            "民族",
            "ethnicity",
            labels!(Ethnicity),
        ),
        flag(
            "active",
            "p.active",
            "仍在户内",
            "still a member of the household",
        ),
    ],
};

/// Every micro-data file, in the order they are written.
pub const TABLES: [&Table; 9] = [
    &HOUSEHOLDS,
    &MEMBERS,
    &EMPLOYMENT,
    &TRAINING,
    &UNDERSTORY,
    &LIVESTOCK,
    &PERSONS,
    &PLOTS,
    &PLOT_INSPECTIONS,
];

/// The `status` column added to survey-based tables when unapproved surveys are included.
pub const STATUS: Column = Column {
    name: "status",
    sql: "s.status",
    kind: Kind::Text,
    zh: "审核状态",
    en: "review status",
    unit: "",
    values: labels!(SurveyStatus),
};

pub fn table(name: &str) -> Option<&'static Table> {
    TABLES.iter().copied().find(|t| t.name == name)
}

/// Which rows to export.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Only these waves (empty: all).
    pub waves: Vec<i32>,
    /// Include draft, submitted and rejected surveys too (adds a `status` column).
    pub all_statuses: bool,
    /// Only villages whose code starts with one of these (empty: all).
    pub village_prefixes: Vec<String>,
}

impl Table {
    /// The columns written for this filter.
    pub fn columns_for<'a>(&'a self, filter: &Filter) -> Vec<&'a Column> {
        let mut columns: Vec<&Column> = self.columns.iter().collect();
        if self.survey_based && filter.all_statuses {
            columns.push(&STATUS);
        }
        columns
    }

    pub fn header(&self, filter: &Filter) -> String {
        let names: Vec<&str> = self.columns_for(filter).iter().map(|c| c.name).collect();
        format!("{}\n", names.join(","))
    }
}

//! The real places of the demo: Liangshan's three programme counties with their real
//! township names (and, for Yuexi, their real codes), plus synthetic villages flagged as such.

/// (county code, zh name, pinyin, Yi share of heads, registered-poor share, relative weight
/// for households — from DOMAIN.md's poor-household counts).
pub struct County {
    pub code: &'static str,
    pub name_zh: &'static str,
    pub name_pinyin: &'static str,
    pub yi_share: f64,
    pub poor_share: f64,
    pub weight: f64,
    /// (code suffix, zh name); `None` suffix: the code is assigned here, not official.
    pub townships: &'static [(Option<&'static str>, &'static str)],
}

pub const COUNTIES: [County; 3] = [
    County {
        code: "513431",
        name_zh: "昭觉县",
        name_pinyin: "Zhaojue",
        yi_share: 0.97,
        poor_share: 0.52,
        weight: 22.3,
        townships: &[
            (None, "新城镇"),
            (None, "城北乡"),
            (None, "树坪乡"),
            (None, "谷曲乡"),
            (None, "达洛乡"),
            (None, "龙恩乡"),
            (None, "美甘乡"),
            (None, "四开乡"),
            (None, "大坝乡"),
            (None, "地莫乡"),
            (None, "柳且乡"),
            (None, "博洛乡"),
            (None, "库莫乡"),
            (None, "解放乡"),
            (None, "三岗乡"),
            (None, "竹核乡"),
            (None, "尼地乡"),
            (None, "碗厂乡"),
            (None, "支尔莫乡"),
        ],
    },
    County {
        code: "513434",
        name_zh: "越西县",
        name_pinyin: "Yuexi",
        yi_share: 0.78,
        poor_share: 0.44,
        weight: 20.0,
        townships: &[
            (Some("100"), "越城镇"),
            (Some("101"), "中所镇"),
            (Some("102"), "新民镇"),
            (Some("103"), "乃托镇"),
            (Some("104"), "普雄镇"),
            (Some("105"), "大瑞镇"),
            (Some("106"), "竹阿觉镇"),
            (Some("107"), "书古镇"),
            (Some("108"), "依洛地坝镇"),
            (Some("109"), "南箐镇"),
            (Some("200"), "新乡乡"),
            (Some("201"), "马拖乡"),
            (Some("204"), "丁山乡"),
            (Some("205"), "大花乡"),
            (Some("206"), "河东乡"),
            (Some("207"), "西山乡"),
            (Some("208"), "板桥乡"),
            (Some("209"), "瓦岩乡"),
            (Some("210"), "大屯乡"),
            (Some("211"), "保安藏族乡"),
            (Some("212"), "白果乡"),
            (Some("213"), "梅花乡"),
            (Some("214"), "拉普乡"),
            (Some("215"), "铁西乡"),
            (Some("216"), "尔觉乡"),
        ],
    },
    County {
        code: "513437",
        name_zh: "雷波县",
        name_pinyin: "Leibo",
        yi_share: 0.50,
        poor_share: 0.36,
        weight: 14.0,
        townships: &[
            (None, "锦城镇"),
            (None, "黄琅镇"),
            (None, "汶水镇"),
            (None, "西宁镇"),
            (None, "金沙镇"),
            (None, "上田坝乡"),
            (None, "谷堆乡"),
            (None, "卡哈洛乡"),
            (None, "瓦岗镇"),
        ],
    },
];

/// Yuexi's 大屯乡 was merged into 新民镇 in 2021: its validity ends there, and from the 2021
/// wave its villages count under 新民镇 (code, last day, successor).
pub const MERGED_TOWNSHIPS: [(&str, &str, &str); 1] = [("513434210", "2020-12-31", "513434102")];

/// The township codes of a county: real ones where known; otherwise towns (镇) get 1xx and
/// townships (乡) 2xx in list order.
pub fn township_codes(county: &County) -> Vec<(String, &'static str)> {
    let (mut next_town, mut next_xiang) = (100, 200);
    county
        .townships
        .iter()
        .map(|&(suffix, name)| {
            let suffix = match suffix {
                Some(real) => real.to_owned(),
                None if name.ends_with('镇') => {
                    next_town += 1;
                    (next_town - 1).to_string()
                }
                None => {
                    next_xiang += 1;
                    (next_xiang - 1).to_string()
                }
            };
            (format!("{}{suffix}", county.code), name)
        })
        .collect()
}

const VILLAGE_FIRST: [&str; 16] = [
    "阿", "瓦", "拉", "补", "尔", "沙", "洛", "吉", "日", "哈", "甘", "四", "比", "呷", "木", "古",
];
const VILLAGE_SECOND: [&str; 14] = [
    "普", "吉", "洛", "莫", "觉", "打", "依", "则", "勒", "果", "库", "达", "史", "尼",
];

/// How many distinct synthetic village names there are.
pub const VILLAGE_NAMES: usize = VILLAGE_FIRST.len() * VILLAGE_SECOND.len();

/// A synthetic village name, unique within a township for the first [`VILLAGE_NAMES`] villages.
pub fn village_name(index: usize) -> String {
    let first = VILLAGE_FIRST[index % VILLAGE_FIRST.len()];
    let second = VILLAGE_SECOND[(index / VILLAGE_FIRST.len()) % VILLAGE_SECOND.len()];
    format!("{first}{second}村")
}

const YI_SURNAMES: [&str; 12] = [
    "吉克", "沙马", "阿说", "吉木", "俄底", "海来", "阿西", "马海", "曲比", "苏呷", "勒格", "的日",
];
const YI_GIVEN: [&str; 12] = [
    "伍呷", "拉则", "日作", "木呷", "阿果", "尔古", "石哈", "达体", "子尔", "阿依", "布都", "拉哈",
];
const HAN_SURNAMES: [&str; 8] = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄"];
const HAN_GIVEN: [&str; 10] = [
    "建国", "明", "华", "芳", "国强", "秀英", "志刚", "桂兰", "永福", "德明",
];

/// A synthetic name (demo data only).
pub fn person_name(yi: bool, a: usize, b: usize) -> String {
    if yi {
        format!(
            "{}{}",
            YI_SURNAMES[a % YI_SURNAMES.len()],
            YI_GIVEN[b % YI_GIVEN.len()]
        )
    } else {
        format!(
            "{}{}",
            HAN_SURNAMES[a % HAN_SURNAMES.len()],
            HAN_GIVEN[b % HAN_GIVEN.len()]
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuexi_keeps_its_real_codes_and_others_are_assigned_by_kind() {
        let yuexi = township_codes(&COUNTIES[1]);
        assert_eq!(yuexi[0], ("513434100".to_owned(), "越城镇"));
        assert_eq!(yuexi[24], ("513434216".to_owned(), "尔觉乡"));
        let leibo = township_codes(&COUNTIES[2]);
        assert_eq!(leibo[0], ("513437100".to_owned(), "锦城镇"));
        assert_eq!(leibo[5], ("513437200".to_owned(), "上田坝乡"));
        assert_eq!(leibo[8], ("513437105".to_owned(), "瓦岗镇"));
        for county in &COUNTIES {
            let codes = township_codes(county);
            let unique: std::collections::HashSet<_> = codes.iter().map(|(c, _)| c).collect();
            assert_eq!(unique.len(), codes.len(), "{} codes unique", county.name_zh);
        }
    }

    #[test]
    fn village_names_are_unique_within_a_township() {
        let names: std::collections::HashSet<_> = (0..224).map(village_name).collect();
        assert_eq!(names.len(), 224);
    }
}

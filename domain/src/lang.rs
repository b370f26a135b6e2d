//! The two languages Tanhui speaks, and text that exists in both.

use serde::{Deserialize, Serialize};

/// A reader's language. Chinese first: it is the default everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    #[serde(rename = "zh")]
    Zh,
    #[serde(rename = "en")]
    En,
}

impl Lang {
    /// The BCP 47 tag used in `<html lang>` and in the `lang` cookie.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// Reads a cookie or query value; anything unknown falls back to Chinese.
    pub fn from_tag(tag: &str) -> Lang {
        let tag = tag.trim().to_ascii_lowercase();
        if tag == "en" || tag.starts_with("en-") {
            Lang::En
        } else {
            Lang::Zh
        }
    }

    /// The language a switch offers to change to.
    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    /// How the language names itself, for the switch.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::Zh => "中文",
            Lang::En => "English",
        }
    }
}

/// Text a user may read, in both languages (labels, validation messages).
pub trait Localized {
    fn zh(&self) -> String;
    fn en(&self) -> String;

    fn in_lang(&self, lang: Lang) -> String {
        match lang {
            Lang::Zh => self.zh(),
            Lang::En => self.en(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_round_trip_and_unknown_falls_back_to_chinese() {
        for lang in [Lang::Zh, Lang::En] {
            assert_eq!(Lang::from_tag(lang.tag()), lang);
        }
        assert_eq!(Lang::from_tag("EN-gb"), Lang::En);
        assert_eq!(Lang::from_tag(""), Lang::Zh);
        assert_eq!(Lang::from_tag("fr"), Lang::Zh);
        assert_eq!(Lang::Zh.other(), Lang::En);
        assert_eq!(Lang::En.other().other(), Lang::En);
    }
}

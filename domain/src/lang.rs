//! The two languages Tanhui speaks, and text that exists in both.

use serde::{Deserialize, Serialize};

/// A reader's language. Chinese first: it is the default everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Lang {
    /// Simplified Chinese, code `zh` (tag `zh-CN`): the default.
    #[default]
    #[serde(rename = "zh")]
    Zh,
    /// English, code `en`.
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
    /// The text in Chinese.
    fn zh(&self) -> String;
    /// The text in English.
    fn en(&self) -> String;

    /// The text in `lang`: [`Localized::zh`] or [`Localized::en`].
    fn in_lang(&self, lang: Lang) -> String {
        match lang {
            Lang::Zh => self.zh(),
            Lang::En => self.en(),
        }
    }
}

/// A text in both languages, as it travels to the page: labels, notes, messages. The one
/// bilingual text type; anything [`Localized`] becomes one with [`Both::of`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Both {
    /// The Chinese text (shown by default).
    pub zh: String,
    /// The English text.
    pub en: String,
}

impl Both {
    /// A text from its two languages.
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Both {
        Both {
            zh: zh.into(),
            en: en.into(),
        }
    }

    /// The text of anything localized (a vocabulary value, a reason, a status).
    pub fn of(value: &impl Localized) -> Both {
        Both::new(value.zh(), value.en())
    }

    /// The text in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

impl Localized for Both {
    fn zh(&self) -> String {
        self.zh.clone()
    }
    fn en(&self) -> String {
        self.en.clone()
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

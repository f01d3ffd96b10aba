//! The consoles' two languages. Every label is one variant of [`L`] with
//! its English and Chinese text side by side, so a label cannot exist in
//! one language only (the macro will not compile without both), and pages
//! can only show labels that exist.

/// A user's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Zh,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh-CN",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        match code {
            "en" => Some(Lang::En),
            "zh-CN" | "zh" => Some(Lang::Zh),
            _ => None,
        }
    }

    /// The first language of an `Accept-Language` header we speak, else Chinese.
    pub fn from_accept_language(header: Option<&str>) -> Lang {
        header
            .unwrap_or("")
            .split(',')
            .filter_map(|part| part.split(';').next())
            .map(str::trim)
            .find_map(|tag| {
                let tag = tag.to_ascii_lowercase();
                if tag.starts_with("zh") {
                    Some(Lang::Zh)
                } else if tag.starts_with("en") {
                    Some(Lang::En)
                } else {
                    None
                }
            })
            .unwrap_or(Lang::Zh)
    }

    pub fn t(self, l: L) -> &'static str {
        match self {
            Lang::En => l.en(),
            Lang::Zh => l.zh(),
        }
    }
}

macro_rules! labels {
    ($($key:ident => $en:literal, $zh:literal;)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum L { $($key),* }
        impl L {
            pub const ALL: &'static [L] = &[$(L::$key),*];
            pub fn en(self) -> &'static str { match self { $(L::$key => $en),* } }
            pub fn zh(self) -> &'static str { match self { $(L::$key => $zh),* } }
        }
    };
}

include!("labels.rs");

#[cfg(test)]
mod tests {
    use super::*;

    /// Labels that read the same in both languages on purpose.
    const SAME_IN_BOTH: &[&str] = &["ID", "URL", "API", "IP", "CSV", "XLSX", "App ID", "JSAPI", "H5", "APP"];

    #[test]
    fn every_label_is_translated() {
        for l in L::ALL {
            assert!(!l.en().trim().is_empty(), "{l:?} has no English");
            assert!(!l.zh().trim().is_empty(), "{l:?} has no Chinese");
            if !SAME_IN_BOTH.contains(&l.en()) {
                assert_ne!(l.en(), l.zh(), "{l:?} is not translated");
                assert!(
                    l.zh().chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                    "{l:?}: {:?} has no Chinese characters",
                    l.zh()
                );
            }
        }
    }

    #[test]
    fn accept_language_picks_what_we_speak() {
        assert_eq!(Lang::from_accept_language(Some("en-GB,en;q=0.9")), Lang::En);
        assert_eq!(Lang::from_accept_language(Some("fr-FR, zh-CN;q=0.8")), Lang::Zh);
        assert_eq!(Lang::from_accept_language(Some("de")), Lang::Zh);
        assert_eq!(Lang::from_accept_language(None), Lang::Zh);
        assert_eq!(Lang::parse("zh-CN"), Some(Lang::Zh));
        assert_eq!(Lang::parse("xx"), None);
    }
}

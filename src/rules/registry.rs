//! The built-in rule pack: one line per rule, each file embedded in the binary.
//! `tests/rules.rs` checks that this list and the files in `rules/` are the same set.

macro_rules! builtin {
    ($($id:literal),* $(,)?) => {
        /// `(id, toml source)` of every built-in rule, in the order `exlint rules` lists them.
        /// A `static`, not a `const`: each text has one address, which `embedded` relies on (a
        /// const is copied at each use, and a debug build keeps the copies apart).
        pub static BUILTIN: &[(&str, &str)] = &[
            $(($id, include_str!(concat!("../../rules/", $id, ".toml"))),)*
        ];
    };
}

builtin![
    // content: what the words say
    "begging",
    "ultimatum",
    "we-need-to-talk",
    "you-up",
    "pressure-question",
    "emotional-trap",
    "rehash",
    "checking-in",
    "social-media-tell",
    "self-deprecation",
    "empty-promise",
    "self-harm",
    // shape: how the draft looks
    "too-long",
    "long-paragraph",
    "shouting",
    "over-apology",
    "question-flood",
    // time and context: when it is sent, and what came before
    "late-night",
    "no-contact",
    "double-text",
];

/// The built-in rule file `source` is, if it is one (the very text embedded in the binary, not
/// an equal copy): its description and examples can then be read again later, at no cost.
pub fn embedded(source: &str) -> Option<&'static str> {
    BUILTIN
        .iter()
        .map(|(_, text)| *text)
        .find(|text| std::ptr::eq(*text, source))
}

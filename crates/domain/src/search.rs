//! Name search keys: German-aware normalisation, Kölner Phonetik, and the
//! one-edit variants that make a search tolerate a typo. Pure functions; the
//! service stores [`index_keys`] per person and looks up [`query_keys`].
//!
//! A key is a kind prefix and a text: `e:` the name token in lower case as
//! written, `n:` its normalised form (only when it differs from the `e:`
//! text), `p:` its Kölner Phonetik code. A query token matches with a rank:
//! 0 exact, 1 normalised, 2 phonetic, 3 one edit away.
//!
//! Typos are not stored per person: the tenant's distinct normalised tokens
//! (its [`vocabulary`]) are filed under their [`variants`] (symmetric
//! deletion), a query token's own variants find the candidates, and
//! [`one_edit_apart`] keeps those one edit away; their `e:`/`n:` keys are
//! then looked up like any other (rank 3). A query word thus costs a dozen
//! key lookups, not the ~800 one-edit texts it would take otherwise.
//!
//! `q:` keys pair the phonetic codes of two of a person's name tokens
//! ([`pair_keys`]). Two common words ("Anna Müller" among a million
//! persons: 20,000 Annas, 33,000 Müllers) are then found by the few
//! thousand rows of their pair instead of every row of each word; the
//! words' ranks are computed from the candidates' names ([`rank_of_names`]).

use std::collections::BTreeSet;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Match ranks, best first.
pub const EXACT: u8 = 0;
pub const NORMALISED: u8 = 1;
pub const PHONETIC: u8 = 2;
pub const TYPO: u8 = 3;

/// Typos are tolerated in tokens of at least this many letters (one edit in a
/// three-letter name matches half the register).
pub const TYPO_MIN_LEN: usize = 4;
/// ... and of at most this many (a longer word is looked up as written and
/// by sound only); the vocabulary holds tokens up to one letter longer.
pub const TYPO_MAX_LEN: usize = 40;
/// At most this many tokens of a query are used.
pub const MAX_QUERY_TOKENS: usize = 4;
/// The longest key stored (the column's width): a longer pair key is not
/// stored, and a search that would need one does without pairs.
pub const MAX_KEY_LEN: usize = 128;
/// The longest names (bytes) stored beside pair keys: their index must
/// stay under PostgreSQL's limit for an index entry (2,704 bytes). A person
/// with longer names gets [`LONG_NAMES_KEY`] instead of pair keys, and a
/// search over persons where one has it does without pairs.
pub const PAIR_NAMES_MAX: usize = 1_000;
/// The key that marks a person whose names are too long for pair keys.
pub const LONG_NAMES_KEY: &str = "q:-";

/// The name split into tokens at everything that is not a letter or digit
/// ("Al-Hassan" is two tokens), lower-cased.
pub fn tokens(name: &str) -> Vec<String> {
    name.split(|c: char| !c.is_alphanumeric()).filter(|t| !t.is_empty()).map(str::to_lowercase).collect()
}

/// A token's normalised form: ä→ae, ö→oe, ü→ue, ß→ss, other diacritics
/// dropped (é→e, ş→s, ı→i), a few letters without decomposition spelt out
/// (ø→o, æ→ae, ł→l), lower case.
/// Idempotent: a letter left after its marks are dropped (ǿ → ø) is
/// normalised in turn, so the normalised form of a normalised token is
/// itself (the pair keys rely on it).
pub fn normalise(token: &str) -> String {
    let mut out = String::with_capacity(token.len() + 2);
    for c in token.chars().flat_map(char::to_lowercase) {
        push_normalised(&mut out, c);
    }
    out
}

fn push_normalised(out: &mut String, c: char) {
    match c {
        'ä' => out.push_str("ae"),
        'ö' => out.push_str("oe"),
        'ü' => out.push_str("ue"),
        'ß' | 'ẞ' => out.push_str("ss"),
        'æ' => out.push_str("ae"),
        'œ' => out.push_str("oe"),
        'ø' => out.push('o'),
        'ł' => out.push('l'),
        'đ' | 'ð' => out.push('d'),
        'þ' => out.push_str("th"),
        'ı' => out.push('i'),
        c if c.is_ascii() => out.push(c),
        c => {
            for d in c.nfd().filter(|m| !is_combining_mark(*m)).flat_map(char::to_lowercase) {
                if d == c { out.push(d) } else { push_normalised(out, d) }
            }
        }
    }
}

/// Kölner Phonetik (Postel 1969) of a normalised token: letters to digit
/// classes by their neighbours, runs of one digit collapsed, zeros dropped
/// except at the start. Letters outside a–z are ignored.
pub fn koelner(token: &str) -> String {
    let letters: Vec<char> = token.chars().filter(|c| c.is_ascii_lowercase()).collect();
    let mut raw = String::with_capacity(letters.len() * 2);
    for (i, &c) in letters.iter().enumerate() {
        let prev = if i > 0 { letters[i - 1] } else { ' ' };
        let next = letters.get(i + 1).copied().unwrap_or(' ');
        let code: &str = match c {
            'a' | 'e' | 'i' | 'j' | 'o' | 'u' | 'y' => "0",
            'h' => "",
            'b' => "1",
            'p' => {
                if next == 'h' {
                    "3"
                } else {
                    "1"
                }
            }
            'd' | 't' => {
                if matches!(next, 'c' | 's' | 'z') {
                    "8"
                } else {
                    "2"
                }
            }
            'f' | 'v' | 'w' => "3",
            'g' | 'k' | 'q' => "4",
            'c' => {
                let hard = if i == 0 {
                    matches!(next, 'a' | 'h' | 'k' | 'l' | 'o' | 'q' | 'r' | 'u' | 'x')
                } else {
                    matches!(next, 'a' | 'h' | 'k' | 'o' | 'q' | 'u' | 'x') && !matches!(prev, 's' | 'z')
                };
                if hard { "4" } else { "8" }
            }
            'x' => {
                if matches!(prev, 'c' | 'k' | 'q') {
                    "8"
                } else {
                    "48"
                }
            }
            'l' => "5",
            'm' | 'n' => "6",
            'r' => "7",
            's' | 'z' => "8",
            _ => "",
        };
        raw.push_str(code);
    }
    let mut out = String::with_capacity(raw.len());
    let mut last = None;
    for d in raw.chars() {
        if Some(d) != last && (d != '0' || out.is_empty()) {
            out.push(d);
        }
        last = Some(d);
    }
    out
}

/// Whether `a` and `b` are exactly one edit apart: a letter deleted,
/// inserted or replaced, or two neighbouring letters swapped (any letters,
/// not only a–z).
pub fn one_edit_apart(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let (short, long) = if a.len() <= b.len() { (&a, &b) } else { (&b, &a) };
    let prefix = short.iter().zip(long.iter()).take_while(|(x, y)| x == y).count();
    match long.len() - short.len() {
        // Replaced, or swapped with the neighbour.
        0 => {
            if prefix == short.len() {
                return false;
            }
            short[prefix + 1..] == long[prefix + 1..]
                || (prefix + 1 < short.len()
                    && short[prefix] == long[prefix + 1]
                    && short[prefix + 1] == long[prefix]
                    && short[prefix + 2..] == long[prefix + 2..])
        }
        // Inserted (or, seen from the longer one, deleted).
        1 => short[prefix..] == long[prefix + 1..],
        _ => false,
    }
}

/// `token` with one letter deleted, each way (deduplicated).
pub fn deletions(token: &str) -> BTreeSet<String> {
    let chars: Vec<char> = token.chars().collect();
    (0..chars.len()).map(|i| chars.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, c)| c).collect()).collect()
}

/// The normalised name tokens that typos are looked up against: the
/// tenant's vocabulary (stored once per distinct token, not per person).
pub fn vocabulary<'a>(names: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    names
        .into_iter()
        .flat_map(tokens)
        .map(|t| normalise(&t))
        .filter(|n| n.chars().count() + 1 >= TYPO_MIN_LEN && n.chars().count() <= TYPO_MAX_LEN + 1)
        .collect()
}

/// The vocabulary tokens behind stored keys ([`index_keys`]): what a
/// person's keys contributed to the vocabulary.
pub fn vocabulary_of_keys<'a>(keys: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    keys.into_iter()
        .filter_map(|k| k.strip_prefix("e:").map(normalise).or_else(|| k.strip_prefix("n:").map(str::to_owned)))
        .filter(|n| n.chars().count() + 1 >= TYPO_MIN_LEN && n.chars().count() <= TYPO_MAX_LEN + 1)
        .collect()
}

/// The variants a vocabulary token is filed under (symmetric deletion, as
/// in SymSpell): itself, and, from [`TYPO_MIN_LEN`] letters on, itself with
/// one letter deleted. Two tokens one edit apart always share a variant;
/// a shared variant is only a candidate, [`one_edit_apart`] decides.
pub fn variants(token: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::from([token.to_owned()]);
    if token.chars().count() >= TYPO_MIN_LEN {
        out.extend(deletions(token));
    }
    out
}

/// The keys stored for a person with these names (deduplicated).
pub fn index_keys<'a>(names: impl IntoIterator<Item = &'a str> + Clone) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    let mut codes = BTreeSet::new();
    let long = pair_names(names.clone()).len() > PAIR_NAMES_MAX;
    for name in names {
        for t in tokens(name) {
            let n = normalise(&t);
            let p = koelner(&n);
            // A key longer than the column (a token of over 126 letters)
            // is not stored: such a token is found by sound only.
            let fits = |k: &String| k.chars().count() <= MAX_KEY_LEN;
            if n != t {
                keys.extend(Some(format!("n:{n}")).filter(fits));
            }
            keys.extend(Some(format!("e:{t}")).filter(fits));
            if !p.is_empty() && fits(&format!("p:{p}")) {
                keys.insert(format!("p:{p}"));
                codes.insert(p);
            }
        }
    }
    let pairs = pair_keys(&codes);
    if long && !pairs.is_empty() {
        keys.insert(LONG_NAMES_KEY.to_owned());
    } else {
        keys.extend(pairs);
    }
    keys
}

/// The names stored with a person's pair keys (`person_search.names`), from
/// which a search ranks the candidates ([`rank_of_names`] splits them into
/// the same tokens as the names apart): the given and the family name,
/// separated by a space.
pub fn pair_names<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    names.into_iter().collect::<Vec<_>>().join(" ")
}

/// The key of two different phonetic codes, the smaller (bytewise) first;
/// None when it would be longer than a key may be.
pub fn pair_key(a: &str, b: &str) -> Option<String> {
    let (a, b) = if a <= b { (a, b) } else { (b, a) };
    let key = format!("q:{a}:{b}");
    (a != b && key.len() <= MAX_KEY_LEN).then_some(key)
}

/// The `q:` keys of a person's distinct phonetic codes: one per pair. Two
/// tokens with the same code give none: a search whose two words could
/// match one token does not use pairs ([`pair_lookup`]).
pub fn pair_keys(codes: &BTreeSet<String>) -> BTreeSet<String> {
    let codes: Vec<&String> = codes.iter().collect();
    let mut out = BTreeSet::new();
    for (i, a) in codes.iter().enumerate() {
        for b in &codes[i + 1..] {
            out.extend(pair_key(a, b));
        }
    }
    out
}

/// The pair keys under which every person matching both `a` and `b` is
/// stored, or None when pairs cannot promise that: a word without a known
/// code set (a token without a phonetic code may match), code sets that
/// meet (both words could match the same name token), or a pair key too
/// long to be stored.
pub fn pair_lookup(a: &QueryToken, b: &QueryToken) -> Option<BTreeSet<String>> {
    let (ca, cb) = (a.codes.as_ref()?, b.codes.as_ref()?);
    if !ca.is_disjoint(cb) {
        return None;
    }
    let mut out = BTreeSet::new();
    for x in ca {
        for y in cb {
            out.insert(pair_key(x, y)?);
        }
    }
    Some(out)
}

/// The keys one query token is looked up by, each with the rank of a match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryToken {
    pub keys: Vec<(String, u8)>,
    /// The normalised token, when it is long enough for typos: its
    /// [`variants`] are looked up in the vocabulary, and what is one edit
    /// away is added by [`QueryToken::add_typos`].
    pub typo_of: Option<String>,
    /// The phonetic codes of every name token this word can match (its own
    /// and its typo candidates'); None when one of them has none.
    pub codes: Option<BTreeSet<String>>,
}

impl QueryToken {
    /// The keys of one rank.
    pub fn ranked(&self, rank: u8) -> impl Iterator<Item = &str> {
        self.keys.iter().filter(move |(_, r)| *r == rank).map(|(k, _)| k.as_str())
    }

    /// Adds the keys of the vocabulary tokens (candidates found by a shared
    /// variant) that are one edit away from the query token.
    pub fn add_typos<'a>(&mut self, candidates: impl IntoIterator<Item = &'a str>) {
        let Some(of) = self.typo_of.clone() else { return };
        for c in candidates {
            if one_edit_apart(&of, c) {
                let code = koelner(c);
                if code.is_empty() {
                    self.codes = None;
                } else if let Some(codes) = &mut self.codes {
                    codes.insert(code);
                }
                for k in [format!("e:{c}"), format!("n:{c}")] {
                    if !self.keys.iter().any(|(have, _)| *have == k) {
                        self.keys.push((k, TYPO));
                    }
                }
            }
        }
    }
}

/// A search text as the lookups of its tokens (at most
/// [`MAX_QUERY_TOKENS`]); a person matches when every token matches one of
/// their names.
pub fn query_keys(q: &str) -> Vec<QueryToken> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for t in tokens(q).into_iter().filter(|t| seen.insert(t.clone())).take(MAX_QUERY_TOKENS) {
        let n = normalise(&t);
        let mut keys: Vec<(String, u8)> = Vec::new();
        let mut add = |k: String, r: u8| {
            if !keys.iter().any(|(have, _)| *have == k) {
                keys.push((k, r));
            }
        };
        add(format!("e:{t}"), EXACT);
        // A token stored as written in normalised form ("mueller") or
        // normalised from something else ("müller" → n:mueller).
        add(format!("e:{n}"), NORMALISED);
        add(format!("n:{n}"), NORMALISED);
        let p = koelner(&n);
        if !p.is_empty() {
            add(format!("p:{p}"), PHONETIC);
        }
        let codes = (!p.is_empty()).then(|| BTreeSet::from([p]));
        let typo_of = (n.chars().count() >= TYPO_MIN_LEN && n.chars().count() <= TYPO_MAX_LEN).then_some(n);
        out.push(QueryToken { keys, typo_of, codes });
    }
    out
}

/// The best rank at which query token `q` matches a person with these
/// stored keys (None: no match). The same rules as the stored lookup, for
/// checks and tests.
pub fn rank(q: &QueryToken, stored: &BTreeSet<String>) -> Option<u8> {
    q.keys.iter().filter(|(k, _)| stored.contains(k)).map(|(_, r)| *r).min()
}

/// A person's score for a whole query from their names: the sum of each
/// word's best rank, None when a word matches none of the names. The same
/// as the stored lookup, since the stored keys are [`index_keys`] of the
/// same names.
pub fn rank_of_names<'a>(q: &[QueryToken], names: impl IntoIterator<Item = &'a str> + Clone) -> Option<u32> {
    let stored = index_keys(names);
    q.iter().map(|t| rank(t, &stored).map(u32::from)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rank at which `query` finds a person called `name`, the typo
    /// candidates found as the service finds them: by a shared variant.
    fn best(query: &str, name: &str) -> Option<u8> {
        let stored = index_keys([name]);
        let q = with_typos(query, &vocabulary([name]));
        q.iter().map(|t| rank(t, &stored)).collect::<Option<Vec<u8>>>().map(|r| r.into_iter().max().unwrap_or(0))
    }

    /// The query's tokens with their typo candidates from `vocabulary`,
    /// found as the service finds them: by a shared variant.
    fn with_typos(query: &str, vocabulary: &BTreeSet<String>) -> Vec<QueryToken> {
        let mut q = query_keys(query);
        for t in &mut q {
            let wanted = t.typo_of.as_deref().map(variants).unwrap_or_default();
            let found: Vec<&str> =
                vocabulary.iter().filter(|v| !variants(v).is_disjoint(&wanted)).map(String::as_str).collect();
            t.add_typos(found);
        }
        q
    }

    /// Every text one edit away from `token`, by brute force over `letters`.
    fn brute_one_edit(token: &str, letters: &[char]) -> BTreeSet<String> {
        let chars: Vec<char> = token.chars().collect();
        let n = chars.len();
        let mut out = BTreeSet::new();
        let word = |v: &[char]| v.iter().collect::<String>();
        for i in 0..n {
            let mut v = chars.clone();
            v.remove(i);
            out.insert(word(&v));
            if i + 1 < n {
                let mut v = chars.clone();
                v.swap(i, i + 1);
                out.insert(word(&v));
            }
        }
        for &l in letters {
            for i in 0..=n {
                let mut v = chars.clone();
                v.insert(i, l);
                out.insert(word(&v));
                if i < n {
                    let mut v = chars.clone();
                    v[i] = l;
                    out.insert(word(&v));
                }
            }
        }
        out.remove(token);
        out
    }

    #[test]
    fn normalises_the_german_way() {
        assert_eq!(normalise("Müller"), "mueller");
        assert_eq!(normalise("Straße"), "strasse");
        assert_eq!(normalise("ÖZTÜRK"), "oeztuerk");
        assert_eq!(normalise("Yılmaz"), "yilmaz");
        assert_eq!(normalise("Şahin"), "sahin");
        assert_eq!(normalise("Çelik"), "celik");
        assert_eq!(normalise("José"), "jose");
        assert_eq!(normalise("Søren"), "soren");
        assert_eq!(tokens("Al-Hassan  Müller"), vec!["al", "hassan", "müller"]);
        // Letters left after the marks are dropped are normalised too.
        assert_eq!(normalise("Ǿrn"), "orn");
        assert_eq!(normalise("Ǽsa"), "aesa");
        for t in ["Ǿrn", "Ǽsa", "ǣ", "Müller", "Łódź", "Þóra", "Şahin", "Ærø", "Ğ", "Ĳssel", "Œuvre", "Nguyễn", "Жанна"]
        {
            let n = normalise(t);
            assert_eq!(normalise(&n), n, "{t}: normalising twice changes nothing");
        }
    }

    #[test]
    fn koelner_phonetik_of_the_reference_examples() {
        // The examples of Postel's description and the German Wikipedia.
        assert_eq!(koelner(&normalise("Müller-Lüdenscheidt")), "65752682");
        assert_eq!(koelner("wikipedia"), "3412");
        assert_eq!(koelner("breschnew"), "17863");
        assert_eq!(koelner("meier"), koelner("mayr"));
        assert_eq!(koelner("maier"), "67");
        assert_eq!(koelner("xaver"), "4837");
        assert_eq!(koelner("christoph"), "47823");
    }

    #[test]
    fn spellings_of_one_name_share_a_key() {
        for (a, b) in [
            ("Müller", "Mueller"),
            ("Müller", "Muller"),
            ("Mohammed", "Muhammad"),
            ("Mohammed", "Mohamad"),
            ("Mohammed", "Mohamed"),
            ("Ahmad", "Ahmed"),
        ] {
            assert!(best(a, b).is_some(), "{a} finds {b}");
            assert!(best(b, a).is_some(), "{b} finds {a}");
        }
        assert_eq!(koelner("mohammed"), "662");
        assert_eq!(koelner("muhammad"), "662");
        assert_eq!(koelner("mueller"), "657");
        assert!(best("Schmidt", "Müller").is_none());
        assert!(best("Yilmaz", "Yılmaz").is_some());
    }

    #[test]
    fn ranks_exact_before_normalised_before_phonetic_before_typo() {
        assert_eq!(best("Müller", "Müller"), Some(EXACT));
        assert_eq!(best("mÜLLER", "Müller"), Some(EXACT), "case does not count");
        assert_eq!(best("Mueller", "Müller"), Some(NORMALISED));
        assert_eq!(best("Müller", "Mueller"), Some(NORMALISED));
        assert_eq!(best("Muller", "Müller"), Some(PHONETIC));
        assert_eq!(best("Mülelr", "Müller"), Some(TYPO), "two letters swapped");
        assert_eq!(best("Müler", "Müller"), Some(PHONETIC), "a letter missing, same sound");
        assert_eq!(best("Schmitd", "Schmidt"), Some(PHONETIC), "t and d sound alike");
        assert_eq!(best("Schmdit", "Schmidt"), Some(TYPO));
        assert_eq!(best("Schmidx", "Schmidt"), Some(TYPO), "one letter replaced");
        assert_eq!(best("Schmdt", "Schmidt"), Some(PHONETIC));
        assert_eq!(best("Schnidt", "Schmidt"), Some(PHONETIC));
        assert_eq!(best("Schxidt", "Schmidt"), Some(TYPO));
        assert_eq!(best("Schxidx", "Schmidt"), None, "two edits are too many");
        assert_eq!(best("Ali", "Alo"), Some(PHONETIC), "short names: no typo tolerance, but sound");
        assert_eq!(best("Ali", "Ari"), None);
    }

    #[test]
    fn every_query_token_must_match_one_name() {
        let stored = index_keys(["Amina", "Al-Hassan"]);
        let q = query_keys("Hassan Amina");
        assert!(q.iter().all(|t| rank(t, &stored).is_some()));
        let q = query_keys("Hassan Fatima");
        assert!(!q.iter().all(|t| rank(t, &stored).is_some()));
        assert_eq!(query_keys("a b c d e f").len(), MAX_QUERY_TOKENS);
        assert!(query_keys(" -- ").is_empty());
    }

    #[test]
    fn one_edit_apart_agrees_with_brute_force_and_variants_find_every_candidate() {
        // Every pair over a small alphabet (with a non-Latin letter), up to
        // five letters: `one_edit_apart` says yes exactly for the texts one
        // edit away, and two such tokens always share a variant when the
        // query is long enough for typos.
        let letters = ['a', 'b', 'ж'];
        let mut words = vec![String::new()];
        let mut all = Vec::new();
        for _ in 0..5 {
            words = words.iter().flat_map(|w| letters.iter().map(move |l| format!("{w}{l}"))).collect();
            all.extend(words.iter().cloned());
        }
        for a in &all {
            let edits = brute_one_edit(a, &letters);
            for b in &all {
                assert_eq!(one_edit_apart(a, b), edits.contains(b), "{a} / {b}");
                if edits.contains(b) && a.chars().count() >= TYPO_MIN_LEN {
                    assert!(!variants(a).is_disjoint(&variants(b)), "{a} and {b} share no variant");
                }
            }
        }
        assert!(one_edit_apart("schmidt", "schmdit") && !one_edit_apart("schmidt", "schmidt"));
        assert!(!one_edit_apart("abc", "bca"), "two edits");
    }

    #[test]
    fn a_pair_lookup_finds_every_person_both_words_match() {
        let people: [[&str; 2]; 11] = [
            ["Æsa", "Berg"],
            ["Anna", "Müller"],
            ["Anna Maria", "Mueller"],
            ["Mohammed", "Al-Hassan"],
            ["Muhammad", "Haddad"],
            ["Lena", "Müller-Lüdenscheidt"],
            ["Elif", "Yılmaz"],
            ["Zoe", "Möller"],
            ["Anne", "Miller"],
            ["Hanna", "Schmidt"],
            ["Oleksandr", "Melnyk"],
        ];
        let vocabulary = vocabulary(people.iter().flatten().copied());
        let queries = [
            "Anna Müller",
            "Mueller Anna",
            "Anan Müller",
            "Anna Mülelr",
            "Mohamad Hassan",
            "Al Mohammed",
            "Lena Lüdenscheidt",
            "Yilmaz Elif",
            "Müller Zoe",
            "Hana Schmitd",
            "Melnik Oleksandr",
            "Ǽsa Berg",
        ];
        let mut found = 0;
        for query in queries {
            let q = with_typos(query, &vocabulary);
            let keys = pair_lookup(&q[0], &q[1]).unwrap_or_else(|| panic!("{query}: pairs apply"));
            for names in &people {
                let stored = index_keys(names.iter().copied());
                if q.iter().all(|t| rank(t, &stored).is_some()) {
                    found += 1;
                    assert!(!keys.is_disjoint(&stored), "{query} finds {names:?} by its pair");
                    assert!(rank_of_names(&q, names.iter().copied()).is_some());
                } else {
                    assert_eq!(rank_of_names(&q, names.iter().copied()), None, "{query} / {names:?}");
                }
            }
        }
        assert!(found >= 12, "the queries match people ({found})");
        // Both words could match one name token: no pairs.
        let q = query_keys("Müller Mueller");
        assert_eq!(pair_lookup(&q[0], &q[1]), None);
        let q = query_keys("Maier Meier");
        assert_eq!(pair_lookup(&q[0], &q[1]), None);
        // A person's two tokens with one code give no pair; different codes do.
        assert!(index_keys(["Maria Marie"]).iter().all(|k| !k.starts_with("q:")));
        assert!(index_keys(["Anna", "Müller"]).contains("q:06:657"));
        // Names too long for the pairs' index: a marker instead of pairs.
        let long = format!("Anna {}", "語".repeat(400));
        let keys = index_keys([long.as_str(), "Müller"]);
        assert!(keys.contains(LONG_NAMES_KEY) && !keys.contains("q:06:657"));
        assert!(keys.iter().all(|k| k.chars().count() <= MAX_KEY_LEN), "no key longer than the column");
        assert!(super::vocabulary([long.as_str()]).iter().all(|t| t.chars().count() <= TYPO_MAX_LEN + 1));
        assert_eq!(rank_of_names(&query_keys("Mueller Anna"), ["Anna", "Müller"]), Some(1));
        assert_eq!(
            index_keys([pair_names(["Ana Maria", "Al-Hassan"]).as_str()]),
            index_keys(["Ana Maria", "Al-Hassan"])
        );
    }

    #[test]
    fn the_vocabulary_holds_normalised_tokens_long_enough_for_typos() {
        let v = vocabulary(["Müller-Lüdenscheidt", "Al Bo"]);
        assert_eq!(v, BTreeSet::from(["mueller".to_owned(), "luedenscheidt".to_owned()]));
        let keys = index_keys(["Müller-Lüdenscheidt", "Al Bo"]);
        assert_eq!(vocabulary_of_keys(keys.iter().map(String::as_str)), v);
        assert_eq!(variants("abc"), BTreeSet::from(["abc".to_owned()]));
        assert_eq!(variants("abcd").len(), 5);
        assert_eq!(variants("aabb").len(), 3);
    }
}

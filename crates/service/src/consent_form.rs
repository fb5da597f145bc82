//! The consent form with the information of Art. 13 GDPR, one text file per
//! language in `crates/service/consent_forms/` (German is authoritative).
//! The files are built into the binary; a folder named by the environment
//! variable `LOTSE_CONSENT_FORMS` adds languages (or replaces built-in ones)
//! at run time. The format is described in docs/rights.md.

use lotse_domain::DomainError;

mod built_in {
    include!(concat!(env!("OUT_DIR"), "/consent_forms.rs"));
}

/// The sections every form must have, in this order.
pub const SECTIONS: [&str; 9] = [
    "controller",
    "purpose",
    "legal_basis",
    "recipients",
    "retention",
    "rights",
    "withdrawal",
    "complaint",
    "declaration",
];

/// The header fields every form must have.
pub const FIELDS: [&str; 7] = ["lang", "dir", "language", "title", "name_label", "date_label", "signature_label"];

#[derive(Debug, Clone)]
pub struct Form {
    pub lang: String,
    pub fields: Vec<(String, String)>,
    /// (key, heading, text)
    pub sections: Vec<(String, String, String)>,
}

impl Form {
    pub fn parse(source: &str) -> Result<Form, String> {
        let mut fields = Vec::new();
        let mut sections: Vec<(String, String, String)> = Vec::new();
        for line in source.lines() {
            if let Some(rest) = line.strip_prefix("== ") {
                let (key, heading) = rest.split_once(':').ok_or_else(|| format!("section line without ':': {rest}"))?;
                sections.push((key.trim().to_owned(), heading.trim().to_owned(), String::new()));
            } else if let Some(s) = sections.last_mut() {
                s.2.push_str(line);
                s.2.push('\n');
            } else if let Some((k, v)) = line.split_once(':') {
                fields.push((k.trim().to_owned(), v.trim().to_owned()));
            } else if !line.trim().is_empty() && !line.starts_with('#') {
                return Err(format!("header line without ':': {line}"));
            }
        }
        let form = Form { lang: String::new(), fields, sections };
        for f in FIELDS {
            if form.field(f).is_empty() {
                return Err(format!("field {f} missing"));
            }
        }
        for s in SECTIONS {
            if !form.sections.iter().any(|(k, _, t)| k == s && !t.trim().is_empty()) {
                return Err(format!("section {s} missing or empty"));
            }
        }
        if !matches!(form.field("dir"), "ltr" | "rtl") {
            return Err("dir must be ltr or rtl".into());
        }
        Ok(Form { lang: form.field("lang").to_owned(), ..form })
    }

    pub fn field(&self, key: &str) -> &str {
        self.fields.iter().find(|(k, _)| k == key).map_or("", |(_, v)| v.as_str())
    }

    /// The printable HTML page.
    pub fn render(&self, person: &str, provider: &str, tenant: &str) -> String {
        let fill = |s: &str| esc(s).replace("{provider}", &esc(provider)).replace("{tenant}", &esc(tenant));
        let mut body = String::new();
        for (_, heading, text) in &self.sections {
            body.push_str(&format!("<h2>{}</h2>\n", esc(heading)));
            for para in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
                body.push_str(&format!("<p>{}</p>\n", fill(para).replace('\n', " ")));
            }
        }
        format!(
            r#"<!DOCTYPE html>
<html lang="{lang}" dir="{dir}">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font-family: "Noto Sans", "Noto Naskh Arabic", "DejaVu Sans", sans-serif; max-width: 46em; margin: 2em auto; line-height: 1.5; font-size: 12pt; }}
h1 {{ font-size: 1.5em; }} h2 {{ font-size: 1.1em; margin-top: 1.2em; }}
.person {{ border: 1px solid #999; padding: .5em 1em; }}
.sign {{ margin-top: 3em; display: flex; gap: 2em; }}
.sign div {{ flex: 1; border-top: 1px solid #000; padding-top: .3em; }}
@media print {{ body {{ margin: 0; max-width: none; }} @page {{ size: A4; margin: 2cm; }} h2 {{ break-after: avoid; }} .sign {{ break-inside: avoid; }} }}
</style>
</head>
<body>
<h1>{title}</h1>
<p class="person"><strong>{name_label}:</strong> {person}</p>
{body}<div class="sign"><div>{date_label}</div><div>{signature_label}</div></div>
</body>
</html>
"#,
            lang = esc(&self.lang),
            dir = esc(self.field("dir")),
            title = fill(self.field("title")),
            name_label = esc(self.field("name_label")),
            person = esc(person),
            date_label = esc(self.field("date_label")),
            signature_label = esc(self.field("signature_label")),
        )
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Every form: the built-in ones, then those of `LOTSE_CONSENT_FORMS` (which win).
pub fn all() -> Vec<Form> {
    let mut out: Vec<Form> = Vec::new();
    let mut add = |src: &str| {
        if let Ok(f) = Form::parse(src) {
            out.retain(|o| o.lang != f.lang);
            out.push(f);
        }
    };
    for (_, src) in built_in::BUILT_IN {
        add(src);
    }
    if let Ok(dir) = std::env::var("LOTSE_CONSENT_FORMS") {
        if let Ok(entries) = std::fs::read_dir(dir) {
            for e in entries.flatten().filter(|e| e.path().extension().is_some_and(|x| x == "txt")) {
                if let Ok(src) = std::fs::read_to_string(e.path()) {
                    add(&src);
                }
            }
        }
    }
    out.sort_by(|a, b| a.lang.cmp(&b.lang));
    out
}

/// The built-in files as they are, by file name (for checking them).
pub fn built_in_sources() -> &'static [(&'static str, &'static str)] {
    built_in::BUILT_IN
}

/// The form in `lang` (a language tag such as `de`, `ar`, `fa-AF`).
pub fn find(lang: &str) -> Result<Form, DomainError> {
    let forms = all();
    let wanted = lang.trim();
    forms.iter().find(|f| f.lang.eq_ignore_ascii_case(wanted)).cloned().ok_or_else(|| {
        let have: Vec<&str> = forms.iter().map(|f| f.lang.as_str()).collect();
        DomainError::invalid(
            "lang",
            format!("Für die Sprache „{wanted}“ gibt es kein Formular; vorhanden: {}.", have.join(", ")),
            format!("There is no form in \"{wanted}\"; available: {}.", have.join(", ")),
        )
    })
}

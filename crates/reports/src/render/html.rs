//! A report as a standalone, accessible HTML page: title, tenant, period,
//! one table per section, each figure's definition as a numbered footnote
//! (and as a tooltip), bar charts as inline SVG with the table as their
//! text alternative. No scripts, no external assets.

use super::value_display;
use crate::figure::{Report, Table};
use crate::{Lang, labels};
use indexmap::IndexMap;
use std::fmt::Write;

pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn t(lang: Lang, de: &str, en: &str) -> String {
    match lang {
        Lang::De => de.to_string(),
        Lang::En => en.to_string(),
    }
}

/// The period as a reader writes it: `01.01.2023 – 31.12.2023` or `2023`.
pub fn period_text(r: &Report, lang: Lang) -> String {
    if let Some(y) = r.params.get("year") {
        return y.clone();
    }
    match (r.period, lang) {
        (Some(p), Lang::De) => format!("{} – {}", labels::date_de(p.from), labels::date_de(p.to)),
        (Some(p), Lang::En) => format!("{} – {}", p.from, p.to),
        (None, _) => r.params.get("date").cloned().unwrap_or_default(),
    }
}

/// The report as a standalone HTML document (styles inline, no scripts).
pub fn render(r: &Report, lang: Lang) -> String {
    let title = labels::report_title(r.name);
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang_attr}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{title} – {tenant}</title><style>{css}</style></head><body><main>{fragment}</main></body></html>\n",
        lang_attr = if lang == Lang::De { "de" } else { "en" },
        title = esc(title.get(lang)),
        tenant = esc(r.tenant_title()),
        css = CSS,
        fragment = fragment(r, lang),
    )
}

/// The report's content (heading, tables, charts, definitions) for a page
/// of the web interface, which brings its own layout and styles.
pub fn fragment(r: &Report, lang: Lang) -> String {
    let title = labels::report_title(r.name);
    let mut notes: IndexMap<&str, usize> = IndexMap::new();
    let mut body = String::new();
    for table in &r.tables {
        body.push_str(&table_html(r, table, lang, &mut notes));
        if let Some(svg) = chart(r, table, lang) {
            body.push_str(&svg);
        }
    }
    let mut foot = String::new();
    if !notes.is_empty() {
        let _ = write!(foot, "<section class=\"definitions\"><h2>{}</h2><ol>", t(lang, "Definitionen", "Definitions"));
        for (text, n) in &notes {
            let _ = write!(foot, "<li id=\"def-{n}\">{}</li>", esc(text));
        }
        foot.push_str("</ol></section>");
    }
    let suppressed = if r.suppressed {
        format!(
            "<p class=\"note\">{}</p>",
            t(
                lang,
                "Statistische Geheimhaltung: Werte von 1 und 2 sowie Werte, aus denen sie sich errechnen ließen, sind durch * ersetzt.",
                "Statistical disclosure control: values of 1 and 2, and values from which they could be computed, are replaced by *."
            )
        )
    } else {
        String::new()
    };
    let params: Vec<String> = super::params_text(r, lang).iter().map(|p| esc(p)).collect();
    format!(
        "<header><p class=\"tenant\">{tenant}</p><h1>{title}</h1><p>{facts}</p>{suppressed}</header>\
{body}{foot}",
        title = esc(title.get(lang)),
        tenant = esc(r.tenant_title()),
        facts = {
            let period = period_text(r, lang);
            let mut facts = vec![];
            if !period.is_empty() {
                facts.push(format!("{}: <strong>{}</strong>", t(lang, "Zeitraum", "Period"), esc(&period)));
            }
            facts.extend(params);
            facts.join(" · ")
        },
    )
}

const CSS: &str = "body{font-family:system-ui,sans-serif;color:#1a1a1a;margin:0;background:#fff}main{max-width:70rem;margin:0 auto;padding:1rem 1.5rem}\
h1{font-size:1.6rem;margin:.2rem 0}h2{font-size:1.2rem;margin-top:2rem}.tenant{color:#444;margin:0}\
table{border-collapse:collapse;margin:.5rem 0 1rem;font-variant-numeric:tabular-nums}caption{text-align:left;font-weight:600;font-size:1.1rem;padding:.5rem 0}\
th,td{border:1px solid #bbb;padding:.3rem .6rem}td{text-align:right}th[scope=row]{text-align:left;font-weight:normal}thead th{background:#eef2f6}\
sup a{color:#0b57a4}.note{background:#fff6d6;border-left:4px solid #b38600;padding:.4rem .8rem}.definitions{font-size:.9rem;color:#333}\
figure{margin:1rem 0}figcaption{font-weight:600}svg text{font-size:12px;fill:#1a1a1a}";

fn table_html<'a>(r: &'a Report, table: &Table, lang: Lang, notes: &mut IndexMap<&'a str, usize>) -> String {
    let mut h = String::new();
    let _ = write!(h, "<table><caption>{}</caption><thead><tr><th scope=\"col\"></th>", esc(table.title.get(lang)));
    for c in &table.columns {
        let _ = write!(h, "<th scope=\"col\">{}</th>", esc(c.get(lang)));
    }
    h.push_str("</tr></thead><tbody>");
    for row in &table.rows {
        let _ = write!(h, "<tr><th scope=\"row\">{}</th>", esc(row.label.get(lang)));
        for cell in &row.cells {
            match cell.as_ref().and_then(|k| r.figures.get_key_value(k)) {
                Some((_, f)) => {
                    let def = f.def.text(lang);
                    let n = notes.len() + 1;
                    let n = *notes.entry(def).or_insert(n);
                    let _ = write!(
                        h,
                        "<td title=\"{}\">{}<sup><a href=\"#def-{n}\" aria-label=\"{} {n}\">{n}</a></sup></td>",
                        esc(def),
                        esc(&value_display(f.value.as_ref(), lang)),
                        t(lang, "Definition", "Definition"),
                    );
                }
                None => h.push_str("<td></td>"),
            }
        }
        h.push_str("</tr>");
    }
    h.push_str("</tbody></table>");
    h
}

/// A horizontal bar chart of the figures a table names for it (the table
/// itself is the chart's text alternative).
pub fn chart(r: &Report, table: &Table, lang: Lang) -> Option<String> {
    let bars = super::chart_bars(r, table, lang);
    if bars.is_empty() {
        return None;
    }
    let (label_w, bar_w, row_h) = (300.0, 360.0, 22.0);
    let height = bars.len() as f64 * row_h + 10.0;
    let width = label_w + bar_w + 120.0;
    let mut s = format!(
        "<figure><figcaption>{}</figcaption><svg role=\"img\" aria-label=\"{}\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" xmlns=\"http://www.w3.org/2000/svg\">",
        esc(table.title.get(lang)),
        esc(&format!(
            "{} ({})",
            table.title.get(lang),
            t(lang, "Werte in der Tabelle oben", "values in the table above")
        )),
    );
    for (i, b) in bars.iter().enumerate() {
        let y = i as f64 * row_h + 5.0;
        let w = (b.frac * bar_w).max(if b.value > 0.0 { 1.0 } else { 0.0 });
        let _ = write!(
            s,
            "<text x=\"{:.0}\" y=\"{:.0}\" text-anchor=\"end\">{}</text><rect x=\"{label_w}\" y=\"{:.0}\" width=\"{w:.1}\" height=\"{:.0}\" fill=\"#0b57a4\"/><text x=\"{:.0}\" y=\"{:.0}\">{}</text>",
            label_w - 6.0,
            y + 14.0,
            esc(&b.label),
            y + 2.0,
            row_h - 6.0,
            label_w + w + 6.0,
            y + 14.0,
            esc(&b.shown)
        );
    }
    s.push_str("</svg></figure>");
    Some(s)
}

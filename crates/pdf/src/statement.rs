//! The department's statement on a council inquiry (Stellungnahme), laid out
//! like a German administration's: "Anfrage der Fraktion … vom …", the title,
//! the numbered questions, "Stellungnahme:", "Zu 1.:" with the answer and the
//! tables of the published reports it cites (with their publication date and
//! content hash). As DOCX (editable, docx-rs) and as PDF (typst).

use docx_rs::{
    AlignmentType, Docx, Footer, Header, NumPages, PageMargin, PageNum, Paragraph, Run, RunFonts, Table, TableCell,
    TableRow,
};
use lotse_domain::Lang;
use lotse_reports::render::{RenderError, value_display};
use lotse_reports::{Report, labels};
use lotse_service::inquiries::Statement;
use typst_layout::PagedDocument;

fn heading(s: &Statement) -> String {
    format!("Anfrage der {} vom {}", s.inquiry.faction, labels::date_de(s.inquiry.received_on))
}

fn request(s: &Statement) -> String {
    match &s.inquiry.addressee {
        Some(a) => format!("Wir bitten Sie, die nachstehenden Fragen über {a} zu beantworten:"),
        None => "Wir bitten Sie, die nachstehenden Fragen zu beantworten:".into(),
    }
}

/// Where a cited table comes from: report, period, publication, hash.
fn source(p: &lotse_service::publications::Publication, r: &Report) -> String {
    format!(
        "Quelle: {} ({}), veröffentlicht am {} von {}, Prüfsumme SHA-256 {}…{}",
        labels::report_title(r.name).de,
        lotse_reports::render::html::period_text(r, Lang::De),
        p.published_at.format("%d.%m.%Y"),
        p.published_by,
        &p.content_hash[..12],
        if r.suppressed { "; Werte 1 und 2 und was sie verraten würde sind durch * ersetzt." } else { "" }
    )
}

/// A cited report's tables as text: (title, columns, rows of label and cells).
type TableText = (String, Vec<String>, Vec<(String, Vec<Option<String>>)>);

fn tables(r: &Report) -> Vec<TableText> {
    r.tables
        .iter()
        .map(|t| {
            let rows = t
                .rows
                .iter()
                .map(|row| {
                    let cells = row
                        .cells
                        .iter()
                        .map(|c| {
                            c.as_ref().and_then(|k| r.figures.get(k)).map(|f| value_display(f.value.as_ref(), Lang::De))
                        })
                        .collect();
                    (row.label.de.clone(), cells)
                })
                .collect();
            (t.title.de.clone(), t.columns.iter().map(|c| c.de.clone()).collect(), rows)
        })
        .collect()
}

fn run(text: &str) -> Run {
    Run::new().add_text(text)
}

fn para(text: &str) -> Paragraph {
    Paragraph::new().add_run(run(text))
}

fn bold(text: &str, size_pt: usize) -> Paragraph {
    Paragraph::new().add_run(run(text).bold().size(size_pt * 2))
}

/// Paragraphs of an answer: blank lines separate paragraphs, line breaks stay.
fn paragraphs(text: &str) -> Vec<Paragraph> {
    text.split("\n\n")
        .map(|p| {
            let mut par = Paragraph::new();
            for (i, line) in p.split('\n').enumerate() {
                let mut r = run(line);
                if i > 0 {
                    r = Run::new().add_break(docx_rs::BreakType::TextWrapping).add_text(line);
                }
                par = par.add_run(r);
            }
            par
        })
        .collect()
}

/// The statement as an editable Word document.
pub fn docx(s: &Statement) -> Result<Vec<u8>, RenderError> {
    let footer = Footer::new().add_paragraph(
        Paragraph::new()
            .align(AlignmentType::Center)
            .add_run(run("Seite ").size(16))
            .add_page_num(PageNum::new())
            .add_run(run(" von ").size(16))
            .add_num_pages(NumPages::new()),
    );
    let header =
        Header::new().add_paragraph(Paragraph::new().align(AlignmentType::Right).add_run(run(&s.tenant_name).size(16)));
    let mut doc = Docx::new()
        .default_fonts(RunFonts::new().ascii("Arial").hi_ansi("Arial").cs("Arial"))
        .default_size(22)
        .page_size(11906, 16838)
        .page_margin(PageMargin::new().top(1418).bottom(1418).left(1418).right(1134).header(709).footer(709))
        .header(header)
        .footer(footer)
        .add_paragraph(bold(&heading(s), 13))
        .add_paragraph(bold(&s.inquiry.title, 12))
        .add_paragraph(para(&request(s)));
    for q in &s.inquiry.questions {
        doc = doc.add_paragraph(bold(&format!("{}.", q.number), 11));
        for p in paragraphs(&q.question) {
            doc = doc.add_paragraph(p);
        }
    }
    doc = doc.add_paragraph(bold("Stellungnahme:", 12));
    for (q, cited) in s.inquiry.questions.iter().zip(&s.reports) {
        doc = doc.add_paragraph(bold(&format!("Zu {}.:", q.number), 11));
        match &q.answer {
            Some(a) => {
                for p in paragraphs(a) {
                    doc = doc.add_paragraph(p);
                }
            }
            None => doc = doc.add_paragraph(Paragraph::new().add_run(run("(noch nicht beantwortet)").italic())),
        }
        for (p, r) in cited {
            for (title, columns, rows) in tables(r) {
                doc = doc.add_paragraph(bold(&title, 10));
                let mut trs =
                    vec![TableRow::new(
                        std::iter::once(TableCell::new().add_paragraph(para("")))
                            .chain(columns.iter().map(|c| {
                                TableCell::new().add_paragraph(Paragraph::new().add_run(run(c).bold().size(18)))
                            }))
                            .collect(),
                    )];
                for (label, cells) in rows {
                    trs.push(TableRow::new(
                        std::iter::once(TableCell::new().add_paragraph(Paragraph::new().add_run(run(&label).size(18))))
                            .chain(cells.iter().map(|c| {
                                TableCell::new().add_paragraph(
                                    Paragraph::new()
                                        .align(AlignmentType::Right)
                                        .add_run(run(c.as_deref().unwrap_or("")).size(18)),
                                )
                            }))
                            .collect(),
                    ));
                }
                doc = doc.add_table(Table::new(trs));
            }
            doc = doc.add_paragraph(Paragraph::new().add_run(run(&source(p, r)).size(16).italic()));
        }
    }
    let mut out = std::io::Cursor::new(Vec::new());
    doc.build().pack(&mut out).map_err(|e| RenderError(e.to_string()))?;
    Ok(out.into_inner())
}

/// The statement as PDF.
pub fn pdf(s: &Statement) -> Result<Vec<u8>, RenderError> {
    let questions: Vec<serde_json::Value> = s
        .inquiry
        .questions
        .iter()
        .zip(&s.reports)
        .map(|(q, cited)| {
            let reports: Vec<serde_json::Value> = cited
                .iter()
                .map(|(p, r)| {
                    let tables: Vec<serde_json::Value> = tables(r)
                        .into_iter()
                        .map(|(title, columns, rows)| {
                            let rows: Vec<serde_json::Value> = rows
                                .into_iter()
                                .map(|(label, cells)| serde_json::json!({"label": label, "cells": cells}))
                                .collect();
                            serde_json::json!({"title": title, "columns": columns, "rows": rows})
                        })
                        .collect();
                    serde_json::json!({"tables": tables, "source": source(p, r)})
                })
                .collect();
            serde_json::json!({"number": q.number, "question": q.question, "answer": q.answer, "reports": reports})
        })
        .collect();
    let data = serde_json::json!({
        "tenant": s.tenant_name,
        "heading": heading(s),
        "heading_short": format!("Stellungnahme zur Anfrage vom {}", labels::date_de(s.inquiry.received_on)),
        "title": s.inquiry.title,
        "request": request(s),
        "questions": questions,
    });
    let doc: PagedDocument = crate::typeset(include_str!("statement.typ"), &data)?;
    typst_pdf::pdf(&doc, &typst_pdf::PdfOptions::default())
        .map_err(|errs| RenderError(errs.iter().map(|e| e.message.to_string()).collect::<Vec<_>>().join("; ")))
}

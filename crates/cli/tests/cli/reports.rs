//! Reports from the command line: the PDF is rendered, turned into images
//! (pdftoppm) and read back as text (pdftotext).

use std::process::Command;

use super::ok;

fn tool(name: &str, args: &[&str]) -> String {
    let out = Command::new(name).args(args).output().unwrap_or_else(|e| {
        panic!("{name} is needed for this test (Debian package poppler-utils; .ci/run installs it): {e}")
    });
    assert!(out.status.success(), "{name} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn pages(pdf: &str) -> usize {
    tool("pdfinfo", &[pdf]).lines().find_map(|l| l.strip_prefix("Pages:")).unwrap().trim().parse().unwrap()
}

#[test]
fn status_report_pdf_has_title_page_sections_charts_and_page_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("lotse.db").display());
    ok(&["--db", &url, "demo", "load"], None);
    let pdf = dir.path().join("sachstand.pdf");
    let pdf_s = pdf.to_str().unwrap();
    ok(
        &[
            "--db",
            &url,
            "report",
            "key-figures",
            "--tenant",
            "krefeld",
            "--year",
            "2023",
            "--format",
            "pdf",
            "--out",
            pdf_s,
        ],
        None,
    );

    let n = pages(pdf_s);
    assert!(n >= 3, "title page, contents and sections: {n} pages");
    let text = tool("pdftotext", &["-layout", pdf_s, "-"]);
    let page_texts: Vec<&str> = text.split('\u{c}').collect();
    // Title page: the tenant, the report, the period.
    assert!(page_texts[0].contains("Sachstandsbericht – Kennzahlen"), "{}", page_texts[0]);
    assert!(page_texts[0].contains("Krefeld"));
    assert!(page_texts[0].contains("Zeitraum 2023"));
    // Sections with the seed figures in German notation, and their definitions.
    for expected in [
        "Inhalt",
        "Teilnehmende",
        "Personen nach Geschlecht",
        "Personen nach Alter beim Eintritt",
        "Austritte und Verbleib beim Austritt",
        "Finanzen",
        "1.351",
        "21.700",
        "2.100",
        "7.000.000,00 €",
        "3.950.000,00 €",
        "Gruppenangebote, deren Laufzeit den Zeitraum berührt",
        "Grafik (Werte wie in der Tabelle)",
    ] {
        assert!(text.contains(expected), "{expected:?} missing in the PDF text");
    }
    // Every page numbered "Seite i von n".
    for i in 1..=n {
        assert!(text.contains(&format!("Seite {i} von {n}")), "page number {i} of {n}");
    }
    // Rendered to images: one PNG per page, A4 portrait, not blank.
    let prefix = dir.path().join("page");
    tool("pdftoppm", &["-r", "40", "-png", pdf_s, prefix.to_str().unwrap()]);
    let mut pngs: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    pngs.sort();
    assert_eq!(pngs.len(), n);
    for p in &pngs {
        let bytes = std::fs::read(p).unwrap();
        let (w, h) = (
            u32::from_be_bytes(bytes[16..20].try_into().unwrap()),
            u32::from_be_bytes(bytes[20..24].try_into().unwrap()),
        );
        assert!(h > w, "{p:?}: portrait ({w}×{h})");
        assert!(bytes.len() > 2_000, "{p:?} is not blank");
    }

    // The programme report puts its wide tables on landscape pages.
    let prog = dir.path().join("programm.pdf");
    let prog_s = prog.to_str().unwrap();
    ok(
        &[
            "--db",
            &url,
            "report",
            "programme",
            "--tenant",
            "leverkusen",
            "--program",
            "durchstarten",
            "--from",
            "2020-03-01",
            "--to",
            "2023-06-30",
            "--format",
            "pdf",
            "--out",
            prog_s,
        ],
        None,
    );
    let info = tool("pdfinfo", &["-f", "1", "-l", "99", prog_s]);
    assert!(info.contains("841.89 x 595.276"), "a landscape page: {info}");
    let text = tool("pdftotext", &["-layout", prog_s, "-"]);
    assert!(text.contains("Verbleib beim Austritt nach Bausteinen"));
    assert!(text.contains("86"), "module 6's 86 participants");
}

/// The proof of use (Verwendungsnachweis) of Krefeld's municipal programme
/// to the Land for 2023: plan against actual by cost category, the grant
/// received, as PDF (read back) and XLSX (opened).
#[test]
fn proof_of_use_as_pdf_and_xlsx() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("lotse.db").display());
    ok(&["--db", &url, "demo", "load"], None);
    let args = |format: &str, out: &str| {
        [
            "--db",
            &url,
            "report",
            "proof-of-use",
            "--tenant",
            "krefeld",
            "--year",
            "2023",
            "--program",
            "kommunal",
            "--funder",
            "land",
            "--format",
            format,
            "--out",
            out,
        ]
        .map(str::to_owned)
    };
    let pdf = dir.path().join("vn.pdf");
    let pdf_s = pdf.to_str().unwrap();
    ok(&args("pdf", pdf_s).iter().map(String::as_str).collect::<Vec<_>>(), None);
    let text = tool("pdftotext", &["-layout", pdf_s, "-"]);
    for expected in [
        "Verwendungsnachweis",
        "Krefeld",
        "Zuwendung: Land",
        "1.420.000,00 €",
        "Ausgaben nach Kostenart: Plan und Ist",
        "Personalausgaben",
        "5.200.000,00 €",
        "7.000.000,00 €",
        "Finanzierung nach Mittelgeber: Plan und Ist",
        "Teilnehmende und Verbleib beim Austritt",
    ] {
        assert!(text.contains(expected), "{expected:?} missing in the PDF text:\n{text}");
    }
    let n = pages(pdf_s);
    assert!(text.contains(&format!("Seite {n} von {n}")));
    let xlsx = dir.path().join("vn.xlsx");
    ok(&args("xlsx", xlsx.to_str().unwrap()).iter().map(String::as_str).collect::<Vec<_>>(), None);
    let bytes = std::fs::read(&xlsx).unwrap();
    assert!(bytes.starts_with(b"PK") && bytes.len() > 4000, "an XLSX workbook");
}

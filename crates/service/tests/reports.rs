//! Reports: the spec's worked example figure by figure, roles and scopes,
//! suppression, on both backends.

use std::path::{Path, PathBuf};

use lotse_bundle::source::Bundle;
use lotse_domain::{Actor, TenantId};
use lotse_reports::{Options, Period, Report, render};
use lotse_service::Lotse;
use lotse_service::reports::ReportRequest;
use serde_json::Value;

fn example_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/spec/example")
}

async fn example_tenant(lotse: &Lotse) -> Actor {
    let t = TenantId::parse("example").unwrap();
    lotse.create_tenant(&t, "Musterstadt").await.unwrap();
    let a = Actor::system(t);
    let r = lotse.import_bundle(&a, &Bundle::open(&example_dir().join("bundle")).unwrap(), None).await.unwrap();
    assert!(r.written, "{:?}", r.errors);
    a
}

fn year(y: i32) -> Option<Period> {
    Period::year(y)
}

/// The request an expected file's `params` describe.
fn request(name: &str, params: &Value) -> ReportRequest {
    let s = |k: &str| params.get(k).and_then(|v| v.as_str()).map(str::to_string);
    let mut opts = Options::default();
    opts.year = s("year").map(|y| y.parse().unwrap());
    opts.program = s("program");
    opts.date = s("date").map(|d| d.parse().unwrap());
    if name == "query" {
        // query-2023.json: --rows gender --cols outcome_at_exit --measure persons (see example/README.md)
        opts.rows = vec!["gender".into()];
        opts.cols = Some("outcome_at_exit".into());
        opts.measure = "persons".into();
    }
    ReportRequest { name: name.into(), period: opts.year.and_then(year), opts }
}

/// Compares every expected figure; for `query`, a missing cell is a zero.
fn compare(file: &str, expected: &Value, got: &Report) -> Vec<String> {
    let got = render::json(got, lotse_reports::Lang::En);
    let mut diffs = Vec::new();
    let exp = expected["figures"].as_object().unwrap();
    let have = got["figures"].as_object().unwrap();
    for (k, v) in exp {
        let e = &v["value"];
        match have.get(k).map(|f| &f["value"]) {
            Some(g) if g == e => {}
            None if file.starts_with("query") && e == &Value::from(0) => {}
            g => {
                diffs.push(format!("{file}: {k}: expected {e}, got {}", g.map_or("nothing".into(), |g| g.to_string())))
            }
        }
    }
    for k in have.keys() {
        let zero_cell = file.starts_with("query") && have[k]["value"] == Value::from(0);
        if !exp.contains_key(k) && !zero_cell && !lotse_reports::definitions::is_addition(k) {
            diffs.push(format!("{file}: {k}: not expected, got {}", have[k]["value"]));
        }
    }
    diffs
}

lotse_testkit::both_backends! {
    async fn spec_example_gives_the_expected_figures(db) {
        let lotse = &db.lotse;
        let a = example_tenant(lotse).await;
        let mut diffs = Vec::new();
        let mut compared = 0;
        let mut files: Vec<_> = std::fs::read_dir(example_dir().join("expected")).unwrap().map(|e| e.unwrap().path()).collect();
        files.sort();
        assert_eq!(files.len(), 5);
        for f in files {
            let expected: Value = serde_json::from_slice(&std::fs::read(&f).unwrap()).unwrap();
            let name = expected["report"].as_str().unwrap();
            let report = lotse.report(&a, &request(name, &expected["params"])).await.unwrap();
            compared += expected["figures"].as_object().unwrap().len();
            diffs.extend(compare(&f.file_name().unwrap().to_string_lossy(), &expected, &report));
        }
        assert!(diffs.is_empty(), "{} differences:\n{}", diffs.len(), diffs.join("\n"));
        // Every figure of the five files: 120 + 100 + 37 + 1193 + 80 (see expected/).
        assert_eq!(compared, 1530);
    }
}

fn figure(r: &Report, key: &str) -> Value {
    render::json(r, lotse_reports::Lang::En)["figures"][key]["value"].clone()
}

lotse_testkit::both_backends! {
    async fn demo_tenants_give_the_seed_figures_as_reports(db) {
        let lotse = &db.lotse;
        lotse_service::demo::load(lotse).await.unwrap();

        // Leverkusen, "Durchstarten": the council's question per module, over the programme's run.
        let lev = Actor::system(TenantId::parse("leverkusen").unwrap());
        let mut opts = Options::default();
        opts.program = Some("durchstarten".into());
        let period = Period { from: "2020-03-01".parse().unwrap(), to: "2023-06-30".parse().unwrap() };
        let r = lotse.report(&lev, &ReportRequest { name: "programme".into(), period: Some(period), opts }).await.unwrap();
        assert_eq!(figure(&r, "modules.ds-6.participants"), 86);
        assert_eq!(figure(&r, "modules.ds-6.outcomes_at_exit.apprenticeship"), 22);
        assert_eq!(figure(&r, "modules.ds-6.outcomes_at_exit.employment_insured"), 16);
        assert_eq!(figure(&r, "modules.ds-6.first_entry"), "2020-03-01");
        assert_eq!(figure(&r, "modules.ds-1.peak_concurrent"), 5);
        assert_eq!(figure(&r, "modules.ds-1.capacity"), 5);
        assert_eq!(figure(&r, "modules.ds-1.outcomes_at_exit.apprenticeship"), 1);
        assert_eq!(figure(&r, "modules.ds-1.outcomes_at_exit.employment_insured"), 2);
        assert_eq!(figure(&r, "modules.ds-1.outcomes_at_exit.further_support"), 2);

        // Krefeld, status report 2023.
        let kr = Actor::system(TenantId::parse("krefeld").unwrap());
        let mut opts = Options::default();
        opts.year = Some(2023);
        let r = lotse.report(&kr, &ReportRequest { name: "key-figures".into(), period: year(2023), opts }).await.unwrap();
        assert_eq!(figure(&r, "group_offers"), 1351);
        assert_eq!(figure(&r, "group_participants"), 21_700);
        assert_eq!(figure(&r, "individual_persons"), 2100);
        assert_eq!(figure(&r, "participants_total"), 23_800);
        assert_eq!(figure(&r, "finance.expenses"), "7000000.00");
        assert_eq!(figure(&r, "finance.funding.total"), "3950000.00");
        assert_eq!(figure(&r, "finance.funding.federal"), "1150000.00");
        assert_eq!(figure(&r, "finance.funding.land"), "1420000.00");
        assert_eq!(figure(&r, "finance.funding.jobcenter"), "980000.00");
        assert_eq!(figure(&r, "finance.funding.other"), "400000.00");
        assert_eq!(figure(&r, "finance.revenue.total"), "2400000.00");
        assert_eq!(figure(&r, "finance.revenue.hze_avoided"), "752400.00");
        assert_eq!(figure(&r, "finance.net_cost"), "650000.00");
    }

    async fn suppressed_reports_leave_no_small_value_recoverable(db) {
        let lotse = &db.lotse;
        let a = example_tenant(lotse).await;
        for (name, rows, cols) in [("query", "gender,age_band", "delivery"), ("query", "residence_status", "outcome_at_exit"), ("esf", "", "")] {
            let mut opts = Options::default();
            opts.year = Some(2023);
            opts.suppress = true;
            opts.rows = rows.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect();
            opts.cols = Some(cols.to_string()).filter(|s| !s.is_empty());
            opts.measure = "participations".into();
            let r = lotse.report(&a, &ReportRequest { name: name.into(), period: year(2023), opts }).await.unwrap();
            let hidden = r.figures.values().filter(|f| f.suppressed).count();
            assert!(hidden > 0, "{name} {rows}: the example has small cells");
            for (k, f) in &r.figures {
                if let Some(lotse_reports::Value::Count(n)) = f.value {
                    assert!(!(1..=2).contains(&n), "{k} = {n} is shown");
                }
            }
            for g in &r.groups {
                let h = g.iter().filter(|k| r.figures[*k].suppressed).count();
                assert_ne!(h, 1, "{name}: {g:?} has one hidden value, computable from the others");
            }
        }
    }
}

lotse_testkit::both_backends! {
    async fn html_and_xlsx_show_the_same_figures(db) {
        let lotse = &db.lotse;
        let a = example_tenant(lotse).await;
        let mut opts = Options::default();
        opts.year = Some(2023);
        let r = lotse.report(&a, &ReportRequest { name: "key-figures".into(), period: year(2023), opts: opts.clone() }).await.unwrap();

        let html = String::from_utf8(render::render(&r, render::Format::Html, lotse_reports::Lang::De).unwrap()).unwrap();
        assert!(html.contains("<html lang=\"de\""));
        assert!(html.contains("<h1>Sachstandsbericht – Kennzahlen</h1>"));
        assert!(html.contains("Zeitraum: <strong>2023</strong>"));
        assert!(html.contains(">1.331<sup>"), "participants_total with a German thousands separator");
        assert!(html.contains(">-2.512.097,90 €<sup>"));
        assert!(html.contains("<li id=\"def-1\">Personen mit einer im Zeitraum aktiven Teilnahme"), "definitions as footnotes");
        assert!(html.contains("<svg role=\"img\""), "charts");
        assert!(!html.contains("<script"));

        let bytes = render::render(&r, render::Format::Xlsx, lotse_reports::Lang::De).unwrap();
        use calamine::{DataType, Reader, Xlsx};
        let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(
            wb.sheet_names(),
            vec!["Teilnehmende", "Personen nach Geschlecht", "Personen nach Alter beim Ein", "Austritte und Verbleib beim", "Finanzen", "Definitionen"]
        );
        let t = wb.worksheet_range("Teilnehmende").unwrap();
        assert_eq!(t.get_value((5, 0)).unwrap().to_string(), "Personen insgesamt");
        assert_eq!(t.get_value((5, 1)).unwrap().get_float(), Some(46.0));
        let f = wb.worksheet_range("Finanzen").unwrap();
        assert_eq!(f.get_value((5, 1)).unwrap().get_float(), Some(4496685.82));

        // Suppressed, the same cells show `*`.
        opts.suppress = true;
        let r = lotse.report(&a, &ReportRequest { name: "key-figures".into(), period: year(2023), opts }).await.unwrap();
        let html = String::from_utf8(render::render(&r, render::Format::Html, lotse_reports::Lang::De).unwrap()).unwrap();
        assert!(html.contains("Statistische Geheimhaltung"));
        assert!(html.contains(">*<sup>"));
        let csv = String::from_utf8(render::render(&r, render::Format::Csv, lotse_reports::Lang::En).unwrap()).unwrap();
        assert!(csv.lines().any(|l| l.starts_with("persons_by_gender.diverse,,true,")), "{csv}");
    }
}

lotse_testkit::both_backends! {
    async fn published_reports_stay_as_published(db) {
        let lotse = &db.lotse;
        let a = example_tenant(lotse).await;
        let params = lotse_service::reports::ReportParams { year: Some("2023".into()), ..Default::default() };
        let p = lotse.publish_report(&a, "key-figures", &params, Some("Sachstandsbericht 2023".into())).await.unwrap();
        assert_eq!(p.content_hash.len(), 64);
        let first = lotse.publication(&a, &p.id).await.unwrap();
        assert!(first.report.suppressed, "published reports are always suppressed");
        assert!(first.report.figures["persons_by_gender.diverse"].suppressed);
        assert_eq!(figure(&first.report, "finance.expenses"), "4496685.82");
        assert!(!lotse.compare_publication(&a, &p.id).await.unwrap().differs);

        // The data change: a further expense for 2023 is imported.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("finance.csv"), "entry_id,year,kind,category,program_id,amount_eur,quantity,unit,note\nnachtrag-1,2023,expense,material,,1000.00,,,Nachtrag\n").unwrap();
        let r = lotse.import_bundle(&a, &Bundle::open(dir.path()).unwrap(), None).await.unwrap();
        assert!(r.written, "{:?}", r.errors);

        // The publication is unchanged, byte for byte, and says that it differs now.
        let again = lotse.publication(&a, &p.id).await.unwrap();
        assert_eq!(again.report.to_stored(), first.report.to_stored());
        assert_eq!(figure(&again.report, "finance.expenses"), "4496685.82");
        let c = lotse.compare_publication(&a, &p.id).await.unwrap();
        assert!(c.differs);
        assert_eq!(c.changed, vec!["finance.expenses".to_string(), "finance.net_cost".to_string()]);
        assert_eq!(lotse.publications(&a).await.unwrap().len(), 1);

        // Frozen in the database itself.
        use sea_orm::ConnectionTrait;
        let err = lotse.db.execute_unprepared("UPDATE published_reports SET content_hash = 'x'").await;
        assert!(err.is_err(), "published reports cannot be changed");

        // Person lists are not published.
        let e = lotse.publish_report(&a, "eligibility", &params, None).await.unwrap_err();
        assert!(e.message(lotse_domain::Lang::De).contains("wird nicht veröffentlicht"));
    }
}

lotse_testkit::both_backends! {
    async fn every_count_lists_exactly_its_records(db) {
        let lotse = &db.lotse;
        let a = example_tenant(lotse).await;
        let period = year(2023).unwrap();
        let data = lotse.load_dataset(&a, Some(period)).await.unwrap();
        let day: chrono::NaiveDate = "2023-06-30".parse().unwrap();
        let day_data = lotse.load_dataset(&a, Some(Period { from: day, to: day })).await.unwrap();
        let all_persons = lotse.load_dataset(&a, None).await.unwrap();
        let (data, day_data, all_persons) = (&*data, &*day_data, &*all_persons);
        let mut cases: Vec<(&str, Options, &lotse_reports::data::Dataset)> = Vec::new();
        let base = Options::default();
        cases.push(("key-figures", base.clone(), data));
        cases.push(("esf", base.clone(), data));
        cases.push(("programme", Options { program: Some("sy-a".into()), ..base.clone() }, data));
        cases.push(("query", Options { rows: vec!["gender".into(), "age_band".into()], cols: Some("outcome_at_exit".into()), ..base.clone() }, data));
        cases.push(("query", Options { rows: vec!["program".into()], cols: Some("delivery".into()), measure: "participations".into(), ..base.clone() }, data));
        cases.push(("reach", Options { program: Some("sy-a".into()), target_size: Some(1000), ..base.clone() }, data));
        cases.push(("caseload", Options { date: Some(day), ..base.clone() }, day_data));
        cases.push(("eligibility", Options { program: Some("sy-a".into()), date: Some(day), ..base.clone() }, all_persons));
        let mut checked = 0;
        for (name, opts, data) in cases {
            let full = lotse_reports::compute(name, data, Some(period), &opts).unwrap();
            for (key, f) in &full.figures {
                let Some(lotse_reports::Value::Count(n)) = f.value else { continue };
                if !f.def.counts() || key.ends_with(".peak_concurrent") {
                    continue;
                }
                let traced = lotse_reports::compute(name, data, Some(period), &Options { trace: Some(key.clone()), ..opts.clone() }).unwrap();
                let members = traced.trace.unwrap().members;
                let heads: i64 = if matches!(key.as_str(), "group_participants" | "participants_total") {
                    data.offers.iter().filter(|o| o.is_group() && period.overlaps(o.start, o.end)).filter_map(|o| o.unregistered).sum()
                } else {
                    0
                };
                assert_eq!(members.len() as i64 + heads, n, "{name} {key}: {} records for {n}", members.len());
                checked += 1;
            }
        }
        assert!(checked > 1000, "{checked}");

        // Through the service: a coordinator's list, a controller's refusal.
        let mut opts = Options::default();
        opts.year = Some(2023);
        let req = ReportRequest { name: "key-figures".into(), period: year(2023), opts };
        let rec = lotse.report_records(&a, &req, "persons_by_gender.diverse", lotse_domain::Lang::De).await.unwrap();
        assert_eq!((rec.value, rec.records.len()), (2, 2));
        assert!(rec.records.iter().all(|m| m.person.as_deref().is_some_and(|p| p.starts_with("sy-p"))));
        let rec = lotse.report_records(&a, &req, "group_participants", lotse_domain::Lang::De).await.unwrap();
        assert!(rec.note.unwrap().contains("namentlich nicht erfasste"));
        let e = lotse.report_records(&a, &req, "finance.expenses", lotse_domain::Lang::De).await.unwrap_err();
        assert!(e.message(lotse_domain::Lang::De).contains("keine Anzahl von Datensätzen"));
    }
}

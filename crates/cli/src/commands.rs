use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use lotse_domain::{Actor, DomainError, EntityId, Lang, Login, Role, TenantId};
use lotse_service::Lotse;
use lotse_service::audit::AuditFilter;
use lotse_service::auth::NewToken;
use lotse_service::page::PageRequest;
use lotse_service::users::NewUser;

use crate::config::{self, Flags};

#[derive(Parser)]
#[command(name = "lotse", version, about = "Lotse – Fallsteuerung und Berichte für kommunale Beschäftigungsförderung")]
pub struct Cli {
    /// Database: sqlite://PATH (default sqlite://lotse-data/lotse.db) or postgres://…  [env: LOTSE_DB]
    #[arg(long, global = true)]
    db: Option<String>,
    /// Configuration file (TOML; default ./lotse.toml if present)  [env: LOTSE_CONFIG]
    #[arg(long, global = true)]
    config: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web interface and the API.
    Serve {
        /// Address to listen on (default 127.0.0.1:8080)  [env: LOTSE_BIND]
        #[arg(long)]
        bind: Option<String>,
        /// Load the demo tenants and print their logins.
        #[arg(long)]
        demo: bool,
    },
    /// Bring the database schema up to date (also done by serve).
    Migrate,
    /// Tenants, accounts and API tokens.
    Admin {
        #[command(subcommand)]
        cmd: AdminCmd,
    },
    /// The audit trail: list entries, or `verify` the hash chain.
    #[command(args_conflicts_with_subcommands = true)]
    Audit {
        #[command(subcommand)]
        cmd: Option<AuditCmd>,
        #[command(flatten)]
        list: AuditList,
    },
    /// Write a consistent online copy of the SQLite database to FILE.
    Backup { file: PathBuf },
    /// Replace the SQLite database with a backup (Lotse must not be running).
    Restore {
        file: PathBuf,
        /// Overwrite an existing database.
        #[arg(long)]
        force: bool,
    },
    /// Import a data bundle (folder, .zip or .xlsx) into a tenant: all or nothing.
    Import {
        #[arg(long)]
        tenant: String,
        path: PathBuf,
        /// Language of messages and the summary.
        #[arg(long, value_enum, default_value_t = LangArg::De)]
        lang: LangArg,
    },
    /// Export a tenant as a canonical bundle: a folder, or with --zip/--xlsx a file.
    Export {
        #[arg(long)]
        tenant: String,
        out: PathBuf,
        #[arg(long, conflicts_with = "xlsx")]
        zip: bool,
        #[arg(long)]
        xlsx: bool,
    },
    /// Compute a report (key-figures, programme, esf, reach, caseload, allocation, eligibility, query, proof-of-use).
    Report(Box<ReportArgs>),
    /// Council inquiries: list them, write the statement as DOCX or PDF.
    Inquiry {
        #[command(subcommand)]
        cmd: InquiryCmd,
    },
    /// Published reports: list, show (unchanged), compare with today's data.
    Publication {
        #[command(subcommand)]
        cmd: PublicationCmd,
    },
    /// Retention: the tenant's rules; anonymise or delete persons whose retention has ended.
    Retention {
        #[command(subcommand)]
        cmd: RetentionCmd,
    },
    /// Write a synthetic bundle with realistic distributions (deterministic for a seed).
    Generate {
        #[arg(long)]
        persons: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        out: PathBuf,
    },
    /// Demo data.
    Demo {
        #[command(subcommand)]
        cmd: DemoCmd,
    },
}

#[derive(Subcommand)]
enum AdminCmd {
    Tenant {
        #[command(subcommand)]
        cmd: TenantCmd,
    },
    User {
        #[command(subcommand)]
        cmd: UserCmd,
    },
    Token {
        #[command(subcommand)]
        cmd: TokenCmd,
    },
    Provider {
        #[command(subcommand)]
        cmd: ProviderCmd,
    },
}

#[derive(Subcommand)]
enum TenantCmd {
    /// Create a tenant (a municipality, county or Land).
    Create {
        id: String,
        #[arg(long)]
        name: String,
    },
    List,
}

#[derive(Subcommand)]
enum UserCmd {
    /// Create an account; the password is read from standard input.
    Create {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        login: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        provider: Option<String>,
        #[arg(long)]
        name: Option<String>,
        /// The staff record (staff.csv) the account works as: its cases
        /// are the case manager's own ("Meine Fälle"), its caseload theirs.
        #[arg(long)]
        staff: Option<String>,
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Set a new password, read from standard input.
    ResetPassword {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        login: String,
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    List {
        #[arg(long)]
        tenant: String,
    },
}

#[derive(Subcommand)]
enum TokenCmd {
    /// Issue an API token for an account and print it.
    Create {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        login: String,
        #[arg(long, default_value = "Kommandozeile")]
        name: String,
        #[arg(long, default_value_t = 90)]
        days: u32,
    },
    /// Revoke a token at once.
    Revoke {
        #[arg(long)]
        tenant: String,
        id: String,
    },
    List {
        #[arg(long)]
        tenant: String,
    },
}

#[derive(Subcommand)]
enum ProviderCmd {
    Create {
        #[arg(long)]
        tenant: String,
        id: String,
        #[arg(long)]
        name: String,
    },
}

#[derive(Subcommand)]
enum AuditCmd {
    /// Recompute the hash chain of one tenant (or all) and report tampering.
    Verify {
        #[arg(long)]
        tenant: Option<String>,
    },
}

#[derive(Args)]
struct AuditList {
    #[arg(long)]
    tenant: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    #[arg(long)]
    entity: Option<String>,
    #[arg(long)]
    entity_id: Option<String>,
    #[arg(long, default_value_t = 100)]
    limit: u64,
}

#[derive(Args)]
struct ReportArgs {
    /// The report, as in reports.md.
    #[arg(value_parser = clap::builder::PossibleValuesParser::new(lotse_reports::NAMES))]
    name: String,
    /// The tenant (not needed for `allocation --units`).
    #[arg(long)]
    tenant: Option<String>,
    /// Calendar year of the period.
    #[arg(long)]
    year: Option<String>,
    /// First day of the period (YYYY-MM-DD).
    #[arg(long)]
    from: Option<String>,
    /// Last day of the period (YYYY-MM-DD).
    #[arg(long)]
    to: Option<String>,
    #[arg(long)]
    program: Option<String>,
    /// Proof of use: the funder it is addressed to (federal, land, esf, jobcenter, municipality, other).
    #[arg(long)]
    funder: Option<String>,
    /// Statistical disclosure control: counts of 1 and 2 and what would reveal them become `*`.
    #[arg(long)]
    suppress: bool,
    /// Day of a caseload or eligibility report (default today).
    #[arg(long)]
    date: Option<String>,
    /// Caseload: cases per full-time post aimed at (default 80).
    #[arg(long)]
    target: Option<String>,
    /// Reach: size of the target group.
    #[arg(long)]
    target_size: Option<String>,
    /// Reach: district statistic giving the size of the target group.
    #[arg(long)]
    target_indicator: Option<String>,
    /// Query: one or two row dimensions, comma-separated.
    #[arg(long)]
    rows: Option<String>,
    /// Query: the column dimension.
    #[arg(long)]
    cols: Option<String>,
    /// Query: persons, participations or exits.
    #[arg(long)]
    measure: Option<String>,
    /// Query: age band limits (default 18,30,55).
    #[arg(long)]
    age_bands: Option<String>,
    /// Allocation: the total in euro (e.g. 5000000 or 5000000.00).
    #[arg(long)]
    total: Option<String>,
    /// Allocation: the key.
    #[arg(long, value_parser = ["fluag", "population", "weights"], default_value = "fluag")]
    key: String,
    /// Allocation: units file `unit_id,name,population,area_km2[,weight]` (else the tenant's districts of --year).
    #[arg(long)]
    units: Option<PathBuf>,
    #[arg(long, value_parser = ["json", "csv", "xlsx", "html", "pdf"], default_value = "json")]
    format: String,
    /// Write to FILE instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Language of labels, definitions and messages.
    #[arg(long, value_enum, default_value_t = LangArg::De)]
    lang: LangArg,
    /// Publish the report: frozen with its parameters, time and content hash (always suppressed).
    #[arg(long)]
    publish: bool,
    /// Title of the publication.
    #[arg(long, requires = "publish")]
    title: Option<String>,
}

#[derive(Subcommand)]
enum InquiryCmd {
    /// The tenant's inquiries with their questions and whether they are answered.
    List {
        #[arg(long)]
        tenant: String,
    },
    /// The statement (Stellungnahme) on an inquiry.
    Statement {
        #[arg(long)]
        tenant: String,
        id: String,
        #[arg(long, value_parser = ["docx", "pdf"], default_value = "docx")]
        format: String,
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum RetentionCmd {
    /// List the persons whose retention has ended, then anonymise (or, if no
    /// report counts them, delete) them. Past reports keep their figures.
    Run {
        #[arg(long)]
        tenant: String,
        /// Only list; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Show the tenant's retention rules, or replace them with --set.
    Rules {
        #[arg(long)]
        tenant: String,
        /// KIND:YEARS[:PROGRAM], e.g. after_case_closed:3 or esf:5:biwaq (repeatable).
        #[arg(long)]
        set: Vec<String>,
    },
}

#[derive(Subcommand)]
enum PublicationCmd {
    /// The tenant's published reports.
    List {
        #[arg(long)]
        tenant: String,
    },
    /// A published report as it was published.
    Show {
        #[arg(long)]
        tenant: String,
        id: String,
        #[arg(long, value_parser = ["json", "csv", "xlsx", "html", "pdf"], default_value = "json")]
        format: String,
        #[arg(long)]
        out: Option<PathBuf>,
        /// Compare with a fresh computation and list what differs.
        #[arg(long)]
        compare: bool,
    },
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum LangArg {
    De,
    En,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum Format {
    Text,
    Json,
}

#[derive(Subcommand)]
enum DemoCmd {
    /// Create the demo tenants and their logins (password "demo").
    Load,
    /// Write the demo bundles (the files in the repository's demo/ folder).
    #[command(hide = true)]
    WriteBundles { dir: PathBuf },
}

fn human(e: DomainError) -> anyhow::Error {
    anyhow::anyhow!(e.message(Lang::De))
}

fn read_password() -> anyhow::Result<String> {
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s).context("Passwort von der Standardeingabe lesen")?;
    let pw = s.trim_end_matches(['\n', '\r']).to_owned();
    anyhow::ensure!(!pw.is_empty(), "Kein Passwort auf der Standardeingabe erhalten.");
    Ok(pw)
}

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let bind_flag = match &cli.command {
        Command::Serve { bind, .. } => bind.clone(),
        _ => None,
    };
    let cfg = config::load(cli.config.as_deref(), &Flags { db: cli.db.clone(), bind: bind_flag })?;
    if let Command::Restore { file, force } = &cli.command {
        return restore(&cfg.db, file, *force).map(|_| ExitCode::SUCCESS);
    }
    // An allocation over a units file needs no database.
    if let Command::Report(args) = &cli.command
        && args.name == "allocation"
        && args.units.is_some()
    {
        return report(None, args).await.map(|_| ExitCode::SUCCESS);
    }
    if let Command::Demo { cmd: DemoCmd::WriteBundles { dir } } = &cli.command {
        lotse_bundle::demo::write_all(dir)?;
        println!("Demo-Bündel nach {} geschrieben.", dir.display());
        return Ok(ExitCode::SUCCESS);
    }
    if let Command::Generate { persons, seed, out } = &cli.command {
        let start = std::time::Instant::now();
        let g = lotse_bundle::generate::generate(out, *persons, *seed)?;
        println!(
            "{} Personen, {} Teilnahmen, {} Ergebnisse, {} Angebote nach {} geschrieben ({:.1} s).",
            g.persons,
            g.participations,
            g.outcomes,
            g.offers,
            out.display(),
            start.elapsed().as_secs_f64()
        );
        return Ok(ExitCode::SUCCESS);
    }
    if let Command::Migrate = cli.command {
        // Before anything else opens the database, which migrates it too:
        // the count is of what this command ran.
        let db = lotse_db::backend::connect_unmigrated(&cfg.db).await?;
        let n = lotse_db::backend::migrate(&db).await?;
        println!("Datenbank ist auf dem neuesten Stand ({n} Migrationen ausgeführt).");
        db.close().await?;
        return Ok(ExitCode::SUCCESS);
    }
    let lotse = Lotse::open(&cfg.db).await?;
    match cli.command {
        Command::Serve { demo, .. } => serve(lotse, &cfg, demo).await?,
        Command::Migrate => unreachable!("handled before the database is opened"),
        Command::Admin { cmd } => admin(&lotse, cmd).await?,
        Command::Audit { cmd: Some(AuditCmd::Verify { tenant }), .. } => {
            let tenants = match tenant {
                Some(t) => vec![TenantId::parse(&t).map_err(human)?],
                None => lotse
                    .tenants()
                    .await
                    .map_err(human)?
                    .into_iter()
                    .map(|t| TenantId::parse(&t.id))
                    .collect::<Result<_, _>>()
                    .map_err(human)?,
            };
            let mut ok = true;
            for t in tenants {
                let r = lotse.verify_audit(&Actor::system(t)).await.map_err(human)?;
                if r.ok {
                    println!(
                        "{}: Protokollkette unversehrt ({} Einträge; Ende: Eintrag {}, {}).",
                        r.tenant,
                        r.entries,
                        r.head_seq,
                        r.head_hash.as_deref().unwrap_or("-")
                    );
                } else {
                    ok = false;
                    println!("{}: PROTOKOLLKETTE VERLETZT ({} Einträge geprüft):", r.tenant, r.entries);
                    for p in r.problems {
                        println!("  - {}", p.message);
                    }
                }
            }
            return Ok(if ok { ExitCode::SUCCESS } else { ExitCode::from(2) });
        }
        Command::Audit { cmd: None, list } => {
            let Some(t) = list.tenant else { bail!("Bitte --tenant angeben (oder „lotse audit verify“).") };
            let actor = Actor { role: Role::Auditor, ..Actor::system(TenantId::parse(&t).map_err(human)?) };
            let filter = AuditFilter { entity: list.entity, entity_id: list.entity_id, ..Default::default() };
            let page = lotse
                .audit_entries(&actor, &filter, PageRequest { limit: Some(list.limit), offset: None })
                .await
                .map_err(human)?;
            match list.format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&page.items)?),
                Format::Text => {
                    for e in page.items {
                        println!(
                            "{:>6} {} {:<12} {:<7} {}/{} {} {}",
                            e.seq.unwrap_or_default(),
                            e.at.format("%d.%m.%Y %H:%M:%S"),
                            e.actor,
                            e.action,
                            e.entity,
                            e.entity_id,
                            e.address.unwrap_or_default(),
                            if e.changes.is_null() { String::new() } else { e.changes.to_string() }
                        );
                    }
                }
            }
        }
        Command::Backup { file } => {
            anyhow::ensure!(
                !file.exists(),
                "{} existiert bereits; bitte einen neuen Dateinamen wählen.",
                file.display()
            );
            lotse_db::backend::sqlite_backup(&lotse.db, &file).await?;
            println!("Sicherung geschrieben: {}", file.display());
        }
        Command::Restore { .. } | Command::Generate { .. } => unreachable!(),
        Command::Import { tenant, path, lang } => {
            let english = lang == LangArg::En;
            let t = TenantId::parse(&tenant).map_err(human)?;
            let bundle = lotse_bundle::source::Bundle::open(&path)?;
            let bar = progress_bar();
            let tick = |file: &str, rows: u64| {
                if let Some(b) = &bar {
                    // Without a row count: a step after the files (indexes).
                    b.set_message(if rows == 0 { file.to_owned() } else { format!("{file}: {rows} Zeilen") });
                    b.tick();
                }
            };
            let report = lotse.import_bundle(&Actor::system(t), &bundle, Some(&tick)).await.map_err(human)?;
            if let Some(b) = bar {
                b.finish_and_clear();
            }
            for w in &report.warnings {
                eprintln!("{}", w.render(english));
            }
            for e in &report.errors {
                eprintln!("{}", e.render(english));
            }
            if report.error_count > report.errors.len() {
                let more = report.error_count - report.errors.len();
                eprintln!(
                    "{}",
                    if english {
                        format!("… and {more} more errors")
                    } else {
                        format!("… und {more} weitere Fehler")
                    }
                );
            }
            if report.written {
                for f in &report.files {
                    println!("{}", f.line(english));
                }
                let tables = |tables: &[String], de: &str, en: &str| {
                    if !tables.is_empty() {
                        println!("{}: {}", if english { en } else { de }, tables.join(", "));
                    }
                };
                tables(&report.rebuilt_indexes, "Indizes nach dem Laden aufgebaut", "indexes built after loading");
                tables(
                    &report.keys_checked_at_end,
                    "Verweise nach dem Laden in einem Durchgang geprüft",
                    "references checked once after loading",
                );
            } else {
                eprintln!(
                    "{}",
                    if english {
                        format!("{} errors: nothing was imported.", report.error_count)
                    } else {
                        format!("{} Fehler: es wurde nichts übernommen.", report.error_count)
                    }
                );
                return Ok(ExitCode::from(2));
            }
        }
        Command::Export { tenant, out, zip, xlsx } => {
            let t = TenantId::parse(&tenant).map_err(human)?;
            let sink: Box<dyn lotse_bundle::write::Sink> = if zip {
                Box::new(lotse_bundle::write::ZipSink::new(&out)?)
            } else if xlsx {
                Box::new(lotse_bundle::write::XlsxSink::new(&out))
            } else {
                Box::new(lotse_bundle::write::FolderSink::new(&out)?)
            };
            let counts = lotse.export_bundle(&Actor::system(t), sink).await.map_err(human)?;
            for (file, n) in counts {
                println!("{file}: {n} Zeilen");
            }
        }
        Command::Report(args) => report(Some(&lotse), &args).await?,
        Command::Publication { cmd } => publication(&lotse, cmd).await?,
        Command::Retention { cmd } => retention(&lotse, cmd).await?,
        Command::Inquiry { cmd } => inquiry(&lotse, cmd).await?,
        Command::Demo { cmd: DemoCmd::WriteBundles { .. } } => unreachable!(),
        Command::Demo { cmd: DemoCmd::Load } => {
            let logins = lotse_service::demo::load(&lotse).await.map_err(human)?;
            print_demo_logins(&logins);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `lotse report`: computes, renders and writes a report.
async fn report(lotse: Option<&Lotse>, args: &ReportArgs) -> anyhow::Result<()> {
    let lang = if args.lang == LangArg::En { Lang::En } else { Lang::De };
    let err = |e: DomainError| anyhow::anyhow!(e.message(lang));
    let params = lotse_service::reports::ReportParams {
        year: args.year.clone(),
        from: args.from.clone(),
        to: args.to.clone(),
        program: args.program.clone(),
        funder: args.funder.clone(),
        suppress: Some(args.suppress),
        date: args.date.clone(),
        target: args.target.clone(),
        target_size: args.target_size.clone(),
        target_indicator: args.target_indicator.clone(),
        rows: args.rows.clone(),
        cols: args.cols.clone(),
        measure: args.measure.clone(),
        age_bands: args.age_bands.clone(),
    };
    let report = if args.name == "allocation" {
        let total = args.total.as_deref().context("Die Verteilung braucht einen Gesamtbetrag: --total EURO")?;
        let (units, tenant) = match (&args.units, lotse, &args.tenant) {
            (Some(file), _, _) => {
                let text = std::fs::read_to_string(file).with_context(|| format!("{} lesen", file.display()))?;
                (
                    lotse_reports::allocation::read_units(&text).map_err(|e| anyhow::anyhow!(e.message(lang)))?,
                    String::new(),
                )
            }
            (None, Some(lotse), Some(t)) => {
                let year: i32 = args
                    .year
                    .as_deref()
                    .context("Ohne --units braucht die Verteilung --year (Einwohnerzahlen des Jahres).")?
                    .parse()
                    .context("--year")?;
                let actor = Actor::system(TenantId::parse(t).map_err(human)?);
                lotse.tenant(&actor.tenant).await.map_err(err)?;
                (lotse.allocation_units(&actor, year).await.map_err(err)?, t.clone())
            }
            _ => bail!("Die Verteilung braucht --units DATEI oder --tenant MANDANT --year JAHR."),
        };
        lotse_reports::allocation::request(&units, total, &args.key, &tenant, args.suppress)
            .map_err(|e| anyhow::anyhow!(e.message(lang)))?
    } else {
        let lotse = lotse.expect("opened");
        let t = args.tenant.as_deref().context("Bitte den Mandanten angeben: --tenant MANDANT")?;
        let actor = Actor::system(TenantId::parse(t).map_err(human)?);
        lotse.tenant(&actor.tenant).await.map_err(err)?;
        if args.publish {
            let p = lotse.publish_report(&actor, &args.name, &params, args.title.clone()).await.map_err(err)?;
            println!(
                "Veröffentlicht: {} ({}, SHA-256 {})",
                p.id,
                p.published_at.format("%d.%m.%Y %H:%M UTC"),
                p.content_hash
            );
            return Ok(());
        }
        let req = params.request(&args.name).map_err(err)?;
        lotse.report(&actor, &req).await.map_err(err)?
    };
    let format = lotse_reports::render::Format::parse(&args.format).expect("clap checked");
    let bytes = lotse_pdf::render(&report, format, lang)
        .map_err(|e| anyhow::anyhow!("Der Bericht lässt sich nicht als {} schreiben: {e}", args.format))?;
    write_output(args.out.as_deref(), format, &bytes)
}

/// Writes a rendered report to `out`, or to standard output — but not a
/// binary file (XLSX, PDF) to a terminal.
fn write_output(
    out: Option<&std::path::Path>,
    format: lotse_reports::render::Format,
    bytes: &[u8],
) -> anyhow::Result<()> {
    use lotse_reports::render::Format;
    match out {
        Some(path) => std::fs::write(path, bytes).with_context(|| format!("{} schreiben", path.display()))?,
        None if matches!(format, Format::Xlsx | Format::Pdf) && std::io::stdout().is_terminal() => {
            bail!(
                "Eine {}-Datei gehört nicht ins Terminal: bitte --out DATEI angeben.",
                format.extension().to_uppercase()
            )
        }
        None => {
            use std::io::Write;
            std::io::stdout().write_all(bytes)?;
        }
    }
    Ok(())
}

async fn inquiry(lotse: &Lotse, cmd: InquiryCmd) -> anyhow::Result<()> {
    match cmd {
        InquiryCmd::List { tenant } => {
            let actor = Actor::system(TenantId::parse(&tenant).map_err(human)?);
            lotse.tenant(&actor.tenant).await.map_err(human)?;
            for i in lotse.inquiries(&actor).await.map_err(human)? {
                let answered = i.questions.iter().filter(|q| q.answer.is_some()).count();
                println!(
                    "{}  {}  {} – {}  ({answered} von {} Fragen beantwortet)",
                    i.id,
                    i.received_on.format("%d.%m.%Y"),
                    i.faction,
                    i.title,
                    i.questions.len()
                );
            }
        }
        InquiryCmd::Statement { tenant, id, format, out } => {
            let actor = Actor::system(TenantId::parse(&tenant).map_err(human)?);
            let st = lotse.statement(&actor, &id).await.map_err(human)?;
            let bytes = if format == "pdf" { lotse_pdf::statement::pdf(&st) } else { lotse_pdf::statement::docx(&st) }
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            std::fs::write(&out, bytes).with_context(|| format!("{} schreiben", out.display()))?;
            println!("Stellungnahme geschrieben: {}", out.display());
        }
    }
    Ok(())
}

async fn retention(lotse: &Lotse, cmd: RetentionCmd) -> anyhow::Result<()> {
    use lotse_service::retention::RetentionRule;
    match cmd {
        RetentionCmd::Run { tenant, dry_run } => {
            let actor = Actor::system(TenantId::parse(&tenant).map_err(human)?);
            lotse.tenant(&actor.tenant).await.map_err(human)?;
            let day = lotse_service::retention::today();
            let out = lotse.retention_run(&actor, day, dry_run).await.map_err(human)?;
            for i in &out.items {
                println!("{}  Aufbewahrung endete {}  {}", i.person_id, i.retention_ended, i.action);
            }
            let (anon, del) =
                out.items.iter().fold((0, 0), |(a, d), i| if i.action == "delete" { (a, d + 1) } else { (a + 1, d) });
            if dry_run {
                println!("Probelauf: {anon} Personen wären zu anonymisieren, {del} zu löschen; nichts geändert.");
            } else {
                println!("{anon} Personen anonymisiert, {del} gelöscht.");
            }
        }
        RetentionCmd::Rules { tenant, set } => {
            let actor = Actor::system(TenantId::parse(&tenant).map_err(human)?);
            lotse.tenant(&actor.tenant).await.map_err(human)?;
            let rules = if set.is_empty() {
                lotse.retention_rules(&actor).await.map_err(human)?
            } else {
                let mut rules = Vec::new();
                for raw in &set {
                    let mut parts = raw.split(':');
                    let kind = parts.next().unwrap_or_default().to_owned();
                    let years = parts.next().and_then(|y| y.parse().ok()).ok_or_else(|| {
                        anyhow::anyhow!("--set {raw}: erwartet ART:JAHRE[:PROGRAMM], z. B. after_case_closed:3")
                    })?;
                    rules.push(RetentionRule { kind, years, program_id: parts.next().map(str::to_owned) });
                }
                lotse.set_retention_rules(&actor, rules).await.map_err(human)?
            };
            if rules.is_empty() {
                println!("Keine Aufbewahrungsregeln: niemand wird anonymisiert.");
            }
            for r in rules {
                println!("{}  {} Jahre  {}", r.kind, r.years, r.program_id.as_deref().unwrap_or("alle Programme"));
            }
        }
    }
    Ok(())
}

async fn publication(lotse: &Lotse, cmd: PublicationCmd) -> anyhow::Result<()> {
    match cmd {
        PublicationCmd::List { tenant } => {
            let actor = Actor::system(TenantId::parse(&tenant).map_err(human)?);
            lotse.tenant(&actor.tenant).await.map_err(human)?;
            for p in lotse.publications(&actor).await.map_err(human)? {
                println!(
                    "{}  {}  {:<12} {}  {}",
                    p.id,
                    p.published_at.format("%d.%m.%Y %H:%M"),
                    p.report,
                    p.title.as_deref().unwrap_or("–"),
                    p.params
                );
            }
        }
        PublicationCmd::Show { tenant, id, format, out, compare } => {
            let actor = Actor::system(TenantId::parse(&tenant).map_err(human)?);
            if compare {
                let c = lotse.compare_publication(&actor, &id).await.map_err(human)?;
                if c.differs {
                    println!("Abweichend von einer Neuberechnung mit heutigen Daten: {}", c.changed.join(", "));
                } else {
                    println!("Unverändert: eine Neuberechnung mit heutigen Daten ergibt dieselben Zahlen.");
                }
                return Ok(());
            }
            let p = lotse.publication(&actor, &id).await.map_err(human)?;
            let f = lotse_reports::render::Format::parse(&format).expect("clap checked");
            let bytes = lotse_pdf::render(&p.report, f, Lang::De).map_err(|e| anyhow::anyhow!("{e}"))?;
            write_output(out.as_deref(), f, &bytes)?;
        }
    }
    Ok(())
}

async fn admin(lotse: &Lotse, cmd: AdminCmd) -> anyhow::Result<()> {
    let tenant = |t: &str| TenantId::parse(t).map_err(human);
    match cmd {
        AdminCmd::Tenant { cmd: TenantCmd::Create { id, name } } => {
            let t = lotse.create_tenant(&tenant(&id)?, &name).await.map_err(human)?;
            println!("Mandant {} ({}) angelegt.", t.id, t.name);
        }
        AdminCmd::Tenant { cmd: TenantCmd::List } => {
            for t in lotse.tenants().await.map_err(human)? {
                println!("{}\t{}", t.id, t.name);
            }
        }
        AdminCmd::User { cmd: UserCmd::Create { tenant: t, login, role, provider, name, staff, .. } } => {
            let t = tenant(&t)?;
            lotse.tenant(&t).await.map_err(human)?;
            let new = NewUser {
                login: Login::parse(&login).map_err(human)?,
                display_name: name,
                role: Role::parse(&role).map_err(human)?,
                provider_id: provider.as_deref().map(EntityId::parse).transpose().map_err(human)?,
                password: read_password()?,
                staff_id: staff,
            };
            let u = lotse.create_user(&Actor::system(t.clone()), new).await.map_err(human)?;
            println!("Konto {}@{t} ({}) angelegt.", u.login, u.role.label_de());
        }
        AdminCmd::User { cmd: UserCmd::ResetPassword { tenant: t, login, .. } } => {
            let t = tenant(&t)?;
            let l = Login::parse(&login).map_err(human)?;
            lotse.reset_password(&Actor::system(t.clone()), &l, read_password()?).await.map_err(human)?;
            println!("Passwort für {l}@{t} neu gesetzt; offene Sitzungen und API-Tokens des Kontos sind beendet.");
        }
        AdminCmd::User { cmd: UserCmd::List { tenant: t } } => {
            let page = lotse
                .users(&Actor::system(tenant(&t)?), PageRequest { limit: Some(500), offset: None })
                .await
                .map_err(human)?;
            for u in page.items {
                println!("{}\t{}\t{}", u.login, u.role, u.provider_id.unwrap_or_default());
            }
        }
        AdminCmd::Token { cmd: TokenCmd::Create { tenant: t, login, name, days } } => {
            let t = tenant(&t)?;
            let l = Login::parse(&login).map_err(human)?;
            let issued = lotse
                .create_token(&Actor::system(t), NewToken { name, days: Some(days), login: Some(l) })
                .await
                .map_err(human)?;
            if std::io::stdout().is_terminal() {
                eprintln!(
                    "API-Token (Kennung {}, gültig bis {}); es wird nur jetzt angezeigt:",
                    issued.info.id,
                    issued.info.expires_at.format("%d.%m.%Y")
                );
            }
            println!("{}", issued.token);
        }
        AdminCmd::Token { cmd: TokenCmd::Revoke { tenant: t, id } } => {
            lotse.revoke_token(&Actor::system(tenant(&t)?), &id).await.map_err(human)?;
            println!("Token {id} widerrufen.");
        }
        AdminCmd::Token { cmd: TokenCmd::List { tenant: t } } => {
            let page = lotse
                .tokens(&Actor::system(tenant(&t)?), PageRequest { limit: Some(500), offset: None })
                .await
                .map_err(human)?;
            for tk in page.items {
                let state = if tk.revoked_at.is_some() { "widerrufen" } else { "aktiv" };
                println!("{}\t{}\t{}\tbis {}\t{state}", tk.id, tk.user_id, tk.name, tk.expires_at.format("%d.%m.%Y"));
            }
        }
        AdminCmd::Provider { cmd: ProviderCmd::Create { tenant: t, id, name } } => {
            let input =
                lotse_service::providers::ProviderInput { id: EntityId::parse(&id).map_err(human)?, name, kind: None };
            let p = lotse.create_provider(&Actor::system(tenant(&t)?), input).await.map_err(human)?;
            println!("Träger {} ({}) angelegt.", p.id, p.name);
        }
    }
    Ok(())
}

/// A spinner with the current file and row count, on a terminal only.
fn progress_bar() -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let b = indicatif::ProgressBar::new_spinner();
    b.set_style(indicatif::ProgressStyle::with_template("{spinner} {elapsed} {msg}").expect("template"));
    b.enable_steady_tick(std::time::Duration::from_millis(200));
    Some(b)
}

fn print_demo_logins(logins: &[lotse_service::demo::DemoLogin]) {
    println!("Demo-Anmeldungen (Passwort jeweils „{}“):", lotse_service::demo::DEMO_PASSWORD);
    for l in logins {
        println!("  {:<40} {}", l.login, l.role.label_de());
    }
}

async fn serve(lotse: Lotse, cfg: &config::Config, demo: bool) -> anyhow::Result<()> {
    let lotse = lotse.with_resident_reports(cfg.resident_reports).with_read_log();
    if demo {
        let logins = lotse_service::demo::load(&lotse).await.map_err(human)?;
        print_demo_logins(&logins);
    }
    let listener =
        tokio::net::TcpListener::bind(&cfg.bind).await.with_context(|| format!("Adresse {} belegen", cfg.bind))?;
    let addr = listener.local_addr()?;
    let backend = match lotse_db::Backend::of(&lotse.db) {
        lotse_db::Backend::Sqlite => "SQLite",
        lotse_db::Backend::Postgres => "PostgreSQL",
    };
    println!("Lotse läuft auf http://{addr}/ ({backend}). Beenden mit Strg+C.");
    if lotse.tenants().await.map_err(human)?.is_empty() {
        println!(
            "Noch kein Mandant angelegt. So geht es los:\n  lotse admin tenant create musterstadt --name \"Stadt Musterstadt\"\n  \
             echo 'geheim' | lotse admin user create --tenant musterstadt --login admin --role admin --password-stdin\n  \
             Dann unter http://{addr}/anmelden als admin@musterstadt anmelden.\n  (Oder mit Demodaten: lotse serve --demo)"
        );
    } else if !demo {
        println!("Anmelden unter http://{addr}/anmelden als name@mandant.");
    }
    tracing::info!(%addr, backend, "listening");
    let shutdown = async {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("signal handler");
            tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
        }
        #[cfg(not(unix))]
        let _ = ctrl_c.await;
    };
    lotse_web::serve(
        listener,
        lotse.clone(),
        lotse_web::WebConfig { public_url: cfg.public_url.clone(), trust_proxy: cfg.trust_proxy },
        shutdown,
    )
    .await?;
    // Seal what the last requests wrote before the process ends.
    lotse.seal_audit().await.map_err(human)?;
    Ok(())
}

/// Replaces the SQLite file at `db_url` with a verified copy of `file`.
fn restore(db_url: &str, file: &std::path::Path, force: bool) -> anyhow::Result<()> {
    let Some(target) = lotse_db::backend::sqlite_path(db_url) else {
        bail!(
            "„lotse restore“ stellt SQLite wieder her. Für PostgreSQL pg_restore verwenden (siehe docs/operations.md)."
        );
    };
    anyhow::ensure!(file.is_file(), "Sicherungsdatei {} nicht gefunden.", file.display());
    anyhow::ensure!(
        force || !target.exists(),
        "Die Datenbank {} existiert. Lotse vorher beenden und mit --force überschreiben.",
        target.display()
    );
    let rt = tokio::runtime::Handle::current();
    let staged = target.with_extension("restoring");
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::copy(file, &staged).with_context(|| format!("{} kopieren", file.display()))?;
    let staged_url = format!("sqlite://{}", staged.display());
    let check = std::thread::scope(|s| {
        s.spawn(|| {
            rt.block_on(async {
                let db = lotse_db::backend::connect_unmigrated(&staged_url).await?;
                let integrity = lotse_db::backend::sqlite_integrity(&db).await?;
                anyhow::ensure!(integrity == "ok", "Die Sicherung ist beschädigt: {integrity}");
                lotse_db::backend::migrate(&db).await?;
                db.close().await?;
                Ok(())
            })
        })
        .join()
        .expect("restore check thread")
    });
    if let Err(e) = check {
        let _ = std::fs::remove_file(&staged);
        return Err(e);
    }
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", target.display()));
        let _ = std::fs::remove_file(format!("{}{suffix}", staged.display()));
    }
    std::fs::rename(&staged, target)?;
    println!("Datenbank {} aus {} wiederhergestellt.", target.display(), file.display());
    Ok(())
}

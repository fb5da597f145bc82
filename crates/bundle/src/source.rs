//! Reading a bundle: a folder of CSV files, a `.zip` of one, or one `.xlsx`
//! workbook with a sheet per file. CSV is read record by record, so a large
//! folder bundle never has to fit in memory (a zip entry is decompressed
//! into memory one file at a time; a workbook sheet is loaded whole).

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use calamine::{Data, Reader, Xlsx, open_workbook};

use crate::Problem;
use crate::cell::Dialect;

enum Kind {
    Folder(PathBuf),
    Zip(PathBuf),
    Xlsx(PathBuf),
}

/// An opened bundle.
pub struct Bundle {
    kind: Kind,
    /// File names as the bundle has them (`persons.csv`), with where to find them.
    files: Vec<(String, String)>,
    pub label: String,
}

/// One record: its line as a spreadsheet numbers it (header = 1) and its fields.
#[derive(Debug, Clone)]
pub struct RawRow {
    pub line: u64,
    pub fields: Vec<String>,
}

/// The records of one file.
pub struct Rows {
    pub header: Vec<String>,
    pub dialect: Dialect,
    inner: Box<dyn Iterator<Item = Result<RawRow, Problem>> + Send>,
}

impl Iterator for Rows {
    type Item = Result<RawRow, Problem>;
    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next()
    }
}

fn canonical_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    if base.to_ascii_lowercase().ends_with(".csv") { base.to_owned() } else { format!("{base}.csv") }
}

impl Bundle {
    pub fn open(path: &Path) -> io::Result<Bundle> {
        let label = path.display().to_string();
        let lower = label.to_ascii_lowercase();
        if path.is_dir() {
            let mut files = vec![];
            for e in std::fs::read_dir(path)? {
                let e = e?;
                let name = e.file_name().to_string_lossy().into_owned();
                if name.to_ascii_lowercase().ends_with(".csv") && e.file_type()?.is_file() {
                    files.push((name.clone(), name));
                }
            }
            files.sort();
            Ok(Bundle { kind: Kind::Folder(path.to_owned()), files, label })
        } else if lower.ends_with(".zip") {
            let mut zip = zip::ZipArchive::new(File::open(path)?).map_err(io::Error::other)?;
            let mut files = vec![];
            for i in 0..zip.len() {
                let f = zip.by_index(i).map_err(io::Error::other)?;
                let name = f.name().map_err(io::Error::other)?.into_owned();
                if f.is_file() && name.to_ascii_lowercase().ends_with(".csv") && !name.contains("__MACOSX") {
                    files.push((canonical_name(&name), name));
                }
            }
            files.sort();
            Ok(Bundle { kind: Kind::Zip(path.to_owned()), files, label })
        } else if lower.ends_with(".xlsx") {
            let wb: Xlsx<_> = open_workbook(path).map_err(io::Error::other)?;
            let mut files: Vec<(String, String)> =
                wb.sheet_names().iter().map(|s| (canonical_name(s), s.clone())).collect();
            files.sort();
            Ok(Bundle { kind: Kind::Xlsx(path.to_owned()), files, label })
        } else if path.exists() {
            Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{label}: erwartet wird ein Ordner, eine .zip- oder eine .xlsx-Datei"),
            ))
        } else {
            Err(io::Error::new(io::ErrorKind::NotFound, format!("{label} nicht gefunden")))
        }
    }

    /// The file names in the bundle (`persons.csv`, …).
    pub fn files(&self) -> impl Iterator<Item = &str> {
        self.files.iter().map(|(n, _)| n.as_str())
    }

    pub fn rows(&self, name: &str) -> io::Result<Option<Rows>> {
        let Some((_, inner)) = self.files.iter().find(|(n, _)| n == name) else { return Ok(None) };
        match &self.kind {
            Kind::Folder(dir) => {
                csv_rows(name, Box::new(BufReader::with_capacity(1 << 20, File::open(dir.join(inner))?))).map(Some)
            }
            Kind::Zip(path) => {
                let mut zip = zip::ZipArchive::new(File::open(path)?).map_err(io::Error::other)?;
                let mut entry = zip.by_name(inner).map_err(io::Error::other)?;
                let mut bytes = Vec::with_capacity(entry.size() as usize);
                entry.read_to_end(&mut bytes)?;
                csv_rows(name, Box::new(io::Cursor::new(bytes))).map(Some)
            }
            Kind::Xlsx(path) => {
                let mut wb: Xlsx<_> = open_workbook(path).map_err(io::Error::other)?;
                let range = wb.worksheet_range(inner).map_err(io::Error::other)?;
                let mut rows = range.rows().map(|r| r.iter().map(cell_text).collect::<Vec<_>>()).collect::<Vec<_>>();
                if rows.is_empty() {
                    return Ok(Some(Rows {
                        header: vec![],
                        dialect: Dialect::Canonical,
                        inner: Box::new(std::iter::empty()),
                    }));
                }
                let header = rows.remove(0).into_iter().map(|h| h.trim().to_owned()).collect();
                let iter =
                    rows.into_iter().enumerate().map(|(i, fields)| Ok(RawRow { line: i as u64 + 2, fields })).filter(
                        |r: &Result<RawRow, Problem>| {
                            r.as_ref().map_or(true, |r| r.fields.iter().any(|f| !f.is_empty()))
                        },
                    );
                Ok(Some(Rows { header, dialect: Dialect::Canonical, inner: Box::new(iter) }))
            }
        }
    }
}

/// An XLSX cell as the text it shows: ids stay text (`007`), whole numbers
/// have no decimals, dates are ISO.
fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_owned(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => dt.as_datetime().map(|d| d.date().format("%Y-%m-%d").to_string()).unwrap_or_default(),
        Data::DateTimeIso(s) => s.split('T').next().unwrap_or(s).to_owned(),
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// UTF-8, or Windows-1252 where a field is not valid UTF-8 (what German
/// Excel writes when saving "CSV (Trennzeichen-getrennt)").
fn decode(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => encoding_rs::WINDOWS_1252.decode(bytes).0.into_owned(),
    }
}

fn csv_rows(name: &str, mut reader: Box<dyn BufRead + Send>) -> io::Result<Rows> {
    // The dialect is recognised from the header line.
    let first = reader.fill_buf()?;
    let end = first.iter().position(|&b| b == b'\n').unwrap_or(first.len());
    let header_line = &first[..end];
    let semis = header_line.iter().filter(|&&b| b == b';').count();
    let commas = header_line.iter().filter(|&&b| b == b',').count();
    let dialect = if semis > commas { Dialect::German } else { Dialect::Canonical };
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(if dialect == Dialect::German { b';' } else { b',' })
        .from_reader(reader);
    let mut record = csv::ByteRecord::new();
    let header = if csv.read_byte_record(&mut record).map_err(io::Error::other)? {
        record
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let f = if i == 0 { f.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(f) } else { f };
                decode(f).trim().to_owned()
            })
            .collect()
    } else {
        vec![]
    };
    let file = name.to_owned();
    let mut line = 1u64;
    let iter = std::iter::from_fn(move || {
        let mut rec = csv::ByteRecord::new();
        loop {
            line += 1;
            match csv.read_byte_record(&mut rec) {
                Ok(false) => return None,
                Ok(true) => {
                    let fields: Vec<String> = rec.iter().map(decode).collect();
                    if fields.iter().all(|f| f.trim().is_empty()) {
                        continue; // blank lines, as spreadsheets leave them
                    }
                    return Some(Ok(RawRow { line, fields }));
                }
                Err(e) => {
                    return Some(Err(Problem::new(
                        &file,
                        line,
                        "",
                        format!("Zeile kann nicht gelesen werden: {e}"),
                        format!("cannot read the line: {e}"),
                    )));
                }
            }
        }
    });
    Ok(Rows { header, dialect, inner: Box::new(iter) })
}

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

/// Largest file read from a `.zip` (decompressed).
const MAX_ZIP_ENTRY: u64 = 4 << 30;

enum Kind {
    Folder(PathBuf),
    Zip(PathBuf),
    Xlsx(PathBuf),
    /// Files held in memory as text: a form's record, the embedded demo data.
    Memory(Vec<String>),
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

/// Records a reader thread parses ahead, per hand-over.
const AHEAD_CHUNK: usize = 1024;
/// Hand-overs waiting at most: about 8,000 records, a few MiB.
const AHEAD_CHUNKS: usize = 8;

impl Rows {
    /// The same records, read and parsed on a thread of their own a few
    /// thousand records ahead of the caller, who checks and writes them
    /// meanwhile (the import: CSV and decoding are a third of its own work).
    /// The order is kept; memory stays bounded by the records waiting. The
    /// thread ends with the file, or when the caller drops the rows.
    pub fn read_ahead(self) -> io::Result<Rows> {
        let Rows { header, dialect, mut inner } = self;
        let (to_caller, chunks) = std::sync::mpsc::sync_channel::<Vec<Result<RawRow, Problem>>>(AHEAD_CHUNKS);
        std::thread::Builder::new().name("lotse-csv".into()).spawn(move || {
            loop {
                let chunk: Vec<_> = inner.by_ref().take(AHEAD_CHUNK).collect();
                let last = chunk.len() < AHEAD_CHUNK;
                if chunk.is_empty() || to_caller.send(chunk).is_err() || last {
                    return;
                }
            }
        })?;
        Ok(Rows { header, dialect, inner: Box::new(chunks.into_iter().flatten()) })
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

    /// A bundle of CSV texts in memory: `(file name, text)`.
    pub fn from_memory(label: &str, files: Vec<(String, String)>) -> Bundle {
        let mut files: Vec<_> = files.into_iter().map(|(n, t)| (canonical_name(&n), t)).collect();
        files.sort();
        let names = files.iter().map(|(n, _)| (n.clone(), n.clone())).collect();
        Bundle { kind: Kind::Memory(files.into_iter().map(|(_, t)| t).collect()), files: names, label: label.into() }
    }

    /// The size of a file in bytes as far as known without reading it (a
    /// folder's file, a `.zip` entry as its header states it, a text in
    /// memory); `None` for a workbook's sheet. For estimates only.
    pub fn size_hint(&self, name: &str) -> Option<u64> {
        let pos = self.files.iter().position(|(n, _)| n == name)?;
        let inner = &self.files[pos].1;
        match &self.kind {
            Kind::Memory(texts) => Some(texts[pos].len() as u64),
            Kind::Folder(dir) => std::fs::metadata(dir.join(inner)).ok().map(|m| m.len()),
            Kind::Zip(path) => {
                let mut zip = zip::ZipArchive::new(File::open(path).ok()?).ok()?;
                zip.by_name(inner).ok().map(|e| e.size())
            }
            Kind::Xlsx(_) => None,
        }
    }

    /// The file names in the bundle (`persons.csv`, …).
    pub fn files(&self) -> impl Iterator<Item = &str> {
        self.files.iter().map(|(n, _)| n.as_str())
    }

    pub fn rows(&self, name: &str) -> io::Result<Option<Rows>> {
        let Some(pos) = self.files.iter().position(|(n, _)| n == name) else { return Ok(None) };
        let inner = &self.files[pos].1;
        match &self.kind {
            Kind::Memory(texts) => csv_rows(name, Box::new(io::Cursor::new(texts[pos].clone().into_bytes()))).map(Some),
            Kind::Folder(dir) => {
                csv_rows(name, Box::new(BufReader::with_capacity(1 << 20, File::open(dir.join(inner))?))).map(Some)
            }
            Kind::Zip(path) => {
                let mut zip = zip::ZipArchive::new(File::open(path)?).map_err(io::Error::other)?;
                let entry = zip.by_name(inner).map_err(io::Error::other)?;
                // The size in the header is the uploader's claim: cap what is
                // reserved and what is read (a zip bomb must not exhaust memory).
                let mut bytes = Vec::with_capacity((entry.size() as usize).min(64 << 20));
                entry.take(MAX_ZIP_ENTRY + 1).read_to_end(&mut bytes)?;
                if bytes.len() as u64 > MAX_ZIP_ENTRY {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!(
                            "{name}: in der .zip-Datei größer als {} GiB; bitte als Ordner einlesen",
                            MAX_ZIP_ENTRY >> 30
                        ),
                    ));
                }
                csv_rows(name, Box::new(io::Cursor::new(bytes))).map(Some)
            }
            Kind::Xlsx(path) => {
                let mut wb: Xlsx<_> = open_workbook(path).map_err(io::Error::other)?;
                let range = wb.worksheet_range(inner).map_err(io::Error::other)?;
                // The range starts at the first non-empty cell: count rows from the sheet's top.
                let first_row = range.start().map_or(0, |(r, _)| u64::from(r));
                let mut rows = range.rows().map(|r| r.iter().map(cell_text).collect::<Vec<_>>()).collect::<Vec<_>>();
                if rows.is_empty() {
                    return Ok(Some(Rows {
                        header: vec![],
                        dialect: Dialect::Canonical,
                        inner: Box::new(std::iter::empty()),
                    }));
                }
                let header = rows.remove(0).into_iter().map(|h| h.trim().to_owned()).collect();
                let iter = rows
                    .into_iter()
                    .enumerate()
                    .map(move |(i, fields)| Ok(RawRow { line: first_row + i as u64 + 2, fields }))
                    .filter(|r: &Result<RawRow, Problem>| {
                        r.as_ref().map_or(true, |r| r.fields.iter().any(|f| !f.is_empty()))
                    });
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
        // As Excel shows it: 15 significant digits, so 1234.5600000000002 is 1234.56.
        Data::Float(f) => format!("{:.14e}", f).parse::<f64>().map_or_else(|_| f.to_string(), |r| r.to_string()),
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

/// Passes bytes through and notes where each line break is, so that a
/// record's physical line can be told from its byte offset (the CSV reader
/// skips empty lines without counting them).
struct LineCounter<R> {
    inner: R,
    offset: u64,
    breaks: std::sync::Arc<std::sync::Mutex<std::collections::VecDeque<u64>>>,
}

impl<R: Read> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut breaks = self.breaks.lock().expect("line counter");
        for (i, b) in buf[..n].iter().enumerate() {
            if *b == b'\n' {
                breaks.push_back(self.offset + i as u64);
            }
        }
        self.offset += n as u64;
        Ok(n)
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
    let breaks = std::sync::Arc::new(std::sync::Mutex::new(std::collections::VecDeque::new()));
    let counted = LineCounter { inner: reader, offset: 0, breaks: breaks.clone() };
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(if dialect == Dialect::German { b';' } else { b',' })
        .from_reader(counted);
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
    // A spreadsheet's row is the physical line where the record starts, less
    // the line breaks inside quoted fields before it. (The CSV reader skips
    // empty lines, so counting records would drift after one.)
    let mut embedded = 0u64;
    let mut lines_before = 0u64;
    let mut rec = csv::ByteRecord::new();
    let iter = std::iter::from_fn(move || {
        loop {
            line += 1;
            match csv.read_byte_record(&mut rec) {
                Ok(false) => return None,
                Ok(true) => {
                    // Where the record ends is exact (its start may include skipped empty lines).
                    let end = csv.position().byte();
                    let own = rec.iter().map(|f| f.iter().filter(|&&b| b == b'\n').count() as u64).sum::<u64>();
                    let mut last = None;
                    {
                        let mut b = breaks.lock().expect("line counter");
                        while b.front().is_some_and(|&o| o < end) {
                            last = b.pop_front();
                            lines_before += 1;
                        }
                    }
                    let terminated = last.is_some_and(|o| o + 1 == end);
                    let physical = lines_before + u64::from(!terminated) - own;
                    line = physical - embedded;
                    embedded += own;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn records(rows: Rows) -> Vec<Result<(u64, Vec<String>), String>> {
        rows.map(|r| r.map(|r| (r.line, r.fields)).map_err(|p| p.render(false))).collect()
    }

    #[test]
    fn read_ahead_gives_the_same_records_in_the_same_order() {
        // Several hand-overs' worth, with a blank line, a field over two
        // lines and an unbalanced quote at the end.
        let mut text = String::from("person_id,name\n");
        for i in 0..(AHEAD_CHUNK * 3 + 17) {
            text.push_str(&format!("p{i},Name {i}\n"));
            if i == 1500 {
                text.push_str("\np-x,\"zwei\nZeilen\"\n");
            }
        }
        text.push_str("p-end,\"offen\n");
        let bundle = Bundle::from_memory("t", vec![("persons.csv".into(), text)]);
        let plain = records(bundle.rows("persons.csv").unwrap().unwrap());
        let ahead = records(bundle.rows("persons.csv").unwrap().unwrap().read_ahead().unwrap());
        assert_eq!(plain.len(), AHEAD_CHUNK * 3 + 19);
        assert_eq!(ahead, plain);
        assert_eq!(ahead[1501], Ok((1504, vec!["p-x".to_owned(), "zwei\nZeilen".to_owned()])));
    }

    #[test]
    fn read_ahead_stops_when_the_reader_stops() {
        let text: String =
            std::iter::once("person_id\n".to_owned()).chain((0..100_000).map(|i| format!("p{i}\n"))).collect();
        let bundle = Bundle::from_memory("t", vec![("persons.csv".into(), text)]);
        let mut rows = bundle.rows("persons.csv").unwrap().unwrap().read_ahead().unwrap();
        assert_eq!(rows.next().unwrap().unwrap().fields, ["p0"]);
        // Only that dropping the rows early returns at once (the thread's
        // next hand-over then fails and it ends); that the thread has ended
        // is not observed here.
        drop(rows);
    }
}

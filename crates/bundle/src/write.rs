//! Writing a canonical bundle: UTF-8, commas, RFC 4180 quoting, ISO dates,
//! decimal points, rows sorted by key — so that the same data always gives
//! the same bytes.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Receives the files of an export one by one.
pub trait Sink {
    fn begin(&mut self, name: &str, header: &[&str]) -> io::Result<()>;
    fn row(&mut self, fields: &[String]) -> io::Result<()>;
    fn end(&mut self) -> io::Result<()>;
    fn finish(self: Box<Self>) -> io::Result<()>;
}

/// A folder of CSV files.
pub struct FolderSink {
    dir: PathBuf,
    current: Option<csv::Writer<BufWriter<File>>>,
}

impl FolderSink {
    pub fn new(dir: &Path) -> io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        Ok(FolderSink { dir: dir.to_owned(), current: None })
    }
}

impl Sink for FolderSink {
    fn begin(&mut self, name: &str, header: &[&str]) -> io::Result<()> {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(BufWriter::with_capacity(1 << 20, File::create(self.dir.join(name))?));
        w.write_record(header)?;
        self.current = Some(w);
        Ok(())
    }

    fn row(&mut self, fields: &[String]) -> io::Result<()> {
        self.current.as_mut().expect("begin before row").write_record(fields).map_err(io::Error::other)
    }

    fn end(&mut self) -> io::Result<()> {
        if let Some(mut w) = self.current.take() {
            w.flush()?;
        }
        Ok(())
    }

    fn finish(self: Box<Self>) -> io::Result<()> {
        Ok(())
    }
}

/// One CSV record, as the folder writer writes it.
fn csv_record<S: AsRef<[u8]>>(fields: &[S]) -> io::Result<Vec<u8>> {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::with_capacity(256));
    w.write_record(fields)?;
    w.into_inner().map_err(|e| io::Error::other(e.to_string()))
}

/// A `.zip` of the CSV files.
pub struct ZipSink {
    zip: zip::ZipWriter<BufWriter<File>>,
}

impl ZipSink {
    pub fn new(path: &Path) -> io::Result<Self> {
        Ok(ZipSink { zip: zip::ZipWriter::new(BufWriter::new(File::create(path)?)) })
    }
}

impl Sink for ZipSink {
    fn begin(&mut self, name: &str, header: &[&str]) -> io::Result<()> {
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::default());
        self.zip.start_file(name, opts).map_err(io::Error::other)?;
        self.zip.write_all(&csv_record(header)?)
    }

    fn row(&mut self, fields: &[String]) -> io::Result<()> {
        self.zip.write_all(&csv_record(fields)?)
    }

    fn end(&mut self) -> io::Result<()> {
        Ok(())
    }

    fn finish(self: Box<Self>) -> io::Result<()> {
        self.zip.finish().map_err(io::Error::other)?.flush()
    }
}

/// The most characters an `.xlsx` cell holds.
pub const XLSX_CELL_MAX: usize = 32_767;

/// A value (a document in base64) longer than an `.xlsx` cell holds: the
/// error of [`XlsxSink::row`], for the caller to explain.
#[derive(Debug)]
pub struct TooLargeForCell;

impl std::fmt::Display for TooLargeForCell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a value of more than {XLSX_CELL_MAX} characters does not fit a workbook cell")
    }
}

impl std::error::Error for TooLargeForCell {}

/// One `.xlsx` workbook with a sheet per file (all cells as text, so ids
/// such as `007` stay as they are).
pub struct XlsxSink {
    path: PathBuf,
    book: rust_xlsxwriter::Workbook,
    row: u32,
}

impl XlsxSink {
    pub fn new(path: &Path) -> Self {
        XlsxSink { path: path.to_owned(), book: rust_xlsxwriter::Workbook::new(), row: 0 }
    }
}

impl Sink for XlsxSink {
    fn begin(&mut self, name: &str, header: &[&str]) -> io::Result<()> {
        let sheet = self.book.add_worksheet();
        sheet.set_name(name.strip_suffix(".csv").unwrap_or(name)).map_err(io::Error::other)?;
        for (i, h) in header.iter().enumerate() {
            sheet.write_string(0, i as u16, *h).map_err(io::Error::other)?;
        }
        self.row = 0;
        Ok(())
    }

    fn row(&mut self, fields: &[String]) -> io::Result<()> {
        self.row += 1;
        let sheet = self.book.worksheets_mut().last_mut().expect("begin before row");
        for (i, f) in fields.iter().enumerate() {
            // A workbook cell holds at most 32,767 characters (a document of
            // more than about 24 KB in base64 does not fit).
            if f.len() > XLSX_CELL_MAX && f.chars().count() > XLSX_CELL_MAX {
                return Err(io::Error::new(io::ErrorKind::InvalidInput, TooLargeForCell));
            }
            if !f.is_empty() {
                sheet.write_string(self.row, i as u16, f).map_err(io::Error::other)?;
            }
        }
        Ok(())
    }

    fn end(&mut self) -> io::Result<()> {
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> io::Result<()> {
        self.book.save(&self.path).map_err(io::Error::other)
    }
}

//! Tables read through DataFusion: CSV (with header; gzip, bzip2, xz or zstd by the name's
//! suffix), Parquet and JSON lines, each one file, a folder of part files or a glob.

use std::path::Path;

use datafusion::arrow::array::RecordBatch;
use datafusion::datasource::file_format::file_compression_type::FileCompressionType;
use datafusion::prelude::{CsvReadOptions, DataFrame, JsonReadOptions, ParquetReadOptions, SessionContext};

use crate::error::{Error, Result};
use crate::load::files::{self, Compression};

/// The DataFusion settings Ember reads tables with (the loaders' context and every
/// `sql::Session`): Parquet strings as written (Utf8, not Utf8View), and no statistics
/// collected when a file is registered — DataFusion 55 let a Parquet column's statistics
/// replace values (a weight column `[1.0, NaN]` was read as `[1.0, 1.0]`), and values must
/// never depend on how a file was summarised.
pub fn session_config() -> datafusion::prelude::SessionConfig {
    let mut config = datafusion::prelude::SessionConfig::new();
    config.options_mut().execution.parquet.schema_force_view_types = false;
    config.options_mut().execution.collect_statistics = false;
    config
}

/// A context with [`session_config`].
pub fn context() -> SessionContext {
    SessionContext::new_with_config(session_config())
}

/// Options for CSV tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvOptions {
    pub delimiter: u8,
    pub has_header: bool,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions { delimiter: b',', has_header: true }
    }
}

/// The path as text, or an error naming it when it does not exist.
pub(crate) fn path_str(path: &Path) -> Result<&str> {
    if !path.exists() {
        return Err(Error::io(path, std::io::Error::new(std::io::ErrorKind::NotFound, "no such file")));
    }
    path.to_str().ok_or_else(|| Error::Input(format!("{}: path is not valid UTF-8", path.display())))
}

/// The files `path` stands for (a file, a folder of part files or a glob, see
/// [`files::expand`]) as DataFusion paths, and their one compression.
fn inputs(path: &Path) -> Result<(Vec<String>, FileCompressionType)> {
    let files = files::expand(path)?;
    let compression = Compression::of(&files[0]);
    let mut out = Vec::with_capacity(files.len());
    for f in &files {
        if Compression::of(f) != compression {
            return Err(Error::Input(format!(
                "{}: the files are compressed differently ({} and {}); give one kind at a time",
                path.display(),
                files[0].display(),
                f.display()
            )));
        }
        out.push(path_str(f)?.to_string());
    }
    let kind = match compression {
        Compression::None => FileCompressionType::UNCOMPRESSED,
        Compression::Gzip => FileCompressionType::GZIP,
        Compression::Bzip2 => FileCompressionType::BZIP2,
        Compression::Xz => FileCompressionType::XZ,
        Compression::Zstd => FileCompressionType::ZSTD,
    };
    Ok((out, kind))
}

/// A table's format, guessed from its name (compression suffix looked through; a folder by its
/// first data file; a glob by its pattern).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableFormat {
    Csv(CsvOptions),
    Parquet,
    Json,
}

impl TableFormat {
    /// `.csv`, `.tsv` (tab), `.parquet`, `.json`/`.ndjson`/`.jsonl`; `None` otherwise.
    pub fn detect(path: &Path) -> Option<TableFormat> {
        let name = files::format_name(path);
        if name.ends_with(".parquet") || name.ends_with(".parq") {
            Some(TableFormat::Parquet)
        } else if name.ends_with(".json") || name.ends_with(".ndjson") || name.ends_with(".jsonl") {
            Some(TableFormat::Json)
        } else if name.ends_with(".tsv") || name.ends_with(".tab") {
            Some(TableFormat::Csv(CsvOptions { delimiter: b'\t', ..Default::default() }))
        } else if name.ends_with(".csv") {
            Some(TableFormat::Csv(CsvOptions::default()))
        } else {
            None
        }
    }
}

/// A table (one file, a folder of part files or a glob; CSV may be compressed) as a lazy
/// DataFrame.
pub async fn table_df(ctx: &SessionContext, path: &Path, format: &TableFormat) -> Result<DataFrame> {
    let (paths, compression) = inputs(path)?;
    let what = match format {
        TableFormat::Csv(_) => "CSV",
        TableFormat::Parquet => "Parquet",
        TableFormat::Json => "JSON",
    };
    let fail = |e| Error::df(format!("reading {what} {}", path.display()), e);
    let df = match format {
        TableFormat::Csv(opts) => {
            let options = CsvReadOptions::new()
                .has_header(opts.has_header)
                .delimiter(opts.delimiter)
                .file_extension("")
                .file_compression_type(compression);
            let df = match ctx.read_csv(paths, options).await {
                Ok(df) => df,
                Err(e) => return Err(inference_error(&e.to_string(), path).unwrap_or_else(|| fail(e))),
            };
            strip_bom(df).map_err(fail)?
        }
        TableFormat::Parquet => {
            if compression != FileCompressionType::UNCOMPRESSED {
                return Err(Error::Input(format!(
                    "{}: Parquet files are compressed inside; an outer compression suffix is not read",
                    path.display()
                )));
            }
            for p in &paths {
                check_parquet_frame(Path::new(p))?;
            }
            ctx.read_parquet(paths, ParquetReadOptions { file_extension: "", ..Default::default() })
                .await
                .map_err(fail)?
        }
        TableFormat::Json => {
            let options =
                JsonReadOptions { file_extension: "", file_compression_type: compression, ..Default::default() };
            ctx.read_json(paths, options).await.map_err(fail)?
        }
    };
    Ok(df)
}

/// DataFusion's schema inference reports a row of the wrong width as "Error when processing CSV
/// file PATH caused by Arrow error: Csv error: Encountered unequal lengths between records on CSV
/// file. Expected A records, found B records at line N" (N counts the header): said plainly.
fn inference_error(text: &str, given: &Path) -> Option<Error> {
    let text = text.replace('\n', " ");
    let (_, rest) = text.split_once("Error when processing CSV file ")?;
    let (file, rest) = rest.split_once(" caused by ")?;
    let (_, counts) = rest.split_once("Expected ")?;
    let (expected, rest) = counts.split_once(" records, found ")?;
    let (found, rest) = rest.split_once(" records at line ")?;
    let line: u64 = rest.trim().parse().ok()?;
    // Object-store paths drop the leading `/` of an absolute path.
    // A single file is named as the user gave it.
    let file: std::path::PathBuf = if given.is_file() {
        given.to_path_buf()
    } else if Path::new(file).exists() {
        file.into()
    } else {
        format!("/{file}").into()
    };
    Some(Error::parse(&file, line, format!("expected {expected} columns as in the lines before, found {found}")))
}

/// Checks a Parquet file's frame before any reader sees it: `PAR1` at both ends and a footer
/// length that fits in the file. (The parquet crate 59 computes the metadata's offset by a
/// subtraction that overflows on a footer claiming more bytes than the file has: a panic in a
/// debug build, a wrapped offset in a release one. Found by the `parquet` fuzz target.)
fn check_parquet_frame(path: &Path) -> Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    let bad = |why: String| Error::Input(format!("{}: not a Parquet file ({why})", path.display()));
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let len = f.metadata().map_err(|e| Error::io(path, e))?.len();
    if len < 12 {
        return Err(bad(format!("{len} bytes; the smallest Parquet file has 12")));
    }
    let mut head = [0u8; 4];
    let mut tail = [0u8; 8];
    f.read_exact(&mut head).map_err(|e| Error::io(path, e))?;
    f.seek(SeekFrom::End(-8)).and_then(|_| f.read_exact(&mut tail)).map_err(|e| Error::io(path, e))?;
    if &head != b"PAR1" || &tail[4..] != b"PAR1" {
        return Err(bad("it does not start and end with PAR1".into()));
    }
    let footer = u64::from(u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]));
    if footer + 12 > len {
        return Err(bad(format!("its footer claims {footer} bytes of metadata in a file of {len} bytes")));
    }
    // Every byte range the metadata points at must lie in the file: the object store reads a
    // range into a buffer of the range's size, so a corrupt 1 KB file claiming a 6 TB column chunk
    // aborted the process on the allocation (found by the `parquet` fuzz target). The metadata
    // parser itself may panic on corrupt input (parquet 59): contained here.
    use datafusion::parquet::file::metadata::ParquetMetaDataReader;
    let parsed = crate::contain::quietly(|| ParquetMetaDataReader::new().parse_and_finish(&f));
    let meta = match parsed {
        Ok(Ok(m)) => m,
        Ok(Err(e)) => return Err(bad(format!("corrupt metadata: {e}"))),
        Err(_) => return Err(bad("corrupt metadata".into())),
    };
    let within = |start: i64, size: i64| start >= 0 && size >= 0 && (start as u64).saturating_add(size as u64) <= len;
    for (g, rg) in meta.row_groups().iter().enumerate() {
        for (c, col) in rg.columns().iter().enumerate() {
            let start = col.dictionary_page_offset().unwrap_or(col.data_page_offset());
            let mut ok = within(start, col.compressed_size());
            if let (Some(o), Some(l)) = (col.column_index_offset(), col.column_index_length()) {
                ok &= within(o, i64::from(l));
            }
            if let (Some(o), Some(l)) = (col.offset_index_offset(), col.offset_index_length()) {
                ok &= within(o, i64::from(l));
            }
            if !ok {
                return Err(bad(format!("row group {g}, column {c} points past the end of the file ({len} bytes)")));
            }
        }
    }
    // The Arrow schema a writer may embed (`ARROW:schema`, as Arrow and pandas write it) is
    // decoded by arrow-ipc, which panics on some corrupt ones ("Type NONE not supported"; found
    // by the `parquet` fuzz target): decoded here first, contained.
    let file_meta = meta.file_metadata();
    let decoded = crate::contain::quietly(|| {
        datafusion::parquet::arrow::parquet_to_arrow_schema(file_meta.schema_descr(), file_meta.key_value_metadata())
    });
    match decoded {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(bad(format!("its schema cannot be read: {e}"))),
        Err(_) => Err(bad("corrupt embedded Arrow schema".into())),
    }
}

/// A UTF-8 byte order mark (as Excel writes CSV) is not part of the first column's name.
fn strip_bom(df: DataFrame) -> datafusion::error::Result<DataFrame> {
    let first = df.schema().fields().first().map(|f| f.name().clone());
    match first {
        Some(name) if name.starts_with('\u{feff}') => {
            let clean = name.trim_start_matches('\u{feff}').to_string();
            df.with_column_renamed(name, &clean)
        }
        _ => Ok(df),
    }
}

/// A CSV table as a lazy DataFrame (header and delimiter per `opts`, schema inferred).
pub async fn csv_df(ctx: &SessionContext, path: &Path, opts: &CsvOptions) -> Result<DataFrame> {
    table_df(ctx, path, &TableFormat::Csv(opts.clone())).await
}

/// A Parquet table as a lazy DataFrame.
pub async fn parquet_df(ctx: &SessionContext, path: &Path) -> Result<DataFrame> {
    table_df(ctx, path, &TableFormat::Parquet).await
}

/// Reads a whole CSV table into record batches (schema inferred from the data). A malformed row
/// is reported as `FILE:LINE` (1-based, header counted) even when DataFusion read the table in
/// byte ranges or several files, whose own line numbers count from each range's start.
pub async fn read_csv(ctx: &SessionContext, path: &Path, opts: &CsvOptions) -> Result<Vec<RecordBatch>> {
    let df = csv_df(ctx, path, opts).await?;
    let schema = std::sync::Arc::new(df.schema().as_arrow().clone());
    match df.collect().await {
        Ok(b) => Ok(b),
        Err(e) => Err(locate_csv_error(path, schema, opts)
            .unwrap_or_else(|| Error::df(format!("reading CSV {}", path.display()), e))),
    }
}

/// Re-reads the files of a CSV table one by one with Arrow's reader to find the first bad row;
/// `None` when it cannot (then the caller keeps DataFusion's error).
fn locate_csv_error(path: &Path, schema: datafusion::arrow::datatypes::SchemaRef, opts: &CsvOptions) -> Option<Error> {
    use std::io::Read;
    for file in files::expand(path).ok()? {
        let f = std::fs::File::open(&file).ok()?;
        let input: Box<dyn Read> = match Compression::of(&file) {
            Compression::None => Box::new(f),
            Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(f)),
            _ => return None,
        };
        let reader = datafusion::arrow::csv::ReaderBuilder::new(schema.clone())
            .with_header(opts.has_header)
            .with_delimiter(opts.delimiter)
            .build(std::io::BufReader::new(input))
            .ok()?;
        for batch in reader {
            let Err(e) = batch else { continue };
            // Arrow's messages end "... at line N" (N counts records after the header from 1)
            // or read "... for line N, expected A got B" (N counts every line).
            let text = e.to_string();
            let text = text.trim_start_matches("Parser error: ").trim_start_matches("Csv error: ");
            let (marker, header) =
                if text.contains(" at line ") { (" at line ", u64::from(opts.has_header)) } else { (" for line ", 0) };
            let (before, after) = text.rsplit_once(marker)?;
            let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
            let record: u64 = digits.parse().ok()?;
            let rest = after[digits.len()..].trim_start_matches(',');
            let msg = format!("{before}{rest}");
            return Some(Error::parse(&file, record + header, msg));
        }
    }
    None
}

/// Reads a whole Parquet table into record batches; the parquet crate's panics on corrupt
/// pages become an error naming the file ([`crate::contain`]).
pub async fn read_parquet(ctx: &SessionContext, path: &Path) -> Result<Vec<RecordBatch>> {
    crate::contain::parquet_read(&path.display().to_string(), async {
        let df = parquet_df(ctx, path).await?;
        df.collect().await.map_err(|e| Error::df(format!("reading Parquet {}", path.display()), e))
    })
    .await
}

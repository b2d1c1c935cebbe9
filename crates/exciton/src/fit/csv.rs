//! The text layer under [`super::data`]: a file read into a header and rows of trimmed,
//! unquoted fields, with its encoding (UTF-8 with or without a BOM, UTF-16 with a BOM),
//! separator and decimal commas detected, every row's field count checked against the
//! header, and what a message quotes made visible ([`shown`]).

use super::FitError;
use std::borrow::Cow;
use std::path::{Path, PathBuf};

/// The separator between fields, detected from the header line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sep {
    Tab,
    Semicolon,
    Comma,
    /// Runs of spaces or tabs.
    Whitespace,
}

impl Sep {
    /// Tab if the header has one (outside quotes), else `;`, else `,`, else whitespace.
    fn detect(header: &str) -> Sep {
        let mut quoted = false;
        let outside: String = header
            .chars()
            .filter(|&c| {
                quoted ^= c == '"';
                !quoted && c != '"'
            })
            .collect();
        [('\t', Sep::Tab), (';', Sep::Semicolon), (',', Sep::Comma)]
            .into_iter()
            .find(|&(c, _)| outside.contains(c))
            .map_or(Sep::Whitespace, |(_, sep)| sep)
    }

    fn splits_at(self, c: char) -> bool {
        match self {
            Sep::Tab => c == '\t',
            Sep::Semicolon => c == ';',
            Sep::Comma => c == ',',
            Sep::Whitespace => c.is_whitespace(),
        }
    }
}

/// `line` split at `sep` (not inside double quotes), each field trimmed and unquoted.
fn split(line: &str, sep: Sep) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    for c in line.chars() {
        quoted ^= c == '"';
        if quoted || !sep.splits_at(c) {
            field.push(c);
        } else if sep != Sep::Whitespace || !field.trim().is_empty() {
            fields.push(unquote(&field));
            field.clear();
        }
    }
    if sep != Sep::Whitespace || !field.trim().is_empty() {
        fields.push(unquote(&field));
    }
    fields
}

fn unquote(field: &str) -> String {
    let t = field.trim();
    match t.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        Some(inner) => inner.trim().to_string(),
        None => t.to_string(),
    }
}

/// `s` with what a terminal would not show escaped (`\t`, `\u{feff}`, ...): control
/// characters, byte order marks, zero-width, non-breaking and other invisible spaces.
pub(super) fn shown(s: &str) -> String {
    let invisible = |c: char| {
        matches!(c, '\u{a0}' | '\u{ad}' | '\u{34f}' | '\u{61c}' | '\u{115f}' | '\u{1160}'
            | '\u{17b4}' | '\u{17b5}' | '\u{180e}' | '\u{2000}'..='\u{200f}'
            | '\u{2028}'..='\u{202f}' | '\u{205f}'..='\u{206f}' | '\u{3000}' | '\u{3164}'
            | '\u{fe00}'..='\u{fe0f}' | '\u{feff}' | '\u{ffa0}' | '\u{fff0}'..='\u{fffb}')
    };
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\t' | '\r' | '\n' => out.extend(c.escape_default()),
            c if c.is_control() || invisible(c) => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
    out
}

pub(super) fn bad(file: &Path, line: usize, reason: String) -> FitError {
    FitError::Data {
        file: file.to_path_buf(),
        line,
        reason,
    }
}

/// A file's text: UTF-8 (a BOM stripped) or UTF-16 with a BOM (Excel's "Unicode text").
/// What does not decode (a Windows export's `µ` or `°` in a comment or an ignored column)
/// becomes U+FFFD, which no number or column name that is read contains.
fn text(file: &Path) -> Result<String, FitError> {
    let bytes = std::fs::read(file).map_err(|e| bad(file, 0, format!("cannot read it ({e})")))?;
    let le = bytes.starts_with(&[0xff, 0xfe]);
    let text = if le || bytes.starts_with(&[0xfe, 0xff]) {
        let units = bytes[2..].chunks_exact(2).map(|p| {
            let p = [p[0], p[1]];
            if le {
                u16::from_le_bytes(p)
            } else {
                u16::from_be_bytes(p)
            }
        });
        char::decode_utf16(units)
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect()
    } else {
        String::from_utf8_lossy(&bytes).into_owned()
    };
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

/// A table as read: the header (the first line that is neither empty nor a `#` comment)
/// and the data lines after it, split by [`Table::rows`].
pub(crate) struct Table {
    pub file: PathBuf,
    sep: Sep,
    /// The header's line, counted from 1.
    pub header_line: usize,
    /// The header as written, trimmed (quote it through [`shown`]).
    pub header: String,
    /// Column names: trimmed, unquoted, lowercase.
    pub names: Vec<String>,
    /// The data lines and their numbers.
    lines: Vec<(usize, String)>,
}

/// Reads `file` into a [`Table`].
pub(crate) fn read_table(file: &Path) -> Result<Table, FitError> {
    let text = text(file)?;
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim().starts_with('#'));
    let (header_line, header) = lines.next().ok_or_else(|| {
        bad(
            file,
            0,
            "no header: the file is empty (or only `#` comments)".into(),
        )
    })?;
    let header = header.trim();
    let sep = Sep::detect(header);
    let mut names: Vec<String> = split(header, sep)
        .iter()
        .map(|n| n.to_lowercase())
        .collect();
    if names.len() > 1 && names.last().is_some_and(|n| n.is_empty()) {
        names.pop();
    }
    Ok(Table {
        file: file.to_path_buf(),
        sep,
        header_line,
        header: header.to_string(),
        names,
        lines: lines.map(|(n, l)| (n, l.to_string())).collect(),
    })
}

impl Table {
    pub fn bad(&self, line: usize, reason: String) -> FitError {
        bad(&self.file, line, reason)
    }

    /// The data rows, each with its line and exactly one field per column (one trailing
    /// empty field, from a trailing separator, dropped); refused at the first row that
    /// has more or fewer.
    pub fn rows(&self) -> impl Iterator<Item = Result<(usize, Vec<String>), FitError>> + '_ {
        self.lines.iter().map(|(n, line)| {
            let mut fields = split(line, self.sep);
            let (want, sep) = (self.names.len(), self.sep);
            if fields.len() == want + 1 && fields.last().is_some_and(|f| f.is_empty()) {
                fields.pop();
            }
            let have = fields.len();
            if have == want {
                return Ok((*n, fields));
            }
            let mut reason = format!(
                "the row has {have} field{} and the header {want} (`{}` under `{}`)",
                if have == 1 { "" } else { "s" },
                shown(line.trim()),
                shown(&self.header)
            );
            // Decimal commas between commas split every number in two; a row with
            // decimal points has some other extra field.
            reason += if sep == Sep::Comma && have > want && !line.contains('.') {
                "; it looks like decimal commas with a comma separator: write the file \
                 with `;` (or tab) between fields, and decimal commas are then read"
            } else if have > want {
                ": every row needs one field per column (a value without a column name in the header, or a stray separator?)"
            } else {
                ": every row needs one field per column"
            };
            Err(self.bad(*n, reason))
        })
    }

    /// `field` of column `name` on `line` as a finite number. A decimal comma (`14,477`:
    /// one comma, digits either side, no `.`) is read where the separator is not `,`.
    pub fn number(&self, line: usize, name: &str, field: &str) -> Result<f64, FitError> {
        let quoted = format!("`{name}` = `{}`", shown(field));
        if field.is_empty() {
            return Err(self.bad(line, format!("`{name}` is empty")));
        }
        let text = match field.split_once(',') {
            None => Cow::Borrowed(field),
            Some(_) if self.sep == Sep::Comma => {
                let why = format!(
                    "{quoted} is not a number: with `,` between fields a decimal comma \
                     cannot be told from a thousands separator; write the file with `;` \
                     (or tab) between fields"
                );
                return Err(self.bad(line, why));
            }
            Some((_, b)) if b.contains(',') || field.contains('.') => {
                let why = format!(
                    "{quoted}: thousands separators are not read; write it without them \
                     (`1234,5` or `1234.5`)"
                );
                return Err(self.bad(line, why));
            }
            Some((a, b))
                if a.ends_with(|c: char| c.is_ascii_digit())
                    && b.starts_with(|c: char| c.is_ascii_digit()) =>
            {
                Cow::Owned(format!("{a}.{b}"))
            }
            Some(_) => return Err(self.bad(line, format!("{quoted} is not a number"))),
        };
        let v: f64 = text
            .parse()
            .map_err(|_| self.bad(line, format!("{quoted} is not a number")))?;
        if !v.is_finite() {
            return Err(self.bad(line, format!("{quoted} is not finite")));
        }
        Ok(v)
    }
}

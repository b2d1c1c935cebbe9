//! A CSV (or tab- or space-separated) matrix in: a line scan, read by the fit's CSV layer.

use super::{bad, from_array, Stack};
use crate::analyze::AnalyzeError;
use crate::fit::csv::read_table;
use std::path::Path;

/// A CSV matrix: rows are time bins, columns positions; a first row that is not all
/// numbers (position labels) is a header and skipped.
pub(super) fn read_csv(path: &Path) -> Result<Stack, AnalyzeError> {
    let table = read_table(path)?;
    let numeric = |f: &String| f.is_empty() || f.replacen(',', ".", 1).parse::<f64>().is_ok();
    let header_is_data = table.names.iter().all(numeric);
    let header = header_is_data.then(|| Ok((table.header_line, table.names.clone())));
    let mut data = Vec::new();
    for row in header.into_iter().chain(table.rows()) {
        let (line, fields) = row?;
        for (c, field) in fields.iter().enumerate() {
            data.push(table.number(line, &format!("column {}", c + 1), field)?);
        }
    }
    let columns = table.names.len();
    if data.is_empty() {
        return Err(bad(path, "no rows of numbers under the header"));
    }
    from_array(
        path.to_path_buf(),
        &[data.len() / columns, columns],
        data,
        None,
        None,
    )
}

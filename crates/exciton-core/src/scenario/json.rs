//! JSON text to a `Value` and serde's errors to typed [`ScenarioError`]s: malformed text
//! with line and column, schema errors with their kind.

use crate::error::{ScenarioError, ScenarioErrorKind};
use serde_json::Value;
use std::path::Path;

/// Reads a JSON file; errors name the file, and line and column when it is malformed.
pub fn read_json(path: &Path) -> Result<Value, ScenarioError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        ScenarioError::of(
            ScenarioErrorKind::Unreadable,
            path,
            "",
            format!("cannot read the file: {e}"),
        )
    })?;
    parse_json(&text, path)
}

/// Parses JSON text read from `file`.
pub fn parse_json(text: &str, file: &Path) -> Result<Value, ScenarioError> {
    serde_json::from_str(text).map_err(|e| {
        let (line, column) = (e.line(), e.column());
        ScenarioError::of(
            ScenarioErrorKind::Syntax,
            file,
            "",
            format!(
                "malformed JSON at line {line} column {column}: {}",
                without_position(&e)
            ),
        )
    })
}

/// serde_json's message without the " at line L column C" it appends.
fn without_position(e: &serde_json::Error) -> String {
    let what = e.to_string();
    let tail = format!(" at line {} column {}", e.line(), e.column());
    what.strip_suffix(&tail).unwrap_or(&what).to_string()
}

/// `inner` (a serde_path_to_error path) inside `prefix`.
fn join(prefix: &str, inner: &str) -> String {
    if prefix.is_empty() || inner.starts_with('[') {
        format!("{prefix}{inner}")
    } else {
        format!("{prefix}.{inner}")
    }
}

/// A schema error from serde at `prefix` + its own path, with the kind its message names.
pub(super) fn schema_error(
    file: &Path,
    prefix: &str,
    e: serde_path_to_error::Error<serde_json::Error>,
) -> ScenarioError {
    let inner = e.path().to_string();
    let path = match inner.as_str() {
        "." => prefix.to_string(),
        i => join(prefix, i),
    };
    let reason = e.into_inner().to_string();
    ScenarioError::of(serde_kind(&reason), file, &path, reason)
}

/// The kind of one of serde's own messages (the derive's and serde_json's wording, fixed
/// by serde and checked in the tests below).
fn serde_kind(reason: &str) -> ScenarioErrorKind {
    use ScenarioErrorKind as K;
    let kinds = [
        ("unknown field", K::UnknownField),
        ("unknown variant", K::UnknownKeyword),
        ("missing field", K::Missing),
        ("duplicate field", K::DuplicateKey),
        ("invalid type", K::WrongType),
        ("invalid value", K::WrongType),
        ("invalid length", K::WrongType),
    ];
    kinds
        .iter()
        .find(|(start, _)| reason.starts_with(start))
        .map_or(K::Invalid, |(_, k)| *k)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)] // only its errors are looked at
    struct Probe {
        n: f64,
        g: super::super::Geometry,
    }

    fn kind_of(v: Value) -> (ScenarioErrorKind, String) {
        let e = serde_path_to_error::deserialize::<_, Probe>(&v).unwrap_err();
        let e = schema_error(Path::new("p.json"), "x", e);
        (e.kind, e.path)
    }

    #[test]
    fn serde_messages_have_their_kinds() {
        use ScenarioErrorKind as K;
        let n = |v| (v, "x".to_string());
        assert_eq!(
            kind_of(json!({ "n": 1, "g": "nn", "m": 2 })),
            (K::UnknownField, "x.m".into())
        );
        assert_eq!(
            kind_of(json!({ "n": 1, "g": "hex" })),
            (K::UnknownKeyword, "x.g".into())
        );
        assert_eq!(kind_of(json!({ "n": 1 })), n(K::Missing));
        assert_eq!(
            kind_of(json!({ "n": null, "g": "nn" })),
            (K::WrongType, "x.n".into())
        );
        assert_eq!(kind_of(json!("text")), n(K::WrongType));
        assert_eq!(kind_of(json!([1, 2])), (K::WrongType, "x[1]".into()));
    }

    #[test]
    fn malformed_text_is_a_syntax_error() {
        let e = parse_json("{\"a\": }", Path::new("m.json")).unwrap_err();
        assert_eq!(e.kind, ScenarioErrorKind::Syntax);
        assert!(
            e.reason.starts_with("malformed JSON at line 1 column 7: "),
            "{e}"
        );
        assert!(!e.reason.ends_with("column 7"), "{e}");
    }
}

//! JSON text to a `Value` and serde's errors to typed [`ScenarioError`]s: malformed text
//! with line and column, duplicate keys with their path, schema errors with their kind.

use crate::error::{ScenarioError, ScenarioErrorKind};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;
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

/// Parses JSON text read from `file`, refusing an object that names a key twice:
/// serde_json would keep the last one silently.
pub fn parse_json(text: &str, file: &Path) -> Result<Value, ScenarioError> {
    let value = serde_json::from_str(text).map_err(|e| {
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
    })?;
    // A second pass over text already known to be JSON: small files, simple code.
    let duplicate = RefCell::new(None);
    let mut de = serde_json::Deserializer::from_str(text);
    if let Err(e) = (Keys {
        path: String::new(),
        duplicate: &duplicate,
    })
    .deserialize(&mut de)
    {
        // Only a duplicate stops this pass (the text parsed above); anything else is
        // still reported, never a panic.
        let Some((path, key)) = duplicate.into_inner() else {
            return Err(ScenarioError::of(
                ScenarioErrorKind::Syntax,
                file,
                "",
                format!("malformed JSON: {e}"),
            ));
        };
        return Err(ScenarioError::of(
            ScenarioErrorKind::DuplicateKey,
            file,
            &path,
            format!(
                "the key `{key}` appears twice in the same object (second at line {} column {}): JSON keeps only one of them, so remove or rename one",
                e.line(),
                e.column()
            ),
        ));
    }
    Ok(value)
}

/// serde_json's message without the " at line L column C" it appends.
fn without_position(e: &serde_json::Error) -> String {
    let what = e.to_string();
    let tail = format!(" at line {} column {}", e.line(), e.column());
    what.strip_suffix(&tail).unwrap_or(&what).to_string()
}

/// Walks any JSON value, tracking the keys of each object; stops at the first key seen
/// twice, leaving its dotted path and name in `duplicate`.
struct Keys<'a> {
    path: String,
    duplicate: &'a RefCell<Option<(String, String)>>,
}

impl Keys<'_> {
    /// Paths as serde_path_to_error writes them: `a.b`, `a[1]`.
    fn child(&self, path: String) -> Self {
        Keys {
            path,
            duplicate: self.duplicate,
        }
    }

    fn key(&self, key: &str) -> Self {
        self.child(join(&self.path, key))
    }

    fn index(&self, i: usize) -> Self {
        self.child(format!("{}[{i}]", self.path))
    }
}

/// `inner` (a serde_path_to_error path) inside `prefix`.
fn join(prefix: &str, inner: &str) -> String {
    if prefix.is_empty() || inner.starts_with('[') {
        format!("{prefix}{inner}")
    } else {
        format!("{prefix}.{inner}")
    }
}

impl<'de> DeserializeSeed<'de> for Keys<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Keys<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0usize;
        while seq.next_element_seed(self.index(i))?.is_some() {
            i += 1;
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            let child = self.key(&key);
            if !seen.insert(key.clone()) {
                *self.duplicate.borrow_mut() = Some((child.path, key));
                return Err(de::Error::custom("duplicate key"));
            }
            map.next_value_seed(child)?;
        }
        Ok(())
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

    fn duplicate(text: &str) -> ScenarioError {
        parse_json(text, Path::new("d.json")).unwrap_err()
    }

    #[test]
    fn duplicate_keys_are_found_at_any_depth() {
        let e = duplicate(r#"{"a": 1, "b": {"c": [{"d": 1}, {"e": 2, "e": 3}]}}"#);
        assert_eq!(e.kind, ScenarioErrorKind::DuplicateKey, "{e}");
        assert_eq!(e.path, "b.c[1].e", "{e}");
        assert!(e.reason.contains("line 1 column"), "{e}");
        let e = duplicate("{\"a\": 1,\n \"a\": 1}");
        assert_eq!(
            (e.kind, e.path.as_str()),
            (ScenarioErrorKind::DuplicateKey, "a")
        );
        // An escape names the same key as its plain spelling.
        let e = duplicate(r#"{"x": {"ab": 1, "a\u0062": 2}}"#);
        assert_eq!(e.path, "x.ab", "{e}");
        // The same key in sibling objects is no duplicate.
        assert!(parse_json(
            r#"{"a": {"k": 1}, "b": {"k": 1}, "k": [1, 1]}"#,
            Path::new("ok.json")
        )
        .is_ok());
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

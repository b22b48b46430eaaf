//! Checking topology definitions: sizes first, then YAML, then the containerlab JSON schema
//! bundled with the server (`assets/clab.schema.json`, written for this project; no download
//! at run time), then names. [`host_access`] says which fields act on the host.
//!
//! A definition is bounded before it is parsed ([`MAX_DEFINITION`] bytes, [`MAX_NESTING`]
//! levels of flow brackets; the YAML parser itself stops at 128 levels and on alias bombs).
//! Parsing and validation take milliseconds of CPU for large files, so callers run
//! [`TopologyValidator::check`] on the blocking pool.

mod host_access;

pub use host_access::host_access;
use serde_json::Value;

/// The largest definition, in bytes.
pub const MAX_DEFINITION: usize = 1024 * 1024;
/// The deepest nesting of flow collections (`[`, `{`) in a definition.
pub const MAX_NESTING: usize = 64;
/// The longest topology, node, kind or group name, in characters.
pub const MAX_NAME: usize = 64;

/// The bundled containerlab schema, served at `/clab-schema` and used for validation.
pub const CLAB_SCHEMA: &str = include_str!("../../assets/clab.schema.json");

/// Why a definition was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DefinitionError {
    /// Not YAML (or YAML that cannot be represented as JSON).
    #[error("the topology is not valid YAML: {0}")]
    NotYaml(String),
    /// YAML that does not match the containerlab schema.
    #[error("the topology does not match the containerlab schema: {0}")]
    Schema(String),
    /// Over a size or nesting limit, or a name that cannot be used.
    #[error("the topology is over a limit: {0}")]
    Limit(String),
}

/// A checked definition.
#[derive(Debug, Clone)]
pub struct Definition {
    /// Its `name:`.
    pub name: String,
    /// The parsed document.
    pub document: Value,
}

/// Refuses a definition that is too large or nests flow collections too deeply, without
/// parsing it. Brackets inside strings count too: that only makes the bound stricter.
fn check_bounds(definition: &str) -> Result<(), DefinitionError> {
    if definition.len() > MAX_DEFINITION {
        return Err(DefinitionError::Limit(format!(
            "it is {} bytes; at most {MAX_DEFINITION} are accepted",
            definition.len()
        )));
    }
    let mut depth = 0_usize;
    for byte in definition.bytes() {
        match byte {
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(DefinitionError::Limit(format!(
                        "it nests more than {MAX_NESTING} levels of brackets"
                    )));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Names of nodes, kinds and groups: what containerlab accepts in container and directory
/// names.
fn check_names(document: &Value) -> Result<(), DefinitionError> {
    let bad = |what: &str, name: &str| {
        DefinitionError::Limit(format!(
            "{what} {:?} must be 1 to {MAX_NAME} characters of letters, digits, `-`, `_` and `.`, \
             and not `.` or `..`",
            name.chars().take(80).collect::<String>()
        ))
    };
    let fine = |name: &str| {
        (1..=MAX_NAME).contains(&name.chars().count())
            && name != "."
            && name != ".."
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    for section in ["nodes", "kinds", "groups"] {
        if let Some(entries) = document
            .get("topology")
            .and_then(|t| t.get(section))
            .and_then(Value::as_object)
        {
            for name in entries.keys() {
                if !fine(name) {
                    return Err(bad(&section[..section.len() - 1], name));
                }
            }
        }
    }
    Ok(())
}

/// The longest description of one problem, in characters.
const MAX_PROBLEM: usize = 240;

/// A problem's description, cut to [`MAX_PROBLEM`] characters.
fn shorten(text: &str) -> String {
    if text.chars().count() <= MAX_PROBLEM {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(MAX_PROBLEM - 1).collect();
    short.push('…');
    short
}

/// Validates definitions against the bundled schema.
pub struct TopologyValidator {
    schema: Value,
    validator: jsonschema::Validator,
}

impl std::fmt::Debug for TopologyValidator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TopologyValidator")
    }
}

impl TopologyValidator {
    /// Compiles the bundled schema.
    pub fn bundled() -> crate::Result<Self> {
        let schema: Value = serde_json::from_str(CLAB_SCHEMA)
            .map_err(|e| crate::Error::Corrupt(format!("bundled schema: {e}")))?;
        let validator = jsonschema::validator_for(&schema)
            .map_err(|e| crate::Error::Corrupt(format!("bundled schema: {e}")))?;
        Ok(TopologyValidator { schema, validator })
    }

    /// The schema document.
    pub fn schema(&self) -> &Value {
        &self.schema
    }

    /// Checks bounds, parses and validates a definition. Takes CPU time: call it on the
    /// blocking pool.
    pub fn check(&self, definition: &str) -> Result<Definition, DefinitionError> {
        check_bounds(definition)?;
        let document: Value = serde_norway::from_str(definition)
            .map_err(|e| DefinitionError::NotYaml(shorten(&e.to_string())))?;
        let problems: Vec<String> = self
            .validator
            .iter_errors(&document)
            .take(5)
            .map(|e| {
                let at = e.instance_path().to_string();
                // The validator quotes the offending value, which can be most of the document.
                shorten(&if at.is_empty() {
                    e.to_string()
                } else {
                    format!("{at}: {e}")
                })
            })
            .collect();
        if !problems.is_empty() {
            return Err(DefinitionError::Schema(problems.join("; ")));
        }
        let name = document
            .get("name")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| DefinitionError::Schema("`name` must be a string".into()))?;
        if !(1..=MAX_NAME).contains(&name.chars().count()) || name.chars().any(char::is_control) {
            return Err(DefinitionError::Limit(format!(
                "`name` must be 1 to {MAX_NAME} characters without control characters"
            )));
        }
        check_names(&document)?;
        Ok(Definition { name, document })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_a_topology_and_returns_its_name() {
        let validator = TopologyValidator::bundled().unwrap();
        let yaml = "name: spine-leaf\ntopology:\n  nodes:\n    srl1:\n      kind: nokia_srlinux\n    leaf-1:\n      kind: linux\n      image: alpine:3\n  links:\n    - endpoints: [\"srl1:e1-1\", \"leaf-1:eth1\"]\n";
        assert_eq!(validator.check(yaml).unwrap().name, "spine-leaf");
    }

    #[test]
    fn tells_yaml_errors_from_schema_errors() {
        let validator = TopologyValidator::bundled().unwrap();
        assert!(matches!(
            validator.check("name: [unclosed"),
            Err(DefinitionError::NotYaml(_))
        ));
        let err = validator.check("name: x\n").unwrap_err();
        assert!(
            matches!(&err, DefinitionError::Schema(m) if m.contains("topology")),
            "{err}"
        );
        let err = validator
            .check("name: x\ntopology: {}\nfoo: 1\n")
            .unwrap_err();
        assert!(
            matches!(&err, DefinitionError::Schema(m) if m.contains("foo")),
            "{err}"
        );
        assert!(
            validator
                .check("name: x\ntopology:\n  nodes:\n    a: just-a-string\n")
                .is_err()
        );
        assert!(validator.check("").is_err());
    }

    #[test]
    fn refuses_what_is_over_a_limit_before_parsing() {
        let validator = TopologyValidator::bundled().unwrap();
        let deep = format!(
            "name: x\ntopology: {{nodes: {}{}}}\n",
            "[".repeat(10_000),
            "]".repeat(10_000)
        );
        assert!(
            matches!(validator.check(&deep), Err(DefinitionError::Limit(m)) if m.contains("64 levels"))
        );
        let large = format!(
            "name: x\n# {}\ntopology: {{}}\n",
            "y".repeat(MAX_DEFINITION)
        );
        assert!(
            matches!(validator.check(&large), Err(DefinitionError::Limit(m)) if m.contains("bytes"))
        );
        let long_name = format!("name: {}\ntopology: {{}}\n", "n".repeat(MAX_NAME + 1));
        assert!(matches!(
            validator.check(&long_name),
            Err(DefinitionError::Limit(_))
        ));
        for node in ["\"../x\"", "\"a/b\"", "\"..\"", &"n".repeat(MAX_NAME + 1)] {
            let yaml = format!("name: x\ntopology:\n  nodes:\n    {node}: {{kind: linux}}\n");
            assert!(validator.check(&yaml).is_err(), "{node}");
        }
        let fine = "name: x\ntopology:\n  nodes:\n    leaf-1.a_b: {kind: linux}\n";
        assert!(validator.check(fine).is_ok());
    }

    #[test]
    fn survives_an_alias_bomb() {
        let validator = TopologyValidator::bundled().unwrap();
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..30 {
            bomb.push_str(&format!("a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n", p = if i == 1 { String::new() } else { (i - 1).to_string() }));
        }
        assert!(validator.check(&bomb).is_err());
    }
}

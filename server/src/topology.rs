//! Checking topology definitions: YAML, then the containerlab JSON schema bundled with the
//! server (`assets/clab.schema.json`, written for this project; no download at run time).

use serde_json::Value;

/// The bundled containerlab schema, served at `/clab-schema` and used for validation.
pub const CLAB_SCHEMA: &str = include_str!("../assets/clab.schema.json");

/// Why a definition was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DefinitionError {
    /// Not YAML (or YAML that cannot be represented as JSON).
    #[error("the topology is not valid YAML: {0}")]
    NotYaml(String),
    /// YAML that does not match the containerlab schema.
    #[error("the topology does not match the containerlab schema: {0}")]
    Schema(String),
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

    /// Parses and validates a definition; returns its `name:`.
    pub fn check(&self, definition: &str) -> Result<String, DefinitionError> {
        let document: Value = serde_norway::from_str(definition)
            .map_err(|e| DefinitionError::NotYaml(e.to_string()))?;
        let problems: Vec<String> = self
            .validator
            .iter_errors(&document)
            .take(5)
            .map(|e| {
                let at = e.instance_path().to_string();
                if at.is_empty() {
                    e.to_string()
                } else {
                    format!("{at}: {e}")
                }
            })
            .collect();
        if !problems.is_empty() {
            return Err(DefinitionError::Schema(problems.join("; ")));
        }
        document
            .get("name")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| DefinitionError::Schema("`name` must be a string".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_a_topology_and_returns_its_name() {
        let validator = TopologyValidator::bundled().unwrap();
        let yaml = "name: spine-leaf\ntopology:\n  nodes:\n    srl1:\n      kind: nokia_srlinux\n    leaf-1:\n      kind: linux\n      image: alpine:3\n  links:\n    - endpoints: [\"srl1:e1-1\", \"leaf-1:eth1\"]\n";
        assert_eq!(validator.check(yaml).unwrap(), "spine-leaf");
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
    fn survives_an_alias_bomb() {
        let validator = TopologyValidator::bundled().unwrap();
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..30 {
            bomb.push_str(&format!("a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n", p = if i == 1 { String::new() } else { (i - 1).to_string() }));
        }
        assert!(validator.check(&bomb).is_err());
    }
}

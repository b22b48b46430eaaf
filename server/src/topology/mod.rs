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

/// Property tests: whatever text arrives, [`TopologyValidator::check`] answers without a
/// panic, in bounded time and with a bounded message; generated topologies are accepted
/// exactly when their names are usable; the size and nesting limits hold for any text.
#[cfg(test)]
mod properties {
    use std::sync::LazyLock;
    use std::time::{Duration, Instant};

    use proptest::prelude::*;
    use serde_json::{Map, json};

    use super::*;

    static VALIDATOR: LazyLock<TopologyValidator> =
        LazyLock::new(|| TopologyValidator::bundled().expect("the bundled schema compiles"));

    /// Generous for a debug build on a busy machine: the inputs here take milliseconds.
    const TIME: Duration = Duration::from_secs(5);
    /// Five problems of [`MAX_PROBLEM`] characters, their separators and the prefix.
    const MESSAGE: usize = 5 * (MAX_PROBLEM + 2) + 100;

    /// Checks `text` and that the answer came in time with a bounded message.
    fn check(text: &str) -> Result<Definition, DefinitionError> {
        let started = Instant::now();
        let result = VALIDATOR.check(text);
        let took = started.elapsed();
        assert!(took < TIME, "{took:?} for {} bytes", text.len());
        if let Err(error) = &result {
            let length = error.to_string().chars().count();
            assert!(length <= MESSAGE, "a {length}-character message: {error}");
        }
        result
    }

    /// Names containerlab can use for a node (schema pattern and our check together).
    fn usable_node_name(name: &str) -> bool {
        (1..=MAX_NAME).contains(&name.chars().count())
            && name.starts_with(|c: char| c.is_ascii_alphanumeric())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    }

    /// Names the schema and our check accept for the lab.
    fn usable_lab_name(name: &str) -> bool {
        (1..=MAX_NAME).contains(&name.chars().count())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    }

    fn name() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => "[a-zA-Z0-9][a-zA-Z0-9_.-]{0,20}",
            1 => "[a-zA-Z0-9][a-zA-Z0-9_.-]{60,66}",
            1 => "\\PC{0,12}",
            1 => prop::sample::select(vec![
                "", ".", "..", "../x", "a/b", "-a", "_a", ".a", "a b", "ü", "1e3", "true",
                "null", "~", "0x10", "a:b", "a\tb", "é",
            ])
            .prop_map(str::to_owned),
        ]
    }

    /// A bind as a user may write it: sensible, hostile or junk.
    fn bind() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z0-9/._-]{0,20}:/[a-z0-9/_-]{1,12}(:ro|:rw)?",
            "\\PC{0,30}",
            prop::sample::select(vec![
                "/:/host",
                "~/.ssh:/x",
                "../..:/y",
                "${HOME}:/z",
                ":",
                ""
            ])
            .prop_map(str::to_owned),
        ]
    }

    /// A node with the fields the schema knows, holding strings.
    fn node() -> impl Strategy<Value = serde_json::Value> {
        (
            prop_oneof![Just("linux".to_owned()), "[a-z_]{1,12}"],
            proptest::option::of("\\PC{0,20}"),
            proptest::option::of(proptest::collection::vec(bind(), 0..4)),
            proptest::option::of("\\PC{0,40}"),
            proptest::option::of(proptest::collection::btree_map(
                "[A-Z_]{1,6}",
                "\\PC{0,10}",
                0..3,
            )),
        )
            .prop_map(|(kind, image, binds, startup, env)| {
                let mut node = Map::new();
                node.insert("kind".into(), json!(kind));
                if let Some(image) = image {
                    node.insert("image".into(), json!(image));
                }
                if let Some(binds) = binds {
                    node.insert("binds".into(), json!(binds));
                }
                if let Some(startup) = startup {
                    node.insert("startup-config".into(), json!(startup));
                }
                if let Some(env) = env {
                    node.insert("env".into(), json!(env));
                }
                serde_json::Value::Object(node)
            })
    }

    /// A topology the schema accepts whatever its names are, as a document.
    fn topology() -> impl Strategy<Value = (String, Vec<String>, serde_json::Value)> {
        (
            name(),
            proptest::collection::btree_map(name(), node(), 0..5),
            proptest::collection::vec(("[a-z0-9]{1,6}", "[a-z0-9]{1,6}"), 0..3),
        )
            .prop_map(|(lab, nodes, links)| {
                let names = nodes.keys().cloned().collect();
                let links: Vec<_> = links
                    .into_iter()
                    .map(|(a, b)| json!({"endpoints": [format!("{a}:eth1"), format!("{b}:eth1")]}))
                    .collect();
                let document = json!({
                    "name": lab,
                    "topology": {"nodes": nodes, "links": links},
                });
                (lab, names, document)
            })
    }

    /// YAML-like documents: maps, lists and scalars nested at random, with the keys of a
    /// topology among others.
    fn junk() -> impl Strategy<Value = serde_json::Value> {
        let key = prop_oneof![
            3 => prop::sample::select(vec![
                "name", "topology", "nodes", "kinds", "groups", "defaults", "links", "binds",
                "kind", "image", "endpoints", "mgmt", "env", "settings", "stages", "exec",
            ])
            .prop_map(str::to_owned),
            1 => "\\PC{0,10}",
        ];
        let scalar = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::Bool),
            any::<i64>().prop_map(serde_json::Value::from),
            any::<f64>().prop_map(serde_json::Value::from),
            "\\PC{0,16}".prop_map(serde_json::Value::from),
        ];
        scalar.prop_recursive(8, 128, 6, move |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
                proptest::collection::vec((key.clone(), inner), 0..6)
                    .prop_map(|entries| serde_json::Value::Object(entries.into_iter().collect())),
            ]
        })
    }

    /// The document as block YAML, or as JSON (which is flow YAML).
    fn texts(document: &serde_json::Value) -> [String; 2] {
        [
            serde_norway::to_string(document).expect("a JSON value is YAML"),
            document.to_string(),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn any_text_is_answered_in_time_with_a_bounded_message(
            text in prop_oneof![
                "\\PC{0,400}",
                "[ \\n\\t:,?|>!&*#%@'\"\\[\\]{}a-z0-9.-]{0,400}",
            ]
        ) {
            let _ = check(&text);
        }

        #[test]
        fn generated_topologies_are_accepted_exactly_when_their_names_are_usable(
            (lab, nodes, document) in topology()
        ) {
            let usable = usable_lab_name(&lab) && nodes.iter().all(|n| usable_node_name(n));
            for text in texts(&document) {
                match check(&text) {
                    Ok(definition) => {
                        prop_assert!(usable, "accepted {:?} with nodes {:?}", lab, nodes);
                        prop_assert_eq!(&definition.name, &lab);
                        prop_assert_eq!(&definition.document, &document);
                    }
                    Err(error) => prop_assert!(!usable, "refused ({}):\n{}", error, text),
                }
            }
        }

        #[test]
        fn junk_documents_are_answered_in_time_and_only_usable_names_pass(document in junk()) {
            for text in texts(&document) {
                if let Ok(definition) = check(&text) {
                    prop_assert!(usable_lab_name(&definition.name));
                    let nodes = definition.document.pointer("/topology/nodes").and_then(|n| n.as_object());
                    for name in nodes.into_iter().flat_map(|n| n.keys()) {
                        prop_assert!(usable_node_name(name), "{:?}", name);
                    }
                }
            }
        }

        #[test]
        fn more_than_the_nesting_limit_is_refused_before_parsing(
            before in "\\PC{0,40}",
            depth in (MAX_NESTING + 1)..5_000,
            open in prop::sample::select(vec!['[', '{']),
            after in "\\PC{0,40}",
        ) {
            let text = format!("{before}{}{after}", open.to_string().repeat(depth));
            let result = check(&text);
            prop_assert!(
                matches!(&result, Err(DefinitionError::Limit(m)) if m.contains("levels")),
                "{:?}", result.map(|d| d.name)
            );
        }

        #[test]
        fn nesting_within_the_limit_is_parsed(depth in 0..=(MAX_NESTING - 3)) {
            let text = format!(
                "name: x\ntopology: {{nodes: {{a: {{kind: linux, exec: {}{}}}}}}}\n",
                "[".repeat(depth),
                "]".repeat(depth)
            );
            let result = check(&text);
            prop_assert!(!matches!(result, Err(DefinitionError::Limit(_))), "{:?}", result.map(|d| d.name));
        }
    }

    proptest! {
        // A large bomb takes most of a second to refuse in a debug build.
        #![proptest_config(ProptestConfig::with_cases(24))]

        #[test]
        fn alias_bombs_are_answered_in_time(fan_out in 2_usize..12, depth in 1_usize..40) {
            let items = |name: &str| vec![format!("*{name}"); fan_out].join(", ");
            let mut text = format!("name: x\ntopology:\n  nodes:\n    n:\n      kind: linux\n      exec: &a0 [{}]\n", vec!["x"; fan_out].join(", "));
            for level in 1..=depth {
                text.push_str(&format!("    n{level}:\n      kind: linux\n      exec: &a{level} [{}]\n", items(&format!("a{}", level - 1))));
            }
            prop_assert!(check(&text).is_err());
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(8))]

        #[test]
        fn more_than_the_size_limit_is_refused_before_parsing(
            extra in 1_usize..4096,
            filler in prop::sample::select(vec!['y', '[', ' ', 'é']),
        ) {
            let head = "name: x\ntopology: {}\n# ";
            let size = MAX_DEFINITION + extra - head.len();
            let text = format!("{head}{}", filler.to_string().repeat(size / filler.len_utf8() + 1));
            let result = check(&text);
            prop_assert!(
                matches!(&result, Err(DefinitionError::Limit(m)) if m.contains("bytes") || m.contains("levels")),
                "{:?}", result.map(|d| d.name)
            );
        }
    }

    #[test]
    fn a_megabyte_of_nested_block_sequences_is_answered_in_time() {
        let text = format!("{}x\n", "- ".repeat((MAX_DEFINITION - 2) / 2));
        assert!(matches!(check(&text), Err(DefinitionError::NotYaml(_))));
        let mut text = String::new();
        for depth in 0.. {
            let line = format!("{}a:\n", " ".repeat(depth));
            if text.len() + line.len() > MAX_DEFINITION {
                break;
            }
            text.push_str(&line);
        }
        assert!(matches!(check(&text), Err(DefinitionError::NotYaml(_))));
    }

    #[test]
    fn a_schema_error_does_not_quote_a_whole_megabyte() {
        let text = format!(
            "name: x\ntopology: \"{}\"\n",
            "y".repeat(MAX_DEFINITION - 100)
        );
        let error = check(&text).unwrap_err();
        assert!(
            matches!(&error, DefinitionError::Schema(m) if m.contains("topology")),
            "{error}"
        );
    }
}

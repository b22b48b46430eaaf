//! Property tests of `/lab-commands` decoding: whatever a client sends (any JSON value, any
//! text, objects with arbitrary fields and types, huge, negative and fractional command
//! numbers, nested junk), `LabCommandData::from_wire` answers without panicking, accepts
//! exactly the documented shape (PROTOCOL.md §5.5), and classifies every rejection as one of
//! the two documented ack codes: 5000 for an unknown command number, 5422 for the rest.

use antimony_protocol::{Error, ErrorCode, LabCommand, LabCommandData};
use proptest::prelude::*;
use serde_json::{Map, Value};

/// Object keys: the real field names (and near misses) often, anything sometimes.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop_oneof![
            Just("labId"),
            Just("command"),
            Just("node"),
            Just("shellId"),
            Just("lab_id"),
            Just("LabId"),
            Just("shell_id"),
            Just(""),
        ]
        .prop_map(str::to_owned),
        1 => "\\PC{0,10}",
    ]
}

/// Numbers of every kind serde_json keeps apart: small, negative, beyond `i64`, fractional,
/// non-finite (which `Value` turns into null).
fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        (-3_i64..12).prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        ((i64::MAX as u64)..=u64::MAX).prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        (0_i32..8).prop_map(|n| Value::from(f64::from(n))),
        (-2.0_f64..9.0).prop_map(Value::from),
    ]
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        "\\PC{0,16}".prop_map(Value::from),
        key().prop_map(Value::from),
    ]
}

/// Any JSON value, nested a few levels.
fn json() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((key(), inner), 0..6)
                .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}

/// A field of a command-like object: absent (`None`), or one of a mix of right and wrong
/// values.
fn field(right: BoxedStrategy<Value>) -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        2 => Just(None),
        3 => right.prop_map(Some),
        2 => json().prop_map(Some),
    ]
}

/// Objects shaped like commands: every field absent, right or wrong, plus unknown fields.
fn command_like() -> impl Strategy<Value = Map<String, Value>> {
    (
        field("\\PC{0,40}".prop_map(Value::from).boxed()),
        field(number().boxed()),
        field(prop_oneof![Just(Value::Null), "\\PC{0,20}".prop_map(Value::from)].boxed()),
        field(prop_oneof![Just(Value::Null), "\\PC{0,20}".prop_map(Value::from)].boxed()),
        proptest::collection::vec(("[a-zA-Z_]{1,8}", json()), 0..4),
    )
        .prop_map(|(lab_id, command, node, shell_id, extra)| {
            let mut object = Map::new();
            // Unknown fields first, so a known name among them is overwritten below.
            for (name, value) in extra {
                object.insert(name, value);
            }
            for (name, value) in [
                ("labId", lab_id),
                ("command", command),
                ("node", node),
                ("shellId", shell_id),
            ] {
                match value {
                    Some(value) => object.insert(name.to_owned(), value),
                    None => object.remove(name),
                };
            }
            object
        })
}

/// What the decoder must do with an object, worked out from PROTOCOL.md §5.5 without the
/// decoder: `Ok` with the command, or the ack code of the rejection.
fn expected(object: &Map<String, Value>) -> Result<LabCommandData, ErrorCode> {
    let optional_text = |name: &str| match object.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(ErrorCode::InvalidRequest),
    };
    let lab_id = match object.get("labId") {
        Some(Value::String(text)) => Ok(text.clone()),
        _ => Err(ErrorCode::InvalidRequest),
    };
    // A JSON integer in i64's range; `1.0`, `1e2` and numbers beyond i64 are not.
    let number = match object.get("command") {
        Some(Value::Number(n)) => n.as_i64().ok_or(ErrorCode::InvalidRequest),
        _ => Err(ErrorCode::InvalidRequest),
    };
    let (lab_id, number, node, shell_id) = (
        lab_id?,
        number?,
        optional_text("node")?,
        optional_text("shellId")?,
    );
    let command = LabCommand::ALL
        .iter()
        .copied()
        .find(|c| i64::from(*c) == number)
        .ok_or(ErrorCode::ServerError)?;
    Ok(LabCommandData {
        lab_id,
        command,
        node,
        shell_id,
    })
}

/// Decodes and reduces the result to what a server acks.
fn decode(wire: &Value) -> Result<LabCommandData, ErrorCode> {
    LabCommandData::from_wire(wire).map_err(|e| checked_code(&e))
}

/// The ack code of a rejection, checked to be one of the two documented ones.
fn checked_code(error: &Error) -> ErrorCode {
    let code = error.lab_command_code();
    assert!(
        matches!(code, ErrorCode::ServerError | ErrorCode::InvalidRequest),
        "{error:?} maps to {code:?}"
    );
    assert!(matches!(code.code(), 5000 | 5422));
    code
}

fn well_formed() -> impl Strategy<Value = LabCommandData> {
    (
        "\\PC{0,40}",
        proptest::sample::select(LabCommand::ALL),
        proptest::option::of("\\PC{0,30}"),
        proptest::option::of("\\PC{0,30}"),
    )
        .prop_map(|(lab_id, command, node, shell_id)| LabCommandData {
            lab_id,
            command,
            node,
            shell_id,
        })
}

/// JSON number texts as a client may write them, including what only a JSON text can hold
/// (`1e400`, 30 digits, `-0`, leading zeros, `+1`).
fn number_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "-?(0|[1-9][0-9]{0,30})",
        "-?[0-9]{1,3}\\.[0-9]{1,3}([eE][+-]?[0-9]{1,3})?",
        "-?[1-9][eE][+-]?[0-9]{1,4}",
        "[+0][0-9]{1,3}",
        Just("-0".to_owned()),
        Just("NaN".to_owned()),
        Just("Infinity".to_owned()),
    ]
}

/// Whether a text is a JSON integer (RFC 8259 grammar, no fraction or exponent) and its
/// value when it fits in i64. `-0` is not: serde_json reads it as the float -0.0 (Go reads
/// 0, a Deploy; nobody sends it).
fn json_integer(text: &str) -> Option<i64> {
    if text == "-0" {
        return None;
    }
    let digits = text.strip_prefix('-').unwrap_or(text);
    let grammar = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'));
    if grammar { text.parse().ok() } else { None }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any JSON value, bare (only objects are a command) or sent as the JSON text of itself
    /// (what real clients do): no panic, only documented codes, and the accepted ones are
    /// exactly the objects of the documented shape.
    #[test]
    fn any_json_value_decodes_or_is_refused_with_a_documented_code(value in json()) {
        let bare = decode(&value);
        match &value {
            Value::Object(object) => prop_assert_eq!(&bare, &expected(object)),
            _ => prop_assert_eq!(&bare, &Err(ErrorCode::InvalidRequest)),
        }
        let text = decode(&Value::String(value.to_string()));
        prop_assert_eq!(text, bare, "the text form decodes like the object");
    }

    /// Objects close to a command: each field absent, right or of a wrong type, command
    /// numbers of every kind, unknown fields with junk.
    #[test]
    fn command_like_objects_are_decoded_exactly_as_documented(object in command_like()) {
        let want = expected(&object);
        let value = Value::Object(object);
        prop_assert_eq!(&decode(&value), &want, "object {}", value);
        let text = value.to_string();
        prop_assert_eq!(&decode(&Value::String(text.clone())), &want, "text {}", text);
        let from_json = LabCommandData::from_json(&text).map_err(|e| checked_code(&e));
        prop_assert_eq!(&from_json, &want);
        let padded = Value::String(format!(" \n\t{text}\r\n "));
        prop_assert_eq!(&decode(&padded), &want, "whitespace around the text");
    }

    /// The command number as a client writes it in the text: an integer in i64's range is
    /// a command (5000 when it names none); fractions, exponents, numbers beyond i64 and
    /// what is not JSON are 5422.
    #[test]
    fn command_numbers_in_text(number in number_text(), lab in "[a-z0-9-]{0,36}") {
        let text = format!(r#"{{"labId":"{lab}","command":{number}}}"#);
        let want = match json_integer(&number) {
            Some(n) => LabCommand::try_from(n)
                .map(|command| LabCommandData::new(lab.clone(), command))
                .map_err(|_| ErrorCode::ServerError),
            None => Err(ErrorCode::InvalidRequest),
        };
        prop_assert_eq!(decode(&Value::String(text.clone())), want, "{}", text);
    }

    /// Any text at all as the wire string: no panic, only documented codes.
    #[test]
    fn any_text_is_refused_or_decoded_without_panicking(text in "\\PC{0,200}") {
        if let Err(code) = decode(&Value::String(text.clone())) {
            prop_assert!(matches!(code, ErrorCode::InvalidRequest | ErrorCode::ServerError));
        }
        let _ = LabCommandData::from_json(&text).map_err(|e| checked_code(&e));
    }

    /// Well-formed commands survive the wire: the JSON string real clients send, the object
    /// form, `from_json`, and serde through a surrounding document.
    #[test]
    fn well_formed_commands_round_trip(command in well_formed()) {
        let wire = command.to_wire_string();
        prop_assert_eq!(&LabCommandData::from_wire(&Value::String(wire.clone())).unwrap(), &command);
        prop_assert_eq!(&LabCommandData::from_json(&wire).unwrap(), &command);
        let object = serde_json::to_value(&command).unwrap();
        prop_assert_eq!(&LabCommandData::from_wire(&object).unwrap(), &command);
        let document = serde_json::json!({ "args": [wire] }).to_string();
        let nested: serde_json::Value = serde_json::from_str(&document).unwrap();
        let back: LabCommandData = serde_json::from_value(nested["args"][0].clone()).unwrap();
        prop_assert_eq!(&back, &command);
        // Absent optional fields are left out, not sent as null.
        prop_assert_eq!(object.get("node").is_some(), command.node.is_some());
        prop_assert_eq!(object.get("shellId").is_some(), command.shell_id.is_some());
    }
}

#[test]
fn deep_nesting_in_the_text_is_refused_without_overflowing_the_stack() {
    for depth in [100, 129, 10_000, 100_000] {
        let junk = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let text = format!(r#"{{"labId":"x","command":0,"junk":{junk}}}"#);
        // serde_json stops at 128 levels; below that the junk is an ignored unknown field.
        let want = if depth < 128 {
            Ok(LabCommandData::new("x", LabCommand::Deploy))
        } else {
            Err(ErrorCode::InvalidRequest)
        };
        assert_eq!(decode(&Value::String(text)), want, "{depth}");
        let bare = format!("{}{}", "{\"a\":".repeat(depth), "}".repeat(depth));
        assert_eq!(
            decode(&Value::String(bare)),
            Err(ErrorCode::InvalidRequest),
            "{depth}"
        );
    }
}

#[test]
fn an_array_in_the_text_is_not_a_command() {
    // serde reads a struct from a sequence too; the wire shape is an object only, as for
    // the Go server (whose json.Unmarshal refuses an array for a struct).
    for text in [
        r#"["0c6d1f8a-2b7d-11f0-9a3e-0242ac120002", 0]"#,
        r#"["x", 2, "srl1"]"#,
        r#"["x", 7, null, "shell"]"#,
    ] {
        assert_eq!(
            decode(&Value::String(text.to_owned())),
            Err(ErrorCode::InvalidRequest),
            "{text}"
        );
        assert_eq!(
            LabCommandData::from_json(text).map_err(|e| checked_code(&e)),
            Err(ErrorCode::InvalidRequest),
            "{text}"
        );
    }
}

#[test]
fn a_repeated_key_keeps_its_last_value_as_in_go() {
    let text = r#"{"labId":"a","command":9,"labId":"b","command":1}"#;
    assert_eq!(
        decode(&Value::String(text.to_owned())),
        Ok(LabCommandData::new("b", LabCommand::Destroy))
    );
}

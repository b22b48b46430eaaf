//! Bad input is rejected with an error, and lab-command errors map to the right ack code.

use antimony_protocol::rest::*;
use antimony_protocol::*;
use serde_json::json;

use crate::fixtures;

const LAB: &str = "0c6d1f8a-2b7d-11f0-9a3e-0242ac120002";

#[test]
fn unknown_command_numbers_answer_5000() {
    for number in [8_i64, 9, -1, 255, 256, 1 << 40] {
        let wire = json!(format!(r#"{{"labId":"{LAB}","command":{number}}}"#));
        let err = LabCommandData::from_wire(&wire).unwrap_err();
        assert!(
            matches!(err, Error::UnknownNumber { what: "LabCommand", value } if value == number),
            "{number}: {err:?}"
        );
        assert_eq!(err.lab_command_code(), ErrorCode::ServerError);
    }
}

#[test]
fn malformed_commands_answer_5422() {
    let cases = [
        json!(r#"{"labId":"x","command":"0"}"#),
        json!(r#"{"labId":"x","command":1.5}"#),
        json!(r#"{"labId":"x","command":null}"#),
        json!(r#"{"labId":"x"}"#),
        json!(r#"{"command":0}"#),
        json!(r#"{"labId":5,"command":0}"#),
        json!(r#"{"labId":null,"command":0}"#),
        json!(r#"{"labId":"x","command":2,"node":5}"#),
        json!(r#"{"labId":"x","command":7,"shellId":[]}"#),
        json!(r#"[]"#),
        json!(r#""{\"labId\":\"x\",\"command\":0}""#),
        json!("not json"),
        json!(""),
        json!({"labId": "x", "command": "0"}),
        json!({"labId": "x"}),
        json!([LAB, 0]),
        json!(0),
        json!(null),
        json!(true),
    ];
    for wire in cases {
        let err = LabCommandData::from_wire(&wire).unwrap_err();
        assert_eq!(
            err.lab_command_code(),
            ErrorCode::InvalidRequest,
            "{wire}: {err:?}"
        );
    }
}

#[test]
fn out_of_range_enum_numbers_and_wrong_types() {
    assert!(serde_json::from_value::<Severity>(json!(5)).is_err());
    assert!(serde_json::from_value::<Severity>(json!(-1)).is_err());
    assert!(serde_json::from_value::<Severity>(json!("0")).is_err());
    assert!(serde_json::from_value::<Severity>(json!(1.0)).is_err());
    assert!(serde_json::from_value::<InstanceState>(json!(4)).is_err());
    assert!(serde_json::from_value::<InstanceState>(json!(-3)).is_err());
    assert!(serde_json::from_value::<ShellCommand>(json!(2)).is_err());
    assert!(serde_json::from_value::<ErrorCode>(json!(5009)).is_err());
    assert!(serde_json::from_value::<NodeState>(json!(1)).is_err());
    assert!(serde_json::from_value::<Timestamp>(json!(1_718_200_000)).is_err());
}

#[test]
fn malformed_acks_and_updates() {
    for wire in [
        json!(5),
        json!([]),
        json!(null),
        json!("ok"),
        json!({}),
        json!({"message": "x"}),
        json!({"code": "5002", "message": "x"}),
        json!({"code": 5002}),
    ] {
        assert!(Ack::<()>::from_value(&wire).is_err(), "{wire}");
        assert!(
            serde_json::from_value::<Ack<()>>(wire.clone()).is_err(),
            "{wire}"
        );
    }
    // A payload of the wrong type is an error, not an error ack.
    assert!(Ack::<String>::from_value(&json!({"payload": 5})).is_err());
    for wire in [json!(5), json!([]), json!({"labId": 5}), json!(true)] {
        assert!(decode_event::<LabUpdate>(&wire).is_err(), "{wire}");
    }
}

#[test]
fn required_means_present_and_not_null() {
    let lab = fixtures::value("lab-in.json");
    for key in ["name", "startTime", "endTime", "topologyId"] {
        let mut missing = lab.clone();
        missing.as_object_mut().unwrap().remove(key);
        assert!(
            serde_json::from_value::<LabIn>(missing).is_err(),
            "{key} missing"
        );
        let mut null = lab.clone();
        null[key] = serde_json::Value::Null;
        assert!(serde_json::from_value::<LabIn>(null).is_err(), "{key} null");
    }
    assert!(
        serde_json::from_value::<CollectionIn>(
            json!({"name": "n", "publicWrite": null, "publicDeploy": true})
        )
        .is_err()
    );
    // Empty strings and `false` are present values.
    assert!(
        serde_json::from_value::<CollectionIn>(
            json!({"name": "", "publicWrite": false, "publicDeploy": false})
        )
        .is_ok()
    );
    assert!(
        serde_json::from_value::<TopologyIn>(
            json!({"definition": "", "syncUrl": "", "collectionId": ""})
        )
        .is_ok()
    );
}

/// Every proper prefix of a fixture is truncated JSON: each decoder must reject it.
#[test]
fn truncated_fixtures_are_rejected() {
    let mut checked = 0;
    for name in fixtures::all() {
        let text = fixtures::text(&name);
        let text = text.trim_end();
        for (end, _) in text.char_indices() {
            let prefix = &text[..end];
            assert!(
                crate::hostile::decode_as_fixture(&name, prefix).is_err(),
                "{name}[..{end}] decoded"
            );
            checked += 1;
        }
        assert!(
            crate::hostile::decode_as_fixture(&name, text).is_ok(),
            "{name} itself must decode"
        );
    }
    assert!(checked > 5_000, "only {checked} prefixes checked");
}

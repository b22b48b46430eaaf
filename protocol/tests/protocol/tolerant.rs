//! Every wire form real servers (and the original API page) have used decodes to the same
//! value (PROTOCOL.md §9.1).

use antimony_protocol::rest::*;
use antimony_protocol::*;

use crate::fixtures;

#[test]
fn lab_update_decodes_all_four_forms() {
    let id = "0c6d1f8a-2b7d-11f0-9a3e-0242ac120002";
    for (name, expected) in [
        ("lab-update.json", LabUpdate::lab(id)),
        ("lab-update.bare.json", LabUpdate::lab(id)),
        ("lab-update.all.json", LabUpdate::all()),
        ("lab-update.bare-all.json", LabUpdate::all()),
    ] {
        let decoded: LabUpdate = decode_event(&fixtures::value(name)).unwrap();
        assert_eq!(decoded, expected, "{name}");
    }
    // Unwrapped object form of the current docs.
    let bare_object = serde_json::json!({ "labId": id });
    assert_eq!(
        decode_event::<LabUpdate>(&bare_object).unwrap(),
        LabUpdate::lab(id)
    );
}

#[test]
fn status_message_decodes_wrapped_and_bare() {
    let wrapped: StatusMessage = decode_event(&fixtures::value("status-message.json")).unwrap();
    let bare: StatusMessage = decode_event(&fixtures::value("status-message.bare.json")).unwrap();
    assert_eq!(wrapped.severity, Severity::Success);
    assert_eq!(bare.severity, Severity::Error);
    assert_eq!(
        bare.content,
        "Failed to deploy lab 'Spine Leaf' (spine-leaf)"
    );
    assert_eq!(bare.timestamp.to_rfc3339().unwrap(), "2025-06-12T20:13:06Z");
}

#[test]
fn lab_command_decodes_the_json_string_real_servers_require() {
    let wire = fixtures::value("lab-command.json");
    assert!(wire.is_string(), "the fixture is the string form");
    let cmd = LabCommandData::from_wire(&wire).unwrap();
    assert_eq!(
        cmd,
        LabCommandData::for_node(
            "0c6d1f8a-2b7d-11f0-9a3e-0242ac120002",
            LabCommand::StopNode,
            "leaf-1",
        )
    );
    // Encoding gives the string form back, and serde's Deserialize takes both forms too.
    let encoded = cmd.to_wire_string();
    assert_eq!(serde_json::Value::String(encoded.clone()), wire);
    assert_eq!(serde_json::from_value::<LabCommandData>(wire).unwrap(), cmd);
    assert_eq!(LabCommandData::from_json(&encoded).unwrap(), cmd);
    let object = fixtures::value("lab-command.object.json");
    assert_eq!(
        serde_json::from_value::<LabCommandData>(object.clone()).unwrap(),
        LabCommandData::from_wire(&object).unwrap()
    );
}

#[test]
fn go_server_lab_with_misspelled_container_name_and_old_fields() {
    let lab = decode_event::<LabOut>(&fixtures::value("lab.go-server.json")).unwrap();
    let node = &lab.instance.as_ref().unwrap().nodes.as_ref().unwrap()[0];
    assert_eq!(node.container_name, "clab-spine-leaf-1718212345678-leaf-1");
    assert_eq!(node.name, "1", "the dash bug's name is kept as sent");
    assert_eq!(node.kind, "");
    assert!(!node.can_restart);
    assert_eq!(node.interface_captures, None);
    assert_eq!(node.state, NodeState::Starting);
    assert_eq!(lab.end_time, None);

    // Written back, the node carries both spellings.
    let written = serde_json::to_value(node).unwrap();
    assert_eq!(written["containerName"], written["containnerName"]);
    assert_eq!(
        written["containerName"],
        "clab-spine-leaf-1718212345678-leaf-1"
    );
}

#[test]
fn container_name_prefers_the_correct_spelling_when_both_differ() {
    let node: InstanceNode = serde_json::from_value(serde_json::json!({
        "name": "srl1", "ipv4": "N/A", "ipv6": "N/A", "state": "exited",
        "containerId": "0123456789ab",
        "containerName": "right", "containnerName": "wrong"
    }))
    .unwrap();
    assert_eq!(node.container_name, "right");
    assert_eq!(node.state, NodeState::Exited);
}

#[test]
fn unknown_node_states_survive_a_round_trip() {
    for state in [
        "created",
        "restarting",
        "dead",
        "removing",
        "",
        "Up 2 minutes",
    ] {
        let decoded: NodeState = serde_json::from_value(serde_json::json!(state)).unwrap();
        assert_eq!(decoded.as_str(), state);
        assert_eq!(
            serde_json::to_value(&decoded).unwrap(),
            serde_json::json!(state)
        );
    }
}

#[test]
fn unknown_error_codes_are_kept() {
    let ack = Ack::<()>::from_value(&serde_json::json!({"code": 7777, "message": "new"})).unwrap();
    let Ack::Err(body) = ack else {
        panic!("not an error")
    };
    assert_eq!(body.code, 7777);
    assert_eq!(body.error_code(), None);
}

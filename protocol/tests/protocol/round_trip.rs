//! Canonical fixtures decode into the Rust types and encode back to exactly the same JSON,
//! so the fixture, the Rust type and (through `ui/tests`) the TypeScript type agree.

use antimony_protocol::rest::*;
use antimony_protocol::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::fixtures;

/// Decodes `name` as `T`, checks that encoding gives the fixture back exactly and that
/// decoding that again gives the same value, and returns the value for content checks.
fn canonical<T>(name: &str) -> T
where
    T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug,
{
    let fixture = fixtures::value(name);
    let decoded: T = serde_json::from_value(fixture.clone())
        .unwrap_or_else(|e| panic!("{name} does not decode: {e}"));
    let encoded = serde_json::to_value(&decoded).unwrap();
    assert_eq!(encoded, fixture, "{name} does not encode back to itself");
    let again: T = serde_json::from_value(encoded).unwrap();
    assert_eq!(again, decoded, "{name} changed in a round trip");
    decoded
}

#[test]
fn status_message() {
    let msg = canonical::<Envelope<StatusMessage>>("status-message.json").payload;
    assert_eq!(msg.severity, Severity::Success);
    assert_eq!(msg.source, StatusMessage::LAB_MANAGER);
    assert_eq!(
        msg.timestamp.to_rfc3339().unwrap(),
        "2025-06-12T22:13:05.123456789+02:00"
    );
    assert!(
        msg.log_content.ends_with(' '),
        "the Go server's trailing space must survive"
    );
}

#[test]
fn lab_updates() {
    let one = canonical::<Envelope<LabUpdate>>("lab-update.json").payload;
    assert_eq!(
        one.lab_id.as_deref(),
        Some("0c6d1f8a-2b7d-11f0-9a3e-0242ac120002")
    );
    let all = canonical::<Envelope<LabUpdate>>("lab-update.all.json").payload;
    assert_eq!(all, LabUpdate::all());
}

#[test]
fn lab_command_object() {
    let cmd = canonical::<LabCommandData>("lab-command.object.json");
    assert_eq!(cmd.command, LabCommand::CloseShell);
    assert_eq!(cmd.node, None);
    assert_eq!(
        cmd.shell_id.as_deref(),
        Some("9b2e4c1a-2b7d-11f0-9a3e-0242ac120002")
    );
}

#[test]
fn acks() {
    assert_eq!(
        canonical::<Ack<()>>("ack.null.json"),
        Ack::Ok { payload: () }
    );
    // `Option` payloads must not swallow errors: the error fixture is an error.
    assert_eq!(
        canonical::<Ack<Option<Vec<ShellData>>>>("ack.error.json"),
        Ack::Err(ErrorBody::from_code(ErrorCode::LabDeploying))
    );
    let shells = canonical::<Ack<Option<Vec<ShellData>>>>("ack.shells.json")
        .into_result()
        .unwrap();
    assert_eq!(shells.unwrap()[1].node, "leaf-1");
    let none = Ack::<Option<Vec<ShellData>>>::from_value(&fixtures::value("ack.null.json"));
    assert_eq!(none.unwrap(), Ack::Ok { payload: None });
    let shell = canonical::<Ack<String>>("ack.open-shell.json");
    assert_eq!(
        shell.into_result().unwrap(),
        "9b2e4c1a-2b7d-11f0-9a3e-0242ac120002"
    );
}

#[test]
fn error_body() {
    let body = canonical::<ErrorBody>("error.invalid-token.json");
    assert_eq!(body.error_code(), Some(ErrorCode::InvalidToken));
    assert_eq!(body, ErrorBody::from_code(ErrorCode::InvalidToken));
}

#[test]
fn shell_command() {
    let cmd = canonical::<Envelope<ShellCommandData>>("shell-command.json").payload;
    assert_eq!(cmd.command, ShellCommand::Close);
    assert_eq!(cmd.message, "shell was inactive for too long");
}

#[test]
fn backlog_keeps_escape_sequences_and_empty_lines() {
    let lines = canonical::<Vec<String>>("backlog.json");
    assert_eq!(lines.len(), 3);
    assert!(lines[1].starts_with("\u{1b}[32m"));
    assert_eq!(lines[2], "");
}

#[test]
fn login() {
    let config = canonical::<Envelope<LoginConfig>>("login-config.json").payload;
    assert!(config.native.allow_empty && config.native.enabled && !config.open_id.enabled);
    let credentials = canonical::<NativeCredentials>("native-credentials.json");
    let debug = format!("{credentials:?}");
    assert!(debug.contains("admin") && !debug.contains("\"admin\", password: \"admin\""));
    assert!(debug.contains("<redacted>"), "{debug}");
}

#[test]
fn labs() {
    let labs = canonical::<Envelope<Vec<LabOut>>>("labs.json").payload;
    assert_eq!(labs.len(), 3);

    let running = &labs[0];
    assert_eq!(running.creator.id, NATIVE_ADMIN_ID);
    assert_eq!(running.creator.id.len(), 35);
    assert_eq!(running.state(), InstanceState::Running);
    let instance = running.instance.as_ref().unwrap();
    let nodes = instance.nodes.as_ref().unwrap();
    assert_eq!(nodes[0].state, NodeState::Running);
    assert_eq!(nodes[0].interface_captures.as_ref().unwrap().len(), 2);
    assert_eq!(nodes[1].name, "leaf-1");
    assert_eq!(nodes[1].state, NodeState::Other("paused".into()));
    assert_eq!(nodes[1].interface_captures, None);
    assert_eq!(
        nodes[1].container_name,
        "clab-spine-leaf-1718212345678-leaf-1"
    );

    let indefinite = &labs[1];
    assert_eq!(indefinite.end_time, None);
    assert_eq!(indefinite.instance, None);
    assert_eq!(indefinite.instance_name, None);
    assert_eq!(indefinite.state(), InstanceState::Inactive);

    let deploying = labs[2].instance.as_ref().unwrap();
    assert_eq!(deploying.state, InstanceState::Deploying);
    assert_eq!(deploying.nodes, None);
    assert!(deploying.recovered);
}

#[test]
fn topologies_collections_devices() {
    let topologies = canonical::<Envelope<Vec<TopologyOut>>>("topologies.json").payload;
    assert_eq!(topologies[0].bind_files[0].file_path, "config/srl1.cfg");
    assert!(topologies[1].bind_files.is_empty() && topologies[1].last_deploy_failed);
    let collections = canonical::<Envelope<Vec<CollectionOut>>>("collections.json").payload;
    assert!(collections[0].public_write && !collections[0].public_deploy);
    let devices = canonical::<Envelope<Vec<DeviceConfig>>>("devices.json").payload;
    assert_eq!(devices[0].interface_pattern, "e1-$");
}

#[test]
fn request_bodies() {
    let lab = canonical::<LabIn>("lab-in.json");
    assert_eq!(
        lab.end_time.to_rfc3339().unwrap(),
        "2025-06-13T06:00:00+02:00"
    );
    let partial = canonical::<LabInPartial>("lab-in-partial.json");
    assert_eq!(
        partial,
        LabInPartial {
            indefinite: Some(true),
            ..Default::default()
        }
    );
    canonical::<TopologyIn>("topology-in.json");
    canonical::<BindFileIn>("bind-file-in.json");
    canonical::<CollectionIn>("collection-in.json");
}

#[test]
fn prerequisite_reports_round_trip() {
    let report = canonical::<PrerequisiteReport>("prerequisites.json");
    assert!(!report.ready);
    assert_eq!(report.checks.len(), 3);
    assert_eq!(
        report.get("permissions").map(|c| c.ok),
        Some(false),
        "the failed check"
    );
    assert_eq!(report.get("docker").and_then(|c| c.guidance.clone()), None);
    assert_eq!(
        PrerequisiteReport::new(report.checks.clone()).ready,
        report.ready,
        "ready is derived from the checks"
    );
}

#[test]
fn partial_bodies_omit_absent_keys() {
    let json = serde_json::to_string(&CollectionInPartial {
        public_deploy: Some(false),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(json, r#"{"publicDeploy":false}"#);
    assert_eq!(
        serde_json::to_string(&TopologyInPartial::default()).unwrap(),
        "{}"
    );
    assert_eq!(
        serde_json::to_string(&BindFileInPartial::default()).unwrap(),
        "{}"
    );
}

//! Hostile input never panics: mutated fixtures, deep nesting, huge and invalid text.

use antimony_protocol::rest::*;
use antimony_protocol::*;
use serde::de::DeserializeOwned;

use crate::fixtures;

fn typed<T: DeserializeOwned>(text: &str) -> Result<(), String> {
    serde_json::from_str::<T>(text)
        .map(drop)
        .map_err(|e| e.to_string())
}

fn event<T: DeserializeOwned>(text: &str) -> Result<(), String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    decode_event::<T>(&value)
        .map(drop)
        .map_err(|e| e.to_string())
}

fn command(text: &str) -> Result<(), String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    LabCommandData::from_wire(&value)
        .map(drop)
        .map_err(|e| e.to_string())
}

fn ack<T: DeserializeOwned>(text: &str) -> Result<(), String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    Ack::<T>::from_value(&value)
        .map(drop)
        .map_err(|e| e.to_string())
}

/// Decodes `text` as the type the fixture `name` holds.
pub(crate) fn decode_as_fixture(name: &str, text: &str) -> Result<(), String> {
    match name {
        "ack.error.json" | "ack.null.json" => ack::<()>(text),
        "ack.open-shell.json" => ack::<String>(text),
        "ack.shells.json" => ack::<Option<Vec<ShellData>>>(text),
        "backlog.json" => typed::<Vec<String>>(text),
        "bind-file-in.json" => typed::<BindFileIn>(text),
        "collection-in.json" => typed::<CollectionIn>(text),
        "collections.json" => typed::<Envelope<Vec<CollectionOut>>>(text),
        "devices.json" => typed::<Envelope<Vec<DeviceConfig>>>(text),
        "error.invalid-token.json" => typed::<ErrorBody>(text),
        "lab-command.json" | "lab-command.object.json" => command(text),
        "lab-in-partial.json" => typed::<LabInPartial>(text),
        "lab-in.json" => typed::<LabIn>(text),
        "lab-update.all.json"
        | "lab-update.bare-all.json"
        | "lab-update.bare.json"
        | "lab-update.json" => event::<LabUpdate>(text),
        "lab.go-server.json" => event::<LabOut>(text),
        "labs.json" => typed::<Envelope<Vec<LabOut>>>(text),
        "login-config.json" => typed::<Envelope<LoginConfig>>(text),
        "native-credentials.json" => typed::<NativeCredentials>(text),
        "prerequisites.json" => typed::<PrerequisiteReport>(text),
        "shell-command.json" => event::<ShellCommandData>(text),
        "status-message.bare.json" | "status-message.json" => event::<StatusMessage>(text),
        "topologies.json" => typed::<Envelope<Vec<TopologyOut>>>(text),
        "topology-in.json" => typed::<TopologyIn>(text),
        other => panic!("fixture {other} has no decoder: add it to hostile.rs"),
    }
}

/// Feeds `text` to every decoder; the results do not matter, only that nothing panics.
fn decode_everything(text: &str) {
    for name in fixtures::all() {
        let _ = decode_as_fixture(&name, text);
    }
    let _ = Namespace::parse(text);
    let _ = decode_claims_unverified::<AccessClaims>(text);
    let _ = LabsQuery::from_query_pairs([
        ("limit", text),
        ("stateFilter[]", text),
        ("startDate", text),
    ]);
    let _ = Timestamp::parse(text);
    let _ = LabCommandData::from_json(text);
}

/// A small deterministic generator, so a failure reproduces.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[test]
fn mutated_fixtures_never_panic() {
    let interesting: &[u8] = b"{}[]\",:0123456789-.eE\\ntrufalsn\x00\xff";
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let mut decoded = 0;
    for name in fixtures::all() {
        let original = fixtures::text(&name).into_bytes();
        for _ in 0..150 {
            let mut bytes = original.clone();
            for _ in 0..=rng.below(4) {
                if bytes.is_empty() {
                    bytes.push(b'{');
                }
                let at = rng.below(bytes.len());
                match rng.below(4) {
                    0 => bytes[at] = interesting[rng.below(interesting.len())],
                    1 => bytes.insert(at, interesting[rng.below(interesting.len())]),
                    2 => drop(bytes.drain(at..(at + rng.below(8)).min(bytes.len()))),
                    _ => {
                        let end = (at + rng.below(32)).min(bytes.len());
                        let chunk = bytes[at..end].to_vec();
                        bytes.splice(at..at, chunk);
                    }
                }
            }
            if let Ok(text) = std::str::from_utf8(&bytes) {
                decode_everything(text);
                decoded += 1;
            }
            // Invalid UTF-8 reaches serde_json as bytes.
            let _ = serde_json::from_slice::<Envelope<Vec<LabOut>>>(&bytes);
        }
    }
    assert!(decoded > 2_000, "only {decoded} mutations were valid UTF-8");
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    for (open, close) in [("[", "]"), (r#"{"payload":"#, "}"), (r#"{"a":"#, "}")] {
        let text = format!("{}{}", open.repeat(100_000), close.repeat(100_000));
        decode_everything(&text);
        assert!(typed::<Envelope<Vec<LabOut>>>(&text).is_err());
        assert!(command(&text).is_err());
    }
}

#[test]
fn ten_megabyte_payloads_decode_or_fail_cleanly() {
    let big = "x".repeat(10 * 1024 * 1024);
    let wire = serde_json::Value::String(format!(r#"{{"labId":"{big}","command":0}}"#));
    let cmd = LabCommandData::from_wire(&wire).unwrap();
    assert_eq!(cmd.lab_id.len(), big.len());
    assert!(LabCommandData::from_wire(&serde_json::Value::String(big.clone())).is_err());
    assert!(Namespace::parse(&format!("/logs/{big}")).is_err());
    let err = Timestamp::parse(&big).unwrap_err().to_string();
    assert!(err.len() < 300, "error echoes {} bytes", err.len());
    decode_everything(&big[..1024 * 1024]);
}

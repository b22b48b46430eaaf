//! Namespace paths: building, parsing and their properties.

use antimony_protocol::{Error, Namespace, namespace};

const LAB: &str = "0c6d1f8a-2b7d-11f0-9a3e-0242ac120002";

#[test]
fn fixed_namespaces() {
    for (path, ns) in [
        ("/status-messages", Namespace::StatusMessages),
        ("/lab-updates", Namespace::LabUpdates),
        ("/lab-commands", Namespace::LabCommands),
        ("/shell-commands", Namespace::ShellCommands),
    ] {
        assert_eq!(Namespace::parse(path).unwrap(), ns);
        assert_eq!(ns.path(), path);
    }
    assert_eq!(namespace::STATUS_MESSAGES, "/status-messages");
}

#[test]
fn dynamic_namespaces_round_trip() {
    let cases = [
        (format!("/logs/{LAB}"), Namespace::lab_logs(LAB)),
        (
            format!("/logs/{LAB}/0123456789ab"),
            Namespace::node_logs(LAB, "0123456789ab"),
        ),
        (
            "/shells/9b2e4c1a-2b7d-11f0-9a3e-0242ac120002".to_owned(),
            Namespace::shell("9b2e4c1a-2b7d-11f0-9a3e-0242ac120002"),
        ),
        // Ids are not validated here: any non-UUID id of another server still addresses.
        ("/logs/lab-1".to_owned(), Namespace::lab_logs("lab-1")),
    ];
    for (path, ns) in cases {
        assert_eq!(Namespace::parse(&path).unwrap(), ns, "{path}");
        assert_eq!(ns.path(), path);
        assert_eq!(path.parse::<Namespace>().unwrap(), ns);
    }
}

#[test]
fn invalid_paths_are_rejected_with_the_path() {
    let long = format!("/logs/{}", "a".repeat(129));
    for path in [
        "",
        "/",
        "status-messages",
        "/status-messages/",
        "/logs",
        "/logs/",
        "/logs//abc",
        "/logs/a/",
        "/logs/a/b/c",
        "/logs/a b",
        "/logs/a\tb",
        "/logs/a\u{0}",
        "/shells/",
        "/shells/a/b",
        "/unknown",
        "/Lab-Updates",
        long.as_str(),
    ] {
        match Namespace::parse(path) {
            Err(Error::InvalidNamespace(shown)) => assert!(path.starts_with(&shown), "{path:?}"),
            other => panic!("{path:?} gave {other:?}"),
        }
    }
    assert!(Namespace::parse(&format!("/logs/{}", "a".repeat(128))).is_ok());
}

#[test]
fn namespace_properties() {
    let lab = Namespace::lab_logs(LAB);
    let node = Namespace::node_logs(LAB, "0123456789ab");
    let shell = Namespace::shell("s");
    assert!(lab.has_backlog() && node.has_backlog() && shell.has_backlog());
    assert!(!Namespace::StatusMessages.has_backlog());
    assert!(Namespace::StatusMessages.is_wrapped() && Namespace::LabUpdates.is_wrapped());
    assert!(Namespace::ShellCommands.is_wrapped());
    assert!(!lab.is_wrapped() && !shell.is_wrapped() && !Namespace::LabCommands.is_wrapped());
    assert!(lab.is_output_only() && Namespace::LabUpdates.is_output_only());
    assert!(!Namespace::LabCommands.is_output_only() && !shell.is_output_only());
}

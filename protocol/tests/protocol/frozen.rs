//! The numbers on the wire. Real servers and the official web UI depend on them, so a changed
//! or added number must break this test and be a deliberate decision.

use antimony_protocol::rest::InstanceState;
use antimony_protocol::*;

#[test]
fn lab_command_numbers() {
    let expected = [
        (LabCommand::Deploy, 0),
        (LabCommand::Destroy, 1),
        (LabCommand::StartNode, 2),
        (LabCommand::StopNode, 3),
        (LabCommand::RestartNode, 4),
        (LabCommand::FetchShells, 5),
        (LabCommand::OpenShell, 6),
        (LabCommand::CloseShell, 7),
    ];
    assert_eq!(
        LabCommand::ALL.len(),
        expected.len(),
        "a command was added or removed"
    );
    for (command, number) in expected {
        assert_eq!(command.code(), number, "{command:?}");
        assert_eq!(serde_json::to_string(&command).unwrap(), number.to_string());
        assert_eq!(LabCommand::try_from(i64::from(number)).unwrap(), command);
    }
    let needs_node: Vec<_> = LabCommand::ALL.iter().filter(|c| c.needs_node()).collect();
    assert_eq!(
        needs_node,
        [
            &LabCommand::StartNode,
            &LabCommand::StopNode,
            &LabCommand::RestartNode,
            &LabCommand::OpenShell
        ]
    );
}

#[test]
fn error_codes_and_messages() {
    let expected = [
        (
            ErrorCode::Unexpected,
            -1,
            "the specified uuid was not found",
        ),
        (ErrorCode::Unauthorized, 401, "the request was unauthorized"),
        (
            ErrorCode::Forbidden,
            403,
            "access to the requested resource is forbidden",
        ),
        (ErrorCode::InvalidBody, 422, "the request body was invalid"),
        (
            ErrorCode::InvalidToken,
            498,
            "the auth token provided was invalid",
        ),
        (
            ErrorCode::Database,
            500,
            "the antimony database encountered an error. please check the logs",
        ),
        (
            ErrorCode::InvalidCredentials,
            1001,
            "the provided native credentials were invalid",
        ),
        (
            ErrorCode::CollectionExists,
            2001,
            "a collection with that name already exists",
        ),
        (
            ErrorCode::TopologyExists,
            3001,
            "a topology with that name already exists in that collection",
        ),
        (
            ErrorCode::TopologyInvalid,
            3003,
            "the topology provided were invalid",
        ),
        (
            ErrorCode::BindFileExists,
            4001,
            "a file with that path already exists for that topology",
        ),
        (
            ErrorCode::BindFilePathInvalid,
            4002,
            "the provided bind file path was invalid",
        ),
        (
            ErrorCode::ServerError,
            5000,
            "the antimony server encountered an error. please check the logs",
        ),
        (
            ErrorCode::ContainerlabFailed,
            5001,
            "the containerlab subprocess encountered an error",
        ),
        (
            ErrorCode::LabDeploying,
            5002,
            "the specified lab is already being deployed",
        ),
        (
            ErrorCode::LabNotRunning,
            5003,
            "the specified lab is not running",
        ),
        (
            ErrorCode::NodeNotRunning,
            5004,
            "the specified node is not running",
        ),
        (
            ErrorCode::IdNotFound,
            5005,
            "the specified uuid was not found",
        ),
        (
            ErrorCode::NodeNotFound,
            5006,
            "the specified node was not found",
        ),
        (
            ErrorCode::ShellNotFound,
            5007,
            "the provided shell id does not exist",
        ),
        (
            ErrorCode::ShellLimitReached,
            5008,
            "user shell limit reached",
        ),
        (
            ErrorCode::NoAccess,
            5403,
            "access to the provided lab is not granted",
        ),
        (
            ErrorCode::InvalidUuid,
            5404,
            "the provided uuid was invalid",
        ),
        (
            ErrorCode::InvalidRequest,
            5422,
            "the socket request was invalid",
        ),
        // antimony-server's own (PROTOCOL.md has no Go equivalent).
        (
            ErrorCode::Conflict,
            409,
            "the request conflicts with the current state of the resource",
        ),
        (
            ErrorCode::TooManyRequests,
            429,
            "too many requests; try again later",
        ),
        (
            ErrorCode::TopologyHostAccess,
            3401,
            "the topology uses a field that acts on the host, which requires an admin",
        ),
    ];
    assert_eq!(
        ErrorCode::ALL.len(),
        expected.len(),
        "an error code was added or removed"
    );
    for (code, number, message) in expected {
        assert_eq!(code.code(), number, "{code:?}");
        assert_eq!(code.message(), message, "{code:?}");
        assert_eq!(code.is_socket(), number >= 5000, "{code:?}");
        let body = serde_json::to_value(ErrorBody::from_code(code)).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"code": number, "message": message})
        );
    }
    assert_eq!(ErrorCode::InvalidToken.http_status(), Some(498));
    assert_eq!(
        ErrorCode::InvalidBody.http_status(),
        Some(400),
        "gin answers 400 with body 422"
    );
    assert_eq!(ErrorCode::Unexpected.http_status(), Some(404));
    assert_eq!(ErrorCode::LabDeploying.http_status(), None);
}

#[test]
fn severities_states_and_shell_commands() {
    let severities = [
        (Severity::Success, 0),
        (Severity::Info, 1),
        (Severity::Warning, 2),
        (Severity::Error, 3),
        (Severity::Fatal, 4),
    ];
    assert_eq!(Severity::ALL.len(), severities.len());
    for (severity, number) in severities {
        assert_eq!(severity.code(), number);
    }
    let states = [
        (InstanceState::Scheduled, -2),
        (InstanceState::Inactive, -1),
        (InstanceState::Deploying, 0),
        (InstanceState::Running, 1),
        (InstanceState::Stopping, 2),
        (InstanceState::Failed, 3),
    ];
    assert_eq!(InstanceState::ALL.len(), states.len());
    for (state, number) in states {
        assert_eq!(state.code(), number);
        assert_eq!(state.has_instance(), number >= 0);
    }
    assert_eq!(
        ShellCommand::ALL,
        [ShellCommand::Error, ShellCommand::Close]
    );
    assert_eq!(
        (ShellCommand::Error.code(), ShellCommand::Close.code()),
        (0, 1)
    );
}

#[test]
fn event_names_and_connect_error_texts() {
    assert_eq!(event::DATA, "data");
    assert_eq!(event::BACKLOG, "backlog");
    let texts: Vec<_> = ConnectError::ALL.iter().map(|e| e.message()).collect();
    assert_eq!(
        texts,
        [
            "Unauthorized",
            "Invalid Token",
            "No Access",
            "Invalid namespace"
        ]
    );
    for error in ConnectError::ALL {
        assert_eq!(ConnectError::from_message(error.message()), Some(*error));
    }
    assert_eq!(
        ConnectError::from_message("invalid token"),
        None,
        "texts are case-sensitive"
    );
}

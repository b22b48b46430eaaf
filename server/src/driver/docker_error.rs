//! What the Docker engine's errors mean to the user: a missing or unreachable engine and a
//! socket this user may not use get their own errors with what to do (the nodes and the
//! interactive execs both reach the engine).

use super::DriverError;

/// A bollard error as a [`DriverError`].
pub(super) fn docker_error(error: bollard::errors::Error) -> DriverError {
    use bollard::errors::Error as E;
    match &error {
        E::SocketNotFoundError(path) => DriverError::Missing {
            tool: "Docker",
            hint: format!(
                "no Docker engine socket at {path}; install and start Docker, or set DOCKER_HOST"
            ),
        },
        E::IOError { err } if err.kind() == std::io::ErrorKind::PermissionDenied => {
            DriverError::NotPermitted {
                tool: "Docker",
                hint: "this user may not use the Docker socket: `sudo usermod -aG docker $USER`, then log out and in again"
                    .into(),
            }
        }
        E::IOError { err }
            if err.kind() == std::io::ErrorKind::NotFound
                || err.kind() == std::io::ErrorKind::ConnectionRefused =>
        {
            DriverError::Missing {
                tool: "Docker",
                hint: format!("the Docker engine is not reachable ({err}); is it running?"),
            }
        }
        _ => DriverError::Docker(error.to_string()),
    }
}

//! Every error code an Antimony server sends, on REST bodies and on socket acks
//! (PROTOCOL.md §8), with the server's message texts.

use crate::int_enum::int_enum;

int_enum! {
    /// An error code from a REST error body or a socket ack `{code, message}`.
    ///
    /// Clients branch on the code, never on the message text. Codes below 5000 come from
    /// REST; 5000 and above from socket acks.
    pub enum ErrorCode: i32 {
        /// REST: an unknown id (HTTP 404), or any other unmapped failure (HTTP 500).
        Unexpected = -1,
        /// REST: no access token (HTTP 401), or a disabled login method.
        Unauthorized = 401,
        /// REST: no permission (HTTP 403), or a failed token refresh.
        Forbidden = 403,
        /// REST: the request conflicts with the resource's state (HTTP 409), e.g. a
        /// collection that still has labs with instances. antimony-server only.
        Conflict = 409,
        /// REST: the JSON body failed validation (HTTP 400, body code 422).
        InvalidBody = 422,
        /// REST: too many requests or connections from this client, or too many login
        /// failures (HTTP 429 with `Retry-After`). antimony-server only.
        TooManyRequests = 429,
        /// REST: the access token is invalid or expired (HTTP 498): refresh and retry.
        InvalidToken = 498,
        /// REST: a database error (HTTP 500).
        Database = 500,
        /// REST: wrong native credentials (HTTP 400).
        InvalidCredentials = 1001,
        /// REST: a collection of that name exists (HTTP 400).
        CollectionExists = 2001,
        /// REST: a topology of that name exists in the collection (HTTP 400).
        TopologyExists = 3001,
        /// REST: the topology definition is not YAML (HTTP 400).
        TopologyInvalid = 3003,
        /// REST: the topology uses a field that acts on the host, which only admins (or
        /// collections that allow it) may use (HTTP 400); the message names the field.
        /// antimony-server only.
        TopologyHostAccess = 3401,
        /// REST: a bind file with that path exists (HTTP 400).
        BindFileExists = 4001,
        /// REST: the bind file path is not allowed (HTTP 400).
        BindFilePathInvalid = 4002,
        /// Socket: generic server error, an invalid command number, or a refused action.
        ServerError = 5000,
        /// Socket: containerlab failed.
        ContainerlabFailed = 5001,
        /// Socket: the lab is already being deployed.
        LabDeploying = 5002,
        /// Socket: the lab has no instance.
        LabNotRunning = 5003,
        /// Socket: the node is not running.
        NodeNotRunning = 5004,
        /// Socket: a well-formed id that does not exist.
        IdNotFound = 5005,
        /// Socket: the node does not exist, or `node` was missing on a node command.
        NodeNotFound = 5006,
        /// Socket: the shell does not exist.
        ShellNotFound = 5007,
        /// Socket: the user's shell limit is reached.
        ShellLimitReached = 5008,
        /// Socket: no access to the lab, shell or namespace.
        NoAccess = 5403,
        /// Socket: an id that is not a well-formed UUID.
        InvalidUuid = 5404,
        /// Socket: the request was malformed (not JSON, wrong types, missing fields).
        InvalidRequest = 5422,
    }
}

impl ErrorCode {
    /// The message an Antimony server sends with this code (PROTOCOL.md §8). Where the Go
    /// server has several texts for one code, this is the generic one.
    pub const fn message(self) -> &'static str {
        match self {
            ErrorCode::Unexpected => "the specified uuid was not found",
            ErrorCode::Unauthorized => "the request was unauthorized",
            ErrorCode::Forbidden => "access to the requested resource is forbidden",
            ErrorCode::Conflict => "the request conflicts with the current state of the resource",
            ErrorCode::InvalidBody => "the request body was invalid",
            ErrorCode::TooManyRequests => "too many requests; try again later",
            ErrorCode::InvalidToken => "the auth token provided was invalid",
            ErrorCode::Database => {
                "the antimony database encountered an error. please check the logs"
            }
            ErrorCode::InvalidCredentials => "the provided native credentials were invalid",
            ErrorCode::CollectionExists => "a collection with that name already exists",
            ErrorCode::TopologyExists => {
                "a topology with that name already exists in that collection"
            }
            ErrorCode::TopologyInvalid => "the topology provided were invalid",
            ErrorCode::TopologyHostAccess => {
                "the topology uses a field that acts on the host, which requires an admin"
            }
            ErrorCode::BindFileExists => "a file with that path already exists for that topology",
            ErrorCode::BindFilePathInvalid => "the provided bind file path was invalid",
            ErrorCode::ServerError => {
                "the antimony server encountered an error. please check the logs"
            }
            ErrorCode::ContainerlabFailed => "the containerlab subprocess encountered an error",
            ErrorCode::LabDeploying => "the specified lab is already being deployed",
            ErrorCode::LabNotRunning => "the specified lab is not running",
            ErrorCode::NodeNotRunning => "the specified node is not running",
            ErrorCode::IdNotFound => "the specified uuid was not found",
            ErrorCode::NodeNotFound => "the specified node was not found",
            ErrorCode::ShellNotFound => "the provided shell id does not exist",
            ErrorCode::ShellLimitReached => "user shell limit reached",
            ErrorCode::NoAccess => "access to the provided lab is not granted",
            ErrorCode::InvalidUuid => "the provided uuid was invalid",
            ErrorCode::InvalidRequest => "the socket request was invalid",
        }
    }

    /// The HTTP status a REST response with this code has (PROTOCOL.md §8.1), or `None` for
    /// socket-only codes. [`ErrorCode::Unexpected`] is 404 for an unknown id; servers send it
    /// with 500 for other failures.
    pub const fn http_status(self) -> Option<u16> {
        match self {
            ErrorCode::Unexpected => Some(404),
            ErrorCode::Unauthorized => Some(401),
            ErrorCode::Forbidden => Some(403),
            ErrorCode::InvalidToken => Some(498),
            ErrorCode::Database => Some(500),
            ErrorCode::Conflict => Some(409),
            ErrorCode::TooManyRequests => Some(429),
            ErrorCode::InvalidBody
            | ErrorCode::InvalidCredentials
            | ErrorCode::CollectionExists
            | ErrorCode::TopologyExists
            | ErrorCode::TopologyInvalid
            | ErrorCode::TopologyHostAccess
            | ErrorCode::BindFileExists
            | ErrorCode::BindFilePathInvalid => Some(400),
            _ => None,
        }
    }

    /// Whether this code is sent on socket acks (as opposed to REST bodies).
    pub const fn is_socket(self) -> bool {
        self.code() >= 5000
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message(), self.code())
    }
}

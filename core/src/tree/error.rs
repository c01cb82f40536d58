//! ZooKeeper's result codes (`KeeperException.Code`), with their wire numbers.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ErrorCode {
    /// Only inside a failed multi's results: this op would have succeeded.
    Ok,
    /// A multi op after the failing one.
    RuntimeInconsistency,
    /// The client lost its connection; the outcome is unknown. Never in a txn.
    ConnectionLoss,
    /// A malformed path or argument.
    BadArguments,
    NoNode,
    BadVersion,
    NoChildrenForEphemerals,
    NodeExists,
    NotEmpty,
    SessionExpired,
}

impl ErrorCode {
    pub fn code(self) -> i32 {
        match self {
            ErrorCode::Ok => 0,
            ErrorCode::RuntimeInconsistency => -2,
            ErrorCode::ConnectionLoss => -4,
            ErrorCode::BadArguments => -8,
            ErrorCode::NoNode => -101,
            ErrorCode::BadVersion => -103,
            ErrorCode::NoChildrenForEphemerals => -108,
            ErrorCode::NodeExists => -110,
            ErrorCode::NotEmpty => -111,
            ErrorCode::SessionExpired => -112,
        }
    }

    /// Every code, for decoders and tests.
    pub const ALL: [ErrorCode; 10] = [
        ErrorCode::Ok,
        ErrorCode::RuntimeInconsistency,
        ErrorCode::ConnectionLoss,
        ErrorCode::BadArguments,
        ErrorCode::NoNode,
        ErrorCode::BadVersion,
        ErrorCode::NoChildrenForEphemerals,
        ErrorCode::NodeExists,
        ErrorCode::NotEmpty,
        ErrorCode::SessionExpired,
    ];

    pub fn from_code(code: i32) -> Option<ErrorCode> {
        ErrorCode::ALL
            .into_iter()
            .find(|error| error.code() == code)
    }

    pub fn name(self) -> &'static str {
        match self {
            ErrorCode::Ok => "Ok",
            ErrorCode::RuntimeInconsistency => "RuntimeInconsistency",
            ErrorCode::ConnectionLoss => "ConnectionLoss",
            ErrorCode::BadArguments => "BadArguments",
            ErrorCode::NoNode => "NoNode",
            ErrorCode::BadVersion => "BadVersion",
            ErrorCode::NoChildrenForEphemerals => "NoChildrenForEphemerals",
            ErrorCode::NodeExists => "NodeExists",
            ErrorCode::NotEmpty => "NotEmpty",
            ErrorCode::SessionExpired => "SessionExpired",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

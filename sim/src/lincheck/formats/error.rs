//! What is wrong with a history file, and where.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatError {
    /// 1-based; 0 when the problem is the file as a whole.
    pub line: usize,
    /// 1-based, when known.
    pub column: Option<usize>,
    pub message: String,
}

impl FormatError {
    pub fn at_line(line: usize, message: impl Into<String>) -> FormatError {
        FormatError {
            line,
            column: None,
            message: message.into(),
        }
    }

    pub fn at(line: usize, column: usize, message: impl Into<String>) -> FormatError {
        FormatError {
            line,
            column: Some(column),
            message: message.into(),
        }
    }
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (0, _) => write!(f, "{}", self.message),
            (line, Some(column)) => write!(f, "line {line}, column {column}: {}", self.message),
            (line, None) => write!(f, "line {line}: {}", self.message),
        }
    }
}

impl std::error::Error for FormatError {}

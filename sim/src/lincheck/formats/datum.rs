//! A value read from a history file, whatever its syntax (EDN, JSON, a Jepsen log's EDN tail).

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Datum {
    Nil,
    Bool(bool),
    Int(i64),
    /// A number that is not an integer that fits i64, kept as written.
    OtherNumber(String),
    Str(String),
    /// An EDN keyword, without its colon.
    Keyword(String),
    /// An EDN symbol other than nil, true, false.
    Symbol(String),
    /// EDN vectors, lists and sets; JSON arrays.
    List(Vec<Datum>),
    /// Entries in the order written.
    Map(Vec<(Datum, Datum)>),
}

impl Datum {
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Datum::Int(value) => Some(*value),
            _ => None,
        }
    }

    /// A name: an EDN keyword or symbol, or a string (JSON has no keywords).
    pub fn as_name(&self) -> Option<&str> {
        match self {
            Datum::Keyword(name) | Datum::Symbol(name) | Datum::Str(name) => Some(name),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Datum]> {
        match self {
            Datum::List(items) => Some(items),
            _ => None,
        }
    }

    pub fn is_nil(&self) -> bool {
        matches!(self, Datum::Nil)
    }

    /// A short description of what kind of value this is, for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Datum::Nil => "nil",
            Datum::Bool(_) => "a boolean",
            Datum::Int(_) => "an integer",
            Datum::OtherNumber(_) => "a non-integer number",
            Datum::Str(_) => "a string",
            Datum::Keyword(_) => "a keyword",
            Datum::Symbol(_) => "a symbol",
            Datum::List(_) => "a list",
            Datum::Map(_) => "a map",
        }
    }
}

/// EDN-like text, for messages.
impl fmt::Display for Datum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Datum::Nil => write!(f, "nil"),
            Datum::Bool(value) => write!(f, "{value}"),
            Datum::Int(value) => write!(f, "{value}"),
            Datum::OtherNumber(text) | Datum::Symbol(text) => write!(f, "{text}"),
            Datum::Str(text) => write!(f, "{text:?}"),
            Datum::Keyword(name) => write!(f, ":{name}"),
            Datum::List(items) => {
                write!(f, "[")?;
                for (index, item) in items.iter().enumerate() {
                    let gap = if index == 0 { "" } else { " " };
                    write!(f, "{gap}{item}")?;
                }
                write!(f, "]")
            }
            Datum::Map(entries) => {
                write!(f, "{{")?;
                for (index, (key, value)) in entries.iter().enumerate() {
                    let gap = if index == 0 { "" } else { ", " };
                    write!(f, "{gap}{key} {value}")?;
                }
                write!(f, "}}")
            }
        }
    }
}

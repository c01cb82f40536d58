//! History files: one JSON object per line, one line per history op (in
//! order) and per watch delivery. Field by field in docs/ZK-HISTORY.md.
//! Reading never panics: an error names the line and the field.

mod read;
mod write;

pub use read::history_from_json;
pub use write::history_to_json;

/// Data that is not UTF-8 (or starts with this prefix) is written as hex after it.
const HEX_PREFIX: &str = "hex:";

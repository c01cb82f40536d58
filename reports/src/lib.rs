//! zksim's report schema and its rendering. Knows nothing of the simulator's
//! internals: it reads and writes the schema only.

pub mod summary;

pub use summary::{FailureRecord, RunSummary, ViolationRecord, SUMMARY_SCHEMA_VERSION};

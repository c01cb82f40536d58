//! zksim's report schema and its rendering. Knows nothing of the simulator's
//! internals: it reads and writes the schema only.

pub mod junit;
pub mod merge;
pub mod render;
pub mod report;
pub mod summary;

pub use junit::junit_xml;
pub use merge::{merge_junit, merge_labelled_junit, merge_labelled_summaries, merge_summaries};
pub use render::{render, sample_report, write_report_folder};
pub use report::{
    BuildInfo, CommitPoint, FailureReport, FaultRecord, MessageRecord, OperationRecord,
    ReplicaTimeline, RoleSegment, TraceLine, REPORT_SCHEMA_VERSION,
};
pub use summary::{parse_shard, shard_range, NondeterminismRecord, ProbeRequirement, ShardInfo};
pub use summary::{FailureRecord, RunSummary, ViolationRecord, SUMMARY_SCHEMA_VERSION};

//! The simulator's integration tests, one module per file, built as one
//! test binary: each test binary links the whole simulator, so one link
//! instead of fifteen keeps the build fast and its target directory small.

mod common;

mod bench;
mod check_cli;
mod cli;
mod core_findings;
mod datadir;
mod determinism;
mod exec;
mod external_histories;
mod hunt;
mod operator_actions;
mod planted_bugs;
mod recipe_checks;
mod report_and_shrink;
mod shards_and_coverage;

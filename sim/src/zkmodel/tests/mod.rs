//! Tests of the model and the translation as a whole.

mod canonical;
mod counters;
mod garbage;
mod histories;
mod json_files;
mod partitioning;
mod random;
mod script;

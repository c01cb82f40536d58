//! ZooKeeper for the linearizability checker: a model of the data tree and
//! sessions (`ZkModel`), and the translation of a recorded client history
//! into the checker's operations, which is where ZooKeeper's guarantees
//! (linearizable writes, FIFO sessions, sequentially consistent reads,
//! sync) are expressed. docs/ZK-HISTORY.md has the rules and the JSON file
//! format.
//!
//! - `tables.rs`: interned paths and data.
//! - `types.rs`: the model's inputs and outputs.
//! - `state.rs`: a partition's znodes and live sessions, copy-on-write.
//! - `scope.rs`, `writes.rs`, `judge.rs`, `model.rs`: the sequential specification.
//! - `observed.rs`: what no op can see is stored canonical.
//! - `convert.rs`: history ops to model requests and replies.
//! - `partition.rs`: keys and union-find.
//! - `counters.rs`: sequential names pin their parent's cversion.
//! - `order.rs`: time bounds and `after` edges.
//! - `describe.rs`, `explain.rs`: text for people.
//! - `json.rs`: history files.

mod convert;
mod counters;
mod describe;
mod explain;
mod json;
mod judge;
mod model;
mod observed;
mod order;
mod partition;
mod scope;
mod state;
mod tables;
mod types;
mod writes;

#[cfg(test)]
mod tests;

use crate::lincheck as engine;

pub use self::explain::explain;
pub use self::json::{history_from_json, history_to_json};
pub use self::model::{Group, ZkModel};
pub use self::state::ZkState;
pub use self::tables::{DataId, PathId, Tables};
pub use self::types::{GroupId, StatView, WriteOp, WriteResult, ZkInput, ZkOutput, ZkRequest};

use self::engine::{Budget, Operation, Report};
use crate::history::History;

/// A history as the checker sees it.
pub struct Translation {
    pub model: ZkModel,
    pub ops: Vec<Operation<ZkInput, ZkOutput>>,
    /// Per operation: the history op it stands for (session ops are copied
    /// into several partitions, so an index may repeat).
    pub history_index: Vec<usize>,
}

/// Translates a history: drops what tells nothing, partitions, and sets each
/// op's time bounds and order (see `order.rs`).
pub fn translate(history: &History) -> Translation {
    let mut tables = Tables::new();
    let logical = convert::convert(history, &mut tables);
    observed::mark(&logical, &mut tables);
    let parts = partition::partition(&logical, &mut tables);
    let emitted = order::emit(&logical, &parts);
    let history_index = emitted
        .logical_index
        .iter()
        .map(|&index| logical[index].history_index)
        .collect();
    let counters = counters::Counters::new(&logical, &tables, &parts.seq_names);
    let model = ZkModel {
        counters,
        tables,
        groups: parts.groups,
        homes: parts.homes,
        seq_names: parts.seq_names,
    };
    Translation {
        model,
        ops: emitted.ops,
        history_index,
    }
}

/// Checks a history against ZooKeeper's guarantees.
pub fn check_history(history: &History, budget: &Budget) -> Report {
    let translation = translate(history);
    engine::check(&translation.model, &translation.ops, budget)
}

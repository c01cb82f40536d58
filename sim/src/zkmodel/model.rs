//! `ZkModel`: ZooKeeper's data tree and sessions as a sequential
//! specification for the linearizability checker.

use std::collections::BTreeMap;

use zksim_core::ids::SessionId;
use zksim_core::tree::ErrorCode;

use super::counters::Counters;
use super::engine::{Model, Operation};
use super::scope::Scope;
use super::state::ZkState;
use super::tables::{PathId, Tables};
use super::types::{GroupId, WriteResult, ZkInput, ZkOutput, ZkRequest};
use super::{describe, judge, writes};

/// One partition: the znodes it holds and whose children it owns.
#[derive(Clone, Debug)]
pub struct Group {
    /// Readable keys: "/k3 + children of /seq".
    pub name: String,
    /// Slot → path; slot 0 is the root.
    pub paths: Vec<PathId>,
    /// Per slot: every child change of this node is in the partition.
    pub owns_children: Vec<bool>,
}

/// Built by `translate` from a history, together with the operations.
#[derive(Clone, Debug)]
pub struct ZkModel {
    pub(super) tables: Tables,
    pub(super) groups: Vec<Group>,
    /// Per path: the partition and slot of its node (the root is slot 0 of every partition).
    pub(super) homes: Vec<Option<(GroupId, u32)>>,
    /// Sequential prefix → the final path for each parent cversion.
    pub(super) seq_names: BTreeMap<PathId, Vec<PathId>>,
    /// Which returned sequential creates a parent's cversion rules out.
    pub(super) counters: Counters,
}

impl ZkModel {
    pub fn tables(&self) -> &Tables {
        &self.tables
    }

    pub fn groups(&self) -> &[Group] {
        &self.groups
    }

    fn scope(&self, group: GroupId) -> Scope<'_> {
        assert!((group.0 as usize) < self.groups.len(), "{group:?} exists");
        Scope { model: self, group }
    }
}

impl ZkModel {
    fn step_unchecked(
        &self,
        state: &ZkState,
        input: &ZkInput,
        output: Option<&ZkOutput>,
    ) -> Option<ZkState> {
        let scope = self.scope(input.group);
        let session = input.session;
        // A request refused as malformed, or for a limit the model does not
        // know: no effect, whatever the state.
        if let Some(ZkOutput::Error(ErrorCode::BadArguments)) = output {
            return Some(state.clone());
        }
        match &input.request {
            // Every session not ended is live: creating one changes nothing.
            ZkRequest::CreateSession => state.is_live(session).then(|| state.clone()),
            ZkRequest::CloseSession | ZkRequest::Expiry => {
                step_end(scope, state, session, &input.request, output)
            }
            ZkRequest::Write { ops, multi } => {
                judge::step_write(scope, state, session, ops, *multi, output)
            }
            ZkRequest::Sync { .. }
            | ZkRequest::GetData { .. }
            | ZkRequest::Exists { .. }
            | ZkRequest::GetChildren { .. } => match output {
                None => Some(state.clone()),
                Some(reported) => judge::step_read(scope, state, session, &input.request, reported),
            },
        }
    }
}

impl Model for ZkModel {
    type State = ZkState;
    type Input = ZkInput;
    type Output = ZkOutput;

    fn init(&self) -> ZkState {
        ZkState::new()
    }

    fn step(&self, state: &ZkState, input: &ZkInput, output: Option<&ZkOutput>) -> Option<ZkState> {
        let next = self.step_unchecked(state, input, output);
        debug_assert!(
            !self.is_read_only(input, output) || next.as_ref().is_none_or(|next| next == state),
            "a read-only op changed the state: {input:?} → {output:?}"
        );
        next
    }

    fn partition(&self, ops: &[Operation<ZkInput, ZkOutput>]) -> Vec<Vec<usize>> {
        let mut members = vec![Vec::new(); self.groups.len()];
        for (index, op) in ops.iter().enumerate() {
            members[op.input.group.0 as usize].push(index);
        }
        members.retain(|group| !group.is_empty());
        members
    }

    fn partition_name(&self, ops: &[Operation<ZkInput, ZkOutput>], members: &[usize]) -> String {
        match members.first() {
            Some(first) => self.groups[ops[*first].input.group.0 as usize].name.clone(),
            None => "(empty)".to_owned(),
        }
    }

    fn describe_input(&self, input: &ZkInput) -> String {
        describe::input(&self.tables, input)
    }

    fn describe_output(&self, output: &ZkOutput) -> String {
        describe::output(&self.tables, output)
    }

    /// Reads, syncs and failed writes leave the state as it was, except
    /// that a SessionExpired reply may end the session.
    fn is_read_only(&self, input: &ZkInput, output: Option<&ZkOutput>) -> bool {
        match (&input.request, output) {
            (_, None) | (_, Some(ZkOutput::Error(ErrorCode::SessionExpired))) => false,
            (ZkRequest::CreateSession, _) => true,
            (ZkRequest::CloseSession | ZkRequest::Expiry, _) => false,
            (ZkRequest::Write { .. }, Some(ZkOutput::Written(results))) => results
                .iter()
                .all(|result| matches!(result, WriteResult::Error(_))),
            (
                ZkRequest::Write { .. }
                | ZkRequest::Sync { .. }
                | ZkRequest::GetData { .. }
                | ZkRequest::Exists { .. }
                | ZkRequest::GetChildren { .. },
                _,
            ) => true,
        }
    }

    /// Replies that pin the cversion of a parent nothing removes (see `counters.rs`).
    fn may_be_ruled_out(&self, input: &ZkInput, output: &ZkOutput) -> bool {
        let scope = self.scope(input.group);
        self.counters.may_rule_out(scope, &input.request, output)
    }

    fn rules_out(&self, state: &ZkState, input: &ZkInput, output: &ZkOutput) -> bool {
        let scope = self.scope(input.group);
        self.counters
            .rules_out(scope, state, &input.request, output)
    }

    fn state_heap_bytes(&self, state: &ZkState) -> u64 {
        state.heap_bytes()
    }
}

/// closeSession (asked for) and expiry (not). A close answered ok ends a
/// live session; any other outcome (SessionExpired, unknown, an expiry)
/// says the session ended by then, here or earlier.
fn step_end(
    scope: Scope<'_>,
    state: &ZkState,
    session: SessionId,
    request: &ZkRequest,
    output: Option<&ZkOutput>,
) -> Option<ZkState> {
    match (request, output) {
        (ZkRequest::CloseSession, Some(ZkOutput::SessionClosed)) => state
            .is_live(session)
            .then(|| writes::end_session(scope, state, session)),
        (_, None)
        | (ZkRequest::CloseSession, Some(ZkOutput::Error(ErrorCode::SessionExpired)))
        | (ZkRequest::Expiry, Some(ZkOutput::Expired)) => {
            Some(writes::end_session(scope, state, session))
        }
        _ => None,
    }
}

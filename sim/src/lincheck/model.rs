//! What the checker is generic over: a sequential specification ([`Model`]) and the operations of
//! a recorded history ([`Operation`]).

/// A sequential specification of an object.
pub trait Model {
    type State: Clone + Eq + std::hash::Hash + std::fmt::Debug;
    type Input: Clone + std::fmt::Debug;
    type Output: Clone + std::fmt::Debug;

    fn init(&self) -> Self::State;

    /// The state after `input` if `output` is a possible result of it in `state`, else None.
    /// `output == None` means the result is unknown: any result is acceptable.
    fn step(
        &self,
        state: &Self::State,
        input: &Self::Input,
        output: Option<&Self::Output>,
    ) -> Option<Self::State>;

    /// Independent groups of operation indices (P-compositionality). Default: one group of all.
    /// Every index must appear in exactly one group. Each group is checked alone: session order
    /// (`after`) through operations of other groups is kept transitively (A after B after C with
    /// B elsewhere: A after C), but an order that needs several groups at once to see is not.
    fn partition(&self, ops: &[Operation<Self::Input, Self::Output>]) -> Vec<Vec<usize>> {
        vec![(0..ops.len()).collect()]
    }

    /// A name for a partition (e.g. the key), for reports.
    fn partition_name(
        &self,
        ops: &[Operation<Self::Input, Self::Output>],
        members: &[usize],
    ) -> String {
        let _ = (ops, members);
        "all".to_string()
    }

    /// One line.
    fn describe_input(&self, input: &Self::Input) -> String;

    fn describe_output(&self, output: &Self::Output) -> String;

    /// Optional: whether this operation never changes the state when it succeeds (a read, a
    /// failed compare-and-set): for every state where `step` accepts it, `step` returns that
    /// same state. The search then linearizes such an operation as soon as it can and never
    /// tries it later instead, which is sound (moving a read-only operation earlier, to a point
    /// where it is legal, keeps any linearization valid) and prunes most of the search.
    /// Default: false.
    fn is_read_only(&self, input: &Self::Input, output: Option<&Self::Output>) -> bool {
        let _ = (input, output);
        false
    }

    /// Optional: whether an operation that returned `output` is one [`Model::rules_out`] may
    /// ever rule out. The search asks `rules_out` only about these. Default: false.
    fn may_be_ruled_out(&self, input: &Self::Input, output: &Self::Output) -> bool {
        let _ = (input, output);
        false
    }

    /// Optional: whether no sequence of steps from `state` (of any operations of the history,
    /// with any results) reaches a state where `step` accepts `input` with `output`. Must never
    /// answer true wrongly; false is always safe. An operation that returned must be
    /// linearized, so the search drops a configuration in which one still to be linearized is
    /// ruled out, instead of exploring everything else that could follow it (e.g. a counter
    /// that only grows has passed the value a returned operation saw). Default: false.
    fn rules_out(&self, state: &Self::State, input: &Self::Input, output: &Self::Output) -> bool {
        let _ = (state, input, output);
        false
    }

    /// Optional: the heap bytes a state owns beyond `size_of::<State>()`, so that the memory
    /// budget sees large states (strings, maps). Default 0.
    fn state_heap_bytes(&self, state: &Self::State) -> u64 {
        let _ = state;
        0
    }
}

/// One operation of a history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation<I, O> {
    /// Process or session, for display and grouping.
    pub client: u64,
    /// The earliest time the operation may take effect (any monotone time unit).
    pub call: u64,
    /// None: never returned (crashed, unknown outcome). Such an operation may take effect at any
    /// time after `call`, or never.
    pub ret: Option<u64>,
    pub input: I,
    /// None: the result is unknown and matches anything (always None when `ret` is None).
    pub output: Option<O>,
    /// Indices of operations that must be linearized before this one (session order); may be
    /// empty. An operation here whose `ret` is None either takes effect before this one or
    /// never: this one may be linearized once it is either linearized or given up for good.
    pub after: Vec<usize>,
    /// The real invocation time, for display (`call` may have been relaxed earlier).
    pub shown_call: u64,
}

impl<I, O> Operation<I, O> {
    /// Whether this operation returned, so must take effect.
    pub fn returned(&self) -> bool {
        self.ret.is_some()
    }
}

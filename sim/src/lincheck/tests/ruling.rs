//! Ruling out (`Model::rules_out`): on a counter that dispenses tickets (as a parent's cversion
//! names sequential children), a state past a returned ticket drops the configuration. The
//! verdicts must be exactly those of the same model without it, the explanations must be
//! subsets that fail without it too, and it must still fail histories that are not linearizable.

use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::lincheck::{check, Budget, Model, Operation, Overall, PartitionVerdict, Report};

const BUDGET: Budget = Budget {
    max_steps: 2_000_000,
    max_cache_bytes: 64 << 20,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ticket {
    /// Returns the counter and adds one.
    Take,
    /// Returns the counter.
    Peek,
}

/// The counter; `rule`: whether it rules out a returned value the counter has passed.
struct Tickets {
    rule: bool,
}

type TicketOp = Operation<Ticket, u32>;

impl Model for Tickets {
    type State = u32;
    type Input = Ticket;
    type Output = u32;

    fn init(&self) -> u32 {
        0
    }

    fn step(&self, state: &u32, input: &Ticket, output: Option<&u32>) -> Option<u32> {
        if output.is_some_and(|value| value != state) {
            return None;
        }
        match input {
            Ticket::Take => Some(state + 1),
            Ticket::Peek => Some(*state),
        }
    }

    fn describe_input(&self, input: &Ticket) -> String {
        format!("{input:?}")
    }

    fn describe_output(&self, output: &u32) -> String {
        output.to_string()
    }

    fn is_read_only(&self, input: &Ticket, _output: Option<&u32>) -> bool {
        *input == Ticket::Peek
    }

    fn may_be_ruled_out(&self, _input: &Ticket, _output: &u32) -> bool {
        self.rule
    }

    /// The counter only grows.
    fn rules_out(&self, state: &u32, _input: &Ticket, output: &u32) -> bool {
        assert!(self.rule, "asked only when it may rule out");
        state > output
    }
}

const RULING: Tickets = Tickets { rule: true };
const PLAIN: Tickets = Tickets { rule: false };

fn op(client: u64, call: u64, ret: Option<u64>, input: Ticket, output: u32) -> TicketOp {
    Operation {
        client,
        call,
        ret,
        input,
        output: ret.map(|_| output),
        after: vec![],
        shown_call: call,
    }
}

fn take(client: u64, call: u64, ret: u64, ticket: u32) -> TicketOp {
    op(client, call, Some(ret), Ticket::Take, ticket)
}

/// A take whose reply was lost: it took a ticket at some point after `call`, or never did.
fn lost_take(client: u64, call: u64) -> TicketOp {
    op(client, call, None, Ticket::Take, 0)
}

fn peek(client: u64, call: u64, ret: u64, ticket: u32) -> TicketOp {
    op(client, call, Some(ret), Ticket::Peek, ticket)
}

fn explained(report: &Report) -> Option<Vec<usize>> {
    report
        .partitions
        .iter()
        .find_map(|partition| match &partition.verdict {
            PartitionVerdict::NotLinearizable { explanation } => Some(explanation.ops.clone()),
            _ => None,
        })
}

/// Checks `ops` with and without ruling out: the same verdict, and an explanation that fails
/// without ruling out as well. Returns the verdict and both searches' steps.
fn compare(ops: &[TicketOp]) -> (Overall, u64, u64) {
    let ruling = check(&RULING, ops, &BUDGET);
    let plain = check(&PLAIN, ops, &BUDGET);
    assert_eq!(ruling.verdict(), plain.verdict(), "{ops:#?}");
    if let Some(members) = explained(&ruling) {
        let subset: Vec<TicketOp> = members.iter().map(|&index| ops[index].clone()).collect();
        assert_eq!(
            check(&PLAIN, &subset, &BUDGET).verdict(),
            Overall::NotLinearizable,
            "the explanation {members:?} fails without ruling out: {ops:#?}"
        );
    }
    let steps = |report: &Report| report.partitions.iter().map(|p| p.steps).sum::<u64>();
    (ruling.verdict(), steps(&ruling), steps(&plain))
}

#[test]
fn returned_tickets_out_of_real_time_order_fail() {
    // Lost takes around them cannot help: the counter never goes back.
    let mut ops: Vec<TicketOp> = (0..6).map(|client| lost_take(client, 0)).collect();
    ops.push(take(7, 10, 20, 3));
    ops.push(take(8, 30, 40, 2));
    assert_eq!(compare(&ops).0, Overall::NotLinearizable);
    // In order, with the lost takes filling the gaps, it passes.
    let last = ops.len() - 1;
    ops[last] = take(8, 30, 40, 5);
    assert_eq!(compare(&ops).0, Overall::Linearizable);
}

#[test]
fn a_ticket_a_lost_take_consumed_is_seen() {
    // The lost take must have taken 0, so the peek after the take of 1 sees 2, never 1.
    let ops = [lost_take(0, 0), take(1, 10, 20, 1), peek(2, 30, 40, 1)];
    assert_eq!(compare(&ops).0, Overall::NotLinearizable);
    let ops = [lost_take(0, 0), take(1, 10, 20, 1), peek(2, 30, 40, 2)];
    assert_eq!(compare(&ops).0, Overall::Linearizable);
    // A value nothing could have reached yet is not ruled out: it fails as before.
    let ops = [lost_take(0, 0), peek(1, 10, 20, 2)];
    assert_eq!(compare(&ops).0, Overall::NotLinearizable);
}

/// Many lost takes and few returned ones: without ruling out, every subset of lost takes that
/// overshoots a ticket is explored; with it, the overshoot is dropped at once.
#[test]
fn ruling_out_prunes_overshooting_lost_takes() {
    let mut ops: Vec<TicketOp> = (0..12).map(|client| lost_take(client, 0)).collect();
    ops.push(take(20, 100, 110, 6));
    ops.push(take(21, 200, 210, 9));
    ops.push(peek(22, 300, 310, 10));
    ops.push(take(23, 400, 410, 3));
    let (verdict, ruling_steps, plain_steps) = compare(&ops);
    assert_eq!(verdict, Overall::NotLinearizable);
    assert!(
        ruling_steps * 4 < plain_steps,
        "{ruling_steps} steps with ruling out, {plain_steps} without"
    );
}

/// A random history of tickets: not necessarily linearizable.
fn random_history(seed: u64) -> Vec<TicketOp> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let count = rng.gen_range(1..=10);
    (0..count)
        .map(|index| {
            let call = rng.gen_range(0..20);
            let ret = rng.gen_bool(0.75).then(|| call + rng.gen_range(0..10));
            let input = if rng.gen_bool(0.7) {
                Ticket::Take
            } else {
                Ticket::Peek
            };
            op(index, call, ret, input, rng.gen_range(0..6))
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    /// Whatever the history, ruling out changes no verdict, and explanations stay genuine.
    #[test]
    fn ruling_out_changes_no_verdict(seed in any::<u64>()) {
        compare(&random_history(seed));
    }
}

//! Tests of the checker on small register histories: each verdict, session order, unknown
//! outcomes, budgets, explanations, and random histories made by running a register.

mod generated;
mod ruling;

use super::minimize::minimize;
use super::models::register::{
    RegisterInput as In, RegisterModel, RegisterOperation, RegisterOutput as Out,
};
use super::search::{search, Limits, Outcome};
use super::unordered::Unordered;
use super::{check, Budget, Overall, PartitionVerdict, Report};

const BUDGET: Budget = Budget {
    max_steps: 1_000_000,
    max_cache_bytes: 64 << 20,
};

const MODEL: RegisterModel = RegisterModel { initial: Some(0) };

/// An operation of `client` over `call..ret` (ret None: never returned).
fn op(
    client: u64,
    call: u64,
    ret: Option<u64>,
    input: In,
    output: Option<Out>,
) -> RegisterOperation {
    RegisterOperation {
        client,
        call,
        ret,
        input,
        output: output.filter(|_| ret.is_some()),
        after: vec![],
        shown_call: call,
    }
}

fn write(client: u64, call: u64, ret: u64, value: i64) -> RegisterOperation {
    op(
        client,
        call,
        Some(ret),
        In::Write(value),
        Some(Out::Written),
    )
}

fn read(client: u64, call: u64, ret: u64, value: i64) -> RegisterOperation {
    op(
        client,
        call,
        Some(ret),
        In::Read,
        Some(Out::Value(Some(value))),
    )
}

fn verdict(ops: &[RegisterOperation]) -> Overall {
    check(&MODEL, ops, &BUDGET).verdict()
}

fn explanation(report: &Report) -> (Vec<usize>, String) {
    for partition in &report.partitions {
        if let PartitionVerdict::NotLinearizable { explanation } = &partition.verdict {
            return (explanation.ops.clone(), explanation.text.clone());
        }
    }
    panic!("no explanation in {report:?}");
}

#[test]
fn each_verdict_on_tiny_histories() {
    assert_eq!(verdict(&[]), Overall::Linearizable);
    assert_eq!(
        verdict(&[write(0, 0, 1, 1), read(1, 2, 3, 1)]),
        Overall::Linearizable
    );
    // A read after the write returned cannot see the old value.
    assert_eq!(
        verdict(&[write(0, 0, 1, 1), read(1, 2, 3, 0)]),
        Overall::NotLinearizable
    );
    // Concurrent with the write, either value is fine.
    assert_eq!(
        verdict(&[write(0, 0, 5, 1), read(1, 2, 3, 0)]),
        Overall::Linearizable
    );
    // But not the new value and then the old one.
    let flip = [write(0, 0, 9, 1), read(1, 1, 2, 1), read(2, 3, 4, 0)];
    assert_eq!(verdict(&flip), Overall::NotLinearizable);
    // Touching intervals overlap.
    assert_eq!(
        verdict(&[write(0, 0, 2, 1), read(1, 2, 3, 0)]),
        Overall::Linearizable
    );
    let budget = Budget {
        max_steps: 1,
        ..BUDGET
    };
    let hard = [
        write(0, 0, 9, 1),
        write(1, 0, 9, 2),
        read(2, 0, 9, 1),
        read(3, 0, 9, 2),
    ];
    assert_eq!(check(&MODEL, &hard, &budget).verdict(), Overall::Unknown);
}

#[test]
fn cas_results() {
    let cas = |client, call, ret, expected, new, output| {
        op(
            client,
            call,
            Some(ret),
            In::Cas { expected, new },
            Some(output),
        )
    };
    let swapped = [cas(0, 0, 1, 0, 5, Out::Swapped), read(1, 2, 3, 5)];
    assert_eq!(verdict(&swapped), Overall::Linearizable);
    let not_swapped = [cas(0, 0, 1, 0, 5, Out::NotSwapped)];
    assert_eq!(verdict(&not_swapped), Overall::NotLinearizable);
    let unknown = [
        op(
            0,
            0,
            None,
            In::Cas {
                expected: 0,
                new: 5,
            },
            None,
        ),
        read(1, 2, 3, 5),
    ];
    assert_eq!(verdict(&unknown), Overall::Linearizable);
}

#[test]
fn session_order_constrains_concurrent_operations() {
    // Concurrent in time, so fine alone; but the session says the write came first.
    let mut ops = vec![write(0, 0, 10, 1), read(0, 1, 9, 0)];
    assert_eq!(verdict(&ops), Overall::Linearizable);
    ops[1].after = vec![0];
    assert_eq!(verdict(&ops), Overall::NotLinearizable);
    // An operation can never follow itself.
    let itself = [RegisterOperation {
        after: vec![0],
        ..read(0, 0, 1, 0)
    }];
    assert_eq!(verdict(&itself), Overall::NotLinearizable);
}

#[test]
fn unknown_outcomes_may_happen_late_or_never() {
    let pending = op(0, 0, None, In::Write(1), None);
    assert_eq!(
        verdict(&[pending.clone(), read(1, 5, 6, 1)]),
        Overall::Linearizable
    );
    assert_eq!(
        verdict(&[pending.clone(), read(1, 5, 6, 0)]),
        Overall::Linearizable
    );
    let later = [
        pending.clone(),
        read(1, 5, 6, 0),
        read(2, 7, 8, 1),
        read(3, 9, 10, 1),
    ];
    assert_eq!(verdict(&later), Overall::Linearizable);
    let undone = [pending.clone(), read(1, 5, 6, 1), read(2, 7, 8, 0)];
    assert_eq!(verdict(&undone), Overall::NotLinearizable);
    // A result without a return is ignored: it never constrains anything.
    assert_eq!(
        verdict(&[op(0, 0, None, In::Read, None)]),
        Overall::Linearizable
    );
}

#[test]
fn a_pending_predecessor_takes_effect_first_or_never() {
    // The session's pending write precedes its later reads if it happens at all.
    let pending = op(0, 0, None, In::Write(1), None);
    let after = |read: RegisterOperation| RegisterOperation {
        after: vec![0],
        ..read
    };
    assert_eq!(
        verdict(&[pending.clone(), after(read(0, 2, 3, 0))]),
        Overall::Linearizable
    );
    assert_eq!(
        verdict(&[pending.clone(), after(read(0, 2, 3, 1))]),
        Overall::Linearizable
    );
    // Seen by another client, then not seen by the session: it happened, so before the read.
    let seen = [pending.clone(), read(1, 1, 2, 1), after(read(0, 3, 4, 0))];
    assert_eq!(verdict(&seen), Overall::NotLinearizable);
    // Not seen by the session, then seen by another client later: it cannot happen after the
    // session's read.
    let late = [pending, after(read(0, 1, 2, 0)), read(1, 3, 4, 1)];
    assert_eq!(verdict(&late), Overall::NotLinearizable);
}

#[test]
fn budgets_give_unknown_never_a_panic() {
    let ops = generated::history(7, 6, 6, false).ops;
    let steps = Budget {
        max_steps: 3,
        ..BUDGET
    };
    let report = check(&MODEL, &ops, &steps);
    assert_eq!(report.verdict(), Overall::Unknown);
    let memory = Budget {
        max_cache_bytes: 100,
        ..BUDGET
    };
    let report = check(&MODEL, &ops, &memory);
    assert_eq!(report.verdict(), Overall::Unknown);
    let PartitionVerdict::Unknown { reason } = &report.partitions[0].verdict else {
        panic!("{report:?}")
    };
    assert!(reason.contains("cache budget"), "{reason}");
}

#[test]
fn explanations_name_a_minimal_subset_in_original_indices() {
    let ops = [
        read(3, 0, 1, 0),
        write(0, 2, 3, 1),
        read(4, 2, 3, 0),
        write(1, 4, 5, 2),
        read(2, 6, 7, 1),
        read(5, 8, 9, 2),
    ];
    let report = check(&MODEL, &ops, &BUDGET);
    let (members, text) = explanation(&report);
    // write 1, then write 2 returned, then a read of 1: stale.
    assert_eq!(members, vec![1, 3, 4], "{text}");
    assert!(text.contains("#4 client 2 6..7 read -> 1"), "{text}");
    assert!(
        text.contains("longest linearizable order: #1, #3"),
        "{text}"
    );
}

#[test]
fn a_value_never_written_is_explained_by_its_read_alone() {
    let ops = [write(0, 0, 1, 1), read(1, 2, 3, 1), read(2, 4, 5, 7)];
    let (members, text) = explanation(&check(&MODEL, &ops, &BUDGET));
    assert_eq!(members, vec![2], "{text}");
    assert!(
        text.contains("removing any one operation makes it linearizable"),
        "{text}"
    );
}

#[test]
fn verdicts_and_explanations_are_deterministic() {
    for seed in 0..20 {
        let ops = generated::history(seed, 4, 6, true).ops;
        assert_eq!(check(&MODEL, &ops, &BUDGET), check(&MODEL, &ops, &BUDGET));
    }
}

/// Checks what the search and ddmin promise: the failing prefix fails alone, the subset fails, and removing any one operation leaves one that
/// is linearizable, unknown, or (when explanations must be explained in some order) not
/// explained in any order found.
fn assert_one_minimal(ops: &[RegisterOperation]) {
    let limits = Limits {
        max_steps: BUDGET.max_steps,
        max_cache_bytes: BUDGET.max_cache_bytes,
    };
    let fails = |members: &[usize]| {
        let sub = super::restrict::restrict(ops, members);
        matches!(
            search(&MODEL, &sub.ops, limits, &mut || false).0,
            Outcome::NotLinearizable { .. }
        )
    };
    let Outcome::NotLinearizable { prefix, longest } = search(&MODEL, ops, limits, &mut || false).0
    else {
        panic!("not a failing history");
    };
    assert!(fails(&prefix), "the failing prefix {prefix:?} fails alone");
    let minimized = minimize(&MODEL, ops, prefix, &longest, limits, &mut || false);
    assert!(minimized.minimal);
    assert!(fails(&minimized.members), "{:?}", minimized.members);
    let unordered = Unordered::new(&MODEL, ops, &longest);
    for &removed in &minimized.members {
        let rest: Vec<usize> = minimized
            .members
            .iter()
            .copied()
            .filter(|&m| m != removed)
            .collect();
        let explained = unordered
            .explains(
                &rest,
                Limits {
                    max_steps: 1 << 14,
                    ..limits
                },
                &mut || false,
            )
            .0;
        assert!(
            !fails(&rest) || (minimized.ordering_only && !explained),
            "removing {removed} from {:?} still fails",
            minimized.members
        );
    }
}

#[test]
fn corrupted_reads_are_mostly_found_and_explained_minimally() {
    let mut found = 0;
    const HISTORIES: u64 = 300;
    for seed in 0..HISTORIES {
        let history = generated::history(seed, 4, 5, true);
        let corrupted = history.corrupted(seed);
        let report = check(&MODEL, &corrupted, &BUDGET);
        assert_ne!(report.verdict(), Overall::Unknown, "seed {seed}");
        if report.verdict() == Overall::NotLinearizable {
            found += 1;
            assert_one_minimal(&corrupted);
        }
    }
    assert!(
        found * 2 > HISTORIES,
        "only {found} of {HISTORIES} corrupted histories found"
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

        /// Histories made by running a register are linearizable, whatever the overlaps,
        /// crashes and session order.
        #[test]
        fn executed_histories_are_linearizable(
            seed in any::<u64>(),
            clients in 1usize..6,
            per_client in 1usize..8,
            sessions in any::<bool>(),
        ) {
            let ops = generated::history(seed, clients, per_client, sessions).ops;
            let report = check(&MODEL, &ops, &BUDGET);
            prop_assert_eq!(report.verdict(), Overall::Linearizable, "{:#?}", ops);
        }
    }
}

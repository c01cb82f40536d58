//! Property tests: any report, however inconsistent (segments that run
//! backwards, deliveries before sends, nodes beyond the ensemble, empty or
//! odd strings, huge times), renders without panicking, into SVGs that
//! parse and a page that inlines all four, the same way every time.

use super::test_support::{file, svg_texts};
use super::*;
use crate::render::sample_report;
use crate::report::{
    CommitPoint, FaultRecord, MessageRecord, OperationRecord, ReplicaTimeline, RoleSegment,
};
use crate::summary::ViolationRecord;
use proptest::prelude::*;

/// Times mostly in a plausible range, sometimes at the extremes.
fn time() -> impl Strategy<Value = u64> {
    prop_oneof![8 => 0u64..20_000_000, 1 => Just(0u64), 1 => Just(u64::MAX / 2)]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z /<>&\"'-]{0,16}",
        "\\PC{0,12}",
        Just("leading".to_string()),
        Just("following".to_string()),
    ]
}

fn segment() -> impl Strategy<Value = RoleSegment> {
    (time(), time(), text(), proptest::option::of(0u32..9)).prop_map(
        |(start_ms, end_ms, role, epoch)| RoleSegment {
            start_ms: start_ms / 1000,
            end_ms: end_ms / 1000,
            role,
            epoch,
        },
    )
}

fn row() -> impl Strategy<Value = ReplicaTimeline> {
    let commit = (time(), 0u64..1_000_000).prop_map(|(t, applied)| CommitPoint {
        time_ms: t / 1000,
        applied,
        zxid: format!("0x{applied:x}"),
    });
    (
        0u32..7,
        prop::collection::vec(segment(), 0..6),
        prop::collection::vec(commit, 0..20),
    )
        .prop_map(|(node, segments, commits)| ReplicaTimeline {
            node,
            segments,
            commits,
        })
}

fn fault() -> impl Strategy<Value = FaultRecord> {
    let nodes = prop::collection::vec(0u32..7, 0..3);
    (time(), proptest::option::of(time()), text(), nodes, text()).prop_map(
        |(at, end, kind, nodes, detail)| FaultRecord {
            at_ms: at / 1000,
            end_ms: end.map(|e| e / 1000),
            kind,
            nodes,
            detail,
        },
    )
}

fn message() -> impl Strategy<Value = MessageRecord> {
    (
        0u32..7,
        0u32..7,
        time(),
        proptest::option::of(time()),
        text(),
    )
        .prop_map(|(from, to, send_us, deliver_us, kind)| MessageRecord {
            from,
            to,
            send_us,
            deliver_us,
            kind,
        })
}

fn operation() -> impl Strategy<Value = OperationRecord> {
    let strings = (text(), text(), text());
    (
        0u64..100,
        0u32..5,
        time(),
        proptest::option::of(time()),
        strings,
        any::<bool>(),
    )
        .prop_map(
            |(id, client, call_us, ret_us, (session, request, outcome), in_violation)| {
                OperationRecord {
                    id,
                    client,
                    session,
                    node: client % 3,
                    call_us,
                    ret_us,
                    request,
                    outcome,
                    in_violation,
                }
            },
        )
}

fn violation() -> impl Strategy<Value = ViolationRecord> {
    (text(), time(), proptest::option::of(0u32..7), text()).prop_map(|(kind, t, node, message)| {
        ViolationRecord {
            kind,
            time_ms: t / 1000,
            node,
            message,
        }
    })
}

prop_compose! {
    fn report()(
        replicas in 0u32..6,
        timeline in prop::collection::vec(row(), 0..5),
        faults in prop::collection::vec(fault(), 0..8),
        messages in prop::collection::vec(message(), 0..40),
        window in (time(), time()),
        operations in prop::collection::vec(operation(), 0..12),
        latencies_us in prop::collection::vec(prop_oneof![0u64..5_000_000, Just(u64::MAX)], 0..50),
        violations in prop::collection::vec(violation(), 0..3),
        scenario in text(),
    ) -> FailureReport {
        FailureReport {
            replicas,
            timeline,
            faults,
            messages,
            message_window_us: [window.0, window.1],
            operations,
            latencies_us,
            violations,
            scenario,
            ..sample_report()
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn any_report_renders_valid_deterministic_files(report in report()) {
        let files = render(&report);
        for plot in [TIMELINE_SVG, MESSAGES_SVG, OPERATIONS_SVG, LATENCY_SVG] {
            let texts = svg_texts(file(&files, plot));
            prop_assert!(!texts.iter().any(|t| t.contains("plot could not be drawn")), "{plot}");
        }
        prop_assert_eq!(file(&files, INDEX_HTML).matches("<svg").count(), 4);
        prop_assert_eq!(&files, &render(&report));
    }
}

//! What no op observes is stored canonical, so that states differing only
//! there are equal (and the search's cache merges them).

use zksim_core::tree::CreateMode;

use super::script::*;
use crate::lincheck::Model;
use crate::zkmodel::{translate, ZkRequest};

/// Runs the translated inputs `order` (indices of write inputs) from the
/// state after the session and `/seq` exist.
fn state_after(script: &Script, order: &[usize], read_children: bool) -> crate::zkmodel::ZkState {
    let mut script = Script {
        history: script.history.clone(),
    };
    if read_children {
        let a = Client {
            id: 0,
            session: zksim_core::ids::SessionId(0x100),
        };
        script.op(a, 200, 210, get("/seq/n-0000000001"), data("x", 0));
    }
    let translation = translate(&script.history);
    let model = &translation.model;
    let ops = &translation.ops;
    let mut state = model.init();
    for op in ops.iter().filter(|op| op.output.is_some()) {
        if !matches!(op.input.request, ZkRequest::GetData { .. }) {
            state = model
                .step(&state, &op.input, op.output.as_ref())
                .expect("the setup is legal");
        }
    }
    let lost: Vec<_> = ops.iter().filter(|op| op.output.is_none()).collect();
    for &index in order {
        state = model
            .step(&state, &lost[index].input, None)
            .expect("an unknown create may happen");
    }
    state
}

#[test]
fn lost_sequential_creates_nobody_reads_commute() {
    let mut s = Script::default();
    let a = s.client(0, 0x100, 0, 5);
    s.op(a, 10, 20, create("/seq", ""), created("/seq", 0));
    s.lost(
        a,
        30,
        create_mode("/seq/n-", "x", CreateMode::PersistentSequential),
    );
    s.lost(
        a,
        40,
        create_mode("/seq/n-", "yy", CreateMode::PersistentSequential),
    );
    assert_eq!(
        state_after(&s, &[0, 1], false),
        state_after(&s, &[1, 0], false)
    );
    // Once someone reads a child's data, the order is observable.
    assert_ne!(
        state_after(&s, &[0, 1], true),
        state_after(&s, &[1, 0], true)
    );
}

//! Random histories made by actually running a CAS register: each client issues operations one
//! after another, each takes effect at a point inside its interval, and the results are what the
//! register returned in the order of those points. Some operations crash (no return) and take
//! effect or not; the client goes on.

use crate::lincheck::models::register::{
    RegisterInput as In, RegisterOperation, RegisterOutput as Out,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub struct Generated {
    pub ops: Vec<RegisterOperation>,
}

/// An operation before it runs: where it takes effect, if it does.
struct Planned {
    op: RegisterOperation,
    point: Option<(u64, u64)>,
}

/// `sessions`: each operation must follow its client's previous one (`after`).
pub fn history(seed: u64, clients: usize, per_client: usize, sessions: bool) -> Generated {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut planned = Vec::new();
    for client in 0..clients as u64 {
        let mut time = rng.gen_range(0..3u64);
        let mut previous = None;
        for _ in 0..per_client {
            let call = time + rng.gen_range(0..3);
            let point = call + rng.gen_range(0..4);
            let ret = point + rng.gen_range(0..4);
            time = ret + 1;
            let crashed = rng.gen_ratio(1, 8);
            let takes_effect = !crashed || rng.gen_bool(0.5);
            let input = match rng.gen_range(0..3) {
                0 => In::Read,
                1 => In::Write(rng.gen_range(0..4)),
                _ => In::Cas {
                    expected: rng.gen_range(0..4),
                    new: rng.gen_range(0..4),
                },
            };
            let after = if sessions {
                previous.into_iter().collect()
            } else {
                vec![]
            };
            previous = Some(planned.len());
            let op = RegisterOperation {
                client,
                call,
                ret: (!crashed).then_some(ret),
                input,
                output: None,
                after,
                shown_call: call,
            };
            planned.push(Planned {
                op,
                point: takes_effect.then_some((point, client)),
            });
        }
    }
    run(&mut planned);
    Generated {
        ops: planned.into_iter().map(|planned| planned.op).collect(),
    }
}

/// Runs the operations that take effect in the order of their points and records the results
/// of those that returned.
fn run(planned: &mut [Planned]) {
    let mut order: Vec<usize> = (0..planned.len())
        .filter(|&i| planned[i].point.is_some())
        .collect();
    order.sort_by_key(|&i| planned[i].point);
    let mut state = 0;
    for index in order {
        let op = &mut planned[index].op;
        let output = match op.input {
            In::Read => Out::Value(Some(state)),
            In::Write(value) => {
                state = value;
                Out::Written
            }
            In::Cas { expected, new } if expected == state => {
                state = new;
                Out::Swapped
            }
            In::Cas { .. } => Out::NotSwapped,
        };
        op.output = op.ret.map(|_| output);
    }
}

impl Generated {
    /// The history with one returned read's value changed (unchanged if it has no read).
    pub fn corrupted(&self, seed: u64) -> Vec<RegisterOperation> {
        let mut ops = self.ops.clone();
        let reads: Vec<usize> = (0..ops.len())
            .filter(|&i| matches!(ops[i].output, Some(Out::Value(Some(_)))))
            .collect();
        if reads.is_empty() {
            return ops;
        }
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
        let target = reads[rng.gen_range(0..reads.len())];
        if let Some(Out::Value(Some(value))) = &mut ops[target].output {
            *value = (*value + rng.gen_range(1..4)) % 4;
        }
        ops
    }
}

//! Histories no correct system would produce (as a file may hold): the
//! translation and the model never panic on them.

use proptest::prelude::*;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use zksim_core::ids::SessionId;
use zksim_core::request::{ClientOp, MultiOp, MultiResult, OpResult};
use zksim_core::tree::{CreateMode, ErrorCode, Stat};

use super::script::BUDGET;
use crate::history::{History, HistoryOp, HistoryRequest, Outcome};
use crate::zkmodel::{check_history, explain};

const PATHS: [&str; 12] = [
    "/",
    "/a",
    "/a/b",
    "",
    "a",
    "/a/",
    "//",
    "/a/..",
    "/s/n-",
    "/s/n-0000000000",
    "/s",
    "/s/",
];

fn path(rng: &mut ChaCha8Rng) -> String {
    PATHS.choose(rng).expect("non-empty").to_string()
}

fn stat(rng: &mut ChaCha8Rng) -> Stat {
    Stat {
        version: rng.gen_range(-2..3),
        cversion: rng.gen_range(-1..3),
        num_children: rng.gen_range(0..3),
        data_length: rng.gen_range(0..3),
        ephemeral_owner: SessionId(rng.gen_range(0..3)),
        ..Stat::default()
    }
}

fn request(rng: &mut ChaCha8Rng) -> HistoryRequest {
    let mode = *[
        CreateMode::Persistent,
        CreateMode::EphemeralSequential,
        CreateMode::PersistentSequential,
    ]
    .choose(rng)
    .expect("non-empty");
    let data = vec![b'x'; rng.gen_range(0..3)];
    let version = rng.gen_range(-2..3);
    match rng.gen_range(0..12) {
        0 => HistoryRequest::CreateSession,
        1 => HistoryRequest::CloseSession,
        2 => HistoryRequest::Expiry,
        3 => HistoryRequest::Op(ClientOp::Create {
            path: path(rng),
            data,
            mode,
        }),
        4 => HistoryRequest::Op(ClientOp::Delete {
            path: path(rng),
            version,
        }),
        5 => HistoryRequest::Op(ClientOp::SetData {
            path: path(rng),
            data,
            version,
        }),
        6 => HistoryRequest::Op(ClientOp::GetData {
            path: path(rng),
            watch: true,
        }),
        7 => HistoryRequest::Op(ClientOp::Exists {
            path: path(rng),
            watch: false,
        }),
        8 => HistoryRequest::Op(ClientOp::GetChildren {
            path: path(rng),
            watch: false,
        }),
        9 => HistoryRequest::Op(ClientOp::Sync { path: path(rng) }),
        10 => HistoryRequest::Op(ClientOp::Multi(Vec::new())),
        _ => HistoryRequest::Op(ClientOp::Multi(vec![
            MultiOp::Create {
                path: path(rng),
                data,
                mode,
            },
            MultiOp::Check {
                path: path(rng),
                version,
            },
            MultiOp::Delete {
                path: path(rng),
                version,
            },
        ])),
    }
}

fn outcome(rng: &mut ChaCha8Rng) -> Outcome {
    let code = *ErrorCode::ALL.choose(rng).expect("non-empty");
    let result = match rng.gen_range(0..11) {
        0 => OpResult::Created {
            path: path(rng),
            stat: stat(rng),
        },
        1 => OpResult::Deleted,
        2 => OpResult::SetData { stat: stat(rng) },
        3 => OpResult::Multi(vec![MultiResult::Error(code); rng.gen_range(0..4)]),
        4 => OpResult::GetData {
            data: vec![b'x'],
            stat: stat(rng),
        },
        5 => OpResult::Exists {
            stat: rng.gen_bool(0.5).then(|| stat(rng)),
        },
        6 => OpResult::GetChildren {
            children: vec![
                "a".to_owned(),
                "b/c".to_owned(),
                String::new(),
                "a".to_owned(),
            ],
            stat: stat(rng),
        },
        7 => OpResult::Synced { path: path(rng) },
        8 => OpResult::SessionCreated {
            session: SessionId(rng.gen_range(0..4)),
            timeout_ms: 1,
        },
        9 => OpResult::WatchesSet,
        _ => OpResult::SessionClosed,
    };
    match rng.gen_range(0..3) {
        0 => Outcome::Ok(result),
        1 => Outcome::Fail(code),
        _ => Outcome::Unknown,
    }
}

fn garbage(seed: u64) -> History {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut history = History::default();
    for _ in 0..rng.gen_range(0..25) {
        let call_us = rng.gen_range(0..50);
        let outcome = outcome(&mut rng);
        let ret_us = match outcome {
            Outcome::Unknown => None,
            _ => Some(call_us + rng.gen_range(0..20)),
        };
        history.ops.push(HistoryOp {
            client: rng.gen_range(0..3),
            session: SessionId(rng.gen_range(0..4)),
            node: 0,
            call_us,
            ret_us,
            request: request(&mut rng),
            outcome,
            reply_zxid: None,
        });
    }
    history
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn nonsense_is_judged_without_panicking(seed in any::<u64>()) {
        let history = garbage(seed);
        let report = check_history(&history, &BUDGET);
        let _ = explain(&history, &report);
    }
}

//! Hand-written histories that read like what happened:
//! `s.write(a, 20, 30, set("/k", "v1", -1), ok_set(1, 2))`.

use zksim_core::ids::SessionId;
use zksim_core::request::{ClientOp, MultiOp, MultiResult, OpResult};
use zksim_core::tree::{CreateMode, ErrorCode, Stat};

use crate::history::{History, HistoryOp, HistoryRequest, Outcome};
use crate::lincheck::{Budget, Overall, Report};
use crate::zkmodel::check_history;

pub const BUDGET: Budget = Budget {
    max_steps: 2_000_000,
    max_cache_bytes: 256 << 20,
};

/// A client with its session.
#[derive(Clone, Copy, Debug)]
pub struct Client {
    pub id: usize,
    pub session: SessionId,
}

#[derive(Default)]
pub struct Script {
    pub history: History,
}

impl Script {
    /// A client whose session was created in `call..ret`.
    pub fn client(&mut self, id: usize, session: u64, call: u64, ret: u64) -> Client {
        let session = SessionId(session);
        self.push(
            id,
            session,
            call,
            Some(ret),
            HistoryRequest::CreateSession,
            Outcome::Ok(OpResult::SessionCreated {
                session,
                timeout_ms: 10_000,
            }),
        );
        Client { id, session }
    }

    pub fn push(
        &mut self,
        client: usize,
        session: SessionId,
        call: u64,
        ret: Option<u64>,
        request: HistoryRequest,
        outcome: Outcome,
    ) -> usize {
        self.history.ops.push(HistoryOp {
            client,
            session,
            node: 0,
            call_us: call,
            ret_us: ret,
            request,
            outcome,
            reply_zxid: None,
        });
        self.history.ops.len() - 1
    }

    pub fn op(&mut self, client: Client, call: u64, ret: u64, op: ClientOp, outcome: Outcome) {
        self.push(
            client.id,
            client.session,
            call,
            Some(ret),
            HistoryRequest::Op(op),
            outcome,
        );
    }

    /// An op whose reply never came.
    pub fn lost(&mut self, client: Client, call: u64, op: ClientOp) {
        self.push(
            client.id,
            client.session,
            call,
            None,
            HistoryRequest::Op(op),
            Outcome::Unknown,
        );
    }

    pub fn close(&mut self, client: Client, call: u64, ret: u64) {
        self.push(
            client.id,
            client.session,
            call,
            Some(ret),
            HistoryRequest::CloseSession,
            Outcome::Ok(OpResult::SessionClosed),
        );
    }

    /// The client learned at `learned` that its session expired.
    pub fn expired(&mut self, client: Client, learned: u64) {
        self.push(
            client.id,
            client.session,
            learned,
            Some(learned),
            HistoryRequest::Expiry,
            Outcome::Fail(ErrorCode::SessionExpired),
        );
    }

    pub fn check(&self) -> Report {
        check_history(&self.history, &BUDGET)
    }

    pub fn verdict(&self) -> Overall {
        self.check().verdict()
    }
}

/// Checks the script's history and asserts its verdict, explaining a surprise.
pub fn assert_verdict(script: &Script, expected: Overall) {
    let report = script.check();
    assert_eq!(
        report.verdict(),
        expected,
        "{}",
        crate::zkmodel::explain(&script.history, &report)
    );
}

pub fn create(path: &str, data: &str) -> ClientOp {
    create_mode(path, data, CreateMode::Persistent)
}

pub fn create_mode(path: &str, data: &str, mode: CreateMode) -> ClientOp {
    ClientOp::Create {
        path: path.to_owned(),
        data: data.as_bytes().to_vec(),
        mode,
    }
}

pub fn set(path: &str, data: &str, version: i32) -> ClientOp {
    ClientOp::SetData {
        path: path.to_owned(),
        data: data.as_bytes().to_vec(),
        version,
    }
}

pub fn delete(path: &str, version: i32) -> ClientOp {
    ClientOp::Delete {
        path: path.to_owned(),
        version,
    }
}

pub fn get(path: &str) -> ClientOp {
    ClientOp::GetData {
        path: path.to_owned(),
        watch: false,
    }
}

pub fn exists(path: &str) -> ClientOp {
    ClientOp::Exists {
        path: path.to_owned(),
        watch: false,
    }
}

pub fn children(path: &str) -> ClientOp {
    ClientOp::GetChildren {
        path: path.to_owned(),
        watch: false,
    }
}

pub fn sync(path: &str) -> ClientOp {
    ClientOp::Sync {
        path: path.to_owned(),
    }
}

pub fn multi_set(path: &str, data: &str, version: i32) -> MultiOp {
    MultiOp::SetData {
        path: path.to_owned(),
        data: data.as_bytes().to_vec(),
        version,
    }
}

pub fn stat(version: i32, data_length: usize) -> Stat {
    Stat {
        version,
        data_length: data_length as u32,
        ..Stat::default()
    }
}

pub fn created(path: &str, data_length: usize) -> Outcome {
    Outcome::Ok(OpResult::Created {
        path: path.to_owned(),
        stat: stat(0, data_length),
    })
}

pub fn created_by(path: &str, data_length: usize, owner: SessionId) -> Outcome {
    Outcome::Ok(OpResult::Created {
        path: path.to_owned(),
        stat: Stat {
            ephemeral_owner: owner,
            ..stat(0, data_length)
        },
    })
}

pub fn set_ok(version: i32, data_length: usize) -> Outcome {
    Outcome::Ok(OpResult::SetData {
        stat: stat(version, data_length),
    })
}

pub fn data(value: &str, version: i32) -> Outcome {
    Outcome::Ok(OpResult::GetData {
        data: value.as_bytes().to_vec(),
        stat: stat(version, value.len()),
    })
}

pub fn exists_ok(found: Option<Stat>) -> Outcome {
    Outcome::Ok(OpResult::Exists { stat: found })
}

pub fn children_ok(names: &[&str], cversion: i32) -> Outcome {
    Outcome::Ok(OpResult::GetChildren {
        children: names.iter().map(|name| (*name).to_owned()).collect(),
        stat: Stat {
            cversion,
            num_children: names.len() as u32,
            ..Stat::default()
        },
    })
}

pub fn synced(path: &str) -> Outcome {
    Outcome::Ok(OpResult::Synced {
        path: path.to_owned(),
    })
}

pub fn multi_ok(results: Vec<MultiResult>) -> Outcome {
    Outcome::Ok(OpResult::Multi(results))
}

pub fn fail(code: ErrorCode) -> Outcome {
    Outcome::Fail(code)
}

pub const DELETED: Outcome = Outcome::Ok(OpResult::Deleted);

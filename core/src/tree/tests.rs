//! Tests of the tree as a whole: a harness that plays the leader (prepare,
//! then apply, then log), the laws under random op sequences, one unit test
//! per error code, and snapshot loading against a model.

mod errors;
mod laws;
mod load;

use super::DataTree;
use crate::ids::{Epoch, SessionId, Zxid};
use crate::request::{ClientOp, MultiResult, OpOutcome, OpResult};
use crate::txn::{Txn, TxnHeader};

/// The leader's loop in miniature: every write is prepared, applied and logged.
struct Harness {
    tree: DataTree,
    log: Vec<(TxnHeader, Txn)>,
    counter: u32,
    next_session: u64,
    time_ms: u64,
}

impl Harness {
    fn new() -> Harness {
        Harness {
            tree: DataTree::new(),
            log: Vec::new(),
            counter: 0,
            next_session: 0x100,
            time_ms: 1_000,
        }
    }

    fn header(&mut self, session: SessionId) -> TxnHeader {
        self.counter += 1;
        self.time_ms += 7;
        TxnHeader {
            session,
            cxid: self.counter,
            zxid: Zxid::new(Epoch(1), self.counter),
            time_ms: self.time_ms,
        }
    }

    fn commit(&mut self, header: TxnHeader, txn: Txn) -> OpOutcome {
        let outcome = self.tree.apply(&header, &txn);
        check_outcome(&txn, &outcome);
        assert_eq!(self.tree.last_processed_zxid(), header.zxid);
        self.log.push((header, txn));
        outcome
    }

    fn create_session(&mut self) -> SessionId {
        self.next_session += 1;
        let session = SessionId(self.next_session);
        let header = self.header(session);
        let txn = self.tree.prepare_create_session(30_000);
        assert_eq!(
            self.commit(header, txn),
            Ok(OpResult::SessionCreated {
                session,
                timeout_ms: 30_000
            })
        );
        session
    }

    fn close_session(&mut self, session: SessionId) -> OpOutcome {
        let header = self.header(session);
        let txn = self.tree.prepare_close_session(session);
        self.commit(header, txn)
    }

    fn write(&mut self, session: SessionId, op: &ClientOp) -> OpOutcome {
        let header = self.header(session);
        let txn = self.tree.prepare(&header, op);
        self.commit(header, txn)
    }
}

/// `apply` fails exactly as `prepare` said it would, and only then.
fn check_outcome(txn: &Txn, outcome: &OpOutcome) {
    match txn {
        Txn::Error { code } => assert_eq!(outcome, &Err(*code)),
        Txn::MultiError { results } => {
            let expected: Vec<MultiResult> = results
                .iter()
                .map(|code| MultiResult::Error(*code))
                .collect();
            assert_eq!(outcome, &Ok(OpResult::Multi(expected)));
        }
        Txn::Multi(txns) => match outcome {
            Ok(OpResult::Multi(results)) => {
                assert_eq!(results.len(), txns.len());
                assert!(
                    results
                        .iter()
                        .all(|result| !matches!(result, MultiResult::Error(_))),
                    "{results:?}"
                );
            }
            other => panic!("multi {txns:?} applied as {other:?}"),
        },
        _ => assert!(outcome.is_ok(), "{txn:?} applied as {outcome:?}"),
    }
}

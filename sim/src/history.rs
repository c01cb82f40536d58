//! What every client saw: each operation with its virtual invocation and
//! completion times, its session and server, and its outcome (ok, failed, or
//! unknown after a lost connection), plus every watch event delivered. The
//! linearizability and watch checks read it; nothing in the run depends on it.

use zksim_core::ids::{SessionId, Zxid};
use zksim_core::request::{ClientOp, OpResult};
use zksim_core::tree::ErrorCode;
use zksim_core::watch::WatchEvent;

/// What a client asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HistoryRequest {
    /// Open a new session (the outcome carries its id).
    CreateSession,
    /// A data-tree operation of the session.
    Op(ClientOp),
    /// Close the session: its ephemerals are deleted.
    CloseSession,
    /// Not asked for: the ensemble expired the session. Recorded when the
    /// client learns of it (`ret_us`), or at the end of the run with an unknown
    /// outcome for a session that was neither closed nor known to be expired.
    Expiry,
}

/// How an operation ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Ok(OpResult),
    /// The server answered with an error: for a write, it had no effect.
    Fail(ErrorCode),
    /// The connection was lost first: it may or may not have taken effect.
    Unknown,
}

/// One operation of one client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryOp {
    pub client: usize,
    /// The session; `SessionId::NONE` for a createSession whose outcome is unknown.
    pub session: SessionId,
    /// The server the request was sent to.
    pub node: u32,
    pub call_us: u64,
    /// None when the outcome is unknown.
    pub ret_us: Option<u64>,
    pub request: HistoryRequest,
    pub outcome: Outcome,
    /// The zxid the server reported with its reply: a hint to search faster, never trusted.
    pub reply_zxid: Option<Zxid>,
}

/// A watch event as a client received it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WatchDelivery {
    pub client: usize,
    pub session: SessionId,
    pub time_us: u64,
    pub event: WatchEvent,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct History {
    /// In invocation order.
    pub ops: Vec<HistoryOp>,
    pub watches: Vec<WatchDelivery>,
}

impl History {
    /// Starts an operation; returns its index for `complete`.
    pub fn invoke(
        &mut self,
        client: usize,
        session: SessionId,
        node: u32,
        call_us: u64,
        request: HistoryRequest,
    ) -> usize {
        debug_assert!(self.ops.last().is_none_or(|last| last.call_us <= call_us));
        self.ops.push(HistoryOp {
            client,
            session,
            node,
            call_us,
            ret_us: None,
            request,
            outcome: Outcome::Unknown,
            reply_zxid: None,
        });
        self.ops.len() - 1
    }

    /// Ends an operation with a reply.
    pub fn complete(&mut self, index: usize, ret_us: u64, outcome: Outcome, reply_zxid: Zxid) {
        let op = &mut self.ops[index];
        assert!(op.ret_us.is_none(), "an operation completes once");
        assert!(ret_us >= op.call_us, "a reply follows its request");
        assert!(
            !matches!(outcome, Outcome::Unknown),
            "an unknown outcome is the absence of a reply"
        );
        if let Outcome::Ok(OpResult::SessionCreated { session, .. }) = &outcome {
            op.session = *session;
        }
        op.ret_us = Some(ret_us);
        op.outcome = outcome;
        op.reply_zxid = Some(reply_zxid);
    }
}

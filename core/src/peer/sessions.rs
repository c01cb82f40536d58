//! The leader's session tracker (ZooKeeper's `SessionTrackerImpl`): every
//! session has a deadline in ticks, pushed back whenever a replica reports it
//! connected; a session past its deadline is expired by a closeSession txn,
//! which deletes its ephemerals. A new leader gives every session a full
//! timeout, as ZooKeeper does.

use crate::ids::SessionId;
use std::collections::BTreeMap;

/// Negotiated session timeouts are clamped to 2–20 ticks (ZooKeeper's
/// minSessionTimeout and maxSessionTimeout defaults).
pub const MIN_SESSION_TICKS: u64 = 2;
pub const MAX_SESSION_TICKS: u64 = 20;

/// Clamps a requested timeout to what the ensemble grants.
pub fn negotiate_timeout_ms(requested_ms: u32, tick_ms: u64) -> u32 {
    assert!(tick_ms > 0, "a tick has a length");
    let low = MIN_SESSION_TICKS * tick_ms;
    let high = MAX_SESSION_TICKS * tick_ms;
    let granted = u64::from(requested_ms).clamp(low, high);
    u32::try_from(granted).unwrap_or(u32::MAX)
}

/// A timeout in whole ticks, rounded up.
pub fn timeout_ticks(timeout_ms: u32, tick_ms: u64) -> u64 {
    u64::from(timeout_ms).div_ceil(tick_ms).max(1)
}

#[derive(Debug)]
struct Tracked {
    timeout_ticks: u64,
    deadline_tick: u64,
    /// A closeSession is proposed: do not expire it twice.
    closing: bool,
}

#[derive(Debug, Default)]
pub struct SessionTracker {
    sessions: BTreeMap<SessionId, Tracked>,
}

impl SessionTracker {
    /// Tracks every open session with a full timeout from `now_tick`.
    pub fn start(open: &BTreeMap<SessionId, u32>, tick_ms: u64, now_tick: u64) -> SessionTracker {
        let mut tracker = SessionTracker::default();
        for (session, timeout_ms) in open {
            tracker.add(*session, *timeout_ms, tick_ms, now_tick);
        }
        tracker
    }

    pub fn add(&mut self, session: SessionId, timeout_ms: u32, tick_ms: u64, now_tick: u64) {
        assert_ne!(session, SessionId::NONE, "a real session");
        let timeout_ticks = timeout_ticks(timeout_ms, tick_ms);
        let tracked = Tracked {
            timeout_ticks,
            deadline_tick: now_tick + timeout_ticks,
            closing: false,
        };
        let previous = self.sessions.insert(session, tracked);
        assert!(previous.is_none(), "session {session:?} created twice");
    }

    /// The session's closeSession txn was proposed (by its client or by expiry).
    pub fn remove(&mut self, session: SessionId) {
        self.sessions.remove(&session);
    }

    /// A replica reports the session connected: its deadline moves back.
    pub fn touch(&mut self, session: SessionId, now_tick: u64) {
        if let Some(tracked) = self.sessions.get_mut(&session) {
            tracked.deadline_tick = tracked.deadline_tick.max(now_tick + tracked.timeout_ticks);
        }
    }

    /// Sessions past their deadline, each returned once.
    pub fn expire(&mut self, now_tick: u64) -> Vec<SessionId> {
        let mut expired = Vec::new();
        for (session, tracked) in &mut self.sessions {
            if !tracked.closing && tracked.deadline_tick < now_tick {
                tracked.closing = true;
                expired.push(*session);
            }
        }
        expired
    }

    /// The sessions tracked, in order.
    pub fn tracked(&self) -> impl Iterator<Item = SessionId> + '_ {
        self.sessions.keys().copied()
    }

    /// How many sessions are tracked.
    pub fn count(&self) -> usize {
        self.sessions.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_are_clamped_to_two_to_twenty_ticks() {
        assert_eq!(negotiate_timeout_ms(1, 100), 200);
        assert_eq!(negotiate_timeout_ms(1_500, 100), 1_500);
        assert_eq!(negotiate_timeout_ms(60_000, 100), 2_000);
        assert_eq!(timeout_ticks(1_550, 100), 16);
    }

    #[test]
    fn a_session_expires_once_its_deadline_passes_unless_touched() {
        let mut tracker = SessionTracker::default();
        tracker.add(SessionId(7), 300, 100, 10);
        tracker.add(SessionId(8), 300, 100, 10);
        assert!(tracker.expire(13).is_empty(), "deadline 13 not yet passed");
        tracker.touch(SessionId(8), 12);
        assert_eq!(tracker.expire(14), vec![SessionId(7)]);
        assert!(tracker.expire(14).is_empty(), "each expiry reported once");
        assert_eq!(tracker.expire(16), vec![SessionId(8)]);
        tracker.remove(SessionId(7));
        assert!(tracker.tracked().eq([SessionId(8)]));
    }
}

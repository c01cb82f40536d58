//! ZooKeeper recipes run by dedicated clients, on the same client library.
//!
//! Lock: each contender creates an ephemeral-sequential node under `/lock`
//! (named with its client id and round, so that after a lost reply it can
//! find its node again), lists the children, holds the lock when its node is
//! the lowest, and otherwise watches its predecessor with `exists`. The
//! client is naive in ZooKeeper's documented way: it believes it holds the
//! lock until it releases it or learns that its session expired.
//!
//! Configuration: one writer sets `/config` to 1, 2, … ; readers read it with
//! a watch and read again at each event, so they must end on the last value.

use super::clients::Client;
use super::{RunPhase, World};
use crate::checker::recipes::{Hold, HoldEnd};
use zksim_core::ids::SessionId;
use zksim_core::request::{ClientOp, OpResult};
use zksim_core::server::Reply;
use zksim_core::tree::{CreateMode, ErrorCode};
use zksim_core::watch::WatchEvent;

pub const LOCK_PATH: &str = "/lock";
pub const CONFIG_PATH: &str = "/config";
/// Rounds of acquire and release per lock client.
const LOCK_ROUNDS: u32 = 1_000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LockStep {
    Setup,
    Enqueue,
    List,
    /// The full path of the node just before ours.
    WatchPredecessor(String),
    /// Waiting for the predecessor's watch event: no request.
    Waiting(String),
    /// Holding the lock until then.
    Holding {
        until_us: u64,
    },
    Release,
}

#[derive(Clone, Debug)]
pub struct LockClient {
    pub step: LockStep,
    pub round: u32,
    /// This round's node (its full path), once known.
    pub node: Option<String>,
    /// When the client started believing it holds the lock, with its session.
    pub holding_since: Option<(u64, SessionId)>,
    /// When it sent the delete that gives the lock up (it stops relying on it then).
    pub release_sent_us: Option<u64>,
}

#[derive(Clone, Debug)]
pub enum Recipe {
    Lock(LockClient),
    ConfigWriter {
        written: u32,
    },
    /// `reading`: a read is due (at start, and after every event).
    ConfigReader {
        reading: bool,
        last_value: Option<Vec<u8>>,
    },
}

impl Recipe {
    pub fn lock() -> Recipe {
        Recipe::Lock(LockClient {
            step: LockStep::Setup,
            round: 0,
            node: None,
            holding_since: None,
            release_sent_us: None,
        })
    }

    /// Whether this client keeps acting while outstanding requests drain.
    pub fn acts_while_draining(&self) -> bool {
        matches!(self, Recipe::ConfigReader { .. })
    }
}

/// The run's clients: the op-mix clients, then the lock contenders, then the
/// configuration writer and its readers.
pub(super) fn clients(workload: &crate::scenario::Workload) -> Vec<Client> {
    let recipes = &workload.recipes;
    let mut kinds: Vec<Option<Recipe>> = Vec::new();
    kinds.extend((0..workload.clients).map(|_| None));
    kinds.extend((0..recipes.lock_clients).map(|_| Some(Recipe::lock())));
    if recipes.config_readers > 0 {
        kinds.push(Some(Recipe::ConfigWriter { written: 0 }));
        kinds.extend((0..recipes.config_readers).map(|_| {
            Some(Recipe::ConfigReader {
                reading: true,
                last_value: None,
            })
        }));
    }
    kinds
        .into_iter()
        .enumerate()
        .map(|(id, recipe)| {
            let mut client = Client::new(id);
            client.recipe = recipe;
            client
        })
        .collect()
}

fn lock_prefix(client: usize, round: u32) -> String {
    format!("c{client}-r{round}-")
}

fn sequence_of(name: &str) -> &str {
    &name[name.len().saturating_sub(10)..]
}

impl World {
    /// The recipe's next request; None while it waits (for a watch event or its hold time).
    pub(super) fn recipe_next_op(&mut self, id: usize) -> Option<ClientOp> {
        let writes = self.scenario.workload.recipes.config_writes;
        let now = self.queue.now_us();
        let client = &mut self.clients[id];
        let recipe = client.recipe.as_mut().expect("a recipe client");
        match recipe {
            Recipe::Lock(lock) => lock_op(id, lock, now),
            Recipe::ConfigWriter { written } => {
                if *written >= writes {
                    return None;
                }
                Some(if *written == 0 {
                    ClientOp::Create {
                        path: CONFIG_PATH.into(),
                        data: b"0".to_vec(),
                        mode: CreateMode::Persistent,
                    }
                } else {
                    ClientOp::SetData {
                        path: CONFIG_PATH.into(),
                        data: written.to_string().into_bytes(),
                        version: -1,
                    }
                })
            }
            Recipe::ConfigReader { reading, .. } => reading.then(|| ClientOp::GetData {
                path: CONFIG_PATH.into(),
                watch: true,
            }),
        }
    }

    /// Whether a recipe client is finished (it closes its session).
    pub(super) fn recipe_done(&self, id: usize) -> bool {
        match &self.clients[id].recipe {
            Some(Recipe::Lock(lock)) => lock.round >= LOCK_ROUNDS,
            Some(Recipe::ConfigWriter { written }) => {
                *written >= self.scenario.workload.recipes.config_writes
            }
            Some(Recipe::ConfigReader { .. }) | None => false,
        }
    }

    pub(super) fn recipe_on_reply(&mut self, id: usize, op: &ClientOp, reply: &Reply) {
        let now = self.queue.now_us();
        let session = self.clients[id].session.unwrap_or(SessionId::NONE);
        let hold_ms = self.scenario.workload.recipes.lock_hold_ms;
        let Some(recipe) = self.clients[id].recipe.as_mut() else {
            return;
        };
        match recipe {
            Recipe::Lock(lock) => {
                let event = lock_on_reply(id, lock, op, reply, now, session);
                if let Some(event) = event {
                    match event {
                        LockEvent::Acquired => {
                            self.probe("lock-acquired");
                            let [low, high] = hold_ms;
                            let hold_us =
                                rand::Rng::gen_range(&mut self.rng_workload, low..=high) * 1000;
                            if let Some(Recipe::Lock(lock)) = self.clients[id].recipe.as_mut() {
                                lock.step = LockStep::Holding {
                                    until_us: now + hold_us,
                                };
                            }
                            self.queue
                                .schedule_in(hold_us, super::Event::ClientWake { client: id });
                        }
                        LockEvent::Released(hold) => {
                            self.probe("lock-released");
                            self.lock_holds.push(hold);
                        }
                    }
                }
            }
            Recipe::ConfigWriter { written } => {
                let created_or_exists = matches!(
                    (&reply.outcome, op),
                    (Ok(_), _) | (Err(ErrorCode::NodeExists), ClientOp::Create { .. })
                );
                if created_or_exists {
                    *written += 1;
                }
            }
            Recipe::ConfigReader {
                reading,
                last_value,
            } => match &reply.outcome {
                Ok(OpResult::GetData { data, .. }) => {
                    *reading = false;
                    *last_value = Some(data.clone());
                }
                // Not created yet: wait a little and read again.
                _ => *reading = true,
            },
        }
    }

    /// A watch event reached a recipe client.
    pub(super) fn recipe_on_watch(&mut self, id: usize, event: &WatchEvent) {
        let Some(recipe) = self.clients[id].recipe.as_mut() else {
            return;
        };
        match recipe {
            Recipe::Lock(lock) => {
                if matches!(&lock.step, LockStep::Waiting(p) if *p == event.path) {
                    lock.step = LockStep::List;
                }
            }
            Recipe::ConfigReader { reading, .. } if event.path == CONFIG_PATH => *reading = true,
            Recipe::ConfigReader { .. } | Recipe::ConfigWriter { .. } => return,
        }
        if self.clients[id].awaiting.is_none() {
            self.think(id);
        }
    }

    /// The client learned that its session expired: the recipe starts over.
    pub(super) fn recipe_on_expired(&mut self, id: usize) {
        let now = self.queue.now_us();
        let Some(recipe) = self.clients[id].recipe.as_mut() else {
            return;
        };
        match recipe {
            Recipe::Lock(lock) => {
                if let Some((since_us, session)) = lock.holding_since.take() {
                    let (end_us, end) = match lock.release_sent_us.take() {
                        Some(sent_us) => (sent_us, HoldEnd::Released),
                        None => (now, HoldEnd::LearnedExpiry),
                    };
                    self.lock_holds.push(Hold {
                        client: id,
                        session,
                        start_us: since_us,
                        end_us,
                        end,
                    });
                }
                if lock.step == LockStep::Release {
                    lock.round += 1;
                }
                let was_holding = matches!(lock.step, LockStep::Holding { .. });
                lock.step = LockStep::Setup;
                lock.node = None;
                if was_holding {
                    self.probe("lock-holder-expired");
                }
            }
            Recipe::ConfigReader { reading, .. } => *reading = true,
            Recipe::ConfigWriter { .. } => {}
        }
    }

    /// After a lost connection the lock client lists the children again (its
    /// node may or may not exist) unless it holds the lock or was waiting.
    pub(super) fn recipe_on_connection_lost(&mut self, id: usize) {
        if let Some(Recipe::Lock(lock)) = self.clients[id].recipe.as_mut() {
            if matches!(lock.step, LockStep::Enqueue | LockStep::WatchPredecessor(_)) {
                lock.step = LockStep::List;
            }
        }
    }

    /// The end of the run: holds still believed count up to now; readers report.
    pub(super) fn end_recipes(&mut self) -> Vec<(usize, Option<Vec<u8>>)> {
        let now = self.queue.now_us();
        let mut readers = Vec::new();
        for id in 0..self.clients.len() {
            match self.clients[id].recipe.as_mut() {
                Some(Recipe::Lock(lock)) => {
                    if let Some((start_us, session)) = lock.holding_since.take() {
                        self.lock_holds.push(Hold {
                            client: id,
                            session,
                            start_us,
                            end_us: now,
                            end: HoldEnd::RunEnded,
                        });
                    }
                }
                Some(Recipe::ConfigReader { last_value, .. }) => {
                    readers.push((id, last_value.clone()))
                }
                _ => {}
            }
        }
        readers
    }

    pub(super) fn recipe_may_act(&self, id: usize) -> bool {
        let recipe = self.clients[id].recipe.as_ref();
        self.phase < RunPhase::Draining
            || (self.phase == RunPhase::Draining && recipe.is_some_and(Recipe::acts_while_draining))
    }
}

enum LockEvent {
    Acquired,
    Released(Hold),
}

fn lock_op(id: usize, lock: &mut LockClient, now: u64) -> Option<ClientOp> {
    Some(match &lock.step {
        LockStep::Setup => ClientOp::Create {
            path: LOCK_PATH.into(),
            data: Vec::new(),
            mode: CreateMode::Persistent,
        },
        LockStep::Enqueue => ClientOp::Create {
            path: format!("{LOCK_PATH}/{}", lock_prefix(id, lock.round)),
            data: Vec::new(),
            mode: CreateMode::EphemeralSequential,
        },
        LockStep::List => ClientOp::GetChildren {
            path: LOCK_PATH.into(),
            watch: false,
        },
        LockStep::WatchPredecessor(path) => ClientOp::Exists {
            path: path.clone(),
            watch: true,
        },
        LockStep::Waiting(_) => return None,
        LockStep::Holding { until_us } if *until_us > now => return None,
        LockStep::Holding { .. } => {
            lock.step = LockStep::Release;
            lock.release_sent_us = Some(now);
            ClientOp::Delete {
                path: lock.node.clone().expect("a holder has its node"),
                version: -1,
            }
        }
        LockStep::Release => ClientOp::Delete {
            path: lock.node.clone().expect("a holder has its node"),
            version: -1,
        },
    })
}

fn lock_on_reply(
    id: usize,
    lock: &mut LockClient,
    op: &ClientOp,
    reply: &Reply,
    now: u64,
    session: SessionId,
) -> Option<LockEvent> {
    match (&lock.step, &reply.outcome) {
        (LockStep::Setup, Ok(_) | Err(ErrorCode::NodeExists)) => lock.step = LockStep::Enqueue,
        (LockStep::Enqueue, Ok(OpResult::Created { path, .. })) => {
            lock.node = Some(path.clone());
            lock.step = LockStep::List;
        }
        (LockStep::List, Ok(OpResult::GetChildren { children, .. })) => {
            let prefix = lock_prefix(id, lock.round);
            if lock.node.is_none() {
                lock.node = children
                    .iter()
                    .find(|name| name.starts_with(&prefix))
                    .map(|name| format!("{LOCK_PATH}/{name}"));
            }
            let Some(mine) = lock.node.clone() else {
                lock.step = LockStep::Enqueue;
                return None;
            };
            let mine = mine.rsplit('/').next().expect("a path").to_string();
            let mut queue: Vec<&String> = children.iter().collect();
            queue.sort_by_key(|name| sequence_of(name));
            match queue.iter().position(|name| **name == mine) {
                None => {
                    // Our node is gone (our session expired and was replaced): enqueue again.
                    lock.node = None;
                    lock.step = LockStep::Enqueue;
                }
                Some(0) => {
                    lock.step = LockStep::Holding { until_us: now };
                    lock.holding_since = Some((now, session));
                    return Some(LockEvent::Acquired);
                }
                Some(at) => {
                    let predecessor = format!("{LOCK_PATH}/{}", queue[at - 1]);
                    lock.step = LockStep::WatchPredecessor(predecessor);
                }
            }
        }
        (LockStep::WatchPredecessor(name), Ok(OpResult::Exists { stat })) => {
            lock.step = if stat.is_some() {
                LockStep::Waiting(name.clone())
            } else {
                LockStep::List
            };
        }
        (LockStep::Release, _) if matches!(op, ClientOp::Delete { .. }) => {
            let (start_us, session) = lock.holding_since.take().expect("a holder");
            let end_us = lock.release_sent_us.take().expect("a release was sent");
            debug_assert!(end_us <= now);
            lock.node = None;
            lock.round += 1;
            lock.step = LockStep::Enqueue;
            return Some(LockEvent::Released(Hold {
                client: id,
                session,
                start_us,
                end_us,
                end: HoldEnd::Released,
            }));
        }
        // Errors (the parent missing, a session problem): list and retry.
        _ => lock.step = LockStep::List,
    }
    None
}

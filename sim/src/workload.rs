//! Client operations drawn from the scenario's op mix over a small path space:
//! `/k{i}` and `/k{i}/c` for plain and ephemeral nodes, `/seq{j}/n-` and
//! `/seq{j}/e-` for sequential ones (under up to four parents `/seq{j}`, which
//! every client tries to create first and no op deletes, so sequence numbers
//! under them never restart).
//!
//! The space is laid out so that the linearizability checker can split the
//! history: a multi touches one key's subtree only, and no read lists the
//! root's children. Each `/k{i}` subtree and each `/seq{j}` is then checked
//! on its own, and the unknown outcomes spread over several partitions.

use crate::scenario::{OpMix, Workload};
use rand::Rng;
use std::collections::BTreeMap;
use zksim_core::request::{ClientOp, MultiOp};
use zksim_core::tree::CreateMode;

/// The most sequence parents (`/seq0` ...).
const SEQUENCE_PARENTS_MAX: u32 = 4;
const MULTI_OPS_MAX: usize = 4;

/// What a client remembers between ops, to aim versions and deletes.
#[derive(Clone, Debug, Default)]
pub struct ClientMemory {
    /// The last data version seen per path.
    pub versions: BTreeMap<String, i32>,
    /// Sequential nodes this client created.
    pub sequential: Vec<String>,
    /// Values written so far (makes every value unique).
    pub writes: u64,
    /// The read that follows a sync.
    pub after_sync: Option<ClientOp>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Create,
    CreateSequential,
    CreateEphemeral,
    Delete,
    SetData,
    GetData,
    Exists,
    GetChildren,
    Multi,
    Sync,
}

pub struct WorkloadGen {
    config: Workload,
    /// Kinds with their cumulative weights.
    table: Vec<(u64, Kind)>,
}

impl WorkloadGen {
    pub fn new(config: &Workload) -> WorkloadGen {
        let table = cumulative(&config.mix);
        assert!(!table.is_empty(), "validated scenarios have a non-zero mix");
        WorkloadGen {
            config: config.clone(),
            table,
        }
    }

    fn sequence_parents(&self) -> u32 {
        self.config.paths.min(SEQUENCE_PARENTS_MAX)
    }

    /// The client's first ops, one per call: make sure every `/seq{j}` exists.
    pub fn setup_op(&self, step: u32) -> Option<ClientOp> {
        (step < self.sequence_parents()).then(|| ClientOp::Create {
            path: format!("/seq{step}"),
            data: Vec::new(),
            mode: CreateMode::Persistent,
        })
    }

    fn sequence_parent(&self, rng: &mut impl Rng) -> String {
        format!("/seq{}", rng.gen_range(0..self.sequence_parents()))
    }

    pub fn next_op(
        &self,
        client: usize,
        memory: &mut ClientMemory,
        rng: &mut impl Rng,
    ) -> ClientOp {
        if let Some(read) = memory.after_sync.take() {
            return read;
        }
        let total = self.table.last().expect("non-empty").0;
        let pick = rng.gen_range(0..total);
        let kind = self
            .table
            .iter()
            .find(|(cumulative, _)| pick < *cumulative)
            .expect("in range")
            .1;
        match kind {
            Kind::Create => self.create(client, memory, rng, CreateMode::Persistent),
            Kind::CreateEphemeral => self.create(client, memory, rng, CreateMode::Ephemeral),
            Kind::CreateSequential => {
                let ephemeral = rng.gen_bool(0.5);
                let (prefix, mode) = if ephemeral {
                    ("e-", CreateMode::EphemeralSequential)
                } else {
                    ("n-", CreateMode::PersistentSequential)
                };
                let data = self.value(client, memory, rng);
                ClientOp::Create {
                    path: format!("{}/{prefix}", self.sequence_parent(rng)),
                    data,
                    mode,
                }
            }
            Kind::Delete => self.delete(memory, rng),
            Kind::SetData => {
                let path = self.key_path(rng);
                let version = self.version(&path, memory, rng);
                let data = self.value(client, memory, rng);
                ClientOp::SetData {
                    path,
                    data,
                    version,
                }
            }
            Kind::GetData => ClientOp::GetData {
                path: self.key_path(rng),
                watch: self.watch(rng),
            },
            Kind::Exists => ClientOp::Exists {
                path: self.key_path(rng),
                watch: self.watch(rng),
            },
            Kind::GetChildren => {
                // Never "/": reading the root's children would tie every key
                // together for the linearizability checker's partitioning.
                let path = if rng.gen_bool(0.5) {
                    self.sequence_parent(rng)
                } else {
                    self.top_path(rng)
                };
                ClientOp::GetChildren {
                    path,
                    watch: self.watch(rng),
                }
            }
            Kind::Multi => self.multi(client, memory, rng),
            Kind::Sync => {
                let path = self.key_path(rng);
                memory.after_sync = Some(ClientOp::GetData {
                    path: path.clone(),
                    watch: self.watch(rng),
                });
                ClientOp::Sync { path }
            }
        }
    }

    fn create(
        &self,
        client: usize,
        memory: &mut ClientMemory,
        rng: &mut impl Rng,
        mode: CreateMode,
    ) -> ClientOp {
        let path = self.key_path(rng);
        let data = self.value(client, memory, rng);
        ClientOp::Create { path, data, mode }
    }

    fn delete(&self, memory: &mut ClientMemory, rng: &mut impl Rng) -> ClientOp {
        if !memory.sequential.is_empty() && rng.gen_bool(0.3) {
            let index = rng.gen_range(0..memory.sequential.len());
            let path = memory.sequential.swap_remove(index);
            return ClientOp::Delete { path, version: -1 };
        }
        let path = self.key_path(rng);
        let version = self.version(&path, memory, rng);
        ClientOp::Delete { path, version }
    }

    fn multi(&self, client: usize, memory: &mut ClientMemory, rng: &mut impl Rng) -> ClientOp {
        let count = rng.gen_range(2..=MULTI_OPS_MAX);
        let top = self.top_path(rng);
        let ops = (0..count)
            .map(|_| {
                let path = if rng.gen_bool(0.5) {
                    top.clone()
                } else {
                    format!("{top}/c")
                };
                match rng.gen_range(0..4) {
                    0 => MultiOp::Create {
                        data: self.value(client, memory, rng),
                        mode: if rng.gen_bool(0.2) {
                            CreateMode::Ephemeral
                        } else {
                            CreateMode::Persistent
                        },
                        path,
                    },
                    1 => MultiOp::Delete {
                        version: self.version(&path, memory, rng),
                        path,
                    },
                    2 => MultiOp::SetData {
                        data: self.value(client, memory, rng),
                        version: self.version(&path, memory, rng),
                        path,
                    },
                    _ => MultiOp::Check {
                        version: self.version(&path, memory, rng),
                        path,
                    },
                }
            })
            .collect();
        ClientOp::Multi(ops)
    }

    /// -1 (any) half the time, else the last version seen (a compare-and-set).
    fn version(&self, path: &str, memory: &ClientMemory, rng: &mut impl Rng) -> i32 {
        match memory.versions.get(path) {
            Some(version) if rng.gen_bool(0.5) => *version,
            _ if rng.gen_bool(0.5) => -1,
            _ => rng.gen_range(0..3),
        }
    }

    fn watch(&self, rng: &mut impl Rng) -> bool {
        rng.gen_range(0..100) < self.config.watch_percent
    }

    /// `/kN`. (Built by hand, as `key_path` and `value`: these run for every op.)
    fn top_path(&self, rng: &mut impl Rng) -> String {
        let mut path = String::with_capacity(16);
        path.push_str("/k");
        push_decimal(&mut path, u64::from(rng.gen_range(0..self.config.paths)));
        path
    }

    fn key_path(&self, rng: &mut impl Rng) -> String {
        let mut path = self.top_path(rng);
        if rng.gen_bool(0.3) {
            path.push_str("/c");
        }
        path
    }

    /// A unique value: the writer's name and count (`cN-M`), padded with dots to a random
    /// length.
    fn value(&self, client: usize, memory: &mut ClientMemory, rng: &mut impl Rng) -> Vec<u8> {
        memory.writes += 1;
        let [low, high] = self.config.value_bytes;
        let len = rng.gen_range(low..=high) as usize;
        let mut name = String::with_capacity(len.max(24));
        name.push('c');
        push_decimal(&mut name, client as u64);
        name.push('-');
        push_decimal(&mut name, memory.writes);
        let mut value = name.into_bytes();
        value.resize(len.max(value.len()), b'.');
        value
    }
}

/// Appends `value` in decimal, as `format!("{value}")` writes it.
fn push_decimal(text: &mut String, mut value: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    text.push_str(std::str::from_utf8(&digits[start..]).expect("ASCII digits"));
}

fn cumulative(mix: &OpMix) -> Vec<(u64, Kind)> {
    let weights = [
        (mix.create, Kind::Create),
        (mix.create_sequential, Kind::CreateSequential),
        (mix.create_ephemeral, Kind::CreateEphemeral),
        (mix.delete, Kind::Delete),
        (mix.set_data, Kind::SetData),
        (mix.get_data, Kind::GetData),
        (mix.exists, Kind::Exists),
        (mix.get_children, Kind::GetChildren),
        (mix.multi, Kind::Multi),
        (mix.sync, Kind::Sync),
    ];
    let mut total = 0u64;
    weights
        .into_iter()
        .filter(|(weight, _)| *weight > 0)
        .map(|(weight, kind)| {
            total += u64::from(weight);
            (total, kind)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::push_decimal;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn decimals_are_what_format_writes(value in any::<u64>(), small in 0u64..1000) {
            for number in [value, small, 0, u64::MAX] {
                let mut text = String::from("x");
                push_decimal(&mut text, number);
                prop_assert_eq!(text, format!("x{number}"));
            }
        }
    }
}

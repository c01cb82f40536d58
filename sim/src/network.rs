//! `Network`: TCP-like connections between the peers of one simulation, with
//! the network faults of DESIGN.md §3 (resets, delays and delay spikes,
//! partitions: symmetric, one-way, bridge, isolate-leader, minority/majority).
//!
//! The world schedules deliveries itself; the network only decides *whether*
//! and *when* a message arrives:
//!
//! - **Connections.** Each unordered pair {a, b} has one connection, named by
//!   a `generation`. A reset bumps the generation: every message in flight on
//!   the pair (both directions) carries the old generation, and
//!   [`Network::deliverable`] refuses it when it is due.
//! - **FIFO.** A message a→b is due no earlier than the previous message a→b
//!   of the same generation (`at = max(now + latency, previous at)`). Equal
//!   due times rely on the world's queue breaking ties by sequence number,
//!   which keeps scheduling (= send) order.
//! - **Cuts.** Partitions cut single directions. A send over a cut direction
//!   is dropped at once; a message in flight when its direction is cut is
//!   dropped at delivery time. Cutting any direction of a pair also resets the
//!   pair's connection, as a black-holed TCP connection dies.
//!
//! Architecture invariant: nothing here reads a clock or OS randomness; every
//! random choice comes from the RNG the caller passes in, and every collection
//! iterates in a fixed order, so one seed gives one outcome.

use std::collections::BTreeSet;

use petgraph::graph::UnGraph;
use rand::seq::SliceRandom;
use rand::Rng;

/// Largest ensemble the network models.
pub const NODES_MAX: u32 = 64;

/// Largest one-message latency a configuration may ask for (one minute).
pub const LATENCY_US_MAX: u64 = 60_000_000;

/// Message latencies, in virtual microseconds.
#[derive(Clone, Debug, PartialEq)]
pub struct NetworkConfig {
    /// Usual latency, uniform in `[min, max]`.
    pub latency_us: [u64; 2],
    /// Probability that a message takes a spike latency instead.
    pub spike_probability: f64,
    /// Spike latency, uniform in `[min, max]`.
    pub spike_latency_us: [u64; 2],
}

impl Default for NetworkConfig {
    fn default() -> NetworkConfig {
        NetworkConfig {
            latency_us: [200, 2_000],
            spike_probability: 0.0,
            spike_latency_us: [20_000, 200_000],
        }
    }
}

impl NetworkConfig {
    /// Why the configuration cannot be used, if it cannot.
    pub fn validate(&self) -> Result<(), String> {
        for (name, [min, max]) in [
            ("latency_us", self.latency_us),
            ("spike_latency_us", self.spike_latency_us),
        ] {
            if min > max {
                return Err(format!("{name}: min {min} > max {max}"));
            }
            if max > LATENCY_US_MAX {
                return Err(format!("{name}: max {max} > {LATENCY_US_MAX}"));
            }
        }
        if !(0.0..=1.0).contains(&self.spike_probability) {
            return Err(format!(
                "spike_probability {} is not in [0, 1]",
                self.spike_probability
            ));
        }
        Ok(())
    }
}

/// When a sent message is due, and on which connection it travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Delivery {
    pub at_us: u64,
    pub generation: u64,
}

/// A set of cut directions, described the way an operator would.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Partition {
    /// Symmetric: nodes in different groups cannot talk; nodes not listed form one more group.
    Split { groups: Vec<Vec<u32>> },
    /// Asymmetric: messages from any of `from` to any of `to` are dropped; the other direction works.
    OneWay { from: Vec<u32>, to: Vec<u32> },
    /// `left` and `right` cannot talk to each other; `bridge` talks to both.
    Bridge {
        left: Vec<u32>,
        bridge: u32,
        right: Vec<u32>,
    },
    /// One node cut off from all others (both directions).
    Isolate { node: u32 },
}

impl Partition {
    /// Why the partition cannot be applied to `nodes` nodes, if it cannot:
    /// ids out of range, a node listed twice, an empty group or side.
    pub fn validate(&self, nodes: u32) -> Result<(), String> {
        let lists: Vec<&[u32]> = match self {
            Partition::Split { groups } => groups.iter().map(Vec::as_slice).collect(),
            Partition::OneWay { from, to } => vec![from, to],
            Partition::Bridge {
                left,
                bridge,
                right,
            } => vec![left, std::slice::from_ref(bridge), right],
            Partition::Isolate { node } => vec![std::slice::from_ref(node)],
        };
        let mut seen = BTreeSet::new();
        for list in lists {
            if list.is_empty() {
                return Err(format!("{self:?}: an empty group"));
            }
            for &node in list {
                if node >= nodes {
                    return Err(format!("{self:?}: node {node} >= {nodes} nodes"));
                }
                if !seen.insert(node) {
                    return Err(format!("{self:?}: node {node} listed twice"));
                }
            }
        }
        Ok(())
    }

    /// The directions this partition cuts, each (from, to) with from != to.
    fn cut_directions(&self, nodes: u32) -> BTreeSet<(u32, u32)> {
        let both_ways = |left: &[u32], right: &[u32], cuts: &mut BTreeSet<(u32, u32)>| {
            for &a in left {
                for &b in right {
                    cuts.insert((a, b));
                    cuts.insert((b, a));
                }
            }
        };
        let mut cuts = BTreeSet::new();
        match self {
            Partition::Split { groups } => {
                if groups.is_empty() {
                    return cuts;
                }
                let listed: BTreeSet<u32> = groups.iter().flatten().copied().collect();
                let rest: Vec<u32> = (0..nodes).filter(|n| !listed.contains(n)).collect();
                let mut all: Vec<&[u32]> = groups.iter().map(Vec::as_slice).collect();
                all.push(&rest);
                for (i, left) in all.iter().enumerate() {
                    for right in &all[i + 1..] {
                        both_ways(left, right, &mut cuts);
                    }
                }
            }
            Partition::OneWay { from, to } => {
                for &a in from {
                    for &b in to {
                        cuts.insert((a, b));
                    }
                }
            }
            Partition::Bridge { left, right, .. } => both_ways(left, right, &mut cuts),
            Partition::Isolate { node } => {
                let others: Vec<u32> = (0..nodes).filter(|n| n != node).collect();
                both_ways(&[*node], &others, &mut cuts);
            }
        }
        assert!(cuts.iter().all(|&(a, b)| a != b && a < nodes && b < nodes));
        cuts
    }
}

/// The kinds of partition the nemesis draws from (scenario files name them).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum PartitionKind {
    Symmetric,
    Asymmetric,
    Bridge,
    IsolateLeader,
    MinorityMajority,
}

/// The connections and cuts between `nodes` peers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Network {
    nodes: u32,
    /// Directions (from, to) currently cut.
    cuts: BTreeSet<(u32, u32)>,
    /// Connection generation per unordered pair, indexed by `pair_index`.
    generations: Vec<u64>,
    /// (generation, due time) of the latest message per direction, indexed by `direction_index`.
    last_delivery: Vec<(u64, u64)>,
}

impl Network {
    pub fn new(nodes: u32) -> Network {
        assert!(nodes >= 1, "a network needs a node");
        assert!(nodes <= NODES_MAX, "{nodes} nodes > {NODES_MAX}");
        let slots = (nodes as usize) * (nodes as usize);
        Network {
            nodes,
            cuts: BTreeSet::new(),
            generations: vec![0; slots],
            last_delivery: vec![(0, 0); slots],
        }
    }

    pub fn nodes(&self) -> u32 {
        self.nodes
    }

    /// Sends one message from → to at `now_us`: `None` if the direction is
    /// cut (the message is lost), else when it is due and on which connection.
    pub fn send(
        &mut self,
        now_us: u64,
        from: u32,
        to: u32,
        config: &NetworkConfig,
        rng: &mut impl Rng,
    ) -> Option<Delivery> {
        self.assert_pair(from, to);
        debug_assert_eq!(config.validate(), Ok(()));
        if self.is_cut(from, to) {
            return None;
        }
        let spike = config.spike_probability > 0.0 && rng.gen_bool(config.spike_probability);
        let [min, max] = if spike {
            config.spike_latency_us
        } else {
            config.latency_us
        };
        assert!(
            min <= max && max <= LATENCY_US_MAX,
            "bad latency {min}..={max}"
        );
        let latency_us = rng.gen_range(min..=max);
        let generation = self.generation(from, to);
        let direction = self.direction_index(from, to);
        let (last_generation, last_at_us) = self.last_delivery[direction];
        let mut at_us = now_us.checked_add(latency_us).expect("time overflow");
        if last_generation == generation {
            at_us = at_us.max(last_at_us);
        }
        self.last_delivery[direction] = (generation, at_us);
        assert!(at_us >= now_us + min);
        Some(Delivery { at_us, generation })
    }

    /// Whether a message sent on `generation` from → to may be delivered now:
    /// its connection was not reset since and the direction is not cut.
    pub fn deliverable(&self, from: u32, to: u32, generation: u64) -> bool {
        let current = self.generation(from, to);
        assert!(
            generation <= current,
            "generation {generation} from the future"
        );
        generation == current && !self.is_cut(from, to)
    }

    pub fn generation(&self, a: u32, b: u32) -> u64 {
        self.generations[self.pair_index(a, b)]
    }

    /// A connection reset: every message in flight between a and b is lost.
    pub fn reset(&mut self, a: u32, b: u32) {
        let pair = self.pair_index(a, b);
        self.generations[pair] += 1;
        assert!(self.generations[pair] > 0);
    }

    /// A process died: all its connections reset. Returns the peers, sorted.
    pub fn reset_node(&mut self, node: u32) -> Vec<u32> {
        assert!(node < self.nodes, "node {node} >= {} nodes", self.nodes);
        let peers: Vec<u32> = (0..self.nodes).filter(|&peer| peer != node).collect();
        for &peer in &peers {
            self.reset(node, peer);
        }
        assert_eq!(peers.len() as u32, self.nodes - 1);
        peers
    }

    /// Adds the partition's cuts to those in place. Every pair with a newly
    /// cut direction is reset; returns those pairs (a < b), sorted.
    pub fn apply(&mut self, partition: &Partition) -> Vec<(u32, u32)> {
        if let Err(error) = partition.validate(self.nodes) {
            panic!("invalid partition: {error}");
        }
        let mut reset_pairs = BTreeSet::new();
        for (from, to) in partition.cut_directions(self.nodes) {
            if self.cuts.insert((from, to)) {
                reset_pairs.insert((from.min(to), from.max(to)));
            }
        }
        for &(a, b) in &reset_pairs {
            self.reset(a, b);
        }
        self.check_invariants();
        reset_pairs.into_iter().collect()
    }

    /// Removes every cut; connections stay as they are (reset ones stay reset).
    pub fn heal(&mut self) {
        self.cuts.clear();
        assert!(!self.is_partitioned());
    }

    pub fn is_cut(&self, from: u32, to: u32) -> bool {
        self.assert_pair(from, to);
        self.cuts.contains(&(from, to))
    }

    pub fn is_partitioned(&self) -> bool {
        !self.cuts.is_empty()
    }

    /// Whether a and b can exchange messages both ways right now.
    pub fn connected(&self, a: u32, b: u32) -> bool {
        a == b || (!self.is_cut(a, b) && !self.is_cut(b, a))
    }

    /// Groups of nodes that can talk both ways (connected components of the
    /// symmetric reachability graph, so a bridge joins its two sides), each
    /// sorted, groups sorted by smallest member.
    pub fn components(&self) -> Vec<Vec<u32>> {
        let mut graph = UnGraph::<u32, ()>::with_capacity(self.nodes as usize, 0);
        let indices: Vec<_> = (0..self.nodes).map(|node| graph.add_node(node)).collect();
        for a in 0..self.nodes {
            for b in a + 1..self.nodes {
                if self.connected(a, b) {
                    graph.add_edge(indices[a as usize], indices[b as usize], ());
                }
            }
        }
        let mut groups: Vec<Vec<u32>> = petgraph::algo::tarjan_scc(&graph)
            .into_iter()
            .map(|component| {
                let mut group: Vec<u32> = component.into_iter().map(|i| graph[i]).collect();
                group.sort_unstable();
                group
            })
            .collect();
        groups.sort_unstable();
        assert_eq!(
            groups.iter().map(Vec::len).sum::<usize>(),
            self.nodes as usize
        );
        assert!(groups.iter().all(|group| !group.is_empty()));
        groups
    }

    /// Whether `node` can exchange messages both ways, directly, with a
    /// majority (> n/2, counting itself). A left node of a bridge partition
    /// counts its side and the bridge, not the far side.
    pub fn in_majority(&self, node: u32) -> bool {
        assert!(node < self.nodes, "node {node} >= {} nodes", self.nodes);
        let peers = (0..self.nodes)
            .filter(|&peer| self.connected(node, peer))
            .count() as u32;
        assert!(peers >= 1);
        peers * 2 > self.nodes
    }

    pub fn check_invariants(&self) {
        let slots = (self.nodes as usize) * (self.nodes as usize);
        assert_eq!(self.generations.len(), slots);
        assert_eq!(self.last_delivery.len(), slots);
        for &(from, to) in &self.cuts {
            assert_ne!(from, to, "self cut");
            assert!(
                from < self.nodes && to < self.nodes,
                "cut {from}->{to} out of range"
            );
        }
    }

    fn assert_pair(&self, a: u32, b: u32) {
        assert_ne!(a, b, "no connection from a node to itself");
        assert!(a < self.nodes, "node {a} >= {} nodes", self.nodes);
        assert!(b < self.nodes, "node {b} >= {} nodes", self.nodes);
    }

    fn pair_index(&self, a: u32, b: u32) -> usize {
        self.assert_pair(a, b);
        self.direction_index(a.min(b), a.max(b))
    }

    fn direction_index(&self, from: u32, to: u32) -> usize {
        (from as usize) * (self.nodes as usize) + (to as usize)
    }
}

/// A concrete random partition of `kind` over `nodes`. See the kinds:
/// - `IsolateLeader`: isolates `leader`, or any node if `None`.
/// - `MinorityMajority`: 1..=(n-1)/2 random nodes (perhaps the leader) split from the rest.
/// - `Symmetric`: a random split into 2 or 3 non-empty groups (2 if n == 2).
/// - `Asymmetric`: one random node's outgoing or incoming (50/50) direction
///   to a random non-empty subset of the others.
/// - `Bridge`: one bridge node, the others split into two non-empty sides.
///
/// When the kind cannot exist (any kind for n == 1, `Bridge` and
/// `MinorityMajority` for n == 2) the result is `Split { groups: vec![] }`,
/// which cuts nothing.
pub fn random_partition(
    kind: PartitionKind,
    nodes: u32,
    leader: Option<u32>,
    rng: &mut impl Rng,
) -> Partition {
    assert!((1..=NODES_MAX).contains(&nodes), "{nodes} nodes");
    assert!(
        leader.is_none_or(|leader| leader < nodes),
        "leader {leader:?}"
    );
    let nothing = Partition::Split { groups: vec![] };
    let mut shuffled: Vec<u32> = (0..nodes).collect();
    shuffled.shuffle(rng);
    let partition = match kind {
        _ if nodes == 1 => nothing,
        PartitionKind::IsolateLeader => Partition::Isolate {
            node: leader.unwrap_or(shuffled[0]),
        },
        PartitionKind::MinorityMajority if nodes < 3 => nothing,
        PartitionKind::MinorityMajority => {
            let minority = rng.gen_range(1..=(nodes as usize - 1) / 2);
            Partition::Split {
                groups: split_at(&shuffled, &[minority]),
            }
        }
        PartitionKind::Symmetric => {
            let groups = if nodes >= 3 { rng.gen_range(2..=3) } else { 2 };
            let mut bounds = rand::seq::index::sample(rng, nodes as usize - 1, groups - 1)
                .into_iter()
                .map(|i| i + 1)
                .collect::<Vec<usize>>();
            bounds.sort_unstable();
            let mut groups = split_at(&shuffled, &bounds);
            groups.sort_unstable();
            Partition::Split { groups }
        }
        PartitionKind::Asymmetric => {
            let node = shuffled[0];
            let count = rng.gen_range(1..nodes as usize);
            let mut others = shuffled[1..=count].to_vec();
            others.sort_unstable();
            if rng.gen_bool(0.5) {
                Partition::OneWay {
                    from: vec![node],
                    to: others,
                }
            } else {
                Partition::OneWay {
                    from: others,
                    to: vec![node],
                }
            }
        }
        PartitionKind::Bridge if nodes < 3 => nothing,
        PartitionKind::Bridge => {
            let left_count = rng.gen_range(1..nodes as usize - 1);
            let mut sides = split_at(&shuffled[1..], &[left_count]).into_iter();
            Partition::Bridge {
                left: sides.next().expect("left side"),
                bridge: shuffled[0],
                right: sides.next().expect("right side"),
            }
        }
    };
    debug_assert_eq!(partition.validate(nodes), Ok(()));
    partition
}

/// `nodes` cut at the increasing `bounds` into groups, each sorted.
fn split_at(nodes: &[u32], bounds: &[usize]) -> Vec<Vec<u32>> {
    assert!(bounds.windows(2).all(|w| w[0] < w[1]));
    assert!(bounds.iter().all(|&b| 0 < b && b < nodes.len()));
    let mut groups = Vec::with_capacity(bounds.len() + 1);
    let mut start = 0;
    for &end in bounds.iter().chain(std::iter::once(&nodes.len())) {
        let mut group = nodes[start..end].to_vec();
        group.sort_unstable();
        groups.push(group);
        start = end;
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    const KINDS: [PartitionKind; 5] = [
        PartitionKind::Symmetric,
        PartitionKind::Asymmetric,
        PartitionKind::Bridge,
        PartitionKind::IsolateLeader,
        PartitionKind::MinorityMajority,
    ];

    fn rng(seed: u64) -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(seed)
    }

    fn spiky() -> NetworkConfig {
        NetworkConfig {
            latency_us: [100, 5_000],
            spike_probability: 0.2,
            spike_latency_us: [10_000, 100_000],
        }
    }

    #[derive(Clone, Debug)]
    enum Step {
        Send { after_us: u64, from: u32, to: u32 },
        Reset { a: u32, b: u32 },
    }

    fn step(nodes: u32) -> impl Strategy<Value = Step> {
        prop_oneof![
            8 => (0..3_000u64, 0..nodes, 1..nodes).prop_map(move |(after_us, from, k)| Step::Send {
                after_us,
                from,
                to: (from + k) % nodes,
            }),
            1 => (0..nodes, 1..nodes).prop_map(move |(a, k)| Step::Reset { a, b: (a + k) % nodes }),
        ]
    }

    proptest! {
        #[test]
        fn fifo_per_direction_and_generation(
            seed in any::<u64>(),
            steps in prop::collection::vec(step(4), 1..200),
        ) {
            let config = spiky();
            let mut network = Network::new(4);
            let mut rng = rng(seed);
            let mut now_us = 0;
            // Per direction: (send order, due time, generation).
            let mut sent: Vec<(u32, u32, usize, Delivery)> = vec![];
            for (order, step) in steps.into_iter().enumerate() {
                match step {
                    Step::Send { after_us, from, to } => {
                        now_us += after_us;
                        let delivery = network.send(now_us, from, to, &config, &mut rng).unwrap();
                        prop_assert!(delivery.at_us >= now_us + config.latency_us[0]);
                        prop_assert_eq!(delivery.generation, network.generation(to, from));
                        sent.push((from, to, order, delivery));
                    }
                    Step::Reset { a, b } => network.reset(a, b),
                }
            }
            // Deliveries sorted by due time (stable: the world's queue breaks
            // ties by sequence number) keep send order within a direction and generation.
            let mut by_time = sent.clone();
            by_time.sort_by_key(|&(_, _, _, delivery)| delivery.at_us);
            for (from, to, _, _) in &sent {
                for generation in 0..=network.generation(*from, *to) {
                    let orders: Vec<usize> = by_time
                        .iter()
                        .filter(|&&(f, t, _, d)| (f, t, d.generation) == (*from, *to, generation))
                        .map(|&(_, _, order, _)| order)
                        .collect();
                    prop_assert!(orders.windows(2).all(|w| w[0] < w[1]), "{:?}", orders);
                }
            }
        }
    }

    #[test]
    fn reset_loses_in_flight_messages_both_ways() {
        let mut network = Network::new(3);
        let mut rng = rng(1);
        let config = NetworkConfig::default();
        let ab = network.send(0, 0, 1, &config, &mut rng).unwrap();
        let ba = network.send(0, 1, 0, &config, &mut rng).unwrap();
        let ac = network.send(0, 0, 2, &config, &mut rng).unwrap();
        network.reset(1, 0);
        assert!(!network.deliverable(0, 1, ab.generation));
        assert!(!network.deliverable(1, 0, ba.generation));
        assert!(network.deliverable(0, 2, ac.generation));
        let again = network.send(10, 0, 1, &config, &mut rng).unwrap();
        assert_eq!(again.generation, 1);
        assert!(network.deliverable(0, 1, again.generation));
        // A new connection does not wait behind the dead one's messages.
        assert!(again.at_us <= 10 + config.latency_us[1]);
        assert_eq!(network.reset_node(2), vec![0, 1]);
        assert!(!network.deliverable(0, 2, ac.generation));
        assert_eq!(network.generation(0, 1), 1);
    }

    #[test]
    fn cut_drops_sends_and_in_flight_messages() {
        let mut network = Network::new(3);
        let mut rng = rng(2);
        let config = NetworkConfig::default();
        let in_flight = network.send(0, 0, 1, &config, &mut rng).unwrap();
        let reset = network.apply(&Partition::Isolate { node: 1 });
        assert_eq!(reset, vec![(0, 1), (1, 2)]);
        assert!(network.is_partitioned());
        assert!(!network.deliverable(0, 1, in_flight.generation));
        assert_eq!(network.send(5, 0, 1, &config, &mut rng), None);
        assert_eq!(network.send(5, 1, 2, &config, &mut rng), None);
        assert!(network.send(5, 0, 2, &config, &mut rng).is_some());
        // Healing restores sends on the new connection; the old one stays dead.
        network.heal();
        assert!(!network.is_partitioned());
        let after = network.send(6, 0, 1, &config, &mut rng).unwrap();
        assert!(network.deliverable(0, 1, after.generation));
        assert!(!network.deliverable(0, 1, in_flight.generation));
    }

    #[test]
    fn in_flight_message_on_a_cut_direction_is_undeliverable_even_without_reset() {
        // A message sent after the cut's reset but on the other direction,
        // then that direction is cut too: dropped at delivery time.
        let mut network = Network::new(2);
        let mut rng = rng(3);
        let config = NetworkConfig::default();
        network.apply(&Partition::OneWay {
            from: vec![0],
            to: vec![1],
        });
        let back = network.send(0, 1, 0, &config, &mut rng).unwrap();
        assert!(network.deliverable(1, 0, back.generation));
        network.cuts.insert((1, 0)); // cut without the reset apply() would do
        assert!(!network.deliverable(1, 0, back.generation));
    }

    #[test]
    fn apply_resets_exactly_the_pairs_it_newly_cuts() {
        let mut network = Network::new(5);
        let split = Partition::Split {
            groups: vec![vec![0, 1]],
        };
        let expected: Vec<(u32, u32)> = vec![(0, 2), (0, 3), (0, 4), (1, 2), (1, 3), (1, 4)];
        assert_eq!(network.apply(&split), expected);
        for a in 0..5 {
            for b in a + 1..5 {
                let generation = u64::from(expected.contains(&(a, b)));
                assert_eq!(network.generation(a, b), generation, "{a}-{b}");
            }
        }
        // The same cuts again are no news; a new one resets only its pair.
        assert_eq!(network.apply(&split), vec![]);
        assert_eq!(
            network.apply(&Partition::OneWay {
                from: vec![3],
                to: vec![2, 0]
            }),
            vec![(2, 3)]
        );
        assert_eq!(network.apply(&Partition::Split { groups: vec![] }), vec![]);
    }

    #[test]
    fn one_way_cut_keeps_the_other_direction_but_resets_the_pair() {
        let mut network = Network::new(3);
        let mut rng = rng(4);
        let config = NetworkConfig::default();
        let before = network.send(0, 1, 0, &config, &mut rng).unwrap();
        let reset = network.apply(&Partition::OneWay {
            from: vec![0],
            to: vec![1],
        });
        assert_eq!(reset, vec![(0, 1)]);
        assert!(network.is_cut(0, 1));
        assert!(!network.is_cut(1, 0));
        assert_eq!(network.send(1, 0, 1, &config, &mut rng), None);
        assert!(!network.deliverable(1, 0, before.generation));
        let after = network.send(1, 1, 0, &config, &mut rng).unwrap();
        assert_eq!(after.generation, 1);
        assert!(network.deliverable(1, 0, after.generation));
    }

    /// Applies `partitions` to a fresh network of `nodes` and checks its
    /// components and which nodes are in a majority.
    fn check(nodes: u32, partitions: &[Partition], components: &[&[u32]], majority: &[u32]) {
        let mut network = Network::new(nodes);
        for partition in partitions {
            network.apply(partition);
        }
        let expected: Vec<Vec<u32>> = components.iter().map(|c| c.to_vec()).collect();
        assert_eq!(network.components(), expected, "{partitions:?}");
        let in_majority: Vec<u32> = (0..nodes).filter(|&n| network.in_majority(n)).collect();
        assert_eq!(in_majority, majority, "{partitions:?}");
    }

    #[test]
    fn components_and_majorities() {
        use Partition::*;
        check(1, &[], &[&[0]], &[0]);
        check(3, &[], &[&[0, 1, 2]], &[0, 1, 2]);
        check(
            3,
            &[Split {
                groups: vec![vec![0]],
            }],
            &[&[0], &[1, 2]],
            &[1, 2],
        );
        check(
            3,
            &[OneWay {
                from: vec![0],
                to: vec![1],
            }],
            &[&[0, 1, 2]],
            &[0, 1, 2],
        );
        check(
            3,
            &[Bridge {
                left: vec![0],
                bridge: 1,
                right: vec![2],
            }],
            &[&[0, 1, 2]],
            &[0, 1, 2],
        );
        check(3, &[Isolate { node: 2 }], &[&[0, 1], &[2]], &[0, 1]);
        check(
            5,
            &[Split {
                groups: vec![vec![0, 1], vec![2, 3]],
            }],
            &[&[0, 1], &[2, 3], &[4]],
            &[],
        );
        check(
            5,
            &[Split {
                groups: vec![vec![4, 3, 0], vec![1, 2]],
            }],
            &[&[0, 3, 4], &[1, 2]],
            &[0, 3, 4],
        );
        check(
            5,
            &[OneWay {
                from: vec![0],
                to: vec![1, 2, 3],
            }],
            &[&[0, 1, 2, 3, 4]],
            &[1, 2, 3, 4],
        );
        check(
            5,
            &[OneWay {
                from: vec![1, 2, 3, 4],
                to: vec![0],
            }],
            &[&[0], &[1, 2, 3, 4]],
            &[1, 2, 3, 4],
        );
        check(
            5,
            &[Bridge {
                left: vec![0, 1],
                bridge: 2,
                right: vec![3, 4],
            }],
            &[&[0, 1, 2, 3, 4]],
            &[0, 1, 2, 3, 4],
        );
        check(
            5,
            &[Isolate { node: 0 }],
            &[&[0], &[1, 2, 3, 4]],
            &[1, 2, 3, 4],
        );
        check(
            5,
            &[Isolate { node: 0 }, Isolate { node: 1 }],
            &[&[0], &[1], &[2, 3, 4]],
            &[2, 3, 4],
        );
        check(
            7,
            &[Split {
                groups: vec![vec![0, 1, 2], vec![3, 4, 5, 6]],
            }],
            &[&[0, 1, 2], &[3, 4, 5, 6]],
            &[3, 4, 5, 6],
        );
        check(
            7,
            &[OneWay {
                from: vec![4, 5, 6],
                to: vec![0, 1, 2, 3],
            }],
            &[&[0, 1, 2, 3], &[4, 5, 6]],
            &[0, 1, 2, 3],
        );
        check(
            7,
            &[Bridge {
                left: vec![0, 1, 2],
                bridge: 3,
                right: vec![4, 5, 6],
            }],
            &[&[0, 1, 2, 3, 4, 5, 6]],
            &[0, 1, 2, 3, 4, 5, 6],
        );
        check(
            7,
            &[Bridge {
                left: vec![0, 1],
                bridge: 2,
                right: vec![3, 4, 5, 6],
            }],
            &[&[0, 1, 2, 3, 4, 5, 6]],
            &[2, 3, 4, 5, 6],
        );
        check(
            7,
            &[Isolate { node: 6 }],
            &[&[0, 1, 2, 3, 4, 5], &[6]],
            &[0, 1, 2, 3, 4, 5],
        );
    }

    #[test]
    fn validate_rejects_malformed_partitions() {
        use Partition::*;
        assert_eq!(Split { groups: vec![] }.validate(1), Ok(()));
        assert!(Split {
            groups: vec![vec![0], vec![]]
        }
        .validate(3)
        .is_err());
        assert!(Split {
            groups: vec![vec![0], vec![0, 1]]
        }
        .validate(3)
        .is_err());
        assert!(OneWay {
            from: vec![0],
            to: vec![3]
        }
        .validate(3)
        .is_err());
        assert!(OneWay {
            from: vec![0],
            to: vec![]
        }
        .validate(3)
        .is_err());
        assert!(Bridge {
            left: vec![0],
            bridge: 0,
            right: vec![1]
        }
        .validate(3)
        .is_err());
        assert!(Isolate { node: 5 }.validate(5).is_err());
        assert_eq!(Isolate { node: 4 }.validate(5), Ok(()));
    }

    #[test]
    fn random_partitions_are_well_formed() {
        let mut rng = rng(5);
        for nodes in 1..=7u32 {
            for kind in KINDS {
                for round in 0..50 {
                    let leader = (round % 2 == 0).then_some(round % nodes);
                    let partition = random_partition(kind, nodes, leader, &mut rng);
                    assert_eq!(partition.validate(nodes), Ok(()));
                    check_random_partition(kind, nodes, leader, &partition);
                }
            }
        }
    }

    fn check_random_partition(
        kind: PartitionKind,
        nodes: u32,
        leader: Option<u32>,
        partition: &Partition,
    ) {
        let nothing = Partition::Split { groups: vec![] };
        let impossible = nodes == 1
            || (nodes == 2
                && matches!(
                    kind,
                    PartitionKind::Bridge | PartitionKind::MinorityMajority
                ));
        if impossible {
            assert_eq!(partition, &nothing, "{kind:?} on {nodes}");
            return;
        }
        let mut network = Network::new(nodes);
        assert!(
            !network.apply(partition).is_empty(),
            "{partition:?} cuts nothing"
        );
        match (kind, partition) {
            (PartitionKind::IsolateLeader, Partition::Isolate { node }) => {
                if let Some(leader) = leader {
                    assert_eq!(*node, leader);
                }
            }
            (PartitionKind::MinorityMajority, Partition::Split { groups }) => {
                assert_eq!(groups.len(), 2);
                assert!(groups[0].len() * 2 < nodes as usize, "{groups:?}");
                assert!(groups[1].len() * 2 > nodes as usize, "{groups:?}");
                assert_eq!(network.components().len(), 2);
            }
            (PartitionKind::Symmetric, Partition::Split { groups }) => {
                assert!((2..=3).contains(&groups.len()), "{groups:?}");
                assert_eq!(groups.iter().map(Vec::len).sum::<usize>(), nodes as usize);
                assert_eq!(network.components().len(), groups.len());
            }
            (PartitionKind::Asymmetric, Partition::OneWay { from, to }) => {
                assert!(from.len() == 1 || to.len() == 1, "{partition:?}");
                assert!(from.len() + to.len() <= nodes as usize);
            }
            (PartitionKind::Bridge, Partition::Bridge { left, right, .. }) => {
                assert_eq!(left.len() + right.len() + 1, nodes as usize);
            }
            _ => panic!("{kind:?} gave {partition:?}"),
        }
    }

    #[test]
    fn same_seed_same_partitions_and_deliveries() {
        let run = |seed: u64| {
            let mut rng = rng(seed);
            let mut network = Network::new(5);
            let mut out = vec![];
            for (i, kind) in KINDS.iter().cycle().take(20).enumerate() {
                let partition = random_partition(*kind, 5, None, &mut rng);
                let reset = network.apply(&partition);
                let delivery = network.send(i as u64 * 100, 0, 1, &spiky(), &mut rng);
                out.push(format!("{partition:?} {reset:?} {delivery:?}"));
                network.heal();
                for _ in 0..5 {
                    out.push(format!(
                        "{:?}",
                        network.send(i as u64 * 100, 2, 3, &spiky(), &mut rng)
                    ));
                }
            }
            out
        };
        assert_eq!(run(9), run(9));
        assert_ne!(run(9), run(10));
    }

    #[test]
    fn config_validation() {
        assert_eq!(NetworkConfig::default().validate(), Ok(()));
        assert_eq!(spiky().validate(), Ok(()));
        let backwards = NetworkConfig {
            latency_us: [5, 4],
            ..NetworkConfig::default()
        };
        assert!(backwards.validate().is_err());
        let probability = NetworkConfig {
            spike_probability: 1.5,
            ..NetworkConfig::default()
        };
        assert!(probability.validate().is_err());
        let nan = NetworkConfig {
            spike_probability: f64::NAN,
            ..NetworkConfig::default()
        };
        assert!(nan.validate().is_err());
    }
}

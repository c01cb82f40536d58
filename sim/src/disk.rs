//! `VirtualDisk`: one node's data directory inside a simulation, with the disk
//! faults of DESIGN.md §3 (lost, torn and reordered unsynced writes at a crash;
//! unsynced metadata lost at a crash; disk full; bit rot of a durable sector).
//!
//! The model is a journaling file system reduced to what the core can observe:
//!
//! - **Names.** The directory maps names to inodes in two views: `current`
//!   (what reads see now) and `durable` (what survives a crash). Create,
//!   rename and remove change `current` at once and are queued as pending
//!   metadata ops; `FsyncDir` makes every pending op durable. At a crash a
//!   uniformly random *prefix* of the pending ops reaches `durable`
//!   (metadata is journaled, so it is never reordered).
//! - **Content.** Each inode has durable bytes and current bytes. Writes and
//!   truncates change the current bytes and mark the 512-byte sectors they
//!   touch; `Fsync` makes the inode's bytes and length durable. At a crash the
//!   length is either the durable or the current one, and each touched sector
//!   below it is independently kept (new bytes), lost (old bytes, zeros past
//!   the old length) or torn (garbage) — so unsynced writes are lost, torn or
//!   reordered at sector granularity.
//!
//! Architecture invariant: nothing here reads a clock or OS randomness; every
//! random choice comes from the RNG the caller passes in, and every collection
//! iterates in a fixed order, so one seed gives one outcome.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};

use rand::Rng;
use zksim_core::io::{DiskError, DiskOp};

/// The unit in which unsynced writes survive, vanish or tear at a crash.
pub const SECTOR_BYTES: usize = 512;

/// Largest file the virtual disk holds; a write or truncate beyond it fails
/// with `NoSpace` (a real disk would say EFBIG or ENOSPC well before that).
pub const FILE_BYTES_MAX: u64 = 1 << 30;

const SECTOR_BYTES_U64: u64 = SECTOR_BYTES as u64;

/// Relative weights of what happens to each touched, unsynced sector at a crash.
/// Weights must be finite, non-negative and not all zero; a zero weight is never chosen.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SectorFates {
    /// The sector holds the new (current) bytes.
    pub kept: f64,
    /// The sector holds the old (durable) bytes, zeros past the old length.
    pub lost: f64,
    /// The sector holds random garbage.
    pub torn: f64,
}

impl SectorFates {
    pub const KEEP_ALL: SectorFates = SectorFates {
        kept: 1.0,
        lost: 0.0,
        torn: 0.0,
    };
    pub const LOSE_ALL: SectorFates = SectorFates {
        kept: 0.0,
        lost: 1.0,
        torn: 0.0,
    };
    pub const TEAR_ALL: SectorFates = SectorFates {
        kept: 0.0,
        lost: 0.0,
        torn: 1.0,
    };

    fn assert_valid(&self) {
        for weight in [self.kept, self.lost, self.torn] {
            assert!(
                weight.is_finite(),
                "sector fate weight not finite: {self:?}"
            );
            assert!(weight >= 0.0, "sector fate weight negative: {self:?}");
        }
        assert!(
            self.kept + self.lost + self.torn > 0.0,
            "sector fate weights all zero"
        );
    }

    fn choose<R: Rng + ?Sized>(&self, rng: &mut R) -> SectorFate {
        let total = self.kept + self.lost + self.torn;
        let draw = rng.gen::<f64>() * total;
        if draw < self.kept {
            SectorFate::Kept
        } else if draw < self.kept + self.lost {
            SectorFate::Lost
        } else {
            SectorFate::Torn
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SectorFate {
    Kept,
    Lost,
    Torn,
}

/// What a crash did to the disk.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct CrashReport {
    pub sectors_kept: u64,
    pub sectors_lost: u64,
    pub sectors_torn: u64,
    pub metadata_ops_kept: u64,
    pub metadata_ops_lost: u64,
}

/// One flipped bit of durable data.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RotReport {
    /// The file's current name.
    pub file: String,
    /// Byte offset of the flipped bit within the file.
    pub offset: u64,
    /// Bit index within that byte, 0..8.
    pub bit: u8,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct InodeId(u64);

/// A set of sector indices stored as disjoint, non-adjacent ranges
/// (start → end, exclusive), so a large sequential write costs one entry.
#[derive(Clone, Debug, Default)]
struct SectorSet {
    ranges: BTreeMap<u64, u64>,
}

impl SectorSet {
    fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    fn clear(&mut self) {
        self.ranges.clear();
    }

    /// Adds sectors `start..end`, merging with overlapping or adjacent ranges.
    fn insert(&mut self, start: u64, end: u64) {
        if start >= end {
            return;
        }
        // Ranges are disjoint and sorted, so their ends are sorted too: walking
        // back from the last range starting at or before `end`, the first one
        // ending before `start` ends the overlap.
        let merged: Vec<(u64, u64)> = self
            .ranges
            .range(..=end)
            .rev()
            .take_while(|(_, &range_end)| range_end >= start)
            .map(|(&range_start, &range_end)| (range_start, range_end))
            .collect();
        let mut new_start = start;
        let mut new_end = end;
        for (range_start, range_end) in merged {
            self.ranges.remove(&range_start);
            new_start = new_start.min(range_start);
            new_end = new_end.max(range_end);
        }
        self.ranges.insert(new_start, new_end);
    }

    /// Drops every sector at or above `limit`.
    fn retain_below(&mut self, limit: u64) {
        drop(self.ranges.split_off(&limit));
        if let Some(range_end) = self.ranges.values_mut().next_back() {
            *range_end = (*range_end).min(limit);
        }
    }

    fn contains(&self, sector: u64) -> bool {
        self.ranges
            .range(..=sector)
            .next_back()
            .is_some_and(|(_, &range_end)| sector < range_end)
    }

    /// One past the highest sector, or 0 when empty.
    fn end(&self) -> u64 {
        self.ranges.values().next_back().copied().unwrap_or(0)
    }

    fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        self.ranges.iter().flat_map(|(&start, &end)| start..end)
    }

    fn check_invariants(&self) {
        let mut previous_end: Option<u64> = None;
        for (&start, &end) in &self.ranges {
            assert!(start < end, "empty sector range {start}..{end}");
            if let Some(previous_end) = previous_end {
                assert!(
                    previous_end < start,
                    "sector ranges overlap or touch at {start}"
                );
            }
            previous_end = Some(end);
        }
    }
}

/// A file's content, stored once: the current bytes, plus the durable bytes of
/// each touched sector that the durable file covers (an undo log). Untouched
/// sectors are durable and current at once, so `fsync` costs O(touched
/// sectors), not O(file): a log that appends and fsyncs never copies itself.
#[derive(Clone, Debug, Default)]
struct Inode {
    current: Vec<u8>,
    durable_len: u64,
    /// Sectors whose current bytes may differ from the durable ones. Every
    /// byte between the durable and current lengths lies in a touched sector,
    /// and no touched sector starts at or past the larger of the two lengths.
    touched: SectorSet,
    /// For each touched sector starting below `durable_len` (and only those),
    /// its durable bytes: `min(SECTOR_BYTES, durable_len - start)` of them.
    durable_saved: BTreeMap<u64, Box<[u8]>>,
}

impl Inode {
    fn current_len(&self) -> u64 {
        len_u64(&self.current)
    }

    fn fsync(&mut self) {
        self.durable_len = self.current_len();
        self.touched.clear();
        self.durable_saved.clear();
    }

    fn write(&mut self, offset: u64, data: &[u8]) {
        let len_before = self.current_len();
        let end = offset + len_u64(data);
        // Zero-filling a gap past the old end changes those bytes too.
        self.before_change(offset.min(len_before), end);
        let (start, stop) = (to_usize(offset), to_usize(end));
        if self.current.len() < start {
            self.current.resize(start, 0);
        }
        // Overwrite what exists, append the rest (no zero fill to overwrite).
        let overlap = self.current.len().min(stop) - start;
        self.current[start..start + overlap].copy_from_slice(&data[..overlap]);
        self.current.extend_from_slice(&data[overlap..]);
        assert_eq!(self.current_len(), end.max(len_before));
        self.after_change(offset.min(len_before), end);
    }

    fn set_len(&mut self, len: u64) {
        let len_before = self.current_len();
        let (start, end) = (len.min(len_before), len.max(len_before));
        self.before_change(start, end);
        self.current.resize(to_usize(len), 0);
        self.after_change(start, end);
    }

    /// Saves the durable bytes of the sectors holding bytes `start..end`
    /// that are about to change for the first time since the last fsync.
    fn before_change(&mut self, start: u64, end: u64) {
        let sector_first = start / SECTOR_BYTES_U64;
        let sector_end = end
            .div_ceil(SECTOR_BYTES_U64)
            .min(self.durable_len.div_ceil(SECTOR_BYTES_U64));
        for sector in sector_first..sector_end {
            if let Entry::Vacant(entry) = self.durable_saved.entry(sector) {
                // Untouched, so its current bytes are its durable bytes, all present.
                assert!(!self.touched.contains(sector));
                let sector_start = sector * SECTOR_BYTES_U64;
                let sector_stop = (sector_start + SECTOR_BYTES_U64).min(self.durable_len);
                entry.insert(self.current[to_usize(sector_start)..to_usize(sector_stop)].into());
            }
        }
    }

    /// Marks the sectors holding bytes `start..end` as touched, then forgets
    /// sectors that no crash can expose (at or past both lengths).
    fn after_change(&mut self, start: u64, end: u64) {
        self.touched
            .insert(start / SECTOR_BYTES_U64, end.div_ceil(SECTOR_BYTES_U64));
        let len_max = self.durable_len.max(self.current_len());
        self.touched
            .retain_below(len_max.div_ceil(SECTOR_BYTES_U64));
    }

    /// Settles the unsynced content as a crash would and makes it durable.
    fn crash<R: Rng + ?Sized>(
        &mut self,
        rng: &mut R,
        fates: &SectorFates,
        report: &mut CrashReport,
    ) {
        assert!(!self.touched.is_empty());
        let current_len = self.current_len();
        let len_after = if self.durable_len == current_len || rng.gen_bool(0.5) {
            self.durable_len
        } else {
            current_len
        };
        // Past the current length, "kept" bytes read as zeros.
        self.current.resize(to_usize(len_after), 0);
        for sector in self.touched.iter() {
            let start = sector * SECTOR_BYTES_U64;
            if start >= len_after {
                break;
            }
            let end = (start + SECTOR_BYTES_U64).min(len_after);
            let sector_bytes = &mut self.current[to_usize(start)..to_usize(end)];
            match fates.choose(rng) {
                SectorFate::Kept => report.sectors_kept += 1,
                SectorFate::Lost => {
                    report.sectors_lost += 1;
                    // Past the durable length, "lost" bytes read as zeros.
                    let saved = self
                        .durable_saved
                        .get(&sector)
                        .map_or(&[][..], |bytes| &bytes[..]);
                    copy_padded(sector_bytes, saved);
                }
                SectorFate::Torn => {
                    report.sectors_torn += 1;
                    rng.fill_bytes(sector_bytes);
                }
            }
        }
        self.fsync();
    }

    /// Flips bits `mask` of durable byte `offset` (below `durable_len`).
    fn rot(&mut self, offset: u64, mask: u8) {
        assert!(offset < self.durable_len);
        let sector = offset / SECTOR_BYTES_U64;
        match self.durable_saved.get_mut(&sector) {
            // Touched: the media differs from what reads see; only it rots.
            Some(saved) => saved[to_usize(offset - sector * SECTOR_BYTES_U64)] ^= mask,
            None => self.current[to_usize(offset)] ^= mask,
        }
    }

    fn check_invariants(&self) {
        self.touched.check_invariants();
        let len_max = self.durable_len.max(self.current_len());
        assert!(
            self.touched.end() <= len_max.div_ceil(SECTOR_BYTES_U64),
            "touched sector past both lengths"
        );
        if self.durable_len != self.current_len() {
            assert!(
                !self.touched.is_empty(),
                "length changed, no sector touched"
            );
        }
        let durable_end = self.durable_len.div_ceil(SECTOR_BYTES_U64);
        for (&sector, saved) in &self.durable_saved {
            assert!(
                self.touched.contains(sector),
                "saved sector {sector} untouched"
            );
            let start = sector * SECTOR_BYTES_U64;
            assert!(
                start < self.durable_len,
                "saved sector {sector} past the durable length"
            );
            let len_expected = SECTOR_BYTES_U64.min(self.durable_len - start);
            assert_eq!(len_u64(saved), len_expected, "saved sector {sector} length");
        }
        let touched_durable = self
            .touched
            .iter()
            .take_while(|&sector| sector < durable_end)
            .count();
        assert_eq!(
            touched_durable,
            self.durable_saved.len(),
            "touched durable sector not saved"
        );
    }

    /// The bytes a crash keeping nothing unsynced would leave. O(file); for tests.
    #[cfg(test)]
    fn durable_bytes(&self) -> Vec<u8> {
        let mut bytes = self.current.clone();
        bytes.resize(to_usize(self.durable_len), 0);
        for (&sector, saved) in &self.durable_saved {
            let start = to_usize(sector * SECTOR_BYTES_U64);
            bytes[start..start + saved.len()].copy_from_slice(saved);
        }
        bytes
    }
}

/// A name-level change not yet made durable by `FsyncDir`.
#[derive(Clone, Debug)]
enum MetadataOp {
    Create { name: String, inode: InodeId },
    Rename { from: String, to: String },
    Remove { name: String },
}

impl MetadataOp {
    fn apply_to(&self, names: &mut BTreeMap<String, InodeId>) {
        match self {
            MetadataOp::Create { name, inode } => {
                let previous = names.insert(name.clone(), *inode);
                assert!(
                    previous.is_none(),
                    "journaled create of existing name {name}"
                );
            }
            MetadataOp::Rename { from, to } => {
                let inode = names
                    .remove(from)
                    .expect("journaled rename of a missing name");
                names.insert(to.clone(), inode);
            }
            MetadataOp::Remove { name } => {
                let removed = names.remove(name);
                assert!(removed.is_some(), "journaled remove of missing name {name}");
            }
        }
    }
}

/// One node's data directory in a simulation. See the module docs for the model.
#[derive(Clone, Debug, Default)]
pub struct VirtualDisk {
    /// Every inode reachable from `current_names`, `durable_names` or a
    /// pending create; unreachable ones are dropped at `FsyncDir` and crash.
    inodes: BTreeMap<InodeId, Inode>,
    current_names: BTreeMap<String, InodeId>,
    durable_names: BTreeMap<String, InodeId>,
    /// `durable_names` with all of these applied in order is `current_names`.
    pending_metadata: Vec<MetadataOp>,
    inode_next: u64,
    /// Sum of the current lengths of the currently named files.
    used_bytes: u64,
    capacity_bytes: Option<u64>,
}

impl VirtualDisk {
    /// An empty disk without a capacity limit.
    pub fn new() -> VirtualDisk {
        VirtualDisk::default()
    }

    /// An empty disk whose named files may hold at most `capacity_bytes` in
    /// total: a write or truncate that would grow `current_bytes` past it fails
    /// with `NoSpace`. (A crash can leave the disk over capacity; see `check_invariants`.)
    pub fn with_capacity(capacity_bytes: Option<u64>) -> VirtualDisk {
        VirtualDisk {
            capacity_bytes,
            ..VirtualDisk::default()
        }
    }

    /// A disk holding exactly these files, all durable (a data directory
    /// restored from a backup). Fails if they do not fit its capacity.
    pub fn from_image(
        image: &BTreeMap<String, Vec<u8>>,
        capacity_bytes: Option<u64>,
    ) -> Result<VirtualDisk, DiskError> {
        let mut disk = VirtualDisk::with_capacity(capacity_bytes);
        for (name, bytes) in image {
            disk.apply(&DiskOp::Create { file: name.clone() })?;
            let data = bytes.clone();
            disk.apply(&DiskOp::Write {
                file: name.clone(),
                offset: 0,
                data,
            })?;
            disk.apply(&DiskOp::Fsync { file: name.clone() })?;
        }
        disk.apply(&DiskOp::FsyncDir)?;
        assert!(!disk.has_unsynced());
        assert_eq!(disk.image(), *image);
        Ok(disk)
    }

    /// Executes one request. A failed request changes nothing.
    pub fn apply(&mut self, op: &DiskOp) -> Result<(), DiskError> {
        match op {
            DiskOp::Create { file } => self.create(file),
            DiskOp::Write { file, offset, data } => self.write(file, *offset, data),
            DiskOp::Truncate { file, len } => self.truncate(file, *len),
            DiskOp::Fsync { file } => {
                let inode = self.lookup(file)?;
                self.inode_mut(inode).fsync();
                Ok(())
            }
            DiskOp::Rename { from, to } => self.rename(from, to),
            DiskOp::Remove { file } => self.remove(file),
            DiskOp::FsyncDir => {
                self.fsync_dir();
                Ok(())
            }
        }
    }

    fn create(&mut self, file: &str) -> Result<(), DiskError> {
        if self.current_names.contains_key(file) {
            return Err(DiskError::AlreadyExists {
                file: file.to_string(),
            });
        }
        let inode = InodeId(self.inode_next);
        self.inode_next += 1;
        self.inodes.insert(inode, Inode::default());
        self.current_names.insert(file.to_string(), inode);
        self.pending_metadata.push(MetadataOp::Create {
            name: file.to_string(),
            inode,
        });
        Ok(())
    }

    fn write(&mut self, file: &str, offset: u64, data: &[u8]) -> Result<(), DiskError> {
        let inode = self.lookup(file)?;
        if data.is_empty() {
            return Ok(()); // Like pwrite(2): writing nothing never extends the file.
        }
        let end = offset
            .checked_add(len_u64(data))
            .filter(|&end| end <= FILE_BYTES_MAX)
            .ok_or(DiskError::NoSpace)?;
        let len_before = self.inodes[&inode].current_len();
        let len_after = len_before.max(end);
        self.reserve(len_after - len_before)?;
        self.used_bytes += len_after - len_before;

        self.inode_mut(inode).write(offset, data);
        Ok(())
    }

    fn truncate(&mut self, file: &str, len: u64) -> Result<(), DiskError> {
        let inode = self.lookup(file)?;
        if len > FILE_BYTES_MAX {
            return Err(DiskError::NoSpace);
        }
        let len_before = self.inodes[&inode].current_len();
        if len == len_before {
            return Ok(());
        }
        self.reserve(len.saturating_sub(len_before))?;
        self.used_bytes = self.used_bytes - len_before + len;

        self.inode_mut(inode).set_len(len);
        Ok(())
    }

    fn rename(&mut self, from: &str, to: &str) -> Result<(), DiskError> {
        let inode = self.lookup(from)?;
        if from == to {
            return Ok(()); // Like rename(2): renaming a file onto itself does nothing.
        }
        self.current_names.remove(from);
        if let Some(replaced) = self.current_names.insert(to.to_string(), inode) {
            self.used_bytes -= self.inodes[&replaced].current_len();
        }
        self.pending_metadata.push(MetadataOp::Rename {
            from: from.to_string(),
            to: to.to_string(),
        });
        Ok(())
    }

    fn remove(&mut self, file: &str) -> Result<(), DiskError> {
        let inode = self.lookup(file)?;
        self.current_names.remove(file);
        self.used_bytes -= self.inodes[&inode].current_len();
        self.pending_metadata.push(MetadataOp::Remove {
            name: file.to_string(),
        });
        Ok(())
    }

    fn fsync_dir(&mut self) {
        self.durable_names.clone_from(&self.current_names);
        self.pending_metadata.clear();
        self.drop_unnamed_inodes();
    }

    /// Power loss: settles every unsynced change as the fault model allows,
    /// then leaves the disk as a restarted node finds it (nothing pending).
    pub fn crash<R: Rng + ?Sized>(&mut self, rng: &mut R, fates: &SectorFates) -> CrashReport {
        fates.assert_valid();
        let mut report = CrashReport::default();
        for inode in self.inodes.values_mut() {
            if !inode.touched.is_empty() {
                inode.crash(rng, fates, &mut report);
            }
        }

        let pending_count = self.pending_metadata.len();
        let kept_count = rng.gen_range(0..=pending_count);
        for op in &self.pending_metadata[..kept_count] {
            op.apply_to(&mut self.durable_names);
        }
        report.metadata_ops_kept = kept_count as u64;
        report.metadata_ops_lost = (pending_count - kept_count) as u64;

        self.current_names.clone_from(&self.durable_names);
        self.pending_metadata.clear();
        self.drop_unnamed_inodes();
        self.used_bytes = self.named_bytes();
        assert!(!self.has_unsynced());
        report
    }

    /// Bit rot: flips one random bit of one durable sector, chosen uniformly
    /// over the durable sectors of all currently named files. The flip shows
    /// in the current view too, unless that sector has unsynced changes
    /// (which shadow the media until a crash). `None` if nothing is durable.
    pub fn rot<R: Rng + ?Sized>(&mut self, rng: &mut R) -> Option<RotReport> {
        let sector_total: u64 = self
            .current_names
            .values()
            .map(|inode| self.inodes[inode].durable_len.div_ceil(SECTOR_BYTES_U64))
            .sum();
        if sector_total == 0 {
            return None;
        }
        let mut sector_pick = rng.gen_range(0..sector_total);
        for (name, inode) in &self.current_names {
            let node = self.inodes.get_mut(inode).expect("named inode exists");
            let sectors = node.durable_len.div_ceil(SECTOR_BYTES_U64);
            if sector_pick >= sectors {
                sector_pick -= sectors;
                continue;
            }
            let sector_start = sector_pick * SECTOR_BYTES_U64;
            let sector_len = SECTOR_BYTES_U64.min(node.durable_len - sector_start);
            let offset = sector_start + rng.gen_range(0..sector_len);
            let bit: u8 = rng.gen_range(0..8);
            node.rot(offset, 1 << bit);
            return Some(RotReport {
                file: name.clone(),
                offset,
                bit,
            });
        }
        unreachable!("sector pick {sector_pick} beyond the durable sectors")
    }

    /// A file's bytes as reads see them now.
    pub fn read(&self, name: &str) -> Option<&[u8]> {
        let inode = self.current_names.get(name)?;
        Some(&self.inodes[inode].current)
    }

    /// The current file names, sorted.
    pub fn names(&self) -> Vec<String> {
        self.current_names.keys().cloned().collect()
    }

    /// Every file as reads see it now; after `crash` this is what a restarted node reads.
    pub fn image(&self) -> BTreeMap<String, Vec<u8>> {
        self.current_names
            .iter()
            .map(|(name, inode)| (name.clone(), self.inodes[inode].current.to_vec()))
            .collect()
    }

    /// Whether a crash now could change anything.
    pub fn has_unsynced(&self) -> bool {
        !self.pending_metadata.is_empty()
            || self.inodes.values().any(|inode| !inode.touched.is_empty())
    }

    /// Total length of the currently named files (what the capacity limits).
    pub fn current_bytes(&self) -> u64 {
        self.used_bytes
    }

    /// Asserts the model's structural invariants. Cost: O(files + touched ranges).
    pub fn check_invariants(&self) {
        for (names, view) in [
            (&self.current_names, "current"),
            (&self.durable_names, "durable"),
        ] {
            let mut inodes_named = BTreeSet::new();
            for (name, inode) in names {
                assert!(
                    self.inodes.contains_key(inode),
                    "{view} name {name} → dead inode {inode:?}"
                );
                assert!(
                    inodes_named.insert(*inode),
                    "{view} name {name}: inode {inode:?} named twice"
                );
            }
        }
        for op in &self.pending_metadata {
            if let MetadataOp::Create { name, inode } = op {
                assert!(
                    self.inodes.contains_key(inode),
                    "pending create {name} → dead inode"
                );
            }
        }
        for (id, inode) in &self.inodes {
            assert!(id.0 < self.inode_next, "inode {id:?} not yet allocated");
            inode.check_invariants();
            assert!(inode.current_len() <= FILE_BYTES_MAX);
        }
        // No `used_bytes <= capacity_bytes`: a crash may bring back a removed
        // file or an old, longer length, leaving the disk over-full; then every
        // request that grows a file fails until space is freed.
        assert_eq!(self.used_bytes, self.named_bytes(), "used bytes accounting");
        if self.pending_metadata.is_empty() {
            assert_eq!(
                self.current_names, self.durable_names,
                "names differ with nothing pending"
            );
        }
    }

    fn lookup(&self, file: &str) -> Result<InodeId, DiskError> {
        self.current_names
            .get(file)
            .copied()
            .ok_or_else(|| DiskError::NotFound {
                file: file.to_string(),
            })
    }

    fn inode_mut(&mut self, inode: InodeId) -> &mut Inode {
        self.inodes.get_mut(&inode).expect("looked-up inode exists")
    }

    fn reserve(&self, growth_bytes: u64) -> Result<(), DiskError> {
        match self.capacity_bytes {
            Some(capacity_bytes) if self.used_bytes + growth_bytes > capacity_bytes => {
                Err(DiskError::NoSpace)
            }
            _ => Ok(()),
        }
    }

    fn named_bytes(&self) -> u64 {
        self.current_names
            .values()
            .map(|inode| self.inodes[inode].current_len())
            .sum()
    }

    /// Drops inodes no name can reach; only valid with no pending metadata.
    fn drop_unnamed_inodes(&mut self) {
        assert!(self.pending_metadata.is_empty());
        let named: BTreeSet<InodeId> = self
            .current_names
            .values()
            .chain(self.durable_names.values())
            .copied()
            .collect();
        self.inodes.retain(|inode, _| named.contains(inode));
    }
}

fn len_u64(bytes: &[u8]) -> u64 {
    u64::try_from(bytes.len()).expect("length fits u64")
}

fn to_usize(value: u64) -> usize {
    usize::try_from(value).expect("offset fits usize")
}

/// Fills `target` with `source`, zeros where `source` ends.
fn copy_padded(target: &mut [u8], source: &[u8]) {
    let available = source.len().min(target.len());
    target[..available].copy_from_slice(&source[..available]);
    target[available..].fill(0);
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    const SEEDS_MAX: u64 = 200;

    fn create(file: &str) -> DiskOp {
        DiskOp::Create {
            file: file.to_string(),
        }
    }
    fn write(file: &str, offset: u64, data: &[u8]) -> DiskOp {
        DiskOp::Write {
            file: file.to_string(),
            offset,
            data: data.to_vec(),
        }
    }
    fn truncate(file: &str, len: u64) -> DiskOp {
        DiskOp::Truncate {
            file: file.to_string(),
            len,
        }
    }
    fn fsync(file: &str) -> DiskOp {
        DiskOp::Fsync {
            file: file.to_string(),
        }
    }
    fn rename(from: &str, to: &str) -> DiskOp {
        DiskOp::Rename {
            from: from.to_string(),
            to: to.to_string(),
        }
    }
    fn remove(file: &str) -> DiskOp {
        DiskOp::Remove {
            file: file.to_string(),
        }
    }

    /// Applies each op, which must succeed, checking every invariant after each.
    fn disk_after(ops: &[DiskOp]) -> VirtualDisk {
        let mut disk = VirtualDisk::new();
        for op in ops {
            disk.apply(op)
                .unwrap_or_else(|error| panic!("{op:?}: {error}"));
            check_all(&disk);
        }
        disk
    }

    fn check_all(disk: &VirtualDisk) {
        disk.check_invariants();
        check_content(disk);
    }

    /// The O(bytes) half of the invariants: outside touched sectors the
    /// durable and current bytes agree (zeros past either length).
    fn check_content(disk: &VirtualDisk) {
        for (id, inode) in &disk.inodes {
            let durable = inode.durable_bytes();
            let len_max = durable.len().max(inode.current.len());
            for index in 0..len_max {
                let sector = (index / SECTOR_BYTES) as u64;
                if inode.touched.contains(sector) {
                    continue;
                }
                assert!(index < durable.len() && index < inode.current.len());
                assert_eq!(
                    durable[index], inode.current[index],
                    "inode {id:?} byte {index}"
                );
            }
        }
    }

    fn crash(disk: &mut VirtualDisk, seed: u64, fates: &SectorFates) -> CrashReport {
        let report = disk.crash(&mut ChaCha8Rng::seed_from_u64(seed), fates);
        check_all(disk);
        assert!(!disk.has_unsynced());
        report
    }

    fn crashed_image(ops: &[DiskOp], seed: u64, fates: &SectorFates) -> BTreeMap<String, Vec<u8>> {
        let mut disk = disk_after(ops);
        crash(&mut disk, seed, fates);
        disk.image()
    }

    fn image(files: &[(&str, &[u8])]) -> BTreeMap<String, Vec<u8>> {
        files
            .iter()
            .map(|(name, bytes)| (name.to_string(), bytes.to_vec()))
            .collect()
    }

    /// A durable file `f` holding 1024 bytes of 1s, then an unsynced write of
    /// 2s over its second sector.
    fn unsynced_overwrite() -> Vec<DiskOp> {
        vec![
            create("f"),
            write("f", 0, &[1; 1024]),
            fsync("f"),
            DiskOp::FsyncDir,
            write("f", 512, &[2; 512]),
        ]
    }

    #[test]
    fn unsynced_write_kept() {
        let mut expected = vec![1u8; 512];
        expected.extend([2u8; 512]);
        for seed in 0..20 {
            let mut disk = disk_after(&unsynced_overwrite());
            let report = crash(&mut disk, seed, &SectorFates::KEEP_ALL);
            assert_eq!(disk.image(), image(&[("f", &expected)]));
            assert_eq!(
                report,
                CrashReport {
                    sectors_kept: 1,
                    ..CrashReport::default()
                }
            );
        }
    }

    #[test]
    fn unsynced_write_lost() {
        for seed in 0..20 {
            let mut disk = disk_after(&unsynced_overwrite());
            let report = crash(&mut disk, seed, &SectorFates::LOSE_ALL);
            assert_eq!(disk.image(), image(&[("f", &[1; 1024])]));
            assert_eq!(
                report,
                CrashReport {
                    sectors_lost: 1,
                    ..CrashReport::default()
                }
            );
        }
    }

    #[test]
    fn unsynced_write_torn() {
        let mut garbage_seen = false;
        for seed in 0..20 {
            let mut disk = disk_after(&unsynced_overwrite());
            let report = crash(&mut disk, seed, &SectorFates::TEAR_ALL);
            let bytes = disk.read("f").expect("f is durable");
            assert_eq!(bytes.len(), 1024);
            assert_eq!(&bytes[..512], &[1; 512], "untouched sector intact");
            garbage_seen |= bytes[512..] != [1; 512] && bytes[512..] != [2; 512];
            assert_eq!(
                report,
                CrashReport {
                    sectors_torn: 1,
                    ..CrashReport::default()
                }
            );
        }
        assert!(garbage_seen);
    }

    #[test]
    fn unsynced_extension_keeps_either_length() {
        let ops = [
            create("f"),
            write("f", 0, &[1; 100]),
            fsync("f"),
            DiskOp::FsyncDir,
            write("f", 100, &[2; 1000]),
        ];
        let mut lengths = BTreeSet::new();
        for seed in 0..SEEDS_MAX {
            let bytes = crashed_image(&ops, seed, &SectorFates::LOSE_ALL)["f"].clone();
            // Lost sectors past the old length read as zeros.
            let mut expected = vec![1u8; 100];
            expected.resize(bytes.len(), 0);
            assert_eq!(bytes, expected);
            lengths.insert(bytes.len());
        }
        assert_eq!(lengths, BTreeSet::from([100, 1100]));
    }

    #[test]
    fn fsynced_data_survives_any_crash() {
        let ops = [
            create("f"),
            write("f", 0, &[7; 3000]),
            write("f", 5000, b"tail"),
            truncate("f", 4000),
            fsync("f"),
            DiskOp::FsyncDir,
        ];
        let mut expected = vec![7u8; 3000];
        expected.resize(4000, 0);
        for seed in 0..20 {
            for fates in [
                SectorFates::KEEP_ALL,
                SectorFates::LOSE_ALL,
                SectorFates::TEAR_ALL,
            ] {
                let mut disk = disk_after(&ops);
                assert!(!disk.has_unsynced());
                let report = crash(&mut disk, seed, &fates);
                assert_eq!(disk.image(), image(&[("f", &expected)]));
                assert_eq!(report, CrashReport::default());
            }
        }
    }

    #[test]
    fn created_file_without_fsync_dir_can_vanish() {
        let ops = [create("f"), write("f", 0, b"data"), fsync("f")];
        let mut outcomes = BTreeSet::new();
        for seed in 0..SEEDS_MAX {
            let image = crashed_image(&ops, seed, &SectorFates::KEEP_ALL);
            assert!(
                image.is_empty() || image == self::image(&[("f", b"data")]),
                "{image:?}"
            );
            outcomes.insert(image.len());
        }
        assert_eq!(outcomes, BTreeSet::from([0, 1]));
    }

    #[test]
    fn created_file_with_fsync_dir_stays() {
        let ops = [create("f"), DiskOp::FsyncDir];
        for seed in 0..20 {
            assert_eq!(
                crashed_image(&ops, seed, &SectorFates::LOSE_ALL),
                image(&[("f", b"")])
            );
        }
    }

    #[test]
    fn rename_is_atomic() {
        let ops = [
            create("data"),
            write("data", 0, &[1; 2000]),
            fsync("data"),
            DiskOp::FsyncDir,
            create("data.tmp"),
            write("data.tmp", 0, &[2; 1500]),
            fsync("data.tmp"),
            rename("data.tmp", "data"),
        ];
        let old = image(&[("data", &[1; 2000])]);
        let new = image(&[("data", &[2; 1500])]);
        let tmp_only = image(&[("data", &[1; 2000]), ("data.tmp", &[2; 1500])]);
        let mut outcomes = BTreeSet::new();
        for seed in 0..SEEDS_MAX {
            let image = crashed_image(&ops, seed, &SectorFates::TEAR_ALL);
            assert!(
                image == old || image == new || image == tmp_only,
                "seed {seed}: {image:?}"
            );
            outcomes.insert(image);
        }
        assert_eq!(outcomes.len(), 3, "old, old + tmp and new all reachable");
    }

    #[test]
    fn rename_with_fsync_dir_is_durable() {
        let ops = [
            create("a"),
            write("a", 0, b"x"),
            fsync("a"),
            create("b"),
            DiskOp::FsyncDir,
            rename("a", "b"),
            DiskOp::FsyncDir,
        ];
        let disk = disk_after(&ops);
        assert_eq!(disk.names(), vec!["b".to_string()]);
        for seed in 0..20 {
            assert_eq!(
                crashed_image(&ops, seed, &SectorFates::LOSE_ALL),
                image(&[("b", b"x")])
            );
        }
    }

    #[test]
    fn removed_file_without_fsync_dir_can_come_back() {
        let ops = [
            create("f"),
            write("f", 0, b"data"),
            fsync("f"),
            DiskOp::FsyncDir,
            remove("f"),
        ];
        assert_eq!(disk_after(&ops).read("f"), None);
        let mut outcomes = BTreeSet::new();
        for seed in 0..SEEDS_MAX {
            let image = crashed_image(&ops, seed, &SectorFates::KEEP_ALL);
            assert!(
                image.is_empty() || image == self::image(&[("f", b"data")]),
                "{image:?}"
            );
            outcomes.insert(image.len());
        }
        assert_eq!(outcomes, BTreeSet::from([0, 1]));
    }

    #[test]
    fn metadata_prefix_is_ordered() {
        // "b" is created after "a": no crash keeps "b" but loses "a".
        let ops = [create("a"), create("b"), create("c")];
        let mut kept_counts = BTreeSet::new();
        for seed in 0..SEEDS_MAX {
            let mut disk = disk_after(&ops);
            let report = crash(&mut disk, seed, &SectorFates::KEEP_ALL);
            let expected: Vec<String> = ["a", "b", "c"][..report.metadata_ops_kept as usize]
                .iter()
                .map(|n| n.to_string())
                .collect();
            assert_eq!(disk.names(), expected);
            assert_eq!(report.metadata_ops_kept + report.metadata_ops_lost, 3);
            kept_counts.insert(report.metadata_ops_kept);
        }
        assert_eq!(kept_counts, BTreeSet::from([0, 1, 2, 3]));
    }

    #[test]
    fn truncate_shrinks_and_extends_with_zeros() {
        let mut disk = disk_after(&[create("f"), write("f", 0, &[5; 1000]), truncate("f", 10)]);
        assert_eq!(disk.read("f"), Some(&[5u8; 10][..]));
        disk.apply(&truncate("f", 20)).expect("truncate");
        check_all(&disk);
        let mut expected = vec![5u8; 10];
        expected.resize(20, 0);
        assert_eq!(disk.read("f"), Some(&expected[..]));
        assert_eq!(disk.current_bytes(), 20);
    }

    #[test]
    fn unsynced_truncate_keeps_either_length() {
        let ops = [
            create("f"),
            write("f", 0, &[5; 1000]),
            fsync("f"),
            DiskOp::FsyncDir,
            truncate("f", 10),
        ];
        let mut outcomes = BTreeSet::new();
        for seed in 0..SEEDS_MAX {
            let bytes = crashed_image(&ops, seed, &SectorFates::LOSE_ALL)["f"].clone();
            assert!(bytes == [5; 10] || bytes == [5; 1000], "{bytes:?}");
            outcomes.insert(bytes.len());
        }
        assert_eq!(outcomes, BTreeSet::from([10, 1000]));
        // Kept sectors past the truncation point read as zeros.
        for seed in 0..SEEDS_MAX {
            let bytes = crashed_image(&ops, seed, &SectorFates::KEEP_ALL)["f"].clone();
            let mut expected = vec![5u8; 10];
            expected.resize(bytes.len(), 0);
            assert_eq!(bytes, expected);
        }
    }

    #[test]
    fn missing_and_existing_names_are_errors() {
        let mut disk = disk_after(&[create("f")]);
        let not_found = |file: &str| {
            Err(DiskError::NotFound {
                file: file.to_string(),
            })
        };
        assert_eq!(
            disk.apply(&create("f")),
            Err(DiskError::AlreadyExists {
                file: "f".to_string()
            })
        );
        assert_eq!(disk.apply(&write("g", 0, b"x")), not_found("g"));
        assert_eq!(disk.apply(&write("g", 0, b"")), not_found("g"));
        assert_eq!(disk.apply(&truncate("g", 0)), not_found("g"));
        assert_eq!(disk.apply(&fsync("g")), not_found("g"));
        assert_eq!(disk.apply(&rename("g", "f")), not_found("g"));
        assert_eq!(disk.apply(&remove("g")), not_found("g"));
        check_all(&disk);
        assert_eq!(disk.names(), vec!["f".to_string()]);
    }

    #[test]
    fn no_space_changes_nothing() {
        let mut disk = VirtualDisk::with_capacity(Some(1000));
        for op in [
            create("a"),
            write("a", 0, &[1; 600]),
            create("b"),
            write("b", 0, &[2; 300]),
        ] {
            disk.apply(&op).expect("fits");
        }
        let before = disk.clone();
        assert_eq!(
            disk.apply(&write("b", 300, &[3; 101])),
            Err(DiskError::NoSpace)
        );
        assert_eq!(disk.apply(&write("a", 1000, b"x")), Err(DiskError::NoSpace));
        assert_eq!(disk.apply(&truncate("b", 401)), Err(DiskError::NoSpace));
        assert_eq!(disk.apply(&write("a", 0, &[]).clone()), Ok(()));
        check_all(&disk);
        assert_eq!(disk.image(), before.image());
        assert_eq!(disk.current_bytes(), 900);
        // Exactly full is fine; removing a file frees its bytes at once.
        disk.apply(&write("b", 300, &[3; 100]))
            .expect("exactly full");
        disk.apply(&remove("a")).expect("remove");
        disk.apply(&truncate("b", 1000)).expect("room again");
        check_all(&disk);
        assert_eq!(disk.current_bytes(), 1000);
    }

    #[test]
    fn huge_offsets_are_no_space() {
        let mut disk = disk_after(&[create("f")]);
        assert_eq!(
            disk.apply(&write("f", u64::MAX, b"x")),
            Err(DiskError::NoSpace)
        );
        assert_eq!(
            disk.apply(&truncate("f", FILE_BYTES_MAX + 1)),
            Err(DiskError::NoSpace)
        );
        check_all(&disk);
    }

    #[test]
    fn rot_flips_one_durable_bit() {
        let ops = [
            create("f"),
            write("f", 0, &[0; 1500]),
            fsync("f"),
            DiskOp::FsyncDir,
        ];
        let mut offsets = BTreeSet::new();
        for seed in 0..SEEDS_MAX {
            let mut disk = disk_after(&ops);
            let rot = disk
                .rot(&mut ChaCha8Rng::seed_from_u64(seed))
                .expect("durable bytes");
            check_all(&disk);
            let mut expected = vec![0u8; 1500];
            expected[rot.offset as usize] = 1 << rot.bit;
            assert_eq!(rot.file, "f");
            assert_eq!(disk.read("f"), Some(&expected[..]));
            crash(&mut disk, seed, &SectorFates::KEEP_ALL);
            assert_eq!(disk.read("f"), Some(&expected[..]), "rot is durable");
            offsets.insert(rot.offset / SECTOR_BYTES_U64);
        }
        assert_eq!(offsets, BTreeSet::from([0, 1, 2]));
    }

    #[test]
    fn rot_under_an_unsynced_write_shows_only_after_a_lost_sector() {
        let ops = [
            create("f"),
            write("f", 0, &[0; 10]),
            fsync("f"),
            DiskOp::FsyncDir,
            write("f", 0, &[9; 10]),
        ];
        let mut disk = disk_after(&ops);
        let rot = disk
            .rot(&mut ChaCha8Rng::seed_from_u64(1))
            .expect("durable bytes");
        check_all(&disk);
        assert_eq!(
            disk.read("f"),
            Some(&[9u8; 10][..]),
            "page cache shadows the media"
        );
        crash(&mut disk, 1, &SectorFates::LOSE_ALL);
        let mut expected = [0u8; 10];
        expected[rot.offset as usize] = 1 << rot.bit;
        assert_eq!(disk.read("f"), Some(&expected[..]));
    }

    #[test]
    fn rot_without_durable_bytes_is_none() {
        let mut disk = disk_after(&[create("f"), write("f", 0, b"unsynced")]);
        assert_eq!(disk.rot(&mut ChaCha8Rng::seed_from_u64(0)), None);
        assert_eq!(
            VirtualDisk::new().rot(&mut ChaCha8Rng::seed_from_u64(0)),
            None
        );
    }

    #[test]
    fn same_seed_same_crash() {
        let ops = [
            create("a"),
            write("a", 0, &[1; 5000]),
            fsync("a"),
            write("a", 100, &[2; 4000]),
            create("b"),
            write("b", 0, &[3; 3000]),
            rename("b", "a"),
            create("c"),
        ];
        let fates = SectorFates {
            kept: 1.0,
            lost: 1.0,
            torn: 1.0,
        };
        let run = |seed: u64| {
            let mut disk = disk_after(&ops);
            let report = crash(&mut disk, seed, &fates);
            (report, disk.image())
        };
        let mut outcomes = BTreeSet::new();
        for seed in 0..20 {
            let first = run(seed);
            assert_eq!(first, run(seed), "seed {seed}");
            outcomes.insert(format!("{first:?}"));
        }
        assert!(outcomes.len() > 1, "different seeds differ");
    }

    #[test]
    fn sector_set_merges_and_trims() {
        let mut set = SectorSet::default();
        set.insert(10, 12);
        set.insert(0, 2);
        set.insert(5, 6);
        set.insert(2, 5); // Touches both neighbours: 0..6.
        set.check_invariants();
        assert_eq!(
            set.iter().collect::<Vec<_>>(),
            vec![0, 1, 2, 3, 4, 5, 10, 11]
        );
        set.insert(7, 11);
        set.check_invariants();
        assert_eq!(set.ranges, BTreeMap::from([(0, 6), (7, 12)]));
        set.retain_below(8);
        assert_eq!(set.ranges, BTreeMap::from([(0, 6), (7, 8)]));
        assert!(set.contains(7) && !set.contains(6) && !set.contains(8));
        set.retain_below(7);
        assert_eq!(set.ranges, BTreeMap::from([(0, 6)]));
        assert_eq!(set.end(), 6);
    }

    const NAMES: [&str; 4] = ["a", "b", "c", "d"];

    pub(crate) fn op_strategy() -> impl Strategy<Value = DiskOp> {
        let name = || proptest::sample::select(&NAMES[..]).prop_map(str::to_string);
        prop_oneof![
            2 => name().prop_map(|file| DiskOp::Create { file }),
            4 => (name(), 0u64..2500, 0usize..1200, any::<u8>()).prop_map(|(file, offset, len, byte)| {
                DiskOp::Write { file, offset, data: (0..len).map(|i| byte.wrapping_add(i as u8)).collect() }
            }),
            1 => (name(), 0u64..3000).prop_map(|(file, len)| DiskOp::Truncate { file, len }),
            2 => name().prop_map(|file| DiskOp::Fsync { file }),
            1 => (name(), name()).prop_map(|(from, to)| DiskOp::Rename { from, to }),
            1 => name().prop_map(|file| DiskOp::Remove { file }),
            1 => Just(DiskOp::FsyncDir),
        ]
    }

    fn fates_strategy() -> impl Strategy<Value = SectorFates> {
        proptest::sample::select(vec![
            SectorFates::KEEP_ALL,
            SectorFates::LOSE_ALL,
            SectorFates::TEAR_ALL,
            SectorFates {
                kept: 1.0,
                lost: 1.0,
                torn: 0.0,
            },
            SectorFates {
                kept: 1.0,
                lost: 1.0,
                torn: 1.0,
            },
        ])
    }

    /// Byte `index` of `bytes`, zero past the end.
    fn padded(bytes: &[u8], index: usize) -> u8 {
        bytes.get(index).copied().unwrap_or(0)
    }

    /// Checks a crash's outcome against the disk just before it.
    fn check_crash(
        before: &VirtualDisk,
        after: &VirtualDisk,
        report: &CrashReport,
        fates: &SectorFates,
    ) {
        let kept = report.metadata_ops_kept as usize;
        assert_eq!(
            kept + report.metadata_ops_lost as usize,
            before.pending_metadata.len()
        );
        let mut names = before.durable_names.clone();
        for op in &before.pending_metadata[..kept] {
            op.apply_to(&mut names);
        }
        assert_eq!(
            after.current_names, names,
            "names are the durable ones plus a prefix"
        );

        let mut sectors_settled_min = 0;
        for (name, id) in &after.current_names {
            let old = &before.inodes[id];
            let old_durable = old.durable_bytes();
            let bytes = &after.inodes[id].current;
            assert!(
                bytes.len() == old_durable.len() || bytes.len() == old.current.len(),
                "{name}: length"
            );
            for (sector, chunk) in bytes.chunks(SECTOR_BYTES).enumerate() {
                let start = sector * SECTOR_BYTES;
                let was_durable: Vec<u8> = (start..start + chunk.len())
                    .map(|i| padded(&old_durable, i))
                    .collect();
                let was_current: Vec<u8> = (start..start + chunk.len())
                    .map(|i| padded(&old.current, i))
                    .collect();
                if !old.touched.contains(sector as u64) {
                    // (a) Durable bytes untouched since the last fsync never change.
                    assert_eq!(
                        chunk,
                        &was_durable[..],
                        "{name}: untouched sector {sector} changed"
                    );
                    continue;
                }
                sectors_settled_min += 1;
                // (b) A touched sector is entirely old, entirely new or garbage.
                let whole = chunk == &was_durable[..] || chunk == &was_current[..];
                if fates.torn == 0.0 {
                    assert!(whole, "{name}: sector {sector} mixes old and new");
                }
                if fates.lost == 0.0 && fates.torn == 0.0 {
                    assert_eq!(chunk, &was_current[..], "{name}: sector {sector} not kept");
                }
                if fates.kept == 0.0 && fates.torn == 0.0 {
                    assert_eq!(chunk, &was_durable[..], "{name}: sector {sector} not lost");
                }
            }
        }
        let settled = report.sectors_kept + report.sectors_lost + report.sectors_torn;
        let touched_total: u64 = before
            .inodes
            .values()
            .map(|inode| inode.touched.iter().count() as u64)
            .sum();
        assert!(
            settled >= sectors_settled_min && settled <= touched_total,
            "{report:?}"
        );
    }

    proptest! {
        #[test]
        fn random_ops_then_crash(
            ops in proptest::collection::vec(op_strategy(), 0..60),
            capacity in proptest::option::of(0u64..8000),
            fates in fates_strategy(),
            seed in any::<u64>(),
        ) {
            let mut disk = VirtualDisk::with_capacity(capacity);
            for op in &ops {
                let before = disk.clone();
                if disk.apply(op).is_err() {
                    prop_assert_eq!(disk.image(), before.image(), "failed {:?} changed the disk", op);
                    prop_assert_eq!(disk.has_unsynced(), before.has_unsynced());
                }
                check_all(&disk);
            }
            let before = disk.clone();
            let report = crash(&mut disk, seed, &fates);
            check_crash(&before, &disk, &report, &fates);
            let mut again = before.clone();
            prop_assert_eq!(&again.crash(&mut ChaCha8Rng::seed_from_u64(seed), &fates), &report);
            prop_assert_eq!(again.image(), disk.image(), "same seed, same crash");
        }
    }
}

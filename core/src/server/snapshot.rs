//! A fuzzy snapshot in progress: the tree is walked a chunk at a time, each
//! chunk written when the previous one completes, while txns keep applying.

use crate::ids::Zxid;
use crate::io::DiskOp;
use crate::persist::names::snapshot_name;
use crate::persist::snapshot_format::SnapshotEncoder;
use crate::server::disk_queue::{DiskQueue, IoTag};
use crate::server::messages::Output;
use crate::tree::{DataTree, FuzzyWalk};

#[derive(Debug)]
pub(crate) struct SnapshotJob {
    zxid: Zxid,
    name: String,
    walk: FuzzyWalk,
    encoder: Option<SnapshotEncoder>,
    offset: u64,
    chunk_nodes: usize,
    chunks_written: u64,
}

impl SnapshotJob {
    /// Starts a snapshot of `tree` as of its last applied zxid. `replace` says a
    /// file of that name exists (a leftover) and must be removed first.
    pub fn start(
        tree: &DataTree,
        dbid: u64,
        chunk_nodes: usize,
        replace: bool,
        disk: &mut DiskQueue,
        outputs: &mut Vec<Output>,
    ) -> SnapshotJob {
        assert!(chunk_nodes >= 1);
        let walk = tree.fuzzy_walk();
        let zxid = walk.zxid();
        assert_eq!(zxid, tree.last_processed_zxid());
        let name = snapshot_name(zxid);
        let (encoder, header) = SnapshotEncoder::begin(dbid, zxid, walk.sessions());
        if replace {
            disk.issue(DiskOp::Remove { file: name.clone() }, IoTag::Plain, outputs);
        }
        disk.issue(DiskOp::Create { file: name.clone() }, IoTag::Plain, outputs);
        let offset = header.len() as u64;
        disk.issue(
            DiskOp::Write {
                file: name.clone(),
                offset: 0,
                data: header,
            },
            IoTag::SnapshotChunk,
            outputs,
        );
        SnapshotJob {
            zxid,
            name,
            walk,
            encoder: Some(encoder),
            offset,
            chunk_nodes,
            chunks_written: 0,
        }
    }

    pub fn zxid(&self) -> Zxid {
        self.zxid
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The previous chunk is written: write the next one, or seal the file.
    pub fn on_chunk_written(
        &mut self,
        tree: &DataTree,
        disk: &mut DiskQueue,
        outputs: &mut Vec<Output>,
    ) {
        let encoder = self
            .encoder
            .as_mut()
            .expect("chunk completion after the seal");
        self.chunks_written += 1;
        let mut nodes = Vec::with_capacity(self.chunk_nodes);
        loop {
            let finished = self
                .walk
                .visit_chunk(tree, self.chunk_nodes, |path, znode| {
                    nodes.push((path, znode));
                });
            assert!(nodes.len() <= self.chunk_nodes);
            if !nodes.is_empty() {
                // The next completion continues the walk, or seals a finished one.
                let data = encoder.chunk(&nodes);
                self.write(data, IoTag::SnapshotChunk, disk, outputs);
                return;
            }
            if finished {
                break;
            }
        }
        let encoder = self.encoder.take().expect("encoder present until sealed");
        let seal = encoder.finish(tree.last_processed_zxid());
        self.write(seal, IoTag::Plain, disk, outputs);
        disk.issue(
            DiskOp::Fsync {
                file: self.name.clone(),
            },
            IoTag::Plain,
            outputs,
        );
        disk.issue(DiskOp::FsyncDir, IoTag::SnapshotDurable, outputs);
    }

    fn write(
        &mut self,
        data: Vec<u8>,
        tag: IoTag,
        disk: &mut DiskQueue,
        outputs: &mut Vec<Output>,
    ) {
        let len = data.len() as u64;
        disk.issue(
            DiskOp::Write {
                file: self.name.clone(),
                offset: self.offset,
                data,
            },
            tag,
            outputs,
        );
        self.offset += len;
    }
}

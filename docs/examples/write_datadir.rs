//! Writes a real data directory with the core, for `zksim datadir verify|dump`:
//! one replica (`zksim::standalone::LocalServer`) on a directory of your file
//! system, every disk request executed with `std::fs` (fsync included).
//!
//! ```sh
//! cargo run --release -p zksim --example write-datadir -- DIR
//! ```
//!
//! Small snapshot and log-roll settings make a few dozen writes roll the log
//! and take snapshots. Running it again on the same directory recovers it and
//! writes more.

use std::path::PathBuf;
use zksim::standalone::LocalServer;
use zksim_core::bugs::Bugs;
use zksim_core::peer::store::StoreConfig;
use zksim_core::request::{ClientOp, OpOutcome};
use zksim_core::tree::CreateMode;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir: PathBuf = std::env::args_os()
        .nth(1)
        .ok_or("usage: write-datadir DIR")?
        .into();
    let config = StoreConfig {
        dbid: 24301,
        snapshot_every_txns: 16,
        snapshot_chunk_nodes: 4,
        log_roll_bytes: 4096,
        snapshot_retain: 2,
        entropy: 3,
        ack_before_fsync: false,
        bugs: Bugs::none(),
    };
    let (mut server, recovered) = LocalServer::open(&dir, config)?;
    println!(
        "recovered {} at zxid {}",
        dir.display(),
        recovered.last_zxid
    );
    server.set_time_ms(1_000);
    let session = server.connect(10_000)?;
    let run = format!("/run-{}", recovered.last_zxid.0);
    // A failed operation (an error code) ends the program too.
    let done = |outcome: OpOutcome| outcome.map(drop).map_err(|code| code.to_string());
    let create = |path: String, data: &str| ClientOp::Create {
        path,
        data: data.as_bytes().to_vec(),
        mode: CreateMode::Persistent,
    };
    done(server.request(session, create(run.clone(), "a run"))?)?;
    for i in 0..40 {
        server.set_time_ms(2_000 + i);
        done(server.request(session, create(format!("{run}/n{i}"), "first"))?)?;
        let set = ClientOp::SetData {
            path: format!("{run}/n{i}"),
            data: format!("value {i}").into_bytes(),
            version: 0,
        };
        done(server.request(session, set)?)?;
    }
    done(server.close(session)?)?;
    let last = server.server().last_zxid();
    println!(
        "wrote {} up to zxid {last}, all of it fsynced",
        dir.display()
    );
    Ok(())
}

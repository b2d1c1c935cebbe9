//! exciton-io: a run's files. What a run writes and reads back: results.json and the
//! tidy curves file (Parquet) beside it, the sweep and point CSV tables ([`results`]),
//! the checkpoint that lets an interrupted run resume ([`checkpoint`]) and the shares of
//! a sharded run ([`shard`]), and the site table of a film ([`sites`]). Everything here is about bytes on disk; the model is
//! `exciton_core`, and nothing in the walk's build path needs Parquet.

pub mod checkpoint;
pub mod error;
pub mod results;
pub mod shard;
pub mod sites;

pub use error::Error;

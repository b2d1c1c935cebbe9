//! exciton: exciton-mc as a library, without its command line. The engine a run holds
//! ([`engine`]: CPU, GPU with feature `gpu`, or exact), a run of a scenario into a
//! directory ([`run`]), merging a sharded run ([`merge`]), fits to measured curves
//! ([`fit`]), timing ([`bench`](mod@bench)) and, with feature `figures`, the figures (`figures`).
//! The model itself is `exciton_core`, the files `exciton_io`, the GPU `exciton_gpu`;
//! the `exciton-mc` command and the Python package are thin shells over this crate.

pub mod analyze;
pub mod bench;
pub mod engine;
pub mod error;
#[cfg(feature = "figures")]
pub mod figures;
pub mod fit;
pub mod memory;
pub mod merge;
pub mod run;

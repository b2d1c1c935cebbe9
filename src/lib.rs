//! exciton-mc: the engine a run holds ([`engine`]: CPU, GPU or exact), a run of a
//! scenario into a directory ([`run`]), timing ([`bench`]) and the figures
//! ([`figures`]). The model itself is `exciton_core`; the GPU is `exciton_gpu`.

pub mod bench;
pub mod engine;
pub mod error;
pub mod figures;
pub mod fit;
pub mod memory;
pub mod merge;
pub mod run;

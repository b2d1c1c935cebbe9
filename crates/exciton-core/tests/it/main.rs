//! exciton-core's integration tests: the model alone, without the command or the GPU.
//! The shaders against naga, the generator against `rand_pcg`, the exact backend against
//! known answers, scenario errors, and the landscape's host tables against the functions
//! they tabulate. One test binary, a module per area.

mod common;
mod exact;
mod landscape_tables;
mod mechanisms;
mod rng;
mod scenario_errors;
mod shaders;

//! The `exciton-mc` command: a thin shell over [`exciton_mc::cli`]-style handlers.

mod cli;
mod reproduce;

fn main() {
    if let Err(e) = cli::main() {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

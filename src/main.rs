//! The `exciton-mc` command: a thin shell; `cli` parses and runs, `main` prints the
//! error chain and picks the exit code (1 for errors, 130 after Ctrl-C, 2 for bad flags).

mod check;
mod cli;
mod reproduce;
mod summary;

fn main() {
    // `exciton-mc run ... | head` must end quietly when head closes the pipe, as other
    // Unix tools do, instead of panicking in println!.
    #[cfg(unix)]
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    if let Err(e) = cli::main() {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

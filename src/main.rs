//! The `exciton-mc` command: a thin shell. `main` reads the environment, sets up what
//! the process needs, runs the command and owns every exit code: 0 done, 1 an error,
//! 2 bad flags (clap) or a fit's refused input, 3 a fit with warnings, 130 interrupted by
//! Ctrl-C.

// The command's doc comments are clap's help text, printed as written: `<scenario>` there
// is a placeholder for the user, not HTML.
#![allow(rustdoc::invalid_html_tags)]

mod cli;

use exciton_core::cpu::Vector;

/// What the environment asks of a run: read here, handed down, never read by a library.
#[derive(Clone, Debug, Default)]
pub(crate) struct Environment {
    /// `EXCITON_MC_CPU_VECTOR`: the CPU walk's vector unit (benchmarks compare builds).
    pub(crate) cpu_vector: Option<Vector>,
    /// `EXCITON_MC_SHADER_CHECKS`: `bounds` (default), `all` or `none`.
    #[cfg(feature = "gpu")]
    pub(crate) shader_checks: exciton_gpu::ShaderChecks,
}

impl Environment {
    fn read() -> Self {
        let cpu_vector = std::env::var("EXCITON_MC_CPU_VECTOR")
            .ok()
            .and_then(|name| {
                Vector::by_name(&name)
                    .map_err(|e| {
                        eprintln!(
                            "EXCITON_MC_CPU_VECTOR: {e}: using {}",
                            Vector::detect().name()
                        )
                    })
                    .ok()
            });
        #[cfg(feature = "gpu")]
        let shader_checks = match std::env::var("EXCITON_MC_SHADER_CHECKS") {
            Err(_) => Default::default(),
            Ok(v) => exciton_gpu::ShaderChecks::parse(&v).unwrap_or_else(|| {
                eprintln!(
                    "EXCITON_MC_SHADER_CHECKS={v} is none of bounds, all, none: using bounds"
                );
                Default::default()
            }),
        };
        Environment {
            cpu_vector,
            #[cfg(feature = "gpu")]
            shader_checks,
        }
    }
}

/// Mesa's Vulkan loader prints `XDG_RUNTIME_DIR is invalid` on every device open when the
/// variable is unset (batch jobs, containers): point it at a private directory of this
/// user's first (kept between runs, as a login session's would be).
#[cfg(unix)]
fn private_runtime_dir() {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt};
    if std::env::var_os("XDG_RUNTIME_DIR").is_some() {
        return;
    }
    // SAFETY: getuid has no preconditions.
    let uid = unsafe { libc::getuid() };
    let dir = std::env::temp_dir().join(format!("exciton-mc-runtime-{uid}"));
    let _ = std::fs::DirBuilder::new().mode(0o700).create(&dir);
    let ours = std::fs::symlink_metadata(&dir)
        .is_ok_and(|m| m.is_dir() && m.uid() == uid && m.mode() & 0o077 == 0);
    if ours {
        // SAFETY: called first thing in main, before any other thread exists.
        unsafe { std::env::set_var("XDG_RUNTIME_DIR", &dir) };
    }
}

#[cfg(not(unix))]
fn private_runtime_dir() {}

fn main() {
    // `exciton-mc run ... | head` must end quietly when head closes the pipe, as other
    // Unix tools do, instead of panicking in println!.
    #[cfg(unix)]
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    private_runtime_dir();
    let env = Environment::read();
    let code = match cli::main(&env) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            1
        }
    };
    std::process::exit(code);
}

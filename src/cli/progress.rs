//! What a person sees while a run goes on: a progress bar on a terminal, and Ctrl-C.

use exciton_core::progress::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// First Ctrl-C: finish the block or dispatch in flight, keep finished points, exit 130.
/// Second Ctrl-C: leave at once.
pub(crate) fn stop_on_ctrl_c(progress: &Arc<Progress>) {
    let p = progress.clone();
    let installed = ctrlc::set_handler(move || {
        if p.cancelled() {
            std::process::exit(130);
        }
        eprintln!("\ninterrupt: stopping after the work in flight (Ctrl-C again to quit now)");
        p.cancel();
    });
    if let Err(e) = installed {
        eprintln!("warning: Ctrl-C will not stop cleanly: {e}");
    }
}

/// Runs `work` while a bar on stderr follows `progress` (hidden when stderr is no terminal).
pub(crate) fn with_progress<T>(
    progress: &Progress,
    total: u64,
    quiet: bool,
    work: impl FnOnce() -> T,
) -> T {
    // Hidden at first: a bar that flashes for a 0.1 s run is noise. It appears once the
    // run has taken a second, and never when stderr is no terminal or with --quiet.
    let visible = !quiet && std::io::stderr().is_terminal();
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:40} {human_pos}/{human_len} walkers  {per_sec}  eta {eta}",
        )
        .expect("valid progress template"),
    );
    let (stop, stopped) = std::sync::mpsc::channel::<()>();
    let bar = &bar;
    std::thread::scope(|s| {
        s.spawn(move || {
            let start = Instant::now();
            let mut shown = false;
            while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                stopped.recv_timeout(Duration::from_millis(100))
            {
                if visible && !shown && start.elapsed() >= Duration::from_secs(1) {
                    bar.set_draw_target(ProgressDrawTarget::stderr());
                    shown = true;
                }
                bar.set_position(progress.done());
            }
            bar.finish_and_clear();
        });
        let r = work();
        let _ = stop.send(());
        r
    })
}

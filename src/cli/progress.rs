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

/// Seconds between plain progress lines when stderr is no terminal (a batch job's log).
pub(crate) const DEFAULT_PROGRESS_EVERY_S: f64 = 10.0;

/// What a run will have done at its end: walkers, and points (0 when it is one point
/// or does not count them).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Totals {
    pub(crate) walkers: u64,
    pub(crate) points: u64,
}

/// One plain progress line: points and walkers done, rate, ETA.
fn progress_line(progress: &Progress, total: Totals, elapsed: Duration) -> String {
    let done = progress.done();
    let rate = done as f64 / elapsed.as_secs_f64().max(1e-9);
    let left = total.walkers.saturating_sub(done) as f64 / rate.max(1e-9);
    let points = if total.points > 1 {
        format!("{} of {} points, ", progress.points_done(), total.points)
    } else {
        String::new()
    };
    format!(
        "progress: {:.1} % ({points}{done} of {} walkers), {rate:.3e} walkers/s, {:.1} s elapsed, eta {left:.0} s",
        100.0 * done as f64 / total.walkers.max(1) as f64,
        total.walkers,
        elapsed.as_secs_f64()
    )
}

/// Runs `work` while a bar on stderr follows `progress`. When stderr is no terminal (a
/// batch job's log) a plain line every `log_every` instead; nothing with `quiet`.
pub(crate) fn with_progress<T>(
    progress: &Progress,
    totals: Totals,
    quiet: bool,
    log_every: Duration,
    work: impl FnOnce() -> T,
) -> T {
    // Hidden at first: a bar that flashes for a 0.1 s run is noise. It appears once the
    // run has taken a second.
    let terminal = std::io::stderr().is_terminal();
    let visible = !quiet && terminal;
    let logging = !quiet && !terminal;
    let bar = ProgressBar::with_draw_target(Some(totals.walkers), ProgressDrawTarget::hidden());
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
            let mut next_log = log_every;
            while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                stopped.recv_timeout(Duration::from_millis(100))
            {
                if visible && !shown && start.elapsed() >= Duration::from_secs(1) {
                    bar.set_draw_target(ProgressDrawTarget::stderr());
                    shown = true;
                }
                if logging && start.elapsed() >= next_log {
                    eprintln!("{}", progress_line(progress, totals, start.elapsed()));
                    next_log += log_every;
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

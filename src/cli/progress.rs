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

/// The time left when `done` of `total` walkers took `elapsed`: "-" until a first walker
/// block is done (no rate yet), then seconds, minutes, hours or days, and past a year
/// only that.
pub(crate) fn eta_text(done: u64, total: u64, elapsed: Duration) -> String {
    if done == 0 || elapsed.is_zero() {
        return "-".into();
    }
    let left = total.saturating_sub(done) as f64 * elapsed.as_secs_f64() / done as f64;
    super::cost::human(Duration::from_secs_f64(left.min(1e12)))
}

/// One plain progress line: points and walkers done, rate, ETA.
fn progress_line(progress: &Progress, total: Totals, elapsed: Duration) -> String {
    let done = progress.done();
    let rate = done as f64 / elapsed.as_secs_f64().max(1e-9);
    let left = eta_text(done, total.walkers, elapsed);
    let points = if total.points > 1 {
        format!("{} of {} points, ", progress.points_done(), total.points)
    } else {
        String::new()
    };
    format!(
        "progress: {:.1} % ({points}{done} of {} walkers), {rate:.3e} walkers/s, {:.1} s elapsed, eta {left}",
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
            "{bar:40} {human_pos}/{human_len} walkers  {per_sec}  eta {left}",
        )
        .expect("valid progress template")
        .with_key(
            "left",
            |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let total = state.len().unwrap_or(0);
                let _ = w.write_str(&eta_text(state.pos(), total, state.elapsed()));
            },
        ),
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

#[cfg(test)]
mod tests {
    use super::eta_text;
    use std::time::Duration;

    #[test]
    fn the_eta_is_blank_before_any_walker_and_never_absurd() {
        let s = Duration::from_secs;
        assert_eq!(eta_text(0, 1_000, s(10)), "-");
        assert_eq!(eta_text(500, 1_000, s(10)), "10 s");
        assert_eq!(eta_text(100, 1_000, s(100)), "15 min");
        assert_eq!(eta_text(1, 1_000, s(100)), "27.8 h");
        assert_eq!(eta_text(1, 10_000, s(100)), "11.6 days");
        // 1e13 walkers at 1e6 per second: days, not 9645203 s; 1e15: over a year.
        assert_eq!(eta_text(1_000_000, 10_000_000_000_000, s(1)), "115.7 days");
        assert_eq!(
            eta_text(1_000_000, 1_000_000_000_000_000, s(1)),
            "over a year"
        );
    }
}

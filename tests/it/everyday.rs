//! Rough edges a new user found by trying the tool: flags that take counts and seeds,
//! errors said once, what the summary shows, and what Mesa prints. Each test runs the
//! binary as a user would.

use crate::common::{exe, read_json, run_exact, temp_dir, text};
use std::process::Output;

/// `run` of the paper case on the exact backend with extra flags.
fn run_paper(out: &std::path::Path, flags: &[&str]) -> Output {
    run_exact("scenarios/paper-5nm-9K.json", out, flags)
}

fn first_point(out: &std::path::Path) -> serde_json::Value {
    read_json(&out.join("results.json"))["points"][0].clone()
}

#[test]
fn seeds_and_counts_are_read_exactly_by_one_parser() {
    for (seed, want) in [
        ("1e3", 1000u64),
        ("18446744073709551615", u64::MAX),
        ("9007199254740993", 9_007_199_254_740_993),
    ] {
        let out = temp_dir(&format!("seed-{want}"));
        let o = run_paper(&out, &["--seed", seed]);
        assert!(o.status.success(), "--seed {seed}: {}", text(&o));
        let got = first_point(&out)["seed"].as_u64();
        println!("--seed {seed}: results.json seed {got:?}");
        assert_eq!(got, Some(want), "--seed {seed}");
    }
    for (flag, value, says) in [
        ("--seed", "-3", "negative"),
        ("--seed", "2.5", "not a whole number"),
        ("--walkers", "1e30", "too large"),
        ("--walkers", "0", "below 1"),
        ("--threads", "0", "below 1"),
    ] {
        let o = run_paper(&temp_dir("bad-flag"), &[flag, value]);
        let shown = text(&o);
        println!("{flag} {value}: {shown}");
        assert_eq!(
            o.status.code(),
            Some(2),
            "{flag} {value} is a bad flag: {shown}"
        );
        assert!(
            shown.contains(says),
            "{flag} {value} should say {says:?}: {shown}"
        );
        assert!(
            !shown.contains("-- -3"),
            "a tip that does not work: {shown}"
        );
    }
}

#[test]
fn errors_are_said_once_and_name_the_problem() {
    // --out naming a file.
    let file = temp_dir("a-file");
    std::fs::write(&file, "not a directory").unwrap();
    let o = run_paper(&file, &[]);
    let shown = text(&o);
    println!("{shown}");
    assert_eq!(o.status.code(), Some(1));
    assert!(shown.contains("is a file, not a directory"), "{shown}");
    // --resume where nothing was run.
    let empty = temp_dir("empty");
    let o = run_paper(&empty, &["--resume"]);
    let shown = text(&o);
    println!("{shown}");
    assert_eq!(shown.matches("nothing to resume").count(), 1, "{shown}");
    // A directory that cannot be created: the OS reason once, not twice.
    let o = run_paper(&file.join("sub"), &[]);
    let shown = text(&o);
    println!("{shown}");
    assert_eq!(o.status.code(), Some(1));
    let os = shown.find("(os error").map(|i| &shown[i..]).unwrap_or("");
    let reason = os.split(')').next().unwrap_or("");
    assert!(!reason.is_empty(), "no OS error shown: {shown}");
    assert_eq!(shown.matches(reason).count(), 1, "said twice: {shown}");
}

#[test]
fn results_name_temperature_as_scenarios_do() {
    let out = temp_dir("temperature-key");
    let o = run_exact("scenarios/bench-sweep.json", &out, &[]);
    assert!(o.status.success(), "{}", text(&o));
    let p = first_point(&out);
    assert_eq!(p["temperature_K"], serde_json::json!(10.0), "{p:.200}");
    assert!(p.get("temperature_k").is_none());
    // The sweep table: every swept value in its own column, none cut off, units in headers.
    let shown = String::from_utf8_lossy(&o.stdout);
    println!("{shown}");
    assert!(
        shown.contains("trapped = states.bright.to.trapped"),
        "{shown}"
    );
    assert!(shown.contains("D_avg [cm^2/s]"), "{shown}");
    let rows: Vec<&str> = shown
        .lines()
        .filter(|l| l.trim_start().starts_with(|c: char| c.is_ascii_digit()))
        .collect();
    assert!(rows.len() >= 3, "{shown}");
    // Exact numbers carry no error, not "+- 0".
    assert!(!rows.iter().any(|r| r.contains("+-")), "{shown}");
    // Points 0, 1, 2 differ in their trap value, and the table shows it.
    let cells = |r: &str| {
        r.split_whitespace()
            .take(3)
            .map(String::from)
            .collect::<Vec<_>>()
    };
    assert_eq!(cells(rows[0]), ["0", "10", "0.0"], "{shown}");
    assert_eq!(cells(rows[1]), ["1", "10", "0.0005"], "{shown}");
    assert_eq!(cells(rows[2]), ["2", "10", "0.001"], "{shown}");
    // The exact backend walks no walkers: no walker-frame rate.
    assert!(!shown.contains("walker-frames/s"), "{shown}");
}

#[test]
fn no_runtime_dir_warnings_from_mesa() {
    for args in [&["devices"][..], &["check", "scenarios/paper-5nm-9K.json"]] {
        let o = exe()
            .args(args)
            .env_remove("XDG_RUNTIME_DIR")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        println!("{args:?}: {err}");
        assert!(o.status.success(), "{}", text(&o));
        assert!(!err.contains("XDG_RUNTIME_DIR"), "{args:?} printed: {err}");
    }
}

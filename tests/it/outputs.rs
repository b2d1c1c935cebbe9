//! Outputs that stay readable at scale: point files padded to the sweep's width, a
//! warning that many points give said once, and plain progress lines in a batch log.

use crate::common::{exe, paper_json, read_json, run_exact, set, temp_dir, text};
use serde_json::json;

/// A 1001-point exact sweep, short enough that tau_PL is never reached (a warning at
/// every point).
fn big_sweep(dir: &std::path::Path) -> std::path::PathBuf {
    let mut v = paper_json();
    set(&mut v, "frames", json!(4));
    let seeds: Vec<u64> = (0..1001).collect();
    set(
        &mut v,
        "sweep",
        json!({ "mode": "zip", "parameters": { "seed": seeds } }),
    );
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join("big-sweep.json");
    std::fs::write(&path, serde_json::to_string(&v).unwrap()).unwrap();
    path
}

#[test]
fn point_files_sort_in_point_order_and_repeated_warnings_are_said_once() {
    let dir = temp_dir("outputs");
    let scenario = big_sweep(&dir);
    let out = dir.join("out");
    let o = run_exact(scenario.to_str().unwrap(), &out, &["--point-csv"]);
    assert!(o.status.success(), "{}", text(&o));
    let mut csv: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("point-"))
        .collect();
    csv.sort();
    assert_eq!(csv.len(), 1001);
    assert_eq!(
        (csv[0].as_str(), csv[1000].as_str()),
        ("point-0000.csv", "point-1000.csv")
    );
    assert!(
        !out.join("points").exists(),
        "the checkpoint goes when the run ends"
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    let lines: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("tau_PL undefined"))
        .collect();
    println!("{lines:#?}");
    assert_eq!(lines.len(), 1, "one line for the warning every point gives");
    assert!(
        lines[0].contains("at 1001 of 1001 points (0, 1, 2, 3, 4, 5, 6, 7 and 993 more)"),
        "{}",
        lines[0]
    );
}

#[test]
fn a_batch_log_gets_plain_progress_lines() {
    // stderr is a pipe here, as in a batch job: no bar, a line every --progress-every.
    let run = |quiet: bool| {
        let mut c = exe();
        c.args([
            "run",
            "scenarios/trap-model.json",
            "--backend",
            "cpu",
            "--walkers",
            "1e6",
            "--progress-every",
            "0.1",
            "--out",
        ])
        .arg(temp_dir(if quiet { "progress-quiet" } else { "progress" }));
        if quiet {
            c.arg("--quiet");
        }
        c.output().unwrap()
    };
    let o = run(false);
    assert!(o.status.success(), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("progress: "))
        .collect();
    println!("{lines:#?}");
    assert!(!lines.is_empty(), "no progress line in: {err}");
    assert!(
        lines[0].contains("walkers/s") && lines[0].contains("eta"),
        "{}",
        lines[0]
    );
    let quiet = run(true);
    assert!(!String::from_utf8_lossy(&quiet.stderr).contains("progress: "));
}

#[test]
fn results_json_embeds_the_scenario() {
    let out = temp_dir("embedded");
    let o = run_exact("scenarios/fig3-traps.json", &out, &[]);
    assert!(o.status.success(), "{}", text(&o));
    let results = read_json(&out.join("results.json"));
    let file = read_json(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/fig3-traps.json"),
    );
    assert_eq!(
        results["scenario_json"], file,
        "the scenario as read, sweep included"
    );
    // The sample's keys are the scenario's spelling.
    let sample = &results["sample"];
    assert_eq!(sample["splitting_meV"], json!(15.0), "{sample}");
    assert!(sample.get("splitting_mev").is_none(), "{sample}");
}

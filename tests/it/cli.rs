//! The `exciton-mc` binary as a user runs it: files written, errors shown, exit codes.

use crate::common::{exe, read_json, temp_dir, text};
use std::path::Path;
use std::process::Command;

#[test]
fn run_writes_results_and_csv() {
    let out = temp_dir("run");
    let o = exe()
        .args([
            "run",
            "scenarios/paper-5nm-9K.json",
            "--backend",
            "cpu",
            "--walkers",
            "1e5",
            "--point-csv",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("tau_PL") && stdout.contains("cm^2/s") && stdout.contains("sites^2"),
        "{stdout}"
    );
    let results: serde_json::Value = read_json(&out.join("results.json"));
    assert_eq!(results["backend"], "cpu");
    assert_eq!(results["curves"]["file"], "curves.parquet");
    assert!(
        results["points"][0].get("time_ps").is_none(),
        "curves are in curves.parquet, not results.json"
    );
    // The directory read back: scalars from results.json, curves from curves.parquet.
    let back = exciton_io::results::read_results(&out.join("results.json")).unwrap();
    let results = serde_json::to_value(&back).unwrap();
    let p = &results["points"][0];
    assert_eq!(p["walkers"], 100_000);
    assert_eq!(p["time_ps"].as_array().unwrap().len(), 300);
    assert_eq!(p["msd_sites2"][0], 0.0);
    for key in [
        "intensity",
        "emissions",
        "msd_stderr_sites2",
        "msd_nm2",
        "tau_pl_ps",
        "d_avg_cm2_s",
        "diffusion_length_nm",
        "t_max_ps",
    ] {
        assert!(p.get(key).is_some(), "results.json lacks {key}");
    }
    // A Monte Carlo run gives every scalar its standard error.
    for key in [
        "tau_pl_stderr_ps",
        "d_avg_stderr_cm2_s",
        "diffusion_length_stderr_nm",
        "t_max_stderr_ps",
    ] {
        assert!(
            p[key].as_f64().is_some_and(|e| e > 0.0),
            "{key}: {}",
            p[key]
        );
    }
    assert!(p["populations"]["dark"].is_array());
    let csv = std::fs::read_to_string(out.join("point-000.csv")).unwrap();
    assert_eq!(csv.lines().count(), 301, "header + one row per frame");
    assert!(csv.starts_with("point,frame,time_ps,intensity,intensity_stderr,emissions,msd_sites2"));
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");

    // The same directory again is refused without --force, and nothing is rewritten.
    let o = exe()
        .args([
            "run",
            "scenarios/paper-5nm-9K.json",
            "--backend",
            "exact",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(text(&o).contains("--force"), "{}", text(&o));
    let again: serde_json::Value = read_json(&out.join("results.json"));
    assert_eq!(
        again["backend"], "cpu",
        "refused run must not touch results"
    );
    let o = exe()
        .args([
            "run",
            "scenarios/paper-5nm-9K.json",
            "--backend",
            "exact",
            "--force",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn bad_scenario_fails_with_file_path_and_reason_and_writes_nothing() {
    let dir = temp_dir("bad");
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.json");
    let good = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/paper-5nm-9K.json"),
    )
    .unwrap();
    std::fs::write(
        &bad,
        good.replace("{ \"dark\": 0.15 }", "{ \"drak\": 0.15 }"),
    )
    .unwrap();
    let out = dir.join("out");
    let o = exe()
        .args(["run", "--backend", "cpu", "--out"])
        .arg(&out)
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("bad.json: states.bright.to.drak: unknown state `drak`"),
        "{err}"
    );
    assert!(
        !out.join("results.json").exists(),
        "no result for a bad scenario"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_flags_are_refused() {
    let o = exe()
        .args(["run", "scenarios/paper-5nm-9K.json", "--walkers", "2.5"])
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(text(&o).contains("not a whole number"), "{}", text(&o));
    let o = exe()
        .args(["run", "scenarios/paper-5nm-9K.json", "--backend", "quantum"])
        .output()
        .unwrap();
    assert!(!o.status.success());
    let o = exe()
        .args([
            "run",
            "scenarios/paper-5nm-9K.json",
            "--backend",
            "gpu",
            "--adapter",
            "no-such-card-xyz",
            "--out",
        ])
        .arg(temp_dir("adapter"))
        .output()
        .unwrap();
    assert!(!o.status.success());
    let t = text(&o);
    assert!(
        t.contains("no-such-card-xyz") || t.contains("no GPU adapter"),
        "{t}"
    );
}

#[test]
fn every_shipped_scenario_loads() {
    for entry in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")).unwrap()
    {
        let path = entry.unwrap().path();
        let plan = exciton_core::sweep::Plan::load(&path).unwrap_or_else(|e| panic!("{e}"));
        assert!(!plan.points.is_empty());
    }
}

fn assert_png(path: &Path) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "{} is not a PNG",
        path.display()
    );
    assert!(
        bytes.len() > 20_000,
        "{} is suspiciously small: {} bytes",
        path.display(),
        bytes.len()
    );
}

#[test]
fn reproduce_writes_every_png_and_plot_redraws_them() {
    let out = temp_dir("reproduce");
    let o = exe()
        .args([
            "reproduce",
            "--backend",
            "cpu",
            "--walkers",
            "3000",
            "--quiet",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    for name in [
        "paper-5nm-9K-msd.png",
        "paper-5nm-9K-pl_decay.png",
        "paper-5nm-9K-diffusion_map.png",
        "fig2e-heating-msd.png",
        "fig2e-heating-t_max.png",
        "fig3-traps-msd.png",
        "fig3-traps-t_max.png",
        "fig3e-t-max-vs-temperature-t_max.png",
        "fig4-temperature-temperature.png",
        "fig4-temperature-heatmap.png",
        "fig4-mechanisms-temperature.png",
        "fig4-mechanisms-heatmap.png",
        "disorder-migration-disorder.png",
        "disorder-migration-emission_image.png",
        "figS7-bright-fraction.png",
    ] {
        assert_png(&out.join(name));
    }
    for scenario in [
        "paper-5nm-9K",
        "fig2e-heating",
        "fig3-traps",
        "fig3e-t-max-vs-temperature",
        "fig4-temperature",
        "fig4-mechanisms",
        "disorder-migration",
    ] {
        assert!(
            out.join("results")
                .join(scenario)
                .join("results.json")
                .exists(),
            "{scenario}"
        );
    }
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("reproduced 15 figures") && stdout.contains("cpu"),
        "{stdout}"
    );

    let replot = out.join("replot");
    let o = exe()
        .arg("plot")
        .arg(out.join("results/fig3-traps/results.json"))
        .args(["--figure", "t_max", "--out"])
        .arg(&replot)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert_png(&replot.join("fig3-traps-t_max.png"));
    // From the curves file, a figure the run cannot give fails alone: the others are drawn.
    let partial = out.join("partial");
    let o = exe()
        .arg("plot")
        .arg(out.join("results/fig3-traps/curves.parquet"))
        .args(["--figure", "emission_image", "--figure", "msd", "--out"])
        .arg(&partial)
        .output()
        .unwrap();
    assert!(
        !o.status.success()
            && text(&o).contains("1 of the figures could not be drawn: emission_image"),
        "{}",
        text(&o)
    );
    assert_png(&partial.join("fig3-traps-msd.png"));
    let o = exe()
        .arg("plot")
        .arg(out.join("results/fig3-traps/results.json"))
        .args(["--figure", "histogram3d"])
        .output()
        .unwrap();
    assert!(
        !o.status.success() && text(&o).contains("unknown figure"),
        "{}",
        text(&o)
    );
    // A selection draws its points into files named by it; one matching nothing is
    // refused with the values there are.
    let fig4 = out.join("results/fig4-temperature");
    let o = exe()
        .arg("plot")
        .arg(&fig4)
        .args(["--where", "sample=8nm_SL", "--figure", "msd", "--out"])
        .arg(&replot)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("drawing 12 of 36 points (where sample = 8nm_SL)"),
        "{}",
        text(&o)
    );
    assert_png(&replot.join("fig4-temperature-msd-where-sample=8nm_SL.png"));
    let o = exe()
        .arg("plot")
        .arg(&fig4)
        .args(["--where", "temperature_K=15", "--out"])
        .arg(&replot)
        .output()
        .unwrap();
    assert!(
        !o.status.success()
            && text(&o).contains("no point has temperature_K = 15 (its values: 9, 20, 40"),
        "{}",
        text(&o)
    );
    // Facets by another parameter than the default, and one that is not swept.
    let o = exe()
        .arg("plot")
        .arg(&fig4)
        .args(["--facet", "sample", "--figure", "pl_decay", "--out"])
        .arg(&replot)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert_png(&replot.join("fig4-temperature-pl_decay-facet-sample.png"));
    let o = exe()
        .arg("plot")
        .arg(&fig4)
        .args(["--facet", "fret", "--figure", "msd", "--out"])
        .arg(&replot)
        .output()
        .unwrap();
    assert!(
        !o.status.success() && text(&o).contains("'fret' is not a swept parameter"),
        "{}",
        text(&o)
    );
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn resume_json_summary_and_check() {
    let out = temp_dir("resume");
    let sweep = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/fig2e-heating.json"),
    )
    .unwrap();
    let file = temp_dir("cli-sweep.json");
    std::fs::write(&file, &sweep).unwrap();
    let run = |extra: &[&str]| {
        exe()
            .arg("run")
            .arg(&file)
            .args(["--backend", "cpu", "--walkers", "5000", "--out"])
            .arg(&out)
            .args(extra)
            .output()
            .unwrap()
    };
    let o = run(&["--json"]);
    assert!(o.status.success(), "{}", text(&o));
    let summary: serde_json::Value =
        serde_json::from_slice(&o.stdout).expect("--json prints JSON on stdout");
    assert_eq!(summary["points"].as_array().unwrap().len(), 6);
    assert_eq!(summary["backend"], "cpu");

    // Resuming a finished run reuses every point; a changed scenario is refused.
    let o = run(&["--resume", "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    std::fs::write(
        &file,
        sweep.replace("\"radiative\": 0.03", "\"radiative\": 0.031"),
    )
    .unwrap();
    let o = run(&["--resume"]);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("cannot resume") && text(&o).contains("another scenario"),
        "{}",
        text(&o)
    );

    // check: good files pass, a bad one fails with its error and exit 1.
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/probability-sum.json");
    let o = exe()
        .args(["check", "scenarios/paper-5nm-9K.json"])
        .arg(&corpus)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("paper-5nm-9K.json: ok") && text(&o).contains("sum to 1.305"),
        "{}",
        text(&o)
    );
    // The cost before running: a wall time from a calibration on this machine's CPU.
    assert!(
        text(&o).contains("estimated wall time on the CPU") && text(&o).contains("walker-frames/s"),
        "{}",
        text(&o)
    );

    // example prints a scenario that loads.
    let o = exe().arg("example").output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    exciton_core::sweep::Plan::from_value(&v, Path::new("example.json")).unwrap();
    for cmd in [
        "run",
        "reproduce",
        "plot",
        "bench",
        "check",
        "example",
        "devices",
    ] {
        let o = exe().args([cmd, "--help"]).output().unwrap();
        assert!(
            String::from_utf8_lossy(&o.stdout).contains("Example"),
            "{cmd} --help lacks an example"
        );
    }
    std::fs::remove_dir_all(&out).unwrap();
    std::fs::remove_file(&file).unwrap();
}

#[test]
fn ctrl_c_keeps_finished_points_and_resume_completes_the_sweep() {
    let out = temp_dir("sigint");
    let args = [
        "run",
        "scenarios/fig4-temperature.json",
        "--backend",
        "cpu",
        "--walkers",
        "600000",
        "--threads",
        "1",
        "--quiet",
        "--out",
    ];
    let child = exe()
        .args(args)
        .arg(&out)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait for the first stored chunk of points (written 5 s into the run, of ~12 s),
    // then interrupt as a user would.
    let points = out.join("points");
    let start = std::time::Instant::now();
    while std::fs::read_dir(&points).map_or(0, |d| d.count()) < 1 {
        assert!(
            start.elapsed().as_secs() < 120,
            "no point finished in 2 minutes"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let o = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("rerun with --resume"), "{stderr}");
    let (kept, _) = crate::shards::checkpoint_records(&out);
    assert!((1..36).contains(&kept), "{kept} points kept");
    assert!(
        !out.join("results.json").exists(),
        "no results.json for an unfinished sweep"
    );
    let leftovers = std::fs::read_dir(&points)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains(".tmp")
        })
        .count();
    assert_eq!(leftovers, 0, "half-written point files left behind");

    let o = exe().args(args).arg(&out).arg("--resume").output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let r: serde_json::Value = read_json(&out.join("results.json"));
    assert_eq!(r["points"].as_array().unwrap().len(), 36);
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn no_command_line_makes_the_program_panic() {
    // Random command lines from a pool of good and bad tokens. Large valid jobs are left
    // out of the pool: they are slow, not wrong.
    let out = temp_dir("argfuzz");
    let outs = out.display().to_string();
    let commands = [
        "run",
        "check",
        "plot",
        "example",
        "devices",
        "reproduce-not",
        "bench-not",
    ];
    let tokens = [
        "scenarios/paper-5nm-9K.json",
        "tests/corpus/zero-frames.json",
        "tests/corpus/empty-file.json",
        "missing.json",
        "--backend",
        "exact",
        "cpu",
        "quantum",
        "--walkers",
        "1e3",
        "0",
        "-5",
        "2.5",
        "1e30",
        "abc",
        "18446744073709551615",
        "--seed",
        "--threads",
        "--out",
        &outs,
        "--force",
        "--resume",
        "--json",
        "--quiet",
        "--figure",
        "msd",
        "--adapter",
        "",
        "-x",
        "--",
        "☃",
    ];
    let mut rng = exciton_core::kernels::rng::Pcg32::new(99, 1);
    for _ in 0..60 {
        let mut argv = vec![commands[(rng.next_u32() as usize) % commands.len()].to_string()];
        for _ in 0..rng.next_u32() % 6 {
            argv.push(tokens[(rng.next_u32() as usize) % tokens.len()].to_string());
        }
        if argv[0] == "run" && !argv.iter().any(|a| a == "--walkers") {
            argv.extend(["--walkers".into(), "1000".into()]);
        }
        let o = exe().args(&argv).output().unwrap();
        let all = text(&o);
        assert!(!all.contains("panicked"), "{argv:?} panicked:\n{all}");
        assert!(
            matches!(o.status.code(), Some(0..=2)),
            "{argv:?} exited {:?}:\n{all}",
            o.status.code()
        );
        if !o.status.success() {
            assert!(!all.trim().is_empty(), "{argv:?} failed silently");
        }
    }
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn bench_times_every_backend_including_exact() {
    let json = temp_dir("bench.json");
    let o = exe()
        .args([
            "bench",
            "--backend",
            "exact",
            "--backend",
            "cpu",
            "--walkers",
            "5000",
            "--workload",
            "paper",
            "--workload",
            "sweep",
            "--workload",
            "exact-sweep",
            "--sweep-walkers",
            "200",
            "--repeats",
            "1",
            "--json",
            "--out",
        ])
        .arg(&json)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let rows: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    // --json is a switch, as for `run`: the same rows on stdout.
    let printed: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", text(&o)));
    assert_eq!(printed, rows);
    let rows = rows.as_array().unwrap();
    // paper on exact and cpu, the sweep on exact and cpu, the exact sweep once.
    let shape: Vec<(&str, u64, u64)> = rows
        .iter()
        .map(|r| {
            (
                r["backend"].as_str().unwrap(),
                r["points"].as_u64().unwrap(),
                r["walkers"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        shape,
        [
            ("exact", 1, 5000),
            ("cpu", 1, 5000),
            ("exact", 256, 256 * 200),
            ("cpu", 256, 256 * 200),
            ("exact", 1000, 1000 * 200)
        ],
        "{}",
        text(&o)
    );
    for r in rows {
        assert!(r["walker_frames_per_s"].as_f64().unwrap() > 0.0, "{r}");
        assert!(
            r["alive_walker_frames_per_s"].as_f64().unwrap()
                <= r["walker_frames_per_s"].as_f64().unwrap(),
            "{r}"
        );
    }
    std::fs::remove_file(&json).unwrap();
}

#[test]
fn every_readme_section_the_code_names_exists() {
    // Help texts and errors send users to README sections by title: each must be a
    // heading of README.md, word for word.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let headings: Vec<&str> = readme
        .lines()
        .filter_map(|l| l.strip_prefix('#'))
        .map(|l| l.trim_start_matches('#').trim())
        .collect();
    let mut sources = Vec::new();
    let mut dirs = vec![root.join("src"), root.join("crates")];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() && !p.ends_with("target") {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                sources.push(p);
            }
        }
    }
    let mut named = 0;
    for p in &sources {
        // A doc comment's title may run over two lines; an error's has escaped quotes.
        let text = std::fs::read_to_string(p).unwrap().replace("\\\"", "\"");
        let joined: String = text
            .split('\n')
            .map(|l| {
                l.trim_start()
                    .trim_start_matches("///")
                    .trim_start_matches("//!")
            })
            .collect::<Vec<_>>()
            .join(" ");
        let joined = joined.split_whitespace().collect::<Vec<_>>().join(" ");
        for (i, _) in joined.match_indices("README \"") {
            let rest = &joined[i + 8..];
            let title = &rest[..rest.find('"').unwrap()];
            named += 1;
            assert!(
                headings.contains(&title),
                "{} names README \"{title}\", which is no heading of README.md",
                p.display()
            );
        }
    }
    println!(
        "{named} README sections named in {} sources, all headings",
        sources.len()
    );
    assert!(named >= 5, "{named}");
}

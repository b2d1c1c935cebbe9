//! Interruptions, resume, memory refusal, walker-index boundaries, bad-input corpus and
//! a mutation fuzz of the scenario loader.

use crate::common::{paper_json, set};
use exciton::engine::Engine;
use exciton::error::Error;
use exciton::run::{check_memory, run_into, RunOptions};
use exciton_core::error::Error as CoreError;
use exciton_core::kernels::rng::Pcg32;
use exciton_core::progress::Progress;
use exciton_core::sweep::Plan;
use serde_json::{json, Value};
use std::path::Path;

fn temp(name: &str) -> crate::common::TempDir {
    crate::common::TempDir::new(&format!("rob-{name}"))
}

fn sweep_json(walkers: u64) -> Value {
    let mut v: Value =
        serde_json::from_str(include_str!("../../scenarios/fig2e-heating.json")).unwrap();
    set(&mut v, "walkers", json!(walkers));
    v
}

#[test]
fn an_interrupted_sweep_resumes_to_the_uninterrupted_result_bit_for_bit() {
    let plan = Plan::from_value(&sweep_json(20_000), Path::new("fig2e.json")).unwrap();
    let cpu = Engine::cpu(2);
    let (a, b) = (temp("whole"), temp("cut"));
    let whole = run_into(
        &plan,
        &cpu,
        &Progress::default(),
        &a,
        false,
        RunOptions::default(),
    )
    .unwrap();

    // Cancel as Ctrl-C would once 2.5 points' walkers are done.
    let cut = run_into(
        &plan,
        &cpu,
        &Progress::with_budget(50_000),
        &b,
        false,
        RunOptions::default(),
    );
    match cut {
        Err(Error::Core(CoreError::InterruptedSweep {
            finished, total, ..
        })) => {
            assert_eq!((finished, total), (2, 6));
        }
        other => panic!(
            "expected an interrupted sweep, got {:?}",
            other.map(|r| r.points.len())
        ),
    }
    let (points, blocks) = crate::shards::checkpoint_records(&b);
    assert_eq!((points, blocks), (2, 0), "only complete points are kept");

    let resumed = run_into(
        &plan,
        &cpu,
        &Progress::default(),
        &b,
        true,
        RunOptions::default(),
    )
    .unwrap();
    let (r, w) = (
        serde_json::to_value(&resumed.points).unwrap(),
        serde_json::to_value(&whole.points).unwrap(),
    );
    if let Some(path) = first_difference(&r, &w, String::new()) {
        panic!("resumed sweep differs from the uninterrupted one at {path}");
    }

    // A changed scenario must not be mixed with the stored points.
    let mut changed = sweep_json(20_000);
    set(&mut changed, "states.bright.radiative", json!(0.031));
    let changed = Plan::from_value(&changed, Path::new("fig2e.json")).unwrap();
    match run_into(
        &changed,
        &cpu,
        &Progress::default(),
        &b,
        true,
        RunOptions::default(),
    ) {
        Err(e @ Error::Io(exciton_io::Error::Resume { .. })) => {
            println!("{e}");
            assert!(e.to_string().contains("another scenario"), "{e}");
        }
        other => panic!(
            "a changed scenario was resumed: {:?}",
            other.map(|r| r.points.len())
        ),
    }
    // Exact results are not Monte Carlo results either.
    assert!(matches!(
        run_into(
            &plan,
            &Engine::Exact,
            &Progress::default(),
            &b,
            true,
            RunOptions::default()
        ),
        Err(Error::Io(exciton_io::Error::Resume { .. }))
    ));
    std::fs::remove_dir_all(&a).unwrap();
    std::fs::remove_dir_all(&b).unwrap();
}

/// JSON path of the first place where `a` and `b` differ, with both values.
fn first_difference(a: &Value, b: &Value, at: String) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) if x.len() == y.len() => {
            x.iter().find_map(|(k, v)| match y.get(k) {
                Some(w) => first_difference(v, w, format!("{at}.{k}")),
                None => Some(format!("{at}.{k}: missing on one side")),
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (v, w))| first_difference(v, w, format!("{at}[{i}]"))),
        _ if a == b => None,
        _ => Some(format!("{at}: {a} vs {b}")),
    }
}

#[test]
fn memory_that_cannot_fit_is_refused_before_the_run() {
    let mut v = paper_json();
    set(&mut v, "frames", json!(20_000));
    let plan = Plan::from_value(&v, Path::new("big.json")).unwrap();
    let Some(avail) = exciton_core::histogram::available_host_memory() else {
        return;
    };
    // 20_000 frames x 3 states x ~40 kB rows in a u32 copy per thread: 100 000 threads
    // cannot fit in any machine.
    let err = check_memory(&plan, &Engine::cpu(100_000)).unwrap_err();
    println!("{err} ({avail} bytes available)");
    assert!(
        err.to_string()
            .contains("reduce frames or histogram.max_dx_sites, or use fewer --threads"),
        "{err}"
    );
    check_memory(&plan, &Engine::cpu(1)).unwrap();
}

#[test]
fn pieces_of_a_point_add_up_to_the_point() {
    let mut v = paper_json();
    set(&mut v, "walkers", json!(30_001));
    let s = exciton_core::scenario::Scenario::from_value(&v, Path::new("t.json")).unwrap();
    let cpu = Engine::cpu(2);
    let p = Progress::default();
    let whole = cpu.point_histograms(&s, 0, &p).unwrap();
    let mut sum = cpu.walker_range(&s, 0, 0, 12_345, &p).unwrap();
    sum.add(
        &cpu.walker_range(&s, 0, 12_345, 30_001 - 12_345, &p)
            .unwrap(),
    );
    assert!(
        sum == whole,
        "histograms of two pieces differ from the whole"
    );
}

/// `NAME.json` holds a bad input, `NAME.expect` a text its error must contain.
#[test]
fn every_bad_input_in_the_corpus_gives_its_error() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let expect = std::fs::read_to_string(path.with_extension("expect"))
            .unwrap_or_else(|_| panic!("{} has no .expect file", path.display()));
        let err = Plan::load(&path).expect_err(&format!("{} must be refused", path.display()));
        let shown = err.to_string();
        println!("{shown}");
        assert!(
            shown.starts_with(&path.display().to_string()),
            "error must name the file: {shown}"
        );
        assert!(
            shown.contains(expect.trim()),
            "{}: expected {:?} in: {shown}",
            path.display(),
            expect.trim()
        );
        n += 1;
    }
    assert!(n >= 15, "corpus has only {n} inputs");
}

fn mutate(v: &mut Value, rng: &mut Pcg32) {
    let pick = |rng: &mut Pcg32, n: usize| (rng.next_u32() as usize) % n;
    let replacements = [
        json!(null),
        json!(-1),
        json!(0),
        json!(1e308),
        json!(-1e-300),
        json!(2.5),
        json!(1u64 << 53),
        json!(u64::MAX),
        json!("x"),
        json!(""),
        json!([]),
        json!([1, "a"]),
        json!({}),
        json!({"table": {}}),
        json!({"detailed_balance": {}}),
        json!(true),
        json!({"arrhenius": {"prefactor": -1, "activation_meV": 1}}),
        json!("thermal"),
        json!("5nm_SL"),
        json!(1e6),
        json!({"mode": "zip", "parameters": {"seed": [1, 2]}}),
    ];
    // Choose a random JSON pointer by reading, then change what is there.
    let mut pointer = String::new();
    let mut cur: &Value = v;
    while pick(rng, 3) > 0 {
        let step = match cur {
            Value::Object(m) if !m.is_empty() => {
                let k = m.keys().nth(pick(rng, m.len())).unwrap();
                Some((k.replace('~', "~0").replace('/', "~1"), &m[k]))
            }
            Value::Array(a) if !a.is_empty() => {
                let i = pick(rng, a.len());
                Some((i.to_string(), &a[i]))
            }
            _ => None,
        };
        let Some((segment, next)) = step else { break };
        pointer.push('/');
        pointer.push_str(&segment);
        cur = next;
    }
    let target = v
        .pointer_mut(&pointer)
        .expect("the pointer was read from this value");
    let replacement = replacements[pick(rng, replacements.len())].clone();
    match target {
        Value::Object(m) if !m.is_empty() && pick(rng, 2) == 0 => {
            let k = m.keys().nth(pick(rng, m.len())).unwrap().clone();
            m.shift_remove(&k);
        }
        Value::Object(m) if pick(rng, 2) == 0 => {
            m.insert(
                ["to", "sweep", "zz", "frames", "bright"][pick(rng, 5)].into(),
                replacement,
            );
        }
        other => *other = replacement,
    }
}

#[test]
fn no_mutation_of_a_shipped_scenario_makes_the_loader_panic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let bases: Vec<Value> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            serde_json::from_str(&std::fs::read_to_string(e.unwrap().path()).unwrap()).unwrap()
        })
        .collect();
    let mut rng = Pcg32::new(2024, 11);
    let (mut ok, mut refused) = (0, 0);
    for i in 0..3000 {
        let mut v = bases[i % bases.len()].clone();
        for _ in 0..1 + (rng.next_u32() % 3) {
            mutate(&mut v, &mut rng);
        }
        let r = std::panic::catch_unwind(|| {
            Plan::from_value(&v, Path::new("fuzz.json")).map(|p| p.points.len())
        });
        match r {
            Ok(Ok(_)) => ok += 1,
            Ok(Err(e)) => {
                assert!(!e.reason.is_empty(), "empty reason for {v}");
                refused += 1;
            }
            Err(_) => panic!(
                "the loader panicked on:\n{}",
                serde_json::to_string_pretty(&v).unwrap()
            ),
        }
    }
    println!("{ok} mutated scenarios loaded, {refused} refused with an error");
    assert!(
        refused > 1000 && ok > 100,
        "the fuzz must exercise both paths: {ok} ok, {refused} refused"
    );
}

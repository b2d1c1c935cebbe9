//! Every shader parses and validates with naga (no GPU needed), and its parameter struct
//! and workgroup size match the Rust twins.

use exciton_core::kernels::block_sums::{self, block_sums_source};
use exciton_core::kernels::rng_probe::{self, rng_probe_source};
use exciton_core::kernels::walk::{self, walk_source};
use naga::valid::{Capabilities, ValidationFlags, Validator};

fn module(name: &str, source: &str) -> naga::Module {
    let module = naga::front::wgsl::parse_str(source)
        .unwrap_or_else(|e| panic!("{name} does not parse:\n{}", e.emit_to_string(source)));
    Validator::new(ValidationFlags::all(), Capabilities::all())
        .validate(&module)
        .unwrap_or_else(|e| panic!("{name} does not validate:\n{}", e.emit_to_string(source)));
    module
}

/// Field names of a Rust struct, read from its derived Debug output.
fn rust_fields(debug: &str) -> Vec<String> {
    let inner = &debug[debug.find('{').unwrap() + 1..debug.rfind('}').unwrap()];
    inner
        .split(',')
        .filter_map(|f| f.split(':').next())
        .map(|f| f.trim().to_string())
        .filter(|f| !f.is_empty())
        .collect()
}

fn check(
    name: &str,
    source: &str,
    entry: &str,
    struct_name: &str,
    rust_size: usize,
    rust_debug: &str,
    workgroup: u32,
) {
    let m = module(name, source);
    let (_, ty) = m
        .types
        .iter()
        .find(|(_, t)| t.name.as_deref() == Some(struct_name))
        .unwrap_or_else(|| panic!("{name}: no struct {struct_name}"));
    let size = ty.inner.size(m.to_ctx()) as usize;
    assert_eq!(
        size, rust_size,
        "{name}: WGSL {struct_name} is {size} bytes, Rust {rust_size}"
    );
    let naga::TypeInner::Struct { members, .. } = &ty.inner else {
        panic!("{struct_name} is not a struct")
    };
    let wgsl: Vec<String> = members
        .iter()
        .map(|m| m.name.clone().unwrap_or_default())
        .collect();
    assert_eq!(
        wgsl,
        rust_fields(rust_debug),
        "{name}: {struct_name} fields differ between WGSL and Rust"
    );
    let ep = m
        .entry_points
        .iter()
        .find(|e| e.name == entry)
        .unwrap_or_else(|| panic!("{name}: no entry point {entry}"));
    assert_eq!(
        ep.workgroup_size,
        [workgroup, 1, 1],
        "{name}: workgroup size vs Rust constant"
    );
}

#[test]
fn walk_kernel_matches_rust() {
    let zero: walk::PointParams = bytemuck::Zeroable::zeroed();
    for int64 in [false, true] {
        check(
            &format!("walk.wgsl (int64 {int64})"),
            &walk_source(int64),
            "walk",
            "PointParams",
            std::mem::size_of::<walk::PointParams>(),
            &format!("{zero:?}"),
            walk::WORKGROUP_SIZE,
        );
    }
}

#[test]
fn walk_kernel_constants_come_from_rust() {
    // The shader file declares none of the shared constants: the prelude written from
    // the Rust values is their one source (a second declaration would not compile).
    let file = include_str!("../../shaders/walk.wgsl");
    let prelude = walk::prelude();
    for line in prelude.lines() {
        let name = line.split(':').next().unwrap();
        assert!(
            !file.contains(&format!("{name}:")),
            "walk.wgsl declares {name} itself"
        );
    }
    // And naga reads them back as the Rust values (the module, not its text).
    let m = naga::front::wgsl::parse_str(&walk_source(true)).expect("walk.wgsl parses");
    let value = |name: &str| -> u32 {
        let (_, c) = m
            .constants
            .iter()
            .find(|(_, c)| c.name.as_deref() == Some(name))
            .unwrap_or_else(|| panic!("the walk kernel has no constant {name}"));
        match m.global_expressions[c.init] {
            naga::Expression::Literal(naga::Literal::U32(v)) => v,
            ref e => panic!("{name} is {e:?}, not a u32 literal"),
        }
    };
    assert_eq!(value("WORKGROUP_SIZE"), walk::WORKGROUP_SIZE);
    assert_eq!(value("SHARED_WORDS"), walk::SHARED_WORDS);
    assert_eq!(value("SHARED_CELL_WORDS"), walk::SHARED_CELL_WORDS);
    assert_eq!(
        value("GLOBAL_CELL_WORDS") as usize,
        exciton_core::histogram::DEVICE_MOMENT_WORDS
    );
    assert_eq!(
        value("GLOBAL_COPIES") as usize,
        exciton_core::histogram::DEVICE_MOMENT_COPIES
    );
    assert_eq!(
        value("OUTCOME_TO") as usize,
        exciton_core::model::OUTCOME_TO
    );
    // The hop directions as the shader unpacks them (two bits per direction, step + 1).
    let (xb, yb) = (value("DIR_X_BITS"), value("DIR_Y_BITS"));
    let unpacked: Vec<(i32, i32)> = (0..9)
        .map(|k| {
            (
                ((xb >> (2 * k)) & 3) as i32 - 1,
                ((yb >> (2 * k)) & 3) as i32 - 1,
            )
        })
        .collect();
    assert_eq!(unpacked, exciton_core::scenario::DIRECTIONS);
    // The largest state table still leaves a chunk of at least one frame.
    assert!(walk::chunk_frames(exciton_core::scenario::MAX_STATES as u32) >= 1);
}

#[test]
fn walk_kernel_parts_are_its_overrides() {
    // The host sets every override the shader declares, by the names the shader uses.
    let m = naga::front::wgsl::parse_str(&walk_source(false)).expect("walk.wgsl parses");
    let mut wgsl: Vec<String> = m
        .overrides
        .iter()
        .filter_map(|(_, o)| o.name.clone())
        .collect();
    let mut rust: Vec<String> = walk::KernelVariant::default()
        .constants()
        .iter()
        .map(|(name, _)| name.to_string())
        .collect();
    wgsl.sort();
    rust.sort();
    assert_eq!(
        wgsl, rust,
        "walk.wgsl's overrides vs KernelVariant::constants"
    );
    // A dispatch takes the parts any of its points needs; each landscape field alone
    // asks for the landscape part.
    let plain: walk::PointParams = bytemuck::Zeroable::zeroed();
    let rates = walk::PointParams {
        after_len: 7,
        ..plain
    };
    let parts = |points: &[walk::PointParams]| walk::KernelVariant::of(points, false, false);
    assert_eq!(parts(&[plain, plain]), walk::KernelVariant::default());
    assert_eq!(
        parts(&[plain, rates]),
        walk::KernelVariant {
            rates: true,
            ..Default::default()
        }
    );
    let landscapes = [
        walk::PointParams {
            landscape: 1,
            ..plain
        },
        walk::PointParams { layers: 3, ..plain },
        walk::PointParams { cubic: 1, ..plain },
        walk::PointParams {
            size_classes: 2,
            ..plain
        },
        walk::PointParams {
            trap_classes: 2,
            ..plain
        },
    ];
    for l in landscapes {
        assert_eq!(
            parts(&[rates, l]),
            walk::KernelVariant {
                rates: true,
                landscape: true,
                ..Default::default()
            },
            "{l:?}"
        );
    }
    assert!(walk::KernelVariant::of(&[plain], true, false).profile);
    assert!(walk::KernelVariant::of(&[plain], false, true).whole_passes);
}

// 32 KiB is the smallest workgroup memory we run on (llvmpipe); checked at compile time.
const _: () = assert!(walk::SHARED_WORDS * 4 + 16 <= 32 * 1024);

#[test]
fn rng_probe_kernel_matches_rust() {
    let zero: rng_probe::RngProbeParams = bytemuck::Zeroable::zeroed();
    check(
        "rng_probe.wgsl",
        &rng_probe_source(),
        "rng_probe",
        "RngProbeParams",
        std::mem::size_of::<rng_probe::RngProbeParams>(),
        &format!("{zero:?}"),
        rng_probe::WORKGROUP_SIZE,
    );
}

#[test]
fn block_sums_kernel_matches_rust() {
    let block: block_sums::BlockTask = bytemuck::Zeroable::zeroed();
    let sum: block_sums::SumTask = bytemuck::Zeroable::zeroed();
    for (entry, name, size, debug) in [
        (
            "block_sums",
            "BlockTask",
            std::mem::size_of_val(&block),
            format!("{block:?}"),
        ),
        (
            "sum_counters",
            "SumTask",
            std::mem::size_of_val(&sum),
            format!("{sum:?}"),
        ),
    ] {
        check(
            "block_sums.wgsl",
            &block_sums_source(),
            entry,
            name,
            size,
            &debug,
            block_sums::WORKGROUP_SIZE,
        );
    }
}

#[test]
fn generator_and_hash_constants_come_from_rust() {
    // The prelude's 64-bit constants, as both generators read them: vec2<u32> (low, high)
    // pairs for rng.wgsl, u64 for rng64.wgsl; the landscape's hash constants and NO_HOP.
    use exciton_core::kernels::rng::{
        PCG_MULTIPLIER, SPLITMIX_GAMMA, SPLITMIX_MUL_A, SPLITMIX_MUL_B,
    };
    use exciton_core::kernels::walk::landscape::{
        ENERGY_SALT, LOWBIAS_MUL_A, LOWBIAS_MUL_B, NO_HOP, SITE_Y_SALT, VOID_SALT,
    };
    use naga::{Expression, Literal};
    for int64 in [false, true] {
        let m = naga::front::wgsl::parse_str(&walk_source(int64)).expect("walk.wgsl parses");
        let init = |name: &str| {
            let (_, c) = m
                .constants
                .iter()
                .find(|(_, c)| c.name.as_deref() == Some(name))
                .unwrap_or_else(|| panic!("the walk kernel has no constant {name}"));
            c.init
        };
        let literal = |h| match m.global_expressions[h] {
            Expression::Literal(Literal::U32(v)) => u64::from(v),
            Expression::Literal(Literal::U64(v)) => v,
            Expression::Literal(Literal::I32(v)) => v as u64,
            ref e => panic!("not a literal: {e:?}"),
        };
        let value = |name: &str| match &m.global_expressions[init(name)] {
            Expression::Compose { components, .. } => {
                literal(components[0]) | (literal(components[1]) << 32)
            }
            _ => literal(init(name)),
        };
        for (name, want) in [
            ("PCG_MULTIPLIER", PCG_MULTIPLIER),
            ("SPLITMIX_GAMMA", SPLITMIX_GAMMA),
            ("SPLITMIX_MUL_A", SPLITMIX_MUL_A),
            ("SPLITMIX_MUL_B", SPLITMIX_MUL_B),
            ("LOWBIAS_MUL_A", u64::from(LOWBIAS_MUL_A)),
            ("LOWBIAS_MUL_B", u64::from(LOWBIAS_MUL_B)),
            ("SITE_Y_SALT", u64::from(SITE_Y_SALT)),
            ("VOID_SALT", u64::from(VOID_SALT)),
            ("ENERGY_SALT", u64::from(ENERGY_SALT)),
        ] {
            assert_eq!(value(name), want, "{name} (64-bit integers: {int64})");
        }
        assert_eq!(
            value("NO_HOP") as i32,
            NO_HOP,
            "NO_HOP (64-bit integers: {int64})"
        );
    }
}

#[test]
fn every_shader_file_is_covered() {
    // A new shader must get a test above: list the files and compare.
    let mut files: Vec<String> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/shaders"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "block_sums.wgsl",
            "landscape.wgsl",
            "rng.wgsl",
            "rng64.wgsl",
            "rng_probe.wgsl",
            "walk.wgsl"
        ]
    );
}

//! A short seeded pass (what `cargo test` runs), the mutators, and the harness's coverage
//! of every generated operation.

use std::collections::BTreeSet;

use super::*;

fn root() -> std::path::PathBuf {
    crate::workspace_root()
}

fn options(iterations: u64) -> Options {
    Options {
        iterations,
        seed: 12,
        start: 0,
        protocols: Protocol::ALL.to_vec(),
        known_panic_in: Vec::new(),
        in_place: true,
    }
}

/// A few hundred inputs per protocol end without a panic,
/// mostly mutated, and reach both decoded outputs and errors.
#[test]
fn a_short_seeded_pass_has_no_panics() {
    let options = options(300);
    for protocol in Protocol::ALL {
        let suite = Suite::load(&root(), protocol).unwrap();
        let report = fuzz(&suite, &options);
        assert_eq!(report.inputs, 300);
        assert_eq!(
            report.panics,
            0,
            "{}: {:?}",
            protocol.name(),
            report.panic_sites
        );
        assert!(
            report.mutated > 200,
            "{}: {} mutated",
            protocol.name(),
            report.mutated
        );
        assert!(
            report.outcomes.len() >= 2,
            "{}: {:?}",
            protocol.name(),
            report.outcomes
        );
    }
}

/// Every mutator changes most of the samples it is given.
#[test]
fn every_mutator_changes_its_input() {
    let suite = Suite::load(&root(), Protocol::NcpJson).unwrap();
    let mut rng = fastrand::Rng::with_seed(7);
    for (name, mutator) in mutate::MUTATORS {
        let mut changed = 0;
        for sample in suite.samples.iter().take(20) {
            let other = &suite.samples[0].body;
            if mutator(&mut rng, &sample.body, other) != sample.body {
                changed += 1;
            }
        }
        let tried = suite.samples.len().min(20);
        assert!(changed * 2 > tried, "{name} changed {changed} of {tried}");
    }
}

/// An input is a function of (seed, protocol, iteration): what the printed reproduction
/// command relies on.
#[test]
fn inputs_replay_from_seed_and_iteration() {
    let suite = Suite::load(&root(), Protocol::Ocp).unwrap();
    for iteration in [0, 1, 99_999] {
        let a = input(&suite, 5, iteration);
        let b = input(&suite, 5, iteration);
        assert_eq!(
            (a.target, a.status, &a.body, &a.headers),
            (b.target, b.status, &b.body, &b.headers)
        );
    }
    assert_ne!(input(&suite, 5, 1).body, input(&suite, 6, 1).body);
}

#[inline(never)]
fn refuse_braces(body: &[u8]) -> Outcome {
    if body.first() == Some(&b'{') {
        panic!("boom")
    }
    Outcome::Refused
}

/// A panic in a target is caught, counted and reported with its place and input, and the
/// run goes on; with `--known-panic-in` naming a function on its stack, it is known.
#[test]
fn a_panicking_target_is_reported_with_its_input() {
    let mut suite = Suite::load(&root(), Protocol::Iam).unwrap();
    suite.targets.push(Target {
        name: "test/refuses-braces".to_owned(),
        run: Box::new(|_, _, body| refuse_braces(body)),
    });
    let report = fuzz(&suite, &options(200));
    assert_eq!(report.inputs, 200);
    assert!(report.panics > 0);
    assert_eq!(report.known_panics, 0);
    assert_eq!(report.panic_sites.len(), 1, "{:?}", report.panic_sites);
    let (place, site) = report.panic_sites.iter().next().unwrap();
    assert!(place.starts_with("xtask/src/fuzz/tests.rs:"), "{place}");
    assert_eq!(site.count, report.panics);
    assert_eq!(site.target, "test/refuses-braces");
    assert_eq!(site.message, "boom");
    assert_eq!(site.input.first(), Some(&b'{'));
    assert_eq!(input(&suite, 12, site.iteration).body, site.input);

    let mut known = options(200);
    known.known_panic_in = vec!["refuse_braces".to_owned()];
    let report = fuzz(&suite, &known);
    assert!(report.panics > 0);
    assert_eq!(report.known_panics, report.panics);
}

/// The names of the `*_SPEC` statics' operations in a generated file.
fn generated_operations(path: &str) -> BTreeSet<String> {
    let text = std::fs::read_to_string(root().join(path)).unwrap();
    let mut names = BTreeSet::new();
    let mut in_spec = false;
    for line in text.lines() {
        if line.starts_with("pub(crate) static ") && line.contains("_SPEC") {
            in_spec = true;
        } else if in_spec && let Some(start) = line.find("OperationInfo::") {
            let rest = &line[start..];
            let name = rest.split('"').nth(1).unwrap();
            names.insert(name.to_owned());
            in_spec = false;
        }
    }
    assert!(!names.is_empty(), "{path}");
    names
}

fn set(names: Vec<&str>) -> BTreeSet<String> {
    names.into_iter().map(str::to_owned).collect()
}

/// Each crate's fuzzing table lists every generated operation, so a new operation cannot
/// go unfuzzed.
#[test]
fn every_generated_operation_is_a_target() {
    assert_eq!(
        set(ncp_vhadoop::fuzzing::operations()),
        generated_operations("crates/ncp-vhadoop/src/generated/operation.rs")
    );
    assert_eq!(
        set(ncp_vcache::fuzzing::vcache::operations()),
        generated_operations("crates/ncp-vcache/src/vcache/generated/operation.rs")
    );
    assert_eq!(
        set(ncp_vcache::fuzzing::vredis::operations()),
        generated_operations("crates/ncp-vcache/src/vredis/generated/operation.rs")
    );
    assert_eq!(
        set(ocp_ob_backup::fuzzing::operations()),
        generated_operations("crates/ocp-ob-backup/src/generated/operation.rs")
    );
    assert_eq!(
        set(hw_ges_backup::fuzzing::operations()),
        generated_operations("crates/hw-ges-backup/src/generated/operation.rs")
    );
}

/// Every operation has at least one sample of its own.
#[test]
fn every_target_has_a_sample() {
    for protocol in Protocol::ALL {
        let suite = Suite::load(&root(), protocol).unwrap();
        for (index, target) in suite.targets.iter().enumerate() {
            assert!(
                suite.samples.iter().any(|s| s.target == Some(index)),
                "{}: no sample for {}",
                protocol.name(),
                target.name
            );
        }
    }
}

//! Create + set + remove of 1000 groups through the backend, on the real kernel.
//!
//! Needs root; elsewhere it prints why and measures nothing. Groups live under a unique
//! `cgtools-bench-<pid>` prefix that is removed at the end. One iteration creates 1000
//! sibling groups, writes one setting in each, and removes them again.

// criterion's macros generate undocumented items; a benchmark should stop loudly on error.
#![allow(missing_docs, clippy::expect_used)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use cgtools::{Cgroups, GroupPath, Removal, Version};
use criterion::{criterion_group, criterion_main, Criterion};

const GROUPS: usize = 1000;

fn bench(c: &mut Criterion) {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("skipping the groups benchmark: not running as root");
        return;
    }
    let cg = match Cgroups::discover() {
        Ok(cg) => cg,
        Err(e) => {
            eprintln!("skipping the groups benchmark: {e}");
            return;
        }
    };
    let prefix = format!("cgtools-bench-{}", std::process::id());
    let mut group = c.benchmark_group("create_set_remove_1000");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    // (controller, setting in the host's vocabulary, value)
    let cases: Vec<(&str, &str, &str)> = ["pids", "memory", "cpu"]
        .into_iter()
        .filter_map(|ctrl| {
            let version = cg.version_of(ctrl).ok()?;
            Some(match (ctrl, version) {
                ("pids", _) => ("pids", "pids.max", "100"),
                ("memory", Version::V1) => ("memory", "memory.limit_in_bytes", "64M"),
                ("memory", Version::V2) => ("memory", "memory.max", "64M"),
                ("cpu", Version::V1) => ("cpu", "cpu.shares", "512"),
                (_, _) => ("cpu", "cpu.weight", "50"),
            })
        })
        .collect();
    for (controller, setting, value) in cases {
        let parent = GroupPath::new(&prefix).expect("valid prefix");
        let top = cg
            .group(&[controller], &parent)
            .expect("controller mounted");
        top.create().expect("create the bench prefix");
        let names: Vec<GroupPath> = (0..GROUPS)
            .map(|i| parent.child(&format!("g{i}")).expect("valid name"))
            .collect();
        group.bench_function(controller, |b| {
            b.iter_custom(|iterations| {
                let start = Instant::now();
                for _ in 0..iterations {
                    for name in &names {
                        let g = cg.group(&[controller], name).expect("group");
                        black_box(g.create().expect("create"));
                        g.set(setting, value).expect("set");
                    }
                    for name in &names {
                        let g = cg.group(&[controller], name).expect("group");
                        black_box(g.remove(Removal::EmptyOnly).expect("remove"));
                    }
                }
                start.elapsed()
            })
        });
        if let Err(e) = top.remove(Removal::Recursive) {
            eprintln!("warning: could not remove {prefix}: {e}");
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

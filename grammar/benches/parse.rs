//! Parsing speed of a generated 5000-group cgconfig.conf (the size of a large host's boot
//! config). Run with `cargo bench -p cgtools-grammar`; criterion prints MB/s.

#![allow(missing_docs)] // criterion_group! generates an undocumented public function.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use grammar::{cgconfig, SourceFile};
use std::fmt::Write as _;

/// Two-level groups in cpu and memory, every other one with a perm block, as in the
/// whole-process benchmarks (issue 8).
fn generated_config(groups: usize) -> String {
    let mut text = String::from("# generated for the parser benchmark\n");
    for i in 0..groups {
        let _ = writeln!(text, "group bench/parent{}/child{i} {{", i / 50);
        if i % 2 == 0 {
            text.push_str(
                "\tperm {\n\t\ttask { uid = nobody; gid = nogroup; fperm = 660; }\n\t\tadmin { uid = nobody; gid = nogroup; dperm = 775; fperm = 664; }\n\t}\n",
            );
        }
        let _ = write!(
            text,
            "\tcpu {{\n\t\tcpu.shares = {};\n\t}}\n\tmemory {{\n\t\tmemory.limit_in_bytes = \"{}M\";\n\t}}\n}}\n",
            100 + i % 900,
            64 + i % 512
        );
    }
    text
}

fn parse_5000_groups(c: &mut Criterion) {
    let text = generated_config(5000);
    let src = SourceFile::new("bench.conf", text);
    let mut group = c.benchmark_group("cgconfig");
    group.throughput(Throughput::Bytes(src.text().len() as u64));
    group.bench_function("parse 5000 groups", |b| {
        b.iter(|| cgconfig::parse(&src).map(|c| c.sections.len()))
    });
    group.finish();
}

criterion_group!(benches, parse_5000_groups);
criterion_main!(benches);

//! Parses a generated cgconfig.conf N times (argument), for instruction counts under
//! callgrind: `valgrind --tool=callgrind target/release/examples/parse_once 3`.

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1);
    let mut text = String::new();
    for i in 0..5000 {
        text.push_str(&format!("group bench/parent{}/child{i} {{\n", i / 50));
        if i % 2 == 0 {
            text.push_str("\tperm {\n\t\ttask { uid = nobody; gid = nogroup; fperm = 660; }\n\t\tadmin { uid = nobody; gid = nogroup; dperm = 775; fperm = 664; }\n\t}\n");
        }
        text.push_str(&format!("\tcpu {{\n\t\tcpu.shares = {};\n\t}}\n\tmemory {{\n\t\tmemory.limit_in_bytes = \"{}M\";\n\t}}\n}}\n", 100 + i % 900, 64 + i % 512));
    }
    let src = grammar::SourceFile::new("bench.conf", text);
    let mut groups = 0;
    for _ in 0..n {
        groups += grammar::cgconfig::parse(&src)
            .map(|c| c.sections.len())
            .unwrap_or(0);
    }
    println!("{groups}");
}

//! The layers of the cgtools crate depend one way (`docs/architecture.md`):
//!
//! ```text
//! tools -> rules -> engine -> backend        (and any of them -> grammar)
//! ```
//!
//! Each layer is a folder of `cgtools/src/`. This test reads every `.rs` file under them
//! and refuses a reference from a module to a higher layer than its own, whether written
//! `crate::engine::..`, `cgtools::engine::..`, `super::super::engine::..`, inside a
//! `use` tree (`crate::{backend::x, engine::y}`) or through a root re-export
//! (`crate::Cgroups` is the backend's). Unit tests inside a module count: a backend test
//! that needs the engine belongs in the engine or in `tests/`. Comments (doc links
//! included) and string literals do not: they are not dependencies.
//!
//! It also refuses an import cycle between modules (`check` using `desired` while
//! `desired` uses `check`): there is none, and [`ALLOWED_CYCLES`] is where one would have
//! to be listed, with its reason. A module's inline `mod tests` is a node of its own, so
//! a test that drives `plan` from `desired`'s tests is no cycle.
//!
//! What it reads is plain Rust text, tokenised here (no parser crate): identifiers, `::`,
//! braces; comments, strings, raw strings and char literals are skipped. The self-tests at
//! the end feed it small trees that must be refused, so a tokenising mistake that would
//! let a bad import through fails here too.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// The layers, lowest first: a module may use its own layer and those before it.
const LAYERS: [&str; 4] = ["backend", "engine", "rules", "tools"];

/// Import cycles between modules that are allowed, each as its modules (sorted, `::`
/// paths without `crate`) and the reason. Empty: every cycle was broken (issue 13).
const ALLOWED_CYCLES: &[(&[&str], &str)] = &[];

/// One module's file: its path under `src/` and its text.
struct File {
    rel: String,
    text: String,
}

/// The modules of `cgtools/src`, read from disk: `lib.rs`, and every file under a
/// folder of `src/` other than `bin/` (the binaries may use every layer).
fn read_tree() -> (String, Vec<File>, Vec<String>) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let lib = fs::read_to_string(src.join("lib.rs")).unwrap();
    let mut files = Vec::new();
    let mut top = Vec::new();
    for entry in fs::read_dir(&src).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        top.push(name.clone());
        if entry.path().is_dir() && name != "bin" {
            collect(&src, &entry.path(), &mut files);
        }
    }
    files.sort_by(|a, b| a.rel.cmp(&b.rel));
    (lib, files, top)
}

fn collect(src: &Path, dir: &Path, out: &mut Vec<File>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(src, &path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path
                .strip_prefix(src)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            out.push(File {
                rel,
                text: fs::read_to_string(&path).unwrap(),
            });
        }
    }
}

#[test]
fn no_layer_imports_a_higher_one_and_no_modules_form_a_cycle() {
    let (lib, files, top) = read_tree();
    let problems = check(&lib, &files, &top);
    assert!(
        problems.is_empty(),
        "the layers of cgtools/src (tools -> rules -> engine -> backend, docs/architecture.md) \
         are broken:\n  {}\n\nA lower layer must not import a higher one: move the code to the \
         layer that needs it, or pass in the value it needs. An import cycle is broken by moving \
         the shared item to a module both can use, or by having one module take what it needs \
         as a value; ALLOWED_CYCLES in cgtools/tests/layers.rs lists exceptions with reasons.\n",
        problems.join("\n  ")
    );
}

#[test]
fn the_tree_is_what_this_test_reads() {
    // A guard on the guard: if the files moved and this test read nothing, it would pass.
    let (_, files, _) = read_tree();
    for module in [
        "backend/group.rs",
        "engine/plan.rs",
        "rules/cgred.rs",
        "tools/cli/mod.rs",
    ] {
        assert!(files.iter().any(|f| f.rel == module), "{module} not found");
    }
    assert!(files.len() > 40, "only {} files read", files.len());
}

/// Everything wrong with the tree: each problem as one line naming the file and line.
fn check(lib: &str, files: &[File], top: &[String]) -> Vec<String> {
    let mut problems = Vec::new();

    // Nothing but the layers at the top.
    for name in top {
        let layer = LAYERS.contains(&name.as_str());
        if !(layer || name == "bin" || name == "lib.rs") {
            problems.push(format!(
                "src/{name}: outside the layers; move it into the folder of the layer it \
                 belongs to ({})",
                LAYERS.join(", ")
            ));
        }
    }
    let lib_tokens = tokens(lib);
    let declared: BTreeSet<String> = module_declarations(&lib_tokens).into_iter().collect();
    let layers: BTreeSet<String> = LAYERS.iter().map(|l| l.to_string()).collect();
    if declared != layers {
        problems.push(format!(
            "src/lib.rs: declares the modules {declared:?}; it should declare the layers \
             {layers:?} and nothing else"
        ));
    }

    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| module_of(&f.rel)).collect();
    let reexports = reexports(&lib_tokens, &modules);

    // node (module path, `tests` and other inline modules included) -> modules it uses
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let module = module_of(&file.rel);
        let Some(rank) = rank(&module) else {
            problems.push(format!(
                "src/{}: not in a layer folder ({})",
                file.rel,
                LAYERS.join(", ")
            ));
            continue;
        };
        for r in references(&file.text, &module) {
            let Some(target) = resolve(&r.absolute, &modules, &reexports) else {
                problems.push(format!(
                    "src/{}:{}: `{}` names no module this test knows (not a layer's module, \
                     not a root re-export of lib.rs); name it by its module path",
                    file.rel, r.line, r.written
                ));
                continue;
            };
            let target_rank = rank_of_layer(&target[0]);
            if target_rank > rank {
                problems.push(format!(
                    "src/{}:{}: `{}` is {} ({}), a higher layer than {} ({})",
                    file.rel,
                    r.line,
                    r.written,
                    target.join("::"),
                    LAYERS.get(target_rank).unwrap_or(&"no layer"),
                    module.join("::"),
                    LAYERS[rank],
                ));
            }
            let from = r.scope.join("::");
            let to = target.join("::");
            graph.entry(from.clone()).or_default();
            if from != to {
                graph.entry(from).or_default().insert(to);
            }
        }
    }

    for cycle in cycles(&graph) {
        // A cycle across layers goes through an import of a higher layer, refused above.
        let layers: BTreeSet<&str> = cycle.iter().filter_map(|m| m.split("::").next()).collect();
        if layers.len() > 1 {
            continue;
        }
        let mut members = cycle.clone();
        members.pop();
        members.sort();
        let allowed = ALLOWED_CYCLES.iter().any(|(modules, _)| {
            modules
                .iter()
                .copied()
                .eq(members.iter().map(String::as_str))
        });
        if !allowed {
            problems.push(format!("an import cycle: {}", cycle.join(" -> ")));
        }
    }
    problems
}

/// The module path of a file under `src/`: `backend/group.rs` -> `backend::group`,
/// `tools/cli/mod.rs` -> `tools::cli`.
fn module_of(rel: &str) -> Vec<String> {
    let path = rel.strip_suffix(".rs").unwrap_or(rel);
    let path = path.strip_suffix("/mod").unwrap_or(path);
    path.split('/').map(str::to_string).collect()
}

fn rank(module: &[String]) -> Option<usize> {
    LAYERS
        .iter()
        .position(|l| module.first().map(String::as_str) == Some(*l))
}

fn rank_of_layer(layer: &str) -> usize {
    LAYERS
        .iter()
        .position(|l| *l == layer)
        .unwrap_or(usize::MAX)
}

/// A token of Rust text, with its line.
#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String, usize),
    PathSep(usize),
    Punct(char, usize),
}

impl Tok {
    fn is_punct(&self, c: char) -> bool {
        matches!(self, Tok::Punct(p, _) if *p == c)
    }
    fn ident(&self) -> Option<&str> {
        match self {
            Tok::Ident(name, _) => Some(name),
            _ => None,
        }
    }
    fn line(&self) -> usize {
        match self {
            Tok::Ident(_, l) | Tok::PathSep(l) | Tok::Punct(_, l) => *l,
        }
    }
}

/// Identifiers, `::` and punctuation of `text`; comments, string, raw string, byte string
/// and char literals, lifetimes and numbers leave nothing.
fn tokens(text: &str) -> Vec<Tok> {
    let c: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 1;
    let at = |i: usize| c.get(i).copied().unwrap_or('\0');
    while i < c.len() {
        let ch = c[i];
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && at(i + 1) == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && at(i + 1) == '*' {
            // Block comments nest.
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if c[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
        } else if ch == '"' {
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    i += 1;
                }
                if at(i) == '\n' {
                    line += 1;
                }
                i += 1;
            }
            i += 1;
        } else if ch == '\'' {
            if at(i + 1) == '\\' {
                // An escaped char literal: '\n', '\'', '\u{..}'.
                i += 3;
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if at(i + 2) == '\'' {
                i += 3;
            } else {
                // A lifetime or label: its name is an identifier of no interest.
                i += 1;
            }
        } else if ch.is_ascii_digit() {
            while i < c.len() && (c[i].is_ascii_alphanumeric() || c[i] == '_') {
                i += 1;
            }
        } else if ch.is_alphabetic() || ch == '_' {
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            let word: String = c[start..i].iter().collect();
            let raw_string = matches!(word.as_str(), "r" | "br" | "cr")
                && (at(i) == '"' || (at(i) == '#' && (at(i + 1) == '"' || at(i + 1) == '#')));
            if raw_string {
                let mut hashes = 0;
                while at(i) == '#' {
                    hashes += 1;
                    i += 1;
                }
                i += 1; // the opening quote
                loop {
                    if i >= c.len() {
                        break;
                    }
                    if c[i] == '"' && (1..=hashes).all(|k| at(i + k) == '#') {
                        i += 1 + hashes;
                        break;
                    }
                    if c[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
            } else if matches!(word.as_str(), "b" | "c") && (at(i) == '"' || at(i) == '\'') {
                // A byte or C string, or a byte char: the literal follows.
            } else if word == "r" && at(i) == '#' {
                // A raw identifier: r#type.
                i += 1;
            } else {
                out.push(Tok::Ident(word, line));
            }
        } else if ch == ':' && at(i + 1) == ':' {
            out.push(Tok::PathSep(line));
            i += 2;
        } else {
            out.push(Tok::Punct(ch, line));
            i += 1;
        }
    }
    out
}

/// The modules declared with `mod name;` or `mod name {` at the top of a file.
fn module_declarations(toks: &[Tok]) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    for (i, t) in toks.iter().enumerate() {
        if t.is_punct('{') {
            depth += 1;
        } else if t.is_punct('}') {
            depth = depth.saturating_sub(1);
        } else if depth == 0 && t.ident() == Some("mod") {
            if let Some(name) = toks.get(i + 1).and_then(Tok::ident) {
                if toks
                    .get(i + 2)
                    .is_some_and(|t| t.is_punct(';') || t.is_punct('{'))
                {
                    out.push(name.to_string());
                }
            }
        }
    }
    out
}

/// The paths of a use tree starting at `toks[*j]`, as written: `a::{b, c::d}` gives
/// `a::b` and `a::c::d`; `self` in braces names the module before it.
fn use_tree(toks: &[Tok], j: &mut usize) -> Vec<Vec<String>> {
    match toks.get(*j) {
        Some(t) if t.is_punct('{') => {
            *j += 1;
            let mut paths = Vec::new();
            while let Some(t) = toks.get(*j) {
                if t.is_punct('}') {
                    *j += 1;
                    break;
                }
                if t.is_punct(',') {
                    *j += 1;
                    continue;
                }
                let before = *j;
                paths.extend(use_tree(toks, j));
                if *j == before {
                    *j += 1;
                }
            }
            paths
        }
        Some(t) if t.is_punct('*') => {
            *j += 1;
            vec![vec!["*".to_string()]]
        }
        Some(Tok::Ident(name, _)) => {
            *j += 1;
            if matches!(toks.get(*j), Some(Tok::PathSep(_))) {
                *j += 1;
                let rest = use_tree(toks, j);
                if rest.is_empty() {
                    return vec![vec![name.clone()]];
                }
                rest.into_iter()
                    .map(|mut p| {
                        p.insert(0, name.clone());
                        if p.last().map(String::as_str) == Some("self") {
                            p.pop();
                        }
                        p
                    })
                    .collect()
            } else {
                vec![vec![name.clone()]]
            }
        }
        // `Foo::<T>` and the like: the path ends before it.
        _ => vec![Vec::new()],
    }
}

/// One reference of a module to a path of the crate.
#[derive(Debug)]
struct Reference {
    /// The (inline) module it is written in: `backend::group::tests`.
    scope: Vec<String>,
    /// The path it names, from the crate root.
    absolute: Vec<String>,
    /// As written, for messages.
    written: String,
    line: usize,
}

/// Every path of the crate that the file of module `module` names, resolved from the
/// crate root: `crate::`, `cgtools::` (the crate's own name), `self::`, `super::` (from
/// the inline module it is written in) and paths through the file's own child modules.
fn references(text: &str, module: &[String]) -> Vec<Reference> {
    let toks = tokens(text);
    let children: BTreeSet<String> = module_declarations(&toks).into_iter().collect();
    let mut out = Vec::new();
    // Inline modules open at a brace depth.
    let mut scope: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < toks.len() {
        let t = &toks[i];
        if t.is_punct('{') {
            depth += 1;
            i += 1;
            continue;
        }
        if t.is_punct('}') {
            depth = depth.saturating_sub(1);
            if scope.last().is_some_and(|(_, d)| *d == depth) {
                scope.pop();
            }
            i += 1;
            continue;
        }
        if t.ident() == Some("mod") {
            if let (Some(name), Some(open)) =
                (toks.get(i + 1).and_then(Tok::ident), toks.get(i + 2))
            {
                if open.is_punct('{') {
                    scope.push((name.to_string(), depth));
                }
            }
            i += 2;
            continue;
        }
        let after_sep = i > 0 && matches!(toks[i - 1], Tok::PathSep(_));
        let after_dot = i > 0 && toks[i - 1].is_punct('.');
        let starts_path = matches!(toks.get(i + 1), Some(Tok::PathSep(_)))
            && !after_sep
            && !after_dot
            && t.ident().is_some_and(|name| {
                matches!(name, "crate" | "cgtools" | "self" | "super")
                    || (scope.is_empty() && children.contains(name))
            });
        if !starts_path {
            i += 1;
            continue;
        }
        let line = t.line();
        let mut here: Vec<String> = module.to_vec();
        here.extend(scope.iter().map(|(name, _)| name.clone()));
        let mut j = i;
        for path in use_tree(&toks, &mut j) {
            let written = path.join("::");
            let absolute = match path.first().map(String::as_str) {
                Some("crate" | "cgtools") => Some(path[1..].to_vec()),
                Some("self" | "super") => {
                    let mut base = here.clone();
                    let mut rest = &path[..];
                    while let Some(first) = rest.first() {
                        match first.as_str() {
                            "self" => {}
                            "super" => {
                                if base.pop().is_none() {
                                    break;
                                }
                            }
                            _ => break,
                        }
                        rest = &rest[1..];
                    }
                    base.extend(rest.iter().cloned());
                    Some(base)
                }
                Some(_) => {
                    let mut base = here.clone();
                    base.extend(path.iter().cloned());
                    Some(base)
                }
                None => None,
            };
            if let Some(absolute) = absolute {
                out.push(Reference {
                    scope: here.clone(),
                    absolute,
                    written,
                    line,
                });
            }
        }
        i = j.max(i + 1);
    }
    out
}

/// The names lib.rs re-exports at the crate root, and the module each comes from.
fn reexports(lib: &[Tok], modules: &BTreeSet<Vec<String>>) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    let mut i = 0;
    while i + 1 < lib.len() {
        if lib[i].ident() == Some("pub") && lib[i + 1].ident() == Some("use") {
            let mut j = i + 2;
            for path in use_tree(lib, &mut j) {
                if let (Some(name), Some(module)) = (path.last(), longest_module(&path, modules)) {
                    out.insert(name.clone(), module);
                }
            }
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

/// The longest prefix of `path` that is a module of the tree.
fn longest_module(path: &[String], modules: &BTreeSet<Vec<String>>) -> Option<Vec<String>> {
    (1..=path.len())
        .rev()
        .map(|k| path[..k].to_vec())
        .find(|prefix| modules.contains(prefix))
}

/// The module a path from the crate root lands in: a layer's module, or the module a root
/// re-export comes from; `None` for anything else.
fn resolve(
    absolute: &[String],
    modules: &BTreeSet<Vec<String>>,
    reexports: &BTreeMap<String, Vec<String>>,
) -> Option<Vec<String>> {
    let first = absolute.first()?;
    if LAYERS.contains(&first.as_str()) {
        return longest_module(absolute, modules);
    }
    reexports.get(first).cloned()
}

/// The import cycles of `graph`, each the shortest one through one of its edges, written
/// from its least node back to it (`a -> b -> a`), without repeats.
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    let mut out: BTreeSet<Vec<String>> = BTreeSet::new();
    for (from, targets) in graph {
        for to in targets {
            // The shortest way back from `to` to `from` (breadth first).
            let mut previous: BTreeMap<&str, &str> = BTreeMap::new();
            let mut queue = std::collections::VecDeque::from([to.as_str()]);
            let mut seen: BTreeSet<&str> = BTreeSet::from([to.as_str()]);
            while let Some(node) = queue.pop_front() {
                if node == from {
                    break;
                }
                for next in graph.get(node).into_iter().flatten() {
                    if seen.insert(next.as_str()) {
                        previous.insert(next.as_str(), node);
                        queue.push_back(next.as_str());
                    }
                }
            }
            if !seen.contains(from.as_str()) {
                continue;
            }
            let mut path = vec![from.clone()];
            let mut node = from.as_str();
            while node != to.as_str() {
                node = previous[node];
                path.push(node.to_string());
            }
            // path runs from `from` back to `to`: reverse it into from -> to -> .. -> from.
            path.reverse();
            path.insert(0, from.clone());
            path.pop();
            let least = (0..path.len()).min_by_key(|&i| &path[i]).unwrap_or(0);
            path.rotate_left(least);
            path.push(path[0].clone());
            out.insert(path);
        }
    }
    let mut out: Vec<Vec<String>> = out.into_iter().collect();
    out.sort_by_key(Vec::len);
    out
}

// Self-tests: small trees, each with one fault, must be refused; clean ones must pass.

const LIB: &str = "pub mod backend;\npub mod engine;\npub mod rules;\npub mod tools;\n\
                   pub use backend::cgroups::Cgroups;\npub use engine::plan::{Plan, Step};\n";

fn tree(files: &[(&str, &str)]) -> Vec<String> {
    let mut all: Vec<File> = [
        ("backend/mod.rs", "pub mod cgroups;\npub mod group;\n"),
        ("backend/cgroups.rs", ""),
        ("backend/group.rs", ""),
        ("engine/mod.rs", "pub mod plan;\n"),
        ("engine/plan.rs", ""),
        ("rules/mod.rs", ""),
        ("tools/mod.rs", "pub mod cli;\n"),
        ("tools/cli/mod.rs", "pub mod cgset;\n"),
        ("tools/cli/cgset.rs", ""),
    ]
    .iter()
    .filter(|(rel, _)| !files.iter().any(|(r, _)| r == rel))
    .chain(files.iter())
    .map(|(rel, text)| File {
        rel: rel.to_string(),
        text: text.to_string(),
    })
    .collect();
    all.sort_by(|a, b| a.rel.cmp(&b.rel));
    let top: Vec<String> = LAYERS.iter().map(|l| l.to_string()).collect();
    check(LIB, &all, &top)
}

fn refused(files: &[(&str, &str)], expected: &str) {
    let problems = tree(files);
    assert!(
        problems.len() == 1 && problems[0].contains(expected),
        "expected one problem containing {expected:?}, got {problems:#?}"
    );
}

#[test]
fn a_clean_tree_passes() {
    let problems = tree(&[
        ("backend/group.rs", "use crate::backend::cgroups::Cgroups;\nuse super::cgroups;\n"),
        ("engine/plan.rs", "use crate::{backend::group, Cgroups};\nuse crate::backend::group::Group as G;\n"),
        ("tools/cli/cgset.rs", "use crate::engine::plan::Plan;\nuse super::super::super::backend::group;\nfn f() { crate::Plan::new::<u8>(); }\n"),
        ("tools/cli/mod.rs", "pub mod cgset;\nuse cgset::run;\n"),
    ]);
    assert_eq!(problems, Vec::<String>::new());
}

#[test]
fn a_backend_module_using_the_engine_is_refused() {
    refused(
        &[("backend/group.rs", "use crate::engine::plan::Plan;\n")],
        "src/backend/group.rs:1: `crate::engine::plan::Plan` is engine::plan (engine)",
    );
}

#[test]
fn through_super_from_an_inline_test_module() {
    refused(
        &[(
            "backend/group.rs",
            "fn f() {}\n#[cfg(test)]\nmod tests {\n    use super::*;\n    use super::super::super::engine::plan;\n}\n",
        )],
        "src/backend/group.rs:5: `super::super::super::engine::plan` is engine::plan",
    );
}

#[test]
fn through_a_use_tree_the_crate_name_and_a_root_reexport() {
    refused(
        &[(
            "backend/group.rs",
            "use crate::{backend::cgroups, engine::plan};\n",
        )],
        "`crate::engine::plan` is engine::plan",
    );
    refused(
        &[(
            "backend/group.rs",
            "fn f() -> cgtools::engine::plan::Plan { todo!() }\n",
        )],
        "`cgtools::engine::plan::Plan` is engine::plan",
    );
    refused(
        &[("backend/cgroups.rs", "use crate::{Cgroups, Plan};\n")],
        "`crate::Plan` is engine::plan",
    );
    refused(
        &[("engine/plan.rs", "use crate::tools::cli::cgset;\n")],
        "is tools::cli::cgset (tools)",
    );
}

#[test]
fn comments_and_strings_are_no_imports() {
    let problems = tree(&[(
        "backend/group.rs",
        "//! See [`crate::engine::plan`].\n/* crate::engine::plan /* nested */ crate::tools */\n\
         const A: &str = \"crate::engine::plan\";\nconst B: &str = r#\"crate::engine\"#;\n\
         const C: char = '\"'; const D: u8 = b'\\''; fn f<'a>(x: &'a str) {}\n",
    )]);
    assert_eq!(problems, Vec::<String>::new());
}

#[test]
fn a_cycle_between_modules_is_refused() {
    refused(
        &[
            (
                "backend/group.rs",
                "use crate::backend::cgroups::Cgroups;\n",
            ),
            ("backend/cgroups.rs", "use super::group::Group;\n"),
        ],
        "an import cycle: backend::cgroups -> backend::group -> backend::cgroups",
    );
    // A test module is a node of its own: desired's tests may drive plan.
    let problems = tree(&[
        ("engine/plan.rs", "use crate::backend::group;\n"),
        (
            "backend/group.rs",
            "#[cfg(test)]\nmod tests {\n    use crate::backend::cgroups;\n}\n",
        ),
        ("backend/cgroups.rs", "use crate::backend::group;\n"),
    ]);
    assert_eq!(problems, Vec::<String>::new());
}

#[test]
fn unknown_paths_and_modules_outside_the_layers_are_refused() {
    refused(
        &[("backend/group.rs", "use crate::Unknown;\n")],
        "`crate::Unknown` names no module",
    );
    let problems = check(
        "pub mod backend;\npub mod engine;\npub mod rules;\npub mod tools;\npub mod extra;\n",
        &[],
        &[
            "lib.rs".into(),
            "bin".into(),
            "backend".into(),
            "extra.rs".into(),
        ],
    );
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(problems[0].starts_with("src/extra.rs: outside the layers"));
    assert!(problems[1].starts_with("src/lib.rs: declares the modules"));
}

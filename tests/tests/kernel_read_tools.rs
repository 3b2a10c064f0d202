//! cgget, cgxget, lscgroup and lssubsys on the real kernel: groups made for the test under
//! a unique `cgtools-e2e-<pid>-<n>` prefix, read back through the binaries, compared with
//! what the kernel's files say (and with Debian's cgroup-tools when they are installed).
//!
//! Mode-aware: every test reads from the mount table (`tests/support`, not cgtools) how the
//! host runs the controller it uses and expects the matching names and values; it skips
//! with a counted reason when not root or when the controller is not usable here (a
//! failure in the VM lane). Groups are made with plain `mkdir` under a unique prefix and
//! removed by the shared guard even when a test fails; no process is ever moved and the v2
//! root's `cgroup.subtree_control` is never written.

// Test code: a failed fixture or an unexpected output should fail the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::path::Path;

use test_support::{need, run, skip, Host, Mode, Mount, TestGroups};

/// `text` with the test's prefix and a mount point replaced, for snapshots that hold in
/// every lane.
fn redact(text: &str, groups: &TestGroups, mount: &Mount) -> String {
    text.replace(&mount.path.display().to_string(), "[MOUNT]")
        .replace(&groups.prefix, "[G]")
}

/// The host's name for the memory limit and the other version's.
fn limit_names(mount: &Mount) -> (&'static str, &'static str) {
    if mount.v2 {
        ("memory.max", "memory.limit_in_bytes")
    } else {
        ("memory.limit_in_bytes", "memory.max")
    }
}

/// A hierarchy's version in the words of cgtools' notes (`v1`, `v2`).
fn version_word(v2: bool) -> &'static str {
    if v2 {
        "v2"
    } else {
        "v1"
    }
}

/// The mode's name in cgget's JSON, and the sentence libcgroup's `cgget -m` prints for it.
fn mode_words(mode: Mode) -> (&'static str, &'static str) {
    match mode {
        Mode::Legacy => ("legacy", "Legacy Mode (Cgroup v1 only)."),
        Mode::Hybrid => ("hybrid", "Hybrid mode (Cgroup v1/v2)."),
        Mode::Unified => ("unified", "Unified Mode (Cgroup v2 only)."),
    }
}

/// How lscgroup and lssubsys name a hierarchy: its controllers and `name=`, joined by
/// commas (libcgroup's); a v2 mount without controllers as `cgroup`.
fn label(mount: &Mount) -> String {
    let mut words = mount.controllers.clone();
    if let Some(name) = &mount.name {
        words.push(format!("name={name}"));
    }
    if words.is_empty() {
        words.push("cgroup".to_string());
    }
    words.join(",")
}

/// The seed article's limit: 50000000 bytes, which the kernel rounds down to pages.
#[test]
fn cgget_reads_back_a_limit_as_libcgroup_prints_it() {
    let host = need!(Host::for_test());
    let memory = need!(host.usable("memory"));
    let groups = TestGroups::new(&host);
    let dir = groups.mkdir_bare(memory, "");
    let (host_name, other_name) = limit_names(memory);
    fs::write(dir.join(host_name), "50000000").unwrap();
    let g = groups.name("");

    let out = run("cgget", &["-r", host_name, &g]);
    assert_eq!(out.stdout, format!("{g}:\n{host_name}: 49999872\n\n"));
    assert_eq!((out.stderr.as_str(), out.code), ("", Some(0)));

    let out = run("cgget", &["-n", "-v", "-r", host_name, &g]);
    assert_eq!(out.stdout, "49999872\n");

    // The header echoes the user's spelling of the path.
    let spelled = format!("/{g}/");
    let out = run("cgget", &["-r", host_name, &spelled]);
    assert!(out.stdout.starts_with(&format!("{spelled}:\n")));

    // The other version's name is translated, with a note on stderr.
    let out = run("cgget", &["-r", other_name, &g]);
    assert_eq!(out.stdout, format!("{g}:\n{other_name}: 49999872\n\n"));
    assert_eq!(out.code, Some(0));
    assert!(
        out.stderr.starts_with(&format!(
            "cgget: note: `{other_name}` is cgroup {} vocabulary but memory runs as cgroup {} here",
            version_word(!memory.v2),
            version_word(memory.v2)
        )),
        "{}",
        out.stderr
    );
    assert_eq!(out.stderr.lines().count(), 1);

    // Several -r and several groups: the settings in order, each group in turn. (The
    // same group twice: a v2 child would lack memory files unless the test enabled them.)
    let out = run(
        "cgget",
        &["-n", "-r", host_name, "-r", "memory.stat", &g, &g],
    );
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines[0], format!("{host_name}: 49999872"));
    assert!(lines[1].starts_with("memory.stat: "));
    assert!(
        lines[2].starts_with('\t'),
        "continuation lines are TAB-indented"
    );
    let second = lines
        .iter()
        .skip(1)
        .position(|l| l.starts_with(host_name))
        .unwrap();
    assert!(lines[second + 2].starts_with("memory.stat: "));
}

/// `-g ctrl:path`: every `<ctrl>.*` file of the group, sorted, multi-line values indented,
/// write-only files with an empty value, an empty line at the end.
#[test]
fn whole_controller_listing_is_sorted_and_complete() {
    let host = need!(Host::for_test());
    let memory = need!(host.usable("memory"));
    let groups = TestGroups::new(&host);
    let dir = groups.mkdir_bare(memory, "");
    let g = groups.name("");
    let out = run("cgget", &["-g", &format!("memory:{g}")]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(out.stdout.starts_with(&format!("{g}:\n")));
    assert!(out.stdout.ends_with("\n\n"));

    let mut expected: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| e.file_name().into_string().unwrap())
        .filter(|n| n.starts_with("memory."))
        .collect();
    expected.sort();
    let listed: Vec<&str> = out
        .stdout
        .lines()
        .skip(1)
        .filter(|l| !l.is_empty() && !l.starts_with('\t'))
        .map(|l| l.split_once(": ").map_or(l, |(name, _)| name))
        .collect();
    assert_eq!(listed, expected);
    if !memory.v2 {
        assert!(out.stdout.contains("\nmemory.force_empty: \n"));
    }
    // memory.stat has many lines: the first after the name, the rest after a TAB.
    let stat = fs::read_to_string(dir.join("memory.stat")).unwrap();
    let first_key = stat.lines().next().unwrap().split(' ').next().unwrap();
    assert!(out.stdout.contains(&format!("\nmemory.stat: {first_key} ")));

    // -n -v: the same lines without header, names and the empty line.
    let bare = run("cgget", &["-n", "-v", "-g", &format!("memory:{g}")]);
    assert_eq!(bare.stdout.lines().count(), out.stdout.lines().count() - 2);

    // A bare path reads every controller whose hierarchy has the group: the memory
    // listing is part of it; on v1, where the group exists only in memory's hierarchy, it
    // is all of it.
    let all = run("cgget", &[&g]);
    assert_eq!(all.code, Some(0));
    let memory_lines: Vec<&str> = out.stdout.lines().collect();
    let all_lines: Vec<&str> = all.stdout.lines().collect();
    let start = all_lines
        .iter()
        .position(|l| l.starts_with("memory."))
        .unwrap();
    assert_eq!(
        &all_lines[start..start + memory_lines.len() - 2],
        &memory_lines[1..memory_lines.len() - 1]
    );
    if !memory.v2 {
        assert_eq!(all.stdout, out.stdout);
    }
}

/// Where libcgroup's cgget is installed, it prints the same lines (in directory order).
#[test]
fn same_lines_as_libcgroups_cgget_when_installed() {
    let host = need!(Host::for_test());
    if !Path::new("/usr/bin/cgget").exists() {
        skip!("libcgroup's cgget is not installed");
    }
    let memory = need!(host.usable("memory"));
    let groups = TestGroups::new(&host);
    let dir = groups.mkdir_bare(memory, "");
    fs::write(dir.join(limit_names(memory).0), "50000000").unwrap();
    let g = groups.name("");
    for args in [
        vec!["-r", limit_names(memory).0, g.as_str()],
        vec!["-n", "-v", "-r", "memory.stat", g.as_str()],
    ] {
        let ours = run("cgget", &args);
        let theirs = std::process::Command::new("/usr/bin/cgget")
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(
            ours.stdout,
            String::from_utf8_lossy(&theirs.stdout),
            "{args:?}"
        );
        assert_eq!(ours.code, theirs.status.code(), "{args:?}");
    }
    // Whole controllers: the same lines, ours sorted by name.
    let spec = format!("memory:{g}");
    let ours = run("cgget", &["-g", &spec]);
    let theirs = std::process::Command::new("/usr/bin/cgget")
        .args(["-g", &spec])
        .output()
        .unwrap();
    let theirs = String::from_utf8_lossy(&theirs.stdout).into_owned();
    let mut a: Vec<&str> = ours.stdout.lines().collect();
    let mut b: Vec<&str> = theirs.lines().collect();
    a.sort_unstable();
    b.sort_unstable();
    assert_eq!(a, b);
}

/// Missing groups, controllers and settings: libcgroup 3.x's words, exit 96; a setting
/// name without a controller: exit 91. Nothing on stdout.
#[test]
fn read_errors_use_libcgroups_words_and_exit_codes() {
    let host = need!(Host::for_test());
    let memory = need!(host.serving("memory"));
    let groups = TestGroups::new(&host);
    groups.mkdir_bare(memory, "");
    let g = groups.name("");
    let nope = groups.name("nope");

    let out = run("cgget", &["-r", "memory.stat", &nope]);
    insta::assert_snapshot!(redact(&out.transcript(), &groups, memory), @"
    --- stderr
    cgget: variable file read failed No such file or directory
    cgget: cannot read group `/[G]/nope`: it does not exist ([MOUNT]/[G]/nope)
    --- exit Some(96)
    ");
    let out = run("cgget", &["-g", &format!("memory:{nope}")]);
    assert_eq!(out.code, Some(96));
    assert!(out.stderr.starts_with(&format!(
        "cgget: cannot find controller 'memory' in group '{nope}'"
    )));
    let out = run("cgget", &[&nope]);
    assert_eq!(out.code, Some(96));
    assert!(out
        .stderr
        .starts_with(&format!("cgget: cannot find group '{nope}'")));

    let out = run("cgget", &["-r", "memory.nosuch", &g]);
    insta::assert_snapshot!(redact(&out.transcript(), &groups, memory), @"
    --- stderr
    cgget: variable file read failed No such file or directory
    cgget: cannot read `memory.nosuch`: the group has no such setting ([MOUNT]/[G]/memory.nosuch)
    --- exit Some(96)
    ");

    let out = run("cgget", &["-r", "nosuch.setting", &g]);
    assert_eq!(out.code, Some(96));
    assert!(out.stdout.is_empty());
    // libcgroup's line, ours with the reason, the hint listing what is mounted.
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 3, "{}", out.stderr);
    assert_eq!(
        lines[..2],
        [
            format!("cgget: cannot find controller 'nosuch' in group '{g}'").as_str(),
            "cgget: controller `nosuch` is not mounted (no cgroup hierarchy serves it)",
        ],
        "{}",
        out.stderr
    );
    let mounted = lines[2]
        .strip_prefix("cgget: hint: mounted controllers: ")
        .unwrap_or_else(|| panic!("{}", out.stderr));
    assert!(mounted.split(' ').any(|c| c == "memory"), "{}", out.stderr);

    // One bad group among good ones: nothing is printed, as with libcgroup.
    let out = run("cgget", &["-r", "memory.stat", &g, &nope]);
    assert_eq!(out.code, Some(96));
    assert!(out.stdout.is_empty());
}

/// `--json`: one document a script can read, the same data as the text.
#[test]
fn cgget_json_carries_the_same_values() {
    let host = need!(Host::for_test());
    let memory = need!(host.usable("memory"));
    let groups = TestGroups::new(&host);
    let dir = groups.mkdir_bare(memory, "");
    let (host_name, _) = limit_names(memory);
    fs::write(dir.join(host_name), "50000000").unwrap();
    let g = groups.name("");
    let out = run("cgget", &["--json", "-m", "-c", "-r", host_name, &g]);
    assert_eq!(out.code, Some(0));
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let (mode_name, description) = mode_words(host.mode());
    assert_eq!(doc["mode"]["name"], mode_name);
    assert_eq!(doc["mode"]["description"], description);
    let memory_row = doc["controllers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "memory")
        .unwrap();
    assert_eq!(memory_row["version"], memory.version());
    assert_eq!(doc["groups"][0]["path"], g.as_str());
    assert_eq!(doc["groups"][0]["settings"][0]["name"], host_name);
    assert_eq!(doc["groups"][0]["settings"][0]["value"], "49999872");
    let out = run("cgget", &["--json", "-g", &format!("memory:{g}")]);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert!(doc.get("mode").is_none());
    let stat = doc["groups"][0]["settings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "memory.stat")
        .unwrap();
    assert!(stat["value"].as_str().unwrap().contains('\n'));
}

/// `-m` and `-c` describe the host as the backend sees it.
#[test]
fn mode_and_controller_versions() {
    let host = need!(Host::for_test());
    let description = mode_words(host.mode()).1;
    let out = run("cgget", &["-m"]);
    assert_eq!(out.stdout, format!("{description}\n"));
    assert_eq!(out.code, Some(0));
    let out = run("cgget", &["-c"]);
    let mut lines = out.stdout.lines();
    assert_eq!(lines.next(), Some("#Controller\tVersion"));
    let rows: Vec<&str> = lines.collect();
    for c in host.mounted_controllers() {
        let want = format!("{c}\t{}", host.find(c).unwrap().version());
        assert!(rows.contains(&want.as_str()), "{want} in {rows:?}");
    }
    // Both together: the mode first.
    let out = run("cgget", &["-m", "-c"]);
    assert!(out
        .stdout
        .starts_with(&format!("{description}\n#Controller\tVersion\n")));
}

/// cgxget: names in the asked version, converted both ways; -i leaves out what has no
/// counterpart.
#[test]
fn cgxget_converts_between_versions() {
    let host = need!(Host::for_test());
    let cpu = need!(host.usable("cpu"));
    let groups = TestGroups::new(&host);
    let dir = groups.mkdir_bare(cpu, "");
    let g = groups.name("");
    let (shares, weight) = if cpu.v2 {
        fs::write(dir.join("cpu.weight"), "200").unwrap();
        ("2048", "200")
    } else {
        fs::write(dir.join("cpu.shares"), "512").unwrap();
        ("512", "50")
    };
    let out = run("cgxget", &["-1", "-n", "-v", "-r", "cpu.shares", &g]);
    assert_eq!(
        (out.stdout.as_str(), out.code),
        (format!("{shares}\n").as_str(), Some(0))
    );
    let out = run("cgxget", &["-2", "-n", "-v", "-r", "cpu.weight", &g]);
    assert_eq!(out.stdout, format!("{weight}\n"));
    assert!(out.stderr.is_empty(), "cgxget translates without notes");
    let out = run("cgxget", &["-2", "-n", "-r", "cpu.max", &g]);
    assert_eq!(out.stdout, "cpu.max: max 100000\n");

    // cpu.stat exists in both versions but means different things: no counterpart.
    let other = if cpu.v2 { "-1" } else { "-2" };
    let out = run("cgxget", &[other, "-r", "cpu.stat", &g]);
    assert_eq!(out.code, Some(111));
    assert!(out.stdout.is_empty());
    assert!(out.stderr.contains("cgxget -i leaves out"));
    let out = run("cgxget", &[other, "-i", "-n", "-r", "cpu.stat", &g]);
    assert_eq!((out.stdout.as_str(), out.code), ("", Some(0)));
    // A name of the wrong vocabulary for -1/-2 is invalid (exit 91), as in libcgroup.
    let wrong = if cpu.v2 {
        ["-1", "-r", "cpu.weight"]
    } else {
        ["-2", "-r", "cpu.shares"]
    };
    let out = run("cgxget", &[wrong[0], wrong[1], wrong[2], &g]);
    assert_eq!(out.code, Some(91));
    // The whole controller in the other vocabulary.
    let out = run("cgxget", &[other, "-i", "-n", "-g", "cpu", &g]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let want = if cpu.v2 {
        format!("cpu.shares: {shares}")
    } else {
        format!("cpu.weight: {weight}")
    };
    assert!(out.stdout.lines().any(|l| l == want), "{}", out.stdout);
}

/// lscgroup: pre-order, sorted children, the start group with a trailing `/`, the
/// hierarchy's controllers as prefix.
#[test]
fn lscgroup_lists_the_tree_in_pre_order() {
    let host = need!(Host::for_test());
    let memory = need!(host.serving("memory"));
    let groups = TestGroups::new(&host);
    for rest in ["b", "a/x", "a/w"] {
        groups.mkdir_bare(memory, rest);
    }
    let g = groups.name("");
    let label = label(memory);
    let out = run("lscgroup", &[&format!("memory:/{g}")]);
    assert_eq!(
        redact(&out.transcript(), &groups, memory).replace(&label, "[L]"),
        "--- stdout\n[L]:/[G]/\n[L]:/[G]/a\n[L]:/[G]/a/w\n[L]:/[G]/a/x\n[L]:/[G]/b\n--- exit Some(0)\n"
    );
    let out = run("lscgroup", &["-g", &format!("memory:{g}/a/")]);
    assert_eq!(
        out.stdout,
        format!("{label}:/{g}/a/\n{label}:/{g}/a/w\n{label}:/{g}/a/x\n")
    );
    // The whole host: the same groups, without the trailing `/`, in the same order.
    let out = run("lscgroup", &[]);
    assert_eq!(out.code, Some(0));
    let ours: Vec<&str> = out.stdout.lines().filter(|l| l.contains(&g)).collect();
    let want: Vec<String> = ["", "/a", "/a/w", "/a/x", "/b"]
        .iter()
        .map(|rest| format!("{label}:/{g}{rest}"))
        .collect();
    assert_eq!(ours, want);

    // JSON: the same groups.
    let out = run("lscgroup", &["--json", &format!("memory:/{g}")]);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let entries = doc["cgroups"].as_array().unwrap();
    assert_eq!(entries.len(), 5);
    assert_eq!(entries[0]["path"], format!("/{g}"));
    assert_eq!(entries[4]["path"], format!("/{g}/b"));
    assert_eq!(entries[0]["version"], memory.version());
    assert_eq!(entries[0]["mount_point"], memory.path.display().to_string());
    assert!(entries[0]["controllers"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c == "memory"));

    if Path::new("/usr/bin/lscgroup").exists() {
        // libcgroup lists the same lines, in directory order.
        let theirs = std::process::Command::new("/usr/bin/lscgroup")
            .arg(format!("memory:/{g}"))
            .output()
            .unwrap();
        let theirs = String::from_utf8_lossy(&theirs.stdout).into_owned();
        let ours = run("lscgroup", &[&format!("memory:/{g}")]).stdout;
        let mut a: Vec<&str> = ours.lines().collect();
        let mut b: Vec<&str> = theirs.lines().collect();
        a.sort_unstable();
        b.sort_unstable();
        assert_eq!(a, b);
    }
}

/// A missing group lists nothing and exits 0 (as libcgroup) with a note; a controller
/// mounted nowhere exits 93 and the other specs are still listed.
#[test]
fn lscgroup_missing_groups_and_unknown_controllers() {
    let host = need!(Host::for_test());
    let memory = need!(host.serving("memory"));
    let groups = TestGroups::new(&host);
    groups.mkdir_bare(memory, "");
    let g = groups.name("");
    let out = run("lscgroup", &[&format!("memory:/{g}/nope")]);
    assert_eq!(out.code, Some(0));
    assert!(out.stdout.is_empty());
    insta::assert_snapshot!(
        redact(&out.stderr, &groups, memory).replace(&label(memory), "[L]"),
        @"lscgroup: note: group [L]:/[G]/nope does not exist ([MOUNT]/[G]/nope)"
    );
    let out = run(
        "lscgroup",
        &[&format!("nosuch:/{g}"), &format!("memory:/{g}")],
    );
    assert_eq!(out.code, Some(93));
    assert_eq!(out.stdout, format!("{}:/{g}/\n", label(memory)));
    assert!(
        out.stderr.starts_with(&format!(
            "lscgroup: cannot find group nosuch..:/{g}: Cgroup operation failed\n\
             lscgroup: controller `nosuch` is not mounted"
        )),
        "{}",
        out.stderr
    );
}

/// lssubsys works although this kind of host has controllers mounted nowhere
/// (libcgroup's exits 82 there, issue #537), and agrees with /proc/cgroups.
#[test]
fn lssubsys_lists_hierarchies_even_with_unmounted_controllers() {
    let host = need!(Host::for_test());
    let known = &host.controllers;
    if known.is_empty() {
        skip!("/proc/cgroups is not readable");
    }
    let out = run("lssubsys", &["-am"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(out.stderr.is_empty());
    let lines: Vec<&str> = out.stdout.lines().collect();
    // First the controllers of hierarchy 0, bare, in /proc/cgroups order.
    let zero: Vec<&str> = known
        .iter()
        .filter(|k| k.hierarchy == 0)
        .map(|k| k.name.as_str())
        .collect();
    assert_eq!(&lines[..zero.len()], zero.as_slice());
    // Then each mounted v1 hierarchy with its mount point.
    for h in host
        .mounts
        .iter()
        .filter(|h| !h.v2 && !h.controllers.is_empty())
    {
        let want = format!("{} {}", h.controllers.join(","), h.path.display());
        assert!(lines.contains(&want.as_str()), "{want} in {lines:?}");
    }
    // -i: ids from /proc/cgroups.
    let out = run("lssubsys", &["-i"]);
    for k in known.iter().filter(|k| k.hierarchy != 0) {
        assert!(
            out.stdout
                .lines()
                .any(|l| l.ends_with(&format!(" {}", k.hierarchy))
                    && l.split(' ').next().unwrap().split(',').any(|c| c == k.name)),
            "{} in {}",
            k.name,
            out.stdout
        );
    }
    // A named controller mounted nowhere prints nothing; one the kernel lacks warns.
    let out = run("lssubsys", &["-m", "no_such_controller"]);
    assert_eq!((out.stdout.as_str(), out.code), ("", Some(0)));
    assert!(out
        .stderr
        .starts_with("lssubsys: warning: the kernel has no controller 'no_such_controller'"));
    // JSON: every served controller is in some hierarchy, the rest (with -a) unmounted.
    let out = run("lssubsys", &["-a", "--json"]);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let mut seen: Vec<String> = Vec::new();
    for h in doc["hierarchies"].as_array().unwrap() {
        for c in h["controllers"].as_array().unwrap() {
            seen.push(c.as_str().unwrap().to_string());
        }
    }
    for c in doc["unmounted"].as_array().unwrap() {
        seen.push(c.as_str().unwrap().to_string());
    }
    for k in known {
        assert!(seen.contains(&k.name), "{} in {seen:?}", k.name);
    }
}

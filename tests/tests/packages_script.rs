//! scripts/packages.sh: how the test scripts get a working qemu without harming the host.
//!
//! The machine images we run on ship qemu-utils from bookworm-backports, which Breaks
//! bookworm's qemu-system-common: a plain `apt-get install qemu-system-x86` there either
//! fails or removes qemu-utils. The script's decisions are checked here on faked
//! `dpkg-query`, `apt-get`, `id` and `qemu-system-x86_64` (whatever this machine has
//! installed), with apt's answers copied from real runs on a plain Debian 12 and on that
//! image.

// Test code: a failure to run the script is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What apt-get -s prints for qemu-system-x86 on a plain Debian 12 (abridged, real lines).
const PLAIN_DEBIAN: &str = "\
Reading package lists...
Building dependency tree...
The following NEW packages will be installed:
  ipxe-qemu libfdt1 libslirp0 qemu-system-common qemu-system-data qemu-system-x86 seabios
0 upgraded, 7 newly installed, 0 to remove and 0 not upgraded.
Inst ipxe-qemu (1.0.0+git-20190125.36a4c85-5.1 Debian:12.14/oldstable [all])
Inst libfdt1 (1.6.1-4+b1 Debian:12.14/oldstable [amd64])
Inst libslirp0 (4.7.0-1 Debian:12.14/oldstable [amd64])
Inst qemu-system-common (1:7.2+dfsg-7+deb12u18+b2 Debian:12.14/oldstable [amd64])
Inst qemu-system-data (1:7.2+dfsg-7+deb12u18 Debian:12.14/oldstable [all])
Inst seabios (1.16.2-1 Debian:12.14/oldstable [all])
Inst qemu-system-x86 (1:7.2+dfsg-7+deb12u18+b2 Debian:12.14/oldstable [amd64])
Conf qemu-system-x86 (1:7.2+dfsg-7+deb12u18+b2 Debian:12.14/oldstable [amd64])
";

/// The same on the image with qemu-utils 10.0.2 from backports: apt solves the Breaks by
/// removing qemu-utils.
const IMAGE_REMOVES: &str = "\
The following packages will be REMOVED:
  qemu-utils
The following NEW packages will be installed:
  qemu-system-common qemu-system-data qemu-system-x86 seabios
Remv qemu-utils [1:10.0.2+ds-2+deb13u1~bpo12+1]
Inst qemu-system-common (1:7.2+dfsg-7+deb12u18+b2 Debian:12.14/oldstable [amd64])
Inst qemu-system-data (1:7.2+dfsg-7+deb12u18 Debian:12.14/oldstable [all])
Inst seabios (1.16.2-1 Debian:12.14/oldstable [all])
Inst qemu-system-x86 (1:7.2+dfsg-7+deb12u18+b2 Debian:12.14/oldstable [amd64])
";

/// What the issue saw with several packages at once: the resolver gives up.
const IMAGE_BREAKS: &str = "\
Some packages could not be installed.
The following packages have unmet dependencies:
 qemu-utils : Breaks: qemu-system-common (< 1:8.0+dfsg-5~) but 1:7.2+dfsg-7+deb12u18+b2 is to be installed
E: Error, pkgProblemResolver::Resolve generated breaks, this may be caused by held packages.
";

/// Installing from bookworm-backports on the image (real lines).
const FROM_BACKPORTS: &str = "\
Inst libslirp0 (4.7.0-1 Debian:12.14/oldstable [amd64])
Inst qemu-system-common (1:10.0.2+ds-2+deb13u1~bpo12+1 Debian Backports:oldstable-backports [amd64])
Inst qemu-system-data (1:10.0.2+ds-2+deb13u1~bpo12+1 Debian Backports:oldstable-backports [all])
Inst seabios (1.16.3-2~bpo12+1 Debian Backports:oldstable-backports [all])
Inst qemu-system-x86 (1:10.0.2+ds-2+deb13u1~bpo12+1 Debian Backports:oldstable-backports [amd64])
";

const IMAGE_DPKG: &str = "qemu-utils 1:10.0.2+ds-2+deb13u1~bpo12+1\n";

/// A fake host: what dpkg knows, what apt-get -s answers (plain and with -t), whether
/// qemu runs.
struct Host {
    dir: tempfile::TempDir,
}

struct Run {
    stdout: String,
    stderr: String,
    code: Option<i32>,
    /// Every apt-get command line, one per line.
    apt: String,
}

impl Host {
    fn new(dpkg: &str, plain: (&str, i32), backports: (&str, i32), qemu_runs: bool) -> Host {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let script = |name: &str, body: &str| {
            let path = d.join("bin").join(name);
            fs::write(&path, format!("#!/bin/sh\nFAKE='{}'\n{body}", d.display())).unwrap();
            fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
        };
        fs::create_dir(d.join("bin")).unwrap();
        fs::write(d.join("dpkg"), dpkg).unwrap();
        fs::write(d.join("sim-plain"), plain.0).unwrap();
        fs::write(d.join("sim-plain.status"), plain.1.to_string()).unwrap();
        fs::write(d.join("sim-backports"), backports.0).unwrap();
        fs::write(d.join("sim-backports.status"), backports.1.to_string()).unwrap();
        fs::write(
            d.join("os-release"),
            "ID=debian\nVERSION_CODENAME=bookworm\n",
        )
        .unwrap();
        if qemu_runs {
            fs::write(d.join("qemu-installed"), "").unwrap();
        }
        script(
            "qemu-system-x86_64",
            "[ -e \"$FAKE/qemu-installed\" ] || exit 127\necho 'QEMU emulator version 7.2.19'\n",
        );
        script("id", "echo 0\n");
        // `-W -f=FORMAT PATTERN`: the packages of $FAKE/dpkg ("name version" lines) that
        // match PATTERN, in FORMAT; exit 1 when none does, as dpkg-query does.
        script(
            "dpkg-query",
            r#"fmt=; pattern=
for a; do case $a in -f=*) fmt=${a#-f=} ;; -W) ;; *) pattern=$a ;; esac; done
found=1
while read -r name version; do
    case $name in $pattern) ;; *) continue ;; esac
    found=0
    out=$(printf '%s' "$fmt" | sed "s/\${Package}/$name/; s/\${Version}/$version/; s/\${Status}/install ok installed/")
    printf "$out"
done <"$FAKE/dpkg"
exit $found
"#,
        );
        script(
            "apt-get",
            r#"echo "apt-get $*" >>"$FAKE/apt.log"
case " $* " in
*" indextargets "*) echo http://mirror.example/debian; echo http://mirror.example/debian-security; exit 0 ;;
*" update "*) exit 0 ;;
esac
suite=plain; sim=0
for a; do [ "$a" = -s ] && sim=1; [ "$a" = -t ] && suite=backports; done
if [ $sim = 1 ]; then cat "$FAKE/sim-$suite"; exit "$(cat "$FAKE/sim-$suite.status")"; fi
touch "$FAKE/qemu-installed"
"#,
        );
        Host { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn run(&self, args: &[&str]) -> Run {
        let script: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/packages.sh");
        let output = Command::new("bash")
            .arg(script)
            .args(args)
            .env(
                "PATH",
                format!(
                    "{}:/usr/bin:/bin:/usr/sbin:/sbin",
                    self.path().join("bin").display()
                ),
            )
            .env("CGTOOLS_APT_DIR", self.path().join("apt"))
            .env("CGTOOLS_OS_RELEASE", self.path().join("os-release"))
            .output()
            .unwrap();
        Run {
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            code: output.status.code(),
            apt: fs::read_to_string(self.path().join("apt.log")).unwrap_or_default(),
        }
    }

    fn installs(&self) -> Vec<String> {
        let log = fs::read_to_string(self.path().join("apt.log")).unwrap_or_default();
        log.lines()
            .filter(|l| l.contains(" install ") && !l.contains(" -s "))
            .map(str::to_string)
            .collect()
    }
}

#[test]
fn a_qemu_that_runs_is_used_and_nothing_is_installed() {
    let host = Host::new(IMAGE_DPKG, (IMAGE_REMOVES, 0), ("", 100), true);
    let run = host.run(&["--plan", "qemu-system-x86"]);
    assert_eq!(
        (run.stdout.as_str(), run.code),
        ("qemu: present\n", Some(0))
    );
    let run = host.run(&["qemu-system-x86"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.apt, "", "apt must not be asked anything");
}

#[test]
fn plain_debian_12_installs_from_its_own_sources() {
    let host = Host::new("", (PLAIN_DEBIAN, 0), ("", 100), false);
    let run = host.run(&["--plan", "qemu-system-x86"]);
    assert_eq!(run.stdout, "qemu: install qemu-system-x86\n");
    let run = host.run(&["qemu-system-x86"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(
        host.installs(),
        ["apt-get install -y -qq --no-install-recommends qemu-system-x86"]
    );
    // What was added to the host is said, package by package.
    assert!(
        run.stderr.contains(
            "packages: installed ipxe-qemu 1.0.0+git-20190125.36a4c85-5.1, libfdt1 1.6.1-4+b1, \
             libslirp0 4.7.0-1, qemu-system-common 1:7.2+dfsg-7+deb12u18+b2, qemu-system-data \
             1:7.2+dfsg-7+deb12u18, seabios 1.16.2-1, qemu-system-x86 1:7.2+dfsg-7+deb12u18+b2\n"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn backported_qemu_utils_is_never_removed_qemu_comes_from_backports() {
    for plain in [(IMAGE_REMOVES, 0), (IMAGE_BREAKS, 100)] {
        let host = Host::new(IMAGE_DPKG, plain, (FROM_BACKPORTS, 0), false);
        let run = host.run(&["--plan", "qemu-system-x86"]);
        assert_eq!(
            run.stdout,
            "qemu: install qemu-system-x86 from bookworm-backports\n"
        );
        assert!(host.installs().is_empty(), "--plan installed something");
        let run = host.run(&["qemu-system-x86"]);
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        let apt_dir = host.path().join("apt");
        let installs = host.installs();
        assert_eq!(installs.len(), 1, "{installs:?}");
        assert!(
            installs[0].ends_with(
                "install -y -qq --no-install-recommends -t bookworm-backports qemu-system-x86"
            ) && installs[0].contains(&format!(
                "-o Dir::Etc::SourceList={}/sources.list",
                apt_dir.display()
            )) && installs[0]
                .contains(&format!("-o Dir::State::Lists={}/lists", apt_dir.display())),
            "{installs:?}"
        );
        // The backports source exists only in the private directory, on the system's mirror.
        let sources = fs::read_to_string(apt_dir.join("sources.list")).unwrap();
        assert!(
            sources.ends_with("deb http://mirror.example/debian bookworm-backports main\n"),
            "{sources}"
        );
        assert!(
            run.stderr.contains("/etc/apt is unchanged"),
            "{}",
            run.stderr
        );
        assert!(
            run.stderr
                .contains("qemu-system-x86 1:10.0.2+ds-2+deb13u1~bpo12+1"),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn no_safe_way_is_an_error_that_says_why_and_installs_nothing() {
    // qemu-utils from somewhere that is not backports: nothing goes with it.
    let host = Host::new(
        "qemu-utils 1:9.0.0-1local1\n",
        (IMAGE_REMOVES, 0),
        ("", 100),
        false,
    );
    let run = host.run(&["--plan", "qemu-system-x86"]);
    assert_eq!(
        run.stdout,
        "qemu: impossible: apt would remove qemu-utils\n"
    );
    let run = host.run(&["qemu-system-x86"]);
    assert_eq!(run.code, Some(1));
    assert!(host.installs().is_empty(), "{:?}", host.installs());
    assert!(
        run.stderr.contains(
            "packages: error: cannot get qemu-system-x86_64 for the pure cgroup v2 lane: apt would remove qemu-utils.\n\
             Installed qemu packages: qemu-utils 1:9.0.0-1local1; \n"
        ),
        "{}",
        run.stderr
    );

    // From backports, but backports cannot install it either (a downgrade there).
    let downgrade = "Inst qemu-utils [1:10.0.2+ds-2+deb13u1~bpo12+1] (1:9.2+ds-1~bpo12+1 Debian Backports:oldstable-backports [amd64])\n\
                     Inst qemu-system-x86 (1:9.2+ds-1~bpo12+1 Debian Backports:oldstable-backports [amd64])\n";
    let host = Host::new(IMAGE_DPKG, (IMAGE_BREAKS, 100), (downgrade, 0), false);
    let run = host.run(&["--plan", "qemu-system-x86"]);
    assert_eq!(
        run.stdout,
        "qemu: impossible: apt cannot install it: qemu-utils : Breaks: qemu-system-common \
         (< 1:8.0+dfsg-5~) but 1:7.2+dfsg-7+deb12u18+b2 is to be installed; E: Error, \
         pkgProblemResolver::Resolve generated breaks, this may be caused by held packages.; \
         the installed qemu-utils 1:10.0.2+ds-2+deb13u1~bpo12+1 comes from bookworm-backports, \
         but from there apt would downgrade qemu-utils 1:10.0.2+ds-2+deb13u1~bpo12+1 to \
         1:9.2+ds-1~bpo12+1\n"
    );
}

#[test]
fn other_packages_are_installed_only_when_missing() {
    let host = Host::new("jq 1.6-2.1\n", (PLAIN_DEBIAN, 0), ("", 100), true);
    let run = host.run(&["--plan", "jq", "cpio", "qemu-system-x86"]);
    assert_eq!(run.stdout, "install: cpio\nqemu: present\n");
    let run = host.run(&["jq", "cpio"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(
        host.installs(),
        ["apt-get install -y -qq --no-install-recommends cpio"]
    );
}

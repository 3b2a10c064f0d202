//! Skips that cannot look like passes.
//!
//! A test that cannot run on this host returns through [`skip!`], [`skip_v1_only!`] or
//! [`need!`](crate::need!), and one that cannot run a part of itself records it with
//! [`skip_part!`] or `need!(result, continue)`; each records a [`Skip`]: one line on
//! stdout, written past libtest's capture so that it shows even when the test passes, and
//! one line in the skip log named by [`LOG_ENV`]
//! (`<suite> TAB <test> TAB <kind> TAB <scope> TAB <reason>`, `kind` being `skip` or
//! `v1-only`, `scope` `test` or `part`), which `scripts/test.sh` and the VM lane count. In
//! the VM lane ([`in_vm`]) a skip is a failure, unless the test needs cgroup v1, which that
//! VM does not have ([`Skip::v1_only`]), and even that only where the mount table shows no
//! v1 hierarchy.
//!
//! What is not a skip: a library error (discovery failing, a lookup failing where the
//! mount table has the controller) is a failure, and tests must not turn one into a skip.

use std::fs::OpenOptions;
use std::io::Write;

/// The environment variable naming the skip log (appended to; one line per skip).
pub const LOG_ENV: &str = "CGTOOLS_SKIP_LOG";

/// The environment variable naming the lane; `vm` in the pure cgroup v2 VM.
pub const LANE_ENV: &str = "CGTOOLS_TEST_LANE";

/// Whether the tests run in the pure cgroup v2 VM lane (`tests/vm/run.sh`).
pub fn in_vm() -> bool {
    std::env::var(LANE_ENV).is_ok_and(|lane| lane == "vm")
}

/// Why a test (or a part of it) does not run here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skip {
    reason: String,
    v1_only: bool,
}

impl Skip {
    /// A skip for `reason`: fine on a host that lacks what the test needs, a failure in
    /// the VM lane.
    pub fn because(reason: impl Into<String>) -> Skip {
        Skip {
            reason: reason.into(),
            v1_only: false,
        }
    }

    /// A skip because the test needs cgroup v1 hierarchies: accepted in the VM lane, which
    /// has none (checked when recorded).
    pub fn v1_only(reason: impl Into<String>) -> Skip {
        Skip {
            reason: reason.into(),
            v1_only: true,
        }
    }

    /// The reason.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// Whether it is a v1-only skip.
    pub fn is_v1_only(&self) -> bool {
        self.v1_only
    }

    /// Prints and logs the skip of the test running on this thread of `suite` (the macros
    /// pass the test target's name), of the whole test or of a `part` of it; panics where a
    /// skip is a failure. Use the macros, which also return from the test.
    #[track_caller]
    pub fn record(&self, suite: &str, part: bool) {
        let thread = std::thread::current();
        let test = thread.name().unwrap_or("?");
        let kind = if self.v1_only { "v1-only" } else { "skip" };
        let scope = if part { "part" } else { "test" };
        let reason = self.reason.replace(['\t', '\n'], " ");
        let what = if part { "a part of " } else { "" };
        // Not println!: libtest captures that, and shows it only for failed tests.
        let _ = writeln!(
            std::io::stdout().lock(),
            "skipped {what}{suite}::{test} ({kind}): {reason}"
        );
        if let Some(log) = std::env::var_os(LOG_ENV) {
            OpenOptions::new()
                .create(true)
                .append(true)
                .open(&log)
                .and_then(|mut f| {
                    let line = format!("{suite}\t{test}\t{kind}\t{scope}\t{reason}\n");
                    f.write_all(line.as_bytes())
                })
                .unwrap_or_else(|e| {
                    panic!(
                        "{suite}::{test}: cannot count this skip in {}: {e}",
                        log.to_string_lossy()
                    )
                });
        }
        if in_vm() {
            assert!(
                self.v1_only,
                "{suite}::{test}: skipped in the VM lane, where every test must run: {reason}"
            );
            assert!(
                !crate::Host::read().has_v1(),
                "{suite}::{test}: skipped as needing cgroup v1, but the VM mounts a v1 hierarchy: {reason}"
            );
        }
    }
}

/// Records a skip with a reason (`format!` arguments) and returns from the test.
#[macro_export]
macro_rules! skip {
    ($($reason:tt)+) => {{
        $crate::Skip::because(format!($($reason)+)).record(env!("CARGO_CRATE_NAME"), false);
        return;
    }};
}

/// Records that the test needs cgroup v1 hierarchies (`format!` arguments say what for)
/// and returns from the test. The one skip the VM lane accepts, because its kernel has no
/// v1; a skip for any other reason must use [`skip!`].
#[macro_export]
macro_rules! skip_v1_only {
    ($($reason:tt)+) => {{
        $crate::Skip::v1_only(format!($($reason)+)).record(env!("CARGO_CRATE_NAME"), false);
        return;
    }};
}

/// The value of a `Result<T, Skip>`; on a skip, records it and returns from the test, or,
/// with a second argument, records it as a skipped part and evaluates that instead
/// (`continue` skips one part of a test).
#[macro_export]
macro_rules! need {
    ($result:expr) => {
        match $result {
            Ok(value) => value,
            Err(skip) => {
                $crate::Skip::record(&skip, env!("CARGO_CRATE_NAME"), false);
                return;
            }
        }
    };
    ($result:expr, $otherwise:expr) => {
        match $result {
            Ok(value) => value,
            Err(skip) => {
                $crate::Skip::record(&skip, env!("CARGO_CRATE_NAME"), true);
                $otherwise
            }
        }
    };
}

/// Records that a part of a test does not run here (a [`Skip`] value), and goes on.
#[macro_export]
macro_rules! skip_part {
    ($skip:expr) => {
        $crate::Skip::record(&$skip, env!("CARGO_CRATE_NAME"), true)
    };
}

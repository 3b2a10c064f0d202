//! The compiled filters, checked on calls: the syscall numbers below are the kernel's
//! (arch/x86/entry/syscalls/syscall_{64,32}.tbl, include/uapi/asm-generic/unistd.h,
//! arch/arm/tools/syscall.tbl), written out rather than looked up, so that a wrong table
//! or a wrong lookup fails the tests.

use super::*;
use proptest::prelude::*;

const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;
const AUDIT_ARCH_I386: u32 = 0x4000_0003;
const AUDIT_ARCH_AARCH64: u32 = 0xc000_00b7;
const AUDIT_ARCH_ARM: u32 = 0x4000_0028;

const KILL: u32 = 0;
const ALLOW: u32 = 0x7fff_0000;
const EPERM: u32 = 0x0005_0001;
const EACCES: u32 = 0x0005_000d;

/// Debian's /usr/share/lxc/config/common.seccomp (lxc 5.0.2; `tests/data/lxc/README.md`).
const COMMON: &str = include_str!("../../tests/data/lxc/usr/share/lxc/config/common.seccomp");

fn filter(text: &str, host: HostArch) -> Filter {
    match Filter::for_host(&SourceFile::new("policy", text), host) {
        Ok(f) => f,
        Err(e) => panic!("{e}"),
    }
}

fn error(text: &str, host: HostArch) -> String {
    match Filter::for_host(&SourceFile::new("policy", text), host) {
        Ok(f) => panic!("compiled, but should not: {:?}", f.program().len()),
        Err(e) => e.to_string(),
    }
}

fn call(arch: u32, nr: u32, args: [u64; 6]) -> SeccompData {
    SeccompData { nr, arch, args }
}

/// What the filter decides, checked against what its BPF program returns.
fn decide(f: &Filter, arch: u32, nr: u32, args: [u64; 6]) -> u32 {
    let data = call(arch, nr, args);
    let decided = f.decide(&data);
    assert_eq!(
        f.run(&data),
        Some(decided),
        "program and rules disagree on {data:?}"
    );
    decided
}

#[test]
fn common_seccomp_on_x86_64_denies_the_five_calls_with_eperm_in_both_abis() {
    let f = filter(COMMON, HostArch::X86_64);
    // x86_64: kexec_load 246, open_by_handle_at 304, init_module 175, finit_module 313,
    // delete_module 176.
    for nr in [246, 304, 175, 313, 176] {
        assert_eq!(
            decide(&f, AUDIT_ARCH_X86_64, nr, [0; 6]),
            EPERM,
            "x86_64 {nr}"
        );
    }
    // i386: kexec_load 283, open_by_handle_at 342, init_module 128, finit_module 350,
    // delete_module 129.
    for nr in [283, 342, 128, 350, 129] {
        assert_eq!(decide(&f, AUDIT_ARCH_I386, nr, [0; 6]), EPERM, "i386 {nr}");
    }
    // Everything else runs: read 0, getpid 39, open 2, mount 165; i386 getpid 20.
    for nr in [0, 39, 2, 165] {
        assert_eq!(
            decide(&f, AUDIT_ARCH_X86_64, nr, [0; 6]),
            ALLOW,
            "x86_64 {nr}"
        );
    }
    assert_eq!(decide(&f, AUDIT_ARCH_I386, 20, [0; 6]), ALLOW);
}

#[test]
fn reject_force_umount_fails_umount2_with_mnt_force_only() {
    let f = filter(COMMON, HostArch::X86_64);
    // umount2 is 166 on x86_64, 52 on i386; MNT_FORCE is 1, MNT_DETACH 2.
    assert_eq!(
        decide(&f, AUDIT_ARCH_X86_64, 166, [0, 1, 0, 0, 0, 0]),
        EACCES
    );
    assert_eq!(
        decide(&f, AUDIT_ARCH_X86_64, 166, [0, 3, 0, 0, 0, 0]),
        EACCES
    );
    assert_eq!(
        decide(&f, AUDIT_ARCH_X86_64, 166, [0, 2, 0, 0, 0, 0]),
        ALLOW
    );
    assert_eq!(
        decide(&f, AUDIT_ARCH_X86_64, 166, [0, 0, 0, 0, 0, 0]),
        ALLOW
    );
    assert_eq!(decide(&f, AUDIT_ARCH_I386, 52, [0, 1, 0, 0, 0, 0]), EACCES);
}

#[test]
fn x32_and_unknown_abis_are_killed() {
    let f = filter(COMMON, HostArch::X86_64);
    // x32 getpid: x86_64 arch, 39 | __X32_SYSCALL_BIT.
    assert_eq!(decide(&f, AUDIT_ARCH_X86_64, 0x4000_0027, [0; 6]), KILL);
    assert_eq!(decide(&f, AUDIT_ARCH_AARCH64, 39, [0; 6]), KILL);
}

#[test]
fn common_seccomp_on_arm64_covers_aarch64_and_arm() {
    let f = filter(COMMON, HostArch::Aarch64);
    // aarch64: kexec_load 104, open_by_handle_at 265, init_module 105, finit_module 273,
    // delete_module 106; umount2 39.
    for nr in [104, 265, 105, 273, 106] {
        assert_eq!(
            decide(&f, AUDIT_ARCH_AARCH64, nr, [0; 6]),
            EPERM,
            "aarch64 {nr}"
        );
    }
    assert_eq!(
        decide(&f, AUDIT_ARCH_AARCH64, 39, [0, 1, 0, 0, 0, 0]),
        EACCES
    );
    assert_eq!(decide(&f, AUDIT_ARCH_AARCH64, 172, [0; 6]), ALLOW); // getpid
                                                                    // arm: kexec_load 347, init_module 128, delete_module 129, finit_module 379,
                                                                    // open_by_handle_at 371.
    for nr in [347, 128, 129, 379, 371] {
        assert_eq!(decide(&f, AUDIT_ARCH_ARM, nr, [0; 6]), EPERM, "arm {nr}");
    }
    assert_eq!(decide(&f, AUDIT_ARCH_X86_64, 246, [0; 6]), KILL);
}

#[test]
fn sections_of_other_architectures_are_skipped() {
    let text =
        "2\ndenylist\n[arm64]\nmount errno 1\n[s390x]\numount2 errno 1\n[x86_64]\nbpf errno 1\n\
                [x86]\nptrace errno 1\n";
    let f = filter(text, HostArch::X86_64);
    assert_eq!(decide(&f, AUDIT_ARCH_X86_64, 165, [0; 6]), ALLOW); // mount
    assert_eq!(decide(&f, AUDIT_ARCH_X86_64, 166, [0; 6]), ALLOW); // umount2
                                                                   // [x86_64] and [x86] rules apply to both ABIs of an amd64 host, as in LXC.
    assert_eq!(decide(&f, AUDIT_ARCH_X86_64, 321, [0; 6]), EPERM); // bpf
    assert_eq!(decide(&f, AUDIT_ARCH_I386, 357, [0; 6]), EPERM); // bpf
    assert_eq!(decide(&f, AUDIT_ARCH_X86_64, 101, [0; 6]), EPERM); // ptrace
    assert_eq!(decide(&f, AUDIT_ARCH_I386, 26, [0; 6]), EPERM); // ptrace

    let f = filter(text, HostArch::Aarch64);
    assert_eq!(decide(&f, AUDIT_ARCH_AARCH64, 40, [0; 6]), EPERM); // mount
    assert_eq!(decide(&f, AUDIT_ARCH_AARCH64, 280, [0; 6]), ALLOW); // bpf
}

#[test]
fn allowlists_kill_the_rest_and_rules_pick_the_strongest_action() {
    let text = "2\nallowlist errno 38\nread\nwrite\nexit_group\n\
                socket\nsocket errno 97 [0,40,SCMP_CMP_EQ]\n\
                ioctl trap [1,0x5401,==]\nioctl errno 25 [1,0x5400,&=,0xff00]\n";
    let f = filter(text, HostArch::Aarch64);
    // read 63, write 64, exit_group 94, socket 198, ioctl 29 on aarch64.
    assert_eq!(decide(&f, AUDIT_ARCH_AARCH64, 63, [0; 6]), ALLOW);
    assert_eq!(decide(&f, AUDIT_ARCH_AARCH64, 172, [0; 6]), 0x0005_0026); // ENOSYS
    assert_eq!(
        decide(&f, AUDIT_ARCH_AARCH64, 198, [2, 1, 0, 0, 0, 0]),
        ALLOW
    );
    assert_eq!(
        decide(&f, AUDIT_ARCH_AARCH64, 198, [40, 1, 0, 0, 0, 0]),
        0x0005_0061
    );
    // TCGETS 0x5401 matches both ioctl rules: trap is stronger than errno.
    assert_eq!(
        decide(&f, AUDIT_ARCH_AARCH64, 29, [0, 0x5401, 0, 0, 0, 0]),
        0x0003_0000
    );
    assert_eq!(
        decide(&f, AUDIT_ARCH_AARCH64, 29, [0, 0x5410, 0, 0, 0, 0]),
        0x0005_0019
    );
    assert_eq!(
        decide(&f, AUDIT_ARCH_AARCH64, 29, [0, 0x8910, 0, 0, 0, 0]),
        0x0005_0026
    );
}

#[test]
fn comparisons_use_all_64_bits() {
    let text = "2\ndenylist\n\
                personality errno 1 [0,0x100000000,SCMP_CMP_GE]\n\
                setns errno 2 [1,0xffffffff,SCMP_CMP_LT]\n\
                unshare errno 3 [0,0x1ffffffff,SCMP_CMP_LE]\n\
                mount errno 4 [3,0x100000001,SCMP_CMP_GT]\n\
                ioctl errno 5 [1,0x100000000,SCMP_CMP_NE]\n\
                fcntl errno 6 [1,0x80000000000,&=,0xf0000000000]\n";
    let f = filter(text, HostArch::X86_64);
    let e = |n: u32| 0x0005_0000 | n;
    // personality 135: arg0 >= 2^32.
    assert_eq!(
        decide(&f, AUDIT_ARCH_X86_64, 135, [0xffff_ffff, 0, 0, 0, 0, 0]),
        ALLOW
    );
    assert_eq!(
        decide(&f, AUDIT_ARCH_X86_64, 135, [1 << 32, 0, 0, 0, 0, 0]),
        e(1)
    );
    // setns 308: arg1 < 0xffffffff.
    assert_eq!(
        decide(&f, AUDIT_ARCH_X86_64, 308, [0, 0xffff_fffe, 0, 0, 0, 0]),
        e(2)
    );
    assert_eq!(
        decide(&f, AUDIT_ARCH_X86_64, 308, [0, 0xffff_ffff, 0, 0, 0, 0]),
        ALLOW
    );
    assert_eq!(
        decide(&f, AUDIT_ARCH_X86_64, 308, [0, 1 << 32, 0, 0, 0, 0]),
        ALLOW
    );
    // unshare 272: arg0 <= 0x1ffffffff.
    assert_eq!(
        decide(&f, AUDIT_ARCH_X86_64, 272, [0x1_ffff_ffff, 0, 0, 0, 0, 0]),
        e(3)
    );
    assert_eq!(
        decide(&f, AUDIT_ARCH_X86_64, 272, [0x2_0000_0000, 0, 0, 0, 0, 0]),
        ALLOW
    );
    // mount 165: arg3 > 0x100000001.
    assert_eq!(
        decide(&f, AUDIT_ARCH_X86_64, 165, [0, 0, 0, 0x1_0000_0001, 0, 0]),
        ALLOW
    );
    assert_eq!(
        decide(&f, AUDIT_ARCH_X86_64, 165, [0, 0, 0, 0x1_0000_0002, 0, 0]),
        e(4)
    );
    assert_eq!(
        decide(&f, AUDIT_ARCH_X86_64, 165, [0, 0, 0, 0x0_ffff_ffff, 0, 0]),
        ALLOW
    );
    // ioctl 16: arg1 != 2^32 (differs only in the high word from 0).
    assert_eq!(decide(&f, AUDIT_ARCH_X86_64, 16, [0, 0, 0, 0, 0, 0]), e(5));
    assert_eq!(
        decide(&f, AUDIT_ARCH_X86_64, 16, [0, 1 << 32, 0, 0, 0, 0]),
        ALLOW
    );
    // fcntl 72: bits 40-43 of arg1 equal 8.
    assert_eq!(
        decide(&f, AUDIT_ARCH_X86_64, 72, [0, 0x800_0000_0000, 0, 0, 0, 0]),
        e(6)
    );
    assert_eq!(
        decide(&f, AUDIT_ARCH_X86_64, 72, [0, 0x900_0000_0000, 0, 0, 0, 0]),
        ALLOW
    );
}

#[test]
fn socket_calls_are_also_filtered_through_socketcall_on_i386() {
    let text = "2\ndenylist\nsocket errno 97\naccept errno 1\nshmat errno 13\n";
    let f = filter(text, HostArch::X86_64);
    // socket: 41 on x86_64, 359 on i386, and socketcall (102) with SYS_SOCKET (1).
    assert_eq!(decide(&f, AUDIT_ARCH_X86_64, 41, [0; 6]), 0x0005_0061);
    assert_eq!(decide(&f, AUDIT_ARCH_I386, 359, [0; 6]), 0x0005_0061);
    assert_eq!(
        decide(&f, AUDIT_ARCH_I386, 102, [1, 0, 0, 0, 0, 0]),
        0x0005_0061
    );
    // accept has no direct i386 syscall: socketcall SYS_ACCEPT (5) only.
    assert_eq!(decide(&f, AUDIT_ARCH_I386, 102, [5, 0, 0, 0, 0, 0]), EPERM);
    assert_eq!(decide(&f, AUDIT_ARCH_I386, 102, [3, 0, 0, 0, 0, 0]), ALLOW);
    // shmat: 397 on i386, and ipc (117) with SHMAT (21), whatever version is in the
    // upper 16 bits of the call.
    assert_eq!(decide(&f, AUDIT_ARCH_I386, 397, [0; 6]), 0x0005_000d);
    assert_eq!(
        decide(&f, AUDIT_ARCH_I386, 117, [21, 0, 0, 0, 0, 0]),
        0x0005_000d
    );
    assert_eq!(
        decide(&f, AUDIT_ARCH_I386, 117, [0x1_0015, 0, 0, 0, 0, 0]),
        0x0005_000d
    );
    assert_eq!(decide(&f, AUDIT_ARCH_I386, 117, [22, 0, 0, 0, 0, 0]), ALLOW);
}

#[test]
fn version_1_allows_native_numbers_and_kills_the_rest() {
    let f = filter("1\nallowlist\n0\n1\n60\n231\n", HostArch::X86_64);
    assert_eq!(decide(&f, AUDIT_ARCH_X86_64, 0, [0; 6]), ALLOW);
    assert_eq!(decide(&f, AUDIT_ARCH_X86_64, 231, [0; 6]), ALLOW);
    assert_eq!(decide(&f, AUDIT_ARCH_X86_64, 39, [0; 6]), KILL);
    // LXC's version 1 context has the native architecture only.
    assert_eq!(decide(&f, AUDIT_ARCH_I386, 1, [0; 6]), KILL);
}

#[test]
fn an_unknown_syscall_in_a_stricter_rule_is_refused() {
    insta::assert_snapshot!(error("2\ndenylist\nkexec_lod errno 1\n", HostArch::X86_64), @r"
        policy:3:1: error: unknown syscall `kexec_lod`
            3 | kexec_lod errno 1
              | ^^^^^^^^^
              = hint: did you mean `kexec_load`? LXC skips a rule whose syscall it does not know, so the calls this rule should stop would get the default action `allow`
    ");
}

#[test]
fn an_unknown_syscall_in_a_weaker_rule_is_skipped_with_a_warning() {
    let f = filter("2\nallowlist\nread\nwrtie\n", HostArch::X86_64);
    insta::assert_snapshot!(f.render_warnings(), @r"
        policy:4:1: warning: unknown syscall `wrtie`: rule skipped
            4 | wrtie
              | ^^^^^
              = hint: did you mean `write`? LXC skips it too; the calls keep the default action `kill`
    ");
    assert_eq!(decide(&f, AUDIT_ARCH_X86_64, 1, [0; 6]), KILL);
}

#[test]
fn a_syscall_of_another_architecture_is_skipped_silently() {
    // arm_fadvise64_64 exists on 32-bit ARM only; socketcall on i386 but not arm64.
    let f = filter(
        "2\ndenylist\narm_fadvise64_64 errno 1\nsocketcall errno 1\n",
        HostArch::X86_64,
    );
    assert!(f.warnings().is_empty());
    assert_eq!(decide(&f, AUDIT_ARCH_I386, 102, [0; 6]), EPERM);
    assert_eq!(decide(&f, AUDIT_ARCH_X86_64, 102, [0; 6]), ALLOW); // getuid
    let f = filter("2\ndenylist\narm_fadvise64_64 errno 1\n", HostArch::Aarch64);
    assert_eq!(decide(&f, AUDIT_ARCH_ARM, 270, [0; 6]), EPERM);
}

#[test]
fn notify_is_refused() {
    insta::assert_snapshot!(error("2\ndenylist\nioctl notify\n", HostArch::X86_64), @r"
        policy:3:7: error: `notify` is not supported
            3 | ioctl notify
              |       ^^^^^^
              = hint: seccomp notifications need a supervisor (LXC's lxc.seccomp.notify.proxy), which cgconfigd does not have; use `errno N` to make the call fail instead
    ");
    insta::assert_snapshot!(error("2\nallowlist notify\nread\n", HostArch::X86_64), @r"
        policy:2:11: error: `notify` is not supported
            2 | allowlist notify
              |           ^^^^^^
              = hint: seccomp notifications need a supervisor (LXC's lxc.seccomp.notify.proxy), which cgconfigd does not have; use `errno N` to make the call fail instead
    ");
}

#[test]
fn conditions_on_multiplexed_calls_are_refused_on_x86_64_only() {
    let text = "2\ndenylist\nsocket errno 97 [0,40,SCMP_CMP_EQ]\n";
    insta::assert_snapshot!(error(text, HostArch::X86_64), @r"
        policy:3:17: error: conditions on `socket` cannot be enforced on this host
            3 | socket errno 97 [0,40,SCMP_CMP_EQ]
              |                 ^^^^^^^^^^^^^^^^^^
              = hint: 32-bit x86 programs also reach `socket` through `socketcall(2)`, whose arguments a filter cannot see; libseccomp refuses such a rule, so LXC does not load the policy either. Remove the conditions to filter every call
    ");
    let f = filter(text, HostArch::Aarch64);
    assert_eq!(
        decide(&f, AUDIT_ARCH_AARCH64, 198, [40, 0, 0, 0, 0, 0]),
        0x0005_0061
    );
}

#[test]
fn grammar_errors_are_rendered_with_their_location() {
    insta::assert_snapshot!(error("2\ndenylist\nkexec_load\terrno 1\n", HostArch::X86_64), @r"
        policy:3:11: error: a TAB after the syscall name
            3 | kexec_load    errno 1
              |           ^^^^
              = hint: LXC separates the parts of a rule with spaces only: it would read `kexec_load\terrno` as the syscall name, find no such syscall and skip the rule; use a space
    ");
}

#[test]
fn a_policy_too_long_for_one_filter_is_refused() {
    let mut text = String::from("2\ndenylist\n");
    for arg in 0..6 {
        for value in 0..150 {
            text.push_str(&format!("ioctl errno 1 [{arg},{value},SCMP_CMP_GT]\n"));
        }
    }
    insta::assert_snapshot!(error(&text, HostArch::X86_64), @r"
        policy:2:1: error: the policy compiles to 5406 BPF instructions, more than the 4096 of one kernel filter
            2 | denylist
              | ^^^^^^^^
              = hint: write fewer rules or conditions
    ");
}

#[test]
fn a_large_allowlist_fits_and_long_syscall_blocks_use_long_jumps() {
    // Every x86_64 syscall in the allowlist; ioctl with enough rules that its block is
    // longer than a conditional jump reaches.
    let mut text = String::from("2\nallowlist\n");
    for name in Abi::X86_64.names() {
        if name != "ioctl" {
            text.push_str(name);
            text.push('\n');
        }
    }
    for value in 0..60 {
        text.push_str(&format!(
            "ioctl allow [1,{value},SCMP_CMP_EQ] [2,{value},SCMP_CMP_NE]\n"
        ));
    }
    let f = filter(&text, HostArch::X86_64);
    assert!(f.program().len() > 1000);
    assert_eq!(
        decide(&f, AUDIT_ARCH_X86_64, 16, [0, 59, 0, 0, 0, 0]),
        ALLOW
    );
    assert_eq!(
        decide(&f, AUDIT_ARCH_X86_64, 16, [0, 59, 59, 0, 0, 0]),
        KILL
    );
    assert_eq!(decide(&f, AUDIT_ARCH_X86_64, 16, [0, 60, 0, 0, 0, 0]), KILL);
    assert_eq!(decide(&f, AUDIT_ARCH_X86_64, 435, [0; 6]), ALLOW); // clone3
}

// ---- the program agrees with the rules on any call ----------------------------------------

fn op() -> impl Strategy<Value = &'static str> {
    proptest::sample::select(vec!["==", "!=", "<", "<=", ">", ">=", "&="])
}

/// Values near the edges of the 32-bit words, where a two-word comparison can go wrong.
fn value() -> impl Strategy<Value = u64> {
    prop_oneof![
        proptest::sample::select(vec![
            0,
            1,
            0xffff_ffff,
            0x1_0000_0000,
            0x1_0000_0001,
            0xffff_ffff_ffff_ffff,
            0x8000_0000_0000_0000
        ]),
        0u64..4,
        any::<u64>(),
    ]
}

fn condition(arg: u8) -> impl Strategy<Value = String> {
    (op(), value(), value()).prop_map(move |(op, v, m)| {
        if op == "&=" {
            format!("[{arg},{:#x},&=,{m:#x}]", v & m)
        } else {
            format!("[{arg},{v:#x},{op}]")
        }
    })
}

fn rule_line() -> impl Strategy<Value = String> {
    let conditions = proptest::sample::subsequence(vec![0u8, 1, 2], 0..=3)
        .prop_flat_map(|args| args.into_iter().map(condition).collect::<Vec<_>>());
    (
        proptest::sample::select(vec!["read", "ioctl", "mount", "umount2"]),
        proptest::sample::select(vec!["kill", "trap", "errno 1", "errno 2", "allow"]),
        conditions,
    )
        .prop_map(|(name, action, conds)| format!("{name} {action} {}\n", conds.join(" ")))
}

fn args() -> impl Strategy<Value = [u64; 6]> {
    proptest::array::uniform6(value())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn the_program_decides_as_the_rules_say(
        default in proptest::sample::select(vec!["denylist", "allowlist errno 38", "denylist trap"]),
        rules in proptest::collection::vec(rule_line(), 1..8),
        calls in proptest::collection::vec((proptest::sample::select(vec![0u32, 3, 16, 21, 54, 165, 166, 52]), args()), 1..16),
    ) {
        let text = format!("2\n{default}\n{}", rules.concat());
        // Rules with the default action are refused by the grammar; skip those inputs.
        let Ok(f) = Filter::for_host(&SourceFile::new("p", text.as_str()), HostArch::X86_64) else {
            return Ok(());
        };
        for (nr, args) in calls {
            for arch in [AUDIT_ARCH_X86_64, AUDIT_ARCH_I386] {
                let data = call(arch, nr, args);
                prop_assert_eq!(f.run(&data), Some(f.decide(&data)), "{} on {:?}", text, data);
            }
        }
    }
}

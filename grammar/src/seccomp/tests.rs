use super::*;
use crate::diagnostic::render_all;
use crate::source::Spanned;

fn parse_ok(text: &str) -> Parsed {
    let src = SourceFile::new("policy", text);
    match parse(&src) {
        Ok(parsed) => parsed,
        Err(d) => panic!("unexpected errors:\n{}", render_all(&d, &src)),
    }
}

/// The rendered diagnostics of a text that must not parse.
fn parse_err(text: &str) -> String {
    let src = SourceFile::new("policy", text);
    match parse(&src) {
        Ok(parsed) => panic!("parsed, but should not: {parsed:?}"),
        Err(d) => render_all(&d, &src),
    }
}

fn warnings(text: &str) -> String {
    let src = SourceFile::new("policy", text);
    render_all(&parse_ok(text).warnings, &src)
}

fn items(text: &str) -> Vec<Item> {
    match parse_ok(text).policy.body {
        Body::V2(items) => items,
        Body::V1(_) => panic!("a version 1 policy"),
    }
}

fn rules(text: &str) -> Vec<Rule> {
    items(text)
        .into_iter()
        .filter_map(|i| match i {
            Item::Rule(r) => Some(r),
            _ => None,
        })
        .collect()
}

fn cond(arg: u8, value: u64, op: CmpOp, mask: Option<u64>) -> Condition {
    Condition {
        arg: Spanned::unplaced(arg),
        value: Spanned::unplaced(Number::decimal(value)),
        op: Spanned::unplaced(op),
        mask: mask.map(|m| Spanned::unplaced(Number::decimal(m))),
        span: Span::default(),
    }
}

use crate::source::Span;

// ---- what LXC ships --------------------------------------------------------------------

#[test]
fn debian_common_seccomp_denies_five_calls_with_eperm_and_force_umounts() {
    let text =
        "2\ndenylist\nreject_force_umount  # comment this to allow umount -f;  not recommended\n\
                [all]\nkexec_load errno 1\nopen_by_handle_at errno 1\ninit_module errno 1\n\
                finit_module errno 1\ndelete_module errno 1\n";
    let parsed = parse_ok(text);
    assert!(parsed.warnings.is_empty());
    let policy = &parsed.policy;
    assert_eq!(policy.version(), 2);
    assert_eq!(policy.kind.value, Kind::Denylist);
    assert_eq!(policy.default_action(), Action::Allow);
    let Body::V2(items) = &policy.body else {
        panic!("version 2 expected")
    };
    assert!(matches!(items[0], Item::RejectForceUmount(_)));
    assert!(matches!(&items[1], Item::Section(a) if a.value == Arch::All));
    let denied: Vec<(&str, Action)> = items[2..]
        .iter()
        .map(|i| match i {
            Item::Rule(r) => (r.syscall.value.as_str(), policy.rule_action(r)),
            other => panic!("a rule expected, found {other:?}"),
        })
        .collect();
    assert_eq!(
        denied,
        [
            ("kexec_load", Action::Errno(1)),
            ("open_by_handle_at", Action::Errno(1)),
            ("init_module", Action::Errno(1)),
            ("finit_module", Action::Errno(1)),
            ("delete_module", Action::Errno(1)),
        ]
    );
}

#[test]
fn version_1_lists_numbers_to_allow() {
    let parsed = parse_ok("1\nallowlist\n0\n1\n  2\n60 \n\n");
    assert_eq!(parsed.policy.default_action(), Action::Kill);
    let Body::V1(numbers) = &parsed.policy.body else {
        panic!("version 1 expected")
    };
    let numbers: Vec<u32> = numbers.iter().map(|n| n.value).collect();
    assert_eq!(numbers, [0, 1, 2, 60]);
}

#[test]
fn defaults_follow_the_policy_kind() {
    // Denylist: unlisted allowed, listed killed; allowlist the other way round. An action
    // on the policy line changes only the first.
    let deny = parse_ok("2\ndenylist errno 38\nmknod\n").policy;
    let Body::V2(items) = &deny.body else {
        panic!()
    };
    let Item::Rule(mknod) = &items[0] else {
        panic!()
    };
    assert_eq!(deny.default_action(), Action::Errno(38));
    assert_eq!(deny.rule_action(mknod), Action::Kill);

    let allow = parse_ok("2\nwhitelist trap\nread\n").policy;
    let Body::V2(items) = &allow.body else {
        panic!()
    };
    let Item::Rule(read) = &items[0] else {
        panic!()
    };
    assert_eq!(allow.kind.value, Kind::Allowlist);
    assert_eq!(allow.default_action(), Action::Trap);
    assert_eq!(allow.rule_action(read), Action::Allow);
}

#[test]
fn conditions_read_as_lxc_reads_them() {
    let rules = rules(
        "2\ndenylist\n\
         ioctl errno 1 [1,0x9400,SCMP_CMP_MASKED_EQ,0xff00]\n\
         socket errno 97 [ 0, 40,==] [2,0,SCMP_CMP_NE]\n\
         personality kill [0,010,&=,0777]\n",
    );
    let c = &rules[0].conditions[0];
    assert_eq!(
        (
            c.arg.value,
            c.value.value.value,
            c.op.value,
            c.mask.as_ref().map(|m| m.value.value)
        ),
        (1, 0x9400, CmpOp::MaskedEq, Some(0xff00))
    );
    assert_eq!(c.value.value.radix, Radix::Hex);
    assert_eq!(
        rules[1].conditions,
        [cond(0, 40, CmpOp::Eq, None), cond(2, 0, CmpOp::Ne, None)]
    );
    // A leading 0 is octal, as strtoull reads it.
    assert_eq!(rules[2].conditions[0].value.value.value, 8);
    assert_eq!(rules[2].conditions[0].value.value.radix, Radix::Octal);
}

#[test]
fn comments_blank_lines_and_crlf() {
    let items = items(
        "\n  2\r\n\r\n denylist\r\n# column one\r\n   # indented, with [brackets]\r\n\t\r\n\
         [X86_64]  \r\nkexec_load errno 1 # why\r\nreject_force_umount\r\n",
    );
    assert_eq!(items.len(), 3);
    assert!(matches!(&items[0], Item::Section(a) if a.value == Arch::X86_64));
}

#[test]
fn spans_point_at_the_parts_of_a_rule() {
    let text = "2\ndenylist\nioctl errno 1 [1,0x9400,SCMP_CMP_MASKED_EQ,0xff00] \n";
    let rule = &rules(text)[0];
    let src = SourceFile::new("p", text);
    assert_eq!(src.slice(rule.syscall.span), "ioctl");
    assert_eq!(src.slice(rule.action.as_ref().unwrap().span), "errno 1");
    let c = &rule.conditions[0];
    assert_eq!(src.slice(c.span), "[1,0x9400,SCMP_CMP_MASKED_EQ,0xff00]");
    assert_eq!(src.slice(c.value.span), "0x9400");
    assert_eq!(src.slice(c.op.span), "SCMP_CMP_MASKED_EQ");
    assert_eq!(
        src.slice(rule.span),
        "ioctl errno 1 [1,0x9400,SCMP_CMP_MASKED_EQ,0xff00]"
    );
}

// ---- what LXC would misread: refused ------------------------------------------------------

#[test]
fn a_tab_after_the_syscall_name_is_refused() {
    // LXC reads `kexec_load\terrno` up to the first space as the name, finds no such
    // syscall and skips the rule: kexec_load would stay allowed.
    insta::assert_snapshot!(parse_err("2\ndenylist\nkexec_load\tkill\n"), @r"
        policy:3:11: error: a TAB after the syscall name
            3 | kexec_load    kill
              |           ^^^^
              = hint: LXC separates the parts of a rule with spaces only: it would read `kexec_load\tkill` as the syscall name, find no such syscall and skip the rule; use a space
    ");
}

#[test]
fn an_indented_rule_is_refused() {
    insta::assert_snapshot!(parse_err("2\ndenylist\n  kexec_load errno 1\n"), @r"
        policy:3:1: error: a rule cannot start with a blank
            3 |   kexec_load errno 1
              | ^^
              = hint: LXC reads the syscall name up to the first space, so it finds an empty name here and skips the rule; remove the blanks
    ");
}

#[test]
fn prefix_matched_words_are_refused_with_what_lxc_reads() {
    insta::assert_snapshot!(parse_err("2\ndenylisted\n"), @r"
        policy:2:1: error: unknown policy `denylisted`
            2 | denylisted
              | ^^^^^^^^^^
              = hint: LXC only compares the first letters and reads this as `denylist`; write `denylist`
    ");
    insta::assert_snapshot!(parse_err("2\ndenylist\nkexec_load killall\n"), @r"
        policy:3:12: error: unknown action `killall`
            3 | kexec_load killall
              |            ^^^^^^^
              = hint: LXC only compares the first letters and reads this as `kill`; write `kill`
    ");
    insta::assert_snapshot!(parse_err("2\ndenylist\nkexec_load erno 1\n"), @r"
        policy:3:12: error: unknown action `erno`
            3 | kexec_load erno 1
              |            ^^^^
              = hint: did you mean `errno`?
    ");
}

#[test]
fn errno_needs_a_number_in_range() {
    insta::assert_snapshot!(parse_err("2\ndenylist\na errno\nb errno 4096\nc errno -1\nd kill 3\n"), @r"
        policy:3:8: error: `errno` needs a number
            3 | a errno
              |        ^
              = hint: write the error to return, e.g. `errno 1` for EPERM (0 makes the call succeed without running it)
        policy:4:9: error: `errno 4096` is out of range
            4 | b errno 4096
              |         ^^^^
              = hint: errors go from 0 to 4095: libseccomp refuses more, and the kernel would return a different error
        policy:5:9: error: `-1` is not an errno number
            5 | c errno -1
              |         ^^
              = hint: write the error as a decimal number, e.g. `errno 1` for EPERM
        policy:6:8: error: `kill` takes no number
            6 | d kill 3
              |        ^
              = hint: only `errno` is followed by a number: `errno 1`
    ");
}

#[test]
fn conditions_need_an_action_and_no_comment_after_them() {
    insta::assert_snapshot!(parse_err("2\nallowlist\nsocket [0,40,SCMP_CMP_EQ]\nioctl errno 1 [1,2,==] # no\n"), @r"
        policy:3:8: error: conditions need an action before them
            3 | socket [0,40,SCMP_CMP_EQ]
              |        ^^^^^^^^^^^^^^^^^^
              = hint: LXC refuses a rule like this; write the action, e.g. `socket allow [0,40,SCMP_CMP_EQ]` (allow is what a rule of this allowlist does without one)
        policy:4:24: error: LXC refuses a comment after conditions
            4 | ioctl errno 1 [1,2,==] # no
              |                        ^^^^
              = hint: put the comment on a line of its own, starting with `#`
    ");
}

#[test]
fn condition_mistakes() {
    insta::assert_snapshot!(parse_err(
        "2\ndenylist\n\
         a errno 1 [6,1,==]\n\
         b errno 1 [0,-1,==]\n\
         c errno 1 [0,1,=]\n\
         d errno 1 [0,1,SCMP_CMP_MASKED_EQ]\n\
         e errno 1 [0,0x10,&=,0x0f]\n\
         f errno 1 [0,1,==\n\
         g errno 1 [0,1]\n\
         h errno 1 [0,1,==] [0,2,==]\n\
         i errno 1 [0,1,==] [1,1,==] [2,1,==] [3,1,==] [4,1,==] [5,1,==] [0,2,!=]\n\
         j errno 1 [0,08,==]\n"
    ), @r"
        policy:3:12: error: argument `6` does not exist
            3 | a errno 1 [6,1,==]
              |            ^
              = hint: syscalls have six arguments, numbered 0 to 5
        policy:4:14: error: the value `-1` cannot be negative
            4 | b errno 1 [0,-1,==]
              |              ^^
              = hint: write a decimal number, a hexadecimal one starting with `0x`, or an octal one starting with `0`
        policy:5:16: error: unknown comparison `=`
            5 | c errno 1 [0,1,=]
              |                ^
              = hint: the comparisons are SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT and SCMP_CMP_MASKED_EQ, or !=, <, <=, ==, >=, >, &=
        policy:6:16: error: `SCMP_CMP_MASKED_EQ` needs a mask
            6 | d errno 1 [0,1,SCMP_CMP_MASKED_EQ]
              |                ^^^^^^^^^^^^^^^^^^
              = hint: write `[0,1,SCMP_CMP_MASKED_EQ,MASK]` to compare `arg & MASK` with the value; without one LXC masks with 0, so the condition holds for every call or for none
        policy:7:14: error: the value 0x10 has bits outside the mask 0xf: the condition never holds
            7 | e errno 1 [0,0x10,&=,0x0f]
              |              ^^^^
              = hint: `arg & mask` can only have the mask's bits; fix the value or the mask
        policy:8:18: error: the condition is not closed: expected `]`
            8 | f errno 1 [0,1,==
              |                  ^
              = hint: a condition is `[index,value,op]` or `[index,value,SCMP_CMP_MASKED_EQ,mask]`, e.g. `[1,0x9400,SCMP_CMP_EQ]`
        policy:9:15: error: expected `,` after the value, found `]`
            9 | g errno 1 [0,1]
              |               ^
              = hint: a condition is `[index,value,op]` or `[index,value,SCMP_CMP_MASKED_EQ,mask]`, e.g. `[1,0x9400,SCMP_CMP_EQ]`
        policy:10:21: error: a second condition on argument 0
           10 | h errno 1 [0,1,==] [0,2,==]
              |                     ^
              = hint: libseccomp refuses two conditions on one argument, so LXC does not load the policy; write two rules
        policy:10:11: note: the first one
           10 | h errno 1 [0,1,==] [0,2,==]
              |           ^^^^^^^^
        policy:11:65: error: more than 6 conditions
           11 | i errno 1 [0,1,==] [1,1,==] [2,1,==] [3,1,==] [4,1,==] [5,1,==] [0,2,!=]
              |                                                                 ^^^^^^^^
              = hint: LXC reads the first six and silently drops the others, so the rule would match more calls than written
        policy:12:14: error: the value `08` is not a number
           12 | j errno 1 [0,08,==]
              |              ^^
              = hint: write a decimal number, a hexadecimal one starting with `0x`, or an octal one starting with `0`
    ");
}

#[test]
fn a_rule_with_the_default_action_is_refused() {
    insta::assert_snapshot!(parse_err("2\ndenylist\nopen allow\n"), @r"
        policy:3:6: error: this rule's action `allow` is the policy's default action
            3 | open allow
              |      ^^^^^
              = hint: libseccomp refuses such a rule, so LXC does not load the policy; remove the rule or give it another action (the policy line `denylist` makes `allow` the default)
        policy:2:1: note: the policy line
            2 | denylist
              | ^^^^^^^^
    ");
    insta::assert_snapshot!(parse_err("2\nallowlist errno 1\nopen errno 1\n"), @r"
        policy:3:6: error: this rule's action `errno 1` is the policy's default action
            3 | open errno 1
              |      ^^^^^^^
              = hint: libseccomp refuses such a rule, so LXC does not load the policy; remove the rule or give it another action (the policy line `allowlist errno 1` makes `errno 1` the default)
        policy:2:1: note: the policy line
            2 | allowlist errno 1
              | ^^^^^^^^^^^^^^^^^
    ");
}

#[test]
fn header_mistakes() {
    insta::assert_snapshot!(parse_err(""), @r"
        policy:1:1: error: the policy is empty
            1 | 
              | ^
              = hint: the first line is the version `2`, the second the policy, e.g. `denylist`
    ");
    insta::assert_snapshot!(parse_err("3\ndenylist\n"), @r"
        policy:1:1: error: unsupported policy version `3`: LXC reads versions 1 and 2
            1 | 3
              | ^
              = hint: the first line is `2` for a policy of syscall names, `1` for a list of numbers
    ");
    insta::assert_snapshot!(parse_err("2 denylist\n"), @r"
        policy:1:3: error: expected the end of the line after the version, found `denylist`
            1 | 2 denylist
              |   ^
              = hint: the first line holds only the version: `2` for a policy of syscall names, `1` for a list of numbers; the policy goes on the next line
    ");
    insta::assert_snapshot!(parse_err("2\n"), @r"
        policy:2:1: error: expected the policy line after the version
            2 | 
              | ^
              = hint: the second line is `allowlist` or `denylist`, optionally followed by the default action
    ");
    insta::assert_snapshot!(parse_err("2\ndenylist\terrno 1\n"), @r"
        policy:2:10: error: a TAB separates the policy from its action
            2 | denylist    errno 1
              |             ^
              = hint: LXC looks for a space: with a TAB it ignores the action and keeps the default; use a space
    ");
    insta::assert_snapshot!(parse_err("2\nallowlist debug\n"), @r"
        policy:2:11: error: LXC refuses `debug`: it is not implemented
            2 | allowlist debug
              |           ^^^^^
              = hint: remove it
    ");
    insta::assert_snapshot!(parse_err("1\ndenylist\n"), @r"
        policy:2:1: error: a version 1 policy can only be an allowlist
            2 | denylist
              | ^^^^^^^^
              = hint: write `2` on the first line for a denylist of syscall names
    ");
    insta::assert_snapshot!(parse_err("1\nallowlist errno 1\n"), @r"
        policy:2:11: error: a version 1 policy has no default action
            2 | allowlist errno 1
              |           ^^^^^^^
              = hint: LXC ignores it and kills every syscall not listed; write `2` on the first line to choose the default action
    ");
}

#[test]
fn version_1_mistakes() {
    insta::assert_snapshot!(parse_err("1\nallowlist\n0x10\n# read\n12 write\n"), @r"
        policy:3:1: error: `0x10` is not a syscall number
            3 | 0x10
              | ^^^^
              = hint: a version 1 policy lists decimal syscall numbers of the host, one per line (LXC's sscanf reads `0x10` as 0 and stops at the first other character)
        policy:4:1: error: expected a syscall number, found `#`
            4 | # read
              | ^
              = hint: a version 1 policy lists decimal syscall numbers, one per line, without comments
        policy:5:4: error: expected a syscall number, found `write`
            5 | 12 write
              |    ^
              = hint: a version 1 policy lists decimal syscall numbers, one per line, without comments
    ");
}

#[test]
fn sections_and_names() {
    insta::assert_snapshot!(parse_err(
        "2\ndenylist\n[amd64]\n[X86_64\n[All]\n [x86]\n[x86] open\n246 errno 1\nopen,close\n"
    ), @r"
        policy:3:1: error: unknown architecture section `[amd64]`
            3 | [amd64]
              | ^^^^^^^
              = hint: did you mean `[x86_64]`? LXC knows the names of libseccomp, in lower or upper case
        policy:4:8: error: expected `]` to close the section
            4 | [X86_64
              |        ^
              = hint: a section is one architecture name in brackets, alone on its line: `[x86_64]`
        policy:5:1: error: unknown architecture section `[All]`
            5 | [All]
              | ^^^^^
              = hint: did you mean `[all]`? LXC knows the names of libseccomp, in lower or upper case
        policy:6:1: error: a section cannot start with a blank
            6 |  [x86]
              | ^
              = hint: LXC compares the whole line with `[x86_64]`, `[all]`, ...; remove the blanks
        policy:7:7: error: expected the end of the line after the section, found `open`
            7 | [x86] open
              |       ^^^^
              = hint: a section is alone on its line: put what follows on the next line
        policy:8:1: error: `246` is a syscall number, but version 2 names syscalls
            8 | 246 errno 1
              | ^^^
              = hint: LXC looks the word up as a name, finds none and skips the rule; write the syscall's name
        policy:9:5: error: unexpected `,` after the syscall name `open`
            9 | open,close
              |     ^
              = hint: syscall names are letters, digits and `_`, followed by a space; one syscall per line
    ");
}

#[test]
fn harmless_quirks_are_warnings() {
    insta::assert_snapshot!(warnings(
        "1\nwhitelist\n"
    ), @r"
        policy:2:1: warning: LXC 5 and later refuse `whitelist` in a version 1 policy
            2 | whitelist
              | ^^^^^^^^^
              = hint: write `allowlist` (LXC 4 and older only know `whitelist`)
        policy:2:1: warning: this allowlist allows no syscall
            2 | whitelist
              | ^^^^^^^^^
              = hint: every process of the container is killed at its first syscall; list the syscall numbers to allow, one per line
    ");
    insta::assert_snapshot!(warnings(
        "2\ndenylist\nreject_force_umount errno 5\nopen errno 1 [0,1,==,7]\n"
    ), @r"
        policy:3:21: warning: LXC ignores the action and conditions of `reject_force_umount`
            3 | reject_force_umount errno 5
              |                     ^^^^^^^
              = hint: the rule always makes `umount2(path, MNT_FORCE)` fail with EACCES; remove what follows the name
        policy:4:22: warning: LXC ignores the mask of `SCMP_CMP_EQ`
            4 | open errno 1 [0,1,==,7]
              |                      ^
              = hint: only `SCMP_CMP_MASKED_EQ` uses a mask; remove it
    ");
}

#[test]
fn a_nul_byte_is_an_error() {
    insta::assert_snapshot!(parse_err("2\ndenylist\nkexec\0_load\n"), @r"
        policy:3:6: error: the line holds a NUL byte
            3 | kexec?_load
              |      ^
              = hint: LXC stops reading the line at a NUL byte; remove it
    ");
}

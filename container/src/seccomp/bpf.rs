//! Classic BPF for seccomp: the program the kernel runs on every syscall
//! (`Documentation/userspace-api/seccomp_filter.rst`), generated from resolved rules, and
//! an interpreter of the same instructions so that tests can check what a program decides
//! without installing it.
//!
//! The program reads `struct seccomp_data` (`nr` at 0, `arch` at 4, `args[i]` at
//! 16 + 8i, little-endian: the low word first). Its shape:
//!
//! ```text
//!     ld arch; jeq ABI_0 -> ja ABI_0's block; jeq ABI_1 -> ...; ret BAD_ARCH
//! ABI block:
//!     ld nr; [x86_64: nr >= 0x40000000 (x32) -> ret BAD_ARCH]
//!     jeq NR_a, else skip; rules of NR_a ...; jeq NR_b, ...; ret DEFAULT
//! rules of one syscall, strongest action first:
//!     conditions (false -> next rule); ret ACTION; ...; ret DEFAULT
//! ```
//!
//! Conditional jumps reach 255 instructions; anything farther goes through `ja`, whose
//! offset is 32 bits. Each syscall's rules end in a `ret`, so the dispatch can skip them
//! without reloading the syscall number.

use super::tables::{Abi, X32_SYSCALL_BIT};
use grammar::seccomp::CmpOp;
use std::collections::BTreeMap;

/// One BPF instruction, laid out as the kernel's `struct sock_filter`, so that a program
/// is handed to the kernel as it is (install.rs).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Insn {
    /// The opcode.
    pub code: u16,
    /// Jump offset when the condition holds.
    pub jt: u8,
    /// Jump offset when it does not.
    pub jf: u8,
    /// The operand.
    pub k: u32,
}

const LD_W_ABS: u16 = 0x20; // BPF_LD | BPF_W | BPF_ABS
const ALU_AND_K: u16 = 0x54; // BPF_ALU | BPF_AND | BPF_K
const JA: u16 = 0x05; // BPF_JMP | BPF_JA
const JEQ_K: u16 = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
const JGT_K: u16 = 0x25; // BPF_JMP | BPF_JGT | BPF_K
const JGE_K: u16 = 0x35; // BPF_JMP | BPF_JGE | BPF_K
const RET_K: u16 = 0x06; // BPF_RET | BPF_K

/// Offsets in `struct seccomp_data`.
const NR: u32 = 0;
const ARCH: u32 = 4;
fn arg_low(arg: u8) -> u32 {
    16 + 8 * u32::from(arg)
}
fn arg_high(arg: u8) -> u32 {
    arg_low(arg) + 4
}

/// The kernel's limit on the length of one filter (`BPF_MAXINSNS`).
pub const MAX_INSNS: usize = 4096;

/// Return values (`<linux/seccomp.h>`).
pub mod ret {
    /// Kill the calling thread.
    pub const KILL_THREAD: u32 = 0x0000_0000;
    /// Send `SIGSYS`.
    pub const TRAP: u32 = 0x0003_0000;
    /// Fail with the errno in the low 16 bits.
    pub const ERRNO: u32 = 0x0005_0000;
    /// Run the syscall.
    pub const ALLOW: u32 = 0x7fff_0000;
    /// The action bits.
    pub const ACTION: u32 = 0xffff_0000;
}

/// How strong an action is: the kernel runs every filter and keeps the result that sorts
/// first by its action bits read as a signed number (kill-process < kill-thread < trap <
/// errno < ... < allow); one filter's rules use the same order.
pub fn precedence(action: u32) -> i32 {
    (action & ret::ACTION) as i32
}

/// One comparison of a syscall argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cmp {
    /// The argument, 0 to 5.
    pub arg: u8,
    /// The comparison.
    pub op: CmpOp,
    /// The value compared with (for `MaskedEq`, with `arg & mask`).
    pub value: u64,
    /// The mask of `MaskedEq`; all ones otherwise.
    pub mask: u64,
}

impl Cmp {
    /// Whether the comparison holds for the argument value `arg`.
    pub fn holds(&self, arg: u64) -> bool {
        match self.op {
            CmpOp::Ne => arg != self.value,
            CmpOp::Lt => arg < self.value,
            CmpOp::Le => arg <= self.value,
            CmpOp::Eq => arg == self.value,
            CmpOp::Ge => arg >= self.value,
            CmpOp::Gt => arg > self.value,
            CmpOp::MaskedEq => arg & self.mask == self.value,
        }
    }
}

/// A rule for one syscall of one ABI: when every comparison holds, `action`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// The comparisons, all of which must hold.
    pub cmps: Vec<Cmp>,
    /// The seccomp return value.
    pub action: u32,
}

/// The rules of one ABI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AbiRules {
    /// Which ABI.
    pub abi: Abi,
    /// What happens to a syscall no rule matches.
    pub default: u32,
    /// The rules by syscall number, each list in file order.
    pub syscalls: BTreeMap<u32, Vec<Rule>>,
}

/// A policy resolved for one host: what the program decides, as data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    /// One entry per ABI the policy covers; calls of other ABIs get `bad_arch`.
    pub abis: Vec<AbiRules>,
    /// The action for calls of an ABI the policy does not cover (x32 included).
    pub bad_arch: u32,
}

/// What a program sees of a syscall: `struct seccomp_data` without the instruction
/// pointer, which no rule reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SeccompData {
    /// The syscall number.
    pub nr: u32,
    /// The ABI (`AUDIT_ARCH_*`).
    pub arch: u32,
    /// The six arguments.
    pub args: [u64; 6],
}

impl Resolved {
    /// The decision for `data`, read from the rules (the reference the program must
    /// agree with): the strongest action among the matching rules of the call's syscall,
    /// the first written among equals; the default when none matches.
    pub fn decide(&self, data: &SeccompData) -> u32 {
        let Some(abi) = self.abis.iter().find(|a| a.abi.audit_arch() == data.arch) else {
            return self.bad_arch;
        };
        if abi.abi == Abi::X86_64 && data.nr & X32_SYSCALL_BIT != 0 {
            return self.bad_arch;
        }
        let Some(rules) = abi.syscalls.get(&data.nr) else {
            return abi.default;
        };
        rules
            .iter()
            .filter(|r| {
                r.cmps
                    .iter()
                    .all(|c| c.holds(data.args[usize::from(c.arg)]))
            })
            .min_by_key(|r| precedence(r.action))
            .map_or(abi.default, |r| r.action)
    }

    /// The program for these rules.
    pub fn program(&self) -> Result<Vec<Insn>, TooLong> {
        let blocks: Vec<Vec<Insn>> = self
            .abis
            .iter()
            .map(|abi| abi_block(abi, self.bad_arch))
            .collect::<Result<_, _>>()?;
        // ld arch; (jeq ABI, 0, 1; ja BLOCK) per ABI; ret BAD_ARCH; the blocks.
        let dispatch_len = 1 + 2 * blocks.len() + 1;
        let mut out = vec![stmt(LD_W_ABS, ARCH)];
        let mut start = dispatch_len;
        for (abi, block) in self.abis.iter().zip(&blocks) {
            out.push(jump(JEQ_K, abi.abi.audit_arch(), 0, 1));
            let ja_at = out.len();
            out.push(stmt(JA, offset(start, ja_at)?));
            start += block.len();
        }
        out.push(stmt(RET_K, self.bad_arch));
        for block in blocks {
            out.extend(block);
        }
        if out.len() > MAX_INSNS {
            return Err(TooLong(out.len()));
        }
        Ok(out)
    }
}

/// A program longer than the kernel accepts, with its length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooLong(pub usize);

/// The offset of a jump at `from` to `to` (counted from the next instruction).
fn offset(to: usize, from: usize) -> Result<u32, TooLong> {
    u32::try_from(to - from - 1).map_err(|_| TooLong(to))
}

fn stmt(code: u16, k: u32) -> Insn {
    Insn {
        code,
        jt: 0,
        jf: 0,
        k,
    }
}

fn jump(code: u16, k: u32, jt: u8, jf: u8) -> Insn {
    Insn { code, jt, jf, k }
}

/// The block of one ABI: dispatch on the syscall number, each syscall's rules inline.
fn abi_block(abi: &AbiRules, bad_arch: u32) -> Result<Vec<Insn>, TooLong> {
    let mut out = vec![stmt(LD_W_ABS, NR)];
    if abi.abi == Abi::X86_64 {
        // x32 calls carry the x86_64 arch; the policy does not cover that ABI.
        out.push(jump(JGE_K, X32_SYSCALL_BIT, 0, 1));
        out.push(stmt(RET_K, bad_arch));
    }
    for (&nr, rules) in &abi.syscalls {
        let block = rules_block(rules, abi.default);
        match u8::try_from(block.len()) {
            Ok(len) => out.push(jump(JEQ_K, nr, 0, len)),
            Err(_) => {
                let len = u32::try_from(block.len()).map_err(|_| TooLong(block.len()))?;
                out.push(jump(JEQ_K, nr, 1, 0));
                out.push(stmt(JA, len));
            }
        }
        out.extend(block);
        if out.len() > MAX_INSNS {
            return Err(TooLong(out.len()));
        }
    }
    out.push(stmt(RET_K, abi.default));
    Ok(out)
}

/// The rules of one syscall, strongest action first, each a run of comparisons that
/// fall through to its `ret` or jump to the next rule; the default last.
fn rules_block(rules: &[Rule], default: u32) -> Vec<Insn> {
    let mut sorted: Vec<&Rule> = rules.iter().collect();
    sorted.sort_by_key(|r| precedence(r.action));
    let mut out = Vec::new();
    for rule in sorted {
        if rule.cmps.is_empty() {
            // Every later rule is weaker and can never be chosen.
            out.push(stmt(RET_K, rule.action));
            return out;
        }
        let mut block = Block::default();
        let next = block.label();
        for cmp in &rule.cmps {
            block.cmp(cmp, next);
        }
        block.emit(stmt(RET_K, rule.action));
        block.bind(next);
        out.extend(block.finish());
    }
    out.push(stmt(RET_K, default));
    out
}

/// Where a conditional jump goes.
#[derive(Clone, Copy, Debug)]
enum Target {
    /// The next instruction.
    Next,
    /// A label of the block.
    Label(usize),
}

/// A short run of instructions with forward jumps to labels, for one rule's comparisons
/// (at most six comparisons of six instructions: every jump fits in 8 bits).
#[derive(Default)]
struct Block {
    insns: Vec<(Insn, Target, Target)>,
    labels: Vec<usize>,
}

impl Block {
    fn label(&mut self) -> usize {
        self.labels.push(usize::MAX);
        self.labels.len() - 1
    }

    fn bind(&mut self, label: usize) {
        self.labels[label] = self.insns.len();
    }

    fn emit(&mut self, insn: Insn) {
        self.insns.push((insn, Target::Next, Target::Next));
    }

    fn load(&mut self, offset: u32) {
        self.emit(stmt(LD_W_ABS, offset));
    }

    fn branch(&mut self, code: u16, k: u32, jt: Target, jf: Target) {
        self.insns.push((jump(code, k, 0, 0), jt, jf));
    }

    /// Falls through when `cmp` holds, jumps to `fail` when it does not. 64-bit
    /// arguments are compared as two words, the high one first.
    fn cmp(&mut self, cmp: &Cmp, fail: usize) {
        use Target::{Label, Next};
        let fail = Label(fail);
        let (hi, lo) = ((cmp.value >> 32) as u32, cmp.value as u32);
        match cmp.op {
            CmpOp::Eq => {
                self.load(arg_high(cmp.arg));
                self.branch(JEQ_K, hi, Next, fail);
                self.load(arg_low(cmp.arg));
                self.branch(JEQ_K, lo, Next, fail);
            }
            CmpOp::MaskedEq => {
                let (mask_hi, mask_lo) = ((cmp.mask >> 32) as u32, cmp.mask as u32);
                self.load(arg_high(cmp.arg));
                self.emit(stmt(ALU_AND_K, mask_hi));
                self.branch(JEQ_K, hi, Next, fail);
                self.load(arg_low(cmp.arg));
                self.emit(stmt(ALU_AND_K, mask_lo));
                self.branch(JEQ_K, lo, Next, fail);
            }
            CmpOp::Ne => {
                let ok = self.label();
                self.load(arg_high(cmp.arg));
                self.branch(JEQ_K, hi, Next, Label(ok));
                self.load(arg_low(cmp.arg));
                self.branch(JEQ_K, lo, fail, Next);
                self.bind(ok);
            }
            CmpOp::Gt | CmpOp::Ge => {
                let ok = self.label();
                self.load(arg_high(cmp.arg));
                self.branch(JGT_K, hi, Label(ok), Next);
                self.branch(JEQ_K, hi, Next, fail);
                self.load(arg_low(cmp.arg));
                let code = if cmp.op == CmpOp::Gt { JGT_K } else { JGE_K };
                self.branch(code, lo, Next, fail);
                self.bind(ok);
            }
            CmpOp::Lt | CmpOp::Le => {
                let ok = self.label();
                self.load(arg_high(cmp.arg));
                self.branch(JGT_K, hi, fail, Next);
                self.branch(JEQ_K, hi, Next, Label(ok));
                self.load(arg_low(cmp.arg));
                // a < v fails when lo >= v; a <= v fails when lo > v.
                let code = if cmp.op == CmpOp::Lt { JGE_K } else { JGT_K };
                self.branch(code, lo, fail, Next);
                self.bind(ok);
            }
        }
    }

    /// The instructions with jump offsets filled in.
    fn finish(self) -> Vec<Insn> {
        let labels = self.labels;
        let resolve = |at: usize, target: Target| -> u8 {
            match target {
                Target::Next => 0,
                // Labels are bound after the jumps to them, within one rule of at most
                // 6 * 7 + 1 instructions.
                Target::Label(l) => u8::try_from(labels[l] - at - 1).unwrap_or(u8::MAX),
            }
        };
        self.insns
            .iter()
            .enumerate()
            .map(|(at, (insn, jt, jf))| Insn {
                jt: resolve(at, *jt),
                jf: resolve(at, *jf),
                ..*insn
            })
            .collect()
    }
}

/// Why the interpreter stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunError {
    /// An instruction the generator never emits.
    Opcode(u16),
    /// A jump or the end of the program past the last instruction.
    OutOfBounds,
    /// A load outside `struct seccomp_data`.
    BadLoad(u32),
}

/// Runs `program` on `data` as the kernel would: the return value of the filter.
pub fn run(program: &[Insn], data: &SeccompData) -> Result<u32, RunError> {
    let mut acc: u32 = 0;
    let mut pc = 0usize;
    loop {
        let insn = program.get(pc).ok_or(RunError::OutOfBounds)?;
        pc += 1;
        match insn.code {
            LD_W_ABS => acc = load(data, insn.k)?,
            ALU_AND_K => acc &= insn.k,
            JA => pc += insn.k as usize,
            JEQ_K | JGT_K | JGE_K => {
                let holds = match insn.code {
                    JEQ_K => acc == insn.k,
                    JGT_K => acc > insn.k,
                    _ => acc >= insn.k,
                };
                pc += usize::from(if holds { insn.jt } else { insn.jf });
            }
            RET_K => return Ok(insn.k),
            code => return Err(RunError::Opcode(code)),
        }
    }
}

fn load(data: &SeccompData, offset: u32) -> Result<u32, RunError> {
    match offset {
        NR => Ok(data.nr),
        ARCH => Ok(data.arch),
        16..=63 if offset % 4 == 0 => {
            let arg = data.args[((offset - 16) / 8) as usize];
            Ok(if offset % 8 == 0 {
                arg as u32
            } else {
                (arg >> 32) as u32
            })
        }
        _ => Err(RunError::BadLoad(offset)),
    }
}

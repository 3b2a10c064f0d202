//! The `BPF_PROG_TYPE_CGROUP_DEVICE` program for a [`Policy`], instruction for instruction
//! the one LXC 5.0 builds (`bpf_program_init`, `bpf_program_append_device` and
//! `bpf_program_finalize` in `src/lxc/cgroups/cgroup2_devices.c`), so that `bpftool prog
//! dump` shows an admin the same program under us as under LXC.
//!
//! The kernel calls it with a `struct bpf_cgroup_dev_ctx` (`include/uapi/linux/bpf.h`):
//! `access_type` (device type in the low 16 bits, `BPF_DEVCG_DEV_BLOCK` 1 or `_CHAR` 2;
//! access in the high 16 bits, `BPF_DEVCG_ACC_MKNOD` 1, `_READ` 2, `_WRITE` 4), `major`,
//! `minor`; a return value of 1 allows the access, 0 makes it fail with EPERM.
//!
//! ```text
//! prologue   r2 = type, r3 = access, r4 = major, r5 = minor
//! per rule   [w1 = w3; w1 &= MASK; if r1 != r3 goto next]   unless the rule has rwm
//!            [if r2 != TYPE goto next]                       unless the type is a
//!            [if r4 != MAJOR goto next]                      unless the major is *
//!            [if r5 != MINOR goto next]                      unless the minor is *
//!            r0 = ALLOW (1 or 0); exit
//! epilogue   r0 = DEFAULT (1 in deny-list mode, 0 in allow-list mode); exit
//! ```

use super::policy::Policy;
use super::rule::{DeviceType, ACC_ALL};

/// One eBPF instruction, laid out as the kernel's `struct bpf_insn`: opcode, destination
/// register in the low nibble and source register in the high nibble of one byte (on a
/// little-endian host; C bitfields, so the other way round on big-endian), a signed 16-bit
/// offset and a signed 32-bit immediate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C)]
pub(crate) struct Insn {
    pub code: u8,
    regs: u8,
    pub off: i16,
    pub imm: i32,
}

// Opcode parts (include/uapi/linux/bpf_common.h, bpf.h).
const BPF_LDX: u8 = 0x01;
const BPF_ALU: u8 = 0x04;
const BPF_JMP: u8 = 0x05;
const BPF_ALU64: u8 = 0x07;
const BPF_W: u8 = 0x00;
const BPF_MEM: u8 = 0x60;
const BPF_K: u8 = 0x00;
const BPF_X: u8 = 0x08;
const BPF_AND: u8 = 0x50;
const BPF_RSH: u8 = 0x70;
const BPF_MOV: u8 = 0xb0;
const BPF_JNE: u8 = 0x50;
const BPF_EXIT: u8 = 0x90;

/// The opcodes the generator emits.
pub(crate) const LDX_W: u8 = BPF_LDX | BPF_W | BPF_MEM;
pub(crate) const AND32_K: u8 = BPF_ALU | BPF_AND | BPF_K;
pub(crate) const RSH32_K: u8 = BPF_ALU | BPF_RSH | BPF_K;
pub(crate) const MOV32_X: u8 = BPF_ALU | BPF_MOV | BPF_X;
pub(crate) const MOV64_K: u8 = BPF_ALU64 | BPF_MOV | BPF_K;
pub(crate) const JNE_K: u8 = BPF_JMP | BPF_JNE | BPF_K;
pub(crate) const JNE_X: u8 = BPF_JMP | BPF_JNE | BPF_X;
pub(crate) const EXIT: u8 = BPF_JMP | BPF_EXIT;

/// `BPF_DEVCG_DEV_*`.
const DEV_BLOCK: i32 = 1;
const DEV_CHAR: i32 = 2;

/// Offsets in `struct bpf_cgroup_dev_ctx`.
const CTX_ACCESS_TYPE: i16 = 0;
const CTX_MAJOR: i16 = 4;
const CTX_MINOR: i16 = 8;

impl Insn {
    fn new(code: u8, dst: u8, src: u8, off: i16, imm: i32) -> Insn {
        let regs = if cfg!(target_endian = "little") {
            (src << 4) | (dst & 0x0f)
        } else {
            (dst << 4) | (src & 0x0f)
        };
        Insn {
            code,
            regs,
            off,
            imm,
        }
    }

    /// The destination register.
    #[cfg(test)]
    pub fn dst(self) -> u8 {
        if cfg!(target_endian = "little") {
            self.regs & 0x0f
        } else {
            self.regs >> 4
        }
    }

    /// The source register.
    #[cfg(test)]
    pub fn src(self) -> u8 {
        if cfg!(target_endian = "little") {
            self.regs >> 4
        } else {
            self.regs & 0x0f
        }
    }
}

fn ldx_w(dst: u8, src: u8, off: i16) -> Insn {
    Insn::new(LDX_W, dst, src, off, 0)
}
fn alu32_k(code: u8, dst: u8, imm: i32) -> Insn {
    Insn::new(code, dst, 0, 0, imm)
}
fn mov32_x(dst: u8, src: u8) -> Insn {
    Insn::new(MOV32_X, dst, src, 0, 0)
}
fn mov64_k(dst: u8, imm: i32) -> Insn {
    Insn::new(MOV64_K, dst, 0, 0, imm)
}
fn jne_k(dst: u8, imm: i32, off: i16) -> Insn {
    Insn::new(JNE_K, dst, 0, off, imm)
}
fn jne_x(dst: u8, src: u8, off: i16) -> Insn {
    Insn::new(JNE_X, dst, src, off, 0)
}
fn exit() -> Insn {
    Insn::new(EXIT, 0, 0, 0, 0)
}

/// The program that decides as `policy` does (module docs).
pub(crate) fn generate(policy: &Policy) -> Vec<Insn> {
    let mut prog = vec![
        ldx_w(2, 1, CTX_ACCESS_TYPE),
        alu32_k(AND32_K, 2, 0xffff),
        ldx_w(3, 1, CTX_ACCESS_TYPE),
        alu32_k(RSH32_K, 3, 16),
        ldx_w(4, 1, CTX_MAJOR),
        ldx_w(5, 1, CTX_MINOR),
    ];
    for item in policy.checked() {
        let p = &item.pattern;
        let mask = p.access.bits();
        let ty = match p.ty {
            DeviceType::Any => None,
            DeviceType::Block => Some(DEV_BLOCK),
            DeviceType::Char => Some(DEV_CHAR),
        };
        // Each check jumps over the checks after it and the two decision instructions.
        let mut skip: i16 = 1
            + i16::from(mask != ACC_ALL)
            + i16::from(ty.is_some())
            + i16::from(p.major.is_some())
            + i16::from(p.minor.is_some());
        if mask != ACC_ALL {
            prog.push(mov32_x(1, 3));
            prog.push(alu32_k(AND32_K, 1, i32::from(mask)));
            prog.push(jne_x(1, 3, skip));
            skip -= 1;
        }
        if let Some(ty) = ty {
            prog.push(jne_k(2, ty, skip));
            skip -= 1;
        }
        // Rule numbers are at most i32::MAX (rule.rs), as in LXC.
        if let Some(major) = p.major {
            prog.push(jne_k(4, major as i32, skip));
            skip -= 1;
        }
        if let Some(minor) = p.minor {
            prog.push(jne_k(5, minor as i32, skip));
        }
        prog.push(mov64_k(0, i32::from(item.allow)));
        prog.push(exit());
    }
    prog.push(mov64_k(0, i32::from(policy.default_allow)));
    prog.push(exit());
    prog
}

/// The program as text, one instruction a line in the kernel's verifier syntax (what
/// `bpftool prog dump xlated` prints for it, before the kernel rewrites the context loads).
#[cfg(test)]
pub(crate) fn disassemble(prog: &[Insn]) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for (i, insn) in prog.iter().enumerate() {
        let (d, s, off, imm) = (insn.dst(), insn.src(), insn.off, insn.imm);
        let text = match insn.code {
            LDX_W => format!("r{d} = *(u32 *)(r{s} {off:+})"),
            AND32_K => format!("w{d} &= {imm}"),
            RSH32_K => format!("w{d} >>= {imm}"),
            MOV32_X => format!("w{d} = w{s}"),
            MOV64_K => format!("r{d} = {imm}"),
            JNE_K => format!("if r{d} != {imm:#x} goto pc{off:+}"),
            JNE_X => format!("if r{d} != r{s} goto pc{off:+}"),
            EXIT => "exit".to_string(),
            code => format!("unknown opcode {code:#04x}"),
        };
        let _ = writeln!(out, "{i:3}: {text}");
    }
    out
}

/// A small interpreter of the instructions [`generate`] emits, over a device context, for
/// tests that compare the program with the rules' meaning. It refuses (panics on) anything
/// else, jumps out of the program and a program that does not end in `exit`.
#[cfg(test)]
#[allow(clippy::panic)]
pub(crate) fn run(prog: &[Insn], ty: u32, access: u32, major: u32, minor: u32) -> u64 {
    const CTX: u64 = u64::MAX; // r1 holds the context pointer until overwritten
    let ctx = [(access << 16) | ty, major, minor];
    let mut r = [0u64; 11];
    r[1] = CTX;
    let mut pc: usize = 0;
    loop {
        let insn = *prog
            .get(pc)
            .unwrap_or_else(|| panic!("pc {pc} out of the program"));
        let (d, s) = (usize::from(insn.dst()), usize::from(insn.src()));
        match insn.code {
            LDX_W => {
                assert_eq!(r[s], CTX, "load from a register that is not the context");
                let field = usize::try_from(insn.off / 4).expect("context offset");
                assert_eq!(insn.off % 4, 0);
                r[d] = u64::from(ctx[field]);
            }
            AND32_K => r[d] = u64::from((r[d] as u32) & (insn.imm as u32)),
            RSH32_K => r[d] = u64::from((r[d] as u32) >> insn.imm),
            MOV32_X => r[d] = u64::from(r[s] as u32),
            MOV64_K => r[d] = insn.imm as i64 as u64,
            JNE_K | JNE_X => {
                let other = if insn.code == JNE_K {
                    insn.imm as i64 as u64
                } else {
                    r[s]
                };
                if r[d] != other {
                    pc = pc
                        .checked_add_signed(isize::from(insn.off))
                        .expect("jump before the program");
                }
            }
            EXIT => return r[0],
            code => panic!("opcode {code:#04x} at {pc}"),
        }
        pc += 1;
    }
}

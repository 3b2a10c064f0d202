//! Giving the memory of a reload back to the system.
//!
//! A reload's working set (the groups to plan, the plan, the syntax trees of a full
//! load) is freed when the reload ends, but glibc's allocator keeps freed memory in its
//! heap for later allocations: without help, the daemon would idle at the peak of its
//! largest reload. The daemon keeps little between reloads (digests and fingerprints,
//! the record, both in a few large allocations), so after a reload that grew its resident
//! set it asks glibc to return its free pages.
//!
//! Only then: `malloc_trim` walks every free chunk of the heap and advises the kernel of
//! each (a few milliseconds once a full load of 5000 groups has left thousands of them),
//! which a reload after a one-line edit, allocating little, does not need.

use std::fs;

/// Growth of the resident set since the last trim that makes the next one worth it.
pub const GROWTH: u64 = 1 << 20;

/// Watches the resident set between reloads.
#[derive(Debug, Default)]
pub struct Memory {
    /// The resident set after the last trim, in bytes.
    settled: u64,
}

impl Memory {
    /// After a reload: gives free memory back when the resident set grew by more than
    /// [`GROWTH`] since the last time (or cannot be read). Returns whether it did.
    pub fn after_reload(&mut self) -> bool {
        if !self.due(resident()) {
            return false;
        }
        release_free_memory();
        self.settled = resident().unwrap_or(0);
        true
    }

    /// Whether a resident set of `now` bytes (`None`: unknown) calls for a trim.
    fn due(&self, now: Option<u64>) -> bool {
        now.is_none_or(|now| now > self.settled + GROWTH)
    }
}

/// The resident set size, in bytes (`/proc/self/statm`).
fn resident() -> Option<u64> {
    let statm = fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    let page = nix::unistd::sysconf(nix::unistd::SysconfVar::PAGE_SIZE)
        .ok()
        .flatten()
        .and_then(|p| u64::try_from(p).ok())?;
    Some(pages * page)
}

/// Returns the allocator's free pages to the kernel (`malloc_trim(0)`: every arena, and
/// free pages inside the heap, not only at its top).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
pub fn release_free_memory() {
    // SAFETY: malloc_trim takes no pointer and releases only memory that no allocation
    // uses; it locks each arena, so it is safe at any time.
    unsafe {
        nix::libc::malloc_trim(0);
    }
}

/// Other allocators return memory on their own terms: nothing to do.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn release_free_memory() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_is_given_back_after_growth_only() {
        let mut memory = Memory::default();
        assert!(memory.after_reload(), "the first time");
        assert!(memory.settled > 0, "the resident set is read");
        let settled = memory.settled;
        assert!(!memory.due(Some(settled + GROWTH / 2)));
        assert!(memory.due(Some(settled + 2 * GROWTH)));
        assert!(memory.due(None), "unknown: trim");
    }
}

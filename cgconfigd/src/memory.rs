//! Giving the memory of a reload back to the system.
//!
//! A reload's working set (the groups to plan, the plan, the syntax trees of a full
//! load) is freed when the reload ends, but glibc's allocator keeps freed memory in its
//! heap for later allocations: without help, the daemon would idle at the peak of its
//! largest reload. The daemon keeps little between reloads (digests and fingerprints,
//! the record), so after each one it asks glibc to return its free pages.

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

//! The allocator the `exlint` binary registers (and the benchmarks, so they time what the binary
//! does). The library does not register one: embedders and tests choose their own.
//!
//! Small blocks come from mimalloc: a lint makes many short-lived allocations (a draft's words,
//! its view, its findings; a whole lint per keystroke in an editor), and with glibc's malloc those
//! cost a third of an editor re-lint. Big blocks (`BIG` and up) come from the system allocator,
//! which grows them in place by remapping pages, where mimalloc would copy: a 100 MB export's
//! line tables grow to tens of megabytes, and copying them raised the peak by a third.

use std::alloc::{GlobalAlloc, Layout, System};

/// Ask Linux not to back this process's memory with transparent huge pages. mimalloc asks for
/// them on its arenas (`MADV_HUGEPAGE`), so the first touch of each fresh region zeroes 2 MiB:
/// 40% of a one-draft run's CPU time, for no gain at a usual draft's size (a long draft turns
/// them back on: `wants_huge_pages`). The kernel checks the flag when a page is first touched,
/// so it covers arenas mimalloc set up before the call, but not pages touched before it: the
/// binary calls it from `.init_array`, before the Rust runtime's first allocation. Does nothing
/// on other systems.
pub fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: `prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0)` takes integers only and reads or writes no
    // memory of ours; on a kernel without it the call fails and nothing changes.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// Drafts this long or longer are linted with transparent huge pages allowed again.
pub const HUGE_PAGES_FROM: usize = 4 << 20;

/// Whether linting `input` is worth transparent huge pages: a draft (not a chat export) of
/// `HUGE_PAGES_FROM` bytes or more. Its lint fills tens of megabytes of fresh memory (the word
/// list, the sentences, each thread's view), and on a virtual machine each 4 KiB page costs a
/// fault of a few microseconds: a tenth of a 10 MB draft's CPU. A 2 MiB page takes one fault,
/// and at this size the partly used pages at the ends of mimalloc's regions are a small part of
/// what the lint holds. A chat export keeps small pages: its review holds many small drafts'
/// findings, and huge pages would push its peak memory past three times its size.
pub fn wants_huge_pages(input: &[u8]) -> bool {
    wants_huge_pages_from(input, Some(input.len() as u64))
}

/// `wants_huge_pages` for an input of `len` bytes (`None`: not known) that starts with `head`
/// (up to `input::PEEK` bytes of it are read).
pub fn wants_huge_pages_from(head: &[u8], len: Option<u64>) -> bool {
    len.is_some_and(|n| n >= HUGE_PAGES_FROM as u64)
        && !crate::input::starts_like_export(&head[..head.len().min(crate::input::PEEK)])
}

/// Undo `no_huge_pages` for the rest of the process (see `wants_huge_pages`): memory touched
/// from now on may be backed by huge pages where mimalloc asked for them. Does nothing on other
/// systems.
pub fn allow_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: as in `no_huge_pages`.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 0, 0, 0, 0);
    }
}

/// Blocks of this many bytes or more go to the system allocator.
pub const BIG: usize = 16 << 20;

/// mimalloc for small blocks, the system allocator for big ones; which one owns a block follows
/// from its size alone, so `dealloc` and `realloc` always reach the allocator that made it.
pub struct Allocator;

fn big(size: usize) -> bool {
    size >= BIG
}

// SAFETY: every method forwards to an allocator chosen by the block's size, which is the same
// for the allocation and every later call on it (`GlobalAlloc` passes the allocation's layout).
// A `realloc` that crosses `BIG` allocates in the other allocator, copies and frees the old block.
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract for `alloc`, passed on.
        unsafe {
            if big(layout.size()) {
                System.alloc(layout)
            } else {
                mimalloc::MiMalloc.alloc(layout)
            }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as `alloc`.
        unsafe {
            if big(layout.size()) {
                System.alloc_zeroed(layout)
            } else {
                mimalloc::MiMalloc.alloc_zeroed(layout)
            }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated with `layout`, so by the allocator `big` picks for it.
        unsafe {
            if big(layout.size()) {
                System.dealloc(ptr, layout)
            } else {
                mimalloc::MiMalloc.dealloc(ptr, layout)
            }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract for `realloc`; when the owner changes, the new block is
        // at least as aligned, the copy covers the smaller of the two sizes, and the old block
        // is freed by its own allocator.
        unsafe {
            match (big(layout.size()), big(new_size)) {
                (true, true) => System.realloc(ptr, layout, new_size),
                (false, false) => mimalloc::MiMalloc.realloc(ptr, layout, new_size),
                _ => {
                    let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
                    let new = self.alloc(new_layout);
                    if !new.is_null() {
                        std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                        self.dealloc(ptr, layout);
                    }
                    new
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Huge pages are for long drafts only: not short ones, not chat exports of any size, not
    /// an input whose size is not known yet.
    #[test]
    fn huge_pages_only_for_long_drafts() {
        let long = |start: &str| {
            let mut text = start.to_owned();
            while text.len() < HUGE_PAGES_FROM {
                text.push_str("i miss you so much, can we talk tonight?\n");
            }
            text
        };
        let draft = long("hey\n");
        assert!(wants_huge_pages(draft.as_bytes()));
        assert!(!wants_huge_pages(&draft.as_bytes()[..HUGE_PAGES_FROM - 1]));
        assert!(!wants_huge_pages(b"hey, i miss you"));
        let whatsapp = long("12/03/2024, 21:14 - Sam: hey\n");
        assert!(!wants_huge_pages(whatsapp.as_bytes()));
        let json = long("{\"name\": \"Alex\", \"messages\": [\n");
        assert!(!wants_huge_pages(json.as_bytes()));
        let head = &draft.as_bytes()[..crate::input::PEEK];
        assert!(wants_huge_pages_from(head, Some(draft.len() as u64)));
        assert!(!wants_huge_pages_from(head, None));
    }

    /// A block that grows past `BIG` and shrinks back moves between the two allocators with its
    /// bytes intact, and each allocator frees only what it made (a mix-up would crash here).
    #[test]
    fn blocks_keep_their_bytes_across_the_big_line() {
        let a = Allocator;
        let small = 1000;
        let layout = Layout::from_size_align(small, 8).unwrap();
        // SAFETY: every pointer is used within the size it was (re)allocated with, and freed
        // once with the layout it has at that moment.
        unsafe {
            let p = a.alloc(layout);
            assert!(!p.is_null());
            for i in 0..small {
                *p.add(i) = i as u8;
            }
            let grown = a.realloc(p, layout, BIG + 1);
            assert!(!grown.is_null());
            assert!((0..small).all(|i| *grown.add(i) == i as u8));
            *grown.add(BIG) = 7;
            let big_layout = Layout::from_size_align(BIG + 1, 8).unwrap();
            let bigger = a.realloc(grown, big_layout, 2 * BIG);
            assert!((0..small).all(|i| *bigger.add(i) == i as u8));
            assert_eq!(*bigger.add(BIG), 7);
            let bigger_layout = Layout::from_size_align(2 * BIG, 8).unwrap();
            let shrunk = a.realloc(bigger, bigger_layout, small);
            assert!((0..small).all(|i| *shrunk.add(i) == i as u8));
            a.dealloc(shrunk, layout);
            let zeroed = a.alloc_zeroed(big_layout);
            assert!((0..BIG + 1).step_by(4096).all(|i| *zeroed.add(i) == 0));
            a.dealloc(zeroed, big_layout);
        }
    }
}

//! wasm32 runtime glue (feature `glue`): the global allocator and the panic handler.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::{Cell, UnsafeCell};
use core::ptr;

/// The static arena: 16 KiB covers what a typical call allocates (a token transfer uses
/// under 1 KiB), and lives in the module's initial memory, so allocating never pays for
/// `memory.grow` (10,000 gas a page) on the hot path. With the 32 KiB stack it keeps a
/// contract at one 64 KiB page: the host resets every page of a used instance, and a
/// token transfer measured 5.6 µs with a 64 KiB arena (two pages) and 4.8 µs with this.
const ARENA_BYTES: usize = 16 << 10;
const PAGE_BYTES: usize = 64 << 10;

#[repr(C, align(16))]
struct Arena(UnsafeCell<[u8; ARENA_BYTES]>);

static ARENA: Arena = Arena(UnsafeCell::new([0; ARENA_BYTES]));

/// A bump allocator: `next` moves forward through the current region `[.., end)`; only the
/// most recent allocation can be freed (or resized in place). An instance lives for one
/// call, so everything else is reclaimed when the host drops it.
struct Bump {
    next: Cell<usize>,
    end: Cell<usize>,
}

// SAFETY: wasm32-unknown-unknown without the atomics feature has exactly one thread.
unsafe impl Sync for Bump {}
// SAFETY: as above; the arena is only reached through the allocator.
unsafe impl Sync for Arena {}

#[global_allocator]
static ALLOCATOR: Bump = Bump {
    next: Cell::new(0),
    end: Cell::new(0),
};

impl Bump {
    /// Carves `layout` from the current region, or returns `None` when it does not fit.
    fn bump(&self, layout: Layout) -> Option<*mut u8> {
        if self.end.get() == 0 {
            // First allocation of the instance: start on the arena.
            let start = ARENA.0.get() as usize;
            self.next.set(start);
            self.end.set(start + ARENA_BYTES);
        }
        let start = self.next.get().checked_add(layout.align() - 1)? & !(layout.align() - 1);
        let end = start.checked_add(layout.size())?;
        if end > self.end.get() {
            return None;
        }
        self.next.set(end);
        Some(start as *mut u8)
    }

    /// The arena is exhausted: grow linear memory by enough pages for `layout` and keep
    /// bumping there. When the new pages directly follow the current region (a previous
    /// grow), the region is extended instead of abandoning its tail.
    fn grow(&self, layout: Layout) -> Option<*mut u8> {
        let needed = layout.size().checked_add(layout.align())?;
        let pages = needed.div_ceil(PAGE_BYTES);
        let previous = core::arch::wasm32::memory_grow::<0>(pages);
        if previous == usize::MAX {
            return None;
        }
        let start = previous * PAGE_BYTES;
        if start != self.end.get() {
            self.next.set(start);
        }
        self.end.set(start + pages * PAGE_BYTES);
        self.bump(layout)
    }
}

// SAFETY: every block handed out lies inside the arena or in pages this allocator grew,
// is aligned as requested, and is never handed out again while live (the bump pointer
// only moves back over the most recent block when that block is freed or resized).
unsafe impl GlobalAlloc for Bump {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match self.bump(layout).or_else(|| self.grow(layout)) {
            Some(block) => block,
            None => ptr::null_mut(),
        }
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        // Only the most recent block can be reclaimed: roll the bump pointer back.
        if block as usize + layout.size() == self.next.get() {
            self.next.set(block as usize);
        }
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // The most recent block grows or shrinks in place when the region has room: the
        // common case of a Vec being filled.
        let start = block as usize;
        if start + layout.size() == self.next.get()
            && let Some(end) = start.checked_add(new_size)
            && end <= self.end.get()
        {
            self.next.set(end);
            return block;
        }
        if new_size <= layout.size() {
            return block;
        }
        // SAFETY: `layout.align()` is a valid alignment and `new_size` is non-zero (it is
        // larger than the old size), as `GlobalAlloc::realloc`'s contract guarantees.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        // SAFETY: as for `alloc`.
        let new_block = unsafe { self.alloc(new_layout) };
        if !new_block.is_null() {
            // SAFETY: both blocks are live, distinct and at least `layout.size()` long.
            unsafe { ptr::copy_nonoverlapping(block, new_block, layout.size()) };
        }
        new_block
    }
}

/// Panics abort the call with the panic message (no location: it would cost bytes and
/// tell callers nothing they can act on). Static messages are passed as they are;
/// formatted ones are rendered into a stack buffer, truncated to its size.
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    let message = info.message();
    if let Some(text) = message.as_str() {
        crate::env::abort(text);
    }
    let mut buf = StackWriter {
        buf: [0; 256],
        len: 0,
    };
    // A formatting error only means the message was cut short.
    let _ = core::fmt::write(&mut buf, format_args!("{message}"));
    crate::env::abort(buf.as_str())
}

/// A fixed-size `fmt::Write` target: the panic handler must not rely on the allocator
/// (it may be what failed).
struct StackWriter {
    buf: [u8; 256],
    len: usize,
}

impl StackWriter {
    fn as_str(&self) -> &str {
        let written = self.buf.get(..self.len).unwrap_or_default();
        // SAFETY: `write_str` only ever appends whole characters of valid `str`s.
        unsafe { core::str::from_utf8_unchecked(written) }
    }
}

// Written without indexing that could panic: a panic inside the panic handler would
// re-enter it (no_std has no double-panic guard).
impl core::fmt::Write for StackWriter {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let room = self.buf.len().saturating_sub(self.len);
        // Truncate on a character boundary so the buffer stays valid UTF-8.
        let mut n = s.len().min(room);
        while !s.is_char_boundary(n) {
            n -= 1;
        }
        if let (Some(dst), Some(src)) = (
            self.buf.get_mut(self.len..self.len + n),
            s.as_bytes().get(..n),
        ) {
            // Not `copy_from_slice`: its length check is a panic site.
            for (d, b) in dst.iter_mut().zip(src) {
                *d = *b;
            }
            self.len += n;
        }
        if n < s.len() {
            Err(core::fmt::Error)
        } else {
            Ok(())
        }
    }
}

//! Helper threads kept from one block to the next, started on a CPU other than the
//! caller's.
//!
//! A block's helpers used to be spawned for it, and the second worker of a 2-thread block
//! often began milliseconds late: Linux may start a new thread on its parent's CPU when
//! the other vCPU, idle and descheduled by the hypervisor, looks busy to the guest, and
//! the thread then waits behind its parent until the load balancer moves it. Kept helpers
//! are woken instead of spawned, each allowed on every CPU of the caller's but the one
//! the caller runs on, so the wake-up lands on another one. The helper of 60 blocks at 2
//! threads (1k conflict-free; 10k uniform) started its first work after a median of
//! 113/140 µs, 90th percentile 4042/288 µs and worst 4608/3693 µs when spawned; kept and
//! placed so, 41/63, 57/99 and 112/174 µs. A helper stays awake for [`STAY_AWAKE`] after
//! a job, so the state diff's merge, which follows a block's transactions at once, finds
//! it running, and after a wake-up: a block wakes its helpers as it begins
//! ([`wake_helpers`]): the helper of a 1k-transfer block then began a median of 27 µs in,
//! not 77.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::Thread;
use std::time::{Duration, Instant};

/// How long a helper waits for its next job before it sleeps.
const STAY_AWAKE: Duration = Duration::from_micros(100);

/// `f` over each of `parts`, each on its own thread (the first on this one), results in
/// order. A panic in `f` is re-raised on this thread once every part has finished.
pub(crate) fn on_threads<T: Send, R: Send>(parts: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    if parts.len() <= 1 {
        return parts.into_iter().map(f).collect();
    }
    let count = parts.len();
    let parts: Vec<Mutex<Option<T>>> = parts.into_iter().map(|p| Mutex::new(Some(p))).collect();
    let results: Vec<Mutex<Option<R>>> = (0..count).map(|_| Mutex::new(None)).collect();
    let run = |i: usize| {
        let part = parts[i]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
            .expect("each part runs once");
        let result = f(part);
        *results[i].lock().unwrap_or_else(PoisonError::into_inner) = Some(result);
    };
    let latch = Latch {
        remaining: AtomicUsize::new(count - 1),
        owner: std::thread::current(),
        panic: Mutex::new(None),
    };
    {
        // Waits for the helpers (and gives them back) even if this thread's part panics:
        // they borrow `run` and `latch` until they are done.
        let helpers = Lent(take_helpers(count - 1), &latch);
        affinity::keep_off_this_cpu(&helpers.0);
        let run: &(dyn Fn(usize) + Sync) = &run;
        for (k, helper) in helpers.0.iter().enumerate() {
            // SAFETY: `helpers` is dropped before `run` and `latch` are, and its drop waits
            // until every helper has finished its job.
            unsafe { helper.start(run, k + 1, &latch) };
        }
        run(0);
    }
    if let Some(payload) = latch
        .panic
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner)
    {
        resume_unwind(payload);
    }
    results
        .into_iter()
        .map(|r| {
            r.into_inner()
                .unwrap_or_else(PoisonError::into_inner)
                .expect("every part ran")
        })
        .collect()
}

/// Wakes the helpers the next call of [`on_threads`] with `parts` parts will take, so that
/// they run by the time their jobs come: a sleeping helper started its job 40-75 µs after
/// the call. The caller does other work meanwhile (a block: sizing its tables).
pub(crate) fn wake_helpers(parts: usize) {
    let idle = IDLE.lock().unwrap_or_else(PoisonError::into_inner);
    for helper in idle.iter().rev().take(parts.saturating_sub(1)) {
        helper.thread.unpark();
    }
}

/// Counts down the helpers still running a job; the last one wakes the caller.
struct Latch {
    remaining: AtomicUsize,
    owner: Thread,
    /// The first panic of a helper's job.
    panic: Mutex<Option<Box<dyn Any + Send>>>,
}

impl Latch {
    fn done(&self) {
        // The caller may return (and free the latch) as soon as the count reaches zero.
        let owner = self.owner.clone();
        if self.remaining.fetch_sub(1, Ordering::AcqRel) == 1 {
            owner.unpark();
        }
    }

    fn wait(&self) {
        // Helpers usually finish within microseconds of the caller: spin a little before
        // parking (a park and unpark cost about as much as a short wait).
        for _ in 0..2_000 {
            if self.remaining.load(Ordering::Acquire) == 0 {
                return;
            }
            std::hint::spin_loop();
        }
        while self.remaining.load(Ordering::Acquire) != 0 {
            std::thread::park();
        }
    }
}

/// Helpers taken from the pool for one call: waits for their jobs, then gives them back.
struct Lent<'l>(Vec<Arc<Helper>>, &'l Latch);

impl Drop for Lent<'_> {
    fn drop(&mut self) {
        self.1.wait();
        IDLE.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .append(&mut self.0);
    }
}

/// A job: one part of a call, borrowed from the caller's stack.
struct Job {
    run: *const (dyn Fn(usize) + Sync + 'static),
    index: usize,
    latch: *const Latch,
}

// SAFETY: the pointees are `Sync` and outlive the job (see `Helper::start`).
unsafe impl Send for Job {}

/// A kept thread and its job slot.
struct Helper {
    job: Mutex<Option<Job>>,
    thread: Thread,
    #[cfg(target_os = "linux")]
    native: libc::pthread_t,
    /// The CPUs this helper was last allowed on (`None`: never restricted).
    #[cfg(target_os = "linux")]
    allowed: Mutex<Option<libc::cpu_set_t>>,
}

impl Helper {
    /// Hands `run(index)` to this helper, which counts `latch` down when done.
    ///
    /// # Safety
    /// `run` and `latch` must stay alive until `latch` has counted this job down.
    unsafe fn start(&self, run: &(dyn Fn(usize) + Sync), index: usize, latch: &Latch) {
        // SAFETY: only the lifetime is erased; the caller keeps both alive (above).
        let run: &'static (dyn Fn(usize) + Sync) = unsafe { std::mem::transmute(run) };
        let job = Job { run, index, latch };
        let mut slot = self.job.lock().unwrap_or_else(PoisonError::into_inner);
        assert!(slot.replace(job).is_none(), "a lent helper is idle");
        drop(slot);
        self.thread.unpark();
    }

    /// The helper's loop: waits for a job, runs it, counts its latch down.
    fn serve(&self) {
        let mut idle_since = None;
        loop {
            let job = self
                .job
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            let Some(job) = job else {
                // A block's state diff follows its transactions at once: stay awake a
                // little for that job before sleeping (a wake-up costs ~40 µs).
                let since = *idle_since.get_or_insert_with(Instant::now);
                if since.elapsed() < STAY_AWAKE {
                    for _ in 0..64 {
                        std::hint::spin_loop();
                    }
                } else {
                    std::thread::park();
                    // Woken: a job is on its way (or came), so stay awake for it.
                    idle_since = None;
                }
                continue;
            };
            idle_since = None;
            // SAFETY: the caller keeps both alive until the latch is counted down, which
            // is the last use of either.
            let (run, latch) = unsafe { (&*job.run, &*job.latch) };
            if let Err(payload) = catch_unwind(AssertUnwindSafe(|| run(job.index))) {
                latch
                    .panic
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .get_or_insert(payload);
            }
            latch.done();
        }
    }
}

/// Helpers waiting for a job. The pool grows to the most helpers lent at once.
static IDLE: Mutex<Vec<Arc<Helper>>> = Mutex::new(Vec::new());

/// `count` idle helpers, started as needed.
fn take_helpers(count: usize) -> Vec<Arc<Helper>> {
    let mut helpers = {
        let mut idle = IDLE.lock().unwrap_or_else(PoisonError::into_inner);
        let keep = idle.len().saturating_sub(count);
        idle.split_off(keep)
    };
    while helpers.len() < count {
        helpers.push(spawn_helper());
    }
    helpers
}

/// Starts a helper thread, which waits for jobs.
fn spawn_helper() -> Arc<Helper> {
    let (sender, receiver) = std::sync::mpsc::channel::<Arc<Helper>>();
    let handle = std::thread::Builder::new()
        .name("keyway-worker".into())
        .spawn(move || {
            let helper = receiver.recv().expect("the pool sends the helper");
            helper.serve();
        })
        .expect("spawning a scheduler worker thread");
    let helper = Arc::new(Helper {
        job: Mutex::new(None),
        thread: handle.thread().clone(),
        #[cfg(target_os = "linux")]
        native: std::os::unix::thread::JoinHandleExt::as_pthread_t(&handle),
        #[cfg(target_os = "linux")]
        allowed: Mutex::new(None),
    });
    sender
        .send(helper.clone())
        .expect("the helper waits for itself");
    // Detached: a helper lives as long as the process.
    drop(handle);
    helper
}

#[cfg(target_os = "linux")]
mod affinity {
    use super::Helper;
    use std::sync::{Arc, PoisonError};

    /// Allows `helpers` on every CPU this thread may use but the one it runs on, when
    /// there are enough CPUs for each thread to have its own; otherwise on all of them.
    pub(super) fn keep_off_this_cpu(helpers: &[Arc<Helper>]) {
        // SAFETY: plain libc calls on a zeroed, correctly sized CPU set.
        let wanted = unsafe {
            let mut allowed: libc::cpu_set_t = std::mem::zeroed();
            if libc::sched_getaffinity(0, size_of::<libc::cpu_set_t>(), &mut allowed) != 0 {
                return;
            }
            let cpu = libc::sched_getcpu();
            let enough = usize::try_from(libc::CPU_COUNT(&allowed)).unwrap_or(0) > helpers.len();
            if enough && let Ok(cpu) = usize::try_from(cpu) {
                libc::CPU_CLR(cpu, &mut allowed);
            }
            allowed
        };
        for helper in helpers {
            let mut allowed = helper
                .allowed
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            // SAFETY: comparing two initialized CPU sets.
            if allowed.is_some_and(|current| unsafe { libc::CPU_EQUAL(&current, &wanted) }) {
                continue;
            }
            // SAFETY: `native` is a live thread (helpers never exit).
            let set = unsafe {
                libc::pthread_setaffinity_np(helper.native, size_of::<libc::cpu_set_t>(), &wanted)
            };
            // On failure (e.g. a restricted container) the helper keeps its CPUs.
            if set == 0 {
                *allowed = Some(wanted);
            }
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod affinity {
    use super::Helper;
    use std::sync::Arc;

    /// Without an affinity call, helpers run where the OS places them.
    pub(super) fn keep_off_this_cpu(_helpers: &[Arc<Helper>]) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_run_at_once_on_their_own_threads_and_results_come_back_in_order() {
        // Each part waits until all four have started: only parts running at the same
        // time, each on its own thread, all see four.
        let started = AtomicUsize::new(0);
        let results = on_threads((0..4).collect(), |i: u32| {
            started.fetch_add(1, Ordering::SeqCst);
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
            while started.load(Ordering::SeqCst) < 4 && std::time::Instant::now() < deadline {
                std::thread::yield_now();
            }
            (
                i * 10,
                started.load(Ordering::SeqCst),
                std::thread::current().id(),
            )
        });
        assert_eq!(
            results.iter().map(|r| r.0).collect::<Vec<_>>(),
            [0, 10, 20, 30]
        );
        assert!(
            results.iter().all(|r| r.1 == 4),
            "parts ran one after another"
        );
        assert_eq!(results[0].2, std::thread::current().id());
        let mut threads: Vec<_> = results.iter().map(|r| format!("{:?}", r.2)).collect();
        threads.sort();
        threads.dedup();
        assert_eq!(threads.len(), 4);
    }

    #[test]
    fn helpers_are_kept_between_calls() {
        // Tests running meanwhile may borrow helpers too, but fifty calls in a row do not
        // each meet a new thread unless helpers are spawned per call.
        let mut helpers: Vec<_> = (0..50)
            .map(|_| {
                let ids = on_threads(vec![(), ()], |()| std::thread::current().id());
                assert_ne!(ids[1], ids[0], "the second part runs on a helper");
                format!("{:?}", ids[1])
            })
            .collect();
        helpers.sort();
        helpers.dedup();
        assert!(
            helpers.len() <= 25,
            "{} helpers for 50 calls",
            helpers.len()
        );
        let name = on_threads(vec![(), ()], |()| {
            std::thread::current().name().map(str::to_owned)
        });
        assert_eq!(name[1].as_deref(), Some("keyway-worker"));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_helper_may_run_on_every_cpu_of_the_callers_but_the_callers_own() {
        fn allowed() -> libc::cpu_set_t {
            // SAFETY: a zeroed, correctly sized CPU set for this thread.
            unsafe {
                let mut set: libc::cpu_set_t = std::mem::zeroed();
                assert_eq!(
                    libc::sched_getaffinity(0, size_of::<libc::cpu_set_t>(), &mut set),
                    0
                );
                set
            }
        }
        // SAFETY (both): reading an initialized CPU set.
        let count = |set: &libc::cpu_set_t| unsafe { libc::CPU_COUNT(set) };
        let has = |set: &libc::cpu_set_t, cpu: usize| unsafe { libc::CPU_ISSET(cpu, set) };
        let callers = allowed();
        if count(&callers) < 2 {
            return;
        }
        let sets = on_threads(vec![(), ()], |()| allowed());
        assert_eq!(count(&sets[1]), count(&callers) - 1);
        assert!(
            (0..libc::CPU_SETSIZE as usize).all(|cpu| !has(&sets[1], cpu) || has(&callers, cpu))
        );
        // Three threads on a 2-CPU machine: the helpers may use every CPU.
        if count(&callers) == 2 {
            let sets = on_threads(vec![(), (), ()], |()| allowed());
            assert_eq!(count(&sets[1]), 2);
            assert_eq!(count(&sets[2]), 2);
        }
    }

    /// Runs `parts` parts, of which part `failing` panics and the others sleep 20 ms:
    /// the panic's message and how many other parts had finished when it reached here.
    fn panic_in_part(parts: usize, failing: usize) -> (String, usize) {
        let finished = AtomicUsize::new(0);
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            on_threads((0..parts).collect(), |i: usize| {
                if i == failing {
                    panic!("part {i} failed");
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
                finished.fetch_add(1, Ordering::SeqCst);
            })
        }));
        let payload = outcome.expect_err("the panic is re-raised");
        let message = payload
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_default();
        (message, finished.load(Ordering::SeqCst))
    }

    #[test]
    fn a_helpers_panic_reaches_the_caller_after_every_part_finished() {
        assert_eq!(panic_in_part(3, 2), ("part 2 failed".to_owned(), 2));
        // The pool still works.
        assert_eq!(on_threads(vec![1, 2], |x: i32| x + 1), [2, 3]);
    }

    #[test]
    fn a_callers_panic_still_waits_for_the_helpers() {
        // The helpers' parts borrow the count: they ran to the end before the unwind
        // went on.
        assert_eq!(panic_in_part(3, 0), ("part 0 failed".to_owned(), 2));
    }
}

//! Work spread over the machine's cores: the one place that asks how many there are, and a
//! parallel `map` for lists of independent jobs (rule files to compile, drafts to lint).
//!
//! The work runs on helper threads kept for the whole process (`Pool`), not on threads started
//! for each step: a run goes through several parallel steps a millisecond or two apart
//! (start-up, a long draft's pieces, its findings, the copy of its lists), and on a busy virtual
//! machine a fresh thread often started a millisecond or more late. A parked helper can be as
//! late (its core asleep too), so a helper between jobs, and a caller waiting for its helpers,
//! first wait awake for a moment (`SPIN`).

use std::any::Any;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

/// How many cores this process may use (its CPU quota, where one is set). Asked once: on Linux
/// the answer comes from reading cgroup files.
pub fn cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// `items.iter().map(f).collect()`, with the items shared out one at a time between this thread
/// and up to `cores() - 1` others (never more threads than items), so a slow item does not hold
/// up the rest. Results are in the items' order. A panic in `f` is raised again here.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let order: Vec<usize> = (0..items.len()).collect();
    map_in(items, &order, f)
}

/// `map`, with the items taken costliest first by `cost` (an estimate, in any unit): a long job
/// taken last would leave the other threads idle while it runs. Results are still in the items'
/// order; `cost` only decides who starts when.
pub fn map_costliest_first<T: Sync, R: Send>(
    items: &[T],
    cost: impl Fn(&T) -> usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let mut order: Vec<usize> = (0..items.len()).collect();
    // Each cost once: a cost can read its whole item (a rule file's text), and a sort compares
    // each item several times.
    order.sort_by_cached_key(|&i| std::cmp::Reverse(cost(&items[i])));
    map_in(items, &order, f)
}

/// `map`, taking the items in `order` (a permutation of their indices).
fn map_in<T: Sync, R: Send>(items: &[T], order: &[usize], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = cores().min(items.len());
    map_with(items, order, threads, || (), |(), item| f(item), |()| {})
}

/// The queue behind every `map`: `threads` workers (this thread and `threads - 1` others, never
/// more than items) take items in `order` (a permutation of their indices) one at a time. Each
/// worker makes its own state with `start`, passes it to `f` for every item it takes, and hands
/// it to `finish` once no item is left (a worker that finishes early can take on other work
/// there). Results are in the items' order; a panic on any thread is raised again here.
pub fn map_with<T: Sync, S, R: Send>(
    items: &[T],
    order: &[usize],
    threads: usize,
    start: impl Fn() -> S + Sync,
    f: impl Fn(&mut S, &T) -> R + Sync,
    finish: impl Fn(S) + Sync,
) -> Vec<R> {
    debug_assert_eq!(order.len(), items.len());
    let next = AtomicUsize::new(0);
    let work = || {
        let mut state = start();
        let mut done = Vec::new();
        while let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
            done.push((i, f(&mut state, &items[i])));
        }
        finish(state);
        done
    };
    let mut slots: Vec<Option<R>> = (0..items.len()).map(|_| None).collect();
    let threads = threads.clamp(1, items.len().max(1));
    let results = Mutex::new(Vec::with_capacity(threads));
    broadcast(threads, &|| {
        let done = work();
        lock(&results).push(done);
    });
    for (i, r) in results
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner)
        .into_iter()
        .flatten()
    {
        slots[i] = Some(r);
    }
    slots
        .into_iter()
        .map(|r| r.expect("every item is taken by one thread"))
        .collect()
}

/// Run `job` on this thread and on up to `threads - 1` others at once, and return when every
/// run has returned. `job` is meant to take its work from a shared queue: a helper that comes
/// late (or not at all, when the pool is busy with another caller's job) leaves more for the
/// others, so the job must be correct however many threads run it, one included. A panic in any
/// run is raised again here, once all have returned.
pub fn broadcast(threads: usize, job: &(dyn Fn() + Sync)) {
    let wanted = threads.saturating_sub(1);
    if wanted == 0 {
        job();
        return;
    }
    match Pool::get().and_then(|pool| pool.try_broadcast(threads, job)) {
        Some(()) => {}
        // The pool is lent out (a job that itself runs a parallel step, or another caller):
        // threads of our own, for this step only.
        None => std::thread::scope(|scope| {
            let others: Vec<_> = (0..wanted).map(|_| scope.spawn(job)).collect();
            let mine = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
            for other in others {
                if let Err(panic) = other.join() {
                    std::panic::resume_unwind(panic);
                }
            }
            if let Err(panic) = mine {
                std::panic::resume_unwind(panic);
            }
        }),
    }
}

/// Start the helper threads now, ahead of the first parallel step, so they are up by then.
pub fn warm_up() {
    let _ = Pool::get();
}

/// Run `f` beside the caller, on a helper of the pool (which then joins parallel steps once it
/// is done), or on a thread of its own when there is no pool. For work that would otherwise
/// need a thread started for it, such as reading the named files while the rules compile: a
/// helper is already up and awake.
pub fn errand<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Errand<T> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    let run = move || {
        let _ = tx.send(f());
    };
    match Pool::get() {
        Some(pool) => {
            let mut state = lock(&pool.state);
            state.errands.push(Box::new(run));
            pool.errands.store(state.errands.len(), Ordering::Release);
            drop(state);
            pool.wake.notify_all();
        }
        None => {
            // A thread that cannot start drops `run`, and the sender with it: `wait` gets `None`.
            let _ = std::thread::Builder::new()
                .name("exlint-errand".into())
                .spawn(run);
        }
    }
    Errand { result: rx }
}

/// The result of an `errand`, to wait for.
pub struct Errand<T> {
    result: std::sync::mpsc::Receiver<T>,
}

impl<T> Errand<T> {
    /// Wait for the errand to finish: its result, or `None` if it panicked (or could not start).
    pub fn wait(self) -> Option<T> {
        self.result.recv().ok()
    }
}

/// The process's helper threads, `cores() - 1` of them, lent to one caller at a time.
struct Pool {
    helpers: usize,
    /// Held by the caller the pool is lent to, for the whole job.
    lent: Mutex<()>,
    state: Mutex<Lending>,
    /// Helpers wait here for a job.
    wake: Condvar,
    /// The lender waits here for the helpers running its job.
    done: Condvar,
    /// `Lending::generation` and `Lending::running`, copied out for waiting without the lock
    /// (`spin_while`); the values under the lock are the ones decided on.
    posted: AtomicU64,
    busy: AtomicUsize,
    /// `Lending::errands.len()`, copied out the same way.
    errands: AtomicUsize,
}

/// How long a thread that waits for another keeps its core busy before it sleeps. A run's
/// parallel steps come a fraction of a millisecond apart (start-up's jobs, a long draft's
/// pieces, its findings), and on a virtual machine a sleeping thread's core often took 0.2–2.6
/// ms to wake when the next step was handed out (a 1 MB draft's second thread started its
/// first piece that late in four runs of an instrumented build): the waker did the work alone
/// meanwhile. On a shared machine the gaps themselves stretch: 5 ms beat 2 ms (1 MB corpus
/// 17.01 → 16.55 and 17.23 → 17.06 ms, 300-byte draft 4.00 → 3.74 ms, medians of 100–150
/// interleaved runs). A long-lived caller (the language server) pays at most this much of one
/// core after a parallel step, and only a long draft's lint takes one.
const SPIN: Duration = Duration::from_millis(5);

/// Wait while `waiting()` holds, for up to `SPIN`, without sleeping (but letting other threads
/// have the core now and then). The caller checks again under the lock and sleeps if need be.
fn spin_while(waiting: impl Fn() -> bool) {
    let since = Instant::now();
    while since.elapsed() < SPIN {
        for _ in 0..64 {
            if !waiting() {
                return;
            }
            std::hint::spin_loop();
        }
        std::thread::yield_now();
    }
}

/// The job on offer and who is running it.
struct Lending {
    generation: u64,
    /// The job, valid while `Pool::run` has not returned (it waits for every run to end).
    job: Option<&'static (dyn Fn() + Sync)>,
    /// How many more helpers may start it.
    open: usize,
    /// How many helpers are running it.
    running: usize,
    /// The first panic of a helper's run.
    panic: Option<Box<dyn Any + Send>>,
    /// Errands (`errand`) no helper has taken yet.
    errands: Vec<Box<dyn FnOnce() + Send>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // No code holding these locks can panic (a job runs with none held), so a poisoned lock
    // holds a consistent value.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Pool {
    /// The process's pool, its helpers started on first use; `None` on one core, or when a
    /// thread cannot be started (each parallel step then starts threads of its own).
    fn get() -> Option<&'static Pool> {
        static POOL: OnceLock<Option<&'static Pool>> = OnceLock::new();
        *POOL.get_or_init(|| Pool::start(cores().saturating_sub(1)))
    }

    /// A pool of `helpers` threads, kept until the process ends; `None` when there are none.
    fn start(helpers: usize) -> Option<&'static Pool> {
        if helpers == 0 {
            return None;
        }
        let pool = Pool::new(helpers);
        let mut started = 0;
        for n in 0..helpers {
            let placement = std::sync::Arc::new(Placement::new());
            let theirs = placement.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("exlint-{}", n + 1))
                .spawn(move || {
                    theirs.started();
                    pool.help()
                });
            if let Ok(handle) = &spawned {
                placement.move_off_this_core(handle);
            }
            started += usize::from(spawned.is_ok());
        }
        (started == helpers).then_some(pool)
    }

    /// A pool for `helpers` threads, none started yet.
    fn new(helpers: usize) -> &'static Pool {
        Box::leak(Box::new(Pool {
            helpers,
            lent: Mutex::new(()),
            state: Mutex::new(Lending {
                generation: 0,
                job: None,
                open: 0,
                running: 0,
                panic: None,
                errands: Vec::new(),
            }),
            wake: Condvar::new(),
            done: Condvar::new(),
            posted: AtomicU64::new(0),
            busy: AtomicUsize::new(0),
            errands: AtomicUsize::new(0),
        }))
    }

    /// `broadcast` on this pool: put `job` up for the helpers, run it here too, then wait for
    /// the helpers that took it. `None` (and `job` not run) when the pool is lent to another
    /// caller already: one job at a time.
    fn try_broadcast(&self, threads: usize, job: &(dyn Fn() + Sync)) -> Option<()> {
        let lent = match self.lent.try_lock() {
            Ok(guard) => guard,
            Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => return None,
        };
        // SAFETY: only the lifetime is changed. The job is withdrawn below (`open = 0`, `job =
        // None`) before this returns or unwinds past the wait, and the wait lasts until
        // no helper is running it; a helper only calls it after taking it from `state` while
        // `open > 0`. So no call to `job` outlives this call.
        let job_static: &'static (dyn Fn() + Sync) =
            unsafe { std::mem::transmute::<&(dyn Fn() + Sync), &'static (dyn Fn() + Sync)>(job) };
        {
            let mut state = lock(&self.state);
            state.generation += 1;
            state.job = Some(job_static);
            state.open = threads.saturating_sub(1).min(self.helpers);
            self.posted.store(state.generation, Ordering::Release);
        }
        self.wake.notify_all();
        let mine = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
        let theirs = {
            let mut state = lock(&self.state);
            // A helper that has not started by now would find the work taken: it need not start.
            state.open = 0;
            if state.running > 0 {
                // The helpers are about done too (they take from the same queue): wait awake.
                drop(state);
                spin_while(|| self.busy.load(Ordering::Acquire) > 0);
                state = lock(&self.state);
            }
            while state.running > 0 {
                state = self
                    .done
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            state.job = None;
            state.panic.take()
        };
        // Free for the next caller before any panic is raised again (a guard dropped while
        // unwinding would poison the lock).
        drop(lent);
        if let Some(panic) = theirs {
            std::panic::resume_unwind(panic);
        }
        if let Err(panic) = mine {
            std::panic::resume_unwind(panic);
        }
        Some(())
    }

    /// A helper's life: wait for a job, run it, and again.
    fn help(&self) {
        let mut seen = 0;
        loop {
            // The next job is likely a moment away: wait awake first.
            spin_while(|| {
                self.posted.load(Ordering::Acquire) == seen
                    && self.errands.load(Ordering::Acquire) == 0
            });
            let job = {
                let mut state = lock(&self.state);
                while state.generation == seen && state.errands.is_empty() {
                    state = self
                        .wake
                        .wait(state)
                        .unwrap_or_else(PoisonError::into_inner);
                }
                if let Some(errand) = state.errands.pop() {
                    self.errands.store(state.errands.len(), Ordering::Release);
                    drop(state);
                    // Its panic reaches the caller as a dropped result (`Errand::wait`).
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(errand));
                    continue;
                }
                seen = state.generation;
                if state.open == 0 {
                    continue;
                }
                state.open -= 1;
                state.running += 1;
                self.busy.store(state.running, Ordering::Release);
                state.job
            };
            let result = match job {
                Some(job) => std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)),
                None => Ok(()),
            };
            let mut state = lock(&self.state);
            if let Err(panic) = result {
                state.panic.get_or_insert(panic);
            }
            state.running -= 1;
            self.busy.store(state.running, Ordering::Release);
            if state.running == 0 {
                self.done.notify_all();
            }
        }
    }
}

/// Where a new helper first runs. Linux queues a new thread on its parent's core, and on a
/// virtual machine an idle core can take milliseconds to take it over: a test program that
/// started a thread and kept its own core busy for 3 ms saw the thread start after 60-100 us
/// in 18 of 30 runs and after 0.3-3.1 ms in the rest (in 8, only once the parent let go of its
/// core). So the parent moves the new thread off its own core at once (its allowed cores
/// without this one), and the thread, once running, allows itself every core again. Whichever
/// of the two comes first decides, under a lock: a thread that has started is not moved.
#[cfg(target_os = "linux")]
struct Placement {
    /// (the thread has started, the parent has moved it)
    state: Mutex<(bool, bool)>,
    /// The cores the process may use, as the thread is allowed again once it runs.
    allowed: Option<libc::cpu_set_t>,
}

#[cfg(target_os = "linux")]
impl Placement {
    fn new() -> Placement {
        // SAFETY: a zeroed `cpu_set_t` is an empty set; `sched_getaffinity` writes at most its
        // size into it.
        let allowed = unsafe {
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            (libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) == 0)
                .then_some(set)
        };
        Placement {
            state: Mutex::new((false, false)),
            allowed,
        }
    }

    /// In the parent, just after the spawn: move the new thread to another allowed core, unless
    /// it has started already (or this is the only core allowed).
    fn move_off_this_core<T>(&self, handle: &std::thread::JoinHandle<T>) {
        use std::os::unix::thread::JoinHandleExt;
        let Some(mut others) = self.allowed else {
            return;
        };
        let mut state = lock(&self.state);
        if state.0 {
            return;
        }
        // SAFETY: `sched_getcpu` has no preconditions; the set is a valid `cpu_set_t` and the
        // index is checked against its size; the pthread is alive (helpers never return).
        unsafe {
            let Ok(here) = usize::try_from(libc::sched_getcpu()) else {
                return;
            };
            if here >= libc::CPU_SETSIZE as usize {
                return;
            }
            libc::CPU_CLR(here, &mut others);
            if libc::CPU_COUNT(&others) == 0 {
                return;
            }
            let size = std::mem::size_of::<libc::cpu_set_t>();
            state.1 = libc::pthread_setaffinity_np(handle.as_pthread_t(), size, &others) == 0;
        }
    }

    /// In the new thread, first thing: allow every core again if the parent narrowed them.
    fn started(&self) {
        let mut state = lock(&self.state);
        state.0 = true;
        if let (true, Some(allowed)) = (state.1, &self.allowed) {
            // SAFETY: a valid `cpu_set_t` of the size passed; 0 is this thread.
            unsafe {
                libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), allowed);
            }
        }
    }
}

/// Elsewhere a new thread runs where the system puts it.
#[cfg(not(target_os = "linux"))]
struct Placement;

#[cfg(not(target_os = "linux"))]
impl Placement {
    fn new() -> Placement {
        Placement
    }

    fn move_off_this_core<T>(&self, _: &std::thread::JoinHandle<T>) {}

    fn started(&self) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn results_keep_the_items_order() {
        for n in [0, 1, 2, 3, 17, 200] {
            let items: Vec<usize> = (0..n).collect();
            let squares = map(&items, |&i| {
                // Uneven work, so threads finish items out of order.
                if i % 7 == 0 {
                    std::thread::yield_now();
                }
                i * i
            });
            assert_eq!(squares, items.iter().map(|i| i * i).collect::<Vec<_>>());
        }
    }

    #[test]
    fn costliest_first_keeps_the_items_order() {
        let items: Vec<usize> = (0..50).collect();
        let out = map_costliest_first(&items, |&i| (i * 37) % 11, |&i| i + 1);
        assert_eq!(out, (1..51).collect::<Vec<_>>());
    }

    /// A cost can be dear to work out (a rule file's cost reads its whole text), so it is
    /// asked once per item, not at every comparison of the sort.
    #[test]
    fn each_cost_is_asked_once() {
        let asked = AtomicUsize::new(0);
        let items: Vec<usize> = (0..64).collect();
        let cost = |&i: &usize| {
            asked.fetch_add(1, Ordering::Relaxed);
            (i * 37) % 11
        };
        let out = map_costliest_first(&items, cost, |&i| i);
        assert_eq!(out, items);
        assert_eq!(asked.load(Ordering::Relaxed), items.len());
    }

    #[test]
    fn each_item_is_done_once() {
        let calls = AtomicUsize::new(0);
        let items: Vec<u32> = (0..100).collect();
        let out = map(&items, |&i| {
            calls.fetch_add(1, Ordering::Relaxed);
            i
        });
        assert_eq!(out.len(), 100);
        assert_eq!(calls.load(Ordering::Relaxed), 100);
    }

    /// Wait until `count` reaches `n` (or give up after a while, so a broken pool fails the
    /// test instead of hanging it).
    fn wait_for(count: &AtomicUsize, n: usize) -> bool {
        let since = Instant::now();
        while count.load(Ordering::SeqCst) < n {
            if since.elapsed() > Duration::from_secs(20) {
                return false;
            }
            std::thread::yield_now();
        }
        true
    }

    /// A pool's helper runs the job alongside the caller: both are inside it at once.
    #[test]
    fn a_pool_runs_the_job_on_its_helpers_too() {
        let pool = Pool::start(2).expect("threads start");
        for _ in 0..50 {
            let inside = AtomicUsize::new(0);
            let met = AtomicUsize::new(0);
            let ran = pool.try_broadcast(3, &|| {
                inside.fetch_add(1, Ordering::SeqCst);
                if wait_for(&inside, 3) {
                    met.fetch_add(1, Ordering::SeqCst);
                }
            });
            assert_eq!(ran, Some(()));
            assert_eq!(met.load(Ordering::SeqCst), 3, "three threads at once");
        }
    }

    /// The caller does not wait for a helper that has not started when its own run is over:
    /// it withdraws the job, and a helper that comes later never runs it.
    #[test]
    fn a_late_helper_is_not_waited_for() {
        let pool = Pool::new(1);
        let runs = AtomicUsize::new(0);
        // No helper thread yet: the caller runs the job alone and returns.
        let ran = pool.try_broadcast(2, &|| {
            runs.fetch_add(1, Ordering::SeqCst);
        });
        assert_eq!((ran, runs.load(Ordering::SeqCst)), (Some(()), 1));
        // The helper comes up late: it finds the job withdrawn, and takes the next one.
        std::thread::spawn(move || pool.help());
        let met = AtomicUsize::new(0);
        pool.try_broadcast(2, &|| {
            met.fetch_add(1, Ordering::SeqCst);
            wait_for(&met, 2);
        })
        .expect("the pool is free");
        assert_eq!(runs.load(Ordering::SeqCst), 1, "the old job ran again");
        assert_eq!(met.into_inner(), 2);
    }

    /// Only one caller at a time has the pool; others are told so (and `broadcast` then starts
    /// threads of its own), so a job that runs a parallel step of its own cannot deadlock.
    #[test]
    fn a_lent_pool_refuses_a_second_caller() {
        let pool = Pool::start(1).expect("threads start");
        let (outer, inner) = (AtomicUsize::new(0), AtomicUsize::new(0));
        pool.try_broadcast(2, &|| {
            outer.fetch_add(1, Ordering::SeqCst);
            assert_eq!(pool.try_broadcast(2, &|| {}), None);
            // The public entry point still does the work (on the process's pool, or on threads
            // of its own when another run has that).
            broadcast(2, &|| {
                inner.fetch_add(1, Ordering::SeqCst);
            });
        })
        .expect("the pool is free");
        let (outer, inner) = (outer.into_inner(), inner.into_inner());
        assert!(
            (1..=2).contains(&outer) && inner >= outer,
            "{outer} {inner}"
        );
        // Free again once the job is over.
        assert_eq!(pool.try_broadcast(2, &|| {}), Some(()));
    }

    /// Nested parallel maps (a job that maps again) finish with every result in place.
    #[test]
    fn nested_maps_finish() {
        let outer: Vec<usize> = (0..8).collect();
        let sums = map(&outer, |&i| {
            let inner: Vec<usize> = (0..100).map(|j| i * 100 + j).collect();
            map(&inner, |&x| x).iter().sum::<usize>()
        });
        let expected: Vec<usize> = (0..8)
            .map(|i| (0..100).map(|j| i * 100 + j).sum())
            .collect();
        assert_eq!(sums, expected);
    }

    /// A panic on a helper reaches the caller, after every run has ended, and the pool works
    /// on afterwards.
    #[test]
    fn a_helpers_panic_reaches_the_caller_and_the_pool_goes_on() {
        let pool = Pool::start(1).expect("threads start");
        let caller = std::thread::current().id();
        let entered = AtomicUsize::new(0);
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            pool.try_broadcast(2, &|| {
                entered.fetch_add(1, Ordering::SeqCst);
                // Both runs meet, so the helper's run is certain to happen.
                wait_for(&entered, 2);
                if std::thread::current().id() != caller {
                    panic!("from the helper");
                }
            })
        }));
        let panic = caught.expect_err("the helper's panic is raised again");
        assert_eq!(panic.downcast_ref::<&str>(), Some(&"from the helper"));
        let runs = AtomicUsize::new(0);
        pool.try_broadcast(2, &|| {
            runs.fetch_add(1, Ordering::SeqCst);
            wait_for(&runs, 2);
        })
        .expect("the pool is free");
        assert_eq!(runs.into_inner(), 2);
    }

    /// Many callers on many threads share the process's pool (or fall back to threads of their
    /// own) and each gets its own results.
    #[test]
    fn callers_on_several_threads_each_get_their_results() {
        std::thread::scope(|s| {
            for t in 0..4usize {
                s.spawn(move || {
                    for round in 0..50usize {
                        let items: Vec<usize> = (0..37).collect();
                        let out = map(&items, |&i| i * t + round);
                        let expected: Vec<usize> = items.iter().map(|&i| i * t + round).collect();
                        assert_eq!(out, expected);
                    }
                });
            }
        });
    }

    #[test]
    #[should_panic(expected = "item 5")]
    fn a_panic_in_a_job_is_raised_again() {
        let items: Vec<u32> = (0..10).collect();
        map(&items, |&i| {
            assert!(i != 5, "item 5");
            i
        });
    }

    #[test]
    fn an_errand_returns_its_result() {
        let sum = errand(|| (1..=10).sum::<u32>());
        assert_eq!(sum.wait(), Some(55));
    }

    #[test]
    fn an_errand_that_panics_returns_none_and_the_pool_goes_on() {
        let panicked = errand(|| -> u32 { panic!("errand") });
        assert_eq!(panicked.wait(), None);
        // The helper that ran it still takes errands and jobs.
        assert_eq!(errand(|| 7).wait(), Some(7));
        let items: Vec<u32> = (0..20).collect();
        assert_eq!(map(&items, |&i| i + 1), (1..21).collect::<Vec<_>>());
    }

    /// Errands run beside the caller: one that waits for the caller's signal finishes.
    #[test]
    fn an_errand_runs_while_the_caller_works() {
        let (tx, rx) = std::sync::mpsc::channel::<u32>();
        let waiting = errand(move || rx.recv_timeout(Duration::from_secs(20)).ok());
        tx.send(3).expect("the errand is waiting");
        assert_eq!(waiting.wait(), Some(Some(3)));
    }

    /// A helper moved off its parent's core at its start (`Placement`) is allowed every core
    /// again once it runs.
    #[test]
    #[cfg(target_os = "linux")]
    fn a_new_helper_may_use_every_core_once_started() {
        fn allowed() -> i32 {
            // SAFETY: as in `Placement::new`.
            unsafe {
                let mut set: libc::cpu_set_t = std::mem::zeroed();
                libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set);
                libc::CPU_COUNT(&set)
            }
        }
        let all = allowed();
        let placement = std::sync::Arc::new(Placement::new());
        let theirs = placement.clone();
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let handle = std::thread::spawn(move || {
            // Started only once the parent has moved it (or not, on one core).
            rx.recv().expect("the parent's go");
            theirs.started();
            allowed()
        });
        placement.move_off_this_core(&handle);
        tx.send(()).expect("the thread is waiting");
        assert_eq!(handle.join().expect("the thread"), all);
    }
}

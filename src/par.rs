//! Work spread over the machine's cores: the one place that asks how many there are, and a
//! parallel `map` for lists of independent jobs (rule files to compile, drafts to lint).

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

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
    let mut place = |done: Vec<(usize, R)>| {
        for (i, r) in done {
            slots[i] = Some(r);
        }
    };
    let threads = threads.clamp(1, items.len().max(1));
    if threads == 1 {
        place(work());
    } else {
        std::thread::scope(|scope| {
            let helpers: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
            place(work());
            for helper in helpers {
                place(
                    helper
                        .join()
                        .unwrap_or_else(|e| std::panic::resume_unwind(e)),
                );
            }
        });
    }
    slots
        .into_iter()
        .map(|r| r.expect("every item is taken by one thread"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    #[should_panic(expected = "item 5")]
    fn a_panic_in_a_job_is_raised_again() {
        let items: Vec<u32> = (0..10).collect();
        map(&items, |&i| {
            assert!(i != 5, "item 5");
            i
        });
    }
}

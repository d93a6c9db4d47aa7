//! One request in flight per key: the first caller for a key runs the work, callers that come
//! while it runs wait for its result instead of starting their own (msal-browser does the same
//! for token refreshes). Pure: no browser, no clock; the page's single thread is assumed.
//!
//! Owns only the bookkeeping of who waits for what; it must not know what the work is.

use std::cell::RefCell;
use std::future::Future;

use futures::channel::oneshot;

/// The calls in flight, by key, each with the callers waiting for its result.
pub struct SingleFlight<K, V> {
    inflight: RefCell<Vec<(K, Vec<oneshot::Sender<V>>)>>,
}

impl<K, V> Default for SingleFlight<K, V> {
    fn default() -> Self {
        SingleFlight {
            inflight: RefCell::new(Vec::new()),
        }
    }
}

impl<K: PartialEq + Clone, V: Clone> SingleFlight<K, V> {
    /// Runs `work` for `key` unless a call for `key` is already running, in which case its
    /// result is awaited and returned instead (and `work` is never started).
    pub async fn run<F, Fut>(&self, key: &K, work: F) -> V
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = V>,
    {
        loop {
            let waiting = {
                let mut inflight = self.inflight.borrow_mut();
                match inflight.iter_mut().find(|(k, _)| k == key) {
                    Some((_, waiters)) => {
                        let (sender, receiver) = oneshot::channel();
                        waiters.push(sender);
                        Some(receiver)
                    }
                    None => {
                        inflight.push((key.clone(), Vec::new()));
                        None
                    }
                }
            };
            match waiting {
                Some(receiver) => match receiver.await {
                    Ok(value) => return value,
                    // The call it waited for was abandoned: run (or wait) again.
                    Err(oneshot::Canceled) => continue,
                },
                None => {
                    let guard = Leader { flights: self, key };
                    let value = work().await;
                    for waiter in guard.finish() {
                        let _ = waiter.send(value.clone());
                    }
                    return value;
                }
            }
        }
    }

    /// Takes `key`'s entry out, with its waiters.
    fn remove(&self, key: &K) -> Vec<oneshot::Sender<V>> {
        let mut inflight = self.inflight.borrow_mut();
        match inflight.iter().position(|(k, _)| k == key) {
            Some(index) => inflight.swap_remove(index).1,
            None => Vec::new(),
        }
    }
}

/// The running call's entry: removed when the call ends, or when it is abandoned (dropped
/// before it ends), in which case its waiters hear `Canceled` and try again themselves.
struct Leader<'a, K: PartialEq + Clone, V: Clone> {
    flights: &'a SingleFlight<K, V>,
    key: &'a K,
}

impl<K: PartialEq + Clone, V: Clone> Leader<'_, K, V> {
    fn finish(self) -> Vec<oneshot::Sender<V>> {
        let waiters = self.flights.remove(self.key);
        std::mem::forget(self);
        waiters
    }
}

impl<K: PartialEq + Clone, V: Clone> Drop for Leader<'_, K, V> {
    fn drop(&mut self) {
        drop(self.flights.remove(self.key));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::future::join_all;
    use std::cell::Cell;
    use std::task::Poll;

    /// Gives every other branch of a `join!` one turn.
    async fn yield_now() {
        let mut yielded = false;
        futures::future::poll_fn(|cx| {
            if yielded {
                Poll::Ready(())
            } else {
                yielded = true;
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        })
        .await
    }

    #[test]
    fn concurrent_refreshes_of_one_resource_share_one_request() {
        let flights = SingleFlight::<&str, u32>::default();
        let started = Cell::new(0);
        let (release, released) = futures::channel::oneshot::channel::<()>();
        let released = futures::future::FutureExt::shared(released);
        let call = |key: &'static str| {
            let released = released.clone();
            let started = &started;
            let flights = &flights;
            async move {
                flights
                    .run(&key, || async move {
                        started.set(started.get() + 1);
                        let _ = released.await;
                        started.get()
                    })
                    .await
            }
        };
        let all = join_all([call("graph"), call("graph"), call("graph"), call("sp")]);
        let results = futures::executor::block_on(async {
            let (results, ()) = futures::join!(all, async {
                // Let every caller start before the first request answers.
                yield_now().await;
                let _ = release.send(());
            });
            results
        });
        assert_eq!(started.get(), 2, "one request per resource");
        assert_eq!(results[0], results[1]);
        assert_eq!(results[1], results[2]);
    }

    #[test]
    fn a_later_call_after_the_first_finished_runs_again() {
        let flights = SingleFlight::<&str, u32>::default();
        let runs = Cell::new(0);
        for _ in 0..2 {
            futures::executor::block_on(flights.run(&"graph", || async {
                runs.set(runs.get() + 1);
                runs.get()
            }));
        }
        assert_eq!(runs.get(), 2);
    }

    #[test]
    fn waiters_run_the_work_themselves_when_the_first_call_is_abandoned() {
        let flights = SingleFlight::<&str, u32>::default();
        let runs = Cell::new(0);
        futures::executor::block_on(async {
            let first = flights.run(&"graph", || async {
                runs.set(runs.get() + 1);
                futures::future::pending::<u32>().await
            });
            let mut first = Box::pin(first);
            // Start the first call, then abandon it while a second waits.
            assert!(futures::poll!(first.as_mut()).is_pending());
            let second = flights.run(&"graph", || async {
                runs.set(runs.get() + 1);
                7
            });
            let mut second = Box::pin(second);
            let result = match futures::poll!(second.as_mut()) {
                Poll::Ready(value) => value,
                Poll::Pending => {
                    drop(first);
                    second.await
                }
            };
            assert_eq!(result, 7);
        });
        assert_eq!(runs.get(), 2);
    }
}

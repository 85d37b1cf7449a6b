//! Panic containment: every exported function runs its body through one of these, so no Rust
//! panic ever unwinds into Bun, and every async request is answered even if its future panics.

use crate::{
    channel::{Completion, CompletionChannel, Delivery},
    error::{set_last_error, BridgeError, BridgeResult, ErrorCode},
};
use futures::FutureExt;
use std::{
    any::Any,
    future::Future,
    panic::{catch_unwind, AssertUnwindSafe},
    sync::Arc,
};

fn panic_error(payload: Box<dyn Any + Send>) -> BridgeError {
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned());
    BridgeError::new(
        ErrorCode::Panic,
        format!("the native bridge panicked: {message}"),
    )
}

/// Runs a status-returning export: 0 on success, the error code (with the last error set) on
/// failure or panic.
pub fn status(body: impl FnOnce() -> BridgeResult<()>) -> i32 {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => 0,
        Ok(Err(error)) => set_last_error(error),
        Err(payload) => set_last_error(panic_error(payload)),
    }
}

/// Runs a constructor export: the handle on success, 0 (with the last error set) otherwise.
pub fn handle(body: impl FnOnce() -> BridgeResult<u64>) -> u64 {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(handle)) => handle,
        Ok(Err(error)) => {
            set_last_error(error);
            0
        }
        Err(payload) => {
            set_last_error(panic_error(payload));
            0
        }
    }
}

/// Runs an export that returns a count, or `-code` on failure.
pub fn count(body: impl FnOnce() -> BridgeResult<usize>) -> i32 {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(n)) => n as i32,
        Ok(Err(error)) => -set_last_error(error),
        Err(payload) => -set_last_error(panic_error(payload)),
    }
}

/// Spawns the future answering `request_id` on `runtime`; its result (or its panic) is pushed to
/// `channel` exactly once, promptly.
pub fn spawn_request<F>(
    runtime: &tokio::runtime::Handle,
    channel: Arc<CompletionChannel>,
    request_id: u64,
    future: F,
) where
    F: Future<Output = BridgeResult<Completion>> + Send + 'static,
{
    spawn_request_with(runtime, channel, request_id, Delivery::Prompt, future);
}

/// [`spawn_request`] with a chosen [`Delivery`]. A [`Delivery::Waking`] request is counted as
/// outstanding from here until its result is pushed.
pub fn spawn_request_with<F>(
    runtime: &tokio::runtime::Handle,
    channel: Arc<CompletionChannel>,
    request_id: u64,
    delivery: Delivery,
    future: F,
) where
    F: Future<Output = BridgeResult<Completion>> + Send + 'static,
{
    if delivery == Delivery::Waking {
        channel.begin_waking();
    }
    runtime.spawn(async move {
        let result = AssertUnwindSafe(future)
            .catch_unwind()
            .await
            .unwrap_or_else(|payload| Err(panic_error(payload)));
        channel.push_result(request_id, result, delivery);
    });
}

/// Spawns a stream answering `request_id` on `runtime`: `next()` is awaited again and again, each
/// success is pushed as an entry for `request_id` (waking the host), and the first error (or
/// panic) is pushed as the stream's last entry. The stream counts as a waking request until then.
/// `next` (and what it holds, such as the worker) is dropped before that last push.
pub fn spawn_stream<F, Fut>(
    runtime: &tokio::runtime::Handle,
    channel: Arc<CompletionChannel>,
    request_id: u64,
    mut next: F,
) where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = BridgeResult<Completion>> + Send,
{
    channel.begin_waking();
    runtime.spawn(async move {
        let error = loop {
            // `next` is called inside the caught future, so a panic while making it is caught too.
            match AssertUnwindSafe(async { next().await })
                .catch_unwind()
                .await
            {
                Ok(Ok(item)) => channel.push(request_id, item),
                Ok(Err(error)) => break error,
                Err(payload) => break panic_error(payload),
            }
        };
        drop(next);
        channel.push_result(request_id, Err(error), Delivery::Waking);
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{channel::ENTRY_WIDTH, error::take_last_error};
    use std::{
        io::Read,
        os::unix::net::UnixStream,
        sync::atomic::{AtomicU8, Ordering},
        time::Duration,
    };

    #[test]
    fn a_panic_becomes_a_panic_error_not_an_unwind() {
        let code = status(|| panic!("boom"));
        assert_eq!(code, ErrorCode::Panic as i32);
        let error = take_last_error().unwrap();
        assert!(error.message.contains("boom"));
        assert_eq!(handle(|| panic!("x")), 0);
        assert_eq!(take_last_error().unwrap().code, ErrorCode::Panic);
        assert_eq!(count(|| Err(BridgeError::invalid_argument("y"))), -1);
    }

    /// A channel whose host end is a listening socket in the temporary directory.
    fn channel(name: &str) -> (Arc<CompletionChannel>, UnixStream, std::path::PathBuf) {
        let path =
            std::env::temp_dir().join(format!("tbs-guard-{}-{name}.sock", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
        let channel = Arc::new(CompletionChannel::connect(&path).unwrap());
        let (host, _) = listener.accept().unwrap();
        host.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        (channel, host, path)
    }

    /// Drains entries as the host would, until an error entry: (request id, kind, first byte of
    /// a bytes payload). Frees the buffers.
    fn drain_until_error(
        channel: &CompletionChannel,
        host: &mut UnixStream,
    ) -> Vec<(u64, u64, u8)> {
        let mut seen = Vec::new();
        let mut out = vec![0f64; ENTRY_WIDTH * 16];
        loop {
            host.read_exact(&mut [0u8; 1]).expect("a wake byte");
            let n = channel.drain_into(&mut out);
            for entry in out[..n * ENTRY_WIDTH].chunks_exact(ENTRY_WIDTH) {
                let (id, kind, pointer) = (entry[0] as u64, entry[1] as u64, entry[2] as usize);
                let first = if kind == 1 && pointer != 0 {
                    unsafe { *(pointer as *const u8) }
                } else {
                    0
                };
                if pointer != 0 {
                    crate::buffers::release(pointer).unwrap();
                }
                seen.push((id, kind, first));
            }
            if seen.iter().any(|entry| entry.1 == 3) {
                return seen;
            }
        }
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap()
    }

    #[test]
    fn a_stream_pushes_every_item_then_its_error_and_stops_holding_deferred_answers() {
        let runtime = runtime();
        let (channel, mut host, path) = channel("stream");
        let calls = Arc::new(AtomicU8::new(0));
        let counter = calls.clone();
        spawn_stream(runtime.handle(), channel.clone(), 7, move || {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            async move {
                match n {
                    0..=2 => Ok(Completion::Bytes(vec![n])),
                    _ => Err(BridgeError::new(ErrorCode::ShutDown, "done")),
                }
            }
        });
        let entries = drain_until_error(&channel, &mut host);
        assert_eq!(entries, vec![(7, 1, 0), (7, 1, 1), (7, 1, 2), (7, 3, 0)]);
        assert_eq!(calls.load(Ordering::SeqCst), 4, "no poll after the error");
        // The stream ended, so a deferred success wakes the host by itself.
        channel.push_result(8, Ok(Completion::Empty), Delivery::Deferred);
        host.read_exact(&mut [0u8; 1])
            .expect("the deferred answer woke the host");
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn a_stream_whose_poll_panics_ends_with_a_panic_error() {
        let runtime = runtime();
        let (channel, mut host, path) = channel("panic");
        spawn_stream(
            runtime.handle(),
            channel.clone(),
            9,
            || -> std::future::Ready<BridgeResult<Completion>> { panic!("the poll blew up") },
        );
        let entries = drain_until_error(&channel, &mut host);
        assert_eq!(entries, vec![(9, 3, 0)]);
        let _ = std::fs::remove_file(path);
    }
}

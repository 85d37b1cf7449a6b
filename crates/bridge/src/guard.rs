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

/// Spawns a stream answering `request_id` on `runtime`: `next` is awaited again and again, each
/// success is pushed as an entry for `request_id` (waking the host), and the first error (or
/// panic) is pushed as the stream's last entry. The stream counts as a waking request until then.
pub fn spawn_stream<S, F, Fut>(
    runtime: &tokio::runtime::Handle,
    channel: Arc<CompletionChannel>,
    request_id: u64,
    state: S,
    next: F,
) where
    S: Send + 'static,
    F: Fn(&S) -> Fut + Send + 'static,
    Fut: Future<Output = BridgeResult<Completion>> + Send,
{
    channel.begin_waking();
    runtime.spawn(async move {
        let error = loop {
            match AssertUnwindSafe(next(&state)).catch_unwind().await {
                Ok(Ok(item)) => channel.push(request_id, item),
                Ok(Err(error)) => break error,
                Err(payload) => break panic_error(payload),
            }
        };
        // What the stream holds (the worker) is let go before the host hears that it ended.
        drop(state);
        channel.push_result(request_id, Err(error), Delivery::Waking);
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::take_last_error;

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
}

//! The completion queue: how results of asynchronous calls (and core's log records) reach the
//! JS thread without blocking it.
//!
//! Rust threads push entries into an unbounded queue. When the queue goes from "drained" to
//! "has entries", one byte is written to a Unix socket whose other end lives in Bun's event loop;
//! Bun wakes, and the host drains the queue with a synchronous call. Bursts cost one wake-up, and
//! the host reads a whole batch per call. A thread-safe `JSCallback` per completion was the
//! alternative; see `bench/ffi-channel` for the measurements behind the choice.
//!
//! Waking the host is the expensive part (two context switches, and on a VM often an
//! inter-processor interrupt), so answers the host is in no hurry for can skip it. A *deferred*
//! answer (a successful workflow or activity completion whose caller asked for it) is queued
//! without a wake-up while some *waking* request (a poll) is outstanding: that request's answer
//! will wake the host, and the drain it causes takes the deferred entries along. With no waking
//! request outstanding, a deferred answer wakes the host like any other, so no entry can be
//! stranded.

use crate::{buffers, error::BridgeError};
use parking_lot::Mutex;
use std::{collections::VecDeque, io, os::unix::net::UnixStream, path::Path};

/// Values per entry in the drain buffer.
pub const ENTRY_WIDTH: usize = 4;

/// What a completion carries.
#[derive(Debug)]
pub enum Completion {
    Empty,
    Bytes(Vec<u8>),
    Handle(u64),
    Error(BridgeError),
    Log(String),
}

struct Entry {
    request_id: u64,
    completion: Completion,
}

struct Queue {
    entries: VecDeque<Entry>,
    /// True from the wake-up byte until a drain empties the queue: pushes in between write nothing.
    wake_pending: bool,
    /// Waking requests (polls) accepted and not yet answered. Each one's answer wakes the host.
    waking_outstanding: usize,
}

/// How an answer reaches the host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Wakes the host unless a wake-up is already pending.
    Prompt,
    /// The answer to a waking request (see [`CompletionChannel::begin_waking`]): delivered
    /// promptly, and ends that request's hold on deferred entries.
    Waking,
    /// A success waits for the next wake-up while a waking request is outstanding; an error is
    /// delivered promptly.
    Deferred,
}

impl std::fmt::Debug for CompletionChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompletionChannel").finish_non_exhaustive()
    }
}

pub struct CompletionChannel {
    queue: Mutex<Queue>,
    wake: UnixStream,
}

impl CompletionChannel {
    /// Connects to the host's listening Unix socket at `path`.
    pub fn connect(path: &Path) -> io::Result<Self> {
        let wake = UnixStream::connect(path)?;
        wake.set_nonblocking(true)?;
        #[cfg(any(target_os = "macos", target_os = "ios"))]
        unsafe {
            use std::os::fd::AsRawFd;
            let one: libc::c_int = 1;
            libc::setsockopt(
                wake.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_NOSIGPIPE,
                &one as *const _ as *const libc::c_void,
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            );
        }
        Ok(CompletionChannel {
            queue: Mutex::new(Queue {
                entries: VecDeque::new(),
                wake_pending: false,
                waking_outstanding: 0,
            }),
            wake,
        })
    }

    pub fn push(&self, request_id: u64, completion: Completion) {
        self.push_with(request_id, completion, Delivery::Prompt);
    }

    /// Counts a waking request as outstanding until its answer is pushed with
    /// [`Delivery::Waking`]. Call it before the request can be answered.
    pub fn begin_waking(&self) {
        self.queue.lock().waking_outstanding += 1;
    }

    pub fn push_result(
        &self,
        request_id: u64,
        result: Result<Completion, BridgeError>,
        delivery: Delivery,
    ) {
        self.push_with(
            request_id,
            result.unwrap_or_else(Completion::Error),
            delivery,
        );
    }

    fn push_with(&self, request_id: u64, completion: Completion, delivery: Delivery) {
        // Only a deferred success may wait; a deferred error is as urgent as any other answer.
        let may_wait =
            delivery == Delivery::Deferred && !matches!(completion, Completion::Error(_));
        let must_wake = {
            let mut queue = self.queue.lock();
            queue.entries.push_back(Entry {
                request_id,
                completion,
            });
            if delivery == Delivery::Waking {
                queue.waking_outstanding = queue.waking_outstanding.saturating_sub(1);
            }
            let may_wait = may_wait && queue.waking_outstanding > 0;
            if queue.wake_pending || may_wait {
                false
            } else {
                queue.wake_pending = true;
                true
            }
        };
        if must_wake {
            self.write_wake_byte();
        }
    }

    fn write_wake_byte(&self) {
        use std::os::fd::AsRawFd;
        #[cfg(target_os = "linux")]
        let flags = libc::MSG_NOSIGNAL;
        #[cfg(not(target_os = "linux"))]
        let flags = 0;
        // EAGAIN means the socket already holds unread wake bytes; EPIPE means the host is gone.
        // Either way there is nobody more to wake.
        unsafe {
            libc::send(
                self.wake.as_raw_fd(),
                [1u8].as_ptr() as *const libc::c_void,
                1,
                flags,
            );
        }
    }

    /// Moves up to `out.len() / ENTRY_WIDTH` entries into `out`, handing their buffers to the
    /// host. Returns the number of entries written.
    pub fn drain_into(&self, out: &mut [f64]) -> usize {
        let capacity = out.len() / ENTRY_WIDTH;
        let mut taken = Vec::with_capacity(capacity.min(64));
        {
            let mut queue = self.queue.lock();
            while taken.len() < capacity {
                match queue.entries.pop_front() {
                    Some(entry) => taken.push(entry),
                    None => break,
                }
            }
            if queue.entries.is_empty() {
                queue.wake_pending = false;
            }
        }
        for (slot, entry) in out.chunks_exact_mut(ENTRY_WIDTH).zip(taken.iter_mut()) {
            let (kind, a, b) = match std::mem::replace(&mut entry.completion, Completion::Empty) {
                Completion::Empty => (0, 0, 0),
                Completion::Bytes(bytes) => {
                    let (pointer, length) = buffers::export(bytes);
                    (1, pointer as u64, length as u64)
                }
                Completion::Handle(handle) => (2, handle, 0),
                Completion::Error(error) => {
                    let (pointer, length) = buffers::export(error.to_json().into_bytes());
                    (3, pointer as u64, length as u64)
                }
                Completion::Log(json) => {
                    let (pointer, length) = buffers::export(json.into_bytes());
                    (4, pointer as u64, length as u64)
                }
            };
            slot[0] = entry.request_id as f64;
            slot[1] = kind as f64;
            slot[2] = a as f64;
            slot[3] = b as f64;
        }
        taken.len()
    }

    #[cfg(test)]
    fn pending(&self) -> usize {
        self.queue.lock().entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::{io::Read, os::unix::net::UnixListener, sync::Arc, time::Duration};

    fn channel() -> (Arc<CompletionChannel>, UnixStream, tempdir::TempPath) {
        let dir = tempdir::TempPath::new();
        let listener = UnixListener::bind(&dir.path).unwrap();
        let channel = CompletionChannel::connect(&dir.path).unwrap();
        let (host_end, _) = listener.accept().unwrap();
        host_end
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        (Arc::new(channel), host_end, dir)
    }

    mod tempdir {
        pub struct TempPath {
            pub path: std::path::PathBuf,
        }
        impl TempPath {
            pub fn new() -> Self {
                static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
                let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let path =
                    std::env::temp_dir().join(format!("tbs-chan-{}-{n}.sock", std::process::id()));
                let _ = std::fs::remove_file(&path);
                TempPath { path }
            }
        }
        impl Drop for TempPath {
            fn drop(&mut self) {
                let _ = std::fs::remove_file(&self.path);
            }
        }
    }

    #[test]
    fn a_burst_of_completions_costs_one_wake_byte() {
        let (channel, mut host, _dir) = channel();
        for id in 1..=10 {
            channel.push(id, Completion::Empty);
        }
        let mut buf = [0u8; 16];
        assert_eq!(host.read(&mut buf).unwrap(), 1);
        let mut out = vec![0f64; ENTRY_WIDTH * 4];
        assert_eq!(channel.drain_into(&mut out), 4);
        // Not empty yet: no new wake byte is needed, the host keeps draining.
        channel.push(11, Completion::Empty);
        assert!(
            host.read(&mut buf).is_err(),
            "no second wake byte while entries remain"
        );
        let mut big = vec![0f64; ENTRY_WIDTH * 100];
        assert_eq!(channel.drain_into(&mut big), 7);
        assert_eq!(channel.pending(), 0);
        // Drained: the next push wakes the host again.
        channel.push(12, Completion::Empty);
        assert_eq!(host.read(&mut buf).unwrap(), 1);
    }

    #[test]
    fn deferred_answers_wait_for_an_outstanding_waking_request() {
        let (channel, mut host, _dir) = channel();
        let mut buf = [0u8; 16];
        let mut out = vec![0f64; ENTRY_WIDTH * 8];
        channel.begin_waking();
        // A deferred success while a poll is outstanding: queued, no wake byte.
        channel.push_result(1, Ok(Completion::Empty), Delivery::Deferred);
        assert!(
            host.read(&mut buf).is_err(),
            "a deferred success must not wake the host"
        );
        // A deferred error is prompt.
        channel.push_result(2, Err(BridgeError::worker("refused")), Delivery::Deferred);
        assert_eq!(host.read(&mut buf).unwrap(), 1);
        assert_eq!(channel.drain_into(&mut out), 2);
        buffers::release(out[ENTRY_WIDTH + 2] as usize).unwrap();
        channel.push_result(3, Ok(Completion::Empty), Delivery::Deferred);
        assert!(host.read(&mut buf).is_err());
        // The poll's answer wakes the host, and the drain takes the deferred entry along.
        channel.push_result(4, Ok(Completion::Handle(9)), Delivery::Waking);
        assert_eq!(host.read(&mut buf).unwrap(), 1);
        assert_eq!(channel.drain_into(&mut out), 2);
        assert_eq!((out[0], out[ENTRY_WIDTH]), (3.0, 4.0));
        // No waking request outstanding any more: a deferred success wakes the host itself.
        channel.push_result(5, Ok(Completion::Empty), Delivery::Deferred);
        assert_eq!(host.read(&mut buf).unwrap(), 1);
        assert_eq!(channel.drain_into(&mut out), 1);
    }

    #[test]
    fn a_deferred_answer_after_the_waking_answer_was_drained_still_wakes() {
        let (channel, mut host, _dir) = channel();
        let mut buf = [0u8; 16];
        let mut out = vec![0f64; ENTRY_WIDTH * 8];
        channel.begin_waking();
        channel.push_result(
            1,
            Err(BridgeError::new(crate::error::ErrorCode::ShutDown, "x")),
            Delivery::Waking,
        );
        assert_eq!(host.read(&mut buf).unwrap(), 1);
        assert_eq!(channel.drain_into(&mut out), 1);
        buffers::release(out[2] as usize).unwrap();
        channel.push_result(2, Ok(Completion::Empty), Delivery::Deferred);
        assert_eq!(
            host.read(&mut buf).unwrap(),
            1,
            "nothing else would wake the host"
        );
    }

    #[test]
    fn entries_carry_ids_kinds_and_owned_buffers() {
        let (channel, _host, _dir) = channel();
        channel.push(7, Completion::Bytes(vec![9, 8, 7]));
        channel.push(8, Completion::Handle(42));
        channel.push(9, Completion::Error(BridgeError::invalid_argument("nope")));
        let mut out = vec![0f64; ENTRY_WIDTH * 3];
        assert_eq!(channel.drain_into(&mut out), 3);
        assert_eq!(&out[0..2], &[7.0, 1.0]);
        assert_eq!(out[3], 3.0);
        let bytes = unsafe { std::slice::from_raw_parts(out[2] as usize as *const u8, 3) };
        assert_eq!(bytes, &[9, 8, 7]);
        buffers::release(out[2] as usize).unwrap();
        assert_eq!(&out[4..7], &[8.0, 2.0, 42.0]);
        assert_eq!(&out[8..10], &[9.0, 3.0]);
        let json =
            unsafe { std::slice::from_raw_parts(out[10] as usize as *const u8, out[11] as usize) };
        assert!(std::str::from_utf8(json)
            .unwrap()
            .contains("INVALID_ARGUMENT"));
        buffers::release(out[10] as usize).unwrap();
    }

    #[test]
    fn completions_from_many_threads_are_all_delivered() {
        let (channel, _host, _dir) = channel();
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let channel = channel.clone();
                std::thread::spawn(move || {
                    for i in 0..10_000u64 {
                        channel.push(t * 100_000 + i + 1, Completion::Empty);
                    }
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        let mut out = vec![0f64; ENTRY_WIDTH * 1024];
        let mut seen = std::collections::HashSet::new();
        loop {
            let n = channel.drain_into(&mut out);
            for entry in out[..n * ENTRY_WIDTH].chunks_exact(ENTRY_WIDTH) {
                assert!(seen.insert(entry[0] as u64));
            }
            if n < 1024 {
                break;
            }
        }
        assert_eq!(seen.len(), 40_000);
    }
}

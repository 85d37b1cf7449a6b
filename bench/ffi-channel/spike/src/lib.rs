//! Spike for `bench/ffi-channel`: the same work (N requests, each answered on one of a few Rust
//! threads with a small Rust-owned payload) delivered to Bun by two mechanisms.
//!
//! (a) **callback**: each completion calls a function pointer from the worker thread. JS passes
//!     the `.ptr` of a `new JSCallback(fn, { threadsafe: true })`, which Bun turns into a task
//!     posted to the JS thread.
//! (b) **queue**: each completion is pushed into a mutex-guarded queue; on the empty→non-empty
//!     transition one byte is written to a Unix socket that Bun listens on (MSG_NOSIGNAL). JS
//!     drains the queue with a synchronous call into a `Float64Array` of 4-f64 entries
//!     `[request id, kind (1 = bytes), payload pointer, payload length]`.
//!     This is the design of `crates/bridge/src/channel.rs`, reduced to what the benchmark needs.
//!
//! In both cases the payload (`payload_len` bytes, starting with the request id little-endian) is
//! owned by JS after delivery and released with `spike_payload_free`.
//!
//! No panics cross the boundary: the crate is built with `panic = "abort"` and the exports do not
//! panic on valid input.

use std::{
    collections::VecDeque,
    os::unix::{ffi::OsStrExt, io::AsRawFd, net::UnixStream},
    path::Path,
    sync::{
        atomic::{AtomicU64, AtomicUsize, Ordering},
        mpsc, Arc, Mutex,
    },
    thread::JoinHandle,
    time::Duration,
};

/// `void (*)(uint64_t id, uint8_t *payload, size_t len)`
pub type CompletionCallback = extern "C" fn(u64, *mut u8, usize);

pub const ENTRY_WIDTH: usize = 4;
const KIND_BYTES: f64 = 1.0;

struct Queue {
    entries: VecDeque<(u64, usize, usize)>,
    wake_pending: bool,
}

struct WakeQueue {
    queue: Mutex<Queue>,
    wake: UnixStream,
    wake_bytes: AtomicU64,
}

impl WakeQueue {
    fn push(&self, id: u64, pointer: usize, len: usize) {
        let must_wake = {
            let mut queue = self.queue.lock().unwrap();
            queue.entries.push_back((id, pointer, len));
            !std::mem::replace(&mut queue.wake_pending, true)
        };
        if must_wake {
            self.wake_bytes.fetch_add(1, Ordering::Relaxed);
            #[cfg(target_os = "linux")]
            let flags = libc::MSG_NOSIGNAL;
            #[cfg(not(target_os = "linux"))]
            let flags = 0;
            // EAGAIN: unread wake bytes already wait; EPIPE: the host is gone. Nothing to do.
            unsafe {
                libc::send(
                    self.wake.as_raw_fd(),
                    [1u8].as_ptr() as *const libc::c_void,
                    1,
                    flags,
                );
            }
        }
    }

    fn drain_into(&self, out: &mut [f64]) -> usize {
        let capacity = out.len() / ENTRY_WIDTH;
        let mut queue = self.queue.lock().unwrap();
        let mut written = 0;
        for slot in out.chunks_exact_mut(ENTRY_WIDTH).take(capacity) {
            match queue.entries.pop_front() {
                Some((id, pointer, len)) => {
                    slot[0] = id as f64;
                    slot[1] = KIND_BYTES;
                    slot[2] = pointer as f64;
                    slot[3] = len as f64;
                    written += 1;
                }
                None => break,
            }
        }
        if queue.entries.is_empty() {
            queue.wake_pending = false;
        }
        written
    }
}

enum Sink {
    Callback(CompletionCallback),
    Queue(WakeQueue),
}

struct Shared {
    sink: Sink,
    payload_len: usize,
    max_delay_us: u32,
    delivered: AtomicU64,
}

impl Shared {
    fn complete(&self, id: u64) {
        let (pointer, len) = make_payload(id, self.payload_len);
        match &self.sink {
            Sink::Callback(callback) => callback(id, pointer, len),
            Sink::Queue(queue) => queue.push(id, pointer as usize, len),
        }
        self.delivered.fetch_add(1, Ordering::Relaxed);
    }
}

pub struct Spike {
    shared: Arc<Shared>,
    senders: Vec<mpsc::Sender<(u64, u32)>>,
    next: AtomicUsize,
    threads: Vec<JoinHandle<()>>,
}

fn make_payload(id: u64, len: usize) -> (*mut u8, usize) {
    if len == 0 {
        return (std::ptr::null_mut(), 0);
    }
    let mut bytes = vec![0u8; len];
    let id_bytes = id.to_le_bytes();
    let n = len.min(8);
    bytes[..n].copy_from_slice(&id_bytes[..n]);
    for (i, b) in bytes.iter_mut().enumerate().skip(8) {
        *b = i as u8;
    }
    let boxed = bytes.into_boxed_slice();
    (Box::into_raw(boxed) as *mut u8, len)
}

fn start(shared: Shared, threads: u32) -> *mut Spike {
    let shared = Arc::new(shared);
    let mut senders = Vec::new();
    let mut handles = Vec::new();
    for index in 0..threads.max(1) {
        let (tx, rx) = mpsc::channel::<(u64, u32)>();
        let shared = shared.clone();
        let handle = std::thread::Builder::new()
            .name(format!("spike-{index}"))
            .spawn(move || {
                // xorshift64*, seeded per thread
                let mut state: u64 = 0x9E37_79B9_7F4A_7C15 ^ ((index as u64 + 1) << 32);
                while let Ok((id, fixed_delay_us)) = rx.recv() {
                    if fixed_delay_us > 0 {
                        std::thread::sleep(Duration::from_micros(fixed_delay_us as u64));
                    } else if shared.max_delay_us > 0 {
                        state ^= state >> 12;
                        state ^= state << 25;
                        state ^= state >> 27;
                        let r = state.wrapping_mul(0x2545_F491_4F6C_DD1D);
                        let delay = r % (shared.max_delay_us as u64 + 1);
                        if delay > 0 {
                            std::thread::sleep(Duration::from_micros(delay));
                        }
                    }
                    shared.complete(id);
                }
            })
            .expect("spawn spike thread");
        senders.push(tx);
        handles.push(handle);
    }
    Box::into_raw(Box::new(Spike {
        shared,
        senders,
        next: AtomicUsize::new(0),
        threads: handles,
    }))
}

/// Mechanism (a): completions call `callback` on the pool's threads. Never returns null.
#[no_mangle]
pub extern "C" fn spike_new_callback(
    threads: u32,
    max_delay_us: u32,
    payload_len: u32,
    callback: CompletionCallback,
) -> *mut Spike {
    start(
        Shared {
            sink: Sink::Callback(callback),
            payload_len: payload_len as usize,
            max_delay_us,
            delivered: AtomicU64::new(0),
        },
        threads,
    )
}

/// Mechanism (b): completions go to a queue; the wake byte goes to the Unix socket listening at
/// `path`. Returns null if the socket cannot be connected.
///
/// # Safety
/// `path` must be valid for reads of `path_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn spike_new_queue(
    threads: u32,
    max_delay_us: u32,
    payload_len: u32,
    path: *const u8,
    path_len: usize,
) -> *mut Spike {
    if path.is_null() {
        return std::ptr::null_mut();
    }
    let path = Path::new(std::ffi::OsStr::from_bytes(unsafe {
        std::slice::from_raw_parts(path, path_len)
    }));
    let wake = match UnixStream::connect(path) {
        Ok(stream) => stream,
        Err(_) => return std::ptr::null_mut(),
    };
    if wake.set_nonblocking(true).is_err() {
        return std::ptr::null_mut();
    }
    #[cfg(any(target_os = "macos", target_os = "ios"))]
    unsafe {
        let one: libc::c_int = 1;
        libc::setsockopt(
            wake.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_NOSIGPIPE,
            &one as *const _ as *const libc::c_void,
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
    }
    start(
        Shared {
            sink: Sink::Queue(WakeQueue {
                queue: Mutex::new(Queue {
                    entries: VecDeque::new(),
                    wake_pending: false,
                }),
                wake,
                wake_bytes: AtomicU64::new(0),
            }),
            payload_len: payload_len as usize,
            max_delay_us,
            delivered: AtomicU64::new(0),
        },
        threads,
    )
}

/// Hands request `id` to the next pool thread (round robin); it completes after a random delay
/// in `[0, max_delay_us]`. Returns 0, or -1 on a null spike.
///
/// # Safety
/// `spike` must come from `spike_new_*` and not be freed.
#[no_mangle]
pub unsafe extern "C" fn spike_submit(spike: *const Spike, id: u64) -> i32 {
    unsafe { spike_submit_delayed(spike, id, 0) }
}

/// As `spike_submit`, but the request completes after exactly `delay_us` (when non-zero).
///
/// # Safety
/// As for `spike_submit`.
#[no_mangle]
pub unsafe extern "C" fn spike_submit_delayed(spike: *const Spike, id: u64, delay_us: u32) -> i32 {
    let Some(spike) = (unsafe { spike.as_ref() }) else {
        return -1;
    };
    let index = spike.next.fetch_add(1, Ordering::Relaxed) % spike.senders.len();
    match spike.senders[index].send((id, delay_us)) {
        Ok(()) => 0,
        Err(_) => -1,
    }
}

/// Mechanism (b): moves up to `capacity` entries into `out` (`4 * capacity` f64s). Returns the
/// number written, or -1 if this spike is not a queue spike.
///
/// # Safety
/// `spike` as for `spike_submit`; `out` valid for writes of `4 * capacity` f64s.
#[no_mangle]
pub unsafe extern "C" fn spike_drain(spike: *const Spike, out: *mut f64, capacity: u32) -> i32 {
    let Some(spike) = (unsafe { spike.as_ref() }) else {
        return -1;
    };
    let Sink::Queue(queue) = &spike.shared.sink else {
        return -1;
    };
    let out = unsafe { std::slice::from_raw_parts_mut(out, capacity as usize * ENTRY_WIDTH) };
    queue.drain_into(out) as i32
}

/// Releases a payload handed out by a completion. Null is a no-op.
///
/// # Safety
/// `(pointer, len)` must come from one completion and be freed once.
#[no_mangle]
pub unsafe extern "C" fn spike_payload_free(pointer: *mut u8, len: usize) {
    if pointer.is_null() {
        return;
    }
    drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(pointer, len)) });
}

/// Counters: `out[0]` completions delivered by Rust, `out[1]` wake bytes written (queue only).
///
/// # Safety
/// `spike` as for `spike_submit`; `out` valid for writes of 2 f64s.
#[no_mangle]
pub unsafe extern "C" fn spike_stats(spike: *const Spike, out: *mut f64) {
    let Some(spike) = (unsafe { spike.as_ref() }) else {
        return;
    };
    let wakes = match &spike.shared.sink {
        Sink::Queue(queue) => queue.wake_bytes.load(Ordering::Relaxed),
        Sink::Callback(_) => 0,
    };
    unsafe {
        *out = spike.shared.delivered.load(Ordering::Relaxed) as f64;
        *out.add(1) = wakes as f64;
    }
}

/// Stops the pool: closes the request channels and joins the threads (they finish the requests
/// already submitted first). Undelivered queue entries and their payloads are released.
///
/// # Safety
/// `spike` must come from `spike_new_*`; it is invalid afterwards.
#[no_mangle]
pub unsafe extern "C" fn spike_free(spike: *mut Spike) {
    if spike.is_null() {
        return;
    }
    let mut spike = unsafe { Box::from_raw(spike) };
    spike.senders.clear();
    for handle in spike.threads.drain(..) {
        let _ = handle.join();
    }
    if let Sink::Queue(queue) = &spike.shared.sink {
        let mut queue = queue.queue.lock().unwrap();
        for (_, pointer, len) in queue.entries.drain(..) {
            unsafe { spike_payload_free(pointer as *mut u8, len) };
        }
    }
}

//! Byte buffers handed to the host. Each one is registered here until the host frees it with
//! `tbs_bytes_free`, so a double free or a foreign pointer is detected and refused instead of
//! corrupting the heap.

use crate::error::{BridgeError, BridgeResult, ErrorCode};
use parking_lot::Mutex;
use std::{collections::HashMap, sync::LazyLock};

static LIVE: LazyLock<Mutex<HashMap<usize, Box<[u8]>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// Hands `bytes` to the host: returns `(pointer, length)`; `(0, 0)` for an empty buffer, which is
/// not registered and needs no free.
pub fn export(bytes: Vec<u8>) -> (usize, usize) {
    if bytes.is_empty() {
        return (0, 0);
    }
    let boxed = bytes.into_boxed_slice();
    let pointer = boxed.as_ptr() as usize;
    let length = boxed.len();
    LIVE.lock().insert(pointer, boxed);
    (pointer, length)
}

/// Hands a NUL-terminated string to the host.
pub fn export_c_string(text: &str) -> usize {
    let mut bytes = Vec::with_capacity(text.len() + 1);
    bytes.extend(text.bytes().map(|b| if b == 0 { b' ' } else { b }));
    bytes.push(0);
    export(bytes).0
}

/// Frees a buffer previously returned by [export].
pub fn release(pointer: usize) -> BridgeResult<()> {
    if pointer == 0 {
        return Ok(());
    }
    match LIVE.lock().remove(&pointer) {
        Some(_) => Ok(()),
        None => Err(BridgeError::new(
            ErrorCode::InvalidBuffer,
            format!(
                "0x{pointer:x} is not a live bridge buffer (already freed, or not the bridge's)"
            ),
        )),
    }
}

/// Number of buffers the host has not freed yet (for leak checks in tests).
pub fn live_count() -> usize {
    LIVE.lock().len()
}

/// Borrows a `(ptr, len)` input for the duration of a call.
///
/// # Safety
/// `pointer` must be valid for reads of `length` bytes (or `length` must be 0).
pub unsafe fn borrow<'a>(pointer: *const u8, length: usize) -> BridgeResult<&'a [u8]> {
    if length == 0 {
        return Ok(&[]);
    }
    if pointer.is_null() {
        return Err(BridgeError::invalid_argument(
            "null pointer with a non-zero length",
        ));
    }
    Ok(unsafe { std::slice::from_raw_parts(pointer, length) })
}

/// Borrows a UTF-8 string input.
///
/// # Safety
/// As for [borrow].
pub unsafe fn borrow_str<'a>(
    pointer: *const u8,
    length: usize,
    what: &str,
) -> BridgeResult<&'a str> {
    let bytes = unsafe { borrow(pointer, length)? };
    std::str::from_utf8(bytes)
        .map_err(|e| BridgeError::invalid_argument(format!("{what} is not valid UTF-8: {e}")))
}

/// Frees a buffer the bridge handed out (completion payloads, error texts, log records).
///
/// Returns 0, or `INVALID_BUFFER` (3) if `pointer` is not a live bridge buffer (e.g. already
/// freed); nothing is freed then. A null pointer is a no-op.
#[no_mangle]
pub extern "C" fn tbs_bytes_free(pointer: *mut u8) -> i32 {
    crate::guard::status(|| release(pointer as usize))
}

/// Takes this thread's last error as NUL-terminated JSON, or returns null if there is none.
/// The caller frees the returned pointer with [tbs_bytes_free].
#[no_mangle]
pub extern "C" fn tbs_last_error_take() -> *mut u8 {
    std::panic::catch_unwind(|| match crate::error::take_last_error() {
        Some(error) => export_c_string(&error.to_json()) as *mut u8,
        None => std::ptr::null_mut(),
    })
    .unwrap_or(std::ptr::null_mut())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_buffer_is_freed_once_and_a_second_free_is_refused() {
        let (pointer, length) = export(vec![1, 2, 3]);
        assert_eq!(length, 3);
        assert!(release(pointer).is_ok());
        assert_eq!(release(pointer).unwrap_err().code, ErrorCode::InvalidBuffer);
    }

    #[test]
    fn empty_buffers_are_null_and_free_is_a_no_op() {
        assert_eq!(export(Vec::new()), (0, 0));
        assert!(release(0).is_ok());
    }

    #[test]
    fn c_strings_are_nul_terminated_without_interior_nuls() {
        let pointer = export_c_string("a\0b");
        let text = unsafe { std::ffi::CStr::from_ptr(pointer as *const std::ffi::c_char) };
        assert_eq!(text.to_str().unwrap(), "a b");
        release(pointer).unwrap();
    }
}
